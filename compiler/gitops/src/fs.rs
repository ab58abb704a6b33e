//! Files: the overlay filesystem kustomize builds read through, sorted directory
//! listings, and repository-relative paths.
//!
//! Flux and Argo CD both edit a kustomization before building it (Flux writes
//! `targetNamespace`, `patches`, `images`… into it, or generates one; Argo CD runs
//! `kustomize edit`). kubake never writes into the repository: [`OverlayFs`] shows the
//! edited files over the real ones, and refuses reads outside the source root, as Flux's
//! secure filesystem does. Directory listings are sorted by name so that nothing depends
//! on the order the operating system returns.
//!
//! Not here: what the files mean.

use std::collections::BTreeMap;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use kubake_kustomize::fs::clean;
use kubake_kustomize::FileSystem;

/// The real filesystem with some files replaced (or added) in memory, optionally confined
/// to one directory and without the files a source's artifact leaves out.
#[derive(Clone, Default)]
pub struct OverlayFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
    confine: Option<PathBuf>,
    hidden: Option<Hidden>,
}

/// Which paths the filesystem does not show (a path and whether it is a folder), and a
/// text naming that rule for cache keys.
#[derive(Clone)]
struct Hidden {
    rule: Arc<HideRule>,
    key: String,
}

/// Whether to hide a path (and whether it is a folder).
type HideRule = dyn Fn(&Path, bool) -> bool + Send + Sync;

impl std::fmt::Debug for OverlayFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OverlayFs")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .field("confine", &self.confine)
            .field("hidden", &self.hidden.as_ref().map(|h| &h.key))
            .finish()
    }
}

impl OverlayFs {
    /// The real filesystem, unconfined, with no overlay.
    pub fn new() -> Self {
        OverlayFs::default()
    }

    /// Refuses every path outside `dir` (lexically).
    #[must_use]
    pub fn confined_to(mut self, dir: &Path) -> Self {
        self.confine = Some(clean(dir));
        self
    }

    /// Hides the paths for which `rule(path, is_dir)` holds (files a Flux source's
    /// artifact leaves out), as if they were not on disk; `key` names the rule in cache
    /// keys. Overlaid files are always shown.
    #[must_use]
    pub fn hiding(
        mut self,
        key: String,
        rule: impl Fn(&Path, bool) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.hidden = Some(Hidden {
            rule: Arc::new(rule),
            key,
        });
        self
    }

    /// The rule hiding paths, as given to [`OverlayFs::hiding`], for cache keys.
    pub fn hiding_key(&self) -> Option<&str> {
        self.hidden.as_ref().map(|h| h.key.as_str())
    }

    fn hides(&self, path: &Path, is_dir: bool) -> bool {
        self.hidden.as_ref().is_some_and(|h| (h.rule)(path, is_dir))
    }

    /// Shows `content` at `path` instead of what is on disk.
    pub fn put(&mut self, path: &Path, content: Vec<u8>) {
        self.files.insert(clean(path), content);
    }

    /// The overlaid files, for cache keys.
    pub fn overlays(&self) -> &BTreeMap<PathBuf, Vec<u8>> {
        &self.files
    }

    fn allowed(&self, path: &Path) -> bool {
        self.confine
            .as_ref()
            .is_none_or(|c| clean(path).starts_with(c))
    }
}

impl FileSystem for OverlayFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        if !self.allowed(path) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "outside the source root",
            ));
        }
        if let Some(b) = self.files.get(&clean(path)) {
            return Ok(b.clone());
        }
        if self.hides(path, false) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "left out of the source's artifact (.sourceignore or the GitRepository's spec.ignore)",
            ));
        }
        std::fs::read(path)
    }
    fn is_dir(&self, path: &Path) -> bool {
        if !self.allowed(path) {
            return false;
        }
        let p = clean(path);
        (path.is_dir() && !self.hides(path, true))
            || self.files.keys().any(|f| f.starts_with(&p) && *f != p)
    }
    fn is_file(&self, path: &Path) -> bool {
        self.allowed(path)
            && (self.files.contains_key(&clean(path))
                || (path.is_file() && !self.hides(path, false)))
    }
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name.
    pub name: String,
    /// The full path.
    pub path: PathBuf,
    /// Whether it is a directory (symbolic links followed).
    pub is_dir: bool,
}

