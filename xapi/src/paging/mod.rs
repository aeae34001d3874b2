//! Following a paginated operation: page and item streams, and replaying
//! pages saved to disk.

pub mod archive;
pub mod pagination;
