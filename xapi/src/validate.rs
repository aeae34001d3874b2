//! Refusing invalid requests before anything is sent.
//!
//! The rules come from the operation table, which the code generator fills in
//! from the API document's parameter constraints: required parameters,
//! patterns, numeric ranges, string lengths and list sizes.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use xapi_generated::runtime::{Operation, Param, RequestParts};

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
    if let Some(pattern) = param.pattern {
        if !pattern_matches(pattern, value) {
            return Some(format!(
                "{what} {value:?} does not match the pattern {pattern}"
            ));
        }
    }
    let chars = value.chars().count();
    if let Some(min) = param.min_length {
        if chars < min {
            return Some(format!(
                "{what} must be at least {min} characters long (is {chars})"
            ));
        }
    }
    if let Some(max) = param.max_length {
        if chars > max {
            return Some(format!(
                "{what} must be at most {max} characters long (is {chars})"
            ));
        }
    }
    if param.min.is_some() || param.max.is_some() {
        match value.parse::<f64>() {
            Ok(n) => {
                if let Some(min) = param.min {
                    if n < min {
                        return Some(format!("{what} must be at least {min} (is {value})"));
                    }
                }
                if let Some(max) = param.max {
                    if n > max {
                        return Some(format!("{what} must be at most {max} (is {value})"));
                    }
                }
            }
            Err(_) => return Some(format!("{what} must be a number (is {value:?})")),
        }
    }
    None
}

/// Checks `parts` against `operation`'s parameter constraints.
pub fn check(operation: &Operation, parts: &RequestParts) -> Result<(), Violation> {
    for param in operation.params {
        let value = match param.location {
            "path" => parts.path_value(param.name),
            "query" => parts.query_value(param.name),
            _ => continue,
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
        if param.location == "path" && value.is_empty() {
            return fail("must not be empty".to_owned());
        }
        if param.location == "path" && matches!(value, "." | "..") {
            // A dot segment would be resolved away and reach another endpoint.
            return fail("must not be `.` or `..`".to_owned());
        }
        if param.array {
            let items: Vec<&str> = if value.is_empty() {
                Vec::new()
            } else {
                value.split(',').collect()
            };
            if let Some(min) = param.min_items {
                if items.len() < min {
                    return fail(format!(
                        "needs at least {min} item(s) (has {})",
                        items.len()
                    ));
                }
            }
            if let Some(max) = param.max_items {
                if items.len() > max {
                    return fail(format!("takes at most {max} items (has {})", items.len()));
                }
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
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: &str) -> &'static Operation {
        Operation::find(id).expect("operation exists")
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
}
