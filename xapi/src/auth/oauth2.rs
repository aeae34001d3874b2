//! OAuth 2.0 user context: the authorization-code flow with PKCE, token
//! refresh, and a [`UserTokenManager`] that keeps a user's tokens fresh.
//!
//! The flow:
//! 1. make a [`PkceVerifier`] and a random `state`, send the user to
//!    [`OAuth2Client::authorize_url`];
//! 2. on the redirect back, check `state` and call
//!    [`OAuth2Client::exchange_code`] with the `code` and the same verifier
//!    (and a `reqwest::Client`: with the `rustls` feature, call
//!    [`crate::tls::ensure_provider`] before building one);
//! 3. hand the resulting [`TokenPair`] to a [`UserTokenManager`], which
//!    refreshes it shortly before it expires, saves each new pair to a
//!    [`TokenStore`] (a [`FileTokenStore`], say) so that it survives a
//!    restart ([`UserTokenManager::restore`]), and reports it to optional
//!    callbacks, sync or async;
//! 4. [`OAuth2Client::revoke`] (or [`UserTokenManager::revoke`]) when the
//!    user logs out.
//!
//! Public clients send their `client_id` in the form body; confidential
//! ones (with a client secret) authenticate with HTTP Basic instead.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures::future::BoxFuture;

use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::app_only::basic_auth_value;
use super::pkce::PkceVerifier;
use super::{error_detail, transport_detail, AuthError, FORM_CONTENT_TYPE, REDACTED};

/// Where users are sent to approve an app.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";
/// The token endpoint for code exchange and refresh.
pub const DEFAULT_TOKEN_URL: &str = "https://api.x.com/2/oauth2/token";
/// The endpoint that revokes an access or refresh token.
pub const DEFAULT_REVOKE_URL: &str = "https://api.x.com/2/oauth2/revoke";
/// [`UserTokenManager::access_token`] refreshes tokens that expire within
/// this margin (a token it obtained with a shorter lifetime is renewed once
/// half of that lifetime has passed).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// An OAuth 2.0 client (app) registered with X.
///
/// Public clients have no secret; confidential clients authenticate to the
/// token endpoint with HTTP Basic (client id and secret). `Debug` hides the
/// secret.
#[derive(Clone)]
pub struct OAuth2Client {
    /// The app's OAuth 2.0 client id.
    pub client_id: String,
    /// The client secret, for confidential clients only.
    pub client_secret: Option<SecretString>,
    /// The callback URL registered for the app.
    pub redirect_uri: String,
    /// The authorization page, normally [`DEFAULT_AUTHORIZE_URL`].
    pub authorize_url: String,
    /// The token endpoint, normally [`DEFAULT_TOKEN_URL`].
    pub token_url: String,
    /// The revocation endpoint, normally [`DEFAULT_REVOKE_URL`].
    pub revoke_url: String,
}

