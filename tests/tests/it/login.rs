//! Login flows against loopback servers: OAuth 1.0a three-legged and PIN
//! logins, whose signatures the server recomputes on its own (HMAC-SHA1
//! from the crates, the base string built here), and answers that do not
//! decode.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};
use xapi::auth::oauth1_login::{OAuth1Login, OOB};
use xapi::auth::{AuthError, Credentials};
use xapi::{Api, Client};

/// Longest any single test here may take before it counts as hung.
const TEST_BOUND: Duration = Duration::from_secs(30);

const CONSUMER_KEY: &str = "login-app key";
const CONSUMER_SECRET: &str = "login secret&+/";
const REQUEST_TOKEN: &str = "REQ-token~1";
const REQUEST_SECRET: &str = "req secret!";
const USER_TOKEN: &str = "2244994945-USERTOKEN";
const USER_SECRET: &str = "user*secret";
const PIN: &str = "8675309";

fn http() -> reqwest::Client {
    xapi::tls::ensure_provider();
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("a reqwest client")
}

/// RFC 3986 percent-encoding, as OAuth 1.0a wants it.
fn enc(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn dec(text: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).expect("ascii");
            bytes.push(u8::from_str_radix(hex, 16).expect("hex"));
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    String::from_utf8(bytes).expect("utf-8")
}

/// The fields of an `OAuth …` header, decoded.
fn oauth_fields(header: &str) -> Vec<(String, String)> {
    header
        .strip_prefix("OAuth ")
        .expect("an OAuth header")
        .split(", ")
        .map(|field| {
            let (k, v) = field.split_once('=').expect("name=value");
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .expect("quoted");
            (dec(k), dec(v))
        })
        .collect()
}

