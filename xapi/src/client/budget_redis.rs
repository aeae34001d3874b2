//! A rate-limit budget store in Redis, shared by every process (on any
//! machine) that uses the same credentials: the `redis` feature.
//!
//! Each (credential, endpoint) budget is a Redis hash, changed only by
//! server-side scripts, so that taking a place and recording an answer are
//! atomic however many workers ask at once. Key names hold the credentials'
//! [`identity`](crate::auth::Credentials::identity) (a SHA-256-derived
//! number), the method and the path template: never a secret.
//!
//! ```rust,no_run
//! use std::sync::Arc;
//! use xapi::rate_limit::{RedisBudgetSettings, RedisBudgetStore};
//!
//! async fn client() -> Result<xapi::Client, Box<dyn std::error::Error>> {
//!     let settings = RedisBudgetSettings::default().prefix("myapp:budget".into());
//!     let store = RedisBudgetStore::connect_with("redis://127.0.0.1:6379", settings).await?;
//!     let client = xapi::Client::builder()
//!         .bearer_token(std::env::var("X_BEARER_TOKEN")?)
//!         .rate_budget_store(Arc::new(store))
//!         .build()?;
//!     Ok(client)
//! }
//! ```
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::time::Duration;

use futures::future::BoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::client::budget::RateLimit;
use crate::client::budget::{BudgetKey, BudgetStoreError, Budgets, RateBudgetStore, Take};

/// Takes one place in a budget. KEYS[1]: the budget hash; KEYS[2]: the
/// probe marker. ARGV[1]: the probe's lifetime in milliseconds.
/// Answers `{1, probe}` (go), `{2, ms}` (another request is learning the
/// budget; its marker expires in `ms`) or `{3, reset, limit}` (spent).
const TAKE: &str = r"
local b = redis.call('HMGET', KEYS[1], 'unlimited', 'remaining', 'reset', 'limit')
if b[1] == '1' then return {1, 0} end
local remaining = tonumber(b[2])
if remaining then
  if remaining > 0 then
    redis.call('HINCRBY', KEYS[1], 'remaining', -1)
    return {1, 0}
  end
  return {3, tonumber(b[3]) or -1, tonumber(b[4]) or -1}
end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then
  return {1, 1}
end
return {2, redis.call('PTTL', KEYS[2])}
";

/// Records an answer's headers and ends the probe. ARGV[1]: `u` (no
/// rate-limit headers) or `k`; ARGV[2..4]: limit, remaining and reset (-1
/// when absent); ARGV[5]: how long to keep the hash, in seconds. Within one
/// window (the same reset) the remaining count only goes down; an answer of
/// an older window, or of one already waited out, changes nothing.
const RECORD: &str = r"
redis.call('DEL', KEYS[2])
if ARGV[1] == 'u' then
  redis.call('HSET', KEYS[1], 'unlimited', '1')
  redis.call('EXPIRE', KEYS[1], ARGV[5])
  return 0
end
local limit = tonumber(ARGV[2])
local remaining = tonumber(ARGV[3])
local reset = tonumber(ARGV[4])
local cur = redis.call('HMGET', KEYS[1], 'reset', 'remaining', 'passed')
local cur_reset = tonumber(cur[1])
local cur_remaining = tonumber(cur[2])
if reset >= 0 then
  if cur_reset and reset < cur_reset then return 0 end
  if tonumber(cur[3]) == reset then return 0 end
  if cur_reset == reset and cur_remaining and (remaining < 0 or cur_remaining < remaining) then
    remaining = cur_remaining
  end
end
redis.call('HDEL', KEYS[1], 'unlimited')
if remaining >= 0 then redis.call('HSET', KEYS[1], 'remaining', remaining) else redis.call('HDEL', KEYS[1], 'remaining') end
if reset >= 0 then redis.call('HSET', KEYS[1], 'reset', reset) end
if limit >= 0 then redis.call('HSET', KEYS[1], 'limit', limit) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
";

/// Forgets the remaining count of the window that reset at ARGV[1], unless
/// a later window was learnt since.
const WINDOW_PASSED: &str = r"
local cur = tonumber(redis.call('HGET', KEYS[1], 'reset'))
if cur and cur == tonumber(ARGV[1]) then
  redis.call('HDEL', KEYS[1], 'remaining', 'reset')
  redis.call('HSET', KEYS[1], 'passed', ARGV[1])
end
return 0
";

/// How long a budget's hash is kept after its last answer: two days (more
/// than the 24-hour windows).
const KEEP_SECS: u64 = 2 * 24 * 60 * 60;

