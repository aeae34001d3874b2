//! What goes on the wire: list parameters are sent comma-joined under one key,
//! and query and path values are percent-encoded so that they come back
//! unchanged. A mock server on 127.0.0.1 records every request.

use std::collections::BTreeMap;

use reqwest::Url;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::fields::{
    MediaField, PlaceField, PollField, SpaceField, TweetExpansion, TweetField, UserExpansion,
    UserField,
};
use xapi::ops::{Operation, Param, ParamLocation, OPERATIONS};
use xapi::{Api, Client};
use xapi_generated::runtime::{CsvList, RequestParts};

async fn server() -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .bearer_token("t")
        .base_url(server.uri())
        .build()
        .expect("client");
    (server, client)
}

/// The query of the only request the server received since the last reset.
async fn last_url(server: &MockServer) -> Url {
    let requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    let url = requests[0].url.clone();
    server.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(server)
        .await;
    url
}

/// Raw (still encoded) values of `key` in the query.
fn raw_values(url: &Url, key: &str) -> Vec<String> {
    url.query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v.to_owned())
        .collect()
}

/// Decoded values of `key` in the query.
fn values(url: &Url, key: &str) -> Vec<String> {
    url.query_pairs()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// Checks that `key` appears once, comma-joined, as `expected`.
fn assert_joined(url: &Url, key: &str, expected: &[&str]) {
    let joined = expected.join(",");
    let raw = raw_values(url, key);
    assert_eq!(raw.len(), 1, "{key} must be sent once: {url}");
    assert!(
        raw[0] == joined || raw[0] == joined.replace(',', "%2C"),
        "{key} must be sent as {joined:?} (or with %2C), got {:?}",
        raw[0]
    );
    assert_eq!(values(url, key), vec![joined], "{key} decoded");
}

#[tokio::test]
async fn builders_send_lists_comma_joined() {
    let (server, client) = server().await;

    client
        .tweets()
        .search_recent("rust")
        .tweet_fields([
            TweetField::Id,
            TweetField::CreatedAt,
            TweetField::PublicMetrics,
        ])
        .expansions([
            TweetExpansion::AuthorId,
            TweetExpansion::AttachmentsMediaKeys,
        ])
        .user_fields([UserField::Username, UserField::Verified])
        .media_fields([MediaField::Url, MediaField::Type])
        .poll_fields([PollField::Options])
        .place_fields([PlaceField::FullName, PlaceField::Geo])
        .max_results(10)
        .send()
        .await
        .expect("search");
    let url = last_url(&server).await;
    assert_eq!(url.path(), "/2/tweets/search/recent");
    assert_joined(
        &url,
        "tweet.fields",
        &["id", "created_at", "public_metrics"],
    );
    assert_joined(&url, "expansions", &["author_id", "attachments.media_keys"]);
    assert_joined(&url, "user.fields", &["username", "verified"]);
    assert_joined(&url, "media.fields", &["url", "type"]);
    assert_joined(&url, "poll.fields", &["options"]);
    assert_joined(&url, "place.fields", &["full_name", "geo"]);
    assert_eq!(values(&url, "query"), vec!["rust".to_owned()]);
    assert_eq!(values(&url, "max_results"), vec!["10".to_owned()]);

    client
        .tweets()
        .get_by_ids([
            "20".to_owned(),
            "21".to_owned(),
            "1146654567674912769".to_owned(),
        ])
        .tweet_fields(TweetField::ALL.iter().cloned())
        .send()
        .await
        .expect("posts by ids");
    let url = last_url(&server).await;
    assert_joined(&url, "ids", &["20", "21", "1146654567674912769"]);
    let all: Vec<&str> = TweetField::ALL.iter().map(|f| f.as_str()).collect();
    assert_joined(&url, "tweet.fields", &all);

    client
        .users()
        .get_by_usernames(["XDevelopers", "X"])
        .user_fields([UserField::CreatedAt, UserField::Description])
        .expansions([UserExpansion::PinnedTweetId])
        .send()
        .await
        .expect("users by usernames");
    let url = last_url(&server).await;
    assert_joined(&url, "usernames", &["XDevelopers", "X"]);
    assert_joined(&url, "user.fields", &["created_at", "description"]);
    assert_joined(&url, "expansions", &["pinned_tweet_id"]);

    client
        .spaces()
        .get_by_ids(["1SLjjRYNejbKM", "1YpKkgVgevjKj"])
        .space_fields([SpaceField::Title, SpaceField::State])
        .send()
        .await
        .expect("spaces by ids");
    let url = last_url(&server).await;
    assert_joined(&url, "ids", &["1SLjjRYNejbKM", "1YpKkgVgevjKj"]);
    assert_joined(&url, "space.fields", &["title", "state"]);

    client
        .media()
        .get_by_keys(["3_1146654567674912769".to_owned(), "7_20".to_owned()])
        .send()
        .await
        .expect("media by keys");
    let url = last_url(&server).await;
    assert_joined(&url, "media_keys", &["3_1146654567674912769", "7_20"]);
}

#[tokio::test]
async fn the_positional_client_sends_lists_comma_joined_too() {
    let (server, client) = server().await;
    let ids: CsvList<xapi::Text> = CsvList(vec!["20".into(), "21".into()]);
    let fields: CsvList<TweetField> = CsvList(vec![TweetField::Id, TweetField::Lang]);
    client
        .raw()
        .get_posts_by_ids(None, &ids, None, None, None, Some(&fields), None)
        .await
        .expect("positional call");
    let url = last_url(&server).await;
    assert_joined(&url, "ids", &["20", "21"]);
    assert_joined(&url, "tweet.fields", &["id", "lang"]);
}

#[tokio::test]
async fn the_positional_client_keeps_path_values_in_their_segment() {
    let (server, client) = server().await;
    for bad in ["", ".", ".."] {
        let id: xapi::Text = bad.into();
        let result = client
            .raw()
            .get_posts_by_id(&id, None, None, None, None, None, None)
            .await;
        match result {
            Err(xapi_generated::client::Error::InvalidRequest(reason)) => {
                assert!(reason.contains("dot segment"), "{reason}")
            }
            other => panic!("{bad:?}: {:?}", other.map(|_| ())),
        }
    }
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests.is_empty(), "sent: {requests:?}");
    // A value the document's pattern refuses is not sent.
    let id: xapi::Text = "a/b".into();
    let refused = client
        .raw()
        .get_posts_by_id(&id, None, None, None, None, None, None)
        .await;
    assert!(refused.is_err());
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests.is_empty(), "sent: {requests:?}");
    // Where the document gives no pattern, other values are encoded into one segment.
    let id: xapi::Text = "a/b\\c%2e".into();
    client
        .raw()
        .get_users_muting(&id, None, None, None, None, None)
        .await
        .expect("positional call");
    let url = last_url(&server).await;
    assert_eq!(url.path(), "/2/users/a%2Fb%5Cc%252e/muting");
}

