//! The typestate requester API: flows, each step's own failure state and its recoveries,
//! bounded and unbounded waits, cancel without a wait, release and crash.

mod common;

use common::*;
use vss_sim::coordinator::Limits;
use vss_sim::provider::SoftwareProvider;
use vss_sim::requester::{Vss, WaitError, Waited};
use vss_sim::trace::ProviderStep;
use vss_sim::vocab::{
    Attributes, BackupState, Bound, Context, Hresult, SnapshotContext, WriterEvent as E,
    WriterFailure as F, WriterState as St,
};
use vss_sim::writer::{Reaction, ScriptedWriter};

#[test]
fn full_backup_through_the_typed_api() {
    let vss = machine(plain_writers(2));
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    // R10, R40 step 6: the requester reads each writer's metadata through the core.
    let metadata = discovered.writer_metadata().unwrap();
    assert_eq!(metadata.len(), 2);
    assert_eq!(metadata[1].identity.name, "W1");
    assert_eq!(metadata[1].components[0].key.name, "W1");
    assert_eq!(discovered.select_all_components().unwrap(), 2);
    let mut started = discovered.start_snapshot_set().unwrap();
    let snapshot = started.add_to_snapshot_set("C:\\").unwrap();
    let set = started.snapshot_set_id();
    assert!(!set.is_null());
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let mut done = prepared.do_snapshot_set().unwrap().wait().unwrap();
    let properties = done.snapshot_properties(snapshot).unwrap();
    assert_eq!(properties.snapshot_set_id, set);
    // The original volume by its volume GUID path, as Windows reports it.
    assert_eq!(
        Some(properties.original_volume.clone()),
        vss.volume_guid_path("C:\\")
    );
    assert!(properties
        .device_object
        .starts_with("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy"));
    let mut completed = done.backup_complete().unwrap().wait().unwrap();
    assert!(completed
        .writer_status()
        .unwrap()
        .iter()
        .all(|s| s.state == St::VSS_WS_STABLE));
    completed.release();
    assert_eq!(
        events(&vss.trace(), S0, W1).last(),
        Some(&E::BackupShutdown)
    );
    assert_clean(&vss);
}

#[test]
fn a_failed_start_snapshot_set_gives_the_object_back_for_a_retry() {
    let vss = machine(plain_writers(1));
    let mut first = prepared(&vss);
    let bc = vss.backup_components().initialize_for_backup().unwrap();
    let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    let error = discovered.start_snapshot_set().unwrap_err();
    assert_eq!(error.hr, Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS); // R15
    first
        .call_and_wait(vss_sim::vocab::Call::DoSnapshotSet)
        .unwrap();
    let started = error
        .components
        .start_snapshot_set()
        .expect("retry succeeds once the first set is made");
    started.abort_backup().release();
    first
        .call_and_wait(vss_sim::vocab::Call::BackupComplete)
        .unwrap();
    assert_engine_clean(&vss);
}

#[test]
fn a_failed_do_snapshot_set_leaves_abort_and_release() {
    let vss = builder(plain_writers(1))
        .provider(
            SoftwareProvider::system()
                .with_result(ProviderStep::CommitSnapshots, Hresult::VSS_E_PROVIDER_VETO),
        )
        .build();
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let mut started = discovered.start_snapshot_set().unwrap();
    started.add_to_snapshot_set("C:\\").unwrap();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let failed = prepared
        .do_snapshot_set()
        .unwrap()
        .wait()
        .unwrap_err()
        .failed()
        .expect("a failure, not a bound");
    assert_eq!(failed.hr, Hresult::VSS_E_PROVIDER_VETO);
    let mut aborted = failed.components.abort_backup(); // R54
    assert_eq!(aborted.writer_status().unwrap()[0].state, St::VSS_WS_STABLE); // Q12 default
    drop(aborted);
    assert_clean(&vss);
}

#[test]
fn a_cancelled_gather_can_be_retried_with_a_new_object() {
    let slow = ScriptedWriter::new("W0").on(E::Identify, Reaction::slow(5_000));
    let vss = machine(vec![slow]);
    let bc = vss.backup_components().initialize_for_backup().unwrap();
    let mut pending = bc.gather_writer_metadata().unwrap();
    // R38: Cancel answers at once; the operation stays in hand until it ends.
    assert_eq!(pending.cancel(), Hresult::S_OK);
    assert_eq!(pending.query_status(), Hresult::VSS_S_ASYNC_CANCELLED);
    let failed = pending.wait().unwrap_err().failed().unwrap();
    assert_eq!(failed.hr, Hresult::VSS_S_ASYNC_CANCELLED);
    // R2: start over with a new object; the first is released.
    let retried = failed.components.retry().initialize_for_backup().unwrap();
    let mut discovered = retried.gather_writer_metadata().unwrap().wait().unwrap();
    assert_eq!(discovered.writer_metadata_count(), Ok(1));
    drop(discovered);
    assert_clean(&vss);
}

#[test]
fn a_failed_prepare_for_backup_offers_abort_or_release() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let started = discovered.start_snapshot_set().unwrap();
    let mut pending = started.prepare_for_backup().unwrap();
    assert_eq!(pending.cancel(), Hresult::S_OK);
    let failed = pending.wait().unwrap_err().failed().unwrap();
    let mut failed = failed.components;
    // The status of a prepared-then-cancelled backup can still be read (R30).
    assert_eq!(failed.writer_status().unwrap().len(), 1);
    failed.abort_backup().release(); // R52, R54
    assert_clean(&vss);
}

