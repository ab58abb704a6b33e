//! Entrypoints and configuration: what kind of repository an entry is, which units are
//! its roots, and how `kubake.yaml` and the options combine.

use std::path::PathBuf;

use kubake_gitops::{compile, Flavor, Options, UnavailableRenderer, UnitStatus};

struct Tree {
    dir: PathBuf,
}

impl Tree {
    fn new(tag: &str, files: &[(&str, &str)]) -> Tree {
        let dir =
            std::env::temp_dir().join(format!("kubake-gitops-entry-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, content) in files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(p, content);
        }
        Tree { dir }
    }
    fn path(&self, rel: &str) -> String {
        self.dir.join(rel).to_string_lossy().into_owned()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";
const KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  path: ./apps\n  targetNamespace: apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

fn ids(c: &kubake_gitops::Compilation) -> Vec<String> {
    c.units.iter().map(|u| u.unit.id.to_string()).collect()
}

#[test]
fn a_flux_directory_without_bootstrap_gets_the_bootstrap_root() {
    let t = Tree::new(
        "flux-plain",
        &[
            ("repo/.git/HEAD", "ref: refs/heads/main\n"),
            ("repo/clusters/lab/apps.yaml", KS),
            ("repo/apps/cm.yaml", CM),
        ],
    );
    let c = compile(
        &Options {
            entry: t.path("repo/clusters/lab"),
            ..Options::default()
        },
        &UnavailableRenderer,
    );
    let c = c.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.flavor, Flavor::Flux);
    assert_eq!(
        ids(&c),
        [
            "Kustomization/flux-system/flux-system",
            "Kustomization/flux-system/apps"
        ]
    );
    assert!(c
        .warnings
        .iter()
        .any(|w| w.contains("no flux-system/gotk-sync.yaml")));
    let apps = &c.units[1];
    assert!(matches!(apps.status, UnitStatus::Built));
    assert_eq!(
        apps.objects[0].node.str_at(&["metadata", "namespace"]),
        Some("apps")
    );
    assert_eq!(
        c.config.root,
        t.dir.join("repo"),
        "the root is the enclosing git work tree"
    );
}

#[test]
fn a_plain_kustomization_is_one_unit() {
    let t = Tree::new(
        "kustomize",
        &[
            ("repo/kubake.yaml", "flavor: kustomize\n"),
            (
                "repo/app/kustomization.yaml",
                "namespace: web\nresources: [cm.yaml]\n",
            ),
            ("repo/app/cm.yaml", CM),
        ],
    );
    let c = compile(
        &Options {
            entry: t.path("repo/app"),
            ..Options::default()
        },
        &UnavailableRenderer,
    );
    let c = c.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.flavor, Flavor::Kustomize);
    assert_eq!(ids(&c), ["Kustomize//app"]);
    assert_eq!(c.units[0].objects.len(), 1);
    assert!(!c.units[0].objects[0].compiled_away);
}

#[test]
fn an_argo_folder_of_root_applications() {
    let app = |name: &str| {
        format!("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}}}\nspec:\n  source: {{repoURL: 'https://git.example/r.git', path: {name}}}\n  destination: {{namespace: {name}}}\n")
    };
    let t = Tree::new(
        "argo-folder",
        &[
            ("repo/.git/HEAD", "x"),
            ("repo/roots/a.yaml", &app("a")),
            ("repo/roots/b.yml", &app("b")),
            ("repo/a/cm.yaml", CM),
            ("repo/b/cm.yaml", CM),
        ],
    );
    let c = compile(
        &Options {
            entry: t.path("repo/roots"),
            ..Options::default()
        },
        &UnavailableRenderer,
    );
    let c = c.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.flavor, Flavor::ArgoCd);
    assert_eq!(ids(&c), ["Application/argocd/a", "Application/argocd/b"]);
    let ns: Vec<&str> = c
        .units
        .iter()
        .filter_map(|u| u.objects[0].node.str_at(&["metadata", "namespace"]))
        .collect();
    assert_eq!(ns, ["a", "b"], "objects get the destination namespace");
}

#[test]
fn kubake_yaml_names_entrypoints_and_flags_override_it() {
    let t = Tree::new(
        "config",
        &[
            (
                "repo/kubake.yaml",
                "entrypoints:\n  lab: clusters/lab\nrepoURLs: [https://git.example/other.git]\nkubeVersion: '1.30'\nvariables: {GREETING: hello}\n",
            ),
            ("repo/clusters/lab/apps.yaml", &KS.replace("  targetNamespace: apps\n", "  targetNamespace: apps\n  postBuild: {substitute: {}}\n")),
            ("repo/apps/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata: {a: '${GREETING}'}\n"),
        ],
    );
    let opts = Options {
        entry: "lab".into(),
        root: Some(t.dir.join("repo")),
        kube_version: Some("v1.31.4".into()),
        ..Options::default()
    };
    let c = compile(&opts, &UnavailableRenderer).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.config.kube_version, "v1.31.4");
    assert_eq!(
        c.config.repo_urls.first().map(String::as_str),
        Some("git.example/other")
    );
    let apps = c
        .units
        .iter()
        .find(|u| u.unit.id.name == "apps")
        .map(|u| u.objects[0].node.clone());
    assert_eq!(
        apps.and_then(|n| n.str_at(&["data", "a"]).map(str::to_string))
            .as_deref(),
        Some("hello")
    );
}

