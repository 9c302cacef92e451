//! The client generated from `schemas/puzzel-pay/openapi.yaml` by build.rs.
#![allow(unused_imports, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/puzzel_pay.rs"));
