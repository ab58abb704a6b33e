//! Strategic merge patch, exactly as kustomize v5.6 applies one to a resource: kyaml's
//! `merge2.Merge` (a `walk.Walker` with the `Merger` visitor) with the list direction
//! kustomize's `patchstrategicmerge` filter asks for, *prepend*.
//!
//! This is not the apiserver's strategic merge patch (`k8s.io/apimachinery`), and the
//! differences are visible in output, so they are kept here on purpose (each was checked
//! against kustomize v5.6.0):
//!
//! * Maps merge key by key; a null in the patch removes the key; scalars and lists
//!   without a `merge` strategy in the schema are replaced by the patch's value. Lists
//!   of unknown kinds (CRDs without a custom schema) are replaced too: kustomize does
//!   not infer `name` as a merge key.
//! * Lists with a `merge` strategy merge by their keys (`x-kubernetes-list-map-keys`,
//!   else the merge key; a list of scalars merges as a set). The result lists the
//!   patch's items first, in patch order, then the target's other items in their order.
//! * Only `$patch: delete | replace | merge` are understood, in a mapping or as a merged
//!   list's item whose only key it is (`- $patch: replace`). `$setElementOrder/…`,
//!   `$retainKeys` and `$deleteFromPrimitiveList/…` are ordinary keys to kyaml and end up
//!   in the output; so do directives inside lists that are replaced rather than merged.
//! * kyaml's list bookkeeping has quirks that this module reproduces rather than fixes:
//!   a patch item without the merge key removes every target item that has the key; a
//!   `$patch: replace` on a list item is undone; a target item without the merge key
//!   drops the items before it; `ports` items are told apart by port *and* protocol, so a
//!   patch item without `protocol` does not reach a target item that has one; a
//!   top-level `$patch: replace` changes nothing.
//! * The whole target is walked, not only the parts the patch names: duplicate keys in a
//!   merged list collapse into one item, and a null in the target is dropped unless it
//!   was written out (`null`, `~`). kubake cannot tell `key:` from `key: null` once
//!   loaded, so it keeps both.
//!
//! Not here: choosing which resources a patch applies to, and keeping their name, kind
//! and namespace (the caller does that, as kustomize's `Resource.ApplySmPatch` does).

use std::collections::HashSet;
use std::fmt;

use kubake_yaml::resolve::{resolve_plain, to_value, Schema as Resolver};
use kubake_yaml::{Mapping, Node, Pos, Value};

use crate::openapi::{Schema, SchemaRef};

/// The directive key of a strategic merge patch.
const PATCH: &str = "$patch";

/// How deep documents may nest; deeper ones are refused rather than overflowing the stack.
const MAX_DEPTH: usize = 256;

/// Why a patch could not be applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmpError {
    /// What went wrong, worded as kustomize words it.
    pub message: String,
    /// Where in the patch (or the target), when known.
    pub pos: Pos,
}

impl SmpError {
    fn new(message: impl Into<String>, pos: Pos) -> Self {
        SmpError {
            message: message.into(),
            pos,
        }
    }
}

impl fmt::Display for SmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SmpError {}

/// Applies `patch` to `target` with `schema`, the schema of the target's kind (`None` for
/// kinds the schema does not know). Returns `None` when the patch deletes the object
/// (`$patch: delete` at the top).
///
/// Objects nested in the target that carry their own `apiVersion` and `kind` where
/// `schema` has nothing to say are looked up in the schema `schema` belongs to, or in the
/// builtin one when `schema` is `None`; [`apply_with_schema`] avoids that guess.
pub fn apply<'s>(
    target: &Node,
    patch: &Node,
    schema: Option<SchemaRef<'s>>,
) -> Result<Option<Node>, SmpError> {
    let kinds: &'s Schema = match schema {
        Some(s) => s.schema(),
        None => Schema::builtin_ref(),
    };
    Walker { kinds }.top(target, patch, schema)
}

