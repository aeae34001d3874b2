//! Authentication for the X API v2.
//!
//! Four ways of authenticating are supported, gathered in [`Credentials`]:
//!
//! * a ready-made app-only bearer token ([`Credentials::Bearer`]);
//! * an app's consumer key and secret, exchanged for a bearer token on first
//!   use ([`Credentials::AppOnly`], see [`app_only`]);
//! * OAuth 1.0a user context, where every request is signed with HMAC-SHA1
//!   ([`Credentials::OAuth1`], see [`oauth1`]), the user's token obtained
//!   with the three-legged or PIN-based login ([`oauth1_login`]);
//! * OAuth 2.0 user context obtained with the authorization-code flow and
//!   PKCE, refreshed automatically ([`Credentials::OAuth2User`], see
//!   [`oauth2`] and [`pkce`]).
//!
//! Secrets are kept in [`secrecy::SecretString`] and every type here has a
//! hand-written `Debug` implementation that prints `"[redacted]"` in place of
//! tokens, secrets and signatures.

pub mod app_only;
pub mod oauth1;
pub mod oauth1_login;
pub mod oauth2;
pub mod pkce;
pub(crate) mod transport;

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use secrecy::{ExposeSecret, SecretString};

pub use oauth1::OAuth1Credentials;
pub use oauth2::{FileTokenStore, OAuth2Client, TokenPair, TokenStore, UserTokenManager};
pub use pkce::PkceVerifier;

/// Text printed by `Debug` implementations instead of a secret value.
pub(crate) const REDACTED: &str = "[redacted]";

/// Errors raised while obtaining, refreshing or applying credentials.
///
/// None of the messages ever contain a token or a secret: details taken
/// from server responses are shortened and scrubbed of any secret sent in
/// the request that produced them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The access token has expired and there is no refresh token to renew it.
    #[error("the access token has expired and no refresh token is available")]
    Expired,
    /// Renewing the access token with the refresh token failed.
    ///
    /// `status` is `None` when no HTTP response was received.
    #[error("refreshing the access token failed{}: {detail}", fmt_status(*.status))]
    RefreshFailed {
        /// HTTP status of the token endpoint's answer, if there was one.
        status: Option<u16>,
        /// Short, secret-free description of the failure.
        detail: String,
    },
    /// The token endpoint refused a request or answered with something unusable.
    #[error("the token endpoint answered with HTTP {status}: {detail}")]
    TokenEndpoint {
        /// HTTP status of the answer.
        status: u16,
        /// Short, secret-free description of the failure.
        detail: String,
    },
    /// The user token lacks OAuth 2.0 scopes an operation requires.
    #[error(
        "operation `{operation}` needs the scopes [{}] but the token only grants [{}]",
        .needed.join(" "),
        .granted.join(" ")
    )]
    MissingScope {
        /// Name of the operation that was attempted.
        operation: String,
        /// Scopes the operation requires.
        needed: Vec<String>,
        /// Scopes the token was granted.
        granted: Vec<String>,
    },
    /// The credentials or an argument are malformed.
    #[error("invalid authentication input: {0}")]
    Invalid(String),
    /// The request to the token endpoint could not be completed.
    #[error("could not reach the token endpoint: {0}")]
    Transport(String),
    /// A [`oauth2::TokenStore`] could not load the saved tokens.
    #[error("the token store failed: {0}")]
    Store(String),
}

fn fmt_status(status: Option<u16>) -> String {
    match status {
        Some(s) => format!(" (HTTP {s})"),
        None => String::new(),
    }
}

/// How requests are authenticated.
///
/// `Debug` never shows a token or a secret. Cloning is cheap and clones of
/// an [`OAuth2User`](Credentials::OAuth2User) value share the same token
/// state.
#[derive(Clone)]
#[non_exhaustive]
pub enum Credentials {
    /// An app-only bearer token, sent as `Authorization: Bearer …`.
    Bearer(SecretString),
    /// An app's consumer key and secret. The client exchanges them for an
    /// app-only bearer token (see [`app_only::fetch_bearer`]) the first
    /// time it needs one.
    AppOnly {
        /// The app's consumer (API) key.
        consumer_key: String,
        /// The app's consumer (API) secret.
        consumer_secret: SecretString,
    },
    /// OAuth 1.0a user context: each request is signed.
    OAuth1(OAuth1Credentials),
    /// OAuth 2.0 user context with automatic refresh.
    OAuth2User(UserTokenManager),
}