/// The entries of `dir`, sorted by name (Go's `filepath.Walk` order). Names that are not
/// UTF-8 are skipped.
pub fn list_dir(dir: &Path) -> io::Result<Vec<DirEntry>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let path = e.path();
        let is_dir = path.is_dir();
        out.push(DirEntry { name, path, is_dir });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// How deep directory walks go before giving up (symbolic link loops).
pub const MAX_WALK_DEPTH: usize = 64;

/// `path` relative to `root` with `/` separators, or `path` itself when outside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    let p = clean(path);
    let r = clean(root);
    match p.strip_prefix(&r) {
        Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rel) => rel.to_path_buf(),
        Err(_) => p,
    }
}

/// `path` relative to `root` as a `/`-separated string (`.` for the root itself).
pub fn rel_string(root: &Path, path: &Path) -> String {
    let p = display_path(root, path);
    let parts: Vec<String> = p
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

/// Replaces the absolute root in a message with nothing, so messages name repository
/// paths (`apps/base`) rather than machine paths.
pub fn strip_root_in_text(text: &str, root: &Path) -> String {
    let r = clean(root).to_string_lossy().into_owned();
    if r.len() <= 1 {
        return text.to_string();
    }
    text.replace(&format!("{r}/"), "").replace(&r, ".")
}

/// Joins a repository path (`./apps/prod`, `apps/prod`, `/apps/prod`) to `root`, refusing
/// paths that climb out of it.
pub fn join_in_root(root: &Path, rel: &str) -> Option<PathBuf> {
    let mut out = clean(root);
    let base_len = out.components().count();
    for c in Path::new(rel.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => out.push(p),
            Component::ParentDir => {
                if out.components().count() <= base_len {
                    return None;
                }
                out.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Some(out)
}

/// The directory of a file path given relative to a directory, cleaned.
pub fn resolve(dir: &Path, rel: &str) -> PathBuf {
    clean(&dir.join(rel))
}

/// Makes `path` absolute against the working directory, lexically cleaned.
pub fn absolute(path: &Path) -> PathBuf {
    match std::path::absolute(path) {
        Ok(p) => clean(&p),
        Err(_) => clean(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_stay_in_the_root() {
        let root = Path::new("/r");
        assert_eq!(join_in_root(root, "./a/b"), Some(PathBuf::from("/r/a/b")));
        assert_eq!(join_in_root(root, "/a"), Some(PathBuf::from("/r/a")));
        assert_eq!(join_in_root(root, "a/../b"), Some(PathBuf::from("/r/b")));
        assert_eq!(join_in_root(root, "../x"), None);
    }

    #[test]
    fn paths_are_shown_relative_to_the_root() {
        assert_eq!(
            rel_string(Path::new("/r"), Path::new("/r/a/b.yaml")),
            "a/b.yaml"
        );
        assert_eq!(rel_string(Path::new("/r"), Path::new("/r")), ".");
        assert_eq!(
            strip_root_in_text("open /r/a/b: no", Path::new("/r")),
            "open a/b: no"
        );
    }

    #[test]
    fn overlay_shows_files_and_confines() {
        let mut fs = OverlayFs::new().confined_to(Path::new("/nonexistent-root"));
        fs.put(Path::new("/nonexistent-root/k.yaml"), b"x".to_vec());
        assert!(fs.is_file(Path::new("/nonexistent-root/./k.yaml")));
        assert!(fs.is_dir(Path::new("/nonexistent-root")));
        assert!(fs.read(Path::new("/etc/hostname")).is_err());
    }
}
