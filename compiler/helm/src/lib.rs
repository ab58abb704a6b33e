//! Helm chart rendering for kubake: `helm template` v3.17.2 without helm. This crate
//! holds Helm's template function library (all of Sprig v3.3.0 that Helm exposes, plus
//! Helm's own functions), the built-in objects templates see, the renderer, and the
//! `helm template` pipeline.
//!
//! The principal pieces:
//! - [`funcs::func_map`]: the function map, registered on a gotmpl
//!   [`Templates`](kubake_gotmpl::Templates) set;
//! - [`objects`]: `.Release`, `.Chart`, `.Capabilities`, `.Files`, `.Template`,
//!   `.Values` with the Go types Helm gives them;
//! - [`render::render`]: parse in Helm's order, execute, strip `<no value>`, and word
//!   errors as Helm does;
//! - [`env`]: the determinism seam. Every random or clock function (`randAlphaNum`,
//!   `uuidv4`, `genCA`, `now`, bcrypt salts, AES IVs) reads a per-template stream
//!   seeded from the release, namespace, template name and an optional user seed, and
//!   records what it produced ([`env::RandomUse`]).
//!
//! ```
//! use kubake_helm::render::{render, RenderInput};
//! use kubake_helm::objects::{values_from_json, Capabilities, ChartMetadata, ReleaseInfo};
//!
//! let input = RenderInput {
//!     chart: ChartMetadata { name: "web".into(), version: "0.1.0".into(), ..Default::default() },
//!     templates: vec![(
//!         "templates/cm.yaml".into(),
//!         "name: {{ .Release.Name }}-{{ .Values.suffix | default \"x\" }}\n".into(),
//!     )],
//!     values: values_from_json(&serde_json::json!({"suffix": "cfg"})),
//!     files: Default::default(),
//!     release: ReleaseInfo::install("rel", "ns"),
//!     capabilities: Capabilities::for_kube_version("1.32.0")?,
//!     determinism: Default::default(),
//! };
//! let out = render(&input)?;
//! assert_eq!(out.files["web/templates/cm.yaml"], "name: rel-cfg\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On top of these: [`tree::render_tree`] renders a chart and its subcharts as one
//! template set (each template in its own chart's scope), [`manifest`] turns rendered
//! files into `helm template`'s output (hooks, install order, CRDs, `--show-only`), and
//! [`pipeline::template`] is the whole `helm template` over kubake-chart's loading and
//! values.
//!
//! Not here: reading charts from disk or archives and computing values (kubake-chart),
//! fetching charts, printing. `API.md` beside the manifest has notes for callers.

#![deny(missing_docs)]

pub mod env;
pub mod files;
pub mod funcs;
pub mod manifest;
pub mod objects;
use kubake_chart::parallel;
pub mod pipeline;
pub mod render;
pub mod tree;

pub use env::{Determinism, RandomUse, RenderEnv, StreamId};
pub use pipeline::{template, TemplateError, TemplateOptions, TemplateOutput, UserValues};
pub use render::{render, Budget, RenderError, RenderInput, Rendered};