/// Applies `patch` to `target`, finding the target's schema in `schema` by its
/// `apiVersion` and `kind` (then by the patch's), as kyaml does. Returns `None` when the
/// patch deletes the object.
pub fn apply_with_schema(
    target: &Node,
    patch: &Node,
    schema: &Schema,
) -> Result<Option<Node>, SmpError> {
    Walker { kinds: schema }.top(target, patch, None)
}

/// What a merge step produced.
struct Out {
    /// The value, or `None` to remove it.
    node: Option<Node>,
    /// Whether the value is the target's node merged in place (kyaml's visitor returned
    /// the destination), as opposed to the patch's node standing in for it. Only list
    /// items and the top level care: kyaml keeps its own pointers there.
    in_place: bool,
}

impl Out {
    fn cleared() -> Out {
        Out {
            node: None,
            in_place: false,
        }
    }
}

/// `$patch` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

/// The three YAML node kinds kyaml checks sources against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Map,
    Seq,
    Scalar,
}

impl Shape {
    fn of(node: &Node) -> Option<Shape> {
        match node.value {
            Value::Null => None,
            Value::Map(_) => Some(Shape::Map),
            Value::Seq(_) => Some(Shape::Seq),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::Str(_) => Some(Shape::Scalar),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Shape::Map => "MappingNode",
            Shape::Seq => "SequenceNode",
            Shape::Scalar => "ScalarNode",
        }
    }
}

/// kustomize's message when a source has the wrong kind of node.
fn wrong_kind(expected: Shape, got: &Node) -> SmpError {
    let got_name = Shape::of(got).map_or("null", Shape::name);
    let contents = kubake_yaml::to_yaml(got);
    SmpError::new(
        format!(
            "wrong node kind: expected {} but got {}: node contents:\n{}",
            expected.name(),
            got_name,
            contents.trim_end()
        ),
        got.pos,
    )
}

/// Errors unless `node` is null or of the `expected` kind.
fn check(expected: Shape, node: Option<&Node>) -> Result<(), SmpError> {
    match node {
        Some(n) if Shape::of(n).is_some_and(|s| s != expected) => Err(wrong_kind(expected, n)),
        _ => Ok(()),
    }
}

/// A scalar's text as kyaml's `yaml.Node.Value` holds it; empty for null and collections.
fn raw_value(node: &Node) -> String {
    node.scalar_text().unwrap_or_default()
}

/// The `$patch` directive of a patch mapping, and whether it is to be dropped from it.
fn directive(origin: &Node) -> Result<(Directive, bool), SmpError> {
    let Some(map) = origin.as_map() else {
        return Err(SmpError::new(
            format!(
                "no implemented strategic merge patch strategy for a {} ('{}')",
                origin.type_name(),
                raw_value(origin)
            ),
            origin.pos,
        ));
    };
    let Some(value) = map.get(PATCH) else {
        return Ok((Directive::Merge, false));
    };
    match raw_value(value).as_str() {
        "delete" => Ok((Directive::Delete, true)),
        "replace" => Ok((Directive::Replace, true)),
        "merge" => Ok((Directive::Merge, true)),
        other => Err(SmpError::new(
            format!("unknown patch strategy '{other}'"),
            value.pos,
        )),
    }
}

/// A scalar written without quotes or tag, as kyaml's `NewScalarRNode` makes it: it reads
/// back typed, so the text `80` becomes the integer 80.
fn plain_scalar(text: &str, pos: Pos) -> Node {
    Node {
        value: to_value(resolve_plain(text, Resolver::Core12), text),
        pos,
    }
}

/// Where a merge step is.
#[derive(Clone, Copy, Debug)]
struct Ctx {
    /// How deep in the documents.
    depth: usize,
    /// Whether the target's node *is* the patch's node: kyaml merges the patch's node
    /// with itself where it takes the target's place, and then dropping a directive from
    /// the patch drops it from the target too.
    same: bool,
}

impl Ctx {
    fn child(self) -> Ctx {
        Ctx {
            depth: self.depth + 1,
            ..self
        }
    }
}

/// The merge, with the schema used to find kinds nested in documents.
struct Walker<'s> {
    kinds: &'s Schema,
}

