//! Mentions, lists, hashtags and cashtags, found as X finds them.

use std::ops::Range;

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::url::{is_latin_accent, is_space};
use super::{Entity, EntityKind};

/// The longest user name.
const MAX_USER_NAME: usize = 20;

/// The longest list slug after its first letter.
const MAX_LIST_SLUG_TAIL: usize = 24;

fn is_at_sign(c: char) -> bool {
    matches!(c, '@' | '＠')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Start of what must precede a mention at `at` (the character before it,
/// or a retweet marker `RT` / `RT:` with what precedes that), if a mention
/// may start there.
fn mention_prefix(text: &str, at: usize) -> Option<usize> {
    let head = text.get(..at)?;
    let Some(before) = head.chars().next_back() else {
        return Some(at);
    };
    if !(is_name_char(before) || "!#$%&*@＠".contains(before)) {
        return Some(at - before.len_utf8());
    }
    let marker = head.strip_suffix(':').unwrap_or(head);
    let start = marker.len().checked_sub(2)?;
    if !marker.get(start..)?.eq_ignore_ascii_case("rt") {
        return None;
    }
    match marker.get(..start)?.chars().next_back() {
        None => Some(0),
        Some(c) if !(is_name_char(c) || "+~.-".contains(c)) => Some(start - c.len_utf8()),
        Some(_) => None,
    }
}

/// Mentions (`@name`) and lists (`@name/slug`) with their ranges, the sign
/// included. A name is 1 to 20 letters, digits or `_`; a mention followed
/// by another `@`, an accented Latin letter or `://` is not one.
pub(super) fn mentions_or_lists(text: &str) -> Vec<Entity> {
    let mut found = Vec::new();
    let mut last_end = 0;
    for (at, c) in text.char_indices() {
        if !is_at_sign(c) || at < last_end {
            continue;
        }
        let Some(prefix) = mention_prefix(text, at) else {
            continue;
        };
        if prefix < last_end {
            continue;
        }
        let name_start = at + c.len_utf8();
        let rest = text.get(name_start..).unwrap_or("");
        let name = rest
            .bytes()
            .take_while(|&b| is_name_char(char::from(b)))
            .count();
        let name = name.min(MAX_USER_NAME);
        if name == 0 {
            continue;
        }
        let mut end = name_start + name;
        let mut kind = EntityKind::Mention;
        if let Some(slug) = list_slug_len(text.get(end..).unwrap_or("")) {
            end += slug;
            kind = EntityKind::List;
        }
        last_end = end;
        let after = text.get(end..).unwrap_or("");
        let blocked = after.starts_with("://")
            || after.starts_with(|c: char| is_at_sign(c) || is_latin_accent(c));
        if !blocked {
            let value = text.get(name_start..end).unwrap_or("").to_owned();
            found.push(Entity {
                kind,
                range: at..end,
                value,
            });
        }
    }
    found
}

/// Length of `/slug` at the start of `rest`: a letter, then up to 24
/// letters, digits, `_` or `-`.
fn list_slug_len(rest: &str) -> Option<usize> {
    let slug = rest.strip_prefix('/')?;
    if !slug.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let tail = slug
        .bytes()
        .skip(1)
        .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .count();
    Some(2 + tail.min(MAX_LIST_SLUG_TAIL))
}

/// Letters and marks of any script.
fn is_hashtag_alpha(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark
    )
}

/// What a hashtag may hold: letters, marks, decimal digits, `_` and the
/// joiners and middle dots some scripts write inside words.
fn is_hashtag_char(c: char) -> bool {
    is_hashtag_alpha(c)
        || c.general_category() == GeneralCategory::DecimalNumber
        || matches!(
            c,
            '_' | '\u{200C}'
                | '\u{200D}'
                | '\u{A67E}'
                | '\u{05BE}'
                | '\u{05F3}'
                | '\u{05F4}'
                | '\u{FF5E}'
                | '\u{301C}'
                | '\u{309B}'
                | '\u{309C}'
                | '\u{30A0}'
                | '\u{30FB}'
                | '\u{3003}'
                | '\u{0F0B}'
                | '\u{0F0C}'
                | '\u{00B7}'
        )
}

/// Hashtags (`#word`, `＃word`) with their ranges, the sign included: after
/// a character that is not part of a word (nor `&`), at least one letter,
/// not followed by another `#` or `://`. Hashtags inside URLs are dropped.
pub(super) fn hashtags(text: &str, urls: &[Range<usize>]) -> Vec<Entity> {
    let mut found = Vec::new();
    let mut last_end = 0;
    for (hash, c) in text.char_indices() {
        if !matches!(c, '#' | '＃') || hash < last_end {
            continue;
        }
        if let Some(before) = text.get(..hash).and_then(|h| h.chars().next_back()) {
            let boundary = matches!(before, '\u{FE0E}' | '\u{FE0F}')
                || !(is_hashtag_char(before) || before == '&');
            if !boundary || hash - before.len_utf8() < last_end {
                continue;
            }
        }
        let word_start = hash + c.len_utf8();
        let rest = text.get(word_start..).unwrap_or("");
        if rest.starts_with(['\u{FE0F}', '\u{20E3}']) {
            continue;
        }
        let word = rest
            .find(|c: char| !is_hashtag_char(c))
            .unwrap_or(rest.len());
        let Some(word_text) = rest.get(..word) else {
            continue;
        };
        if !word_text.chars().any(is_hashtag_alpha) {
            continue;
        }
        let end = word_start + word;
        last_end = end;
        let after = text.get(end..).unwrap_or("");
        if after.starts_with(['#', '＃']) || after.starts_with("://") {
            continue;
        }
        if urls.iter().any(|url| url.start < end && hash < url.end) {
            continue;
        }
        found.push(Entity {
            kind: EntityKind::Hashtag,
            range: hash..end,
            value: word_text.to_owned(),
        });
    }
    found
}

/// Cashtags (`$ABC`, `$BRK.A`) with their ranges, the sign included: at the
/// start or after white space, 1 to 6 letters and an optional `.` or `_`
/// with 1 or 2 letters, then the end, white space or punctuation.
pub(super) fn cashtags(text: &str) -> Vec<Entity> {
    let mut found = Vec::new();
    for (dollar, c) in text.char_indices() {
        if c != '$' {
            continue;
        }
        let head = text.get(..dollar).unwrap_or("");
        if !head.chars().next_back().is_none_or(is_space) {
            continue;
        }
        let rest = text.get(dollar + 1..).unwrap_or("");
        if let Some(len) = cashtag_len(rest) {
            let value = rest.get(..len).unwrap_or("").to_owned();
            found.push(Entity {
                kind: EntityKind::Cashtag,
                range: dollar..dollar + 1 + len,
                value,
            });
        }
    }
    found
}

fn cashtag_len(rest: &str) -> Option<usize> {
    let letters = |s: &str| s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let ends_well = |s: &str| {
        s.chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c.is_ascii_punctuation())
    };
    let symbol = letters(rest);
    if !(1..=6).contains(&symbol) {
        return None;
    }
    let after = rest.get(symbol..)?;
    if after.starts_with(['.', '_']) {
        let suffix = letters(after.get(1..)?);
        if (1..=2).contains(&suffix) && ends_well(after.get(1 + suffix..)?) {
            return Some(symbol + 1 + suffix);
        }
    }
    ends_well(after).then_some(symbol)
}

/// Keeps the entities that do not overlap an earlier one.
pub(super) fn remove_overlaps(mut entities: Vec<Entity>) -> Vec<Entity> {
    entities.sort_by_key(|e| e.range.start);
    let mut kept: Vec<Entity> = Vec::with_capacity(entities.len());
    for entity in entities {
        if kept
            .last()
            .is_none_or(|last| entity.range.start >= last.range.end)
        {
            kept.push(entity);
        }
    }
    kept
}
