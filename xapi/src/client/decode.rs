//! Turning an answer into a decoded model or an API error: the body read
//! under its cap, the decode with the JSON path of a failure, and the
//! problem document of an error status.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use bytes::Bytes;
use xapi_generated::runtime::{Model, Operation};

use crate::answer::error::{offset_of, snippet, ApiError, DecodeError, Error};
use crate::answer::response::Response;
use crate::client::body::{read_capped, Answer, ReadFault};
use crate::client::budget::RateLimit;

/// Turns an answer into a decoded response or an API error.
#[cfg_attr(not(feature = "media"), allow(dead_code))] // used by media upload
pub(crate) async fn decode_response<T: Model>(
    operation: &'static Operation,
    response: reqwest::Response,
    requested_expansions: Option<String>,
) -> Result<Response<T>, Error> {
    let limit = RateLimit::from_headers(response.headers());
    decode_answer(operation, response, limit, requested_expansions).await
}

/// [`decode_response`] with the answer's rate-limit headers already read.
pub(crate) async fn decode_answer<T: Model>(
    operation: &'static Operation,
    response: reqwest::Response,
    limit: RateLimit,
    requested_expansions: Option<String>,
) -> Result<Response<T>, Error> {
    // Answers handed out by the send loop are read whole already: this
    // takes their one chunk without copying it.
    let answer = read_capped(response, usize::MAX)
        .await
        .map_err(|fault| match fault {
            ReadFault::Http(source) => Error::Transport {
                operation: operation.id,
                source,
            },
            ReadFault::TooLarge(announced) => Error::TooLarge {
                operation: operation.id,
                limit: usize::MAX,
                announced,
            },
        })?;
    decode_whole(operation, answer, limit, requested_expansions)
}

/// Turns an answer read whole into a decoded response or an API error.
pub(super) fn decode_whole<T: Model>(
    operation: &'static Operation,
    answer: Answer,
    limit: RateLimit,
    requested_expansions: Option<String>,
) -> Result<Response<T>, Error> {
    let (answer, limit) = successful(operation, answer, limit)?;
    let value = decode_body::<T>(operation.id, answer.status, &answer.body)?;
    Ok(Response::with_rate_limit(
        value,
        answer.status,
        answer.headers,
        limit,
        requested_expansions,
    ))
}

/// The answer when its status is a success, else the API error it carries.
pub(super) fn successful(
    operation: &'static Operation,
    answer: Answer,
    limit: RateLimit,
) -> Result<(Answer, RateLimit), Error> {
    if (200..300).contains(&answer.status) {
        return Ok((answer, limit));
    }
    let Answer {
        status,
        headers,
        body,
    } = answer;
    Err(Error::Api(Box::new(api_error(
        operation.id,
        status,
        headers,
        limit,
        body,
    ))))
}

/// Decodes a success body, reporting the JSON path and a snippet on failure.
pub(crate) fn decode_body<T: Model>(
    operation: &'static str,
    status: u16,
    body: &[u8],
) -> Result<T, Error> {
    // An empty success body (204-style) decodes as an empty object.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    xapi_generated::runtime::decode::<T>(body).map_err(|failure| {
        let offset = offset_of(body, failure.line, failure.column);
        Error::Decode(Box::new(DecodeError {
            operation,
            path: failure.path,
            reason: failure.reason,
            snippet: snippet(body, offset, 80),
            status,
            line: None,
        }))
    })
}

/// Reads an error answer's body (as much as arrives) into an [`ApiError`].
pub(crate) async fn read_api_error(
    operation: &'static str,
    response: reqwest::Response,
) -> ApiError {
    let limit = RateLimit::from_headers(response.headers());
    read_api_error_limited(operation, response, limit).await
}

/// Largest error body kept (the rest is dropped): problem documents are small.
const MAX_ERROR_BODY: usize = 1024 * 1024;

/// [`read_api_error`] with the answer's rate-limit headers already read.
async fn read_api_error_limited(
    operation: &'static str,
    mut response: reqwest::Response,
    limit: RateLimit,
) -> ApiError {
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let body = read_capped(response, MAX_ERROR_BODY)
        .await
        .map(|a| a.body)
        .unwrap_or_default();
    api_error(operation, status, headers, limit, body)
}

/// Builds an [`ApiError`] from an error answer and its rate-limit headers.
pub(crate) fn api_error(
    operation: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    rate_limit: RateLimit,
    body: Bytes,
) -> ApiError {
    let problem = serde_json::from_slice(&body).ok();
    let request_id = ["x-request-id", "x-transaction-id", "x-connection-hash"]
        .iter()
        .find_map(|h| {
            headers
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
    ApiError {
        operation,
        status,
        problem,
        rate_limit,
        request_id,
        body,
        headers,
    }
}
