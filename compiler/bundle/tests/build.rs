//! Builds kubake's own fixture repositories (`fixtures/gitops/`) into bundles, with
//! [`EchoRenderer`](common::EchoRenderer) standing in for Helm, and checks them: the
//! whole bundle as a snapshot (`tests/snapshots/`), and the rules that matter most as
//! assertions of their own (so a careless snapshot update cannot hide a regression).

mod common;

use std::path::Path;

use common::{fixture_copy, EchoRenderer};
use kubake_bundle::{build, BuildOptions, BuildReport};
use kubake_gitops::render::{ChartRenderer, ChartRequest, RenderError, RenderedChart};
use kubake_yaml::{Node, Schema};

fn build_fixture(
    name: &str,
    entry: &str,
    tag: &str,
) -> (BuildReport, std::path::PathBuf, common::Copy) {
    let copy = fixture_copy(name, tag, false);
    let (repo, charts) = (copy.repo.clone(), copy.charts.clone());
    let out = copy.dir.join("out");
    let opts = BuildOptions {
        gitops: kubake_gitops::Options {
            entry: repo.join(entry).to_string_lossy().into_owned(),
            root: Some(repo.clone()),
            charts: vec![charts],
            ..Default::default()
        },
        out: out.clone(),
        threads: Some(2),
        ..BuildOptions::default()
    };
    match build(&opts, &EchoRenderer) {
        Ok(r) => (r, out, copy),
        Err(e) => panic!("{name} did not build: {e}"),
    }
}

/// Every file of a bundle, each under a `=== path` header.
fn bundle_text(out: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(out)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut text = String::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        text.push_str(&format!("=== {name}\n"));
        text.push_str(&std::fs::read_to_string(&f).unwrap_or_default());
    }
    text
}

fn docs(out: &Path, file: &str) -> Vec<Node> {
    let text = std::fs::read_to_string(out.join(file)).unwrap_or_default();
    kubake_yaml::load_stream(&text, Schema::Yaml11).unwrap_or_default()
}

fn find<'a>(docs: &'a [Node], kind: &str, name: &str) -> Option<&'a Node> {
    docs.iter().find(|d| {
        d.str_at(&["kind"]) == Some(kind) && d.str_at(&["metadata", "name"]) == Some(name)
    })
}

#[test]
fn flux_garage() {
    let (report, out, _copy) = build_fixture("flux-garage", "clusters/garage", "flux");
    assert_eq!(report.units, 8);
    assert_eq!(report.suspended.len(), 1);
    assert!(report.lock_written);

    let apps = docs(&out, "03-kustomization-flux-system-apps.yaml");
    // targetNamespace, namePrefix, images, components, commonMetadata, substitution
    let notes = find(&apps, "Deployment", "g-notes")
        .cloned()
        .unwrap_or_else(Node::null);
    assert_eq!(notes.str_at(&["metadata", "namespace"]), Some("garage"));
    assert_eq!(
        notes
            .get_path(&["spec", "replicas"])
            .map(|r| r.value.clone()),
        Some(kubake_yaml::Value::Int(2))
    );
    let container = notes
        .get_path(&["spec", "template", "spec", "containers"])
        .and_then(Node::as_seq)
        .and_then(|c| c.first())
        .cloned()
        .unwrap_or_else(Node::null);
    assert_eq!(
        container.str_at(&["image"]),
        Some("ghcr.io/example/notes:2.4.1")
    );
    assert!(container.get("readinessProbe").is_some());
    assert_eq!(
        kubake_gitops::object::label(&notes, "garage.lan/owner"),
        Some("ops")
    );
    let alerting = find(&apps, "ConfigMap", "g-alerting")
        .cloned()
        .unwrap_or_else(Node::null);
    assert!(alerting
        .get_path(&["data", "channel"])
        .is_some_and(Node::is_null));
    assert_eq!(
        alerting.str_at(&["data", "cost"]),
        Some("billed to ${COST_CENTER}")
    );
    let dashboards = find(&apps, "ConfigMap", "g-dashboards")
        .cloned()
        .unwrap_or_else(Node::null);
    assert!(dashboards
        .str_at(&["data", "notes.json"])
        .is_some_and(|t| t.contains("${CLUSTER}")));
    let sops = find(&apps, "Secret", "g-backup-credentials")
        .cloned()
        .unwrap_or_else(Node::null);
    assert_eq!(
        sops.str_at(&["sops", "lastmodified"]),
        Some("2025-03-01T08:00:00Z")
    );
    // compiled away: the HelmReleases are not in the file
    assert!(find(&apps, "HelmRelease", "g-pastebin").is_none());

    // a cluster-scoped custom kind (its CRD comes from a chart) loses its namespace
    let configs = docs(&out, "02-kustomization-flux-system-infra-configs.yaml");
    let pool = find(&configs, "WidgetPool", "garage-pool")
        .cloned()
        .unwrap_or_else(Node::null);
    assert_eq!(pool.get_path(&["metadata", "namespace"]), None);

    // the chart unit: release name from targetNamespace, post-renderer, release namespace
    let paste = docs(&out, "04-helmrelease-garage-g-pastebin.yaml");
    let d = find(&paste, "Deployment", "garage-web-g-pastebin")
        .cloned()
        .unwrap_or_else(Node::null);
    assert_eq!(d.str_at(&["metadata", "namespace"]), Some("garage-web"));
    assert_eq!(
        kubake_gitops::object::label(&d, "garage.lan/post-rendered"),
        Some("yes")
    );
    let echo = find(&paste, "ConfigMap", "garage-web-g-pastebin-echo")
        .cloned()
        .unwrap_or_else(Node::null);
    let values = echo.str_at(&["data", "values"]).unwrap_or("");
    assert!(
        values.contains("\"replicas\":2.0") && values.contains("paste.garage.lan"),
        "{values}"
    );
    // charts render with the API versions of every CRD of the repository
    assert!(echo
        .str_at(&["data", "apiVersions"])
        .is_some_and(|a| a.contains("widgets.garage.lan/v1/WidgetPool")));

    insta::assert_snapshot!("flux-garage", bundle_text(&out));
}

