//! `helm template` v3.17 as a library call ([`template`]): load the chart (kubake-chart),
//! merge user values, process dependencies, coalesce and validate values, check the
//! chart's `kubeVersion`, render the whole chart tree ([`crate::tree`]), and assemble
//! standard output ([`crate::manifest`]): CRDs first with `include_crds` (never
//! templated), manifests in install order, then hooks; `NOTES.txt` is never rendered.
//!
//! Helm's steps run in Helm's order, so the first error is the one Helm would report,
//! worded as Helm words it (what follows `Error: ` on Helm's standard error).
//!
//! Not here: reading Flux/Argo objects or fetching charts (the GitOps layer calls this
//! with a local chart and its merged values), and printing (the CLI does).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use kubake_chart::{
    check_kube_version, load_chart_with, prepare_with_user_values, validate_against_schema, Chart,
    Limits, ValueOptions, Values,
};
use kubake_gotmpl::template::{ExecOptions, MissingKey, Templates};
use kubake_gotmpl::{Map, Value};

use crate::env::{Determinism, RandomUse};
use crate::manifest::{self, OutputError, OutputOptions, SortedOutput};
use crate::objects::{ApiQueries, Capabilities, ReleaseInfo};
use crate::render::{Budget, ParseCache, RenderError};
use crate::tree::{render_tree, TreeContext};

/// `helm template`'s default `.Capabilities.KubeVersion` (Helm v3.17.2 is built against
/// client-go v0.32, which sets it).
pub const DEFAULT_KUBE_VERSION: &str = "v1.32.0";

/// The release name `helm template` uses when none is given.
pub const DEFAULT_RELEASE_NAME: &str = "release-name";

/// Where the user values come from.
#[derive(Debug, Clone)]
pub enum UserValues {
    /// `-f` files and the `--set` family, merged as Helm merges them (files are read
    /// relative to the working directory).
    Options(ValueOptions),
    /// Values already merged (a Flux `HelmRelease`'s `values`, a kustomize
    /// `valuesInline`), as JSON with Helm's number types.
    Merged(Values),
}

impl Default for UserValues {
    fn default() -> Self {
        UserValues::Options(ValueOptions::default())
    }
}

/// `helm template`'s flags.
#[derive(Debug, Clone, Default)]
pub struct TemplateOptions {
    /// `NAME`; `None` gives `--name-template`'s result or `release-name`.
    pub release_name: Option<String>,
    /// `--name-template`: a template rendering the release name.
    pub name_template: Option<String>,
    /// `--generate-name`: `BASE-SECONDS`, BASE the chart path's file name up to its first
    /// dot and SECONDS the pinned clock (Helm reads the wall clock).
    pub generate_name: bool,
    /// `--namespace`; empty means `default`.
    pub namespace: String,
    /// `-f`, `--set`, ... or already merged values.
    pub values: UserValues,
    /// `--skip-schema-validation` (applies to [`UserValues::Merged`]; `ValueOptions`
    /// carries its own flag).
    pub skip_schema_validation: bool,
    /// `--kube-version` (`1.32.0` or `v1.32.0`); `None` is [`DEFAULT_KUBE_VERSION`].
    pub kube_version: Option<String>,
    /// `--api-versions`, added to Helm's default set.
    pub api_versions: Vec<String>,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--no-hooks`.
    pub no_hooks: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--show-only` (paths or globs relative to the chart: `templates/x.yaml`).
    pub show_only: Vec<String>,
    /// `--is-upgrade`: `.Release.IsUpgrade` true, `.Release.IsInstall` false.
    pub is_upgrade: bool,
    /// What pins random and clock functions (`--random-seed` sets `user_seed`).
    pub determinism: Determinism,
    /// Bounds on each template execution.
    pub budget: Budget,
    /// Bounds on chart loading (`None`: kubake-chart's defaults).
    pub limits: Option<Limits>,
    /// Keep each manifest's and hook's tree ([`manifest::Manifest::parsed`]) for a
    /// caller that reads them as objects next.
    pub parse_manifests: bool,
}

