//! What the corpus-wide tests of this crate share: where the repository and the shared
//! conformance data are, and their YAML files.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/conformance` (or `$KUBAKE_SHARED/conformance`), when it is there.
pub fn shared_conformance() -> Option<PathBuf> {
    let shared = std::env::var_os("KUBAKE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared"));
    let conformance = shared.join("conformance");
    conformance.is_dir().then_some(conformance)
}

/// Every file below `dir` whose extension is one of `extensions`, depth first.
pub fn files_with(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_with(&path, extensions, out);
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}
