//! Writer states (T2, R10, R30, R75, R76 and the Q12 and `last_error` policies): the oracle
//! computes each writer's state in each session from handler results, freeze-window expiries and
//! the policies in force, and checks every `StateChanged` and `StatusReported` against it. A
//! session that has not involved a writer in its backup reports what the machine last showed
//! (R30): the last `StateChanged` of any session, or Stable after a restart.

use super::model::Stamp;
use super::tables::VecMap;
use super::{Cx, Party, Rules, Situation};
use crate::trace::{SessionNo, Timer, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{
    AsyncKind, Hresult, Policies, StateAfterAbort, StateAfterShutdown, WriterEvent, WriterState,
};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[
    Rule::R10,
    Rule::R27,
    Rule::R30,
    Rule::R75,
    Rule::R76,
    Rule::T2,
];

type Status = (WriterState, Hresult);

const STABLE: Status = (WriterState::VSS_WS_STABLE, Hresult::S_OK);

/// The writer-state rules.
#[derive(Debug, Default)]
pub(super) struct StateRules {
    tracks: VecMap<(SessionNo, WriterNo), Track>,
    /// What the machine shows of each writer: the last `StateChanged` of any session (R30).
    machine: VecMap<WriterNo, Status>,
    /// R29, R30: the statuses a `GatherWriterStatus` collected (when it started and when it
    /// completed); `GetWriterStatus` reports from them until the next gather.
    gathering: VecMap<SessionNo, VecMap<WriterNo, Vec<Status>>>,
    gathered: VecMap<SessionNo, VecMap<WriterNo, Vec<Status>>>,
    /// Scratch list for the next expectation of a handled event, swapped with the track's own
    /// so that judging a handler allocates nothing.
    next: Vec<Status>,
}

/// One writer's state in one session.
#[derive(Debug)]
struct Track {
    /// What the oracle accepts now; the first entry is the canonical one.
    expected: Vec<Status>,
    /// What the last `StateChanged` said.
    recorded: Status,
    /// Why the expectation last changed, for messages, and the rule behind it.
    because: Because,
    rule: Rule,
    since: Stamp,
    /// The session's operation sent the writer an event (or VSS gave up on one): the session
    /// reports its own view from then on, the machine's before.
    involved: bool,
    /// R27 on old Windows: its BackupComplete succeeded and it waits for the session's next
    /// `GatherWriterStatus` to become Stable.
    awaiting_final_gather: bool,
}

impl Default for Track {
    fn default() -> Self {
        Self {
            expected: vec![STABLE],
            recorded: STABLE,
            because: Because::SessionStarted,
            rule: Rule::T2,
            since: Stamp::default(),
            involved: false,
            awaiting_final_gather: false,
        }
    }
}

impl Rules for StateRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Handled {
                session,
                writer,
                event,
                ok,
                failure,
                panicked,
                ..
            } if !cx.model.handler_abandoned(*writer) => {
                self.handled(cx, *session, *writer, *event, (*ok, *failure, *panicked));
            }
            // VSS gave up on the handler: it failed, not responding (its late return changes
            // nothing).
            TraceEvent::HandlerTimedOut {
                session,
                writer,
                event,
            } => {
                if event.belongs_to_an_operation() {
                    // An event given up in the writer's queue involves it quietly: its view
                    // starts Stable and fails at once (only the failure is recorded).
                    self.involve(cx, *session, *writer, true);
                }
                let hr = Some(Hresult::VSS_E_WRITER_NOT_RESPONDING);
                self.handled(cx, *session, *writer, *event, (false, hr, false));
            }
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } if event.belongs_to_an_operation() => self.involve(cx, *session, *writer, false),
            TraceEvent::WriterStarted { writer } => {
                self.machine.insert(*writer, STABLE);
            }
            TraceEvent::WriterStatusCarried {
                writer,
                state,
                failure,
            } => {
                self.machine.insert(*writer, (*state, *failure));
            }
            TraceEvent::WriterRestarted { writer } | TraceEvent::WriterStopped { writer } => {
                // The restarted writer knows none of its backups: they report the machine's,
                // except those VSS reported it not responding to, which keep that failure.
                self.machine.insert(*writer, STABLE);
                for ((s, w), track) in self.tracks.iter_mut() {
                    if w != writer {
                        continue;
                    }
                    let kept = cx
                        .model
                        .part(*s, *w)
                        .is_some_and(|part| part.not_responding.is_some());
                    if kept {
                        track.awaiting_final_gather = false;
                    } else {
                        *track = Track::default();
                    }
                }
            }
            TraceEvent::TimerFired {
                timer: Timer::FreezeWindow { session, writer },
            } => self.freeze_expired(cx, *session, *writer),
            TraceEvent::StateChanged {
                session,
                writer,
                state,
                failure,
            } => {
                cx.reach(*state);
                self.changed(cx, *session, *writer, (*state, *failure));
                self.machine.insert(*writer, (*state, *failure));
            }
            TraceEvent::AsyncStarted {
                session,
                kind: AsyncKind::GatherWriterStatus,
                ..
            } => {
                let snapshot = self.snapshot(cx, *session);
                self.gathering.insert(*session, snapshot);
                self.final_gather(cx, *session, false);
            }
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::GatherWriterStatus,
                hr,
                ..
            } => {
                // A cancelled or failed gather ends no writer session (R27).
                if *hr == Hresult::VSS_S_ASYNC_FINISHED {
                    self.final_gather(cx, *session, true);
                }
                self.status_gathered(cx, *session, *hr);
            }
            TraceEvent::StatusReported {
                session,
                writer,
                state,
                failure,
            } => {
                cx.reach(*state);
                cx.cover(Situation::StatusReported);
                self.reported(cx, *session, *writer, (*state, *failure));
            }
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        let keys: Vec<_> = self.tracks.keys().copied().collect();
        for (session, writer) in keys {
            self.checkpoint(cx, session, writer);
        }
    }
}

