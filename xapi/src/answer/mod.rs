//! What comes back from the API: the decoded body with its metadata, the
//! include-join, errors and problem documents, rate-limit headers.

pub mod error;
pub mod join;
pub mod problem;
pub mod rate_limit;
pub mod response;
