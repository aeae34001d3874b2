//! Support code for the generated models and client.
//!
//! The models in [`crate::models`] use the `impl_model!` and `string_enum!`
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
//!   numeric strings where numbers are declared; integers are 64-bit.
//!
//! Decoding uses a visitor that matches known keys directly, so only unknown
//! keys cost an allocation; no intermediate buffering of objects takes place.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// Text of a model: ids, times, names and every other string the API sends.
///
/// A string that keeps up to 24 bytes inline (most ids, times, usernames and
/// language codes) and allocates beyond that. It dereferences to `str`, so
/// `post.id.as_deref()`, comparisons with `&str` and `to_string()` work as
/// with `String`; `String::from(text)` converts.
pub type Text = compact_str::CompactString;

/// Properties of an object that the API document does not describe, kept as received.
pub type Extra = serde_json::Map<String, serde_json::Value>;

/// Marker for generated models: types whose `Deserialize` is already tolerant.
pub trait Model: for<'de> Deserialize<'de> + Serialize {
    /// Decodes into `place` (replacing what it held). Models build the value
    /// where it will live instead of returning it through every layer of the
    /// decoder, which for large structs saves several copies.
    #[doc(hidden)]
    #[inline]
    fn decode_into<'de, D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        *place = Some(Self::deserialize(deserializer)?);
        Ok(())
    }

    /// Decodes one more element of `list`, in place for models.
    #[doc(hidden)]
    #[inline]
    fn decode_push<'de, D: Deserializer<'de>>(deserializer: D, list: &mut Vec<Self>) -> Result<(), D::Error> {
        list.push(Self::deserialize(deserializer)?);
        Ok(())
    }

    /// Decodes an optional field into `place` (`null` clears it).
    #[doc(hidden)]
    #[inline]
    fn decode_field<'de, D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_option(OptionInto(place))
    }
}

/// Tolerant decoding of one value. Implemented for the primitive types used by
/// the models (accepting the spellings the live API actually sends) and for
/// every generated model.
pub trait Lenient<'de>: Sized {
    /// Decodes `Self` from `deserializer`, accepting looser input than `Deserialize`.
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Decodes into `place` (replacing what it held).
    #[doc(hidden)]
    #[inline]
    fn lenient_into<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        *place = Some(Self::lenient(deserializer)?);
        Ok(())
    }

    /// Decodes one more element of `list`.
    #[doc(hidden)]
    #[inline]
    fn lenient_push<D: Deserializer<'de>>(deserializer: D, list: &mut Vec<Self>) -> Result<(), D::Error> {
        list.push(Self::lenient(deserializer)?);
        Ok(())
    }

    /// Decodes an optional field into `place` (`null` clears it). Scalars
    /// override this to look at the value once rather than twice.
    #[doc(hidden)]
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_option(OptionInto(place))
    }
}

/// Seed that decodes an optional field in place: `null` clears it.
#[doc(hidden)]
pub struct IntoField<'a, T>(pub &'a mut Option<T>);

impl<'de, T: Lenient<'de>> DeserializeSeed<'de> for IntoField<'_, T> {
    type Value = ();
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        T::lenient_field(deserializer, self.0)
    }
}

/// Visitor of an optional value decoded in place.
struct OptionInto<'a, T>(&'a mut Option<T>);

impl<'de, T: Lenient<'de>> Visitor<'de> for OptionInto<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an optional value")
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        T::lenient_into(d, self.0)
    }
}

/// Visitor of an optional scalar field: `null` clears it, anything else goes
/// to the value's visitor `V` (one look at the input instead of two).
struct Field<'a, T, V>(&'a mut Option<T>, V);

/// Stores a decoded field value.
#[inline]
fn set<T, E>(place: &mut Option<T>, value: Result<T, E>) -> Result<(), E> {
    *place = Some(value?);
    Ok(())
}

