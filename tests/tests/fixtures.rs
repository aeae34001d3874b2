//! Contract tests, one named test per fixture file: every fixture decodes,
//! round-trips, and survives the mutations the live API produces (unknown
//! fields, unknown enum values, omitted fields). Corpus-wide checks (coverage
//! of tags, statuses and streams) and the decoding edge cases follow.
//!
//! `cargo test -p xapi-tests --test fixtures -- searchPostsRecent` runs the
//! fixtures of one operation; each test is named
//! `roundtrip::<operation>/<file>` or `mutations::<operation>/<file>`.

use std::collections::{BTreeMap, BTreeSet};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use xapi_generated::ops::OPERATIONS;
use xapi_generated::runtime::{json_differences, Difference, DifferenceKind};
use xapi_tests::{fixtures, roundtrip, Fixture};

/// The allowed round-trip differences the fixture corpus shows, each with
/// where it comes from. A new one must be added here (with its source), one
/// no fixture shows any more removed: the list says what the models forgive
/// on real bodies, not what they could.
const CORPUS_ALLOWANCES: &[(&str, &str)] = &[
    (
        "key-order",
        "every object whose members the fixture writes in another order than the document",
    ),
    (
        "null-as-absent",
        "the null quirks: getRules/200_quirk_null_tag, streamPosts/200_quirk_null_tag, \
         getUsersByUsername/200_quirk_null_optional",
    ),
    (
        "number-as-text",
        "ids and a timestamp sent as numbers: getUsersById/200_quirk_id_as_number, \
         streamPosts/200_quirk_rule_id_number, getNews/200_quirk_timestamp_ms_number",
    ),
    (
        "text-as-number",
        "a count sent as a string: getPostsById/200_quirk_count_as_string",
    ),
    (
        "integer-as-float",
        "metric_value, a number the insights fixtures (getInsights28Hr, \
         getInsightsHistorical) fill with integers",
    ),
];

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for fixture in fixtures() {
        let name = fixture.name();
        let f = fixture.clone();
        trials.push(Trial::test(format!("roundtrip::{name}"), move || {
            fixture_round_trips(&f)
        }));
        trials.push(Trial::test(format!("mutations::{name}"), move || {
            fixture_mutations_round_trip(&fixture)
        }));
    }
    let corpus: [(&str, fn()); 8] = [
        ("corpus::is_present", corpus_is_present),
        (
            "corpus::round_trips_show_only_the_listed_allowances",
            round_trips_show_only_the_listed_allowances,
        ),
        (
            "corpus::fixtures_name_real_operations",
            fixtures_name_real_operations,
        ),
        (
            "corpus::fixtures_cover_every_tag_status_and_stream",
            fixtures_cover_every_tag_status_and_stream,
        ),
        (
            "decode::open_enums_keep_unknown_values",
            open_enums_keep_unknown_values,
        ),
        (
            "decode::lenient_numbers_strings_nulls_and_wide_timestamps",
            lenient_numbers_strings_nulls_and_wide_timestamps,
        ),
        (
            "decode::decode_failures_name_the_json_path",
            decode_failures_name_the_json_path,
        ),
        (
            "decode::integers_that_do_not_fit_are_kept_as_received",
            integers_that_do_not_fit_are_kept_as_received,
        ),
    ];
    for (name, test) in corpus {
        trials.push(Trial::test(name, move || {
            std::panic::catch_unwind(test).map_err(|e| {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "panicked".to_owned());
                Failed::from(msg)
            })
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn corpus_is_present() {
    let all = fixtures();
    assert!(
        all.len() > 150,
        "expected the fixture corpus, found {} files",
        all.len()
    );
}

/// Decodes `body`, serialises it back and lists the differences from the
/// original: `Err` with every loss, else the allowed differences.
fn round_trip(fixture: &Fixture, body: &[u8]) -> Result<Vec<Difference>, String> {
    let original: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let back = xapi_tests::reencode(fixture, body)?;
    let (losses, allowed): (Vec<Difference>, Vec<Difference>) = json_differences(&original, &back)
        .into_iter()
        .partition(|d| d.kind == DifferenceKind::Loss);
    if losses.is_empty() {
        return Ok(allowed);
    }
    let listed: Vec<String> = losses
        .iter()
        .map(|d| format!("{}: {}", d.path, d.detail))
        .collect();
    Err(listed.join("; "))
}

/// Every body of the file decodes and comes back without loss.
fn fixture_round_trips(fixture: &Fixture) -> Result<(), Failed> {
    let mut failures = Vec::new();
    let bodies = fixture.bodies();
    if bodies.is_empty() {
        return Err("no bodies in the file".into());
    }
    for (line, body) in bodies {
        if let Err(why) = round_trip(fixture, &body) {
            failures.push(format!("{}:{line}: {why}", fixture.name()));
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n").into())
    }
}

/// The allowances the corpus uses are exactly [`CORPUS_ALLOWANCES`].
fn round_trips_show_only_the_listed_allowances() {
    let mut used: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for fixture in fixtures() {
        for (line, body) in fixture.bodies() {
            for d in round_trip(&fixture, &body).unwrap_or_default() {
                if let DifferenceKind::Allowed(a) = d.kind {
                    let (count, examples) = used.entry(a.name().to_owned()).or_default();
                    *count += 1;
                    if examples.len() < 3 {
                        examples.push(format!(
                            "{}:{line} {}: {}",
                            fixture.name(),
                            d.path,
                            d.detail
                        ));
                    }
                }
            }
        }
    }
    let listed: BTreeSet<&str> = CORPUS_ALLOWANCES.iter().map(|(name, _)| *name).collect();
    let unlisted: Vec<String> = used
        .iter()
        .filter(|(name, _)| !listed.contains(name.as_str()))
        .map(|(name, (count, examples))| format!("{name} ({count}×), e.g. {examples:#?}"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "allowances the corpus uses but CORPUS_ALLOWANCES does not list:\n{}",
        unlisted.join("\n")
    );
    let unused: Vec<&&str> = listed.iter().filter(|n| !used.contains_key(**n)).collect();
    assert!(
        unused.is_empty(),
        "CORPUS_ALLOWANCES lists allowances no fixture shows: {unused:?}"
    );
}

fn fixtures_name_real_operations() {
    let ids: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.id).collect();
    for fixture in fixtures() {
        assert!(
            ids.contains(fixture.operation.as_str()),
            "{}: no such operation",
            fixture.name()
        );
        let op = OPERATIONS
            .iter()
            .find(|o| o.id == fixture.operation)
            .expect("checked above");
        if fixture.stream {
            assert!(
                op.is_streaming(),
                "{}: .jsonl for a non-streaming operation",
                fixture.name()
            );
        }
    }
}

fn fixtures_cover_every_tag_status_and_stream() {
    let all = fixtures();
    let by_op: BTreeMap<&str, Vec<&Fixture>> = all.iter().fold(BTreeMap::new(), |mut m, f| {
        m.entry(f.operation.as_str()).or_default().push(f);
        m
    });
    // Every tag (but General, which only serves the document itself).
    let tags: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.tag).collect();
    for tag in tags {
        if tag == "General" {
            continue;
        }
        let covered = OPERATIONS
            .iter()
            .filter(|o| o.tag == tag)
            .any(|o| by_op.contains_key(o.id));
        assert!(covered, "tag {tag} has no fixture");
    }
    // Every operation with a JSON success body has a success fixture.
    for op in OPERATIONS.iter().filter(|o| o.response.is_some()) {
        let ok = by_op
            .get(op.id)
            .is_some_and(|fs| fs.iter().any(|f| (200..300).contains(&f.status)));
        assert!(ok, "{} has no success fixture", op.id);
    }
    // Every error status the API uses.
    for status in [400, 401, 403, 404, 409, 429, 500, 503] {
        assert!(
            all.iter().any(|f| f.status == status),
            "no fixture for status {status}"
        );
    }
    // Partial errors beside data in a 200.
    let partial = all
        .iter()
        .filter(|f| f.status == 200 && !f.stream)
        .filter(|f| {
            let v: Value = serde_json::from_slice(&f.bodies()[0].1).unwrap_or(Value::Null);
            v.get("data").is_some() && v.get("errors").is_some()
        })
        .count();
    assert!(partial >= 3, "only {partial} fixtures carry partial errors");
    // Streams: keep-alives, and an operational disconnect.
    for op in OPERATIONS.iter().filter(|o| o.is_streaming()) {
        let files: Vec<&&Fixture> = by_op
            .get(op.id)
            .map(|v| v.iter().filter(|f| f.stream).collect())
            .unwrap_or_default();
        assert!(
            !files.is_empty(),
            "streaming operation {} has no .jsonl fixture",
            op.id
        );
        let has_keepalive = files.iter().any(|f| {
            std::fs::read_to_string(&f.path)
                .map(|t| t.lines().any(|l| l.trim().is_empty()))
                .unwrap_or(false)
        });
        assert!(has_keepalive, "{} fixtures have no keep-alive line", op.id);
    }
    let disconnect = all.iter().filter(|f| f.stream).any(|f| {
        std::fs::read_to_string(&f.path)
            .map(|t| t.contains("operational-disconnect"))
            .unwrap_or(false)
    });
    assert!(
        disconnect,
        "no stream fixture ends with an operational disconnect"
    );
}

/// Calls `f` on every object in `v` with its path.
fn objects_mut(v: &mut Value, f: &mut dyn FnMut(&mut serde_json::Map<String, Value>)) {
    match v {
        Value::Object(map) => {
            for child in map.values_mut() {
                objects_mut(child, f);
            }
            f(map);
        }
        Value::Array(items) => items.iter_mut().for_each(|x| objects_mut(x, f)),
        _ => {}
    }
}

/// JSON pointers of every object, string and key in `v`.
fn pointers(
    v: &Value,
    at: String,
    objects: &mut Vec<String>,
    strings: &mut Vec<String>,
    keys: &mut Vec<String>,
) {
    match v {
        Value::Object(map) => {
            objects.push(at.clone());
            for (k, child) in map {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                keys.push(p.clone());
                pointers(child, p, objects, strings, keys);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), objects, strings, keys);
            }
        }
        Value::String(s) if s.parse::<f64>().is_err() && s != "true" && s != "false" => {
            strings.push(at)
        }
        _ => {}
    }
}

fn check(fixture: &Fixture, mutated: &Value, what: &str, failures: &mut Vec<String>) {
    let body = serde_json::to_vec(mutated).expect("serialises");
    if let Err(why) = roundtrip(fixture, &body) {
        failures.push(format!("{} ({what}): {why}", fixture.name()));
    }
}

fn fixture_mutations_round_trip(fixture: &Fixture) -> Result<(), Failed> {
    let mut failures = Vec::new();
    let mut mutations = 0usize;
    for (_, body) in fixture.bodies() {
        let Ok(original) = serde_json::from_slice::<Value>(&body) else {
            continue;
        };
        let (mut objects, mut strings, mut keys) = (Vec::new(), Vec::new(), Vec::new());
        pointers(
            &original,
            String::new(),
            &mut objects,
            &mut strings,
            &mut keys,
        );

        // 1. An unknown field at every object level, all at once and one by one.
        let mut all = original.clone();
        objects_mut(&mut all, &mut |m| {
            m.insert(
                "zz_unknown_field".into(),
                serde_json::json!({"nested": [1, "two", null]}),
            );
        });
        check(fixture, &all, "unknown field everywhere", &mut failures);
        mutations += 1;
        for ptr in &objects {
            let mut m = original.clone();
            if let Some(Value::Object(map)) = m.pointer_mut(ptr) {
                map.insert("zz_unknown_scalar".into(), Value::from(42));
            }
            check(
                fixture,
                &m,
                &format!("unknown field at {ptr:?}"),
                &mut failures,
            );
            mutations += 1;
        }
        // 2. Every string value (enum values among them) replaced by one no document lists.
        for ptr in &strings {
            let mut m = original.clone();
            if let Some(v) = m.pointer_mut(ptr) {
                *v = Value::from("zz_value_from_the_future");
            }
            check(
                fixture,
                &m,
                &format!("unknown value at {ptr}"),
                &mut failures,
            );
            mutations += 1;
        }
        // 3. Every field dropped (the live API omits even "required" ones).
        for ptr in &keys {
            let mut m = original.clone();
            if let Some((parent, key)) = ptr.rsplit_once('/') {
                let key = key.replace("~1", "/").replace("~0", "~");
                if let Some(Value::Object(map)) = m.pointer_mut(parent) {
                    map.remove(&key);
                }
            }
            check(fixture, &m, &format!("dropped {ptr}"), &mut failures);
            mutations += 1;
        }
    }
    if mutations == 0 {
        return Err("no mutation applied".into());
    }
    if failures.is_empty() {
        return Ok(());
    }
    let shown: Vec<&String> = failures.iter().take(20).collect();
    Err(format!(
        "{} of {mutations} mutations failed, first ones:\n{shown:#?}",
        failures.len()
    )
    .into())
}

fn open_enums_keep_unknown_values() {
    use xapi_generated::models::{ReplySettings, TweetField};
    let v: ReplySettings = serde_json::from_str("\"only_from_the_future\"").expect("decodes");
    assert_eq!(v, ReplySettings::Unknown("only_from_the_future".into()));
    assert_eq!(
        serde_json::to_string(&v).expect("encodes"),
        "\"only_from_the_future\""
    );
    assert!(TweetField::ALL.contains(&TweetField::PublicMetrics));
    assert_eq!(
        "public_metrics".parse::<TweetField>(),
        Ok(TweetField::PublicMetrics)
    );
    assert_eq!(TweetField::PublicMetrics.to_string(), "public_metrics");
}

fn lenient_numbers_strings_nulls_and_wide_timestamps() {
    use xapi_generated::models::{Tweet, User};
    let t: Tweet = serde_json::from_str(
        r#"{"id": 1790000000000000001, "text": "hi", "public_metrics": {"like_count": "7", "retweet_count": 1},
            "withheld": null, "edit_controls": {"edits_remaining": "5", "is_edit_eligible": true}}"#,
    )
    .expect("decodes");
    assert_eq!(t.id.as_deref(), Some("1790000000000000001"));
    let m = t.public_metrics.as_ref().expect("metrics");
    assert_eq!(m.like_count, Some(7));
    assert_eq!(
        m.bookmark_count, None,
        "absent although the document requires it"
    );
    assert!(t.withheld.is_none());
    assert_eq!(
        t.edit_controls.as_ref().and_then(|e| e.edits_remaining),
        Some(5)
    );
    let u: User =
        serde_json::from_str(r#"{"id": "1", "name": "n", "username": "u", "brand_new": {"x": 1}}"#)
            .expect("decodes");
    assert_eq!(u.extra.get("brand_new"), Some(&serde_json::json!({"x": 1})));
    let back = serde_json::to_value(&u).expect("encodes");
    assert_eq!(back["brand_new"]["x"], 1);
    // A 64-bit timestamp where the document says int32.
    let line = r#"{"data": {"id": "1", "text": "t"}, "matching_rules": [{"id": 1790000000000000002, "tag": null}]}"#;
    let msg: xapi_generated::models::FilteredStreamingTweetResponse =
        serde_json::from_str(line).expect("decodes");
    assert_eq!(
        msg.matching_rules.as_ref().map(|r| r[0].id.clone()),
        Some(Some("1790000000000000002".into()))
    );
}

fn decode_failures_name_the_json_path() {
    let body = br#"{"data": [{"id": "1", "text": "a"}, {"id": "2", "public_metrics": {"like_count": "many"}}]}"#;
    let err = xapi_generated::ops::reencode_success("searchPostsRecent", body)
        .expect("known operation")
        .expect_err("must fail");
    assert_eq!(err.path, "data[1].public_metrics.like_count");
    assert!(err.reason.contains("many"), "{}", err.reason);
}

fn integers_that_do_not_fit_are_kept_as_received() {
    use xapi_generated::models::Tweet;
    let body = r#"{"data": [{"id": "1", "text": "a", "display_text_range": [0, 1e30],
        "public_metrics": {"like_count": 18446744073709551615, "retweet_count": 2}}]}"#;
    let back = xapi_generated::ops::reencode_success("searchPostsRecent", body.as_bytes())
        .expect("known operation")
        .expect("decodes");
    let original: Value = serde_json::from_str(body).expect("json");
    let losses: Vec<Difference> = json_differences(&original, &back)
        .into_iter()
        .filter(|d| d.kind == DifferenceKind::Loss)
        .collect();
    assert!(losses.is_empty(), "{losses:#?}");
    let t: Tweet = serde_json::from_value(original["data"][0].clone()).expect("decodes");
    let m = t.public_metrics.as_ref().expect("metrics");
    assert_eq!((m.like_count, m.retweet_count), (None, Some(2)));
    assert_eq!(
        m.extra.get("like_count"),
        Some(&serde_json::json!(18446744073709551615u64))
    );
    assert_eq!(t.display_text_range, None);
    assert_eq!(
        t.extra.get("display_text_range"),
        Some(&serde_json::json!([0, 1e30]))
    );
    let text = serde_json::to_string(&t).expect("encodes");
    assert_eq!(text.matches("like_count").count(), 1, "{text}");
    assert!(text.contains("18446744073709551615"), "{text}");
}