impl OAuth2Client {
    /// A public client using X's default endpoints.
    pub fn new(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        OAuth2Client {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: redirect_uri.into(),
            authorize_url: DEFAULT_AUTHORIZE_URL.to_owned(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            revoke_url: DEFAULT_REVOKE_URL.to_owned(),
        }
    }

    /// A confidential client using X's default endpoints.
    pub fn confidential(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self::new(client_id, redirect_uri).with_client_secret(client_secret)
    }

    /// Sets the client secret, making this a confidential client.
    pub fn with_client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(client_secret.into()));
        self
    }

    /// Replaces the authorization page URL.
    pub fn with_authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// Replaces the token endpoint URL (tests point it at a local server).
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Replaces the revocation endpoint URL.
    pub fn with_revoke_url(mut self, url: impl Into<String>) -> Self {
        self.revoke_url = url.into();
        self
    }

    /// Whether this is a confidential client (it has a client secret).
    pub fn is_confidential(&self) -> bool {
        self.client_secret.is_some()
    }

    /// The URL to send the user to. `scopes` are joined with spaces; the
    /// challenge is derived from `verifier` with S256.
    ///
    /// Fails with [`AuthError::Invalid`] only if `self.authorize_url` is not
    /// a valid absolute URL.
    pub fn authorize_url(
        &self,
        scopes: &[&str],
        state: &str,
        verifier: &PkceVerifier,
    ) -> Result<url::Url, AuthError> {
        let mut url = url::Url::parse(&self.authorize_url)
            .map_err(|e| AuthError::Invalid(format!("the authorization URL is not valid: {e}")))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", state)
            .append_pair("code_challenge", &verifier.challenge_s256())
            .append_pair("code_challenge_method", "S256");
        Ok(url)
    }

    /// Exchanges an authorization `code` for tokens, proving possession of
    /// the `verifier` whose challenge was in the authorization URL.
    ///
    /// Errors: [`AuthError::Transport`] if the endpoint cannot be reached,
    /// [`AuthError::TokenEndpoint`] if it refuses or answers with something
    /// unusable.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
        verifier: &PkceVerifier,
    ) -> Result<TokenPair, AuthError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("code_verifier", verifier.expose_secret()),
        ];
        tracing::debug!("exchanging an OAuth 2.0 authorization code");
        self.token_request(http, &form, &[code, verifier.expose_secret()])
            .await
            .map_err(TokenFailure::into_auth_error)
    }

    /// Obtains a new token pair with `refresh_token`.
    ///
    /// If the answer carries no new refresh token, the one passed in is kept
    /// in the returned pair. Every failure is reported as
    /// [`AuthError::RefreshFailed`] (with `status: None` when no answer
    /// arrived).
    pub async fn refresh(
        &self,
        http: &reqwest::Client,
        refresh_token: &SecretString,
    ) -> Result<TokenPair, AuthError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        tracing::debug!("refreshing an OAuth 2.0 user token");
        let mut pair = self
            .token_request(http, &form, &[refresh_token.expose_secret()])
            .await
            .map_err(|failure| match failure {
                TokenFailure::Transport(detail) => AuthError::RefreshFailed {
                    status: None,
                    detail,
                },
                TokenFailure::Endpoint { status, detail } => AuthError::RefreshFailed {
                    status: Some(status),
                    detail,
                },
            })?;
        if pair.refresh_token.is_none() {
            pair.refresh_token = Some(refresh_token.clone());
        }
        Ok(pair)
    }

    /// Revokes `token` (`POST /2/oauth2/revoke` with `token` and
    /// `token_type_hint`). Revoking a token that is already invalid
    /// succeeds, as the endpoint says.
    ///
    /// Errors: [`AuthError::Transport`] if the endpoint cannot be reached,
    /// [`AuthError::TokenEndpoint`] if it refuses, or answers
    /// `{"revoked": false}`.
    pub async fn revoke(
        &self,
        http: &reqwest::Client,
        token: &SecretString,
        hint: TokenTypeHint,
    ) -> Result<(), AuthError> {
        let form = [
            ("token", token.expose_secret()),
            ("token_type_hint", hint.as_str()),
        ];
        tracing::debug!("revoking an OAuth 2.0 {}", hint.as_str());
        let (status, bytes) = self
            .post_form(http, &self.revoke_url, &form, &[token.expose_secret()])
            .await
            .map_err(TokenFailure::into_auth_error)?;
        let revoked = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("revoked").and_then(serde_json::Value::as_bool));
        if revoked == Some(false) {
            return Err(AuthError::TokenEndpoint {
                status,
                detail: "the endpoint answered that the token was not revoked".to_owned(),
            });
        }
        Ok(())
    }

    /// POSTs `form` to the token endpoint and parses the answer. `secrets`
    /// (plus the client secret) are scrubbed from any error detail.
    async fn token_request(
        &self,
        http: &reqwest::Client,
        form: &[(&str, &str)],
        secrets: &[&str],
    ) -> Result<TokenPair, TokenFailure> {
        let (status, bytes) = self.post_form(http, &self.token_url, form, secrets).await?;
        TokenPair::from_response_body(&bytes)
            .map_err(|detail| TokenFailure::Endpoint { status, detail })
    }

    /// POSTs `form` to `url`, authenticated as this client: a confidential
    /// client with HTTP Basic, a public one with `client_id` in the form.
    /// Gives the status and body of a 2xx answer.
    async fn post_form(
        &self,
        http: &reqwest::Client,
        url: &str,
        form: &[(&str, &str)],
        secrets: &[&str],
    ) -> Result<(u16, bytes::Bytes), TokenFailure> {
        // The serializer is not `Send`; keep it out of the awaiting scope.
        let body = {
            let mut serializer = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in form {
                serializer.append_pair(k, v);
            }
            if self.client_secret.is_none() {
                serializer.append_pair("client_id", &self.client_id);
            }
            serializer.finish()
        };

        let mut scrub: Vec<&str> = secrets.to_vec();
        let mut request = http
            .post(url)
            .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(secret) = &self.client_secret {
            let secret = secret.expose_secret();
            scrub.push(secret);
            let value = basic_auth_value(&self.client_id, secret)
                .map_err(|e| TokenFailure::Transport(e.to_string()))?;
            request = request.header(AUTHORIZATION, value);
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| TokenFailure::Transport(transport_detail(&e)))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| TokenFailure::Transport(transport_detail(&e)))?;
        if !(200..300).contains(&status) {
            return Err(TokenFailure::Endpoint {
                status,
                detail: error_detail(&bytes, &scrub),
            });
        }
        Ok((status, bytes))
    }
}

/// Which kind of token [`OAuth2Client::revoke`] is given (`token_type_hint`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenTypeHint {
    /// An access token.
    AccessToken,
    /// A refresh token.
    RefreshToken,
}

impl TokenTypeHint {
    /// The value sent: `access_token` or `refresh_token`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenTypeHint::AccessToken => "access_token",
            TokenTypeHint::RefreshToken => "refresh_token",
        }
    }
}

impl fmt::Debug for OAuth2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Client")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| REDACTED),
            )
            .field("redirect_uri", &self.redirect_uri)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("revoke_url", &self.revoke_url)
            .finish()
    }
}

/// Why a token request failed, before it is mapped to an [`AuthError`].
enum TokenFailure {
    Transport(String),
    Endpoint { status: u16, detail: String },
}

impl TokenFailure {
    fn into_auth_error(self) -> AuthError {
        match self {
            TokenFailure::Transport(detail) => AuthError::Transport(detail),
            TokenFailure::Endpoint { status, detail } => {
                AuthError::TokenEndpoint { status, detail }
            }
        }
    }
}

