//! Cargo features per API area, so a program that needs a few areas does not
//! compile the others.
//!
//! Every tag of the document is a feature, its name in kebab case
//! (`Direct Messages` → `direct-messages`); `full` turns them all on and is
//! the default. An operation is compiled when **any** of its tags' features is
//! on (`likePost`, tagged Users and Tweets, comes with `users` or `tweets`).
//!
//! What gets which `#[cfg(any(feature = …))]`:
//!
//! * an operation's own items (its static and decode arms in `ops`, its
//!   builder and group method in `requests`, its method of the positional
//!   client) get the features of its tags; [`crate::ops`] and
//!   [`crate::builders`] emit those, [`gate_client`] adds them to the client;
//!   a tag's group (`TweetsApi`, `Api::tweets`) gets the union of its members';
//! * every other item (the models and the client's inline parameter types) is
//!   gated by reference ([`gate_by_reference`]): it gets the union of the
//!   features of the gated items that name it, transitively, so whatever code
//!   is compiled finds every type it names. An item named by ungated code (the
//!   runtime support), by the facade's always-compiled modules
//!   ([`CORE_MODELS`]), or reached by every feature, stays ungated. An item no
//!   operation reaches (the problem variants the document merges into
//!   `Problem`, schemas of operations it no longer lists, …) comes with `full`
//!   only: with every feature on, all it names is there.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use proc_macro2::{TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::visit_mut::{self as visit, VisitMut};

use crate::gates::{cfg, cfg_attribute, read_cfg, Features, FULL};

/// Models the facade uses in modules compiled whatever the features (errors,
/// problems, responses with their include-join, pagination): they and
/// everything they name stay ungated.
pub const CORE_MODELS: &[&str] = &[
    "Problem",
    "Expansions",
    "Tweet",
    "User",
    "Media",
    "Place",
    "Poll",
];

/// Puts `attr` after the leading doc comments, where a reader looks.
fn insert_after_docs(attrs: &mut Vec<syn::Attribute>, attr: syn::Attribute) {
    let at = attrs
        .iter()
        .take_while(|a| a.path().is_ident("doc"))
        .count();
    attrs.insert(at, attr);
}

fn features_of(attrs: &[syn::Attribute]) -> Option<Features> {
    attrs.iter().find_map(read_cfg)
}

/// Adds each operation's features to its method of the positional client
/// (`impl Client { pub async fn search_posts_recent(…) }`). `operations` maps
/// operation ids to features. Returns how many methods were gated.
pub fn gate_client(
    file: &mut syn::File,
    operations: &BTreeMap<String, Features>,
) -> Result<usize, String> {
    let by_method: BTreeMap<String, &Features> = operations
        .iter()
        .map(|(id, f)| (id.to_snake_case(), f))
        .collect();
    let mut seen = BTreeSet::new();
    let mut gated = 0;
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in &mut block.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            let name = f.sig.ident.to_string();
            let Some(features) = by_method.get(&name) else {
                continue;
            };
            seen.insert(name);
            if let Some(attr) = cfg_attribute(features) {
                insert_after_docs(&mut f.attrs, attr);
                gated += 1;
            }
        }
    }
    let missing: Vec<&String> = by_method.keys().filter(|m| !seen.contains(*m)).collect();
    if !missing.is_empty() {
        return Err(format!("no client method for {missing:?}"));
    }
    Ok(gated)
}

/// When an item is compiled, as far as gating by reference knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// No operation reaches it: compiled with `full` only.
    Unreached,
    /// Compiled when any of these features is on.
    Any(Features),
    /// Always compiled.
    Always,
}

impl Gate {
    fn join(&mut self, other: &Gate) -> bool {
        let next = match (&*self, other) {
            (_, Gate::Unreached) | (Gate::Always, _) => return false,
            (_, Gate::Always) => Gate::Always,
            (Gate::Unreached, Gate::Any(f)) => Gate::Any(f.clone()),
            (Gate::Any(a), Gate::Any(b)) => {
                if b.is_subset(a) {
                    return false;
                }
                Gate::Any(a.union(b).cloned().collect())
            }
        };
        *self = next;
        true
    }

