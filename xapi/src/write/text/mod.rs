//! Post text as X counts and reads it: the weighted length, the part that
//! fits, and the URLs, mentions, hashtags and cashtags in it.
//!
//! X does not compare the number of characters of a post with its limit but a
//! *weighted length*, defined by the published twitter-text configuration
//! (version 3):
//!
//! * the text is first normalised to Unicode NFC, so `e` followed by a
//!   combining acute accent is one character (`é`);
//! * every code point weighs 200, except those in U+0000–U+10FF,
//!   U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, which weigh 100
//!   (Latin, Greek, Cyrillic, Hebrew, Arabic, Devanagari… count 1; Chinese,
//!   Japanese and Korean characters count 2);
//! * every URL counts as 23, the length of the `t.co` link X replaces it with,
//!   however long it really is and whatever script its host is written in;
//! * an emoji sequence counts 2 however many code points it is made of:
//!   skin-tone modifiers, zero-width-joiner sequences (families,
//!   professions), flags and keycaps are one emoji each;
//! * the weighted length is the sum of the weights divided by 100, and a post
//!   is valid from 1 to 280, without U+FFFE, U+FEFF or U+FFFF.
//!
//! ```
//! use xapi::text::{parse, weighted_length};
//!
//! let text = "Hello 世界 👋🏽 https://bücher.de/a/very/long/path";
//! let length = weighted_length(text);
//! assert_eq!(length.weighted, 6 + 4 + 1 + 2 + 1 + 23);
//! assert_eq!(length.remaining(), 280 - 37);
//!
//! let parsed = parse(text);
//! assert_eq!(parsed.weighted_length, 37);
//! assert!(parsed.valid);
//! assert_eq!(parsed.permillage, 132);
//! assert_eq!(parsed.valid_range, 0..text.len());
//! ```
//!
//! # URLs
//!
//! A URL is an optional `http://` or `https://` (any letter case), a host,
//! an optional port, path and query:
//!
//! * the host is one or more labels and a top level domain of the IANA root
//!   zone (every one of them, from the [`tld`] crate), written in ASCII, in
//!   Unicode (`https://例え.中国`) or in punycode (`xn--…`); labels may be in
//!   any script after a scheme, and the host must convert to ASCII with
//!   [`idna`];
//! * without a scheme, only the part of the host in ASCII and accented Latin
//!   letters is the URL, and `name.cc` under a two-letter country domain
//!   (other than `.co` and `.tv`) needs a path to be one: `example.com` and
//!   `bit.ly/x` are URLs, `example.de` is not;
//! * a URL never follows a letter, digit, `@`, `$` or `#` (e-mail addresses,
//!   cashtags and hashtags are left alone); bidirectional marks (U+200E,
//!   U+200F, U+202A–U+202E, U+2066–U+2069, U+061C) around a URL are not part
//!   of it;
//! * trailing sentence punctuation and a parenthesis that closes nothing are
//!   not part of the path; `t.co` links end after their slug.
//!
//! # Emoji
//!
//! An emoji sequence is the longest one the Unicode emoji list has (fully
//! qualified or not, from the [`emojis`] crate) starting at a code point. A
//! joiner sequence Unicode does not list counts as its parts and the joiners
//! between them (1 each). A lone code point weighs what its code point
//! weighs: `©` on its own is 1, `©` followed by U+FE0F is an emoji (2).
//!
//! # Ranges
//!
//! Ranges are byte ranges into the text given, half open, so
//! `&text[range]` is the part they name. twitter-text gives inclusive
//! indices in UTF-16 code units; [`utf16_range`] converts.

use std::ops::Range;

mod extract;
mod url;
mod weight;

#[cfg(test)]
mod tests;

use weight::{Normalized, DEFAULT_WEIGHT, INVALID_CHARACTERS, SCALE};

/// The weighted length X allows for a post (`maxWeightedTweetLength`).
pub const MAX_WEIGHTED_LENGTH: usize = 280;

