//! Pages as received: the exact bytes of each answer, for archiving.
//!
//! [`RawPages`] follows `meta.next_token` like
//! [`Pages`](crate::pagination::Pages), through the same send path (budget,
//! retries, pacing, deadline, cap), but keeps each body as the bytes that
//! arrived instead of decoding it: an archive keeps every key, known or not,
//! in its order and spelling. [`RawPage::line`] is the body as one JSON line
//! with an `"__xapi"` object added (request URL, retrieval time, version).
//!
//! A failed page ends the pull with [`Error::Page`], whose `resume_token`
//! (also [`RawPages::resume_token`]) continues it later:
//! [`RawPages::resume_from`].
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::HashSet;
use std::time::SystemTime;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use xapi_generated::runtime::{Model, Operation, RequestParts};

use crate::answer::error::Error;
use crate::answer::response::Response;
use crate::auth::transport::redact_user_info;
use crate::client::progress::ProgressEvent;
use crate::client::{decode_body, Client};

/// The version of this crate, as written into `"__xapi"`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One answer of a paginated operation, as received.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawPage {
    /// The operation's id.
    pub operation: &'static str,
    /// The request URL (credentials in it, if any, replaced by `***`).
    pub url: String,
    /// When the answer was read.
    pub retrieved_at: SystemTime,
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body, byte for byte.
    pub body: Bytes,
    /// The token this page was fetched with (`None` for the first page).
    pub token: Option<String>,
    /// `meta.next_token`: the token of the page after this one.
    pub next_token: Option<String>,
    /// Number of items in `data` (1 for a single object, 0 without data).
    pub items: usize,
    /// `meta.total_tweet_count`, sent by the counts operations.
    pub total_count: Option<u64>,
}

/// The few parts of a page the pull needs, read without building the rest.
#[derive(Deserialize)]
struct Peek {
    #[serde(default)]
    data: Count,
    #[serde(default)]
    meta: Option<PeekMeta>,
}

#[derive(Deserialize)]
struct PeekMeta {
    #[serde(default)]
    next_token: Option<String>,
    #[serde(default)]
    total_tweet_count: Option<serde_json::Value>,
}

/// Number of items of `data`: the length of a list, 1 for anything else.
#[derive(Default)]
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list or an object")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0usize;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n = n.saturating_add(1);
                }
                Ok(Count(n))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Count, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Count(1))
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
        }
        d.deserialize_any(V)
    }
}

impl RawPage {
    /// Builds a page from an answer's parts, reading its token and counts.
    /// A body that is not a JSON object is a decode error.
    pub fn from_body(
        operation: &'static str,
        url: String,
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        token: Option<String>,
    ) -> Result<RawPage, Error> {
        let peek: Peek = match serde_json::from_slice(&body) {
            Ok(peek) => peek,
            // The full decoder says where and why.
            Err(_) => {
                decode_body::<serde_json::Value>(operation, status, &body)?;
                Peek {
                    data: Count(0),
                    meta: None,
                }
            }
        };
        let meta = peek.meta;
        let total_count = meta
            .as_ref()
            .and_then(|m| m.total_tweet_count.as_ref())
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()));
        let next_token = meta.and_then(|m| m.next_token).filter(|t| !t.is_empty());
        Ok(RawPage {
            operation,
            url,
            retrieved_at: SystemTime::now(),
            status,
            headers,
            body,
            token,
            next_token,
            items: peek.data.0,
            total_count,
        })
    }

    /// Decodes the body as `T` (a page model, or `serde_json::Value`).
    pub fn decode<T: Model>(&self) -> Result<Response<T>, Error> {
        let body = decode_body::<T>(self.operation, self.status, &self.body)?;
        Ok(Response::new(body, self.status, self.headers.clone(), None))
    }

    /// The `"__xapi"` object: request URL, retrieval time (RFC 3339, UTC),
    /// crate version and operation id.
    pub fn provenance(&self) -> serde_json::Value {
        serde_json::json!({
            "url": self.url,
            "retrieved_at": rfc3339(self.retrieved_at),
            "version": VERSION,
            "operation": self.operation,
        })
    }

    /// The body as one line (no newline at the end): the bytes received,
    /// line breaks between tokens turned into spaces (a JSON string cannot
    /// hold a raw one), with `"__xapi": `[`provenance`](Self::provenance)
    /// added as the object's last key.
    pub fn line(&self) -> Vec<u8> {
        line_with(&self.body, &self.provenance())
    }
}

/// `body` (a JSON object) on one line, with `"__xapi": provenance` appended.
pub fn line_with(body: &[u8], provenance: &serde_json::Value) -> Vec<u8> {
    let text = body.trim_ascii();
    let inner = text
        .strip_prefix(b"{")
        .and_then(|t| t.strip_suffix(b"}"))
        .unwrap_or(b"");
    let mut out = Vec::with_capacity(body.len().saturating_add(200));
    out.push(b'{');
    out.extend(
        inner
            .iter()
            .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
    );
    if !inner.trim_ascii().is_empty() {
        out.push(b',');
    }
    out.extend_from_slice(b"\"__xapi\":");
    // Serialising a `Value` into a vector cannot fail.
    let _ = serde_json::to_writer(&mut out, provenance);
    out.push(b'}');
    out
}

