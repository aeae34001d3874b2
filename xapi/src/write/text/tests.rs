//! Cases written for this crate, one behaviour each.

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
    // `name.cc` under a country domain needs a path.
    assert!(urls("docs.rs").is_empty());
    assert_eq!(urls("docs.rs/xapi"), ["docs.rs/xapi"]);
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
    assert!(urls("abc.de").is_empty());
    assert_eq!(urls("www.abc.de"), ["www.abc.de"]);
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

fn values(entities: Vec<Entity>) -> Vec<String> {
    entities.into_iter().map(|e| e.value).collect()
}

// ---- URLs whose host is not ASCII ----

#[test]
fn url_with_non_ascii_host_counts_23() {
    let text = "https://bücher.de/neu";
    assert_eq!(urls(text), [text]);
    assert_eq!(len(text), 23);
    assert_eq!(len("Lies https://bücher.de/neu heute"), 5 + 23 + 6);
}

#[test]
fn url_with_cjk_host_and_idn_tld() {
    // Japanese labels under `.jp`; Chinese labels under the IDN TLD `.中国`.
    assert_eq!(urls("見て https://例え.jp/パス"), ["https://例え.jp/"]);
    assert_eq!(len("https://例え.jp/パス"), 23 + 4);
    assert_eq!(urls("https://网站.中国 ok"), ["https://网站.中国"]);
    // Cyrillic host under `.рф`, any letter case.
    assert_eq!(urls("https://пример.РФ/путь"), ["https://пример.РФ/путь"]);
}

#[test]
fn url_with_punycode_host() {
    assert_eq!(
        urls("https://xn--bcher-kva.de x"),
        ["https://xn--bcher-kva.de"]
    );
    // A punycode top level domain (`.xn--p1ai` is `.рф`), with and without scheme.
    assert_eq!(
        urls("www.xn--e1afmkfd.xn--p1ai"),
        ["www.xn--e1afmkfd.xn--p1ai"]
    );
    assert_eq!(len("https://xn--e1afmkfd.xn--p1ai/a"), 23);
}

#[test]
fn unknown_tld_is_not_a_url_even_with_scheme() {
    assert!(urls("https://example.notatld/x").is_empty());
    assert!(urls("https://例え.ありえない").is_empty());
    assert_eq!(
        len("https://example.notatld"),
        "https://example.notatld".len()
    );
}

#[test]
fn every_iana_tld_without_a_short_list() {
    // Newer generic domains that a fixed list tends to miss.
    for tld in [
        "museum",
        "photography",
        "kitchen",
        "barcelona",
        "ovh",
        "versicherung",
    ] {
        let text = format!("see example.{tld} now");
        assert_eq!(urls(&text), [format!("example.{tld}")], "{tld}");
    }
    // Unicode generic domain `.みんな`, after a scheme.
    assert_eq!(urls("https://例.みんな"), ["https://例.みんな"]);
}

#[test]
fn non_ascii_host_without_scheme_keeps_the_ascii_part() {
    // Without a scheme only ASCII hosts (and accented Latin) are URLs.
    assert!(urls("例え.jp/x").is_empty());
    assert_eq!(urls("日本語www.example.com日本語"), ["www.example.com"]);
    assert_eq!(urls("www.bücher.de"), ["www.bücher.de"]);
}

#[test]
fn urls_wrapped_in_directional_marks() {
    for mark in [
        '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{2066}', '\u{2067}', '\u{061C}',
    ] {
        let text = format!("{mark}https://example.com/a{mark} {mark}example.org{mark}");
        assert_eq!(
            urls(&text),
            ["https://example.com/a", "example.org"],
            "{mark:?}"
        );
        // Each mark weighs its code point (2 outside the light ranges, 1 for U+061C).
        let mark_weight = if mark == '\u{061C}' { 1 } else { 2 };
        assert_eq!(len(&text), 23 + 23 + 1 + 4 * mark_weight);
    }
    // A mark right after the scheme's host ends the URL.
    assert_eq!(
        urls("https://example.com\u{200F}/x"),
        ["https://example.com"]
    );
}

