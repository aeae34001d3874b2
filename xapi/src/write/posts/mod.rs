//! Managing posts: create (with replies, quotes, media, polls and the other
//! options of `POST /2/tweets`), edit, delete, like, repost, bookmark and
//! hide replies. All of it needs the `tweets` feature (bookmarks also
//! `bookmarks` or `users`), except [`is_valid_id`].
//!
//! [`NewPost`] is a typed builder for the body of `createPosts`
//! ([`TweetCreateRequest`]); [`NewPost::validate`] refuses a post X would
//! refuse, before anything is sent, naming the field and the rule.
//!
//! ```no_run
//! use xapi::posts::{NewPost, ReplySettings};
//! use xapi::Client;
//!
//! # async fn run(client: Client) -> Result<(), xapi::Error> {
//! let poll = NewPost::text("Tabs or spaces?")
//!     .poll(["Tabs", "Spaces"], 24 * 60)
//!     .reply_settings(ReplySettings::Following);
//! let created = client.create_post(poll).await?;
//! let id = created.data().and_then(|d| d.id.as_deref()).unwrap_or_default().to_owned();
//! client.create_post(NewPost::text("Results tomorrow.").reply_to(&id)).await?;
//! # Ok(()) }
//! ```
//!
//! # Rules checked before sending
//!
//! From the `TweetCreateRequest` schema of API document 2.159:
//!
//! * `poll.options`: 2 to 4 options (`minItems`/`maxItems`), each 1 to 25
//!   characters (`minLength`/`maxLength`, counted in Unicode code points
//!   after NFC); `poll.duration_minutes`: 5 to 10080 (`minimum`/`maximum`);
//! * `media.media_ids`: 1 to 4 ids; `media.tagged_user_ids`: at most 10;
//! * every id (`TweetId`, `MediaId`, `UserId`, `CommunityId`) matches
//!   `^[0-9]{1,19}$`;
//! * `reply_settings` and `poll.reply_settings`: one of `following`,
//!   `mentionedUsers`, `subscribers`, `verified`;
//! * mutually exclusive, as the descriptions of `card_uri`, `media` and
//!   `poll` state: `poll` with `media`, `poll` with `quote_tweet_id`, `media`
//!   with `quote_tweet_id`, `card_uri` with any of `poll`, `media`,
//!   `quote_tweet_id` and `direct_message_deep_link`.
//!
//! From X's rules for posts:
//!
//! * `text`: weighted length at most 280 as X counts it ([`crate::write::text`]),
//!   none of the code points X refuses, and not empty (or only white space)
//!   unless the post carries media, a poll or a quoted post;
//! * the reply options (`exclude_reply_user_ids`,
//!   `auto_populate_reply_metadata`) need the post replied to, tagged users
//!   need media, and `share_with_followers` needs a `community_id` (it shares
//!   a community post);
//! * poll options and the string options (`geo.place_id`, `card_uri`,
//!   `direct_message_deep_link`) must not be blank.

#[cfg(feature = "tweets")]
mod rules;
#[cfg(feature = "tweets")]
use rules::{check_id, check_id_for, check_not_blank, check_reply_settings, invalid};

#[cfg(feature = "tweets")]
use crate::answer::error::Error;
#[cfg(feature = "tweets")]
use crate::answer::response::Response;
#[cfg(feature = "tweets")]
use crate::client::Client;
#[cfg(all(feature = "tweets", any(feature = "bookmarks", feature = "users")))]
use crate::models::{BookmarkAddRequest, BookmarkMutationResponse};
#[cfg(feature = "tweets")]
use crate::models::{
    TweetCreateRequest, TweetCreateRequestEditOptions, TweetCreateRequestGeo,
    TweetCreateRequestMedia, TweetCreateRequestPoll, TweetCreateRequestPollReplySettings,
    TweetCreateRequestReply, TweetCreateResponse, TweetDeleteResponse, TweetHideRequest,
    TweetHideResponse, UsersLikesCreateRequest, UsersLikesCreateResponse, UsersLikesDeleteResponse,
    UsersRetweetsCreateRequest, UsersRetweetsCreateResponse, UsersRetweetsDeleteResponse,
};
#[cfg(feature = "tweets")]
use crate::Api;
#[cfg(feature = "tweets")]
use crate::Text;

