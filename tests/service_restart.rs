//! The VSS service restarting under its requesters (issue 12, part 6; `Vss::restart_service`).
//!
//! Windows documents none of this; the simulator's reading is the policy
//! `Policies::lost_service` and `docs/protocol.md`, "The VSS service restarting". What the tests
//! pin: every requester object loses the service (calls that need it fail, reads of what it holds
//! still work, `Release` works), nothing more reaches the writers of the lost backups (no Abort,
//! no BackupShutdown, R32 and R57 owed nothing), a writer left frozen aborts itself when its own
//! window expires (R99), writers keep their state except those the service hosts (R30),
//! auto-release copies go and persistent ones stay (R104), and a new requester works as on a
//! fresh service (R15). Every run is judged by the oracle.

mod common;

use common::store::{backup, listed};
use common::*;
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::{oracle, TraceEvent};
use vss_sim::vocab::{
    AsyncKind, Call, Hresult, LostService, OsProfile, Policies, Reply, SnapshotContext,
    WriterEvent as E, WriterFailure, WriterState,
};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig, WriterHost};

const UNAVAILABLE: Hresult = Hresult::RPC_S_SERVER_UNAVAILABLE;

fn shutdowns(vss: &Vss) -> usize {
    deliveries(&vss.trace())
        .iter()
        .filter(|(_, _, event)| *event == E::BackupShutdown)
        .count()
}

fn completion(vss: &Vss, kind: AsyncKind) -> Option<Hresult> {
    vss.trace().records().iter().find_map(|r| match &r.event {
        TraceEvent::AsyncCompleted { kind: k, hr, .. } if *k == kind => Some(*hr),
        _ => None,
    })
}

#[test]
fn r32_a_lost_object_fails_what_needs_the_service_and_still_answers_from_what_it_holds() {
    let vss = machine(plain_writers(2));
    let mut bc = discovered(&vss);
    vss.restart_service();
    // What the object holds: the metadata it gathered, its own document, Release.
    assert_eq!(bc.call(Call::WriterMetadataCount), Ok(Reply::Count(2)));
    assert!(bc.writer_metadata().is_ok());
    // What needs the service: the policy's code.
    assert_eq!(bc.call(Call::StartSnapshotSet), Err(UNAVAILABLE));
    assert_eq!(bc.call(Call::GatherWriterStatus), Err(UNAVAILABLE));
    assert_eq!(bc.call(Call::Query), Err(UNAVAILABLE));
    assert_eq!(bc.call(Call::AbortBackup), Err(UNAVAILABLE));
    // Its own Backup Components Document: it still builds and saves it.
    let key = bc.writer_metadata().unwrap()[0].components[0].key.clone();
    assert_eq!(
        bc.call(Call::AddComponent(key.clone())),
        Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS),
        "checked against its own document, as before"
    );
    bc.call_ok(Call::SetPreviousBackupStamp {
        component: key,
        stamp: "lsn-1".into(),
    })
    .unwrap();
    let xml = bc.save_as_xml().unwrap();
    assert!(xml.contains("previousBackupStamp=\"lsn-1\""), "{xml}");
    bc.call_ok(Call::Release).unwrap();
    // Released for good: VSS_E_BAD_STATE from now on, as for any released object.
    assert_eq!(
        bc.call(Call::WriterMetadataCount),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    assert_eq!(shutdowns(&vss), 0, "the writers took part in no backup");
    assert_clean(&vss);
}

#[test]
fn r57_a_backup_lost_after_the_snapshot_owes_its_writers_nothing_and_leaves_them_waiting() {
    // The backup tool's BackupComplete never reaches anyone: the writers stay waiting for
    // completion (R30, as `vssadmin list writers` shows after a restart of VSS), and its
    // Release sends no BackupShutdown: the service that would send it is gone.
    let vss = machine(plain_writers(2));
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 1);
    vss.restart_service();
    assert_eq!(bc.call(Call::BackupComplete), Err(UNAVAILABLE));
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(shutdowns(&vss), 0);
    let waiting = WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE;
    assert_eq!(
        look(&vss),
        vec![
            row("W0", waiting, Hresult::S_OK),
            row("W1", waiting, Hresult::S_OK)
        ]
    );
    // R104: its auto-release copy went with the object that held it.
    assert!(listed(&vss, SnapshotContext::VSS_CTX_ALL).is_empty());
    assert_clean(&vss);
}

