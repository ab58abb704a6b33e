//! A kustomization file as the controllers edit it before a build, and the build itself.
//!
//! [`KustFile`] is the directory's `kustomization.yaml` (or `.yml`, or `Kustomization`),
//! or one generated for a directory without any (Flux). Edits (Flux's
//! `targetNamespace`, `patches`, `images`…, Argo CD's `kustomize edit` overrides) are made
//! on the parsed mapping; the result goes into an [`OverlayFs`], never onto disk.
//!
//! [`build`] runs the kustomize engine and tells, for every object, the file it came
//! from: kubake asks kustomize for `buildMetadata: [originAnnotations]` and strips the
//! annotation again (unless the kustomization asked for it itself). An unedited file
//! keeps its own text, with the one line appended, so that kustomize's errors point at
//! the lines the user wrote.
//!
//! Not here: what the edits are (`flux::generate`, `argo::kustomize`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kubake_kustomize::{BuildOptions, LoadRestrictor};
use kubake_yaml::{Duplicates, Mapping, Node, Schema, Value};
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::fs::{rel_string, OverlayFs};
use crate::object;

/// The names kustomize recognises, in its order.
pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";
const ORIGIN_LINE: &str = "buildMetadata: [originAnnotations]\n";

/// The kustomization file of a directory, in memory.
#[derive(Clone, Debug)]
pub struct KustFile {
    /// Where it is (or would be, when generated).
    pub path: PathBuf,
    /// Whether kubake generated it (the directory had none).
    pub generated: bool,
    text: Option<String>,
    map: Mapping,
    edited: bool,
}

