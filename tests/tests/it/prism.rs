//! Conformance against a Prism mock server of the API document.
//!
//! Every non-streaming operation is sent through [`xapi::Client`] with a
//! sample request synthesised from the operation table (patterns, ranges,
//! list sizes), the shared field enums and the document's request-body
//! schemas. Two checks per operation:
//!
//! * **request-valid**: Prism validated the request against the document and
//!   reported no request violation (its `sl-violations` header);
//! * **response-decoded**: the response Prism generated from the document's
//!   schema decodes as the operation's model and round-trips losslessly.
//!
//! A third check keeps our own body validation honest: for every operation
//! with a JSON body, the sample body is broken in each way the table's shape
//! names at its top level (a required property removed, a string property
//! given a number, an array where the object goes). `xapi::validate` must
//! refuse each, and Prism, sent the same body directly, must flag each: a
//! refusal Prism does not share would mean our check is stricter than the
//! document.
//!
//! Runs only when `PRISM_URL` is set (`tools/prism/run.sh` starts Prism and
//! sets it); the document is read from `$XAPI_SPEC` or
//! `../shared/x-api/openapi-2.159.json` relative to the workspace root.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use futures::stream::{self, StreamExt};
use serde_json::{json, Map, Value};
use xapi::ops::{Operation, Param, ParamLocation, OPERATIONS};
use xapi_generated::runtime::{RequestParts, Shape};

/// Non-streaming operations of document 2.159.
const EXPECTED_OPERATIONS: usize = 141;

/// Requests in flight at once.
const CONCURRENCY: usize = 8;

/// A sample for every pattern the document uses. A pattern missing here fails
/// the synthesis of the request that needs it (add a sample, do not guess).
const PATTERN_SAMPLES: &[(&str, &str)] = &[
    (r"^[0-9]{1,19}$", "1146654567674912769"),
    (r"^[a-zA-Z0-9]{1,13}$", "1SLjjRYNejbKM"),
    (r"^[a-zA-Z]{2}$", "US"),
    (r"^[A-Z]{2}$", "US"),
    (r"^[A-Za-z0-9_]{1,15}$", "XDevelopers"),
    (r"^\d{12}$", "202504242000"),
    (r"^[0-9]{12}$", "202504242000"),
    (r"^[A-Za-z]{1,12}$", "following"),
    (
        r"^([0-9]{1,19}-[0-9]{1,19}|g[0-9]{1,19})$",
        "1215441834412953600-1146654567674912769",
    ),
    (
        r"^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$",
        "1215441834412953600-1146654567674912769",
    ),
    (r"^[A-Za-z0-9_]{1,40}$", "sample_name"),
    (r"^[a-zA-Z0-9]{1,50}$", "a1b2c3d4"),
    (r"^([0-9]+)_([0-9]+)$", "3_1146654567674912769"),
    (r"^[0-9]{1,3}$", "42"),
    (
        r"^(?=[\s\S]*https?://\S+)[\s\S]+$",
        "Context and a source: https://example.com/source",
    ),
    (r"^[A-Za-z0-9_' ]{1,50}$", "XDevelopers"),
];

/// Body adjustments where synthesis from the schema alone is not enough:
/// `(operation, JSON pointer, value, reason)`. The value replaces (or adds)
/// the member at the pointer.
const BODY_ADJUSTMENTS: &[(&str, &str, &str, &str)] = &[(
    "createPosts",
    "/text",
    r#""Hello from the conformance test""#,
    "no property is required, but a post without text, media, poll or quote is not a realistic request",
)];

/// Operations whose response is taken from the document's examples (Prism's
/// static mode, `Prefer: dynamic=false`) instead of being generated:
/// `(operation, reason)`.
const STATIC_RESPONSES: &[(&str, &str)] = &[(
    "createMediaMetadata",
    "spec/overlay.toml narrows ContentExpiration.timestamp_sec and the Sticker annotation ids \
     from number to integer (whole seconds, 64-bit ids); Prism generates fractions for the \
     document's `number`, which the corrected models refuse by design",
)];

