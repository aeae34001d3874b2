//! The research helpers against a loopback mock: raw pages, hydration in
//! batches, full-archive pacing and start, counts totals, conversations and
//! the compliance round trip.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xapi::progress::{Progress, ProgressEvent};
use xapi::research::compliance::{self, JobKind, Polling};
use xapi::research::conversation::fetch_conversation;
use xapi::research::hydrate::{Hydrator, LookupKind};
use xapi::research::search::{Search, ARCHIVE_START};
use xapi::retry::RetryPolicy;
use xapi::{Client, Error};
use xapi_tests::fault_server::{Body, FaultServer, Reply};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .bearer_token("t")
        .base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client")
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Three pages, chained by `next`/`tok2`/`tok3`; the second fails once
/// when `fail_second` is set.
struct Paged {
    fail_second: Mutex<bool>,
    seen: Mutex<Vec<Request>>,
}

impl Respond for Paged {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.seen.lock().expect("lock").push(req.clone());
        let n: usize = match query(req, "pagination_token")
            .or_else(|| query(req, "next_token"))
            .as_deref()
        {
            None => 1,
            Some("tok2") => 2,
            Some(_) => 3,
        };
        if n == 2 {
            let mut fail = self.fail_second.lock().expect("lock");
            if *fail {
                *fail = false;
                return ResponseTemplate::new(503).set_body_json(json!({"title": "busy"}));
            }
        }
        let meta = match n {
            3 => json!({"result_count": 1}),
            _ => json!({"result_count": 1, "next_token": format!("tok{}", n + 1)}),
        };
        // Pretty-printed, with a key no document knows and a number
        // spelled `1.50`: kept as they are.
        let body = format!(
            "{{\n  \"data\": [{{\"id\": \"{n}\", \"text\": \"post {n}\", \"zz_new\": [1.50, \"x\"]}}],\n  \"meta\": {meta}\n}}\n"
        );
        ResponseTemplate::new(200).set_body_raw(body, "application/json")
    }
}

#[tokio::test]
async fn raw_pages_keep_the_body_and_resume_after_a_failed_page() {
    let server = MockServer::start().await;
    let paged = Arc::new(Paged {
        fail_second: Mutex::new(true),
        seen: Mutex::new(Vec::new()),
    });
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .respond_with(ArcRespond(paged.clone()))
        .mount(&server)
        .await;
    let c = client(&server);
    let mut pages = Search::new("rust").pages(&c).expect("pages");
    let first = pages.next().await.expect("one").expect("page 1");
    assert_eq!(first.next_token.as_deref(), Some("tok2"));
    let line = first.line();
    assert!(!line.contains(&b'\n'));
    let parsed: serde_json::Value = serde_json::from_slice(&line).expect("line");
    assert_eq!(parsed["data"][0]["zz_new"], json!([1.5, "x"]));
    assert!(
        String::from_utf8_lossy(&line).contains("1.50"),
        "bytes kept"
    );
    assert_eq!(parsed["__xapi"]["operation"], "searchPostsRecent");
    assert!(parsed["__xapi"]["url"]
        .as_str()
        .is_some_and(|u| u.contains("query=rust") && !u.contains("Bearer")));
    let err = pages.next().await.expect("two").expect_err("page 2 fails");
    let Error::Page { resume_token, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(resume_token.as_deref(), Some("tok2"));
    assert!(pages.next().await.is_none(), "the pull ended");
    // A new pull from the token brings the rest, the failed page included.
    let mut rest = Search::new("rust")
        .pages(&c)
        .expect("pages")
        .resume_from(resume_token.clone().expect("token"));
    let mut ids = Vec::new();
    while let Some(page) = rest.next().await {
        let page = page.expect("page");
        let v: serde_json::Value = serde_json::from_slice(&page.body).expect("json");
        ids.push(v["data"][0]["id"].as_str().expect("id").to_owned());
    }
    assert_eq!(ids, ["2", "3"]);
}

/// `Arc<impl Respond>` as a responder (to look at what it saw after).
struct ArcRespond<R>(Arc<R>);

impl<R: Respond> Respond for ArcRespond<R> {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        self.0.respond(req)
    }
}

/// Answers a lookup with the ids asked for, in reverse order, leaving out
/// every id ending in 7 (those with an odd tens digit get a partial error).
struct Lookups {
    seen: Mutex<Vec<usize>>,
}

