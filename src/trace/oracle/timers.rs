//! Timers (R59, R89, R99): each frozen writer's Freeze→Thaw window (`dwTimeoutFreeze`, started
//! per the `freeze_timer_start` policy) and the 10 s flush-and-hold window around
//! `CommitSnapshots`. Deadlines must be right, timers must fire at or after them and not be
//! stopped late, no Thaw after an expired window, and an expiry must abort the writer (R99) or
//! fail `DoSnapshotSet` with `VSS_E_HOLD_WRITES_TIMEOUT` (R89).

use std::fmt;

use super::model::Stamp;
use super::tables::{VecMap, VecSet};
use super::{Cx, Party, Rules, Situation};
use crate::trace::{AbortCause, ProviderStep, SessionNo, Timer, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{AsyncKind, FreezeTimerStart, Hresult, WriterEvent};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R89, Rule::R99];

/// Text written only if a message uses it: most deliveries settle no timeout, and formatting
/// their "it received ..." on every one would cost more than the rest of the rule.
struct Lazy<F>(F);

impl<F: Fn(&mut fmt::Formatter<'_>) -> fmt::Result> fmt::Display for Lazy<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// The kernel's flush-and-hold limit (R89, R100).
const HOLD_WRITES_MS: u64 = 10_000;

/// The timer rules.
#[derive(Debug, Default)]
pub(super) struct TimerRules {
    armed: VecMap<Key, Armed>,
    ever_set: VecSet<Key>,
    freezes: VecMap<(SessionNo, WriterNo), Freeze>,
    /// Fired freeze windows: the writer must be aborted, with an `AbortRaised(FreezeTimeout)`.
    timeouts: VecMap<(SessionNo, WriterNo), (Stamp, bool)>,
    hold_fired: VecMap<SessionNo, Stamp>,
    /// The first provider step of a session that failed after its hold window fired: the
    /// error `commit_failure_result = ProviderError` lets DoSnapshotSet report instead.
    failed_after_hold: VecMap<SessionNo, Hresult>,
    /// When each session's hold-writes window was armed, and when it ended (stopped or
    /// fired), if it did.
    hold_armed_at: VecMap<SessionNo, (u64, Option<u64>)>,
    commit_end_ms: VecMap<SessionNo, u64>,
    /// Sessions whose creation was abandoned (AbortRaised, release) since the hold was set.
    abandoned: VecSet<SessionNo>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Freeze(SessionNo, WriterNo),
    Hold(SessionNo),
}

impl super::tables::TableKey for Key {}

impl Key {
    fn of(timer: Timer) -> Self {
        match timer {
            Timer::FreezeWindow { session, writer } => Self::Freeze(session, writer),
            Timer::HoldWrites { session } => Self::Hold(session),
        }
    }

    fn rule(self) -> Rule {
        match self {
            Self::Freeze(..) => Rule::R99,
            Self::Hold(_) => Rule::R89,
        }
    }

    fn describe(self, cx: &Cx<'_>) -> String {
        match self {
            Self::Freeze(s, w) => format!("{s}'s freeze window of {}", cx.model.writer(w)),
            Self::Hold(s) => format!("{s}'s hold-writes window"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Armed {
    deadline_ms: u64,
    set_at_ms: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Freeze {
    delivered: Option<Stamp>,
    spent_ms: Option<u64>,
    deadline_ms: Option<u64>,
    checked: bool,
}

impl Rules for TimerRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::TimerSet { timer, deadline_ms } => {
                if let Timer::HoldWrites { session } = timer {
                    self.abandoned.remove(session);
                }
                self.set(cx, Key::of(*timer), *deadline_ms)
            }
            TraceEvent::TimerStopped { timer } => self.stopped(cx, Key::of(*timer)),
            TraceEvent::TimerFired { timer } => self.fired(cx, Key::of(*timer)),
            TraceEvent::AbortRaised {
                session,
                cause: AbortCause::FreezeTimeout { writer },
            } => {
                if let Some(due) = self.timeouts.get_mut(&(*session, *writer)) {
                    due.1 = true;
                }
                self.abandoned.insert(*session);
            }
            TraceEvent::AbortRaised { session, .. } => {
                self.abandoned.insert(*session);
            }
            TraceEvent::ServiceRestarted => {
                for (no, _) in cx.model.sessions.iter().filter(|(_, s)| s.gone.is_none()) {
                    self.abandoned.insert(*no);
                }
            }
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } => self.delivered(cx, *session, *writer, *event),
            TraceEvent::Handled {
                session,
                writer,
                event: WriterEvent::Freeze,
                spent_ms,
                ..
            } if !cx.model.handler_abandoned(*writer) => {
                self.freezes
                    .entry((*session, *writer))
                    .or_default()
                    .spent_ms = Some(*spent_ms);
                self.check_deadline(cx, *session, *writer);
            }
            // VSS stopped waiting for OnFreeze: for VSS it returned then.
            TraceEvent::HandlerTimedOut {
                session,
                writer,
                event: WriterEvent::Freeze,
            } => {
                let freeze = self.freezes.entry((*session, *writer)).or_default();
                let since = freeze.delivered.map_or(cx.now.at_ms, |d| d.at_ms);
                // A hand-written trace may go backwards in time: the structure family reports that.
                freeze.spent_ms = Some(cx.now.at_ms.saturating_sub(since));
                self.check_deadline(cx, *session, *writer);
            }
            TraceEvent::ProviderCalled {
                session,
                step,
                hr,
                spent_ms,
                ..
            } => self.provider(cx, *session, *step, *hr, *spent_ms),
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::DoSnapshotSet,
                hr,
                ..
            } => self.completed(cx, *session, *hr),
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        let keys: Vec<_> = self.timeouts.keys().copied().collect();
        for (s, w) in keys {
            self.settle_timeout(cx, s, w, &"the trace ended");
        }
        for (key, armed) in std::mem::take(&mut self.armed) {
            if armed.deadline_ms < cx.now.at_ms {
                let message = format!(
                    "{} expired at {} ms but never fired (the trace runs to {} ms)",
                    key.describe(cx),
                    armed.deadline_ms,
                    cx.now.at_ms
                );
                cx.engine(key.rule(), message);
            }
        }
    }
}

impl TimerRules {
    fn set(&mut self, cx: &mut Cx<'_>, key: Key, deadline_ms: u64) {
        if self.armed.contains_key(&key) {
            let message = format!("{} armed twice (at {} ms)", key.describe(cx), cx.now.at_ms);
            cx.engine(key.rule(), message);
        }
        let set_at_ms = cx.now.at_ms;
        self.armed.insert(
            key,
            Armed {
                deadline_ms,
                set_at_ms,
            },
        );
        self.ever_set.insert(key);
        if let Key::Hold(s) = key {
            self.hold_armed_at.insert(s, (cx.now.at_ms, None));
        }
        match key {
            Key::Freeze(s, w) => {
                self.freezes.entry((s, w)).or_default().deadline_ms = Some(deadline_ms);
                self.check_deadline(cx, s, w);
            }
            Key::Hold(s) => {
                let expected = cx.now.at_ms.saturating_add(HOLD_WRITES_MS);
                if deadline_ms != expected {
                    cx.engine(
                        Rule::R89,
                        format!(
                            "{s}'s hold-writes window set at {} ms expires at {deadline_ms} ms; \
                             the kernel holds writes for 10 s, so {expected} ms",
                            cx.now.at_ms
                        ),
                    );
                }
            }
        }
    }

    /// R59, R99 (Q8): the freeze deadline is Freeze's delivery (or return) plus
    /// `dwTimeoutFreeze`.
    fn check_deadline(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo) {
        let Some(info) = cx.model.writers.get(&w) else {
            return;
        };
        let policy = cx.model.policies.freeze_timer_start;
        let Some(freeze) = self.freezes.get_mut(&(s, w)) else {
            return;
        };
        let (Some(delivered), Some(deadline)) = (freeze.delivered, freeze.deadline_ms) else {
            return;
        };
        if freeze.checked {
            return;
        }
        let start = match (policy, freeze.spent_ms) {
            (FreezeTimerStart::OnFreezeDelivered, _) => delivered.at_ms,
            (FreezeTimerStart::OnFreezeReturned, Some(spent)) => {
                delivered.at_ms.saturating_add(spent)
            }
            (FreezeTimerStart::OnFreezeReturned, None) => return,
        };
        freeze.checked = true;
        let expected = start.saturating_add(info.freeze_timeout_ms);
        if deadline != expected {
            cx.engine(
                Rule::R99,
                format!(
                    "{}'s freeze window in {s} expires at {deadline} ms; expected {expected} ms \
                     ({policy:?} at {start} ms + dwTimeoutFreeze {} ms)",
                    cx.model.writer(w),
                    info.freeze_timeout_ms
                ),
            );
        }
    }

    fn stopped(&mut self, cx: &mut Cx<'_>, key: Key) {
        self.hold_ended(cx, key);
        let Some(armed) = self.armed.remove(&key) else {
            if !self.ever_set.contains(&key) {
                let message = format!("{} stopped but never set", key.describe(cx));
                cx.engine(key.rule(), message);
            }
            return;
        };
        if cx.now.at_ms > armed.deadline_ms {
            let message = format!(
                "{} stopped at {} ms, after its deadline {} ms: it should have fired",
                key.describe(cx),
                cx.now.at_ms,
                armed.deadline_ms
            );
            cx.engine(key.rule(), message);
        } else if let Key::Hold(s) = key {
            let end = self.commit_end_ms.get(&s).copied().unwrap_or(0);
            // A stop before the commit returned, after the creation was abandoned (an abort
            // raised mid-commit), has no return to judge.
            let abandoned_mid_commit = cx.now.at_ms < end && self.abandoned.contains(&s);
            if end > armed.deadline_ms && !abandoned_mid_commit {
                cx.engine(
                    Rule::R89,
                    format!(
                        "CommitSnapshots of {s} returned at {end} ms, after the hold-writes \
                         deadline {} ms, yet the window was stopped instead of firing",
                        armed.deadline_ms
                    ),
                );
            }
        }
    }

    /// The hold-writes window `key` ended now.
    fn hold_ended(&mut self, cx: &Cx<'_>, key: Key) {
        if let Key::Hold(s) = key {
            if let Some(window) = self.hold_armed_at.get_mut(&s) {
                window.1.get_or_insert(cx.now.at_ms);
            }
        }
    }

    fn fired(&mut self, cx: &mut Cx<'_>, key: Key) {
        self.hold_ended(cx, key);
        match self.armed.remove(&key) {
            None => {
                let message = format!(
                    "{} fired at {} ms but was not armed",
                    key.describe(cx),
                    cx.now.at_ms
                );
                cx.engine(key.rule(), message);
            }
            Some(armed) if cx.now.at_ms < armed.deadline_ms => {
                let message = format!(
                    "{} fired at {} ms, before its deadline {} ms",
                    key.describe(cx),
                    cx.now.at_ms,
                    armed.deadline_ms
                );
                cx.engine(key.rule(), message);
            }
            Some(_) => {}
        }
        match key {
            Key::Freeze(s, w) => {
                cx.cover(Situation::FreezeTimeout);
                if cx
                    .model
                    .part(s, w)
                    .is_some_and(|part| part.got(WriterEvent::Thaw).is_some())
                {
                    cx.cover(Situation::FreezeWindowMissed);
                }
                self.timeouts.insert((s, w), (cx.now, false));
            }
            Key::Hold(s) => {
                cx.cover(Situation::HoldWritesTimeout);
                self.hold_fired.insert(s, cx.now);
            }
        }
    }

    fn delivered(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, event: WriterEvent) {
        match event {
            WriterEvent::Freeze => {
                self.freezes.entry((s, w)).or_default().delivered = Some(cx.now);
                self.check_deadline(cx, s, w);
            }
            WriterEvent::Abort => {
                self.armed.remove(&Key::Freeze(s, w));
            }
            WriterEvent::Thaw => self.thaw(cx, s, w),
            _ => {}
        }
        if !matches!(event, WriterEvent::Abort | WriterEvent::Identify) {
            let at_ms = cx.now.at_ms;
            let why = Lazy(move |f: &mut fmt::Formatter<'_>| {
                write!(f, "it received {event} at {at_ms} ms")
            });
            self.settle_timeout(cx, s, w, &why);
        }
    }

    /// R99: no Thaw after the writer's freeze window expired.
    fn thaw(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo) {
        let name = cx.model.writer(w);
        let at = cx.now.at_ms;
        // KB915331 (`Policies::freeze_timer_race`): a Thaw in the instant the window was armed
        // may miss it, and the window fires later anyway.
        let race = cx.model.policies.freeze_timer_race == crate::vocab::FreezeTimerRace::Kb915331
            && self
                .armed
                .get(&Key::Freeze(s, w))
                .is_some_and(|armed| armed.set_at_ms == at);
        if race {
            return;
        }
        let armed = self.armed.remove(&Key::Freeze(s, w));
        if let Some((fired, _)) = self.timeouts.get(&(s, w)) {
            if cx.model.aborted(s, w).is_none() {
                cx.engine(
                    Rule::R99,
                    format!(
                        "{name} received Thaw from {s} at {at} ms after its freeze window \
                         expired at {} ms",
                        fired.at_ms
                    ),
                );
            }
            return; // An aborted writer's Thaw is R55's business.
        }
        match armed {
            Some(armed) if at > armed.deadline_ms => cx.engine(
                Rule::R99,
                format!(
                    "{name} received Thaw from {s} at {at} ms, after its freeze deadline {} ms, \
                     and the window never fired",
                    armed.deadline_ms
                ),
            ),
            None if !self.ever_set.contains(&Key::Freeze(s, w))
                && cx
                    .model
                    .part(s, w)
                    .is_some_and(|p| p.got(WriterEvent::Freeze).is_some()) =>
            {
                cx.engine(
                    Rule::R99,
                    format!("{name} was frozen in {s} without a freeze window (thawed at {at} ms)"),
                );
            }
            _ => {}
        }
    }

    /// R99: a fired freeze window must have aborted its writer, with a `FreezeTimeout` cause.
    fn settle_timeout(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        w: WriterNo,
        when: &dyn fmt::Display,
    ) {
        let Some((fired, raised)) = self.timeouts.remove(&(s, w)) else {
            return;
        };
        let name = cx.model.writer(w);
        if cx.model.open_handler(w).is_some() {
            // Still inside OnFreeze (or another handler): its Abort waits behind it.
            return;
        }
        if cx.model.thaw_missed_window(s, w) {
            // The writer's own timeout (KB915331): VSS's operation goes on with it; the abort
            // family checks the Abort reaches it.
            return;
        }
        if cx.model.aborted(s, w).is_none() {
            let message = format!(
                "{name}'s freeze window in {s} expired at {} ms but it was not aborted before \
                 {when}",
                fired.at_ms
            );
            cx.report_at(fired, Party::Engine, Rule::R99, message);
        } else if !raised {
            let message = format!(
                "{name}'s freeze window in {s} expired at {} ms but no AbortRaised named the \
                 timeout before {when}",
                fired.at_ms
            );
            cx.report_at(fired, Party::Engine, Rule::R99, message);
        }
    }

    fn provider(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        step: ProviderStep,
        hr: Hresult,
        spent_ms: u64,
    ) {
        let at = cx.now.at_ms;
        // AbortSnapshots' result is ignored (R94).
        if hr.is_failure()
            && step != ProviderStep::AbortSnapshots
            && self.hold_fired.get(&s).is_some()
            && self.failed_after_hold.get(&s).is_none()
        {
            self.failed_after_hold.insert(s, hr);
        }
        match step {
            ProviderStep::CommitSnapshots => {
                // Recorded when it returns, `spent_ms` after it was called: the window was
                // armed by then, and may have expired (and fired) while it ran.
                let called_at = at.saturating_sub(spent_ms);
                let inside = self
                    .hold_armed_at
                    .get(&s)
                    .is_some_and(|&(armed_at, ended_at)| {
                        armed_at <= called_at && ended_at.is_none_or(|end| called_at <= end)
                    });
                if !inside {
                    cx.engine(
                        Rule::R89,
                        format!(
                            "CommitSnapshots of {s} called at {called_at} ms outside the \
                             flush-and-hold window"
                        ),
                    );
                }
                self.hold_overdue(cx, s);
                let end = self.commit_end_ms.entry(s).or_default();
                *end = (*end).max(at);
            }
            ProviderStep::PostCommitSnapshots => self.hold_overdue(cx, s),
            _ => {}
        }
    }

    fn hold_overdue(&mut self, cx: &mut Cx<'_>, s: SessionNo) {
        if let Some(armed) = self.armed.get(&Key::Hold(s)).copied() {
            if armed.deadline_ms < cx.now.at_ms {
                self.armed.remove(&Key::Hold(s));
                cx.engine(
                    Rule::R89,
                    format!(
                        "{s}'s hold-writes window expired at {} ms but had not fired by {} ms",
                        armed.deadline_ms, cx.now.at_ms
                    ),
                );
            }
        }
    }

    fn completed(&mut self, cx: &mut Cx<'_>, s: SessionNo, hr: Hresult) {
        if cx.model.lost(s) {
            // The service went: its hold is released, and the writers' own freeze windows run
            // on in their processes (R99).
            self.hold_fired.remove(&s);
            return;
        }
        self.hold_overdue(cx, s);
        if let Some(fired) = self.hold_fired.remove(&s) {
            // `Policies::commit_failure_result`: the error of the provider step that failed
            // after the expiry may be what the requester sees.
            let failed = self.failed_after_hold.remove(&s);
            let provider_error = cx.model.policies.commit_failure_result
                == crate::vocab::CommitFailureResult::ProviderError
                && failed == Some(hr);
            if hr != Hresult::VSS_E_HOLD_WRITES_TIMEOUT && !provider_error {
                cx.engine(
                    Rule::R89,
                    format!(
                        "{s}'s hold-writes window expired at {} ms but DoSnapshotSet completed \
                         with {hr}, not VSS_E_HOLD_WRITES_TIMEOUT",
                        fired.at_ms
                    ),
                );
            }
            let abortable = cx
                .model
                .session(s)
                .map(super::model::Session::abortable)
                .unwrap_or_default();
            for w in abortable {
                // A writer still inside a handler gets its Abort when it returns (SERIAL).
                if cx.model.aborted(s, w).is_none() && cx.model.open_handler(w).is_none() {
                    cx.engine(
                        Rule::R89,
                        format!(
                            "{s}'s hold-writes window expired at {} ms but {} was not aborted \
                             before DoSnapshotSet completed",
                            fired.at_ms,
                            cx.model.writer(w)
                        ),
                    );
                }
            }
        }
        let keys: Vec<_> = self
            .timeouts
            .keys()
            .filter(|(session, _)| *session == s)
            .copied()
            .collect();
        for (s, w) in keys {
            self.settle_timeout(cx, s, w, &"DoSnapshotSet completed");
        }
        // A window a Thaw missed (KB915331) outlives the operation: it fires or is stopped later.
        let kb915331 =
            cx.model.policies.freeze_timer_race == crate::vocab::FreezeTimerRace::Kb915331;
        let thawed = |w: WriterNo| {
            cx.model
                .part(s, w)
                .is_some_and(|part| part.got(WriterEvent::Thaw).is_some())
        };
        let armed: Vec<_> = self
            .armed
            .iter()
            .filter(|(key, _)| {
                matches!(key, Key::Freeze(session, w) if *session == s && !(kb915331 && thawed(*w)))
            })
            .map(|(key, armed)| (*key, *armed))
            .collect();
        for (key, armed) in armed {
            self.armed.remove(&key);
            if armed.deadline_ms < cx.now.at_ms {
                let message = format!(
                    "{} expired at {} ms but had not fired when DoSnapshotSet completed at {} ms",
                    key.describe(cx),
                    armed.deadline_ms,
                    cx.now.at_ms
                );
                cx.engine(Rule::R99, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::{freeze_timeout, hold_timeout};
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{ProviderStep, Timer, TraceEvent, TraceRecord};
    use crate::vocab::Rule;
    use crate::vocab::{AsyncKind, FreezeTimerStart, Hresult, Policies, WriterEvent};

    fn freeze_timer_set(records: &[TraceRecord]) -> usize {
        find(records, |e| {
            matches!(
                e,
                TraceEvent::TimerSet {
                    timer: Timer::FreezeWindow { .. },
                    ..
                }
            )
        })
    }

    #[test]
    fn r99_wrong_freeze_deadline() {
        let mut records = happy_path();
        let at = freeze_timer_set(&records);
        if let TraceEvent::TimerSet { deadline_ms, .. } = &mut records[at].event {
            *deadline_ms += 1;
        }
        assert_only(&judge(records), Rule::R99, Party::Engine);
    }

    #[test]
    fn r99_thaw_after_the_freeze_deadline() {
        // R99: a 1 ms window that never fires; it is stopped, and Thaw delivered, 2 ms after
        // Freeze.
        let mut records = happy_path();
        if let TraceEvent::WriterRegistered {
            freeze_timeout_ms, ..
        } = &mut records[1].event
        {
            *freeze_timeout_ms = 1;
        }
        let at = freeze_timer_set(&records);
        let freeze_at = records[delivery(&records, W0, WriterEvent::Freeze)].at_ms;
        if let TraceEvent::TimerSet { deadline_ms, .. } = &mut records[at].event {
            *deadline_ms = freeze_at + 1;
        }
        let report = judge(records);
        assert_only(&report, Rule::R99, Party::Engine);
        assert!(
            report.violations()[0].message.contains("should have fired"),
            "{report}"
        );

        // Without the TimerStopped, the late Thaw itself is the violation.
        let mut records = records_without_stop();
        let at = delivery(&records, W0, WriterEvent::Thaw);
        records[at].at_ms += 70_000;
        for record in &mut records[at + 1..] {
            record.at_ms += 70_000;
        }
        let report = judge(records);
        assert_only(&report, Rule::R99, Party::Engine);
        assert!(
            report.violations()[0].message.contains("received Thaw"),
            "{report}"
        );
    }

    fn records_without_stop() -> Vec<TraceRecord> {
        let mut records = happy_path();
        let stop = find(&records, |e| {
            matches!(
                e,
                TraceEvent::TimerStopped {
                    timer: Timer::FreezeWindow { .. }
                }
            )
        });
        records.remove(stop);
        records
    }

    #[test]
    fn thaw_disarms_the_freeze_window() {
        // R99: a Thaw in time needs no TimerStopped.
        judge(records_without_stop()).assert_clean();
    }

    #[test]
    fn r99_freeze_timeout_without_abort() {
        let mut records = freeze_timeout();
        let raised = find(&records, |e| matches!(e, TraceEvent::AbortRaised { .. }));
        records.drain(raised..raised + 3); // AbortRaised, Delivered, Handled
        let report = judge(records);
        assert_only(&report, Rule::R99, Party::Engine);
    }

    #[test]
    fn freeze_timer_policy_on_freeze_returned() {
        // Q8: the window starts when OnFreeze returns.
        let mut records = happy_path();
        let handled = delivery(&records, W0, WriterEvent::Freeze) + 1;
        if let TraceEvent::Handled { spent_ms, .. } = &mut records[handled].event {
            *spent_ms = 300;
        }
        let at = freeze_timer_set(&records);
        if let TraceEvent::TimerSet { deadline_ms, .. } = &mut records[at].event {
            *deadline_ms += 300;
        }
        assert_only(&judge(records.clone()), Rule::R99, Party::Engine);
        records[0].event = TraceEvent::Policies(Policies {
            freeze_timer_start: FreezeTimerStart::OnFreezeReturned,
            ..Policies::default()
        });
        judge(records).assert_clean();
    }

    #[test]
    fn r89_hold_timeout_must_fail_do_snapshot_set() {
        let mut records = hold_timeout();
        let done = find(&records, |e| {
            matches!(
                e,
                TraceEvent::AsyncCompleted {
                    kind: AsyncKind::DoSnapshotSet,
                    ..
                }
            )
        });
        if let TraceEvent::AsyncCompleted { hr, .. } = &mut records[done].event {
            *hr = Hresult::VSS_E_PROVIDER_VETO;
        }
        assert_only(&judge(records), Rule::R89, Party::Engine);
    }

    /// `hold_timeout` under `commit_failure_result = ProviderError`, its commit failing with
    /// `commit_hr` and DoSnapshotSet completing with `dss_hr`.
    fn late_failing_commit(commit_hr: Hresult, dss_hr: Hresult) -> Vec<TraceRecord> {
        let mut records = hold_timeout();
        records[0].event = TraceEvent::Policies(Policies {
            commit_failure_result: crate::vocab::CommitFailureResult::ProviderError,
            ..Policies::default()
        });
        for record in &mut records {
            match &mut record.event {
                TraceEvent::ProviderCalled {
                    step: ProviderStep::CommitSnapshots,
                    hr,
                    ..
                } => *hr = commit_hr,
                TraceEvent::AsyncCompleted {
                    kind: AsyncKind::DoSnapshotSet,
                    hr,
                    ..
                } => *hr = dss_hr,
                _ => {}
            }
        }
        records
    }

    #[test]
    fn r89_commit_failure_result_provider_error_reports_the_commits_own_error() {
        let failed = Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR;
        judge(late_failing_commit(failed, failed)).assert_clean();
        judge(late_failing_commit(
            failed,
            Hresult::VSS_E_HOLD_WRITES_TIMEOUT,
        ))
        .assert_clean();
    }

    #[test]
    fn r89_commit_failure_result_provider_error_is_not_any_error() {
        let records = late_failing_commit(
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
            Hresult::VSS_E_PROVIDER_VETO,
        );
        assert_only(&judge(records), Rule::R89, Party::Engine);
        // A commit that succeeded leaves only the timeout to report.
        let records = late_failing_commit(Hresult::S_OK, Hresult::VSS_E_PROVIDER_VETO);
        assert_only(&judge(records), Rule::R89, Party::Engine);
    }

    #[test]
    fn r89_slow_commit_without_the_timer_firing() {
        let mut records = happy_path();
        let commit = find(&records, |e| {
            matches!(
                e,
                TraceEvent::ProviderCalled {
                    step: ProviderStep::CommitSnapshots,
                    ..
                }
            )
        });
        if let TraceEvent::ProviderCalled { spent_ms, .. } = &mut records[commit].event {
            *spent_ms = 20_000;
        }
        assert_only(&judge(records), Rule::R89, Party::Engine);
    }

    #[test]
    fn r89_commit_outside_the_hold_window() {
        let mut records = happy_path();
        let set = find(&records, |e| {
            matches!(
                e,
                TraceEvent::TimerSet {
                    timer: Timer::HoldWrites { .. },
                    ..
                }
            )
        });
        records.remove(set);
        assert_only(&judge(records), Rule::R89, Party::Engine);
    }
}