impl StateRules {
    /// A handler returned `(ok, failure, panicked)`: the writer's next expected states (T2).
    fn handled(
        &mut self,
        cx: &mut Cx<'_>,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        (ok, failure, panicked): (bool, Option<Hresult>, bool),
    ) {
        let failed = !ok || panicked || failure.is_some();
        if failed && event != WriterEvent::Identify {
            cx.cover(Situation::HandlerFailed);
        }
        if ok && !panicked && failure.is_some() {
            cx.cover(Situation::Veto);
        }
        self.checkpoint(cx, session, writer);
        let codes = failure_codes(failure, panicked, ok);
        let policies = cx.model.policies;
        let track = self.tracks.entry((session, writer)).or_default();
        // Abort and BackupShutdown to a writer the session never involved change nothing it
        // reports; Identify changes nothing at all.
        if !track.involved {
            return;
        }
        let next = &mut self.next;
        next.clear();
        for current in &track.expected {
            for &status in &*transition(&policies, *current, event, failed, &codes) {
                if !next.contains(&status) {
                    next.push(status);
                }
            }
        }
        std::mem::swap(&mut track.expected, next);
        // R27 on old Windows (field failure 13): a successful BackupComplete leaves the writer
        // waiting for completion until the session's next GatherWriterStatus.
        let waits = event == WriterEvent::BackupComplete
            && !failed
            && cx.model.os.needs_final_status_gather()
            && !track.expected.iter().any(|status| status.0.is_failed());
        if waits {
            std::mem::swap(&mut track.expected, next);
            expect_only(&mut track.expected, track.recorded);
            track.awaiting_final_gather = true;
        }
        track.because = Because::Handled {
            event,
            ok,
            panicked,
            failure,
            at_ms: cx.now.at_ms,
        };
        track.rule = match event {
            WriterEvent::Abort | WriterEvent::BackupShutdown => Rule::T2,
            WriterEvent::Identify => Rule::R10,
            _ => Rule::R75,
        };
        track.since = cx.now;
    }