#[test]
fn short_country_domains_need_a_path() {
    assert!(urls("foo.jp").is_empty());
    assert_eq!(urls("foo.jp/a"), ["foo.jp/a"]);
    assert_eq!(urls("foo.co.jp"), ["foo.co.jp"]);
    // `.co` and `.tv` are the exceptions.
    assert_eq!(urls("foo.co foo.tv"), ["foo.co", "foo.tv"]);
    // With a scheme every host is a URL.
    assert_eq!(urls("http://foo.jp"), ["http://foo.jp"]);
}

#[test]
fn url_without_scheme_after_dash_dot_or_slash_is_not_one() {
    assert!(urls("-example.com").is_empty());
    assert!(urls("/example.com").is_empty());
    assert_eq!(urls("(example.com)"), ["example.com"]);
}

#[test]
fn balanced_parentheses_in_paths() {
    assert_eq!(
        urls("(see https://example.com/wiki/A_(b_(c)d))"),
        ["https://example.com/wiki/A_(b_(c)d)"]
    );
    assert_eq!(urls("https://example.com/a(b"), ["https://example.com/a"]);
}

#[test]
fn query_must_end_on_a_query_ending_character() {
    assert_eq!(
        urls("https://example.com/?q=1!"),
        ["https://example.com/?q=1"]
    );
    assert_eq!(urls("https://example.com? yes"), ["https://example.com"]);
    // Without scheme or path the query is left out.
    assert_eq!(urls("example.com?x=1"), ["example.com"]);
}

#[test]
fn tco_links_end_after_their_slug() {
    assert_eq!(urls("https://t.co/abc123,def"), ["https://t.co/abc123"]);
    assert_eq!(urls("https://t.co/abc/def"), ["https://t.co/abc"]);
    let long = format!("https://t.co/{}", "a".repeat(41));
    assert!(urls(&long).is_empty());
}

#[test]
fn url_length_limit() {
    let host = format!("{}.com", "a".repeat(63));
    // The limit counts the scheme twice (once in the URL, once added), as X does.
    let path = "b".repeat(4096 - 2 * "https://".len() - host.len() - 1);
    let at_limit = format!("https://{host}/{path}");
    assert_eq!(at_limit.len() + "https://".len(), 4096);
    assert_eq!(urls(&at_limit).len(), 1);
    let over = format!("{at_limit}b");
    assert!(urls(&over).is_empty());
}

#[test]
fn underscore_in_subdomain_only() {
    assert_eq!(urls("https://a_b.example.com"), ["https://a_b.example.com"]);
    assert!(urls("https://a_b.com").is_empty());
}

#[test]
fn domain_followed_by_letters_is_not_a_tld() {
    assert!(urls("example.comics").is_empty());
    assert!(urls("example.com-x").is_empty());
    assert!(urls("example.com+x").is_empty());
    assert_eq!(urls("https://example.com日本"), ["https://example.com"]);
}

#[test]
fn a_url_cannot_start_where_the_previous_match_ended() {
    // The character before a URL belongs to its match.
    assert_eq!(urls("a.com,b.com"), ["a.com", "b.com"]);
    assert_eq!(
        urls("https://a.com https://b.com"),
        ["https://a.com", "https://b.com"]
    );
}

// ---- emoji ----

#[test]
fn unlisted_joiner_sequence_counts_its_parts() {
    // Man, ZWJ, T-rex: not a Unicode sequence; 2 + 1 (the joiner) + 2.
    assert_eq!(len("\u{1F468}\u{200D}\u{1F996}"), 5);
    // Heart on fire is listed: one emoji.
    assert_eq!(len("\u{2764}\u{FE0F}\u{200D}\u{1F525}"), 2);
}

#[test]
fn digit_with_variation_selector_is_not_a_keycap() {
    assert_eq!(len("1\u{FE0F}"), 1 + 2);
    assert_eq!(weighted_length("1\u{FE0F}").emoji, 0);
}

#[test]
fn unqualified_sequences_count_as_one() {
    // Keycap without U+FE0F, eye in speech bubble without the selectors.
    assert_eq!(len("1\u{20E3}"), 2);
    assert_eq!(len("\u{1F441}\u{200D}\u{1F5E8}"), 2);
}

#[test]
fn lone_regional_indicator_and_odd_flags() {
    assert_eq!(len("\u{1F1EF}"), 2);
    // Three indicators: one flag and one lone indicator.
    assert_eq!(len("\u{1F1EF}\u{1F1F5}\u{1F1EB}"), 4);
}

// ---- parse ----

