//! Data-driven template tests: each `tests/cases/*.txt` holds JSON data (dot and `$`), a
//! `---` line, the template, a `===` line, then the expected output, or `error: ` and
//! Go's full error text. Templates run as Helm runs them (`missingkey=zero`), without
//! removing `<no value>`.

#![allow(clippy::print_stdout)]

use kubake_gotmpl::{ExecOptions, MissingKey, Templates, Value};

fn run(text: &str) -> Result<(String, String), String> {
    let (data, rest) = text.split_once("\n---\n").ok_or("missing --- line")?;
    let (template, expected) = rest.split_once("\n===\n").ok_or("missing === line")?;
    let json: serde_json::Value =
        serde_json::from_str(data).map_err(|e| format!("bad JSON data: {e}"))?;
    let data = Value::from_json(&json);
    let mut set = Templates::new("gotpl");
    set.set_missing_key(MissingKey::Zero);
    let got = set
        .parse("case", template)
        .and_then(|()| set.execute("case", &data, &ExecOptions::default()));
    let got = match got {
        Ok(out) => out,
        Err(e) => format!("error: {e}"),
    };
    Ok((
        got,
        expected.strip_suffix('\n').unwrap_or(expected).to_string(),
    ))
}

#[test]
fn template_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    let mut failures = Vec::new();
    for path in &entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).unwrap_or_default();
        match run(&text) {
            Ok((got, want)) if got == want => {}
            Ok((got, want)) => failures.push(format!("{name}:\n  got:  {got:?}\n  want: {want:?}")),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    println!(
        "cases: {} passed, {} failed",
        entries.len() - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(!entries.is_empty(), "no cases found in {}", dir.display());
}
