//! Streaming operations: line framing, typed events, stall detection and
//! disciplined reconnects.
//!
//! One streaming core serves every operation the document marks as
//! streaming. Messages are framed from the chunked body (each ends with
//! `\r\n`; an empty line is a keep-alive; a message may be split across
//! chunks or several may share one), decoded one at a time, and handed out
//! as [`StreamEvent::Message`], joinable like a page. The stream reads only
//! when polled: a slow consumer slows the reading (back-pressure), and at
//! most one message is buffered.
//!
//! Reconnects follow the schedule X asks of clients:
//!
//! * network errors, stalls, closed connections and in-stream
//!   `operational-disconnect` messages: linear back-off, 250 ms more each time,
//!   up to 16 s;
//! * HTTP errors: exponential from 5 s, up to 320 s;
//! * 429: exponential from 1 minute;
//! * 401 and 403 (and 400, a bad request or rule set) end the stream with
//!   the error; a 401 with renewable credentials (an app-only bearer from
//!   key and secret, an OAuth 2.0 user token) first renews them and
//!   reconnects once.
//!
//! A connection is dropped before the next one is opened, so there is never
//! more than one live connection per stream. With `backfill_minutes`, a
//! reconnect asks for the missed minutes and replayed messages are dropped by
//! id within a bounded window.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use serde::Deserialize;
use xapi_generated::runtime::{Model, Operation, RequestParts};

pub use super::framing::{Frame, LineFramer};
use crate::answer::error::Error;
use crate::answer::response::Response;
use crate::client::{decode_body, read_api_error, Client};

/// What a stream yields.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamEvent<T> {
    /// A connection is open (after `attempt` tries since the last success).
    Connected {
        /// 1 for the first connection, more after failures.
        attempt: u32,
    },
    /// A keep-alive heartbeat arrived.
    KeepAlive,
    /// A decoded message, joinable like a page.
    Message(Box<Response<T>>),
    /// The connection ended.
    Disconnected {
        /// Why.
        reason: String,
    },
    /// A new connection will be tried after `delay`.
    Reconnecting {
        /// Number of the coming attempt.
        attempt: u32,
        /// The wait before it.
        delay: Duration,
    },
}

/// Reconnect schedule and limits of a stream; every number can be changed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StreamConfig {
    /// A connection with no byte (data or keep-alive) for this long is
    /// dropped and reopened. X sends a keep-alive every 20 s.
    pub stall_timeout: Duration,
    /// Step of the linear back-off after network errors.
    pub network_step: Duration,
    /// Cap of the linear back-off.
    pub network_max: Duration,
    /// First delay after an HTTP error.
    pub http_initial: Duration,
    /// Cap after HTTP errors.
    pub http_max: Duration,
    /// First delay after a 429.
    pub rate_limit_initial: Duration,
    /// Cap after 429s.
    pub rate_limit_max: Duration,
    /// Extra random delay, as a fraction of each delay (0.1 = up to 10 %).
    pub jitter: f64,
    /// Give up after this many reconnects in a row without a message.
    pub max_reconnects: Option<u32>,
    /// Minutes of backfill to ask for when reconnecting (operations that take
    /// `backfill_minutes`, with access that allows it).
    pub backfill_minutes: Option<u32>,
    /// How many recent message ids are remembered to drop replays.
    pub dedupe_window: usize,
    /// Longest message accepted, in bytes.
    pub max_message_bytes: usize,
}

setters!(StreamConfig {
    stall_timeout: Duration,
    network_step: Duration,
    network_max: Duration,
    http_initial: Duration,
    http_max: Duration,
    rate_limit_initial: Duration,
    rate_limit_max: Duration,
    jitter: f64,
    max_reconnects: Option<u32>,
    backfill_minutes: Option<u32>,
    dedupe_window: usize,
    max_message_bytes: usize,
});

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            stall_timeout: Duration::from_secs(30),
            network_step: Duration::from_millis(250),
            network_max: Duration::from_secs(16),
            http_initial: Duration::from_secs(5),
            http_max: Duration::from_secs(320),
            rate_limit_initial: Duration::from_secs(60),
            rate_limit_max: Duration::from_secs(960),
            jitter: 0.1,
            max_reconnects: None,
            backfill_minutes: None,
            dedupe_window: 10_000,
            max_message_bytes: 16 * 1024 * 1024,
        }
    }
}

