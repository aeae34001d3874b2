//! Refusing invalid requests before anything is sent.
//!
//! The rules come from the operation table, which the code generator fills in
//! from the API document's parameter constraints: required parameters,
//! patterns, numeric ranges, string lengths and list sizes.
//!
//! Two rules the table cannot express are added here: time parameters must
//! be RFC 3339 date-times, and `start_time` must not come after `end_time`
//! when an operation is given both.
//!
//! A JSON request body is checked against the shape the table gives for it
//! ([`Shape`]): types, required properties, patterns, string lengths,
//! numeric ranges, list sizes and alternatives. A fault is named by its path
//! in the body (`body.reply.in_reply_to_tweet_id`, `body.media_ids[2]`).
//! Enum values and properties the document does not list are left to the
//! API, so a value it accepts before the document says so can be sent.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;
use xapi_generated::runtime::{Operation, Param, ParamLocation, RequestParts, Shape};

/// A broken rule: the parameter and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Wire name of the parameter.
    pub parameter: String,
    /// The rule, in words.
    pub rule: String,
}

fn pattern_matches(pattern: &'static str, value: &str) -> bool {
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Option<regress::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let Ok(mut cache) = cache.lock() else {
        return true;
    };
    let regex = cache
        .entry(pattern)
        .or_insert_with(|| regress::Regex::new(pattern).ok());
    match regex {
        Some(r) => r.find(value).is_some(),
        // A pattern we cannot compile does not block the request.
        None => true,
    }
}

fn check_scalar(param: &Param, value: &str, what: &str) -> Option<String> {
    if let Some(fault) = text_fault(value, param.pattern, param.min_length, param.max_length) {
        return Some(format!("{what} {fault}"));
    }
    if param.min.is_some() || param.max.is_some() {
        match value.parse::<f64>() {
            // `NaN` parses, and compares neither below nor above a bound.
            Ok(n) if n.is_nan() => return Some(format!("{what} must be a number (is {value:?})")),
            Ok(n) => {
                if let Some(fault) = range_fault(n, value, param.min, param.max) {
                    return Some(format!("{what} {fault}"));
                }
            }
            Err(_) => return Some(format!("{what} must be a number (is {value:?})")),
        }
    }
    None
}

/// What `text` breaks of a pattern and length bounds (in characters), if
/// anything: the rule, for parameters and body strings alike.
fn text_fault(
    text: &str,
    pattern: Option<&'static str>,
    min_length: Option<usize>,
    max_length: Option<usize>,
) -> Option<String> {
    if let Some(pattern) = pattern {
        if !pattern_matches(pattern, text) {
            return Some(format!("{text:?} does not match the pattern {pattern}"));
        }
    }
    let chars = text.chars().count();
    if let Some(min) = min_length.filter(|m| chars < *m) {
        return Some(format!(
            "must be at least {min} characters long (is {chars})"
        ));
    }
    if let Some(max) = max_length.filter(|m| chars > *m) {
        return Some(format!(
            "must be at most {max} characters long (is {chars})"
        ));
    }
    None
}

/// What `n` (written as `shown`) breaks of numeric bounds, if anything.
fn range_fault(
    n: f64,
    shown: impl std::fmt::Display,
    min: Option<f64>,
    max: Option<f64>,
) -> Option<String> {
    if let Some(min) = min.filter(|m| n < *m) {
        return Some(format!("must be at least {min} (is {shown})"));
    }
    if let Some(max) = max.filter(|m| n > *m) {
        return Some(format!("must be at most {max} (is {shown})"));
    }
    None
}

/// What a list of `n` items breaks of item-count bounds, if anything.
fn count_fault(n: usize, min_items: Option<usize>, max_items: Option<usize>) -> Option<String> {
    if let Some(min) = min_items.filter(|m| n < *m) {
        return Some(format!("needs at least {min} item(s) (has {n})"));
    }
    if let Some(max) = max_items.filter(|m| n > *m) {
        return Some(format!("takes at most {max} items (has {n})"));
    }
    None
}

/// Wire names of the parameters that take a date-time.
///
/// The operation table carries no `format`, so they are known by name: in
/// the API document (2.159) every parameter with `format: date-time` is
/// called `start_time` or `end_time`, and no other parameter has either name.
const DATE_TIME_PARAMS: [&str; 2] = ["start_time", "end_time"];

