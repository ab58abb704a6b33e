//! `transformers:` and `generators:` entries: configurations of kustomize's built-in
//! plugins (`apiVersion: builtin`), given inline, in files, or as the output of a
//! kustomization directory. Anything else is an external plugin, which kubake (like
//! kustomize without `--enable-alpha-plugins`) refuses.

use kubake_yaml::{load_stream, Node, Schema, Value};

use crate::decode::Fields;
use crate::error::{Error, Result};
use crate::fieldspec::FieldSpec;
use crate::fs::clean;
use crate::generators::{self, GeneratorArgs, GeneratorKind, GeneratorOptions};
use crate::kustfile::{decode_patch, ImageArgs, PatchArgs};
use crate::resource::{ConfiguredBy, Origin, Resource};
use crate::target::{Accumulator, Target};
use crate::transform::{
    generated, images, labels, namespace, patches, prefix_suffix, replacements, replicas,
};

/// Loads the plugin configurations named by `entries`, each with the file it came from
/// (relative to the top directory; the kustomization itself for inline ones).
fn configs(
    t: &Target<'_, '_>,
    entries: &[crate::kustfile::Spanned],
) -> Result<Vec<(Node, String)>> {
    let mut out = Vec::new();
    for e in entries {
        let inline = load_stream(&e.value, Schema::Core12)
            .ok()
            .filter(|d| d.iter().any(|n| matches!(n.value, Value::Map(_))));
        if let Some(docs) = inline {
            let from = t.configured_in();
            out.extend(
                docs.into_iter()
                    .filter(|d| matches!(d.value, Value::Map(_)))
                    .map(|d| (d, from.clone())),
            );
            continue;
        }
        let dir = clean(&t.kust.dir.join(&e.value));
        if t.ctx().fs.is_dir(&dir) {
            let sub = Target::load(t.ctx(), &dir, vec![t.kust.dir.clone()])?;
            let ra = sub.accumulate()?;
            let from = t.relative(&dir);
            for r in ra.resmap.into_resources() {
                let file = r
                    .origin
                    .as_ref()
                    .and_then(|o| o.path.clone())
                    .unwrap_or_else(|| from.clone());
                out.push((r.node, file));
            }
            continue;
        }
        let text = t
            .read_file(&e.value)
            .map_err(|err| err.or_at(&t.kust.file, e.pos))?;
        let path = clean(&t.kust.dir.join(&e.value));
        let docs = load_stream(&text, Schema::Core12)
            .map_err(|err| Error::at(err.message, &path, err.pos))?;
        let from = t.relative(&path);
        out.extend(
            docs.into_iter()
                .filter(|d| matches!(d.value, Value::Map(_)))
                .map(|d| (d, from.clone())),
        );
    }
    Ok(out)
}

/// Who a plugin configuration is, for build metadata.
fn configured_by(config: &Node, kind: &str) -> ConfiguredBy {
    ConfiguredBy {
        api_version: "builtin".into(),
        kind: kind.to_string(),
        name: config.str_at(&["metadata", "name"]).map(str::to_string),
        namespace: config
            .str_at(&["metadata", "namespace"])
            .map(str::to_string),
    }
}

fn builtin_kind(config: &Node) -> Result<String> {
    let kind = config.str_at(&["kind"]).unwrap_or_default().to_string();
    if config.str_at(&["apiVersion"]) != Some("builtin") {
        return Err(Error::new(format!(
            "external plugins disabled; unable to load external plugin '{kind}'"
        ))
        .with_help("kubake runs only kustomize's built-in plugins (apiVersion: builtin); run the plugin separately and commit its output"));
    }
    Ok(kind)
}

/// The config without apiVersion/kind/metadata, for decoding the plugin's own fields.
fn body(config: &Node) -> Node {
    let mut m = config.as_map().cloned().unwrap_or_default();
    for k in ["apiVersion", "kind", "metadata"] {
        m.remove(k);
    }
    Node::new(Value::Map(m))
}

fn field_specs(f: &Fields<'_>) -> Result<Vec<FieldSpec>> {
    f.objects("fieldSpecs", |n| FieldSpec::decode(n, f.file()))
}