/// The kind of failure, which picks the back-off curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// Network error, stall, closed connection, operational disconnect.
    Network,
    /// An HTTP error status.
    Http,
    /// A 429.
    RateLimited,
}

impl StreamConfig {
    /// The delay before reconnect number `n` (1-based) of a run of failures
    /// of `kind`, before jitter.
    pub fn base_delay(&self, kind: FailureKind, n: u32) -> Duration {
        let n = n.max(1);
        match kind {
            FailureKind::Network => self.network_step.saturating_mul(n).min(self.network_max),
            FailureKind::Http => self
                .http_initial
                .saturating_mul(1u32 << n.saturating_sub(1).min(16))
                .min(self.http_max),
            FailureKind::RateLimited => self
                .rate_limit_initial
                .saturating_mul(1u32 << n.saturating_sub(1).min(16))
                .min(self.rate_limit_max),
        }
    }

    fn delay(&self, kind: FailureKind, n: u32) -> Duration {
        self.delay_with(kind, n, rand::random::<f64>())
    }

    /// The delay before reconnect `n` of `kind` with the random draw `draw`
    /// in `[0, 1)`: [`StreamConfig::base_delay`] plus up to `jitter` of it.
    pub fn delay_with(&self, kind: FailureKind, n: u32, draw: f64) -> Duration {
        jittered(self.base_delay(kind, n), self.jitter, draw)
    }
}

/// `base` plus up to `jitter` of it, scaled by `draw` in `[0, 1)`: never a
/// panic, whatever the numbers (a negative, NaN or huge jitter adds nothing
/// or saturates).
fn jittered(base: Duration, jitter: f64, draw: f64) -> Duration {
    let factor = jitter * draw.clamp(0.0, 1.0);
    let extra = if factor.is_finite() && factor > 0.0 {
        Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(Duration::MAX)
    } else {
        Duration::ZERO
    };
    base.saturating_add(extra)
}

/// A stream of events from a streaming operation.
pub struct EventStream<T> {
    inner: Option<BoxStream<'static, Result<StreamEvent<T>, Error>>>,
    seed: Option<Seed>,
}

struct Seed {
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    config: StreamConfig,
}

/// Longest message accepted by default (bytes).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Deserialize)]
struct IdProbe {
    data: Option<IdOnly>,
}

#[derive(Deserialize)]
struct IdOnly {
    id: Option<xapi_generated::runtime::L<String>>,
}

fn message_id(line: &[u8]) -> Option<String> {
    let probe: IdProbe = serde_json::from_slice(line).ok()?;
    probe.data?.id.map(|l| l.0)
}

/// Whether a line is an in-stream disconnect notice; returns its detail.
fn disconnect_notice(line: &[u8]) -> Option<String> {
    // Cheap test first, on the bytes: most lines are data.
    memchr::memmem::find(line, b"operational-disconnect")?;
    let text = std::str::from_utf8(line).ok()?;
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let errors = value.get("errors")?.as_array()?;
    errors.iter().find_map(|e| {
        let t = e.get("type")?.as_str()?;
        t.ends_with("/operational-disconnect").then(|| {
            let kind = e
                .get("disconnect_type")
                .and_then(|d| d.as_str())
                .unwrap_or("OperationalDisconnect");
            let detail = e.get("detail").and_then(|d| d.as_str()).unwrap_or("");
            format!("operational disconnect ({kind}) {detail}")
                .trim()
                .to_owned()
        })
    })
}

enum Phase {
    Connect,
    Reading,
    /// Reconnect after a failure of `kind`, waiting at least `at_least`
    /// (a 429's announced reset).
    Wait {
        kind: FailureKind,
        at_least: Duration,
    },
    Done,
}

struct State<T> {
    client: Client,
    operation: &'static Operation,
    parts: RequestParts,
    config: StreamConfig,
    body: Option<BoxStream<'static, reqwest::Result<Bytes>>>,
    framer: LineFramer,
    phase: Phase,
    /// Failed connections since the last message, whatever their kinds: a
    /// change of kind does not start the count again.
    failures: u32,
    connected_once: bool,
    /// Whether the credentials were renewed after a 401 since the last
    /// successful connection.
    reauthorized: bool,
    seen: VecDeque<String>,
    seen_set: HashSet<String>,
    _t: std::marker::PhantomData<fn() -> T>,
}

/// Longest backfill X serves, in minutes.
const MAX_BACKFILL_MINUTES: u32 = 5;

