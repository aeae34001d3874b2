//! Authentication under faults: token endpoints that hand out very short
//! lifetimes, rejected app-only bearers, token callbacks that call back into
//! the manager, credentials and plain `http`, redirects, and OAuth 1.0a
//! signatures recomputed from the bytes that arrived on a loopback socket.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha1::Sha1;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{any, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xapi::auth::oauth2::OAuth2Client;
use xapi::auth::{Credentials, TokenPair, UserTokenManager};
use xapi::posts::NewPost;
use xapi::{Api, Client, Error};

/// Longest any single test here may take before it counts as hung.
const TEST_BOUND: Duration = Duration::from_secs(30);

fn me_json() -> serde_json::Value {
    json!({"data": {"id": "2244994945", "name": "X Dev", "username": "XDevelopers"}})
}

fn token_answer(access: &str, expires_in: u64, scope: &str) -> serde_json::Value {
    json!({
        "token_type": "bearer",
        "expires_in": expires_in,
        "access_token": access,
        "scope": scope,
        "refresh_token": "NEXT-REFRESH"
    })
}

fn oauth2_client(server: &MockServer) -> OAuth2Client {
    OAuth2Client::new("client-id", "https://app.example/cb")
        .with_token_url(format!("{}/2/oauth2/token", server.uri()))
}

fn expired_pair() -> TokenPair {
    TokenPair::new("EXPIRED-ACCESS")
        .with_refresh_token("FIRST-REFRESH")
        .with_expires_at(SystemTime::now() - Duration::from_secs(1))
        .with_scopes(["tweet.read", "users.read", "offline.access"])
}

fn plain_http() -> reqwest::Client {
    xapi::tls::ensure_provider();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

async fn count_path(server: &MockServer, wanted: &str) -> usize {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .filter(|r| r.url.path() == wanted)
        .count()
}

// ---------------------------------------------------------------------------
// 12. Auth under stress.

/// A token endpoint that grants tokens living `expires_in` seconds: twenty
/// requests in a row cause one refresh, not one each.
async fn twenty_requests_with_lifetime(expires_in: u64) -> usize {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_answer(
            "SHORT-LIVED",
            expires_in,
            "tweet.read users.read offline.access",
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .and(header("authorization", "Bearer SHORT-LIVED"))
        .respond_with(ResponseTemplate::new(200).set_body_json(me_json()))
        .mount(&server)
        .await;
    let manager = UserTokenManager::new(oauth2_client(&server), expired_pair());
    let client = Client::builder()
        .credentials(Credentials::oauth2_user(manager))
        .base_url(server.uri())
        .build()
        .expect("client");
    for i in 0..20 {
        let me = client.users().get_me().send().await;
        assert!(
            me.is_ok(),
            "request {i} with expires_in={expires_in}: {me:?}"
        );
    }
    count_path(&server, "/2/oauth2/token").await
}

#[tokio::test]
async fn short_token_lifetimes_do_not_cause_a_refresh_storm() {
    tokio::time::timeout(TEST_BOUND, async {
        let refreshes = twenty_requests_with_lifetime(5).await;
        assert_eq!(refreshes, 1, "expires_in=5: one refresh for 20 requests");
        // A token said to expire at once is still used for a moment rather
        // than renewed before every request.
        let refreshes = twenty_requests_with_lifetime(0).await;
        assert!(
            refreshes <= 2,
            "expires_in=0: {refreshes} refreshes for 20 requests"
        );
    })
    .await
    .expect("finished in time");
}

/// Grants `APP-1`, `APP-2`, … in turn and counts the grants.
struct NumberedBearers(Arc<AtomicUsize>);

impl Respond for NumberedBearers {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({"token_type": "bearer", "access_token": format!("APP-{n}")}))
    }
}

/// A mock whose token endpoint grants [`NumberedBearers`], with the count
/// of grants.
async fn bearer_server() -> (MockServer, Arc<AtomicUsize>) {
    let server = MockServer::start().await;
    let grants = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .respond_with(NumberedBearers(Arc::clone(&grants)))
        .mount(&server)
        .await;
    (server, grants)
}

