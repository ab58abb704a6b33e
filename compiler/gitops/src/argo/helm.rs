//! An Argo CD Helm source, interpreted as `argo-cd/util/helm/cmd.go` calls
//! `helm template`: release `helm.releaseName` or the Application's name, namespace
//! `helm.namespace` or the destination's, `--values` for each `valueFiles` entry (relative
//! to the chart root, or `$ref/path` in a referenced source; missing files fail unless
//! `ignoreMissingValueFiles`), then `--values` with `valuesObject` (which replaces
//! `values`) or `values`, then `--set`/`--set-string`/`--set-file` parameters;
//! `--include-crds` unless `skipCrds`, `--skip-tests` only with `skipTests`,
//! `--skip-schema-validation` with `skipSchemaValidation`.
//!
//! Not here: which chart (the Application decides) or rendering.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kubake_yaml::Node;

use crate::charts::read_chart_file;
use crate::error::{Error, ErrorKind, Result};
use crate::expand::ChartJob;
use crate::fs::{join_in_root, rel_string};
use crate::object;
use crate::render::{ChartLocation, ChartRequest};
use crate::values::{self, Parameter};

/// What a Helm source needs besides its own fields.
pub struct HelmSource<'a> {
    /// The Application's name (the default release name).
    pub app_name: &'a str,
    /// The destination namespace.
    pub dest_namespace: &'a str,
    /// The chart.
    pub chart: ChartLocation,
    /// Its name and version, for messages.
    pub chart_name: String,
    /// The resolved version.
    pub chart_version: String,
    /// For a chart inside a repository: the repository root value files may not leave.
    pub repo_root: Option<PathBuf>,
    /// `ref` sources by name (directories).
    pub refs: &'a BTreeMap<String, PathBuf>,
    /// The kube version to render for.
    pub kube_version: String,
    /// The Application's file, for errors.
    pub file: Option<String>,
    /// The repository root, for showing paths.
    pub root: &'a std::path::Path,
}

/// The chart job for a source whose `helm` field is `helm` (may be absent).
pub fn job(src: &HelmSource<'_>, helm: Option<&Node>) -> Result<ChartJob> {
    let empty = object::empty_map();
    let helm = helm.filter(|h| !h.is_null()).unwrap_or(&empty);
    let release = helm
        .str_at(&["releaseName"])
        .filter(|s| !s.is_empty())
        .unwrap_or(src.app_name);
    // Argo CD passes --namespace only when it has one; Helm's default is "default".
    let namespace = helm
        .str_at(&["namespace"])
        .filter(|s| !s.is_empty())
        .or(Some(src.dest_namespace).filter(|s| !s.is_empty()))
        .unwrap_or("default");
    let ignore_missing = object::bool_at(helm, &["ignoreMissingValueFiles"]);

    let mut vals = kubake_chart::Values::new();
    for vf in object::seq(helm, &["valueFiles"])
        .iter()
        .filter_map(Node::as_str)
    {
        let Some(text) = read_value_file(src, vf, ignore_missing)? else {
            continue;
        };
        vals = values::merge_document(vals, &text).map_err(|e| {
            err(
                src,
                ErrorKind::Values,
                format!("failed to parse value file {vf}: {e}"),
            )
        })?;
    }
    if let Some(obj) = helm.get("valuesObject").filter(|v| !v.is_null()) {
        vals = values::merge_over(vals, values::as_values(object::to_values_json(obj)));
    } else if let Some(text) = helm.str_at(&["values"]).filter(|s| !s.trim().is_empty()) {
        vals = values::merge_document(vals, text).map_err(|e| {
            err(
                src,
                ErrorKind::Values,
                format!("failed to parse spec.source.helm.values: {e}"),
            )
        })?;
    }
    let params: Vec<Parameter> = object::seq(helm, &["parameters"])
        .iter()
        .map(|p| Parameter {
            name: p.str_at(&["name"]).unwrap_or("").to_string(),
            value: p
                .get("value")
                .and_then(object::scalar_string)
                .unwrap_or_default(),
            force_string: object::bool_at(p, &["forceString"]),
        })
        .collect();
    let mut files = Vec::new();
    for fp in object::seq(helm, &["fileParameters"]) {
        let name = fp.str_at(&["name"]).unwrap_or("");
        let path = fp.str_at(&["path"]).unwrap_or("");
        let Some(text) = read_value_file(src, path, false)? else {
            continue;
        };
        files.push((name.to_string(), text));
    }
    values::apply_parameters(&mut vals, &params, &files)
        .map_err(|e| err(src, ErrorKind::Values, e))?;

    let mut req = ChartRequest::new(src.chart.clone(), release, namespace);
    req.chart_name = src.chart_name.clone();
    req.chart_version = src.chart_version.clone();
    req.values = vals;
    req.include_crds = !object::bool_at(helm, &["skipCrds"]);
    req.skip_tests = object::bool_at(helm, &["skipTests"]);
    req.skip_schema_validation = object::bool_at(helm, &["skipSchemaValidation"]);
    req.kube_version = helm
        .str_at(&["kubeVersion"])
        .filter(|s| !s.is_empty())
        .map_or_else(
            || src.kube_version.clone(),
            |v| {
                if v.starts_with('v') {
                    v.to_string()
                } else {
                    format!("v{v}")
                }
            },
        );
    req.parse_manifests = true;
    Ok(ChartJob {
        request: req,
        post_renderers: Vec::new(),
        file: src.file.clone(),
    })
}

