//! The shared Helm template conformance corpus (`conformance/templates/cases.jsonl`,
//! rules in its README): each case is one chart rendered as
//! `helm template rel <chart> --namespace ns --kube-version 1.32.0`, and the output of
//! `conformance/templates/case.yaml` must equal `expected`, match the `check` regex, or
//! fail with an error containing `expected_error`.
//!
//! The corpus lives beside the checkout (`$KUBAKE_SHARED`, else `../shared` from the
//! workspace root); without it the test prints a skip message. It prints
//! `templates: N passed, M failed` and fails only when N drops below [`FLOOR`] (raise it
//! as the count rises). `KUBAKE_CONFORMANCE_VERBOSE=1` prints every failure;
//! `KUBAKE_CASE=name` runs one case.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use kubake_helm::files::Files;
use kubake_helm::objects::{values_from_json, Capabilities, ChartMetadata, ReleaseInfo};
use kubake_helm::render::{render, RenderInput};
use serde_json::Value as Json;

/// Fewest passing cases accepted.
const FLOOR: usize = 1905;

fn shared_dir() -> PathBuf {
    match std::env::var_os("KUBAKE_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn chart() -> ChartMetadata {
    ChartMetadata {
        name: "conformance".into(),
        version: "0.1.0".into(),
        description: "template conformance harness".into(),
        api_version: "v2".into(),
        app_version: "1.16.0".into(),
        chart_type: "application".into(),
        ..ChartMetadata::default()
    }
}

enum Outcome {
    Pass,
    Fail(String),
}

fn run_case(case: &Json) -> Outcome {
    let mut templates = vec![(
        "templates/case.yaml".to_string(),
        case["template"].as_str().unwrap_or("").to_string(),
    )];
    if let Some(extra) = case["extra_templates"].as_object() {
        for (name, text) in extra {
            templates.push((
                format!("templates/{name}"),
                text.as_str().unwrap_or("").to_string(),
            ));
        }
    }
    let files: BTreeMap<String, kubake_chart::load::FileData> = case["files"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = v.as_str().unwrap_or("");
                    (k.clone(), text.as_bytes().to_vec().into())
                })
                .collect()
        })
        .unwrap_or_default();
    let capabilities = match Capabilities::for_kube_version("1.32.0") {
        Ok(c) => c,
        Err(e) => return Outcome::Fail(format!("capabilities: {e}")),
    };
    let input = RenderInput {
        chart: chart(),
        templates,
        values: values_from_json(&case["values"]),
        files: Files::new(files),
        release: ReleaseInfo::install("rel", "ns"),
        capabilities,
        determinism: Default::default(),
    };
    let result = catch_unwind(AssertUnwindSafe(|| render(&input)));
    let result = match result {
        Ok(r) => r,
        Err(_) => return Outcome::Fail("PANIC".into()),
    };
    let got = result.map(|r| {
        r.files
            .get("conformance/templates/case.yaml")
            .cloned()
            .unwrap_or_default()
    });
    if let Some(want) = case["expected"].as_str() {
        return match got {
            Ok(out) if out == want => Outcome::Pass,
            Ok(out) => Outcome::Fail(format!("want output {want:?}\n      got output {out:?}")),
            Err(e) => Outcome::Fail(format!("want output {want:?}\n      got error {}", e)),
        };
    }
    if let Some(want) = case["expected_error"].as_str() {
        return match got {
            Err(e) if e.to_string().contains(want) => Outcome::Pass,
            Err(e) => Outcome::Fail(format!(
                "want error containing {want:?}\n      got error {}",
                e
            )),
            Ok(out) => Outcome::Fail(format!(
                "want error containing {want:?}\n      got output {out:?}"
            )),
        };
    }
    if let Some(pattern) = case["check"].as_str() {
        let re = match regex::Regex::new(pattern) {
            Ok(re) => re,
            Err(e) => return Outcome::Fail(format!("bad check regex: {e}")),
        };
        return match got {
            Ok(out) if re.is_match(&out) => Outcome::Pass,
            Ok(out) => Outcome::Fail(format!(
                "want match for {pattern:?}\n      got output {out:?}"
            )),
            Err(e) => Outcome::Fail(format!("want match for {pattern:?}\n      got error {}", e)),
        };
    }
    Outcome::Fail("case has no expectation".into())
}

#[test]
fn templates_corpus() {
    let path = shared_dir().join("conformance/templates/cases.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("templates: corpus not found at {}, skipped", path.display());
        return;
    };
    let only = std::env::var("KUBAKE_CASE").ok();
    let verbose = std::env::var_os("KUBAKE_CONFORMANCE_VERBOSE").is_some();
    let cases: Vec<Json> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|c: &Json| only.as_deref().is_none_or(|n| c["name"] == n))
        .collect();
    // Work is spread over the machine's cores; each worker gets a large stack for deep
    // `include` recursion cases.
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(cases.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<(usize, Outcome)>> = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..workers {
            let _ = std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, || loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let outcome = run_case(case);
                    if let Ok(mut r) = results.lock() {
                        r.push((i, outcome));
                    }
                });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    let mut passed = 0;
    let mut failed = 0;
    for (i, outcome) in &results {
        match outcome {
            Outcome::Pass => passed += 1,
            Outcome::Fail(why) => {
                failed += 1;
                if verbose || only.is_some() {
                    println!(
                        "FAIL {}\n      {why}",
                        cases[*i]["name"].as_str().unwrap_or("?")
                    );
                }
            }
        }
    }
    println!("templates: {passed} passed, {failed} failed");
    assert!(
        passed >= FLOOR,
        "templates: {passed} passed, below the floor of {FLOOR}"
    );
}
