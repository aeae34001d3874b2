//! Include-joining: resolving the ids in a post to the objects in `includes`.
//!
//! A page's `includes` are indexed once, lazily, on the first lookup; every
//! lookup after that is O(1) and borrows from the page (nothing is copied).
//! Each lookup tells apart an object that was *found*, an expansion that was
//! *not requested*, an object the API reported as unavailable in a partial
//! error (deleted, withheld, not authorized: the error is handed back), and one
//! that is simply *missing*.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::models::{Expansions, Media, Place, Poll, Problem, Tweet, User};

/// The outcome of a lookup.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a, T> {
    /// The object, from `includes`.
    Found(&'a T),
    /// The expansion that would carry it was not requested.
    NotRequested,
    /// The API reported it in a partial error (deleted, withheld, not authorized…).
    Unavailable(&'a Problem),
    /// Requested and referenced, but neither included nor reported.
    Missing,
    /// The object holds no such reference (e.g. a post without a poll).
    NoReference,
}

impl<T> Clone for Lookup<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Lookup<'_, T> {}

impl<'a, T> Lookup<'a, T> {
    /// The object, if found.
    pub fn found(self) -> Option<&'a T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }

    /// Whether the object was found.
    pub fn is_found(&self) -> bool {
        matches!(self, Lookup::Found(_))
    }
}

/// How a post refers to another one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceType {
    /// A repost.
    Retweeted,
    /// A quote.
    Quoted,
    /// A reply.
    RepliedTo,
    /// A type this crate does not know.
    Other,
}

impl ReferenceType {
    fn from_wire(s: &str) -> Self {
        match s {
            "retweeted" => ReferenceType::Retweeted,
            "quoted" => ReferenceType::Quoted,
            "replied_to" => ReferenceType::RepliedTo,
            _ => ReferenceType::Other,
        }
    }
}

/// Identity hasher for keys that are already hashes.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Table = HashMap<u64, u32, BuildHasherDefault<IdHasher>>;

/// FNV-1a, folded: ids are short ASCII strings.
fn key(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn key_ci(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.as_bytes() {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

fn build<T>(
    items: Option<&Vec<T>>,
    id: impl Fn(&T) -> Option<&str>,
    hash: fn(&str) -> u64,
) -> Table {
    let mut table = Table::default();
    if let Some(items) = items {
        table.reserve(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(id) = id(item) {
                table.entry(hash(id)).or_insert(i as u32);
            }
        }
    }
    table
}

/// The index of one page's `includes` and partial errors.
#[derive(Debug, Default)]
pub struct Index {
    users: Table,
    usernames: Table,
    tweets: Table,
    media: Table,
    polls: Table,
    places: Table,
    problems: Table,
}

impl Index {
    /// Indexes `includes` and `errors`.
    pub fn new(includes: Option<&Expansions>, errors: &[Problem]) -> Self {
        let problems = {
            let mut t = Table::default();
            for (i, p) in errors.iter().enumerate() {
                for id in [p.resource_id.as_deref(), p.value.as_deref()]
                    .into_iter()
                    .flatten()
                {
                    t.entry(key(id)).or_insert(i as u32);
                }
            }
            t
        };
        match includes {
            None => Index {
                problems,
                ..Default::default()
            },
            Some(inc) => Index {
                users: build(inc.users.as_ref(), |u: &User| u.id.as_deref(), key),
                usernames: build(inc.users.as_ref(), |u: &User| u.username.as_deref(), key_ci),
                tweets: build(inc.tweets.as_ref(), |t: &Tweet| t.id.as_deref(), key),
                media: build(inc.media.as_ref(), |m: &Media| m.media_key.as_deref(), key),
                polls: build(inc.polls.as_ref(), |p: &Poll| p.id.as_deref(), key),
                places: build(inc.places.as_ref(), |p: &Place| p.id.as_deref(), key),
                problems,
            },
        }
    }
}

/// A borrowed view that resolves references against one page.
#[derive(Clone, Copy)]
pub struct Joiner<'a> {
    includes: Option<&'a Expansions>,
    errors: &'a [Problem],
    requested: Option<&'a str>,
    index: &'a Index,
}

fn get<'a, T>(
    items: Option<&'a Vec<T>>,
    table: &Table,
    hash: u64,
    id: &str,
    id_of: impl Fn(&T) -> Option<&str>,
    eq: fn(&str, &str) -> bool,
) -> Option<&'a T> {
    let items = items?;
    if let Some(&i) = table.get(&hash) {
        let item = items.get(i as usize)?;
        if id_of(item).is_some_and(|x| eq(x, id)) {
            return Some(item);
        }
    }
    // Hash collision (or duplicate keys): fall back to a scan.
    items
        .iter()
        .find(|item| id_of(item).is_some_and(|x| eq(x, id)))
}

fn same(a: &str, b: &str) -> bool {
    a == b
}

