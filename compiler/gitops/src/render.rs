//! The seam between the GitOps layer and Helm: [`ChartRenderer`] renders one chart the
//! way `helm template` does, from a fully interpreted [`ChartRequest`].
//!
//! Everything a controller decides *before* Helm runs is decided here, in kubake-gitops:
//! which chart and version (resolved against the chart stores), the release name and
//! namespace, the user values (Flux `valuesFrom`/`values`, Argo CD value files,
//! `values`/`valuesObject` and parameters, merged into one map), and the flags
//! (`--include-crds`, `--skip-tests`, `--skip-schema-validation`, the kube version and the
//! API versions CRDs of the repository serve). The renderer owns everything Helm does
//! from there: loading the chart, dependencies, coalescing the chart's own values,
//! schema validation, templates, hooks, ordering.
//!
//! The renderer returns documents as **text**, sorted into Helm's three groups. Text,
//! because what reads it decides the scalar types: a Flux post-renderer is a kustomize
//! build (yaml.v3 rules), anything else is read as the Kubernetes API reads a manifest
//! (YAML 1.1). Groups, because Helm hands post-renderers neither the `crds/` files nor
//! hooks, and Argo CD drops some hooks.
//!
//! [`UnavailableRenderer`] is the stand-in until the Helm layer implements the trait: it
//! fails every request with a clear message.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use kubake_chart::Values;

/// Where a chart is.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChartLocation {
    /// A `.tgz` archive (`helm package` output, Helm's cache naming).
    Archive(PathBuf),
    /// An unpacked chart directory (holding `Chart.yaml`).
    Directory(PathBuf),
}

impl ChartLocation {
    /// The path, either way.
    pub fn path(&self) -> &std::path::Path {
        match self {
            ChartLocation::Archive(p) | ChartLocation::Directory(p) => p,
        }
    }
}

/// Everything `helm template` needs for one release, decided by the controller's rules.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ChartRequest {
    /// The chart.
    pub chart: ChartLocation,
    /// The chart's name, as resolved (for messages).
    pub chart_name: String,
    /// The chart's version, as resolved (for messages; empty for a directory whose
    /// `Chart.yaml` kubake did not read).
    pub chart_version: String,
    /// The release name (`.Release.Name`).
    pub release_name: String,
    /// The release namespace (`.Release.Namespace`, `--namespace`).
    pub namespace: String,
    /// The user-supplied values, already merged in the controller's order (the chart's
    /// own `values.yaml` is *not* included: coalescing is Helm's). Numbers keep their Go
    /// type as kubake-chart documents it: `f64` numbers are `float64`, `i64` numbers are
    /// `int64` (from `--set`-style parsing).
    pub values: Values,
    /// Files of the chart that replace its `values.yaml` as defaults, merged in order
    /// (Flux `spec.chart.spec.valuesFiles`); empty for the chart's own `values.yaml`.
    pub chart_values_files: Vec<String>,
    /// Flux `ignoreMissingValuesFiles`: a missing `chart_values_files` entry is skipped
    /// instead of failing the render.
    pub ignore_missing_values_files: bool,
    /// `--include-crds`: render the charts' `crds/` directories.
    pub include_crds: bool,
    /// `--skip-tests`: leave out `helm.sh/hook: test` documents.
    pub skip_tests: bool,
    /// `--skip-schema-validation`.
    pub skip_schema_validation: bool,
    /// `--kube-version` (`.Capabilities.KubeVersion`), as `v1.32.0`.
    pub kube_version: String,
    /// `--api-versions`: added to Helm's default API versions. `group/version` and
    /// `group/version/Kind`, sorted, for every version served by a CRD that any unit of
    /// the repository renders, plus the configured extras.
    pub api_versions: Vec<String>,
    /// `.Release.IsUpgrade` (always false: kubake renders first installs).
    pub is_upgrade: bool,
    /// The caller reads the templates' documents as objects as they are (no
    /// post-renderers): the renderer may hand them over parsed ([`RenderedDocument::parsed`]).
    /// Not part of what is rendered, so not of the render cache's key.
    pub parse_manifests: bool,
}

impl ChartRequest {
    /// A request for `chart` as release `release_name` in `namespace`, with no values and
    /// `helm template`'s default flags.
    pub fn new(chart: ChartLocation, release_name: &str, namespace: &str) -> Self {
        ChartRequest {
            chart,
            chart_name: String::new(),
            chart_version: String::new(),
            release_name: release_name.into(),
            namespace: namespace.into(),
            values: Values::new(),
            chart_values_files: Vec::new(),
            ignore_missing_values_files: false,
            include_crds: false,
            skip_tests: false,
            skip_schema_validation: false,
            kube_version: crate::config::DEFAULT_KUBE_VERSION.into(),
            api_versions: Vec::new(),
            is_upgrade: false,
            parse_manifests: false,
        }
    }
}

