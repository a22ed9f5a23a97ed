//! The guard table (T14, R41), serialization of set creation (R15), arguments (R13, R16, R17)
//! and asynchronous operations (R35–R38).

mod common;

use common::*;
use vss_sim::vocab::WriterEvent as E;
use vss_sim::vocab::{BackupState, Call, Hresult, ProviderId, Reply};
use vss_sim::writer::{Reaction, ScriptedWriter};

const BAD: Hresult = Hresult::VSS_E_BAD_STATE;

fn volume(name: &str) -> Call {
    Call::AddToSnapshotSet {
        volume: name.into(),
        provider: ProviderId::NULL,
    }
}

#[test]
fn r3_every_call_before_initialize_is_bad_state() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.dynamic();
    for call in [
        Call::SetContext { context: 0 },
        Call::SetBackupState(BackupState::default()),
        Call::GatherWriterMetadata,
        Call::StartSnapshotSet,
        Call::PrepareForBackup,
        Call::DoSnapshotSet,
        Call::BackupComplete,
        Call::GatherWriterStatus,
        Call::WriterStatus { index: 0 },
    ] {
        assert_eq!(bc.call(call.clone()), Err(BAD), "{}", call.method());
    }
    bc.call_ok(Call::InitializeForBackup).unwrap();
    assert_eq!(
        bc.call_ok(Call::InitializeForBackup),
        Err(BAD),
        "R2: one object, one backup"
    );
    // The refused BackupComplete is a requester violation (R26); the engine kept every rule.
    assert_engine_clean(&vss);
}