fn same_ci(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

impl<'a> Joiner<'a> {
    /// A joiner over `includes` and `errors`, using a prebuilt `index`.
    /// `requested` is the request's `expansions` value, when known.
    pub fn new(
        includes: Option<&'a Expansions>,
        errors: &'a [Problem],
        requested: Option<&'a str>,
        index: &'a Index,
    ) -> Self {
        Joiner {
            includes,
            errors,
            requested,
            index,
        }
    }

    fn was_requested(&self, expansion: &str, section_present: bool) -> bool {
        match self.requested {
            Some(list) => list.split(',').any(|e| e.trim() == expansion),
            None => section_present,
        }
    }

    fn resolve<T>(
        &self,
        id: Option<&str>,
        expansion: &str,
        items: Option<&'a Vec<T>>,
        table: &Table,
        id_of: impl Fn(&T) -> Option<&str>,
    ) -> Lookup<'a, T> {
        let Some(id) = id else {
            return Lookup::NoReference;
        };
        if !self.was_requested(expansion, items.is_some()) {
            return Lookup::NotRequested;
        }
        if let Some(found) = get(items, table, key(id), id, id_of, same) {
            return Lookup::Found(found);
        }
        self.problem(id)
            .map(Lookup::Unavailable)
            .unwrap_or(Lookup::Missing)
    }

    fn problem(&self, id: &str) -> Option<&'a Problem> {
        let errors: &'a [Problem] = self.errors;
        let matches =
            |p: &Problem| p.resource_id.as_deref() == Some(id) || p.value.as_deref() == Some(id);
        if let Some(&i) = self.index.problems.get(&key(id)) {
            if let Some(p) = errors.get(i as usize).filter(|p| matches(p)) {
                return Some(p);
            }
        }
        errors.iter().find(|p| matches(p))
    }

    fn users(&self) -> Option<&'a Vec<User>> {
        self.includes.and_then(|i| i.users.as_ref())
    }

    fn tweets(&self) -> Option<&'a Vec<Tweet>> {
        self.includes.and_then(|i| i.tweets.as_ref())
    }

    /// A user by id from `includes.users`, under the given expansion name.
    pub fn user(&self, id: Option<&str>, expansion: &str) -> Lookup<'a, User> {
        self.resolve(
            id,
            expansion,
            self.users(),
            &self.index.users,
            |u: &User| u.id.as_deref(),
        )
    }

    /// The author of a post (`author_id` expansion).
    pub fn author(&self, post: &Tweet) -> Lookup<'a, User> {
        self.user(post.author_id.as_deref(), "author_id")
    }

    /// The user a post replies to (`in_reply_to_user_id` expansion).
    pub fn in_reply_to_user(&self, post: &Tweet) -> Lookup<'a, User> {
        self.user(post.in_reply_to_user_id.as_deref(), "in_reply_to_user_id")
    }

    /// A post by id from `includes.tweets` (`referenced_tweets.id` expansion).
    pub fn post(&self, id: &str) -> Lookup<'a, Tweet> {
        self.resolve(
            Some(id),
            "referenced_tweets.id",
            self.tweets(),
            &self.index.tweets,
            |t: &Tweet| t.id.as_deref(),
        )
    }

    /// The posts a post refers to, with how it refers to each.
    pub fn referenced(&self, post: &Tweet) -> Vec<(ReferenceType, Lookup<'a, Tweet>)> {
        post.referenced_tweets
            .iter()
            .flatten()
            .map(|r| {
                let kind = r
                    .type_
                    .as_ref()
                    .map(|t| ReferenceType::from_wire(t.as_str()))
                    .unwrap_or(ReferenceType::Other);
                let lookup = match r.id.as_deref() {
                    Some(id) => self.post(id),
                    None => Lookup::NoReference,
                };
                (kind, lookup)
            })
            .collect()
    }

    /// The media attached to a post (`attachments.media_keys` expansion).
    pub fn media(&self, post: &Tweet) -> Vec<Lookup<'a, Media>> {
        let keys = post
            .attachments
            .as_ref()
            .and_then(|a| a.media_keys.as_ref());
        let items = self.includes.and_then(|i| i.media.as_ref());
        keys.into_iter()
            .flatten()
            .map(|k| {
                self.resolve(
                    Some(k),
                    "attachments.media_keys",
                    items,
                    &self.index.media,
                    |m: &Media| m.media_key.as_deref(),
                )
            })
            .collect()
    }

    /// The poll attached to a post (`attachments.poll_ids` expansion).
    pub fn poll(&self, post: &Tweet) -> Lookup<'a, Poll> {
        let id = post
            .attachments
            .as_ref()
            .and_then(|a| a.poll_ids.as_ref())
            .and_then(|p| p.first());
        let items = self.includes.and_then(|i| i.polls.as_ref());
        self.resolve(
            id.map(String::as_str),
            "attachments.poll_ids",
            items,
            &self.index.polls,
            |p: &Poll| p.id.as_deref(),
        )
    }

    /// The place a post is tagged with (`geo.place_id` expansion).
    pub fn place(&self, post: &Tweet) -> Lookup<'a, Place> {
        let id = post.geo.as_ref().and_then(|g| g.place_id.as_deref());
        let items = self.includes.and_then(|i| i.places.as_ref());
        self.resolve(
            id,
            "geo.place_id",
            items,
            &self.index.places,
            |p: &Place| p.id.as_deref(),
        )
    }

    /// The users mentioned in a post (`entities.mentions.username` expansion),
    /// matched by username, case-insensitively.
    pub fn mentions<'p>(&self, post: &'p Tweet) -> Vec<(&'p str, Lookup<'a, User>)> {
        post.entities
            .as_ref()
            .and_then(|e| e.mentions.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|m| m.username.as_deref())
            .map(|name| {
                (
                    name,
                    self.user_by_username(name, "entities.mentions.username"),
                )
            })
            .collect()
    }

    /// A user by username (case-insensitive), from `includes.users`.
    pub fn user_by_username(&self, username: &str, expansion: &str) -> Lookup<'a, User> {
        let users = self.users();
        if !self.was_requested(expansion, users.is_some()) {
            return Lookup::NotRequested;
        }
        match get(
            users,
            &self.index.usernames,
            key_ci(username),
            username,
            |u: &User| u.username.as_deref(),
            same_ci,
        ) {
            Some(u) => Lookup::Found(u),
            None => self
                .problem(username)
                .map(Lookup::Unavailable)
                .unwrap_or(Lookup::Missing),
        }
    }

    /// A user's pinned post (`pinned_tweet_id` expansion).
    pub fn pinned_post(&self, user: &User) -> Lookup<'a, Tweet> {
        let id = user.pinned_tweet_id.as_deref();
        self.resolve(
            id,
            "pinned_tweet_id",
            self.tweets(),
            &self.index.tweets,
            |t: &Tweet| t.id.as_deref(),
        )
    }
}

