//! Rewrites of a spec into the subset progenitor can take.
//!
//! The hand-written spec says what the provider does; normalize changes only
//! what progenitor cannot generate from, and reports each change so that it
//! is pinned in the generated file's header and reviewed with it.

use std::fmt;

use openapiv3::{
    Components, MediaType, OpenAPI, Operation, ReferenceOr, Response, Schema, StatusCode,
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
    crate::refs::resolve(Some(components), response).ok()
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

/// Give every error response of every operation an untyped body
/// (`application/octet-stream`), so the generated client returns it as a
/// byte stream with its status and headers, for the face to decode. The
/// runtime reads every error status before the generated code would (it
/// tells a provider's fault from a proxy's page, which one typed body
/// cannot); progenitor also panics on mixed error bodies and takes a
/// `default` beside a typed success as both, so a `default` becomes
/// `4XX`/`5XX`.
pub fn raw_error_bodies(spec: &mut OpenAPI) -> Vec<Rewrite> {
    let mut rewrites = Vec::new();
    let components = spec.components.clone().unwrap_or_default();
    for (_, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for operation in operations_mut(item) {
            let mut changed = Vec::new();
            let mut from_default = Vec::new();
            if let Some(default) = operation.responses.default.take() {
                match resolve(&default, &components) {
                    Some(resolved) => changed.push(format!("default {}", body_of(resolved))),
                    None => {
                        operation.responses.default = Some(default);
                        continue;
                    }
                }
                for class in [StatusCode::Range(4), StatusCode::Range(5)] {
                    if !operation.responses.responses.contains_key(&class) {
                        operation
                            .responses
                            .responses
                            .insert(class.clone(), default.clone());
                        from_default.push(class);
                    }
                }
            }
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
                if !from_default.contains(status) {
                    changed.push(format!("{status} {}", body_of(resolved)));
                }
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
    post:
      operationId: addThing
      responses:
        "201": {description: made}
        default: {description: any, content: {application/json: {schema: {$ref: "#/components/schemas/E"}}}}
components:
  schemas:
    E: {type: object}
"##;

    #[test]
    fn every_error_body_becomes_raw_and_default_becomes_4xx_5xx() {
        let mut spec: OpenAPI = serde_yaml::from_str(MIXED).expect("test spec parses");
        let rewrites = raw_error_bodies(&mut spec);
        assert_eq!(rewrites.len(), 2, "{rewrites:?}");
        assert!(
            rewrites[0]
                .what
                .contains("[400 text/plain, 401 E, 403 no body]"),
            "{}",
            rewrites[0].what
        );
        assert!(
            rewrites[1].what.contains("[default E]"),
            "{}",
            rewrites[1].what
        );
        let item = spec.paths.paths["/things"].as_item().unwrap();
        let raw = |operation: &Operation, status: StatusCode| {
            let response = operation.responses.responses[&status].as_item().unwrap();
            response.content.keys().cloned().collect::<Vec<_>>()
        };
        let get = item.get.as_ref().unwrap();
        assert_eq!(
            raw(get, StatusCode::Code(400)),
            ["application/octet-stream"]
        );
        assert_eq!(
            raw(get, StatusCode::Code(403)),
            ["application/octet-stream"]
        );
        assert_eq!(raw(get, StatusCode::Code(200)), ["application/json"]);
        let post = item.post.as_ref().unwrap();
        assert!(post.responses.default.is_none());
        assert_eq!(
            raw(post, StatusCode::Range(4)),
            ["application/octet-stream"]
        );
        assert_eq!(
            raw(post, StatusCode::Range(5)),
            ["application/octet-stream"]
        );
    }
}