    /// `session`'s operation involves `writer`: its view starts Stable (R74), with the last
    /// error the machine showed if `Policies::last_error` keeps it.
    /// `quiet`: no `StateChanged` is owed for the starting view.
    fn involve(&mut self, cx: &mut Cx<'_>, session: SessionNo, writer: WriterNo, quiet: bool) {
        let machine = self.machine.get(&writer).copied().unwrap_or(STABLE);
        let track = self.tracks.entry((session, writer)).or_default();
        if track.involved {
            return;
        }
        track.involved = true;
        let failure = cx.model.policies.last_error.after_success(machine.1);
        let start = (WriterState::VSS_WS_STABLE, failure);
        expect_only(&mut track.expected, start);
        if quiet {
            track.recorded = start;
        }
        track.because = Because::Involved {
            at_ms: cx.now.at_ms,
        };
        track.rule = Rule::R30;
        track.since = cx.now;
    }

    /// R27 on old Windows: while `session`'s GatherWriterStatus runs, the writers waiting for
    /// it become Stable (with the last error `last_error` keeps); by its end they must have.
    fn final_gather(&mut self, cx: &mut Cx<'_>, session: SessionNo, ended: bool) {
        let policies = cx.model.policies;
        let gathering = self.gathering.contains_key(&session);
        for ((s, w), track) in self.tracks.iter_mut() {
            if *s != session || !track.awaiting_final_gather || !gathering {
                continue;
            }
            let failure = policies.last_error.after_success(track.recorded.1);
            let stable = (WriterState::VSS_WS_STABLE, failure);
            if track.recorded == stable {
                track.awaiting_final_gather = false;
                expect_only(&mut track.expected, stable);
            } else if ended {
                track.awaiting_final_gather = false;
                let message = format!(
                    "{} in {session} should have become {} / {} by the end of the \
                     GatherWriterStatus after BackupComplete at {} ms (R27), but stayed {} / {}",
                    cx.model.writer(*w),
                    stable.0,
                    stable.1,
                    cx.now.at_ms,
                    track.recorded.0,
                    track.recorded.1
                );
                cx.engine(Rule::R27, message);
                expect_only(&mut track.expected, stable);
                track.recorded = stable;
            } else if !track.expected.contains(&stable) {
                // The gather is under way: the change may come now.
                track.expected.push(stable);
                track.because = Because::FinalGather {
                    at_ms: cx.now.at_ms,
                };
                track.rule = Rule::R27;
                track.since = cx.now;
            }
        }
    }

    /// What `session` may report for `writer` now: its own view once involved, else the
    /// machine's (R30).
    fn reportable(&self, session: SessionNo, writer: WriterNo) -> Vec<Status> {
        match self.tracks.get(&(session, writer)) {
            Some(track) if track.involved => track.expected.clone(),
            _ => vec![self.machine.get(&writer).copied().unwrap_or(STABLE)],
        }
    }

    /// R76: the writer's freeze window expired: FAILED_AT_FREEZE with the timeout code.
    fn freeze_expired(&mut self, cx: &mut Cx<'_>, session: SessionNo, writer: WriterNo) {
        self.checkpoint(cx, session, writer);
        let track = self.tracks.entry((session, writer)).or_default();
        let timeout = (
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_TIMEOUT,
        );
        expect_only(&mut track.expected, timeout);
        track.because = Because::FreezeExpired {
            at_ms: cx.now.at_ms,
        };
        track.rule = Rule::R76;
        track.since = cx.now;
    }

    /// A `GatherWriterStatus` ended with `hr`: the list it gathered, if it finished (R28).
    fn status_gathered(&mut self, cx: &mut Cx<'_>, session: SessionNo, hr: Hresult) {
        let Some(mut snapshot) = self.gathering.remove(&session) else {
            return;
        };
        if hr != Hresult::VSS_S_ASYNC_FINISHED {
            // A cancelled or failed gather leaves the previous list in place (R28).
            return;
        }
        for (writer, statuses) in self.snapshot(cx, session) {
            let entry = snapshot.entry(writer).or_default();
            for status in statuses {
                if !entry.contains(&status) {
                    entry.push(status);
                }
            }
        }
        self.gathered.insert(session, snapshot);
    }

