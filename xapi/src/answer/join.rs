//! Include-joining: resolving the ids in a post to the objects in `includes`.
//!
//! A page's `includes` are indexed once, lazily, on the first lookup; every
//! lookup after that is O(1) and borrows from the page (nothing is copied).
//! Each lookup tells apart an object that was *found*, an expansion that was
//! *not requested*, an object the API reported as unavailable in a partial
//! error (deleted, withheld, not authorized: the error is handed back), and one
//! that is simply *missing*.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use crate::models::{
    Expansions, Media, Place, Poll, Problem, Tweet, TweetReferencedTweetType, User,
};

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

/// An id as three words and its length. Ids of up to 24 bytes (every id the
/// API sends) are held whole, so two keys are equal exactly when the ids are;
/// longer ones keep three of their words, and a match is confirmed against
/// the id itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Key {
    words: [u64; 3],
    /// The length in bytes (saturated).
    len: u32,
}

/// The longest id a [`Key`] holds whole.
const KEY_EXACT_MAX: u32 = 24;

impl Key {
    /// The key of `s`; with `FOLD`, ASCII letters give the same key in either
    /// case (every byte gets bit 5 set), for usernames.
    #[inline]
    fn of<const FOLD: bool>(s: &str) -> Key {
        let fold: u64 = if FOLD { 0x2020_2020_2020_2020 } else { 0 };
        let bytes = s.as_bytes();
        let len = bytes.len();
        let word = |at: usize| {
            // Callers read whole words only (`at + 8 <= len`).
            let w: [u8; 8] = bytes
                .get(at..at.wrapping_add(8))
                .and_then(|b| b.try_into().ok())
                .unwrap_or_default();
            u64::from_le_bytes(w) | fold
        };
        let words = if len >= 8 {
            // The first, a middle and the last eight bytes: for up to 24
            // bytes, every byte is in one of them.
            [word(0), word(len.min(16) - 8), word(len - 8)]
        } else {
            let tail = bytes
                .iter()
                .fold(0u64, |w, b| (w << 8) | u64::from(*b | fold as u8));
            [tail, 0, 0]
        };
        Key {
            words,
            len: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }

    /// Whether equal keys mean equal ids.
    #[inline]
    fn exact(&self) -> bool {
        self.len <= KEY_EXACT_MAX
    }

    /// The hash a table places the key by (from its low bits).
    #[inline]
    fn hash(&self) -> u64 {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let [a, b, c] = self.words;
        let h = a.wrapping_mul(0xff51_afd7_ed55_8ccd)
            ^ b.wrapping_mul(0xc4ce_b9fe_1a85_ec53).rotate_left(21)
            ^ c.wrapping_mul(K).rotate_left(42)
            ^ u64::from(self.len);
        let h = (h ^ (h >> 32)).wrapping_mul(K);
        h ^ (h >> 29)
    }
}

/// The ids of one list, in an open-addressing table: each slot holds the
/// upper half of an id's hash (its tag) and which entry holds the id's
/// [`Key`] and the position of the first item with it, so a lookup answers
/// without reading the items (but for ids longer than a key holds, and
/// folded usernames, which it confirms against the item).
#[derive(Debug, Default)]
struct Table {
    /// `(tag, entry + 1)`; an entry of 0 marks an empty slot.
    slots: Box<[(u32, u32)]>,
    /// `(key, position)`, in the order they were indexed.
    entries: Box<[(Key, u32)]>,
    /// `slots.len() - 1` (the length is a power of two).
    mask: usize,
    /// Whether every id is in `slots` (or shares its key with one that is).
    complete: bool,
}

/// What a table says about an id.
#[derive(Debug, PartialEq)]
enum Probe {
    /// The item at this position has this id.
    Found(usize),
    /// The item at this position has the same key: confirm, scan otherwise.
    Candidate(usize),
    /// No item has it.
    Absent,
    /// Unknown (the table is incomplete): scan.
    Scan,
}

/// The tag and the first slot of a key.
#[inline]
fn slot_of(key: &Key, mask: usize) -> (u32, usize) {
    let hash = key.hash();
    ((hash >> 32) as u32, hash as usize & mask)
}

impl Table {
    /// Indexes `(position, id)` pairs, positions ascending (folding ASCII
    /// case with `FOLD`); `hint` is how many pairs to expect. The table is
    /// kept at most half full: pairs beyond `hint` that do not fit leave it
    /// incomplete.
    fn build<'s, const FOLD: bool>(
        ids: impl Iterator<Item = (usize, &'s str)>,
        hint: usize,
    ) -> Table {
        // First every key, in one pass over the items (their memory is
        // what a build waits for), then the slots, from the keys alone.
        let mut complete = true;
        let mut entries: Vec<(Key, u32)> = Vec::with_capacity(hint);
        for (item, id) in ids {
            let Ok(position) = u32::try_from(item) else {
                complete = false;
                break;
            };
            entries.push((Key::of::<FOLD>(id), position));
        }
        let len = (hint.max(1) * 2).next_power_of_two();
        let mut slots = vec![(0u32, 0u32); len].into_boxed_slice();
        let mask = len - 1;
        let mut filled = 0;
        for (entry, (key, _)) in (1u32..).zip(entries.iter()) {
            let (tag, mut at) = slot_of(key, mask);
            // `at` is masked to the table's length: the slot is always there.
            while let Some(slot) = slots.get_mut(at) {
                if slot.1 == 0 {
                    // At most half full.
                    if filled * 2 < len {
                        *slot = (tag, entry);
                        filled += 1;
                    } else {
                        complete = false;
                    }
                    break;
                }
                let first = entries.get(slot.1 as usize - 1).map(|e| &e.0);
                if slot.0 == tag && first == Some(key) {
                    // The first item with this key keeps the slot (the later
                    // entry is never named).
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        Table {
            slots,
            entries: entries.into_boxed_slice(),
            mask,
            complete,
        }
    }

    /// Where the id with `key` is (`FOLD`: a folded key, always confirmed).
    #[inline]
    fn probe<const FOLD: bool>(&self, key: &Key) -> Probe {
        let (tag, mut at) = slot_of(key, self.mask);
        while let Some(&(t, entry)) = self.slots.get(at) {
            if entry == 0 {
                break;
            }
            let found = match self.entries.get(entry as usize - 1) {
                Some((k, position)) if t == tag && k == key => Some(*position as usize),
                _ => None,
            };
            if let Some(position) = found {
                return if !FOLD && key.exact() {
                    Probe::Found(position)
                } else {
                    Probe::Candidate(position)
                };
            }
            at = (at + 1) & self.mask;
        }
        if self.complete {
            Probe::Absent
        } else {
            Probe::Scan
        }
    }
}

/// Lists this short are scanned rather than indexed: building a table costs
/// more than the few comparisons a scan makes (most stream messages).
const SCAN_MAX: usize = 16;

/// Bits of the expansions the joins know, for [`expansion_mask`].
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

pub(crate) fn expansion_mask(list: &str) -> u32 {
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
    /// The tables, allocated with the first one a long list needs (most
    /// stream messages never need one).
    tables: OnceLock<Box<Tables>>,
    /// Lookups by username made by scanning (before the table is built).
    name_scans: AtomicU32,
}

/// One lazily built table per list that lookups search.
#[derive(Debug, Default)]
struct Tables {
    users: OnceLock<Table>,
    usernames: OnceLock<Table>,
    tweets: OnceLock<Table>,
    media: OnceLock<Table>,
    polls: OnceLock<Table>,
    places: OnceLock<Table>,
    problems: OnceLock<Table>,
}

/// Picks one table of [`Tables`].
type Which = fn(&Tables) -> &OnceLock<Table>;

/// Lookups by username that scan before the usernames are indexed.
const NAME_SCANS: u32 = 8;

impl Index {
    /// An index for `includes` and `errors`; its tables are built lazily,
    /// from the lists the [`Joiner`]s using it are given.
    #[inline]
    pub fn new(includes: Option<&Expansions>, errors: &[Problem]) -> Self {
        let _ = (includes, errors);
        Index::default()
    }

    #[inline]
    fn tables(&self) -> &Tables {
        self.tables.get_or_init(Box::default)
    }

    /// Whether the usernames are indexed.
    fn usernames_indexed(&self) -> bool {
        self.tables
            .get()
            .is_some_and(|t| t.usernames.get().is_some())
    }
}

/// A borrowed view that resolves references against one page.
#[derive(Clone, Copy)]
pub struct Joiner<'a> {
    includes: Option<&'a Expansions>,
    errors: &'a [Problem],
    requested: Option<&'a str>,
    /// The bits of the known expansions in `requested` ([`expansion_mask`]).
    mask: u32,
    index: &'a Index,
}

/// Finds the item whose id (`id_of`) matches `id` (ignoring ASCII case with
/// `FOLD`): by scanning short lists, through the lazily built `table` otherwise.
#[inline]
fn get<'a, T, const FOLD: bool>(
    items: &'a [T],
    index: &Index,
    table: Which,
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
        let table = table(index.tables()).get_or_init(|| {
            let ids = items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| Some((i, id_of(item)?)));
            Table::build::<FOLD>(ids, items.len())
        });
        match table.probe::<FOLD>(&Key::of::<FOLD>(id)) {
            Probe::Found(i) => return items.get(i),
            Probe::Candidate(i) => {
                // Another id with the same key means a scan (rare).
                if let Some(item) = items.get(i).filter(|item| matches(item)) {
                    return Some(item);
                }
            }
            Probe::Absent => return None,
            Probe::Scan => {}
        }
    }
    // Short list, or two ids sharing a key: scan.
    items.iter().find(matches)
}