/// A successful token endpoint answer. Deliberately not `Debug`.
#[derive(Deserialize)]
struct TokenResponse {
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    access_token: Option<String>,
    scope: Option<String>,
    refresh_token: Option<String>,
}

/// A user's OAuth 2.0 tokens. `Debug` shows only the expiry and scopes.
#[derive(Clone)]
pub struct TokenPair {
    /// The access token sent as `Authorization: Bearer …`.
    pub access_token: SecretString,
    /// The refresh token (granted with the `offline.access` scope).
    pub refresh_token: Option<SecretString>,
    /// When the access token stops working, if known.
    pub expires_at: Option<SystemTime>,
    /// The scopes granted to the token.
    pub scopes: Vec<String>,
}

impl TokenPair {
    /// A pair with only an access token (no refresh token, unknown expiry,
    /// no recorded scopes); add the rest with the `with_*` methods.
    pub fn new(access_token: impl Into<String>) -> Self {
        TokenPair {
            access_token: SecretString::from(access_token.into()),
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
        }
    }

    /// Sets the refresh token.
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.refresh_token = Some(SecretString::from(refresh_token.into()));
        self
    }

    /// Sets the expiry time.
    pub fn with_expires_at(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Sets the granted scopes.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the access token expires within `margin` from now (or has
    /// already expired). A pair with no known expiry never counts as expired.
    pub fn is_expired_within(&self, margin: Duration) -> bool {
        match self.expires_at {
            None => false,
            Some(at) => match SystemTime::now().checked_add(margin) {
                Some(limit) => at <= limit,
                None => true,
            },
        }
    }

    /// Checks that every scope in `needed` was granted, returning
    /// [`AuthError::MissingScope`] naming `operation` otherwise.
    pub fn check_scopes(&self, operation: &str, needed: &[&str]) -> Result<(), AuthError> {
        if needed.iter().all(|n| self.scopes.iter().any(|g| g == n)) {
            Ok(())
        } else {
            Err(AuthError::MissingScope {
                operation: operation.to_owned(),
                needed: needed.iter().map(|s| (*s).to_owned()).collect(),
                granted: self.scopes.clone(),
            })
        }
    }

    /// Parses a token endpoint answer; the error is a secret-free detail.
    fn from_response_body(body: &[u8]) -> Result<TokenPair, String> {
        let parsed: TokenResponse = serde_json::from_slice(body)
            .map_err(|_| "the response is not a JSON token object".to_owned())?;
        if let Some(token_type) = parsed.token_type.as_deref() {
            if !token_type.eq_ignore_ascii_case("bearer") {
                return Err(format!(
                    "expected token_type \"bearer\", got {:?}",
                    token_type.chars().take(32).collect::<String>()
                ));
            }
        }
        let access_token = match parsed.access_token {
            Some(t) if !t.is_empty() => SecretString::from(t),
            _ => return Err("the response has no access_token".to_owned()),
        };
        let expires_in = parsed.expires_in.as_ref().and_then(|v| match v {
            serde_json::Value::Number(n) => n
                .as_u64()
                .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
            serde_json::Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        });
        let expires_at =
            expires_in.and_then(|secs| SystemTime::now().checked_add(Duration::from_secs(secs)));
        Ok(TokenPair {
            access_token,
            refresh_token: parsed
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(SecretString::from),
            expires_at,
            scopes: parsed
                .scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        })
    }
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &REDACTED)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| REDACTED),
            )
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Called with every new token pair a [`UserTokenManager`] obtains.
pub type TokenCallback = Arc<dyn Fn(&TokenPair) + Send + Sync>;

/// An async function called with every new token pair a
/// [`UserTokenManager`] obtains (see [`UserTokenManager::with_async_callback`]).
pub type AsyncTokenCallback = Arc<dyn Fn(TokenPair) -> BoxFuture<'static, ()> + Send + Sync>;

/// Where a [`UserTokenManager`] keeps the user's tokens, so that a refreshed
/// pair (and the rotated refresh token it holds) survives a restart.
///
/// [`FileTokenStore`] keeps them in a file; implement this for a database
/// or a secret manager. `save` is called with each new pair, never while
/// the manager holds its token lock, so it may ask the manager for the
/// token.
pub trait TokenStore: Send + Sync {
    /// The saved pair, if any.
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<TokenPair>>>;
    /// Saves `tokens`, replacing the pair saved before.
    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, std::io::Result<()>>;
}

impl<S: TokenStore + ?Sized> TokenStore for Arc<S> {
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<TokenPair>>> {
        (**self).load()
    }

    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, std::io::Result<()>> {
        (**self).save(tokens)
    }
}

/// A [`TokenStore`] in one JSON file (`access_token`, `refresh_token`,
/// `expires_at` in seconds since the Unix epoch, `scopes`).
///
/// Each save writes a temporary file beside it, flushes it and renames it
/// over the old one, so the file always holds a whole pair. On Unix the
/// file is readable and writable by its owner only (mode `0600`) from the
/// moment it is created.
#[derive(Clone, Debug)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store in `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore { path: path.into() }
    }

    /// The file the pair is kept in.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

