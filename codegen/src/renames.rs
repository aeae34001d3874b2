//! Dual naming: the table of renamed properties (`spec/renames.toml`) and its
//! application to the models.
//!
//! Newer versions of the API document spell many properties differently
//! (`edit_history_tweet_ids` became `edit_history_post_ids`). The models keep
//! the names of the document they are generated from and, for every renamed
//! property in the table, also accept the other spelling when decoding: the
//! visitor matches one more literal for the same field. Serialising writes the
//! document's own name.
//!
//! An entry applies to every object holding one of its two names and not the
//! other, or only to the objects its `schemas` list: a component (`User`) or a
//! component and a property path (`User.public_metrics`; array items need no
//! marker).

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::models::{struct_of, type_ident, Item, Models, Ty};

/// The whole table.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Version whose names the table's `old` side uses. For that version a
    /// `schemas` entry that names no object, or an object holding neither
    /// name, is an error (the table is stale); other versions skip it.
    #[serde(default)]
    pub base: Option<String>,
    /// Renamed response properties.
    #[serde(default, rename = "property")]
    pub properties: Vec<PropertyRename>,
    /// Renamed request parameters, recorded for documentation only: requests
    /// keep the names of the document the crate is generated from.
    #[serde(default, rename = "parameter")]
    pub parameters: Vec<NameRename>,
    /// Renamed enum values, recorded for documentation only.
    #[serde(default, rename = "value")]
    pub values: Vec<NameRename>,
}

/// One renamed property.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyRename {
    /// Name in the base document.
    pub old: String,
    /// Name in the newer document.
    pub new: String,
    /// Objects the rename is limited to; empty means every object.
    #[serde(default)]
    pub schemas: Vec<String>,
}

/// A renamed parameter or value (documentation only).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRename {
    /// Name in the base document.
    pub old: String,
    /// Name in the newer document.
    pub new: String,
    /// Where it occurs (parameter names, schema paths), for the reader.
    #[serde(default, rename = "in")]
    pub within: Vec<String>,
}

/// Parses and checks a table. Empty text is an empty table.
pub fn parse(text: &str) -> Result<Table, String> {
    let table: Table = toml::from_str(text).map_err(|e| format!("renames: {e}"))?;
    let mut seen = BTreeSet::new();
    for p in &table.properties {
        if p.old.is_empty() || p.new.is_empty() || p.old == p.new {
            return Err(format!(
                "renames: property {:?} → {:?} is not a rename",
                p.old, p.new
            ));
        }
        let scopes: Vec<&str> = if p.schemas.is_empty() {
            vec![""]
        } else {
            p.schemas.iter().map(String::as_str).collect()
        };
        for scope in scopes {
            if !seen.insert((p.old.clone(), scope.to_owned())) {
                return Err(format!(
                    "renames: property {:?} is listed twice{}",
                    p.old,
                    if scope.is_empty() {
                        String::new()
                    } else {
                        format!(" for {scope}")
                    }
                ));
            }
        }
    }
    for r in table.parameters.iter().chain(&table.values) {
        if r.old.is_empty() || r.new.is_empty() || r.old == r.new {
            return Err(format!(
                "renames: {:?} → {:?} is not a rename",
                r.old, r.new
            ));
        }
    }
    Ok(table)
}

/// The struct a scope names: `Component` or `Component.prop.prop`.
pub fn resolve_scope(models: &Models, scope: &str) -> Option<String> {
    let mut parts = scope.split('.');
    let first = parts.next()?;
    let mut current = struct_of(models, &Ty::Named(type_ident(first)))?;
    for part in parts {
        let part = part.trim_end_matches("[]");
        let Some(Item::Struct { fields, .. }) = models.items.get(&current) else {
            return None;
        };
        let field = fields.iter().find(|f| f.json == part)?;
        current = struct_of(models, &field.ty)?;
    }
    Some(current)
}

/// What applying the table did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// (struct, name it is written with, other accepted name), in model order.
    pub aliases: Vec<(String, String, String)>,
    /// `schemas` entries that named nothing in this document (other versions).
    pub skipped: Vec<String>,
}