/// A value that passes the table's rules for `param` (item `i` of a list).
fn valid_item(param: &Param, i: usize) -> String {
    let base = match param.pattern {
        Some(r"^[0-9]{1,19}$") => format!("114665456767491276{i}"),
        Some(r"^[a-zA-Z0-9]{1,13}$") => format!("1SLjjRYNejbK{i}"),
        Some(r"^[A-Za-z0-9_]{1,15}$") => format!("user_{i}"),
        Some(r"^([0-9]+)_([0-9]+)$") => format!("3_114665456767491276{i}"),
        Some(r"^[a-zA-Z0-9]{1,50}$") => format!("abc{i}"),
        Some(r"^\d{12}$") | Some(r"^[0-9]{12}$") => format!("20250424200{i}"),
        Some(r"^([0-9]{1,19}-[0-9]{1,19}|g[0-9]{1,19})$")
        | Some(r"^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$") => format!("12-3{i}"),
        Some(r"^[A-Za-z0-9_' ]{1,50}$") => format!("name {i}"),
        Some(other) => panic!("no sample for pattern {other} of {}", param.name),
        None if param.min.is_some() || param.max.is_some() => {
            let v = param
                .min
                .unwrap_or(1.0)
                .max(param.max.map_or(1.0, |m| m.min(1.0)));
            format!("{v}")
        }
        None if param.name.ends_with("_time") => "2025-01-01T00:00:00Z".to_owned(),
        None => format!("v{i}"),
    };
    let mut s = base;
    while param.min_length.is_some_and(|m| s.chars().count() < m) {
        s.push('0');
    }
    s
}

/// Every list parameter of every operation goes out as one comma-joined key.
#[tokio::test]
async fn every_list_parameter_is_sent_as_one_key() {
    let (server, client) = server().await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for op in OPERATIONS.iter() {
        let lists: Vec<&Param> = op
            .params
            .iter()
            .filter(|p| p.array && p.location == ParamLocation::Query)
            .collect();
        if lists.is_empty() {
            continue;
        }
        let mut parts = RequestParts::new(op);
        let mut expected: BTreeMap<&str, String> = BTreeMap::new();
        for param in op.params {
            if !(param.required || param.array) {
                continue;
            }
            let value = if param.array {
                let n = 2usize
                    .max(param.min_items.unwrap_or(0))
                    .min(param.max_items.unwrap_or(usize::MAX));
                let items: Vec<String> = (0..n).map(|i| valid_item(param, i)).collect();
                CsvList(items).to_string()
            } else {
                valid_item(param, 0)
            };
            match param.location {
                ParamLocation::Path => parts.set_path(param.name, value),
                ParamLocation::Query => {
                    if param.array {
                        expected.insert(param.name, value.clone());
                    }
                    parts.set_query(param.name, value)
                }
                _ => {}
            }
        }
        let sent = client.send_operation::<serde_json::Value>(op, parts).await;
        if op.is_streaming() {
            // The mock answers `{}` once and closes: the request went out.
            let _ = sent;
        } else if let Err(e) = sent {
            failures.push(format!("{}: {e}", op.id));
            server.reset().await;
            Mock::given(any())
                .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
                .mount(&server)
                .await;
            continue;
        }
        let url = last_url(&server).await;
        for (name, value) in &expected {
            let raw = raw_values(&url, name);
            let decoded = values(&url, name);
            if raw.len() != 1 || decoded != vec![value.clone()] {
                failures.push(format!(
                    "{}: {name} sent as {raw:?} (decoded {decoded:?}), expected one {value:?}",
                    op.id
                ));
            }
            if value.contains(',') {
                checked += 1;
            }
        }
    }
    println!("{checked} list parameters checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked > 100,
        "expected well over 100 list parameters, checked {checked}"
    );
}

