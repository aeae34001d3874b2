//! The client: configuration, authentication, sending and decoding.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use xapi_generated::runtime::{Model, Operation, RequestParts, Sender};

use crate::auth::{AuthError, Credentials};
use crate::error::{offset_of, snippet, ApiError, DecodeError, Error};
use crate::pagination::Pages;
use crate::rate_limit::RateLimit;
use crate::response::Response;
use crate::stream::EventStream;

/// The production API host.
pub const DEFAULT_BASE_URL: &str = "https://api.x.com";

/// Environment variable that overrides the base URL (proxies, mock servers).
pub const BASE_URL_ENV: &str = "XAPI_BASE_URL";

/// A client for the X API v2. Cheap to clone: clones share the connection
/// pool, credentials and rate-limit state.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) app_bearer: tokio::sync::OnceCell<SecretString>,
    pub(crate) raw: xapi_generated::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("credentials", &self.inner.credentials)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`].
#[must_use]
pub struct ClientBuilder {
    credentials: Option<Credentials>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    http: Option<reqwest::Client>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            credentials: None,
            base_url: None,
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: format!("xapi-rust/{}", env!("CARGO_PKG_VERSION")),
            http: None,
        }
    }
}

impl ClientBuilder {
    /// Authenticates with an app-only (or user) OAuth 2.0 bearer token.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::bearer(token));
        self
    }

    /// Authenticates with any supported credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Sends requests to `url` instead of the production host (mock servers,
    /// proxies). Without this, `XAPI_BASE_URL` is honoured when set.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Whole-request timeout for non-streaming requests (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connection timeout (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses a preconfigured `reqwest::Client` (its own timeouts and agent apply).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = match self.base_url {
            Some(url) => url,
            None => std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        };
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        if url::Url::parse(&base_url)
            .map(|u| !u.has_host())
            .unwrap_or(true)
        {
            return Err(Error::InvalidRequest {
                operation: "",
                parameter: "base_url".into(),
                rule: format!("{base_url:?} is not an absolute http(s) URL"),
            });
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .read_timeout(self.timeout)
                .user_agent(self.user_agent.clone())
                .build()
                .map_err(|source| Error::Transport {
                    operation: "",
                    source,
                })?,
        };
        let inner = Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| {
            let hooks = xapi_generated::runtime::Hooks(Arc::new(RawTransport {
                inner: weak.clone(),
            }));
            Inner {
                raw: xapi_generated::Client::new_with_client(&base_url, http.clone(), hooks),
                http,
                base_url,
                credentials: self.credentials,
                app_bearer: tokio::sync::OnceCell::new(),
            }
        });
        Ok(Client { inner })
    }
}

impl Client {
    /// A builder with defaults: no credentials, the production host (or
    /// `XAPI_BASE_URL`), 30 s timeout.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The generated client, for operations by their document names with
    /// positional arguments. Requests go through the same authentication.
    pub fn raw(&self) -> &xapi_generated::Client {
        &self.inner.raw
    }

    /// Adds the credentials to a request.
    pub(crate) async fn authorize(&self, request: &mut reqwest::Request) -> Result<(), AuthError> {
        let header = match &self.inner.credentials {
            None => return Ok(()),
            Some(Credentials::Bearer(token)) => bearer_header(token)?,
            Some(Credentials::AppOnly {
                consumer_key,
                consumer_secret,
            }) => {
                let token = self
                    .inner
                    .app_bearer
                    .get_or_try_init(|| {
                        crate::auth::app_only::fetch_bearer(
                            &self.inner.http,
                            &self.inner.base_url,
                            consumer_key,
                            consumer_secret,
                        )
                    })
                    .await?;
                bearer_header(token)?
            }
            Some(Credentials::OAuth1(creds)) => {
                return crate::auth::oauth1::sign_request(creds, request)
            }
            Some(Credentials::OAuth2User(manager)) => {
                let token = manager.access_token(&self.inner.http).await?;
                bearer_header(&token)?
            }
        };
        request.headers_mut().insert(AUTHORIZATION, header);
        Ok(())
    }

    /// Sends a prepared request once, with credentials and a tracing span.
    pub(crate) async fn execute(
        &self,
        operation: &'static Operation,
        mut request: reqwest::Request,
    ) -> Result<reqwest::Response, Error> {
        self.authorize(&mut request)
            .await
            .map_err(|source| Error::Auth {
                operation: operation.id,
                source,
            })?;
        let span = tracing::debug_span!(
            "xapi.request",
            operation = operation.id,
            method = operation.method,
            path = operation.path,
            attempt = 1u32,
            status = tracing::field::Empty,
            rate_limit_remaining = tracing::field::Empty,
        );
        let response = self
            .inner
            .http
            .execute(request)
            .instrument(span.clone())
            .await
            .map_err(|source| Error::Transport {
                operation: operation.id,
                source,
            })?;
        span.record("status", response.status().as_u16());
        if let Some(remaining) = RateLimit::from_headers(response.headers()).remaining {
            span.record("rate_limit_remaining", remaining);
        }
        Ok(response)
    }

    /// Builds the HTTP request for `operation` from `parts`, after validation.
    pub(crate) fn build_request(
        &self,
        operation: &'static Operation,
        parts: &RequestParts,
    ) -> Result<reqwest::Request, Error> {
        crate::validate::check(operation, parts).map_err(|v| Error::InvalidRequest {
            operation: operation.id,
            parameter: v.parameter,
            rule: v.rule,
        })?;
        let path = parts
            .fill_path(operation.path)
            .map_err(|name| Error::InvalidRequest {
                operation: operation.id,
                parameter: name,
                rule: "is required".into(),
            })?;
        let method = reqwest::Method::from_bytes(operation.method.as_bytes()).map_err(|_| {
            Error::InvalidRequest {
                operation: operation.id,
                parameter: "method".into(),
                rule: format!("unsupported method {}", operation.method),
            }
        })?;
        let mut url =
            url::Url::parse(&format!("{}{}", self.inner.base_url, path)).map_err(|e| {
                Error::InvalidRequest {
                    operation: operation.id,
                    parameter: "base_url".into(),
                    rule: e.to_string(),
                }
            })?;
        if !parts.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &parts.query {
                pairs.append_pair(name, value);
            }
        }
        let mut request = reqwest::Request::new(method, url);
        if let Some(body) = &parts.body {
            request
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.clone().into());
        }
        request
            .headers_mut()
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static("xapi-rust"));
        Ok(request)
    }

    /// Sends `parts` as `operation` and decodes the body as `T`.
    pub async fn send_operation<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> Result<Response<T>, Error> {
        let request = self.build_request(operation, &parts)?;
        let response = self.execute(operation, request).await?;
        let requested = parts.query_value("expansions").map(str::to_owned);
        decode_response(operation, response, requested).await
    }
}

fn bearer_header(token: &SecretString) -> Result<HeaderValue, AuthError> {
    let mut value =
        HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).map_err(|_| {
            AuthError::Invalid("the bearer token holds characters not allowed in a header".into())
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Turns an answer into a decoded response or an API error.
pub(crate) async fn decode_response<T: Model>(
    operation: &'static Operation,
    response: reqwest::Response,
    requested_expansions: Option<String>,
) -> Result<Response<T>, Error> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|source| Error::Transport {
        operation: operation.id,
        source,
    })?;
    if !(200..300).contains(&status) {
        return Err(Error::Api(Box::new(api_error(
            operation.id,
            status,
            headers,
            body,
        ))));
    }
    let value = decode_body::<T>(operation.id, status, &body)?;
    Ok(Response::new(value, status, headers, requested_expansions))
}

/// Decodes a success body, reporting the JSON path and a snippet on failure.
pub(crate) fn decode_body<T: Model>(
    operation: &'static str,
    status: u16,
    body: &[u8],
) -> Result<T, Error> {
    // An empty success body (204-style) decodes as an empty object.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    xapi_generated::runtime::decode::<T>(body).map_err(|failure| {
        let offset = offset_of(body, failure.line, failure.column);
        Error::Decode(Box::new(DecodeError {
            operation,
            path: failure.path,
            reason: failure.reason,
            snippet: snippet(body, offset, 80),
            status,
        }))
    })
}

/// Builds an [`ApiError`] from an error answer.
pub(crate) fn api_error(
    operation: &'static str,
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
) -> ApiError {
    let problem = serde_json::from_slice(&body).ok();
    let request_id = ["x-request-id", "x-transaction-id", "x-connection-hash"]
        .iter()
        .find_map(|h| {
            headers
                .get(*h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        });
    ApiError {
        operation,
        status,
        problem,
        rate_limit: RateLimit::from_headers(&headers),
        request_id,
        body,
        headers,
    }
}

impl Sender for Client {
    type Reply<T: Model + Send + 'static> = Response<T>;
    type Error = Error;
    type Pages<T: Model + Send + 'static> = Pages<T>;
    type Stream<T: Model + Send + 'static> = EventStream<T>;

    fn send<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> impl std::future::Future<Output = Result<Response<T>, Error>> + Send + '_ {
        self.send_operation(operation, parts)
    }

    fn paginate<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> Pages<T> {
        Pages::new(self.clone(), operation, parts)
    }

    fn open_stream<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> EventStream<T> {
        EventStream::new(self.clone(), operation, parts)
    }
}

/// Routes the generated client's requests through the facade's credentials.
struct RawTransport {
    inner: std::sync::Weak<Inner>,
}

impl xapi_generated::runtime::Transport for RawTransport {
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        _operation_id: &'static str,
    ) -> futures::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let Some(inner) = self.inner.upgrade() else {
                return Err("the client was dropped".to_owned());
            };
            let client = Client { inner };
            client.authorize(request).await.map_err(|e| e.to_string())
        })
    }

    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        _operation_id: &'static str,
        client: &'a reqwest::Client,
    ) -> futures::future::BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(client.execute(request))
    }
}
