//! The shapes of JSON request bodies, for checking a body before it is sent.
//!
//! Each operation with an `application/json` request body gets a
//! [`ShapeRow`] tree built from its schema: types, required properties,
//! patterns, string lengths, numeric ranges, list sizes and alternatives
//! (`oneOf`/`anyOf`/`allOf`). Open vocabularies are left out on purpose:
//! enum values and properties the document does not list are the API's to
//! judge, so a value it accepts before the document says so can be sent.
//!
//! References are followed (a reference met again inside itself becomes
//! [`ShapeRow::Any`]); the tree is emitted inline into the operation's
//! static, so it is compiled with the operation and needs no gating.

use openapiv3::{
    AnySchema, OpenAPI, Operation, ReferenceOr, RequestBody, Schema, SchemaKind, Type,
};
use proc_macro2::TokenStream;
use quote::quote;

use crate::passes::ref_name;
use crate::tokens::opt;

/// A body's shape, before emission.
#[derive(Debug, Clone, PartialEq)]
pub enum ShapeRow {
    /// Anything goes (no constraint we check).
    Any,
    /// `null` or the inner shape.
    Nullable(Box<ShapeRow>),
    /// An object with these properties (others are allowed).
    Object(Vec<PropertyRow>),
    /// A list.
    Array {
        items: Box<ShapeRow>,
        min_items: Option<usize>,
        max_items: Option<usize>,
    },
    /// A string.
    String {
        pattern: Option<String>,
        min_length: Option<usize>,
        max_length: Option<usize>,
    },
    /// An integer.
    Integer { min: Option<f64>, max: Option<f64> },
    /// Any number.
    Number { min: Option<f64>, max: Option<f64> },
    /// `true` or `false`.
    Boolean,
    /// At least one of these.
    AnyOf(Vec<ShapeRow>),
    /// Each of these.
    AllOf(Vec<ShapeRow>),
}

/// One property of an object shape.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyRow {
    pub name: String,
    pub required: bool,
    pub shape: ShapeRow,
}

/// An operation's JSON body: whether the document requires one, and its shape.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyRow {
    pub required: bool,
    pub shape: ShapeRow,
}

