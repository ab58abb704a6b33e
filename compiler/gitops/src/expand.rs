//! What expanding one unit takes and gives: the context a unit is expanded in (the
//! configuration, the chart stores, the objects other units have produced so far), and
//! the outcome (objects, chart work still to render, or "blocked" on an object that
//! another unit may yet produce).
//!
//! Lookups are the one place where units depend on each other's output (Flux
//! `substituteFrom` and `valuesFrom` objects, source objects). A lookup of an object that
//! is not there *yet*, while other units are still unfinished, halts the expansion with
//! [`Halt::Blocked`]; the engine retries it later, and only once nothing else can make
//! progress does it run it again in final mode, where missing means missing.
//!
//! Not here: the scheduling itself (`engine`), or any one controller's rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use kubake_yaml::Node;

use crate::charts::{ChartStores, ResolvedChart};
use crate::config::{Config, Flavor};
use crate::error::{Error, ErrorKind};
use crate::kfile::{BuildCache, Built};
use crate::object::ObjectKey;
use crate::render::ChartRequest;
use crate::unit::{Unit, UnitId};

/// Why an expansion stopped early.
#[derive(Debug)]
pub enum Halt {
    /// An object it needs is not there yet (described for reports).
    Blocked(String),
    /// It failed.
    Failed(Error),
}

impl From<Error> for Halt {
    fn from(e: Error) -> Self {
        Halt::Failed(e)
    }
}

/// The result type of expansion steps.
pub type Step<T> = Result<T, Halt>;

/// The objects the repository has produced so far, as one round of expansions sees them.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Objects by key; when several units produce one key, the first unit's (by id).
    pub objects: BTreeMap<ObjectKey, Node>,
    /// Units that have not finished.
    pub unfinished: BTreeSet<UnitId>,
    /// Whether missing objects are final (no unit can still produce them).
    pub final_mode: bool,
}

/// Whether an expansion may look up objects with `key`'s kind: the ConfigMaps and
/// Secrets of `valuesFrom` and `substituteFrom`, and Flux sources. The snapshot holds
/// only those.
pub fn may_be_looked_up(key: &ObjectKey) -> bool {
    (key.group.is_empty() && matches!(key.kind.as_str(), "ConfigMap" | "Secret"))
        || key.group == crate::unit::FLUX_SOURCE_GROUP
}

impl Snapshot {
    /// The object `key`, `None` when it does not exist, or `Blocked` when it may still
    /// appear (another unit than `asking` is unfinished). `key` must be one that
    /// [`may_be_looked_up`].
    pub fn get(&self, key: &ObjectKey, asking: &UnitId) -> Step<Option<&Node>> {
        debug_assert!(may_be_looked_up(key), "{key} is not indexed");
        if let Some(n) = self.objects.get(key) {
            return Ok(Some(n));
        }
        if !self.final_mode && self.unfinished.iter().any(|u| u != asking) {
            return Err(Halt::Blocked(key.to_string()));
        }
        Ok(None)
    }
}

/// Everything an expansion may read.
pub struct Ctx<'a> {
    /// The build configuration.
    pub cfg: &'a Config,
    /// The repository's flavor.
    pub flavor: Flavor,
    /// Chart stores.
    pub stores: &'a ChartStores,
    /// Memoised kustomize builds.
    pub cache: &'a BuildCache,
    /// Objects produced so far.
    pub snapshot: &'a Snapshot,
    /// Flux sources (namespace, name) known to be this repository.
    pub this_repo_sources: &'a BTreeSet<(String, String)>,
    /// Their `spec.ignore`, where the entrypoint gives one.
    pub source_ignores: &'a BTreeMap<(String, String), String>,
    /// The unit's ancestors and itself, root first (for errors).
    pub chain: Vec<UnitId>,
}

