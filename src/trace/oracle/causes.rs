//! Abort causes (R50, R51, R53, R56, R65, R99): every `AbortRaised` must have a documented
//! reason that the trace shows: an `AbortBackup` call (only the first one, and only with a backup
//! under way), a failed `OnFreeze`/`OnThaw` (never `OnPrepareSnapshot`/`OnPostSnapshot`; a veto
//! only under `VetoAtFreezeThaw::Abort`), a fired freeze window, a creation failure during
//! `DoSnapshotSet`, a `Cancel`, or a release while `DoSnapshotSet` was under way. Never a restore.

use super::model::Stamp;
use super::tables::{VecMap, VecSet};
use super::{Cx, Rules, Situation};
use crate::trace::{AbortCause, SessionNo, Timer, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{AsyncKind, Call, VetoAtFreezeThaw, WriterEvent};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[
    Rule::R50,
    Rule::R51,
    Rule::R53,
    Rule::R56,
    Rule::R65,
    Rule::R99,
];

/// The abort-cause rules.
#[derive(Debug, Default)]
pub(super) struct CauseRules {
    /// A successful `AbortBackup` call not yet followed by its `AbortRaised`.
    abort_backup_calls: VecMap<SessionNo, Stamp>,
    /// Sessions whose `AbortBackup` already raised Abort once (R53).
    abort_backup_raised: VecSet<SessionNo>,
    /// A successful `Cancel` of the session's pending DoSnapshotSet.
    cancels: VecMap<SessionNo, Stamp>,
    /// Freeze windows that fired and have not been named by a `FreezeTimeout` cause yet.
    fired: VecSet<(SessionNo, WriterNo)>,
}

impl Rules for CauseRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Called { session, call, hr } => {
                // The AbortRaised of an AbortBackup comes before the session's next call.
                self.abort_backup_calls.remove(session);
                if hr.is_failure() {
                    return;
                }
                match call {
                    Call::AbortBackup => {
                        self.abort_backup_calls.insert(*session, cx.now);
                    }
                    Call::Cancel { op }
                        if cx.model.ops.get(op) == Some(&(*session, AsyncKind::DoSnapshotSet))
                            && cx.model.dss_pending(*session) =>
                    {
                        self.cancels.insert(*session, cx.now);
                    }
                    _ => {}
                }
            }
            TraceEvent::TimerFired {
                timer: Timer::FreezeWindow { session, writer },
            } => {
                self.fired.insert((*session, *writer));
            }
            TraceEvent::AbortRaised { session, cause } => self.raised(cx, *session, *cause),
            _ => {}
        }
    }
}

impl CauseRules {
    /// R50, R51, R53, R56, R65, R99: was there a reason to raise Abort?
    fn raised(&mut self, cx: &mut Cx<'_>, s: SessionNo, cause: AbortCause) {
        let model = cx.model;
        let empty = super::model::Session::default();
        let session = model.session(s).unwrap_or(&empty);
        let at = cx.now.at_ms;
        if session.restore_events {
            cx.engine(
                Rule::R56,
                format!("Abort raised for {s} at {at} ms, a restore"),
            );
        }
        match cause {
            AbortCause::AbortBackup => self.raised_by_abort_backup(cx, s, session),
            AbortCause::WriterFailed { writer, event } => {
                raised_by_writer_failure(cx, s, writer, event);
            }
            AbortCause::FreezeTimeout { writer } => {
                if !self.fired.remove(&(s, writer)) {
                    cx.engine(
                        Rule::R99,
                        format!("Abort raised for {s} at {at} ms for {}'s freeze timeout, but its freeze window did not fire", model.writer(writer)),
                    );
                }
            }
            AbortCause::CreationFailed { hr } => {
                cx.cover(Situation::AbortCreationFailed);
                if !session.dss.pending() {
                    cx.engine(
                        Rule::R50,
                        format!("Abort raised for {s} at {at} ms for a creation failure ({hr}) while no DoSnapshotSet of {s} was under way"),
                    );
                } else if hr.is_success() {
                    cx.engine(
                        Rule::R50,
                        format!("Abort raised for {s} at {at} ms for a creation failure with the success code {hr}"),
                    );
                }
            }
            AbortCause::Cancelled => {
                cx.cover(Situation::AbortCancelled);
                if self.cancels.remove(&s).is_none() {
                    cx.engine(
                        Rule::R50,
                        format!("Abort raised for {s} at {at} ms as cancelled, but {s} did not cancel its pending DoSnapshotSet"),
                    );
                }
            }
            AbortCause::Released => {
                cx.cover(Situation::AbortReleased);
                if !session.gone.is_some_and(|gone| gone.dss_pending) {
                    cx.engine(
                        Rule::R50,
                        format!("Abort raised for {s} at {at} ms as released, but {s} was not released while its DoSnapshotSet was under way"),
                    );
                }
            }
        }
    }

