//! Emits the operation table and the per-operation decode dispatchers.
//!
//! The table is what the facade reads at run time: method and path template,
//! success status and model, pagination token parameter, streaming, multipart,
//! accepted credentials with their OAuth 2.0 scopes, and parameter constraints
//! (used to refuse invalid requests before anything is sent).

use heck::ToShoutySnakeCase;
use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Schema, SchemaKind, Type,
};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::bodies::{self, BodyRow};
use crate::gates::{self, Features};
use crate::models::type_ident;
use crate::passes::{operations, ref_name, resolve_parameter, Facts};
use crate::tokens::opt;

/// One operation's row, before emission.
#[derive(Debug, Clone)]
pub struct OpRow {
    pub id: String,
    pub method: &'static str,
    pub path: String,
    /// The first tag: the group the operation's builder belongs to.
    pub tag: String,
    /// Every tag; the operation is compiled when any of their features is on.
    pub tags: Vec<String>,
    pub success_status: u16,
    pub response: Option<String>,
    pub streaming: bool,
    pub multipart: bool,
    pub pagination: Option<String>,
    pub security: Vec<(String, Vec<String>)>,
    pub params: Vec<ParamRow>,
    /// The JSON request body, when the operation takes one.
    pub body: Option<BodyRow>,
    pub doc_url: Option<String>,
}

/// One parameter's constraints.
#[derive(Debug, Clone, Default)]
pub struct ParamRow {
    pub name: String,
    pub location: &'static str,
    pub required: bool,
    pub array: bool,
    pub pattern: Option<String>,
    /// The schema's `format` (`date-time`, `int64`, …).
    pub format: Option<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
}

fn schema_of<'a>(spec: &'a OpenAPI, s: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            match spec.components.as_ref()?.schemas.get(ref_name(reference))? {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

fn boxed_schema_of<'a>(spec: &'a OpenAPI, s: &'a ReferenceOr<Box<Schema>>) -> Option<&'a Schema> {
    match s {
        ReferenceOr::Item(s) => Some(s),
        ReferenceOr::Reference { reference } => {
            match spec.components.as_ref()?.schemas.get(ref_name(reference))? {
                ReferenceOr::Item(s) => Some(s),
                ReferenceOr::Reference { .. } => None,
            }
        }
    }
}

/// The `format` of a scalar schema as the document spells it.
fn format_of(schema: &Schema) -> Option<String> {
    use openapiv3::VariantOrUnknownOrEmpty as F;
    fn name<T: std::fmt::Debug>(f: &F<T>) -> Option<String> {
        match f {
            F::Item(v) => {
                // `DateTime` → `date-time`, `Int64` → `int64`.
                let debug = format!("{v:?}");
                let mut out = String::new();
                for (i, c) in debug.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 {
                        out.push('-');
                    }
                    out.push(c.to_ascii_lowercase());
                }
                Some(out)
            }
            F::Unknown(other) => Some(other.clone()),
            F::Empty => None,
        }
    }
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => name(&s.format),
        SchemaKind::Type(Type::Integer(i)) => name(&i.format).map(|f| f.replace("int-", "int")),
        SchemaKind::Type(Type::Number(n)) => name(&n.format),
        _ => None,
    }
}

fn apply_scalar(row: &mut ParamRow, schema: &Schema) {
    row.format = row.format.take().or_else(|| format_of(schema));
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            row.pattern = row.pattern.take().or_else(|| s.pattern.clone());
            row.min_length = row.min_length.or(s.min_length);
            row.max_length = row.max_length.or(s.max_length);
        }
        SchemaKind::Type(Type::Integer(i)) => {
            row.min = row.min.or(i.minimum.map(|v| v as f64));
            row.max = row.max.or(i.maximum.map(|v| v as f64));
        }
        SchemaKind::Type(Type::Number(n)) => {
            row.min = row.min.or(n.minimum);
            row.max = row.max.or(n.maximum);
        }
        _ => {}
    }
}