#[tokio::test]
async fn app_only_bearer_is_fetched_again_once_after_a_401() {
    tokio::time::timeout(TEST_BOUND, async {
        let (server, grants) = bearer_server().await;
        // The first bearer has been revoked; the second one works.
        Mock::given(method("GET"))
            .and(path("/2/users/me"))
            .and(header("authorization", "Bearer APP-2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(me_json()))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/2/users/me"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"title": "Unauthorized", "type": "about:blank", "status": 401}),
            ))
            .mount(&server)
            .await;
        let client = Client::builder()
            .credentials(Credentials::app_only("app-key", "app-secret"))
            .base_url(server.uri())
            .build()
            .expect("client");

        let me = client.users().get_me().send().await;
        assert!(
            me.is_ok(),
            "a fresh bearer is fetched after the 401: {me:?}"
        );
        assert_eq!(grants.load(Ordering::SeqCst), 2);
        // The new bearer is cached.
        let me = client.users().get_me().send().await;
        assert!(me.is_ok(), "{me:?}");
        assert_eq!(grants.load(Ordering::SeqCst), 2);

        // A bearer that is refused again is fetched again once, not in a loop.
        let (server, grants) = bearer_server().await;
        Mock::given(method("GET"))
            .and(path("/2/users/me"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        let client = Client::builder()
            .credentials(Credentials::app_only("app-key", "app-secret"))
            .base_url(server.uri())
            .build()
            .expect("client");
        let err = client
            .users()
            .get_me()
            .send()
            .await
            .expect_err("still refused");
        assert_eq!(err.status(), Some(401), "{err:?}");
        assert_eq!(grants.load(Ordering::SeqCst), 2);
        assert_eq!(count_path(&server, "/2/users/me").await, 2);
    })
    .await
    .expect("finished in time");
}

/// Grants a new token for each refresh, numbering it in its scope, so that
/// the pairs a callback sees can be told apart.
struct NumberedUserTokens(Arc<AtomicUsize>);

impl Respond for NumberedUserTokens {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(token_answer(
                &format!("USER-{n}"),
                7200,
                &format!("gen.{n}"),
            ))
            .set_delay(Duration::from_millis(20))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_callback_may_ask_the_manager_for_the_token() {
    tokio::time::timeout(TEST_BOUND, async {
        let server = MockServer::start().await;
        let grants = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .respond_with(NumberedUserTokens(Arc::clone(&grants)))
            .mount(&server)
            .await;

        let me: Arc<OnceLock<(UserTokenManager, reqwest::Client)>> = Arc::new(OnceLock::new());
        let asked: Arc<Mutex<Vec<Result<(), String>>>> = Arc::default();
        let persisted: Arc<Mutex<Vec<String>>> = Arc::default();
        let (me2, asked2, persisted2) =
            (Arc::clone(&me), Arc::clone(&asked), Arc::clone(&persisted));
        let manager = UserTokenManager::new(oauth2_client(&server), expired_pair()).with_callback(
            move |pair: &TokenPair| {
                persisted2.lock().expect("lock").push(pair.scopes.join(" "));
                let Some((manager, http)) = me2.get() else {
                    return;
                };
                if !asked2.lock().expect("lock").is_empty() {
                    return;
                }
                // What a callback that persists the pair and then checks
                // the manager's view would do. Waiting here must end, and
                // within a bound, whatever the manager does.
                let (manager, http) = (manager.clone(), http.clone());
                let outcome = tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current().block_on(async move {
                        tokio::time::timeout(Duration::from_secs(3), manager.access_token(&http))
                            .await
                    })
                });
                let outcome = match outcome {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(format!("the manager failed: {e}")),
                    Err(_) => Err("the manager was still locked after 3 s".to_owned()),
                };
                asked2.lock().expect("lock").push(outcome);
            },
        );
        let http = plain_http();
        assert!(me.set((manager.clone(), http.clone())).is_ok());

        let token = manager.access_token(&http).await;
        assert!(token.is_ok(), "{token:?}");
        assert_eq!(*asked.lock().expect("lock"), [Ok(())]);
        assert_eq!(grants.load(Ordering::SeqCst), 1);

        // Concurrent forced refreshes: the callback sees each new pair at
        // most once, oldest first, and the last one it sees is the current one.
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let (m, h) = (manager.clone(), http.clone());
            tasks.push(tokio::spawn(async move { m.force_refresh(&h).await }));
        }
        for task in tasks {
            let refreshed = task.await.expect("task");
            assert!(refreshed.is_ok(), "{refreshed:?}");
        }
        // The last delivery may still be on its way on another task.
        let current = manager.tokens().await.scopes.join(" ");
        assert_eq!(current, "gen.5");
        for _ in 0..100 {
            if persisted.lock().expect("lock").last() == Some(&current) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let persisted = persisted.lock().expect("lock").clone();
        assert_eq!(persisted.first().map(String::as_str), Some("gen.1"));
        assert_eq!(persisted.last(), Some(&current), "{persisted:?}");
        let numbers: Vec<u32> = persisted
            .iter()
            .filter_map(|s| s.strip_prefix("gen.").and_then(|n| n.parse().ok()))
            .collect();
        assert!(
            numbers.windows(2).all(|w| w[0] < w[1]),
            "in order, each once: {persisted:?}"
        );
    })
    .await
    .expect("no deadlock");
}

