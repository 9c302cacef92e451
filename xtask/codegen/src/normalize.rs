//! Rewrites of a spec into the subset progenitor can take.
//!
//! The hand-written spec says what the provider does; normalize changes only
//! what progenitor cannot generate from, and reports each change so that it
//! is pinned in the generated file's header and reviewed with it.

use std::fmt;

use openapiv3::{
    Components, MediaType, OpenAPI, Operation, ReferenceOr, Response, Schema, SchemaData,
    SchemaKind, StatusCode,
};

/// One change normalize made to a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The operationId it applies to.
    pub operation: String,
    /// What was changed, and why.
    pub what: String,
}

impl fmt::Display for Rewrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation, self.what)
    }
}

const JSON: &str = "application/json";

/// The media types an operation really sends and accepts, where the spec
/// uses vendor types that normalize renamed for progenitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaTypes {
    /// The operationId.
    pub operation: String,
    /// The request body's Content-Type.
    pub content_type: Option<String>,
    /// The Accept of the success response.
    pub accept: Option<String>,
}

fn is_vendor_json(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.") && media_type.ends_with("+json")
}

/// progenitor takes only `application/json` bodies. Rename vendor JSON media
/// types (`application/vnd.…+json`) to it, drop a vendor content without a
/// schema (progenitor cannot take that either), and return what the client
/// must send instead, for its request hook.
pub fn vendor_media_types(spec: &mut OpenAPI) -> (Vec<Rewrite>, Vec<MediaTypes>) {
    let mut rewrites = Vec::new();
    let mut table = Vec::new();
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for operation in operations_mut(item) {
            let operation_id = operation.operation_id.clone().unwrap_or_default();
            let mut renamed = Vec::new();
            let mut content_type = None;
            if let Some(ReferenceOr::Item(body)) = &mut operation.request_body {
                let vendor: Vec<String> = body
                    .content
                    .keys()
                    .filter(|m| is_vendor_json(m))
                    .cloned()
                    .collect();
                for media_type in vendor {
                    if let Some(media) = body.content.shift_remove(&media_type) {
                        body.content.insert(JSON.to_string(), media);
                        renamed.push(format!("request {media_type}"));
                        content_type = Some(media_type);
                    }
                }
            }
            let mut accept = None;
            for (status, response) in operation.responses.responses.iter_mut() {
                let ReferenceOr::Item(response) = response else {
                    continue;
                };
                let vendor: Vec<String> = response
                    .content
                    .keys()
                    .filter(|m| is_vendor_json(m))
                    .cloned()
                    .collect();
                for media_type in vendor {
                    let Some(media) = response.content.shift_remove(&media_type) else {
                        continue;
                    };
                    if media.schema.is_some() {
                        response.content.insert(JSON.to_string(), media);
                        renamed.push(format!("{status} {media_type}"));
                    } else {
                        renamed.push(format!("{status} {media_type} (no schema: dropped)"));
                    }
                    let success =
                        matches!(status, StatusCode::Code(200..=299) | StatusCode::Range(2));
                    if success {
                        accept = Some(media_type);
                    }
                }
            }
            if !renamed.is_empty() {
                rewrites.push(Rewrite {
                    operation: operation_id.clone(),
                    what: format!(
                        "vendor media types [{}] -> application/json (progenitor takes no other JSON type; the request hook sends the real Content-Type and Accept)",
                        renamed.join(", ")
                    ),
                });
                table.push(MediaTypes {
                    operation: operation_id,
                    content_type,
                    accept,
                });
            }
        }
    }
    (rewrites, table)
}

/// Rewrite `spec` in place; return what was rewritten.
pub fn normalize(spec: &mut OpenAPI) -> Vec<Rewrite> {
    let mut rewrites = Vec::new();
    let components = spec.components.get_or_insert_with(Components::default);
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for operation in operations_mut(item) {
            if let Some(rewrite) = unify_error_responses(operation, components) {
                rewrites.push(rewrite);
            }
        }
    }
    rewrites
}

fn operations_mut(item: &mut openapiv3::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

/// What an error response carries, as far as progenitor distinguishes it.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Json(Box<ReferenceOr<Schema>>),
    Other(String),
    Empty,
}

impl fmt::Display for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Json(schema) => match schema.as_ref() {
                ReferenceOr::Reference { reference } => {
                    f.write_str(reference.rsplit('/').next().unwrap_or(reference))
                }
                ReferenceOr::Item(_) => f.write_str("inline JSON"),
            },
            Body::Other(media_type) => f.write_str(media_type),
            Body::Empty => f.write_str("no body"),
        }
    }
}

fn is_error(status: &StatusCode) -> bool {
    match status {
        StatusCode::Code(code) => *code >= 400,
        StatusCode::Range(range) => *range >= 4,
    }
}

/// The response behind a reference; `None` for a dangling one, which progenitor
/// then reports itself.
fn resolve<'a>(
    response: &'a ReferenceOr<Response>,
    components: &'a Components,
) -> Option<&'a Response> {
    match response {
        ReferenceOr::Item(response) => Some(response),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/responses/")
            .and_then(|name| components.responses.get(name))
            .and_then(|found| found.as_item()),
    }
}

