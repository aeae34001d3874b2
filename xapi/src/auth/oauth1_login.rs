//! OAuth 1.0a login: the three-legged flow and its PIN-based variant, which
//! give an app a user's access token and secret.
//!
//! 1. [`OAuth1Login::request_token`] (`POST oauth/request_token`) with the
//!    callback URL the user returns to, or [`OOB`] for the PIN flow;
//! 2. send the user to [`OAuth1Login::authorize_url`]
//!    (`oauth/authorize?oauth_token=…`);
//! 3. X sends the user back to the callback with `oauth_token` and
//!    `oauth_verifier` ([`RequestToken::verifier_from_callback`] reads and
//!    checks them), or, with [`OOB`], shows a PIN the user types in;
//! 4. [`OAuth1Login::access_token`] (`POST oauth/access_token` with
//!    `oauth_verifier`) gives the user's token pair, `user_id` and
//!    `screen_name` ([`AccessToken`]), ready for [`Credentials::OAuth1`].
//!
//! Every request is signed with the app's consumer key and secret (and, in
//! step 4, the request token and its secret). Answers are form-encoded;
//! they are read tolerantly (a byte-order mark, surrounding white space,
//! keys in any order, unknown keys, a JSON object instead), and a missing
//! or empty field is an error naming it, never a panic.
//!
//! ```no_run
//! use xapi::auth::oauth1_login::{OAuth1Login, OOB};
//!
//! # async fn run(http: reqwest::Client, pin: String) -> Result<(), xapi::auth::AuthError> {
//! let login = OAuth1Login::new("consumer-key", "consumer-secret");
//! let request = login.request_token(&http, OOB).await?;
//! println!("open {} and type in the PIN", login.authorize_url(&request)?);
//! let access = login.access_token(&http, &request, pin.trim()).await?;
//! println!("logged in as @{} ({})", access.screen_name, access.user_id);
//! let client = xapi::Client::builder().credentials(access.into()).build();
//! # let _ = client;
//! # Ok(()) }
//! ```

use std::fmt;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};

use super::oauth1::{random_nonce, sign_with_key, unix_now, SigningKey};
use super::transport::unencrypted_refusal;
use super::{
    error_detail, transport_detail, AuthError, Credentials, OAuth1Credentials, FORM_CONTENT_TYPE,
    REDACTED,
};

/// Where the login endpoints live unless [`OAuth1Login::with_base_url`]
/// says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://api.x.com";

/// The callback value of the PIN-based flow ("out of band"): X shows the
/// user a PIN instead of redirecting.
pub const OOB: &str = "oob";

/// Longest answer read from a login endpoint.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// An app's OAuth 1.0a login: its consumer key and secret and where the
/// login endpoints are. `Debug` hides the secret.
#[derive(Clone)]
pub struct OAuth1Login {
    consumer_key: String,
    consumer_secret: SecretString,
    /// Absolute, ending in `/`.
    base_url: String,
}

impl OAuth1Login {
    /// The login of the app with this consumer key and secret, at
    /// [`DEFAULT_BASE_URL`].
    pub fn new(consumer_key: impl Into<String>, consumer_secret: impl Into<String>) -> Self {
        OAuth1Login {
            consumer_key: consumer_key.into(),
            consumer_secret: SecretString::from(consumer_secret.into()),
            base_url: format!("{DEFAULT_BASE_URL}/"),
        }
    }

