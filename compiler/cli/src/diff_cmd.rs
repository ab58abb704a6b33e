//! `kubake diff`: what a change really applies, object by object.
//!
//! Two forms:
//! - `kubake diff OLD NEW`: two bundle folders written by `kubake build`;
//! - `kubake diff --base REV ENTRY [flags]`: the working tree against the git revision
//!   `REV`, both rendered in memory. The base is checked out into a temporary git
//!   worktree (removed afterwards) and every path flag inside the repository is mapped
//!   into it; chart stores outside the repository are shared. Chart renders come from
//!   the cache when the base renders a chart the same way as the working tree.
//!
//! Not here: the diff itself and its printing (kubake-bundle's `diff`, `diff_format`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Args, ValueEnum};
use kubake_bundle::diff::{self, BundleObjects};
use kubake_bundle::diff_format;
use kubake_cache::digest::absolute;

use crate::build_cmd::{failed, RepoArgs};

/// `kubake diff`'s flags.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Two bundle folders (OLD NEW), or with --base the entrypoint to render.
    #[arg(required = true, num_args = 1..=2, value_name = "OLD NEW | ENTRY")]
    targets: Vec<String>,
    /// Render ENTRY at this git revision and in the working tree, and compare.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// How to print the diff.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Colour the text diff: on a terminal only (auto), always, or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Exit 1 when objects differ (0 when they do not), as `git diff --exit-code`.
    #[arg(long)]
    exit_code: bool,
    #[command(flatten)]
    repo: RepoArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// Per unit, each object's sign, changed fields and YAML diff.
    Text,
    /// A pull-request comment: a collapsed section per unit, at most about 60 kB.
    Markdown,
    /// Machine-readable.
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Runs `kubake diff`: 0 on success (1 with `--exit-code` when objects differ), 2 when a
/// side cannot be read or rendered.
#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: DiffArgs) -> ExitCode {
    kubake_helm::pipeline::with_render_pool(args.repo.threads(), || diff_on_pool(args))
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn diff_on_pool(args: DiffArgs) -> ExitCode {
    let sides = match (&args.base, args.targets.as_slice()) {
        (None, [old, new]) => read_folders(Path::new(old), Path::new(new)),
        (Some(rev), [entry]) => render_against(rev, entry, args.repo.clone()),
        (None, _) => Err(Failure::Message(
            "give two bundle folders (kubake diff OLD NEW), or --base REV and an entrypoint".into(),
        )),
        (Some(_), _) => Err(Failure::Message(
            "with --base, give one entrypoint (kubake diff --base main clusters/production)".into(),
        )),
    };
    let (old, new) = match sides {
        Ok(s) => s,
        Err(Failure::Message(m)) => {
            eprintln!("{:?}", miette::miette!("{m}"));
            return ExitCode::from(2);
        }
        Err(Failure::Build(e, opts)) => return failed(&e, &opts, 2),
        Err(Failure::Reported) => return ExitCode::from(2),
    };
    let d = diff::diff(&old, &new);
    match args.format {
        Format::Text => {
            let color = match args.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
                }
            };
            print!("{}", diff_format::text(&d, color));
        }
        Format::Markdown => print!("{}", diff_format::markdown(&d, diff_format::MARKDOWN_LIMIT)),
        Format::Json => println!("{}", diff_format::json(&d)),
    }
    if args.exit_code && !d.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Why a side could not be had.
enum Failure {
    Message(String),
    /// A side did not compile (with the options it was compiled with).
    Build(kubake_bundle::Error, Box<kubake_bundle::BuildOptions>),
    /// A side did not compile, and its diagnostics are printed already.
    Reported,
}

impl From<String> for Failure {
    fn from(m: String) -> Self {
        Failure::Message(m)
    }
}

fn read_folders(old: &Path, new: &Path) -> Result<(BundleObjects, BundleObjects), Failure> {
    let read = |p: &Path| diff::read_dir(p).map_err(|e| Failure::Message(e.to_string()));
    Ok((read(old)?, read(new)?))
}

