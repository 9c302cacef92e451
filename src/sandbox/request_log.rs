//! One JSON line per request on stdout, for a sandbox run as a process.
//!
//! The route is the template (`/connect/transactions/{id}`), never the
//! path: paths carry client references, batch references and MSISDNs.

use std::io::Write;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;

pub(super) async fn log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", MatchedPath::as_str)
        .to_string();
    let response = next.run(request).await;
    let line = serde_json::json!({
        "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "method": method,
        "route": route,
        "status": response.status().as_u16(),
        "micros": u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
    });
    // A closed stdout (a parent that stopped reading) must not stop the sandbox.
    let _ = writeln!(std::io::stdout().lock(), "{line}");
    response
}
