//! `cargo xtask drift OLD NEW`: the changes between two versions of the API
//! document, seen from a caller of the generated crate.
//!
//! The comparison follows the operations, not the component names: operations
//! are paired by path and method (then by path template, then by operation id),
//! and their parameters, request bodies and responses are compared schema by
//! schema. Where both documents refer to a named schema at the same place, the
//! two components are paired (even when the name changed) and compared once.
//! A property, parameter or enum value that disappears while another appears
//! whose name differs only by the word map (`tweet` → `post`, `retweet` →
//! `repost`, …) is reported as a rename, not as a removal and an addition.
//!
//! Every change is classified as breaking or additive; the report's header
//! explains what that means for this crate (see [`BREAKING_MEANS`]).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Arguments of `cargo xtask drift`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The older API document.
    pub old: PathBuf,
    /// The newer API document.
    pub new: PathBuf,
    /// Output format: text, markdown, json, or renames (a draft of
    /// `spec/renames.toml`). Default: text, or markdown with `--check`.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Compare the rendered report with FILE instead of printing it: exit 0
    /// when identical, else print a diff and fail. Breaking changes do not
    /// fail the run in this mode.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// An extra word pair for rename pairing, as OLD=NEW (repeatable), added
    /// to the built-in tweet→post, retweet→repost, … map.
    #[arg(long = "word", value_name = "OLD=NEW")]
    pub words: Vec<String>,
}

/// Output formats of the report.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One line per change.
    Text,
    /// The commit-ready report.
    Markdown,
    /// Machine-readable.
    Json,
    /// A draft of `spec/renames.toml`, to be reviewed by hand.
    Renames,
}

/// Runs the command. `Ok(false)` means breaking changes (or, with `--check`,
/// a stale report).
pub fn run(args: &Args) -> Result<bool> {
    let old = read(&args.old)?;
    let new = read(&args.new)?;
    let words = Words::with_extra(&args.words)?;
    let report = compare(&old, &new, &words);
    let format = args.format.unwrap_or(if args.check.is_some() {
        Format::Markdown
    } else {
        Format::Text
    });
    let text = render(&report, format)?;
    if let Some(path) = &args.check {
        let current = std::fs::read_to_string(path).unwrap_or_default();
        if current == text {
            eprintln!(
                "{} is up to date ({} breaking, {} additive changes)",
                path.display(),
                report.count(Severity::Breaking),
                report.count(Severity::Additive)
            );
            return Ok(true);
        }
        let shown = path.display().to_string();
        let diff = similar::TextDiff::from_lines(&current, &text);
        print!(
            "{}",
            diff.unified_diff()
                .context_radius(3)
                .header(&format!("a/{shown}"), &format!("b/{shown}"))
        );
        eprintln!(
            "{shown} is stale: regenerate it with `cargo xtask drift {} {} --format {} > {shown}`",
            args.old.display(),
            args.new.display(),
            format_name(format)
        );
        return Ok(false);
    }
    print!("{text}");
    Ok(report.count(Severity::Breaking) == 0)
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Text => "text",
        Format::Markdown => "markdown",
        Format::Json => "json",
        Format::Renames => "renames",
    }
}

fn read(path: &std::path::Path) -> Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the API document {}", path.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    if value.get("paths").and_then(Value::as_object).is_none() {
        bail!("{} is not an OpenAPI document (no paths)", path.display());
    }
    Ok(value)
}

/// What "breaking" means in this crate; the report's header.
pub const BREAKING_MEANS: &str = "\
Every response property of the generated models is an `Option`, unknown \
properties are kept in an `extra` map and enums keep unlisted values as \
`Unknown(..)`, so no change here makes a body fail to decode. \"Breaking\" \
therefore means: code written against the crate generated from the older \
document stops compiling when the crate is regenerated from the newer one (a \
type, field, builder method, parameter or enum variant it names is gone or \
has another name or type, or a request needs a new required value), or the \
older crate quietly stops seeing data (a value it reads comes back `None` or \
`Unknown`, because the newer document moved it under another name), or the \
requests the older crate sends use a path, parameter or value the newer \
document no longer lists. Everything else is \"additive\": new operations, \
optional parameters and properties, enum values (they decode as `Unknown` \
until regenerated), and `required` flags on response properties, which only \
change documentation here. Renamed path parameters are additive: they are \
positional arguments and the URL does not change.";

// ---------------------------------------------------------------------------
// The report

/// Whether a change breaks callers (see [`BREAKING_MEANS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Breaks callers.
    Breaking,
    /// Does not.
    Additive,
}

/// Where a change is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// An operation, or something inline in one.
    Operation,
    /// A shared parameter (`components/parameters`).
    Parameter,
    /// A shared schema (`components/schemas`).
    Schema,
}

/// The kind of a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    OperationRemoved,
    OperationAdded,
    OperationIdChanged,
    OperationMoved,
    ParameterRemoved,
    ParameterAdded,
    ParameterRenamed,
    ParameterMoved,
    ParameterNowRequired,
    ParameterNowOptional,
    RequestBodyRemoved,
    RequestBodyAdded,
    RequestBodyNowRequired,
    RequestBodyNowOptional,
    ResponseRemoved,
    ResponseAdded,
    MediaTypeRemoved,
    MediaTypeAdded,
    SchemaRenamed,
    PropertyRemoved,
    PropertyAdded,
    PropertyRenamed,
    PropertyNowRequired,
    PropertyNowOptional,
    TypeChanged,
    EnumValueRemoved,
    EnumValueAdded,
    EnumValueRenamed,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: &'static [Kind] = &[
        Kind::OperationRemoved,
        Kind::OperationAdded,
        Kind::OperationIdChanged,
        Kind::OperationMoved,
        Kind::ParameterRemoved,
        Kind::ParameterAdded,
        Kind::ParameterRenamed,
        Kind::ParameterMoved,
        Kind::ParameterNowRequired,
        Kind::ParameterNowOptional,
        Kind::RequestBodyRemoved,
        Kind::RequestBodyAdded,
        Kind::RequestBodyNowRequired,
        Kind::RequestBodyNowOptional,
        Kind::ResponseRemoved,
        Kind::ResponseAdded,
        Kind::MediaTypeRemoved,
        Kind::MediaTypeAdded,
        Kind::SchemaRenamed,
        Kind::PropertyRemoved,
        Kind::PropertyAdded,
        Kind::PropertyRenamed,
        Kind::PropertyNowRequired,
        Kind::PropertyNowOptional,
        Kind::TypeChanged,
        Kind::EnumValueRemoved,
        Kind::EnumValueAdded,
        Kind::EnumValueRenamed,
    ];

    /// Words for the report.
    pub fn label(self) -> &'static str {
        match self {
            Kind::OperationRemoved => "operation removed",
            Kind::OperationAdded => "operation added",
            Kind::OperationIdChanged => "operationId changed",
            Kind::OperationMoved => "path changed",
            Kind::ParameterRemoved => "parameter removed",
            Kind::ParameterAdded => "parameter added",
            Kind::ParameterRenamed => "parameter renamed",
            Kind::ParameterMoved => "parameter location changed",
            Kind::ParameterNowRequired => "parameter now required",
            Kind::ParameterNowOptional => "parameter now optional",
            Kind::RequestBodyRemoved => "request body removed",
            Kind::RequestBodyAdded => "request body added",
            Kind::RequestBodyNowRequired => "request body now required",
            Kind::RequestBodyNowOptional => "request body now optional",
            Kind::ResponseRemoved => "response removed",
            Kind::ResponseAdded => "response added",
            Kind::MediaTypeRemoved => "media type removed",
            Kind::MediaTypeAdded => "media type added",
            Kind::SchemaRenamed => "schema renamed",
            Kind::PropertyRemoved => "property removed",
            Kind::PropertyAdded => "property added",
            Kind::PropertyRenamed => "property renamed",
            Kind::PropertyNowRequired => "property now required",
            Kind::PropertyNowOptional => "property now optional",
            Kind::TypeChanged => "type changed",
            Kind::EnumValueRemoved => "enum value removed",
            Kind::EnumValueAdded => "enum value added",
            Kind::EnumValueRenamed => "enum value renamed",
        }
    }

    fn is_rename(self) -> bool {
        matches!(
            self,
            Kind::OperationIdChanged
                | Kind::ParameterRenamed
                | Kind::SchemaRenamed
                | Kind::PropertyRenamed
                | Kind::EnumValueRenamed
        )
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Change {
    /// Operation, shared parameter or shared schema.
    pub section: Section,
    /// `GET /2/tweets/{id}`, a parameter component, or a schema (`Old → New`
    /// when the component was renamed).
    pub location: String,
    /// Within an operation: `request`, `response 200`, `parameter tweet.fields`…
    #[serde(skip_serializing_if = "String::is_empty")]
    pub context: String,
    /// JSON path inside the schema (`[]` an array item, `*` a map value), in
    /// the older document's names.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// What changed.
    pub kind: Kind,
    /// Breaking or additive.
    pub severity: Severity,
    /// The older name, value or type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The newer name, value or type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
}

/// A property rename seen in a response schema, for the renames draft.
#[derive(Clone, Debug, Default)]
struct RenameUse {
    /// Objects (`Component.path`) where it was seen.
    scopes: BTreeSet<String>,
}

/// The whole comparison.
#[derive(Debug)]
pub struct Report {
    /// `info.version` of the older document.
    pub old_version: String,
    /// `info.version` of the newer document.
    pub new_version: String,
    /// Operation counts (older, newer).
    pub operations: (usize, usize),
    /// Every change, sorted, without duplicates.
    pub changes: Vec<Change>,
    /// Response property renames: (old, new) → where.
    renames: BTreeMap<(String, String), RenameUse>,
    /// Response property names seen unchanged somewhere.
    kept: BTreeSet<String>,
}

impl Report {
    /// Number of changes of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == severity)
            .count()
    }

    fn count_kind(&self, kind: Kind, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.kind == kind && c.severity == severity)
            .count()
    }
}

