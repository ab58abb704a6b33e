//! Patches: `patchesStrategicMerge`, `patches` (strategic merge or JSON 6902, told apart
//! by shape, with optional `target` selectors) and `patchesJson6902`.
//!
//! The merge itself is [`crate::smp`]; this module loads patch text, picks targets and
//! keeps what kustomize keeps: a patch may not rename or re-kind its target unless its
//! options allow it, and a patch that deletes its target removes it from the build.

use kubake_yaml::{json, load_stream, Node, Schema, Value};

use crate::error::{Error, Result};
use crate::kustfile::PatchArgs;
use crate::resmap::ResMap;
use crate::resource::{ResId, Resource};
use crate::target::Target;

/// A parsed patch.
enum Patch {
    /// One or more strategic-merge patch documents.
    StrategicMerge(Vec<Node>),
    /// An RFC 6902 operation list.
    Json6902(json_patch::Patch),
}

fn id_of(node: &Node) -> ResId {
    Resource::new(node.clone()).cur_id()
}

/// Parses patch text as kustomize's PatchTransformer does: a sequence is a JSON 6902
/// patch, mappings are strategic-merge patches, and nothing at all is an error.
fn parse_patch(text: &str) -> Result<Patch> {
    let docs = load_stream(text, Schema::Core12).map_err(|e| {
        Error::new(format!(
            "unable to parse SM or JSON patch from {text}: {}",
            e.message
        ))
    })?;
    let docs: Vec<Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
    if docs.is_empty() {
        return Err(Error::new(format!(
            "illegally qualifies as both an SM and JSON patch: {text}"
        ))
        .with_help("the patch is empty; give it content or remove it"));
    }
    if docs.len() == 1 && matches!(docs[0].value, Value::Seq(_)) {
        let ops: json_patch::Patch = serde_json::from_value(json::to_json(&docs[0]))
            .map_err(|e| Error::new(format!("unable to parse JSON patch: {e}")))?;
        return Ok(Patch::Json6902(ops));
    }
    if let Some(bad) = docs.iter().find(|d| !matches!(d.value, Value::Map(_))) {
        return Err(Error::new(format!(
            "unable to parse SM or JSON patch: expected a mapping, found a {}",
            bad.type_name()
        )));
    }
    Ok(Patch::StrategicMerge(docs))
}

/// Applies one strategic-merge patch to one resource, keeping its name, kind and
/// namespace unless allowed to change. Returns false when the patch deleted it.
fn apply_smp(
    t: &Target<'_, '_>,
    res: &mut Resource,
    patch: &Node,
    allow_name_change: bool,
    allow_kind_change: bool,
) -> Result<bool> {
    let (name, namespace, kind) = (
        res.name().to_string(),
        res.namespace().to_string(),
        res.kind().to_string(),
    );
    if allow_name_change || allow_kind_change {
        res.store_previous_id();
    }
    let merged = crate::smp::apply_with_schema(&res.node, patch, t.ctx().schema())
        .map_err(|e| Error::new(e.to_string()))?;
    let Some(merged) = merged.filter(|m| m.as_map().is_some_and(|m| !m.is_empty())) else {
        return Ok(false);
    };
    res.node = merged;
    if !allow_kind_change {
        if let Some(m) = res.node.as_map_mut() {
            m.insert("kind", Node::str(kind));
        }
    }
    if !allow_name_change {
        res.set_name(&name);
    }
    res.set_namespace((!namespace.is_empty()).then_some(namespace.as_str()));
    Ok(true)
}

/// Applies `patch` to the resources at `targets`, dropping those it deletes.
fn apply_smp_to(
    t: &Target<'_, '_>,
    resmap: &mut ResMap,
    targets: &[usize],
    patch: &Node,
    rewrite_id: bool,
    args: Option<&PatchArgs>,
) -> Result<()> {
    let (allow_name, allow_kind) = args.map_or((false, false), |a| {
        (a.allow_name_change, a.allow_kind_change)
    });
    let mut deleted = Vec::new();
    for &i in targets {
        let res = &mut resmap.resources_mut()[i];
        let mut p = patch.clone();
        if rewrite_id {
            if let Some(m) = p.as_map_mut() {
                let gvk = res.gvk();
                m.insert("apiVersion", Node::str(gvk.api_version()));
                if !allow_kind {
                    m.insert("kind", Node::str(gvk.kind.clone()));
                }
                let meta = m.get_or_insert_with("metadata", Node::map);
                if let Some(meta) = meta.as_map_mut() {
                    if !allow_name {
                        meta.insert("name", Node::str(res.name()));
                    }
                    if !res.namespace().is_empty() {
                        meta.insert("namespace", Node::str(res.namespace()));
                    }
                }
            }
        }
        if !apply_smp(t, res, &p, allow_name, allow_kind)? {
            deleted.push(i);
        }
    }
    let mut i = 0;
    resmap.resources_mut().retain(|_| {
        let keep = !deleted.contains(&i);
        i += 1;
        keep
    });
    Ok(())
}

/// The one resource a target-less strategic-merge patch applies to.
fn unique_target(resmap: &ResMap, patch: &Node) -> Result<usize> {
    let id = id_of(patch);
    resmap.get_unique_by_any_id(&id, &format!("failed to find unique target for patch {id}"))
}

