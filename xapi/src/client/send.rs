//! The send path every request takes: credentials, validation, the
//! rate-limit budget, retries, decoding and error mapping.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use xapi_generated::runtime::{Model, Operation, RequestParts};

use crate::answer::error::Error;
use crate::answer::response::Response;
use crate::auth::{AuthError, Credentials};
use crate::client::body::{local_answer, read_capped, Answer, ReadFault};
use crate::client::budget::{BudgetKey, Probe, RateLimit, RateLimitEvent, Take};
use crate::client::progress::ProgressEvent;
use crate::client::retry::{Decision, GiveUpCause, Outcome};

use super::decode::{api_error, decode_whole, successful};
use super::Client;

impl Client {
    /// Adds the credentials to a request; returns the OAuth 2.0 user token
    /// used, so that a 401 can refresh exactly that one.
    pub(crate) async fn authorize(
        &self,
        request: &mut reqwest::Request,
    ) -> Result<Option<SecretString>, AuthError> {
        let header = match &self.inner.credentials {
            None => return Ok(None),
            Some(Credentials::Bearer(token)) => match &self.inner.bearer {
                Some(header) => header.clone(),
                None => bearer_header(token)?,
            },
            Some(Credentials::AppOnly {
                consumer_key,
                consumer_secret,
            }) => {
                let token = self
                    .inner
                    .app_bearer
                    .get(
                        &self.inner.http,
                        &self.inner.base_url,
                        consumer_key,
                        consumer_secret,
                    )
                    .await?;
                request
                    .headers_mut()
                    .insert(AUTHORIZATION, bearer_header(&token)?);
                // Returned so that a 401 drops exactly this one.
                return Ok(Some(token));
            }
            Some(Credentials::OAuth1(creds)) => {
                crate::auth::oauth1::sign_request(creds, request)?;
                return Ok(None);
            }
            Some(Credentials::OAuth2User(manager)) => {
                let token = manager.access_token(&self.inner.http).await?;
                request
                    .headers_mut()
                    .insert(AUTHORIZATION, bearer_header(&token)?);
                return Ok(Some(token));
            }
        };
        request.headers_mut().insert(AUTHORIZATION, header);
        Ok(None)
    }

    pub(crate) fn report(&self, event: ProgressEvent) {
        if let Some(p) = &self.inner.progress {
            p.record(&event);
        }
    }

    fn jitter() -> f64 {
        rand::random::<f64>()
    }

    /// Waits for the next free slot of a full-archive operation (see
    /// `pacing.rs`); other operations go at once.
    async fn pace(&self, operation: &'static Operation) {
        let now = tokio::time::Instant::now();
        let delay = self.inner.pacing.reserve(operation.id, now);
        if !delay.is_zero() {
            self.report(ProgressEvent::Wait {
                operation: operation.id,
                delay,
            });
            tokio::time::sleep(delay).await;
        }
    }

    /// Waits (or refuses) according to the rate-limit policy.
    async fn respect_rate_limit(
        &self,
        operation: &'static Operation,
        limit: RateLimit,
        after_429: Option<Duration>,
        attempts: u32,
    ) -> Result<(), Error> {
        let wait = after_429
            .or_else(|| until_reset(limit))
            .unwrap_or(Duration::from_secs(60));
        let event = RateLimitEvent {
            operation: operation.id,
            endpoint: format!("{} {}", operation.method, operation.path),
            wait,
            limit,
            after_429: after_429.is_some(),
        };
        let jitter = Duration::from_millis((Self::jitter() * 1000.0) as u64);
        match self.inner.rate_policy.decide(&event, jitter) {
            Some(delay) => {
                tracing::info!(
                    operation = operation.id,
                    wait_ms = delay.as_millis() as u64,
                    "rate limit: waiting"
                );
                self.report(ProgressEvent::Wait {
                    operation: operation.id,
                    delay,
                });
                tokio::time::sleep(delay).await;
                let key = self.budget_key(operation);
                self.inner.budgets.window_passed(
                    key.credential,
                    key.method,
                    key.path,
                    limit.reset(),
                );
                if let Some(shared) = &self.inner.shared_budgets {
                    if let Err(e) = shared.window_passed(key, limit.reset()).await {
                        // The store learns the new window from the next answer.
                        tracing::warn!(operation = operation.id, error = %e, "rate-limit budget store");
                    }
                }
                Ok(())
            }
            None => Err(Error::GaveUp {
                operation: operation.id,
                attempts,
                cause: GiveUpCause::RateLimited {
                    endpoint: event.endpoint,
                    reset_in: wait,
                    // The reset the API named, else when the wait would end.
                    until: limit
                        .reset_at()
                        .or_else(|| std::time::SystemTime::now().checked_add(wait)),
                },
                last: None,
            }),
        }
    }

