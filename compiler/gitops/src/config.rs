//! What a build is asked to do: [`Options`] (what the user typed, flags included) and
//! [`Config`] (what the build uses, with `kubake.yaml` read, the repository root found and
//! every path made absolute).
//!
//! `kubake.yaml`, optional, at the repository root:
//!
//! ```yaml
//! entrypoints:                 # named entrypoints: `kubake build production`
//!   production: clusters/production
//! flavor: flux                 # flux | argocd | kustomize (detected when absent)
//! repoURLs:                    # Git URLs that mean "this repository"
//!   - https://github.com/example/homelab
//! charts: [charts]             # chart stores, relative to the root
//! sources:                     # other Git sources, by Flux name or Argo CD repoURL
//!   infra-repo: ../infra
//! kubeVersion: v1.32.0         # .Capabilities.KubeVersion of every Helm render
//! apiVersions: [example.com/v1]   # extra .Capabilities.APIVersions
//! variables:                   # extra Flux postBuild variables (lowest precedence)
//!   CLUSTER_NAME: homelab
//! ```
//!
//! A flag replaces the corresponding field (a list flag replaces the whole list). Not
//! here: entrypoint detection (`entry`), chart stores (`charts`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubake_yaml::{Node, Pos, Schema, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::fs::{absolute, display_path};

/// The name of the optional configuration file at the repository root.
pub const CONFIG_FILE: &str = "kubake.yaml";

/// Helm v3.17's default `.Capabilities.KubeVersion` for `helm template`.
pub const DEFAULT_KUBE_VERSION: &str = "v1.32.0";

/// Which controller's rules a repository follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flavor {
    /// Flux v2: Kustomizations and HelmReleases.
    Flux,
    /// Argo CD: Applications.
    ArgoCd,
    /// A plain kustomization directory: one unit, built as `kustomize build` does.
    Kustomize,
}

impl Flavor {
    /// Parses `flux`, `argocd` (or `argo`) and `kustomize`.
    pub fn parse(text: &str) -> Option<Flavor> {
        match text.to_ascii_lowercase().as_str() {
            "flux" => Some(Flavor::Flux),
            "argocd" | "argo" | "argo-cd" => Some(Flavor::ArgoCd),
            "kustomize" => Some(Flavor::Kustomize),
            _ => None,
        }
    }

    /// The name users type.
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Flux => "flux",
            Flavor::ArgoCd => "argocd",
            Flavor::Kustomize => "kustomize",
        }
    }
}

/// What the user asked for: `kubake build ENTRY [--root DIR] [--flavor F] [--repo-url URL]…
/// [--charts DIR]… [--source NAME=DIR]… [--kube-version V] [--locked]`. Empty lists and
/// `None` mean "not given" (then `kubake.yaml` or the defaults apply).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// A path (directory or file), or the name of an entrypoint in `kubake.yaml`.
    pub entry: String,
    /// The repository root (`--root`); found from the entry when absent.
    pub root: Option<PathBuf>,
    /// `--flavor`.
    pub flavor: Option<Flavor>,
    /// `--repo-url`: URLs that mean "this repository".
    pub repo_urls: Vec<String>,
    /// `--charts`: chart stores (relative to the working directory).
    pub charts: Vec<PathBuf>,
    /// `--source NAME=DIR`: other sources, by Flux source name (`name` or
    /// `namespace/name`) or Argo CD `repoURL`.
    pub sources: Vec<(String, PathBuf)>,
    /// `--kube-version`.
    pub kube_version: Option<String>,
    /// Extra `.Capabilities.APIVersions` (`group/version` or `group/version/Kind`).
    pub api_versions: Vec<String>,
    /// Extra Flux post-build variables.
    pub variables: BTreeMap<String, String>,
    /// `--locked`: fail when `kubake.lock` would change.
    pub locked: bool,
    /// `--strict-substitution`: a Flux post-build variable used without a default and
    /// not set fails the unit (Flux's `StrictPostBuildSubstitutions` feature gate)
    /// instead of becoming empty with a warning.
    pub strict_substitution: bool,
}