impl<'s> Walker<'s> {
    fn top(
        &self,
        target: &Node,
        patch: &Node,
        schema: Option<SchemaRef<'s>>,
    ) -> Result<Option<Node>, SmpError> {
        let out = self.walk(
            Some(target.clone()),
            Some(patch),
            schema,
            Ctx {
                depth: 0,
                same: false,
            },
        )?;
        match out.node {
            None => Ok(None),
            Some(node) if out.in_place => Ok(Some(node)),
            // kustomize keeps its resource node and only looks at whether the filter
            // returned anything, so a result that is not the target merged in place
            // (a top-level `$patch: replace`) leaves the target as it was.
            Some(_) => Ok(Some(target.clone())),
        }
    }

    /// kyaml's `GetSchema` fallback: where the schema says nothing, an object with its own
    /// `apiVersion` and `kind` gets the schema of that kind (the target's first).
    fn kind_schema(&self, dest: Option<&Node>, origin: Option<&Node>) -> Option<SchemaRef<'s>> {
        [dest, origin].into_iter().flatten().find_map(|n| {
            let api = n.get("apiVersion")?.as_str().filter(|s| !s.is_empty())?;
            let kind = n.get("kind")?.as_str().filter(|s| !s.is_empty())?;
            self.kinds.for_api_version(api, kind)
        })
    }

    /// Merges one node of the patch (`origin`) into the matching node of the target
    /// (`dest`); either may be absent.
    fn walk(
        &self,
        dest: Option<Node>,
        origin: Option<&Node>,
        schema: Option<SchemaRef<'s>>,
        cx: Ctx,
    ) -> Result<Out, SmpError> {
        if cx.depth > MAX_DEPTH {
            let pos = origin.map_or(Pos::NONE, |o| o.pos);
            return Err(SmpError::new(
                format!("strategic merge patch: documents nest deeper than {MAX_DEPTH} levels"),
                pos,
            ));
        }
        let schema = schema.or_else(|| self.kind_schema(dest.as_ref(), origin));
        // The first source that is not null decides the kind; the target comes first.
        let shape = dest
            .as_ref()
            .and_then(Shape::of)
            .or_else(|| origin.and_then(Shape::of));
        match shape {
            None | Some(Shape::Map) => {
                check(Shape::Map, origin)?;
                self.walk_map(dest, origin, schema, cx)
            }
            Some(Shape::Seq) => {
                check(Shape::Seq, origin)?;
                match schema.filter(SchemaRef::is_associative) {
                    Some(list) => self.walk_assoc(dest, origin, list, cx),
                    None => Ok(replace_or_keep(dest, origin)),
                }
            }
            Some(Shape::Scalar) => {
                check(Shape::Scalar, origin)?;
                Ok(replace_or_keep(dest, origin))
            }
        }
    }

    /// kyaml's `VisitMap`, then each field.
    fn walk_map(
        &self,
        dest: Option<Node>,
        origin: Option<&Node>,
        schema: Option<SchemaRef<'s>>,
        cx: Ctx,
    ) -> Result<Out, SmpError> {
        let Some(dest) = dest.filter(|d| !d.is_null()) else {
            // Adding: the patch's node becomes the value, cleaned of nulls and directives.
            let Some(o) = origin else {
                return Ok(Out::cleared());
            };
            if o.as_map().is_none() {
                // A null: the caller removes the key.
                return Ok(Out {
                    node: Some(o.clone()),
                    in_place: false,
                });
            }
            // kyaml ignores an unknown directive here, and leaves it in place.
            let (dir, elide) = directive(o).unwrap_or((Directive::Merge, false));
            if dir == Directive::Delete {
                return Ok(Out::cleared());
            }
            let node = self.merge_self(o, elide, schema, cx)?;
            return Ok(Out {
                node: Some(node),
                in_place: false,
            });
        };
        let Some(o) = origin else {
            let node = self.merge_fields(dest, None, false, schema, cx)?;
            return Ok(Out {
                node: Some(node),
                in_place: true,
            });
        };
        if o.is_null() {
            return Ok(Out::cleared());
        }
        let (dir, elide) = directive(o)?;
        let mut dest = dest;
        if cx.same && elide {
            if let Some(m) = dest.as_map_mut() {
                m.remove(PATCH);
            }
        }
        match dir {
            Directive::Delete => Ok(Out::cleared()),
            Directive::Replace => {
                let node = self.merge_self(o, elide, schema, cx)?;
                Ok(Out {
                    node: Some(node),
                    in_place: false,
                })
            }
            Directive::Merge => {
                let node = self.merge_fields(dest, o.as_map(), elide, schema, cx)?;
                Ok(Out {
                    node: Some(node),
                    in_place: true,
                })
            }
        }
    }

    /// The patch's mapping merged with itself: what kyaml does when the patch's node
    /// takes the target's place. Nulls and directives inside it take effect.
    fn merge_self(
        &self,
        origin: &Node,
        elide: bool,
        schema: Option<SchemaRef<'s>>,
        cx: Ctx,
    ) -> Result<Node, SmpError> {
        let mut dest = origin.clone();
        if elide {
            if let Some(m) = dest.as_map_mut() {
                m.remove(PATCH);
            }
        }
        self.merge_fields(
            dest,
            origin.as_map(),
            elide,
            schema,
            Ctx { same: true, ..cx },
        )
    }

    /// Sets each field of `dest` to the merge of its value and the patch's (`origin`).
    /// Fields are visited in sorted order, so new keys are appended in that order.
    fn merge_fields(
        &self,
        mut dest: Node,
        origin: Option<&Mapping>,
        skip_patch_key: bool,
        schema: Option<SchemaRef<'s>>,
        cx: Ctx,
    ) -> Result<Node, SmpError> {
        let Some(dm) = dest.as_map_mut() else {
            return Ok(dest);
        };
        let from_origin = |name: &str| {
            if skip_patch_key && name == PATCH {
                None
            } else {
                origin.and_then(|m| m.get(name))
            }
        };
        let mut names: Vec<String> = dm.keys().map(str::to_string).collect();
        if let Some(om) = origin {
            names.extend(
                om.keys()
                    .filter(|k| !(skip_patch_key && *k == PATCH))
                    .map(str::to_string),
            );
        }
        names.sort();
        names.dedup();
        for name in names {
            let o = from_origin(&name);
            // kyaml keeps a null the target spelled out when the patch does not mention it.
            if o.is_none() && dm.get(&name).is_some_and(Node::is_null) {
                continue;
            }
            let d = dm
                .get_mut(&name)
                .map(|n| std::mem::replace(n, Node::null()));
            let child = schema.and_then(|s| s.field(&name));
            let out = self.walk(d, o, child, cx.child())?;
            match out.node {
                Some(n) if !n.is_null() => dm.insert(name, n),
                _ => {
                    dm.remove(&name);
                }
            }
        }
        Ok(dest)
    }

    /// kyaml's `walkAssociativeSequence`: a list merged item by item.
    fn walk_assoc(
        &self,
        dest: Option<Node>,
        origin: Option<&Node>,
        schema: SchemaRef<'s>,
        cx: Ctx,
    ) -> Result<Out, SmpError> {
        let (pos, mut d, mut p, self_merge) = match (dest.filter(|d| !d.is_null()), origin) {
            (None, None) => return Ok(Out::cleared()),
            // Adding: the patch's list stands in for the target's and is merged with
            // itself; a directive item in it is not looked at here.
            (None, Some(o)) => (o.pos, seq_items(o.clone()), None, true),
            (Some(_), Some(o)) if o.is_null() => return Ok(Out::cleared()),
            (Some(dn), None) => (dn.pos, seq_items(dn), None, cx.same),
            (Some(dn), Some(o)) => {
                // When the target's list is the patch's, the directive is dropped from both.
                let pos = dn.pos;
                let mut patch_items = seq_items(o.clone());
                let dir = seq_directive(&mut patch_items)?;
                match dir {
                    Directive::Delete => return Ok(Out::cleared()),
                    Directive::Replace => (pos, patch_items, None, true),
                    Directive::Merge if cx.same => (pos, patch_items, None, true),
                    Directive::Merge => (pos, seq_items(dn), Some(patch_items), false),
                }
            }
        };
        let keys: Vec<String> = schema.merge_keys().map(str::to_string).collect();
        let list = AssocList {
            walker: self,
            items_schema: schema.items(),
            depth: cx.depth,
        };
        let items = if keys.is_empty() {
            // A list of scalars with a merge strategy (finalizers): a set.
            let values = primitive_values(&d, p.as_deref());
            list.merge(
                values,
                &[String::new()],
                &mut d,
                p.as_deref_mut(),
                self_merge,
            )?
        } else {
            let values = element_values(&keys, &d, p.as_deref());
            list.merge(values, &keys, &mut d, p.as_deref_mut(), self_merge)?
        };
        Ok(Out {
            node: Some(Node {
                value: Value::Seq(items),
                pos,
            }),
            in_place: false,
        })
    }
}

