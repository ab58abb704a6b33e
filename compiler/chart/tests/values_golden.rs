//! Values against the reference: for every case of `fixtures/helm/values/cases.tsv`, the
//! `.Values` of each rendered chart must equal what `helm template` (v3.17) printed with
//! `{{ toJson .Values }}` (`golden/helm/values/<case>.txt`, made by
//! `scripts/gen-helm-values-golden.sh`), or the error must be Helm's.

use std::path::{Path, PathBuf};

use kubake_chart::{load_chart, prepare_with_user_values, Chart, ValueOptions, Values};
use serde_json::Value as Json;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the options from Helm flags written `--flag=value`.
fn options(flags: &[&str], dir: &Path) -> ValueOptions {
    let mut o = ValueOptions::default();
    for flag in flags {
        let (name, value) = flag.split_once('=').unwrap_or((flag, ""));
        let value = value.to_string();
        match name {
            "--values" | "-f" => o.value_files.push(dir.join(value)),
            "--set" => o.set.push(value),
            "--set-string" => o.set_string.push(value),
            "--set-json" => o.set_json.push(value),
            "--set-file" => o.set_file.push(value),
            "--set-literal" => o.set_literal.push(value),
            "--skip-schema-validation" => o.skip_schema_validation = true,
            other => panic!("unknown flag {other}"),
        }
    }
    o
}

/// `path<TAB>json` for every chart that would render `templates/values.yaml`.
fn lines(chart: &Chart, path: &str, values: &Values, out: &mut Vec<String>) {
    let renders = !chart.is_library()
        && chart
            .templates
            .iter()
            .any(|t| t.name == "templates/values.yaml");
    if renders {
        let node = kubake_yaml::json::from_json(&Json::Object(values.clone()));
        out.push(format!(
            "{path}/templates/values.yaml\t{}",
            kubake_yaml::json::to_go_json(&node)
        ));
    }
    for sub in &chart.dependencies {
        let empty = Values::new();
        let sub_values = values
            .get(sub.name())
            .and_then(Json::as_object)
            .unwrap_or(&empty);
        lines(
            sub,
            &format!("{path}/charts/{}", sub.name()),
            sub_values,
            out,
        );
    }
}

fn run_case(chart_name: &str, flags: &[&str]) -> Result<String, String> {
    let dir = repo().join("fixtures/helm/values");
    let mut chart = load_chart(
        &repo().join("fixtures/helm/charts").join(chart_name),
        &mut Vec::new(),
    )
    .map_err(|e| e.to_string())?;
    let opts = options(flags, &dir);
    let mut read = |p: &Path| std::fs::read(dir.join(p));
    let user = opts
        .merge_values_with(&mut read)
        .map_err(|e| e.to_string())?;
    let prepared = prepare_with_user_values(&mut chart, &user, opts.skip_schema_validation)
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    lines(&chart, chart_name, &prepared.values, &mut out);
    out.sort();
    Ok(out.join("\n") + "\n")
}

fn sorted_lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().filter(|l| !l.is_empty()).collect();
    v.sort_unstable();
    v
}

#[test]
fn values_match_helm() {
    let cases = std::fs::read_to_string(repo().join("fixtures/helm/values/cases.tsv")).unwrap();
    let mut failures = Vec::new();
    for row in cases.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (name, chart, flags) = (cols[0], cols[1], &cols[2..]);
        let golden_path = repo()
            .join("golden/helm/values")
            .join(format!("{name}.txt"));
        let golden = std::fs::read_to_string(&golden_path).unwrap();
        let got = run_case(chart, flags);
        let ok = match (&got, golden.strip_prefix("ERROR: ")) {
            (Ok(text), None) => *text == golden,
            // Helm's schema messages follow Go's map order: compare them as sets.
            (Err(e), Some(want)) => sorted_lines(e) == sorted_lines(want),
            _ => false,
        };
        if !ok {
            let got = match got {
                Ok(text) => text,
                Err(e) => format!("ERROR: {e}"),
            };
            failures.push(format!("{name}:\n--- helm\n{golden}\n--- kubake\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