    /// Puts the endpoints under `base_url` (`{base_url}/oauth/request_token`,
    /// …). It must be `https`, or `http` to the loopback interface (a test
    /// server): the consumer secret signs what is sent there.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, AuthError> {
        let mut url = url::Url::parse(base_url)
            .map_err(|e| AuthError::Invalid(format!("the login base URL is not valid: {e}")))?;
        if url.cannot_be_a_base() || url.host_str().is_none() {
            return Err(AuthError::Invalid(format!(
                "the login base URL {base_url:?} has no host"
            )));
        }
        if let Some(refusal) = unencrypted_refusal(&url) {
            return Err(AuthError::Invalid(refusal));
        }
        url.set_query(None);
        url.set_fragment(None);
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        self.base_url = url.into();
        Ok(self)
    }

    /// The base URL the endpoints are under (ending in `/`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The app's consumer key.
    pub fn consumer_key(&self) -> &str {
        &self.consumer_key
    }

    fn endpoint(&self, path: &str) -> Result<url::Url, AuthError> {
        url::Url::parse(&self.base_url)
            .and_then(|base| base.join(path))
            .map_err(|e| AuthError::Invalid(format!("cannot build the URL of {path}: {e}")))
    }

    fn app_key(&self) -> SigningKey<'_> {
        SigningKey {
            consumer_key: &self.consumer_key,
            consumer_secret: self.consumer_secret.expose_secret(),
            token: None,
            token_secret: "",
        }
    }

    /// Step 1: a request token for a login that returns to `callback`, an
    /// absolute URL registered for the app, or [`OOB`] for the PIN flow.
    ///
    /// Errors: [`AuthError::Invalid`] for a callback that is neither,
    /// [`AuthError::Transport`] when the endpoint cannot be reached,
    /// [`AuthError::TokenEndpoint`] when it refuses, or answers without a
    /// token, or without confirming the callback.
    pub async fn request_token(
        &self,
        http: &reqwest::Client,
        callback: &str,
    ) -> Result<RequestToken, AuthError> {
        check_callback(callback)?;
        let url = self.endpoint("oauth/request_token")?;
        let header = self.request_token_header(&url, callback, &random_nonce(), unix_now()?);
        tracing::debug!("asking for an OAuth 1.0a request token");
        let (status, body) = self.post(http, url, header).await?;
        let fields = Fields::parse(&body).map_err(|detail| endpoint_error(status, detail))?;
        let token = fields
            .required("oauth_token")
            .map_err(|d| endpoint_error(status, d))?;
        let token_secret = fields
            .required("oauth_token_secret")
            .map_err(|d| endpoint_error(status, d))?;
        let confirmed = fields.get("oauth_callback_confirmed");
        if !confirmed.is_some_and(|c| c.trim().eq_ignore_ascii_case("true")) {
            return Err(endpoint_error(
                status,
                match confirmed {
                    Some(c) => format!(
                        "the answer does not confirm the callback (oauth_callback_confirmed={:?})",
                        c.chars().take(16).collect::<String>()
                    ),
                    None => {
                        "the answer does not confirm the callback (no oauth_callback_confirmed)"
                            .to_owned()
                    }
                },
            ));
        }
        Ok(RequestToken {
            token: token.to_owned(),
            token_secret: SecretString::from(token_secret.to_owned()),
        })
    }

    /// Step 2: the page where the user approves the app
    /// (`{base}/oauth/authorize?oauth_token=…`).
    ///
    /// Fails with [`AuthError::Invalid`] only if the base URL cannot take
    /// the path (it was checked when set, so this does not happen).
    pub fn authorize_url(&self, request_token: &RequestToken) -> Result<url::Url, AuthError> {
        let mut url = self.endpoint("oauth/authorize")?;
        url.query_pairs_mut()
            .append_pair("oauth_token", &request_token.token);
        Ok(url)
    }

    /// Step 4: exchanges the request token and the `verifier` (from the
    /// callback, or the PIN the user typed in) for the user's access token
    /// and secret, `user_id` and `screen_name`.
    ///
    /// Errors as for [`request_token`](Self::request_token); an empty
    /// verifier is refused before anything is sent.
    pub async fn access_token(
        &self,
        http: &reqwest::Client,
        request_token: &RequestToken,
        verifier: &str,
    ) -> Result<AccessToken, AuthError> {
        if verifier.trim().is_empty() {
            return Err(AuthError::Invalid(
                "the OAuth 1.0a verifier is empty".to_owned(),
            ));
        }
        let url = self.endpoint("oauth/access_token")?;
        let header = self.access_token_header(
            &url,
            request_token,
            verifier.trim(),
            &random_nonce(),
            unix_now()?,
        );
        tracing::debug!("exchanging an OAuth 1.0a verifier for an access token");
        let (status, body) = self.post(http, url, header).await?;
        let fields = Fields::parse(&body).map_err(|detail| endpoint_error(status, detail))?;
        let get = |name: &str| {
            fields
                .required(name)
                .map(str::to_owned)
                .map_err(|d| endpoint_error(status, d))
        };
        let token = get("oauth_token")?;
        let token_secret = get("oauth_token_secret")?;
        let user_id = get("user_id")?;
        let screen_name = get("screen_name")?;
        Ok(AccessToken {
            credentials: OAuth1Credentials::new(
                self.consumer_key.clone(),
                self.consumer_secret.expose_secret().to_owned(),
                token,
                token_secret,
            ),
            user_id,
            screen_name,
        })
    }

    /// The `Authorization` header of step 1.
    fn request_token_header(
        &self,
        url: &url::Url,
        callback: &str,
        nonce: &str,
        timestamp: u64,
    ) -> SecretString {
        let extra = [("oauth_callback".to_owned(), callback.to_owned())];
        sign_with_key(&self.app_key(), &extra, "POST", url, &[], nonce, timestamp)
    }

    /// The `Authorization` header of step 4.
    fn access_token_header(
        &self,
        url: &url::Url,
        request_token: &RequestToken,
        verifier: &str,
        nonce: &str,
        timestamp: u64,
    ) -> SecretString {
        let key = SigningKey {
            token: Some(&request_token.token),
            token_secret: request_token.token_secret.expose_secret(),
            ..self.app_key()
        };
        let extra = [("oauth_verifier".to_owned(), verifier.to_owned())];
        sign_with_key(&key, &extra, "POST", url, &[], nonce, timestamp)
    }

    /// Sends an empty signed `POST` and reads the answer (under a cap);
    /// a status outside 2xx is an error with a secret-free detail.
    async fn post(
        &self,
        http: &reqwest::Client,
        url: url::Url,
        header: SecretString,
    ) -> Result<(u16, Vec<u8>), AuthError> {
        let mut value = HeaderValue::from_str(header.expose_secret()).map_err(|_| {
            AuthError::Invalid("the OAuth 1.0a header is not a valid header value".to_owned())
        })?;
        value.set_sensitive(true);
        let mut response = http
            .post(url)
            .header(AUTHORIZATION, value)
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .body("")
            .send()
            .await
            .map_err(|e| AuthError::Transport(transport_detail(&e)))?;
        let status = response.status().as_u16();
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| AuthError::Transport(transport_detail(&e)))?
        {
            if body.len().saturating_add(chunk.len()) > MAX_ANSWER_BYTES {
                return Err(endpoint_error(
                    status,
                    format!("the answer is longer than {MAX_ANSWER_BYTES} bytes"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        if !(200..300).contains(&status) {
            return Err(endpoint_error(
                status,
                error_detail(&body, &[self.consumer_secret.expose_secret()]),
            ));
        }
        Ok((status, body))
    }
}

impl fmt::Debug for OAuth1Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Login")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &REDACTED)
            .field("base_url", &self.base_url)
            .finish()
    }
}

fn endpoint_error(status: u16, detail: String) -> AuthError {
    AuthError::TokenEndpoint { status, detail }
}

fn check_callback(callback: &str) -> Result<(), AuthError> {
    if callback == OOB {
        return Ok(());
    }
    match url::Url::parse(callback) {
        Ok(url) if !url.cannot_be_a_base() => Ok(()),
        _ => Err(AuthError::Invalid(format!(
            "the OAuth 1.0a callback must be an absolute URL or \"oob\", not {:?}",
            callback.chars().take(64).collect::<String>()
        ))),
    }
}

/// The token of step 1, which the user approves. `Debug` hides the secret.
#[derive(Clone)]
pub struct RequestToken {
    /// `oauth_token`: it goes in the authorization URL, so it is no secret.
    pub token: String,
    /// `oauth_token_secret`, which signs step 4.
    pub token_secret: SecretString,
}

impl RequestToken {
    /// The verifier X sent back with the user to the callback: `callback`
    /// is the URL the user arrived at, or its request target
    /// (`/cb?oauth_token=…&oauth_verifier=…`), or its query alone.
    ///
    /// Errors ([`AuthError::Invalid`]): the user declined (`denied`), the
    /// callback is for another request token, or it carries no verifier.
    pub fn verifier_from_callback(&self, callback: &str) -> Result<String, AuthError> {
        let query = match callback.split_once('?') {
            Some((_, query)) => query,
            None => callback,
        };
        let query = query.split('#').next().unwrap_or_default();
        let mut token = None;
        let mut verifier = None;
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            match &*name {
                "denied" => {
                    return Err(AuthError::Invalid(
                        "the user did not authorize the app (denied)".to_owned(),
                    ))
                }
                "oauth_token" if token.is_none() => token = Some(value.into_owned()),
                "oauth_verifier" if verifier.is_none() => verifier = Some(value.into_owned()),
                _ => {}
            }
        }
        match token {
            Some(t) if t == self.token => {}
            Some(_) => {
                return Err(AuthError::Invalid(
                    "the callback carries another request token than this one".to_owned(),
                ))
            }
            None => {
                return Err(AuthError::Invalid(
                    "the callback carries no oauth_token".to_owned(),
                ))
            }
        }
        match verifier {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            _ => Err(AuthError::Invalid(
                "the callback carries no oauth_verifier".to_owned(),
            )),
        }
    }
}