/// The items of a sequence node (none for anything else).
fn seq_items(node: Node) -> Vec<Node> {
    match node.value {
        Value::Seq(items) => items,
        _ => Vec::new(),
    }
}

/// The directive of a patch list: its first mapping item with a `$patch` key, when that
/// is the item's only key (`- $patch: replace`). A known directive is removed from the
/// list, as kyaml removes it, with its `ElementSetter` side effects.
fn seq_directive(items: &mut Vec<Node>) -> Result<Directive, SmpError> {
    let Some(item) = items
        .iter()
        .find(|i| i.as_map().is_some_and(|m| m.contains_key(PATCH)))
    else {
        return Ok(Directive::Merge);
    };
    let Some(map) = item.as_map().filter(|m| m.len() == 1) else {
        return Ok(Directive::Merge);
    };
    let Some(value) = map.get(PATCH) else {
        return Ok(Directive::Merge);
    };
    let text = raw_value(value);
    let dir = match text.as_str() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => {
            return Err(SmpError::new(
                format!("unknown patch strategy '{other}'"),
                value.pos,
            ))
        }
    };
    element_set(items, None, &[PATCH.to_string()], &[text])?;
    Ok(dir)
}

/// A non-associative list or a scalar: the patch's value wins when there is one.
fn replace_or_keep(dest: Option<Node>, origin: Option<&Node>) -> Out {
    match origin {
        Some(o) => Out {
            node: Some(o.clone()),
            in_place: false,
        },
        None => Out {
            node: dest,
            in_place: true,
        },
    }
}

