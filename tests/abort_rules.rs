//! When Abort is raised, to whom, and what it does (R50–R56, R76, R89, R95, R99, Q2, Q3, Q15).

mod common;

use common::*;
use vss_sim::provider::SoftwareProvider;
use vss_sim::trace::oracle::{self, Party};
use vss_sim::trace::{AbortCause, ProviderStep, TraceEvent};
use vss_sim::vocab::Rule;
use vss_sim::vocab::{
    AbortBackupReach, Call, Hresult, Policies, VetoAtFreezeThaw, WriterAbortScope,
    WriterEvent as E, WriterFailure as F, WriterFailureResult, WriterState as St,
};
use vss_sim::writer::{Reaction, ScriptedWriter};

fn abort_causes(vss: &vss_sim::requester::Vss) -> Vec<AbortCause> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::AbortRaised { cause, .. } => Some(cause),
            _ => None,
        })
        .collect()
}

fn aborted_writers(vss: &vss_sim::requester::Vss) -> Vec<vss_sim::trace::WriterNo> {
    deliveries(&vss.trace())
        .into_iter()
        .filter(|d| d.2 == E::Abort)
        .map(|d| d.1)
        .collect()
}

#[test]
fn r50a_abort_backup_after_prepare_aborts_every_writer() {
    let vss = machine(plain_writers(2));
    let mut bc = prepared(&vss);
    bc.call_ok(Call::AbortBackup).unwrap();
    assert_eq!(aborted_writers(&vss), [W0, W1]);
    // R54: after AbortBackup the backup is over: no DoSnapshotSet, no BackupComplete.
    assert_eq!(bc.call(Call::DoSnapshotSet), Err(Hresult::VSS_E_BAD_STATE));
    assert_eq!(bc.call(Call::BackupComplete), Err(Hresult::VSS_E_BAD_STATE));
    drop(bc);
    // R57: BackupShutdown follows, with GUID_NULL (no shadow copy was created).
    let trace = vss.trace();
    assert_eq!(events(&trace, S0, W0).last(), Some(&E::BackupShutdown));
    assert!(trace.records().iter().any(|r| matches!(r.event,
        TraceEvent::Delivered { event: E::BackupShutdown, set, .. } if set.is_null())));
    // The refused BackupComplete is still the requester's mistake (R26, field failure 9).
    let report = oracle::check(&trace);
    let rules: Vec<_> = report
        .violations()
        .iter()
        .map(|v| (v.rule, v.party))
        .collect();
    assert_eq!(rules, [(Rule::R26, Party::Requester)], "{report}");
}

#[test]
fn r53_abort_backup_with_nothing_under_way_is_ignored() {
    let vss = machine(plain_writers(1));
    let mut bc = discovered(&vss);
    bc.call_ok(Call::AbortBackup).unwrap(); // S_OK, no events
    assert!(abort_causes(&vss).is_empty());
    // The object is still usable.
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    assert_clean(&vss);
}

#[test]
fn r53_abort_backup_needs_an_initialized_object() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.dynamic();
    assert_eq!(bc.call_ok(Call::AbortBackup), Err(Hresult::VSS_E_BAD_STATE));
}

#[test]
fn q2_abort_backup_reach_from_start_snapshot_set_reaches_unprepared_writers() {
    for (reach, expected) in [
        (AbortBackupReach::FromPrepareForBackup, 0),
        (AbortBackupReach::FromStartSnapshotSet, 1),
    ] {
        let vss = machine_with(
            Policies {
                abort_backup_reach: reach,
                ..Policies::default()
            },
            plain_writers(1),
        );
        let mut bc = discovered(&vss);
        bc.call_ok(Call::StartSnapshotSet).unwrap();
        bc.call_ok(Call::AbortBackup).unwrap();
        assert_eq!(aborted_writers(&vss).len(), expected, "{reach:?}");
        assert_clean(&vss);
    }
}

