//! A webhook receiver for the Account Activity API: answers X's
//! challenge-response check (`GET /webhook?crc_token=…`) and accepts POSTed
//! deliveries only when their `x-twitter-webhooks-signature` is right.
//!
//! ```text
//! cargo run --example webhook_server                       # a demo on 127.0.0.1, no secret needed
//! X_CONSUMER_SECRET=… WEBHOOK_ADDR=127.0.0.1:8080 cargo run --example webhook_server
//! ```
//!
//! Without `X_CONSUMER_SECRET`, the server starts on a free loopback port
//! with a made-up secret and sends itself a check and two deliveries (one
//! signed, one not), printing what happened. With it, the server listens on
//! `WEBHOOK_ADDR` (default `127.0.0.1:8080`) until Ctrl-C; put it behind
//! the HTTPS URL you register with X.

use std::future::IntoFuture;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio::sync::mpsc;
use xapi::webhooks::{
    crc_reply_json, verify_signature, ActivityEnvelope, ActivityEvent, SIGNATURE_HEADER,
};

/// What the handlers share: the secret, and where verified deliveries go.
#[derive(Clone)]
struct Hooks {
    consumer_secret: Arc<str>,
    deliveries: mpsc::Sender<ActivityEnvelope>,
}

#[derive(serde::Deserialize)]
struct Crc {
    crc_token: Option<String>,
}

/// `GET /webhook?crc_token=…`: the challenge-response check.
async fn crc(State(hooks): State<Hooks>, Query(query): Query<Crc>) -> Response {
    match query.crc_token {
        Some(token) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            crc_reply_json(&hooks.consumer_secret, &token),
        )
            .into_response(),
        None => (StatusCode::BAD_REQUEST, "missing crc_token").into_response(),
    }
}