#[test]
fn unknown_entries_and_fields_are_explained() {
    let t = Tree::new(
        "bad",
        &[
            ("repo/kubake.yaml", "entrypoint: {}\n"),
            ("repo/x/readme.md", "hi"),
        ],
    );
    let e = compile(
        &Options {
            entry: t.path("repo/x"),
            ..Options::default()
        },
        &UnavailableRenderer,
    )
    .err();
    let e = e
        .map(|e| (e.to_string(), e.help().unwrap_or("").to_string()))
        .unwrap_or_default();
    assert!(e.0.contains("unknown field \"entrypoint\""), "{e:?}");
    assert_eq!(e.1, "did you mean \"entrypoints\"?");
    let t = Tree::new(
        "unknown",
        &[("repo/.git/HEAD", "x"), ("repo/x/readme.md", "hi")],
    );
    let e = compile(
        &Options {
            entry: t.path("repo/x"),
            ..Options::default()
        },
        &UnavailableRenderer,
    )
    .err();
    assert!(e.is_some_and(|e| e.message().starts_with("cannot tell what x is")));
}

#[test]
fn without_git_the_root_follows_from_the_bootstrap_path() {
    let sync = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  path: ./clusters/lab\n  sourceRef: {kind: GitRepository, name: flux-system}\n";
    let t = Tree::new(
        "bootstrap-root",
        &[
            ("checkout/clusters/lab/flux-system/gotk-sync.yaml", sync),
            (
                "checkout/clusters/lab/flux-system/kustomization.yaml",
                "resources: [gotk-sync.yaml]\n",
            ),
            (
                "checkout/clusters/lab/cm.yaml",
                &CM.replace("name: settings}", "name: settings, namespace: flux-system}"),
            ),
        ],
    );
    let c = compile(
        &Options {
            entry: t.path("checkout/clusters/lab"),
            ..Options::default()
        },
        &UnavailableRenderer,
    );
    let c = c.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.config.root, t.dir.join("checkout"));
    assert!(c.failures().is_empty(), "{:?}", c.failures());
}

const SYNC: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  path: ./clusters/lab\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

#[test]
fn other_sources_come_from_source_mappings() {
    let ks = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: infra, namespace: flux-system}\nspec: {url: https://git.example/infra.git}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: flux-system}\nspec:\n  path: ./base\n  targetNamespace: infra\n  sourceRef: {kind: GitRepository, name: infra}\n";
    let t = Tree::new(
        "sources",
        &[
            ("repo/.git/HEAD", "x"),
            ("repo/clusters/lab/flux-system/gotk-sync.yaml", SYNC),
            (
                "repo/clusters/lab/flux-system/kustomization.yaml",
                "resources: [gotk-sync.yaml]\n",
            ),
            ("repo/clusters/lab/infra.yaml", ks),
            ("infra-checkout/base/cm.yaml", CM),
        ],
    );
    let unmapped = compile(
        &Options {
            entry: t.path("repo/clusters/lab"),
            ..Options::default()
        },
        &UnavailableRenderer,
    );
    let unmapped = unmapped.unwrap_or_else(|e| panic!("{e}"));
    let e = unmapped
        .failures()
        .into_iter()
        .next()
        .map(|e| (e.to_string(), e.help().unwrap_or("").to_string()));
    let e = e.unwrap_or_default();
    assert!(e.0.contains("GitRepository flux-system/infra (https://git.example/infra.git) is not this repository"), "{e:?}");
    assert!(e.1.contains("--source flux-system/infra=DIR"), "{e:?}");

    let opts = Options {
        entry: t.path("repo/clusters/lab"),
        sources: vec![("infra".into(), t.dir.join("infra-checkout"))],
        ..Options::default()
    };
    let c = compile(&opts, &UnavailableRenderer).unwrap_or_else(|e| panic!("{e}"));
    assert!(c.failures().is_empty(), "{:?}", c.failures());
    let infra = c
        .units
        .iter()
        .find(|u| u.unit.id.name == "infra")
        .map(|u| u.objects.len());
    assert_eq!(infra, Some(1));
}

#[test]
fn oci_chart_refs_resolve_against_the_store() {
    let objs = "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n---\napiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: OCIRepository\nmetadata: {name: podinfo, namespace: web}\nspec:\n  url: oci://ghcr.io/stefanprodan/charts/podinfo\n  ref: {semver: '>=6.0.0'}\n---\napiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: podinfo, namespace: web}\nspec:\n  chartRef: {kind: OCIRepository, name: podinfo}\n";
    let t = Tree::new(
        "oci",
        &[
            ("repo/.git/HEAD", "x"),
            ("repo/clusters/lab/flux-system/gotk-sync.yaml", SYNC),
            (
                "repo/clusters/lab/flux-system/kustomization.yaml",
                "resources: [gotk-sync.yaml]\n",
            ),
            ("repo/clusters/lab/podinfo.yaml", objs),
            ("charts/podinfo-6.1.0.tgz", ""),
            ("charts/podinfo-6.3.5.tgz", ""),
            ("charts/podinfo-7.0.0-rc.1.tgz", ""),
        ],
    );
    let opts = Options {
        entry: t.path("repo/clusters/lab"),
        charts: vec![t.dir.join("charts")],
        ..Options::default()
    };
    let c = compile(&opts, &UnavailableRenderer).unwrap_or_else(|e| panic!("{e}"));
    let e = c
        .failures()
        .into_iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        e.contains("cannot render chart podinfo 6.3.5 as release podinfo in namespace web"),
        "{e}"
    );
    assert!(
        e.starts_with("Kustomization/flux-system/flux-system -> HelmRelease/web/podinfo: "),
        "{e}"
    );
}
