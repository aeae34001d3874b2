//! Post length as X counts it, for live counters and for checks before
//! sending.
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
//!   however long it really is;
//! * an emoji counts 2 however many code points it is made of: skin-tone
//!   modifiers, zero-width-joiner sequences (families, professions), flags
//!   and keycaps are one emoji each;
//! * the weighted length is the sum of the weights divided by 100, and a post
//!   is valid up to 280.
//!
//! ```
//! use xapi::text::weighted_length;
//!
//! let length = weighted_length("Hello 世界 👋🏽 https://example.com/a/very/long/path");
//! assert_eq!(length.weighted, 6 + 4 + 1 + 2 + 1 + 23);
//! assert_eq!(length.remaining(), 280 - 37);
//! assert!(length.is_valid());
//! ```
//!
//! # Limits of the URL detection
//!
//! X recognises URLs with a long regular expression and the full list of top
//! level domains. This module uses a smaller extractor of its own, which
//! agrees with X on ordinary text but not on every edge case:
//!
//! * `http://` and `https://` URLs (any letter case) whose host has a dot
//!   and ends in an alphabetic label of two letters or more; `localhost`,
//!   bare IP addresses and other schemes (`ftp://`) are not URLs;
//! * bare domains (`example.com`, `docs.rs/xapi`, `www.example.co.uk/x?y=1`)
//!   only when the last label is one of a fixed list of common top level
//!   domains ([`BARE_TLDS`]); a bare domain of the shape `ab.cd` with a
//!   two-letter top level domain and no path is not a URL (as with X);
//! * a URL must not follow a letter, digit, `@`, `$` or `#`, so e-mail
//!   addresses, cashtags and hashtags are left alone;
//! * hosts are ASCII only (internationalised domain names are not
//!   recognised without their punycode form);
//! * a URL ends at white space, at `<`, `>`, `"`, or at a character that is
//!   not Latin or Cyrillic; trailing punctuation (`.`, `,`, `!`, `?`, `:`,
//!   `;`, quotes) and an unbalanced closing parenthesis are not part of it.
//!
//! # Limits of the emoji detection
//!
//! Emoji are found with grapheme clusters (Unicode text segmentation) and a
//! compact table of pictographic code points rather than the full emoji
//! list:
//!
//! * any zero-width-joiner sequence of pictographs counts as one emoji, even
//!   one Unicode does not recommend (X counts those as their parts);
//! * characters with a text presentation by default (`©`, `®`, `‼`, `™`,
//!   digits) count as emoji only when followed by U+FE0F or, for keycaps,
//!   U+20E3; on their own they weigh what their code point weighs.
//!
//! Outside URLs and emoji, code points are counted one by one after NFC, as X
//! does: a combining mark that has no precomposed form with its base (for
//! example `q` + U+0301) still counts separately.

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// The weighted length X allows for a post (`maxWeightedTweetLength`).
pub const MAX_WEIGHTED_LENGTH: usize = 280;

/// The length every URL counts as (`transformedURLLength`).
pub const URL_LENGTH: usize = 23;

/// Weights are in hundredths (`scale`).
const SCALE: usize = 100;

/// Weight of code points outside [`LIGHT_RANGES`] and of one emoji (`defaultWeight`).
const DEFAULT_WEIGHT: usize = 200;

/// Weight of code points inside [`LIGHT_RANGES`].
const LIGHT_WEIGHT: usize = 100;

/// Code point ranges weighing 100 (the `ranges` of the configuration).
const LIGHT_RANGES: [(u32, u32); 4] = [
    (0x0000, 0x10FF),
    (0x2000, 0x200D),
    (0x2010, 0x201F),
    (0x2032, 0x2037),
];

/// Code points X treats as invalid in a post.
const INVALID_CHARACTERS: [char; 3] = ['\u{FFFE}', '\u{FEFF}', '\u{FFFF}'];

