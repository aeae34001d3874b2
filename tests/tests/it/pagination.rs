//! Pagination, rate limits and retries against a loopback mock, under paused
//! time where waits matter (a 15-minute wait takes no real time).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xapi::progress::{Progress, ProgressEvent};
use xapi::retry::RetryPolicy;
use xapi::{Api, Client, Error};

const PAGES: usize = 100;
const PER_PAGE: usize = 10;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Page `n` (0-based) of a synthetic timeline: ten posts, their authors in
/// `includes.users` (two authors per page, repeated), and the next token.
fn page(n: usize) -> serde_json::Value {
    let posts: Vec<_> = (0..PER_PAGE)
        .map(|i| {
            let id = n * PER_PAGE + i;
            json!({"id": format!("{}", 1_000_000 + id), "text": format!("post {id}"), "author_id": format!("{}", 10 + id % 2)})
        })
        .collect();
    let mut body = json!({
        "data": posts,
        "includes": {"users": [{"id": "10", "username": "even"}, {"id": "11", "username": "odd"}]},
        "meta": {"result_count": PER_PAGE}
    });
    if n + 1 < PAGES {
        body["meta"]["next_token"] = json!(format!("tok{}", n + 1));
    }
    body
}

fn page_index(req: &Request) -> usize {
    req.url
        .query_pairs()
        .find(|(k, _)| k == "pagination_token")
        .and_then(|(_, v)| v.strip_prefix("tok").and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// Serves the synthetic timeline, with scripted failures for some requests.
struct Timeline {
    calls: AtomicUsize,
    tokens: Mutex<Vec<usize>>,
    script: Mutex<Vec<(usize, ResponseTemplate)>>,
}

impl Timeline {
    fn new(script: Vec<(usize, ResponseTemplate)>) -> Arc<Self> {
        Arc::new(Timeline {
            calls: AtomicUsize::new(0),
            tokens: Mutex::new(Vec::new()),
            script: Mutex::new(script),
        })
    }
}

/// Shared handle, so the test can read what the server saw.
#[derive(Clone)]
struct Shared(Arc<Timeline>);

impl Respond for Shared {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let t = &self.0;
        let call = t.calls.fetch_add(1, Ordering::SeqCst);
        let n = page_index(req);
        t.tokens.lock().expect("lock").push(n);
        let mut script = t.script.lock().expect("lock");
        if let Some(pos) = script.iter().position(|(at, _)| *at == call) {
            return script.remove(pos).1;
        }
        ResponseTemplate::new(200).set_body_json(page(n))
    }
}

async fn serve(timeline: Arc<Timeline>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/users/42/tweets"))
        .respond_with(Shared(timeline))
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer, progress: Option<Progress>) -> Client {
    xapi::tls::ensure_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("http client");
    let mut b = Client::builder()
        .bearer_token("t")
        .base_url(server.uri())
        .http_client(http)
        // Paused time runs ahead while the mock server (on its own threads)
        // answers: a deadline would pass at once.
        .no_timeouts();
    if let Some(p) = progress {
        b = b.progress(p);
    }
    b.build().expect("client")
}

#[tokio::test]
async fn hundred_pages_yield_every_item_once_in_order_with_includes() {
    let timeline = Timeline::new(vec![]);
    let server = serve(timeline.clone()).await;
    let progress = Progress::new();
    let client = client(&server, Some(progress.clone()));
    let mut items = client
        .users()
        .get_posts("42")
        .max_results(10)
        .pages()
        .items();
    let mut seen = 0usize;
    while let Some(item) = items.next().await {
        let item = item.expect("item");
        let post = item.get();
        assert_eq!(
            post.id.as_deref(),
            Some(format!("{}", 1_000_000 + seen).as_str()),
            "in order"
        );
        let author = item
            .author()
            .found()
            .and_then(|u| u.username.as_deref())
            .map(str::to_owned);
        assert_eq!(
            author.as_deref(),
            Some(if seen.is_multiple_of(2) {
                "even"
            } else {
                "odd"
            }),
            "join works per item"
        );
        seen += 1;
    }
    assert_eq!(seen, PAGES * PER_PAGE);
    assert_eq!(timeline.calls.load(Ordering::SeqCst), PAGES);
    assert_eq!(progress.pages(), PAGES as u64);
    assert_eq!(progress.items(), (PAGES * PER_PAGE) as u64);
}

#[tokio::test]
async fn a_pull_resumes_from_a_saved_token() {
    let timeline = Timeline::new(vec![]);
    let server = serve(timeline.clone()).await;
    let client = client(&server, None);
    // Read three pages, keep the token that continues after the third.
    let mut pages = client.users().get_posts("42").pages().max_pages(3);
    let mut saved = None;
    while let Some(p) = pages.next().await {
        saved = p.expect("page").next_token().map(str::to_owned);
    }
    let saved = saved.expect("a token after page 3");
    let rest: Vec<xapi::Text> = client
        .users()
        .get_posts("42")
        .pages()
        .resume_from(saved)
        .items()
        .map(|i| i.expect("item").get().id.clone().unwrap_or_default())
        .collect()
        .await;
    assert_eq!(
        rest.len(),
        (PAGES - 3) * PER_PAGE,
        "exactly the remaining items"
    );
    assert_eq!(rest.first().map(|t| t.as_str()), Some("1000030"));
    assert_eq!(rest.last().map(|t| t.as_str()), Some("1000999"));
}

#[tokio::test]
async fn max_items_and_stop_when_limit_a_pull() {
    let server = serve(Timeline::new(vec![])).await;
    let client = client(&server, None);
    let n = client
        .users()
        .get_posts("42")
        .pages()
        .items()
        .max_items(25)
        .count()
        .await;
    assert_eq!(n, 25);
    let ids: Vec<xapi::Text> = client
        .users()
        .get_posts("42")
        .pages()
        .items()
        .stop_when(|post: &xapi::models::Tweet| post.id.as_deref() == Some("1000017"))
        .map(|i| i.expect("item").get().id.clone().unwrap_or_default())
        .collect()
        .await;
    assert_eq!(ids.len(), 17);
}

#[tokio::test(start_paused = true)]
async fn a_429_waits_for_the_reset_and_resumes_at_the_same_token() {
    let reset = now_secs() + 900;
    let limited = ResponseTemplate::new(429)
        .insert_header("x-rate-limit-limit", "900")
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", reset.to_string().as_str())
        .set_body_json(json!({"title": "Too Many Requests", "status": 429, "type": "about:blank"}));
    let timeline = Timeline::new(vec![(3, limited)]);
    let server = serve(timeline.clone()).await;
    let progress = Progress::new();
    let client = client(&server, Some(progress.clone()));
    let start = tokio::time::Instant::now();
    let pages: Vec<_> = client
        .users()
        .get_posts("42")
        .pages()
        .max_pages(6)
        .collect()
        .await;
    assert!(pages.iter().all(Result::is_ok));
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(899) && waited <= Duration::from_secs(902),
        "waited {waited:?}"
    );
    let tokens = timeline.tokens.lock().expect("lock").clone();
    assert_eq!(
        tokens,
        vec![0, 1, 2, 3, 3, 4, 5],
        "the limited request is repeated with the same token"
    );
    assert_eq!(progress.waits(), 1);
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_budget_waits_before_sending() {
    let reset = now_secs() + 60;
    let last_one = ResponseTemplate::new(200)
        .insert_header("x-rate-limit-limit", "15")
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", reset.to_string().as_str())
        .set_body_json(page(0));
    let timeline = Timeline::new(vec![(0, last_one)]);
    let server = serve(timeline.clone()).await;
    let client = client(&server, None);
    let mut pages = client.users().get_posts("42").pages().max_pages(2);
    pages.next().await.expect("page 1").expect("ok");
    assert_eq!(
        client.rate_limits().first().and_then(|(_, l)| l.remaining),
        Some(0),
        "budget exposed"
    );
    let before = tokio::time::Instant::now();
    pages.next().await.expect("page 2").expect("ok");
    let waited = before.elapsed();
    assert!(
        waited >= Duration::from_secs(59) && waited <= Duration::from_secs(62),
        "waited {waited:?}"
    );
    assert_eq!(
        timeline.calls.load(Ordering::SeqCst),
        2,
        "no request burnt on a 429"
    );
}

#[tokio::test(start_paused = true)]
async fn server_errors_are_retried_with_growing_delays_honouring_retry_after() {
    let unavailable = |after: u64| {
        ResponseTemplate::new(503).insert_header("retry-after", after.to_string().as_str())
    };
    let timeline = Timeline::new(vec![
        (0, unavailable(1)),
        (1, unavailable(2)),
        (2, unavailable(4)),
    ]);
    let server = serve(timeline.clone()).await;
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d2 = delays.clone();
    let progress = Progress::with_callback(move |e| {
        if let ProgressEvent::Retry { delay, .. } = e {
            d2.lock().expect("lock").push(*delay);
        }
    });
    let client = client(&server, Some(progress));
    let page = client
        .users()
        .get_posts("42")
        .send()
        .await
        .expect("fourth attempt succeeds");
    assert_eq!(page.data().map(Vec::len), Some(PER_PAGE));
    assert_eq!(timeline.calls.load(Ordering::SeqCst), 4);
    let delays = delays.lock().expect("lock").clone();
    assert_eq!(
        delays,
        vec![
            Duration::from_secs(1),
            Duration::from_secs(2),
            Duration::from_secs(4)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn backoff_without_retry_after_stays_in_growing_windows() {
    let timeline = Timeline::new(vec![
        (0, ResponseTemplate::new(502)),
        (1, ResponseTemplate::new(504)),
    ]);
    let server = serve(timeline.clone()).await;
    let delays = Arc::new(Mutex::new(Vec::new()));
    let d2 = delays.clone();
    let progress = Progress::with_callback(move |e| {
        if let ProgressEvent::Retry { delay, .. } = e {
            d2.lock().expect("lock").push(*delay);
        }
    });
    let client = client(&server, Some(progress));
    client
        .users()
        .get_posts("42")
        .send()
        .await
        .expect("third attempt succeeds");
    let delays = delays.lock().expect("lock").clone();
    assert_eq!(delays.len(), 2);
    let base = RetryPolicy::default().base_delay;
    assert!(delays[0] <= base && delays[1] <= base * 2, "{delays:?}");
}

#[tokio::test(start_paused = true)]
async fn retries_give_up_at_the_cap_with_the_last_status() {
    let script = (0..10).map(|i| (i, ResponseTemplate::new(503))).collect();
    let timeline = Timeline::new(script);
    let server = serve(timeline.clone()).await;
    let client = client(&server, None);
    let err = client
        .users()
        .get_posts("42")
        .send()
        .await
        .expect_err("gives up");
    assert!(matches!(err, Error::GaveUp { attempts: 4, .. }), "{err:?}");
    assert_eq!(err.status(), Some(503), "the last status is kept");
    assert_eq!(timeline.calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn a_post_that_creates_content_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, None);
    let body = xapi::models::TweetCreateRequest {
        text: Some("hello".into()),
        ..Default::default()
    };
    let err = client
        .tweets()
        .create(body)
        .send()
        .await
        .expect_err("503 is returned");
    assert_eq!(err.status(), Some(503));
    assert!(matches!(err, Error::Api(_)), "{err:?}");
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn the_error_policy_returns_at_once() {
    let limited = ResponseTemplate::new(429).insert_header(
        "x-rate-limit-reset",
        (now_secs() + 900).to_string().as_str(),
    );
    let timeline = Timeline::new(vec![(0, limited)]);
    let server = serve(timeline.clone()).await;
    xapi::tls::ensure_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("http");
    let client = Client::builder()
        .base_url(server.uri())
        .http_client(http)
        .no_timeouts()
        .rate_limit_policy(xapi::rate_limit::RateLimitPolicy::Error)
        .build()
        .expect("client");
    let start = tokio::time::Instant::now();
    let err = client
        .users()
        .get_posts("42")
        .send()
        .await
        .expect_err("rate limited");
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(timeline.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn archive_replay_reads_pages_with_line_numbers_in_errors() {
    let dir = std::env::temp_dir().join(format!("xapi-archive-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("pull.jsonl");
    let mut text = String::new();
    for n in 0..10_000 {
        text.push_str(&page(n % PAGES).to_string());
        text.push('\n');
    }
    std::fs::write(&file, &text).expect("write");
    let mut count = 0;
    let mut joined = 0;
    let mut pages = Box::pin(xapi::archive::replay::<
        xapi::models::Get2UsersIdTweetsResponse,
    >(&file));
    while let Some(p) = pages.next().await {
        let p = p.expect("page");
        count += 1;
        let first = p.data().and_then(|d| d.first()).expect("a post");
        if p.author(first).is_found() {
            joined += 1;
        }
    }
    assert_eq!((count, joined), (10_000, 10_000));

    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        format!("{}\n\n{{\"data\": [{{\"id\": {{}}}}]}}\n", page(0)),
    )
    .expect("write");
    let results: Vec<_> = xapi::archive::replay::<xapi::models::Get2UsersIdTweetsResponse>(&bad)
        .collect()
        .await;
    assert_eq!(results.len(), 2);
    let err = results[1].as_ref().expect_err("line 3 is bad");
    assert_eq!(err.line, 3);
    assert!(err.reason.contains("data[0].id"), "{}", err.reason);
    let _ = std::fs::remove_dir_all(&dir);
}
