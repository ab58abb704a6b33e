//! From a rendered chart to objects: reading Helm's output as the Kubernetes API would
//! (YAML 1.1 scalars), and running Flux post-renderers over the templates.
//!
//! A post-renderer (`helm-controller/internal/postrender/kustomize.go`) is a kustomize
//! build of `resources: [helm-output.yaml]` with the entry's `patches` (and the
//! deprecated `patchesStrategicMerge`/`patchesJson6902`) and `images`; entries run in
//! order, each over the previous one's output. Helm hands post-renderers the templates
//! only: `crds/` files and hooks pass by unchanged. Argo CD's hook rule
//! (gitops-engine `pkg/sync/hook/helm`, `pkg/sync/ignore`) is [`argo_drops_hook`].
//!
//! Not here: rendering (the renderer), namespaces (the engine).

use std::path::Path;

use kubake_kustomize::{BuildOptions, MemFs};
use kubake_yaml::{Duplicates, Mapping, Node, Schema, Value};
use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::expand::ChartJob;
use crate::kfile::Built;
use crate::object;
use crate::render::{RenderedChart, RenderedDocument};

/// Reads a rendered chart into objects, post-rendering its templates (the trees the
/// renderer kept are taken, not copied).
pub fn objects(job: &ChartJob, rendered: &mut RenderedChart) -> Result<Vec<Built>> {
    let mut out = Vec::new();
    if job.request.include_crds {
        out.extend(parse_crds(&mut rendered.crds)?);
    }
    if job.post_renderers.is_empty() {
        out.extend(parse_all(&mut rendered.manifests)?);
    } else {
        out.extend(post_render(job, &rendered.manifests)?);
    }
    out.extend(parse_all(&mut rendered.hooks)?);
    Ok(out)
}

/// The `crds/` files, on all cores: each kept as its text when it is a CRD in the
/// bundle's form ([`crate::verbatim`]), else [`parse`]d.
fn parse_crds(docs: &mut [RenderedDocument]) -> Result<Vec<Built>> {
    let parsed: Vec<Result<Vec<Built>>> = docs
        .par_iter_mut()
        .with_max_len(1)
        .map(|doc| match crate::verbatim::read_crd(&mut doc.text) {
            Some((node, verbatim)) => Ok(vec![Built {
                node,
                source: Some(doc.source.clone()),
                verbatim: Some(verbatim),
            }]),
            None => parse(doc),
        })
        .collect();
    let mut out = Vec::new();
    for p in parsed {
        out.extend(p?);
    }
    Ok(out)
}

/// [`parse`] of each document, on all cores (a chart's CRDs can be megabytes); the
/// error is the first document's that fails, as one by one.
fn parse_all(docs: &mut [RenderedDocument]) -> Result<Vec<Built>> {
    let parsed: Vec<Result<Vec<Built>>> = docs.par_iter_mut().with_max_len(1).map(parse).collect();
    let mut out = Vec::new();
    for p in parsed {
        out.extend(p?);
    }
    Ok(out)
}

/// Parses one rendered document (or `crds/` file, whose documents are read on all
/// cores when it is long) as the Kubernetes API reads manifests, or takes the trees the
/// renderer read it into.
pub fn parse(doc: &mut RenderedDocument) -> Result<Vec<Built>> {
    let invalid = |e: kubake_yaml::LoadError| {
        Error::new(
            ErrorKind::Render,
            format!("the chart rendered invalid YAML: {}", e.message),
        )
        .at(&doc.source, e.pos)
    };
    // The renderer may have read the document already, the same way; a CRD in the
    // bundle's form keeps its text (read without its schemas).
    // (`kubake_helm::manifest::read_canonical_crd` made that tree: one CRD.)
    if let (Some(start), Some([_])) = (doc.parsed.1, doc.parsed.0.as_deref()) {
        if let Some(node) = doc.parsed.0.take().and_then(|d| d.into_iter().next()) {
            let text = std::mem::take(&mut doc.text);
            let verbatim = crate::verbatim::Verbatim::new(text, start, &node);
            return Ok(vec![Built {
                node,
                source: Some(doc.source.clone()),
                verbatim: Some(verbatim),
            }]);
        }
    }
    let docs = match doc.parsed.0.take() {
        Some(docs) => docs,
        None => kubake_yaml::load_stream_parallel(&doc.text, Schema::Yaml11, Duplicates::LastWins)
            .map_err(invalid)?,
    };
    let mut out = Vec::new();
    for d in docs {
        if d.is_null() {
            continue;
        }
        if d.as_map().is_none() || object::kind(&d).is_empty() {
            return Err(Error::new(
                ErrorKind::Render,
                "the chart rendered a document that is not a Kubernetes object (no kind)",
            )
            .at(&doc.source, d.pos));
        }
        out.push(Built {
            node: d,
            source: Some(doc.source.clone()),
            verbatim: None,
        });
    }
    Ok(out)
}

