//! Emits the response and request models from the component schemas.
//!
//! The models are not produced by the client generator's own type generator:
//! the live API needs open enums, optional-everything, extra-field maps and
//! lenient number/string decoding, and it needs them fast. Each schema becomes
//! a `model!` struct, a `string_enum!` enum or a type alias; `allOf`, `oneOf`
//! and `anyOf` of objects (and discriminated families such as `Problem` or
//! `Media`) are merged into one struct holding the union of their properties.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use indexmap::IndexMap;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};

/// A Rust type a schema maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `String`
    Str,
    /// `i64` (every integer: the document's int32 is too narrow for timestamps)
    I64,
    /// `f64`
    F64,
    /// `bool`
    Bool,
    /// Any JSON value.
    Value,
    /// A free-form JSON object.
    Object,
    /// An object with values of one type.
    Map(Box<Ty>),
    /// An array.
    Vec(Box<Ty>),
    /// A generated type by name.
    Named(String),
    /// A boxed generated type (breaks recursive containment).
    Boxed(String),
}

/// One property of a struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// Name on the wire.
    pub json: String,
    /// Rust field name.
    pub rust: String,
    /// Type (always wrapped in `Option` by the model macro).
    pub ty: Ty,
    /// Generated documentation line.
    pub doc: String,
    /// Other wire names decoded into this field (dual naming: the renames
    /// table adds them).
    pub aliases: Vec<String>,
}

/// A generated item.
#[derive(Clone, Debug)]
pub enum Item {
    /// A model struct.
    Struct { doc: String, fields: Vec<Field> },
    /// An open string enum: (variant, value) pairs.
    Enum {
        doc: String,
        variants: Vec<(String, String)>,
    },
    /// A type alias.
    Alias { doc: String, ty: Ty },
}

/// All generated models, in a deterministic order.
#[derive(Debug, Default)]
pub struct Models {
    /// Items by name, in emission order.
    pub items: IndexMap<String, Item>,
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust field name for a wire property name.
pub fn field_ident(json: &str) -> String {
    let mut s: String = json
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .to_snake_case();
    if s.is_empty() {
        s = "field".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    if RUST_KEYWORDS.contains(&s.as_str()) || s == "extra" {
        s.push('_');
    }
    s
}

/// A Rust variant name for an enum wire value.
pub fn variant_ident(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut s = cleaned.to_upper_camel_case();
    if s.is_empty() {
        s = "Empty".to_owned();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'V');
    }
    if s == "Unknown" || s == "Self" {
        s.push_str("Value");
    }
    s
}

/// A type name for a component or nested schema.
pub fn type_ident(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    // Keep existing capitals (component names are already Pascal case).
    let s: String = cleaned
        .split_whitespace()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{s}")
    } else {
        s
    }
}

fn singular(hint: &str) -> String {
    if let Some(stem) = hint.strip_suffix("ies") {
        format!("{stem}y")
    } else if hint.ends_with('s') && !hint.ends_with("ss") {
        hint[..hint.len() - 1].to_owned()
    } else {
        format!("{hint}Item")
    }
}

fn ref_target(schema: &Value) -> Option<&str> {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .map(|r| r.rsplit('/').next().unwrap_or(r))
}

struct Builder<'a> {
    schemas: &'a Map<String, Value>,
    models: Models,
    taken: BTreeSet<String>,
}

/// Builds the model set for a processed document.
///
/// `csv_lists` maps list component names to their item type (`None` for strings).
pub fn build(doc: &Value, csv_lists: &BTreeMap<String, Option<String>>) -> Models {
    let empty = Map::new();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut b = Builder {
        schemas,
        models: Models::default(),
        taken: BTreeSet::new(),
    };
    for name in schemas.keys() {
        b.taken.insert(type_ident(name));
    }
    for (name, schema) in schemas {
        let ident = type_ident(name);
        if let Some(item) = csv_lists.get(name) {
            let item_ty = match item {
                Some(item) => type_ident(item),
                None => "String".to_owned(),
            };
            b.models.items.insert(
                ident,
                Item::Alias {
                    doc: format!("Comma-joined list of `{item_ty}` sent as one query value."),
                    ty: Ty::Named(format!("crate::runtime::CsvList<{item_ty}>")),
                },
            );
            continue;
        }
        let ty = b.resolve(schema, &ident, true);
        if ty != Ty::Named(ident.clone()) {
            let doc = format!(
                "Schema `{name}` of the API document{}.",
                facts_suffix(schema)
            );
            b.models.items.insert(ident, Item::Alias { doc, ty });
        }
    }
    b.box_recursive_fields();
    box_rare_fields(&mut b.models, BOXED_RARE);
    b.models
}

