//! Streaming operations: line framing and typed events.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::stream::{BoxStream, Stream, StreamExt};
use xapi_generated::runtime::{Model, Operation, RequestParts};

use crate::client::{api_error, decode_body, Client};
use crate::error::Error;

/// Splits a chunked body into messages.
///
/// Messages end with `\r\n` (a bare `\n` is accepted too); an empty line is a
/// keep-alive. A message may arrive split across chunks, and a chunk may hold
/// several messages. A message longer than `max_line` is an error rather than
/// a reason to buffer without bound.
#[derive(Debug)]
pub struct LineFramer {
    buf: BytesMut,
    max_line: usize,
}

/// One framed unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message (without its line ending).
    Message(Bytes),
    /// An empty line.
    KeepAlive,
}

impl LineFramer {
    /// A framer that refuses messages longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        LineFramer {
            buf: BytesMut::new(),
            max_line,
        }
    }

    /// Adds a chunk.
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete frame, if any. `Err` when a line exceeds the limit.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, usize> {
        match self.buf.iter().position(|b| *b == b'\n') {
            Some(pos) => {
                let mut line = self.buf.split_to(pos + 1);
                line.truncate(pos);
                if line.last() == Some(&b'\r') {
                    line.truncate(pos - 1);
                }
                if line.iter().all(u8::is_ascii_whitespace) {
                    Ok(Some(Frame::KeepAlive))
                } else {
                    Ok(Some(Frame::Message(line.freeze())))
                }
            }
            None if self.buf.len() > self.max_line => Err(self.buf.len()),
            None => Ok(None),
        }
    }

    /// Bytes of an unfinished message held so far.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

/// What a stream yields.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamEvent<T> {
    /// The connection is open.
    Connected,
    /// A keep-alive heartbeat arrived.
    KeepAlive,
    /// A decoded message.
    Message(Box<crate::response::Response<T>>),
    /// The server closed the connection (with the reason, when known).
    Disconnected(String),
}

/// A stream of events from a streaming operation.
pub struct EventStream<T> {
    inner: BoxStream<'static, Result<StreamEvent<T>, Error>>,
}

/// Longest message accepted (bytes).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

struct State {
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    body: Option<BoxStream<'static, reqwest::Result<Bytes>>>,
    framer: LineFramer,
    started: bool,
    done: bool,
}

impl<T: Model + Send + 'static> EventStream<T> {
    pub(crate) fn new(client: Client, operation: &'static Operation, parts: RequestParts) -> Self {
        let state = State {
            client,
            operation,
            parts,
            body: None,
            framer: LineFramer::new(MAX_MESSAGE_BYTES),
            started: false,
            done: false,
        };
        let inner = futures::stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            if !st.started {
                st.started = true;
                let opened = async {
                    let request = st.client.build_request(st.operation, &st.parts)?;
                    let response = st.client.execute(st.operation, request).await?;
                    let status = response.status().as_u16();
                    if !(200..300).contains(&status) {
                        let headers = response.headers().clone();
                        let body = response.bytes().await.unwrap_or_default();
                        return Err(Error::Api(Box::new(api_error(
                            st.operation.id,
                            status,
                            headers,
                            body,
                        ))));
                    }
                    Ok(response.bytes_stream().boxed())
                }
                .await;
                return match opened {
                    Ok(body) => {
                        st.body = Some(body);
                        Some((Ok(StreamEvent::Connected), st))
                    }
                    Err(e) => {
                        st.done = true;
                        Some((Err(e), st))
                    }
                };
            }
            loop {
                match st.framer.next_frame() {
                    Ok(Some(Frame::KeepAlive)) => return Some((Ok(StreamEvent::KeepAlive), st)),
                    Ok(Some(Frame::Message(line))) => {
                        let event = decode_body::<T>(st.operation.id, 200, &line).map(|body| {
                            let expansions = st.parts.query_value("expansions").map(str::to_owned);
                            StreamEvent::Message(Box::new(crate::response::Response::new(
                                body,
                                200,
                                Default::default(),
                                expansions,
                            )))
                        });
                        return Some((event, st));
                    }
                    Ok(None) => {}
                    Err(len) => {
                        st.done = true;
                        return Some((
                            Err(Error::Stream {
                                operation: st.operation.id,
                                reason: format!(
                                    "a message exceeded {MAX_MESSAGE_BYTES} bytes ({len} buffered)"
                                ),
                            }),
                            st,
                        ));
                    }
                }
                let next = match st.body.as_mut() {
                    Some(body) => body.next().await,
                    None => None,
                };
                match next {
                    Some(Ok(chunk)) => st.framer.push(&chunk),
                    Some(Err(source)) => {
                        st.done = true;
                        return Some((
                            Err(Error::Transport {
                                operation: st.operation.id,
                                source,
                            }),
                            st,
                        ));
                    }
                    None => {
                        st.done = true;
                        return Some((
                            Ok(StreamEvent::Disconnected(
                                "the server closed the connection".into(),
                            )),
                            st,
                        ));
                    }
                }
            }
        })
        .boxed();
        EventStream { inner }
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<StreamEvent<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(f: &mut LineFramer) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Ok(Some(frame)) = f.next_frame() {
            out.push(frame);
        }
        out
    }

    #[test]
    fn frames_split_and_batched_messages_and_keepalives() {
        let mut f = LineFramer::new(1024);
        f.push(b"{\"a\":");
        assert!(drain(&mut f).is_empty());
        f.push(b"1}\r\n\r\n{\"b\":2}\r\n{\"c\"");
        assert_eq!(
            drain(&mut f),
            vec![
                Frame::Message(Bytes::from_static(b"{\"a\":1}")),
                Frame::KeepAlive,
                Frame::Message(Bytes::from_static(b"{\"b\":2}"))
            ]
        );
        assert_eq!(f.pending(), 4);
        f.push(b":3}\n");
        assert_eq!(
            drain(&mut f),
            vec![Frame::Message(Bytes::from_static(b"{\"c\":3}"))]
        );
    }

    #[test]
    fn oversized_lines_are_refused() {
        let mut f = LineFramer::new(8);
        f.push(b"0123456789");
        assert_eq!(f.next_frame(), Err(10));
    }
}
