//! The one error type of the crate.

use std::fmt;

use bytes::Bytes;

use crate::answer::problem::ProblemKind;
use crate::client::budget::RateLimit;
use crate::models::Problem;

/// Everything that can go wrong with a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The response body did not decode.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// The request never got an answer (connection, TLS, timeout, body read).
    #[error("{operation}: transport error: {source}")]
    Transport {
        /// Operation id.
        operation: &'static str,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// Credentials are missing, expired, or could not be refreshed.
    #[error("{operation}: {source}")]
    Auth {
        /// Operation id (empty for calls outside an operation).
        operation: &'static str,
        /// What went wrong.
        #[source]
        source: crate::auth::AuthError,
    },
    /// The request was refused before anything was sent.
    #[error("{operation}: invalid parameter `{parameter}`: {rule}")]
    InvalidRequest {
        /// Operation id.
        operation: &'static str,
        /// The parameter (or body field) at fault.
        parameter: String,
        /// The rule it breaks.
        rule: String,
    },
    /// Waiting for the rate limit was refused by the policy, or retries ran out.
    #[error("{operation}: gave up after {attempts} attempt(s): {cause}")]
    GaveUp {
        /// Operation id.
        operation: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Why no further attempt was made, with the last status seen.
        cause: crate::client::retry::GiveUpCause,
        /// The last API error, if the last attempt got an answer.
        last: Option<Box<ApiError>>,
    },
    /// The rate-limit budget store (one shared by several processes, see
    /// [`ClientBuilder::rate_budget_store`](crate::ClientBuilder::rate_budget_store))
    /// could not say whether the request may go; nothing was sent.
    #[error("{operation}: the rate-limit budget store failed: {source}")]
    RateBudget {
        /// Operation id.
        operation: &'static str,
        /// What the store reported.
        #[source]
        source: crate::client::budget::BudgetStoreError,
    },
    /// A streaming connection ended for a reason that reconnecting cannot fix.
    #[error("{operation}: stream ended: {reason}")]
    Stream {
        /// Operation id.
        operation: &'static str,
        /// Why.
        reason: String,
    },
    /// No complete answer arrived within the per-attempt deadline
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)), retries
    /// included where the method allows them.
    #[error("{operation}: no complete answer within the {after:?} deadline")]
    Timeout {
        /// Operation id.
        operation: &'static str,
        /// The deadline of one attempt.
        after: std::time::Duration,
    },
    /// An answer's body is over the size cap
    /// ([`ClientBuilder::max_body_bytes`](crate::ClientBuilder::max_body_bytes)).
    #[error("{operation}: the answer is larger than the {limit}-byte cap{}", announced.map(|n| format!(" (it announced {n} bytes)")).unwrap_or_default())]
    TooLarge {
        /// Operation id.
        operation: &'static str,
        /// The cap.
        limit: usize,
        /// The `Content-Length` it announced, when that was over the cap.
        announced: Option<u64>,
    },
    /// A page of a page stream failed: `source` says why, `resume_token`
    /// where to start again ([`Pages::resume_from`](crate::pagination::Pages::resume_from))
    /// so that a long pull loses nothing and repeats nothing.
    #[error("{operation}: page {} failed{}: {source}", pages.saturating_add(1), resume_token.as_deref().map(|t| format!(" (resume from next_token {t:?})")).unwrap_or_default())]
    Page {
        /// Operation id.
        operation: &'static str,
        /// The token of the page that failed: the last good `next_token`
        /// (`None` when the first page failed).
        resume_token: Option<String>,
        /// Pages read before.
        pages: usize,
        /// The failure.
        #[source]
        source: Box<Error>,
    },
    /// A page stream was sent a `next_token` it had already followed: going on
    /// would repeat pages forever.
    #[error("{operation}: the API sent next_token {token:?} again after {pages} page(s); stopping rather than repeating pages")]
    PageCycle {
        /// Operation id.
        operation: &'static str,
        /// The repeated token.
        token: String,
        /// Pages read before.
        pages: usize,
    },
}

