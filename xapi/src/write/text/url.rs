//! URL detection as X does it: a host of one or more labels under a top
//! level domain of the IANA root zone (written in ASCII, in Unicode or in
//! punycode), an optional `http://` or `https://`, port, path and query.

use std::ops::Range;

/// The longest URL X accepts, with its host in punycode and a scheme.
const MAX_URL_LENGTH: usize = 4096;

/// The longest `t.co` slug; a longer one is not a URL.
const MAX_TCO_SLUG_LENGTH: usize = 40;

/// The longest top level domain looked up, in bytes.
const MAX_TLD_BYTES: usize = 64;

/// Two-letter top level domains that make a URL without scheme or path.
const SPECIAL_SHORT_TLDS: [&str; 2] = ["co", "tv"];

/// One match of the URL pattern, before the checks that may drop it.
struct Candidate {
    start: usize,
    end: usize,
    scheme: usize,
    domain: Range<usize>,
    has_path: bool,
    before: Option<char>,
}

/// Byte ranges of the URLs in `text`, in order.
pub(super) fn find(text: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    if !text.contains('.') {
        return found;
    }
    let mut last_end = 0;
    let mut position = 0;
    while position < text.len() {
        match candidate_at(text, position, last_end) {
            Some(candidate) => {
                accept(text, &candidate, &mut found);
                last_end = candidate.end;
                position = candidate.end.max(position + 1);
            }
            None => position = next_char(text, position),
        }
    }
    found
}

