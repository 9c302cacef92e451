//! Puzzel Pay (InstaPay): batches of payment requests sent as links by SMS,
//! their progress, refunds, and the callback Puzzel Pay sends you.
//!
//! The client, its request builders and all types are generated from
//! `schemas/puzzel-pay/openapi.yaml`; the API's vendor media types
//! (`application/vnd.instapay.…+json`) are what goes on the wire, and the
//! spec's batch rules (1 to 250 recipients, unique references, a message
//! template) are checked before anything is sent. This module adds the
//! builder, one error type and the callback parser; [`report`] reads the
//! daily settlement reports and reconciles them, [`batch_file`] writes and
//! reads the FTP batch file.
//!
//! ```no_run
//! use nordpay::puzzel_pay::{types, BatchAction, Client, Environment, RequestType};
//!
//! # async fn run() -> Result<(), nordpay::puzzel_pay::Error> {
//! let client = Client::builder(Environment::Production, "eyJ...your JWT").build()?;
//! let batch = types::BatchRequest::builder()
//!     .batch_reference("march-2027")
//!     .action(BatchAction::SendSms)
//!     .message_templates(vec![types::MessageTemplate {
//!         type_: RequestType::Payment,
//!         text: "Dear {{name}}, tap the link to pay.".into(),
//!     }])
//!     .recipients(vec![types::Recipient::builder()
//!         .reference("invoice-1")
//!         .msisdn("+4799999999")
//!         .type_(RequestType::Payment)
//!         .payment(types::Payment::builder().amount(10_000u64).currency("NOK"))
//!         .variables(std::collections::BTreeMap::from([("name".to_string(), "Kari".to_string())]))
//!         .try_into()
//!         .expect("a valid recipient")]);
//! let accepted = client.create_batch().body(batch).send().await?.into_inner();
//! # Ok(())
//! # }
//! ```

pub mod batch_file;
mod callback;
mod client;
mod error;
mod file_error;
pub(crate) mod generated;
#[cfg(feature = "callback-receiver")]
pub mod receiver;
pub mod report;
mod resolve;

pub use crate::runtime::InvalidValue;
pub use crate::runtime::TransportError;
pub use crate::runtime::{Resolution, Resolved};
pub use callback::{CallbackError, parse_callback};
pub use client::{ClientBuilder, Setup};
pub use error::Error;
pub use file_error::FileError;
#[cfg(feature = "cli")]
pub(crate) use generated::command_line;
pub use generated::types::{BatchAction, PaymentProvider, RequestType, Step};
pub use generated::{Client, Environment, ResponseValue, builder, operations, servers, types};
pub use resolve::BatchRecord;