impl<'de, T, V: Visitor<'de, Value = T>> Visitor<'de> for Field<'_, T, V> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.1.expecting(f)
    }
    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let value = d.deserialize_any(self.1);
        *self.0 = Some(value?);
        Ok(())
    }
    #[inline]
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        let value = self.1.visit_bool(v);
        set(self.0, value)
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        let value = self.1.visit_i64(v);
        set(self.0, value)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        let value = self.1.visit_u64(v);
        set(self.0, value)
    }
    #[inline]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let value = self.1.visit_f64(v);
        set(self.0, value)
    }
    #[inline]
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        let value = self.1.visit_str(v);
        set(self.0, value)
    }
    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        let value = self.1.visit_borrowed_str(v);
        set(self.0, value)
    }
    #[inline]
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        let value = self.1.visit_string(v);
        set(self.0, value)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let value = self.1.visit_seq(seq);
        set(self.0, value)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = self.1.visit_map(map);
        set(self.0, value)
    }
}

/// Seed that decodes one element at the end of a list.
struct Push<'a, T>(&'a mut Vec<T>);

impl<'de, T: Lenient<'de>> DeserializeSeed<'de> for Push<'_, T> {
    type Value = ();
    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        T::lenient_push(deserializer, self.0)
    }
}

/// Wrapper that decodes its content with [`Lenient`].
#[doc(hidden)]
pub struct L<T>(pub T);

impl<'de, T: Lenient<'de>> Deserialize<'de> for L<T> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::lenient(deserializer).map(L)
    }
}

impl<'de, T: Model> Lenient<'de> for T {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize(deserializer)
    }
    #[inline]
    fn lenient_into<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        T::decode_into(deserializer, place)
    }
    #[inline]
    fn lenient_push<D: Deserializer<'de>>(deserializer: D, list: &mut Vec<Self>) -> Result<(), D::Error> {
        T::decode_push(deserializer, list)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        T::decode_field(deserializer, place)
    }
}

impl<'de, T: Lenient<'de>> Lenient<'de> for Option<T> {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient<'de>> Visitor<'de> for V<T> {
            type Value = Option<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an optional value")
            }
            #[inline]
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            #[inline]
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            #[inline]
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                T::lenient(d).map(Some)
            }
        }
        deserializer.deserialize_option(V(PhantomData))
    }
}

impl<'de, T: Lenient<'de>> Lenient<'de> for Vec<T> {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient<'de>> Visitor<'de> for V<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            #[inline]
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while seq.next_element_seed(Push(&mut out))?.is_some() {}
                // Long lists of large items (a page's posts or users) can
                // leave tens of kilobytes unused after the last doubling.
                if (out.capacity() - out.len()) * std::mem::size_of::<T>() > 16 * 1024 {
                    out.shrink_to_fit();
                }
                Ok(out)
            }
        }
        deserializer.deserialize_seq(V(PhantomData))
    }
}

impl<'de, T: Lenient<'de>> Lenient<'de> for std::collections::BTreeMap<String, T> {
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Lenient<'de>> Visitor<'de> for V<T> {
            type Value = std::collections::BTreeMap<String, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = std::collections::BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    let L(value) = map.next_value::<L<T>>()?;
                    out.insert(key, value);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(V(PhantomData))
    }
}

impl Model for serde_json::Value {}

impl Model for Extra {}

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

impl<'de> Lenient<'de> for String {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StringVisitor)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_any(Field(place, StringVisitor))
    }
}

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

impl<'de> Lenient<'de> for Text {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TextVisitor)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_any(Field(place, TextVisitor))
    }
}

/// Visitor of a lenient `i64`.
struct I64Visitor;

impl Visitor<'_> for I64Visitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer (or a string holding one)")
    }
    #[inline]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    #[inline]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::custom(format_args!("integer {v} is out of range")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        if v.fract() == 0.0 && v.abs() < 9.0e18 {
            Ok(v as i64)
        } else {
            Err(E::custom(format_args!("expected an integer, found {v}")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format_args!("expected an integer, found string {v:?}")))
    }
}

impl<'de> Lenient<'de> for i64 {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(I64Visitor)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_any(Field(place, I64Visitor))
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
        v.trim()
            .parse()
            .map_err(|_| E::custom(format_args!("expected a number, found string {v:?}")))
    }
}

impl<'de> Lenient<'de> for f64 {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(F64Visitor)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_any(Field(place, F64Visitor))
    }
}

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
            _ => Err(E::custom(format_args!("expected a boolean, found string {v:?}"))),
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