impl fmt::Debug for RequestToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestToken")
            .field("token", &self.token)
            .field("token_secret", &REDACTED)
            .finish()
    }
}

/// What a login gives: the user's OAuth 1.0a credentials and who the user
/// is. `Debug` hides the token and both secrets.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The app's keys with the user's access token and secret.
    pub credentials: OAuth1Credentials,
    /// The user's numeric id.
    pub user_id: String,
    /// The user's handle, without `@`.
    pub screen_name: String,
}

impl From<AccessToken> for Credentials {
    fn from(value: AccessToken) -> Self {
        Credentials::OAuth1(value.credentials)
    }
}

/// The fields of an answer, first occurrence of each name kept.
struct Fields(Vec<(String, String)>);

impl Fields {
    /// Reads a form-encoded answer (or a JSON object of strings and
    /// numbers). The error is a secret-free detail.
    fn parse(body: &[u8]) -> Result<Fields, String> {
        let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
        let text = std::str::from_utf8(body)
            .map_err(|_| "the answer is not UTF-8 text".to_owned())?
            .trim();
        if text.is_empty() {
            return Err("the answer is empty".to_owned());
        }
        let mut pairs: Vec<(String, String)> = Vec::new();
        if text.starts_with('{') {
            let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
                .map_err(|_| "the answer is neither form-encoded nor a JSON object".to_owned())?;
            for (name, value) in object {
                let value = match value {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                pairs.push((name, value));
            }
        } else {
            if text.starts_with('<') {
                return Err("the answer is markup, not form-encoded fields".to_owned());
            }
            for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
                let name = name.trim();
                if name.is_empty() || pairs.iter().any(|(n, _)| n == name) {
                    continue;
                }
                pairs.push((name.to_owned(), value.into_owned()));
            }
        }
        Ok(Fields(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The non-empty value of `name`, or an error naming it and the fields
    /// that did arrive (names only: values may be secret).
    fn required(&self, name: &str) -> Result<&str, String> {
        match self.get(name).map(str::trim) {
            Some(value) if !value.is_empty() => Ok(value),
            found => {
                let names: Vec<&str> = self
                    .0
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .take(12)
                    .map(|n| if n.len() > 40 { "…" } else { n })
                    .collect();
                Err(format!(
                    "the answer has {} {name} (fields: {})",
                    if found.is_some() { "an empty" } else { "no" },
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    use sha1::Sha1;

    const NONCE: &str = "fixedNonce0123456789abcdefABCDEF";
    const TS: u64 = 1_767_225_600;

    fn login() -> OAuth1Login {
        OAuth1Login::new("app-key", "app secret/+")
    }

    /// The named field of an `OAuth …` header, percent-decoded.
    fn header_field(header: &str, name: &str) -> Option<String> {
        let rest = header.strip_prefix("OAuth ")?;
        rest.split(", ").find_map(|field| {
            let (k, v) = field.split_once('=')?;
            if k != name {
                return None;
            }
            let v = v.strip_prefix('"')?.strip_suffix('"')?;
            percent_encoding::percent_decode_str(v)
                .decode_utf8()
                .ok()
                .map(|v| v.into_owned())
        })
    }

    fn hmac_sha1_base64(key: &str, text: &str) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
        mac.update(text.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn request_token_signature_matches_one_computed_by_hand() {
        let login = login();
        let url = url::Url::parse("https://api.x.com/oauth/request_token").expect("url");
        let header = login.request_token_header(&url, "http://127.0.0.1:8765/cb?x=1", NONCE, TS);
        let header = header.expose_secret();
        // Written out by hand: the callback is encoded once as a value and
        // again in the parameter string; no oauth_token in this step.
        let base = "POST&https%3A%2F%2Fapi.x.com%2Foauth%2Frequest_token&\
                    oauth_callback%3Dhttp%253A%252F%252F127.0.0.1%253A8765%252Fcb%253Fx%253D1%26\
                    oauth_consumer_key%3Dapp-key%26\
                    oauth_nonce%3DfixedNonce0123456789abcdefABCDEF%26\
                    oauth_signature_method%3DHMAC-SHA1%26\
                    oauth_timestamp%3D1767225600%26\
                    oauth_version%3D1.0";
        // The key is the encoded consumer secret and an empty token secret.
        let expected = hmac_sha1_base64("app%20secret%2F%2B&", base);
        assert_eq!(
            header_field(header, "oauth_signature").as_deref(),
            Some(expected.as_str()),
            "{header}"
        );
        assert_eq!(
            header_field(header, "oauth_callback").as_deref(),
            Some("http://127.0.0.1:8765/cb?x=1")
        );
        assert_eq!(header_field(header, "oauth_token"), None);
        assert!(!header.contains("app secret"), "{header}");
    }

    #[test]
    fn access_token_signature_matches_one_computed_by_hand() {
        let login = login();
        let url = url::Url::parse("http://127.0.0.1:4000/base/oauth/access_token").expect("url");
        let request = RequestToken {
            token: "req-token".to_owned(),
            token_secret: SecretString::from("req~secret!".to_owned()),
        };
        let header = login.access_token_header(&url, &request, "7654321", NONCE, TS);
        let header = header.expose_secret();
        let base = "POST&http%3A%2F%2F127.0.0.1%3A4000%2Fbase%2Foauth%2Faccess_token&\
                    oauth_consumer_key%3Dapp-key%26\
                    oauth_nonce%3DfixedNonce0123456789abcdefABCDEF%26\
                    oauth_signature_method%3DHMAC-SHA1%26\
                    oauth_timestamp%3D1767225600%26\
                    oauth_token%3Dreq-token%26\
                    oauth_verifier%3D7654321%26\
                    oauth_version%3D1.0";
        let expected = hmac_sha1_base64("app%20secret%2F%2B&req~secret%21", base);
        assert_eq!(
            header_field(header, "oauth_signature").as_deref(),
            Some(expected.as_str()),
            "{header}"
        );
        assert_eq!(
            header_field(header, "oauth_verifier").as_deref(),
            Some("7654321")
        );
        assert_eq!(
            header_field(header, "oauth_token").as_deref(),
            Some("req-token")
        );
    }

    #[test]
    fn endpoints_live_under_the_base_url() {
        let login = login()
            .with_base_url("http://127.0.0.1:9/prefix")
            .expect("loopback");
        let request = RequestToken {
            token: "a b&c".to_owned(),
            token_secret: SecretString::from("s".to_owned()),
        };
        assert_eq!(
            login.authorize_url(&request).expect("url").as_str(),
            "http://127.0.0.1:9/prefix/oauth/authorize?oauth_token=a+b%26c"
        );
        assert_eq!(
            OAuth1Login::new("k", "s")
                .authorize_url(&request)
                .expect("url")
                .as_str(),
            "https://api.x.com/oauth/authorize?oauth_token=a+b%26c"
        );
        for bad in ["http://example.com", "not a url", "mailto:x@y"] {
            assert!(
                matches!(login.clone().with_base_url(bad), Err(AuthError::Invalid(_))),
                "{bad}"
            );
        }
        let shown = format!("{login:?} {request:?}");
        assert!(
            !shown.contains("app secret") && shown.contains(REDACTED),
            "{shown}"
        );
    }

    #[test]
    fn answers_are_read_tolerantly() {
        let body = b"\xEF\xBB\xBF  screen_name=Jane+Doe&extra=1&user_id=42&\
                     oauth_token_secret=s%2Fs&oauth_token=t&oauth_token=second\r\n";
        let fields = Fields::parse(body).expect("fields");
        assert_eq!(fields.required("oauth_token"), Ok("t"));
        assert_eq!(fields.required("oauth_token_secret"), Ok("s/s"));
        assert_eq!(fields.required("screen_name"), Ok("Jane Doe"));
        let json =
            br#"{"oauth_token":"t","oauth_token_secret":"s","user_id":42,"screen_name":"j"}"#;
        let fields = Fields::parse(json).expect("json");
        assert_eq!(fields.required("user_id"), Ok("42"));
    }

    #[test]
    fn malformed_answers_are_errors_that_name_what_is_missing() {
        let fields = Fields::parse(b"oauth_token=t&oauth_token_secret=").expect("fields");
        let e = fields.required("oauth_token_secret").expect_err("empty");
        assert_eq!(
            e,
            "the answer has an empty oauth_token_secret (fields: oauth_token, oauth_token_secret)"
        );
        let e = fields.required("user_id").expect_err("missing");
        assert!(e.contains("no user_id"), "{e}");
        for (body, wanted) in [
            (&b""[..], "empty"),
            (b"  \n", "empty"),
            (b"<html><body>oops</body></html>", "markup"),
            (b"{not json", "neither"),
            (b"\xFF\xFE", "UTF-8"),
        ] {
            let e = Fields::parse(body).err().expect("an error");
            assert!(e.contains(wanted), "{e}");
        }
        // Any bytes at all: an answer or an error, never a panic.
        let noise: Vec<u8> = (0..=255u8).cycle().take(2000).collect();
        let _ = Fields::parse(&noise);
        let _ = Fields::parse(b"=&&==&%&%zz=%FF");
    }

    #[test]
    fn verifier_from_callback_checks_the_token() {
        let request = RequestToken {
            token: "req-token".to_owned(),
            token_secret: SecretString::from("s".to_owned()),
        };
        for callback in [
            "http://127.0.0.1:8765/cb?oauth_token=req-token&oauth_verifier=v%2B1",
            "/cb?oauth_verifier=v%2B1&oauth_token=req-token",
            "oauth_token=req-token&oauth_verifier=v%2B1#frag",
        ] {
            assert_eq!(
                request.verifier_from_callback(callback).as_deref(),
                Ok("v+1"),
                "{callback}"
            );
        }
        for (callback, wanted) in [
            ("/cb?denied=req-token", "denied"),
            (
                "/cb?oauth_token=other&oauth_verifier=v",
                "another request token",
            ),
            ("/cb?oauth_verifier=v", "no oauth_token"),
            ("/cb?oauth_token=req-token", "no oauth_verifier"),
            (
                "/cb?oauth_token=req-token&oauth_verifier=",
                "no oauth_verifier",
            ),
        ] {
            match request.verifier_from_callback(callback) {
                Err(AuthError::Invalid(e)) => assert!(e.contains(wanted), "{callback}: {e}"),
                other => panic!("{callback}: {other:?}"),
            }
        }
    }

    #[test]
    fn callbacks_must_be_absolute_urls_or_oob() {
        assert!(check_callback("oob").is_ok());
        assert!(check_callback("https://app.example/cb").is_ok());
        for bad in ["", "OOB ", "/cb", "data:text"] {
            assert!(
                matches!(check_callback(bad), Err(AuthError::Invalid(_))),
                "{bad:?}"
            );
        }
    }
}
