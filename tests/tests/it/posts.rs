//! Creating posts and the other post mutations against a mock server on
//! 127.0.0.1: the exact JSON body for every option of `TweetCreateRequest`,
//! and requests refused before anything is sent.

use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::posts::{NewPost, ReplySettings};
use xapi::{Client, Error};

const CREATED_ID: &str = "1790000000000000001";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .bearer_token("user-context-token")
        .base_url(server.uri())
        .build()
        .expect("client builds")
}

/// Creates `post` against a mock and returns the JSON body the mock received.
async fn sent_body(post: NewPost) -> Value {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(header("content-type", "application/json"))
        .and(header("authorization", "Bearer user-context-token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "data": { "id": CREATED_ID, "text": "ok" }
        })))
        .expect(1)
        .mount(&server)
        .await;
    let response = client(&server)
        .create_post(post)
        .await
        .expect("the post is created");
    assert_eq!(response.status(), 201);
    assert_eq!(
        response.data().and_then(|d| d.id.as_deref()),
        Some(CREATED_ID)
    );
    let requests = server
        .received_requests()
        .await
        .expect("requests are recorded");
    assert_eq!(requests.len(), 1, "exactly one request");
    serde_json::from_slice(&requests[0].body).expect("the body is JSON")
}

/// Sends `post` to a server that must receive nothing; returns the
/// parameter and rule of the refusal.
async fn refused_without_sending(post: NewPost) -> (String, String) {
    let server = crate::server_expecting_nothing().await;
    let result = client(&server).create_post(post).await;
    let refusal = match result {
        Err(Error::InvalidRequest {
            operation,
            parameter,
            rule,
        }) => {
            assert_eq!(operation, "createPosts");
            (parameter, rule)
        }
        other => panic!("expected a refusal before sending, got {other:?}"),
    };
    server.verify().await;
    let received = server
        .received_requests()
        .await
        .expect("requests are recorded");
    assert!(received.is_empty(), "{} request(s) sent", received.len());
    refusal
}

// ---------------------------------------------------------------------------
// The body of createPosts, one option group at a time.

#[tokio::test]
async fn body_text_only() {
    assert_eq!(
        sent_body(NewPost::text("Hello from xapi")).await,
        json!({ "text": "Hello from xapi" })
    );
}

#[tokio::test]
async fn body_reply() {
    let post = NewPost::text("Agreed")
        .reply_to("1460323737035677698")
        .exclude_reply_users(["2244994945", "783214"])
        .auto_populate_reply_metadata(true);
    assert_eq!(
        sent_body(post).await,
        json!({
            "text": "Agreed",
            "reply": {
                "in_reply_to_tweet_id": "1460323737035677698",
                "exclude_reply_user_ids": ["2244994945", "783214"],
                "auto_populate_reply_metadata": true
            }
        })
    );
}

#[tokio::test]
async fn body_quote() {
    let post = NewPost::text("Worth reading").quote("1346889436626259968");
    assert_eq!(
        sent_body(post).await,
        json!({ "text": "Worth reading", "quote_tweet_id": "1346889436626259968" })
    );
}

#[tokio::test]
async fn body_media_with_tagged_users() {
    let post = NewPost::text("Team photo")
        .media(["1146654567674912769", "1146654567674912770"])
        .tag_users(["2244994945"]);
    assert_eq!(
        sent_body(post).await,
        json!({
            "text": "Team photo",
            "media": {
                "media_ids": ["1146654567674912769", "1146654567674912770"],
                "tagged_user_ids": ["2244994945"]
            }
        })
    );
}

#[tokio::test]
async fn body_media_without_text() {
    let post = NewPost::new().media(["1146654567674912769"]);
    assert_eq!(
        sent_body(post).await,
        json!({ "media": { "media_ids": ["1146654567674912769"] } })
    );
}

#[tokio::test]
async fn body_poll() {
    let post = NewPost::text("Tabs or spaces?")
        .poll(["Tabs", "Spaces", "Both", "Neither"], 1440)
        .poll_reply_settings(ReplySettings::MentionedUsers);
    assert_eq!(
        sent_body(post).await,
        json!({
            "text": "Tabs or spaces?",
            "poll": {
                "options": ["Tabs", "Spaces", "Both", "Neither"],
                "duration_minutes": 1440,
                "reply_settings": "mentionedUsers"
            }
        })
    );
}

