//! The values pipeline on the fixture charts: which subcharts survive, what the renderer
//! gets, and the errors and warnings Helm gives.

use std::path::{Path, PathBuf};

use kubake_chart::{
    check_kube_version, load_chart, prepare_with_user_values, ValueOptions, Values,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/helm/charts")
        .join(name)
}

fn prepare(
    chart: &str,
    set: &[&str],
) -> Result<(kubake_chart::Chart, kubake_chart::PreparedValues), String> {
    let mut c = load_chart(&fixture(chart), &mut Vec::new()).map_err(|e| e.to_string())?;
    let opts = ValueOptions {
        set: set.iter().map(|s| (*s).to_string()).collect(),
        ..ValueOptions::default()
    };
    let user: Values = opts.merge_values().map_err(|e| e.to_string())?;
    let p = prepare_with_user_values(&mut c, &user, false).map_err(|e| e.to_string())?;
    Ok((c, p))
}

#[test]
fn aliases_conditions_tags_and_libraries() {
    let (chart, prepared) = prepare("parent", &[]).unwrap();
    let names: Vec<&str> = chart.dependencies.iter().map(|d| d.name()).collect();
    assert_eq!(names, ["undeclared", "first", "second", "exporter", "lib"]);
    let lib = &chart.dependencies[4];
    assert!(lib.is_library());
    assert_eq!(lib.templates[0].name, "templates/_helpers.tpl");
    // The aliased copies keep the subchart's own grandchild.
    assert_eq!(chart.dependencies[1].dependencies[0].name(), "grand");
    // import-values rewrites the entries to child/parent maps, as Helm does.
    let exporter = chart
        .metadata
        .dependencies()
        .find(|d| d.name == "exporter")
        .unwrap();
    assert_eq!(exporter.import_values[0]["child"], "exports.data");
    assert_eq!(exporter.import_values[0]["parent"], ".");
    assert_eq!(prepared.values["exportedKey"], "from-exporter");
    assert!(prepared.warnings.is_empty(), "{:?}", prepared.warnings);

    let (chart, _) = prepare("parent", &["tags.extras=true", "second.enabled=false"]).unwrap();
    let names: Vec<&str> = chart.dependencies.iter().map(|d| d.name()).collect();
    assert_eq!(names, ["undeclared", "first", "tagged", "exporter", "lib"]);
}

#[test]
fn set_integers_are_int64_file_numbers_float64() {
    let (_, p) = prepare("parent", &["replicas=3", "first.size=7"]).unwrap();
    assert!(p.values["replicas"].as_number().unwrap().is_i64());
    assert!(p.values["first"]["size"].as_number().unwrap().is_i64());
    assert!(p.values["ratio"].as_number().unwrap().is_f64());
    assert!(p.values["second"]["size"].as_number().unwrap().is_f64());
}

#[test]
fn warnings_are_collected() {
    let (_, p) = prepare(
        "parent",
        &["second.enabled=3", "replicas.x=1", "first.name.inner=1"],
    )
    .unwrap();
    for want in [
        "Warning: Condition path 'second.enabled' for chart second returned non-bool value",
        "warning: skipped value for parent.replicas: Not a table.",
        "warning: skipped value for parent.first.name: Not a table.",
        "warning: destination for parent.first.name is a table. Ignoring non-table value (from-parent)",
    ] {
        assert!(p.warnings.iter().any(|w| w == want), "{want}: {:?}", p.warnings);
    }
}

#[test]
fn library_charts_are_not_installable() {
    let err = prepare("parent/charts/lib", &[]).unwrap_err();
    assert_eq!(err, "library charts are not installable");
}

#[test]
fn missing_dependencies_are_named() {
    let dir = std::env::temp_dir().join(format!("kubake-chart-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: m\nversion: 1.0.0\ndependencies:\n- name: one\n  condition: one.on\n- name: two\n",
    )
    .unwrap();
    let mut chart = load_chart(&dir, &mut Vec::new()).unwrap();
    let err = prepare_with_user_values(&mut chart, &Values::new(), false).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(err
        .to_string()
        .ends_with("found in Chart.yaml, but missing in charts/ directory: one, two"));
    assert!(err.help().is_some());
}

#[test]
fn v1_requirements_and_kube_version() {
    let (chart, p) = prepare("legacy", &[]).unwrap();
    assert_eq!(chart.metadata.api_version, "v1");
    assert_eq!(chart.dependencies[0].name(), "renamed");
    assert_eq!(p.values["renamed"]["depValue"], "d");
    assert!(chart.files.iter().any(|f| f.name == "requirements.yaml"));
    let mut with_kube = chart;
    with_kube.metadata.kube_version = ">=1.25.0-0".into();
    assert!(check_kube_version(&with_kube, "v1.32.0").is_ok());
    assert_eq!(
        check_kube_version(&with_kube, "v1.23.0")
            .unwrap_err()
            .to_string(),
        "chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.23.0"
    );
}
