//! `kubake template [NAME] CHART`: `helm template` v3.17's flags and meaning, rendered
//! natively by kubake-helm. Prints the manifests (or writes them atomically with `-o`);
//! on failure prints one miette diagnostic worded as Helm's error, with the template
//! source and position when the failure is in a template, and exits 1 with nothing on
//! standard output. Warnings (Helm's log lines, Secrets holding generated data) go to
//! standard error.
//!
//! Not here: the rendering itself (kubake-helm) and chart loading (kubake-chart).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use kubake_chart::ValueOptions;
use kubake_helm::{template, Determinism, TemplateError, TemplateOptions, UserValues};
use miette::{LabeledSpan, NamedSource, Report};

use crate::diagnostic::BuildDiagnostic;

/// `kubake template`'s arguments.
#[derive(Args, Debug)]
pub struct TemplateArgs {
    /// `[NAME] CHART`: the release name (default `release-name`) and the chart, a
    /// directory or a `.tgz` archive.
    #[arg(value_name = "[NAME] CHART", num_args = 1..=2, required = true)]
    args: Vec<PathBuf>,
    /// The release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Values files, applied in order.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// Values on the command line (`a.b=1,c[0]=x`).
    #[arg(long, value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Values on the command line, always strings.
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    set_string: Vec<String>,
    /// Values on the command line as JSON.
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    set_json: Vec<String>,
    /// Values read from files (`key=path`).
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    set_file: Vec<String>,
    /// Values on the command line, taken literally.
    #[arg(long = "set-literal", value_name = "KEY=VALUE")]
    set_literal: Vec<String>,
    /// `.Capabilities.KubeVersion` (default v1.32.0).
    #[arg(long = "kube-version", value_name = "VERSION")]
    kube_version: Option<String>,
    /// API versions added to `.Capabilities.APIVersions` (`monitoring.coreos.com/v1`).
    #[arg(short = 'a', long = "api-versions", value_name = "VERSION")]
    api_versions: Vec<String>,
    /// Print the CRDs of the chart's (and subcharts') `crds/` directories first.
    #[arg(long = "include-crds")]
    include_crds: bool,
    /// Accepted for Helm compatibility; `helm template` installs no CRDs anyway.
    #[arg(long = "skip-crds")]
    skip_crds: bool,
    /// Leave hooks out.
    #[arg(long = "no-hooks")]
    no_hooks: bool,
    /// Leave test hooks out.
    #[arg(long = "skip-tests")]
    skip_tests: bool,
    /// Only the output of these templates (paths or globs like `templates/*.yaml`).
    #[arg(short = 's', long = "show-only", value_name = "PATH")]
    show_only: Vec<String>,
    /// Do not validate values against `values.schema.json`.
    #[arg(long = "skip-schema-validation")]
    skip_schema_validation: bool,
    /// Render as an upgrade (`.Release.IsUpgrade` true, `.Release.IsInstall` false).
    #[arg(long = "is-upgrade")]
    is_upgrade: bool,
    /// A template that renders the release name (instead of NAME).
    #[arg(long = "name-template", value_name = "TEMPLATE")]
    name_template: Option<String>,
    /// Seed for random functions (`randAlphaNum`, `genCA`, ...): kubake makes them
    /// deterministic; the seed changes every generated value.
    #[arg(long = "random-seed", value_name = "N")]
    random_seed: Option<u64>,
    /// Write the output to this file (atomically) instead of standard output.
    #[arg(short = 'o', long)]
    output: Option<PathBuf>,
}

/// Runs `kubake template`.
pub fn run(args: TemplateArgs) -> ExitCode {
    // One render, then the process exits: its template trees need not be freed.
    kubake_helm::render::leave_template_sets_to_exit();
    // One render and nothing else on rayon's pool: its threads can serve every
    // parallel step of the render.
    kubake_helm::pipeline::with_render_pool(kubake_helm::pipeline::template_threads(), || {
        render(args)
    })
}

