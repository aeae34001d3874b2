//! A decoded response with its status, headers and rate-limit snapshot.

use std::ops::Deref;

use reqwest::header::HeaderMap;

use crate::answer::join::{expansion_mask, Index, Joiner, Lookup, ReferenceType, Several};
use crate::client::budget::RateLimit;
use crate::models::{Expansions, Media, Place, Poll, Problem, Tweet, User};
use xapi_generated::runtime::Envelope;

/// A successful response: the decoded body `T` plus what came with it.
///
/// Derefs to `T`, so the body's fields are at hand (`response.data`); the
/// [`Envelope`] methods give the common parts (`data()`, `includes()`,
/// `errors()`, `meta()`), and the join methods resolve references against
/// this page's `includes` (the index is built on first use).
pub struct Response<T> {
    body: T,
    status: u16,
    headers: HeaderMap,
    rate_limit: RateLimit,
    requested_expansions: Option<String>,
    /// The bits of the known expansions in `requested_expansions`, read once.
    requested_mask: u32,
    /// The join index (its tables are built on first use).
    index: Index,
}

impl<T> Response<T> {
    /// Wraps a decoded body.
    pub fn new(
        body: T,
        status: u16,
        headers: HeaderMap,
        requested_expansions: Option<String>,
    ) -> Self {
        let rate_limit = RateLimit::from_headers(&headers);
        Self::with_rate_limit(body, status, headers, rate_limit, requested_expansions)
    }

    /// Wraps a decoded body whose rate-limit headers were already read.
    pub(crate) fn with_rate_limit(
        body: T,
        status: u16,
        headers: HeaderMap,
        rate_limit: RateLimit,
        requested_expansions: Option<String>,
    ) -> Self {
        let requested_mask = requested_expansions.as_deref().map_or(0, expansion_mask);
        Response {
            body,
            status,
            headers,
            rate_limit,
            requested_expansions,
            requested_mask,
            index: Index::default(),
        }
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// Takes the decoded body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The rate-limit headers of this response.
    pub fn rate_limit(&self) -> RateLimit {
        self.rate_limit
    }

    /// The `expansions` the request asked for, if known.
    pub fn requested_expansions(&self) -> Option<&str> {
        self.requested_expansions.as_deref()
    }
}

impl<T> Deref for Response<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.body
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Response<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("rate_limit", &self.rate_limit)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

impl<T: Envelope> Response<T> {
    /// The primary data.
    pub fn data(&self) -> Option<&T::Data> {
        self.body.data()
    }

    /// The expanded objects.
    pub fn includes(&self) -> Option<&Expansions> {
        self.body.includes()
    }

    /// Partial errors returned beside the data.
    pub fn errors(&self) -> &[Problem] {
        self.body.errors()
    }

    /// Response metadata.
    pub fn meta(&self) -> Option<&T::Meta> {
        self.body.meta()
    }

    /// The token that continues after this page.
    pub fn next_token(&self) -> Option<&str> {
        self.body.next_token()
    }

    /// A joiner over this page's includes (the index is built once).
    #[inline]
    pub fn joiner(&self) -> Joiner<'_> {
        Joiner::with_mask(
            self.body.includes(),
            self.body.errors(),
            self.requested_expansions.as_deref(),
            self.requested_mask,
            &self.index,
        )
    }

    /// The author of `post`.
    #[inline]
    pub fn author(&self, post: &Tweet) -> Lookup<'_, User> {
        self.joiner().author(post)
    }

    /// The posts `post` refers to, with the kind of each reference.
    #[inline]
    pub fn referenced(&self, post: &Tweet) -> Several<(ReferenceType, Lookup<'_, Tweet>)> {
        self.joiner().referenced(post)
    }

    /// The media attached to `post`.
    #[inline]
    pub fn media(&self, post: &Tweet) -> Several<Lookup<'_, Media>> {
        self.joiner().media(post)
    }

    /// The poll attached to `post`.
    #[inline]
    pub fn poll(&self, post: &Tweet) -> Lookup<'_, Poll> {
        self.joiner().poll(post)
    }

    /// The place `post` is tagged with.
    #[inline]
    pub fn place(&self, post: &Tweet) -> Lookup<'_, Place> {
        self.joiner().place(post)
    }

    /// The users `post` mentions.
    pub fn mentions<'p>(&self, post: &'p Tweet) -> Several<(&'p str, Lookup<'_, User>)> {
        self.joiner().mentions(post)
    }

    /// The user `post` replies to.
    #[inline]
    pub fn in_reply_to_user(&self, post: &Tweet) -> Lookup<'_, User> {
        self.joiner().in_reply_to_user(post)
    }

    /// The pinned post of `user`.
    #[inline]
    pub fn pinned_post(&self, user: &User) -> Lookup<'_, Tweet> {
        self.joiner().pinned_post(user)
    }
}

impl<T: Envelope> Response<T>
where
    T::Data: crate::answer::join::PostsData,
{
    /// The posts of this page.
    pub fn posts(&self) -> &[Tweet] {
        use crate::answer::join::PostsData;
        self.data().map(PostsData::posts).unwrap_or(&[])
    }

    /// Each post with everything it refers to inlined (owned, serialisable).
    pub fn expanded(&self) -> Vec<crate::answer::join::ExpandedPost> {
        let joiner = self.joiner();
        self.posts().iter().map(|p| joiner.expand(p)).collect()
    }

    /// Iterates over the posts, each with its expanded form built on demand.
    pub fn expanded_iter(&self) -> impl Iterator<Item = crate::answer::join::ExpandedPost> + '_ {
        let joiner = self.joiner();
        self.posts().iter().map(move |p| joiner.expand(p))
    }
}
