//! nordpay's integration tests, one binary (a module per area): on two
//! cores, linking one test binary instead of twenty is much of a cold
//! `cargo test`.

#[cfg(feature = "sandbox")]
mod support;

mod callback_receiver;
mod cli;
mod codegen;
mod connect_wire;
mod construction;
mod contract;
mod direct_payment_wire;
mod drift;
mod json_schema;
mod mediaconnect_wire;
mod puzzel_pay_wire;
mod redaction;
mod resolution;
mod resolution_faults;
mod runtime;
mod sandbox;
mod sandbox_binary;
mod sandbox_dashboard;
mod sandbox_ledger;
mod soak;
mod soap_hostile;
mod telemetry;
