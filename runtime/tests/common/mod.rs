//! The models both runtime test files decode, declared the way generated
//! code declares them.

use xapi_runtime::{Extra, Text};

xapi_runtime::string_enum! {
    /// A small open enumeration.
    pub enum Colour {
        Red = "red",
        DarkBlue = "dark_blue",
    }
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Metrics {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Vec<i64>>,
    #[serde(flatten)]
    pub extra: Extra,
}
xapi_runtime::impl_model!(Metrics {
    "likes" => likes,
    "ratio" => ratio,
    "verified" => verified,
    "ranges" => ranges,
});

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Thing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<Colour>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Text>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Box<Metrics>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub things: Option<Vec<Thing>>,
    #[serde(flatten)]
    pub extra: Extra,
}
xapi_runtime::impl_model!(Thing {
    "id" => id,
    "name" => name,
    "colour" => colour,
    "tags" => tags,
    "metrics" => metrics,
    "things" => things,
});
