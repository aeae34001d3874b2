//! The soak test: 8 tasks paginating and one stream, for a bounded time,
//! against the fault server injecting a random fault into 20% of answers.
//! Not run by `cargo test` (ignored); `cargo xtask soak --seconds N` runs it.
//!
//! It holds that nothing panics, no page or message is lost or delivered
//! twice, memory stays flat, and every wait is within the policies.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use xapi::progress::{Progress, ProgressEvent};
use xapi::retry::RetryPolicy;
use xapi::stream::{StreamConfig, StreamEvent};
use xapi::{Api, Client, Error};
use xapi_tests::fault_server::{Body, FaultServer, Reply, Request};

const PAGES: u64 = 20;
const PER_PAGE: u64 = 10;
const TASKS: u64 = 8;
/// Messages per stream connection, when it is not cut short.
const PER_CONNECTION: u64 = 40;

/// A small deterministic generator (no shared state between requests but
/// the counter), so a failing run can be repeated with the same seed.
fn draw(seed: u64, n: u64) -> u64 {
    let mut x = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

/// The body of page `page` of user `user`.
fn page_body(user: u64, page: u64) -> String {
    let data: Vec<String> = (0..PER_PAGE)
        .map(|i| {
            format!(
                r#"{{"id": "{}", "text": "t", "edit_history_tweet_ids": []}}"#,
                user * 1_000_000 + page * PER_PAGE + i
            )
        })
        .collect();
    let next = if page + 1 < PAGES {
        format!(r#", "next_token": "u{user}p{}""#, page + 1)
    } else {
        String::new()
    };
    format!(
        r#"{{"data": [{}], "meta": {{"result_count": {PER_PAGE}{next}}}}}"#,
        data.join(",")
    )
}

/// One of the faults, or none (80%).
fn fault(seed: u64, n: u64, body: &str) -> Option<Reply> {
    let roll = draw(seed, n);
    if roll % 100 >= 20 {
        return None;
    }
    let len = body.len() as u64;
    Some(match (roll / 100) % 7 {
        0 => Reply::json(503, r#"{"title": "Service Unavailable"}"#),
        1 => Reply::json(429, r#"{"title": "Too Many Requests"}"#).header("retry-after", "1"),
        2 => Reply::json(200, "").body(Body::Cut {
            announce: len,
            send: body.as_bytes()[..body.len() / 3].to_vec(),
        }),
        3 => Reply::json(200, "").body(Body::Trickle {
            data: body.as_bytes().to_vec(),
            every: Duration::from_millis(20),
        }),
        4 => Reply::json(502, "<html>bad gateway</html>")
            .header("x-rate-limit-reset", "18446744073709551615")
            .header("retry-after", "soon"),
        5 => Reply::json(200, body)
            .header("x-rate-limit-remaining", "-3")
            .header("x-rate-limit-reset", b"\xff\xfe"),
        _ => Reply::json(200, "").body(Body::Stall),
    })
}

/// What the stream server sent and cut.
#[derive(Default)]
struct StreamLog {
    sent: Vec<u64>,
    garbage: u64,
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a soak test: cargo xtask soak --seconds N"]
async fn soak() {
    let seconds: u64 = std::env::var("XAPI_SOAK_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("XAPI_SOAK_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let until = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let counter = Arc::new(AtomicU64::new(0));
    let faults = Arc::new(AtomicU64::new(0));
    let stream_log = Arc::new(Mutex::new(StreamLog::default()));
    let next_message = Arc::new(AtomicU64::new(1));

    let (c, f, log, next) = (
        counter.clone(),
        faults.clone(),
        stream_log.clone(),
        next_message.clone(),
    );
    let server = FaultServer::start_counting(move |req: &Request, _| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        let path = req.target.split('?').next().unwrap_or_default();
        if path == "/2/tweets/search/stream" {
            return stream_reply(seed, n, &f, &log, &next);
        }
        let user: u64 = path
            .strip_prefix("/2/users/")
            .and_then(|p| p.split('/').next())
            .and_then(|u| u.parse().ok())
            .unwrap_or(0);
        let page = req
            .query("pagination_token")
            .and_then(|t| t.split('p').nth(1))
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let body = page_body(user, page);
        match fault(seed, n, &body) {
            Some(reply) => {
                f.fetch_add(1, Ordering::SeqCst);
                reply
            }
            None => Reply::json(200, &body),
        }
    })
    .await;

    let waits = Arc::new(Mutex::new(Vec::new()));
    let w = waits.clone();
    let progress = Progress::with_callback(move |e| {
        if let ProgressEvent::Retry { delay, .. } | ProgressEvent::Wait { delay, .. } = e {
            if let Ok(mut w) = w.lock() {
                w.push(*delay);
            }
        }
    });
    let policy = RetryPolicy::patient()
        .base_delay(Duration::from_millis(20))
        .max_delay(Duration::from_millis(500));
    let client = Client::builder()
        .bearer_token("t")
        .base_url(server.url.clone())
        .timeout(Duration::from_secs(2))
        .retry_policy(policy.clone())
        .progress(progress)
        .build()
        .expect("client");
    let rss_start = rss_kib("VmRSS:");

    let mut tasks = Vec::new();
    for task in 0..TASKS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let user = 42 + task;
            let mut pulls = 0u64;
            while tokio::time::Instant::now() < until {
                pull(&client, user).await;
                pulls += 1;
            }
            pulls
        }));
    }
    // RSS every tenth of the run, to tell a plateau from a leak.
    let sampler = tokio::spawn(async move {
        let mut samples = Vec::new();
        let every = Duration::from_secs(seconds.max(10) / 10);
        while tokio::time::Instant::now() < until {
            tokio::time::sleep(every).await;
            samples.push(rss_kib("VmRSS:"));
        }
        samples
    });
    let streamer = {
        let client = client.clone();
        tokio::spawn(async move { watch(&client, until).await })
    };
    let mut pulls = 0;
    for t in tasks {
        pulls += t.await.expect("a pulling task panicked");
    }
    let (received, bad_lines) = streamer.await.expect("the stream task panicked");
    let samples = sampler.await.expect("the sampler panicked");

    let log = stream_log.lock().expect("log");
    // Messages sent before the stream was dropped at the end may still be
    // in flight: every received one was sent, once, in order; every sent one
    // but the last connection's tail was received.
    let mut sorted = received.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        received.len(),
        "a message was delivered twice"
    );
    assert_eq!(sorted, received, "messages out of order");
    let sent: BTreeSet<u64> = log.sent.iter().copied().collect();
    let last = received.last().copied().unwrap_or(0);
    let lost: Vec<u64> = sent
        .iter()
        .copied()
        .filter(|id| *id <= last && !received.contains(id))
        .collect();
    assert!(lost.is_empty(), "messages lost: {lost:?}");
    // Each bad line sent is one error item (the last connection's may not
    // have been read when the time was up).
    assert!(
        bad_lines <= log.garbage && bad_lines + 1 >= log.garbage,
        "{bad_lines} bad-line items for {} bad lines sent",
        log.garbage
    );

    let waits = waits.lock().expect("waits").clone();
    let longest = waits.iter().max().copied().unwrap_or_default();
    // Retry delays are at most 500 ms, Retry-After says 1 s, and a wait for
    // the request that learns a budget lasts at most its 2 s deadline.
    assert!(
        longest <= Duration::from_secs(3),
        "a wait of {longest:?} is outside the policies"
    );
    let rss_end = rss_kib("VmRSS:");
    let peak = rss_kib("VmHWM:");
    println!(
        "soak: {seconds} s, seed {seed}: {} requests, {} faults injected, {pulls} complete pulls of {PAGES} pages, \
         {} stream messages, {bad_lines} bad lines reported, {} waits (longest {longest:?}); \
         RSS {rss_start} KiB at start, {rss_end} KiB at the end, peak {peak} KiB",
        counter.load(Ordering::SeqCst),
        faults.load(Ordering::SeqCst),
        received.len(),
        waits.len(),
    );
    println!("soak: RSS samples (KiB): {samples:?}");
    assert!(pulls >= TASKS, "every task finished at least one pull");
    // Flat: the second half of the run holds no more than the first half's
    // highest mark and some slack (allocator caches settle over minutes).
    let half = samples.len() / 2;
    let (first, second) = samples.split_at(half);
    let first_max = first.iter().copied().max().unwrap_or(rss_start);
    let second_max = second.iter().copied().max().unwrap_or(rss_end);
    assert!(
        second_max <= first_max + first_max / 4 + 8 * 1024,
        "memory kept growing: {samples:?}"
    );
    assert!(
        rss_end < rss_start.saturating_mul(2).max(rss_start + 64 * 1024),
        "memory grew from {rss_start} KiB to {rss_end} KiB"
    );
}

