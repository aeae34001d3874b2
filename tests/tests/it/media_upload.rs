//! Chunked media upload against a mock server on 127.0.0.1: initialize,
//! multipart appends, finalize and status polling in paused time, retries of
//! failed segments, failed processing, alt text and subtitles.
//!
//! The clients here use a `reqwest::Client` without timeouts or idle-pool
//! timers: with the clock paused, tokio jumps to the next timer whenever the
//! runtime waits for the network, so any such timer would make virtual time
//! advance (or time out) while a request is in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};
use xapi::media::{MediaCategory, MediaType, UploadError};
use xapi::models::MediaCategorySubtitles;
use xapi::{Client, Error};

const MEDIA_ID: &str = "1880028106020515840";
const MIB: usize = 1024 * 1024;

/// A file in the temporary directory, removed on drop.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn new(suffix: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "xapi-media-upload-test-{}-{n}{suffix}",
            std::process::id()
        ));
        std::fs::File::create(&path).expect("temp file");
        TempFile { path }
    }

    fn with_content(suffix: &str, content: &[u8]) -> Self {
        let file = TempFile::new(suffix);
        std::fs::write(&file.path, content).expect("written");
        file
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn client_for(base_url: &str) -> Client {
    xapi::tls::ensure_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .expect("http client builds");
    Client::builder()
        .bearer_token("user-context-token")
        .base_url(base_url)
        .http_client(http)
        // Paused time runs ahead while the mock server (on its own threads)
        // answers: a deadline would pass at once.
        .no_timeouts()
        .build()
        .expect("client builds")
}

/// Deterministic content that differs from segment to segment.
fn pattern(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + i / 4096) % 251) as u8)
        .collect()
}

/// The fields of a `multipart/form-data` body: (name, bytes).
fn multipart_fields(request: &Request) -> Vec<(String, Vec<u8>)> {
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "content type {content_type:?}"
    );
    let boundary = format!(
        "--{}",
        content_type.trim_start_matches("multipart/form-data; boundary=")
    );
    let body = &request.body;
    let mut fields = Vec::new();
    let mut starts = Vec::new();
    let mut i = 0;
    while let Some(at) = find(&body[i..], boundary.as_bytes()) {
        starts.push(i + at);
        i += at + boundary.len();
    }
    for pair in starts.windows(2) {
        let part = &body[pair[0] + boundary.len()..pair[1]];
        // Each part: CRLF, headers, CRLF CRLF, content, CRLF.
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = &part[split + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = headers
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        fields.push((name, content.to_vec()));
    }
    fields
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn field<'a>(fields: &'a [(String, Vec<u8>)], name: &str) -> Option<&'a [u8]> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
}

fn segment_index(request: &Request) -> Option<u64> {
    let fields = multipart_fields(request);
    let value = field(&fields, "segment_index")?;
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Matches appends of one segment.
struct Segment(u64);

impl Match for Segment {
    fn matches(&self, request: &Request) -> bool {
        segment_index(request) == Some(self.0)
    }
}

fn json_response(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

async fn mount_init(server: &MockServer, expected_body: Option<Value>) {
    let mut mock = Mock::given(method("POST")).and(path("/2/media/upload/initialize"));
    if let Some(body) = expected_body {
        mock = mock.and(body_json(body));
    }
    mock.respond_with(json_response(json!({
        "data": {
            "id": MEDIA_ID,
            "media_key": format!("7_{MEDIA_ID}"),
            "expires_after_secs": 86400
        }
    })))
    .expect(1)
    .mount(server)
    .await;
}

async fn mount_appends(server: &MockServer, expected: u64) {
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MEDIA_ID}/append")))
        .respond_with(json_response(
            json!({ "data": { "expires_at": 1_760_000_000 } }),
        ))
        .expect(expected)
        .mount(server)
        .await;
}

async fn mount_finalize(server: &MockServer, data: Value) {
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MEDIA_ID}/finalize")))
        .respond_with(json_response(json!({ "data": data })))
        .expect(1)
        .mount(server)
        .await;
}

