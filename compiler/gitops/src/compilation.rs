//! The result of a build: every unit with its objects, namespaces made explicit
//! (cluster-scoped kinds lose theirs; a Flux Kustomization's namespaced objects must have
//! one, or the unit fails with Flux's "namespace not specified"), the objects the bundle
//! replaces marked, apply levels computed, and the failures collected.
//!
//! Not here: expanding units (`engine`) or writing them (the bundle crate).

use std::collections::{BTreeMap, BTreeSet};

use crate::charts::ResolvedChart;
use crate::config::{Config, Flavor};
use crate::error::{Error, ErrorKind};
use crate::expand::UnitOutput;
use crate::kfile::Built;
use crate::object::{self, ObjectKey};
use crate::order;
use crate::scope::{self, Scopes};
use crate::unit::{self, Unit, UnitId, UnitKind};

/// What became of a unit.
#[derive(Clone, Debug)]
pub enum UnitStatus {
    /// Expanded.
    Built,
    /// `spec.suspend: true`: not expanded, as the controller would not reconcile it.
    Suspended,
    /// Expanding failed.
    Failed(Error),
}

/// One object a unit applies.
#[derive(Clone, Debug)]
pub struct CompiledObject {
    /// The object, namespaces made explicit.
    pub node: kubake_yaml::Node,
    /// The file it came from (relative to the root), when known.
    pub source: Option<String>,
    /// Whether the bundle replaces it (a unit or Flux source object): listed, not written.
    pub compiled_away: bool,
    /// Its text in the bundle's form, when it was read so and not changed since (`node`
    /// then lacks a CRD's schemas: see [`crate::verbatim`]). Nothing changes `node`
    /// after the compilation is assembled: the text would no longer be the object.
    pub verbatim: Option<crate::verbatim::Verbatim>,
}

impl CompiledObject {
    /// The object as the bundle writes it: the kept text, else `kubake_yaml::to_yaml` of
    /// `node` (which, with a kept text, lacks the schemas: use this, not `to_yaml`).
    pub fn yaml(&self) -> std::borrow::Cow<'_, str> {
        match &self.verbatim {
            Some(v) => v.as_str().into(),
            None => kubake_yaml::to_yaml(&self.node).into(),
        }
    }
}

/// One unit, compiled.
#[derive(Clone, Debug)]
pub struct CompiledUnit {
    /// The unit (identity, definition, parent, dependencies, wave).
    pub unit: Unit,
    /// Its apply level.
    pub level: usize,
    /// What became of it.
    pub status: UnitStatus,
    /// What it applies.
    pub objects: Vec<CompiledObject>,
}

/// A whole repository, compiled.
#[derive(Clone, Debug)]
pub struct Compilation {
    /// The configuration used.
    pub config: Config,
    /// The flavor.
    pub flavor: Flavor,
    /// The units in apply order (level, then id).
    pub units: Vec<CompiledUnit>,
    /// Errors that belong to no one unit (dependency cycles).
    pub errors: Vec<Error>,
    /// Things worth telling the user (sorted).
    pub warnings: Vec<String>,
    /// The charts resolved.
    pub charts: BTreeSet<ResolvedChart>,
    /// The API versions the repository's CRDs serve (what charts were rendered with).
    pub api_versions: Vec<String>,
}

impl Compilation {
    /// Every error, build-level ones first, then units' in apply order.
    pub fn failures(&self) -> Vec<&Error> {
        let mut out: Vec<&Error> = self.errors.iter().collect();
        out.extend(self.units.iter().filter_map(|u| match &u.status {
            UnitStatus::Failed(e) => Some(e),
            _ => None,
        }));
        out
    }
}

/// Where `unit`'s `index`-th `spec.dependsOn` entry is (unknown when it has none).
fn depends_on_pos(unit: &crate::unit::Unit, index: usize) -> kubake_yaml::Pos {
    unit.definition
        .get_path(&["spec", "dependsOn"])
        .and_then(|d| d.as_seq())
        .and_then(|s| s.get(index))
        .map_or(kubake_yaml::Pos::NONE, |n| n.pos)
}

