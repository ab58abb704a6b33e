//! The unit graph, expanded: starting from the roots, every unit is expanded, and the
//! units found in its output join the graph, until nothing is left.
//!
//! Expansion runs in rounds (bulk-synchronous): every unit that is ready expands in
//! parallel (rayon) against a frozen [`Snapshot`] of the objects produced so far, and
//! the results are merged in unit-id order. So the outcome never depends on thread
//! count or timing. A unit whose lookup is not ready yet is retried after the next round
//! that made progress; when nothing else can progress, charts waiting to render are
//! rendered (with the API versions of every CRD known by then), and after that, blocked
//! units run in final mode one at a time.
//!
//! When everything is expanded, charts rendered with fewer API versions than the
//! repository's CRDs serve are rendered again, until the set is stable. Then namespaces
//! are made explicit (cluster-scoped kinds lose theirs; Flux objects must have one), the
//! objects the bundle replaces are marked, and apply levels are computed.
//!
//! Not here: any controller's rules (`flux`, `argo`) or writing (the bundle crate).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::chartout;
use crate::charts::ChartStores;
use crate::compilation::{self, Compilation, Finished};
use crate::config::{Config, Flavor};
use crate::entry::Entry;
use crate::error::{Error, ErrorKind};
use crate::expand::{ChartJob, Ctx, Outcome, Snapshot, UnitOutput};
use crate::kfile::{BuildCache, Built};
use crate::object::{self, ObjectKey};
use crate::render::{ApiReads, ChartRenderer, RenderError, RenderedChart};
use crate::scope::{self, Scopes};
use crate::unit::{self, Unit, UnitId, UnitKind};
use crate::{argo, flux};

/// How many times charts are rendered again while the repository's API versions grow.
const MAX_CAPABILITY_PASSES: usize = 4;

enum State {
    Pending,
    Blocked(String),
    Rendering(UnitOutput, Vec<ChartJob>),
    Done(UnitOutput, Option<Rendered>),
    Suspended,
    Failed(Error),
}

/// A unit's output after rendering, with what it was rendered from.
type RenderResult = Result<(UnitOutput, Rendered), Error>;

/// What a chart unit was rendered from, to render it again.
struct Rendered {
    base: UnitOutput,
    jobs: Vec<ChartJob>,
    api_versions: Vec<String>,
    /// Per job, what its render read of the API versions.
    api_reads: Vec<ApiReads>,
    children: BTreeSet<UnitId>,
}

struct Record {
    unit: Unit,
    state: State,
    chain: Vec<UnitId>,
}

/// Runs a build.
pub struct Engine<'a> {
    cfg: Config,
    flavor: Flavor,
    renderer: &'a dyn ChartRenderer,
    progress: Option<&'a Progress<'a>>,
    stores: ChartStores,
    cache: BuildCache,
    this_repo_sources: BTreeSet<(String, String)>,
    source_ignores: BTreeMap<(String, String), String>,
    records: BTreeMap<UnitId, Record>,
    index: BTreeMap<ObjectKey, kubake_yaml::Node>,
    scopes: Scopes,
    warnings: Vec<String>,
}

impl<'a> Engine<'a> {
    /// An engine for `entry` under `cfg`.
    pub fn new(
        mut cfg: Config,
        entry: Entry,
        renderer: &'a dyn ChartRenderer,
        cache: BuildCache,
    ) -> Self {
        for u in &entry.repo_urls {
            if !cfg.repo_urls.contains(u) {
                cfg.repo_urls.push(u.clone());
            }
        }
        let stores = ChartStores::new(cfg.chart_stores.clone());
        let mut records = BTreeMap::new();
        for root in entry.roots {
            let chain = vec![root.id.clone()];
            let state = if root.is_suspended() {
                State::Suspended
            } else {
                State::Pending
            };
            records.insert(
                root.id.clone(),
                Record {
                    unit: root,
                    state,
                    chain,
                },
            );
        }
        Engine {
            cfg,
            flavor: entry.flavor,
            renderer,
            progress: None,
            stores,
            cache,
            this_repo_sources: entry.this_repo_sources,
            source_ignores: entry.source_ignores,
            records,
            index: BTreeMap::new(),
            scopes: Scopes::builtin(),
            warnings: entry.notes,
        }
    }