    /// A state change the oracle expected must have been recorded by now.
    fn checkpoint(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo) {
        let Some(track) = self.tracks.get_mut(&(s, w)) else {
            return;
        };
        if track.expected.contains(&track.recorded) {
            return;
        }
        let expected = track.expected.first().copied().unwrap_or(STABLE);
        let message = format!(
            "{} in {s} should have changed to {} / {} after {}, but no StateChanged was \
             recorded (it stayed {} / {})",
            cx.model.writer(w),
            expected.0,
            expected.1,
            track.because,
            track.recorded.0,
            track.recorded.1
        );
        cx.report_at(track.since, Party::Engine, track.rule, message);
        track.recorded = expected;
        expect_only(&mut track.expected, expected);
    }

    fn changed(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, status: Status) {
        if identify_failed(cx, s, w) {
            cx.engine(
                Rule::R10,
                format!(
                    "{}'s state in {s} changed to {} at {} ms although its Identify failed; \
                     no state is kept for it",
                    cx.model.writer(w),
                    status.0,
                    cx.now.at_ms
                ),
            );
            return;
        }
        let track = self.tracks.entry((s, w)).or_default();
        if !track.expected.contains(&status) {
            let expected = describe(&track.expected);
            let message = format!(
                "{} in {s} changed to {} / {} at {} ms; expected {expected} after {}",
                cx.model.writer(w),
                status.0,
                status.1,
                cx.now.at_ms,
                track.because
            );
            let rule = track.rule;
            cx.engine(rule, message);
        }
        track.recorded = status;
        expect_only(&mut track.expected, status);
    }

    /// What each writer's status in `s` may be now (after settling missing state changes).
    fn snapshot(&mut self, cx: &mut Cx<'_>, s: SessionNo) -> VecMap<WriterNo, Vec<Status>> {
        let writers: Vec<WriterNo> = cx
            .model
            .session(s)
            .map(|session| session.writers.keys().copied().collect())
            .unwrap_or_default();
        let mut snapshot = VecMap::default();
        for w in writers {
            self.checkpoint(cx, s, w);
            snapshot.insert(w, self.reportable(s, w));
        }
        snapshot
    }

    fn reported(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, status: Status) {
        if identify_failed(cx, s, w) {
            cx.engine(
                Rule::R10,
                format!(
                    "{s}'s writer status lists {} at {} ms although its Identify failed; no \
                     status is kept for it",
                    cx.model.writer(w),
                    cx.now.at_ms
                ),
            );
            return;
        }
        self.checkpoint(cx, s, w);
        let now = self.reportable(s, w);
        let track = self.tracks.entry((s, w)).or_default();
        // A writer the session never involved is reported as the machine last showed it (R30).
        let rule = if track.involved { Rule::T2 } else { Rule::R30 };
        let (expected, gathered): (&[Status], bool) = match self.gathered.get(&s) {
            Some(gathered) => (gathered.get(&w).map_or(&[STABLE], Vec::as_slice), true),
            None => (&now, false),
        };
        if !expected.contains(&status) {
            let when = if gathered {
                "when GatherWriterStatus ran".to_string()
            } else {
                format!("after {}", track.because)
            };
            let message = format!(
                "GetWriterStatus of {s} reported {} as {} / {} at {} ms; expected {} {when}",
                cx.model.writer(w),
                status.0,
                status.1,
                cx.now.at_ms,
                describe(expected),
            );
            cx.engine(rule, message);
        }
    }
}

fn identify_failed(cx: &Cx<'_>, s: SessionNo, w: WriterNo) -> bool {
    cx.model
        .part(s, w)
        .is_some_and(|part| part.identify_failed.is_some())
}

/// The `hrFailure` codes a failed handler may leave.
fn failure_codes(failure: Option<Hresult>, panicked: bool, ok: bool) -> Moves<Hresult> {
    let mut codes = Moves::empty(Hresult::S_OK);
    match (failure, panicked) {
        (Some(code), true) => {
            codes.push(code);
            codes.push(Hresult::VSS_E_WRITER_NOT_RESPONDING);
        }
        (Some(code), false) => codes.push(code),
        (None, true) => codes.push(Hresult::VSS_E_WRITER_NOT_RESPONDING),
        (None, false) if !ok => codes.push(Hresult::VSS_E_WRITERERROR_NONRETRYABLE),
        (None, false) => {}
    }
    codes
}