    /// Takes a place in `operation`'s budget, waiting as long as it takes:
    /// for another request learning the budget (reported as a wait), or for
    /// a spent window to reset (per the rate-limit policy, which may refuse).
    /// The returned probe, when this request learns the budget, ends with it.
    async fn admit(
        &self,
        operation: &'static Operation,
        run: &mut Run,
    ) -> Result<Probe<'_>, Error> {
        let store = self.inner.budget_store();
        let key = self.budget_key(operation);
        loop {
            let take = store.take(key).await.map_err(|source| Error::RateBudget {
                operation: operation.id,
                source,
            })?;
            match take {
                Take::Go { probe } => {
                    return Ok(Probe {
                        store,
                        key,
                        active: probe,
                    })
                }
                Take::Wait(changed) => {
                    let started = tokio::time::Instant::now();
                    // Bounded: a probe whose task vanished is ended by its
                    // guard, but never wait on a signal alone.
                    let _ = tokio::time::timeout(Duration::from_secs(5), changed).await;
                    self.report(ProgressEvent::Wait {
                        operation: operation.id,
                        delay: started.elapsed(),
                    });
                }
                Take::Spent(limit) => {
                    run.rate_waits = run.rate_waits.saturating_add(1);
                    self.respect_rate_limit(operation, limit, None, run.attempt)
                        .await?;
                }
            }
        }
    }

    /// The budget `operation` draws on with these credentials.
    fn budget_key(&self, operation: &'static Operation) -> BudgetKey {
        BudgetKey::new(
            self.inner.credential_key,
            operation.method.as_str(),
            operation.path,
        )
    }

    /// Waits for `operation`'s budget when the last answer said it is spent
    /// (or refuses, per the rate-limit policy). Returns whether it waited.
    pub(crate) async fn wait_for_budget(
        &self,
        operation: &'static Operation,
        attempt: u32,
    ) -> Result<bool, Error> {
        let key = self.inner.credential_key;
        match self
            .inner
            .budgets
            .get(key, operation.method.as_str(), operation.path)
        {
            Some(limit) if limit.exhausted() => {
                self.respect_rate_limit(operation, limit, None, attempt)
                    .await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Sends a prepared request: waits for the rate-limit budget, adds
    /// credentials, retries per the retry policy, refreshes an OAuth 2.0 user
    /// token once after a 401, and records the rate-limit headers. The answer
    /// is read whole (under the cap, within the deadline) and handed back as
    /// it is, errors included.
    #[cfg_attr(not(feature = "media"), allow(dead_code))] // used by media upload
    pub(crate) async fn execute(
        &self,
        operation: &'static Operation,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, Error> {
        self.execute_limited(operation, Attempts::Copies(request), GivenUp::Answer)
            .await
            .map(|(answer, _)| answer.into_response())
    }

    /// The send path of the generated positional client: [`Client::execute`];
    /// errors that have no answer of the API's become a local one (status
    /// 400, 401, 429, 502 or 504, with the error's text in `x-xapi-error` and
    /// a problem body), since the positional client maps statuses itself.
    pub(crate) async fn execute_raw(
        &self,
        operation: &'static Operation,
        request: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        match self
            .execute_limited(operation, Attempts::Copies(request), GivenUp::Answer)
            .await
        {
            Ok((answer, _)) => Ok(answer.into_response()),
            Err(Error::Transport { source, .. }) => Err(source),
            Err(other) => {
                let status = match &other {
                    Error::Auth { .. } => 401,
                    Error::GaveUp { .. } => 429,
                    Error::TooLarge { .. } => 502,
                    Error::Timeout { .. } => 504,
                    Error::RateBudget { .. } => 503,
                    _ => 400,
                };
                Ok(local_answer(status, &other.to_string()))
            }
        }
    }

    /// The retry loop: [`Client::execute`], with the answer read whole and
    /// its rate-limit headers (read once, when it arrived).
    async fn execute_limited(
        &self,
        operation: &'static Operation,
        mut requests: Attempts<'_>,
        given_up: GivenUp,
    ) -> Result<(Answer, RateLimit), Error> {
        let mut run = Run {
            started: tokio::time::Instant::now(),
            attempt: 0,
            rate_waits: 0,
            refreshed: false,
            given_up,
        };
        loop {
            run.attempt = run.attempt.saturating_add(1);
            self.pace(operation).await;
            let probe = self.admit(operation, &mut run).await?;
            let mut req = requests.next(self, operation)?;
            let used = self
                .authorize(&mut req)
                .await
                .map_err(|source| Error::Auth {
                    operation: operation.id,
                    source,
                })?;
            let answer = self.attempt_whole(operation, req, run.attempt).await;
            // An answer ended the probe through its headers; a fault ends it here.
            drop(probe);
            let next = match answer {
                Ok((answer, limit)) => {
                    self.after_answer(operation, &mut run, answer, limit, used)
                        .await?
                }
                Err(fault) => self.after_fault(operation, &run, fault).await?,
            };
            if let Next::Done(answer, limit) = next {
                return Ok((answer, limit));
            }
        }
    }

    /// One attempt, sent and read whole within the per-attempt deadline and
    /// under the body cap.
    async fn attempt_whole(
        &self,
        operation: &'static Operation,
        request: reqwest::Request,
        attempt: u32,
    ) -> Result<(Answer, RateLimit), Fault> {
        let deadline = self
            .inner
            .deadline
            .and_then(|d| tokio::time::Instant::now().checked_add(d));
        let (response, limit) = within(deadline, self.send_attempt(operation, request, attempt))
            .await
            .ok_or(Fault::Deadline)?
            .map_err(Fault::Http)?;
        let answer = within(deadline, read_capped(response, self.inner.max_body))
            .await
            .ok_or(Fault::Deadline)?
            .map_err(|fault| match fault {
                ReadFault::Http(e) => Fault::Http(e),
                ReadFault::TooLarge(announced) => Fault::TooLarge(announced),
            })?;
        Ok((answer, limit))
    }

    /// Retries a failed attempt per the retry policy, or gives up with the
    /// fault as the error. A body over the cap is not retried: it would not
    /// shrink.
    async fn after_fault(
        &self,
        operation: &'static Operation,
        run: &Run,
        fault: Fault,
    ) -> Result<Next, Error> {
        let outcome = match &fault {
            Fault::Http(source) if source.is_connect() => Outcome::NotSent,
            Fault::Http(_) | Fault::Deadline => Outcome::Transport,
            Fault::TooLarge(announced) => {
                return Err(Error::TooLarge {
                    operation: operation.id,
                    limit: self.inner.max_body,
                    announced: *announced,
                })
            }
        };
        let decision = self.inner.retry.decide(
            run.attempt,
            operation.method.as_str(),
            outcome,
            run.started.elapsed(),
            Self::jitter(),
        );
        match (decision, fault) {
            (Decision::Retry(delay), fault) => {
                tracing::warn!(operation = operation.id, attempt = run.attempt, error = ?fault, "transport error: retrying");
                self.pause_before_retry(operation, run.attempt, delay).await;
                Ok(Next::Again)
            }
            (_, Fault::Http(source)) => Err(Error::Transport {
                operation: operation.id,
                source,
            }),
            (_, _) => Err(Error::Timeout {
                operation: operation.id,
                after: self.inner.deadline.unwrap_or_default(),
            }),
        }
    }

    /// After a 401: drops the app-only bearer obtained from key and secret,
    /// or refreshes the OAuth 2.0 user token, that `used` was. Returns
    /// whether new credentials are worth one more try (the caller allows
    /// one per request or connection).
    pub(crate) async fn reauthorize(
        &self,
        operation: &'static Operation,
        used: Option<SecretString>,
    ) -> Result<bool, Error> {
        let Some(used) = used else {
            return Ok(false);
        };
        match &self.inner.credentials {
            Some(Credentials::AppOnly { .. }) => {
                // A bearer obtained from key and secret was revoked: the
                // next request fetches a new one.
                self.inner.app_bearer.reject(&used).await;
                Ok(true)
            }
            Some(Credentials::OAuth2User(manager)) => {
                manager
                    .refresh_after_unauthorized(&self.inner.http, &used)
                    .await
                    .map_err(|source| Error::Auth {
                        operation: operation.id,
                        source,
                    })?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// What an answer leads to: a wait and another try (429, a refreshed
    /// token after a 401, a retried status), or the end of the run.
    async fn after_answer(
        &self,
        operation: &'static Operation,
        run: &mut Run,
        answer: Answer,
        limit: RateLimit,
        used: Option<SecretString>,
    ) -> Result<Next, Error> {
        let status = answer.status;
        if status == 429 {
            return self.after_429(operation, run, answer, limit).await;
        }
        if status == 401 && !run.refreshed && self.reauthorize(operation, used).await? {
            run.refreshed = true;
            run.attempt = run.attempt.saturating_sub(1);
            return Ok(Next::Again);
        }
        let method = operation.method.as_str();
        if !self.inner.retry.retries_status(method, status) {
            return Ok(Next::Done(answer, limit));
        }
        let retry_after = crate::client::retry::retry_after(&answer.headers);
        let decision = self.inner.retry.decide(
            run.attempt,
            method,
            Outcome::Status(status, retry_after),
            run.started.elapsed(),
            Self::jitter(),
        );
        match decision {
            Decision::Retry(delay) => {
                tracing::warn!(
                    operation = operation.id,
                    attempt = run.attempt,
                    status,
                    "server error: retrying"
                );
                self.pause_before_retry(operation, run.attempt, delay).await;
                Ok(Next::Again)
            }
            Decision::GiveUp(cause) => run.give_up(operation, answer, limit, cause),
        }
    }

    /// A 429: waits for the window (not counted as a failed attempt), or
    /// gives up when the policy will not wait, after 8 waits, or at once
    /// when the answer says the usage cap is reached (no window ends that).
    async fn after_429(
        &self,
        operation: &'static Operation,
        run: &mut Run,
        answer: Answer,
        limit: RateLimit,
    ) -> Result<Next, Error> {
        if usage_capped(&answer.body) {
            return run.give_up(operation, answer, limit, GiveUpCause::UsageCapped);
        }
        run.rate_waits = run.rate_waits.saturating_add(1);
        if run.rate_waits > 8 {
            let cause = GiveUpCause::StillRateLimited {
                waits: run.rate_waits.saturating_sub(1),
            };
            return run.give_up(operation, answer, limit, cause);
        }
        let after = crate::client::retry::retry_after(&answer.headers)
            .or_else(|| until_reset(limit))
            .unwrap_or(Duration::from_secs(60));
        match self
            .respect_rate_limit(operation, limit, Some(after), run.attempt)
            .await
        {
            Ok(()) => {
                run.attempt = run.attempt.saturating_sub(1);
                Ok(Next::Again)
            }
            Err(Error::GaveUp { cause, .. }) => run.give_up(operation, answer, limit, cause),
            Err(other) => Err(other),
        }
    }

    /// Reports a retry and sleeps before it.
    async fn pause_before_retry(
        &self,
        operation: &'static Operation,
        attempt: u32,
        delay: Duration,
    ) {
        self.report(ProgressEvent::Retry {
            operation: operation.id,
            attempt,
            delay,
        });
        tokio::time::sleep(delay).await;
    }

    /// Sends a prepared request once: credentials, tracing and rate-limit
    /// bookkeeping, but no retry and no waiting (streams reconnect on their
    /// own schedule).
    pub(crate) async fn execute_once(
        &self,
        operation: &'static Operation,
        mut request: reqwest::Request,
        attempt: u32,
    ) -> Result<(reqwest::Response, Option<SecretString>), Error> {
        let used = self
            .authorize(&mut request)
            .await
            .map_err(|source| Error::Auth {
                operation: operation.id,
                source,
            })?;
        let deadline = self
            .inner
            .deadline
            .and_then(|d| tokio::time::Instant::now().checked_add(d));
        within(deadline, self.send_attempt(operation, request, attempt))
            .await
            .ok_or(Error::Timeout {
                operation: operation.id,
                after: self.inner.deadline.unwrap_or_default(),
            })?
            .map(|(response, _)| (response, used))
            .map_err(|source| Error::Transport {
                operation: operation.id,
                source,
            })
    }

    /// One attempt, already authorised: a tracing span, the send, and the
    /// bookkeeping of the answer's rate-limit headers.
    async fn send_attempt(
        &self,
        operation: &'static Operation,
        request: reqwest::Request,
        attempt: u32,
    ) -> reqwest::Result<(reqwest::Response, RateLimit)> {
        let span = tracing::debug_span!(
            "xapi.request",
            operation = operation.id,
            method = operation.method.as_str(),
            path = operation.path,
            attempt,
            status = tracing::field::Empty,
            rate_limit_remaining = tracing::field::Empty,
        );
        let response = self
            .inner
            .http
            .execute(request)
            .instrument(span.clone())
            .await?;
        let status = response.status().as_u16();
        let limit = RateLimit::from_headers(response.headers());
        span.record("status", status);
        if let Some(remaining) = limit.remaining {
            span.record("rate_limit_remaining", remaining);
        }
        let key = self.budget_key(operation);
        self.inner
            .budgets
            .update(key.credential, key.method, key.path, limit);
        if let Some(shared) = &self.inner.shared_budgets {
            // The answer is here whatever the store says: a store that
            // cannot record it learns the budget from a later answer (its
            // probe, if this was one, expires).
            if let Err(e) = shared.record(key, limit).await {
                tracing::warn!(operation = operation.id, error = %e, "rate-limit budget store");
            }
        }
        span.in_scope(|| tracing::debug!(status, remaining = limit.remaining, "answered"));
        Ok((response, limit))
    }

    /// Builds the HTTP request for `operation` from `parts`, after validation.
    pub(crate) fn build_request(
        &self,
        operation: &'static Operation,
        parts: &RequestParts,
    ) -> Result<reqwest::Request, Error> {
        crate::client::validate::check(operation, parts).map_err(|v| Error::InvalidRequest {
            operation: operation.id,
            parameter: v.parameter,
            rule: v.rule,
        })?;
        let path = parts
            .fill_path(operation.path)
            .map_err(|name| Error::InvalidRequest {
                operation: operation.id,
                parameter: name,
                rule: "is required".into(),
            })?;
        let method = reqwest::Method::from(operation.method);
        let mut url = self
            .inner
            .base
            .join(&self.inner.base_url, &path)
            .map_err(|e| Error::InvalidRequest {
                operation: operation.id,
                parameter: "base_url".into(),
                rule: e.to_string(),
            })?;
        if !parts.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &parts.query {
                pairs.append_pair(name, value);
            }
        }
        let mut request = reqwest::Request::new(method, url);
        if let Some(body) = &parts.body {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.clone().into());
        }
        request
            .headers_mut()
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static("xapi-rust"));
        Ok(request)
    }

    /// Sends `parts` as `operation` and decodes the body as `T`.
    pub async fn send_operation<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> Result<Response<T>, Error> {
        let (answer, limit) = self.send_parts(operation, &parts).await?;
        let requested = parts.query_value("expansions").map(str::to_owned);
        decode_whole(operation, answer, limit, requested)
    }

    /// Sends `parts` as `operation` through the whole send path and hands
    /// back the success body as received (status, headers, bytes); an answer
    /// outside 2xx is [`Error::Api`], as for [`Client::send_operation`].
    #[cfg_attr(not(all(feature = "tweets", feature = "users")), allow(dead_code))]
    pub(crate) async fn send_operation_bytes(
        &self,
        operation: &'static Operation,
        parts: &RequestParts,
    ) -> Result<(u16, reqwest::header::HeaderMap, bytes::Bytes), Error> {
        let (answer, limit) = self.send_parts(operation, parts).await?;
        let (answer, _) = successful(operation, answer, limit)?;
        Ok((answer.status, answer.headers, answer.body))
    }

    /// The answer to `parts`, read whole, after the send path's budgets,
    /// retries and credentials.
    async fn send_parts(
        &self,
        operation: &'static Operation,
        parts: &RequestParts,
    ) -> Result<(Answer, RateLimit), Error> {
        let request = self.build_request(operation, parts)?;
        let attempts = Attempts::Built {
            first: Some(request),
            parts,
        };
        self.execute_limited(operation, attempts, GivenUp::Error)
            .await
    }
}

/// What the send loop does with an answer the policies gave up on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum GivenUp {
    /// Read it into [`Error::GaveUp`].
    Error,
    /// Return it as it is.
    Answer,
}

/// The state of one request's attempts.
struct Run {
    started: tokio::time::Instant,
    /// Attempts that count against the retry policy.
    attempt: u32,
    /// Waits for a rate-limit window.
    rate_waits: u32,
    /// Whether an OAuth 2.0 user token was refreshed after a 401.
    refreshed: bool,
    given_up: GivenUp,
}

impl Run {
    /// Ends the run with an answer the policies will not try again.
    fn give_up(
        &self,
        operation: &'static Operation,
        answer: Answer,
        limit: RateLimit,
        cause: GiveUpCause,
    ) -> Result<Next, Error> {
        match self.given_up {
            GivenUp::Answer => Ok(Next::Done(answer, limit)),
            GivenUp::Error => Err(Error::GaveUp {
                operation: operation.id,
                attempts: self.attempt,
                cause,
                last: Some(Box::new(api_error(
                    operation.id,
                    answer.status,
                    answer.headers,
                    limit,
                    answer.body,
                ))),
            }),
        }
    }
}

/// After an attempt: try again, or this is the answer.
#[allow(clippy::large_enum_variant)] // returned once per attempt, never stored
enum Next {
    Again,
    Done(Answer, RateLimit),
}

/// Why an attempt got no whole answer.
#[derive(Debug)]
enum Fault {
    /// The connection failed or was cut.
    Http(reqwest::Error),
    /// The per-attempt deadline passed.
    Deadline,
    /// The body is over the cap.
    TooLarge(Option<u64>),
}

/// Resets are given in whole seconds: the window may end anywhere in the
/// second named, so a wait for it lasts one second more.
const RESET_MARGIN: Duration = Duration::from_secs(1);

/// How long to wait for `limit`'s reset, margin included.
fn until_reset(limit: RateLimit) -> Option<Duration> {
    limit
        .reset_in(std::time::SystemTime::now())
        .map(|d| d.saturating_add(RESET_MARGIN))
}

/// `future`, or `None` when `deadline` passes first.
async fn within<F: std::future::Future>(
    deadline: Option<tokio::time::Instant>,
    future: F,
) -> Option<F::Output> {
    match deadline {
        Some(at) => tokio::time::timeout_at(at, future).await.ok(),
        None => Some(future.await),
    }
}

/// Whether a 429's body says the usage cap (not a window) is reached.
fn usage_capped(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"usage-capped").is_some()
        && serde_json::from_slice::<crate::models::Problem>(body).is_ok_and(|p| {
            crate::answer::problem::ProblemKind::of(&p)
                == crate::answer::problem::ProblemKind::UsageCapped
        })
}

