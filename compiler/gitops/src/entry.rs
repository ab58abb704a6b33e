//! The entrypoint: which flavor a repository is, and its root units.
//!
//! - **Flux**: a cluster directory whose `flux-system/gotk-sync.yaml` holds the
//!   Kustomization `flux bootstrap` installed (the root; its source is this repository).
//!   A directory without it whose files hold Flux objects gets the root bootstrap would
//!   give it: `Kustomization/flux-system/flux-system` with `spec.path` the directory. A
//!   file: its Flux Kustomizations are the roots.
//! - **Argo CD**: a file (or a directory of files, or a kustomization) holding root
//!   `Application`s; their repositories are this repository.
//! - **kustomize**: a kustomization directory, one unit.
//!
//! Detection looks in that order; `--flavor` forces one. Not here: expanding anything
//! (beyond the one kustomize build that tells what a kustomization directory holds).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kubake_kustomize::LoadRestrictor;
use kubake_yaml::{Duplicates, Mapping, Node, Schema, Value};

use crate::config::{normalize_url, Config, Flavor};
use crate::error::{Error, ErrorKind, Result};
use crate::fs::{list_dir, rel_string, OverlayFs};
use crate::kfile::{self, BuildCache, KustFile};
use crate::object;
use crate::unit::{unit_kind, Unit, UnitId, UnitKind};

/// What the entrypoint gave.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The flavor.
    pub flavor: Flavor,
    /// The root units.
    pub roots: Vec<Unit>,
    /// Flux sources (namespace, name) that are this repository.
    pub this_repo_sources: BTreeSet<(String, String)>,
    /// The `spec.ignore` of those sources that have one (gitignore patterns leaving
    /// files out of the artifact), by (namespace, name).
    pub source_ignores: BTreeMap<(String, String), String>,
    /// URLs that are this repository (normalised), learnt from the roots.
    pub repo_urls: Vec<String>,
    /// Things worth telling the user.
    pub notes: Vec<String>,
}

/// Detects the flavor and the root units of `cfg.entry`.
pub fn detect(cfg: &Config, cache: &BuildCache) -> Result<Entry> {
    let entry = &cfg.entry;
    let shown = rel_string(&cfg.root, entry);
    let gotk = entry.join("flux-system").join("gotk-sync.yaml");
    match cfg.flavor {
        Some(Flavor::Flux) => flux(cfg, &shown, &gotk),
        Some(Flavor::ArgoCd) => argo(cfg, &shown, cache),
        Some(Flavor::Kustomize) => kustomize(cfg, &shown),
        None => {
            if entry.is_dir() && gotk.is_file() {
                return flux(cfg, &shown, &gotk);
            }
            let objects = entry_objects(cfg, cache)?;
            if objects.iter().any(|o| unit_kind(o, Flavor::Flux).is_some()) {
                return flux(cfg, &shown, &gotk);
            }
            if objects
                .iter()
                .any(|o| unit_kind(o, Flavor::ArgoCd).is_some())
            {
                return argo(cfg, &shown, cache);
            }
            if entry.is_dir() && kfile::find(entry).is_some() {
                return kustomize(cfg, &shown);
            }
            Err(Error::new(
                ErrorKind::Entry,
                format!("cannot tell what {shown} is: no flux-system/gotk-sync.yaml, no Flux Kustomization or HelmRelease, no Argo CD Application, no kustomization file"),
            )
            .with_help("pass a Flux cluster directory, an Argo CD root Application file, or a kustomization directory (or force one with --flavor)"))
        }
    }
}