/// Everything a build uses, resolved: absolute paths, `kubake.yaml` merged under the
/// flags, defaults filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The repository root (absolute).
    pub root: PathBuf,
    /// The entrypoint (absolute).
    pub entry: PathBuf,
    /// The flavor, when forced.
    pub flavor: Option<Flavor>,
    /// URLs that mean "this repository", normalised ([`normalize_url`]).
    pub repo_urls: Vec<String>,
    /// Chart stores (absolute), in search order.
    pub chart_stores: Vec<PathBuf>,
    /// Other sources, keyed as given (a Flux source `name` or `namespace/name`, or a
    /// URL), with absolute directories.
    pub sources: BTreeMap<String, PathBuf>,
    /// `.Capabilities.KubeVersion`.
    pub kube_version: String,
    /// Extra `.Capabilities.APIVersions`.
    pub api_versions: Vec<String>,
    /// Extra Flux post-build variables.
    pub variables: BTreeMap<String, String>,
    /// `--locked`.
    pub locked: bool,
    /// `--strict-substitution`.
    pub strict_substitution: bool,
}

/// `kubake.yaml`, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// Named entrypoints (relative to the root).
    pub entrypoints: BTreeMap<String, String>,
    /// `flavor`.
    pub flavor: Option<Flavor>,
    /// `repoURLs`.
    pub repo_urls: Vec<String>,
    /// `charts` (relative to the root).
    pub charts: Vec<String>,
    /// `sources` (directories relative to the root).
    pub sources: BTreeMap<String, String>,
    /// `kubeVersion`.
    pub kube_version: Option<String>,
    /// `apiVersions`.
    pub api_versions: Vec<String>,
    /// `variables`.
    pub variables: BTreeMap<String, String>,
}

const KNOWN_FIELDS: &[&str] = &[
    "entrypoints",
    "flavor",
    "repoURLs",
    "charts",
    "sources",
    "kubeVersion",
    "apiVersions",
    "variables",
];

impl ConfigFile {
    /// Parses `kubake.yaml`; `file` names it in errors.
    pub fn parse(text: &str, file: &Path) -> Result<ConfigFile> {
        let doc = kubake_yaml::load_one(text, Schema::Core12)
            .map_err(|e| Error::new(ErrorKind::Config, e.message).at(file, e.pos))?;
        let mut out = ConfigFile::default();
        if doc.is_null() {
            return Ok(out);
        }
        let Some(map) = doc.as_map() else {
            return Err(
                Error::new(ErrorKind::Config, "kubake.yaml must be a mapping").at(file, doc.pos),
            );
        };
        for entry in map.entries() {
            let (key, v) = (entry.key.as_str(), &entry.value);
            match key {
                "entrypoints" => out.entrypoints = str_map(v, key, file)?,
                "flavor" => {
                    let s = scalar(v, key, file)?;
                    out.flavor = Some(Flavor::parse(&s).ok_or_else(|| {
                        Error::new(ErrorKind::Config, format!("unknown flavor {s:?}"))
                            .at(file, v.pos)
                            .with_help("use flux, argocd or kustomize")
                    })?);
                }
                "repoURLs" => out.repo_urls = str_list(v, key, file)?,
                "charts" => out.charts = str_list(v, key, file)?,
                "sources" => out.sources = str_map(v, key, file)?,
                "kubeVersion" => out.kube_version = Some(scalar(v, key, file)?),
                "apiVersions" => out.api_versions = str_list(v, key, file)?,
                "variables" => out.variables = str_map(v, key, file)?,
                other => {
                    let mut e = Error::new(
                        ErrorKind::Config,
                        format!("unknown field {other:?} in kubake.yaml"),
                    )
                    .at(file, entry.key_pos);
                    if let Some(best) = closest(other, KNOWN_FIELDS) {
                        e = e.with_help(format!("did you mean {best:?}?"));
                    } else {
                        e = e.with_help(format!("known fields: {}", KNOWN_FIELDS.join(", ")));
                    }
                    return Err(e);
                }
            }
        }
        Ok(out)
    }
}

fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn type_error(key: &str, want: &str, file: &Path, pos: Pos) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("kubake.yaml field {key:?} must be {want}"),
    )
    .at(file, pos)
}

fn scalar(v: &Node, key: &str, file: &Path) -> Result<String> {
    match &v.value {
        Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
            Ok(crate::object::scalar_string(v).unwrap_or_default())
        }
        _ => Err(type_error(key, "a string", file, v.pos)),
    }
}

fn str_list(v: &Node, key: &str, file: &Path) -> Result<Vec<String>> {
    if v.is_null() {
        return Ok(Vec::new());
    }
    let Some(items) = v.as_seq() else {
        return Err(type_error(key, "a list of strings", file, v.pos));
    };
    items.iter().map(|i| scalar(i, key, file)).collect()
}

fn str_map(v: &Node, key: &str, file: &Path) -> Result<BTreeMap<String, String>> {
    if v.is_null() {
        return Ok(BTreeMap::new());
    }
    let Some(m) = v.as_map() else {
        return Err(type_error(key, "a mapping of strings", file, v.pos));
    };
    m.iter()
        .map(|(k, val)| Ok((k.to_string(), scalar(val, key, file)?)))
        .collect()
}

/// Normalises a Git URL so that the spellings of one repository compare equal:
/// `https://github.com/a/b.git`, `ssh://git@github.com/a/b`, `git@github.com:a/b` and
/// `github.com/a/b/` all become `github.com/a/b` (host lower-cased).
pub fn normalize_url(url: &str) -> String {
    let mut s = url.trim();
    for scheme in [
        "https://",
        "http://",
        "ssh://",
        "git://",
        "git+ssh://",
        "oci://",
    ] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest;
            break;
        }
    }
    let s = match s.split_once('@') {
        Some((user, rest)) if !user.contains('/') => rest,
        _ => s,
    };
    // scp-like `host:path` (but not `host:port/path`)
    let s = match s.split_once(':') {
        Some((host, rest))
            if !host.contains('/') && !rest.starts_with(|c: char| c.is_ascii_digit()) =>
        {
            format!("{host}/{rest}")
        }
        Some((host, rest)) if !host.contains('/') => {
            // host:port/path: drop the port
            let path = rest.split_once('/').map_or("", |(_, p)| p);
            format!("{host}/{path}")
        }
        _ => s.to_string(),
    };
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    match s.split_once('/') {
        Some((host, path)) => format!("{}/{}", host.to_ascii_lowercase(), path),
        None => s.to_ascii_lowercase(),
    }
}