/// Owned strings as model text.
#[cfg(feature = "tweets")]
fn texts(list: Vec<String>) -> Vec<Text> {
    list.into_iter().map(Text::from).collect()
}

/// Who may reply to a post (`reply_settings`). `Unknown` values are refused
/// by [`NewPost::validate`].
#[cfg(feature = "tweets")]
pub use crate::models::TweetCreateRequestReplySettings as ReplySettings;

#[cfg(feature = "tweets")]
const CREATE: &str = "createPosts";

/// Fewest poll options: `TweetCreateRequest.poll.options.minItems`.
pub const POLL_MIN_OPTIONS: usize = 2;
/// Most poll options: `TweetCreateRequest.poll.options.maxItems`.
pub const POLL_MAX_OPTIONS: usize = 4;
/// Shortest poll option: `TweetCreateRequest.poll.options.items.minLength`.
pub const POLL_OPTION_MIN_CHARS: usize = 1;
/// Longest poll option: `TweetCreateRequest.poll.options.items.maxLength`.
pub const POLL_OPTION_MAX_CHARS: usize = 25;
/// Shortest poll: `TweetCreateRequest.poll.duration_minutes.minimum` (5 minutes).
pub const POLL_MIN_MINUTES: u32 = 5;
/// Longest poll: `TweetCreateRequest.poll.duration_minutes.maximum` (7 days).
pub const POLL_MAX_MINUTES: u32 = 10080;
/// Fewest media: `TweetCreateRequest.media.media_ids.minItems`.
pub const MEDIA_MIN_IDS: usize = 1;
/// Most media: `TweetCreateRequest.media.media_ids.maxItems`.
pub const MEDIA_MAX_IDS: usize = 4;
/// Most tagged users: `TweetCreateRequest.media.tagged_user_ids.maxItems`.
pub const MAX_TAGGED_USERS: usize = 10;

/// Whether `id` matches `^[0-9]{1,19}$`, the `pattern` of the `TweetId`,
/// `MediaId`, `UserId` and `CommunityId` schemas.
pub fn is_valid_id(id: &str) -> bool {
    (1..=19).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())
}

/// A post to create (or an edit of one), built option by option.
///
/// Every option of `TweetCreateRequest` in API document 2.159 has a method;
/// [`into_request`](Self::into_request) gives the body as sent.
#[cfg(feature = "tweets")]
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct NewPost {
    text: Option<String>,
    in_reply_to: Option<String>,
    exclude_reply_user_ids: Vec<String>,
    auto_populate_reply_metadata: Option<bool>,
    quote_post_id: Option<String>,
    media_ids: Vec<String>,
    tagged_user_ids: Vec<String>,
    poll: Option<PollSpec>,
    reply_settings: Option<ReplySettings>,
    place_id: Option<String>,
    for_super_followers_only: Option<bool>,
    community_id: Option<String>,
    share_with_followers: Option<bool>,
    card_uri: Option<String>,
    direct_message_deep_link: Option<String>,
    nullcast: Option<bool>,
    previous_post_id: Option<String>,
}

#[cfg(feature = "tweets")]
#[derive(Clone, Debug, PartialEq)]
struct PollSpec {
    options: Vec<String>,
    duration_minutes: u32,
    reply_settings: Option<ReplySettings>,
}

