//! Hostile charts through the whole `template` pipeline (issue #4, "Hostile input"):
//! runaway `include` and `tpl` recursion, a loop over a huge `until`, huge output, an
//! archive entry escaping the chart, a decompression bomb. Each must end with a clear
//! error, quickly and in bounded memory, and write nothing outside the output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use kubake_chart::Limits;
use kubake_helm::{template, Budget, TemplateError, TemplateOptions};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kubake-helm-hostile-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    fn write(&self, rel: &str, data: &[u8]) -> PathBuf {
        let p = self.0.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("dirs");
        }
        std::fs::write(&p, data).expect("write");
        p
    }

    /// A chart directory `c` holding one template.
    fn chart(&self, template: &str, values: &str) -> PathBuf {
        self.write("c/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\n");
        self.write("c/values.yaml", values.as_bytes());
        self.write("c/templates/t.yaml", template.as_bytes());
        self.0.join("c")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn render(chart: &Path, opts: &TemplateOptions) -> (Result<String, TemplateError>, Duration) {
    let start = Instant::now();
    let r = template(chart, opts).map(|o| o.text());
    (r, start.elapsed())
}

/// Small budgets keep debug-mode test runs short; the defaults are checked apart.
fn small_budget() -> TemplateOptions {
    TemplateOptions {
        budget: Budget {
            max_steps: 2_000_000,
            max_output: 8 << 20,
        },
        ..TemplateOptions::default()
    }
}

#[test]
fn runaway_include_stops_at_helms_limit() {
    let s = Scratch::new();
    let chart = s.chart(
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
        "",
    );
    let (r, took) = render(&chart, &TemplateOptions::default());
    let e = r.expect_err("must fail").to_string();
    assert!(
        e.contains("rendering template has a nested reference name: loop"),
        "{e}"
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn runaway_tpl_recursion_ends() {
    let s = Scratch::new();
    let chart = s.chart("{{ tpl .Values.x . }}", "x: '{{ tpl .Values.x . }}'\n");
    let (r, took) = render(&chart, &small_budget());
    let e = r.expect_err("must fail").to_string();
    assert!(
        e.contains("nested tpl calls") || e.contains("budget"),
        "{e}"
    );
    assert!(took < Duration::from_secs(60), "took {took:?}");
}

#[test]
fn a_huge_until_loop_ends_with_a_budget_error() {
    let s = Scratch::new();
    let chart = s.chart(
        "{{ range until 100000 }}{{ range until 100000 }}{{ end }}{{ end }}",
        "",
    );
    let (r, took) = render(&chart, &small_budget());
    let e = r.expect_err("must fail").to_string();
    assert!(e.contains("execution budget exceeded"), "{e}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    // One `until` alone cannot allocate an enormous list either.
    let chart = s.chart("{{ len (until 1000000000000) }}", "");
    let (r, _) = render(&chart, &small_budget());
    assert!(r.is_err());
}

#[test]
fn huge_output_is_bounded() {
    let s = Scratch::new();
    let chart = s.chart(
        "{{ $s := \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" }}{{ range until 1000000 }}{{ $s }}{{ end }}",
        "",
    );
    let (r, _) = render(&chart, &small_budget());
    let e = r.expect_err("must fail").to_string();
    assert!(e.contains("budget"), "{e}");
}

#[test]
fn default_budget_is_generous_but_finite() {
    let b = Budget::default();
    assert!(b.max_steps >= 10_000_000 && b.max_steps <= 1_000_000_000);
    assert!(b.max_output >= 64 << 20 && b.max_output <= 1 << 30);
}

/// A gzipped tar with raw entry names (so `..` gets into the header) and, for
/// `zeros > 0`, that many zero bytes streamed as the entry's data.
fn tgz(entries: &[(&str, &[u8], u64)]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for (name, data, zeros) in entries {
        let mut header = tar::Header::new_gnu();
        {
            let raw = header.as_mut_bytes();
            raw[..100].fill(0);
            raw[..name.len()].copy_from_slice(name.as_bytes());
        }
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        let size = if *zeros > 0 {
            *zeros
        } else {
            data.len() as u64
        };
        header.set_size(size);
        header.set_cksum();
        gz.write_all(header.as_bytes()).expect("gz");
        if *zeros > 0 {
            let chunk = vec![0u8; 1 << 16];
            let mut left = *zeros;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                gz.write_all(&chunk[..n]).expect("gz");
                left -= n as u64;
            }
        } else {
            gz.write_all(data).expect("gz");
        }
        let pad = (512 - (size % 512) as usize) % 512;
        gz.write_all(&vec![0u8; pad]).expect("gz");
    }
    gz.write_all(&[0u8; 1024]).expect("gz");
    gz.finish().expect("gz")
}

const CHART_YAML: &[u8] = b"apiVersion: v2\nname: c\nversion: 1.0.0\n";

#[test]
fn archive_escaping_the_chart_is_refused() {
    let s = Scratch::new();
    let bytes = tgz(&[
        ("c/Chart.yaml", CHART_YAML, 0),
        ("c/templates/x.yaml", b"kind: ConfigMap\n", 0),
        ("c/../../escaped.yaml", b"kind: Secret\n", 0),
    ]);
    let archive = s.write("c-1.0.0.tgz", &bytes);
    let (r, _) = render(&archive, &TemplateOptions::default());
    let e = r.expect_err("must fail");
    assert!(matches!(e, TemplateError::Chart(_)), "{e}");
    assert!(!s.0.join("escaped.yaml").exists());
    assert!(!s
        .0
        .parent()
        .is_some_and(|p| p.join("escaped.yaml").exists()));
}

#[test]
fn decompression_bomb_is_refused() {
    let s = Scratch::new();
    let bytes = tgz(&[
        ("c/Chart.yaml", CHART_YAML, 0),
        ("c/templates/x.yaml", b"kind: ConfigMap\n", 0),
        ("c/a.bin", b"", 400 * 1024),
        ("c/b.bin", b"", 400 * 1024),
        ("c/d.bin", b"", 400 * 1024),
    ]);
    assert!(bytes.len() < 64 * 1024);
    let archive = s.write("c-1.0.0.tgz", &bytes);
    let opts = TemplateOptions {
        limits: Some(Limits {
            max_chart_size: 1 << 20,
            max_file_size: 512 * 1024,
            ..Limits::default()
        }),
        ..TemplateOptions::default()
    };
    let (r, _) = render(&archive, &opts);
    let e = r.expect_err("must fail").to_string();
    assert!(e.contains("larger than the maximum"), "{e}");
}
