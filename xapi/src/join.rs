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
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

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

/// The results of a join that can have several (referenced posts, media,
/// mentions): up to four are kept inline without allocating, more spill to
/// the heap. Dereferences to a slice and iterates like a `Vec`.
pub type Several<T> = smallvec::SmallVec<[T; 4]>;

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

/// The ids of one list, hashed: each hash maps to the position of the first
/// item that has it. A lookup confirms the match against the item itself.
#[derive(Debug, Default)]
struct Table {
    slots: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    /// Whether every id is in `slots` (or shares its hash with one that is).
    complete: bool,
}

/// What a table says about an id.
enum Probe {
    /// The item at this position has the same hash: confirm, scan otherwise.
    Candidate(usize),
    /// No item has it.
    Absent,
    /// Unknown (the table is incomplete): scan.
    Scan,
}

impl Table {
    /// Indexes `(position, id)` pairs (folding ASCII case with `FOLD`).
    fn build<'s, const FOLD: bool>(
        ids: impl Iterator<Item = (usize, &'s str)>,
        hint: usize,
    ) -> Table {
        let mut table = Table {
            slots: HashMap::with_capacity_and_hasher(hint, Default::default()),
            complete: true,
        };
        for (item, id) in ids {
            let Ok(item) = u32::try_from(item) else {
                table.complete = false;
                break;
            };
            table.slots.entry(hash_id(id, FOLD)).or_insert(item);
        }
        table
    }

    #[inline]
    fn probe<const FOLD: bool>(&self, id: &str) -> Probe {
        match self.slots.get(&hash_id(id, FOLD)) {
            Some(&item) => Probe::Candidate(item as usize),
            None if self.complete => Probe::Absent,
            None => Probe::Scan,
        }
    }
}

/// Lists this short are scanned rather than indexed: building a table costs
/// more than the few comparisons a scan makes (most stream messages).
const SCAN_MAX: usize = 16;

/// Hash of an id, eight bytes at a time. With `fold`, ASCII letters hash the
/// same in either case (every byte gets bit 5 set), for usernames.
#[inline]
fn hash_id(s: &str, fold: bool) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mask: u64 = if fold { 0x2020_2020_2020_2020 } else { 0 };
    let bytes = s.as_bytes();
    let word = |at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w) | mask
    };
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    if bytes.len() >= 8 {
        let mut at = 0;
        while at + 8 < bytes.len() {
            h = (h.rotate_left(5) ^ word(at)).wrapping_mul(K);
            at += 8;
        }
        // The last eight bytes (overlapping the previous word when the
        // length is not a multiple of eight).
        h = (h.rotate_left(5) ^ word(bytes.len() - 8)).wrapping_mul(K);
    } else {
        let tail = bytes
            .iter()
            .fold(0u64, |w, b| (w << 8) | u64::from(*b | mask as u8));
        h = (h.rotate_left(5) ^ tail).wrapping_mul(K);
    }
    // The table takes its bucket from the low bits: bring the well-mixed
    // high bits down.
    h.rotate_left(26)
}

/// Bits of the expansions the joins know, for [`Index::requested_mask`].
fn expansion_bit(expansion: &str) -> Option<u32> {
    Some(match expansion {
        "author_id" => 1,
        "in_reply_to_user_id" => 1 << 1,
        "referenced_tweets.id" => 1 << 2,
        "attachments.media_keys" => 1 << 3,
        "attachments.poll_ids" => 1 << 4,
        "geo.place_id" => 1 << 5,
        "entities.mentions.username" => 1 << 6,
        "pinned_tweet_id" => 1 << 7,
        _ => return None,
    })
}

fn listed(list: &str, expansion: &str) -> bool {
    list.split(',').any(|e| e.trim() == expansion)
}

fn expansion_mask(list: &str) -> u32 {
    list.split(',')
        .filter_map(|e| expansion_bit(e.trim()))
        .fold(0, |m, b| m | b)
}

/// The index of one page's `includes` and partial errors.
///
/// Each table is built on the first lookup that needs it, and only for lists
/// longer than a few items (shorter ones are scanned), so a page or message
/// pays only for the joins it makes.
#[derive(Debug, Default)]
pub struct Index {
    users: OnceLock<Table>,
    usernames: OnceLock<Table>,
    tweets: OnceLock<Table>,
    media: OnceLock<Table>,
    polls: OnceLock<Table>,
    places: OnceLock<Table>,
    problems: OnceLock<Table>,
    /// The requested expansions seen first, with their bits.
    requested: OnceLock<(String, u32)>,
    /// Lookups by username made by scanning (before the table is built).
    name_scans: AtomicU32,
}

