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
use crate::features::{self, Features};
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
        features::of_tags(&self.tags)
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
        let cfg = features::cfg(&r.features());
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
            fields.push(quote!(streaming: true));
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
        let cfg = features::cfg(&r.features());
        let name = r.static_ident();
        quote!(#cfg #name)
    });
    let success_arms = rows.iter().filter(|r| !r.streaming).map(|r| {
        let id = &r.id;
        let cfg = features::cfg(&r.features());
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
        let cfg = features::cfg(&r.features());
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
        /// streaming operation).
        pub fn reencode_success(operation_id: &str, body: &[u8]) -> Option<Result<serde_json::Value, crate::runtime::DecodeFailure>> {
            let _ = body;
            match operation_id {
                #(#success_arms)*
                _ => None,
            }
        }

        /// Decodes one message `line` of streaming operation `operation_id` and
        /// serialises it back (`None` for an unknown or non-streaming operation).
        pub fn reencode_stream_message(operation_id: &str, line: &[u8]) -> Option<Result<serde_json::Value, crate::runtime::DecodeFailure>> {
            let _ = line;
            match operation_id {
                #(#stream_arms)*
                _ => None,
            }
        }
    }
}