/// Requests our validation lets through but the document forbids: each must
/// be flagged by Prism (else the request check above is blind), and each is
/// reported as a gap in our validation until `xapi::validate` refuses it.
/// `(label, operation, path params, query params, JSON body)`.
type Probe = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
);
const PROBES: &[Probe] = &[
    (
        "unknown value in a field list",
        "getPostsById",
        &[("id", "20")],
        &[("tweet.fields", "id,not_a_field")],
        None,
    ),
    (
        "time that is not RFC 3339",
        "searchPostsRecent",
        &[],
        &[("query", "rust"), ("start_time", "yesterday")],
        None,
    ),
    (
        "unknown value of a scalar enum",
        "searchPostsRecent",
        &[],
        &[("query", "rust"), ("sort_order", "newest")],
        None,
    ),
    (
        "body without its required properties",
        "evaluateCommunityNotes",
        &[],
        &[],
        Some("{}"),
    ),
    (
        "body property of the wrong type",
        "createPosts",
        &[],
        &[],
        Some(r#"{"text": 5}"#),
    ),
    (
        "several items in a list the document declares exploded (the API wants commas)",
        "getSpacesByIds",
        &[],
        &[("ids", "1SLjjRYNejbKM,1SLjjRYNejbKN")],
        None,
    ),
];

/// The shared field and expansion enums, by their wire values.
fn shared_enums() -> Vec<(&'static str, Vec<String>)> {
    use xapi::fields::*;
    fn wire<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(ToString::to_string).collect()
    }
    vec![
        ("CommunityField", wire(CommunityField::ALL)),
        ("ComplianceJobField", wire(ComplianceJobField::ALL)),
        ("DmConversationField", wire(DmConversationField::ALL)),
        ("DmEventExpansion", wire(DmEventExpansion::ALL)),
        ("DmEventField", wire(DmEventField::ALL)),
        ("ListExpansion", wire(ListExpansion::ALL)),
        ("ListField", wire(ListField::ALL)),
        ("MediaField", wire(MediaField::ALL)),
        ("NewsField", wire(NewsField::ALL)),
        ("PlaceField", wire(PlaceField::ALL)),
        ("PollField", wire(PollField::ALL)),
        ("SpaceExpansion", wire(SpaceExpansion::ALL)),
        ("SpaceField", wire(SpaceField::ALL)),
        ("TopicField", wire(TopicField::ALL)),
        ("TrendField", wire(TrendField::ALL)),
        ("TweetExpansion", wire(TweetExpansion::ALL)),
        ("TweetField", wire(TweetField::ALL)),
        ("UsageField", wire(UsageField::ALL)),
        ("UserExpansion", wire(UserExpansion::ALL)),
        ("UserField", wire(UserField::ALL)),
    ]
}

/// Prefix of the notes that record a shared enum's use (counted, not printed).
const SHARED: &str = "shared:";

/// The shared enum a string-typed list parameter stands for, by name.
fn enum_for_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "tweet.fields" => "TweetField",
        "user.fields" => "UserField",
        "media.fields" => "MediaField",
        "poll.fields" => "PollField",
        "place.fields" => "PlaceField",
        "expansions" => "TweetExpansion",
        _ => return None,
    })
}

fn spec_path() -> PathBuf {
    match std::env::var_os("XAPI_SPEC") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => xapi_tests::root().join("../shared/x-api/openapi-2.159.json"),
    }
}

struct Spec {
    doc: Value,
    enums: Vec<(&'static str, Vec<String>)>,
}

impl Spec {
    /// Follows local `$ref`s.
    fn resolve<'a>(&'a self, mut v: &'a Value) -> &'a Value {
        for _ in 0..32 {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                return v;
            };
            match r.strip_prefix('#').and_then(|p| self.doc.pointer(p)) {
                Some(target) => v = target,
                None => return v,
            }
        }
        v
    }

    fn operation(&self, op: &Operation) -> Option<&Value> {
        self.doc
            .get("paths")?
            .get(op.path)?
            .get(op.method.as_str().to_ascii_lowercase())
    }

