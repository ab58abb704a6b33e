//! kubake-bundle: a compiled GitOps repository written as a bundle — plain YAML a dumb
//! applier can `kubectl apply -f`, deterministic and content-hashed.
//!
//! [`build`] is what `kubake build` runs: compile the repository with kubake-gitops,
//! check or update `kubake.lock`, lay the bundle out ([`layout`]) and write it atomically
//! ([`write`]).
//!
//! The bundle:
//! - one file per unit, `<NN>-<kind>-<namespace>-<name>.yaml` (kind lower-cased, `NN` the
//!   unit's apply level zero-padded, the namespace part left out when empty), so lexical
//!   order is a valid apply order; inside a file, documents in kind install order
//!   ([`order`]), then namespace and name, printed as kustomize prints them. Units that
//!   apply nothing but compiled-away objects get no file.
//! - `index.json`: `{"kubake": VERSION, "root": HASH, "units": [{"id", "kind",
//!   "namespace", "name", "source", "parent", "dependsOn", "level", "files": [{"path",
//!   "blake3", "objects"}]}], "compiledAway": [{"apiVersion", "kind", "namespace", "name",
//!   "unit"}]}`, units in apply order; `root` is the BLAKE3 of the lines `<path>
//!   <blake3>\n` of every unit file, sorted by path.
//!
//! Compiled away (listed, not written): the Flux Kustomizations, HelmReleases and source
//! objects, and the Argo CD Applications, which the bundle replaces.
//!
//! ```no_run
//! use kubake_bundle::{build, BuildOptions};
//! use kubake_gitops::{Options, UnavailableRenderer};
//! let opts = BuildOptions {
//!     gitops: Options { entry: "clusters/production".into(), ..Options::default() },
//!     out: "out".into(),
//!     ..BuildOptions::default()
//! };
//! let report = build(&opts, &UnavailableRenderer)?;
//! println!("{} units, root {}", report.units, report.root_hash);
//! # Ok::<(), kubake_bundle::Error>(())
//! ```
//!
//! Not here: expanding units (kubake-gitops), Helm (behind kubake-gitops' seam).
#![deny(missing_docs)]

pub mod cached;
pub mod check;
pub mod content;
pub mod diff;
pub mod diff_format;
pub mod order;
pub mod write;

pub use check::{check, CheckReport, FileChange};
pub use content::FileBytes;
pub use kubake_cache::Store;

use std::fmt;
use std::path::PathBuf;

use kubake_gitops::{Compilation, CompiledObject, UnitId, UnitStatus};
use rayon::prelude::*;
use serde_json::{json, Value as Json};

/// `kubake build`'s options: the GitOps options (entry, root, flavor, repo URLs, chart
/// stores, sources, kube version, `--locked`), where to write, how many threads, and the
/// cache.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// What to compile (`ENTRY --root --flavor --repo-url --charts --source
    /// --kube-version --locked`).
    pub gitops: kubake_gitops::Options,
    /// `--out DIR`.
    pub out: PathBuf,
    /// Worker threads (`None`: one per core). The bundle's bytes never depend on it.
    pub threads: Option<usize>,
    /// The on-disk cache (`None`: `--no-cache`): whole builds and chart renders of
    /// earlier runs, found again when their inputs are the same ([`cached`]).
    pub cache: Option<kubake_cache::Store>,
    /// Everything about the chart renderer that changes its output and is not in a
    /// request (its random seed): part of every cache key.
    pub renderer_settings: String,
    /// Where to report progress (the CLI's progress bar); never changes the output.
    pub progress: Option<ProgressSink>,
}

/// A receiver of [`kubake_gitops::BuildProgress`] reports. Options holding one compare
/// equal to options holding another: progress never changes what is built.
#[derive(Clone)]
pub struct ProgressSink(pub std::sync::Arc<dyn Fn(&kubake_gitops::BuildProgress) + Send + Sync>);

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
}

