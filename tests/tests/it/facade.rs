//! The facade against a loopback mock: one case per resource group (request
//! line, comma-joined fields, auth header; decode and join of our fixtures),
//! the include-join's three outcomes and secrets kept out of every printout.
//! Bad input refused before anything is sent: `bad_inputs.rs`.

use std::future::Future;
use std::pin::Pin;

use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};
use xapi::fields::{ListField, SpaceField, TweetExpansion, TweetField, UserExpansion, UserField};
use xapi::join::{Lookup, ReferenceType};
use xapi::models;
use xapi::{Api, Client, Error};

const TOKEN: &str = "AAAA-secret-bearer-token-0123456789";

fn fixture(op: &str) -> String {
    let dir = xapi_tests::root().join("tests/fixtures").join(op);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('2') && n.ends_with(".json"))
        })
        .collect();
    files.sort_by_key(|p| !p.to_string_lossy().contains("expansions"));
    std::fs::read_to_string(&files[0]).expect("fixture")
}

type Call = Box<dyn Fn(Client) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>>;

struct Case {
    op: &'static str,
    method: &'static str,
    path: &'static str,
    /// Query keys that must each appear exactly once, with a comma-joined value.
    joined: &'static [&'static str],
    call: Call,
}

macro_rules! case {
    ($op:literal, $method:literal, $path:literal, [$($j:literal),*], |$c:ident| $body:expr) => {
        Case {
            op: $op,
            method: $method,
            path: $path,
            joined: &[$($j),*],
            call: Box::new(|$c: Client| Box::pin(async move { $body })),
        }
    };
}

fn some_posts_joined<T: xapi::runtime::Envelope>(r: &xapi::Response<T>) -> bool
where
    T::Data: xapi::join::PostsData,
{
    r.posts().iter().any(|p| r.author(p).is_found())
}

fn tf() -> [TweetField; 3] {
    [
        TweetField::CreatedAt,
        TweetField::AuthorId,
        TweetField::PublicMetrics,
    ]
}

fn uf() -> [UserField; 2] {
    [UserField::Username, UserField::Name]
}