#[test]
fn status_can_be_gathered_without_reading_it() {
    // R27: after BackupComplete the requester gathers status once more; it need not read it.
    let vss = machine(plain_writers(1));
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let started = discovered.start_snapshot_set().unwrap();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let done = prepared.do_snapshot_set().unwrap().wait().unwrap();
    let completed = done.backup_complete().unwrap().wait().unwrap();
    let mut completed = completed.gather_writer_status().unwrap().wait().unwrap();
    assert_eq!(completed.writer_status_count(), Ok(1));
    assert_eq!(
        completed.writer_status_at(0).unwrap().state,
        St::VSS_WS_STABLE
    );
    assert_eq!(
        completed.writer_status_at(1),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND) // R29
    );
    completed.free_writer_status().unwrap();
    assert_eq!(
        completed.writer_status_count(),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    drop(completed);
    assert_clean(&vss);
}

#[test]
fn abort_backup_is_offered_as_soon_as_the_object_is_initialized() {
    // T14, R53: AbortBackup is allowed any time after initialization and ignored when nothing
    // is under way.
    let vss = machine(plain_writers(1));
    let bc = vss.backup_components().initialize_for_backup().unwrap();
    let aborted = bc.abort_backup();
    drop(aborted);
    assert!(events(&vss.trace(), S0, W0).is_empty());
    assert_clean(&vss);
}

#[test]
fn contexts_are_typed() {
    let vss = machine(plain_writers(1));
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    let context = Context {
        base: SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP,
        modifiers: Attributes::NONE,
    };
    bc.set_context(context).unwrap();
    // R5: once only.
    assert_eq!(
        bc.set_context(Context::BACKUP),
        Err(Hresult::VSS_E_BAD_STATE)
    );
}

#[test]
fn a_wait_that_reaches_the_run_bound_hands_the_operation_back() {
    // A hung OnPrepareSnapshot: no freeze window ends it (a hung OnFreeze is cut short by the
    // writer's 60 s window, R99).
    let hung = ScriptedWriter::new("W0").on(
        E::PrepareForSnapshot,
        Reaction::waiting(vss_sim::vocab::Wait::forever()),
    );
    let vss = builder(vec![hung])
        .limits(Limits {
            max_virtual_ms: 60_000,
            ..Limits::default()
        })
        .build();
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let started = discovered.start_snapshot_set().unwrap();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let pending = match prepared.do_snapshot_set().unwrap().wait() {
        Err(WaitError::BoundReached(pending, bound)) => {
            assert_eq!(
                bound,
                Bound::VirtualTime {
                    max_virtual_ms: 60_000
                }
            );
            pending
        }
        other => panic!("expected the bound, got {other:?}"),
    };
    // The requester can still abort the backup it could not finish (R53).
    drop(pending.abort_backup());
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert_eq!(
        report.rules_broken().into_iter().collect::<Vec<_>>(),
        [vss_sim::vocab::Rule::Bound],
        "{report}"
    );
}

#[test]
fn pending_operations_can_be_polled_and_the_requester_can_crash_meanwhile() {
    let slow = ScriptedWriter::new("W0").on(E::Freeze, Reaction::slow(2_000));
    let vss = machine(vec![slow]);
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let started = discovered.start_snapshot_set().unwrap();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let mut pending = prepared.do_snapshot_set().unwrap();
    assert_eq!(pending.query_status(), Hresult::VSS_S_ASYNC_PENDING);
    let pending = match pending.wait_ms(1_000) {
        Waited::Pending(pending) => pending,
        other => panic!("still frozen, got {other:?}"),
    };
    // Field failure 12. W0 is in OnFreeze until 2 000 ms: Abort and BackupShutdown follow
    // its return (SERIAL).
    pending.crash();
    vss.settle();
    let w0 = events(&vss.trace(), S0, W0);
    assert_eq!(w0[w0.len() - 3..], [E::Freeze, E::Abort, E::BackupShutdown]);
    assert_engine_clean(&vss);
}

#[test]
fn vetoes_are_visible_in_writer_status_and_dropping_releases() {
    let vetoing = ScriptedWriter::new("W0").on(
        E::PrepareForBackup,
        Reaction::veto(F::VSS_E_WRITERERROR_RETRYABLE),
    );
    let vss = machine(vec![vetoing]);
    {
        let mut bc = vss.backup_components().initialize_for_backup().unwrap();
        bc.set_backup_state(BackupState::default()).unwrap();
        let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
        discovered.select_all_components().unwrap();
        let started = discovered.start_snapshot_set().unwrap();
        let mut prepared = started.prepare_for_backup().unwrap().wait().unwrap();
        let status = prepared.writer_status().unwrap();
        assert_eq!(status[0].state, St::VSS_WS_FAILED_AT_PREPARE_BACKUP);
        assert_eq!(status[0].failure, Hresult::VSS_E_WRITERERROR_RETRYABLE);
        let _aborted = prepared.abort_backup(); // R52, R54; released at the end of the scope
    }
    assert_eq!(
        events(&vss.trace(), S0, W0).last(),
        Some(&E::BackupShutdown)
    );
    assert_clean(&vss);
}

#[test]
fn the_dynamic_escape_hatch_is_the_same_object() {
    let vss = Vss::builder().build();
    let bc = vss.backup_components().initialize_for_backup().unwrap();
    let session = bc.session();
    let mut dynamic = bc.into_dynamic();
    assert_eq!(dynamic.session(), session);
    assert_eq!(
        dynamic.call_ok(vss_sim::vocab::Call::InitializeForBackup),
        Err(Hresult::VSS_E_BAD_STATE)
    );
}
