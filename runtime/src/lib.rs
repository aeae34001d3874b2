//! `xapi-runtime`: the hand-written support code the generated X API
//! bindings (`xapi-generated`) are built on, tested on its own.
//!
//! The generated models use the [`impl_model!`] and [`string_enum!`]
//! macros defined here. Both are built to decode what the live
//! API sends rather than only what its document promises:
//!
//! * every property is optional, because the API omits properties the document
//!   marks as required (metrics on older posts, for example);
//! * properties the document does not describe are kept, in order of arrival,
//!   in the `extra` map of each model and written back on serialisation;
//! * enumerations are open: a value the document does not list decodes to
//!   `Unknown(String)` and serialises back unchanged;
//! * strings are [`Text`], which keeps short values (most ids, times and
//!   names) inline instead of allocating;
//! * numbers are accepted where strings are declared (ids sent as numbers) and
//!   numeric strings where numbers are declared; integers are 64-bit, and a
//!   whole number that does not fit one leaves its field `None` and is kept,
//!   as received, in `extra` under the field's name (a list of integers with
//!   such an item is kept whole), so the page still decodes and round-trips.
//!
//! Decoding uses a visitor that matches known keys directly, so only unknown
//! keys cost an allocation; no intermediate buffering of objects takes place.

// Everything here decodes or forwards what the network sent: no panic, no
// `expect`, no out-of-range indexing, no unchecked arithmetic.
#![cfg_attr(
    not(test),
    deny(
        clippy::panic,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

mod compare;
mod decode;
mod enums;
mod extra;
mod lists;
mod macros;
mod path;
mod primitives;
mod request;
#[cfg(feature = "schemars")]
mod schema;
mod table;
mod transport;

pub use compare::*;
pub use decode::*;
pub use enums::*;
pub use lists::*;
pub use path::*;
pub use request::*;
#[cfg(feature = "schemars")]
pub use schema::*;
/// The `schemars` crate, for the schemas the generated models derive.
#[cfg(feature = "schemars")]
pub use schemars;
pub use table::*;
pub use transport::*;