    /// The document's parameters of `op`, by `(name, location)`.
    fn params(&self, op: &Operation) -> BTreeMap<(String, String), &Value> {
        let mut out = BTreeMap::new();
        let item = self.doc.get("paths").and_then(|p| p.get(op.path));
        let lists = [
            item.and_then(|i| i.get("parameters")),
            self.operation(op).and_then(|o| o.get("parameters")),
        ];
        for list in lists.into_iter().flatten() {
            for p in list.as_array().into_iter().flatten() {
                let p = self.resolve(p);
                if let (Some(n), Some(l)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) {
                    out.insert((n.to_owned(), l.to_owned()), p);
                }
            }
        }
        out
    }

    /// The JSON request-body schema of `op`, if it takes one.
    fn body_schema(&self, op: &Operation) -> Option<&Value> {
        let body = self.resolve(self.operation(op)?.get("requestBody")?);
        body.get("content")?
            .get("application/json")?
            .get("schema")
            .map(|s| self.resolve(s))
    }

    /// A shared enum with exactly the values `values`.
    fn shared_enum(&self, values: &[String]) -> Option<(&'static str, &Vec<String>)> {
        let want: BTreeSet<&String> = values.iter().collect();
        self.enums
            .iter()
            .find(|(_, all)| all.iter().collect::<BTreeSet<_>>() == want)
            .map(|(n, all)| (*n, all))
    }

    fn shared_enum_by_name(&self, name: &str) -> Option<&Vec<String>> {
        self.enums.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

/// String constraints gathered from the table and the document.
#[derive(Default)]
struct StrRules<'a> {
    pattern: Option<&'a str>,
    format: Option<&'a str>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    example: Option<&'a str>,
}

fn pattern_sample(pattern: &str) -> Result<String, String> {
    PATTERN_SAMPLES
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|(_, s)| (*s).to_owned())
        .ok_or_else(|| format!("no sample for pattern {pattern}: add one to PATTERN_SAMPLES"))
}

fn sample_string(name: &str, rules: &StrRules<'_>) -> Result<String, String> {
    if let Some(pattern) = rules.pattern {
        return pattern_sample(pattern);
    }
    let fits = |s: &str| {
        let n = s.chars().count();
        rules.min_length.is_none_or(|m| n >= m) && rules.max_length.is_none_or(|m| n <= m)
    };
    match rules.format {
        Some("date-time") | Some("data-time") => {
            return Ok(if name.contains("end") || name.contains("until") {
                "2025-01-02T00:00:00Z".to_owned()
            } else {
                "2025-01-01T00:00:00Z".to_owned()
            })
        }
        Some("uri") => return Ok("https://example.com/x/callback".to_owned()),
        _ => {}
    }
    if let Some(example) = rules.example.filter(|e| fits(e)) {
        return Ok(example.to_owned());
    }
    let mut s = match name {
        "query" => "from:XDevelopers -is:retweet".to_owned(),
        "text" | "note_text" => "Hello from the conformance test".to_owned(),
        n if n.ends_with("token") => "7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i".to_owned(),
        _ => "sample".to_owned(),
    };
    if let Some(min) = rules.min_length {
        while s.chars().count() < min {
            s.push('a');
        }
    }
    if let Some(max) = rules.max_length {
        s = s.chars().take(max).collect();
    }
    Ok(s)
}

fn sample_integer(name: &str, min: Option<f64>, max: Option<f64>, example: Option<i64>) -> i64 {
    let lo = min.map(|m| m.ceil() as i64);
    let hi = max.map(|m| m.floor() as i64);
    let base = example.unwrap_or(match name {
        "woeid" => 1,
        _ => 10,
    });
    let v = lo.map_or(base, |lo| base.max(lo));
    hi.map_or(v, |hi| v.min(hi))
}