/// One status answer, used once; mount them in the order they are to be served.
async fn mount_status_once(server: &MockServer, processing_info: Value) {
    Mock::given(method("GET"))
        .and(path("/2/media/upload"))
        .and(query_param("media_id", MEDIA_ID))
        .and(query_param("command", "STATUS"))
        .respond_with(json_response(json!({
            "data": { "id": MEDIA_ID, "processing_info": processing_info }
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
}

async fn appends(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("requests are recorded")
        .into_iter()
        .filter(|r| r.url.path().ends_with("/append"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn twelve_megabytes_in_three_segments_then_processing() {
    let content = pattern(12 * MIB);
    let file = TempFile::with_content(".mp4", &content);

    let server = MockServer::start().await;
    mount_init(
        &server,
        Some(json!({
            "media_type": "video/mp4",
            "media_category": "tweet_video",
            "total_bytes": 12 * MIB
        })),
    )
    .await;
    mount_appends(&server, 3).await;
    mount_finalize(
        &server,
        json!({
            "id": MEDIA_ID,
            "size": 12 * MIB,
            "processing_info": { "state": "pending", "check_after_secs": 5 }
        }),
    )
    .await;
    mount_status_once(
        &server,
        json!({ "state": "in_progress", "check_after_secs": 10, "progress_percent": 40 }),
    )
    .await;
    mount_status_once(
        &server,
        json!({ "state": "succeeded", "progress_percent": 100 }),
    )
    .await;

    let client = client_for(&server.uri());
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&progress);
    let start = tokio::time::Instant::now();
    let uploaded = client
        .media_upload()
        .chunk_size(4 * MIB)
        .on_progress(move |sent, total| {
            if let Ok(mut seen) = seen.lock() {
                seen.push((sent, total));
            }
        })
        .upload_path(file.path())
        .await
        .expect("uploaded");
    // Virtual time: exactly the two waits X asked for (5 s, then 10 s).
    assert_eq!(start.elapsed(), Duration::from_secs(5 + 10));

    assert_eq!(uploaded.id, MEDIA_ID);
    assert_eq!(uploaded.media_key.as_deref(), Some("7_1880028106020515840"));
    assert_eq!(uploaded.segments, 3);
    assert_eq!(uploaded.status_checks, 2);
    assert_eq!(uploaded.append_retries, 0);
    assert_eq!(uploaded.total_bytes, 12 * MIB as u64);
    let state = uploaded
        .processing_info
        .as_ref()
        .and_then(|i| i.state.as_ref())
        .map(ToString::to_string);
    assert_eq!(state.as_deref(), Some("succeeded"));

    let total = 12 * MIB as u64;
    let chunk = 4 * MIB as u64;
    assert_eq!(
        *progress.lock().expect("progress"),
        vec![(chunk, total), (2 * chunk, total), (3 * chunk, total)]
    );

    let appended = appends(&server).await;
    assert_eq!(appended.len(), 3);
    for (i, request) in appended.iter().enumerate() {
        assert_eq!(
            request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer user-context-token")
        );
        let fields = multipart_fields(request);
        let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["segment_index", "media"]);
        assert_eq!(
            field(&fields, "segment_index"),
            Some(i.to_string().as_bytes())
        );
        let media = field(&fields, "media").expect("media part");
        assert_eq!(media.len(), 4 * MIB, "segment {i} length");
        assert!(
            media == &content[i * 4 * MIB..(i + 1) * 4 * MIB],
            "segment {i} holds the wrong bytes"
        );
    }
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn last_segment_may_be_short() {
    let content = pattern(10_000);
    let server = MockServer::start().await;
    mount_init(
        &server,
        Some(json!({ "media_type": "image/png", "media_category": "tweet_image", "total_bytes": 10_000 })),
    )
    .await;
    mount_appends(&server, 3).await;
    mount_finalize(&server, json!({ "id": MEDIA_ID, "size": 10_000 })).await;
    // An image: no processing, so no status check.
    Mock::given(method("GET"))
        .and(path("/2/media/upload"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let uploaded = client
        .media_upload()
        .media_type(MediaType::ImagePng)
        .category(MediaCategory::TweetImage)
        .chunk_size(4096)
        .upload_bytes(content.clone())
        .await
        .expect("uploaded");
    assert_eq!(uploaded.segments, 3);
    assert_eq!(uploaded.status_checks, 0);
    assert_eq!(uploaded.processing_info, None);

    let appended = appends(&server).await;
    let lengths: Vec<usize> = appended
        .iter()
        .map(|r| {
            field(&multipart_fields(r), "media")
                .map(<[u8]>::len)
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(lengths, [4096, 4096, 10_000 - 8192]);
    let rebuilt: Vec<u8> = appended
        .iter()
        .flat_map(|r| {
            field(&multipart_fields(r), "media")
                .map(<[u8]>::to_vec)
                .unwrap_or_default()
        })
        .collect();
    assert!(rebuilt == content, "the segments do not rebuild the media");
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn failed_append_is_retried_once_without_restarting() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    // Segment 1 fails once with 503, then succeeds.
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MEDIA_ID}/append")))
        .and(Segment(1))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "title": "Service Unavailable", "detail": "try again", "type": "about:blank", "status": 503
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_appends(&server, 3).await;
    mount_finalize(&server, json!({ "id": MEDIA_ID })).await;

    let client = client_for(&server.uri());
    let uploaded = client
        .media_upload()
        .media_type(MediaType::ImageGif)
        .chunk_size(1000)
        .upload_reader(&pattern(2500)[..], 2500)
        .await
        .expect("uploaded despite the 503");
    assert_eq!(uploaded.append_retries, 1);
    assert_eq!(uploaded.segments, 3);

    let order: Vec<Option<u64>> = appends(&server).await.iter().map(segment_index).collect();
    assert_eq!(order, [Some(0), Some(1), Some(1), Some(2)]);
    let inits = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path().ends_with("/initialize"))
        .count();
    assert_eq!(inits, 1, "the upload was not restarted");
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn append_gives_up_after_the_retries() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MEDIA_ID}/append")))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MEDIA_ID}/finalize")))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let error = client
        .media_upload()
        .media_type(MediaType::ImageJpeg)
        .upload_bytes(vec![1u8; 100])
        .await
        .expect_err("fails");
    let status = error.request_error().and_then(Error::status);
    assert_eq!(status, Some(502), "{error}");
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn client_errors_are_not_retried() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MEDIA_ID}/append")))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "title": "Invalid Request", "detail": "bad segment", "type": "about:blank", "status": 400
        })))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let error = client
        .media_upload()
        .media_type(MediaType::ImageJpeg)
        .upload_bytes(vec![1u8; 100])
        .await
        .expect_err("fails");
    assert_eq!(error.request_error().and_then(Error::status), Some(400));
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn failed_processing_is_an_error_with_xs_reason() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    mount_appends(&server, 1).await;
    mount_finalize(
        &server,
        json!({ "id": MEDIA_ID, "processing_info": { "state": "in_progress", "check_after_secs": 3 } }),
    )
    .await;
    mount_status_once(
        &server,
        json!({
            "state": "failed",
            "progress_percent": 60,
            "error": { "code": 1, "name": "InvalidMedia", "message": "Unsupported video codec" }
        }),
    )
    .await;

    let client = client_for(&server.uri());
    let start = tokio::time::Instant::now();
    let error = client
        .media_upload()
        .media_type(MediaType::VideoMp4)
        .category(MediaCategory::TweetVideo)
        .upload_bytes(vec![0u8; 2048])
        .await
        .expect_err("processing failed");
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    match &error {
        UploadError::ProcessingFailed {
            media_id,
            code,
            name,
            message,
            ..
        } => {
            assert_eq!(media_id, MEDIA_ID);
            assert_eq!(*code, Some(1));
            assert_eq!(name.as_deref(), Some("InvalidMedia"));
            assert_eq!(message, "Unsupported video codec");
        }
        other => panic!("expected ProcessingFailed, got {other:?}"),
    }
    assert!(
        error.to_string().contains("Unsupported video codec"),
        "{error}"
    );
    server.verify().await;
}