/// `POST /webhook`: a delivery, checked against its signature over the raw
/// body before anything else looks at it.
async fn deliver(State(hooks): State<Hooks>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !verify_signature(&hooks.consumer_secret, &body, signature) {
        return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
    }
    match ActivityEnvelope::from_slice(&body) {
        Ok(envelope) => {
            // A full queue drops nothing silently: the sender is told to retry.
            match hooks.deliveries.try_send(envelope) {
                Ok(()) => StatusCode::OK.into_response(),
                Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
            }
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

/// The routes, for `axum::serve` or a test.
fn router(consumer_secret: &str, deliveries: mpsc::Sender<ActivityEnvelope>) -> Router {
    let hooks = Hooks {
        consumer_secret: Arc::from(consumer_secret),
        deliveries,
    };
    Router::new()
        .route("/webhook", get(crc).post(deliver))
        .with_state(hooks)
}

fn describe(envelope: &ActivityEnvelope) {
    let user = envelope.for_user_id.as_deref().unwrap_or("?");
    for event in &envelope.events {
        match event {
            ActivityEvent::PostCreate(post) => println!(
                "for {user}: post {} by @{}: {}",
                post.id_str.as_deref().unwrap_or("?"),
                post.user
                    .as_ref()
                    .and_then(|u| u.screen_name.as_deref())
                    .unwrap_or("?"),
                post.text.as_deref().unwrap_or("")
            ),
            ActivityEvent::DirectMessage(dm) => println!(
                "for {user}: message from {}: {}",
                dm.sender_id().unwrap_or("?"),
                dm.text().unwrap_or("")
            ),
            other => println!("for {user}: {} event", other.kind()),
        }
    }
}

/// Sends the server at `base` a check and two deliveries, as X would.
async fn demo(base: &str, secret: &str) -> Result<(), Box<dyn std::error::Error>> {
    xapi::tls::ensure_provider();
    let http = reqwest::Client::new();
    let reply = http
        .get(format!("{base}/webhook?crc_token=demo-token"))
        .send()
        .await?;
    println!("CRC check: {} {}", reply.status(), reply.text().await?);
    let body = r#"{"for_user_id":"2244994945","tweet_create_events":[{"id_str":"1790000000000000001","text":"@demo hi","user":{"id_str":"11","screen_name":"alice"}}]}"#;
    for (label, signature) in [
        ("signed", xapi::webhooks::crc_response(secret, body)),
        ("forged", "sha256=AAAA".to_owned()),
    ] {
        let status = http
            .post(format!("{base}/webhook"))
            .header(SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await?
            .status();
        println!("{label} delivery: {status}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tx, mut rx) = mpsc::channel(64);
    let printer = tokio::spawn(async move {
        while let Some(envelope) = rx.recv().await {
            describe(&envelope);
        }
    });
    match std::env::var("X_CONSUMER_SECRET") {
        Ok(secret) if !secret.is_empty() => {
            let addr = std::env::var("WEBHOOK_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            println!("listening on http://{addr}/webhook (Ctrl-C stops)");
            axum::serve(listener, router(&secret, tx))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        _ => {
            let secret = "demo-consumer-secret";
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            let server = tokio::spawn(axum::serve(listener, router(secret, tx)).into_future());
            demo(&base, secret).await?;
            server.abort();
        }
    }
    let _ = printer.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const SECRET: &str = "test-consumer-secret";

    /// Starts the router on 127.0.0.1 and returns its base URL and the
    /// receiving end of the deliveries.
    async fn start() -> (String, mpsc::Receiver<ActivityEnvelope>) {
        let (tx, rx) = mpsc::channel(8);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("test setup");
        let base = format!("http://{}", listener.local_addr().expect("test setup"));
        tokio::spawn(axum::serve(listener, router(SECRET, tx)).into_future());
        (base, rx)
    }

    fn http() -> reqwest::Client {
        xapi::tls::ensure_provider();
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("test setup")
    }

    #[tokio::test]
    async fn answers_the_crc_check() {
        let (base, _rx) = start().await;
        let reply = http()
            .get(format!("{base}/webhook"))
            .query(&[("crc_token", "abc/+= token")])
            .send()
            .await
            .expect("test setup");
        assert_eq!(reply.status(), 200);
        assert_eq!(
            reply.headers()["content-type"]
                .to_str()
                .expect("test setup"),
            "application/json"
        );
        let json: serde_json::Value = reply.json().await.expect("test setup");
        assert_eq!(
            json,
            serde_json::json!({ "response_token": xapi::webhooks::crc_response(SECRET, "abc/+= token") })
        );
        let missing = http()
            .get(format!("{base}/webhook"))
            .send()
            .await
            .expect("test setup");
        assert_eq!(missing.status(), 400);
    }

    #[tokio::test]
    async fn accepts_signed_deliveries_only() {
        let (base, mut rx) = start().await;
        let body = r#"{"for_user_id":"7","follow_events":[{"type":"follow","source":{"id":"8"},"target":{"id":"7"}}]}"#;
        let post = |signature: Option<String>| {
            let mut request = http().post(format!("{base}/webhook")).body(body);
            if let Some(signature) = signature {
                request = request.header(SIGNATURE_HEADER, signature);
            }
            request.send()
        };
        let good = xapi::webhooks::crc_response(SECRET, body);
        for bad in [
            None,
            Some("sha256=".to_owned()),
            Some("nonsense".to_owned()),
            Some(xapi::webhooks::crc_response("another secret", body)),
        ] {
            assert_eq!(
                post(bad.clone()).await.expect("test setup").status(),
                401,
                "{bad:?}"
            );
        }
        assert!(rx.try_recv().is_err(), "an unsigned delivery got through");
        assert_eq!(post(Some(good)).await.expect("test setup").status(), 200);
        let envelope = rx.recv().await.expect("test setup");
        assert_eq!(envelope.for_user_id.as_deref(), Some("7"));
        assert!(matches!(
            &envelope.events[..],
            [ActivityEvent::Follow(f)] if f.kind.as_deref() == Some("follow")
        ));
    }
}
