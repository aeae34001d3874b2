//! Compressed answers: the client asks for gzip and brotli, decodes either,
//! applies the body cap to what the body inflates to, and asks for neither
//! with `compression(false)`. The cap on inflated bodies is fault 3
//! (`faults::h03_a_small_*_body_inflating_past_the_cap_is_refused`).

use std::io::Write;

use xapi::{Api, Client, Error};
use xapi_tests::fault_server::{Body, FaultServer, Reply, Request};

const POST: &str =
    r#"{"data": {"id": "20", "text": "squeezed", "edit_history_tweet_ids": ["20"]}}"#;

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("compresses");
    encoder.finish().expect("compresses")
}

pub(crate) fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        encoder.write_all(data).expect("compresses");
    }
    out
}

pub(crate) fn compressed(encoding: &'static str, body: Vec<u8>) -> Reply {
    Reply::json(200, "")
        .header("content-encoding", encoding)
        .body(Body::Full(body))
}

fn client(server: &FaultServer) -> xapi::ClientBuilder {
    Client::builder()
        .bearer_token("t")
        .base_url(server.url.clone())
}

async fn post_text(client: &Client) -> Result<Option<String>, Error> {
    let answer = client.tweets().get_by_id("20").send().await?;
    Ok(answer
        .data()
        .and_then(|post| post.text.as_deref())
        .map(str::to_owned))
}

fn offered(request: &Request) -> Vec<String> {
    request
        .header("accept-encoding")
        .unwrap_or_default()
        .split(',')
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect()
}

#[tokio::test]
async fn requests_offer_gzip_and_brotli() {
    let server = FaultServer::start(|_: &Request, _| Reply::json(200, POST)).await;
    post_text(&client(&server).build().expect("client"))
        .await
        .expect("answered");
    let requests = server.requests();
    let encodings = requests.first().map(offered).unwrap_or_default();
    assert!(encodings.iter().any(|e| e == "gzip"), "{encodings:?}");
    assert!(encodings.iter().any(|e| e == "br"), "{encodings:?}");
}

#[tokio::test]
async fn a_gzip_body_is_decoded() {
    let server =
        FaultServer::start(|_: &Request, _| compressed("gzip", gzip(POST.as_bytes()))).await;
    let text = post_text(&client(&server).build().expect("client"))
        .await
        .expect("decoded");
    assert_eq!(text.as_deref(), Some("squeezed"));
}

#[tokio::test]
async fn a_brotli_body_is_decoded() {
    let server =
        FaultServer::start(|_: &Request, _| compressed("br", brotli(POST.as_bytes()))).await;
    let text = post_text(&client(&server).build().expect("client"))
        .await
        .expect("decoded");
    assert_eq!(text.as_deref(), Some("squeezed"));
}

/// The same body under the cap decodes: the refusal above is the cap's.
#[tokio::test]
async fn a_compressed_body_inflating_under_the_cap_is_read() {
    let sent = gzip(&crate::faults::bomb());
    let server = FaultServer::start(move |_: &Request, _| compressed("gzip", sent.clone())).await;
    let client = client(&server)
        .max_body_bytes(32 << 20)
        .build()
        .expect("client");
    let text = post_text(&client).await.expect("under the cap");
    assert_eq!(text.as_deref(), Some("boom"));
}

#[tokio::test]
async fn without_compression_no_encoding_is_offered() {
    let server = FaultServer::start(|_: &Request, _| Reply::json(200, POST)).await;
    let client = client(&server).compression(false).build().expect("client");
    let text = post_text(&client).await.expect("answered");
    assert_eq!(text.as_deref(), Some("squeezed"));
    let requests = server.requests();
    let encodings = requests.first().map(offered).unwrap_or_default();
    assert!(encodings.is_empty(), "{encodings:?}");
}

#[tokio::test]
async fn streams_ask_for_their_lines_uncompressed() {
    // A compressed stream would hold keep-alive lines in the server's
    // compressor, and a quiet stream would look stalled.
    let line = b"{\"data\": {\"id\": \"7\", \"text\": \"t\", \"edit_history_tweet_ids\": []}}\r\n";
    let server = FaultServer::start(move |_: &Request, _| {
        Reply::json(200, "").body(Body::Full(line.to_vec()))
    })
    .await;
    let client = client(&server).build().expect("client");
    let mut stream = client.stream().posts().stream();
    let mut got = None;
    while let Some(event) = futures::StreamExt::next(&mut stream).await {
        if let Ok(xapi::stream::StreamEvent::Message(m)) = event {
            got = m.data().and_then(|d| d.id.as_deref()).map(str::to_owned);
            break;
        }
    }
    assert_eq!(got.as_deref(), Some("7"));
    let requests = server.requests();
    assert_eq!(
        requests.first().map(offered),
        Some(vec!["identity".to_owned()])
    );
}
