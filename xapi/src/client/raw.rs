//! The generated positional client's hooks into the facade's send path.

use super::{Client, Inner};

/// Routes the generated client's requests through the facade's credentials.
pub(super) struct RawTransport {
    pub(super) inner: std::sync::Weak<Inner>,
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
            client
                .authorize(request)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
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
