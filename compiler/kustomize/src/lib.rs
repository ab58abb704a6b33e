//! kustomize, in-house: `kustomization.yaml` trees to Kubernetes objects exactly as
//! `kustomize build` v5.6 produces them.
//!
//! [`build`] is the entry point. It reads files only through a [`FileSystem`], loads the
//! top [`Kustomization`](kustfile::Kustomization), and lets a [`Target`](target::Target)
//! accumulate resources recursively (bases, components, generators), running each
//! kustomization's transformers ([`transform`]) in kustomize's order. The once-per-build
//! steps (hash suffixes, name references, vars, sorting) follow in [`build`].
//!
//! ```
//! use std::path::Path;
//! use kubake_kustomize::{build, BuildOptions, MemFs};
//! let fs = MemFs::new()
//!     .with("/app/kustomization.yaml", "namePrefix: dev-\nresources: [cm.yaml]\n")
//!     .with("/app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n");
//! let objects = build(&fs, Path::new("/app"), &BuildOptions::default())?;
//! assert_eq!(objects[0].str_at(&["metadata", "name"]), Some("dev-web"));
//! # Ok::<(), kubake_kustomize::Error>(())
//! ```
//!
//! Not here: fetching remote bases or running plugin programs (kubake builds offline and
//! says so), and rendering Helm charts: `helmCharts` entries are handed to the
//! [`ChartInflater`] the caller gives in [`BuildOptions::helm`] (kubake's Helm engine).
#![deny(missing_docs)]

pub mod build;
pub mod config;
pub mod decode;
pub mod error;
pub mod fieldspec;
pub mod fs;
pub mod generators;
pub mod helm_charts;
pub mod kustfile;
pub mod openapi;
pub mod resmap;
pub mod resource;
pub mod selector;
pub mod smp;
pub mod suggest;
pub mod target;
pub mod transform;

pub use build::{build, BuildOptions};
pub use error::{Error, Result};
pub use fs::{FileSystem, MemFs, RealFs};
pub use helm_charts::{ChartInflater, HelmSupport, InflateRequest};
pub use target::LoadRestrictor;
