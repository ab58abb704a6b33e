//! An Argo CD directory source (`reposerver/repository/repository.go`, `findManifests`):
//! the `*.yaml`, `*.yml` and `*.json` files of the directory (every level with
//! `recurse: true`), filtered by the `include`/`exclude` globs on the path relative to
//! the source path, read as the Kubernetes API reads manifests (YAML 1.1).
//!
//! A YAML file that holds no Kubernetes object and does not look like one (no
//! `apiVersion:`, `kind:` and `metadata:`) is ignored, as Argo CD ignores it; Jsonnet is
//! refused (kubake does not evaluate it). Not here: kustomize and Helm sources.

use std::path::Path;

use kubake_yaml::{Duplicates, Node, Schema};

use crate::error::{Error, ErrorKind, Result};
use crate::fs::{list_dir, rel_string, MAX_WALK_DEPTH};
use crate::glob;
use crate::kfile::Built;
use crate::object;

/// Reads the directory source at `dir` with the Application's `directory` settings.
pub fn read(dir: &Path, settings: Option<&Node>, root: &Path) -> Result<Vec<Built>> {
    let recurse = settings.is_some_and(|s| object::bool_at(s, &["recurse"]));
    let include = settings
        .and_then(|s| s.str_at(&["include"]))
        .filter(|s| !s.is_empty());
    let exclude = settings
        .and_then(|s| s.str_at(&["exclude"]))
        .filter(|s| !s.is_empty());
    let mut files = Vec::new();
    walk(dir, dir, recurse, &mut files, 0)?;
    let mut out = Vec::new();
    for (rel, path) in files {
        if exclude.is_some_and(|e| glob::matches(e, &rel)) {
            continue;
        }
        if include.is_some_and(|i| !glob::matches(i, &rel)) {
            continue;
        }
        let shown = rel_string(root, &path);
        if rel.ends_with(".jsonnet") {
            return Err(Error::new(
                ErrorKind::Definition,
                format!("{shown}: Jsonnet is not supported"),
            )
            .in_file(&shown)
            .with_help("exclude it with spec.source.directory.exclude, or render it to YAML"));
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")).in_file(&shown)
        })?;
        let text = String::from_utf8_lossy(&bytes);
        out.extend(parse_file(&text, &shown, rel.ends_with(".json"))?);
    }
    Ok(out)
}

fn walk(
    base: &Path,
    dir: &Path,
    recurse: bool,
    out: &mut Vec<(String, std::path::PathBuf)>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_WALK_DEPTH {
        return Ok(());
    }
    let entries = list_dir(dir)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot list {}: {e}", dir.display())))?;
    for e in entries {
        if e.is_dir {
            if recurse && e.name != ".git" {
                walk(base, &e.path, recurse, out, depth + 1)?;
            }
            continue;
        }
        let lower = e.name.as_str();
        if !(lower.ends_with(".yaml")
            || lower.ends_with(".yml")
            || lower.ends_with(".json")
            || lower.ends_with(".jsonnet"))
        {
            continue;
        }
        let rel = e
            .path
            .strip_prefix(base)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        out.push((rel, e.path));
    }
    Ok(())
}

fn parse_file(text: &str, shown: &str, json: bool) -> Result<Vec<Built>> {
    let looks_like_manifest =
        text.contains("apiVersion:") && text.contains("kind:") && text.contains("metadata:");
    let docs = match kubake_yaml::load_stream_with(text, Schema::Yaml11, Duplicates::LastWins) {
        Ok(d) => d,
        Err(e) if json || looks_like_manifest => {
            return Err(Error::new(
                ErrorKind::Yaml,
                format!("Failed to unmarshal {shown:?}: {}", e.message),
            )
            .at(shown, e.pos))
        }
        Err(_) => return Ok(Vec::new()),
    };
    let mut out = Vec::new();
    for d in docs {
        if d.is_null() {
            continue;
        }
        if d.as_map().is_none() || object::kind(&d).is_empty() {
            if json || looks_like_manifest || !out.is_empty() {
                return Err(Error::new(
                    ErrorKind::Yaml,
                    format!("Failed to unmarshal {shown:?}: Object 'Kind' is missing"),
                )
                .at(shown, d.pos));
            }
            return Ok(Vec::new());
        }
        out.push(Built {
            node: d,
            source: Some(shown.to_string()),
            verbatim: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrelated_yaml_is_ignored_and_manifests_are_not() {
        assert!(parse_file("foo: bar\n", "v.yaml", false)
            .map(|v| v.is_empty())
            .unwrap_or(false));
        assert!(parse_file("apiVersion: v1\nmetadata: {}\nkind: \n", "x.yaml", false).is_err());
        let ok = parse_file(
            "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}",
            "a.json",
            true,
        );
        assert_eq!(ok.map(|v| v.len()).unwrap_or(0), 1);
    }
}
