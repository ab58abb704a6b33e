//! Digests of files and directory trees, for cache keys.
//!
//! A tree digest covers every file's relative path and bytes and every directory's
//! name, in name order, following symbolic links (a kustomization may read through
//! one); `.git` directories and the excluded paths (the bundle being written) are left
//! out. Any entry that cannot be read fails the digest: a caller then does without the
//! cache rather than risk a key that misses an input.

use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// The BLAKE3 digest of a file's bytes.
pub fn file(path: &Path) -> io::Result<blake3::Hash> {
    Ok(blake3::hash(&std::fs::read(path)?))
}

/// The digest of the tree at `root` (a file's digest when `root` is a file), leaving
/// out `.git` and every path in `exclude`.
pub fn tree(root: &Path, exclude: &[PathBuf]) -> io::Result<blake3::Hash> {
    let root_abs = absolute(root);
    // An exclusion that holds the root itself would leave nothing to hash: ignored.
    let exclude: Vec<PathBuf> = exclude
        .iter()
        .map(|p| absolute(p))
        .filter(|x| !root_abs.starts_with(x))
        .collect();
    let mut entries: Vec<(String, Option<PathBuf>)> = Vec::new();
    let walk = walkdir::WalkDir::new(&root_abs)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.file_name() != ".git" && !exclude.iter().any(|x| e.path().starts_with(x))
        });
    for e in walk {
        let e = match e {
            Ok(e) => e,
            // A link to nothing (an editor's lock file) counts by where it points.
            Err(err) if err.loop_ancestor().is_none() && is_dangling_link(err.path()) => {
                let path = err.path().unwrap_or(&root_abs);
                let rel = path.strip_prefix(&root_abs).unwrap_or(path);
                let target = std::fs::read_link(path)?;
                entries.push((
                    format!("{}\0-> {}", rel.to_string_lossy(), target.to_string_lossy()),
                    None,
                ));
                continue;
            }
            Err(err) => return Err(io::Error::other(err)),
        };
        let rel = e
            .path()
            .strip_prefix(&root_abs)
            .unwrap_or(e.path())
            .to_string_lossy()
            .into_owned();
        let file = e.file_type().is_file().then(|| e.into_path());
        entries.push((rel, file));
    }
    let hashes: Vec<Option<blake3::Hash>> = entries
        .par_iter()
        .map(|(_, f)| f.as_deref().map(file).transpose())
        .collect::<io::Result<_>>()?;
    let mut h = blake3::Hasher::new();
    for ((rel, _), digest) in entries.iter().zip(hashes) {
        h.update(&(rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        match digest {
            Some(d) => h.update(b"f").update(d.as_bytes()),
            None => h.update(b"d"),
        };
    }
    Ok(h.finalize())
}

/// Whether `path` is a symbolic link whose target does not exist.
fn is_dangling_link(path: Option<&Path>) -> bool {
    path.is_some_and(|p| {
        p.symlink_metadata()
            .is_ok_and(|m| m.file_type().is_symlink())
            && !p.exists()
    })
}

/// `p` made absolute and, where it exists, free of symbolic links (how exclusions and
/// roots are compared).
pub fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or(p.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn tree_digest_follows_contents_names_and_exclusions() {
        let dir = std::env::temp_dir().join(format!("kubake-digest-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("a")).unwrap();
        fs::create_dir_all(dir.join("out")).unwrap();
        fs::create_dir_all(dir.join(".git")).unwrap();
        fs::write(dir.join("a/x.yaml"), "x: 1\n").unwrap();
        let out = [dir.join("out")];
        let first = tree(&dir, &out).unwrap();
        // Changes in the excluded folder and in .git do not count.
        fs::write(dir.join("out/index.json"), "{}").unwrap();
        fs::write(dir.join(".git/HEAD"), "ref").unwrap();
        assert_eq!(tree(&dir, &out).unwrap(), first);
        // Contents, new files and renames do.
        fs::write(dir.join("a/x.yaml"), "x: 2\n").unwrap();
        let second = tree(&dir, &out).unwrap();
        assert_ne!(second, first);
        fs::write(dir.join("a/y.yaml"), "").unwrap();
        let third = tree(&dir, &out).unwrap();
        assert_ne!(third, second);
        fs::rename(dir.join("a/y.yaml"), dir.join("a/z.yaml")).unwrap();
        let fourth = tree(&dir, &out).unwrap();
        assert_ne!(fourth, third);
        fs::create_dir_all(dir.join("b")).unwrap();
        let fifth = tree(&dir, &out).unwrap();
        assert_ne!(fifth, fourth);
        // A dangling link does not stop the digest; where it points counts.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("nowhere", dir.join("a/.#lock")).unwrap();
            let with_link = tree(&dir, &out).unwrap();
            assert_ne!(with_link, fifth);
            fs::remove_file(dir.join("a/.#lock")).unwrap();
            std::os::unix::fs::symlink("elsewhere", dir.join("a/.#lock")).unwrap();
            assert_ne!(tree(&dir, &out).unwrap(), with_link);
            fs::remove_file(dir.join("a/.#lock")).unwrap();
        }
        // Excluding the root (or above it) excludes nothing.
        let whole = tree(&dir, std::slice::from_ref(&dir)).unwrap();
        assert_eq!(whole, tree(&dir, &[]).unwrap());
        assert_ne!(whole, fifth, "the out folder counts again");
        fs::write(dir.join("a/x.yaml"), "x: 3\n").unwrap();
        assert_ne!(tree(&dir, std::slice::from_ref(&dir)).unwrap(), whole);
        let _ = fs::remove_dir_all(&dir);
    }
}