fn body_of(response: &Response) -> Body {
    if let Some(media) = response.content.get(JSON) {
        return match &media.schema {
            Some(schema) => Body::Json(Box::new(schema.clone())),
            None => Body::Other(JSON.to_string()),
        };
    }
    match response.content.keys().next() {
        Some(media_type) => Body::Other(media_type.clone()),
        None => Body::Empty,
    }
}

/// progenitor needs one error type per operation (it panics on a mix of JSON,
/// non-JSON and empty error bodies) and treats `default` beside a typed
/// success as both. Replace every error response with `4XX`/`5XX` carrying the
/// operation's JSON error schema (a `oneOf` component when there are several).
/// The hand-written face decodes non-JSON error bodies into that type.
fn unify_error_responses(
    operation: &mut Operation,
    components: &mut Components,
) -> Option<Rewrite> {
    let operation_id = operation.operation_id.clone().unwrap_or_default();
    let mut errors: Vec<(String, String, Body)> = Vec::new();
    let labelled = operation
        .responses
        .default
        .iter()
        .map(|response| ("default".to_string(), response))
        .chain(
            operation
                .responses
                .responses
                .iter()
                .filter(|(status, _)| is_error(status))
                .map(|(status, response)| (status.to_string(), response)),
        );
    for (label, response) in labelled {
        let response = resolve(response, components)?;
        errors.push((label, response.description.clone(), body_of(response)));
    }

    let has_default = operation.responses.default.is_some();
    let all_same = errors.windows(2).all(|pair| pair[0].2 == pair[1].2);
    if errors.is_empty() || (all_same && !has_default) {
        return None;
    }

    let mut json_schemas: Vec<ReferenceOr<Schema>> = Vec::new();
    for (_, _, body) in &errors {
        if let Body::Json(schema) = body
            && !json_schemas.contains(schema)
        {
            json_schemas.push((**schema).clone());
        }
    }
    let error_schema = match json_schemas.len() {
        0 => None,
        1 => json_schemas.pop(),
        _ => {
            let name = format!("{}Error", pascal(&operation_id));
            components.schemas.insert(
                name.clone(),
                ReferenceOr::Item(Schema {
                    schema_data: SchemaData {
                        description: Some(format!("Any error body of `{operation_id}`.")),
                        ..SchemaData::default()
                    },
                    schema_kind: SchemaKind::OneOf {
                        one_of: json_schemas,
                    },
                }),
            );
            Some(ReferenceOr::ref_(&format!("#/components/schemas/{name}")))
        }
    };

    let describe = |class: char| {
        let lines: Vec<String> = errors
            .iter()
            .filter(|(status, _, _)| status.starts_with(class) || status == "default")
            .map(|(status, description, _)| format!("{status}: {}", description.trim()))
            .collect();
        if lines.is_empty() {
            format!("Any {class}xx error.")
        } else {
            lines.join("\n")
        }
    };
    let unified = |description: String| {
        let mut response = Response {
            description,
            ..Response::default()
        };
        if let Some(schema) = &error_schema {
            response.content.insert(
                JSON.to_string(),
                MediaType {
                    schema: Some(schema.clone()),
                    ..MediaType::default()
                },
            );
        }
        ReferenceOr::Item(response)
    };
    let client = unified(describe('4'));
    let server = unified(describe('5'));

    operation.responses.default = None;
    operation
        .responses
        .responses
        .retain(|status, _| !is_error(status));
    operation
        .responses
        .responses
        .insert(StatusCode::Range(4), client);
    operation
        .responses
        .responses
        .insert(StatusCode::Range(5), server);

    let was: Vec<String> = errors
        .iter()
        .map(|(status, _, body)| format!("{status} {body}"))
        .collect();
    let target = error_schema
        .as_ref()
        .map(|schema| Body::Json(Box::new(schema.clone())).to_string())
        .unwrap_or_else(|| "no body".into());
    Some(Rewrite {
        operation: operation_id,
        what: format!(
            "error responses [{}] -> 4XX/5XX as {target} (progenitor takes one error type per operation)",
            was.join(", ")
        ),
    })
}

/// Give every error response of every operation an untyped body
/// (`application/octet-stream`), so the generated client returns it as a
/// byte stream with its status and headers, for the face to decode.
pub fn raw_error_bodies(spec: &mut OpenAPI) -> Vec<Rewrite> {
    let mut rewrites = Vec::new();
    let components = spec.components.clone().unwrap_or_default();
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for operation in operations_mut(item) {
            let mut changed = Vec::new();
            for (status, response) in operation.responses.responses.iter_mut() {
                if !is_error(status) {
                    continue;
                }
                let Some(resolved) = resolve(response, &components) else {
                    continue;
                };
                let mut raw = resolved.clone();
                raw.content.clear();
                raw.content
                    .insert("application/octet-stream".to_string(), MediaType::default());
                changed.push(format!("{status} {}", body_of(resolved)));
                *response = ReferenceOr::Item(raw);
            }
            if !changed.is_empty() {
                rewrites.push(Rewrite {
                    operation: operation.operation_id.clone().unwrap_or_default(),
                    what: format!(
                        "error responses [{}] -> raw bodies (the face decodes the error body itself and keeps the status of anything else)",
                        changed.join(", ")
                    ),
                });
            }
        }
    }
    rewrites
}

