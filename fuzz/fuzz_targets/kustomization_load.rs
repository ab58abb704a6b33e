//! A kustomization.yaml (and a resource file) of any content builds or fails with an
//! error; it never panics or runs away.
#![no_main]

use std::path::Path;

use kubake_kustomize::{build, BuildOptions, MemFs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (kustomization, resource) = text.split_once("\n====\n").unwrap_or((text, ""));
    let fs = MemFs::new()
        .with("/app/kustomization.yaml", kustomization)
        .with("/app/res.yaml", resource)
        .with("/app/base/kustomization.yaml", "resources: [cm.yaml]\n")
        .with("/app/base/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n");
    let _ = build(&fs, Path::new("/app"), &BuildOptions::default());
});
