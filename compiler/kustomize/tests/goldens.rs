//! Our own fixtures (`fixtures/kustomize/cases.txt`) against the goldens the reference
//! kustomize produced for them (`golden/kustomize/`, made by `scripts/gen-golden.sh`).
//! Every case runs; all failures are reported together.

use std::path::Path;

use kubake_kustomize::{build, BuildOptions, LoadRestrictor, RealFs};

#[test]
fn fixtures_match_reference_goldens() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cases = std::fs::read_to_string(root.join("fixtures/kustomize/cases.txt")).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in cases
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut parts = line.split_whitespace();
        let (name, entry) = (parts.next().unwrap(), parts.next().unwrap());
        let flags: Vec<&str> = parts.collect();
        let opts = BuildOptions {
            load_restrictor: if flags.contains(&"LoadRestrictionsNone") {
                LoadRestrictor::None
            } else {
                LoadRestrictor::RootOnly
            },
            helm: None,
        };
        count += 1;
        let result = build(&RealFs, &root.join("fixtures/kustomize").join(entry), &opts);
        let golden = root.join("golden/kustomize").join(format!("{name}.yaml"));
        match (std::fs::read_to_string(&golden), result) {
            (Ok(expected), Ok(objects)) => {
                let actual = kubake_yaml::to_yaml_stream(&objects);
                if actual != expected {
                    failures.push(format!(
                        "{name}: output differs\n--- expected\n{expected}\n--- actual\n{actual}"
                    ));
                }
            }
            (Ok(_), Err(e)) => failures.push(format!("{name}: build failed: {e}")),
            (Err(_), Ok(_)) => failures.push(format!("{name}: built, but the reference fails")),
            (Err(_), Err(_)) => {}
        }
    }
    assert!(count > 0, "no fixture cases found");
    assert!(
        failures.is_empty(),
        "{} of {count} fixtures differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
