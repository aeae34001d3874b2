//! Rate-limit headers.

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

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

impl RateLimit {
    /// Reads the headers (absent or malformed ones stay `None`).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        RateLimit {
            limit: header_u64(headers, "x-rate-limit-limit"),
            remaining: header_u64(headers, "x-rate-limit-remaining"),
            reset: header_u64(headers, "x-rate-limit-reset"),
            user_24h_limit: header_u64(headers, "x-user-limit-24hour-limit"),
            user_24h_remaining: header_u64(headers, "x-user-limit-24hour-remaining"),
            user_24h_reset: header_u64(headers, "x-user-limit-24hour-reset"),
        }
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
