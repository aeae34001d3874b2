//! The two macros generated models are written with.

#[macro_export]
/// Implements tolerant decoding for a model struct whose fields are all
/// `Option`s plus an `extra` map: `impl_model!(Name { "wire" => field, ... })`.
///
/// Unknown keys go to `extra` in the order they arrive, and so does the value
/// of a known key that its field cannot hold (an integer beyond 64 bits in an
/// `i64` field), under the field's wire name; the field is then `None`, and
/// serialisation writes the value back once, as received.
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
                    // Whether a value a field could not hold went to `extra`.
                    #[allow(unused_mut, unused_variables)]
                    let mut kept = false;
                    while let Some($crate::Key(key)) = map.next_key()? {
                        match &*key {
                            $(
                                $json => $crate::fill_field(
                                    &mut map,
                                    &mut out.$field,
                                    &mut out.extra,
                                    &mut kept,
                                    $json,
                                )?,
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

            impl $crate::Model for $name {
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
                    // Vec starts lists of items over 1 KiB at one; four saves two
                    // copies. A list of large models that goes past four is most
                    // likely a page's posts or users: it grows to 64 at once
                    // rather than being copied at 8, 16 and 32 (a list that stops
                    // short gives the spare back, see `trim_spare`).
                    if list.capacity() == list.len() {
                        match list.len() {
                            0 => list.reserve_exact(4),
                            4 if ::std::mem::size_of::<$name>() >= 512 => list.reserve_exact(60),
                            _ => {}
                        }
                    }
                    list.push(<$name as Default>::default());
                    match list.last_mut() {
                        Some(slot) => deserializer.deserialize_map(Fill(slot)),
                        None => Ok(()),
                    }
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

#[macro_export]
/// Declares an open string enumeration. See the crate documentation.
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

        impl $crate::Model for $name {
            #[inline]
            fn decode_field<'de, D: ::serde::Deserializer<'de>>(
                deserializer: D,
                place: &mut Option<Self>,
            ) -> Result<(), D::Error> {
                $crate::decode_enum_field(deserializer, place, $name::from_known, $name::Unknown)
            }
        }

        // With the `schemars` feature of the crate declaring the enum (which
        // must forward to `xapi-runtime/schemars`): the listed values, or any
        // other string.
        #[cfg(feature = "schemars")]
        impl $crate::schemars::JsonSchema for $name {
            fn schema_name() -> String {
                stringify!($name).to_owned()
            }
            fn json_schema(_: &mut $crate::schemars::gen::SchemaGenerator) -> $crate::schemars::schema::Schema {
                $crate::open_enum_schema(
                    &[$($value),*],
                    concat!("`", stringify!($name), "`: a listed value, or any other string (kept as received)"),
                )
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // Known values allocate nothing; others are kept as received.
                $crate::decode_enum(deserializer, $name::from_known, $name::Unknown)
            }
        }
    };
}
