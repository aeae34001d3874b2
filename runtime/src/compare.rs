//! The lossless round-trip comparison used by tests and the decode tool.

use serde_json::{Map, Number, Value};
use std::fmt;
use std::ops::ControlFlow;

/// A difference a round trip may show without losing anything: each is a
/// tolerance of the models, named and explained here (and nowhere else).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Allowance {
    /// `key-order`: the members of an object come back in another order.
    KeyOrder,
    /// `null-as-absent`: a member that was `null` is not written back.
    NullAsAbsent,
    /// `number-as-text`: a number comes back as the string the models write for it.
    NumberAsText,
    /// `bool-as-text`: a boolean comes back as `"true"` or `"false"`.
    BoolAsText,
    /// `text-as-number`: a string holding a number comes back as that number.
    TextAsNumber,
    /// `text-as-bool`: `"true"` or `"false"` comes back as the boolean.
    TextAsBool,
    /// `number-as-bool`: `1` or `0` comes back as `true` or `false`.
    NumberAsBool,
    /// `whole-float-as-integer`: a float without a fraction comes back as the same integer.
    WholeFloatAsInteger,
    /// `integer-as-float`: an integer comes back as a float of exactly its value.
    IntegerAsFloat,
}

impl Allowance {
    /// Every allowance.
    pub const ALL: &'static [Allowance] = &[
        Allowance::KeyOrder,
        Allowance::NullAsAbsent,
        Allowance::NumberAsText,
        Allowance::BoolAsText,
        Allowance::TextAsNumber,
        Allowance::TextAsBool,
        Allowance::NumberAsBool,
        Allowance::WholeFloatAsInteger,
        Allowance::IntegerAsFloat,
    ];

    /// The name reports use, e.g. `null-as-absent`.
    pub const fn name(self) -> &'static str {
        match self {
            Allowance::KeyOrder => "key-order",
            Allowance::NullAsAbsent => "null-as-absent",
            Allowance::NumberAsText => "number-as-text",
            Allowance::BoolAsText => "bool-as-text",
            Allowance::TextAsNumber => "text-as-number",
            Allowance::TextAsBool => "text-as-bool",
            Allowance::NumberAsBool => "number-as-bool",
            Allowance::WholeFloatAsInteger => "whole-float-as-integer",
            Allowance::IntegerAsFloat => "integer-as-float",
        }
    }

    /// Why the difference loses nothing: which tolerance of the models gives it.
    pub const fn reason(self) -> &'static str {
        match self {
            Allowance::KeyOrder => {
                "JSON objects are unordered; models write the properties the document \
                 describes in its order, then the others in the order they arrived"
            }
            Allowance::NullAsAbsent => {
                "every property of a model is an Option; null decodes to None and None \
                 is not written (the API sends null and omits properties alike)"
            }
            Allowance::NumberAsText => {
                "text properties (ids above all) accept numbers and keep them as their \
                 text: integers in decimal, floats as Rust prints them"
            }
            Allowance::BoolAsText => {
                "text properties and open enumerations accept booleans and keep them as \
                 their text"
            }
            Allowance::TextAsNumber => {
                "number properties accept strings holding a number (spaces around it \
                 ignored); the value must read back exactly, so the number is the same"
            }
            Allowance::TextAsBool => "boolean properties accept the strings \"true\" and \"false\"",
            Allowance::NumberAsBool => "boolean properties accept 1 and 0",
            Allowance::WholeFloatAsInteger => {
                "integer properties accept whole numbers written as floats (3.0, 1e3) \
                 and write them as integers of exactly the same value"
            }
            Allowance::IntegerAsFloat => {
                "float properties accept integers and write them as floats (1 becomes \
                 1.0); only an integer the float holds exactly passes"
            }
        }
    }
}

/// What a difference of a round trip is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DifferenceKind {
    /// A documented tolerance of the models: nothing is lost.
    Allowed(Allowance),
    /// Something was lost, added or changed.
    Loss,
}

impl fmt::Display for DifferenceKind {
    /// `allowed:<name>` or `difference`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DifferenceKind::Allowed(a) => write!(f, "allowed:{}", a.name()),
            DifferenceKind::Loss => f.write_str("difference"),
        }
    }
}

