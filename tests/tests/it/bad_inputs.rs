//! One table of wrong inputs across the facade. Each row names the operation,
//! the parameter and a fragment of the rule it must be refused with; the
//! mock server behind the client must see no request at all.
//!
//! Every row runs; the mismatches are reported together.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, TimeZone, Utc};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::fields::TweetField;
use xapi::models::{
    CreateComplianceJobRequest, CreateComplianceJobRequestType, CreateDmConversationRequest,
    CreateDmConversationRequestConversationType, CreateMessageRequest, ListCreateRequest,
    ListUpdateRequest, MediaCategorySubtitles, TweetCreateRequest, TweetCreateRequestReply,
};
use xapi::posts::NewPost;
use xapi::rules::{NewRule, RuleLimits};
use xapi::{Api, Client, Error};

type Call = Box<dyn Fn(Client) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>>;

/// The refusal a row expects: `Error::InvalidRequest` for `operation`, naming
/// `parameter`, with a rule that contains `rule`.
struct Refusal {
    operation: &'static str,
    parameter: &'static str,
    rule: &'static str,
}

struct Row {
    label: &'static str,
    expect: Refusal,
    call: Call,
}

/// `row!(label, operation, parameter, rule fragment, |client| call)`; the call's
/// success value is dropped.
macro_rules! row {
    ($label:expr, $op:literal, $param:literal, $rule:literal, |$c:ident| $body:expr) => {
        Row {
            label: $label,
            expect: Refusal {
                operation: $op,
                parameter: $param,
                rule: $rule,
            },
            call: Box::new(|$c: Client| Box::pin(async move { $body.map(|_| ()) })),
        }
    };
}

/// Checks one outcome against its row; `None` when it matches.
fn mismatch(expect: &Refusal, outcome: Result<(), Error>) -> Option<String> {
    let wanted = format!(
        "Error::InvalidRequest {{ operation: {:?}, parameter: {:?}, rule: ..{:?}.. }}",
        expect.operation, expect.parameter, expect.rule
    );
    match outcome {
        Err(Error::InvalidRequest {
            operation,
            parameter,
            rule,
        }) if operation == expect.operation
            && parameter == expect.parameter
            && rule.contains(expect.rule) =>
        {
            None
        }
        Err(Error::InvalidRequest {
            operation,
            parameter,
            rule,
        }) => Some(format!(
            "expected {wanted}, got Error::InvalidRequest {{ operation: {operation:?}, \
             parameter: {parameter:?}, rule: {rule:?} }}"
        )),
        Err(other) => Some(format!("expected {wanted}, got {other:?}")),
        Ok(()) => Some(format!("expected {wanted}, but the call succeeded")),
    }
}

fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .expect("a valid date")
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| (1_000_000 + i).to_string()).collect()
}