impl PartialEq for ProgressSink {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ProgressSink {}

/// What a successful build did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuildReport {
    /// Where the bundle is.
    pub out: PathBuf,
    /// The bundle's root hash.
    pub root_hash: String,
    /// Units compiled.
    pub units: usize,
    /// Unit files written.
    pub files: usize,
    /// Objects written.
    pub objects: usize,
    /// Objects compiled away.
    pub compiled_away: usize,
    /// Units skipped because they are suspended (their ids).
    pub suspended: Vec<String>,
    /// Whether `kubake.lock` was written (created or changed).
    pub lock_written: bool,
    /// Things worth telling the user.
    pub warnings: Vec<String>,
    /// What the cache gave.
    pub cache: CacheUse,
    /// Every unit file written, with its BLAKE3 (as `index.json` lists them).
    pub file_hashes: Vec<(String, String)>,
    /// Seconds spent compiling (or finding the build in the cache) and laying it out.
    pub compile_seconds: f64,
    /// Seconds spent writing the bundle and the lock.
    pub write_seconds: f64,
}

/// What the cache gave a build.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheUse {
    /// Whether the cache was used at all.
    pub enabled: bool,
    /// Whether the whole build came from the cache (nothing was compiled).
    pub build_reused: bool,
    /// Charts rendered in this run.
    pub charts_rendered: usize,
    /// Chart renders taken from the cache.
    pub charts_reused: usize,
}

/// Why a build failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The repository did not compile: every failure, in apply order.
    Compile(Vec<kubake_gitops::Error>),
    /// Writing the bundle or the lock file failed.
    Write(write::WriteError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Compile(errors) => {
                for (i, e) in errors.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            Error::Write(w) => write!(f, "cannot write {}: {}", w.path.display(), w.message),
        }
    }
}

impl std::error::Error for Error {}

/// An in-memory bundle: files (sorted by path, `index.json` included) and the root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    /// Relative path and bytes of every file.
    pub files: Vec<(String, FileBytes)>,
    /// The BLAKE3 digest (hex) of each file of `files`, in the same order: computed once,
    /// where the file is made, for the index, the root hash, the report and the cache.
    pub hashes: Vec<String>,
    /// The root hash.
    pub root_hash: String,
    /// Objects written.
    pub objects: usize,
    /// Objects compiled away.
    pub compiled_away: usize,
}

/// A compiled repository laid out in memory, before anything is written: the bundle
/// and the facts a report needs (all of it is what the cache keeps of a build).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Prepared {
    bundle: Bundle,
    /// Units compiled.
    units: usize,
    /// Suspended units' ids.
    suspended: Vec<String>,
    warnings: Vec<String>,
    /// The repository root (where `kubake.lock` lives).
    root: PathBuf,
    /// `kubake.lock` as the build resolves it.
    lock_text: String,
    /// Whether `kubake.lock` differs from what the repository records.
    lock_changed: bool,
    /// `--locked` (or `locked: true` in kubake.yaml).
    locked: bool,
    cache: CacheUse,
    /// The digest of the build's inputs but `kubake.lock`, when cached ([`cached::inputs`]).
    cache_inputs: Option<String>,
}

/// Compiles the repository (or finds the same build in the cache), checks
/// `kubake.lock` under `--locked`, and lays the bundle out in memory.
fn prepare(
    opts: &BuildOptions,
    renderer: &dyn kubake_gitops::ChartRenderer,
) -> Result<Prepared, Error> {
    let cfg = kubake_gitops::Config::resolve(&opts.gitops).map_err(|e| Error::Compile(vec![e]))?;
    let Some(store) = &opts.cache else {
        return compile(cfg, opts, renderer);
    };
    let lock_path = cfg.root.join(kubake_gitops::lock::LOCK_FILE);
    let lock_before = std::fs::read(&lock_path).ok();
    let inputs = cached::inputs(&cfg, opts, store);
    let key = inputs
        .as_deref()
        .map(|i| cached::key(i, lock_before.as_deref()));
    if let Some(mut hit) = key
        .as_deref()
        .and_then(|k| cached::load(store, k, &cfg.root))
    {
        hit.cache = CacheUse {
            enabled: true,
            build_reused: true,
            ..CacheUse::default()
        };
        hit.cache_inputs = inputs;
        return Ok(hit);
    }
    let caching =
        kubake_gitops::CachingRenderer::new(renderer, store.clone(), &opts.renderer_settings);
    let mut prepared = compile(cfg.clone(), opts, &caching)?;
    let counts = caching.counts();
    prepared.cache = CacheUse {
        enabled: true,
        build_reused: false,
        charts_rendered: counts.rendered,
        charts_reused: counts.reused,
    };
    // Kept only when nothing changed while compiling: an edit made meanwhile may or may
    // not be in the result, and belongs to neither key.
    let unchanged = inputs.is_some()
        && cached::inputs(&cfg, opts, store) == inputs
        && std::fs::read(&lock_path).ok() == lock_before;
    if let (true, Some(k)) = (unchanged, &key) {
        cached::save(store, k, &prepared);
        prepared.cache_inputs = inputs;
    }
    Ok(prepared)
}