/// The objects directly in the entry: a file's documents, a kustomization's build, or a
/// directory's top-level YAML files.
fn entry_objects(cfg: &Config, cache: &BuildCache) -> Result<Vec<Node>> {
    let entry = &cfg.entry;
    if entry.is_file() {
        return read_objects(entry, &cfg.root);
    }
    if let Some(k) = KustFile::load(entry, &cfg.root)? {
        let fs = OverlayFs::new().confined_to(&cfg.root);
        let built = kfile::build(cache, &fs, &k, LoadRestrictor::None, &cfg.root)?;
        return Ok(built.into_iter().map(|b| b.node).collect());
    }
    let mut out = Vec::new();
    for e in list_dir(entry).map_err(|e| Error::new(ErrorKind::Io, e.to_string()))? {
        if !e.is_dir && (e.name.ends_with(".yaml") || e.name.ends_with(".yml")) {
            out.extend(read_objects(&e.path, &cfg.root).unwrap_or_default());
        }
    }
    Ok(out)
}

fn read_objects(path: &Path, root: &Path) -> Result<Vec<Node>> {
    let shown = rel_string(root, path);
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::new(ErrorKind::Io, format!("cannot read {shown}: {e}")).in_file(&shown)
    })?;
    let docs = kubake_yaml::load_stream_with(&text, Schema::Yaml11, Duplicates::LastWins)
        .map_err(|e| Error::new(ErrorKind::Yaml, e.message).at(&shown, e.pos))?;
    Ok(docs.into_iter().filter(|d| d.as_map().is_some()).collect())
}

fn flux(cfg: &Config, shown: &str, gotk: &Path) -> Result<Entry> {
    let mut out = Entry {
        flavor: Flavor::Flux,
        roots: Vec::new(),
        this_repo_sources: BTreeSet::new(),
        source_ignores: BTreeMap::new(),
        repo_urls: Vec::new(),
        notes: Vec::new(),
    };
    let (docs, file) = if cfg.entry.is_file() {
        (read_objects(&cfg.entry, &cfg.root)?, shown.to_string())
    } else if gotk.is_file() {
        (read_objects(gotk, &cfg.root)?, rel_string(&cfg.root, gotk))
    } else {
        out.roots.push(synthetic_flux_root(shown));
        out.this_repo_sources
            .insert(("flux-system".into(), "flux-system".into()));
        out.notes.push(format!(
            "{shown} has no flux-system/gotk-sync.yaml: building it as the Kustomization flux-system/flux-system that `flux bootstrap --path={shown}` would create"
        ));
        return Ok(out);
    };
    for d in &docs {
        if object::kind(d) == "GitRepository" {
            if let Some(url) = d.str_at(&["spec", "url"]) {
                out.repo_urls.push(normalize_url(url));
            }
            let key = (
                object::namespace(d).to_string(),
                object::name(d).to_string(),
            );
            if let Some(ignore) = d.str_at(&["spec", "ignore"]) {
                out.source_ignores.insert(key.clone(), ignore.to_string());
            }
            out.this_repo_sources.insert(key);
        }
    }
    let mut roots: Vec<Node> = docs
        .into_iter()
        .filter(|d| unit_kind(d, Flavor::Flux) == Some(UnitKind::FluxKustomization))
        .collect();
    if roots.is_empty() {
        return Err(Error::new(
            ErrorKind::Entry,
            format!("{file} holds no Flux Kustomization"),
        )
        .in_file(&file));
    }
    if gotk.is_file() && !cfg.entry.is_file() && roots.len() > 1 {
        // gotk-sync.yaml normally holds one Kustomization; keep the one for this path.
        let want = shown.trim_start_matches("./");
        if let Some(i) = roots.iter().position(|r| {
            r.str_at(&["spec", "path"])
                .map(|p| p.trim_start_matches("./").trim_end_matches('/'))
                == Some(want)
        }) {
            roots = vec![roots.swap_remove(i)];
        }
    }
    for r in roots {
        let ns = object::namespace(&r).to_string();
        let src_ns = r
            .str_at(&["spec", "sourceRef", "namespace"])
            .filter(|s| !s.is_empty())
            .unwrap_or(&ns)
            .to_string();
        if let Some(name) = r.str_at(&["spec", "sourceRef", "name"]) {
            out.this_repo_sources.insert((src_ns, name.to_string()));
        }
        let mut r = r;
        if ns.is_empty() {
            object::set_namespace(&mut r, "flux-system");
        }
        out.roots.push(Unit::from_object(
            UnitKind::FluxKustomization,
            r,
            Some(file.clone()),
            None,
        ));
    }
    Ok(out)
}

