//! Writing results: to standard output (a closed pipe is not an error, as with `head`),
//! or to a file atomically (a temporary file beside it, then a rename), so a failed or
//! interrupted run never leaves a half-written file.

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

/// Writes `text` to `path`, or to standard output when `path` is `None`.
pub fn emit(text: &str, path: Option<&Path>) -> ExitCode {
    let result = match path {
        Some(p) => write_atomic(p, text.as_bytes()),
        None => {
            let mut out = io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        }
    };
    finish(result, path)
}

/// Writes what `write` produces to standard output, or to `path` when given (then
/// gathered first, to be written atomically). Standard output is written through a
/// buffer: a render's output goes out a document piece at a time, never joined.
pub fn emit_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> ExitCode {
    let result = match path {
        Some(p) => {
            let mut bytes = Vec::new();
            write(&mut bytes).and_then(|()| write_atomic(p, &bytes))
        }
        None => {
            let mut out = io::BufWriter::with_capacity(STDOUT_BUFFER, io::stdout().lock());
            write(&mut out).and_then(|()| out.flush())
        }
    };
    finish(result, path)
}

/// The buffer between a render's pieces and standard output.
const STDOUT_BUFFER: usize = 64 * 1024;

fn finish(result: io::Result<()>, path: Option<&Path>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            crate::diagnostic::report_io(path, &e);
            ExitCode::from(1)
        }
    }
}

/// Writes a file by renaming a completed temporary file over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kubake-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
