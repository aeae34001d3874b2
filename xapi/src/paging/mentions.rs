//! Polling for new posts: the mentions of a user
//! (`GET /2/users/{id}/mentions`) or the replies in a conversation
//! (`GET /2/tweets/search/recent` with `conversation_id:<id>`), as a stream
//! that goes on for as long as it is polled.
//!
//! Each round asks for the posts newer than the last one handed out
//! (`since_id`), follows every page of the answer, and yields the new posts
//! oldest first. The id of each post is saved to a [`SinceIdStore`] before
//! the post is yielded, so a program that stops and starts again with the
//! same store sees no post twice and, as long as the endpoint still returns
//! them, misses none. Rounds are spaced by the endpoint's rate limit (the
//! window left divided by the requests left), never closer than
//! [`Watch::min_interval`].
//!
//! ```no_run
//! use futures::StreamExt;
//! use xapi::mentions::{FileSinceIdStore, Watch};
//! use xapi::Client;
//!
//! # async fn run(client: Client) -> Result<(), Box<dyn std::error::Error>> {
//! let store = FileSinceIdStore::new("mentions.since_id");
//! let mut mentions = Watch::mentions(client, "2244994945", store).stream();
//! while let Some(post) = mentions.next().await {
//!     match post {
//!         Ok(post) => println!("{}: {}", post.id.as_deref().unwrap_or("?"), post.text.as_deref().unwrap_or("")),
//!         Err(e) => eprintln!("will try again: {e}"),
//!     }
//! }
//! # Ok(()) }
//! ```

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::{BoxStream, StreamExt};

use crate::answer::error::Error;
use crate::answer::rate_limit::RateLimit;
use crate::client::Client;
use crate::models::Tweet;
use crate::write::posts::is_valid_id;
use crate::Api;

/// Where a [`Watch`] keeps the id of the last post it handed out.
pub trait SinceIdStore: Send + Sync {
    /// The saved id, if any.
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<String>>>;
    /// Saves `since_id`, replacing the previous one.
    fn save<'a>(&'a self, since_id: &'a str) -> BoxFuture<'a, std::io::Result<()>>;
}

/// A [`SinceIdStore`] in one file, holding the id as text. Each save
/// writes a temporary file and renames it over the old one, so the file
/// always holds a whole id.
#[derive(Clone, Debug)]
pub struct FileSinceIdStore {
    path: PathBuf,
}

impl FileSinceIdStore {
    /// A store in `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSinceIdStore { path: path.into() }
    }
}

impl SinceIdStore for FileSinceIdStore {
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<String>>> {
        Box::pin(async move {
            let Some(bytes) = crate::persist::read_optional(self.path.clone()).await? else {
                return Ok(None);
            };
            let text = String::from_utf8_lossy(&bytes);
            let id = text.trim();
            if id.is_empty() {
                return Ok(None);
            }
            if !is_valid_id(id) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} does not hold a post id: {id:?}", self.path.display()),
                ));
            }
            Ok(Some(id.to_owned()))
        })
    }

    fn save<'a>(&'a self, since_id: &'a str) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(crate::persist::write_atomic(
            self.path.clone(),
            format!("{since_id}\n").into_bytes(),
        ))
    }
}

/// A [`SinceIdStore`] in memory (for tests, or a program that keeps the
/// id elsewhere).
#[derive(Debug, Default)]
pub struct MemorySinceIdStore(Mutex<Option<String>>);

impl MemorySinceIdStore {
    /// A store holding `since_id`.
    pub fn new(since_id: Option<String>) -> Self {
        MemorySinceIdStore(Mutex::new(since_id))
    }

    /// The id held now.
    pub fn get(&self) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl SinceIdStore for MemorySinceIdStore {
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<String>>> {
        Box::pin(async move { Ok(self.get()) })
    }

    fn save<'a>(&'a self, since_id: &'a str) -> BoxFuture<'a, std::io::Result<()>> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(since_id.to_owned());
        Box::pin(async { Ok(()) })
    }
}

impl<S: SinceIdStore + ?Sized> SinceIdStore for Arc<S> {
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<String>>> {
        (**self).load()
    }

    fn save<'a>(&'a self, since_id: &'a str) -> BoxFuture<'a, std::io::Result<()>> {
        (**self).save(since_id)
    }
}

