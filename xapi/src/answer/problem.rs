//! Problem types, recognised under both the current and the legacy host.

use crate::models::Problem;

/// The kind of a problem, from its `type` URI.
///
/// The API spells the same type under `https://api.x.com/2/problems/` and the
/// legacy `https://api.twitter.com/2/problems/`; both map to the same kind.
/// Types this crate does not know keep their URI in [`ProblemKind::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// `about:blank`: nothing beyond the HTTP status.
    Blank,
    /// `client-disconnected`
    ClientDisconnected,
    /// `client-forbidden` (app not enrolled, official client forbidden)
    ClientForbidden,
    /// `conflict`
    Conflict,
    /// `disallowed-resource`
    DisallowedResource,
    /// `duplicate-rules`
    DuplicateRules,
    /// `invalid-request`
    InvalidRequest,
    /// `invalid-rules`
    InvalidRules,
    /// `noncompliant-rules`
    NoncompliantRules,
    /// `not-authorized-for-field`
    NotAuthorizedForField,
    /// `not-authorized-for-resource`
    NotAuthorizedForResource,
    /// `oauth1-permissions`
    Oauth1Permissions,
    /// `operational-disconnect` (streams)
    OperationalDisconnect,
    /// `resource-not-found`
    ResourceNotFound,
    /// `resource-unavailable`
    ResourceUnavailable,
    /// `rule-cap`
    RuleCap,
    /// `streaming-connection` (too many connections and similar)
    StreamingConnection,
    /// `unsupported-authentication`
    UnsupportedAuthentication,
    /// `usage-capped`
    UsageCapped,
    /// A type this crate does not know, as sent.
    Other(String),
    /// The body had no problem type.
    None,
}

const PREFIXES: &[&str] = &[
    "https://api.x.com/2/problems/",
    "https://api.twitter.com/2/problems/",
];

impl ProblemKind {
    /// Recognises a `type` URI.
    pub fn from_type(uri: &str) -> Self {
        if uri == "about:blank" {
            return ProblemKind::Blank;
        }
        let Some(name) = PREFIXES.iter().find_map(|p| uri.strip_prefix(p)) else {
            return ProblemKind::Other(uri.to_owned());
        };
        match name {
            "client-disconnected" => ProblemKind::ClientDisconnected,
            "client-forbidden" => ProblemKind::ClientForbidden,
            "conflict" => ProblemKind::Conflict,
            "disallowed-resource" => ProblemKind::DisallowedResource,
            "duplicate-rules" => ProblemKind::DuplicateRules,
            "invalid-request" => ProblemKind::InvalidRequest,
            "invalid-rules" => ProblemKind::InvalidRules,
            "noncompliant-rules" => ProblemKind::NoncompliantRules,
            "not-authorized-for-field" => ProblemKind::NotAuthorizedForField,
            "not-authorized-for-resource" => ProblemKind::NotAuthorizedForResource,
            "oauth1-permissions" => ProblemKind::Oauth1Permissions,
            "operational-disconnect" => ProblemKind::OperationalDisconnect,
            "resource-not-found" => ProblemKind::ResourceNotFound,
            "resource-unavailable" => ProblemKind::ResourceUnavailable,
            "rule-cap" => ProblemKind::RuleCap,
            "streaming-connection" => ProblemKind::StreamingConnection,
            "unsupported-authentication" => ProblemKind::UnsupportedAuthentication,
            "usage-capped" => ProblemKind::UsageCapped,
            _ => ProblemKind::Other(uri.to_owned()),
        }
    }

    /// The kind of a decoded problem.
    pub fn of(problem: &Problem) -> Self {
        problem
            .type_
            .as_deref()
            .map(Self::from_type)
            .unwrap_or(ProblemKind::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_hosts_and_unknown_types() {
        assert_eq!(
            ProblemKind::from_type("https://api.x.com/2/problems/resource-not-found"),
            ProblemKind::ResourceNotFound
        );
        assert_eq!(
            ProblemKind::from_type("https://api.twitter.com/2/problems/resource-not-found"),
            ProblemKind::ResourceNotFound
        );
        assert_eq!(ProblemKind::from_type("about:blank"), ProblemKind::Blank);
        assert_eq!(
            ProblemKind::from_type("https://api.x.com/2/problems/brand-new"),
            ProblemKind::Other("https://api.x.com/2/problems/brand-new".into())
        );
        assert_eq!(ProblemKind::of(&Problem::default()), ProblemKind::None);
    }
}
