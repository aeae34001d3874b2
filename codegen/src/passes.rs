//! Preprocessing passes on the OpenAPI document.
//!
//! Each pass is a small function over [`openapiv3::OpenAPI`] with one job, run
//! in the order of [`run_all`]. Passes that discover facts the facade needs
//! later (streaming operations, multipart bodies, hoisted enums) record them in
//! [`Facts`].

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use indexmap::IndexMap;
use openapiv3::{
    ArrayType, MediaType, OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr,
    Schema, SchemaData, SchemaKind, StatusCode, StringType, Type,
};

/// Facts gathered while preprocessing, used by the later emit passes.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// Operations whose multipart request body was set aside (operation id).
    pub multipart_ops: BTreeSet<String>,
    /// Streaming operations: operation id → component name of one message.
    pub streaming_ops: BTreeMap<String, String>,
    /// Shared enums hoisted from field/expansion parameters: enum name → values.
    pub hoisted_enums: BTreeMap<String, Vec<String>>,
    /// Component names of comma-joined list types: list name → item type name
    /// (`None` for plain strings).
    pub csv_lists: BTreeMap<String, Option<String>>,
    /// Success status kept for each operation.
    pub success_status: BTreeMap<String, u16>,
    /// Paginated operations: operation id → name of the token query parameter.
    pub pagination: BTreeMap<String, String>,
}

/// Content type given to streaming responses so the client hands back the raw
/// byte stream instead of buffering and decoding one JSON document.
pub const STREAM_CONTENT_TYPE: &str = "application/x-ndjson";

/// Iterates over every operation with its path and method.
pub fn operations_mut(spec: &mut OpenAPI) -> impl Iterator<Item = (String, &str, &mut Operation)> {
    spec.paths.paths.iter_mut().flat_map(|(path, item)| {
        let item = match item {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { .. } => None,
        };
        item.into_iter().flat_map(move |item| {
            let path = path.clone();
            [
                ("GET", item.get.as_mut()),
                ("PUT", item.put.as_mut()),
                ("POST", item.post.as_mut()),
                ("DELETE", item.delete.as_mut()),
                ("PATCH", item.patch.as_mut()),
                ("OPTIONS", item.options.as_mut()),
                ("HEAD", item.head.as_mut()),
                ("TRACE", item.trace.as_mut()),
            ]
            .into_iter()
            .filter_map(move |(m, op)| op.map(|op| (path.clone(), m, op)))
        })
    })
}

/// Iterates over every operation with its path and method, read-only.
pub fn operations(spec: &OpenAPI) -> Vec<(String, &'static str, &Operation)> {
    let mut out = Vec::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (m, op) in [
            ("GET", &item.get),
            ("PUT", &item.put),
            ("POST", &item.post),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
            ("OPTIONS", &item.options),
            ("HEAD", &item.head),
            ("TRACE", &item.trace),
        ] {
            if let Some(op) = op {
                out.push((path.clone(), m, op));
            }
        }
    }
    out
}

/// Runs every preprocessing pass in order.
pub fn run_all(spec: &mut OpenAPI) -> Facts {
    let mut facts = Facts::default();
    normalize_responses(spec, &mut facts);
    dedupe_enum_values(spec);
    set_aside_multipart(spec, &mut facts);
    mark_streaming(spec, &mut facts);
    hoist_field_enums(spec, &mut facts);
    comma_join_array_params(spec, &mut facts);
    collect_pagination(spec, &mut facts);
    strip_prose(spec);
    describe_operations(spec, &facts);
    facts
}

/// Keeps only the success response of each operation.
///
/// The document pairs every 2xx response with a `default` one; the client
/// generator accepts a single response type, and error bodies are decoded by
/// the facade from the raw response (so status, headers and body survive).
pub fn normalize_responses(spec: &mut OpenAPI, facts: &mut Facts) {
    for (_, _, op) in operations_mut(spec) {
        let id = op.operation_id.clone().unwrap_or_default();
        let responses = std::mem::take(&mut op.responses.responses);
        let mut kept = IndexMap::new();
        for (code, response) in responses {
            let success = match &code {
                StatusCode::Code(c) => (200..300).contains(c),
                StatusCode::Range(r) => *r == 2,
            };
            if success && kept.is_empty() {
                if let StatusCode::Code(c) = &code {
                    facts.success_status.insert(id.clone(), *c);
                }
                kept.insert(code, response);
            }
        }
        if kept.is_empty() {
            if let Some(default) = op.responses.default.take() {
                kept.insert(StatusCode::Code(200), default);
                facts.success_status.insert(id.clone(), 200);
            }
        }
        op.responses.default = None;
        op.responses.responses = kept;
    }
}

