//! Field specs: "which field of which kinds" (`spec/template/metadata/labels` of
//! Deployments), and the one walker every transformer uses to visit those fields.
//!
//! A path is `/`-separated; sequences on the way are entered element by element (a `[]`
//! suffix just says the field is a sequence). With `create`, missing maps on the way are
//! made, as kustomize's fieldspec filter does.

use std::path::Path;

use kubake_yaml::{Mapping, Node, Value};

use crate::decode::Fields;
use crate::error::{Error, Result};
use crate::resource::Gvk;

/// One field spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSpec {
    /// Which objects it applies to (empty parts match anything).
    pub gvk: Gvk,
    /// The `/`-separated path.
    pub path: String,
    /// Whether to create the field when absent.
    pub create: bool,
}

/// What a missing field becomes when the spec says `create`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Never create (name references, images).
    Never,
    /// Create a mapping at the end of the path (labels, annotations).
    Map,
    /// Create an empty string at the end of the path (namespace).
    Scalar,
}

impl FieldSpec {
    /// A spec for all kinds.
    pub fn any(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            gvk: Gvk::default(),
            path: path.to_string(),
            create,
        }
    }

    /// Decodes `{path, group, version, kind, create}`.
    pub fn decode(node: &Node, file: &Path) -> Result<FieldSpec> {
        // Not strict: kustomize decodes plugin configs leniently, and real configurations
        // carry extra keys (`name`, `behavior`) that it ignores.
        let f = Fields::new(node, file, "FieldSpec")?;
        Ok(FieldSpec {
            gvk: Gvk {
                group: f.string("group")?.unwrap_or_default(),
                version: f.string("version")?.unwrap_or_default(),
                kind: f.string("kind")?.unwrap_or_default(),
            },
            path: f.string("path")?.unwrap_or_default(),
            create: f.bool("create")?.unwrap_or(false),
        })
    }

    /// Whether the spec applies to an object, by its current apiVersion and kind.
    pub fn applies_to(&self, obj: &Node) -> bool {
        let kind = obj.str_at(&["kind"]).unwrap_or("");
        let gvk = Gvk::from_api_version(obj.str_at(&["apiVersion"]).unwrap_or(""), kind);
        gvk.is_selected_by(&self.gvk)
    }

    /// The path's segments, honouring `\/` escapes and `/` inside brackets.
    pub fn segments(&self) -> Vec<String> {
        split_path(&self.path)
    }
}

/// Splits a field path at `/`, except inside `[...]` or after a backslash.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut depth = 0usize;
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                cur.push('/');
                chars.next();
            }
            '[' => {
                depth += 1;
                cur.push(c);
            }
            ']' => {
                depth = depth.saturating_sub(1);
                cur.push(c);
            }
            '/' if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts.retain(|p| !p.is_empty());
    parts
}

/// Visits every field `spec` reaches in `obj` (when it applies), calling `set` on each.
/// `set` returns a message on failure, which is wrapped with the field and object.
pub fn apply(
    obj: &mut Node,
    spec: &FieldSpec,
    create: Create,
    set: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<()> {
    if !spec.applies_to(obj) {
        return Ok(());
    }
    let segments = spec.segments();
    let create = if spec.create { create } else { Create::Never };
    walk(obj, &segments, create, set).map_err(|msg| {
        Error::new(format!(
            "considering field '{}' of object {}: {msg}",
            spec.path,
            describe(obj)
        ))
    })
}

fn describe(obj: &Node) -> String {
    crate::resource::Resource::new(obj.clone())
        .cur_id()
        .to_string()
}

fn walk(
    node: &mut Node,
    path: &[String],
    create: Create,
    set: &mut dyn FnMut(&mut Node) -> Result<(), String>,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        return set(node);
    };
    match &mut node.value {
        Value::Null => Ok(()),
        Value::Seq(items) => {
            for item in items {
                walk(item, path, create, set)?;
            }
            Ok(())
        }
        Value::Map(map) => {
            let (name, is_seq) = match first.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (first.as_str(), false),
            };
            let make = match create {
                Create::Never => None,
                _ if is_seq => None,
                Create::Map => Some(Value::Map(Mapping::new())),
                Create::Scalar if rest.is_empty() => Some(Value::Str(String::new())),
                Create::Scalar => Some(Value::Map(Mapping::new())),
            };
            let make = if rest.is_empty() {
                make
            } else {
                make.map(|_| Value::Map(Mapping::new()))
            };
            let field = match (map.contains_key(name), make) {
                (true, make) => {
                    let field = map.get_mut(name).ok_or("field vanished")?;
                    if let (Value::Null, Some(kind)) = (&field.value, make) {
                        field.value = kind;
                    }
                    field
                }
                (false, Some(kind)) => map.get_or_insert_with(name, || Node::new(kind)),
                (false, None) => return Ok(()),
            };
            walk(field, rest, create, set)
        }
        _ => Err("expected sequence or mapping node".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, to_yaml, Schema};

    fn doc(s: &str) -> Node {
        load_one(s, Schema::Core12).unwrap()
    }

    #[test]
    fn walks_into_sequences_and_creates_maps() {
        let mut obj = doc("apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - image: a\n      - image: b\n");
        let spec = FieldSpec {
            gvk: Gvk {
                kind: "Deployment".into(),
                ..Gvk::default()
            },
            path: "spec/template/spec/containers[]/image".into(),
            create: false,
        };
        apply(&mut obj, &spec, Create::Never, &mut |n| {
            n.value = Value::Str(format!("x/{}", n.as_str().unwrap_or("")));
            Ok(())
        })
        .unwrap();
        let out = to_yaml(&obj);
        assert!(
            out.contains("- image: x/a\n") && out.contains("- image: x/b\n"),
            "{out}"
        );

        let labels = FieldSpec::any("spec/template/metadata/labels", true);
        apply(&mut obj, &labels, Create::Map, &mut |n| {
            n.as_map_mut()
                .ok_or("not a map")?
                .insert("app", Node::str("web"));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            obj.str_at(&["spec", "template", "metadata", "labels", "app"]),
            Some("web")
        );
    }

    #[test]
    fn specs_for_other_kinds_do_nothing() {
        let mut obj = doc("apiVersion: v1\nkind: Service\nspec: {}\n");
        let spec = FieldSpec {
            gvk: Gvk {
                kind: "Deployment".into(),
                ..Gvk::default()
            },
            path: "spec/selector".into(),
            create: true,
        };
        apply(&mut obj, &spec, Create::Map, &mut |_| Err("called".into())).unwrap();
    }

    #[test]
    fn paths_split_with_escapes_and_brackets() {
        assert_eq!(
            split_path("metadata/annotations/a\\/b"),
            ["metadata", "annotations", "a/b"]
        );
        assert_eq!(split_path("spec/[name=a/b]/x"), ["spec", "[name=a/b]", "x"]);
    }
}
