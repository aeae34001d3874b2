//! The hook through which the generated positional client sends.

use std::fmt;

/// Executes requests for the generated client. The facade installs its
/// authentication, rate-limit and retry stack here.
pub trait Transport: Send + Sync + 'static {
    /// Prepares a request before it is sent (e.g. signs it).
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation_id: &'static str,
    ) -> futures_core::future::BoxFuture<'a, Result<(), String>>;

    /// Sends a request and returns the response.
    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        operation_id: &'static str,
        client: &'a reqwest::Client,
    ) -> futures_core::future::BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// Sends requests unchanged.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainTransport;

impl Transport for PlainTransport {
    fn prepare<'a>(
        &'a self,
        _request: &'a mut reqwest::Request,
        _operation_id: &'static str,
    ) -> futures_core::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        _operation_id: &'static str,
        client: &'a reqwest::Client,
    ) -> futures_core::future::BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(client.execute(request))
    }
}

/// The generated client's hook into a [`Transport`].
#[derive(Clone)]
pub struct Hooks(pub std::sync::Arc<dyn Transport>);

impl Hooks {
    /// Hooks that send requests unchanged.
    pub fn plain() -> Self {
        Hooks(std::sync::Arc::new(PlainTransport))
    }
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks::plain()
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hooks")
    }
}
