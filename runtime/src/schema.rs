//! JSON Schemas of what the models accept (the `schemars` feature).
//!
//! The generated models derive `schemars::JsonSchema`; their fields are
//! described through the types below, which say what the tolerant decoder
//! takes rather than what the Rust type holds: a [`crate::Text`] field also
//! takes a number, an `i64` field also takes a string of digits, and so on.
//! These types are never built: they only carry a schema.

use schemars::gen::SchemaGenerator;
use schemars::schema::{
    InstanceType, Metadata, Schema, SchemaObject, SingleOrVec, SubschemaValidation,
};
use schemars::JsonSchema;

fn described(mut object: SchemaObject, description: &str) -> Schema {
    object.metadata = Some(Box::new(Metadata {
        description: Some(description.to_owned()),
        ..Metadata::default()
    }));
    Schema::Object(object)
}

fn of_types(types: &[InstanceType]) -> SchemaObject {
    SchemaObject {
        instance_type: Some(match types {
            [one] => SingleOrVec::Single(Box::new(*one)),
            many => SingleOrVec::Vec(many.to_vec()),
        }),
        ..SchemaObject::default()
    }
}

fn one_of_values(values: Vec<serde_json::Value>) -> Schema {
    Schema::Object(SchemaObject {
        enum_values: Some(values),
        ..SchemaObject::default()
    })
}

fn any_of(branches: Vec<Schema>) -> SchemaObject {
    SchemaObject {
        subschemas: Some(Box::new(SubschemaValidation {
            any_of: Some(branches),
            ..SubschemaValidation::default()
        })),
        ..SchemaObject::default()
    }
}

/// The schema of a string field ([`crate::Text`]): a string, or a number or
/// boolean standing for one (ids sent as numbers), kept as its text.
#[derive(Debug)]
pub struct LenientString;

impl JsonSchema for LenientString {
    fn schema_name() -> String {
        "LenientString".to_owned()
    }
    fn is_referenceable() -> bool {
        false
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        described(
            of_types(&[
                InstanceType::String,
                InstanceType::Number,
                InstanceType::Boolean,
            ]),
            "a string, or a number or boolean standing for one",
        )
    }
}

/// The schema of an integer field (`i64`): an integer (a whole number written
/// as a float included), or a string holding one.
#[derive(Debug)]
pub struct LenientInteger;

impl JsonSchema for LenientInteger {
    fn schema_name() -> String {
        "LenientInteger".to_owned()
    }
    fn is_referenceable() -> bool {
        false
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut digits = of_types(&[InstanceType::String]);
        digits.string().pattern = Some("^[+-]?[0-9]+$".to_owned());
        let mut integer = of_types(&[InstanceType::Integer]);
        integer.format = Some("int64".to_owned());
        described(
            any_of(vec![Schema::Object(integer), Schema::Object(digits)]),
            "an integer, or a string of decimal digits holding one",
        )
    }
}

/// The schema of a number field (`f64`): a number, or a string holding a
/// finite one.
#[derive(Debug)]
pub struct LenientNumber;

impl JsonSchema for LenientNumber {
    fn schema_name() -> String {
        "LenientNumber".to_owned()
    }
    fn is_referenceable() -> bool {
        false
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut number = of_types(&[InstanceType::Number]);
        number.format = Some("double".to_owned());
        described(
            any_of(vec![
                Schema::Object(number),
                Schema::Object(of_types(&[InstanceType::String])),
            ]),
            "a number, or a string holding a finite one",
        )
    }
}

/// The schema of a boolean field (`bool`): a boolean, the strings `"true"`
/// and `"false"`, or the integers 0 and 1.
#[derive(Debug)]
pub struct LenientBool;

impl JsonSchema for LenientBool {
    fn schema_name() -> String {
        "LenientBool".to_owned()
    }
    fn is_referenceable() -> bool {
        false
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        described(
            any_of(vec![
                Schema::Object(of_types(&[InstanceType::Boolean])),
                one_of_values(vec!["true".into(), "false".into()]),
                one_of_values(vec![0.into(), 1.into()]),
            ]),
            "a boolean, \"true\" or \"false\", or 0 or 1",
        )
    }
}

/// The schema of an open string enumeration (`string_enum!`): one of the
/// values the API document lists, or any other string, kept as received.
pub fn open_enum_schema(values: &[&str], description: &str) -> Schema {
    let listed = one_of_values(values.iter().map(|v| (*v).into()).collect());
    let other = described(
        of_types(&[InstanceType::String]),
        "a value the API document does not list, kept as received",
    );
    described(any_of(vec![listed, other]), description)
}

impl<T> JsonSchema for crate::CsvList<T> {
    fn schema_name() -> String {
        "CsvList".to_owned()
    }
    fn is_referenceable() -> bool {
        false
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        described(
            of_types(&[InstanceType::String]),
            "a comma-separated list of values",
        )
    }
}

/// [`crate::Extra`] (the properties a model does not describe, flattened
/// into it) is described as the map it reads as: any other property.
impl JsonSchema for crate::Extra {
    fn schema_name() -> String {
        <serde_json::Map<String, serde_json::Value> as JsonSchema>::schema_name()
    }

    fn is_referenceable() -> bool {
        <serde_json::Map<String, serde_json::Value> as JsonSchema>::is_referenceable()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        <serde_json::Map<String, serde_json::Value> as JsonSchema>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn schema_of<T: JsonSchema>() -> Value {
        let mut generator = SchemaGenerator::default();
        serde_json::to_value(generator.subschema_for::<T>()).unwrap_or(Value::Null)
    }

    #[test]
    fn lenient_primitives_say_what_they_accept() {
        assert_eq!(
            schema_of::<LenientString>()["type"],
            json!(["string", "number", "boolean"])
        );
        assert_eq!(
            schema_of::<LenientInteger>()["anyOf"],
            json!([
                {"type": "integer", "format": "int64"},
                {"type": "string", "pattern": "^[+-]?[0-9]+$"}
            ])
        );
        assert_eq!(
            schema_of::<LenientNumber>()["anyOf"],
            json!([{"type": "number", "format": "double"}, {"type": "string"}])
        );
        assert_eq!(
            schema_of::<LenientBool>()["anyOf"],
            json!([{"type": "boolean"}, {"enum": ["true", "false"]}, {"enum": [0, 1]}])
        );
        assert_eq!(schema_of::<crate::CsvList<u8>>()["type"], json!("string"));
    }

    #[test]
    fn an_open_enum_lists_its_values_and_takes_any_string() {
        let schema =
            serde_json::to_value(open_enum_schema(&["a", "b"], "kinds")).unwrap_or_default();
        assert_eq!(schema["anyOf"][0]["enum"], json!(["a", "b"]));
        assert_eq!(schema["anyOf"][1]["type"], json!("string"));
        assert_eq!(schema["description"], json!("kinds"));
    }
}