impl Ctx<'_> {
    /// An error of this unit, about `file` (the unit's definition file by default).
    pub fn error(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, message).in_units(&self.chain)
    }

    /// Looks up an object for `unit`.
    pub fn lookup(&self, key: &ObjectKey, unit: &UnitId) -> Step<Option<&Node>> {
        self.snapshot.get(key, unit)
    }

    /// Resolves a Flux `sourceRef` of kind GitRepository (or OCIRepository/Bucket mapped
    /// with `--source`) to a directory: this repository, or a mapped one.
    pub fn flux_source_dir(
        &self,
        unit: &Unit,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Step<PathBuf> {
        self.flux_source(unit, kind, namespace, name)
            .map(|source| source.dir)
    }

    /// [`Ctx::flux_source_dir`] with the source's `spec.ignore` (a GitRepository of this
    /// repository that has one).
    pub fn flux_source(
        &self,
        unit: &Unit,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Step<FluxSource> {
        let dir_only = |dir: PathBuf| FluxSource { dir, ignore: None };
        if let Some(dir) = self.cfg.source_by_name(namespace, name) {
            return Ok(dir_only(dir.to_path_buf()));
        }
        let id = (namespace.to_string(), name.to_string());
        if kind == "GitRepository" && self.this_repo_sources.contains(&id) {
            return Ok(FluxSource {
                dir: self.cfg.root.clone(),
                ignore: self.source_ignores.get(&id).cloned(),
            });
        }
        let key = ObjectKey::new(crate::unit::FLUX_SOURCE_GROUP, kind, namespace, name);
        let found = self.lookup(&key, &unit.id)?;
        let help = format!(
            "map it to a local checkout with --source {namespace}/{name}=DIR, or declare its URL as this repository with --repo-url"
        );
        match found {
            Some(src) => {
                let url = src.str_at(&["spec", "url"]).unwrap_or("");
                if kind == "GitRepository" && self.cfg.is_this_repo(url) {
                    return Ok(FluxSource {
                        dir: self.cfg.root.clone(),
                        ignore: src.str_at(&["spec", "ignore"]).map(str::to_string),
                    });
                }
                Err(self
                    .error(
                        ErrorKind::Source,
                        format!("{kind} {namespace}/{name} ({url}) is not this repository"),
                    )
                    .with_help(help)
                    .into())
            }
            None => Err(self
                .error(
                    ErrorKind::Source,
                    format!("{kind} {namespace}/{name} is not among the objects this repository produces"),
                )
                .with_help(help)
                .into()),
        }
    }
}

/// Where a Flux source's files are, and which of them its artifact leaves out.
#[derive(Clone, Debug)]
pub struct FluxSource {
    /// The folder holding the source's files.
    pub dir: PathBuf,
    /// `spec.ignore` of a GitRepository: gitignore patterns, relative to `dir`, that
    /// source-controller applies after the `.sourceignore` files.
    pub ignore: Option<String>,
}

/// A chart to render for a unit, fully interpreted.
#[derive(Clone, Debug)]
pub struct ChartJob {
    /// What `helm template` gets (the API versions are filled in when rendering).
    pub request: ChartRequest,
    /// Flux post-renderers (kustomize entries), in order.
    pub post_renderers: Vec<Node>,
    /// Where the chart is configured (the unit's file), for errors.
    pub file: Option<String>,
}

/// A finished unit's objects and facts.
#[derive(Clone, Debug, Default)]
pub struct UnitOutput {
    /// The objects the unit applies, with their source files.
    pub objects: Vec<Built>,
    /// The namespace objects without one get (`None`: no default).
    pub default_namespace: Option<String>,
    /// Whether Argo CD's hook rules drop some Helm hooks.
    pub argo_hooks: bool,
    /// Charts the unit resolved.
    pub charts: Vec<ResolvedChart>,
    /// Things worth telling the user.
    pub warnings: Vec<String>,
}

/// What an expansion ended with.
#[derive(Debug)]
pub enum Outcome {
    /// Finished.
    Done(UnitOutput),
    /// Everything but the charts is done; the charts render once the repository's CRDs
    /// are known.
    Render(UnitOutput, Vec<ChartJob>),
    /// Waiting for an object.
    Blocked(String),
    /// Failed.
    Failed(Error),
}

impl From<Step<Outcome>> for Outcome {
    fn from(s: Step<Outcome>) -> Self {
        match s {
            Ok(o) => o,
            Err(Halt::Blocked(what)) => Outcome::Blocked(what),
            Err(Halt::Failed(e)) => Outcome::Failed(e),
        }
    }
}