impl Credentials {
    /// A number identifying these credentials, for keeping rate-limit budgets
    /// apart. Derived from identifiers (keys, client ids) and, for a bearer
    /// token, from the token, through SHA-256: it reveals nothing usable,
    /// and it is the same in every process, build and machine, so that
    /// workers sharing a budget store find the same budgets.
    pub fn identity(&self) -> u64 {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        // Each part with its length, so that no two lists of parts collide.
        let mut part = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        };
        match self {
            Credentials::Bearer(token) => {
                part(b"bearer");
                part(token.expose_secret().as_bytes());
            }
            Credentials::AppOnly { consumer_key, .. } => {
                part(b"app");
                part(consumer_key.as_bytes());
            }
            Credentials::OAuth1(c) => {
                part(b"oauth1");
                part(c.consumer_key.as_bytes());
                part(c.access_token.as_bytes());
            }
            Credentials::OAuth2User(m) => {
                part(b"oauth2");
                part(m.client().client_id.as_bytes());
            }
        }
        let digest = h.finalize();
        let mut first = [0u8; 8];
        for (to, from) in first.iter_mut().zip(digest.iter()) {
            *to = *from;
        }
        u64::from_be_bytes(first) | 1
    }

    /// App-only authentication with an existing bearer token.
    pub fn bearer(token: impl Into<String>) -> Self {
        Credentials::Bearer(SecretString::from(token.into()))
    }

    /// OAuth 1.0a user context from the app's consumer key/secret and the
    /// user's access token/secret.
    pub fn oauth1(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        Credentials::OAuth1(OAuth1Credentials::new(
            consumer_key,
            consumer_secret,
            access_token,
            access_token_secret,
        ))
    }

    /// App-only authentication from the consumer key and secret; the bearer
    /// token is fetched when first needed.
    pub fn app_only(consumer_key: impl Into<String>, consumer_secret: impl Into<String>) -> Self {
        Credentials::AppOnly {
            consumer_key: consumer_key.into(),
            consumer_secret: SecretString::from(consumer_secret.into()),
        }
    }

    /// OAuth 2.0 user context managed by `manager`.
    pub fn oauth2_user(manager: UserTokenManager) -> Self {
        Credentials::OAuth2User(manager)
    }
}

impl From<OAuth1Credentials> for Credentials {
    fn from(value: OAuth1Credentials) -> Self {
        Credentials::OAuth1(value)
    }
}

impl From<UserTokenManager> for Credentials {
    fn from(value: UserTokenManager) -> Self {
        Credentials::OAuth2User(value)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Bearer(_) => f.debug_tuple("Bearer").field(&REDACTED).finish(),
            Credentials::AppOnly { consumer_key, .. } => f
                .debug_struct("AppOnly")
                .field("consumer_key", consumer_key)
                .field("consumer_secret", &REDACTED)
                .finish(),
            Credentials::OAuth1(c) => f.debug_tuple("OAuth1").field(c).finish(),
            Credentials::OAuth2User(m) => f.debug_tuple("OAuth2User").field(m).finish(),
        }
    }
}

/// Characters left as they are by [`percent_encode`]: RFC 3986 "unreserved".
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes `s` as RFC 3986 (and OAuth 1.0a) require: the UTF-8 bytes
/// of everything except `A-Z a-z 0-9 - . _ ~` become `%XX` with upper-case
/// hex digits. A space becomes `%20`, never `+`.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Longest detail (in characters) taken from a server's error body.
const MAX_DETAIL_CHARS: usize = 300;

/// Builds a short description of a token endpoint's error body that cannot
/// leak any of `secrets` (the values sent in the request).
///
/// Known JSON error fields are preferred; otherwise the start of the raw
/// body is used. Every occurrence of a secret (raw or percent-encoded) is
/// replaced by `[redacted]` and control characters are dropped.
pub(crate) fn error_detail(body: &[u8], secrets: &[&str]) -> String {
    let mut detail = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => json_error_summary(&value),
        Err(_) => None,
    }
    .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    if detail.is_empty() {
        detail = "empty response body".to_owned();
    }
    let mut detail: String = detail
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    for secret in secrets {
        if secret.is_empty() {
            continue;
        }
        detail = detail.replace(secret, REDACTED);
        let encoded = percent_encode(secret);
        if encoded != *secret {
            detail = detail.replace(&encoded, REDACTED);
        }
    }
    if detail.chars().count() > MAX_DETAIL_CHARS {
        detail = detail.chars().take(MAX_DETAIL_CHARS).collect::<String>() + "…";
    }
    detail
}