#[test]
fn r41_ordering_constraints() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    let key = {
        let mut probe = vss.dynamic();
        probe.call_ok(Call::InitializeForBackup).unwrap();
        probe.call_and_wait(Call::GatherWriterMetadata).unwrap();
        all_components(&mut probe).remove(0)
    };
    assert_eq!(
        bc.call_ok(Call::AddComponent(key.clone())),
        Err(BAD),
        "AddComponent needs metadata (R13)"
    );
    assert_eq!(
        bc.call(volume("C:\\")),
        Err(BAD),
        "AddToSnapshotSet needs StartSnapshotSet (R16)"
    );
    {
        // R9, R40: PrepareForBackup needs the writers' metadata (found by the property sweep,
        // seed 81: a PrepareForBackup before Identify reached no writer).
        let mut early = vss.dynamic();
        early.call_ok(Call::InitializeForBackup).unwrap();
        early
            .call_ok(Call::SetBackupState(BackupState::default()))
            .unwrap();
        early.call_ok(Call::StartSnapshotSet).unwrap();
        assert_eq!(early.call(Call::PrepareForBackup), Err(BAD));
        early.call_ok(Call::AbortBackup).unwrap();
    }
    assert_eq!(
        bc.call(Call::WriterStatusCount),
        Err(BAD),
        "GetWriterStatus needs GatherWriterStatus (R29)"
    );
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    assert_eq!(bc.call(Call::GatherWriterMetadata), Err(BAD), "R8: once");
    bc.call_ok(Call::AddComponent(key.clone())).unwrap();
    assert_eq!(
        bc.call_ok(Call::AddComponent(key)),
        Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS),
        "R13"
    );
    assert_eq!(
        bc.call(Call::PrepareForBackup),
        Err(BAD),
        "PrepareForBackup needs SetBackupState (R12)"
    );
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    assert_eq!(
        bc.call(Call::PrepareForBackup),
        Err(BAD),
        "PrepareForBackup needs StartSnapshotSet (R14)"
    );
    assert_eq!(
        bc.call(Call::DoSnapshotSet),
        Err(BAD),
        "DoSnapshotSet needs StartSnapshotSet (R22)"
    );
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    assert_eq!(
        bc.call(Call::SetContext { context: 0 }),
        Err(BAD),
        "SetContext before StartSnapshotSet (R5)"
    );
    assert_eq!(
        bc.call(Call::StartSnapshotSet),
        Err(BAD),
        "R14: one set per object"
    );
    assert_eq!(
        bc.call(Call::BackupComplete),
        Err(BAD),
        "BackupComplete needs DoSnapshotSet (R26)"
    );
    let component = all_components(&mut bc).remove(0);
    assert_eq!(
        bc.call(Call::SetBackupSucceeded {
            component,
            succeeded: true
        }),
        Err(BAD),
        "R25"
    );
    let op = start(&mut bc, Call::PrepareForBackup);
    assert_eq!(
        bc.call(Call::DoSnapshotSet),
        Err(BAD),
        "one operation at a time"
    );
    wait(&mut bc, op);
    assert_eq!(
        bc.call(Call::SetBackupState(BackupState::default())),
        Err(BAD),
        "SetBackupState before PrepareForBackup (R12)"
    );
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert_eq!(
        bc.call(volume("C:\\")),
        Err(BAD),
        "R19: the volume list is fixed"
    );
    bc.call_and_wait(Call::BackupComplete).unwrap();
    assert_eq!(bc.call(Call::BackupComplete), Err(BAD), "once");
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn bareos_1923_backup_complete_after_prepare_veto_is_bad_state() {
    // Field failure 9: writers veto PrepareForBackup; the requester skips DoSnapshotSet and calls
    // BackupComplete anyway.
    let vetoing = ScriptedWriter::new("MSSearch").on(
        E::PrepareForBackup,
        Reaction::veto(vss_sim::vocab::WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
    );
    let vss = machine(vec![vetoing]);
    let mut bc = prepared(&vss);
    assert_eq!(bc.call(Call::BackupComplete), Err(BAD));
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r15_one_set_in_creation_machine_wide() {
    let vss = machine(plain_writers(1));
    let mut first = prepared(&vss);
    let mut second = discovered(&vss);
    assert_eq!(
        second.call(Call::StartSnapshotSet),
        Err(Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS)
    );
    first.call_and_wait(Call::DoSnapshotSet).unwrap();
    // Finished sets coexist: the second requester may start now.
    second.call_ok(Call::StartSnapshotSet).unwrap();
    second.call_ok(Call::AbortBackup).unwrap();
    first.call_and_wait(Call::BackupComplete).unwrap();
    assert_clean(&vss);
}

#[test]
fn r16_r17_volume_arguments() {
    let vss = builder(plain_writers(1))
        .volume("C:\\")
        .volume("D:\\")
        .build();
    let mut bc = discovered(&vss);
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    assert_eq!(bc.call(volume("")), Err(Hresult::E_INVALIDARG));
    assert_eq!(
        bc.call(volume("Q:\\")),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert!(matches!(bc.call(volume("c:\\")), Ok(Reply::Snapshot(_))));
    assert_eq!(
        bc.call(volume("C:\\")),
        Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS)
    );
    let unknown = ProviderId::from_u128(42);
    assert_eq!(
        bc.call(Call::AddToSnapshotSet {
            volume: "D:\\".into(),
            provider: unknown
        }),
        Err(Hresult::VSS_E_PROVIDER_NOT_REGISTERED)
    );
    bc.call_ok(Call::AbortBackup).unwrap();
    assert_clean(&vss);
}

#[test]
fn r17_sixty_four_volumes_at_most() {
    let names: Vec<String> = (0..65)
        .map(|i| format!("\\\\?\\Volume{{{i:08}}}\\"))
        .collect();
    let vss = names
        .iter()
        .fold(builder(plain_writers(1)), |b, n| b.volume(n.clone()))
        .build();
    let mut bc = discovered(&vss);
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    for name in &names[..64] {
        bc.call(volume(name)).unwrap();
    }
    assert_eq!(
        bc.call(volume(&names[64])),
        Err(Hresult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED)
    );
}

#[test]
fn r36_r37_query_status_and_bounded_wait() {
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(
        bc.call(Call::QueryStatus { op }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_PENDING))
    );
    let start_ms = vss.now_ms();
    assert_eq!(
        bc.call(Call::Wait {
            op,
            timeout_ms: Some(1_000)
        }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_PENDING))
    );
    assert_eq!(
        vss.now_ms() - start_ms,
        1_000,
        "the requester waited one virtual second"
    );
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(
        bc.call(Call::QueryStatus { op }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_FINISHED))
    );
    // R38: Cancel after success returns VSS_S_ASYNC_FINISHED.
    assert_eq!(
        bc.call(Call::Cancel { op }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_FINISHED))
    );
    assert_eq!(
        bc.call(Call::QueryStatus {
            op: vss_sim::vocab::OpNo(99)
        }),
        Err(Hresult::E_INVALIDARG)
    );
    bc.call_and_wait(Call::BackupComplete).unwrap();
    assert_clean(&vss);
}

