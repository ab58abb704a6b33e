//! Argo CD `Application`s: each source (`spec.sources`, else `spec.source`) rendered by
//! its type — a chart from the chart stores, or a `path` of a repository typed by an
//! explicit `helm`/`kustomize`/`directory` field, else by a kustomization file
//! (kustomize), a `Chart.yaml` (Helm), or neither (directory). A source with only `ref`
//! renders nothing; it only names a repository for `$ref/...` value files.
//!
//! Objects without a namespace get the destination namespace; Helm hooks Argo CD would
//! not run are dropped (both applied by the engine from the [`UnitOutput`]). Not here:
//! the source types themselves (`kustomize`, `directory`, `helm`).

pub mod directory;
pub mod helm;
pub mod kustomize;

use std::collections::BTreeMap;
use std::path::PathBuf;

use kubake_yaml::Node;

use crate::charts::{self, ResolvedChart};
use crate::error::{Error, ErrorKind};
use crate::expand::{Ctx, Outcome, Step, UnitOutput};
use crate::fs::{join_in_root, rel_string};
use crate::object;
use crate::render::ChartLocation;
use crate::unit::Unit;

/// Argo CD's own namespace, where Applications without one live.
pub const DEFAULT_NAMESPACE: &str = "argocd";

/// Expands an Application unit.
pub fn expand(ctx: &Ctx<'_>, unit: &Unit) -> Outcome {
    run(ctx, unit).into()
}