// ---------------------------------------------------------------------------
// Rename pairing

/// The word map used to pair renames.
#[derive(Clone, Debug)]
pub struct Words {
    map: BTreeMap<String, String>,
}

/// Word pairs every comparison uses.
pub const DEFAULT_WORDS: &[(&str, &str)] = &[
    ("tweet", "post"),
    ("tweets", "posts"),
    ("tweeted", "posted"),
    ("retweet", "repost"),
    ("retweets", "reposts"),
    ("retweeted", "reposted"),
];

impl Default for Words {
    fn default() -> Self {
        Words {
            map: DEFAULT_WORDS
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }
}

impl Words {
    /// The default map plus `OLD=NEW` pairs.
    pub fn with_extra(extra: &[String]) -> Result<Self> {
        let mut words = Words::default();
        for pair in extra {
            let Some((a, b)) = pair.split_once('=') else {
                bail!("--word wants OLD=NEW, got {pair:?}");
            };
            let (a, b) = (a.trim(), b.trim());
            if a.is_empty() || b.is_empty() || !a.chars().all(char::is_alphanumeric) {
                bail!("--word wants two words as OLD=NEW, got {pair:?}");
            }
            words.map.insert(a.to_lowercase(), b.to_owned());
        }
        Ok(words)
    }

    /// `name` with every mapped word replaced (words are runs of letters and
    /// digits; case is kept for capitalised and upper-case words).
    pub fn translate(&self, name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if word.is_empty() {
                return;
            }
            match self.map.get(&word.to_lowercase()) {
                Some(to) => {
                    let mut chars = word.chars();
                    let first_upper = chars.next().is_some_and(char::is_uppercase);
                    let all_upper = word.chars().all(|c| !c.is_lowercase());
                    if all_upper && word.chars().count() > 1 {
                        out.push_str(&to.to_uppercase());
                    } else if first_upper {
                        let mut t = to.chars();
                        if let Some(f) = t.next() {
                            out.extend(f.to_uppercase());
                            out.push_str(t.as_str());
                        }
                    } else {
                        out.push_str(to);
                    }
                }
                None => out.push_str(word),
            }
            word.clear();
        };
        for c in name.chars() {
            if c.is_alphanumeric() {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    /// Pairs names that disappeared with names that appeared when the word
    /// map turns one into the other. Returns the pairs, sorted.
    pub fn pair(&self, removed: &[String], added: &[String]) -> Vec<(String, String)> {
        let added: BTreeSet<&String> = added.iter().collect();
        let mut used = BTreeSet::new();
        let mut out = Vec::new();
        let mut removed: Vec<&String> = removed.iter().collect();
        removed.sort();
        for r in removed {
            let t = self.translate(r);
            if t != *r && added.contains(&t) && used.insert(t.clone()) {
                out.push((r.clone(), t));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------
// Documents

#[derive(Clone, Copy)]
struct Doc<'a> {
    root: &'a Value,
}

const SCHEMA_PREFIX: &str = "#/components/schemas/";
const PARAM_PREFIX: &str = "#/components/parameters/";
const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

impl<'a> Doc<'a> {
    fn version(&self) -> String {
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
    fn deref(&self, mut v: &'a Value) -> &'a Value {
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
    fn unwrap(&self, v: &'a Value) -> &'a Value {
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

    fn schema(&self, name: &str) -> Option<&'a Value> {
        self.root
            .pointer("/components/schemas")
            .and_then(|s| s.get(name))
    }

    fn parameter(&self, name: &str) -> Option<&'a Value> {
        self.root
            .pointer("/components/parameters")
            .and_then(|s| s.get(name))
    }

    /// Operations by (path, method).
    fn operations(&self) -> BTreeMap<(String, String), Operation<'a>> {
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
    fn parameters(&self, op: &Operation<'a>) -> BTreeMap<(String, String), Param<'a>> {
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

fn schema_ref(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(SCHEMA_PREFIX))
        .map(unescape)
}

struct Operation<'a> {
    item: &'a Value,
    op: &'a Value,
    id: String,
}

struct Param<'a> {
    component: Option<String>,
    value: &'a Value,
}

fn required(v: &Value) -> bool {
    v.get("required").and_then(Value::as_bool).unwrap_or(false)
}

/// The shape of a schema, as far as the generated types are concerned.
enum Shape<'a> {
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
    fn describe(&self) -> String {
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

    fn shape(&self, schema: &'a Value) -> Shape<'a> {
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

// ---------------------------------------------------------------------------
// The comparison

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dir {
    Request,
    Response,
}

#[derive(Clone)]
struct At {
    section: Section,
    location: String,
    context: String,
}

/// A change without its severity: (section, location, context, path, kind, old, new).
type ChangeKey = (
    Section,
    String,
    String,
    String,
    Kind,
    Option<String>,
    Option<String>,
);

/// (path, method).
type OpKey = (String, String);

struct Differ<'a, 'w> {
    old: Doc<'a>,
    new: Doc<'a>,
    words: &'w Words,
    changes: BTreeMap<ChangeKey, Severity>,
    schema_queue: VecDeque<(String, String, Dir)>,
    schema_seen: BTreeSet<(String, String, Dir)>,
    param_seen: BTreeSet<(String, String)>,
    renames: BTreeMap<(String, String), RenameUse>,
    kept: BTreeSet<String>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn pair_location(old: &str, new: &str) -> String {
    if old == new {
        old.to_owned()
    } else {
        format!("{old} → {new}")
    }
}

/// Path templates with the parameter names blanked: `/2/a/{}/b`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect()
}

/// Compares two documents.
pub fn compare(old: &Value, new: &Value, words: &Words) -> Report {
    let mut d = Differ {
        old: Doc { root: old },
        new: Doc { root: new },
        words,
        changes: BTreeMap::new(),
        schema_queue: VecDeque::new(),
        schema_seen: BTreeSet::new(),
        param_seen: BTreeSet::new(),
        renames: BTreeMap::new(),
        kept: BTreeSet::new(),
    };
    let old_ops = d.old.operations();
    let new_ops = d.new.operations();
    d.operations(&old_ops, &new_ops);
    while let Some((o, n, dir)) = d.schema_queue.pop_front() {
        let (Some(os), Some(ns)) = (d.old.schema(&o), d.new.schema(&n)) else {
            continue;
        };
        let at = At {
            section: Section::Schema,
            location: pair_location(&o, &n),
            context: String::new(),
        };
        let scope = o.clone();
        d.compare_inline(&at, &scope, "", dir, os, ns, 0);
    }
    let mut changes: Vec<Change> = d
        .changes
        .into_iter()
        .map(
            |((section, location, context, path, kind, old, new), severity)| Change {
                section,
                location,
                context,
                path,
                kind,
                severity,
                old,
                new,
            },
        )
        .collect();
    changes.sort();
    Report {
        old_version: Doc { root: old }.version(),
        new_version: Doc { root: new }.version(),
        operations: (old_ops.len(), new_ops.len()),
        changes,
        renames: d.renames,
        kept: d.kept,
    }
}

impl<'a> Differ<'a, '_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        at: &At,
        path: &str,
        kind: Kind,
        severity: Severity,
        old: Option<&str>,
        new: Option<&str>,
    ) {
        let key = (
            at.section,
            at.location.clone(),
            at.context.clone(),
            path.to_owned(),
            kind,
            old.map(str::to_owned),
            new.map(str::to_owned),
        );
        let entry = self.changes.entry(key).or_insert(severity);
        if severity < *entry {
            *entry = severity;
        }
    }

    fn operations(
        &mut self,
        old_ops: &BTreeMap<(String, String), Operation<'a>>,
        new_ops: &BTreeMap<(String, String), Operation<'a>>,
    ) {
        let mut pairs: Vec<(&OpKey, &OpKey)> = Vec::new();
        let mut left_old: BTreeSet<&(String, String)> = BTreeSet::new();
        let mut left_new: BTreeSet<&(String, String)> = new_ops.keys().collect();
        for key in old_ops.keys() {
            if new_ops.contains_key(key) {
                pairs.push((key, key));
                left_new.remove(key);
            } else {
                left_old.insert(key);
            }
        }
        // Same method and path template (a path parameter renamed).
        for key in left_old.clone() {
            let candidates: Vec<&(String, String)> = left_new
                .iter()
                .copied()
                .filter(|k| k.1 == key.1 && template(&k.0) == template(&key.0))
                .collect();
            if let [only] = candidates[..] {
                pairs.push((key, only));
                left_old.remove(key);
                left_new.remove(only);
            }
        }
        // Same operationId elsewhere.
        for key in left_old.clone() {
            let id = &old_ops[key].id;
            if id.is_empty() {
                continue;
            }
            let candidates: Vec<&(String, String)> = left_new
                .iter()
                .copied()
                .filter(|k| new_ops[*k].id == *id)
                .collect();
            if let [only] = candidates[..] {
                pairs.push((key, only));
                left_old.remove(key);
                left_new.remove(only);
            }
        }
        for key in &left_old {
            let at = op_at(key);
            let id = old_ops[*key].id.clone();
            self.push(
                &at,
                "",
                Kind::OperationRemoved,
                Severity::Breaking,
                Some(&id),
                None,
            );
        }
        for key in &left_new {
            let at = op_at(key);
            let id = new_ops[*key].id.clone();
            self.push(
                &at,
                "",
                Kind::OperationAdded,
                Severity::Additive,
                None,
                Some(&id),
            );
        }
        pairs.sort();
        for (ok, nk) in pairs {
            self.operation(ok, &old_ops[ok], nk, &new_ops[nk]);
        }
    }

    fn operation(
        &mut self,
        ok: &(String, String),
        o: &Operation<'a>,
        nk: &(String, String),
        n: &Operation<'a>,
    ) {
        let at = op_at(ok);
        if o.id != n.id {
            self.push(
                &at,
                "",
                Kind::OperationIdChanged,
                Severity::Breaking,
                Some(&o.id),
                Some(&n.id),
            );
        }
        if ok.0 != nk.0 {
            // Only a path parameter's name changed: the URLs are the same.
            let sev = if template(&ok.0) == template(&nk.0) {
                Severity::Additive
            } else {
                Severity::Breaking
            };
            self.push(&at, "", Kind::OperationMoved, sev, Some(&ok.0), Some(&nk.0));
        }
        self.op_parameters(&at, ok, o, nk, n);
        self.request_body(&at, o, n);
        self.responses(&at, o, n);
    }

    fn op_parameters(
        &mut self,
        at: &At,
        ok: &(String, String),
        o: &Operation<'a>,
        nk: &(String, String),
        n: &Operation<'a>,
    ) {
        let op_params = self.old.parameters(o);
        let np_params = self.new.parameters(n);
        let mut pairs: Vec<((String, String), (String, String))> = Vec::new();
        let removed: Vec<(String, String)> = op_params
            .keys()
            .filter(|k| !np_params.contains_key(*k))
            .cloned()
            .collect();
        let added: Vec<(String, String)> = np_params
            .keys()
            .filter(|k| !op_params.contains_key(*k))
            .cloned()
            .collect();
        for k in op_params.keys().filter(|k| np_params.contains_key(*k)) {
            pairs.push((k.clone(), k.clone()));
        }
        let mut paired_old = BTreeSet::new();
        let mut paired_new = BTreeSet::new();
        // Path parameters of a moved path pair by position.
        if ok.0 != nk.0 && template(&ok.0) == template(&nk.0) {
            for (a, b) in path_params(&ok.0).into_iter().zip(path_params(&nk.0)) {
                let (ka, kb) = (("path".to_owned(), a), ("path".to_owned(), b));
                if ka != kb && removed.contains(&ka) && added.contains(&kb) {
                    paired_old.insert(ka.clone());
                    paired_new.insert(kb.clone());
                    pairs.push((ka, kb));
                }
            }
        }
        // Word-map renames within the same location.
        let places: BTreeSet<&String> = removed.iter().map(|k| &k.0).collect();
        for place in places {
            let r: Vec<String> = removed
                .iter()
                .filter(|k| k.0 == *place && !paired_old.contains(*k))
                .map(|k| k.1.clone())
                .collect();
            let a: Vec<String> = added
                .iter()
                .filter(|k| k.0 == *place && !paired_new.contains(*k))
                .map(|k| k.1.clone())
                .collect();
            for (x, y) in self.words.pair(&r, &a) {
                let (kx, ky) = ((place.clone(), x), (place.clone(), y));
                paired_old.insert(kx.clone());
                paired_new.insert(ky.clone());
                pairs.push((kx, ky));
            }
        }
        for k in removed.iter().filter(|k| !paired_old.contains(*k)) {
            self.push(
                at,
                "",
                Kind::ParameterRemoved,
                Severity::Breaking,
                Some(&format!("{} ({})", k.1, k.0)),
                None,
            );
        }
        for k in added.iter().filter(|k| !paired_new.contains(*k)) {
            let sev = if required(np_params[k].value) {
                Severity::Breaking
            } else {
                Severity::Additive
            };
            let shown = format!(
                "{} ({}{})",
                k.1,
                k.0,
                if required(np_params[k].value) {
                    ", required"
                } else {
                    ""
                }
            );
            self.push(at, "", Kind::ParameterAdded, sev, None, Some(&shown));
        }
        pairs.sort();
        for (kx, ky) in pairs {
            let (p, q) = (&op_params[&kx], &np_params[&ky]);
            match (&p.component, &q.component) {
                (Some(pc), Some(qc)) => {
                    // Compared (and any rename reported) once, under the
                    // shared parameter.
                    self.shared_parameter(pc, qc);
                }
                _ => {
                    let inner = At {
                        context: format!("parameter {}", kx.1),
                        ..at.clone()
                    };
                    self.parameter_body(at, &inner, p.value, q.value);
                }
            }
        }
    }

    fn shared_parameter(&mut self, oc: &str, nc: &str) {
        if !self.param_seen.insert((oc.to_owned(), nc.to_owned())) {
            return;
        }
        let (Some(p), Some(q)) = (self.old.parameter(oc), self.new.parameter(nc)) else {
            return;
        };
        let (p, q) = (self.old.deref(p), self.new.deref(q));
        let at = At {
            section: Section::Parameter,
            location: pair_location(oc, nc),
            context: String::new(),
        };
        self.parameter_body(&at, &at, p, q);
    }

    /// Compares one parameter's name, place, required flag and schema.
    /// `at` receives name changes, `inner` the schema changes.
    fn parameter_body(&mut self, at: &At, inner: &At, p: &'a Value, q: &'a Value) {
        let name = |v: &Value| {
            v.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let place = |v: &Value| v.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
        let (pn, qn) = (name(p), name(q));
        let (pp, qp) = (place(p), place(q));
        if pn != qn {
            let sev = if pp == "path" && qp == "path" {
                Severity::Additive
            } else {
                Severity::Breaking
            };
            self.push(at, "", Kind::ParameterRenamed, sev, Some(&pn), Some(&qn));
        }
        if pp != qp {
            self.push(
                at,
                "",
                Kind::ParameterMoved,
                Severity::Breaking,
                Some(&format!("{pn} ({pp})")),
                Some(&format!("{qn} ({qp})")),
            );
        }
        match (required(p), required(q)) {
            (false, true) => self.push(
                inner,
                "",
                Kind::ParameterNowRequired,
                Severity::Breaking,
                Some(&pn),
                None,
            ),
            (true, false) => self.push(
                inner,
                "",
                Kind::ParameterNowOptional,
                Severity::Additive,
                Some(&pn),
                None,
            ),
            _ => {}
        }
        if let (Some(ps), Some(qs)) = (p.get("schema"), q.get("schema")) {
            self.compare_schema(inner, "", "", Dir::Request, ps, qs, 0);
        }
    }

    fn request_body(&mut self, at: &At, o: &Operation<'a>, n: &Operation<'a>) {
        let ob = o.op.get("requestBody").map(|b| self.old.deref(b));
        let nb = n.op.get("requestBody").map(|b| self.new.deref(b));
        let at = At {
            context: "request".to_owned(),
            ..at.clone()
        };
        match (ob, nb) {
            (None, None) => {}
            (Some(_), None) => {
                self.push(
                    &at,
                    "",
                    Kind::RequestBodyRemoved,
                    Severity::Breaking,
                    None,
                    None,
                );
            }
            (None, Some(b)) => {
                let sev = if required(b) {
                    Severity::Breaking
                } else {
                    Severity::Additive
                };
                self.push(&at, "", Kind::RequestBodyAdded, sev, None, None);
            }
            (Some(a), Some(b)) => {
                match (required(a), required(b)) {
                    (false, true) => self.push(
                        &at,
                        "",
                        Kind::RequestBodyNowRequired,
                        Severity::Breaking,
                        None,
                        None,
                    ),
                    (true, false) => self.push(
                        &at,
                        "",
                        Kind::RequestBodyNowOptional,
                        Severity::Additive,
                        None,
                        None,
                    ),
                    _ => {}
                }
                self.content(&at, Dir::Request, a, b);
            }
        }
    }

    fn responses(&mut self, at: &At, o: &Operation<'a>, n: &Operation<'a>) {
        let or = entries(o.op.get("responses"));
        let nr = entries(n.op.get("responses"));
        let codes: BTreeSet<&String> = or.keys().chain(nr.keys()).copied().collect();
        for code in codes {
            let at = At {
                context: format!("response {code}"),
                ..at.clone()
            };
            match (or.get(code), nr.get(code)) {
                (Some(_), None) => self.push(
                    &at,
                    "",
                    Kind::ResponseRemoved,
                    Severity::Breaking,
                    Some(code),
                    None,
                ),
                (None, Some(_)) => self.push(
                    &at,
                    "",
                    Kind::ResponseAdded,
                    Severity::Additive,
                    None,
                    Some(code),
                ),
                (Some(a), Some(b)) => {
                    let (a, b) = (self.old.deref(a), self.new.deref(b));
                    self.content(&at, Dir::Response, a, b);
                }
                (None, None) => {}
            }
        }
    }

    /// Compares the `content` maps of a request body or a response.
    fn content(&mut self, at: &At, dir: Dir, a: &'a Value, b: &'a Value) {
        let ac = entries(a.get("content"));
        let bc = entries(b.get("content"));
        let types: BTreeSet<&String> = ac.keys().chain(bc.keys()).copied().collect();
        for mt in types {
            match (ac.get(mt), bc.get(mt)) {
                (Some(_), None) => {
                    self.push(
                        at,
                        "",
                        Kind::MediaTypeRemoved,
                        Severity::Breaking,
                        Some(mt),
                        None,
                    );
                }
                (None, Some(_)) => {
                    self.push(
                        at,
                        "",
                        Kind::MediaTypeAdded,
                        Severity::Additive,
                        None,
                        Some(mt),
                    );
                }
                (Some(x), Some(y)) => {
                    if let (Some(xs), Some(ys)) = (x.get("schema"), y.get("schema")) {
                        let inner = if mt == "application/json" {
                            at.clone()
                        } else {
                            At {
                                context: format!("{} ({mt})", at.context),
                                ..at.clone()
                            }
                        };
                        let scope = format!("{} {}", inner.location, inner.context);
                        self.compare_schema(&inner, &scope, "", dir, xs, ys, 0);
                    }
                }
                (None, None) => {}
            }
        }
    }

    /// Compares two schemas at `path`. Named schemas on both sides are paired
    /// and compared once, on their own; anything else is compared in place.
    /// `scope` names the object holding `path` for the renames draft.
    #[allow(clippy::too_many_arguments)]
    fn compare_schema(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        old: &'a Value,
        new: &'a Value,
        depth: usize,
    ) {
        let o = self.old.unwrap(old);
        let n = self.new.unwrap(new);
        if let (Some(on), Some(nn)) = (schema_ref(o), schema_ref(n)) {
            if on != nn {
                let at = At {
                    section: Section::Schema,
                    location: pair_location(&on, &nn),
                    context: String::new(),
                };
                self.push(
                    &at,
                    "",
                    Kind::SchemaRenamed,
                    Severity::Breaking,
                    Some(&on),
                    Some(&nn),
                );
            }
            let key = (on, nn, dir);
            if self.schema_seen.insert(key.clone()) {
                self.schema_queue.push_back(key);
            }
            return;
        }
        // A component on one side only: compare its body in place.
        let o = match schema_ref(o) {
            Some(name) => match self.old.schema(&name) {
                Some(s) => s,
                None => return,
            },
            None => o,
        };
        let n = match schema_ref(n) {
            Some(name) => match self.new.schema(&name) {
                Some(s) => s,
                None => return,
            },
            None => n,
        };
        self.compare_inline(at, scope, path, dir, o, n, depth);
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_inline(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        o: &'a Value,
        n: &'a Value,
        depth: usize,
    ) {
        if depth > 24 {
            return;
        }
        let os = self.old.shape(o);
        let ns = self.new.shape(n);
        let (od, nd) = (os.describe(), ns.describe());
        match (os, ns) {
            (
                Shape::Object {
                    props: op,
                    required: oreq,
                },
                Shape::Object {
                    props: np,
                    required: nreq,
                },
            ) => self.compare_objects(at, scope, path, dir, (&op, &oreq), (&np, &nreq), depth),
            (Shape::Array(oi), Shape::Array(ni)) => {
                if let (Some(oi), Some(ni)) = (oi, ni) {
                    let p = format!("{path}[]");
                    self.compare_schema(at, scope, &p, dir, oi, ni, depth + 1);
                }
            }
            (Shape::FreeObject(Some(ov)), Shape::FreeObject(Some(nv))) => {
                let p = join(path, "*");
                self.compare_schema(at, scope, &p, dir, ov, nv, depth + 1);
            }
            (Shape::Scalar { ty: ot, values: ov }, Shape::Scalar { ty: nt, values: nv })
                if ot == nt && ov.is_empty() == nv.is_empty() =>
            {
                self.compare_enums(at, path, &ov, &nv);
            }
            _ => {
                if od != nd {
                    self.push(
                        at,
                        path,
                        Kind::TypeChanged,
                        Severity::Breaking,
                        Some(&od),
                        Some(&nd),
                    );
                }
            }
        }
    }

    fn compare_enums(&mut self, at: &At, path: &str, ov: &[String], nv: &[String]) {
        let os: BTreeSet<&String> = ov.iter().collect();
        let ns: BTreeSet<&String> = nv.iter().collect();
        let removed: Vec<String> = os.difference(&ns).map(|s| (*s).clone()).collect();
        let added: Vec<String> = ns.difference(&os).map(|s| (*s).clone()).collect();
        let pairs = self.words.pair(&removed, &added);
        let po: BTreeSet<&String> = pairs.iter().map(|p| &p.0).collect();
        let pn: BTreeSet<&String> = pairs.iter().map(|p| &p.1).collect();
        for (a, b) in &pairs {
            self.push(
                at,
                path,
                Kind::EnumValueRenamed,
                Severity::Breaking,
                Some(a),
                Some(b),
            );
        }
        for r in removed.iter().filter(|r| !po.contains(r)) {
            self.push(
                at,
                path,
                Kind::EnumValueRemoved,
                Severity::Breaking,
                Some(r),
                None,
            );
        }
        for a in added.iter().filter(|a| !pn.contains(a)) {
            self.push(
                at,
                path,
                Kind::EnumValueAdded,
                Severity::Additive,
                None,
                Some(a),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_objects(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        (op, oreq): (&BTreeMap<String, &'a Value>, &BTreeSet<String>),
        (np, nreq): (&BTreeMap<String, &'a Value>, &BTreeSet<String>),
        depth: usize,
    ) {
        let removed: Vec<String> = op
            .keys()
            .filter(|k| !np.contains_key(*k))
            .cloned()
            .collect();
        let added: Vec<String> = np
            .keys()
            .filter(|k| !op.contains_key(*k))
            .cloned()
            .collect();
        let pairs = self.words.pair(&removed, &added);
        let po: BTreeSet<&String> = pairs.iter().map(|p| &p.0).collect();
        let pn: BTreeSet<&String> = pairs.iter().map(|p| &p.1).collect();
        let object_scope = {
            let stripped = path.replace("[]", "");
            if stripped.is_empty() {
                scope.to_owned()
            } else {
                format!("{scope}.{stripped}")
            }
        };
        for r in removed.iter().filter(|r| !po.contains(r)) {
            self.push(
                at,
                &join(path, r),
                Kind::PropertyRemoved,
                Severity::Breaking,
                Some(r),
                None,
            );
        }
        for a in added.iter().filter(|a| !pn.contains(a)) {
            let req = nreq.contains(a);
            let sev = if dir == Dir::Request && req {
                Severity::Breaking
            } else {
                Severity::Additive
            };
            let shown = if req {
                format!("{a} (required)")
            } else {
                a.clone()
            };
            self.push(
                at,
                &join(path, a),
                Kind::PropertyAdded,
                sev,
                None,
                Some(&shown),
            );
        }
        let mut common: Vec<(String, String)> = op
            .keys()
            .filter(|k| np.contains_key(*k))
            .map(|k| (k.clone(), k.clone()))
            .collect();
        for (a, b) in &pairs {
            self.push(
                at,
                &join(path, a),
                Kind::PropertyRenamed,
                Severity::Breaking,
                Some(a),
                Some(b),
            );
            if dir == Dir::Response {
                self.renames
                    .entry((a.clone(), b.clone()))
                    .or_default()
                    .scopes
                    .insert(object_scope.clone());
            }
            common.push((a.clone(), b.clone()));
        }
        common.sort();
        for (a, b) in common {
            if a == b && dir == Dir::Response {
                self.kept.insert(a.clone());
            }
            let p = join(path, &a);
            match (oreq.contains(&a), nreq.contains(&b)) {
                (false, true) => {
                    let sev = if dir == Dir::Request {
                        Severity::Breaking
                    } else {
                        Severity::Additive
                    };
                    self.push(at, &p, Kind::PropertyNowRequired, sev, Some(&a), None);
                }
                (true, false) => {
                    self.push(
                        at,
                        &p,
                        Kind::PropertyNowOptional,
                        Severity::Additive,
                        Some(&a),
                        None,
                    );
                }
                _ => {}
            }
            if let (Some(x), Some(y)) = (op.get(&a), np.get(&b)) {
                self.compare_schema(at, scope, &p, dir, x, y, depth + 1);
            }
        }
    }
}

/// The members of an object (none for anything else).
fn entries(v: Option<&Value>) -> BTreeMap<&String, &Value> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

fn op_at(key: &(String, String)) -> At {
    At {
        section: Section::Operation,
        location: format!("{} {}", key.1.to_uppercase(), key.0),
        context: String::new(),
    }
}

// ---------------------------------------------------------------------------
// Rendering

/// Renders the report.
pub fn render(report: &Report, format: Format) -> Result<String> {
    Ok(match format {
        Format::Text => render_text(report),
        Format::Markdown => render_markdown(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&report_json(report))?;
            s.push('\n');
            s
        }
        Format::Renames => render_renames(report),
    })
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Breaking => "breaking",
        Severity::Additive => "additive",
    }
}

fn renames_paired(report: &Report) -> usize {
    report.changes.iter().filter(|c| c.kind.is_rename()).count()
}

fn renames_by_kind(report: &Report) -> Value {
    let mut m = Map::new();
    for kind in Kind::ALL.iter().filter(|k| k.is_rename()) {
        let n = report.changes.iter().filter(|c| c.kind == *kind).count();
        let key = serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        m.insert(key, json!(n));
    }
    Value::Object(m)
}

/// "properties 13, parameters 6, …": the renames paired, by kind.
fn renames_breakdown(report: &Report) -> String {
    let parts: Vec<String> = [
        (Kind::PropertyRenamed, "properties"),
        (Kind::ParameterRenamed, "parameters"),
        (Kind::EnumValueRenamed, "enum values"),
        (Kind::OperationIdChanged, "operationIds"),
        (Kind::SchemaRenamed, "schemas"),
    ]
    .iter()
    .map(|(kind, what)| {
        let n = report.changes.iter().filter(|c| c.kind == *kind).count();
        format!("{what} {n}")
    })
    .collect();
    parts.join(", ")
}

fn report_json(report: &Report) -> Value {
    let mut by_kind = Map::new();
    for kind in Kind::ALL {
        let b = report.count_kind(*kind, Severity::Breaking);
        let a = report.count_kind(*kind, Severity::Additive);
        if a + b > 0 {
            let key = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            by_kind.insert(key, json!({"breaking": b, "additive": a}));
        }
    }
    json!({
        "old_version": report.old_version,
        "new_version": report.new_version,
        "operations": {"old": report.operations.0, "new": report.operations.1},
        "summary": {
            "breaking": report.count(Severity::Breaking),
            "additive": report.count(Severity::Additive),
            "renames_paired": renames_paired(report),
            "renames": renames_by_kind(report),
            "by_kind": by_kind,
        },
        "changes": report.changes,
    })
}

fn change_words(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{o} → {n}"),
        (Some(o), None) => o.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    }
}

fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "API drift {} → {}: {} breaking, {} additive; renames paired: {}",
        report.old_version,
        report.new_version,
        report.count(Severity::Breaking),
        report.count(Severity::Additive),
        renames_breakdown(report)
    );
    for c in &report.changes {
        let mut place = c.location.clone();
        if !c.context.is_empty() {
            place.push_str(" | ");
            place.push_str(&c.context);
        }
        if !c.path.is_empty() {
            place.push_str(" | ");
            place.push_str(&c.path);
        }
        let _ = writeln!(
            out,
            "{:<9}{place}: {} {}",
            severity_word(c.severity),
            c.kind.label(),
            change_words(c)
        );
    }
    // No trailing spaces from empty `change_words`.
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn cell(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("`{}`", s.replace('|', "\\|").replace('`', "'"))
    }
}

fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    let b = report.count(Severity::Breaking);
    let a = report.count(Severity::Additive);
    let _ = writeln!(
        out,
        "# API drift: {} → {}\n",
        report.old_version, report.new_version
    );
    let intro = format!(
        "Produced by `cargo xtask drift` from documents {} ({} operations) and {} ({} \
         operations): **{b} breaking** and **{a} additive** changes. Renames paired \
         instead of reported as a removal and an addition: {}.",
        report.old_version,
        report.operations.0,
        report.new_version,
        report.operations.1,
        renames_breakdown(report)
    );
    out.push_str(&wrap(&intro, 80));
    out.push_str("\n\n");
    out.push_str("## What \"breaking\" means here\n\n");
    out.push_str(&wrap(BREAKING_MEANS, 80));
    out.push_str("\n\n");
    out.push_str(&wrap(
        "Operations are paired by path and method, then by path template, then by \
         operationId; named schemas are paired where both documents use them at the same \
         place and compared once, under the older name. A name that disappears while one \
         differing only by tweet→post, retweet→repost (and the like) appears is reported \
         as a rename. Paths inside schemas use the older document's names; `[]` is an \
         array item, `*` a map value.",
        80,
    ));
    out.push_str("\n\n");

    out.push_str("## Summary\n\n| change | breaking | additive |\n|---|---:|---:|\n");
    for kind in Kind::ALL {
        let kb = report.count_kind(*kind, Severity::Breaking);
        let ka = report.count_kind(*kind, Severity::Additive);
        if kb + ka > 0 {
            let _ = writeln!(out, "| {} | {kb} | {ka} |", kind.label());
        }
    }
    let _ = writeln!(out, "| **total** | **{b}** | **{a}** |\n");

    // Operations added, removed, renamed, moved.
    let op_level: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| {
            matches!(
                c.kind,
                Kind::OperationAdded
                    | Kind::OperationRemoved
                    | Kind::OperationIdChanged
                    | Kind::OperationMoved
            )
        })
        .collect();
    if !op_level.is_empty() {
        out.push_str(
            "## Operations\n\n| | operation | change | operationId / path |\n|---|---|---|---|\n",
        );
        let mut rows: Vec<&&Change> = op_level.iter().collect();
        rows.sort_by_key(|c| (c.severity, c.kind, c.location.clone()));
        for c in rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                severity_word(c.severity),
                cell(&c.location),
                c.kind.label(),
                pair_cells(c)
            );
        }
        out.push('\n');
    }

    // Schema renames as one table.
    let renamed: Vec<&Change> = report
        .changes
        .iter()
        .filter(|c| c.kind == Kind::SchemaRenamed)
        .collect();
    if !renamed.is_empty() {
        let _ = writeln!(
            out,
            "## Schema renames ({})\n\nEach is a type name of the generated models (breaking).\n\n| {} | {} |\n|---|---|",
            renamed.len(),
            report.old_version,
            report.new_version
        );
        for c in renamed {
            let _ = writeln!(
                out,
                "| {} | {} |",
                cell(c.old.as_deref().unwrap_or("")),
                cell(c.new.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }

    for (section, title) in [
        (Section::Operation, "Changes in operations"),
        (Section::Parameter, "Changes in shared parameters"),
        (Section::Schema, "Changes in schemas"),
    ] {
        let rows: Vec<&Change> = report
            .changes
            .iter()
            .filter(|c| {
                c.section == section
                    && !matches!(
                        c.kind,
                        Kind::OperationAdded
                            | Kind::OperationRemoved
                            | Kind::OperationIdChanged
                            | Kind::OperationMoved
                            | Kind::SchemaRenamed
                    )
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        let mut current: Option<&str> = None;
        for c in rows {
            if current != Some(c.location.as_str()) {
                if current.is_some() {
                    out.push('\n');
                }
                let _ = writeln!(
                    out,
                    "### {}\n\n| | where | change | {} | {} |\n|---|---|---|---|---|",
                    cell(&c.location),
                    report.old_version,
                    report.new_version
                );
                current = Some(c.location.as_str());
            }
            let mut place = String::new();
            if !c.context.is_empty() {
                place.push_str(&c.context);
            }
            if !c.path.is_empty() {
                if !place.is_empty() {
                    place.push_str(": ");
                }
                place.push_str(&c.path);
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                severity_word(c.severity),
                cell(&place),
                c.kind.label(),
                cell(c.old.as_deref().unwrap_or("")),
                cell(c.new.as_deref().unwrap_or(""))
            );
        }
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn pair_cells(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{} → {}", cell(o), cell(n)),
        (Some(o), None) => cell(o),
        (None, Some(n)) => cell(n),
        (None, None) => String::new(),
    }
}

fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A draft of `spec/renames.toml` from the renames the comparison paired.
fn render_renames(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Draft from `cargo xtask drift --format renames` ({} → {}): review before use.\n\nbase = {}\n",
        report.old_version,
        report.new_version,
        toml_str(&report.old_version)
    );
    let mut by_old: BTreeMap<&String, Vec<(&String, &RenameUse)>> = BTreeMap::new();
    for ((o, n), u) in &report.renames {
        by_old.entry(o).or_default().push((n, u));
    }
    for (o, news) in &by_old {
        let global = news.len() == 1 && !report.kept.contains(*o);
        for (n, u) in news {
            let _ = writeln!(
                out,
                "[[property]]\nold = {}\nnew = {}",
                toml_str(o),
                toml_str(n)
            );
            if !global {
                let scopes: Vec<String> = u
                    .scopes
                    .iter()
                    .filter(|s| !s.contains(' ') && !s.contains('*'))
                    .map(|s| toml_str(s))
                    .collect();
                let _ = writeln!(out, "schemas = [{}]", scopes.join(", "));
                for s in u
                    .scopes
                    .iter()
                    .filter(|s| s.contains(' ') || s.contains('*'))
                {
                    let _ = writeln!(out, "# also inline: {s}");
                }
            }
            out.push('\n');
        }
    }
    let mut params: BTreeSet<(String, String)> = BTreeSet::new();
    let mut values: BTreeSet<(String, String)> = BTreeSet::new();
    for c in &report.changes {
        if let (Some(o), Some(n)) = (&c.old, &c.new) {
            match c.kind {
                Kind::ParameterRenamed => {
                    params.insert((o.clone(), n.clone()));
                }
                Kind::EnumValueRenamed => {
                    values.insert((o.clone(), n.clone()));
                }
                _ => {}
            }
        }
    }
    for (o, n) in params {
        let _ = writeln!(
            out,
            "[[parameter]]\nold = {}\nnew = {}\n",
            toml_str(&o),
            toml_str(&n)
        );
    }
    for (o, n) in values {
        let _ = writeln!(
            out,
            "[[value]]\nold = {}\nnew = {}\n",
            toml_str(&o),
            toml_str(&n)
        );
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old_doc() -> Value {
        json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1.0"},
            "paths": {
                "/2/tweets/{id}": {"get": {
                    "operationId": "getTweet",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"$ref": "#/components/parameters/TweetFieldsParameter"},
                        {"$ref": "#/components/parameters/TweetExpansionsParameter"},
                        {"name": "max_results", "in": "query", "schema": {"type": "integer"}}
                    ],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/GetTweetResponse"}}}}}
                }},
                "/2/gone": {"delete": {"operationId": "gone", "responses": {}}},
                "/2/keys/{user_id}": {"get": {"operationId": "getKeys",
                    "parameters": [{"name": "user_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {}}},
                "/2/tweets": {"post": {"operationId": "createTweet",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["text"],
                        "properties": {"text": {"type": "string"}, "reply_settings": {"type": "string", "enum": ["following", "everyone"]}}}}}},
                    "responses": {}}}
            },
            "components": {
                "parameters": {
                    "TweetFieldsParameter": {"name": "tweet.fields", "in": "query", "schema": {"type": "array",
                        "items": {"type": "string", "enum": ["id", "text", "edit_history_tweet_ids", "geo"]}}},
                    "TweetExpansionsParameter": {"name": "expansions", "in": "query", "schema": {"type": "array",
                        "items": {"type": "string", "enum": ["author_id", "referenced_tweets.id"]}}}
                },
                "schemas": {
                    "GetTweetResponse": {"type": "object", "properties": {
                        "data": {"$ref": "#/components/schemas/Tweet"},
                        "includes": {"$ref": "#/components/schemas/Expansions"}}},
                    "Expansions": {"type": "object", "properties": {
                        "tweets": {"type": "array", "items": {"$ref": "#/components/schemas/Tweet"}},
                        "users": {"type": "array", "items": {"type": "object"}}}},
                    "Tweet": {"type": "object", "required": ["id"], "properties": {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "geo": {"type": "object"},
                        "lang": {"type": "string"},
                        "edit_history_tweet_ids": {"type": "array", "items": {"type": "string"}},
                        "public_metrics": {"type": "object", "properties": {
                            "retweet_count": {"type": "integer"},
                            "like_count": {"type": "integer"}}},
                        "reply_settings": {"type": "string", "enum": ["everyone", "following"]}
                    }}
                }
            }
        })
    }

    fn new_doc() -> Value {
        json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "2.0"},
            "paths": {
                "/2/tweets/{id}": {"get": {
                    "operationId": "getPostsById",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"$ref": "#/components/parameters/PostFieldsParameter"},
                        {"$ref": "#/components/parameters/PostExpansionsParameter"},
                        {"name": "max_results", "in": "query", "required": true, "schema": {"type": "integer"}},
                        {"name": "lang", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/GetPostResponse"}}}}}
                }},
                "/2/added": {"get": {"operationId": "added", "responses": {}}},
                "/2/keys/{id}": {"get": {"operationId": "getKeys",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {}}},
                "/2/tweets": {"post": {"operationId": "createTweet",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["text", "nullcast"],
                        "properties": {"text": {"type": "string"}, "nullcast": {"type": "boolean"},
                            "reply_settings": {"type": "string", "enum": ["following", "everyone", "subscribers"]}}}}}},
                    "responses": {}}}
            },
            "components": {
                "parameters": {
                    "PostFieldsParameter": {"name": "post.fields", "in": "query", "schema": {"type": "array",
                        "items": {"type": "string", "enum": ["id", "text", "edit_history_post_ids", "article"]}}},
                    "PostExpansionsParameter": {"name": "expansions", "in": "query", "schema": {"type": "array",
                        "items": {"type": "string", "enum": ["author_id", "referenced_posts.id"]}}}
                },
                "schemas": {
                    "GetPostResponse": {"type": "object", "properties": {
                        "data": {"$ref": "#/components/schemas/Post"},
                        "includes": {"$ref": "#/components/schemas/Expansions"}}},
                    "Expansions": {"type": "object", "properties": {
                        "posts": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}},
                        "users": {"type": "array", "items": {"type": "object"}}}},
                    "Post": {"type": "object", "required": ["id", "text"], "properties": {
                        "id": {"type": "string"},
                        "text": {"type": "string"},
                        "geo": {"type": "object"},
                        "note": {"type": "string"},
                        "edit_history_post_ids": {"type": "array", "items": {"type": "string"}},
                        "public_metrics": {"$ref": "#/components/schemas/PostPublicMetrics"},
                        "reply_settings": {"type": "string", "enum": ["everyone"]}
                    }},
                    "PostPublicMetrics": {"type": "object", "properties": {
                        "repost_count": {"type": "integer"},
                        "like_count": {"type": "number"}}}
                }
            }
        })
    }

