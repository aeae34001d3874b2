//! Progress reporting for long pulls: pages, items, waits, retries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Something worth telling a progress display.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A page arrived with this many items.
    Page {
        /// Operation id.
        operation: &'static str,
        /// Items in the page.
        items: usize,
    },
    /// Waiting for a rate-limit window.
    Wait {
        /// Operation id.
        operation: &'static str,
        /// How long.
        delay: Duration,
    },
    /// Retrying after a failure.
    Retry {
        /// Operation id.
        operation: &'static str,
        /// The attempt that failed.
        attempt: u32,
        /// Delay before the next one.
        delay: Duration,
    },
}

type Callback = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// Counters and an optional callback, shared by clones.
///
/// Read the counters from a display loop (they are atomics, so an
/// `indicatif` bar can poll them), or pass a callback to be told of each
/// event as it happens.
#[derive(Clone, Default)]
pub struct Progress {
    counters: Arc<Counters>,
    callback: Option<Callback>,
}

#[derive(Default)]
struct Counters {
    pages: AtomicU64,
    items: AtomicU64,
    waits: AtomicU64,
    waited_ms: AtomicU64,
    retries: AtomicU64,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("pages", &self.pages())
            .field("items", &self.items())
            .field("waits", &self.waits())
            .field("retries", &self.retries())
            .finish()
    }
}

impl Progress {
    /// Counters only.
    pub fn new() -> Self {
        Progress::default()
    }

    /// Counters plus a callback for each event.
    pub fn with_callback(callback: impl Fn(&ProgressEvent) + Send + Sync + 'static) -> Self {
        Progress {
            counters: Arc::default(),
            callback: Some(Arc::new(callback)),
        }
    }

    /// Records an event.
    pub fn record(&self, event: &ProgressEvent) {
        let c = &self.counters;
        match event {
            ProgressEvent::Page { items, .. } => {
                c.pages.fetch_add(1, Ordering::Relaxed);
                c.items.fetch_add(*items as u64, Ordering::Relaxed);
            }
            ProgressEvent::Wait { delay, .. } => {
                c.waits.fetch_add(1, Ordering::Relaxed);
                c.waited_ms
                    .fetch_add(delay.as_millis() as u64, Ordering::Relaxed);
            }
            ProgressEvent::Retry { .. } => {
                c.retries.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let Some(cb) = &self.callback {
            cb(event);
        }
    }

    /// Pages received.
    pub fn pages(&self) -> u64 {
        self.counters.pages.load(Ordering::Relaxed)
    }

    /// Items received.
    pub fn items(&self) -> u64 {
        self.counters.items.load(Ordering::Relaxed)
    }

    /// Rate-limit waits.
    pub fn waits(&self) -> u64 {
        self.counters.waits.load(Ordering::Relaxed)
    }

    /// Total time spent waiting for rate limits.
    pub fn waited(&self) -> Duration {
        Duration::from_millis(self.counters.waited_ms.load(Ordering::Relaxed))
    }

    /// Retries.
    pub fn retries(&self) -> u64 {
        self.counters.retries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn counts_and_calls_back() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let p = Progress::with_callback(move |e| s2.lock().expect("lock").push(e.clone()));
        p.record(&ProgressEvent::Page {
            operation: "x",
            items: 10,
        });
        p.record(&ProgressEvent::Page {
            operation: "x",
            items: 5,
        });
        p.record(&ProgressEvent::Wait {
            operation: "x",
            delay: Duration::from_secs(2),
        });
        let clone = p.clone();
        clone.record(&ProgressEvent::Retry {
            operation: "x",
            attempt: 1,
            delay: Duration::ZERO,
        });
        assert_eq!(
            (p.pages(), p.items(), p.waits(), p.retries()),
            (2, 15, 1, 1)
        );
        assert_eq!(p.waited(), Duration::from_secs(2));
        assert_eq!(seen.lock().expect("lock").len(), 4);
    }
}
