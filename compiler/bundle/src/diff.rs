//! `kubake diff`: what changed between two renders of a repository, object by object.
//!
//! Both sides are bundles (folders on disk, or laid out in memory). Objects are matched
//! by apiVersion, kind, namespace and name across the whole bundle, so an object that
//! moved to another unit file is not a change; each change is grouped under the unit
//! that applies it (the new side's unit, the old side's for removals). A changed object
//! lists the field paths that differ (`spec.replicas`,
//! `spec.template.spec.containers[0].image`) and a unified diff of its YAML.
//!
//! Not here: printing (`diff_format`), rendering the sides (`render`, the CLI's
//! `--base`).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use kubake_yaml::{Node, Schema};
use serde_json::Value as Json;

use crate::write::WriteError;

/// How many unchanged lines a YAML diff shows around each change.
const CONTEXT_LINES: usize = 3;

/// An object's identity.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (empty for cluster-scoped objects).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `apiVersion`.
    pub api_version: String,
}

impl fmt::Display for ObjectId {
    /// `Deployment apps/web (apps/v1)`; `Namespace apps (v1)` without a namespace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.kind)?;
        if !self.namespace.is_empty() {
            write!(f, "{}/", self.namespace)?;
        }
        write!(f, "{} ({})", self.name, self.api_version)
    }
}

/// A bundle read back: every object with the unit that applies it.
#[derive(Clone, Debug, Default)]
pub struct BundleObjects {
    /// By id and occurrence (a bundle may apply one id twice, from two units): the
    /// unit, the object as JSON (compared) and as YAML (shown).
    objects: BTreeMap<(ObjectId, usize), (String, Json, String)>,
    /// Units in apply order.
    units: Vec<String>,
}

/// One object's change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectChange {
    /// Which object.
    pub id: ObjectId,
    /// The field paths that differ (changed objects only), in document order.
    pub paths: Vec<String>,
    /// A unified diff of the object's YAML (for added and removed objects, every line).
    pub diff: String,
}

/// The changes of one unit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitDiff {
    /// The unit (`HelmRelease/apps/web`).
    pub unit: String,
    /// Objects only the new side has.
    pub added: Vec<ObjectChange>,
    /// Objects whose content differs.
    pub changed: Vec<ObjectChange>,
    /// Objects only the old side has.
    pub removed: Vec<ObjectChange>,
}

/// What changed between two bundles, by unit (in unit order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// Units with changes.
    pub units: Vec<UnitDiff>,
}

impl Diff {
    /// Objects added, changed and removed in all.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.units.iter().fold((0, 0, 0), |(a, c, r), u| {
            (a + u.added.len(), c + u.changed.len(), r + u.removed.len())
        })
    }

    /// `N added, M changed, K removed objects`.
    pub fn summary(&self) -> String {
        let (a, c, r) = self.counts();
        format!("{a} added, {c} changed, {r} removed objects")
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }
}

/// Why a bundle could not be read.
#[derive(Debug)]
pub struct ReadError {
    /// The bundle or file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read bundle {}: {}", self.path, self.message)
    }
}

impl std::error::Error for ReadError {}

impl From<WriteError> for ReadError {
    fn from(e: WriteError) -> Self {
        ReadError {
            path: e.path.display().to_string(),
            message: e.message,
        }
    }
}

/// Reads the bundle folder `dir` (as `kubake build` wrote it).
pub fn read_dir(dir: &Path) -> Result<BundleObjects, ReadError> {
    let fail = |message: String| ReadError {
        path: dir.display().to_string(),
        message,
    };
    if !dir.join("index.json").is_file() {
        return Err(fail(
            "no index.json: not a folder written by `kubake build`".into(),
        ));
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| fail(e.to_string()))? {
        let entry = entry.map_err(|e| fail(e.to_string()))?;
        if entry
            .file_type()
            .map_err(|e| fail(e.to_string()))?
            .is_file()
        {
            let bytes = std::fs::read(entry.path()).map_err(|e| fail(e.to_string()))?;
            files.push((entry.file_name().to_string_lossy().into_owned(), bytes));
        }
    }
    read_files(&files).map_err(|e| ReadError {
        path: format!("{}/{}", dir.display(), e.path),
        message: e.message,
    })
}