/// Whether `request` carries a valid signature made with the consumer
/// secret and `token_secret`: the base string is built here from what
/// arrived, then HMAC-SHA1'd with the `hmac` and `sha1` crates.
fn signed_with(request: &Request, token_secret: &str) -> Result<Vec<(String, String)>, String> {
    let header = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or("no authorization header")?;
    let fields = oauth_fields(header);
    let mut params: Vec<(String, String)> = fields
        .iter()
        .filter(|(k, _)| k != "oauth_signature")
        .map(|(k, v)| (enc(k), enc(v)))
        .collect();
    for (k, v) in request.url.query_pairs() {
        params.push((enc(&k), enc(&v)));
    }
    params.sort();
    let joined = params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    // The URL as the client addressed it: its Host header and the path.
    let host = request
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .ok_or("no host header")?;
    let base_uri = format!("http://{host}{}", request.url.path());
    let base = format!(
        "{}&{}&{}",
        request.method.as_str(),
        enc(&base_uri),
        enc(&joined)
    );
    let key = format!("{}&{}", enc(CONSUMER_SECRET), enc(token_secret));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(base.as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    let sent = fields
        .iter()
        .find(|(k, _)| k == "oauth_signature")
        .map(|(_, v)| v.as_str());
    if sent != Some(expected.as_str()) {
        return Err(format!(
            "signature {sent:?}, expected {expected} over {base}"
        ));
    }
    Ok(fields)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn refused(why: String) -> ResponseTemplate {
    ResponseTemplate::new(401).set_body_json(serde_json::json!({
        "errors": [{"code": 32, "message": format!("Could not authenticate you: {why}")}]
    }))
}

/// X's login endpoints, checking every signature; records the callbacks
/// and verifiers it was sent.
#[derive(Clone, Default)]
struct LoginEndpoints {
    seen: Arc<Mutex<Vec<String>>>,
}

impl Respond for LoginEndpoints {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.url.path() {
            "/oauth/request_token" => {
                let fields = match signed_with(request, "") {
                    Ok(f) => f,
                    Err(why) => return refused(why),
                };
                if field(&fields, "oauth_token").is_some() {
                    return refused("a token in step 1".to_owned());
                }
                let callback = field(&fields, "oauth_callback").unwrap_or("(none)");
                self.seen
                    .lock()
                    .expect("lock")
                    .push(format!("callback {callback}"));
                ResponseTemplate::new(200).set_body_string(format!(
                    "oauth_token={}&oauth_token_secret={}&oauth_callback_confirmed=true",
                    enc(REQUEST_TOKEN),
                    enc(REQUEST_SECRET)
                ))
            }
            "/oauth/access_token" => {
                let fields = match signed_with(request, REQUEST_SECRET) {
                    Ok(f) => f,
                    Err(why) => return refused(why),
                };
                if field(&fields, "oauth_token") != Some(REQUEST_TOKEN) {
                    return refused("not the request token".to_owned());
                }
                let verifier = field(&fields, "oauth_verifier").unwrap_or("(none)");
                self.seen
                    .lock()
                    .expect("lock")
                    .push(format!("verifier {verifier}"));
                if verifier != PIN {
                    return refused("wrong verifier".to_owned());
                }
                // Keys in another order than usual, and a trailing newline.
                ResponseTemplate::new(200).set_body_string(format!(
                    "user_id=2244994945&oauth_token={}&screen_name=XDevelopers&oauth_token_secret={}\n",
                    enc(USER_TOKEN),
                    enc(USER_SECRET)
                ))
            }
            "/2/users/me" => match signed_with(request, USER_SECRET) {
                Ok(fields) if field(&fields, "oauth_token") == Some(USER_TOKEN) => {
                    ResponseTemplate::new(200).set_body_json(serde_json::json!({
                        "data": {"id": "2244994945", "name": "X Dev", "username": "XDevelopers"}
                    }))
                }
                Ok(_) => refused("not the user's token".to_owned()),
                Err(why) => refused(why),
            },
            _ => ResponseTemplate::new(404),
        }
    }
}

async fn login_server() -> (MockServer, LoginEndpoints) {
    let server = MockServer::start().await;
    let endpoints = LoginEndpoints::default();
    Mock::given(method("POST"))
        .respond_with(endpoints.clone())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .respond_with(endpoints.clone())
        .mount(&server)
        .await;
    (server, endpoints)
}

#[tokio::test]
async fn oauth1_pin_login_gives_a_token_pair_that_signs_requests() {
    tokio::time::timeout(TEST_BOUND, async {
        let (server, endpoints) = login_server().await;
        let login = OAuth1Login::new(CONSUMER_KEY, CONSUMER_SECRET)
            .with_base_url(&server.uri())
            .expect("a loopback base URL");
        let http = http();
        let request = login
            .request_token(&http, OOB)
            .await
            .expect("request token");
        assert_eq!(request.token, REQUEST_TOKEN);
        let authorize = login.authorize_url(&request).expect("authorize URL");
        assert_eq!(
            authorize.as_str(),
            format!("{}/oauth/authorize?oauth_token=REQ-token%7E1", server.uri())
        );
        let access = login
            .access_token(&http, &request, &format!(" {PIN}\n"))
            .await
            .expect("access token");
        assert_eq!(access.user_id, "2244994945");
        assert_eq!(access.screen_name, "XDevelopers");
        assert_eq!(access.credentials.access_token, USER_TOKEN);
        assert_eq!(access.credentials.consumer_key, CONSUMER_KEY);
        let shown = format!("{access:?}");
        for secret in [USER_TOKEN, USER_SECRET, CONSUMER_SECRET] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            *endpoints.seen.lock().expect("lock"),
            ["callback oob".to_owned(), format!("verifier {PIN}")]
        );

        // The pair signs the user's requests.
        let client = Client::builder()
            .credentials(Credentials::from(access))
            .base_url(server.uri())
            .build()
            .expect("client");
        let me = client
            .users()
            .get_me()
            .send()
            .await
            .expect("signed as the user");
        let username = me
            .data()
            .and_then(|u| u.username.clone())
            .unwrap_or_default();
        assert_eq!(username, "XDevelopers");
    })
    .await
    .expect("finished in time");
}

