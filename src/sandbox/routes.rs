//! The four stand-ins, listed once: where each is mounted, its spec's
//! operations, and its routes (the generated router of its spec over its
//! `impl Service`, beside its hand-written pages).

use axum::Router;

use super::Shared;
use crate::runtime::Operation;

/// One API as the sandbox serves it.
pub(super) struct Mount {
    /// Where its routes start on the sandbox (`/direct-payment`).
    pub base: &'static str,
    /// Its spec's operations.
    pub operations: &'static [Operation],
    /// Its routes, relative to `base`.
    pub routes: fn(&Shared) -> Router<Shared>,
}

/// The four APIs.
pub(super) const MOUNTS: &[Mount] = &[
    Mount {
        base: "/connect",
        operations: crate::connect::operations::ALL,
        routes: super::connect::routes,
    },
    Mount {
        base: "/direct-payment",
        operations: crate::direct_payment::rest_api::operations::ALL,
        routes: super::direct_payment::routes,
    },
    Mount {
        base: "/puzzel-pay",
        operations: crate::puzzel_pay::operations::ALL,
        routes: super::puzzel_pay::routes,
    },
    Mount {
        base: "/mediaconnect",
        operations: crate::mediaconnect::operations::ALL,
        routes: super::mediaconnect::routes,
    },
];

/// Every API's routes, each nested at its base.
pub(super) fn api_routes(shared: &Shared) -> Router<Shared> {
    MOUNTS.iter().fold(Router::new(), |router, mount| {
        router.nest(mount.base, (mount.routes)(shared))
    })
}
