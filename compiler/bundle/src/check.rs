//! `kubake check`: compile the repository in memory and compare the bundle with the one
//! on disk (the committed bundle), file by file. Nothing is written, `kubake.lock`
//! included: a lock that a build would change is reported instead.
//!
//! A file is stale when its bytes differ (the first differing lines are kept for the
//! report), missing when the build has it and the folder does not, extra when the folder
//! has it and the build does not. The folder is kubake's own (a build replaces it
//! whole), so every entry in it counts.
//!
//! Not here: semantic, per-object differences between two renders (`kubake diff`).

use std::path::Path;

use crate::{prepare, BuildOptions, Error, FileBytes};

/// How many lines of each side a stale file's report shows.
const SHOWN_LINES: usize = 3;

/// What `kubake check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Files whose bytes differ, in path order.
    pub stale: Vec<FileChange>,
    /// Files the build makes that the folder lacks.
    pub missing: Vec<String>,
    /// Files in the folder that the build does not make.
    pub extra: Vec<String>,
    /// Whether a build would rewrite `kubake.lock`.
    pub lock_stale: bool,
    /// Units compiled.
    pub units: usize,
    /// Files the build makes (`index.json` included).
    pub files: usize,
    /// What the cache gave.
    pub cache: crate::CacheUse,
    /// Things worth telling the user (what a build would warn about).
    pub warnings: Vec<String>,
}

impl CheckReport {
    /// Whether the folder holds exactly what a build would write.
    pub fn is_current(&self) -> bool {
        self.stale.is_empty()
            && self.missing.is_empty()
            && self.extra.is_empty()
            && !self.lock_stale
    }
}

/// A stale file and where it first differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    /// The path inside the bundle.
    pub path: String,
    /// The first differing line (1-based).
    pub line: usize,
    /// The differing lines from there (at most three), as the folder has them.
    pub old: Vec<String>,
    /// The same lines as the build makes them.
    pub new: Vec<String>,
}

/// Compiles the repository of `opts` and compares its bundle with the folder `opts.out`.
pub fn check(
    opts: &BuildOptions,
    renderer: &dyn kubake_gitops::ChartRenderer,
) -> Result<CheckReport, Error> {
    let prepared = prepare(opts, renderer)?;
    let mut report = compare(&prepared.bundle.files, &opts.out).map_err(Error::Write)?;
    report.lock_stale = prepared.lock_changed;
    report.units = prepared.units;
    report.cache = prepared.cache;
    report.warnings = prepared.warnings;
    Ok(report)
}

/// Compares `files` (relative path, bytes; sorted by path) with the folder `dir`. A
/// folder that does not exist holds nothing.
pub fn compare(
    files: &[(String, FileBytes)],
    dir: &Path,
) -> Result<CheckReport, crate::write::WriteError> {
    let on_disk = list_files(dir)?;
    let mut report = CheckReport {
        files: files.len(),
        ..CheckReport::default()
    };
    for (path, bytes) in files {
        if on_disk.binary_search(path).is_err() {
            report.missing.push(path.clone());
            continue;
        }
        let old = std::fs::read(dir.join(path)).map_err(|e| read_error(&dir.join(path), &e))?;
        if !bytes.equals(&old) {
            report
                .stale
                .push(first_difference(path, &old, &bytes.to_vec()));
        }
    }
    report.extra = on_disk
        .into_iter()
        .filter(|p| files.binary_search_by(|(f, _)| f.as_str().cmp(p)).is_err())
        .collect();
    Ok(report)
}

/// Every entry of `dir` (a bundle is flat: a folder inside it is extra too), sorted.
fn list_files(dir: &Path) -> Result<Vec<String>, crate::write::WriteError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(read_error(dir, &e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| read_error(dir, &e))?;
        out.push(entry.file_name().to_string_lossy().into_owned());
    }
    out.sort();
    Ok(out)
}

fn read_error(path: &Path, e: &std::io::Error) -> crate::write::WriteError {
    crate::write::WriteError {
        path: path.to_path_buf(),
        message: format!("cannot read the bundle to compare: {e}"),
        help: Some("check the path given with --out and its permissions".into()),
    }
}

/// Where `old` and `new` first differ, by line.
fn first_difference(path: &str, old: &[u8], new: &[u8]) -> FileChange {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let at = old_lines
        .iter()
        .zip(&new_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(old_lines.len().min(new_lines.len()));
    // The differing run from `at`: lines while the two sides disagree, at most three.
    let run = (at..at + SHOWN_LINES)
        .take_while(|&i| old_lines.get(i) != new_lines.get(i))
        .count()
        .max(1);
    let shown = |lines: &[&str]| -> Vec<String> {
        lines
            .iter()
            .skip(at)
            .take(run)
            .map(|l| l.to_string())
            .collect()
    };
    FileChange {
        path: path.to_string(),
        line: at + 1,
        old: shown(&old_lines),
        new: shown(&new_lines),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kubake-check-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn files(list: &[(&str, &str)]) -> Vec<(String, FileBytes)> {
        list.iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec().into()))
            .collect()
    }

    #[test]
    fn an_identical_folder_is_current() {
        let dir = temp_dir("same");
        let built = files(&[("00-a.yaml", "a: 1\n"), ("index.json", "{}\n")]);
        crate::write::write_dir(&built, &dir).expect("write");
        let r = compare(&built, &dir).expect("compare");
        assert!(r.is_current(), "{r:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stale_missing_and_extra_files_are_told_apart() {
        let dir = temp_dir("differs");
        let committed = files(&[
            ("00-a.yaml", "kind: A\nname: a\nimage: v1\n"),
            ("01-old.yaml", "x: 1\n"),
            ("index.json", "{}\n"),
        ]);
        crate::write::write_dir(&committed, &dir).expect("write");
        let built = files(&[
            ("00-a.yaml", "kind: A\nname: a\nimage: v2\n"),
            ("02-new.yaml", "y: 1\n"),
            ("index.json", "{}\n"),
        ]);
        let r = compare(&built, &dir).expect("compare");
        assert!(!r.is_current());
        assert_eq!(
            r.stale,
            vec![FileChange {
                path: "00-a.yaml".into(),
                line: 3,
                old: vec!["image: v1".into()],
                new: vec!["image: v2".into()],
            }]
        );
        assert_eq!(r.missing, ["02-new.yaml"]);
        assert_eq!(r.extra, ["01-old.yaml"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_folder_means_every_file_is_missing() {
        let r = compare(&files(&[("index.json", "{}\n")]), &temp_dir("absent")).expect("compare");
        assert_eq!(r.missing, ["index.json"]);
    }
}