fn run(ctx: &Ctx<'_>, unit: &Unit) -> Step<Outcome> {
    let def = &unit.definition;
    let file = unit.source.clone();
    let fail = |kind: ErrorKind, msg: String| -> Error {
        let e = ctx.error(kind, msg);
        match &file {
            Some(f) => e.in_file(f),
            None => e,
        }
    };
    let dest_ns = def
        .str_at(&["spec", "destination", "namespace"])
        .unwrap_or("")
        .to_string();
    let sources: Vec<&Node> = match def.get_path(&["spec", "sources"]).and_then(Node::as_seq) {
        Some(s) if !s.is_empty() => s.iter().collect(),
        _ => def.get_path(&["spec", "source"]).into_iter().collect(),
    };
    if sources.is_empty() {
        return Err(fail(
            ErrorKind::Definition,
            "the Application has no spec.source or spec.sources".into(),
        )
        .into());
    }

    // `ref` sources: repositories named for value files.
    let mut refs: BTreeMap<String, PathBuf> = BTreeMap::new();
    for s in &sources {
        if let Some(r) = s.str_at(&["ref"]).filter(|r| !r.is_empty()) {
            if let Some(dir) = repo_dir(ctx, s.str_at(&["repoURL"]).unwrap_or("")) {
                refs.insert(r.to_string(), dir);
            }
        }
    }

    let mut output = UnitOutput {
        default_namespace: (!dest_ns.is_empty()).then(|| dest_ns.clone()),
        argo_hooks: true,
        ..UnitOutput::default()
    };
    let mut jobs = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        let repo_url = s.str_at(&["repoURL"]).unwrap_or("");
        let chart = s.str_at(&["chart"]).filter(|c| !c.is_empty());
        let path = s.get("path").and_then(object::scalar_string);
        let at = |msg: String| fail(ErrorKind::Source, format!("source {}: {msg}", i + 1));
        if let Some(chart_name) = chart {
            let version = s.str_at(&["targetRevision"]).unwrap_or("*");
            let found = ctx.stores.resolve(chart_name, version).map_err(|e| {
                e.in_units(&ctx.chain)
                    .in_file(file.clone().unwrap_or_default())
            })?;
            let sha = charts::digest(&found.location).map_err(|e| {
                at(format!(
                    "cannot read {}: {e}",
                    found.location.path().display()
                ))
            })?;
            output.charts.push(ResolvedChart {
                name: found.name.clone(),
                version: found.version.clone(),
                sha256: sha,
            });
            let hs = helm::HelmSource {
                app_name: &unit.id.name,
                dest_namespace: &dest_ns,
                chart: found.location,
                chart_name: found.name,
                chart_version: found.version,
                repo_root: None,
                refs: &refs,
                kube_version: ctx.cfg.kube_version.clone(),
                file: file.clone(),
                root: &ctx.cfg.root,
            };
            jobs.push(helm::job(&hs, s.get("helm")).map_err(|e| e.in_units(&ctx.chain))?);
            continue;
        }
        let Some(path) = path else {
            if s.get("ref").is_some() {
                continue;
            }
            return Err(at("neither chart nor path is set".into()).into());
        };
        let Some(repo) = repo_dir(ctx, repo_url) else {
            return Err(at(format!("repoURL {repo_url} is not this repository"))
                .with_help(format!(
                    "declare it with --repo-url {repo_url} (or repoURLs in kubake.yaml), or map it to a checkout with --source {repo_url}=DIR"
                ))
                .into());
        };
        let Some(dir) = join_in_root(&repo, &path) else {
            return Err(at(format!("path {path:?} climbs out of the repository")).into());
        };
        if !dir.is_dir() {
            return Err(at(format!(
                "path {} does not exist in the repository",
                rel_string(&ctx.cfg.root, &dir)
            ))
            .with_help(format!(
                "source paths are relative to the repository root, taken to be {}; pass --root if the repository is elsewhere",
                ctx.cfg.root.display()
            ))
            .into());
        }
        let explicit_helm = s.get("helm").is_some_and(|h| !h.is_null());
        let explicit_kustomize = s.get("kustomize").is_some_and(|h| !h.is_null());
        let explicit_directory = s.get("directory").is_some_and(|h| !h.is_null());
        if s.get("plugin").is_some_and(|p| !p.is_null()) {
            return Err(at("config management plugins are not supported".into()).into());
        }
        let is_helm = explicit_helm
            || (!explicit_kustomize
                && !explicit_directory
                && crate::kfile::find(&dir).is_none()
                && dir.join("Chart.yaml").is_file());
        let is_kustomize = explicit_kustomize
            || (!explicit_helm && !explicit_directory && crate::kfile::find(&dir).is_some());
        if is_helm {
            let (name, version) = charts::chart_dir_identity(&dir).unwrap_or_default();
            let hs = helm::HelmSource {
                app_name: &unit.id.name,
                dest_namespace: &dest_ns,
                chart: ChartLocation::Directory(dir.clone()),
                chart_name: name,
                chart_version: version,
                repo_root: Some(repo.clone()),
                refs: &refs,
                kube_version: ctx.cfg.kube_version.clone(),
                file: file.clone(),
                root: &ctx.cfg.root,
            };
            jobs.push(helm::job(&hs, s.get("helm")).map_err(|e| e.in_units(&ctx.chain))?);
        } else if is_kustomize {
            let built = kustomize::build(
                ctx.cache,
                &dir,
                s.get("kustomize"),
                &repo,
                &ctx.cfg.root,
                file.as_deref(),
            )
            .map_err(|e| {
                e.in_units(&ctx.chain).context(format!(
                    "building {} for {}",
                    rel_string(&ctx.cfg.root, &dir),
                    unit.id
                ))
            })?;
            output.objects.extend(built);
        } else {
            let objs = directory::read(&dir, s.get("directory"), &ctx.cfg.root)
                .map_err(|e| e.in_units(&ctx.chain))?;
            output.objects.extend(objs);
        }
    }
    if jobs.is_empty() {
        Ok(Outcome::Done(output))
    } else {
        Ok(Outcome::Render(output, jobs))
    }
}

/// The directory of a repository an Application names: this repository, or one mapped
/// with `--source URL=DIR`.
fn repo_dir(ctx: &Ctx<'_>, url: &str) -> Option<PathBuf> {
    if let Some(d) = ctx.cfg.source_by_url(url) {
        return Some(d.to_path_buf());
    }
    ctx.cfg.is_this_repo(url).then(|| ctx.cfg.root.clone())
}
