//! The streaming core against our loopback server with injected faults,
//! under paused time: framing, stalls, cuts, disconnect notices, reconnect
//! delays, one connection at a time, backfill de-duplication, fatal 401.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use xapi::models::FilteredStreamingTweetResponse;
use xapi::stream::{EventStream, StreamConfig, StreamEvent};
use xapi::{Api, Client, Error};
use xapi_tests::stream_server::{Script, Step, StreamServer};

fn msg(id: u64) -> Vec<u8> {
    let line = json!({
        "data": {"id": id.to_string(), "text": format!("post {id}"), "author_id": "7"},
        "includes": {"users": [{"id": "7", "username": "streamer"}]},
        "matching_rules": [{"id": "99", "tag": "rust"}]
    });
    let mut v = serde_json::to_vec(&line).expect("json");
    v.extend_from_slice(b"\r\n");
    v
}

fn chunk(bytes: &[u8]) -> Step {
    Step::Chunk(bytes.to_vec())
}

fn client(server: &StreamServer) -> Client {
    xapi::tls::ensure_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .pool_max_idle_per_host(0)
        .build()
        .expect("http");
    Client::builder()
        .bearer_token("t")
        .base_url(&server.url)
        .http_client(http)
        .build()
        .expect("client")
}

fn open(client: &Client, config: StreamConfig) -> EventStream<FilteredStreamingTweetResponse> {
    client
        .stream()
        .posts()
        .expansions([xapi::fields::TweetExpansion::AuthorId])
        .stream()
        .config(config.jitter(0.0))
}