fn sample_number(min: Option<f64>, max: Option<f64>) -> f64 {
    let v = min.map_or(0.5, |m| m.max(0.5));
    max.map_or(v, |m| v.min(m))
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn size(v: &Value, key: &str) -> Option<usize> {
    v.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

/// A sample JSON value for `schema` (required properties only, below the top).
fn sample_value(spec: &Spec, schema: &Value, name: &str, depth: usize) -> Result<Value, String> {
    let schema = spec.resolve(schema);
    if depth > 12 {
        return Err(format!("schema of {name} nests too deep"));
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            match sample_value(spec, part, name, depth + 1)? {
                Value::Object(m) => merged.extend(m),
                other if all.len() == 1 => return Ok(other),
                other => return Err(format!("allOf part of {name} is not an object: {other}")),
            }
        }
        return Ok(Value::Object(merged));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(key)
            .and_then(Value::as_array)
            .and_then(|a| a.first())
        {
            return sample_value(spec, first, name, depth + 1);
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return Ok(first.clone());
    }
    let ty = schema.get("type").and_then(Value::as_str).unwrap_or(
        if schema.get("properties").is_some() {
            "object"
        } else if schema.get("items").is_some() {
            "array"
        } else {
            "string"
        },
    );
    Ok(match ty {
        "object" => {
            let mut out = Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for key in required {
                let prop = props
                    .and_then(|p| p.get(key))
                    .ok_or_else(|| format!("{name}: required property {key} has no schema"))?;
                out.insert(key.to_owned(), sample_value(spec, prop, key, depth + 1)?);
            }
            Value::Object(out)
        }
        "array" => {
            let items = schema
                .get("items")
                .ok_or_else(|| format!("{name}: array without items"))?;
            let count = size(schema, "minItems").unwrap_or(1).max(1);
            let mut out = Vec::with_capacity(count);
            for i in 0..count {
                let mut item = sample_value(spec, items, name, depth + 1)?;
                // Distinct items for `uniqueItems`: vary numeric-string ids.
                if i > 0 {
                    if let Value::String(s) = &mut item {
                        if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() {
                            s.pop();
                            s.push(char::from(b'0' + (i % 10) as u8));
                        }
                    }
                }
                out.push(item);
            }
            Value::Array(out)
        }
        "integer" => json!(sample_integer(
            name,
            num(schema, "minimum"),
            num(schema, "maximum"),
            schema.get("example").and_then(Value::as_i64)
        )),
        "number" => json!(sample_number(
            num(schema, "minimum"),
            num(schema, "maximum")
        )),
        "boolean" => json!(true),
        _ => {
            let rules = StrRules {
                pattern: schema.get("pattern").and_then(Value::as_str),
                format: schema.get("format").and_then(Value::as_str),
                min_length: size(schema, "minLength"),
                max_length: size(schema, "maxLength"),
                example: schema.get("example").and_then(Value::as_str),
            };
            json!(sample_string(name, &rules)?)
        }
    })
}

/// The wire value for one parameter, with notes on what was chosen.
fn param_value(
    spec: &Spec,
    param: &Param,
    doc_param: Option<&Value>,
    notes: &mut Vec<String>,
) -> Result<String, String> {
    let schema = doc_param
        .and_then(|p| p.get("schema"))
        .map(|s| spec.resolve(s))
        .unwrap_or(&Value::Null);
    if param.array {
        let items = schema
            .get("items")
            .map(|i| spec.resolve(i))
            .unwrap_or(&Value::Null);
        let explode = doc_param
            .and_then(|p| p.get("explode"))
            .and_then(Value::as_bool)
            // `form` style (the default for query parameters) explodes by default.
            .unwrap_or(true);
        let max = param.max_items.unwrap_or(usize::MAX);
        if let Some(values) = items.get("enum").and_then(Value::as_array) {
            let values: Vec<String> = values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            let chosen: Vec<String> = match spec.shared_enum(&values) {
                Some((name, all)) => {
                    notes.push(format!("{SHARED}{}={name}::ALL", param.name));
                    all.clone()
                }
                None => {
                    if let Some(name) =
                        enum_for_name(param.name).filter(|_| param.name != "expansions")
                    {
                        notes.push(format!(
                            "{}: the document's list differs from {name}::ALL",
                            param.name
                        ));
                    }
                    values
                }
            };
            let take = if explode { 1 } else { max };
            if explode && chosen.len() > 1 {
                notes.push(format!(
                    "{}: one item (the document says explode; the API takes comma-joined lists)",
                    param.name
                ));
            }
            return Ok(chosen.into_iter().take(take).collect::<Vec<_>>().join(","));
        }
        let rules = StrRules {
            pattern: param
                .pattern
                .or_else(|| items.get("pattern").and_then(Value::as_str)),
            format: items.get("format").and_then(Value::as_str),
            min_length: param.min_length,
            max_length: param.max_length,
            example: items.get("example").and_then(Value::as_str),
        };
        let one = sample_string(param.name, &rules)?;
        let count = if explode {
            notes.push(format!(
                "{}: one item (the document says explode; the API takes comma-joined lists)",
                param.name
            ));
            1
        } else {
            2usize.max(param.min_items.unwrap_or(1)).min(max)
        };
        let mut out = Vec::with_capacity(count);
        for i in 0..count {
            let mut item = one.clone();
            if i > 0 && item.bytes().all(|b| b.is_ascii_digit()) {
                item.pop();
                item.push(char::from(b'0' + (i % 10) as u8));
            } else if i > 0 {
                item.push_str(&i.to_string());
            }
            out.push(item);
        }
        return Ok(out.join(","));
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
        .and_then(Value::as_str)
    {
        return Ok(first.to_owned());
    }
    // A list typed as a plain string in the document.
    if schema.get("type").and_then(Value::as_str) == Some("string") {
        if let Some(name) = enum_for_name(param.name) {
            if let Some(all) = spec.shared_enum_by_name(name) {
                notes.push(format!("{SHARED}{}={name}::ALL", param.name));
                return Ok(all.join(","));
            }
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") => Ok(sample_integer(
            param.name,
            param.min.or(num(schema, "minimum")),
            param.max.or(num(schema, "maximum")),
            schema.get("example").and_then(Value::as_i64),
        )
        .to_string()),
        Some("number") => Ok(sample_number(param.min, param.max).to_string()),
        Some("boolean") => Ok("true".to_owned()),
        _ => {
            let rules = StrRules {
                pattern: param
                    .pattern
                    .or_else(|| schema.get("pattern").and_then(Value::as_str)),
                format: schema.get("format").and_then(Value::as_str),
                min_length: param.min_length.or(size(schema, "minLength")),
                max_length: param.max_length.or(size(schema, "maxLength")),
                example: schema.get("example").and_then(Value::as_str),
            };
            sample_string(param.name, &rules)
        }
    }
}

/// Sets `value` at `pointer` (creating the last member).
fn set_pointer(target: &mut Value, pointer: &str, value: Value) -> Result<(), String> {
    let (parent, key) = pointer
        .rsplit_once('/')
        .ok_or_else(|| format!("bad pointer {pointer}"))?;
    let slot = target
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .ok_or_else(|| format!("no object at {parent}"))?;
    slot.insert(key.to_owned(), value);
    Ok(())
}

/// The sample request for `op`.
fn sample_request(
    spec: &Spec,
    op: &'static Operation,
) -> Result<(RequestParts, Vec<String>), String> {
    let mut notes = Vec::new();
    let mut parts = RequestParts::new(op);
    let doc_params = spec.params(op);
    for param in op.params {
        let doc_param = doc_params
            .get(&(param.name.to_owned(), param.location.as_str().to_owned()))
            .copied();
        if doc_param.is_none() {
            notes.push(format!("{}: not in the document", param.name));
        }
        let value = param_value(spec, param, doc_param, &mut notes)
            .map_err(|e| format!("{}: {e}", param.name))?;
        match param.location {
            ParamLocation::Path => parts.set_path(param.name, value),
            ParamLocation::Query => parts.set_query(param.name, value),
            _ => notes.push(format!(
                "{}: {} parameter not set",
                param.name, param.location
            )),
        }
    }
    if let Some(schema) = spec.body_schema(op) {
        let mut body = sample_value(spec, schema, "body", 0).map_err(|e| format!("body: {e}"))?;
        for (id, pointer, value, _reason) in BODY_ADJUSTMENTS {
            if *id == op.id {
                let value: Value = serde_json::from_str(value)
                    .map_err(|e| format!("adjustment {pointer}: {e}"))?;
                set_pointer(&mut body, pointer, value)?;
                notes.push(format!("body{pointer} adjusted"));
            }
        }
        parts.body = Some(serde_json::to_vec(&body).map_err(|e| e.to_string())?);
    }
    Ok((parts, notes))
}

/// Prism's violations from a `sl-violations` header: (request, response).
fn violations(headers: &reqwest::header::HeaderMap) -> (Vec<String>, Vec<String>) {
    let mut request = Vec::new();
    let mut response = Vec::new();
    for value in headers.get_all("sl-violations") {
        let text = String::from_utf8_lossy(value.as_bytes());
        let Ok(Value::Array(list)) = serde_json::from_str::<Value>(&text) else {
            request.push(format!("unreadable sl-violations header: {text}"));
            continue;
        };
        for v in list {
            let location: Vec<String> = v
                .get("location")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let message = v
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_owned();
            if location.first().map(String::as_str) == Some("request") {
                request.push(message);
            } else {
                response.push(message);
            }
        }
    }
    (request, response)
}

struct Outcome {
    id: &'static str,
    request: Result<(), String>,
    decoded: Result<(), String>,
    notes: Vec<String>,
    response_violations: usize,
}

async fn exercise(
    clients: &(xapi::Client, xapi::Client),
    spec: &Spec,
    op: &'static Operation,
) -> Outcome {
    let mut outcome = Outcome {
        id: op.id,
        request: Err("not sent".into()),
        decoded: Err("not sent".into()),
        notes: Vec::new(),
        response_violations: 0,
    };
    let parts = match sample_request(spec, op) {
        Ok((parts, notes)) => {
            outcome.notes = notes;
            parts
        }
        Err(e) => {
            outcome.request = Err(format!("cannot synthesise a request: {e}"));
            return outcome;
        }
    };
    let client = if STATIC_RESPONSES.iter().any(|(id, _)| *id == op.id) {
        outcome.notes.push("static response".into());
        &clients.1
    } else {
        &clients.0
    };
    match client.send_operation::<Value>(op, parts).await {
        Ok(response) => {
            let (req, resp) = violations(response.headers());
            outcome.response_violations = resp.len();
            outcome.request = if req.is_empty() {
                Ok(())
            } else {
                Err(format!("Prism: {}", req.join("; ")))
            };
            outcome.decoded = match serde_json::to_vec(response.body()) {
                Err(e) => Err(format!("cannot re-serialise: {e}")),
                Ok(bytes) => match xapi_generated::ops::reencode_success(op.id, &bytes) {
                    None => Err("no decoder for this operation".into()),
                    Some(Err(failure)) => Err(format!("decode: {failure}")),
                    Some(Ok(back)) => {
                        xapi_generated::runtime::json_equivalent(response.body(), &back)
                            .map_err(|(path, why)| format!("round trip: {path}: {why}"))
                    }
                },
            };
            if outcome.decoded.is_err() && !resp.is_empty() {
                outcome.notes.push(format!(
                    "Prism's response broke the document: {}",
                    resp.join("; ")
                ));
            }
        }
        Err(xapi::Error::Api(api)) => {
            let (req, _) = violations(&api.headers);
            let body = String::from_utf8_lossy(&api.body);
            let body: String = body.chars().take(200).collect();
            outcome.request = Err(if req.is_empty() {
                format!("status {} without violations: {body}", api.status)
            } else {
                format!("status {}: Prism: {}", api.status, req.join("; "))
            });
            outcome.decoded = Err(format!("no success body (status {})", api.status));
        }
        Err(other) => {
            outcome.request = Err(format!("not sent: {other}"));
            outcome.decoded = Err("no response".into());
        }
    }
    outcome
}

/// Sends the [`PROBES`]; false when Prism let one through.
async fn probe(client: &xapi::Client) -> bool {
    let mut all_flagged = true;
    for (label, id, path, query, body) in PROBES {
        let op = xapi_generated::ops::find(id).expect("probe operation exists");
        let mut parts = RequestParts::new(op);
        for (k, v) in *path {
            parts.set_path(k, (*v).to_owned());
        }
        for (k, v) in *query {
            parts.set_query(k, (*v).to_owned());
        }
        parts.body = body.map(|b| b.as_bytes().to_vec());
        let verdict = match client.send_operation::<Value>(op, parts).await {
            Err(xapi::Error::InvalidRequest { rule, .. }) => {
                format!("refused by our validation ({rule})")
            }
            Err(xapi::Error::Api(api)) if !violations(&api.headers).0.is_empty() => format!(
                "GAP: our validation let it through; Prism: {}",
                violations(&api.headers).0.join("; ")
            ),
            Ok(r) if !violations(r.headers()).0.is_empty() => format!(
                "GAP: our validation let it through; Prism: {}",
                violations(r.headers()).0.join("; ")
            ),
            other => {
                all_flagged = false;
                format!(
                    "NOT FLAGGED by Prism (status {:?})",
                    other.as_ref().map(|r| r.status()).map_err(|e| e.status())
                )
            }
        };
        println!("probe {id} ({label}): {verdict}");
    }
    all_flagged
}

/// The top-level breakages of `body` that `shape` names: `(label, body)`.
fn broken_bodies(shape: &Shape, body: &Value) -> Vec<(String, Value)> {
    let mut out = vec![("an array for the object".to_owned(), json!([]))];
    let props = match shape {
        Shape::Object(props) => *props,
        Shape::AllOf(parts) => parts
            .iter()
            .find_map(|p| match p {
                Shape::Object(props) => Some(*props),
                _ => None,
            })
            .unwrap_or(&[]),
        _ => &[],
    };
    let Value::Object(map) = body else {
        return out;
    };
    for prop in props {
        if prop.required && map.contains_key(prop.name) {
            let mut b = map.clone();
            b.remove(prop.name);
            out.push((format!("{} removed", prop.name), Value::Object(b)));
        }
        if matches!(prop.shape, Shape::String { .. }) && map.contains_key(prop.name) {
            let mut b = map.clone();
            b.insert(prop.name.to_owned(), json!(5));
            out.push((format!("{} given a number", prop.name), Value::Object(b)));
        }
    }
    out
}

/// Breaks every operation's sample body ([`broken_bodies`]); each broken
/// body must be refused by `xapi::validate` and flagged by Prism. Returns
/// how many were checked and the disagreements.
async fn body_refusals(spec: &Spec, base: &str) -> (usize, Vec<String>) {
    xapi::tls::ensure_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("HTTP client");
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for op in OPERATIONS.iter().filter(|o| !o.is_streaming()) {
        let Some(shape) = op.body.map(|b| b.shape) else {
            continue;
        };
        let parts = match sample_request(spec, op) {
            Ok((parts, _)) => parts,
            Err(e) => {
                disagreements.push(format!("{}: cannot synthesise a request: {e}", op.id));
                continue;
            }
        };
        let sample: Value = parts
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        for (label, body) in broken_bodies(&shape, &sample) {
            checked += 1;
            let mut broken = parts.clone();
            broken.body = Some(serde_json::to_vec(&body).expect("JSON"));
            let ours = xapi::validate::check(op, &broken);
            let path = broken
                .fill_path(op.path)
                .expect("the sample fills the path");
            let mut url = reqwest::Url::parse(&format!("{base}{path}")).expect("URL");
            for (k, v) in &broken.query {
                url.query_pairs_mut().append_pair(k, v);
            }
            let method = reqwest::Method::from(op.method);
            let answer = http
                .request(method, url)
                .bearer_auth("prism-conformance")
                .header("content-type", "application/json")
                .body(broken.body.clone().unwrap_or_default())
                .send()
                .await;
            let prism = match &answer {
                Ok(r) => violations(r.headers()).0,
                Err(e) => vec![format!("not sent: {e}")],
            };
            match (ours, prism.is_empty()) {
                (Err(_), false) => {}
                (Ok(()), _) => disagreements.push(format!(
                    "{} ({label}): our validation let it through",
                    op.id
                )),
                (Err(v), true) => disagreements.push(format!(
                    "{} ({label}): we refuse it ({}: {}) but Prism does not",
                    op.id, v.parameter, v.rule
                )),
            }
        }
    }
    (checked, disagreements)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_conforms_to_the_document() {
    let Some(base) = std::env::var("PRISM_URL").ok().filter(|u| !u.is_empty()) else {
        println!("skipped: PRISM_URL not set");
        return;
    };
    let host = base
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    assert!(
        matches!(host, "127.0.0.1" | "localhost" | "[::1]"),
        "PRISM_URL must point at loopback, not {base}"
    );
    let path = spec_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the API document {}: {e}", path.display()));
    let spec = Spec {
        doc: serde_json::from_str(&text).expect("the API document is JSON"),
        enums: shared_enums(),
    };
    let client = |prefer: Option<&'static str>| {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(prefer) = prefer {
            headers.insert("prefer", reqwest::header::HeaderValue::from_static(prefer));
        }
        xapi::tls::ensure_provider();
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        xapi::Client::builder()
            .bearer_token("prism-conformance")
            .base_url(base.clone())
            .http_client(http)
            .build()
            .expect("client")
    };
    let clients = (client(None), client(Some("dynamic=false")));
    let started = std::time::Instant::now();
    let probes_ok = probe(&clients.0).await;
    let ops: Vec<&'static Operation> = OPERATIONS.iter().filter(|o| !o.is_streaming()).collect();
    let mut outcomes: Vec<Outcome> = stream::iter(ops.iter().copied())
        .map(|op| exercise(&clients, &spec, op))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    outcomes.sort_by_key(|o| o.id);

    let mut response_violations = 0;
    let mut shared = 0;
    for o in &outcomes {
        response_violations += o.response_violations;
        let verdict = |r: &Result<(), String>| if r.is_ok() { "ok" } else { "FAIL" };
        let mut line = format!(
            "{:<48} request {:<4} decode {:<4}",
            o.id,
            verdict(&o.request),
            verdict(&o.decoded)
        );
        if let Err(e) = &o.request {
            line.push_str(&format!(" | request: {e}"));
        }
        if let Err(e) = &o.decoded {
            line.push_str(&format!(" | decode: {e}"));
        }
        shared += o.notes.iter().filter(|n| n.starts_with(SHARED)).count();
        let notes: Vec<&str> = o
            .notes
            .iter()
            .filter(|n| !n.starts_with(SHARED))
            .map(String::as_str)
            .collect();
        if !notes.is_empty() {
            line.push_str(&format!(" | {}", notes.join("; ")));
        }
        println!("{line}");
    }
    for (id, pointer, _, reason) in BODY_ADJUSTMENTS {
        println!("adjustment {id} body{pointer}: {reason}");
    }
    for (id, reason) in STATIC_RESPONSES {
        println!("adjustment {id} static response: {reason}");
    }
    println!("{shared} list parameters sent with a shared enum's ALL");
    println!(
        "{} operations in {:.1}s; Prism's generated responses broke the document {} time(s)",
        outcomes.len(),
        started.elapsed().as_secs_f64(),
        response_violations
    );
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let request_ok = count(|o| o.request.is_ok());
    let decoded_ok = count(|o| o.decoded.is_ok());
    println!(
        "request-valid: {} passed, {} failed",
        request_ok,
        outcomes.len() - request_ok
    );
    println!(
        "response-decoded: {} passed, {} failed",
        decoded_ok,
        outcomes.len() - decoded_ok
    );
    let (checked, disagreements) = body_refusals(&spec, &base).await;
    for d in &disagreements {
        println!("body refusal: {d}");
    }
    println!(
        "body refusals: {checked} broken bodies, {} agreed with Prism, {} did not",
        checked - disagreements.len(),
        disagreements.len()
    );
    assert!(
        probes_ok,
        "Prism let a known-invalid request through: the request check is blind"
    );
    assert!(
        checked > 37 && disagreements.is_empty(),
        "body refusals: {checked} checked, disagreements:\n{}",
        disagreements.join("\n")
    );
    assert_eq!(
        outcomes.len(),
        EXPECTED_OPERATIONS,
        "the table's non-streaming operations changed"
    );
    assert_eq!(request_ok, EXPECTED_OPERATIONS, "requests Prism refused");
    assert_eq!(
        decoded_ok, EXPECTED_OPERATIONS,
        "responses we failed to decode"
    );
}