impl<T: Model + Send + 'static> State<T> {
    fn remember(&mut self, id: String) -> bool {
        if self.seen_set.contains(&id) {
            return false;
        }
        if self.seen.len() >= self.config.dedupe_window.max(1) {
            if let Some(old) = self.seen.pop_front() {
                self.seen_set.remove(&old);
            }
        }
        self.seen_set.insert(id.clone());
        self.seen.push_back(id);
        true
    }

    /// Drops the connection and schedules a reconnect.
    fn fail(&mut self, kind: FailureKind, reason: String) -> StreamEvent<T> {
        self.fail_after(kind, reason, Duration::ZERO)
    }

    /// [`State::fail`], waiting at least `at_least` before reconnecting.
    fn fail_after(
        &mut self,
        kind: FailureKind,
        reason: String,
        at_least: Duration,
    ) -> StreamEvent<T> {
        self.body = None; // close the connection before any new one
        self.framer.clear();
        self.phase = Phase::Wait { kind, at_least };
        StreamEvent::Disconnected { reason }
    }

    /// Ends the stream with `error`.
    fn end(&mut self, error: Error) -> Result<StreamEvent<T>, Error> {
        self.body = None;
        self.phase = Phase::Done;
        Err(error)
    }

    async fn step(&mut self) -> Option<Result<StreamEvent<T>, Error>> {
        loop {
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return None,
                Phase::Wait { kind, at_least } => return Some(self.wait(kind, at_least).await),
                Phase::Connect => return Some(self.connect().await),
                Phase::Reading => {
                    self.phase = Phase::Reading;
                    if let Some(item) = self.read().await {
                        return Some(item);
                    }
                }
            }
        }
    }

    /// The pause before a reconnect, or the end when the reconnects allowed
    /// are used up.
    async fn wait(
        &mut self,
        kind: FailureKind,
        at_least: Duration,
    ) -> Result<StreamEvent<T>, Error> {
        self.failures = self.failures.saturating_add(1);
        if self
            .config
            .max_reconnects
            .is_some_and(|m| self.failures > m)
        {
            let reason = format!(
                "gave up after {} reconnect attempts",
                self.failures.saturating_sub(1)
            );
            return self.end(Error::Stream {
                operation: self.operation.id,
                reason,
            });
        }
        let delay = self.config.delay(kind, self.failures).max(at_least);
        let attempt = self.failures.saturating_add(1);
        tracing::info!(
            operation = self.operation.id,
            attempt,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "stream: reconnecting"
        );
        self.phase = Phase::Connect;
        tokio::time::sleep(delay).await;
        Ok(StreamEvent::Reconnecting { attempt, delay })
    }

    /// The parts of the next connection: with the backfill on reconnects.
    fn connection_parts(&self, reconnect: bool) -> RequestParts {
        let mut parts = self.parts.clone();
        if let (Some(minutes), Some(_)) = (
            self.config.backfill_minutes,
            self.operation.param("backfill_minutes"),
        ) {
            if reconnect {
                parts.set_query("backfill_minutes", minutes.to_string());
            }
        }
        parts
    }

    /// A backfill X does not serve is refused before the first connection.
    fn check_backfill(&self) -> Result<(), Error> {
        match self.config.backfill_minutes {
            Some(minutes) if !(1..=MAX_BACKFILL_MINUTES).contains(&minutes) => {
                Err(Error::InvalidRequest {
                    operation: self.operation.id,
                    parameter: "backfill_minutes".into(),
                    rule: format!("must be 1 to {MAX_BACKFILL_MINUTES} minutes, not {minutes}"),
                })
            }
            _ => Ok(()),
        }
    }

    async fn connect(&mut self) -> Result<StreamEvent<T>, Error> {
        if let Err(e) = self.check_backfill() {
            return self.end(e);
        }
        let parts = self.connection_parts(self.connected_once);
        let mut request = match self.client.build_request(self.operation, &parts) {
            Ok(r) => r,
            Err(e) => return self.end(e),
        };
        // Lines uncompressed: a compressor on the server's side could hold
        // the keep-alive lines back, and a quiet stream would look stalled.
        request.headers_mut().insert(
            reqwest::header::ACCEPT_ENCODING,
            reqwest::header::HeaderValue::from_static("identity"),
        );
        let attempt = self.failures.saturating_add(1);
        let (response, used) = match self
            .client
            .execute_once(self.operation, request, attempt)
            .await
        {
            Ok(answer) => answer,
            Err(Error::Transport { source, .. }) => {
                return Ok(self.fail(FailureKind::Network, format!("connection failed: {source}")))
            }
            Err(e @ Error::Timeout { .. }) => {
                return Ok(self.fail(FailureKind::Network, e.to_string()))
            }
            Err(other) => return self.end(other),
        };
        let status = response.status().as_u16();
        if status == 401 && !self.reauthorized {
            // New credentials get one connection of their own.
            match self.client.reauthorize(self.operation, used).await {
                Ok(true) => {
                    self.reauthorized = true;
                    self.phase = Phase::Connect;
                    return Ok(StreamEvent::Disconnected {
                        reason: "HTTP 401: credentials renewed, reconnecting".into(),
                    });
                }
                Ok(false) => {}
                Err(e) => return self.end(e),
            }
        }
        if (200..300).contains(&status) {
            tracing::info!(operation = self.operation.id, attempt, "stream: connected");
            self.reauthorized = false;
            self.body = Some(response.bytes_stream().boxed());
            self.phase = Phase::Reading;
            self.connected_once = true;
            return Ok(StreamEvent::Connected { attempt });
        }
        let retry_after = crate::client::retry::retry_after(response.headers());
        let err = read_api_error(self.operation.id, response).await;
        match status {
            400 | 401 | 403 | 404 => {
                tracing::warn!(
                    operation = self.operation.id,
                    status,
                    "stream: fatal answer"
                );
                self.end(Error::Api(Box::new(err)))
            }
            429 => {
                let reset = retry_after
                    .or_else(|| err.rate_limit.reset_in(std::time::SystemTime::now()))
                    .unwrap_or_default();
                let reason = format!("HTTP 429: {}", err.summary());
                Ok(self.fail_after(FailureKind::RateLimited, reason, reset))
            }
            _ => {
                let reason = format!("HTTP {status}: {}", err.summary());
                Ok(self.fail(FailureKind::Http, reason))
            }
        }
    }

    /// The next event of the open connection, or `None` when more bytes
    /// were read and framing should be tried again.
    async fn read(&mut self) -> Option<Result<StreamEvent<T>, Error>> {
        match self.framer.next_frame() {
            Ok(Some(Frame::KeepAlive)) => return Some(Ok(StreamEvent::KeepAlive)),
            Ok(Some(Frame::Message(line))) => return self.message(line),
            Ok(None) => {}
            Err(_held) => {
                // Reported as an error item; the next poll reconnects.
                let _ = self.fail(FailureKind::Network, "a message over the cap".into());
                return Some(Err(Error::TooLarge {
                    operation: self.operation.id,
                    limit: self.config.max_message_bytes,
                    announced: None,
                }));
            }
        }
        let Some(body) = self.body.as_mut() else {
            return Some(Ok(self.fail(FailureKind::Network, "no connection".into())));
        };
        let event = match tokio::time::timeout(self.config.stall_timeout, body.next()).await {
            Err(_) => {
                tracing::warn!(operation = self.operation.id, "stream: stalled");
                let reason = format!("stalled: nothing for {:?}", self.config.stall_timeout);
                self.fail(FailureKind::Network, reason)
            }
            Ok(Some(Ok(chunk))) => {
                self.framer.push_bytes(chunk);
                return None;
            }
            Ok(Some(Err(e))) => self.fail(FailureKind::Network, format!("connection lost: {e}")),
            Ok(None) => self.fail(
                FailureKind::Network,
                "the server closed the connection".into(),
            ),
        };
        Some(Ok(event))
    }

    /// A framed message: a disconnect notice, a replay to drop (`None`), or
    /// a message, decoded or not (a line that does not decode is an error
    /// item carrying the line; the stream goes on).
    fn message(&mut self, line: Bytes) -> Option<Result<StreamEvent<T>, Error>> {
        if let Some(reason) = disconnect_notice(&line) {
            return Some(Ok(self.fail(FailureKind::Network, reason)));
        }
        if self.config.backfill_minutes.is_some() {
            if let Some(id) = message_id(&line) {
                if !self.remember(id) {
                    return None; // a replay of a message already delivered
                }
            }
        }
        // A message resets the failure run.
        self.failures = 0;
        let expansions = self.parts.query_value("expansions").map(str::to_owned);
        let event = match decode_body::<T>(self.operation.id, 200, &line) {
            Ok(body) => Ok(StreamEvent::Message(Box::new(Response::with_rate_limit(
                body,
                200,
                Default::default(),
                Default::default(),
                expansions,
            )))),
            Err(Error::Decode(mut e)) => {
                e.line = Some(line);
                Err(Error::Decode(e))
            }
            Err(other) => Err(other),
        };
        Some(event)
    }
}

