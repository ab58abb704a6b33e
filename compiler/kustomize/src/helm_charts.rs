//! kustomize's HelmChartInflationGenerator: the `helmCharts` and `helmGlobals` fields of
//! a kustomization, decoded and turned into resources, as `kustomize build --enable-helm`
//! v5.6 does.
//!
//! kustomize shells out to `helm template`; kubake hands the same request to a
//! [`ChartInflater`] (kubake's native Helm engine, supplied by the caller through
//! [`HelmSupport`]), so this crate knows nothing of charts. What is kustomize's lives here:
//! where the chart directory is (`chartHome/NAME`, or `chartHome/NAME-VERSION/NAME` when
//! both `version` and `repo` are set), how `valuesFile` and `valuesInline` are merged
//! (`valuesMerge`: override, merge or replace, with kyaml's `merge2` rules), which values
//! files reach Helm and in what order, and how the output joins the resource list.
//!
//! Not here: pulling charts (kubake builds offline; a chart not on disk must come from
//! the inflater's chart stores or is an error) and rendering.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubake_yaml::{Mapping, Node, Pos, Value};

use crate::decode::Fields;
use crate::error::{Error, Result};

/// One `helmCharts` entry (kustomize's `types.HelmChart`).
#[derive(Clone, Debug, Default)]
pub struct HelmChartArgs {
    /// `name`: the chart's name, also its directory under `chartHome`.
    pub name: String,
    /// `version`.
    pub version: Option<String>,
    /// `repo`: where kustomize would pull from; kubake only uses it to find the chart.
    pub repo: Option<String>,
    /// `releaseName`; unset means Helm's `--generate-name`.
    pub release_name: Option<String>,
    /// `namespace`: `.Release.Namespace`.
    pub namespace: Option<String>,
    /// `nameTemplate`.
    pub name_template: Option<String>,
    /// `valuesFile`, relative to the kustomization; unset means the chart's values.yaml.
    pub values_file: Option<String>,
    /// `valuesInline`.
    pub values_inline: Option<Node>,
    /// `valuesMerge`: `override` (default), `merge` or `replace`.
    pub values_merge: Option<String>,
    /// `additionalValuesFiles`, relative to the kustomization, later ones winning.
    pub additional_values_files: Vec<String>,
    /// `includeCRDs`.
    pub include_crds: bool,
    /// `skipHooks`.
    pub skip_hooks: bool,
    /// `skipTests`.
    pub skip_tests: bool,
    /// `apiVersions`.
    pub api_versions: Vec<String>,
    /// `kubeVersion`.
    pub kube_version: Option<String>,
    /// Where the entry is in the kustomization.
    pub pos: Pos,
    /// The entry as written, for kustomize's "trouble configuring" messages.
    pub config: Option<Node>,
}

/// `helmGlobals`.
#[derive(Clone, Debug, Default)]
pub struct HelmGlobals {
    /// `chartHome`: default `charts`, relative to the kustomization's directory.
    pub chart_home: Option<String>,
}

/// What a [`ChartInflater`] is asked to render: `helm template`'s arguments as kustomize
/// builds them.
#[derive(Clone, Debug)]
pub struct InflateRequest {
    /// The chart directory.
    pub chart_dir: PathBuf,
    /// The release name; `None` is `--generate-name`.
    pub release_name: Option<String>,
    /// `--namespace`, when set.
    pub namespace: Option<String>,
    /// `--name-template`.
    pub name_template: Option<String>,
    /// `-f` files in order, later ones winning: a name for messages and the YAML bytes.
    pub values_files: Vec<(String, Vec<u8>)>,
    /// `--api-versions`.
    pub api_versions: Vec<String>,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// `--include-crds`.
    pub include_crds: bool,
    /// `--skip-tests`.
    pub skip_tests: bool,
    /// `--no-hooks`.
    pub skip_hooks: bool,
}

/// Renders charts for `helmCharts`: kubake's stand-in for the `helm` binary.
pub trait ChartInflater: Send + Sync + fmt::Debug {
    /// A chart that is not under `chartHome`, from elsewhere (a chart store), or `None`.
    fn find_chart(&self, name: &str, version: Option<&str>, repo: Option<&str>) -> Option<PathBuf>;
    /// `helm template`'s standard output for `req`, or Helm's error message.
    fn inflate(&self, req: &InflateRequest) -> std::result::Result<String, String>;
}

