//! Puzzel (ex-Intelecom) Direct Payment: Strex mobile billing over SOAP or
//! REST, behind one [`Client`].
//!
//! The REST client and all request and response types are generated from
//! `schemas/direct-payment/rest.yaml`; the SOAP types and the operation table
//! from `DirectPayment.wsdl` and its XSD files. The request and response types
//! of [`Client`] are the REST ones ([`types`]), whichever transport is used.
//!
//! ```no_run
//! use nordpay::direct_payment::{types, Client, Credentials, Environment, Transport};
//!
//! # async fn run() -> Result<(), nordpay::direct_payment::Error> {
//! let client = Client::builder(
//!     Environment::Production,
//!     Transport::Rest, // or Transport::Soap: the same calls work
//!     Credentials::new(1234, "username", "password"),
//! )
//! .build()?;
//! let paid = client
//!     .pay(
//!         types::PaymentDetails::builder()
//!             .msisdn("+4799999999")
//!             .price(2500) // øre
//!             .service_code("06005".parse::<nordpay::direct_payment::ServiceCode>().unwrap())
//!             .client_reference("order-42"),
//!     )
//!     .await?;
//! println!("transaction {}", paid.transaction_id.0);
//! # Ok(())
//! # }
//! ```

pub(crate) mod client;
mod error;
mod generated;
pub(crate) mod payment_rules;
mod pricing;
mod resolve;
mod rest;
mod soap_enums;
pub(crate) mod soap_map;
pub(crate) mod soap_transport;
mod wcf_date;

pub use crate::runtime::InvalidValue;
pub use crate::runtime::TransportError;
pub use crate::runtime::soap;
pub use crate::runtime::{Resolution, Resolved};
pub use client::{Client, ClientBuilder, Credentials, Environment, Setup, Transport};
pub use error::{Error, ErrorCode};
pub use generated::rest::types;
pub use generated::rest::types::{
    Age, ConfirmationChannel, PaymentStatus, Platform, PreferredSourceOfFunds, SecurityLevel,
    SubscriptionType, Validity,
};
pub use generated::{rest as rest_api, soap as soap_api};
pub use pricing::{BusinessModel, ServiceCode};
pub use resolve::{PaymentRecord, fresh_client_reference};
pub use wcf_date::{WcfDateTime, WcfDateTimeError};