/// Picks the human-readable parts of an OAuth or problem-details error body.
fn json_error_summary(value: &serde_json::Value) -> Option<String> {
    let obj = value.as_object()?;
    let mut parts: Vec<String> = Vec::new();
    for key in ["error", "error_description", "title", "detail"] {
        if let Some(text) = obj.get(key).and_then(|v| v.as_str()) {
            parts.push(text.to_owned());
        }
    }
    if let Some(errors) = obj.get("errors").and_then(|v| v.as_array()) {
        for err in errors.iter().take(3) {
            if let Some(msg) = err.get("message").and_then(|v| v.as_str()) {
                parts.push(msg.to_owned());
            }
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(": "))
    }
}

/// Describes a failed HTTP exchange without its URL, which is not secret but
/// adds noise, and without any request data.
pub(crate) fn transport_detail(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "could not read the response body"
    } else if err.is_request() {
        "request failed"
    } else {
        "HTTP error"
    };
    let mut text = format!("{kind}: {err}");
    if let Some(url) = err.url() {
        text = text.replace(url.as_str(), "<token endpoint>");
    }
    text
}

/// `Content-Type` sent with form-encoded token requests.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded;charset=UTF-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encode_keeps_unreserved_only() {
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(percent_encode("a b+c/d?e=f&g"), "a%20b%2Bc%2Fd%3Fe%3Df%26g");
        assert_eq!(
            percent_encode("!*'();:@$,[]#%"),
            "%21%2A%27%28%29%3B%3A%40%24%2C%5B%5D%23%25"
        );
        assert_eq!(percent_encode("é☃"), "%C3%A9%E2%98%83");
    }

    #[test]
    fn credentials_debug_is_redacted() {
        let creds = [
            Credentials::bearer("BEARER-SECRET-123"),
            Credentials::app_only("ckey", "APP-SECRET-456"),
            Credentials::oauth1("ckey", "CSECRET-789", "1-ACCESSTOKEN-abc", "TSECRET-def"),
        ];
        for c in &creds {
            let shown = format!("{c:?} {c:#?}");
            for secret in [
                "BEARER-SECRET-123",
                "APP-SECRET-456",
                "CSECRET-789",
                "1-ACCESSTOKEN-abc",
                "TSECRET-def",
            ] {
                assert!(!shown.contains(secret), "{shown} leaks {secret}");
            }
            assert!(shown.contains(REDACTED), "{shown}");
        }
        assert!(format!("{:?}", creds[1]).contains("ckey"));
    }

    #[test]
    fn error_detail_scrubs_secrets_and_truncates() {
        let body = br#"{"error":"invalid_request","error_description":"token s3cr/et! is bad"}"#;
        let d = error_detail(body, &["s3cr/et!"]);
        assert_eq!(d, "invalid_request: token [redacted] is bad");

        let d = error_detail(b"raw s3cr%2Fet%21 text\n", &["s3cr/et!"]);
        assert_eq!(d, "raw [redacted] text");

        let long = "x".repeat(1000);
        let d = error_detail(long.as_bytes(), &[]);
        assert_eq!(d.chars().count(), MAX_DETAIL_CHARS + 1);

        assert_eq!(error_detail(b"", &[]), "empty response body");
    }

    #[test]
    fn auth_error_display() {
        let e = AuthError::RefreshFailed {
            status: Some(400),
            detail: "invalid_request".into(),
        };
        assert_eq!(
            e.to_string(),
            "refreshing the access token failed (HTTP 400): invalid_request"
        );
        let e = AuthError::RefreshFailed {
            status: None,
            detail: "timed out".into(),
        };
        assert_eq!(
            e.to_string(),
            "refreshing the access token failed: timed out"
        );
        let e = AuthError::MissingScope {
            operation: "create_post".into(),
            needed: vec!["tweet.write".into(), "users.read".into()],
            granted: vec!["tweet.read".into()],
        };
        assert_eq!(
            e.to_string(),
            "operation `create_post` needs the scopes [tweet.write users.read] but the token only grants [tweet.read]"
        );
    }
}
