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

/// Which budget a request draws on: one per credential and endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct BudgetKey {
    /// The credentials' [`identity`](crate::auth::Credentials::identity)
    /// (0 without credentials): a one-way hash, never the secret, and the
    /// same in every process and on every machine for the same credentials.
    pub credential: u64,
    /// `GET`, `POST`, …
    pub method: &'static str,
    /// The path template, e.g. `/2/tweets/{id}`.
    pub path: &'static str,
}

impl BudgetKey {
    /// The budget of `method path` for the credentials of `credential`.
    pub fn new(credential: u64, method: &'static str, path: &'static str) -> Self {
        BudgetKey {
            credential,
            method,
            path,
        }
    }

    fn tuple(self) -> Key {
        (self.credential, self.method, self.path)
    }
}

/// Resolves when a budget may have changed (a probe answered or ended, a
/// wait elapsed): then the request asks again.
pub type WakeUp = futures::future::BoxFuture<'static, ()>;

/// A store's answer to "may one more request go now?".
#[non_exhaustive]
pub enum Take {
    /// Send; `probe` when this request is the one that learns the budget
    /// (the store ends the probe when its answer is recorded, or through
    /// [`RateBudgetStore::end_probe`]).
    Go {
        /// Whether the caller is the probe.
        probe: bool,
    },
    /// Another request is learning the budget: ask again once this resolves
    /// (the client never waits on it longer than 5 s at a time).
    Wait(WakeUp),
    /// The budget is spent until its reset: the rate-limit policy decides
    /// whether to wait.
    Spent(RateLimit),
}

impl std::fmt::Debug for Take {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Take::Go { probe } => f.debug_struct("Go").field("probe", probe).finish(),
            Take::Wait(_) => f.write_str("Wait(..)"),
            Take::Spent(limit) => f.debug_tuple("Spent").field(limit).finish(),
        }
    }
}

/// A rate-limit budget store could not answer (for example a shared store
/// whose server is unreachable).
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct BudgetStoreError {
    context: String,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl BudgetStoreError {
    /// An error of the store: what it was doing, and why that failed.
    pub fn new(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        BudgetStoreError {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// Where the per-endpoint budgets live: the client asks the store before
/// each request and tells it the rate-limit headers of each answer.
///
/// The default is the in-process [`Budgets`] map, shared by the clones of
/// one client. A store shared by several processes (the Redis store of the
/// `redis` feature) keeps one budget for every worker using the same
/// credentials, so that together they stay within the app's limits. Set one
/// with [`ClientBuilder::rate_budget_store`](crate::ClientBuilder::rate_budget_store).
///
/// A store must count a request as soon as it lets it go (before its
/// answer), let exactly one request learn a budget that is unknown, and
/// within one window (the same reset) never raise the remaining count.
pub trait RateBudgetStore: Send + Sync {
    /// Asks to send one request now, counting it when it may go.
    fn take(
        &self,
        key: BudgetKey,
    ) -> futures::future::BoxFuture<'_, Result<Take, BudgetStoreError>>;

    /// Records the rate-limit headers of an answer (no headers: the
    /// endpoint is not limited) and ends the probe of `key`, if any.
    fn record(
        &self,
        key: BudgetKey,
        limit: RateLimit,
    ) -> futures::future::BoxFuture<'_, Result<(), BudgetStoreError>>;

    /// Ends a probe that got no answer (a transport fault, a cancelled
    /// request), so that another request can learn the budget. Called from a
    /// destructor: it must not block (a networked store may start the work
    /// in the background and let the probe expire otherwise).
    fn end_probe(&self, key: BudgetKey);

    /// The window that resets at `reset` was waited out: forget its
    /// remaining count, so that the next request learns the new budget. A
    /// budget learnt since (another reset) is kept.
    fn window_passed(
        &self,
        key: BudgetKey,
        reset: Option<u64>,
    ) -> futures::future::BoxFuture<'_, Result<(), BudgetStoreError>>;
}

/// Per-endpoint, per-credential budgets, shared by the clones of a client.
///
/// Tasks that share a client and an endpoint share its budget without
/// racing: a request is let through only while the budget has room (the
/// count is lowered for each one sent, before its answer), and when the
/// budget is unknown (the first request, or after a window was waited out)
/// exactly one request goes to learn it while the others wait for its
/// answer, so the tasks woken at a reset do not all send at once.
///
/// The default [`RateBudgetStore`]; it also keeps the last headers seen for
/// [`Client::rate_limits`](crate::Client::rate_limits) when another store
/// decides.
#[derive(Debug)]
pub struct Budgets {
    // Looked up twice per request: a fast hasher (the keys are not chosen by
    // the network).
    map: Mutex<HashMap<Key, Entry, foldhash::fast::FixedState>>,
    /// Bumped whenever a budget is learnt or a probe ends; a waiting request
    /// subscribes under the map's lock, so that no change is missed.
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            map: Mutex::default(),
            changed: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Budgets {
    fn signal(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

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
        self.signal();
    }

    /// Asks to send one request now (see [`Take`]).
    fn admit(&self, key: Key) -> Take {
        let Ok(mut map) = self.map.lock() else {
            return Take::Go { probe: false };
        };
        let entry = map.entry(key).or_default();
        if entry.unlimited {
            return Take::Go { probe: false };
        }
        if entry.limit.exhausted() {
            return Take::Spent(entry.limit);
        }
        match entry.limit.remaining {
            Some(n) => {
                entry.limit.remaining = Some(n.saturating_sub(1));
                Take::Go { probe: false }
            }
            None if entry.probing => {
                // Subscribed under the lock: a change after it wakes us.
                let mut changed = self.changed.subscribe();
                Take::Wait(Box::pin(async move {
                    let _ = changed.changed().await;
                }))
            }
            None => {
                entry.probing = true;
                Take::Go { probe: true }
            }
        }
    }

    /// Ends a probe that got no answer (a transport fault, a cancelled
    /// request), so that another request can learn the budget.
    fn end_probe_now(&self, key: Key) {
        if let Ok(mut map) = self.map.lock() {
            if let Some(entry) = map.get_mut(&key) {
                entry.probing = false;
            }
        }
        self.signal();
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
        self.signal();
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

impl RateBudgetStore for Budgets {
    fn take(
        &self,
        key: BudgetKey,
    ) -> futures::future::BoxFuture<'_, Result<Take, BudgetStoreError>> {
        Box::pin(std::future::ready(Ok(self.admit(key.tuple()))))
    }

    fn record(
        &self,
        key: BudgetKey,
        limit: RateLimit,
    ) -> futures::future::BoxFuture<'_, Result<(), BudgetStoreError>> {
        self.update(key.credential, key.method, key.path, limit);
        Box::pin(std::future::ready(Ok(())))
    }

    fn end_probe(&self, key: BudgetKey) {
        self.end_probe_now(key.tuple());
    }

    fn window_passed(
        &self,
        key: BudgetKey,
        reset: Option<u64>,
    ) -> futures::future::BoxFuture<'_, Result<(), BudgetStoreError>> {
        Budgets::window_passed(self, key.credential, key.method, key.path, reset);
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Ends a probe when dropped without an answer (the request failed or was
/// cancelled); an answer ends it first through [`RateBudgetStore::record`].
pub(crate) struct Probe<'a> {
    pub(crate) store: &'a dyn RateBudgetStore,
    pub(crate) key: BudgetKey,
    pub(crate) active: bool,
}

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        if self.active {
            self.store.end_probe(self.key);
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