// ---------------------------------------------------------------------------
// 13. Credentials stay where they belong.

#[test]
fn debug_output_hides_user_info_of_the_base_url() {
    let builder = Client::builder()
        .bearer_token("t")
        .base_url("https://alice:hunter2@api.example.test:8443/prefix");
    let shown_builder = format!("{builder:?} {builder:#?}");
    let client = builder.build().expect("client");
    let shown = format!("{shown_builder} {client:?} {client:#?}");
    for secret in ["hunter2", "alice"] {
        assert!(!shown.contains(secret), "{secret} leaks: {shown}");
    }
    assert!(shown.contains("api.example.test:8443/prefix"), "{shown}");

    // A user name alone is redacted too: it is often a token.
    let client = Client::builder()
        .bearer_token("t")
        .base_url("https://tok3n@api.example.test")
        .build()
        .expect("client");
    assert!(!format!("{client:?}").contains("tok3n"), "{client:?}");
}

#[test]
fn credentials_need_an_opt_in_for_plain_http_to_other_hosts() {
    let credentials = || {
        [
            Credentials::bearer("t"),
            Credentials::app_only("k", "s"),
            Credentials::oauth1("ck", "cs", "at", "as"),
        ]
    };
    for base in [
        "http://example.com",
        "http://api.x.com:80/",
        "http://192.0.2.7:8080",
        "http://[2001:db8::1]",
        "http://localhost.example.com",
    ] {
        for creds in credentials() {
            let refused = Client::builder()
                .credentials(creds.clone())
                .base_url(base)
                .build();
            match refused {
                Err(Error::InvalidRequest { parameter, .. }) => assert_eq!(parameter, "base_url"),
                other => panic!("{base} with {creds:?} must be refused, got {other:?}"),
            }
            let allowed = Client::builder()
                .credentials(creds)
                .base_url(base)
                .allow_insecure_http(true)
                .build();
            assert!(allowed.is_ok(), "{base}: {allowed:?}");
        }
        // Without credentials there is nothing to protect.
        assert!(Client::builder().base_url(base).build().is_ok(), "{base}");
    }
    for base in [
        "http://127.0.0.1:9",
        "http://127.10.20.30",
        "http://localhost:9",
        "http://LOCALHOST",
        "http://[::1]:9",
        "https://example.com",
    ] {
        for creds in credentials() {
            let built = Client::builder().credentials(creds).base_url(base).build();
            assert!(built.is_ok(), "{base}: {built:?}");
        }
    }
}