    /// Reports progress to `sink` while running.
    #[must_use]
    pub fn with_progress(mut self, sink: &'a Progress<'a>) -> Self {
        self.progress = Some(sink);
        self
    }

    /// Units that are finished (expanded, rendered, failed or suspended).
    fn finished(&self) -> usize {
        self.records
            .values()
            .filter(|r| {
                matches!(
                    r.state,
                    State::Done(..) | State::Failed(_) | State::Suspended
                )
            })
            .count()
    }

    /// Tells the progress sink that `current` is being worked on.
    fn report(&self, current: &str) {
        if let Some(sink) = self.progress {
            sink(&BuildProgress {
                done: self.finished(),
                total: self.records.len(),
                current: current.to_string(),
            });
        }
    }

    /// A function for worker threads to call as each unit of a parallel step
    /// finishes: it reports one more unit done, naming it.
    fn ticker(&self) -> impl Fn(&UnitId) + Sync + 'a {
        let base = self.finished();
        let total = self.records.len();
        let count = std::sync::atomic::AtomicUsize::new(0);
        let progress = self.progress;
        move |id: &UnitId| {
            if let Some(sink) = progress {
                let n = count.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                sink(&BuildProgress {
                    done: (base + n).min(total),
                    total,
                    current: format!("finished {id}"),
                });
            }
        }
    }

    /// Expands everything and returns the compilation.
    pub fn run(mut self) -> Compilation {
        let mut progressed = true;
        loop {
            let ready: Vec<UnitId> = self
                .records
                .iter()
                .filter(|(_, r)| match r.state {
                    State::Pending => true,
                    State::Blocked(_) => progressed,
                    _ => false,
                })
                .map(|(id, _)| id.clone())
                .collect();
            if !ready.is_empty() {
                progressed = self.round(&ready, false);
                if progressed {
                    continue;
                }
            }
            let rendering: Vec<UnitId> = self
                .records
                .iter()
                .filter(|(_, r)| matches!(r.state, State::Rendering(..)))
                .map(|(id, _)| id.clone())
                .collect();
            if !rendering.is_empty() {
                self.render(&rendering);
                progressed = true;
                continue;
            }
            let first_blocked = self
                .records
                .iter()
                .find(|(_, r)| matches!(r.state, State::Blocked(_)))
                .map(|(id, _)| id.clone());
            match first_blocked {
                Some(id) => {
                    self.round(&[id], true);
                    progressed = true;
                }
                None => break,
            }
        }
        self.stabilise_capabilities();
        self.report("assembling the bundle");
        self.finish()
    }

    fn snapshot(&self, final_mode: bool) -> Snapshot {
        Snapshot {
            objects: self.index.clone(),
            unfinished: self
                .records
                .iter()
                .filter(|(_, r)| {
                    matches!(
                        r.state,
                        State::Pending | State::Blocked(_) | State::Rendering(..)
                    )
                })
                .map(|(id, _)| id.clone())
                .collect(),
            final_mode,
        }
    }

    /// One round: expands `ids` in parallel; returns whether any finished or failed.
    fn round(&mut self, ids: &[UnitId], final_mode: bool) -> bool {
        self.report(&describe("expanding", ids));
        let snapshot = self.snapshot(final_mode);
        let results: Vec<(UnitId, Outcome)> = ids
            .par_iter()
            .filter_map(|id| {
                let rec = self.records.get(id)?;
                let ctx = Ctx {
                    cfg: &self.cfg,
                    flavor: self.flavor,
                    stores: &self.stores,
                    cache: &self.cache,
                    snapshot: &snapshot,
                    this_repo_sources: &self.this_repo_sources,
                    source_ignores: &self.source_ignores,
                    chain: rec.chain.clone(),
                };
                Some((id.clone(), expand_unit(&ctx, &rec.unit)))
            })
            .collect();
        let mut progressed = false;
        for (id, outcome) in results {
            match outcome {
                Outcome::Blocked(what) => self.set_state(&id, State::Blocked(what)),
                Outcome::Done(out) => {
                    progressed = true;
                    self.complete(&id, out, None);
                }
                Outcome::Render(out, jobs) => {
                    progressed = true;
                    self.set_state(&id, State::Rendering(out, jobs));
                }
                Outcome::Failed(e) => {
                    progressed = true;
                    self.fail(&id, e);
                }
            }
        }
        progressed
    }

    fn set_state(&mut self, id: &UnitId, state: State) {
        if let Some(r) = self.records.get_mut(id) {
            r.state = state;
        }
    }

    fn fail(&mut self, id: &UnitId, e: Error) {
        let chain = self
            .records
            .get(id)
            .map(|r| r.chain.clone())
            .unwrap_or_default();
        self.set_state(id, State::Failed(e.in_units(&chain)));
    }

    fn current_api_versions(&self) -> Vec<String> {
        let mut set: BTreeSet<String> = self.cfg.api_versions.iter().cloned().collect();
        for r in self.records.values() {
            if let State::Done(out, _) = &r.state {
                set.extend(scope::crd_api_versions(out.objects.iter().map(|b| &b.node)));
            }
        }
        set.into_iter().collect()
    }

    /// Renders the charts of the units in `ids`, all with the API versions known now.
    fn render(&mut self, ids: &[UnitId]) {
        self.report(&describe("rendering charts of", ids));
        let api = self.current_api_versions();
        let mut work = Vec::new();
        for id in ids {
            if let Some(r) = self.records.get_mut(id) {
                if let State::Rendering(out, jobs) = std::mem::replace(&mut r.state, State::Pending)
                {
                    work.push((id.clone(), r.chain.clone(), out, jobs));
                }
            }
        }
        let renderer = self.renderer;
        let root = self.cfg.root.clone();
        let tick = self.ticker();
        let results: Vec<(UnitId, RenderResult)> = crate::schedule::largest_first(
            work,
            |(_, _, _, jobs)| charts_size(jobs),
            |(id, chain, base, jobs)| {
                let r =
                    render_unit(renderer, &base, jobs, &api, &root).map_err(|e| e.in_units(&chain));
                tick(&id);
                (id, r)
            },
        );
        for (id, r) in results {
            match r {
                Ok((out, rendered)) => self.complete(&id, out, Some(rendered)),
                Err(e) => self.fail(&id, e),
            }
        }
    }

    /// Records a finished unit: namespace defaults, Argo CD hook rules, its objects in
    /// the index, its children in the graph.
    fn complete(&mut self, id: &UnitId, mut out: UnitOutput, rendered: Option<Rendered>) {
        self.scopes.add_crds(out.objects.iter().map(|b| &b.node));
        apply_unit_rules(&mut out, &self.scopes);
        let chain = self
            .records
            .get(id)
            .map(|r| r.chain.clone())
            .unwrap_or_default();
        let mut rendered = rendered;
        let children = self.discover(id, &chain, &out.objects);
        if let Some(r) = rendered.as_mut() {
            r.children = children;
        }
        for b in &out.objects {
            let key = ObjectKey::of(&b.node);
            // Only what expansions look up: copying every object (a chart's CRDs are
            // megabytes) into the index cost a tenth of a build.
            if crate::expand::may_be_looked_up(&key) {
                self.index.entry(key).or_insert_with(|| b.node.clone());
            }
        }
        self.warnings.append(&mut out.warnings);
        self.set_state(id, State::Done(out, rendered));
    }

    /// Adds the units found among `objects` (children of `parent`); returns their ids.
    fn discover(
        &mut self,
        parent: &UnitId,
        chain: &[UnitId],
        objects: &[Built],
    ) -> BTreeSet<UnitId> {
        let mut found = BTreeSet::new();
        for b in objects {
            let Some(kind) = unit::unit_kind(&b.node, self.flavor) else {
                continue;
            };
            let mut node = b.node.clone();
            if kind == UnitKind::Application && object::namespace(&node).is_empty() {
                object::set_namespace(&mut node, argo::DEFAULT_NAMESPACE);
            }
            let id = UnitId::of(&node);
            if id.namespace.is_empty() {
                continue; // Flux refuses it; the parent's namespace check says so.
            }
            found.insert(id.clone());
            if chain.contains(&id) {
                continue; // a unit finding its own definition (the root, typically)
            }
            if let Some(existing) = self.records.get(&id) {
                if existing.unit.parent.as_ref() != Some(parent) {
                    self.warnings.push(format!(
                        "{id} is defined by both {} and {parent}; the first definition is used",
                        existing
                            .unit
                            .parent
                            .as_ref()
                            .map_or("the entrypoint".into(), ToString::to_string)
                    ));
                }
                continue;
            }
            let unit = Unit::from_object(kind, node, b.source.clone(), Some(parent.clone()));
            let mut child_chain = chain.to_vec();
            child_chain.push(id.clone());
            let state = if unit.is_suspended() {
                self.warnings.push(format!(
                    "{id} is suspended (spec.suspend: true): not expanded"
                ));
                State::Suspended
            } else {
                State::Pending
            };
            self.records.insert(
                id,
                Record {
                    unit,
                    state,
                    chain: child_chain,
                },
            );
        }
        found
    }

    /// Renders charts again while the API versions the repository serves grow.
    fn stabilise_capabilities(&mut self) {
        for _ in 0..MAX_CAPABILITY_PASSES {
            let api = self.current_api_versions();
            let stale: Vec<UnitId> = self
                .records
                .iter()
                .filter(
                    |(_, r)| matches!(&r.state, State::Done(_, Some(x)) if x.api_versions != api),
                )
                .map(|(id, _)| id.clone())
                .collect();
            if stale.is_empty() {
                return;
            }
            // A chart whose templates asked nothing the new versions answer differently
            // would render the same bytes: it is only marked current.
            let mut stale_renders = Vec::new();
            for id in stale {
                let unchanged = match self.records.get_mut(&id).map(|r| &mut r.state) {
                    Some(State::Done(_, Some(x)))
                        if x.api_reads.iter().all(|r| r.unchanged_with(&api)) =>
                    {
                        x.api_versions = api.clone();
                        true
                    }
                    _ => false,
                };
                if !unchanged {
                    stale_renders.push(id);
                }
            }
            let stale = stale_renders;
            if stale.is_empty() {
                return;
            }
            self.report(&describe(
                "rendering again, for the repository's API versions,",
                &stale,
            ));
            let mut work = Vec::new();
            for id in &stale {
                if let Some(r) = self.records.get(id) {
                    if let State::Done(_, Some(x)) = &r.state {
                        work.push((
                            id.clone(),
                            r.chain.clone(),
                            x.base.clone(),
                            x.jobs.clone(),
                            x.children.clone(),
                        ));
                    }
                }
            }
            let renderer = self.renderer;
            let root = self.cfg.root.clone();
            let flavor = self.flavor;
            let known = &self.scopes;
            let results: Vec<(UnitId, RenderResult)> = crate::schedule::largest_first(
                work,
                |(_, _, _, jobs, _)| charts_size(jobs),
                |(id, chain, base, jobs, children)| {
                    let r = render_unit(renderer, &base, jobs, &api, &root).and_then(|(mut out, mut rendered)| {
                        let mut scopes = known.clone();
                        scopes.add_crds(out.objects.iter().map(|b| &b.node));
                        apply_unit_rules(&mut out, &scopes);
                        let now: BTreeSet<UnitId> = out
                            .objects
                            .iter()
                            .filter(|b| unit::unit_kind(&b.node, flavor).is_some())
                            .map(|b| UnitId::of(&b.node))
                            .collect();
                        if now != children {
                            return Err(Error::new(
                                ErrorKind::Render,
                                "rendering again with the API versions of the repository's CRDs changed which units this chart defines; kubake cannot follow that",
                            ));
                        }
                        rendered.children = children;
                        Ok((out, rendered))
                    });
                    (id, r.map_err(|e| e.in_units(&chain)))
                },
            );
            for (id, r) in results {
                match r {
                    Ok((mut out, rendered)) => {
                        self.warnings.append(&mut out.warnings);
                        self.set_state(&id, State::Done(out, Some(rendered)));
                    }
                    Err(e) => self.fail(&id, e),
                }
            }
        }
        self.warnings.push(format!(
            "the API versions served by the repository's CRDs did not settle after {MAX_CAPABILITY_PASSES} renders"
        ));
    }

    /// Hands every unit's result to [`compilation::assemble`].
    fn finish(self) -> Compilation {
        let Engine {
            cfg,
            flavor,
            records,
            warnings,
            ..
        } = self;
        let finished = records
            .into_values()
            .map(|r| {
                let result = match r.state {
                    State::Done(out, _) => Finished::Built(out),
                    State::Suspended => Finished::Suspended,
                    State::Failed(e) => Finished::Failed(e),
                    State::Blocked(what) => Finished::Failed(
                        Error::new(
                            ErrorKind::Definition,
                            format!("the unit could not be expanded: it waits for {what}"),
                        )
                        .in_units(&r.chain),
                    ),
                    State::Pending | State::Rendering(..) => Finished::Failed(
                        Error::new(ErrorKind::Definition, "the unit could not be expanded")
                            .in_units(&r.chain),
                    ),
                };
                (r.unit, r.chain, result)
            })
            .collect();
        compilation::assemble(cfg, flavor, finished, warnings)
    }
}