fn problem_ids(p: &Problem) -> [Option<&str>; 2] {
    [p.resource_id.as_deref(), p.value.as_deref()]
}

impl<'a> Joiner<'a> {
    /// A joiner over `includes` and `errors`, using a prebuilt `index`.
    /// `requested` is the request's `expansions` value, when known; it is
    /// read once here, not on each lookup.
    #[inline]
    pub fn new(
        includes: Option<&'a Expansions>,
        errors: &'a [Problem],
        requested: Option<&'a str>,
        index: &'a Index,
    ) -> Self {
        let mask = requested.map_or(0, expansion_mask);
        Self::with_mask(includes, errors, requested, mask, index)
    }

    /// [`new`](Self::new) with the bits of `requested` worked out already
    /// (`mask`, its [`expansion_mask`]), for an owner that makes a joiner
    /// per lookup ([`Response`](crate::Response)).
    #[inline]
    pub(crate) fn with_mask(
        includes: Option<&'a Expansions>,
        errors: &'a [Problem],
        requested: Option<&'a str>,
        mask: u32,
        index: &'a Index,
    ) -> Self {
        Joiner {
            includes,
            errors,
            requested,
            mask,
            index,
        }
    }

    #[inline]
    fn was_requested(&self, expansion: &str, section_present: bool) -> bool {
        match self.requested {
            None => section_present,
            Some(list) => match expansion_bit(expansion) {
                Some(bit) => self.mask & bit != 0,
                None => listed(list, expansion),
            },
        }
    }

