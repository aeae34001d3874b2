//! Rule sync against a mock: exactly the calls the difference needs.

use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::rules::NewRule;
use xapi::Client;

async fn server_with(current: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/stream/rules"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": current, "meta": {"sent": "2025-05-14T10:00:00.000Z", "result_count": 3}})))
        .expect(1)
        .mount(&server)
        .await;
    server
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .bearer_token("t")
        .base_url(server.uri())
        .build()
        .expect("client")
}

#[tokio::test]
async fn sync_deletes_then_adds_in_one_call_each() {
    let server = server_with(json!([
        {"id": "1", "value": "#RustLang", "tag": "rust"},
        {"id": "2", "value": "cats", "tag": null},
        {"id": "3", "value": "golang", "tag": "go"}
    ]))
    .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets/search/stream/rules"))
        .and(body_json(json!({"delete": {"ids": ["2", "3"]}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"meta": {"sent": "x", "summary": {"deleted": 2, "not_deleted": 0}}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets/search/stream/rules"))
        .and(body_json(json!({"add": [{"value": "golang", "tag": "go-lang"}, {"value": "zig", "tag": "zig"}]})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "data": [{"id": "4", "value": "golang", "tag": "go-lang"}, {"id": "5", "value": "zig", "tag": "zig"}],
            "meta": {"sent": "x", "summary": {"created": 2, "not_created": 0, "valid": 2, "invalid": 0}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let desired = [
        NewRule::tagged("#RustLang", "rust"),
        NewRule::tagged("golang", "go-lang"),
        NewRule::tagged("zig", "zig"),
    ];
    let (plan, change) = client(&server)
        .rules()
        .sync(&desired, false)
        .await
        .expect("sync");
    assert_eq!(plan.unchanged, 1);
    assert_eq!(change.deleted, ["2", "3"]);
    assert_eq!(change.created.len(), 2);
    assert_eq!(change.calls, 3, "one list, one delete, one add");
    server.verify().await;
}

#[tokio::test]
async fn sync_with_nothing_to_change_only_lists() {
    let server = server_with(json!([{"id": "1", "value": "#RustLang", "tag": "rust"}])).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let (plan, change) = client(&server)
        .rules()
        .sync(&[NewRule::tagged("#RustLang", "rust")], false)
        .await
        .expect("sync");
    assert!(plan.is_empty());
    assert_eq!(change.calls, 1);
    server.verify().await;
}

#[tokio::test]
async fn dry_run_validates_and_rule_errors_name_the_rule() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/tweets/search/stream/rules"))
        .and(query_param("dry_run", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "meta": {"sent": "x", "summary": {"created": 0, "not_created": 1, "valid": 0, "invalid": 1}},
            "errors": [{"value": "from:", "id": "", "title": "UnprocessableEntity", "type": "https://api.twitter.com/2/problems/invalid-rules", "detail": "There were errors processing your request: no value after 'from:'"}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let change = client(&server)
        .rules()
        .add(&[NewRule::new("from:")], true)
        .await
        .expect("answered");
    assert_eq!(change.failures.len(), 1);
    let err = change.into_result().expect_err("refused");
    let text = err.to_string();
    assert!(
        text.contains("\"from:\"") && text.contains("no value"),
        "{text}"
    );
    server.verify().await;
}
