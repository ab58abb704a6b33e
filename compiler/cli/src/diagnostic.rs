//! Turning library errors into miette reports with a source snippet: the file, the line
//! and column, a label, the context chain, and the help text.

use std::path::Path;

use kubake_kustomize::Error;
use miette::{Diagnostic, LabeledSpan, NamedSource, Report};

/// A message with optional help and one labelled span in a named source: the shape of
/// every kubake diagnostic.
#[derive(Debug)]
pub struct BuildDiagnostic {
    /// The message.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// The file the label points into.
    pub source: Option<NamedSource<String>>,
    /// Where in `source`.
    pub label: Option<LabeledSpan>,
}

impl std::fmt::Display for BuildDiagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for BuildDiagnostic {}

impl Diagnostic for BuildDiagnostic {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .clone()
            .map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// `message` behind its context, outermost first (`context` is innermost first).
fn with_context(context: &[String], message: &str) -> String {
    let mut out = String::new();
    for c in context.iter().rev() {
        out.push_str(c);
        out.push_str(": ");
    }
    out.push_str(message);
    out
}

/// Builds the report for a kustomize build error.
pub fn to_report(e: &Error) -> Report {
    let mut message = with_context(&e.context, &e.message);
    let (source, label) = match &e.file {
        Some(file) => snippet(&file.display().to_string(), file, e.pos, &mut message),
        None => (None, None),
    };
    Report::new(BuildDiagnostic {
        message,
        help: e.help.clone(),
        source,
        label,
    })
}

/// Builds the report for an error of a GitOps build: the message with its context, the
/// chain of units that led there, and the file (relative to the repository `root`,
/// where it is read from) with the position labelled.
pub fn gitops_report(e: &kubake_gitops::Error, root: Option<&Path>) -> Report {
    let d = e.data();
    let mut message = with_context(&d.context, &d.message);
    if !d.units.is_empty() {
        let chain: Vec<String> = d.units.iter().map(ToString::to_string).collect();
        message.push_str(&format!("\nin unit {}", chain.join(" -> ")));
    }
    let (source, label) = match &d.file {
        Some(file) => {
            let path = match root {
                Some(r) if file.is_relative() => r.join(file),
                _ => file.clone(),
            };
            snippet(&file.display().to_string(), &path, d.pos, &mut message)
        }
        None => (None, None),
    };
    Report::new(BuildDiagnostic {
        message,
        help: d.help.clone(),
        source,
        label,
    })
}

/// The source snippet of `path` (named `shown`) at `pos`; when the file cannot be
/// read or the position is unknown, the place is added to `message` instead.
fn snippet(
    shown: &str,
    path: &Path,
    pos: kubake_yaml::Pos,
    message: &mut String,
) -> (Option<NamedSource<String>>, Option<LabeledSpan>) {
    if let Ok(text) = std::fs::read_to_string(path) {
        if let Some(offset) = pos.byte_offset(&text) {
            let len = token_len(&text[offset..]);
            let label = LabeledSpan::at(offset..offset + len, "here");
            return (Some(NamedSource::new(shown, text)), Some(label));
        }
    }
    if pos.is_known() {
        message.push_str(&format!("\n  at {shown}:{pos}"));
    } else {
        message.push_str(&format!("\n  in {shown}"));
    }
    (None, None)
}

/// How much of `rest` (the text from an error's position) to underline: a mapping key up
/// to its colon, else the scalar up to the end of the line; at least one character.
fn token_len(rest: &str) -> usize {
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let key_end = line
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| matches!(line.as_bytes().get(i + 1), None | Some(b' ')));
    let len = key_end.unwrap_or(line.trim_end().len());
    len.max(1).min(rest.len())
}

/// Prints a build error to standard error.
pub fn report(e: &Error) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{:?}", to_report(e));
    }
}

/// Prints an I/O error about writing output.
pub fn report_io(path: Option<&Path>, e: &std::io::Error) {
    let what = path.map_or("standard output".to_string(), |p| p.display().to_string());
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "{:?}",
            miette::miette!(
                help = "check the path and its permissions",
                "writing {what}: {e}"
            )
        );
    }
}