/// Compiles the repository of `cfg` and lays the bundle out.
fn compile(
    cfg: kubake_gitops::Config,
    opts: &BuildOptions,
    renderer: &dyn kubake_gitops::ChartRenderer,
) -> Result<Prepared, Error> {
    let compile = || match &opts.progress {
        Some(sink) => kubake_gitops::compile_config_with_progress(cfg, renderer, &*sink.0),
        None => kubake_gitops::compile_config(cfg, renderer),
    };
    let compiled = match opts.threads {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
        {
            Ok(pool) => pool.install(compile),
            Err(_) => compile(),
        },
        None => compile(),
    }
    .map_err(|e| Error::Compile(vec![e]))?;
    let failures: Vec<kubake_gitops::Error> = compiled.failures().into_iter().cloned().collect();
    if !failures.is_empty() {
        return Err(Error::Compile(failures));
    }
    // kubake.lock: checked with --locked, otherwise rewritten when it changes.
    let lock = kubake_gitops::Lock::new(compiled.charts.iter().cloned());
    let recorded =
        kubake_gitops::Lock::read(&compiled.config.root).map_err(|e| Error::Compile(vec![e]))?;
    if compiled.config.locked {
        lock.check_against(recorded.as_ref())
            .map_err(|e| Error::Compile(vec![e]))?;
    }
    let lock_changed =
        recorded.as_ref() != Some(&lock) && !(recorded.is_none() && lock.charts.is_empty());
    let bundle = layout(&compiled);
    let prepared = Prepared {
        bundle,
        units: compiled.units.len(),
        suspended: compiled
            .units
            .iter()
            .filter(|u| matches!(u.status, UnitStatus::Suspended))
            .map(|u| u.unit.id.to_string())
            .collect(),
        warnings: compiled.warnings.clone(),
        root: compiled.config.root.clone(),
        lock_text: lock.render(),
        lock_changed,
        locked: compiled.config.locked,
        cache: CacheUse::default(),
        cache_inputs: None,
    };
    drop_in_background(compiled);
    Ok(prepared)
}

