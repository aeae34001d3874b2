//! Open enumerations: values the document lists decode to their variant, any
//! other value is kept as received.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;

use crate::decode::Field;

/// Visitor of an open enumeration: `known` maps the values the document
/// lists, `unknown` keeps any other (numbers and booleans are taken as their text).
struct EnumVisitor<K, U>(K, U);

impl<K, U> EnumVisitor<K, U> {
    fn owned<T, E>(self, text: String) -> Result<T, E>
    where
        K: Fn(&str) -> Option<T>,
        U: FnOnce(String) -> T,
    {
        Ok(match (self.0)(&text) {
            Some(value) => value,
            None => (self.1)(text),
        })
    }
}

impl<'de, T, K: Fn(&str) -> Option<T>, U: FnOnce(String) -> T> Visitor<'de> for EnumVisitor<K, U> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string (or a number standing for one)")
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        Ok(match (self.0)(v) {
            Some(value) => value,
            None => (self.1)(v.to_owned()),
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<T, E> {
        self.owned(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.owned(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.owned(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        self.owned(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        self.owned(v.to_string())
    }
}

/// Decodes an open enumeration: `known` maps the values the document lists,
/// `unknown` keeps any other (numbers and booleans are taken as their text).
#[doc(hidden)]
#[inline]
pub fn decode_enum<'de, D, T, K, U>(deserializer: D, known: K, unknown: U) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    K: Fn(&str) -> Option<T>,
    U: FnOnce(String) -> T,
{
    deserializer.deserialize_any(EnumVisitor(known, unknown))
}

/// Decodes an optional field holding an open enumeration (see [`decode_enum`]).
#[doc(hidden)]
#[inline]
pub fn decode_enum_field<'de, D, T, K, U>(
    deserializer: D,
    place: &mut Option<T>,
    known: K,
    unknown: U,
) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    K: Fn(&str) -> Option<T>,
    U: FnOnce(String) -> T,
{
    deserializer.deserialize_any(Field(place, EnumVisitor(known, unknown)))
}
