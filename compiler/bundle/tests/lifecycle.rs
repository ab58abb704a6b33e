//! A bundle's life: a failed build leaves the previous bundle untouched; `kubake.lock`
//! is written when resolution changes and `--locked` refuses the change.

mod common;

use std::path::Path;

use common::{fixture_copy, EchoRenderer};
use kubake_bundle::{build, BuildOptions, Error};

fn opts(repo: &Path, charts: &Path, out: &Path, locked: bool) -> BuildOptions {
    BuildOptions {
        gitops: kubake_gitops::Options {
            entry: repo.join("clusters/garage").to_string_lossy().into_owned(),
            root: Some(repo.to_path_buf()),
            charts: vec![charts.to_path_buf()],
            locked,
            ..Default::default()
        },
        out: out.to_path_buf(),
        threads: Some(2),
        ..BuildOptions::default()
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_failed_build_leaves_the_previous_bundle() {
    let copy = fixture_copy("flux-garage", "life-fail", false);
    let (repo, charts, out) = (&copy.repo, &copy.charts, copy.dir.join("out"));
    assert!(build(&opts(repo, charts, &out, false), &EchoRenderer).is_ok());
    let before = snapshot(&out);
    assert!(!before.is_empty());
    let _ = std::fs::write(
        repo.join("apps/base/notes/service.yaml"),
        "kind: Service\nmetadata: [broken\n",
    );
    let r = build(&opts(repo, charts, &out, false), &EchoRenderer);
    assert!(matches!(r, Err(Error::Compile(_))), "{r:?}");
    assert_eq!(snapshot(&out), before);
}

#[test]
fn the_lock_file_records_and_guards_resolution() {
    let copy = fixture_copy("flux-garage", "life-lock", false);
    let (repo, charts, out) = (&copy.repo, &copy.charts, copy.dir.join("out"));
    assert!(
        build(&opts(repo, charts, &out, true), &EchoRenderer).is_err(),
        "--locked without a lock file"
    );
    let first = build(&opts(repo, charts, &out, false), &EchoRenderer);
    assert!(first.as_ref().is_ok_and(|r| r.lock_written), "{first:?}");
    let lock = std::fs::read_to_string(repo.join("kubake.lock")).unwrap_or_default();
    assert!(
        lock.contains("- name: garage-app\n  version: 1.2.0\n"),
        "{lock}"
    );
    assert!(
        lock.contains("- name: widget-operator\n  version: 0.4.2\n"),
        "{lock}"
    );
    let again = build(&opts(repo, charts, &out, true), &EchoRenderer);
    assert!(again.as_ref().is_ok_and(|r| !r.lock_written), "{again:?}");

    // A newer chart in the store changes resolution of the `1.x` range.
    let newer = charts.join("garage-app-newer");
    let _ = std::fs::create_dir_all(&newer);
    let _ = std::fs::write(
        newer.join("Chart.yaml"),
        "apiVersion: v2\nname: garage-app\nversion: 1.3.0\n",
    );
    let before = snapshot(&out);
    match build(&opts(repo, charts, &out, true), &EchoRenderer) {
        Err(Error::Compile(errs)) => {
            let text = errs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                text.contains("+ garage-app 1.3.0") && text.contains("- garage-app 1.2.0"),
                "{text}"
            );
        }
        other => panic!("expected a lock error, got {other:?}"),
    }
    assert_eq!(snapshot(&out), before);
    let updated = build(&opts(repo, charts, &out, false), &EchoRenderer);
    assert!(updated.is_ok_and(|r| r.lock_written));
    let lock = std::fs::read_to_string(repo.join("kubake.lock")).unwrap_or_default();
    assert!(lock.contains("version: 1.3.0"), "{lock}");
}