/// Set by a process that builds once and exits (`kubake build`, `kubake check`): see
/// [`leave_compilations_to_exit`].
static LEAVE_TO_EXIT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Tells this process's builds not to free their compilations: the process exits right
/// after writing, and the operating system takes the memory back at once. Freeing the
/// object trees (hundreds of thousands of small allocations for a repository with big
/// charts' CRDs) on a second thread competed with hashing and writing the bundle:
/// homelab-layers median 89.0 -> 84.6 ms (50 alternating runs). Not for long-lived
/// processes.
pub fn leave_compilations_to_exit() {
    LEAVE_TO_EXIT.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Frees a compilation on its own thread: its object trees are hundreds of thousands of
/// small allocations, and nothing after the layout reads them. (Without a thread, it
/// is freed here; in a process that exits right after, not at all.)
fn drop_in_background(compiled: kubake_gitops::Compilation) {
    if LEAVE_TO_EXIT.load(std::sync::atomic::Ordering::Relaxed) {
        std::mem::forget(compiled);
        return;
    }
    let _ = std::thread::Builder::new()
        .name("kubake-drop".into())
        .spawn(move || drop(compiled));
}

/// Compiles the repository and writes the bundle (see the crate documentation).
pub fn build(
    opts: &BuildOptions,
    renderer: &dyn kubake_gitops::ChartRenderer,
) -> Result<BuildReport, Error> {
    let started = std::time::Instant::now();
    let mut p = prepare(opts, renderer)?;
    let compile_seconds = started.elapsed().as_secs_f64();
    let write_lock = !p.locked && p.lock_changed;
    write::write_dir(&p.bundle.files, &opts.out).map_err(Error::Write)?;
    if write_lock {
        let path = p.root.join(kubake_gitops::lock::LOCK_FILE);
        write::write_file(&path, p.lock_text.as_bytes()).map_err(|e| {
            Error::Write(write::WriteError {
                help: Some("make the repository root writable, or build with --locked against a committed kubake.lock".into()),
                ..e
            })
        })?;
        // The lock is an input: the repository with the lock just written builds to the
        // same bundle, with a current lock, and the next run (a pre-commit check) should
        // find it. The other inputs are the ones checked unchanged after compiling.
        p.lock_changed = false;
        if let (Some(store), Some(inputs)) = (&opts.cache, &p.cache_inputs) {
            cached::save(
                store,
                &cached::key(inputs, Some(p.lock_text.as_bytes())),
                &p,
            );
        }
    }
    Ok(BuildReport {
        out: opts.out.clone(),
        root_hash: p.bundle.root_hash,
        units: p.units,
        files: p.bundle.files.len().saturating_sub(1),
        objects: p.bundle.objects,
        compiled_away: p.bundle.compiled_away,
        suspended: p.suspended,
        lock_written: write_lock,
        warnings: p.warnings,
        cache: p.cache,
        file_hashes: p
            .bundle
            .files
            .iter()
            .zip(&p.bundle.hashes)
            .filter(|((path, _), _)| path != "index.json")
            .map(|((path, _), hash)| (path.clone(), hash.clone()))
            .collect(),
        compile_seconds,
        write_seconds: started.elapsed().as_secs_f64() - compile_seconds,
    })
}

/// Compiles the repository and lays the bundle out in memory, writing nothing (not
/// even `kubake.lock`): one side of `kubake diff`.
pub fn render(
    opts: &BuildOptions,
    renderer: &dyn kubake_gitops::ChartRenderer,
) -> Result<(Bundle, CacheUse), Error> {
    let p = prepare(opts, renderer)?;
    Ok((p.bundle, p.cache))
}

/// The file name of a unit's YAML.
pub fn file_name(level: usize, width: usize, id: &UnitId) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let kind = clean(&id.kind.to_ascii_lowercase());
    if id.namespace.is_empty() {
        format!("{level:0width$}-{kind}-{}.yaml", clean(&id.name))
    } else {
        format!(
            "{level:0width$}-{kind}-{}-{}.yaml",
            clean(&id.namespace),
            clean(&id.name)
        )
    }
}

/// The documents of a unit's file, each emitted as `kubake_yaml::to_yaml` writes it,
/// on all cores (one unit, a chart with its CRDs, can hold most of a repository's
/// bytes); they are joined by `---` lines only as the file is written
/// ([`FileBytes::Documents`]).
fn yaml_documents(docs: &[&CompiledObject]) -> FileBytes {
    // One document per job: rayon's default splitting would leave a unit's CRDs (its
    // biggest documents, sorted first) to one thread.
    FileBytes::Documents(
        docs.par_iter()
            .with_max_len(1)
            .map(|d| d.yaml().into_owned())
            .collect(),
    )
}

