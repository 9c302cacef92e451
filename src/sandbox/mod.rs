//! The embedded sandbox: a stateful local stand-in for all four providers,
//! on 127.0.0.1, driven by the same generated types as the clients.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use nordpay::sandbox::{Sandbox, credentials};
//!
//! let sandbox = Sandbox::start().await?;
//! let client = nordpay::connect::Client::builder(
//!     sandbox.connect_environment(),
//!     nordpay::connect::Auth::api_key(credentials::CONNECT_API_KEY),
//! )
//! .build()
//! .unwrap();
//! // ... run your flow; sandbox.reset() between tests.
//! # Ok(())
//! # }
//! ```
//!
//! What the sandbox does on purpose, for tests to rely on, is in [`faults`].

// Handlers return `Result<_, Response>` (axum's idiom); a Response is large
// but these run once per request, not in a loop.
#![allow(clippy::result_large_err)]

pub mod browser;
mod callbacks;
mod connect;
mod dashboard;
mod direct_payment;
mod engine;
pub mod faults;
mod journal;
mod mediaconnect;
mod pages;
mod puzzel_pay;
mod recorded;
mod request_log;
mod routes;
mod script;
mod scripted;
pub(crate) mod serving;
mod settlement;
pub mod soak;
mod stored;
mod tls;
pub(crate) mod xml_body;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use url::Url;

pub use callbacks::Delivery;
pub use engine::DEFAULT_RECORD_CAP;

pub use script::{FaultAction, ScriptedFault};

/// How to reach one stand-in of a running [`Sandbox`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StandIn {
    /// The API's name (`direct_payment`), as fault scripts name it.
    pub name: &'static str,
    /// The provider's own name for it.
    pub title: &'static str,
    /// Its URLs and the sandbox's credentials for it, by name (`url`,
    /// `api_key`, …): fixed, public test values, never a real secret.
    pub details: Vec<(&'static str, serde_json::Value)>,
}

/// The fixed credentials the sandbox accepts.
pub mod credentials {
    /// CONNECT: the merchant API key (HTTP Basic user, empty password).
    pub const CONNECT_API_KEY: &str = "sandbox-api-key";
    /// CONNECT: a CONNECT ID user's bearer token.
    pub const CONNECT_BEARER_TOKEN: &str = "sandbox-connect-token";
    /// Direct Payment: the service ID.
    pub const DIRECT_PAYMENT_SERVICE_ID: i32 = 1234;
    /// Direct Payment: the user name.
    pub const DIRECT_PAYMENT_USERNAME: &str = "sandbox";
    /// Direct Payment: the password.
    pub const DIRECT_PAYMENT_PASSWORD: &str = "sandbox-password";
    /// Puzzel Pay: the JWT.
    pub const PUZZEL_PAY_JWT: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzYW5kYm94In0.sandbox";
    /// Mediaconnect: the OAuth client ID.
    pub const MEDIACONNECT_CLIENT_ID: &str = "sandbox-client";
    /// Mediaconnect: the OAuth client secret.
    pub const MEDIACONNECT_CLIENT_SECRET: &str = "sandbox-secret";
    /// Mediaconnect: the one customer client mode knows (the reference's
    /// example customer); the sandbox's invoices are this customer's.
    pub const MEDIACONNECT_CUSTOMER_NUMBER: u64 = 563_457;
}

/// Everything the sandbox remembers, one lock per API: a call to one API
/// never waits for another's. [`Sandbox::reset`] empties it.
#[derive(Default)]
pub(crate) struct State {
    connect: Mutex<engine::Kept<connect::Store>>,
    direct_payment: Mutex<engine::Kept<direct_payment::Store>>,
    puzzel_pay: Mutex<engine::Kept<puzzel_pay::Store>>,
    mediaconnect: Mutex<engine::Kept<mediaconnect::Store>>,
    script: Mutex<script::Script>,
    callbacks: Mutex<callbacks::Callbacks>,
    journal: Mutex<journal::Journal>,
    /// Bumped at every change the dashboard shows, for its live updates.
    changes: Watched<u64>,
    /// Set when the sandbox stops: the dashboard's event streams end, so
    /// a graceful stop does not wait for an open browser tab.
    stopping: Watched<bool>,
}

