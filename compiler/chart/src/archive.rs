//! Chart archives (`.tgz`): Helm's `loader.LoadArchiveFiles` with its path checks and
//! size limits, plus the refusals Helm lacks (links and special entries, a cap on the
//! decompressed stream itself), so a hostile archive fails fast in bounded memory.
//!
//! The result is the flat list of files, named relative to the chart root (the first
//! path component, the chart's directory in the archive, is dropped as Helm drops it).
//! Not here: what the files mean (see `load`).

use std::io::Read;

use flate2::read::GzDecoder;

use crate::error::{Error, ErrorKind, Result};
use crate::load::{ChartFile, Limits};

/// Reads the files of a gzipped tar archive. `budget` is the number of decompressed
/// bytes this archive may still use (Helm's `MaxDecompressedChartSize` per archive).
pub(crate) fn read_archive(bytes: &[u8], limits: &Limits) -> Result<Vec<ChartFile>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Err(Error::new(ErrorKind::Archive, "gzip: invalid header"));
    }
    // The tar stream itself is capped: headers and padding count too, so a stream of
    // empty entries or zero blocks cannot run on forever.
    let stream_cap = limits
        .max_chart_size
        .saturating_mul(2)
        .saturating_add(1 << 20);
    let gz = CappedReader {
        inner: GzDecoder::new(bytes),
        left: stream_cap,
    };
    let mut tar = tar::Archive::new(gz);
    let entries = tar.entries().map_err(archive_err)?;
    let mut files = Vec::new();
    let mut remaining = limits.max_chart_size;
    for entry in entries {
        let mut entry = entry.map_err(|e| stream_err(&e, limits))?;
        let header = entry.header();
        let kind = header.entry_type();
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        if kind.is_gnu_longname() || kind.is_gnu_longlink() {
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(Error::new(
                ErrorKind::Unsafe,
                format!("chart archive entry {raw_name:?} is a link; links are not allowed in chart archives"),
            )
            .with_help("package the chart without symbolic or hard links (copy the files instead)"));
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(Error::new(
                ErrorKind::Unsafe,
                format!("chart archive entry {raw_name:?} is not a regular file"),
            ));
        }
        let name = entry_name(&raw_name)?;
        let size = entry.size();
        if size > remaining {
            return Err(too_large(limits));
        }
        if size > limits.max_file_size {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "decompressed chart file {raw_name:?} is larger than the maximum file size {}",
                    limits.max_file_size
                ),
            ));
        }
        let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
        let read = (&mut entry)
            .take(remaining)
            .read_to_end(&mut data)
            .map_err(|e| stream_err(&e, limits))?;
        let read = read as u64;
        remaining = remaining.saturating_sub(read);
        if read < size || remaining == 0 {
            return Err(too_large(limits));
        }
        files.push(ChartFile::new(name, strip_bom(data)));
    }
    if files.is_empty() {
        return Err(Error::new(ErrorKind::Archive, "no files in chart archive"));
    }
    Ok(files)
}

/// Helm's path checks on one entry name; returns the name relative to the chart root.
fn entry_name(raw: &str) -> Result<String> {
    let delimiter = if raw.contains('\\') { '\\' } else { '/' };
    let parts: Vec<&str> = raw.split(delimiter).collect();
    let rest = parts[1..].join("/");
    if rest.starts_with('/') {
        return Err(unsafe_path("chart illegally contains absolute paths"));
    }
    let cleaned = clean_path(&rest);
    if cleaned == "." {
        return Err(unsafe_path(format!(
            "chart illegally contains content outside the base directory: {raw:?}"
        )));
    }
    if cleaned.starts_with("..") {
        return Err(unsafe_path("chart illegally references parent directory"));
    }
    let b = cleaned.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/' {
        return Err(unsafe_path("chart contains illegally named files"));
    }
    if parts[0] == "Chart.yaml" {
        return Err(Error::new(
            ErrorKind::Archive,
            "chart yaml not in base directory",
        ));
    }
    Ok(cleaned)
}

fn unsafe_path(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unsafe, msg)
}

/// Go's `path.Clean` for relative paths.
pub(crate) fn clean_path(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

pub(crate) fn strip_bom(mut data: Vec<u8>) -> Vec<u8> {
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        data.drain(..3);
    }
    data
}

fn too_large(limits: &Limits) -> Error {
    Error::new(
        ErrorKind::Limit,
        format!(
            "decompressed chart is larger than the maximum file size {}",
            limits.max_chart_size
        ),
    )
}

fn archive_err(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Archive, e.to_string())
}

/// A read error in the middle of the stream: a truncated archive, or the stream cap.
fn stream_err(e: &std::io::Error, limits: &Limits) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return Error::new(ErrorKind::Archive, "unexpected EOF");
    }
    if e.to_string() == STREAM_CAP_HIT {
        return too_large(limits);
    }
    Error::new(ErrorKind::Archive, e.to_string())
}

const STREAM_CAP_HIT: &str = "decompressed stream exceeds its cap";

/// A reader that fails (rather than ends) once more than `left` bytes would be read.
struct CappedReader<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for CappedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(STREAM_CAP_HIT)),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        assert_eq!(clean_path("a/./b/../c"), "a/c");
        assert_eq!(clean_path("../x"), "../x");
        assert_eq!(clean_path(""), ".");
        assert_eq!(clean_path("a/.."), ".");
        assert_eq!(clean_path("/a/../../b"), "/b");
    }

    #[test]
    fn entry_names() {
        assert_eq!(
            entry_name("c/templates/a.yaml").unwrap(),
            "templates/a.yaml"
        );
        assert_eq!(entry_name("c\\values.yaml").unwrap(), "values.yaml");
        assert!(entry_name("c/../../etc/passwd").is_err());
        assert!(entry_name("c//etc/passwd").is_err());
        assert!(entry_name("c").is_err());
        assert!(entry_name("Chart.yaml").is_err());
    }
}
