//! Reading one API document: its operations and their parameters, and the
//! shape of a schema as far as the generated types are concerned.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// One API document.
#[derive(Clone, Copy)]
pub(super) struct Doc<'a> {
    pub(super) root: &'a Value,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";
const PARAM_PREFIX: &str = "#/components/parameters/";
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

impl<'a> Doc<'a> {
    pub(super) fn version(&self) -> String {
        self.root
            .pointer("/info/version")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned()
    }

    fn pointer(&self, reference: &str) -> Option<&'a Value> {
        let p = reference.strip_prefix('#')?;
        self.root.pointer(p)
    }

    /// Follows `$ref` chains (of any component kind).
    pub(super) fn deref(&self, mut v: &'a Value) -> &'a Value {
        for _ in 0..32 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.pointer(r) {
                    Some(t) => v = t,
                    None => return v,
                },
                None => return v,
            }
        }
        v
    }

    /// Drops a wrapper that is only `allOf: [one schema]`.
    pub(super) fn unwrap(&self, v: &'a Value) -> &'a Value {
        let mut v = v;
        for _ in 0..8 {
            match v.get("allOf").and_then(Value::as_array) {
                Some(all)
                    if all.len() == 1
                        && v.get("properties").is_none()
                        && v.get("discriminator").is_none() =>
                {
                    v = &all[0];
                }
                _ => break,
            }
        }
        v
    }

    pub(super) fn schema(&self, name: &str) -> Option<&'a Value> {
        self.root
            .pointer("/components/schemas")
            .and_then(|s| s.get(name))
    }

    pub(super) fn parameter(&self, name: &str) -> Option<&'a Value> {
        self.root
            .pointer("/components/parameters")
            .and_then(|s| s.get(name))
    }

    /// Operations by (path, method).
    pub(super) fn operations(&self) -> BTreeMap<(String, String), Operation<'a>> {
        let mut out = BTreeMap::new();
        let Some(paths) = self.root.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (path, item) in paths {
            let item = self.deref(item);
            for method in METHODS {
                if let Some(op) = item.get(*method) {
                    out.insert(
                        (path.clone(), (*method).to_owned()),
                        Operation {
                            item,
                            op,
                            id: op
                                .get("operationId")
                                .and_then(Value::as_str)
                                .unwrap_or("")
                                .to_owned(),
                        },
                    );
                }
            }
        }
        out
    }

    /// The parameters of an operation (path-level ones first, overridden by
    /// the operation's), by (in, name).
    pub(super) fn parameters(&self, op: &Operation<'a>) -> BTreeMap<(String, String), Param<'a>> {
        let mut out = BTreeMap::new();
        for list in [op.item.get("parameters"), op.op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
        {
            for p in list {
                let component = p
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix(PARAM_PREFIX))
                    .map(unescape);
                let value = self.deref(p);
                let name = value.get("name").and_then(Value::as_str).unwrap_or("");
                let place = value.get("in").and_then(Value::as_str).unwrap_or("");
                out.insert(
                    (place.to_owned(), name.to_owned()),
                    Param { component, value },
                );
            }
        }
        out
    }
}

pub(super) fn schema_ref(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
        .map(unescape)
}

/// An operation with its path item (for path-level parameters).
pub(super) struct Operation<'a> {
    pub(super) item: &'a Value,
    pub(super) op: &'a Value,
    pub(super) id: String,
}

/// A parameter, with the shared component it refers to, if any.
pub(super) struct Param<'a> {
    pub(super) component: Option<String>,
    pub(super) value: &'a Value,
}

pub(super) fn required(v: &Value) -> bool {
    v.get("required").and_then(Value::as_bool).unwrap_or(false)
}

/// The shape of a schema, as far as the generated types are concerned.
pub(super) enum Shape<'a> {
    Object {
        props: BTreeMap<String, &'a Value>,
        required: BTreeSet<String>,
    },
    FreeObject(Option<&'a Value>),
    Array(Option<&'a Value>),
    Scalar {
        ty: String,
        values: Vec<String>,
    },
    Any,
}

impl Shape<'_> {
    pub(super) fn describe(&self) -> String {
        match self {
            Shape::Object { .. } => "object".to_owned(),
            Shape::FreeObject(_) => "free-form object".to_owned(),
            Shape::Array(_) => "array".to_owned(),
            Shape::Scalar { ty, values } if !values.is_empty() => format!("{ty} enum"),
            Shape::Scalar { ty, .. } => ty.clone(),
            Shape::Any => "any JSON".to_owned(),
        }
    }
}

