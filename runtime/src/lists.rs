//! Lists sent as one comma-separated query value.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// Joins values with commas, the form the API takes for every list
/// parameter (`tweet.fields=id,text`), without collecting them first.
pub fn join_csv<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    use fmt::Write as _;
    let mut out = String::new();
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{item}");
    }
    out
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
        s.split(',')
            .map(str::parse)
            .collect::<Result<Vec<T>, _>>()
            .map(CsvList)
    }
}