/// The length every URL counts as (`transformedURLLength`).
pub const URL_LENGTH: usize = 23;

/// The weighted length of a text, with the limit it is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLength {
    /// The weighted length: the number X compares with [`max`](Self::max).
    pub weighted: usize,
    /// The limit, 280.
    pub max: usize,
    /// How many URLs were counted at 23.
    pub urls: usize,
    /// How many emoji were counted at 2.
    pub emoji: usize,
    /// Whether the text holds a code point X refuses (U+FFFE, U+FEFF, U+FFFF).
    pub has_invalid_characters: bool,
}

impl TextLength {
    /// Whether the text fits: weighted length at most 280 and no invalid
    /// character. An empty text fits; whether a post may have an empty text
    /// depends on what else it carries ([`ParsedText::valid`] is false for it).
    pub fn is_valid(&self) -> bool {
        self.weighted <= self.max && !self.has_invalid_characters
    }

    /// What is left before the limit, negative when the text is too long
    /// (a counter shows `-3`).
    pub fn remaining(&self) -> i64 {
        let max = i64::try_from(self.max).unwrap_or(i64::MAX);
        max.saturating_sub(i64::try_from(self.weighted).unwrap_or(i64::MAX))
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.weighted == 0
    }
}

/// A text read the way X reads it (twitter-text's `parseTweet`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedText {
    /// The weighted length (see the [module documentation](self)).
    pub weighted_length: usize,
    /// Whether X accepts the text as a post's text: weighted length from 1
    /// to 280 and no invalid code point.
    pub valid: bool,
    /// The weighted length in thousandths of the limit, rounded down (a
    /// counter ring: 1000 is full, more is over).
    pub permillage: usize,
    /// The longest start of the text that fits: before the first invalid
    /// code point and within 280 (byte range into the text given).
    pub valid_range: Range<usize>,
    /// The whole text (byte range into the text given).
    pub display_range: Range<usize>,
}

/// What kind of thing an [`Entity`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A URL, with or without scheme.
    Url,
    /// `@name`.
    Mention,
    /// `@name/slug`, a list.
    List,
    /// `#word`.
    Hashtag,
    /// `$SYMBOL`.
    Cashtag,
}

/// A URL, mention, list, hashtag or cashtag found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    /// What it is.
    pub kind: EntityKind,
    /// Where it is: a byte range into the text, the `@`, `#` or `$` included.
    pub range: Range<usize>,
    /// What it says: the URL; the name (`name`, or `name/slug` for a list);
    /// the hashtag or cashtag without its sign.
    pub value: String,
}

/// Counts `text` the way X does (see the [module documentation](self)).
pub fn weighted_length(text: &str) -> TextLength {
    let normalized = Normalized::new(text);
    let counted = count(&normalized.text);
    TextLength {
        weighted: counted.total / SCALE,
        max: MAX_WEIGHTED_LENGTH,
        urls: counted.urls,
        emoji: counted.emoji,
        has_invalid_characters: normalized.text.contains(INVALID_CHARACTERS),
    }
}

/// Reads `text` the way X does: its weighted length, whether it is valid,
/// how full it is and which part of it fits.
pub fn parse(text: &str) -> ParsedText {
    let normalized = Normalized::new(text);
    let counted = count(&normalized.text);
    let weighted_length = counted.total / SCALE;
    let max = MAX_WEIGHTED_LENGTH;
    ParsedText {
        weighted_length,
        valid: !counted.invalid && weighted_length > 0 && weighted_length <= max,
        permillage: weighted_length.saturating_mul(1000) / max,
        valid_range: 0..normalized.to_original(counted.valid_end),
        display_range: 0..text.len(),
    }
}

/// The sums of one pass over a normalised text.
struct Counted {
    /// Sum of the weights, in hundredths.
    total: usize,
    urls: usize,
    emoji: usize,
    /// Whether an invalid code point was met.
    invalid: bool,
    /// End of the last unit counted before an invalid code point and within
    /// the limit.
    valid_end: usize,
}

