//! The canonical backup sequence and the events writers see (R40, R43–R47, R10, T2, T5).

mod common;

use common::*;
use vss_sim::trace::{DropReason, ProviderStep, TraceEvent, WriterNo};
use vss_sim::vocab::{
    ApplicationLevel, BackupState, Call, Hresult, WriterEvent as E, WriterState as St,
};
use vss_sim::writer::{Reaction, ScriptedWriter};

#[test]
fn r43_t5_happy_path_events_and_states() {
    let vss = machine(plain_writers(1));
    let mut bc = prepared(&vss);
    // R74: STABLE before and after PrepareForBackup.
    assert_eq!(state(&vss, S0, 0), (St::VSS_WS_STABLE, Hresult::S_OK));
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    // T5 step 13: waiting for BackupComplete after PostSnapshot (R75).
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_WAITING_FOR_BACKUP_COMPLETE);
    bc.call_and_wait(Call::BackupComplete).unwrap();
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_STABLE); // T5 step 15
    drop(bc); // T5 step 16–17: Release → BackupShutdown
              // R43: Identify, then the seven events of a typical backup.
    assert_eq!(
        events(&vss.trace(), S0, W0),
        [
            E::Identify,
            E::PrepareForBackup,
            E::PrepareForSnapshot,
            E::Freeze,
            E::Thaw,
            E::PostSnapshot,
            E::BackupComplete,
            E::BackupShutdown
        ]
    );
    assert_clean(&vss);
}

#[test]
fn r45_do_snapshot_set_interleaves_writers_and_provider_in_order() {
    let vss = machine(plain_writers(1));
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait(&mut bc, op);
    let steps: Vec<String> = vss
        .trace()
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Delivered { event, .. } => Some(format!("{event:?}")),
            TraceEvent::ProviderCalled { step, .. } => Some(format!("{step:?}")),
            _ => None,
        })
        .skip_while(|s| s != "PrepareForSnapshot")
        .collect();
    assert_eq!(
        steps,
        [
            "PrepareForSnapshot",
            "EndPrepareSnapshots",
            "Freeze",
            "PreCommitSnapshots",
            "CommitSnapshots",
            "PostCommitSnapshots",
            "Thaw",
            "PreFinalCommitSnapshots",
            "PostSnapshot",
            "PostFinalCommitSnapshots",
        ]
    );
    assert_clean(&vss);
}

#[test]
fn r46_freeze_goes_front_end_then_back_end_then_system() {
    let vss = vss_sim::requester::Vss::builder()
        .writer(
            config(0, "System", ApplicationLevel::VSS_APP_SYSTEM),
            ScriptedWriter::new("System"),
        )
        .writer(
            config(1, "BackEnd", ApplicationLevel::VSS_APP_BACK_END),
            ScriptedWriter::new("BackEnd"),
        )
        .writer(
            config(2, "FrontEnd", ApplicationLevel::VSS_APP_FRONT_END),
            ScriptedWriter::new("FrontEnd"),
        )
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait(&mut bc, op);
    let frozen: Vec<WriterNo> = deliveries(&vss.trace())
        .into_iter()
        .filter(|d| d.2 == E::Freeze)
        .map(|d| d.1)
        .collect();
    assert_eq!(frozen, [W2, W1, W0]);
    assert_clean(&vss);
}

#[test]
fn r47_writer_with_nothing_selected_gets_nothing_after_prepare_for_backup() {
    let vss = machine(plain_writers(2));
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    let only_w0 = all_components(&mut bc).into_iter().next().unwrap();
    bc.call_ok(Call::AddComponent(only_w0)).unwrap();
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    let trace = vss.trace();
    assert_eq!(events(&trace, S0, W1), [E::Identify, E::PrepareForBackup]);
    assert!(trace.records().iter().any(|r| r.event
        == TraceEvent::WriterDropped {
            session: S0,
            writer: W1,
            reason: DropReason::NothingSelected
        }));
    assert_eq!(events(&trace, S0, W0).len(), 8);
    assert_clean(&vss);
}

