//! Threads against a mock on 127.0.0.1: each post replies to the one before,
//! nothing is sent when any item is invalid, and a thread that failed on its
//! third post resumes without posting anything twice.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xapi::posts::NewPost;
use xapi::{Client, Error};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .bearer_token("user-context-token")
        .base_url(server.uri())
        .build()
        .expect("client builds")
}

/// Creates posts with ids 9000000000000000001, …002, …; the attempts whose
/// numbers (1-based) are in `fail_on` get a 503 and create nothing.
struct Poster {
    attempts: AtomicUsize,
    created: AtomicUsize,
    fail_on: Vec<usize>,
}

impl Respond for Poster {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if self.fail_on.contains(&attempt) {
            return ResponseTemplate::new(503).set_body_json(json!({
                "title": "Service Unavailable", "detail": "injected", "type": "about:blank"
            }));
        }
        let n = self.created.fetch_add(1, Ordering::SeqCst) + 1;
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        ResponseTemplate::new(201).set_body_json(json!({
            "data": { "id": format!("90000000000000000{n:02}"), "text": body["text"] }
        }))
    }
}

async fn server(fail_on: Vec<usize>) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .respond_with(Poster {
            attempts: AtomicUsize::new(0),
            created: AtomicUsize::new(0),
            fail_on,
        })
        .mount(&server)
        .await;
    server
}

/// (text, in_reply_to) of every request the server received.
async fn sent(server: &MockServer) -> Vec<(String, Option<String>)> {
    server
        .received_requests()
        .await
        .expect("requests are recorded")
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("JSON body");
            (
                body["text"].as_str().unwrap_or_default().to_owned(),
                body["reply"]["in_reply_to_tweet_id"]
                    .as_str()
                    .map(str::to_owned),
            )
        })
        .collect()
}

fn items(n: usize) -> Vec<NewPost> {
    (1..=n)
        .map(|i| NewPost::text(format!("{i}/{n} part {i}")))
        .collect()
}

fn id(n: usize) -> String {
    format!("90000000000000000{n:02}")
}

#[tokio::test]
async fn each_post_replies_to_the_previous() {
    let server = server(vec![]).await;
    let mut thread = items(3);
    thread[0] = NewPost::text("1/3 part 1").reply_to("1234");
    let ids = client(&server)
        .post_thread(thread)
        .await
        .expect("the thread is posted");
    assert_eq!(ids, [id(1), id(2), id(3)]);
    assert_eq!(
        sent(&server).await,
        [
            ("1/3 part 1".to_owned(), Some("1234".to_owned())),
            ("2/3 part 2".to_owned(), Some(id(1))),
            ("3/3 part 3".to_owned(), Some(id(2))),
        ]
    );
}

#[tokio::test]
async fn an_invalid_item_sends_nothing() {
    let server = crate::server_expecting_nothing().await;
    let mut thread = items(4);
    thread[3] = NewPost::text("x".repeat(300));
    let failed = client(&server)
        .post_thread(thread)
        .await
        .expect_err("refused");
    assert!(failed.posted.is_empty());
    assert!(!failed.maybe_posted());
    match &failed.source {
        Error::InvalidRequest { parameter, .. } => assert_eq!(parameter, "items[3].text"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(sent(&server).await.is_empty());
}

#[tokio::test]
async fn failure_on_the_third_post_resumes_without_duplicates() {
    let server = server(vec![3]).await;
    let client = client(&server);
    let failed = client
        .post_thread(items(5))
        .await
        .expect_err("the third post fails");
    assert_eq!(failed.posted, [id(1), id(2)]);
    assert_eq!(failed.failed_item, 2);
    assert_eq!(failed.source.status(), Some(503));
    assert!(!failed.maybe_posted());
    assert!(failed.to_string().contains(&id(2)), "{failed}");

    let ids = client
        .resume_thread(items(5), failed.posted)
        .await
        .expect("the rest is posted");
    assert_eq!(ids, [id(1), id(2), id(3), id(4), id(5)]);

    let sent = sent(&server).await;
    // The failed attempt, then the rest: the first two are not sent again.
    assert_eq!(
        sent,
        [
            ("1/5 part 1".to_owned(), None),
            ("2/5 part 2".to_owned(), Some(id(1))),
            ("3/5 part 3".to_owned(), Some(id(2))),
            ("3/5 part 3".to_owned(), Some(id(2))),
            ("4/5 part 4".to_owned(), Some(id(3))),
            ("5/5 part 5".to_owned(), Some(id(4))),
        ]
    );
    // Every text was created exactly once (the 503 created nothing).
    let mut created: Vec<&str> = sent
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 2)
        .map(|(_, (text, _))| text.as_str())
        .collect();
    created.dedup();
    assert_eq!(created.len(), 5);
}

#[tokio::test]
async fn resuming_a_finished_thread_sends_nothing() {
    let server = server(vec![]).await;
    let done = vec![id(1), id(2)];
    let ids = client(&server)
        .resume_thread(items(2), done.clone())
        .await
        .expect("nothing to do");
    assert_eq!(ids, done);
    assert!(sent(&server).await.is_empty());
}
