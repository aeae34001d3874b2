//! Dual naming: a body that uses the newer "post" names (`edit_history_post_ids`,
//! `includes.posts`, `repost_count`, …) decodes into exactly the same values as
//! the same body with the 2.159 names, following `spec/renames.toml`.
//!
//! Every fixture is rewritten to the newer names and both versions are decoded
//! and re-encoded: the results must be identical. Entries without `schemas`
//! are renamed wherever the key occurs; scoped entries only in the objects
//! they name, found by walking the body from its model with the generated
//! `models::renamed::PATHS` table.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use xapi::join::{Lookup, ReferenceType};
use xapi::models::renamed::{ALIASES, PATHS};
use xapi_codegen::renames::Table;
use xapi_generated::ops::OPERATIONS;
use xapi_tests::{fixtures, reencode, root, Fixture};

fn table() -> Table {
    let text =
        std::fs::read_to_string(root().join("spec/renames.toml")).expect("spec/renames.toml");
    xapi_codegen::renames::parse(&text).expect("a valid renames table")
}

/// Rewrites bodies to the newer names.
struct Renamer {
    /// old → new, in every object.
    global: BTreeMap<String, String>,
    /// model → (old → new).
    scoped: BTreeMap<String, BTreeMap<String, String>>,
    /// (model, key) → model of the value.
    steps: BTreeMap<(String, String), String>,
    /// How often each (old, new) pair was applied.
    applied: BTreeMap<(String, String), usize>,
}

impl Renamer {
    fn new(table: &Table) -> Self {
        let steps: BTreeMap<(String, String), String> = PATHS
            .iter()
            .map(|(m, k, t)| (((*m).to_owned(), (*k).to_owned()), (*t).to_owned()))
            .collect();
        let mut global = BTreeMap::new();
        let mut scoped: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for p in &table.properties {
            if p.schemas.is_empty() {
                global.insert(p.old.clone(), p.new.clone());
                continue;
            }
            for scope in &p.schemas {
                // `Component` or `Component.prop.prop`, followed through PATHS.
                let mut parts = scope.split('.');
                let mut model = parts.next().unwrap_or_default().to_owned();
                for part in parts {
                    model = steps
                        .get(&(model.clone(), part.to_owned()))
                        .unwrap_or_else(|| panic!("{scope}: no way to {part} in PATHS"))
                        .clone();
                }
                scoped
                    .entry(model)
                    .or_default()
                    .insert(p.old.clone(), p.new.clone());
            }
        }
        Renamer {
            global,
            scoped,
            steps,
            applied: BTreeMap::new(),
        }
    }

    /// `value` with the newer names; `model` is its model, when known.
    fn rewrite(&mut self, value: &Value, model: Option<&str>) -> Value {
        match value {
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.rewrite(v, model)).collect())
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (key, v) in map {
                    let child =
                        model.and_then(|m| self.steps.get(&(m.to_owned(), key.clone())).cloned());
                    let renamed = model
                        .and_then(|m| self.scoped.get(m))
                        .and_then(|s| s.get(key))
                        .or_else(|| self.global.get(key))
                        .cloned();
                    let v = self.rewrite(v, child.as_deref());
                    match renamed {
                        Some(new) => {
                            *self.applied.entry((key.clone(), new.clone())).or_default() += 1;
                            out.insert(new, v);
                        }
                        None => {
                            out.insert(key.clone(), v);
                        }
                    }
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }
}

fn root_model(fixture: &Fixture) -> Option<&'static str> {
    if (200..300).contains(&fixture.status) {
        OPERATIONS
            .iter()
            .find(|o| o.id == fixture.operation)
            .and_then(|o| o.response)
    } else {
        Some("Problem")
    }
}

#[test]
fn every_fixture_decodes_the_same_in_post_naming() {
    let table = table();
    let mut renamer = Renamer::new(&table);
    let (mut bodies, mut changed) = (0, 0);
    let mut failures = Vec::new();
    for fixture in fixtures() {
        let model = root_model(&fixture);
        for (line, body) in fixture.bodies() {
            let Ok(original) = serde_json::from_slice::<Value>(&body) else {
                continue;
            };
            bodies += 1;
            let rewritten = renamer.rewrite(&original, model);
            if rewritten == original {
                continue;
            }
            changed += 1;
            let text = serde_json::to_vec(&rewritten).expect("serialises");
            let (a, b) = (reencode(&fixture, &body), reencode(&fixture, &text));
            if a != b {
                failures.push(format!(
                    "{}:{line}: 2.159 names give {a:?}\n  post names give {b:?}",
                    fixture.name()
                ));
            }
        }
    }
    println!(
        "{bodies} bodies, {changed} rewritten, {} failed; renamed: {:?}",
        failures.len(),
        renamer.applied
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        changed > 100,
        "only {changed} bodies use a renamed property"
    );
    // Every property rename of the table is exercised by some fixture.
    for p in &table.properties {
        assert!(
            renamer
                .applied
                .contains_key(&(p.old.clone(), p.new.clone())),
            "no fixture has {} (→ {})",
            p.old,
            p.new
        );
    }
}

