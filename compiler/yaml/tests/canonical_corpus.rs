//! The canonical-form check against the loader and emitter: for every document of the
//! repository's fixtures and goldens (and of `../shared/conformance` when it is there),
//! whenever `canonical_document` takes a document, loading it under YAML 1.1 and writing
//! it with `to_yaml` gives its text back byte for byte (the property the bundle's
//! shortcut for CRDs rests on), and the skeleton it reports loads as the document without
//! the omitted entries.

// The counts are the report of this test.
#![allow(clippy::print_stdout)]

mod common;

use std::path::PathBuf;

use kubake_yaml::{canonical_document, load_stream_with, to_yaml, Duplicates, Node, Schema};

const OMIT: &[&[&str]] = &[
    &["spec", "versions", "-", "schema"],
    &["spec", "validation"],
];

fn load11(text: &str) -> Vec<Node> {
    load_stream_with(text, Schema::Yaml11, Duplicates::LastWins)
        .unwrap_or_else(|e| panic!("taken but does not load ({e:?}):\n{text}"))
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

/// `node` without the entries at `OMIT`'s paths.
fn without_omitted(mut node: Node) -> Node {
    if let Some(spec) = node.as_map_mut().and_then(|m| m.get_mut("spec")) {
        if let Some(spec) = spec.as_map_mut() {
            spec.remove("validation");
            if let Some(versions) = spec.get_mut("versions").and_then(Node::as_seq_mut) {
                for v in versions {
                    if let Some(v) = v.as_map_mut() {
                        v.remove("schema");
                    }
                }
            }
        }
    }
    node
}

/// (taken, CRDs taken, total)
fn check(dirs: &[PathBuf]) -> (usize, usize, usize) {
    let mut files = Vec::new();
    for dir in dirs {
        common::files_with(dir, &["yaml", "yml"], &mut files);
    }
    let (mut taken, mut crds, mut total) = (0, 0, 0);
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Each document with a final line break, as the bundle and Helm's documents are.
        for doc in text.split("\n---\n") {
            let doc = format!("{}\n", doc.trim_end_matches('\n'));
            total += 1;
            let Some(c) = canonical_document(&doc, OMIT) else {
                continue;
            };
            taken += 1;
            let docs = load11(&doc);
            assert_eq!(docs.len(), 1, "{}:\n{doc}", file.display());
            assert_eq!(to_yaml(&docs[0]), &doc[c.start..], "{}", file.display());
            if !c.omitted.is_empty() {
                crds += 1;
                let skeleton = load11(&c.skeleton(&doc));
                assert_eq!(skeleton.len(), 1);
                assert_eq!(
                    skeleton[0],
                    without_omitted(docs[0].clone()),
                    "{}",
                    file.display()
                );
            }
        }
    }
    (taken, crds, total)
}

#[test]
fn taken_documents_round_trip_in_the_repository_fixtures() {
    let root = common::repo_root();
    let (taken, crds, total) = check(&[root.join("fixtures"), root.join("golden")]);
    println!(
        "canonical check: took {taken} of {total} fixture documents ({crds} with schemas left out)"
    );
    assert!(taken > 0);
}

#[test]
fn taken_documents_round_trip_in_the_shared_corpora() {
    let Some(conformance) = common::shared_conformance() else {
        println!("canonical check: ../shared/conformance absent; skipped");
        return;
    };
    let (taken, crds, total) = check(&[conformance]);
    println!(
        "canonical check: took {taken} of {total} shared documents ({crds} with schemas left out)"
    );
    assert!(crds > 0, "the corpora hold CRDs in the emitter's form");
}
