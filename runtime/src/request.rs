//! What request builders collect, and what sends it.

use serde::Serialize;
use std::borrow::Cow;

use crate::decode::Model;
use crate::table::Operation;

/// The values a request builder collected: path and query parameters (as
/// wire strings) and the JSON body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestParts {
    /// Path parameters by name.
    pub path: Vec<(&'static str, String)>,
    /// Query parameters in the order they were set; a name appears once.
    pub query: Vec<(Cow<'static, str>, String)>,
    /// Serialised JSON body.
    pub body: Option<Vec<u8>>,
}

impl RequestParts {
    /// Empty parts for `operation`.
    pub fn new(_operation: &'static Operation) -> Self {
        RequestParts::default()
    }

    /// Sets a path parameter.
    pub fn set_path(&mut self, name: &'static str, value: String) {
        match self.path.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.path.push((name, value)),
        }
    }

    /// Sets a query parameter (replacing an earlier value).
    pub fn set_query(&mut self, name: &'static str, value: String) {
        self.set_query_cow(Cow::Borrowed(name), value);
    }

    /// Sets a query parameter with an owned name.
    pub fn set_query_owned(&mut self, name: String, value: String) {
        self.set_query_cow(Cow::Owned(name), value);
    }

    fn set_query_cow(&mut self, name: Cow<'static, str>, value: String) {
        match self.query.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.query.push((name, value)),
        }
    }

    /// Sets the JSON body.
    pub fn set_body<T: Serialize>(&mut self, body: &T) {
        // Models serialise infallibly: string keys, no custom errors.
        self.body = serde_json::to_vec(body).ok();
    }

    /// A query value by name.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path value by name.
    pub fn path_value(&self, name: &str) -> Option<&str> {
        self.path
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The path with its template filled in and each value percent-encoded,
    /// or the name of the first missing path parameter.
    pub fn fill_path(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(template.len().saturating_add(16));
        let mut rest = template;
        while let Some((before, after)) = rest.split_once('{') {
            out.push_str(before);
            let Some((name, tail)) = after.split_once('}') else {
                out.push('{');
                out.push_str(after);
                return Ok(out);
            };
            let value = self.path_value(name).ok_or_else(|| name.to_owned())?;
            // A backslash would split the segment for some URL parsers.
            out.push_str(&progenitor_client::encode_path(value).replace('\\', "%5C"));
            rest = tail;
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// What sends the requests built by the generated request builders: the facade's client.
pub trait Sender: Sync + Sized {
    /// A decoded reply.
    type Reply<T: Model + Send + 'static>: Send;
    /// The error of a failed request.
    type Error: Send;
    /// A stream of pages.
    type Pages<T: Model + Send + 'static>;
    /// A stream of messages.
    type Stream<T: Model + Send + 'static>;

    /// Sends a request and decodes its success body as `T`.
    fn send<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> impl std::future::Future<Output = Result<Self::Reply<T>, Self::Error>> + Send + '_;

    /// Follows a paginated operation from page to page.
    fn paginate<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> Self::Pages<T>;

    /// Opens a streaming operation.
    fn open_stream<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> Self::Stream<T>;
}

/// Access to the common parts of a response body: `data`, `includes`,
/// partial `errors` and `meta`.
pub trait Envelope {
    /// Type of `data`.
    type Data;
    /// Type of `meta` (`()` when the response has none).
    type Meta;
    /// Type of `includes` (the document's expansions object).
    type Includes;
    /// Type of one partial error (the document's problem object).
    type Problem;
    /// The primary data, when present.
    fn data(&self) -> Option<&Self::Data>;
    /// Expanded objects, when the response carries them.
    fn includes(&self) -> Option<&Self::Includes>;
    /// Partial errors beside the data (empty when none).
    fn errors(&self) -> &[Self::Problem];
    /// Response metadata.
    fn meta(&self) -> Option<&Self::Meta>;
    /// The token of the next page, when there is one.
    fn next_token(&self) -> Option<&str>;
}
