//! BackupShutdown and release (R32, R52, R57, R104, Q20, field failure 12).

mod common;

use common::*;
use vss_sim::trace::TraceEvent;
use vss_sim::vocab::Rule;
use vss_sim::vocab::{
    Call, Hresult, Policies, ShutdownFor, ShutdownSetIdAfterCrash, SnapshotSetId, WriterEvent as E,
};
use vss_sim::writer::{Reaction, ScriptedWriter};

fn shutdown_sets(vss: &vss_sim::requester::Vss) -> Vec<(vss_sim::trace::SessionNo, SnapshotSetId)> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::Delivered {
                session,
                event: E::BackupShutdown,
                set,
                ..
            } => Some((session, set)),
            _ => None,
        })
        .collect()
}

#[test]
fn r57_release_after_backup_complete_sends_shutdown_with_the_set_id() {
    let vss = machine(plain_writers(1));
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    let set = vss.trace().snapshot_set(S0).expect("a set was started");
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(shutdown_sets(&vss), [(S0, set)]);
    // R104: auto-release copies deleted on release.
    assert!(vss
        .trace()
        .records()
        .iter()
        .any(|r| matches!(r.event, TraceEvent::SnapshotsDeleted { count: 1, .. })));
    // A released object answers nothing any more.
    assert_eq!(
        bc.call(Call::GatherWriterStatus),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    assert_clean(&vss);
}

#[test]
fn r57_crash_mid_freeze_gives_abort_then_shutdown_only() {
    let vss = machine(vec![
        ScriptedWriter::new("W0").on(E::Freeze, Reaction::slow(1_000)),
        ScriptedWriter::new("W1"),
    ]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 500); // W0 is in OnFreeze until 1 000 ms
    bc.call_ok(Call::Crash).unwrap();
    // A writer handles one event at a time (SERIAL): Abort and BackupShutdown wait for
    // OnFreeze to return.
    assert_eq!(events(&vss.trace(), S0, W0).last(), Some(&E::Freeze));
    vss.settle();
    let w0 = events(&vss.trace(), S0, W0);
    assert_eq!(w0[w0.len() - 3..], [E::Freeze, E::Abort, E::BackupShutdown]);
    // No shadow copy was created: GUID_NULL (R57).
    assert!(shutdown_sets(&vss).iter().all(|(_, set)| set.is_null()));
    // The R15 window is closed: another requester can start a set.
    let mut next = discovered(&vss);
    next.call_ok(Call::StartSnapshotSet).unwrap();
    assert_engine_clean(&vss);
}

#[test]
fn r57_crash_after_snapshot_sends_shutdown_without_backup_complete() {
    let vss = machine(plain_writers(1));
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::Crash).unwrap();
    let w0 = events(&vss.trace(), S0, W0);
    assert_eq!(w0[w0.len() - 2..], [E::PostSnapshot, E::BackupShutdown]);
    assert!(!shutdown_sets(&vss)[0].1.is_null(), "the copy was created");
    assert_engine_clean(&vss);
}

#[test]
fn r52_release_after_prepare_without_abort_is_a_requester_violation() {
    let vss = machine(plain_writers(1));
    let bc = prepared(&vss);
    drop(bc);
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    assert!(
        report.violations().iter().any(|v| v.rule == Rule::R52),
        "{report}"
    );
}

#[test]
fn q20_metadata_only_instance_gets_shutdown_only_under_every_backup_instance() {
    for (policy, shutdowns) in [
        (ShutdownFor::BackupParticipants, 0),
        (ShutdownFor::EveryBackupInstance, 1),
    ] {
        let vss = machine_with(
            Policies {
                shutdown_for: policy,
                ..Policies::default()
            },
            plain_writers(1),
        );
        let bc = discovered(&vss);
        drop(bc);
        assert_eq!(shutdown_sets(&vss).len(), shutdowns, "{policy:?}");
        assert_clean(&vss);
    }
}

#[test]
fn r57_after_a_crash_the_id_may_belong_to_another_backup() {
    let policies = Policies {
        shutdown_set_id_after_crash: ShutdownSetIdAfterCrash::OtherBackupWhenPresent,
        ..Policies::default()
    };
    let vss = machine_with(policies, plain_writers(1));
    let mut first = prepared(&vss);
    first.call_and_wait(Call::DoSnapshotSet).unwrap();
    let mut second = prepared(&vss);
    let second_set = vss.trace().snapshot_set(S1).expect("a set was started");
    first.call_ok(Call::Crash).unwrap();
    assert_eq!(shutdown_sets(&vss), [(S0, second_set)]);
    second.call_ok(Call::AbortBackup).unwrap();
    assert_engine_clean(&vss);
}

#[test]
fn persistent_contexts_keep_their_copies_on_release() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext { context: 0x09 }).unwrap(); // VSS_CTX_APP_ROLLBACK
    bc.call_ok(Call::SetBackupState(Default::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    for key in all_components(&mut bc) {
        bc.call_ok(Call::AddComponent(key)).unwrap();
    }
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: Default::default(),
    })
    .unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    // R104: APP_ROLLBACK copies are persistent; nothing is deleted.
    assert!(!vss
        .trace()
        .records()
        .iter()
        .any(|r| matches!(r.event, TraceEvent::SnapshotsDeleted { .. })));
    assert_clean(&vss);
}
