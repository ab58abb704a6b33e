//! The kustomize corpus (`conformance/kustomize/cases/*`): `kustomize build` cases from
//! kustomize's own end-to-end tests with kustomize v5.6.0's output. A case passes when
//! the output is byte-identical to `expected.yaml`, or, for an `error` case, when the
//! build fails.

use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use kubake_kustomize::{build, BuildOptions, FileSystem, LoadRestrictor, RealFs};

use crate::{first_difference, Outcome, Report};

/// The real filesystem plus the empty directories a case needs (git keeps none).
struct CaseFs {
    empty_dirs: Vec<PathBuf>,
}

impl FileSystem for CaseFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        RealFs.read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        RealFs.is_dir(path) || self.empty_dirs.iter().any(|d| d == path)
    }
    fn is_file(&self, path: &Path) -> bool {
        RealFs.is_file(path)
    }
}

/// Runs one case directory.
pub fn run_case(case: &Path) -> Outcome {
    let meta: serde_json::Value = match std::fs::read_to_string(case.join("case.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
    {
        Some(m) => m,
        None => return Outcome::Fail("unreadable case.json".into()),
    };
    let entry = case.join(meta["entry"].as_str().unwrap_or("in"));
    let flags: Vec<&str> = meta["build_flags"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let opts = BuildOptions {
        load_restrictor: if flags.contains(&"LoadRestrictionsNone") {
            LoadRestrictor::None
        } else {
            LoadRestrictor::RootOnly
        },
        helm: None,
    };
    let empty_dirs = meta["empty_dirs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(|d| kubake_kustomize::fs::clean(&case.join(d)))
                .collect()
        })
        .unwrap_or_default();
    let fs = CaseFs { empty_dirs };
    let result = catch_unwind(AssertUnwindSafe(|| build(&fs, &entry, &opts)));
    let result = match result {
        Ok(r) => r,
        Err(_) => return Outcome::Fail("PANIC".into()),
    };
    match (meta["kind"].as_str(), result) {
        (Some("error"), Err(_)) => Outcome::Pass,
        (Some("error"), Ok(_)) => Outcome::Fail("built, but the reference fails".into()),
        (_, Err(e)) => Outcome::Fail(format!("error: {e}")),
        (_, Ok(objects)) => {
            let actual = kubake_yaml::to_yaml_stream(&objects);
            let expected = std::fs::read_to_string(case.join("expected.yaml")).unwrap_or_default();
            if actual == expected {
                return Outcome::Pass;
            }
            let parse = |t: &str| kubake_yaml::load_stream(t, kubake_yaml::Schema::Core12).ok();
            let diff = first_difference(&expected, &actual);
            if parse(&actual).is_some() && parse(&actual) == parse(&expected) {
                Outcome::SemanticOnly(diff)
            } else {
                Outcome::Fail(diff)
            }
        }
    }
}

/// Runs every case whose name contains `filter`.
pub fn run_all(shared: &Path, filter: Option<&str>) -> Report {
    let mut report = Report::default();
    let cases = shared.join("conformance/kustomize/cases");
    let Ok(entries) = std::fs::read_dir(&cases) else {
        return report;
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        report.cases.insert(name, run_case(&dir));
    }
    report
}
