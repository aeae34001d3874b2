//! What the client does when the network or the API misbehaves: one test per
//! fault, against the loopback fault server (`xapi_tests::fault_server`).
//! Test names start with the number of the behaviour they hold (see the
//! README's "What the client does when things go wrong").

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use xapi::progress::{Progress, ProgressEvent};
use xapi::rate_limit::RateLimitPolicy;
use xapi::retry::{GiveUpCause, RetryPolicy};
use xapi::{Api, Client, Error};
use xapi_tests::fault_server::{Body, FaultServer, Reply, Request};

const POST: &str = r#"{"data": {"id": "20", "text": "hello", "edit_history_tweet_ids": ["20"]}}"#;

fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn client(server: &FaultServer) -> Client {
    builder(server).build().expect("client")
}

fn builder(server: &FaultServer) -> xapi::ClientBuilder {
    Client::builder()
        .bearer_token("t")
        .base_url(server.url.clone())
        .retry_policy(fast_retries())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn get_post(client: &Client) -> Result<(), Error> {
    client.tweets().get_by_id("20").send().await.map(|_| ())
}

/// Retry delays reported through `Progress`.
fn retry_delays() -> (Progress, Arc<Mutex<Vec<Duration>>>) {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d = delays.clone();
    let progress = Progress::with_callback(move |e| {
        if let ProgressEvent::Retry { delay, .. } | ProgressEvent::Wait { delay, .. } = e {
            if let Ok(mut d) = d.lock() {
                d.push(*delay);
            }
        }
    });
    (progress, delays)
}

// 1. Headers never panic.

#[tokio::test]
async fn h01_a_reset_past_any_clock_does_not_panic() {
    for reset in ["18446744073709551615", "9223372036854775808", "99999999999"] {
        let server = FaultServer::start(move |_: &Request, _| {
            Reply::json(200, POST)
                .header("x-rate-limit-limit", "1")
                .header("x-rate-limit-remaining", "0")
                .header("x-rate-limit-reset", reset)
        })
        .await;
        let client = client(&server);
        get_post(&client).await.expect("the first answer is fine");
        // The budget is spent until a reset no clock reaches: the wait is over
        // the policy's cap, so the caller hears when, at once.
        let err = get_post(&client).await.expect_err("budget spent");
        assert!(
            matches!(
                err,
                Error::GaveUp {
                    cause: GiveUpCause::RateLimited { .. },
                    ..
                }
            ),
            "{reset}: {err:?}"
        );
        assert_eq!(server.count(), 1, "{reset}");
    }
}

#[tokio::test]
async fn h01_a_429_with_a_reset_past_any_clock_does_not_panic() {
    let server = FaultServer::start(|_: &Request, _| {
        Reply::json(429, r#"{"title": "Too Many Requests"}"#)
            .header("x-rate-limit-remaining", "0")
            .header("x-rate-limit-reset", "18446744073709551615")
    })
    .await;
    let err = get_post(&client(&server)).await.expect_err("rate limited");
    assert!(
        err.is_rate_limited() || matches!(err, Error::GaveUp { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("rate limit"), "{text}");
}

#[tokio::test]
async fn h01_garbage_header_values_are_ignored() {
    let values: &[&[u8]] = &[
        b"-5",
        b"abc",
        b"99999999999999999999999",
        b"1e9",
        b" ",
        b"\xff\xfe",
        b"Thu, 99 Foo 20260 99:99:99 GMT",
    ];
    for value in values {
        let value = value.to_vec();
        let server = FaultServer::start(move |_: &Request, i| {
            let reply = if i == 0 {
                Reply::json(503, "{}")
            } else {
                Reply::json(200, POST)
            };
            reply
                .header("retry-after", &value)
                .header("x-rate-limit-remaining", &value)
                .header("x-rate-limit-reset", &value)
                .header("x-user-limit-24hour-reset", &value)
        })
        .await;
        get_post(&client(&server))
            .await
            .expect("garbage is ignored and the retry succeeds");
        assert_eq!(server.count(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn h01_retry_after_as_an_http_date_is_honoured() {
    let server = FaultServer::start(|_: &Request, i| {
        if i == 0 {
            let at = SystemTime::now() + Duration::from_secs(8);
            let date = chrono::DateTime::<chrono::Utc>::from(at)
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string();
            Reply::json(503, "{}").header("retry-after", date)
        } else {
            Reply::json(200, POST)
        }
    })
    .await;
    let (progress, delays) = retry_delays();
    let client = builder(&server)
        .retry_policy(RetryPolicy::default())
        .progress(progress)
        .build()
        .expect("client");
    get_post(&client).await.expect("succeeds after the date");
    let delays = delays.lock().map(|d| d.clone()).unwrap_or_default();
    assert_eq!(delays.len(), 1, "{delays:?}");
    assert!(
        delays[0] >= Duration::from_secs(6) && delays[0] <= Duration::from_secs(9),
        "waited {:?} for a date 8 s ahead",
        delays[0]
    );
}

#[tokio::test(start_paused = true)]
async fn h01_rate_limit_waits_are_capped_and_the_error_says_until_when() {
    let reset = now_secs() + 3600;
    let server = FaultServer::start(move |_: &Request, _| {
        Reply::json(429, r#"{"title": "Too Many Requests"}"#)
            .header("x-rate-limit-remaining", "0")
            .header("x-rate-limit-reset", reset.to_string())
    })
    .await;
    let client = builder(&server)
        .rate_limit_policy(RateLimitPolicy::Wait {
            max_wait: Duration::from_secs(60),
        })
        .build()
        .expect("client");
    let err = get_post(&client)
        .await
        .expect_err("an hour is over the cap");
    let Error::GaveUp {
        cause: GiveUpCause::RateLimited { reset_in, .. },
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(*reset_in > Duration::from_secs(3500), "{reset_in:?}");
    let until = chrono::DateTime::<chrono::Utc>::from(UNIX_EPOCH + Duration::from_secs(reset))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    assert!(err.to_string().contains(&until), "{err} should say {until}");
    assert_eq!(server.count(), 1, "no wait loop");
}

// 3. Deadlines and size caps.

#[tokio::test(start_paused = true)]
async fn h03_a_trickling_body_ends_at_the_deadline() {
    let server = FaultServer::start(|_: &Request, _| {
        Reply::json(200, "").body(Body::Trickle {
            data: POST.as_bytes().to_vec(),
            every: Duration::from_millis(500),
        })
    })
    .await;
    let client = builder(&server)
        .timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client");
    let started = tokio::time::Instant::now();
    let err = get_post(&client).await.expect_err("the body takes 40 s");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(err.to_string().contains("deadline"), "{err}");
}

#[tokio::test]
async fn h03_a_body_announced_over_the_cap_is_refused_before_reading() {
    let server = FaultServer::start(|_: &Request, _| {
        Reply::json(200, "").body(Body::Cut {
            announce: 1 << 40,
            send: b"{\"data\":".to_vec(),
        })
    })
    .await;
    let err = get_post(&client(&server)).await.expect_err("a terabyte");
    assert!(err.to_string().contains("larger than"), "{err}");
    assert_eq!(server.count(), 1, "not retried: the answer will not shrink");
}

#[tokio::test]
async fn h03_an_endless_body_stops_at_the_cap() {
    let server = FaultServer::start(|_: &Request, _| {
        Reply::json(200, "").body(Body::Endless {
            chunk: vec![b' '; 64 * 1024],
        })
    })
    .await;
    let client = builder(&server).build().expect("client");
    let result = tokio::time::timeout(Duration::from_secs(60), get_post(&client)).await;
    let err = result.expect("ends").expect_err("over the cap");
    assert!(err.to_string().contains("larger than"), "{err}");
}

/// 16 MiB of spaces inside a valid post, sent as a few kilobytes: the cap
/// (1 MiB here) counts what the body inflates to, not what came over the wire.
pub(crate) fn bomb() -> Vec<u8> {
    let mut body = Vec::with_capacity(16 << 20);
    body.extend_from_slice(br#"{"data": {"id": "20", "text": "boom"}, "pad": ""#);
    body.resize(16 << 20, b' ');
    body.extend_from_slice(b"\"}");
    body
}

/// Sends [`bomb`] compressed with `encoding` and expects the inflated body
/// refused at a 1 MiB cap, once, with no retry.
async fn refuses_inflating_past_the_cap(encoding: &'static str, sent: Vec<u8>) {
    assert!(sent.len() < 64 * 1024, "{} bytes on the wire", sent.len());
    let server = FaultServer::start(move |_: &Request, _| {
        crate::compression::compressed(encoding, sent.clone())
    })
    .await;
    let client = builder(&server)
        .max_body_bytes(1 << 20)
        .build()
        .expect("client");
    let err = get_post(&client)
        .await
        .expect_err("over the cap once inflated");
    assert!(
        matches!(err, Error::TooLarge { limit, .. } if limit == 1 << 20),
        "{err}"
    );
    assert_eq!(server.count(), 1, "not retried: the answer will not shrink");
}

#[tokio::test]
async fn h03_a_small_gzip_body_inflating_past_the_cap_is_refused() {
    refuses_inflating_past_the_cap("gzip", crate::compression::gzip(&bomb())).await;
}

#[tokio::test]
async fn h03_a_small_brotli_body_inflating_past_the_cap_is_refused() {
    refuses_inflating_past_the_cap("br", crate::compression::brotli(&bomb())).await;
}

// 4. Interrupted GETs are retried.

#[tokio::test]
async fn h04_a_get_cut_mid_body_is_retried() {
    let server = FaultServer::start(|_: &Request, i| {
        if i == 0 {
            Reply::json(200, "").body(Body::Cut {
                announce: POST.len() as u64,
                send: POST.as_bytes()[..10].to_vec(),
            })
        } else {
            Reply::json(200, POST)
        }
    })
    .await;
    get_post(&client(&server))
        .await
        .expect("the retry reads it whole");
    assert_eq!(server.count(), 2);
}

/// A page of `n` users' posts: ids `page*10 .. page*10+n`, and a token to
/// the next page unless it is the last.
fn page(page: usize, last: usize) -> String {
    let data: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"id": "{}", "text": "t", "edit_history_tweet_ids": []}}"#,
                1000 + page * 10 + i
            )
        })
        .collect();
    let next = if page < last {
        format!(r#", "next_token": "p{}""#, page + 1)
    } else {
        String::new()
    };
    format!(
        r#"{{"data": [{}], "meta": {{"result_count": 10{next}}}}}"#,
        data.join(",")
    )
}

#[tokio::test]
async fn h04_a_page_stream_cut_between_pages_yields_each_page_once() {
    // Every other request is cut mid-body.
    let server = FaultServer::start(|req: &Request, i| {
        let n: usize = req
            .query("pagination_token")
            .and_then(|t| t.strip_prefix('p'))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let body = page(n, 5);
        if i % 2 == 0 {
            Reply::json(200, "").body(Body::Cut {
                announce: body.len() as u64,
                send: body.as_bytes()[..body.len() / 2].to_vec(),
            })
        } else {
            Reply::json(200, &body)
        }
    })
    .await;
    let ids: Vec<String> = client(&server)
        .users()
        .get_posts("42")
        .pages()
        .items()
        .map(|i| {
            i.expect("item")
                .get()
                .id
                .clone()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
        .await;
    let expected: Vec<String> = (1000..1060).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected, "each item once, in order");
}

// 6. No endless loops.

#[tokio::test]
async fn h06_a_repeated_next_token_ends_the_pull_with_an_error() {
    let server = FaultServer::start(|req: &Request, _| {
        // Page p1 points back to p1: a cycle.
        let n = if req.query("pagination_token").is_some() {
            1
        } else {
            0
        };
        Reply::json(200, &page(n, 9).replace("\"p2\"", "\"p1\""))
    })
    .await;
    let pages: Vec<Result<_, Error>> = tokio::time::timeout(
        Duration::from_secs(20),
        client(&server)
            .users()
            .get_posts("42")
            .pages()
            .take(10)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("ends");
    assert_eq!(pages.len(), 3, "two pages, then the error");
    let err = pages[2].as_ref().map(|_| ()).expect_err("a cycle");
    assert!(err.to_string().contains("p1"), "{err}");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn h06_tokens_are_opaque_whatever_their_length() {
    let long = "x".repeat(300);
    let tokens = [
        "a".to_owned(),
        long.clone(),
        "7140dibdnow9c7btw4e1nmhqzlv6hn5o2p".to_owned(),
    ];
    let server = FaultServer::start(move |req: &Request, _| {
        let next = match req.query("pagination_token") {
            None => Some(tokens[0].clone()),
            Some(t) if t == tokens[0] => Some(tokens[1].clone()),
            Some(t) if t == tokens[1] => Some(tokens[2].clone()),
            _ => None,
        };
        let meta = match next {
            Some(t) => format!(r#""result_count": 1, "next_token": "{t}""#),
            None => r#""result_count": 1"#.to_owned(),
        };
        Reply::json(
            200,
            &format!(r#"{{"data": [{{"id": "1", "text": "t", "edit_history_tweet_ids": []}}], "meta": {{{meta}}}}}"#),
        )
    })
    .await;
    let pages: Vec<Result<_, Error>> = client(&server)
        .users()
        .get_posts("42")
        .pages()
        .collect()
        .await;
    for p in &pages {
        assert!(p.is_ok(), "{:?}", p.as_ref().map(|_| ()));
    }
    assert_eq!(pages.len(), 4);
    let sent = server.requests();
    assert_eq!(sent[2].query("pagination_token"), Some(long.as_str()));
}

// 2. 24-hour limits and usage caps.

#[tokio::test(start_paused = true)]
async fn h02_a_spent_24_hour_budget_waits_for_its_own_reset() {
    let now = now_secs();
    for prefix in ["x-user-limit-24hour", "x-app-limit-24hour"] {
        let server = FaultServer::start(move |_: &Request, _| {
            Reply::json(429, r#"{"title": "Too Many Requests"}"#)
                .header("x-rate-limit-remaining", "10")
                .header("x-rate-limit-reset", (now + 60).to_string())
                .header(&format!("{prefix}-limit"), "17")
                .header(&format!("{prefix}-remaining"), "0")
                .header(&format!("{prefix}-reset"), (now + 7200).to_string())
        })
        .await;
        let err = get_post(&client(&server))
            .await
            .expect_err("two hours is over the cap");
        let Error::GaveUp {
            cause: GiveUpCause::RateLimited { reset_in, .. },
            ..
        } = &err
        else {
            panic!("{prefix}: {err:?}")
        };
        assert!(
            *reset_in > Duration::from_secs(7000),
            "{prefix}: {reset_in:?}"
        );
        assert_eq!(
            server.count(),
            1,
            "{prefix}: no wait for the 15-minute window"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn h02_a_usage_capped_429_is_an_error_at_once() {
    let now = now_secs();
    let server = FaultServer::start(move |_: &Request, _| {
        Reply::json(
            429,
            r#"{"title": "UsageCapExceeded", "type": "https://api.twitter.com/2/problems/usage-capped", "detail": "Usage cap exceeded: Monthly product cap", "period": "Monthly", "scope": "Product"}"#,
        )
        .header("x-rate-limit-remaining", "0")
        .header("x-rate-limit-reset", (now + 30).to_string())
    })
    .await;
    let err = get_post(&client(&server)).await.expect_err("capped");
    assert!(
        matches!(
            err,
            Error::GaveUp {
                cause: GiveUpCause::UsageCapped,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(429), "the answer is kept");
    assert_eq!(server.count(), 1, "no wait loop");
}

// 5. Streams survive bad messages.

mod streams {
    use super::*;
    use xapi::models::FilteredStreamingTweetResponse;
    use xapi::stream::{EventStream, StreamConfig, StreamEvent};

    const MESSAGE: &str = r#"{"data": {"id": "ID", "text": "t", "edit_history_tweet_ids": []}}"#;

    fn message(id: u32) -> Vec<u8> {
        format!("{}\r\n", MESSAGE.replace("ID", &id.to_string())).into_bytes()
    }

    fn open(client: &Client, config: StreamConfig) -> EventStream<FilteredStreamingTweetResponse> {
        client.stream().posts().stream().config(config.jitter(0.0))
    }

    /// Events in short: `C` connected, `M<id>`, `K`, `D` disconnected,
    /// `R<delay s>` reconnecting, `E<what>` an error item; at most `n`, or
    /// until the stream ends.
    async fn trace(
        stream: &mut EventStream<FilteredStreamingTweetResponse>,
        n: usize,
    ) -> Vec<String> {
        let mut out = Vec::new();
        while out.len() < n {
            let Some(item) = stream.next().await else {
                out.push("END".into());
                break;
            };
            out.push(match item {
                Err(Error::Decode(e)) => format!(
                    "Edecode:{}",
                    String::from_utf8_lossy(e.line.as_deref().unwrap_or_default())
                ),
                Err(Error::TooLarge { .. }) => "Etoolarge".into(),
                Err(Error::InvalidRequest { parameter, .. }) => format!("Einvalid:{parameter}"),
                Err(e) => format!("E{e}"),
                Ok(StreamEvent::Connected { .. }) => "C".into(),
                Ok(StreamEvent::KeepAlive) => "K".into(),
                Ok(StreamEvent::Message(m)) => format!(
                    "M{}",
                    m.data
                        .as_ref()
                        .and_then(|d| d.id.clone())
                        .unwrap_or_default()
                ),
                Ok(StreamEvent::Disconnected { .. }) => "D".into(),
                Ok(StreamEvent::Reconnecting { delay, .. }) => format!("R{}", delay.as_secs()),
                Ok(_) => "?".into(),
            });
        }
        out
    }

    #[tokio::test(start_paused = true)]
    async fn h05_a_line_that_does_not_decode_is_an_error_item_and_the_stream_goes_on() {
        let server = FaultServer::start(|_: &Request, _| {
            Reply::json(200, "").body(Body::Pieces(vec![
                (Duration::ZERO, message(1)),
                (Duration::ZERO, b"{\"data\": [not json\r\n".to_vec()),
                (Duration::ZERO, b"\r\n".to_vec()),
                (Duration::ZERO, message(2)),
                (Duration::from_secs(86_400), message(3)),
            ]))
        })
        .await;
        let mut s = open(&client(&server), StreamConfig::default());
        let t = trace(&mut s, 5).await;
        assert_eq!(t, ["C", "M1", "Edecode:{\"data\": [not json", "K", "M2"]);
        assert_eq!(server.count(), 1, "no reconnect for one bad line");
    }

    #[tokio::test(start_paused = true)]
    async fn h05_alternating_failure_kinds_do_not_reset_the_reconnect_count() {
        let server = FaultServer::start(|_: &Request, i| {
            if i % 2 == 0 {
                Reply::json(503, r#"{"title": "Service Unavailable"}"#)
            } else {
                Reply::json(200, "").body(Body::Pieces(vec![]))
            }
        })
        .await;
        let mut s = open(
            &client(&server),
            StreamConfig::default().max_reconnects(Some(3)),
        );
        let t = tokio::time::timeout(Duration::from_secs(7200), trace(&mut s, 40))
            .await
            .expect("ends");
        assert_eq!(t.last().map(String::as_str), Some("END"), "{t:?}");
        assert_eq!(
            server.count(),
            4,
            "the first try and three reconnects: {t:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn h05_a_429_reconnect_waits_for_the_reset() {
        let reset = now_secs() + 600;
        let server = FaultServer::start(move |_: &Request, i| {
            if i == 0 {
                Reply::json(429, r#"{"title": "Too Many Requests"}"#)
                    .header("x-rate-limit-remaining", "0")
                    .header("x-rate-limit-reset", reset.to_string())
            } else {
                Reply::json(200, "").body(Body::Pieces(vec![
                    (Duration::ZERO, message(1)),
                    (Duration::from_secs(86_400), message(2)),
                ]))
            }
        })
        .await;
        let mut s = open(&client(&server), StreamConfig::default());
        let t = trace(&mut s, 4).await;
        let waited: u64 = t
            .iter()
            .find_map(|e| e.strip_prefix('R').and_then(|d| d.parse().ok()))
            .unwrap_or(0);
        assert!((590..=610).contains(&waited), "{t:?}");
        assert_eq!(t.last().map(String::as_str), Some("M1"), "{t:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn h05_backfill_minutes_are_checked_before_connecting() {
        let server = FaultServer::start(|_: &Request, _| {
            Reply::json(200, "").body(Body::Pieces(vec![(Duration::ZERO, message(1))]))
        })
        .await;
        for minutes in [0, 6, 1000] {
            let mut s = open(&client(&server), StreamConfig::default()).backfill_minutes(minutes);
            let t = trace(&mut s, 3).await;
            assert_eq!(t, ["Einvalid:backfill_minutes", "END"], "{minutes}");
        }
        assert_eq!(server.count(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn h05_a_message_over_the_cap_is_an_error_item_then_a_reconnect() {
        let server = FaultServer::start(|_: &Request, i| {
            let mut pieces = vec![];
            if i == 0 {
                pieces.push((Duration::ZERO, vec![b'x'; 4096]));
            }
            pieces.push((Duration::ZERO, message(7)));
            pieces.push((Duration::from_secs(86_400), message(8)));
            Reply::json(200, "").body(Body::Pieces(pieces))
        })
        .await;
        let mut s = open(
            &client(&server),
            StreamConfig::default().max_message_bytes(1024),
        );
        let t = trace(&mut s, 5).await;
        assert_eq!(t[..2], ["C", "Etoolarge"], "{t:?}");
        assert_eq!(t.last().map(String::as_str), Some("M7"), "{t:?}");
        assert_eq!(server.count(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn h05_a_silent_server_is_left_at_the_deadline() {
        let server = FaultServer::start(|_: &Request, i| {
            if i == 0 {
                Reply::silent()
            } else {
                Reply::json(200, "").body(Body::Pieces(vec![
                    (Duration::ZERO, message(1)),
                    (Duration::from_secs(86_400), message(2)),
                ]))
            }
        })
        .await;
        let client = builder(&server)
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client");
        let mut s = open(&client, StreamConfig::default());
        let started = tokio::time::Instant::now();
        let t = trace(&mut s, 4).await;
        assert_eq!(t.last().map(String::as_str), Some("M1"), "{t:?}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
    }
}

// 6 (rules) and 7. Rule listing ends; partial success is kept.

mod rules {
    use super::*;
    use xapi::rules::NewRule;

    #[tokio::test]
    async fn h06_rule_listing_ends_on_a_repeated_token() {
        let server = FaultServer::start(|_: &Request, _| {
            Reply::json(
                200,
                r#"{"data": [{"id": "1", "value": "rust"}], "meta": {"sent": "2026-01-01T00:00:00Z", "result_count": 1, "next_token": "same"}}"#,
            )
        })
        .await;
        let result = tokio::time::timeout(Duration::from_secs(20), client(&server).rules().list())
            .await
            .expect("ends");
        assert!(matches!(result, Err(Error::PageCycle { .. })), "{result:?}");
        assert_eq!(server.count(), 2);
    }

    const PARTIAL: &str = r#"{
        "data": [{"id": "1201", "value": "rust lang", "tag": "r"}],
        "errors": [{"value": "bad((", "id": "", "title": "UnprocessableEntity", "detail": "unbalanced parenthesis", "type": "https://api.twitter.com/2/problems/invalid-rules"}],
        "meta": {"sent": "2026-01-01T00:00:00Z", "summary": {"created": 1, "not_created": 1, "valid": 1, "invalid": 1}}
    }"#;

    #[tokio::test]
    async fn h07_rules_added_beside_refused_ones_are_kept() {
        let server = FaultServer::start(|_: &Request, _| Reply::json(200, PARTIAL)).await;
        let change = client(&server)
            .rules()
            .add(
                &[NewRule::tagged("rust lang", "r"), NewRule::new("bad((")],
                false,
            )
            .await
            .expect("a partial success is a success");
        assert_eq!(change.created.len(), 1);
        assert_eq!(change.created[0].id.as_deref(), Some("1201"));
        assert_eq!(change.failures.len(), 1);
        assert_eq!(change.failures[0].rule, "bad((");
        assert!(!change.is_complete());
        let strict = change.clone().into_result();
        assert!(
            matches!(strict, Err(Error::InvalidRequest { .. })),
            "{strict:?}"
        );
    }

    #[tokio::test]
    async fn h07_rules_deleted_beside_refused_ones_are_kept() {
        let server = FaultServer::start(|_: &Request, _| {
            Reply::json(
                200,
                r#"{"errors": [{"id": "99", "title": "Not Found", "type": "https://api.twitter.com/2/problems/resource-not-found"}], "meta": {"sent": "2026-01-01T00:00:00Z", "summary": {"deleted": 1, "not_deleted": 1}}}"#,
            )
        })
        .await;
        let change = client(&server)
            .rules()
            .delete_ids(&["12".to_owned(), "99".to_owned()], false)
            .await
            .expect("a partial success is a success");
        assert_eq!(change.failures.len(), 1);
        assert_eq!(change.failures[0].rule, "99");
        assert_eq!(
            change.deleted,
            ["12"],
            "the refused id is not reported deleted"
        );
    }
}

// 16. Retries for long work.

#[tokio::test]
async fn h16_a_failed_page_says_where_to_resume() {
    let server = FaultServer::start(|req: &Request, _| {
        let n: usize = req
            .query("pagination_token")
            .and_then(|t| t.strip_prefix('p'))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        // Page 2 fails for good on the first pull, and not on the second.
        if n == 2 && req.query("max_results").is_none() {
            Reply::json(
                400,
                r#"{"title": "Invalid Request", "type": "about:blank"}"#,
            )
        } else {
            Reply::json(200, &page(n, 3))
        }
    })
    .await;
    let client = client(&server);
    let pages: Vec<Result<_, Error>> = client.users().get_posts("42").pages().collect().await;
    assert_eq!(pages.len(), 3);
    let Err(Error::Page {
        resume_token,
        pages: done,
        source,
        ..
    }) = &pages[2]
    else {
        panic!("{:?}", pages[2].as_ref().map(|_| ()))
    };
    assert_eq!(resume_token.as_deref(), Some("p2"));
    assert_eq!(*done, 2);
    assert_eq!(source.status(), Some(400));
    assert_eq!(
        pages[2].as_ref().map(|_| ()).expect_err("kept").status(),
        Some(400)
    );
    // The pull goes on from there.
    let rest: Vec<Result<_, Error>> = client
        .users()
        .get_posts("42")
        .max_results(10)
        .pages()
        .resume_from(resume_token.clone().unwrap_or_default())
        .collect()
        .await;
    assert_eq!(rest.len(), 2);
    assert!(rest.iter().all(Result::is_ok));
}

#[test]
fn h16_the_patient_preset_outlasts_the_interactive_one() {
    let quick = RetryPolicy::default();
    let patient = RetryPolicy::patient();
    assert!(patient.max_attempts >= 4 * quick.max_attempts);
    assert!(patient.max_total >= Duration::from_secs(3600));
    assert!(patient.max_delay >= Duration::from_secs(300));
    assert!(patient.retry_statuses.contains(&503));
}

// 9. Arithmetic cannot overflow: the policies and header readers, fed
// extreme values, answer without panicking.

mod arithmetic {
    use proptest::prelude::*;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};
    use xapi::rate_limit::{RateLimit, RateLimitEvent, RateLimitPolicy};
    use xapi::retry::{retry_after_value, Outcome, RetryPolicy};
    use xapi::stream::{FailureKind, StreamConfig};

    fn duration() -> impl Strategy<Value = Duration> {
        prop_oneof![
            Just(Duration::ZERO),
            Just(Duration::MAX),
            any::<u64>().prop_map(Duration::from_secs),
            (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        ]
    }

    fn policy() -> impl Strategy<Value = RetryPolicy> {
        (any::<u32>(), duration(), duration(), duration()).prop_map(|(n, base, max, total)| {
            RetryPolicy::default()
                .max_attempts(n)
                .base_delay(base)
                .max_delay(max)
                .max_total(total)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn h09_retry_decisions_never_panic(
            p in policy(),
            attempt in any::<u32>(),
            elapsed in duration(),
            jitter in any::<f64>(),
            after in proptest::option::of(duration()),
            status in any::<u16>(),
        ) {
            for outcome in [Outcome::NotSent, Outcome::Transport, Outcome::Status(status, after)] {
                for method in ["GET", "POST"] {
                    let _ = p.decide(attempt, method, outcome, elapsed, jitter);
                }
            }
        }

        #[test]
        fn h09_reset_times_never_panic(reset in any::<u64>(), now in any::<u64>(), remaining in any::<u64>()) {
            let mut headers = reqwest::header::HeaderMap::new();
            for (name, value) in [
                ("x-rate-limit-reset", reset),
                ("x-rate-limit-remaining", remaining),
                ("x-user-limit-24hour-reset", reset),
                ("x-user-limit-24hour-remaining", remaining % 2),
                ("x-app-limit-24hour-reset", reset / 2),
                ("x-app-limit-24hour-remaining", remaining % 3),
            ] {
                headers.insert(name, reqwest::header::HeaderValue::from(value));
            }
            let limit = RateLimit::from_headers(&headers);
            let now = UNIX_EPOCH.checked_add(Duration::from_secs(now)).unwrap_or(SystemTime::now());
            let wait = limit.reset_in(now).unwrap_or_default();
            let _ = limit.reset_at();
            let event = RateLimitEvent::new("op", "GET /x", wait, limit, true);
            for p in [RateLimitPolicy::default(), RateLimitPolicy::Error] {
                let _ = p.decide(&event, Duration::MAX);
            }
        }

        #[test]
        fn h09_retry_after_values_never_panic(value in ".{0,40}", now in any::<u64>()) {
            let now = UNIX_EPOCH.checked_add(Duration::from_secs(now)).unwrap_or(SystemTime::now());
            let _ = retry_after_value(&value, now);
        }

        #[test]
        fn h09_stream_back_off_never_panics(
            step in duration(), max in duration(), n in any::<u32>(), jitter in any::<f64>()
        ) {
            let config = StreamConfig::default()
                .network_step(step)
                .network_max(max)
                .http_initial(step)
                .http_max(max)
                .rate_limit_initial(step)
                .rate_limit_max(max)
                .jitter(jitter);
            for kind in [FailureKind::Network, FailureKind::Http, FailureKind::RateLimited] {
                let d = config.base_delay(kind, n);
                prop_assert!(d <= max.max(step));
                let _ = config.delay_with(kind, n, 0.999);
            }
        }
    }
}

// 10. Paths cannot be redirected: every path parameter of every operation.

#[tokio::test]
async fn h10_every_path_parameter_refuses_dot_segments() {
    use xapi::ops::{ParamLocation, OPERATIONS};
    use xapi_generated::runtime::RequestParts;
    let server = FaultServer::start(|_: &Request, _| Reply::json(200, "{}")).await;
    let client = client(&server);
    let mut checked = 0;
    for op in OPERATIONS {
        let path_params: Vec<_> = op
            .params
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
            .collect();
        for target in &path_params {
            for bad in [".", ".."] {
                let mut parts = RequestParts::new(op);
                for p in &path_params {
                    parts.set_path(
                        p.name,
                        if p.name == target.name { bad } else { "1" }.to_owned(),
                    );
                }
                match client.send_operation::<serde_json::Value>(op, parts).await {
                    // Refused for this value.
                    Err(Error::InvalidRequest {
                        parameter, rule, ..
                    }) if parameter == target.name && rule.contains("`.` or `..`") => checked += 1,
                    // Refused for another parameter checked first: still not sent.
                    Err(Error::InvalidRequest { parameter, .. }) if parameter != target.name => {}
                    other => panic!("{} {}={bad:?}: {:?}", op.id, target.name, other.map(|_| ())),
                }
            }
        }
    }
    assert!(
        checked > 100,
        "refused for the dot segment itself: {checked}"
    );
    assert_eq!(server.count(), 0, "nothing was sent");
}

// 8. Shared budgets are race-free.

/// A server that enforces a window of `LIMIT` requests per `WINDOW`
/// seconds of the wall clock (windows start at multiples of `WINDOW`, and
/// their reset is given in whole seconds, like the API's), and counts the
/// 429s it had to send. Real time: the client reads the reset against the
/// wall clock.
struct Window {
    index: u64,
    used: u32,
    refused: u32,
}

#[tokio::test]
async fn h08_tasks_sharing_a_budget_never_burn_a_429() {
    const LIMIT: u32 = 3;
    const WINDOW: u64 = 2;
    const TASKS: usize = 9;
    let state = Arc::new(Mutex::new(Window {
        index: 0,
        used: 0,
        refused: 0,
    }));
    let shared = state.clone();
    let server = FaultServer::start(move |_: &Request, _| {
        let Ok(mut w) = shared.lock() else {
            return Reply::json(500, "{}");
        };
        let index = now_secs() / WINDOW;
        if index != w.index {
            w.index = index;
            w.used = 0;
        }
        let reset = (index + 1) * WINDOW;
        let reply = if w.used < LIMIT {
            w.used += 1;
            Reply::json(200, POST)
        } else {
            w.refused += 1;
            Reply::json(429, r#"{"title": "Too Many Requests"}"#)
        };
        reply
            .header("x-rate-limit-limit", LIMIT.to_string())
            .header(
                "x-rate-limit-remaining",
                LIMIT.saturating_sub(w.used).to_string(),
            )
            .header("x-rate-limit-reset", reset.to_string())
    })
    .await;
    let (progress, waits) = retry_delays();
    let client = builder(&server).progress(progress).build().expect("client");
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { get_post(&client).await })
        })
        .collect();
    for task in tasks {
        let answer = tokio::time::timeout(Duration::from_secs(60), task).await;
        answer
            .expect("in time")
            .expect("joined")
            .expect("every task gets its answer");
    }
    let refused = state.lock().map(|w| w.refused).unwrap_or(u32::MAX);
    assert_eq!(refused, 0, "no task sent into a spent window");
    assert_eq!(server.count(), TASKS, "one request per task");
    let waits = waits.lock().map(|w| w.len()).unwrap_or_default();
    assert!(
        waits >= TASKS - LIMIT as usize,
        "the waits are reported: {waits}"
    );
}

// 11. Media uploads resume.

mod media {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use xapi::media::{MediaType, UploadError, MAX_CHUNK_SIZE};

    /// The segment index of a multipart append body.
    fn segment_of(body: &[u8]) -> Option<u64> {
        let text = String::from_utf8_lossy(body);
        let after = text.split("name=\"segment_index\"\r\n\r\n").nth(1)?;
        after.split("\r\n").next()?.trim().parse().ok()
    }

    #[tokio::test(start_paused = true)]
    async fn h11_an_interrupted_upload_resumes_where_it_stopped() {
        let broken = Arc::new(AtomicBool::new(true));
        let flag = broken.clone();
        let server = FaultServer::start(move |req: &Request, _| {
            let target = req.target.split('?').next().unwrap_or_default();
            match target {
                "/2/media/upload/initialize" => {
                    Reply::json(200, r#"{"data": {"id": "77", "media_key": "3_77"}}"#)
                }
                "/2/media/upload/77/append" => {
                    if segment_of(&req.body) == Some(1) && flag.load(Ordering::SeqCst) {
                        Reply::json(
                            400,
                            r#"{"title": "Invalid Request", "type": "about:blank"}"#,
                        )
                    } else {
                        Reply::json(200, "{}")
                    }
                }
                "/2/media/upload/77/finalize" => {
                    Reply::json(200, r#"{"data": {"id": "77", "size": 30}}"#)
                }
                _ => Reply::json(404, "{}"),
            }
        })
        .await;
        let client = builder(&server).no_timeouts().build().expect("client");
        let data: Vec<u8> = (0u8..30).collect();
        let error = client
            .media_upload()
            .media_type(MediaType::ImageJpeg)
            .chunk_size(10)
            .upload_bytes(data.clone())
            .await
            .expect_err("segment 1 is refused");
        let UploadError::Interrupted { resume, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(resume.media_id, "77");
        assert_eq!(resume.next_segment, 1);
        assert_eq!(error.request_error().and_then(Error::status), Some(400));
        let sent_before = server.count();

        broken.store(false, Ordering::SeqCst);
        let uploaded = client
            .media_upload()
            .media_type(MediaType::ImageJpeg)
            .resume(resume.clone())
            .upload_bytes(data.clone())
            .await
            .expect("resumed");
        assert_eq!(uploaded.id, "77");
        let after: Vec<Request> = server.requests().split_off(sent_before);
        let targets: Vec<&str> = after.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(
            targets,
            [
                "/2/media/upload/77/append",
                "/2/media/upload/77/append",
                "/2/media/upload/77/finalize"
            ],
            "no second initialize, no segment sent twice"
        );
        assert_eq!(segment_of(&after[0].body), Some(1));
        assert_eq!(segment_of(&after[1].body), Some(2));
        let holds = |body: &[u8], part: &[u8]| body.windows(part.len()).any(|w| w == part);
        assert!(
            holds(&after[0].body, &data[10..20]),
            "segment 1 carries bytes 10..20"
        );
        assert!(holds(&after[1].body, &data[20..30]));
    }

    #[tokio::test]
    async fn h11_chunks_over_the_limit_are_refused() {
        let server = FaultServer::start(|_: &Request, _| Reply::json(200, "{}")).await;
        let error = client(&server)
            .media_upload()
            .media_type(MediaType::ImageJpeg)
            .chunk_size(MAX_CHUNK_SIZE + 1)
            .upload_bytes(vec![0u8; 16])
            .await
            .expect_err("too large a chunk");
        assert!(error.to_string().contains("chunk_size"), "{error}");
        assert_eq!(server.count(), 0);
    }
}
