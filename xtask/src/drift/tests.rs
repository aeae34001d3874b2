//! The comparison and its outputs on two small documents.

use std::path::PathBuf;

use serde_json::{json, Value};

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

/// The changes of the JSON report of the two documents.
fn changes() -> Vec<Value> {
    report_json_value()["changes"]
        .as_array()
        .expect("changes")
        .clone()
}

#[test]
fn operations_are_paired_and_their_changes_reported() {
    let changes = changes();
    let c = |l: &str, p: &str, k: &str| find(&changes, l, p, k).clone();
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
}

#[test]
fn parameter_changes_are_classified() {
    let changes = changes();
    let c = |l: &str, p: &str, k: &str| find(&changes, l, p, k).clone();
    // Parameters: newly required is breaking, a new optional one additive.
    let x = c("GET /2/tweets/{id}", "", "parameter_now_required");
    assert_eq!(x["severity"], "breaking");
    assert_eq!(x["location"], "GET /2/tweets/{id}");
    let x = c("GET /2/tweets/{id}", "", "parameter_added");
    assert_eq!(
        (&x["new"], &x["severity"]),
        (&json!("lang (query)"), &json!("additive"))
    );
}

#[test]
fn shared_parameters_are_paired_by_name() {
    let changes = changes();
    let c = |l: &str, p: &str, k: &str| find(&changes, l, p, k).clone();
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
}

#[test]
fn schemas_are_paired_where_they_are_used() {
    let changes = changes();
    let c = |l: &str, p: &str, k: &str| find(&changes, l, p, k).clone();
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
}

#[test]
fn request_bodies_break_on_new_required_properties() {
    let changes = changes();
    let c = |l: &str, p: &str, k: &str| find(&changes, l, p, k).clone();
    // Request bodies: a new required property breaks, a new value does not.
    let x = c("POST /2/tweets", "nullcast", "property_added");
    assert_eq!(
        (&x["context"], &x["severity"]),
        (&json!("request"), &json!("breaking"))
    );
    let x = c("POST /2/tweets", "reply_settings", "enum_value_added");
    assert_eq!(x["severity"], "additive");
}

#[test]
fn json_report_counts_the_changes_and_pairs_every_rename() {
    let v = report_json_value();
    assert_eq!(v["old_version"], "1.0");
    assert_eq!(v["new_version"], "2.0");
    let changes = v["changes"].as_array().expect("changes");
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
        let a =
            render(&compare(&old_doc(), &new_doc(), &Words::default()), format).expect("renders");
        let b =
            render(&compare(&old_doc(), &new_doc(), &Words::default()), format).expect("renders");
        assert_eq!(a, b);
        assert!(a.ends_with('\n') && !a.ends_with("\n\n"), "{format:?}");
    }
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
