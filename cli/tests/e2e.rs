//! The `xapi` binary end to end, against a loopback mock (`XAPI_BASE_URL`).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_xapi");

fn command(server: &MockServer) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(BIN);
    cmd.env("XAPI_BASE_URL", server.uri())
        .env("X_BEARER_TOKEN", "secret-token")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    cmd
}

async fn run(server: &MockServer, args: &[&str]) -> Output {
    command(server).args(args).output().await.expect("run xapi")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .expect("read output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// The lines without their `__xapi` object (which holds retrieval times).
fn bodies(path: &Path) -> Vec<Value> {
    lines(path)
        .into_iter()
        .map(|mut v| {
            v.as_object_mut().map(|o| o.remove("__xapi"));
            v
        })
        .collect()
}

/// Page `n` of three of a search, with authors included and a key no
/// document knows.
fn page(n: u32) -> Value {
    let posts: Vec<Value> = (0..3)
        .map(|i| {
            json!({"id": format!("{}", 100 + n * 10 + i), "text": format!("post {n}.{i}"),
                   "author_id": "7", "zz_unknown": {"n": n}})
        })
        .collect();
    let mut meta = json!({"result_count": 3});
    if n < 3 {
        meta["next_token"] = json!(format!("tok{}", n + 1));
    }
    json!({"data": posts, "includes": {"users": [{"id": "7", "username": "ada", "name": "Ada"}]}, "meta": meta})
}

/// Mounts the three pages; page 2 answers after `delay_page2` once.
async fn mount_search(server: &MockServer, delay_page2: Option<Duration>) {
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(query_param_is_missing("next_token"))
        .and(query_param_is_missing("pagination_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(1)))
        .mount(server)
        .await;
    for n in 2..=3 {
        let token = format!("tok{n}");
        if let (2, Some(delay)) = (n, delay_page2) {
            Mock::given(method("GET"))
                .and(path("/2/tweets/search/recent"))
                .and(TokenIs(token.clone()))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_json(page(n))
                        .set_delay(delay),
                )
                .up_to_n_times(1)
                .with_priority(1)
                .mount(server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path("/2/tweets/search/recent"))
            .and(TokenIs(token))
            .respond_with(ResponseTemplate::new(200).set_body_json(page(n)))
            .with_priority(2)
            .mount(server)
            .await;
    }
}

/// Matches a request carrying page token `0` (whatever its parameter name).
struct TokenIs(String);

impl wiremock::Match for TokenIs {
    fn matches(&self, req: &Request) -> bool {
        req.url
            .query_pairs()
            .any(|(k, v)| (k == "next_token" || k == "pagination_token") && v == self.0)
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[tokio::test]
async fn search_writes_each_page_as_received_with_provenance() {
    let server = MockServer::start().await;
    mount_search(&server, None).await;
    let dir = tmp();
    let out = dir.path().join("out.jsonl");
    let o = run(
        &server,
        &[
            "search",
            "rust",
            out.to_str().expect("path"),
            "--max-results",
            "10",
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = lines(&out);
    assert_eq!(got.len(), 3);
    for (i, line) in got.iter().enumerate() {
        assert_eq!(
            line["data"][0]["zz_unknown"]["n"],
            i as u64 + 1,
            "unknown keys kept"
        );
        let url = line["__xapi"]["url"].as_str().expect("url");
        assert!(
            url.starts_with(&server.uri()) && url.contains("query=rust"),
            "{url}"
        );
        assert!(!url.contains("secret-token"));
        assert!(line["__xapi"]["retrieved_at"].is_string());
        assert_eq!(line["__xapi"]["version"], env!("CARGO_PKG_VERSION"));
        let keys: Vec<&String> = line.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["data", "includes", "meta", "__xapi"], "order kept");
    }
    // Standard output too, when no OUT is given.
    let o = run(&server, &["search", "rust", "--limit", "3"]).await;
    assert!(o.status.success());
    assert_eq!(
        text(&o.stdout).lines().count(),
        1,
        "the limit stops after the first page"
    );
}

#[tokio::test]
async fn an_existing_output_is_never_destroyed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-request-id", "req-42")
                .set_body_json(json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})),
        )
        .mount(&server)
        .await;
    let dir = tmp();
    let out = dir.path().join("keep.jsonl");
    std::fs::write(&out, "precious\n").expect("write");
    let o = run(&server, &["search", "rust", out.to_str().expect("path")]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("not empty"), "{}", text(&o.stderr));
    // A bad token with --overwrite: the error comes before the first page.
    let o = run(
        &server,
        &["search", "rust", out.to_str().expect("path"), "--overwrite"],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: HTTP 401 Unauthorized"), "{err}");
    assert!(err.contains("req-42"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "precious\n");
    // A usage error is exit code 2.
    let o = run(&server, &["search"]).await;
    assert_eq!(o.status.code(), Some(2));
}

fn state_of(out: &Path) -> Option<Value> {
    let mut p = out.as_os_str().to_owned();
    p.push(".xapi-state");
    let bytes = std::fs::read(PathBuf::from(p)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[tokio::test]
async fn a_run_killed_mid_page_resumes_to_the_same_file() {
    let server = MockServer::start().await;
    mount_search(&server, Some(Duration::from_secs(60))).await;
    let dir = tmp();
    let whole = dir.path().join("whole.jsonl");
    let out = dir.path().join("out.jsonl");
    let args = |p: &Path| -> Vec<String> {
        [
            "search",
            "rust",
            p.to_str().expect("path"),
            "--max-results",
            "10",
        ]
        .map(String::from)
        .to_vec()
    };
    let mut child = command(&server).args(args(&out)).spawn().expect("spawn");
    // Wait for the first page's checkpoint; page 2 is then held back.
    let mut waited = 0;
    while state_of(&out).is_none_or(|s| s["pages"] != 1) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
        assert!(waited < 600, "no checkpoint after the first page");
    }
    child.start_kill().expect("kill -9");
    let _ = child.wait().await;
    // As if the kill had torn a line in the middle.
    let mut torn = std::fs::read(&out).expect("read");
    torn.extend_from_slice(b"{\"data\":[{\"id\":\"12");
    std::fs::write(&out, torn).expect("write");
    // Other arguments are refused.
    let o = run(
        &server,
        &[
            "search",
            "python",
            out.to_str().expect("path"),
            "--max-results",
            "10",
            "--resume",
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("other arguments"),
        "{}",
        text(&o.stderr)
    );
    let mut resume = args(&out);
    resume.push("--resume".into());
    let o = command(&server)
        .args(&resume)
        .output()
        .await
        .expect("resume");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = command(&server)
        .args(args(&whole))
        .output()
        .await
        .expect("whole");
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(bodies(&out), bodies(&whole));
    assert_eq!(bodies(&out).len(), 3);
    assert_eq!(state_of(&out).expect("state")["done"], true);
    // Resuming a finished run does nothing.
    let o = command(&server)
        .args(&resume)
        .output()
        .await
        .expect("again");
    assert!(o.status.success());
    assert_eq!(bodies(&out).len(), 3);
}

/// Lookups answering every id but those ending in 7, in reverse order.
struct Lookups;

impl Respond for Lookups {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let ids: Vec<String> = req
            .url
            .query_pairs()
            .find(|(k, _)| k == "ids")
            .map(|(_, v)| v.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        let data: Vec<Value> = ids
            .iter()
            .rev()
            .filter(|id| !id.ends_with('7'))
            .map(|id| json!({"id": id, "text": "t"}))
            .collect();
        let errors: Vec<Value> = ids
            .iter()
            .filter(|id| id.ends_with('7'))
            .map(|id| json!({"value": id, "resource_id": id, "title": "Not Found Error"}))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"data": data, "errors": errors}))
    }
}

#[tokio::test]
async fn hydrating_250_ids_takes_three_requests_and_names_the_missing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/tweets"))
        .respond_with(Lookups)
        .expect(3)
        .mount(&server)
        .await;
    let dir = tmp();
    let ids: Vec<String> = (0..250)
        .map(|i| format!("{}", 5000 + (i * 41) % 250))
        .collect();
    let file = dir.path().join("ids.txt");
    std::fs::write(&file, ids.join("\n")).expect("ids");
    let out = dir.path().join("posts.jsonl");
    let o = run(
        &server,
        &[
            "hydrate",
            file.to_str().expect("p"),
            out.to_str().expect("p"),
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = lines(&out);
    assert_eq!(got.len(), 3);
    let asked: Vec<String> = got
        .iter()
        .flat_map(|l| l["__xapi"]["ids"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    assert_eq!(asked, ids, "batches in input order");
    let missing: Vec<String> = got
        .iter()
        .flat_map(|l| {
            l["__xapi"]["missing"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|v| v["id"].as_str().map(str::to_owned))
        .collect();
    let expected: Vec<String> = ids.iter().filter(|i| i.ends_with('7')).cloned().collect();
    assert_eq!(missing, expected);
    let err = text(&o.stderr);
    assert!(
        err.contains(&format!("missing: {} (Not Found Error)", expected[0])),
        "{err}"
    );
    assert!(err.contains("25 ids not returned"), "{err}");
}

#[tokio::test]
async fn a_429_is_waited_out_and_said_on_stderr() {
    let server = MockServer::start().await;
    // Two whole seconds ahead: at least one second of wait whatever the
    // fraction of the current second.
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() + 2)
        .unwrap_or(0);
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-limit", "450")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.to_string())
                .set_body_json(json!({"title": "Too Many Requests", "status": 429})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(3)))
        .with_priority(2)
        .mount(&server)
        .await;
    let dir = tmp();
    let out = dir.path().join("out.jsonl");
    let o = run(&server, &["search", "rust", out.to_str().expect("p")]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("waiting"), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("searchPostsRecent, until"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(lines(&out).len(), 1);
}

#[tokio::test]
async fn flatten_writes_one_post_per_line_or_csv() {
    let server = MockServer::start().await;
    mount_search(&server, None).await;
    let dir = tmp();
    let pages = dir.path().join("pages.jsonl");
    let o = run(&server, &["search", "rust", pages.to_str().expect("p")]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let posts_in: usize = lines(&pages)
        .iter()
        .map(|l| l["data"].as_array().map_or(0, Vec::len))
        .sum();
    let flat = dir.path().join("flat.jsonl");
    let o = run(
        &server,
        &[
            "flatten",
            pages.to_str().expect("p"),
            flat.to_str().expect("p"),
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let posts = lines(&flat);
    assert_eq!(posts.len(), posts_in);
    assert!(posts.iter().all(|p| p["author"]["username"] == "ada"));
    assert!(
        posts.iter().all(|p| p["zz_unknown"].is_object()),
        "nothing dropped"
    );
    let csv = dir.path().join("flat.csv");
    let o = run(
        &server,
        &[
            "flatten",
            "--csv",
            pages.to_str().expect("p"),
            csv.to_str().expect("p"),
        ],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let table = std::fs::read_to_string(&csv).expect("csv");
    let mut rows = table.lines();
    let header = rows.next().expect("header");
    for column in [
        "id",
        "text",
        "created_at",
        "author_id",
        "author.username",
        "conversation_id",
        "public_metrics.like_count",
        "lang",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "{column} in {header}"
        );
    }
    let rows: Vec<&str> = rows.collect();
    assert_eq!(rows.len(), posts_in);
    assert!(rows.iter().all(|r| r.contains(",ada,")));
    // flatten refuses a non-empty OUT too.
    let o = run(
        &server,
        &[
            "flatten",
            pages.to_str().expect("p"),
            flat.to_str().expect("p"),
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(1));
}

#[tokio::test]
async fn compliance_round_trip_writes_the_result_lines() {
    let server = MockServer::start().await;
    let base = server.uri();
    let job = |status: &str| {
        json!({"data": {"id": "1500000000000000001", "type": "tweets", "status": status,
            "upload_url": format!("{base}/upload/1"), "download_url": format!("{base}/download/1")}})
    };
    Mock::given(method("POST"))
        .and(path("/2/compliance/jobs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job("created")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/upload/1"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/compliance/jobs/1500000000000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job("in_progress")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/compliance/jobs/1500000000000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job("complete")))
        .with_priority(2)
        .mount(&server)
        .await;
    // Storage refuses the first download: the run fails after the job
    // exists, and --resume picks the same job up without creating another.
    Mock::given(method("GET"))
        .and(path("/download/1"))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/download/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "{\"id\":\"2\",\"action\":\"delete\",\"reason\":\"deleted\"}\n{\"id\":\"3\",\"action\":\"delete\",\"reason\":\"suspended\"}\n",
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    let dir = tmp();
    let ids = dir.path().join("ids.txt");
    std::fs::write(&ids, "1\n2\n3\n").expect("ids");
    let out = dir.path().join("compliance.jsonl");
    let mut args = vec![
        "compliance",
        ids.to_str().expect("p"),
        "--kind",
        "tweets",
        "--poll-seconds",
        "0.05",
        out.to_str().expect("p"),
    ];
    let o = run(&server, &args).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("503"), "{}", text(&o.stderr));
    args.push("--resume");
    let o = run(&server, &args).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("resuming compliance job"),
        "{}",
        text(&o.stderr)
    );
    let got = lines(&out);
    let reasons: Vec<&str> = got.iter().filter_map(|l| l["reason"].as_str()).collect();
    assert_eq!(reasons, ["deleted", "suspended"]);
    let state = state_of(&out).expect("state");
    assert_eq!(state["cursor"]["job_id"], "1500000000000000001");
    assert_eq!(state["cursor"]["lines"], 2);
}

#[tokio::test]
async fn stream_stops_at_its_limit() {
    let server = MockServer::start().await;
    let body = (1..=5)
        .map(|i| json!({"data": {"id": format!("{i}"), "text": format!("m{i}")}, "matching_rules": [{"id": "9", "tag": "t"}]}).to_string())
        .collect::<Vec<_>>()
        .join("\r\n")
        + "\r\n";
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/stream"))
        .and(query_param("expansions", "author_id,attachments.media_keys,attachments.poll_ids,entities.mentions.username,geo.place_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id"))
        .respond_with(ResponseTemplate::new(200).set_body_string(body))
        .mount(&server)
        .await;
    let dir = tmp();
    let out = dir.path().join("stream.jsonl");
    let o = run(
        &server,
        &["stream", "--limit", "3", out.to_str().expect("p")],
    )
    .await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    let got = lines(&out);
    assert_eq!(got.len(), 3);
    assert_eq!(got[2]["data"]["id"], "3");
    assert_eq!(got[0]["matching_rules"][0]["tag"], "t");
    assert_eq!(got[0]["__xapi"]["operation"], "streamPosts");
}

/// A one-page answer of `items` objects with id `prefix-N`.
fn one_page(prefix: &str, items: usize) -> Value {
    let data: Vec<Value> = (0..items)
        .map(|i| json!({"id": format!("{i}"), "text": format!("{prefix} {i}"), "username": format!("{prefix}{i}")}))
        .collect();
    json!({"data": data, "meta": {"result_count": items}})
}

#[tokio::test]
async fn the_other_pulls_reach_their_endpoints() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/users/by/username/ada"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"id": "77", "username": "ada"}})),
        )
        .mount(&server)
        .await;
    let endpoints = [
        ("/2/users/77/tweets", "timeline"),
        ("/2/users/77/mentions", "mentions"),
        ("/2/users/77/followers", "followers"),
        ("/2/users/77/following", "following"),
        ("/2/tweets/5/liking_users", "liking"),
        ("/2/tweets/5/retweeted_by", "reposted"),
        ("/2/tweets/5/quote_tweets", "quotes"),
        ("/2/lists/9/members", "members"),
        ("/2/tweets/counts/recent", "counts"),
        ("/2/users/by", "usernames"),
    ];
    for (p, prefix) in endpoints {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_json(one_page(prefix, 2)))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(query_param("query", "conversation_id:4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(one_page("reply", 2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/5"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"id": "5", "text": "t", "conversation_id": "4"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/stream/rules"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"id": "1", "value": "rust", "tag": "t"}], "meta": {"sent": "x", "result_count": 1}})))
        .mount(&server)
        .await;
    let dir = tmp();
    let names = dir.path().join("names.txt");
    std::fs::write(&names, "@ada\nbob\n").expect("names");
    let names = names.to_str().expect("p").to_owned();
    let runs: Vec<(Vec<&str>, &str, usize)> = vec![
        (vec!["timeline", "@ada"], "timeline", 1),
        (vec!["mentions", "77"], "mentions", 1),
        (vec!["followers", "@ada"], "followers", 1),
        (vec!["following", "77"], "following", 1),
        (vec!["liking-users", "5"], "liking", 1),
        (vec!["reposted-by", "5"], "reposted", 1),
        (vec!["quotes", "5"], "quotes", 1),
        (vec!["list-members", "9"], "members", 1),
        (vec!["counts", "rust", "--granularity", "hour"], "counts", 1),
        (vec!["users", &names, "--usernames"], "usernames", 1),
        (vec!["conversation", "5"], "reply", 2),
    ];
    for (args, prefix, pages) in runs {
        let o = run(&server, &args).await;
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        let out = text(&o.stdout);
        assert_eq!(out.lines().count(), pages, "{args:?}: {out}");
        let last: Value = serde_json::from_str(out.lines().last().unwrap_or("")).expect("json");
        assert_eq!(last["data"][0]["text"], format!("{prefix} 0"), "{args:?}");
    }
    let o = run(&server, &["stream-rules", "list"]).await;
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("\"value\":\"rust\""));
}