/// What [`template`] produced.
#[derive(Debug, Clone, Default)]
pub struct TemplateOutput {
    /// The documents `helm template` prints, in its order.
    pub documents: SortedOutput,
    /// With `--show-only`, what `helm template` prints (the matching documents).
    pub shown: Option<String>,
    /// The release name used.
    pub release_name: String,
    /// Helm's log lines (values type mismatches, ignored subchart settings) and kubake's
    /// own warnings (Secrets holding generated data).
    pub warnings: Vec<String>,
    /// What random and key-generating functions produced, in render order.
    pub random_uses: Vec<RandomUse>,
    /// What the templates asked of `.Capabilities.APIVersions`.
    pub api_queries: Arc<ApiQueries>,
}

impl TemplateOutput {
    /// `helm template`'s standard output.
    pub fn text(&self) -> String {
        match &self.shown {
            Some(text) => text.clone(),
            None => self.documents.text(),
        }
    }

    /// Writes [`TemplateOutput::text`] to `w` without first joining it into one string.
    pub fn write_to(&self, w: &mut (impl std::io::Write + ?Sized)) -> std::io::Result<()> {
        match &self.shown {
            Some(text) => w.write_all(text.as_bytes()),
            None => self.documents.write_to(w),
        }
    }
}

/// Why `helm template` failed.
#[derive(Debug, Clone)]
pub enum TemplateError {
    /// Loading, values, dependencies, schema or `kubeVersion`.
    Chart(Box<kubake_chart::Error>),
    /// A template did not parse or failed while executing.
    Render(Box<RenderError>),
    /// The rendered output is not YAML Helm can read, or `--show-only` matched nothing.
    Output(OutputError),
    /// A bad release name or `--kube-version`, or conflicting flags.
    Invalid(String),
}

impl TemplateError {
    /// Whether Helm reports this error after the release started rendering (Helm then
    /// adds `Use --debug flag to render out invalid YAML`).
    pub fn during_render(&self) -> bool {
        match self {
            TemplateError::Render(_) | TemplateError::Output(OutputError::Yaml(_)) => true,
            TemplateError::Chart(e) => e.kind() == kubake_chart::ErrorKind::KubeVersion,
            _ => false,
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Chart(e) => e.fmt(f),
            TemplateError::Render(e) => e.fmt(f),
            TemplateError::Output(e) => e.fmt(f),
            TemplateError::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TemplateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TemplateError::Chart(e) => Some(e.as_ref()),
            TemplateError::Render(e) => Some(e.as_ref()),
            TemplateError::Output(e) => Some(e),
            TemplateError::Invalid(_) => None,
        }
    }
}

impl From<kubake_chart::Error> for TemplateError {
    fn from(e: kubake_chart::Error) -> Self {
        TemplateError::Chart(Box::new(e))
    }
}

impl From<RenderError> for TemplateError {
    fn from(e: RenderError) -> Self {
        TemplateError::Render(Box::new(e))
    }
}

/// Renders the chart at `chart_path` (a directory or a `.tgz`) as `helm template` does.
pub fn template(
    chart_path: &Path,
    opts: &TemplateOptions,
) -> Result<TemplateOutput, TemplateError> {
    template_with(chart_path, None, opts)
}

/// A chart read from disk once, to render several times ([`template_loaded`]): loading
/// (inflating an archive, parsing every values file) can cost as much as rendering.
#[derive(Clone, Debug)]
pub struct LoadedChart {
    chart: kubake_chart::Chart,
    warnings: Vec<String>,
    /// The templates' parses, shared by every render of this chart (and of the copies
    /// [`LoadedChart::with_default_values`] makes: they hold the same template bytes).
    parses: Arc<ParseCache>,
}

/// Loads the chart at `chart_path` as [`template`] would, with `limits` (`None`: the
/// defaults).
pub fn load_chart(
    chart_path: &Path,
    limits: Option<&Limits>,
) -> Result<LoadedChart, TemplateError> {
    let mut warnings = Vec::new();
    let limits = limits.cloned().unwrap_or_default();
    let chart = load_chart_with(chart_path, &limits, &mut warnings)?;
    Ok(LoadedChart {
        chart,
        warnings,
        parses: Arc::default(),
    })
}

impl LoadedChart {
    /// The chart as loaded.
    pub fn chart(&self) -> &kubake_chart::Chart {
        &self.chart
    }

    /// The same chart with `values` as its defaults instead of its `values.yaml` (Flux's
    /// `valuesFiles`, which source-controller packages as the chart's values).
    #[must_use]
    pub fn with_default_values(&self, values: kubake_chart::Values) -> LoadedChart {
        let mut chart = self.chart.clone();
        chart.values = values;
        LoadedChart {
            chart,
            warnings: self.warnings.clone(),
            parses: self.parses.clone(),
        }
    }
}