fn dedupe(values: &mut Vec<Option<String>>) {
    let mut seen = BTreeSet::new();
    values.retain(|v| seen.insert(v.clone()));
}

fn dedupe_schema(schema: &mut Schema) {
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => dedupe(&mut s.enumeration),
        SchemaKind::Type(Type::Array(a)) => {
            if let Some(ReferenceOr::Item(items)) = &mut a.items {
                dedupe_schema(items);
            }
        }
        SchemaKind::Type(Type::Object(o)) => {
            for prop in o.properties.values_mut() {
                if let ReferenceOr::Item(p) = prop {
                    dedupe_schema(p);
                }
            }
        }
        SchemaKind::OneOf { one_of: v }
        | SchemaKind::AllOf { all_of: v }
        | SchemaKind::AnyOf { any_of: v } => {
            for s in v {
                if let ReferenceOr::Item(s) = s {
                    dedupe_schema(s);
                }
            }
        }
        _ => {}
    }
}

fn parameter_schema_mut(param: &mut Parameter) -> Option<&mut ReferenceOr<Schema>> {
    let data = match param {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    };
    match &mut data.format {
        ParameterSchemaOrContent::Schema(s) => Some(s),
        ParameterSchemaOrContent::Content(_) => None,
    }
}

/// Removes repeated values from string enumerations (the client generator
/// rejects them; two parameter lists in the document repeat values).
pub fn dedupe_enum_values(spec: &mut OpenAPI) {
    if let Some(components) = &mut spec.components {
        for schema in components.schemas.values_mut() {
            if let ReferenceOr::Item(s) = schema {
                dedupe_schema(s);
            }
        }
        for param in components.parameters.values_mut() {
            if let ReferenceOr::Item(p) = param {
                if let Some(ReferenceOr::Item(s)) = parameter_schema_mut(p) {
                    dedupe_schema(s);
                }
            }
        }
    }
    for (_, _, op) in operations_mut(spec) {
        for param in &mut op.parameters {
            if let ReferenceOr::Item(p) = param {
                if let Some(ReferenceOr::Item(s)) = parameter_schema_mut(p) {
                    dedupe_schema(s);
                }
            }
        }
    }
}

/// Drops `multipart/form-data` request bodies where a JSON body is offered
/// too; the multipart variants are sent by the hand-written upload code.
pub fn set_aside_multipart(spec: &mut OpenAPI, facts: &mut Facts) {
    for (_, _, op) in operations_mut(spec) {
        let Some(ReferenceOr::Item(body)) = &mut op.request_body else {
            continue;
        };
        if body.content.len() > 1 && body.content.contains_key("multipart/form-data") {
            body.content.shift_remove("multipart/form-data");
            facts
                .multipart_ops
                .insert(op.operation_id.clone().unwrap_or_default());
        }
    }
}

/// Marks streaming operations (`x-twitter-streaming: true`): their success
/// body becomes a byte stream, framed and decoded message by message by the
/// facade.
pub fn mark_streaming(spec: &mut OpenAPI, facts: &mut Facts) {
    for (_, _, op) in operations_mut(spec) {
        let streaming = op
            .extensions
            .get("x-twitter-streaming")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if !streaming {
            continue;
        }
        let id = op.operation_id.clone().unwrap_or_default();
        for response in op.responses.responses.values_mut() {
            let ReferenceOr::Item(response) = response else {
                continue;
            };
            if let Some(media) = response.content.shift_remove("application/json") {
                if let Some(ReferenceOr::Reference { reference }) = &media.schema {
                    facts
                        .streaming_ops
                        .insert(id.clone(), ref_name(reference).to_owned());
                }
                response.content.insert(
                    STREAM_CONTENT_TYPE.to_owned(),
                    MediaType {
                        schema: None,
                        ..Default::default()
                    },
                );
            }
        }
    }
}