/// The key values of every item, patch first, without repeats (kyaml's
/// `elementValues` in prepend mode). A missing or empty key gives `""`.
fn element_values(keys: &[String], d: &[Node], p: Option<&[Node]>) -> Vec<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in p.unwrap_or_default().iter().chain(d) {
        let values: Vec<String> = keys
            .iter()
            .map(|k| item.get(k).map(raw_value).unwrap_or_default())
            .collect();
        if !values.is_empty() && seen.insert(values.clone()) {
            out.push(values);
        }
    }
    out
}

/// The values of a list of scalars, patch first, without repeats.
fn primitive_values(d: &[Node], p: Option<&[Node]>) -> Vec<Vec<String>> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for item in p.unwrap_or_default().iter().chain(d) {
        let value = raw_value(item);
        if seen.insert(value.clone()) {
            out.push(vec![value]);
        }
    }
    out
}

/// With several keys, kyaml treats two items as the same when their key values agree
/// wherever both have one (port 80 and port 80/TCP); both take the fuller values.
fn merge_values(values_list: &mut [Vec<String>]) {
    for i in 0..values_list.len() {
        // Go ranges over copies: the outer item is read once per outer step.
        let a = values_list[i].clone();
        for j in 0..values_list.len() {
            if let Some(merged) = match_values(&a, &values_list[j]) {
                values_list[i] = merged.clone();
                values_list[j] = merged;
            }
        }
    }
}

fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            out.push(x.clone());
        } else {
            out.push(y.clone());
        }
    }
    common.then_some(out)
}

