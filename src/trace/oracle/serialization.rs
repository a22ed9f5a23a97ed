//! Global serialization (R15): at most one shadow copy set in creation on the machine, from a
//! successful `StartSnapshotSet` until its `DoSnapshotSet` returns (or its requester goes away);
//! another requester's `StartSnapshotSet` meanwhile fails with `VSS_E_SNAPSHOT_SET_IN_PROGRESS`.

use super::model::Stamp;
use super::tables::VecMap;
use super::{Cx, Rules, Situation};
use crate::trace::{SessionNo, SetOutcome, TraceEvent};
use crate::vocab::Rule;
use crate::vocab::{Call, Hresult, SnapshotSetId};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R15];

/// The serialization rules.
#[derive(Debug, Default)]
pub(super) struct SerializationRules {
    /// The set in creation: whose, which, since when.
    window: Option<(SessionNo, SnapshotSetId, Stamp)>,
    /// Successful `StartSnapshotSet` calls waiting for their `SetCreationStarted`.
    starts: VecMap<SessionNo, Stamp>,
}

impl Rules for SerializationRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Called { session, call, hr } => {
                self.overdue(cx);
                if self.window.is_some_and(|(owner, _, _)| owner != *session) {
                    cx.cover(Situation::ConcurrentCreation);
                }
                self.unopened(cx, *session);
                if matches!(call, Call::StartSnapshotSet) {
                    self.start(cx, *session, *hr);
                }
            }
            TraceEvent::SetCreationStarted { session, set } => {
                if self.starts.remove(session).is_none() {
                    cx.engine(
                        Rule::R15,
                        format!(
                            "set {set} of {session} entered creation at {} ms without a \
                             successful StartSnapshotSet",
                            cx.now.at_ms
                        ),
                    );
                }
                if let Some((owner, other, since)) = self.window {
                    cx.engine(
                        Rule::R15,
                        format!(
                            "set {set} of {session} entered creation at {} ms while set {other} \
                             of {owner} was in creation since {} ms",
                            cx.now.at_ms, since.at_ms
                        ),
                    );
                }
                self.window = Some((*session, *set, cx.now));
            }
            TraceEvent::SetCreationEnded {
                session,
                set,
                outcome,
            } => self.ended(cx, *session, *set, *outcome),
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        self.overdue(cx);
        let sessions: Vec<_> = self.starts.keys().copied().collect();
        for session in sessions {
            self.unopened(cx, session);
        }
    }
}

impl SerializationRules {
    fn start(&mut self, cx: &mut Cx<'_>, s: SessionNo, hr: Hresult) {
        let at = cx.now.at_ms;
        let other = self.window.filter(|(owner, _, _)| *owner != s);
        if hr == Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS {
            cx.cover(Situation::StartRefused);
            if self.window.is_none() {
                cx.engine(
                    Rule::R15,
                    format!(
                        "{s}'s StartSnapshotSet at {at} ms failed with {hr} although no set was \
                         in creation"
                    ),
                );
            }
            return;
        }
        if hr.is_failure() {
            return;
        }
        if let Some((owner, set, since)) = other {
            cx.engine(
                Rule::R15,
                format!(
                    "{s}'s StartSnapshotSet succeeded at {at} ms while set {set} of {owner} was \
                     in creation (since {} ms); it must fail with VSS_E_SNAPSHOT_SET_IN_PROGRESS",
                    since.at_ms
                ),
            );
        }
        self.starts.insert(s, cx.now);
    }

    /// A successful `StartSnapshotSet` opens a creation window before the session's next call.
    fn unopened(&mut self, cx: &mut Cx<'_>, s: SessionNo) {
        if let Some(called) = self.starts.remove(&s) {
            let message = format!(
                "{s}'s StartSnapshotSet succeeded at {} ms but no SetCreationStarted followed",
                called.at_ms
            );
            cx.report_at(called, super::Party::Engine, Rule::R15, message);
        }
    }

