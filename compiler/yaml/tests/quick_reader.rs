//! The quick block-YAML reader against `saphyr-parser`: for every YAML file of the
//! repository's fixtures and goldens (and of `../shared/conformance` when it is there,
//! chart templates included), whenever the quick reader takes a text, loading it must
//! give exactly what the full parser gives: the same nodes, values, positions and
//! errors.

// The counts are the report of this test.
#![allow(clippy::print_stdout)]

mod common;

use std::path::PathBuf;

use kubake_yaml::load::{load_stream_full, quick_reader_takes};
use kubake_yaml::{load_stream_with, Duplicates, Schema};

fn compare(dirs: &[PathBuf]) -> (usize, usize) {
    let mut files = Vec::new();
    for dir in dirs {
        common::files_with(dir, &["yaml", "yml", "tpl"], &mut files);
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
    let root = common::repo_root();
    let (taken, total) = compare(&[root.join("fixtures"), root.join("golden")]);
    println!("quick reader: took {taken} of {total} fixture files");
    // Most of our fixtures are plain block YAML; if the reader took none, it is broken.
    assert!(taken * 2 > total, "took only {taken} of {total}");
}

#[test]
fn quick_reader_agrees_on_the_shared_corpora() {
    let Some(conformance) = common::shared_conformance() else {
        println!("quick reader: ../shared/conformance absent; skipped");
        return;
    };
    let (taken, total) = compare(&[conformance]);
    println!("quick reader: took {taken} of {total} shared files");
}
