//! Loading untrusted charts: every bad archive or directory is built here, and each must
//! fail with a clear error, quickly and in bounded memory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use flate2::write::GzEncoder;
use kubake_chart::{load_chart, load_chart_with, ErrorKind, Limits};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kubake-chart-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: c\nversion: 1.0.0\n";

/// One archive entry: a raw name (written into the header as is, so `..` and absolute
/// paths get through), a type and contents (`None`: a header claiming `size` bytes of
/// zeros, streamed without building them in memory first).
struct Entry<'a> {
    name: &'a str,
    kind: tar::EntryType,
    data: &'a [u8],
    zeros: u64,
    link: &'a str,
}

fn file<'a>(name: &'a str, data: &'a [u8]) -> Entry<'a> {
    Entry {
        name,
        kind: tar::EntryType::Regular,
        data,
        zeros: 0,
        link: "",
    }
}

fn tgz(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for e in entries {
        let mut header = tar::Header::new_gnu();
        {
            let raw = header.as_mut_bytes();
            raw[..100].fill(0);
            raw[..e.name.len()].copy_from_slice(e.name.as_bytes());
        }
        header.set_entry_type(e.kind);
        header.set_mode(0o644);
        let size = if e.zeros > 0 {
            e.zeros
        } else {
            e.data.len() as u64
        };
        header.set_size(size);
        if !e.link.is_empty() {
            header.set_link_name(e.link).unwrap();
        }
        header.set_cksum();
        gz.write_all(header.as_bytes()).unwrap();
        if e.zeros > 0 {
            let chunk = vec![0u8; 1 << 16];
            let mut left = e.zeros;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                gz.write_all(&chunk[..n]).unwrap();
                left -= n as u64;
            }
        } else {
            gz.write_all(e.data).unwrap();
        }
        let pad = (512 - (size % 512) as usize) % 512;
        gz.write_all(&vec![0u8; pad]).unwrap();
    }
    gz.write_all(&[0u8; 1024]).unwrap();
    gz.finish().unwrap()
}

fn load_tgz(bytes: &[u8], limits: &Limits) -> Result<kubake_chart::Chart, kubake_chart::Error> {
    let s = Scratch::new();
    let p = s.write("c-1.0.0.tgz", bytes);
    load_chart_with(&p, limits, &mut Vec::new())
}

fn err_of(bytes: &[u8]) -> kubake_chart::Error {
    load_tgz(bytes, &Limits::default()).unwrap_err()
}

#[test]
fn a_good_archive_loads() {
    let bytes = tgz(&[
        file("c/Chart.yaml", CHART_YAML),
        file("c/values.yaml", b"a: 1\n"),
        file("c/templates/x.yaml", b"kind: X\n"),
        file("c/crds/crd.yaml", b"kind: CRD\n"),
    ]);
    let chart = load_tgz(&bytes, &Limits::default()).unwrap();
    assert_eq!(chart.name(), "c");
    assert_eq!(chart.templates[0].name, "templates/x.yaml");
    assert_eq!(chart.crds().count(), 1);
}

#[test]
fn archive_paths_cannot_escape() {
    let cases: [(&str, &str); 4] = [
        (
            "c/../../etc/passwd",
            "chart illegally references parent directory",
        ),
        ("c//etc/passwd", "chart illegally contains absolute paths"),
        (
            "c",
            "chart illegally contains content outside the base directory: \"c\"",
        ),
        ("Chart.yaml/x", "chart yaml not in base directory"),
    ];
    for (name, want) in cases {
        let bytes = tgz(&[file("c/Chart.yaml", CHART_YAML), file(name, b"x")]);
        assert_eq!(err_of(&bytes).to_string(), want, "{name}");
    }
}

#[test]
fn archive_links_are_refused() {
    for kind in [tar::EntryType::Symlink, tar::EntryType::Link] {
        let bytes = tgz(&[
            file("c/Chart.yaml", CHART_YAML),
            Entry {
                name: "c/templates/evil.yaml",
                kind,
                data: b"",
                zeros: 0,
                link: "/etc/passwd",
            },
        ]);
        let e = err_of(&bytes);
        assert_eq!(e.kind(), ErrorKind::Unsafe);
        assert!(e.to_string().contains("is a link"), "{e}");
    }
}

#[test]
fn oversized_file_is_refused() {
    let bytes = tgz(&[
        file("c/Chart.yaml", CHART_YAML),
        Entry {
            name: "c/big.bin",
            kind: tar::EntryType::Regular,
            data: b"",
            zeros: 6 * 1024 * 1024,
            link: "",
        },
    ]);
    assert_eq!(
        err_of(&bytes).to_string(),
        "decompressed chart file \"c/big.bin\" is larger than the maximum file size 5242880"
    );
}