    /// The `cfg` attribute tokens of this gate (none for [`Gate::Always`]).
    pub fn cfg(&self) -> TokenStream {
        match self {
            Gate::Unreached => quote!(#[cfg(feature = #FULL)]),
            Gate::Any(f) => cfg(f),
            Gate::Always => TokenStream::new(),
        }
    }

    fn attribute(&self) -> Option<syn::Attribute> {
        let tokens = self.cfg();
        if tokens.is_empty() {
            return None;
        }
        let parsed = syn::parse::Parser::parse2(syn::Attribute::parse_outer, tokens).ok()?;
        parsed.into_iter().next()
    }

    fn of(context: Option<&Features>) -> Gate {
        match context {
            Some(f) if !f.is_empty() => Gate::Any(f.clone()),
            _ => Gate::Always,
        }
    }
}

/// What [`gate_by_reference`] decided, by item name.
#[derive(Debug, Default)]
pub struct Gates {
    /// Model name → gate.
    pub models: BTreeMap<String, Gate>,
    /// Inline parameter type of the client (`types::…`) → gate.
    pub client_types: BTreeMap<String, Gate>,
}

impl Gates {
    /// How many models are gated by area, always compiled, and compiled with
    /// `full` only.
    pub fn model_counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for gate in self.models.values() {
            match gate {
                Gate::Any(_) => counts.0 += 1,
                Gate::Always => counts.1 += 1,
                Gate::Unreached => counts.2 += 1,
            }
        }
        counts
    }
}

/// The two namespaces of gateable items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Space {
    Models,
    Types,
}

type Key = (Space, String);

/// Collects references to gateable items together with the innermost
/// feature gate around each reference.
struct Refs<'a> {
    models: &'a BTreeSet<String>,
    types: &'a BTreeSet<String>,
    /// Which bare identifiers count: inside the models file every model name,
    /// inside the client's `types` module every type name.
    bare: Option<Space>,
    stack: Vec<Features>,
    found: Vec<(Key, Option<Features>)>,
}

impl<'a> Refs<'a> {
    fn new(models: &'a BTreeSet<String>, types: &'a BTreeSet<String>, bare: Option<Space>) -> Self {
        Refs {
            models,
            types,
            bare,
            stack: Vec::new(),
            found: Vec::new(),
        }
    }

    fn record(&mut self, space: Space, name: String) {
        let known = match space {
            Space::Models => self.models.contains(&name),
            Space::Types => self.types.contains(&name),
        };
        if known {
            self.found.push(((space, name), self.stack.last().cloned()));
        }
    }

    fn scoped(&mut self, gate: Option<Features>, walk: impl FnOnce(&mut Self)) {
        match gate {
            Some(f) => {
                self.stack.push(f);
                walk(self);
                self.stack.pop();
            }
            None => walk(self),
        }
    }

    /// Identifier sequences: `models :: X`, `types :: X`, and bare names.
    fn idents(&mut self, idents: &[String]) {
        for (i, ident) in idents.iter().enumerate() {
            match ident.as_str() {
                "models" | "types" => {
                    if let Some(next) = idents.get(i + 1) {
                        let space = if ident == "models" {
                            Space::Models
                        } else {
                            Space::Types
                        };
                        self.record(space, next.clone());
                    }
                }
                _ => {
                    if let Some(space) = self.bare {
                        self.record(space, ident.clone());
                    }
                }
            }
        }
    }
}

/// The identifiers of a token stream, in order, looking into groups; a
/// `models::X` path in a macro body stays adjacent (`::` is punctuation).
fn token_idents(tokens: TokenStream, out: &mut Vec<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => token_idents(g.stream(), out),
            _ => {}
        }
    }
}

