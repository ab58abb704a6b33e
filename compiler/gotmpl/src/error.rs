//! The engine's error: a Go-worded message plus where it happened, displayed exactly as
//! Go's `text/template` prints it.
//!
//! Two shapes exist, as in Go:
//! - parse (and lex) errors: `template: NAME:LINE: MSG`, where NAME is the file being
//!   parsed (Go's `ParseName`), even inside a `define`;
//! - execution errors: `template: NAME:LINE:COL: executing "TMPL" at <NODE>: MSG`, where
//!   NAME:LINE:COL locates the node in its file, TMPL is the template (or `define`) being
//!   executed and NODE is the node's text, cut to 20 bytes.
//!
//! The parts are kept apart so a host (Helm) can rebuild its own wording (`parse error at
//! (file:line): ...`) without parsing text. Not here: rendering with source snippets
//! (that is the CLI's job, from [`Error::line`] and [`Error::column`]).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The template text is malformed (lexer or parser).
    Syntax,
    /// Execution failed (including a function returning an error).
    Exec,
    /// A host-imposed budget ran out (see `ExecOptions::budget`).
    Budget,
    /// A template set operation failed outside execution (unknown template name...).
    Usage,
}

/// An error from parsing or executing a template.
#[derive(Clone)]
pub struct Error(Box<Repr>);

#[derive(Clone)]
struct Repr {
    kind: ErrorKind,
    message: String,
    file: Option<String>,
    line: usize,
    column: Option<usize>,
    executing: Option<String>,
    node: Option<String>,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl Error {
    fn with(kind: ErrorKind, message: String) -> Error {
        Error(Box::new(Repr {
            kind,
            message,
            file: None,
            line: 0,
            column: None,
            executing: None,
            node: None,
            source: None,
        }))
    }

    /// A parse error at `file:line`.
    pub fn syntax(file: &str, line: usize, message: impl Into<String>) -> Error {
        let mut e = Error::with(ErrorKind::Syntax, message.into());
        e.0.file = Some(file.to_string());
        e.0.line = line;
        e
    }

    /// An error printed as the message alone (Go's `template: no template ...`).
    pub fn usage(message: impl Into<String>) -> Error {
        Error::with(ErrorKind::Usage, message.into())
    }

    /// An execution error with no node to point at: `template: TMPL: MSG`.
    pub fn exec_in(executing: &str, message: impl Into<String>) -> Error {
        let mut e = Error::with(ErrorKind::Exec, message.into());
        e.0.executing = Some(executing.to_string());
        e
    }

    /// An execution error at a node.
    pub fn exec_at(
        file: &str,
        line: usize,
        column: usize,
        executing: &str,
        node: &str,
        message: impl Into<String>,
    ) -> Error {
        let mut e = Error::exec_in(executing, message);
        e.0.file = Some(file.to_string());
        e.0.line = line;
        e.0.column = Some(column);
        e.0.node = Some(node.to_string());
        e
    }

    /// The same error with another kind.
    pub(crate) fn into_kind(mut self, kind: ErrorKind) -> Error {
        self.0.kind = kind;
        self
    }

    /// Attaches the underlying cause (a function's error, an included template's error).
    pub fn with_source(mut self, source: Arc<dyn StdError + Send + Sync>) -> Error {
        self.0.source = Some(source);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message without Go's location prefix (`nil pointer evaluating interface {}.y`,
    /// `error calling include: ...`).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The file (Go's `ParseName`) where the error is.
    pub fn file(&self) -> Option<&str> {
        self.0.file.as_deref()
    }

    /// 1-based line, 0 when unknown.
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// Go's column for execution errors: the byte offset of the node within its line
    /// (0-based, as `ErrorContext` computes it).
    pub fn column(&self) -> Option<usize> {
        self.0.column
    }

    /// The template being executed (`executing "NAME"`).
    pub fn executing(&self) -> Option<&str> {
        self.0.executing.as_deref()
    }

    /// The node text Go shows between `<` and `>`.
    pub fn node(&self) -> Option<&str> {
        self.0.node.as_deref()
    }

    /// Go's location string: `file:line` for parse errors, `file:line:col` for
    /// execution errors at a node.
    pub fn location(&self) -> Option<String> {
        let file = self.0.file.as_deref()?;
        Some(match self.0.column {
            Some(col) => format!("{file}:{}:{col}", self.0.line),
            None => format!("{file}:{}", self.0.line),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        match (r.kind, &r.node, &r.executing) {
            (ErrorKind::Usage, ..) => f.write_str(&r.message),
            (ErrorKind::Syntax, ..) => write!(
                f,
                "template: {}:{}: {}",
                r.file.as_deref().unwrap_or(""),
                r.line,
                r.message
            ),
            (_, Some(node), Some(executing)) => write!(
                f,
                "template: {}: executing {} at <{}>: {}",
                self.location().unwrap_or_default(),
                crate::fmt::quote_go(executing),
                node,
                r.message
            ),
            (_, None, Some(executing)) => write!(f, "template: {executing}: {}", r.message),
            _ => f.write_str(&r.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("display", &self.to_string())
            .finish()
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_go() {
        let e = Error::syntax("a.yaml", 3, "unclosed action");
        assert_eq!(e.to_string(), "template: a.yaml:3: unclosed action");
        let e = Error::exec_at(
            "c.yaml",
            1,
            3,
            "c.yaml",
            ".Values.x.y",
            "nil pointer evaluating interface {}.y",
        );
        assert_eq!(
            e.to_string(),
            "template: c.yaml:1:3: executing \"c.yaml\" at <.Values.x.y>: nil pointer evaluating interface {}.y"
        );
        assert_eq!(e.location().as_deref(), Some("c.yaml:1:3"));
        let e = Error::exec_in("x", "\"x\" is an incomplete or empty template");
        assert_eq!(
            e.to_string(),
            "template: x: \"x\" is an incomplete or empty template"
        );
    }
}