fn post_render(job: &ChartJob, manifests: &[RenderedDocument]) -> Result<Vec<Built>> {
    let mut text = String::new();
    for d in manifests {
        text.push_str("---\n");
        text.push_str(&d.text);
        if !d.text.ends_with('\n') {
            text.push('\n');
        }
    }
    let mut nodes: Option<Vec<Node>> = None;
    for (i, pr) in job.post_renderers.iter().enumerate() {
        let input = match &nodes {
            Some(n) => kubake_yaml::to_yaml_stream(n),
            None => text.clone(),
        };
        let kust = kustomization(pr);
        let fs = MemFs::new()
            .with(
                "/helm-post-render/kustomization.yaml",
                &kubake_yaml::to_yaml(&kust),
            )
            .with("/helm-post-render/helm-output.yaml", &input);
        let built = kubake_kustomize::build(
            &fs,
            Path::new("/helm-post-render"),
            &BuildOptions::default(),
        )
        .map_err(|e| {
            let mut err = Error::new(
                ErrorKind::Kustomize,
                format!(
                    "post-renderer {} (spec.postRenderers[{i}].kustomize): {}",
                    i + 1,
                    e.message
                ),
            );
            if let Some(f) = &job.file {
                err = err.in_file(f);
            }
            if let Some(h) = e.help {
                err = err.with_help(h);
            }
            err
        })?;
        nodes = Some(built);
    }
    Ok(nodes
        .unwrap_or_default()
        .into_iter()
        .map(|node| Built {
            node,
            source: job.file.clone(),
            verbatim: None,
        })
        .collect())
}

/// The kustomization helm-controller writes for one post-renderer entry.
fn kustomization(pr: &Node) -> Node {
    let mut m = Mapping::new();
    m.insert("apiVersion", Node::str("kustomize.config.k8s.io/v1beta1"));
    m.insert("kind", Node::str("Kustomization"));
    m.insert(
        "resources",
        Node::new(Value::Seq(vec![Node::str("helm-output.yaml")])),
    );
    let images = object::seq(pr, &["images"]);
    if !images.is_empty() {
        m.insert("images", Node::new(Value::Seq(images.to_vec())));
    }
    let patches: Vec<Node> = object::seq(pr, &["patches"])
        .iter()
        .map(|p| {
            let mut pm = Mapping::new();
            if let Some(t) = p.get("patch") {
                pm.insert("patch", t.clone());
            }
            if let Some(t) = p.get("target").filter(|t| !t.is_null()) {
                pm.insert("target", crate::flux::generate::selector(t));
            }
            Node::new(Value::Map(pm))
        })
        .collect();
    if !patches.is_empty() {
        m.insert("patches", Node::new(Value::Seq(patches)));
    }
    let psm = object::seq(pr, &["patchesStrategicMerge"]);
    if !psm.is_empty() {
        m.insert("patchesStrategicMerge", Node::new(Value::Seq(psm.to_vec())));
    }
    let pj: Vec<Node> = object::seq(pr, &["patchesJson6902"])
        .iter()
        .map(|p| {
            let mut pm = Mapping::new();
            let ops = p.get("patch").map_or_else(
                || "[]".to_string(),
                |o| kubake_yaml::json::to_json(o).to_string(),
            );
            pm.insert("patch", Node::str(ops));
            if let Some(t) = p.get("target") {
                pm.insert("target", crate::flux::generate::selector(t));
            }
            Node::new(Value::Map(pm))
        })
        .collect();
    if !pj.is_empty() {
        m.insert("patchesJson6902", Node::new(Value::Seq(pj)));
    }
    Node::new(Value::Map(m))
}

