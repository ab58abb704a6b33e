//! An ordered map over a slice on scoped threads (or rayon's current pool, where the
//! process allows it): every thread (the caller's included)
//! takes the next item until none is left, so a few big items (a chart's largest
//! templates, its CRDs) do not leave one thread working alone; results are put back in
//! input order, and a worker's panic is resumed on the caller.
//!
//! Scoped threads, not rayon, unless the process says rayon is safe
//! ([`run_on_rayon_pool`]): a library caller may run inside a rayon pool on a thread
//! that pool waits for, and handing work back to that pool deadlocks.
//!
//! It lives here, beside [`cores`] (which reading a chart's files asks), and serves the
//! Helm layer (parsing templates, executing them, reading heads, the `crds/` texts).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use rayon::prelude::*;

static ON_RAYON: AtomicBool = AtomicBool::new(false);

/// Lets [`map_in_order`] run on rayon's current pool, whose threads, once started, serve
/// every parallel step of the process: a render had started a fresh thread for each
/// step (reading files, parsing, executing, the CRD texts), and each new thread paid
/// for its start and for warming its own allocator heap.
///
/// Only for a process in which no thread of that pool ever waits on a thread that may
/// call `map_in_order`, nor holds a lock across a parallel step: `kubake template` (one
/// render) and `kubake build` (its renders run on the pool's own threads). A render on a
/// thread of its own that a worker waited for could hand work back to a pool whose
/// threads all wait, and it would never run. (`kubake_helm::pipeline::with_render_pool`
/// calls this after building a pool with the renderer's deep stack, and runs the
/// command on it: a process that renders charts calls that.)
pub fn run_on_rayon_pool() {
    ON_RAYON.store(true, Ordering::Relaxed);
}

/// Whether [`run_on_rayon_pool`] was called (and there is more than one core to use).
pub fn on_rayon_pool() -> bool {
    ON_RAYON.load(Ordering::Relaxed) && cores() > 1
}

/// The cores this process may use (1 when unknown), asked of the system once: the
/// standard library reads the cgroup quota files on every call, and a render asks
/// before each parallel step.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// `items.iter().map(f).collect()`, on at most `max_threads` threads (and no more than
/// the machine has cores); on one thread when that is all there is to use.
pub fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    max_threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = cores().min(max_threads).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    if ON_RAYON.load(Ordering::Relaxed) {
        // Item by item when the pool is no bigger than asked; otherwise in `threads`
        // runs, so a step that asked for few threads does not take the whole pool.
        let run = if threads >= rayon::current_num_threads() {
            1
        } else {
            items.len().div_ceil(threads)
        };
        return items
            .par_iter()
            .with_min_len(run)
            .with_max_len(run)
            .map(&f)
            .collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut all: Vec<(usize, R)> = Vec::with_capacity(items.len());
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        all.extend(work());
        for helper in helpers {
            all.extend(
                helper
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            );
        }
    });
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<u32> = (0..1000).collect();
        let doubled = map_in_order(&items, 8, |x| x * 2);
        assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(map_in_order(&[] as &[u32], 8, |x| *x).is_empty());
    }
}
