//! Whole builds remembered across runs: when nothing a build reads has changed, its
//! bundle comes from the cache without compiling anything. This is what makes a
//! pre-commit `kubake check` on an unchanged repository cost a few milliseconds.
//!
//! The key covers everything a build can read: the resolved configuration (entry, root,
//! flavor, URLs, stores, sources, kube and API versions, variables, `--locked`), the
//! renderer's settings, kubake's identity, and the digest of every file and directory
//! name under the repository root, each chart store and each `--source` folder. That is
//! more than a build reads (a change to a README misses too), never less, so a hit is
//! exactly the bundle a compilation would make. Left out: `.git`, the cache folder, and
//! the bundle folder itself (kubake's output is not its input; a bundle placed inside a
//! folder that a unit reads whole would include itself, which no repository wants).
//!
//! An entry is the build's facts (units, warnings, lock) and the list of its files by
//! BLAKE3; the files themselves are kept once each, by content (`blob` entries), so
//! builds that share files share storage. Failed builds are not kept.
//!
//! Not here: chart renders, which are cached one by one behind the renderer seam
//! (`kubake_gitops::CachingRenderer`), so a build that misses still reuses every chart
//! whose inputs did not change.

use std::path::{Path, PathBuf};

use kubake_cache::{digest, Key, Store};
use rayon::prelude::*;
use serde_json::{json, Value as Json};

use crate::{BuildOptions, Bundle, CacheUse, FileBytes, Prepared};

/// The cache domain of builds; bump the suffix when the encoding changes.
const DOMAIN: &str = "build-v1";
/// The cache domain of bundle files, by BLAKE3.
const BLOBS: &str = "blob";

/// The digest of everything a build of `cfg` reads except `kubake.lock` (which a build
/// may write, and which [`key`] adds), or `None` when some input cannot be read (the
/// build then runs uncached and reports the problem itself).
pub(crate) fn inputs(
    cfg: &kubake_gitops::Config,
    opts: &BuildOptions,
    store: &Store,
) -> Option<String> {
    let exclude = [
        digest::absolute(&opts.out),
        digest::absolute(store.dir()),
        cfg.root.join(kubake_gitops::lock::LOCK_FILE),
    ];
    let mut k = Key::new(DOMAIN);
    k.str(&kubake_cache::kubake_identity())
        .str(&opts.renderer_settings)
        .str(&format!("{cfg:?}"));
    k.digest(&digest::tree(&cfg.root, &exclude).ok()?);
    let outside: Vec<&PathBuf> = cfg
        .chart_stores
        .iter()
        .chain(cfg.sources.values())
        .collect();
    for dir in outside {
        k.str(&dir.to_string_lossy());
        if dir.exists() {
            k.digest(&digest::tree(dir, &exclude).ok()?);
        } else {
            k.str("absent");
        }
    }
    Some(k.finish())
}

/// The key of a build with `inputs` (see [`inputs`]) and `kubake.lock` as `lock`.
pub(crate) fn key(inputs: &str, lock: Option<&[u8]>) -> String {
    let mut k = Key::new(DOMAIN);
    k.str(inputs);
    match lock {
        Some(bytes) => k.flag(true).bytes(bytes),
        None => k.flag(false),
    };
    k.finish()
}