impl Respond for Lookups {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let ids: Vec<String> = query(req, "ids")
            .unwrap_or_default()
            .split(',')
            .map(str::to_owned)
            .collect();
        self.seen.lock().expect("lock").push(ids.len());
        let data: Vec<_> = ids
            .iter()
            .rev()
            .filter(|id| !id.ends_with('7'))
            .map(|id| json!({"id": id, "text": format!("post {id}")}))
            .collect();
        let errors: Vec<_> = ids
            .iter()
            .filter(|id| id.ends_with('7'))
            .filter(|id| id.len() >= 2 && (id.as_bytes()[id.len() - 2] - b'0') % 2 == 1)
            .map(|id| json!({"value": id, "resource_id": id, "title": "Not Found Error", "detail": "gone"}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"data": data, "errors": errors}))
    }
}

#[tokio::test]
async fn hydrating_250_ids_takes_three_lookups_in_input_order() {
    let server = MockServer::start().await;
    let lookups = Arc::new(Lookups {
        seen: Mutex::new(Vec::new()),
    });
    Mock::given(method("GET"))
        .and(path("/2/tweets"))
        .respond_with(ArcRespond(lookups.clone()))
        .mount(&server)
        .await;
    let c = client(&server);
    // Shuffled ids: the input order is not sorted.
    let ids: Vec<String> = (0..250)
        .map(|i| format!("{}", 1000 + (i * 37) % 250))
        .collect();
    let mut hydrator = Hydrator::new(&c, LookupKind::Posts, ids.clone(), vec![]);
    let mut found = Vec::new();
    let mut missing = Vec::new();
    while let Some(batch) = hydrator.next_posts().await {
        let batch = batch.expect("batch");
        found.extend(
            batch
                .found
                .into_iter()
                .filter_map(|p| p.id.map(|i| i.to_string())),
        );
        missing.extend(batch.missing);
    }
    assert_eq!(*lookups.seen.lock().expect("lock"), [100, 100, 50]);
    let expected: Vec<&String> = ids.iter().filter(|id| !id.ends_with('7')).collect();
    assert_eq!(found.iter().collect::<Vec<_>>(), expected);
    let missing_ids: Vec<&str> = missing.iter().map(|m| m.id.as_str()).collect();
    let expected_missing: Vec<&str> = ids
        .iter()
        .filter(|id| id.ends_with('7'))
        .map(String::as_str)
        .collect();
    assert_eq!(missing_ids, expected_missing);
    assert_eq!(missing.len(), 25);
    // Reasons: the API's title where it sent an error, else "not returned".
    assert!(missing.iter().any(|m| m.reason() == "Not Found Error"));
    assert!(missing.iter().any(|m| m.reason() == "not returned"));
}

#[tokio::test]
async fn full_archive_calls_are_paced_and_start_at_the_archive_start() {
    let server = MockServer::start().await;
    let paged = Arc::new(Paged {
        fail_second: Mutex::new(false),
        seen: Mutex::new(Vec::new()),
    });
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/all"))
        .respond_with(ArcRespond(paged.clone()))
        .mount(&server)
        .await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = waits.clone();
    let progress = Progress::with_callback(move |event| {
        if let ProgressEvent::Wait { operation, delay } = event {
            seen.lock().expect("lock").push((*operation, *delay));
        }
    });
    let c = Client::builder()
        .bearer_token("t")
        .base_url(server.uri())
        .progress(progress)
        .archive_pacing(Duration::from_millis(30))
        .build()
        .expect("client");
    let mut pages = Search::new("rust").archive(true).pages(&c).expect("pages");
    let mut n = 0;
    while let Some(page) = pages.next().await {
        page.expect("page");
        n += 1;
    }
    assert_eq!(n, 3);
    let waits = waits.lock().expect("lock").clone();
    // The second and third calls waited for their slot (the first did not).
    let paced: Vec<_> = waits
        .iter()
        .filter(|(op, d)| *op == "searchPostsAll" && !d.is_zero())
        .collect();
    assert_eq!(paced.len(), 2, "{waits:?}");
    let requests = paced_requests(&paged);
    assert!(requests
        .iter()
        .all(|r| query(r, "start_time").as_deref() == Some(ARCHIVE_START)));
}