/// One rendered document (or, for `crds/` files, one file, which may hold several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedDocument {
    /// Where it came from, as Helm names it (`podinfo/templates/deployment.yaml`,
    /// `podinfo/crds/crd.yaml`).
    pub source: String,
    /// The YAML text.
    pub text: String,
    /// The text already read as the Kubernetes API reads it, when the renderer read it
    /// anyway (see [`ChartRequest::parse_manifests`]).
    pub parsed: ParsedText,
}

impl RenderedDocument {
    /// A document of `text` from `source`, not yet parsed.
    pub fn new(source: impl Into<String>, text: impl Into<String>) -> RenderedDocument {
        RenderedDocument {
            source: source.into(),
            text: text.into(),
            parsed: ParsedText::default(),
        }
    }
}

/// A document's text read as YAML 1.1 with the last of duplicate keys winning, kept
/// beside the text it came from. It is read from the text, so it takes no part in
/// equality (two documents with the same text are equal, parsed or not).
///
/// The second field is set for a CRD whose text is already in the bundle's form from
/// that byte on; the tree then lacks its schemas (`kubake_helm::manifest::Manifest::
/// canonical`, [`crate::verbatim`]).
#[derive(Clone, Debug, Default)]
pub struct ParsedText(pub Option<Vec<kubake_yaml::Node>>, pub Option<usize>);

impl PartialEq for ParsedText {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ParsedText {}

/// What a render read of `.Capabilities.APIVersions`, as a test: given other extra API
/// versions, would the render come out the same? Unknown (the default) means no.
///
/// Known reads are the answers the templates got from `.Has` for versions outside
/// Helm's defaults; reads of the set as a whole (printing it, ranging over it) make
/// them unknown.
#[derive(Clone, Debug, Default)]
pub struct ApiReads(Option<BTreeMap<String, bool>>);

impl ApiReads {
    /// Reads that asked `.Has` of these versions (outside Helm's defaults) and got these
    /// answers, and read nothing else.
    pub fn answers(asked: BTreeMap<String, bool>) -> Self {
        ApiReads(Some(asked))
    }

    /// The answers, when the reads are known.
    pub fn known(&self) -> Option<&BTreeMap<String, bool>> {
        self.0.as_ref()
    }

    /// Whether rendering again with `extra` API versions would give the same output.
    pub fn unchanged_with(&self, extra: &[String]) -> bool {
        self.0
            .as_ref()
            .is_some_and(|asked| asked.iter().all(|(v, a)| extra.contains(v) == *a))
    }
}

/// Reads are how a render went, not what it produced: they never make two renders differ.
impl PartialEq for ApiReads {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ApiReads {}

/// What `helm template` printed, sorted into Helm's groups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedChart {
    /// The `crds/` files of the chart and its subcharts (only with `include_crds`).
    pub crds: Vec<RenderedDocument>,
    /// Non-hook documents of the templates, in Helm's install order. These are what a
    /// post-renderer sees.
    pub manifests: Vec<RenderedDocument>,
    /// Hook documents (`helm.sh/hook` annotation), tests left out with `skip_tests`.
    pub hooks: Vec<RenderedDocument>,
    /// Messages Helm would log (deprecations, coalescing warnings).
    pub warnings: Vec<String>,
    /// What the templates read of the API versions.
    pub api_reads: ApiReads,
}

/// A rendering failure: Helm's message, the template or file it is about, and advice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderError {
    /// What went wrong (Helm's wording when Helm would fail the same way).
    pub message: String,
    /// The file it is about: the failing template's file when the chart is a folder,
    /// else the chart's path.
    pub file: Option<String>,
    /// Where in `file` (unknown for a chart path).
    pub pos: kubake_yaml::Pos,
    /// What to do about it.
    pub help: Option<String>,
}

impl RenderError {
    /// A failure saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        RenderError {
            message: message.into(),
            file: None,
            pos: kubake_yaml::Pos::NONE,
            help: None,
        }
    }
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(file) = &self.file {
            write!(f, " ({file})")?;
        }
        Ok(())
    }
}

impl std::error::Error for RenderError {}

/// Renders charts. Implementations must be deterministic (same request, same bytes) and
/// callable from several threads at once.
pub trait ChartRenderer: Sync {
    /// Renders one release, as `helm template` with the request's flags would.
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError>;
}

/// The renderer used until Helm rendering lands: every request fails, saying so.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnavailableRenderer;

impl ChartRenderer for UnavailableRenderer {
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
        Err(RenderError {
            message: format!(
                "Helm rendering is not available yet: cannot render chart {} {} as release {} in namespace {}",
                req.chart_name, req.chart_version, req.release_name, req.namespace
            ),
            file: Some(req.chart.path().display().to_string()),
            pos: kubake_yaml::Pos::NONE,
            help: Some(
                "kubake builds kustomize, Flux Kustomizations and Argo CD kustomize/directory sources today; charts need the Helm renderer".into(),
            ),
        })
    }
}
