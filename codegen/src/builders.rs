//! Emits one fluent request builder per operation, grouped by tag.
//!
//! A builder collects path, query and body values with typed setters
//! (shared field enums, comma-joined lists, RFC 3339 times) and hands them,
//! with the operation's row of the table, to a `Sender`: the facade's client,
//! which validates, authenticates, rate-limits, retries and decodes.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::gates::{self, Features};
use crate::models::{field_ident, type_ident, Item, Models, Ty};
use crate::ops::OpRow;
use crate::passes::{operations, ref_name, resolve_parameter};

/// How a parameter is typed in its setter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// `impl Into<String>`
    Str,
    /// `chrono::DateTime<Utc>`, sent as `YYYY-MM-DDTHH:mm:ssZ`
    DateTime,
    /// `i64`
    Int,
    /// `f64`
    Number,
    /// `bool`
    Bool,
    /// A generated open enum.
    Enum(String),
    /// A comma-joined list of a generated enum.
    EnumList(String),
    /// A comma-joined list of strings.
    StrList,
}

/// One parameter of a builder.
#[derive(Debug, Clone)]
pub struct BuilderParam {
    pub name: String,
    pub setter: String,
    pub path: bool,
    pub required: bool,
    pub kind: ParamKind,
}

/// One builder.
#[derive(Debug, Clone)]
pub struct Builder {
    /// The operation's static in the operations module.
    pub op_static: syn::Ident,
    pub id: String,
    pub tag: String,
    /// The Cargo features that compile the builder (those of its operation).
    pub features: Features,
    pub params: Vec<BuilderParam>,
    /// Request body model and whether it is required.
    pub body: Option<(String, bool)>,
    pub response: Option<String>,
    pub streaming: bool,
    pub paginated: bool,
}

fn kind_of(spec: &OpenAPI, models: &Models, schema: &ReferenceOr<openapiv3::Schema>) -> ParamKind {
    match schema {
        ReferenceOr::Reference { reference } => {
            let name = type_ident(ref_name(reference));
            match models.items.get(&name) {
                Some(Item::Enum { .. }) => ParamKind::Enum(name),
                Some(Item::Alias {
                    ty: Ty::Named(n), ..
                }) if n.starts_with("crate::runtime::CsvList<") => {
                    let item = n
                        .trim_start_matches("crate::runtime::CsvList<")
                        .trim_end_matches('>');
                    let string_alias = matches!(
                        models.items.get(item),
                        Some(Item::Alias { ty: Ty::Str, .. })
                    );
                    if item == "String" || string_alias {
                        ParamKind::StrList
                    } else {
                        ParamKind::EnumList(item.to_owned())
                    }
                }
                _ => {
                    let target = spec
                        .components
                        .as_ref()
                        .and_then(|c| c.schemas.get(ref_name(reference)));
                    match target {
                        Some(s) => kind_of(spec, models, s),
                        None => ParamKind::Str,
                    }
                }
            }
        }
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::Type(Type::String(st)) => match &st.format {
                openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => {
                    ParamKind::DateTime
                }
                _ => ParamKind::Str,
            },
            SchemaKind::Type(Type::Integer(_)) => ParamKind::Int,
            SchemaKind::Type(Type::Number(_)) => ParamKind::Number,
            SchemaKind::Type(Type::Boolean(_)) => ParamKind::Bool,
            SchemaKind::Type(Type::Array(_)) => ParamKind::StrList,
            _ => ParamKind::Str,
        },
    }
}

