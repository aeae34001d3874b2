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
//!
//! The parts: `words` (the word map that pairs renames), `doc` (reading
//! one document: operations, parameters, schema shapes), `compare`
//! (pairing operations and their parameters, bodies and responses) with
//! `schemas` (comparing two schemas), `report` (the report built from
//! the comparison, and its summaries) and `render` (text, markdown, JSON
//! and the renames draft).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;

mod compare;
mod doc;
mod render;
mod report;
mod schemas;
#[cfg(test)]
mod tests;
mod words;

use compare::compare;
use render::render;
use words::Words;

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
