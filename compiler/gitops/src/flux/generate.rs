//! The kustomization a Flux Kustomization builds: the one in `spec.path`, or one
//! generated as kustomize-controller generates it, with the Flux fields written into it
//! (`fluxcd/pkg/kustomize/kustomize_generator.go`).
//!
//! - Generation: every `*.yaml`/`*.yml` file below the path, recursively, in walk order
//!   (sorted by name); a sub-directory holding a kustomization file is listed as a
//!   directory and not descended into. Files a Flux source artifact never contains
//!   (`.git/`, CI files, `.sops.yaml`…) are left out as source-controller leaves them out.
//! - Then: `targetNamespace` -> `namespace` (replaces), `namePrefix`/`nameSuffix`
//!   (replace), `patches` appended, `patchesStrategicMerge`/`patchesJson6902` (v1beta2)
//!   appended, `components` appended (local relative paths; missing ones skipped with
//!   `ignoreMissingComponents`), `images`: an entry with the same name is updated field by
//!   field (`newTag` and `digest` as one unit), otherwise appended.
//!
//! Not here: the build itself (`kfile::build`) or substitution (`varsub`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use kubake_yaml::{Mapping, Node, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::fs::{list_dir, MAX_WALK_DEPTH};
use crate::kfile::{self, KustFile};
use crate::object;

/// Files and directories a Flux source artifact leaves out (source-controller's default
/// exclusions that can hold YAML).
fn excluded_by_source_controller(name: &str, is_dir: bool) -> bool {
    if is_dir {
        return matches!(name, ".git" | ".github" | ".circleci");
    }
    matches!(
        name,
        ".gitignore"
            | ".gitmodules"
            | ".gitattributes"
            | ".travis.yml"
            | ".gitlab-ci.yml"
            | "appveyor.yml"
            | ".drone.yml"
            | "cloudbuild.yaml"
            | "codeship-services.yml"
            | "codeship-steps.yml"
            | ".goreleaser.yml"
            | ".sops.yaml"
            | ".flux.yaml"
    )
}

/// What a Flux source's artifact leaves out: source-controller's default exclusions,
/// the `.sourceignore` files (gitignore syntax, each about its own folder) and the
/// source's `spec.ignore` (patterns relative to the source root, read last, so they
/// win). Built once per Flux Kustomization; the filesystem of its build asks it path
/// after path, so answers are remembered (kustomize asks about a path several times),
/// and the files on disk that it hid are recorded for the error that may follow.
#[derive(Clone)]
pub struct ArtifactFilter {
    source_root: PathBuf,
    spec: Option<Arc<ignore::gitignore::Gitignore>>,
    /// The source root and `spec.ignore`, naming the filter in cache keys.
    key: String,
    answers: Arc<Mutex<HashMap<(PathBuf, bool), bool>>>,
    hidden_on_disk: Arc<Mutex<Vec<PathBuf>>>,
}

impl ArtifactFilter {
    /// The filter of the source at `source_root` with `spec.ignore` `ignore`; an error
    /// when those patterns do not parse.
    pub fn new(source_root: &Path, ignore: Option<&str>) -> Result<ArtifactFilter> {
        Ok(ArtifactFilter {
            source_root: source_root.to_path_buf(),
            spec: ignore
                .map(|patterns| spec_ignore(source_root, patterns).map(Arc::new))
                .transpose()?,
            key: format!("{}\0{}", source_root.display(), ignore.unwrap_or("")),
            answers: Arc::default(),
            hidden_on_disk: Arc::default(),
        })
    }

    /// Names the filter in cache keys.
    pub fn key(&self) -> String {
        self.key.clone()
    }