#[tokio::test]
async fn oauth1_three_legged_login_returns_through_the_callback() {
    tokio::time::timeout(TEST_BOUND, async {
        let (server, endpoints) = login_server().await;
        let login = OAuth1Login::new(CONSUMER_KEY, CONSUMER_SECRET)
            .with_base_url(&format!("{}/", server.uri()))
            .expect("a loopback base URL");
        let http = http();
        let callback = "http://127.0.0.1:8765/callback?from=login";
        let request = login
            .request_token(&http, callback)
            .await
            .expect("request token");
        // X sends the user back here with the token and the verifier.
        let arrived = format!(
            "/callback?from=login&oauth_token={}&oauth_verifier={PIN}",
            enc(REQUEST_TOKEN)
        );
        let verifier = request.verifier_from_callback(&arrived).expect("verifier");
        let access = login
            .access_token(&http, &request, &verifier)
            .await
            .expect("access token");
        assert_eq!(access.screen_name, "XDevelopers");
        assert_eq!(
            *endpoints.seen.lock().expect("lock"),
            [format!("callback {callback}"), format!("verifier {PIN}")]
        );

        // A wrong verifier: the endpoint's refusal, with its message.
        let err = login
            .access_token(&http, &request, "0000000")
            .await
            .expect_err("refused");
        match err {
            AuthError::TokenEndpoint { status, detail } => {
                assert_eq!(status, 401);
                assert!(detail.contains("wrong verifier"), "{detail}");
            }
            other => panic!("unexpected {other:?}"),
        }
    })
    .await
    .expect("finished in time");
}

/// Answers each request with the next of `bodies` (status, body).
struct Scripted(Mutex<Vec<(u16, &'static str)>>);

impl Respond for Scripted {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut bodies = self.0.lock().expect("lock");
        let (status, body) = if bodies.is_empty() {
            (500, "")
        } else {
            bodies.remove(0)
        };
        ResponseTemplate::new(status).set_body_string(body)
    }
}

#[tokio::test]
async fn oauth1_login_answers_that_do_not_decode_are_errors_with_context() {
    tokio::time::timeout(TEST_BOUND, async {
        let request_token_cases: Vec<(u16, &'static str, &'static str)> = vec![
            (200, "", "empty"),
            (200, "<html>Sorry</html>", "markup"),
            (
                200,
                "oauth_token_secret=s&oauth_callback_confirmed=true",
                "no oauth_token",
            ),
            (
                200,
                "oauth_token=t&oauth_callback_confirmed=true",
                "no oauth_token_secret",
            ),
            (
                200,
                "oauth_token=t&oauth_token_secret=s",
                "does not confirm the callback",
            ),
            (
                200,
                "oauth_token=t&oauth_token_secret=s&oauth_callback_confirmed=false",
                "does not confirm the callback",
            ),
            (200, "{\"oauth_token\": [1]", "neither"),
            (503, "over capacity", "over capacity"),
        ];
        let access_token_cases: Vec<(u16, &'static str, &'static str)> = vec![
            (
                200,
                "oauth_token=t&oauth_token_secret=s&user_id=1",
                "no screen_name",
            ),
            (
                200,
                "oauth_token=t&oauth_token_secret=s&screen_name=x",
                "no user_id",
            ),
            (
                200,
                "oauth_token=t&oauth_token_secret=&user_id=1&screen_name=x",
                "an empty oauth_token_secret",
            ),
            (
                401,
                "{\"errors\":[{\"code\":89,\"message\":\"Invalid or expired token.\"}]}",
                "Invalid or expired token",
            ),
        ];
        let script: Vec<(u16, &'static str)> = request_token_cases
            .iter()
            .chain(&access_token_cases)
            .map(|(s, b, _)| (*s, *b))
            .collect();
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(Scripted(Mutex::new(script)))
            .mount(&server)
            .await;
        let login = OAuth1Login::new(CONSUMER_KEY, CONSUMER_SECRET)
            .with_base_url(&server.uri())
            .expect("a loopback base URL");
        let http = http();
        for (status, body, wanted) in &request_token_cases {
            match login.request_token(&http, OOB).await {
                Err(AuthError::TokenEndpoint { status: s, detail }) => {
                    assert_eq!(s, *status, "{body:?}");
                    assert!(detail.contains(wanted), "{body:?}: {detail}");
                    assert!(!detail.contains(CONSUMER_SECRET), "{detail}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
        }
        let request = xapi::auth::oauth1_login::RequestToken {
            token: REQUEST_TOKEN.to_owned(),
            token_secret: REQUEST_SECRET.to_owned().into(),
        };
        for (status, body, wanted) in &access_token_cases {
            match login.access_token(&http, &request, PIN).await {
                Err(AuthError::TokenEndpoint { status: s, detail }) => {
                    assert_eq!(s, *status, "{body:?}");
                    assert!(detail.contains(wanted), "{body:?}: {detail}");
                }
                other => panic!("{body:?}: {other:?}"),
            }
        }
        // Refused before anything is sent.
        assert!(matches!(
            login.access_token(&http, &request, "  ").await,
            Err(AuthError::Invalid(_))
        ));
        assert!(matches!(
            login.request_token(&http, "/relative").await,
            Err(AuthError::Invalid(_))
        ));
        let sent = server.received_requests().await.expect("recording").len();
        assert_eq!(sent, request_token_cases.len() + access_token_cases.len());
    })
    .await
    .expect("finished in time");
}

// ---------------------------------------------------------------------------
// OAuth 2.0: a token store, revocation, public and confidential clients,
// async callbacks.

use std::sync::OnceLock;
use std::time::SystemTime;

use xapi::auth::oauth2::{OAuth2Client, TokenTypeHint};
use xapi::auth::{FileTokenStore, TokenPair, TokenStore, UserTokenManager};

/// A form body as it arrived, with its `Authorization` header.
type Arrived = (String, Option<String>);

/// Grants `USER-n` with refresh token `REFRESH-n` for the n-th request,
/// and records each form body with its `Authorization` header.
#[derive(Clone, Default)]
struct TokenEndpoint {
    bodies: Arc<Mutex<Vec<Arrived>>>,
}

impl TokenEndpoint {
    fn bodies(&self) -> Vec<Arrived> {
        self.bodies.lock().expect("lock").clone()
    }
}

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = String::from_utf8_lossy(&request.body).into_owned();
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let n = {
            let mut bodies = self.bodies.lock().expect("lock");
            bodies.push((body, auth));
            bodies.len()
        };
        if request.url.path() == "/2/oauth2/revoke" {
            return ResponseTemplate::new(200).set_body_json(serde_json::json!({"revoked": true}));
        }
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": format!("USER-{n}"),
            "scope": "tweet.read users.read offline.access",
            "refresh_token": format!("REFRESH-{n}"),
        }))
    }
}

