//! Per-second pacing of the full-archive operations.
//!
//! `searchPostsAll` and `getPostsCountsAll` are limited per second as well
//! as per 15-minute window: a second request within the same second is
//! refused with a 429 even while the window has room. The send path spaces
//! the attempts of each such operation by a fixed interval (1 s by default,
//! [`ClientBuilder::archive_pacing`](crate::ClientBuilder::archive_pacing)),
//! so a long pull never meets that refusal. Each attempt reserves the next
//! free slot, so concurrent callers queue instead of colliding.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The operations paced per second.
pub const PACED_OPERATIONS: &[&str] = &["searchPostsAll", "getPostsCountsAll"];

/// Default interval between two attempts of a paced operation.
pub const DEFAULT_ARCHIVE_INTERVAL: Duration = Duration::from_secs(1);

/// The next free slot of each paced operation.
#[derive(Debug)]
pub(crate) struct Pacing {
    interval: Duration,
    next: Mutex<HashMap<&'static str, Instant>>,
}

impl Pacing {
    pub(crate) fn new(interval: Duration) -> Self {
        Pacing {
            interval,
            next: Mutex::new(HashMap::new()),
        }
    }

    /// Reserves the next slot of `operation` and returns how long to wait
    /// for it (zero when it is free now, or when `operation` is not paced).
    pub(crate) fn reserve(&self, operation: &'static str, now: Instant) -> Duration {
        if self.interval.is_zero() || !PACED_OPERATIONS.contains(&operation) {
            return Duration::ZERO;
        }
        let mut next = match self.next.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let slot = next
            .get(operation)
            .copied()
            .filter(|at| *at > now)
            .unwrap_or(now);
        let after = slot.checked_add(self.interval).unwrap_or(slot);
        next.insert(operation, after);
        slot.saturating_duration_since(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paced_operations_get_one_slot_per_interval() {
        let pacing = Pacing::new(Duration::from_secs(1));
        let t0 = Instant::now();
        assert_eq!(pacing.reserve("searchPostsAll", t0), Duration::ZERO);
        assert_eq!(pacing.reserve("searchPostsAll", t0), Duration::from_secs(1));
        assert_eq!(pacing.reserve("searchPostsAll", t0), Duration::from_secs(2));
        // Each operation has its own slots; others are not paced.
        assert_eq!(pacing.reserve("getPostsCountsAll", t0), Duration::ZERO);
        assert_eq!(pacing.reserve("searchPostsRecent", t0), Duration::ZERO);
        assert_eq!(pacing.reserve("searchPostsRecent", t0), Duration::ZERO);
        // Once the slots have passed, the next one is free at once.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(pacing.reserve("searchPostsAll", later), Duration::ZERO);
    }

    #[test]
    fn a_zero_interval_turns_pacing_off() {
        let pacing = Pacing::new(Duration::ZERO);
        let t0 = Instant::now();
        assert_eq!(pacing.reserve("searchPostsAll", t0), Duration::ZERO);
        assert_eq!(pacing.reserve("searchPostsAll", t0), Duration::ZERO);
    }
}