#[test]
fn r38_cancel_before_commit_aborts_the_creation() {
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 1_000);
    assert_eq!(
        bc.call(Call::Cancel { op }),
        Ok(Reply::Status(Hresult::S_OK))
    );
    assert_eq!(
        bc.call(Call::QueryStatus { op }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_CANCELLED))
    );
    assert_eq!(
        bc.call(Call::Cancel { op }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_CANCELLED))
    );
    // The writer is still in OnPrepareSnapshot (until 5 000 ms) and handles one event at a
    // time: its Abort comes when that handler returns.
    assert!(!events(&vss.trace(), S0, W0).contains(&E::Abort));
    assert_eq!(vss.advance_ms(4_000), None);
    assert!(events(&vss.trace(), S0, W0).contains(&E::Abort));
    bc.call_ok(Call::AbortBackup).unwrap(); // R54
    assert_clean(&vss);
}

#[test]
fn field_failure_1_cancel_after_commit_leaves_the_copy_and_thaws_writers() {
    // restic: Wait(timeout) then Cancel while the OS already made the shadow copy.
    let slow = ScriptedWriter::new("W0").on(E::PostSnapshot, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 1_000);
    assert_eq!(
        bc.call(Call::Cancel { op }),
        Ok(Reply::Status(Hresult::S_OK))
    );
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_CANCELLED);
    let w0 = events(&vss.trace(), S0, W0);
    assert!(w0.contains(&E::Thaw) && !w0.contains(&E::Abort));
    assert!(vss.trace().records().iter().any(|r| matches!(
        r.event,
        vss_sim::trace::TraceEvent::SetCreationEnded {
            outcome: vss_sim::trace::SetOutcome::Created,
            ..
        }
    )));
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn r5_set_context_arguments() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    assert_eq!(
        bc.call_ok(Call::SetContext {
            context: 0x0006_0000
        }),
        Err(Hresult::E_INVALIDARG)
    );
    bc.call_ok(Call::SetContext { context: 0x10 }).unwrap(); // FILE_SHARE_BACKUP: no writers
    assert_eq!(
        bc.call_ok(Call::SetContext { context: 0 }),
        Err(BAD),
        "once"
    );
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    assert_eq!(
        bc.call(Call::PrepareForBackup),
        Err(BAD),
        "R42: no PrepareForBackup without writers"
    );
    bc.call(volume("C:\\")).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    // R42: no writer events in a no-writer context.
    assert_eq!(events(&vss.trace(), S0, W0), [E::Identify]);
    assert_clean(&vss);
}

#[test]
fn r38_a_second_cancel_after_the_commit_says_cancelled() {
    let slow = ScriptedWriter::new("W0").on(E::PostSnapshot, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 1_000);
    assert_eq!(
        bc.call(Call::Cancel { op }),
        Ok(Reply::Status(Hresult::S_OK))
    );
    assert_eq!(
        bc.call(Call::Cancel { op }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_CANCELLED))
    );
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_CANCELLED);
    bc.call_ok(Call::AbortBackup).unwrap();
}