/// `--enable-helm` and its companion flags.
#[derive(Clone, Debug)]
pub struct HelmSupport {
    /// What renders the charts.
    pub inflater: Arc<dyn ChartInflater>,
    /// `--helm-api-versions`, used where an entry sets none.
    pub api_versions: Vec<String>,
    /// `--helm-kube-version`, used where an entry sets none.
    pub kube_version: Option<String>,
}

const CHART_FIELDS: &[&str] = &[
    "name",
    "version",
    "repo",
    "releaseName",
    "namespace",
    "nameTemplate",
    "valuesFile",
    "valuesInline",
    "valuesMerge",
    "additionalValuesFiles",
    "includeCRDs",
    "skipHooks",
    "skipTests",
    "apiVersions",
    "kubeVersion",
    "debug",
];

/// Decodes one `helmCharts` entry.
pub fn decode_chart(node: &Node, file: &Path) -> Result<HelmChartArgs> {
    let f = Fields::new(node, file, "HelmChart")?;
    f.deny_unknown(CHART_FIELDS)?;
    let strings = |name: &str| -> Result<Vec<String>> {
        Ok(f.strings(name)?.into_iter().map(|(s, _)| s).collect())
    };
    let values_inline = match f.get("valuesInline") {
        None => None,
        Some(n) if n.is_null() => None,
        Some(n) if n.as_map().is_some() => Some(n.clone()),
        Some(n) => {
            return Err(Error::at(
                format!(
                    "invalid HelmChart: valuesInline must be a mapping, found a {}",
                    n.type_name()
                ),
                file,
                n.pos,
            ))
        }
    };
    Ok(HelmChartArgs {
        name: f.string("name")?.unwrap_or_default(),
        version: f.string("version")?.filter(|s| !s.is_empty()),
        repo: f.string("repo")?.filter(|s| !s.is_empty()),
        release_name: f.string("releaseName")?.filter(|s| !s.is_empty()),
        namespace: f.string("namespace")?.filter(|s| !s.is_empty()),
        name_template: f.string("nameTemplate")?.filter(|s| !s.is_empty()),
        values_file: f.string("valuesFile")?.filter(|s| !s.is_empty()),
        values_inline,
        values_merge: f.string("valuesMerge")?.filter(|s| !s.is_empty()),
        additional_values_files: strings("additionalValuesFiles")?,
        include_crds: f.bool("includeCRDs")?.unwrap_or(false),
        skip_hooks: f.bool("skipHooks")?.unwrap_or(false),
        skip_tests: f.bool("skipTests")?.unwrap_or(false),
        api_versions: strings("apiVersions")?,
        kube_version: f.string("kubeVersion")?.filter(|s| !s.is_empty()),
        pos: node.pos,
        config: Some(node.clone()),
    })
}

/// Decodes a deprecated `helmChartInflationGenerator` entry as kustomize's
/// `FixKustomization` converts it: the chart fields under their new names, and its
/// `chartHome` into `helmGlobals` when that has none.
pub fn decode_legacy(node: &Node, file: &Path, globals: &mut HelmGlobals) -> Result<HelmChartArgs> {
    let f = Fields::new(node, file, "HelmChartArgs")?;
    f.deny_unknown(&[
        "chartName",
        "chartVersion",
        "chartRepoUrl",
        "chartHome",
        "chartRepoName",
        "helmBin",
        "helmHome",
        "values",
        "valuesLocal",
        "valuesMerge",
        "releaseName",
        "releaseNamespace",
        "extraArgs",
    ])?;
    if globals.chart_home.is_none() {
        globals.chart_home = f.string("chartHome")?.filter(|s| !s.is_empty());
    }
    Ok(HelmChartArgs {
        name: f.string("chartName")?.unwrap_or_default(),
        version: f.string("chartVersion")?.filter(|s| !s.is_empty()),
        repo: f.string("chartRepoUrl")?.filter(|s| !s.is_empty()),
        release_name: f.string("releaseName")?.filter(|s| !s.is_empty()),
        values_file: f.string("values")?.filter(|s| !s.is_empty()),
        values_inline: f
            .get("valuesLocal")
            .filter(|n| n.as_map().is_some())
            .cloned(),
        values_merge: f.string("valuesMerge")?.filter(|s| !s.is_empty()),
        pos: node.pos,
        config: Some(node.clone()),
        ..HelmChartArgs::default()
    })
}

