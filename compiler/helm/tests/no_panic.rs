//! Every function of the map, called through a template with hostile argument lists,
//! must answer with output or an error, never a panic (kubake's rule for all input).
//! Key generation and password hashing are left out: their inputs are strings handled
//! by tested parsers, and each call costs seconds in a debug build.

use std::panic::{catch_unwind, AssertUnwindSafe};

use kubake_helm::objects::{values_from_json, Capabilities, ChartMetadata, ReleaseInfo};
use kubake_helm::render::{render, RenderInput};

const ARGS: &[&str] = &[
    "",
    " nil",
    " \"\"",
    " \"é\\u0000{{\"",
    " -1",
    " 0 \"x\"",
    " \"x\" -1",
    " .Values",
    " .Values.list",
    " .Values.nested .Values.nested",
    " (list nil 1 \"a\" (dict)) 2 3",
    " \"a\" \"b\" \"c\" \"d\" \"e\" \"f\"",
    " 9223372036854775807 -9223372036854775808",
    " 1.5e308 -1e-308",
    " \"(\" \"[\" \"\\\\\"",
    " .Files .Capabilities .Chart",
];

#[test]
fn no_function_panics() {
    let skip = |n: &str| {
        n.starts_with("gen")
            || matches!(
                n,
                "derivePassword" | "bcrypt" | "htpasswd" | "buildCustomCert"
            )
    };
    let mut failures = Vec::new();
    for name in kubake_helm::funcs::names() {
        if skip(&name) {
            continue;
        }
        for args in ARGS {
            let template = format!("{{{{ {name}{args} }}}}");
            let input = RenderInput {
                chart: ChartMetadata {
                    name: "c".into(),
                    version: "0.1.0".into(),
                    ..Default::default()
                },
                templates: vec![("templates/t.yaml".into(), template.clone())],
                values: values_from_json(&serde_json::json!({
                    "list": [1, "a", null, {"k": [true]}],
                    "nested": {"a": {"b": {"c": 1}}}
                })),
                files: Default::default(),
                release: ReleaseInfo::install("rel", "ns"),
                capabilities: Capabilities::default(),
                determinism: Default::default(),
            };
            if catch_unwind(AssertUnwindSafe(|| render(&input))).is_err() {
                failures.push(template);
            }
        }
    }
    assert!(failures.is_empty(), "panicked: {failures:#?}");
}