fn cases() -> Vec<Case> {
    vec![
        case!(
            "getPostsById",
            "GET",
            "/2/tweets/1790000000000000001",
            ["tweet.fields", "expansions"],
            |c| {
                let r = c
                    .tweets()
                    .get_by_id("1790000000000000001")
                    .tweet_fields(tf())
                    .expansions([TweetExpansion::AuthorId, TweetExpansion::ReferencedTweetsId])
                    .send()
                    .await?;
                assert!(r.data.is_some());
                Ok(())
            }
        ),
        case!(
            "getPostsByIds",
            "GET",
            "/2/tweets",
            ["ids", "tweet.fields", "user.fields"],
            |c| {
                let r = c
                    .tweets()
                    .get_by_ids(["1790000000000000001", "1790000000000000002"])
                    .tweet_fields(tf())
                    .user_fields(uf())
                    .send()
                    .await?;
                assert!(some_posts_joined(&r));
                Ok(())
            }
        ),
        case!(
            "searchPostsRecent",
            "GET",
            "/2/tweets/search/recent",
            ["tweet.fields", "expansions"],
            |c| {
                let r = c
                    .tweets()
                    .search_recent("#RustLang")
                    .tweet_fields(tf())
                    .expansions([TweetExpansion::AuthorId, TweetExpansion::GeoPlaceId])
                    .send()
                    .await?;
                assert!(some_posts_joined(&r));
                Ok(())
            }
        ),
        case!(
            "searchPostsAll",
            "GET",
            "/2/tweets/search/all",
            ["tweet.fields"],
            |c| {
                c.tweets()
                    .search_all("#RustLang")
                    .tweet_fields(tf())
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getPostsCountsRecent",
            "GET",
            "/2/tweets/counts/recent",
            [],
            |c| {
                let r = c.tweets().get_counts_recent("#RustLang").send().await?;
                assert!(r.data.as_ref().is_some_and(|d| !d.is_empty()));
                Ok(())
            }
        ),
        case!(
            "getPostsCountsAll",
            "GET",
            "/2/tweets/counts/all",
            [],
            |c| c
                .tweets()
                .get_counts_all("#RustLang")
                .send()
                .await
                .map(|_| ())
        ),
        case!(
            "getUsersPosts",
            "GET",
            "/2/users/1780000000000000001/tweets",
            ["expansions"],
            |c| {
                let r = c
                    .users()
                    .get_posts("1780000000000000001")
                    .expansions([
                        TweetExpansion::AuthorId,
                        TweetExpansion::AttachmentsMediaKeys,
                    ])
                    .send()
                    .await?;
                assert!(some_posts_joined(&r));
                Ok(())
            }
        ),
        case!(
            "getUsersMentions",
            "GET",
            "/2/users/1780000000000000001/mentions",
            ["tweet.fields"],
            |c| {
                c.users()
                    .get_mentions("1780000000000000001")
                    .tweet_fields(tf())
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersTimeline",
            "GET",
            "/2/users/1780000000000000001/timelines/reverse_chronological",
            ["tweet.fields"],
            |c| {
                c.users()
                    .get_timeline("1780000000000000001")
                    .tweet_fields(tf())
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getPostsQuotedPosts",
            "GET",
            "/2/tweets/1790000000000000001/quote_tweets",
            [],
            |c| {
                c.tweets()
                    .get_quoted("1790000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getPostsLikingUsers",
            "GET",
            "/2/tweets/1790000000000000001/liking_users",
            ["user.fields"],
            |c| {
                c.tweets()
                    .get_liking_users("1790000000000000001")
                    .user_fields(uf())
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getPostsRepostedBy",
            "GET",
            "/2/tweets/1790000000000000001/retweeted_by",
            [],
            |c| {
                c.tweets()
                    .get_reposted_by("1790000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!("getUsersMe", "GET", "/2/users/me", ["user.fields"], |c| {
            let r = c.users().get_me().user_fields(uf()).send().await?;
            assert!(r.data.as_ref().and_then(|u| u.username.as_ref()).is_some());
            Ok(())
        }),
        case!(
            "getUsersById",
            "GET",
            "/2/users/1780000000000000001",
            [],
            |c| {
                let r = c
                    .users()
                    .get_by_id("1780000000000000001")
                    .expansions([UserExpansion::PinnedTweetId])
                    .send()
                    .await?;
                let user = r.data.as_ref().expect("user");
                assert!(r.pinned_post(user).is_found() || user.pinned_tweet_id.is_none());
                Ok(())
            }
        ),
        case!("getUsersByIds", "GET", "/2/users", ["ids"], |c| c
            .users()
            .get_by_ids(["1", "2"])
            .send()
            .await
            .map(|_| ())),
        case!(
            "getUsersByUsername",
            "GET",
            "/2/users/by/username/ada_codes",
            [],
            |c| {
                c.users()
                    .get_by_username("ada_codes")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersByUsernames",
            "GET",
            "/2/users/by",
            ["usernames", "user.fields"],
            |c| {
                c.users()
                    .get_by_usernames(["ada_codes", "pixel_priya"])
                    .user_fields(uf())
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersFollowers",
            "GET",
            "/2/users/1780000000000000001/followers",
            [],
            |c| {
                c.users()
                    .get_followers("1780000000000000001")
                    .max_results(100)
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersFollowing",
            "GET",
            "/2/users/1780000000000000001/following",
            [],
            |c| {
                c.users()
                    .get_following("1780000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersBlocking",
            "GET",
            "/2/users/1780000000000000001/blocking",
            [],
            |c| {
                c.users()
                    .get_blocking("1780000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersMuting",
            "GET",
            "/2/users/1780000000000000001/muting",
            [],
            |c| {
                c.users()
                    .get_muting("1780000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersLikedPosts",
            "GET",
            "/2/users/1780000000000000001/liked_tweets",
            [],
            |c| {
                c.users()
                    .get_liked_posts("1780000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "likePost",
            "POST",
            "/2/users/1780000000000000001/likes",
            [],
            |c| {
                let body = models::UsersLikesCreateRequest {
                    tweet_id: Some("1790000000000000001".into()),
                    ..Default::default()
                };
                let r = c
                    .users()
                    .like_post("1780000000000000001")
                    .body(body)
                    .send()
                    .await?;
                assert_eq!(r.data.as_ref().and_then(|d| d.liked), Some(true));
                Ok(())
            }
        ),
        case!(
            "unrepostPost",
            "DELETE",
            "/2/users/1780000000000000001/retweets/1790000000000000001",
            [],
            |c| {
                c.users()
                    .unrepost_post("1780000000000000001", "1790000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getUsersBookmarks",
            "GET",
            "/2/users/1780000000000000001/bookmarks",
            [],
            |c| {
                c.users()
                    .get_bookmarks("1780000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "deleteUsersBookmark",
            "DELETE",
            "/2/users/1780000000000000001/bookmarks/1790000000000000001",
            [],
            |c| {
                c.users()
                    .delete_bookmark("1780000000000000001", "1790000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getListsById",
            "GET",
            "/2/lists/1770000000000000001",
            ["list.fields"],
            |c| {
                c.lists()
                    .get_by_id("1770000000000000001")
                    .list_fields([ListField::Name, ListField::OwnerId])
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getListsMembers",
            "GET",
            "/2/lists/1770000000000000001/members",
            [],
            |c| {
                c.lists()
                    .get_members("1770000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getSpacesById",
            "GET",
            "/2/spaces/1YqKDqWqdPLsV",
            ["space.fields"],
            |c| {
                c.spaces()
                    .get_by_id("1YqKDqWqdPLsV")
                    .space_fields([SpaceField::Title, SpaceField::State])
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!("searchSpaces", "GET", "/2/spaces/search", [], |c| c
            .spaces()
            .search("rust")
            .send()
            .await
            .map(|_| ())),
        case!("getDirectMessagesEvents", "GET", "/2/dm_events", [], |c| c
            .direct_messages()
            .get_events()
            .send()
            .await
            .map(|_| ())),
        case!(
            "getCommunitiesById",
            "GET",
            "/2/communities/1760000000000000001",
            [],
            |c| {
                c.communities()
                    .get_by_id("1760000000000000001")
                    .send()
                    .await
                    .map(|_| ())
            }
        ),
        case!(
            "getTrendsByWoeid",
            "GET",
            "/2/trends/by/woeid/2459115",
            [],
            |c| c.trends().get_by_woeid(2459115).send().await.map(|_| ())
        ),
        case!("getUsage", "GET", "/2/usage/tweets", [], |c| c
            .usage()
            .get()
            .send()
            .await
            .map(|_| ())),
        case!("getComplianceJobs", "GET", "/2/compliance/jobs", [], |c| {
            c.compliance()
                .get_jobs(models::GetComplianceJobsType::Tweets)
                .send()
                .await
                .map(|_| ())
        }),
    ]
}

#[tokio::test]
async fn every_resource_group_sends_the_expected_request_and_decodes() {
    let mut failures = Vec::new();
    for case in cases() {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json")
                    .set_body_string(fixture(case.op)),
            )
            .mount(&server)
            .await;
        let client = Client::builder()
            .bearer_token(TOKEN)
            .base_url(server.uri())
            .build()
            .expect("client");
        if let Err(e) = (case.call)(client).await {
            failures.push(format!("{}: {e}", case.op));
            continue;
        }
        let requests = server.received_requests().await.unwrap_or_default();
        assert_eq!(requests.len(), 1, "{}", case.op);
        let req = &requests[0];
        assert_eq!(req.method.as_str(), case.method, "{}", case.op);
        assert_eq!(req.url.path(), case.path, "{}", case.op);
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(auth, format!("Bearer {TOKEN}"), "{}", case.op);
        for key in case.joined {
            let values: Vec<String> = req
                .url
                .query_pairs()
                .filter(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
                .collect();
            assert_eq!(
                values.len(),
                1,
                "{}: `{key}` must be sent once: {}",
                case.op,
                req.url
            );
            assert!(
                values[0].contains(','),
                "{}: `{key}` must be comma-joined: {}",
                case.op,
                values[0]
            );
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn joined_page() -> models::Get2TweetsSearchRecentResponse {
    serde_json::from_value(json!({
        "data": [
            {"id": "1", "text": "first", "author_id": "10", "referenced_tweets": [{"type": "quoted", "id": "3"}],
             "attachments": {"media_keys": ["3_1"]}},
            {"id": "2", "text": "second", "author_id": "10", "referenced_tweets": [{"type": "replied_to", "id": "4"}],
             "entities": {"mentions": [{"start": 0, "end": 4, "username": "Bob"}]}}
        ],
        "includes": {
            "users": [{"id": "10", "username": "alice"}, {"id": "10", "username": "alice"}, {"id": "11", "username": "bob"}],
            "tweets": [{"id": "3", "text": "quoted", "author_id": "11"}]
        },
        "errors": [{"resource_id": "4", "parameter": "referenced_tweets.id", "resource_type": "tweet", "section": "includes",
                    "title": "Not Found Error", "detail": "Could not find tweet with referenced_tweets.id: [4].",
                    "type": "https://api.twitter.com/2/problems/resource-not-found", "value": "4"}]
    }))
    .expect("page")
}

#[test]
fn join_tells_found_unavailable_and_not_requested_apart() {
    let requested = "author_id,referenced_tweets.id,entities.mentions.username".to_owned();
    let page = xapi::Response::new(joined_page(), 200, Default::default(), Some(requested));
    let posts = page.posts();
    // Found, though the author appears twice in includes.
    assert_eq!(
        page.author(&posts[0])
            .found()
            .and_then(|u| u.username.as_deref()),
        Some("alice")
    );
    // A referenced post that was included, with its kind.
    match page.referenced(&posts[0]).as_slice() {
        [(ReferenceType::Quoted, Lookup::Found(t))] => {
            assert_eq!(t.text.as_deref(), Some("quoted"))
        }
        other => panic!("{other:?}"),
    }
    // A referenced post reported missing in a partial error: the error comes back.
    match page.referenced(&posts[1]).as_slice() {
        [(ReferenceType::RepliedTo, Lookup::Unavailable(p))] => {
            assert_eq!(p.resource_id.as_deref(), Some("4"))
        }
        other => panic!("{other:?}"),
    }
    // Media: the expansion was not requested.
    assert_eq!(page.media(&posts[0]).as_slice(), [Lookup::NotRequested]);
    // Mentions match usernames case-insensitively.
    let mentions = page.mentions(&posts[1]);
    assert_eq!(
        mentions[0].1.found().and_then(|u| u.id.as_deref()),
        Some("11")
    );
    // No poll referenced at all.
    assert_eq!(page.poll(&posts[0]), Lookup::NoReference);
    // Owned, self-contained posts that serialise.
    let expanded = page.expanded();
    assert_eq!(
        expanded[0]
            .author
            .as_ref()
            .and_then(|u| u.username.as_deref()),
        Some("alice")
    );
    assert_eq!(
        expanded[0].referenced[0]
            .author
            .as_ref()
            .and_then(|u| u.username.as_deref()),
        Some("bob")
    );
    assert!(expanded[1].referenced[0].error.is_some());
    let text = serde_json::to_string(&expanded).expect("serialises");
    assert!(
        text.contains("\"author\"") && text.contains("\"quoted\""),
        "{text}"
    );
}

#[test]
fn join_without_known_expansions_uses_what_is_included() {
    let page = xapi::Response::new(joined_page(), 200, Default::default(), None);
    assert!(page.author(&page.posts()[0]).is_found());
    assert_eq!(
        page.media(&page.posts()[0]).as_slice(),
        [Lookup::NotRequested],
        "no media section: not requested"
    );
}