/// Answers every request with `status` and a `Location` of `to`.
async fn redirecting(server: &MockServer, status: u16, to: String) {
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).insert_header("location", to.as_str()))
        .mount(server)
        .await;
}

#[tokio::test]
async fn redirects_never_leave_the_origin_nor_repeat_a_write() {
    tokio::time::timeout(TEST_BOUND, async {
        // A sends everything to B, another origin (another port).
        let a = MockServer::start().await;
        let b = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(200).set_body_json(me_json()))
            .mount(&b)
            .await;
        redirecting(&a, 307, format!("{}/2/users/me", b.uri())).await;
        for credentials in [
            Credentials::bearer("BEARER-FOR-A-ONLY"),
            Credentials::oauth1("ck", "cs", "at", "as"),
        ] {
            let client = Client::builder()
                .credentials(credentials)
                .base_url(a.uri())
                .build()
                .expect("client");
            let got = client.users().get_me().send().await;
            assert_eq!(
                got.as_ref().err().and_then(Error::status),
                Some(307),
                "{got:?}"
            );
            let posted = client.create_post(NewPost::text("hello")).await;
            assert_eq!(
                posted.as_ref().err().and_then(Error::status),
                Some(307),
                "{posted:?}"
            );
        }
        let at_b = b.received_requests().await.expect("recording is on");
        for request in &at_b {
            assert!(
                !request.headers.contains_key("authorization"),
                "credentials reached another host: {request:?}"
            );
        }
        assert!(at_b.is_empty(), "{} request(s) followed to B", at_b.len());
        let at_a = a.received_requests().await.expect("recording is on");
        let posts = at_a.iter().filter(|r| r.method.as_str() == "POST").count();
        assert_eq!((at_a.len(), posts), (4, 2), "one request per call at A");

        // On one origin: a POST answered with 307 is not sent again, and a
        // GET answered with 303 is followed.
        let c = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2/tweets"))
            .respond_with(
                ResponseTemplate::new(307)
                    .insert_header("location", format!("{}/2/tweets", c.uri()).as_str()),
            )
            .mount(&c)
            .await;
        Mock::given(method("GET"))
            .and(path("/2/users/me"))
            .respond_with(
                ResponseTemplate::new(303).insert_header("location", "/2/users/me/elsewhere"),
            )
            .mount(&c)
            .await;
        Mock::given(method("GET"))
            .and(path("/2/users/me/elsewhere"))
            .and(header("authorization", "Bearer SAME-ORIGIN"))
            .respond_with(ResponseTemplate::new(200).set_body_json(me_json()))
            .mount(&c)
            .await;
        let client = Client::builder()
            .bearer_token("SAME-ORIGIN")
            .base_url(c.uri())
            .build()
            .expect("client");
        let posted = client.create_post(NewPost::text("only once")).await;
        assert_eq!(
            posted.as_ref().err().and_then(Error::status),
            Some(307),
            "{posted:?}"
        );
        assert_eq!(
            count_path(&c, "/2/tweets").await,
            1,
            "the POST was sent again"
        );
        let me = client.users().get_me().send().await;
        assert!(me.is_ok(), "{me:?}");

        // A chain of redirects on one origin ends after a few hops.
        let d = MockServer::start().await;
        redirecting(&d, 303, "/2/users/me".to_owned()).await;
        let client = Client::builder()
            .bearer_token("LOOP")
            .base_url(d.uri())
            .build()
            .expect("client");
        let looped = client.users().get_me().send().await;
        assert!(looped.is_err(), "{looped:?}");
        let hops = count_path(&d, "/2/users/me").await;
        assert!((2..=4).contains(&hops), "{hops} requests in the chain");
    })
    .await
    .expect("finished in time");
}

// ---------------------------------------------------------------------------
// 14. OAuth 1.0a encodes what it signs.