fn pascal(identifier: &str) -> String {
    let mut chars = identifier.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An operation whose success has no body still wants its faults in JSON:
/// without an Accept a server may answer them in another format, and the
/// provider's code is lost. Give such operations (no success body, a JSON
/// error response) `Accept: application/json` in the media-type table.
/// Runs on the spec as written, before error responses are rewritten.
pub fn accept_json_faults(spec: &OpenAPI, table: &mut Vec<MediaTypes>) {
    let components = spec.components.clone().unwrap_or_default();
    for (_, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (_, operation) in item.iter() {
            let Some(id) = &operation.operation_id else {
                continue;
            };
            let mut success_body = false;
            let mut json_error = false;
            for (status, response) in &operation.responses.responses {
                let Some(response) = resolve(response, &components) else {
                    continue;
                };
                let success = match status {
                    StatusCode::Code(code) => (200..300).contains(code),
                    StatusCode::Range(range) => *range == 2,
                };
                if success {
                    success_body |= !response.content.is_empty();
                } else {
                    json_error |= response.content.contains_key(JSON);
                }
            }
            if success_body || !json_error {
                continue;
            }
            match table.iter_mut().find(|row| row.operation == *id) {
                Some(row) if row.accept.is_none() => row.accept = Some(JSON.to_string()),
                Some(_) => {}
                None => table.push(MediaTypes {
                    operation: id.clone(),
                    content_type: None,
                    accept: Some(JSON.to_string()),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> OpenAPI {
        serde_yaml::from_str(yaml).expect("test spec parses")
    }

    const MIXED: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: string}}}}
        "400": {description: bad, content: {text/plain: {schema: {type: string}}}}
        "401": {description: who, content: {application/json: {schema: {$ref: "#/components/schemas/E"}}}}
        "403": {description: no}
components:
  schemas:
    E: {type: object}
"##;

    #[test]
    fn mixed_error_bodies_become_one_json_type_per_class() {
        let mut spec = spec(MIXED);
        let rewrites = normalize(&mut spec);
        assert_eq!(rewrites.len(), 1);
        assert_eq!(rewrites[0].operation, "listThings");
        assert!(
            rewrites[0]
                .what
                .contains("[400 text/plain, 401 E, 403 no body]"),
            "{}",
            rewrites[0].what
        );
        let op = spec.paths.paths["/things"]
            .as_item()
            .unwrap()
            .get
            .as_ref()
            .unwrap();
        let codes: Vec<String> = op
            .responses
            .responses
            .keys()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(codes, ["200", "4XX", "5XX"]);
        let client = op.responses.responses[&StatusCode::Range(4)]
            .as_item()
            .unwrap();
        assert_eq!(client.description, "400: bad\n401: who\n403: no");
        assert_eq!(
            client.content[JSON].schema,
            Some(ReferenceOr::ref_("#/components/schemas/E"))
        );
    }

    #[test]
    fn uniform_error_bodies_are_left_alone() {
        let mut spec = spec(
            r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      operationId: getThing
      responses:
        "200": {description: ok}
        "401": {description: who, content: {application/json: {schema: {$ref: "#/components/schemas/E"}}}}
        "500": {description: oops, content: {application/json: {schema: {$ref: "#/components/schemas/E"}}}}
components:
  schemas:
    E: {type: object}
"##,
        );
        let before = spec.clone();
        assert!(normalize(&mut spec).is_empty());
        assert_eq!(spec, before);
    }

    #[test]
    fn distinct_json_error_schemas_become_a_one_of_component() {
        let mut spec = spec(
            r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      operationId: makeThing
      responses:
        "200": {description: ok}
        "400": {description: bad, content: {application/json: {schema: {$ref: "#/components/schemas/A"}}}}
        default: {description: other, content: {application/json: {schema: {$ref: "#/components/schemas/B"}}}}
components:
  schemas:
    A: {type: object}
    B: {type: object}
"##,
        );
        let rewrites = normalize(&mut spec);
        assert!(
            rewrites[0].what.contains("as MakeThingError"),
            "{}",
            rewrites[0].what
        );
        let schema = spec.components.as_ref().unwrap().schemas["MakeThingError"]
            .as_item()
            .unwrap();
        let SchemaKind::OneOf { one_of } = &schema.schema_kind else {
            panic!("expected oneOf, got {:?}", schema.schema_kind);
        };
        assert_eq!(one_of.len(), 2);
        let op = spec.paths.paths["/things"]
            .as_item()
            .unwrap()
            .post
            .as_ref()
            .unwrap();
        assert!(op.responses.default.is_none());
    }
}