/// Weighs a normalised text unit by unit: URLs, emoji sequences, code points.
fn count(text: &str) -> Counted {
    let urls = url::find(text);
    let mut urls = urls.iter().peekable();
    let mut counted = Counted {
        total: 0,
        urls: 0,
        emoji: 0,
        invalid: false,
        valid_end: 0,
    };
    let mut i = 0;
    while let Some(rest) = text.get(i..).filter(|rest| !rest.is_empty()) {
        while urls.next_if(|url| url.start < i).is_some() {}
        let (len, weight) = if let Some(url) = urls.next_if(|url| url.start == i) {
            counted.urls += 1;
            (url.len(), URL_LENGTH * SCALE)
        } else if let Some(len) = weight::emoji_sequence_len(rest) {
            counted.emoji += 1;
            (len, DEFAULT_WEIGHT)
        } else {
            let Some(c) = rest.chars().next() else {
                break;
            };
            if weight::is_single_emoji(c) {
                counted.emoji += 1;
            }
            (c.len_utf8(), weight::char_weight(c))
        };
        counted.total = counted.total.saturating_add(weight);
        let unit = rest.get(..len).unwrap_or(rest);
        counted.invalid |= unit.contains(INVALID_CHARACTERS);
        i += len.max(1);
        if !counted.invalid && counted.total <= MAX_WEIGHTED_LENGTH * SCALE {
            counted.valid_end = i;
        }
    }
    counted
}

/// Byte ranges of the URLs in `text`, in order (see the
/// [module documentation](self) for what a URL is).
pub fn find_urls(text: &str) -> Vec<Range<usize>> {
    url::find(text)
}

/// The URLs in `text`, in order.
pub fn extract_urls(text: &str) -> Vec<Entity> {
    url::find(text)
        .into_iter()
        .map(|range| Entity {
            kind: EntityKind::Url,
            value: text.get(range.clone()).unwrap_or("").to_owned(),
            range,
        })
        .collect()
}

/// The mentions (`@name`, without lists) in `text`, in order.
pub fn extract_mentions(text: &str) -> Vec<Entity> {
    extract::mentions_or_lists(text)
        .into_iter()
        .filter(|e| e.kind == EntityKind::Mention)
        .collect()
}

/// The mentions and lists (`@name`, `@name/slug`) in `text`, in order.
pub fn extract_mentions_or_lists(text: &str) -> Vec<Entity> {
    extract::mentions_or_lists(text)
}

/// The hashtags in `text`, in order, leaving out those inside a URL.
pub fn extract_hashtags(text: &str) -> Vec<Entity> {
    extract::hashtags(text, &url::find(text))
}

/// The cashtags in `text`, in order.
pub fn extract_cashtags(text: &str) -> Vec<Entity> {
    extract::cashtags(text)
}

/// Every URL, mention, list, hashtag and cashtag in `text`, in order; where
/// two overlap, the one that starts first is kept.
pub fn extract_entities(text: &str) -> Vec<Entity> {
    let urls = extract_urls(text);
    let ranges: Vec<Range<usize>> = urls.iter().map(|u| u.range.clone()).collect();
    let mut all = urls;
    all.extend(extract::hashtags(text, &ranges));
    all.extend(extract::mentions_or_lists(text));
    all.extend(extract::cashtags(text));
    extract::remove_overlaps(all)
}

/// Converts a byte range of `text` to UTF-16 code units, the indices
/// JavaScript and twitter-text use (their end index is this end minus one).
/// Returns `None` if the range is not on character boundaries of `text`.
pub fn utf16_range(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let units = |s: &str| s.encode_utf16().count();
    let start = units(text.get(..range.start)?);
    let inside = units(text.get(range)?);
    Some(start..start + inside)
}
