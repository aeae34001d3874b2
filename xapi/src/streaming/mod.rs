//! Streaming operations: line framing, typed events and reconnects, and the
//! filtered stream's rules.

pub mod framing;
#[cfg(any(feature = "stream", feature = "tweets"))]
pub mod rules;
pub mod stream;