fn render(args: TemplateArgs) -> ExitCode {
    let (name, chart) = match args.args.as_slice() {
        [chart] => (None, chart.clone()),
        [name, chart] => (Some(name.to_string_lossy().into_owned()), chart.clone()),
        _ => return fail(&miette::miette!("expected [NAME] CHART")),
    };
    let opts = TemplateOptions {
        release_name: name,
        name_template: args.name_template,
        namespace: args.namespace,
        values: UserValues::Options(ValueOptions {
            value_files: args.values,
            set: args.set,
            set_string: args.set_string,
            set_json: args.set_json,
            set_file: args.set_file,
            set_literal: args.set_literal,
            skip_schema_validation: args.skip_schema_validation,
        }),
        skip_schema_validation: args.skip_schema_validation,
        kube_version: args.kube_version,
        api_versions: args.api_versions,
        include_crds: args.include_crds,
        no_hooks: args.no_hooks,
        skip_tests: args.skip_tests,
        show_only: args.show_only,
        is_upgrade: args.is_upgrade,
        determinism: Determinism {
            user_seed: args.random_seed.map(|n| n.to_string()),
            ..Determinism::default()
        },
        ..TemplateOptions::default()
    };
    let _ = args.skip_crds;
    match template(&chart, &opts) {
        Ok(out) => {
            for w in &out.warnings {
                #[allow(clippy::print_stderr)]
                {
                    eprintln!("warning: {w}");
                }
            }
            crate::output::emit_with(args.output.as_deref(), |w| out.write_to(w))
        }
        Err(e) => fail(&to_report(&e, &chart)),
    }
}

fn fail(report: &Report) -> ExitCode {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{report:?}");
    }
    ExitCode::from(1)
}

/// The diagnostic for a failed render: Helm's message, plus the template's source
/// around the failing position when the chart is a directory holding that file.
fn to_report(e: &TemplateError, chart: &Path) -> Report {
    let mut diag = BuildDiagnostic {
        message: e.to_string().trim_end().to_string(),
        help: None,
        source: None,
        label: None,
    };
    match e {
        TemplateError::Chart(c) => {
            diag.help = c.help().map(String::from);
            if let Some(file) = c.file() {
                diag.message.push_str(&format!("\n  in {}", file.display()));
            }
        }
        TemplateError::Render(r) => {
            let engine = r.engine_error();
            if let Some((file, text)) = engine.file().and_then(|f| template_file(chart, f)) {
                if let Some(offset) = line_col_offset(&text, engine.line(), engine.column()) {
                    let end = text[offset..]
                        .find('\n')
                        .map_or(text.len(), |n| offset + n)
                        .max(offset + 1)
                        .min(text.len());
                    diag.label = Some(LabeledSpan::at(offset..end, "here"));
                    diag.source = Some(NamedSource::new(file.display().to_string(), text));
                }
            }
        }
        TemplateError::Output(_) | TemplateError::Invalid(_) => {}
    }
    Report::new(diag)
}

/// The file on disk behind a template name (`top/charts/sub/templates/x.yaml` →
/// `CHART/charts/sub/templates/x.yaml`), when the chart is a directory and no alias
/// renamed the subchart.
fn template_file(chart: &Path, name: &str) -> Option<(PathBuf, String)> {
    let (_, rest) = name.split_once('/')?;
    let path = chart.join(rest);
    let text = std::fs::read_to_string(&path).ok()?;
    Some((path, text))
}

/// The byte offset of 1-based `line` and `column` (a byte column, as Go counts).
fn line_col_offset(text: &str, line: usize, column: Option<usize>) -> Option<usize> {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    if start >= text.len() {
        return None;
    }
    let line_len = text[start..].find('\n').unwrap_or(text.len() - start);
    let col = column.unwrap_or(1).saturating_sub(1).min(line_len);
    let offset = start + col;
    text.is_char_boundary(offset).then_some(offset)
}