/// Lays out the bundle of a compilation (which must have no failures).
pub fn layout(c: &Compilation) -> Bundle {
    let max_level = c.units.iter().map(|u| u.level).max().unwrap_or(0);
    let width = max_level.to_string().len().max(2);
    let rendered: Vec<(String, FileBytes, String, usize)> = c
        .units
        .par_iter()
        .map(|u| {
            let mut docs: Vec<&CompiledObject> =
                u.objects.iter().filter(|o| !o.compiled_away).collect();
            docs.sort_by(|a, b| order::compare(&a.node, &b.node));
            let bytes = yaml_documents(&docs);
            let hash = bytes.blake3();
            (
                file_name(u.level, width, &u.unit.id),
                bytes,
                hash,
                docs.len(),
            )
        })
        .collect();

    let mut files: Vec<(String, FileBytes, String)> = Vec::new();
    let mut units_json = Vec::new();
    let mut objects = 0;
    for (u, (path, bytes, hash, count)) in c.units.iter().zip(rendered) {
        let mut file_entries = Vec::new();
        if count > 0 {
            file_entries.push(json!({
                "path": path,
                "blake3": hash,
                "objects": count,
            }));
            objects += count;
            files.push((path, bytes, hash));
        }
        units_json.push(json!({
            "id": u.unit.id.to_string(),
            "kind": u.unit.id.kind,
            "namespace": u.unit.id.namespace,
            "name": u.unit.id.name,
            "source": u.unit.source,
            "parent": u.unit.parent.as_ref().map(ToString::to_string),
            "dependsOn": u.unit.depends_on.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "level": u.level,
            "files": file_entries,
        }));
    }
    let mut away: Vec<(usize, &kubake_yaml::Node, &UnitId)> = Vec::new();
    for (i, u) in c.units.iter().enumerate() {
        for o in u.objects.iter().filter(|o| o.compiled_away) {
            away.push((i, &o.node, &u.unit.id));
        }
    }
    away.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| order::compare(a.1, b.1)));
    let compiled_away: Vec<Json> = away
        .iter()
        .map(|(_, n, unit)| {
            json!({
                "apiVersion": kubake_gitops::object::api_version(n),
                "kind": kubake_gitops::object::kind(n),
                "namespace": kubake_gitops::object::namespace(n),
                "name": kubake_gitops::object::name(n),
                "unit": unit.to_string(),
            })
        })
        .collect();

    files.sort_by(|a, b| a.0.cmp(&b.0));
    let root_hash = root_hash_of(
        files
            .iter()
            .map(|(path, _, hash)| (path.as_str(), hash.as_str())),
    );
    let index = json!({
        "kubake": env!("CARGO_PKG_VERSION"),
        "root": root_hash,
        "units": units_json,
        "compiledAway": compiled_away,
    });
    let mut index_text = serde_json::to_string_pretty(&index).unwrap_or_default();
    index_text.push('\n');
    let index_hash = blake3::hash(index_text.as_bytes()).to_hex().to_string();
    files.push((
        "index.json".into(),
        FileBytes::Whole(index_text.into_bytes()),
        index_hash,
    ));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let (files, hashes) = files
        .into_iter()
        .map(|(path, bytes, hash)| ((path, bytes), hash))
        .unzip();
    Bundle {
        files,
        hashes,
        root_hash,
        objects,
        compiled_away: away.len(),
    }
}

/// BLAKE3 of the sorted `<path> <blake3>\n` lines of the unit files.
pub fn root_hash(files: &[(String, Vec<u8>)]) -> String {
    let hashes: Vec<String> = files
        .iter()
        .map(|(_, b)| blake3::hash(b).to_hex().to_string())
        .collect();
    root_hash_of(
        files
            .iter()
            .zip(&hashes)
            .map(|((p, _), h)| (p.as_str(), h.as_str())),
    )
}

/// [`root_hash`] of files already hashed: `(path, blake3 hex)` pairs.
fn root_hash_of<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut lines: Vec<String> = files
        .filter(|(p, _)| *p != "index.json")
        .map(|(p, h)| format!("{p} {h}\n"))
        .collect();
    lines.sort();
    blake3::hash(lines.concat().as_bytes()).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_sort_by_level() {
        let id = UnitId::new("HelmRelease", "logging", "loki");
        assert_eq!(file_name(3, 2, &id), "03-helmrelease-logging-loki.yaml");
        assert_eq!(
            file_name(12, 3, &UnitId::new("Kustomize", "", "apps/prod")),
            "012-kustomize-apps_prod.yaml"
        );
    }

    #[test]
    fn root_hash_ignores_the_index_and_file_order() {
        let a = vec![
            ("b".to_string(), b"2".to_vec()),
            ("a".to_string(), b"1".to_vec()),
        ];
        let mut b = a.clone();
        b.reverse();
        b.push(("index.json".into(), b"{}".to_vec()));
        assert_eq!(root_hash(&a), root_hash(&b));
    }
}