/// Decodes `helmGlobals`.
pub fn decode_globals(node: &Node, file: &Path) -> Result<HelmGlobals> {
    let f = Fields::new(node, file, "HelmGlobals")?;
    f.deny_unknown(&["chartHome", "configHome"])?;
    Ok(HelmGlobals {
        chart_home: f.string("chartHome")?.filter(|s| !s.is_empty()),
    })
}

/// kustomize's wrapper around a configuration error of the generator: the entry (with
/// `helmGlobals`' chartHome) as sorted YAML, then the problem.
pub fn config_error(chart: &HelmChartArgs, globals: &HelmGlobals, problem: &str) -> Error {
    let mut config = sorted(chart.config.as_ref().unwrap_or(&Node::map()));
    if let (Some(home), Some(map)) = (&globals.chart_home, config.as_map_mut()) {
        map.insert("chartHome", Node::str(home.clone()));
    }
    let config = sorted(&config);
    let text = kubake_yaml::to_yaml_stream(std::slice::from_ref(&config));
    Error::new(format!(
        "trouble configuring builtin HelmChartInflationGenerator with config: `\n{text}`: {problem}"
    ))
}

/// A copy with every mapping's keys sorted, as Go's JSON-through-map marshalling leaves
/// them.
fn sorted(node: &Node) -> Node {
    let value = match &node.value {
        Value::Map(m) => {
            let mut entries: Vec<(&str, &Node)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let mut out = Mapping::new();
            for (k, v) in entries {
                out.insert(k, sorted(v));
            }
            Value::Map(out)
        }
        Value::Seq(items) => Value::Seq(items.iter().map(sorted).collect()),
        other => other.clone(),
    };
    Node {
        value,
        pos: node.pos,
    }
}

