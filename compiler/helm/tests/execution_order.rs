//! Templates run concurrently only when that cannot be told from Helm's one-after-the-
//! other execution: a template that changes a map the next ones read (`.Values`, the
//! top-level object) gets Helm's ordered result; one that only builds its own dicts
//! does not force that.

use kubake_helm::objects::{values_from_json, Capabilities, ChartMetadata, ReleaseInfo};
use kubake_helm::render::{render, RenderInput, Rendered};
use kubake_helm::Determinism;

fn input(templates: &[(&str, &str)]) -> RenderInput {
    RenderInput {
        chart: ChartMetadata {
            name: "c".into(),
            version: "0.1.0".into(),
            ..Default::default()
        },
        templates: templates
            .iter()
            .map(|(name, text)| (format!("templates/{name}"), text.to_string()))
            .collect(),
        values: values_from_json(&serde_json::json!({"name": "base"})),
        files: Default::default(),
        release: ReleaseInfo::install("rel", "ns"),
        capabilities: Capabilities::default(),
        determinism: Determinism::default(),
    }
}

fn run(templates: &[(&str, &str)]) -> Rendered {
    render(&input(templates)).unwrap()
}

fn output(r: &Rendered, name: &str) -> String {
    r.files[&format!("c/templates/{name}")].clone()
}

/// Helm executes a chart's templates deepest path first, then by name in reverse:
/// `c/templates/z.yaml` before `b.yaml` before `a.yaml` (checked with helm 3.17).
#[test]
fn a_change_to_values_reaches_the_templates_after_it() {
    let r = run(&[
        (
            "z.yaml",
            "{{- $_ := set .Values \"name\" \"changed\" -}}\nz: {{ .Values.name }}",
        ),
        ("b.yaml", "b: {{ .Values.name }}"),
        ("a.yaml", "a: {{ .Values.name }}"),
    ]);
    assert_eq!(output(&r, "z.yaml"), "z: changed");
    assert_eq!(output(&r, "b.yaml"), "b: changed");
    assert_eq!(output(&r, "a.yaml"), "a: changed");
}

#[test]
fn a_template_later_in_order_does_not_change_earlier_ones() {
    let r = run(&[
        ("z.yaml", "z: {{ .Values.name }}"),
        (
            "b.yaml",
            "{{- $_ := unset .Values \"name\" -}}\nb: {{ .Values.name }}",
        ),
        ("a.yaml", "a: {{ .Values.name }}"),
    ]);
    assert_eq!(output(&r, "z.yaml"), "z: base");
    assert_eq!(output(&r, "b.yaml"), "b: ");
    assert_eq!(output(&r, "a.yaml"), "a: ");
}

#[test]
fn the_top_level_object_is_shared_in_order() {
    let r = run(&[
        (
            "y.yaml",
            "{{- $_ := set $ \"extra\" \"x\" -}}\ny: {{ $.extra }}",
        ),
        ("b.yaml", "b: {{ $.extra }} {{ .Template.Name }}"),
    ]);
    assert_eq!(output(&r, "b.yaml"), "b: x c/templates/b.yaml");
}

#[test]
fn templates_building_their_own_dicts_render_alike() {
    let body = "{{- $d := dict \"k\" .Values.name -}}{{- $_ := set $d \"j\" .Template.Name -}}\n{{ toYaml $d }}";
    let r = run(&[("a.yaml", body), ("b.yaml", body), ("c.yaml", body)]);
    assert_eq!(output(&r, "a.yaml"), "j: c/templates/a.yaml\nk: base");
    assert_eq!(output(&r, "c.yaml"), "j: c/templates/c.yaml\nk: base");
}

#[test]
fn the_first_failure_in_order_is_the_one_reported() {
    let templates = [
        ("a.yaml", "{{ fail \"a failed\" }}"),
        ("m.yaml", "m: {{ .Values.name }}"),
        ("z.yaml", "{{ fail \"z failed\" }}"),
    ];
    let err = render(&input(&templates)).unwrap_err();
    assert_eq!(err.template(), "c/templates/z.yaml");
    assert!(err.to_string().contains("z failed"), "{err}");
}