impl<T: Model + Send + 'static> EventStream<T> {
    pub(crate) fn new(client: Client, operation: &'static Operation, parts: RequestParts) -> Self {
        EventStream {
            inner: None,
            seed: Some(Seed {
                client,
                operation,
                parts,
                config: StreamConfig::default(),
            }),
        }
    }

    /// Replaces the reconnect schedule and limits (before the first poll).
    pub fn config(mut self, config: StreamConfig) -> Self {
        if let Some(seed) = &mut self.seed {
            seed.config = config;
        }
        self
    }

    /// Asks for `minutes` of backfill on reconnects, dropping replays by id.
    pub fn backfill_minutes(mut self, minutes: u32) -> Self {
        if let Some(seed) = &mut self.seed {
            seed.config.backfill_minutes = Some(minutes);
        }
        self
    }

    /// Only the decoded messages (control events dropped, errors kept).
    pub fn messages(self) -> BoxStream<'static, Result<Response<T>, Error>> {
        self.filter_map(|event| async move {
            match event {
                Ok(StreamEvent::Message(m)) => Some(Ok(*m)),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            }
        })
        .boxed()
    }

    fn start(seed: Seed) -> BoxStream<'static, Result<StreamEvent<T>, Error>> {
        let state = State::<T> {
            framer: LineFramer::new(seed.config.max_message_bytes),
            client: seed.client,
            operation: seed.operation,
            parts: seed.parts,
            config: seed.config,
            body: None,
            phase: Phase::Connect,
            failures: 0,
            connected_once: false,
            reauthorized: false,
            seen: VecDeque::new(),
            seen_set: HashSet::new(),
            _t: std::marker::PhantomData,
        };
        // Errors that end the stream set `Phase::Done` themselves; others (a
        // message that did not decode, one over the cap) are items between
        // messages.
        futures::stream::unfold(state, |mut st| async move {
            let item = st.step().await?;
            Some((item, st))
        })
        .boxed()
    }
}

