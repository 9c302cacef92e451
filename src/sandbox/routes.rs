//! The four stand-ins, listed once: where each is mounted, its spec's
//! operations, the generated router of its spec over its `impl Service`,
//! and its hand-written pages (payment pages, a login server, SOAP).

use axum::Router;
use axum::http::HeaderMap;

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
    /// Other spellings of `api_base` the provider's own docs use, served
    /// the same (Direct Payment's docs write `RestV1.svc` too).
    pub api_base_aliases: &'static [&'static str],
    /// Its spec's generated router, over its stand-in.
    pub router: fn(&Shared) -> Router<Shared>,
    /// Its pages, relative to `base`.
    pub pages: fn() -> Router<Shared>,
    /// What its records offer on the dashboard ([`Actions::offered`]).
    pub offered: fn(&Record) -> Vec<Action>,
    /// Do a dashboard action to one of its records ([`Actions::perform`]).
    pub perform: fn(&Shared, &RecordId, &str) -> Result<(), String>,
    /// Its URLs and credentials, for `--print-config` and the banner.
    pub details: fn(&super::Sandbox) -> Vec<(&'static str, serde_json::Value)>,
    /// What a fault script may name of a call to its pages: `None` where
    /// no script faults them (payment pages), `Some(None)` for any call,
    /// `Some(Some(operation))` for a named one (a SOAPAction).
    pub page_operation: fn(&HeaderMap) -> Option<Option<&'static str>>,
    /// What a lookup among those named operations answers for a record it
    /// does not see (a scripted `lookup_lag`), if the pages have lookups.
    pub page_nothing_found: fn(&'static str) -> Option<axum::response::Response>,
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
        api_base_aliases: &[],
        router: |shared| {
            crate::connect::generated::server::router(super::connect::Connect(shared.clone()))
                .layer(axum::middleware::from_fn_with_state(
                    shared.clone(),
                    super::connect::page_at_transaction,
                ))
        },
        pages: super::connect::pages,
        offered: <super::connect::Connect as Actions>::offered,
        perform: <super::connect::Connect as Actions>::perform,
        details: super::connect::details,
        page_operation: |_| None,
        page_nothing_found: |_| None,
    },
    Mount {
        api: Api::DirectPayment,
        base: "/direct-payment",
        api_base: "/restV1.svc",
        api_base_aliases: &["/RestV1.svc"],
        router: |shared| {
            let service = super::direct_payment::DirectPayment(shared.clone());
            crate::direct_payment::rest_api::server::router(service).layer(
                axum::middleware::from_fn(super::direct_payment::json_or_xml),
            )
        },
        pages: super::direct_payment::pages,
        offered: <super::direct_payment::DirectPayment as Actions>::offered,
        perform: <super::direct_payment::DirectPayment as Actions>::perform,
        details: super::direct_payment::details,
        page_operation: super::direct_payment::page_operation,
        page_nothing_found: super::direct_payment::soap_nothing_found,
    },
    Mount {
        api: Api::PuzzelPay,
        base: "/puzzel-pay",
        api_base: "",
        api_base_aliases: &[],
        router: |shared| {
            crate::puzzel_pay::generated::server::router(super::puzzel_pay::PuzzelPay(
                shared.clone(),
            ))
        },
        pages: super::puzzel_pay::pages,
        offered: <super::puzzel_pay::PuzzelPay as Actions>::offered,
        perform: <super::puzzel_pay::PuzzelPay as Actions>::perform,
        details: super::puzzel_pay::details,
        page_operation: |_| None,
        page_nothing_found: |_| None,
    },
    Mount {
        api: Api::Mediaconnect,
        base: "/mediaconnect",
        api_base: "/capi",
        api_base_aliases: &[],
        router: |shared| {
            let service = super::mediaconnect::Mediaconnect(shared.clone());
            crate::mediaconnect::generated::server::router(service)
        },
        pages: super::mediaconnect::pages,
        offered: <super::mediaconnect::Mediaconnect as Actions>::offered,
        perform: <super::mediaconnect::Mediaconnect as Actions>::perform,
        details: super::mediaconnect::details,
        // Any call to the login server (an OAuth outage, say).
        page_operation: |_| Some(None),
        page_nothing_found: |_| None,
    },
];

/// The actions that make sense in a record's present state, as its
/// stand-in says.
pub(super) fn offered(record: &Record) -> Vec<Action> {
    (mount(record.id.kind.api()).offered)(record)
}

/// Do `action` to the record `id`, through its stand-in; why not, in a sentence.
pub(super) fn perform(shared: &Shared, id: &RecordId, action: &str) -> Result<(), String> {
    (mount(id.kind.api()).perform)(shared, id, action)
}

/// Every API's routes, each nested at its base. Scripted faults reach the
/// generated routes through their adapter (`serving`), the hand-written
/// pages (SOAP, the login server) through `scripted`'s middleware.
pub(super) fn api_routes(shared: &Shared) -> Router<Shared> {
    MOUNTS.iter().fold(Router::new(), |router, mount| {
        let pages = (mount.pages)().layer(axum::middleware::from_fn_with_state(
            super::scripted::Pages {
                shared: shared.clone(),
                api: mount.api,
                operation_of: mount.page_operation,
                nothing_found: mount.page_nothing_found,
            },
            super::scripted::apply,
        ));
        let api = (mount.router)(shared);
        let api = if mount.api_base.is_empty() {
            api
        } else {
            let bases = std::iter::once(&mount.api_base).chain(mount.api_base_aliases);
            bases.fold(Router::new(), |served, base| served.nest(base, api.clone()))
        };
        router.nest(mount.base, api.merge(pages))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_calls_and_the_login_server_fault_on_the_pages_payment_pages_never() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "soapaction",
            axum::http::HeaderValue::from_static(
                "\"http://directpay.intele.com/v1/IDirectPayment/Pay\"",
            ),
        );
        let operation_of = |api| (mount(api).page_operation)(&headers);
        assert_eq!(operation_of(Api::DirectPayment), Some(Some("Pay")));
        assert_eq!(operation_of(Api::Mediaconnect), Some(None));
        assert_eq!(operation_of(Api::Connect), None);
        assert_eq!(operation_of(Api::PuzzelPay), None);
    }

    #[test]
    fn every_api_has_one_mount() {
        for &api in Api::ALL {
            assert_eq!(MOUNTS.iter().filter(|mount| mount.api == api).count(), 1);
        }
    }
}