/// Name of the component a `#/components/...` reference points at.
pub fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

fn string_enum_values(schema: &ReferenceOr<Box<Schema>>) -> Option<Vec<String>> {
    let ReferenceOr::Item(s) = schema else {
        return None;
    };
    match &s.schema_kind {
        SchemaKind::Type(Type::String(st)) if !st.enumeration.is_empty() => {
            Some(st.enumeration.iter().flatten().cloned().collect())
        }
        _ => None,
    }
}

fn list_schema(item_ref: &str) -> Schema {
    Schema {
        schema_data: SchemaData::default(),
        schema_kind: SchemaKind::Type(Type::Array(ArrayType {
            items: Some(ReferenceOr::Reference {
                reference: format!("#/components/schemas/{item_ref}"),
            }),
            min_items: None,
            max_items: None,
            unique_items: false,
        })),
    }
}

fn enum_schema(values: &[String]) -> Schema {
    Schema {
        schema_data: SchemaData::default(),
        schema_kind: SchemaKind::Type(Type::String(StringType {
            enumeration: values.iter().cloned().map(Some).collect(),
            ..Default::default()
        })),
    }
}

/// Name of the shared enum hoisted from a field/expansion parameter component
/// (`TweetFieldsParameter` → `TweetField`), if the name follows that shape.
pub fn hoisted_name(param_component: &str) -> Option<String> {
    let stem = param_component.strip_suffix("Parameter")?;
    if let Some(base) = stem.strip_suffix("Fields") {
        Some(format!("{base}Field"))
    } else {
        stem.strip_suffix("Expansions")
            .map(|base| format!("{base}Expansion"))
    }
}

/// Hoists the enumerations of the `*FieldsParameter` / `*ExpansionsParameter`
/// components into shared schemas (`TweetField`, `TweetExpansion`, …) with a
/// list type beside each (`TweetFieldList`), instead of one enum per operation.
pub fn hoist_field_enums(spec: &mut OpenAPI, facts: &mut Facts) {
    let Some(components) = &mut spec.components else {
        return;
    };
    let mut new_schemas = Vec::new();
    for (name, param) in components.parameters.iter_mut() {
        let Some(enum_name) = hoisted_name(name) else {
            continue;
        };
        let ReferenceOr::Item(param) = param else {
            continue;
        };
        let Some(schema_ref) = parameter_schema_mut(param) else {
            continue;
        };
        let ReferenceOr::Item(schema) = schema_ref else {
            continue;
        };
        let SchemaKind::Type(Type::Array(array)) = &schema.schema_kind else {
            continue;
        };
        let Some(values) = array.items.as_ref().and_then(string_enum_values) else {
            continue;
        };
        let list_name = format!("{enum_name}List");
        new_schemas.push((enum_name.clone(), enum_schema(&values)));
        new_schemas.push((list_name.clone(), list_schema(&enum_name)));
        facts.hoisted_enums.insert(enum_name.clone(), values);
        facts.csv_lists.insert(list_name.clone(), Some(enum_name));
        *schema_ref = ReferenceOr::Reference {
            reference: format!("#/components/schemas/{list_name}"),
        };
    }
    for (name, schema) in new_schemas {
        components.schemas.insert(name, ReferenceOr::Item(schema));
    }
}