/// One place where a re-encoded value differs from the original.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// Where, e.g. `.data[3].public_metrics.like_count` (`.` is the whole value).
    pub path: String,
    /// Whether the difference is allowed, and by which allowance.
    pub kind: DifferenceKind,
    /// What the difference is, e.g. `1 became "1"`.
    pub detail: String,
}

/// Compares a decoded-and-reserialised value with the original JSON, the way
/// a lossless round trip is judged, and returns the path and a description
/// of the first difference that is not allowed.
///
/// Only these differences are allowed (see [`Allowance`] for the reasons);
/// anything else is a difference:
///
/// * `key-order`: object members in another order;
/// * `null-as-absent`: a `null` member not written back;
/// * `number-as-text`: a number written back as exactly the text the models
///   make of it (`7` → `"7"`, `12.5` → `"12.5"`);
/// * `bool-as-text`: `true` → `"true"`, `false` → `"false"`;
/// * `text-as-number`: a string that reads (spaces around it ignored) as
///   exactly the number written back (`"42"` → `42`, `"3"` → `3.0`);
/// * `text-as-bool`: `"true"` → `true`, `"false"` → `false`;
/// * `number-as-bool`: `1` → `true`, `0` → `false`;
/// * `whole-float-as-integer`: `3.0` → `3`, of exactly the same value;
/// * `integer-as-float`: `1` → `1.0`, of exactly the same value.
///
/// [`json_differences`] lists every difference, allowed ones included.
pub fn json_equivalent(original: &Value, reencoded: &Value) -> Result<(), (String, String)> {
    let mut walk = Walk {
        path: String::new(),
        found: Vec::new(),
        all: false,
    };
    match walk.value(original, reencoded) {
        ControlFlow::Continue(()) => Ok(()),
        ControlFlow::Break(()) => Err(match walk.found.pop() {
            Some(d) => (d.path, d.detail),
            None => (".".to_owned(), "differs".to_owned()),
        }),
    }
}

/// Every place where `reencoded` differs from `original`, in the order of
/// `original`, each with its kind: an [`Allowance`] or a loss (the rules of
/// [`json_equivalent`]). Empty when the two are equal.
pub fn json_differences(original: &Value, reencoded: &Value) -> Vec<Difference> {
    let mut walk = Walk {
        path: String::new(),
        found: Vec::new(),
        all: true,
    };
    // With `all` set, the walk never stops early.
    let _ = walk.value(original, reencoded);
    walk.found
}

/// The state of one comparison.
struct Walk {
    /// Path of the values being compared.
    path: String,
    /// Differences found so far.
    found: Vec<Difference>,
    /// Whether to list every difference (else stop at the first loss and
    /// record no allowance).
    all: bool,
}

impl Walk {
    /// Records a difference at the current path; breaks at a loss unless
    /// every difference is wanted.
    fn note(&mut self, kind: DifferenceKind, detail: impl FnOnce() -> String) -> ControlFlow<()> {
        let loss = kind == DifferenceKind::Loss;
        if self.all || loss {
            self.found.push(Difference {
                path: if self.path.is_empty() {
                    ".".to_owned()
                } else {
                    self.path.clone()
                },
                kind,
                detail: detail(),
            });
        }
        if loss && !self.all {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Compares `b` with `a` under `self.path` extended by `step`.
    fn child(&mut self, step: fmt::Arguments, a: &Value, b: &Value) -> ControlFlow<()> {
        let len = self.path.len();
        fmt::Write::write_fmt(&mut self.path, step).ok();
        let flow = self.value(a, b);
        self.path.truncate(len);
        flow
    }

    fn value(&mut self, a: &Value, b: &Value) -> ControlFlow<()> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => self.object(x, y),
            (Value::Array(x), Value::Array(y)) => {
                if x.len() != y.len() {
                    return self.note(DifferenceKind::Loss, || {
                        format!("array of {} items became {} items", x.len(), y.len())
                    });
                }
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    self.child(format_args!("[{i}]"), va, vb)?;
                }
                ControlFlow::Continue(())
            }
            _ if a == b => ControlFlow::Continue(()),
            _ => {
                let kind = match allowance(a, b) {
                    Some(allowed) => DifferenceKind::Allowed(allowed),
                    None => DifferenceKind::Loss,
                };
                self.note(kind, || format!("{a} became {b}"))
            }
        }
    }

    fn object(&mut self, x: &Map<String, Value>, y: &Map<String, Value>) -> ControlFlow<()> {
        if self.all {
            let mine = x.keys().filter(|k| y.contains_key(*k));
            let theirs = y.keys().filter(|k| x.contains_key(*k));
            if !mine.eq(theirs) {
                self.note(DifferenceKind::Allowed(Allowance::KeyOrder), || {
                    "members in another order".to_owned()
                })?;
            }
        }
        for (k, va) in x {
            match y.get(k) {
                Some(vb) => self.child(format_args!(".{k}"), va, vb)?,
                None => {
                    let len = self.path.len();
                    self.path.push('.');
                    self.path.push_str(k);
                    let flow = if va.is_null() {
                        self.note(DifferenceKind::Allowed(Allowance::NullAsAbsent), || {
                            "null, not written back".to_owned()
                        })
                    } else {
                        self.note(DifferenceKind::Loss, || {
                            format!("lost in the round trip: {va}")
                        })
                    };
                    self.path.truncate(len);
                    flow?;
                }
            }
        }
        for (k, vb) in y {
            if !x.contains_key(k) {
                let len = self.path.len();
                self.path.push('.');
                self.path.push_str(k);
                let flow = self.note(DifferenceKind::Loss, || {
                    format!("added by the round trip: {vb}")
                });
                self.path.truncate(len);
                flow?;
            }
        }
        ControlFlow::Continue(())
    }
}

