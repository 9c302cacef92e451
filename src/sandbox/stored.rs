//! A record kept as its JSON: a generated type with dozens of optional
//! fields is a kilobyte in memory however few it uses, its JSON only what
//! it holds (a preloaded CONNECT transaction: 952 bytes against about 150).
//! Reading decodes it and a change writes it anew, a few microseconds; the
//! wire types' serde is the one description of the record, so nothing is
//! retyped.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A `T` held as its JSON.
pub(crate) struct Stored<T> {
    json: Box<[u8]>,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize + DeserializeOwned> Stored<T> {
    /// `record`, kept.
    pub(crate) fn new(record: &T) -> Self {
        let json = serde_json::to_vec(record).expect("a wire type writes as JSON");
        Self {
            json: json.into_boxed_slice(),
            of: PhantomData,
        }
    }

    /// The record.
    pub(crate) fn get(&self) -> T {
        self.read()
    }

    /// What a part of the record reads as (`U` a struct of the fields
    /// needed, which skips the rest).
    pub(crate) fn read<U: DeserializeOwned>(&self) -> U {
        serde_json::from_slice(&self.json).expect("a stored record reads back")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::types::{Transaction, TransactionState};

    #[test]
    fn a_record_reads_back_as_kept_and_changes_stick() {
        let transaction: Transaction = serde_json::from_value(serde_json::json!({
            "id": "tx1", "orderId": "o-1", "amount": "MMK 1500", "state": "STARTED",
            "completedTime": "2027-01-01T10:00:00.123Z", "attributes": {"a": [1, null]},
        }))
        .unwrap();
        let mut stored = Stored::new(&transaction);
        assert_eq!(
            serde_json::to_value(stored.get()).unwrap(),
            serde_json::to_value(&transaction).unwrap()
        );
        assert_eq!(stored.get().amount.to_string(), "MMK 1500");
        let mut changed = stored.get();
        changed.state = TransactionState::Completed;
        stored = Stored::new(&changed);
        assert_eq!(stored.get().state, TransactionState::Completed);
        assert!(stored.json.len() < 200, "{}", stored.json.len());
    }
}