impl Error {
    /// HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::GaveUp { last: Some(e), .. } => Some(e.status),
            Error::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            Error::Page { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The API error, if the API answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::GaveUp { last: Some(e), .. } => Some(e),
            Error::Page { source, .. } => source.api(),
            _ => None,
        }
    }

    /// Whether this is an answer with status 429.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }
}

/// An error answer from the API, with everything it said.
#[derive(Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// Operation id.
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The problem document of the body (also for plain JSON error bodies).
    pub problem: Option<Problem>,
    /// Rate-limit headers of the answer.
    pub rate_limit: RateLimit,
    /// The request id header, for reports to X.
    pub request_id: Option<String>,
    /// The raw body.
    pub body: Bytes,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl ApiError {
    /// The problem type, whichever host spells it.
    pub fn kind(&self) -> ProblemKind {
        self.problem
            .as_ref()
            .map(ProblemKind::of)
            .unwrap_or(ProblemKind::None)
    }

    /// Nested errors of the body (`errors: [...]`), each as a problem.
    pub fn errors(&self) -> Vec<Problem> {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&self.body) else {
            return Vec::new();
        };
        let Some(items) = value.get("errors").and_then(|e| e.as_array()) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|e| serde_json::from_value(e.clone()).ok())
            .collect()
    }

    /// A one-line description: the problem's title and detail, or the body's start.
    pub fn summary(&self) -> String {
        if let Some(p) = &self.problem {
            let mut parts = Vec::new();
            if let Some(t) = &p.title {
                parts.push(t.to_string());
            }
            if let Some(d) = &p.detail {
                parts.push(d.to_string());
            }
            if let Some(m) = p.extra.get("message").and_then(|m| m.as_str()) {
                parts.push(m.to_owned());
            }
            for e in self.errors().iter().take(3) {
                if let Some(m) = e
                    .extra
                    .get("message")
                    .and_then(|m| m.as_str())
                    .or(e.detail.as_deref())
                {
                    parts.push(m.to_owned());
                }
            }
            if !parts.is_empty() {
                return parts.join(": ");
            }
        }
        snippet(&self.body, 0, 160)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {}: {}",
            self.operation,
            self.status,
            self.summary()
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("problem", &self.problem)
            .field("rate_limit", &self.rate_limit)
            .field("request_id", &self.request_id)
            .field("body", &snippet(&self.body, 0, 400))
            .finish_non_exhaustive()
    }
}

/// A response body that did not decode as the operation's model.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DecodeError {
    /// Operation id.
    pub operation: &'static str,
    /// JSON path of the failing value.
    pub path: String,
    /// Why it failed.
    pub reason: String,
    /// The input around the failure.
    pub snippet: String,
    /// HTTP status of the response.
    pub status: u16,
    /// The whole message, for a stream message that did not decode (the
    /// stream goes on after it).
    pub line: Option<Bytes>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot decode the HTTP {} body at {}: {} (near `{}`)",
            self.operation, self.status, self.path, self.reason, self.snippet
        )
    }
}

/// Up to `width` characters of `body` around `offset`, on one line.
pub(crate) fn snippet(body: &[u8], offset: usize, width: usize) -> String {
    let start = offset.saturating_sub(width / 2).min(body.len());
    let end = start.saturating_add(width).min(body.len());
    String::from_utf8_lossy(body.get(start..end).unwrap_or_default()).replace(['\n', '\r'], " ")
}

/// Byte offset of a 1-based line/column in `body`.
pub(crate) fn offset_of(body: &[u8], line: usize, column: usize) -> usize {
    if line == 0 {
        return 0;
    }
    let mut current = 1;
    for (i, b) in body.iter().enumerate() {
        if current == line {
            return (i + column.saturating_sub(1)).min(body.len());
        }
        if *b == b'\n' {
            current += 1;
        }
    }
    body.len()
}
