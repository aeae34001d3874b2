//! Tolerant decoding: the [`Model`] and [`Lenient`] traits, the field and
//! container seeds the generated visitors use, and [`decode`] (the primitive
//! visitors are in `primitives.rs`).

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Text of a model: ids, times, names and every other string the API sends.
///
/// A string that keeps up to 24 bytes inline (most ids, times, usernames and
/// language codes) and allocates beyond that. It dereferences to `str`, so
/// `post.id.as_deref()`, comparisons with `&str` and `to_string()` work as
/// with `String`; `String::from(text)` converts.
pub type Text = compact_str::CompactString;

pub use crate::extra::{Extra, ExtraMap};

/// Marker for generated models: types whose `Deserialize` is already tolerant.
pub trait Model: for<'de> Deserialize<'de> + Serialize {
    /// Decodes into `place` (replacing what it held). Models build the value
    /// where it will live instead of returning it through every layer of the
    /// decoder, which for large structs saves several copies.
    #[doc(hidden)]
    #[inline]
    fn decode_into<'de, D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<(), D::Error> {
        *place = Some(Self::deserialize(deserializer)?);
        Ok(())
    }

    /// Decodes one more element of `list`, in place for models.
    #[doc(hidden)]
    #[inline]
    fn decode_push<'de, D: Deserializer<'de>>(
        deserializer: D,
        list: &mut Vec<Self>,
    ) -> Result<(), D::Error> {
        list.push(Self::deserialize(deserializer)?);
        Ok(())
    }

    /// Decodes an optional field into `place` (`null` clears it).
    #[doc(hidden)]
    #[inline]
    fn decode_field<'de, D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<(), D::Error> {
        deserializer.deserialize_option(OptionInto(place))
    }
}

/// Tolerant decoding of one value. Implemented for the primitive types used by
/// the models (accepting the spellings the live API actually sends) and for
/// every generated model.
///
/// A model field that receives a value its type cannot hold without loss (an
/// integer beyond 64 bits in an `i64` field) is left `None`, and the value is
/// kept as received in the model's `extra` map under the field's name, so the
/// page still decodes and serialises back unchanged.
pub trait Lenient<'de>: Sized {
    /// Whether a field of this type may receive a value it cannot hold (and
    /// hand back through [`Lenient::lenient_field`]).
    #[doc(hidden)]
    const MAY_NOT_FIT: bool = false;

    /// Decodes `Self` from `deserializer`, accepting looser input than `Deserialize`.
    fn lenient<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Decodes into `place` (replacing what it held).
    #[doc(hidden)]
    #[inline]
    fn lenient_into<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<(), D::Error> {
        *place = Some(Self::lenient(deserializer)?);
        Ok(())
    }

    /// Decodes one more element of `list`.
    #[doc(hidden)]
    #[inline]
    fn lenient_push<D: Deserializer<'de>>(
        deserializer: D,
        list: &mut Vec<Self>,
    ) -> Result<(), D::Error> {
        list.push(Self::lenient(deserializer)?);
        Ok(())
    }

    /// Decodes an optional field into `place` (`null` clears it). Scalars
    /// override this to look at the value once rather than twice.
    ///
    /// Returns the value as received when the field cannot hold it; `place`
    /// is then `None`.
    #[doc(hidden)]
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        deserializer
            .deserialize_option(OptionInto(place))
            .map(|()| None)
    }

    /// Decodes an optional field holding a list of `Self` into `place`, as
    /// [`Lenient::lenient_field`] does. A list with an item that does not fit
    /// is returned whole, and `place` is then `None`.
    #[doc(hidden)]
    #[inline]
    fn lenient_list_field<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Vec<Self>>,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        deserializer
            .deserialize_option(OptionInto(place))
            .map(|()| None)
    }
}

/// Seed that decodes an optional field in place: `null` clears it. Its value
/// is what the field could not hold, as received (see [`Lenient::lenient_field`]).
#[doc(hidden)]
pub struct IntoField<'a, T>(pub &'a mut Option<T>);

impl<'de, T: Lenient<'de>> DeserializeSeed<'de> for IntoField<'_, T> {
    type Value = Option<serde_json::Value>;
    #[inline]
    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        T::lenient_field(deserializer, self.0)
    }
}