/// Reads a bundle's files (relative path, bytes; `index.json` among them).
pub fn read_files(files: &[(String, Vec<u8>)]) -> Result<BundleObjects, ReadError> {
    let fail = |path: &str, message: String| ReadError {
        path: path.into(),
        message,
    };
    let by_path: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_slice()))
        .collect();
    let index: Json = by_path
        .get("index.json")
        .ok_or_else(|| fail("index.json", "missing".into()))
        .and_then(|b| serde_json::from_slice(b).map_err(|e| fail("index.json", e.to_string())))?;
    let units = index
        .get("units")
        .and_then(Json::as_array)
        .ok_or_else(|| fail("index.json", "no `units` list".into()))?;
    let mut out = BundleObjects::default();
    for u in units {
        let unit = u.get("id").and_then(Json::as_str).unwrap_or("").to_string();
        out.units.push(unit.clone());
        let paths = u
            .get("files")
            .and_then(Json::as_array)
            .into_iter()
            .flatten();
        for path in paths.filter_map(|f| f.get("path").and_then(Json::as_str)) {
            let bytes = by_path
                .get(path)
                .ok_or_else(|| fail(path, "listed in index.json but missing".into()))?;
            let text = std::str::from_utf8(bytes).map_err(|e| fail(path, e.to_string()))?;
            let docs = kubake_yaml::load_stream(text, Schema::Core12)
                .map_err(|e| fail(path, e.to_string()))?;
            for doc in docs {
                let id = object_id(&doc);
                let nth = out
                    .objects
                    .range((id.clone(), 0)..=(id.clone(), usize::MAX))
                    .count();
                let yaml = kubake_yaml::to_yaml(&doc);
                out.objects.insert(
                    (id, nth),
                    (unit.clone(), kubake_yaml::json::to_json(&doc), yaml),
                );
            }
        }
    }
    Ok(out)
}

fn object_id(doc: &Node) -> ObjectId {
    let s = |path: &[&str]| doc.str_at(path).unwrap_or("").to_string();
    ObjectId {
        kind: s(&["kind"]),
        namespace: s(&["metadata", "namespace"]),
        name: s(&["metadata", "name"]),
        api_version: s(&["apiVersion"]),
    }
}

fn unit_entry<'a>(units: &'a mut BTreeMap<String, UnitDiff>, name: &str) -> &'a mut UnitDiff {
    units.entry(name.to_string()).or_insert_with(|| UnitDiff {
        unit: name.to_string(),
        ..UnitDiff::default()
    })
}

/// What changed from `old` to `new`, units in the new side's apply order (units only
/// the old side has after them, in its order).
pub fn diff(old: &BundleObjects, new: &BundleObjects) -> Diff {
    let mut units: BTreeMap<String, UnitDiff> = BTreeMap::new();
    for (key, (u, json, yaml)) in &new.objects {
        let id = &key.0;
        match old.objects.get(key) {
            None => unit_entry(&mut units, u).added.push(ObjectChange {
                id: id.clone(),
                paths: Vec::new(),
                diff: prefixed(yaml, '+'),
            }),
            Some((_, old_json, old_yaml)) if old_json != json => {
                let mut paths = Vec::new();
                changed_paths(old_json, json, &mut String::new(), &mut paths);
                unit_entry(&mut units, u).changed.push(ObjectChange {
                    id: id.clone(),
                    paths,
                    diff: unified(old_yaml, yaml),
                });
            }
            Some(_) => {}
        }
    }
    for (key, (u, _, yaml)) in &old.objects {
        let id = &key.0;
        if !new.objects.contains_key(key) {
            unit_entry(&mut units, u).removed.push(ObjectChange {
                id: id.clone(),
                paths: Vec::new(),
                diff: prefixed(yaml, '-'),
            });
        }
    }
    let position = |name: &str| {
        let of = |list: &[String]| list.iter().position(|u| u == name).unwrap_or(usize::MAX);
        (of(&new.units), of(&old.units))
    };
    let mut units: Vec<UnitDiff> = units.into_values().collect();
    units.sort_by_cached_key(|u| position(&u.unit));
    Diff { units }
}

/// Every line of `text` behind `sign`.
fn prefixed(text: &str, sign: char) -> String {
    text.lines().map(|l| format!("{sign}{l}\n")).collect()
}

