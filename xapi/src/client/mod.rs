//! The client: its configuration and the one path every request takes.
//!
//! * this file: [`Client`], [`ClientBuilder`] and their configuration;
//! * `send.rs`: the send path (credentials, validation, the rate-limit
//!   budget, retries, decoding, error mapping);
//! * `body.rs`: reading an answer whole, under the size cap;
//! * `raw.rs`: the positional client's hooks into the send path;
//! * `budget.rs`, `pacing.rs`, `retry.rs`, `validate.rs`, `progress.rs`: the
//!   policies and checks the send path applies.

pub(crate) mod body;
pub mod budget;
#[cfg(feature = "redis")]
pub mod budget_redis;
mod decode;
pub mod pacing;
pub mod progress;
mod raw;
pub mod retry;
mod send;

use raw::RawTransport;
use send::{bearer_header, RequestBase};
pub mod validate;

#[allow(unused_imports)] // some are used only with some API areas
pub(crate) use decode::{api_error, decode_answer, decode_body, decode_response, read_api_error};

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use crate::answer::error::Error;
use crate::auth::transport::{self, redact_user_info};
use crate::auth::Credentials;
use crate::client::budget::{Budgets, RateBudgetStore, RateLimit, RateLimitPolicy};
use crate::client::progress::Progress;
use crate::client::retry::RetryPolicy;

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.x.com";

/// Environment variable that overrides the base URL (proxies, mock servers).
pub const BASE_URL_ENV: &str = "XAPI_BASE_URL";

/// A client for the X API v2. Cheap to clone: clones share the connection
/// pool, credentials and rate-limit state.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// `base_url`, parsed once; request URLs are made from it.
    base: RequestBase,
    /// The `Authorization` value of [`Credentials::Bearer`], made once.
    bearer: Option<HeaderValue>,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) app_bearer: crate::auth::app_only::BearerCache,
    pub(crate) raw: xapi_generated::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) rate_policy: RateLimitPolicy,
    /// The budgets as the answers' headers tell them; they decide which
    /// request may go unless `shared_budgets` is set.
    pub(crate) budgets: Budgets,
    /// A store that decides instead (shared by several processes).
    pub(crate) shared_budgets: Option<Arc<dyn RateBudgetStore>>,
    pub(crate) credential_key: u64,
    pub(crate) progress: Option<Progress>,
    /// Per-attempt deadline: connect, headers and the whole body.
    pub(crate) deadline: Option<Duration>,
    /// Largest answer body read.
    pub(crate) max_body: usize,
    /// Per-second spacing of the full-archive operations.
    pub(crate) pacing: pacing::Pacing,
}

/// Default per-attempt deadline.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Default cap on an answer's body: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &redact_user_info(&self.inner.base_url))
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: String,
    http: Option<reqwest::Client>,
    retry: RetryPolicy,
    rate_policy: RateLimitPolicy,
    budget_store: Option<Arc<dyn RateBudgetStore>>,
    progress: Option<Progress>,
    max_body: usize,
    allow_insecure_http: bool,
    archive_interval: Duration,
    compression: bool,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url.as_deref().map(redact_user_info))
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: None,
            timeout: Some(DEFAULT_TIMEOUT),
            max_body: DEFAULT_MAX_BODY_BYTES,
            connect_timeout: Some(Duration::from_secs(10)),
            user_agent: format!("xapi-rust/{}", env!("CARGO_PKG_VERSION")),
            http: None,
            retry: RetryPolicy::default(),
            rate_policy: RateLimitPolicy::default(),
            budget_store: None,
            progress: None,
            allow_insecure_http: false,
            archive_interval: pacing::DEFAULT_ARCHIVE_INTERVAL,
            compression: true,
        }
    }
}