/// The kustomization file in `dir`, when there is one (the first of [`FILE_NAMES`]).
pub fn find(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

impl KustFile {
    /// Reads `dir`'s kustomization file; `None` when the directory has none. `root` makes
    /// paths in errors relative.
    pub fn load(dir: &Path, root: &Path) -> Result<Option<KustFile>> {
        let Some(path) = find(dir) else {
            return Ok(None);
        };
        let shown = rel_string(root, &path);
        let bytes = std::fs::read(&path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")).in_file(&shown)
        })?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // As kustomize reads it (YAML 1.1 scalars, see kubake_kustomize::kustfile::load).
        let docs = kubake_yaml::load_stream_with(&text, Schema::Yaml11, Duplicates::LastWins)
            .map_err(|e| Error::new(ErrorKind::Kustomize, e.message).at(&shown, e.pos))?;
        let node = docs
            .into_iter()
            .find(|d| !d.is_null())
            .unwrap_or_else(object::empty_map);
        let pos = node.pos;
        let Value::Map(map) = node.value else {
            return Err(Error::new(
                ErrorKind::Kustomize,
                "a kustomization file must hold a mapping",
            )
            .at(&shown, pos));
        };
        Ok(Some(KustFile {
            path,
            generated: false,
            text: Some(text),
            map,
            edited: false,
        }))
    }

    /// A kustomization listing `resources`, written to `dir/kustomization.yaml`.
    pub fn generated(dir: &Path, resources: &[String]) -> KustFile {
        let mut m = Mapping::new();
        m.insert("apiVersion", Node::str("kustomize.config.k8s.io/v1beta1"));
        m.insert("kind", Node::str("Kustomization"));
        m.insert(
            "resources",
            Node::new(Value::Seq(
                resources.iter().map(|r| Node::str(r.clone())).collect(),
            )),
        );
        KustFile {
            path: dir.join(FILE_NAMES[0]),
            generated: true,
            text: None,
            map: m,
            edited: true,
        }
    }

    /// Whether kubake wrote this file's content (generated it, or edited it): errors
    /// kustomize reports in it are then about the definition that asked for the edits.
    pub fn is_rewritten(&self) -> bool {
        self.generated || self.edited
    }

    /// The parsed mapping.
    pub fn map(&self) -> &Mapping {
        &self.map
    }

    /// Where the line at `pos` of the re-written file (what [`KustFile::render`] shows
    /// kustomize) is in the file on disk: the one line of the original with the same
    /// content. `None` for lines kubake added (Flux's fields) or that are ambiguous.
    pub fn original_position(&self, pos: kubake_yaml::Pos) -> Option<kubake_yaml::Pos> {
        let original = self.text.as_deref()?;
        let rendered = String::from_utf8(self.render().0).ok()?;
        let line = rendered.lines().nth((pos.line as usize).checked_sub(1)?)?;
        let wanted = line.trim();
        if wanted.is_empty() {
            return None;
        }
        let mut found = original
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == wanted);
        let (index, text) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let indent = |l: &str| (l.len() - l.trim_start().len()) as u32;
        Some(kubake_yaml::Pos {
            line: index as u32 + 1,
            col: (pos.col + indent(text)).saturating_sub(indent(line)).max(1),
        })
    }

    /// The parsed mapping, for editing (the file will be re-written).
    pub fn map_mut(&mut self) -> &mut Mapping {
        self.edited = true;
        &mut self.map
    }

    /// Sets a string field (replacing it).
    pub fn set_string(&mut self, key: &str, value: &str) {
        self.map_mut().insert(key, Node::str(value));
    }

    /// Appends to a list field, creating it.
    pub fn append(&mut self, key: &str, items: Vec<Node>) {
        if items.is_empty() {
            return;
        }
        let m = self.map_mut();
        let field = m.get_or_insert_with(key, || Node::new(Value::Seq(Vec::new())));
        if field.as_seq().is_none() {
            *field = Node::new(Value::Seq(Vec::new()));
        }
        if let Some(seq) = field.as_seq_mut() {
            seq.extend(items);
        }
    }

    /// The bytes to show in place of the file, asking kustomize for origin annotations,
    /// and whether those must be stripped from the output again.
    pub fn render(&self) -> (Vec<u8>, bool) {
        let metadata = self.map().get("buildMetadata");
        let has_origin = metadata
            .and_then(Node::as_seq)
            .is_some_and(|s| s.iter().any(|n| n.as_str() == Some("originAnnotations")));
        if has_origin && !self.edited {
            if let Some(t) = &self.text {
                return (t.clone().into_bytes(), false);
            }
        }
        if !self.edited && metadata.is_none() {
            if let Some(t) = &self.text {
                let mut appended = t.clone();
                if !appended.is_empty() && !appended.ends_with('\n') {
                    appended.push('\n');
                }
                appended.push_str(ORIGIN_LINE);
                if self.appended_reads_back(&appended) {
                    return (appended.into_bytes(), true);
                }
            }
        }
        let mut m = self.map.clone();
        let md = m.get_or_insert_with("buildMetadata", || Node::new(Value::Seq(Vec::new())));
        if md.as_seq().is_none() {
            *md = Node::new(Value::Seq(Vec::new()));
        }
        if !has_origin {
            if let Some(s) = md.as_seq_mut() {
                s.push(Node::str("originAnnotations"));
            }
        }
        (
            kubake_yaml::to_yaml(&Node::new(Value::Map(m))).into_bytes(),
            !has_origin,
        )
    }

    fn appended_reads_back(&self, appended: &str) -> bool {
        let Ok(docs) =
            kubake_yaml::load_stream_with(appended, Schema::Yaml11, Duplicates::LastWins)
        else {
            return false;
        };
        let docs: Vec<Node> = docs.into_iter().filter(|d| !d.is_null()).collect();
        let [doc] = docs.as_slice() else {
            return false;
        };
        let mut expected = self.map.clone();
        expected.insert(
            "buildMetadata",
            Node::new(Value::Seq(vec![Node::str("originAnnotations")])),
        );
        doc.as_map() == Some(&expected)
    }
}

/// One object of a build and the file it came from (relative to the root), when known.
#[derive(Clone, Debug)]
pub struct Built {
    /// The object.
    pub node: Node,
    /// Where it was read from, or the kustomization that generated it.
    pub source: Option<String>,
    /// Its text, when it was read in the bundle's form (a chart's CRD: `node` then
    /// lacks the schemas, see [`crate::verbatim`]).
    pub verbatim: Option<crate::verbatim::Verbatim>,
}

/// Memoised builds: a unit whose lookups were not ready is expanded again, and its
/// kustomize build is the same.
#[derive(Debug, Default)]
pub struct BuildCache {
    entries: Mutex<std::collections::HashMap<String, Arc<Result<Vec<Built>>>>>,
}

impl BuildCache {
    /// An empty cache.
    pub fn new() -> Self {
        BuildCache::default()
    }
}