async fn token_server() -> (MockServer, TokenEndpoint, OAuth2Client) {
    let server = MockServer::start().await;
    let endpoint = TokenEndpoint::default();
    Mock::given(method("POST"))
        .respond_with(endpoint.clone())
        .mount(&server)
        .await;
    let client = OAuth2Client::new("client-id", "http://127.0.0.1:8765/callback")
        .with_token_url(format!("{}/2/oauth2/token", server.uri()))
        .with_revoke_url(format!("{}/2/oauth2/revoke", server.uri()));
    (server, endpoint, client)
}

fn expired_pair() -> TokenPair {
    TokenPair::new("EXPIRED-ACCESS")
        .with_refresh_token("FIRST-REFRESH")
        .with_expires_at(SystemTime::now() - Duration::from_secs(1))
        .with_scopes(["tweet.read", "users.read", "offline.access"])
}

fn refresh_token_of(pair: &TokenPair) -> Option<String> {
    // The secret is only read here to compare it.
    pair.refresh_token
        .as_ref()
        .map(|t| secrecy::ExposeSecret::expose_secret(t).to_owned())
}

fn access_token_of(pair: &TokenPair) -> String {
    secrecy::ExposeSecret::expose_secret(&pair.access_token).to_owned()
}

#[tokio::test]
async fn oauth2_refreshed_tokens_survive_a_restart_in_a_file_store() {
    tokio::time::timeout(TEST_BOUND, async {
        let (_server, endpoint, client) = token_server().await;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("tokens.json");
        let http = http();

        // Nothing saved yet: nothing to restore.
        let none = UserTokenManager::restore(client.clone(), FileTokenStore::new(&path)).await;
        assert!(matches!(none, Ok(None)), "{none:?}");

        let manager = UserTokenManager::new(client.clone(), expired_pair())
            .with_store(FileTokenStore::new(&path));
        let token = manager.access_token(&http).await.expect("refreshed");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "USER-1");
        let saved: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).expect("the store file")).expect("json");
        assert_eq!(saved["access_token"], "USER-1");
        assert_eq!(saved["refresh_token"], "REFRESH-1");
        assert!(saved["expires_at"].as_u64().is_some(), "{saved}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path)
                .expect("metadata")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listing")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["tokens.json"], "no temporary file is left");
        drop(manager);

        // A restart: the saved pair, with its rotated refresh token.
        let manager = UserTokenManager::restore(client.clone(), FileTokenStore::new(&path))
            .await
            .expect("restored")
            .expect("a saved pair");
        let pair = manager.tokens().await;
        assert_eq!(access_token_of(&pair), "USER-1");
        assert_eq!(refresh_token_of(&pair).as_deref(), Some("REFRESH-1"));
        assert_eq!(pair.scopes, ["tweet.read", "users.read", "offline.access"]);
        // Fresh: used without a refresh.
        let token = manager.access_token(&http).await.expect("token");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "USER-1");
        assert_eq!(endpoint.bodies().len(), 1);
        // The next refresh sends the refresh token read from the file, and
        // the restored manager saves what it gets.
        manager.force_refresh(&http).await.expect("refreshed");
        let bodies = endpoint.bodies();
        assert_eq!(
            bodies.last().map(|(b, _)| b.as_str()),
            Some("grant_type=refresh_token&refresh_token=REFRESH-1&client_id=client-id")
        );
        let saved = FileTokenStore::new(&path)
            .load()
            .await
            .expect("loaded")
            .expect("a pair");
        assert_eq!(access_token_of(&saved), "USER-2");

        // A file that holds something else: an error naming the file,
        // without its content.
        std::fs::write(&path, b"{\"access_token\": 12, \"hint\": \"SECRET-ISH\"}").expect("write");
        match UserTokenManager::restore(client, FileTokenStore::new(&path)).await {
            Err(xapi::auth::AuthError::Store(e)) => {
                assert!(e.contains("tokens.json"), "{e}");
                assert!(!e.contains("SECRET-ISH"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    })
    .await
    .expect("finished in time");
}

/// A store that, while saving, asks the manager for its token.
struct AskingStore {
    manager: Arc<OnceLock<UserTokenManager>>,
    saved: Arc<Mutex<Vec<String>>>,
}

impl TokenStore for AskingStore {
    fn load(&self) -> futures::future::BoxFuture<'_, std::io::Result<Option<TokenPair>>> {
        Box::pin(async { Ok(None) })
    }

    fn save<'a>(
        &'a self,
        tokens: &'a TokenPair,
    ) -> futures::future::BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async move {
            if let Some(manager) = self.manager.get() {
                // Takes the manager's token lock.
                let current = manager.tokens().await;
                assert_eq!(access_token_of(&current), access_token_of(tokens));
            }
            self.saved
                .lock()
                .expect("lock")
                .push(access_token_of(tokens));
            Ok(())
        })
    }
}