/// Nested objects of the models a page holds by the hundred that the API
/// sends only on request and rarely (long-form text, metrics that need user
/// context or a promoted post, withholding, affiliation badges), kept behind
/// a `Box`: `(struct, wire name)`. A `Tweet` drops from 1768 to 1432
/// bytes (920 since `Extra` takes one word when empty), which a page of
/// posts copies as its list grows and holds while it is joined.
pub const BOXED_RARE: &[(&str, &str)] = &[
    ("Tweet", "note_tweet"),
    ("Tweet", "non_public_metrics"),
    ("Tweet", "organic_metrics"),
    ("Tweet", "promoted_metrics"),
    ("Tweet", "suggested_source_links_with_counts"),
    ("Tweet", "withheld"),
    ("User", "affiliation"),
    ("User", "withheld"),
];

/// Boxes the listed fields when they hold a generated struct.
fn box_rare_fields(models: &mut Models, list: &[(&str, &str)]) {
    for (model, json) in list {
        let Some(Item::Struct { fields, .. }) = models.items.get_mut(*model) else {
            continue;
        };
        for f in fields.iter_mut().filter(|f| f.json == *json) {
            if let Ty::Named(n) = &f.ty {
                f.ty = Ty::Boxed(n.clone());
            }
        }
    }
}

fn facts_suffix(schema: &Value) -> String {
    let mut facts = Vec::new();
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        facts.push(format!("type {t}"));
    }
    if let Some(f) = schema.get("format").and_then(Value::as_str) {
        facts.push(format!("format `{f}`"));
    }
    if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
        facts.push(format!("pattern `{p}`"));
    }
    for (k, label) in [
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minimum", "minimum"),
        ("maximum", "maximum"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
    ] {
        if let Some(v) = schema.get(k) {
            facts.push(format!("{label} {v}"));
        }
    }
    if facts.is_empty() {
        String::new()
    } else {
        format!(": {}", facts.join(", "))
    }
}

