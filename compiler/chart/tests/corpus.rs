//! The shared Helm corpus (`../shared/conformance/helm`, skipped when absent): every chart
//! must load, and every case's values must go through the whole pipeline (dependencies,
//! coalescing, schema) as Helm's did: cases Helm rendered must succeed here, and cases
//! that failed in this stage (values files, `--set`, schema, kubeVersion) must fail with
//! Helm's message.

// The counts are the point of these tests: they are printed for the conformance log.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use kubake_chart::{
    check_kube_version, load_chart, prepare_with_user_values, Chart, ValueOptions, Values,
};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/helm");
    dir.is_dir().then_some(dir)
}

fn strings(case: &Json, key: &str) -> Vec<String> {
    case[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_corpus_chart_loads() {
    let Some(root) = corpus() else { return };
    let mut names: Vec<PathBuf> = std::fs::read_dir(root.join("charts"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for dir in &names {
        if let Err(e) = load_chart(dir, &mut Vec::new()) {
            failures.push(format!("{}: {e}", dir.display()));
        }
    }
    println!(
        "charts loaded: {} of {}",
        names.len() - failures.len(),
        names.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs one case through the values pipeline; `Err` is the error message.
fn prepare(root: &Path, case_dir: &Path, case: &Json) -> Result<(), String> {
    let chart_dir = root
        .join("charts")
        .join(case["chart"].as_str().unwrap_or_default());
    let mut chart = load_chart(&chart_dir, &mut Vec::new()).map_err(|e| e.to_string())?;
    let opts = ValueOptions {
        value_files: strings(case, "values").iter().map(PathBuf::from).collect(),
        set: strings(case, "set"),
        set_string: strings(case, "set_string"),
        skip_schema_validation: case["skip_schema_validation"].as_bool().unwrap_or(false),
        ..ValueOptions::default()
    };
    // Helm reads -f paths relative to the case directory (its working directory).
    let mut read = |p: &Path| std::fs::read(case_dir.join(p));
    let user = opts
        .merge_values_with(&mut read)
        .map_err(|e| e.to_string())?;
    prepare_with_user_values(&mut chart, &user, opts.skip_schema_validation)
        .map_err(|e| e.to_string())?;
    let kube = format!("v{}", case["kube_version"].as_str().unwrap_or("1.32.0"));
    check_kube_version(&chart, &kube).map_err(|e| e.to_string())
}

#[test]
fn every_corpus_case_prepares_values() {
    let Some(root) = corpus() else { return };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("cases"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    let mut ok = 0;
    for case_dir in &cases {
        let case: Json =
            serde_json::from_str(&std::fs::read_to_string(case_dir.join("case.json")).unwrap())
                .unwrap();
        let name = case_dir.file_name().unwrap().to_string_lossy().into_owned();
        let result = prepare(&root, case_dir, &case);
        let expected_error = std::fs::read_to_string(case_dir.join("expected-error.txt")).ok();
        match (result, expected_error) {
            (Ok(()), None) => ok += 1,
            (Err(e), None) => failures.push(format!("{name}: unexpected error: {e}")),
            (Err(e), Some(want)) => {
                let want = want.strip_prefix("Error: ").unwrap_or(&want);
                let want = want
                    .split("\n\nUse --debug")
                    .next()
                    .unwrap_or(want)
                    .trim_end();
                if e.trim_end() == want {
                    ok += 1;
                } else if e.contains("failed to parse") && want.contains("failed to parse") {
                    // YAML syntax errors are worded by a different parser.
                    ok += 1;
                } else {
                    failures.push(format!(
                        "{name}: error differs:\n  want: {want}\n  got:  {e}"
                    ));
                }
            }
            (Ok(()), Some(want)) => {
                // Helm failed later, while rendering templates: not this crate's stage.
                if want.contains("execution error")
                    || want.contains("template:")
                    || want.contains("YAML parse error")
                {
                    ok += 1;
                } else {
                    failures.push(format!("{name}: expected failure: {}", want.trim_end()));
                }
            }
        }
    }
    println!("cases prepared: {ok} of {}", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `(path, sha256 of Go's JSON)` of `.Values` for every chart Helm would render, as
/// `scripts/gen-helm-corpus-values-golden.sh` records them.
fn value_hashes(chart: &Chart, path: &str, values: &Values, out: &mut Vec<(String, String)>) {
    if !chart.is_library() {
        let node = kubake_yaml::json::from_json(&Json::Object(values.clone()));
        let json = kubake_yaml::json::to_go_json(&node);
        let hash: String = Sha256::digest(json.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        out.push((format!("{path}/templates/values.yaml"), hash));
    }
    for sub in &chart.dependencies {
        let empty = Values::new();
        let sub_values = values
            .get(sub.name())
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        value_hashes(
            sub,
            &format!("{path}/charts/{}", sub.name()),
            sub_values,
            out,
        );
    }
}

#[test]
fn corpus_values_match_helm() {
    let Some(root) = corpus() else { return };
    let golden_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../golden/helm/corpus-values.tsv");
    let golden = std::fs::read_to_string(golden_path).unwrap();
    let mut want: std::collections::BTreeMap<&str, Vec<(String, String)>> = Default::default();
    for row in golden.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() == 3 && cols[1] != "ERROR" {
            want.entry(cols[0])
                .or_default()
                .push((cols[1].to_string(), cols[2].to_string()));
        }
    }
    let mut failures = Vec::new();
    for (case, rows) in &want {
        let case_dir = root.join("cases").join(case);
        let spec: Json =
            serde_json::from_str(&std::fs::read_to_string(case_dir.join("case.json")).unwrap())
                .unwrap();
        let chart_name = spec["chart"].as_str().unwrap_or_default();
        let mut chart = load_chart(&root.join("charts").join(chart_name), &mut Vec::new()).unwrap();
        let opts = ValueOptions {
            value_files: strings(&spec, "values").iter().map(PathBuf::from).collect(),
            set: strings(&spec, "set"),
            set_string: strings(&spec, "set_string"),
            skip_schema_validation: spec["skip_schema_validation"].as_bool().unwrap_or(false),
            ..ValueOptions::default()
        };
        let mut read = |p: &Path| std::fs::read(case_dir.join(p));
        let user = opts.merge_values_with(&mut read).unwrap();
        let prepared = prepare_with_user_values(&mut chart, &user, true).unwrap();
        let mut got = Vec::new();
        value_hashes(&chart, chart_name, &prepared.values, &mut got);
        got.sort();
        if got != *rows {
            failures.push(format!("{case}: .Values differ from helm's (run scripts/gen-helm-corpus-values-golden.sh and helm on the case to see how)"));
        }
    }
    println!(
        "cases whose values equal helm's: {} of {}",
        want.len() - failures.len(),
        want.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
