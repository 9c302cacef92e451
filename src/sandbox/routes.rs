//! The sandbox's API routes, made from the specs' generated operation
//! tables: every operation gets its route (method and path template from
//! the spec), and no API route exists that a spec lacks. Each API's file
//! only names the handler of each operation.

use std::collections::BTreeMap;

use axum::Router;
use axum::routing::{MethodFilter, MethodRouter};

use super::Shared;
use super::journal::Api;
use crate::runtime::Operation;

/// Names the handler of an operation (by its spec name), for `method`.
pub(super) type Handlers = fn(&str, MethodFilter) -> Option<MethodRouter<Shared>>;

/// One API as the sandbox serves it.
pub(super) struct Mount {
    /// Which API it is.
    pub api: Api,
    /// Where its spec's paths start on the sandbox (`/direct-payment/restV1.svc`).
    pub base: &'static str,
    /// Its spec's operations.
    pub operations: &'static [Operation],
    /// Its handlers.
    pub handlers: Handlers,
}

/// The four APIs (Direct Payment's SOAP endpoint is one route of its pages).
pub(super) const MOUNTS: &[Mount] = &[
    Mount {
        api: Api::Connect,
        base: "/connect",
        operations: crate::connect::operations::ALL,
        handlers: super::connect::handler,
    },
    Mount {
        api: Api::DirectPayment,
        base: "/direct-payment/restV1.svc",
        operations: crate::direct_payment::rest_api::operations::ALL,
        handlers: super::direct_payment::handler,
    },
    Mount {
        api: Api::PuzzelPay,
        base: "/puzzel-pay",
        operations: crate::puzzel_pay::operations::ALL,
        handlers: super::puzzel_pay::handler,
    },
    Mount {
        api: Api::Mediaconnect,
        base: "/mediaconnect/capi",
        operations: crate::mediaconnect::operations::ALL,
        handlers: super::mediaconnect::handler,
    },
];

/// The spec operations of `mount` that have no handler.
pub(super) fn unhandled(mount: &Mount) -> Vec<&'static str> {
    mount
        .operations
        .iter()
        .filter(|op| (mount.handlers)(op.name, filter(op.method)).is_none())
        .map(|op| op.name)
        .collect()
}

fn filter(method: &str) -> MethodFilter {
    match method {
        "GET" => MethodFilter::GET,
        "POST" => MethodFilter::POST,
        "PUT" => MethodFilter::PUT,
        "PATCH" => MethodFilter::PATCH,
        "DELETE" => MethodFilter::DELETE,
        "HEAD" => MethodFilter::HEAD,
        _ => MethodFilter::OPTIONS,
    }
}

/// The routes of every spec operation of every API, nested at its base.
///
/// # Panics
/// When a spec operation has no handler: the sandbox would not be its
/// spec's implementation (`unhandled` names them; a test checks it).
pub(super) fn api_routes() -> Router<Shared> {
    let mut router = Router::new();
    for mount in MOUNTS {
        let missing = unhandled(mount);
        assert!(
            missing.is_empty(),
            "the sandbox has no handler for {}: {missing:?}",
            mount.api.name()
        );
        let mut paths: BTreeMap<&str, MethodRouter<Shared>> = BTreeMap::new();
        for op in mount.operations {
            let Some(handler) = (mount.handlers)(op.name, filter(op.method)) else {
                continue;
            };
            let merged = match paths.remove(op.path) {
                Some(existing) => existing.merge(handler),
                None => handler,
            };
            paths.insert(op.path, merged);
        }
        for (path, handler) in paths {
            router = router.route(&format!("{}{path}", mount.base), handler);
        }
    }
    router
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_operation_has_a_handler() {
        for mount in MOUNTS {
            assert_eq!(unhandled(mount), Vec::<&str>::new(), "{}", mount.api.name());
        }
    }
}
