//! Creating a batch, resolved: it sends SMS (and each may lead to a
//! payment), so a batch whose answer is lost is looked up by its
//! batchReference (`getBatchStatus`) and sent again only when Puzzel Pay
//! has none. A refusal of the resend because the reference exists means the
//! first one arrived, and is looked up, never reported.
//!
//! A refund of a recipient has no such lookup: the batch status shows no
//! refund state, so its unknown outcome cannot be resolved here. Ask
//! Puzzel, and never refund again blindly.

use std::fmt;

use super::{Client, Error, types};
use crate::runtime::{Lookup, Resolved, resolve};

/// What Puzzel Pay has of a batch.
#[derive(Debug, Clone)]
pub enum BatchRecord {
    /// Its answer to the create call (with the payment links of a
    /// link-only batch).
    Answer(types::BatchResponse),
    /// Its status, found by the lookup after the answer was lost. Payment
    /// links are in the answer only: for a link-only batch, create a new
    /// batch (new reference) if you need them.
    Status(types::BatchStatus),
}

impl Client {
    /// Create a batch, and never leave the outcome a guess: `Done` with the
    /// answer or (the answer lost) the batch's status; `NotDone` with Puzzel
    /// Pay's refusal; `Unresolved` if the resolution deadline passed first.
    pub async fn create_batch_resolved<B>(&self, batch: B) -> Resolved<BatchRecord, Error>
    where
        B: TryInto<types::BatchRequest>,
        B::Error: fmt::Display,
    {
        let batch: types::BatchRequest = match batch.try_into() {
            Ok(batch) => batch,
            Err(e) => return Resolved::NotDone(Error::InvalidRequest(e.to_string())),
        };
        let create = || async {
            self.create_batch()
                .body(batch.clone())
                .send()
                .await
                .map(|answer| BatchRecord::Answer(answer.into_inner()))
        };
        let lookup = || async {
            let status = self
                .get_batch_status()
                .reference(batch.batch_reference.clone())
                .send()
                .await;
            match status {
                Ok(status) => Lookup::Done(BatchRecord::Status(status.into_inner())),
                Err(Error::NotFound) => Lookup::Missing,
                Err(error) => Lookup::failed(error),
            }
        };
        // A batchReference that exists is a validation refusal.
        let duplicate = |error: &Error| matches!(error, Error::Validation(_));
        let first = create().await;
        resolve(
            self.inner.runtime.resolution(),
            "createBatch",
            first,
            lookup,
            create,
            duplicate,
        )
        .await
    }
}

impl Client {
    /// Where one recipient of a batch stands, as Puzzel Pay says: the way
    /// to confirm a callback (which anyone could send) before acting on it.
    /// `None` if the batch has no such recipient.
    pub async fn recipient_step(
        &self,
        batch_reference: &str,
        recipient_reference: &str,
    ) -> Result<Option<super::Step>, Error> {
        let status = self
            .get_batch_status()
            .reference(batch_reference)
            .send()
            .await?
            .into_inner();
        Ok(status
            .recipient_status
            .into_iter()
            .find(|r| r.reference.as_deref() == Some(recipient_reference))
            .and_then(|r| r.step))
    }
}
