//! Chart stores: folders of `<chart>-<version>.tgz` archives (the naming of `helm pull`
//! and of Helm's own repository cache) or of unpacked charts, and the resolution of a
//! chart name and version constraint against them.
//!
//! Resolution follows Masterminds semver v3 as Helm and the controllers use it: a bare
//! version is an exact match, a range picks the highest version it admits, and a
//! pre-release is admitted only by a constraint that names a pre-release. The repository
//! URL a HelmRepository or Argo CD source names is irrelevant offline: charts are found by
//! name. Charts are never downloaded.
//!
//! Not here: the lock file (`lock`), reading charts (the renderer's).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kubake_chart::semver::{Constraints, Version};
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::fs::list_dir;
use crate::render::ChartLocation;

/// One chart in a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredChart {
    /// The chart's name.
    pub name: String,
    /// Its version as written (`v1.21.1`, `1.4.0-rc.1`).
    pub version: String,
    /// Where it is.
    pub location: ChartLocation,
}

/// A chart a build resolved: what `kubake.lock` records.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResolvedChart {
    /// The chart's name.
    pub name: String,
    /// The version picked.
    pub version: String,
    /// SHA-256 of the archive (for a directory: of its files, see [`digest_dir`]).
    pub sha256: String,
}

/// The chart stores of a build, indexed on first use.
#[derive(Debug, Default)]
pub struct ChartStores {
    dirs: Vec<PathBuf>,
    index: OnceLock<Vec<(StoredChart, Version)>>,
}

impl ChartStores {
    /// Stores searched in order (an earlier store wins a tie).
    pub fn new(dirs: Vec<PathBuf>) -> Self {
        ChartStores {
            dirs,
            index: OnceLock::new(),
        }
    }

    fn index(&self) -> &[(StoredChart, Version)] {
        self.index.get_or_init(|| {
            let mut out = Vec::new();
            for dir in &self.dirs {
                let Ok(entries) = list_dir(dir) else {
                    continue;
                };
                for e in entries {
                    let found = if e.is_dir {
                        read_chart_dir(&e.path)
                    } else if let Some(stem) = e.name.strip_suffix(".tgz") {
                        split_archive_name(stem).map(|(name, version)| StoredChart {
                            name,
                            version,
                            location: ChartLocation::Archive(e.path.clone()),
                        })
                    } else {
                        None
                    };
                    if let Some(c) = found {
                        if let Ok(v) = Version::parse(&c.version) {
                            out.push((c, v));
                        }
                    }
                }
            }
            out
        })
    }

    /// Every chart the stores hold, in store order.
    pub fn all(&self) -> Vec<&StoredChart> {
        self.index().iter().map(|(c, _)| c).collect()
    }

    /// The highest version of `name` that `constraint` admits (`""` and `*` admit any
    /// release). `what` names the requester in errors ("HelmRelease spec.chart.spec").
    pub fn resolve(&self, name: &str, constraint: &str) -> Result<StoredChart> {
        let text = if constraint.trim().is_empty() {
            "*"
        } else {
            constraint.trim()
        };
        let constraints = Constraints::parse(text).map_err(|e| {
            Error::new(
                ErrorKind::Chart,
                format!("invalid version constraint {text:?} for chart {name:?}: {e}"),
            )
            .with_help("use a version (1.2.3) or a semver range (^1.2, >=1.2.0 <2.0.0, 1.x)")
        })?;
        let candidates: Vec<&(StoredChart, Version)> = self
            .index()
            .iter()
            .filter(|(c, _)| c.name == name)
            .collect();
        let mut best: Option<&(StoredChart, Version)> = None;
        for cand in &candidates {
            if !constraints.check(&cand.1) {
                continue;
            }
            let better = best.is_none_or(|b| cand.1.compare(&b.1) == std::cmp::Ordering::Greater);
            if better {
                best = Some(cand);
            }
        }
        if let Some((c, _)) = best {
            return Ok(c.clone());
        }
        Err(self.missing(name, text, &candidates))
    }