/// [`template`] of a chart already loaded from `chart_path` (which still names it in
/// generated release names).
pub fn template_loaded(
    chart_path: &Path,
    loaded: &LoadedChart,
    opts: &TemplateOptions,
) -> Result<TemplateOutput, TemplateError> {
    template_with(chart_path, Some(loaded), opts)
}

fn template_with(
    chart_path: &Path,
    loaded: Option<&LoadedChart>,
    opts: &TemplateOptions,
) -> Result<TemplateOutput, TemplateError> {
    let release_name = release_name(chart_path, opts)?;
    let kube_version = kube_version(opts.kube_version.as_deref())?;
    let (mut chart, mut warnings) = match loaded {
        Some(l) => (l.chart.clone(), l.warnings.clone()),
        None => {
            let l = load_chart(chart_path, opts.limits.as_ref())?;
            (l.chart, l.warnings)
        }
    };
    let (user, skip_schema) = match &opts.values {
        UserValues::Options(v) => (v.merge_values()?, v.skip_schema_validation),
        UserValues::Merged(v) => (v.clone(), opts.skip_schema_validation),
    };
    validate_release_name(&release_name)?;
    // The schema check runs beside the render (below); `prepare` leaves it out.
    let prepared = prepare_with_user_values(&mut chart, &user, true)?;
    let chart = chart;
    let schema = SchemaCheck {
        chart: &chart,
        values: &prepared.values,
        skip: skip_schema,
    };
    warnings.extend(prepared.warnings.iter().map(ToString::to_string));
    let mut caps = Capabilities::for_kube_version(&kube_version)
        .map_err(|e| schema.first(TemplateError::Invalid(e)))?;
    let api_queries = Arc::new(ApiQueries::new(caps.api_versions.versions.clone()));
    caps.api_versions
        .versions
        .extend(opts.api_versions.iter().cloned());
    caps.api_versions.observed = Some(api_queries.clone());
    check_kube_version(&chart, &caps.kube_version.version).map_err(|e| schema.first(e.into()))?;
    let namespace = if opts.namespace.is_empty() {
        "default"
    } else {
        opts.namespace.as_str()
    };
    let mut release = ReleaseInfo::install(&release_name, namespace);
    if opts.is_upgrade {
        release.is_install = false;
        release.is_upgrade = true;
    }
    let ctx = TreeContext {
        release: &release,
        capabilities: &caps,
        determinism: &opts.determinism,
        budget: opts.budget,
        parse_cache: loaded.map(|l| &*l.parses),
    };
    let (rendered, checked) = on_large_stack(
        || render_tree(&chart, &prepared.values, &ctx),
        || schema.run(),
    );
    checked?;
    let rendered = rendered?;
    // Helm drops NOTES.txt (of every chart) before sorting manifests.
    let files: Vec<(String, String)> = rendered
        .files
        .into_iter()
        .filter(|(name, _)| !name.ends_with("NOTES.txt"))
        .collect();
    let mut crds = Vec::new();
    if opts.include_crds {
        collect_crds(&chart, chart.name(), &mut crds)?;
    }
    let output = OutputOptions {
        no_hooks: opts.no_hooks,
        skip_tests: opts.skip_tests,
        ..OutputOptions::default()
    };
    let sort = if opts.parse_manifests {
        manifest::sort_manifests_keeping_trees
    } else {
        manifest::sort_manifests
    };
    let (hooks, manifests) =
        sort(files).map_err(|e| TemplateError::Output(manifest::OutputError::Yaml(e)))?;
    warnings.extend(random_secret_warnings(
        manifests.iter().chain(&hooks),
        &rendered.random_uses,
    ));
    let documents = SortedOutput::new(crds, manifests, hooks, &output);
    let shown = if opts.show_only.is_empty() {
        None
    } else {
        Some(
            manifest::show_only(&documents.text(), &opts.show_only)
                .map_err(TemplateError::Output)?,
        )
    };
    // The chart's files and the values trees are many small allocations; a process
    // that exits after this render leaves them to the exit.
    crate::render::drop_unless_exiting((chart, prepared, user));
    Ok(TemplateOutput {
        documents,
        shown,
        release_name,
        warnings,
        random_uses: rendered.random_uses,
        api_queries,
    })
}

