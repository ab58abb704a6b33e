//! The render environment: what makes Sprig's random and clock functions deterministic.
//!
//! Helm's `randAlphaNum`, `uuidv4`, `genCA`, `now`, `bcrypt` salts and `encryptAES` IVs
//! read the operating system's entropy and clock, so every `helm template` run gives
//! different bytes. kubake promises the same bytes for the same inputs, so each function
//! that would read entropy or the clock reads a [`RenderEnv`] instead:
//!
//! * a ChaCha20 stream seeded from the render's identity (release name, namespace,
//!   template name) and an optional user seed ([`Determinism::user_seed`]); the stream
//!   advances with each call, so call order matters exactly as it would for a real
//!   random source, and two calls never repeat each other;
//! * a fixed clock ([`Determinism::clock`]) for `now`, `ago`, `date` fallbacks and
//!   certificate validity periods;
//! * a record ([`RandomUse`]) of every value a random or key-generating function produced,
//!   so the Helm layer can warn when such a value ends up in a Secret (a password that
//!   was meant to be random is in fact reproducible from the inputs).
//!
//! The environment reaches functions as gotmpl host data (`CallContext::host_data`).
//! Functions called without one (a bare function map) use a fallback stream seeded from
//! the function name alone: still deterministic, just not tied to a render.
//!
//! Not here: Helm's include-recursion counter lives here too, but its rules are in
//! `funcs::helm`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use kubake_gotmpl::CallContext;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

use crate::funcs::time::GoTime;

/// The inputs that pin down a render's random and clock functions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Determinism {
    /// The render's "now", as Unix seconds (UTC). `now`, `ago` and certificate validity
    /// read it; a caller typically passes a commit time or `SOURCE_DATE_EPOCH`.
    pub clock: i64,
    /// Mixed into every stream; changing it changes every random value of the render.
    pub user_seed: Option<String>,
}

impl Default for Determinism {
    /// The clock at 2025-01-01T00:00:00Z and no user seed.
    fn default() -> Self {
        Determinism {
            clock: 1_735_689_600,
            user_seed: None,
        }
    }
}

/// Which render a stream belongs to: Helm's release plus the template being executed.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct StreamId {
    /// `.Release.Name`
    pub release: String,
    /// `.Release.Namespace`
    pub namespace: String,
    /// The template file being executed (`mychart/templates/secret.yaml`).
    pub template: String,
}

/// A value a random or key-generating function produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomUse {
    /// The function (`randAlphaNum`, `genCA`, ...).
    pub function: String,
    /// The template (or `define`) that called it.
    pub template: String,
    /// The text forms the value may reach output in (a generated string; a
    /// certificate's PEM and its key's PEM).
    pub produced: Vec<String>,
}

/// Per-render host data for the function library: the random stream, the clock, the
/// record of random values, and Helm's include-recursion counters.
#[derive(Debug)]
pub struct RenderEnv {
    clock: GoTime,
    rng: Mutex<ChaCha20Rng>,
    uses: Mutex<Vec<RandomUse>>,
    includes: Mutex<BTreeMap<String, usize>>,
}