fn err(src: &HelmSource<'_>, kind: ErrorKind, message: impl Into<String>) -> Error {
    let e = Error::new(kind, message);
    match &src.file {
        Some(f) => e.in_file(f),
        None => e,
    }
}

/// Reads a value file named the way Argo CD names them; `None` when missing and allowed
/// to be.
fn read_value_file(src: &HelmSource<'_>, vf: &str, ignore_missing: bool) -> Result<Option<String>> {
    if vf.contains("://") {
        return Err(err(
            src,
            ErrorKind::Values,
            format!("value file {vf:?} is a URL; kubake reads local files only"),
        )
        .with_help("keep the values file in the repository and name it with $ref/path"));
    }
    let missing = |what: String| -> Result<Option<String>> {
        if ignore_missing {
            return Ok(None);
        }
        Err(err(src, ErrorKind::Values, what)
            .with_help("fix the path, or set ignoreMissingValueFiles: true in spec.source.helm"))
    };
    if let Some(rest) = vf.strip_prefix('$') {
        let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
        let Some(dir) = src.refs.get(name) else {
            return Err(err(
                src,
                ErrorKind::Values,
                format!("value file {vf:?} names source ref ${name}, which no source of the Application defines"),
            ));
        };
        let Some(full) = join_in_root(dir, path) else {
            return missing(format!("value file {vf:?} climbs out of its source"));
        };
        return match std::fs::read(&full) {
            Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Err(_) => missing(format!(
                "value file {} (from {vf}) does not exist",
                rel_string(src.root, &full)
            )),
        };
    }
    match &src.chart {
        ChartLocation::Directory(dir) => {
            let limit = src.repo_root.clone().unwrap_or_else(|| dir.clone());
            let full = kubake_kustomize::fs::clean(&dir.join(vf));
            if !full.starts_with(&limit) {
                return missing(format!("value file {vf:?} is outside the repository"));
            }
            match std::fs::read(&full) {
                Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
                Err(_) => missing(format!(
                    "value file {} does not exist",
                    rel_string(src.root, &full)
                )),
            }
        }
        ChartLocation::Archive(_) => match read_chart_file(&src.chart, vf) {
            Ok(Some(b)) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Ok(None) => missing(format!(
                "value file {vf:?} does not exist in chart {} {}",
                src.chart_name, src.chart_version
            )),
            Err(e) => Err(err(
                src,
                ErrorKind::Io,
                format!("cannot read chart {}: {e}", src.chart.path().display()),
            )),
        },
    }
}
