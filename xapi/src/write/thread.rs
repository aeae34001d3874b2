//! Threads: several posts, each replying to the one before.
//!
//! [`Client::post_thread`] checks every post before it sends the first, so
//! a thread X would refuse half-way is refused whole. When a post fails
//! after others went out, the [`ThreadError`] lists the ids already posted;
//! [`Client::resume_thread`] with the same items and those ids posts only
//! the rest, the first of them replying to the last one posted.
//!
//! ```no_run
//! use xapi::posts::NewPost;
//! use xapi::Client;
//!
//! # async fn run(client: Client) -> Result<(), xapi::Error> {
//! let items = vec![
//!     NewPost::text("1/3 A thread about threads."),
//!     NewPost::text("2/3 Each post replies to the one before."),
//!     NewPost::text("3/3 The end."),
//! ];
//! let ids = match client.post_thread(items.clone()).await {
//!     Ok(ids) => ids,
//!     // Nothing posted twice: only the posts after `posted` are sent again.
//!     Err(failed) => client.resume_thread(items, failed.posted).await.map_err(|e| e.source)?,
//! };
//! println!("thread: {ids:?}");
//! # Ok(()) }
//! ```
//!
//! A post whose request went out but whose answer was lost (a timeout, a
//! cut connection) may exist on X although its id is not in
//! [`ThreadError::posted`]; [`ThreadError::maybe_posted`] says when that can
//! be the case, so that a careful caller checks the account's latest posts
//! before resuming.

use std::fmt;

use crate::answer::error::{DecodeError, Error};
use crate::client::Client;
use crate::write::posts::{is_valid_id, NewPost};

const CREATE: &str = "createPosts";

/// A thread that stopped part-way.
#[derive(Debug)]
#[non_exhaustive]
pub struct ThreadError {
    /// The ids of the posts created, in thread order (the ids passed to
    /// [`Client::resume_thread`] come first).
    pub posted: Vec<String>,
    /// The index in the items of the post that failed.
    pub failed_item: usize,
    /// Why it failed.
    pub source: Error,
}

impl ThreadError {
    /// Whether the failed post may have been created all the same: its
    /// request may have reached X (the failure is a transport fault, a
    /// timeout, or an answer without an id), as opposed to a refusal
    /// before sending or an error answer.
    pub fn maybe_posted(&self) -> bool {
        matches!(
            self.source,
            Error::Transport { .. } | Error::Timeout { .. } | Error::Decode(_)
        )
    }
}

impl fmt::Display for ThreadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "thread stopped at item {} after {} post(s) ({}): {}",
            self.failed_item,
            self.posted.len(),
            if self.posted.is_empty() {
                "none posted".to_owned()
            } else {
                format!("resume after {}", self.posted.join(", "))
            },
            self.source
        )
    }
}

impl std::error::Error for ThreadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl From<ThreadError> for Error {
    /// The underlying error (the posted ids are dropped).
    fn from(e: ThreadError) -> Self {
        e.source
    }
}

fn refusal(parameter: String, rule: impl Into<String>) -> Error {
    Error::InvalidRequest {
        operation: CREATE,
        parameter,
        rule: rule.into(),
    }
}

/// Prefixes the parameter of a refusal with the item it is about.
fn in_item(index: usize, error: Error) -> Error {
    match error {
        Error::InvalidRequest {
            operation,
            parameter,
            rule,
        } => Error::InvalidRequest {
            operation,
            parameter: format!("items[{index}].{parameter}"),
            rule,
        },
        other => other,
    }
}

/// A stand-in for the id of the post replied to, while validating: the
/// rules only ask that there is one.
const SOME_ID: &str = "1";

