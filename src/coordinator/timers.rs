//! Timers are data: a table of deadlines on the virtual clock (R89, R99).

use crate::trace::Timer;

/// The armed timers and their deadlines, in arming order.
#[derive(Debug, Default)]
pub(crate) struct TimerTable {
    armed: Vec<(Timer, u64)>,
}

impl TimerTable {
    /// Arms `timer` to expire at `deadline_ms` (re-arming replaces the old deadline).
    pub(crate) fn set(&mut self, timer: Timer, deadline_ms: u64) {
        self.stop(timer);
        self.armed.push((timer, deadline_ms));
    }

    /// Disarms `timer`; true if it was armed.
    pub(crate) fn stop(&mut self, timer: Timer) -> bool {
        let before = self.armed.len();
        self.armed.retain(|(armed, _)| *armed != timer);
        self.armed.len() != before
    }

    /// The earliest armed deadline and its timer (the first armed wins a tie).
    pub(crate) fn next(&self) -> Option<(Timer, u64)> {
        self.armed
            .iter()
            .copied()
            .min_by_key(|(_, deadline)| *deadline)
    }

    /// Armed timers matching `pred`.
    pub(crate) fn matching(&self, mut pred: impl FnMut(&Timer) -> bool) -> Vec<Timer> {
        self.armed
            .iter()
            .map(|(timer, _)| *timer)
            .filter(|timer| pred(timer))
            .collect()
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
}