/// A group DM conversation body with these participants and message text.
fn dm_conversation(participants: &[&str], text: Option<&str>) -> CreateDmConversationRequest {
    CreateDmConversationRequest {
        conversation_type: Some(CreateDmConversationRequestConversationType::Group),
        participant_ids: Some(participants.iter().map(|p| (*p).into()).collect()),
        message: Some(CreateMessageRequest {
            text: text.map(Into::into),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn rows() -> Vec<Row> {
    vec![
        // Request bodies, checked against the document's schema.
        row!(
            "create list: body without a name",
            "createLists",
            "body.name",
            "is required",
            |c| {
                c.lists()
                    .create()
                    .body(ListCreateRequest::default())
                    .send()
                    .await
            }
        ),
        row!(
            "create list: name of 26 characters",
            "createLists",
            "body.name",
            "at most 25 characters",
            |c| {
                let body = ListCreateRequest {
                    name: Some("n".repeat(26).into()),
                    ..Default::default()
                };
                c.lists().create().body(body).send().await
            }
        ),
        row!(
            "update list: description of 101 characters",
            "updateLists",
            "body.description",
            "at most 100 characters",
            |c| {
                let body = ListUpdateRequest {
                    description: Some("d".repeat(101).into()),
                    ..Default::default()
                };
                c.lists().update("1").body(body).send().await
            }
        ),
        row!(
            "compliance job: body without a type",
            "createComplianceJobs",
            "body.type",
            "is required",
            |c| {
                c.compliance()
                    .create_jobs(CreateComplianceJobRequest::default())
                    .send()
                    .await
            }
        ),
        row!(
            "compliance job: name of 65 characters",
            "createComplianceJobs",
            "body.name",
            "at most 64 characters",
            |c| {
                let body = CreateComplianceJobRequest {
                    type_: Some(CreateComplianceJobRequestType::Users),
                    name: Some("j".repeat(65).into()),
                    ..Default::default()
                };
                c.compliance().create_jobs(body).send().await
            }
        ),
        row!(
            "group DM: one participant",
            "createDirectMessagesConversation",
            "body.participant_ids",
            "at least 2 item(s)",
            |c| {
                let body = dm_conversation(&["1"], Some("hello"));
                c.direct_messages()
                    .create_conversation()
                    .body(body)
                    .send()
                    .await
            }
        ),
        row!(
            "group DM: participant id with letters",
            "createDirectMessagesConversation",
            "body.participant_ids[1]",
            "pattern",
            |c| {
                let body = dm_conversation(&["1", "two"], Some("hello"));
                c.direct_messages()
                    .create_conversation()
                    .body(body)
                    .send()
                    .await
            }
        ),
        row!(
            "group DM: message with neither text nor attachments",
            "createDirectMessagesConversation",
            "body.message",
            "matches none of its 2 accepted forms",
            |c| {
                let body = dm_conversation(&["1", "2"], None);
                c.direct_messages()
                    .create_conversation()
                    .body(body)
                    .send()
                    .await
            }
        ),
        row!(
            "create post (raw body): reply without the post it answers",
            "createPosts",
            "body.reply.in_reply_to_tweet_id",
            "is required",
            |c| {
                let body = TweetCreateRequest {
                    text: Some("a reply".into()),
                    reply: Some(TweetCreateRequestReply::default()),
                    ..Default::default()
                };
                c.tweets().create(body).send().await
            }
        ),
        // Search: the query.
        row!(
            "search recent: empty query",
            "searchPostsRecent",
            "query",
            "at least 1 characters",
            |c| { c.tweets().search_recent("").send().await }
        ),
        row!(
            "search recent: query over 4096 characters",
            "searchPostsRecent",
            "query",
            "at most 4096 characters",
            |c| { c.tweets().search_recent("x".repeat(4097)).send().await }
        ),
        row!(
            "search all: empty query",
            "searchPostsAll",
            "query",
            "at least 1 characters",
            |c| { c.tweets().search_all("").send().await }
        ),
        // Search: max_results.
        row!(
            "search recent: max_results 9",
            "searchPostsRecent",
            "max_results",
            "at least 10",
            |c| { c.tweets().search_recent("rust").max_results(9).send().await }
        ),
        row!(
            "search recent: max_results 101",
            "searchPostsRecent",
            "max_results",
            "at most 100",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .max_results(101)
                    .send()
                    .await
            }
        ),
        row!(
            "search all: max_results 501",
            "searchPostsAll",
            "max_results",
            "at most 500",
            |c| { c.tweets().search_all("rust").max_results(501).send().await }
        ),
        row!(
            "search all: max_results 0",
            "searchPostsAll",
            "max_results",
            "at least 10",
            |c| { c.tweets().search_all("rust").max_results(0).send().await }
        ),
        row!(
            "search recent: max_results not a number",
            "searchPostsRecent",
            "max_results",
            "must be a number",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .raw_query("max_results", "NaN")
                    .send()
                    .await
            }
        ),
        // Search: ids and tokens.
        row!(
            "search recent: since_id with letters",
            "searchPostsRecent",
            "since_id",
            "pattern",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .since_id("12a")
                    .send()
                    .await
            }
        ),
        row!(
            "search recent: until_id of 20 digits",
            "searchPostsRecent",
            "until_id",
            "pattern",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .until_id("12345678901234567890")
                    .send()
                    .await
            }
        ),
        row!(
            "search recent: empty next_token",
            "searchPostsRecent",
            "next_token",
            "must not be empty",
            |c| { c.tweets().search_recent("rust").next_token("").send().await }
        ),
        // Search: time ranges.
        row!(
            "search recent: start_time after end_time",
            "searchPostsRecent",
            "start_time",
            "is after end_time",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .start_time(at(2024, 5, 2, 0))
                    .end_time(at(2024, 5, 1, 0))
                    .send()
                    .await
            }
        ),
        row!(
            "search all: start_time half a second after end_time",
            "searchPostsAll",
            "start_time",
            "is after end_time",
            |c| {
                c.tweets()
                    .search_all("rust")
                    .raw_query("start_time", "2024-05-01T10:00:00.75Z")
                    .raw_query("end_time", "2024-05-01T10:00:00.25Z")
                    .send()
                    .await
            }
        ),
        row!(
            "search recent: reversed once offsets are applied",
            "searchPostsRecent",
            "start_time",
            "is after end_time",
            |c| {
                // 09:00 at UTC-2 is 11:00 UTC: after 10:00 UTC although it sorts first as text.
                c.tweets()
                    .search_recent("rust")
                    .raw_query("start_time", "2024-05-01T09:00:00-02:00")
                    .raw_query("end_time", "2024-05-01T10:00:00Z")
                    .send()
                    .await
            }
        ),
        row!(
            "counts recent: start_time after end_time",
            "getPostsCountsRecent",
            "start_time",
            "is after end_time",
            |c| {
                c.tweets()
                    .get_counts_recent("rust")
                    .start_time(at(2024, 5, 3, 0))
                    .end_time(at(2024, 5, 1, 0))
                    .send()
                    .await
            }
        ),
        row!(
            "search recent: start_time without a time of day",
            "searchPostsRecent",
            "start_time",
            "RFC 3339",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .raw_query("start_time", "2024-05-01")
                    .send()
                    .await
            }
        ),
        row!(
            "search recent: end_time in words",
            "searchPostsRecent",
            "end_time",
            "RFC 3339",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .raw_query("end_time", "yesterday")
                    .send()
                    .await
            }
        ),
        row!(
            "search all: start_time on the 30th of February",
            "searchPostsAll",
            "start_time",
            "RFC 3339",
            |c| {
                c.tweets()
                    .search_all("rust")
                    .raw_query("start_time", "2024-02-30T00:00:00Z")
                    .send()
                    .await
            }
        ),
        row!(
            "search all: end_time without an offset",
            "searchPostsAll",
            "end_time",
            "RFC 3339",
            |c| {
                c.tweets()
                    .search_all("rust")
                    .raw_query("end_time", "2024-05-01T10:00:00")
                    .send()
                    .await
            }
        ),
        row!(
            "user posts: start_time with hour 24",
            "getUsersPosts",
            "start_time",
            "RFC 3339",
            |c| {
                c.users()
                    .get_posts("1")
                    .raw_query("start_time", "2024-05-01T24:00:00Z")
                    .send()
                    .await
            }
        ),
        // Post lookups.
        row!(
            "post by id: letters",
            "getPostsById",
            "id",
            "pattern",
            |c| { c.tweets().get_by_id("12ab").send().await }
        ),
        row!(
            "post by id: empty",
            "getPostsById",
            "id",
            "must not be empty",
            |c| { c.tweets().get_by_id("").send().await }
        ),
        row!(
            "post by id: 20 digits",
            "getPostsById",
            "id",
            "pattern",
            |c| { c.tweets().get_by_id("12345678901234567890").send().await }
        ),
        row!(
            "posts by ids: 101 ids",
            "getPostsByIds",
            "ids",
            "at most 100 items",
            |c| { c.tweets().get_by_ids(ids(101)).send().await }
        ),
        row!(
            "posts by ids: one id with letters",
            "getPostsByIds",
            "ids",
            "item 1",
            |c| { c.tweets().get_by_ids(["1", "two"]).send().await }
        ),
        row!(
            "posts by ids: an empty item",
            "getPostsByIds",
            "ids",
            "item 1 is empty",
            |c| { c.tweets().get_by_ids(["1", ""]).send().await }
        ),
        row!(
            "users by ids: no ids",
            "getUsersByIds",
            "ids",
            "at least 1 item",
            |c| { c.users().get_by_ids(Vec::<String>::new()).send().await }
        ),
        // Usernames.
        row!(
            "username: a space",
            "getUsersByUsername",
            "username",
            "pattern",
            |c| { c.users().get_by_username("bad name").send().await }
        ),
        row!(
            "username: punctuation",
            "getUsersByUsername",
            "username",
            "pattern",
            |c| { c.users().get_by_username("jack!").send().await }
        ),
        row!(
            "username: 16 characters",
            "getUsersByUsername",
            "username",
            "pattern",
            |c| { c.users().get_by_username("waytoolongname16").send().await }
        ),
        row!(
            "username: empty",
            "getUsersByUsername",
            "username",
            "must not be empty",
            |c| { c.users().get_by_username("").send().await }
        ),
        row!(
            "usernames: one with a hyphen",
            "getUsersByUsernames",
            "usernames",
            "item 1",
            |c| {
                c.users()
                    .get_by_usernames(["ok_name", "not-ok"])
                    .send()
                    .await
            }
        ),
        row!(
            "usernames: an empty item",
            "getUsersByUsernames",
            "usernames",
            "item 0 is empty",
            |c| { c.users().get_by_usernames(["", "jack"]).send().await }
        ),
        // Path values that would leave their segment.
        row!(
            "post by id: \".\"",
            "getPostsById",
            "id",
            "`.` or `..`",
            |c| { c.tweets().get_by_id(".").send().await }
        ),
        row!(
            "blocking (no pattern): \"..\"",
            "getUsersBlocking",
            "id",
            "`.` or `..`",
            |c| { c.users().get_blocking("..").send().await }
        ),
        row!(
            "list members: \"..\"",
            "getListsMembers",
            "id",
            "`.` or `..`",
            |c| { c.lists().get_members("..").send().await }
        ),
        row!(
            "post by id: \"a/b\"",
            "getPostsById",
            "id",
            "pattern",
            |c| { c.tweets().get_by_id("a/b").send().await }
        ),
        row!(
            "username: \"a/b\"",
            "getUsersByUsername",
            "username",
            "pattern",
            |c| { c.users().get_by_username("a/b").send().await }
        ),
        // Other list parameters and pages.
        row!(
            "tweet.fields: no fields",
            "getPostsById",
            "tweet.fields",
            "at least 1 item",
            |c| {
                c.tweets()
                    .get_by_id("1")
                    .tweet_fields(Vec::<TweetField>::new())
                    .send()
                    .await
            }
        ),
        row!(
            "tweet.fields: an empty item",
            "searchPostsRecent",
            "tweet.fields",
            "item 1 is empty",
            |c| {
                c.tweets()
                    .search_recent("rust")
                    .raw_query("tweet.fields", "id,,text")
                    .send()
                    .await
            }
        ),
        row!(
            "followers: id with letters",
            "getUsersFollowers",
            "id",
            "pattern",
            |c| { c.users().get_followers("abc").send().await }
        ),
        row!(
            "followers: max_results 1001",
            "getUsersFollowers",
            "max_results",
            "at most 1000",
            |c| { c.users().get_followers("1").max_results(1001).send().await }
        ),
        row!(
            "followers: empty pagination_token",
            "getUsersFollowers",
            "pagination_token",
            "must not be empty",
            |c| {
                c.users()
                    .get_followers("1")
                    .pagination_token("")
                    .send()
                    .await
            }
        ),
        // Lists.
        row!("list by id: words", "getListsById", "id", "pattern", |c| {
            c.lists().get_by_id("list-one").send().await
        }),
        row!(
            "list members: max_results 101",
            "getListsMembers",
            "max_results",
            "at most 100",
            |c| { c.lists().get_members("1").max_results(101).send().await }
        ),
        row!(
            "remove list member: user_id with letters",
            "removeListsMemberByUserId",
            "user_id",
            "pattern",
            |c| { c.lists().remove_member_by_user_id("1", "bob").send().await }
        ),
        // Direct messages.
        row!(
            "DM events: max_results 101",
            "getDirectMessagesEvents",
            "max_results",
            "at most 100",
            |c| {
                c.direct_messages()
                    .get_events()
                    .max_results(101)
                    .send()
                    .await
            }
        ),
        row!(
            "DM conversation events: id \"a/b\"",
            "getDirectMessagesEventsByConversationId",
            "id",
            "pattern",
            |c| {
                c.direct_messages()
                    .get_events_by_conversation_id("a/b")
                    .send()
                    .await
            }
        ),
        row!(
            "DM event delete: event_id with letters",
            "deleteDirectMessagesEvents",
            "event_id",
            "pattern",
            |c| { c.direct_messages().delete_events("x1").send().await }
        ),
        row!(
            "DM to participant: participant_id empty",
            "createDirectMessagesByParticipantId",
            "participant_id",
            "must not be empty",
            |c| {
                c.direct_messages()
                    .create_by_participant_id("")
                    .send()
                    .await
            }
        ),
        // Posting.
        row!("post: empty text", "createPosts", "text", "is empty", |c| {
            c.create_post(NewPost::text("")).await
        }),
        row!(
            "post: only white space",
            "createPosts",
            "text",
            "is empty",
            |c| { c.create_post(NewPost::text(" \n\t")).await }
        ),
        row!(
            "post: 281 characters",
            "createPosts",
            "text",
            "weighted length is 281",
            |c| { c.create_post(NewPost::text("x".repeat(281))).await }
        ),
        row!(
            "post: poll with one option",
            "createPosts",
            "poll.options",
            "(has 1)",
            |c| { c.create_post(NewPost::text("q").poll(["only"], 60)).await }
        ),
        row!(
            "post: poll with five options",
            "createPosts",
            "poll.options",
            "(has 5)",
            |c| {
                c.create_post(NewPost::text("q").poll(["a", "b", "c", "d", "e"], 60))
                    .await
            }
        ),
        row!(
            "post: poll option of 26 characters",
            "createPosts",
            "poll.options[1]",
            "(is 26)",
            |c| {
                c.create_post(NewPost::text("q").poll(["a".to_owned(), "b".repeat(26)], 60))
                    .await
            }
        ),
        row!(
            "post: poll of 4 minutes",
            "createPosts",
            "poll.duration_minutes",
            "(is 4)",
            |c| { c.create_post(NewPost::text("q").poll(["a", "b"], 4)).await }
        ),
        row!(
            "post: poll of 10081 minutes",
            "createPosts",
            "poll.duration_minutes",
            "(is 10081)",
            |c| {
                c.create_post(NewPost::text("q").poll(["a", "b"], 10_081))
                    .await
            }
        ),
        row!(
            "post: media and a poll",
            "createPosts",
            "poll",
            "cannot be combined with media",
            |c| {
                c.create_post(NewPost::text("q").media(["1"]).poll(["a", "b"], 60))
                    .await
            }
        ),
        row!(
            "post: a quote and a poll",
            "createPosts",
            "poll",
            "cannot be combined with quote_tweet_id",
            |c| {
                c.create_post(NewPost::text("q").quote("1").poll(["a", "b"], 60))
                    .await
            }
        ),
        row!(
            "post: five media ids",
            "createPosts",
            "media.media_ids",
            "(has 5)",
            |c| { c.create_post(NewPost::text("q").media(ids(5))).await }
        ),
        row!(
            "post: media id with letters",
            "createPosts",
            "media.media_ids[0]",
            "is not an id",
            |c| { c.create_post(NewPost::text("q").media(["m1"])).await }
        ),
        row!(
            "post: reply to a post id with letters",
            "createPosts",
            "reply.in_reply_to_tweet_id",
            "is not an id",
            |c| { c.create_post(NewPost::text("q").reply_to("abc")).await }
        ),
        row!(
            "like: user id with letters",
            "likePost",
            "id",
            "is not an id",
            |c| { c.like("me", "1").await }
        ),
        row!(
            "repost: post id of 20 digits",
            "repostPost",
            "tweet_id",
            "is not an id",
            |c| { c.repost("1", "12345678901234567890").await }
        ),
        // Media.
        row!(
            "alt text: media id with letters",
            "createMediaMetadata",
            "id",
            "not a media id",
            |c| { c.set_alt_text("img", "a cat").await }
        ),
        row!(
            "alt text: 1001 characters",
            "createMediaMetadata",
            "metadata.alt_text.text",
            "at most 1000 characters",
            |c| { c.set_alt_text("1", "x".repeat(1001)).await }
        ),
        row!(
            "subtitles: lower-case language code",
            "createMediaSubtitles",
            "subtitles.language_code",
            "two capital letters",
            |c| {
                c.create_subtitles(
                    "1",
                    MediaCategorySubtitles::TweetVideo,
                    "2",
                    "en",
                    "English",
                )
                .await
            }
        ),
        // Stream rules.
        row!(
            "rule: empty value",
            "updateRules",
            "value",
            "must not be empty",
            |c| { c.rules().add(&[NewRule::new("")], false).await }
        ),
        row!(
            "rule: value of 513 characters",
            "updateRules",
            "value",
            "at most 512 characters",
            |c| { c.rules().add(&[NewRule::new("x".repeat(513))], true).await }
        ),
        row!(
            "rule: value of 1025 characters with the Pro limit",
            "updateRules",
            "value",
            "at most 1024 characters",
            |c| {
                c.rules()
                    .with_limits(RuleLimits::PRO)
                    .add(&[NewRule::new("x".repeat(1025))], false)
                    .await
            }
        ),
        row!(
            "rule: tag over a configured limit",
            "updateRules",
            "tag",
            "at most 8 characters",
            |c| {
                let limits = RuleLimits::default().max_tag_chars(Some(8));
                c.rules()
                    .with_limits(limits)
                    .add(&[NewRule::tagged("rust", "a-long-tag")], false)
                    .await
            }
        ),
        row!(
            "rule sync: an empty value among good ones",
            "updateRules",
            "value",
            "must not be empty",
            |c| {
                c.rules()
                    .sync(&[NewRule::new("rust"), NewRule::new(" ")], false)
                    .await
            }
        ),
        row!(
            "rule delete: id with letters",
            "updateRules",
            "ids",
            "pattern",
            |c| { c.rules().delete_ids(&["r1".to_owned()], false).await }
        ),
        row!(
            "rule delete: empty value",
            "updateRules",
            "value",
            "must not be empty",
            |c| { c.rules().delete_values(&[String::new()], false).await }
        ),
        row!(
            "rule list: max_results 1001",
            "getRules",
            "max_results",
            "at most 1000",
            |c| { c.stream().get_rules().max_results(1001).send().await }
        ),
    ]
}

