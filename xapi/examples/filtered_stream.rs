//! Filtered stream: make the rules match a desired set, then print matching
//! posts with their authors and the rules they matched.
//!
//! ```text
//! cargo run --example filtered_stream                 # embedded mock, no token needed
//! X_BEARER_TOKEN=… cargo run --example filtered_stream  # the real API (or XAPI_BASE_URL)
//! ```
//!
//! Stop it with Ctrl-C; with the mock it stops after the sample messages.

use futures::StreamExt;
use xapi::fields::{TweetExpansion, TweetField, UserField};
use xapi::rules::NewRule;
use xapi::stream::StreamEvent;
use xapi::{Api, Client};

const SAMPLE: &str = include_str!("../../tests/fixtures/streamPosts/200_matching_rules.jsonl");

async fn start_mock() -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let server = wiremock::MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/stream/rules"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"id": "1790000000000000901", "value": "cats has:images", "tag": "cats"}],
            "meta": {"sent": "2025-05-14T10:00:00.000Z", "result_count": 1}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets/search/stream/rules"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": [{"id": "1790000000000000902", "value": "#RustLang -is:retweet", "tag": "rust"}],
            "meta": {"sent": "2025-05-14T10:00:01.000Z", "summary": {"created": 1, "not_created": 0, "valid": 1, "invalid": 0}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/stream"))
        .respond_with(ResponseTemplate::new(200).set_body_string(SAMPLE.replace('\n', "\r\n")))
        .mount(&server)
        .await;
    server
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("X_BEARER_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let mut _mock = None;
    let (client, limit) = match token {
        Some(token) => (Client::builder().bearer_token(token).build()?, usize::MAX),
        None => {
            let server = start_mock().await;
            println!(
                "X_BEARER_TOKEN is not set: using the embedded mock at {}\n",
                server.uri()
            );
            let client = Client::builder()
                .bearer_token("mock-token")
                .base_url(server.uri())
                .build()?;
            _mock = Some(server);
            (
                client,
                SAMPLE.lines().filter(|l| !l.trim().is_empty()).count(),
            )
        }
    };

    let desired = [NewRule::tagged("#RustLang -is:retweet", "rust")];
    let (plan, change) = client.rules().sync(&desired, false).await?;
    println!(
        "rules: {} kept, {} deleted, {} added ({} calls)\n",
        plan.unchanged,
        change.deleted.len(),
        change.created.len(),
        change.calls
    );

    let mut stream = client
        .stream()
        .posts()
        .tweet_fields([TweetField::CreatedAt, TweetField::AuthorId])
        .expansions([TweetExpansion::AuthorId])
        .user_fields([UserField::Username])
        .stream();
    let mut shown = 0;
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::Connected { attempt } => println!("(connected, attempt {attempt})"),
            StreamEvent::Disconnected { reason } => println!("(disconnected: {reason})"),
            StreamEvent::Reconnecting { attempt, delay } => {
                println!("(reconnecting: attempt {attempt} in {delay:?})")
            }
            StreamEvent::Message(message) => {
                let Some(post) = message.data.as_ref() else {
                    continue;
                };
                let who = message
                    .author(post)
                    .found()
                    .and_then(|u| u.username.as_deref())
                    .unwrap_or("?");
                let tags: Vec<&str> = message
                    .matching_rules
                    .iter()
                    .flatten()
                    .filter_map(|r| r.tag.as_deref())
                    .collect();
                println!(
                    "@{who} [{}]: {}",
                    tags.join(", "),
                    post.text.as_deref().unwrap_or("")
                );
                shown += 1;
                if shown >= limit {
                    break;
                }
            }
            _ => {}
        }
    }
    Ok(())
}