fn request_body<'a>(spec: &'a OpenAPI, op: &'a Operation) -> Option<&'a RequestBody> {
    match op.request_body.as_ref()? {
        ReferenceOr::Item(b) => Some(b),
        ReferenceOr::Reference { reference } => {
            match spec
                .components
                .as_ref()?
                .request_bodies
                .get(ref_name(reference))?
            {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// The JSON body of `op`, if it takes one. A body that may also be sent as a
/// multipart form is never required (the form carries it instead).
pub fn body_row(spec: &OpenAPI, op: &Operation) -> Option<BodyRow> {
    let body = request_body(spec, op)?;
    let media = body.content.get("application/json")?;
    let multipart = body.content.contains_key("multipart/form-data");
    let shape = match &media.schema {
        Some(s) => Walker {
            spec,
            stack: vec![],
        }
        .shape(s),
        None => ShapeRow::Any,
    };
    Some(BodyRow {
        required: body.required && !multipart,
        shape,
    })
}

/// Follows references, remembering which ones it is inside.
struct Walker<'a> {
    spec: &'a OpenAPI,
    stack: Vec<String>,
}

impl Walker<'_> {
    fn shape(&mut self, s: &ReferenceOr<Schema>) -> ShapeRow {
        match s {
            ReferenceOr::Item(schema) => self.schema(schema),
            ReferenceOr::Reference { reference } => self.reference(reference),
        }
    }

    fn boxed(&mut self, s: &ReferenceOr<Box<Schema>>) -> ShapeRow {
        match s {
            ReferenceOr::Item(schema) => self.schema(schema),
            ReferenceOr::Reference { reference } => self.reference(reference),
        }
    }

    fn reference(&mut self, reference: &str) -> ShapeRow {
        let name = ref_name(reference).to_owned();
        if self.stack.contains(&name) {
            return ShapeRow::Any;
        }
        let Some(ReferenceOr::Item(schema)) = self
            .spec
            .components
            .as_ref()
            .and_then(|c| c.schemas.get(&name))
        else {
            return ShapeRow::Any;
        };
        self.stack.push(name);
        let shape = self.schema(schema);
        self.stack.pop();
        shape
    }

    fn schema(&mut self, schema: &Schema) -> ShapeRow {
        let shape = match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => ShapeRow::String {
                pattern: s.pattern.clone(),
                min_length: s.min_length,
                max_length: s.max_length,
            },
            SchemaKind::Type(Type::Integer(i)) => ShapeRow::Integer {
                // An exclusive integer bound is the next integer in.
                min: i.minimum.map(|m| {
                    (if i.exclusive_minimum {
                        m.saturating_add(1)
                    } else {
                        m
                    }) as f64
                }),
                max: i.maximum.map(|m| {
                    (if i.exclusive_maximum {
                        m.saturating_sub(1)
                    } else {
                        m
                    }) as f64
                }),
            },
            SchemaKind::Type(Type::Number(n)) => ShapeRow::Number {
                // Exclusive bounds on real numbers are left to the API.
                min: n.minimum.filter(|_| !n.exclusive_minimum),
                max: n.maximum.filter(|_| !n.exclusive_maximum),
            },
            SchemaKind::Type(Type::Boolean(_)) => ShapeRow::Boolean,
            SchemaKind::Type(Type::Object(o)) => self.object(&o.properties, &o.required),
            SchemaKind::Type(Type::Array(a)) => ShapeRow::Array {
                items: Box::new(a.items.as_ref().map_or(ShapeRow::Any, |i| self.boxed(i))),
                min_items: a.min_items,
                max_items: a.max_items,
            },
            SchemaKind::OneOf { one_of: list } | SchemaKind::AnyOf { any_of: list } => {
                self.alternatives(list)
            }
            SchemaKind::AllOf { all_of } => {
                let parts = all_of.iter().map(|s| self.shape(s)).collect();
                all(parts)
            }
            SchemaKind::Not { .. } => ShapeRow::Any,
            SchemaKind::Any(any) => self.any(any),
        };
        if schema.schema_data.nullable && shape != ShapeRow::Any {
            ShapeRow::Nullable(Box::new(shape))
        } else {
            shape
        }
    }

    fn object(
        &mut self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
    ) -> ShapeRow {
        let mut rows: Vec<PropertyRow> = properties
            .iter()
            .map(|(name, s)| {
                let read_only = match s {
                    ReferenceOr::Item(s) => s.schema_data.read_only,
                    ReferenceOr::Reference { .. } => false,
                };
                PropertyRow {
                    name: name.clone(),
                    required: required.contains(name) && !read_only,
                    shape: self.boxed(s),
                }
            })
            .collect();
        // Required names the properties do not describe.
        for name in required {
            if !properties.contains_key(name) {
                rows.push(PropertyRow {
                    name: name.clone(),
                    required: true,
                    shape: ShapeRow::Any,
                });
            }
        }
        ShapeRow::Object(rows)
    }

    fn alternatives(&mut self, list: &[ReferenceOr<Schema>]) -> ShapeRow {
        let shapes: Vec<ShapeRow> = list.iter().map(|s| self.shape(s)).collect();
        if shapes.is_empty() || shapes.contains(&ShapeRow::Any) {
            ShapeRow::Any
        } else if shapes.len() == 1 {
            shapes.into_iter().next().unwrap_or(ShapeRow::Any)
        } else {
            ShapeRow::AnyOf(shapes)
        }
    }

    /// A schema that mixes keywords (a typed object with `anyOf`, or no
    /// `type` at all): the typed part and each combinator must all hold.
    fn any(&mut self, any: &AnySchema) -> ShapeRow {
        let typed = match any.typ.as_deref() {
            Some("string") => ShapeRow::String {
                pattern: any.pattern.clone(),
                min_length: any.min_length,
                max_length: any.max_length,
            },
            Some("integer") => ShapeRow::Integer {
                min: any.minimum.filter(|_| any.exclusive_minimum != Some(true)),
                max: any.maximum.filter(|_| any.exclusive_maximum != Some(true)),
            },
            Some("number") => ShapeRow::Number {
                min: any.minimum.filter(|_| any.exclusive_minimum != Some(true)),
                max: any.maximum.filter(|_| any.exclusive_maximum != Some(true)),
            },
            Some("boolean") => ShapeRow::Boolean,
            Some("array") => ShapeRow::Array {
                items: Box::new(any.items.as_ref().map_or(ShapeRow::Any, |i| self.boxed(i))),
                min_items: any.min_items,
                max_items: any.max_items,
            },
            // An object, or no type but properties: an object all the same.
            Some("object") => self.object(&any.properties, &any.required),
            _ if !any.properties.is_empty() || !any.required.is_empty() => {
                self.object(&any.properties, &any.required)
            }
            _ => ShapeRow::Any,
        };
        let mut parts = vec![typed];
        if !any.one_of.is_empty() {
            parts.push(self.alternatives(&any.one_of));
        }
        if !any.any_of.is_empty() {
            parts.push(self.alternatives(&any.any_of));
        }
        for s in &any.all_of {
            parts.push(self.shape(s));
        }
        all(parts)
    }
}

/// Shapes that must all hold: objects merge into one (a property required by
/// any part is required), `Any` parts drop out.
fn all(parts: Vec<ShapeRow>) -> ShapeRow {
    let mut parts: Vec<ShapeRow> = parts.into_iter().filter(|p| *p != ShapeRow::Any).collect();
    if parts.iter().all(|p| matches!(p, ShapeRow::Object(_))) && parts.len() > 1 {
        let mut merged: Vec<PropertyRow> = Vec::new();
        for part in parts.drain(..) {
            let ShapeRow::Object(props) = part else {
                continue;
            };
            for prop in props {
                match merged.iter_mut().find(|m| m.name == prop.name) {
                    Some(m) => {
                        m.required |= prop.required;
                        if m.shape == ShapeRow::Any {
                            m.shape = prop.shape;
                        } else if prop.shape != ShapeRow::Any && prop.shape != m.shape {
                            let first = std::mem::replace(&mut m.shape, ShapeRow::Any);
                            m.shape = ShapeRow::AllOf(vec![first, prop.shape]);
                        }
                    }
                    None => merged.push(prop),
                }
            }
        }
        return ShapeRow::Object(merged);
    }
    match parts.len() {
        0 => ShapeRow::Any,
        1 => parts.pop().unwrap_or(ShapeRow::Any),
        _ => ShapeRow::AllOf(parts),
    }
}

/// The shape as a constant expression of `crate::runtime::Shape`.
pub fn emit_shape(shape: &ShapeRow) -> TokenStream {
    match shape {
        ShapeRow::Any => quote!(crate::runtime::Shape::Any),
        ShapeRow::Nullable(inner) => {
            let inner = emit_shape(inner);
            quote!(crate::runtime::Shape::Nullable(&#inner))
        }
        ShapeRow::Object(props) => {
            let props = props.iter().map(|p| {
                let (name, required) = (&p.name, p.required);
                let shape = emit_shape(&p.shape);
                quote!(crate::runtime::Property { name: #name, required: #required, shape: #shape })
            });
            quote!(crate::runtime::Shape::Object(&[#(#props),*]))
        }
        ShapeRow::Array {
            items,
            min_items,
            max_items,
        } => {
            let items = emit_shape(items);
            let (min_items, max_items) = (opt(min_items), opt(max_items));
            quote!(crate::runtime::Shape::Array { items: &#items, min_items: #min_items, max_items: #max_items })
        }
        ShapeRow::String {
            pattern,
            min_length,
            max_length,
        } => {
            let (pattern, min_length, max_length) =
                (opt(pattern), opt(min_length), opt(max_length));
            quote!(crate::runtime::Shape::String { pattern: #pattern, min_length: #min_length, max_length: #max_length })
        }
        ShapeRow::Integer { min, max } => {
            let (min, max) = (opt(min), opt(max));
            quote!(crate::runtime::Shape::Integer { min: #min, max: #max })
        }
        ShapeRow::Number { min, max } => {
            let (min, max) = (opt(min), opt(max));
            quote!(crate::runtime::Shape::Number { min: #min, max: #max })
        }
        ShapeRow::Boolean => quote!(crate::runtime::Shape::Boolean),
        ShapeRow::AnyOf(list) => {
            let list = list.iter().map(emit_shape);
            quote!(crate::runtime::Shape::AnyOf(&[#(#list),*]))
        }
        ShapeRow::AllOf(list) => {
            let list = list.iter().map(emit_shape);
            quote!(crate::runtime::Shape::AllOf(&[#(#list),*]))
        }
    }
}

/// `Some(Body { … })` or `None`.
pub fn emit(body: &Option<BodyRow>) -> TokenStream {
    match body {
        Some(b) => {
            let required = b.required;
            let shape = emit_shape(&b.shape);
            quote!(Some(crate::runtime::Body { required: #required, shape: #shape }))
        }
        None => quote!(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(components: serde_json::Value, body: serde_json::Value) -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post": {
                "operationId": "op",
                "requestBody": body,
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": components}
        }))
        .expect("a valid document")
    }

    fn row(spec: &OpenAPI) -> Option<BodyRow> {
        let op = spec
            .paths
            .paths
            .get("/x")
            .and_then(|p| p.as_item())
            .and_then(|p| p.post.as_ref())
            .expect("the operation");
        body_row(spec, op)
    }

    fn s(pattern: Option<&str>) -> ShapeRow {
        ShapeRow::String {
            pattern: pattern.map(str::to_owned),
            min_length: None,
            max_length: None,
        }
    }

    #[test]
    fn objects_keep_required_properties_patterns_and_ranges() {
        let spec = doc(
            serde_json::json!({
                "Id": {"type": "string", "pattern": "^[0-9]{1,19}$"},
                "Req": {"type": "object", "required": ["id", "gone"], "properties": {
                    "id": {"$ref": "#/components/schemas/Id"},
                    "n": {"type": "integer", "minimum": 1, "maximum": 100, "exclusiveMaximum": true},
                    "tags": {"type": "array", "minItems": 1, "maxItems": 4, "items": {"type": "string", "enum": ["a"]}},
                    "made": {"type": "string", "readOnly": true}
                }}
            }),
            serde_json::json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Req"}}}}),
        );
        let body = row(&spec).expect("a body");
        assert!(body.required);
        let ShapeRow::Object(props) = body.shape else {
            panic!("not an object: {:?}", body.shape)
        };
        let names: Vec<(&str, bool)> = props
            .iter()
            .map(|p| (p.name.as_str(), p.required))
            .collect();
        // A read-only property is never required; a required name the
        // properties do not describe comes last.
        assert_eq!(
            names,
            [
                ("id", true),
                ("n", false),
                ("tags", false),
                ("made", false),
                ("gone", true)
            ]
        );
        let shape = |name: &str| {
            props
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.shape.clone())
                .expect("the property")
        };
        assert_eq!(shape("id"), s(Some("^[0-9]{1,19}$")));
        assert_eq!(shape("gone"), ShapeRow::Any);
        assert_eq!(
            shape("n"),
            ShapeRow::Integer {
                min: Some(1.0),
                max: Some(99.0)
            }
        );
        // Enum values are not kept: the vocabulary is the API's.
        assert_eq!(
            shape("tags"),
            ShapeRow::Array {
                items: Box::new(s(None)),
                min_items: Some(1),
                max_items: Some(4)
            }
        );
    }

    #[test]
    fn a_typed_object_with_any_of_needs_one_alternative() {
        let spec = doc(
            serde_json::json!({}),
            serde_json::json!({"content": {"application/json": {"schema": {
                "type": "object",
                "properties": {"text": {"type": "string", "minLength": 1}, "media": {"type": "array", "items": {"type": "string"}}},
                "anyOf": [{"required": ["text"]}, {"required": ["media"]}]
            }}}}),
        );
        let body = row(&spec).expect("a body");
        assert!(!body.required);
        let ShapeRow::AllOf(parts) = body.shape else {
            panic!("not all-of: {:?}", body.shape)
        };
        assert!(matches!(&parts[0], ShapeRow::Object(p) if p.len() == 2 && !p[0].required));
        let ShapeRow::AnyOf(alts) = &parts[1] else {
            panic!("no alternatives: {:?}", parts[1])
        };
        assert_eq!(
            alts[0],
            ShapeRow::Object(vec![PropertyRow {
                name: "text".into(),
                required: true,
                shape: ShapeRow::Any
            }])
        );
    }

    #[test]
    fn all_of_objects_merge_and_cycles_stop() {
        let spec = doc(
            serde_json::json!({
                "A": {"type": "object", "required": ["a"], "properties": {"a": {"type": "boolean"}, "next": {"$ref": "#/components/schemas/A"}}},
                "B": {"type": "object", "required": ["b"], "properties": {"b": {"type": "number", "minimum": 0.5, "nullable": true}}}
            }),
            serde_json::json!({"content": {
                "application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]}},
                "multipart/form-data": {"schema": {"type": "object"}}
            }, "required": true}),
        );
        let body = row(&spec).expect("a body");
        // Multipart can carry the body instead: not required as JSON.
        assert!(!body.required);
        let ShapeRow::Object(props) = body.shape else {
            panic!("not merged: {:?}", body.shape)
        };
        let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "next", "b"]);
        // `next` refers back to A from inside A: the walk stops there.
        assert_eq!(props[1].shape, ShapeRow::Any, "the cycle must stop");
        assert_eq!(
            props[2].shape,
            ShapeRow::Nullable(Box::new(ShapeRow::Number {
                min: Some(0.5),
                max: None
            }))
        );
    }

    #[test]
    fn operations_without_a_json_body_have_none() {
        let spec = doc(
            serde_json::json!({}),
            serde_json::json!({"content": {"multipart/form-data": {"schema": {"type": "object"}}}}),
        );
        assert_eq!(row(&spec), None);
    }

    #[test]
    fn emitted_shapes_are_constant_expressions() {
        let shape = ShapeRow::Object(vec![PropertyRow {
            name: "ids".into(),
            required: true,
            shape: ShapeRow::Array {
                items: Box::new(s(Some("^[0-9]+$"))),
                min_items: Some(1),
                max_items: None,
            },
        }]);
        let text = emit(&Some(BodyRow {
            required: true,
            shape,
        }))
        .to_string();
        syn::parse_str::<syn::Expr>(&text).expect("an expression");
        assert!(text.contains("Shape :: Array"), "{text}");
        assert!(text.contains("\"^[0-9]+$\""), "{text}");
    }
}
