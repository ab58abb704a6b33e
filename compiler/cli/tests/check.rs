//! `kubake check` as a pre-commit hook runs it: current bundle (exit 0), a source change
//! the bundle lacks (exit 1, naming the stale file and the changed lines, writing
//! nothing), a repository that does not compile (exit 2).

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{kubake, repo_root};

/// A private copy of `fixtures/kustomize/images` to edit, and a bundle folder beside it.
struct Workspace {
    dir: PathBuf,
}

impl Workspace {
    fn new(tag: &str) -> Workspace {
        let dir =
            std::env::temp_dir().join(format!("kubake-cli-check-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let repo = dir.join("repo");
        std::fs::create_dir_all(&repo).expect("temp dir");
        let src = repo_root().join("fixtures/kustomize/images");
        for entry in std::fs::read_dir(&src).expect("fixture") {
            let entry = entry.expect("entry");
            if entry.file_type().expect("type").is_file() {
                std::fs::copy(entry.path(), repo.join(entry.file_name())).expect("copy");
            }
        }
        Workspace { dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.join("repo")
    }

    fn out(&self) -> PathBuf {
        self.dir.join("out")
    }

    fn cache(&self) -> PathBuf {
        self.dir.join("cache")
    }

    fn run(&self, command: &str) -> Output {
        self.run_with(command, &[])
    }

    fn run_with(&self, command: &str, extra: &[&str]) -> Output {
        kubake()
            .arg(command)
            .args(extra)
            .arg(self.repo())
            .args(["--flavor", "kustomize", "--root"])
            .arg(self.repo())
            .arg("--out")
            .arg(self.out())
            .env("KUBAKE_CACHE_DIR", self.cache())
            .output()
            .expect("kubake runs")
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("bundle")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_current_bundle_passes_and_a_stale_one_is_reported_untouched() {
    let w = Workspace::new("stale");
    assert!(w.run("build").status.success(), "build");
    let current = w.run("check");
    assert_eq!(current.status.code(), Some(0), "{}", stdout(&current));

    let kustomization = w.repo().join("kustomization.yaml");
    let text = std::fs::read_to_string(&kustomization).expect("kustomization");
    std::fs::write(
        &kustomization,
        format!("{text}commonLabels:\n  checked: \"yes\"\n"),
    )
    .expect("edit");
    let before = files(&w.out());
    let stale = w.run("check");
    assert_eq!(stale.status.code(), Some(1));
    let report = stdout(&stale);
    assert!(report.contains("stale    00-"), "{report}");
    assert!(
        report.contains("+ ") && report.contains("checked"),
        "{report}"
    );
    assert!(report.contains("stale    index.json"), "{report}");
    assert_eq!(files(&w.out()), before, "check writes nothing");

    assert!(w.run("build").status.success(), "rebuild");
    let json = w.run_with("check", &["--json"]);
    assert_eq!(json.status.code(), Some(0));
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(summary["current"], true);
    assert_eq!(summary["files"], 2);
    // Nothing changed since the build: the check is the build's, from the cache.
    assert_eq!(summary["cache"]["buildReused"], true);
}

#[test]
fn the_cache_can_be_inspected_bypassed_and_emptied() {
    let w = Workspace::new("cache");
    let cache = |args: &[&str]| {
        kubake()
            .arg("cache")
            .args(args)
            .env("KUBAKE_CACHE_DIR", w.cache())
            .output()
            .expect("kubake runs")
    };
    let uncached = w.run_with("build", &["--no-cache", "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&uncached.stdout).expect("JSON");
    assert_eq!(summary["cache"]["enabled"], false);
    let bundle = summary["bundle"].as_array().expect("bundle list");
    assert_eq!(bundle.len(), 1);
    assert_eq!(bundle[0]["blake3"].as_str().map(str::len), Some(64));
    assert!(summary["timings"]["compile"]
        .as_f64()
        .is_some_and(|s| s >= 0.0));
    assert!(!w.cache().exists(), "--no-cache keeps nothing");

    assert!(w.run("build").status.success());
    let info = stdout(&cache(&["info"]));
    assert!(
        info.contains("entries") && !info.contains(" 0 entries"),
        "{info}"
    );
    let gc = cache(&["gc", "--max-size", "0"]);
    assert!(gc.status.success());
    assert!(stdout(&gc).contains("now 0 B"), "{}", stdout(&gc));
    assert!(stdout(&cache(&["info"])).contains(": 0 entries, 0 B"));
    let bad = cache(&["gc", "--max-size", "12X"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_repository_that_does_not_compile_exits_2() {
    let w = Workspace::new("broken");
    std::fs::write(
        w.repo().join("kustomization.yaml"),
        "resources: [missing.yaml]\n",
    )
    .expect("edit");
    let o = w.run("check");
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
}
