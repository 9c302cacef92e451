//! The dashboard's and the inbox's HTML, server-rendered. Everything shown
//! came from a request, so every value goes through maud's escaping.

use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::super::callbacks::Delivery;
use super::super::journal::{Api, Record, Sms};
use super::super::script::ScriptedFault;
use super::{Filter, fault_form};

const CSS: &str = include_str!("dashboard.css");
const SCRIPT: &str = include_str!("dashboard.js");

/// Records a page shows at most; a filter narrows the rest.
pub(super) const ROWS: usize = 200;
/// Messages the inbox shows at most, newest first.
pub(super) const MESSAGES: usize = 500;

/// Which page is open, for the navigation.
#[derive(PartialEq)]
pub(super) enum Page {
    Dashboard,
    Inbox,
}

/// A whole page around `content`, with the navigation and the script that
/// keeps its `#live` part up to date.
pub(super) fn layout(title: &str, page: Page, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · nordpay sandbox" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    p.brand { "nordpay sandbox" }
                    nav aria-label="Sandbox pages" {
                        a href="/" aria-current=[(page == Page::Dashboard).then_some("page")] { "Dashboard" }
                        a href="/inbox" aria-current=[(page == Page::Inbox).then_some("page")] { "SMS inbox" }
                    }
                    p.note { "A local stand-in for the providers: no real money moves, no SMS leaves this machine." }
                }
                main {
                    h1 { (title) }
                    (content)
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
}

/// A time in the reader's local time (by the script), UTC without it, the
/// raw value on hover.
fn time(at: &DateTime<Utc>) -> Markup {
    let raw = at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    html! {
        time datetime=(raw) title=(raw) { (at.format("%Y-%m-%d %H:%M:%S UTC")) }
    }
}

/// How a state reads at a glance.
fn tone(state: &str) -> &'static str {
    match state.to_ascii_lowercase().as_str() {
        "completed" | "paid" | "verified" | "finished" | "active" => "good",
        "failed" | "refused" | "expired" | "paymentfailed" | "smsfailed" | "cancelled"
        | "stopped" | "reversed" | "refunded" => "bad",
        _ => "open",
    }
}

/// The dashboard: filters, the live part, the fault form, reset.
pub(super) fn dashboard(filter: &Filter, live: Markup) -> Markup {
    let fragment = format!("/sandbox/dashboard/live{}", filter.query());
    layout(
        "Dashboard",
        Page::Dashboard,
        html! {
            @if let Some(notice) = &filter.notice {
                p.notice role="status" { (notice) }
            }
            section aria-labelledby="filter-heading" {
                h2 #filter-heading { "Filter" }
                form.filters method="get" action="/" {
                    label for="filter-api" { "API" }
                    select #filter-api name="api" {
                        option value="" { "All APIs" }
                        @for &api in Api::ALL {
                            option value=(api.name()) selected[filter.api == Some(api)] { (api.title()) }
                        }
                    }
                    label for="filter-state" { "State" }
                    input #filter-state name="state" type="text" value=(filter.state.as_deref().unwrap_or_default());
                    label for="filter-key" { "Key or ID" }
                    input #filter-key name="key" type="search" value=(filter.key.as_deref().unwrap_or_default());
                    button type="submit" { "Filter" }
                    a href="/" { "Clear filters" }
                }
            }
            div #live data-fragment=(fragment) aria-live="polite" { (live) }
            (fault_form_section())
            section aria-labelledby="reset-heading" {
                h2 #reset-heading { "Reset" }
                form method="post" action="/sandbox/dashboard/reset" {
                    p { "Forget every record, fault, message and delivery; the clock back to the real time." }
                    button.danger type="submit" { "Reset the sandbox" }
                }
            }
        },
    )
}

/// An ended day with Puzzel Pay payments or refunds, whose reports the
/// dashboard links.
pub(super) struct ReportDay {
    pub(super) day: chrono::NaiveDate,
    pub(super) payments: usize,
    pub(super) refunds: usize,
}