/// Where the request of each attempt comes from.
enum Attempts<'a> {
    /// A prepared request, copied for each attempt.
    #[cfg_attr(not(feature = "media"), allow(dead_code))] // used by media upload
    Copies(reqwest::Request),
    /// Built from the operation's parts for each attempt (the first one is
    /// built already): the same request, without copying it when a single
    /// attempt is all it takes.
    Built {
        first: Option<reqwest::Request>,
        parts: &'a RequestParts,
    },
}

impl Attempts<'_> {
    fn next(
        &mut self,
        client: &Client,
        operation: &'static Operation,
    ) -> Result<reqwest::Request, Error> {
        match self {
            Attempts::Copies(request) => request.try_clone().ok_or_else(|| Error::InvalidRequest {
                operation: operation.id,
                parameter: "body".into(),
                rule: "a streamed body cannot be sent through the retry stack".into(),
            }),
            Attempts::Built { first, parts } => match first.take() {
                Some(request) => Ok(request),
                None => client.build_request(operation, parts),
            },
        }
    }
}

/// The base URL, parsed once, and how request paths are appended to it.
pub(super) struct RequestBase {
    url: url::Url,
    /// The base's path without its trailing `/`, when appending a path to it
    /// gives what parsing the concatenated text would (no query or fragment
    /// in the base, an http(s) scheme).
    prefix: Option<String>,
}