impl Config {
    /// Resolves `opts` against the filesystem: finds the root and `kubake.yaml`, resolves
    /// the entry, merges the file under the flags.
    pub fn resolve(opts: &Options) -> Result<Config> {
        let cwd = absolute(Path::new("."));
        let given_root = opts.root.as_deref().map(absolute);
        let entry_path = (!opts.entry.is_empty()).then(|| absolute(Path::new(&opts.entry)));
        let entry_exists = entry_path.as_ref().is_some_and(|p| p.exists());

        // The root: --root; else the first directory upward from the entry (or the
        // working directory when the entry is a name) holding kubake.yaml; else, for a
        // Flux cluster directory, the directory its gotk-sync.yaml path is relative to
        // (what Flux itself uses, right even when the repository sits inside another
        // git work tree); else the first directory upward holding .git.
        let search_from = match (&entry_path, entry_exists) {
            (Some(p), true) => p.clone(),
            _ => cwd,
        };
        let found = find_root(&search_from);
        let configured = found.clone().filter(|d| d.join(CONFIG_FILE).is_file());
        let root = match given_root {
            Some(r) => r,
            None => configured
                .or_else(|| root_from_bootstrap(&search_from))
                .or(found)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::Config,
                        format!(
                            "cannot find the repository root above {}: no .git or kubake.yaml",
                            search_from.display()
                        ),
                    )
                    .with_help(
                        "pass --root DIR (the directory Flux or Argo CD paths are relative to)",
                    )
                })?,
        };
        if !root.is_dir() {
            return Err(Error::new(
                ErrorKind::Config,
                format!("the root {} is not a directory", root.display()),
            ));
        }
        let file_path = root.join(CONFIG_FILE);
        let file = if file_path.is_file() {
            let text = std::fs::read_to_string(&file_path).map_err(|e| {
                Error::new(ErrorKind::Io, format!("cannot read kubake.yaml: {e}"))
                    .in_file(CONFIG_FILE)
            })?;
            ConfigFile::parse(&text, Path::new(CONFIG_FILE))?
        } else {
            ConfigFile::default()
        };

        let entry = match (entry_path, entry_exists) {
            (Some(p), true) => p,
            _ => resolve_named_entry(&opts.entry, &file, &root)?,
        };
        if !entry.starts_with(&root) {
            return Err(Error::new(
                ErrorKind::Entry,
                format!(
                    "the entrypoint {} is outside the repository root {}",
                    entry.display(),
                    root.display()
                ),
            )
            .with_help("pass --root DIR with a directory that contains the entrypoint"));
        }

        let repo_urls = if opts.repo_urls.is_empty() {
            file.repo_urls.clone()
        } else {
            opts.repo_urls.clone()
        };
        let chart_stores = if opts.charts.is_empty() {
            file.charts
                .iter()
                .map(|c| absolute(&root.join(c)))
                .collect()
        } else {
            opts.charts.iter().map(|c| absolute(c)).collect()
        };
        let mut sources = BTreeMap::new();
        let source_list: Vec<(String, PathBuf)> = if opts.sources.is_empty() {
            file.sources
                .iter()
                .map(|(k, v)| (k.clone(), absolute(&root.join(v))))
                .collect()
        } else {
            opts.sources
                .iter()
                .map(|(k, v)| (k.clone(), absolute(v)))
                .collect()
        };
        for (name, dir) in source_list {
            sources.insert(name, dir);
        }
        Ok(Config {
            entry,
            flavor: opts.flavor.or(file.flavor),
            repo_urls: repo_urls.iter().map(|u| normalize_url(u)).collect(),
            chart_stores,
            sources,
            kube_version: opts
                .kube_version
                .clone()
                .or(file.kube_version.clone())
                .map_or_else(
                    || DEFAULT_KUBE_VERSION.to_string(),
                    |v| normalize_kube_version(&v),
                ),
            api_versions: if opts.api_versions.is_empty() {
                file.api_versions.clone()
            } else {
                opts.api_versions.clone()
            },
            variables: if opts.variables.is_empty() {
                file.variables
            } else {
                opts.variables.clone()
            },
            locked: opts.locked,
            strict_substitution: opts.strict_substitution,
            root,
        })
    }

    /// The directory mapped to a Flux source (`namespace/name` or `name`).
    pub fn source_by_name(&self, namespace: &str, name: &str) -> Option<&Path> {
        self.sources
            .get(&format!("{namespace}/{name}"))
            .or_else(|| self.sources.get(name))
            .map(PathBuf::as_path)
    }

    /// The directory mapped to a Git URL (compared normalised).
    pub fn source_by_url(&self, url: &str) -> Option<&Path> {
        let want = normalize_url(url);
        self.sources
            .iter()
            .find(|(k, _)| (k.contains('/') || k.contains(':')) && normalize_url(k) == want)
            .map(|(_, v)| v.as_path())
    }

    /// Whether `url` means this repository.
    pub fn is_this_repo(&self, url: &str) -> bool {
        let want = normalize_url(url);
        self.repo_urls.contains(&want)
    }

    /// `path` as shown to users: relative to the root when inside it.
    pub fn show(&self, path: &Path) -> PathBuf {
        display_path(&self.root, path)
    }
}

/// `1.32` / `1.32.0` / `v1.32.0` all become `v1.32.0`.
fn normalize_kube_version(v: &str) -> String {
    let v = v.trim();
    let bare = v.strip_prefix('v').unwrap_or(v);
    let parts = bare.split('.').count();
    let full = if parts == 2 {
        format!("{bare}.0")
    } else {
        bare.to_string()
    };
    format!("v{full}")
}

