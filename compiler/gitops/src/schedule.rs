//! Running a batch of independent jobs of very different sizes on all cores, largest
//! first, with the results in the batch's order.
//!
//! Why not a plain `par_iter`: rayon splits a list in halves, so the second core starts
//! in the middle and works its half in order. A repository's charts range from a few
//! kilobytes to kube-prometheus-stack, whose render is most of a build; when it sits at
//! the end of a half it starts last and the build waits for it alone. Starting the
//! largest job first (the longest-processing-time rule) keeps every core busy until the
//! end. Where results go does not depend on which core ran what, so outputs stay the
//! same for any thread count.
//!
//! Not here: estimating a job's size (the caller's `cost`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Runs `run` on every item, the items with the highest `cost` first, on the rayon
/// pool; returns the results in the order of `items`.
pub fn largest_first<T, R, C, F>(items: Vec<T>, cost: C, run: F) -> Vec<R>
where
    T: Send,
    R: Send,
    C: Fn(&T) -> u64,
    F: Fn(T) -> R + Sync,
{
    let count = items.len();
    let mut order: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (cost(item), i))
        .collect();
    // Highest cost first; equal costs in batch order, so the schedule is reproducible.
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let slots: Vec<Mutex<Option<T>>> = items.into_iter().map(|t| Mutex::new(Some(t))).collect();
    let results: Vec<Mutex<Option<R>>> = (0..count).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    // One job per item, each running the largest item not yet started: a thread waiting
    // inside a render (for the other half of its templates) may pick up one of these
    // jobs meanwhile, and then returns to its render after one chart, not after the
    // rest of the batch.
    let run_next = || {
        let turn = next.fetch_add(1, Ordering::Relaxed);
        let Some(&(_, i)) = order.get(turn) else {
            return;
        };
        let item = slots[i].lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(item) = item {
            let r = run(item);
            *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
        }
    };
    if rayon::current_num_threads().min(count) <= 1 {
        (0..count).for_each(|_| run_next());
    } else {
        rayon::scope(|s| (0..count).for_each(|_| s.spawn(|_| run_next())));
    }
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every job ran: each index is taken exactly once")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_batch_order_whatever_the_costs() {
        let items: Vec<u64> = vec![3, 9, 1, 9, 4, 0, 7];
        let out = largest_first(items.clone(), |&x| x, |x| x * 10);
        assert_eq!(out, items.iter().map(|x| x * 10).collect::<Vec<_>>());
    }

    #[test]
    fn on_one_thread_the_largest_job_runs_first() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let started = Mutex::new(Vec::new());
        pool.install(|| {
            largest_first(
                vec![
                    ("small", 1),
                    ("large", 50),
                    ("medium", 7),
                    ("large too", 50),
                ],
                |&(_, cost)| cost,
                |(name, _)| started.lock().unwrap().push(name),
            )
        });
        assert_eq!(
            started.into_inner().unwrap(),
            ["large", "large too", "medium", "small"]
        );
    }

    #[test]
    fn an_empty_batch_gives_nothing() {
        let out: Vec<u8> = largest_first(Vec::<u8>::new(), |_| 0, |x| x);
        assert!(out.is_empty());
    }
}
