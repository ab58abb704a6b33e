//! The chart seam ([`ChartRenderer`]) implemented over
//! kubake's native `helm template` ([`kubake_helm::template`]): a HelmRelease's or an
//! Argo CD source's request becomes `helm template` flags, and the output is sorted back
//! into Helm's groups (the `crds/` files, plain manifests for post-renderers, hooks).
//!
//! Not here: choosing charts and computing values (the GitOps layer does that) or
//! rendering itself (kubake-helm).

use crate::render::{
    ApiReads, ChartLocation, ChartRenderer, ChartRequest, ParsedText, RenderError, RenderedChart,
    RenderedDocument,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kubake_helm::manifest::SortedOutput;
use kubake_helm::pipeline::{
    load_chart, template, template_loaded, LoadedChart, TemplateOptions, UserValues,
};
use kubake_helm::Determinism;

/// How many loaded charts a renderer keeps for the rest of a build.
const KEPT_CHARTS: usize = 32;

/// Renders GitOps chart requests with kubake's Helm engine.
#[derive(Clone, Debug, Default)]
pub struct HelmRenderer {
    /// What pins random and clock functions in every render.
    pub determinism: Determinism,
    /// Charts already loaded, by path: a repository often installs one chart many times
    /// (an app template per application), and a chart renders again when the
    /// repository's API versions grow; loading an archive can cost as much as rendering.
    loaded: Arc<Mutex<HashMap<PathBuf, Arc<LoadedChart>>>>,
}

impl HelmRenderer {
    /// A renderer whose random and clock functions follow `determinism`.
    pub fn new(determinism: Determinism) -> HelmRenderer {
        HelmRenderer {
            determinism,
            ..HelmRenderer::default()
        }
    }

    /// The chart at `path`, loaded once per renderer (a failed load is not kept).
    fn chart(
        &self,
        path: &std::path::Path,
    ) -> Result<Arc<LoadedChart>, kubake_helm::pipeline::TemplateError> {
        if let Some(c) = self.loaded.lock().ok().and_then(|m| m.get(path).cloned()) {
            return Ok(c);
        }
        let chart = Arc::new(load_chart(path, None)?);
        if let Ok(mut m) = self.loaded.lock() {
            if m.len() < KEPT_CHARTS {
                m.insert(path.to_path_buf(), chart.clone());
            }
        }
        Ok(chart)
    }
}

impl ChartRenderer for HelmRenderer {
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
        let opts = TemplateOptions {
            release_name: Some(req.release_name.clone()),
            namespace: req.namespace.clone(),
            values: UserValues::Merged(req.values.clone()),
            skip_schema_validation: req.skip_schema_validation,
            kube_version: Some(req.kube_version.clone()),
            api_versions: req.api_versions.clone(),
            include_crds: req.include_crds,
            skip_tests: req.skip_tests,
            is_upgrade: req.is_upgrade,
            parse_manifests: req.parse_manifests,
            determinism: self.determinism.clone(),
            ..TemplateOptions::default()
        };
        let failed = |e: kubake_helm::pipeline::TemplateError| failure(&e, &req.chart);
        let out = match self.chart(req.chart.path()) {
            Ok(chart) if !req.chart_values_files.is_empty() => {
                let defaults = values_files(
                    &chart,
                    &req.chart_values_files,
                    req.ignore_missing_values_files,
                )?;
                template_loaded(
                    req.chart.path(),
                    &chart.with_default_values(defaults),
                    &opts,
                )
            }
            Ok(chart) => template_loaded(req.chart.path(), &chart, &opts),
            // Rendered the plain way, a broken chart fails with exactly `helm template`'s
            // first error (release name and kube version are checked before loading).
            Err(_) => template(req.chart.path(), &opts),
        }
        .map_err(failed)?;
        let mut rendered = into_rendered(out.documents);
        rendered.warnings = out.warnings;
        if let Some(asked) = out.api_queries.answers_outside_base() {
            rendered.api_reads = ApiReads::answers(asked);
        }
        Ok(rendered)
    }
}

/// Flux's `spec.chart.spec.valuesFiles`: the chart's files `names` (paths in the chart;
/// `values.yaml` is the chart's own), merged in order, later ones winning key by key in
/// nested maps, as source-controller merges them into the packaged chart's values.
fn values_files(
    chart: &LoadedChart,
    names: &[String],
    ignore_missing: bool,
) -> Result<kubake_chart::Values, RenderError> {
    let c = chart.chart();
    let mut merged = kubake_chart::Values::new();
    for name in names {
        let clean = name.trim_start_matches("./");
        let found = c.files.iter().find(|f| f.name == clean);
        let values = if clean == "values.yaml" {
            c.values.clone()
        } else if found.is_none() && ignore_missing {
            continue;
        } else {
            let file = found.ok_or_else(|| RenderError {
                message: format!(
                    "chart {}: valuesFiles names {name}, which the chart does not have",
                    c.name()
                ),
                file: Some(c.source.display().to_string()),
                pos: kubake_yaml::Pos::NONE,
                help: Some(
                    "valuesFiles are paths inside the chart, like values-production.yaml".into(),
                ),
            })?;
            file.data
                .read()
                .and_then(|data| kubake_chart::load::parse_values(&data))
                .map_err(|e| {
                    RenderError::new(format!("chart {}: cannot read {name}: {e}", c.name()))
                })?
        };
        merge_maps(&mut merged, values);
    }
    Ok(merged)
}