/// A unified diff (hunks only, no file header) of two YAML texts.
fn unified(old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .to_string()
}

/// Collects the paths under `at` where `a` and `b` differ: mappings key by key,
/// sequences item by item, anything else as a whole.
fn changed_paths(a: &Json, b: &Json, at: &mut String, out: &mut Vec<String>) {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => {
            let keys = x.keys().chain(y.keys().filter(|k| !x.contains_key(*k)));
            for k in keys {
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(k);
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => changed_paths(p, q, at, out),
                    _ => out.push(at.clone()),
                }
                at.truncate(len);
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                match (x.get(i), y.get(i)) {
                    (Some(p), Some(q)) => changed_paths(p, q, at, out),
                    _ => out.push(at.clone()),
                }
                at.truncate(len);
            }
        }
        _ if a != b => out.push(at.clone()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bundle(units: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut index = Vec::new();
        for (i, (unit, yaml)) in units.iter().enumerate() {
            let path = format!("0{i}.yaml");
            files.push((path.clone(), yaml.as_bytes().to_vec()));
            index.push(json!({"id": unit, "files": [{"path": path}]}));
        }
        let index = json!({"units": index}).to_string();
        files.push(("index.json".into(), index.into_bytes()));
        files
    }

    #[test]
    fn objects_are_matched_by_identity_and_grouped_by_unit() {
        let old = bundle(&[
            ("Kustomization/flux-system/apps", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\ndata:\n  k: one\n  same: s\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n  namespace: x\n"),
            ("HelmRelease/x/web", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: x\nspec:\n  replicas: 1\n"),
        ]);
        // The ConfigMap `a` moves to another unit file, `web`'s replicas change, `new`
        // is added and `gone` removed.
        let new = bundle(&[
            ("Kustomization/flux-system/apps", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n  namespace: x\n"),
            ("HelmRelease/x/web", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: x\nspec:\n  replicas: 2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\ndata:\n  k: two\n  same: s\n"),
        ]);
        let d = diff(&read_files(&old).unwrap(), &read_files(&new).unwrap());
        assert_eq!(d.summary(), "1 added, 2 changed, 1 removed objects");
        let units: Vec<&str> = d.units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(
            units,
            ["Kustomization/flux-system/apps", "HelmRelease/x/web"]
        );
        let web = &d.units[1];
        let changed: Vec<(String, Vec<String>)> = web
            .changed
            .iter()
            .map(|c| (c.id.to_string(), c.paths.clone()))
            .collect();
        assert_eq!(
            changed,
            [
                ("ConfigMap x/a (v1)".to_string(), vec!["data.k".to_string()]),
                (
                    "Deployment x/web (apps/v1)".to_string(),
                    vec!["spec.replicas".to_string()]
                ),
            ]
        );
        assert!(web.changed[1]
            .diff
            .contains("-  replicas: 1\n+  replicas: 2\n"));
        let apps = &d.units[0];
        assert_eq!(apps.added[0].id.name, "new");
        assert!(apps.added[0].diff.starts_with("+apiVersion: v1\n"));
        assert_eq!(apps.removed[0].id.name, "gone");
        assert!(diff(&read_files(&new).unwrap(), &read_files(&new).unwrap()).is_empty());
    }

    #[test]
    fn an_id_applied_twice_is_matched_occurrence_by_occurrence() {
        let cm = |v: &str| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: {v}\n")
        };
        let old = bundle(&[("U/a", &cm("1")), ("U/b", &cm("2"))]);
        let new = bundle(&[("U/a", &cm("1")), ("U/b", &cm("3"))]);
        let d = diff(&read_files(&old).unwrap(), &read_files(&new).unwrap());
        assert_eq!(d.summary(), "0 added, 1 changed, 0 removed objects");
        assert_eq!(d.units[0].unit, "U/b");
    }

    #[test]
    fn paths_name_keys_and_items() {
        let mut out = Vec::new();
        changed_paths(
            &json!({"spec": {"c": [{"image": "a"}, {"image": "b"}], "x": 1}}),
            &json!({"spec": {"c": [{"image": "a"}, {"image": "c"}, {}], "y": 1}}),
            &mut String::new(),
            &mut out,
        );
        assert_eq!(out, ["spec.c[1].image", "spec.c[2]", "spec.x", "spec.y"]);
    }
}