#[test]
fn parse_empty_text_is_not_valid() {
    let p = parse("");
    assert_eq!(p.weighted_length, 0);
    assert!(!p.valid);
    assert_eq!(p.permillage, 0);
    assert_eq!(p.valid_range, 0..0);
    assert_eq!(p.display_range, 0..0);
}

#[test]
fn parse_reports_permillage_and_ranges() {
    let p = parse("Hello");
    assert_eq!(p.weighted_length, 5);
    assert!(p.valid);
    assert_eq!(p.permillage, 17); // 5 / 280 = 0.0178…
    assert_eq!(p.valid_range, 0..5);
    assert_eq!(p.display_range, 0..5);
    assert_eq!(parse(&"a".repeat(280)).permillage, 1000);
    assert_eq!(parse(&"字".repeat(150)).permillage, 1071);
}

#[test]
fn parse_valid_range_stops_at_the_limit() {
    let text = format!("{}日本", "a".repeat(279));
    let p = parse(&text);
    assert_eq!(p.weighted_length, 283);
    assert!(!p.valid);
    // 279 + 2 > 280: the first CJK character does not fit.
    assert_eq!(p.valid_range, 0..279);
    assert_eq!(&text[p.valid_range.clone()], "a".repeat(279));
    assert_eq!(p.display_range, 0..text.len());
}

#[test]
fn parse_valid_range_never_splits_a_url_or_an_emoji() {
    let text = format!("{} https://example.com/x", "a".repeat(259));
    let p = parse(&text);
    assert_eq!(p.weighted_length, 283);
    assert_eq!(p.valid_range, 0..260);
    // Glued to a word, the URL is not one and counts character by character.
    assert_eq!(
        parse(&format!("{}https://example.com/x", "a".repeat(260))).weighted_length,
        281
    );
    let text = format!("{}👩🏽\u{200D}💻", "a".repeat(279));
    let p = parse(&text);
    assert_eq!(p.weighted_length, 281);
    assert_eq!(p.valid_range, 0..279);
}

#[test]
fn parse_valid_range_stops_at_an_invalid_character() {
    let p = parse("ab\u{FFFE}cd");
    assert!(!p.valid);
    assert_eq!(p.weighted_length, 6);
    assert_eq!(p.valid_range, 0..2);
}

#[test]
fn parse_maps_the_valid_range_through_normalisation() {
    // 278 × "e + U+0301" normalises to 278 × "é" (weight 278), then "日" (2) fits,
    // and "本" does not. The range is in bytes of the original text.
    let decomposed = "e\u{0301}".repeat(278);
    let text = format!("{decomposed}日本");
    let p = parse(&text);
    assert_eq!(p.weighted_length, 282);
    assert_eq!(&text[p.valid_range.clone()], format!("{decomposed}日"));
    // A change after the end of the valid part does not shift it.
    let text = format!("{}日本e\u{0301}", "a".repeat(278));
    let p = parse(&text);
    assert_eq!(
        &text[p.valid_range.clone()],
        format!("{}日", "a".repeat(278))
    );
}

#[test]
fn normalisation_by_pieces_equals_whole_text_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let samples = [
        "Cafe\u{0301} au lait",
        "\u{1100}\u{1161}\u{11A8} 한국",
        "a\u{0323}\u{0307}b\u{0307}\u{0323}",
        "\u{0915}\u{093C} \u{0B47}\u{0B3E}",
        "\u{F900}\u{2126}\u{212B} x\u{0344}",
        "\u{0CC6}\u{0CC2}\u{0CD5}",
        "plain ascii only",
    ];
    for sample in samples {
        let whole: String = sample.nfc().collect();
        assert_eq!(weight::Normalized::new(sample).text, whole, "{sample:?}");
    }
}

#[test]
fn utf16_range_converts_byte_ranges() {
    let text = "😀 @name";
    let mention = &extract_mentions(text)[0];
    assert_eq!(mention.range, 5..10);
    assert_eq!(utf16_range(text, mention.range.clone()), Some(3..8));
    assert_eq!(utf16_range(text, 1..2), None);
}

// ---- mentions and lists ----

#[test]
fn mentions_with_ranges() {
    let text = "hi @alice and ＠bob_2!";
    let found = extract_mentions(text);
    assert_eq!(values(found.clone()), ["alice", "bob_2"]);
    assert_eq!(&text[found[0].range.clone()], "@alice");
    assert_eq!(&text[found[1].range.clone()], "＠bob_2");
}

