//! The progress bar of `kubake build` and `kubake check`: units done out of units known,
//! and what is being worked on, on standard error. Only on a terminal, never with
//! `--quiet` or `--json`, and only once a build has taken longer than a moment (so a
//! cached or small build prints nothing but its result). It is cleared when the build
//! ends.
//!
//! Not here: what is reported (`kubake_gitops::BuildProgress`, from the engine).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kubake_bundle::ProgressSink;
use kubake_gitops::BuildProgress;

/// How long a build runs before the bar appears.
const QUIET_START: Duration = Duration::from_millis(300);

/// A progress bar that appears only after [`QUIET_START`].
pub struct Bar {
    started: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    /// A bar for a build starting now, when standard error is a terminal and `wanted`.
    pub fn start(wanted: bool) -> Option<Arc<Bar>> {
        (wanted && std::io::stderr().is_terminal()).then(|| {
            Arc::new(Bar {
                started: Instant::now(),
                bar: Mutex::new(None),
            })
        })
    }

    /// The sink the build reports to.
    pub fn sink(self: &Arc<Bar>) -> ProgressSink {
        let me = Arc::clone(self);
        ProgressSink(Arc::new(move |p: &BuildProgress| me.update(p)))
    }

    fn update(&self, p: &BuildProgress) {
        if self.started.elapsed() < QUIET_START {
            return;
        }
        let Ok(mut slot) = self.bar.lock() else {
            return;
        };
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{spinner} [{bar:24}] {pos}/{len} units  {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
        bar.set_message(p.current.clone());
    }

    /// Removes the bar (before the result is printed).
    pub fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        }
    }
}
