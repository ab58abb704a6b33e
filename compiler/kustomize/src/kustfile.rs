//! kustomization.yaml: finding it in a directory, decoding it strictly into
//! [`Kustomization`], and the fix-ups kustomize applies on load (`bases` join
//! `resources`, the deprecated `imageTags` name, defaults for `apiVersion`/`kind`).
//!
//! This module only reads; what the fields do is in [`crate::target`] and the filters.

use std::path::{Path, PathBuf};

use kubake_yaml::{load_stream_with, Duplicates, Node, Pos, Schema};

use crate::decode::Fields;
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;
use crate::fs::FileSystem;
use crate::generators::{GeneratorArgs, GeneratorKind, GeneratorOptions};
use crate::selector::Selector;

/// The file names kustomize accepts, in the order it looks for them.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Kustomization or Component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KustKind {
    /// `kind: Kustomization` (the default).
    Kustomization,
    /// `kind: Component`.
    Component,
}

/// A string from the file with the position it was read at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned {
    /// The text.
    pub value: String,
    /// Where it was.
    pub pos: Pos,
}

/// One entry of `patches`, `patchesJson6902`.
#[derive(Clone, Debug, Default)]
pub struct PatchArgs {
    /// A file holding the patch.
    pub path: Option<String>,
    /// The patch inline.
    pub patch: Option<String>,
    /// Which resources it applies to.
    pub target: Option<Selector>,
    /// `options.allowNameChange`.
    pub allow_name_change: bool,
    /// `options.allowKindChange`.
    pub allow_kind_change: bool,
    /// Where the entry was.
    pub pos: Pos,
}

/// One entry of `images`.
#[derive(Clone, Debug, Default)]
pub struct ImageArgs {
    /// The image name to match.
    pub name: String,
    /// Replacement name.
    pub new_name: Option<String>,
    /// Replacement tag.
    pub new_tag: Option<String>,
    /// Replacement digest.
    pub digest: Option<String>,
    /// Where the entry was.
    pub pos: Pos,
}

/// One entry of `replicas`.
#[derive(Clone, Debug)]
pub struct ReplicaArgs {
    /// The resource name.
    pub name: String,
    /// The count.
    pub count: i64,
}

/// One entry of `labels`.
#[derive(Clone, Debug, Default)]
pub struct LabelArgs {
    /// The labels.
    pub pairs: Vec<(String, String)>,
    /// Also set selectors (as `commonLabels` does).
    pub include_selectors: bool,
    /// Also set pod templates' labels.
    pub include_templates: bool,
    /// Extra fields to set.
    pub fields: Vec<FieldSpec>,
}

/// `sortOptions`.
#[derive(Clone, Debug, Default)]
pub struct SortOptions {
    /// `legacy` or `fifo`.
    pub order: String,
    /// `legacySortOptions.orderFirst`.
    pub order_first: Option<Vec<String>>,
    /// `legacySortOptions.orderLast`.
    pub order_last: Option<Vec<String>>,
    /// Whether `legacySortOptions` was given at all.
    pub legacy_set: bool,
}

/// One entry of `vars`.
#[derive(Clone, Debug)]
pub struct VarArgs {
    /// The variable's name.
    pub name: String,
    /// objref.
    pub obj_kind: String,
    /// objref name.
    pub obj_name: String,
    /// objref apiVersion (or group/version).
    pub obj_api_version: String,
    /// fieldref.fieldpath, default `metadata.name`.
    pub field_path: String,
}

/// A decoded kustomization.yaml.
#[derive(Clone, Debug)]
pub struct Kustomization {
    /// The file it was read from.
    pub file: PathBuf,
    /// Its directory.
    pub dir: PathBuf,
    /// Kustomization or Component.
    pub kind: KustKind,
    /// `resources` followed by the deprecated `bases`.
    pub resources: Vec<Spanned>,
    /// `components`.
    pub components: Vec<Spanned>,
    /// `crds`.
    pub crds: Vec<Spanned>,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `namePrefix`.
    pub name_prefix: Option<String>,
    /// `nameSuffix`.
    pub name_suffix: Option<String>,
    /// `commonLabels`.
    pub common_labels: Vec<(String, String)>,
    /// `labels`.
    pub labels: Vec<LabelArgs>,
    /// `commonAnnotations`.
    pub common_annotations: Vec<(String, String)>,
    /// `patchesStrategicMerge`: paths or inline patches.
    pub patches_strategic_merge: Vec<Spanned>,
    /// `patchesJson6902`.
    pub patches_json6902: Vec<PatchArgs>,
    /// `patches`.
    pub patches: Vec<PatchArgs>,
    /// `images`.
    pub images: Vec<ImageArgs>,
    /// `replicas`.
    pub replicas: Vec<ReplicaArgs>,
    /// `replacements`: each a `path` or an inline replacement.
    pub replacements: Vec<Node>,
    /// `vars`.
    pub vars: Vec<VarArgs>,
    /// `configMapGenerator` and `secretGenerator`, in that order.
    pub generators_builtin: Vec<GeneratorArgs>,
    /// `generatorOptions`.
    pub generator_options: Option<GeneratorOptions>,
    /// `configurations`.
    pub configurations: Vec<Spanned>,
    /// `generators`.
    pub generators: Vec<Spanned>,
    /// `transformers`.
    pub transformers: Vec<Spanned>,
    /// `validators`.
    pub validators: Vec<Spanned>,
    /// `openapi`.
    pub openapi: Vec<(String, String)>,
    /// `sortOptions`.
    pub sort_options: Option<SortOptions>,
    /// `buildMetadata`.
    pub build_metadata: Vec<String>,
    /// `helmCharts`, then the converted `helmChartInflationGenerator` entries.
    pub helm_charts: Vec<crate::helm_charts::HelmChartArgs>,
    /// `helmGlobals`.
    pub helm_globals: crate::helm_charts::HelmGlobals,
}

