//! Rate-limit headers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The rate-limit headers of one response.
///
/// `limit`/`remaining`/`reset` are the per-endpoint window
/// (`x-rate-limit-*`); the `user_24h_*` fields are the 24-hour per-user
/// limits some write endpoints report (`x-user-limit-24hour-*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in the window.
    pub limit: Option<u64>,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// When the window resets (Unix seconds).
    pub reset: Option<u64>,
    /// 24-hour user limit.
    pub user_24h_limit: Option<u64>,
    /// 24-hour user requests left.
    pub user_24h_remaining: Option<u64>,
    /// When the 24-hour user window resets (Unix seconds).
    pub user_24h_reset: Option<u64>,
}

impl RateLimit {
    /// Reads the headers (absent or malformed ones stay `None`).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut limit = RateLimit::default();
        // One pass over the headers rather than a lookup per field. A name
        // given several times counts with its first value, as `get` would.
        let mut seen = 0u8;
        for (name, value) in headers {
            let Some(rest) = name.as_str().strip_prefix("x-") else {
                continue;
            };
            let (slot, field) = if let Some(what) = rest.strip_prefix("rate-limit-") {
                match what {
                    "limit" => (0, &mut limit.limit),
                    "remaining" => (1, &mut limit.remaining),
                    "reset" => (2, &mut limit.reset),
                    _ => continue,
                }
            } else if let Some(what) = rest.strip_prefix("user-limit-24hour-") {
                match what {
                    "limit" => (3, &mut limit.user_24h_limit),
                    "remaining" => (4, &mut limit.user_24h_remaining),
                    "reset" => (5, &mut limit.user_24h_reset),
                    _ => continue,
                }
            } else {
                continue;
            };
            if seen & (1 << slot) == 0 {
                seen |= 1 << slot;
                *field = value.to_str().ok().and_then(|v| v.trim().parse().ok());
            }
        }
        limit
    }

    /// Whether any rate-limit header was present.
    pub fn is_known(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some() || self.reset.is_some()
    }

    /// Time until the window resets, measured from `now`.
    pub fn reset_in(&self, now: SystemTime) -> Option<Duration> {
        let reset = UNIX_EPOCH + Duration::from_secs(self.reset?);
        Some(reset.duration_since(now).unwrap_or(Duration::ZERO))
    }

    /// Whether the window is used up (remaining is 0).
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0) || self.user_24h_remaining == Some(0)
    }
}

/// What happens when a request would exceed a rate limit.
#[derive(Clone)]
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

/// A custom policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
                let wait = event.wait + jitter;
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
mod tests {
    use super::*;

    #[test]
    fn parses_headers_and_tolerates_garbage() {
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", "450".parse().expect("value"));
        h.insert("x-rate-limit-remaining", "0".parse().expect("value"));
        h.insert("x-rate-limit-reset", "1700000900".parse().expect("value"));
        h.insert(
            "x-user-limit-24hour-remaining",
            "nope".parse().expect("value"),
        );
        let r = RateLimit::from_headers(&h);
        assert_eq!(
            (r.limit, r.remaining, r.reset),
            (Some(450), Some(0), Some(1_700_000_900))
        );
        assert_eq!(r.user_24h_remaining, None);
        assert!(r.exhausted() && r.is_known());
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(r.reset_in(now), Some(Duration::from_secs(900)));
        assert!(!RateLimit::from_headers(&HeaderMap::new()).is_known());
    }
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    /// What one lookup per header gives.
    fn by_lookup(headers: &HeaderMap) -> RateLimit {
        let get =
            |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        RateLimit {
            limit: get("x-rate-limit-limit"),
            remaining: get("x-rate-limit-remaining"),
            reset: get("x-rate-limit-reset"),
            user_24h_limit: get("x-user-limit-24hour-limit"),
            user_24h_remaining: get("x-user-limit-24hour-remaining"),
            user_24h_reset: get("x-user-limit-24hour-reset"),
        }
    }

    #[test]
    fn first_values_count_and_other_headers_are_ignored() {
        let mut h = HeaderMap::new();
        h.append("content-type", "application/json".parse().expect("value"));
        h.append("x-rate-limit-remaining", "junk".parse().expect("value"));
        h.append("x-rate-limit-limit", " 15 ".parse().expect("value"));
        h.append("x-rate-limit-remaining", "3".parse().expect("value"));
        h.append("x-rate-limit-limits", "9".parse().expect("value"));
        h.append("x-user-limit-24hour-reset", "77".parse().expect("value"));
        h.append("x-user-limit-24hour-reset", "78".parse().expect("value"));
        h.append("x-user-limit-24hour-limit", "17".parse().expect("value"));
        h.append(
            "x-user-limit-24hour-remaining",
            "-1".parse().expect("value"),
        );
        h.append("x-request-id", "abc".parse().expect("value"));
        h.append("x-rate-limit-reset", "1700000900".parse().expect("value"));
        let r = RateLimit::from_headers(&h);
        assert_eq!(r, by_lookup(&h));
        assert_eq!(
            (r.limit, r.remaining, r.reset),
            (Some(15), None, Some(1_700_000_900))
        );
        assert_eq!(
            (r.user_24h_limit, r.user_24h_remaining, r.user_24h_reset),
            (Some(17), None, Some(77))
        );
        let mut h = HeaderMap::new();
        h.append("x-rate-limit-remaining", "0".parse().expect("value"));
        h.append("x-rate-limit-remaining", "5".parse().expect("value"));
        assert_eq!(RateLimit::from_headers(&h), by_lookup(&h));
        assert!(RateLimit::from_headers(&h).exhausted());
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
