//! Rate-limit budgets and the policy for waiting on them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::answer::rate_limit::RateLimit;

/// What happens when a request would exceed a rate limit.
#[derive(Clone)]
#[non_exhaustive]
pub enum RateLimitPolicy {
    /// Sleep until the window resets (plus up to a second of jitter), at most
    /// `max_wait` at a time; a longer wait is an error. The default, with 16
    /// minutes (a whole 15-minute window and some slack).
    Wait {
        /// Longest single wait.
        max_wait: Duration,
    },
    /// Return an error at once.
    Error,
    /// Ask a function.
    Custom(Arc<dyn Fn(&RateLimitEvent) -> RateDecision + Send + Sync>),
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        RateLimitPolicy::Wait {
            max_wait: Duration::from_secs(16 * 60),
        }
    }
}

impl std::fmt::Debug for RateLimitPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RateLimitPolicy::Wait { max_wait } => {
                f.debug_struct("Wait").field("max_wait", max_wait).finish()
            }
            RateLimitPolicy::Error => f.write_str("Error"),
            RateLimitPolicy::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// A rate-limit situation, handed to a [`RateLimitPolicy::Custom`] function.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RateLimitEvent {
    /// Operation id.
    pub operation: &'static str,
    /// `METHOD /path/template`.
    pub endpoint: String,
    /// How long until the window resets.
    pub wait: Duration,
    /// The budget as last reported.
    pub limit: RateLimit,
    /// Whether the API already answered 429 (otherwise the budget said 0 left).
    pub after_429: bool,
}

impl RateLimitEvent {
    /// An event, for custom policies' tests.
    pub fn new(
        operation: &'static str,
        endpoint: impl Into<String>,
        wait: Duration,
        limit: RateLimit,
        after_429: bool,
    ) -> Self {
        RateLimitEvent {
            operation,
            endpoint: endpoint.into(),
            wait,
            limit,
            after_429,
        }
    }
}

/// A custom policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateDecision {
    /// Wait this long, then send.
    Wait(Duration),
    /// Give up with an error.
    Error,
}

impl RateLimitPolicy {
    /// Applies the policy to `event`: how long to wait, or `None` to give up.
    pub fn decide(&self, event: &RateLimitEvent, jitter: Duration) -> Option<Duration> {
        match self {
            RateLimitPolicy::Wait { max_wait } => {
                let wait = event.wait.saturating_add(jitter);
                (wait <= *max_wait).then_some(wait)
            }
            RateLimitPolicy::Error => None,
            RateLimitPolicy::Custom(f) => match f(event) {
                RateDecision::Wait(d) => Some(d),
                RateDecision::Error => None,
            },
        }
    }
}

/// Per-endpoint, per-credential budgets, shared by the clones of a client.
#[derive(Debug, Default)]
pub struct Budgets {
    // Looked up twice per request: a fast hasher (the keys are not chosen by
    // the network).
    map: Mutex<HashMap<(u64, &'static str, &'static str), RateLimit, foldhash::fast::FixedState>>,
}

impl Budgets {
    /// Records the headers of an answer.
    pub fn update(
        &self,
        credential: u64,
        method: &'static str,
        path: &'static str,
        limit: RateLimit,
    ) {
        if !limit.is_known() {
            return;
        }
        if let Ok(mut map) = self.map.lock() {
            map.insert((credential, method, path), limit);
        }
    }

    /// The last known budget.
    pub fn get(
        &self,
        credential: u64,
        method: &'static str,
        path: &'static str,
    ) -> Option<RateLimit> {
        self.map
            .lock()
            .ok()?
            .get(&(credential, method, path))
            .copied()
    }

    /// Forgets the remaining count after its window was waited out.
    pub fn window_passed(&self, credential: u64, method: &'static str, path: &'static str) {
        if let Ok(mut map) = self.map.lock() {
            if let Some(l) = map.get_mut(&(credential, method, path)) {
                l.remaining = None;
                l.user_24h_remaining = None;
            }
        }
    }

    /// Every known budget, as (`METHOD /path`, limits), sorted.
    pub fn snapshot(&self) -> Vec<(String, RateLimit)> {
        let mut out: Vec<(String, RateLimit)> = match self.map.lock() {
            Ok(map) => map
                .iter()
                .map(|((_, m, p), l)| (format!("{m} {p}"), *l))
                .collect(),
            Err(_) => Vec::new(),
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    fn event(wait: u64) -> RateLimitEvent {
        RateLimitEvent {
            operation: "op",
            endpoint: "GET /2/x".into(),
            wait: Duration::from_secs(wait),
            limit: RateLimit::default(),
            after_429: true,
        }
    }

    #[test]
    fn policies() {
        let j = Duration::from_millis(300);
        assert_eq!(
            RateLimitPolicy::default().decide(&event(900), j),
            Some(Duration::from_millis(900_300))
        );
        assert_eq!(
            RateLimitPolicy::Wait {
                max_wait: Duration::from_secs(60)
            }
            .decide(&event(900), j),
            None
        );
        assert_eq!(RateLimitPolicy::Error.decide(&event(1), j), None);
        let custom = RateLimitPolicy::Custom(Arc::new(|e: &RateLimitEvent| {
            if e.wait > Duration::from_secs(10) {
                RateDecision::Error
            } else {
                RateDecision::Wait(Duration::from_secs(1))
            }
        }));
        assert_eq!(custom.decide(&event(5), j), Some(Duration::from_secs(1)));
        assert_eq!(custom.decide(&event(50), j), None);
    }

    #[test]
    fn budgets_are_per_endpoint_and_credential() {
        let b = Budgets::default();
        let l = RateLimit {
            limit: Some(15),
            remaining: Some(0),
            reset: Some(10),
            ..Default::default()
        };
        b.update(1, "GET", "/2/a", l);
        assert_eq!(b.get(1, "GET", "/2/a"), Some(l));
        assert_eq!(b.get(2, "GET", "/2/a"), None);
        assert_eq!(b.get(1, "GET", "/2/b"), None);
        b.window_passed(1, "GET", "/2/a");
        assert_eq!(b.get(1, "GET", "/2/a").and_then(|l| l.remaining), None);
        assert_eq!(b.snapshot().len(), 1);
    }
}