impl<'de> Lenient<'de> for bool {
    #[inline]
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BoolVisitor)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(deserializer: D, place: &mut Option<Self>) -> Result<(), D::Error> {
        deserializer.deserialize_any(Field(place, BoolVisitor))
    }
}

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
pub fn decode_enum_field<'de, D, T, K, U>(deserializer: D, place: &mut Option<T>, known: K, unknown: U) -> Result<(), D::Error>
where
    D: Deserializer<'de>,
    K: Fn(&str) -> Option<T>,
    U: FnOnce(String) -> T,
{
    deserializer.deserialize_any(Field(place, EnumVisitor(known, unknown)))
}

/// An object key, borrowed from the input when possible.
#[doc(hidden)]
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            #[inline]
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            #[inline]
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            #[inline]
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_identifier(V)
    }
}

/// Seed used to decode a model from a map that is already open.
#[doc(hidden)]
pub struct Seed<T>(pub PhantomData<T>);

impl<'de, T: Lenient<'de>> DeserializeSeed<'de> for Seed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::lenient(deserializer)
    }
}

/// Implements tolerant decoding for a model struct whose fields are all
/// `Option`s plus an `extra` map: `impl_model!(Name { "wire" => field, ... })`.
macro_rules! impl_model {
    ($name:ident { $($json:literal => $field:ident),* $(,)? }) => {
        const _: () = {
            /// Fills a model in place, key by key.
            struct Fill<'a>(&'a mut $name);

            impl<'de> ::serde::de::Visitor<'de> for Fill<'_> {
                type Value = ();
                fn expecting(&self, f: &mut ::std::fmt::Formatter) -> ::std::fmt::Result {
                    f.write_str(concat!("an object (", stringify!($name), ")"))
                }
                #[inline]
                fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                    #[allow(unused_variables)]
                    let out = self.0;
                    while let Some($crate::runtime::Key(key)) = map.next_key()? {
                        match &*key {
                            $(
                                $json => map.next_value_seed($crate::runtime::IntoField(&mut out.$field))?,
                            )*
                            _ => {
                                let value: ::serde_json::Value = map.next_value()?;
                                out.extra.insert(key.into_owned(), value);
                            }
                        }
                    }
                    Ok(())
                }
            }

            impl $crate::runtime::Model for $name {
                #[inline]
                fn decode_into<'de, D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                    place: &mut Option<Self>,
                ) -> Result<(), D::Error> {
                    let slot = place.insert(<$name as Default>::default());
                    deserializer.deserialize_map(Fill(slot))
                }

                #[inline]
                fn decode_push<'de, D: ::serde::Deserializer<'de>>(
                    deserializer: D,
                    list: &mut Vec<Self>,
                ) -> Result<(), D::Error> {
                    // Vec starts lists of items over 1 KiB at one; four saves two copies.
                    if list.capacity() == 0 {
                        list.reserve(4);
                    }
                    let at = list.len();
                    list.push(<$name as Default>::default());
                    deserializer.deserialize_map(Fill(&mut list[at]))
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let mut out = <$name as Default>::default();
                    deserializer.deserialize_map(Fill(&mut out))?;
                    Ok(out)
                }
            }
        };
    };
}

