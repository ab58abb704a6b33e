//! `kubake kustomize --enable-helm` on kustomizations with `helmCharts`
//! (`fixtures/kustomize-helm/cases.txt`) against what the reference `kustomize build`
//! v5.6 with helm v3.17 printed (`golden/kustomize-helm/`, from `scripts/gen-golden.sh`).
//! A `.yaml` golden must match byte for byte; an `.error` golden means kubake must fail
//! (exit 1, nothing on stdout) with kustomize's message.

mod common;

use common::{kubake, repo_root};

#[test]
fn kustomize_helm_charts_match_reference() {
    let root = repo_root();
    let fixtures = root.join("fixtures/kustomize-helm");
    let golden = root.join("golden/kustomize-helm");
    let cases = std::fs::read_to_string(fixtures.join("cases.txt")).expect("cases.txt");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
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
        count += 1;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if let Ok(expected) = std::fs::read_to_string(golden.join(format!("{name}.yaml"))) {
            if !out.status.success() {
                failures.push(format!(
                    "{name}: failed where kustomize succeeded:\n{stderr}"
                ));
            } else if stdout != expected {
                failures.push(format!(
                    "{name}: output differs\n--- kustomize\n{expected}\n--- kubake\n{stdout}"
                ));
            }
        } else {
            let message = std::fs::read_to_string(golden.join(format!("{name}.error")))
                .unwrap_or_else(|_| panic!("{name}: no golden .yaml or .error"));
            let message = message.trim_end().trim_start_matches("error: ");
            // miette indents continuation lines; compare line by line.
            let missing: Vec<&str> = message
                .lines()
                .filter(|l| !l.trim().is_empty() && !stderr.contains(l.trim()))
                .collect();
            if out.status.code() != Some(1) || !out.stdout.is_empty() {
                failures.push(format!(
                    "{name}: expected exit 1 and no output, got {:?}",
                    out.status
                ));
            } else if !missing.is_empty() {
                failures.push(format!(
                    "{name}: kustomize's message not in kubake's\n  missing: {missing:?}\n  kubake: {stderr}"
                ));
            }
        }
    }
    assert!(count >= 7, "only {count} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