/// What a build is doing, for a progress bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildProgress {
    /// Units finished so far.
    pub done: usize,
    /// Units known so far (the graph grows as units are expanded).
    pub total: usize,
    /// What is being worked on (`expanding Kustomization/flux-system/apps and 3 more`).
    pub current: String,
}

/// Receives [`BuildProgress`] reports, from the thread running the build.
pub type Progress<'a> = dyn Fn(&BuildProgress) + Sync + 'a;

/// `"<what> <first id>"`, with `and N more` when there are several.
fn describe(what: &str, ids: &[UnitId]) -> String {
    match ids {
        [] => what.to_string(),
        [one] => format!("{what} {one}"),
        [first, rest @ ..] => format!("{what} {first} and {} more", rest.len()),
    }
}

fn expand_unit(ctx: &Ctx<'_>, unit: &Unit) -> Outcome {
    let field_warnings = match crate::fields::check(unit) {
        Ok(w) => w,
        Err(e) => return Outcome::Failed(e.in_units(&ctx.chain)),
    };
    let mut outcome = expand_checked(ctx, unit);
    if let Outcome::Done(out) | Outcome::Render(out, _) = &mut outcome {
        out.warnings.splice(0..0, field_warnings);
    }
    outcome
}

fn expand_checked(ctx: &Ctx<'_>, unit: &Unit) -> Outcome {
    match unit.kind {
        UnitKind::FluxKustomization => flux::kustomization::expand(ctx, unit),
        UnitKind::HelmRelease => flux::helmrelease::expand(ctx, unit),
        UnitKind::Application => argo::expand(ctx, unit),
        UnitKind::Kustomize => {
            let k = match crate::kfile::KustFile::load(&ctx.cfg.entry, &ctx.cfg.root) {
                Ok(Some(k)) => k,
                Ok(None) => {
                    return Outcome::Failed(
                        ctx.error(ErrorKind::Entry, "the kustomization file is gone"),
                    )
                }
                Err(e) => return Outcome::Failed(e.in_units(&ctx.chain)),
            };
            let fs = crate::fs::OverlayFs::new();
            match crate::kfile::build(
                ctx.cache,
                &fs,
                &k,
                kubake_kustomize::LoadRestrictor::RootOnly,
                &ctx.cfg.root,
            ) {
                Ok(objects) => Outcome::Done(UnitOutput {
                    objects,
                    ..UnitOutput::default()
                }),
                Err(e) => Outcome::Failed(e.in_units(&ctx.chain)),
            }
        }
    }
}