#[test]
fn r99_the_operation_in_flight_fails_and_a_frozen_writer_aborts_itself_when_its_window_expires() {
    // W1's OnFreeze takes 5 s; W0 is frozen already when the service dies 2 s in.
    let vss = machine(vec![
        ScriptedWriter::new("W0"),
        ScriptedWriter::new("W1").on(E::Freeze, Reaction::slow(5_000)),
    ]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc, op, 2_000), Hresult::VSS_S_ASYNC_PENDING);
    vss.restart_service();
    assert_eq!(wait(&mut bc, op), Hresult::RPC_S_CALL_FAILED);
    assert_eq!(
        completion(&vss, AsyncKind::DoSnapshotSet),
        Some(Hresult::RPC_S_CALL_FAILED)
    );
    // No Thaw, no Abort from VSS: the writers' own freeze windows end the freeze (R99).
    vss.advance_ms(60_000);
    for writer in [W0, W1] {
        let got = events(&vss.trace(), S0, writer);
        assert!(!got.contains(&E::Thaw), "{got:?}");
        assert_eq!(got.last(), Some(&E::Abort), "{got:?}");
    }
    bc.call_ok(Call::Release).unwrap();
    let timed_out = (
        WriterState::VSS_WS_FAILED_AT_FREEZE,
        Hresult::VSS_E_WRITERERROR_TIMEOUT,
    );
    assert_eq!(
        look(&vss),
        vec![
            row("W0", timed_out.0, timed_out.1),
            row("W1", timed_out.0, timed_out.1)
        ]
    );
    // Nothing of the set was left behind.
    assert!(listed(&vss, SnapshotContext::VSS_CTX_ALL).is_empty());
    assert_clean(&vss);
}

#[test]
fn r30_writers_the_service_hosts_restart_with_it_and_the_others_keep_their_failure() {
    // The Registry Writer runs inside VSS; SqlServerWriter in its own service.
    let vetoing = |name: &str| {
        ScriptedWriter::new(name).on(
            E::PrepareForSnapshot,
            Reaction::veto(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
        )
    };
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(class_id(0), "SqlServerWriter"),
            vetoing("SqlServerWriter"),
        )
        .writer(
            WriterConfig::new(class_id(1), "Registry Writer").host(WriterHost::VssService),
            vetoing("Registry Writer"),
        )
        .build();
    let mut bc = prepared(&vss);
    let _ = bc.call_and_wait(Call::DoSnapshotSet);
    bc.call_ok(Call::AbortBackup).unwrap(); // R52
    bc.call_ok(Call::Release).unwrap();
    let failed = WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT;
    let retryable = Hresult::VSS_E_WRITERERROR_RETRYABLE;
    assert_eq!(
        look(&vss),
        vec![
            row("SqlServerWriter", failed, retryable),
            row("Registry Writer", failed, retryable)
        ]
    );
    vss.restart_service();
    assert_eq!(
        look(&vss),
        vec![
            row("SqlServerWriter", failed, retryable),
            row("Registry Writer", WriterState::VSS_WS_STABLE, Hresult::S_OK)
        ]
    );
    assert_clean(&vss);
}