#[tokio::test]
async fn body_reply_settings() {
    for (settings, wire) in [
        (ReplySettings::Following, "following"),
        (ReplySettings::MentionedUsers, "mentionedUsers"),
        (ReplySettings::Subscribers, "subscribers"),
        (ReplySettings::Verified, "verified"),
    ] {
        let post = NewPost::text("Limited replies").reply_settings(settings);
        assert_eq!(
            sent_body(post).await,
            json!({ "text": "Limited replies", "reply_settings": wire })
        );
    }
}

#[tokio::test]
async fn body_geo() {
    let post = NewPost::text("Here").place("df51dec6f4ee2b2c");
    assert_eq!(
        sent_body(post).await,
        json!({ "text": "Here", "geo": { "place_id": "df51dec6f4ee2b2c" } })
    );
}

#[tokio::test]
async fn body_super_followers() {
    let post = NewPost::text("For you").for_super_followers_only(true);
    assert_eq!(
        sent_body(post).await,
        json!({ "text": "For you", "for_super_followers_only": true })
    );
}

#[tokio::test]
async fn body_community() {
    let post = NewPost::text("Hello community")
        .community("1146654567674912769")
        .share_with_followers(true);
    assert_eq!(
        sent_body(post).await,
        json!({
            "text": "Hello community",
            "community_id": "1146654567674912769",
            "share_with_followers": true
        })
    );
}

#[tokio::test]
async fn body_card_uri() {
    let post = NewPost::text("Try it").card_uri("card://1234567890123456789");
    assert_eq!(
        sent_body(post).await,
        json!({ "text": "Try it", "card_uri": "card://1234567890123456789" })
    );
}

#[tokio::test]
async fn body_direct_message_deep_link() {
    let link = "https://x.com/messages/compose?recipient_id=2244994945";
    let post = NewPost::text("Write to us").direct_message_deep_link(link);
    assert_eq!(
        sent_body(post).await,
        json!({ "text": "Write to us", "direct_message_deep_link": link })
    );
}

#[tokio::test]
async fn body_nullcast() {
    let post = NewPost::text("Promoted only").nullcast(true);
    assert_eq!(
        sent_body(post).await,
        json!({ "text": "Promoted only", "nullcast": true })
    );
}

#[tokio::test]
async fn body_edit() {
    let post = NewPost::text("Fixed the typo").edit_of("1346889436626259968");
    assert_eq!(
        sent_body(post).await,
        json!({
            "text": "Fixed the typo",
            "edit_options": { "previous_post_id": "1346889436626259968" }
        })
    );
}

#[tokio::test]
async fn body_many_options_together() {
    let post = NewPost::text("All at once")
        .reply_to("1460323737035677698")
        .media(["1146654567674912769"])
        .reply_settings(ReplySettings::Following)
        .place("df51dec6f4ee2b2c")
        .nullcast(false)
        .for_super_followers_only(false);
    assert_eq!(
        sent_body(post).await,
        json!({
            "text": "All at once",
            "reply": { "in_reply_to_tweet_id": "1460323737035677698" },
            "media": { "media_ids": ["1146654567674912769"] },
            "reply_settings": "following",
            "geo": { "place_id": "df51dec6f4ee2b2c" },
            "nullcast": false,
            "for_super_followers_only": false
        })
    );
}

// Texts at the limit as X counts it are sent.

#[tokio::test]
async fn body_text_at_the_weighted_limit() {
    // 257 characters and a 300-character URL: weighted 280.
    let text = format!(
        "{} https://example.com/{}",
        "a".repeat(256),
        "b".repeat(300)
    );
    assert_eq!(sent_body(NewPost::text(text.clone())).await["text"], text);
    // 140 CJK characters: weighted 280.
    let cjk = "字".repeat(140);
    assert_eq!(sent_body(NewPost::text(cjk.clone())).await["text"], cjk);
    // 140 emoji with a skin-tone modifier (280 code points): weighted 280.
    let emoji = "👍🏽".repeat(140);
    assert_eq!(sent_body(NewPost::text(emoji.clone())).await["text"], emoji);
    // 280 × e + U+0301 (560 code points, 280 after NFC).
    let combining = "e\u{0301}".repeat(280);
    assert_eq!(
        sent_body(NewPost::text(combining.clone())).await["text"],
        combining
    );
}

