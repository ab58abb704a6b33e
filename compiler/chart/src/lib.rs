//! kubake-chart: everything about a Helm chart *before* its templates run, as Helm v3.17
//! (`helm template`) does it.
//!
//! - **Loading** ([`load_chart`]): a chart directory or `.tgz` archive becomes a
//!   [`Chart`]: validated `Chart.yaml` ([`Metadata`], v1 `requirements.yaml` included),
//!   default values, `values.schema.json`, `templates/`, other files (`.Files`, `crds/`),
//!   `.helmignore` applied, subcharts from `charts/` (directories and archives) loaded
//!   recursively. Hostile input (paths escaping the chart, links, decompression bombs,
//!   oversized files, deep nesting) fails with a clear error within [`Limits`].
//! - **Values** ([`ValueOptions`], [`process_dependencies_and_values`]): `-f` files, then
//!   `--set-json`, `--set`, `--set-string`, `--set-file`, `--set-literal` with Helm's
//!   `strvals` parser; dependency processing (aliases, conditions, tags, import-values,
//!   library charts, missing subcharts); coalescing with chart defaults and `global`;
//!   `values.schema.json` validation worded as gojsonschema words it.
//!
//! ```no_run
//! use kubake_chart::{load_chart, process_dependencies_and_values, ValueOptions};
//! let mut warnings = Vec::new();
//! let mut chart = load_chart("charts/podinfo".as_ref(), &mut warnings)?;
//! let opts = ValueOptions { set: vec!["replicaCount=2".into()], ..ValueOptions::default() };
//! let prepared = process_dependencies_and_values(&mut chart, &opts)?;
//! // `chart` now holds only enabled subcharts, aliased; `prepared.values` is `.Values`.
//! # Ok::<(), kubake_chart::Error>(())
//! ```
//!
//! Values are `serde_json` values; a YAML/JSON number is a Go `float64` (an `f64`
//! [`serde_json::Number`]), a `--set` integer a Go `int64` (an `i64` number). See
//! [`value`] and `API.md` for what a renderer must know.
//!
//! Not here: running templates, `.Capabilities`, `.Release`, hooks or output ordering
//! (the helm crate's), fetching charts or remote schemas (never done).
#![deny(missing_docs)]

pub mod archive;
pub mod coalesce;
pub mod dependencies;
pub mod error;
pub mod ignore;
pub mod load;
pub mod metadata;
pub mod parallel;
pub mod schema;
pub mod semver;
pub mod strvals;
pub mod value;
pub mod values;

pub use coalesce::{coalesce_values, GLOBAL_KEY};
pub use dependencies::{check_dependencies, check_installable, process_dependencies};
pub use error::{Error, ErrorKind, Result, Warnings};
pub use load::{load_chart, load_chart_archive, load_chart_with, Chart, ChartFile, Limits};
pub use metadata::{Dependency, Maintainer, Metadata};
pub use schema::validate_against_schema;
pub use semver::is_compatible_range;
pub use value::Values;
pub use values::{
    prepare_with_user_values, process_dependencies_and_values, PreparedValues, ValueOptions,
};

/// Helm's `kubeVersion` check (`chart requires kubeVersion: >=1.25.0-0 which is
/// incompatible with Kubernetes v1.23.0`). `kube_version` is the cluster version as
/// `.Capabilities.KubeVersion.Version` prints it (`v1.32.0`).
pub fn check_kube_version(chart: &Chart, kube_version: &str) -> Result<()> {
    let wanted = &chart.metadata.kube_version;
    if wanted.is_empty() || is_compatible_range(wanted, kube_version) {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::KubeVersion,
        format!(
            "chart requires kubeVersion: {wanted} which is incompatible with Kubernetes {kube_version}"
        ),
    )
    .with_file(chart.source.join("Chart.yaml"))
    .with_help("render for a newer Kubernetes version (--kube-version), or use a chart version that supports this one"))
}