/// kyaml's `validateKeys`: the keys some item has a value for (all keys when none has),
/// with `values` narrowed to them.
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let mut set: HashSet<&str> = HashSet::new();
    for vals in values_list {
        for (i, v) in vals.iter().enumerate() {
            if let (false, Some(k)) = (v.is_empty(), keys.get(i)) {
                set.insert(k);
            }
        }
    }
    if set.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let valid_keys = keys
        .iter()
        .filter(|k| set.contains(k.as_str()))
        .cloned()
        .collect();
    let valid_values = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| set.contains(k.as_str())))
        .map(|(_, v)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// kyaml's `ElementList` / `ElementMatcher`: the first item whose keys hold `values`
/// (for scalars, key `""`: the first item with that text).
fn element_list(list: &[Node], keys: &[String], values: &[String]) -> Option<usize> {
    let first_key = keys.first().map_or("", String::as_str);
    let first_value = values.first().map_or("", String::as_str);
    if first_key.is_empty() {
        return list.iter().position(|e| raw_value(e) == first_value);
    }
    if keys.len() != values.len() {
        return None;
    }
    list.iter().position(|e| {
        e.as_map().is_some_and(|m| {
            keys.iter()
                .zip(values)
                .all(|(k, v)| m.get(k).is_some_and(|f| raw_value(f) == *v))
        })
    })
}

/// kyaml's `FieldMatcher{Name, StringValue}` on one item: does it have field `name`
/// (with text `value`, unless `value` is empty)? For `name == ""` the item itself is
/// compared.
fn field_matcher(item: &Node, name: &str, value: &str) -> Result<bool, SmpError> {
    if item.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        check_shape(Shape::Scalar, item)?;
        return Ok(raw_value(item) == value);
    }
    check_shape(Shape::Map, item)?;
    Ok(item
        .get(name)
        .is_some_and(|f| value.is_empty() || raw_value(f) == value))
}

fn check_shape(expected: Shape, node: &Node) -> Result<(), SmpError> {
    check(expected, Some(node))
}

/// kyaml's `Get(key)` on a list item.
fn get_field<'n>(item: &'n Node, key: &str) -> Result<Option<&'n Node>, SmpError> {
    if item.is_null() {
        return Ok(None);
    }
    check_shape(Shape::Map, item)?;
    Ok(item.get(key))
}

/// kyaml's `ElementSetter`: replaces every item matching `keys`/`values` with `element`
/// (appending it when none matches), or removes them when `element` is `None`. Like
/// kyaml, it drops null and empty-map items on the way, and with no values it keeps only
/// what matches.
fn element_set(
    list: &mut Vec<Node>,
    element: Option<Node>,
    keys: &[String],
    values: &[String],
) -> Result<(), SmpError> {
    let empty = [String::new()];
    let keys = if keys.is_empty() { &empty[..] } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut kept = Vec::with_capacity(list.len() + 1);
    let mut found_any = false;
    for item in std::mem::take(list) {
        if item.is_null() || item.as_map().is_some_and(Mapping::is_empty) {
            continue;
        }
        if item.as_map().is_none() && mapping_setter {
            kept.push(item);
            continue;
        }
        // Go keeps the last match result when there are fewer values than keys.
        let mut matched = false;
        let mut found = true;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                matched = field_matcher(&item, key, v)?;
            }
            if !matched {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                kept.push(item);
            }
            continue;
        }
        found_any = true;
        if let Some(e) = &element {
            kept.push(e.clone());
        }
    }
    *list = kept;
    match element {
        Some(e) if !e.is_null() && !found_any => list.push(e),
        _ => {}
    }
    Ok(())
}