#[test]
fn r50b_freeze_failure_aborts_the_failing_writer_and_the_copy_is_still_made() {
    let failing =
        ScriptedWriter::new("W1").on(E::Freeze, Reaction::fatal(F::VSS_E_WRITERERROR_RETRYABLE));
    let vss = machine(vec![ScriptedWriter::new("W0"), failing]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    // Q4 default: vetoes only visible through writer status.
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(
        abort_causes(&vss),
        [AbortCause::WriterFailed {
            writer: W1,
            event: E::Freeze
        }]
    );
    assert_eq!(aborted_writers(&vss), [W1]); // Q3 default: the failing writer only
                                             // R75: FAILED_AT_FREEZE with the code given to SetWriterFailure; Q12: kept after Abort.
    assert_eq!(
        state(&vss, S0, 1),
        (
            St::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_RETRYABLE
        )
    );
    // R55: after OnAbort no further events of the operation.
    let w1 = events(&vss.trace(), S0, W1);
    assert_eq!(w1[w1.len() - 2..], [E::Freeze, E::Abort]);
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_WAITING_FOR_BACKUP_COMPLETE);
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r50b_thaw_failure_aborts() {
    let failing =
        ScriptedWriter::new("W0").on(E::Thaw, Reaction::fatal(F::VSS_E_WRITERERROR_NONRETRYABLE));
    let vss = machine(vec![failing]);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert_eq!(
        abort_causes(&vss),
        [AbortCause::WriterFailed {
            writer: W0,
            event: E::Thaw
        }]
    );
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_FAILED_AT_THAW);
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn q3_all_writers_scope_fails_the_creation() {
    let policies = Policies {
        writer_abort_scope: WriterAbortScope::AllWriters,
        ..Policies::default()
    };
    let failing =
        ScriptedWriter::new("W1").on(E::Freeze, Reaction::fatal(F::VSS_E_WRITERERROR_RETRYABLE));
    let vss = machine_with(policies, vec![ScriptedWriter::new("W0"), failing]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_UNEXPECTED);
    assert_eq!(aborted_writers(&vss), [W0, W1]);
    assert!(vss.trace().records().iter().any(|r| matches!(
        r.event,
        TraceEvent::ProviderCalled {
            step: ProviderStep::AbortSnapshots,
            ..
        }
    )));
    bc.call_ok(Call::AbortBackup).unwrap(); // R54
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn q4_writer_failure_can_fail_do_snapshot_set() {
    let policies = Policies {
        writer_failure_result: WriterFailureResult::FailWith(Hresult::VSS_E_UNEXPECTED),
        ..Policies::default()
    };
    let vetoing = ScriptedWriter::new("W0").on(
        E::PrepareForSnapshot,
        Reaction::veto(F::VSS_E_WRITERERROR_OUTOFRESOURCES),
    );
    let vss = machine_with(policies, vec![vetoing]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_UNEXPECTED);
    assert_eq!(bc.call(Call::BackupComplete), Err(Hresult::VSS_E_BAD_STATE)); // R26
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r51_prepare_snapshot_and_post_snapshot_failures_do_not_abort() {
    let w0 = ScriptedWriter::new("W0").on(
        E::PrepareForSnapshot,
        Reaction::fatal(F::VSS_E_WRITERERROR_RETRYABLE),
    );
    let w1 = ScriptedWriter::new("W1").on(
        E::PostSnapshot,
        Reaction::fatal(F::VSS_E_WRITERERROR_NONRETRYABLE),
    );
    let vss = machine(vec![w0, w1]);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert!(abort_causes(&vss).is_empty());
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT); // sticky failure
    assert_eq!(state(&vss, S0, 1).0, St::VSS_WS_FAILED_AT_POST_SNAPSHOT);
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn q15_veto_at_freeze_aborts_only_under_the_abort_policy() {
    for (policy, aborts) in [
        (VetoAtFreezeThaw::NoAbort, false),
        (VetoAtFreezeThaw::Abort, true),
    ] {
        let vetoing =
            ScriptedWriter::new("W0").on(E::Freeze, Reaction::veto(F::VSS_E_WRITERERROR_RETRYABLE));
        let vss = machine_with(
            Policies {
                veto_at_freeze_thaw: policy,
                ..Policies::default()
            },
            vec![vetoing],
        );
        let mut bc = prepared(&vss);
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        assert_eq!(!abort_causes(&vss).is_empty(), aborts, "{policy:?}");
        // R75: a veto sets FAILED_AT_FREEZE either way.
        assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_FAILED_AT_FREEZE);
        drop(bc);
        assert_engine_clean(&vss);
    }
}

#[test]
fn r76_r99_freeze_window_expiry_aborts_with_timeout() {
    // W0 freezes first; W1 takes 61 s in its own OnFreeze, so W0's 60 s window runs out.
    let w1 = ScriptedWriter::new("W1").on(E::Freeze, Reaction::slow(61_000));
    let vss = machine(vec![ScriptedWriter::new("W0"), w1]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED); // Q3/Q4 defaults
    assert!(abort_causes(&vss).contains(&AbortCause::FreezeTimeout { writer: W0 }));
    assert_eq!(
        state(&vss, S0, 0),
        (
            St::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_TIMEOUT
        )
    );
    // R55: no Thaw for the aborted writer.
    assert!(!events(&vss.trace(), S0, W0).contains(&E::Thaw));
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r99_thaw_exactly_at_the_deadline_is_in_time() {
    let w1 = ScriptedWriter::new("W1").on(E::Freeze, Reaction::slow(60_000));
    let vss = machine(vec![ScriptedWriter::new("W0"), w1]);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert!(abort_causes(&vss).is_empty());
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn q8_freeze_timer_start_decides_whether_the_own_freeze_counts() {
    use vss_sim::vocab::FreezeTimerStart;
    for (start_policy, times_out) in [
        (FreezeTimerStart::OnFreezeDelivered, true),
        (FreezeTimerStart::OnFreezeReturned, false),
    ] {
        let w0 = ScriptedWriter::new("W0").on(E::Freeze, Reaction::slow(61_000));
        let vss = machine_with(
            Policies {
                freeze_timer_start: start_policy,
                ..Policies::default()
            },
            vec![w0],
        );
        let mut bc = prepared(&vss);
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        assert_eq!(
            abort_causes(&vss).contains(&AbortCause::FreezeTimeout { writer: W0 }),
            times_out,
            "{start_policy:?}"
        );
        drop(bc);
        assert_engine_clean(&vss);
    }
}

#[test]
fn r89_commit_over_ten_seconds_is_hold_writes_timeout() {
    let vss = builder(plain_writers(2))
        .provider(SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, 10_001))
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_HOLD_WRITES_TIMEOUT);
    assert_eq!(
        abort_causes(&vss),
        [AbortCause::CreationFailed {
            hr: Hresult::VSS_E_HOLD_WRITES_TIMEOUT
        }]
    );
    assert_eq!(aborted_writers(&vss), [W0, W1]);
    // R54: the requester aborts anyway and releases; no BackupComplete.
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn r89_commit_of_exactly_ten_seconds_is_in_time() {
    let vss = builder(plain_writers(1))
        .provider(SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, 10_000))
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r95_provider_failure_after_prepare_for_snapshot_aborts_and_r94_maps_codes() {
    for (step, returned, reported) in [
        (
            ProviderStep::EndPrepareSnapshots,
            Hresult::VSS_E_INSUFFICIENT_STORAGE,
            Hresult::VSS_E_INSUFFICIENT_STORAGE,
        ),
        (
            ProviderStep::PreCommitSnapshots,
            Hresult::VSS_E_PROVIDER_VETO,
            Hresult::VSS_E_PROVIDER_VETO,
        ),
        (
            ProviderStep::PreFinalCommitSnapshots,
            Hresult::E_UNEXPECTED,
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
        ),
    ] {
        let vss = builder(plain_writers(1))
            .provider(SoftwareProvider::system().with_result(step, returned))
            .build();
        let mut bc = prepared(&vss);
        let op = start(&mut bc, Call::DoSnapshotSet);
        assert_eq!(wait(&mut bc, op), reported, "{step:?}");
        assert_eq!(
            abort_causes(&vss),
            [AbortCause::CreationFailed { hr: reported }]
        );
        assert_eq!(aborted_writers(&vss), [W0]);
        bc.call_ok(Call::AbortBackup).unwrap();
        drop(bc);
        assert_clean(&vss);
    }
}

#[test]
fn r55_no_abort_after_post_snapshot_and_repeats_are_possible() {
    let slow = ScriptedWriter::new("W0").on(E::Freeze, Reaction::slow(61_000));
    let vss = machine(vec![slow, ScriptedWriter::new("W1")]);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    // W0 timed out at 60 s, inside its 61 s OnFreeze (one Abort, delivered when OnFreeze
    // returns: a writer handles one event at a time); W1 finished PostSnapshot. AbortBackup now
    // reaches W0 again only.
    bc.call_ok(Call::AbortBackup).unwrap();
    assert_eq!(aborted_writers(&vss), [], "W0 is still inside OnFreeze");
    assert_eq!(vss.advance_ms(1_000), None);
    assert_eq!(aborted_writers(&vss), [W0, W0]);
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn planted_bug_abort_after_post_snapshot_is_caught_by_the_oracle() {
    use vss_sim::coordinator::PlantedBug;
    let vss = builder(plain_writers(1))
        .planted_bug(PlantedBug::AbortAfterPostSnapshot)
        .build();
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    let report = vss_sim::trace::oracle::check(&vss.trace());
    let rules: Vec<Rule> = report.engine_violations().iter().map(|v| v.rule).collect();
    assert!(
        rules.contains(&Rule::R55),
        "the oracle must catch the planted bug: {report}"
    );
}

#[test]
fn r89_a_failing_commit_that_outlives_the_hold_window_is_hold_writes_timeout() {
    // Regression (found by the property sweep, seed 2): the failure takes effect when the
    // provider call returns, after the kernel already gave up on the hold.
    let provider = SoftwareProvider::system()
        .with_duration(ProviderStep::CommitSnapshots, 10_001)
        .with_result(ProviderStep::CommitSnapshots, Hresult::VSS_E_PROVIDER_VETO);
    let vss = builder(plain_writers(1)).provider(provider).build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_HOLD_WRITES_TIMEOUT);
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn q2_abort_backup_during_do_snapshot_set_follows_the_reach_policy() {
    // Regression (property sweep, seed 1): AbortBackup while DoSnapshotSet is pending reaches
    // identified writers without PrepareForBackup under FromStartSnapshotSet.
    let policies = Policies {
        abort_backup_reach: AbortBackupReach::FromStartSnapshotSet,
        ..Policies::default()
    };
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(1_000));
    let vss = machine_with(policies, vec![slow, ScriptedWriter::new("W1")]);
    let mut bc = discovered(&vss);
    let w0_only = all_components(&mut bc).remove(0);
    let _ = w0_only; // both writers are selected by `discovered`
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 500);
    bc.call_ok(Call::AbortBackup).unwrap();
    // W0 is inside its 1 s OnPrepareSnapshot: its Abort comes when that returns.
    assert_eq!(aborted_writers(&vss), [W1]);
    assert_eq!(vss.advance_ms(500), None);
    assert_eq!(aborted_writers(&vss), [W1, W0]);
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn r89_no_commit_after_the_hold_window_expired() {
    // Review finding: with two providers, the second CommitSnapshots ran after the first one's
    // 12 s commit had outlived the hold window.
    let slow = SoftwareProvider::new(vss_sim::vocab::ProviderId::from_u128(1), "slow")
        .with_volumes(["C:\\"])
        .with_duration(ProviderStep::CommitSnapshots, 12_000);
    let other = SoftwareProvider::system().with_volumes(["D:\\"]);
    let vss = builder(plain_writers(1))
        .provider(slow)
        .provider(other)
        .volume("C:\\")
        .volume("D:\\")
        .build();
    let mut bc = discovered(&vss);
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    for volume in ["C:\\", "D:\\"] {
        bc.call_ok(Call::AddToSnapshotSet {
            volume: volume.into(),
            provider: Default::default(),
        })
        .unwrap();
    }
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_HOLD_WRITES_TIMEOUT);
    let commits = vss
        .trace()
        .records()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::ProviderCalled {
                    step: ProviderStep::CommitSnapshots,
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        commits, 1,
        "no CommitSnapshots after the hold expired (R89)"
    );
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn r89_a_cancel_after_the_hold_expired_still_reports_the_timeout() {
    let vss = builder(plain_writers(1))
        .provider(SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, 12_000))
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 11_000);
    bc.call(Call::Cancel { op }).unwrap();
    assert_eq!(
        bc.call(Call::QueryStatus { op }),
        Ok(vss_sim::vocab::Reply::Status(
            Hresult::VSS_E_HOLD_WRITES_TIMEOUT
        ))
    );
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r92_abort_snapshots_only_between_end_prepare_and_commit() {
    let provider_steps = |vss: &vss_sim::requester::Vss| -> Vec<ProviderStep> {
        vss.trace()
            .records()
            .iter()
            .filter_map(|r| match r.event {
                TraceEvent::ProviderCalled { step, .. } => Some(step),
                _ => None,
            })
            .collect()
    };
    // Cancelled during PrepareForSnapshot, before EndPrepareSnapshots: the provider hears nothing.
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 1_000);
    bc.call(Call::Cancel { op }).unwrap();
    assert_eq!(provider_steps(&vss), [ProviderStep::BeginPrepareSnapshot]);
    // Aborted during PostSnapshot, after the commit: no AbortSnapshots; the copies are deleted.
    let slow = ScriptedWriter::new("W0").on(E::PostSnapshot, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 1_000);
    bc.call_ok(Call::AbortBackup).unwrap();
    assert!(!provider_steps(&vss).contains(&ProviderStep::AbortSnapshots));
    assert!(vss
        .trace()
        .records()
        .iter()
        .any(|r| matches!(r.event, TraceEvent::SnapshotsDeleted { .. })));
    drop(bc);
    assert_engine_clean(&vss);
}
