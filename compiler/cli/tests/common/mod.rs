//! What the CLI's integration tests share: where the repository is, and the `kubake`
//! binary set up so its output does not depend on the machine.
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root, canonical (diagnostics print absolute paths).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The `kubake` binary with colours off and diagnostics wide enough that no line wraps:
/// wrapping would depend on the clone's path length.
pub fn kubake() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubake"));
    cmd.env("NO_COLOR", "1").env("COLUMNS", "1000");
    cmd
}