/// The values' check against the charts' `values.schema.json` files. A big schema takes
/// milliseconds to compile and apply (cert-manager's, traefik's), so it runs on this
/// thread while another renders; Helm checks before rendering, so its error comes
/// first, ahead of any later one.
struct SchemaCheck<'a> {
    chart: &'a Chart,
    values: &'a Values,
    skip: bool,
}

impl SchemaCheck<'_> {
    fn run(&self) -> Result<(), TemplateError> {
        if self.skip {
            return Ok(());
        }
        Ok(validate_against_schema(self.chart, self.values)?)
    }

    /// `later`, unless the values fail the check, which Helm reports first.
    fn first(&self, later: TemplateError) -> TemplateError {
        self.run().err().unwrap_or(later)
    }
}

/// The stack a render runs on: deep enough for Go's template nesting limits (100 000
/// nested calls; `include` chains of 1000), which would overflow a default Rust stack.
/// The memory is reserved, not committed, until used.
const RENDER_STACK: usize = 1 << 30;

/// Runs `f` (all a command does: `kubake template`, `build`, `check`, `diff`) on a pool
/// of `threads` threads (`None`: rayon's default, `RAYON_NUM_THREADS` or one per core)
/// with [`RENDER_STACK`], and lets every render and every parallel
/// step of it run on that pool (`parallel::run_on_rayon_pool`): the units of a build's
/// round, the charts of a batch, and each chart's file reads, parses and executions
/// share the pool's threads instead of starting their own. When the system will not
/// start such a pool (too little address space for the stacks), `f` runs here as
/// before, each render on a thread of its own.
///
/// Nothing may wait on a lock across a parallel step inside `f`: the waiting thread
/// could be the one the step's work was handed to. The pool is a local one, entered
/// with `install`, so that a refusal leaves rayon's global pool free to start later
/// with its defaults.
pub fn with_render_pool<R: Send>(threads: Option<usize>, f: impl FnOnce() -> R + Send) -> R {
    // Where address space is limited (`ulimit -v`), threads with a smaller reserve: the
    // parser and the evaluator grow their stack on demand (`stacker`), so the reserve is
    // a margin, not a need.
    const SMALLER_STACK: usize = 64 << 20;
    let pool = [RENDER_STACK, SMALLER_STACK].into_iter().find_map(|stack| {
        let builder = rayon::ThreadPoolBuilder::new().stack_size(stack);
        match threads {
            Some(n) => builder.num_threads(n.max(1)),
            None => builder,
        }
        .build()
        .ok()
    });
    match pool {
        Some(pool) => {
            crate::parallel::run_on_rayon_pool();
            pool.install(f)
        }
        None => f(),
    }
}

/// How many threads [`with_render_pool`] gets for `kubake template`: one render gains
/// little past a handful of cores, and every thread of the pool starts with the process.
pub fn template_threads() -> Option<usize> {
    const MAX_THREADS: usize = 8;
    Some(crate::parallel::cores().min(MAX_THREADS))
}

/// Runs `f` on a thread with a stack of [`RENDER_STACK`], and `meanwhile` beside it.
fn on_large_stack<T: Send, M: Send>(
    f: impl FnOnce() -> Result<T, RenderError> + Send,
    meanwhile: impl FnOnce() -> M + Send,
) -> (Result<T, TemplateError>, M) {
    if crate::parallel::on_rayon_pool() {
        // The pool's threads have that stack (`with_render_pool`). A panic in the
        // renderer is an error, as on the thread below, not a crash.
        let (rendered, beside) = rayon::join(
            || std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)),
            meanwhile,
        );
        let rendered = match rendered {
            Ok(result) => result.map_err(TemplateError::from),
            Err(_) => Err(TemplateError::Invalid(
                "internal error: the renderer panicked".into(),
            )),
        };
        return (rendered, beside);
    }
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .stack_size(RENDER_STACK)
            .spawn_scoped(s, f);
        let beside = meanwhile();
        let rendered = match handle {
            Ok(handle) => match handle.join() {
                Ok(result) => result.map_err(TemplateError::from),
                Err(_) => Err(TemplateError::Invalid(
                    "internal error: the renderer panicked".into(),
                )),
            },
            Err(e) => Err(TemplateError::Invalid(format!(
                "cannot start the renderer thread: {e}"
            ))),
        };
        (rendered, beside)
    })
}

