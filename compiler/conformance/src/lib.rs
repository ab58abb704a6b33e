//! The conformance harness: runs kubake over the shared corpora in `../shared/conformance`
//! and compares with the reference tools' recorded outputs, by each corpus README's rule.
//!
//! Each corpus has a floor (`floors.txt` beside this crate's manifest): the test fails
//! only when a pass count drops below its floor, so a partly passing corpus keeps CI
//! green while no regression can land. Raise a floor when the count rises.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod kustomize;

/// What happened to one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Output identical to the reference.
    Pass,
    /// Output differs only in formatting (equal as parsed YAML documents).
    SemanticOnly(String),
    /// Output differs, or the build failed/succeeded wrongly.
    Fail(String),
}

/// The results of one corpus.
#[derive(Debug, Default)]
pub struct Report {
    /// Case name to outcome, sorted by name.
    pub cases: BTreeMap<String, Outcome>,
}

impl Report {
    /// Number of passing cases.
    pub fn passed(&self) -> usize {
        self.cases.values().filter(|o| **o == Outcome::Pass).count()
    }
    /// Number of failing cases.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }
    /// Cases that differ only in formatting.
    pub fn semantic_only(&self) -> usize {
        self.cases
            .values()
            .filter(|o| matches!(o, Outcome::SemanticOnly(_)))
            .count()
    }
}

/// Where the shared corpora are: `$KUBAKE_SHARED` or `../shared` from the workspace root.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("KUBAKE_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    dir.join("conformance").is_dir().then_some(dir)
}

/// The floors recorded in `floors.txt` (`corpus count` per line).
pub fn floors() -> BTreeMap<String, usize> {
    let text = include_str!("../floors.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            Some((parts.next()?.to_string(), parts.next()?.parse().ok()?))
        })
        .collect()
}

/// A line-oriented summary of where two texts first differ.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let i = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let from = i.saturating_sub(2);
    let mut out = format!("first difference at line {}:\n", i + 1);
    for l in &e[from..(i + 4).min(e.len())] {
        out.push_str(&format!("  - {l}\n"));
    }
    for l in &a[from..(i + 4).min(a.len())] {
        out.push_str(&format!("  + {l}\n"));
    }
    out
}