fn expr_attrs(expr: &syn::Expr) -> &[syn::Attribute] {
    match expr {
        syn::Expr::Path(e) => &e.attrs,
        syn::Expr::Lit(e) => &e.attrs,
        syn::Expr::Struct(e) => &e.attrs,
        syn::Expr::Call(e) => &e.attrs,
        syn::Expr::Reference(e) => &e.attrs,
        syn::Expr::Macro(e) => &e.attrs,
        syn::Expr::Block(e) => &e.attrs,
        _ => &[],
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

fn item_attrs_mut(item: &mut syn::Item) -> Option<&mut Vec<syn::Attribute>> {
    Some(match item {
        syn::Item::Const(i) => &mut i.attrs,
        syn::Item::Enum(i) => &mut i.attrs,
        syn::Item::Fn(i) => &mut i.attrs,
        syn::Item::Impl(i) => &mut i.attrs,
        syn::Item::Macro(i) => &mut i.attrs,
        syn::Item::Mod(i) => &mut i.attrs,
        syn::Item::Static(i) => &mut i.attrs,
        syn::Item::Struct(i) => &mut i.attrs,
        syn::Item::Trait(i) => &mut i.attrs,
        syn::Item::Type(i) => &mut i.attrs,
        syn::Item::Union(i) => &mut i.attrs,
        syn::Item::Use(i) => &mut i.attrs,
        _ => return None,
    })
}

// A read-only walk: `syn` is built without its `visit` feature, so this
// visits copies mutably and changes nothing.
impl VisitMut for Refs<'_> {
    fn visit_item_mut(&mut self, item: &mut syn::Item) {
        self.scoped(features_of(item_attrs(item)), |s| {
            visit::visit_item_mut(s, item)
        });
    }
    fn visit_impl_item_mut(&mut self, item: &mut syn::ImplItem) {
        let gate = features_of(match &*item {
            syn::ImplItem::Fn(f) => &f.attrs,
            syn::ImplItem::Const(c) => &c.attrs,
            syn::ImplItem::Type(t) => &t.attrs,
            syn::ImplItem::Macro(m) => &m.attrs,
            _ => &[],
        });
        self.scoped(gate, |s| visit::visit_impl_item_mut(s, item));
    }
    fn visit_trait_item_mut(&mut self, item: &mut syn::TraitItem) {
        let gate = features_of(match &*item {
            syn::TraitItem::Fn(f) => &f.attrs,
            syn::TraitItem::Const(c) => &c.attrs,
            syn::TraitItem::Type(t) => &t.attrs,
            syn::TraitItem::Macro(m) => &m.attrs,
            _ => &[],
        });
        self.scoped(gate, |s| visit::visit_trait_item_mut(s, item));
    }
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        self.scoped(features_of(&arm.attrs), |s| visit::visit_arm_mut(s, arm));
    }
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        self.scoped(features_of(expr_attrs(expr)), |s| {
            visit::visit_expr_mut(s, expr)
        });
    }
    fn visit_field_mut(&mut self, field: &mut syn::Field) {
        self.scoped(features_of(&field.attrs), |s| {
            visit::visit_field_mut(s, field)
        });
    }
    fn visit_variant_mut(&mut self, variant: &mut syn::Variant) {
        self.scoped(features_of(&variant.attrs), |s| {
            visit::visit_variant_mut(s, variant)
        });
    }
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        let idents: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.idents(&idents);
        visit::visit_path_mut(self, path);
    }
    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        let mut idents = Vec::new();
        token_idents(mac.tokens.clone(), &mut idents);
        self.idents(&idents);
        visit::visit_macro_mut(self, mac);
    }
}