/// One whole pull of `user`'s pages: resumed after an error from the last
/// good token, with each item exactly once and in order.
async fn pull(client: &Client, user: u64) {
    let mut ids = Vec::new();
    let mut resume: Option<String> = None;
    loop {
        let pages = client.users().get_posts(user.to_string()).pages();
        let mut pages = match &resume {
            Some(token) => pages.resume_from(token.clone()),
            None => pages,
        };
        let mut failed = false;
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    for post in page.data.as_deref().unwrap_or_default() {
                        ids.push(
                            post.id
                                .as_deref()
                                .and_then(|i| i.parse::<u64>().ok())
                                .unwrap_or(0),
                        );
                    }
                }
                Err(Error::Page { resume_token, .. }) => {
                    resume = resume_token;
                    failed = true;
                    break;
                }
                Err(other) => panic!("user {user}: {other}"),
            }
        }
        if !failed {
            break;
        }
    }
    let expected: Vec<u64> = (0..PAGES * PER_PAGE)
        .map(|i| user * 1_000_000 + i)
        .collect();
    assert_eq!(ids, expected, "user {user}: a page lost or repeated");
}

/// Reads the stream until `until`; returns the message ids and the number
/// of bad-line error items.
async fn watch(client: &Client, until: tokio::time::Instant) -> (Vec<u64>, u64) {
    let mut stream = client.stream().posts().stream().config(
        StreamConfig::default()
            .network_step(Duration::from_millis(10))
            .network_max(Duration::from_millis(50))
            .http_initial(Duration::from_millis(50))
            .http_max(Duration::from_millis(200))
            .rate_limit_initial(Duration::from_millis(100))
            .rate_limit_max(Duration::from_millis(200))
            .stall_timeout(Duration::from_secs(2)),
    );
    let mut ids = Vec::new();
    let mut bad = 0;
    loop {
        let next = tokio::time::timeout_at(until, stream.next()).await;
        match next {
            Err(_) | Ok(None) => break,
            Ok(Some(Ok(StreamEvent::Message(m)))) => {
                ids.push(
                    m.data
                        .as_ref()
                        .and_then(|d| d.id.as_deref())
                        .and_then(|i| i.parse().ok())
                        .unwrap_or(0),
                );
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(Error::Decode(_)))) => bad += 1,
            Ok(Some(Err(other))) => panic!("the stream ended: {other}"),
        }
    }
    (ids, bad)
}

