//! The client generated from `schemas/mediaconnect/openapi.yaml` by build.rs.
#![allow(unused_imports, clippy::all, clippy::pedantic)]

include!(concat!(env!("OUT_DIR"), "/mediaconnect.rs"));
