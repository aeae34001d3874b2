//! Reading an answer whole, under a size cap, before anything decides what
//! to do with it: a body cut half-way is then a fault of the attempt (and
//! retried like one), not a decoding error after the retry loop is over.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};

/// Largest buffer reserved ahead of a body from what its `Content-Length`
/// announces: a larger body grows the buffer as it really arrives.
const MAX_RESERVE: usize = 1024 * 1024;

/// An answer read whole.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why a body could not be read whole.
#[derive(Debug)]
pub(crate) enum ReadFault {
    /// The connection failed or was cut while reading.
    Http(reqwest::Error),
    /// The body is over the cap (with the length it announced, when it did).
    TooLarge(Option<u64>),
}

impl Answer {
    /// The answer as a `reqwest::Response` again, for code that reads one
    /// (the positional client, media upload). The body is not copied.
    pub(crate) fn into_response(self) -> reqwest::Response {
        let mut answer = http::Response::new(self.body);
        *answer.status_mut() =
            http::StatusCode::from_u16(self.status).unwrap_or(http::StatusCode::BAD_GATEWAY);
        *answer.headers_mut() = self.headers;
        reqwest::Response::from(answer)
    }
}

/// Reads a whole answer, at most `cap` bytes of body. Nothing is reserved
/// from an announced length over [`MAX_RESERVE`]; a body that comes in one
/// chunk is not copied.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Answer, ReadFault> {
    let status = response.status().as_u16();
    let headers = detached(std::mem::take(response.headers_mut()));
    let announced = response.content_length();
    if announced.is_some_and(|n| n > cap as u64) {
        return Err(ReadFault::TooLarge(announced));
    }
    let url = response.url().clone();
    let fault = move |e: reqwest::Error| ReadFault::Http(e.with_url(url.clone()));
    let first = match response.chunk().await.map_err(&fault)? {
        Some(chunk) => chunk,
        None => {
            return Ok(Answer {
                status,
                headers,
                body: Bytes::new(),
            })
        }
    };
    if first.len() > cap {
        return Err(ReadFault::TooLarge(None));
    }
    let Some(second) = response.chunk().await.map_err(&fault)? else {
        return Ok(Answer {
            status,
            headers,
            body: first,
        });
    };
    let reserve = announced
        .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX))
        .min(MAX_RESERVE);
    let mut body = Vec::with_capacity(reserve);
    for chunk in [first, second] {
        push_capped(&mut body, &chunk, cap)?;
    }
    while let Some(chunk) = response.chunk().await.map_err(&fault)? {
        push_capped(&mut body, &chunk, cap)?;
    }
    Ok(Answer {
        status,
        headers,
        body: Bytes::from(body),
    })
}

/// `headers` with each value copied into an allocation of its own. The
/// values hyper parses are slices of its connection's read buffer (which
/// grows to hundreds of kilobytes for a large body), so an answer that kept
/// them would keep that whole buffer alive for as long as the answer lives,
/// and hyper would allocate a new one for the next read.
fn detached(headers: HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    let mut name = None;
    for (next, value) in headers {
        if next.is_some() {
            name = next;
        }
        let Some(name) = &name else { continue };
        // A value that does not copy (none should: it was parsed as one)
        // is kept as it came.
        let value = HeaderValue::from_bytes(value.as_bytes()).unwrap_or(value);
        out.append(name, value);
    }
    out
}

fn push_capped(body: &mut Vec<u8>, chunk: &[u8], cap: usize) -> Result<(), ReadFault> {
    if body.len().saturating_add(chunk.len()) > cap {
        return Err(ReadFault::TooLarge(None));
    }
    body.extend_from_slice(chunk);
    Ok(())
}

/// An answer made here, for errors that have no answer of the API's: the
/// error's text in a problem body and in the `x-xapi-error` header.
pub(crate) fn local_answer(status: u16, detail: &str) -> reqwest::Response {
    let body = serde_json::json!({
        "title": "Request not sent",
        "detail": detail,
        "type": "about:blank",
    });
    let header: String = detail
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if let Ok(value) = HeaderValue::from_str(&header) {
        headers.insert("x-xapi-error", value);
    }
    Answer {
        status,
        headers,
        body: Bytes::from(body.to_string()),
    }
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `value`'s bytes lie inside `buffer`.
    fn inside(buffer: &Bytes, value: &HeaderValue) -> bool {
        let range = buffer.as_ptr_range();
        range.contains(&value.as_bytes().as_ptr())
    }

    #[test]
    fn detached_headers_keep_every_value_but_not_the_read_buffer() {
        // Values parsed the way hyper does: slices of one large read buffer.
        let mut text = b"application/json|15|t=1|t=2|abc".to_vec();
        text.resize(64 * 1024, b' ');
        let buffer = Bytes::from(text);
        let slice = |from: usize, to: usize| {
            HeaderValue::from_maybe_shared(buffer.slice(from..to)).expect("a header value")
        };
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, slice(0, 16));
        headers.insert("x-rate-limit-remaining", slice(17, 19));
        headers.append("set-cookie", slice(20, 23));
        headers.append("set-cookie", slice(24, 27));
        headers.insert("x-transaction-id", slice(28, 31));
        assert!(
            headers.values().all(|v| inside(&buffer, v)),
            "the test's premise"
        );

        let expected: Vec<(String, Vec<u8>)> = headers
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect();
        let out = detached(headers);
        let got: Vec<(String, Vec<u8>)> = out
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(out.get_all("set-cookie").iter().count(), 2);
        for value in out.values() {
            assert!(
                !inside(&buffer, value),
                "{value:?} still points into the buffer"
            );
        }
    }
}
