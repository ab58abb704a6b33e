//! Writing a bundle directory atomically: every file goes into a fresh directory beside
//! the target, which then replaces the target in two renames. A build that fails, or a
//! write that fails, leaves the previous bundle as it was.
//!
//! An existing target is replaced only when it is a bundle (it holds `index.json` written
//! by kubake) or empty, so a mistyped `--out` never deletes someone's directory. Not here:
//! what the files hold (`lib`).
//!
//! Every file is synced to disk before the renames, so after a crash the bundle is the
//! old one or the whole new one. The files are written on the pool's threads, then all
//! synced at once (see [`sync_all_at_once`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::content::FileBytes;

/// Why writing failed.
#[derive(Debug)]
pub struct WriteError {
    /// The path involved.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

fn fail(path: &Path, message: impl Into<String>) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        message: message.into(),
        help: None,
    }
}

/// Whether `dir` may be replaced: missing, empty, or a previous bundle.
fn replaceable(dir: &Path) -> Result<bool, WriteError> {
    if !dir.exists() {
        return Ok(true);
    }
    if !dir.is_dir() {
        return Ok(false);
    }
    let mut entries = std::fs::read_dir(dir).map_err(|e| fail(dir, e.to_string()))?;
    if entries.next().is_none() {
        return Ok(true);
    }
    let index = dir.join("index.json");
    Ok(std::fs::read_to_string(index)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v.get("kubake").is_some()))
}

/// Writes `files` (relative paths, bytes) as the directory `out`, replacing it.
pub fn write_dir(files: &[(String, FileBytes)], out: &Path) -> Result<(), WriteError> {
    if !replaceable(out)? {
        return Err(WriteError {
            help: Some(
                "choose an empty or new directory for --out (kubake replaces only its own bundles)"
                    .into(),
            ),
            ..fail(
                out,
                format!(
                    "{} exists and is not a kubake bundle; refusing to replace it",
                    out.display()
                ),
            )
        });
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| fail(out, "--out must name a directory"))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| fail(&parent, e.to_string()))?;
    let pid = std::process::id();
    let fresh = parent.join(format!(".{name}.kubake-new-{pid}"));
    let old = parent.join(format!(".{name}.kubake-old-{pid}"));
    let _ = std::fs::remove_dir_all(&fresh);
    let result = fill(&fresh, files).and_then(|()| swap(&fresh, out, &old));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&fresh);
    }
    result
}

/// Writes `bytes` to `path` atomically: into a temporary file beside it, then renamed
/// over it, so a reader sees the old file or the new one, never a part.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_file_name(format!(".{name}.kubake-{}-{seq}", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(path, e.to_string())
    })
}

/// Writes the files into `dir` a batch at a time: each batch written on the pool's
/// threads, then synced all at once, then closed, so no more than [`BATCH`] files are
/// open however many units a repository has. The error reported is the first failing
/// batch's, its writes checked before its syncs, each in file order.
fn fill(dir: &Path, files: &[(String, FileBytes)]) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e.to_string()))?;
    let write =
        |(rel, bytes): &(String, FileBytes)| -> Result<(std::fs::File, PathBuf), WriteError> {
            let path = dir.join(rel);
            if let Some(p) = path.parent().filter(|p| *p != dir) {
                std::fs::create_dir_all(p).map_err(|e| fail(p, e.to_string()))?;
            }
            let f = std::fs::File::create(&path).map_err(|e| fail(&path, e.to_string()))?;
            // Small documents gathered into one write; a long one written from where it is.
            let mut buffered = std::io::BufWriter::with_capacity(WRITE_BUFFER, f);
            bytes
                .write_to(&mut buffered)
                .map_err(|e| fail(&path, e.to_string()))?;
            let f = buffered
                .into_inner()
                .map_err(|e| fail(&path, e.error().to_string()))?;
            Ok((f, path))
        };
    for batch in files.chunks(BATCH) {
        let written: Vec<Result<(std::fs::File, PathBuf), WriteError>> =
            batch.par_iter().map(write).collect();
        let written: Vec<(std::fs::File, PathBuf)> =
            written.into_iter().collect::<Result<_, _>>()?;
        sync_all_at_once(&written)?;
    }
    Ok(())
}

/// The buffer a file's documents are gathered in before they are written.
const WRITE_BUFFER: usize = 64 * 1024;

/// Most files open at once (well under the usual limits of 256 and 1024 descriptors).
const BATCH: usize = 64;

/// Most threads that wait on syncs at once.
const SYNC_THREADS: usize = 16;

