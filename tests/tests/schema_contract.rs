//! The models' JSON Schemas (the `schemars` feature) against the component
//! schemas of the API document: for every component, the same property
//! names and the same types, except where a model deliberately accepts more
//! than the document says. Each such widening is a row of [`WIDENINGS`],
//! with its reason; a difference no row explains fails the test, and so does
//! a row nothing needs any more.
//!
//! The document (after our corrections in `spec/overlay.toml`) is read from
//! `$XAPI_SPEC`, `spec/openapi.json`, or the shared copy beside the workspace:
//!
//! ```sh
//! XAPI_SPEC=../shared/x-api/openapi-2.159.json cargo test -p xapi-tests --features schemars --test schema_contract
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};
use xapi_generated::runtime::schemars;
use xapi_tests::{find_document, root};

/// Every way a model accepts more than its component schema says:
/// `(what the document says, what the model also accepts, why)`. `*` stands
/// for any type.
const WIDENINGS: &[(&str, &str, &str)] = &[
    (
        "string",
        "number",
        "strings: a number standing for one is accepted (ids sent as numbers) and kept as its text",
    ),
    (
        "string",
        "boolean",
        "strings: a boolean standing for one is accepted and kept as its text",
    ),
    (
        "integer",
        "string",
        "integers: a string of digits is accepted (counts sent as strings)",
    ),
    (
        "number",
        "string",
        "numbers: a string holding a finite number is accepted",
    ),
    (
        "boolean",
        "string",
        "booleans: the strings \"true\" and \"false\" are accepted",
    ),
    ("boolean", "integer", "booleans: 0 and 1 are accepted"),
    (
        "*",
        "null",
        "every property is optional: null is accepted and leaves it empty",
    ),
    (
        "enum",
        "string",
        "enums: a value the document does not list is kept (`Unknown`)",
    ),
    (
        "object",
        "other properties",
        "objects: properties the document does not describe are kept in `extra`",
    ),
    (
        "*",
        "any",
        "alternatives that are not all objects: kept as any JSON value",
    ),
];

/// A schema reduced to what the contract compares.
#[derive(Clone, Debug, PartialEq)]
enum Norm {
    /// Any JSON value.
    Any,
    /// A component (document) or definition (model), compared on its own.
    Named(String),
    /// An object with these properties; `open` when others are accepted.
    Object {
        props: BTreeMap<String, Shape>,
        open: bool,
    },
    /// An array of items.
    Array(Box<Shape>),
    /// Listed string values; `open` when any other string is accepted.
    Enum {
        values: BTreeSet<String>,
        open: bool,
    },
    /// Plain JSON types (`"object"` for a free-form object).
    Types(BTreeSet<String>),
}

/// A [`Norm`] and whether `null` is accepted.
#[derive(Clone, Debug, PartialEq)]
struct Shape {
    norm: Norm,
    null: bool,
}

fn shape(norm: Norm) -> Shape {
    Shape { norm, null: false }
}

fn types(list: &[&str]) -> Norm {
    Norm::Types(list.iter().map(|t| (*t).to_owned()).collect())
}

/// Type names compared without their spelling (component `tweet_id`,
/// definition `TweetId`).
fn same_name(a: &str, b: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    squash(a) == squash(b)
}

fn ref_name<'a>(schema: &'a Value, prefix: &str) -> Option<&'a str> {
    schema.get("$ref")?.as_str()?.strip_prefix(prefix)
}

/// The document side: component schemas by name.
struct Document<'a> {
    components: &'a serde_json::Map<String, Value>,
}

const COMPONENT: &str = "#/components/schemas/";
const DEFINITION: &str = "#/definitions/";