    fn report_json_value() -> Value {
        let report = compare(&old_doc(), &new_doc(), &Words::default());
        let text = render(&report, Format::Json).expect("renders");
        serde_json::from_str(&text).expect("valid JSON")
    }

    /// Finds the one change matching location, path and kind.
    fn find<'v>(changes: &'v [Value], location: &str, path: &str, kind: &str) -> &'v Value {
        let hits: Vec<&Value> = changes
            .iter()
            .filter(|c| {
                c["location"] == location
                    && c.get("path").and_then(Value::as_str).unwrap_or("") == path
                    && c["kind"] == kind
            })
            .collect();
        assert_eq!(
            hits.len(),
            1,
            "{location} {path} {kind}: {hits:?} in {changes:#?}"
        );
        hits[0]
    }

    #[test]
    fn json_report_lists_the_known_differences() {
        let v = report_json_value();
        assert_eq!(v["old_version"], "1.0");
        assert_eq!(v["new_version"], "2.0");
        let changes = v["changes"].as_array().expect("changes");
        let c = |l: &str, p: &str, k: &str| find(changes, l, p, k).clone();

        // Operations.
        let x = c("DELETE /2/gone", "", "operation_removed");
        assert_eq!(
            (&x["severity"], &x["old"]),
            (&json!("breaking"), &json!("gone"))
        );
        let x = c("GET /2/added", "", "operation_added");
        assert_eq!(x["severity"], "additive");
        let x = c("GET /2/tweets/{id}", "", "operation_id_changed");
        assert_eq!(
            (&x["old"], &x["new"], &x["severity"]),
            (
                &json!("getTweet"),
                &json!("getPostsById"),
                &json!("breaking")
            )
        );
        // A path parameter renamed: the operation moved, the argument is positional.
        let x = c("GET /2/keys/{user_id}", "", "operation_moved");
        assert_eq!(
            (&x["new"], &x["severity"]),
            (&json!("/2/keys/{id}"), &json!("additive"))
        );
        let x = c("GET /2/keys/{user_id}", "", "parameter_renamed");
        assert_eq!(
            (&x["new"], &x["severity"]),
            (&json!("id"), &json!("additive"))
        );

        // Parameters: newly required is breaking, a new optional one additive.
        let x = c("GET /2/tweets/{id}", "", "parameter_now_required");
        assert_eq!(x["severity"], "breaking");
        assert_eq!(x["location"], "GET /2/tweets/{id}");
        let x = c("GET /2/tweets/{id}", "", "parameter_added");
        assert_eq!(
            (&x["new"], &x["severity"]),
            (&json!("lang (query)"), &json!("additive"))
        );

        // Shared parameters: paired by name, values compared.
        let fields = "TweetFieldsParameter → PostFieldsParameter";
        let x = c(fields, "", "parameter_renamed");
        assert_eq!(
            (&x["old"], &x["new"], &x["section"]),
            (
                &json!("tweet.fields"),
                &json!("post.fields"),
                &json!("parameter")
            )
        );
        let x = c(fields, "[]", "enum_value_renamed");
        assert_eq!(
            (&x["old"], &x["new"]),
            (
                &json!("edit_history_tweet_ids"),
                &json!("edit_history_post_ids")
            )
        );
        let x = c(fields, "[]", "enum_value_removed");
        assert_eq!(
            (&x["old"], &x["severity"]),
            (&json!("geo"), &json!("breaking"))
        );
        let x = c(fields, "[]", "enum_value_added");
        assert_eq!(
            (&x["new"], &x["severity"]),
            (&json!("article"), &json!("additive"))
        );
        let x = c(
            "TweetExpansionsParameter → PostExpansionsParameter",
            "[]",
            "enum_value_renamed",
        );
        assert_eq!(
            (&x["old"], &x["new"]),
            (
                &json!("referenced_tweets.id"),
                &json!("referenced_posts.id")
            )
        );

        // Schemas: paired by position, renames paired by word map.
        let x = c("Tweet → Post", "", "schema_renamed");
        assert_eq!(x["severity"], "breaking");
        c("GetTweetResponse → GetPostResponse", "", "schema_renamed");
        let x = c("Tweet → Post", "edit_history_tweet_ids", "property_renamed");
        assert_eq!(
            (&x["new"], &x["severity"]),
            (&json!("edit_history_post_ids"), &json!("breaking"))
        );
        let x = c("Expansions", "tweets", "property_renamed");
        assert_eq!(x["new"], "posts");
        // Inline on one side, a component on the other: compared in place.
        let x = c(
            "Tweet → Post",
            "public_metrics.retweet_count",
            "property_renamed",
        );
        assert_eq!(x["new"], "repost_count");
        let x = c("Tweet → Post", "public_metrics.like_count", "type_changed");
        assert_eq!(
            (&x["old"], &x["new"]),
            (&json!("integer"), &json!("number"))
        );
        let x = c("Tweet → Post", "lang", "property_removed");
        assert_eq!(x["severity"], "breaking");
        let x = c("Tweet → Post", "note", "property_added");
        assert_eq!(x["severity"], "additive");
        // Response `required` flags only change documentation.
        let x = c("Tweet → Post", "text", "property_now_required");
        assert_eq!(x["severity"], "additive");
        let x = c("Tweet → Post", "reply_settings", "enum_value_removed");
        assert_eq!(
            (&x["old"], &x["severity"]),
            (&json!("following"), &json!("breaking"))
        );

        // Request bodies: a new required property breaks, a new value does not.
        let x = c("POST /2/tweets", "nullcast", "property_added");
        assert_eq!(
            (&x["context"], &x["severity"]),
            (&json!("request"), &json!("breaking"))
        );
        let x = c("POST /2/tweets", "reply_settings", "enum_value_added");
        assert_eq!(x["severity"], "additive");

        // Nothing unexpected: no remove+add for anything that was paired.
        for c in changes {
            let old = c.get("old").and_then(Value::as_str).unwrap_or("");
            let new = c.get("new").and_then(Value::as_str).unwrap_or("");
            assert!(
                !(c["kind"] == "property_removed" && old.contains("tweet")),
                "{c}"
            );
            assert!(
                !(c["kind"] == "property_added" && new.contains("post")),
                "{c}"
            );
        }
        let breaking = changes
            .iter()
            .filter(|c| c["severity"] == "breaking")
            .count();
        let additive = changes
            .iter()
            .filter(|c| c["severity"] == "additive")
            .count();
        assert_eq!(v["summary"]["breaking"], breaking);
        assert_eq!(v["summary"]["additive"], additive);
        assert_eq!(changes.len(), 24, "{changes:#?}");
        let renames = &v["summary"]["renames"];
        assert_eq!(renames["property_renamed"], 3);
        assert_eq!(renames["parameter_renamed"], 2);
        assert_eq!(renames["enum_value_renamed"], 2);
        assert_eq!(renames["schema_renamed"], 2);
        assert_eq!(renames["operation_id_changed"], 1);
    }

    #[test]
    fn identical_documents_have_no_drift() {
        let report = compare(&old_doc(), &old_doc(), &Words::default());
        assert!(report.changes.is_empty(), "{:?}", report.changes);
        assert_eq!(report.count(Severity::Breaking), 0);
    }

    #[test]
    fn output_is_deterministic() {
        for format in [
            Format::Text,
            Format::Markdown,
            Format::Json,
            Format::Renames,
        ] {
            let a = render(&compare(&old_doc(), &new_doc(), &Words::default()), format)
                .expect("renders");
            let b = render(&compare(&old_doc(), &new_doc(), &Words::default()), format)
                .expect("renders");
            assert_eq!(a, b);
            assert!(a.ends_with('\n') && !a.ends_with("\n\n"), "{format:?}");
        }
    }

    #[test]
    fn word_map_translates_words_not_substrings() {
        let w = Words::default();
        assert_eq!(
            w.translate("edit_history_tweet_ids"),
            "edit_history_post_ids"
        );
        assert_eq!(w.translate("referenced_tweets.id"), "referenced_posts.id");
        assert_eq!(w.translate("retweet_count"), "repost_count");
        assert_eq!(w.translate("Tweet"), "Post");
        assert_eq!(w.translate("tweetable"), "tweetable");
        let pairs = w.pair(
            &["tweet_count".into(), "geo".into()],
            &["post_count".into(), "place".into()],
        );
        assert_eq!(pairs, [("tweet_count".to_owned(), "post_count".to_owned())]);
    }

    #[test]
    fn extra_words_pair_more_renames() {
        let old = json!({"info": {"version": "1"}, "paths": {"/a": {"get": {"operationId": "a",
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object",
                "properties": {"ttl_msec": {"type": "integer"}}}}}}}}}}});
        let new = json!({"info": {"version": "2"}, "paths": {"/a": {"get": {"operationId": "a",
            "responses": {"200": {"content": {"application/json": {"schema": {"type": "object",
                "properties": {"ttl_ms": {"type": "integer"}}}}}}}}}}});
        let plain = compare(&old, &new, &Words::default());
        let mut kinds: Vec<Kind> = plain.changes.iter().map(|c| c.kind).collect();
        kinds.sort();
        assert_eq!(kinds, [Kind::PropertyRemoved, Kind::PropertyAdded]);
        let words = Words::with_extra(&["msec=ms".to_owned()]).expect("valid");
        let paired = compare(&old, &new, &words);
        assert_eq!(paired.changes.len(), 1);
        assert_eq!(paired.changes[0].kind, Kind::PropertyRenamed);
        assert_eq!(paired.changes[0].context, "response 200");
        assert!(Words::with_extra(&["nope".to_owned()]).is_err());
    }

    #[test]
    fn renames_draft_scopes_names_kept_elsewhere() {
        let report = compare(&old_doc(), &new_doc(), &Words::default());
        let draft = render(&report, Format::Renames).expect("renders");
        let table: toml::Table = draft.parse().expect("draft is TOML");
        let props = table["property"].as_array().expect("properties");
        let find = |old: &str| {
            props
                .iter()
                .find(|p| p["old"].as_str() == Some(old))
                .unwrap_or_else(|| panic!("{old} in {draft}"))
        };
        assert_eq!(
            find("edit_history_tweet_ids")["new"].as_str(),
            Some("edit_history_post_ids")
        );
        assert_eq!(find("retweet_count")["new"].as_str(), Some("repost_count"));
        assert_eq!(find("tweets")["new"].as_str(), Some("posts"));
        let params = table["parameter"].as_array().expect("parameters");
        assert!(params
            .iter()
            .any(|p| p["old"].as_str() == Some("tweet.fields")
                && p["new"].as_str() == Some("post.fields")));
    }

    #[test]
    fn check_mode_compares_with_the_file() {
        let dir = std::env::temp_dir().join(format!("xtask-drift-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (old, new, report) = (dir.join("old.json"), dir.join("new.json"), dir.join("r.md"));
        std::fs::write(&old, old_doc().to_string()).expect("write");
        std::fs::write(&new, new_doc().to_string()).expect("write");
        let rendered = render(
            &compare(&old_doc(), &new_doc(), &Words::default()),
            Format::Markdown,
        )
        .expect("renders");
        std::fs::write(&report, &rendered).expect("write");
        let args = |check: Option<PathBuf>| Args {
            old: old.clone(),
            new: new.clone(),
            format: None,
            check,
            words: Vec::new(),
        };
        assert!(
            run(&args(Some(report.clone()))).expect("runs"),
            "identical report passes"
        );
        std::fs::write(&report, rendered.replace("breaking", "fine")).expect("write");
        assert!(
            !run(&args(Some(report.clone()))).expect("runs"),
            "a stale report fails"
        );
        // Without --check, breaking changes fail the run.
        assert!(!run(&args(None)).expect("runs"));
        let same = Args {
            new: old.clone(),
            ..args(None)
        };
        assert!(run(&same).expect("runs"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