/// `at` as `2006-03-21T00:00:00Z` (whole seconds, UTC) when it is before
/// the year 10 000, with milliseconds.
pub fn rfc3339(at: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The pages of a paginated operation, as received.
pub struct RawPages {
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    token_param: &'static str,
    /// The token of the next page (`None` before the first).
    token: Option<String>,
    pages: usize,
    done: bool,
    followed: HashSet<String>,
}

impl std::fmt::Debug for RawPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawPages")
            .field("operation", &self.operation.id)
            .field("token", &self.token)
            .field("pages", &self.pages)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

/// The operation named `id` in the table of the compiled API areas.
pub fn operation(id: &str) -> Result<&'static Operation, Error> {
    xapi_generated::ops::find(id).ok_or_else(|| Error::InvalidRequest {
        operation: "",
        parameter: "operation".into(),
        rule: format!("{id} is not an operation of the compiled API areas"),
    })
}

impl RawPages {
    /// The pages of `operation` for `parts` (query and path parameters; the
    /// page token is managed here).
    pub fn new(client: &Client, operation: &'static Operation, parts: RequestParts) -> Self {
        let token_param = operation
            .pagination
            .token_param()
            .unwrap_or("pagination_token");
        RawPages {
            client: client.clone(),
            operation,
            parts,
            token_param,
            token: None,
            pages: 0,
            done: false,
            followed: HashSet::new(),
        }
    }

    /// Starts from a saved page token (the `next_token` of the last page
    /// kept, or an [`Error::Page`]'s `resume_token`).
    pub fn resume_from(mut self, token: impl Into<String>) -> Self {
        let token = token.into();
        self.followed.insert(token.clone());
        self.token = Some(token);
        self
    }

    /// The token of the page the next call fetches (`None` for the first).
    pub fn resume_token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// Pages read so far.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// The operation.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    /// The next page; `None` after the last. An error ends the pull, as
    /// [`Error::Page`] naming the token to resume from.
    pub async fn next(&mut self) -> Option<Result<RawPage, Error>> {
        if self.done {
            return None;
        }
        let mut parts = self.parts.clone();
        if let Some(token) = &self.token {
            parts.set_query(self.token_param, token.clone());
        }
        let result = self.fetch(&parts).await;
        match result {
            Ok(page) => {
                self.pages = self.pages.saturating_add(1);
                self.client.report(ProgressEvent::Page {
                    operation: self.operation.id,
                    items: page.items,
                });
                match &page.next_token {
                    Some(next) if self.followed.contains(next) => {
                        self.done = true;
                        return Some(Err(Error::PageCycle {
                            operation: self.operation.id,
                            token: next.clone(),
                            pages: self.pages,
                        }));
                    }
                    Some(next) => {
                        self.followed.insert(next.clone());
                        self.token = Some(next.clone());
                    }
                    None => self.done = true,
                }
                Some(Ok(page))
            }
            Err(source) => {
                self.done = true;
                Some(Err(Error::Page {
                    operation: self.operation.id,
                    resume_token: self.token.clone(),
                    pages: self.pages,
                    source: Box::new(source),
                }))
            }
        }
    }

    async fn fetch(&self, parts: &RequestParts) -> Result<RawPage, Error> {
        fetch_raw(&self.client, self.operation, parts, self.token.clone()).await
    }
}

/// Sends one request of `operation` and keeps its answer as received.
pub async fn fetch_raw(
    client: &Client,
    operation: &'static Operation,
    parts: &RequestParts,
    token: Option<String>,
) -> Result<RawPage, Error> {
    let url = client
        .build_request(operation, parts)
        .map(|r| redact_user_info(r.url().as_str()).into_owned())?;
    let (status, headers, body) = client.send_operation_bytes(operation, parts).await?;
    RawPage::from_body(operation.id, url, status, headers, body, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_the_body_and_add_provenance_last() {
        let prov = serde_json::json!({"v": 1});
        let body = b"{\"data\":[{\"id\":\"1\",\"zz\":true}],\n \"a\":\"x\\ny\"}\n";
        let line = line_with(body, &prov);
        assert_eq!(
            String::from_utf8_lossy(&line),
            "{\"data\":[{\"id\":\"1\",\"zz\":true}],  \"a\":\"x\\ny\",\"__xapi\":{\"v\":1}}"
        );
        assert_eq!(
            line_with(b" {} ", &prov),
            b"{\"__xapi\":{\"v\":1}}".to_vec()
        );
        let parsed: serde_json::Value = serde_json::from_slice(&line).expect("json");
        let keys: Vec<_> = parsed
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["data", "a", "__xapi"]);
    }

    #[test]
    fn pages_peek_their_token_count_and_total() {
        let page = RawPage::from_body(
            "searchPostsRecent",
            "http://127.0.0.1/x".into(),
            200,
            HeaderMap::new(),
            Bytes::from_static(
                br#"{"data":[{"id":"1"},{"id":"2"}],"meta":{"next_token":"t2","total_tweet_count":"7"}}"#,
            ),
            None,
        )
        .expect("page");
        assert_eq!(page.items, 2);
        assert_eq!(page.next_token.as_deref(), Some("t2"));
        assert_eq!(page.total_count, Some(7));
        let single = RawPage::from_body(
            "getPostsById",
            String::new(),
            200,
            HeaderMap::new(),
            Bytes::from_static(br#"{"data":{"id":"1"},"meta":{"next_token":""}}"#),
            None,
        )
        .expect("page");
        assert_eq!((single.items, single.next_token), (1, None));
        assert!(RawPage::from_body(
            "x",
            String::new(),
            200,
            HeaderMap::new(),
            Bytes::from_static(b"[1,2"),
            None
        )
        .is_err());
    }
}
