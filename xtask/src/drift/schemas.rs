//! Comparing two schemas met at the same place: named schemas are paired
//! and queued, inline ones compared by shape (objects property by property,
//! arrays by their items, maps by their values, enums value by value).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::compare::{join, pair_location, At, Differ, Dir};
use super::doc::{schema_ref, Shape};
use super::{Kind, Section, Severity};

impl<'a> Differ<'a, '_> {
    /// Compares two schemas at `path`. Named schemas on both sides are paired
    /// and compared once, on their own; anything else is compared in place.
    /// `scope` names the object holding `path` for the renames draft.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare_schema(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        old: &'a Value,
        new: &'a Value,
        depth: usize,
    ) {
        let o = self.old.unwrap(old);
        let n = self.new.unwrap(new);
        if let (Some(on), Some(nn)) = (schema_ref(o), schema_ref(n)) {
            if on != nn {
                let at = At {
                    section: Section::Schema,
                    location: pair_location(&on, &nn),
                    context: String::new(),
                };
                self.push(
                    &at,
                    "",
                    Kind::SchemaRenamed,
                    Severity::Breaking,
                    Some(&on),
                    Some(&nn),
                );
            }
            let key = (on, nn, dir);
            if self.schema_seen.insert(key.clone()) {
                self.schema_queue.push_back(key);
            }
            return;
        }
        // A component on one side only: compare its body in place.
        let o = match schema_ref(o) {
            Some(name) => match self.old.schema(&name) {
                Some(s) => s,
                None => return,
            },
            None => o,
        };
        let n = match schema_ref(n) {
            Some(name) => match self.new.schema(&name) {
                Some(s) => s,
                None => return,
            },
            None => n,
        };
        self.compare_inline(at, scope, path, dir, o, n, depth);
    }

    /// Compares two schemas in place, by shape.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare_inline(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        o: &'a Value,
        n: &'a Value,
        depth: usize,
    ) {
        if depth > 24 {
            return;
        }
        let os = self.old.shape(o);
        let ns = self.new.shape(n);
        let (od, nd) = (os.describe(), ns.describe());
        match (os, ns) {
            (
                Shape::Object {
                    props: op,
                    required: oreq,
                },
                Shape::Object {
                    props: np,
                    required: nreq,
                },
            ) => self.compare_objects(at, scope, path, dir, (&op, &oreq), (&np, &nreq), depth),
            (Shape::Array(oi), Shape::Array(ni)) => {
                if let (Some(oi), Some(ni)) = (oi, ni) {
                    let p = format!("{path}[]");
                    self.compare_schema(at, scope, &p, dir, oi, ni, depth + 1);
                }
            }
            (Shape::FreeObject(Some(ov)), Shape::FreeObject(Some(nv))) => {
                let p = join(path, "*");
                self.compare_schema(at, scope, &p, dir, ov, nv, depth + 1);
            }
            (Shape::Scalar { ty: ot, values: ov }, Shape::Scalar { ty: nt, values: nv })
                if ot == nt && ov.is_empty() == nv.is_empty() =>
            {
                self.compare_enums(at, path, &ov, &nv);
            }
            _ => {
                if od != nd {
                    self.push(
                        at,
                        path,
                        Kind::TypeChanged,
                        Severity::Breaking,
                        Some(&od),
                        Some(&nd),
                    );
                }
            }
        }
    }

    /// Compares the values of two enumerations, pairing renamed values.
    fn compare_enums(&mut self, at: &At, path: &str, ov: &[String], nv: &[String]) {
        let os: BTreeSet<&String> = ov.iter().collect();
        let ns: BTreeSet<&String> = nv.iter().collect();
        let removed: Vec<String> = os.difference(&ns).map(|s| (*s).clone()).collect();
        let added: Vec<String> = ns.difference(&os).map(|s| (*s).clone()).collect();
        let pairs = self.words.pair(&removed, &added);
        let po: BTreeSet<&String> = pairs.iter().map(|p| &p.0).collect();
        let pn: BTreeSet<&String> = pairs.iter().map(|p| &p.1).collect();
        for (a, b) in &pairs {
            self.push(
                at,
                path,
                Kind::EnumValueRenamed,
                Severity::Breaking,
                Some(a),
                Some(b),
            );
        }
        for r in removed.iter().filter(|r| !po.contains(r)) {
            self.push(
                at,
                path,
                Kind::EnumValueRemoved,
                Severity::Breaking,
                Some(r),
                None,
            );
        }
        for a in added.iter().filter(|a| !pn.contains(a)) {
            self.push(
                at,
                path,
                Kind::EnumValueAdded,
                Severity::Additive,
                None,
                Some(a),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_objects(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        (op, oreq): (&BTreeMap<String, &'a Value>, &BTreeSet<String>),
        (np, nreq): (&BTreeMap<String, &'a Value>, &BTreeSet<String>),
        depth: usize,
    ) {
        let removed: Vec<String> = op
            .keys()
            .filter(|k| !np.contains_key(*k))
            .cloned()
            .collect();
        let added: Vec<String> = np
            .keys()
            .filter(|k| !op.contains_key(*k))
            .cloned()
            .collect();
        let pairs = self.words.pair(&removed, &added);
        self.unpaired_properties(at, path, dir, (&removed, &added), &pairs, nreq);
        let object_scope = {
            let stripped = path.replace("[]", "");
            if stripped.is_empty() {
                scope.to_owned()
            } else {
                format!("{scope}.{stripped}")
            }
        };
        let mut common: Vec<(String, String)> = op
            .keys()
            .filter(|k| np.contains_key(*k))
            .map(|k| (k.clone(), k.clone()))
            .collect();
        for (a, b) in &pairs {
            self.push(
                at,
                &join(path, a),
                Kind::PropertyRenamed,
                Severity::Breaking,
                Some(a),
                Some(b),
            );
            if dir == Dir::Response {
                self.renames
                    .entry((a.clone(), b.clone()))
                    .or_default()
                    .scopes
                    .insert(object_scope.clone());
            }
            common.push((a.clone(), b.clone()));
        }
        common.sort();
        for (a, b) in common {
            let old = (op.get(&a).copied(), oreq.contains(&a));
            let new = (np.get(&b).copied(), nreq.contains(&b));
            self.common_property(
                at,
                scope,
                path,
                dir,
                (a.as_str(), b.as_str()),
                old,
                new,
                depth,
            );
        }
    }

    /// Reports the properties that disappeared or appeared without being
    /// paired as renames; a new required property breaks what is sent.
    fn unpaired_properties(
        &mut self,
        at: &At,
        path: &str,
        dir: Dir,
        (removed, added): (&[String], &[String]),
        pairs: &[(String, String)],
        nreq: &BTreeSet<String>,
    ) {
        let po: BTreeSet<&String> = pairs.iter().map(|p| &p.0).collect();
        let pn: BTreeSet<&String> = pairs.iter().map(|p| &p.1).collect();
        for r in removed.iter().filter(|r| !po.contains(r)) {
            self.push(
                at,
                &join(path, r),
                Kind::PropertyRemoved,
                Severity::Breaking,
                Some(r),
                None,
            );
        }
        for a in added.iter().filter(|a| !pn.contains(a)) {
            let req = nreq.contains(a);
            let sev = if dir == Dir::Request && req {
                Severity::Breaking
            } else {
                Severity::Additive
            };
            let shown = if req {
                format!("{a} (required)")
            } else {
                a.clone()
            };
            self.push(
                at,
                &join(path, a),
                Kind::PropertyAdded,
                sev,
                None,
                Some(&shown),
            );
        }
    }

    /// Compares a property both objects hold (`a` in the older, `b` in the
    /// newer, the same name unless renamed): its `required` flag, then its
    /// schema. `old` and `new` are (schema, required) on each side.
    #[allow(clippy::too_many_arguments)]
    fn common_property(
        &mut self,
        at: &At,
        scope: &str,
        path: &str,
        dir: Dir,
        (a, b): (&str, &str),
        old: (Option<&'a Value>, bool),
        new: (Option<&'a Value>, bool),
        depth: usize,
    ) {
        if a == b && dir == Dir::Response {
            self.kept.insert(a.to_owned());
        }
        let p = join(path, a);
        match (old.1, new.1) {
            (false, true) => {
                let sev = if dir == Dir::Request {
                    Severity::Breaking
                } else {
                    Severity::Additive
                };
                self.push(at, &p, Kind::PropertyNowRequired, sev, Some(a), None);
            }
            (true, false) => {
                self.push(
                    at,
                    &p,
                    Kind::PropertyNowOptional,
                    Severity::Additive,
                    Some(a),
                    None,
                );
            }
            _ => {}
        }
        if let (Some(x), Some(y)) = (old.0, new.0) {
            self.compare_schema(at, scope, &p, dir, x, y, depth + 1);
        }
    }
}
