//! The one adapter under every generated API router (each spec's
//! `server` module): it reads the request, applies the scripted fault of
//! the operation the route already knows, asks the stand-in's one
//! authentication hook, decodes the typed input by the operation's media
//! types and body rules, calls the stand-in's typed handler and writes its
//! typed answer. A stand-in writes none of that; it says only who may
//! call, how its API words a malformed request, and what its lookups
//! answer for a record they do not see yet.

use std::fmt::Display;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Shared;
use super::engine::MAX_BODY;
use super::journal::Api;
use crate::runtime::json_rules::{Checks, watched};
use crate::runtime::{Operation, check_json, check_query, check_typed};

/// A stand-in's handle: the sandbox it is part of, and the API it serves.
/// Written by [`stand_in!`].
pub(crate) trait Served: Clone + Send + Sync + 'static {
    /// Which API it stands in for (fault scripts name it).
    const API: Api;

    /// The sandbox it is part of.
    fn shared(&self) -> &Shared;
}

/// `stand_in!(/// doc, Connect serves Api::Connect)`: the handle an API's
/// stand-in implements its `Service` on.
macro_rules! stand_in {
    ($(#[$doc:meta])* $name:ident serves $api:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub(super) struct $name(pub(super) super::Shared);

        impl super::serving::Served for $name {
            const API: super::journal::Api = $api;

            fn shared(&self) -> &super::Shared {
                &self.0
            }
        }
    };
}
pub(crate) use stand_in;

tokio::task_local! {
    /// The caller of the call being served (see [`Stand::authenticate`]).
    static CALLER: Option<String>;
}

/// Whom the call being served acts for, from inside a `Service` method
/// (see [`Stand::authenticate`]); `None` outside one.
pub(crate) fn caller() -> Option<String> {
    CALLER.try_with(Clone::clone).ok().flatten()
}

/// What every API's stand-in gives the adapter, beside its handlers.
pub(crate) trait Stand: Served {
    /// Whether the call may be made (by its headers, or a path parameter
    /// such as Direct Payment's service ID), and whom it acts for where the
    /// API's state is a user's own (Mediaconnect's logged-in user; `None`:
    /// the merchant, the only caller there is). Its methods read it with
    /// [`caller`]. `Err` is the API's own refusal.
    fn authenticate(
        &self,
        operation: &'static Operation,
        call: &Call,
    ) -> Result<Option<String>, Answer>;

    /// A request that does not decode, answered in the API's own shape.
    fn malformed(&self, operation: &'static Operation, problem: Malformed) -> Answer;

    /// The XML form of the API's bodies, where its spec gives one
    /// (`x-nordpay-xml`): XML requests are read, and answers written as XML
    /// to a request whose `Accept` prefers it.
    fn xml(&self) -> Option<&'static super::xml_body::Dialect> {
        None
    }

    /// What a lookup answers for a record it does not see yet (a scripted
    /// `lookup_lag`), in the API's own shape; `None` for an operation that
    /// is no lookup.
    fn nothing_found(&self, operation: &'static Operation) -> Option<Answer> {
        let _ = operation;
        None
    }
}

/// Which part of a request did not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// A path parameter.
    Path,
    /// The query.
    Query,
    /// The Content-Type is not the operation's.
    ContentType,
    /// The body is not JSON at all.
    NotJson,
    /// The body is JSON, but not the operation's type.
    Body,
    /// The body breaks one of the spec's rules the types do not hold.
    BodyRule,
}

/// A request the adapter could not turn into the operation's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    /// Where.
    pub(crate) part: Part,
    /// The parameter's wire name, or the JSON path of a broken rule.
    pub(crate) name: Option<String>,
    /// What is wrong, for the API's error body.
    pub(crate) message: String,
}

impl Malformed {
    fn new(part: Part, name: Option<&str>, message: impl Display) -> Self {
        Self {
            part,
            name: name.map(str::to_string),
            message: message.to_string(),
        }
    }
}