/// A value tasks wait on, starting at its default.
struct Watched<T>(tokio::sync::watch::Sender<T>);

impl<T: Default> Default for Watched<T> {
    fn default() -> Self {
        Self(tokio::sync::watch::Sender::new(T::default()))
    }
}

impl<T> std::ops::Deref for Watched<T> {
    type Target = tokio::sync::watch::Sender<T>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

/// Shared by every handler: the state, the engine (clock and IDs) and the
/// sandbox's own base URL.
#[derive(Clone)]
pub(crate) struct Shared {
    state: Arc<State>,
    engine: Arc<engine::Engine>,
    base: Url,
    /// Records one store keeps before forgetting the oldest finished ones.
    record_cap: usize,
    /// How long a SecurityLevel 2 payment waits for its user.
    confirmation_window: std::time::Duration,
}

/// A store's lock. A handler that panicked while holding it leaves it usable.
fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn connect(&self) -> MutexGuard<'_, engine::Kept<connect::Store>> {
        locked(&self.state.connect)
    }

    fn direct_payment(&self) -> MutexGuard<'_, engine::Kept<direct_payment::Store>> {
        locked(&self.state.direct_payment)
    }

    fn puzzel_pay(&self) -> MutexGuard<'_, engine::Kept<puzzel_pay::Store>> {
        locked(&self.state.puzzel_pay)
    }

    fn mediaconnect(&self) -> MutexGuard<'_, engine::Kept<mediaconnect::Store>> {
        locked(&self.state.mediaconnect)
    }

    fn script(&self) -> MutexGuard<'_, script::Script> {
        locked(&self.state.script)
    }

    fn callbacks(&self) -> MutexGuard<'_, callbacks::Callbacks> {
        locked(&self.state.callbacks)
    }

    /// The action of the first scripted fault `call` matches, using one of
    /// its times; the dashboard, which lists the faults still waiting,
    /// hears of it.
    fn take_fault(&self, call: &script::Call<'_>) -> Option<FaultAction> {
        let action = self.script().take(call);
        if action.is_some() {
            self.changed();
        }
        action
    }

    /// Write to the journal (at the sandbox's time), and tell the
    /// dashboard's watchers.
    fn journal(&self, write: impl FnOnce(&mut journal::Journal, chrono::DateTime<chrono::Utc>)) {
        let now = self.engine.now();
        write(&mut locked(&self.state.journal), now);
        self.changed();
    }

    /// Report what a store change did: the journal first, then the
    /// callbacks. Called after the store's lock is released.
    fn publish(&self, happened: journal::Happened) {
        let journal::Happened { entries, callbacks } = happened;
        if !entries.is_empty() {
            self.journal(|journal, at| journal.write(at, entries));
        }
        for callback in callbacks {
            callbacks::deliver(self, callback);
        }
    }

    /// Tell the dashboard's watchers that something it shows changed.
    fn changed(&self) {
        self.state.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Give each store `records` finished records, through its own insert
    /// path (load benches: the same load on a full sandbox as on an empty one).
    fn preload(&self, api: Option<&str>, records: usize) {
        let (engine, cap) = (&*self.engine, self.record_cap);
        // More than a store keeps would only be made to be evicted.
        let records = records.min(cap);
        let wanted = |wanted: journal::Api| api.is_none_or(|api| api == wanted.name());
        if wanted(journal::Api::Connect) {
            self.connect().preload(engine, cap, records);
        }
        if wanted(journal::Api::DirectPayment) {
            self.direct_payment().preload(engine, cap, records);
        }
        if wanted(journal::Api::PuzzelPay) {
            self.puzzel_pay().preload(engine, cap, records);
        }
        if wanted(journal::Api::Mediaconnect) {
            self.mediaconnect().preload(engine, cap, records);
        }
    }

    /// Forget everything; the clock back to the real time.
    fn reset(&self) {
        *self.connect() = Default::default();
        *self.direct_payment() = Default::default();
        *self.puzzel_pay() = Default::default();
        *self.mediaconnect() = Default::default();
        *self.script() = Default::default();
        // The callback URL is configuration: it stays.
        self.callbacks().deliveries.clear();
        *locked(&self.state.journal) = Default::default();
        self.engine.reset();
        self.changed();
    }

    /// An absolute URL on the sandbox.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base.as_str().trim_end_matches('/'))
    }
}

