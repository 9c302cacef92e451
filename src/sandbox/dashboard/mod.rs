//! The sandbox as a developer's workbench, in the browser: a dashboard at
//! the root URL with every record of the four APIs (state, amount, keys,
//! timeline), the actions a user or the provider could take, the scripted
//! faults with a form to add one, the callback deliveries, and reset; and
//! an inbox of every SMS the sandbox "sent". Both follow a running test
//! without a reload: the page listens to `/sandbox/events` (server-sent
//! events) and fetches its live part again when something changed.

pub(super) mod actions;
mod fault_form;
mod view;

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::Stream;
use maud::Markup;

use super::journal::{Api, Kind, Record, RecordId};
use super::{Shared, locked};

/// The dashboard's routes: `/`, `/inbox`, and `/sandbox/...` for their
/// live parts, events and forms.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(dashboard))
        .route("/inbox", get(inbox))
        .route("/sandbox/dashboard/live", get(dashboard_live))
        .route("/sandbox/inbox/live", get(inbox_live))
        .route("/sandbox/events", get(events))
        .merge(
            Router::new()
                .route("/sandbox/dashboard/action", post(action))
                .route("/sandbox/dashboard/faults", post(add_fault))
                .route("/sandbox/dashboard/reset", post(reset))
                .layer(axum::middleware::from_fn(same_site_only)),
        )
}

/// The forms change the sandbox: a page of another site must not post
/// them from a developer's browser (the browser says where a request
/// comes from in `Sec-Fetch-Site`; tools that send none are let through).
async fn same_site_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let site = request
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok());
    if site == Some("cross-site") {
        return (StatusCode::FORBIDDEN, "a form of another site").into_response();
    }
    next.run(request).await
}

/// What the dashboard shows: `?api=connect&state=STARTED&key=order-1`.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Filter {
    #[serde(default, deserialize_with = "api_name")]
    api: Option<Api>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    key: Option<String>,
    /// What the last form did (shown once, after its redirect).
    #[serde(default)]
    notice: Option<String>,
}

fn api_name<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Api>, D::Error> {
    let name = <Option<String> as serde::Deserialize>::deserialize(d)?;
    Ok(name.as_deref().and_then(Api::from_name))
}

