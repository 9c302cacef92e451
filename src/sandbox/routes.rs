//! The four stand-ins, listed once: where each is mounted, its spec's
//! operations, the generated router of its spec over its `impl Service`,
//! and its hand-written pages (payment pages, a login server, SOAP).

use axum::Router;

use super::Shared;
use crate::runtime::Operation;

/// One API as the sandbox serves it.
pub(super) struct Mount {
    /// Where its routes start on the sandbox (`/direct-payment`).
    pub base: &'static str,
    /// Where its spec's paths start below `base` (`/restV1.svc`).
    pub api_base: &'static str,
    /// Its spec's operations.
    pub operations: &'static [Operation],
    /// Its spec's generated router, over its stand-in.
    pub api: fn(&Shared) -> Router<Shared>,
    /// Its pages, relative to `base`.
    pub pages: fn() -> Router<Shared>,
}

/// The four APIs.
pub(super) const MOUNTS: &[Mount] = &[
    Mount {
        base: "/connect",
        api_base: "",
        operations: crate::connect::operations::ALL,
        api: |shared| {
            crate::connect::generated::server::router(super::connect::Connect(shared.clone()))
        },
        pages: super::connect::pages,
    },
    Mount {
        base: "/direct-payment",
        api_base: "/restV1.svc",
        operations: crate::direct_payment::rest_api::operations::ALL,
        api: |shared| {
            let service = super::direct_payment::DirectPayment(shared.clone());
            crate::direct_payment::rest_api::server::router(service)
        },
        pages: super::direct_payment::pages,
    },
    Mount {
        base: "/puzzel-pay",
        api_base: "",
        operations: crate::puzzel_pay::operations::ALL,
        api: |shared| {
            crate::puzzel_pay::generated::server::router(super::puzzel_pay::PuzzelPay(
                shared.clone(),
            ))
        },
        pages: super::puzzel_pay::pages,
    },
    Mount {
        base: "/mediaconnect",
        api_base: "/capi",
        operations: crate::mediaconnect::operations::ALL,
        api: |shared| {
            let service = super::mediaconnect::Mediaconnect(shared.clone());
            crate::mediaconnect::generated::server::router(service)
        },
        pages: super::mediaconnect::pages,
    },
];

/// Every API's routes, each nested at its base.
pub(super) fn api_routes(shared: &Shared) -> Router<Shared> {
    MOUNTS.iter().fold(Router::new(), |router, mount| {
        let api = (mount.api)(shared);
        let api = if mount.api_base.is_empty() {
            api
        } else {
            Router::new().nest(mount.api_base, api)
        };
        router.nest(mount.base, api.merge((mount.pages)()))
    })
}