/// Lookups by username that scan before the usernames are indexed.
const NAME_SCANS: u32 = 8;

impl Index {
    /// An index for `includes` and `errors`; its tables are built lazily,
    /// from the lists the [`Joiner`]s using it are given.
    pub fn new(includes: Option<&Expansions>, errors: &[Problem]) -> Self {
        let _ = (includes, errors);
        Index::default()
    }

    /// The bits of the known expansions listed in `list`.
    fn requested_mask(&self, list: &str) -> u32 {
        let (seen, mask) = self
            .requested
            .get_or_init(|| (list.to_owned(), expansion_mask(list)));
        if seen == list {
            *mask
        } else {
            expansion_mask(list)
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

/// Finds the item whose id (`id_of`) matches `id` (ignoring ASCII case with
/// `FOLD`): by scanning short lists, through the lazily built `table` otherwise.
#[inline]
fn get<'a, T, const FOLD: bool>(
    items: &'a [T],
    table: &OnceLock<Table>,
    id: &str,
    id_of: impl Fn(&T) -> Option<&str>,
) -> Option<&'a T> {
    let matches = |item: &&T| {
        id_of(item).is_some_and(|x| {
            if FOLD {
                x.eq_ignore_ascii_case(id)
            } else {
                x == id
            }
        })
    };
    if items.len() > SCAN_MAX {
        let table = table.get_or_init(|| {
            let ids = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| Some((i, id_of(item)?)));
            Table::build::<FOLD>(ids, items.len())
        });
        match table.probe::<FOLD>(id) {
            Probe::Candidate(i) => {
                // Another id with the same hash means a scan (rare).
                if let Some(item) = items.get(i).filter(|item| matches(item)) {
                    return Some(item);
                }
            }
            Probe::Absent => return None,
            Probe::Scan => {}
        }
    }
    // Short list, or two ids sharing a hash: scan.
    items.iter().find(matches)
}