/// [`EchoRenderer`] that counts its renders and says what they read of the API
/// versions: nothing that more versions would change (`unchanged`), or unknown.
struct CountingRenderer {
    calls: std::sync::atomic::AtomicUsize,
    unchanged: bool,
}

impl ChartRenderer for CountingRenderer {
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut rendered = EchoRenderer.render(req)?;
        if self.unchanged {
            rendered.api_reads = kubake_gitops::render::ApiReads::answers(Default::default());
        }
        Ok(rendered)
    }
}

#[test]
fn charts_render_again_for_new_api_versions_only_when_their_reads_change() {
    let renders = |unchanged: bool| {
        let copy = fixture_copy("flux-garage", &format!("reads-{unchanged}"), false);
        let renderer = CountingRenderer {
            calls: Default::default(),
            unchanged,
        };
        let opts = common::garage_options(&copy, &copy.dir.join("out"));
        let report = build(&opts, &renderer).expect("builds");
        (renderer.calls.into_inner(), report)
    };
    let (unknown, _) = renders(false);
    let (unchanged, _) = renders(true);
    // flux-garage installs a CRD, so the first renders miss its API version: renders
    // whose reads are unknown run again, the others do not.
    assert!(unchanged < unknown, "{unchanged} renders vs {unknown}");
}

#[test]
fn argo_attic() {
    let (report, out, _copy) = build_fixture("argo-attic", "bootstrap/root.yaml", "argo");
    assert_eq!(report.units, 6);
    let dns = docs(&out, "01-application-argocd-dns.yaml");
    assert!(find(&dns, "ConfigMap", "zones").is_some());
    assert!(find(&dns, "ConfigMap", "blocklist").is_some());
    assert!(find(&dns, "ConfigMap", "should-not-appear").is_none());
    assert!(find(&dns, "ConfigMap", "legacy-should-not-appear").is_none());
    assert_eq!(
        find(&dns, "ConfigMap", "zones").and_then(|z| z.str_at(&["metadata", "namespace"])),
        Some("dns")
    );
    let dash = docs(&out, "03-application-argocd-dashboard.yaml");
    assert!(
        find(&dash, "Pod", "dash-test").is_none(),
        "Argo CD drops test hooks"
    );
    assert!(find(&dash, "Job", "dash-migrate").is_some());
    let values = find(&dash, "ConfigMap", "dash-echo")
        .and_then(|c| c.str_at(&["data", "values"]))
        .unwrap_or("")
        .to_string();
    assert!(
        values.contains("\"replicas\":2,") && values.contains("\"theme\":\"dark\""),
        "{values}"
    );
    assert!(
        values.contains("\"attic.lan/version\":\"2\"") && !values.contains("ignored"),
        "{values}"
    );
    assert!(out.join("03-application-argocd-cyberchef.yaml").is_file());
    insta::assert_snapshot!("argo-attic", bundle_text(&out));
}

#[test]
fn progress_is_reported_until_every_unit_is_done() {
    let copy = fixture_copy("flux-garage", "progress", false);
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        kubake_bundle::ProgressSink(std::sync::Arc::new(
            move |p: &kubake_gitops::BuildProgress| {
                events.lock().expect("not poisoned").push(p.clone());
            },
        ))
    };
    let opts = BuildOptions {
        progress: Some(sink),
        ..common::garage_options(&copy, &copy.dir.join("out"))
    };
    let report = build(&opts, &EchoRenderer).expect("builds");
    let events = events.lock().expect("not poisoned");
    assert!(events.len() >= 3, "{events:?}");
    assert!(events.iter().all(|e| e.done <= e.total));
    assert!(events
        .iter()
        .any(|e| e.current.starts_with("rendering charts of")));
    let last = events.last().expect("events");
    assert_eq!((last.done, last.total), (report.units, report.units));
    assert_eq!(last.current, "assembling the bundle");
}
