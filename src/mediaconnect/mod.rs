//! Mediaconnect (ConnectID) payment: a product's payment methods, paying an
//! invoice, changing a subscription's payment method, and its Vipps
//! recurring agreements.
//!
//! Every call needs a logged-in user's access token ([`UserTokens`] gets and
//! refreshes them with the authorization-code grant). Payments and changes
//! are finished by the user at the login server: start them through the API,
//! redirect the user with a [`LoginServer`] URL, and read the outcome from the
//! URL they come back with ([`Outcome`]).
//!
//! ```no_run
//! use nordpay::mediaconnect::{types, Client, Environment, LoginServer, Outcome};
//!
//! # async fn run(tokens: nordpay::mediaconnect::UserTokens) -> Result<(), nordpay::mediaconnect::Error> {
//! let client = Client::builder(Environment::Test, tokens).build()?;
//! let started = client
//!     .pay_invoice()
//!     .body(
//!         types::InvoicePaymentRequest::builder()
//!             .invoice_number("7435367")
//!             .product_code("CO27409")
//!             .company_code("68979834")
//!             .payment_method(types::InvoicePaymentMethod::CreditcardPayex),
//!     )
//!     .send()
//!     .await?
//!     .into_inner();
//! let login = LoginServer::new(Environment::Test.login_server(), "my-client-id")?;
//! let redirect = login.invoice_payment(
//!     &"https://shop.example/paid".parse().unwrap(),
//!     &"https://shop.example/error".parse().unwrap(),
//!     started.transaction_id.expect("a transaction"),
//! );
//! // ... the user comes back to https://shop.example/paid?status=finished
//! let back: url::Url = "https://shop.example/paid?status=finished".parse().unwrap();
//! assert_eq!(Outcome::from_return_url(&back).unwrap(), Outcome::Finished);
//! # let _ = redirect;
//! # Ok(())
//! # }
//! ```

mod client;
mod customer;
mod error;
pub(crate) mod generated;
mod oauth;
mod redirect;

pub use crate::runtime::{BoxError, TokenFuture, TokenSource};
pub use crate::runtime::{InvalidValue, TransportError};
pub use client::{ClientBuilder, Setup};
pub use customer::CustomerNumber;
pub use error::Error;
#[cfg(feature = "cli")]
pub(crate) use generated::command_line;
pub use generated::{Client, Environment, ResponseValue, builder, operations, servers, types};
pub use oauth::{ClientTokens, OAuthClient, TokenError, TokenSet, UserTokens};
pub use redirect::{LoginServer, Outcome, OutcomeError, PayExTicket};
