//! Comparing two documents: operations are paired (by path and method, then
//! path template, then operation id), then their parameters, request bodies
//! and responses; the schemas met on the way are compared by `schemas`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::doc::{required, Doc, Operation, Param};
use super::{Kind, RenameUse, Report, Section, Severity, Words};

/// Whether a schema is sent or received (a new required property breaks
/// only what is sent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Dir {
    Request,
    Response,
}

/// Where changes are reported: section, location and context.
#[derive(Clone)]
pub(super) struct At {
    pub(super) section: Section,
    pub(super) location: String,
    pub(super) context: String,
}

/// A change without its severity: (section, location, context, path, kind, old, new).
pub(super) type ChangeKey = (
    Section,
    String,
    String,
    String,
    Kind,
    Option<String>,
    Option<String>,
);

/// (path, method).
type OpKey = (String, String);

/// (in, name) of a parameter.
type ParamKey = (String, String);

/// Paired parameters, then those left on the older and on the newer side.
type ParamPairing = (Vec<(ParamKey, ParamKey)>, Vec<ParamKey>, Vec<ParamKey>);

/// The comparison in progress.
pub(super) struct Differ<'a, 'w> {
    pub(super) old: Doc<'a>,
    pub(super) new: Doc<'a>,
    pub(super) words: &'w Words,
    /// Every change found, breaking if it was ever found breaking.
    pub(super) changes: BTreeMap<ChangeKey, Severity>,
    /// Named schema pairs still to compare, and those already queued.
    pub(super) schema_queue: VecDeque<(String, String, Dir)>,
    pub(super) schema_seen: BTreeSet<(String, String, Dir)>,
    param_seen: BTreeSet<(String, String)>,
    pub(super) renames: BTreeMap<(String, String), RenameUse>,
    pub(super) kept: BTreeSet<String>,
}

/// `path.key`, or `key` at the top.
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `old`, or `old → new` when the name changed.
pub(super) fn pair_location(old: &str, new: &str) -> String {
    if old == new {
        old.to_owned()
    } else {
        format!("{old} → {new}")
    }
}

/// Path templates with the parameter names blanked: `/2/a/{}/b`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The names of a path template's parameters, in order.
fn path_params(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect()
}

/// Compares two documents.
pub fn compare(old: &Value, new: &Value, words: &Words) -> Report {
    let mut d = Differ {
        old: Doc { root: old },
        new: Doc { root: new },
        words,
        changes: BTreeMap::new(),
        schema_queue: VecDeque::new(),
        schema_seen: BTreeSet::new(),
        param_seen: BTreeSet::new(),
        renames: BTreeMap::new(),
        kept: BTreeSet::new(),
    };
    let old_ops = d.old.operations();
    let new_ops = d.new.operations();
    d.operations(&old_ops, &new_ops);
    while let Some((o, n, dir)) = d.schema_queue.pop_front() {
        let (Some(os), Some(ns)) = (d.old.schema(&o), d.new.schema(&n)) else {
            continue;
        };
        let at = At {
            section: Section::Schema,
            location: pair_location(&o, &n),
            context: String::new(),
        };
        let scope = o.clone();
        d.compare_inline(&at, &scope, "", dir, os, ns, 0);
    }
    d.into_report(old_ops.len(), new_ops.len())
}

