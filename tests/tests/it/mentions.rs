//! Polling for mentions and replies against a mock on 127.0.0.1 that serves
//! a growing timeline, newest first, in pages: posts come oldest first, the
//! `since_id` survives a restart through the file store, and the second run
//! yields nothing the first one did and skips nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xapi::mentions::{FileSinceIdStore, MemorySinceIdStore, Watch};
use xapi::Client;

const USER: &str = "42";

/// Serves the post ids of `timeline` newer than `since_id`, newest first,
/// `max_results` per page, continued with `pagination_token`/`next_token`
/// (the offset into the answer).
#[derive(Clone)]
struct Timeline {
    posts: Arc<Mutex<Vec<u64>>>,
}

impl Respond for Timeline {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let since: u64 = get("since_id").and_then(|s| s.parse().ok()).unwrap_or(0);
        let size: usize = get("max_results")
            .and_then(|s| s.parse().ok())
            .unwrap_or(10);
        let offset: usize = get("pagination_token")
            .or_else(|| get("next_token"))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut newer: Vec<u64> = self
            .posts
            .lock()
            .expect("test setup")
            .iter()
            .copied()
            .filter(|id| *id > since)
            .collect();
        newer.sort_unstable_by(|a, b| b.cmp(a));
        let page: Vec<Value> = newer
            .iter()
            .skip(offset)
            .take(size)
            .map(|id| json!({ "id": id.to_string(), "text": format!("post {id}") }))
            .collect();
        let mut meta = json!({ "result_count": page.len() });
        if offset + size < newer.len() {
            meta["next_token"] = json!((offset + size).to_string());
        }
        let mut body = json!({ "meta": meta });
        if !page.is_empty() {
            body["data"] = Value::Array(page);
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn server(path_pattern: &str, ids: std::ops::RangeInclusive<u64>) -> (MockServer, Timeline) {
    let server = MockServer::start().await;
    let timeline = Timeline {
        posts: Arc::new(Mutex::new(ids.collect())),
    };
    Mock::given(method("GET"))
        .and(path(path_pattern))
        .respond_with(timeline.clone())
        .mount(&server)
        .await;
    (server, timeline)
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .bearer_token("token")
        .base_url(server.uri())
        .build()
        .expect("client builds")
}

/// The ids of the first `n` posts of `watch` (failing on an error).
async fn take_ids(watch: Watch, n: usize) -> Vec<u64> {
    let posts = tokio::time::timeout(
        Duration::from_secs(20),
        watch.stream().take(n).collect::<Vec<_>>(),
    )
    .await
    .expect("the posts arrive (hang guard)");
    posts
        .into_iter()
        .map(|p| {
            p.expect("a post")
                .id
                .expect("an id")
                .parse::<u64>()
                .expect("numeric")
        })
        .collect()
}

#[tokio::test]
async fn mentions_restart_yields_no_duplicate_and_skips_nothing() {
    let mentions = format!("/2/users/{USER}/mentions");
    let (server, timeline) = server(&mentions, 101..=112).await;
    let dir = std::env::temp_dir().join(format!("xapi-it-mentions-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("since_id");
    let _ = std::fs::remove_file(&file);
    let watch = || {
        Watch::mentions(client(&server), USER, FileSinceIdStore::new(&file))
            .min_interval(Duration::ZERO)
            .page_size(5)
    };

    // First run: 12 posts over three pages, stopped after 7.
    let first = take_ids(watch(), 7).await;
    assert_eq!(first, (101..=107).collect::<Vec<_>>());
    assert_eq!(
        std::fs::read_to_string(&file).expect("the store was written"),
        "107\n"
    );

    // New mentions arrive while the program is down.
    timeline.posts.lock().expect("test setup").extend(113..=115);

    // Second run, a new stream on the same file.
    let second = take_ids(watch(), 8).await;
    assert_eq!(second, (108..=115).collect::<Vec<_>>());
    let mut all = first.clone();
    all.extend(&second);
    let mut unique = all.clone();
    unique.dedup();
    assert_eq!(all, unique, "a post came twice");
    assert_eq!(all, (101..=115).collect::<Vec<_>>(), "a post was skipped");

    // The second run asked only for what came after the saved id.
    let requests = server.received_requests().await.expect("recorded");
    let first_of_second = requests
        .iter()
        .filter(|r| r.url.query_pairs().all(|(k, _)| k != "pagination_token"))
        .nth(1)
        .expect("a second run");
    assert!(first_of_second
        .url
        .query_pairs()
        .any(|(k, v)| k == "since_id" && v == "107"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn new_posts_are_picked_up_by_later_rounds() {
    let (server, timeline) = server("/2/tweets/search/recent", 201..=203).await;
    let store = Arc::new(MemorySinceIdStore::default());
    let mut stream = Watch::replies(client(&server), "200", Arc::clone(&store))
        .min_interval(Duration::ZERO)
        .page_size(10)
        .stream();
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while seen.len() < 6 {
            let post = stream.next().await.expect("endless").expect("a post");
            let id: u64 = post.id.expect("id").parse().expect("numeric");
            seen.push(id);
            if id == 203 {
                timeline
                    .posts
                    .lock()
                    .expect("test setup")
                    .extend([204, 205, 206]);
            }
        }
    })
    .await
    .expect("the posts arrive (hang guard)");
    assert_eq!(seen, [201, 202, 203, 204, 205, 206]);
    assert_eq!(store.get().as_deref(), Some("206"));
    let requests = server.received_requests().await.expect("recorded");
    assert!(requests.iter().all(|r| r
        .url
        .query_pairs()
        .any(|(k, v)| k == "query" && v == "conversation_id:200")));
}
