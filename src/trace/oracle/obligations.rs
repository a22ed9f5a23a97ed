//! Requester obligations (R25, R26, R52, R54), with the engine's side of each: without a
//! successful `DoSnapshotSet` (failed, cancelled, pending or never called) the requester must
//! not call `SetBackupSucceeded` or `BackupComplete` (and the engine must refuse them, T14); once it raised PrepareForBackup it must
//! not simply `Release` the object: `AbortBackup` first, unless the backup completed. A crash is
//! not a requester violation.

use super::{Cx, Rules, Situation};
use crate::trace::{SessionNo, TraceEvent};
use crate::vocab::Rule;
use crate::vocab::{Call, Hresult};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R25, Rule::R26, Rule::R52, Rule::R54];

/// The requester-obligation rules.
#[derive(Debug, Default)]
pub(super) struct ObligationRules;

impl Rules for ObligationRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        if let TraceEvent::Called { session, call, hr } = event {
            match call {
                Call::BackupComplete | Call::SetBackupSucceeded { .. } => {
                    after_snapshot(cx, *session, call, *hr);
                }
                Call::Release if hr.is_success() => released(cx, *session),
                _ => {}
            }
        }
    }
}

/// R25, R26: `SetBackupSucceeded` and `BackupComplete` only after a successful DoSnapshotSet.
fn after_snapshot(cx: &mut Cx<'_>, s: SessionNo, call: &Call, hr: Hresult) {
    let Some(session) = cx.model.session(s) else {
        return;
    };
    if session.gone.is_some() {
        return; // shutdown.rs: calls on a released object (R32).
    }
    let rule = if matches!(call, Call::BackupComplete) {
        Rule::R26
    } else {
        Rule::R25
    };
    let method = call.method();
    let at = cx.now.at_ms;
    if let Some((dss_hr, when)) = session.dss.failed() {
        if rule == Rule::R26 {
            cx.cover(Situation::CompleteAfterFailure);
        }
        cx.requester(
            rule,
            format!(
                "{s} called {method} at {at} ms after its DoSnapshotSet ended with {dss_hr} at \
                 {} ms",
                when.at_ms
            ),
        );
    } else if !session.dss.succeeded() {
        // Field failure 9 (bareos #1923): BackupComplete after a PrepareForBackup veto, with
        // no shadow copy made; Windows answers VSS_E_BAD_STATE ("not called in correct
        // sequence").
        let state = if session.dss.called.is_some() {
            "before its DoSnapshotSet completed"
        } else {
            "without a DoSnapshotSet"
        };
        cx.requester(rule, format!("{s} called {method} at {at} ms {state}"));
    }
    if hr.is_success() && !session.dss.succeeded() {
        let state = match session.dss.completed {
            Some((dss_hr, _)) => format!("ended with {dss_hr}"),
            None if session.dss.called.is_some() => "had not completed".to_string(),
            None => "was never called".to_string(),
        };
        cx.engine(
            rule,
            format!(
                "{s}'s {method} at {at} ms returned {hr} although its DoSnapshotSet {state}; \
                 T14 requires VSS_E_BAD_STATE"
            ),
        );
    }
}