#[test]
fn mentions_are_not_found_in_emails_or_after_word_characters() {
    assert!(extract_mentions("me@example.com a_@b x!@c").is_empty());
    assert!(extract_mentions("@alice@bob").is_empty());
    assert!(extract_mentions("@alicé").is_empty());
    assert!(extract_mentions("@alice://x").is_empty());
}

#[test]
fn retweet_markers_before_mentions() {
    assert_eq!(
        values(extract_mentions("RT@alice rt:@bob")),
        ["alice", "bob"]
    );
    assert!(extract_mentions("art@alice").is_empty());
}

#[test]
fn mention_names_are_at_most_20_characters() {
    let text = format!("@{}", "a".repeat(25));
    assert_eq!(values(extract_mentions(&text)), ["a".repeat(20)]);
}

#[test]
fn lists_are_mentions_with_a_slug() {
    let text = "see @alice/rust-folks and @bob";
    let found = extract_mentions_or_lists(text);
    assert_eq!(found[0].kind, EntityKind::List);
    assert_eq!(found[0].value, "alice/rust-folks");
    assert_eq!(&text[found[0].range.clone()], "@alice/rust-folks");
    assert_eq!(values(extract_mentions(text)), ["bob"]);
    // A slug starts with a letter.
    assert_eq!(
        extract_mentions_or_lists("@alice/1x")[0].kind,
        EntityKind::Mention
    );
}

// ---- hashtags ----

#[test]
fn hashtags_in_many_scripts() {
    let text = "#rust ＃日本語 #Привет #café #해시 #عربي";
    assert_eq!(
        values(extract_hashtags(text)),
        ["rust", "日本語", "Привет", "café", "해시", "عربي"]
    );
}

#[test]
fn hashtags_need_a_letter_and_a_boundary() {
    assert!(extract_hashtags("#123 a#b &#x #").is_empty());
    assert_eq!(
        values(extract_hashtags("#1st #2024_goals")),
        ["1st", "2024_goals"]
    );
    assert!(extract_hashtags("#a#b").is_empty());
    // A `#` that starts an emoji keycap is not a hashtag sign.
    assert!(extract_hashtags("#\u{FE0F}\u{20E3}x #\u{20E3}y").is_empty());
}

#[test]
fn hashtags_inside_urls_are_dropped() {
    let text = "https://example.com/page#section #real";
    assert_eq!(values(extract_hashtags(text)), ["real"]);
}

#[test]
fn hashtag_ranges() {
    let text = "a #b_c.";
    let found = extract_hashtags(text);
    assert_eq!(found[0].range, 2..6);
    assert_eq!(&text[found[0].range.clone()], "#b_c");
}

// ---- cashtags ----

#[test]
fn cashtags_with_ranges() {
    let text = "$AAPL up, $brk.a flat, $RDS_A.";
    let found = extract_cashtags(text);
    assert_eq!(values(found.clone()), ["AAPL", "brk.a", "RDS_A"]);
    assert_eq!(&text[found[1].range.clone()], "$brk.a");
}

#[test]
fn cashtags_need_a_space_before_and_at_most_six_letters() {
    assert!(extract_cashtags("a$AAPL $ABCDEFG $12 $").is_empty());
    // A suffix of three letters is not a suffix: the symbol alone is kept.
    assert_eq!(values(extract_cashtags("$AB.CDE")), ["AB"]);
    assert!(extract_cashtags("$ABCx1").is_empty());
}

// ---- all entities ----

#[test]
fn entities_in_order_without_overlaps() {
    let text = "@alice see https://example.com/#tag #rust $XAPI";
    let kinds: Vec<EntityKind> = extract_entities(text).into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EntityKind::Mention,
            EntityKind::Url,
            EntityKind::Hashtag,
            EntityKind::Cashtag
        ]
    );
    let urls = extract_urls(text);
    assert_eq!(urls[0].value, "https://example.com/#tag");
}

#[test]
fn readme_example() {
    let parsed = parse("Grüße aus https://bücher.de/neu 👋🏽 #rust");
    assert_eq!(parsed.weighted_length, 6 + 4 + 23 + 1 + 2 + 1 + 5);
    assert!(parsed.valid);
    assert_eq!(extract_hashtags("Grüße #rust")[0].value, "rust");
}