    /// The resources of a generated kustomization for `dir` (`./file.yaml`, `./sub`):
    /// what the artifact holds of it.
    pub fn generated_resources(&self, dir: &Path) -> Result<Vec<String>> {
        let mut ignores = SourceIgnores::new(self);
        // The folders above `dir` (the walk reads `dir`'s own file).
        if let Ok(rel) = dir.strip_prefix(&self.source_root) {
            let mut at = self.source_root.clone();
            for c in rel.components() {
                ignores.enter(&at)?;
                at.push(c);
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out, 0, &mut ignores)?;
        Ok(out)
    }

    /// Whether the artifact leaves `path` (a folder when `is_dir`) out: excluded itself
    /// or a folder it is in. Flux then finds no such path.
    pub fn excludes(&self, path: &Path, is_dir: bool) -> Result<bool> {
        let Ok(rel) = path.strip_prefix(&self.source_root) else {
            return Ok(false);
        };
        let mut ignores = SourceIgnores::new(self);
        let mut at = self.source_root.clone();
        let mut components = rel.components().peekable();
        while let Some(c) = components.next() {
            ignores.enter(&at)?;
            at.push(c);
            let dir = is_dir || components.peek().is_some();
            let name = c.as_os_str().to_string_lossy();
            if excluded_by_source_controller(&name, dir) || ignores.excludes(&at, dir) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// [`ArtifactFilter::excludes`], remembered, as a filesystem asks it (a
    /// `.sourceignore` that cannot be read hides nothing here; the generated list and
    /// the path check report it).
    pub fn hides(&self, path: &Path, is_dir: bool) -> bool {
        let key = (kubake_kustomize::fs::clean(path), is_dir);
        if let Some(hidden) = self.answers.lock().ok().and_then(|a| a.get(&key).copied()) {
            return hidden;
        }
        let hidden = self.excludes(&key.0, is_dir).unwrap_or(false);
        if hidden && !is_dir && key.0.is_file() {
            if let Ok(mut h) = self.hidden_on_disk.lock() {
                h.push(key.0.clone());
            }
        }
        if let Ok(mut a) = self.answers.lock() {
            a.insert(key, hidden);
        }
        hidden
    }

    /// The files that exist on disk and were hidden, in the order asked about.
    pub fn hidden_files_on_disk(&self) -> Vec<PathBuf> {
        self.hidden_on_disk
            .lock()
            .map(|h| h.clone())
            .unwrap_or_default()
    }
}

/// The `.sourceignore` files in force while walking: one matcher per folder that has
/// one, outermost first; and the source's `spec.ignore`, over them all.
struct SourceIgnores<'a> {
    stack: Vec<(PathBuf, ignore::gitignore::Gitignore)>,
    spec: Option<&'a ignore::gitignore::Gitignore>,
}

/// A GitRepository's `spec.ignore` as a matcher rooted at the source.
fn spec_ignore(source_root: &Path, patterns: &str) -> Result<ignore::gitignore::Gitignore> {
    let mut b = ignore::gitignore::GitignoreBuilder::new(source_root);
    for line in patterns.lines() {
        b.add_line(None, line).map_err(|e| {
            Error::new(
                ErrorKind::Definition,
                format!("spec.ignore of the GitRepository: {e}"),
            )
        })?;
    }
    b.build().map_err(|e| {
        Error::new(
            ErrorKind::Definition,
            format!("spec.ignore of the GitRepository: {e}"),
        )
    })
}

impl<'a> SourceIgnores<'a> {
    /// No `.sourceignore` read yet; the source's `spec.ignore`, if any.
    fn new(filter: &'a ArtifactFilter) -> SourceIgnores<'a> {
        SourceIgnores {
            stack: Vec::new(),
            spec: filter.spec.as_deref(),
        }
    }

    /// Reads `dir/.sourceignore`, if any, into the stack.
    fn enter(&mut self, dir: &Path) -> Result<bool> {
        let file = dir.join(".sourceignore");
        if !file.is_file() {
            return Ok(false);
        }
        let mut b = ignore::gitignore::GitignoreBuilder::new(dir);
        if let Some(e) = b.add(&file) {
            return Err(Error::new(
                ErrorKind::Io,
                format!("cannot read {}: {e}", file.display()),
            ));
        }
        let matcher = b
            .build()
            .map_err(|e| Error::new(ErrorKind::Io, format!("{}: {e}", file.display())))?;
        self.stack.push((dir.to_path_buf(), matcher));
        Ok(true)
    }

    /// Whether `path` is excluded: the innermost file with a matching rule decides (a
    /// `!pattern` there brings a path back).
    fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        for m in self
            .spec
            .into_iter()
            .chain(self.stack.iter().rev().map(|(_, m)| m))
        {
            let found = m.matched_path_or_any_parents(path, is_dir);
            if found.is_ignore() {
                return true;
            }
            if found.is_whitelist() {
                return false;
            }
        }
        false
    }
}

fn walk(
    base: &Path,
    dir: &Path,
    out: &mut Vec<String>,
    depth: usize,
    ignores: &mut SourceIgnores<'_>,
) -> Result<()> {
    if depth > MAX_WALK_DEPTH {
        return Ok(());
    }
    let entered = ignores.enter(dir)?;
    let entries = list_dir(dir)
        .map_err(|e| Error::new(ErrorKind::Io, format!("cannot list {}: {e}", dir.display())))?;
    for e in entries {
        if excluded_by_source_controller(&e.name, e.is_dir) || ignores.excludes(&e.path, e.is_dir) {
            continue;
        }
        let rel = e
            .path
            .strip_prefix(base)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        if e.is_dir {
            if kfile::find(&e.path).is_some() {
                out.push(format!("./{rel}"));
            } else {
                walk(base, &e.path, out, depth + 1, ignores)?;
            }
        } else if e.name.ends_with(".yaml") || e.name.ends_with(".yml") {
            out.push(format!("./{rel}"));
        }
    }
    if entered {
        ignores.stack.pop();
    }
    Ok(())
}

/// The kustomization to build for a Flux Kustomization whose `spec` is `spec` and whose
/// path is `dir`: the existing file or one generated from what `artifact` holds, with
/// the Flux fields written in.
pub fn prepare(
    dir: &Path,
    spec: &Node,
    root: &Path,
    artifact: &ArtifactFilter,
) -> Result<KustFile> {
    let mut k = match KustFile::load(dir, root)? {
        Some(k) => k,
        None => KustFile::generated(dir, &artifact.generated_resources(dir)?),
    };
    apply_flux_fields(&mut k, dir, spec)?;
    Ok(k)
}

fn non_empty_str<'a>(spec: &'a Node, key: &str) -> Option<&'a str> {
    spec.str_at(&[key]).filter(|s| !s.is_empty())
}