#[cfg(feature = "tweets")]
impl NewPost {
    /// A post with nothing set (add media, a poll or a quote, or use
    /// [`NewPost::text`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// A post with `text`.
    pub fn text(text: impl Into<String>) -> Self {
        NewPost {
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// Sets (or replaces) the text.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Replies to the post `post_id` (`reply.in_reply_to_tweet_id`).
    pub fn reply_to(mut self, post_id: impl Into<String>) -> Self {
        self.in_reply_to = Some(post_id.into());
        self
    }

    /// Leaves these users out of the reply's mentions
    /// (`reply.exclude_reply_user_ids`); needs [`reply_to`](Self::reply_to).
    pub fn exclude_reply_users<I, S>(mut self, user_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude_reply_user_ids
            .extend(user_ids.into_iter().map(Into::into));
        self
    }

    /// Lets X add the reply's mentions (`reply.auto_populate_reply_metadata`);
    /// needs [`reply_to`](Self::reply_to).
    pub fn auto_populate_reply_metadata(mut self, yes: bool) -> Self {
        self.auto_populate_reply_metadata = Some(yes);
        self
    }

    /// Quotes the post `post_id` (`quote_tweet_id`).
    pub fn quote(mut self, post_id: impl Into<String>) -> Self {
        self.quote_post_id = Some(post_id.into());
        self
    }

    /// Attaches uploaded media (`media.media_ids`, 1 to 4), added to any
    /// attached before.
    pub fn media<I, S>(mut self, media_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.media_ids.extend(media_ids.into_iter().map(Into::into));
        self
    }

    /// Tags users in the attached media (`media.tagged_user_ids`, at most 10).
    pub fn tag_users<I, S>(mut self, user_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tagged_user_ids
            .extend(user_ids.into_iter().map(Into::into));
        self
    }

    /// Adds a poll (`poll.options`, 2 to 4 options of 1 to 25 characters;
    /// `poll.duration_minutes`, 5 to 10080).
    pub fn poll<I, S>(mut self, options: I, duration_minutes: u32) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let reply_settings = self.poll.take().and_then(|p| p.reply_settings);
        self.poll = Some(PollSpec {
            options: options.into_iter().map(Into::into).collect(),
            duration_minutes,
            reply_settings,
        });
        self
    }

    /// Who may reply to the poll (`poll.reply_settings`); needs
    /// [`poll`](Self::poll) first, otherwise ignored.
    pub fn poll_reply_settings(mut self, settings: ReplySettings) -> Self {
        if let Some(poll) = &mut self.poll {
            poll.reply_settings = Some(settings);
        }
        self
    }

    /// Who may reply (`reply_settings`).
    pub fn reply_settings(mut self, settings: ReplySettings) -> Self {
        self.reply_settings = Some(settings);
        self
    }

    /// Attaches a place (`geo.place_id`).
    pub fn place(mut self, place_id: impl Into<String>) -> Self {
        self.place_id = Some(place_id.into());
        self
    }

    /// For super followers only (`for_super_followers_only`).
    pub fn for_super_followers_only(mut self, yes: bool) -> Self {
        self.for_super_followers_only = Some(yes);
        self
    }

    /// Posts in a community (`community_id`).
    pub fn community(mut self, community_id: impl Into<String>) -> Self {
        self.community_id = Some(community_id.into());
        self
    }

    /// Shares the community post with followers too (`share_with_followers`);
    /// needs [`community`](Self::community).
    pub fn share_with_followers(mut self, yes: bool) -> Self {
        self.share_with_followers = Some(yes);
        self
    }

    /// Attaches a card (`card_uri`); excludes media, polls, quotes and DM
    /// deep links.
    pub fn card_uri(mut self, uri: impl Into<String>) -> Self {
        self.card_uri = Some(uri.into());
        self
    }

    /// Adds a link that opens a Direct Message conversation
    /// (`direct_message_deep_link`).
    pub fn direct_message_deep_link(mut self, link: impl Into<String>) -> Self {
        self.direct_message_deep_link = Some(link.into());
        self
    }

    /// Promoted-only post, not shown in the public timeline (`nullcast`).
    pub fn nullcast(mut self, yes: bool) -> Self {
        self.nullcast = Some(yes);
        self
    }

    /// Makes this an edit of the post `previous_post_id`
    /// (`edit_options.previous_post_id`) instead of a new post.
    pub fn edit_of(mut self, previous_post_id: impl Into<String>) -> Self {
        self.previous_post_id = Some(previous_post_id.into());
        self
    }

    /// The post's text, if set.
    pub fn text_value(&self) -> Option<&str> {
        self.text.as_deref()
    }

    /// The id of the post this one replies to, if set.
    pub fn reply_to_value(&self) -> Option<&str> {
        self.in_reply_to.as_deref()
    }

    /// Whether this is an edit of an earlier post ([`NewPost::edit_of`]).
    pub fn is_edit(&self) -> bool {
        self.previous_post_id.is_some()
    }

    /// Checks the post against the rules listed in the [module
    /// documentation](self), without sending anything.
    ///
    /// The error is [`Error::InvalidRequest`] with operation `createPosts`,
    /// the JSON path of the field at fault (`poll.options[2]`) and the rule.
    pub fn validate(&self) -> Result<(), Error> {
        self.check_exclusions()?;
        self.check_text()?;
        self.check_reply()?;
        if let Some(id) = &self.quote_post_id {
            check_id("quote_tweet_id", id)?;
        }
        self.check_media()?;
        self.check_poll()?;
        if let Some(settings) = &self.reply_settings {
            check_reply_settings("reply_settings", settings.as_str())?;
        }
        if let Some(place) = &self.place_id {
            check_not_blank("geo.place_id", place)?;
        }
        if let Some(id) = &self.community_id {
            check_id("community_id", id)?;
        }
        if self.share_with_followers == Some(true) && self.community_id.is_none() {
            return invalid(
                "share_with_followers",
                "shares a community post with followers: needs community_id",
            );
        }
        if let Some(uri) = &self.card_uri {
            check_not_blank("card_uri", uri)?;
        }
        if let Some(link) = &self.direct_message_deep_link {
            check_not_blank("direct_message_deep_link", link)?;
        }
        if let Some(id) = &self.previous_post_id {
            check_id("edit_options.previous_post_id", id)?;
        }
        Ok(())
    }

    /// The request body as it will be sent (not validated).
    pub fn into_request(self) -> TweetCreateRequest {
        let reply = (self.in_reply_to.is_some()
            || !self.exclude_reply_user_ids.is_empty()
            || self.auto_populate_reply_metadata.is_some())
        .then(|| TweetCreateRequestReply {
            in_reply_to_tweet_id: self.in_reply_to.map(Text::from),
            exclude_reply_user_ids: (!self.exclude_reply_user_ids.is_empty())
                .then(|| texts(self.exclude_reply_user_ids)),
            auto_populate_reply_metadata: self.auto_populate_reply_metadata,
            ..Default::default()
        });
        let media = (!self.media_ids.is_empty() || !self.tagged_user_ids.is_empty()).then(|| {
            TweetCreateRequestMedia {
                media_ids: (!self.media_ids.is_empty()).then(|| texts(self.media_ids)),
                tagged_user_ids: (!self.tagged_user_ids.is_empty())
                    .then(|| texts(self.tagged_user_ids)),
                ..Default::default()
            }
        });
        let poll = self.poll.map(|p| TweetCreateRequestPoll {
            options: Some(texts(p.options)),
            duration_minutes: Some(i64::from(p.duration_minutes)),
            reply_settings: p
                .reply_settings
                .map(|s| TweetCreateRequestPollReplySettings::from_wire(s.as_str())),
            ..Default::default()
        });
        TweetCreateRequest {
            text: self.text.map(Text::from),
            reply,
            quote_tweet_id: self.quote_post_id.map(Text::from),
            media,
            poll,
            reply_settings: self.reply_settings,
            geo: self.place_id.map(|place_id| TweetCreateRequestGeo {
                place_id: Some(place_id.into()),
                ..Default::default()
            }),
            for_super_followers_only: self.for_super_followers_only,
            community_id: self.community_id.map(Text::from),
            share_with_followers: self.share_with_followers,
            card_uri: self.card_uri.map(Text::from),
            direct_message_deep_link: self.direct_message_deep_link.map(Text::from),
            nullcast: self.nullcast,
            edit_options: self
                .previous_post_id
                .map(|id| TweetCreateRequestEditOptions {
                    previous_post_id: Some(id.into()),
                    ..Default::default()
                }),
            ..Default::default()
        }
    }
}

#[cfg(feature = "tweets")]
impl From<NewPost> for TweetCreateRequest {
    fn from(post: NewPost) -> Self {
        post.into_request()
    }
}

/// Posts: create, edit, delete; likes, reposts, bookmarks and hidden replies.
/// All of these need user-context credentials.
#[cfg(feature = "tweets")]
impl Client {
    /// Creates a post (or edits one, see [`NewPost::edit_of`]) after
    /// [`NewPost::validate`]; nothing is sent when validation fails.
    pub async fn create_post(&self, post: NewPost) -> Result<Response<TweetCreateResponse>, Error> {
        post.validate()?;
        self.tweets().create(post.into_request()).send().await
    }