/// The unit of the same kind whose namespace and name come closest to `missing`, when
/// close enough to be what was meant.
fn nearest_unit<'a>(ids: &'a BTreeSet<UnitId>, missing: &UnitId) -> Option<&'a UnitId> {
    let text = |u: &UnitId| format!("{}/{}", u.namespace, u.name);
    let same_kind = ids.iter().filter(|u| u.kind == missing.kind);
    kubake_kustomize::suggest::closest(same_kind, text, &text(missing), 0.9)
}

/// How a unit ended, as the engine hands it over.
pub(crate) enum Finished {
    /// Expanded.
    Built(UnitOutput),
    /// Suspended.
    Suspended,
    /// Failed.
    Failed(Error),
}

/// Builds the compilation from every unit's result.
pub(crate) fn assemble(
    cfg: Config,
    flavor: Flavor,
    finished: Vec<(Unit, Vec<UnitId>, Finished)>,
    mut warnings: Vec<String>,
) -> Compilation {
    let mut scopes = Scopes::builtin();
    for (_, _, f) in &finished {
        if let Finished::Built(out) = f {
            scopes.add_crds(out.objects.iter().map(|b| &b.node));
        }
    }
    let api_versions = {
        let mut set: BTreeSet<String> = cfg.api_versions.iter().cloned().collect();
        for (_, _, f) in &finished {
            if let Finished::Built(out) = f {
                set.extend(scope::crd_api_versions(out.objects.iter().map(|b| &b.node)));
            }
        }
        set.into_iter().collect()
    };
    let mut charts = BTreeSet::new();
    let mut units: Vec<CompiledUnit> = Vec::new();
    for (unit, chain, f) in finished {
        let (mut status, objects) = match f {
            Finished::Built(mut out) => {
                charts.extend(out.charts.drain(..));
                match explicit_namespaces(&unit, &chain, &mut out.objects, &scopes) {
                    Ok(()) => (UnitStatus::Built, out.objects),
                    Err(e) => (UnitStatus::Failed(e), out.objects),
                }
            }
            Finished::Suspended => (UnitStatus::Suspended, Vec::new()),
            Finished::Failed(e) => (UnitStatus::Failed(e), Vec::new()),
        };
        // The last change to an object's tree is behind it: a CRD kept as text and
        // changed since is written from its tree.
        let mut compiled = Vec::with_capacity(objects.len());
        for b in objects {
            match crate::verbatim::settle(b.node, b.verbatim) {
                Ok((node, verbatim)) => compiled.push(CompiledObject {
                    compiled_away: unit::is_compiled_away(&node, flavor),
                    node,
                    source: b.source,
                    verbatim,
                }),
                Err(e) => status = UnitStatus::Failed(e),
            }
        }
        let objects = compiled;
        units.push(CompiledUnit {
            unit,
            level: 0,
            status,
            objects,
        });
    }

    // Dependencies on units the repository does not have: a near miss of one it has is
    // a typo, and an error (Flux would wait for the missing one forever); anything else
    // may live in another repository, and is reported, then ignored.
    let ids: BTreeSet<UnitId> = units.iter().map(|u| u.unit.id.clone()).collect();
    let mut errors = Vec::new();
    for u in &units {
        for (i, d) in u.unit.depends_on.iter().enumerate() {
            if ids.contains(d) {
                continue;
            }
            match nearest_unit(&ids, d) {
                Some(meant) => {
                    let pos = depends_on_pos(&u.unit, i);
                    let mut e = Error::new(
                        ErrorKind::Definition,
                        format!(
                            "{} depends on {d}, which is not a unit of this repository",
                            u.unit.id
                        ),
                    )
                    .with_help(format!(
                        "did you mean {meant}? Flux would wait for {d} forever and never apply {}",
                        u.unit.id
                    ));
                    if let Some(src) = &u.unit.source {
                        e = e.at(src, pos);
                    }
                    let mut chain = ancestors(&units, &u.unit.id);
                    chain.push(u.unit.id.clone());
                    errors.push(e.in_units(&chain));
                }
                None => warnings.push(format!(
                    "{} depends on {d}, which is not a unit of this repository",
                    u.unit.id
                )),
            }
        }
    }
    let nodes: Vec<order::Node> = units
        .iter()
        .map(|u| order::Node {
            id: u.unit.id.clone(),
            parent: u.unit.parent.clone(),
            depends_on: u.unit.depends_on.clone(),
            sync_wave: u.unit.sync_wave,
        })
        .collect();
    match order::levels(&nodes) {
        Ok(levels) => {
            for u in &mut units {
                u.level = levels.get(&u.unit.id).copied().unwrap_or(0);
            }
        }
        Err(cycle) => {
            let names: Vec<String> = cycle.iter().map(ToString::to_string).collect();
            let first = cycle
                .first()
                .and_then(|id| units.iter().find(|u| u.unit.id == *id));
            let mut e = Error::new(
                ErrorKind::Cycle,
                format!("dependsOn cycle: {}", names.join(" -> ")),
            )
            .with_help("remove one of the dependsOn entries; units that wait for each other never become ready");
            if let Some(u) = first {
                if let Some(src) = &u.unit.source {
                    // the first dependsOn entry of the cycle's first unit
                    e = e.at(src, depends_on_pos(&u.unit, 0));
                }
                let mut chain = ancestors(&units, &u.unit.id);
                chain.push(u.unit.id.clone());
                e = e.in_units(&chain);
            }
            errors.push(e);
        }
    }
    units.sort_by(|a, b| (a.level, &a.unit.id).cmp(&(b.level, &b.unit.id)));

    // Objects applied by more than one unit.
    let mut owners: BTreeMap<ObjectKey, Vec<&UnitId>> = BTreeMap::new();
    for u in &units {
        for o in &u.objects {
            owners
                .entry(ObjectKey::of(&o.node))
                .or_default()
                .push(&u.unit.id);
        }
    }
    for (key, us) in owners.iter().filter(|(_, us)| us.len() > 1) {
        let names: Vec<String> = us.iter().map(ToString::to_string).collect();
        warnings.push(format!(
            "{key} is applied by several units: {}",
            names.join(", ")
        ));
    }
    warnings.sort();
    warnings.dedup();
    Compilation {
        config: cfg,
        flavor,
        units,
        errors,
        warnings,
        charts,
        api_versions,
    }
}