/// An instant read from an RFC 3339 date-time: seconds since 1970-01-01T00:00:00Z
/// and the nanoseconds of the fraction (digits past the ninth are ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Whole seconds since the Unix epoch, in UTC.
    pub seconds: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)` (RFC 3339,
/// section 5.6; `T` and `Z` may be lower case). The date must exist (leap
/// years included); a second of 60 is accepted as RFC 3339 allows it for
/// leap seconds. `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    let digits = |from: usize, n: usize| -> Option<u32> {
        let slice = b.get(from..from + n)?;
        slice.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let byte = |at: usize, allowed: &[u8]| b.get(at).is_some_and(|c| allowed.contains(c));
    if !(byte(4, b"-") && byte(7, b"-") && byte(10, b"Tt") && byte(13, b":") && byte(16, b":")) {
        return None;
    }
    let year = digits(0, 4)?;
    let month = digits(5, 2)?;
    let day = digits(8, 2)?;
    let hour = digits(11, 2)?;
    let minute = digits(14, 2)?;
    let second = digits(17, 2)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut at = 19;
    let mut nanos = 0u32;
    if byte(at, b".") {
        at += 1;
        let start = at;
        while let Some(d) = b.get(at).filter(|d| d.is_ascii_digit()) {
            if at - start < 9 {
                nanos = nanos * 10 + u32::from(d - b'0');
            }
            at += 1;
        }
        let kept = (at - start).min(9);
        if kept == 0 {
            return None;
        }
        nanos *= 10u32.pow(9 - kept as u32);
    }
    let offset_seconds: i64 = if byte(at, b"Zz") {
        at += 1;
        0
    } else if byte(at, b"+-") {
        let sign = if byte(at, b"-") { -1 } else { 1 };
        let oh = digits(at + 1, 2)?;
        let om = digits(at + 4, 2)?;
        if !byte(at + 3, b":") || oh > 23 || om > 59 {
            return None;
        }
        at += 6;
        sign * i64::from(oh * 3600 + om * 60)
    } else {
        return None;
    };
    if at != b.len() {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let local = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Some(Timestamp {
        seconds: local - offset_seconds,
        nanos,
    })
}

fn is_leap_year(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Count years from March, so that the leap day ends the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `start_time` must not come after `end_time` when both are given and both
/// read as date-times (one that does not is refused on its own). Equal
/// times are left to the API: the document says nothing about them.
fn check_time_range(operation: &Operation, parts: &RequestParts) -> Result<(), Violation> {
    if operation.param("start_time").is_none() || operation.param("end_time").is_none() {
        return Ok(());
    }
    let (Some(start_text), Some(end_text)) = (
        parts.query_value("start_time"),
        parts.query_value("end_time"),
    ) else {
        return Ok(());
    };
    let (Some(start), Some(end)) = (parse_rfc3339(start_text), parse_rfc3339(end_text)) else {
        return Ok(());
    };
    if start <= end {
        return Ok(());
    }
    Err(Violation {
        parameter: "start_time".to_owned(),
        rule: format!("{start_text:?} is after end_time {end_text:?}: the range is reversed"),
    })
}

/// Checks `parts` against `operation`'s parameter constraints.
pub fn check(operation: &Operation, parts: &RequestParts) -> Result<(), Violation> {
    check_params(operation, parts)?;
    check_time_range(operation, parts)?;
    check_body(operation, parts)
}

/// Checks the JSON body of `parts` against the shape `operation` gives it.
fn check_body(operation: &Operation, parts: &RequestParts) -> Result<(), Violation> {
    let Some(body) = operation.body else {
        return Ok(());
    };
    let Some(bytes) = &parts.body else {
        if body.required {
            return Err(Violation {
                parameter: "body".to_owned(),
                rule: "is required".to_owned(),
            });
        }
        return Ok(());
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| Violation {
        parameter: "body".to_owned(),
        rule: format!("is not JSON: {e}"),
    })?;
    let mut path = String::from("body");
    check_shape(&body.shape, &value, &mut path)
}

/// What a JSON value is, in words.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Whether `n` is a whole number (however it is written).
fn is_integer(n: &serde_json::Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// A violation of `rule` at `path`.
fn fault(path: &str, rule: String) -> Result<(), Violation> {
    Err(Violation {
        parameter: path.to_owned(),
        rule,
    })
}

/// Checks a JSON number at `path` against numeric bounds.
fn number_fault(
    path: &str,
    n: &serde_json::Number,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<(), Violation> {
    let v = n.as_f64().unwrap_or(f64::NAN);
    match range_fault(v, v, min, max) {
        Some(rule) => fault(path, rule),
        None => Ok(()),
    }
}

/// Checks `value` against `shape`; `path` names `value` in the body and is
/// left as it was on return.
fn check_shape(shape: &Shape, value: &Value, path: &mut String) -> Result<(), Violation> {
    let wrong_type = |path: &str, expected: &str| {
        fault(path, format!("must be {expected} (is {})", kind(value)))
    };
    match (shape, value) {
        (Shape::Any, _) => Ok(()),
        (Shape::Nullable(_), Value::Null) => Ok(()),
        (Shape::Nullable(inner), _) => check_shape(inner, value, path),
        (Shape::Object(properties), Value::Object(map)) => {
            for property in properties.iter() {
                let len = path.len();
                path.push('.');
                path.push_str(property.name);
                let outcome = match map.get(property.name) {
                    Some(v) => check_shape(&property.shape, v, path),
                    None if property.required => fault(path, "is required".to_owned()),
                    None => Ok(()),
                };
                path.truncate(len);
                outcome?;
            }
            Ok(())
        }
        (Shape::Object(_), _) => wrong_type(path, "an object"),
        (
            Shape::Array {
                items,
                min_items,
                max_items,
            },
            Value::Array(list),
        ) => {
            if let Some(rule) = count_fault(list.len(), *min_items, *max_items) {
                return fault(path, rule);
            }
            for (i, item) in list.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let outcome = check_shape(items, item, path);
                path.truncate(len);
                outcome?;
            }
            Ok(())
        }
        (Shape::Array { .. }, _) => wrong_type(path, "a list"),
        (
            Shape::String {
                pattern,
                min_length,
                max_length,
            },
            Value::String(text),
        ) => match text_fault(text, *pattern, *min_length, *max_length) {
            Some(rule) => fault(path, rule),
            None => Ok(()),
        },
        (Shape::String { .. }, _) => wrong_type(path, "a string"),
        (Shape::Integer { min, max }, Value::Number(n)) if is_integer(n) => {
            number_fault(path, n, *min, *max)
        }
        (Shape::Integer { .. }, _) => wrong_type(path, "a whole number"),
        (Shape::Number { min, max }, Value::Number(n)) => number_fault(path, n, *min, *max),
        (Shape::Number { .. }, _) => wrong_type(path, "a number"),
        (Shape::Boolean, Value::Bool(_)) => Ok(()),
        (Shape::Boolean, _) => wrong_type(path, "true or false"),
        (Shape::AllOf(all), _) => all.iter().try_for_each(|s| check_shape(s, value, path)),
        (Shape::AnyOf(forms), _) => {
            let mut faults = Vec::with_capacity(forms.len());
            for form in forms.iter() {
                match check_shape(form, value, path) {
                    Ok(()) => return Ok(()),
                    Err(v) => faults.push(format!("{} {}", v.parameter, v.rule)),
                }
            }
            Err(Violation {
                parameter: path.clone(),
                rule: format!(
                    "matches none of its {} accepted forms: {}",
                    forms.len(),
                    faults.join("; or ")
                ),
            })
        }
    }
}

/// Whether `name` carries a page token of `operation` (the one the table
/// names, or one of the document's two spellings).
fn is_page_token(operation: &Operation, name: &str) -> bool {
    operation.pagination.token_param() == Some(name)
        || matches!(name, "pagination_token" | "next_token")
}

fn check_params(operation: &Operation, parts: &RequestParts) -> Result<(), Violation> {
    for param in operation.params {
        let value = match param.location {
            ParamLocation::Path => parts.path_value(param.name),
            ParamLocation::Query => parts.query_value(param.name),
            ParamLocation::Header | ParamLocation::Cookie => continue,
        };
        let Some(value) = value else {
            if param.required {
                return Err(Violation {
                    parameter: param.name.to_owned(),
                    rule: "is required".to_owned(),
                });
            }
            continue;
        };
        let fail = |rule: String| {
            Err(Violation {
                parameter: param.name.to_owned(),
                rule,
            })
        };
        if param.location == ParamLocation::Path && value.is_empty() {
            return fail("must not be empty".to_owned());
        }
        if param.location == ParamLocation::Path && matches!(value, "." | "..") {
            // A dot segment would be resolved away and reach another endpoint.
            return fail("must not be `.` or `..`".to_owned());
        }
        if is_page_token(operation, param.name) {
            // Tokens are opaque: the API's own, sent back as they came,
            // whatever the document's example length or pattern. Only an
            // empty one is never a token.
            if value.is_empty() {
                return fail("must not be empty".to_owned());
            }
            continue;
        }
        if param.array {
            let items: Vec<&str> = if value.is_empty() {
                Vec::new()
            } else {
                value.split(',').collect()
            };
            if let Some(rule) = count_fault(items.len(), param.min_items, param.max_items) {
                return fail(rule);
            }
            for (i, item) in items.iter().enumerate() {
                if item.is_empty() {
                    return fail(format!("item {i} is empty"));
                }
                if let Some(rule) = check_scalar(param, item, &format!("item {i}")) {
                    return fail(rule);
                }
            }
        } else if let Some(rule) = check_scalar(param, value, "value") {
            return fail(rule);
        } else if DATE_TIME_PARAMS.contains(&param.name) && parse_rfc3339(value).is_none() {
            return fail(format!(
                "{value:?} is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SSZ, with an \
                 optional fraction of a second and Z or an offset such as +02:00)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> &'static Operation {
        xapi_generated::ops::find(id).expect("operation exists")
    }

    fn parts(path: &[(&'static str, &str)], query: &[(&'static str, &str)]) -> RequestParts {
        let mut p = RequestParts::default();
        for (k, v) in path {
            p.set_path(k, (*v).to_owned());
        }
        for (k, v) in query {
            p.set_query(k, (*v).to_owned());
        }
        p
    }

    #[test]
    fn constraints_come_from_the_document() {
        let search = op("searchPostsRecent");
        assert!(check(search, &parts(&[], &[("query", "rust")])).is_ok());
        let missing = check(search, &parts(&[], &[])).expect_err("query is required");
        assert_eq!(missing.parameter, "query");
        let range = check(
            search,
            &parts(&[], &[("query", "rust"), ("max_results", "5")]),
        )
        .expect_err("below 10");
        assert_eq!(range.parameter, "max_results");
        assert!(range.rule.contains("at least 10"), "{}", range.rule);
        for not_a_number in ["NaN", "nan", "ten", ""] {
            let n = check(
                search,
                &parts(&[], &[("query", "rust"), ("max_results", not_a_number)]),
            )
            .expect_err("not a number");
            assert_eq!(n.parameter, "max_results");
            assert!(n.rule.contains("must be a number"), "{}", n.rule);
        }
        let id = check(op("getPostsById"), &parts(&[("id", "12ab")], &[])).expect_err("bad id");
        assert_eq!(id.parameter, "id");
        let many: Vec<String> = (0..101).map(|i| (1_000 + i).to_string()).collect();
        let ids = check(
            op("getPostsByIds"),
            &parts(&[], &[("ids", &many.join(","))]),
        )
        .expect_err("too many");
        assert!(ids.rule.contains("at most 100"), "{}", ids.rule);
        let user = check(
            op("getUsersByUsername"),
            &parts(&[("username", "bad name!")], &[]),
        )
        .expect_err("pattern");
        assert_eq!(user.parameter, "username");
    }

    #[test]
    fn rfc3339_date_times_are_read() {
        let at = |text: &str| parse_rfc3339(text).map(|t| (t.seconds, t.nanos));
        assert_eq!(at("1970-01-01T00:00:00Z"), Some((0, 0)));
        assert_eq!(at("2024-05-01T10:00:00Z"), Some((1_714_557_600, 0)));
        assert_eq!(at("2024-05-01t10:00:00z"), Some((1_714_557_600, 0)));
        // The offset is applied: 12:00 at +02:00 is 10:00 UTC.
        assert_eq!(at("2024-05-01T12:00:00+02:00"), Some((1_714_557_600, 0)));
        assert_eq!(at("2024-05-01T07:30:00-02:30"), Some((1_714_557_600, 0)));
        assert_eq!(
            at("2024-05-01T10:00:00.5Z"),
            Some((1_714_557_600, 500_000_000))
        );
        assert_eq!(
            at("2024-05-01T10:00:00.1234567891Z"),
            Some((1_714_557_600, 123_456_789))
        );
        assert_eq!(at("2024-02-29T00:00:00Z"), Some((1_709_164_800, 0)));
        assert_eq!(at("1969-12-31T23:59:59Z"), Some((-1, 0)));
        assert!(at("2016-12-31T23:59:60Z").is_some(), "leap second");
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T10:00:00",
            "2024-05-01 10:00:00Z",
            "2024-05-01T10:00Z",
            "2024-5-01T10:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T10:60:00Z",
            "2024-05-01T10:00:61Z",
            "2024-05-01T10:00:00.Z",
            "2024-05-01T10:00:00+0200",
            "2024-05-01T10:00:00+24:00",
            "2024-05-01T10:00:00Z ",
            "2024-05-01T10:00:00ZZ",
            "yesterday",
            "1714557600",
            "２０２４-05-01T10:00:00Z",
        ] {
            assert_eq!(at(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn time_parameters_must_be_rfc3339() {
        let search = op("searchPostsRecent");
        for name in DATE_TIME_PARAMS {
            assert!(search.param(name).is_some(), "{name}");
            let ok = parts(&[], &[("query", "rust"), (name, "2024-05-01T10:00:00Z")]);
            assert!(check(search, &ok).is_ok(), "{name}");
            let bad = check(
                search,
                &parts(&[], &[("query", "rust"), (name, "2024-05-01")]),
            )
            .expect_err("not a date-time");
            assert_eq!(bad.parameter, name);
            assert!(bad.rule.contains("RFC 3339"), "{}", bad.rule);
        }
        // Another query parameter with a time-like value is left alone.
        let other = parts(&[], &[("query", "rust"), ("next_token", "2024-05-01")]);
        assert!(check(search, &other).is_ok());
    }

    #[test]
    fn start_time_must_not_come_after_end_time() {
        let range = |start: &str, end: &str| {
            parts(
                &[],
                &[("query", "rust"), ("start_time", start), ("end_time", end)],
            )
        };
        let search = op("searchPostsAll");
        assert!(check(
            search,
            &range("2024-05-01T10:00:00Z", "2024-05-01T10:00:01Z")
        )
        .is_ok());
        // Equal times are not reversed.
        assert!(check(
            search,
            &range("2024-05-01T10:00:00Z", "2024-05-01T12:00:00+02:00")
        )
        .is_ok());
        // In order once the offsets are applied, though not as text.
        assert!(check(
            search,
            &range("2024-05-01T11:00:00+02:00", "2024-05-01T10:00:00Z")
        )
        .is_ok());
        for (start, end) in [
            ("2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z"),
            ("2024-05-01T10:00:01Z", "2024-05-01T10:00:00Z"),
            ("2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00.25Z"),
            ("2024-05-01T09:00:00-02:00", "2024-05-01T10:00:00Z"),
        ] {
            let v = check(search, &range(start, end)).expect_err("reversed");
            assert_eq!(v.parameter, "start_time", "{start} {end}");
            assert!(v.rule.contains("is after end_time"), "{}", v.rule);
        }
        // Only one of the two: nothing to compare.
        let only_start = parts(
            &[],
            &[("query", "rust"), ("start_time", "2030-01-01T00:00:00Z")],
        );
        assert!(check(search, &only_start).is_ok());
        // A user timeline has both parameters too.
        let timeline = op("getUsersPosts");
        let reversed = parts(
            &[("id", "1")],
            &[
                ("start_time", "2024-05-02T00:00:00Z"),
                ("end_time", "2024-05-01T00:00:00Z"),
            ],
        );
        assert_eq!(
            check(timeline, &reversed).map_err(|v| v.parameter),
            Err("start_time".to_owned())
        );
    }

    fn with_body(path: &[(&'static str, &str)], body: &str) -> RequestParts {
        let mut p = parts(path, &[]);
        p.body = Some(body.as_bytes().to_vec());
        p
    }

    /// The parameter and rule of a refused body, or "accepted".
    fn verdict(id: &str, path: &[(&'static str, &str)], body: Option<&str>) -> String {
        let p = match body {
            Some(b) => with_body(path, b),
            None => parts(path, &[]),
        };
        match check(op(id), &p) {
            Ok(()) => "accepted".to_owned(),
            Err(v) => format!("{}: {}", v.parameter, v.rule),
        }
    }

    #[test]
    fn bodies_are_checked_against_the_document() {
        let post = |b: &str| verdict("createPosts", &[], Some(b));
        assert_eq!(post(r#"{"text":"hi"}"#), "accepted");
        assert_eq!(
            post(r#"{"text":5}"#),
            "body.text: must be a string (is a number)"
        );
        assert_eq!(post("[]"), "body: must be an object (is a list)");
        assert_eq!(
            post(r#"{"media":{"media_ids":["1","x"]}}"#),
            "body.media.media_ids[1]: \"x\" does not match the pattern ^[0-9]{1,19}$"
        );
        assert_eq!(
            post(r#"{"media":{"media_ids":[]}}"#),
            "body.media.media_ids: needs at least 1 item(s) (has 0)"
        );
        assert_eq!(post(r#"{"media":{}}"#), "body.media.media_ids: is required");
        assert_eq!(
            post(r#"{"poll":{"options":["a","b"],"duration_minutes":4}}"#),
            "body.poll.duration_minutes: must be at least 5 (is 4)"
        );
        assert_eq!(
            post(r#"{"poll":{"options":["a","b"],"duration_minutes":5.5}}"#),
            "body.poll.duration_minutes: must be a whole number (is a number)"
        );
        // A whole number written with a fraction is still whole.
        assert_eq!(
            post(r#"{"poll":{"options":["a","b"],"duration_minutes":60.0}}"#),
            "accepted"
        );
        assert_eq!(
            post(r#"{"text":"x","nullcast":"yes"}"#),
            "body.nullcast: must be true or false (is a string)"
        );
        // Properties the document does not list, and enum values it does
        // not know, are the API's to judge.
        assert_eq!(
            post(r#"{"text":"x","reply_settings":"everyone_new","brand_new":1}"#),
            "accepted"
        );
        assert_eq!(
            post("{"),
            "body: is not JSON: EOF while parsing an object at line 1 column 1"
        );
        // A required body.
        assert_eq!(verdict("createPosts", &[], None), "body: is required");
        assert_eq!(
            verdict("createComplianceJobs", &[], None),
            "body: is required"
        );
        assert_eq!(
            verdict(
                "createComplianceJobs",
                &[],
                Some(r#"{"type":"tweets","name":"n"}"#)
            ),
            "accepted"
        );
        let long = format!(r#"{{"type":"tweets","name":"{}"}}"#, "é".repeat(65));
        assert_eq!(
            verdict("createComplianceJobs", &[], Some(&long)),
            "body.name: must be at most 64 characters long (is 65)"
        );
        // An operation whose body the document does not require.
        assert_eq!(verdict("createLists", &[], None), "accepted");
        assert_eq!(
            verdict("createLists", &[], Some(r#"{"name":""}"#)),
            "body.name: must be at least 1 characters long (is 0)"
        );
    }

    #[test]
    fn alternatives_need_one_form_to_hold() {
        let dm = |b: &str| verdict("createDirectMessagesConversation", &[], Some(b));
        let ids = r#""participant_ids":["1","2"],"conversation_type":"Group""#;
        assert_eq!(
            dm(&format!(r#"{{{ids},"message":{{"text":"hi"}}}}"#)),
            "accepted"
        );
        assert_eq!(
            dm(&format!(
                r#"{{{ids},"message":{{"attachments":[{{"media_id":"3"}}]}}}}"#
            )),
            "accepted"
        );
        let none = dm(&format!(r#"{{{ids},"message":{{}}}}"#));
        assert_eq!(
            none,
            "body.message: matches none of its 2 accepted forms: body.message.text is \
             required; or body.message.attachments is required"
        );
        assert_eq!(
            dm(r#"{"participant_ids":["1"],"conversation_type":"Group","message":{"text":"a"}}"#),
            "body.participant_ids: needs at least 2 item(s) (has 1)"
        );
        // Stream rules: either `add` or `delete`.
        let rules = |b: &str| verdict("updateRules", &[], Some(b));
        assert_eq!(rules(r#"{"add":[{"value":"cats"}]}"#), "accepted");
        assert_eq!(rules(r#"{"delete":{"ids":["1"]}}"#), "accepted");
        assert!(
            rules(r#"{"add":[{"tag":"no value"}]}"#).contains("body.add[0].value is required"),
            "{}",
            rules(r#"{"add":[{"tag":"no value"}]}"#)
        );
    }

    #[test]
    fn every_operation_with_a_json_body_has_its_shape() {
        let with_body: Vec<&str> = xapi_generated::ops::OPERATIONS
            .iter()
            .filter(|o| o.body.is_some())
            .map(|o| o.id)
            .collect();
        assert_eq!(with_body.len(), 37, "{with_body:?}");
        // Bodies that may come as a multipart form are never required as JSON.
        for o in xapi_generated::ops::OPERATIONS
            .iter()
            .filter(|o| o.multipart)
        {
            assert_eq!(o.body.map(|b| b.required), Some(false), "{}", o.id);
        }
    }
}