fn paced_requests(paged: &Paged) -> Vec<Request> {
    paged.seen.lock().expect("lock").clone()
}

#[tokio::test]
async fn counts_give_the_expected_total() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/counts/recent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"start": "a", "end": "b", "tweet_count": 40}, {"start": "b", "end": "c", "tweet_count": 2}],
            "meta": {"total_tweet_count": 42}
        })))
        .mount(&server)
        .await;
    let total = Search::new("rust")
        .expected_total(&client(&server))
        .await
        .expect("total");
    assert_eq!(total, 42);
}

#[tokio::test]
async fn conversations_become_trees_with_missing_parents_tolerated() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/12"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": "12", "text": "c", "conversation_id": "10",
                     "referenced_tweets": [{"type": "replied_to", "id": "11"}]}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": "10", "text": "root", "conversation_id": "10"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"id": "13", "text": "d", "referenced_tweets": [{"type": "replied_to", "id": "12"}]},
                {"id": "12", "text": "c", "referenced_tweets": [{"type": "replied_to", "id": "11"}]},
                {"id": "11", "text": "b", "referenced_tweets": [{"type": "replied_to", "id": "10"}]},
                {"id": "15", "text": "e", "referenced_tweets": [{"type": "replied_to", "id": "14"}]}
            ],
            "meta": {"result_count": 4}
        })))
        .mount(&server)
        .await;
    let tree = fetch_conversation(&client(&server), "12", false)
        .await
        .expect("tree");
    let order: Vec<(usize, String)> = tree
        .depth_first()
        .into_iter()
        .map(|(d, p)| (d, p.id.as_deref().unwrap_or("").to_owned()))
        .collect();
    let want = [(0, "10"), (1, "11"), (2, "12"), (3, "13"), (0, "15")];
    assert_eq!(
        order,
        want.map(|(d, s)| (d, s.to_owned())).to_vec(),
        "the root was looked up, 15's missing parent tolerated"
    );
}

/// A compliance job that is `in_progress` for its first poll, then
/// `complete`; storage on the same loopback server.
struct Jobs {
    base: String,
    polls: Mutex<usize>,
}

impl Respond for Jobs {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut polls = self.polls.lock().expect("lock");
        *polls += 1;
        let status = if *polls < 2 {
            "in_progress"
        } else {
            "complete"
        };
        ResponseTemplate::new(200).set_body_json(json!({"data": {
            "id": "1460000000000000001", "type": "tweets", "status": status,
            "upload_url": format!("{}/upload/1460000000000000001", self.base),
            "download_url": format!("{}/download/1460000000000000001", self.base)
        }}))
    }
}

#[tokio::test]
async fn the_compliance_round_trip_uploads_polls_and_parses_the_result() {
    let server = MockServer::start().await;
    let base = server.uri();
    Mock::given(method("POST"))
        .and(path("/2/compliance/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {
            "id": "1460000000000000001", "type": "tweets", "status": "created",
            "upload_url": format!("{base}/upload/1460000000000000001"),
            "download_url": format!("{base}/download/1460000000000000001")
        }})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/upload/1460000000000000001"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/compliance/jobs/1460000000000000001"))
        .respond_with(Jobs {
            base: base.clone(),
            polls: Mutex::new(0),
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/download/1460000000000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "{\"id\":\"1\",\"action\":\"delete\",\"reason\":\"deleted\",\"zz\":1}\n\n{\"id\":\"3\",\"action\":\"delete\",\"reason\":\"protected\"}\n",
        ))
        .mount(&server)
        .await;
    let ids: Vec<String> = ["1", "2", "3"].map(String::from).to_vec();
    let mut told = None;
    let polling = Polling::default().interval(Duration::from_millis(10));
    let outcome = compliance::round_trip(&client(&server), JobKind::Tweets, &ids, polling, |job| {
        told = job.id.as_deref().map(str::to_owned)
    })
    .await
    .expect("round trip");
    assert_eq!(told.as_deref(), Some("1460000000000000001"));
    let got: Vec<_> = outcome
        .results
        .iter()
        .map(|r| r["reason"].clone())
        .collect();
    assert_eq!(got, [json!("deleted"), json!("protected")]);
    assert_eq!(outcome.results[0]["zz"], 1);
    let uploads: Vec<_> = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/upload/1460000000000000001")
        .collect();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].body, b"1\n2\n3\n");
    assert!(
        uploads[0].headers.get("authorization").is_none(),
        "no credentials to storage"
    );
    // Resuming a complete job downloads again without another upload.
    let again = compliance::resume(&client(&server), "1460000000000000001", &ids, polling)
        .await
        .expect("resume");
    assert_eq!(again.results.len(), 2);
}