/// What changes while a test runs: records, faults waiting, deliveries,
/// the days' settlement reports.
#[allow(clippy::too_many_arguments)]
pub(super) fn live(
    filter: &Filter,
    records: &[Record],
    matching: usize,
    kept: usize,
    faults: &[ScriptedFault],
    callback_url: Option<&str>,
    deliveries: &[Delivery],
    reports: &[ReportDay],
) -> Markup {
    let back = format!("/{}", filter.query());
    html! {
        section aria-labelledby="records-heading" {
            h2 #records-heading { "Records" }
            p.count {
                @if matching > records.len() {
                    "The newest " (records.len()) " of " (matching) " matching records (of " (kept) " kept); filter to narrow."
                } @else {
                    (matching) " matching records (of " (kept) " kept)."
                }
            }
            @if records.is_empty() {
                p { "No records yet: call an API through a client, and they appear here." }
            } @else {
                (table(
                    "Records of the four APIs, newest first",
                    &["API", "Record", "State", "Amount", "Keys", "Timeline", "Actions"],
                    html! {
                        @for record in records {
                            (row(record, &back))
                        }
                    },
                ))
            }
        }
        section aria-labelledby="faults-heading" {
            h2 #faults-heading { "Scripted faults" }
            @if faults.is_empty() {
                p { "None waiting." }
            } @else {
                (table(
                    "Scripted faults not used up yet, oldest first",
                    &["API", "Operation", "Key", "Times left", "What it does"],
                    html! {
                        @for fault in faults {
                            tr.fault {
                                td { (fault.api.as_deref().unwrap_or("any")) }
                                td { (fault.operation.as_deref().unwrap_or("any")) }
                                td { (fault.key.as_deref().unwrap_or("any")) }
                                td { (fault.times) }
                                td { (fault_form::describe(&fault.action)) }
                            }
                        }
                    },
                ))
            }
        }
        section aria-labelledby="deliveries-heading" {
            h2 #deliveries-heading { "Callback deliveries" }
            p {
                "Puzzel Pay callbacks go to "
                @match callback_url {
                    Some(url) => code { (url) },
                    None => "no URL (set one with --callback-url or NORDPAY_SANDBOX_CALLBACK_URL)",
                }
                "."
            }
            @if !deliveries.is_empty() {
                (table(
                    "Callback delivery attempts, newest first",
                    &["Time", "Batch", "Recipient", "Attempt", "Answer"],
                    html! {
                        @for delivery in deliveries.iter().rev() {
                            tr.delivery {
                                td { (time(&delivery.at)) }
                                td { (delivery.batch_reference) }
                                td { (delivery.client_reference) }
                                td { (delivery.attempt) }
                                td {
                                    @match delivery.status {
                                        Some(status) => span.state data-tone=(if (200..300).contains(&status) { "good" } else { "bad" }) { "HTTP " (status) },
                                        None => span.state data-tone="bad" { "no answer" },
                                    }
                                }
                            }
                        }
                    },
                ))
            }
        }
        section aria-labelledby="reports-heading" {
            h2 #reports-heading { "Settlement reports" }
            p {
                "Puzzel Pay's daily reports of the sandbox's payments, made once a day has ended on the sandbox's clock (UTC; move it with "
                code { "POST /sandbox/advance" }
                ")."
            }
            @if !reports.is_empty() {
                (table(
                    "Days with Puzzel Pay payments or refunds, newest first",
                    &["Day", "Payments", "Refunds", "Reports"],
                    html! {
                        @for report in reports {
                            tr.report {
                                td { (report.day) }
                                td { (report.payments) }
                                td { (report.refunds) }
                                td {
                                    a href={ "/sandbox/puzzel-pay/reports/" (report.day) ".csv" } { "CSV" }
                                    " "
                                    a href={ "/sandbox/puzzel-pay/reports/" (report.day) ".ocr" } { "OCR" }
                                }
                            }
                        }
                    },
                ))
            }
        }
    }
}

/// A table with a caption for screen readers and a row of column headings.
fn table(caption: &str, columns: &[&str], rows: Markup) -> Markup {
    html! {
        table {
            caption.visually-hidden { (caption) }
            thead {
                tr {
                    @for column in columns {
                        th scope="col" { (column) }
                    }
                }
            }
            tbody { (rows) }
        }
    }
}

