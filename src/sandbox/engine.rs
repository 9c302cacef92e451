//! What the four API stores share, written once: the sandbox's clock
//! (which a test can move forward instead of sleeping), the numbers its IDs
//! are made of, the record cap and the most of a request it reads. Requests are read and answered by
//! `serving` (under every generated router); routes are listed in
//! `routes`, fault scripts in `script`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

/// Most bytes of a request body the sandbox reads.
pub(crate) const MAX_BODY: usize = 4 * 1024 * 1024;

/// The clock and ID counter of one sandbox.
#[derive(Debug, Default)]
pub(crate) struct Engine {
    issued: AtomicU64,
    /// How far the sandbox's clock is ahead of the real one.
    ahead_millis: AtomicI64,
}

impl Engine {
    /// The sandbox's time: the real time, moved by [`Engine::advance`], in
    /// milliseconds (the providers' timestamps carry three fractional
    /// digits: CONNECT's docs show `2015-04-21T12:07:34.285Z`).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let now =
            Utc::now() + chrono::Duration::milliseconds(self.ahead_millis.load(Ordering::Relaxed));
        now.trunc_subsecs(3)
    }

    /// Move the sandbox's clock forward (expire a verification code
    /// without waiting for it).
    pub(crate) fn advance(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ahead_millis.fetch_add(millis, Ordering::Relaxed);
    }

    /// A number no other record of this sandbox has had since the last reset.
    pub(crate) fn next(&self) -> u64 {
        self.issued.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// `prefix` and a fresh number: `tx000042`.
    pub(crate) fn id(&self, prefix: &str) -> String {
        format!("{prefix}{:06}", self.next())
    }

    /// Back to the real time and the first number.
    pub(crate) fn reset(&self) {
        self.issued.store(0, Ordering::Relaxed);
        self.ahead_millis.store(0, Ordering::Relaxed);
    }
}

/// The records one store may hold before the oldest finished ones are
/// forgotten: enough that no test or bench meets it by accident, few enough
/// that a sandbox left running keeps its memory bounded.
pub const DEFAULT_RECORD_CAP: usize = 2_000_000;

/// A store whose oldest finished records can be forgotten.
pub(crate) trait Capped {
    /// What names a record.
    type Key;
    /// How many records it holds.
    fn records(&self) -> usize;
    /// Whether the record is finished (`None`: it is gone already).
    fn finished(&self, key: &Self::Key) -> Option<bool>;
    /// Whether the record is still held: a store whose `finished` decodes
    /// the record answers this without.
    fn holds(&self, key: &Self::Key) -> bool {
        self.finished(key).is_some()
    }
    /// Forget the record, and every index entry of it.
    fn forget(&mut self, key: &Self::Key);
}

/// A store and the order its records came in: past the record cap, the
/// oldest finished ones are forgotten first. A store's methods that add a
/// record are written on `Kept<Store>`, where [`Kept::admit`] is.
pub(crate) struct Kept<S: Capped> {
    store: S,
    arrivals: Arrivals<S::Key>,
}

impl<S: Capped + Default> Default for Kept<S> {
    fn default() -> Self {
        Self {
            store: S::default(),
            arrivals: Arrivals::default(),
        }
    }
}

impl<S: Capped> std::ops::Deref for Kept<S> {
    type Target = S;

    fn deref(&self) -> &S {
        &self.store
    }
}

impl<S: Capped> std::ops::DerefMut for Kept<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.store
    }
}

impl<S: Capped> Kept<S> {
    /// A record came: queue it, and forget the oldest past `cap`.
    pub(crate) fn admit(&mut self, key: S::Key, cap: usize) {
        self.arrivals.push(key);
        self.arrivals.trim(&mut self.store, cap);
    }
}

/// Records in the order they came, to forget the oldest finished first.
#[derive(Debug)]
pub(crate) struct Arrivals<K> {
    keys: VecDeque<K>,
    /// How many keys at the front were unfinished when last looked at: a
    /// trim looks only past them. Reading a record's state decodes it, and
    /// a window of open payments looked at again for every record forgotten
    /// cost 64 decodes a create (CONNECT at its cap: 38k → 9.5k req/s). A
    /// record finished since is then forgotten as the oldest instead: the
    /// same record, a little later.
    known_open: usize,
}

impl<K> Default for Arrivals<K> {
    fn default() -> Self {
        Self {
            keys: VecDeque::new(),
            known_open: 0,
        }
    }
}

impl<K> Arrivals<K> {
    /// A record came.
    pub(crate) fn push(&mut self, key: K) {
        self.keys.push_back(key);
    }