#[tokio::test(start_paused = true)]
async fn processing_that_never_ends_times_out() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    mount_appends(&server, 1).await;
    mount_finalize(
        &server,
        json!({ "id": MEDIA_ID, "processing_info": { "state": "pending", "check_after_secs": 30 } }),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/2/media/upload"))
        .respond_with(json_response(json!({
            "data": { "id": MEDIA_ID, "processing_info": { "state": "in_progress", "check_after_secs": 30 } }
        })))
        .expect(3)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let error = client
        .media_upload()
        .media_type(MediaType::VideoMp4)
        .processing_timeout(Duration::from_secs(100))
        .upload_bytes(vec![0u8; 10])
        .await
        .expect_err("times out");
    match error {
        UploadError::ProcessingTimedOut { state, waited, .. } => {
            assert_eq!(state, "in_progress");
            assert_eq!(waited, Duration::from_secs(90));
        }
        other => panic!("expected ProcessingTimedOut, got {other:?}"),
    }
    server.verify().await;
}

#[tokio::test]
async fn upload_file_chooses_type_and_category_from_the_extension() {
    let server = MockServer::start().await;
    mount_init(
        &server,
        Some(json!({ "media_type": "text/vtt", "media_category": "subtitles", "total_bytes": 29 })),
    )
    .await;
    mount_appends(&server, 1).await;
    mount_finalize(&server, json!({ "id": MEDIA_ID })).await;
    let file = TempFile::with_content(".VTT", b"WEBVTT\n\n00:00.000 --> 00:01.0");
    let uploaded = client_for(&server.uri())
        .upload_file(file.path())
        .await
        .expect("uploaded");
    assert_eq!(uploaded.id, MEDIA_ID);
    server.verify().await;
}

