//! `kubake build`: compile a Flux or Argo CD repository into a bundle directory
//! (kubake-bundle), rendering charts with kubake's Helm engine (`HelmRenderer`); and
//! `kubake check`: the same compilation, compared with the bundle already there.
//!
//! Not here: the compilation itself (kubake-gitops) or writing the bundle (kubake-bundle);
//! this module maps flags to options and reports the result.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use kubake_bundle::{build, check, BuildOptions, CacheUse, CheckReport};
use kubake_gitops::{Flavor, HelmRenderer, Options};
use kubake_helm::Determinism;

use crate::progress::Bar;

/// `kubake build`'s and `kubake check`'s flags.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The entrypoint: a Flux cluster directory, an Argo CD root Application file or
    /// folder, a kustomization directory, or an entrypoint named in kubake.yaml.
    entry: String,
    /// The bundle folder: `build` replaces it atomically, `check` compares with it.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    repo: RepoArgs,
    /// Print a machine-readable summary (JSON) on standard output.
    #[arg(long)]
    json: bool,
    /// Print no summary (warnings and errors still go to standard error).
    #[arg(long, short)]
    quiet: bool,
}

/// What to compile and how, beyond the entrypoint: the flags `build`, `check` and
/// `diff` share.
#[derive(Args, Debug, Clone)]
pub struct RepoArgs {
    /// The repository root (default: the folder holding kubake.yaml, else the one a Flux
    /// cluster directory's gotk-sync.yaml path implies, else the enclosing git work tree).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Force the repository flavor instead of detecting it.
    #[arg(long, value_enum)]
    flavor: Option<FlavorArg>,
    /// A URL that means "this repository" (repeatable).
    #[arg(long = "repo-url")]
    repo_urls: Vec<String>,
    /// A chart store: a folder of `<chart>-<version>.tgz` or unpacked charts (repeatable).
    #[arg(long)]
    charts: Vec<PathBuf>,
    /// Another source, `NAME=DIR` (a Flux source name or an Argo CD repoURL; repeatable).
    #[arg(long = "source", value_parser = parse_source)]
    sources: Vec<(String, PathBuf)>,
    /// `.Capabilities.KubeVersion` for every chart.
    #[arg(long)]
    kube_version: Option<String>,
    /// An extra `.Capabilities.APIVersions` entry (repeatable).
    #[arg(long = "api-versions")]
    api_versions: Vec<String>,
    /// Fail when chart resolution would change kubake.lock.
    #[arg(long)]
    locked: bool,
    /// Fail on a Flux post-build variable used without a default and not set (Flux's
    /// StrictPostBuildSubstitutions); by default it becomes empty, with a warning.
    #[arg(long)]
    strict_substitution: bool,
    /// Worker threads (default: RAYON_NUM_THREADS, else one per core); the output never
    /// depends on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Seed for random functions in charts (`randAlphaNum`, `genCA`, …).
    #[arg(long)]
    random_seed: Option<String>,
    /// The cache folder (default: `$XDG_CACHE_HOME/kubake`, else `~/.cache/kubake`).
    #[arg(long, env = "KUBAKE_CACHE_DIR")]
    cache_dir: Option<PathBuf>,
    /// Use no cache: compile and render everything, keep nothing.
    #[arg(long)]
    no_cache: bool,
}

/// How to report: the flags that do not change what is built.
#[derive(Clone, Copy)]
struct Reporting {
    json: bool,
    quiet: bool,
    started: std::time::Instant,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FlavorArg {
    Flux,
    Argocd,
    Kustomize,
}

fn parse_source(s: &str) -> Result<(String, PathBuf), String> {
    match s.split_once('=') {
        Some((name, dir)) if !name.is_empty() && !dir.is_empty() => {
            Ok((name.to_string(), PathBuf::from(dir)))
        }
        _ => Err(format!("expected NAME=DIR, got {s:?}")),
    }
}

/// The options, renderer and reporting `args` ask for.
fn options(args: BuildArgs) -> (BuildOptions, HelmRenderer, Reporting) {
    let reporting = Reporting {
        json: args.json,
        quiet: args.quiet,
        started: std::time::Instant::now(),
    };
    let (opts, renderer) = args.repo.options(args.entry, args.out);
    (opts, renderer, reporting)
}

impl RepoArgs {
    /// `--root`, when given.
    pub fn root_dir(&self) -> Option<PathBuf> {
        self.root.clone()
    }

    /// `--threads`, when given.
    pub fn threads(&self) -> Option<usize> {
        self.threads
    }

    /// These flags with the repository's folders (`--root`, `--charts`, `--source`)
    /// passed through `map`.
    pub fn mapped(mut self, map: &dyn Fn(&std::path::Path) -> PathBuf) -> RepoArgs {
        self.root = self.root.as_deref().map(map);
        self.charts = self.charts.iter().map(|c| map(c)).collect();
        self.sources = self
            .sources
            .iter()
            .map(|(name, dir)| (name.clone(), map(dir)))
            .collect();
        self
    }