    /// Forget records of `store` until it holds at most `cap`: the first
    /// finished one among the oldest few, else the oldest. Memory stays
    /// bounded, and a payment page left open behind two million newer
    /// records is one no test is waiting for. O(1) a record: the window is
    /// fixed, so a store of only unfinished records never rescans itself.
    ///
    /// Keys of records the store dropped itself (a finished login-server
    /// page) are swept out once they outnumber the live ones: the queue
    /// stays within a small multiple of the store, at O(1) a record.
    pub(crate) fn trim<S: Capped<Key = K>>(&mut self, store: &mut S, cap: usize) {
        const WINDOW: usize = 64;
        if self.keys.len() > 2 * store.records() + WINDOW {
            self.keys.retain(|key| store.holds(key));
            self.known_open = 0;
        }
        while store.records() > cap {
            while self.keys.front().is_some_and(|key| !store.holds(key)) {
                self.keys.pop_front();
                self.known_open = self.known_open.saturating_sub(1);
            }
            let looked = self.known_open.min(WINDOW);
            let finished = self
                .keys
                .iter()
                .take(WINDOW)
                .skip(looked)
                .position(|key| store.finished(key) == Some(true))
                .map(|at| at + looked);
            let at = finished.unwrap_or(0);
            // Those before the finished one (or the whole window) are open;
            // forgetting the oldest takes one of them away.
            self.known_open = match finished {
                Some(at) => at,
                None => self.keys.len().min(WINDOW).saturating_sub(1),
            };
            let Some(key) = self.keys.remove(at) else {
                return;
            };
            store.forget(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records 0..n; the even ones finished.
    struct Numbers(std::collections::BTreeSet<u32>);

    impl Capped for Numbers {
        type Key = u32;
        fn records(&self) -> usize {
            self.0.len()
        }
        fn finished(&self, key: &u32) -> Option<bool> {
            self.0.contains(key).then_some(key.is_multiple_of(2))
        }
        fn forget(&mut self, key: &u32) {
            self.0.remove(key);
        }
    }

    #[test]
    fn the_oldest_finished_records_go_first_and_unfinished_ones_stay() {
        let mut store = Numbers((0..10).collect());
        let mut arrivals = Arrivals::default();
        (0..10).for_each(|n| arrivals.push(n));
        arrivals.trim(&mut store, 7);
        assert_eq!(
            store.0.iter().copied().collect::<Vec<_>>(),
            [1, 3, 5, 6, 7, 8, 9]
        );
        // The finished go first; then, nothing finished left, unfinished ones.
        arrivals.trim(&mut store, 2);
        assert_eq!(store.0.len(), 2);
        assert!(
            store.0.iter().all(|n| !n.is_multiple_of(2)),
            "{:?}",
            store.0
        );

        // Keys of records the store dropped itself are swept out.
        let mut store = Numbers(std::collections::BTreeSet::new());
        let mut arrivals = Arrivals::default();
        for n in 0..1000 {
            store.0.insert(n);
            arrivals.push(n);
            store.0.remove(&n);
            arrivals.trim(&mut store, 10);
        }
        assert!(arrivals.keys.len() <= 65, "{}", arrivals.keys.len());
    }

    /// A store of open records only: each record forgotten looks at about
    /// one record's state, not at the whole window again.
    #[test]
    fn open_records_are_looked_at_once_each() {
        struct Open {
            records: std::collections::BTreeSet<u32>,
            looked: std::cell::Cell<usize>,
        }
        impl Capped for Open {
            type Key = u32;
            fn records(&self) -> usize {
                self.records.len()
            }
            fn finished(&self, key: &u32) -> Option<bool> {
                self.looked.set(self.looked.get() + 1);
                self.records.contains(key).then_some(false)
            }
            fn forget(&mut self, key: &u32) {
                self.records.remove(key);
            }
        }
        let mut store = Open {
            records: Default::default(),
            looked: Default::default(),
        };
        let mut arrivals = Arrivals::default();
        for n in 0..10_000 {
            store.records.insert(n);
            arrivals.push(n);
            arrivals.trim(&mut store, 1_000);
        }
        // The oldest go, in order.
        assert_eq!(store.records.first(), Some(&9_000));
        let per_record = store.looked.get() as f64 / 9_000.0;
        assert!(per_record < 4.0, "{per_record} looks per record forgotten");
    }

    #[test]
    fn the_clock_moves_forward_and_ids_are_fresh_until_reset() {
        let engine = Engine::default();
        let before = engine.now();
        engine.advance(Duration::from_secs(3600));
        assert!(engine.now() - before >= chrono::Duration::minutes(59));
        assert_eq!(engine.id("tx"), "tx000001");
        assert_eq!(engine.next(), 2);
        engine.reset();
        assert_eq!(engine.next(), 1);
        assert!(engine.now() - before < chrono::Duration::minutes(1));
    }
}