/// Checks the items and the ids already posted, sending nothing.
fn check_thread(items: &[NewPost], posted: &[String]) -> Result<(), Error> {
    if items.is_empty() {
        return Err(refusal("items".into(), "a thread needs at least one post"));
    }
    if posted.len() > items.len() {
        return Err(refusal(
            "posted".into(),
            format!(
                "{} ids posted but the thread has {} items",
                posted.len(),
                items.len()
            ),
        ));
    }
    if let Some(bad) = posted.iter().position(|id| !is_valid_id(id)) {
        return Err(refusal(
            format!("posted[{bad}]"),
            "is not an id (pattern ^[0-9]{1,19}$)",
        ));
    }
    for (index, item) in items.iter().enumerate() {
        if item.is_edit() {
            return Err(refusal(
                format!("items[{index}].edit_options"),
                "a thread creates posts; edits are made one at a time",
            ));
        }
        if index > 0 {
            if item.reply_to_value().is_some() {
                return Err(refusal(
                    format!("items[{index}].reply.in_reply_to_tweet_id"),
                    "is set by the thread (each post replies to the one before)",
                ));
            }
            item.clone()
                .reply_to(SOME_ID)
                .validate()
                .map_err(|e| in_item(index, e))?;
        } else {
            item.validate().map_err(|e| in_item(index, e))?;
        }
    }
    Ok(())
}

/// Threads of posts. Need user-context credentials.
impl Client {
    /// Posts `items` as a thread: the first as given (it may reply to an
    /// existing post), each later one as a reply to the one before. Every
    /// item is validated ([`NewPost::validate`]) before the first is sent.
    ///
    /// Returns the ids of the posts, in order. On failure, the error carries
    /// the ids posted so far; pass them to [`Client::resume_thread`].
    pub async fn post_thread(
        &self,
        items: impl IntoIterator<Item = NewPost>,
    ) -> Result<Vec<String>, ThreadError> {
        self.resume_thread(items, Vec::new()).await
    }

    /// Goes on with a thread of which the first `posted.len()` items were
    /// posted already, with ids `posted`: the rest are sent, the first of
    /// them replying to the last of `posted`. Returns the ids of the whole
    /// thread. With an empty `posted` this is [`Client::post_thread`].
    pub async fn resume_thread(
        &self,
        items: impl IntoIterator<Item = NewPost>,
        posted: Vec<String>,
    ) -> Result<Vec<String>, ThreadError> {
        let items: Vec<NewPost> = items.into_iter().collect();
        let mut posted = posted;
        if let Err(source) = check_thread(&items, &posted) {
            return Err(ThreadError {
                failed_item: posted.len(),
                posted,
                source,
            });
        }
        for (index, item) in items.into_iter().enumerate().skip(posted.len()) {
            let item = match posted.last() {
                Some(previous) => item.reply_to(previous.as_str()),
                None => item,
            };
            let id = match self.create_post(item).await {
                Ok(created) => match created.data().and_then(|d| d.id.as_deref()) {
                    Some(id) => Ok(id.to_owned()),
                    None => Err(Error::Decode(Box::new(DecodeError {
                        operation: CREATE,
                        path: "data.id".into(),
                        reason: "the answer to a created post has no id".into(),
                        snippet: String::new(),
                        status: created.status(),
                        line: None,
                    }))),
                },
                Err(e) => Err(e),
            };
            match id {
                Ok(id) => posted.push(id),
                Err(source) => {
                    return Err(ThreadError {
                        posted,
                        failed_item: index,
                        source,
                    })
                }
            }
        }
        Ok(posted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(result: Result<(), Error>) -> String {
        match result {
            Err(Error::InvalidRequest { parameter, .. }) => parameter,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn every_item_is_checked() {
        let ok = || NewPost::text("fine");
        assert!(check_thread(&[ok(), ok()], &[]).is_ok());
        assert_eq!(param(check_thread(&[], &[])), "items");
        assert_eq!(
            param(check_thread(
                &[ok(), ok(), NewPost::text("x".repeat(281))],
                &[]
            )),
            "items[2].text"
        );
        assert_eq!(
            param(check_thread(&[ok(), ok().reply_to("5")], &[])),
            "items[1].reply.in_reply_to_tweet_id"
        );
        assert_eq!(
            param(check_thread(&[ok(), ok().edit_of("5")], &[])),
            "items[1].edit_options"
        );
        // Reply options of later items are fine: the thread sets the reply.
        assert!(check_thread(&[ok(), ok().exclude_reply_users(["7"])], &[]).is_ok());
        // The first may reply to an existing post.
        assert!(check_thread(&[ok().reply_to("5"), ok()], &[]).is_ok());
        assert_eq!(
            param(check_thread(&[ok()], &["1".into(), "2".into()])),
            "posted"
        );
        assert_eq!(
            param(check_thread(&[ok(), ok()], &["x".into()])),
            "posted[0]"
        );
    }
}
