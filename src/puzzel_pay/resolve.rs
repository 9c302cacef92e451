//! Creating a batch, resolved: it sends SMS (and each may lead to a
//! payment), so a batch whose answer is lost is looked up by its
//! batchReference (`getBatchStatus`) and sent again only when Puzzel Pay
//! answers its own 404 (a proxy's error page proves nothing) and the attempt
//! before can no longer land. A refusal because the reference exists means
//! a batch was made, and is looked up, never reported.
//!
//! A refund of a recipient has no such lookup: the batch status shows no
//! refund state, so its unknown outcome cannot be resolved here. Ask
//! Puzzel, and never refund again blindly.

use std::fmt;

use super::{Client, Error, operations, types};
use crate::runtime::{Lookup, Plan, Refusal, Resolved, outcome, resolve};

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

/// What a refusal says of the batchReference: Puzzel Pay keys validation
/// messages by input path, so one on `batchReference` that speaks of a
/// duplicate or an existing batch says the key exists (x-nordpay-inferred:
/// the docs give no text); any other validation refusal is left to the
/// lookup.
fn refusal(error: &Error) -> Refusal {
    let Error::Validation(errors) = error else {
        return Refusal::Other;
    };
    let on_reference: Vec<&str> = errors
        .iter()
        .filter(|(path, _)| path.eq_ignore_ascii_case("batchReference"))
        .flat_map(|(_, messages)| messages.iter().map(String::as_str))
        .collect();
    Refusal::of_duplicate_kind(&on_reference.join(" "))
}

impl Client {
    fn create_batch_plan(&self) -> Plan<'_> {
        let runtime = &self.inner.runtime;
        Plan {
            resolution: runtime.resolution(),
            operation: &operations::CREATE_BATCH,
            settle: runtime.settle_window(&operations::CREATE_BATCH),
        }
    }

    /// The batch under `reference`, by its status.
    async fn batch_lookup(&self, reference: &str) -> Lookup<BatchRecord, Error> {
        match self.get_batch_status().reference(reference).send().await {
            Ok(status) => Lookup::Done(BatchRecord::Status(status.into_inner())),
            Err(error @ Error::NotFound) => Lookup::Missing(error),
            Err(error) => Lookup::failed(error),
        }
    }

    /// Create a batch, and never leave the outcome a guess.
    ///
    /// - `Done`: the answer or (the answer lost) the batch's status; calling
    ///   again with the same batchReference gives `Done` with its status.
    /// - `NotDone`: Puzzel Pay refused it and has no batch under the reference.
    /// - `Unresolved`: still unknown at the resolution deadline: call again
    ///   with the same batch later, or ask [`Client::batch_outcome`]; never
    ///   send it under a new reference.
    ///
    /// It is sent again only when Puzzel Pay answers its own 404 for the
    /// reference, the attempt before can no longer land, and fewer than
    /// `Resolution::max_resends` resends were made. A future of this call
    /// that is dropped halfway leaves nothing wrong: call again.
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
        let reference = batch.batch_reference.to_string();
        resolve(
            self.create_batch_plan(),
            refusal,
            || self.batch_lookup(&reference),
            create,
        )
        .await
    }

    /// What became of the batch under `batch_reference`, by its status
    /// alone (nothing is sent): `Done` with the status if Puzzel Pay has
    /// it, `Unresolved` if it answers 404 (an attempt may still land: call
    /// [`Client::create_batch_resolved`] with the same batch to settle it)
    /// or cannot be asked.
    pub async fn batch_outcome(&self, batch_reference: &str) -> Resolved<BatchRecord, Error> {
        outcome(self.create_batch_plan(), || {
            self.batch_lookup(batch_reference)
        })
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