/// Runs the `transformers:` entries.
pub fn run_transformer_plugins(t: &Target<'_, '_>, ra: &mut Accumulator) -> Result<()> {
    if t.kust.transformers.is_empty() {
        return Ok(());
    }
    let file = t.kust.file.clone();
    for (config, from) in configs(t, &t.kust.transformers)? {
        let kind = builtin_kind(&config)?;
        let b = body(&config);
        let f = Fields::new(&b, &file, "plugin config")?;
        let rm = &mut ra.resmap;
        match kind.as_str() {
            "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
                let prefix = f.string("prefix")?.unwrap_or_default();
                let suffix = f.string("suffix")?.unwrap_or_default();
                prefix_suffix::apply(rm, &prefix, &suffix, &field_specs(&f)?)?;
            }
            "LabelTransformer" => {
                labels::apply(rm, &f.string_map("labels")?, &field_specs(&f)?, "labels")?
            }
            "AnnotationsTransformer" => labels::apply(
                rm,
                &f.string_map("annotations")?,
                &field_specs(&f)?,
                "annotations",
            )?,
            "NamespaceTransformer" => {
                let ns = config
                    .str_at(&["metadata", "namespace"])
                    .unwrap_or_default();
                let subjects = match f.string("setRoleBindingSubjects")?.as_deref() {
                    None | Some("") | Some("defaultOnly") => {
                        namespace::RoleBindingSubjects::DefaultOnly
                    }
                    Some("allServiceAccounts") => {
                        namespace::RoleBindingSubjects::AllServiceAccounts
                    }
                    Some("none") => namespace::RoleBindingSubjects::None,
                    Some(other) => {
                        return Err(Error::new(format!(
                            "invalid value for setRoleBindingSubjects: {other}"
                        )))
                    }
                };
                let opts = namespace::Options {
                    unset_only: f.bool("unsetOnly")?.unwrap_or(false),
                    subjects,
                };
                namespace::apply(rm, ns, &field_specs(&f)?, &opts)?;
            }
            "ImageTagTransformer" => {
                let img = f.get("imageTag").cloned().unwrap_or_else(Node::map);
                let i = Fields::new(&img, &file, "Image")?;
                let args = ImageArgs {
                    name: i.string("name")?.unwrap_or_default(),
                    new_name: i.string("newName")?,
                    new_tag: i.get("newTag").and_then(Node::scalar_text),
                    digest: i.string("digest")?,
                    pos: img.pos,
                };
                let mut specs = field_specs(&f)?;
                if specs.is_empty() {
                    specs = ra.config.images.clone();
                }
                images::apply(rm, &args, &specs)?;
            }
            "ReplicaCountTransformer" => {
                let rep = f.get("replica").cloned().unwrap_or_else(Node::map);
                let r = Fields::new(&rep, &file, "Replica")?;
                replicas::apply(
                    rm,
                    &r.string("name")?.unwrap_or_default(),
                    r.int("count")?.unwrap_or(0),
                    &field_specs(&f)?,
                )?;
            }
            "PatchTransformer" => {
                let args = decode_patch(&b, &file)?;
                patches::apply_patch_args(t, rm, &args)?;
            }
            "PatchJson6902Transformer" => {
                let mut m = b.as_map().cloned().unwrap_or_default();
                if let Some(op) = m.remove("jsonOp") {
                    m.insert("patch", op);
                }
                let args = decode_patch(&Node::new(Value::Map(m)), &file)?;
                patches::apply_json6902_args(t, rm, &args)?;
            }
            "PatchStrategicMergeTransformer" => {
                let mut inline = f
                    .strings("paths")?
                    .into_iter()
                    .map(|(p, _)| p)
                    .collect::<Vec<_>>();
                if let Some(p) = f.string("patches")? {
                    inline.push(p);
                }
                for p in inline {
                    let args = PatchArgs {
                        patch: Some(p.clone()),
                        ..PatchArgs::default()
                    };
                    let text_is_inline = p.contains('\n') || p.contains(": ");
                    let args = if text_is_inline {
                        args
                    } else {
                        PatchArgs {
                            path: Some(p),
                            patch: None,
                            ..args
                        }
                    };
                    patches::apply_patch_args(t, rm, &args)?;
                }
            }
            "ReplacementTransformer" => {
                let list = match f.get("replacements") {
                    Some(n) => {
                        let entries = n.as_seq().cloned().unwrap_or_default();
                        let inline: Vec<Node> = entries;
                        replacements::load(t, &inline)?
                    }
                    None => Vec::new(),
                };
                replacements::apply(rm, &list)?;
            }
            other => {
                return Err(Error::new(format!(
                    "unable to load builtin {other}.builtin.[noGrp]"
                )))
            }
        }
        t.record_transformation(ra, configured_by(&config, &kind), Some(from));
    }
    Ok(())
}