impl<T: Model + Send + 'static> Stream for EventStream<T> {
    type Item = Result<StreamEvent<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.inner.is_none() {
            match self.seed.take() {
                Some(seed) => self.inner = Some(Self::start(seed)),
                None => return Poll::Ready(None),
            }
        }
        match self.inner.as_mut() {
            Some(s) => s.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn reconnect_schedules_follow_x() {
        let c = StreamConfig::default();
        let secs = |kind, n| c.base_delay(kind, n).as_millis() as u64;
        assert_eq!(
            [1, 2, 3, 64, 100].map(|n| secs(FailureKind::Network, n)),
            [250, 500, 750, 16_000, 16_000]
        );
        assert_eq!(
            [1, 2, 3, 7, 8].map(|n| secs(FailureKind::Http, n)),
            [5_000, 10_000, 20_000, 320_000, 320_000]
        );
        assert_eq!(
            [1, 2, 3].map(|n| secs(FailureKind::RateLimited, n)),
            [60_000, 120_000, 240_000]
        );
    }

    #[test]
    fn disconnect_notices_and_ids() {
        let notice = br#"{"errors":[{"title":"operational-disconnect","disconnect_type":"UpstreamOperationalDisconnect","detail":"maintenance","type":"https://api.twitter.com/2/problems/operational-disconnect"}]}"#;
        let reason = disconnect_notice(notice).expect("a notice");
        assert!(reason.contains("UpstreamOperationalDisconnect"), "{reason}");
        assert!(
            disconnect_notice(br#"{"data":{"id":"1","text":"operational-disconnect talk"}}"#)
                .is_none()
        );
        assert!(disconnect_notice(b"{\"errors\":\"\xff operational-disconnect\"}").is_none());
        assert_eq!(
            message_id(br#"{"data":{"id":12,"text":"x"}}"#).as_deref(),
            Some("12")
        );
        assert_eq!(message_id(br#"{"matching_rules":[]}"#), None);
    }
}
