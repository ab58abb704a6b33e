//! Runs the `go-tests` cases of the shared template corpus
//! (`../shared/conformance/templates/cases.jsonl`) that need only Go's builtins, the way
//! Helm runs them (`missingkey=zero`, `<no value>` deleted from the output), and fails
//! only when the pass count drops below [`FLOOR`].
//!
//! Cases that call Sprig or Helm functions (which this crate does not have) are skipped:
//! they are recognised by parsing failing with `function "x" not defined` when that is
//! not the expected error, or by calling `slice` (Sprig's replaces Go's in Helm).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use kubake_gotmpl::{ExecOptions, GoType, Map, MissingKey, Templates, Value};

/// Raise as the count rises.
const FLOOR: usize = 427;

fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("KUBAKE_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    dir.join("conformance").is_dir().then_some(dir)
}

enum Outcome {
    Pass,
    Fail(String),
    Skip,
}

fn run_case(case: &serde_json::Value) -> Outcome {
    let template = case["template"].as_str().unwrap_or_default();
    if template.contains("slice") || case["extra_templates"].to_string().contains("slice") {
        return Outcome::Skip;
    }
    let mut files: Vec<(String, String)> = vec![(
        "conformance/templates/case.yaml".to_string(),
        template.to_string(),
    )];
    if let Some(extra) = case["extra_templates"].as_object() {
        for (name, text) in extra {
            files.push((
                format!("conformance/templates/{name}"),
                text.as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    // Helm's parse order within one directory: reverse lexical order of the names.
    files.sort_by(|a, b| b.0.cmp(&a.0));
    let expected_error = case["expected_error"].as_str();
    let mut set = Templates::new("gotpl");
    set.set_missing_key(MissingKey::Zero);
    for (name, text) in &files {
        if let Err(e) = set.parse(name, text) {
            let msg = e.to_string();
            let undefined_fn = msg.contains("function \"") && msg.ends_with("not defined");
            return match expected_error {
                Some(want) if msg.contains(want) => Outcome::Pass,
                _ if undefined_fn => Outcome::Skip,
                Some(want) => Outcome::Fail(format!("error {msg:?}, want {want:?}")),
                None => Outcome::Fail(format!("parse error {msg:?}")),
            };
        }
    }
    let values = Map::typed(Some("chartutil.Values"), GoType::Interface);
    if let Some(obj) = case["values"].as_object() {
        for (k, v) in obj {
            values.insert(k.as_str(), Value::from_json(v));
        }
    }
    let top = Map::new();
    top.insert("Values", Value::Map(values));
    let result = set.execute(
        "conformance/templates/case.yaml",
        &Value::Map(top),
        &ExecOptions::default(),
    );
    match (result, expected_error, case["expected"].as_str()) {
        (Ok(out), None, Some(want)) => {
            let got = out.replace("<no value>", "");
            if got == want {
                Outcome::Pass
            } else {
                Outcome::Fail(format!("output {got:?}, want {want:?}"))
            }
        }
        (Err(e), Some(want), _) if e.to_string().contains(want) => Outcome::Pass,
        (Err(e), Some(want), _) => {
            Outcome::Fail(format!("error {:?}, want {want:?}", e.to_string()))
        }
        (Err(e), None, _) => Outcome::Fail(format!("error {:?}", e.to_string())),
        (Ok(out), Some(want), _) => Outcome::Fail(format!("output {out:?}, want error {want:?}")),
        (Ok(_), None, None) => Outcome::Skip,
    }
}

#[test]
fn go_tests_corpus() {
    let Some(dir) = shared_dir() else {
        println!("go-tests: skipped (no shared conformance corpus)");
        return;
    };
    let path = dir.join("conformance/templates/cases.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("go-tests: skipped ({} unreadable)", path.display());
        return;
    };
    let verbose = std::env::var_os("GOTMPL_VERBOSE").is_some();
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for line in text.lines() {
        let Ok(case) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        // GOTMPL_ALL_SOURCES=1 also tries the other sources' builtin-only cases.
        let all = std::env::var_os("GOTMPL_ALL_SOURCES").is_some();
        if case["source"] != "go-tests" && !all {
            continue;
        }
        match run_case(&case) {
            Outcome::Pass => passed += 1,
            Outcome::Skip => skipped += 1,
            Outcome::Fail(why) => {
                failed += 1;
                if verbose {
                    println!("FAIL {}: {why}", case["name"]);
                }
            }
        }
    }
    println!("go-tests: {passed} passed, {failed} failed, {skipped} skipped");
    assert!(
        passed >= FLOOR,
        "go-tests pass count {passed} fell below {FLOOR}"
    );
}