const KNOWN_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// Finds the kustomization file in `dir`.
pub fn find_file(fs: &dyn FileSystem, dir: &Path) -> Result<PathBuf> {
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| fs.is_file(p))
        .collect();
    match found.len() {
        0 => Err(Error::new(format!(
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'",
            dir.display()
        ))
        .with_help("create a kustomization.yaml listing the resources of this directory")),
        1 => Ok(found.into_iter().next().unwrap_or_default()),
        _ => Err(Error::new(format!(
            "Found multiple kustomization files under: {}",
            dir.display()
        ))
        .with_help("keep only one of kustomization.yaml, kustomization.yml, Kustomization")),
    }
}

/// Reads and decodes the kustomization in `dir`.
pub fn load(fs: &dyn FileSystem, dir: &Path) -> Result<Kustomization> {
    let file = find_file(fs, dir)?;
    let bytes = fs
        .read(&file)
        .map_err(|e| Error::new(format!("reading {}: {e}", file.display())))?;
    let text = String::from_utf8_lossy(&bytes).replace("imageTags:", "images:");
    // kustomize reads the file with sigs.k8s.io/yaml, that is yaml.v2's YAML 1.1 scalars:
    // an unquoted `yes`, `off` or `1.10` is a boolean or a number, which a string field
    // then refuses (as Flux's and Argo CD's kustomize do in the cluster).
    let docs = load_stream_with(&text, Schema::Yaml11, Duplicates::LastWins)
        .map_err(|e| Error::at(e.message, &file, e.pos))?;
    let node = docs
        .into_iter()
        .find(|d| !d.is_null())
        .unwrap_or_else(Node::map);
    decode(&node, &file, dir)
}

fn decode(node: &Node, file: &Path, dir: &Path) -> Result<Kustomization> {
    let f = Fields::new(node, file, "Kustomization")?;
    f.deny_unknown(KNOWN_FIELDS)?;
    let kind = match f.string("kind")?.as_deref() {
        None | Some("") | Some("Kustomization") => KustKind::Kustomization,
        Some("Component") => KustKind::Component,
        Some(other) => {
            return Err(Error::at(
                format!("kind should be Kustomization or Component, not {other:?}"),
                file,
                f.get("kind").map_or(Pos::NONE, |n| n.pos),
            ))
        }
    };
    let api_version = f.string("apiVersion")?;
    if kind == KustKind::Component
        && api_version
            .as_deref()
            .is_some_and(|v| v != "kustomize.config.k8s.io/v1alpha1")
    {
        return Err(Error::at(
            format!(
                "Failed to read kustomization file under {}:\napiVersion for Component should be kustomize.config.k8s.io/v1alpha1",
                dir.display()
            ),
            file,
            f.get("apiVersion").map_or(Pos::NONE, |n| n.pos),
        ));
    }
    let spanned = |name: &str| -> Result<Vec<Spanned>> {
        Ok(f.strings(name)?
            .into_iter()
            .map(|(value, pos)| Spanned { value, pos })
            .collect())
    };
    let mut resources = spanned("resources")?;
    resources.extend(spanned("bases")?);

    let mut generators_builtin = Vec::new();
    for (field, kind) in [
        ("configMapGenerator", GeneratorKind::ConfigMap),
        ("secretGenerator", GeneratorKind::Secret),
    ] {
        generators_builtin.extend(f.objects(field, |n| decode_generator(n, file, kind))?);
    }
    let generator_options = match f.get("generatorOptions") {
        Some(n) => Some(decode_generator_options(n, file)?),
        None => None,
    };

    let mut helm_globals = match f.get("helmGlobals") {
        Some(n) => crate::helm_charts::decode_globals(n, file)?,
        None => Default::default(),
    };
    let mut helm_charts = f.objects("helmCharts", |n| crate::helm_charts::decode_chart(n, file))?;
    helm_charts.extend(f.objects("helmChartInflationGenerator", |n| {
        crate::helm_charts::decode_legacy(n, file, &mut helm_globals)
    })?);

    Ok(Kustomization {
        file: file.to_path_buf(),
        dir: dir.to_path_buf(),
        kind,
        resources,
        components: spanned("components")?,
        crds: spanned("crds")?,
        namespace: f.string("namespace")?,
        name_prefix: f.string("namePrefix")?,
        name_suffix: f.string("nameSuffix")?,
        common_labels: f.string_map("commonLabels")?,
        labels: f.objects("labels", |n| decode_label(n, file))?,
        common_annotations: f.string_map("commonAnnotations")?,
        patches_strategic_merge: spanned("patchesStrategicMerge")?,
        patches_json6902: f.objects("patchesJson6902", |n| decode_patch(n, file))?,
        patches: f.objects("patches", |n| decode_patch(n, file))?,
        images: f.objects("images", |n| decode_image(n, file))?,
        replicas: f.objects("replicas", |n| decode_replica(n, file))?,
        replacements: f.objects("replacements", |n| Ok(n.clone()))?,
        vars: f.objects("vars", |n| decode_var(n, file))?,
        generators_builtin,
        generator_options,
        configurations: spanned("configurations")?,
        generators: spanned("generators")?,
        transformers: spanned("transformers")?,
        validators: spanned("validators")?,
        openapi: f.string_map("openapi")?,
        sort_options: match f.get("sortOptions") {
            Some(n) => Some(decode_sort_options(n, file)?),
            None => None,
        },
        build_metadata: f
            .strings("buildMetadata")?
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
        helm_charts,
        helm_globals,
    })
}