#[tokio::test]
async fn refusals_before_anything_is_sent() {
    let server = crate::server_expecting_nothing().await;
    let client = client_for(&server.uri());

    let file = TempFile::with_content(".txt", b"not media");
    let parameter = |e: UploadError| match e {
        UploadError::Request(Error::InvalidRequest { parameter, .. }) => parameter,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let e = client.upload_file(file.path()).await.expect_err("refused");
    assert_eq!(parameter(e), "media_type");
    let e = client
        .media_upload()
        .upload_bytes(vec![1u8; 10])
        .await
        .expect_err("no media type");
    assert_eq!(parameter(e), "media_type");
    let e = client
        .media_upload()
        .media_type(MediaType::ImagePng)
        .upload_bytes(Vec::new())
        .await
        .expect_err("empty");
    assert_eq!(parameter(e), "total_bytes");
    let e = client
        .media_upload()
        .media_type(MediaType::VideoMp4)
        .chunk_size(1000)
        .upload_reader(tokio::io::empty(), 1_000_001)
        .await
        .expect_err("too many segments");
    assert_eq!(parameter(e), "segment_index");

    let alt = client
        .set_alt_text(MEDIA_ID, "x".repeat(1001))
        .await
        .expect_err("too long");
    assert!(
        matches!(&alt, Error::InvalidRequest { parameter, .. } if parameter == "metadata.alt_text.text"),
        "{alt:?}"
    );
    let subtitles = client
        .create_subtitles(
            MEDIA_ID,
            MediaCategorySubtitles::TweetVideo,
            MEDIA_ID,
            "en",
            "English",
        )
        .await
        .expect_err("lower-case language code");
    assert!(
        matches!(&subtitles, Error::InvalidRequest { parameter, .. } if parameter == "subtitles.language_code"),
        "{subtitles:?}"
    );
    server.verify().await;
}

#[tokio::test]
async fn reader_shorter_than_declared() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    mount_appends(&server, 1).await;
    let client = client_for(&server.uri());
    let error = client
        .media_upload()
        .media_type(MediaType::ImagePng)
        .chunk_size(100)
        .upload_reader(&[7u8; 150][..], 300)
        .await
        .expect_err("short");
    match error {
        UploadError::SourceTooShort { declared, read } => {
            assert_eq!((declared, read), (300, 150));
        }
        other => panic!("expected SourceTooShort, got {other:?}"),
    }
}

#[tokio::test]
async fn reader_longer_than_declared() {
    let server = MockServer::start().await;
    mount_init(&server, None).await;
    mount_appends(&server, 2).await;
    let client = client_for(&server.uri());
    let error = client
        .media_upload()
        .media_type(MediaType::ImagePng)
        .chunk_size(100)
        .upload_reader(&[7u8; 250][..], 200)
        .await
        .expect_err("long");
    assert!(
        matches!(error, UploadError::SourceTooLong { declared: 200 }),
        "{error:?}"
    );
}