/// The saved form of a pair. Deliberately not `Debug`.
#[derive(Deserialize)]
struct SavedTokens {
    access_token: Option<String>,
    refresh_token: Option<String>,
    expires_at: Option<u64>,
    #[serde(default)]
    scopes: Vec<String>,
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> BoxFuture<'_, std::io::Result<Option<TokenPair>>> {
        Box::pin(async move {
            let Some(bytes) = crate::persist::read_optional(self.path.clone()).await? else {
                return Ok(None);
            };
            let invalid = |why: String| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{} does not hold saved tokens: {why}", self.path.display()),
                )
            };
            // The error of serde_json may quote a value: only its place is kept.
            let saved: SavedTokens = serde_json::from_slice(&bytes).map_err(|e| {
                invalid(format!(
                    "not a JSON token object (line {}, column {})",
                    e.line(),
                    e.column()
                ))
            })?;
            let access_token = saved
                .access_token
                .filter(|t| !t.is_empty())
                .ok_or_else(|| invalid("no access_token".to_owned()))?;
            let mut pair = TokenPair::new(access_token).with_scopes(saved.scopes);
            pair.refresh_token = saved
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(SecretString::from);
            pair.expires_at = saved
                .expires_at
                .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)));
            Ok(Some(pair))
        })
    }

    fn save<'a>(&'a self, tokens: &'a TokenPair) -> BoxFuture<'a, std::io::Result<()>> {
        let expires_at = tokens
            .expires_at
            .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        let saved = serde_json::json!({
            "access_token": tokens.access_token.expose_secret(),
            "refresh_token": tokens.refresh_token.as_ref().map(|t| t.expose_secret()),
            "expires_at": expires_at,
            "scopes": tokens.scopes,
        });
        let mut bytes = saved.to_string().into_bytes();
        bytes.push(b'\n');
        Box::pin(crate::persist::write_atomic_private(
            self.path.clone(),
            bytes,
        ))
    }
}

/// A token that [`UserTokenManager`] obtained is renewed no sooner than this
/// after it arrived, however short the lifetime the token endpoint gave it.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// Which condition triggers a refresh.
enum RefreshMode {
    /// Only when the token is due for renewal (see [`TokenState::is_due`]).
    IfExpiring,
    /// Always.
    Force,
    /// Only when the current access token is still the rejected one.
    IfCurrent(SecretString),
}

/// The token state that clones of a [`UserTokenManager`] share.
struct TokenState {
    pair: TokenPair,
    /// When a pair this manager obtained is due for renewal. `None` for the
    /// pair it was given, whose lifetime is unknown, and for pairs without
    /// an expiry.
    renew_at: Option<Instant>,
    /// How many pairs have been obtained; numbers the deliveries to the
    /// callback.
    generation: u64,
}

impl TokenState {
    /// Whether the access token should be renewed before it is used.
    fn is_due(&self) -> bool {
        match self.renew_at {
            Some(at) => Instant::now() >= at,
            None => self.pair.is_expired_within(REFRESH_MARGIN),
        }
    }
}

/// When to renew a pair that has just arrived: [`REFRESH_MARGIN`] before it
/// expires, but not before half of its lifetime has passed, nor sooner than
/// [`MIN_REFRESH_INTERVAL`]. A token that lives less than the margin is thus
/// used for a while instead of being renewed before every request.
fn renewal_time(pair: &TokenPair) -> Option<Instant> {
    let expires_at = pair.expires_at?;
    let lifetime = expires_at
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    let wait = lifetime
        .saturating_sub(REFRESH_MARGIN)
        .max(lifetime.checked_div(2).unwrap_or_default())
        .max(MIN_REFRESH_INTERVAL);
    Instant::now().checked_add(wait)
}

/// One receiver of new pairs.
#[derive(Clone)]
enum Sink {
    Sync(TokenCallback),
    Async(AsyncTokenCallback),
    Store(Arc<dyn TokenStore>),
}

/// The receivers of new pairs (stores first, then callbacks, in the order
/// they were added), and the order in which new pairs reach them.
struct Notifier {
    sinks: Vec<Sink>,
    queue: StdMutex<Deliveries>,
}

#[derive(Default)]
struct Deliveries {
    /// The newest pair not yet handed to the callback, with its generation.
    pending: Option<(u64, TokenPair)>,
    /// The generation of the last pair handed to the callback.
    delivered: u64,
    /// Whether some task is running the callback now.
    running: bool,
}

impl Notifier {
    fn queue(&self) -> MutexGuard<'_, Deliveries> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands `pair`, the `generation`-th pair obtained, to the stores and
    /// callbacks, with no lock held while they run. Pairs reach them oldest
    /// first and one at a time; a pair superseded before its turn is
    /// skipped. Never waits for another delivery: when one is running, the
    /// task running it hands this pair over as well once it is done.
    async fn notify(&self, generation: u64, pair: TokenPair) {
        {
            let mut queue = self.queue();
            let newest = generation > queue.delivered
                && queue
                    .pending
                    .as_ref()
                    .is_none_or(|(pending, _)| generation > *pending);
            if newest {
                queue.pending = Some((generation, pair));
            }
            if queue.running {
                return;
            }
            queue.running = true;
        }
        let mut running = Running {
            notifier: self,
            finished: false,
        };
        loop {
            let next = {
                let mut queue = self.queue();
                match queue.pending.take() {
                    Some((generation, pair)) => {
                        queue.delivered = generation;
                        Some(pair)
                    }
                    None => {
                        queue.running = false;
                        None
                    }
                }
            };
            let Some(pair) = next else { break };
            for sink in &self.sinks {
                match sink {
                    Sink::Store(store) => {
                        if let Err(e) = store.save(&pair).await {
                            tracing::warn!(
                                "the refreshed OAuth 2.0 tokens could not be saved: {e}"
                            );
                        }
                    }
                    Sink::Sync(callback) => callback(&pair),
                    Sink::Async(callback) => callback(pair.clone()).await,
                }
            }
        }
        running.finished = true;
    }
}

