//! # xapi — the X (Twitter) API v2 for Rust
//!
//! Typed bindings for every operation of the X API v2, generated from X's
//! OpenAPI document, with a hand-written layer for what the document does not
//! say: models that decode what the live API really sends, include-joining,
//! errors that tell the whole story, pagination and streaming.
//!
//! ```no_run
//! use xapi::{Api, Client};
//! use xapi::fields::{TweetExpansion, TweetField, UserField};
//!
//! # async fn run() -> Result<(), xapi::Error> {
//! let client = Client::builder().bearer_token(std::env::var("X_BEARER_TOKEN").unwrap_or_default()).build()?;
//! let page = client
//!     .tweets()
//!     .search_recent("from:XDevelopers -is:retweet")
//!     .tweet_fields([TweetField::CreatedAt, TweetField::PublicMetrics])
//!     .expansions([TweetExpansion::AuthorId])
//!     .user_fields([UserField::Username])
//!     .max_results(10)
//!     .send()
//!     .await?;
//! for post in page.data().into_iter().flatten() {
//!     let author = page.author(post).found().and_then(|u| u.username.as_deref()).unwrap_or("?");
//!     println!("@{author}: {}", post.text.as_deref().unwrap_or(""));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! ## Layout
//!
//! * [`Client`] / [`ClientBuilder`]: credentials, base URL (`XAPI_BASE_URL`),
//!   timeouts, user agent.
//! * [`Api`]: entry points by tag (`client.tweets()`, `client.users()`, …), one
//!   fluent builder per operation ([`requests`]).
//! * [`Response`]: the decoded body with status, headers, rate-limit snapshot,
//!   and the include-join ([`join`]).
//! * [`models`]: every schema of the document; [`fields`]: the field and
//!   expansion enums.
//! * [`Error`]: API errors with their problem documents, decode errors with the
//!   JSON path, transport, auth and invalid-request errors.
//! * [`Client::raw`]: the generated client, for positional calls.
//! * [`research`]: archiving workflows (raw pages, search and counts,
//!   hydration in batches, conversation trees, flattening, compliance jobs).
//!
//! Models are tolerant on purpose: every field is an `Option` (the API omits
//! fields its document calls required), enums keep values they do not know
//! (`Unknown(String)`), unknown properties are kept in `extra`, and numbers
//! and numeric strings are accepted for each other.
//!
//! ## Cargo features
//!
//! Each API area (a tag of the API document) is a feature: `tweets`, `users`,
//! `lists`, `bookmarks`, `likes`, `stream`, `compliance`, `spaces`,
//! `communities`, `community-notes`, `direct-messages`, `chat`, `media`,
//! `news`, `trends`, `usage`, `account-activity`, `activity`, `webhooks`,
//! `connections`, `general`; `full` (on by default, with `rustls`) is all of
//! them. An operation is compiled when any of its tags' features is on, a
//! model when a compiled operation uses it. [`posts`]' post API needs
//! `tweets`, `media` needs `media`, `rules` needs `stream` or `tweets`.

#![deny(clippy::unwrap_used)]
// Code that handles what the network sends never panics: no `expect`, no
// indexing or slicing that could be out of range, no explicit panic.
#![cfg_attr(
    not(test),
    deny(clippy::panic, clippy::expect_used, clippy::indexing_slicing)
)]
#![warn(missing_docs)]

// The map of the crate. Each folder is one concept and imports only from
// the ones listed before it (no circles; `ARCHITECTURE.md` has the rules):
//
// * `tls`, `auth/`: the TLS provider, credentials and their refresh;
// * `answer/`: what comes back: `Response`, include-joining, errors,
//   problem documents, rate-limit headers;
// * `client/`: configuration and the one send path every request takes
//   (`send.rs`): validation, budgets, retries, decoding; `raw.rs` routes the
//   positional client through it;
// * `paging/`: page and item streams, offline archive replay;
// * `streaming/`: line framing, events and reconnects, filtered-stream rules;
// * `write/`: posts, media upload, weighted text length;
// * `research/`: archiving workflows: raw pages, searches and counts,
//   hydration, conversations, flattening, compliance jobs;
// * `webhooks`: CRC answers, delivery signatures, event envelopes;
// * `api.rs`: the client as the generated builders' sender.