/// kyaml's `appendListNode` in prepend mode: the target's items (`src`) go into the
/// merged list (`dst`), replacing the items with the same keys or appended after them.
fn append_list_node(
    mut dst: Vec<Node>,
    src: &[Node],
    keys: &[String],
) -> Result<Vec<Node>, SmpError> {
    let empty = [String::new()];
    let keys = if keys.is_empty() { &empty[..] } else { keys };
    for item in src {
        if keys[0].is_empty() {
            element_set(&mut dst, Some(item.clone()), &empty, &[raw_value(item)])?;
            continue;
        }
        let mut values = Vec::with_capacity(keys.len());
        for key in keys {
            match get_field(item, key)? {
                // An item without a key is appended as it is (and set again below).
                None => dst.push(item.clone()),
                Some(f) => values.push(raw_value(f)),
            }
        }
        if keys.len() > 1 {
            // With several keys the setter would append a second copy.
            element_set(&mut dst, None, keys, &values)?;
        }
        element_set(&mut dst, Some(item.clone()), keys, &values)?;
    }
    Ok(dst)
}

/// A copy of a patch list item, after dropping a known `$patch` directive from the item
/// itself: kyaml drops it from the node in place, so an item matched twice, or one that
/// is also the target's item, no longer has it.
fn take_directive(item: &mut Node) -> Node {
    let copy = item.clone();
    if matches!(directive(item), Ok((_, true))) {
        if let Some(m) = item.as_map_mut() {
            m.remove(PATCH);
        }
    }
    copy
}

/// One associative list being merged (kyaml's `setAssociativeSequenceElements`).
struct AssocList<'w, 's> {
    walker: &'w Walker<'s>,
    items_schema: Option<SchemaRef<'s>>,
    depth: usize,
}

impl AssocList<'_, '_> {
    /// Merges the items named by `values_list` (key values, patch items first) of the
    /// patch list `p` into the target list `d`, and returns the merged list. With
    /// `self_merge` the target list is the patch's own (the target had none, the patch
    /// replaces it, or the whole subtree comes from the patch) and `p` is unused.
    fn merge(
        &self,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        d: &mut Vec<Node>,
        mut p: Option<&mut [Node]>,
        self_merge: bool,
    ) -> Result<Vec<Node>, SmpError> {
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut items: Vec<Node> = Vec::new();
        let mut valid_keys: Vec<String> = keys.to_vec();
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            let (vk, vv) = validate_keys(&values_list, values, keys);
            valid_keys.clone_from(&vk);
            let (lk, lv) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
            let d_idx = element_list(d, &lk, &lv);
            let own;
            let origin: Option<&Node> = if self_merge {
                own = d_idx.and_then(|i| d.get_mut(i)).map(take_directive);
                own.as_ref()
            } else {
                // The patch's item loses its directive too, should it be matched again.
                own = p.as_deref_mut().and_then(|p| {
                    let j = element_list(p, &lk, &lv)?;
                    p.get_mut(j).map(take_directive)
                });
                own.as_ref()
            };
            let dest = d_idx.and_then(|i| d.get(i).cloned());
            let cx = Ctx {
                depth: self.depth + 1,
                same: self_merge,
            };
            let out = self.walker.walk(dest, origin, self.items_schema, cx)?;
            // The target's item changes only when kyaml merged into it (or when it is
            // the patch's item itself).
            let write_back = d_idx.filter(|_| out.in_place || self_merge);
            let Some(mut val) = out
                .node
                .filter(|v| !v.is_null() && !v.as_map().is_some_and(Mapping::is_empty))
            else {
                element_set(d, None, &vk, &vv)?;
                continue;
            };
            // kyaml makes sure the merged item has its keys. (It also rewrites a set
            // item from its own text, keeping its quoting style, which changes nothing.)
            for (k, v) in vk.iter().zip(&vv) {
                if let (false, false, Some(m)) = (k.is_empty(), v.is_empty(), val.as_map_mut()) {
                    if !m.contains_key(k) {
                        m.insert(k.clone(), plain_scalar(v, Pos::NONE));
                    }
                }
            }
            if let Some(slot) = write_back.and_then(|i| d.get_mut(i)) {
                *slot = val.clone();
            }
            element_set(&mut items, Some(val), &vk, &vv)?;
        }
        if values_list.is_empty() {
            return Ok(std::mem::take(d));
        }
        append_list_node(items, d, &valid_keys)
    }
}

#[cfg(test)]
mod tests;
