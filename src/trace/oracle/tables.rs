//! Small sorted tables for the oracle's bookkeeping.
//!
//! The oracle replays one trace per explored execution, and its tables are tiny: a session or
//! two, a handful of writers, a few (session, writer) pairs. A `BTreeMap` allocates an 11-slot
//! node for the first entry and walks node structure on every lookup; a sorted `Vec` is one
//! small allocation and a scan over contiguous keys. [`VecMap`] and [`VecSet`] keep the
//! `BTreeMap`/`BTreeSet` subset the rules use, with the same semantics and the same iteration
//! order (ascending keys), so violations still come out in the same order. Inserting is linear,
//! which only matters for traces far larger than any a run records.
//!
//! Writers, sessions, providers and operations are numbered from 0 in creation order, so a
//! table keyed by them usually holds key `n` at position `n`: [`TableKey::slot`] lets a lookup
//! try that position before searching.

use crate::trace::{ProviderNo, ProviderStep, SessionNo, WriterNo};
use crate::vocab::{OpNo, WriterEvent};

/// A key of a [`VecMap`] or [`VecSet`].
pub(super) trait TableKey: Ord {
    /// Where the key is likely to sit, to try before a binary search: a guess, checked.
    fn slot(&self) -> Option<usize> {
        None
    }
}

impl TableKey for WriterNo {
    fn slot(&self) -> Option<usize> {
        usize::try_from(self.0).ok()
    }
}

impl TableKey for SessionNo {
    fn slot(&self) -> Option<usize> {
        usize::try_from(self.0).ok()
    }
}

impl TableKey for ProviderNo {
    fn slot(&self) -> Option<usize> {
        usize::try_from(self.0).ok()
    }
}

impl TableKey for OpNo {
    fn slot(&self) -> Option<usize> {
        usize::try_from(self.0).ok()
    }
}

/// A writer in a session: most traces have one session, whose writers sit in order.
impl TableKey for (SessionNo, WriterNo) {
    fn slot(&self) -> Option<usize> {
        self.1.slot()
    }
}

impl TableKey for (SessionNo, ProviderNo, ProviderStep) {}

impl TableKey for u8 {}

/// A map ordered by key, stored as a sorted `Vec` of pairs.
#[derive(Clone, Debug)]
pub(super) struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<K: TableKey, V> VecMap<K, V> {
    /// Where `key` is, or where it would go.
    fn find(&self, key: &K) -> Result<usize, usize> {
        if let Some(slot) = key.slot() {
            if self
                .entries
                .get(slot)
                .is_some_and(|(probe, _)| probe == key)
            {
                return Ok(slot);
            }
        }
        self.entries.binary_search_by(|(probe, _)| probe.cmp(key))
    }

    pub(super) fn get(&self, key: &K) -> Option<&V> {
        self.find(key).ok().map(|at| &self.entries[at].1)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.find(key).ok().map(|at| &mut self.entries[at].1)
    }

    pub(super) fn contains_key(&self, key: &K) -> bool {
        self.find(key).is_ok()
    }

    /// Inserts or replaces; returns the value replaced.
    pub(super) fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    pub(super) fn remove(&mut self, key: &K) -> Option<V> {
        self.find(key).ok().map(|at| self.entries.remove(at).1)
    }

    /// Keeps the pairs `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.entries.retain(|(key, value)| keep(key, value));
    }

    /// The entry for `key`, to read or fill in.
    pub(super) fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        Entry { map: self, key }
    }

    /// The pairs in ascending key order.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + '_ {
        self.entries.iter().map(|(key, value)| (key, value))
    }

    /// The pairs in ascending key order, values mutable.
    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> + '_ {
        self.entries.iter_mut().map(|(key, value)| (&*key, value))
    }

    /// The keys in ascending order.
    pub(super) fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + '_ {
        self.entries.iter().map(|(key, _)| key)
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

impl<'a, K: TableKey, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(key, value)| (key, value))
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// A key's place in a [`VecMap`], as `BTreeMap`'s entry API offers it.
pub(super) struct Entry<'a, K, V> {
    map: &'a mut VecMap<K, V>,
    key: K,
}

impl<'a, K: TableKey, V> Entry<'a, K, V> {
    /// The value, inserted by `make` if the key was absent.
    pub(super) fn or_insert_with(self, make: impl FnOnce() -> V) -> &'a mut V {
        let at = match self.map.find(&self.key) {
            Ok(at) => at,
            Err(at) => {
                self.map.entries.insert(at, (self.key, make()));
                at
            }
        };
        &mut self.map.entries[at].1
    }

    /// The value, `value` inserted if the key was absent.
    pub(super) fn or_insert(self, value: V) -> &'a mut V {
        self.or_insert_with(|| value)
    }

    /// The value, the default inserted if the key was absent.
    pub(super) fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