/// T2 with sticky failures and the Q12 policies: the states `current` may move to (one, or one
/// per failure code).
fn transition(
    policies: &Policies,
    current: Status,
    event: WriterEvent,
    failed: bool,
    codes: &[Hresult],
) -> Moves<Status> {
    let sticky = current.0.is_failed();
    let kept = policies.last_error.after_success(current.1);
    let mut moves = Moves::empty(current);
    let next = match event {
        // R10, R44: Identify never changes the state (Q11).
        WriterEvent::Identify => current,
        WriterEvent::Abort => match policies.state_after_abort {
            StateAfterAbort::KeepFailureElseStable if sticky => current,
            StateAfterAbort::KeepFailureElseStable | StateAfterAbort::Stable => {
                (WriterState::VSS_WS_STABLE, kept)
            }
            StateAfterAbort::Unchanged => current,
        },
        // A failure always records the new FAILED_AT_* state and code (R75).
        _ if failed => match WriterState::failed_at(event) {
            Some(state) => {
                for code in codes {
                    moves.push((state, *code));
                }
                return moves;
            }
            None => current,
        },
        // Failures are sticky: a later success changes nothing.
        _ if sticky => current,
        WriterEvent::BackupShutdown => match policies.state_after_shutdown {
            StateAfterShutdown::Unchanged => current,
            StateAfterShutdown::StableUnlessFailed => (WriterState::VSS_WS_STABLE, kept),
        },
        _ => match WriterState::after_success(event) {
            Some(state) => (state, kept),
            None => current,
        },
    };
    moves.push(next);
    moves
}

/// Replaces an expectation by the single `status`, keeping the list's allocation.
fn expect_only(expected: &mut Vec<Status>, status: Status) {
    expected.clear();
    expected.push(status);
}

/// Up to two values kept inline, seen as a slice. A handler leaves at most two failure codes
/// (its own and `VSS_E_WRITER_NOT_RESPONDING`), hence at most two next states; every handler
/// result is judged, so these lists must not allocate.
#[derive(Clone, Copy, Debug)]
struct Moves<T> {
    /// The first `len` are the values; the rest hold the filler given to [`Moves::empty`].
    items: [T; 2],
    len: usize,
}

impl<T: Copy> Moves<T> {
    fn empty(filler: T) -> Self {
        Self {
            items: [filler; 2],
            len: 0,
        }
    }

    /// Appends `item`; there is room for two (see above).
    fn push(&mut self, item: T) {
        self.items[self.len] = item;
        self.len += 1;
    }
}

impl<T> std::ops::Deref for Moves<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.items[..self.len]
    }
}

impl<T: PartialEq> PartialEq for Moves<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: PartialEq, const N: usize> PartialEq<[T; N]> for Moves<T> {
    fn eq(&self, other: &[T; N]) -> bool {
        **self == *other
    }
}

