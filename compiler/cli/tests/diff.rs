//! `kubake diff` on a small Flux repository rendered twice with kubake's own Helm engine:
//! between the renders, the HelmRelease's chart version, one of its values and a
//! kustomize patch change, and the diff must show exactly the objects those touch,
//! both between two bundle folders and against a git revision (`--base`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::kubake;
use serde_json::Value as Json;

const GOTK_SYNC: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {url: https://git.example/dev.git}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  path: ./clusters/dev\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

const APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: \"nginx:{{ .Values.tag }}\"\n";

const VERSION_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-version\ndata:\n  chart: {{ .Chart.Version | quote }}\n";

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector: {app: web}\n  ports:\n    - port: 80\n";

/// The repository at one of its two states.
fn repo_files(chart_version: &str, replicas: u32, mode: &str) -> Vec<(String, String)> {
    vec![
        ("clusters/dev/flux-system/gotk-sync.yaml".into(), GOTK_SYNC.into()),
        ("clusters/dev/apps.yaml".into(), APPS.into()),
        (
            "apps/kustomization.yaml".into(),
            format!("resources: [namespace.yaml, repository.yaml, release.yaml, settings.yaml]\npatches:\n  - target: {{kind: ConfigMap, name: settings}}\n    patch: |\n      - op: replace\n        path: /data/mode\n        value: {mode}\n"),
        ),
        (
            "apps/namespace.yaml".into(),
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n".into(),
        ),
        (
            "apps/repository.yaml".into(),
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\nspec: {url: https://charts.example}\n".into(),
        ),
        (
            "apps/settings.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: apps}\ndata: {mode: slow, other: kept}\n".into(),
        ),
        (
            "apps/release.yaml".into(),
            format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: web, namespace: apps}}\nspec:\n  chart:\n    spec:\n      chart: demo\n      version: \"{chart_version}\"\n      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}\n  values:\n    replicas: {replicas}\n"),
        ),
    ]
}