/// A set ordered by value, stored as a sorted `Vec`.
#[derive(Clone, Debug)]
pub(super) struct VecSet<T> {
    map: VecMap<T, ()>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        Self {
            map: VecMap::default(),
        }
    }
}

impl<T: TableKey> VecSet<T> {
    /// Adds `value`; true if it was not there yet.
    pub(super) fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// True if `value` was there.
    pub(super) fn remove(&mut self, value: &T) -> bool {
        self.map.remove(value).is_some()
    }

    pub(super) fn contains(&self, value: &T) -> bool {
        self.map.contains_key(value)
    }

    pub(super) fn len(&self) -> usize {
        self.map.len()
    }
}

impl<'a, T: TableKey> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (T, ())>, fn(&'a (T, ())) -> &'a T>;

    fn into_iter(self) -> Self::IntoIter {
        self.map.entries.iter().map(|(value, ())| value)
    }
}

impl<T: TableKey> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::default();
        set.extend(iter);
        set
    }
}

impl<T: TableKey> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

/// Per writer event, a value: a fixed array indexed by the event, iterated in the events'
/// order (as a `BTreeMap<WriterEvent, V>` would be).
#[derive(Clone, Debug)]
pub(super) struct EventMap<V> {
    slots: [Option<V>; EVENTS.len()],
}

/// Every writer event, in declaration (and `Ord`) order: `EVENTS[event as usize] == event`.
const EVENTS: [WriterEvent; 11] = [
    WriterEvent::Identify,
    WriterEvent::PrepareForBackup,
    WriterEvent::PrepareForSnapshot,
    WriterEvent::Freeze,
    WriterEvent::Thaw,
    WriterEvent::PostSnapshot,
    WriterEvent::Abort,
    WriterEvent::BackupComplete,
    WriterEvent::BackupShutdown,
    WriterEvent::PreRestore,
    WriterEvent::PostRestore,
];

impl<V> Default for EventMap<V> {
    fn default() -> Self {
        Self {
            slots: Default::default(),
        }
    }
}

impl<V> EventMap<V> {
    pub(super) fn get(&self, event: &WriterEvent) -> Option<&V> {
        self.slots[*event as usize].as_ref()
    }

    pub(super) fn contains_key(&self, event: &WriterEvent) -> bool {
        self.slots[*event as usize].is_some()
    }

    /// Sets the value; returns the one replaced.
    pub(super) fn insert(&mut self, event: WriterEvent, value: V) -> Option<V> {
        self.slots[event as usize].replace(value)
    }

    /// Sets the value unless there is one already (`entry(event).or_insert(value)`).
    pub(super) fn insert_first(&mut self, event: WriterEvent, value: V) {
        self.slots[event as usize].get_or_insert(value);
    }

    /// The events that have a value, in event order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&WriterEvent, &V)> + '_ {
        EVENTS
            .iter()
            .zip(&self.slots)
            .filter_map(|(event, slot)| slot.as_ref().map(|value| (event, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_listed_in_their_order() {
        for (index, event) in EVENTS.iter().enumerate() {
            assert_eq!(*event as usize, index, "{event}");
        }
        assert!(EVENTS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn vec_map_behaves_like_a_btree_map() {
        use std::collections::BTreeMap;
        // Numbered keys, out of order and with gaps, so slot guesses both hit and miss.
        let mut ours = VecMap::default();
        let mut theirs = BTreeMap::new();
        for (step, n) in [5u32, 1, 9, 1, 3, 7, 5, 0, 9, 2].into_iter().enumerate() {
            let key = WriterNo(n);
            assert_eq!(ours.insert(key, step), theirs.insert(key, step));
            *ours.entry(WriterNo(n * 2)).or_default() += 1;
            *theirs.entry(WriterNo(n * 2)).or_default() += 1;
            if step % 3 == 0 {
                let gone = WriterNo(n + 1);
                assert_eq!(ours.remove(&gone), theirs.remove(&gone));
            }
            assert!(ours.iter().eq(theirs.iter()));
            for probe in 0..20 {
                let probe = WriterNo(probe);
                assert_eq!(ours.get(&probe), theirs.get(&probe));
            }
        }
        assert_eq!(ours.len(), theirs.len());
        assert!(ours.keys().eq(theirs.keys()));
    }
}