/// Writes the Flux fields of `spec` into `k`.
pub fn apply_flux_fields(k: &mut KustFile, dir: &Path, spec: &Node) -> Result<()> {
    if let Some(ns) = non_empty_str(spec, "targetNamespace") {
        k.set_string("namespace", ns);
    }
    if let Some(p) = non_empty_str(spec, "namePrefix") {
        k.set_string("namePrefix", p);
    }
    if let Some(s) = non_empty_str(spec, "nameSuffix") {
        k.set_string("nameSuffix", s);
    }
    let patches: Vec<Node> = object::seq(spec, &["patches"])
        .iter()
        .map(|p| {
            let mut m = Mapping::new();
            if let Some(text) = p.get("patch") {
                m.insert("patch", text.clone());
            }
            if let Some(t) = p.get("target").filter(|t| !t.is_null()) {
                m.insert("target", selector(t));
            }
            Node::new(Value::Map(m))
        })
        .collect();
    k.append("patches", patches);

    let components: Vec<String> = object::seq(spec, &["components"])
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    let ignore_missing = object::bool_at(spec, &["ignoreMissingComponents"]);
    let mut keep = Vec::new();
    for c in components {
        if c.starts_with('/') || c.contains("://") {
            return Err(Error::new(
                ErrorKind::Definition,
                format!("component path '{c}' must be local and relative"),
            ));
        }
        if ignore_missing && !dir.join(&c).exists() {
            continue;
        }
        keep.push(Node::str(c));
    }
    k.append("components", keep);

    let psm: Vec<Node> = object::seq(spec, &["patchesStrategicMerge"]).to_vec();
    k.append("patchesStrategicMerge", psm);
    let pj: Vec<Node> = object::seq(spec, &["patchesJson6902"])
        .iter()
        .map(|p| {
            let mut m = Mapping::new();
            let ops = p.get("patch").map(kubake_yaml::json::to_json);
            let text = ops.map_or_else(|| "[]".to_string(), |j| j.to_string());
            m.insert("patch", Node::str(text));
            if let Some(t) = p.get("target") {
                m.insert("target", selector(t));
            }
            Node::new(Value::Map(m))
        })
        .collect();
    k.append("patchesJson6902", pj);

    for image in object::seq(spec, &["images"]) {
        merge_image(k, image);
    }
    Ok(())
}