#[test]
fn decompression_bomb_stops_at_the_chart_limit() {
    let limits = Limits {
        max_chart_size: 1 << 20,
        max_file_size: 512 * 1024,
        ..Limits::default()
    };
    let entries: Vec<String> = (0..8).map(|i| format!("c/f{i}.bin")).collect();
    let mut list = vec![file("c/Chart.yaml", CHART_YAML)];
    for name in &entries {
        list.push(Entry {
            name,
            kind: tar::EntryType::Regular,
            data: b"",
            zeros: 400 * 1024,
            link: "",
        });
    }
    let bytes = tgz(&list);
    assert!(
        bytes.len() < 64 * 1024,
        "the bomb is small: {}",
        bytes.len()
    );
    let e = load_tgz(&bytes, &limits).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        e.to_string(),
        "decompressed chart is larger than the maximum file size 1048576"
    );
}

#[test]
fn endless_empty_entries_are_bounded() {
    let limits = Limits {
        max_files: 100,
        ..Limits::default()
    };
    let names: Vec<String> = (0..200).map(|i| format!("c/e{i}")).collect();
    let mut list = vec![file("c/Chart.yaml", CHART_YAML)];
    list.extend(names.iter().map(|n| file(n, b"")));
    let e = load_tgz(&tgz(&list), &limits).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
}

#[test]
fn not_an_archive() {
    let s = Scratch::new();
    let p = s.write("values.yaml", b"a: 1\n");
    let e = load_chart(&p, &mut Vec::new()).unwrap_err();
    assert!(
        e.to_string()
            .ends_with("seems to be a YAML file, but expected a gzipped archive"),
        "{e}"
    );
    let p = s.write("c.tgz", b"\x1f\x8b\x08garbage");
    assert_eq!(
        load_chart(&p, &mut Vec::new()).unwrap_err().kind(),
        ErrorKind::Archive
    );
    let e = load_chart(&s.0.join("nope"), &mut Vec::new()).unwrap_err();
    assert!(e.to_string().starts_with("path \""), "{e}");
}

#[test]
fn nested_archives_and_depth_limit() {
    // c -> charts/d.tgz -> charts/e.tgz, all archives.
    let inner = tgz(&[file(
        "e/Chart.yaml",
        b"apiVersion: v2\nname: e\nversion: 1.0.0\n",
    )]);
    let middle = tgz(&[
        file("d/Chart.yaml", b"apiVersion: v2\nname: d\nversion: 1.0.0\n"),
        file("d/charts/e-1.0.0.tgz", &inner),
    ]);
    let outer = tgz(&[
        file("c/Chart.yaml", CHART_YAML),
        file("c/charts/d-1.0.0.tgz", &middle),
    ]);
    let chart = load_tgz(&outer, &Limits::default()).unwrap();
    assert_eq!(chart.dependencies[0].dependencies[0].name(), "e");
    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    let e = load_tgz(&outer, &shallow).unwrap_err();
    assert!(
        e.to_string().contains("nested more than 1 levels deep"),
        "{e}"
    );
}