impl Filter {
    fn state(&self) -> Option<&str> {
        self.state
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn key(&self) -> Option<&str> {
        self.key.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    fn matches(&self, record: &Record) -> bool {
        let api = self.api.is_none_or(|api| record.id.kind.api() == api);
        let state = self
            .state()
            .is_none_or(|state| record.state.eq_ignore_ascii_case(state));
        let key = self.key().is_none_or(|key| {
            record.id.id.contains(key)
                || record.id.batch.as_deref().is_some_and(|b| b.contains(key))
                || record.keys.iter().any(|(_, value)| value.contains(key))
        });
        api && state && key
    }

    /// The filter as a query string (`?api=…`), or empty.
    fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(api) = self.api {
            query.append_pair("api", api.name());
        }
        if let Some(state) = self.state() {
            query.append_pair("state", state);
        }
        if let Some(key) = self.key() {
            query.append_pair("key", key);
        }
        let query = query.finish();
        if query.is_empty() {
            query
        } else {
            format!("?{query}")
        }
    }
}

/// Every operation name a fault can name, for the form's suggestions.
fn operation_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Api::ALL
        .iter()
        .flat_map(|api| api.operations().iter().map(|op| op.name))
        .chain(
            crate::direct_payment::soap_api::operations::ALL
                .iter()
                .map(|op| op.name),
        )
        .chain(["callback"])
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn live_part(shared: &Shared, filter: &Filter) -> Markup {
    let faults: Vec<_> = shared.script().pending().cloned().collect();
    let (callback_url, deliveries) = {
        let callbacks = shared.callbacks();
        let url = callbacks.url.as_ref().map(|url| url.to_string());
        // The newest attempts: the rest are in `Sandbox::callback_deliveries`.
        let from = callbacks.deliveries.len().saturating_sub(view::ROWS);
        (url, callbacks.deliveries[from..].to_vec())
    };
    // Copied out, and the lock let go before rendering: API calls write
    // to the journal while a page is drawn.
    let (shown, matching, kept) = {
        let journal = locked(&shared.state.journal);
        let mut matching = 0;
        let mut shown: Vec<Record> = Vec::new();
        for record in journal.newest_first().filter(|r| filter.matches(r)) {
            matching += 1;
            if shown.len() < view::ROWS {
                shown.push(record.clone());
            }
        }
        (shown, matching, journal.len())
    };
    let today = shared.engine.now().date_naive();
    let reports: Vec<view::ReportDay> = shared
        .puzzel_pay()
        .ledger()
        .reported_days(today)
        .take(view::ROWS)
        .map(|(day, payments, refunds)| view::ReportDay {
            day,
            payments,
            refunds,
        })
        .collect();
    view::live(
        filter,
        &shown,
        matching,
        kept,
        &faults,
        callback_url.as_deref(),
        &deliveries,
        &reports,
    )
}

fn html(markup: Markup) -> Html<String> {
    Html(markup.into_string())
}

async fn dashboard(State(shared): State<Shared>, Query(filter): Query<Filter>) -> Html<String> {
    let live = live_part(&shared, &filter);
    html(view::dashboard(&filter, live))
}

async fn dashboard_live(
    State(shared): State<Shared>,
    Query(filter): Query<Filter>,
) -> Html<String> {
    html(live_part(&shared, &filter))
}

fn inbox_part(shared: &Shared) -> Markup {
    let messages: Vec<_> = locked(&shared.state.journal)
        .sms_newest_first()
        .take(view::MESSAGES)
        .cloned()
        .collect();
    view::inbox(&messages)
}

async fn inbox(State(shared): State<Shared>) -> Html<String> {
    let content = maud::html! {
        div #live data-fragment="/sandbox/inbox/live" aria-live="polite" { (inbox_part(&shared)) }
    };
    html(view::layout("SMS inbox", view::Page::Inbox, content))
}

async fn inbox_live(State(shared): State<Shared>) -> Html<String> {
    html(inbox_part(&shared))
}

/// One event per burst of changes (at most ten a second), until the
/// sandbox stops.
async fn events(
    State(shared): State<Shared>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let changes = shared.state.changes.subscribe();
    let stopping = shared.state.stopping.subscribe();
    let stream = futures_util::stream::unfold(
        (changes, stopping),
        |(mut changes, mut stopping)| async move {
            tokio::select! {
                changed = changes.changed() => changed.ok()?,
                _ = stopping.wait_for(|stop| *stop) => return None,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            let version = *changes.borrow_and_update();
            let event = Event::default().event("change").data(version.to_string());
            Some((Ok(event), (changes, stopping)))
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}

/// Where a form goes back to: a path on the sandbox, never elsewhere.
fn back_to(back: Option<&str>, notice: Option<&str>) -> Redirect {
    let back = back
        .filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or("/");
    let Some(notice) = notice else {
        return Redirect::to(back);
    };
    let separator = if back.contains('?') { '&' } else { '?' };
    let notice: String = url::form_urlencoded::byte_serialize(notice.as_bytes()).collect();
    Redirect::to(&format!("{back}{separator}notice={notice}"))
}

#[derive(serde::Deserialize)]
struct ActionForm {
    kind: String,
    id: String,
    #[serde(default)]
    batch: Option<String>,
    action: String,
    #[serde(default)]
    back: Option<String>,
}

async fn action(State(shared): State<Shared>, Form(form): Form<ActionForm>) -> Response {
    let Some(kind) = Kind::from_slug(&form.kind) else {
        return (StatusCode::BAD_REQUEST, "no such kind of record").into_response();
    };
    let id = RecordId {
        kind,
        id: form.id,
        batch: form.batch.filter(|_| kind == Kind::Recipient),
    };
    let notice = match super::routes::perform(&shared, &id, &form.action) {
        Ok(()) => None,
        Err(why) => Some(format!("Not done: {why}")),
    };
    back_to(form.back.as_deref(), notice.as_deref()).into_response()
}

async fn add_fault(
    State(shared): State<Shared>,
    Form(form): Form<fault_form::FaultForm>,
) -> Response {
    let notice = match form.fault() {
        Ok(fault) => {
            shared.script().add(fault);
            shared.changed();
            "Fault added.".to_string()
        }
        Err(why) => format!("Not added: {why}"),
    };
    back_to(Some("/"), Some(&notice)).into_response()
}

async fn reset(State(shared): State<Shared>) -> Response {
    shared.reset();
    back_to(Some("/"), Some("The sandbox was reset.")).into_response()
}
