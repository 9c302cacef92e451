//! The merchant's durable record of its orders: one JSON line per event,
//! appended before the merchant acts on it (a key is written before the call
//! that uses it), read back after a crash. A line cut short by a kill is
//! skipped.

use std::collections::BTreeMap;
use std::io::{BufRead as _, Write as _};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// What happened to an order, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub(crate) enum Event {
    /// A key made for the order, stored before it is first sent.
    Key { order: usize, key: String },
    /// The key's operation was reported `Done`: the order ships.
    Shipped { order: usize, key: String },
    /// The key's operation was reported `NotDone`.
    Failed { order: usize, key: String },
    /// A refund order's original transaction, prepared and paid.
    Original { order: usize, transaction: String },
    /// A charge's reversal was started, for this TransactionId.
    Reversing { order: usize, transaction_id: i64 },
    /// The reversal was reported: done or not.
    Reversal { order: usize, done: bool },
    /// Nothing more will be done for the order.
    Closed { order: usize },
}

impl Event {
    fn order(&self) -> usize {
        match self {
            Event::Key { order, .. }
            | Event::Shipped { order, .. }
            | Event::Failed { order, .. }
            | Event::Original { order, .. }
            | Event::Reversing { order, .. }
            | Event::Reversal { order, .. }
            | Event::Closed { order } => *order,
        }
    }
}

/// An order as its events left it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Order {
    /// Every key made for it, oldest first.
    pub(crate) keys: Vec<String>,
    /// Keys reported `NotDone`.
    pub(crate) failed: Vec<String>,
    /// The key it shipped under.
    pub(crate) shipped: Option<String>,
    /// A refund order's original transaction.
    pub(crate) original: Option<String>,
    /// A reversal started, for this TransactionId.
    pub(crate) reversing: Option<i64>,
    /// How the reversal was reported.
    pub(crate) reversed: Option<bool>,
    /// Nothing more will be done.
    pub(crate) closed: bool,
}

impl Order {
    /// The key last made, if no outcome was reported for it yet.
    pub(crate) fn open_key(&self) -> Option<&str> {
        let key = self.keys.last()?;
        let reported = self.failed.contains(key) || self.shipped.as_ref() == Some(key);
        (!reported).then_some(key.as_str())
    }

    fn apply(&mut self, event: Event) {
        match event {
            Event::Key { key, .. } => self.keys.push(key),
            Event::Shipped { key, .. } => self.shipped = Some(key),
            Event::Failed { key, .. } => self.failed.push(key),
            Event::Original { transaction, .. } => self.original = Some(transaction),
            Event::Reversing { transaction_id, .. } => self.reversing = Some(transaction_id),
            Event::Reversal { done, .. } => self.reversed = Some(done),
            Event::Closed { .. } => self.closed = true,
        }
    }
}

/// Every order the file at `path` records (none if it does not exist).
pub(crate) fn load(path: &Path) -> std::io::Result<BTreeMap<usize, Order>> {
    let mut orders: BTreeMap<usize, Order> = BTreeMap::new();
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(orders),
        Err(error) => return Err(error),
    };
    for line in std::io::BufReader::new(file).lines() {
        // A line a kill cut short is not JSON: the event did not happen.
        if let Ok(event) = serde_json::from_str::<Event>(&line?) {
            orders.entry(event.order()).or_default().apply(event);
        }
    }
    Ok(orders)
}

/// The file events are appended to.
pub(crate) struct Journal {
    file: std::sync::Mutex<std::fs::File>,
}

impl Journal {
    /// Append to the file at `path`, creating it.
    pub(crate) fn open(path: &Path) -> std::io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Self {
            file: std::sync::Mutex::new(file),
        })
    }

    /// Write `event` before going on: one `write` of one line, which a kill
    /// leaves whole or absent (the page cache outlives the process).
    pub(crate) fn record(&self, event: &Event) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(event).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_fold_into_orders_and_a_cut_line_is_skipped() {
        let dir = std::env::temp_dir().join(format!("nordpay-orders-{}", fastrand::u64(..)));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("orders.jsonl");
        let journal = Journal::open(&path).unwrap();
        for event in [
            Event::Key {
                order: 1,
                key: "a".into(),
            },
            Event::Failed {
                order: 1,
                key: "a".into(),
            },
            Event::Key {
                order: 1,
                key: "b".into(),
            },
        ] {
            journal.record(&event).unwrap();
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(br#"{"event":"shipped","order":1,"ke"#)
            .unwrap();
        let orders = load(&path).unwrap();
        assert_eq!(orders[&1].keys, ["a", "b"]);
        assert_eq!(orders[&1].open_key(), Some("b"));
        assert_eq!(orders[&1].shipped, None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