/// Gives every remaining array query parameter a comma-joined list type.
///
/// The API takes `ids=1,2,3`; the generator would otherwise repeat the key
/// (`ids=1&ids=2`), which the API rejects. Arrays of plain strings share
/// `StringList`; arrays of an inline enum get their own enum and list.
pub fn comma_join_array_params(spec: &mut OpenAPI, facts: &mut Facts) {
    let mut new_schemas: Vec<(String, Schema)> = Vec::new();
    let mut convert = |owner: &str, param: &mut Parameter, facts: &mut Facts| {
        let is_query = matches!(param, Parameter::Query { .. });
        if !is_query && !matches!(param, Parameter::Path { .. }) {
            return;
        }
        let pname = param.parameter_data_ref().name.clone();
        let Some(schema_ref) = parameter_schema_mut(param) else {
            return;
        };
        let ReferenceOr::Item(schema) = schema_ref else {
            return;
        };
        if let SchemaKind::Type(Type::String(st)) = &schema.schema_kind {
            // A scalar inline enum gets a named open enum too.
            if !st.enumeration.is_empty() {
                let values: Vec<String> = st.enumeration.iter().flatten().cloned().collect();
                let enum_name = format!(
                    "{}{}",
                    owner.to_upper_camel_case(),
                    pname.to_upper_camel_case()
                );
                new_schemas.push((enum_name.clone(), enum_schema(&values)));
                *schema_ref = ReferenceOr::Reference {
                    reference: format!("#/components/schemas/{enum_name}"),
                };
            }
            return;
        }
        let SchemaKind::Type(Type::Array(array)) = &schema.schema_kind else {
            return;
        };
        if !is_query {
            return;
        }
        let list_name = match &array.items {
            Some(ReferenceOr::Reference { reference }) => {
                let item = ref_name(reference).to_owned();
                let list = format!("{item}List");
                if !facts.csv_lists.contains_key(&list) {
                    new_schemas.push((list.clone(), list_schema(&item)));
                    facts.csv_lists.insert(list.clone(), Some(item));
                }
                list
            }
            Some(items) => match string_enum_values(items) {
                Some(values) => {
                    let enum_name = format!(
                        "{}{}",
                        owner.to_upper_camel_case(),
                        pname.to_upper_camel_case()
                    );
                    let list = format!("{enum_name}List");
                    new_schemas.push((enum_name.clone(), enum_schema(&values)));
                    new_schemas.push((list.clone(), list_schema(&enum_name)));
                    facts.csv_lists.insert(list.clone(), Some(enum_name));
                    list
                }
                None => {
                    facts.csv_lists.insert("StringList".to_owned(), None);
                    "StringList".to_owned()
                }
            },
            None => {
                facts.csv_lists.insert("StringList".to_owned(), None);
                "StringList".to_owned()
            }
        };
        *schema_ref = ReferenceOr::Reference {
            reference: format!("#/components/schemas/{list_name}"),
        };
    };
    if let Some(components) = &mut spec.components {
        for (name, param) in components.parameters.iter_mut() {
            if let ReferenceOr::Item(p) = param {
                convert(name, p, facts);
            }
        }
    }
    for (_, _, op) in operations_mut(spec) {
        let owner = op.operation_id.clone().unwrap_or_default();
        for param in &mut op.parameters {
            if let ReferenceOr::Item(p) = param {
                convert(&owner, p, facts);
            }
        }
    }
    if let Some(components) = &mut spec.components {
        for (name, schema) in new_schemas {
            components.schemas.insert(name, ReferenceOr::Item(schema));
        }
        if facts.csv_lists.contains_key("StringList")
            && !components.schemas.contains_key("StringList")
        {
            components.schemas.insert(
                "StringList".to_owned(),
                ReferenceOr::Item(Schema {
                    schema_data: SchemaData::default(),
                    schema_kind: SchemaKind::Type(Type::Array(ArrayType {
                        items: Some(ReferenceOr::Item(Box::new(Schema {
                            schema_data: SchemaData::default(),
                            schema_kind: SchemaKind::Type(Type::String(StringType::default())),
                        }))),
                        min_items: None,
                        max_items: None,
                        unique_items: false,
                    })),
                }),
            );
        }
    }
}

/// Resolves a parameter that may be a `$ref` to `#/components/parameters`.
pub fn resolve_parameter<'a>(
    spec: &'a OpenAPI,
    param: &'a ReferenceOr<Parameter>,
) -> Option<&'a Parameter> {
    match param {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => match spec
            .components
            .as_ref()?
            .parameters
            .get(ref_name(reference))?
        {
            ReferenceOr::Item(p) => Some(p),
            ReferenceOr::Reference { .. } => None,
        },
    }
}