    /// R50a, R53: Abort raised by `AbortBackup`.
    fn raised_by_abort_backup(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        session: &super::model::Session,
    ) {
        let at = cx.now.at_ms;
        cx.cover(Situation::AbortBackup);
        // R53: a backup (PrepareForBackup) or a shadow copy (a set in creation) is under
        // way; Q2's reach policy only decides who hears of it.
        let under_way = session.pfb.called.is_some() || session.set_started.is_some();
        if self.abort_backup_calls.remove(&s).is_none() {
            cx.engine(
                Rule::R50,
                format!("Abort raised for {s} at {at} ms as AbortBackup, but {s} did not just call AbortBackup successfully"),
            );
        } else if !self.abort_backup_raised.insert(s) {
            cx.engine(
                Rule::R53,
                format!(
                    "{s}'s second AbortBackup raised Abort again at {at} ms; it must be ignored"
                ),
            );
        } else if !under_way {
            cx.engine(
                Rule::R53,
                format!("{s}'s AbortBackup raised Abort at {at} ms although no backup was under way (no PrepareForBackup, no set in creation); it must be ignored"),
            );
        }
    }
}

/// R50b, R51, R65: Abort raised by a writer's failed handler.
fn raised_by_writer_failure(cx: &mut Cx<'_>, s: SessionNo, writer: WriterNo, event: WriterEvent) {
    let model = cx.model;
    let at = cx.now.at_ms;
    cx.cover(Situation::AbortWriterFailed);
    let name = model.writer(writer);
    let outcome = model
        .part(s, writer)
        .and_then(|part| part.handled.get(&event).copied());
    match (event, outcome) {
        (WriterEvent::PrepareForSnapshot | WriterEvent::PostSnapshot, _) => {
            cx.engine(
                Rule::R51,
                format!("Abort raised for {s} at {at} ms because {name}'s {} failed; a failure there never raises Abort by itself", event.handler_name()),
            );
        }
        (WriterEvent::Freeze | WriterEvent::Thaw, None) => cx.engine(
            Rule::R50,
            format!("Abort raised for {s} at {at} ms for {name}'s failed {event}, but it never handled {event} in {s}"),
        ),
        (WriterEvent::Freeze | WriterEvent::Thaw, Some(o)) if !o.failed() => {
            cx.engine(
                Rule::R50,
                format!("Abort raised for {s} at {at} ms for {name}'s failed {event}, but its {} succeeded at {} ms", event.handler_name(), o.stamp.at_ms),
            );
        }
        (WriterEvent::Freeze | WriterEvent::Thaw, Some(o))
            if o.vetoed()
                && model.policies.veto_at_freeze_thaw == VetoAtFreezeThaw::NoAbort =>
        {
            cx.engine(
                Rule::R65,
                format!("Abort raised for {s} at {at} ms because {name} vetoed {event} (SetWriterFailure then true) at {} ms; under veto_at_freeze_thaw = NoAbort a veto does not raise Abort (Q15)", o.stamp.at_ms),
            );
        }
        (WriterEvent::Freeze | WriterEvent::Thaw, Some(_)) => {}
        _ => cx.engine(
            Rule::R50,
            format!("Abort raised for {s} at {at} ms because {name} failed {event}; only Freeze and Thaw failures raise Abort (R50b)"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::{abort_after_prepare, freeze_timeout};
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{AbortCause, ProviderStep, SetOutcome, TraceEvent, TraceRecord};
    use crate::vocab::Rule;
    use crate::vocab::{AsyncKind, Call, Hresult, Policies, VetoAtFreezeThaw, WriterEvent};

    /// W0 fails `event` (PrepareForSnapshot or Freeze) with `how`; Abort is raised for it and
    /// W0 drops out; the set is still created.
    fn abort_for(event: WriterEvent, how: H, policies: Policies) -> Vec<TraceRecord> {
        let mut b = Builder::with_policies(policies);
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        prepare(&mut b, S0, &[W0], &[W0]);
        b.start(S0, Call::DoSnapshotSet, AsyncKind::DoSnapshotSet);
        let pfs = if event == WriterEvent::PrepareForSnapshot {
            how
        } else {
            H::Ok
        };
        b.handle(S0, W0, WriterEvent::PrepareForSnapshot, set_of(S0), pfs)
            .step(S0, ProviderStep::EndPrepareSnapshots, Hresult::S_OK);
        if event == WriterEvent::Freeze {
            b.handle(S0, W0, WriterEvent::Freeze, set_of(S0), how);
        }
        b.push(TraceEvent::AbortRaised {
            session: S0,
            cause: AbortCause::WriterFailed { writer: W0, event },
        })
        .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok);
        dss_commit(&mut b, S0);
        b.step(S0, ProviderStep::PreFinalCommitSnapshots, Hresult::S_OK)
            .step(S0, ProviderStep::PostFinalCommitSnapshots, Hresult::S_OK)
            .push(TraceEvent::SetCreationEnded {
                session: S0,
                set: set_of(S0),
                outcome: SetOutcome::Created,
            })
            .complete(S0, AsyncKind::DoSnapshotSet, Hresult::VSS_S_ASYNC_FINISHED);
        backup_complete(&mut b, S0, &[]);
        release(&mut b, S0, Call::Release, &[W0], set_of(S0));
        b.build()
    }

    #[test]
    fn freeze_failure_raises_abort() {
        // R50b: OnFreeze returning false raises Abort for that writer.
        let report = judge(abort_for(
            WriterEvent::Freeze,
            H::False,
            Policies::default(),
        ));
        report.assert_clean();
    }

    #[test]
    fn r51_prepare_snapshot_failure_must_not_abort() {
        let records = abort_for(
            WriterEvent::PrepareForSnapshot,
            H::False,
            Policies::default(),
        );
        assert_only(&judge(records), Rule::R51, Party::Engine);
    }

    #[test]
    fn r65_veto_at_freeze_aborts_only_under_its_policy() {
        // Q15: a veto (SetWriterFailure + true) in OnFreeze.
        let veto = H::Veto(Hresult::VSS_E_WRITERERROR_RETRYABLE);
        let aborting = Policies {
            veto_at_freeze_thaw: VetoAtFreezeThaw::Abort,
            ..Policies::default()
        };
        judge(abort_for(WriterEvent::Freeze, veto, aborting)).assert_clean();
        let records = abort_for(WriterEvent::Freeze, veto, Policies::default());
        assert_only(&judge(records), Rule::R65, Party::Engine);
    }

    #[test]
    fn r53_second_abort_backup_is_ignored() {
        let mut records = abort_after_prepare();
        let release = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::Release,
                    ..
                }
            )
        });
        let first = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::AbortBackup,
                    ..
                }
            )
        });
        let again: Vec<_> = records[first..first + 4]
            .iter()
            .map(|r| r.event.clone())
            .collect();
        insert(&mut records, release, again);
        assert_only(&judge(records), Rule::R53, Party::Engine);
    }

    #[test]
    fn r50_abort_backup_cause_without_the_call() {
        let mut records = abort_after_prepare();
        let call = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::AbortBackup,
                    ..
                }
            )
        });
        records.remove(call);
        let report = judge(records);
        // R50 (no call); the requester then released without AbortBackup (R52).
        assert_eq!(rules(&report), [Rule::R50, Rule::R52], "{report}");
        assert_eq!(report.engine_violations().len(), 1, "{report}");
    }

    #[test]
    fn r99_freeze_timeout_cause_without_the_timer() {
        let mut records = freeze_timeout();
        let fired = find(&records, |e| matches!(e, TraceEvent::TimerFired { .. }));
        records.remove(fired);
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R99), "{report}");
        assert!(report.violations().iter().all(|v| v.party == Party::Engine));
    }
}