#[test]
fn r47_non_component_mode_keeps_every_writer() {
    let vss = machine(plain_writers(2));
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    let state = BackupState {
        select_components: false,
        ..BackupState::default()
    };
    bc.call_ok(Call::SetBackupState(state)).unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    // R13: AddComponent is for component mode only.
    let key = all_components(&mut bc).remove(0);
    assert_eq!(
        bc.call_ok(Call::AddComponent(key)),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert_eq!(events(&vss.trace(), S0, W1).last(), Some(&E::PostSnapshot));
    assert_clean(&vss);
}

#[test]
fn r10_writer_failing_identify_is_hidden_and_gets_nothing_more() {
    let failing = ScriptedWriter::new("W1").on(
        E::Identify,
        Reaction {
            outcome: vss_sim::writer::Outcome::Fatal(None),
            ..Reaction::SUCCEED
        },
    );
    let vss = machine(vec![ScriptedWriter::new("W0"), failing]);
    let mut bc = prepared(&vss);
    assert_eq!(
        bc.call(Call::WriterMetadataCount),
        Ok(vss_sim::vocab::Reply::Count(1))
    );
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    let status = bc.writer_status().unwrap();
    assert_eq!(status.len(), 1, "R10: no status kept for W1");
    assert_eq!(status[0].name, "W0");
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    assert_eq!(events(&vss.trace(), S0, W1), [E::Identify]);
    assert_clean(&vss);
}

#[test]
fn r44_identify_from_another_instance_mid_backup_changes_nothing() {
    let vss = machine(vec![
        ScriptedWriter::new("W0").on(E::Thaw, Reaction::slow(100))
    ]);
    let mut backup = prepared(&vss);
    let op = start(&mut backup, Call::DoSnapshotSet);
    // Run the creation into the writer's Thaw, then a management tool gathers metadata.
    wait_ms(&mut backup, op, 50);
    // Still inside its 100 ms OnThaw: the state changes when the handler returns (T2).
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_WAITING_FOR_THAW);
    let mut tool = vss.dynamic();
    tool.call_ok(Call::InitializeForBackup).unwrap();
    tool.call_and_wait(Call::GatherWriterMetadata).unwrap();
    // The tool's Identify waited for OnThaw to return: one event at a time per writer.
    assert_eq!(vss.now_ms(), 100);
    let seen_by_tool = tool.call(Call::WriterMetadata { index: 0 });
    drop(tool); // R52: released before PrepareForBackup; Q20: no BackupShutdown
    assert_eq!(wait(&mut backup, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(state(&vss, S0, 0).0, St::VSS_WS_WAITING_FOR_BACKUP_COMPLETE);
    assert_eq!(events(&vss.trace(), S1, W0), [E::Identify]);
    // R44: the same metadata document each time.
    let seen_by_backup = backup.call(Call::WriterMetadata { index: 0 });
    assert!(matches!(
        seen_by_tool,
        Ok(vss_sim::vocab::Reply::WriterMetadata(_))
    ));
    assert_eq!(seen_by_tool, seen_by_backup);
    assert_clean(&vss);
}

#[test]
fn r45_provider_steps_take_virtual_time() {
    let vss = builder(plain_writers(1))
        .provider(
            vss_sim::provider::SoftwareProvider::system()
                .with_duration(ProviderStep::CommitSnapshots, 800),
        )
        .build();
    let mut bc = prepared(&vss);
    let before = vss.now_ms();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert_eq!(vss.now_ms() - before, 800);
    assert_clean(&vss);
}

#[test]
fn r7_disabled_writer_classes_take_no_part() {
    let vss = machine(plain_writers(2));
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::DisableWriterClasses {
        classes: vec![class_id(1)],
    })
    .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    // R7: filters after GatherWriterMetadata have no effect.
    bc.call_ok(Call::DisableWriterClasses {
        classes: vec![class_id(0)],
    })
    .unwrap();
    assert_eq!(
        bc.call(Call::WriterMetadataCount),
        Ok(vss_sim::vocab::Reply::Count(1))
    );
    assert!(events(&vss.trace(), S0, W1).is_empty());
    assert_clean(&vss);
}

#[test]
fn handlers_are_delivered_one_at_a_time_in_chooser_order() {
    // Design principle 1: the chooser decides the order among writers.
    let vss = builder(plain_writers(3))
        .chooser(|_: vss_sim::coordinator::ChoicePoint, n: usize| n - 1)
        .build();
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    let prepared_order: Vec<WriterNo> = deliveries(&vss.trace())
        .into_iter()
        .filter(|d| d.2 == E::PrepareForSnapshot)
        .map(|d| d.1)
        .collect();
    assert_eq!(prepared_order, [W2, W1, W0]);
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    assert_clean(&vss);
}
