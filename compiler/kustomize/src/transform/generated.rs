//! Absorbing generator output: `behavior: create` appends, `merge` and `replace` combine
//! with the resource of the same id that is already there (kustomize's
//! `appendReplaceOrMerge`).

use kubake_yaml::{Node, Value};

use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Behavior, Resource};

/// The resource for a generator's output, carrying its hash flag and `behavior`.
pub fn resource(generated: crate::generators::Generated, behavior: Option<&str>) -> Resource {
    let mut res = Resource::new(generated.node);
    res.needs_hash = generated.needs_hash;
    res.behavior = match behavior {
        Some("merge") => Behavior::Merge,
        Some("replace") => Behavior::Replace,
        _ => Behavior::Create,
    };
    res
}

/// Adds a generated resource according to its behavior.
pub fn absorb(resmap: &mut ResMap, res: Resource) -> Result<()> {
    let id = res.cur_id();
    let matches = resmap.find_by_any_id(&id);
    match (matches.len(), res.behavior) {
        (0, Behavior::Create) => resmap.append(res),
        (0, _) => Err(Error::new(format!(
            "id {id} does not exist; cannot merge or replace"
        ))
        .with_help("a generator with behavior merge or replace needs a resource of the same name in a base")),
        (1, Behavior::Create) => Err(Error::new(format!(
            "id {id} exists; behavior must be merge or replace"
        ))
        .with_help("set `behavior: merge` or `behavior: replace` on the generator, or give it another name")),
        (1, behavior) => {
            let old = &mut resmap.resources_mut()[matches[0]];
            combine(old, res, behavior);
            Ok(())
        }
        _ => Err(Error::new(format!(
            "found multiple objects that could accept merge of {id}"
        ))),
    }
}

fn union_into(old: Option<&Node>, new: Option<&Node>) -> Option<Node> {
    let mut out = old.and_then(Node::as_map).cloned().unwrap_or_default();
    if let Some(n) = new.and_then(Node::as_map) {
        for (k, v) in n.iter() {
            out.insert(k, v.clone());
        }
    }
    (!out.is_empty()).then(|| Node::new(Value::Map(out)))
}

fn combine(old: &mut Resource, new: Resource, behavior: Behavior) {
    let name = old.name().to_string();
    let namespace = old.namespace().to_string();
    let old_meta = old.node.get("metadata").cloned();
    let new_meta = new.node.get("metadata").cloned();
    let mut node = new.node.clone();
    if behavior == Behavior::Merge {
        for field in ["data", "binaryData"] {
            if let Some(m) = union_into(old.node.get(field), new.node.get(field)) {
                if let Some(root) = node.as_map_mut() {
                    root.insert(field, m);
                }
            }
        }
    }
    if let Some(root) = node.as_map_mut() {
        let meta = root.get_or_insert_with("metadata", Node::map);
        if let Some(meta) = meta.as_map_mut() {
            for field in ["labels", "annotations"] {
                let merged = union_into(
                    old_meta.as_ref().and_then(|m| m.get(field)),
                    new_meta.as_ref().and_then(|m| m.get(field)),
                );
                match merged {
                    Some(m) => meta.insert(field, m),
                    None => {
                        meta.remove(field);
                    }
                }
            }
        }
    }
    old.node = node;
    old.set_name(&name);
    old.set_namespace((!namespace.is_empty()).then_some(namespace.as_str()));
    old.needs_hash = old.needs_hash && new.needs_hash;
    if behavior == Behavior::Replace || old.origin.is_none() {
        old.origin = new.origin.or(old.origin.take());
    }
}