/// Adds the other spelling of every renamed property to the models.
///
/// In each object an entry applies to, a field named `old` also accepts
/// `new`, and a field named `new` (in a document using the newer names) also
/// accepts `old`; an object holding both names, or one already accepting the
/// other name, is left alone.
pub fn apply(models: &mut Models, table: &Table, version: &str) -> Result<Applied, String> {
    let strict = table.base.as_deref().is_none_or(|b| b == version);
    let mut applied = Applied::default();
    // struct → (field index → aliases to add)
    let mut plan: BTreeMap<String, BTreeMap<usize, Vec<String>>> = BTreeMap::new();
    let all_structs: Vec<String> = models
        .items
        .iter()
        .filter(|(_, i)| matches!(i, Item::Struct { .. }))
        .map(|(n, _)| n.clone())
        .collect();
    for entry in &table.properties {
        let targets: Vec<String> = if entry.schemas.is_empty() {
            all_structs.clone()
        } else {
            let mut t = Vec::new();
            for scope in &entry.schemas {
                match resolve_scope(models, scope) {
                    Some(s) => t.push(s),
                    None if strict => {
                        return Err(format!(
                            "renames: {scope} (for {} → {}) names no object of the document",
                            entry.old, entry.new
                        ))
                    }
                    None => applied.skipped.push(scope.clone()),
                }
            }
            t
        };
        for target in targets {
            let Some(Item::Struct { fields, .. }) = models.items.get(&target) else {
                continue;
            };
            let find = |name: &str| {
                fields
                    .iter()
                    .position(|f| f.json == name || f.aliases.iter().any(|a| a == name))
            };
            let (has_old, has_new) = (find(&entry.old), find(&entry.new));
            let planned = plan.entry(target.clone()).or_default();
            let already = |name: &str| planned.values().flatten().any(|a| a == name);
            match (has_old, has_new) {
                (Some(i), None) if !already(&entry.new) => {
                    planned.entry(i).or_default().push(entry.new.clone());
                }
                (None, Some(i)) if !already(&entry.old) => {
                    planned.entry(i).or_default().push(entry.old.clone());
                }
                (None, None) if !entry.schemas.is_empty() && strict => {
                    return Err(format!(
                        "renames: {target} has neither {} nor {}",
                        entry.old, entry.new
                    ));
                }
                _ => {}
            }
        }
    }
    for (name, item) in models.items.iter_mut() {
        let (Some(planned), Item::Struct { fields, .. }) = (plan.get(name), item) else {
            continue;
        };
        for (i, field) in fields.iter_mut().enumerate() {
            for alias in planned.get(&i).into_iter().flatten() {
                field.aliases.push(alias.clone());
                field
                    .doc
                    .push_str(&format!(" — also accepted as `{alias}`"));
                applied
                    .aliases
                    .push((name.clone(), field.json.clone(), alias.clone()));
            }
        }
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{alias_paths, build, emit};
    use serde_json::json;

    fn models() -> Models {
        build(
            &json!({"components": {"schemas": {
                "Page": {"type": "object", "properties": {
                    "data": {"type": "array", "items": {"$ref": "#/components/schemas/Tweet"}},
                    "includes": {"$ref": "#/components/schemas/Expansions"}}},
                "Expansions": {"type": "object", "properties": {
                    "tweets": {"type": "array", "items": {"$ref": "#/components/schemas/Tweet"}}}},
                "Tweet": {"type": "object", "properties": {
                    "edit_history_tweet_ids": {"type": "array", "items": {"type": "string"}},
                    "public_metrics": {"type": "object", "properties": {"retweet_count": {"type": "integer"}, "tweet_count": {"type": "integer"}}}}},
                "Trend": {"type": "object", "properties": {"tweet_count": {"type": "integer"}}},
                "Both": {"type": "object", "properties": {"tweets": {"type": "string"}, "posts": {"type": "string"}}},
                "Newer": {"type": "object", "properties": {"repost_count": {"type": "integer"}}}
            }}}),
            &BTreeMap::new(),
        )
    }

    const TABLE: &str = r#"
        base = "1"
        [[property]]
        old = "edit_history_tweet_ids"
        new = "edit_history_post_ids"
        [[property]]
        old = "retweet_count"
        new = "repost_count"
        [[property]]
        old = "tweets"
        new = "posts"
        schemas = ["Expansions", "Both"]
        [[property]]
        old = "tweet_count"
        new = "post_count"
        schemas = ["Tweet.public_metrics"]
        [[parameter]]
        old = "tweet.fields"
        new = "post.fields"
    "#;

    fn aliases(m: &Models, name: &str) -> Vec<(String, Vec<String>)> {
        match m.items.get(name) {
            Some(Item::Struct { fields, .. }) => fields
                .iter()
                .map(|f| (f.json.clone(), f.aliases.clone()))
                .collect(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn scopes_resolve_through_properties_and_arrays() {
        let m = models();
        assert_eq!(resolve_scope(&m, "Tweet").as_deref(), Some("Tweet"));
        assert_eq!(
            resolve_scope(&m, "Tweet.public_metrics").as_deref(),
            Some("TweetPublicMetrics")
        );
        assert_eq!(
            resolve_scope(&m, "Page.data.public_metrics").as_deref(),
            Some("TweetPublicMetrics")
        );
        assert_eq!(resolve_scope(&m, "Tweet.nope"), None);
        assert_eq!(resolve_scope(&m, "Nope"), None);
    }

    #[test]
    fn aliases_follow_the_table_and_its_scopes() {
        let mut m = models();
        let table = parse(TABLE).expect("valid table");
        let applied = apply(&mut m, &table, "1").expect("applies");
        assert_eq!(
            aliases(&m, "Tweet"),
            [
                (
                    "edit_history_tweet_ids".into(),
                    vec!["edit_history_post_ids".into()]
                ),
                ("public_metrics".into(), vec![])
            ]
        );
        assert_eq!(
            aliases(&m, "TweetPublicMetrics"),
            [
                ("retweet_count".into(), vec!["repost_count".into()]),
                ("tweet_count".into(), vec!["post_count".into()])
            ]
        );
        assert_eq!(
            aliases(&m, "Expansions"),
            [("tweets".into(), vec!["posts".into()])]
        );
        // Out of scope: untouched.
        assert_eq!(aliases(&m, "Trend"), [("tweet_count".into(), vec![])]);
        // Both names present: nothing to alias.
        assert!(aliases(&m, "Both").iter().all(|(_, a)| a.is_empty()));
        // A document with the newer name accepts the older one.
        assert_eq!(
            aliases(&m, "Newer"),
            [("repost_count".into(), vec!["retweet_count".into()])]
        );
        assert_eq!(applied.aliases.len(), 5);
        assert!(applied.skipped.is_empty());
        // The way from a page to every aliased object.
        let p = alias_paths(&m);
        for step in [
            ("Page", "data", "Tweet"),
            ("Page", "includes", "Expansions"),
            ("Expansions", "tweets", "Tweet"),
            ("Tweet", "public_metrics", "TweetPublicMetrics"),
        ] {
            assert!(
                p.contains(&(step.0.into(), step.1.into(), step.2.into())),
                "{step:?} in {p:?}"
            );
        }
        assert!(!p.iter().any(|s| s.0 == "Trend"));
    }

    #[test]
    fn stale_scopes_fail_for_the_base_version_only() {
        let text = r#"
            base = "1"
            [[property]]
            old = "tweets"
            new = "posts"
            schemas = ["Gone"]
        "#;
        let table = parse(text).expect("valid table");
        let err = apply(&mut models(), &table, "1").expect_err("stale scope");
        assert!(err.contains("Gone"), "{err}");
        let applied = apply(&mut models(), &table, "2").expect("skipped");
        assert_eq!(applied.skipped, ["Gone"]);
        let missing = r#"
            base = "1"
            [[property]]
            old = "gone"
            new = "went"
            schemas = ["Trend"]
        "#;
        let table = parse(missing).expect("valid table");
        assert!(apply(&mut models(), &table, "1").is_err());
    }

    #[test]
    fn bad_tables_are_refused() {
        assert!(parse("").expect("empty is fine").properties.is_empty());
        assert!(parse("[[property]]\nold = \"a\"\nnew = \"a\"").is_err());
        assert!(parse(
            "[[property]]\nold = \"a\"\nnew = \"b\"\n[[property]]\nold = \"a\"\nnew = \"c\""
        )
        .is_err());
        assert!(parse("[[property]]\nold = \"a\"\nnew = \"b\"\nwhere = 1").is_err());
    }

    #[test]
    fn renamed_properties_become_extra_visitor_arms() {
        let mut m = build(
            &json!({"components": {"schemas": {
                "Tweet": {"type": "object", "properties": {
                    "edit_history_tweet_ids": {"type": "array", "items": {"type": "string"}},
                    "text": {"type": "string"}}},
                "Expansions": {"type": "object", "properties": {
                    "tweets": {"type": "array", "items": {"$ref": "#/components/schemas/Tweet"}}}}
            }}}),
            &BTreeMap::new(),
        );
        let table = parse(
            "[[property]]\nold = \"edit_history_tweet_ids\"\nnew = \"edit_history_post_ids\"\n\
             [[property]]\nold = \"tweets\"\nnew = \"posts\"\nschemas = [\"Expansions\"]",
        )
        .expect("valid table");
        apply(&mut m, &table, "1").expect("applies");
        let code: String = emit(&m)
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        // Both spellings decode into the one field; the struct keeps one name.
        assert!(
            code.contains(
                r#"impl_model ! (Tweet { "edit_history_tweet_ids" => edit_history_tweet_ids , "edit_history_post_ids" => edit_history_tweet_ids , "text" => text })"#
            ),
            "{code}"
        );
        assert!(
            code.contains(
                r#"impl_model ! (Expansions { "tweets" => tweets , "posts" => tweets })"#
            ),
            "{code}"
        );
        assert!(
            code.contains(r#"# [serde (rename = "edit_history_tweet_ids""#),
            "serialisation keeps the document's name: {code}"
        );
        assert!(
            !code.contains(r#"rename = "edit_history_post_ids""#),
            "{code}"
        );
        assert!(code.contains(r#"("Tweet" , "edit_history_tweet_ids" , "edit_history_post_ids")"#));
        assert!(
            code.contains(r#"("Expansions" , "tweets" , "Tweet")"#),
            "{code}"
        );
        // Without a table, nothing extra.
        let plain = build(
            &json!({"components": {"schemas": {"Tweet": {"type": "object", "properties": {
            "edit_history_tweet_ids": {"type": "array", "items": {"type": "string"}}}}}}}),
            &BTreeMap::new(),
        );
        assert!(!emit(&plain).to_string().contains("edit_history_post_ids"));
    }
}
