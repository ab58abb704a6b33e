//! Kubernetes objects as [`Node`]s: the accessors every stage needs (apiVersion, kind,
//! name, namespace, labels, annotations), the key objects are told apart by, and the
//! conversion of a node into Helm values (JSON with Go's `float64` numbers).
//!
//! Not here: what objects mean to Flux or Argo CD (see `unit`), or ordering (the bundle's).

use std::fmt;

use kubake_yaml::{Mapping, Node, Value};
use serde_json::Value as Json;

/// An object's identity in a cluster: `(group, kind, namespace, name)`. The API version
/// is left out on purpose: `apps/v1` and `apps/v1beta1` Deployments are one object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// API group (`""` for the core group).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (`""` when none).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// The key of `obj`.
    pub fn of(obj: &Node) -> ObjectKey {
        ObjectKey {
            group: group_of(api_version(obj)).to_string(),
            kind: kind(obj).to_string(),
            namespace: namespace(obj).to_string(),
            name: name(obj).to_string(),
        }
    }

    /// A key from its parts.
    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gk = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        };
        if self.namespace.is_empty() {
            write!(f, "{gk}/{}", self.name)
        } else {
            write!(f, "{gk}/{}/{}", self.namespace, self.name)
        }
    }
}

/// The group of an API version (`apps/v1` -> `apps`, `v1` -> `""`).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// `apiVersion`, or `""`.
pub fn api_version(obj: &Node) -> &str {
    obj.str_at(&["apiVersion"]).unwrap_or("")
}

/// `kind`, or `""`.
pub fn kind(obj: &Node) -> &str {
    obj.str_at(&["kind"]).unwrap_or("")
}

/// `metadata.name`, or `""`.
pub fn name(obj: &Node) -> &str {
    obj.str_at(&["metadata", "name"]).unwrap_or("")
}

/// `metadata.namespace`, or `""`.
pub fn namespace(obj: &Node) -> &str {
    obj.str_at(&["metadata", "namespace"]).unwrap_or("")
}

/// Sets `metadata.namespace` (creating `metadata` when missing).
pub fn set_namespace(obj: &mut Node, ns: &str) {
    if let Some(root) = obj.as_map_mut() {
        if let Some(meta) = root.get_or_insert_with("metadata", Node::map).as_map_mut() {
            meta.insert("namespace", Node::str(ns));
        }
    }
}

/// Removes `metadata.namespace`.
pub fn clear_namespace(obj: &mut Node) {
    if let Some(meta) = obj
        .as_map_mut()
        .and_then(|m| m.get_mut("metadata"))
        .and_then(Node::as_map_mut)
    {
        meta.remove("namespace");
    }
}

/// The value of a label, when set to a string.
pub fn label<'a>(obj: &'a Node, key: &str) -> Option<&'a str> {
    obj.get_path(&["metadata", "labels"])
        .and_then(|l| l.get(key))
        .and_then(Node::as_str)
}

/// The value of an annotation, when set to a string.
pub fn annotation<'a>(obj: &'a Node, key: &str) -> Option<&'a str> {
    obj.get_path(&["metadata", "annotations"])
        .and_then(|l| l.get(key))
        .and_then(Node::as_str)
}

/// Removes an annotation, and the `annotations` map when that leaves it empty (kustomize
/// never prints an empty one). Returns the removed value.
pub fn remove_annotation(obj: &mut Node, key: &str) -> Option<Node> {
    let meta = obj
        .as_map_mut()
        .and_then(|m| m.get_mut("metadata"))
        .and_then(Node::as_map_mut)?;
    let annotations = meta.get_mut("annotations").and_then(Node::as_map_mut)?;
    let removed = annotations.remove(key);
    if annotations.is_empty() {
        meta.remove("annotations");
    }
    removed
}

/// Sets labels or annotations (`field` is `labels` or `annotations`), overwriting keys.
pub fn merge_metadata_map(obj: &mut Node, field: &str, entries: &[(String, String)]) {
    if entries.is_empty() {
        return;
    }
    let Some(root) = obj.as_map_mut() else {
        return;
    };
    let Some(meta) = root.get_or_insert_with("metadata", Node::map).as_map_mut() else {
        return;
    };
    let target = meta.get_or_insert_with(field, Node::map);
    if target.is_null() {
        *target = Node::map();
    }
    if let Some(m) = target.as_map_mut() {
        for (k, v) in entries {
            m.insert(k.clone(), Node::str(v.clone()));
        }
    }
}

/// A string-to-string map field (`data`, `labels`, `substitute`) as pairs; scalar values
/// are taken as their text (`replicas: 1` gives `"1"`), other values are skipped.
pub fn string_map(node: Option<&Node>) -> Vec<(String, String)> {
    let Some(m) = node.and_then(Node::as_map) else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, v)| scalar_string(v).map(|s| (k.to_string(), s)))
        .collect()
}

/// The text of a scalar as Kubernetes would hold it in a string field.
pub fn scalar_string(v: &Node) -> Option<String> {
    match &v.value {
        Value::Str(s) => Some(s.clone()),
        Value::Null => Some(String::new()),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => v.scalar_text(),
        Value::Seq(_) | Value::Map(_) => None,
    }
}

/// A sequence field as a slice (empty when absent or not a sequence).
pub fn seq<'a>(node: &'a Node, path: &[&str]) -> &'a [Node] {
    node.get_path(path)
        .and_then(Node::as_seq)
        .map_or(&[], Vec::as_slice)
}

/// A boolean field (`true` only for a YAML `true`).
pub fn bool_at(node: &Node, path: &[&str]) -> bool {
    matches!(
        node.get_path(path).map(|n| &n.value),
        Some(Value::Bool(true))
    )
}

/// A node as Helm values see a JSON document from the Kubernetes API: maps, lists,
/// strings, booleans, null, and numbers that are all Go `float64`. Keys are kept as they
/// are (they were strings in the object already).
pub fn to_values_json(node: &Node) -> Json {
    match &node.value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        // Go's float64 holds every i64 only approximately; that loss is Helm's too.
        #[allow(clippy::cast_precision_loss)]
        Value::Int(i) => kubake_chart::value::float(*i as f64),
        Value::Float(f) => kubake_chart::value::float(*f),
        Value::Str(s) => Json::String(s.clone()),
        Value::Seq(items) => Json::Array(items.iter().map(to_values_json).collect()),
        Value::Map(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.to_string(), to_values_json(v)))
                .collect(),
        ),
    }
}

/// An empty mapping node.
pub fn empty_map() -> Node {
    Node::new(Value::Map(Mapping::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};

    fn obj(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    #[test]
    fn keys_ignore_the_version() {
        let a = obj("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: x}\n");
        let b =
            obj("apiVersion: apps/v1beta1\nkind: Deployment\nmetadata: {name: a, namespace: x}\n");
        assert_eq!(ObjectKey::of(&a), ObjectKey::of(&b));
        assert_eq!(ObjectKey::of(&a).to_string(), "Deployment.apps/x/a");
    }

    #[test]
    fn removing_the_last_annotation_removes_the_map() {
        let mut o = obj("metadata: {name: a, annotations: {k: v}}\n");
        assert!(remove_annotation(&mut o, "k").is_some());
        assert!(o.get_path(&["metadata", "annotations"]).is_none());
    }

    #[test]
    fn values_numbers_are_floats() {
        let v = to_values_json(&obj("a: 1\nb: [2.5]\n"));
        assert!(v["a"].as_f64().is_some() && v["a"].is_f64());
    }
}
