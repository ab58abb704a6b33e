use std::path::Path;

use kubake_yaml::{load_one, Schema};

use super::*;

fn yaml(text: &str) -> Node {
    load_one(text, Schema::Core12).expect("test YAML")
}

fn emit(node: &Node) -> String {
    kubake_yaml::to_yaml_stream(std::slice::from_ref(node))
}

#[test]
fn src_wins_deeply_and_null_deletes() {
    let chart = yaml("a: 1\nb: 2\nlist: [a, b]\nmap: {a: 4, b: 5}\n");
    let inline = yaml("a: 4\nc: 3\nlist: [c]\nmap: {a: 7, c: 6, b: null}\n");
    assert_eq!(
        emit(&merge_values(inline, &chart)),
        "a: 4\nb: 2\nc: 3\nlist:\n- c\nmap:\n  a: 7\n  c: 6\n"
    );
}

#[test]
fn merge_mode_keeps_file_values() {
    let chart = yaml("a: 1\nmap: {a: 4}\n");
    let inline = yaml("a: 9\nmap: {a: 8, c: 6}\n");
    assert_eq!(
        emit(&merge_values(chart, &inline)),
        "a: 1\nmap:\n  a: 4\n  c: 6\n"
    );
}

#[test]
fn decode_reads_every_field_and_refuses_unknown_ones() {
    let node = yaml(
        "name: web\nversion: 1.0.0\nrepo: https://x\nreleaseName: r\nnamespace: ns\n\
         valuesInline: {a: 1}\nvaluesMerge: merge\nadditionalValuesFiles: [a.yaml]\n\
         includeCRDs: true\nskipHooks: true\nskipTests: true\napiVersions: [v1/X]\n\
         kubeVersion: 1.30.0\n",
    );
    let args = decode_chart(&node, Path::new("k.yaml")).unwrap();
    assert_eq!(args.name, "web");
    assert_eq!(args.version.as_deref(), Some("1.0.0"));
    assert_eq!(args.additional_values_files, vec!["a.yaml"]);
    assert!(args.include_crds && args.skip_hooks && args.skip_tests);
    assert_eq!(args.api_versions, vec!["v1/X"]);
    let err = decode_chart(&yaml("name: web\nvalues: x\n"), Path::new("k.yaml")).unwrap_err();
    assert!(
        err.message.contains("unknown field \"values\""),
        "{}",
        err.message
    );
}

#[test]
fn legacy_entries_convert_like_fix_kustomization() {
    let mut globals = HelmGlobals::default();
    let node =
        yaml("chartName: web\nchartVersion: 1.0.0\nchartHome: vendor\nvaluesLocal: {a: 1}\n");
    let args = decode_legacy(&node, Path::new("k.yaml"), &mut globals).unwrap();
    assert_eq!(args.name, "web");
    assert_eq!(globals.chart_home.as_deref(), Some("vendor"));
    assert!(args.values_inline.is_some());
}

#[test]
fn config_errors_show_the_sorted_entry() {
    let node = yaml("releaseName: x\nname: web\nvaluesInline: {b: 1, a: 2}\n");
    let args = decode_chart(&node, Path::new("k.yaml")).unwrap();
    let globals = HelmGlobals {
        chart_home: Some("../charts".into()),
    };
    let err = config_error(&args, &globals, "must specify --enable-helm");
    assert_eq!(
        err.message,
        "trouble configuring builtin HelmChartInflationGenerator with config: `\n\
         chartHome: ../charts\nname: web\nreleaseName: x\nvaluesInline:\n  a: 2\n  b: 1\n\
         `: must specify --enable-helm"
    );
}
