//! Timers are data: a table of deadlines on the virtual clock (R89, R99).

use std::collections::BTreeMap;

use crate::trace::Timer;

/// Up to this many armed timers a list is fastest; past it, ordered maps.
const SMALL: usize = 32;

/// The armed timers and their deadlines. A handful is the common case (one freeze window per
/// frozen writer, one hold-writes window): a list then; with thousands of writers frozen at
/// once, ordered maps, so arming, stopping and finding the earliest stay O(log n).
#[derive(Debug, Default)]
pub(crate) struct TimerTable {
    /// `(timer, deadline, arming number)`, in arming order, while few are armed.
    small: Vec<(Timer, u64, u64)>,
    /// Each armed timer's `(deadline, arming number)`, once many are.
    armed: BTreeMap<Timer, (u64, u64)>,
    /// The same timers by `(deadline, arming number)`: the earliest first, the first armed
    /// winning a tie.
    queue: BTreeMap<(u64, u64), Timer>,
    /// Arming numbers handed out so far.
    armings: u64,
}

impl TimerTable {
    /// Arms `timer` to expire at `deadline_ms` (re-arming replaces the old deadline, and counts
    /// as armed last).
    pub(crate) fn set(&mut self, timer: Timer, deadline_ms: u64) {
        self.stop(timer);
        self.armings += 1;
        if self.armed.is_empty() && self.small.len() < SMALL {
            self.small.push((timer, deadline_ms, self.armings));
            return;
        }
        for (timer, deadline, arming) in self.small.drain(..) {
            self.armed.insert(timer, (deadline, arming));
            self.queue.insert((deadline, arming), timer);
        }
        self.armed.insert(timer, (deadline_ms, self.armings));
        self.queue.insert((deadline_ms, self.armings), timer);
    }

    /// Disarms `timer`; true if it was armed.
    pub(crate) fn stop(&mut self, timer: Timer) -> bool {
        if let Some(at) = self.small.iter().position(|(armed, ..)| *armed == timer) {
            self.small.remove(at);
            return true;
        }
        match self.armed.remove(&timer) {
            Some(key) => {
                self.queue.remove(&key);
                true
            }
            None => false,
        }
    }

    /// `timer`'s deadline, if armed.
    pub(crate) fn deadline(&self, timer: Timer) -> Option<u64> {
        self.small
            .iter()
            .find(|(armed, ..)| *armed == timer)
            .map(|&(_, deadline, _)| deadline)
            .or_else(|| self.armed.get(&timer).map(|&(deadline, _)| deadline))
    }

    /// The earliest armed deadline and its timer (the first armed wins a tie).
    pub(crate) fn next(&self) -> Option<(Timer, u64)> {
        // Arming order is list order, so `min_by_key` (first minimum) breaks ties right.
        let small = self
            .small
            .iter()
            .min_by_key(|(_, deadline, _)| *deadline)
            .map(|&(timer, deadline, arming)| ((deadline, arming), timer));
        let large = self
            .queue
            .first_key_value()
            .map(|(&key, &timer)| (key, timer));
        match (small, large) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        }
        .map(|((deadline, _), timer)| (timer, deadline))
    }

    /// Armed timers matching `pred`, in arming order.
    pub(crate) fn matching(&self, mut pred: impl FnMut(&Timer) -> bool) -> Vec<Timer> {
        let small = self.small.iter().map(|&(timer, _, arming)| (arming, timer));
        let large = self
            .armed
            .iter()
            .map(|(timer, &(_, arming))| (arming, *timer));
        let mut found: Vec<(u64, Timer)> = small.chain(large).filter(|(_, t)| pred(t)).collect();
        found.sort_unstable_by_key(|(arming, _)| *arming);
        found.into_iter().map(|(_, timer)| timer).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::{SessionNo, WriterNo};

    #[test]
    fn earliest_deadline_first_and_stop_is_idempotent() {
        let mut table = TimerTable::default();
        let hold = Timer::HoldWrites {
            session: SessionNo(0),
        };
        let freeze = Timer::FreezeWindow {
            session: SessionNo(0),
            writer: WriterNo(1),
        };
        table.set(freeze, 60_000);
        table.set(hold, 10_000);
        assert_eq!(table.next(), Some((hold, 10_000)));
        assert!(table.stop(hold));
        assert!(!table.stop(hold)); // a spurious stop does nothing
        assert_eq!(table.next(), Some((freeze, 60_000)));
        table.set(freeze, 5);
        assert_eq!(table.next(), Some((freeze, 5)));
        assert_eq!(
            table
                .matching(|t| matches!(t, Timer::FreezeWindow { .. }))
                .len(),
            1
        );
    }

    #[test]
    fn many_timers_keep_the_same_order_as_few() {
        let freeze = |writer: u32| Timer::FreezeWindow {
            session: SessionNo(0),
            writer: WriterNo(writer),
        };
        let mut table = TimerTable::default();
        for writer in 0..(SMALL as u32 * 3) {
            table.set(freeze(writer), 1_000 - u64::from(writer % 7));
        }
        // The earliest deadline is 994 (writers 6, 13, …): the first armed of them wins.
        assert_eq!(table.next(), Some((freeze(6), 994)));
        assert!(table.stop(freeze(6)));
        assert_eq!(table.next(), Some((freeze(13), 994)));
        table.set(freeze(6), 994);
        assert_eq!(
            table.next(),
            Some((freeze(13), 994)),
            "re-armed counts as armed last"
        );
        let all = table.matching(|_| true);
        assert_eq!(all.len(), SMALL * 3);
        assert_eq!(all.last(), Some(&freeze(6)));
    }
}
