//! The engine's error type: what went wrong, where (file, line, column), what to do, and
//! the chain of kustomizations that led there.
//!
//! The library never renders diagnostics; the CLI turns an [`Error`] into a miette report
//! with a source snippet.

use std::fmt;
use std::path::{Path, PathBuf};

use kubake_yaml::Pos;

/// A build error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// What is wrong.
    pub message: String,
    /// The file it is about, when there is one.
    pub file: Option<PathBuf>,
    /// Where in that file.
    pub pos: Pos,
    /// What the user can do about it.
    pub help: Option<String>,
    /// Outer context, innermost first ("accumulating resources from 'base'", …).
    pub context: Vec<String>,
}

/// The engine's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
            file: None,
            pos: Pos::NONE,
            help: None,
            context: Vec::new(),
        }
    }

    /// An error about a place in a file.
    pub fn at(message: impl Into<String>, file: &Path, pos: Pos) -> Self {
        Error {
            file: Some(file.to_path_buf()),
            pos,
            ..Error::new(message)
        }
    }

    /// Adds advice for the user.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the file and position when the error has none yet.
    pub fn or_at(mut self, file: &Path, pos: Pos) -> Self {
        if self.file.is_none() {
            self.file = Some(file.to_path_buf());
            self.pos = pos;
        }
        self
    }

    /// Adds an outer context line.
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context.push(context.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.context.iter().rev() {
            write!(f, "{c}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(file) = &self.file {
            if self.pos.is_known() {
                write!(f, " ({}:{})", file.display(), self.pos)?;
            } else {
                write!(f, " ({})", file.display())?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
