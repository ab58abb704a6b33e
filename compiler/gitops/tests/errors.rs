//! Builds that fail on purpose, one small repository each (written to a temporary
//! directory): every failure must name the file to look at and the chain of units that
//! led there, and say what to do.

use std::path::{Path, PathBuf};

use kubake_gitops::{compile, Compilation, Error, ErrorKind, Options, UnavailableRenderer};

/// A repository written from `(path, content)` pairs, removed when dropped.
struct Scenario {
    dir: PathBuf,
}

impl Scenario {
    fn new(tag: &str, files: &[(&str, &str)]) -> Scenario {
        let dir =
            std::env::temp_dir().join(format!("kubake-gitops-errors-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(p, content);
        }
        Scenario { dir }
    }

    fn compile(&self, entry: &str) -> Compilation {
        let opts = Options {
            entry: self
                .dir
                .join("repo")
                .join(entry)
                .to_string_lossy()
                .into_owned(),
            root: Some(self.dir.join("repo")),
            charts: vec![self.dir.join("charts")],
            ..Options::default()
        };
        match compile(&opts, &UnavailableRenderer) {
            Ok(c) => c,
            Err(e) => panic!("the build did not start: {e}"),
        }
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const GOTK_SYNC: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {url: https://git.example/dev.git}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  path: ./clusters/dev\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

fn kustomization(name: &str, path: &str, extra: &str) -> String {
    format!("apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {{name: {name}, namespace: flux-system}}\nspec:\n  path: {path}\n  sourceRef: {{kind: GitRepository, name: flux-system}}\n{extra}")
}

fn release(version: &str, extra: &str) -> String {
    format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: web, namespace: apps}}\nspec:\n  chart:\n    spec:\n      chart: demo\n      version: \"{version}\"\n      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}\n{extra}")
}

fn failure(c: &Compilation, kind: ErrorKind) -> &Error {
    let all = c.failures();
    match all.iter().find(|e| e.kind() == kind) {
        Some(e) => e,
        None => panic!(
            "no {kind:?} error among {:?}",
            all.iter().map(ToString::to_string).collect::<Vec<_>>()
        ),
    }
}

fn chain(e: &Error) -> Vec<String> {
    e.units().iter().map(ToString::to_string).collect()
}

fn apps_repo(tag: &str, release_text: &str, stored: &[&str]) -> Scenario {
    let mut files: Vec<(String, String)> = vec![
        (
            "repo/clusters/dev/flux-system/gotk-sync.yaml".into(),
            GOTK_SYNC.into(),
        ),
        (
            "repo/clusters/dev/apps.yaml".into(),
            kustomization("apps", "./apps", ""),
        ),
        (
            "repo/apps/kustomization.yaml".into(),
            "resources: [namespace.yaml, release.yaml]\n".into(),
        ),
        (
            "repo/apps/namespace.yaml".into(),
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n".into(),
        ),
        ("repo/apps/release.yaml".into(), release_text.into()),
    ];
    for v in stored {
        files.push((format!("charts/demo-{v}.tgz"), String::new()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    Scenario::new(tag, &refs)
}

const APPS_CHAIN: [&str; 3] = [
    "Kustomization/flux-system/flux-system",
    "Kustomization/flux-system/apps",
    "HelmRelease/apps/web",
];

#[test]
fn depends_on_cycle() {
    let s = Scenario::new(
        "cycle",
        &[
            ("repo/clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC),
            (
                "repo/clusters/dev/layers.yaml",
                &format!(
                    "{}---\n{}",
                    kustomization("infra", "./infra", "  dependsOn: [{name: apps}]\n"),
                    kustomization("apps", "./infra", "  dependsOn: [{name: infra}]\n")
                ),
            ),
            (
                "repo/infra/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\n",
            ),
        ],
    );
    let c = s.compile("clusters/dev");
    let e = failure(&c, ErrorKind::Cycle);
    assert_eq!(
        e.message(),
        "dependsOn cycle: Kustomization/flux-system/apps -> Kustomization/flux-system/infra -> Kustomization/flux-system/apps"
    );
    assert_eq!(e.file(), Some(Path::new("clusters/dev/layers.yaml")));
    assert_eq!(
        chain(e),
        [
            "Kustomization/flux-system/flux-system",
            "Kustomization/flux-system/apps"
        ]
    );
    assert!(e.help().is_some());
}

#[test]
fn missing_chart_version_lists_the_store() {
    let s = apps_repo("missing-version", &release("2.x", ""), &["1.0.0", "1.4.0"]);
    let c = s.compile("clusters/dev");
    let e = failure(&c, ErrorKind::Chart);
    assert!(
        e.message()
            .contains("no version of chart \"demo\" matches \"2.x\""),
        "{e}"
    );
    assert!(
        e.message().contains("the stores hold demo 1.0.0, 1.4.0"),
        "{e}"
    );
    assert_eq!(e.file(), Some(Path::new("apps/release.yaml")));
    assert_eq!(chain(e), APPS_CHAIN);
}

#[test]
fn bad_semver_range() {
    let s = apps_repo("bad-range", &release(">=1.0 <<2", ""), &["1.0.0"]);
    let c = s.compile("clusters/dev");
    let e = failure(&c, ErrorKind::Chart);
    assert!(
        e.message()
            .starts_with("invalid version constraint \">=1.0 <<2\""),
        "{e}"
    );
    assert_eq!(e.file(), Some(Path::new("apps/release.yaml")));
    assert_eq!(chain(e), APPS_CHAIN);
}

#[test]
fn unresolved_values_from() {
    let s = apps_repo(
        "values-from",
        &release(
            "1.x",
            "  valuesFrom:\n    - kind: ConfigMap\n      name: web-values\n",
        ),
        &["1.0.0"],
    );
    let c = s.compile("clusters/dev");
    let e = failure(&c, ErrorKind::Values);
    assert!(
        e.message()
            .contains("ConfigMap chart values reference 'apps/web-values'"),
        "{e}"
    );
    assert_eq!(e.file(), Some(Path::new("apps/release.yaml")));
    assert!(e.pos().is_known(), "the valuesFrom entry's position");
    assert_eq!(chain(e), APPS_CHAIN);
    assert!(e.help().is_some_and(|h| h.contains("optional")));
}

#[test]
fn broken_patch_in_a_child_kustomization() {
    let s = Scenario::new(
        "patch",
        &[
            ("repo/clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC),
            (
                "repo/clusters/dev/apps.yaml",
                &kustomization(
                    "apps",
                    "./apps",
                    "  patches:\n    - target: {kind: ConfigMap}\n      patch: |\n        - op: replace\n          path: /data/missing\n          value: x\n",
                ),
            ),
            ("repo/apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: default}\ndata: {b: c}\n"),
        ],
    );
    let c = s.compile("clusters/dev");
    let e = failure(&c, ErrorKind::Kustomize);
    assert_eq!(
        chain(e),
        [
            "Kustomization/flux-system/flux-system",
            "Kustomization/flux-system/apps"
        ]
    );
    assert_eq!(e.file(), Some(Path::new("clusters/dev/apps.yaml")), "{e}");
    assert!(
        e.to_string()
            .contains("building apps for Kustomization/flux-system/apps"),
        "{e}"
    );
}

#[test]
fn namespaced_objects_of_a_flux_kustomization_need_a_namespace() {
    let s = Scenario::new(
        "namespace",
        &[
            ("repo/clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC),
            (
                "repo/clusters/dev/apps.yaml",
                &kustomization("apps", "./apps", ""),
            ),
            (
                "repo/apps/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
            ),
            (
                "repo/apps/ns.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n",
            ),
        ],
    );
    let c = s.compile("clusters/dev");
    let e = failure(&c, ErrorKind::Namespace);
    assert_eq!(e.message(), "ConfigMap/settings: namespace not specified");
    assert_eq!(e.file(), Some(Path::new("apps/cm.yaml")));
    assert_eq!(
        chain(e),
        [
            "Kustomization/flux-system/flux-system",
            "Kustomization/flux-system/apps"
        ]
    );
    assert!(e.help().is_some_and(|h| h.contains("targetNamespace")));
}
