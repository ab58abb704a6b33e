//! The transformer configuration: which fields each built-in transformer touches.
//!
//! It starts as kustomize's built-in field specs (`stdlib/kustomize/builtin-fieldspecs.yaml`,
//! data transcribed from kustomize) and grows with every `configurations:` file and every
//! `crds:` entry met during the build, as kustomize's `TransformerConfig.Merge` does:
//! lists are unions without duplicates, name references merge per referenced kind.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use kubake_yaml::{load_one, Node, Schema};

use crate::decode::Fields;
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;
use crate::resource::Gvk;

/// Fields that refer to objects of one kind by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NameBackRef {
    /// The referenced kind.
    pub gvk: Gvk,
    /// Fields in other objects that hold such a name.
    pub referrers: Vec<FieldSpec>,
}

/// kustomize's TransformerConfig.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TransformerConfig {
    /// namePrefix targets.
    pub name_prefix: Vec<FieldSpec>,
    /// nameSuffix targets.
    pub name_suffix: Vec<FieldSpec>,
    /// namespace targets.
    pub namespace: Vec<FieldSpec>,
    /// commonLabels targets (selectors included).
    pub common_labels: Vec<FieldSpec>,
    /// Template labels (`labels` with `includeTemplates`).
    pub template_labels: Vec<FieldSpec>,
    /// Extra `labels` targets.
    pub labels: Vec<FieldSpec>,
    /// commonAnnotations targets.
    pub common_annotations: Vec<FieldSpec>,
    /// Name references.
    pub name_reference: Vec<NameBackRef>,
    /// Where `$(VAR)` may appear.
    pub var_reference: Vec<FieldSpec>,
    /// Image fields.
    pub images: Vec<FieldSpec>,
    /// Replica count fields.
    pub replicas: Vec<FieldSpec>,
}

impl TransformerConfig {
    /// kustomize's built-in configuration.
    pub fn builtin() -> &'static TransformerConfig {
        static BUILTIN: OnceLock<TransformerConfig> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let text = include_str!("../../../stdlib/kustomize/builtin-fieldspecs.yaml");
            let path = Path::new("stdlib/kustomize/builtin-fieldspecs.yaml");
            load_one(text, Schema::Core12)
                .map_err(|e| Error::at(e.message, path, e.pos))
                .and_then(|n| TransformerConfig::decode(&n, path))
                .unwrap_or_else(|e| panic!("embedded field specs are invalid: {e}"))
        })
    }

    /// Decodes a `configurations:` file.
    pub fn decode(node: &Node, file: &Path) -> Result<TransformerConfig> {
        let f = Fields::new(node, file, "TransformerConfig")?;
        f.deny_unknown(&[
            "namePrefix",
            "nameSuffix",
            "namespace",
            "commonLabels",
            "templateLabels",
            "labels",
            "commonAnnotations",
            "nameReference",
            "varReference",
            "images",
            "replicas",
        ])?;
        let specs = |name: &str| f.objects(name, |n| FieldSpec::decode(n, file));
        Ok(TransformerConfig {
            name_prefix: specs("namePrefix")?,
            name_suffix: specs("nameSuffix")?,
            namespace: specs("namespace")?,
            common_labels: specs("commonLabels")?,
            template_labels: specs("templateLabels")?,
            labels: specs("labels")?,
            common_annotations: specs("commonAnnotations")?,
            name_reference: f.objects("nameReference", |n| {
                let b = Fields::new(n, file, "NameBackReferences")?;
                b.deny_unknown(&["group", "version", "kind", "fieldSpecs"])?;
                Ok(NameBackRef {
                    gvk: Gvk {
                        group: b.string("group")?.unwrap_or_default(),
                        version: b.string("version")?.unwrap_or_default(),
                        kind: b.string("kind")?.unwrap_or_default(),
                    },
                    referrers: b.objects("fieldSpecs", |n| FieldSpec::decode(n, file))?,
                })
            })?,
            var_reference: specs("varReference")?,
            images: specs("images")?,
            replicas: specs("replicas")?,
        })
    }

    /// Adds another configuration's specs to this one, as kustomize's
    /// `TransformerConfig.Merge`: an incoming spec is dropped when an existing one with
    /// the same path already covers its kinds (so a generic built-in spec merged after a
    /// custom one for a single kind is dropped, and the custom one wins).
    pub fn merge(&mut self, other: &TransformerConfig) {
        self.union(other);
    }

    /// [`merge`](Self::merge) for shared configurations. Nearly every kustomization of a
    /// build ends with the same configuration (the built-in one), so accumulators share it
    /// and merging a configuration into itself or into an empty one costs nothing.
    pub fn merge_shared(into: &mut Arc<TransformerConfig>, other: &Arc<TransformerConfig>) {
        if Arc::ptr_eq(into, other) {
            return;
        }
        if into.is_empty() && Arc::ptr_eq(other, builtin_merged_into_empty()) {
            *into = Arc::clone(other);
            return;
        }
        Arc::make_mut(into).merge(other);
    }

    /// Whether no section has any field spec.
    pub fn is_empty(&self) -> bool {
        *self == TransformerConfig::default()
    }

    fn union(&mut self, other: &TransformerConfig) {
        let union = |a: &mut Vec<FieldSpec>, b: &[FieldSpec]| {
            for s in b {
                let covered = a
                    .iter()
                    .any(|e| e.path == s.path && e.gvk.is_selected_by(&s.gvk));
                if !covered {
                    a.push(s.clone());
                }
            }
        };
        union(&mut self.name_prefix, &other.name_prefix);
        union(&mut self.name_suffix, &other.name_suffix);
        union(&mut self.namespace, &other.namespace);
        union(&mut self.common_labels, &other.common_labels);
        union(&mut self.template_labels, &other.template_labels);
        union(&mut self.labels, &other.labels);
        union(&mut self.common_annotations, &other.common_annotations);
        union(&mut self.var_reference, &other.var_reference);
        union(&mut self.images, &other.images);
        union(&mut self.replicas, &other.replicas);
        for back in &other.name_reference {
            match self.name_reference.iter_mut().find(|b| b.gvk == back.gvk) {
                Some(existing) => union(&mut existing.referrers, &back.referrers),
                None => self.name_reference.push(back.clone()),
            }
        }
    }

    /// A kustomization's configuration: its `configurations` files merged in order, then
    /// the built-in specs merged into that (kustomize's `MakeTransformerConfig`).
    pub fn with_builtin(mut self) -> Arc<TransformerConfig> {
        if self.is_empty() {
            return Arc::clone(builtin_merged_into_empty());
        }
        self.merge(TransformerConfig::builtin());
        Arc::new(self)
    }
}

/// The built-in configuration merged into an empty one, computed once and shared.
fn builtin_merged_into_empty() -> &'static Arc<TransformerConfig> {
    static MERGED: OnceLock<Arc<TransformerConfig>> = OnceLock::new();
    MERGED.get_or_init(|| {
        let mut merged = TransformerConfig::default();
        merged.union(TransformerConfig::builtin());
        Arc::new(merged)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_config_loads_with_every_section() {
        let c = TransformerConfig::builtin();
        assert_eq!(c.name_prefix, vec![FieldSpec::any("metadata/name", false)]);
        assert!(c.common_labels.len() > 10);
        assert!(c.name_reference.iter().any(|b| b.gvk.kind == "ConfigMap"));
        assert!(c
            .images
            .iter()
            .any(|s| s.path == "spec/template/spec/containers[]/image"));
    }
}
