//! The typestate requester API: flows, recovery from failed steps, release and crash.

mod common;

use common::*;
use vss_sim::requester::{Vss, Waited};
use vss_sim::vocab::{
    BackupState, Hresult, WriterEvent as E, WriterFailure as F, WriterState as St,
};
use vss_sim::writer::{Reaction, ScriptedWriter};

#[test]
fn full_backup_through_the_typed_api() {
    let vss = machine(plain_writers(2));
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    assert_eq!(discovered.writer_metadata().len(), 2);
    assert_eq!(discovered.select_all_components().unwrap(), 2);
    let mut started = discovered.start_snapshot_set().unwrap();
    let snapshot = started.add_to_snapshot_set("C:\\").unwrap();
    let set = started.snapshot_set_id();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let mut done = prepared.do_snapshot_set().unwrap().wait().unwrap();
    let properties = done.snapshot_properties(snapshot).unwrap();
    assert_eq!(properties.snapshot_set_id, set);
    assert_eq!(properties.original_volume, "C:\\");
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
        .provider(vss_sim::provider::SoftwareProvider::system().with_result(
            vss_sim::trace::ProviderStep::CommitSnapshots,
            Hresult::VSS_E_PROVIDER_VETO,
        ))
        .build();
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let mut started = discovered.start_snapshot_set().unwrap();
    started.add_to_snapshot_set("C:\\").unwrap();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    let failed = prepared.do_snapshot_set().unwrap().wait().unwrap_err();
    assert_eq!(failed.hr, Hresult::VSS_E_PROVIDER_VETO);
    let mut aborted = failed.components.abort_backup(); // R54
    assert_eq!(aborted.writer_status().unwrap()[0].state, St::VSS_WS_STABLE); // Q12 default
    drop(aborted);
    assert_clean(&vss);
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
    pending.crash(); // field failure 12
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
