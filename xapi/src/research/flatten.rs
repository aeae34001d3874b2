//! Flattening archived pages: one post (or user) per line, with what it
//! refers to joined in from its page's `includes`.
//!
//! A post keeps every key it arrived with and gains:
//!
//! * `author`, `in_reply_to_user`: the users, as top-level keys;
//! * `referenced_tweets[].tweet`: each referenced post (with its own
//!   `author` when included);
//! * `attachments.media` (in `media_keys` order) and `attachments.poll`;
//! * `geo.place`;
//! * `entities.mentions[].user`: each mentioned user;
//! * `__xapi`: the provenance of its page, when the page had one.
//!
//! A user of a user page gains `pinned_tweet`. References that cannot be
//! resolved (not included, withheld) are left as they were: nothing is
//! dropped, nothing invented.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::io;

use serde::Deserialize;

use crate::answer::join::{Index, Joiner};
use crate::models::{Expansions, Problem, Tweet, User};

/// One flattened post, borrowed from its page.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct FlatPost<'a> {
    /// The post, nested joins (referenced posts, media, poll, place,
    /// mentioned users) already inserted.
    pub post: &'a Tweet,
    /// Its author, when included.
    pub author: Option<&'a User>,
    /// The user it replies to, when included.
    pub in_reply_to_user: Option<&'a User>,
    /// The `"__xapi"` object of its page.
    pub provenance: Option<&'a serde_json::Value>,
}

/// One flattened user, borrowed from its page.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct FlatUser<'a> {
    /// The user.
    pub user: &'a User,
    /// Its pinned post, when included.
    pub pinned_tweet: Option<&'a Tweet>,
    /// The `"__xapi"` object of its page.
    pub provenance: Option<&'a serde_json::Value>,
}

/// What a page holds, one by one.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Item<'a> {
    /// A post.
    Post(FlatPost<'a>),
    /// A user.
    User(FlatUser<'a>),
}

impl Item<'_> {
    /// The item as one JSON object (no newline), appended to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Item::Post(p) => {
                let additions: [(&str, Option<&dyn erased::Json>); 3] = [
                    ("author", p.author.map(|u| u as &dyn erased::Json)),
                    (
                        "in_reply_to_user",
                        p.in_reply_to_user.map(|u| u as &dyn erased::Json),
                    ),
                    ("__xapi", p.provenance.map(|v| v as &dyn erased::Json)),
                ];
                write_with(out, p.post, &additions)
            }
            Item::User(u) => {
                let additions: [(&str, Option<&dyn erased::Json>); 2] = [
                    (
                        "pinned_tweet",
                        u.pinned_tweet.map(|t| t as &dyn erased::Json),
                    ),
                    ("__xapi", u.provenance.map(|v| v as &dyn erased::Json)),
                ];
                write_with(out, u.user, &additions)
            }
        }
    }
}

mod erased {
    /// Something that writes itself as JSON into a buffer.
    pub trait Json {
        fn write(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
    }
    impl<T: serde::Serialize> Json for T {
        fn write(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
            serde_json::to_writer(out, self)
        }
    }
}

/// Writes `object`, then the present `additions` as its last keys.
fn write_with<T: serde::Serialize>(
    out: &mut Vec<u8>,
    object: &T,
    additions: &[(&str, Option<&dyn erased::Json>)],
) -> io::Result<()> {
    let start = out.len();
    serde_json::to_writer(&mut *out, object)?;
    if out.last() != Some(&b'}') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "an item did not serialise as an object",
        ));
    }
    out.pop();
    let mut empty = out.len() == start.saturating_add(1);
    for (key, value) in additions {
        if let Some(value) = value {
            if !empty {
                out.push(b',');
            }
            empty = false;
            serde_json::to_writer(&mut *out, key)?;
            out.push(b':');
            value.write(out)?;
        }
    }
    out.push(b'}');
    Ok(())
}

/// `data` of a page: a list, or one object.
struct OneOrMany<T>(Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of objects or one object")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1000));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(OneOrMany(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let one = T::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(OneOrMany(vec![one]))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default)]
    data: OneOrMany<T>,
    #[serde(default)]
    includes: Option<Expansions>,
    #[serde(default)]
    errors: Vec<Problem>,
    #[serde(default, rename = "__xapi")]
    provenance: Option<serde_json::Value>,
}