/// Chainable setters, one per field, for a `#[non_exhaustive]` settings
/// struct: `RetryPolicy::default().max_attempts(8)`.
macro_rules! setters {
    ($ty:ty { $($field:ident: $fty:ty),* $(,)? }) => {
        impl $ty {
            $(
                #[doc = concat!("Sets `", stringify!($field), "` (see the field).")]
                #[must_use]
                pub fn $field(mut self, value: $fty) -> Self {
                    self.$field = value;
                    self
                }
            )*
        }
    };
}

mod answer;
mod api;
pub mod auth;
mod client;
mod paging;
mod persist;
#[cfg(all(feature = "tweets", feature = "users"))]
pub mod research;
mod streaming;
pub mod tls;
pub mod webhooks;
mod write;

pub use answer::{error, join, problem, response};
pub use client::{pacing, progress, retry, validate};
#[cfg(feature = "tweets")]
pub use paging::mentions;
pub use paging::{archive, pagination};
#[cfg(any(feature = "stream", feature = "tweets"))]
pub use streaming::rules;
pub use streaming::stream;
#[cfg(feature = "media")]
pub use write::media;
#[cfg(feature = "tweets")]
pub use write::thread;
pub use write::{posts, text};

pub use answer::error::Error;
pub use answer::response::Response;
pub use client::{
    Client, ClientBuilder, BASE_URL_ENV, DEFAULT_BASE_URL, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT,
};
pub use xapi_generated::requests::Api;
/// The `schemars` crate the models' `JsonSchema` implementations come from
/// (the `schemars` feature); `models::schemas::components` lists the schema
/// of each component of the API document.
#[cfg(feature = "schemars")]
pub use xapi_generated::runtime::schemars;
pub use xapi_generated::runtime::Text;

/// Rate limits: the headers of one answer, the budgets the client keeps per
/// endpoint and credential, and the policy for waiting on them.
pub mod rate_limit {
    pub use crate::answer::rate_limit::RateLimit;
    pub use crate::client::budget::{
        BudgetKey, BudgetStoreError, Budgets, RateBudgetStore, RateDecision, RateLimitEvent,
        RateLimitPolicy, Take, WakeUp,
    };
    #[cfg(feature = "redis")]
    pub use crate::client::budget_redis::{OnStoreError, RedisBudgetSettings, RedisBudgetStore};
}

/// Every schema of the API document, as tolerant models.
pub mod models {
    pub use xapi_generated::models::*;
}

/// The operation table: paths, pagination, streaming, credentials and
/// parameter constraints of every operation.
pub mod ops {
    pub use xapi_generated::ops::{find, OPERATIONS};
    pub use xapi_generated::runtime::{
        Delivery, Method, Operation, Pagination, Param, ParamLocation, Scheme, Security,
    };
}

/// One fluent request builder per operation, grouped by tag.
pub mod requests {
    pub use xapi_generated::requests::*;
}

/// The field and expansion enums used in `*.fields` and `expansions` (those
/// of the API areas compiled in).
pub mod fields {
    #[allow(unused_imports)] // empty without any area
    pub use xapi_generated::fields::*;
}

/// Support types shared with the generated code.
pub mod runtime {
    pub use xapi_generated::runtime::{
        CsvList, Envelope, Extra, Model, RequestParts, Sender, Text,
    };

    /// Decodes a body into a model on simd-json's vectorised parser, with
    /// the same tolerant rules and results as the default decoder (which it
    /// falls back to, to say where a body it refuses goes wrong).
    #[cfg(feature = "simd")]
    pub use xapi_generated::runtime::decode_simd;
}

/// The generated client (positional arguments), reachable through [`Client::raw`].
pub mod raw {
    pub use xapi_generated::client::*;
}

/// The README's Rust blocks, compiled (and run where they can be) as
/// doctests, so that what it shows keeps building. Its Redis block is
/// marked `ignore`: it needs the `redis` feature.
#[cfg(all(doctest, feature = "full"))]
#[doc = include_str!("../../README.md")]
mod readme {}

/// Version of the API document the bindings were generated from.
pub const DOCUMENT_VERSION: &str = xapi_generated::DOCUMENT_VERSION;