/// Names of the query parameters that carry a page token.
pub const PAGE_TOKEN_PARAMS: &[&str] = &["pagination_token", "next_token"];

/// Records which operations paginate, and with which token parameter.
pub fn collect_pagination(spec: &mut OpenAPI, facts: &mut Facts) {
    let spec_ro: &OpenAPI = spec;
    for (_, _, op) in operations(spec_ro) {
        for param in &op.parameters {
            let Some(p) = resolve_parameter(spec_ro, param) else {
                continue;
            };
            let data = p.parameter_data_ref();
            if matches!(p, Parameter::Query { .. })
                && PAGE_TOKEN_PARAMS.contains(&data.name.as_str())
            {
                facts.pagination.insert(
                    op.operation_id.clone().unwrap_or_default(),
                    data.name.clone(),
                );
            }
        }
    }
}

fn strip_schema_prose(schema: &mut ReferenceOr<Schema>) {
    // Work on the JSON form: schemas round-trip through it without loss.
    // Property *names* (keys of a `properties` map) are kept even when they
    // are called `description` or `title`.
    fn walk(v: &mut serde_json::Value, in_properties: bool) {
        match v {
            serde_json::Value::Object(map) => {
                if !in_properties {
                    for key in ["description", "example", "examples"] {
                        map.remove(key);
                    }
                    if map.get("title").is_some_and(|t| t.is_string()) {
                        map.remove("title");
                    }
                }
                for (k, child) in map.iter_mut() {
                    walk(child, !in_properties && k == "properties");
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|x| walk(x, false)),
            _ => {}
        }
    }
    let Ok(mut json) = serde_json::to_value(&*schema) else {
        return;
    };
    walk(&mut json, false);
    if let Ok(stripped) = serde_json::from_value(json) {
        *schema = stripped;
    }
}

fn strip_parameter_prose(param: &mut Parameter) {
    let data = match param {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    };
    data.description = None;
    data.example = None;
    data.examples.clear();
    if let ParameterSchemaOrContent::Schema(s) = &mut data.format {
        strip_schema_prose(s);
    }
}

/// Removes the document's prose (descriptions, summaries, examples), so that
/// generated documentation is built only from facts.
pub fn strip_prose(spec: &mut OpenAPI) {
    spec.info.description = None;
    if let Some(components) = &mut spec.components {
        components.schemas.values_mut().for_each(strip_schema_prose);
        for param in components.parameters.values_mut() {
            if let ReferenceOr::Item(p) = param {
                strip_parameter_prose(p);
            }
        }
        for scheme in components.security_schemes.values_mut() {
            if let ReferenceOr::Item(s) = scheme {
                let json = serde_json::to_value(&*s).ok();
                if let Some(mut json) = json {
                    if let Some(map) = json.as_object_mut() {
                        map.remove("description");
                    }
                    if let Ok(stripped) = serde_json::from_value(json) {
                        *s = stripped;
                    }
                }
            }
        }
    }
    for (_, _, op) in operations_mut(spec) {
        op.summary = None;
        op.description = None;
        for param in &mut op.parameters {
            if let ReferenceOr::Item(p) = param {
                strip_parameter_prose(p);
            }
        }
        if let Some(ReferenceOr::Item(body)) = &mut op.request_body {
            body.description = None;
            for media in body.content.values_mut() {
                media.example = None;
                media.examples.clear();
                if let Some(s) = &mut media.schema {
                    strip_schema_prose(s);
                }
            }
        }
        for response in op.responses.responses.values_mut() {
            if let ReferenceOr::Item(r) = response {
                r.description = String::new();
                for media in r.content.values_mut() {
                    media.example = None;
                    media.examples.clear();
                    if let Some(s) = &mut media.schema {
                        strip_schema_prose(s);
                    }
                }
            }
        }
    }
}

/// Writes each operation's description from facts: method, path, tag,
/// pagination, streaming, accepted credentials and the documentation link.
pub fn describe_operations(spec: &mut OpenAPI, facts: &Facts) {
    for (path, method, op) in operations_mut(spec) {
        let id = op.operation_id.clone().unwrap_or_default();
        let mut lines = vec![format!(
            "`{method} {path}` (operation `{id}`, tag {}).",
            op.tags.join(", ")
        )];
        if let Some(token) = facts.pagination.get(&id) {
            lines.push(format!(
                "Paginated: pass `meta.next_token` of a page as `{token}`."
            ));
        }
        if facts.streaming_ops.contains_key(&id) {
            lines.push("Streaming: the body is a long-lived stream of JSON lines.".to_owned());
        }
        if facts.multipart_ops.contains(&id) {
            lines.push("Also accepts a multipart body, sent by the upload helpers.".to_owned());
        }
        if let Some(security) = &op.security {
            let alts: Vec<String> = security
                .iter()
                .flat_map(|req| {
                    req.iter().map(|(scheme, scopes)| {
                        if scopes.is_empty() {
                            format!("`{scheme}`")
                        } else {
                            format!("`{scheme}` ({})", scopes.join(", "))
                        }
                    })
                })
                .collect();
            if !alts.is_empty() {
                lines.push(format!("Credentials: {}.", alts.join(" or ")));
            }
        }
        if let Some(docs) = &op.external_docs {
            lines.push(format!("Reference: <{}>", docs.url));
        }
        op.description = Some(lines.join("\n\n"));
        op.summary = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> OpenAPI {
        serde_json::from_value(json).expect("test spec parses")
    }

    fn tiny() -> OpenAPI {
        spec(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/2/things": {
                    "get": {
                        "operationId": "getThings",
                        "parameters": [
                            {"$ref": "#/components/parameters/ThingFieldsParameter"},
                            {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                            {"name": "sort", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}},
                            {"name": "order", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}}
                        ],
                        "responses": {
                            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                            "default": {"description": "err", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
                        }
                    }
                },
                "/2/things/stream": {
                    "get": {
                        "operationId": "streamThings",
                        "x-twitter-streaming": true,
                        "responses": {
                            "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                            "default": {"description": "err"}
                        }
                    }
                },
                "/2/upload": {
                    "post": {
                        "operationId": "upload",
                        "requestBody": {"content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}},
                            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Thing"}}
                        }},
                        "responses": {"201": {"description": "ok"}, "default": {"description": "err"}}
                    }
                }
            },
            "components": {
                "schemas": {
                    "Thing": {"type": "object", "description": "prose", "properties": {"kind": {"type": "string", "enum": ["x", "y", "x"]}}},
                    "Problem": {"type": "object"}
                },
                "parameters": {
                    "ThingFieldsParameter": {"name": "thing.fields", "in": "query", "schema": {"type": "array", "items": {"type": "string", "enum": ["id", "name", "id"]}}}
                }
            }
        }))
    }

    fn op<'a>(spec: &'a OpenAPI, id: &str) -> &'a Operation {
        operations(spec)
            .into_iter()
            .find(|(_, _, o)| o.operation_id.as_deref() == Some(id))
            .map(|(_, _, o)| o)
            .expect("operation exists")
    }

    #[test]
    fn normalize_keeps_one_success_response_and_drops_default() {
        let mut s = tiny();
        let mut facts = Facts::default();
        normalize_responses(&mut s, &mut facts);
        let get = op(&s, "getThings");
        assert!(get.responses.default.is_none());
        assert_eq!(get.responses.responses.len(), 1);
        assert_eq!(facts.success_status.get("upload"), Some(&201));
    }

    #[test]
    fn dedupe_removes_repeated_enum_values() {
        let mut s = tiny();
        dedupe_enum_values(&mut s);
        let json = serde_json::to_value(&s).expect("serialises");
        assert_eq!(
            json["components"]["schemas"]["Thing"]["properties"]["kind"]["enum"],
            serde_json::json!(["x", "y"])
        );
        assert_eq!(
            json["components"]["parameters"]["ThingFieldsParameter"]["schema"]["items"]["enum"],
            serde_json::json!(["id", "name"])
        );
    }

    #[test]
    fn multipart_is_set_aside_when_json_is_offered() {
        let mut s = tiny();
        let mut facts = Facts::default();
        set_aside_multipart(&mut s, &mut facts);
        assert!(facts.multipart_ops.contains("upload"));
        let json = serde_json::to_value(&s).expect("serialises");
        let content = &json["paths"]["/2/upload"]["post"]["requestBody"]["content"];
        assert!(content.get("multipart/form-data").is_none());
        assert!(content.get("application/json").is_some());
    }

    #[test]
    fn streaming_ops_become_byte_streams() {
        let mut s = tiny();
        let mut facts = Facts::default();
        mark_streaming(&mut s, &mut facts);
        assert_eq!(
            facts.streaming_ops.get("streamThings").map(String::as_str),
            Some("Thing")
        );
        assert!(!facts.streaming_ops.contains_key("getThings"));
        let json = serde_json::to_value(&s).expect("serialises");
        let content = &json["paths"]["/2/things/stream"]["get"]["responses"]["200"]["content"];
        assert!(content.get(STREAM_CONTENT_TYPE).is_some());
        assert!(content.get("application/json").is_none());
    }

    #[test]
    fn field_enums_are_hoisted_into_shared_schemas() {
        let mut s = tiny();
        let mut facts = Facts::default();
        dedupe_enum_values(&mut s);
        hoist_field_enums(&mut s, &mut facts);
        assert_eq!(
            facts.hoisted_enums.get("ThingField"),
            Some(&vec!["id".to_owned(), "name".to_owned()])
        );
        let json = serde_json::to_value(&s).expect("serialises");
        assert_eq!(
            json["components"]["parameters"]["ThingFieldsParameter"]["schema"]["$ref"],
            "#/components/schemas/ThingFieldList"
        );
        assert_eq!(
            json["components"]["schemas"]["ThingFieldList"]["items"]["$ref"],
            "#/components/schemas/ThingField"
        );
    }

    #[test]
    fn array_query_params_become_csv_lists() {
        let mut s = tiny();
        let mut facts = Facts::default();
        hoist_field_enums(&mut s, &mut facts);
        comma_join_array_params(&mut s, &mut facts);
        let json = serde_json::to_value(&s).expect("serialises");
        let params = &json["paths"]["/2/things"]["get"]["parameters"];
        assert_eq!(
            params[1]["schema"]["$ref"],
            "#/components/schemas/StringList"
        );
        assert_eq!(
            params[2]["schema"]["$ref"],
            "#/components/schemas/GetThingsSortList"
        );
        assert_eq!(
            facts.csv_lists.get("GetThingsSortList"),
            Some(&Some("GetThingsSort".to_owned()))
        );
        assert_eq!(facts.csv_lists.get("StringList"), Some(&None));
        assert_eq!(
            params[3]["schema"]["$ref"], "#/components/schemas/GetThingsOrder",
            "scalar enums are named"
        );
        assert_eq!(
            json["components"]["schemas"]["GetThingsSort"]["enum"],
            serde_json::json!(["a", "b"])
        );
    }

    #[test]
    fn prose_is_stripped_but_property_names_stay() {
        let mut s = spec(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1", "description": "prose"},
            "paths": {"/x": {"get": {
                "operationId": "x", "summary": "prose", "description": "prose",
                "parameters": [{"name": "q", "in": "query", "description": "prose", "schema": {"type": "string", "description": "prose"}}],
                "responses": {"200": {"description": "prose"}}
            }}},
            "components": {"schemas": {"S": {"type": "object", "description": "prose", "properties": {
                "description": {"type": "string", "description": "prose"},
                "title": {"type": "string"}
            }}}}
        }));
        strip_prose(&mut s);
        let text = serde_json::to_string(&s).expect("serialises");
        assert!(!text.contains("prose"), "{text}");
        let json = serde_json::to_value(&s).expect("serialises");
        let props = &json["components"]["schemas"]["S"]["properties"];
        assert!(props.get("description").is_some() && props.get("title").is_some());
    }

    fn paged() -> OpenAPI {
        spec(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/2/a": {"get": {
                    "operationId": "inline",
                    "parameters": [{"name": "pagination_token", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}}
                }},
                "/2/b": {"get": {
                    "operationId": "byReference",
                    "parameters": [{"$ref": "#/components/parameters/NextToken"}],
                    "responses": {"200": {"description": "ok"}}
                }},
                "/2/c/{next_token}": {"get": {
                    "operationId": "notQuery",
                    "parameters": [
                        {"name": "next_token", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "pagination_token", "in": "header", "schema": {"type": "string"}},
                        {"name": "page", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "ok"}}
                }}
            },
            "components": {"parameters": {
                "NextToken": {"name": "next_token", "in": "query", "schema": {"type": "string"}}
            }}
        }))
    }

    #[test]
    fn pagination_is_read_from_query_token_parameters() {
        let mut s = paged();
        let mut facts = Facts::default();
        collect_pagination(&mut s, &mut facts);
        assert_eq!(
            facts.pagination.get("inline").map(String::as_str),
            Some("pagination_token")
        );
        assert_eq!(
            facts.pagination.get("byReference").map(String::as_str),
            Some("next_token"),
            "a parameter reference is followed"
        );
        assert!(
            !facts.pagination.contains_key("notQuery"),
            "path and header parameters, and other names, do not paginate"
        );
    }

    #[test]
    fn descriptions_are_written_from_facts() {
        let mut s = spec(serde_json::json!({
            "openapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/2/things": {"get": {
                "operationId": "getThings",
                "tags": ["Things", "Stream"],
                "summary": "prose",
                "description": "prose",
                "security": [{"BearerToken": []}, {"OAuth2UserToken": ["a.read", "b.read"]}],
                "externalDocs": {"url": "https://docs.example.invalid/things"},
                "responses": {"200": {"description": "ok"}}
            }}}
        }));
        let mut facts = Facts::default();
        facts
            .pagination
            .insert("getThings".to_owned(), "next_token".to_owned());
        facts
            .streaming_ops
            .insert("getThings".to_owned(), "Thing".to_owned());
        facts.multipart_ops.insert("getThings".to_owned());
        describe_operations(&mut s, &facts);
        let get = op(&s, "getThings");
        assert_eq!(get.summary, None);
        let expected = [
            "`GET /2/things` (operation `getThings`, tag Things, Stream).",
            "Paginated: pass `meta.next_token` of a page as `next_token`.",
            "Streaming: the body is a long-lived stream of JSON lines.",
            "Also accepts a multipart body, sent by the upload helpers.",
            "Credentials: `BearerToken` or `OAuth2UserToken` (a.read, b.read).",
            "Reference: <https://docs.example.invalid/things>",
        ];
        assert_eq!(
            get.description.as_deref(),
            Some(expected.join("\n\n").as_str())
        );

        // Without facts, only the first line.
        let mut bare = paged();
        describe_operations(&mut bare, &Facts::default());
        assert_eq!(
            op(&bare, "inline").description.as_deref(),
            Some("`GET /2/a` (operation `inline`, tag ).")
        );
    }

    #[test]
    fn run_all_runs_every_pass() {
        let mut s = tiny();
        let facts = run_all(&mut s);
        assert_eq!(facts.success_status.get("upload"), Some(&201));
        assert!(facts.multipart_ops.contains("upload"));
        assert!(facts.streaming_ops.contains_key("streamThings"));
        assert_eq!(
            facts.hoisted_enums.get("ThingField"),
            Some(&vec!["id".to_owned(), "name".to_owned()]),
            "deduplicated before hoisting"
        );
        assert!(facts.csv_lists.contains_key("StringList"));
        let get = op(&s, "getThings");
        assert!(get.responses.default.is_none());
        let description = get.description.as_deref().unwrap_or_default();
        assert!(description.starts_with("`GET /2/things`"), "{description}");
        let json = serde_json::to_value(&s).expect("serialises");
        let thing = &json["components"]["schemas"]["Thing"];
        assert!(thing.get("properties").is_some());
        assert!(thing.get("description").is_none(), "prose is stripped");
    }

    #[test]
    fn hoisted_names_follow_the_parameter_names() {
        assert_eq!(
            hoisted_name("TweetFieldsParameter").as_deref(),
            Some("TweetField")
        );
        assert_eq!(
            hoisted_name("DmEventExpansionsParameter").as_deref(),
            Some("DmEventExpansion")
        );
        assert_eq!(hoisted_name("PaginationToken"), None);
    }
}