/// The names an item defines: struct, enum, alias, union, or a type defined
/// inside a macro invocation (`string_enum! { pub enum X { … } }`).
fn defined_names(item: &syn::Item) -> Vec<String> {
    match item {
        syn::Item::Struct(s) => vec![s.ident.to_string()],
        syn::Item::Enum(e) => vec![e.ident.to_string()],
        syn::Item::Type(t) => vec![t.ident.to_string()],
        syn::Item::Union(u) => vec![u.ident.to_string()],
        syn::Item::Macro(m) => {
            let mut out = Vec::new();
            let mut after_keyword = false;
            for tree in m.mac.tokens.clone() {
                if let TokenTree::Ident(i) = tree {
                    let text = i.to_string();
                    if after_keyword {
                        out.push(text.clone());
                    }
                    after_keyword = matches!(text.as_str(), "struct" | "enum" | "type" | "union");
                } else {
                    after_keyword = false;
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The name an item belongs to, among `names`: the type it defines, the
/// type an `impl` is for, or, for a macro invocation, the first top-level
/// identifier that names one (`impl_model!(X { … })`).
fn owner(item: &syn::Item, names: &BTreeSet<String>) -> Option<String> {
    if let Some(name) = defined_names(item).into_iter().find(|n| names.contains(n)) {
        return Some(name);
    }
    let first_named = |tokens: TokenStream| {
        let mut idents = Vec::new();
        token_idents(tokens, &mut idents);
        idents.into_iter().find(|i| names.contains(i))
    };
    match item {
        // `impl X`, `impl Trait for X`, then `impl From<X> for String`.
        syn::Item::Impl(block) => first_named(block.self_ty.to_token_stream()).or_else(|| {
            let (_, path, _) = block.trait_.as_ref()?;
            first_named(path.to_token_stream())
        }),
        syn::Item::Macro(m) => m.mac.tokens.clone().into_iter().find_map(|t| match t {
            TokenTree::Ident(i) if names.contains(&i.to_string()) => Some(i.to_string()),
            _ => None,
        }),
        _ => None,
    }
}

fn names_of(items: &[syn::Item]) -> BTreeSet<String> {
    items.iter().flat_map(defined_names).collect()
}

fn client_types_mut(client: &mut syn::File) -> Option<&mut Vec<syn::Item>> {
    client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// Gates the models and the client's inline parameter types by reference
/// (see the module documentation). `referrers` are the other generated files
/// (already carrying their operations' gates) and the runtime support; `all`
/// is every feature: an item reached by each of them stays ungated.
pub fn gate_by_reference(
    models: &mut syn::File,
    client: &mut syn::File,
    referrers: &[&syn::File],
    all: &Features,
) -> Gates {
    let model_names = names_of(&models.items);
    let type_names = client_types_mut(client)
        .map(|items| names_of(items))
        .unwrap_or_default();

    let mut gates: BTreeMap<Key, Gate> = BTreeMap::new();
    let mut edges: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    let mut seeds: Vec<(Key, Option<Features>)> = CORE_MODELS
        .iter()
        .map(|n| ((Space::Models, (*n).to_owned()), None))
        .collect();
    for n in &model_names {
        gates.insert((Space::Models, n.clone()), Gate::Unreached);
    }
    for n in &type_names {
        gates.insert((Space::Types, n.clone()), Gate::Unreached);
    }

    // Edges between gateable items; items without an owner refer ungated.
    let mut scan_owned = |items: &[syn::Item], space: Space, names: &BTreeSet<String>| {
        for item in items {
            let mut refs = Refs::new(&model_names, &type_names, Some(space));
            refs.visit_item_mut(&mut item.clone());
            match owner(item, names) {
                Some(name) => {
                    let from = (space, name);
                    let to = edges.entry(from.clone()).or_default();
                    to.extend(
                        refs.found
                            .into_iter()
                            .map(|(k, _)| k)
                            .filter(|k| *k != from),
                    );
                }
                None => seeds.extend(refs.found),
            }
        }
    };
    scan_owned(&models.items, Space::Models, &model_names);
    if let Some(items) = client_types_mut(client) {
        scan_owned(items, Space::Types, &type_names);
    }
    // Roots: the other files, and the client outside its `types` module.
    for file in referrers {
        let mut refs = Refs::new(&model_names, &type_names, None);
        refs.visit_file_mut(&mut (*file).clone());
        seeds.extend(refs.found);
    }
    for item in &client.items {
        if matches!(item, syn::Item::Mod(m) if m.ident == "types") {
            continue;
        }
        let mut refs = Refs::new(&model_names, &type_names, None);
        refs.visit_item_mut(&mut item.clone());
        seeds.extend(refs.found);
    }
    for (key, context) in seeds {
        if let Some(gate) = gates.get_mut(&key) {
            gate.join(&Gate::of(context.as_ref()));
        }
    }
    propagate(&mut gates, &edges);
    for gate in gates.values_mut() {
        if matches!(gate, Gate::Any(f) if f.is_superset(all)) {
            *gate = Gate::Always;
        }
    }

    let apply = |items: &mut Vec<syn::Item>, space: Space, names: &BTreeSet<String>| {
        for item in items.iter_mut() {
            let Some(name) = owner(item, names) else {
                continue;
            };
            let Some(attr) = gates.get(&(space, name)).and_then(Gate::attribute) else {
                continue;
            };
            if let Some(attrs) = item_attrs_mut(item) {
                insert_after_docs(attrs, attr);
            }
        }
    };
    apply(&mut models.items, Space::Models, &model_names);
    if let Some(items) = client_types_mut(client) {
        apply(items, Space::Types, &type_names);
    }

    let mut out = Gates::default();
    for ((space, name), gate) in gates {
        match space {
            Space::Models => out.models.insert(name, gate),
            Space::Types => out.client_types.insert(name, gate),
        };
    }
    out
}

/// Joins each item's gate into those of the items it names, to a fixed point.
fn propagate(gates: &mut BTreeMap<Key, Gate>, edges: &BTreeMap<Key, BTreeSet<Key>>) {
    loop {
        let mut changed = false;
        for (from, targets) in edges {
            let Some(gate) = gates.get(from).cloned() else {
                continue;
            };
            for to in targets {
                if let Some(target) = gates.get_mut(to) {
                    changed |= target.join(&gate);
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// The `fields` module of the generated crate: the shared field and
/// expansion enums, each re-exported with its model's gate.
pub fn fields_module(names: &BTreeSet<String>, gates: &Gates) -> TokenStream {
    let uses = names
        .iter()
        .filter(|n| gates.models.contains_key(*n))
        .map(|n| {
            let cfg = gates.models.get(n).map(Gate::cfg).unwrap_or_default();
            let ident = quote::format_ident!("{}", n);
            quote! {
                #cfg
                pub use crate::models::#ident;
            }
        });
    quote! {
        //! The field and expansion enums of `*.fields` and `expansions`
        //! parameters (those of the areas compiled in).
        #(#uses)*
    }
}

/// The `schemas` module appended to the models (the `schemars` feature):
/// `components(generator)` lists each component schema of the document
/// whose model is compiled in, by its name in the document, with the schema
/// of what its model accepts. `components` pairs each component name with its
/// model's name; each entry carries its model's gate.
pub fn schema_table(
    components: &[(String, String)],
    models: &crate::models::Models,
    gates: &Gates,
) -> TokenStream {
    use crate::models::{schema_type_of, Item};
    let entries = components.iter().filter_map(|(component, ident)| {
        let schema_ty = match models.items.get(ident)? {
            Item::Struct { .. } | Item::Enum { .. } => ident.clone(),
            Item::Alias { ty, .. } => schema_type_of(models, ty),
        };
        let ty: syn::Type = syn::parse_str(&schema_ty).ok()?;
        let cfg = gates.models.get(ident).map(Gate::cfg).unwrap_or_default();
        Some(quote! {
            #cfg
            out.push((#component, generator.subschema_for::<#ty>()));
        })
    });
    quote! {
        /// JSON Schemas of the models, describing what each accepts (the
        /// `schemars` feature).
        #[cfg(feature = "schemars")]
        pub mod schemas {
            #[allow(unused_imports)]
            use super::*;
            /// Each component schema of the API document whose model is
            /// compiled in, by its name in the document, with the schema of
            /// what its model accepts; named models are references into
            /// `generator`'s definitions.
            pub fn components(
                generator: &mut ::schemars::gen::SchemaGenerator,
            ) -> Vec<(&'static str, ::schemars::schema::Schema)> {
                let mut out = Vec::new();
                #(#entries)*
                out
            }
        }
    }
}

/// The generated files after gating.
#[derive(Debug)]
pub struct Gated {
    /// The models module body.
    pub models: TokenStream,
    /// The positional client.
    pub client: syn::File,
    /// The `fields` module body.
    pub fields: TokenStream,
    /// What was decided, by item.
    pub gates: Gates,
    /// Every feature.
    pub all: Features,
}

/// Gates the client's methods, then the models and the client's inline types
/// by reference from the operation table (`ops`), the builders (`requests`),
/// the client and the runtime support; `field_enums` names the shared field
/// and expansion enums.
pub fn apply(
    operations: &[crate::ops::OpRow],
    models: TokenStream,
    mut client: syn::File,
    ops: &TokenStream,
    requests: &TokenStream,
    runtime: &str,
    field_enums: &BTreeSet<String>,
) -> Result<Gated, String> {
    let by_id: BTreeMap<String, Features> = operations
        .iter()
        .map(|r| (r.id.clone(), r.features()))
        .collect();
    let all: Features = by_id.values().flatten().cloned().collect();
    if all.contains(FULL) {
        return Err(format!("a tag is named like the `{FULL}` feature"));
    }
    gate_client(&mut client, &by_id)?;
    let parse = |tokens: TokenStream, what: &str| -> Result<syn::File, String> {
        syn::parse2(tokens).map_err(|e| format!("{what} does not parse: {e}"))
    };
    let mut models = parse(models, "models")?;
    let ops = parse(ops.clone(), "ops")?;
    let requests = parse(requests.clone(), "requests")?;
    let runtime = syn::parse_file(runtime).map_err(|e| format!("runtime does not parse: {e}"))?;
    let gates = gate_by_reference(&mut models, &mut client, &[&ops, &requests, &runtime], &all);
    Ok(Gated {
        fields: fields_module(field_enums, &gates),
        models: models.into_token_stream(),
        client,
        gates,
        all,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> Features {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn owners_of_impls_and_macros() {
        let names = set(&["Thing", "Kind"]);
        let item = |text: &str| syn::parse_str::<syn::Item>(text).expect("parses");
        let owner_of = |text: &str| owner(&item(text), &names);
        assert_eq!(owner_of("impl Thing {}").as_deref(), Some("Thing"));
        assert_eq!(
            owner_of("impl From<Thing> for String { }").as_deref(),
            Some("Thing")
        );
        assert_eq!(
            owner_of("crate::runtime::impl_model!(Thing { \"a\" => a });").as_deref(),
            Some("Thing")
        );
        assert_eq!(
            owner_of("crate::runtime::string_enum! { #[doc = \"x\"] pub enum Kind { A = \"a\" } }")
                .as_deref(),
            Some("Kind")
        );
        assert_eq!(owner_of("pub mod renamed {}"), None);
    }

    fn op_row(id: &str, tags: &[&str]) -> crate::ops::OpRow {
        crate::ops::OpRow {
            id: id.to_owned(),
            method: "GET",
            path: format!("/2/{id}"),
            tag: tags.first().map(|t| (*t).to_owned()).unwrap_or_default(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            success_status: 200,
            response: None,
            streaming: false,
            multipart: false,
            pagination: None,
            security: Vec::new(),
            params: Vec::new(),
            body: None,
            doc_url: None,
        }
    }

    #[test]
    fn apply_gates_client_methods_models_and_field_enums() {
        let rows = [
            op_row("getThing", &["Things"]),
            op_row("getOther", &["Others"]),
        ];
        let models = quote! {
            pub struct Thing { pub shared: Option<Shared>, pub both: Option<Both> }
            pub struct Shared {}
            pub struct Other { pub both: Option<Both> }
            pub struct Both {}
            pub struct Lonely {}
            pub enum ThingField { A }
        };
        let client: syn::File = syn::parse_quote! {
            pub struct Client;
            impl Client {
                /// Gets a thing.
                pub async fn get_thing(&self) -> crate::models::Thing { todo!() }
                pub async fn get_other(&self) -> crate::models::Other { todo!() }
            }
        };
        let requests = quote! {
            #[cfg(feature = "things")]
            pub fn thing_fields(_: crate::models::ThingField) {}
        };
        let fields = BTreeSet::from(["ThingField".to_owned()]);
        let gated = apply(&rows, models, client, &quote!(), &requests, "", &fields).expect("gates");
        assert_eq!(gated.all, set(&["others", "things"]));
        let gate = |name: &str| gated.gates.models.get(name).cloned();
        assert_eq!(gate("Thing"), Some(Gate::Any(set(&["things"]))));
        assert_eq!(
            gate("Shared"),
            Some(Gate::Any(set(&["things"]))),
            "by reference"
        );
        assert_eq!(gate("Other"), Some(Gate::Any(set(&["others"]))));
        assert_eq!(gate("Both"), Some(Gate::Always), "every feature reaches it");
        assert_eq!(gate("Lonely"), Some(Gate::Unreached));
        assert_eq!(gate("ThingField"), Some(Gate::Any(set(&["things"]))));
        assert_eq!(gated.gates.model_counts(), (4, 1, 1));

        let method = gated.client.items.iter().find_map(|item| match item {
            syn::Item::Impl(block) => block.items.iter().find_map(|m| match m {
                syn::ImplItem::Fn(f) if f.sig.ident == "get_thing" => Some(f.attrs.clone()),
                _ => None,
            }),
            _ => None,
        });
        let attrs = method.expect("get_thing is kept");
        assert!(
            attrs[0].path().is_ident("doc"),
            "the gate goes after the docs"
        );
        assert_eq!(read_cfg(&attrs[1]), Some(set(&["things"])));

        let text = gated.models.to_string();
        assert!(
            text.contains("# [cfg (feature = \"full\")] pub struct Lonely"),
            "{text}"
        );
        assert!(!text.contains("] pub struct Both"), "{text}");
        let fields = gated.fields.to_string();
        assert!(
            fields
                .contains("# [cfg (feature = \"things\")] pub use crate :: models :: ThingField ;"),
            "{fields}"
        );
    }

    #[test]
    fn apply_refuses_a_full_tag_and_a_missing_client_method() {
        let client: syn::File = syn::parse_quote! {
            impl Client { pub async fn get_thing(&self) {} }
        };
        let full = [op_row("getThing", &["Full"])];
        let err = apply(
            &full,
            quote!(),
            client.clone(),
            &quote!(),
            &quote!(),
            "",
            &BTreeSet::new(),
        )
        .expect_err("a tag named like `full`");
        assert!(err.contains("full"), "{err}");
        let missing = [
            op_row("getThing", &["Things"]),
            op_row("getGone", &["Things"]),
        ];
        let err = apply(
            &missing,
            quote!(),
            client,
            &quote!(),
            &quote!(),
            "",
            &BTreeSet::new(),
        )
        .expect_err("no method for getGone");
        assert!(err.contains("get_gone"), "{err}");
    }

    /// Two tags, an operation with both, a schema each tag's operation
    /// reaches, schemas only one reaches and one no operation uses.
    const DOCUMENT: &str = r##"{
      "openapi": "3.0.0",
      "info": { "title": "t", "version": "1.0" },
      "paths": {
        "/2/things/{id}": { "get": {
          "operationId": "getThing", "tags": ["Things"],
          "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
          "responses": { "200": { "description": "ok", "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/ThingResponse" } } } } } } },
        "/2/widgets": { "post": {
          "operationId": "createWidget", "tags": ["Widget Parts"],
          "requestBody": { "required": true, "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/WidgetRequest" } } } },
          "responses": { "201": { "description": "ok", "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/WidgetResponse" } } } } } } },
        "/2/both": { "get": {
          "operationId": "getBoth", "tags": ["Things", "Widget Parts"],
          "responses": { "200": { "description": "ok", "content": { "application/json": {
            "schema": { "$ref": "#/components/schemas/BothResponse" } } } } } } }
      },
      "components": { "schemas": {
        "Shared": { "type": "object", "properties": { "id": { "type": "string" } } },
        "Thing": { "type": "object", "properties": { "shared": { "$ref": "#/components/schemas/Shared" } } },
        "ThingResponse": { "type": "object", "properties": { "data": { "$ref": "#/components/schemas/Thing" } } },
        "WidgetRequest": { "type": "object", "properties": { "name": { "type": "string" } } },
        "WidgetResponse": { "type": "object", "properties": { "data": { "$ref": "#/components/schemas/Shared" } } },
        "BothResponse": { "type": "object", "properties": { "count": { "type": "integer" } } },
        "Unused": { "type": "object", "properties": { "thing": { "$ref": "#/components/schemas/Thing" } } }
      } }
    }"##;

    /// Name → the gate of every item it owns (all must agree).
    fn gates_by_owner(text: &str, names: &BTreeSet<String>) -> BTreeMap<String, Option<String>> {
        let file = syn::parse_file(text).expect("generated file parses");
        let mut out: BTreeMap<String, Option<String>> = BTreeMap::new();
        for item in &file.items {
            let Some(name) = owner(item, names) else {
                continue;
            };
            let gate = item_attrs(item)
                .iter()
                .find(|a| a.path().is_ident("cfg"))
                .map(|a| a.meta.to_token_stream().to_string());
            if let Some(previous) = out.insert(name.clone(), gate.clone()) {
                assert_eq!(previous, gate, "items of {name} disagree");
            }
        }
        out
    }

    fn any(features: &[&str]) -> Option<String> {
        let attr = cfg_attribute(&set(features)).expect("an attribute");
        Some(attr.meta.to_token_stream().to_string())
    }

    #[test]
    fn models_get_the_features_of_the_operations_reaching_them() {
        let generated = crate::generate(DOCUMENT, "", "").expect("generates");
        let models = &generated.files["src/models.rs"];
        let names = names_of(&syn::parse_file(models).expect("parses").items);
        let gates = gates_by_owner(models, &names);
        assert_eq!(gates["Thing"], any(&["things"]));
        assert_eq!(gates["ThingResponse"], any(&["things"]));
        assert_eq!(gates["WidgetRequest"], any(&["widget-parts"]));
        assert_eq!(gates["WidgetResponse"], any(&["widget-parts"]));
        // Reached from both tags: every feature, so ungated.
        assert_eq!(gates["Shared"], None);
        assert_eq!(gates["BothResponse"], None);
        assert_eq!(
            gates["Unused"],
            Some("cfg (feature = \"full\")".to_owned()),
            "no operation reaches it"
        );
    }

    #[test]
    fn operation_items_get_their_tags_features() {
        let generated = crate::generate(DOCUMENT, "", "").expect("generates");
        let gate_of = |file: &str, needle: &str| -> Option<Features> {
            let text = &generated.files[file];
            let at = text
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} in {file}"));
            let before = &text[..at];
            let line = before
                .lines()
                .rev()
                .find(|l| l.trim_start().starts_with("#[cfg"))?;
            let attr: Vec<syn::Attribute> =
                syn::parse::Parser::parse_str(syn::Attribute::parse_outer, line.trim())
                    .expect("an attribute");
            read_cfg(&attr[0])
        };
        assert_eq!(
            gate_of("src/ops.rs", "pub static GET_THING"),
            Some(set(&["things"]))
        );
        assert_eq!(
            gate_of("src/ops.rs", "pub static GET_BOTH"),
            Some(set(&["things", "widget-parts"]))
        );
        assert_eq!(
            gate_of("src/client.rs", "pub async fn create_widget"),
            Some(set(&["widget-parts"]))
        );
        assert_eq!(
            gate_of("src/requests.rs", "pub struct CreateWidget<"),
            Some(set(&["widget-parts"]))
        );
        // A group is compiled with any of its members.
        assert_eq!(
            gate_of("src/requests.rs", "pub struct ThingsApi<"),
            Some(set(&["things", "widget-parts"]))
        );
        let ops = &generated.files["src/ops.rs"];
        assert!(ops.contains("pub static OPERATIONS: &[crate::runtime::Operation] = &["));
    }

    /// The features the generated code uses are declared by the generated
    /// crate, `full` lists them all, and the facade forwards each.
    #[test]
    fn cargo_manifests_declare_the_features() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let manifest = |path: &str| -> toml::Table {
            let text = std::fs::read_to_string(root.join(path)).expect("manifest");
            text.parse().expect("TOML")
        };
        let features = |table: &toml::Table| -> BTreeMap<String, Vec<String>> {
            let section = table["features"].as_table().expect("[features]");
            section
                .iter()
                .map(|(k, v)| {
                    let list = v.as_array().expect("a list").iter();
                    let list = list.map(|s| s.as_str().expect("a string").to_owned());
                    (k.clone(), list.collect())
                })
                .collect()
        };
        let generated = features(&manifest("generated/Cargo.toml"));
        let facade = features(&manifest("xapi/Cargo.toml"));
        // `reencode` and `schemars` are not areas: the round-trip
        // dispatchers, for tests and tools, and the models' JSON Schemas.
        let areas: Features = generated
            .keys()
            .filter(|k| *k != "default" && *k != FULL && *k != "reencode" && *k != "schemars")
            .cloned()
            .collect();
        assert_eq!(generated["default"], vec![FULL.to_owned()]);
        assert_eq!(generated[FULL].iter().cloned().collect::<Features>(), areas);

        let mut used = Features::new();
        for entry in std::fs::read_dir(root.join("generated/src")).expect("generated/src") {
            let text = std::fs::read_to_string(entry.expect("entry").path()).expect("a file");
            for piece in text.split("feature = \"").skip(1) {
                used.insert(piece.split('"').next().unwrap_or_default().to_owned());
            }
        }
        used.remove(FULL);
        used.remove("reencode");
        used.remove("schemars");
        assert!(!used.is_empty(), "the generated code is gated");
        assert_eq!(used, areas, "features used by generated/src vs declared");

        for area in &areas {
            assert_eq!(
                facade[area],
                vec![format!("xapi-generated/{area}")],
                "{area}"
            );
            assert!(facade[FULL].contains(area), "xapi's full lacks {area}");
        }
        assert!(facade[FULL].contains(&format!("xapi-generated/{FULL}")));
        assert!(facade["default"].contains(&FULL.to_owned()));
    }
}