fn describe(statuses: &[Status]) -> String {
    statuses
        .iter()
        .map(|(state, hr)| format!("{state} / {hr}"))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use super::*;
    use crate::trace::TraceRecord;

    #[test]
    fn t2_transitions_with_sticky_failures() {
        let p = Policies::default();
        let nonretry = [Hresult::VSS_E_WRITERERROR_NONRETRYABLE];
        // R75: a failed handler moves to FAILED_AT_*.
        let failed = transition(&p, STABLE, WriterEvent::Freeze, true, &nonretry);
        assert_eq!(
            failed,
            [(WriterState::VSS_WS_FAILED_AT_FREEZE, nonretry[0])]
        );
        // Failures are sticky: a later success changes nothing, a later failure is recorded.
        assert_eq!(
            transition(&p, failed[0], WriterEvent::Thaw, false, &[]),
            failed
        );
        assert_eq!(
            transition(&p, failed[0], WriterEvent::Thaw, true, &nonretry),
            [(WriterState::VSS_WS_FAILED_AT_THAW, nonretry[0])]
        );
        // Q12 default: Abort keeps a failure, else STABLE.
        assert_eq!(
            transition(&p, failed[0], WriterEvent::Abort, false, &[]),
            failed
        );
        let frozen = (WriterState::VSS_WS_WAITING_FOR_THAW, Hresult::S_OK);
        assert_eq!(
            transition(&p, frozen, WriterEvent::Abort, false, &[]),
            [STABLE]
        );
        // Q12 alternative: StableUnlessFailed after BackupShutdown.
        let p = Policies {
            state_after_shutdown: StateAfterShutdown::StableUnlessFailed,
            ..Policies::default()
        };
        let waiting = (
            WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
            Hresult::S_OK,
        );
        assert_eq!(
            transition(&p, waiting, WriterEvent::BackupShutdown, false, &[]),
            [STABLE]
        );
    }

    fn state_change(records: &[TraceRecord], state: WriterState) -> usize {
        find(
            records,
            |e| matches!(e, TraceEvent::StateChanged { state: s, .. } if *s == state),
        )
    }

    #[test]
    fn r75_wrong_state_after_freeze() {
        let mut records = happy_path();
        let at = state_change(&records, WriterState::VSS_WS_WAITING_FOR_THAW);
        if let TraceEvent::StateChanged { state, .. } = &mut records[at].event {
            *state = WriterState::VSS_WS_WAITING_FOR_POST_SNAPSHOT;
        }
        let report = judge(records);
        assert_only(&report, Rule::R75, Party::Engine);
        assert_eq!(report.violations().len(), 1, "{report}");
    }

    #[test]
    fn r75_missing_state_change() {
        let mut records = happy_path();
        let at = state_change(&records, WriterState::VSS_WS_WAITING_FOR_FREEZE);
        records.remove(at);
        let report = judge(records);
        assert_only(&report, Rule::R75, Party::Engine);
        assert!(report.violations()[0].message.contains("no StateChanged"));
    }

    #[test]
    fn t2_status_mismatch() {
        let mut records = happy_path();
        let at = find(&records, |e| matches!(e, TraceEvent::StatusReported { .. }));
        if let TraceEvent::StatusReported { state, .. } = &mut records[at].event {
            *state = WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE;
        }
        assert_only(&judge(records), Rule::T2, Party::Engine);
    }

    #[test]
    fn r10_status_for_a_writer_whose_identify_failed() {
        let mut records = happy_path();
        let identify = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Handled {
                    event: WriterEvent::Identify,
                    ..
                }
            )
        });
        if let TraceEvent::Handled { ok, .. } = &mut records[identify].event {
            *ok = false;
        }
        let report = judge(records);
        // The writer should have been dropped, and everything after it is R10's business.
        assert!(report.rules_broken().contains(&Rule::R10), "{report}");
        assert!(report
            .violations()
            .iter()
            .any(|v| v.message.contains("writer status lists")));
    }

    #[test]
    fn q12_policies_are_honoured() {
        // Under state_after_abort = Stable an aborted writer's failure is cleared.
        let policies = Policies {
            state_after_abort: StateAfterAbort::Stable,
            ..Policies::default()
        };
        let mut b = Builder::with_policies(policies);
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        b.start(
            S0,
            crate::vocab::Call::PrepareForBackup,
            crate::vocab::AsyncKind::PrepareForBackup,
        )
        .handle(
            S0,
            W0,
            WriterEvent::PrepareForBackup,
            set_of(S0),
            H::Veto(Hresult::VSS_E_WRITERERROR_RETRYABLE),
        )
        .complete(
            S0,
            crate::vocab::AsyncKind::PrepareForBackup,
            Hresult::VSS_S_ASYNC_FINISHED,
        )
        .ok(S0, crate::vocab::Call::AbortBackup)
        .push(TraceEvent::AbortRaised {
            session: S0,
            cause: crate::trace::AbortCause::AbortBackup,
        })
        .deliver(S0, W0, WriterEvent::Abort, set_of(S0))
        .handled(S0, W0, WriterEvent::Abort, H::Ok)
        .state(S0, W0, WriterState::VSS_WS_STABLE, Hresult::S_OK)
        .status(S0, W0);
        release(
            &mut b,
            S0,
            crate::vocab::Call::Release,
            &[W0],
            crate::vocab::SnapshotSetId::NULL,
        );
        let records = b.build();
        let report = judge(records.clone());
        report.assert_clean();
        assert!(report.coverage().reached(Situation::Veto));

        // Under the default policy the same StateChanged is wrong.
        let mut records = records;
        records[0].event = TraceEvent::Policies(Policies::default());
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::T2), "{report}");
        assert!(report.violations().iter().all(|v| v.party == Party::Engine));
    }

    #[test]
    fn status_reflects_the_last_gather() {
        // R29, R30: GetWriterStatus reports what GatherWriterStatus collected, even if the
        // writer's state changed since.
        let mut records = happy_path();
        let complete = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: crate::vocab::Call::BackupComplete,
                    ..
                }
            )
        });
        let kind = crate::vocab::AsyncKind::GatherWriterStatus;
        let op = crate::vocab::OpNo(99);
        let gather = vec![
            TraceEvent::Called {
                session: S0,
                call: crate::vocab::Call::GatherWriterStatus,
                hr: Hresult::S_OK,
            },
            TraceEvent::AsyncStarted {
                session: S0,
                op,
                kind,
            },
            TraceEvent::AsyncCompleted {
                session: S0,
                op,
                kind,
                hr: Hresult::VSS_S_ASYNC_FINISHED,
            },
        ];
        insert(&mut records, complete, gather);
        // The status reported after BackupComplete still says WAITING_FOR_BACKUP_COMPLETE.
        let status = find(&records, |e| matches!(e, TraceEvent::StatusReported { .. }));
        if let TraceEvent::StatusReported { state, .. } = &mut records[status].event {
            *state = WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE;
        }
        // ... which is wrong: BackupComplete's own GatherWriterStatus ran after it.
        assert_only(&judge(records.clone()), Rule::T2, Party::Engine);
        // Without the second gather it is right.
        let second = records
            .iter()
            .rposition(|r| {
                matches!(
                    r.event,
                    TraceEvent::AsyncStarted {
                        kind: crate::vocab::AsyncKind::GatherWriterStatus,
                        ..
                    }
                )
            })
            .unwrap();
        records.drain(second - 1..second + 2); // Called, AsyncStarted, AsyncCompleted
        judge(records).assert_clean();
    }
}

