//! CRDs kept as the text they were read from.
//!
//! A chart's CRDs are most of a repository's bytes (kube-prometheus-stack's are 4.5 MB),
//! and most are already written the way the bundle writes objects. Reading one into a
//! tree only to write the same bytes again was the largest cost of a build. When
//! `kubake_yaml::canonical_document` finds a CRD in the bundle's form (here for a
//! chart's `crds/` files, in the renderer for templates and hooks:
//! `kubake_helm::manifest::Manifest::canonical`), the object keeps its text for the
//! bundle, and its tree is read without the schemas (`spec.versions[].schema`,
//! `spec.validation`): what the build reads of a CRD (names, group, scope, versions,
//! metadata) is all there.
//!
//! The tree stays the object, for every stage to read and change as any other. A change
//! to it (a namespace cleared, say) is noticed when the compilation is assembled
//! ([`settle`]): the schemas are read and put back, and the object is written from its
//! tree after all. A stage that reads or changes the schemas themselves takes the whole
//! tree first ([`whole`]).
//!
//! Not here: finding which rendered documents are in the bundle's form (the chart output
//! and the renderer), writing (the bundle).

use std::sync::Arc;

use kubake_yaml::{Duplicates, Node, Schema};

use crate::error::{Error, ErrorKind, Result};
use crate::kfile::Built;

/// An object's text in the bundle's form, and its tree as read (without the schemas).
#[derive(Clone, Debug)]
pub struct Verbatim {
    text: Arc<String>,
    start: usize,
    read: Node,
}

impl Verbatim {
    /// `text` kept from byte `start` on (where it is in the bundle's form), for the
    /// object `read` from it without the schemas.
    pub fn new(text: String, start: usize, read: &Node) -> Verbatim {
        Verbatim {
            text: Arc::new(text),
            start,
            read: read.clone(),
        }
    }

    /// The object as the bundle writes it.
    pub fn as_str(&self) -> &str {
        &self.text[self.start..]
    }
}

/// Reads `text` (one `crds/` file) as a CRD kept as text: its tree without the schemas
/// and the text (taken from `text`), or `None` when it is not a single CRD in the
/// bundle's form (the caller then reads it as usual).
pub fn read_crd(text: &mut String) -> Option<(Node, Verbatim)> {
    let (node, start) = kubake_helm::manifest::read_canonical_crd(text)?;
    let verbatim = Verbatim::new(std::mem::take(text), start, &node);
    Some((node, verbatim))
}

/// The object for the bundle: the text still stands when the tree is as it was read;
/// otherwise the tree, with the schemas read from the text and put back.
pub fn settle(node: Node, verbatim: Option<Verbatim>) -> Result<(Node, Option<Verbatim>)> {
    match verbatim {
        Some(v) if v.read == node => Ok((node, Some(v))),
        Some(v) => Ok((with_schemas(node, &v)?, None)),
        None => Ok((node, None)),
    }
}

/// The object with its whole tree (schemas included) and no kept text, for a stage
/// that reads or changes more than [`settle`] can notice.
pub fn whole(b: Built) -> Result<Built> {
    match b.verbatim {
        None => Ok(b),
        Some(v) => Ok(Built {
            node: with_schemas(b.node, &v)?,
            verbatim: None,
            ..b
        }),
    }
}

/// `node` (the CRD read from `v`'s text, maybe changed since) with the schemas of that
/// text.
fn with_schemas(mut node: Node, v: &Verbatim) -> Result<Node> {
    // The text was found to be the emitter's output for the tree it holds, which then
    // loads; an error here is kubake's own.
    let full = kubake_yaml::load_stream_with(&v.text, Schema::Yaml11, Duplicates::LastWins)
        .ok()
        .and_then(|docs| docs.into_iter().find(|d| !d.is_null()))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Yaml,
                format!(
                    "internal error: the CRD {} kept as text does not load again",
                    crate::object::name(&node)
                ),
            )
        })?;
    let Some(spec) = node.as_map_mut().and_then(|m| m.get_mut("spec")) else {
        return Ok(node);
    };
    if let (Some(validation), Some(spec)) =
        (full.get_path(&["spec", "validation"]), spec.as_map_mut())
    {
        spec.insert("validation", validation.clone());
    }
    let read_versions = full.get_path(&["spec", "versions"]).and_then(Node::as_seq);
    let versions = spec
        .as_map_mut()
        .and_then(|m| m.get_mut("versions"))
        .and_then(Node::as_seq_mut);
    if let (Some(read), Some(versions)) = (read_versions, versions) {
        for version in versions {
            let name = version.str_at(&["name"]).map(str::to_string);
            let schema = read
                .iter()
                .find(|r| r.str_at(&["name"]).map(str::to_string) == name)
                .and_then(|r| r.get("schema"));
            if let (Some(schema), Some(map)) = (schema, version.as_map_mut()) {
                map.insert("schema", schema.clone());
            }
        }
    }
    Ok(node)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRD: &str = "# upstream\n---\napiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        description: A widget.
        type: object
    served: true
    storage: true
  - name: v2
    schema:
      openAPIV3Schema:
        type: object
    served: false
    storage: false
";

    #[test]
    fn a_crd_in_the_bundles_form_keeps_its_text_and_reads_without_schemas() {
        let (node, v) = read_crd(&mut CRD.to_string()).unwrap();
        assert_eq!(v.as_str(), &CRD["# upstream\n---\n".len()..]);
        assert_eq!(node.str_at(&["spec", "scope"]), Some("Namespaced"));
        assert_eq!(
            node.get_path(&["spec", "versions"])
                .and_then(Node::as_seq)
                .map(Vec::len),
            Some(2)
        );
        let first = node
            .get_path(&["spec", "versions"])
            .and_then(Node::as_seq)
            .and_then(|vs| vs.first());
        assert!(first.is_some_and(|v| v.get("schema").is_none()));
        // Unchanged, the text stands.
        let (_, kept) = settle(node.clone(), Some(v.clone())).unwrap();
        assert!(kept.is_some());
        // Changed, the tree is written, schemas and change both there.
        let mut changed = node;
        crate::object::set_namespace(&mut changed, "x");
        let (settled, kept) = settle(changed, Some(v.clone())).unwrap();
        assert!(kept.is_none());
        let mut expected =
            kubake_yaml::load_one(&CRD["# upstream\n---\n".len()..], Schema::Yaml11).unwrap();
        crate::object::set_namespace(&mut expected, "x");
        assert_eq!(
            kubake_yaml::to_yaml(&settled),
            kubake_yaml::to_yaml(&expected)
        );
        // Taken whole, the object is the text's tree.
        let built = Built {
            node: v.read.clone(),
            source: None,
            verbatim: Some(v),
        };
        let whole = whole(built).unwrap();
        assert!(whole.verbatim.is_none());
        assert_eq!(
            whole.node,
            kubake_yaml::load_one(&CRD["# upstream\n---\n".len()..], Schema::Yaml11).unwrap()
        );
    }

    #[test]
    fn other_documents_are_read_as_usual() {
        // Not in the bundle's form, not a CRD, more than one document, nothing to omit.
        let unsorted = CRD
            .replace("kind: CustomResourceDefinition\n", "")
            .replace("apiVersion:", "kind: CustomResourceDefinition\napiVersion:");
        for mut text in [
            unsorted,
            CRD.replace("CustomResourceDefinition", "Widget"),
            format!("{CRD}---\n{CRD}"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n".to_string(),
        ] {
            let before = text.clone();
            assert!(read_crd(&mut text).is_none(), "{before}");
            assert_eq!(text, before, "the text is left for the usual reading");
        }
    }
}