/// Renders a unit's charts and reads their output.
/// What a unit's charts weigh on disk, to render the heaviest first (see
/// [`crate::schedule`]). An archive counts its compressed size times eight, about what
/// charts inflate to; a directory the files in it. Unreadable paths weigh nothing: the
/// render reports them.
fn charts_size(jobs: &[ChartJob]) -> u64 {
    use crate::render::ChartLocation;
    let size = |job: &ChartJob| match &job.request.chart {
        ChartLocation::Archive(p) => std::fs::metadata(p).map_or(0, |m| m.len().saturating_mul(8)),
        ChartLocation::Directory(p) => ignore::WalkBuilder::new(p)
            .standard_filters(false)
            .build()
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .filter(std::fs::Metadata::is_file)
            .map(|m| m.len())
            .sum(),
    };
    jobs.iter().map(size).sum()
}

fn render_unit(
    renderer: &dyn ChartRenderer,
    base: &UnitOutput,
    mut jobs: Vec<ChartJob>,
    api: &[String],
    root: &std::path::Path,
) -> RenderResult {
    let mut out = base.clone();
    let mut api_reads = Vec::with_capacity(jobs.len());
    for job in &mut jobs {
        job.request.api_versions = api.to_vec();
        let mut rendered: RenderedChart = renderer
            .render(&job.request)
            .map_err(|e| render_error(e, job, root))?;
        out.warnings.extend(rendered.warnings.iter().map(|w| {
            format!(
                "chart {} (release {}): {w}",
                job.request.chart_name, job.request.release_name
            )
        }));
        out.objects.extend(chartout::objects(job, &mut rendered)?);
        api_reads.push(rendered.api_reads);
    }
    Ok((
        out,
        Rendered {
            base: base.clone(),
            jobs,
            api_versions: api.to_vec(),
            api_reads,
            children: BTreeSet::new(),
        },
    ))
}

