//! A whole `kustomize build`: load the top kustomization, accumulate, then the steps that
//! run once per build (hash suffixes, name references, vars, local-config removal,
//! sorting, build metadata) — `api/krusty/kustomizer.go` and `makeCustomizedResMap`.

use std::path::Path;

use kubake_yaml::Node;

use crate::error::{Error, Result};
use crate::fs::{clean, FileSystem};
use crate::kustfile;
use crate::openapi::Schema as MergeSchema;
use crate::resource::Resource;
use crate::target::{BuildContext, LoadRestrictor, Target};
use crate::transform::{hash, namereference, sort, vars};

/// Options of a build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// The load restrictor.
    pub load_restrictor: LoadRestrictor,
    /// `--enable-helm`: what inflates `helmCharts`; `None` makes them an error, as
    /// kustomize without the flag does.
    pub helm: Option<crate::helm_charts::HelmSupport>,
}

/// Builds the kustomization in `dir`, returning the objects in output order.
pub fn build(fs: &dyn FileSystem, dir: &Path, opts: &BuildOptions) -> Result<Vec<Node>> {
    let dir = match std::path::absolute(dir) {
        Ok(abs) => clean(&abs),
        Err(_) => clean(dir),
    };
    let top = kustfile::load(fs, &dir)?;
    let ctx = BuildContext {
        fs,
        restrictor: opts.load_restrictor,
        helm: opts.helm.as_ref(),
        top_dir: dir.clone(),
        build_metadata: top.build_metadata.clone(),
        schema: std::sync::OnceLock::new(),
        schema_used: false.into(),
    };
    ctx.adopt_schema(&top)?;
    let target = Target::load(&ctx, &dir, Vec::new())?;
    let mut ra = target.accumulate()?;
    hash::apply(&mut ra.resmap)?;
    namereference::apply(&mut ra.resmap, &ra.config)?;
    vars::apply(&mut ra.resmap, &ra.vars, &ra.config)?;
    ra.resmap.resources_mut().retain(|r| !is_local_config(r));
    sort::apply(&mut ra.resmap, top.sort_options.as_ref())?;
    Ok(ra
        .resmap
        .into_resources()
        .into_iter()
        .map(|r| finish(r, &top.build_metadata))
        .collect())
}

/// The merge schema a kustomization's `openapi` field names, or `None` when it names none;
/// `over_builtin` layers a custom document over the builtin definitions.
pub(crate) fn merge_schema(
    fs: &dyn FileSystem,
    k: &kustfile::Kustomization,
    over_builtin: bool,
) -> Result<Option<MergeSchema>> {
    let get = |key: &str| {
        k.openapi
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    match (get("path"), get("version")) {
        (Some(_), Some(_)) => Err(Error::at(
            "builtin version and custom schema provided, cannot use both",
            &k.file,
            kubake_yaml::Pos::NONE,
        )),
        (None, Some(v)) if v != "v1.21.2" => Err(Error::at(
            "the specified OpenAPI version is not built in",
            &k.file,
            kubake_yaml::Pos::NONE,
        )
        .with_help("kubake, like kustomize v5.6, has only the v1.21.2 schema built in; omit `version` or give a `path`")),
        (Some(path), None) => {
            let full = clean(&k.dir.join(&path));
            let bytes = fs.read(&full).map_err(|_| {
                Error::new(format!(
                    "evalsymlink failure on '{}' : lstat {}: no such file or directory",
                    full.display(),
                    full.display()
                ))
            })?;
            let text = String::from_utf8_lossy(&bytes);
            let doc = kubake_yaml::load_one(&text, kubake_yaml::Schema::Core12)
                .map_err(|e| Error::at(e.message, &full, e.pos))?;
            let schema = if over_builtin {
                MergeSchema::with_custom_over_builtin(&doc)
            } else {
                MergeSchema::with_custom(&doc)
            };
            schema
                .map(Some)
                .map_err(|e| Error::at(e, &full, kubake_yaml::Pos::NONE))
        }
        (None, Some(_)) => Ok(Some(MergeSchema::builtin())),
        (None, None) => Ok(None),
    }
}

fn is_local_config(r: &Resource) -> bool {
    r.string_map("annotations")
        .iter()
        .any(|(k, v)| k == "config.kubernetes.io/local-config" && v != "false")
}

/// kustomize gives every resource internal annotations while it builds and removes them
/// at the end, clearing the field when nothing is left: an empty or null
/// `metadata.annotations` never reaches the output.
fn drop_empty_annotations(node: &mut Node) {
    let Some(meta) = node.as_map_mut().and_then(|m| m.get_mut("metadata")) else {
        return;
    };
    let Some(meta) = meta.as_map_mut() else {
        return;
    };
    if meta
        .get("annotations")
        .is_some_and(|a| a.is_null() || a.as_map().is_some_and(|m| m.is_empty()))
    {
        meta.remove("annotations");
    }
}

fn finish(mut r: Resource, meta: &[String]) -> Node {
    drop_empty_annotations(&mut r.node);
    let has = |m: &str| meta.iter().any(|x| x == m);
    let origin = r.origin.take().filter(|_| has("originAnnotations"));
    let transformations = std::mem::take(&mut r.transformations);
    let transformations =
        (has("transformerAnnotations") && !transformations.is_empty()).then_some(transformations);
    let managed_by = has("managedByLabel");
    if origin.is_none() && transformations.is_none() && !managed_by {
        return r.node;
    }
    let Some(root) = r.node.as_map_mut() else {
        return r.node;
    };
    let meta = root.get_or_insert_with("metadata", Node::map);
    let Some(meta) = meta.as_map_mut() else {
        return r.node;
    };
    if managed_by {
        if let Some(l) = meta.get_or_insert_with("labels", Node::map).as_map_mut() {
            l.insert(
                "app.kubernetes.io/managed-by",
                Node::str("kustomize-v5.6.0"),
            );
        }
    }
    if let Some(a) = meta
        .get_or_insert_with("annotations", Node::map)
        .as_map_mut()
    {
        if let Some(o) = origin {
            a.insert("config.kubernetes.io/origin", Node::str(o.to_yaml("", "")));
        }
        if let Some(ts) = transformations {
            let text: String = ts.iter().map(|t| t.to_yaml("- ", "  ")).collect();
            a.insert(
                "alpha.config.kubernetes.io/transformations",
                Node::str(text),
            );
        }
    }
    r.node
}