impl RenderEnv {
    /// The environment for one template execution.
    pub fn new(id: &StreamId, det: &Determinism) -> RenderEnv {
        let mut h = Sha256::new();
        // Length-prefixed fields so ("ab", "c") and ("a", "bc") seed different streams.
        for part in [
            "kubake-render-stream-v1",
            id.release.as_str(),
            id.namespace.as_str(),
            id.template.as_str(),
            det.user_seed.as_deref().unwrap_or(""),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        h.update([u8::from(det.user_seed.is_some())]);
        RenderEnv::from_seed(h.finalize().into(), det.clock)
    }

    fn from_seed(seed: [u8; 32], clock: i64) -> RenderEnv {
        RenderEnv {
            clock: GoTime::from_unix(clock, 0, crate::funcs::time::Zone::Local),
            rng: Mutex::new(ChaCha20Rng::from_seed(seed)),
            uses: Mutex::new(Vec::new()),
            includes: Mutex::new(BTreeMap::new()),
        }
    }

    /// The render's fixed "now".
    pub fn now(&self) -> GoTime {
        self.clock.clone()
    }

    /// Runs `f` with the stream. Each call continues where the previous one stopped.
    pub fn with_rng<R>(&self, f: impl FnOnce(&mut ChaCha20Rng) -> R) -> R {
        f(&mut lock(&self.rng))
    }

    /// Records that `function` (called from `template`) produced `produced`.
    pub fn record(&self, function: &str, template: &str, produced: Vec<String>) {
        lock(&self.uses).push(RandomUse {
            function: function.to_string(),
            template: template.to_string(),
            produced,
        });
    }

    /// Every random value produced so far, in call order.
    pub fn random_uses(&self) -> Vec<RandomUse> {
        lock(&self.uses).clone()
    }

    /// Enters an `include` of `name`; `false` when the name is already nested `limit`
    /// times (Helm's recursion guard).
    pub(crate) fn enter_include(&self, name: &str, limit: usize) -> bool {
        let mut map = lock(&self.includes);
        // Looked up before inserting: `entry` would copy the name on every include.
        let n = match map.get_mut(name) {
            Some(n) => n,
            None => map.entry(name.to_string()).or_insert(0),
        };
        if *n > limit {
            return false;
        }
        *n += 1;
        true
    }

    /// Leaves an `include` entered with [`RenderEnv::enter_include`].
    pub(crate) fn leave_include(&self, name: &str) {
        if let Some(n) = lock(&self.includes).get_mut(name) {
            *n = n.saturating_sub(1);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a function panicked while holding it; the data is
    // still usable and panicking again would turn one bug into two.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The environment a function should use: the render's, or a per-call fallback seeded
/// from the function's name when the host passed none.
pub(crate) fn env_of(ctx: &CallContext<'_>) -> EnvRef {
    match ctx.host_data::<RenderEnv>() {
        Some(_) => EnvRef::Host,
        None => {
            let seed: [u8; 32] = Sha256::digest(ctx.name().as_bytes()).into();
            EnvRef::Fallback(Arc::new(RenderEnv::from_seed(
                seed,
                Determinism::default().clock,
            )))
        }
    }
}

/// Either the host's environment (borrowed from the context on each use) or a fallback.
pub(crate) enum EnvRef {
    Host,
    Fallback(Arc<RenderEnv>),
}

impl EnvRef {
    pub(crate) fn get<'a>(&'a self, ctx: &'a CallContext<'_>) -> &'a RenderEnv {
        match self {
            EnvRef::Fallback(env) => env,
            EnvRef::Host => match ctx.host_data::<RenderEnv>() {
                Some(env) => env,
                // Unreachable in practice (checked in `env_of`); answer with a static
                // fallback rather than panic.
                None => fallback_static(),
            },
        }
    }
}

fn fallback_static() -> &'static RenderEnv {
    static FALLBACK: std::sync::OnceLock<RenderEnv> = std::sync::OnceLock::new();
    FALLBACK.get_or_init(|| RenderEnv::from_seed([0; 32], Determinism::default().clock))
}

/// Runs `f` with the environment of the call (see [`env_of`]).
pub(crate) fn with_env<R>(ctx: &CallContext<'_>, f: impl FnOnce(&RenderEnv) -> R) -> R {
    let e = env_of(ctx);
    f(e.get(ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_depend_on_identity_and_seed() {
        let det = Determinism::default();
        let id = StreamId {
            release: "r".into(),
            namespace: "ns".into(),
            template: "c/templates/a.yaml".into(),
        };
        let a = RenderEnv::new(&id, &det).with_rng(|r| r.next_u64());
        let b = RenderEnv::new(&id, &det).with_rng(|r| r.next_u64());
        assert_eq!(a, b, "same identity, same stream");
        let other = StreamId {
            template: "c/templates/b.yaml".into(),
            ..id.clone()
        };
        assert_ne!(a, RenderEnv::new(&other, &det).with_rng(|r| r.next_u64()));
        let seeded = Determinism {
            user_seed: Some("x".into()),
            ..det
        };
        assert_ne!(a, RenderEnv::new(&id, &seeded).with_rng(|r| r.next_u64()));
    }

    #[test]
    fn calls_continue_the_stream() {
        let env = RenderEnv::new(&StreamId::default(), &Determinism::default());
        let a = env.with_rng(|r| r.next_u64());
        let b = env.with_rng(|r| r.next_u64());
        assert_ne!(a, b);
    }

    #[test]
    fn include_counter_limits_nesting() {
        let env = RenderEnv::new(&StreamId::default(), &Determinism::default());
        assert!(env.enter_include("a", 1));
        assert!(env.enter_include("a", 1));
        assert!(!env.enter_include("a", 1));
        env.leave_include("a");
        assert!(env.enter_include("a", 1));
    }
}