    /// Deletes the post `post_id` (of the authenticated user).
    pub async fn delete_post(
        &self,
        post_id: impl Into<String>,
    ) -> Result<Response<TweetDeleteResponse>, Error> {
        self.tweets().delete(post_id).send().await
    }

    /// Likes `post_id` as `user_id` (the authenticated user).
    pub async fn like(
        &self,
        user_id: impl Into<String>,
        post_id: impl Into<String>,
    ) -> Result<Response<UsersLikesCreateResponse>, Error> {
        let user_id = user_id.into();
        check_id_for("likePost", "id", &user_id)?;
        let post_id = post_id.into();
        check_id_for("likePost", "tweet_id", &post_id)?;
        let body = UsersLikesCreateRequest {
            tweet_id: Some(post_id.into()),
            ..Default::default()
        };
        self.users().like_post(user_id).body(body).send().await
    }

    /// Removes the like of `user_id` from `post_id`.
    pub async fn unlike(
        &self,
        user_id: impl Into<String>,
        post_id: impl Into<String>,
    ) -> Result<Response<UsersLikesDeleteResponse>, Error> {
        let user_id = user_id.into();
        check_id_for("unlikePost", "id", &user_id)?;
        self.users().unlike_post(user_id, post_id).send().await
    }

    /// Reposts `post_id` as `user_id`.
    pub async fn repost(
        &self,
        user_id: impl Into<String>,
        post_id: impl Into<String>,
    ) -> Result<Response<UsersRetweetsCreateResponse>, Error> {
        let user_id = user_id.into();
        check_id_for("repostPost", "id", &user_id)?;
        let post_id = post_id.into();
        check_id_for("repostPost", "tweet_id", &post_id)?;
        let body = UsersRetweetsCreateRequest {
            tweet_id: Some(post_id.into()),
            ..Default::default()
        };
        self.users().repost_post(user_id).body(body).send().await
    }

