//! Authentication under faults: token endpoints that hand out very short
//! lifetimes, rejected app-only bearers, token callbacks that call back into
//! the manager, credentials and plain `http`, redirects.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::json;
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

#[tokio::test]
#[ignore = "needs the send path to drop the rejected app-only bearer (BearerCache::reject)"]
async fn app_only_bearer_is_fetched_again_once_after_a_401() {
    tokio::time::timeout(TEST_BOUND, async {
        let server = MockServer::start().await;
        let grants = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(NumberedBearers(Arc::clone(&grants)))
            .mount(&server)
            .await;
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
        let server = MockServer::start().await;
        let grants = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(NumberedBearers(Arc::clone(&grants)))
            .mount(&server)
            .await;
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
