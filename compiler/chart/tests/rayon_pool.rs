//! Loading and the ordered map on rayon's global pool (`parallel::run_on_rayon_pool`, what
//! `kubake template` turns on): the same chart and the same order as on scoped threads.
//! Its own test binary, because the switch is for the whole process.

use std::path::PathBuf;

use kubake_chart::load_chart;
use kubake_chart::parallel::{map_in_order, run_on_rayon_pool};

/// A chart with a `values.yaml` big enough to be parsed beside the subcharts, a
/// subchart, and templates, written under the system's temporary folder.
fn write_chart(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubake-rayon-pool-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n");
    let values: String = (0..2000).map(|i| format!("key{i}: value {i}\n")).collect();
    assert!(values.len() >= 16 * 1024);
    write("values.yaml", &values);
    for i in 0..40 {
        write(&format!("templates/t{i:02}.yaml"), &format!("a: {i}\n"));
    }
    write(
        "charts/sub/Chart.yaml",
        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
    );
    write("charts/sub/values.yaml", "x: 1\n");
    write("charts/sub/templates/s.yaml", "b: 1\n");
    dir
}

#[test]
fn a_chart_loads_whole_on_the_pool() {
    run_on_rayon_pool();
    let dir = write_chart("load");
    let chart = load_chart(&dir, &mut Vec::new()).unwrap();
    assert_eq!(chart.values.len(), 2000);
    assert_eq!(chart.values["key1999"], "value 1999");
    let names: Vec<&str> = chart.templates.iter().map(|t| t.name.as_str()).collect();
    let expected: Vec<String> = (0..40).map(|i| format!("templates/t{i:02}.yaml")).collect();
    assert_eq!(names, expected);
    assert_eq!(chart.dependencies.len(), 1);
    assert_eq!(chart.dependencies[0].name(), "sub");
    assert_eq!(chart.dependencies[0].values["x"], 1.0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_values_file_is_reported_on_the_pool() {
    run_on_rayon_pool();
    let dir = write_chart("broken");
    let mut values = std::fs::read_to_string(dir.join("values.yaml")).unwrap();
    values.push_str("broken: [\n");
    std::fs::write(dir.join("values.yaml"), values).unwrap();
    let err = load_chart(&dir, &mut Vec::new()).unwrap_err().to_string();
    assert!(err.contains("cannot load values.yaml"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn results_keep_the_input_order_on_the_pool() {
    run_on_rayon_pool();
    let items: Vec<u64> = (0..5000).collect();
    let out = map_in_order(&items, 8, |x| x * x);
    assert_eq!(out, items.iter().map(|x| x * x).collect::<Vec<_>>());
}
