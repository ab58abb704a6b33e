//! The quick block-YAML reader against `saphyr-parser`: for every YAML file of the
//! repository's fixtures and goldens (and of `../shared/conformance` when it is there,
//! chart templates included), whenever the quick reader takes a text, loading it must
//! give exactly what the full parser gives: the same nodes, values, positions and
//! errors.

// The counts are the report of this test.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use kubake_yaml::load::{load_stream_full, quick_reader_takes};
use kubake_yaml::{load_stream_with, Duplicates, Schema};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "tpl")
        {
            out.push(path);
        }
    }
}

fn compare(dirs: &[PathBuf]) -> (usize, usize) {
    let mut files = Vec::new();
    for dir in dirs {
        yaml_files(dir, &mut files);
    }
    let (mut taken, mut total) = (0, 0);
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        total += 1;
        if !quick_reader_takes(&text) {
            continue;
        }
        taken += 1;
        for (schema, dups) in [
            (Schema::Core12, Duplicates::Error),
            (Schema::Yaml11, Duplicates::LastWins),
        ] {
            let quick = load_stream_with(&text, schema, dups);
            let full = load_stream_full(&text, schema, dups);
            assert_eq!(
                format!("{quick:?}"),
                format!("{full:?}"),
                "{} loads differently",
                file.display()
            );
        }
    }
    (taken, total)
}

#[test]
fn quick_reader_agrees_on_the_repository_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (taken, total) = compare(&[root.join("fixtures"), root.join("golden")]);
    println!("quick reader: took {taken} of {total} fixture files");
    // Most of our fixtures are plain block YAML; if the reader took none, it is broken.
    assert!(taken * 2 > total, "took only {taken} of {total}");
}

#[test]
fn quick_reader_agrees_on_the_shared_corpora() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = std::env::var_os("KUBAKE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let conformance = shared.join("conformance");
    if !conformance.is_dir() {
        println!("quick reader: ../shared/conformance absent; skipped");
        return;
    }
    let (taken, total) = compare(&[conformance]);
    println!("quick reader: took {taken} of {total} shared files");
}