/// Declares an open string enumeration. See the module documentation.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $variant:ident = $value:literal,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                #[doc = concat!("`", $value, "`")]
                $variant,
            )*
            /// A value the API document does not list, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every value the API document lists, in document order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $value,)*
                    $name::Unknown(other) => other.as_str(),
                }
            }

            /// Whether this value is one the API document lists.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }

            /// Decodes a wire value; values the document does not list become `Unknown`.
            pub fn from_wire(value: &str) -> Self {
                match value {
                    $($value => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok($name::from_wire(s))
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl $name {
            /// The variant for a value the document lists.
            #[inline]
            fn from_known(text: &str) -> Option<Self> {
                match text {
                    $($value => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl $crate::runtime::Model for $name {
            #[inline]
            fn decode_field<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
                place: &mut Option<Self>,
            ) -> Result<(), D::Error> {
                $crate::runtime::decode_enum_field(deserializer, place, $name::from_known, $name::Unknown)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Known values allocate nothing; others are kept as received.
                $crate::runtime::decode_enum(deserializer, $name::from_known, $name::Unknown)
            }
        }
    };
}

pub(crate) use impl_model;
pub(crate) use string_enum;

/// A path value the positional client refuses to send: empty, or `.`/`..`,
/// which URL resolution would turn into a different endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPathValue(pub String);

impl fmt::Display for InvalidPathValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "path value {:?} cannot be sent: it is empty or a dot segment", self.0)
    }
}

impl std::error::Error for InvalidPathValue {}

impl<E> From<InvalidPathValue> for progenitor_client::Error<E> {
    fn from(e: InvalidPathValue) -> Self {
        progenitor_client::Error::InvalidRequest(e.to_string())
    }
}

/// Encodes one path value as a single segment (percent-encoding `/`, `%`, `?`,
/// `#`, spaces, a backslash…), refusing values that would not stay one.
pub fn path_segment(value: &str) -> Result<String, InvalidPathValue> {
    if matches!(value, "" | "." | "..") {
        return Err(InvalidPathValue(value.to_owned()));
    }
    // A backslash would split the segment for some URL parsers.
    Ok(progenitor_client::encode_path(value).replace('\\', "%5C"))
}

/// A list sent as one comma-separated query value (`tweet.fields=id,text`),
/// the only form the API accepts for array parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CsvList<T>(pub Vec<T>);

impl<T> Default for CsvList<T> {
    fn default() -> Self {
        CsvList(Vec::new())
    }
}

impl<T> CsvList<T> {
    /// The items of the list.
    pub fn items(&self) -> &[T] {
        &self.0
    }
    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Number of items.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: fmt::Display> fmt::Display for CsvList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            fmt::Display::fmt(item, f)?;
        }
        Ok(())
    }
}

impl<T: fmt::Display> Serialize for CsvList<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, T: std::str::FromStr> Deserialize<'de> for CsvList<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() {
            return Ok(CsvList(Vec::new()));
        }
        text.split(',')
            .map(|part| {
                part.parse()
                    .map_err(|_| de::Error::custom(format_args!("invalid list item {part:?}")))
            })
            .collect::<Result<Vec<T>, D::Error>>()
            .map(CsvList)
    }
}

impl<T> From<Vec<T>> for CsvList<T> {
    fn from(items: Vec<T>) -> Self {
        CsvList(items)
    }
}

impl<T: Clone> From<&[T]> for CsvList<T> {
    fn from(items: &[T]) -> Self {
        CsvList(items.to_vec())
    }
}

impl<T, const N: usize> From<[T; N]> for CsvList<T> {
    fn from(items: [T; N]) -> Self {
        CsvList(items.into())
    }
}

impl<T> FromIterator<T> for CsvList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        CsvList(iter.into_iter().collect())
    }
}

impl<T: std::str::FromStr> std::str::FromStr for CsvList<T> {
    type Err = T::Err;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Ok(CsvList(Vec::new()));
        }
        s.split(',').map(str::parse).collect::<Result<Vec<T>, _>>().map(CsvList)
    }
}

/// Where a decode failed: the JSON path and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeFailure {
    /// JSON path of the failing value, e.g. `data[3].public_metrics.like_count`.
    pub path: String,
    /// What was wrong there.
    pub reason: String,
    /// Line of the failure in the input (1-based).
    pub line: usize,
    /// Column of the failure in the input (1-based).
    pub column: usize,
}

impl fmt::Display for DecodeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for DecodeFailure {}

/// Decodes `body` as `T`, reporting the JSON path of a failure.
///
/// The body is decoded without tracking the path first (tracking costs an
/// allocation per object key); only when that fails is it decoded again with
/// tracking, to say where. UTF-8 is checked once for the whole body rather
/// than string by string.
pub fn decode<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, DecodeFailure> {
    // One vectorised UTF-8 check of the whole body, then no check per string.
    let fast = match simdutf8::basic::from_utf8(body) {
        Ok(text) => serde_json::from_str(text).ok(),
        Err(_) => None,
    };
    match fast {
        Some(value) => Ok(value),
        None => decode_tracked(body),
    }
}

/// Decodes `body` as `T`, tracking the JSON path for the error.
fn decode_tracked<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T, DecodeFailure> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        DecodeFailure {
            path: if path.is_empty() { ".".to_owned() } else { path },
            reason: inner.to_string(),
            line: inner.line(),
            column: inner.column(),
        }
    })?;
    de.end().map_err(|err| DecodeFailure {
        path: ".".to_owned(),
        reason: err.to_string(),
        line: err.line(),
        column: err.column(),
    })?;
    Ok(value)
}

