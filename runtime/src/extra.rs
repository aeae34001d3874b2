//! [`Extra`]: the properties of an object that the API document does not
//! describe, kept as received.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The map type [`Extra`] holds.
pub type ExtraMap = serde_json::Map<String, serde_json::Value>;

/// Properties of an object that the API document does not describe, kept
/// as received, in the order they arrived.
///
/// It dereferences to a `serde_json::Map` (`extra.get("key")`,
/// `extra.insert(..)`, `extra.iter()`), and allocates nothing until the
/// first property is stored: most objects have none, and a page holds
/// hundreds of them, so an empty `Extra` takes one word instead of a whole
/// map.
#[derive(Clone, Default)]
pub struct Extra(Option<Box<ExtraMap>>);

/// What an empty [`Extra`] dereferences to.
static EMPTY: LazyLock<ExtraMap> = LazyLock::new(ExtraMap::new);

impl Extra {
    /// An empty set of properties (allocates nothing).
    #[inline]
    pub const fn new() -> Self {
        Extra(None)
    }

    /// The properties as a map.
    pub fn into_map(self) -> ExtraMap {
        self.0.map(|m| *m).unwrap_or_default()
    }
}

impl Deref for Extra {
    type Target = ExtraMap;
    #[inline]
    fn deref(&self) -> &ExtraMap {
        match &self.0 {
            Some(map) => map,
            None => &EMPTY,
        }
    }
}

impl DerefMut for Extra {
    #[inline]
    fn deref_mut(&mut self) -> &mut ExtraMap {
        self.0.get_or_insert_with(Box::default)
    }
}

impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl PartialEq<ExtraMap> for Extra {
    fn eq(&self, other: &ExtraMap) -> bool {
        **self == *other
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl From<ExtraMap> for Extra {
    fn from(map: ExtraMap) -> Self {
        if map.is_empty() {
            Extra(None)
        } else {
            Extra(Some(Box::new(map)))
        }
    }
}

impl From<Extra> for ExtraMap {
    fn from(extra: Extra) -> Self {
        extra.into_map()
    }
}

impl FromIterator<(String, serde_json::Value)> for Extra {
    fn from_iter<I: IntoIterator<Item = (String, serde_json::Value)>>(iter: I) -> Self {
        Extra::from(ExtraMap::from_iter(iter))
    }
}

impl Extend<(String, serde_json::Value)> for Extra {
    fn extend<I: IntoIterator<Item = (String, serde_json::Value)>>(&mut self, iter: I) {
        let mut iter = iter.into_iter().peekable();
        if iter.peek().is_some() {
            (**self).extend(iter);
        }
    }
}

impl<'a> IntoIterator for &'a Extra {
    type Item = (&'a String, &'a serde_json::Value);
    type IntoIter = serde_json::map::Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        (**self).iter()
    }
}

impl IntoIterator for Extra {
    type Item = (String, serde_json::Value);
    type IntoIter = serde_json::map::IntoIter;
    fn into_iter(self) -> Self::IntoIter {
        self.into_map().into_iter()
    }
}

impl Serialize for Extra {
    #[inline]
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ExtraMap::deserialize(deserializer).map(Extra::from)
    }
}

impl From<Extra> for serde_json::Value {
    fn from(extra: Extra) -> Self {
        serde_json::Value::Object(extra.into_map())
    }
}