/// Why a writer's expected state last changed, kept as data and described only in messages.
#[derive(Clone, Copy, Debug)]
enum Because {
    SessionStarted,
    Handled {
        event: WriterEvent,
        ok: bool,
        panicked: bool,
        failure: Option<Hresult>,
        at_ms: u64,
    },
    FreezeExpired {
        at_ms: u64,
    },
    Involved {
        at_ms: u64,
    },
    FinalGather {
        at_ms: u64,
    },
}

impl std::fmt::Display for Because {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SessionStarted => f.write_str("the session started (R74)"),
            Self::Handled {
                event,
                ok,
                panicked,
                failure,
                at_ms,
            } => {
                let result = if *panicked {
                    "by panicking"
                } else if *ok {
                    "true"
                } else {
                    "false"
                };
                write!(f, "{} returned {result}", event.handler_name())?;
                if let Some(hr) = failure {
                    write!(f, " after SetWriterFailure({hr})")?;
                }
                write!(f, " at {at_ms} ms")
            }
            Self::FreezeExpired { at_ms } => write!(f, "its freeze window expired at {at_ms} ms"),
            Self::FinalGather { at_ms } => write!(
                f,
                "the session's GatherWriterStatus after BackupComplete at {at_ms} ms (R27)"
            ),
            Self::Involved { at_ms } => write!(
                f,
                "the session's operation involved it at {at_ms} ms (R30, R74)"
            ),
        }
    }
}
