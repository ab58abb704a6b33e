//! `kubake build` renders its charts on the renderer's rayon pool (`with_render_pool`):
//! a chart whose templates nest deep (999 `include`s, 20 000 `template` calls) renders
//! there as in `kubake template`, with one thread and with eight, to the same bytes; two
//! releases of the same chart render side by side from one loaded copy; and 1200 nested
//! `include`s fail as in Helm, leaving no bundle.

mod common;

use std::path::{Path, PathBuf};

use common::kubake;

const GOTK_SYNC: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec: {url: https://git.example/deep.git}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  path: ./apps\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

const REPOSITORY: &str = "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: charts, namespace: flux-system}\nspec: {url: https://charts.example}\n";

fn release(name: &str) -> String {
    format!("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {{name: {name}, namespace: apps}}\nspec:\n  chart:\n    spec:\n      chart: deep\n      version: 0.1.0\n      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}\n")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A repository installing the chart twice, and the chart, whose ConfigMap holds the
/// length of `depth` nested `include`s and the text of 20 000 nested `template` calls.
fn workspace(depth: u32) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubake-cli-pool-{depth}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let repo = dir.join("repo");
    write(
        &repo.join("clusters/deep/flux-system/gotk-sync.yaml"),
        GOTK_SYNC,
    );
    write(
        &repo.join("apps/kustomization.yaml"),
        "resources: [namespace.yaml, repository.yaml, one.yaml, two.yaml]\n",
    );
    write(
        &repo.join("apps/namespace.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n",
    );
    write(&repo.join("apps/repository.yaml"), REPOSITORY);
    write(&repo.join("apps/one.yaml"), &release("one"));
    write(&repo.join("apps/two.yaml"), &release("two"));
    let chart = dir.join("charts/deep-0.1.0");
    write(
        &chart.join("Chart.yaml"),
        "apiVersion: v2\nname: deep\nversion: 0.1.0\n",
    );
    write(
        &chart.join("templates/_r.tpl"),
        "{{- define \"r\" -}}{{- if gt (int .) 0 -}}x{{ include \"r\" (sub (int .) 1) }}{{- end -}}{{- end -}}\n{{- define \"t\" -}}{{- if gt (int .) 0 -}}y{{ template \"t\" (sub (int .) 1) }}{{- end -}}{{- end -}}\n",
    );
    write(
        &chart.join("templates/cm.yaml"),
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{{{ .Release.Name }}}}\ndata:\n  a: {{{{ include \"r\" {depth} | len | quote }}}}\n  b: {{{{ template \"t\" 20000 }}}}\n"),
    );
    dir
}

fn build(dir: &Path, threads: &str, out: &str) -> std::process::Output {
    kubake()
        .current_dir(dir)
        .args([
            "build",
            "repo/clusters/deep",
            "--root",
            "repo",
            "--charts",
            "charts",
            "--no-cache",
            "--quiet",
            "--threads",
            threads,
            "--out",
            out,
        ])
        .output()
        .expect("kubake runs")
}

fn bundle_text(dir: &Path) -> String {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("bundle")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("file"))
        .collect()
}

#[test]
fn deep_templates_render_on_the_build_pool() {
    let dir = workspace(999);
    for (threads, out) in [("1", "one-thread"), ("8", "eight-threads")] {
        let o = build(&dir, threads, out);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let one = bundle_text(&dir.join("one-thread"));
    assert_eq!(one, bundle_text(&dir.join("eight-threads")));
    assert_eq!(one.matches("a: \"999\"").count(), 2, "{one}");
    assert_eq!(
        one.matches(&format!("b: {}\n", "y".repeat(20_000))).count(),
        2
    );
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn too_deep_templates_fail_the_build() {
    let dir = workspace(1200);
    let o = build(&dir, "2", "out");
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("error calling include"), "{stderr}");
    assert!(!dir.join("out").exists(), "no bundle from a failed build");
    std::fs::remove_dir_all(&dir).expect("clean up");
}