impl Document<'_> {
    /// Collects the properties of an object-like schema (its own, those of
    /// `allOf`/`oneOf`/`anyOf` branches and of the schemas a discriminator
    /// maps to); false when it is not object-like.
    fn props(
        &self,
        schema: &Value,
        seen: &mut BTreeSet<String>,
        out: &mut BTreeMap<String, Value>,
    ) -> bool {
        if let Some(name) = ref_name(schema, COMPONENT) {
            if !seen.insert(name.to_owned()) {
                return true;
            }
            return self
                .components
                .get(name)
                .is_some_and(|target| self.props(target, seen, out));
        }
        let mut object = schema.get("type").and_then(Value::as_str) == Some("object")
            && schema.get("properties").is_some();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                out.entry(k.clone()).or_insert_with(|| v.clone());
            }
            object = true;
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for branch in schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !self.props(branch, seen, out) {
                    return false;
                }
                object = true;
            }
        }
        let mapping = schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object);
        for target in mapping.into_iter().flat_map(|m| m.values()) {
            if let Some(name) = target.as_str().and_then(|t| t.strip_prefix(COMPONENT)) {
                if seen.insert(name.to_owned()) {
                    if let Some(s) = self.components.get(name) {
                        self.props(s, seen, out);
                    }
                }
            }
            object = true;
        }
        object
    }

    fn object_props(&self, schema: &Value) -> Option<BTreeMap<String, Value>> {
        let mut out = BTreeMap::new();
        (self.props(schema, &mut BTreeSet::new(), &mut out) && !out.is_empty()).then_some(out)
    }

    /// Whether a component is compared under its own name (an object or an
    /// enumeration) rather than through what it stands for (an alias).
    fn is_named(&self, schema: &Value) -> bool {
        schema.get("enum").is_some() || self.object_props(schema).is_some()
    }

    fn norm(&self, schema: &Value, depth: usize) -> Shape {
        let null = schema.get("nullable").and_then(Value::as_bool) == Some(true);
        let mut out = self.norm_inner(schema, depth);
        out.null |= null;
        out
    }

    fn norm_inner(&self, schema: &Value, depth: usize) -> Shape {
        if let Some(name) = ref_name(schema, COMPONENT) {
            return match self.components.get(name) {
                Some(target) if self.is_named(target) => shape(Norm::Named(name.to_owned())),
                Some(target) if depth < 16 => self.norm(target, depth + 1),
                _ => shape(Norm::Named(name.to_owned())),
            };
        }
        if let Some(props) = self.object_props(schema) {
            let props = props
                .iter()
                .map(|(k, v)| (k.clone(), self.norm(v, depth + 1)))
                .collect();
            return shape(Norm::Object { props, open: false });
        }
        let composite = ["allOf", "oneOf", "anyOf"]
            .iter()
            .filter_map(|k| schema.get(*k).and_then(Value::as_array))
            .flatten()
            .collect::<Vec<_>>();
        if !composite.is_empty() {
            // Alternatives that are not all objects: their types, together.
            let mut all = BTreeSet::new();
            for branch in composite {
                match self.norm(branch, depth + 1).norm {
                    Norm::Types(t) => all.extend(t),
                    Norm::Enum { .. } => {
                        all.insert("string".to_owned());
                    }
                    Norm::Array(_) => {
                        all.insert("array".to_owned());
                    }
                    _ => {
                        all.insert("object".to_owned());
                    }
                }
            }
            return shape(Norm::Types(all));
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            let values = values.iter().filter_map(Value::as_str).map(str::to_owned);
            return shape(Norm::Enum {
                values: values.collect(),
                open: false,
            });
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
                shape(Norm::Array(Box::new(self.norm(&items, depth + 1))))
            }
            Some(t) => shape(types(&[t])),
            None => shape(Norm::Any),
        }
    }
}

/// The model side: the definitions the generator collected.
struct Models<'a> {
    definitions: &'a serde_json::Map<String, Value>,
}

