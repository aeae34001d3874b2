//! Recent search with expansions: posts printed with their authors, media,
//! polls, places and the posts they quote or reply to.
//!
//! ```text
//! cargo run --example quickstart                 # embedded mock, no token needed
//! X_BEARER_TOKEN=… cargo run --example quickstart  # the real API (or XAPI_BASE_URL)
//! ```
//!
//! Without `X_BEARER_TOKEN`, a mock server on 127.0.0.1 serves the project's
//! own fixtures, and checks that the request looks as the API expects
//! (bearer token, comma-joined field lists).

use futures::StreamExt;
use xapi::fields::{MediaField, PlaceField, PollField, TweetExpansion, TweetField, UserField};
use xapi::join::{Lookup, ReferenceType};
use xapi::{Api, Client};

const PAGE_1: &str = include_str!("../../tests/fixtures/searchPostsRecent/200_expansions.json");
const PAGE_2: &str = include_str!("../../tests/fixtures/searchPostsRecent/200_page2.json");

async fn start_mock() -> wiremock::MockServer {
    use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
    use wiremock::{Mock, ResponseTemplate};
    let server = wiremock::MockServer::start().await;
    let page = |body: &str| {
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .insert_header("x-rate-limit-limit", "450")
            .insert_header("x-rate-limit-remaining", "449")
            .insert_header("x-rate-limit-reset", "1747213953")
            .set_body_string(body.to_owned())
    };
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(header("authorization", "Bearer mock-token"))
        .and(query_param("expansions", "author_id,referenced_tweets.id,attachments.media_keys,attachments.poll_ids,geo.place_id"))
        .and(query_param_is_missing("pagination_token"))
        .respond_with(page(PAGE_1))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/tweets/search/recent"))
        .and(query_param(
            "pagination_token",
            "ted9hbykxsqn0u4p7djqfz6scg44itheaipwegxdocd",
        ))
        .respond_with(page(PAGE_2))
        .mount(&server)
        .await;
    server
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let token = std::env::var("X_BEARER_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let mut _mock = None;
    let client = match token {
        Some(token) => Client::builder().bearer_token(token).build()?,
        None => {
            let server = start_mock().await;
            println!(
                "X_BEARER_TOKEN is not set: using the embedded mock at {}\n",
                server.uri()
            );
            let client = Client::builder()
                .bearer_token("mock-token")
                .base_url(server.uri())
                .build()?;
            _mock = Some(server);
            client
        }
    };

    let search = client
        .tweets()
        .search_recent("#RustLang -is:retweet")
        .tweet_fields([
            TweetField::CreatedAt,
            TweetField::PublicMetrics,
            TweetField::AuthorId,
            TweetField::Entities,
            TweetField::ReferencedTweets,
            TweetField::Attachments,
            TweetField::Geo,
        ])
        .expansions([
            TweetExpansion::AuthorId,
            TweetExpansion::ReferencedTweetsId,
            TweetExpansion::AttachmentsMediaKeys,
            TweetExpansion::AttachmentsPollIds,
            TweetExpansion::GeoPlaceId,
        ])
        .user_fields([UserField::Username, UserField::Name, UserField::Verified])
        .media_fields([MediaField::Type, MediaField::Url, MediaField::DurationMs])
        .poll_fields([PollField::Options, PollField::VotingStatus])
        .place_fields([PlaceField::FullName])
        .max_results(10);

    let mut pages = search.pages().max_pages(2);
    let mut total = 0;
    while let Some(page) = pages.next().await {
        let page = page?;
        let limit = page.rate_limit();
        println!(
            "— page of {} posts (rate limit: {} of {} left) —\n",
            page.data().map(Vec::len).unwrap_or(0),
            limit.remaining.map_or("?".into(), |n| n.to_string()),
            limit.limit.map_or("?".into(), |n| n.to_string()),
        );
        for post in page.data().into_iter().flatten() {
            total += 1;
            let author = match page.author(post) {
                Lookup::Found(user) => format!(
                    "{} (@{})",
                    user.name.as_deref().unwrap_or("?"),
                    user.username.as_deref().unwrap_or("?")
                ),
                Lookup::Unavailable(problem) => format!(
                    "[author unavailable: {}]",
                    problem.title.as_deref().unwrap_or("?")
                ),
                _ => "[author not expanded]".into(),
            };
            println!("{author} · {}", post.created_at.as_deref().unwrap_or(""));
            println!(
                "  {}",
                post.text.as_deref().unwrap_or("").replace('\n', "\n  ")
            );
            for (kind, referenced) in page.referenced(post) {
                let label = match kind {
                    ReferenceType::Quoted => "quotes",
                    ReferenceType::RepliedTo => "replies to",
                    ReferenceType::Retweeted => "reposts",
                    ReferenceType::Other => "refers to",
                };
                match referenced {
                    Lookup::Found(other) => {
                        let who = page
                            .author(other)
                            .found()
                            .and_then(|u| u.username.as_deref())
                            .unwrap_or("?");
                        println!(
                            "  ↳ {label} @{who}: {}",
                            other.text.as_deref().unwrap_or("")
                        );
                    }
                    Lookup::Unavailable(problem) => {
                        println!(
                            "  ↳ {label} a post that is unavailable ({})",
                            problem.detail.as_deref().unwrap_or("no detail")
                        )
                    }
                    _ => println!("  ↳ {label} a post not included"),
                }
            }
            for media in page.media(post).into_iter().filter_map(Lookup::found) {
                println!(
                    "  [{}] {}",
                    media.type_.as_deref().unwrap_or("media"),
                    media
                        .url
                        .as_deref()
                        .or(media.preview_image_url.as_deref())
                        .unwrap_or("")
                );
            }
            if let Lookup::Found(poll) = page.poll(post) {
                let options: Vec<String> = poll
                    .options
                    .iter()
                    .flatten()
                    .map(|o| {
                        format!(
                            "{} ({})",
                            o.label.as_deref().unwrap_or("?"),
                            o.votes.unwrap_or(0)
                        )
                    })
                    .collect();
                println!("  poll: {}", options.join(" / "));
            }
            if let Lookup::Found(place) = page.place(post) {
                println!("  at {}", place.full_name.as_deref().unwrap_or("?"));
            }
            if let Some(m) = &post.public_metrics {
                println!(
                    "  ♥ {}  ⟲ {}  💬 {}",
                    m.like_count.unwrap_or(0),
                    m.retweet_count.unwrap_or(0),
                    m.reply_count.unwrap_or(0)
                );
            }
            println!();
        }
        for problem in page.errors() {
            println!(
                "(partial error: {})",
                problem
                    .detail
                    .as_deref()
                    .or(problem.title.as_deref())
                    .unwrap_or("?")
            );
        }
    }
    println!("{total} posts");
    Ok(())
}
