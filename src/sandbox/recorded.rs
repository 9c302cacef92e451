//! What the sandbox recorded, as JSON for a test suite in any language:
//! every API's records with their timelines (`GET /sandbox/records`), every
//! SMS it "sent" (`GET /sandbox/sms`), every callback delivery
//! (`GET /sandbox/callbacks`), and the control API's own spec
//! (`GET /sandbox/openapi.yaml`, `schemas/sandbox/control.yaml`).

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use super::journal::{Api, Kind};
use super::{Shared, locked};

/// The control API's spec, served as written.
const CONTROL_SPEC: &str = include_str!("../../schemas/sandbox/control.yaml");

pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/records", get(records))
        .route("/sms", get(sms))
        .route("/callbacks", get(callbacks))
        .route(
            "/openapi.yaml",
            get(|| async { ([(header::CONTENT_TYPE, "application/yaml")], CONTROL_SPEC) }),
        )
}

/// `GET /sandbox/records` filters.
#[derive(Deserialize)]
struct RecordsQuery {
    api: Option<String>,
    kind: Option<String>,
}

/// A record as the control API lists it.
#[derive(Serialize)]
struct RecordSeen {
    api: &'static str,
    kind: &'static str,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<String>,
    state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    keys: serde_json::Map<String, serde_json::Value>,
    timeline: Vec<StepSeen>,
    steps_left_out: usize,
}

#[derive(Serialize)]
struct StepSeen {
    at: chrono::DateTime<chrono::Utc>,
    what: String,
}

/// Every record the sandbox keeps (the newest 10,000), newest first.
async fn records(
    State(shared): State<Shared>,
    query: Result<Query<RecordsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(query)) = query else {
        return problem("api and kind are text");
    };
    let api = match query.api.as_deref().map(Api::from_name) {
        Some(None) => {
            return problem("api is one of connect, direct_payment, puzzel_pay, mediaconnect");
        }
        Some(api) => api,
        None => None,
    };
    let kind = match query.kind.as_deref().map(Kind::from_slug) {
        Some(None) => return problem("kind is not a record kind"),
        Some(kind) => kind,
        None => None,
    };
    let journal = locked(&shared.state.journal);
    let seen: Vec<RecordSeen> = journal
        .newest_first()
        .filter(|record| api.is_none_or(|api| record.id.kind.api() == api))
        .filter(|record| kind.is_none_or(|kind| record.id.kind == kind))
        .map(|record| RecordSeen {
            api: record.id.kind.api().name(),
            kind: record.id.kind.slug(),
            id: record.id.id.clone(),
            batch: record.id.batch.clone(),
            state: record.state.clone(),
            amount: record.amount.as_ref().map(ToString::to_string),
            keys: record
                .keys
                .iter()
                .map(|(name, value)| (name.to_string(), value.clone().into()))
                .collect(),
            timeline: record
                .timeline
                .iter()
                .map(|step| StepSeen {
                    at: step.at,
                    what: step.what.clone(),
                })
                .collect(),
            steps_left_out: record.steps_left_out,
        })
        .collect();
    axum::Json(seen).into_response()
}

/// An SMS as the control API lists it.
#[derive(Serialize)]
struct SmsSeen {
    at: chrono::DateTime<chrono::Utc>,
    api: &'static str,
    to: String,
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<String>,
}

/// Every SMS the sandbox "sent" (the newest 10,000), newest first.
async fn sms(State(shared): State<Shared>) -> Response {
    let journal = locked(&shared.state.journal);
    let seen: Vec<SmsSeen> = journal
        .sms_newest_first()
        .map(|sms| SmsSeen {
            at: sms.at,
            api: sms.api.name(),
            to: sms.to.clone(),
            text: sms.text.clone(),
            link: sms.link.clone(),
        })
        .collect();
    axum::Json(seen).into_response()
}

/// A callback delivery as the control API lists it.
#[derive(Serialize)]
struct DeliverySeen {
    batch_reference: String,
    client_reference: String,
    attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    at: chrono::DateTime<chrono::Utc>,
}

/// Every attempt to deliver Puzzel Pay's callback, oldest first.
async fn callbacks(State(shared): State<Shared>) -> Response {
    let seen: Vec<DeliverySeen> = shared
        .callbacks()
        .deliveries
        .iter()
        .map(|delivery| DeliverySeen {
            batch_reference: delivery.batch_reference.clone(),
            client_reference: delivery.client_reference.clone(),
            attempt: delivery.attempt,
            status: delivery.status,
            at: delivery.at,
        })
        .collect();
    axum::Json(seen).into_response()
}

/// A refused control request: 400 with what is wrong.
pub(super) fn problem(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({ "error": message })),
    )
        .into_response()
}
