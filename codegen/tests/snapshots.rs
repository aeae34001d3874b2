//! The whole pipeline on a small invented document (`fixtures/mini.json`,
//! with `mini-overlay.toml` and `mini-renames.toml`): every output file is
//! compared with its committed snapshot, and each pass is checked for having
//! done its job on the document.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use xapi_codegen::Generated;

const DOCUMENT: &str = include_str!("fixtures/mini.json");
const OVERLAY: &str = include_str!("fixtures/mini-overlay.toml");
const RENAMES: &str = include_str!("fixtures/mini-renames.toml");

/// The files every run produces.
const FILES: &[&str] = &[
    "src/client.rs",
    "src/fields.rs",
    "src/lib.rs",
    "src/models.rs",
    "src/ops.rs",
    "src/requests.rs",
    "src/runtime.rs",
];

fn generated() -> &'static Generated {
    static GENERATED: OnceLock<Generated> = OnceLock::new();
    GENERATED.get_or_init(|| {
        xapi_codegen::generate(DOCUMENT, OVERLAY, RENAMES).expect("the mini document generates")
    })
}

fn file(name: &str) -> &'static str {
    generated()
        .files
        .get(name)
        .unwrap_or_else(|| panic!("{name} is generated"))
}

fn document() -> serde_json::Value {
    serde_json::from_str(DOCUMENT).expect("the fixture is JSON")
}

/// Every operation of the fixture: (operation id, method, path, tags).
fn fixture_operations() -> Vec<(String, String, String, Vec<String>)> {
    let doc = document();
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = Vec::new();
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("a path item") {
            let tags = op["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str())
                .map(str::to_owned)
                .collect();
            let id = op["operationId"].as_str().expect("an operation id");
            out.push((id.to_owned(), method.to_uppercase(), path.clone(), tags));
        }
    }
    out
}

/// The text of one operation's static in `ops.rs`, found by operation id:
/// from its documentation line to the end of its initialiser.
fn op_static(id: &str) -> &'static str {
    let ops = file("src/ops.rs");
    let start = ops
        .find(&format!("///Operation `{id}`:"))
        .unwrap_or_else(|| panic!("no static for {id} in ops.rs"));
    let end = ops[start..]
        .find("\n};")
        .unwrap_or_else(|| panic!("the static of {id} is not closed"));
    &ops[start..start + end]
}

/// The text of one `impl_model!` invocation in `models.rs`.
fn model_macro(name: &str) -> &'static str {
    let models = file("src/models.rs");
    let start = models
        .find(&format!("crate::runtime::impl_model!({name} {{"))
        .unwrap_or_else(|| panic!("no impl_model! for {name}"));
    let end = models[start..]
        .find(");")
        .unwrap_or_else(|| panic!("impl_model! for {name} is not closed"));
    &models[start..start + end]
}

/// The text from `needle` to the next line that closes an item at the top
/// level (`}` alone on a line).
fn item_from<'a>(text: &'a str, needle: &str) -> &'a str {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is generated"));
    let end = text[start..].find("\n}").map_or(text.len(), |e| start + e);
    &text[start..end]
}

/// The features of the `#[cfg…]` attribute among the attribute and doc
/// lines right above `needle` in `text`; `None` when there is none.
fn gate_above(text: &str, needle: &str) -> Option<BTreeSet<String>> {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is generated"));
    let line = text[..at]
        .lines()
        .rev()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| l.starts_with("#[") || l.starts_with("///"))
        .find(|l| l.starts_with("#[cfg("))?;
    Some(
        line.split("feature = \"")
            .skip(1)
            .filter_map(|piece| piece.split('"').next())
            .map(str::to_owned)
            .collect(),
    )
}

