//! `kubake template` against goldens made by the reference `helm template` (v3.17) for the
//! cases of `fixtures/helm/render/cases.tsv` (regenerate with
//! `scripts/gen-helm-render-golden.sh`). A case with `<case>.yaml` must print exactly that;
//! a case with `<case>.error` must exit 1, print nothing on stdout, and name Helm's message.

mod common;

use common::{kubake, repo_root};

#[test]
fn template_matches_helm_goldens() {
    let root = repo_root();
    let fixtures = root.join("fixtures/helm/render");
    let golden = root.join("golden/helm/render");
    let cases = std::fs::read_to_string(fixtures.join("cases.tsv")).expect("cases.tsv");
    let mut failures = Vec::new();
    let mut count = 0;
    for line in cases.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, chart, mut flags) = (cols[0], cols[1], &cols[2..]);
        let mut args = vec!["template"];
        if let Some(release) = flags.first().filter(|f| !f.starts_with('-')) {
            args.push(release);
            flags = &flags[1..];
        }
        args.push(chart);
        args.extend(flags);
        let out = kubake()
            .args(&args)
            .current_dir(&fixtures)
            .output()
            .expect("run kubake");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        count += 1;
        if let Ok(expected) = std::fs::read_to_string(golden.join(format!("{name}.yaml"))) {
            if !out.status.success() {
                failures.push(format!("{name}: failed where helm succeeded:\n{stderr}"));
            } else if stdout != expected {
                failures.push(format!(
                    "{name}: output differs from helm's\n{}",
                    first_difference(&expected, &stdout)
                ));
            }
        } else {
            let message = std::fs::read_to_string(golden.join(format!("{name}.error")))
                .unwrap_or_else(|_| panic!("{name}: no golden .yaml or .error"));
            let first_line = message.lines().next().unwrap_or_default();
            if out.status.code() != Some(1) || !out.stdout.is_empty() {
                failures.push(format!(
                    "{name}: expected exit 1 and no output, got {:?}",
                    out.status
                ));
            } else if !stderr.contains(first_line) {
                failures.push(format!(
                    "{name}: helm's message missing\n  helm: {first_line}\n  kubake: {stderr}"
                ));
            }
        }
    }
    assert!(count >= 15, "only {count} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn first_difference(expected: &str, actual: &str) -> String {
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    format!(
        "  line {}:\n  helm:   {:?}\n  kubake: {:?}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end>"),
        actual.lines().nth(line).unwrap_or("<end>")
    )
}

/// `kubake template` renders on rayon's pool, whose threads must have the renderer's deep
/// stack: Helm's 1000 nested `include`s minus one render, and one more fails as Helm's.
#[test]
fn deep_include_chains_render_on_the_pool() {
    let dir = std::env::temp_dir().join(format!("kubake-deep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: deep\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("templates/_r.tpl"),
        "{{- define \"r\" -}}{{- if gt (int .) 0 -}}x{{ include \"r\" (sub (int .) 1) }}{{- end -}}{{- end -}}\n",
    )
    .unwrap();
    let render = |depth: u32| {
        std::fs::write(
            dir.join("templates/cm.yaml"),
            format!("kind: ConfigMap\ndata:\n  a: {{{{ include \"r\" {depth} | len | quote }}}}\n"),
        )
        .unwrap();
        kubake().args(["template", "x"]).arg(&dir).output().unwrap()
    };
    let ok = render(999);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("a: \"999\""));
    let too_deep = render(1200);
    assert_eq!(too_deep.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&too_deep.stderr);
    assert!(stderr.contains("error calling include"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