fn row(record: &Record, back: &str) -> Markup {
    let id = &record.id;
    let anchor = format!(
        "{}-{}-{}",
        id.kind.slug(),
        id.batch.as_deref().unwrap_or_default(),
        id.id
    );
    let name = match &id.batch {
        Some(batch) => format!("{} {} of batch {batch}", id.kind.label(), id.id),
        None => format!("{} {}", id.kind.label(), id.id),
    };
    html! {
        tr.record data-record=(anchor) data-state=(record.state) {
            td { (id.kind.api().title()) }
            td {
                span.kind { (id.kind.label()) }
                " "
                code { (id.id) }
            }
            td { span.state data-tone=(tone(&record.state)) { (record.state) } }
            td.amount {
                @match &record.amount {
                    Some(amount) => (amount.to_string()),
                    None => "—",
                }
            }
            td {
                dl.keys {
                    @for (key, value) in &record.keys {
                        dt { (key) }
                        dd { (value) }
                    }
                }
            }
            td {
                details #{"timeline-" (anchor)} {
                    summary {
                        @let steps = record.timeline.len() + record.steps_left_out;
                        (steps)
                        @if steps == 1 { " step" } @else { " steps" }
                        span.visually-hidden { " of " (name) }
                    }
                    ol.timeline {
                        @for (n, step) in record.timeline.iter().enumerate() {
                            @if n == 1 && record.steps_left_out > 0 {
                                li { "… " (record.steps_left_out) " steps left out" }
                            }
                            li { (time(&step.at)) " " (step.what) }
                        }
                    }
                }
            }
            td.actions {
                @for action in crate::sandbox::routes::offered(record) {
                    form method="post" action="/sandbox/dashboard/action" {
                        input type="hidden" name="kind" value=(id.kind.slug());
                        input type="hidden" name="id" value=(id.id);
                        @if let Some(batch) = &id.batch {
                            input type="hidden" name="batch" value=(batch);
                        }
                        input type="hidden" name="action" value=(action.name);
                        input type="hidden" name="back" value=(back);
                        button type="submit" data-action=(action.name) {
                            (action.label)
                            span.visually-hidden { ": " (name) }
                        }
                    }
                }
            }
        }
    }
}

fn fault_form_section() -> Markup {
    let operations = super::operation_names();
    html! {
        section aria-labelledby="script-heading" {
            h2 #script-heading { "Script a fault" }
            p { "For the next calls that match; the same as " code { "POST /sandbox/faults" } "." }
            form.fault-form method="post" action="/sandbox/dashboard/faults" {
                div {
                    label for="fault-api" { "API" }
                    select #fault-api name="api" {
                        option value="" { "Any API" }
                        @for &api in Api::ALL {
                            option value=(api.name()) { (api.title()) }
                        }
                    }
                }
                div {
                    label for="fault-operation" { "Operation (as the spec names it)" }
                    input #fault-operation name="operation" type="text" list="fault-operations";
                    datalist #fault-operations {
                        @for name in &operations {
                            option value=(name) {}
                        }
                    }
                }
                div {
                    label for="fault-key" { "Key the call carries (MSISDN, reference, orderId)" }
                    input #fault-key name="key" type="text";
                }
                div {
                    label for="fault-times" { "Times" }
                    input #fault-times name="times" type="number" min="1" value="1";
                }
                div {
                    label for="fault-action" { "What happens" }
                    select #fault-action name="action" {
                        @for (name, label) in fault_form::ACTIONS {
                            option value=(name) { (label) }
                        }
                    }
                }
                div {
                    label for="fault-status" { "HTTP status (if it answers one)" }
                    input #fault-status name="status" type="number" min="100" max="599";
                }
                div {
                    label for="fault-retry-after" { "Retry-After, seconds" }
                    input #fault-retry-after name="retry_after" type="number" min="0";
                }
                div {
                    label for="fault-ms" { "Milliseconds (delay, late callback)" }
                    input #fault-ms name="ms" type="number" min="0";
                }
                div.wide {
                    label for="fault-body" { "Body (to answer instead)" }
                    textarea #fault-body name="body" rows="2" {}
                }
                div {
                    label for="fault-content-type" { "Its Content-Type" }
                    input #fault-content-type name="content_type" type="text" placeholder="application/json";
                }
                div.wide {
                    button type="submit" { "Add fault" }
                }
            }
        }
    }
}

/// An SMS's text with its link clickable.
fn linked(text: &str, link: Option<&str>) -> Markup {
    let Some((link, (before, after))) = link.and_then(|l| Some((l, text.split_once(l)?))) else {
        return html! { (text) };
    };
    html! { (before) a href=(link) { (link) } (after) }
}

/// The inbox's live part: messages per MSISDN, the newest conversation and
/// message first.
pub(super) fn inbox(messages: &[Sms]) -> Markup {
    let mut phones: Vec<(&str, Vec<&Sms>)> = Vec::new();
    for sms in messages {
        match phones.iter_mut().find(|(to, _)| *to == sms.to) {
            Some((_, list)) => list.push(sms),
            None => phones.push((&sms.to, vec![sms])),
        }
    }
    html! {
        @if phones.is_empty() {
            p { "No SMS yet: a verification code or a Puzzel Pay batch sent by SMS lands here." }
        }
        @for (to, list) in &phones {
            section.phone aria-label={ "Messages to " (to) } {
                h2 { (to) }
                ol.messages {
                    @for sms in list {
                        li.sms {
                            p.meta { (time(&sms.at)) " · " (sms.api.title()) }
                            p.text { (linked(&sms.text, sms.link.as_deref())) }
                        }
                    }
                }
            }
        }
    }
}