/// Decodes the value of the known key `key` into its field. A value the
/// field cannot hold is kept in `extra` under `key` instead; `kept` records
/// that one was, so that a later value of the same key replaces it (the last
/// of repeated keys wins, as for every other field).
#[doc(hidden)]
#[inline]
pub fn fill_field<'de, A: MapAccess<'de>, T: Lenient<'de>>(
    map: &mut A,
    place: &mut Option<T>,
    extra: &mut Extra,
    kept: &mut bool,
    key: &'static str,
) -> Result<(), A::Error> {
    match map.next_value_seed(IntoField(place))? {
        Some(raw) => keep_unfit(extra, kept, key, raw),
        None if T::MAY_NOT_FIT && *kept => {
            extra.shift_remove(key);
        }
        None => {}
    }
    Ok(())
}

/// Keeps a value its field could not hold (the slow path of [`fill_field`]).
#[cold]
#[inline(never)]
fn keep_unfit(extra: &mut Extra, kept: &mut bool, key: &'static str, raw: serde_json::Value) {
    *kept = true;
    extra.insert(key.to_owned(), raw);
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
pub(crate) struct Field<'a, T, V>(pub(crate) &'a mut Option<T>, pub(crate) V);

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
    fn lenient_into<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<(), D::Error> {
        T::decode_into(deserializer, place)
    }
    #[inline]
    fn lenient_push<D: Deserializer<'de>>(
        deserializer: D,
        list: &mut Vec<Self>,
    ) -> Result<(), D::Error> {
        T::decode_push(deserializer, list)
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        T::decode_field(deserializer, place).map(|()| None)
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
    const MAY_NOT_FIT: bool = T::MAY_NOT_FIT;
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
                trim_spare(&mut out);
                Ok(out)
            }
        }
        deserializer.deserialize_seq(V(PhantomData))
    }
    #[inline]
    fn lenient_field<D: Deserializer<'de>>(
        deserializer: D,
        place: &mut Option<Self>,
    ) -> Result<Option<serde_json::Value>, D::Error> {
        T::lenient_list_field(deserializer, place)
    }
}

/// Gives back the unused end of a decoded list when it is large: long lists
/// of large items (a page's posts or users) can leave tens of kilobytes
/// unused after the last doubling.
#[inline]
pub(crate) fn trim_spare<T>(out: &mut Vec<T>) {
    let spare = out.capacity().saturating_sub(out.len());
    if spare.saturating_mul(std::mem::size_of::<T>()) > 16 * 1024 {
        out.shrink_to_fit();
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
            path: if path.is_empty() {
                ".".to_owned()
            } else {
                path
            },
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

/// Decodes `body` as `T` on simd-json's vectorised parser (the `simd`
/// feature), with the same tolerant models and the same result as
/// [`decode`]: a body simd-json refuses is decoded again by [`decode`],
/// which also reports where a failure is.
///
/// simd-json rewrites its input, so the body is copied into a buffer kept
/// per thread (with the parser's own buffers) and reused from call to call.
#[cfg(feature = "simd")]
pub fn decode_simd<T: de::DeserializeOwned>(body: &[u8]) -> Result<T, DecodeFailure> {
    use std::cell::RefCell;
    thread_local! {
        static SCRATCH: RefCell<(Vec<u8>, simd_json::Buffers)> =
            RefCell::new((Vec::new(), simd_json::Buffers::default()));
    }
    let fast = SCRATCH.with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().ok()?;
        let (input, buffers) = &mut *scratch;
        input.clear();
        input.extend_from_slice(body);
        let value = simd_json::serde::from_slice_with_buffers::<T>(input, buffers).ok();
        // A very large body does not keep its copy alive after it.
        if input.capacity() > SCRATCH_KEEP {
            *input = Vec::new();
        }
        value
    });
    match fast {
        Some(value) => Ok(value),
        None => decode(body),
    }
}

/// Largest copy of a body [`decode_simd`] keeps for the next call.
#[cfg(feature = "simd")]
const SCRATCH_KEEP: usize = 8 * 1024 * 1024;
