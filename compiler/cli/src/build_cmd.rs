//! `kubake build`: compile a Flux or Argo CD repository into a bundle directory
//! (kubake-bundle), rendering charts with kubake's Helm engine (`HelmRenderer`).
//!
//! Not here: the compilation itself (kubake-gitops) or writing the bundle (kubake-bundle);
//! this module maps flags to options and reports the result.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use kubake_bundle::{build, BuildOptions};
use kubake_gitops::{Flavor, HelmRenderer, Options};
use kubake_helm::Determinism;

/// `kubake build`'s flags.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The entrypoint: a Flux cluster directory, an Argo CD root Application file or
    /// folder, a kustomization directory, or an entrypoint named in kubake.yaml.
    entry: String,
    /// Where to write the bundle (replaced atomically).
    #[arg(long)]
    out: PathBuf,
    /// The repository root (default: the enclosing git work tree or kubake.yaml folder).
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
    /// Worker threads (default: one per core); the output never depends on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Seed for random functions in charts (`randAlphaNum`, `genCA`, …).
    #[arg(long)]
    random_seed: Option<String>,
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

/// Runs `kubake build`.
pub fn run(args: BuildArgs) -> ExitCode {
    let opts = BuildOptions {
        gitops: Options {
            entry: args.entry,
            root: args.root,
            flavor: args.flavor.map(|f| match f {
                FlavorArg::Flux => Flavor::Flux,
                FlavorArg::Argocd => Flavor::ArgoCd,
                FlavorArg::Kustomize => Flavor::Kustomize,
            }),
            repo_urls: args.repo_urls,
            charts: args.charts,
            sources: args.sources,
            kube_version: args.kube_version,
            api_versions: args.api_versions,
            locked: args.locked,
            ..Options::default()
        },
        out: args.out,
        threads: args.threads,
    };
    let renderer = HelmRenderer {
        determinism: Determinism {
            user_seed: args.random_seed,
            ..Determinism::default()
        },
    };
    match build(&opts, &renderer) {
        Ok(report) => {
            #[allow(clippy::print_stderr)]
            {
                for w in &report.warnings {
                    eprintln!("warning: {w}");
                }
                eprintln!(
                    "{} units, {} objects in {} files, {} compiled away -> {} (root {})",
                    report.units,
                    report.objects,
                    report.files,
                    report.compiled_away,
                    report.out.display(),
                    report.root_hash
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{:?}", miette::miette!("{e}"));
            }
            ExitCode::from(1)
        }
    }
}