/// Clears the running mark when a callback panics, so that later pairs are
/// still delivered.
struct Running<'a> {
    notifier: &'a Notifier,
    finished: bool,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.notifier.queue().running = false;
        }
    }
}

/// Keeps one user's OAuth 2.0 tokens fresh.
///
/// Clones share the same token state. At most one refresh runs at a time:
/// the token lock is held for the whole exchange with the token endpoint, so
/// concurrent callers wait and then use the new token. A refresh, once
/// started, runs to completion on its own task even if the caller stops
/// waiting, so a rotated refresh token is never lost half-way.
///
/// A token is renewed when it expires within [`REFRESH_MARGIN`]; one this
/// manager obtained with a shorter lifetime than that is renewed once half
/// of its lifetime has passed, and never sooner than
/// [`MIN_REFRESH_INTERVAL`] after it arrived.
#[derive(Clone)]
pub struct UserTokenManager {
    client: OAuth2Client,
    tokens: Arc<Mutex<TokenState>>,
    notifier: Option<Arc<Notifier>>,
}

impl UserTokenManager {
    /// Manages `tokens` for `client`.
    pub fn new(client: OAuth2Client, tokens: TokenPair) -> Self {
        UserTokenManager {
            client,
            tokens: Arc::new(Mutex::new(TokenState {
                pair: tokens,
                renew_at: None,
                generation: 0,
            })),
            notifier: None,
        }
    }

    /// Registers a function called with each new token pair, for example to
    /// persist it (several may be registered; each is called).
    ///
    /// It runs after the token lock is released, so it may ask this manager
    /// for the token. Calls never overlap and see the pairs in the order
    /// they were obtained; a pair replaced by a newer one before its turn is
    /// skipped, so the last pair passed is always the current one. The task
    /// that refreshed runs it before returning the new token, so it should
    /// be quick.
    pub fn with_callback(self, callback: impl Fn(&TokenPair) + Send + Sync + 'static) -> Self {
        self.add_sink(Sink::Sync(Arc::new(callback)))
    }

