//! Writing to X: posts and their mutations, chunked media upload, and the
//! weighted text length X counts.

#[cfg(feature = "media")]
pub mod media;
pub mod posts;
pub mod text;
#[cfg(feature = "tweets")]
pub mod thread;
