#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "connect")]
pub mod connect;

#[cfg(feature = "_runtime")]
pub mod runtime;

#[cfg(feature = "_runtime")]
pub mod money;

#[cfg(any(feature = "sandbox", feature = "cli"))]
mod apis;

#[cfg(feature = "direct-payment")]
pub mod direct_payment;

#[cfg(feature = "puzzel-pay")]
pub mod puzzel_pay;

#[cfg(feature = "mediaconnect")]
pub mod mediaconnect;

#[cfg(feature = "cli")]
pub mod cli;

#[cfg(feature = "sandbox")]
pub mod sandbox;

#[cfg(feature = "_fuzz")]
#[doc(hidden)]
pub mod fuzzing;
