//! kubake's on-disk cache: results of earlier builds, found again by a BLAKE3 digest of
//! everything they were made from.
//!
//! The cache is content-addressed: an entry's name is the [`Key`] of its inputs (chart
//! bytes, values, flags, file contents, kubake's own identity), never a path or a time,
//! so a stale entry cannot be found, only a correct one or none. Writers put each entry
//! into a temporary file and rename it into place, so concurrent runs (two pre-commit
//! hooks, parallel CI jobs sharing a cache) see whole entries or nothing, and a crash
//! leaves at most a temporary file that [`Store::gc`] removes. Reading an entry refreshes
//! its modification time, and `gc` removes the least recently used entries first until
//! the store fits its size bound.
//!
//! Every failure to read or write the cache is a miss, never an error: the cache can be
//! deleted at any time and a build only gets slower.
//!
//! Not here: what the entries mean (the gitops and bundle crates encode them), or which
//! inputs a result depends on (the callers build the keys, [`digest`] helps with files).

pub mod digest;
mod store;

pub use store::{GcReport, Store, Usage, DEFAULT_MAX_BYTES};

/// A cache key under construction: a BLAKE3 hash of typed, length-prefixed fields, so
/// that no two different field sequences hash alike (`"ab","c"` vs `"a","bc"`).
#[derive(Clone, Debug)]
pub struct Key(blake3::Hasher);

impl Key {
    /// A key for entries of `domain` (`"render"`, `"build"`…): keys of different
    /// domains never collide.
    pub fn new(domain: &str) -> Key {
        let mut k = Key(blake3::Hasher::new());
        k.str(domain);
        k
    }

    /// Adds bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Key {
        self.0.update(&(b.len() as u64).to_le_bytes());
        self.0.update(b);
        self
    }

    /// Adds a string.
    pub fn str(&mut self, s: &str) -> &mut Key {
        self.bytes(s.as_bytes())
    }

    /// Adds a flag.
    pub fn flag(&mut self, b: bool) -> &mut Key {
        self.bytes(&[u8::from(b)])
    }

    /// Adds a digest computed elsewhere (a file's or a tree's).
    pub fn digest(&mut self, d: &blake3::Hash) -> &mut Key {
        self.bytes(d.as_bytes())
    }

    /// The finished key, as 64 hex digits.
    pub fn finish(&self) -> String {
        self.0.finalize().to_hex().to_string()
    }
}

/// What identifies the running kubake: its version and its executable (size and
/// modification time), so that entries made by another build of kubake, even one with
/// the same version number, are never used.
pub fn kubake_identity() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", m.len())
        })
        .unwrap_or_default();
    format!("kubake {} {exe}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_length_prefixed() {
        let a = Key::new("t").str("ab").str("c").finish();
        let b = Key::new("t").str("a").str("bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, Key::new("t").str("ab").str("c").finish());
        assert_ne!(a, Key::new("u").str("ab").str("c").finish());
        assert_eq!(a.len(), 64);
    }
}