#[tokio::test]
async fn every_bad_input_is_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let client = Client::builder()
        .bearer_token("AAAA-bad-inputs-token")
        .base_url(server.uri())
        .build()
        .expect("client");
    let rows = rows();
    assert!(
        rows.len() >= 40,
        "the table must keep at least 40 rows (has {})",
        rows.len()
    );
    let mut failures = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let outcome = (row.call)(client.clone()).await;
        if let Some(why) = mismatch(&row.expect, outcome) {
            failures.push(format!("row {i} ({}): {why}", row.label));
        }
    }
    let sent = server.received_requests().await.unwrap_or_default();
    for request in &sent {
        failures.push(format!(
            "a request was sent: {} {}",
            request.method, request.url
        ));
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    server.verify().await;
}

/// The checker itself: a matching refusal passes, anything else is reported.
#[test]
fn mismatches_are_reported() {
    let expect = Refusal {
        operation: "getPostsById",
        parameter: "id",
        rule: "pattern",
    };
    let refusal = |operation: &'static str, parameter: &str, rule: &str| {
        Err(Error::InvalidRequest {
            operation,
            parameter: parameter.to_owned(),
            rule: rule.to_owned(),
        })
    };
    assert_eq!(
        mismatch(
            &expect,
            refusal("getPostsById", "id", "does not match the pattern")
        ),
        None
    );
    for wrong in [
        refusal("getPostsById", "ids", "does not match the pattern"),
        refusal("getUsersById", "id", "does not match the pattern"),
        refusal("getPostsById", "id", "must not be empty"),
        Ok(()),
        Err(Error::Stream {
            operation: "getPostsById",
            reason: "ended".to_owned(),
        }),
    ] {
        let why = mismatch(&expect, wrong).expect("a mismatch");
        assert!(why.contains("Error::InvalidRequest"), "{why}");
    }
}
