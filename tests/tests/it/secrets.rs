//! Secrets (tokens, consumer and token secrets, OAuth 1.0a signatures) never
//! appear in `Debug` or `Display` output, in errors, or in traces. This test
//! has a binary of its own so that its subscriber sees every trace event.

use std::sync::{Arc, Mutex};

use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::{Api, Client};

const TOKEN: &str = "AAAA-secret-bearer-token-0123456789";

/// A writer that keeps everything the tracing subscriber prints.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_appear_in_debug_errors_or_traces() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .expect("the only subscriber of this binary");

    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"title": "Unauthorized", "type": "about:blank", "status": 401}),
            ),
        )
        .mount(&server)
        .await;
    let oauth1 = xapi::auth::OAuth1Credentials::new(
        "consumer-key",
        "CONSUMER-SECRET-xyz",
        "token-id",
        "TOKEN-SECRET-xyz",
    );
    let secrets = [
        TOKEN,
        "CONSUMER-SECRET-xyz",
        "TOKEN-SECRET-xyz",
        "APP-SECRET-abc",
    ];
    let mut printed = String::new();
    for credentials in [
        xapi::auth::Credentials::bearer(TOKEN),
        xapi::auth::Credentials::OAuth1(oauth1),
        xapi::auth::Credentials::app_only("app-key", "APP-SECRET-abc"),
    ] {
        printed.push_str(&format!("{credentials:?}\n"));
        let client = Client::builder()
            .credentials(credentials)
            .base_url(server.uri())
            .build()
            .expect("client");
        printed.push_str(&format!("{client:?}\n"));
        let err = client
            .users()
            .get_me()
            .send()
            .await
            .expect_err("401 or token failure");
        printed.push_str(&format!("{err:?}\n{err}\n"));
    }
    // The OAuth 1.0a signature is a secret too: it must not leak in traces.
    let requests = server.received_requests().await.unwrap_or_default();
    let signature = requests
        .iter()
        .filter_map(|r| {
            r.headers
                .get("authorization")?
                .to_str()
                .ok()
                .map(str::to_owned)
        })
        .find(|h| h.starts_with("OAuth "))
        .and_then(|h| {
            h.split("oauth_signature=\"")
                .nth(1)
                .map(|s| s.split('"').next().unwrap_or("").to_owned())
        })
        .expect("a signed request was sent");
    let traces = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(
        traces.contains("xapi.request"),
        "the request span is traced: {traces}"
    );
    for secret in secrets.iter().copied().chain([signature.as_str()]) {
        assert!(!printed.contains(secret), "{secret} printed in:\n{printed}");
        assert!(!traces.contains(secret), "{secret} traced");
    }
}