impl RequestBase {
    pub(super) fn new(url: url::Url) -> Self {
        let simple = matches!(url.scheme(), "http" | "https")
            && !url.cannot_be_a_base()
            && url.query().is_none()
            && url.fragment().is_none();
        let prefix = simple.then(|| url.path().trim_end_matches('/').to_owned());
        RequestBase { url, prefix }
    }

    /// The URL of `path` (which starts with `/`) under the base: the same as
    /// parsing `base_url` followed by `path`, without parsing the scheme and
    /// host again.
    fn join(&self, base_url: &str, path: &str) -> Result<url::Url, url::ParseError> {
        // Plain path text only: no query or fragment marker, no backslash, no
        // white space or control characters (which the URL parser treats
        // specially), ASCII.
        let plain = path.starts_with('/')
            && path
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'\\'));
        match &self.prefix {
            Some(prefix) if plain => {
                let mut url = self.url.clone();
                if prefix.is_empty() {
                    url.set_path(path);
                } else {
                    url.set_path(&[prefix.as_str(), path].concat());
                }
                Ok(url)
            }
            _ => url::Url::parse(&format!("{base_url}{path}")),
        }
    }
}

pub(super) fn bearer_header(token: &SecretString) -> Result<HeaderValue, AuthError> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            AuthError::Invalid("the bearer token holds characters not allowed in a header".into())
        })?;
    value.set_sensitive(true);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_match_parsing_the_whole_text() {
        let bases = [
            "http://127.0.0.1:8080",
            "https://api.x.com",
            "https://API.X.com:443",
            "http://h/prefix",
            "http://h/a b/c%2F",
            "http://h/a/./b/..",
            "http://h/a/%2e%2E",
            "http://user:pw@h:81/p",
            "http://h/p?x=1",
            "http://h/p#frag",
            "http://h/p?",
            "http://h/a\\b",
            "ftp://h/p",
        ];
        let paths = [
            "/2/users/me",
            "/2/tweets/123/liking_users",
            "/2/users/by/username/%20x",
            "/2/x/../y/./z",
            "/2/x/%2e%2e/y",
            "/2/a%zz/b",
            "/2/a b",
            "/2/é",
            "/2/a?b",
            "/2/a#b",
            "/2/a\\b",
            "/2/a\tb",
            "2/relative",
            "",
            "/",
        ];
        for base in bases {
            let base_url = base.trim().trim_end_matches('/').to_owned();
            let parsed = url::Url::parse(&base_url).expect("base");
            let request_base = RequestBase::new(parsed);
            for path in paths {
                let expected = url::Url::parse(&format!("{base_url}{path}")).map(String::from);
                let got = request_base.join(&base_url, path).map(String::from);
                assert_eq!(got, expected, "{base} + {path}");
            }
        }
    }
}
