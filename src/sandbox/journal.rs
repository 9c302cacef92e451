//! What the sandbox did, kept for people to look at: every record of the
//! four APIs with its state, amount, keys and a timeline of what happened
//! to it, and every SMS the sandbox "sent". The dashboard and the inbox
//! read only this. Handlers write to it after they change their store; it
//! never takes a store's lock, so a page never waits for an API call.
//!
//! It keeps the newest [`RECORDS_SHOWN`] records and [`SMS_KEPT`] messages:
//! the stores may hold millions (load benches), a page is for a person.

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::money::Money;

/// Records the journal keeps, newest first; older ones leave the pages
/// (not the stores).
pub(crate) const RECORDS_SHOWN: usize = 10_000;
/// Messages the inbox keeps.
pub(crate) const SMS_KEPT: usize = 10_000;
/// Steps a record's timeline keeps: its first, and the newest after it (a
/// payment page reloaded all day must not grow it without end).
pub(crate) const STEPS_KEPT: usize = 100;

pub(crate) use crate::apis::Api;

/// What a record is, in its API's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Transaction,
    Refund,
    ChargingAgreement,
    Payment,
    VerificationCode,
    AuthorizationToken,
    Batch,
    Recipient,
    InvoicePayment,
    PaymentChange,
    VippsAgreement,
}

impl Kind {
    const ALL: [Kind; 11] = [
        Kind::Transaction,
        Kind::Refund,
        Kind::ChargingAgreement,
        Kind::Payment,
        Kind::VerificationCode,
        Kind::AuthorizationToken,
        Kind::Batch,
        Kind::Recipient,
        Kind::InvoicePayment,
        Kind::PaymentChange,
        Kind::VippsAgreement,
    ];

    pub(crate) fn api(self) -> Api {
        match self {
            Kind::Transaction | Kind::Refund | Kind::ChargingAgreement => Api::Connect,
            Kind::Payment | Kind::VerificationCode | Kind::AuthorizationToken => Api::DirectPayment,
            Kind::Batch | Kind::Recipient => Api::PuzzelPay,
            Kind::InvoicePayment | Kind::PaymentChange | Kind::VippsAgreement => Api::Mediaconnect,
        }
    }

    /// As a person reads it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Transaction => "transaction",
            Kind::Refund => "refund",
            Kind::ChargingAgreement => "charging agreement",
            Kind::Payment => "payment",
            Kind::VerificationCode => "verification code",
            Kind::AuthorizationToken => "PreAuthorize token",
            Kind::Batch => "batch",
            Kind::Recipient => "recipient",
            Kind::InvoicePayment => "invoice payment",
            Kind::PaymentChange => "payment change",
            Kind::VippsAgreement => "Vipps agreement",
        }
    }

    /// As a form sends it.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Kind::Transaction => "transaction",
            Kind::Refund => "refund",
            Kind::ChargingAgreement => "agreement",
            Kind::Payment => "payment",
            Kind::VerificationCode => "code",
            Kind::AuthorizationToken => "token",
            Kind::Batch => "batch",
            Kind::Recipient => "recipient",
            Kind::InvoicePayment => "invoice",
            Kind::PaymentChange => "change",
            Kind::VippsAgreement => "vipps",
        }
    }

    pub(crate) fn from_slug(slug: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.slug() == slug)
    }
}

/// Names one record: its kind, its ID, and for a recipient its batch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct RecordId {
    pub(crate) kind: Kind,
    pub(crate) id: String,
    /// The batch of a Puzzel Pay recipient (references are unique per batch).
    pub(crate) batch: Option<String>,
}

impl RecordId {
    pub(crate) fn new(kind: Kind, id: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
            batch: None,
        }
    }

    pub(crate) fn recipient(batch: &str, reference: &str) -> Self {
        Self {
            kind: Kind::Recipient,
            id: reference.to_string(),
            batch: Some(batch.to_string()),
        }
    }
}

/// One thing that happened to a record.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub(crate) at: DateTime<Utc>,
    pub(crate) what: String,
}

