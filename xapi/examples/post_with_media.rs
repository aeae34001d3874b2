//! Uploads a media file in segments, waits for X to process it, sets its alt
//! text and posts it.
//!
//! ```text
//! cargo run --example post_with_media                        # embedded mock, no token needed
//! X_USER_TOKEN=… cargo run --example post_with_media -- clip.mp4 "Posted with xapi"
//! ```
//!
//! Posting and uploading act for a user, so an app-only bearer token is not
//! enough: `X_USER_TOKEN` is an OAuth 2.0 user access token with the
//! `tweet.write`, `tweet.read`, `users.read` and `media.write` scopes. With it
//! the example talks to the real API (or to `XAPI_BASE_URL` when set) and
//! needs the path of a file to upload (jpg, jpeg, png, webp, gif, mp4, mov);
//! the second argument is the text of the post.
//!
//! Without `X_USER_TOKEN`, a mock server on 127.0.0.1 plays the API's part
//! (initialize, append, finalize, two status checks, alt text, create post)
//! for a generated 9 MiB video, and the example prints every step and the
//! requests the mock received.

use std::io::Write;

use xapi::posts::NewPost;
use xapi::Client;

const MOCK_MEDIA_ID: &str = "1880028106020515840";

async fn start_mock() -> wiremock::MockServer {
    use serde_json::json;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};

    let server = wiremock::MockServer::start().await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    let user = || header("authorization", "Bearer mock-user-token");
    Mock::given(method("POST"))
        .and(path("/2/media/upload/initialize"))
        .and(user())
        .respond_with(ok(json!({
            "data": { "id": MOCK_MEDIA_ID, "media_key": format!("7_{MOCK_MEDIA_ID}"), "expires_after_secs": 86399 }
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MOCK_MEDIA_ID}/append")))
        .and(user())
        .respond_with(ok(json!({ "data": { "expires_at": 1_760_000_000 } })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/2/media/upload/{MOCK_MEDIA_ID}/finalize")))
        .respond_with(ok(json!({
            "data": {
                "id": MOCK_MEDIA_ID,
                "size": 9 * 1024 * 1024,
                "processing_info": { "state": "pending", "check_after_secs": 1 }
            }
        })))
        .mount(&server)
        .await;
    // The first status check finds processing under way, the second done.
    Mock::given(method("GET"))
        .and(path("/2/media/upload"))
        .and(query_param("command", "STATUS"))
        .respond_with(ok(json!({
            "data": {
                "id": MOCK_MEDIA_ID,
                "processing_info": { "state": "in_progress", "check_after_secs": 1, "progress_percent": 55 }
            }
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/media/upload"))
        .and(query_param("command", "STATUS"))
        .respond_with(ok(json!({
            "data": {
                "id": MOCK_MEDIA_ID,
                "processing_info": { "state": "succeeded", "progress_percent": 100 }
            }
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/media/metadata"))
        .respond_with(ok(json!({ "data": { "id": MOCK_MEDIA_ID } })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(user())
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "data": { "id": "1880028200000000001", "text": "A generated video, posted with xapi" }
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("X_USER_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let mut args = std::env::args().skip(1);
    let path_arg = args.next();
    let text = args
        .next()
        .unwrap_or_else(|| "A generated video, posted with xapi".to_owned());

    // Kept alive until the end: the mock and the generated file.
    let mut mock = None;
    let mut generated = None;
    let (client, path) = match token {
        Some(token) => {
            let Some(path) = path_arg else {
                return Err("with X_USER_TOKEN set, pass the file to upload: \
                            cargo run --example post_with_media -- FILE [TEXT]"
                    .into());
            };
            let client = Client::builder().bearer_token(token).build()?;
            println!("using {} with your user token", client.base_url());
            (client, std::path::PathBuf::from(path))
        }
        None => {
            let server = start_mock().await;
            let client = Client::builder()
                .bearer_token("mock-user-token")
                .base_url(server.uri())
                .build()?;
            println!("X_USER_TOKEN is not set: using a mock on {}", server.uri());
            let mut file = tempfile::Builder::new().suffix(".mp4").tempfile()?;
            let block: Vec<u8> = (0..=255u8).cycle().take(1024 * 1024).collect();
            for _ in 0..9 {
                file.write_all(&block)?;
            }
            file.flush()?;
            let path = file.path().to_path_buf();
            println!("generated {} (9 MiB)", path.display());
            mock = Some(server);
            generated = Some(file);
            (client, path)
        }
    };

    let started = std::time::Instant::now();
    let media = client
        .media_upload()
        .on_progress(|sent, total| {
            println!(
                "  appended {sent} of {total} bytes ({}%)",
                sent * 100 / total.max(1)
            )
        })
        .upload_path(&path)
        .await?;
    println!(
        "uploaded media {} in {} segment(s), {} status check(s), {:.1} s; state {}",
        media.id,
        media.segments,
        media.status_checks,
        started.elapsed().as_secs_f64(),
        media
            .processing_info
            .as_ref()
            .and_then(|i| i.state.as_ref())
            .map_or_else(|| "(not processed)".to_owned(), ToString::to_string),
    );

    client
        .set_alt_text(&media.id, "Colour bars, generated for the example")
        .await?;
    println!("alt text set");

    let post = NewPost::text(text).media([media.id.clone()]);
    let length = xapi::text::weighted_length(post.text_value().unwrap_or_default());
    println!(
        "post text: {} of {} (weighted)",
        length.weighted, length.max
    );
    let created = client.create_post(post).await?;
    let id = created.data().and_then(|d| d.id.as_deref()).unwrap_or("?");
    println!("created post {id}");

    if let Some(server) = &mock {
        println!("requests the mock received:");
        for request in server.received_requests().await.unwrap_or_default() {
            println!(
                "  {} {}{} ({} bytes)",
                request.method,
                request.url.path(),
                request
                    .url
                    .query()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default(),
                request.body.len()
            );
        }
    }
    drop(generated);
    Ok(())
}
