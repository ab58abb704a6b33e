//! Conformance against the shared corpora, with ratcheting floors.
//!
//! `cargo test -p kubake-conformance` prints `<corpus>: N passed, M failed` per corpus.
//! `KUBAKE_CASE=substring` runs matching cases only and shows each failure's difference;
//! `KUBAKE_CONFORMANCE_VERBOSE=1` lists every failing case.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use kubake_conformance::{floors, kustomize, shared_dir, Outcome};

fn main() -> ExitCode {
    let Some(shared) = shared_dir() else {
        println!(
            "conformance: ../shared/conformance not found; skipping (set KUBAKE_SHARED to run)"
        );
        return ExitCode::SUCCESS;
    };
    // A panic is a failing case (counted and reported), not noise on the terminal.
    std::panic::set_hook(Box::new(|_| {}));
    let filter = std::env::var("KUBAKE_CASE").ok();
    let verbose = filter.is_some() || std::env::var_os("KUBAKE_CONFORMANCE_VERBOSE").is_some();
    let floors = floors();
    let mut ok = true;

    let report = kustomize::run_all(&shared, filter.as_deref());
    if verbose {
        for (name, outcome) in &report.cases {
            match outcome {
                Outcome::Pass => {}
                Outcome::SemanticOnly(d) => println!("FORMAT {name}\n{d}"),
                Outcome::Fail(d) => println!("FAIL {name}\n{d}"),
            }
        }
    }
    let floor = floors.get("kustomize").copied().unwrap_or(0);
    println!(
        "kustomize: {} passed, {} failed ({} of the failures equal as parsed YAML; floor {floor})",
        report.passed(),
        report.failed(),
        report.semantic_only()
    );
    if filter.is_none() && report.passed() < floor {
        eprintln!(
            "kustomize: {} passed is below the floor of {floor}",
            report.passed()
        );
        ok = false;
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
