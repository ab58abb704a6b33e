//! Links the `kubake` executable as a position-dependent (non-PIE) binary on Linux/glibc.
//!
//! Why: kubake runs as a short process many times over (pre-commit hooks, one
//! `kubake template` per chart in scripts). A PIE binary of this size carries ~54 000
//! relative relocations that the dynamic loader applies at every start, faulting in
//! ~360 extra pages; measured, that was a third of a small chart's whole render
//! (2.8 ms of `kubake --version` against 1.8 ms without). The cost is ASLR of the
//! executable's own image (shared libraries, stack and heap stay randomized).
//!
//! The shipped executable goes further (`scripts/build-release.sh`: a static C runtime
//! and `relocation-model=static`, so rustc itself links a static non-PIE executable);
//! adding `-no-pie` to that link would make a binary that asks for a dynamic loader it
//! does not have, so it is left out there.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let static_crt = features.split(',').any(|f| f == "crt-static");
    if os == "linux" && env == "gnu" && !static_crt {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
