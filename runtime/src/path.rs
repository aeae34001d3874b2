//! Path values: each one becomes exactly one URL path segment.

use std::fmt;

/// A path value the positional client refuses to send: empty, or `.`/`..`,
/// which URL resolution would turn into a different endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPathValue(pub String);

impl fmt::Display for InvalidPathValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "path value {:?} cannot be sent: it is empty or a dot segment",
            self.0
        )
    }
}

impl std::error::Error for InvalidPathValue {}

impl<E> From<InvalidPathValue> for progenitor_client::Error<E> {
    fn from(e: InvalidPathValue) -> Self {
        progenitor_client::Error::InvalidRequest(e.to_string())
    }
}

/// Encodes one path value as a single segment (percent-encoding `/`, `%`, `?`,
/// `#`, spaces, a backslash…), refusing values that would not stay one.
pub fn path_segment(value: &str) -> Result<String, InvalidPathValue> {
    if matches!(value, "" | "." | "..") {
        return Err(InvalidPathValue(value.to_owned()));
    }
    // A backslash would split the segment for some URL parsers.
    Ok(progenitor_client::encode_path(value).replace('\\', "%5C"))
}