    fn missing(
        &self,
        name: &str,
        constraint: &str,
        candidates: &[&(StoredChart, Version)],
    ) -> Error {
        let stores = if self.dirs.is_empty() {
            "no chart store was given".to_string()
        } else {
            format!(
                "searched {}",
                self.dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        if candidates.is_empty() {
            let mut names: Vec<String> = self
                .index()
                .iter()
                .map(|(c, _)| format!("{} {}", c.name, c.version))
                .collect();
            names.sort();
            names.dedup();
            let held = if names.is_empty() {
                "the stores hold no charts".to_string()
            } else {
                format!("the stores hold: {}", names.join(", "))
            };
            let closest = kubake_kustomize::suggest::closest(
                self.index().iter(),
                |(c, _)| c.name.clone(),
                name,
                0.85,
            );
            let help = match closest {
                Some((c, _)) => format!(
                    "did you mean the chart {:?}? Otherwise add {name}-<version>.tgz to a chart store (helm pull <repo>/{name} --version <v> -d <store>) and pass it with --charts",
                    c.name
                ),
                None => format!(
                    "add {name}-<version>.tgz to a chart store (helm pull <repo>/{name} --version <v> -d <store>) and pass it with --charts"
                ),
            };
            return Error::new(
                ErrorKind::Chart,
                format!("chart {name:?} is not in the chart stores ({stores}); {held}"),
            )
            .with_help(help);
        }
        let mut versions: Vec<&(StoredChart, Version)> = candidates.to_vec();
        versions.sort_by(|a, b| a.1.compare(&b.1));
        let list: Vec<&str> = versions.iter().map(|(c, _)| c.version.as_str()).collect();
        Error::new(
            ErrorKind::Chart,
            format!(
                "no version of chart {name:?} matches {constraint:?}; the stores hold {name} {} ({stores})",
                list.join(", ")
            ),
        )
        .with_help(format!(
            "add a matching {name}-<version>.tgz to a chart store, or change the version constraint (pre-releases match only a constraint that names one, like ^1.2.0-0)"
        ))
    }
}

/// Splits `homelab-app-1.4.0-rc.1` into `homelab-app` and `1.4.0-rc.1`: the first `-`
/// after which a version parses.
pub fn split_archive_name(stem: &str) -> Option<(String, String)> {
    stem.match_indices('-').find_map(|(i, _)| {
        let (name, version) = (&stem[..i], &stem[i + 1..]);
        let starts_like_version = version
            .trim_start_matches('v')
            .starts_with(|c: char| c.is_ascii_digit());
        (!name.is_empty() && starts_like_version && Version::parse(version).is_ok())
            .then(|| (name.to_string(), version.to_string()))
    })
}

fn read_chart_dir(dir: &Path) -> Option<StoredChart> {
    let text = std::fs::read_to_string(dir.join("Chart.yaml")).ok()?;
    let doc = kubake_yaml::load_one(&text, kubake_yaml::Schema::Yaml11).ok()?;
    let name = crate::object::scalar_string(doc.get("name")?)?;
    let version = crate::object::scalar_string(doc.get("version")?)?;
    Some(StoredChart {
        name,
        version,
        location: ChartLocation::Directory(dir.to_path_buf()),
    })
}

/// The name and version of a chart directory from its `Chart.yaml`, when readable.
pub fn chart_dir_identity(dir: &Path) -> Option<(String, String)> {
    read_chart_dir(dir).map(|c| (c.name, c.version))
}

/// SHA-256 of a chart: of the archive's bytes, or for a directory of every file's
/// `/`-separated relative path, a NUL, its bytes and a NUL, in path order.
pub fn digest(location: &ChartLocation) -> std::io::Result<String> {
    match location {
        ChartLocation::Archive(p) => {
            let mut h = Sha256::new();
            let mut f = std::fs::File::open(p)?;
            let mut buf = [0u8; 65536];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            Ok(hex(&h.finalize()))
        }
        ChartLocation::Directory(d) => digest_dir(d),
    }
}

/// See [`digest`].
pub fn digest_dir(dir: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(dir, "", &mut files, 0)?;
    files.sort();
    let mut h = Sha256::new();
    for (rel, path) in files {
        h.update(rel.as_bytes());
        h.update([0]);
        h.update(std::fs::read(&path)?);
        h.update([0]);
    }
    Ok(hex(&h.finalize()))
}

fn collect_files(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, PathBuf)>,
    depth: usize,
) -> std::io::Result<()> {
    if depth > crate::fs::MAX_WALK_DEPTH {
        return Ok(());
    }
    for e in list_dir(dir)? {
        let rel = format!("{prefix}{}", e.name);
        if e.is_dir {
            collect_files(&e.path, &format!("{rel}/"), out, depth + 1)?;
        } else {
            out.push((rel, e.path));
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads one file out of a chart (archive or directory), `rel` relative to the chart
/// root. Archives are read with bounds (5 MiB per file, 100 MiB of stream), as Helm bounds
/// them.
pub fn read_chart_file(location: &ChartLocation, rel: &str) -> std::io::Result<Option<Vec<u8>>> {
    const MAX_FILE: u64 = 5 << 20;
    const MAX_STREAM: u64 = 100 << 20;
    let rel = rel.trim_start_matches("./");
    match location {
        ChartLocation::Directory(d) => match crate::fs::join_in_root(d, rel) {
            Some(p) if p.is_file() => std::fs::read(p).map(Some),
            _ => Ok(None),
        },
        ChartLocation::Archive(p) => {
            let f = std::fs::File::open(p)?;
            let gz = flate2::read::GzDecoder::new(f).take(MAX_STREAM);
            let mut tar = tar::Archive::new(gz);
            for entry in tar.entries()? {
                let mut entry = entry?;
                let path = entry.path()?.to_string_lossy().replace('\\', "/");
                // The first component is the chart's directory.
                let inner = path.split_once('/').map_or("", |(_, r)| r);
                if inner == rel {
                    if entry.size() > MAX_FILE {
                        return Err(std::io::Error::other(format!(
                            "{rel} in the chart archive is larger than 5 MiB"
                        )));
                    }
                    let mut buf = Vec::new();
                    entry.by_ref().take(MAX_FILE).read_to_end(&mut buf)?;
                    return Ok(Some(buf));
                }
            }
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_split_at_the_version() {
        assert_eq!(
            split_archive_name("homelab-app-1.4.0-rc.1"),
            Some(("homelab-app".into(), "1.4.0-rc.1".into()))
        );
        assert_eq!(
            split_archive_name("cert-manager-v1.21.1"),
            Some(("cert-manager".into(), "v1.21.1".into()))
        );
        assert_eq!(
            split_archive_name("app-template-4.0.1"),
            Some(("app-template".into(), "4.0.1".into()))
        );
        assert_eq!(split_archive_name("nochart"), None);
    }

    fn store_with(versions: &[&str]) -> ChartStores {
        let s = ChartStores::new(Vec::new());
        let idx: Vec<(StoredChart, Version)> = versions
            .iter()
            .filter_map(|v| {
                Some((
                    StoredChart {
                        name: "homelab-app".into(),
                        version: (*v).into(),
                        location: ChartLocation::Archive(PathBuf::from(format!(
                            "homelab-app-{v}.tgz"
                        ))),
                    },
                    Version::parse(v).ok()?,
                ))
            })
            .collect();
        let _ = s.index.set(idx);
        s
    }

    #[test]
    fn ranges_pick_the_highest_and_respect_prereleases() {
        let s = store_with(&["1.2.0", "1.3.1", "1.4.0-rc.1", "2.0.0"]);
        let pick = |c: &str| {
            s.resolve("homelab-app", c)
                .map(|c| c.version)
                .unwrap_or_default()
        };
        assert_eq!(pick("1.x"), "1.3.1");
        assert_eq!(pick("~1.2.0"), "1.2.0");
        assert_eq!(pick("^1.2.0-0"), "1.4.0-rc.1");
        assert_eq!(pick(">=1.2.0 <2.0.0"), "1.3.1");
        assert_eq!(pick("*"), "2.0.0");
        assert_eq!(pick(""), "2.0.0");
        assert_eq!(pick("1.3.1"), "1.3.1");
    }

    #[test]
    fn misses_list_what_the_stores_hold() {
        let s = store_with(&["1.2.0", "1.3.1"]);
        let e = s
            .resolve("homelab-app", "^3.0")
            .err()
            .map(|e| e.message().to_string());
        let e = e.unwrap_or_default();
        assert!(e.contains("1.2.0, 1.3.1"), "{e}");
        let e = s
            .resolve("other", "1")
            .err()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(e.contains("homelab-app 1.2.0"), "{e}");
        let e = s
            .resolve("homelab-app", ">=x.y")
            .err()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(e.contains("invalid version constraint"), "{e}");
    }
}