fn problem_ids(p: &Problem) -> [Option<&str>; 2] {
    [p.resource_id.as_deref(), p.value.as_deref()]
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
            None => section_present,
            Some(list) => match expansion_bit(expansion) {
                Some(bit) => self.index.requested_mask(list) & bit != 0,
                None => listed(list, expansion),
            },
        }
    }

    fn resolve<T>(
        &self,
        id: Option<&str>,
        expansion: &str,
        items: Option<&'a Vec<T>>,
        table: &OnceLock<Table>,
        id_of: impl Fn(&T) -> Option<&str>,
    ) -> Lookup<'a, T> {
        let Some(id) = id else {
            return Lookup::NoReference;
        };
        if !self.was_requested(expansion, items.is_some()) {
            return Lookup::NotRequested;
        }
        if let Some(items) = items {
            if let Some(found) = get::<T, false>(items, table, id, id_of) {
                return Lookup::Found(found);
            }
        }
        self.problem(id)
            .map(Lookup::Unavailable)
            .unwrap_or(Lookup::Missing)
    }

    fn problem(&self, id: &str) -> Option<&'a Problem> {
        let errors: &'a [Problem] = self.errors;
        if errors.is_empty() {
            return None;
        }
        let matches = |p: &&Problem| problem_ids(p).contains(&Some(id));
        if errors.len() > SCAN_MAX {
            let table = self.index.problems.get_or_init(|| {
                let ids = errors
                    .iter()
                    .enumerate()
                    .flat_map(|(i, p)| problem_ids(p).into_iter().flatten().map(move |id| (i, id)));
                Table::build::<false>(ids, errors.len() * 2)
            });
            match table.probe::<false>(id) {
                Probe::Candidate(i) => {
                    if let Some(p) = errors.get(i).filter(|p| matches(p)) {
                        return Some(p);
                    }
                }
                Probe::Absent => return None,
                Probe::Scan => {}
            }
        }
        errors.iter().find(matches)
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
    pub fn referenced(&self, post: &Tweet) -> Several<(ReferenceType, Lookup<'a, Tweet>)> {
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
    pub fn media(&self, post: &Tweet) -> Several<Lookup<'a, Media>> {
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
            id.map(|id| id.as_str()),
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
    pub fn mentions<'p>(&self, post: &'p Tweet) -> Several<(&'p str, Lookup<'a, User>)> {
        const EXPANSION: &str = "entities.mentions.username";
        post.entities
            .as_ref()
            .and_then(|e| e.mentions.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|m| {
                let name = m.username.as_deref()?;
                // The mention's user id, when sent, finds the user through the
                // id index (which authors share) without indexing usernames;
                // the username must still match.
                if let (Some(id), Some(users)) = (m.id.as_deref(), self.users()) {
                    if self.was_requested(EXPANSION, true) {
                        let by_id = get::<User, false>(users, &self.index.users, id, |u: &User| {
                            u.id.as_deref()
                        });
                        if let Some(user) = by_id.filter(|u| {
                            u.username
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                        }) {
                            return Some((name, Lookup::Found(user)));
                        }
                    }
                }
                Some((name, self.user_by_username(name, EXPANSION)))
            })
            .collect()
    }

    /// A user by username (case-insensitive), from `includes.users`.
    pub fn user_by_username(&self, username: &str, expansion: &str) -> Lookup<'a, User> {
        let users = self.users();
        if !self.was_requested(expansion, users.is_some()) {
            return Lookup::NotRequested;
        }
        fn name_of(u: &User) -> Option<&str> {
            u.username.as_deref()
        }
        let found = users.and_then(|users| {
            // A few lookups by name (mentions sent without an id, or whose
            // user is missing) scan; indexing every username pays off later.
            if self.index.usernames.get().is_none()
                && self.index.name_scans.fetch_add(1, Ordering::Relaxed) < NAME_SCANS
            {
                users
                    .iter()
                    .find(|u| name_of(u).is_some_and(|n| n.eq_ignore_ascii_case(username)))
            } else {
                get::<User, true>(users, &self.index.usernames, username, name_of)
            }
        });
        match found {
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
    pub id: crate::Text,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, username: &str) -> User {
        User {
            id: Some(id.into()),
            username: Some(username.into()),
            ..Default::default()
        }
    }

    fn post(id: &str, author: &str, mentions: &[&str]) -> Tweet {
        let mut t: Tweet = serde_json::from_value(serde_json::json!({
            "id": id,
            "author_id": author,
            "entities": {"mentions": mentions.iter().map(|m| serde_json::json!({"username": m})).collect::<Vec<_>>()},
        }))
        .expect("a post");
        t.text = Some("hi".into());
        t
    }

    fn includes(n: usize) -> Expansions {
        Expansions {
            users: Some(
                (0..n)
                    .map(|i| {
                        user(
                            &format!("{}", 1_000_000_000_000_000_000u64 + i as u64),
                            &format!("User_{i}"),
                        )
                    })
                    .collect(),
            ),
            ..Default::default()
        }
    }

    fn problem(id: &str) -> Problem {
        Problem {
            resource_id: Some(id.into()),
            value: Some(id.into()),
            ..Default::default()
        }
    }

    #[test]
    fn finds_by_id_and_username_in_short_and_long_lists() {
        for n in [1, SCAN_MAX, SCAN_MAX + 1, 200] {
            let inc = includes(n);
            let errors = [problem("42"), problem("Gone_User")];
            let index = Index::new(Some(&inc), &errors);
            let j = Joiner::new(Some(&inc), &errors, None, &index);
            for i in [0, n / 2, n - 1] {
                let id = format!("{}", 1_000_000_000_000_000_000u64 + i as u64);
                let p = post("1", &id, &[&format!("uSeR_{i}"), "gone_user", "Gone_User"]);
                assert_eq!(
                    j.author(&p).found().and_then(|u| u.id.as_deref()),
                    Some(id.as_str()),
                    "n={n}"
                );
                let m = j.mentions(&p);
                assert_eq!(
                    m[0].1.found().and_then(|u| u.id.as_deref()),
                    Some(id.as_str()),
                    "n={n}"
                );
                assert_eq!(m[1].1, Lookup::Missing, "n={n}");
                assert!(matches!(m[2].1, Lookup::Unavailable(_)), "n={n}");
            }
            assert!(matches!(
                j.user(Some("42"), "author_id"),
                Lookup::Unavailable(_)
            ));
            assert_eq!(j.user(Some("43"), "author_id"), Lookup::Missing);
            assert_eq!(j.user(None, "author_id"), Lookup::NoReference);
        }
    }

    #[test]
    fn username_lookups_agree_before_and_after_indexing() {
        let inc = includes(100);
        let index = Index::new(Some(&inc), &[]);
        let j = Joiner::new(Some(&inc), &[], None, &index);
        // Scans first, then the table: every answer is the same either way.
        for round in 0..3 * NAME_SCANS as usize {
            let i = (round * 37) % 100;
            let found = j.user_by_username(&format!("USER_{i}"), "entities.mentions.username");
            let want = format!("{}", 1_000_000_000_000_000_000u64 + i as u64);
            assert_eq!(
                found.found().and_then(|u| u.id.as_deref()),
                Some(want.as_str()),
                "round {round}"
            );
            assert_eq!(
                j.user_by_username("nobody", "entities.mentions.username"),
                Lookup::Missing,
                "round {round}"
            );
        }
        assert!(index.usernames.get().is_some(), "indexed after a few scans");
    }

    #[test]
    fn mention_ids_are_used_only_when_the_username_agrees() {
        let inc = includes(40);
        let index = Index::new(Some(&inc), &[]);
        let j = Joiner::new(Some(&inc), &[], None, &index);
        let user_id = |i: u64| format!("{}", 1_000_000_000_000_000_000u64 + i);
        let mut p = post("1", "2", &[]);
        p.entities = serde_json::from_value(serde_json::json!({"mentions": [
            // id and name agree
            {"username": "user_3", "id": user_id(3)},
            // the id is someone else's: the name decides
            {"username": "User_5", "id": user_id(6)},
            // unknown id, known name
            {"username": "User_7", "id": "99"},
            // no id at all
            {"username": "User_8"},
        ]}))
        .expect("entities");
        let got: Vec<Option<&str>> = j
            .mentions(&p)
            .iter()
            .map(|(_, l)| l.found().and_then(|u| u.id.as_deref()))
            .collect();
        let want = [user_id(3), user_id(5), user_id(7), user_id(8)];
        assert_eq!(
            got,
            want.iter().map(|w| Some(w.as_str())).collect::<Vec<_>>()
        );
    }

    #[test]
    fn duplicates_resolve_to_the_first() {
        let mut inc = includes(40);
        if let Some(users) = inc.users.as_mut() {
            let mut dup = user("1000000000000000003", "dup");
            dup.name = Some("second".into());
            users.push(dup);
        }
        let index = Index::new(Some(&inc), &[]);
        let j = Joiner::new(Some(&inc), &[], None, &index);
        let found = j.user(Some("1000000000000000003"), "author_id").found();
        assert_eq!(found.and_then(|u| u.username.as_deref()), Some("User_3"));
    }

    #[test]
    fn requested_expansions_decide_not_requested() {
        let inc = includes(3);
        let index = Index::new(Some(&inc), &[]);
        let list = "author_id, referenced_tweets.id,custom.thing";
        let j = Joiner::new(Some(&inc), &[], Some(list), &index);
        let p = post("1", "1000000000000000001", &["user_2"]);
        assert!(j.author(&p).is_found());
        assert_eq!(j.mentions(&p)[0].1, Lookup::NotRequested);
        assert!(j.media(&p).is_empty());
        assert!(j
            .user(Some("1000000000000000001"), "custom.thing")
            .is_found());
        assert_eq!(
            j.user(Some("1000000000000000001"), "other"),
            Lookup::NotRequested
        );
        // Another list on the same index is read on its own.
        let j2 = Joiner::new(Some(&inc), &[], Some("entities.mentions.username"), &index);
        assert_eq!(j2.author(&p), Lookup::NotRequested);
        assert!(j2.mentions(&p)[0].1.is_found());
        // Without a list, a missing section means not requested.
        let j3 = Joiner::new(None, &[], None, &index);
        assert_eq!(j3.author(&p), Lookup::NotRequested);
    }

    fn key(s: &str) -> u64 {
        hash_id(s, false)
    }

    fn key_ci(s: &str) -> u64 {
        hash_id(s, true)
    }

    #[test]
    fn folded_hash_ignores_ascii_case_only() {
        for (a, b) in [
            ("AbC_1", "abc_1"),
            ("XDevelopers", "xdevelopers"),
            ("ABCDEFGHIJKLMNOPQ", "abcdefghijklmnopq"),
        ] {
            assert_eq!(key_ci(a), key_ci(b));
            assert_ne!(key(a), key(b));
        }
        assert_ne!(key("1796874326764832910"), key("1796874326764832911"));
        assert_ne!(key("12345678"), key("123456780"));
    }
}