/// Operations whose pages hold users.
const USER_OPERATIONS: &[&str] = &[
    "getUsersByIds",
    "getUsersByUsernames",
    "getUsersByUsername",
    "getUsersById",
    "getUsersFollowers",
    "getUsersFollowing",
    "getPostsLikingUsers",
    "getPostsRepostedBy",
    "getListsMembers",
    "getListsFollowers",
    "getUsersMe",
    "searchUsers",
];

/// Flattens one page (a JSON object, as written by
/// [`RawPage::line`](crate::research::pages::RawPage::line) or as the API
/// sent it) and hands each of its items to `each`, in page order. Whether
/// the page holds posts or users is read from its `__xapi.operation`, or
/// else from its items (users have a `username` and no `text`). Returns the
/// number of items; a line that is not a page is `InvalidData`.
pub fn flatten_page(
    line: &[u8],
    mut each: impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<usize> {
    let invalid = |e: xapi_generated::runtime::DecodeFailure| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a page: {} at {}", e.reason, e.path),
        )
    };
    let page: Page<Tweet> = xapi_generated::runtime::decode(line).map_err(invalid)?;
    let operation = page
        .provenance
        .as_ref()
        .and_then(|p| p.get("operation"))
        .and_then(|o| o.as_str());
    let users = match operation {
        Some(op) => USER_OPERATIONS.contains(&op),
        None => {
            !page.data.0.is_empty()
                && page
                    .data
                    .0
                    .iter()
                    .all(|p| p.text.is_none() && p.username.is_some())
        }
    };
    if users {
        let page: Page<User> = xapi_generated::runtime::decode(line).map_err(invalid)?;
        return flatten_users(page, each);
    }
    let Page {
        data,
        includes,
        errors,
        provenance,
    } = page;
    let index = Index::new(includes.as_ref(), &errors);
    let joiner = Joiner::new(includes.as_ref(), &errors, None, &index);
    let mut n = 0usize;
    for mut post in data.0 {
        join_nested(&joiner, &mut post)?;
        let flat = FlatPost {
            author: joiner.author(&post).found(),
            in_reply_to_user: joiner.in_reply_to_user(&post).found(),
            post: &post,
            provenance: provenance.as_ref(),
        };
        each(Item::Post(flat))?;
        n = n.saturating_add(1);
    }
    Ok(n)
}

