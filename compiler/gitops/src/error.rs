//! The crate's error type: what went wrong, where (file, line, column), what to do about
//! it, and the chain of units that led there (root first).
//!
//! Errors from the kustomize engine and from chart loading are carried over with their
//! file, position and context. The library never renders diagnostics: the CLI turns an
//! [`Error`] into a report. Not here: warnings (plain strings in the build report).

use std::fmt;
use std::path::{Path, PathBuf};

use kubake_yaml::Pos;

use crate::unit::UnitId;

/// What kind of problem an [`Error`] is, broadly; the message says exactly what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `kubake.yaml` or the build options are wrong.
    Config,
    /// The entrypoint cannot be used (missing, ambiguous, nothing to build).
    Entry,
    /// A file could not be read or written.
    Io,
    /// A YAML document could not be parsed, or is not a Kubernetes object.
    Yaml,
    /// A kustomize build failed (in a Flux Kustomization, an Argo CD kustomize source or a
    /// post-renderer).
    Kustomize,
    /// A unit's definition is malformed (a Flux or Argo CD object with a wrong field).
    Definition,
    /// Flux post-build variable substitution failed.
    Substitution,
    /// A `sourceRef` or `repoURL` names something kubake cannot read offline.
    Source,
    /// A chart is missing from the stores, or a version range is malformed.
    Chart,
    /// Helm values could not be computed (`valuesFrom`, value files, parameters).
    Values,
    /// The chart renderer failed.
    Render,
    /// An object has no namespace where one is required.
    Namespace,
    /// Units depend on each other in a cycle.
    Cycle,
    /// `kubake.lock` disagrees with what the build resolved (`--locked`), or is malformed.
    Lock,
    /// Two units apply the same object.
    Conflict,
}

/// Everything an [`Error`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorData {
    /// The kind of problem.
    pub kind: ErrorKind,
    /// What is wrong.
    pub message: String,
    /// The file it is about (relative to the repository root when it lies inside it).
    pub file: Option<PathBuf>,
    /// Where in that file.
    pub pos: Pos,
    /// What the user can do about it.
    pub help: Option<String>,
    /// The units that led here, the root first and the failing unit last.
    pub units: Vec<UnitId>,
    /// Outer context from the engine that failed, innermost first ("accumulating
    /// resources from 'base'").
    pub context: Vec<String>,
}

/// A build error. Boxed, so that `Result<T, Error>` stays one pointer wide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(Box<ErrorData>);

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorData {
            kind,
            message: message.into(),
            file: None,
            pos: Pos::NONE,
            help: None,
            units: Vec::new(),
            context: Vec::new(),
        }))
    }

    /// The same error, about `file` at `pos` (kept if a file is already named).
    #[must_use]
    pub fn at(mut self, file: impl AsRef<Path>, pos: Pos) -> Self {
        if self.0.file.is_none() {
            self.0.file = Some(file.as_ref().to_path_buf());
            self.0.pos = pos;
        }
        self
    }

    /// The same error, about `file` at `pos` instead of the file it named: for errors in
    /// files kubake wrote (a generated or amended kustomization), which the user should
    /// look for in the definition that made kubake write them.
    #[must_use]
    pub fn moved_to(mut self, file: impl AsRef<Path>, pos: Pos) -> Self {
        self.0.file = Some(file.as_ref().to_path_buf());
        self.0.pos = pos;
        self
    }

    /// The same error, about `file` (kept if a file is already named).
    #[must_use]
    pub fn in_file(self, file: impl AsRef<Path>) -> Self {
        self.at(file, Pos::NONE)
    }

    /// The same error with advice for the user (kept if there is advice already).
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        if self.0.help.is_none() {
            self.0.help = Some(help.into());
        }
        self
    }

    /// The same error, reached through `units` (root first); kept if already set.
    #[must_use]
    pub fn in_units(mut self, units: &[UnitId]) -> Self {
        if self.0.units.is_empty() {
            self.0.units = units.to_vec();
        }
        self
    }

    /// The same error with an outer context line.
    #[must_use]
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.0.context.push(context.into());
        self
    }

    /// The kind of problem.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The file the error is about.
    pub fn file(&self) -> Option<&Path> {
        self.0.file.as_deref()
    }

    /// The position in [`Error::file`].
    pub fn pos(&self) -> Pos {
        self.0.pos
    }

    /// Advice for the user.
    pub fn help(&self) -> Option<&str> {
        self.0.help.as_deref()
    }

    /// The chain of units, root first.
    pub fn units(&self) -> &[UnitId] {
        &self.0.units
    }

    /// Every field.
    pub fn data(&self) -> &ErrorData {
        &self.0
    }

    /// Converts a kustomize engine error, keeping file, position, help and context.
    /// Absolute paths under `root` become relative to it.
    pub fn from_kustomize(e: kubake_kustomize::Error, root: &Path) -> Self {
        let mut err = Error::new(ErrorKind::Kustomize, e.message);
        if let Some(f) = e.file {
            err = err.at(crate::fs::display_path(root, &f), e.pos);
        }
        if let Some(h) = e.help {
            err = err.with_help(h);
        }
        err.0.context = e
            .context
            .into_iter()
            .map(|c| crate::fs::strip_root_in_text(&c, root))
            .collect();
        err.0.message = crate::fs::strip_root_in_text(&err.0.message, root);
        err
    }

    /// Converts a chart-crate error (chart loading, values, strvals).
    pub fn from_chart(kind: ErrorKind, e: &kubake_chart::Error, root: &Path) -> Self {
        let mut err = Error::new(kind, crate::fs::strip_root_in_text(e.message(), root));
        if let Some(f) = e.file() {
            err = err.in_file(crate::fs::display_path(root, f));
        }
        if let Some(h) = e.help() {
            err = err.with_help(h);
        }
        err
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        if !d.units.is_empty() {
            let chain: Vec<String> = d.units.iter().map(ToString::to_string).collect();
            write!(f, "{}: ", chain.join(" -> "))?;
        }
        for c in d.context.iter().rev() {
            write!(f, "{c}: ")?;
        }
        f.write_str(&d.message)?;
        if let Some(file) = &d.file {
            if d.pos.is_known() {
                write!(f, " ({}:{})", file.display(), d.pos)?;
            } else {
                write!(f, " ({})", file.display())?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_units_file_and_position() {
        let e = Error::new(ErrorKind::Values, "no ConfigMap 'x'")
            .at("apps/a.yaml", Pos { line: 3, col: 5 })
            .in_units(&[
                UnitId::new("Kustomization", "flux-system", "flux-system"),
                UnitId::new("HelmRelease", "apps", "web"),
            ]);
        assert_eq!(
            e.to_string(),
            "Kustomization/flux-system/flux-system -> HelmRelease/apps/web: no ConfigMap 'x' (apps/a.yaml:3:5)"
        );
    }

    #[test]
    fn the_first_file_and_chain_win() {
        let e = Error::new(ErrorKind::Io, "x")
            .in_file("a")
            .in_file("b")
            .in_units(&[UnitId::new("A", "", "a")])
            .in_units(&[UnitId::new("B", "", "b")]);
        assert_eq!(e.file(), Some(Path::new("a")));
        assert_eq!(e.units()[0].kind, "A");
    }

    #[test]
    fn error_is_small() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }
}
