//! The tree-free head reader against the loader: for every document of the repository's
//! fixtures and goldens (and of `../shared/conformance` when it is there), whenever
//! `head::read_head` answers, its answer is what loading the document under YAML 1.1
//! with later duplicate keys winning (Helm's reading of rendered documents) gives.

// The counts are the report of this test.
#![allow(clippy::print_stdout)]

mod common;

use std::path::{Path, PathBuf};

use kubake_yaml::head::{read_head, Head};
use kubake_yaml::{load_stream_with, Duplicates, Node, Schema, Value};

const HOOK: &str = "helm.sh/hook";

/// The head as read from the loaded tree; `None` when the document does not load or
/// its root is neither a mapping nor null.
fn loaded_head(text: &str) -> Option<Head> {
    let docs = load_stream_with(text, Schema::Yaml11, Duplicates::LastWins).ok()?;
    let node = docs.into_iter().next().unwrap_or_else(Node::null);
    let map = match &node.value {
        Value::Map(m) => m,
        Value::Null => return Some(Head::default()),
        _ => return None,
    };
    let metadata = map.get("metadata");
    Some(Head {
        kind: map.get("kind").and_then(Node::as_str).map(str::to_string),
        name: metadata
            .and_then(|m| m.get("name"))
            .and_then(Node::as_str)
            .map(str::to_string),
        annotation: metadata
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(HOOK))
            .and_then(Node::as_str)
            .map(str::to_string),
    })
}

fn documents(dir: &Path, out: &mut Vec<String>) {
    let mut files = Vec::new();
    common::files_with(dir, &["yaml", "yml"], &mut files);
    for file in files {
        if let Ok(text) = std::fs::read_to_string(&file) {
            out.extend(text.split("\n---\n").map(str::to_string));
        }
    }
}

/// (answered, total)
fn compare(dirs: &[PathBuf]) -> (usize, usize) {
    let mut docs = Vec::new();
    for dir in dirs {
        documents(dir, &mut docs);
    }
    let mut answered = 0;
    for doc in &docs {
        if let Some(head) = read_head(doc, Schema::Yaml11, HOOK) {
            answered += 1;
            assert_eq!(Some(head), loaded_head(doc), "head of:\n{doc}");
        }
    }
    (answered, docs.len())
}

#[test]
fn heads_agree_on_the_repository_fixtures() {
    let root = common::repo_root();
    let (answered, total) = compare(&[root.join("fixtures"), root.join("golden")]);
    println!("head reader: answered for {answered} of {total} fixture documents");
    assert!(answered * 2 > total, "answered only {answered} of {total}");
}

#[test]
fn heads_agree_on_the_shared_corpora() {
    let Some(conformance) = common::shared_conformance() else {
        println!("head reader: ../shared/conformance absent; skipped");
        return;
    };
    let (answered, total) = compare(&[conformance]);
    println!("head reader: answered for {answered} of {total} shared documents");
}

#[test]
fn the_loaders_rules_hold() {
    let cases = [
        // A later duplicate replaces the earlier value, and a later `metadata` all of it.
        "kind: A\nkind: B\nmetadata:\n  name: x\n  annotations:\n    helm.sh/hook: test\nmetadata:\n  name: y\n",
        // Values that are not strings under YAML 1.1.
        "kind: yes\nmetadata:\n  name: 0777\n",
        "kind: 'yes'\nmetadata:\n  name: \"12\"\n",
        // Collections where strings are expected.
        "kind: [A]\nmetadata:\n  name: {}\n  annotations: []\n",
        "metadata: null\nkind: K\n",
        "kind: K\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n  annotations:\n    other: x\n",
        "# only a comment\n",
        "",
        "other:\n  kind: nested\n  metadata:\n    name: nested\nkind: top\n",
    ];
    for text in cases {
        let head = read_head(text, Schema::Yaml11, HOOK);
        assert!(head.is_some(), "no answer for {text:?}");
        assert_eq!(head, loaded_head(text), "head of {text:?}");
    }
    // What the loader treats specially is left to it.
    for text in [
        "kind: &k K\nmetadata:\n  name: *k\n",
        "<<: {kind: K}\n",
        "kind: !!str K\n",
        "- a\n",
        "just a scalar\n",
        "kind: A\n---\nkind: B\n",
        "kind: [unclosed\n",
    ] {
        assert_eq!(read_head(text, Schema::Yaml11, HOOK), None, "{text:?}");
    }
}