fn find_root(from: &Path) -> Option<PathBuf> {
    let start = if from.is_dir() {
        from.to_path_buf()
    } else {
        from.parent()?.to_path_buf()
    };
    start
        .ancestors()
        .find(|d| d.join(CONFIG_FILE).is_file() || d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The root a Flux cluster directory implies: its `flux-system/gotk-sync.yaml`
/// Kustomization's `spec.path` is the directory relative to the root.
fn root_from_bootstrap(entry: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(entry.join("flux-system").join("gotk-sync.yaml")).ok()?;
    let docs = kubake_yaml::load_stream(&text, Schema::Core12).ok()?;
    let path = docs
        .iter()
        .filter(|d| d.str_at(&["kind"]) == Some("Kustomization"))
        .find_map(|d| d.str_at(&["spec", "path"]))?;
    let rel = kubake_kustomize::fs::clean(Path::new(path.trim_start_matches('/')));
    let depth = rel
        .components()
        .filter(|c| matches!(c, std::path::Component::Normal(_)))
        .count();
    let mut root = entry.to_path_buf();
    let mut tail = Vec::new();
    for _ in 0..depth {
        tail.push(root.file_name()?.to_os_string());
        root = root.parent()?.to_path_buf();
    }
    tail.reverse();
    let ends_with_path = tail.iter().map(PathBuf::from).collect::<PathBuf>() == rel || depth == 0;
    ends_with_path.then_some(root)
}

fn resolve_named_entry(name: &str, file: &ConfigFile, root: &Path) -> Result<PathBuf> {
    if name.is_empty() {
        return match file.entrypoints.len() {
            1 => Ok(absolute(&root.join(
                file.entrypoints.values().next().map_or("", String::as_str),
            ))),
            0 => Err(Error::new(ErrorKind::Entry, "no entrypoint given")
                .with_help("pass the cluster directory or the root Application file")),
            _ => Err(Error::new(
                ErrorKind::Entry,
                format!(
                    "no entrypoint given, and kubake.yaml names several: {}",
                    file.entrypoints
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help("name one of them")),
        };
    }
    match file.entrypoints.get(name) {
        Some(rel) => {
            let p = absolute(&root.join(rel));
            if p.exists() {
                Ok(p)
            } else {
                Err(Error::new(
                    ErrorKind::Entry,
                    format!("entrypoint {name:?} points at {rel}, which does not exist"),
                )
                .in_file(CONFIG_FILE))
            }
        }
        None => {
            let mut e = Error::new(
                ErrorKind::Entry,
                format!("{name}: no such file or directory, and no entrypoint of that name"),
            );
            if !file.entrypoints.is_empty() {
                e = e.with_help(format!(
                    "kubake.yaml names these entrypoints: {}",
                    file.entrypoints
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalise() {
        for u in [
            "https://github.com/A/b.git",
            "ssh://git@github.com/A/b",
            "git@github.com:A/b",
            "github.com/A/b/",
            "https://GitHub.com/A/b",
        ] {
            assert_eq!(normalize_url(u), "github.com/A/b", "{u}");
        }
        assert_eq!(normalize_url("ssh://git@host:2222/a/b"), "host/a/b");
    }

    #[test]
    fn config_file_fields_and_typos() {
        let f = ConfigFile::parse(
            "entrypoints: {prod: clusters/prod}\nflavor: flux\ncharts: [charts]\nkubeVersion: '1.30'\n",
            Path::new("kubake.yaml"),
        );
        let f = f.unwrap_or_default();
        assert_eq!(f.flavor, Some(Flavor::Flux));
        assert_eq!(f.entrypoints["prod"], "clusters/prod");
        let err = ConfigFile::parse("repoUrls: []\n", Path::new("kubake.yaml"));
        let err = err.err().map(|e| e.help().unwrap_or("").to_string());
        assert_eq!(err.as_deref(), Some("did you mean \"repoURLs\"?"));
    }

    #[test]
    fn kube_versions_normalise() {
        assert_eq!(normalize_kube_version("1.30"), "v1.30.0");
        assert_eq!(normalize_kube_version("v1.31.2"), "v1.31.2");
    }
}
