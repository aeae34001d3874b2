//! The operation table's types: operations, parameters, bodies, credentials.
//!
//! Everything the document says with a fixed vocabulary (methods, parameter
//! locations, credential schemes, pagination) is an enum; each struct has a
//! `NONE` constant so a table entry names only what differs from it.

use std::fmt;

/// An HTTP method the API document uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
}

impl Method {
    /// The method as sent on the wire (`GET`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
        }
    }

    /// Whether sending the request twice has the effect of sending it once
    /// (RFC 9110): the requests a cut connection may retry on its own.
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }

    /// The method by its name, in any case.
    pub fn parse(name: &str) -> Option<Method> {
        [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
            Method::Head,
            Method::Options,
        ]
        .into_iter()
        .find(|m| m.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Method> for reqwest::Method {
    fn from(m: Method) -> reqwest::Method {
        match m {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
            Method::Options => reqwest::Method::OPTIONS,
        }
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A segment of the path template.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl ParamLocation {
    /// The location as the document writes it (`path`, `query`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credential scheme of the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `BearerToken`: an app-only bearer token.
    AppOnly,
    /// `OAuth2UserToken`: an OAuth 2.0 user-context token with scopes.
    OAuth2User,
    /// `UserToken`: OAuth 1.0a user context.
    OAuth1User,
}

impl Scheme {
    /// The scheme's name in the document.
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::AppOnly => "BearerToken",
            Scheme::OAuth2User => "OAuth2UserToken",
            Scheme::OAuth1User => "UserToken",
        }
    }
}

/// How an operation's results are split into pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pagination {
    /// One answer holds everything.
    None,
    /// `meta.next_token` of a page goes back in this query parameter
    /// (`pagination_token` or `next_token`) to get the next one.
    Token(&'static str),
}

impl Pagination {
    /// The query parameter carrying the page token, when paginated.
    pub const fn token_param(self) -> Option<&'static str> {
        match self {
            Pagination::None => None,
            Pagination::Token(name) => Some(name),
        }
    }
}

/// How an operation's success body arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// One JSON document.
    Whole,
    /// A long-lived stream of JSON documents, one per line (`\r\n`), with
    /// empty lines as keep-alives.
    JsonLines,
}

/// A credential an operation accepts, with the OAuth 2.0 scopes it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Security {
    /// The scheme.
    pub scheme: Scheme,
    /// OAuth 2.0 scopes required with that scheme.
    pub scopes: &'static [&'static str],
}

/// A parameter of an operation, with the constraints the document states.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// Name on the wire.
    pub name: &'static str,
    /// Where it goes.
    pub location: ParamLocation,
    /// Whether the document requires it.
    pub required: bool,
    /// Whether it is a list (sent comma-joined).
    pub array: bool,
    /// Pattern each value must match.
    pub pattern: Option<&'static str>,
    /// The document's `format` (`date-time`, `int64`, …), when it gives one.
    pub format: Option<&'static str>,
    /// Smallest allowed number.
    pub min: Option<f64>,
    /// Largest allowed number.
    pub max: Option<f64>,
    /// Shortest allowed string.
    pub min_length: Option<usize>,
    /// Longest allowed string.
    pub max_length: Option<usize>,
    /// Fewest list items.
    pub min_items: Option<usize>,
    /// Most list items.
    pub max_items: Option<usize>,
}

impl Param {
    /// An optional query parameter without constraints: the base of table
    /// entries, which name only what differs (`..Param::NONE`).
    pub const NONE: Param = Param {
        name: "",
        location: ParamLocation::Query,
        required: false,
        array: false,
        pattern: None,
        format: None,
        min: None,
        max: None,
        min_length: None,
        max_length: None,
        min_items: None,
        max_items: None,
    };
}

/// An operation's JSON request body: whether the document requires one,
/// and the shape it must have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    /// Whether the document requires a body.
    pub required: bool,
    /// What the body must look like.
    pub shape: Shape,
}

