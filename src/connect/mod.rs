//! Telenor CONNECT Payment: single payments (transactions), refunds and
//! recurring payments (charging agreements).
//!
//! The client, its request builders and all types are generated from
//! `schemas/connect-payment/openapi.yaml`; this module adds what a spec cannot
//! say: authentication, environments, one error type, money and link helpers.
//!
//! ```no_run
//! use nordpay::connect::{types, Auth, Client, Environment, Money, VatRate};
//!
//! # async fn run() -> Result<(), nordpay::connect::Error> {
//! let client = Client::builder(Environment::Staging, Auth::api_key("your-api-key")).build()?;
//! let transaction = client
//!     .create_transaction()
//!     .body(
//!         types::NewTransaction::builder()
//!             .order_id("4d35310c")
//!             .purchase_description("Purchase for Test Merchant")
//!             .amount(Money::new("NOK", 9_900).expect("NOK is a currency"))
//!             .vat_rate(VatRate::from_percent(25).expect("25 % is a VAT rate"))
//!             .success_redirect("https://example.com/receipt/4d35310c")
//!             .cancel_redirect("https://example.com/products"),
//!     )
//!     .send()
//!     .await?
//!     .into_inner();
//! println!("send the user to {}", transaction.payment_link().expect("a PAYMENT link"));
//! # Ok(())
//! # }
//! ```

mod auth;
mod client;
mod environment;
mod error;
pub(crate) mod generated;
mod links;
mod pages;
mod products;
mod resolve;
mod vat_rate;

pub use crate::money::{Money, MoneyError};
pub use crate::runtime::TransportError;
pub use crate::runtime::{Resolution, Resolved};
pub use auth::{Auth, AuthError, BoxError, TokenFuture, TokenSource};
pub use client::{ClientBuilder, Setup};
pub use error::{Error, ProviderError};
#[cfg(feature = "cli")]
pub(crate) use generated::command_line;
pub use generated::{Client, Environment, ResponseValue, builder, operations, servers, types};
pub use links::{LinkError, PAYMENT, location};
pub use vat_rate::{VatRate, VatRateError};
