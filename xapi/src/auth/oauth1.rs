//! OAuth 1.0a user-context request signing (HMAC-SHA1), as X documents it.
//!
//! The signature covers the HTTP method, the base URL, the query
//! parameters, form-encoded body parameters (JSON bodies are not covered)
//! and the `oauth_*` protocol parameters. [`sign`] is the deterministic
//! core; [`sign_request`] picks a nonce and timestamp and sets the
//! `Authorization` header on a [`reqwest::Request`].

use std::borrow::Cow;
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::percent_decode_str;
use rand::distr::Alphanumeric;
use rand::Rng as _;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use sha1::Sha1;

use super::{percent_encode, AuthError, REDACTED, UNRESERVED};

/// The four values OAuth 1.0a user context needs: the app's consumer
/// key/secret and the user's access token/secret.
///
/// `Debug` shows the consumer key only.
#[derive(Clone)]
pub struct OAuth1Credentials {
    /// The app's consumer (API) key.
    pub consumer_key: String,
    /// The app's consumer (API) secret.
    pub consumer_secret: SecretString,
    /// The user's access token.
    pub access_token: String,
    /// The user's access token secret.
    pub access_token_secret: SecretString,
}

impl OAuth1Credentials {
    /// Bundles the four values.
    pub fn new(
        consumer_key: impl Into<String>,
        consumer_secret: impl Into<String>,
        access_token: impl Into<String>,
        access_token_secret: impl Into<String>,
    ) -> Self {
        OAuth1Credentials {
            consumer_key: consumer_key.into(),
            consumer_secret: SecretString::from(consumer_secret.into()),
            access_token: access_token.into(),
            access_token_secret: SecretString::from(access_token_secret.into()),
        }
    }
}

impl fmt::Debug for OAuth1Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth1Credentials")
            .field("consumer_key", &self.consumer_key)
            .field("consumer_secret", &REDACTED)
            .field("access_token", &REDACTED)
            .field("access_token_secret", &REDACTED)
            .finish()
    }
}

/// The base string URI: scheme and host in lower case, port only when it is
/// not the scheme's default, path, and no query or fragment.
fn base_uri(url: &url::Url) -> String {
    let scheme = url.scheme().to_ascii_lowercase();
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    // `Url::port` is `None` when the port is the scheme's default.
    let port = match url.port() {
        Some(p) => format!(":{p}"),
        None => String::new(),
    };
    format!("{scheme}://{host}{port}{}", url.path())
}

/// One name or value of `application/x-www-form-urlencoded` text (where
/// `+` is a space), decoded to its bytes and encoded again as RFC 3986
/// (and the signature base string) want it: see [`percent_encode`].
fn reencode_component(raw: &str) -> String {
    let spaced = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    let bytes: Cow<'_, [u8]> = percent_decode_str(&spaced).into();
    percent_encoding::percent_encode(&bytes, UNRESERVED).to_string()
}

/// The `name=value` pairs of a query or form body, split as
/// `application/x-www-form-urlencoded` parsing splits them (on `&`, empty
/// pieces skipped, a missing `=` meaning an empty value), each re-encoded
/// with [`reencode_component`].
fn reencoded_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (reencode_component(name), reencode_component(value))
        })
        .collect()
}

/// Joins encoded pairs as `name=value&…`, in their order.
fn join_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Builds the signature base string from the method, the URL (whose query
/// parameters are included) and all other parameters (form body and
/// `oauth_*`, without `oauth_signature`), given decoded.
pub fn signature_base_string(method: &str, url: &url::Url, params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = reencoded_pairs(url.query().unwrap_or_default())
        .into_iter()
        .chain(
            params
                .iter()
                .map(|(k, v)| (percent_encode(k), percent_encode(v))),
        )
        .collect();
    encoded.sort();
    let param_string = join_pairs(&encoded);
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(&base_uri(url)),
        percent_encode(&param_string)
    )
}

/// What a signature is made with: the app's consumer key and secret and,
/// once there is one, a token and its secret. The first step of a login has
/// no token: its secret is then empty and `oauth_token` is left out.
pub(crate) struct SigningKey<'a> {
    pub(crate) consumer_key: &'a str,
    pub(crate) consumer_secret: &'a str,
    pub(crate) token: Option<&'a str>,
    pub(crate) token_secret: &'a str,
}

