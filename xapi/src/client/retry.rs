//! When to try a request again, as a pure function of what happened.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::time::Duration;

/// What an attempt ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The connection could not be made: the request was never sent.
    NotSent,
    /// The connection failed after the request may have been sent.
    Transport,
    /// An answer with this status, and its `Retry-After` if any.
    Status(u16, Option<Duration>),
}

/// What to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Try again after this delay.
    Retry(Duration),
    /// Stop, for this reason.
    GiveUp(GiveUpCause),
}

/// Why a request was not tried again: what a caller branches on (the
/// `Display` text says the same in words).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GiveUpCause {
    /// The failure is not retried for this method (a POST that may have
    /// been sent, a status outside the policy's list).
    NotRetried {
        /// What the last attempt ended with (`HTTP 503`, `transport error`).
        failure: String,
        /// The request's method.
        method: String,
    },
    /// The policy's attempts are used up.
    AttemptsUsed {
        /// What the last attempt ended with.
        failure: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Another try would pass the policy's time budget for the request.
    TimeBudget {
        /// What the last attempt ended with.
        failure: String,
        /// The policy's budget.
        budget: Duration,
    },
    /// The rate-limit window resets later than the rate-limit policy waits.
    RateLimited {
        /// `METHOD /path/template`.
        endpoint: String,
        /// How long until the window resets.
        reset_in: Duration,
        /// When it resets (`None` past what the clock can hold).
        until: Option<std::time::SystemTime>,
    },
    /// The usage cap (of the month, of the plan) is reached: no window
    /// ends that, so there is nothing to wait for.
    UsageCapped,
    /// Still rate limited after this many waits for the window.
    StillRateLimited {
        /// Waits made.
        waits: u32,
    },
}

impl std::fmt::Display for GiveUpCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GiveUpCause::NotRetried { failure, method } => {
                write!(f, "{failure}: not retried for {method}")
            }
            GiveUpCause::AttemptsUsed { failure, attempts } => {
                write!(f, "{failure} after {attempts} attempt(s), the most allowed")
            }
            GiveUpCause::TimeBudget { failure, budget } => {
                write!(f, "{failure}: retrying would exceed the {budget:?} budget")
            }
            GiveUpCause::RateLimited {
                endpoint,
                reset_in,
                until,
            } => {
                write!(f, "rate limit of {endpoint} reached; the window resets ")?;
                match until {
                    Some(at) => write!(
                        f,
                        "at {} (in {}s)",
                        chrono::DateTime::<chrono::Utc>::from(*at).format("%Y-%m-%dT%H:%M:%SZ"),
                        reset_in.as_secs()
                    )?,
                    None => f.write_str("later than any clock reads")?,
                }
                f.write_str(", longer than the rate-limit policy waits")
            }
            GiveUpCause::UsageCapped => f.write_str(
                "the usage cap is reached (HTTP 429 usage-capped): waiting does not help",
            ),
            GiveUpCause::StillRateLimited { waits } => {
                write!(f, "still rate limited after {waits} waits")
            }
        }
    }
}

/// Retry policy: exponential backoff with full jitter, `Retry-After`
/// honoured, attempts and total time capped.
///
/// By default transport errors and 500/502/503/504 are retried for GET,
/// DELETE, PUT (idempotent methods). A POST is retried only when it was never
/// sent (the connection failed): a post must not be created twice.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Backoff base: the cap of the first retry's delay.
    pub base_delay: Duration,
    /// Largest single delay.
    pub max_delay: Duration,
    /// Time budget for all attempts of one request, waits included.
    pub max_total: Duration,
    /// Statuses worth another try.
    pub retry_statuses: Vec<u16>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total: Duration::from_secs(120),
            retry_statuses: vec![500, 502, 503, 504],
        }
    }
}

setters!(RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_total: Duration,
    retry_statuses: Vec<u16>,
});