/// Whether Argo CD leaves `obj` out: a Helm hook none of whose types is
/// pre-install, pre-upgrade, post-install or post-upgrade (tests, deletes, rollbacks),
/// unless it is also an Argo CD hook.
pub fn argo_drops_hook(obj: &Node) -> bool {
    let Some(hooks) = object::annotation(obj, "helm.sh/hook") else {
        return false;
    };
    if object::annotation(obj, "argocd.argoproj.io/hook").is_some() {
        return false;
    }
    !hooks.split(',').map(str::trim).any(|h| {
        matches!(
            h,
            "pre-install" | "pre-upgrade" | "post-install" | "post-upgrade"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{ChartLocation, ChartRequest};
    use kubake_yaml::load_one;

    fn doc(source: &str, text: &str) -> RenderedDocument {
        RenderedDocument::new(source, text)
    }

    fn job(post: &str) -> ChartJob {
        let mut request = ChartRequest::new(ChartLocation::Directory("/c".into()), "r", "ns");
        request.include_crds = true;
        ChartJob {
            request,
            post_renderers: object::seq(
                &load_one(post, Schema::Core12).unwrap_or_else(|_| Node::null()),
                &[],
            )
            .to_vec(),
            file: Some("hr.yaml".into()),
        }
    }

    #[test]
    fn output_reads_as_yaml_1_1() {
        let objs = parse(&mut doc(
            "c/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: yes}\n---\n# empty\n",
        ));
        let objs = objs.unwrap_or_default();
        assert_eq!(objs.len(), 1);
        assert_eq!(
            objs[0]
                .node
                .get_path(&["data", "x"])
                .map(|n| n.value.clone()),
            Some(Value::Bool(true))
        );
        assert!(parse(&mut doc("c/templates/x.yaml", "a: b\n")).is_err());
    }

    #[test]
    fn post_renderers_patch_templates_only() {
        let j = job("- images: [{name: nginx, newTag: '2'}]\n  patches:\n  - patch: |\n      - op: add\n        path: /metadata/labels\n        value: {p: 'y'}\n    target: {kind: Deployment}\n");
        let mut rendered = RenderedChart {
            crds: vec![doc("c/crds/a.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: a.b}\n")],
            manifests: vec![doc("c/templates/d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: [{name: n, image: nginx}]}}}\n")],
            hooks: vec![doc("c/templates/h.yaml", "apiVersion: batch/v1\nkind: Job\nmetadata: {name: h, annotations: {helm.sh/hook: post-install}}\n")],
            warnings: Vec::new(),
            api_reads: Default::default(),
        };
        let objs = objects(&j, &mut rendered).unwrap_or_default();
        assert_eq!(objs.len(), 3);
        let d = objs
            .iter()
            .find(|b| object::kind(&b.node) == "Deployment")
            .map(|b| b.node.clone());
        let d = d.unwrap_or_else(Node::null);
        assert_eq!(object::label(&d, "p"), Some("y"));
        assert_eq!(
            d.get_path(&["spec", "template", "spec", "containers"])
                .and_then(Node::as_seq)
                .and_then(|c| c[0].str_at(&["image"])),
            Some("nginx:2")
        );
    }

    #[test]
    fn argo_hook_rules() {
        let o = |a: &str| {
            load_one(
                &format!("kind: Pod\nmetadata: {{name: p, annotations: {{{a}}}}}\n"),
                Schema::Core12,
            )
            .unwrap_or_else(|_| Node::null())
        };
        assert!(argo_drops_hook(&o("helm.sh/hook: test")));
        assert!(!argo_drops_hook(&o("helm.sh/hook: 'test,post-install'")));
        assert!(!argo_drops_hook(&o(
            "helm.sh/hook: test, argocd.argoproj.io/hook: Sync"
        )));
        assert!(!argo_drops_hook(&o("x: y")));
    }
}