impl<'a> Differ<'a, '_> {
    /// Records a change; a change found both breaking and additive is breaking.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        at: &At,
        path: &str,
        kind: Kind,
        severity: Severity,
        old: Option<&str>,
        new: Option<&str>,
    ) {
        let key = (
            at.section,
            at.location.clone(),
            at.context.clone(),
            path.to_owned(),
            kind,
            old.map(str::to_owned),
            new.map(str::to_owned),
        );
        let entry = self.changes.entry(key).or_insert(severity);
        if severity < *entry {
            *entry = severity;
        }
    }

    fn operations(
        &mut self,
        old_ops: &BTreeMap<(String, String), Operation<'a>>,
        new_ops: &BTreeMap<(String, String), Operation<'a>>,
    ) {
        let mut pairs: Vec<(&OpKey, &OpKey)> = Vec::new();
        let mut left_old: BTreeSet<&(String, String)> = BTreeSet::new();
        let mut left_new: BTreeSet<&(String, String)> = new_ops.keys().collect();
        for key in old_ops.keys() {
            if new_ops.contains_key(key) {
                pairs.push((key, key));
                left_new.remove(key);
            } else {
                left_old.insert(key);
            }
        }
        // Same method and path template (a path parameter renamed).
        for key in left_old.clone() {
            let candidates: Vec<&(String, String)> = left_new
                .iter()
                .copied()
                .filter(|k| k.1 == key.1 && template(&k.0) == template(&key.0))
                .collect();
            if let [only] = candidates[..] {
                pairs.push((key, only));
                left_old.remove(key);
                left_new.remove(only);
            }
        }
        // Same operationId elsewhere.
        for key in left_old.clone() {
            let id = &old_ops[key].id;
            if id.is_empty() {
                continue;
            }
            let candidates: Vec<&(String, String)> = left_new
                .iter()
                .copied()
                .filter(|k| new_ops[*k].id == *id)
                .collect();
            if let [only] = candidates[..] {
                pairs.push((key, only));
                left_old.remove(key);
                left_new.remove(only);
            }
        }
        for key in &left_old {
            let at = op_at(key);
            let id = old_ops[*key].id.clone();
            self.push(
                &at,
                "",
                Kind::OperationRemoved,
                Severity::Breaking,
                Some(&id),
                None,
            );
        }
        for key in &left_new {
            let at = op_at(key);
            let id = new_ops[*key].id.clone();
            self.push(
                &at,
                "",
                Kind::OperationAdded,
                Severity::Additive,
                None,
                Some(&id),
            );
        }
        pairs.sort();
        for (ok, nk) in pairs {
            self.operation(ok, &old_ops[ok], nk, &new_ops[nk]);
        }
    }

    fn operation(
        &mut self,
        ok: &(String, String),
        o: &Operation<'a>,
        nk: &(String, String),
        n: &Operation<'a>,
    ) {
        let at = op_at(ok);
        if o.id != n.id {
            self.push(
                &at,
                "",
                Kind::OperationIdChanged,
                Severity::Breaking,
                Some(&o.id),
                Some(&n.id),
            );
        }
        if ok.0 != nk.0 {
            // Only a path parameter's name changed: the URLs are the same.
            let sev = if template(&ok.0) == template(&nk.0) {
                Severity::Additive
            } else {
                Severity::Breaking
            };
            self.push(&at, "", Kind::OperationMoved, sev, Some(&ok.0), Some(&nk.0));
        }
        self.op_parameters(&at, ok, o, nk, n);
        self.request_body(&at, o, n);
        self.responses(&at, o, n);
    }

    fn op_parameters(
        &mut self,
        at: &At,
        ok: &(String, String),
        o: &Operation<'a>,
        nk: &(String, String),
        n: &Operation<'a>,
    ) {
        let op_params = self.old.parameters(o);
        let np_params = self.new.parameters(n);
        let (pairs, removed, added) = self.pair_parameters(ok, nk, &op_params, &np_params);
        for k in &removed {
            self.push(
                at,
                "",
                Kind::ParameterRemoved,
                Severity::Breaking,
                Some(&format!("{} ({})", k.1, k.0)),
                None,
            );
        }
        for k in &added {
            let sev = if required(np_params[k].value) {
                Severity::Breaking
            } else {
                Severity::Additive
            };
            let shown = format!(
                "{} ({}{})",
                k.1,
                k.0,
                if required(np_params[k].value) {
                    ", required"
                } else {
                    ""
                }
            );
            self.push(at, "", Kind::ParameterAdded, sev, None, Some(&shown));
        }
        for (kx, ky) in pairs {
            let (p, q) = (&op_params[&kx], &np_params[&ky]);
            match (&p.component, &q.component) {
                (Some(pc), Some(qc)) => {
                    // Compared (and any rename reported) once, under the
                    // shared parameter.
                    self.shared_parameter(pc, qc);
                }
                _ => {
                    let inner = At {
                        context: format!("parameter {}", kx.1),
                        ..at.clone()
                    };
                    self.parameter_body(at, &inner, p.value, q.value);
                }
            }
        }
    }

    /// Pairs the parameters of two paired operations: same place and name,
    /// then path parameters of a moved path by position, then word-map
    /// renames within one place. Returns the pairs (sorted) and the
    /// parameters left unpaired on each side.
    fn pair_parameters(
        &self,
        ok: &(String, String),
        nk: &(String, String),
        op_params: &BTreeMap<ParamKey, Param<'a>>,
        np_params: &BTreeMap<ParamKey, Param<'a>>,
    ) -> ParamPairing {
        let mut pairs: Vec<(ParamKey, ParamKey)> = Vec::new();
        let removed: Vec<ParamKey> = op_params
            .keys()
            .filter(|k| !np_params.contains_key(*k))
            .cloned()
            .collect();
        let added: Vec<ParamKey> = np_params
            .keys()
            .filter(|k| !op_params.contains_key(*k))
            .cloned()
            .collect();
        for k in op_params.keys().filter(|k| np_params.contains_key(*k)) {
            pairs.push((k.clone(), k.clone()));
        }
        let mut paired_old = BTreeSet::new();
        let mut paired_new = BTreeSet::new();
        // Path parameters of a moved path pair by position.
        if ok.0 != nk.0 && template(&ok.0) == template(&nk.0) {
            for (a, b) in path_params(&ok.0).into_iter().zip(path_params(&nk.0)) {
                let (ka, kb) = (("path".to_owned(), a), ("path".to_owned(), b));
                if ka != kb && removed.contains(&ka) && added.contains(&kb) {
                    paired_old.insert(ka.clone());
                    paired_new.insert(kb.clone());
                    pairs.push((ka, kb));
                }
            }
        }
        // Word-map renames within the same location.
        let places: BTreeSet<&String> = removed.iter().map(|k| &k.0).collect();
        for place in places {
            let r: Vec<String> = removed
                .iter()
                .filter(|k| k.0 == *place && !paired_old.contains(*k))
                .map(|k| k.1.clone())
                .collect();
            let a: Vec<String> = added
                .iter()
                .filter(|k| k.0 == *place && !paired_new.contains(*k))
                .map(|k| k.1.clone())
                .collect();
            for (x, y) in self.words.pair(&r, &a) {
                let (kx, ky) = ((place.clone(), x), (place.clone(), y));
                paired_old.insert(kx.clone());
                paired_new.insert(ky.clone());
                pairs.push((kx, ky));
            }
        }
        pairs.sort();
        let removed = removed
            .into_iter()
            .filter(|k| !paired_old.contains(k))
            .collect();
        let added = added
            .into_iter()
            .filter(|k| !paired_new.contains(k))
            .collect();
        (pairs, removed, added)
    }

    fn shared_parameter(&mut self, oc: &str, nc: &str) {
        if !self.param_seen.insert((oc.to_owned(), nc.to_owned())) {
            return;
        }
        let (Some(p), Some(q)) = (self.old.parameter(oc), self.new.parameter(nc)) else {
            return;
        };
        let (p, q) = (self.old.deref(p), self.new.deref(q));
        let at = At {
            section: Section::Parameter,
            location: pair_location(oc, nc),
            context: String::new(),
        };
        self.parameter_body(&at, &at, p, q);
    }

    /// Compares one parameter's name, place, required flag and schema.
    /// `at` receives name changes, `inner` the schema changes.
    fn parameter_body(&mut self, at: &At, inner: &At, p: &'a Value, q: &'a Value) {
        let name = |v: &Value| {
            v.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let place = |v: &Value| v.get("in").and_then(Value::as_str).unwrap_or("").to_owned();
        let (pn, qn) = (name(p), name(q));
        let (pp, qp) = (place(p), place(q));
        if pn != qn {
            let sev = if pp == "path" && qp == "path" {
                Severity::Additive
            } else {
                Severity::Breaking
            };
            self.push(at, "", Kind::ParameterRenamed, sev, Some(&pn), Some(&qn));
        }
        if pp != qp {
            self.push(
                at,
                "",
                Kind::ParameterMoved,
                Severity::Breaking,
                Some(&format!("{pn} ({pp})")),
                Some(&format!("{qn} ({qp})")),
            );
        }
        match (required(p), required(q)) {
            (false, true) => self.push(
                inner,
                "",
                Kind::ParameterNowRequired,
                Severity::Breaking,
                Some(&pn),
                None,
            ),
            (true, false) => self.push(
                inner,
                "",
                Kind::ParameterNowOptional,
                Severity::Additive,
                Some(&pn),
                None,
            ),
            _ => {}
        }
        if let (Some(ps), Some(qs)) = (p.get("schema"), q.get("schema")) {
            self.compare_schema(inner, "", "", Dir::Request, ps, qs, 0);
        }
    }

    fn request_body(&mut self, at: &At, o: &Operation<'a>, n: &Operation<'a>) {
        let ob = o.op.get("requestBody").map(|b| self.old.deref(b));
        let nb = n.op.get("requestBody").map(|b| self.new.deref(b));
        let at = At {
            context: "request".to_owned(),
            ..at.clone()
        };
        match (ob, nb) {
            (None, None) => {}
            (Some(_), None) => {
                self.push(
                    &at,
                    "",
                    Kind::RequestBodyRemoved,
                    Severity::Breaking,
                    None,
                    None,
                );
            }
            (None, Some(b)) => {
                let sev = if required(b) {
                    Severity::Breaking
                } else {
                    Severity::Additive
                };
                self.push(&at, "", Kind::RequestBodyAdded, sev, None, None);
            }
            (Some(a), Some(b)) => {
                match (required(a), required(b)) {
                    (false, true) => self.push(
                        &at,
                        "",
                        Kind::RequestBodyNowRequired,
                        Severity::Breaking,
                        None,
                        None,
                    ),
                    (true, false) => self.push(
                        &at,
                        "",
                        Kind::RequestBodyNowOptional,
                        Severity::Additive,
                        None,
                        None,
                    ),
                    _ => {}
                }
                self.content(&at, Dir::Request, a, b);
            }
        }
    }

    fn responses(&mut self, at: &At, o: &Operation<'a>, n: &Operation<'a>) {
        let or = entries(o.op.get("responses"));
        let nr = entries(n.op.get("responses"));
        let codes: BTreeSet<&String> = or.keys().chain(nr.keys()).copied().collect();
        for code in codes {
            let at = At {
                context: format!("response {code}"),
                ..at.clone()
            };
            match (or.get(code), nr.get(code)) {
                (Some(_), None) => self.push(
                    &at,
                    "",
                    Kind::ResponseRemoved,
                    Severity::Breaking,
                    Some(code),
                    None,
                ),
                (None, Some(_)) => self.push(
                    &at,
                    "",
                    Kind::ResponseAdded,
                    Severity::Additive,
                    None,
                    Some(code),
                ),
                (Some(a), Some(b)) => {
                    let (a, b) = (self.old.deref(a), self.new.deref(b));
                    self.content(&at, Dir::Response, a, b);
                }
                (None, None) => {}
            }
        }
    }

    /// Compares the `content` maps of a request body or a response.
    fn content(&mut self, at: &At, dir: Dir, a: &'a Value, b: &'a Value) {
        let ac = entries(a.get("content"));
        let bc = entries(b.get("content"));
        let types: BTreeSet<&String> = ac.keys().chain(bc.keys()).copied().collect();
        for mt in types {
            match (ac.get(mt), bc.get(mt)) {
                (Some(_), None) => {
                    self.push(
                        at,
                        "",
                        Kind::MediaTypeRemoved,
                        Severity::Breaking,
                        Some(mt),
                        None,
                    );
                }
                (None, Some(_)) => {
                    self.push(
                        at,
                        "",
                        Kind::MediaTypeAdded,
                        Severity::Additive,
                        None,
                        Some(mt),
                    );
                }
                (Some(x), Some(y)) => {
                    if let (Some(xs), Some(ys)) = (x.get("schema"), y.get("schema")) {
                        let inner = if mt == "application/json" {
                            at.clone()
                        } else {
                            At {
                                context: format!("{} ({mt})", at.context),
                                ..at.clone()
                            }
                        };
                        let scope = format!("{} {}", inner.location, inner.context);
                        self.compare_schema(&inner, &scope, "", dir, xs, ys, 0);
                    }
                }
                (None, None) => {}
            }
        }
    }
}

/// The members of an object (none for anything else).
fn entries(v: Option<&Value>) -> BTreeMap<&String, &Value> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().collect())
        .unwrap_or_default()
}

/// Where an operation's own changes are reported.
fn op_at(key: &(String, String)) -> At {
    At {
        section: Section::Operation,
        location: format!("{} {}", key.1.to_uppercase(), key.0),
        context: String::new(),
    }
}
