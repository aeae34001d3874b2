//! Rate-limit headers.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::HeaderMap;

/// The rate-limit headers of one response.
///
/// `limit`/`remaining`/`reset` are the per-endpoint window
/// (`x-rate-limit-*`); the `user_24h_*` and `app_24h_*` fields are the
/// 24-hour limits some write endpoints report (`x-user-limit-24hour-*`,
/// `x-app-limit-24hour-*`). A value that is not a whole number of the right
/// size is `None`, never an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
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
    /// 24-hour app limit.
    pub app_24h_limit: Option<u64>,
    /// 24-hour app requests left.
    pub app_24h_remaining: Option<u64>,
    /// When the 24-hour app window resets (Unix seconds).
    pub app_24h_reset: Option<u64>,
}

impl RateLimit {
    /// Reads the headers (absent or malformed ones stay `None`).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut limit = RateLimit::default();
        // One pass over the headers rather than a lookup per field. A name
        // given several times counts with its first value, as `get` would.
        let mut seen = 0u16;
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
            } else if let Some(what) = rest.strip_prefix("app-limit-24hour-") {
                match what {
                    "limit" => (6, &mut limit.app_24h_limit),
                    "remaining" => (7, &mut limit.app_24h_remaining),
                    "reset" => (8, &mut limit.app_24h_reset),
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

    /// The Unix time at which the budget that is holding requests back
    /// resets: a spent 24-hour budget (the later of the two when both are)
    /// before the 15-minute window, which is the answer otherwise.
    pub fn reset(&self) -> Option<u64> {
        let spent_24h = [
            (self.user_24h_remaining, self.user_24h_reset),
            (self.app_24h_remaining, self.app_24h_reset),
        ]
        .into_iter()
        .filter_map(|(remaining, reset)| (remaining == Some(0)).then_some(reset).flatten())
        .max();
        spent_24h.or(self.reset)
    }

    /// When [`RateLimit::reset`] happens; `None` also when the value is
    /// past what the clock can hold.
    pub fn reset_at(&self) -> Option<SystemTime> {
        UNIX_EPOCH.checked_add(Duration::from_secs(self.reset()?))
    }

    /// Time from `now` until [`RateLimit::reset`]: zero when it is past, and
    /// [`Duration::MAX`] for a reset no clock reaches.
    pub fn reset_in(&self, now: SystemTime) -> Option<Duration> {
        let reset = self.reset()?;
        Some(match UNIX_EPOCH.checked_add(Duration::from_secs(reset)) {
            Some(at) => at.duration_since(now).unwrap_or(Duration::ZERO),
            None => Duration::MAX,
        })
    }

    /// Whether a budget is used up (the window's or a 24-hour one).
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
            || self.user_24h_remaining == Some(0)
            || self.app_24h_remaining == Some(0)
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
            app_24h_limit: get("x-app-limit-24hour-limit"),
            app_24h_remaining: get("x-app-limit-24hour-remaining"),
            app_24h_reset: get("x-app-limit-24hour-reset"),
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
