//! The progress bar and the messages on standard error.
//!
//! The bar (pages, items, rate; total and ETA when counts are known) is
//! drawn only when standard error is a terminal and `--quiet` is not given.
//! Waits for a rate limit and retries are told as lines, unless `--quiet`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use xapi::progress::{Progress, ProgressEvent};

/// What the user sees on standard error.
pub struct Ui {
    bar: ProgressBar,
    quiet: bool,
    pages: AtomicU64,
}

impl Ui {
    /// A bar on standard error, hidden when it is not a terminal or `quiet`.
    pub fn new(quiet: bool) -> Arc<Ui> {
        let bar = if quiet || !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(spinner_style());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        };
        Arc::new(Ui {
            bar,
            quiet,
            pages: AtomicU64::new(0),
        })
    }

    /// A line on standard error (above the bar), unless quiet.
    pub fn say(&self, message: &str) {
        if self.quiet {
            return;
        }
        if self.bar.is_hidden() {
            eprintln!("{message}");
        } else {
            self.bar.println(message);
        }
    }

    /// The expected number of items, for a total and an ETA.
    pub fn set_total(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.set_style(bar_style());
    }

    /// Items already written (a resumed run).
    pub fn start_at(&self, pages: u64, items: u64) {
        self.pages.store(pages, Ordering::Relaxed);
        self.bar.set_position(items);
    }

    /// A page (or line) of `items` written.
    pub fn page(&self, items: u64) {
        let pages = self.pages.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        self.bar.inc(items);
        self.bar.set_message(format!("{pages} pages"));
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// The client's progress hook: tells waits and retries.
    pub fn progress(self: &Arc<Self>) -> Progress {
        let ui = self.clone();
        Progress::with_callback(move |event| match event {
            // Pacing waits (a second or less) are not worth a line.
            ProgressEvent::Wait { operation, delay } if *delay > Duration::from_millis(1500) => {
                let until = SystemTime::now()
                    .checked_add(*delay)
                    .map(|t| {
                        chrono::DateTime::<chrono::Utc>::from(t)
                            .format("%H:%M:%SZ")
                            .to_string()
                    })
                    .unwrap_or_default();
                ui.say(&format!(
                    "waiting {}s for the rate limit of {operation}, until {until}",
                    delay.as_secs()
                ));
            }
            ProgressEvent::Retry {
                operation,
                attempt,
                delay,
            } => ui.say(&format!(
                "{operation}: attempt {attempt} failed, retrying in {:.1}s",
                delay.as_secs_f64()
            )),
            _ => {}
        })
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} · {pos} items · {per_sec} · {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template("{bar:30} {pos}/{len} items · {msg} · {per_sec} · ETA {eta}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
}