impl Display for Malformed {
    /// A broken rule with its path (`products: ...`), else the message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.part, &self.name) {
            (Part::BodyRule | Part::Body, Some(path)) => write!(f, "{path}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// A request as the adapter read it, for the generated decoder.
pub(crate) struct Call {
    operation: &'static Operation,
    parts: Parts,
    params: Vec<(String, String)>,
    body: Bytes,
}

impl Call {
    /// The request's headers.
    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }

    /// The path parameter `name`, as the spec types it.
    pub(crate) fn path<T>(&self, name: &'static str) -> Result<T, Malformed>
    where
        T: FromStr,
        T::Err: Display,
    {
        let value = self
            .params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| Malformed::new(Part::Path, Some(name), "missing"))?;
        value
            .parse()
            .map_err(|e| Malformed::new(Part::Path, Some(name), e))
    }

    /// The query, as the operation's query struct.
    pub(crate) fn query<T: DeserializeOwned>(&self) -> Result<T, Malformed> {
        check_query(self.operation, self.parts.uri.query()).map_err(|broken| Malformed {
            part: Part::Query,
            name: Some(broken.path),
            message: broken.message,
        })?;
        axum::extract::Query::try_from_uri(&self.parts.uri)
            .map(|axum::extract::Query(query)| query)
            .map_err(|e| Malformed::new(Part::Query, None, e.body_text()))
    }

    /// The JSON body as `T`: sent as the operation's media type, keeping
    /// the spec's body rules (the ones the client checks before sending).
    pub(crate) fn json<T: DeserializeOwned + 'static>(&self) -> Result<T, Malformed> {
        if let Some(expected) = self.operation.content_type {
            let sent = self
                .parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            if sent != Some(expected) {
                return Err(Malformed::new(
                    Part::ContentType,
                    Some("Content-Type"),
                    format!("must be {expected}"),
                ));
            }
        }
        // A user's token needs what the merchant's key may leave out.
        let bearer = !self.operation.bearer_requires.is_empty()
            && self
                .parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.as_bytes().get(..7))
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case(b"bearer "));
        let checks = Checks {
            bearer,
            not_null: true,
        };
        let broken = |broken: crate::runtime::BrokenRule| Malformed {
            part: Part::BodyRule,
            name: Some(broken.path),
            message: broken.message,
        };
        let typed = if watched(self.operation, checks) {
            // Parsed once, for the rules and for the type.
            let value: serde_json::Value = serde_json::from_slice(&self.body)
                .map_err(|e| Malformed::new(Part::NotJson, None, without_position(&e)))?;
            let typed = serde_path_to_error::deserialize(&value).map_err(unreadable)?;
            check_json(self.operation, checks, &value).map_err(broken)?;
            typed
        } else {
            let mut json = serde_json::Deserializer::from_slice(&self.body);
            serde_path_to_error::deserialize(&mut json).map_err(unreadable)?
        };
        check_typed(self.operation, &typed).map_err(broken)?;
        Ok(typed)
    }
}

/// A body that is not the operation's type: the path of what broke
/// (`PaymentDetails.Msisdn`) and why, without the parser's position.
fn unreadable(error: serde_path_to_error::Error<serde_json::Error>) -> Malformed {
    let part = match error.inner().classify() {
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof => Part::NotJson,
        _ => Part::Body,
    };
    let path = error.path().to_string();
    let named = (path != ".").then_some(path.as_str());
    Malformed::new(part, named, without_position(error.inner()))
}

/// serde_json's message without its " at line 1 column 93": a provider
/// names what is wrong, not where its parser stood.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// An answer on the wire: a status, its headers and its body.
#[derive(Debug)]
pub(crate) struct Answer {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

impl Answer {
    /// A bodiless `status`.
    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// `body` as JSON, sent as `media` (the spec's media type).
    pub(crate) fn json(status: u16, media: &'static str, body: &impl Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => Self::empty(status).with_body(media, bytes.into()),
            // Only a map with non-string keys fails: a stand-in's bug.
            Err(_) => Self::empty(500),
        }
    }

