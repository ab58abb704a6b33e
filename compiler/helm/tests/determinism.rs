//! The randomness seam: the same render inputs give the same bytes, a different release,
//! template or user seed gives different ones, and every random value is recorded.

use kubake_helm::objects::{values_from_json, Capabilities, ChartMetadata, ReleaseInfo};
use kubake_helm::render::{render, RenderInput, Rendered};
use kubake_helm::Determinism;

const TEMPLATE: &str = "pw: {{ randAlphaNum 16 }}\nid: {{ uuidv4 }}\nnow: {{ now | date \"2006-01-02\" }}\nenc: {{ encryptAES \"k\" \"secret\" }}\n";

fn run(release: &str, template: &str, det: Determinism) -> Rendered {
    let input = RenderInput {
        chart: ChartMetadata {
            name: "c".into(),
            version: "0.1.0".into(),
            ..Default::default()
        },
        templates: vec![(format!("templates/{template}"), TEMPLATE.into())],
        values: values_from_json(&serde_json::json!({})),
        files: Default::default(),
        release: ReleaseInfo::install(release, "ns"),
        capabilities: Capabilities::default(),
        determinism: det,
    };
    render(&input).unwrap()
}

fn only_output(r: &Rendered) -> String {
    r.files.values().next().cloned().unwrap_or_default()
}

#[test]
fn same_inputs_same_bytes() {
    let a = run("rel", "s.yaml", Determinism::default());
    let b = run("rel", "s.yaml", Determinism::default());
    assert_eq!(a, b);
    assert!(only_output(&a).contains("now: 2025-01-01"));
}

#[test]
fn identity_and_seed_change_the_stream() {
    let base = only_output(&run("rel", "s.yaml", Determinism::default()));
    assert_ne!(
        base,
        only_output(&run("other", "s.yaml", Determinism::default()))
    );
    assert_ne!(
        base,
        only_output(&run("rel", "t.yaml", Determinism::default()))
    );
    let seeded = Determinism {
        user_seed: Some("x".into()),
        ..Determinism::default()
    };
    assert_ne!(base, only_output(&run("rel", "s.yaml", seeded)));
    let later = Determinism {
        clock: 1_800_000_000,
        ..Determinism::default()
    };
    assert!(only_output(&run("rel", "s.yaml", later)).contains("now: 2027-01-15"));
}

#[test]
fn random_values_are_recorded() {
    let r = run("rel", "s.yaml", Determinism::default());
    let functions: Vec<&str> = r.random_uses.iter().map(|u| u.function.as_str()).collect();
    assert_eq!(functions, ["randAlphaNum", "uuidv4", "encryptAES"]);
    let out = only_output(&r);
    for u in &r.random_uses {
        assert_eq!(u.template, "c/templates/s.yaml");
        assert!(u.produced.iter().all(|p| out.contains(p.as_str())));
    }
}