/// A complete job whose result is at `url`.
fn complete_job(url: &str) -> xapi::models::ComplianceJob {
    serde_json::from_value(json!({
        "id": "1460000000000000009", "type": "users", "status": "complete",
        "download_url": url
    }))
    .expect("job")
}

/// A client for storage links only (no credentials), with body cap `cap`.
fn storage_client(cap: usize) -> Client {
    Client::builder()
        .max_body_bytes(cap)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client")
}

/// `n` result lines of about 60 bytes each.
fn result_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"id\":\"{}\",\"action\":\"delete\",\"reason\":\"deleted\"}}\n",
                1000 + i
            )
        })
        .collect()
}

#[tokio::test]
async fn a_compliance_result_over_the_body_cap_is_refused_when_read_whole() {
    let body = result_lines(100);
    let server = FaultServer::start(move |_, _| {
        Reply::json(200, &body).header("content-type", "application/octet-stream")
    })
    .await;
    let client = storage_client(1000);
    let job = complete_job(&format!("{}/download/9", server.url));
    let err = compliance::download(&client, job)
        .await
        .expect_err("a 6 kB file over a 1 kB cap");
    assert!(
        matches!(err, Error::TooLarge { limit: 1000, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn compliance_lines_arrive_whole_whatever_the_chunks() {
    let whole = format!("{}\r\n  \n{}", result_lines(50), result_lines(1).trim_end());
    // Pieces cut mid-line, mid-newline and at odd places.
    let bytes = whole.into_bytes();
    let mut pieces = Vec::new();
    let mut at = 0;
    let mut step = 1;
    while at < bytes.len() {
        let end = (at + step).min(bytes.len());
        pieces.push((Duration::ZERO, bytes[at..end].to_vec()));
        at = end;
        step = step % 97 + 13;
    }
    let server =
        FaultServer::start(move |_, _| Reply::json(200, "").body(Body::Pieces(pieces.clone())))
            .await;
    // Each line fits under the cap; the file, 3 kB, does not.
    let client = storage_client(200);
    let job = complete_job(&format!("{}/download/9", server.url));
    let lines: Vec<_> = compliance::download_lines(&client, &job)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("every line");
    assert_eq!(
        lines.len(),
        51,
        "blank lines skipped, the last without its newline kept"
    );
    for (i, line) in lines.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_slice(line).expect("a whole JSON line");
        let want = if i == 50 { 1000 } else { 1000 + i };
        assert_eq!(v["id"], want.to_string(), "line {i}");
    }
}

#[tokio::test]
async fn a_compliance_line_over_the_cap_ends_the_download_with_an_error() {
    let long = format!("{{\"id\":\"1\",\"pad\":\"{}\"}}\n", "x".repeat(500));
    let body = format!("{}{long}{}", result_lines(2), result_lines(2));
    let server = FaultServer::start(move |_, _| Reply::json(200, &body)).await;
    let client = storage_client(200);
    let job = complete_job(&format!("{}/download/9", server.url));
    let items: Vec<_> = compliance::download_lines(&client, &job)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(items.len(), 3, "two lines, then the error: {items:?}");
    assert!(items[0].is_ok() && items[1].is_ok());
    assert!(
        matches!(items[2], Err(Error::TooLarge { limit: 200, .. })),
        "{:?}",
        items[2]
    );
}

#[tokio::test]
async fn a_compliance_download_refused_by_storage_is_an_api_error() {
    let server =
        FaultServer::start(|_, _| Reply::json(403, "<Error><Code>AccessDenied</Code></Error>"))
            .await;
    let client = storage_client(1 << 20);
    let job = complete_job(&format!("{}/download/9", server.url));
    let items: Vec<_> = compliance::download_lines(&client, &job)
        .collect::<Vec<_>>()
        .await;
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0] {
        Err(Error::Api(e)) => assert_eq!(e.status, 403),
        other => panic!("{other:?}"),
    }
}
