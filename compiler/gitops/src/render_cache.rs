//! Chart renders remembered across builds: [`CachingRenderer`] wraps a [`ChartRenderer`]
//! and keeps every successful render in kubake's on-disk cache, under a key of all the
//! render depends on: the chart's bytes (the archive, or every file of a chart
//! directory), every field of the [`ChartRequest`] (values, release, namespace, flags,
//! kube and API versions), the wrapped renderer's settings (the random seed) and
//! kubake's own identity. A repository where one file changed renders again only the
//! charts whose requests changed.
//!
//! A render is a pure function of that key (the `ChartRenderer` contract), so a hit is
//! exactly what rendering would give, the warnings and what the templates read of the
//! API versions included. Failures are not kept: they render again, and say so again.
//!
//! Not here: the store itself (kubake-cache) or which requests a build makes.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use kubake_cache::{digest, Key, Store};
use serde_json::{json, Value as Json};

use crate::render::{
    ApiReads, ChartLocation, ChartRenderer, ChartRequest, RenderError, RenderedChart,
    RenderedDocument,
};

/// The cache domain of chart renders; bump the suffix when the encoding changes.
const DOMAIN: &str = "render-v1";

/// A renderer that asks the cache first.
pub struct CachingRenderer<'a> {
    inner: &'a dyn ChartRenderer,
    store: Store,
    salt: String,
    charts: Mutex<HashMap<ChartLocation, Option<blake3::Hash>>>,
    rendered: AtomicUsize,
    reused: AtomicUsize,
}

/// How many renders a [`CachingRenderer`] did and how many it found in the cache.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderCounts {
    /// Charts rendered.
    pub rendered: usize,
    /// Renders taken from the cache.
    pub reused: usize,
}

impl<'a> CachingRenderer<'a> {
    /// `inner` behind the cache `store`. `settings` describes everything about `inner`
    /// that changes its output and is not in the request (its random seed).
    pub fn new(inner: &'a dyn ChartRenderer, store: Store, settings: &str) -> Self {
        CachingRenderer {
            inner,
            store,
            salt: format!("{}\n{settings}", kubake_cache::kubake_identity()),
            charts: Mutex::new(HashMap::new()),
            rendered: AtomicUsize::new(0),
            reused: AtomicUsize::new(0),
        }
    }

    /// Renders done and reused so far.
    pub fn counts(&self) -> RenderCounts {
        RenderCounts {
            rendered: self.rendered.load(Ordering::Relaxed),
            reused: self.reused.load(Ordering::Relaxed),
        }
    }

    /// The digest of the chart's bytes, computed once per location per build.
    fn chart_digest(&self, chart: &ChartLocation) -> Option<blake3::Hash> {
        if let Some(d) = self.charts.lock().ok().and_then(|m| m.get(chart).copied()) {
            return d;
        }
        let d = fresh_digest(chart);
        if let Ok(mut m) = self.charts.lock() {
            m.insert(chart.clone(), d);
        }
        d
    }

    /// The key of `req`, or `None` when the chart cannot be read (the renderer will say
    /// why).
    fn key(&self, req: &ChartRequest) -> Option<String> {
        let chart = self.chart_digest(&req.chart)?;
        let mut k = Key::new(DOMAIN);
        k.str(&self.salt)
            .str(match req.chart {
                ChartLocation::Archive(_) => "archive",
                ChartLocation::Directory(_) => "directory",
            })
            .digest(&chart)
            .str(&req.chart_name)
            .str(&req.chart_version)
            .str(&req.release_name)
            .str(&req.namespace)
            .str(&serde_json::to_string(&req.values).ok()?)
            .str(&req.chart_values_files.join("\n"))
            .flag(req.ignore_missing_values_files)
            .flag(req.include_crds)
            .flag(req.skip_tests)
            .flag(req.skip_schema_validation)
            .str(&req.kube_version)
            .str(&req.api_versions.join("\n"))
            .flag(req.is_upgrade);
        Some(k.finish())
    }
}

impl ChartRenderer for CachingRenderer<'_> {
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
        let key = self.key(req);
        if let Some(hit) = key
            .as_deref()
            .and_then(|k| self.store.get(DOMAIN, k))
            .and_then(|bytes| decode(&bytes))
        {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return Ok(hit);
        }
        let rendered = self.inner.render(req)?;
        self.rendered.fetch_add(1, Ordering::Relaxed);
        // Kept only when the chart did not change while it rendered (the render may
        // have read either version).
        let before = self.chart_digest(&req.chart);
        if let (Some(k), true) = (key, before.is_some() && fresh_digest(&req.chart) == before) {
            self.store.put(DOMAIN, &k, encode(&rendered).as_bytes());
        }
        Ok(rendered)
    }
}

