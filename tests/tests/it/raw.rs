//! The positional client (`client.raw()`) goes through the same send path as
//! the fluent builders: validation, the rate-limit budget, retries and the
//! credentials. A mock server on 127.0.0.1 counts what arrives.

use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::rate_limit::RateLimitPolicy;
use xapi::retry::RetryPolicy;
use xapi::{Api, Client};
use xapi_generated::runtime::CsvList;

const POST: &str = r#"{"data": {"id": "20", "text": "hello", "edit_history_tweet_ids": ["20"]}}"#;

fn client(server: &MockServer, rate: RateLimitPolicy) -> Client {
    Client::builder()
        .bearer_token("t")
        .base_url(server.uri())
        .retry_policy(
            RetryPolicy::default()
                .base_delay(Duration::from_millis(1))
                .max_delay(Duration::from_millis(5)),
        )
        .rate_limit_policy(rate)
        .build()
        .expect("client")
}

async fn received(server: &MockServer) -> usize {
    server.received_requests().await.map_or(0, |r| r.len())
}

async fn get_post(client: &Client) -> Result<(), String> {
    let id: xapi::Text = "20".into();
    client
        .raw()
        .get_posts_by_id(&id, None, None, None, None, None, None)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn raw_requests_retry_server_errors_like_fluent_ones() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/20"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/20"))
        .respond_with(ResponseTemplate::new(200).set_body_string(POST))
        .with_priority(2)
        .mount(&server)
        .await;
    let client = client(&server, RateLimitPolicy::default());
    get_post(&client).await.expect("the third attempt succeeds");
    assert_eq!(received(&server).await, 3);
    let auth = server.received_requests().await.unwrap_or_default();
    assert!(auth.iter().all(|r| r
        .headers
        .get("authorization")
        .is_some_and(|v| v == "Bearer t")));
}

#[tokio::test]
async fn raw_requests_give_up_with_the_last_answer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string(r#"{"title": "Service Unavailable"}"#),
        )
        .mount(&server)
        .await;
    let client = client(&server, RateLimitPolicy::default());
    let err = get_post(&client).await.expect_err("gives up");
    assert!(err.contains("503"), "{err}");
    assert_eq!(
        received(&server).await,
        4,
        "the default policy's four tries"
    );
}

#[tokio::test]
async fn raw_requests_respect_a_spent_budget() {
    let server = MockServer::start().await;
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 600;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(POST)
                .insert_header("x-rate-limit-limit", "1")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string().as_str()),
        )
        .mount(&server)
        .await;
    let client = client(&server, RateLimitPolicy::Error);
    get_post(&client).await.expect("the budget's last request");
    let err = get_post(&client).await.expect_err("the budget is spent");
    assert!(err.contains("rate limit"), "{err}");
    assert_eq!(
        received(&server).await,
        1,
        "the refused request was not sent"
    );
    // The budget is shared with the fluent builders.
    let fluent = client.tweets().get_by_id("20").send().await;
    assert!(fluent.is_err());
    assert_eq!(received(&server).await, 1);
}

#[tokio::test]
async fn raw_requests_are_validated_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"data": []}"#))
        .mount(&server)
        .await;
    let client = client(&server, RateLimitPolicy::default());
    // 101 ids: over the document's limit of 100.
    let ids: CsvList<xapi::Text> =
        CsvList((0..101).map(|i| format!("{}", 100 + i).into()).collect());
    let err = client
        .raw()
        .get_posts_by_ids(None, &ids, None, None, None, None, None)
        .await
        .map(|_| ())
        .expect_err("too many ids");
    assert!(err.to_string().contains("ids"), "{err}");
    // An id that is not digits.
    let ids: CsvList<xapi::Text> = CsvList(vec!["not-an-id".into()]);
    let err = client
        .raw()
        .get_posts_by_ids(None, &ids, None, None, None, None, None)
        .await
        .map(|_| ())
        .expect_err("bad id");
    assert!(err.to_string().contains("ids"), "{err}");
    assert_eq!(received(&server).await, 0, "nothing invalid was sent");
    let ids: CsvList<xapi::Text> = CsvList(vec!["20".into(), "21".into()]);
    client
        .raw()
        .get_posts_by_ids(None, &ids, None, None, None, None, None)
        .await
        .expect("valid ids are sent");
    assert_eq!(received(&server).await, 1);
}
