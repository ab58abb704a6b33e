//! The on-disk cache as a user meets it: an unchanged repository builds from the cache
//! without rendering anything, a one-file change renders only the chart it affects, and
//! every cached build is byte-for-byte the build it stands for.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use common::{fixture_copy, EchoRenderer};
use kubake_bundle::{build, check, BuildOptions, Store};
use kubake_gitops::render::{ChartRenderer, ChartRequest, RenderError, RenderedChart};

/// [`EchoRenderer`] counting its renders and naming the releases rendered.
#[derive(Default)]
struct Counting(AtomicUsize, Mutex<BTreeSet<String>>);

impl ChartRenderer for Counting {
    fn render(&self, req: &ChartRequest) -> Result<RenderedChart, RenderError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut names) = self.1.lock() {
            names.insert(req.release_name.clone());
        }
        EchoRenderer.render(req)
    }
}

fn options(copy: &common::Copy, out: &Path) -> BuildOptions {
    BuildOptions {
        cache: Some(Store::new(copy.dir.join("cache"))),
        renderer_settings: "test".into(),
        ..common::garage_options(copy, out)
    }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("bundle folder")
        .filter_map(Result::ok)
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("readable");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn unchanged_inputs_reuse_the_build_and_one_change_renders_one_chart() {
    let copy = fixture_copy("flux-garage", "cache", false);
    let out = copy.dir.join("out");
    let renderer = Counting::default();
    let opts = options(&copy, &out);

    let cold = build(&opts, &renderer).expect("builds");
    let charts = renderer.0.load(Ordering::Relaxed);
    assert!(charts >= 2, "flux-garage renders several charts");
    assert!(!cold.cache.build_reused);
    assert_eq!(cold.cache.charts_rendered, charts);
    let cold_files = files(&out);

    // Nothing changed: the whole build comes from the cache, identical.
    let warm = build(&opts, &renderer).expect("builds");
    assert!(warm.cache.build_reused);
    assert_eq!(renderer.0.load(Ordering::Relaxed), charts);
    assert_eq!(files(&out), cold_files);
    assert_eq!(warm.root_hash, cold.root_hash);
    assert_eq!(
        (warm.units, warm.objects, &warm.warnings),
        (cold.units, cold.objects, &cold.warnings)
    );
    let report = check(&opts, &renderer).expect("checks");
    assert!(report.is_current() && report.cache.build_reused);

    // A file no unit reads still changes the key: the build runs, every chart reused.
    std::fs::write(copy.repo.join("NOTES.md"), "notes\n").expect("writable");
    let again = build(&opts, &renderer).expect("builds");
    assert!(!again.cache.build_reused);
    assert_eq!(
        (again.cache.charts_rendered, again.cache.charts_reused),
        (0, charts)
    );
    assert_eq!(files(&out), cold_files);

    // One HelmRelease's values change: only its chart renders, only its file changes.
    let release = copy.repo.join("infra/controllers/widgets/release.yaml");
    let text = std::fs::read_to_string(&release).expect("fixture");
    std::fs::write(&release, text.replace("replicas: 1", "replicas: 3")).expect("writable");
    let before = renderer.0.load(Ordering::Relaxed);
    renderer.1.lock().expect("not poisoned").clear();
    let stale = check(&opts, &renderer).expect("checks");
    assert_eq!(stale.stale.len(), 2, "{stale:?}"); // the release's file and index.json
    assert!(stale
        .stale
        .iter()
        .any(|c| c.path.contains("widget-operator")));
    // It renders twice (before and after the repository's CRD versions are known;
    // EchoRenderer cannot tell what it read of them); the others come from the cache.
    let rendered = renderer.0.load(Ordering::Relaxed) - before;
    assert_eq!(stale.cache.charts_rendered, rendered);
    assert_eq!(
        stale.cache.charts_rendered + stale.cache.charts_reused,
        charts
    );
    assert_eq!(
        *renderer.1.lock().expect("not poisoned"),
        BTreeSet::from(["widget-operator".to_string()])
    );
    // The check kept what it compiled: the build after it renders nothing.
    let changed = build(&opts, &renderer).expect("builds");
    assert!(changed.cache.build_reused);
    assert_eq!(renderer.0.load(Ordering::Relaxed), before + rendered);

    // The cached bundle is exactly the uncached one.
    let uncached_out = copy.dir.join("uncached");
    let uncached = BuildOptions {
        cache: None,
        ..options(&copy, &uncached_out)
    };
    build(&uncached, &renderer).expect("builds");
    assert_eq!(files(&out), files(&uncached_out));
}

#[test]
fn concurrent_builds_share_one_cache() {
    let copy = fixture_copy("flux-garage", "cache-concurrent", false);
    let renderer = Counting::default();
    let outs: Vec<std::path::PathBuf> = (0..4).map(|i| copy.dir.join(format!("out{i}"))).collect();
    // Twice: the first round races to fill the cache, the second races to read it.
    for round in 0..2 {
        std::thread::scope(|s| {
            for out in &outs {
                let opts = options(&copy, out);
                let renderer = &renderer;
                s.spawn(move || {
                    let report = build(&opts, renderer).expect("builds");
                    if round == 1 {
                        assert!(report.cache.build_reused, "{report:?}");
                    }
                });
            }
        });
    }
    let first = files(&outs[0]);
    for out in &outs[1..] {
        assert_eq!(files(out), first);
    }
    let uncached = copy.dir.join("uncached");
    build(
        &BuildOptions {
            cache: None,
            ..options(&copy, &uncached)
        },
        &renderer,
    )
    .expect("builds");
    assert_eq!(files(&uncached), first);
    // No temporary file is left in the cache.
    let tmp = copy.dir.join("cache/tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp)
        .map(|rd| rd.filter_map(Result::ok).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}