thread_local! {
    /// Disconnect reasons seen by `trace` on this test's thread.
    static REASONS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn reasons() -> Vec<String> {
    REASONS.with(|r| r.borrow().clone())
}

/// A compact trace of events: C(attempt) K M(id) D(reason) R(attempt, ms).
async fn trace(stream: &mut EventStream<FilteredStreamingTweetResponse>, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < n {
        match stream.next().await {
            None => break,
            Some(Err(e)) => {
                out.push(format!("E({})", e.status().unwrap_or(0)));
                break;
            }
            Some(Ok(event)) => out.push(match event {
                StreamEvent::Connected { attempt } => format!("C{attempt}"),
                StreamEvent::KeepAlive => "K".into(),
                StreamEvent::Message(m) => {
                    let id = m
                        .data
                        .as_ref()
                        .and_then(|d| d.id.clone())
                        .unwrap_or_default();
                    let author = m
                        .author(m.data.as_ref().expect("data"))
                        .found()
                        .and_then(|u| u.username.clone());
                    assert_eq!(
                        author.as_deref(),
                        Some("streamer"),
                        "messages join like pages"
                    );
                    format!("M{id}")
                }
                StreamEvent::Disconnected { reason } => {
                    REASONS.with(|r| r.borrow_mut().push(reason));
                    "D".into()
                }
                StreamEvent::Reconnecting { attempt, delay } => {
                    format!("R{attempt}:{}", delay.as_millis())
                }
                _ => "?".into(),
            }),
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn framing_split_batched_and_keepalives() {
    let two = [msg(2), msg(3)].concat();
    let one = msg(1);
    let server = StreamServer::start(vec![Script::ok(vec![
        chunk(&one[..10]),
        chunk(&one[10..]),
        chunk(b"\r\n"),
        chunk(&two),
        chunk(b"\r\n\r\n"),
    ])])
    .await;
    let client = client(&server);
    let mut s = open(&client, StreamConfig::default());
    let t = trace(&mut s, 7).await;
    assert_eq!(t, ["C1", "M1", "K", "M2", "M3", "K", "K"]);
}

#[tokio::test(start_paused = true)]
async fn a_stall_longer_than_the_timeout_reconnects_after_250ms() {
    let server = StreamServer::start(vec![
        Script::ok(vec![
            chunk(&msg(1)),
            Step::Sleep(Duration::from_secs(120)),
            chunk(&msg(2)),
        ]),
        Script::ok(vec![chunk(&msg(3))]),
    ])
    .await;
    let client = client(&server);
    let mut s = open(
        &client,
        StreamConfig::default().stall_timeout(Duration::from_secs(30)),
    );
    let start = tokio::time::Instant::now();
    let t = trace(&mut s, 6).await;
    assert_eq!(t, ["C1", "M1", "D", "R2:250", "C2", "M3"]);
    assert!(reasons()[0].starts_with("stalled"), "{:?}", reasons());
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(30_250) && elapsed < Duration::from_secs(31),
        "{elapsed:?}"
    );
    assert_eq!(
        server.stats.max_open.load(Ordering::SeqCst),
        1,
        "never two connections at once"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cut_mid_line_loses_the_partial_message_only() {
    let m2 = msg(2);
    let server = StreamServer::start(vec![
        Script::ok(vec![chunk(&msg(1)), chunk(&m2[..20]), Step::Cut]),
        Script::ok(vec![chunk(&msg(3))]),
    ])
    .await;
    let client = client(&server);
    let mut s = open(&client, StreamConfig::default());
    let t = trace(&mut s, 6).await;
    assert_eq!(t[..2], ["C1", "M1"]);
    assert_eq!(t[2], "D");
    assert_eq!(t[3..], ["R2:250", "C2", "M3"]);
}

#[tokio::test(start_paused = true)]
async fn an_operational_disconnect_message_reconnects() {
    let notice = br#"{"errors":[{"title":"operational-disconnect","disconnect_type":"OperationalDisconnect","detail":"upstream restart","type":"https://api.x.com/2/problems/operational-disconnect"}]}"#;
    let server = StreamServer::start(vec![
        Script::ok(vec![
            chunk(&msg(1)),
            chunk(&[notice.as_slice(), b"\r\n"].concat()),
            Step::Sleep(Duration::from_secs(5)),
        ]),
        Script::ok(vec![chunk(&msg(2))]),
    ])
    .await;
    let client = client(&server);
    let mut s = open(&client, StreamConfig::default());
    let t = trace(&mut s, 6).await;
    assert_eq!(t, ["C1", "M1", "D", "R2:250", "C2", "M2"]);
    assert!(
        reasons()[0].contains("OperationalDisconnect"),
        "{:?}",
        reasons()
    );
}

#[tokio::test(start_paused = true)]
async fn http_errors_back_off_exponentially_from_5s_and_429_from_a_minute() {
    let problem = r#"{"title":"Service Unavailable","type":"about:blank","status":503}"#;
    let limited = r#"{"title":"Too Many Requests","type":"about:blank","status":429}"#;
    let server = StreamServer::start(vec![
        Script::error(503, problem),
        Script::error(503, problem),
        Script::ok(vec![chunk(&msg(1))]),
        Script::error(429, limited),
        Script::error(429, limited),
        Script::ok(vec![chunk(&msg(2))]),
    ])
    .await;
    let client = client(&server);
    let mut s = open(&client, StreamConfig::default());
    let start = tokio::time::Instant::now();
    let t = trace(&mut s, 14).await;
    assert_eq!(
        t,
        [
            "D",
            "R2:5000",
            "D",
            "R3:10000",
            "C3",
            "M1",
            "D",
            // The run of failures after M1 counts on across kinds: the
            // closed connection is the first, so the 429s are its second
            // and third (2 and 4 minutes on the 429 curve).
            "R2:250",
            "D",
            "R3:120000",
            "D",
            "R4:240000",
            "C4",
            "M2"
        ]
    );
    let elapsed = start.elapsed().as_millis();
    assert!((375_250..376_000).contains(&elapsed), "{elapsed}");
    assert_eq!(
        reasons()
            .iter()
            .filter(|r| r.starts_with("HTTP 503"))
            .count(),
        2,
        "{:?}",
        reasons()
    );
    assert_eq!(
        reasons()
            .iter()
            .filter(|r| r.starts_with("HTTP 429"))
            .count(),
        2,
        "{:?}",
        reasons()
    );
    assert_eq!(server.stats.max_open.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn jittered_delays_stay_within_bounds() {
    let problem = r#"{"title":"Service Unavailable","type":"about:blank"}"#;
    let server = StreamServer::start(vec![
        Script::error(503, problem),
        Script::ok(vec![chunk(&msg(1))]),
    ])
    .await;
    let client = client(&server);
    let mut s = client
        .stream()
        .posts()
        .stream()
        .config(StreamConfig::default());
    let mut delay = None;
    while let Some(Ok(e)) = s.next().await {
        if let StreamEvent::Reconnecting { delay: d, .. } = e {
            delay = Some(d);
        }
        if let StreamEvent::Message(_) = e {
            break;
        }
    }
    let d = delay.expect("a reconnect").as_millis();
    assert!((5_000..=5_500).contains(&d), "{d}");
}

#[tokio::test(start_paused = true)]
async fn a_401_ends_the_stream_with_the_error() {
    let server = StreamServer::start(vec![Script::error(
        401,
        r#"{"title":"Unauthorized","type":"about:blank","status":401}"#,
    )])
    .await;
    let client = client(&server);
    let mut s = open(&client, StreamConfig::default());
    match s.next().await {
        Some(Err(Error::Api(e))) => assert_eq!(e.status, 401),
        other => panic!("expected a 401 error, got {other:?}"),
    }
    assert!(s.next().await.is_none(), "the stream is over");
    assert_eq!(
        server.stats.connections.load(Ordering::SeqCst),
        1,
        "no reconnect after 401"
    );
}

#[tokio::test(start_paused = true)]
async fn backfill_replays_are_not_delivered_twice() {
    let first: Vec<Step> = (1..=5).map(|i| chunk(&msg(i))).chain([Step::Cut]).collect();
    let second: Vec<Step> = (3..=8).map(|i| chunk(&msg(i))).collect();
    let server = StreamServer::start(vec![Script::ok(first), Script::ok(second)]).await;
    let client = client(&server);
    let mut s = open(&client, StreamConfig::default())
        .backfill_minutes(2)
        .messages();
    let mut ids = Vec::new();
    while ids.len() < 8 {
        let m = s.next().await.expect("a message").expect("ok");
        ids.push(
            m.data
                .as_ref()
                .and_then(|d| d.id.clone())
                .unwrap_or_default(),
        );
    }
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    let requests = server.requests();
    assert!(!requests[0].contains("backfill_minutes"), "{}", requests[0]);
    assert!(
        requests[1].contains("backfill_minutes=2"),
        "{}",
        requests[1]
    );
    assert_eq!(server.stats.max_open.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn fixture_streams_decode_end_to_end() {
    for entry in
        std::fs::read_dir(xapi_tests::root().join("tests/fixtures/streamPosts")).expect("fixtures")
    {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "jsonl") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .expect("read")
            .replace('\n', "\r\n");
        let expected = text
            .split("\r\n")
            .filter(|l| !l.trim().is_empty() && !l.contains("operational-disconnect"))
            .count();
        let server = StreamServer::start(vec![Script::ok(vec![chunk(text.as_bytes())])]).await;
        let client = client(&server);
        let mut s = client.stream().posts().stream();
        let mut messages = 0;
        while let Some(event) = s.next().await {
            match event.unwrap_or_else(|e| panic!("{}: {e}", path.display())) {
                StreamEvent::Message(_) => messages += 1,
                StreamEvent::Disconnected { .. } => break,
                _ => {}
            }
        }
        assert_eq!(messages, expected, "{}", path.display());
    }
}