/// Helm's `CRDObjects`: the chart's `crds/` files, then each subchart's, recursively,
/// named by the chart's full path.
fn collect_crds(
    chart: &Chart,
    full_path: &str,
    out: &mut Vec<(String, String)>,
) -> Result<(), TemplateError> {
    let mut files = Vec::new();
    crd_files(chart, full_path, &mut files);
    // Megabytes of text for a big chart (kube-prometheus-stack's are 4.7 MB): the
    // files become texts on all cores.
    let bytes: u64 = files.iter().map(|(_, f)| f.data.len()).sum();
    let threads = manifest::threads_for_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
    let texts = crate::parallel::map_in_order(&files, threads, |(_, file)| {
        // Room for the newline the file gets when it is printed or handed on alone.
        let data = file.data.read()?;
        Ok(crate::funcs::text::text_with_room(&data, 1))
    });
    for ((path, _), text) in files.into_iter().zip(texts) {
        out.push((path, text.map_err(TemplateError::Invalid)?));
    }
    Ok(())
}

/// The `crds/` files of `chart` and its subcharts, recursively, each with its path.
fn crd_files<'c>(
    chart: &'c Chart,
    full_path: &str,
    out: &mut Vec<(String, &'c kubake_chart::ChartFile)>,
) {
    for file in chart.crds() {
        out.push((format!("{full_path}/{}", file.name), file));
    }
    for sub in &chart.dependencies {
        crd_files(sub, &format!("{full_path}/charts/{}", sub.name()), out);
    }
}

/// `NAME`, else `--name-template`'s result, else `release-name` (Helm's `NameAndChart`).
fn release_name(chart_path: &Path, opts: &TemplateOptions) -> Result<String, TemplateError> {
    if opts.generate_name && opts.release_name.is_none() && opts.name_template.is_none() {
        let file = chart_path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let base = match file.split('.').next() {
            Some(b) if !b.is_empty() => b.to_string(),
            _ => "chart".to_string(),
        };
        return Ok(format!("{base}-{}", opts.determinism.clock));
    }
    match (&opts.release_name, &opts.name_template) {
        (Some(_), Some(_)) => Err(TemplateError::Invalid(
            "cannot set --name-template and also specify a name".into(),
        )),
        (Some(name), None) => Ok(name.clone()),
        (None, Some(t)) => render_name_template(t),
        (None, None) => Ok(DEFAULT_RELEASE_NAME.into()),
    }
}

/// Helm's `TemplateName`: the text rendered with the function library and no data.
fn render_name_template(text: &str) -> Result<String, TemplateError> {
    let mut set = Templates::new("name-template");
    set.set_missing_key(MissingKey::Zero);
    set.add_shared_funcs(crate::funcs::shared_func_map());
    let invalid = |e: kubake_gotmpl::Error| TemplateError::Invalid(e.to_string());
    set.parse("name-template", text).map_err(invalid)?;
    let opts = ExecOptions {
        max_steps: Some(1_000_000),
        max_output: Some(1 << 20),
        host_data: None,
    };
    set.execute("name-template", &Value::Map(Map::new()), &opts)
        .map_err(invalid)
}

/// `--kube-version` as `.Capabilities.KubeVersion.Version` prints it.
fn kube_version(given: Option<&str>) -> Result<String, TemplateError> {
    let Some(v) = given else {
        return Ok(DEFAULT_KUBE_VERSION.into());
    };
    Capabilities::for_kube_version(v)
        .map(|c| c.kube_version.version)
        .map_err(TemplateError::Invalid)
}

/// Helm's `ValidateReleaseName`: a DNS-1123 subdomain of at most 53 characters.
fn validate_release_name(name: &str) -> Result<(), TemplateError> {
    const MAX: usize = 53;
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    if name.is_empty() {
        return Err(TemplateError::Invalid("name is required".into()));
    }
    if name.len() > MAX || !name.split('.').all(label_ok) {
        return Err(TemplateError::Invalid(format!(
            "release name {name:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
        )));
    }
    Ok(())
}

