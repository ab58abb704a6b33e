//! The crate's one error type: a Helm-worded message, the kind of failure, the file it is
//! about (when there is one) and a hint for the user.
//!
//! Not here: rendering (the CLI turns errors into diagnostics) and warnings (those are
//! plain strings collected in [`crate::Warnings`], never errors).

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, broadly. The message says exactly what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file or directory could not be read.
    Io,
    /// `Chart.yaml`, `requirements.yaml`, `values.yaml` or `Chart.lock` is malformed, or
    /// the metadata fails Helm's validation.
    ChartFile,
    /// A `.tgz` archive is not a gzipped tar, or holds an entry Helm refuses.
    Archive,
    /// An input is unsafe: a path escaping the chart, a symlink out of it, too deep a
    /// nesting of subcharts.
    Unsafe,
    /// A size bound was exceeded (Helm's maximum chart and file sizes).
    Limit,
    /// User values (`-f`, `--set` and friends) could not be read or parsed.
    Values,
    /// A dependency problem: missing subchart, library chart installed, type mismatch.
    Dependency,
    /// The values break a chart's `values.schema.json`, or the schema itself is unusable.
    Schema,
    /// `kubeVersion` in Chart.yaml is not satisfied.
    KubeVersion,
}

/// An error with Helm's wording in [`fmt::Display`], plus the file it concerns and a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    file: Option<PathBuf>,
    help: Option<String>,
}

impl Error {
    /// An error of `kind` whose message is `message` (worded as Helm words it).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            file: None,
            help: None,
        }
    }

    /// The same error, naming the file it is about (kept if one is already named).
    #[must_use]
    pub fn with_file(mut self, file: impl AsRef<Path>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.as_ref().to_path_buf());
        }
        self
    }

    /// The same error with a hint saying what to do.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The same error with `prefix: ` put before the message, as Go's `errors.Wrap` does.
    #[must_use]
    pub fn wrap(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }

    /// The broad kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message alone (what [`fmt::Display`] prints).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file the error is about, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// What the user can do about it, if there is something to say.
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Warnings Helm would log (`log.Printf`) while it processes a chart, in the order they
/// arose, without Go's `file.go:123:` prefixes. Collected, never printed by this crate.
pub type Warnings = Vec<String>;
