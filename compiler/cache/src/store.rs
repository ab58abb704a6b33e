//! The store: entries as files `DIR/<domain>/<key[0..2]>/<key>`, written atomically
//! through `DIR/tmp`, bounded by [`Store::gc`].

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Temporary files older than this belong to a run that died; `gc` removes them.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// The size [`Store::gc_now_and_then`] keeps a store under, and `kubake cache gc`'s
/// default.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// How often [`Store::gc_now_and_then`] collects.
const GC_INTERVAL: Duration = Duration::from_secs(24 * 3600);

/// A cache directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    dir: PathBuf,
}

/// How much a store holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Entries.
    pub entries: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// What [`Store::gc`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcReport {
    /// What was there before.
    pub before: Usage,
    /// Entries removed.
    pub removed: u64,
    /// Bytes freed.
    pub freed: u64,
}

impl Store {
    /// The store at `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The default location: `$XDG_CACHE_HOME/kubake`, else `$HOME/.cache/kubake`.
    pub fn default_dir() -> Option<PathBuf> {
        let nonempty = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty());
        nonempty("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| nonempty("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .map(|d| d.join("kubake"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where an entry lives. Keys are hex digests; anything else (a damaged entry
    /// naming a blob) maps to a name that cannot leave the store.
    fn entry_path(&self, domain: &str, key: &str) -> PathBuf {
        let key: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let shard: String = key.chars().take(2).collect();
        self.dir.join(domain).join(shard).join(key)
    }

    /// The entry `key` of `domain`, refreshed as recently used; `None` when absent or
    /// unreadable.
    pub fn get(&self, domain: &str, key: &str) -> Option<Vec<u8>> {
        let path = self.entry_path(domain, key);
        let bytes = fs::read(&path).ok()?;
        // Recency for gc; a read-only cache still serves.
        if let Ok(f) = fs::File::options().write(true).open(&path) {
            let _ = f.set_modified(SystemTime::now());
        }
        Some(bytes)
    }

    /// Whether the entry `key` of `domain` is there (without refreshing it).
    pub fn contains(&self, domain: &str, key: &str) -> bool {
        self.entry_path(domain, key).is_file()
    }

    /// Removes the entry `key` of `domain` (a damaged one), if it is there.
    pub fn remove(&self, domain: &str, key: &str) {
        let _ = fs::remove_file(self.entry_path(domain, key));
    }

    /// Stores `bytes` as the entry `key` of `domain`, atomically. Failures are ignored:
    /// the cache only ever makes a build faster.
    pub fn put(&self, domain: &str, key: &str, bytes: &[u8]) {
        let _ = self.try_put(domain, key, bytes);
    }

    fn try_put(&self, domain: &str, key: &str, bytes: &[u8]) -> io::Result<()> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let path = self.entry_path(domain, key);
        let tmp_dir = self.dir.join("tmp");
        fs::create_dir_all(&tmp_dir)?;
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let tmp = tmp_dir.join(format!(
            "{}-{}-{key}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let written =
            fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()));
        match written.and_then(|()| fs::rename(&tmp, &path)) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// Runs [`Store::gc`] with `max_bytes` when the last such run is more than a day
    /// old (a marker file records it), so that a cache nobody cleans stays bounded
    /// without every build paying for a walk of it. Failures are ignored.
    pub fn gc_now_and_then(&self, max_bytes: u64) {
        let marker = self.dir.join("last-gc");
        let due = fs::metadata(&marker)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_none_or(|age| age > GC_INTERVAL);
        if due && fs::create_dir_all(&self.dir).is_ok() && fs::write(&marker, b"").is_ok() {
            let _ = self.gc(max_bytes);
        }
    }

    /// Every entry with its size and last use.
    fn entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(&self.dir)
            .min_depth(3)
            .max_depth(3)
            .into_iter()
            .filter_map(Result::ok)
        {
            if e.path().starts_with(self.dir.join("tmp")) || !e.file_type().is_file() {
                continue;
            }
            if let Ok(m) = e.metadata() {
                let used = m.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                out.push((e.into_path(), m.len(), used));
            }
        }
        out
    }

    /// How much the store holds.
    pub fn usage(&self) -> Usage {
        let entries = self.entries();
        Usage {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.1).sum(),
        }
    }

    /// Removes the least recently used entries until at most `max_bytes` remain, and
    /// temporary files left by runs that died.
    pub fn gc(&self, max_bytes: u64) -> io::Result<GcReport> {
        let now = SystemTime::now();
        if let Ok(tmp) = fs::read_dir(self.dir.join("tmp")) {
            for e in tmp.filter_map(Result::ok) {
                let old = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| now.duration_since(t).ok())
                    .is_some_and(|age| age > STALE_TEMP);
                if old {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        let mut entries = self.entries();
        let before = Usage {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.1).sum(),
        };
        // Oldest first; the path breaks ties so that gc is deterministic.
        entries.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
        let mut report = GcReport {
            before,
            ..GcReport::default()
        };
        let mut total = before.bytes;
        for (path, len, _) in entries {
            if total <= max_bytes {
                break;
            }
            match fs::remove_file(&path) {
                Ok(()) => {
                    total -= len;
                    report.removed += 1;
                    report.freed += len;
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => total -= len,
                Err(e) => return Err(e),
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store(name: &str) -> Store {
        let dir = std::env::temp_dir().join(format!("kubake-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        Store::new(dir)
    }

    #[test]
    fn entries_round_trip_and_miss_when_absent() {
        let s = temp_store("roundtrip");
        assert_eq!(s.get("render", "abcd"), None);
        s.put("render", "abcd", b"hello");
        assert_eq!(s.get("render", "abcd").as_deref(), Some(&b"hello"[..]));
        assert_eq!(s.get("build", "abcd"), None);
        assert_eq!(
            s.usage(),
            Usage {
                entries: 1,
                bytes: 5
            }
        );
        let _ = fs::remove_dir_all(s.dir());
    }

    #[test]
    fn gc_runs_now_and_then() {
        let s = temp_store("then");
        s.put("render", "bb01", &[0; 100]);
        s.gc_now_and_then(0);
        assert_eq!(s.usage().entries, 0, "the first call collects");
        s.put("render", "bb02", &[0; 100]);
        s.gc_now_and_then(0);
        assert_eq!(s.usage().entries, 1, "a second call the same day does not");
        let _ = fs::remove_dir_all(s.dir());
    }

    #[test]
    fn gc_removes_least_recently_used_first() {
        let s = temp_store("gc");
        s.put("render", "aa01", &[0; 100]);
        s.put("render", "aa02", &[0; 100]);
        s.put("render", "aa03", &[0; 100]);
        let age = |key: &str, secs: u64| {
            let f = fs::File::options()
                .write(true)
                .open(s.entry_path("render", key))
                .unwrap();
            f.set_modified(SystemTime::now() - Duration::from_secs(secs))
                .unwrap();
        };
        age("aa01", 30);
        age("aa02", 10);
        age("aa03", 20);
        // Reading aa01 makes it the most recently used.
        assert!(s.get("render", "aa01").is_some());
        let r = s.gc(150).unwrap();
        assert_eq!(
            r.before,
            Usage {
                entries: 3,
                bytes: 300
            }
        );
        assert_eq!((r.removed, r.freed), (2, 200));
        assert!(s.get("render", "aa01").is_some());
        assert!(s.get("render", "aa02").is_none());
        assert!(s.get("render", "aa03").is_none());
        let _ = fs::remove_dir_all(s.dir());
    }
}