/// What the store does when Redis cannot be reached or fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnStoreError {
    /// The request fails with [`Error::RateBudget`](crate::Error::RateBudget)
    /// and nothing is sent: no worker can exceed the shared limits. The
    /// default.
    #[default]
    Fail,
    /// The request goes through a budget kept in this process (the one a
    /// client without a shared store uses), with a warning: the workers keep
    /// working, but together they may exceed the limits (the API then
    /// answers 429 and the client waits) until Redis answers again.
    LocalBudget,
}

/// Settings of a [`RedisBudgetStore`]. Chainable:
/// `RedisBudgetSettings::default().prefix("myapp:budget")`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisBudgetSettings {
    /// Start of every key name (default `xapi:budget`).
    pub prefix: String,
    /// How long one request may hold the right to learn an unknown budget
    /// before another may try (default 5 s; a probe whose process died
    /// blocks the others this long at most).
    pub probe_lifetime: Duration,
    /// Mean pause between asks while another request learns the budget
    /// (default 100 ms; each pause is drawn between half and one and a half
    /// times this, so that waiting workers do not ask in step).
    pub poll: Duration,
    /// Longest wait for one Redis command or connection (default 2 s).
    pub timeout: Duration,
    /// What happens when Redis fails (default [`OnStoreError::Fail`]).
    pub on_error: OnStoreError,
}

impl Default for RedisBudgetSettings {
    fn default() -> Self {
        RedisBudgetSettings {
            prefix: "xapi:budget".into(),
            probe_lifetime: Duration::from_secs(5),
            poll: Duration::from_millis(100),
            timeout: Duration::from_secs(2),
            on_error: OnStoreError::Fail,
        }
    }
}

setters!(RedisBudgetSettings {
    prefix: String,
    probe_lifetime: Duration,
    poll: Duration,
    timeout: Duration,
    on_error: OnStoreError,
});

/// Rate-limit budgets kept in Redis, shared by every client (in any process,
/// on any machine) that uses it with the same credentials. See
/// [`RateBudgetStore`] and the README's "Several workers, one budget".
///
/// ```rust,no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use xapi::rate_limit::RedisBudgetStore;
///
/// let store = RedisBudgetStore::connect("redis://127.0.0.1:6379").await?;
/// let client = xapi::Client::builder()
///     .bearer_token("token")
///     .rate_budget_store(Arc::new(store))
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisBudgetStore {
    conn: ConnectionManager,
    settings: RedisBudgetSettings,
    take: std::sync::Arc<redis::Script>,
    record: std::sync::Arc<redis::Script>,
    window_passed: std::sync::Arc<redis::Script>,
    /// Used when Redis fails and the settings say so.
    local: std::sync::Arc<Budgets>,
}

