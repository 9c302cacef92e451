//! The four stand-ins, listed once: where each is mounted, its spec's
//! operations, the generated router of its spec over its `impl Service`,
//! and its hand-written pages (payment pages, a login server, SOAP).

use axum::Router;

use super::Shared;
use super::dashboard::actions::{Action, Actions};
use super::journal::{Api, Record, RecordId};

/// One API as the sandbox serves it.
pub(super) struct Mount {
    /// Which API it is.
    pub api: Api,
    /// Where its routes start on the sandbox (`/direct-payment`).
    pub base: &'static str,
    /// Where its spec's paths start below `base` (`/restV1.svc`).
    pub api_base: &'static str,
    /// Its spec's generated router, over its stand-in.
    pub router: fn(&Shared) -> Router<Shared>,
    /// Its pages, relative to `base`.
    pub pages: fn() -> Router<Shared>,
    /// What its records offer on the dashboard ([`Actions::offered`]).
    pub offered: fn(&Record) -> Vec<Action>,
    /// Do a dashboard action to one of its records ([`Actions::perform`]).
    pub perform: fn(&Shared, &RecordId, &str) -> Result<(), String>,
}

/// The mount of `api`.
pub(super) fn mount(api: Api) -> &'static Mount {
    MOUNTS
        .iter()
        .find(|mount| mount.api == api)
        .expect("every API has its mount (a test holds it)")
}

/// The four APIs.
pub(super) const MOUNTS: &[Mount] = &[
    Mount {
        api: Api::Connect,
        base: "/connect",
        api_base: "",
        router: |shared| {
            crate::connect::generated::server::router(super::connect::Connect(shared.clone()))
        },
        pages: super::connect::pages,
        offered: <super::connect::Connect as Actions>::offered,
        perform: <super::connect::Connect as Actions>::perform,
    },
    Mount {
        api: Api::DirectPayment,
        base: "/direct-payment",
        api_base: "/restV1.svc",
        router: |shared| {
            let service = super::direct_payment::DirectPayment(shared.clone());
            crate::direct_payment::rest_api::server::router(service)
        },
        pages: super::direct_payment::pages,
        offered: <super::direct_payment::DirectPayment as Actions>::offered,
        perform: <super::direct_payment::DirectPayment as Actions>::perform,
    },
    Mount {
        api: Api::PuzzelPay,
        base: "/puzzel-pay",
        api_base: "",
        router: |shared| {
            crate::puzzel_pay::generated::server::router(super::puzzel_pay::PuzzelPay(
                shared.clone(),
            ))
        },
        pages: super::puzzel_pay::pages,
        offered: <super::puzzel_pay::PuzzelPay as Actions>::offered,
        perform: <super::puzzel_pay::PuzzelPay as Actions>::perform,
    },
    Mount {
        api: Api::Mediaconnect,
        base: "/mediaconnect",
        api_base: "/capi",
        router: |shared| {
            let service = super::mediaconnect::Mediaconnect(shared.clone());
            crate::mediaconnect::generated::server::router(service)
        },
        pages: super::mediaconnect::pages,
        offered: <super::mediaconnect::Mediaconnect as Actions>::offered,
        perform: <super::mediaconnect::Mediaconnect as Actions>::perform,
    },
];

/// Every API's routes, each nested at its base. Scripted faults reach the
/// generated routes through their adapter (`serving`), the hand-written
/// pages (SOAP, the login server) through `scripted`'s middleware.
pub(super) fn api_routes(shared: &Shared) -> Router<Shared> {
    MOUNTS.iter().fold(Router::new(), |router, mount| {
        let pages = (mount.pages)().layer(axum::middleware::from_fn_with_state(
            (shared.clone(), mount.api),
            super::scripted::apply,
        ));
        let api = (mount.router)(shared);
        let api = if mount.api_base.is_empty() {
            api
        } else {
            Router::new().nest(mount.api_base, api)
        };
        router.nest(mount.base, api.merge(pages))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_has_one_mount() {
        for &api in Api::ALL {
            assert_eq!(MOUNTS.iter().filter(|mount| mount.api == api).count(), 1);
        }
    }
}