impl<'a> SigningKey<'a> {
    fn of(creds: &'a OAuth1Credentials) -> Self {
        SigningKey {
            consumer_key: &creds.consumer_key,
            consumer_secret: creds.consumer_secret.expose_secret(),
            token: Some(&creds.access_token),
            token_secret: creds.access_token_secret.expose_secret(),
        }
    }
}

/// The `oauth_*` protocol parameters other than the signature, in order.
#[cfg(test)]
fn protocol_params(
    creds: &OAuth1Credentials,
    nonce: &str,
    timestamp: u64,
) -> Vec<(String, String)> {
    key_params(&SigningKey::of(creds), nonce, timestamp)
}

/// The `oauth_*` protocol parameters of `key` other than the signature.
fn key_params(key: &SigningKey<'_>, nonce: &str, timestamp: u64) -> Vec<(String, String)> {
    let mut params = vec![
        ("oauth_consumer_key".to_owned(), key.consumer_key.to_owned()),
        ("oauth_nonce".to_owned(), nonce.to_owned()),
        ("oauth_signature_method".to_owned(), "HMAC-SHA1".to_owned()),
        ("oauth_timestamp".to_owned(), timestamp.to_string()),
    ];
    if let Some(token) = key.token {
        params.push(("oauth_token".to_owned(), token.to_owned()));
    }
    params.push(("oauth_version".to_owned(), "1.0".to_owned()));
    params
}

/// HMAC-SHA1 of `base_string` keyed with the two encoded secrets, base64.
#[cfg(test)]
fn hmac_signature(creds: &OAuth1Credentials, base_string: &str) -> SecretString {
    key_signature(&SigningKey::of(creds), base_string)
}

/// HMAC-SHA1 of `base_string` keyed with the two encoded secrets of `key`,
/// base64.
fn key_signature(key: &SigningKey<'_>, base_string: &str) -> SecretString {
    let key = format!(
        "{}&{}",
        percent_encode(key.consumer_secret),
        percent_encode(key.token_secret)
    );
    // HMAC accepts keys of any length, so this cannot fail; the fallback
    // only exists to avoid a panic path.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key.as_bytes()) else {
        return SecretString::from(String::new());
    };
    mac.update(base_string.as_bytes());
    SecretString::from(STANDARD.encode(mac.finalize().into_bytes()))
}

/// Signs a request and returns the complete `Authorization` header value
/// (`OAuth oauth_consumer_key="…", …, oauth_version="1.0"`).
///
/// `url` may carry query parameters; they are signed. `form_params` are the
/// decoded parameters of an `application/x-www-form-urlencoded` body (pass
/// an empty slice for JSON or empty bodies). `nonce` must be unique per
/// request and `timestamp` is in seconds since the Unix epoch.
pub fn sign(
    creds: &OAuth1Credentials,
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    nonce: &str,
    timestamp: u64,
) -> SecretString {
    sign_with_key(
        &SigningKey::of(creds),
        &[],
        method,
        url,
        form_params,
        nonce,
        timestamp,
    )
}

