//! The primitive visitors: strings, integers, floats and booleans in every
//! spelling the live API sends (numbers for strings, numeric strings for
//! numbers, integers beyond 64 bits kept aside).

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::fmt;

use crate::decode::*;

/// `Lenient` for a type read by one visitor: as a value, and into a field
/// (a null clears the field).
macro_rules! lenient_by_visitor {
    ($ty:ty, $visitor:ident) => {
        impl<'de> Lenient<'de> for $ty {
            #[inline]
            fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any($visitor)
            }
            #[inline]
            fn lenient_field<D: Deserializer<'de>>(
                deserializer: D,
                place: &mut Option<Self>,
            ) -> Result<Option<serde_json::Value>, D::Error> {
                deserializer
                    .deserialize_any(Field(place, $visitor))
                    .map(|()| None)
            }
        }
    };
}

/// Visitor of a lenient `String`.
struct StringVisitor;

impl Visitor<'_> for StringVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string (or a number standing for one)")
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

lenient_by_visitor!(String, StringVisitor);

/// Visitor of a lenient [`Text`].
struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string (or a number standing for one)")
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text::from(v))
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
        Ok(Text::from(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
        Ok(compact_str::ToCompactString::to_compact_string(&v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
        Ok(compact_str::ToCompactString::to_compact_string(&v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
        Ok(Text::from(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Text, E> {
        Ok(compact_str::ToCompactString::to_compact_string(&v))
    }
}

lenient_by_visitor!(Text, TextVisitor);

/// What an integer visitor found: an `i64`, or a whole number that does not
/// fit one, as received.
enum Int {
    Fits(i64),
    Unfit(serde_json::Value),
}

/// 2^63. Whole floats strictly between -2^63 and 2^63 are `i64`s; -2^63
/// itself is left out, because integer text just below it rounds to it.
const TWO_TO_63: f64 = 9_223_372_036_854_775_808.0;

/// Whether `text` is an optional sign followed by decimal digits only.
fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Visitor of a lenient `i64`: integers, whole floats, and strings holding an
/// integer. A whole number beyond the 64-bit range (or a string of digits too
/// long for one) is [`Int::Unfit`]; anything else that is not an integer is
/// an error.
struct I64Visitor;

impl I64Visitor {
    /// Reads a string holding an integer: `Some` when it fits, `None` when it
    /// is digits too many for 64 bits.
    fn text<E: de::Error>(v: &str) -> Result<Option<i64>, E> {
        let text = v.trim();
        match text.parse() {
            Ok(n) => Ok(Some(n)),
            Err(_) if is_integer_text(text) => Ok(None),
            Err(_) => Err(E::custom(format_args!(
                "expected an integer, found string {v:?}"
            ))),
        }
    }
}

impl Visitor<'_> for I64Visitor {
    type Value = Int;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer (or a string holding one)")
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Int, E> {
        Ok(Int::Fits(v))
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Int, E> {
        Ok(match i64::try_from(v) {
            Ok(n) => Int::Fits(n),
            Err(_) => Int::Unfit(serde_json::Value::from(v)),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Int, E> {
        if !v.is_finite() || v.fract() != 0.0 {
            Err(E::custom(format_args!("expected an integer, found {v}")))
        } else if v > -TWO_TO_63 && v < TWO_TO_63 {
            Ok(Int::Fits(v as i64))
        } else {
            Ok(Int::Unfit(serde_json::Value::from(v)))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Int, E> {
        Ok(match Self::text(v)? {
            Some(n) => Int::Fits(n),
            None => Int::Unfit(serde_json::Value::String(v.to_owned())),
        })
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Int, E> {
        Ok(match Self::text(&v)? {
            Some(n) => Int::Fits(n),
            None => Int::Unfit(serde_json::Value::String(v)),
        })
    }
}

/// An integer that does not fit where there is no model to keep it.
fn strict<E: de::Error>(found: Result<Int, E>) -> Result<i64, E> {
    match found? {
        Int::Fits(n) => Ok(n),
        Int::Unfit(raw) => Err(E::custom(format_args!("integer {raw} is out of range"))),
    }
}

/// Visitor of an `i64` outside a model field (a list item, a value on its
/// own): a whole number that does not fit is an error.
struct StrictI64;

impl Visitor<'_> for StrictI64 {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        I64Visitor.expecting(f)
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        strict(I64Visitor.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        strict(I64Visitor.visit_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        strict(I64Visitor.visit_str(v))
    }
}

/// Visitor of an optional `i64` field: `null` clears it, an integer fills it,
/// and a whole number it cannot hold clears it and is handed back as received.
struct I64Field<'a>(&'a mut Option<i64>);

impl I64Field<'_> {
    #[inline]
    fn store<E>(self, found: Result<Int, E>) -> Result<Option<serde_json::Value>, E> {
        match found? {
            Int::Fits(n) => {
                *self.0 = Some(n);
                Ok(None)
            }
            Int::Unfit(raw) => {
                *self.0 = None;
                Ok(Some(raw))
            }
        }
    }
}

impl<'de> Visitor<'de> for I64Field<'_> {
    type Value = Option<serde_json::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        I64Visitor.expecting(f)
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        *self.0 = None;
        Ok(None)
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        *self.0 = None;
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        *self.0 = Some(v);
        Ok(None)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.store(I64Visitor.visit_u64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.store(I64Visitor.visit_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.store(I64Visitor.visit_str(v))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        self.store(I64Visitor.visit_string(v))
    }
}

/// Seed of one item of a list of integers.
struct IntItem;

impl<'de> DeserializeSeed<'de> for IntItem {
    type Value = Int;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Int, D::Error> {
        deserializer.deserialize_any(I64Visitor)
    }
}

/// Visitor of an optional list-of-`i64` field. A list with an item that does
/// not fit leaves the field `None` and is handed back whole: the items before
/// that one as the integers they were read as, the others as received (so
/// `"3"` or `3.0` come back as `3`, the tolerated spellings).
struct I64ListField<'a>(&'a mut Option<Vec<i64>>);

impl<'de> Visitor<'de> for I64ListField<'_> {
    type Value = Option<serde_json::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        *self.0 = None;
        Ok(None)
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        *self.0 = None;
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut list = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            match seq.next_element_seed(IntItem)? {
                None => {
                    trim_spare(&mut list);
                    *self.0 = Some(list);
                    return Ok(None);
                }
                Some(Int::Fits(n)) => list.push(n),
                Some(Int::Unfit(raw)) => {
                    let mut kept: Vec<serde_json::Value> =
                        list.into_iter().map(serde_json::Value::from).collect();
                    kept.push(raw);
                    while let Some(item) = seq.next_element_seed(IntItem)? {
                        kept.push(match item {
                            Int::Fits(n) => serde_json::Value::from(n),
                            Int::Unfit(raw) => raw,
                        });
                    }
                    *self.0 = None;
                    return Ok(Some(serde_json::Value::Array(kept)));
                }
            }
        }
    }
}

impl<'de> Lenient<'de> for i64 {
    const MAY_NOT_FIT: bool = true;
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictI64)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        deserializer.deserialize_any(I64Field(place))
    }
    #[inline]
    fn lenient_list_field<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Vec<Self>>,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        deserializer.deserialize_any(I64ListField(place))
    }
}

/// Visitor of a lenient `f64`.
struct F64Visitor;

impl Visitor<'_> for F64Visitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number (or a string holding one)")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        // `parse` also reads "NaN", "inf" and overflowing exponents, none of
        // which a JSON number can give back (they would serialise as `null`).
        match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(E::custom(format_args!(
                "expected a number, found string {v:?}"
            ))),
        }
    }
}

lenient_by_visitor!(f64, F64Visitor);

/// Visitor of a lenient `bool`.
struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a boolean")
    }
    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(E::custom(format_args!(
                "expected a boolean, found string {v:?}"
            ))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<bool, E> {
        match v {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(E::custom(format_args!("expected a boolean, found {v}"))),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<bool, E> {
        self.visit_i64(v.min(2) as i64)
    }
}

lenient_by_visitor!(bool, BoolVisitor);