/// Merges `from` into `into`: nested maps key by key, anything else replaced.
fn merge_maps(into: &mut kubake_chart::Values, from: kubake_chart::Values) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(serde_json::Value::Object(a)), serde_json::Value::Object(b)) => merge_maps(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// A failed render as the GitOps layer reports it: Helm's message, and for a template
/// that failed while running, the chain of templates that led there and, when the chart
/// is a folder, the innermost template's file and position (for a source snippet).
fn failure(e: &kubake_helm::pipeline::TemplateError, chart: &ChartLocation) -> RenderError {
    let mut err = RenderError::new(e.to_string());
    err.file = Some(chart.path().display().to_string());
    let kubake_helm::pipeline::TemplateError::Render(re) = e else {
        return err;
    };
    let chain = kubake_helm::render::template_chain(re.engine_error());
    if chain.len() > 1 {
        err.message.push_str("\ntemplate chain, outermost first:");
        for f in &chain {
            err.message.push_str(&format!(
                "\n  {}:{}:{} at <{}>",
                f.file, f.line, f.column, f.action
            ));
        }
    }
    if let (Some(inner), ChartLocation::Directory(dir)) = (chain.last(), chart) {
        // Helm names templates `<chart>/<path in the chart>`.
        let in_chart = inner.file.split_once('/').map_or("", |(_, rest)| rest);
        let path = dir.join(in_chart);
        if !in_chart.is_empty() && path.is_file() {
            err.file = Some(path.display().to_string());
            err.pos = kubake_yaml::Pos {
                line: inner.line,
                col: inner.column,
            };
        }
    }
    err
}

/// `helm template`'s documents as the GitOps layer reads them: each one's text as it
/// stands in Helm's output, ending in one newline. The texts are moved, not copied
/// (they were made with room for the newline).
fn into_rendered(sorted: SortedOutput) -> RenderedChart {
    // Helm trims the CRDs and manifests as one string: the last of them loses all its
    // trailing white space; other documents keep all but their trailing newlines.
    let last_trimmed = (sorted.crds.len() + sorted.manifests.len()).checked_sub(1);
    // (A manifest's text is trimmed, so its document here is the manifest plus one line
    // break: what its kept tree was read from.)
    let document = |source: String, mut text: String, trim_all: bool, parsed, canonical| {
        let keep = if trim_all {
            text.trim_end().len()
        } else {
            text.trim_end_matches('\n').len()
        };
        text.truncate(keep);
        text.push('\n');
        RenderedDocument {
            source,
            text,
            parsed: ParsedText(parsed, canonical),
        }
    };
    let mut rendered = RenderedChart::default();
    let groups = sorted
        .crds
        .into_iter()
        .map(|(source, text)| (source, text, true, None, None));
    let templates = sorted
        .manifests
        .into_iter()
        .map(|m| (m.source, m.content, false, m.parsed, m.canonical));
    for (i, (source, text, crd, parsed, canonical)) in groups.chain(templates).enumerate() {
        let doc = document(source, text, Some(i) == last_trimmed, parsed, canonical);
        if crd {
            rendered.crds.push(doc);
        } else {
            rendered.manifests.push(doc);
        }
    }
    for h in sorted.hooks {
        rendered
            .hooks
            .push(document(h.source, h.content, false, h.parsed, h.canonical));
    }
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_grouped_into_crds_manifests_and_hooks() {
        let files = vec![(
            "c/templates/all.yaml".to_string(),
            "kind: ConfigMap\n---\nkind: Job\nmetadata:\n  annotations:\n    helm.sh/hook: pre-install\n"
                .to_string(),
        )];
        let (hooks, manifests) = kubake_helm::manifest::sort_manifests(files).unwrap();
        let crds = vec![(
            "c/crds/a.yaml".to_string(),
            "kind: CustomResourceDefinition\n\n".to_string(),
        )];
        let opts = kubake_helm::manifest::OutputOptions::default();
        let r = into_rendered(SortedOutput::new(crds, manifests, hooks, &opts));
        assert_eq!(r.crds.len(), 1);
        assert_eq!(r.crds[0].source, "c/crds/a.yaml");
        assert_eq!(r.crds[0].text, "kind: CustomResourceDefinition\n");
        assert_eq!(r.manifests.len(), 1);
        assert_eq!(r.manifests[0].text, "kind: ConfigMap\n");
        assert_eq!(r.hooks.len(), 1);
        assert_eq!(r.hooks[0].source, "c/templates/all.yaml");
    }

    #[test]
    fn the_last_document_before_the_hooks_loses_its_trailing_white_space_as_in_helm() {
        let crds = vec![
            ("c/crds/a.yaml".to_string(), "kind: A  \n\n".to_string()),
            ("c/crds/b.yaml".to_string(), "kind: B  \n\n".to_string()),
        ];
        let opts = kubake_helm::manifest::OutputOptions::default();
        let sorted = SortedOutput::new(crds, Vec::new(), Vec::new(), &opts);
        let text = sorted.text();
        let r = into_rendered(sorted);
        assert_eq!(r.crds[0].text, "kind: A  \n");
        assert_eq!(r.crds[1].text, "kind: B\n");
        assert!(text.ends_with("kind: B\n"), "{text:?}");
    }

    /// A chart `demo` 1.0.0 with `files`, in a fresh temporary folder: (folder, chart).
    fn temp_chart(tag: &str, files: &[(&str, &str)]) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("kubake-hr-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let chart = dir.join("demo");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(
            chart.join("Chart.yaml"),
            "apiVersion: v2\nname: demo\nversion: 1.0.0\n",
        )
        .unwrap();
        for (name, text) in files {
            std::fs::create_dir_all(chart.join(name).parent().unwrap()).unwrap();
            std::fs::write(chart.join(name), text).unwrap();
        }
        (dir, chart)
    }

    #[test]
    fn a_failing_include_is_reported_at_the_innermost_template_with_its_chain() {
        let (dir, chart) = temp_chart(
            "chain",
            &[
                (
                    "templates/_helpers.tpl",
                    "{{- define \"demo.tag\" -}}\n{{ required \"tag is required\" .Values.tag }}\n{{- end -}}\n",
                ),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  tag: {{ include \"demo.tag\" . }}\n",
                ),
            ],
        );
        let req = ChartRequest::new(ChartLocation::Directory(chart.clone()), "web", "apps");
        let e = HelmRenderer::default().render(&req).unwrap_err();
        assert!(
            e.message
                .starts_with("execution error at (demo/templates/cm.yaml:6:10): tag is required"),
            "{}",
            e.message
        );
        assert!(e.message.contains("template chain, outermost first:\n  demo/templates/cm.yaml:6:10 at <include \"demo.tag\" .>\n  demo/templates/_helpers.tpl:2:3 at <required \"tag is required\" .Values.tag>"), "{}", e.message);
        assert_eq!(
            e.file,
            Some(chart.join("templates/_helpers.tpl").display().to_string())
        );
        assert_eq!((e.pos.line, e.pos.col), (2, 3));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn values_files_replace_the_charts_values_merged_in_order() {
        let (dir, chart) = temp_chart(
            "vf",
            &[
                ("values.yaml", "a: {p: 1, q: 1}\nonly_default: d\n"),
                ("values-prod.yaml", "a: {q: 2, r: 2}\n"),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  v: {{ toJson .Values | quote }}\n",
                ),
            ],
        );
        let mut req = ChartRequest::new(ChartLocation::Directory(chart), "web", "apps");
        let render = |req: &ChartRequest| {
            HelmRenderer::default()
                .render(req)
                .map(|r| r.manifests[0].text.clone())
        };
        req.chart_values_files = vec!["values-prod.yaml".into()];
        let prod = render(&req).unwrap();
        assert!(prod.contains(r#"{\"a\":{\"q\":2,\"r\":2}}"#), "{prod}");
        req.chart_values_files = vec!["./values.yaml".into(), "values-prod.yaml".into()];
        let both = render(&req).unwrap();
        assert!(
            both.contains(r#"{\"a\":{\"p\":1,\"q\":2,\"r\":2},\"only_default\":\"d\"}"#),
            "{both}"
        );
        req.chart_values_files = vec!["values-missing.yaml".into()];
        let e = HelmRenderer::default().render(&req).unwrap_err();
        assert!(
            e.message.contains("valuesFiles names values-missing.yaml"),
            "{}",
            e.message
        );
        req.chart_values_files = vec!["values-prod.yaml".into(), "values-missing.yaml".into()];
        req.ignore_missing_values_files = true;
        assert_eq!(render(&req).unwrap(), prod);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn template_paths_named_crds_are_manifests() {
        let (dir, chart) = temp_chart(
            "tcrds",
            &[
                (
                    "templates/crds/x.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
                ),
                (
                    "crds/y.yaml",
                    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ys.example.com\n",
                ),
            ],
        );
        let mut req = ChartRequest::new(ChartLocation::Directory(chart), "web", "apps");
        req.include_crds = true;
        let r = HelmRenderer::default().render(&req).unwrap();
        assert_eq!(r.crds.len(), 1);
        assert_eq!(r.crds[0].source, "demo/crds/y.yaml");
        assert_eq!(r.manifests.len(), 1);
        assert_eq!(r.manifests[0].source, "demo/templates/crds/x.yaml");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