impl Builder<'_> {
    fn unique(&mut self, hint: &str) -> String {
        let base = type_ident(hint);
        let mut name = base.clone();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    fn component(&self, name: &str) -> Option<&Value> {
        self.schemas.get(name)
    }

    /// Collects the properties of an object-like schema (following `$ref`,
    /// `allOf`, `oneOf`, `anyOf` and discriminator mappings), or `None` if the
    /// schema is not object-like.
    fn collect_props(
        &self,
        schema: &Value,
        seen: &mut BTreeSet<String>,
        out: &mut IndexMap<String, (Value, bool)>,
    ) -> bool {
        if let Some(target) = ref_target(schema) {
            if !seen.insert(target.to_owned()) {
                return true;
            }
            return match self.component(target) {
                Some(s) => self.collect_props(s, seen, out),
                None => false,
            };
        }
        let mut object_like = false;
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            let required: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for (k, v) in props {
                out.entry(k.clone())
                    .or_insert_with(|| (v.clone(), required.contains(k.as_str())));
            }
            object_like = true;
        }
        if schema.get("type").and_then(Value::as_str) == Some("object") {
            object_like = true;
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(branches) = schema.get(key).and_then(Value::as_array) {
                for branch in branches {
                    if !self.collect_props(branch, seen, out) {
                        return false;
                    }
                }
                object_like = true;
            }
        }
        if let Some(mapping) = schema
            .pointer("/discriminator/mapping")
            .and_then(Value::as_object)
        {
            for target in mapping.values().filter_map(Value::as_str) {
                let name = target.rsplit('/').next().unwrap_or(target);
                if seen.insert(name.to_owned()) {
                    if let Some(s) = self.component(name) {
                        self.collect_props(s, seen, out);
                    }
                }
            }
        }
        object_like
    }

    fn is_object_like(&self, schema: &Value) -> bool {
        let mut out = IndexMap::new();
        self.collect_props(schema, &mut BTreeSet::new(), &mut out) && !out.is_empty()
    }

    /// Maps a schema to a type; `hint` names any type created for it.
    /// `top` is true for the component schema itself (a `$ref` there is an alias).
    fn resolve(&mut self, schema: &Value, hint: &str, top: bool) -> Ty {
        if let Some(target) = ref_target(schema) {
            let _ = top;
            return Ty::Named(type_ident(target));
        }
        let composite = ["allOf", "oneOf", "anyOf"]
            .iter()
            .any(|k| schema.get(*k).is_some());
        if composite {
            // allOf of a single $ref is just that type.
            if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
                if all.len() == 1
                    && schema.get("properties").is_none()
                    && schema.get("discriminator").is_none()
                {
                    if let Some(target) = ref_target(&all[0]) {
                        let target_ty = Ty::Named(type_ident(target));
                        if !top {
                            return target_ty;
                        }
                    }
                }
            }
            if self.is_object_like(schema) {
                return self.emit_struct(schema, hint, top);
            }
            return Ty::Value;
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => {
                let values: Vec<String> = schema
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|e| {
                        e.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                if values.is_empty() {
                    Ty::Str
                } else {
                    self.emit_enum(schema, &values, hint, top)
                }
            }
            Some("integer") => Ty::I64,
            Some("number") => Ty::F64,
            Some("boolean") => Ty::Bool,
            Some("array") => {
                let items = schema.get("items").cloned().unwrap_or(Value::Null);
                let item_hint = singular(hint);
                Ty::Vec(Box::new(self.resolve(&items, &item_hint, false)))
            }
            Some("object") | None => {
                if schema.get("properties").is_some()
                    || schema.pointer("/discriminator/mapping").is_some()
                {
                    self.emit_struct(schema, hint, top)
                } else if schema.get("type").is_some()
                    || schema.get("additionalProperties").is_some()
                {
                    // Free-form maps keep every value as JSON: a map has no
                    // "unknown" keys to set aside, so a value of an unexpected
                    // type must not fail the whole body.
                    Ty::Object
                } else {
                    Ty::Value
                }
            }
            Some(_) => Ty::Value,
        }
    }

    fn emit_enum(&mut self, schema: &Value, values: &[String], hint: &str, top: bool) -> Ty {
        let name = if top {
            type_ident(hint)
        } else {
            self.unique(hint)
        };
        let mut used = BTreeSet::new();
        let mut variants = Vec::new();
        let mut seen_values = BTreeSet::new();
        for v in values {
            if !seen_values.insert(v.clone()) {
                continue;
            }
            let base = variant_ident(v);
            let mut ident = base.clone();
            let mut n = 2;
            while !used.insert(ident.clone()) {
                ident = format!("{base}{n}");
                n += 1;
            }
            variants.push((ident, v.clone()));
        }
        let doc = format!(
            "Values of `{hint}` listed by the API document{}.",
            facts_suffix(schema)
        );
        self.models
            .items
            .insert(name.clone(), Item::Enum { doc, variants });
        Ty::Named(name)
    }

    fn emit_struct(&mut self, schema: &Value, hint: &str, top: bool) -> Ty {
        let name = if top {
            type_ident(hint)
        } else {
            self.unique(hint)
        };
        // Reserve the slot so the order follows the document.
        self.models.items.insert(
            name.clone(),
            Item::Struct {
                doc: String::new(),
                fields: Vec::new(),
            },
        );
        let mut props = IndexMap::new();
        let mut seen = BTreeSet::new();
        seen.insert(hint.to_owned());
        self.collect_props(schema, &mut seen, &mut props);
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        for (json, (prop, required)) in props {
            let prop_hint = format!("{name}{}", type_ident(&json.to_upper_camel_case()));
            let ty = self.resolve(&prop, &prop_hint, false);
            let base = field_ident(&json);
            let mut rust = base.clone();
            let mut n = 2;
            while !used.insert(rust.clone()) {
                rust = format!("{base}_{n}");
                n += 1;
            }
            let mut doc = format!("`{json}`");
            if required {
                doc.push_str(" (required by the document; may still be absent)");
            }
            let facts = facts_suffix(&prop);
            if !facts.is_empty() {
                doc.push_str(&facts.replacen(": ", " — ", 1));
            }
            if let Some(target) = ref_target(&prop) {
                doc.push_str(&format!(" — see [`{}`]", type_ident(target)));
            }
            fields.push(Field {
                json,
                rust,
                ty,
                doc,
                aliases: Vec::new(),
            });
        }
        let kind = if schema.get("discriminator").is_some() {
            " (merged with the schemas its discriminator maps to)"
        } else if schema.get("oneOf").is_some() || schema.get("anyOf").is_some() {
            " (union of its alternatives)"
        } else if schema.get("allOf").is_some() {
            " (all of its parts merged)"
        } else {
            ""
        };
        let doc = format!("Object `{hint}` of the API document{kind}.");
        self.models
            .items
            .insert(name.clone(), Item::Struct { doc, fields });
        Ty::Named(name)
    }

    /// Boxes fields that would make a struct contain itself.
    fn box_recursive_fields(&mut self) {
        let direct: BTreeMap<String, Vec<String>> = self
            .models
            .items
            .iter()
            .filter_map(|(name, item)| match item {
                Item::Struct { fields, .. } => Some((
                    name.clone(),
                    fields
                        .iter()
                        .filter_map(|f| match &f.ty {
                            Ty::Named(n) => Some(n.clone()),
                            _ => None,
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        let aliases: BTreeMap<String, String> = self
            .models
            .items
            .iter()
            .filter_map(|(name, item)| match item {
                Item::Alias {
                    ty: Ty::Named(n), ..
                } => Some((name.clone(), n.clone())),
                _ => None,
            })
            .collect();
        let resolve_alias = |mut n: String| {
            let mut hops = 0;
            while let Some(next) = aliases.get(&n) {
                n = next.clone();
                hops += 1;
                if hops > 32 {
                    break;
                }
            }
            n
        };
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![resolve_alias(from.to_owned())];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if !seen.insert(n.clone()) {
                    continue;
                }
                if let Some(next) = direct.get(&n) {
                    stack.extend(next.iter().cloned().map(resolve_alias));
                }
            }
            false
        };
        let names: Vec<String> = self.models.items.keys().cloned().collect();
        for name in names {
            if let Some(Item::Struct { fields, .. }) = self.models.items.get_mut(&name) {
                for f in fields.iter_mut() {
                    if let Ty::Named(n) = &f.ty {
                        if reaches(n, &name) {
                            f.ty = Ty::Boxed(n.clone());
                        }
                    }
                }
            }
        }
    }
}

fn alias_target<'a>(models: &'a Models, ty: &'a Ty) -> &'a Ty {
    let mut ty = ty;
    for _ in 0..16 {
        match ty {
            Ty::Named(n) => match models.items.get(n) {
                Some(Item::Alias { ty: inner, .. }) => ty = inner,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// `Envelope` for response structs with a `data` or `errors` field.
fn envelope_impl(models: &Models, name: &str, fields: &[Field]) -> TokenStream {
    let get = |json: &str| fields.iter().find(|f| f.json == json);
    let (data, errors) = (get("data"), get("errors"));
    if data.is_none() && errors.is_none() {
        return quote!();
    }
    // Only bodies whose `errors` are problems, or that have no `errors`.
    if let Some(e) = errors {
        if e.ty != Ty::Vec(Box::new(Ty::Named("Problem".into()))) {
            return quote!();
        }
    }
    let ident = format_ident!("{}", name);
    let (data_ty, data_fn) = match data {
        Some(f) => {
            let t = ty_tokens(&f.ty);
            let r = format_ident!("{}", f.rust);
            (t, quote!(self.#r.as_ref()))
        }
        None => (quote!(()), quote!(None)),
    };
    let includes_fn = match get("includes") {
        Some(f) if f.ty == Ty::Named("Expansions".into()) => quote!(self.includes.as_ref()),
        _ => quote!(None),
    };
    let errors_fn = match errors {
        Some(_) => quote!(self.errors.as_deref().unwrap_or(&[])),
        None => quote!(&[]),
    };
    let (meta_ty, meta_fn, next_fn) = match get("meta") {
        Some(f) => {
            let t = ty_tokens(&f.ty);
            let next = match alias_target(models, &f.ty) {
                Ty::Named(n) => match models.items.get(n) {
                    Some(Item::Struct { fields: mf, .. }) => mf
                        .iter()
                        .find(|x| x.json == "next_token" && *alias_target(models, &x.ty) == Ty::Str)
                        .map(|x| {
                            let r = format_ident!("{}", x.rust);
                            quote!(self.meta.as_ref().and_then(|m| m.#r.as_deref()))
                        }),
                    _ => None,
                },
                _ => None,
            };
            (
                t,
                quote!(self.meta.as_ref()),
                next.unwrap_or_else(|| quote!(None)),
            )
        }
        None => (quote!(()), quote!(None), quote!(None)),
    };
    quote! {
        impl xapi_runtime::Envelope for #ident {
            type Data = #data_ty;
            type Meta = #meta_ty;
            type Includes = Expansions;
            type Problem = Problem;
            fn data(&self) -> Option<&Self::Data> { #data_fn }
            fn includes(&self) -> Option<&Self::Includes> { #includes_fn }
            fn errors(&self) -> &[Self::Problem] { #errors_fn }
            fn meta(&self) -> Option<&Self::Meta> { #meta_fn }
            fn next_token(&self) -> Option<&str> { #next_fn }
        }
    }
}

/// Tokens of a type.
pub fn ty_tokens(ty: &Ty) -> TokenStream {
    match ty {
        Ty::Str => quote!(crate::runtime::Text),
        Ty::I64 => quote!(i64),
        Ty::F64 => quote!(f64),
        Ty::Bool => quote!(bool),
        Ty::Value => quote!(serde_json::Value),
        Ty::Object => quote!(crate::runtime::Extra),
        Ty::Map(t) => {
            let t = ty_tokens(t);
            quote!(std::collections::BTreeMap<String, #t>)
        }
        Ty::Vec(t) => {
            let t = ty_tokens(t);
            quote!(Vec<#t>)
        }
        Ty::Named(n) => syn::parse_str::<syn::Type>(n)
            .map(|t| quote!(#t))
            .unwrap_or_else(|_| {
                let id = format_ident!("{}", n);
                quote!(#id)
            }),
        Ty::Boxed(n) => {
            let id = format_ident!("{}", n);
            quote!(Box<#id>)
        }
    }
}

/// The struct a type holds (through `Vec`, `Box` and aliases), if any.
pub fn struct_of(models: &Models, ty: &Ty) -> Option<String> {
    let mut ty = ty.clone();
    for _ in 0..32 {
        match ty {
            Ty::Vec(inner) => ty = *inner,
            Ty::Boxed(name) | Ty::Named(name) => match models.items.get(&name) {
                Some(Item::Struct { .. }) => return Some(name),
                Some(Item::Alias { ty: inner, .. }) => ty = inner.clone(),
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// Every (struct, wire name, struct of its value) step that leads to a struct
/// with aliases, so that a tool can find, from a body's root model, every
/// object whose properties have another spelling.
pub fn alias_paths(models: &Models) -> Vec<(String, String, String)> {
    let mut wanted: BTreeSet<String> = models
        .items
        .iter()
        .filter(|(_, i)| match i {
            Item::Struct { fields, .. } => fields.iter().any(|f| !f.aliases.is_empty()),
            _ => false,
        })
        .map(|(n, _)| n.clone())
        .collect();
    loop {
        let before = wanted.len();
        for (name, item) in &models.items {
            if let Item::Struct { fields, .. } = item {
                if fields
                    .iter()
                    .any(|f| struct_of(models, &f.ty).is_some_and(|s| wanted.contains(&s)))
                {
                    wanted.insert(name.clone());
                }
            }
        }
        if wanted.len() == before {
            break;
        }
    }
    let mut out = Vec::new();
    for (name, item) in &models.items {
        if !wanted.contains(name) {
            continue;
        }
        if let Item::Struct { fields, .. } = item {
            for f in fields {
                if let Some(s) = struct_of(models, &f.ty).filter(|s| wanted.contains(s)) {
                    out.push((name.clone(), f.json.clone(), s));
                }
            }
        }
    }
    out
}

/// The type whose JSON Schema describes what a field of type `ty` accepts,
/// when it is not `ty` itself: strings, integers, numbers and booleans are
/// decoded leniently (`xapi_runtime::LenientString` and its siblings), and
/// an alias stands for its target. `None` when `ty` describes itself.
pub fn schema_with(models: &Models, ty: &Ty) -> Option<String> {
    let with = schema_type(models, ty, 0);
    (with != ty_tokens(ty).to_string().replace(' ', "")).then_some(with)
}

/// The type whose JSON Schema describes what a value of type `ty` accepts
/// (see [`schema_with`]), as Rust source.
pub fn schema_type_of(models: &Models, ty: &Ty) -> String {
    schema_type(models, ty, 0)
}

fn schema_type(models: &Models, ty: &Ty, depth: usize) -> String {
    match ty {
        Ty::Str => "crate::runtime::LenientString".to_owned(),
        Ty::I64 => "crate::runtime::LenientInteger".to_owned(),
        Ty::F64 => "crate::runtime::LenientNumber".to_owned(),
        Ty::Bool => "crate::runtime::LenientBool".to_owned(),
        Ty::Value => "serde_json::Value".to_owned(),
        Ty::Object => "crate::runtime::Extra".to_owned(),
        Ty::Map(t) => format!(
            "std::collections::BTreeMap<String,{}>",
            schema_type(models, t, depth)
        ),
        Ty::Vec(t) => format!("Vec<{}>", schema_type(models, t, depth)),
        Ty::Named(n) => match models.items.get(n) {
            Some(Item::Alias { ty: inner, .. }) if depth < 16 => {
                schema_type(models, inner, depth.saturating_add(1))
            }
            _ => n.clone(),
        },
        Ty::Boxed(n) => format!("Box<{n}>"),
    }
}

/// Emits the models module body.
pub fn emit(models: &Models) -> TokenStream {
    let items = models.items.iter().map(|(name, item)| {
        let ident = format_ident!("{}", name);
        match item {
            Item::Struct { doc, fields } => {
                let decls = fields.iter().map(|f| {
                    let json = &f.json;
                    let rust = format_ident!("{}", f.rust);
                    let ty = ty_tokens(&f.ty);
                    let doc = &f.doc;
                    let schema = schema_with(models, &f.ty).map(|with| {
                        let with = format!("Option<{with}>");
                        quote!(#[cfg_attr(feature = "schemars", schemars(with = #with))])
                    });
                    quote! {
                        #[doc = #doc]
                        #[serde(rename = #json, skip_serializing_if = "Option::is_none")]
                        #schema
                        pub #rust: Option<#ty>,
                    }
                });
                // The wire name, then any other spelling of it (dual naming):
                // each is one more literal arm of the visitor's `match`.
                let pairs = fields.iter().flat_map(|f| {
                    let rust = format_ident!("{}", f.rust);
                    std::iter::once(&f.json)
                        .chain(&f.aliases)
                        .map(move |json| quote!(#json => #rust))
                });
                let envelope = envelope_impl(models, name, fields);
                quote! {
                    #[doc = #doc]
                    #[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
                    #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
                    pub struct #ident {
                        #(#decls)*
                        /// Properties the API document does not describe, kept as received.
                        #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
                        pub extra: crate::runtime::Extra,
                    }
                    crate::runtime::impl_model!(#ident { #(#pairs),* });
                    #envelope
                }
            }
            Item::Enum { doc, variants } => {
                let variants = variants.iter().map(|(v, value)| {
                    let v = format_ident!("{}", v);
                    quote!(#v = #value,)
                });
                quote! {
                    crate::runtime::string_enum! {
                        #[doc = #doc]
                        pub enum #ident {
                            #(#variants)*
                        }
                    }
                }
            }
            Item::Alias { doc, ty } => {
                let ty = ty_tokens(ty);
                quote! {
                    #[doc = #doc]
                    pub type #ident = #ty;
                }
            }
        }
    });
    let renamed = emit_renamed(models);
    quote! {
        #(#items)*
        #renamed
    }
}

/// The dual-naming tables: which properties have another accepted spelling,
/// and how to reach those objects from a body's root model.
fn emit_renamed(models: &Models) -> TokenStream {
    let mut aliases = Vec::new();
    for (name, item) in &models.items {
        if let Item::Struct { fields, .. } = item {
            for f in fields {
                for a in &f.aliases {
                    let json = &f.json;
                    aliases.push(quote!((#name, #json, #a)));
                }
            }
        }
    }
    let paths = alias_paths(models)
        .into_iter()
        .map(|(s, json, t)| quote!((#s, #json, #t)));
    quote! {
        /// Properties the models also accept under another name (dual naming,
        /// from `spec/renames.toml`), and the way to the objects holding them.
        pub mod renamed {
            /// `(model, wire name it is written with, other name it is read from)`.
            pub const ALIASES: &[(&str, &str, &str)] = &[#(#aliases),*];
            /// `(model, wire name, model of its value or items)`: every step from a
            /// model towards one listed in [`ALIASES`].
            pub const PATHS: &[(&str, &str, &str)] = &[#(#paths),*];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn models(schemas: Value) -> Models {
        build(
            &json!({"components": {"schemas": schemas}}),
            &BTreeMap::new(),
        )
    }

    fn fields<'a>(m: &'a Models, name: &str) -> &'a [Field] {
        match m.items.get(name) {
            Some(Item::Struct { fields, .. }) => fields,
            other => panic!("{name} is not a struct: {other:?}"),
        }
    }

    #[test]
    fn objects_become_structs_with_nested_types() {
        let m = models(json!({
            "Post": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "type": {"type": "string", "enum": ["a", "b-c"]},
                "metrics": {"type": "object", "properties": {"likes": {"type": "integer", "format": "int32"}}},
                "refs": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}
            }}
        }));
        let f = fields(&m, "Post");
        // Properties come out in the document's order (serde_json keeps
        // object order in this workspace), so a spec change diffs in place.
        assert_eq!(
            f.iter().map(|f| f.rust.as_str()).collect::<Vec<_>>(),
            ["id", "type_", "metrics", "refs"]
        );
        assert_eq!(f[0].ty, Ty::Str);
        assert!(f[0].doc.contains("required"));
        assert_eq!(f[1].ty, Ty::Named("PostType".into()));
        assert_eq!(f[2].ty, Ty::Named("PostMetrics".into()));
        assert_eq!(fields(&m, "PostMetrics")[0].ty, Ty::I64, "int32 is widened");
        assert_eq!(f[3].ty, Ty::Vec(Box::new(Ty::Named("PostRef".into()))));
        match m.items.get("PostType") {
            Some(Item::Enum { variants, .. }) => {
                assert_eq!(
                    variants,
                    &[("A".into(), "a".into()), ("BC".into(), "b-c".into())]
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn all_of_and_discriminators_merge_properties() {
        let m = models(json!({
            "Problem": {"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"}},
                "discriminator": {"propertyName": "type", "mapping": {"x": "#/components/schemas/XProblem"}}},
            "XProblem": {"allOf": [{"$ref": "#/components/schemas/Problem"}, {"type": "object", "properties": {"value": {"type": "string"}}}]}
        }));
        let problem: Vec<_> = fields(&m, "Problem")
            .iter()
            .map(|f| f.json.as_str())
            .collect();
        assert_eq!(problem, ["type", "title", "value"]);
        let x: Vec<_> = fields(&m, "XProblem")
            .iter()
            .map(|f| f.json.as_str())
            .collect();
        assert_eq!(x, ["type", "title", "value"]);
    }

    #[test]
    fn scalar_unions_and_refs_become_aliases() {
        let m = models(json!({
            "Id": {"type": "string", "pattern": "^[0-9]+$"},
            "Seg": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
            "Ids": {"type": "array", "items": {"$ref": "#/components/schemas/Id"}}
        }));
        assert!(
            matches!(m.items.get("Id"), Some(Item::Alias { ty: Ty::Str, doc }) if doc.contains("pattern"))
        );
        assert!(matches!(
            m.items.get("Seg"),
            Some(Item::Alias { ty: Ty::Value, .. })
        ));
        assert!(matches!(
            m.items.get("Ids"),
            Some(Item::Alias { ty: Ty::Vec(_), .. })
        ));
    }

    #[test]
    fn listed_rare_fields_are_boxed() {
        let mut m = models(serde_json::json!({
            "Post": {"type": "object", "properties": {
                "id": {"type": "string"},
                "extra_info": {"type": "object", "properties": {"a": {"type": "string"}}},
                "common": {"type": "object", "properties": {"b": {"type": "string"}}}
            }}
        }));
        box_rare_fields(
            &mut m,
            &[("Post", "extra_info"), ("Post", "id"), ("Absent", "x")],
        );
        let f = fields(&m, "Post");
        let ty = |json: &str| f.iter().find(|x| x.json == json).map(|x| x.ty.clone());
        assert_eq!(ty("extra_info"), Some(Ty::Boxed("PostExtraInfo".into())));
        // Only structs are boxed; other fields stay as they are.
        assert_eq!(ty("id"), Some(Ty::Str));
        assert_eq!(ty("common"), Some(Ty::Named("PostCommon".into())));
    }

    #[test]
    fn recursive_containment_is_boxed() {
        let m = models(json!({
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}, "all": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}
        }));
        let f = fields(&m, "Node");
        let ty = |json: &str| f.iter().find(|x| x.json == json).map(|x| &x.ty);
        assert_eq!(ty("next"), Some(&Ty::Boxed("Node".into())));
        assert_eq!(
            ty("all").cloned().unwrap_or(Ty::Value),
            Ty::Vec(Box::new(Ty::Named("Node".into()))),
            "vectors need no box"
        );
    }

    #[test]
    fn fields_are_described_by_what_they_accept() {
        let m = models(json!({
            "Id": {"type": "string"},
            "Counts": {"type": "array", "items": {"type": "integer"}},
            "Post": {"type": "object", "properties": {
                "id": {"$ref": "#/components/schemas/Id"},
                "counts": {"$ref": "#/components/schemas/Counts"},
                "ratio": {"type": "number"},
                "flag": {"type": "boolean"},
                "self": {"$ref": "#/components/schemas/Post"},
                "any": {}
            }}
        }));
        let f = fields(&m, "Post");
        let with = |json: &str| {
            let field = f.iter().find(|x| x.json == json).map(|x| x.ty.clone());
            schema_with(&m, &field.unwrap_or(Ty::Value))
        };
        assert_eq!(with("id").as_deref(), Some("crate::runtime::LenientString"));
        assert_eq!(
            with("counts").as_deref(),
            Some("Vec<crate::runtime::LenientInteger>")
        );
        assert_eq!(
            with("ratio").as_deref(),
            Some("crate::runtime::LenientNumber")
        );
        assert_eq!(with("flag").as_deref(), Some("crate::runtime::LenientBool"));
        assert_eq!(with("self"), None, "a model describes itself");
        assert_eq!(with("any"), None, "a JSON value describes itself");
        let text = emit(&m).to_string();
        assert!(
            text.contains("cfg_attr (feature = \"schemars\" , derive (:: schemars :: JsonSchema))"),
            "{text}"
        );
        assert!(
            text.contains("schemars (with = \"Option<crate::runtime::LenientString>\")"),
            "{text}"
        );
    }

    #[test]
    fn emit_writes_structs_enums_aliases_and_envelopes() {
        let m = models(json!({
            "Id": {"type": "string", "pattern": "^[0-9]+$"},
            "Post": {"type": "object", "properties": {
                "id": {"$ref": "#/components/schemas/Id"},
                "type": {"type": "string", "enum": ["a", "b"]}}},
            "Problem": {"type": "object", "properties": {"title": {"type": "string"}}},
            "Expansions": {"type": "object", "properties": {"posts": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}}}},
            "Page": {"type": "object", "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}},
                "includes": {"$ref": "#/components/schemas/Expansions"},
                "errors": {"type": "array", "items": {"$ref": "#/components/schemas/Problem"}},
                "meta": {"type": "object", "properties": {"next_token": {"type": "string"}}}}},
            "Odd": {"type": "object", "properties": {
                "data": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "string"}}}}
        }));
        let file: syn::File = syn::parse2(emit(&m)).expect("models parse");
        let text = prettyplease::unparse(&file);
        for needle in [
            "pub type Id = crate::runtime::Text;",
            "pub struct Post {",
            "pub id: Option<Id>,",
            "pub type_: Option<PostType>,",
            "pub extra: crate::runtime::Extra,",
            "crate::runtime::impl_model!(Post { \"id\" => id, \"type\" => type_ });",
            "pub enum PostType {",
            "impl xapi_runtime::Envelope for Page {",
            "type Data = Vec<Post>;",
            "type Meta = PageMeta;",
            "self.meta.as_ref().and_then(|m| m.next_token.as_deref())",
            "self.errors.as_deref().unwrap_or(&[])",
            "pub const ALIASES: &[(&str, &str, &str)] = &[];",
        ] {
            let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(squeezed.contains(needle), "{needle} in {text}");
        }
        assert!(
            !text.contains("Envelope for Odd"),
            "errors that are not problems: no envelope"
        );
        assert!(!text.contains("Envelope for Post"), "no data, no errors");
    }

    #[test]
    fn identifiers_are_sanitised() {
        assert_eq!(field_ident("type"), "type_");
        assert_eq!(field_ident("extra"), "extra_");
        assert_eq!(field_ident("playback_0_count"), "playback_0_count");
        assert_eq!(field_ident("@context"), "context");
        assert_eq!(variant_ident("referenced_tweets.id"), "ReferencedTweetsId");
        assert_eq!(variant_ident("about:blank"), "AboutBlank");
        assert_eq!(variant_ident("Unknown"), "UnknownValue");
        assert_eq!(variant_ident("2"), "V2");
    }
}
