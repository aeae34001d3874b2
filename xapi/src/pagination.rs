//! Following `meta.next_token` from page to page, as a stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};
use xapi_generated::runtime::{Envelope, Model, Operation, RequestParts};

use crate::client::Client;
use crate::error::Error;
use crate::response::Response;

/// Limits on a pull.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    /// Stop after this many pages.
    pub max_pages: Option<usize>,
}

/// A stream of pages of a paginated operation. Each page is dropped when the
/// caller drops it: nothing accumulates.
pub struct Pages<T> {
    inner: Option<BoxStream<'static, Result<Response<T>, Error>>>,
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    limits: Limits,
}

struct State {
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    token_param: &'static str,
    pages: usize,
    limits: Limits,
    done: bool,
}

impl<T: Model + Envelope + Send + 'static> Pages<T> {
    fn start(&mut self) -> BoxStream<'static, Result<Response<T>, Error>> {
        let state = State {
            client: self.client.clone(),
            operation: self.operation,
            parts: std::mem::take(&mut self.parts),
            token_param: self.operation.pagination.unwrap_or("pagination_token"),
            pages: 0,
            limits: self.limits,
            done: false,
        };
        futures::stream::unfold(state, |mut st| async move {
            if st.done || st.limits.max_pages.is_some_and(|m| st.pages >= m) {
                return None;
            }
            let result = st
                .client
                .send_operation::<T>(st.operation, st.parts.clone())
                .await;
            st.pages += 1;
            match &result {
                Ok(page) => match page.next_token() {
                    Some(token) if !token.is_empty() => {
                        st.parts.set_query(st.token_param, token.to_owned())
                    }
                    _ => st.done = true,
                },
                Err(_) => st.done = true,
            }
            Some((result, st))
        })
        .boxed()
    }
}

impl<T> Pages<T> {
    pub(crate) fn new(client: Client, operation: &'static Operation, parts: RequestParts) -> Self {
        Pages {
            inner: None,
            client,
            operation,
            parts,
            limits: Limits::default(),
        }
    }

    /// Stops after `n` pages.
    pub fn max_pages(mut self, n: usize) -> Self {
        self.limits.max_pages = Some(n);
        self
    }

    /// Starts from a saved page token (resuming a pull).
    pub fn resume_from(mut self, token: impl Into<String>) -> Self {
        let name = self.operation.pagination.unwrap_or("pagination_token");
        self.parts.set_query(name, token.into());
        self
    }
}

impl<T: Model + Envelope + Send + 'static> Stream for Pages<T> {
    type Item = Result<Response<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.inner.is_none() {
            let stream = self.start();
            self.inner = Some(stream);
        }
        match self.inner.as_mut() {
            Some(s) => s.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}