/// A Flux selector as kustomize reads one (only the selector fields).
pub(crate) fn selector(t: &Node) -> Node {
    let mut m = Mapping::new();
    for key in [
        "group",
        "version",
        "kind",
        "name",
        "namespace",
        "labelSelector",
        "annotationSelector",
    ] {
        if let Some(v) = t
            .get(key)
            .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            m.insert(key, v.clone());
        }
    }
    Node::new(Value::Map(m))
}

/// Flux's image rule: update the entry of the same name field by field (`newTag` and
/// `digest` together), or append.
fn merge_image(k: &mut KustFile, image: &Node) {
    let Some(name) = image.str_at(&["name"]) else {
        return;
    };
    let field = |key: &str| image.str_at(&[key]).filter(|s| !s.is_empty());
    let m = k.map_mut();
    let images = m.get_or_insert_with("images", || Node::new(Value::Seq(Vec::new())));
    if images.as_seq().is_none() {
        *images = Node::new(Value::Seq(Vec::new()));
    }
    let Some(list) = images.as_seq_mut() else {
        return;
    };
    if let Some(existing) = list
        .iter_mut()
        .find(|e| e.str_at(&["name"]) == Some(name))
        .and_then(Node::as_map_mut)
    {
        if let Some(n) = field("newName") {
            existing.insert("newName", Node::str(n));
        }
        if field("newTag").is_some() || field("digest").is_some() {
            existing.remove("newTag");
            existing.remove("digest");
            if let Some(t) = field("newTag") {
                existing.insert("newTag", Node::str(t));
            }
            if let Some(d) = field("digest") {
                existing.insert("digest", Node::str(d));
            }
        }
        return;
    }
    let mut e = Mapping::new();
    e.insert("name", Node::str(name));
    for key in ["newName", "newTag", "digest"] {
        if let Some(v) = field(key) {
            e.insert(key, Node::str(v));
        }
    }
    list.push(Node::new(Value::Map(e)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubake_yaml::{load_one, Schema};
    use std::path::PathBuf;

    fn node(text: &str) -> Node {
        load_one(text, Schema::Core12).unwrap_or_else(|_| Node::null())
    }

    #[test]
    fn sourceignore_files_leave_files_out_of_generated_kustomizations() {
        let root = std::env::temp_dir().join(format!("kubake-sourceignore-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            ".sourceignore",
            "# secrets stay out\nsecret-*.yaml\n/apps/drafts/\n",
        );
        write("apps/a.yaml", "");
        write("apps/secret-x.yaml", "");
        write("apps/drafts/d.yaml", "");
        write("apps/sub/.sourceignore", "*.yaml\n!keep.yaml\n");
        write("apps/sub/b.yaml", "");
        write("apps/sub/keep.yaml", "");
        write("apps/sub/secret-keep.yaml", "");
        let filter = |spec: Option<&str>| ArtifactFilter::new(&root, spec).unwrap();
        let generated_resources =
            |dir: &Path, spec: Option<&str>| filter(spec).generated_resources(dir);
        let listed = generated_resources(&root.join("apps"), None).unwrap();
        assert_eq!(listed, ["./a.yaml", "./sub/keep.yaml"]);
        // The GitRepository's spec.ignore comes last: it drops a.yaml and brings back a
        // file that a .sourceignore left out.
        let spec = "/apps/a.yaml\n!/apps/sub/b.yaml\n";
        let listed = generated_resources(&root.join("apps"), Some(spec)).unwrap();
        assert_eq!(listed, ["./sub/b.yaml", "./sub/keep.yaml"]);
        // Flux's common "everything but the clusters folder" form.
        let listed = generated_resources(&root.join("apps"), Some("/*\n!/clusters\n")).unwrap();
        assert!(listed.is_empty(), "{listed:?}");
        let excluded =
            |dir: &str, spec: Option<&str>| filter(spec).excludes(&root.join(dir), true).unwrap();
        assert!(!excluded("apps", None));
        assert!(!excluded("apps/sub", None));
        assert!(excluded("apps/drafts", None));
        assert!(excluded("apps/sub", Some("/*\n!/clusters\n")));
        assert!(!excluded("clusters/home", Some("/*\n!/clusters\n")));
        let file = |rel: &str| filter(None).excludes(&root.join(rel), false).unwrap();
        assert!(file("apps/secret-x.yaml"));
        assert!(file("apps/sub/b.yaml"));
        assert!(!file("apps/sub/keep.yaml"));
        assert!(!file("apps/a.yaml"));
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn flux_fields_are_written_in() {
        let mut k = KustFile::generated(Path::new("/nonexistent"), &["./a.yaml".into()]);
        let spec = node(
            "targetNamespace: prod\nnamePrefix: p-\npatches:\n- patch: |\n    - op: add\n  target: {kind: Deployment, name: web}\nimages:\n- {name: nginx, newTag: '1.27'}\n",
        );
        let r = apply_flux_fields(&mut k, &PathBuf::from("/nonexistent"), &spec);
        assert!(r.is_ok());
        let m = k.map();
        assert_eq!(m.get("namespace").and_then(Node::as_str), Some("prod"));
        assert_eq!(m.get("namePrefix").and_then(Node::as_str), Some("p-"));
        assert_eq!(
            m.get("patches").and_then(Node::as_seq).map(Vec::len),
            Some(1)
        );
        assert_eq!(
            k.map()
                .get("images")
                .and_then(|i| i.as_seq())
                .and_then(|s| s[0].str_at(&["newTag"])),
            Some("1.27")
        );
    }

    #[test]
    fn images_merge_field_by_field() {
        let mut k = KustFile::generated(Path::new("/x"), &[]);
        k.map_mut().insert(
            "images",
            node("- {name: nginx, newName: mirror/nginx, digest: 'sha256:aa'}\n"),
        );
        merge_image(&mut k, &node("{name: nginx, newTag: '1.27.3-alpine'}"));
        let img = k
            .map()
            .get("images")
            .and_then(|i| i.as_seq())
            .map(|s| s[0].clone());
        let img = img.unwrap_or_else(Node::null);
        assert_eq!(img.str_at(&["newName"]), Some("mirror/nginx"));
        assert_eq!(img.str_at(&["newTag"]), Some("1.27.3-alpine"));
        assert_eq!(img.str_at(&["digest"]), None);
    }

    #[test]
    fn components_must_be_relative() {
        let mut k = KustFile::generated(Path::new("/x"), &[]);
        let r = apply_flux_fields(&mut k, Path::new("/x"), &node("components: [/abs]\n"));
        assert!(r.is_err());
    }
}