/// One warning per Secret whose text holds something a random or key-generating
/// function produced (as is, or base64-encoded): such "random" values are reproducible
/// from the chart and release, so they should not be shipped as rendered output.
fn random_secret_warnings<'a>(
    manifests: impl Iterator<Item = &'a manifest::Manifest>,
    uses: &[RandomUse],
) -> Vec<String> {
    use base64::Engine;
    if uses.is_empty() {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    for m in manifests.filter(|m| m.kind == "Secret") {
        let mut functions: Vec<&str> = Vec::new();
        for u in uses {
            let hit = u.produced.iter().filter(|p| p.len() >= 4).any(|p| {
                m.content.contains(p.as_str())
                    || m.content
                        .contains(&base64::engine::general_purpose::STANDARD.encode(p))
            });
            if hit && !functions.contains(&u.function.as_str()) {
                functions.push(&u.function);
            }
        }
        if !functions.is_empty() {
            warnings.push(format!(
                "Secret {:?} ({}) holds data generated by {}: kubake's values are reproducible from the chart and release, not secret; set them through values or an existing Secret",
                m.name,
                m.source,
                functions.join(", ")
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_follow_helm() {
        assert!(validate_release_name("my-app.v2").is_ok());
        let long = "a".repeat(54);
        for bad in ["My-App", "-a", "a-", &long, "a_b"] {
            let e = validate_release_name(bad).unwrap_err().to_string();
            assert!(e.starts_with("release name "), "{e}");
        }
    }

    #[test]
    fn name_template_renders() {
        let opts = TemplateOptions {
            name_template: Some("{{ \"rel\" | upper | lower }}-x".into()),
            ..TemplateOptions::default()
        };
        assert_eq!(release_name(Path::new("c"), &opts).unwrap(), "rel-x");
    }

    /// A fresh chart directory under the temporary folder holding `files`.
    fn chart_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("kubake-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    #[test]
    fn renders_of_a_loaded_chart_share_parses_and_keep_their_own_values() {
        let dir = chart_dir(
            "parses",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n"),
                ("values.yaml", "n: one\n"),
                (
                    "templates/_h.tpl",
                    "{{ define \"c.n\" }}{{ .Values.n }}{{ end }}",
                ),
                (
                    "templates/cm.yaml",
                    "kind: ConfigMap\nmetadata:\n  name: {{ include \"c.n\" . }}\n",
                ),
            ],
        );
        let loaded = load_chart(&dir, None).unwrap();
        let render = |n: &str| {
            let mut values = serde_json::Map::new();
            values.insert("n".into(), n.into());
            let opts = TemplateOptions {
                values: UserValues::Merged(values),
                ..TemplateOptions::default()
            };
            template_loaded(&dir, &loaded, &opts).unwrap().text()
        };
        assert!(render("first").contains("name: first"));
        let parsed = loaded.parses.len();
        assert_eq!(parsed, 2, "both templates parsed once");
        assert!(render("second").contains("name: second"));
        assert_eq!(loaded.parses.len(), parsed);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The schema check runs beside the render, yet its error is the one reported when
    /// the values fail it, as Helm checks them before anything else can fail.
    #[test]
    fn schema_errors_come_before_kube_version_and_template_errors() {
        let dir = chart_dir(
            "schema",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: c\nversion: 1.0.0\nkubeVersion: '>= 1.40.0'\n",
                ),
                ("values.yaml", "replicas: 1\n"),
                (
                    "values.schema.json",
                    r#"{"type": "object", "properties": {"replicas": {"type": "integer"}}}"#,
                ),
                ("templates/cm.yaml", "{{ fail \"boom\" }}\n"),
            ],
        );
        let render = |replicas: serde_json::Value, kube: &str| {
            let mut values = serde_json::Map::new();
            values.insert("replicas".into(), replicas);
            let opts = TemplateOptions {
                values: UserValues::Merged(values),
                kube_version: Some(kube.into()),
                ..TemplateOptions::default()
            };
            template(&dir, &opts).unwrap_err().to_string()
        };
        let schema = "- replicas: Invalid type. Expected: integer, given: string";
        assert!(render("two".into(), "1.32.0").contains(schema));
        assert!(render("two".into(), "1.41.0").contains(schema));
        let e = render(2.into(), "1.32.0");
        assert!(e.contains("chart requires kubeVersion"), "{e}");
        let e = render(2.into(), "1.41.0");
        assert!(e.contains("boom"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn kube_version_defaults_and_parses() {
        assert_eq!(kube_version(None).unwrap(), "v1.32.0");
        assert_eq!(kube_version(Some("1.28")).unwrap(), "v1.28.0");
        assert!(kube_version(Some("banana")).is_err());
    }
}