/// One stream connection: messages numbered on from the last one sent,
/// sometimes with a bad line, cut short, or refused.
fn stream_reply(
    seed: u64,
    n: u64,
    faults: &AtomicU64,
    log: &Mutex<StreamLog>,
    next: &AtomicU64,
) -> Reply {
    let roll = draw(seed ^ 0x5EED, n);
    let Ok(mut log) = log.lock() else {
        return Reply::json(500, "{}");
    };
    let faulty = roll % 100 < 20;
    if faulty {
        faults.fetch_add(1, Ordering::SeqCst);
        match (roll / 100) % 4 {
            0 => return Reply::json(503, r#"{"title": "Service Unavailable"}"#),
            1 => {
                return Reply::json(429, r#"{"title": "Too Many Requests"}"#)
                    .header("retry-after", "0")
            }
            _ => {}
        }
    }
    // A faulty connection is cut after a few messages (between messages, so
    // every message sent is whole) or carries a line that does not decode.
    let count = if faulty {
        (roll / 1000) % PER_CONNECTION
    } else {
        PER_CONNECTION
    };
    let garbage_at = (faulty && (roll / 100) % 4 == 3).then_some(count / 2);
    let mut pieces = Vec::new();
    for i in 0..count {
        if garbage_at == Some(i) {
            pieces.push((Duration::from_millis(5), b"{\"data\": [broken\r\n".to_vec()));
            log.garbage += 1;
        }
        let id = next.fetch_add(1, Ordering::SeqCst);
        log.sent.push(id);
        let line =
            format!(r#"{{"data": {{"id": "{id}", "text": "m", "edit_history_tweet_ids": []}}}}"#);
        pieces.push((Duration::from_millis(5), format!("{line}\r\n").into_bytes()));
    }
    Reply::json(200, "").body(Body::Pieces(pieces))
}
