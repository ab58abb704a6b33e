//! The shared Helm conformance corpus (`conformance/helm`, rules in its README): real
//! charts with their subcharts, each case rendered as `helm template` v3.17.2 rendered
//! it. Successful cases must match `expected.yaml` byte for byte, except on the
//! `volatile_lines` of charts that generate random data (there only the part before the
//! value is compared); failing cases must fail with Helm's message contained in ours.
//!
//! The corpus lives beside the checkout (`$KUBAKE_SHARED`, else `../shared` from the
//! workspace root); without it the test prints a skip message. It prints
//! `helm: N passed, M failed` and fails only when N drops below [`FLOOR`] (raise it as
//! the count rises). `KUBAKE_CONFORMANCE_VERBOSE=1` prints every failure with the first
//! differing lines; `KUBAKE_CASE=name` runs one case.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kubake_chart::ValueOptions;
use kubake_helm::{template, TemplateOptions, UserValues};
use serde_json::Value as Json;

/// Fewest passing cases accepted.
const FLOOR: usize = 121;

fn shared_dir() -> PathBuf {
    match std::env::var_os("KUBAKE_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
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

enum Outcome {
    Pass,
    Fail(String),
}

/// Renders one case as its `case.json` says; `Err` is the error message.
fn render_case(root: &Path, case_dir: &Path, case: &Json) -> Result<String, String> {
    let chart_dir = root
        .join("charts")
        .join(case["chart"].as_str().unwrap_or_default());
    let value_opts = ValueOptions {
        value_files: strings(case, "values").iter().map(PathBuf::from).collect(),
        set: strings(case, "set"),
        set_string: strings(case, "set_string"),
        set_json: strings(case, "set_json"),
        ..ValueOptions::default()
    };
    // Helm read -f paths relative to the case directory (its working directory), and
    // its messages name them as given.
    let mut read = |p: &Path| std::fs::read(case_dir.join(p));
    let user = value_opts
        .merge_values_with(&mut read)
        .map_err(|e| e.to_string())?;
    let opts = TemplateOptions {
        release_name: case["release"].as_str().map(String::from),
        namespace: case["namespace"].as_str().unwrap_or("default").to_string(),
        values: UserValues::Merged(user),
        skip_schema_validation: case["skip_schema_validation"].as_bool().unwrap_or(false),
        kube_version: case["kube_version"].as_str().map(String::from),
        api_versions: strings(case, "api_versions"),
        include_crds: case["include_crds"].as_bool().unwrap_or(false),
        ..TemplateOptions::default()
    };
    template(&chart_dir, &opts)
        .map(|o| o.text())
        .map_err(|e| e.to_string())
}

/// The part of a volatile line compared: up to the value (`  key: "`), else its
/// indentation.
fn volatile_prefix(line: &str) -> &str {
    match line.find(": ") {
        Some(i) => &line[..i + 2],
        None => &line[..line.len() - line.trim_start().len()],
    }
}

fn compare(want: &str, got: &str, volatile: &[usize]) -> Result<(), String> {
    if want == got {
        return Ok(());
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.split('\n').collect(), got.split('\n').collect());
    let mut diffs = Vec::new();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied(), g.get(i).copied());
        let same = match (a, b) {
            (Some(a), Some(b)) if volatile.contains(&(i + 1)) => {
                volatile_prefix(a) == volatile_prefix(b)
            }
            (a, b) => a == b,
        };
        if !same {
            diffs.push(format!(
                "line {}:\n        want {:?}\n        got  {:?}",
                i + 1,
                a.unwrap_or("<end>"),
                b.unwrap_or("<end>")
            ));
            if diffs.len() == 5 {
                break;
            }
        }
    }
    if diffs.is_empty() {
        return Ok(());
    }
    Err(format!(
        "output differs ({} lines wanted, {} got):\n      {}",
        w.len(),
        g.len(),
        diffs.join("\n      ")
    ))
}

/// Helm's message without `Error: ` and its `--debug` hint.
fn helm_message(stderr: &str) -> &str {
    let m = stderr.strip_prefix("Error: ").unwrap_or(stderr);
    m.split("\n\nUse --debug").next().unwrap_or(m).trim_end()
}

fn run_case(root: &Path, case_dir: &Path) -> Outcome {
    let case: Json = match std::fs::read_to_string(case_dir.join("case.json"))
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(format!("case.json: {e}")),
    };
    let result = match catch_unwind(AssertUnwindSafe(|| render_case(root, case_dir, &case))) {
        Ok(r) => r,
        Err(_) => return Outcome::Fail("PANIC".into()),
    };
    if let Ok(want) = std::fs::read_to_string(case_dir.join("expected.yaml")) {
        let volatile: Vec<usize> = case["volatile_lines"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|n| n.as_u64())
                    .map(|n| n as usize)
                    .collect()
            })
            .unwrap_or_default();
        return match result {
            Ok(got) => match compare(&want, &got, &volatile) {
                Ok(()) => Outcome::Pass,
                Err(diff) => Outcome::Fail(diff),
            },
            Err(e) => Outcome::Fail(format!("unexpected error: {e}")),
        };
    }
    let want = std::fs::read_to_string(case_dir.join("expected-error.txt")).unwrap_or_default();
    let want = helm_message(&want);
    match result {
        Ok(_) => Outcome::Fail(format!("rendered, but Helm failed with: {want}")),
        Err(e) if e.contains(want) => Outcome::Pass,
        // YAML syntax errors in values files come from a different parser; the
        // prefix (`failed to parse FILE: `) must still match.
        Err(e)
            if want.starts_with("failed to parse")
                && e.split(": ").next() == want.split(": ").next() =>
        {
            Outcome::Pass
        }
        Err(e) => Outcome::Fail(format!("error differs:\n      want {want}\n      got  {e}")),
    }
}

#[test]
fn helm_corpus() {
    let root = shared_dir().join("conformance/helm");
    let Ok(entries) = std::fs::read_dir(root.join("cases")) else {
        println!("helm: corpus not found at {}, skipped", root.display());
        return;
    };
    let only = std::env::var("KUBAKE_CASE").ok();
    let verbose = std::env::var_os("KUBAKE_CONFORMANCE_VERBOSE").is_some();
    let mut cases: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.json").is_file())
        .filter(|p| {
            only.as_deref()
                .is_none_or(|n| p.file_name().is_some_and(|f| f == n))
        })
        .collect();
    cases.sort();
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(cases.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, Outcome)>> = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            let _ = std::thread::Builder::new().spawn_scoped(s, || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                let start = std::time::Instant::now();
                let outcome = run_case(&root, case);
                if verbose {
                    let status = if matches!(outcome, Outcome::Pass) {
                        "ok"
                    } else {
                        "FAIL"
                    };
                    eprintln!("{status} {} ({:.1?})", case.display(), start.elapsed());
                }
                if let Ok(mut r) = results.lock() {
                    r.push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    let (mut passed, mut failed) = (0, 0);
    for (i, outcome) in &results {
        let name = cases[*i]
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        match outcome {
            Outcome::Pass => passed += 1,
            Outcome::Fail(why) => {
                failed += 1;
                if verbose || only.is_some() {
                    println!("FAIL {name}\n      {why}");
                } else {
                    println!("FAIL {name}");
                }
            }
        }
    }
    println!("helm: {passed} passed, {failed} failed");
    assert!(
        passed >= FLOOR,
        "helm: {passed} passed, below the floor of {FLOOR}"
    );
}