/// `patchesStrategicMerge`: each entry is inline YAML or a file of patches.
pub fn strategic_merge_field(t: &Target<'_, '_>, resmap: &mut ResMap) -> Result<()> {
    let k = &t.kust;
    let mut patches = Vec::new();
    for entry in &k.patches_strategic_merge {
        let inline = load_stream(&entry.value, Schema::Core12)
            .ok()
            .filter(|docs| docs.iter().any(|d| matches!(d.value, Value::Map(_))));
        let docs = match inline {
            Some(docs) => docs,
            None => {
                let text = t.read_file(&entry.value).map_err(|e| {
                    e.or_at(&k.file, entry.pos)
                        .context("trouble configuring builtin PatchStrategicMergeTransformer")
                })?;
                let path = k.dir.join(&entry.value);
                load_stream(&text, Schema::Core12)
                    .map_err(|e| Error::at(e.message, &path, e.pos))?
            }
        };
        patches.extend(
            docs.into_iter()
                .filter(|d| d.as_map().is_some_and(|m| !m.is_empty())),
        );
    }
    if patches.is_empty() {
        let files: Vec<&str> = k
            .patches_strategic_merge
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        return Err(Error::at(
            format!(
                "trouble configuring builtin PatchStrategicMergeTransformer: patch appears to be empty; files=[{}]",
                files.join(" ")
            ),
            &k.file,
            k.patches_strategic_merge[0].pos,
        ));
    }
    for patch in &patches {
        let i = unique_target(resmap, patch).map_err(|e| {
            e.context(format!(
                "no resource matches strategic merge patch \"{}\"",
                id_of(patch)
            ))
            .or_at(&k.file, k.patches_strategic_merge[0].pos)
        })?;
        apply_smp_to(t, resmap, &[i], patch, true, None)?;
    }
    Ok(())
}

fn patch_text(t: &Target<'_, '_>, p: &PatchArgs) -> Result<String> {
    match (&p.path, &p.patch) {
        (None, None) => Err(Error::new("must specify one of patch and path")),
        (Some(_), Some(_)) => Err(Error::new("patch and path can't be set at the same time")),
        (Some(path), None) => t.read_file(path),
        (None, Some(text)) => Ok(text.clone()),
    }
}

fn selected(resmap: &ResMap, p: &PatchArgs) -> Result<Vec<usize>> {
    let sel = p
        .target
        .as_ref()
        .ok_or_else(|| Error::new("must specify a target for JSON patch"))?
        .compile()?;
    Ok(resmap
        .resources()
        .iter()
        .enumerate()
        .filter(|(_, r)| sel.matches(r))
        .map(|(i, _)| i)
        .collect())
}

/// One `patches` entry.
pub fn apply_patch_args(t: &Target<'_, '_>, resmap: &mut ResMap, p: &PatchArgs) -> Result<()> {
    let text = patch_text(t, p)?;
    match parse_patch(&text)
        .map_err(|e| e.context("trouble configuring builtin PatchTransformer"))?
    {
        Patch::StrategicMerge(docs) => {
            for doc in &docs {
                if p.target.is_none() {
                    let i = unique_target(resmap, doc)?;
                    apply_smp_to(t, resmap, &[i], doc, true, Some(p))?;
                } else {
                    let targets = selected(resmap, p)?;
                    apply_smp_to(t, resmap, &targets, doc, true, Some(p))?;
                }
            }
            Ok(())
        }
        Patch::Json6902(ops) => apply_json6902(resmap, &selected(resmap, p)?, &ops),
    }
}

/// One `patchesJson6902` entry.
pub fn apply_json6902_args(t: &Target<'_, '_>, resmap: &mut ResMap, p: &PatchArgs) -> Result<()> {
    let text = patch_text(t, p)?;
    let ops = match parse_patch(&text)? {
        Patch::Json6902(ops) => ops,
        Patch::StrategicMerge(_) => {
            return Err(Error::new(
                "patchesJson6902 entries must hold a JSON 6902 operation list",
            ))
        }
    };
    apply_json6902(resmap, &selected(resmap, p)?, &ops)
}

fn ensure_annotations(doc: &mut serde_json::Value) {
    if let Some(meta) = doc.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.entry("annotations")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
    }
}

/// A failed operation in evanphx/json-patch's words where kustomize users know them.
fn json6902_error_text(ops: &json_patch::Patch, e: &json_patch::PatchError) -> String {
    let op = ops.0.get(e.operation);
    match (op, &e.kind) {
        (Some(json_patch::PatchOperation::Add(_)), json_patch::PatchErrorKind::InvalidPointer) => {
            format!(
                "add operation does not apply: doc is missing path: \"{}\": missing value",
                e.path
            )
        }
        _ => e.to_string(),
    }
}

fn apply_json6902(resmap: &mut ResMap, targets: &[usize], ops: &json_patch::Patch) -> Result<()> {
    for &i in targets {
        let res = &mut resmap.resources_mut()[i];
        // kustomize records the id first, so references follow a renaming JSON patch.
        res.store_previous_id();
        let mut doc = json::to_json(&res.node);
        // kustomize patches objects that carry its internal annotations, so
        // `metadata.annotations` always exists for the patch (an `add` under it works on
        // an object without annotations); `build` drops it when it is left empty.
        ensure_annotations(&mut doc);
        json_patch::patch(&mut doc, ops).map_err(|e| {
            Error::new(format!(
                "unable to apply JSON 6902 patch to {}: {}",
                res.cur_id(),
                json6902_error_text(ops, &e)
            ))
        })?;
        let mut patched = json::from_json(&doc);
        // keep the source positions for diagnostics about the patched object
        patched.take_positions_from(&res.node);
        res.node = patched;
    }

    Ok(())
}