    /// Registers an async function called with each new token pair, under
    /// the same rules as [`with_callback`](Self::with_callback): no lock is
    /// held while it runs, so it may await this manager
    /// ([`access_token`](Self::access_token), [`tokens`](Self::tokens));
    /// calls never overlap and see the pairs in order. The refresh that
    /// obtained the pair waits for it before handing out the new token.
    pub fn with_async_callback<F, Fut>(self, callback: F) -> Self
    where
        F: Fn(TokenPair) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let callback: AsyncTokenCallback = Arc::new(move |pair| Box::pin(callback(pair)));
        self.add_sink(Sink::Async(callback))
    }

    /// Saves each new token pair to `store` (before the callbacks run, and
    /// with no lock held). A failed save is logged as a warning and does
    /// not fail the request that caused the refresh: the new pair is in use
    /// either way. The pair given to [`new`](Self::new) is not saved; see
    /// [`restore`](Self::restore) for starting from a saved pair.
    pub fn with_store(self, store: impl TokenStore + 'static) -> Self {
        self.add_sink(Sink::Store(Arc::new(store)))
    }

    /// A manager for the pair saved in `store`, which it goes on saving
    /// to; `None` when nothing is saved yet (log the user in first).
    ///
    /// Errors: [`AuthError::Store`] when the store cannot be read or holds
    /// something else.
    pub async fn restore(
        client: OAuth2Client,
        store: impl TokenStore + 'static,
    ) -> Result<Option<UserTokenManager>, AuthError> {
        let saved = store
            .load()
            .await
            .map_err(|e| AuthError::Store(e.to_string()))?;
        Ok(saved.map(|pair| UserTokenManager::new(client, pair).with_store(store)))
    }

    /// Revokes the user's tokens: the refresh token, if there is one, and
    /// the access token (see [`OAuth2Client::revoke`]).
    pub async fn revoke(&self, http: &reqwest::Client) -> Result<(), AuthError> {
        let pair = self.tokens().await;
        if let Some(refresh) = &pair.refresh_token {
            self.client
                .revoke(http, refresh, TokenTypeHint::RefreshToken)
                .await?;
        }
        self.client
            .revoke(http, &pair.access_token, TokenTypeHint::AccessToken)
            .await
    }

    /// Adds `sink` to the receivers of new pairs: stores before callbacks.
    fn add_sink(mut self, sink: Sink) -> Self {
        let mut sinks: Vec<Sink> = self
            .notifier
            .as_ref()
            .map(|n| n.sinks.clone())
            .unwrap_or_default();
        let at = match sink {
            Sink::Store(_) => sinks
                .iter()
                .position(|s| !matches!(s, Sink::Store(_)))
                .unwrap_or(sinks.len()),
            _ => sinks.len(),
        };
        sinks.insert(at, sink);
        self.notifier = Some(Arc::new(Notifier {
            sinks,
            queue: StdMutex::new(Deliveries::default()),
        }));
        self
    }

    /// The OAuth 2.0 client used for refreshing.
    pub fn client(&self) -> &OAuth2Client {
        &self.client
    }

    /// A copy of the current token pair.
    pub async fn tokens(&self) -> TokenPair {
        self.tokens.lock().await.pair.clone()
    }

    /// The access token to use now, refreshed first if it is due for
    /// renewal (see the type's documentation).
    ///
    /// Without a refresh token, a token that is about to expire is still
    /// returned while it is valid; an already expired one gives
    /// [`AuthError::Expired`].
    pub async fn access_token(&self, http: &reqwest::Client) -> Result<SecretString, AuthError> {
        self.refresh_with(http, RefreshMode::IfExpiring).await
    }

    /// Refreshes unconditionally and returns the new access token
    /// ([`AuthError::Expired`] if there is no refresh token).
    pub async fn force_refresh(&self, http: &reqwest::Client) -> Result<SecretString, AuthError> {
        self.refresh_with(http, RefreshMode::Force).await
    }

    /// Refreshes after the API rejected `rejected` with 401, unless another
    /// caller has already replaced that token, in which case the current
    /// token is returned without a new refresh.
    pub async fn refresh_after_unauthorized(
        &self,
        http: &reqwest::Client,
        rejected: &SecretString,
    ) -> Result<SecretString, AuthError> {
        self.refresh_with(http, RefreshMode::IfCurrent(rejected.clone()))
            .await
    }

    async fn refresh_with(
        &self,
        http: &reqwest::Client,
        mode: RefreshMode,
    ) -> Result<SecretString, AuthError> {
        let guard = Arc::clone(&self.tokens).lock_owned().await;
        let needed = match &mode {
            RefreshMode::IfExpiring => guard.is_due(),
            RefreshMode::Force => true,
            RefreshMode::IfCurrent(rejected) => {
                guard.pair.access_token.expose_secret() == rejected.expose_secret()
            }
        };
        if !needed {
            return Ok(guard.pair.access_token.clone());
        }
        let Some(refresh_token) = guard.pair.refresh_token.clone() else {
            if matches!(mode, RefreshMode::IfExpiring)
                && !guard.pair.is_expired_within(Duration::ZERO)
            {
                return Ok(guard.pair.access_token.clone());
            }
            return Err(AuthError::Expired);
        };

        let client = self.client.clone();
        let http = http.clone();
        let notifier = self.notifier.clone();
        let task = tokio::spawn(async move {
            let mut guard = guard;
            let mut pair = client.refresh(&http, &refresh_token).await?;
            if pair.scopes.is_empty() {
                pair.scopes = guard.pair.scopes.clone();
            }
            guard.renew_at = renewal_time(&pair);
            guard.generation = guard.generation.saturating_add(1);
            guard.pair = pair;
            let token = guard.pair.access_token.clone();
            let delivery = notifier.map(|n| (n, guard.generation, guard.pair.clone()));
            // Released before the callback runs, so that it may use the manager.
            drop(guard);
            tracing::debug!("OAuth 2.0 user token refreshed");
            if let Some((notifier, generation, pair)) = delivery {
                notifier.notify(generation, pair).await;
            }
            Ok(token)
        });
        task.await.map_err(|_| AuthError::RefreshFailed {
            status: None,
            detail: "the refresh task was cancelled or panicked".to_owned(),
        })?
    }
}