// One thread: a callback awaiting a lock its own task holds would hang.
#[tokio::test(flavor = "current_thread")]
async fn oauth2_async_callback_and_store_may_await_the_manager() {
    let (_server, _endpoint, client) = token_server().await;
    let http = http();
    let me: Arc<OnceLock<UserTokenManager>> = Arc::default();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let saved: Arc<Mutex<Vec<String>>> = Arc::default();
    let (me2, seen2, http2) = (Arc::clone(&me), Arc::clone(&seen), http.clone());
    let manager = UserTokenManager::new(client, expired_pair())
        .with_async_callback(move |pair: TokenPair| {
            let (me, seen, http) = (Arc::clone(&me2), Arc::clone(&seen2), http2.clone());
            async move {
                let Some(manager) = me.get() else { return };
                // Both take the token lock; neither may find it held.
                let token = manager.access_token(&http).await;
                let current = manager.tokens().await;
                seen.lock().expect("lock").push(format!(
                    "{} {} {}",
                    access_token_of(&pair),
                    token
                        .map(|t| secrecy::ExposeSecret::expose_secret(&t).to_owned())
                        .unwrap_or_else(|e| format!("error {e}")),
                    access_token_of(&current)
                ));
            }
        })
        .with_store(AskingStore {
            manager: Arc::clone(&me),
            saved: Arc::clone(&saved),
        });
    assert!(me.set(manager.clone()).is_ok());

    let token = tokio::time::timeout(Duration::from_secs(5), manager.access_token(&http))
        .await
        .expect("no deadlock: the callback and the store ran with no lock held")
        .expect("token");
    assert_eq!(secrecy::ExposeSecret::expose_secret(&token), "USER-1");
    // The store saved before the callback ran, and the refresh waited for both.
    assert_eq!(*saved.lock().expect("lock"), ["USER-1"]);
    assert_eq!(*seen.lock().expect("lock"), ["USER-1 USER-1 USER-1"]);

    tokio::time::timeout(Duration::from_secs(5), manager.force_refresh(&http))
        .await
        .expect("no deadlock on the second refresh")
        .expect("token");
    assert_eq!(*saved.lock().expect("lock"), ["USER-1", "USER-2"]);
    assert_eq!(
        *seen.lock().expect("lock"),
        ["USER-1 USER-1 USER-1", "USER-2 USER-2 USER-2"]
    );
}