// ---------------------------------------------------------------------------
// Refused before sending: nothing reaches the server.

macro_rules! refused {
    ($name:ident, $post:expr, $parameter:expr, $rule_part:expr) => {
        #[tokio::test]
        async fn $name() {
            let (parameter, rule) = refused_without_sending($post).await;
            assert_eq!(parameter, $parameter, "rule: {rule}");
            assert!(
                rule.contains($rule_part),
                "rule {rule:?} does not mention {:?}",
                $rule_part
            );
        }
    };
}

refused!(
    text_of_281_ascii_characters,
    NewPost::text("a".repeat(281)),
    "text",
    "weighted length is 281"
);
refused!(
    text_short_in_characters_but_long_with_a_url,
    // 273 characters, weighted 258 + 1 + 23 = 282.
    NewPost::text(format!("{} https://t.co/a", "a".repeat(258))),
    "text",
    "weighted length is 282"
);
refused!(
    text_with_several_urls,
    // 13 URLs of 23 and 12 spaces: 311 (161 characters).
    NewPost::text(vec!["https://a.example.com/x"; 13].join(" ")),
    "text",
    "weighted length is 311"
);
refused!(
    text_of_141_cjk_characters,
    NewPost::text("字".repeat(141)),
    "text",
    "weighted length is 282"
);
refused!(
    text_of_141_emoji_with_skin_tones,
    NewPost::text("👍🏽".repeat(141)),
    "text",
    "weighted length is 282"
);
refused!(
    text_of_141_zwj_families,
    NewPost::text("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}".repeat(141)),
    "text",
    "weighted length is 282"
);
refused!(
    text_of_281_combining_sequences,
    NewPost::text("e\u{0301}".repeat(281)),
    "text",
    "weighted length is 281"
);
refused!(
    text_empty_without_attachments,
    NewPost::text(""),
    "text",
    "is empty"
);
refused!(
    text_blank_without_attachments,
    NewPost::text(" \n\t "),
    "text",
    "is empty"
);
refused!(no_text_at_all, NewPost::new(), "text", "is empty");
refused!(
    text_with_invalid_code_point,
    NewPost::text("hello\u{FFFE}"),
    "text",
    "U+FFFE"
);
refused!(
    poll_with_media,
    NewPost::text("q")
        .poll(["a", "b"], 60)
        .media(["1146654567674912769"]),
    "poll",
    "media"
);
refused!(
    poll_with_quote,
    NewPost::text("q")
        .poll(["a", "b"], 60)
        .quote("1346889436626259968"),
    "poll",
    "quote_tweet_id"
);
refused!(
    media_with_quote,
    NewPost::text("q")
        .media(["1146654567674912769"])
        .quote("1346889436626259968"),
    "media",
    "quote_tweet_id"
);
refused!(
    card_with_media,
    NewPost::text("q")
        .card_uri("card://1")
        .media(["1146654567674912769"]),
    "card_uri",
    "media"
);
refused!(
    card_with_poll,
    NewPost::text("q").card_uri("card://1").poll(["a", "b"], 60),
    "card_uri",
    "poll"
);
refused!(
    card_with_quote,
    NewPost::text("q")
        .card_uri("card://1")
        .quote("1346889436626259968"),
    "card_uri",
    "quote_tweet_id"
);
refused!(
    card_with_direct_message_deep_link,
    NewPost::text("q")
        .card_uri("card://1")
        .direct_message_deep_link("https://x.com/messages/compose?recipient_id=1"),
    "card_uri",
    "direct_message_deep_link"
);
refused!(
    poll_with_one_option,
    NewPost::text("q").poll(["only"], 60),
    "poll.options",
    "2 to 4 options (has 1)"
);
refused!(
    poll_with_five_options,
    NewPost::text("q").poll(["a", "b", "c", "d", "e"], 60),
    "poll.options",
    "2 to 4 options (has 5)"
);
refused!(
    poll_option_of_26_characters,
    NewPost::text("q").poll(["a", "b", &"c".repeat(26)], 60),
    "poll.options[2]",
    "1 to 25 characters long (is 26)"
);
refused!(
    poll_option_empty,
    NewPost::text("q").poll(["a", ""], 60),
    "poll.options[1]",
    "(is 0)"
);
refused!(
    poll_option_blank,
    NewPost::text("q").poll(["a", "   "], 60),
    "poll.options[1]",
    "blank"
);
refused!(
    poll_of_4_minutes,
    NewPost::text("q").poll(["a", "b"], 4),
    "poll.duration_minutes",
    "5 to 10080 minutes (is 4)"
);
refused!(
    poll_of_10081_minutes,
    NewPost::text("q").poll(["a", "b"], 10081),
    "poll.duration_minutes",
    "(is 10081)"
);
refused!(
    poll_reply_settings_unknown,
    NewPost::text("q")
        .poll(["a", "b"], 60)
        .poll_reply_settings(ReplySettings::Unknown("everyone".into())),
    "poll.reply_settings",
    "\"everyone\" is not one of following, mentionedUsers, subscribers, verified"
);
refused!(
    five_media,
    NewPost::text("q").media(["1", "2", "3", "4", "5"]),
    "media.media_ids",
    "1 to 4 media ids (has 5)"
);
refused!(
    media_id_not_numeric,
    NewPost::text("q").media(["1146654567674912769", "abc"]),
    "media.media_ids[1]",
    "^[0-9]{1,19}$"
);
refused!(
    media_id_of_20_digits,
    NewPost::text("q").media(["12345678901234567890"]),
    "media.media_ids[0]",
    "is not an id"
);
refused!(
    tagged_users_without_media,
    NewPost::text("q").tag_users(["2244994945"]),
    "media.media_ids",
    "tagged_user_ids"
);
refused!(
    eleven_tagged_users,
    NewPost::text("q")
        .media(["1146654567674912769"])
        .tag_users((1..=11).map(|i| i.to_string())),
    "media.tagged_user_ids",
    "at most 10"
);
refused!(
    reply_to_a_bad_id,
    NewPost::text("q").reply_to("14603237370356776980"),
    "reply.in_reply_to_tweet_id",
    "is not an id"
);
refused!(
    excluded_users_without_reply,
    NewPost::text("q").exclude_reply_users(["2244994945"]),
    "reply.in_reply_to_tweet_id",
    "exclude_reply_user_ids"
);
refused!(
    excluded_user_with_bad_id,
    NewPost::text("q")
        .reply_to("1460323737035677698")
        .exclude_reply_users(["@someone"]),
    "reply.exclude_reply_user_ids[0]",
    "is not an id"
);
refused!(
    quote_of_a_bad_id,
    NewPost::text("q").quote("https://x.com/i/status/1"),
    "quote_tweet_id",
    "is not an id"
);
refused!(
    reply_settings_unknown,
    NewPost::text("q").reply_settings(ReplySettings::Unknown("everyone".into())),
    "reply_settings",
    "is not one of"
);
refused!(
    community_with_bad_id,
    NewPost::text("q").community("my-community"),
    "community_id",
    "is not an id"
);
refused!(
    share_with_followers_without_community,
    NewPost::text("q").share_with_followers(true),
    "share_with_followers",
    "community_id"
);
refused!(
    edit_of_a_bad_id,
    NewPost::text("q").edit_of(""),
    "edit_options.previous_post_id",
    "is not an id"
);
refused!(
    blank_place,
    NewPost::text("q").place(" "),
    "geo.place_id",
    "blank"
);