/// A post with everything it refers to inlined, self-contained and owned
/// (for storage or export: serialises to JSON).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExpandedPost {
    /// The post itself.
    #[serde(flatten)]
    pub post: Tweet,
    /// Its author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<User>,
    /// The user it replies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to_user: Option<User>,
    /// Attached media, in attachment order (missing ones left out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
    /// The attached poll.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poll: Option<Poll>,
    /// The tagged place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<Place>,
    /// Mentioned users that were included.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<User>,
    /// Referenced posts (one level deep, with their authors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub referenced: Vec<ExpandedReference>,
}

/// A referenced post inside an [`ExpandedPost`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExpandedReference {
    /// `retweeted`, `quoted`, `replied_to`, or what the API sent.
    #[serde(rename = "type")]
    pub kind: String,
    /// The referenced post's id.
    pub id: String,
    /// The post, when included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post: Option<Box<Tweet>>,
    /// Its author, when included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<User>,
    /// Why it is missing, when the API said.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Problem>,
}

impl<'a> Joiner<'a> {
    /// Builds the owned, self-contained form of `post`.
    pub fn expand(&self, post: &Tweet) -> ExpandedPost {
        let referenced = post
            .referenced_tweets
            .iter()
            .flatten()
            .map(|r| {
                let id = r.id.clone().unwrap_or_default();
                let lookup = if id.is_empty() {
                    Lookup::NoReference
                } else {
                    self.post(&id)
                };
                let (found, error) = match lookup {
                    Lookup::Found(t) => (Some(t), None),
                    Lookup::Unavailable(p) => (None, Some(p.clone())),
                    _ => (None, None),
                };
                ExpandedReference {
                    kind: r
                        .type_
                        .as_ref()
                        .map(|t| t.as_str().to_owned())
                        .unwrap_or_default(),
                    id,
                    author: found.and_then(|t| self.author(t).found().cloned()),
                    post: found.map(|t| Box::new(t.clone())),
                    error,
                }
            })
            .collect();
        ExpandedPost {
            author: self.author(post).found().cloned(),
            in_reply_to_user: self.in_reply_to_user(post).found().cloned(),
            media: self
                .media(post)
                .into_iter()
                .filter_map(Lookup::found)
                .cloned()
                .collect(),
            poll: self.poll(post).found().cloned(),
            place: self.place(post).found().cloned(),
            mentions: self
                .mentions(post)
                .into_iter()
                .filter_map(|(_, l)| l.found().cloned())
                .collect(),
            referenced,
            post: post.clone(),
        }
    }
}

/// Data that holds posts: a list (`Vec<Tweet>`) or a single post.
pub trait PostsData {
    /// The posts.
    fn posts(&self) -> &[Tweet];
}

impl PostsData for Vec<Tweet> {
    fn posts(&self) -> &[Tweet] {
        self
    }
}

impl PostsData for Tweet {
    fn posts(&self) -> &[Tweet] {
        std::slice::from_ref(self)
    }
}