    fn ended(&mut self, cx: &mut Cx<'_>, s: SessionNo, set: SnapshotSetId, outcome: SetOutcome) {
        let at = cx.now.at_ms;
        match self.window {
            Some((owner, open, _)) if owner == s && open == set => self.window = None,
            _ => {
                cx.engine(
                    Rule::R15,
                    format!("set {set} of {s} left creation at {at} ms but was not in creation"),
                );
                return;
            }
        }
        let Some(session) = cx.model.session(s) else {
            return;
        };
        let contradiction = match outcome {
            SetOutcome::Created => session
                .dss
                .failed()
                .map(|(hr, _)| format!("DoSnapshotSet ended with {hr}")),
            SetOutcome::Failed(_) if session.dss.succeeded() => {
                Some("DoSnapshotSet finished successfully".to_string())
            }
            _ => None,
        };
        if let Some(contradiction) = contradiction {
            cx.engine(
                Rule::R15,
                format!(
                    "set {set} of {s} left creation at {at} ms as {outcome:?}, but {contradiction}"
                ),
            );
        }
    }

    /// The window closes when DoSnapshotSet returns or the requester goes away.
    fn overdue(&mut self, cx: &mut Cx<'_>) {
        let Some((owner, set, _)) = self.window else {
            return;
        };
        let Some(session) = cx.model.session(owner) else {
            return;
        };
        let closed_by = match (session.dss.completed, session.gone) {
            (Some((hr, when)), _) => Some(format!(
                "its DoSnapshotSet returned {hr} at {} ms",
                when.at_ms
            )),
            (None, Some(gone)) => Some(format!("{owner} went away at {} ms", gone.stamp.at_ms)),
            (None, None) => None,
        };
        if let Some(closed_by) = closed_by {
            self.window = None;
            cx.engine(
                Rule::R15,
                format!(
                    "set {set} of {owner} is still in creation at {} ms although {closed_by}",
                    cx.now.at_ms
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::oracle::Situation;
    use crate::trace::TraceEvent;
    use crate::vocab::Rule;
    use crate::vocab::{Call, Hresult};

    /// S0 backs up W0; S1 tries to start a set meanwhile, then after S0's set is created.
    fn two_requesters(refusal: Hresult) -> Vec<crate::trace::TraceRecord> {
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        b.session(S1)
            .ok(S1, Call::InitializeForBackup)
            .call(S1, Call::StartSnapshotSet, refusal);
        if refusal.is_success() {
            b.push(TraceEvent::SetCreationStarted {
                session: S1,
                set: set_of(S1),
            });
        }
        prepare(&mut b, S0, &[W0], &[W0]);
        snapshot(&mut b, S0, &[W0]);
        backup_complete(&mut b, S0, &[W0]);
        release(&mut b, S0, Call::Release, &[W0], set_of(S0));
        b.build()
    }

    #[test]
    fn second_start_is_refused_while_a_set_is_in_creation() {
        // R15: the refusal is correct behaviour.
        let report = judge(two_requesters(Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS));
        report.assert_clean();
        assert!(report.coverage().reached(Situation::StartRefused));
    }

    #[test]
    fn r15_second_set_in_creation() {
        let report = judge(two_requesters(Hresult::S_OK));
        assert_only(&report, Rule::R15, Party::Engine);
    }

    #[test]
    fn r15_window_left_open_after_do_snapshot_set() {
        let mut records = happy_path();
        let end = find(&records, |e| {
            matches!(e, TraceEvent::SetCreationEnded { .. })
        });
        records.remove(end);
        assert_only(&judge(records), Rule::R15, Party::Engine);
    }

    #[test]
    fn r15_refusal_without_a_set_in_creation() {
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        b.session(S0)
            .ok(S0, Call::InitializeForBackup)
            .call(
                S0,
                Call::StartSnapshotSet,
                Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS,
            )
            .ok(S0, Call::Release);
        assert_only(&judge(b.build()), Rule::R15, Party::Engine);
    }
}
