//! Weights of code points and emoji, and NFC normalisation with a map back
//! to the original text.

use std::ops::Range;

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// Weights are in hundredths (`scale`).
pub(super) const SCALE: usize = 100;

/// Weight of code points outside [`LIGHT_RANGES`] and of one emoji (`defaultWeight`).
pub(super) const DEFAULT_WEIGHT: usize = 200;

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
pub(super) const INVALID_CHARACTERS: [char; 3] = ['\u{FFFE}', '\u{FEFF}', '\u{FFFF}'];

/// The longest emoji sequence, in code points (a kiss with two skin tones).
const LONGEST_EMOJI: usize = 12;

/// Weight (in hundredths) of one code point.
pub(super) fn char_weight(c: char) -> usize {
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

/// Whether `c`, after the first code point, can continue an emoji sequence:
/// a variation selector, a joiner, the keycap mark, a skin tone, a regional
/// indicator or a tag.
fn continues_emoji(c: char) -> bool {
    matches!(c, '\u{FE0F}' | '\u{200D}' | '\u{20E3}')
        || ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
        || ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
        || ('\u{E0020}'..='\u{E007F}').contains(&c)
}

/// Byte length of the longest emoji sequence of two code points or more
/// that `text` starts with, as listed by Unicode (fully qualified or not).
///
/// A sequence that is not in the list (say, a joiner between two emoji that
/// Unicode does not pair) is not one emoji: its parts count one by one. A
/// digit, `#` or `*` is an emoji only with the keycap mark U+20E3.
pub(super) fn emoji_sequence_len(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    chars.next()?;
    let (_, second) = chars.next()?;
    if !continues_emoji(second) {
        return None;
    }
    let ends: Vec<usize> = text
        .char_indices()
        .skip(2)
        .take(LONGEST_EMOJI - 1)
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    ends.into_iter().rev().find(|&end| {
        text.get(..end).is_some_and(|candidate| {
            candidate.chars().count() <= LONGEST_EMOJI
                && emojis::get(candidate).is_some()
                && !bare_keycap_base(candidate)
        })
    })
}

/// `1` + U+FE0F without the keycap mark: listed by Unicode, but X counts it
/// as a digit and a variation selector.
fn bare_keycap_base(candidate: &str) -> bool {
    candidate.starts_with(|c: char| matches!(c, '0'..='9' | '#' | '*'))
        && !candidate.contains('\u{20E3}')
}

/// Whether a lone code point is an emoji for the count of emoji. Its weight
/// is its code point's either way; characters below U+1100 (`©`, `®`,
/// digits) are text unless a sequence makes them emoji.
pub(super) fn is_single_emoji(c: char) -> bool {
    u32::from(c) >= 0x1100 && c != '\u{FE0F}' && {
        let mut buffer = [0u8; 4];
        emojis::get(c.encode_utf8(&mut buffer)).is_some()
    }
}

/// A text in Unicode NFC with enough of a map to find where a position of
/// the normalised text falls in the original.
pub(super) struct Normalized {
    /// The text in NFC.
    pub(super) text: String,
    /// The pieces that normalisation changed: (original range, normalised range).
    changed: Vec<(Range<usize>, Range<usize>)>,
}

impl Normalized {
    /// Normalises `original`, piece by piece between code points that no
    /// normalisation can join with what comes before them (a starter whose
    /// NFC quick check is "yes"), so each piece maps to its original.
    pub(super) fn new(original: &str) -> Normalized {
        let mut text = String::with_capacity(original.len());
        let mut changed = Vec::new();
        let mut start = 0;
        let boundaries = original
            .char_indices()
            .filter(|&(i, c)| i > 0 && is_stable_boundary(c))
            .map(|(i, _)| i)
            .chain(std::iter::once(original.len()));
        for end in boundaries {
            let Some(piece) = original.get(start..end) else {
                continue;
            };
            if is_nfc_quick(piece.chars()) == IsNormalized::Yes {
                text.push_str(piece);
            } else {
                let from = text.len();
                text.extend(piece.nfc());
                if text.get(from..) != Some(piece) {
                    changed.push((start..end, from..text.len()));
                }
            }
            start = end;
        }
        Normalized { text, changed }
    }

    /// Where byte `position` of the normalised text falls in the original.
    /// A position inside a piece that normalisation changed maps to the
    /// start of that piece, so a prefix never ends inside a changed piece.
    pub(super) fn to_original(&self, position: usize) -> usize {
        let mut shift: isize = 0;
        for (original, normalized) in &self.changed {
            if normalized.end <= position {
                shift += original.len() as isize - normalized.len() as isize;
            } else if normalized.start < position {
                return original.start;
            } else {
                break;
            }
        }
        position.saturating_add_signed(shift)
    }
}

/// A code point before which NFC never joins or reorders anything.
fn is_stable_boundary(c: char) -> bool {
    canonical_combining_class(c) == 0 && is_nfc_quick(std::iter::once(c)) == IsNormalized::Yes
}
