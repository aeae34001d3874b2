//! App-only authentication: trading an app's consumer key and secret for a
//! bearer token with the OAuth 2.0 client-credentials grant
//! (`POST /oauth2/token`).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{error_detail, percent_encode, transport_detail, AuthError, FORM_CONTENT_TYPE};

/// Default API origin the token endpoint lives under.
pub const DEFAULT_API_BASE: &str = "https://api.x.com";

/// Body of a successful answer. Deliberately not `Debug`.
#[derive(Deserialize)]
struct BearerResponse {
    token_type: Option<String>,
    access_token: Option<String>,
}

/// The `Authorization: Basic …` value for a client: both halves are
/// percent-encoded, joined by `:` and base64-encoded. Marked sensitive.
pub(crate) fn basic_auth_value(user: &str, password: &str) -> Result<HeaderValue, AuthError> {
    let raw = SecretString::from(format!(
        "{}:{}",
        percent_encode(user),
        percent_encode(password)
    ));
    let header = SecretString::from(format!("Basic {}", STANDARD.encode(raw.expose_secret())));
    let mut value = HeaderValue::from_str(header.expose_secret())
        .map_err(|_| AuthError::Invalid("invalid Basic authorization value".to_owned()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Obtains an app-only bearer token.
///
/// Sends `POST {base}/oauth2/token` with HTTP Basic authentication made of
/// the consumer key and secret and the form body
/// `grant_type=client_credentials`. `base` is normally
/// [`DEFAULT_API_BASE`]; a trailing `/` is ignored.
///
/// Errors: [`AuthError::Transport`] when no answer arrives,
/// [`AuthError::TokenEndpoint`] for a non-success status, an unreadable body
/// or a `token_type` other than `bearer`. Error details never contain the
/// consumer secret.
pub async fn fetch_bearer(
    http: &reqwest::Client,
    base: &str,
    consumer_key: &str,
    consumer_secret: &SecretString,
) -> Result<SecretString, AuthError> {
    let url = format!("{}/oauth2/token", base.trim_end_matches('/'));
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .finish();
    let secret = consumer_secret.expose_secret();
    tracing::debug!("requesting an app-only bearer token");
    let response = http
        .post(&url)
        .header(AUTHORIZATION, basic_auth_value(consumer_key, secret)?)
        .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(|e| AuthError::Transport(transport_detail(&e)))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| AuthError::Transport(transport_detail(&e)))?;
    if !status.is_success() {
        return Err(AuthError::TokenEndpoint {
            status: status.as_u16(),
            detail: error_detail(&bytes, &[secret]),
        });
    }
    let parsed: BearerResponse =
        serde_json::from_slice(&bytes).map_err(|_| AuthError::TokenEndpoint {
            status: status.as_u16(),
            detail: "the response is not a JSON token object".to_owned(),
        })?;
    match parsed.token_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        other => {
            return Err(AuthError::TokenEndpoint {
                status: status.as_u16(),
                detail: format!(
                    "expected token_type \"bearer\", got {}",
                    other
                        .map(|t| format!("{:?}", t.chars().take(32).collect::<String>()))
                        .unwrap_or_else(|| "none".to_owned())
                ),
            })
        }
    }
    match parsed.access_token {
        Some(token) if !token.is_empty() => Ok(SecretString::from(token)),
        _ => Err(AuthError::TokenEndpoint {
            status: status.as_u16(),
            detail: "the response has no access_token".to_owned(),
        }),
    }
}

/// An app-only bearer token, fetched with [`fetch_bearer`] when first
/// needed and kept until the API rejects it.
///
/// Concurrent callers of [`BearerCache::get`] share one fetch. After a 401,
/// [`BearerCache::reject`] drops the refused token (unless another caller
/// has already replaced it), so that the next `get` fetches a new one; a
/// send path that calls `reject` at most once per request thus fetches a
/// bearer that keeps being refused once per request, not in a loop.
/// `Debug` never shows the token.
#[derive(Default)]
pub struct BearerCache {
    token: tokio::sync::Mutex<Option<SecretString>>,
}

impl BearerCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached bearer token, fetched first if there is none. A failed
    /// fetch leaves the cache empty, so the next call tries again.
    pub async fn get(
        &self,
        http: &reqwest::Client,
        base: &str,
        consumer_key: &str,
        consumer_secret: &SecretString,
    ) -> Result<SecretString, AuthError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(token.clone());
        }
        let token = fetch_bearer(http, base, consumer_key, consumer_secret).await?;
        *slot = Some(token.clone());
        Ok(token)
    }

    /// Drops `rejected` if it is still the cached token, so that the next
    /// [`BearerCache::get`] fetches a new one. Returns whether it was
    /// dropped: `false` when another caller already replaced it.
    pub async fn reject(&self, rejected: &SecretString) -> bool {
        let mut slot = self.token.lock().await;
        let current = slot
            .as_ref()
            .is_some_and(|token| token.expose_secret() == rejected.expose_secret());
        if current {
            *slot = None;
        }
        current
    }
}

