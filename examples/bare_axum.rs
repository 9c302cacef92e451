//! The sandbox load bench's baseline (`cargo xtask bench-sandbox`): a bare
//! axum server on 127.0.0.1 that reads each POST body and answers fixed
//! JSON. What is left of a sandbox call above this is the sandbox's own cost.

/// The sandbox binary's allocator, so the baseline differs from it only in its handlers.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|port| port.parse().ok())
        .unwrap_or(8788);
    let app = Router::new().fallback(post(|body: Bytes| async move {
        let _ = body.len();
        axum::Json(serde_json::json!({"id": "tx000001", "state": "STARTED"}))
    }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await
}
