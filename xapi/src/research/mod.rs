//! Research workflows: what an archiver of posts needs beyond single calls.
//!
//! * [`pages`]: paginated pulls kept as the bytes received (every key kept),
//!   one JSON line per page with its provenance, resumable from a token;
//! * [`search`]: recent and full-archive searches with their bounds (a
//!   full-archive search starts at [`search::ARCHIVE_START`] unless told
//!   otherwise), and the counts call giving a pull's expected total;
//! * [`hydrate`]: ids, user ids or usernames in batches of 100, found objects
//!   in input order, missing ids named;
//! * [`conversation`]: a conversation as a reply tree;
//! * [`flatten`]: pages into one post (or user) per line, includes joined in;
//! * [`compliance`]: the batch compliance round trip.
//!
//! Long pulls want [`RetryPolicy::patient`](crate::retry::RetryPolicy::patient);
//! full-archive calls are spaced per second by the client
//! ([`ClientBuilder::archive_pacing`](crate::ClientBuilder::archive_pacing)).

#[cfg(feature = "compliance")]
pub mod compliance;
pub mod conversation;
pub mod flatten;
pub mod hydrate;
pub mod pages;
pub mod search;