fn squeeze(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn kebab(tags: &[String]) -> BTreeSet<String> {
    xapi_codegen::gates::of_tags(tags)
}

#[test]
fn every_output_file_is_produced() {
    let names: Vec<&str> = generated().files.keys().map(String::as_str).collect();
    assert_eq!(names, FILES);
    for (name, text) in &generated().files {
        assert!(
            text.starts_with(xapi_codegen::HEADER),
            "{name} starts with the header line"
        );
    }
}

#[test]
fn snapshot_models() {
    insta::assert_snapshot!("models", file("src/models.rs"));
}

#[test]
fn snapshot_ops() {
    insta::assert_snapshot!("ops", file("src/ops.rs"));
}

#[test]
fn snapshot_requests() {
    insta::assert_snapshot!("requests", file("src/requests.rs"));
}

#[test]
fn snapshot_client() {
    insta::assert_snapshot!("client", file("src/client.rs"));
}

#[test]
fn snapshot_fields() {
    insta::assert_snapshot!("fields", file("src/fields.rs"));
}

#[test]
fn snapshot_lib() {
    insta::assert_snapshot!("lib", file("src/lib.rs"));
}

#[test]
fn generation_is_deterministic() {
    let again = xapi_codegen::generate(DOCUMENT, OVERLAY, RENAMES).expect("generates");
    assert_eq!(again.files, generated().files);
}

#[test]
fn overlay_patches_apply_for_this_version_only() {
    // Three patches name this version or none; the fourth is for 0.41 and
    // names a schema the document lacks, so applying it would fail the run.
    assert_eq!(generated().patches, 3);
    let models = file("src/models.rs");
    let tweet = item_from(models, "pub struct Tweet {");
    assert!(
        tweet.contains("`created_at` — type string, format `date-time`"),
        "{tweet}"
    );
    assert!(!models.contains("data-time"));
    let list = item_from(models, "pub struct List {");
    assert!(list.contains("pub follower_count: Option<i64>,"), "{list}");
    assert!(!models.contains("pub struct Error "), "the removed schema");
}

#[test]
fn renames_give_a_second_accepted_spelling() {
    assert_eq!(generated().aliases, 3);
    let tweet = model_macro("Tweet");
    assert!(tweet.contains("\"edit_history_tweet_ids\" => edit_history_tweet_ids,"));
    assert!(tweet.contains("\"edit_history_post_ids\" => edit_history_tweet_ids,"));
    assert!(model_macro("TweetPublicMetrics").contains("\"repost_count\" => retweet_count,"));
    assert!(model_macro("Expansions").contains("\"posts\" => tweets,"));
    // Out of scope: the user counters keep one spelling.
    assert!(!model_macro("UserPublicMetrics").contains("post_count"));
    // Serialising keeps the document's name.
    let models = file("src/models.rs");
    assert!(models.contains("#[serde(rename = \"edit_history_tweet_ids\""));
    assert!(!models.contains("#[serde(rename = \"edit_history_post_ids\""));
    let table = item_from(models, "pub mod renamed {");
    assert!(table.contains("(\"Tweet\", \"edit_history_tweet_ids\", \"edit_history_post_ids\"),"));
    assert!(table.contains("(\"Get2TweetsResponse\", \"includes\", \"Expansions\"),"));
}

#[test]
fn field_and_expansion_enums_are_hoisted() {
    let doc = document();
    let parameters = doc["components"]["parameters"]
        .as_object()
        .expect("parameters");
    let fields = file("src/fields.rs");
    // Enums are written inside `string_enum!`, which the formatter wraps
    // freely: compare with whitespace squeezed.
    let models = squeeze(file("src/models.rs"));
    let mut hoisted = 0;
    for (component, parameter) in parameters {
        let name = xapi_codegen::passes::hoisted_name(component)
            .unwrap_or_else(|| panic!("{component} is a field or expansion parameter"));
        assert!(models.contains(&format!("pub enum {name} {{")), "{name}");
        assert!(
            models.contains(&format!(
                "pub type {name}List = crate::runtime::CsvList<{name}>;"
            )),
            "{name}List"
        );
        assert!(fields.contains(&format!("pub use crate::models::{name};")));
        // Every value of the parameter is a variant, each once.
        let values = parameter["schema"]["items"]["enum"]
            .as_array()
            .expect("enum values");
        let start = models
            .find(&format!("pub enum {name} {{"))
            .expect("the enum");
        let body = &models[start..start + models[start..].find('}').expect("closed")];
        for value in values.iter().filter_map(|v| v.as_str()) {
            let literal = format!("= \"{value}\"");
            assert_eq!(body.matches(&literal).count(), 1, "{name}: {value}");
        }
        hoisted += 1;
    }
    assert_eq!(
        fields.matches("pub use crate::models::").count(),
        hoisted,
        "fields.rs re-exports the hoisted enums and nothing else"
    );
    // An operation takes the shared list, not an enum of its own.
    let client = file("src/client.rs");
    assert!(client.contains("tweet_fields: Option<&'a crate::models::TweetFieldList>,"));
    assert!(!models.contains("FindTweetsByIdTweetFields"));
}

#[test]
fn array_query_parameters_become_comma_joined_lists() {
    let models = squeeze(file("src/models.rs"));
    assert!(models.contains("pub type StringList = crate::runtime::CsvList<String>;"));
    assert!(models.contains("pub type TweetIdList = crate::runtime::CsvList<TweetId>;"));
    assert!(models.contains(
        "pub type GetDmEventsEventTypesList = crate::runtime::CsvList<GetDmEventsEventTypes>;"
    ));
    // A scalar inline enum gets a named enum, and no list.
    assert!(models.contains("pub enum SearchPostsRecentSortOrder {"));
    assert!(!models.contains("SearchPostsRecentSortOrderList"));
    let client = file("src/client.rs");
    assert!(client.contains("usernames: &'a crate::models::StringList,"));
    assert!(client.contains("ids: &'a crate::models::TweetIdList,"));
    let requests = file("src/requests.rs");
    let strings = "value: impl IntoIterator<Item = impl Into<String>>";
    for setter in ["pub fn ids(", "pub fn usernames("] {
        let from = item_from(requests, setter);
        let signature = &from[..from.find('{').expect("a body")];
        assert!(signature.contains(strings), "{signature}");
    }
    let event_types = item_from(requests, "pub fn event_types(");
    assert!(
        event_types.contains("impl IntoIterator<Item = crate::models::GetDmEventsEventTypes>"),
        "{event_types}"
    );
    assert!(requests.contains("crate::runtime::join_csv(value)"));
}

#[test]
fn paginated_operations_name_their_token_parameter() {
    let token = |id: &str| {
        let text = op_static(id);
        text.lines()
            .find_map(|l| l.trim().strip_prefix("pagination: "))
            .map(str::to_owned)
    };
    let expected = [
        ("getUsersFollowers", "pagination_token"),
        ("getDmEvents", "pagination_token"),
        ("searchPostsRecent", "next_token"),
    ];
    for (id, parameter) in expected {
        assert_eq!(
            token(id),
            Some(format!(
                "crate::runtime::Pagination::Token(\"{parameter}\"),"
            )),
            "{id}"
        );
        assert!(file("src/client.rs").contains(&format!(
            "Paginated: pass `meta.next_token` of a page as `{parameter}`."
        )));
    }
    for (id, ..) in fixture_operations() {
        if !expected.iter().any(|(e, _)| *e == id) {
            assert_eq!(token(&id), None, "{id} is not paginated");
        }
    }
    let requests = file("src/requests.rs");
    let followers = item_from(
        requests,
        "impl<'c, S: crate::runtime::Sender> GetUsersFollowers<",
    );
    assert!(followers.contains("pub fn pages(self)"), "{followers}");
    let lookup = item_from(
        requests,
        "impl<'c, S: crate::runtime::Sender> FindTweetsById<",
    );
    assert!(!lookup.contains("pub fn pages("), "{lookup}");
}

#[test]
fn the_streaming_operation_is_a_byte_stream() {
    let stream = op_static("streamPosts");
    assert!(
        stream.contains("delivery: crate::runtime::Delivery::JsonLines,"),
        "{stream}"
    );
    assert!(stream.contains("response: Some(\"StreamingTweetResponse\"),"));
    let ops = file("src/ops.rs");
    assert_eq!(
        ops.matches("delivery: crate::runtime::Delivery::JsonLines,")
            .count(),
        1
    );
    let dispatch = item_from(ops, "pub fn reencode_stream_message(");
    assert!(dispatch.contains(
        "\"streamPosts\" => {\n            Some(crate::runtime::reencode::<crate::models::StreamingTweetResponse>(line))"
    ));
    let success = item_from(ops, "pub fn reencode_success(");
    assert!(!success.contains("\"streamPosts\""), "{success}");
    let client = file("src/client.rs");
    let method = item_from(client, "pub async fn stream_posts<'a>(");
    assert!(
        method.contains("Result<ResponseValue<ByteStream>, Error<()>>"),
        "{method}"
    );
    assert!(method.contains("Ok(ResponseValue::stream(response))"));
    assert_eq!(client.matches("ResponseValue<ByteStream>").count(), 1);
    let requests = file("src/requests.rs");
    let builder = item_from(requests, "impl<'c, S: crate::runtime::Sender> StreamPosts<");
    assert!(builder.contains("pub fn stream(self)"), "{builder}");
}

#[test]
fn the_multipart_body_is_set_aside() {
    let upload = op_static("mediaUpload");
    assert!(upload.contains("multipart: true,"), "{upload}");
    assert_eq!(file("src/ops.rs").matches("multipart: true,").count(), 1);
    let client = file("src/client.rs");
    let method = item_from(client, "pub async fn media_upload<'a>(");
    assert!(method.contains(".json(&body)"), "{method}");
    assert!(!client.contains("multipart/form-data"));
    assert!(client.contains("Also accepts a multipart body, sent by the upload helpers."));
}

#[test]
fn only_the_success_response_is_kept() {
    for id in ["createPosts", "createDirectMessagesByParticipantId"] {
        assert!(op_static(id).contains("success_status: 201u16,"), "{id}");
    }
    assert!(!op_static("findTweetsById").contains("success_status"));
    let client = file("src/client.rs");
    assert!(!client.contains("crate::models::Problem"), "no error types");
    assert!(client.contains("201u16 => ResponseValue::from_response(response).await,"));
    // Without a schema reference, the success body decodes as any value.
    assert!(!op_static("getOpenApiSpec").contains("response:"));
    assert!(file("src/ops.rs")
        .contains("\"getOpenApiSpec\" => Some(crate::runtime::reencode_value(body)),"));
}

#[test]
fn problem_subtypes_merge_into_the_problem_model() {
    let problem = model_macro("Problem");
    for key in ["type", "title", "errors", "resource_type", "resource_id"] {
        assert!(
            problem.contains(&format!("\"{key}\" => ")),
            "Problem: {key}"
        );
    }
    let subtype = model_macro("ResourceNotFoundProblem");
    for key in ["type", "title", "resource_type"] {
        assert!(
            subtype.contains(&format!("\"{key}\" => ")),
            "subtype: {key}"
        );
    }
    let media = model_macro("Media");
    for key in ["url", "duration_ms"] {
        assert!(media.contains(&format!("\"{key}\" => ")), "Media: {key}");
    }
}

#[test]
fn path_parameters_keep_their_patterns() {
    let param = |id: &str, name: &str| {
        let text = op_static(id);
        let start = text
            .find(&format!("name: \"{name}\","))
            .unwrap_or_else(|| panic!("{id} has {name}"));
        let end = text[start..]
            .find("..crate::runtime::Param::NONE")
            .expect("closed");
        text[start..start + end].to_owned()
    };
    let id = param("findTweetById", "id");
    assert!(
        id.contains("location: crate::runtime::ParamLocation::Path,"),
        "{id}"
    );
    assert!(id.contains("pattern: Some(\"^[0-9]{1,19}$\"),"), "{id}");
    let username = param("getUsersByUsername", "username");
    assert!(username.contains("location: crate::runtime::ParamLocation::Path,"));
    assert!(!username.contains("pattern"), "{username}");
    // Every path value goes through the guard.
    let templates: usize = fixture_operations()
        .iter()
        .map(|(_, _, path, _)| path.matches('{').count())
        .sum();
    assert!(templates > 0);
    assert_eq!(
        squeeze(file("src/client.rs"))
            .matches("crate ::runtime::path_segment(")
            .count(),
        templates
    );
}

#[test]
fn request_bodies_record_required_properties() {
    let create = op_static("createPosts");
    let body = &create[create.find("body: Some(").expect("a body")..];
    assert!(body.starts_with("body: Some(crate::runtime::Body {\n        required: true,"));
    assert!(
        body.contains("name: \"text\",\n                    required: true,"),
        "{body}"
    );
    assert!(body.contains("name: \"reply\",\n                    required: false,"));
    assert!(body.contains("max_items: Some(4usize),"));
    let like = op_static("likePost");
    assert!(like.contains("required: false,\n        shape: crate::runtime::Shape::Object("));
    assert!(like.contains("name: \"tweet_id\",\n                    required: true,"));
    assert!(op_static("createDirectMessagesByParticipantId")
        .contains("shape: crate::runtime::Shape::AnyOf("));
    assert!(!op_static("findTweetsById").contains("body:"));
}

#[test]
fn the_recursive_schema_is_boxed() {
    let node = item_from(file("src/models.rs"), "pub struct ThreadNode {");
    assert!(
        node.contains("pub parent: Option<Box<ThreadNode>>,"),
        "{node}"
    );
    assert!(
        node.contains("pub replies: Option<Vec<ThreadNode>>,"),
        "{node}"
    );
}

#[test]
fn prose_is_replaced_by_facts() {
    let doc = document();
    let mut prose = vec![doc["info"]["description"].as_str().expect("a description")];
    for item in doc["paths"].as_object().expect("paths").values() {
        for op in item.as_object().expect("a path item").values() {
            prose.extend(op["description"].as_str());
            prose.extend(op["summary"].as_str());
        }
    }
    for text in doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .values()
    {
        prose.extend(text["description"].as_str());
    }
    for (name, text) in &generated().files {
        for sentence in &prose {
            assert!(!text.contains(sentence), "{name} keeps {sentence:?}");
        }
    }
    let client = file("src/client.rs");
    assert!(client.contains("`GET /2/tweets` (operation `findTweetsById`, tag Tweets)."));
    assert!(client.contains(
        "Credentials: `BearerToken` or `OAuth2UserToken` (tweet.read, users.read) or `UserToken`."
    ));
    assert!(client.contains("Reference: <https://docs.example.invalid/tweets/lookup>"));
}

#[test]
fn every_tag_is_a_feature_gating_its_operations() {
    let operations = fixture_operations();
    let (ops, client, requests) = (
        file("src/ops.rs"),
        file("src/client.rs"),
        file("src/requests.rs"),
    );
    let mut seen = BTreeSet::new();
    for (id, method, path, tags) in &operations {
        let features = kebab(tags);
        assert!(!features.is_empty(), "{id} is tagged");
        let doc = format!("///Operation `{id}`: `{method} {path}`.");
        let from_doc = &ops[ops.find(&doc).unwrap_or_else(|| panic!("{doc}"))..];
        assert_eq!(
            gate_above(from_doc, "pub static"),
            Some(features.clone()),
            "{id}"
        );
        let arm = format!("\n        \"{id}\" => ");
        assert_eq!(gate_above(ops, &arm), Some(features.clone()), "{id} arm");
        let struct_name = format!("pub struct {}<'c, S>", upper_camel(id));
        assert_eq!(
            gate_above(requests, &struct_name),
            Some(features.clone()),
            "{struct_name}"
        );
        let method_name = format!("pub async fn {}<'a>(", snake(id));
        assert_eq!(
            gate_above(client, &method_name),
            Some(features.clone()),
            "{method_name}"
        );
        seen.extend(features);
    }
    let declared: BTreeSet<String> = document()["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| xapi_codegen::gates::of_tag(t["name"].as_str().expect("a name")))
        .collect();
    assert_eq!(seen, declared, "every declared tag has an operation");
    // A group is compiled with any of its members: likePost (Users, Tweets)
    // belongs to the Users group.
    assert_eq!(
        gate_above(requests, "pub struct UsersApi<'c, S>"),
        Some(kebab(&["Tweets".to_owned(), "Users".to_owned()]))
    );
}

#[test]
fn models_are_gated_by_the_operations_reaching_them() {
    let models = file("src/models.rs");
    // Used by the facade whatever the features: never gated.
    for core in ["Tweet", "User", "Problem", "Expansions", "Media"] {
        assert_eq!(
            gate_above(models, &format!("pub struct {core} {{")),
            None,
            "{core}"
        );
    }
    // Reached by one area only.
    assert_eq!(
        gate_above(models, "pub struct DmEvent {"),
        Some(kebab(&["Direct Messages".to_owned()]))
    );
    assert_eq!(
        gate_above(models, "pub struct Get2ListsIdResponse {"),
        Some(kebab(&["Lists".to_owned()]))
    );
    // Reached by no operation: compiled with `full` only.
    for unreached in ["Photo", "Video", "InvalidRequestProblem"] {
        assert_eq!(
            gate_above(models, &format!("pub struct {unreached} {{")),
            Some(BTreeSet::from(["full".to_owned()])),
            "{unreached}"
        );
    }
}

#[test]
fn lib_names_the_version_and_the_operation_count() {
    let count = fixture_operations().len();
    assert_eq!(generated().operations, count);
    let lib = file("src/lib.rs");
    let version = document()["info"]["version"]
        .as_str()
        .expect("a version")
        .to_owned();
    assert!(lib.contains(&format!(
        "pub const DOCUMENT_VERSION: &str = \"{version}\";"
    )));
    assert!(lib.contains(&format!("pub const OPERATION_COUNT: usize = {count};")));
    assert!(lib.contains(&format!("({count} operations)")));
    assert_eq!(
        file("src/ops.rs")
            .matches(": crate::runtime::Operation = ")
            .count(),
        count
    );
}

/// `findTweetsById` → `FindTweetsById`.
fn upper_camel(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// `findTweetsById` → `find_tweets_by_id`.
fn snake(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
