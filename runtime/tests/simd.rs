//! The vectorised decoder (`simd` feature) against the default one: the
//! same models, tolerant in the same ways, give the same values and write
//! the same JSON back, and a body it refuses fails the way `decode` says.

use serde_json::Value;
use xapi_runtime::{decode, decode_simd};

mod common;
use common::Thing;

/// Bodies covering every tolerant rule of the models.
const BODIES: &[&str] = &[
    r#"{}"#,
    r#"{"id": "1", "name": "plain"}"#,
    // Required properties absent, extra ones kept in order.
    r#"{"zeta": 1, "id": "2", "alpha": {"nested": [1, "two", null, true]}, "mid": null}"#,
    // Numbers for strings, strings for numbers, nulls.
    r#"{"id": 1796874326764832910, "name": 12.5, "metrics": {"likes": "42", "ratio": "0.25", "verified": null}}"#,
    r#"{"id": null, "name": null, "tags": null, "metrics": null, "colour": null}"#,
    r#"{"metrics": {"likes": 7.0, "ranges": [1, "2", 3.0]}}"#,
    // Unknown enum values kept.
    r#"{"colour": "ultraviolet", "things": [{"colour": "red"}, {"colour": "dark_blue"}]}"#,
    // Integers beyond 64 bits: as text, and kept in `extra` for numbers.
    r#"{"id": 18446744073709551615, "metrics": {"likes": 18446744073709551615}}"#,
    r#"{"metrics": {"likes": 99999999999999999999999, "ranges": [1, 99999999999999999999999]}}"#,
    r#"{"metrics": {"likes": "99999999999999999999", "ratio": 1e30}}"#,
    r#"{"metrics": {"likes": -9223372036854775808, "ratio": 0.1000000000000000055511151231257827}}"#,
    // Escapes, non-ASCII text, long strings, repeated keys.
    r#"{"name": "line\nbreak \"quoted\" \u062c\u062f\ud83d\udcaf tab\t", "tags": ["\u00e9", "caf\u00e9", "x"]}"#,
    r#"{"name": "a very long name that does not fit inline in a compact string at all", "id": "123456789012345678901234567890"}"#,
    r#"{"id": "first", "id": "second", "metrics": {"likes": 99999999999999999999, "likes": 3}}"#,
    "  {\"id\" : \"spaced\" ,\n\t\"things\" : [ { } , {\"id\":\"x\"} ] }  ",
];

#[test]
fn the_vectorised_decoder_gives_what_decode_gives() {
    for body in BODIES {
        let plain: Thing = decode(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
        let fast: Thing = decode_simd(body.as_bytes()).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert_eq!(fast, plain, "{body}");
        let (a, b): (Value, Value) = (
            serde_json::to_value(&fast).expect("encodes"),
            serde_json::to_value(&plain).expect("encodes"),
        );
        assert_eq!(a, b, "{body}");
        // Written back in the same order too.
        assert_eq!(
            serde_json::to_string(&fast).expect("encodes"),
            serde_json::to_string(&plain).expect("encodes"),
            "{body}"
        );
    }
}

#[test]
fn a_body_the_vectorised_decoder_refuses_fails_with_the_path() {
    for body in [
        r#"{"metrics": {"likes": "many"}}"#,
        r#"{"things": [{"id": "1"}, {"metrics": []}]}"#,
        r#"{"id": "1""#,
        "{\"name\": \"\u{0}\"}",
        r#"[1, 2]"#,
    ] {
        let plain = decode::<Thing>(body.as_bytes()).expect_err(body);
        let fast = decode_simd::<Thing>(body.as_bytes()).expect_err(body);
        assert_eq!(fast, plain, "{body}");
    }
    let invalid_utf8 = b"{\"name\": \"\xff\"}";
    assert_eq!(
        decode_simd::<Thing>(invalid_utf8).expect_err("invalid UTF-8"),
        decode::<Thing>(invalid_utf8).expect_err("invalid UTF-8")
    );
}

#[test]
fn the_buffers_are_reused_from_a_large_body_to_a_small_one() {
    let many: Vec<String> = (0..5000)
        .map(|i| format!(r#"{{"id": "{i}", "name": "thing number {i} with a longer name"}}"#))
        .collect();
    let large = format!(r#"{{"things": [{}]}}"#, many.join(","));
    for body in [large.as_str(), r#"{"id": "small"}"#, large.as_str()] {
        let plain: Thing = decode(body.as_bytes()).expect("decodes");
        let fast: Thing = decode_simd(body.as_bytes()).expect("decodes");
        assert_eq!(fast, plain);
    }
}
