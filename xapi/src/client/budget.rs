//! Rate-limit budgets and the policy for waiting on them.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

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

/// One endpoint's budget as this client knows it.
#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    /// The last headers, with `remaining` lowered for each request let
    /// through since (answers of the same window never raise it).
    limit: RateLimit,
    /// The last answer had no rate-limit headers: nothing to count.
    unlimited: bool,
    /// One request is out to learn the budget; the others wait for it.
    probing: bool,
}

type Key = (u64, &'static str, &'static str);

/// Whether a request may go now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Send; `probe` when this request is the one that learns the budget.
    Go {
        /// Whether the caller is the probe (and must settle it).
        probe: bool,
    },
    /// Another request is learning the budget: wait for its answer.
    Wait,
    /// The budget is spent until its reset.
    Spent(RateLimit),
}

/// Per-endpoint, per-credential budgets, shared by the clones of a client.
///
/// Tasks that share a client and an endpoint share its budget without
/// racing: a request is let through only while the budget has room (the
/// count is lowered for each one sent, before its answer), and when the
/// budget is unknown (the first request, or after a window was waited out)
/// exactly one request goes to learn it while the others wait for its
/// answer, so the tasks woken at a reset do not all send at once.
#[derive(Debug, Default)]
pub struct Budgets {
    // Looked up twice per request: a fast hasher (the keys are not chosen by
    // the network).
    map: Mutex<HashMap<Key, Entry, foldhash::fast::FixedState>>,
    /// Signalled whenever a budget is learnt or a probe ends.
    changed: tokio::sync::Notify,
}

impl Budgets {
    /// Records the headers of an answer. Within one window (the same
    /// reset) the remaining count only goes down: answers to requests sent
    /// together arrive in any order.
    pub fn update(
        &self,
        credential: u64,
        method: &'static str,
        path: &'static str,
        limit: RateLimit,
    ) {
        if let Ok(mut map) = self.map.lock() {
            let entry = map.entry((credential, method, path)).or_default();
            if !limit.is_known() {
                entry.unlimited = true;
            } else {
                let same_window = entry.limit.reset.is_some() && entry.limit.reset == limit.reset;
                let mut next = limit;
                if same_window {
                    next.remaining = match (entry.limit.remaining, limit.remaining) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => b.or(a),
                    };
                }
                entry.limit = next;
                entry.unlimited = false;
            }
            entry.probing = false;
        }
        self.changed.notify_waiters();
    }

    /// Asks to send one request now (see [`Admission`]).
    pub(crate) fn admit(&self, key: Key) -> Admission {
        let Ok(mut map) = self.map.lock() else {
            return Admission::Go { probe: false };
        };
        let entry = map.entry(key).or_default();
        if entry.unlimited {
            return Admission::Go { probe: false };
        }
        if entry.limit.exhausted() {
            return Admission::Spent(entry.limit);
        }
        match entry.limit.remaining {
            Some(n) => {
                entry.limit.remaining = Some(n.saturating_sub(1));
                Admission::Go { probe: false }
            }
            None if entry.probing => Admission::Wait,
            None => {
                entry.probing = true;
                Admission::Go { probe: true }
            }
        }
    }

    /// Ends a probe that got no answer (a transport fault, a cancelled
    /// request), so that another request can learn the budget.
    pub(crate) fn end_probe(&self, key: Key) {
        if let Ok(mut map) = self.map.lock() {
            if let Some(entry) = map.get_mut(&key) {
                entry.probing = false;
            }
        }
        self.changed.notify_waiters();
    }

    /// Resolves when a budget was learnt or a probe ended (create it before
    /// [`Budgets::admit`], so that no signal is missed).
    pub(crate) fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// The last known budget.
    pub fn get(
        &self,
        credential: u64,
        method: &'static str,
        path: &'static str,
    ) -> Option<RateLimit> {
        let map = self.map.lock().ok()?;
        let entry = map.get(&(credential, method, path))?;
        (!entry.unlimited && entry.limit.is_known()).then_some(entry.limit)
    }

    /// Forgets the remaining counts after the window that reset at `reset`
    /// was waited out; the next request learns the new budget. A budget
    /// learnt since (another reset) is kept.
    pub fn window_passed(
        &self,
        credential: u64,
        method: &'static str,
        path: &'static str,
        reset: Option<u64>,
    ) {
        if let Ok(mut map) = self.map.lock() {
            if let Some(e) = map.get_mut(&(credential, method, path)) {
                if e.limit.reset() == reset {
                    e.limit.remaining = None;
                    e.limit.user_24h_remaining = None;
                    e.limit.app_24h_remaining = None;
                }
            }
        }
        self.changed.notify_waiters();
    }

    /// Every known budget, as (`METHOD /path`, limits), sorted.
    pub fn snapshot(&self) -> Vec<(String, RateLimit)> {
        let mut out: Vec<(String, RateLimit)> = match self.map.lock() {
            Ok(map) => map
                .iter()
                .filter(|(_, e)| !e.unlimited && e.limit.is_known())
                .map(|((_, m, p), e)| (format!("{m} {p}"), e.limit))
                .collect(),
            Err(_) => Vec::new(),
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

/// Ends a probe when dropped without an answer (the request failed or was
/// cancelled); an answer ends it first through [`Budgets::update`].
pub(crate) struct Probe<'a> {
    pub(crate) budgets: &'a Budgets,
    pub(crate) key: Key,
    pub(crate) active: bool,
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        if self.active {
            self.budgets.end_probe(self.key);
        }
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
        b.window_passed(1, "GET", "/2/a", Some(10));
        assert_eq!(b.get(1, "GET", "/2/a").and_then(|l| l.remaining), None);
        assert_eq!(b.snapshot().len(), 1);
    }
}
