//! The report built from a finished comparison, and the summaries every
//! output format shares.

use serde_json::{json, Map, Value};

use super::compare::Differ;
use super::{Change, Kind, Report, Severity};

impl Report {
    /// Number of changes of a severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.severity == severity)
            .count()
    }

    /// Number of changes of a kind and a severity.
    pub(super) fn count_kind(&self, kind: Kind, severity: Severity) -> usize {
        self.changes
            .iter()
            .filter(|c| c.kind == kind && c.severity == severity)
            .count()
    }
}

impl Differ<'_, '_> {
    /// The report of the comparison of documents with these numbers of
    /// operations: every change once, sorted.
    pub(super) fn into_report(self, old_operations: usize, new_operations: usize) -> Report {
        let mut changes: Vec<Change> = self
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
            old_version: self.old.version(),
            new_version: self.new.version(),
            operations: (old_operations, new_operations),
            changes,
            renames: self.renames,
            kept: self.kept,
        }
    }
}

/// Number of changes that are renames.
pub(super) fn renames_paired(report: &Report) -> usize {
    report.changes.iter().filter(|c| c.kind.is_rename()).count()
}

/// The renames paired, by kind (every rename kind, zero included).
pub(super) fn renames_by_kind(report: &Report) -> Value {
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
pub(super) fn renames_breakdown(report: &Report) -> String {
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

/// The JSON report: versions, counts by kind and every change.
pub(super) fn report_json(report: &Report) -> Value {
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