fn ancestors(units: &[CompiledUnit], id: &UnitId) -> Vec<UnitId> {
    let mut out = Vec::new();
    let mut cur = units
        .iter()
        .find(|u| u.unit.id == *id)
        .and_then(|u| u.unit.parent.clone());
    while let Some(p) = cur {
        if out.contains(&p) {
            break;
        }
        cur = units
            .iter()
            .find(|u| u.unit.id == p)
            .and_then(|u| u.unit.parent.clone());
        out.push(p);
    }
    out.reverse();
    out
}

/// Cluster-scoped objects lose their namespace; a Flux Kustomization's namespaced
/// objects must have one ("namespace not specified").
fn explicit_namespaces(
    unit: &Unit,
    chain: &[UnitId],
    objects: &mut [Built],
    scopes: &Scopes,
) -> Result<(), Error> {
    let mut missing: Vec<(String, Option<String>)> = Vec::new();
    for b in objects.iter_mut() {
        if scopes.is_cluster_scoped(&b.node) {
            object::clear_namespace(&mut b.node);
        } else if unit.kind == UnitKind::FluxKustomization && object::namespace(&b.node).is_empty()
        {
            missing.push((
                format!("{}/{}", object::kind(&b.node), object::name(&b.node)),
                b.source.clone(),
            ));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().take(5).map(|(n, _)| n.as_str()).collect();
    let more = if missing.len() > 5 {
        format!(" and {} more", missing.len() - 5)
    } else {
        String::new()
    };
    let mut e = Error::new(
        ErrorKind::Namespace,
        format!("{}{more}: namespace not specified", names.join(", ")),
    )
    .in_units(chain)
    .with_help(format!(
        "Flux applies namespaced objects only with a namespace: set metadata.namespace, a `namespace:` in the kustomization, or spec.targetNamespace on {}",
        unit.id
    ));
    if let Some(src) = missing.iter().find_map(|(_, s)| s.clone()) {
        e = e.in_file(src);
    }
    Err(e)
}
