//! Isolated execution: running templates at once on several threads with the guarantee
//! that none of them changed a map another one can see.
//!
//! Helm executes a chart's templates one after the other, and a template may change a
//! map the next one reads (`set .Values …`, `mergeOverwrite $ …`): the order is part of
//! the result. Most charts never do, so a host can execute the templates concurrently,
//! each inside [`isolated`], and keep the results only when no execution wrote to a map
//! that existed before it started; otherwise it runs them again in order. A refused
//! write is not made (the execution goes on with a stale map and its output is thrown
//! away), so the shared maps are exactly as they were for the ordered run.
//!
//! Maps remember the isolation they were made in; writing to a map made in the same
//! isolation (the `dict`s a template builds for itself) is allowed.
//!
//! Not here: the ordered fallback (the host's), thread pools.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// The isolation running on this thread (0: none).
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    /// Whether the isolation running on this thread had a write refused.
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

static NEXT: AtomicU64 = AtomicU64::new(1);

/// Runs `f` isolated; returns its result and whether it tried to write to a map made
/// outside it (in which case the write was not made and the result is not to be used).
pub fn isolated<R>(f: impl FnOnce() -> R) -> (R, bool) {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let outer = (CURRENT.replace(id), REFUSED.replace(false));
    let result = f();
    let refused = REFUSED.replace(outer.1);
    CURRENT.set(outer.0);
    (result, refused)
}

/// Whether the isolation running on this thread had a write refused: its execution can
/// stop, its result will not be used.
pub(crate) fn refused() -> bool {
    REFUSED.get()
}

/// The isolation a map made now belongs to.
pub(super) fn current() -> u64 {
    CURRENT.get()
}

/// Whether a map made in isolation `born` may be written now; records a refusal.
pub(super) fn may_write(born: u64) -> bool {
    let current = CURRENT.get();
    if current == 0 || current == born {
        return true;
    }
    REFUSED.set(true);
    false
}

#[cfg(test)]
mod tests {
    use crate::value::{Map, Value};

    use super::isolated;

    #[test]
    fn writes_to_outside_maps_are_refused_and_reported() {
        let shared = Map::new();
        let ((), refused) = isolated(|| shared.insert("k", Value::int(1)));
        assert!(refused);
        assert!(shared.is_empty(), "the refused write was not made");
        let (mine, refused) = isolated(|| {
            let mine = Map::new();
            mine.insert("k", Value::int(1));
            mine.remove("k");
            mine.insert("j", Value::int(2));
            mine
        });
        assert!(!refused);
        assert_eq!(mine.len(), 1);
        // Outside any isolation every write goes through.
        shared.insert("k", Value::int(1));
        assert_eq!(shared.len(), 1);
    }

    #[test]
    fn maps_of_an_earlier_isolation_are_outside_the_next() {
        let (made, _) = isolated(Map::new);
        let ((), refused) = isolated(|| made.insert("k", Value::Nil));
        assert!(refused);
    }
}