#[tokio::test]
async fn oauth2_revoke_and_client_authentication_public_and_confidential() {
    tokio::time::timeout(TEST_BOUND, async {
        let (server, endpoint, public) = token_server().await;
        let http = http();
        let token = secrecy::SecretString::from("TO-REVOKE/1".to_owned());

        // A public client: client_id in the body, no Authorization header.
        public
            .revoke(&http, &token, TokenTypeHint::AccessToken)
            .await
            .expect("revoked");
        public
            .refresh(&http, &secrecy::SecretString::from("R0".to_owned()))
            .await
            .expect("refreshed");
        // A confidential client: HTTP Basic, and no client_id in the body.
        let confidential = public.clone().with_client_secret("client secret");
        confidential
            .revoke(&http, &token, TokenTypeHint::RefreshToken)
            .await
            .expect("revoked");
        confidential
            .refresh(&http, &secrecy::SecretString::from("R0".to_owned()))
            .await
            .expect("refreshed");
        let basic = format!("Basic {}", STANDARD.encode("client-id:client%20secret"));
        assert_eq!(
            endpoint.bodies(),
            [
                (
                    "token=TO-REVOKE%2F1&token_type_hint=access_token&client_id=client-id"
                        .to_owned(),
                    None
                ),
                (
                    "grant_type=refresh_token&refresh_token=R0&client_id=client-id".to_owned(),
                    None
                ),
                (
                    "token=TO-REVOKE%2F1&token_type_hint=refresh_token".to_owned(),
                    Some(basic.clone())
                ),
                (
                    "grant_type=refresh_token&refresh_token=R0".to_owned(),
                    Some(basic)
                ),
            ]
        );
        let paths: Vec<String> = server
            .received_requests()
            .await
            .expect("recording")
            .iter()
            .map(|r| r.url.path().to_owned())
            .collect();
        assert_eq!(
            paths,
            [
                "/2/oauth2/revoke",
                "/2/oauth2/token",
                "/2/oauth2/revoke",
                "/2/oauth2/token"
            ]
        );

        // The manager revokes the refresh token, then the access token.
        let manager = UserTokenManager::new(
            public.clone(),
            TokenPair::new("A-1").with_refresh_token("R-1"),
        );
        manager.revoke(&http).await.expect("revoked");
        let bodies = endpoint.bodies();
        let last_two: Vec<&str> = bodies
            .iter()
            .rev()
            .take(2)
            .rev()
            .map(|(b, _)| b.as_str())
            .collect();
        assert_eq!(
            last_two,
            [
                "token=R-1&token_type_hint=refresh_token&client_id=client-id",
                "token=A-1&token_type_hint=access_token&client_id=client-id"
            ]
        );

        // An endpoint that says it did not revoke, or refuses: errors.
        let refusing = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/no"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"revoked": false})),
            )
            .mount(&refusing)
            .await;
        Mock::given(method("POST"))
            .and(path("/bad"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "error": "invalid_request",
                "error_description": "Value passed for the token TO-REVOKE/1 was invalid."
            })))
            .mount(&refusing)
            .await;
        let no = public
            .clone()
            .with_revoke_url(format!("{}/no", refusing.uri()));
        let err = no
            .revoke(&http, &token, TokenTypeHint::AccessToken)
            .await
            .expect_err("not revoked");
        assert!(err.to_string().contains("not revoked"), "{err}");
        let bad = public.with_revoke_url(format!("{}/bad", refusing.uri()));
        match bad.revoke(&http, &token, TokenTypeHint::AccessToken).await {
            Err(AuthError::TokenEndpoint {
                status: 400,
                detail,
            }) => {
                assert!(detail.contains("invalid_request"), "{detail}");
                assert!(!detail.contains("TO-REVOKE/1"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
    })
    .await
    .expect("finished in time");
}
