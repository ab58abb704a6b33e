//! `kubake.lock`: the charts a build resolved (name, version, SHA-256), at the repository
//! root, so that a build is reproducible and `--locked` can refuse drift.
//!
//! ```yaml
//! # kubake.lock: charts resolved by `kubake build` (do not edit).
//! charts:
//! - name: podinfo
//!   version: 6.14.1
//!   sha256: 0a1b…
//! ```
//!
//! Entries are sorted by name then version and written in one canonical form, so the
//! file changes only when resolution does. Not here: resolving charts (`charts`).

use std::collections::BTreeSet;
use std::path::Path;

use kubake_yaml::Schema;

use crate::charts::ResolvedChart;
use crate::error::{Error, ErrorKind, Result};

/// The lock file's name at the repository root.
pub const LOCK_FILE: &str = "kubake.lock";

/// The contents of a lock file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lock {
    /// The charts, sorted and without duplicates.
    pub charts: BTreeSet<ResolvedChart>,
}

impl Lock {
    /// A lock recording `charts`.
    pub fn new(charts: impl IntoIterator<Item = ResolvedChart>) -> Lock {
        Lock {
            charts: charts.into_iter().collect(),
        }
    }

    /// The canonical text.
    pub fn render(&self) -> String {
        let mut out =
            String::from("# kubake.lock: charts resolved by `kubake build` (do not edit).\n");
        if self.charts.is_empty() {
            out.push_str("charts: []\n");
            return out;
        }
        out.push_str("charts:\n");
        for c in &self.charts {
            out.push_str(&format!(
                "- name: {}\n  version: {}\n  sha256: {}\n",
                quote(&c.name),
                quote(&c.version),
                c.sha256
            ));
        }
        out
    }

    /// Parses a lock file's text; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Lock> {
        let doc = kubake_yaml::load_one(text, Schema::Core12)
            .map_err(|e| Error::new(ErrorKind::Lock, e.message).at(file, e.pos))?;
        let mut charts = BTreeSet::new();
        for item in crate::object::seq(&doc, &["charts"]) {
            let field = |k: &str| {
                item.get(k)
                    .and_then(crate::object::scalar_string)
                    .ok_or_else(|| {
                        Error::new(ErrorKind::Lock, format!("a chart entry has no {k:?}"))
                            .at(file, item.pos)
                            .with_help("delete kubake.lock and build again to rewrite it")
                    })
            };
            charts.insert(ResolvedChart {
                name: field("name")?,
                version: field("version")?,
                sha256: field("sha256")?,
            });
        }
        Ok(Lock { charts })
    }

    /// Reads `root/kubake.lock`; `None` when there is none.
    pub fn read(root: &Path) -> Result<Option<Lock>> {
        let path = root.join(LOCK_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read {LOCK_FILE}: {e}")).in_file(LOCK_FILE)
        })?;
        Lock::parse(&text, Path::new(LOCK_FILE)).map(Some)
    }

    /// What `--locked` checks: `Ok` when `self` (what the build resolved) equals
    /// `recorded`, else an error listing the differences.
    pub fn check_against(&self, recorded: Option<&Lock>) -> Result<()> {
        let empty = Lock::default();
        let old = recorded.unwrap_or(&empty);
        if *old == *self {
            return Ok(());
        }
        let mut lines = Vec::new();
        for c in self.charts.difference(&old.charts) {
            lines.push(format!(
                "+ {} {} (sha256 {})",
                c.name,
                c.version,
                short(&c.sha256)
            ));
        }
        for c in old.charts.difference(&self.charts) {
            lines.push(format!(
                "- {} {} (sha256 {})",
                c.name,
                c.version,
                short(&c.sha256)
            ));
        }
        let what = if recorded.is_none() {
            "there is no kubake.lock".to_string()
        } else {
            "kubake.lock would change".to_string()
        };
        Err(Error::new(
            ErrorKind::Lock,
            format!("--locked: {what}:\n{}", lines.join("\n")),
        )
        .in_file(LOCK_FILE)
        .with_help("build without --locked to update kubake.lock, and commit it"))
    }
}

fn short(s: &str) -> &str {
    s.get(..12).unwrap_or(s)
}

/// Quotes a scalar when YAML would read it as something other than the same string.
fn quote(s: &str) -> String {
    let mut one = kubake_yaml::to_yaml(&kubake_yaml::Node::str(s));
    if one.ends_with('\n') {
        one.pop();
    }
    one
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(n: &str, v: &str) -> ResolvedChart {
        ResolvedChart {
            name: n.into(),
            version: v.into(),
            sha256: "ab".repeat(32),
        }
    }

    #[test]
    fn round_trips_canonically() {
        let l = Lock::new([chart("b", "1.0.0"), chart("a", "2.0"), chart("b", "1.0.0")]);
        let text = l.render();
        assert!(text.contains("- name: a\n  version: \"2.0\"\n"), "{text}");
        let back = Lock::parse(&text, Path::new(LOCK_FILE)).unwrap_or_default();
        assert_eq!(back, l);
        assert!(l.check_against(Some(&back)).is_ok());
    }

    #[test]
    fn drift_is_listed() {
        let now = Lock::new([chart("a", "2.0.0")]);
        let old = Lock::new([chart("a", "1.0.0")]);
        let e = now
            .check_against(Some(&old))
            .err()
            .map(|e| e.message().to_string());
        let e = e.unwrap_or_default();
        assert!(e.contains("+ a 2.0.0") && e.contains("- a 1.0.0"), "{e}");
    }
}
