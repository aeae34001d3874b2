//! The runtime on its own, used the way generated code uses it: models
//! declared with `impl_model!` and `string_enum!` outside this crate, decoded
//! from what the live API sends rather than what its document promises.

use serde_json::{json, Value};
use xapi_runtime::{
    decode, json_differences, json_equivalent, path_segment, reencode, Allowance, CsvList,
    DifferenceKind, Extra, Lenient, Model, Operation, Param, ParamLocation, RequestParts, Text,
};

mod common;
use common::{Colour, Metrics, Thing};

fn thing(body: &str) -> Thing {
    match decode::<Thing>(body.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("{body} does not decode: {e}"),
    }
}

#[test]
fn absent_required_properties_are_none() {
    let t = thing("{}");
    assert_eq!(t, Thing::default());
    let t = thing(r#"{"id": "7"}"#);
    assert_eq!(t.id.as_deref(), Some("7"));
    assert!(t.name.is_none() && t.metrics.is_none());
}

#[test]
fn numbers_and_strings_stand_for_each_other() {
    let t = thing(
        r#"{"id": 1790000000000000001, "name": 12.5,
            "metrics": {"likes": "42", "ratio": "0.25", "verified": "true"}}"#,
    );
    assert_eq!(t.id.as_deref(), Some("1790000000000000001"));
    assert_eq!(t.name.as_deref(), Some("12.5"));
    let m = t.metrics.as_deref().expect("metrics");
    assert_eq!(
        (m.likes, m.ratio, m.verified),
        (Some(42), Some(0.25), Some(true))
    );
    // An integer written as a whole float, and with spaces in a string.
    let t = thing(r#"{"metrics": {"likes": 3.0, "ratio": 1}}"#);
    assert_eq!(t.metrics.as_deref().and_then(|m| m.likes), Some(3));
    let t = thing(r#"{"metrics": {"likes": " 5 "}}"#);
    assert_eq!(t.metrics.as_deref().and_then(|m| m.likes), Some(5));
}

#[test]
fn nulls_clear_fields_and_lists_skip_nothing() {
    let t = thing(r#"{"id": null, "name": null, "colour": null, "tags": null, "metrics": null}"#);
    assert_eq!(t, Thing::default());
    // null after a value: the last word wins.
    let t = thing(r#"{"name": "a", "name": null}"#);
    assert!(t.name.is_none());
    let t = thing(r#"{"tags": ["a", 2, true]}"#);
    assert_eq!(
        t.tags.as_deref(),
        Some(&[Text::from("a"), Text::from("2"), Text::from("true")][..])
    );
}

#[test]
fn unknown_keys_are_kept_in_the_order_they_arrived() {
    let body = r#"{"zeta": 1, "id": "1", "alpha": {"nested": [1, null]}, "mid": "x", "metrics": {"new_count": 9}}"#;
    let t = thing(body);
    let keys: Vec<&str> = t.extra.keys().map(String::as_str).collect();
    assert_eq!(keys, ["zeta", "alpha", "mid"]);
    assert_eq!(
        t.metrics.as_deref().map(|m| m.extra.get("new_count")),
        Some(Some(&json!(9)))
    );
    // And they come back on serialisation, nothing added, nothing lost.
    let back = reencode::<Thing>(body.as_bytes()).expect("reencodes");
    let original: Value = serde_json::from_str(body).expect("json");
    assert_eq!(json_equivalent(&original, &back), Ok(()));
}

#[test]
fn extra_takes_one_word_until_a_property_is_kept() {
    // Most objects have no unknown property: an empty `extra` is a null
    // pointer, not a whole map, in every model of a page.
    assert_eq!(std::mem::size_of::<Extra>(), std::mem::size_of::<usize>());
    let plain = thing(r#"{"id": "1", "metrics": {"likes": 3}}"#);
    assert!(plain.extra.is_empty());
    assert_eq!(plain.extra, Extra::new());
    assert_eq!(plain.extra.get("id"), None);
    // Kept properties behave as the map they are.
    let odd = thing(r#"{"id": "1", "b": 2, "a": [1]}"#);
    assert_eq!(odd.extra.keys().collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(
        serde_json::to_string(&odd).expect("encodes"),
        r#"{"id":"1","b":2,"a":[1]}"#
    );
    // A map emptied again equals an empty one.
    let mut extra = odd.extra.clone();
    extra.clear();
    assert_eq!(extra, Extra::new());
    let map: serde_json::Map<String, Value> = odd.extra.clone().into();
    assert_eq!(Extra::from(map), odd.extra);
    assert_eq!((&odd.extra).into_iter().count(), 2);
}

#[test]
fn open_enums_keep_unknown_values() {
    let t = thing(r#"{"colour": "ultraviolet"}"#);
    assert_eq!(t.colour, Some(Colour::Unknown("ultraviolet".into())));
    assert_eq!(
        serde_json::to_value(&t).expect("encodes")["colour"],
        "ultraviolet"
    );
    assert_eq!(
        thing(r#"{"colour": "dark_blue"}"#).colour,
        Some(Colour::DarkBlue)
    );
    assert!(Colour::Red.is_known() && !Colour::from_wire("x").is_known());
    assert_eq!(Colour::ALL, &[Colour::Red, Colour::DarkBlue]);
    assert_eq!("red".parse::<Colour>(), Ok(Colour::Red));
    // A number where a value is expected is taken as its text.
    assert_eq!(
        thing(r#"{"colour": 3}"#).colour,
        Some(Colour::Unknown("3".into()))
    );
}

#[test]
fn huge_integers_stay_exact_in_text_and_are_kept_as_received_in_numbers() {
    // Ids beyond 2^63 (and beyond 2^64) as numbers keep every digit as text.
    let t = thing(r#"{"id": 18446744073709551615}"#);
    assert_eq!(t.id.as_deref(), Some("18446744073709551615"));
    // In a 64-bit integer field the page still decodes: the field is left
    // empty and the value is kept, as received, under the field's name.
    for raw in [
        "18446744073709551615",
        "9223372036854775808",
        "-9223372036854775809",
        "1e30",
        "-1e30",
        r#""99999999999999999999""#,
        r#"" -99999999999999999999 ""#,
    ] {
        let body = format!(r#"{{"metrics": {{"likes": {raw}, "ratio": 0.5}}, "name": "n"}}"#);
        let t = thing(&body);
        let m = t.metrics.as_deref().expect("metrics");
        let original: Value = serde_json::from_str(raw).expect("json");
        assert_eq!(m.likes, None, "{raw}");
        assert_eq!(m.extra.get("likes"), Some(&original), "{raw}");
        assert_eq!((m.ratio, t.name.as_deref()), (Some(0.5), Some("n")));
        // Written back once, as received.
        let text = serde_json::to_string(&t).expect("encodes");
        assert_eq!(text.matches(r#""likes""#).count(), 1, "{text}");
        if !raw.contains('e') && !raw.starts_with('-') {
            assert!(text.contains(raw), "{text} lost the digits of {raw}");
        }
        let back = reencode::<Thing>(body.as_bytes()).expect("reencodes");
        assert_eq!(back["metrics"]["likes"], original, "{raw}");
        let whole: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json_equivalent(&whole, &back), Ok(()), "{raw}");
    }
    // Where there is no model to keep it in, the failure says why.
    let err = Option::<i64>::lenient(&mut serde_json::Deserializer::from_str(
        "18446744073709551615",
    ))
    .expect_err("out of range");
    assert!(err.to_string().contains("out of range"), "{err}");
}

#[test]
fn integer_fields_take_whole_numbers_up_to_the_64_bit_limits_and_nothing_else() {
    let likes = |raw: &str| {
        let t = thing(&format!(r#"{{"metrics": {{"likes": {raw}}}}}"#));
        let m = t.metrics.unwrap_or_default();
        (m.likes, m.extra.is_empty())
    };
    assert_eq!(likes("9223372036854775807"), (Some(i64::MAX), true));
    assert_eq!(likes("-9223372036854775808"), (Some(i64::MIN), true));
    assert_eq!(likes("9.2e18"), (Some(9_200_000_000_000_000_000), true));
    assert_eq!(likes("-9.2e18"), (Some(-9_200_000_000_000_000_000), true));
    assert_eq!(likes(r#""-9223372036854775808""#), (Some(i64::MIN), true));
    // A float that rounds to -2^63 may have been written one below it.
    assert_eq!(likes("-9223372036854775808.0"), (None, false));
    // Values that are not integers at all still fail the page.
    for raw in [
        "1.5",
        r#""many""#,
        r#""1.5""#,
        r#""""#,
        "true",
        "[1]",
        r#"{"a": 1}"#,
    ] {
        let body = format!(r#"{{"metrics": {{"likes": {raw}}}}}"#);
        let err = decode::<Thing>(body.as_bytes()).expect_err(&body);
        assert_eq!(err.path, "metrics.likes", "{body}");
    }
}

#[test]
fn the_last_of_repeated_keys_wins_over_a_kept_integer() {
    let metrics = |body: &str| thing(body).metrics.map(|m| *m).unwrap_or_default();
    let m = metrics(r#"{"metrics": {"likes": 1e30, "likes": 5}}"#);
    assert_eq!((m.likes, m.extra.len()), (Some(5), 0));
    let m = metrics(r#"{"metrics": {"likes": 5, "likes": 1e30}}"#);
    assert_eq!((m.likes, m.extra.get("likes")), (None, Some(&json!(1e30))));
    let m = metrics(r#"{"metrics": {"likes": 1e30, "likes": null}}"#);
    assert_eq!((m.likes, m.extra.len()), (None, 0));
    // Removing the kept value leaves the other unknown keys in arrival order.
    let m = metrics(r#"{"metrics": {"a": 1, "likes": 1e30, "b": 2, "c": 3, "likes": 4}}"#);
    let keys: Vec<&str> = m.extra.keys().map(String::as_str).collect();
    assert_eq!((m.likes, keys), (Some(4), vec!["a", "b", "c"]));
}

#[test]
fn a_list_of_integers_with_one_that_does_not_fit_is_kept_whole() {
    let m = thing(r#"{"metrics": {"ranges": [0, 18446744073709551615, "3", 1e30]}}"#)
        .metrics
        .map(|m| *m)
        .unwrap_or_default();
    assert_eq!(m.ranges, None);
    assert_eq!(
        m.extra.get("ranges"),
        Some(&json!([0, 18446744073709551615u64, 3, 1e30]))
    );
    let m = thing(r#"{"metrics": {"ranges": [0, "7", 2.0]}}"#)
        .metrics
        .map(|m| *m)
        .unwrap_or_default();
    assert_eq!((m.ranges, m.extra.len()), (Some(vec![0, 7, 2]), 0));
    // A wrong shape fails the page before and after a value kept as received.
    for body in [
        r#"{"metrics": {"ranges": [{}, 1e30]}}"#,
        r#"{"metrics": {"ranges": [1e30, {}]}}"#,
    ] {
        let err = decode::<Thing>(body.as_bytes()).expect_err(body);
        assert!(
            err.path.starts_with("metrics.ranges"),
            "{body}: {}",
            err.path
        );
    }
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Wide {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f00: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f01: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f02: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f03: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f04: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f05: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f06: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f07: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f08: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f09: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f10: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f11: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f12: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f13: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f14: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f15: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f16: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f17: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f18: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f19: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f20: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f21: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f22: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f23: Option<Text>,
    #[serde(flatten)]
    pub extra: Extra,
}
xapi_runtime::impl_model!(Wide {
    "f00" => f00,
    "f01" => f01,
    "f02" => f02,
    "f03" => f03,
    "f04" => f04,
    "f05" => f05,
    "f06" => f06,
    "f07" => f07,
    "f08" => f08,
    "f09" => f09,
    "f10" => f10,
    "f11" => f11,
    "f12" => f12,
    "f13" => f13,
    "f14" => f14,
    "f15" => f15,
    "f16" => f16,
    "f17" => f17,
    "f18" => f18,
    "f19" => f19,
    "f20" => f20,
    "f21" => f21,
    "f22" => f22,
    "f23" => f23,
});

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct WideList {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<Wide>>,
    #[serde(flatten)]
    pub extra: Extra,
}
xapi_runtime::impl_model!(WideList { "items" => items });

#[test]
fn lists_of_large_models_decode_whole_and_keep_little_spare() {
    assert!(std::mem::size_of::<Wide>() >= 512);
    for n in [0usize, 1, 4, 5, 6, 63, 64, 65, 100, 300] {
        let items: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"f00": "{i}", "f23": "item {i}", "odd": {i}}}"#))
            .collect();
        let body = format!(r#"{{"items": [{}]}}"#, items.join(","));
        let list = decode::<WideList>(body.as_bytes()).expect("decodes");
        let items = list.items.expect("items");
        assert_eq!(items.len(), n);
        for (i, item) in items.iter().enumerate() {
            assert_eq!(item.f00.as_deref(), Some(i.to_string().as_str()));
            assert_eq!(item.f23.as_deref(), Some(format!("item {i}").as_str()));
            assert_eq!(item.extra.get("odd"), Some(&Value::from(i)));
        }
        // A list that stops short of what was reserved gives the spare back.
        let spare = (items.capacity() - items.len()) * std::mem::size_of::<Wide>();
        assert!(spare <= 16 * 1024, "{n} items keep {spare} spare bytes");
    }
}

#[test]
fn models_in_lists_keep_integers_that_do_not_fit() {
    let list: Vec<Metrics> = Lenient::lenient(&mut serde_json::Deserializer::from_str(
        r#"[{"likes": 1}, {"likes": 18446744073709551615}]"#,
    ))
    .expect("decodes");
    assert_eq!(list.len(), 2);
    assert_eq!(list.first().and_then(|m| m.likes), Some(1));
    assert_eq!(
        list.get(1).map(|m| (m.likes, m.extra.get("likes"))),
        Some((None, Some(&json!(18446744073709551615u64))))
    );
}

#[test]
fn wrong_shapes_name_the_json_path() {
    let err =
        decode::<Thing>(br#"{"tags": ["a", {"x": 1}]}"#).expect_err("object in a list of text");
    assert_eq!(err.path, "tags[1]");
    let err = decode::<Thing>(b"[1]").expect_err("not an object");
    assert_eq!(err.path, ".");
    let err = decode::<Thing>(b"{\"name\": \"\xff\"}").expect_err("not UTF-8");
    assert!(!err.reason.is_empty());
}

#[test]
fn lenient_decodes_options_lists_and_maps_standalone() {
    let v: Option<Vec<i64>> =
        Lenient::lenient(&mut serde_json::Deserializer::from_str(r#"["1", 2, 3.0]"#))
            .expect("decodes");
    assert_eq!(v, Some(vec![1, 2, 3]));
    fn is_model<T: Model>() {}
    is_model::<Thing>();
    is_model::<Colour>();
}

#[test]
fn csv_lists_join_with_commas_and_parse_back() {
    let list: CsvList<Colour> = [Colour::Red, Colour::Unknown("x".into())].into();
    assert_eq!(list.to_string(), "red,x");
    let back: CsvList<Colour> = "red,x".parse().expect("parses");
    assert_eq!(back, list);
    assert_eq!(CsvList::<Colour>::default().to_string(), "");
}

#[test]
fn path_values_stay_one_segment() {
    for bad in ["", ".", ".."] {
        assert!(path_segment(bad).is_err(), "{bad:?} must be refused");
    }
    assert_eq!(path_segment("a/b").as_deref(), Ok("a%2Fb"));
    assert_eq!(path_segment("a\\b").as_deref(), Ok("a%5Cb"));
    assert_eq!(path_segment("a?b#c").as_deref(), Ok("a%3Fb%23c"));
    assert_eq!(path_segment("...").as_deref(), Ok("..."));
    assert_eq!(path_segment("é x").as_deref(), Ok("%C3%A9%20x"));
}

static PARAMS: &[Param] = &[
    Param {
        name: "id",
        location: ParamLocation::Path,
        required: true,
        ..Param::NONE
    },
    Param {
        name: "max_results",
        location: ParamLocation::Query,
        min: Some(5.0),
        max: Some(100.0),
        ..Param::NONE
    },
];

static TABLE: &[Operation] = &[Operation {
    id: "getThing",
    method: xapi_runtime::Method::Get,
    path: "/2/things/{id}",
    params: PARAMS,
    ..Operation::NONE
}];

#[test]
fn operations_are_found_by_id_or_method_and_path() {
    let by_id = Operation::find_in(TABLE, "getThing").expect("by id");
    let by_route = Operation::find_in(TABLE, " get /2/things/{id} ").expect("by route");
    assert!(std::ptr::eq(by_id, by_route));
    assert!(Operation::find_in(TABLE, "POST /2/things/{id}").is_none());
    assert_eq!(by_id.param("max_results").and_then(|p| p.max), Some(100.0));
}

#[test]
fn request_parts_fill_the_path_template() {
    let mut parts = RequestParts::new(&TABLE[0]);
    assert_eq!(parts.fill_path("/2/things/{id}"), Err("id".to_owned()));
    parts.set_path("id", "a b/..".to_owned());
    parts.set_query("max_results", "10".to_owned());
    parts.set_query("max_results", "20".to_owned());
    assert_eq!(
        parts.fill_path("/2/things/{id}").as_deref(),
        Ok("/2/things/a%20b%2F..")
    );
    assert_eq!(parts.query_value("max_results"), Some("20"));
    assert_eq!(parts.query.len(), 1);
    // Several parameters, text after the last one, a backslash, and a
    // brace that is never closed (kept as written).
    parts.set_path("list", "7\\8".to_owned());
    assert_eq!(
        parts
            .fill_path("/2/things/{id}/lists/{list}/members")
            .as_deref(),
        Ok("/2/things/a%20b%2F../lists/7%5C8/members")
    );
    assert_eq!(
        parts.fill_path("/2/{id}/x{tail").as_deref(),
        Ok("/2/a%20b%2F../x{tail")
    );
}

/// Pairs of (original, re-encoded) that lose or change something.
fn losses() -> Vec<(&'static str, Value, Value, &'static str)> {
    vec![
        ("a number changed", json!({"n": 1}), json!({"n": 2}), ".n"),
        (
            "a number changed beyond 2^53",
            json!({"n": 9007199254740993u64}),
            json!({"n": 9007199254740992u64}),
            ".n",
        ),
        (
            "a 64-bit integer became its nearest float",
            json!({"n": u64::MAX}),
            json!({"n": 18446744073709551615.0}),
            ".n",
        ),
        (
            "an integer lost precision in a float",
            json!({"n": 9007199254740993u64}),
            json!({"n": 9007199254740992.0}),
            ".n",
        ),
        (
            "a float lost precision",
            json!({"x": 0.30000000000000004}),
            json!({"x": 0.3}),
            ".x",
        ),
        (
            "a string became a different number",
            json!({"s": "9007199254740993"}),
            json!({"s": 9007199254740992u64}),
            ".s",
        ),
        (
            "a string became a different float",
            json!({"s": "0.1"}),
            json!({"s": 0.1000001}),
            ".s",
        ),
        (
            "a number became text the models do not write",
            json!({"n": 12.5}),
            json!({"n": "12.50"}),
            ".n",
        ),
        (
            "an integer became text with a leading zero",
            json!({"n": 1}),
            json!({"n": "01"}),
            ".n",
        ),
        (
            "a boolean became other text",
            json!({"b": true}),
            json!({"b": "TRUE"}),
            ".b",
        ),
        (
            "a number other than 0 and 1 became a boolean",
            json!({"b": 2}),
            json!({"b": true}),
            ".b",
        ),
        (
            "a key lost",
            json!({"a": {"k": false, "j": 1}}),
            json!({"a": {"j": 1}}),
            ".a.k",
        ),
        ("a key added", json!({}), json!({"new": 1}), ".new"),
        ("a null added", json!({}), json!({"new": null}), ".new"),
        (
            "a value became null",
            json!({"a": [1]}),
            json!({"a": [null]}),
            ".a[0]",
        ),
        (
            "an item added",
            json!({"l": [1, 2]}),
            json!({"l": [1, 2, 3]}),
            ".l",
        ),
        (
            "an item lost",
            json!({"l": [1, 2]}),
            json!({"l": [1]}),
            ".l",
        ),
        (
            "items reordered",
            json!({"l": [1, 2]}),
            json!({"l": [2, 1]}),
            ".l[0]",
        ),
        ("a list became an object", json!([]), json!({}), "."),
    ]
}

#[test]
fn round_trips_that_lose_something_are_differences() {
    for (what, original, reencoded, at) in losses() {
        match json_equivalent(&original, &reencoded) {
            Ok(()) => panic!("{what}: {original} and {reencoded} pass as equivalent"),
            Err((path, _)) => assert_eq!(path, at, "{what}"),
        }
    }
}

/// The differences of a round trip, as `(path, kind)`.
fn differences(original: &Value, reencoded: &Value) -> Vec<(String, String)> {
    json_differences(original, reencoded)
        .into_iter()
        .map(|d| (d.path, d.kind.to_string()))
        .collect()
}

#[test]
fn each_allowed_difference_is_reported_by_name() {
    let cases = [
        (
            "key-order",
            json!({"b": 1, "a": {"y": 1, "x": 2}}),
            json!({"a": {"x": 2, "y": 1}, "b": 1}),
            vec![".", ".a"],
        ),
        (
            "null-as-absent",
            json!({"a": null, "b": [{"c": null}]}),
            json!({"b": [{}]}),
            vec![".a", ".b[0].c"],
        ),
        (
            "number-as-text",
            json!({"id": 1790000000000000001u64, "n": -3, "f": 12.5, "big": 1e30, "w": 2.0}),
            json!({"id": "1790000000000000001", "n": "-3", "f": "12.5",
                   "big": "1000000000000000000000000000000", "w": "2"}),
            vec![".id", ".n", ".f", ".big", ".w"],
        ),
        (
            "bool-as-text",
            json!({"t": true, "f": false}),
            json!({"t": "true", "f": "false"}),
            vec![".t", ".f"],
        ),
        (
            "text-as-number",
            json!({"i": "42", "s": " -5 ", "f": "0.25", "g": "3", "big": "18446744073709551615"}),
            json!({"i": 42, "s": -5, "f": 0.25, "g": 3.0, "big": u64::MAX}),
            vec![".i", ".s", ".f", ".g", ".big"],
        ),
        (
            "text-as-bool",
            json!({"t": "true", "f": "false"}),
            json!({"t": true, "f": false}),
            vec![".t", ".f"],
        ),
        (
            "number-as-bool",
            json!({"t": 1, "f": 0}),
            json!({"t": true, "f": false}),
            vec![".t", ".f"],
        ),
        (
            "whole-float-as-integer",
            json!({"a": 3.0, "b": -1e3, "c": 9.2e18}),
            json!({"a": 3, "b": -1000, "c": 9200000000000000000u64}),
            vec![".a", ".b", ".c"],
        ),
        (
            "integer-as-float",
            json!({"a": 1, "b": -105, "c": 9007199254740992u64}),
            json!({"a": 1.0, "b": -105.0, "c": 9007199254740992.0}),
            vec![".a", ".b", ".c"],
        ),
    ];
    let mut seen = Vec::new();
    for (name, original, reencoded, paths) in cases {
        let kind = format!("allowed:{name}");
        let expected: Vec<(String, String)> = paths
            .iter()
            .map(|p| ((*p).to_owned(), kind.clone()))
            .collect();
        assert_eq!(differences(&original, &reencoded), expected, "{name}");
        assert_eq!(json_equivalent(&original, &reencoded), Ok(()), "{name}");
        seen.push(name);
    }
    // Every allowance has a case here, a name and a reason.
    let names: Vec<&str> = Allowance::ALL.iter().map(|a| a.name()).collect();
    assert_eq!(names, seen);
    for a in Allowance::ALL {
        assert!(a.reason().len() > 20, "{}: no reason given", a.name());
        assert_eq!(
            DifferenceKind::Allowed(*a).to_string(),
            format!("allowed:{}", a.name())
        );
    }
}

#[test]
fn the_comparator_documents_each_allowance() {
    let source = include_str!("../src/compare.rs");
    let doc: String = source
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("///"))
        .collect::<Vec<_>>()
        .join("\n");
    for a in Allowance::ALL {
        assert!(
            doc.contains(&format!("`{}`", a.name())),
            "{} is not in the documentation",
            a.name()
        );
    }
}

#[test]
fn differences_are_listed_in_order_with_their_kind() {
    let original = json!({"id": 7, "gone": null, "lost": "x", "m": {"likes": "3"}, "l": [1.0, 2]});
    let reencoded = json!({"id": "7", "m": {"likes": 4}, "l": [1, 2], "new": true});
    let found = json_differences(&original, &reencoded);
    let listed: Vec<(&str, String)> = found
        .iter()
        .map(|d| (d.path.as_str(), d.kind.to_string()))
        .collect();
    assert_eq!(
        listed,
        [
            (".id", "allowed:number-as-text".to_owned()),
            (".gone", "allowed:null-as-absent".to_owned()),
            (".lost", "difference".to_owned()),
            (".m.likes", "difference".to_owned()),
            (".l[0]", "allowed:whole-float-as-integer".to_owned()),
            (".new", "difference".to_owned()),
        ]
    );
    assert!(found.iter().all(|d| !d.detail.is_empty()));
    assert_eq!(found.get(2).map(|d| d.kind), Some(DifferenceKind::Loss));
    // The first loss is what `json_equivalent` reports.
    let (path, why) = json_equivalent(&original, &reencoded).expect_err("lost");
    assert_eq!(path, ".lost");
    assert!(why.contains("lost"), "{why}");
    // And every listed loss is one.
    for (what, original, reencoded, at) in losses() {
        let kinds: Vec<(String, String)> = differences(&original, &reencoded)
            .into_iter()
            .filter(|(_, kind)| kind == "difference")
            .collect();
        assert_eq!(kinds.first().map(|(p, _)| p.as_str()), Some(at), "{what}");
    }
    assert!(json_differences(&original, &original).is_empty());
}

#[test]
fn strings_that_are_not_finite_numbers_fail_a_float_field() {
    // Rust reads these as floats, but none comes back: a non-finite float
    // serialises as `null`.
    for raw in ["NaN", "nan", "inf", "-infinity", "1e400"] {
        let body = format!(r#"{{"metrics": {{"ratio": "{raw}"}}}}"#);
        let err = decode::<Thing>(body.as_bytes()).expect_err(&body);
        assert_eq!(err.path, "metrics.ratio", "{body}");
    }
    assert_eq!(
        thing(r#"{"metrics": {"ratio": " -2.5e3 "}}"#)
            .metrics
            .and_then(|m| m.ratio),
        Some(-2500.0)
    );
}

/// An enum declared with `string_enum!` outside the runtime gets its schema
/// from the declaring crate's `schemars` feature.
#[cfg(feature = "schemars")]
#[test]
fn string_enum_schema_lists_the_values_and_any_other_string() {
    let mut generator = xapi_runtime::schemars::gen::SchemaGenerator::default();
    let _ = generator.subschema_for::<Colour>();
    let definitions = serde_json::to_value(generator.definitions()).unwrap_or_default();
    assert_eq!(
        definitions["Colour"]["anyOf"][0]["enum"],
        json!(["red", "dark_blue"])
    );
    assert_eq!(definitions["Colour"]["anyOf"][1]["type"], json!("string"));
}