/// How [`inflate`] reads the kustomization's files (under its load restrictor).
pub trait ValuesSource {
    /// The bytes of `rel`, a path relative to the kustomization.
    fn read(&self, rel: &str) -> Result<Vec<u8>>;
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Reads a file by absolute path (the chart's own values.yaml).
    fn read_abs(&self, path: &Path) -> Option<Vec<u8>>;
}

/// Renders one entry: finds the chart, merges its values as kustomize does, and returns
/// `helm template`'s output text.
pub fn inflate(
    chart: &HelmChartArgs,
    globals: &HelmGlobals,
    dir: &Path,
    support: &HelmSupport,
    files: &dyn ValuesSource,
) -> Result<String> {
    if chart.name.is_empty() {
        return Err(Error::new("chart name cannot be empty")
            .with_help("set `name` on the helmCharts entry to the chart's name"));
    }
    let chart_home = {
        let home = globals.chart_home.as_deref().unwrap_or("charts");
        crate::fs::clean(&dir.join(home))
    };
    // kustomize pulls a versioned chart from a repo into `chartHome/NAME-VERSION/`.
    let versioned_home = match (&chart.version, &chart.repo) {
        (Some(v), Some(_)) => chart_home.join(format!("{}-{v}", chart.name)),
        _ => chart_home,
    };
    let local_dir = versioned_home.join(&chart.name);
    let chart_dir = if files.is_dir(&local_dir) {
        local_dir
    } else if let Some(found) =
        support
            .inflater
            .find_chart(&chart.name, chart.version.as_deref(), chart.repo.as_deref())
    {
        found
    } else if chart.repo.is_none() {
        return Err(
            Error::new("no repo specified for pull, no chart found at ''").with_help(format!(
                "put the chart {} in {} (helmGlobals.chartHome), or give a chart store",
                chart.name,
                local_dir.display()
            )),
        );
    } else {
        let repo = chart.repo.as_deref().unwrap_or_default();
        let pull = match repo.strip_prefix("oci://") {
            Some(_) => format!("helm pull {}/{}", repo.trim_end_matches('/'), chart.name),
            None => format!("helm pull --repo {repo} {}", chart.name),
        };
        let version = chart
            .version
            .as_ref()
            .map(|v| format!(" --version {v}"))
            .unwrap_or_default();
        return Err(Error::new(format!(
            "chart {} is not at {}: kubake builds offline and does not pull charts",
            chart.name,
            local_dir.display()
        ))
        .with_help(format!(
            "vendor it once: {pull}{version} --untar --untardir {}, or keep {}-{}.tgz in a chart store (--charts DIR)",
            versioned_home.display(),
            chart.name,
            chart.version.as_deref().unwrap_or("VERSION")
        )));
    };
    let values_files = values_files(chart, globals, &chart_dir, files)?;
    let req = InflateRequest {
        chart_dir,
        release_name: chart.release_name.clone(),
        namespace: chart.namespace.clone(),
        name_template: chart.name_template.clone(),
        values_files,
        api_versions: if chart.api_versions.is_empty() {
            support.api_versions.clone()
        } else {
            chart.api_versions.clone()
        },
        kube_version: chart
            .kube_version
            .clone()
            .or_else(|| support.kube_version.clone()),
        include_crds: chart.include_crds,
        skip_tests: chart.skip_tests,
        skip_hooks: chart.skip_hooks,
    };
    support.inflater.inflate(&req).map_err(Error::new)
}

/// The `-f` files kustomize passes: the merged values file, then `additionalValuesFiles`.
fn values_files(
    chart: &HelmChartArgs,
    globals: &HelmGlobals,
    chart_dir: &Path,
    files: &dyn ValuesSource,
) -> Result<Vec<(String, Vec<u8>)>> {
    let merge = chart.values_merge.as_deref().unwrap_or("override");
    if !matches!(merge, "override" | "merge" | "replace") {
        return Err(config_error(
            chart,
            globals,
            "valuesMerge must be one of [merge override replace]",
        )
        .with_help("set valuesMerge to override (the default), merge or replace"));
    }
    let base = match (&chart.values_inline, merge) {
        (Some(inline), "replace") => kubake_yaml::to_yaml_stream(std::slice::from_ref(inline)),
        (inline, _) => {
            let (name, bytes) = match &chart.values_file {
                Some(rel) => (rel.clone(), files.read(rel)?),
                None => {
                    let path = chart_dir.join("values.yaml");
                    let bytes = files.read_abs(&path).ok_or_else(|| {
                        Error::new(format!(
                            "evalsymlink failure on '{}' : lstat {}: no such file or directory",
                            path.display(),
                            path.display()
                        ))
                        .with_help("give the chart a values.yaml, or set valuesFile")
                    })?;
                    (path.display().to_string(), bytes)
                }
            };
            match inline {
                None => String::from_utf8_lossy(&bytes).into_owned(),
                Some(inline) => {
                    let text = String::from_utf8_lossy(&bytes);
                    let file_values = kubake_yaml::load_stream(&text, kubake_yaml::Schema::Core12)
                        .map_err(|e| Error::at(e.message, Path::new(&name), e.pos))?
                        .into_iter()
                        .next()
                        .unwrap_or_else(Node::map);
                    let merged = if merge == "merge" {
                        merge_values(file_values, inline)
                    } else {
                        merge_values(inline.clone(), &file_values)
                    };
                    kubake_yaml::to_yaml_stream(&[merged])
                }
            }
        }
    };
    let mut out = vec![(
        format!("{}-kustomize-values.yaml", chart.name),
        base.into_bytes(),
    )];
    for rel in &chart.additional_values_files {
        let bytes = files
            .read(rel)
            .map_err(|e| e.context("could not load additionalValuesFile"))?;
        out.push((rel.clone(), bytes));
    }
    Ok(out)
}

/// kyaml's `merge2.Merge(src, dest)` as kustomize applies it to values: `src` wins.
/// Mappings merge key by key (a null in `src` deletes the key); lists and scalars of
/// `src` replace `dest`'s whole (no associative merge of `name`-keyed lists: values
/// carry no schema, and kustomize v5.6 replaces them, as its output shows).
pub fn merge_values(src: Node, dest: &Node) -> Node {
    let pos = dest.pos;
    let value = match (src.value, &dest.value) {
        (Value::Map(s), Value::Map(d)) => {
            let mut out = d.clone();
            for (k, v) in s.iter() {
                if v.is_null() {
                    out.remove(k);
                    continue;
                }
                let merged = match out.get(k) {
                    Some(old) => merge_values(v.clone(), old),
                    None => v.clone(),
                };
                out.insert(k, merged);
            }
            Value::Map(out)
        }
        (value, _) => value,
    };
    Node { value, pos }
}

#[cfg(test)]
mod tests;