/// Why a round of a [`Watch`] failed. The stream goes on after it (the
/// next round starts from the last saved id, so nothing is lost).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WatchError {
    /// A request failed.
    #[error(transparent)]
    Api(#[from] Error),
    /// The store could not be read or written.
    #[error("since_id store: {0}")]
    Store(#[source] std::io::Error),
}

#[derive(Clone, Debug)]
enum Source {
    Mentions { user_id: String },
    Replies { post_id: String },
}

/// New posts of one source, polled (see the [module documentation](self)).
pub struct Watch {
    client: Client,
    source: Source,
    store: Arc<dyn SinceIdStore>,
    min_interval: Duration,
    max_results: i64,
    max_pages: usize,
    query: Vec<(String, String)>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("source", &self.source)
            .field("min_interval", &self.min_interval)
            .field("max_results", &self.max_results)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

/// The shortest spacing of rounds unless set otherwise.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(15);

impl Watch {
    fn new(client: Client, source: Source, store: impl SinceIdStore + 'static) -> Self {
        Watch {
            client,
            source,
            store: Arc::new(store),
            min_interval: DEFAULT_MIN_INTERVAL,
            max_results: 100,
            max_pages: 100,
            query: Vec::new(),
        }
    }

    /// New posts mentioning the user `user_id`.
    pub fn mentions(
        client: Client,
        user_id: impl Into<String>,
        store: impl SinceIdStore + 'static,
    ) -> Self {
        Self::new(
            client,
            Source::Mentions {
                user_id: user_id.into(),
            },
            store,
        )
    }

    /// New posts in the conversation started by `post_id` (replies to it
    /// and to each other), from recent search (the last seven days).
    pub fn replies(
        client: Client,
        post_id: impl Into<String>,
        store: impl SinceIdStore + 'static,
    ) -> Self {
        Self::new(
            client,
            Source::Replies {
                post_id: post_id.into(),
            },
            store,
        )
    }

    /// Rounds are never closer than this (default
    /// [`DEFAULT_MIN_INTERVAL`]), whatever the rate limit allows.
    #[must_use]
    pub fn min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Posts asked for per page (`max_results`, default 100).
    #[must_use]
    pub fn page_size(mut self, max_results: i64) -> Self {
        self.max_results = max_results;
        self
    }

    /// Pages followed per round at most (default 100). A round with more
    /// pages of new posts than that hands out none of them and fails with
    /// [`Error::InvalidRequest`] on `max_pages` (handing out the newest
    /// would skip the older ones for good).
    #[must_use]
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Adds a query parameter to every request (`tweet.fields`,
    /// `expansions`, …).
    #[must_use]
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// The posts, oldest first, for as long as the stream is polled.
    pub fn stream(self) -> BoxStream<'static, Result<Tweet, WatchError>> {
        let state = State {
            watch: self,
            since_id: None,
            loaded: false,
            ready: VecDeque::new(),
            wait: Duration::ZERO,
        };
        futures::stream::unfold(state, |mut state| async move {
            let item = state.next().await;
            Some((item, state))
        })
        .boxed()
    }
}

struct State {
    watch: Watch,
    since_id: Option<String>,
    loaded: bool,
    /// Posts of the current round not yet handed out, oldest first.
    ready: VecDeque<(String, Tweet)>,
    /// How long to wait before the next round.
    wait: Duration,
}

/// Orders numeric ids: the longer is the larger, then digit by digit.
fn compare_ids(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// How long to wait before the next round after an answer with `rate`,
/// at `now` (Unix seconds): the time left in the window shared among the
/// requests left in it, not less than `min`. Without the headers, `min`.
pub fn pace(rate: &RateLimit, now: u64, min: Duration) -> Duration {
    let (Some(remaining), Some(reset)) = (rate.remaining, rate.reset) else {
        return min;
    };
    let left = Duration::from_secs(reset.saturating_sub(now));
    let share = match remaining {
        0 => left,
        n => left
            .checked_div(u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(left),
    };
    share.max(min)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl State {
    async fn next(&mut self) -> Result<Tweet, WatchError> {
        if !self.loaded {
            self.since_id = self.watch.store.load().await.map_err(WatchError::Store)?;
            self.loaded = true;
        }
        loop {
            if let Some((id, post)) = self.ready.pop_front() {
                if let Err(e) = self.watch.store.save(&id).await {
                    // Not handed out: it comes again on the next call.
                    self.ready.push_front((id, post));
                    return Err(WatchError::Store(e));
                }
                self.since_id = Some(id);
                return Ok(post);
            }
            if !self.wait.is_zero() {
                tokio::time::sleep(self.wait).await;
            }
            self.wait = self.watch.min_interval;
            self.round().await?;
        }
    }

    /// Fetches every post newer than `since_id` (up to `max_pages` pages),
    /// into `ready`, oldest first.
    async fn round(&mut self) -> Result<(), WatchError> {
        let mut found: Vec<(String, Tweet)> = Vec::new();
        let mut token: Option<String> = None;
        let mut more = false;
        for _ in 0..self.watch.max_pages {
            let page = self.fetch(token.as_deref()).await?;
            self.wait = pace(&page.rate_limit, unix_now(), self.watch.min_interval);
            found.extend(page.posts.into_iter().filter_map(|post| {
                let id = post.id.as_deref()?.to_owned();
                is_valid_id(&id).then_some((id, post))
            }));
            token = page.next_token;
            more = token.is_some();
            if !more {
                break;
            }
        }
        found.sort_by(|a, b| compare_ids(&a.0, &b.0));
        found.dedup_by(|a, b| a.0 == b.0);
        if let Some(since) = &self.since_id {
            found.retain(|(id, _)| compare_ids(id, since) == Ordering::Greater);
        }
        if more {
            // Pages are newest first: posts older than those read are still
            // on the server. Handing out the ones read would skip those for
            // good, so the round hands out nothing.
            return Err(WatchError::Api(Error::InvalidRequest {
                operation: self.operation(),
                parameter: "max_pages".into(),
                rule: format!(
                    "more than {} pages of new posts since {}; raise max_pages",
                    self.watch.max_pages,
                    self.since_id.as_deref().unwrap_or("the start")
                ),
            }));
        }
        self.ready.extend(found);
        Ok(())
    }

    fn operation(&self) -> &'static str {
        match self.watch.source {
            Source::Mentions { .. } => "getUsersMentions",
            Source::Replies { .. } => "searchPostsRecent",
        }
    }

    async fn fetch(&self, token: Option<&str>) -> Result<Page, Error> {
        // The two sources are different builders with the same options but
        // for the name of the page token.
        macro_rules! page {
            ($request:expr, $token:ident) => {{
                let mut request = $request.max_results(self.watch.max_results);
                if let Some(since) = &self.since_id {
                    request = request.since_id(since.as_str());
                }
                if let Some(token) = token {
                    request = request.$token(token);
                }
                for (name, value) in &self.watch.query {
                    request = request.raw_query(name.as_str(), value.as_str());
                }
                let response = request.send().await?;
                Ok(Page {
                    rate_limit: response.rate_limit(),
                    next_token: response.next_token().map(str::to_owned),
                    posts: response.posts().to_vec(),
                })
            }};
        }
        let client = &self.watch.client;
        match &self.watch.source {
            Source::Mentions { user_id } => {
                page!(
                    client.users().get_mentions(user_id.as_str()),
                    pagination_token
                )
            }
            Source::Replies { post_id } => page!(
                client
                    .tweets()
                    .search_recent(format!("conversation_id:{post_id}")),
                next_token
            ),
        }
    }
}

struct Page {
    rate_limit: RateLimit,
    next_token: Option<String>,
    posts: Vec<Tweet>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_as_numbers() {
        assert_eq!(compare_ids("9", "10"), Ordering::Less);
        assert_eq!(
            compare_ids("1790000000000000002", "1790000000000000001"),
            Ordering::Greater
        );
        assert_eq!(compare_ids("42", "42"), Ordering::Equal);
    }

    #[test]
    fn pace_shares_the_window() {
        let min = Duration::from_secs(1);
        let rate = |remaining, reset| RateLimit {
            remaining,
            reset,
            ..RateLimit::default()
        };
        // 900 s left, 180 requests: one every 5 s.
        assert_eq!(
            pace(&rate(Some(180), Some(1900)), 1000, min),
            Duration::from_secs(5)
        );
        // None left: wait for the reset.
        assert_eq!(
            pace(&rate(Some(0), Some(1300)), 1000, min),
            Duration::from_secs(300)
        );
        // Plenty left: the minimum.
        assert_eq!(pace(&rate(Some(5000), Some(1010)), 1000, min), min);
        // A reset in the past or no headers: the minimum.
        assert_eq!(pace(&rate(Some(3), Some(10)), 1000, min), min);
        assert_eq!(pace(&rate(None, Some(1900)), 1000, min), min);
    }
}