impl ClientBuilder {
    /// Authenticates with an app-only (or user) OAuth 2.0 bearer token.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::bearer(token));
        self
    }

    /// Authenticates with any supported credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sends requests to `url` instead of the production host (mock servers,
    /// proxies). Without this, `XAPI_BASE_URL` is honoured when set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Deadline of one attempt, covering the connection, the headers and
    /// the whole body (default [`DEFAULT_TIMEOUT`], 60 s): a body that
    /// trickles in ends at the deadline, and the attempt counts as a
    /// transport fault (retried for idempotent requests). On a stream it
    /// bounds the connection and its headers; the stream's own
    /// `stall_timeout` bounds the silence after.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Largest answer body read, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`], 64 MiB). A larger body, or one whose
    /// `Content-Length` announces more, is [`Error::TooLarge`]; nothing is
    /// reserved ahead from what an answer announces.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// Whether answers are requested compressed (default on): requests
    /// offer `Accept-Encoding: gzip, br` and compressed bodies are decoded
    /// as they arrive. [`max_body_bytes`](Self::max_body_bytes) counts the
    /// decoded bytes, so a small body that inflates past the cap is refused.
    /// Off, no encoding is offered. Streams always ask for `identity`, so
    /// that keep-alive lines are never held in a compressor. Applies to the
    /// HTTP client this builder makes, not to one given with
    /// [`http_client`](Self::http_client).
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Removes the deadline and the connection timeout (for tests under
    /// paused time, or deadlines set around each call).
    pub fn no_timeouts(mut self) -> Self {
        self.timeout = None;
        self.connect_timeout = None;
        self
    }

    /// How failed requests are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// What to do when a rate limit is reached (default: wait out the window, up to 16 minutes).
    pub fn rate_limit_policy(mut self, policy: RateLimitPolicy) -> Self {
        self.rate_policy = policy;
        self
    }

    /// Where the per-endpoint rate-limit budgets are kept (default: in this
    /// process, shared by the clones of the client). A store shared by
    /// several processes, such as the `redis` feature's
    /// [`RedisBudgetStore`](crate::rate_limit::RedisBudgetStore), keeps the
    /// workers that use the same credentials within the app's limits
    /// together. [`Client::rate_limits`] still reports the headers this
    /// client saw.
    pub fn rate_budget_store(mut self, store: Arc<dyn RateBudgetStore>) -> Self {
        self.budget_store = Some(store);
        self
    }

    /// Reports pages, items, waits and retries to `progress`.
    pub fn progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses a preconfigured `reqwest::Client` (its own timeouts and agent apply).
    /// With the `rustls` feature, call [`crate::tls::ensure_provider`] before
    /// building it, unless the program installed a rustls provider itself.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Lets credentials go over plain `http` (or any scheme but `https`) to
    /// hosts other than the loopback interface (`127.0.0.0/8`, `[::1]`,
    /// `localhost`). Off by default: [`build`](Self::build) refuses such a
    /// base URL when credentials are set, as anyone on the way could read
    /// them.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Spaces the attempts of each full-archive operation (`searchPostsAll`,
    /// `getPostsCountsAll`, limited per second as well as per window) by
    /// `interval`: default [`pacing::DEFAULT_ARCHIVE_INTERVAL`], 1 s;
    /// `Duration::ZERO` turns the spacing off.
    pub fn archive_pacing(mut self, interval: Duration) -> Self {
        self.archive_interval = interval;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = match self.base_url {
            Some(url) => url,
            None => std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        };
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let base = match url::Url::parse(&base_url) {
            Ok(url) if url.has_host() => url,
            _ => {
                return Err(Error::InvalidRequest {
                    operation: "",
                    parameter: "base_url".into(),
                    rule: format!(
                        "{:?} is not an absolute http(s) URL",
                        redact_user_info(&base_url)
                    ),
                })
            }
        };
        if self.credentials.is_some() && !self.allow_insecure_http {
            if let Some(rule) = transport::unencrypted_refusal(&base) {
                return Err(Error::InvalidRequest {
                    operation: "",
                    parameter: "base_url".into(),
                    rule,
                });
            }
        }
        let base = RequestBase::new(base);
        let bearer = match &self.credentials {
            Some(Credentials::Bearer(token)) => bearer_header(token).ok(),
            _ => None,
        };
        let http = match self.http {
            Some(http) => http,
            None => {
                crate::tls::ensure_provider();
                let mut b = reqwest::Client::builder()
                    .user_agent(self.user_agent.clone())
                    .redirect(transport::redirect_policy())
                    .gzip(self.compression)
                    .brotli(self.compression);
                if let Some(t) = self.connect_timeout {
                    b = b.connect_timeout(t);
                }
                b.build().map_err(|source| Error::Transport {
                    operation: "",
                    source,
                })?
            }
        };
        let credential_key = self
            .credentials
            .as_ref()
            .map(Credentials::identity)
            .unwrap_or(0);
        let inner = Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| {
            let hooks = xapi_generated::runtime::Hooks(Arc::new(RawTransport {
                inner: weak.clone(),
            }));
            Inner {
                raw: xapi_generated::Client::new_with_client(&base_url, http.clone(), hooks),
                http,
                base_url,
                base,
                bearer,
                credentials: self.credentials,
                app_bearer: Default::default(),
                retry: self.retry,
                rate_policy: self.rate_policy,
                budgets: Budgets::default(),
                shared_budgets: self.budget_store,
                credential_key,
                progress: self.progress,
                deadline: self.timeout,
                max_body: self.max_body,
                pacing: pacing::Pacing::new(self.archive_interval),
            }
        });
        Ok(Client { inner })
    }
}

impl Inner {
    /// The store that decides which request may go.
    pub(crate) fn budget_store(&self) -> &dyn RateBudgetStore {
        match &self.shared_budgets {
            Some(store) => store.as_ref(),
            None => &self.budgets,
        }
    }
}

impl Client {
    /// A builder with defaults: no credentials, the production host (or
    /// `XAPI_BASE_URL`), the default deadline and body cap.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The generated client, for operations by their document names with
    /// positional arguments. Requests go through the same authentication.
    pub fn raw(&self) -> &xapi_generated::Client {
        &self.inner.raw
    }

    /// The current rate-limit budgets, by endpoint (`METHOD /path`), for dashboards.
    pub fn rate_limits(&self) -> Vec<(String, RateLimit)> {
        self.inner.budgets.snapshot()
    }
}