impl<'a> Doc<'a> {
    /// Collects properties like the model emitter does: through `$ref`,
    /// `allOf`/`oneOf`/`anyOf` and discriminator mappings. Returns whether the
    /// schema is object-like.
    fn collect(
        &self,
        schema: &'a Value,
        seen: &mut BTreeSet<String>,
        props: &mut BTreeMap<String, &'a Value>,
        req: &mut BTreeSet<String>,
    ) -> bool {
        if let Some(name) = schema_ref(schema) {
            if !seen.insert(name.clone()) {
                return true;
            }
            return match self.schema(&name) {
                Some(s) => self.collect(s, seen, props, req),
                None => false,
            };
        }
        let mut object_like = false;
        if let Some(p) = schema.get("properties").and_then(Value::as_object) {
            let listed: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (k, v) in p {
                if !props.contains_key(k) {
                    props.insert(k.clone(), v);
                    if listed.contains(k.as_str()) {
                        req.insert(k.clone());
                    }
                }
            }
            object_like = true;
        }
        if schema.get("type").and_then(Value::as_str) == Some("object") {
            object_like = true;
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                for b in branches {
                    if !self.collect(b, seen, props, req) {
                        return false;
                    }
                }
                object_like = true;
            }
        }
        if let Some(mapping) = schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object)
        {
            // Sorted, so the result does not depend on the map's order.
            let targets: BTreeSet<&str> = mapping.values().filter_map(Value::as_str).collect();
            for target in targets {
                if let Some(name) = target.strip_prefix(SCHEMA_PREFIX) {
                    let name = unescape(name);
                    if seen.insert(name.clone()) {
                        if let Some(s) = self.schema(&name) {
                            self.collect(s, seen, props, req);
                        }
                    }
                }
            }
        }
        object_like
    }

    pub(super) fn shape(&self, schema: &'a Value) -> Shape<'a> {
        let schema = self.unwrap(schema);
        let schema = match schema_ref(schema) {
            Some(name) => match self.schema(&name) {
                Some(s) => self.unwrap(s),
                None => return Shape::Any,
            },
            None => schema,
        };
        let composite = ["allOf", "oneOf", "anyOf"]
            .iter()
            .any(|k| schema.get(*k).is_some());
        if composite || schema.get("properties").is_some() {
            let mut props = BTreeMap::new();
            let mut req = BTreeSet::new();
            if self.collect(schema, &mut BTreeSet::new(), &mut props, &mut req) && !props.is_empty()
            {
                return Shape::Object {
                    props,
                    required: req,
                };
            }
            if composite {
                return self.scalar_union(schema);
            }
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => Shape::Array(schema.get("items")),
            Some(t @ ("string" | "integer" | "number" | "boolean")) => Shape::Scalar {
                ty: t.to_owned(),
                values: schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|e| {
                        e.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            Some("object") => {
                Shape::FreeObject(schema.get("additionalProperties").filter(|a| a.is_object()))
            }
            None if schema.pointer("/discriminator/mapping").is_some() => {
                let mut props = BTreeMap::new();
                let mut req = BTreeSet::new();
                self.collect(schema, &mut BTreeSet::new(), &mut props, &mut req);
                Shape::Object {
                    props,
                    required: req,
                }
            }
            None if schema.get("additionalProperties").is_some() => {
                Shape::FreeObject(schema.get("additionalProperties").filter(|a| a.is_object()))
            }
            _ => Shape::Any,
        }
    }

    /// `oneOf` of scalars of one type is that type; anything else is any JSON.
    fn scalar_union(&self, schema: &'a Value) -> Shape<'a> {
        let mut types = BTreeSet::new();
        for key in ["allOf", "oneOf", "anyOf"] {
            for b in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match self.shape(b) {
                    Shape::Scalar { ty, .. } => {
                        types.insert(ty);
                    }
                    _ => return Shape::Any,
                }
            }
        }
        match (types.len(), types.into_iter().next()) {
            (1, Some(ty)) => Shape::Scalar {
                ty,
                values: Vec::new(),
            },
            _ => Shape::Any,
        }
    }
}