/// The part of a request body's schema that is checked before sending:
/// types, required properties, patterns, string lengths, numeric ranges,
/// list sizes and alternatives. Enum values and properties the document does
/// not list are left to the API (a value it accepts before the document says
/// so can still be sent).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Anything.
    Any,
    /// `null`, or the inner shape.
    Nullable(&'static Shape),
    /// An object with these properties (others are allowed).
    Object(&'static [Property]),
    /// A list.
    Array {
        /// Shape of each item.
        items: &'static Shape,
        /// Fewest items.
        min_items: Option<usize>,
        /// Most items.
        max_items: Option<usize>,
    },
    /// A string.
    String {
        /// Pattern the string must match.
        pattern: Option<&'static str>,
        /// Fewest characters.
        min_length: Option<usize>,
        /// Most characters.
        max_length: Option<usize>,
    },
    /// An integer.
    Integer {
        /// Smallest value.
        min: Option<f64>,
        /// Largest value.
        max: Option<f64>,
    },
    /// A number.
    Number {
        /// Smallest value.
        min: Option<f64>,
        /// Largest value.
        max: Option<f64>,
    },
    /// `true` or `false`.
    Boolean,
    /// At least one of these.
    AnyOf(&'static [Shape]),
    /// Each of these.
    AllOf(&'static [Shape]),
}

/// A property of an object [`Shape`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Property {
    /// Name on the wire.
    pub name: &'static str,
    /// Whether the document requires it.
    pub required: bool,
    /// What its value must look like.
    pub shape: Shape,
}

/// One operation of the API document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Operation {
    /// Operation id, e.g. `searchPostsRecent`.
    pub id: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/2/tweets/{id}`.
    pub path: &'static str,
    /// First tag.
    pub tag: &'static str,
    /// Status of a successful response.
    pub success_status: u16,
    /// Model of the success body (of one message, for streaming operations).
    pub response: Option<&'static str>,
    /// How the success body arrives.
    pub delivery: Delivery,
    /// Whether the operation also takes a multipart body.
    pub multipart: bool,
    /// How results are split into pages.
    pub pagination: Pagination,
    /// Accepted credentials (any one of them).
    pub security: &'static [Security],
    /// Parameters with their constraints.
    pub params: &'static [Param],
    /// The JSON request body, when the operation takes one.
    pub body: Option<Body>,
    /// Link to the reference documentation.
    pub doc_url: Option<&'static str>,
}

impl Operation {
    /// A `GET` without parameters, body or credentials answering 200: the
    /// base of table entries (`..Operation::NONE`).
    pub const NONE: Operation = Operation {
        id: "",
        method: Method::Get,
        path: "",
        tag: "",
        success_status: 200,
        response: None,
        delivery: Delivery::Whole,
        multipart: false,
        pagination: Pagination::None,
        security: &[],
        params: &[],
        body: None,
        doc_url: None,
    };

    /// Whether the success body is a stream of JSON lines.
    pub const fn is_streaming(&self) -> bool {
        matches!(self.delivery, Delivery::JsonLines)
    }

    /// Finds an operation of `table` by id or by `"METHOD /path/{template}"`.
    pub fn find_in(table: &'static [Operation], key: &str) -> Option<&'static Operation> {
        let key = key.trim();
        if let Some((method, path)) = key.split_once(' ') {
            let method = Method::parse(method)?;
            let path = path.trim();
            table
                .iter()
                .find(|op| op.method == method && op.path == path)
        } else {
            table.iter().find(|op| op.id == key)
        }
    }

    /// The OAuth 2.0 user-context scopes this operation needs, if it accepts such a token.
    pub fn oauth2_scopes(&self) -> Option<&'static [&'static str]> {
        self.security
            .iter()
            .find(|s| s.scheme == Scheme::OAuth2User)
            .map(|s| s.scopes)
    }

    /// Whether an app-only bearer token is accepted.
    pub fn accepts_app_only(&self) -> bool {
        self.security.iter().any(|s| s.scheme == Scheme::AppOnly)
    }

    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}