    /// Sets `--root` when it was not given.
    pub fn with_default_root(mut self, root: PathBuf) -> RepoArgs {
        self.root.get_or_insert(root);
        self
    }

    /// The build options and renderer for `entry`, writing to `out`.
    pub fn options(self, entry: String, out: PathBuf) -> (BuildOptions, HelmRenderer) {
        let determinism = Determinism {
            user_seed: self.random_seed,
            ..Determinism::default()
        };
        let opts = BuildOptions {
            gitops: Options {
                entry,
                root: self.root,
                flavor: self.flavor.map(|f| match f {
                    FlavorArg::Flux => Flavor::Flux,
                    FlavorArg::Argocd => Flavor::ArgoCd,
                    FlavorArg::Kustomize => Flavor::Kustomize,
                }),
                repo_urls: self.repo_urls,
                charts: self.charts,
                sources: self.sources,
                kube_version: self.kube_version,
                api_versions: self.api_versions,
                locked: self.locked,
                strict_substitution: self.strict_substitution,
                ..Options::default()
            },
            out,
            // Inside `with_render_pool`, charts render on that pool, which has the
            // threads asked for: the bundle needs no pool of its own, and must not have
            // one (its threads would render with a shallow stack).
            threads: if kubake_chart::parallel::on_rayon_pool() {
                None
            } else {
                self.threads
            },
            cache: if self.no_cache {
                None
            } else {
                self.cache_dir
                    .or_else(kubake_cache::Store::default_dir)
                    .map(kubake_cache::Store::new)
            },
            renderer_settings: format!("{determinism:?}"),
            progress: None,
        };
        (opts, HelmRenderer::new(determinism))
    }
}

/// Runs `work` with a progress bar (on a terminal, unless `--quiet` or `--json`),
/// removed before the result is printed; gives the options back.
fn with_progress_bar<T>(
    mut opts: BuildOptions,
    how: Reporting,
    work: impl FnOnce(&BuildOptions) -> T,
) -> (T, BuildOptions) {
    let bar = Bar::start(!how.quiet && !how.json);
    opts.progress = bar.as_ref().map(Bar::sink);
    let result = work(&opts);
    if let Some(b) = &bar {
        b.finish();
    }
    (result, opts)
}

/// Runs `kubake build`.
pub fn run(args: BuildArgs) -> ExitCode {
    kubake_helm::pipeline::with_render_pool(args.repo.threads, || build_on_pool(args))
}

fn build_on_pool(args: BuildArgs) -> ExitCode {
    kubake_bundle::leave_compilations_to_exit();
    let (opts, renderer, how) = options(args);
    let (result, opts) = with_progress_bar(opts, how, |o| build(o, &renderer));
    leave_to_exit(renderer);
    match result {
        Ok(report) => {
            let seconds = how.started.elapsed().as_secs_f64();
            #[allow(clippy::print_stderr, clippy::print_stdout)]
            {
                for w in &report.warnings {
                    eprintln!("warning: {w}");
                }
                if how.json {
                    println!("{}", build_json(&report, seconds));
                } else if !how.quiet {
                    eprint!("{}", build_table(&report, seconds));
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => failed(&e, &opts, 1),
    }
}

/// Leaves the renderer's loaded charts for the operating system to take back when the
/// process exits, which it does right after: freeing their parsed templates (hundreds of
/// thousands of tree nodes for a repository with big charts) took ~7 ms at the end of a
/// homelab-layers build, after the bundle was written and before the process could end.
fn leave_to_exit(renderer: HelmRenderer) {
    std::mem::forget(renderer);
}

/// Prints why the build of `opts` failed (every failure, each with its source snippet)
/// and returns exit code `code`.
pub fn failed(e: &kubake_bundle::Error, opts: &BuildOptions, code: u8) -> ExitCode {
    #[allow(clippy::print_stderr)]
    match e {
        kubake_bundle::Error::Compile(errors) => {
            // Errors name files relative to the repository root.
            let root = kubake_gitops::Config::resolve(&opts.gitops)
                .ok()
                .map(|c| c.root);
            for err in errors {
                eprintln!(
                    "{:?}",
                    crate::diagnostic::gitops_report(err, root.as_deref())
                );
            }
            if errors.len() > 1 {
                eprintln!("{} errors; nothing was written", errors.len());
            }
        }
        kubake_bundle::Error::Write(w) => {
            let report = match &w.help {
                Some(help) => miette::miette!(help = help.clone(), "{e}"),
                None => miette::miette!("{e}"),
            };
            eprintln!("{report:?}");
        }
        _ => eprintln!("{:?}", miette::miette!("{e}")),
    }
    ExitCode::from(code)
}

/// The short table `kubake build` ends with.
fn build_table(r: &kubake_bundle::BuildReport, seconds: f64) -> String {
    let mut t = format!("units    {}", r.units);
    if !r.suspended.is_empty() {
        t.push_str(&format!(" ({} suspended)", r.suspended.len()));
    }
    t.push_str(&format!(
        "\nobjects  {} ({} compiled away)\nfiles    {} -> {}\nroot     {}\n",
        r.objects,
        r.compiled_away,
        r.files,
        r.out.display(),
        r.root_hash
    ));
    if r.lock_written {
        t.push_str("lock     kubake.lock written\n");
    }
    if let Some(line) = cache_line(&r.cache) {
        t.push_str(&format!("cache    {line}\n"));
    }
    t.push_str(&format!("time     {seconds:.2} s\n"));
    t
}

/// `kubake build --json`.
fn build_json(r: &kubake_bundle::BuildReport, seconds: f64) -> serde_json::Value {
    serde_json::json!({
        "command": "build",
        "out": r.out.display().to_string(),
        "root": r.root_hash,
        "units": r.units,
        "suspended": r.suspended.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "objects": r.objects,
        "compiledAway": r.compiled_away,
        "files": r.files,
        "lockWritten": r.lock_written,
        "warnings": r.warnings,
        "cache": cache_json(&r.cache),
        "bundle": r.file_hashes.iter().map(|(path, hash)| serde_json::json!({
            "path": path, "blake3": hash,
        })).collect::<Vec<_>>(),
        "timings": {
            "compile": r.compile_seconds,
            "write": r.write_seconds,
        },
        "seconds": seconds,
    })
}

/// What the cache gave, for the closing table (`None` without a cache).
fn cache_line(c: &CacheUse) -> Option<String> {
    if !c.enabled {
        return None;
    }
    Some(if c.build_reused {
        "reused: a build or check of these exact inputs ran before".into()
    } else {
        format!(
            "charts {} rendered, {} reused",
            c.charts_rendered, c.charts_reused
        )
    })
}

/// What the cache gave, for `--json`.
fn cache_json(c: &CacheUse) -> serde_json::Value {
    serde_json::json!({
        "enabled": c.enabled,
        "buildReused": c.build_reused,
        "chartsRendered": c.charts_rendered,
        "chartsReused": c.charts_reused,
    })
}

/// Runs `kubake check`: exit 0 when the bundle is current, 1 (with what differs) when it
/// is not, 2 when the repository does not compile.
pub fn run_check(args: BuildArgs) -> ExitCode {
    kubake_helm::pipeline::with_render_pool(args.repo.threads, || check_on_pool(args))
}

fn check_on_pool(args: BuildArgs) -> ExitCode {
    kubake_bundle::leave_compilations_to_exit();
    let (opts, renderer, how) = options(args);
    let (result, opts) = with_progress_bar(opts, how, |o| check(o, &renderer));
    leave_to_exit(renderer);
    if let Ok(report) = &result {
        #[allow(clippy::print_stderr)]
        for w in &report.warnings {
            eprintln!("warning: {w}");
        }
    }
    if let (true, Ok(report)) = (how.json, &result) {
        #[allow(clippy::print_stdout)]
        {
            println!(
                "{}",
                check_json(report, how.started.elapsed().as_secs_f64())
            );
        }
        return if report.is_current() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    match result {
        Ok(report) if report.is_current() => {
            #[allow(clippy::print_stderr)]
            if !how.quiet {
                eprintln!(
                    "{} is current: {} units, {} files",
                    opts.out.display(),
                    report.units,
                    report.files
                );
            }
            ExitCode::SUCCESS
        }
        Ok(report) => {
            let text = stale_report(&report, &opts.out);
            #[allow(clippy::print_stdout)]
            {
                print!("{text}");
            }
            ExitCode::from(1)
        }
        Err(e) => failed(&e, &opts, 2),
    }
}

/// What `kubake check` prints when the bundle is out of date.
fn stale_report(r: &CheckReport, out: &std::path::Path) -> String {
    let mut text = format!("{} is out of date:\n", out.display());
    for c in &r.stale {
        text.push_str(&format!("  stale    {} (from line {})\n", c.path, c.line));
        for l in &c.old {
            text.push_str(&format!("    - {l}\n"));
        }
        for l in &c.new {
            text.push_str(&format!("    + {l}\n"));
        }
    }
    for p in &r.missing {
        text.push_str(&format!("  missing  {p}\n"));
    }
    for p in &r.extra {
        text.push_str(&format!("  extra    {p}\n"));
    }
    if r.lock_stale {
        text.push_str("  stale    kubake.lock (chart resolution changed)\n");
    }
    text.push_str(&format!(
        "{} stale, {} missing, {} extra; run `kubake build` with the same arguments to update it\n",
        r.stale.len() + usize::from(r.lock_stale),
        r.missing.len(),
        r.extra.len()
    ));
    text
}

/// `kubake check --json`.
fn check_json(r: &CheckReport, seconds: f64) -> serde_json::Value {
    serde_json::json!({
        "command": "check",
        "current": r.is_current(),
        "units": r.units,
        "files": r.files,
        "stale": r.stale.iter().map(|c| serde_json::json!({
            "path": c.path, "line": c.line, "old": c.old, "new": c.new,
        })).collect::<Vec<_>>(),
        "missing": r.missing,
        "extra": r.extra,
        "lockStale": r.lock_stale,
        "warnings": r.warnings,
        "cache": cache_json(&r.cache),
        "seconds": seconds,
    })
}