/// The allowance that explains scalar `a` coming back as `b` (two values
/// that are not equal), if any.
fn allowance(a: &Value, b: &Value) -> Option<Allowance> {
    let text = |v: bool| if v { "true" } else { "false" };
    let (allowance, applies) = match (a, b) {
        (Value::Number(n), Value::String(s)) => (Allowance::NumberAsText, *s == models_text(n)),
        (Value::Bool(v), Value::String(s)) => (Allowance::BoolAsText, s == text(*v)),
        (Value::String(s), Value::Number(n)) => (Allowance::TextAsNumber, reads_as(s.trim(), n)),
        (Value::String(s), Value::Bool(v)) => (Allowance::TextAsBool, s == text(*v)),
        (Value::Number(n), Value::Bool(v)) => {
            (Allowance::NumberAsBool, integer(n) == Some(i128::from(*v)))
        }
        (Value::Number(x), Value::Number(y)) => match (float(x), integer(y)) {
            (Some(f), Some(i)) => (Allowance::WholeFloatAsInteger, same_value(f, i)),
            _ => match (integer(x), float(y)) {
                (Some(i), Some(f)) => (Allowance::IntegerAsFloat, same_value(f, i)),
                _ => return None,
            },
        },
        _ => return None,
    };
    applies.then_some(allowance)
}

/// The integer value of a number written without a fraction or exponent.
fn integer(n: &Number) -> Option<i128> {
    match (n.as_i64(), n.as_u64()) {
        (Some(i), _) => Some(i128::from(i)),
        (None, Some(u)) => Some(i128::from(u)),
        (None, None) => None,
    }
}

/// The value of a number written as a float.
fn float(n: &Number) -> Option<f64> {
    if n.is_f64() {
        n.as_f64()
    } else {
        None
    }
}

/// Whether float `f` is exactly the integer `i`.
fn same_value(f: f64, i: i128) -> bool {
    // Every integer that converts to `f` without rounding converts back to
    // itself; a rounded one does not (`as` saturates, it never wraps).
    f.fract() == 0.0 && i as f64 == f && f as i128 == i
}

/// The text the models make of a number in a text property.
fn models_text(n: &Number) -> String {
    match (integer(n), float(n)) {
        (Some(i), _) => i.to_string(),
        (None, Some(f)) => f.to_string(),
        (None, None) => n.to_string(),
    }
}

/// Whether `text` reads as exactly the number `n`: as an integer when `n` is
/// one, as a float when it is a float.
fn reads_as(text: &str, n: &Number) -> bool {
    match (integer(n), float(n)) {
        (Some(i), _) => text.parse::<i128>().is_ok_and(|t| t == i),
        (None, Some(f)) => text.parse::<f64>().is_ok_and(|t| t == f),
        (None, None) => false,
    }
}