    /// Undoes the repost of `post_id` by `user_id`.
    pub async fn undo_repost(
        &self,
        user_id: impl Into<String>,
        post_id: impl Into<String>,
    ) -> Result<Response<UsersRetweetsDeleteResponse>, Error> {
        let user_id = user_id.into();
        check_id_for("unrepostPost", "id", &user_id)?;
        self.users().unrepost_post(user_id, post_id).send().await
    }

    /// Bookmarks `post_id` for `user_id` (feature `bookmarks` or `users`).
    #[cfg(any(feature = "bookmarks", feature = "users"))]
    pub async fn bookmark(
        &self,
        user_id: impl Into<String>,
        post_id: impl Into<String>,
    ) -> Result<Response<BookmarkMutationResponse>, Error> {
        let user_id = user_id.into();
        check_id_for("createUsersBookmark", "id", &user_id)?;
        let post_id = post_id.into();
        check_id_for("createUsersBookmark", "tweet_id", &post_id)?;
        let body = BookmarkAddRequest {
            tweet_id: Some(post_id.into()),
            ..Default::default()
        };
        self.users().create_bookmark(user_id, body).send().await
    }

    /// Removes the bookmark of `post_id` for `user_id` (feature `bookmarks`
    /// or `users`).
    #[cfg(any(feature = "bookmarks", feature = "users"))]
    pub async fn remove_bookmark(
        &self,
        user_id: impl Into<String>,
        post_id: impl Into<String>,
    ) -> Result<Response<BookmarkMutationResponse>, Error> {
        let user_id = user_id.into();
        check_id_for("deleteUsersBookmark", "id", &user_id)?;
        self.users().delete_bookmark(user_id, post_id).send().await
    }