const CONSUMER_KEY: &str = "consumer key+1";
const CONSUMER_SECRET: &str = "consumer secret&*~";
const ACCESS_TOKEN: &str = "1234-access token";
const TOKEN_SECRET: &str = "token secret/é";

/// One request as it arrived: the request line, the headers, the body.
#[derive(Debug, Clone)]
struct Arrived {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Arrived {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A loopback HTTP/1.1 server that records each request byte for byte and
/// answers `body` with status 200, closing every connection.
async fn recording_server(body: &'static str) -> (String, Arc<Mutex<Vec<Arrived>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let address = listener.local_addr().expect("address");
    let arrived: Arc<Mutex<Vec<Arrived>>> = Arc::default();
    let sink = Arc::clone(&arrived);
    tokio::spawn(async move {
        // Bounded: the test sends a handful of requests.
        for _ in 0..64 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let sink = Arc::clone(&sink);
            tokio::spawn(async move {
                let read = tokio::time::timeout(Duration::from_secs(5), read_request(&mut socket));
                if let Ok(Some(request)) = read.await {
                    sink.lock().expect("lock").push(request);
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                         content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                }
            });
        }
    });
    (format!("http://{address}"), arrived)
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Arrived> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 || data.len() > 1 << 20 {
            return None;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(data[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Arrived {
        method,
        target,
        headers,
        body,
    })
}

/// RFC 3986 percent-encoding as RFC 5849 section 3.6 requires: every byte
/// but `A-Z a-z 0-9 - . _ ~` as `%XX`, upper-case.
fn rfc3986(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Strict percent-decoding: `%XX` becomes a byte, everything else (`+`
/// included) stands for itself. `None` for a broken escape.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The `name=value` pairs of a query or form body, still encoded.
fn raw_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.to_owned(), v.to_owned()),
            None => (p.to_owned(), String::new()),
        })
        .collect()
}

/// Checks that every name and value went out encoded exactly as the
/// signature base string encodes it.
fn assert_canonical(what: &str, pairs: &[(String, String)]) {
    for (k, v) in pairs {
        for part in [k, v] {
            let decoded =
                percent_decode(part).unwrap_or_else(|| panic!("{what}: bad escape {part}"));
            assert_eq!(
                &rfc3986(&decoded),
                part,
                "{what}: {part:?} is not encoded as it is signed"
            );
        }
    }
}

/// The `oauth_*` fields of an `Authorization: OAuth …` header, decoded.
fn oauth_fields(header: &str) -> Vec<(String, String)> {
    let rest = header.strip_prefix("OAuth ").expect("an OAuth header");
    rest.split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|field| {
            let (k, v) = field.split_once('=').expect("key=value");
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .expect("a quoted value");
            let v = percent_decode(v).expect("escape");
            (k.to_owned(), String::from_utf8(v).expect("UTF-8"))
        })
        .collect()
}

/// The signature base string of RFC 5849 section 3.4.1, from what arrived.
fn base_string(arrived: &Arrived) -> String {
    let (path, query) = match arrived.target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (arrived.target.as_str(), ""),
    };
    let host = arrived
        .header("host")
        .expect("a Host header")
        .to_ascii_lowercase();
    let base_uri = format!("http://{host}{path}");
    let mut params: Vec<(String, String)> = Vec::new();
    let mut add = |k: &[u8], v: &[u8]| params.push((rfc3986(k), rfc3986(v)));
    for (k, v) in raw_pairs(query) {
        add(
            &percent_decode(&k).expect("name"),
            &percent_decode(&v).expect("value"),
        );
    }
    let is_form = arrived
        .header("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        let body = std::str::from_utf8(&arrived.body).expect("an ASCII form body");
        for (k, v) in raw_pairs(body) {
            add(
                &percent_decode(&k).expect("name"),
                &percent_decode(&v).expect("value"),
            );
        }
    }
    let header = arrived.header("authorization").expect("signed");
    for (k, v) in oauth_fields(header) {
        if k != "oauth_signature" && k != "realm" {
            add(k.as_bytes(), v.as_bytes());
        }
    }
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    format!(
        "{}&{}&{}",
        arrived.method.to_ascii_uppercase(),
        rfc3986(base_uri.as_bytes()),
        rfc3986(joined.as_bytes())
    )
}