/// The digest of the chart's bytes as they are now.
fn fresh_digest(chart: &ChartLocation) -> Option<blake3::Hash> {
    match chart {
        ChartLocation::Archive(p) => digest::file(p).ok(),
        ChartLocation::Directory(p) => digest::tree(p, &[]).ok(),
    }
}

fn encode(r: &RenderedChart) -> String {
    let docs =
        |d: &[RenderedDocument]| -> Json { d.iter().map(|d| json!([d.source, d.text])).collect() };
    json!({
        "crds": docs(&r.crds),
        "manifests": docs(&r.manifests),
        "hooks": docs(&r.hooks),
        "warnings": r.warnings,
        "api_reads": r.api_reads.known(),
    })
    .to_string()
}

/// The render an entry holds; `None` for anything malformed (a miss).
fn decode(bytes: &[u8]) -> Option<RenderedChart> {
    let v: Json = serde_json::from_slice(bytes).ok()?;
    let docs = |field: &str| -> Option<Vec<RenderedDocument>> {
        v.get(field)?
            .as_array()?
            .iter()
            .map(|d| {
                Some(RenderedDocument::new(
                    d.get(0)?.as_str()?,
                    d.get(1)?.as_str()?,
                ))
            })
            .collect()
    };
    let warnings = v
        .get("warnings")?
        .as_array()?
        .iter()
        .map(|w| w.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()?;
    let api_reads = match v.get("api_reads")? {
        Json::Null => ApiReads::default(),
        Json::Object(m) => ApiReads::answers(
            m.iter()
                .map(|(k, a)| Some((k.clone(), a.as_bool()?)))
                .collect::<Option<BTreeMap<_, _>>>()?,
        ),
        _ => return None,
    };
    Some(RenderedChart {
        crds: docs("crds")?,
        manifests: docs("manifests")?,
        hooks: docs("hooks")?,
        warnings,
        api_reads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a fixed output and counts its calls.
    struct Counting(AtomicUsize);

    impl ChartRenderer for Counting {
        fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            if req.release_name == "broken" {
                return Err(RenderError::new("broken"));
            }
            Ok(RenderedChart {
                manifests: vec![RenderedDocument::new(
                    "c/templates/cm.yaml",
                    format!("kind: ConfigMap # {}\n", req.release_name),
                )],
                warnings: vec!["deprecated".into()],
                api_reads: ApiReads::answers(BTreeMap::from([("a/v1".into(), false)])),
                ..RenderedChart::default()
            })
        }
    }

    fn setup(name: &str) -> (std::path::PathBuf, ChartLocation) {
        let dir = std::env::temp_dir().join(format!("kubake-rcache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("chart")).unwrap();
        std::fs::write(dir.join("chart/Chart.yaml"), "name: c\n").unwrap();
        (dir.clone(), ChartLocation::Directory(dir.join("chart")))
    }

    #[test]
    fn a_render_is_reused_until_an_input_changes() {
        let (dir, chart) = setup("reuse");
        let inner = Counting(AtomicUsize::new(0));
        let store = Store::new(dir.join("cache"));
        let req = ChartRequest::new(chart, "web", "apps");
        let first = CachingRenderer::new(&inner, store.clone(), "seed")
            .render(&req)
            .unwrap();
        // A new build (a new CachingRenderer) finds it.
        let again = CachingRenderer::new(&inner, store.clone(), "seed");
        let second = again.render(&req).unwrap();
        assert_eq!(second, first);
        assert_eq!(second.warnings, ["deprecated"]);
        assert!(second.api_reads.unchanged_with(&[]));
        assert!(!second.api_reads.unchanged_with(&["a/v1".into()]));
        assert_eq!(
            again.counts(),
            RenderCounts {
                rendered: 0,
                reused: 1
            }
        );
        assert_eq!(inner.0.load(Ordering::Relaxed), 1);
        // Values, the chart's files and the renderer's settings are all inputs.
        let mut other = req.clone();
        other.values.insert("replicas".into(), json!(2));
        again.render(&other).unwrap();
        CachingRenderer::new(&inner, store.clone(), "other seed")
            .render(&req)
            .unwrap();
        std::fs::write(dir.join("chart/values.yaml"), "a: 1\n").unwrap();
        CachingRenderer::new(&inner, store, "seed")
            .render(&req)
            .unwrap();
        assert_eq!(inner.0.load(Ordering::Relaxed), 4);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn failures_are_not_kept() {
        let (dir, chart) = setup("fail");
        let inner = Counting(AtomicUsize::new(0));
        let r = CachingRenderer::new(&inner, Store::new(dir.join("cache")), "");
        let req = ChartRequest::new(chart, "broken", "apps");
        assert!(r.render(&req).is_err());
        assert!(r.render(&req).is_err());
        assert_eq!(inner.0.load(Ordering::Relaxed), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