    fn resolve<T>(
        &self,
        id: Option<&str>,
        expansion: &str,
        items: Option<&'a Vec<T>>,
        table: Which,
        id_of: impl Fn(&T) -> Option<&str>,
    ) -> Lookup<'a, T> {
        let Some(id) = id else {
            return Lookup::NoReference;
        };
        if !self.was_requested(expansion, items.is_some()) {
            return Lookup::NotRequested;
        }
        self.find(id, items, table, id_of)
    }

    /// [`resolve`](Self::resolve) for an expansion known to be requested.
    #[inline]
    fn find<T>(
        &self,
        id: &str,
        items: Option<&'a Vec<T>>,
        table: Which,
        id_of: impl Fn(&T) -> Option<&str>,
    ) -> Lookup<'a, T> {
        if let Some(items) = items {
            if let Some(found) = get::<T, false>(items, self.index, table, id, id_of) {
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
            let table = self.index.tables().problems.get_or_init(|| {
                let ids = errors
                    .iter()
                    .enumerate()
                    .flat_map(|(i, p)| problem_ids(p).into_iter().flatten().map(move |id| (i, id)));
                Table::build::<false>(ids, errors.len() * 2)
            });
            match table.probe::<false>(&Key::of::<false>(id)) {
                Probe::Found(i) => return errors.get(i),
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
    #[inline]
    pub fn user(&self, id: Option<&str>, expansion: &str) -> Lookup<'a, User> {
        self.resolve(
            id,
            expansion,
            self.users(),
            |t| &t.users,
            |u: &User| u.id.as_deref(),
        )
    }

    /// The author of a post (`author_id` expansion).
    #[inline]
    pub fn author(&self, post: &Tweet) -> Lookup<'a, User> {
        self.user(post.author_id.as_deref(), "author_id")
    }

    /// The user a post replies to (`in_reply_to_user_id` expansion).
    #[inline]
    pub fn in_reply_to_user(&self, post: &Tweet) -> Lookup<'a, User> {
        self.user(post.in_reply_to_user_id.as_deref(), "in_reply_to_user_id")
    }

    /// A post by id from `includes.tweets` (`referenced_tweets.id` expansion).
    #[inline]
    pub fn post(&self, id: &str) -> Lookup<'a, Tweet> {
        self.resolve(
            Some(id),
            "referenced_tweets.id",
            self.tweets(),
            |t| &t.tweets,
            |t: &Tweet| t.id.as_deref(),
        )
    }

    /// The posts a post refers to, with how it refers to each.
    #[inline]
    pub fn referenced(&self, post: &Tweet) -> Several<(ReferenceType, Lookup<'a, Tweet>)> {
        let refs = post.referenced_tweets.as_deref().unwrap_or(&[]);
        if refs.is_empty() {
            return Several::new();
        }
        let items = self.tweets();
        let requested = self.was_requested("referenced_tweets.id", items.is_some());
        let mut found = Several::new();
        for r in refs {
            let kind = match &r.type_ {
                Some(TweetReferencedTweetType::Retweeted) => ReferenceType::Retweeted,
                Some(TweetReferencedTweetType::Quoted) => ReferenceType::Quoted,
                Some(TweetReferencedTweetType::RepliedTo) => ReferenceType::RepliedTo,
                Some(TweetReferencedTweetType::Unknown(other)) => ReferenceType::from_wire(other),
                None => ReferenceType::Other,
            };
            let lookup = match r.id.as_deref() {
                None => Lookup::NoReference,
                Some(_) if !requested => Lookup::NotRequested,
                Some(id) => self.find(id, items, |t| &t.tweets, |t: &Tweet| t.id.as_deref()),
            };
            found.push((kind, lookup));
        }
        found
    }

    /// The media attached to a post (`attachments.media_keys` expansion).
    #[inline]
    pub fn media(&self, post: &Tweet) -> Several<Lookup<'a, Media>> {
        let keys = post
            .attachments
            .as_ref()
            .and_then(|a| a.media_keys.as_deref())
            .unwrap_or(&[]);
        if keys.is_empty() {
            return Several::new();
        }
        let items = self.includes.and_then(|i| i.media.as_ref());
        if !self.was_requested("attachments.media_keys", items.is_some()) {
            return keys.iter().map(|_| Lookup::NotRequested).collect();
        }
        let mut found = Several::new();
        for key in keys {
            found.push(self.find(key, items, |t| &t.media, |m: &Media| m.media_key.as_deref()));
        }
        found
    }

    /// The poll attached to a post (`attachments.poll_ids` expansion).
    #[inline]
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
            |t| &t.polls,
            |p: &Poll| p.id.as_deref(),
        )
    }

    /// The place a post is tagged with (`geo.place_id` expansion).
    #[inline]
    pub fn place(&self, post: &Tweet) -> Lookup<'a, Place> {
        let id = post.geo.as_ref().and_then(|g| g.place_id.as_deref());
        let items = self.includes.and_then(|i| i.places.as_ref());
        self.resolve(
            id,
            "geo.place_id",
            items,
            |t| &t.places,
            |p: &Place| p.id.as_deref(),
        )
    }

    /// The users mentioned in a post (`entities.mentions.username` expansion),
    /// matched by username, case-insensitively.
    #[inline]
    pub fn mentions<'p>(&self, post: &'p Tweet) -> Several<(&'p str, Lookup<'a, User>)> {
        const EXPANSION: &str = "entities.mentions.username";
        let mentions = post
            .entities
            .as_ref()
            .and_then(|e| e.mentions.as_deref())
            .unwrap_or(&[]);
        if mentions.is_empty() {
            return Several::new();
        }
        let users = self.users();
        let requested = self.was_requested(EXPANSION, users.is_some());
        let mut found = Several::new();
        for m in mentions {
            let Some(name) = m.username.as_deref() else {
                continue;
            };
            if !requested {
                found.push((name, Lookup::NotRequested));
                continue;
            }
            // The mention's user id, when sent, finds the user through the
            // id index (which authors share) without indexing usernames;
            // the username must still match.
            if let (Some(id), Some(users)) = (m.id.as_deref(), users) {
                let by_id = get::<User, false>(
                    users,
                    self.index,
                    |t| &t.users,
                    id,
                    |u: &User| u.id.as_deref(),
                );
                if let Some(user) = by_id.filter(|u| {
                    u.username
                        .as_deref()
                        .is_some_and(|n| n == name || n.eq_ignore_ascii_case(name))
                }) {
                    found.push((name, Lookup::Found(user)));
                    continue;
                }
            }
            found.push((name, self.user_by_username(name, EXPANSION)));
        }
        found
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
            if !self.index.usernames_indexed()
                && self.index.name_scans.fetch_add(1, Ordering::Relaxed) < NAME_SCANS
            {
                users
                    .iter()
                    .find(|u| name_of(u).is_some_and(|n| n.eq_ignore_ascii_case(username)))
            } else {
                get::<User, true>(users, self.index, |t| &t.usernames, username, name_of)
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
            |t| &t.tweets,
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
        assert!(index.usernames_indexed(), "indexed after a few scans");
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
    fn tables_find_every_id_and_refuse_absent_ones() {
        let ids: Vec<String> = (0..1000u64)
            .map(|i| (1_000_000_000_000_000_000 + i * 7919).to_string())
            .collect();
        let table = Table::build::<false>(ids.iter().map(String::as_str).enumerate(), ids.len());
        assert!(table.complete);
        assert!(table.slots.iter().filter(|s| s.1 != 0).count() <= table.slots.len() / 2);
        assert_eq!(table.entries.len(), ids.len());
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                table.probe::<false>(&Key::of::<false>(id)),
                Probe::Found(i),
                "{id}"
            );
        }
        for i in 0..1000u64 {
            let id = (2_000_000_000_000_000_000 + i).to_string();
            assert_eq!(
                table.probe::<false>(&Key::of::<false>(&id)),
                Probe::Absent,
                "{id}"
            );
        }
        // More ids than the hint allows: the table says so and lookups of
        // what it lacks scan.
        let small = Table::build::<false>(ids.iter().map(String::as_str).enumerate(), 2);
        assert!(!small.complete);
        assert_eq!(small.probe::<false>(&Key::of::<false>("1")), Probe::Scan);
        // An empty table (the default) scans.
        assert_eq!(
            Table::default().probe::<false>(&Key::of::<false>("1")),
            Probe::Scan
        );
    }

    #[test]
    fn keys_are_equal_exactly_when_short_ids_are() {
        // Every length up to what a key holds whole, and ids differing in
        // any one byte (or only in length) get different keys.
        for len in 0..=KEY_EXACT_MAX as usize {
            let id: String = (0..len)
                .map(|i| char::from(b'0' + (i % 10) as u8))
                .collect();
            let key = Key::of::<false>(&id);
            assert!(key.exact());
            assert_eq!(key, Key::of::<false>(&id.clone()));
            for at in 0..len {
                let mut other = id.clone().into_bytes();
                other[at] = b'x';
                let other = String::from_utf8(other).expect("ascii");
                assert_ne!(key, Key::of::<false>(&other), "{id} vs {other}");
            }
            let longer = format!("{id}\0");
            assert_ne!(key, Key::of::<false>(&longer), "{id:?} vs {longer:?}");
        }
        // Longer ids are confirmed against the item: a key is a digest.
        let long = "a".repeat(KEY_EXACT_MAX as usize + 1);
        assert!(!Key::of::<false>(&long).exact());
    }

    #[test]
    fn long_ids_and_shared_keys_are_confirmed_against_the_items() {
        // 40-byte ids that differ only in a byte no key word holds (byte 18
        // of 40): their keys are equal, and each is still found.
        let ids: Vec<String> = (0..40)
            .map(|i| {
                let mut id = "x".repeat(40).into_bytes();
                id[18] = b'a' + (i % 26) as u8;
                id[0] = b'0' + (i / 26) as u8;
                String::from_utf8(id).expect("ascii")
            })
            .collect();
        assert_eq!(Key::of::<false>(&ids[0]), Key::of::<false>(&ids[1]));
        let inc = Expansions {
            users: Some(ids.iter().map(|id| user(id, id)).collect()),
            ..Default::default()
        };
        let index = Index::new(Some(&inc), &[]);
        let j = Joiner::new(Some(&inc), &[], None, &index);
        for id in &ids {
            let found = j.user(Some(id), "author_id").found();
            assert_eq!(found.and_then(|u| u.id.as_deref()), Some(id.as_str()));
        }
        let mut absent = ids[0].clone().into_bytes();
        absent[18] = b'Z';
        let absent = String::from_utf8(absent).expect("ascii");
        assert_eq!(j.user(Some(&absent), "author_id"), Lookup::Missing);
    }

    #[test]
    fn partial_errors_table_agrees_with_a_scan() {
        // More problems than are scanned, each naming up to two ids (the
        // same one twice, two different ones, or one also named by an
        // earlier problem): every id resolves to the first problem naming it.
        let errors: Vec<Problem> = (0..3 * SCAN_MAX)
            .map(|i| Problem {
                resource_id: Some(format!("{}", 1000 + i).into()),
                value: Some(
                    match i % 3 {
                        0 => format!("{}", 1000 + i),
                        1 => format!("name_{i}"),
                        _ => format!("{}", 1000 + i / 2),
                    }
                    .into(),
                ),
                detail: Some(format!("problem {i}").into()),
                ..Default::default()
            })
            .collect();
        let inc = includes(SCAN_MAX + 1);
        let index = Index::new(Some(&inc), &errors);
        let j = Joiner::new(Some(&inc), &errors, None, &index);
        for p in &errors {
            for id in problem_ids(p).into_iter().flatten() {
                let first = errors
                    .iter()
                    .find(|q| problem_ids(q).contains(&Some(id)))
                    .and_then(|q| q.detail.as_deref());
                match j.user(Some(id), "author_id") {
                    Lookup::Unavailable(q) => assert_eq!(q.detail.as_deref(), first, "{id}"),
                    other => panic!("{id}: {other:?}"),
                }
            }
        }
        assert_eq!(j.user(Some("name_2"), "author_id"), Lookup::Missing);
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

    #[test]
    fn a_mask_worked_out_once_answers_as_the_list_does() {
        let inc = includes(20);
        let p = post("1", "1000000000000000001", &["user_2"]);
        for list in [
            "author_id",
            "entities.mentions.username, in_reply_to_user_id",
            "attachments.media_keys,custom.thing",
            "",
        ] {
            let index = Index::new(Some(&inc), &[]);
            let by_list = Joiner::new(Some(&inc), &[], Some(list), &index);
            let masked =
                Joiner::with_mask(Some(&inc), &[], Some(list), expansion_mask(list), &index);
            assert_eq!(masked.author(&p), by_list.author(&p), "{list}");
            assert_eq!(masked.mentions(&p), by_list.mentions(&p), "{list}");
            assert_eq!(
                masked.in_reply_to_user(&p),
                by_list.in_reply_to_user(&p),
                "{list}"
            );
            assert_eq!(
                masked.user(Some("1000000000000000001"), "custom.thing"),
                by_list.user(Some("1000000000000000001"), "custom.thing"),
                "{list}"
            );
        }
        // The mask is what decides: a mask naming no expansion refuses the author.
        let index = Index::new(Some(&inc), &[]);
        let j = Joiner::with_mask(Some(&inc), &[], Some("author_id"), 0, &index);
        assert_eq!(j.author(&p), Lookup::NotRequested);
    }

    fn key(s: &str) -> Key {
        Key::of::<false>(s)
    }

    fn key_ci(s: &str) -> Key {
        Key::of::<true>(s)
    }

    #[test]
    fn folded_keys_ignore_ascii_case_only() {
        for (a, b) in [
            ("AbC_1", "abc_1"),
            ("XDevelopers", "xdevelopers"),
            ("ABCDEFGHIJKLMNOPQ", "abcdefghijklmnopq"),
        ] {
            assert_eq!(key_ci(a), key_ci(b));
            assert_eq!(key_ci(a).hash(), key_ci(b).hash());
            assert_ne!(key(a), key(b));
        }
        assert_ne!(key("1796874326764832910"), key("1796874326764832911"));
        assert_ne!(key("12345678"), key("123456780"));
        assert_ne!(
            key("1796874326764832910").hash(),
            key("1796874326764832911").hash()
        );
    }
}