/// Decodes `body` as `T` and serialises it back to a JSON value: what a
/// lossless model must give back.
pub fn reencode<T: Model>(body: &[u8]) -> Result<serde_json::Value, DecodeFailure> {
    let value: T = decode(body)?;
    serde_json::to_value(&value).map_err(|err| DecodeFailure {
        path: ".".to_owned(),
        reason: format!("re-serialisation failed: {err}"),
        line: 0,
        column: 0,
    })
}

/// Decodes `body` as any JSON and serialises it back (operations whose
/// document gives no model).
pub fn reencode_value(body: &[u8]) -> Result<serde_json::Value, DecodeFailure> {
    decode::<serde_json::Value>(body)
}

impl<T: Model> Model for Box<T> {}

/// A credential an operation accepts, with the OAuth 2.0 scopes it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Security {
    /// Scheme name in the document: `BearerToken`, `OAuth2UserToken` or `UserToken`.
    pub scheme: &'static str,
    /// OAuth 2.0 scopes required with that scheme.
    pub scopes: &'static [&'static str],
}

/// A parameter of an operation, with the constraints the document states.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Param {
    /// Name on the wire.
    pub name: &'static str,
    /// `query`, `path` or `header`.
    pub location: &'static str,
    /// Whether the document requires it.
    pub required: bool,
    /// Whether it is a list (sent comma-joined).
    pub array: bool,
    /// Pattern each value must match.
    pub pattern: Option<&'static str>,
    /// Smallest allowed number.
    pub min: Option<f64>,
    /// Largest allowed number.
    pub max: Option<f64>,
    /// Shortest allowed string.
    pub min_length: Option<usize>,
    /// Longest allowed string.
    pub max_length: Option<usize>,
    /// Fewest list items.
    pub min_items: Option<usize>,
    /// Most list items.
    pub max_items: Option<usize>,
}

/// An operation's JSON request body: whether the document requires one,
/// and the shape it must have.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    /// Whether the document requires a body.
    pub required: bool,
    /// What the body must look like.
    pub shape: Shape,
}

/// The part of a request body's schema that is checked before sending:
/// types, required properties, patterns, string lengths, numeric ranges,
/// list sizes and alternatives. Enum values and properties the document does
/// not list are left to the API (a value it accepts before the document says
/// so can still be sent).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Anything.
    Any,
    /// `null`, or the inner shape.
    Nullable(&'static Shape),
    /// An object with these properties (others are allowed).
    Object(&'static [Property]),
    /// A list.
    Array {
        /// Shape of each item.
        items: &'static Shape,
        /// Fewest items.
        min_items: Option<usize>,
        /// Most items.
        max_items: Option<usize>,
    },
    /// A string.
    String {
        /// Pattern the string must match.
        pattern: Option<&'static str>,
        /// Fewest characters.
        min_length: Option<usize>,
        /// Most characters.
        max_length: Option<usize>,
    },
    /// An integer.
    Integer {
        /// Smallest value.
        min: Option<f64>,
        /// Largest value.
        max: Option<f64>,
    },
    /// A number.
    Number {
        /// Smallest value.
        min: Option<f64>,
        /// Largest value.
        max: Option<f64>,
    },
    /// `true` or `false`.
    Boolean,
    /// At least one of these.
    AnyOf(&'static [Shape]),
    /// Each of these.
    AllOf(&'static [Shape]),
}

/// A property of an object [`Shape`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Property {
    /// Name on the wire.
    pub name: &'static str,
    /// Whether the document requires it.
    pub required: bool,
    /// What its value must look like.
    pub shape: Shape,
}

/// One operation of the API document.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Operation {
    /// Operation id, e.g. `searchPostsRecent`.
    pub id: &'static str,
    /// HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/2/tweets/{id}`.
    pub path: &'static str,
    /// First tag.
    pub tag: &'static str,
    /// Status of a successful response.
    pub success_status: u16,
    /// Model of the success body (of one message, for streaming operations).
    pub response: Option<&'static str>,
    /// Whether the body is a stream of JSON lines.
    pub streaming: bool,
    /// Whether the operation also takes a multipart body.
    pub multipart: bool,
    /// The query parameter that carries a page token, for paginated operations.
    pub pagination: Option<&'static str>,
    /// Accepted credentials (any one of them).
    pub security: &'static [Security],
    /// Parameters with their constraints.
    pub params: &'static [Param],
    /// The JSON request body, when the operation takes one.
    pub body: Option<Body>,
    /// Link to the reference documentation.
    pub doc_url: Option<&'static str>,
}

impl Operation {
    /// Finds an operation by id or by `"METHOD /path/{template}"`.
    pub fn find(key: &str) -> Option<&'static Operation> {
        let key = key.trim();
        if let Some((method, path)) = key.split_once(' ') {
            let method = method.to_ascii_uppercase();
            let path = path.trim();
            crate::ops::OPERATIONS.iter().find(|op| op.method == method && op.path == path)
        } else {
            crate::ops::OPERATIONS.iter().find(|op| op.id == key)
        }
    }

    /// The OAuth 2.0 user-context scopes this operation needs, if it accepts such a token.
    pub fn oauth2_scopes(&self) -> Option<&'static [&'static str]> {
        self.security.iter().find(|s| s.scheme == "OAuth2UserToken").map(|s| s.scopes)
    }

    /// Whether an app-only bearer token is accepted.
    pub fn accepts_app_only(&self) -> bool {
        self.security.iter().any(|s| s.scheme == "BearerToken")
    }

    /// A parameter by name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Executes requests for the generated client. The facade installs its