fn param_row(spec: &OpenAPI, p: &Parameter) -> ParamRow {
    let data = p.parameter_data_ref();
    let location = match p {
        Parameter::Query { .. } => "query",
        Parameter::Path { .. } => "path",
        Parameter::Header { .. } => "header",
        Parameter::Cookie { .. } => "cookie",
    };
    let mut row = ParamRow {
        name: data.name.clone(),
        location,
        required: data.required,
        ..Default::default()
    };
    if let ParameterSchemaOrContent::Schema(s) = &data.format {
        if let Some(schema) = schema_of(spec, s) {
            match &schema.schema_kind {
                SchemaKind::Type(Type::Array(a)) => {
                    row.array = true;
                    row.min_items = a.min_items;
                    row.max_items = a.max_items;
                    if let Some(item) = a.items.as_ref().and_then(|i| boxed_schema_of(spec, i)) {
                        apply_scalar(&mut row, item);
                    }
                }
                _ => apply_scalar(&mut row, schema),
            }
        }
    }
    row
}

/// Builds the rows from the document as it was before the parameter passes
/// (`original`, for constraints) and the processed one (`processed`, for the
/// kept success responses), with the facts the passes recorded.
pub fn build(original: &OpenAPI, processed: &OpenAPI, facts: &Facts) -> Vec<OpRow> {
    let mut rows = Vec::new();
    for (path, method, op) in operations(original) {
        let id = op.operation_id.clone().unwrap_or_default();
        let processed_op = operations(processed)
            .into_iter()
            .find(|(_, _, o)| o.operation_id.as_deref() == Some(id.as_str()))
            .map(|(_, _, o)| o);
        let response = if let Some(message) = facts.streaming_ops.get(&id) {
            Some(type_ident(message))
        } else {
            processed_op.and_then(|o| {
                o.responses.responses.values().find_map(|r| match r {
                    ReferenceOr::Item(r) => {
                        r.content
                            .get("application/json")
                            .and_then(|m| match &m.schema {
                                Some(ReferenceOr::Reference { reference }) => {
                                    Some(type_ident(ref_name(reference)))
                                }
                                _ => None,
                            })
                    }
                    ReferenceOr::Reference { .. } => None,
                })
            })
        };
        let security = op
            .security
            .as_ref()
            .or(original.security.as_ref())
            .map(|reqs| {
                reqs.iter()
                    .flat_map(|req| req.iter().map(|(k, v)| (k.clone(), v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        let params = op
            .parameters
            .iter()
            .filter_map(|p| resolve_parameter(original, p))
            .map(|p| param_row(original, p))
            .collect();
        let body = bodies::body_row(original, op);
        rows.push(OpRow {
            success_status: facts.success_status.get(&id).copied().unwrap_or(200),
            streaming: facts.streaming_ops.contains_key(&id),
            multipart: facts.multipart_ops.contains(&id),
            pagination: facts.pagination.get(&id).cloned(),
            tag: op.tags.first().cloned().unwrap_or_default(),
            tags: op.tags.clone(),
            doc_url: op.external_docs.as_ref().map(|d| d.url.clone()),
            id,
            method,
            path,
            response,
            security,
            params,
            body,
        });
    }
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

/// A parameter's table entry: what differs from `Param::NONE`.
fn param_tokens(p: &ParamRow) -> TokenStream {
    let name = &p.name;
    let location = match p.location {
        "path" => quote!(Path),
        "header" => quote!(Header),
        "cookie" => quote!(Cookie),
        _ => quote!(Query),
    };
    let mut fields = vec![quote!(name: #name)];
    if p.location != "query" {
        fields.push(quote!(location: crate::runtime::ParamLocation::#location));
    }
    if p.required {
        fields.push(quote!(required: true));
    }
    if p.array {
        fields.push(quote!(array: true));
    }
    let optional = [
        ("pattern", p.pattern.as_ref().map(|v| quote!(#v))),
        ("format", p.format.as_ref().map(|v| quote!(#v))),
        ("min", p.min.map(|v| quote!(#v))),
        ("max", p.max.map(|v| quote!(#v))),
        ("min_length", p.min_length.map(|v| quote!(#v))),
        ("max_length", p.max_length.map(|v| quote!(#v))),
        ("min_items", p.min_items.map(|v| quote!(#v))),
        ("max_items", p.max_items.map(|v| quote!(#v))),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            let field = format_ident!("{field}");
            fields.push(quote!(#field: Some(#value)));
        }
    }
    quote!(crate::runtime::Param { #(#fields,)* ..crate::runtime::Param::NONE })
}

/// The table's method variant for a document method.
fn method_tokens(method: &str) -> TokenStream {
    match method {
        "POST" => quote!(crate::runtime::Method::Post),
        "PUT" => quote!(crate::runtime::Method::Put),
        "PATCH" => quote!(crate::runtime::Method::Patch),
        "DELETE" => quote!(crate::runtime::Method::Delete),
        "HEAD" => quote!(crate::runtime::Method::Head),
        "OPTIONS" => quote!(crate::runtime::Method::Options),
        _ => quote!(crate::runtime::Method::Get),
    }
}

/// The table's scheme variant for a document security scheme.
fn scheme_tokens(scheme: &str) -> TokenStream {
    match scheme {
        "BearerToken" => quote!(crate::runtime::Scheme::AppOnly),
        "OAuth2UserToken" => quote!(crate::runtime::Scheme::OAuth2User),
        _ => quote!(crate::runtime::Scheme::OAuth1User),
    }
}

impl OpRow {
    /// The Cargo features that compile this operation (one per tag).
    pub fn features(&self) -> Features {
        gates::of_tags(&self.tags)
    }

    /// Name of the operation's own static: `searchPostsRecent` →
    /// `SEARCH_POSTS_RECENT`.
    pub fn static_ident(&self) -> syn::Ident {
        format_ident!("{}", self.id.to_shouty_snake_case())
    }
}

/// Emits the operations module body: one static per operation, gated by its
/// features, and the table of the compiled ones.
pub fn emit(rows: &[OpRow]) -> TokenStream {
    let statics = rows.iter().map(|r| {
        let (id, method, path, tag) = (&r.id, r.method, &r.path, &r.tag);
        let cfg = gates::cfg(&r.features());
        let name = r.static_ident();
        let doc = format!("Operation `{id}`: `{method} {path}`.");
        let status = r.success_status;
        let response = opt(&r.response);
        let (streaming, multipart) = (r.streaming, r.multipart);
        let pagination = match &r.pagination {
            Some(token) => quote!(crate::runtime::Pagination::Token(#token)),
            None => quote!(crate::runtime::Pagination::None),
        };
        let method_variant = method_tokens(method);
        let doc_url = opt(&r.doc_url);
        let body = bodies::emit(&r.body);
        let security = r.security.iter().map(|(scheme, scopes)| {
            let scheme = scheme_tokens(scheme);
            quote!(crate::runtime::Security { scheme: #scheme, scopes: &[#(#scopes),*] })
        });
        let params = r.params.iter().map(param_tokens);
        // Only what differs from `Operation::NONE`.
        let mut fields = vec![
            quote!(id: #id),
            quote!(method: #method_variant),
            quote!(path: #path),
            quote!(tag: #tag),
        ];
        if status != 200 {
            fields.push(quote!(success_status: #status));
        }
        if r.response.is_some() {
            fields.push(quote!(response: #response));
        }
        if streaming {
            fields.push(quote!(delivery: crate::runtime::Delivery::JsonLines));
        }
        if multipart {
            fields.push(quote!(multipart: true));
        }
        if r.pagination.is_some() {
            fields.push(quote!(pagination: #pagination));
        }
        if !r.security.is_empty() {
            fields.push(quote!(security: &[#(#security),*]));
        }
        if !r.params.is_empty() {
            fields.push(quote!(params: &[#(#params),*]));
        }
        if r.body.is_some() {
            fields.push(quote!(body: #body));
        }
        if r.doc_url.is_some() {
            fields.push(quote!(doc_url: #doc_url));
        }
        quote! {
            #[doc = #doc]
            #cfg
            pub static #name: crate::runtime::Operation = crate::runtime::Operation {
                #(#fields,)*
                ..crate::runtime::Operation::NONE
            };
        }
    });
    let entries = rows.iter().map(|r| {
        let cfg = gates::cfg(&r.features());
        let name = r.static_ident();
        quote!(#cfg #name)
    });
    let success_arms = rows.iter().filter(|r| !r.streaming).map(|r| {
        let id = &r.id;
        let cfg = gates::cfg(&r.features());
        match &r.response {
            Some(t) => {
                let t = format_ident!("{}", t);
                quote!(#cfg #id => Some(crate::runtime::reencode::<crate::models::#t>(body)),)
            }
            None => quote!(#cfg #id => Some(crate::runtime::reencode_value(body)),),
        }
    });
    let stream_arms = rows.iter().filter(|r| r.streaming).filter_map(|r| {
        let id = &r.id;
        let cfg = gates::cfg(&r.features());
        let t = format_ident!("{}", r.response.as_ref()?);
        Some(quote!(#cfg #id => Some(crate::runtime::reencode::<crate::models::#t>(line)),))
    });
    quote! {
        #(#statics)*

        /// Every operation of the API document compiled in (see the crate's
        /// Cargo features), sorted by operation id.
        pub static OPERATIONS: &[crate::runtime::Operation] = &[#(#entries),*];

        /// Finds an operation by id or by `"METHOD /path/{template}"`.
        pub fn find(key: &str) -> Option<&'static crate::runtime::Operation> {
            crate::runtime::Operation::find_in(OPERATIONS, key)
        }

        /// Decodes `body` as the success response of `operation_id` and
        /// serialises the result back to JSON (`None` for an unknown or
        /// streaming operation). For round-trip tests, tools and fuzzing:
        /// feature `reencode`.
        #[cfg(feature = "reencode")]
        pub fn reencode_success(operation_id: &str, body: &[u8]) -> Option<Result<serde_json::Value, crate::runtime::DecodeFailure>> {
            let _ = body;
            match operation_id {
                #(#success_arms)*
                _ => None,
            }
        }

        /// Decodes one message `line` of streaming operation `operation_id` and
        /// serialises it back (`None` for an unknown or non-streaming operation).
        /// Feature `reencode`.
        #[cfg(feature = "reencode")]
        pub fn reencode_stream_message(operation_id: &str, line: &[u8]) -> Option<Result<serde_json::Value, crate::runtime::DecodeFailure>> {
            let _ = line;
            match operation_id {
                #(#stream_arms)*
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::passes::run_all;

    /// Root credentials, a component field parameter, a patterned path
    /// parameter, a stream and a body.
    fn document() -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "security": [{"BearerToken": []}],
            "paths": {
                "/2/things/{id}": {"get": {
                    "operationId": "getThing",
                    "tags": ["Things"],
                    "externalDocs": {"url": "https://docs.example.invalid/get"},
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"$ref": "#/components/schemas/ThingId"}},
                        {"name": "max_results", "in": "query", "schema": {"type": "integer", "format": "int32", "minimum": 1, "maximum": 100}},
                        {"name": "start_time", "in": "query", "schema": {"type": "string", "format": "date-time"}},
                        {"name": "pagination_token", "in": "query", "schema": {"type": "string", "minLength": 16}},
                        {"$ref": "#/components/parameters/ThingFieldsParameter"}
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingResponse"}}}},
                        "default": {"description": "err", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                    }
                }},
                "/2/things/stream": {"get": {
                    "operationId": "streamThings",
                    "tags": ["Stream", "Things"],
                    "x-twitter-streaming": true,
                    "security": [{"OAuth2UserToken": ["thing.read"]}, {"UserToken": []}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
                }},
                "/2/things": {"post": {
                    "operationId": "createThing",
                    "tags": ["Things"],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "responses": {"201": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
                }}
            },
            "components": {
                "schemas": {
                    "ThingId": {"type": "string", "pattern": "^[0-9]+$"},
                    "Thing": {"type": "object", "required": ["id"], "properties": {"id": {"$ref": "#/components/schemas/ThingId"}}},
                    "ThingResponse": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/Thing"}}},
                    "Problem": {"type": "object", "properties": {"title": {"type": "string"}}}
                },
                "parameters": {
                    "ThingFieldsParameter": {"name": "thing.fields", "in": "query", "schema": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": ["id", "name"]}}}
                }
            }
        }))
        .expect("test document parses")
    }

    fn rows() -> Vec<OpRow> {
        let original = document();
        let mut processed = original.clone();
        let facts = run_all(&mut processed);
        build(&original, &processed, &facts)
    }

    fn row<'a>(rows: &'a [OpRow], id: &str) -> &'a OpRow {
        rows.iter().find(|r| r.id == id).expect("a row")
    }

    #[test]
    fn rows_take_constraints_from_the_original_and_facts_from_the_passes() {
        let rows = rows();
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["createThing", "getThing", "streamThings"], "sorted");

        let get = row(&rows, "getThing");
        assert_eq!((get.method, get.path.as_str()), ("GET", "/2/things/{id}"));
        assert_eq!(get.response.as_deref(), Some("ThingResponse"));
        assert_eq!(get.pagination.as_deref(), Some("pagination_token"));
        assert_eq!(get.security, [("BearerToken".to_owned(), vec![])], "root");
        assert_eq!(
            get.doc_url.as_deref(),
            Some("https://docs.example.invalid/get")
        );
        assert!(get.body.is_none());
        let param = |name: &str| {
            get.params
                .iter()
                .find(|p| p.name == name)
                .unwrap_or_else(|| panic!("{name}"))
        };
        let id = param("id");
        assert_eq!((id.location, id.required), ("path", true));
        assert_eq!(id.pattern.as_deref(), Some("^[0-9]+$"), "through the $ref");
        let max = param("max_results");
        assert_eq!((max.min, max.max), (Some(1.0), Some(100.0)));
        assert_eq!(max.format.as_deref(), Some("int32"));
        assert_eq!(param("start_time").format.as_deref(), Some("date-time"));
        assert_eq!(param("pagination_token").min_length, Some(16));
        // The original's array, not the comma-joined list the passes made.
        let fields = param("thing.fields");
        assert!(fields.array);
        assert_eq!(fields.min_items, Some(1));

        let stream = row(&rows, "streamThings");
        assert!(stream.streaming);
        assert_eq!(stream.response.as_deref(), Some("Thing"), "one message");
        assert_eq!(stream.tag, "Stream");
        assert_eq!(
            stream.features(),
            ["stream", "things"].map(str::to_owned).into()
        );
        assert_eq!(stream.security.len(), 2);
        assert_eq!(stream.static_ident(), "STREAM_THINGS");

        let create = row(&rows, "createThing");
        assert_eq!(create.success_status, 201);
        assert_eq!(create.response, None, "no component schema");
        assert!(create.body.as_ref().is_some_and(|b| b.required));
    }

    #[test]
    fn the_table_lists_what_differs_from_the_defaults() {
        let tokens = emit(&rows());
        let text = prettyplease::unparse(&syn::parse2(tokens).expect("ops parse"));
        let item = |name: &str| {
            let start = text
                .find(&format!("pub static {name}:"))
                .unwrap_or_else(|| panic!("{name}"));
            let end = text[start..].find("\n};").expect("closed");
            &text[start..start + end]
        };
        let get = item("GET_THING");
        assert!(
            get.contains("pagination: crate::runtime::Pagination::Token(\"pagination_token\"),")
        );
        assert!(get.contains("location: crate::runtime::ParamLocation::Path,"));
        assert!(get.contains("scheme: crate::runtime::Scheme::AppOnly,"));
        assert!(get.contains("doc_url: Some(\"https://docs.example.invalid/get\"),"));
        assert!(!get.contains("success_status"), "200 is the default");
        assert!(!get.contains("delivery"));
        let stream = item("STREAM_THINGS");
        assert!(stream.contains("delivery: crate::runtime::Delivery::JsonLines,"));
        assert!(stream.contains("scheme: crate::runtime::Scheme::OAuth2User,"));
        assert!(stream.contains("scheme: crate::runtime::Scheme::OAuth1User,"));
        let create = item("CREATE_THING");
        assert!(create.contains("method: crate::runtime::Method::Post,"));
        assert!(create.contains("success_status: 201u16,"));
        assert!(create.contains("body: Some(crate::runtime::Body {"));
        assert!(!create.contains("response:"));
        // Each static is gated by its tags, and so is its table entry.
        assert!(text.contains(
            "#[cfg(any(feature = \"stream\", feature = \"things\"))]\npub static STREAM_THINGS:"
        ));
        assert!(text.contains("    #[cfg(feature = \"things\")]\n    GET_THING,\n"));
        // Streams decode line by line, other bodies whole.
        assert!(text.contains(
            "\"streamThings\" => Some(crate::runtime::reencode::<crate::models::Thing>(line)),"
        ));
        assert!(text.contains("\"createThing\" => Some(crate::runtime::reencode_value(body)),"));
        let success = &text[text.find("pub fn reencode_success").expect("dispatch")..];
        let success = &success[..success.find("\n}").expect("closed")];
        assert!(!success.contains("streamThings"));
    }
}