fn render_error(e: RenderError, job: &ChartJob, root: &std::path::Path) -> Error {
    let mut err = Error::new(
        ErrorKind::Render,
        crate::fs::strip_root_in_text(&e.message, root),
    )
    .context(format!(
        "rendering chart {} {} as release {} in namespace {}",
        job.request.chart_name,
        job.request.chart_version,
        job.request.release_name,
        job.request.namespace
    ));
    match (&e.file, &job.file) {
        (Some(f), _) if e.pos.is_known() => {
            err = err.at(crate::fs::strip_root_in_text(f, root), e.pos);
        }
        (Some(f), _) => err = err.in_file(crate::fs::strip_root_in_text(f, root)),
        (None, Some(f)) => err = err.in_file(f),
        _ => {}
    }
    if let Some(h) = e.help {
        err = err.with_help(h);
    }
    err
}

/// A unit's own rules on its output: Argo CD's hook filter, the default namespace.
fn apply_unit_rules(out: &mut UnitOutput, scopes: &Scopes) {
    if out.argo_hooks {
        out.objects.retain(|b| !chartout::argo_drops_hook(&b.node));
    }
    if let Some(ns) = out.default_namespace.clone() {
        for b in &mut out.objects {
            if object::namespace(&b.node).is_empty() && !scopes.is_cluster_scoped(&b.node) {
                object::set_namespace(&mut b.node, &ns);
            }
        }
    }
}