    /// Hides (`hidden = true`) or unhides a reply to one of the
    /// authenticated user's posts.
    pub async fn hide_reply(
        &self,
        post_id: impl Into<String>,
        hidden: bool,
    ) -> Result<Response<TweetHideResponse>, Error> {
        let body = TweetHideRequest {
            hidden: Some(hidden),
            ..Default::default()
        };
        self.tweets().hide_reply(post_id).body(body).send().await
    }
}

#[cfg(all(test, feature = "tweets"))]
mod tests {
    use super::*;

    fn refused(post: &NewPost) -> (String, String) {
        match post.validate() {
            Err(Error::InvalidRequest {
                operation,
                parameter,
                rule,
            }) => {
                assert_eq!(operation, "createPosts");
                (parameter, rule)
            }
            other => panic!("expected InvalidRequest, got {other:?}"),
        }
    }

    #[test]
    fn ids() {
        assert!(is_valid_id("1"));
        assert!(is_valid_id("1234567890123456789"));
        assert!(!is_valid_id("12345678901234567890"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("12a"));
        assert!(!is_valid_id("-1"));
    }

    #[test]
    fn minimal_post_body() {
        let body = serde_json::to_value(NewPost::text("hi").into_request()).expect("serialises");
        assert_eq!(body, serde_json::json!({ "text": "hi" }));
    }

    #[test]
    fn poll_reply_settings_survive_a_second_poll_call() {
        let post = NewPost::text("q")
            .poll(["a", "b"], 60)
            .poll_reply_settings(ReplySettings::Following)
            .poll(["c", "d"], 90);
        let body = serde_json::to_value(post.into_request()).expect("serialises");
        assert_eq!(body["poll"]["reply_settings"], "following");
        assert_eq!(body["poll"]["options"], serde_json::json!(["c", "d"]));
    }

    #[test]
    fn exclusion_names_the_schema_property() {
        let (parameter, rule) = refused(&NewPost::text("x").media(["1"]).card_uri("card://1"));
        assert_eq!(parameter, "card_uri");
        assert!(rule.contains("media"), "{rule}");
        assert!(rule.contains("TweetCreateRequest.card_uri"), "{rule}");
    }

    #[test]
    fn poll_option_length_counts_code_points_after_nfc() {
        // 25 × "é" written as e + U+0301: 50 code points before NFC, 25 after.
        let option = "e\u{0301}".repeat(25);
        assert!(NewPost::text("q")
            .poll([option.as_str(), "b"], 5)
            .validate()
            .is_ok());
        let (parameter, _) = refused(&NewPost::text("q").poll([&format!("{option}x"), "b"], 5));
        assert_eq!(parameter, "poll.options[0]");
    }
}
