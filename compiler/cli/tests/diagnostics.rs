//! Snapshot tests of kubake's diagnostics: each case of `fixtures/diagnostics/cases.txt`
//! (`kubake kustomize`) and of `fixtures/diagnostics/gitops/cases.txt` (`kubake build`
//! of a small Flux repository) must fail with exit code 1, print nothing on stdout, and
//! print exactly the snapshotted report on stderr. Review changes with `cargo insta
//! review` (or `INSTA_UPDATE=always`).

mod common;

use common::{kubake, repo_root};

#[test]
fn diagnostics_match_snapshots() {
    let root = repo_root();
    let fixtures = root.join("fixtures/diagnostics");
    let cases = std::fs::read_to_string(fixtures.join("cases.txt")).expect("cases.txt");
    let mut count = 0;
    for line in cases
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut words = line.split_whitespace();
        let (Some(name), Some(entry)) = (words.next(), words.next()) else {
            panic!("bad line in cases.txt: {line}");
        };
        let out = kubake()
            .arg("kustomize")
            .arg(fixtures.join(entry))
            .args(words)
            .output()
            .expect("run kubake");
        assert_eq!(out.status.code(), Some(1), "{name}: exit code");
        assert!(out.stdout.is_empty(), "{name}: wrote to stdout");
        let stderr =
            String::from_utf8_lossy(&out.stderr).replace(&root.display().to_string(), "$ROOT");
        insta::assert_snapshot!(name, stderr);
        count += 1;
    }
    assert!(count >= 10, "only {count} diagnostic cases");
}

#[test]
fn build_diagnostics_match_snapshots() {
    let root = repo_root();
    let fixtures = root.join("fixtures/diagnostics/gitops");
    let cases = std::fs::read_to_string(fixtures.join("cases.txt")).expect("cases.txt");
    let out = std::env::temp_dir().join(format!("kubake-diag-build-{}", std::process::id()));
    let mut count = 0;
    for line in cases
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut words = line.split_whitespace();
        let (Some(name), Some(case)) = (words.next(), words.next()) else {
            panic!("bad line in cases.txt: {line}");
        };
        let repo = fixtures.join(case).join("repo");
        let run = kubake()
            .arg("build")
            .arg(repo.join("clusters/dev"))
            .arg("--root")
            .arg(&repo)
            .arg("--charts")
            .arg(fixtures.join("charts"))
            .arg("--out")
            .arg(&out)
            .arg("--no-cache")
            .args(words)
            .output()
            .expect("run kubake");
        assert_eq!(run.status.code(), Some(1), "{name}: exit code");
        assert!(run.stdout.is_empty(), "{name}: wrote to stdout");
        assert!(!out.exists(), "{name}: a failed build wrote its bundle");
        let stderr =
            String::from_utf8_lossy(&run.stderr).replace(&root.display().to_string(), "$ROOT");
        insta::assert_snapshot!(format!("build-{name}"), stderr);
        count += 1;
    }
    assert!(count >= 9, "only {count} build diagnostic cases");
}