/// Builds `dir` with kustomize, reading through `fs` (whose overlay holds `kfile`'s
/// rendering), and strips the origin annotations kubake asked for.
pub fn build(
    cache: &BuildCache,
    fs: &OverlayFs,
    kfile: &KustFile,
    restrictor: LoadRestrictor,
    root: &Path,
) -> Result<Vec<Built>> {
    let (bytes, strip) = kfile.render();
    let mut fs = fs.clone();
    fs.put(&kfile.path, bytes);
    let dir = kfile.path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let key = cache_key(&dir, restrictor, &fs);
    if let Ok(map) = cache.entries.lock() {
        if let Some(hit) = map.get(&key) {
            return (**hit).clone();
        }
    }
    let result = run(&fs, &dir, restrictor, root, strip);
    if let Ok(mut map) = cache.entries.lock() {
        map.insert(key, Arc::new(result.clone()));
    }
    result
}

fn cache_key(dir: &Path, restrictor: LoadRestrictor, fs: &OverlayFs) -> String {
    let mut h = Sha256::new();
    for (p, b) in fs.overlays() {
        h.update(p.to_string_lossy().as_bytes());
        h.update([0]);
        h.update(b);
        h.update([0]);
    }
    if let Some(key) = fs.hiding_key() {
        h.update(b"hidden\0");
        h.update(key.as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}\0{:?}\0{hex}", dir.display(), restrictor)
}

fn run(
    fs: &OverlayFs,
    dir: &Path,
    restrictor: LoadRestrictor,
    root: &Path,
    strip: bool,
) -> Result<Vec<Built>> {
    let opts = BuildOptions {
        load_restrictor: restrictor,
        // Flux's kustomize-controller never enables Helm; Argo CD does only when
        // argocd-cm's kustomize.buildOptions says --enable-helm (not modelled yet).
        helm: None,
    };
    let nodes =
        kubake_kustomize::build(fs, dir, &opts).map_err(|e| Error::from_kustomize(e, root))?;
    Ok(nodes
        .into_iter()
        .map(|mut node| {
            let origin = object::annotation(&node, ORIGIN_ANNOTATION).map(str::to_string);
            if strip {
                object::remove_annotation(&mut node, ORIGIN_ANNOTATION);
            }
            let source = origin.and_then(|o| origin_file(&o, dir, root));
            Built {
                node,
                source,
                verbatim: None,
            }
        })
        .collect())
}

/// The file an origin annotation names (`path:`, else `configuredIn:`), relative to the
/// root.
fn origin_file(origin: &str, dir: &Path, root: &Path) -> Option<String> {
    let field = |name: &str| {
        origin
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
    };
    let rel = field("path: ").or_else(|| field("configuredIn: "))?;
    let full = kubake_kustomize::fs::clean(&dir.join(rel));
    Some(rel_string(root, &full))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_of(text: &str) -> Mapping {
        kubake_yaml::load_one(text, Schema::Core12)
            .ok()
            .and_then(|n| n.as_map().cloned())
            .unwrap_or_default()
    }

    #[test]
    fn unedited_files_keep_their_text() {
        let k = KustFile {
            path: PathBuf::from("/r/kustomization.yaml"),
            generated: false,
            text: Some("resources:\n  - a.yaml".into()),
            map: map_of("resources:\n  - a.yaml"),
            edited: false,
        };
        let (bytes, strip) = k.render();
        assert!(strip);
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            "resources:\n  - a.yaml\nbuildMetadata: [originAnnotations]\n"
        );
    }

    #[test]
    fn flow_style_files_are_rewritten() {
        let text = "{resources: [a.yaml]}";
        let k = KustFile {
            path: PathBuf::from("/r/kustomization.yaml"),
            generated: false,
            text: Some(text.into()),
            map: map_of(text),
            edited: false,
        };
        let (bytes, strip) = k.render();
        assert!(strip);
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            "buildMetadata:\n- originAnnotations\nresources:\n- a.yaml\n"
        );
    }

    #[test]
    fn origins_name_files() {
        assert_eq!(
            origin_file(
                "path: ../base/d.yaml\n",
                Path::new("/r/apps/prod"),
                Path::new("/r")
            ),
            Some("apps/base/d.yaml".into())
        );
        assert_eq!(
            origin_file(
                "configuredIn: kustomization.yaml\nconfiguredBy:\n  kind: ConfigMapGenerator\n",
                Path::new("/r/a"),
                Path::new("/r")
            ),
            Some("a/kustomization.yaml".into())
        );
    }
}