/// HMAC-SHA1 in base64, from the hmac and sha1 crates: a signing done
/// apart from the library's.
fn hmac_sha1_base64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length");
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Recomputes the signature of `arrived` and compares it with the one sent.
fn assert_signature_matches(arrived: &Arrived) {
    let header = arrived.header("authorization").expect("signed");
    let fields = oauth_fields(header);
    let sent = fields
        .iter()
        .find(|(k, _)| k == "oauth_signature")
        .map(|(_, v)| v.clone())
        .expect("oauth_signature");
    let base = base_string(arrived);
    let key = format!(
        "{}&{}",
        rfc3986(CONSUMER_SECRET.as_bytes()),
        rfc3986(TOKEN_SECRET.as_bytes())
    );
    let expected = hmac_sha1_base64(key.as_bytes(), base.as_bytes());
    assert_eq!(
        sent, expected,
        "signature of {} {} does not match what arrived; base string {base}",
        arrived.method, arrived.target
    );
}

/// Checks the helpers above against RFC 2202 test vectors, so that a
/// signature mismatch is the library's and not theirs.
fn check_the_checker() {
    assert_eq!(
        hmac_sha1_base64(b"Jefe", b"what do ya want for nothing?"),
        "7/zfauXrL6LSdBbV8YTfnCWafHk="
    );
    assert_eq!(
        hmac_sha1_base64(
            &[0xaa; 80],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "qkrl4VJy0A6VcFY3zoo7Ve1AIRI="
    );
    assert_eq!(
        rfc3986("a b+*~é😀&=?/".as_bytes()),
        "a%20b%2B%2A~%C3%A9%F0%9F%98%80%26%3D%3F%2F"
    );
}

const VALUES: [&str; 8] = [
    "a b",
    "1+1",
    "*",
    "~",
    "é",
    "😀",
    "&=?/",
    "all of them: a b 1+1 * ~ é 😀 &=?/ %20 !'()",
];

#[tokio::test]
async fn oauth1_query_goes_out_encoded_as_it_is_signed() {
    check_the_checker();
    tokio::time::timeout(TEST_BOUND, async {
        let (base, arrived) = recording_server(r#"{"meta":{"result_count":0}}"#).await;
        let client = Client::builder()
            .credentials(Credentials::oauth1(
                CONSUMER_KEY,
                CONSUMER_SECRET,
                ACCESS_TOKEN,
                TOKEN_SECRET,
            ))
            .base_url(base)
            .build()
            .expect("client");
        for value in VALUES {
            let sent = client.tweets().search_recent(value).send().await;
            assert!(sent.is_ok(), "{value:?}: {sent:?}");
        }
        let arrived = arrived.lock().expect("lock").clone();
        assert_eq!(arrived.len(), VALUES.len());
        for (request, value) in arrived.iter().zip(VALUES) {
            let query = request.target.split_once('?').map(|(_, q)| q).unwrap_or("");
            let pairs = raw_pairs(query);
            assert_canonical(&request.target, &pairs);
            let got: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k == "query")
                .filter_map(|(_, v)| String::from_utf8(percent_decode(v)?).ok())
                .collect();
            assert_eq!(got, [value], "the value arrives unchanged");
            assert_signature_matches(request);
        }
    })
    .await
    .expect("finished in time");
}

#[tokio::test]
async fn oauth1_form_body_goes_out_encoded_as_it_is_signed() {
    check_the_checker();
    tokio::time::timeout(TEST_BOUND, async {
        let (base, arrived) = recording_server("{}").await;
        let creds = xapi::auth::OAuth1Credentials::new(
            CONSUMER_KEY,
            CONSUMER_SECRET,
            ACCESS_TOKEN,
            TOKEN_SECRET,
        );
        // As an HTML form or `form_urlencoded` would write it: `+` for a
        // space, `*` and `~` as they are or escaped.
        let url = format!("{base}/1.1/statuses/update.json?include_entities=true&q=a+b*%7E");
        let form = "status=Hello+Ladies+%2B+Gentlemen%2C+*~%7E+%C3%A9+%F0%9F%98%80+%26%3D%3F%2F&x=";
        let mut request = reqwest::Request::new(
            reqwest::Method::POST,
            reqwest::Url::parse(&url).expect("url"),
        );
        request.headers_mut().insert(
            reqwest::header::CONTENT_TYPE,
            reqwest::header::HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        *request.body_mut() = Some(form.into());
        xapi::auth::oauth1::sign_request(&creds, &mut request).expect("signed");
        let answer = plain_http().execute(request).await.expect("sent");
        assert_eq!(answer.status(), 200);

        let arrived = arrived.lock().expect("lock").clone();
        assert_eq!(arrived.len(), 1);
        let request = &arrived[0];
        let query = request.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        assert_canonical("query", &raw_pairs(query));
        let body = std::str::from_utf8(&request.body).expect("ASCII");
        let pairs = raw_pairs(body);
        assert_canonical("body", &pairs);
        let status = pairs
            .iter()
            .find(|(k, _)| k == "status")
            .and_then(|(_, v)| String::from_utf8(percent_decode(v)?).ok());
        assert_eq!(
            status.as_deref(),
            Some("Hello Ladies + Gentlemen, *~~ é 😀 &=?/")
        );
        assert_signature_matches(request);
    })
    .await
    .expect("finished in time");
}

/// Opens the filtered stream with app-only credentials and returns what it
/// gave before it ended or its first message: the message count and the
/// error it ended with, if any.
async fn stream_with_app_only(server: &MockServer) -> (usize, Option<Error>) {
    use futures::StreamExt;
    use xapi::stream::StreamEvent;
    let client = Client::builder()
        .credentials(Credentials::app_only("app-key", "app-secret"))
        .base_url(server.uri())
        .build()
        .expect("client");
    let mut events = client.stream().posts().stream();
    let mut messages = 0;
    while let Some(event) = events.next().await {
        match event {
            Ok(StreamEvent::Message(_)) => {
                messages += 1;
                break;
            }
            Ok(_) => {}
            Err(e) => return (messages, Some(e)),
        }
    }
    (messages, None)
}

#[tokio::test]
async fn a_stream_fetches_its_app_only_bearer_again_once_after_a_401() {
    tokio::time::timeout(TEST_BOUND, async {
        let (server, grants) = bearer_server().await;
        Mock::given(method("GET"))
            .and(path("/2/tweets/search/stream"))
            .and(header("authorization", "Bearer APP-2"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string("{\"data\":{\"id\":\"20\",\"text\":\"hello\"}}\r\n"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/2/tweets/search/stream"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        let (messages, error) = stream_with_app_only(&server).await;
        assert_eq!(
            messages, 1,
            "the stream reconnects with a new bearer: {error:?}"
        );
        assert_eq!(grants.load(Ordering::SeqCst), 2);

        // Refused again: the stream ends after one new bearer, not in a loop.
        let (server, grants) = bearer_server().await;
        Mock::given(method("GET"))
            .and(path("/2/tweets/search/stream"))
            .respond_with(ResponseTemplate::new(401))
            .mount(&server)
            .await;
        let (messages, error) = stream_with_app_only(&server).await;
        assert_eq!(messages, 0);
        let status = error.as_ref().and_then(Error::status);
        assert_eq!(status, Some(401), "{error:?}");
        assert_eq!(grants.load(Ordering::SeqCst), 2);
        assert_eq!(count_path(&server, "/2/tweets/search/stream").await, 2);
    })
    .await
    .expect("finished in time");
}
