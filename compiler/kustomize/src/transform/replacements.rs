//! `replacements`: copy a value from one object's field into fields of other objects
//! (kustomize's ReplacementTransformer), with delimiter/index options and optional
//! creation of missing target fields.
//!
//! Field paths are dot-separated; `[key=value]` picks a list element by a field,
//! `[=value]` a scalar element, `*` every element, and a number an index.

use std::path::Path;

use kubake_yaml::{load_stream, Mapping, Node, Schema, Value};

use crate::decode::Fields;
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId, Resource};
use crate::selector::LabelSelector;
use crate::target::Target;

/// Delimiter options.
#[derive(Clone, Debug, Default)]
pub struct FieldOptions {
    delimiter: String,
    index: i64,
    create: bool,
}

/// Selects resources by id and labels.
#[derive(Clone, Debug, Default)]
pub struct IdSelector {
    gvk: Gvk,
    name: String,
    namespace: String,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

/// One replacement target.
#[derive(Clone, Debug)]
pub struct TargetSpec {
    select: IdSelector,
    reject: Vec<IdSelector>,
    field_paths: Vec<String>,
    options: FieldOptions,
}

/// One replacement.
#[derive(Clone, Debug)]
pub struct Replacement {
    source: IdSelector,
    source_path: String,
    source_options: FieldOptions,
    targets: Vec<TargetSpec>,
}

fn decode_selector(node: &Node, file: &Path) -> Result<IdSelector> {
    let f = Fields::new(node, file, "Selector")?;
    let parse = |s: Option<String>| -> Result<Option<LabelSelector>> {
        s.filter(|s| !s.is_empty())
            .map(|s| LabelSelector::parse(&s))
            .transpose()
    };
    Ok(IdSelector {
        gvk: Gvk {
            group: f.string("group")?.unwrap_or_default(),
            version: f.string("version")?.unwrap_or_default(),
            kind: f.string("kind")?.unwrap_or_default(),
        },
        name: f.string("name")?.unwrap_or_default(),
        namespace: f.string("namespace")?.unwrap_or_default(),
        labels: parse(f.string("labelSelector")?)?,
        annotations: parse(f.string("annotationSelector")?)?,
    })
}

fn decode_options(node: Option<&Node>, file: &Path) -> Result<FieldOptions> {
    let Some(node) = node else {
        return Ok(FieldOptions::default());
    };
    let f = Fields::new(node, file, "FieldOptions")?;
    f.deny_unknown(&["delimiter", "index", "encoding", "create"])?;
    Ok(FieldOptions {
        delimiter: f.string("delimiter")?.unwrap_or_default(),
        index: f.int("index")?.unwrap_or(0),
        create: f.bool("create")?.unwrap_or(false),
    })
}

fn decode_replacement(node: &Node, file: &Path) -> Result<Replacement> {
    let f = Fields::new(node, file, "Replacement")?;
    f.deny_unknown(&["source", "targets"])?;
    let source = f
        .get("source")
        .ok_or_else(|| Error::at("replacement has no source", file, node.pos))?;
    let sf = Fields::new(source, file, "SourceSelector")?;
    let targets = f.objects("targets", |t| {
        let tf = Fields::new(t, file, "TargetSelector")?;
        tf.deny_unknown(&["select", "reject", "fieldPaths", "options"])?;
        let select = tf
            .get("select")
            .ok_or_else(|| Error::at("target must specify resources to select", file, t.pos))?;
        let mut field_paths: Vec<String> = tf
            .strings("fieldPaths")?
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        if field_paths.is_empty() {
            field_paths.push("metadata.name".into());
        }
        Ok(TargetSpec {
            select: decode_selector(select, file)?,
            reject: tf.objects("reject", |r| decode_selector(r, file))?,
            field_paths,
            options: decode_options(tf.get("options"), file)?,
        })
    })?;
    Ok(Replacement {
        source: decode_selector(source, file)?,
        source_path: sf
            .string("fieldPath")?
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "metadata.name".into()),
        source_options: decode_options(sf.get("options"), file)?,
        targets,
    })
}

/// Reads the `replacements:` entries: inline replacements, or `path:` files of them.
pub fn load(t: &Target<'_, '_>, entries: &[Node]) -> Result<Vec<Replacement>> {
    let file = &t.kust.file;
    let mut out = Vec::new();
    for entry in entries {
        match entry.str_at(&["path"]) {
            Some(path) => {
                let text = t.read_file(path)?;
                let full = t.kust.dir.join(path);
                for doc in load_stream(&text, Schema::Core12)
                    .map_err(|e| Error::at(e.message, &full, e.pos))?
                {
                    match &doc.value {
                        Value::Seq(items) => {
                            for i in items {
                                out.push(decode_replacement(i, &full)?);
                            }
                        }
                        Value::Map(_) => out.push(decode_replacement(&doc, &full)?),
                        _ => {}
                    }
                }
            }
            None => out.push(decode_replacement(entry, file)?),
        }
    }
    Ok(out)
}