/// Top level domains accepted for URLs written without `http://` or
/// `https://`.
pub const BARE_TLDS: &[&str] = &[
    "com", "net", "org", "io", "co", "dev", "app", "ai", "me", "info", "biz", "edu", "gov", "mil",
    "int", "xyz", "tv", "ly", "gl", "gd", "to", "fm", "so", "sh", "rs", "page", "blog", "news",
    "tech", "site", "online", "store", "shop", "cloud", "link", "live", "media", "social", "us",
    "uk", "ca", "au", "nz", "ie", "de", "fr", "es", "it", "nl", "be", "ch", "at", "se", "no", "dk",
    "fi", "pl", "pt", "cz", "ru", "ua", "jp", "cn", "kr", "tw", "hk", "sg", "in", "id", "br", "mx",
    "ar", "cl", "za", "eu",
];

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
    /// depends on what else it carries.
    pub fn is_valid(&self) -> bool {
        self.weighted <= self.max && !self.has_invalid_characters
    }

    /// What is left before the limit, negative when the text is too long
    /// (a counter shows `-3`).
    pub fn remaining(&self) -> i64 {
        self.max as i64 - self.weighted as i64
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.weighted == 0
    }
}

/// Counts `text` the way X does (see the [module documentation](self)).
pub fn weighted_length(text: &str) -> TextLength {
    let normalized: String = text.nfc().collect();
    let urls = find_urls(&normalized);
    let mut length = TextLength {
        weighted: 0,
        max: MAX_WEIGHTED_LENGTH,
        urls: urls.len(),
        emoji: 0,
        has_invalid_characters: normalized.contains(INVALID_CHARACTERS),
    };
    let mut total = 0usize;
    let mut position = 0usize;
    for url in &urls {
        total += weigh_plain(&normalized[position..url.start], &mut length.emoji);
        total += URL_LENGTH * SCALE;
        position = url.end;
    }
    total += weigh_plain(&normalized[position..], &mut length.emoji);
    length.weighted = total / SCALE;
    length
}

/// Weight (in hundredths) of text that holds no URL; counts the emoji.
fn weigh_plain(text: &str, emoji: &mut usize) -> usize {
    let mut total = 0;
    for cluster in text.graphemes(true) {
        if is_emoji_sequence(cluster) {
            *emoji += 1;
            total += DEFAULT_WEIGHT;
        } else {
            for c in cluster.chars() {
                if is_pictographic(c) && !is_text_default(c) {
                    *emoji += 1;
                }
                total += char_weight(c);
            }
        }
    }
    total
}

/// Weight (in hundredths) of one code point.
fn char_weight(c: char) -> usize {
    let cp = u32::from(c);
    if LIGHT_RANGES
        .iter()
        .any(|&(start, end)| (start..=end).contains(&cp))
    {
        LIGHT_WEIGHT
    } else {
        DEFAULT_WEIGHT
    }
}

fn is_emoji_modifier(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007F}').contains(&c)
}

/// Pictographs with a text presentation by default: they need U+FE0F to be
/// an emoji.
fn is_text_default(c: char) -> bool {
    u32::from(c) < 0x1100 || matches!(c, '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}')
}

/// Whether `c` is a pictograph that can start an emoji (an approximation of
/// the `Extended_Pictographic` property).
fn is_pictographic(c: char) -> bool {
    matches!(u32::from(c),
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139
        | 0x2194..=0x2199 | 0x21A9..=0x21AA | 0x231A..=0x231B | 0x2328 | 0x23CF
        | 0x23E9..=0x23F3 | 0x23F8..=0x23FA | 0x24C2 | 0x25AA..=0x25AB | 0x25B6 | 0x25C0
        | 0x25FB..=0x25FE | 0x2600..=0x27BF | 0x2934..=0x2935 | 0x2B05..=0x2B07
        | 0x2B1B..=0x2B1C | 0x2B50 | 0x2B55 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x1F000..=0x1FAFF | 0x1FC00..=0x1FFFD)
}

/// Whether a grapheme cluster of several code points is one emoji.
fn is_emoji_sequence(cluster: &str) -> bool {
    let mut chars = cluster.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest = chars.as_str();
    if rest.is_empty() {
        // A lone code point weighs what its code point weighs; see `weigh_plain`.
        return false;
    }
    if matches!(first, '0'..='9' | '#' | '*') {
        // Keycap: base, optional U+FE0F, U+20E3.
        let tail: Vec<char> = rest.chars().collect();
        return matches!(tail.as_slice(), ['\u{20E3}'] | ['\u{FE0F}', '\u{20E3}']);
    }
    if is_regional_indicator(first) {
        return rest.chars().all(is_regional_indicator);
    }
    if !is_pictographic(first) {
        return false;
    }
    rest.chars().any(|c| {
        c == '\u{FE0F}' || c == '\u{200D}' || c == '\u{20E3}' || is_emoji_modifier(c) || is_tag(c)
    })
}