/// `fsync` of every file, the calls made side by side from threads of their own: a sync
/// is a wait on the disk, not work for a core, and syncs in flight together share the
/// file system's journal commits. Made from the pool's two threads, the eleven syncs of
/// a repository's bundle queued two at a time (0.3-1.2 ms each, traced). Where no thread
/// can be started, the calls are made here, one after another.
fn sync_all_at_once(files: &[(std::fs::File, PathBuf)]) -> Result<(), WriteError> {
    let sync =
        |(f, path): &(std::fs::File, PathBuf)| f.sync_all().map_err(|e| fail(path, e.to_string()));
    let lanes = files.len().min(SYNC_THREADS);
    if lanes < 2 {
        return files.iter().try_for_each(sync);
    }
    let lane = |k: usize| -> Vec<(usize, Result<(), WriteError>)> {
        (k..files.len())
            .step_by(lanes)
            .map(|i| (i, sync(&files[i])))
            .collect()
    };
    let mut results: Vec<(usize, Result<(), WriteError>)> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..lanes)
            .map(|k| {
                (
                    k,
                    std::thread::Builder::new().spawn_scoped(s, move || lane(k)),
                )
            })
            .collect();
        let mut results = lane(0);
        for (k, helper) in helpers {
            match helper.map(|h| h.join()) {
                Ok(Ok(done)) => results.extend(done),
                // No thread (resource limits): this lane's syncs run here.
                _ => results.extend(lane(k)),
            }
        }
        results
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().try_for_each(|(_, r)| r)
}

fn swap(fresh: &Path, out: &Path, old: &Path) -> Result<(), WriteError> {
    if !out.exists() {
        return std::fs::rename(fresh, out).map_err(|e| fail(out, e.to_string()));
    }
    let _ = std::fs::remove_dir_all(old);
    std::fs::rename(out, old).map_err(|e| fail(out, e.to_string()))?;
    if let Err(e) = std::fs::rename(fresh, out) {
        let _ = std::fs::rename(old, out);
        return Err(fail(out, e.to_string()));
    }
    let _ = std::fs::remove_dir_all(old);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("kubake-bundle-write-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn replaces_bundles_and_refuses_other_directories() {
        let base = tmp("replace");
        let out = base.join("out");
        let files: Vec<(String, FileBytes)> = vec![
            ("index.json".into(), b"{\"kubake\":\"0\"}\n".to_vec().into()),
            ("a.yaml".into(), b"a: 1\n".to_vec().into()),
        ];
        assert!(write_dir(&files, &out).is_ok());
        let files2: Vec<(String, FileBytes)> =
            vec![("index.json".into(), b"{\"kubake\":\"1\"}\n".to_vec().into())];
        assert!(write_dir(&files2, &out).is_ok());
        assert!(!out.join("a.yaml").exists());
        let other = base.join("other");
        let _ = std::fs::create_dir_all(&other);
        let _ = std::fs::write(other.join("keep.txt"), "x");
        assert!(write_dir(&files, &other).is_err());
        assert!(other.join("keep.txt").exists());
        let _ = std::fs::remove_dir_all(&base);
    }

    #[test]
    fn every_file_is_written_and_a_failed_write_leaves_the_old_bundle() {
        let base = tmp("many");
        let out = base.join("out");
        // More files than a batch (and than sync threads), one in a subfolder; the unit
        // files as documents (one of them longer than the write buffer), joined on disk.
        let long = format!("long: {}\n", "x".repeat(WRITE_BUFFER + 1));
        let mut files: Vec<(String, FileBytes)> = (0..150)
            .map(|i| {
                let mut docs = vec![format!("n: {i}\n"), "kind: A\n".to_string()];
                if i == 7 {
                    docs.insert(1, long.clone());
                }
                (format!("{i:03}-unit.yaml"), FileBytes::Documents(docs))
            })
            .collect();
        files.push(("sub/deep.yaml".into(), b"deep: true\n".to_vec().into()));
        files.push(("index.json".into(), b"{\"kubake\":\"0\"}\n".to_vec().into()));
        write_dir(&files, &out).unwrap();
        for (rel, bytes) in &files {
            assert_eq!(
                std::fs::read(out.join(rel)).unwrap(),
                bytes.to_vec(),
                "{rel}"
            );
        }
        assert_eq!(
            std::fs::read(out.join("000-unit.yaml")).unwrap(),
            b"n: 0\n---\nkind: A\n"
        );
        assert_eq!(
            std::fs::read(out.join("007-unit.yaml")).unwrap().len(),
            "n: 7\n---\n".len() + long.len() + "---\nkind: A\n".len()
        );
        // `index.json/x` cannot be created (its parent is a file): the write fails,
        // naming that path, and the bundle on disk is the one before.
        let mut broken = files.clone();
        broken.push(("index.json/x.yaml".into(), b"x: 1\n".to_vec().into()));
        let err = write_dir(&broken, &out).unwrap_err();
        assert!(err.path.ends_with("index.json"), "{}", err.path.display());
        for (rel, bytes) in &files {
            assert_eq!(
                std::fs::read(out.join(rel)).unwrap(),
                bytes.to_vec(),
                "{rel}"
            );
        }
        let leftovers: Vec<_> = std::fs::read_dir(&base)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("out")]);
        let _ = std::fs::remove_dir_all(&base);
    }
}