/// The build kept under `key`, with every file; `None` when absent or damaged. `root`
/// is the repository root of the build asking (never taken from the entry).
pub(crate) fn load(store: &Store, key: &str, root: &Path) -> Option<Prepared> {
    let v: Json = serde_json::from_slice(&store.get(DOMAIN, key)?).ok()?;
    let strings = |field: &str| -> Option<Vec<String>> {
        v.get(field)?
            .as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let listed: Vec<(String, String)> = v
        .get("files")?
        .as_array()?
        .iter()
        .map(|f| Some((f.get(0)?.as_str()?.into(), f.get(1)?.as_str()?.into())))
        .collect::<Option<_>>()?;
    // An entry is data from disk: only plain file names and BLAKE3 digests are taken.
    let plain = |path: &str| {
        !path.is_empty() && path != "." && path != ".." && !path.contains(['/', '\\', '\0'])
    };
    let digest = |hash: &str| hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    if !listed.iter().all(|(p, h)| plain(p) && digest(h)) {
        return None;
    }
    let (files, hashes): (Vec<(String, FileBytes)>, Vec<String>) = listed
        .into_par_iter()
        .map(|(path, hash)| {
            let bytes = store.get(BLOBS, &hash)?;
            if blake3::hash(&bytes).to_hex().as_str() != hash {
                // damaged: removed, so that the next save writes it again
                store.remove(BLOBS, &hash);
                return None;
            }
            Some(((path, FileBytes::Whole(bytes)), hash))
        })
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .unzip();
    let count = |field: &str| -> Option<usize> { usize::try_from(v.get(field)?.as_u64()?).ok() };
    Some(Prepared {
        bundle: Bundle {
            files,
            hashes,
            root_hash: v.get("rootHash")?.as_str()?.into(),
            objects: count("objects")?,
            compiled_away: count("compiledAway")?,
        },
        units: count("units")?,
        suspended: strings("suspended")?,
        warnings: strings("warnings")?,
        root: root.to_path_buf(),
        lock_text: v.get("lock")?.as_str()?.into(),
        lock_changed: v.get("lockChanged")?.as_bool()?,
        locked: v.get("locked")?.as_bool()?,
        cache: CacheUse::default(),
        cache_inputs: None,
    })
}

/// Keeps `p` under `key` (best effort).
pub(crate) fn save(store: &Store, key: &str, p: &Prepared) {
    let listed: Vec<(String, String)> = p
        .bundle
        .files
        .par_iter()
        .zip(&p.bundle.hashes)
        .map(|((path, bytes), hash)| {
            if !store.contains(BLOBS, hash) {
                store.put(BLOBS, hash, &bytes.to_vec());
            }
            (path.clone(), hash.clone())
        })
        .collect();
    let entry = json!({
        "files": listed.iter().map(|(p, h)| json!([p, h])).collect::<Vec<_>>(),
        "rootHash": p.bundle.root_hash,
        "objects": p.bundle.objects,
        "compiledAway": p.bundle.compiled_away,
        "units": p.units,
        "suspended": p.suspended,
        "warnings": p.warnings,
        "lock": p.lock_text,
        "lockChanged": p.lock_changed,
        "locked": p.locked,
    });
    store.put(DOMAIN, key, entry.to_string().as_bytes());
    store.gc_now_and_then(kubake_cache::DEFAULT_MAX_BYTES);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, hash: &str) -> Vec<u8> {
        json!({
            "files": [[path, hash]], "rootHash": "r", "objects": 1, "compiledAway": 0,
            "units": 1, "suspended": [], "warnings": [], "lock": "", "lockChanged": false,
            "locked": false,
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn entries_naming_paths_outside_the_bundle_or_damaged_blobs_are_misses() {
        let dir = std::env::temp_dir().join(format!("kubake-cached-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::new(&dir);
        let root = Path::new("/repo");
        let bytes = b"kind: ConfigMap\n";
        let hash = blake3::hash(bytes).to_hex().to_string();
        store.put(BLOBS, &hash, bytes);

        store.put(DOMAIN, "good", &entry("00-a.yaml", &hash));
        let good = load(&store, "good", root).expect("a sound entry loads");
        assert_eq!(
            good.bundle.files,
            vec![("00-a.yaml".into(), FileBytes::Whole(bytes.to_vec()))]
        );
        assert_eq!(good.root, root);

        for (name, path, h) in [
            ("up", "../evil.yaml", hash.as_str()),
            ("abs", "/etc/evil", hash.as_str()),
            ("sub", "a/b.yaml", hash.as_str()),
            ("hash", "00-a.yaml", "../../x"),
        ] {
            store.put(DOMAIN, name, &entry(path, h));
            assert!(load(&store, name, root).is_none(), "{name}");
        }

        // A blob whose bytes no longer match its name is removed.
        let other = blake3::hash(b"other").to_hex().to_string();
        store.put(BLOBS, &other, b"tampered");
        store.put(DOMAIN, "damaged", &entry("00-a.yaml", &other));
        assert!(load(&store, "damaged", root).is_none());
        assert!(!store.contains(BLOBS, &other));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