/// Two versions of the chart: 1.1.0 has a newer default image tag and a Service.
fn write_charts(dir: &Path) {
    for (version, tag, service) in [("1.0.0", "1.25", false), ("1.1.0", "1.27", true)] {
        let chart = dir.join(format!("demo-{version}"));
        write(
            &chart.join("Chart.yaml"),
            &format!("apiVersion: v2\nname: demo\nversion: {version}\n"),
        );
        write(
            &chart.join("values.yaml"),
            &format!("replicas: 1\ntag: \"{tag}\"\n"),
        );
        write(&chart.join("templates/deployment.yaml"), DEPLOYMENT);
        write(&chart.join("templates/version.yaml"), VERSION_MAP);
        if service {
            write(&chart.join("templates/service.yaml"), SERVICE);
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn write_repo(repo: &Path, files: &[(String, String)]) {
    for (path, text) in files {
        write(&repo.join(path), text);
    }
}

struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new(tag: &str) -> Workspace {
        let dir =
            std::env::temp_dir().join(format!("kubake-cli-diff-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        write_charts(&dir.join("charts"));
        Workspace { dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.join("repo")
    }

    fn kubake(&self, args: &[&str]) -> Output {
        kubake()
            .args(args)
            .env("KUBAKE_CACHE_DIR", self.dir.join("cache"))
            .current_dir(&self.dir)
            .output()
            .expect("kubake runs")
    }

    fn build(&self, out: &str) {
        let o = self.kubake(&[
            "build",
            "repo/clusters/dev",
            "--root",
            "repo",
            "--charts",
            "charts",
            "--out",
            out,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }

    fn git(&self, args: &[&str]) {
        let o = std::process::Command::new("git")
            .arg("-C")
            .arg(self.repo())
            .args([
                "-c",
                "user.name=kubake",
                "-c",
                "user.email=kubake@example.invalid",
            ])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `(sign, "Kind namespace/name", paths)` for every object in a JSON diff.
fn changes(diff: &Json) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for unit in diff["units"].as_array().expect("units") {
        for (sign, list) in [("+", "added"), ("~", "changed"), ("-", "removed")] {
            for o in unit[list].as_array().expect("list") {
                let paths = o["paths"]
                    .as_array()
                    .expect("paths")
                    .iter()
                    .map(|p| p.as_str().expect("path").to_string())
                    .collect();
                out.push((
                    sign.to_string(),
                    format!(
                        "{} {}/{}",
                        o["kind"].as_str().unwrap_or(""),
                        o["namespace"].as_str().unwrap_or(""),
                        o["name"].as_str().unwrap_or("")
                    ),
                    paths,
                ));
            }
        }
    }
    out.sort();
    out
}

fn expected() -> Vec<(String, String, Vec<String>)> {
    let mut v = vec![
        ("+".into(), "Service apps/web".into(), vec![]),
        (
            "~".into(),
            "ConfigMap apps/settings".into(),
            vec!["data.mode".into()],
        ),
        (
            "~".into(),
            "ConfigMap apps/web-version".into(),
            vec!["data.chart".into()],
        ),
        (
            "~".into(),
            "Deployment apps/web".into(),
            vec![
                "spec.replicas".into(),
                "spec.template.spec.containers[0].image".into(),
            ],
        ),
    ];
    v.sort();
    v
}

#[test]
fn two_bundles_differ_in_exactly_the_objects_the_change_touches() {
    let w = Workspace::new("folders");
    write_repo(&w.repo(), &repo_files("1.0.0", 1, "fast"));
    w.build("old");
    write_repo(&w.repo(), &repo_files("1.1.0", 3, "faster"));
    w.build("new");

    let json = w.kubake(&["diff", "old", "new", "--format", "json"]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let diff: Json = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(changes(&diff), expected());
    assert_eq!(
        (
            diff["added"].as_u64(),
            diff["changed"].as_u64(),
            diff["removed"].as_u64()
        ),
        (Some(1), Some(3), Some(0))
    );

    let text = w.kubake(&["diff", "old", "new"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.ends_with("1 added, 3 changed, 0 removed objects\n"),
        "{text}"
    );
    assert!(
        text.contains("-  replicas: 1\n") && text.contains("+  replicas: 3\n"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "no colour off a terminal");

    let md = w.kubake(&["diff", "old", "new", "--format", "markdown"]);
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(
        md.starts_with("### kubake diff: 1 added, 3 changed, 0 removed objects\n"),
        "{md}"
    );
    assert_eq!(md.matches("<details>").count(), 2, "{md}"); // the Kustomization and the HelmRelease

    // The same folder twice: no changes, and --exit-code says so.
    let same = w.kubake(&["diff", "new", "new", "--exit-code"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "0 added, 0 changed, 0 removed objects\n"
    );
    assert_eq!(
        w.kubake(&["diff", "old", "new", "--exit-code"])
            .status
            .code(),
        Some(1)
    );
    let missing = w.kubake(&["diff", "old", "nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("not a folder written by `kubake build`")
    );
}

#[test]
fn the_working_tree_is_compared_with_a_git_revision() {
    let w = Workspace::new("git");
    write_repo(&w.repo(), &repo_files("1.0.0", 1, "fast"));
    w.git(&["init", "--quiet"]);
    w.git(&["add", "."]);
    w.git(&["commit", "--quiet", "-m", "first"]);
    write_repo(&w.repo(), &repo_files("1.1.0", 3, "faster"));

    let o = w.kubake(&[
        "diff",
        "--base",
        "HEAD",
        "repo/clusters/dev",
        "--root",
        "repo",
        "--charts",
        "charts",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let diff: Json = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(changes(&diff), expected());
    // The temporary worktree is gone again.
    let list = std::process::Command::new("git")
        .arg("-C")
        .arg(w.repo())
        .args(["worktree", "list"])
        .output()
        .expect("git runs");
    assert_eq!(String::from_utf8_lossy(&list.stdout).lines().count(), 1);

    let bad = w.kubake(&[
        "diff",
        "--base",
        "no-such-rev",
        "repo/clusters/dev",
        "--root",
        "repo",
        "--charts",
        "charts",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot check out \"no-such-rev\""));
}