/// R52, R54: releasing an object that raised PrepareForBackup needs AbortBackup first.
fn released(cx: &mut Cx<'_>, s: SessionNo) {
    let Some(session) = cx.model.session(s) else {
        return;
    };
    let Some(prepared) = session.pfb.called else {
        return;
    };
    if session.gone.is_some() {
        return;
    }
    cx.cover(Situation::ReleasedAfterPrepare);
    let prepare_failed = session
        .pfb
        .completed
        .is_some_and(|(hr, _)| hr != Hresult::VSS_S_ASYNC_FINISHED);
    let aborted = session
        .abort_backup_calls
        .iter()
        .any(|call| call.index > prepared.index);
    let completed = session.backup_complete.completed.is_some();
    if prepare_failed || aborted || completed {
        return;
    }
    let at = cx.now.at_ms;
    match session.dss.failed() {
        Some((hr, when)) => cx.requester(
            Rule::R54,
            format!(
                "{s} was released at {at} ms after its DoSnapshotSet failed with {hr} at {} ms, \
                 without calling AbortBackup",
                when.at_ms
            ),
        ),
        None => cx.requester(
            Rule::R52,
            format!(
                "{s} was released at {at} ms after raising PrepareForBackup at {} ms, without \
                 AbortBackup and without a completed BackupComplete",
                prepared.at_ms
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{ProviderStep, SetOutcome, TraceEvent};
    use crate::vocab::Rule;
    use crate::vocab::{AsyncKind, Call, Hresult, SnapshotSetId, WriterEvent};

    /// DoSnapshotSet fails at EndPrepareSnapshots: W0 is aborted, the set discarded.
    fn failed_snapshot() -> Builder {
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        prepare(&mut b, S0, &[W0], &[W0]);
        b.start(S0, Call::DoSnapshotSet, AsyncKind::DoSnapshotSet)
            .advance(1)
            .handle(S0, W0, WriterEvent::PrepareForSnapshot, set_of(S0), H::Ok)
            .step(
                S0,
                ProviderStep::EndPrepareSnapshots,
                Hresult::VSS_E_INSUFFICIENT_STORAGE,
            )
            .push(TraceEvent::AbortRaised {
                session: S0,
                cause: crate::trace::AbortCause::CreationFailed {
                    hr: Hresult::VSS_E_INSUFFICIENT_STORAGE,
                },
            })
            .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok)
            .step(S0, ProviderStep::AbortSnapshots, Hresult::S_OK)
            .push(TraceEvent::SetCreationEnded {
                session: S0,
                set: set_of(S0),
                outcome: SetOutcome::Failed(Hresult::VSS_E_INSUFFICIENT_STORAGE),
            })
            .complete(
                S0,
                AsyncKind::DoSnapshotSet,
                Hresult::VSS_E_INSUFFICIENT_STORAGE,
            )
            .advance(1);
        b
    }

    #[test]
    fn failed_snapshot_then_abort_backup_is_clean() {
        // R54: the requester aborts after a failed DoSnapshotSet, then releases.
        let mut b = failed_snapshot();
        b.ok(S0, Call::AbortBackup);
        release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
        let report = judge(b.build());
        report.assert_clean();
        assert!(report
            .coverage()
            .reached(super::super::Situation::AbortCreationFailed));
    }

    #[test]
    fn r54_release_after_failed_snapshot_without_abort_backup() {
        let mut b = failed_snapshot();
        release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
        assert_only(&judge(b.build()), Rule::R54, Party::Requester);
    }

    #[test]
    fn r26_backup_complete_after_failed_snapshot() {
        // R26: the requester is at fault; the engine refuses with VSS_E_BAD_STATE.
        let mut b = failed_snapshot();
        b.call(S0, Call::BackupComplete, Hresult::VSS_E_BAD_STATE)
            .ok(S0, Call::AbortBackup);
        release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
        let records = b.build();
        let report = judge(records.clone());
        assert_only(&report, Rule::R26, Party::Requester);
        assert!(report
            .coverage()
            .reached(super::super::Situation::CompleteAfterFailure));

        // The engine accepting it is an engine violation too.
        let mut records = records;
        let at = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::BackupComplete,
                    ..
                }
            )
        });
        if let TraceEvent::Called { hr, .. } = &mut records[at].event {
            *hr = Hresult::S_OK;
        }
        let report = judge(records);
        assert_eq!(report.engine_violations().len(), 1, "{report}");
        assert_eq!(report.violations_by(Party::Requester).len(), 1, "{report}");
    }

    #[test]
    fn r25_set_backup_succeeded_after_failed_snapshot() {
        let mut b = failed_snapshot();
        let component = crate::vocab::ComponentKey {
            instance_id: crate::vocab::WriterInstanceId::from_u128(0x1000),
            writer_id: crate::vocab::WriterClassId::from_u128(0x2000),
            component_type: crate::vocab::ComponentType::VSS_CT_DATABASE,
            logical_path: None,
            name: "db".into(),
        };
        b.call(
            S0,
            Call::SetBackupSucceeded {
                component,
                succeeded: false,
            },
            Hresult::VSS_E_BAD_STATE,
        )
        .ok(S0, Call::AbortBackup);
        release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
        assert_only(&judge(b.build()), Rule::R25, Party::Requester);
    }

    #[test]
    fn r52_release_after_prepare_for_backup() {
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        prepare(&mut b, S0, &[W0], &[W0]);
        release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
        let records = b.build();
        let report = judge(records.clone());
        assert_only(&report, Rule::R52, Party::Requester);
        assert!(report
            .coverage()
            .reached(super::super::Situation::ReleasedAfterPrepare));

        // A crash is not the requester's fault.
        let mut crashed = records;
        let at = find(&crashed, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::Release,
                    ..
                }
            )
        });
        if let TraceEvent::Called { call, .. } = &mut crashed[at].event {
            *call = Call::Crash;
        }
        judge(crashed).assert_clean();
    }
}