/// authentication, rate-limit and retry stack here.
pub trait Transport: Send + Sync + 'static {
    /// Prepares a request before it is sent (e.g. signs it).
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation_id: &'static str,
    ) -> futures_core::future::BoxFuture<'a, Result<(), String>>;

    /// Sends a request and returns the response.
    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        operation_id: &'static str,
        client: &'a reqwest::Client,
    ) -> futures_core::future::BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// Sends requests unchanged.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainTransport;

impl Transport for PlainTransport {
    fn prepare<'a>(
        &'a self,
        _request: &'a mut reqwest::Request,
        _operation_id: &'static str,
    ) -> futures_core::future::BoxFuture<'a, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        _operation_id: &'static str,
        client: &'a reqwest::Client,
    ) -> futures_core::future::BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        Box::pin(client.execute(request))
    }
}

/// The generated client's hook into a [`Transport`].
#[derive(Clone)]
pub struct Hooks(pub std::sync::Arc<dyn Transport>);

impl Hooks {
    /// Hooks that send requests unchanged.
    pub fn plain() -> Self {
        Hooks(std::sync::Arc::new(PlainTransport))
    }
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks::plain()
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Hooks")
    }
}

impl progenitor_client::ClientHooks<Hooks> for crate::client::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        use progenitor_client::ClientInfo;
        self.inner()
            .0
            .prepare(request, info.operation_id)
            .await
            .map_err(progenitor_client::Error::Custom)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &progenitor_client::OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        use progenitor_client::ClientInfo;
        self.inner().0.execute(request, info.operation_id, self.client()).await
    }
}

