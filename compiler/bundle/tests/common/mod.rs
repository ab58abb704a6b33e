//! Shared test helpers: the fixture repositories, copies of them in temporary
//! directories (optionally created in reverse order, so that nothing can depend on the
//! order a directory lists in), and [`EchoRenderer`], a stand-in for Helm that renders a
//! chart into objects describing the request, so the chart pipeline can be checked
//! before the Helm layer lands.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kubake_gitops::{
    ChartLocation, ChartRenderer, ChartRequest, RenderError, RenderedChart, RenderedDocument,
};
use serde_json::json;

/// `fixtures/gitops/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/gitops")
        .join(name)
}

/// A fresh temporary directory (removed first if it exists).
pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kubake-bundle-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::create_dir_all(&d);
    d
}

/// Copies the tree `src` to `dst`, creating entries in reverse name order when `reverse`.
pub fn copy_tree(src: &Path, dst: &Path, reverse: bool) {
    let _ = std::fs::create_dir_all(dst);
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    if reverse {
        entries.reverse();
    }
    for p in entries {
        let Some(name) = p.file_name() else { continue };
        let target = dst.join(name);
        if p.is_dir() {
            copy_tree(&p, &target, reverse);
        } else {
            let _ = std::fs::copy(&p, &target);
        }
    }
}

/// A fixture copied to a temporary directory, removed when dropped.
pub struct Copy {
    /// The copy's directory.
    pub dir: PathBuf,
    /// Its repository root.
    pub repo: PathBuf,
    /// Its chart store.
    pub charts: PathBuf,
}

impl Drop for Copy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Copies fixture `name` to a temporary directory (in reverse creation order when
/// `reverse`).
pub fn fixture_copy(name: &str, tag: &str, reverse: bool) -> Copy {
    let dir = temp_dir(tag);
    copy_tree(&fixture(name), &dir, reverse);
    Copy {
        repo: dir.join("repo"),
        charts: dir.join("charts"),
        dir,
    }
}

/// Renders a request into a Deployment, a ConfigMap holding the request's values, API
/// versions and flags, the chart directory's `crds/` files, a pre-install hook and (unless
/// tests are skipped) a test hook.
pub struct EchoRenderer;

fn doc(source: &str, v: &serde_json::Value) -> RenderedDocument {
    RenderedDocument::new(
        source,
        kubake_yaml::to_yaml(&kubake_yaml::json::from_json(v)),
    )
}

impl ChartRenderer for EchoRenderer {
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
        let chart = &req.chart_name;
        let rel = &req.release_name;
        let image = match (
            req.values
                .get("image")
                .and_then(|i| i.get("repository"))
                .and_then(|r| r.as_str()),
            req.values
                .get("image")
                .and_then(|i| i.get("tag"))
                .and_then(|r| r.as_str()),
        ) {
            (Some(r), Some(t)) => format!("{r}:{t}"),
            _ => "nginx:stable".to_string(),
        };
        let mut out = RenderedChart::default();
        out.manifests.push(doc(
            &format!("{chart}/templates/deployment.yaml"),
            &json!({
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": rel, "labels": {"helm.sh/chart": format!("{chart}-{}", req.chart_version)}},
                "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}
            }),
        ));
        out.manifests.push(doc(
            &format!("{chart}/templates/echo.yaml"),
            &json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": format!("{rel}-echo")},
                "data": {
                    "values": serde_json::to_string(&req.values).unwrap_or_default(),
                    "apiVersions": req.api_versions.join(","),
                    "kubeVersion": req.kube_version,
                    "flags": format!("crds={} tests={} schema={}", req.include_crds, !req.skip_tests, !req.skip_schema_validation),
                }
            }),
        ));
        out.hooks.push(doc(
            &format!("{chart}/templates/migrate.yaml"),
            &json!({
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": format!("{rel}-migrate"), "annotations": {"helm.sh/hook": "pre-install"}}
            }),
        ));
        if !req.skip_tests {
            out.hooks.push(doc(
                &format!("{chart}/templates/tests/ping.yaml"),
                &json!({
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": format!("{rel}-test"), "annotations": {"helm.sh/hook": "test"}}
                }),
            ));
        }
        if req.include_crds {
            if let ChartLocation::Directory(dir) = &req.chart {
                let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("crds"))
                    .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
                    .unwrap_or_default();
                files.sort();
                for f in files {
                    let text = std::fs::read_to_string(&f).unwrap_or_default();
                    let source = format!(
                        "{chart}/crds/{}",
                        f.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    );
                    out.crds.push(RenderedDocument::new(source, text));
                }
            }
        }
        Ok(out)
    }
}

/// Options building a `flux-garage` copy (entry `clusters/garage`, its chart store) into
/// `out`, on two threads, without a cache.
pub fn garage_options(copy: &Copy, out: &Path) -> kubake_bundle::BuildOptions {
    kubake_bundle::BuildOptions {
        gitops: kubake_gitops::Options {
            entry: copy
                .repo
                .join("clusters/garage")
                .to_string_lossy()
                .into_owned(),
            root: Some(copy.repo.clone()),
            charts: vec![copy.charts.clone()],
            ..Default::default()
        },
        out: out.to_path_buf(),
        threads: Some(2),
        ..kubake_bundle::BuildOptions::default()
    }
}
