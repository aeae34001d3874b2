//! Following a paginated operation: page and item streams, replaying
//! pages saved to disk, and polling for new posts.

pub mod archive;
#[cfg(feature = "tweets")]
pub mod mentions;
pub mod pagination;