#[tokio::test]
async fn alt_text_and_subtitles() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/media/metadata"))
        .and(body_json(json!({
            "id": MEDIA_ID,
            "metadata": { "alt_text": { "text": "A cat playing the piano" } }
        })))
        .respond_with(json_response(json!({
            "data": { "id": MEDIA_ID, "associated_metadata": { "alt_text": { "text": "A cat playing the piano" } } }
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/media/subtitles"))
        .and(body_json(json!({
            "id": MEDIA_ID,
            "media_category": "TweetVideo",
            "subtitles": { "id": "1880028106020515841", "language_code": "EN", "display_name": "English" }
        })))
        .respond_with(json_response(json!({
            "data": {
                "id": MEDIA_ID,
                "media_category": "TweetVideo",
                "associated_subtitles": [{ "id": "1880028106020515841", "language_code": "EN", "display_name": "English" }]
            }
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/2/media/subtitles"))
        .and(body_json(json!({
            "id": MEDIA_ID, "media_category": "TweetVideo", "language_code": "EN"
        })))
        .respond_with(json_response(json!({ "data": { "deleted": true } })))
        .expect(1)
        .mount(&server)
        .await;

    let client = client_for(&server.uri());
    let alt = client
        .set_alt_text(MEDIA_ID, "A cat playing the piano")
        .await
        .expect("alt text set");
    assert_eq!(alt.data().and_then(|d| d.id.as_deref()), Some(MEDIA_ID));
    let created = client
        .create_subtitles(
            MEDIA_ID,
            MediaCategorySubtitles::TweetVideo,
            "1880028106020515841",
            "EN",
            "English",
        )
        .await
        .expect("subtitles created");
    assert_eq!(
        created
            .data()
            .and_then(|d| d.associated_subtitles.as_ref())
            .map(Vec::len),
        Some(1)
    );
    let deleted = client
        .delete_subtitles(MEDIA_ID, MediaCategorySubtitles::TweetVideo, "EN")
        .await
        .expect("subtitles deleted");
    assert_eq!(deleted.data().and_then(|d| d.deleted), Some(true));
    server.verify().await;
}

#[test]
fn uploads_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let client = client_for("http://127.0.0.1:9");
    let by_path = client.upload_file("x.png");
    assert_send(&by_path);
    let by_reader = client
        .media_upload()
        .media_type(MediaType::ImagePng)
        .upload_reader(tokio::io::empty(), 1);
    assert_send(&by_reader);
}

// ---------------------------------------------------------------------------
// Memory: a 200 MB upload keeps about one segment in memory.
//
// Run alone, so that no other test allocates at the same time:
//   cargo test -p xapi-tests --test media_upload -- --ignored --exact \
//       memory_of_a_200_mb_upload --nocapture

/// Reads a `kB` line of /proc/self/status, in bytes.
fn proc_status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A minimal HTTP/1.1 server on 127.0.0.1 that answers the upload
/// operations and discards request bodies as they arrive (wiremock would keep
/// every body in memory, in this process).
fn start_discarding_server(received: Arc<AtomicU64>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let received = Arc::clone(&received);
            std::thread::spawn(move || {
                let _ = serve_discarding(stream, &received);
            });
        }
    });
    format!("http://{address}")
}

fn serve_discarding(stream: TcpStream, received: &AtomicU64) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut content_length = 0u64;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let copied = std::io::copy(
            &mut (&mut reader).take(content_length),
            &mut std::io::sink(),
        )?;
        received.fetch_add(copied, Ordering::Relaxed);
        let body = if request_line.contains("/initialize") {
            format!(r#"{{"data":{{"id":"{MEDIA_ID}"}}}}"#)
        } else if request_line.contains("/append") {
            r#"{"data":{"expires_at":1760000000}}"#.to_owned()
        } else {
            format!(r#"{{"data":{{"id":"{MEDIA_ID}"}}}}"#)
        };
        write!(
            writer,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{}",
            body.len(),
            body
        )?;
        writer.flush()?;
    }
}

#[tokio::test]
#[ignore = "measures this process's memory: run alone (see the comment above)"]
async fn memory_of_a_200_mb_upload() {
    const SIZE: u64 = 200 * 1024 * 1024;
    const CHUNK: usize = 4 * MIB;
    let file = TempFile::new(".mp4");
    // Sparse: 200 MB of zeros without writing them.
    std::fs::OpenOptions::new()
        .write(true)
        .open(file.path())
        .and_then(|f| f.set_len(SIZE))
        .expect("sized");

    let received = Arc::new(AtomicU64::new(0));
    let base_url = start_discarding_server(Arc::clone(&received));
    let client = client_for(&base_url);

    // Reset the peak (VmHWM) to the current resident size where the kernel
    // allows it, so that the peak measured is the upload's.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let baseline = proc_status_bytes("VmRSS:").expect("VmRSS");
    let peak_before = proc_status_bytes("VmHWM:").expect("VmHWM");

    let uploaded = client
        .media_upload()
        .chunk_size(CHUNK)
        .upload_path(file.path())
        .await
        .expect("uploaded");

    let peak = proc_status_bytes("VmHWM:").expect("VmHWM");
    let growth = peak.saturating_sub(if reset { baseline } else { peak_before });
    println!(
        "200 MB upload: {} segments, {} body bytes received; VmRSS before {:.1} MiB, \
         VmHWM before {:.1} MiB, after {:.1} MiB (peak reset: {reset}); growth {:.1} MiB \
         = {:.2} chunks of 4 MiB",
        uploaded.segments,
        received.load(Ordering::Relaxed),
        baseline as f64 / MIB as f64,
        peak_before as f64 / MIB as f64,
        peak as f64 / MIB as f64,
        growth as f64 / MIB as f64,
        growth as f64 / CHUNK as f64,
    );
    assert_eq!(uploaded.segments, 50);
    assert!(received.load(Ordering::Relaxed) > SIZE);
    assert!(
        growth < 3 * CHUNK as u64,
        "peak memory grew by {growth} bytes, 3 chunks are {}",
        3 * CHUNK
    );
}