impl RetryPolicy {
    /// For pulls that run for hours or days (archivers): 16 tries, delays
    /// up to 5 minutes, 2 hours in all for one request, the same statuses.
    /// A page stream that still fails says where to resume
    /// ([`Error::Page`](crate::Error::Page)).
    pub fn patient() -> Self {
        RetryPolicy {
            max_attempts: 16,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(300),
            max_total: Duration::from_secs(2 * 3600),
            ..Default::default()
        }
    }

    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Default::default()
        }
    }

    /// Whether `method` may be repeated without changing the outcome.
    pub fn idempotent(method: &str) -> bool {
        matches!(method, "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE")
    }

    /// Whether an answer with `status` to a `method` request is worth another try.
    pub fn retries_status(&self, method: &str, status: u16) -> bool {
        Self::idempotent(method) && self.retry_statuses.contains(&status)
    }

    /// Decides after attempt number `attempt` (1-based) of a `method` request,
    /// `elapsed` since the first attempt. `jitter` in `[0, 1)` picks the delay
    /// within the backoff window (the caller draws it at random).
    pub fn decide(
        &self,
        attempt: u32,
        method: &str,
        outcome: Outcome,
        elapsed: Duration,
        jitter: f64,
    ) -> Decision {
        let retryable = match outcome {
            Outcome::NotSent => true,
            Outcome::Transport => Self::idempotent(method),
            Outcome::Status(status, _) => self.retries_status(method, status),
        };
        let what = match outcome {
            Outcome::NotSent => "connection failed".to_owned(),
            Outcome::Transport => "transport error".to_owned(),
            Outcome::Status(s, _) => format!("HTTP {s}"),
        };
        if !retryable {
            return Decision::GiveUp(GiveUpCause::NotRetried {
                failure: what,
                method: method.to_owned(),
            });
        }
        if attempt >= self.max_attempts {
            return Decision::GiveUp(GiveUpCause::AttemptsUsed {
                failure: what,
                attempts: attempt,
            });
        }
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let window = exp.min(self.max_delay);
        // Full jitter; a NaN draw counts as 0, and the product cannot
        // leave the window.
        let draw = if jitter.is_nan() {
            0.0
        } else {
            jitter.clamp(0.0, 1.0)
        };
        let mut delay = Duration::try_from_secs_f64(window.as_secs_f64() * draw)
            .unwrap_or(window)
            .min(window);
        if let Outcome::Status(_, Some(after)) = outcome {
            delay = after.min(self.max_total);
        }
        if elapsed.saturating_add(delay) > self.max_total {
            return Decision::GiveUp(GiveUpCause::TimeBudget {
                failure: what,
                budget: self.max_total,
            });
        }
        Decision::Retry(delay)
    }
}

/// Parses a `Retry-After` header: seconds, or an HTTP date (the time from
/// now until it, zero when it is past). Anything else is ignored.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    retry_after_value(value.trim(), std::time::SystemTime::now())
}

/// [`retry_after`] of one header value, measured from `now`.
pub fn retry_after_value(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: Duration = Duration::ZERO;

    #[test]
    fn gets_retry_server_errors_with_growing_windows() {
        let p = RetryPolicy::default();
        let d1 = p.decide(1, "GET", Outcome::Status(503, None), ZERO, 1.0);
        let d2 = p.decide(2, "GET", Outcome::Status(503, None), ZERO, 1.0);
        let d3 = p.decide(3, "GET", Outcome::Status(503, None), ZERO, 1.0);
        assert_eq!(d1, Decision::Retry(Duration::from_millis(500)));
        assert_eq!(d2, Decision::Retry(Duration::from_millis(1000)));
        assert_eq!(d3, Decision::Retry(Duration::from_millis(2000)));
        assert!(matches!(
            p.decide(4, "GET", Outcome::Status(503, None), ZERO, 1.0),
            Decision::GiveUp(_)
        ));
        // Full jitter: anywhere in the window.
        assert_eq!(
            p.decide(2, "GET", Outcome::Status(503, None), ZERO, 0.25),
            Decision::Retry(Duration::from_millis(250))
        );
    }

    #[test]
    fn posts_are_retried_only_when_never_sent() {
        let p = RetryPolicy::default();
        assert!(matches!(
            p.decide(1, "POST", Outcome::Status(503, None), ZERO, 0.5),
            Decision::GiveUp(_)
        ));
        assert!(matches!(
            p.decide(1, "POST", Outcome::Transport, ZERO, 0.5),
            Decision::GiveUp(_)
        ));
        assert!(matches!(
            p.decide(1, "POST", Outcome::NotSent, ZERO, 0.5),
            Decision::Retry(_)
        ));
    }

    #[test]
    fn retry_after_and_budgets() {
        let p = RetryPolicy::default();
        let after = Some(Duration::from_secs(7));
        assert_eq!(
            p.decide(1, "GET", Outcome::Status(503, after), ZERO, 0.0),
            Decision::Retry(Duration::from_secs(7))
        );
        let late = p.decide(
            1,
            "GET",
            Outcome::Status(503, after),
            Duration::from_secs(118),
            0.0,
        );
        assert!(
            matches!(late, Decision::GiveUp(GiveUpCause::TimeBudget { .. })),
            "{late:?}"
        );
        assert!(matches!(
            p.decide(1, "GET", Outcome::Status(400, None), ZERO, 0.0),
            Decision::GiveUp(_)
        ));
        assert!(matches!(
            RetryPolicy::never().decide(1, "GET", Outcome::NotSent, ZERO, 0.0),
            Decision::GiveUp(_)
        ));
    }
}