/// How a sandbox starts: [`Sandbox::start_with`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// Where to listen; port 0 takes any free port. 127.0.0.1 unless set:
    /// the sandbox is for tests, and `0.0.0.0` opens it to the network.
    pub addr: SocketAddr,
    /// The base URL the sandbox puts in the links it answers with (payment
    /// pages), when clients reach it under another name than `addr` (a
    /// container's service name). `http://{addr}` unless set.
    pub public_url: Option<Url>,
    /// Records one store keeps before forgetting the oldest finished ones.
    pub record_cap: usize,
    /// Write one JSON line per request to stdout: time, method, route
    /// (the template, never the path: paths carry references and MSISDNs),
    /// status and duration.
    pub request_log: bool,
    /// Where Puzzel Pay's callback is POSTed when a recipient's payment
    /// completes or fails (none unless set).
    pub callback_url: Option<Url>,
    /// How long a Direct Payment SecurityLevel 2 payment waits for its user
    /// to confirm before it lapses: the WSDL's window (one minute, as the
    /// docs say) unless set. A test that does not answer for the user
    /// (dashboard, `POST /sandbox/direct-payment/payments/{ref}/confirm`)
    /// can shorten it.
    pub confirmation_window: std::time::Duration,
    /// Serve HTTPS: a CA and a certificate for the names served (the
    /// address, `localhost`, the public URL's host) are made at start;
    /// [`Sandbox::ca_pem`] is the CA to trust.
    pub tls: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            record_cap: DEFAULT_RECORD_CAP,
            request_log: false,
            callback_url: None,
            confirmation_window: direct_payment::confirmation_window(),
            tls: false,
        }
    }
}

/// A running sandbox. Dropping it stops the server at once;
/// [`Sandbox::shutdown`] lets the requests in flight finish first.
pub struct Sandbox {
    shared: Shared,
    addr: SocketAddr,
    ca_pem: Option<String>,
    server: tokio::task::JoinHandle<()>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("addr", &self.addr).finish()
    }
}