/// Decodes replacements given inline in a ReplacementTransformer config.
pub fn decode_list(node: &Node, file: &Path) -> Result<Vec<Replacement>> {
    node.as_seq()
        .map(|items| items.iter().map(|i| decode_replacement(i, file)).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
}

fn ids_of(r: &Resource) -> Vec<ResId> {
    let mut ids = vec![r.cur_id()];
    ids.extend(r.prev_ids.iter().cloned());
    ids
}

impl IdSelector {
    fn selects_id(&self, id: &ResId) -> bool {
        (self.name.is_empty() || self.name == id.name)
            && (self.namespace.is_empty()
                || ResId {
                    namespace: self.namespace.clone(),
                    ..id.clone()
                }
                .ns_equals(id))
            && id.gvk.is_selected_by(&self.gvk)
    }

    fn selects_labels(&self, r: &Resource) -> bool {
        self.labels
            .as_ref()
            .is_none_or(|l| l.matches(&r.string_map("labels")))
            && self
                .annotations
                .as_ref()
                .is_none_or(|a| a.matches(&r.string_map("annotations")))
    }
}

/// Applies replacements in order.
pub fn apply(resmap: &mut ResMap, list: &[Replacement]) -> Result<()> {
    for r in list {
        let value = source_value(resmap, r)?;
        for t in &r.targets {
            for res in resmap.resources_mut() {
                if !t.select.selects_labels(res) {
                    continue;
                }
                let ids = ids_of(res);
                let rejected = t.reject.iter().any(|rej| {
                    let by_labels = rej.labels.is_some() || rej.annotations.is_some();
                    (by_labels
                        && rej.selects_labels(res)
                        && ids.iter().any(|id| rej.selects_id(id)))
                        || (!by_labels && ids.iter().any(|id| rej.selects_id(id)))
                });
                if rejected || !ids.iter().any(|id| t.select.selects_id(id)) {
                    continue;
                }
                for fp in &t.field_paths {
                    copy_to_target(&mut res.node, &value, fp, &t.options)?;
                }
            }
        }
    }
    Ok(())
}

fn source_value(resmap: &ResMap, r: &Replacement) -> Result<Node> {
    let mut found: Option<&Resource> = None;
    for res in resmap.resources() {
        if ids_of(res).iter().any(|id| r.source.selects_id(id)) {
            if found.is_some() {
                return Err(Error::new(format!(
                    "multiple matches for selector {}",
                    describe(&r.source)
                )));
            }
            found = Some(res);
        }
    }
    let res =
        found.ok_or_else(|| Error::new(format!("nothing selected by {}", describe(&r.source))))?;
    let path = split_field_path(&r.source_path);
    let mut matches = Vec::new();
    lookup(&res.node, &path, &mut matches);
    let node = matches
        .into_iter()
        .next()
        .filter(|n| !n.is_null())
        .ok_or_else(|| {
            Error::new(format!(
                "fieldPath `{}` is missing for replacement source {}",
                r.source_path,
                describe(&r.source)
            ))
        })?
        .clone();
    let o = &r.source_options;
    if o.delimiter.is_empty() {
        return Ok(node);
    }
    let text = node
        .scalar_text()
        .ok_or_else(|| Error::new("delimiter option can only be used with scalar nodes"))?;
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    let part = usize::try_from(o.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            Error::new(format!(
                "options.index {} is out of bounds for value {text}",
                o.index
            ))
        })?;
    Ok(Node::str(*part))
}

fn describe(s: &IdSelector) -> String {
    ResId {
        gvk: s.gvk.clone(),
        name: s.name.clone(),
        namespace: s.namespace.clone(),
    }
    .to_string()
}

/// Splits at dots outside brackets.
pub fn split_field_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth -= 1;
                cur.push(c);
            }
            '.' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

fn element_matches(item: &Node, cond: &str) -> bool {
    let (k, v) = cond.split_once('=').unwrap_or((cond, ""));
    if k.is_empty() {
        return item.scalar_text().as_deref() == Some(v);
    }
    item.get(k).and_then(Node::scalar_text).as_deref() == Some(v)
}

