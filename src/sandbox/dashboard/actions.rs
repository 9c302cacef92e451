//! What a person can do to a record from the dashboard, as the user on a
//! payment page or the provider would: complete or fail a payment, report
//! an SMS received, expire a verification code, mark an invoice paid. Each
//! stand-in says which actions its records offer and does them through its
//! own code ([`Actions`]), so the store, the journal and the callbacks see
//! them exactly as they see the real thing; the record's mount
//! ([`crate::sandbox::routes::Mount`]) finds its stand-in.

use super::super::Shared;
use super::super::journal::{Record, RecordId};

/// One button: what the form sends, and its label.
pub(in crate::sandbox) struct Action {
    pub(in crate::sandbox) name: &'static str,
    pub(in crate::sandbox) label: &'static str,
}

/// A button.
pub(in crate::sandbox) const fn action(name: &'static str, label: &'static str) -> Action {
    Action { name, label }
}

/// Complete a payment.
pub(in crate::sandbox) const PAY: Action = action("pay", "Complete payment");
/// Fail a payment.
pub(in crate::sandbox) const FAIL: Action = action("fail", "Fail payment");

/// What a stand-in's records offer on the dashboard.
pub(in crate::sandbox) trait Actions {
    /// The actions that make sense in the record's present state.
    fn offered(record: &Record) -> Vec<Action>;

    /// Do `action` to the record `id`; why not, in a sentence.
    fn perform(shared: &Shared, id: &RecordId, action: &str) -> Result<(), String>;
}

/// Why an action was not done: `what`, naming the record and the action.
pub(in crate::sandbox) fn refused(id: &RecordId, action: &str, what: &str) -> Result<(), String> {
    Err(format!("{what} ({} {action})", id.kind.label()))
}