fn decode_generator(node: &Node, file: &Path, kind: GeneratorKind) -> Result<GeneratorArgs> {
    let f = Fields::new(node, file, "GeneratorArgs")?;
    f.deny_unknown(&[
        "name",
        "namespace",
        "behavior",
        "literals",
        "files",
        "envs",
        "env",
        "options",
        "type",
    ])?;
    let strings = |name: &str| -> Result<Vec<String>> {
        Ok(f.strings(name)?.into_iter().map(|(s, _)| s).collect())
    };
    let mut envs = strings("envs")?;
    if let Some(env) = f.string("env")? {
        envs.push(env);
    }
    Ok(GeneratorArgs {
        kind,
        name: f.string("name")?.unwrap_or_default(),
        namespace: f.string("namespace")?,
        behavior: f.string("behavior")?,
        literals: strings("literals")?,
        files: strings("files")?,
        envs,
        secret_type: f.string("type")?,
        options: match f.get("options") {
            Some(n) => Some(decode_generator_options(n, file)?),
            None => None,
        },
    })
}

fn decode_generator_options(node: &Node, file: &Path) -> Result<GeneratorOptions> {
    let f = Fields::new(node, file, "GeneratorOptions")?;
    f.deny_unknown(&[
        "labels",
        "annotations",
        "disableNameSuffixHash",
        "immutable",
    ])?;
    Ok(GeneratorOptions {
        labels: f.string_map("labels")?,
        annotations: f.string_map("annotations")?,
        disable_name_suffix_hash: f.bool("disableNameSuffixHash")?,
        immutable: f.bool("immutable")?,
    })
}

fn decode_label(node: &Node, file: &Path) -> Result<LabelArgs> {
    let f = Fields::new(node, file, "Label")?;
    f.deny_unknown(&["pairs", "includeSelectors", "includeTemplates", "fields"])?;
    Ok(LabelArgs {
        pairs: f.string_map("pairs")?,
        include_selectors: f.bool("includeSelectors")?.unwrap_or(false),
        include_templates: f.bool("includeTemplates")?.unwrap_or(false),
        fields: f.objects("fields", |n| FieldSpec::decode(n, file))?,
    })
}

/// Decodes a patch entry (`patches`, `patchesJson6902`).
pub fn decode_patch(node: &Node, file: &Path) -> Result<PatchArgs> {
    let f = Fields::new(node, file, "Patch")?;
    f.deny_unknown(&["path", "patch", "target", "options"])?;
    let (mut allow_name_change, mut allow_kind_change) = (false, false);
    if let Some(opts) = f.get("options") {
        let o = Fields::new(opts, file, "Patch.options")?;
        o.deny_unknown(&["allowNameChange", "allowKindChange"])?;
        allow_name_change = o.bool("allowNameChange")?.unwrap_or(false);
        allow_kind_change = o.bool("allowKindChange")?.unwrap_or(false);
    }
    Ok(PatchArgs {
        path: f.string("path")?,
        patch: f.string("patch")?,
        target: match f.get("target") {
            Some(t) => Some(Selector::decode(t, file)?),
            None => None,
        },
        allow_name_change,
        allow_kind_change,
        pos: node.pos,
    })
}

