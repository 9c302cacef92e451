#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "connect")]
pub mod connect;

#[cfg(any(feature = "connect", feature = "direct-payment"))]
mod http;

#[cfg(feature = "direct-payment")]
pub mod direct_payment;

#[cfg(feature = "direct-payment")]
pub mod soap;