const AWKWARD: &[&str] = &[
    "from:XDevelopers,XDev #rust & \"quoted\" -is:retweet",
    "a+b=c; d%20e/f?g",
    "café naïve Zürich 東京",
    "🦀 crabs 🦀, 👩‍👩‍👧 & #🔥",
    "  leading and trailing  ",
    "%%41%",
];

#[tokio::test]
async fn query_values_are_percent_encoded_and_come_back_unchanged() {
    let (server, client) = server().await;
    for text in AWKWARD {
        client
            .tweets()
            .search_recent(*text)
            .tweet_fields([TweetField::Id, TweetField::Text])
            .send()
            .await
            .expect("search");
        let url = last_url(&server).await;
        let raw = url.query().unwrap_or_default();
        assert!(raw.is_ascii(), "raw query must be ASCII: {raw}");
        assert!(!raw.contains('#'), "an unencoded # ends the URL: {raw}");
        assert!(url.fragment().is_none(), "no fragment: {url}");
        assert_eq!(
            raw.split('&').count(),
            2,
            "exactly two pairs (query, tweet.fields): {raw}"
        );
        assert_eq!(values(&url, "query"), vec![(*text).to_owned()], "{raw}");
        assert_joined(&url, "tweet.fields", &["id", "text"]);
    }
}

#[tokio::test]
async fn path_values_are_one_encoded_segment() {
    let (server, client) = server().await;
    // The user id of `getUsersBlocking` has no pattern in the table: anything may be sent.
    let op: &'static Operation = xapi_generated::ops::find("getUsersBlocking").expect("operation");
    assert!(
        op.param("id").is_some_and(|p| p.pattern.is_none()),
        "this test needs a path parameter without a pattern"
    );
    for text in [
        "a/b c", "x?y#z", "é🦀", "%2F", "%2e%2E", "...", "a..", "1 2", "a;b=c",
    ] {
        let mut parts = RequestParts::new(op);
        parts.set_path("id", text.to_owned());
        client
            .send_operation::<serde_json::Value>(op, parts)
            .await
            .expect("sent");
        let url = last_url(&server).await;
        let segments: Vec<&str> = url.path_segments().expect("segments").collect();
        assert_eq!(
            segments.len(),
            4,
            "{text:?} must stay one segment: {}",
            url.path()
        );
        assert_eq!(segments[0], "2");
        assert_eq!(segments[1], "users");
        assert_eq!(segments[3], "blocking");
        let decoded: String = percent_decode(segments[2]);
        assert_eq!(decoded, text, "segment {}", segments[2]);
        assert!(url.query().is_none() && url.fragment().is_none(), "{url}");
    }
}

/// Path values a URL parser would drop, climb with, or split: `.` and `..`
/// (dot segments, also when written `%2E`) and backslashes (a path separator
/// in `http` URLs). Each must be refused before sending, or sent as one
/// segment that decodes to the value; never to another endpoint.
#[tokio::test]
async fn path_values_never_reach_another_endpoint() {
    let (server, client) = server().await;
    let op: &'static Operation = xapi_generated::ops::find("getUsersBlocking").expect("operation");
    let mut failures = Vec::new();
    for text in [".", "..", "\\..", "a\\b", "\\"] {
        let mut parts = RequestParts::new(op);
        parts.set_path("id", text.to_owned());
        match client.send_operation::<serde_json::Value>(op, parts).await {
            Err(xapi::Error::InvalidRequest { parameter, .. }) if parameter == "id" => continue,
            Err(e) => failures.push(format!("{text:?}: {e}")),
            Ok(_) => {}
        }
        let url = last_url(&server).await;
        let segments: Vec<&str> = url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        if segments.len() != 4 || segments[3] != "blocking" || percent_decode(segments[2]) != text {
            failures.push(format!("{text:?} was sent to {}", url.path()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
