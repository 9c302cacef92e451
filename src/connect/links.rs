//! Where to send the user: the PAYMENT link of a transaction or agreement, and
//! the `Location` of a created one.

use url::Url;

use super::generated::ResponseValue;
use super::generated::types::{Agreement, Link, Transaction};

/// The link relation of the page where the user pays.
pub const PAYMENT: &str = "PAYMENT";

/// Why a link could not be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The server sent no link with this relation.
    #[error("the response has no {0} link")]
    Missing(&'static str),
    /// The server sent a link that is not an absolute URL.
    #[error("the {rel} link {href:?} is not a URL")]
    Malformed {
        /// The link relation.
        rel: &'static str,
        /// The link as sent.
        href: String,
    },
}

fn find(links: Option<&[Link]>, rel: &'static str) -> Result<Url, LinkError> {
    let link = links
        .unwrap_or_default()
        .iter()
        .find(|link| link.rel.eq_ignore_ascii_case(rel))
        .ok_or(LinkError::Missing(rel))?;
    Url::parse(&link.href).map_err(|_| LinkError::Malformed {
        rel,
        href: link.href.clone(),
    })
}

impl Transaction {
    /// The page where the user completes this transaction (`links[rel=PAYMENT]`).
    pub fn payment_link(&self) -> Result<Url, LinkError> {
        find(self.links.as_deref(), PAYMENT)
    }
}

impl Agreement {
    /// The page where the user pays the verification transaction and so
    /// activates this agreement (`links[rel=PAYMENT]`).
    pub fn payment_link(&self) -> Result<Url, LinkError> {
        find(self.links.as_deref(), PAYMENT)
    }
}

/// The `Location` header of a created transaction or agreement, if present
/// and a valid URL.
pub fn location<T>(response: &ResponseValue<T>) -> Option<Url> {
    let value = response.headers().get(reqwest::header::LOCATION)?;
    Url::parse(value.to_str().ok()?).ok()
}