impl Sandbox {
    /// Start a sandbox on 127.0.0.1 and a free port, in this process.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Start a sandbox on `addr` (the binary uses a fixed port).
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        Self::bind_with(addr, DEFAULT_RECORD_CAP).await
    }

    /// Start a sandbox on `addr` whose stores each keep at most
    /// `record_cap` records: past it, the oldest finished ones are
    /// forgotten first ([`DEFAULT_RECORD_CAP`] unless you say).
    pub async fn bind_with(addr: SocketAddr, record_cap: usize) -> std::io::Result<Self> {
        Self::start_with(SandboxConfig {
            addr,
            record_cap,
            ..SandboxConfig::default()
        })
        .await
    }

    /// Start a sandbox as `config` says.
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        let addr = listener.local_addr()?;
        let scheme = if config.tls { "https" } else { "http" };
        let base = match config.public_url {
            Some(url) => url,
            None => {
                Url::parse(&format!("{scheme}://{addr}")).expect("a socket address is a valid host")
            }
        };
        let tls = match config.tls {
            true => {
                let mut names = vec![
                    "localhost".to_string(),
                    addr.ip().to_string(),
                    "127.0.0.1".to_string(),
                ];
                names.extend(base.host_str().map(|host| {
                    host.trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string()
                }));
                names.sort();
                names.dedup();
                Some(tls::make(names)?)
            }
            false => None,
        };
        let shared = Shared {
            state: Arc::default(),
            engine: Arc::default(),
            base,
            record_cap: config.record_cap,
            confirmation_window: config.confirmation_window,
        };
        shared.callbacks().url = config.callback_url;
        let mut app = router(shared.clone());
        if config.request_log {
            app = app.layer(axum::middleware::from_fn(request_log::log));
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        // A dropped sender stops the server too.
        let stopped = async {
            let _ = stopped.await;
        };
        let server = match &tls {
            None => tokio::spawn(async move {
                let serve = axum::serve(listener, app).with_graceful_shutdown(stopped);
                if let Err(error) = serve.await {
                    tracing::error!(%error, "the sandbox server stopped");
                }
            }),
            Some(tls) => {
                let listener = tls::TlsListener::new(listener, tls)?;
                tokio::spawn(async move {
                    let serve = axum::serve(listener, app).with_graceful_shutdown(stopped);
                    if let Err(error) = serve.await {
                        tracing::error!(%error, "the sandbox server stopped");
                    }
                })
            }
        };
        Ok(Self {
            shared,
            addr,
            ca_pem: tls.map(|tls| tls.ca_pem),
            server,
            stop: Some(stop),
        })
    }

    /// Stop accepting connections and wait for the requests in flight.
    pub async fn shutdown(mut self) {
        self.shared.state.stopping.send_replace(true);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let server = std::mem::replace(&mut self.server, tokio::spawn(async {}));
        let _ = server.await;
    }

    /// The CA (PEM) whose certificate the sandbox serves HTTPS with, when
    /// started with [`SandboxConfig::tls`]: the one a client must trust.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Where Puzzel Pay's callback goes from now on (`None`: nowhere).
    pub fn set_callback_url(&self, url: Option<Url>) {
        self.shared.callbacks().url = url;
    }

    /// Every callback delivery attempt so far, oldest first.
    pub fn callback_deliveries(&self) -> Vec<Delivery> {
        self.shared.callbacks().deliveries.clone()
    }

    /// Forget every transaction, payment, batch, token and agreement.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// The sandbox's clock: the real time plus every
    /// [`advance`](Self::advance). Its UTC day is the day Puzzel Pay's
    /// reports are made by.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.shared.engine.now()
    }

    /// Move the sandbox's clock forward: a verification code whose
    /// ExpiryTime is passed expires without the test waiting for it.
    /// `POST /sandbox/advance` with `{"seconds": n}` does the same over HTTP.
    pub fn advance(&self, by: std::time::Duration) {
        self.shared.engine.advance(by);
    }

    /// Script a fault for the next calls that match it (see
    /// [`ScriptedFault`]); `POST /sandbox/faults` with the same JSON does
    /// the same over HTTP.
    ///
    /// ```no_run
    /// # async fn run(sandbox: nordpay::sandbox::Sandbox) {
    /// use nordpay::sandbox::{FaultAction, ScriptedFault};
    /// // The next pay of this MSISDN is charged, but its answer is lost.
    /// sandbox.script(
    ///     ScriptedFault::new("direct_payment", "pay", FaultAction::DropAfter).key("+4799999999"),
    /// );
    /// # }
    /// ```
    pub fn script(&self, fault: ScriptedFault) {
        self.shared.script().add(fault);
        self.shared.changed();
    }

    /// The address the sandbox listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn url(&self, path: &str) -> Url {
        Url::parse(&self.shared.url(path)).expect("sandbox URLs are valid")
    }

    /// Base URL of the CONNECT Payment API.
    pub fn connect_url(&self) -> Url {
        self.url("/connect")
    }

    /// Base URL of Direct Payment (serving `restV1.svc` and `soapV1.svc`).
    pub fn direct_payment_url(&self) -> Url {
        self.url("/direct-payment")
    }

    /// Base URL of the Puzzel Pay API.
    pub fn puzzel_pay_url(&self) -> Url {
        self.url("/puzzel-pay")
    }

    /// Base URL of the Mediaconnect API.
    pub fn mediaconnect_api_url(&self) -> Url {
        self.url("/mediaconnect/capi")
    }

    /// The Mediaconnect login server (OAuth, payment pages).
    pub fn mediaconnect_login_url(&self) -> Url {
        self.url("/mediaconnect/login")
    }

    /// How to reach each stand-in: its URLs and the credentials it accepts,
    /// in the order of the list of APIs (what `nordpay-sandbox
    /// --print-config` and its banner say).
    pub fn stand_ins(&self) -> Vec<StandIn> {
        routes::MOUNTS
            .iter()
            .map(|mount| StandIn {
                name: mount.api.name(),
                title: mount.api.title(),
                details: (mount.details)(self),
            })
            .collect()
    }

    /// The dashboard: every record of the four APIs, in a browser.
    pub fn dashboard_url(&self) -> Url {
        self.url("/")
    }

    /// The SMS inbox: every SMS the sandbox "sent", per MSISDN.
    pub fn inbox_url(&self) -> Url {
        self.url("/inbox")
    }

    /// Base URL of the sandbox's own control calls (`/sandbox/...`).
    pub fn control_url(&self) -> Url {
        self.url("/sandbox")
    }

    /// The CONNECT environment of this sandbox.
    pub fn connect_environment(&self) -> crate::connect::Environment {
        crate::connect::Environment::Custom(self.connect_url())
    }

    /// The Direct Payment environment of this sandbox.
    pub fn direct_payment_environment(&self) -> crate::direct_payment::Environment {
        crate::direct_payment::Environment::Custom(self.direct_payment_url())
    }

    /// The Direct Payment credentials this sandbox accepts.
    pub fn direct_payment_credentials(&self) -> crate::direct_payment::Credentials {
        crate::direct_payment::Credentials::new(
            credentials::DIRECT_PAYMENT_SERVICE_ID,
            credentials::DIRECT_PAYMENT_USERNAME,
            credentials::DIRECT_PAYMENT_PASSWORD,
        )
    }

    /// The Puzzel Pay environment of this sandbox.
    pub fn puzzel_pay_environment(&self) -> crate::puzzel_pay::Environment {
        crate::puzzel_pay::Environment::Custom(self.puzzel_pay_url())
    }

    /// The Mediaconnect environment of this sandbox.
    pub fn mediaconnect_environment(&self) -> crate::mediaconnect::Environment {
        crate::mediaconnect::Environment::Custom {
            api: self.mediaconnect_api_url(),
            login: self.mediaconnect_login_url(),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn router(shared: Shared) -> Router {
    let apis = routes::api_routes(&shared);
    apis.nest("/sandbox", control_routes())
        .merge(dashboard::routes())
        .with_state(shared)
}

fn control_routes() -> Router<Shared> {
    Router::new()
        .route(
            "/health",
            axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route(
            "/reset",
            axum::routing::post(
                |axum::extract::State(shared): axum::extract::State<Shared>| async move {
                    shared.reset();
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/faults",
            axum::routing::post(
                |axum::extract::State(shared): axum::extract::State<Shared>,
                 axum::Json(fault): axum::Json<ScriptedFault>| async move {
                    shared.script().add(fault);
                    shared.changed();
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/preload",
            axum::routing::post(
                |axum::extract::State(shared): axum::extract::State<Shared>,
                 axum::Json(preload): axum::Json<Preload>| async move {
                    if preload
                        .api
                        .as_deref()
                        .is_some_and(|name| journal::Api::from_name(name).is_none())
                    {
                        return recorded::problem(
                            "api is one of connect, direct_payment, puzzel_pay, mediaconnect",
                        );
                    }
                    shared.preload(preload.api.as_deref(), preload.records);
                    axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT)
                },
            ),
        )
        .route(
            "/advance",
            axum::routing::post(
                |axum::extract::State(shared): axum::extract::State<Shared>,
                 axum::Json(advance): axum::Json<Advance>| async move {
                    if advance.seconds > MAX_ADVANCE_SECONDS {
                        return recorded::problem("seconds is at most ten years");
                    }
                    shared
                        .engine
                        .advance(std::time::Duration::from_secs(advance.seconds));
                    axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT)
                },
            ),
        )
        .merge(direct_payment::control_routes())
        .merge(puzzel_pay::control_routes())
        .merge(recorded::routes())
}

/// `POST /sandbox/preload`: how many finished records to give each store.
#[derive(serde::Deserialize)]
struct Preload {
    /// One API (`connect`, `direct_payment`, `puzzel_pay`, `mediaconnect`), or all.
    api: Option<String>,
    records: usize,
}

/// The farthest one `POST /sandbox/advance` moves the clock: ten years.
const MAX_ADVANCE_SECONDS: u64 = 10 * 365 * 24 * 60 * 60;

/// `POST /sandbox/advance`: how far to move the clock.
#[derive(serde::Deserialize)]
struct Advance {
    seconds: u64,
}

/// The value of a Basic `Authorization` header, decoded as (user, password).
fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// The token of a Bearer `Authorization` header.
fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}