fn json_type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Models<'_> {
    fn norm(&self, schema: &Value) -> Shape {
        if schema == &Value::Bool(true) || schema.as_object().is_some_and(|o| o.is_empty()) {
            return shape(Norm::Any);
        }
        if let Some(name) = ref_name(schema, DEFINITION) {
            return shape(Norm::Named(name.to_owned()));
        }
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            let is_null = |b: &&Value| b.get("type").and_then(Value::as_str) == Some("null");
            let null = branches.iter().any(|b| is_null(&b));
            let rest: Vec<&Value> = branches.iter().filter(|b| !is_null(b)).collect();
            let mut out = match rest.as_slice() {
                [one] => self.norm(one),
                many => self.alternatives(many),
            };
            out.null |= null;
            return out;
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if values.iter().all(Value::is_string) {
                let values = values.iter().filter_map(Value::as_str).map(str::to_owned);
                return shape(Norm::Enum {
                    values: values.collect(),
                    open: false,
                });
            }
            let t: BTreeSet<String> = values.iter().map(|v| json_type_of(v).to_owned()).collect();
            return shape(Norm::Types(t));
        }
        let mut listed: BTreeSet<String> = match schema.get("type") {
            Some(Value::String(t)) => std::iter::once(t.clone()).collect(),
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => BTreeSet::new(),
        };
        let null = listed.remove("null");
        let norm = if listed.len() == 1 && listed.contains("object") {
            match schema.get("properties").and_then(Value::as_object) {
                Some(props) => Norm::Object {
                    props: props
                        .iter()
                        .map(|(k, v)| (k.clone(), self.norm(v)))
                        .collect(),
                    open: schema.get("additionalProperties") != Some(&Value::Bool(false)),
                },
                None => types(&["object"]),
            }
        } else if listed.len() == 1 && listed.contains("array") {
            let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
            Norm::Array(Box::new(self.norm(&items)))
        } else if listed.is_empty() {
            Norm::Any
        } else {
            Norm::Types(listed)
        };
        Shape { norm, null }
    }

    /// Several alternatives: an open enumeration (listed strings or any
    /// string), else the union of their types.
    fn alternatives(&self, branches: &[&Value]) -> Shape {
        let norms: Vec<Norm> = branches.iter().map(|b| self.norm(b).norm).collect();
        let is_string =
            |n: &Norm| matches!(n, Norm::Types(t) if t.len() == 1 && t.contains("string"));
        if norms.iter().any(|n| matches!(n, Norm::Enum { .. }))
            && norms
                .iter()
                .all(|n| matches!(n, Norm::Enum { .. }) || is_string(n))
        {
            let mut values = BTreeSet::new();
            for n in &norms {
                if let Norm::Enum { values: v, .. } = n {
                    values.extend(v.iter().cloned());
                }
            }
            let open = norms.iter().any(is_string);
            return shape(Norm::Enum { values, open });
        }
        let mut all = BTreeSet::new();
        for n in norms {
            match n {
                Norm::Types(t) => all.extend(t),
                Norm::Enum { .. } => {
                    all.insert("string".to_owned());
                }
                Norm::Any => return shape(Norm::Any),
                Norm::Array(_) => {
                    all.insert("array".to_owned());
                }
                Norm::Named(_) | Norm::Object { .. } => {
                    all.insert("object".to_owned());
                }
            }
        }
        shape(Norm::Types(all))
    }
}

/// One comparison run: the differences found and the widenings used.
struct Contract<'a> {
    document: Document<'a>,
    models: Models<'a>,
    used: BTreeSet<usize>,
    mismatches: Vec<String>,
}

fn describe(norm: &Norm) -> String {
    match norm {
        Norm::Any => "any value".to_owned(),
        Norm::Named(n) => format!("`{n}`"),
        Norm::Object { .. } => "an object".to_owned(),
        Norm::Array(_) => "an array".to_owned(),
        Norm::Enum { values, .. } => format!("one of {values:?}"),
        Norm::Types(t) => format!("{t:?}"),
    }
}