/// Byte ranges of the URLs in `text`, in order, as this module recognises
/// them (see the [module documentation](self) for the limits).
pub fn find_urls(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0 || preceded_by_boundary(text, i);
        if boundary && bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            if let Some(end) = url_at(text, i) {
                found.push(i..end);
                i = end;
                continue;
            }
        }
        // Advance one character.
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// Whether the character before byte `i` allows a URL to start at `i`.
fn preceded_by_boundary(text: &str, i: usize) -> bool {
    match text[..i].chars().next_back() {
        None => true,
        Some(c) => !(c.is_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃' | '_')),
    }
}

/// The end of a URL starting at byte `start`, if one starts there.
fn url_at(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let lower: String = rest
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let scheme_len = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        0
    };
    let host_start = start + scheme_len;
    let host_len = text[host_start..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'.')
        .count();
    // A host ends before any trailing dots (sentence punctuation).
    let host = text[host_start..host_start + host_len].trim_end_matches('.');
    if !valid_host(host, scheme_len > 0) {
        return None;
    }
    let mut end = host_start + host.len();
    // What follows a bare host must not make it part of a longer word
    // (`example.com@x`, `example.comics`).
    if let Some(next) = text[end..].chars().next() {
        if next == '@' || next == '_' || (next.is_alphanumeric() && !next.is_ascii()) {
            return None;
        }
    }
    // Port.
    if text[end..].starts_with(':') {
        let digits = text[end + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    let has_path = matches!(text[end..].chars().next(), Some('/' | '?' | '#'));
    if has_path {
        end = path_end(text, end);
    }
    if scheme_len == 0 && !has_path && is_short_cc_domain(host) {
        return None;
    }
    Some(end)
}

/// Whether `host` is a host a URL may have.
fn valid_host(host: &str, with_scheme: bool) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let labels_ok = labels.iter().all(|label| {
        !label.is_empty() && label.len() <= 63 && !label.starts_with('-') && !label.ends_with('-')
    });
    if !labels_ok {
        return false;
    }
    let Some(tld) = labels.last() else {
        return false;
    };
    if with_scheme {
        tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())
    } else {
        BARE_TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld))
    }
}

/// `ab.cd`: a two-letter name under a two-letter top level domain.
fn is_short_cc_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() == 2 && labels.iter().all(|l| l.len() == 2)
}

/// Whether `c` may appear inside the path or query of a URL.
fn is_path_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_graphic()
            && !matches!(c, '<' | '>' | '"' | '`' | '{' | '}' | '|' | '\\');
    }
    // Latin-1 letters, Latin Extended-A/B, Cyrillic.
    matches!(u32::from(c), 0x00C0..=0x024F | 0x0400..=0x04FF) && c != '×' && c != '÷'
}