/// [`sign`] with any [`SigningKey`], and `extra` protocol parameters
/// (`oauth_callback`, `oauth_verifier`) that are signed and sent in the
/// header beside the others.
pub(crate) fn sign_with_key(
    key: &SigningKey<'_>,
    extra: &[(String, String)],
    method: &str,
    url: &url::Url,
    form_params: &[(String, String)],
    nonce: &str,
    timestamp: u64,
) -> SecretString {
    let mut oauth = key_params(key, nonce, timestamp);
    oauth.extend(extra.iter().cloned());
    let mut all: Vec<(String, String)> = form_params.to_vec();
    all.extend(oauth.iter().cloned());
    let base_string = signature_base_string(method, url, &all);
    let signature = key_signature(key, &base_string);

    let mut header_params: Vec<(String, String)> = oauth;
    header_params.push((
        "oauth_signature".to_owned(),
        signature.expose_secret().to_owned(),
    ));
    header_params.sort();
    let fields = header_params
        .iter()
        .map(|(k, v)| format!("{}=\"{}\"", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join(", ");
    SecretString::from(format!("OAuth {fields}"))
}

/// A random 32-character alphanumeric nonce.
pub(crate) fn random_nonce() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// Whether a `Content-Type` value denotes a form-encoded body.
fn is_form_content_type(value: &HeaderValue) -> bool {
    value
        .to_str()
        .ok()
        .and_then(|v| v.split(';').next())
        .map(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
        .unwrap_or(false)
}

/// Signs `request` in place with a fresh nonce and the current time, and
/// sets its `Authorization` header (marked sensitive).
///
/// A form-encoded body (by its `Content-Type`) is included in the signature;
/// any other body is not. The query, and a form body, are first rewritten
/// with the encoding the signature uses (RFC 3986: a space as `%20`, `*` as
/// `%2A`, `~` as it is), so that what goes on the wire is exactly what was
/// signed; the names and values they carry do not change. A form body that
/// is a stream, and so cannot be read here, or that does not decode to
/// UTF-8, is rejected with [`AuthError::Invalid`].
pub fn sign_request(
    creds: &OAuth1Credentials,
    request: &mut reqwest::Request,
) -> Result<(), AuthError> {
    sign_request_with(creds, request, &random_nonce(), unix_now()?)
}

/// Seconds since the Unix epoch, for `oauth_timestamp`.
pub(crate) fn unix_now() -> Result<u64, AuthError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| AuthError::Invalid("the system clock is before 1970".to_owned()))
}

/// A form body re-encoded as it is signed, and its decoded pairs.
fn canonical_form(body: &[u8]) -> Result<(String, Vec<(String, String)>), AuthError> {
    let not_utf8 = || AuthError::Invalid("a form body to sign must decode to UTF-8".to_owned());
    let text = std::str::from_utf8(body).map_err(|_| not_utf8())?;
    let pairs = reencoded_pairs(text);
    let decode = |encoded: &str| -> Result<String, AuthError> {
        percent_decode_str(encoded)
            .decode_utf8()
            .map(Cow::into_owned)
            .map_err(|_| not_utf8())
    };
    let decoded = pairs
        .iter()
        .map(|(k, v)| Ok((decode(k)?, decode(v)?)))
        .collect::<Result<Vec<_>, AuthError>>()?;
    Ok((join_pairs(&pairs), decoded))
}

/// [`sign_request`] with a caller-chosen nonce and timestamp.
fn sign_request_with(
    creds: &OAuth1Credentials,
    request: &mut reqwest::Request,
    nonce: &str,
    timestamp: u64,
) -> Result<(), AuthError> {
    let is_form = request
        .headers()
        .get(CONTENT_TYPE)
        .map(is_form_content_type)
        .unwrap_or(false);
    let query = request
        .url()
        .query()
        .map(|q| join_pairs(&reencoded_pairs(q)));
    if query.as_deref() != request.url().query() {
        request
            .url_mut()
            .set_query(query.as_deref().filter(|q| !q.is_empty()));
    }
    let form_params: Vec<(String, String)> = match (is_form, request.body()) {
        (true, Some(body)) => {
            let bytes = body.as_bytes().ok_or_else(|| {
                AuthError::Invalid("cannot sign a streaming form body with OAuth 1.0a".to_owned())
            })?;
            let (encoded, decoded) = canonical_form(bytes)?;
            if encoded.as_bytes() != bytes {
                if request.headers().contains_key(CONTENT_LENGTH) {
                    request
                        .headers_mut()
                        .insert(CONTENT_LENGTH, HeaderValue::from(encoded.len()));
                }
                *request.body_mut() = Some(encoded.into());
            }
            decoded
        }
        _ => Vec::new(),
    };
    let header = sign(
        creds,
        request.method().as_str(),
        request.url(),
        &form_params,
        nonce,
        timestamp,
    );
    let mut value = HeaderValue::from_str(header.expose_secret()).map_err(|_| {
        AuthError::Invalid("the OAuth 1.0a header is not a valid header value".to_owned())
    })?;
    value.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_creds() -> OAuth1Credentials {
        OAuth1Credentials::new(
            "xvz1evFS4wEEPTGEFPHBog",
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        )
    }

    const EXAMPLE_URL: &str =
        "https://api.twitter.com/1.1/statuses/update.json?include_entities=true";
    const EXAMPLE_STATUS: &str = "Hello Ladies + Gentlemen, a signed OAuth request!";
    const EXAMPLE_NONCE: &str = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
    const EXAMPLE_TS: u64 = 1318622958;

    fn parse_header(header: &str) -> Vec<(String, String)> {
        let rest = header.strip_prefix("OAuth ").expect("OAuth prefix");
        rest.split(", ")
            .map(|field| {
                let (k, v) = field.split_once('=').expect("key=value");
                let v = v
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .expect("quoted");
                let v = percent_encoding::percent_decode_str(v)
                    .decode_utf8()
                    .expect("utf8")
                    .into_owned();
                (k.to_owned(), v)
            })
            .collect()
    }

    fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .expect("field present")
    }

    #[test]
    fn x_documented_example_base_string() {
        let creds = example_creds();
        let url = url::Url::parse(EXAMPLE_URL).expect("url");
        let mut params = vec![("status".to_owned(), EXAMPLE_STATUS.to_owned())];
        params.extend(protocol_params(&creds, EXAMPLE_NONCE, EXAMPLE_TS));
        let base = signature_base_string("post", &url, &params);
        assert_eq!(
            base,
            "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&\
             include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26\
             oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26\
             oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26\
             oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520\
             a%2520signed%2520OAuth%2520request%2521"
        );
        assert_eq!(
            hmac_signature(&creds, &base).expose_secret(),
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
        );
    }

    #[test]
    fn x_documented_example_header() {
        let creds = example_creds();
        let url = url::Url::parse(EXAMPLE_URL).expect("url");
        let form = vec![("status".to_owned(), EXAMPLE_STATUS.to_owned())];
        let header = sign(&creds, "POST", &url, &form, EXAMPLE_NONCE, EXAMPLE_TS);
        assert_eq!(
            header.expose_secret(),
            "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", \
             oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", \
             oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", \
             oauth_signature_method=\"HMAC-SHA1\", \
             oauth_timestamp=\"1318622958\", \
             oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", \
             oauth_version=\"1.0\""
        );
    }

    #[test]
    fn base_uri_normalisation() {
        let u = url::Url::parse("HTTPS://API.X.com:443/2/Tweets?x=1#frag").expect("url");
        assert_eq!(base_uri(&u), "https://api.x.com/2/Tweets");
        let u = url::Url::parse("http://127.0.0.1:8080/a").expect("url");
        assert_eq!(base_uri(&u), "http://127.0.0.1:8080/a");
        let u = url::Url::parse("http://example.com:80/").expect("url");
        assert_eq!(base_uri(&u), "http://example.com/");
    }

    #[test]
    fn reserved_characters_and_emoji_are_encoded() {
        assert_eq!(
            percent_encode("Ladies + Gentlemen"),
            "Ladies%20%2B%20Gentlemen"
        );
        assert_eq!(percent_encode("a=b&c"), "a%3Db%26c");
        assert_eq!(percent_encode("😀"), "%F0%9F%98%80");
        assert_eq!(percent_encode("~-._"), "~-._");

        // Query parameters and body parameters are encoded the same way and
        // sorted after encoding; the emoji is double-encoded in the base string.
        let url =
            url::Url::parse("https://api.x.com/2/tweets?q=%F0%9F%98%80%20%26&b=1").expect("url");
        let params = vec![("text".to_owned(), "hi 😀!".to_owned())];
        let base = signature_base_string("GET", &url, &params);
        assert_eq!(
            base,
            "GET&https%3A%2F%2Fapi.x.com%2F2%2Ftweets&\
             b%3D1%26q%3D%25F0%259F%2598%2580%2520%2526%26text%3Dhi%2520%25F0%259F%2598%2580%2521"
        );
    }

    #[test]
    fn duplicate_keys_sort_by_value() {
        let url = url::Url::parse("https://api.x.com/x?a=2&a=1&A=3").expect("url");
        let base = signature_base_string("GET", &url, &[]);
        assert!(base.ends_with("&A%3D3%26a%3D1%26a%3D2"), "{base}");
    }

    #[test]
    fn debug_of_credentials_hides_secrets() {
        let creds = example_creds();
        let shown = format!("{creds:?} {creds:#?}");
        assert!(shown.contains("xvz1evFS4wEEPTGEFPHBog"));
        for secret in [
            "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
            "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn sign_request_with_form_body_matches_sign() {
        let creds = example_creds();
        let mut req = reqwest::Request::new(
            reqwest::Method::POST,
            url::Url::parse(EXAMPLE_URL).expect("url"),
        );
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("status", EXAMPLE_STATUS)
            .finish();
        req.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        *req.body_mut() = Some(body.into());
        sign_request_with(&creds, &mut req, EXAMPLE_NONCE, EXAMPLE_TS).expect("signed");
        let value = req.headers().get(AUTHORIZATION).expect("header set");
        assert!(value.is_sensitive());
        let fields = parse_header(value.to_str().expect("ascii"));
        assert_eq!(
            field(&fields, "oauth_signature"),
            "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
        );
    }

    #[test]
    fn sign_request_sends_query_and_form_body_as_signed() {
        let creds = example_creds();
        let url = url::Url::parse("https://api.x.com/2/x?q=a+b*%7e%2B&flag&&e=%F0%9F%98%80")
            .expect("url");
        let mut req = reqwest::Request::new(reqwest::Method::POST, url);
        req.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        req.headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from_static("23"));
        *req.body_mut() = Some("status=Hi+there*~%7E!&=".into());
        sign_request_with(&creds, &mut req, EXAMPLE_NONCE, EXAMPLE_TS).expect("signed");
        assert_eq!(
            req.url().query(),
            Some("q=a%20b%2A~%2B&flag=&e=%F0%9F%98%80")
        );
        let body = req.body().and_then(|b| b.as_bytes()).expect("body");
        assert_eq!(body, b"status=Hi%20there%2A~~%21&=");
        assert_eq!(
            req.headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()),
            Some("27")
        );
        // What was signed is what is sent: signing the rewritten request
        // again gives the same header.
        let first = req.headers().get(AUTHORIZATION).cloned();
        sign_request_with(&creds, &mut req, EXAMPLE_NONCE, EXAMPLE_TS).expect("signed");
        assert_eq!(req.headers().get(AUTHORIZATION), first.as_ref());
        assert_eq!(
            req.body().and_then(|b| b.as_bytes()),
            Some(&b"status=Hi%20there%2A~~%21&="[..])
        );

        let mut bad = reqwest::Request::new(
            reqwest::Method::POST,
            url::Url::parse("https://api.x.com/").expect("url"),
        );
        bad.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        *bad.body_mut() = Some("a=%FF".into());
        assert!(matches!(
            sign_request(&creds, &mut bad),
            Err(AuthError::Invalid(_))
        ));
    }

    #[test]
    fn sign_request_uses_fresh_nonce_and_current_time() {
        let creds = example_creds();
        let url = url::Url::parse("https://api.x.com/2/tweets?expansions=author_id").expect("url");
        let mut req = reqwest::Request::new(reqwest::Method::POST, url.clone());
        req.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *req.body_mut() = Some(r#"{"text":"hello"}"#.into());
        sign_request(&creds, &mut req).expect("signed");
        let value = req.headers().get(AUTHORIZATION).expect("header set");
        assert!(value.is_sensitive());
        let fields = parse_header(value.to_str().expect("ascii"));
        let nonce = field(&fields, "oauth_nonce");
        assert_eq!(nonce.len(), 32);
        assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()));
        let ts: u64 = field(&fields, "oauth_timestamp").parse().expect("number");
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        assert!(now.abs_diff(ts) < 5);
        // The JSON body is not part of the signature: recomputing with no
        // form parameters gives the same header.
        let expected = sign(&creds, "POST", &url, &[], nonce, ts);
        assert_eq!(value.to_str().expect("ascii"), expected.expose_secret());

        let mut req2 = reqwest::Request::new(reqwest::Method::GET, url);
        sign_request(&creds, &mut req2).expect("signed");
        let fields2 = parse_header(
            req2.headers()
                .get(AUTHORIZATION)
                .expect("header")
                .to_str()
                .expect("ascii"),
        );
        assert_ne!(field(&fields2, "oauth_nonce"), nonce);
    }
}