/// Renders `entry` at `rev` (in a temporary worktree) and in the working tree.
fn render_against(
    rev: &str,
    entry: &str,
    repo: RepoArgs,
) -> Result<(BundleObjects, BundleObjects), Failure> {
    let start = repo.root_dir().unwrap_or_else(|| {
        Path::new(entry)
            .parent()
            .unwrap_or(Path::new("."))
            .to_path_buf()
    });
    let top = git(&start, &["rev-parse", "--show-toplevel"])?;
    let top = absolute(Path::new(top.trim()));
    let worktree = Worktree::add(&top, rev)?;
    let mut base_repo = repo.clone().mapped(&|p| worktree.map(&top, p));
    let base_entry = if Path::new(entry).exists() {
        worktree
            .map(&top, Path::new(entry))
            .to_string_lossy()
            .into_owned()
    } else {
        // An entrypoint named in kubake.yaml: found from the checkout's root.
        base_repo = base_repo.with_default_root(worktree.dir.clone());
        entry.to_string()
    };
    let scratch = std::env::temp_dir().join("kubake-diff-unused-out");
    let (base_opts, base_renderer) = base_repo.options(base_entry, scratch.clone());
    let (head_opts, head_renderer) = repo.options(entry.to_string(), scratch);
    // The base's diagnostics are printed while its checkout still exists: their
    // snippets are read from it.
    let base = kubake_bundle::render(&base_opts, &base_renderer).map_err(|e| {
        failed(&e, &base_opts, 2);
        Failure::Reported
    })?;
    let head = kubake_bundle::render(&head_opts, &head_renderer)
        .map_err(|e| Failure::Build(e, Box::new(head_opts.clone())))?;
    let objects = |files: &[(String, kubake_bundle::FileBytes)]| {
        let joined: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|(path, bytes)| (path.clone(), bytes.to_vec()))
            .collect();
        diff::read_files(&joined).map_err(|e| Failure::Message(e.to_string()))
    };
    Ok((objects(&base.0.files)?, objects(&head.0.files)?))
}

/// A detached checkout of a revision, removed when dropped.
struct Worktree {
    top: PathBuf,
    dir: PathBuf,
}

impl Worktree {
    fn add(top: &Path, rev: &str) -> Result<Worktree, Failure> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("kubake-diff-base-{}-{nanos}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let dir_arg = dir.to_string_lossy().into_owned();
        // A worktree left by a run that was killed is forgotten first; the revision is
        // resolved to a commit (never read as an option).
        let _ = git(top, &["worktree", "prune"]);
        let spec = format!("{rev}^{{commit}}");
        let added = git(
            top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .and_then(|commit| {
            git(
                top,
                &[
                    "worktree",
                    "add",
                    "--detach",
                    "--quiet",
                    &dir_arg,
                    commit.trim(),
                ],
            )
        });
        added.map_err(|e| {
            Failure::Message(match e {
                Failure::Message(m) if m.contains("rev-parse") => {
                    format!("cannot check out {rev:?} for the base render: no such revision")
                }
                Failure::Message(m) => format!("cannot check out {rev:?} for the base render: {m}"),
                Failure::Build(b, _) => b.to_string(),
                Failure::Reported => String::new(),
            })
        })?;
        Ok(Worktree {
            top: top.to_path_buf(),
            dir,
        })
    }

    /// `p` inside the working tree `top`, moved into this checkout; other paths as
    /// they are. (`--cache-dir` is never mapped: both renders share the cache.)
    fn map(&self, top: &Path, p: &Path) -> PathBuf {
        match absolute(p).strip_prefix(top) {
            Ok(rel) if self.dir.join(rel).exists() => self.dir.join(rel),
            Ok(rel) => {
                // Not in the revision (ignored by git, or new): the working tree's.
                #[allow(clippy::print_stderr)]
                {
                    eprintln!(
                        "warning: {} is not in the base revision; the base render uses the working tree's",
                        rel.display()
                    );
                }
                p.to_path_buf()
            }
            Err(_) => p.to_path_buf(),
        }
    }
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        let _ = git(&self.top, &["worktree", "remove", "--force", &dir]);
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = git(&self.top, &["worktree", "prune"]);
    }
}

/// Runs git in `dir`; its standard output, or its complaint.
fn git(dir: &Path, args: &[&str]) -> Result<String, Failure> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git ({e}); --base needs git on the PATH"))?;
    if !out.status.success() {
        return Err(Failure::Message(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