// ---------------------------------------------------------------------------
// The other mutations.

async fn answer(server: &MockServer, verb: &str, route: &str, body: Option<Value>, reply: Value) {
    let mut mock = Mock::given(method(verb))
        .and(path(route.to_owned()))
        .and(header("authorization", "Bearer user-context-token"));
    if let Some(body) = body {
        mock = mock.and(body_json(body));
    }
    mock.respond_with(ResponseTemplate::new(200).set_body_json(reply))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn delete_post() {
    let server = MockServer::start().await;
    answer(
        &server,
        "DELETE",
        "/2/tweets/1346889436626259968",
        None,
        json!({ "data": { "deleted": true } }),
    )
    .await;
    let response = client(&server)
        .delete_post("1346889436626259968")
        .await
        .expect("deleted");
    assert_eq!(response.data().and_then(|d| d.deleted), Some(true));
}

#[tokio::test]
async fn like_and_unlike() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/2/users/2244994945/likes",
        Some(json!({ "tweet_id": "1346889436626259968" })),
        json!({ "data": { "liked": true } }),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/2/users/2244994945/likes/1346889436626259968",
        None,
        json!({ "data": { "liked": false } }),
    )
    .await;
    let client = client(&server);
    let liked = client
        .like("2244994945", "1346889436626259968")
        .await
        .expect("liked");
    assert_eq!(liked.data().and_then(|d| d.liked), Some(true));
    let unliked = client
        .unlike("2244994945", "1346889436626259968")
        .await
        .expect("unliked");
    assert_eq!(unliked.data().and_then(|d| d.liked), Some(false));
}

