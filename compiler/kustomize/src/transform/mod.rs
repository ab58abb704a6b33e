//! The transformers, one small module each, and the order a kustomization runs them in
//! (kustomize's `configureBuiltinTransformers`): strategic-merge patches, `patches`,
//! namespace, prefix, suffix, labels, annotations, JSON 6902 patches, replicas, images,
//! replacements, then the `transformers:` entries.
//!
//! Each transformer is a function over the resource list; none of them knows about the
//! others or about files (paths are resolved by the [`Target`]).

pub mod crds;
pub mod generated;
pub mod hash;
pub mod images;
pub mod labels;
pub mod namereference;
pub mod namespace;
pub mod patches;
pub mod plugins;
pub mod prefix_suffix;
pub mod replacements;
pub mod replicas;
pub mod sort;
pub mod vars;

use crate::error::Result;
use crate::resource::ConfiguredBy;
use crate::target::{Accumulator, Target};

fn builtin(kind: &str) -> ConfiguredBy {
    ConfiguredBy {
        api_version: "builtin".into(),
        kind: kind.into(),
        ..ConfiguredBy::default()
    }
}

/// Runs a kustomization's transformers on the accumulator, in kustomize's order.
pub fn run_transformers(t: &Target<'_, '_>, ra: &mut Accumulator) -> Result<()> {
    let k = &t.kust;
    let file = &k.file;
    let record =
        |ra: &mut Accumulator, kind: &str| t.record_transformation(ra, builtin(kind), None);
    if !k.patches_strategic_merge.is_empty() {
        patches::strategic_merge_field(t, &mut ra.resmap)?;
        record(ra, "PatchStrategicMergeTransformer");
    }
    for p in &k.patches {
        patches::apply_patch_args(t, &mut ra.resmap, p).map_err(|e| e.or_at(file, p.pos))?;
        record(ra, "PatchTransformer");
    }
    if let Some(ns) = k.namespace.as_deref().filter(|n| !n.is_empty()) {
        let opts = namespace::Options::default();
        namespace::apply(&mut ra.resmap, ns, &ra.config.namespace, &opts)?;
        record(ra, "NamespaceTransformer");
    }
    if let Some(p) = k.name_prefix.as_deref().filter(|p| !p.is_empty()) {
        prefix_suffix::apply(&mut ra.resmap, p, "", &ra.config.name_prefix)?;
        record(ra, "PrefixTransformer");
    }
    if let Some(s) = k.name_suffix.as_deref().filter(|s| !s.is_empty()) {
        prefix_suffix::apply(&mut ra.resmap, "", s, &ra.config.name_suffix)?;
        record(ra, "SuffixTransformer");
    }
    for l in &k.labels {
        let specs = labels::label_specs(l, &ra.config);
        labels::apply(&mut ra.resmap, &l.pairs, &specs, "labels")?;
        record(ra, "LabelTransformer");
    }
    if !k.common_labels.is_empty() {
        let specs = ra.config.common_labels.clone();
        labels::apply(&mut ra.resmap, &k.common_labels, &specs, "labels")?;
        record(ra, "LabelTransformer");
    }
    if !k.common_annotations.is_empty() {
        let specs = ra.config.common_annotations.clone();
        labels::apply(&mut ra.resmap, &k.common_annotations, &specs, "annotations")?;
        record(ra, "AnnotationsTransformer");
    }
    for p in &k.patches_json6902 {
        patches::apply_json6902_args(t, &mut ra.resmap, p).map_err(|e| e.or_at(file, p.pos))?;
        record(ra, "PatchJson6902Transformer");
    }
    for r in &k.replicas {
        replicas::apply(&mut ra.resmap, &r.name, r.count, &ra.config.replicas)?;
        record(ra, "ReplicaCountTransformer");
    }
    for i in &k.images {
        images::apply(&mut ra.resmap, i, &ra.config.images).map_err(|e| e.or_at(file, i.pos))?;
        record(ra, "ImageTagTransformer");
    }
    if !k.replacements.is_empty() {
        let list = replacements::load(t, &k.replacements)?;
        replacements::apply(&mut ra.resmap, &list)?;
        record(ra, "ReplacementTransformer");
    }
    plugins::run_transformer_plugins(t, ra)?;
    Ok(())
}