impl std::fmt::Debug for BearerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerCache")
            .field("token", &super::REDACTED)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_string, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn http() -> reqwest::Client {
        crate::tls::ensure_provider();
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
    }

    // Key and secret from X's documentation of this endpoint's encoding.
    const KEY: &str = "xvz1evFS4wEEPTGEFPHBog";
    const SECRET: &str = "L8qq9PZyRg6ieKGEKhZolGC0vJWLw8iEJ88DRdyOg";
    const EXPECTED_BASIC: &str =
        "Basic eHZ6MWV2RlM0d0VFUFRHRUZQSEJvZzpMOHFxOVBaeVJnNmllS0dFS2hab2xHQzB2SldMdzhpRUo4OERSZHlPZw==";

    #[tokio::test]
    async fn obtains_bearer_token() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .and(header("authorization", EXPECTED_BASIC))
            .and(header("content-type", FORM_CONTENT_TYPE))
            .and(body_string("grant_type=client_credentials"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "token_type": "bearer",
                "access_token": "AAAA%2FAAA%3DAAAAAAAA"
            })))
            .expect(1)
            .mount(&server)
            .await;

        let base = format!("{}/", server.uri());
        let token = fetch_bearer(&http(), &base, KEY, &SecretString::from(SECRET))
            .await
            .expect("token");
        assert_eq!(token.expose_secret(), "AAAA%2FAAA%3DAAAAAAAA");
        server.verify().await;
    }

    #[tokio::test]
    async fn forbidden_error_does_not_leak_secret() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
                "title": "Forbidden",
                "detail": format!("credentials {KEY}:{SECRET} rejected"),
                "type": "about:blank",
                "status": 403
            })))
            .mount(&server)
            .await;

        let err = fetch_bearer(&http(), &server.uri(), KEY, &SecretString::from(SECRET))
            .await
            .expect_err("should fail");
        match &err {
            AuthError::TokenEndpoint { status, detail } => {
                assert_eq!(*status, 403);
                assert!(detail.contains("Forbidden"), "{detail}");
            }
            other => panic!("unexpected error {other:?}"),
        }
        let text = format!("{err} {err:?}");
        assert!(!text.contains(SECRET), "{text}");
    }

    #[tokio::test]
    async fn rejects_non_bearer_token_type() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "token_type": "mac",
                "access_token": "SHOULD-NOT-APPEAR"
            })))
            .mount(&server)
            .await;
        let err = fetch_bearer(&http(), &server.uri(), KEY, &SecretString::from(SECRET))
            .await
            .expect_err("should fail");
        assert!(
            matches!(err, AuthError::TokenEndpoint { status: 200, .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains("SHOULD-NOT-APPEAR"));
    }

    #[tokio::test]
    async fn bearer_cache_fetches_once_and_again_after_a_rejection() {
        let server = MockServer::start().await;
        let grants = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = std::sync::Arc::clone(&grants);
        Mock::given(method("POST"))
            .and(path("/oauth2/token"))
            .respond_with(move |_: &wiremock::Request| {
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "token_type": "bearer",
                    "access_token": format!("APP-{n}")
                }))
            })
            .mount(&server)
            .await;
        let (http, secret) = (http(), SecretString::from(SECRET));
        let cache = BearerCache::new();
        let first = cache
            .get(&http, &server.uri(), KEY, &secret)
            .await
            .expect("token");
        assert_eq!(first.expose_secret(), "APP-1");
        let again = cache
            .get(&http, &server.uri(), KEY, &secret)
            .await
            .expect("token");
        assert_eq!(again.expose_secret(), "APP-1");
        assert!(!format!("{cache:?}").contains("APP-1"));

        assert!(cache.reject(&first).await);
        // A second 401 for the same token does not drop its replacement.
        let second = cache
            .get(&http, &server.uri(), KEY, &secret)
            .await
            .expect("token");
        assert_eq!(second.expose_secret(), "APP-2");
        assert!(!cache.reject(&first).await);
        let still = cache
            .get(&http, &server.uri(), KEY, &secret)
            .await
            .expect("token");
        assert_eq!(still.expose_secret(), "APP-2");
        assert_eq!(grants.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn basic_value_percent_encodes_both_halves() {
        let v = basic_auth_value("a b", "c:d").expect("value");
        assert!(v.is_sensitive());
        let expected = format!("Basic {}", STANDARD.encode("a%20b:c%3Ad"));
        assert_eq!(v.to_str().expect("ascii"), expected);
    }
}
