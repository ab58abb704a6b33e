//! An ordered map over a slice on scoped threads: the slice cut into one run per thread,
//! results joined back in input order, a worker's panic resumed on the caller.
//!
//! Scoped threads, not rayon: callers (a GitOps build) may run inside a rayon pool on a
//! thread that pool waits for, and handing work back to that pool deadlocks.

/// `items.iter().map(f).collect()`, on at most `max_threads` threads (and no more than
/// the machine has cores); on one thread when that is all there is to use.
pub(crate) fn map_in_order<T: Sync, R: Send>(
    items: &[T],
    max_threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(max_threads);
    if threads <= 1 || items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    })
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
