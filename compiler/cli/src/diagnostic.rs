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

/// Builds the report for a build error.
pub fn to_report(e: &Error) -> Report {
    let mut message = String::new();
    for c in e.context.iter().rev() {
        message.push_str(c);
        message.push_str(": ");
    }
    message.push_str(&e.message);
    let mut source = None;
    let mut label = None;
    if let Some(file) = &e.file {
        let shown = file.display().to_string();
        if let Ok(text) = std::fs::read_to_string(file) {
            if let Some(offset) = e.pos.byte_offset(&text) {
                let len = token_len(&text[offset..]);
                label = Some(LabeledSpan::at(offset..offset + len, "here"));
                source = Some(NamedSource::new(shown.clone(), text));
            }
        }
        if source.is_none() {
            if e.pos.is_known() {
                message.push_str(&format!("\n  at {shown}:{}", e.pos));
            } else {
                message.push_str(&format!("\n  in {shown}"));
            }
        }
    }
    Report::new(BuildDiagnostic {
        message,
        help: e.help.clone(),
        source,
        label,
    })
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