fn synthetic_flux_root(path: &str) -> Unit {
    let text = format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m0s\n  path: ./{}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        if path == "." { "" } else { path }
    );
    let node = kubake_yaml::load_one(&text, Schema::Core12).unwrap_or_else(|_| object::empty_map());
    Unit::from_object(
        UnitKind::FluxKustomization,
        node,
        Some(path.to_string()),
        None,
    )
}

fn argo(cfg: &Config, shown: &str, cache: &BuildCache) -> Result<Entry> {
    let objects = entry_objects(cfg, cache)?;
    let mut out = Entry {
        flavor: Flavor::ArgoCd,
        roots: Vec::new(),
        this_repo_sources: BTreeSet::new(),
        source_ignores: BTreeMap::new(),
        repo_urls: Vec::new(),
        notes: Vec::new(),
    };
    let file = if cfg.entry.is_file() {
        Some(shown.to_string())
    } else {
        None
    };
    for mut o in objects {
        if unit_kind(&o, Flavor::ArgoCd).is_none() {
            out.notes.push(format!(
                "{shown}: {} is not an Application; a root file's other objects are applied by hand and are not part of the bundle",
                object::ObjectKey::of(&o)
            ));
            continue;
        }
        if object::namespace(&o).is_empty() {
            object::set_namespace(&mut o, crate::argo::DEFAULT_NAMESPACE);
        }
        let sources: Vec<Node> = match o.get_path(&["spec", "sources"]).and_then(Node::as_seq) {
            Some(s) if !s.is_empty() => s.clone(),
            _ => o
                .get_path(&["spec", "source"])
                .cloned()
                .into_iter()
                .collect(),
        };
        for s in sources {
            let is_path_source = s.get("path").is_some() || s.get("ref").is_some();
            if let (true, Some(url)) = (is_path_source, s.str_at(&["repoURL"])) {
                out.repo_urls.push(normalize_url(url));
            }
        }
        out.roots.push(Unit::from_object(
            UnitKind::Application,
            o,
            file.clone(),
            None,
        ));
    }
    if out.roots.is_empty() {
        return Err(Error::new(
            ErrorKind::Entry,
            format!("{shown} holds no Argo CD Application"),
        )
        .with_help("pass the file holding the root Application (the one applied by hand after installing Argo CD)"));
    }
    Ok(out)
}

fn kustomize(cfg: &Config, shown: &str) -> Result<Entry> {
    if !cfg.entry.is_dir() || kfile::find(&cfg.entry).is_none() {
        return Err(Error::new(
            ErrorKind::Entry,
            format!("{shown} is not a kustomization directory"),
        )
        .with_help("pass a directory holding kustomization.yaml"));
    }
    let name = if shown == "." {
        "root".to_string()
    } else {
        shown.replace('/', "-")
    };
    let mut meta = Mapping::new();
    meta.insert("name", Node::str(name.clone()));
    let mut m = Mapping::new();
    m.insert("kind", Node::str("Kustomize"));
    m.insert("metadata", Node::new(Value::Map(meta)));
    m.insert("path", Node::str(shown));
    let mut unit = Unit::from_object(
        UnitKind::Kustomize,
        Node::new(Value::Map(m)),
        Some(shown.to_string()),
        None,
    );
    unit.id = UnitId::new("Kustomize", "", &name);
    Ok(Entry {
        flavor: Flavor::Kustomize,
        roots: vec![unit],
        this_repo_sources: BTreeSet::new(),
        source_ignores: BTreeMap::new(),
        repo_urls: Vec::new(),
        notes: Vec::new(),
    })
}
