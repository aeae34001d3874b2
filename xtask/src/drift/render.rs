//! The report as text (one line per change), markdown (the commit-ready
//! report), JSON, or a draft of `spec/renames.toml`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::Result;

use super::report::{renames_breakdown, report_json};
use super::{Change, Format, Kind, RenameUse, Report, Section, Severity, BREAKING_MEANS};

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

/// `old → new`, or the one side there is.
fn change_words(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{o} → {n}"),
        (Some(o), None) => o.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    }
}

/// One line per change, after a summary line.
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

/// A markdown table cell holding code.
fn cell(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!("`{}`", s.replace('|', "\\|").replace('`', "'"))
    }
}

/// The commit-ready report.
fn render_markdown(report: &Report) -> String {
    let mut out = String::new();
    markdown_intro(&mut out, report);
    markdown_summary(&mut out, report);
    markdown_operations(&mut out, report);
    markdown_schema_renames(&mut out, report);
    for (section, title) in [
        (Section::Operation, "Changes in operations"),
        (Section::Parameter, "Changes in shared parameters"),
        (Section::Schema, "Changes in schemas"),
    ] {
        markdown_changes(&mut out, report, section, title);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The title, the counts, what "breaking" means and how names are paired.
fn markdown_intro(out: &mut String, report: &Report) {
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
}

/// The counts by kind.
fn markdown_summary(out: &mut String, report: &Report) {
    let b = report.count(Severity::Breaking);
    let a = report.count(Severity::Additive);
    out.push_str("## Summary\n\n| change | breaking | additive |\n|---|---:|---:|\n");
    for kind in Kind::ALL {
        let kb = report.count_kind(*kind, Severity::Breaking);
        let ka = report.count_kind(*kind, Severity::Additive);
        if kb + ka > 0 {
            let _ = writeln!(out, "| {} | {kb} | {ka} |", kind.label());
        }
    }
    let _ = writeln!(out, "| **total** | **{b}** | **{a}** |\n");
}

/// Operations added, removed, renamed or moved, in one table.
fn markdown_operations(out: &mut String, report: &Report) {
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
}

/// Schema renames, in one table.
fn markdown_schema_renames(out: &mut String, report: &Report) {
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
}

/// The other changes of one section, a table per location.
fn markdown_changes(out: &mut String, report: &Report, section: Section, title: &str) {
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
        return;
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

/// `old → new`, or the one side there is, as code cells.
fn pair_cells(c: &Change) -> String {
    match (&c.old, &c.new) {
        (Some(o), Some(n)) => format!("{} → {}", cell(o), cell(n)),
        (Some(o), None) => cell(o),
        (None, Some(n)) => cell(n),
        (None, None) => String::new(),
    }
}

/// `text` wrapped at `width` columns.
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

/// A TOML basic string.
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