fn lookup<'a>(node: &'a Node, path: &[String], out: &mut Vec<&'a Node>) {
    let Some((first, rest)) = path.split_first() else {
        out.push(node);
        return;
    };
    match &node.value {
        Value::Map(m) => {
            if let Some(n) = m.get(first) {
                lookup(n, rest, out);
            }
        }
        Value::Seq(items) => {
            if first == "*" {
                items.iter().for_each(|i| lookup(i, rest, out));
            } else if let Some(cond) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                items
                    .iter()
                    .filter(|i| element_matches(i, cond))
                    .for_each(|i| lookup(i, rest, out));
            } else if let Ok(i) = first.parse::<usize>() {
                if let Some(n) = items.get(i) {
                    lookup(n, rest, out);
                }
            }
        }
        _ => {}
    }
}

/// Visits (creating when asked) every field a target path reaches.
fn visit_mut(
    node: &mut Node,
    path: &[String],
    create: bool,
    f: &mut dyn FnMut(&mut Node) -> Result<()>,
) -> Result<usize> {
    let Some((first, rest)) = path.split_first() else {
        f(node)?;
        return Ok(1);
    };
    if node.is_null() && create {
        node.value = if first.starts_with('[') || first == "*" || first.parse::<usize>().is_ok() {
            Value::Seq(Vec::new())
        } else {
            Value::Map(Mapping::new())
        };
    }
    match &mut node.value {
        Value::Map(m) => {
            if !m.contains_key(first) {
                if !create {
                    return Ok(0);
                }
                m.insert(first.clone(), Node::null());
            }
            match m.get_mut(first) {
                Some(n) => visit_mut(n, rest, create, f),
                None => Ok(0),
            }
        }
        Value::Seq(items) => {
            let mut count = 0;
            if first == "*" {
                for i in items.iter_mut() {
                    count += visit_mut(i, rest, create, f)?;
                }
            } else if let Some(cond) = first.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                for i in items.iter_mut().filter(|i| element_matches(i, cond)) {
                    count += visit_mut(i, rest, create, f)?;
                }
                if count == 0 && create {
                    if let Some((k, v)) = cond.split_once('=').filter(|(k, _)| !k.is_empty()) {
                        let mut m = Mapping::new();
                        m.insert(k, Node::str(v));
                        items.push(Node::new(Value::Map(m)));
                        let last = items.len() - 1;
                        count += visit_mut(&mut items[last], rest, create, f)?;
                    }
                }
            } else if let Ok(i) = first.parse::<usize>() {
                if let Some(n) = items.get_mut(i) {
                    count += visit_mut(n, rest, create, f)?;
                }
            }
            Ok(count)
        }
        _ => Ok(0),
    }
}

fn copy_to_target(obj: &mut Node, value: &Node, field_path: &str, o: &FieldOptions) -> Result<()> {
    let path = split_field_path(field_path);
    let count = visit_mut(obj, &path, o.create, &mut |target| {
        set_field(target, value, o)
    })?;
    if count == 0 {
        let what = if o.create {
            "unable to find or create field"
        } else {
            "unable to find field"
        };
        return Err(Error::new(format!(
            "{what} \"{field_path}\" in replacement target"
        )));
    }
    Ok(())
}

fn set_field(target: &mut Node, value: &Node, o: &FieldOptions) -> Result<()> {
    let mut value = value.clone();
    if !o.delimiter.is_empty() {
        let current = target
            .scalar_text()
            .ok_or_else(|| Error::new("delimiter option can only be used with scalar nodes"))?;
        let v = value.scalar_text().unwrap_or_default();
        let mut parts: Vec<String> = current
            .split(o.delimiter.as_str())
            .map(str::to_string)
            .collect();
        if o.index < 0 {
            parts.insert(0, v);
        } else if o.index as usize >= parts.len() {
            parts.push(v);
        } else {
            parts[o.index as usize] = v;
        }
        value = Node::str(parts.join(&o.delimiter));
    }
    let target_is_scalar = !matches!(target.value, Value::Map(_) | Value::Seq(_) | Value::Null);
    if target_is_scalar && value.scalar_text().is_some() {
        // A scalar target keeps its own type; only its text changes (as yaml.v3 does
        // when kustomize sets a node's Value and leaves its tag).
        let text = value.scalar_text().unwrap_or_default();
        target.value = retype(&target.value, &text);
    } else {
        target.value = value.value;
    }
    Ok(())
}

fn retype(old: &Value, text: &str) -> Value {
    use kubake_yaml::resolve::{resolve_plain, to_value};
    let typed = to_value(resolve_plain(text, Schema::Core12), text);
    match (old, &typed) {
        (Value::Int(_), Value::Int(_))
        | (Value::Float(_), Value::Float(_) | Value::Int(_))
        | (Value::Bool(_), Value::Bool(_)) => typed,
        _ => Value::Str(text.to_string()),
    }
}