impl std::fmt::Debug for RedisBudgetStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBudgetStore")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl RedisBudgetStore {
    /// Connects to the Redis server at `url` (`redis://host:port/db`, with
    /// the password in the URL when there is one), with default settings.
    pub async fn connect(url: &str) -> Result<Self, BudgetStoreError> {
        Self::connect_with(url, RedisBudgetSettings::default()).await
    }

    /// Connects to the Redis server at `url` with `settings`. Fails when the
    /// server cannot be reached now; later the connection is re-established
    /// on its own.
    pub async fn connect_with(
        url: &str,
        settings: RedisBudgetSettings,
    ) -> Result<Self, BudgetStoreError> {
        let client = redis::Client::open(url)
            .map_err(|e| BudgetStoreError::new("the Redis URL is not valid", e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            .set_number_of_retries(2)
            .set_max_delay(settings.timeout);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| BudgetStoreError::new("cannot connect to Redis", e))?;
        Ok(Self::with_connection(conn, settings))
    }

    /// A store on a connection the program made itself.
    pub fn with_connection(conn: ConnectionManager, settings: RedisBudgetSettings) -> Self {
        RedisBudgetStore {
            conn,
            settings,
            take: std::sync::Arc::new(redis::Script::new(TAKE)),
            record: std::sync::Arc::new(redis::Script::new(RECORD)),
            window_passed: std::sync::Arc::new(redis::Script::new(WINDOW_PASSED)),
            local: std::sync::Arc::default(),
        }
    }

    /// The key of `key`'s budget hash: prefix, the credentials' identity in
    /// hex, method and path template.
    pub fn key_name(&self, key: BudgetKey) -> String {
        format!(
            "{}:{:016x}:{}:{}",
            self.settings.prefix, key.credential, key.method, key.path
        )
    }

    fn probe_name(&self, key: BudgetKey) -> String {
        format!("{}:probe", self.key_name(key))
    }

    /// A pause of about `poll` (half to one and a half times it), never
    /// longer than `left` when that is known.
    fn pause(&self, left: Option<Duration>) -> Duration {
        let spread = 0.5 + rand::random::<f64>();
        let pause = self.settings.poll.mul_f64(spread);
        match left {
            Some(left) if left < pause => left.max(Duration::from_millis(1)),
            _ => pause,
        }
    }

    fn fall_back(&self, what: &str, error: &redis::RedisError) -> bool {
        let fall_back = self.settings.on_error == OnStoreError::LocalBudget;
        tracing::warn!(
            error = %error,
            fallback = fall_back,
            "rate-limit budget in Redis: {what} failed"
        );
        fall_back
    }

    async fn take_shared(&self, key: BudgetKey) -> Result<Take, redis::RedisError> {
        let mut conn = self.conn.clone();
        let ttl_ms = u64::try_from(self.settings.probe_lifetime.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let answer: Vec<i64> = self
            .take
            .key(self.key_name(key))
            .key(self.probe_name(key))
            .arg(ttl_ms)
            .invoke_async(&mut conn)
            .await?;
        let at = |i: usize| answer.get(i).copied();
        let known = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
        Ok(match at(0) {
            Some(1) => Take::Go {
                probe: at(1) == Some(1),
            },
            Some(2) => {
                let left = known(at(1)).map(Duration::from_millis);
                Take::Wait(Box::pin(tokio::time::sleep(self.pause(left))))
            }
            Some(3) => {
                let limit = RateLimit {
                    remaining: Some(0),
                    reset: known(at(1)),
                    limit: known(at(2)),
                    ..RateLimit::default()
                };
                Take::Spent(limit)
            }
            _ => {
                return Err(redis::RedisError::from((
                    redis::ErrorKind::UnexpectedReturnType,
                    "the budget script gave an unexpected answer",
                    format!("{answer:?}"),
                )))
            }
        })
    }

    async fn record_shared(
        &self,
        key: BudgetKey,
        limit: RateLimit,
    ) -> Result<(), redis::RedisError> {
        let mut conn = self.conn.clone();
        let signed = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok()).unwrap_or(-1);
        // A spent 24-hour budget holds requests back like a spent window,
        // until its own reset.
        let (remaining, reset) = if limit.exhausted() {
            (Some(0), limit.reset())
        } else {
            (limit.remaining, limit.reset)
        };
        let mut call = self.record.key(self.key_name(key));
        call.key(self.probe_name(key))
            .arg(if limit.is_known() { "k" } else { "u" })
            .arg(signed(limit.limit))
            .arg(signed(remaining))
            .arg(signed(reset))
            .arg(KEEP_SECS);
        let _: i64 = call.invoke_async(&mut conn).await?;
        Ok(())
    }

    async fn window_passed_shared(
        &self,
        key: BudgetKey,
        reset: u64,
    ) -> Result<(), redis::RedisError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .window_passed
            .key(self.key_name(key))
            .arg(reset)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}

impl RateBudgetStore for RedisBudgetStore {
    fn take(&self, key: BudgetKey) -> BoxFuture<'_, Result<Take, BudgetStoreError>> {
        Box::pin(async move {
            match self.take_shared(key).await {
                Ok(take) => Ok(take),
                Err(e) if self.fall_back("taking a place", &e) => self.local.take(key).await,
                Err(e) => Err(BudgetStoreError::new(
                    format!("taking a place in {} in Redis", self.key_name(key)),
                    e,
                )),
            }
        })
    }

    fn record(
        &self,
        key: BudgetKey,
        limit: RateLimit,
    ) -> BoxFuture<'_, Result<(), BudgetStoreError>> {
        Box::pin(async move {
            if self.settings.on_error == OnStoreError::LocalBudget {
                self.local
                    .update(key.credential, key.method, key.path, limit);
            }
            self.record_shared(key, limit).await.map_err(|e| {
                BudgetStoreError::new(
                    format!(
                        "recording the answer's budget in {} in Redis",
                        self.key_name(key)
                    ),
                    e,
                )
            })
        })
    }

    fn end_probe(&self, key: BudgetKey) {
        self.local.end_probe(key);
        // In the background; without a runtime the marker expires instead.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let mut conn = self.conn.clone();
            let probe = self.probe_name(key);
            runtime.spawn(async move {
                let deleted: Result<i64, _> =
                    redis::cmd("DEL").arg(probe).query_async(&mut conn).await;
                if let Err(e) = deleted {
                    tracing::warn!(error = %e, "rate-limit budget in Redis: ending a probe failed");
                }
            });
        }
    }

    fn window_passed(
        &self,
        key: BudgetKey,
        reset: Option<u64>,
    ) -> BoxFuture<'_, Result<(), BudgetStoreError>> {
        Box::pin(async move {
            Budgets::window_passed(&self.local, key.credential, key.method, key.path, reset);
            let Some(reset) = reset else {
                return Ok(());
            };
            self.window_passed_shared(key, reset).await.map_err(|e| {
                BudgetStoreError::new(
                    format!(
                        "forgetting a passed window in {} in Redis",
                        self.key_name(key)
                    ),
                    e,
                )
            })
        })
    }
}