/// End of the path/query/fragment that starts at byte `start`.
fn path_end(text: &str, start: usize) -> usize {
    let mut end = start;
    for c in text[start..].chars() {
        if !is_path_char(c) {
            break;
        }
        end += c.len_utf8();
    }
    // Trailing punctuation belongs to the sentence, not to the URL; so does a
    // closing parenthesis that closes nothing in the URL.
    while let Some(last) = text[start..end].chars().next_back() {
        let strip = match last {
            '.' | ',' | '!' | '?' | ':' | ';' | '\'' | '*' | '[' | '(' => true,
            ')' => {
                let path = &text[start..end];
                path.matches('(').count() < path.matches(')').count()
            }
            ']' => {
                let path = &text[start..end];
                path.matches('[').count() < path.matches(']').count()
            }
            _ => false,
        };
        if !strip {
            break;
        }
        end -= last.len_utf8();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn len(text: &str) -> usize {
        weighted_length(text).weighted
    }

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn empty_text() {
        let l = weighted_length("");
        assert_eq!(l.weighted, 0);
        assert!(l.is_empty());
        assert!(l.is_valid());
        assert_eq!(l.remaining(), 280);
    }

    #[test]
    fn ascii_counts_one_per_character() {
        assert_eq!(len("Hello, world!"), 13);
        assert_eq!(len("a b\tc\n"), 6);
    }

    #[test]
    fn exactly_280_is_valid() {
        let l = weighted_length(&"a".repeat(280));
        assert_eq!(l.weighted, 280);
        assert_eq!(l.max, 280);
        assert!(l.is_valid());
        assert_eq!(l.remaining(), 0);
    }

    #[test]
    fn one_more_is_invalid() {
        let l = weighted_length(&"a".repeat(281));
        assert_eq!(l.weighted, 281);
        assert!(!l.is_valid());
        assert_eq!(l.remaining(), -1);
    }

    #[test]
    fn short_url_counts_23() {
        let l = weighted_length("see https://x.co");
        assert_eq!(l.urls, 1);
        assert_eq!(l.weighted, 4 + 23);
    }

    #[test]
    fn very_long_url_counts_23() {
        let url = format!("https://example.com/{}", "p".repeat(500));
        let l = weighted_length(&format!("{url} ok"));
        assert_eq!(l.weighted, 23 + 3);
        assert!(l.is_valid());
    }

    #[test]
    fn several_urls() {
        let text = "a http://one.example.org b https://two.example.net/x?y=1#z c www.three.com/p";
        assert_eq!(
            urls(text),
            [
                "http://one.example.org",
                "https://two.example.net/x?y=1#z",
                "www.three.com/p"
            ]
        );
        assert_eq!(len(text), 3 * 23 + 8);
    }

    #[test]
    fn bare_domains_with_common_tlds() {
        assert_eq!(urls("go to example.com/path now"), ["example.com/path"]);
        assert_eq!(urls("docs.rs"), ["docs.rs"]);
        assert_eq!(len("example.com"), 23);
        // Not a known top level domain, not a URL.
        assert!(urls("file.txt and main.rs.bak2").is_empty());
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_a_url() {
        assert_eq!(
            urls("Read https://example.com/a/b. Then (https://example.org/c), ok?"),
            ["https://example.com/a/b", "https://example.org/c"]
        );
        assert_eq!(
            urls("wiki https://en.example.org/wiki/Rust_(language)!"),
            ["https://en.example.org/wiki/Rust_(language)"]
        );
    }

    #[test]
    fn emails_mentions_and_hashtags_are_not_urls() {
        assert!(urls("mail me at someone@example.com").is_empty());
        assert!(urls("#example.com $example.com").is_empty());
        assert!(urls("http://localhost:8080/x ftp://example").is_empty());
        assert!(urls("ab.de").is_empty());
        assert_eq!(urls("ab.de/x"), ["ab.de/x"]);
        assert_eq!(urls("abc.de"), ["abc.de"]);
    }

    #[test]
    fn url_letter_case_and_port() {
        assert_eq!(
            urls("HTTPS://Example.COM:8443/Path"),
            ["HTTPS://Example.COM:8443/Path"]
        );
    }

    #[test]
    fn cjk_counts_two_each() {
        assert_eq!(len("日本語"), 6);
        assert_eq!(len("한국어"), 6);
        assert_eq!(len("中文 text"), 4 + 1 + 4);
        // 140 CJK characters reach the limit exactly.
        let l = weighted_length(&"字".repeat(140));
        assert_eq!(l.weighted, 280);
        assert!(l.is_valid());
        assert!(!weighted_length(&"字".repeat(141)).is_valid());
    }

    #[test]
    fn light_punctuation_ranges() {
        // U+2014 em dash, U+201C/U+201D quotes, U+2026 ellipsis (outside the ranges).
        assert_eq!(len("\u{2014}"), 1);
        assert_eq!(len("\u{201C}x\u{201D}"), 3);
        assert_eq!(len("\u{2026}"), 2);
        assert_eq!(len("\u{2032}\u{2037}"), 2);
        assert_eq!(len("\u{2038}"), 2);
    }

    #[test]
    fn single_emoji_counts_two() {
        let l = weighted_length("😀");
        assert_eq!(l.weighted, 2);
        assert_eq!(l.emoji, 1);
        assert_eq!(len("hi 🎉🎉"), 3 + 4);
    }

    #[test]
    fn emoji_with_skin_tone_counts_two() {
        // U+1F44B U+1F3FD: two code points, one emoji.
        assert_eq!("👋🏽".chars().count(), 2);
        assert_eq!(len("👋🏽"), 2);
        assert_eq!(len("👍🏻👍🏿"), 4);
    }

    #[test]
    fn zwj_family_counts_two() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}";
        assert_eq!(family.chars().count(), 7);
        let l = weighted_length(family);
        assert_eq!(l.weighted, 2);
        assert_eq!(l.emoji, 1);
        // Profession with skin tone: woman, medium skin tone, ZWJ, laptop.
        assert_eq!(len("\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB}"), 2);
        // Rainbow flag: white flag, VS16, ZWJ, rainbow.
        assert_eq!(len("\u{1F3F3}\u{FE0F}\u{200D}\u{1F308}"), 2);
    }

    #[test]
    fn flags_count_two() {
        assert_eq!(len("🇯🇵"), 2);
        assert_eq!(len("🇫🇷🇩🇪"), 4);
        // Subdivision flag (England): black flag and tag characters.
        assert_eq!(
            len("\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"),
            2
        );
    }

    #[test]
    fn keycaps_count_two() {
        assert_eq!(len("1\u{FE0F}\u{20E3}"), 2);
        assert_eq!(len("#\u{20E3}"), 2);
        assert_eq!(weighted_length("*\u{FE0F}\u{20E3}").emoji, 1);
        // A digit alone is a digit.
        assert_eq!(len("1"), 1);
    }

    #[test]
    fn text_default_symbols() {
        assert_eq!(len("©"), 1);
        assert_eq!(len("©\u{FE0F}"), 2);
        assert_eq!(len("❤\u{FE0F}"), 2);
        assert_eq!(len("™"), 2);
    }

    #[test]
    fn combining_mark_joins_its_base_after_nfc() {
        // e + U+0301 becomes U+00E9.
        assert_eq!(len("e\u{0301}"), 1);
        assert_eq!(len("Cafe\u{0301}"), 4);
        // Hangul jamo compose to one syllable (weight 2).
        assert_eq!(len("\u{1100}\u{1161}"), 2);
        // No precomposed form: counted per code point, as X does.
        assert_eq!(len("q\u{0301}"), 2);
    }

    #[test]
    fn latin_with_accents() {
        assert_eq!(len("Ærøskøbing"), 10);
        assert_eq!(len("Žluťoučký kůň"), 13);
        assert_eq!(len("naïve façade"), 12);
    }

    #[test]
    fn other_scripts_in_the_light_range() {
        assert_eq!(len("Привет"), 6);
        assert_eq!(len("שלום"), 4);
        assert_eq!(len("नमस्ते"), "नमस्ते".chars().count());
    }

    #[test]
    fn mixed_text() {
        let text = "Café ☕\u{FE0F} 東京 🇯🇵 https://example.com/tokyo?x=1 👩🏽\u{200D}💻!";
        // "Café " 5 + coffee 2 + " " 1 + 東京 4 + " " 1 + flag 2 + " " 1 + URL 23 + " " 1 + emoji 2 + "!" 1
        let l = weighted_length(text);
        assert_eq!(l.urls, 1);
        assert_eq!(l.emoji, 3);
        assert_eq!(l.weighted, 43);
    }

    #[test]
    fn url_with_cjk_right_after() {
        // The URL stops before the CJK characters, which count 2 each.
        let text = "https://example.com/a日本";
        assert_eq!(urls(text), ["https://example.com/a"]);
        assert_eq!(len(text), 23 + 4);
    }

    #[test]
    fn invalid_characters() {
        let l = weighted_length("a\u{FFFE}b");
        assert!(l.has_invalid_characters);
        assert!(!l.is_valid());
        assert!(weighted_length("ab").is_valid());
    }

    #[test]
    fn limit_with_urls_and_emoji() {
        // 257 ASCII + one URL (23) = 280.
        let text = format!(
            "{} https://example.com/{}",
            "a".repeat(256),
            "b".repeat(300)
        );
        assert_eq!(len(&text), 280);
        let over = format!("{text}😀");
        assert_eq!(len(&over), 282);
        assert!(!weighted_length(&over).is_valid());
    }
}
