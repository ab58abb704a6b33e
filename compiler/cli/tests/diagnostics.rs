//! Snapshot tests of kubake's diagnostics: each case of `fixtures/diagnostics/cases.txt`
//! must fail with exit code 1, print nothing on stdout, and print exactly the snapshotted
//! report on stderr. Review changes with `cargo insta review` (or `INSTA_UPDATE=always`).

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