#[test]
fn the_generated_aliases_are_the_table() {
    let table = table();
    for p in &table.properties {
        assert!(
            ALIASES
                .iter()
                .any(|(_, old, new)| *old == p.old && *new == p.new),
            "{} → {} is not applied to any model",
            p.old,
            p.new
        );
    }
    for (model, old, new) in ALIASES {
        assert!(
            table
                .properties
                .iter()
                .any(|p| p.old == *old && p.new == *new),
            "{model}: {old} → {new} is not in the table"
        );
    }
    assert!(ALIASES.contains(&("Expansions", "tweets", "posts")));
    // Scoped: Trend keeps `tweet_count` in the newer document.
    assert!(!ALIASES.iter().any(|(m, _, _)| *m == "Trend"));
}

fn page(posts_naming: bool) -> Value {
    let (edits, refs, reposts, posts, pinned, count) = if posts_naming {
        (
            "edit_history_post_ids",
            "referenced_posts",
            "repost_count",
            "posts",
            "pinned_post_id",
            "post_count",
        )
    } else {
        (
            "edit_history_tweet_ids",
            "referenced_tweets",
            "retweet_count",
            "tweets",
            "pinned_tweet_id",
            "tweet_count",
        )
    };
    json!({
        "data": [{
            "id": "100",
            "text": "quoting and replying",
            "author_id": "7",
            edits: ["100"],
            refs: [{"type": "quoted", "id": "200"}, {"type": "replied_to", "id": "300"}],
            "public_metrics": {reposts: 4, "like_count": 9}
        }],
        "includes": {
            "users": [{"id": "7", "username": "author", pinned: "200", "public_metrics": {count: 12}}],
            posts: [{"id": "200", "text": "the quoted one", "author_id": "7", edits: ["200"]}]
        },
        "errors": [{
            "resource_id": "300",
            "resource_type": "tweet",
            "title": "Not Found Error",
            "type": "https://api.twitter.com/2/problems/resource-not-found",
            "detail": "Could not find the post."
        }],
        "meta": {"result_count": 1, "newest_id": "100", "oldest_id": "100"}
    })
}

type Page = xapi::models::Get2TweetsSearchRecentResponse;

#[test]
fn include_join_works_on_posts_naming() {
    let body: Page = serde_json::from_value(page(true)).expect("decodes");
    let response = xapi::Response::new(body, 200, Default::default(), None);
    let post = &response.posts()[0];
    assert_eq!(
        post.edit_history_tweet_ids.as_deref(),
        Some(&[xapi::Text::from("100")][..])
    );
    assert_eq!(
        post.public_metrics.as_ref().and_then(|m| m.retweet_count),
        Some(4)
    );
    let author = response
        .author(post)
        .found()
        .expect("author from includes.users");
    assert_eq!(author.username.as_deref(), Some("author"));
    assert_eq!(
        author.public_metrics.as_ref().and_then(|m| m.tweet_count),
        Some(12)
    );
    let refs = response.referenced(post);
    assert_eq!(refs.len(), 2, "both referenced_posts entries are read");
    assert_eq!(refs[0].0, ReferenceType::Quoted);
    let quoted = refs[0].1.found().expect("quoted post from includes.posts");
    assert_eq!(quoted.text.as_deref(), Some("the quoted one"));
    assert_eq!(refs[1].0, ReferenceType::RepliedTo);
    assert!(matches!(refs[1].1, Lookup::Unavailable(p) if p.resource_id.as_deref() == Some("300")));
    let pinned = response.pinned_post(author).found().expect("pinned post");
    assert_eq!(pinned.id.as_deref(), Some("200"));
    // Nothing was set aside as unknown.
    assert!(response
        .body()
        .includes
        .as_ref()
        .is_some_and(|i| i.extra.is_empty()));
    assert!(post.extra.is_empty(), "{:?}", post.extra);
}

#[test]
fn both_namings_decode_to_the_same_body_and_encode_with_2159_names() {
    let tweets: Page = serde_json::from_value(page(false)).expect("decodes");
    let posts: Page = serde_json::from_value(page(true)).expect("decodes");
    assert_eq!(tweets, posts);
    let written = serde_json::to_value(&posts).expect("serialises");
    assert_eq!(written, page(false), "serialisation keeps the 2.159 names");
}

#[test]
fn renames_stay_in_their_scope() {
    // `tweet_count` → `post_count` holds for users, not for trends.
    let trend: xapi::models::Trend =
        serde_json::from_value(json!({"trend_name": "#rust", "post_count": 3})).expect("decodes");
    assert_eq!(trend.tweet_count, None);
    assert_eq!(trend.extra.get("post_count"), Some(&json!(3)));
    // `posts` is the newer name of `includes.tweets` only.
    let post: xapi::models::Tweet =
        serde_json::from_value(json!({"id": "1", "posts": []})).expect("decodes");
    assert!(post.extra.contains_key("posts"));
}
