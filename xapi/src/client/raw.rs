//! The generated positional client's hooks into the facade's send path:
//! a positional call is validated against the operation table, waits for the
//! rate-limit budget, and is sent, retried and authorised by
//! [`Client::execute_raw`] like any fluent request.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use xapi_generated::runtime::{Operation, ParamLocation, RequestParts};

use super::{Client, Inner};

/// Routes the generated client's requests through the facade's send path.
pub(super) struct RawTransport {
    pub(super) inner: std::sync::Weak<Inner>,
}

impl RawTransport {
    fn client(&self) -> Option<Client> {
        self.inner.upgrade().map(|inner| Client { inner })
    }
}

/// The operation a generated call names (every generated call names one of
/// the table's operations).
fn operation(operation_id: &str) -> Result<&'static Operation, String> {
    xapi_generated::ops::find(operation_id)
        .ok_or_else(|| format!("{operation_id} is not an operation of the table"))
}

impl xapi_generated::runtime::Transport for RawTransport {
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation_id: &'static str,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let client = self.client().ok_or("the client was dropped")?;
            let operation = operation(operation_id)?;
            let parts = parts_of(operation, request);
            crate::client::validate::check(operation, &parts).map_err(|v| {
                crate::Error::InvalidRequest {
                    operation: operation.id,
                    parameter: v.parameter,
                    rule: v.rule,
                }
                .to_string()
            })?;
            // Errors that need no answer are reported here, with their text:
            // a spent budget the policy does not wait for, missing credentials.
            client
                .wait_for_budget(operation, 1)
                .await
                .map_err(|e| e.to_string())?;
            client
                .authorize(request)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
    }

    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        operation_id: &'static str,
        _client: &'a reqwest::Client,
    ) -> futures::future::BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(async move {
            let (Some(client), Ok(operation)) = (self.client(), operation(operation_id)) else {
                // `prepare` refused these already; nothing is sent.
                return Ok(super::body::local_answer(
                    500,
                    "the client was dropped or the operation is unknown",
                ));
            };
            client.execute_raw(operation, request).await
        })
    }
}

/// The request's values as [`RequestParts`], for the table's checks: path
/// values read back from the URL against the operation's template, the query
/// pairs, and the body.
fn parts_of(operation: &'static Operation, request: &reqwest::Request) -> RequestParts {
    let mut parts = RequestParts::new(operation);
    let template: Vec<&str> = operation.path.trim_matches('/').split('/').collect();
    let segments: Vec<&str> = request
        .url()
        .path()
        .trim_end_matches('/')
        .rsplit('/')
        .take(template.len())
        .collect();
    for (pattern, segment) in template.iter().rev().zip(segments) {
        let Some(name) = pattern.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
            continue;
        };
        let Some(param) = operation
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Path && p.name == name)
        else {
            continue;
        };
        let value = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        parts.set_path(param.name, value.into_owned());
    }
    for (name, value) in request.url().query_pairs() {
        let known = operation
            .params
            .iter()
            .find(|p| p.location == ParamLocation::Query && p.name == name);
        match known {
            Some(param) => parts.set_query(param.name, value.into_owned()),
            None => parts.set_query_owned(name.into_owned(), value.into_owned()),
        }
    }
    parts.body = request
        .body()
        .and_then(|b| b.as_bytes())
        .map(<[u8]>::to_vec);
    parts
}