impl fmt::Debug for UserTokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokenManager")
            .field("client", &self.client)
            .field("tokens", &REDACTED)
            .field(
                "receivers",
                &self.notifier.as_ref().map_or(0, |n| n.sinks.len()),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use wiremock::matchers::{body_string, header, header_exists, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    fn http() -> reqwest::Client {
        crate::tls::ensure_provider();
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client")
    }

    fn client_for(server: &MockServer) -> OAuth2Client {
        OAuth2Client::new("my-client", "https://app.example/cb")
            .with_token_url(format!("{}/2/oauth2/token", server.uri()))
    }

    fn token_json(access: &str, refresh: &str) -> serde_json::Value {
        serde_json::json!({
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": access,
            "scope": "tweet.read users.read offline.access",
            "refresh_token": refresh
        })
    }

    fn expiring_pair(in_secs: u64) -> TokenPair {
        TokenPair::new("OLD-ACCESS")
            .with_refresh_token("OLD-REFRESH")
            .with_expires_at(SystemTime::now() + Duration::from_secs(in_secs))
            .with_scopes(["tweet.read", "offline.access"])
    }

    #[test]
    fn authorize_url_has_all_parameters() {
        let client = OAuth2Client::new("my-client", "https://app.example/cb?x=1");
        let verifier = PkceVerifier::from_string(VERIFIER).expect("verifier");
        let url = client
            .authorize_url(&["tweet.read", "users.read"], "st@te", &verifier)
            .expect("url");
        assert_eq!(url.host_str(), Some("x.com"));
        assert_eq!(url.path(), "/i/oauth2/authorize");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let expected: Vec<(String, String)> = [
            ("response_type", "code"),
            ("client_id", "my-client"),
            ("redirect_uri", "https://app.example/cb?x=1"),
            ("scope", "tweet.read users.read"),
            ("state", "st@te"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(pairs, expected);
        // The verifier itself never appears in the URL.
        assert!(!url.as_str().contains(VERIFIER));

        let bad = client.clone().with_authorize_url("not a url");
        assert!(matches!(
            bad.authorize_url(&[], "s", &verifier),
            Err(AuthError::Invalid(_))
        ));
    }

    #[tokio::test]
    async fn exchange_code_sends_exact_form() {
        let server = MockServer::start().await;
        let expected_body = format!(
            "grant_type=authorization_code&code=the-code%2F1&redirect_uri=https%3A%2F%2Fapp.example%2Fcb\
             &code_verifier={VERIFIER}&client_id=my-client"
        );
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .and(header("content-type", FORM_CONTENT_TYPE))
            .and(body_string(expected_body))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(token_json("NEW-ACCESS", "NEW-REFRESH")),
            )
            .expect(1)
            .mount(&server)
            .await;

        let verifier = PkceVerifier::from_string(VERIFIER).expect("verifier");
        let before = SystemTime::now();
        let pair = client_for(&server)
            .exchange_code(&http(), "the-code/1", &verifier)
            .await
            .expect("tokens");
        assert_eq!(pair.access_token.expose_secret(), "NEW-ACCESS");
        assert_eq!(
            pair.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("NEW-REFRESH")
        );
        assert_eq!(pair.scopes, ["tweet.read", "users.read", "offline.access"]);
        let expires_at = pair.expires_at.expect("expiry");
        assert!(expires_at >= before + Duration::from_secs(7200));
        assert!(expires_at <= SystemTime::now() + Duration::from_secs(7200));
        assert!(!pair.is_expired_within(REFRESH_MARGIN));
        server.verify().await;

        let shown = format!("{pair:?}");
        assert!(
            !shown.contains("NEW-ACCESS") && !shown.contains("NEW-REFRESH"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn confidential_client_uses_basic_auth() {
        let server = MockServer::start().await;
        // base64("my-client:s3cret")
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .and(header("authorization", "Basic bXktY2xpZW50OnMzY3JldA=="))
            // Authenticated by the header: no client_id in the form.
            .and(body_string("grant_type=refresh_token&refresh_token=R0"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token_json("A", "R")))
            .expect(1)
            .mount(&server)
            .await;
        let client = client_for(&server).with_client_secret("s3cret");
        assert!(!format!("{client:?}").contains("s3cret"));
        let pair = client
            .refresh(&http(), &SecretString::from("R0"))
            .await
            .expect("tokens");
        assert_eq!(pair.access_token.expose_secret(), "A");
        server.verify().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn refreshes_once_before_expiry_with_concurrent_callers() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .and(body_string(
                "grant_type=refresh_token&refresh_token=OLD-REFRESH&client_id=my-client",
            ))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(token_json("NEW-ACCESS", "NEW-REFRESH"))
                    .set_delay(Duration::from_millis(200)),
            )
            .expect(1)
            .mount(&server)
            .await;

        let calls = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let (calls2, seen2) = (Arc::clone(&calls), Arc::clone(&seen));
        let manager = UserTokenManager::new(client_for(&server), expiring_pair(10)).with_callback(
            move |pair: &TokenPair| {
                calls2.fetch_add(1, Ordering::SeqCst);
                seen2
                    .lock()
                    .expect("lock")
                    .push(pair.access_token.expose_secret().to_owned());
            },
        );

        let http = http();
        let mut handles = Vec::new();
        for _ in 0..5 {
            let (m, h) = (manager.clone(), http.clone());
            handles.push(tokio::spawn(async move { m.access_token(&h).await }));
        }
        for handle in handles {
            let token = handle.await.expect("task").expect("token");
            assert_eq!(token.expose_secret(), "NEW-ACCESS");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(*seen.lock().expect("lock"), ["NEW-ACCESS"]);
        let now = manager.tokens().await;
        assert_eq!(
            now.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("NEW-REFRESH")
        );
        // A fresh token is now returned without another refresh.
        let again = manager.access_token(&http).await.expect("token");
        assert_eq!(again.expose_secret(), "NEW-ACCESS");
        server.verify().await;
    }

    #[tokio::test]
    async fn fresh_token_is_not_refreshed() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(token_json("X", "Y")))
            .expect(0)
            .mount(&server)
            .await;
        let manager = UserTokenManager::new(client_for(&server), expiring_pair(3600));
        let token = manager.access_token(&http()).await.expect("token");
        assert_eq!(token.expose_secret(), "OLD-ACCESS");
        server.verify().await;
    }

    #[tokio::test]
    async fn force_refresh_replaces_fresh_token() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .and(body_string(
                "grant_type=refresh_token&refresh_token=OLD-REFRESH&client_id=my-client",
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "FORCED-ACCESS"
            })))
            .expect(1)
            .mount(&server)
            .await;
        let calls = Arc::new(AtomicUsize::new(0));
        let calls2 = Arc::clone(&calls);
        let manager = UserTokenManager::new(client_for(&server), expiring_pair(3600))
            .with_callback(move |_| {
                calls2.fetch_add(1, Ordering::SeqCst);
            });
        let http = http();
        let token = manager.force_refresh(&http).await.expect("token");
        assert_eq!(token.expose_secret(), "FORCED-ACCESS");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let pair = manager.tokens().await;
        // No new refresh token or scope in the answer: the old ones are kept.
        assert_eq!(
            pair.refresh_token.as_ref().map(|t| t.expose_secret()),
            Some("OLD-REFRESH")
        );
        assert_eq!(pair.scopes, ["tweet.read", "offline.access"]);

        // A 401 on the old token after the refresh does not refresh again.
        let current = manager
            .refresh_after_unauthorized(&http, &SecretString::from("OLD-ACCESS"))
            .await
            .expect("token");
        assert_eq!(current.expose_secret(), "FORCED-ACCESS");
        server.verify().await;
    }

    #[tokio::test]
    async fn refresh_failure_is_reported_without_tokens() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/2/oauth2/token"))
            .and(header_exists("content-type"))
            .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
                "error": "invalid_request",
                "error_description": "Value passed for the token OLD-REFRESH was invalid."
            })))
            .expect(1)
            .mount(&server)
            .await;
        let manager = UserTokenManager::new(client_for(&server), expiring_pair(5));
        let err = manager.access_token(&http()).await.expect_err("must fail");
        match &err {
            AuthError::RefreshFailed { status, detail } => {
                assert_eq!(*status, Some(400));
                assert!(detail.contains("invalid_request"), "{detail}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let text = format!("{err} {err:?}");
        for token in ["OLD-REFRESH", "OLD-ACCESS"] {
            assert!(!text.contains(token), "{text}");
        }
        // The old tokens stay in place.
        let pair = manager.tokens().await;
        assert_eq!(pair.access_token.expose_secret(), "OLD-ACCESS");
        server.verify().await;
    }

    #[tokio::test]
    async fn refresh_transport_failure_has_no_status() {
        // A loopback port nothing listens on any more (wiremock pools its
        // servers, so a dropped MockServer may still be listening).
        let uri = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            format!("http://{}", listener.local_addr().expect("addr"))
        };
        let client = OAuth2Client::new("c", "https://app.example/cb")
            .with_token_url(format!("{uri}/2/oauth2/token"));
        let err = client
            .refresh(&http(), &SecretString::from("RT"))
            .await
            .expect_err("must fail");
        assert!(
            matches!(err, AuthError::RefreshFailed { status: None, .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn expired_without_refresh_token() {
        let client = OAuth2Client::new("c", "https://app.example/cb")
            .with_token_url("http://127.0.0.1:9/never-called");
        let expired =
            TokenPair::new("T").with_expires_at(SystemTime::now() - Duration::from_secs(1));
        let manager = UserTokenManager::new(client.clone(), expired);
        assert!(matches!(
            manager.access_token(&http()).await,
            Err(AuthError::Expired)
        ));
        assert!(matches!(
            manager.force_refresh(&http()).await,
            Err(AuthError::Expired)
        ));

        // Still valid for 30 s: returned as is, although inside the margin.
        let soon = TokenPair::new("T").with_expires_at(SystemTime::now() + Duration::from_secs(30));
        let manager = UserTokenManager::new(client, soon);
        let token = manager.access_token(&http()).await.expect("still valid");
        assert_eq!(token.expose_secret(), "T");
    }

    #[test]
    fn futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let client = OAuth2Client::new("c", "https://app.example/cb");
        let manager = UserTokenManager::new(client.clone(), TokenPair::new("T"));
        let http = http();
        let verifier = PkceVerifier::new();
        let refresh = SecretString::from("R");
        assert_send(&client.exchange_code(&http, "code", &verifier));
        assert_send(&client.refresh(&http, &refresh));
        assert_send(&manager.access_token(&http));
        assert_send(&manager.force_refresh(&http));
        assert_send(&super::super::app_only::fetch_bearer(
            &http,
            "http://127.0.0.1:9",
            "k",
            &refresh,
        ));
        let creds = super::super::Credentials::oauth2_user(manager);
        assert!(format!("{creds:?}").contains("UserTokenManager"));
    }

    #[test]
    fn token_pair_helpers() {
        let pair = TokenPair::new("A").with_scopes(["tweet.read", "users.read"]);
        assert!(!pair.is_expired_within(Duration::from_secs(1_000_000)));
        assert!(pair.check_scopes("get_me", &["users.read"]).is_ok());
        let err = pair
            .check_scopes("create_post", &["tweet.write", "tweet.read"])
            .expect_err("missing");
        assert!(matches!(err, AuthError::MissingScope { .. }));
        let pair = pair.with_expires_at(SystemTime::now() + Duration::from_secs(30));
        assert!(pair.is_expired_within(REFRESH_MARGIN));
        assert!(!pair.is_expired_within(Duration::ZERO));

        let parsed = TokenPair::from_response_body(
            br#"{"token_type":"Bearer","expires_in":"60","access_token":"Z","scope":""}"#,
        )
        .expect("parsed");
        assert!(parsed.expires_at.is_some() && parsed.refresh_token.is_none());
        assert!(parsed.scopes.is_empty());
        assert!(
            TokenPair::from_response_body(br#"{"token_type":"mac","access_token":"Z"}"#).is_err()
        );
        assert!(TokenPair::from_response_body(br#"{"token_type":"bearer"}"#).is_err());
        assert!(TokenPair::from_response_body(b"<html>").is_err());
    }
}
