//! The bundle's bytes depend on the inputs only: not on the run, the thread count, the
//! path the repository is checked out at, or the order files were created in (directory
//! listing order).

mod common;

use std::path::{Path, PathBuf};

use common::{fixture_copy, EchoRenderer};
use kubake_bundle::{build, BuildOptions};

const FIXTURES: [(&str, &str); 2] = [
    ("flux-garage", "clusters/garage"),
    ("argo-attic", "bootstrap/root.yaml"),
];

fn build_bundle(
    repo: &Path,
    charts: &Path,
    entry: &str,
    out: &Path,
    threads: usize,
) -> (Vec<(String, Vec<u8>)>, String) {
    let opts = BuildOptions {
        gitops: kubake_gitops::Options {
            entry: repo.join(entry).to_string_lossy().into_owned(),
            root: Some(repo.to_path_buf()),
            charts: vec![charts.to_path_buf()],
            ..Default::default()
        },
        out: out.to_path_buf(),
        threads: Some(threads),
        ..BuildOptions::default()
    };
    let report = match build(&opts, &EchoRenderer) {
        Ok(r) => r,
        Err(e) => panic!("build failed: {e}"),
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(out)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    let files = paths
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, std::fs::read(&p).unwrap_or_default())
        })
        .collect();
    (files, report.root_hash)
}

#[test]
fn twice_and_with_one_or_eight_threads() {
    for (name, entry) in FIXTURES {
        let copy = fixture_copy(name, &format!("det-threads-{name}"), false);
        let (repo, charts, base) = (&copy.repo, &copy.charts, &copy.dir);
        let a = build_bundle(repo, charts, entry, &base.join("out-a"), 1);
        let b = build_bundle(repo, charts, entry, &base.join("out-b"), 8);
        let c = build_bundle(repo, charts, entry, &base.join("out-a"), 8);
        assert!(!a.0.is_empty());
        assert_eq!(a, b, "{name}: 1 thread vs 8 threads");
        assert_eq!(a, c, "{name}: second build");
    }
}

#[test]
fn copies_at_other_paths_created_in_reverse_order() {
    for (name, entry) in FIXTURES {
        let one = fixture_copy(name, &format!("det-a-{name}"), false);
        let two = fixture_copy(name, &format!("det-b-long-other-path-{name}"), true);
        let a = build_bundle(&one.repo, &one.charts, entry, &one.dir.join("out"), 4);
        let b = build_bundle(&two.repo, &two.charts, entry, &two.dir.join("bundle"), 4);
        assert_eq!(a, b, "{name}: two checkouts");
        assert_eq!(
            std::fs::read(one.repo.join("kubake.lock")).ok(),
            std::fs::read(two.repo.join("kubake.lock")).ok(),
            "{name}: lock files"
        );
    }
}