fn flatten_users(
    page: Page<User>,
    mut each: impl FnMut(Item<'_>) -> io::Result<()>,
) -> io::Result<usize> {
    let index = Index::new(page.includes.as_ref(), &page.errors);
    let joiner = Joiner::new(page.includes.as_ref(), &page.errors, None, &index);
    let mut n = 0usize;
    for user in &page.data.0 {
        each(Item::User(FlatUser {
            user,
            pinned_tweet: joiner.pinned_post(user).found(),
            provenance: page.provenance.as_ref(),
        }))?;
        n = n.saturating_add(1);
    }
    Ok(n)
}

fn value<T: serde::Serialize>(item: &T) -> io::Result<serde_json::Value> {
    serde_json::to_value(item).map_err(io::Error::from)
}

/// Inserts what `post` refers to inside its own structure.
fn join_nested(joiner: &Joiner<'_>, post: &mut Tweet) -> io::Result<()> {
    let referenced = joiner.referenced(post);
    if !referenced.is_empty() {
        let mut found = Vec::with_capacity(referenced.len());
        for (_, lookup) in &referenced {
            found.push(match lookup.found() {
                Some(target) => {
                    let mut v = value(target)?;
                    if let (Some(author), Some(obj)) =
                        (joiner.author(target).found(), v.as_object_mut())
                    {
                        obj.insert("author".into(), value(author)?);
                    }
                    Some(v)
                }
                None => None,
            });
        }
        if let Some(refs) = post.referenced_tweets.as_mut() {
            for (r, v) in refs.iter_mut().zip(found) {
                if let Some(v) = v {
                    r.extra.insert("tweet".into(), v);
                }
            }
        }
    }
    let media = joiner.media(post);
    let media: Vec<serde_json::Value> = media
        .iter()
        .filter_map(|l| l.found())
        .map(value)
        .collect::<io::Result<_>>()?;
    let poll = joiner.poll(post).found().map(value).transpose()?;
    if let Some(attachments) = post.attachments.as_mut() {
        if !media.is_empty() {
            attachments
                .extra
                .insert("media".into(), serde_json::Value::Array(media));
        }
        if let Some(poll) = poll {
            attachments.extra.insert("poll".into(), poll);
        }
    }
    let place = joiner.place(post).found().map(value).transpose()?;
    if let (Some(place), Some(geo)) = (place, post.geo.as_mut()) {
        geo.extra.insert("place".into(), place);
    }
    let users: Vec<Option<serde_json::Value>> = joiner
        .mentions(post)
        .iter()
        .map(|(_, l)| l.found().map(value).transpose())
        .collect::<io::Result<_>>()?;
    if !users.is_empty() {
        let list = post.entities.as_mut().and_then(|e| e.mentions.as_mut());
        if let Some(list) = list {
            for (m, u) in list.iter_mut().zip(users) {
                if let Some(u) = u {
                    m.extra.insert("user".into(), u);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"data":[
        {"id":"2","text":"hi @bob","author_id":"10","zz_new":{"k":1},
         "referenced_tweets":[{"type":"quoted","id":"1"}],
         "attachments":{"media_keys":["3_1"],"poll_ids":["p1"]},
         "geo":{"place_id":"pl"},
         "entities":{"mentions":[{"start":3,"end":7,"username":"bob"}]}},
        {"id":"3","text":"no joins"}],
      "includes":{"users":[{"id":"10","username":"alice"},{"id":"11","username":"bob"}],
        "tweets":[{"id":"1","text":"old","author_id":"11"}],
        "media":[{"media_key":"3_1","type":"photo"}],
        "polls":[{"id":"p1","options":[]}],
        "places":[{"id":"pl","full_name":"Somewhere"}]},
      "__xapi":{"operation":"searchPostsRecent","url":"u"}}"#;

    #[test]
    fn posts_get_their_references_joined_and_keep_unknown_keys() {
        let mut lines = Vec::new();
        let n = flatten_page(PAGE.as_bytes(), |item| {
            let mut out = Vec::new();
            item.write_json(&mut out)?;
            lines.push(serde_json::from_slice::<serde_json::Value>(&out)?);
            Ok(())
        })
        .expect("flatten");
        assert_eq!(n, 2);
        let p = &lines[0];
        assert_eq!(p["author"]["username"], "alice");
        assert_eq!(p["zz_new"]["k"], 1);
        assert_eq!(p["referenced_tweets"][0]["tweet"]["text"], "old");
        assert_eq!(
            p["referenced_tweets"][0]["tweet"]["author"]["username"],
            "bob"
        );
        assert_eq!(p["attachments"]["media"][0]["type"], "photo");
        assert_eq!(p["attachments"]["poll"]["id"], "p1");
        assert_eq!(p["geo"]["place"]["full_name"], "Somewhere");
        assert_eq!(p["entities"]["mentions"][0]["user"]["id"], "11");
        assert_eq!(p["__xapi"]["url"], "u");
        assert!(lines[1].get("author").is_none());
        assert_eq!(lines[1]["text"], "no joins");
    }

    #[test]
    fn user_pages_are_told_by_their_operation_or_items() {
        let page = r#"{"data":[{"id":"1","username":"a","name":"A","pinned_tweet_id":"5"}],
            "includes":{"tweets":[{"id":"5","text":"pinned"}]}}"#;
        let mut seen = Vec::new();
        flatten_page(page.as_bytes(), |item| {
            match item {
                Item::User(u) => seen.push((
                    u.user.name.as_deref().map(str::to_owned),
                    u.pinned_tweet
                        .and_then(|t| t.text.as_deref())
                        .map(str::to_owned),
                )),
                Item::Post(_) => seen.push((None, None)),
            }
            Ok(())
        })
        .expect("flatten");
        assert_eq!(seen, [(Some("A".to_owned()), Some("pinned".to_owned()))]);
        assert!(flatten_page(b"[1]", |_| Ok(())).is_err());
    }
}