/// A record as the dashboard shows it.
#[derive(Debug, Clone)]
pub(crate) struct Record {
    pub(crate) id: RecordId,
    pub(crate) state: String,
    pub(crate) amount: Option<Money>,
    /// The keys a merchant looks it up by (orderId, ClientReference, MSISDN).
    pub(crate) keys: Vec<(&'static str, String)>,
    pub(crate) timeline: Vec<Step>,
    /// Steps left out between the first and the kept ones.
    pub(crate) steps_left_out: usize,
}

impl Record {
    fn push(&mut self, step: Step) {
        if self.timeline.len() >= STEPS_KEPT {
            self.timeline.remove(1);
            self.steps_left_out += 1;
        }
        self.timeline.push(step);
    }
}

/// What one change of a store did, as the journal and the callbacks hear
/// of it. A store returns it; the sandbox writes it once the store's lock
/// is released ([`super::Shared::publish`]), so a change is never
/// interleaved with its report.
#[derive(Debug, Default)]
#[must_use = "what happened reaches the dashboard only when published"]
pub(crate) struct Happened {
    pub(crate) entries: Vec<Entry>,
    /// Puzzel Pay callbacks to deliver.
    pub(crate) callbacks: Vec<crate::puzzel_pay::types::Callback>,
}

/// One line of the journal.
#[derive(Debug)]
pub(crate) enum Entry {
    /// A record came.
    Open {
        id: RecordId,
        state: String,
        amount: Option<Money>,
        keys: Vec<(&'static str, String)>,
        what: String,
    },
    /// Something happened to a record (its state moved if `state`).
    Step {
        id: RecordId,
        state: Option<String>,
        what: String,
    },
    /// An SMS went out.
    Sms {
        to: String,
        api: Api,
        text: String,
        link: Option<String>,
    },
}

impl Happened {
    /// Nothing happened.
    pub(crate) fn nothing() -> Self {
        Self::default()
    }