/// Compares a decoded-and-reserialised value with the original JSON, the way
/// a lossless round trip is judged: key order is ignored, a number equals the
/// same number written as a string, `null` equals an absent key, and `true`
/// equals `"true"`. Returns the path and a description of the first difference.
pub fn json_equivalent(original: &serde_json::Value, reencoded: &serde_json::Value) -> Result<(), (String, String)> {
    fn scalar_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (J::Number(x), J::Number(y)) => x == y || x.as_f64() == y.as_f64(),
            (J::Number(n), J::String(s)) | (J::String(s), J::Number(n)) => {
                s.trim() == n.to_string() || s.trim().parse::<f64>().ok() == n.as_f64()
            }
            (J::Bool(v), J::String(s)) | (J::String(s), J::Bool(v)) => s == if *v { "true" } else { "false" },
            _ => a == b,
        }
    }
    fn walk(a: &serde_json::Value, b: &serde_json::Value, path: &mut String) -> Result<(), (String, String)> {
        use serde_json::Value as J;
        match (a, b) {
            (J::Object(x), J::Object(y)) => {
                for (k, va) in x {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    match y.get(k) {
                        Some(vb) => walk(va, vb, path)?,
                        None if va.is_null() => {}
                        None => return Err((path.clone(), "lost in the round trip".to_owned())),
                    }
                    path.truncate(len);
                }
                for (k, vb) in y {
                    if !x.contains_key(k) && !vb.is_null() {
                        return Err((format!("{path}.{k}"), format!("added by the round trip: {vb}")));
                    }
                }
                Ok(())
            }
            (J::Array(x), J::Array(y)) => {
                if x.len() != y.len() {
                    return Err((path.clone(), format!("array of {} items became {} items", x.len(), y.len())));
                }
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(va, vb, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ if scalar_eq(a, b) => Ok(()),
            _ => Err((path.clone(), format!("{a} became {b}"))),
        }
    }
    let mut path = String::new();
    walk(original, reencoded, &mut path).map_err(|(p, why)| (if p.is_empty() { ".".to_owned() } else { p }, why))
}

/// The values a request builder collected: path and query parameters (as
/// wire strings) and the JSON body.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestParts {
    /// Path parameters by name.
    pub path: Vec<(&'static str, String)>,
    /// Query parameters in the order they were set; a name appears once.
    pub query: Vec<(Cow<'static, str>, String)>,
    /// Serialised JSON body.
    pub body: Option<Vec<u8>>,
}

impl RequestParts {
    /// Empty parts for `operation`.
    pub fn new(_operation: &'static Operation) -> Self {
        RequestParts::default()
    }

    /// Sets a path parameter.
    pub fn set_path(&mut self, name: &'static str, value: String) {
        match self.path.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.path.push((name, value)),
        }
    }

    /// Sets a query parameter (replacing an earlier value).
    pub fn set_query(&mut self, name: &'static str, value: String) {
        self.set_query_cow(Cow::Borrowed(name), value);
    }

    /// Sets a query parameter with an owned name.
    pub fn set_query_owned(&mut self, name: String, value: String) {
        self.set_query_cow(Cow::Owned(name), value);
    }

    fn set_query_cow(&mut self, name: Cow<'static, str>, value: String) {
        match self.query.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.query.push((name, value)),
        }
    }

    /// Sets the JSON body.
    pub fn set_body<T: Serialize>(&mut self, body: &T) {
        // Models serialise infallibly: string keys, no custom errors.
        self.body = serde_json::to_vec(body).ok();
    }

    /// A query value by name.
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A path value by name.
    pub fn path_value(&self, name: &str) -> Option<&str> {
        self.path.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The path with its template filled in and each value percent-encoded,
    /// or the name of the first missing path parameter.
    pub fn fill_path(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let name = &rest[start + 1..start + end];
            let value = self.path_value(name).ok_or_else(|| name.to_owned())?;
            // A backslash would split the segment for some URL parsers.
            out.push_str(&progenitor_client::encode_path(value).replace('\\', "%5C"));
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// What sends the requests built by [`crate::requests`]: the facade's client.
pub trait Sender: Sync + Sized {
    /// A decoded reply.
    type Reply<T: Model + Send + 'static>: Send;
    /// The error of a failed request.
    type Error: Send;
    /// A stream of pages.
    type Pages<T: Model + Send + 'static>;
    /// A stream of messages.
    type Stream<T: Model + Send + 'static>;

    /// Sends a request and decodes its success body as `T`.
    fn send<T: Model + Send + 'static>(
        &self,
        operation: &'static Operation,
        parts: RequestParts,
    ) -> impl std::future::Future<Output = Result<Self::Reply<T>, Self::Error>> + Send + '_;

    /// Follows a paginated operation from page to page.
    fn paginate<T: Model + Send + 'static>(&self, operation: &'static Operation, parts: RequestParts) -> Self::Pages<T>;

    /// Opens a streaming operation.
    fn open_stream<T: Model + Send + 'static>(&self, operation: &'static Operation, parts: RequestParts) -> Self::Stream<T>;
}

/// Access to the common parts of a response body: `data`, `includes`,
/// partial `errors` and `meta`.
pub trait Envelope {
    /// Type of `data`.
    type Data;
    /// Type of `meta` (`()` when the response has none).
    type Meta;
    /// The primary data, when present.
    fn data(&self) -> Option<&Self::Data>;
    /// Expanded objects, when the response carries them.
    fn includes(&self) -> Option<&crate::models::Expansions>;
    /// Partial errors beside the data (empty when none).
    fn errors(&self) -> &[crate::models::Problem];
    /// Response metadata.
    fn meta(&self) -> Option<&Self::Meta>;
    /// The token of the next page, when there is one.
    fn next_token(&self) -> Option<&str>;
}
