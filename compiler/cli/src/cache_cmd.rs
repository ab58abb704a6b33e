//! `kubake cache`: where the cache is, how much it holds, and `gc` to bound it.
//!
//! Not here: what is cached or when (kubake-bundle, kubake-gitops' `CachingRenderer`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use kubake_cache::Store;

/// `kubake cache`'s flags.
#[derive(Args, Debug)]
pub struct CacheArgs {
    #[command(subcommand)]
    action: CacheAction,
    /// The cache folder (default: `$XDG_CACHE_HOME/kubake`, else `~/.cache/kubake`).
    #[arg(long, env = "KUBAKE_CACHE_DIR", global = true)]
    cache_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// Print the cache folder and how much it holds.
    Info,
    /// Remove the least recently used entries until the cache fits in --max-size.
    Gc {
        /// The size to shrink to: bytes, or with a K, M or G suffix (powers of 1024).
        /// Builds run this with 1G once a day on their own.
        #[arg(long, default_value = "1G", value_parser = parse_size)]
        max_size: u64,
    },
}

/// `1G`, `512M`, `100k`, `4096`.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => t.split_at(i),
        None => (t, ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("expected a size such as 500M or 2G, got {s:?}"))?;
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("unknown size unit in {s:?} (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// Runs `kubake cache`.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: CacheArgs) -> ExitCode {
    let Some(dir) = args.cache_dir.or_else(Store::default_dir) else {
        eprintln!("error: no cache folder: set XDG_CACHE_HOME or HOME, or pass --cache-dir");
        return ExitCode::from(2);
    };
    let store = Store::new(dir);
    match args.action {
        CacheAction::Info => {
            let u = store.usage();
            println!(
                "{}: {} entries, {}",
                store.dir().display(),
                u.entries,
                human(u.bytes)
            );
            ExitCode::SUCCESS
        }
        CacheAction::Gc { max_size } => match store.gc(max_size) {
            Ok(r) => {
                println!(
                    "{}: removed {} of {} entries, freed {} (now {})",
                    store.dir().display(),
                    r.removed,
                    r.before.entries,
                    human(r.freed),
                    human(r.before.bytes - r.freed)
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: cannot clean {}: {e}", store.dir().display());
                ExitCode::from(1)
            }
        },
    }
}

fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("2k"), Ok(2048));
        assert_eq!(parse_size("3MiB"), Ok(3 << 20));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("G").is_err());
    }
}