#[test]
fn deep_directory_nesting_is_refused() {
    let s = Scratch::new();
    let mut rel = String::from("top");
    s.write(&format!("{rel}/Chart.yaml"), CHART_YAML);
    for i in 0..25 {
        rel = format!("{rel}/charts/c{i}");
        s.write(
            &format!("{rel}/Chart.yaml"),
            format!("apiVersion: v2\nname: c{i}\nversion: 1.0.0\n").as_bytes(),
        );
    }
    let e = load_chart(&s.0.join("top"), &mut Vec::new()).unwrap_err();
    assert!(
        e.to_string().contains("nested more than 20 levels deep"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn directory_symlinks_stay_inside_the_chart() {
    use std::os::unix::fs::symlink;
    let s = Scratch::new();
    s.write("c/Chart.yaml", CHART_YAML);
    s.write("c/files/real.txt", b"real");
    symlink(s.0.join("c/files/real.txt"), s.0.join("c/files/alias.txt")).unwrap();
    let mut warnings = Vec::new();
    let chart = load_chart(&s.0.join("c"), &mut warnings).unwrap();
    let alias = chart
        .files
        .iter()
        .find(|f| f.name == "files/alias.txt")
        .unwrap();
    assert_eq!(alias.data.read().unwrap().as_slice(), b"real");
    assert!(warnings[0].starts_with("found symbolic link in path"));

    let secret = s.write("secret.txt", b"secret");
    symlink(&secret, s.0.join("c/files/escape.txt")).unwrap();
    let e = load_chart(&s.0.join("c"), &mut Vec::new()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsafe);
    assert!(e.to_string().contains("outside the chart directory"), "{e}");
    std::fs::remove_file(s.0.join("c/files/escape.txt")).unwrap();

    symlink(s.0.join("c"), s.0.join("c/files/loop")).unwrap();
    let e = load_chart(&s.0.join("c"), &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("symbolic link cycle"), "{e}");
}

#[test]
fn oversized_directory_file_is_refused() {
    let s = Scratch::new();
    s.write("c/Chart.yaml", CHART_YAML);
    s.write("c/big.bin", &vec![0u8; 2048]);
    let limits = Limits {
        max_file_size: 1024,
        ..Limits::default()
    };
    let e = load_chart_with(&s.0.join("c"), &limits, &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "chart file \"big.bin\" is larger than the maximum file size 1024"
    );
}

#[test]
fn chart_yaml_problems_are_worded_like_helm() {
    let s = Scratch::new();
    s.write("c/values.yaml", b"a: 1\n");
    let dir = s.0.join("c");
    let err = |warn: &mut Vec<String>| load_chart(&dir, warn).unwrap_err().to_string();
    assert_eq!(err(&mut Vec::new()), "Chart.yaml file is missing");
    s.write("c/Chart.yaml", b"name: c\n");
    assert_eq!(
        err(&mut Vec::new()),
        "validation: chart.metadata.version is required"
    );
    s.write("c/Chart.yaml", b"name: [unclosed\n");
    let e = err(&mut Vec::new());
    assert!(
        e.starts_with("cannot load Chart.yaml: error converting YAML to JSON"),
        "{e}"
    );
    s.write("c/Chart.yaml", CHART_YAML);
    s.write("c/values.yaml", b"- a\n");
    assert!(err(&mut Vec::new()).starts_with("cannot load values.yaml: error unmarshaling JSON"));
    s.write("c/values.yaml", b"a: 1\n");
    s.write("c/charts/README.md", b"stray");
    assert_eq!(
        err(&mut Vec::new()),
        "error unpacking subchart README.md in c: Chart.yaml file is missing"
    );
}

#[test]
fn helmignore_is_applied_to_directories() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/helm/charts/parent");
    let chart = load_chart(&dir, &mut Vec::new()).unwrap();
    assert!(chart.files.iter().any(|f| f.name == ".helmignore"));
    assert!(!chart.files.iter().any(|f| f.name.starts_with("ignored/")));
}

#[test]
fn crds_files_are_read_when_used_and_a_vanished_one_is_an_error() {
    let s = Scratch::new();
    s.write("c/Chart.yaml", CHART_YAML);
    s.write("c/crds/a.yaml", b"kind: CustomResourceDefinition\n");
    s.write(
        "c/charts/sub/Chart.yaml",
        b"apiVersion: v2\nname: sub\nversion: 1.0.0\n",
    );
    s.write("c/charts/sub/crds/b.yaml", b"\xef\xbb\xbfkind: B\n");
    s.write("c/files/crds/c.yaml", b"not a crds folder\n");
    let chart = load_chart(&s.0.join("c"), &mut Vec::new()).unwrap();
    let file = |chart: &kubake_chart::Chart, name: &str| {
        chart
            .files
            .iter()
            .find(|f| f.name == name)
            .cloned()
            .unwrap()
    };
    let a = file(&chart, "crds/a.yaml");
    let b = file(&chart.dependencies[0], "crds/b.yaml");
    let c = file(&chart, "files/crds/c.yaml");
    // Changed after loading: the crds/ files show the new bytes (they were left on
    // disk), the other file the old ones.
    s.write("c/crds/a.yaml", b"kind: Changed\n");
    s.write("c/files/crds/c.yaml", b"changed\n");
    assert_eq!(a.data.read().unwrap().as_slice(), b"kind: Changed\n");
    assert_eq!(c.data.read().unwrap().as_slice(), b"not a crds folder\n");
    // Read once, then kept; the byte-order mark goes as for any chart file.
    s.write("c/crds/a.yaml", b"kind: Again\n");
    assert_eq!(a.data.read().unwrap().as_slice(), b"kind: Changed\n");
    assert_eq!(b.data.read().unwrap().as_slice(), b"kind: B\n");
    assert_eq!(a.data.len(), 31);

    let chart = load_chart(&s.0.join("c"), &mut Vec::new()).unwrap();
    std::fs::remove_file(s.0.join("c/crds/a.yaml")).unwrap();
    let e = file(&chart, "crds/a.yaml").data.read().unwrap_err();
    assert!(e.starts_with("cannot read ") && e.contains("a.yaml"), "{e}");
}
