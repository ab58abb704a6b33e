//! The `kubake` command: parse arguments, call the library, print the result or a
//! diagnostic, and map failures to exit codes (0 ok, 1 build error, 2 usage error).

mod build_cmd;
mod cache_cmd;
mod diagnostic;
mod diff_cmd;
mod output;
mod progress;
mod template_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// Rendering charts and building trees allocate many small, short-lived values; mimalloc
// serves them with far fewer page faults and less locking than the system allocator.
// (`--cfg kubake_system_allocator` keeps the system one, for heap profilers such as
// valgrind's massif and dhat, which see only malloc.)
#[cfg(not(kubake_system_allocator))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use kubake_kustomize::{build, BuildOptions, LoadRestrictor, RealFs};

/// Turns transparent huge pages off for this process. mimalloc asks for them on its
/// arenas; a kubake run is short and touches its heap sparsely, so each 2 MiB page was
/// zeroed (and sometimes compacted for) to hold a few KiB. Measured, alternating runs:
/// `kubake template` of kube-prometheus-stack median 53.9 -> 29.8 ms, and a
/// homelab-layers build's mean 350 -> 149 ms (with THP, single runs stalled up to 1.1 s).
/// mimalloc is built without its `madvise(MADV_HUGEPAGE)` (feature `no_thp`), which is
/// enough where THP is `madvise`-only (most distributions); this call covers systems
/// where it is `always`.
fn disable_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    // Refused only by kernels older than 3.15, which then behave as before.
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

/// Compile Kubernetes GitOps repositories into plain, deterministic YAML.
#[derive(Parser, Debug)]
#[command(name = "kubake", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build a kustomization directory, printing what `kustomize build DIR` prints.
    Kustomize {
        /// The directory holding kustomization.yaml.
        dir: PathBuf,
        /// Which files a kustomization may read.
        #[arg(long, value_enum, default_value_t = Restrictor::LoadRestrictionsRootOnly)]
        load_restrictor: Restrictor,
        /// Write the output to this file (atomically) instead of standard output.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        helm: HelmFlags,
    },
    /// Render a Helm chart, printing what `helm template [NAME] CHART` prints.
    Template(Box<template_cmd::TemplateArgs>),
    /// Compile a Flux or Argo CD repository into a deterministic, hashed bundle directory.
    Build(Box<build_cmd::BuildArgs>),
    /// Compile in memory and compare with the bundle in --out: exit 0 when it is current,
    /// 1 listing stale, missing and extra files, 2 when the repository does not compile.
    Check(Box<build_cmd::BuildArgs>),
    /// Show what changed, object by object: between two bundle folders, or between the
    /// working tree and a git revision (--base).
    Diff(Box<diff_cmd::DiffArgs>),
    /// Inspect or shrink the build cache (`info`, `gc`).
    Cache(cache_cmd::CacheArgs),
}

/// `kustomize build`'s Helm flags.
#[derive(clap::Args, Debug)]
struct HelmFlags {
    /// Inflate `helmCharts` with kubake's Helm engine (kustomize's --enable-helm).
    #[arg(long = "enable-helm")]
    enable_helm: bool,
    /// `.Capabilities.APIVersions` additions for charts that set no `apiVersions`.
    #[arg(long = "helm-api-versions", value_name = "VERSION")]
    api_versions: Vec<String>,
    /// `.Capabilities.KubeVersion` for charts that set no `kubeVersion`.
    #[arg(long = "helm-kube-version", value_name = "VERSION")]
    kube_version: Option<String>,
    /// A chart store for charts not under `helmGlobals.chartHome`: a folder of
    /// `<chart>-<version>.tgz` or unpacked charts (repeatable).
    #[arg(long = "charts", value_name = "DIR")]
    chart_stores: Vec<PathBuf>,
}

impl HelmFlags {
    fn support(self) -> Option<kubake_kustomize::HelmSupport> {
        if !self.enable_helm {
            return None;
        }
        let inflater = kubake_gitops::kustomize_helm::KustomizeHelm {
            determinism: kubake_helm::Determinism::default(),
            stores: kubake_gitops::charts::ChartStores::new(self.chart_stores),
        };
        Some(kubake_kustomize::HelmSupport {
            inflater: std::sync::Arc::new(inflater),
            api_versions: self.api_versions,
            kube_version: self.kube_version,
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "verbatim")]
enum Restrictor {
    /// Only files in or below the kustomization's directory.
    LoadRestrictionsRootOnly,
    /// Any file.
    LoadRestrictionsNone,
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = Cli::parse();
    wrap_diagnostics_at_columns();
    match cli.command {
        Command::Template(args) => template_cmd::run(*args),
        Command::Build(args) => build_cmd::run(*args),
        Command::Check(args) => build_cmd::run_check(*args),
        Command::Diff(args) => diff_cmd::run(*args),
        Command::Cache(args) => cache_cmd::run(args),
        Command::Kustomize {
            dir,
            load_restrictor,
            output,
            helm,
        } => {
            let opts = BuildOptions {
                load_restrictor: match load_restrictor {
                    Restrictor::LoadRestrictionsRootOnly => LoadRestrictor::RootOnly,
                    Restrictor::LoadRestrictionsNone => LoadRestrictor::None,
                },
                helm: helm.support(),
            };
            match build(&RealFs, &dir, &opts) {
                Ok(objects) => {
                    let text = kubake_yaml::to_yaml_stream(&objects);
                    output::emit(&text, output.as_deref())
                }
                Err(e) => {
                    diagnostic::report(&e);
                    ExitCode::from(1)
                }
            }
        }
    }
}

/// Diagnostics wrap at the terminal's width, or 80 columns when stderr is not a terminal.
/// `COLUMNS` overrides both, as it does for most command-line tools, so CI logs and tests
/// can choose a width (miette itself does not read it).
fn wrap_diagnostics_at_columns() {
    let Some(width) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w > 0)
    else {
        return;
    };
    // Fails only when a hook is already installed, which nothing in kubake does.
    let _ = miette::set_hook(Box::new(move |_| {
        Box::new(miette::MietteHandlerOpts::new().width(width).build())
    }));
}