/// Builds the builder descriptions from the processed document and the table rows.
pub fn build(processed: &OpenAPI, models: &Models, rows: &[OpRow]) -> Vec<Builder> {
    let mut out = Vec::new();
    for (path, method, op) in operations(processed) {
        let id = op.operation_id.clone().unwrap_or_default();
        let Some(row) = rows.iter().find(|r| r.id == id) else {
            continue;
        };
        let _ = (path, method);
        let mut params = Vec::new();
        let mut used = BTreeSet::new();
        for p in &op.parameters {
            let Some(p) = resolve_parameter(processed, p) else {
                continue;
            };
            let data = p.parameter_data_ref();
            let path_param = matches!(p, Parameter::Path { .. });
            if !path_param && !matches!(p, Parameter::Query { .. }) {
                continue;
            }
            let kind = match &data.format {
                ParameterSchemaOrContent::Schema(s) => kind_of(processed, models, s),
                ParameterSchemaOrContent::Content(_) => ParamKind::Str,
            };
            let mut setter = field_ident(&data.name);
            if [
                "send",
                "new",
                "stream",
                "pages",
                "items",
                "body",
                "parts",
                "sender",
                "into_parts",
            ]
            .contains(&setter.as_str())
                || !used.insert(setter.clone())
            {
                setter.push_str("_param");
                used.insert(setter.clone());
            }
            params.push(BuilderParam {
                name: data.name.clone(),
                setter,
                path: path_param,
                required: data.required || path_param,
                kind,
            });
        }
        let body = match &op.request_body {
            Some(ReferenceOr::Item(b)) => b.content.get("application/json").and_then(|m| match &m
                .schema
            {
                Some(ReferenceOr::Reference { reference }) => {
                    Some((type_ident(ref_name(reference)), b.required))
                }
                _ => None,
            }),
            _ => None,
        };
        out.push(Builder {
            op_static: row.static_ident(),
            tag: row.tag.clone(),
            features: row.features(),
            response: row.response.clone(),
            streaming: row.streaming,
            paginated: row.pagination.is_some(),
            id,
            params,
            body,
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

fn setter_arg(kind: &ParamKind) -> (TokenStream, TokenStream) {
    // (argument type, expression turning `value` into the wire string)
    match kind {
        ParamKind::Str => (quote!(impl Into<String>), quote!(value.into())),
        ParamKind::DateTime => (
            quote!(chrono::DateTime<chrono::Utc>),
            quote!(value.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        ),
        ParamKind::Int => (quote!(i64), quote!(value.to_string())),
        ParamKind::Number => (quote!(f64), quote!(value.to_string())),
        ParamKind::Bool => (quote!(bool), quote!(value.to_string())),
        ParamKind::Enum(name) => {
            let t = format_ident!("{}", name);
            (quote!(crate::models::#t), quote!(value.to_string()))
        }
        ParamKind::EnumList(name) => {
            let t = format_ident!("{}", name);
            (
                quote!(impl IntoIterator<Item = crate::models::#t>),
                quote!(crate::runtime::join_csv(value)),
            )
        }
        ParamKind::StrList => (
            quote!(impl IntoIterator<Item = impl Into<String>>),
            quote!(crate::runtime::join_csv(
                value.into_iter().map(Into::<String>::into)
            )),
        ),
    }
}

fn kind_doc(kind: &ParamKind) -> String {
    match kind {
        ParamKind::Str => "a string".to_owned(),
        ParamKind::DateTime => "a UTC time, sent as `YYYY-MM-DDTHH:mm:ssZ`".to_owned(),
        ParamKind::Int => "an integer".to_owned(),
        ParamKind::Number => "a number".to_owned(),
        ParamKind::Bool => "a boolean".to_owned(),
        ParamKind::Enum(n) => format!("a [`{n}`](crate::models::{n})"),
        ParamKind::EnumList(n) => {
            format!("a list of [`{n}`](crate::models::{n}), sent comma-joined")
        }
        ParamKind::StrList => "a list of strings, sent comma-joined".to_owned(),
    }
}

/// Group struct name for a tag: `Direct Messages` → `DirectMessagesApi`.
pub fn group_ident(tag: &str) -> String {
    format!("{}Api", group_fn(tag).to_upper_camel_case())
}

/// Accessor name for a tag: `Direct Messages` → `direct_messages`.
pub fn group_fn(tag: &str) -> String {
    match tag.to_snake_case() {
        // An operation without a tag still needs a group to be reached from.
        name if name.is_empty() => "untagged".to_owned(),
        name => name,
    }
}

/// Short method name within a group: the words of the group's name (and, for
/// posts, "post"/"posts"/"tweet"/"tweets") are dropped: `searchPostsRecent`
/// in `Tweets` → `search_recent`.
pub fn short_name(id: &str, tag: &str) -> Option<String> {
    let mut drop: BTreeSet<String> = BTreeSet::new();
    for word in tag.to_snake_case().split('_') {
        drop.insert(word.to_owned());
        if let Some(s) = word.strip_suffix('s') {
            drop.insert(s.to_owned());
        }
    }
    if tag == "Tweets" {
        for w in ["post", "posts", "tweet", "tweets"] {
            drop.insert(w.to_owned());
        }
    }
    let snake = id.to_snake_case();
    let kept: Vec<&str> = snake.split('_').filter(|w| !drop.contains(*w)).collect();
    let short = kept.join("_");
    if short.is_empty() || short == snake || short.starts_with(|c: char| c.is_ascii_digit()) {
        None
    } else {
        Some(short)
    }
}

/// Emits the requests module body.
pub fn emit(builders: &[Builder]) -> TokenStream {
    let structs = builders.iter().map(emit_builder);
    let mut groups: BTreeMap<String, Vec<&Builder>> = BTreeMap::new();
    for b in builders {
        groups.entry(b.tag.clone()).or_default().push(b);
    }
    let group_features: BTreeMap<&String, Features> = groups
        .iter()
        .map(|(tag, members)| {
            let union = members.iter().flat_map(|b| b.features.iter().cloned());
            (tag, union.collect())
        })
        .collect();
    let group_items = groups.iter().map(|(tag, members)| {
        let ident = format_ident!("{}", group_ident(tag));
        let group_cfg = gates::cfg(&group_features[tag]);
        let doc = format!("Operations tagged {tag} in the API document.");
        let all_names: BTreeSet<String> = members.iter().map(|b| b.id.to_snake_case()).collect();
        let mut shorts: BTreeMap<String, usize> = BTreeMap::new();
        for b in members {
            if let Some(s) = short_name(&b.id, tag) {
                *shorts.entry(s).or_default() += 1;
            }
        }
        let methods = members.iter().map(|b| {
            let builder = format_ident!("{}", b.id.to_upper_camel_case());
            let required: Vec<&BuilderParam> = b.params.iter().filter(|p| p.required).collect();
            let args = required.iter().map(|p| {
                let name = format_ident!("{}", p.setter);
                let (ty, _) = setter_arg(&p.kind);
                quote!(#name: #ty)
            });
            let calls = required.iter().map(|p| {
                let name = format_ident!("{}", p.setter);
                quote!(.#name(#name))
            });
            let body_arg = match &b.body {
                Some((t, true)) => {
                    let t = format_ident!("{}", t);
                    quote!(body: crate::models::#t)
                }
                _ => quote!(),
            };
            let body_call = match &b.body {
                Some((_, true)) => quote!(.body(body)),
                _ => quote!(),
            };
            let comma = if required.is_empty() || !matches!(b.body, Some((_, true))) {
                quote!()
            } else {
                quote!(,)
            };
            // One name per operation: the operation id without the group's
            // words when that is unique in the group, the whole id otherwise.
            let name = short_name(&b.id, tag)
                .filter(|s| shorts.get(s) == Some(&1) && !all_names.contains(s))
                .unwrap_or_else(|| b.id.to_snake_case());
            let name = format_ident!("{}", name);
            let cfg = gates::cfg(&b.features);
            let doc = format!(
                "Starts a [`{}`] request (operation `{}`).",
                b.id.to_upper_camel_case(),
                b.id
            );
            quote! {
                #[doc = #doc]
                #cfg
                pub fn #name(&self, #(#args),* #comma #body_arg) -> #builder<'c, S> {
                    #builder::new(self.0) #(#calls)* #body_call
                }
            }
        });
        quote! {
            #[doc = #doc]
            #group_cfg
            #[derive(Clone, Copy, Debug)]
            pub struct #ident<'c, S>(pub &'c S);

            #group_cfg
            impl<'c, S: crate::runtime::Sender> #ident<'c, S> {
                #(#methods)*
            }
        }
    });
    let accessors = groups.keys().map(|tag| {
        let ident = format_ident!("{}", group_ident(tag));
        let f = format_ident!("{}", group_fn(tag));
        let doc = format!("Operations tagged {tag}.");
        let cfg = gates::cfg(&group_features[tag]);
        quote! {
            #[doc = #doc]
            #cfg
            fn #f(&self) -> #ident<'_, Self> { #ident(self) }
        }
    });
    let tags = groups.keys().map(|tag| {
        let cfg = gates::cfg(&group_features[tag]);
        quote!(#cfg #tag)
    });
    quote! {
        #(#structs)*
        #(#group_items)*

        /// Entry points by tag, for any [`Sender`](crate::runtime::Sender).
        pub trait Api: crate::runtime::Sender + Sized {
            #(#accessors)*
        }

        impl<S: crate::runtime::Sender> Api for S {}

        /// The tags of the API document, one group each (those compiled in).
        pub const TAGS: &[&str] = &[#(#tags),*];
    }
}

fn emit_builder(b: &Builder) -> TokenStream {
    let ident = format_ident!("{}", b.id.to_upper_camel_case());
    let op = &b.op_static;
    let cfg = gates::cfg(&b.features);
    let setters = b.params.iter().map(|p| {
        let name = format_ident!("{}", p.setter);
        let wire = &p.name;
        let (ty, conv) = setter_arg(&p.kind);
        let doc = format!(
            "Sets {} parameter `{wire}`: {}{}.",
            if p.path { "path" } else { "query" },
            kind_doc(&p.kind),
            if p.required { " (required)" } else { "" }
        );
        let push = if p.path {
            quote!(self.parts.set_path(#wire, #conv);)
        } else {
            quote!(self.parts.set_query(#wire, #conv);)
        };
        quote! {
            #[doc = #doc]
            pub fn #name(mut self, value: #ty) -> Self {
                #push
                self
            }
        }
    });
    let body = b.body.as_ref().map(|(t, _)| {
        let t = format_ident!("{}", t);
        let doc = format!("Sets the JSON request body ([`{t}`](crate::models::{t})).");
        quote! {
            #[doc = #doc]
            pub fn body(mut self, value: crate::models::#t) -> Self {
                self.parts.set_body(&value);
                self
            }
        }
    });
    let response_ty = match &b.response {
        Some(r) => {
            let r = format_ident!("{}", r);
            quote!(crate::models::#r)
        }
        None => quote!(serde_json::Value),
    };
    let terminal = if b.streaming {
        quote! {
            /// Opens the stream: messages are decoded one line at a time.
            pub fn stream(self) -> S::Stream<#response_ty> {
                self.sender.open_stream(&crate::ops::#op, self.parts)
            }
        }
    } else {
        let pages = b.paginated.then(|| {
            quote! {
                /// Follows `meta.next_token` from page to page.
                pub fn pages(self) -> S::Pages<#response_ty> {
                    self.sender.paginate(&crate::ops::#op, self.parts)
                }
            }
        });
        quote! {
            /// Sends the request.
            pub fn send(self) -> impl std::future::Future<Output = Result<S::Reply<#response_ty>, S::Error>> + Send + 'c {
                self.sender.send(&crate::ops::#op, self.parts)
            }
            #pages
        }
    };
    let doc = format!(
        "Request builder for operation `{}`: see [`{op}`](crate::ops::{op}).",
        b.id
    );
    quote! {
        #[doc = #doc]
        #cfg
        #[must_use = "a request does nothing until it is sent"]
        #[derive(Debug)]
        pub struct #ident<'c, S> {
            sender: &'c S,
            parts: crate::runtime::RequestParts,
        }

        #cfg
        impl<'c, S: crate::runtime::Sender> #ident<'c, S> {
            /// A request with nothing set yet.
            pub fn new(sender: &'c S) -> Self {
                Self { sender, parts: crate::runtime::RequestParts::new(&crate::ops::#op) }
            }
            /// The operation this builder sends.
            pub fn operation(&self) -> &'static crate::runtime::Operation {
                &crate::ops::#op
            }
            /// The values collected so far.
            pub fn parts(&self) -> &crate::runtime::RequestParts {
                &self.parts
            }
            /// Sets a query parameter by its wire name (for parameters newer than these bindings).
            pub fn raw_query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.parts.set_query_owned(name.into(), value.into());
                self
            }
            #(#setters)*
            #body
            #terminal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::passes::run_all;

    /// One group with every kind of parameter, a body, a page token and a
    /// stream; a second tag on one operation.
    fn builders() -> Vec<Builder> {
        let original: OpenAPI = serde_json::from_value(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/2/things/{id}": {"post": {
                    "operationId": "updateThing",
                    "tags": ["Things"],
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "ids", "in": "query", "required": true, "schema": {"type": "array", "items": {"type": "string"}}},
                        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                        {"name": "count", "in": "query", "schema": {"type": "integer"}},
                        {"name": "ratio", "in": "query", "schema": {"type": "number"}},
                        {"name": "dry", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "send", "in": "query", "schema": {"type": "string"}},
                        {"name": "x-trace", "in": "header", "schema": {"type": "string"}},
                        {"$ref": "#/components/parameters/ThingFieldsParameter"}
                    ],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                }},
                "/2/things": {"get": {
                    "operationId": "listThings",
                    "tags": ["Things", "Lists"],
                    "parameters": [{"name": "next_token", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }},
                "/2/things/stream": {"get": {
                    "operationId": "streamThings",
                    "tags": ["Things"],
                    "x-twitter-streaming": true,
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                }}
            },
            "components": {
                "schemas": {"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}},
                "parameters": {
                    "ThingFieldsParameter": {"name": "thing.fields", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["id", "name"]}}}
                }
            }
        }))
        .expect("test document parses");
        let mut processed = original.clone();
        let facts = run_all(&mut processed);
        let json = serde_json::to_value(&processed).expect("serialises");
        let models = crate::models::build(&json, &facts.csv_lists);
        let rows = crate::ops::build(&original, &processed, &facts);
        build(&processed, &models, &rows)
    }

    #[test]
    fn setters_are_typed_by_the_parameter_schemas() {
        let all = builders();
        let ids: Vec<&str> = all.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["listThings", "streamThings", "updateThing"]);
        let update = &all[2];
        let kinds: Vec<(&str, &str, bool, ParamKind)> = update
            .params
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.setter.as_str(),
                    p.required,
                    p.kind.clone(),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("id", "id", true, ParamKind::Str),
                ("ids", "ids", true, ParamKind::StrList),
                (
                    "sort",
                    "sort",
                    false,
                    ParamKind::Enum("UpdateThingSort".into())
                ),
                ("since", "since", false, ParamKind::DateTime),
                ("count", "count", false, ParamKind::Int),
                ("ratio", "ratio", false, ParamKind::Number),
                ("dry", "dry", false, ParamKind::Bool),
                ("send", "send_param", false, ParamKind::Str),
                (
                    "thing.fields",
                    "thing_fields",
                    false,
                    ParamKind::EnumList("ThingField".into())
                ),
            ],
            "header parameters have no setter"
        );
        assert!(update.params[0].path);
        assert_eq!(update.body, Some(("Thing".to_owned(), true)));
        assert_eq!(update.response.as_deref(), Some("Thing"));
        let (list, stream) = (&all[0], &all[1]);
        assert!(list.paginated && !list.streaming);
        assert_eq!(list.response, None);
        assert!(stream.streaming && !stream.paginated);
        assert_eq!(list.features, ["lists", "things"].map(str::to_owned).into());
    }

    #[test]
    fn builders_and_groups_are_emitted() {
        let tokens = emit(&builders());
        let text = prettyplease::unparse(&syn::parse2(tokens).expect("requests parse"));
        let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [
            "pub fn send_param(mut self, value: impl Into<String>) -> Self {",
            "pub fn since(mut self, value: chrono::DateTime<chrono::Utc>) -> Self {",
            "pub fn sort(mut self, value: crate::models::UpdateThingSort) -> Self {",
            "pub fn thing_fields( mut self, value: impl IntoIterator<Item = crate::models::ThingField>, ) -> Self {",
            "self.parts.set_path(\"id\", value.into());",
            "pub fn body(mut self, value: crate::models::Thing) -> Self {",
            "pub fn pages(self) -> S::Pages<serde_json::Value> {",
            "pub fn stream(self) -> S::Stream<crate::models::Thing> {",
            "self.sender.open_stream(&crate::ops::STREAM_THINGS, self.parts)",
            "pub const TAGS: &[&str] = &[",
        ] {
            assert!(squeezed.contains(needle), "{needle}");
        }
        assert_eq!(squeezed.matches("pub fn pages(").count(), 1);
        assert!(!squeezed.contains("x_trace"));
        // The group takes the required values and the required body, under
        // one name per operation: the short name drops the group's words.
        let group = &text[text
            .find("impl<'c, S: crate::runtime::Sender> ThingsApi<'c, S>")
            .expect("group")..];
        let group: String = group[..group.find("\n}").expect("closed")]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(group.contains("pub fn update( &self, id: impl Into<String>, ids: impl IntoIterator<Item = impl Into<String>>, body: crate::models::Thing, ) -> UpdateThing<'c, S> {"), "{group}");
        assert!(!group.contains("pub fn update_thing("), "{group}");
        assert!(!group.contains("Same as"), "{group}");
        assert!(
            group.contains("pub fn list(") && group.contains("pub fn stream("),
            "{group}"
        );
        // A group is compiled with any of its members' features.
        assert!(text.contains(
            "#[cfg(any(feature = \"lists\", feature = \"things\"))]\n#[derive(Clone, Copy, Debug)]\npub struct ThingsApi<'c, S>"
        ));
        assert!(text.contains("fn things(&self) -> ThingsApi<'_, Self>"));
    }

    #[test]
    fn short_names_drop_the_group_words() {
        assert_eq!(
            short_name("searchPostsRecent", "Tweets").as_deref(),
            Some("search_recent")
        );
        assert_eq!(
            short_name("getUsersById", "Users").as_deref(),
            Some("get_by_id")
        );
        assert_eq!(
            short_name("getDirectMessagesEvents", "Direct Messages").as_deref(),
            Some("get_events")
        );
        assert_eq!(short_name("likePost", "Users"), None);
        assert_eq!(short_name("getUsers", "Users").as_deref(), Some("get"));
    }

    #[test]
    fn group_names() {
        assert_eq!(group_ident("Direct Messages"), "DirectMessagesApi");
        assert_eq!(group_fn("Direct Messages"), "direct_messages");
        assert_eq!(group_fn(""), "untagged");
        assert_eq!(group_ident(""), "UntaggedApi");
        assert_eq!(group_ident("Direct Messages"), "DirectMessagesApi");
        assert_eq!(group_fn(" "), "untagged");
        assert_eq!(group_fn("Account Activity"), "account_activity");
    }
}
