//! `nordpay-sandbox [PORT]`: the sandbox as a process, for services written in
//! other languages. Listens on 127.0.0.1 (port 8787 unless given) until Ctrl-C.
//! `NORDPAY_SANDBOX_RECORD_CAP` sets how many records each API's store
//! keeps before forgetting the oldest finished ones.

/// mimalloc: glibc's malloc stalled under load after a big store was dropped (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;

use nordpay::sandbox::{Sandbox, credentials};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = match std::env::args().nth(1) {
        Some(port) => port
            .parse()
            .map_err(|_| std::io::Error::other(format!("not a port: {port}")))?,
        None => 8787,
    };
    let record_cap = match std::env::var("NORDPAY_SANDBOX_RECORD_CAP") {
        Ok(cap) => cap
            .parse()
            .map_err(|_| std::io::Error::other(format!("not a record cap: {cap}")))?,
        Err(_) => nordpay::sandbox::DEFAULT_RECORD_CAP,
    };
    let sandbox = Sandbox::bind_with(SocketAddr::from(([127, 0, 0, 1], port)), record_cap).await?;
    println!("nordpay sandbox on http://{}", sandbox.addr());
    println!(
        "  CONNECT Payment  {}  API key {:?}",
        sandbox.connect_url(),
        credentials::CONNECT_API_KEY
    );
    println!(
        "  Direct Payment   {}  service {}, {:?} / {:?}",
        sandbox.direct_payment_url(),
        credentials::DIRECT_PAYMENT_SERVICE_ID,
        credentials::DIRECT_PAYMENT_USERNAME,
        credentials::DIRECT_PAYMENT_PASSWORD
    );
    println!(
        "  Puzzel Pay       {}  JWT {:?}",
        sandbox.puzzel_pay_url(),
        credentials::PUZZEL_PAY_JWT
    );
    println!(
        "  Mediaconnect     {}  login {}  client {:?} / {:?}",
        sandbox.mediaconnect_api_url(),
        sandbox.mediaconnect_login_url(),
        credentials::MEDIACONNECT_CLIENT_ID,
        credentials::MEDIACONNECT_CLIENT_SECRET
    );
    println!("  control          {}/reset", sandbox.control_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