fn decode_image(node: &Node, file: &Path) -> Result<ImageArgs> {
    let f = Fields::new(node, file, "Image")?;
    f.deny_unknown(&["name", "newName", "newTag", "digest", "tagSuffix"])?;
    Ok(ImageArgs {
        name: f.string("name")?.unwrap_or_default(),
        new_name: f.string("newName")?,
        // A string only: kustomize refuses `newTag: 1.10` (the number 1.1).
        new_tag: f.string("newTag")?,
        digest: f.string("digest")?,
        pos: node.pos,
    })
}

fn decode_replica(node: &Node, file: &Path) -> Result<ReplicaArgs> {
    let f = Fields::new(node, file, "Replica")?;
    f.deny_unknown(&["name", "count"])?;
    Ok(ReplicaArgs {
        name: f.string("name")?.unwrap_or_default(),
        count: f.int("count")?.unwrap_or(0),
    })
}

fn decode_var(node: &Node, file: &Path) -> Result<VarArgs> {
    let f = Fields::new(node, file, "Var")?;
    f.deny_unknown(&["name", "objref", "fieldref"])?;
    let obj = f.get("objref").cloned().unwrap_or_else(Node::map);
    let o = Fields::new(&obj, file, "Target")?;
    let api_version = match (
        o.string("apiVersion")?,
        o.string("group")?,
        o.string("version")?,
    ) {
        (Some(av), _, _) => av,
        (None, Some(g), Some(v)) if !g.is_empty() => format!("{g}/{v}"),
        (None, _, Some(v)) => v,
        (None, Some(g), None) => format!("{g}/"),
        _ => String::new(),
    };
    let field_path = match f.get("fieldref") {
        Some(n) => Fields::new(n, file, "FieldSelector")?.string("fieldpath")?,
        None => None,
    };
    Ok(VarArgs {
        name: f.string("name")?.unwrap_or_default(),
        obj_kind: o.string("kind")?.unwrap_or_default(),
        obj_name: o.string("name")?.unwrap_or_default(),
        obj_api_version: api_version,
        field_path: field_path
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| "metadata.name".into()),
    })
}

fn decode_sort_options(node: &Node, file: &Path) -> Result<SortOptions> {
    let f = Fields::new(node, file, "SortOptions")?;
    f.deny_unknown(&["order", "legacySortOptions"])?;
    let order = f.string("order")?.unwrap_or_default();
    let mut opts = SortOptions {
        order,
        ..SortOptions::default()
    };
    if let Some(l) = f.get("legacySortOptions") {
        opts.legacy_set = true;
        let lf = Fields::new(l, file, "LegacySortOptions")?;
        lf.deny_unknown(&["orderFirst", "orderLast"])?;
        let list = |name| -> Result<Option<Vec<String>>> {
            Ok(lf
                .get(name)
                .map(|_| lf.strings(name))
                .transpose()?
                .map(|v| v.into_iter().map(|(s, _)| s).collect()))
        };
        opts.order_first = list("orderFirst")?;
        opts.order_last = list("orderLast")?;
    }
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;

    fn load_text(text: &str) -> Result<Kustomization> {
        let fs = MemFs::new().with("/app/kustomization.yaml", text);
        load(&fs, Path::new("/app"))
    }

    #[test]
    fn scalars_are_read_as_yaml_1_1_and_string_fields_refuse_the_rest_as_kustomize_does() {
        let cases = [
            (
                "commonLabels:\n  flag: yes\n",
                "bool into Go struct field Kustomization.commonLabels of type string",
            ),
            (
                "commonLabels:\n  version: 1\n",
                "number into Go struct field Kustomization.commonLabels of type string",
            ),
            (
                "namespace: no\n",
                "bool into Go struct field Kustomization.namespace of type string",
            ),
            (
                "images:\n- name: nginx\n  newTag: 1.10\n",
                "number into Go struct field Image.newTag of type string",
            ),
        ];
        for (text, message) in cases {
            let e = load_text(text).map(|_| ()).unwrap_err();
            assert!(e.message.contains(message), "{text:?}: {}", e.message);
        }
        let k = load_text("commonLabels:\n  flag: \"yes\"\n  empty:\nimages:\n- name: nginx\n  newTag: \"1.10\"\n")
            .expect("quoted scalars are strings");
        assert_eq!(
            k.common_labels,
            vec![
                ("flag".to_string(), "yes".to_string()),
                ("empty".to_string(), String::new())
            ]
        );
        assert_eq!(k.images[0].new_tag.as_deref(), Some("1.10"));
    }
}