impl Contract<'_> {
    fn widen(&mut self, path: &str, from: &str, to: &str) {
        let row = WIDENINGS
            .iter()
            .position(|(f, t, _)| (*f == from || *f == "*") && *t == to);
        match row {
            Some(row) => {
                self.used.insert(row);
            }
            None => self.mismatches.push(format!(
                "{path}: the document says {from}, the model also accepts {to} (no widening listed)"
            )),
        }
    }

    fn compare(&mut self, path: &str, doc: &Shape, model: &Shape, depth: usize) {
        if model.null && !doc.null {
            self.widen(path, "*", "null");
        }
        if doc.null && !model.null {
            self.mismatches.push(format!(
                "{path}: the document accepts null, the model does not"
            ));
        }
        if depth > 24 {
            self.mismatches.push(format!("{path}: too deep to compare"));
            return;
        }
        match (&doc.norm, &model.norm) {
            (Norm::Named(a), Norm::Named(b)) if same_name(a, b) => {}
            (Norm::Named(a), _) => {
                let Some(target) = self.document.components.get(a) else {
                    self.mismatches.push(format!("{path}: no component `{a}`"));
                    return;
                };
                let expanded = Shape {
                    null: doc.null,
                    ..self.document_top(target)
                };
                self.compare(path, &expanded, model, depth + 1);
            }
            (_, Norm::Named(b)) => {
                let Some(target) = self.models.definitions.get(b) else {
                    self.mismatches.push(format!("{path}: no definition `{b}`"));
                    return;
                };
                let mut expanded = self.models.norm(target);
                expanded.null |= model.null;
                self.compare(path, doc, &expanded, depth + 1);
            }
            (Norm::Any, Norm::Any) => {}
            (_, Norm::Any) => self.widen(path, "*", "any"),
            (
                Norm::Object { props: dp, .. },
                Norm::Object {
                    props: mp,
                    open: mopen,
                },
            ) => {
                for name in dp.keys().filter(|k| !mp.contains_key(*k)) {
                    self.mismatches
                        .push(format!("{path}.{name}: in the document, not in the model"));
                }
                for name in mp.keys().filter(|k| !dp.contains_key(*k)) {
                    self.mismatches
                        .push(format!("{path}.{name}: in the model, not in the document"));
                }
                for (name, d) in dp {
                    if let Some(m) = mp.get(name) {
                        self.compare(&format!("{path}.{name}"), d, m, depth + 1);
                    }
                }
                if *mopen {
                    self.widen(path, "object", "other properties");
                }
            }
            (Norm::Array(d), Norm::Array(m)) => {
                self.compare(&format!("{path}[]"), d, m, depth + 1);
            }
            (
                Norm::Enum { values: dv, .. },
                Norm::Enum {
                    values: mv,
                    open: mopen,
                },
            ) => {
                if dv != mv {
                    self.mismatches.push(format!(
                        "{path}: the document lists {dv:?}, the model {mv:?}"
                    ));
                }
                if *mopen {
                    self.widen(path, "enum", "string");
                }
            }
            (Norm::Types(d), Norm::Types(m)) => {
                for t in d.iter().filter(|t| !m.contains(*t)) {
                    self.mismatches.push(format!(
                        "{path}: the document says {t}, the model does not accept it ({m:?})"
                    ));
                }
                for t in m.iter().filter(|t| !d.contains(*t)) {
                    match d
                        .iter()
                        .find(|f| WIDENINGS.iter().any(|(from, to, _)| from == f && to == t))
                    {
                        Some(from) => {
                            let from = from.clone();
                            self.widen(path, &from, t);
                        }
                        None => {
                            let from = d.iter().cloned().collect::<Vec<_>>().join("|");
                            self.widen(path, &from, t);
                        }
                    }
                }
            }
            (d, m) => self.mismatches.push(format!(
                "{path}: the document says {}, the model {}",
                describe(d),
                describe(m)
            )),
        }
    }

    /// A component itself (not a reference to it).
    fn document_top(&self, schema: &Value) -> Shape {
        self.document.norm(schema, 0)
    }

    /// Compares one component with its model's schema.
    fn component(&mut self, name: &str, doc: &Value, model: &Value) {
        let doc = self.document_top(doc);
        let model = match ref_name(model, DEFINITION).and_then(|d| self.models.definitions.get(d)) {
            Some(definition) => self.models.norm(definition),
            None => self.models.norm(model),
        };
        self.compare(name, &doc, &model, 0);
    }
}

/// Compares component schemas with model schemas (and their definitions);
/// returns the mismatches and the widenings used.
fn check(
    components: &serde_json::Map<String, Value>,
    pairs: &[(&str, Value)],
    definitions: &serde_json::Map<String, Value>,
) -> (Vec<String>, BTreeSet<usize>) {
    let mut contract = Contract {
        document: Document { components },
        models: Models { definitions },
        used: BTreeSet::new(),
        mismatches: Vec::new(),
    };
    for (name, model) in pairs {
        match components.get(*name) {
            Some(doc) => contract.component(name, doc, model),
            None => contract
                .mismatches
                .push(format!("{name}: a model with no component in the document")),
        }
    }
    (contract.mismatches, contract.used)
}