fn char_at(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

fn char_before(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn next_char(text: &str, i: usize) -> usize {
    i + char_at(text, i).map_or(1, char::len_utf8)
}

/// The bidirectional formatting marks (U+061C, U+200E, U+200F,
/// U+202A–U+202E, U+2066–U+2069): never part of a URL, always allowed
/// before one.
pub(super) fn is_directional_mark(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// White space as the patterns mean it (Unicode `White_Space` and U+180E).
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{180E}'
}

/// A code point a host label may hold: anything but ASCII punctuation,
/// white space, controls, directional marks and invalid code points.
fn is_domain_char(c: char) -> bool {
    !(c.is_ascii_punctuation()
        || is_space(c)
        || c.is_control()
        || is_directional_mark(c)
        || super::weight::INVALID_CHARACTERS.contains(&c))
}

/// Latin letters with accents and combining marks (the `latinAccentChars`
/// of the rules).
pub(super) fn is_latin_accent(c: char) -> bool {
    matches!(u32::from(c),
        0x00C0..=0x00D6 | 0x00D8..=0x00F6 | 0x00F8..=0x024F | 0x0253 | 0x0254 | 0x0256
        | 0x0257 | 0x0259 | 0x025B | 0x0263 | 0x0268 | 0x026F | 0x0272 | 0x0289 | 0x028B
        | 0x02BB | 0x0300..=0x036F | 0x1E00..=0x1EFF)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// Whether a URL may start right after `c`.
fn allows_url_after(c: char) -> bool {
    !(c.is_ascii_alphanumeric()
        || matches!(c, '@' | '＠' | '$' | '#' | '＃')
        || super::weight::INVALID_CHARACTERS.contains(&c))
}

/// The URL pattern at `start`, if it matches there. The character before
/// the URL belongs to the match, so it cannot lie inside the previous one.
fn candidate_at(text: &str, start: usize, last_end: usize) -> Option<Candidate> {
    let before = char_before(text, start);
    if let Some(c) = before {
        if start - c.len_utf8() < last_end || !allows_url_after(c) {
            return None;
        }
    }
    let scheme = scheme_len(text, start);
    let (scheme, domain_end) = match domain_at(text, start + scheme) {
        Some(end) => (scheme, end),
        None if scheme > 0 => (0, domain_at(text, start)?),
        None => return None,
    };
    let domain = start + scheme..domain_end;
    let mut end = domain_end;
    if char_at(text, end) == Some(':') {
        let digits = text
            .get(end + 1..)?
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    let has_path = char_at(text, end) == Some('/');
    if has_path {
        end = path_end(text, end + 1);
    }
    if char_at(text, end) == Some('?') {
        if let Some(query) = query_end(text, end + 1) {
            end = query;
        }
    }
    Some(Candidate {
        start,
        end,
        scheme,
        domain,
        has_path,
        before,
    })
}

fn scheme_len(text: &str, start: usize) -> usize {
    let head = text.get(start..).unwrap_or("");
    ["https://", "http://"]
        .into_iter()
        .find(|scheme| {
            head.get(..scheme.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(scheme))
        })
        .map_or(0, str::len)
}

/// End of the host starting at `start`: labels ending in `.` (the last one
/// before the top level domain without `_`, none starting or ending with
/// `-` or `_`), then a known top level domain. The most labels win.
fn domain_at(text: &str, start: usize) -> Option<usize> {
    let mut labels: Vec<Range<usize>> = Vec::new();
    let mut i = start;
    while i - start <= MAX_URL_LENGTH {
        let end = label_end(text, i);
        if end == i || char_at(text, end) != Some('.') {
            break;
        }
        labels.push(i..end);
        i = end + 1;
    }
    let label = |range: &Range<usize>| text.get(range.clone()).unwrap_or("");
    let good_subdomains = labels
        .iter()
        .position(|l| !label_is_valid(label(l), true))
        .unwrap_or(labels.len());
    let last = good_subdomains.min(labels.len().checked_sub(1)?);
    (0..=last).rev().find_map(|k| {
        let name = labels.get(k)?;
        if !label_is_valid(label(name), false) {
            return None;
        }
        tld_at(text, name.end + 1)
    })
}

/// End of a run of host characters, `-` and `_`.
fn label_end(text: &str, start: usize) -> usize {
    let rest = text.get(start..).unwrap_or("");
    start
        + rest
            .char_indices()
            .find(|&(_, c)| !(is_domain_char(c) || c == '-' || c == '_'))
            .map_or(rest.len(), |(i, _)| i)
}

fn label_is_valid(label: &str, underscore: bool) -> bool {
    let edge = |c: Option<char>| c.is_some_and(is_domain_char);
    edge(label.chars().next())
        && edge(label.chars().next_back())
        && (underscore || !label.contains('_'))
}

/// End of the top level domain starting at `start`, if one does: the
/// longest known domain there that is not followed by an ASCII letter or
/// digit, `@`, `+` or `-`.
fn tld_at(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    if let Some(end) = punycode_tld_end(rest) {
        return Some(start + end);
    }
    let run = rest
        .char_indices()
        .find(|&(_, c)| !is_domain_char(c))
        .map_or(rest.len(), |(i, _)| i);
    let ends = rest
        .char_indices()
        .skip(1)
        .map(|(i, _)| i)
        .take_while(|&i| i < run)
        .chain(std::iter::once(run))
        .filter(|&i| i <= MAX_TLD_BYTES);
    let mut ends: Vec<usize> = ends.collect();
    ends.reverse();
    ends.into_iter().find_map(|end| {
        let follows_well = char_at(rest, end)
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-')));
        (follows_well && is_tld(rest.get(..end)?)).then_some(start + end)
    })
}

/// End of a punycode top level domain (`xn--` and letters or digits) that
/// `rest` starts with, if it is not followed by what may not follow one.
fn punycode_tld_end(rest: &str) -> Option<usize> {
    let prefix = rest.get(..4)?;
    if !prefix.eq_ignore_ascii_case("xn--") {
        return None;
    }
    let tail = rest
        .get(4..)?
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    let end = 4 + tail;
    let follows_well = char_at(rest, end)
        .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-')));
    (tail > 0 && follows_well).then_some(end)
}

/// Whether `label` is a top level domain of the IANA root zone, in any
/// letter case, in ASCII or Unicode (punycode ones: [`punycode_tld_end`]).
fn is_tld(label: &str) -> bool {
    let lower = label.to_lowercase();
    if lower.is_ascii() {
        return tld::exist(&lower);
    }
    idna::domain_to_ascii(&lower).is_ok_and(|ascii| !ascii.contains('.') && tld::exist(&ascii))
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!*';:=+,.$/%#[]-_~&|@".contains(c)
        || c == '\u{2013}'
        || is_cyrillic(c)
        || is_latin_accent(c)
}

fn is_path_ending_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+-=_#/".contains(c) || is_cyrillic(c) || is_latin_accent(c)
}

/// End of a path starting after its `/`: path characters and balanced
/// parentheses, ending on a letter, digit, `+-=_#/` or a closing
/// parenthesis (sentence punctuation after a URL is not part of it).
fn path_end(text: &str, start: usize) -> usize {
    let mut i = start;
    let mut best = start;
    while let Some(c) = char_at(text, i) {
        if c == '(' {
            match parenthesis_end(text, i) {
                Some(end) => {
                    i = end;
                    best = end;
                    continue;
                }
                None => break,
            }
        }
        if !is_path_char(c) {
            break;
        }
        i += c.len_utf8();
        if is_path_ending_char(c) {
            best = i;
        }
    }
    best
}

/// Skips path characters from `*i`; returns how many there were.
fn skip_path_chars(text: &str, i: &mut usize) -> usize {
    let mut count = 0;
    while let Some(c) = char_at(text, *i).filter(|&c| is_path_char(c)) {
        *i += c.len_utf8();
        count += 1;
    }
    count
}

/// End of `(…)` at `open`, with one nested pair at most and something
/// inside each pair.
fn parenthesis_end(text: &str, open: usize) -> Option<usize> {
    let mut i = open + 1;
    let inside = skip_path_chars(text, &mut i);
    match char_at(text, i)? {
        ')' if inside > 0 => Some(i + 1),
        '(' => {
            i += 1;
            if skip_path_chars(text, &mut i) == 0 || char_at(text, i)? != ')' {
                return None;
            }
            i += 1;
            skip_path_chars(text, &mut i);
            (char_at(text, i)? == ')').then_some(i + 1)
        }
        _ => None,
    }
}

/// End of a query starting after its `?`, if it ends on a letter, digit or
/// one of `-_&=#/`.
fn query_end(text: &str, start: usize) -> Option<usize> {
    let rest = text.get(start..)?;
    let mut best = None;
    for (i, c) in rest.char_indices() {
        if !(c.is_ascii_alphanumeric() || "!?*'@();:&=+$/%#[]-_.,~|".contains(c)) {
            break;
        }
        if c.is_ascii_alphanumeric() || "-_&=#/".contains(c) {
            best = Some(start + i + 1);
        }
    }
    best
}

/// Applies the checks that may drop a match and adds what remains.
fn accept(text: &str, candidate: &Candidate, found: &mut Vec<Range<usize>>) {
    let Some(domain) = text.get(candidate.domain.clone()) else {
        return;
    };
    let Ok(ascii) = idna::domain_to_ascii(domain) else {
        return;
    };
    let scheme = if candidate.scheme > 0 {
        candidate.scheme
    } else {
        "https://".len()
    };
    let length = candidate.end - candidate.start + ascii.len();
    if ascii.is_empty() || scheme + length - domain.len() > MAX_URL_LENGTH {
        return;
    }
    if candidate.scheme > 0 {
        if let Ok(end) = tco_end(text, candidate) {
            found.push(candidate.start..end);
        }
        return;
    }
    if candidate
        .before
        .is_some_and(|c| matches!(c, '-' | '_' | '.' | '/'))
    {
        return;
    }
    let mut last = None;
    for range in ascii_domains(domain) {
        let part = domain.get(range.clone()).unwrap_or("");
        if candidate.has_path || !is_short_domain(part) {
            found.push(candidate.domain.start + range.start..candidate.domain.start + range.end);
            last = found.len().checked_sub(1);
        }
    }
    if candidate.has_path {
        if let Some(url) = last.and_then(|i| found.get_mut(i)) {
            url.end = candidate.end;
        }
    }
}

struct TooLongSlug;

/// A `t.co` link ends after its slug and query; other URLs where they match.
fn tco_end(text: &str, candidate: &Candidate) -> Result<usize, TooLongSlug> {
    let host = candidate.domain.clone();
    let is_tco = text
        .get(host.clone())
        .is_some_and(|h| h.eq_ignore_ascii_case("t.co"))
        && char_at(text, host.end) == Some('/');
    if !is_tco {
        return Ok(candidate.end);
    }
    let slug_start = host.end + 1;
    let slug = text
        .get(slug_start..)
        .unwrap_or("")
        .bytes()
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    if slug == 0 {
        return Ok(candidate.end);
    }
    if slug > MAX_TCO_SLUG_LENGTH {
        return Err(TooLongSlug);
    }
    let mut end = slug_start + slug;
    if char_at(text, end) == Some('?') {
        end = query_end(text, end + 1).unwrap_or(end);
    }
    Ok(end.min(candidate.end))
}

/// The hosts of ASCII letters, digits, `-` and accented Latin letters
/// inside a host matched without scheme (a URL without scheme must be one).
fn ascii_domains(domain: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < domain.len() {
        match ascii_domain_at(domain, i) {
            Some(end) => {
                found.push(i..end);
                i = end;
            }
            None => i = next_char(domain, i),
        }
    }
    found
}

fn ascii_domain_at(domain: &str, start: usize) -> Option<usize> {
    let is_ascii_label_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || is_latin_accent(c);
    let mut dots = Vec::new();
    let mut i = start;
    loop {
        let rest = domain.get(i..)?;
        let len = rest
            .find(|c: char| !is_ascii_label_char(c))
            .unwrap_or(rest.len());
        if len == 0 || char_at(domain, i + len) != Some('.') {
            break;
        }
        i += len + 1;
        dots.push(i);
    }
    dots.into_iter()
        .rev()
        .find_map(|tld_start| tld_at(domain, tld_start))
}

/// `name.cc`: one label under a two-letter country domain other than `co`
/// and `tv`; written without scheme or path, it is not a URL.
fn is_short_domain(host: &str) -> bool {
    let Some((name, tld)) = host.split_once('.') else {
        return false;
    };
    let tld = tld.to_ascii_lowercase();
    label_is_valid(name, false)
        && !name.contains('.')
        && tld.len() == 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
        && !SPECIAL_SHORT_TLDS.contains(&tld.as_str())
}
