//! kubake-gitops: a Flux or Argo CD repository expanded offline, unit by unit, exactly as
//! the controllers would expand it in the cluster.
//!
//! [`compile`] is the entry point. It resolves the [`Options`] into a [`Config`] (root,
//! `kubake.yaml`, chart stores), detects the flavor and the root units from the
//! entrypoint ([`entry`]), and lets the [`engine`] expand every unit — the roots, and the
//! units found in each unit's output, recursively:
//!
//! - a Flux `Kustomization` ([`flux::kustomization`]): its kustomization generated or
//!   amended ([`flux::generate`]), built with the kustomize engine, post-build variables
//!   substituted ([`flux::varsub`], [`envsubst`]);
//! - a Flux `HelmRelease` ([`flux::helmrelease`]) and an Argo CD `Application` ([`argo`]):
//!   kustomize and directory sources built, charts resolved against the chart stores
//!   ([`charts`]), values computed ([`values`]), and each chart handed to a
//!   [`ChartRenderer`] as a [`ChartRequest`] ([`render`]), its output read back and
//!   post-rendered ([`chartout`]).
//!
//! The result is a [`Compilation`]: every unit with its objects (namespaces made
//! explicit, the objects the bundle replaces marked), apply levels ([`order`]), the charts
//! resolved (for `kubake.lock`, [`lock`]) and every failure with its file and unit chain.
//!
//! ```no_run
//! use kubake_gitops::{compile, Options, UnavailableRenderer};
//! let opts = Options { entry: "clusters/production".into(), ..Options::default() };
//! let compiled = compile(&opts, &UnavailableRenderer)?;
//! for unit in &compiled.units {
//!     println!("{} level {}: {} objects", unit.unit.id, unit.level, unit.objects.len());
//! }
//! # Ok::<(), kubake_gitops::Error>(())
//! ```
//!
//! Not here: Helm itself (behind [`ChartRenderer`]), writing the bundle (kubake-bundle),
//! fetching anything (charts come from local stores, sources from local directories).
#![deny(missing_docs)]

pub mod argo;
pub mod chartout;
pub mod charts;
pub mod compilation;
pub mod config;
pub mod engine;
pub mod entry;
pub mod envsubst;
pub mod error;
pub mod expand;
pub mod fields;
pub mod flux;
pub mod fs;
pub mod glob;
pub mod helm_renderer;
pub mod kfile;
pub mod kustomize_helm;
pub mod lock;
pub mod object;
pub mod order;
pub mod render;
pub mod render_cache;
pub mod schedule;
pub mod scope;
pub mod unit;
pub mod values;
pub mod verbatim;

pub use charts::ResolvedChart;
pub use compilation::{Compilation, CompiledObject, CompiledUnit, UnitStatus};
pub use config::{Config, Flavor, Options};
pub use engine::{BuildProgress, Progress};
pub use error::{Error, ErrorKind, Result};
pub use helm_renderer::HelmRenderer;
pub use lock::Lock;
pub use render::{
    ChartLocation, ChartRenderer, ChartRequest, RenderError, RenderedChart, RenderedDocument,
    UnavailableRenderer,
};
pub use render_cache::{CachingRenderer, RenderCounts};
pub use unit::{Unit, UnitId, UnitKind};

/// Compiles the repository `opts` names, rendering charts with `renderer`. Fails only
/// when the build cannot start (configuration, entrypoint); failures of single units are
/// in the [`Compilation`] ([`Compilation::failures`]).
pub fn compile(opts: &Options, renderer: &dyn ChartRenderer) -> Result<Compilation> {
    let cfg = Config::resolve(opts)?;
    compile_config(cfg, renderer)
}

/// [`compile`] with a resolved configuration.
pub fn compile_config(cfg: Config, renderer: &dyn ChartRenderer) -> Result<Compilation> {
    let cache = kfile::BuildCache::new();
    let entry = entry::detect(&cfg, &cache)?;
    Ok(engine::Engine::new(cfg, entry, renderer, cache).run())
}

/// [`compile_config`], reporting progress to `progress` as units are expanded and
/// rendered.
pub fn compile_config_with_progress(
    cfg: Config,
    renderer: &dyn ChartRenderer,
    progress: &engine::Progress<'_>,
) -> Result<Compilation> {
    let cache = kfile::BuildCache::new();
    let entry = entry::detect(&cfg, &cache)?;
    Ok(engine::Engine::new(cfg, entry, renderer, cache)
        .with_progress(progress)
        .run())
}
