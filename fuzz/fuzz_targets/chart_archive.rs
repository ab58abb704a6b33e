//! Fuzzes the chart archive loader: any bytes, gzipped or not, must load or fail with an
//! error, never panic, never take unbounded memory or time. Small limits keep each run
//! cheap while still reaching the size and file-count checks.
#![no_main]

use std::path::Path;

use kubake_chart::{load_chart_archive, Limits, Warnings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_chart_size: 1 << 20,
        max_file_size: 256 << 10,
        max_total_size: 2 << 20,
        max_files: 500,
        ..Limits::default()
    };
    let mut warnings = Warnings::default();
    let _ = load_chart_archive(data, Path::new("fuzz.tgz"), &limits, &mut warnings);
});