/// Runs the `generators:` entries.
pub fn run_generator_plugins(t: &Target<'_, '_>, ra: &mut Accumulator) -> Result<()> {
    if t.kust.generators.is_empty() {
        return Ok(());
    }
    let file = t.kust.file.clone();
    for (config, from) in configs(t, &t.kust.generators)? {
        let kind = builtin_kind(&config)?;
        let gen_kind = match kind.as_str() {
            "ConfigMapGenerator" => GeneratorKind::ConfigMap,
            "SecretGenerator" => GeneratorKind::Secret,
            "IAMPolicyGenerator" => {
                let mut res = Resource::new(iam_policy_service_account(&config, &file)?);
                if t.origin_enabled() {
                    res.origin = Some(Origin {
                        path: None,
                        configured_in: Some(from),
                        configured_by: Some(configured_by(&config, &kind)),
                    });
                }
                generated::absorb(&mut ra.resmap, res)?;
                continue;
            }
            other => {
                return Err(Error::new(format!(
                    "unable to load builtin {other}.builtin.[noGrp]"
                )))
            }
        };
        let b = body(&config);
        let f = Fields::new(&b, &file, "GeneratorArgs")?;
        let strings = |name: &str| -> Result<Vec<String>> {
            Ok(f.strings(name)?.into_iter().map(|(s, _)| s).collect())
        };
        let mut envs = strings("envs")?;
        if let Some(e) = f.string("env")? {
            envs.push(e);
        }
        let options = match f.get("options") {
            Some(o) => {
                let of = Fields::new(o, &file, "GeneratorOptions")?;
                Some(GeneratorOptions {
                    labels: of.string_map("labels")?,
                    annotations: of.string_map("annotations")?,
                    disable_name_suffix_hash: of.bool("disableNameSuffixHash")?,
                    immutable: of.bool("immutable")?,
                })
            }
            None => None,
        };
        // The generated object's name is the config's own `name` field when present (the
        // config's metadata names the plugin instance), else its metadata.
        let name = match f.string("name")? {
            Some(n) => n,
            None => config
                .str_at(&["metadata", "name"])
                .unwrap_or_default()
                .to_string(),
        };
        let namespace = match f.string("namespace")? {
            Some(n) => Some(n),
            None => config
                .str_at(&["metadata", "namespace"])
                .map(str::to_string),
        };
        let args = GeneratorArgs {
            kind: gen_kind,
            name,
            namespace,
            behavior: f.string("behavior")?,
            literals: strings("literals")?,
            files: strings("files")?,
            envs,
            secret_type: f.string("type")?,
            options,
        };
        let files = PluginFiles { target: t };
        let generated =
            generators::generate(&args, None, &files).map_err(|e| Error::new(e.to_string()))?;
        let mut res = generated::resource(generated, args.behavior.as_deref());
        if t.origin_enabled() {
            res.origin = Some(Origin {
                path: None,
                configured_in: Some(from),
                configured_by: Some(configured_by(&config, &kind)),
            });
        }
        generated::absorb(&mut ra.resmap, res)?;
    }

    Ok(())
}

struct PluginFiles<'t, 'c, 'a> {
    target: &'t Target<'c, 'a>,
}

impl generators::FileSource for PluginFiles<'_, '_, '_> {
    fn read(&self, path: &str) -> std::result::Result<Vec<u8>, String> {
        self.target.read_bytes(path).map_err(|e| e.message)
    }
}

/// kustomize's IAMPolicyGenerator: a ServiceAccount bound to a GKE workload identity.
fn iam_policy_service_account(config: &Node, file: &std::path::Path) -> Result<Node> {
    let cloud = config.str_at(&["cloud"]).unwrap_or_default();
    if cloud != "gke" {
        return Err(Error::at(
            format!("IAMPolicyGenerator: unsupported cloud {cloud:?}; only gke is supported"),
            file,
            config.pos,
        ));
    }
    let ksa = |k: &str| config.str_at(&["kubernetesService", k]).map(str::to_string);
    let gsa = |k: &str| {
        config
            .str_at(&["serviceAccount", k])
            .unwrap_or_default()
            .to_string()
    };
    let mut meta = kubake_yaml::Mapping::new();
    meta.insert("name", Node::str(ksa("name").unwrap_or_default()));
    if let Some(ns) = ksa("namespace") {
        meta.insert("namespace", Node::str(ns));
    }
    let mut annotations = kubake_yaml::Mapping::new();
    annotations.insert(
        "iam.gke.io/gcp-service-account",
        Node::str(format!(
            "{}@{}.iam.gserviceaccount.com",
            gsa("name"),
            gsa("projectId")
        )),
    );
    meta.insert("annotations", Node::new(Value::Map(annotations)));
    let mut sa = kubake_yaml::Mapping::new();
    sa.insert("apiVersion", Node::str("v1"));
    sa.insert("kind", Node::str("ServiceAccount"));
    sa.insert("metadata", Node::new(Value::Map(meta)));
    Ok(Node::new(Value::Map(sa)))
}