    /// `body` as text, sent as `media` (in UTF-8).
    pub(crate) fn text(status: u16, media: &'static str, body: String) -> Self {
        let media = if media.starts_with("text/") && !media.contains("charset") {
            format!("{media}; charset=utf-8")
        } else {
            media.to_string()
        };
        let mut answer = Self::empty(status);
        if let Ok(value) = HeaderValue::from_str(&media) {
            answer.headers.push((header::CONTENT_TYPE, value));
        }
        answer.body = body.into();
        answer
    }

    fn with_body(mut self, media: &'static str, body: Bytes) -> Self {
        self.headers
            .push((header::CONTENT_TYPE, HeaderValue::from_static(media)));
        self.body = body;
        self
    }

    /// With the response header `name` (one the spec documents).
    pub(crate) fn header(mut self, name: &'static str, value: String) -> Self {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => self.headers.push((name, value)),
            // A value no header can carry: the stand-in's bug, never sent half.
            _ => return Self::empty(500),
        }
        self
    }

    /// With the response header `name` if there is a value.
    pub(crate) fn optional_header(self, name: &'static str, value: Option<String>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body).into_response();
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// Serve one call of `operation` with `run`, the generated decoder and
/// handler: the scripted fault around it, the stand-in's authentication
/// before it, its malformed answer when the input does not decode.
pub(crate) async fn serve<S, F, Fut>(
    service: S,
    operation: &'static Operation,
    request: Request,
    run: F,
) -> Response
where
    S: Stand,
    F: FnOnce(S, Call) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Answer, Malformed>> + Send + 'static,
{
    let (mut parts, body) = request.into_parts();
    let params = match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(params) => params
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect(),
        Err(e) => {
            let problem = Malformed::new(Part::Path, None, e.body_text());
            return service.malformed(operation, problem).into_response();
        }
    };
    let Ok(mut body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let dialect = service.xml();
    let in_xml = dialect.filter(|_| super::xml_body::prefers_xml(&parts.headers));
    if let Some(dialect) = dialect
        && super::xml_body::is_xml(&parts.headers)
    {
        match dialect.read_request(operation.name, &body) {
            Ok(json) => {
                body = json.into();
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(why) => {
                let refused = service
                    .malformed(operation, Malformed::new(Part::Body, None, why))
                    .into_response();
                return answer_as(in_xml, operation, refused).await;
            }
        }
    }
    let shared = service.shared().clone();
    let action = if shared.script().is_empty() {
        None
    } else {
        let target = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or_default();
        shared.take_fault(&super::script::Call {
            api: S::API,
            operation: Some(operation.name),
            target,
            body: &body,
        })
    };
    let call = Call {
        operation,
        parts,
        params,
        body,
    };
    let lookup = service.clone();
    let nothing_found = move || {
        lookup
            .nothing_found(operation)
            .map(IntoResponse::into_response)
    };
    let answer = async move {
        let caller = match service.authenticate(operation, &call) {
            Ok(caller) => caller,
            Err(refused) => return refused.into_response(),
        };
        let malformed = service.clone();
        match CALLER.scope(caller, run(service, call)).await {
            Ok(answer) => answer.into_response(),
            Err(problem) => malformed.malformed(operation, problem).into_response(),
        }
    };
    let response = super::scripted::around(action, nothing_found, answer).await;
    answer_as(in_xml, operation, response).await
}

/// `response` as XML when `dialect` is the one the request asked for and
/// the answer is JSON the spec documents; otherwise as it is.
async fn answer_as(
    dialect: Option<&'static super::xml_body::Dialect>,
    operation: &'static Operation,
    response: Response,
) -> Response {
    let Some(dialect) = dialect else {
        return response;
    };
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match dialect.write_answer(operation.name, parts.status.as_u16(), &bytes) {
        Some(xml) => {
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(xml))
        }
        None => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}
