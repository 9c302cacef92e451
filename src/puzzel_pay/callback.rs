//! The callback Puzzel Pay POSTs to your server for each transaction.

use super::types::Callback;

/// Largest callback body accepted.
pub(crate) const MAX_CALLBACK_BYTES: usize = 64 * 1024;

/// Why a callback body was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The body is larger than any callback.
    #[error("the callback body is over {MAX_CALLBACK_BYTES} bytes")]
    TooLarge,
    /// The body is not the documented JSON.
    #[error("not a Puzzel Pay callback: {0}")]
    Invalid(#[from] serde_json::Error),
}

/// Parse the body of a callback request, from your own web handler.
///
/// **A hint, not proof**: the callback is an unauthenticated POST that
/// anyone who knows your URL can send, and Puzzel Pay may send one twice,
/// late or out of order. Deduplicate it by its references and confirm it
/// with [`crate::puzzel_pay::Client::recipient_step`] before acting.
///
/// ```
/// let body = br#"{"batchReference":"b-1","clientReference":"r-1","success":true,
///                 "externalReference":"strex-9","externalStatusCode":"0"}"#;
/// let callback = nordpay::puzzel_pay::parse_callback(body).unwrap();
/// assert!(callback.success);
/// assert_eq!(callback.client_reference, "r-1");
/// ```
pub fn parse_callback(body: &[u8]) -> Result<Callback, CallbackError> {
    if body.len() > MAX_CALLBACK_BYTES {
        return Err(CallbackError::TooLarge);
    }
    Ok(serde_json::from_slice(body)?)
}