/// The document with our corrections applied, as the generator reads it.
fn corrected_document() -> Value {
    let path = find_document()
        .expect("the API document (set XAPI_SPEC): the contract compares the models with it");
    let text = std::fs::read_to_string(&path).expect("readable document");
    let mut doc: Value = serde_json::from_str(&text).expect("JSON");
    let version = doc
        .pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let overlay_text =
        std::fs::read_to_string(root().join("spec/overlay.toml")).expect("spec/overlay.toml");
    let overlay = xapi_codegen::overlay::parse(&overlay_text).expect("overlay parses");
    xapi_codegen::overlay::apply(&mut doc, &overlay, &version).expect("overlay applies");
    doc
}

fn model_schemas() -> (Vec<(&'static str, Value)>, serde_json::Map<String, Value>) {
    let mut generator = schemars::gen::SchemaGenerator::default();
    let pairs = xapi_generated::models::schemas::components(&mut generator)
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).expect("serialises")))
        .collect();
    let definitions = serde_json::to_value(generator.definitions()).expect("serialises");
    let definitions = definitions.as_object().cloned().unwrap_or_default();
    (pairs, definitions)
}

#[test]
fn every_model_matches_its_component_schema_but_for_the_listed_widenings() {
    let doc = corrected_document();
    let components = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("component schemas");
    let (pairs, definitions) = model_schemas();
    let modelled: BTreeSet<&str> = pairs.iter().map(|(n, _)| *n).collect();
    let missing: Vec<&String> = components
        .keys()
        .filter(|k| !modelled.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "components without a model schema: {missing:?}"
    );

    let (mismatches, used) = check(components, &pairs, &definitions);
    assert!(
        mismatches.is_empty(),
        "{} mismatches between the models and the document:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    let unused: Vec<&str> = WIDENINGS
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.contains(i))
        .map(|(_, (_, _, why))| *why)
        .collect();
    assert!(unused.is_empty(), "widenings no model needs: {unused:?}");
}

/// A property lost, one added, a type changed, an enum value dropped and an
/// unlisted widening: each is reported.
#[test]
fn a_wrong_schema_pair_is_reported() {
    let components = json!({
        "Thing": {"type": "object", "properties": {
            "id": {"type": "string"},
            "count": {"type": "integer"},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "flag": {"type": "boolean"},
            "gone": {"type": "string"}
        }}
    });
    let model = json!({
        "type": "object",
        "properties": {
            "id": {"type": ["string", "null"]},
            "count": {"type": ["number", "null"]},
            "kind": {"anyOf": [{"enum": ["a"]}, {"type": "string"}, {"type": "null"}]},
            "flag": {"type": ["boolean", "array", "null"]},
            "added": {"type": ["string", "null"]}
        },
        "additionalProperties": true
    });
    let components = components.as_object().cloned().unwrap_or_default();
    let (mismatches, _) = check(&components, &[("Thing", model)], &serde_json::Map::new());
    let text = mismatches.join("\n");
    for expected in [
        "Thing.gone: in the document, not in the model",
        "Thing.added: in the model, not in the document",
        "Thing.count: the document says integer, the model does not accept it",
        "Thing.count: the document says integer, the model also accepts number (no widening listed)",
        "Thing.kind: the document lists {\"a\", \"b\"}, the model {\"a\"}",
        "Thing.flag: the document says boolean, the model also accepts array (no widening listed)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(mismatches.len(), 6, "{text}");
}

/// The real schemas, one of them altered the way a generator mistake would:
/// the comparison catches it.
#[test]
fn a_mistake_in_a_real_model_schema_is_reported() {
    let doc = corrected_document();
    let components = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .expect("component schemas");
    let (pairs, mut definitions) = model_schemas();
    let (_, tweet) = pairs
        .iter()
        .find(|(n, _)| *n == "Tweet")
        .cloned()
        .expect("a Tweet model");
    let tweet_def = ref_name(&tweet, DEFINITION)
        .expect("a reference")
        .to_owned();
    let props = definitions
        .get_mut(&tweet_def)
        .and_then(|d| d.get_mut("properties"))
        .and_then(Value::as_object_mut)
        .expect("Tweet's properties");
    props.remove("lang");
    props.insert("created_at".into(), json!({"type": ["integer", "null"]}));
    let (mismatches, _) = check(components, &[("Tweet", tweet)], &definitions);
    let text = mismatches.join("\n");
    assert!(
        text.contains("Tweet.lang: in the document, not in the model"),
        "{text}"
    );
    assert!(
        text.contains("Tweet.created_at: the document says string, the model does not accept it"),
        "{text}"
    );
}