    /// A record came.
    pub(crate) fn open(
        &mut self,
        id: RecordId,
        state: impl Into<String>,
        amount: Option<Money>,
        keys: Vec<(&'static str, String)>,
        what: impl Into<String>,
    ) {
        self.entries.push(Entry::Open {
            id,
            state: state.into(),
            amount,
            keys,
            what: what.into(),
        });
    }

    /// Something happened to a record.
    pub(crate) fn step(&mut self, id: RecordId, state: Option<String>, what: impl Into<String>) {
        self.entries.push(Entry::Step {
            id,
            state,
            what: what.into(),
        });
    }

    /// An SMS went out.
    pub(crate) fn sms(&mut self, to: String, api: Api, text: String, link: Option<String>) {
        self.entries.push(Entry::Sms {
            to,
            api,
            text,
            link,
        });
    }

    /// And then `more`.
    pub(crate) fn and(mut self, more: Happened) -> Self {
        self.entries.extend(more.entries);
        self.callbacks.extend(more.callbacks);
        self
    }
}

impl Journal {
    /// Write what happened, at `at`.
    pub(crate) fn write(&mut self, at: DateTime<Utc>, entries: Vec<Entry>) {
        for entry in entries {
            match entry {
                Entry::Open {
                    id,
                    state,
                    amount,
                    keys,
                    what,
                } => self.open(at, id, &state, amount, keys, what),
                Entry::Step { id, state, what } => self.step(at, &id, state.as_deref(), what),
                Entry::Sms {
                    to,
                    api,
                    text,
                    link,
                } => self.sms(Sms {
                    at,
                    to,
                    api,
                    text,
                    link,
                }),
            }
        }
    }
}

/// An SMS the sandbox "sent".
#[derive(Debug, Clone)]
pub(crate) struct Sms {
    pub(crate) at: DateTime<Utc>,
    pub(crate) to: String,
    pub(crate) api: Api,
    pub(crate) text: String,
    /// A link the text carries (a payment link).
    pub(crate) link: Option<String>,
}

/// The records and messages, newest last.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    records: HashMap<RecordId, Record>,
    /// Record IDs by arrival, to show newest first and forget the oldest.
    order: VecDeque<RecordId>,
    sms: VecDeque<Sms>,
}

impl Journal {
    /// A new record and its first step (a record seen again is updated).
    pub(crate) fn open(
        &mut self,
        at: DateTime<Utc>,
        id: RecordId,
        state: &str,
        amount: Option<Money>,
        keys: Vec<(&'static str, String)>,
        what: impl Into<String>,
    ) {
        let step = Step {
            at,
            what: what.into(),
        };
        if let Some(record) = self.records.get_mut(&id) {
            record.state = state.to_string();
            record.amount = amount.or(record.amount);
            record.keys = keys;
            record.push(step);
            return;
        }
        self.order.push_back(id.clone());
        self.records.insert(
            id.clone(),
            Record {
                id,
                state: state.to_string(),
                amount,
                keys,
                timeline: vec![step],
                steps_left_out: 0,
            },
        );
        while self.order.len() > RECORDS_SHOWN {
            if let Some(oldest) = self.order.pop_front() {
                self.records.remove(&oldest);
            }
        }
    }

    /// Something happened to a record; `state` is its new state, if it moved.
    /// A record the journal does not know (forgotten, preloaded) is left out.
    pub(crate) fn step(
        &mut self,
        at: DateTime<Utc>,
        id: &RecordId,
        state: Option<&str>,
        what: impl Into<String>,
    ) {
        if let Some(record) = self.records.get_mut(id) {
            if let Some(state) = state {
                record.state = state.to_string();
            }
            record.push(Step {
                at,
                what: what.into(),
            });
        }
    }

    /// An SMS sent.
    pub(crate) fn sms(&mut self, sms: Sms) {
        self.sms.push_back(sms);
        if self.sms.len() > SMS_KEPT {
            self.sms.pop_front();
        }
    }

    /// A record, if kept.
    #[cfg(test)]
    pub(crate) fn record(&self, id: &RecordId) -> Option<&Record> {
        self.records.get(id)
    }

    /// The records, newest first.
    pub(crate) fn newest_first(&self) -> impl Iterator<Item = &Record> {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.records.get(id))
    }

    /// The messages, newest first.
    pub(crate) fn sms_newest_first(&self) -> impl Iterator<Item = &Sms> {
        self.sms.iter().rev()
    }

    /// How many records are kept.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_keeps_its_steps_and_the_oldest_leave_past_the_limit() {
        let mut journal = Journal::default();
        let now = Utc::now();
        let first = RecordId::new(Kind::Transaction, "tx1");
        journal.open(now, first.clone(), "STARTED", None, vec![], "created");
        journal.step(now, &first, Some("COMPLETED"), "paid");
        journal.step(now, &RecordId::new(Kind::Transaction, "gone"), None, "x");
        let record = journal.record(&first).unwrap();
        assert_eq!(record.state, "COMPLETED");
        assert_eq!(record.timeline.len(), 2);
        for n in 0..STEPS_KEPT {
            journal.step(now, &first, None, format!("visit {n}"));
        }
        let record = journal.record(&first).unwrap();
        assert_eq!(record.timeline.len(), STEPS_KEPT);
        assert_eq!(record.steps_left_out, 2);
        assert_eq!(record.timeline[0].what, "created");
        assert_eq!(
            record.timeline[STEPS_KEPT - 1].what,
            format!("visit {}", STEPS_KEPT - 1)
        );
        for n in 0..RECORDS_SHOWN {
            let id = RecordId::new(Kind::Payment, n.to_string());
            journal.open(now, id, "Paid", None, vec![], "paid");
        }
        assert_eq!(journal.len(), RECORDS_SHOWN);
        assert!(journal.record(&first).is_none());
        assert_eq!(
            journal.newest_first().next().unwrap().id.id,
            (RECORDS_SHOWN - 1).to_string()
        );
    }
}