#[tokio::test]
async fn repost_and_undo() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/2/users/2244994945/retweets",
        Some(json!({ "tweet_id": "1346889436626259968" })),
        json!({ "data": { "retweeted": true } }),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/2/users/2244994945/retweets/1346889436626259968",
        None,
        json!({ "data": { "retweeted": false } }),
    )
    .await;
    let client = client(&server);
    let reposted = client
        .repost("2244994945", "1346889436626259968")
        .await
        .expect("reposted");
    assert_eq!(reposted.data().and_then(|d| d.retweeted), Some(true));
    let undone = client
        .undo_repost("2244994945", "1346889436626259968")
        .await
        .expect("undone");
    assert_eq!(undone.data().and_then(|d| d.retweeted), Some(false));
}

#[tokio::test]
async fn bookmark_and_remove() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/2/users/2244994945/bookmarks",
        Some(json!({ "tweet_id": "1346889436626259968" })),
        json!({ "data": { "bookmarked": true } }),
    )
    .await;
    answer(
        &server,
        "DELETE",
        "/2/users/2244994945/bookmarks/1346889436626259968",
        None,
        json!({ "data": { "bookmarked": false } }),
    )
    .await;
    let client = client(&server);
    let added = client
        .bookmark("2244994945", "1346889436626259968")
        .await
        .expect("bookmarked");
    assert_eq!(added.data().and_then(|d| d.bookmarked), Some(true));
    let removed = client
        .remove_bookmark("2244994945", "1346889436626259968")
        .await
        .expect("removed");
    assert_eq!(removed.data().and_then(|d| d.bookmarked), Some(false));
}

#[tokio::test]
async fn hide_and_unhide_a_reply() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/2/tweets/1460323737035677698/hidden"))
        .and(body_json(json!({ "hidden": true })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": { "hidden": true } })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/2/tweets/1460323737035677698/hidden"))
        .and(body_json(json!({ "hidden": false })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "data": { "hidden": false } })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let hidden = client
        .hide_reply("1460323737035677698", true)
        .await
        .expect("hidden");
    assert_eq!(hidden.data().and_then(|d| d.hidden), Some(true));
    let shown = client
        .hide_reply("1460323737035677698", false)
        .await
        .expect("unhidden");
    assert_eq!(shown.data().and_then(|d| d.hidden), Some(false));
}

#[tokio::test]
async fn mutations_with_bad_ids_send_nothing() {
    let server = crate::server_expecting_nothing().await;
    let client = client(&server);
    let parameter = |e: Error| match e {
        Error::InvalidRequest { parameter, .. } => parameter,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let e = client
        .like("2244994945", "not-an-id")
        .await
        .expect_err("refused");
    assert_eq!(parameter(e), "tweet_id");
    let e = client.repost("2244994945", "").await.expect_err("refused");
    assert_eq!(parameter(e), "tweet_id");
    let e = client
        .bookmark("me", "1346889436626259968")
        .await
        .expect_err("refused");
    assert_eq!(parameter(e), "id");
    let e = client
        .unlike("@me", "1346889436626259968")
        .await
        .expect_err("refused");
    assert_eq!(parameter(e), "id");
    let e = client.delete_post("abc").await.expect_err("refused");
    assert_eq!(parameter(e), "id");
    server.verify().await;
}

#[tokio::test]
async fn api_errors_come_back_with_their_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "title": "Forbidden",
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank",
            "status": 403
        })))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .create_post(NewPost::text("same again"))
        .await
        .expect_err("refused by the API");
    assert_eq!(error.status(), Some(403));
    assert!(error.to_string().contains("duplicate content"), "{error}");
}