#[test]
fn r104_persistent_copies_outlive_the_service_and_a_new_requester_works_at_once() {
    let vss = machine(plain_writers(1));
    backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    // A set left in creation by the lost object does not block the next one (R15).
    let mut lost = vss.dynamic();
    lost.call_ok(Call::InitializeForBackup).unwrap();
    assert!(lost.call(Call::StartSnapshotSet).is_ok());
    vss.restart_service();
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 1);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    lost.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn r32_every_lost_service_policy_names_its_codes() {
    for (policy, in_flight, later) in [
        (
            LostService::RpcErrors,
            Hresult::RPC_S_CALL_FAILED,
            Hresult::RPC_S_SERVER_UNAVAILABLE,
        ),
        (
            LostService::Disconnected,
            Hresult::RPC_E_DISCONNECTED,
            Hresult::RPC_E_DISCONNECTED,
        ),
        (
            LostService::Unexpected,
            Hresult::VSS_E_UNEXPECTED,
            Hresult::VSS_E_UNEXPECTED,
        ),
    ] {
        let policies = Policies {
            lost_service: policy,
            ..Policies::default()
        };
        let vss = machine_with(
            policies,
            vec![ScriptedWriter::new("W0").on(E::Identify, Reaction::slow(1_000))],
        );
        let mut bc = vss.dynamic();
        bc.call_ok(Call::InitializeForBackup).unwrap();
        let op = start(&mut bc, Call::GatherWriterMetadata);
        vss.restart_service();
        assert_eq!(wait(&mut bc, op), in_flight, "{policy:?}");
        assert_eq!(bc.call(Call::GatherWriterStatus), Err(later), "{policy:?}");
        bc.call_ok(Call::Release).unwrap();
        assert_clean(&vss);
    }
}

#[test]
fn r32_server_2008_reports_the_unexpected_error_in_its_old_form() {
    let policies = Policies {
        lost_service: LostService::Unexpected,
        ..Policies::default()
    };
    let vss = builder(plain_writers(1))
        .policies(policies)
        .os(OsProfile::Server2008)
        .build();
    let mut bc: DynBackupComponents = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    vss.restart_service();
    assert_eq!(
        bc.call(Call::GatherWriterMetadata),
        Err(Hresult::E_UNEXPECTED)
    );
    bc.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn scenario_files_restart_the_service_as_a_step_and_as_a_machine_fault() {
    use vss_sim::sim::Scenario;
    let text = r#"
name = "the VSS service restarts between DoSnapshotSet and BackupComplete"

[[writers]]
name = "SqlServerWriter"

[[writers]]
name = "Registry Writer"
host = "VssService"

[[steps]]
call = "InitializeForBackup"
[[steps]]
call = "SetBackupState"
[[steps]]
call = "GatherWriterMetadata"
[[steps]]
call = "Wait"
[[steps]]
call = "SelectAllComponents"
[[steps]]
call = "StartSnapshotSet"
[[steps]]
call = "AddToSnapshotSet"
volume = 'C:\'
[[steps]]
call = "PrepareForBackup"
[[steps]]
call = "Wait"
[[steps]]
call = "DoSnapshotSet"
[[steps]]
call = "Wait"
[[steps]]
call = "RestartService"
[[steps]]
call = "BackupComplete"
expect = "RPC_S_SERVER_UNAVAILABLE"
[[steps]]
call = "Release"
"#;
    let scenario = Scenario::from_toml(text, "restart.toml").unwrap();
    assert_eq!(
        scenario.writers[1].host,
        WriterHost::VssService,
        "the host key reads"
    );
    let outcome = scenario.run();
    scenario.check(&outcome).unwrap();
    let records = outcome.trace.records();
    assert!(records
        .iter()
        .any(|r| matches!(r.event, TraceEvent::ServiceRestarted)));
    oracle::check(&outcome.trace).assert_clean();

    // The same restart as a fault the chooser places before a step.
    let faulted = text.replace(
        "[[steps]]\ncall = \"InitializeForBackup\"",
        "[faults]\nmachine = [\"RestartService\"]\n\n[[steps]]\ncall = \"InitializeForBackup\"",
    );
    let scenario = Scenario::from_toml(&faulted, "restart-fault.toml").unwrap();
    assert_eq!(
        scenario.faults.machine,
        vec![vss_sim::sim::MachineFault::RestartService]
    );
    let text_again = scenario.to_toml().unwrap();
    assert!(text_again.contains("RestartService"), "{text_again}");
}
