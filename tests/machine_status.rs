//! Writer status as a machine keeps it (issue 12, part 1): each writer instance keeps the state
//! and last error the last operation left it in; a requester that has not involved the writer
//! yet reports that (R30: status gathered outside a sequence "may reflect an older operation"),
//! one that has involved it reports its own backup's view (T2); a restart of the writer's
//! service brings it back to Stable (field failure 17). Every run is judged by the oracle.

mod common;

use common::*;
use vss_sim::requester::Vss;
use vss_sim::trace::{oracle, SessionNo, Timer, TraceEvent, WriterNo};
use vss_sim::vocab::{
    Call, HandlerTimeout, Hresult, LastError, Policies, Reply, Wait, WriterEvent as E,
    WriterFailure, WriterInstanceId, WriterState,
};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

const RETRYABLE: Hresult = Hresult::VSS_E_WRITERERROR_RETRYABLE;

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r30_a_new_requester_sees_what_a_backup_without_backup_complete_left() {
    // The backup tool never sends BackupComplete: the writer stays waiting for completion,
    // and `vssadmin list writers` afterwards shows it so.
    let vss = machine(plain_writers(1));
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(
        look(&vss),
        vec![row(
            "W0",
            WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
            Hresult::S_OK
        )]
    );
    assert_oracle_clean(&vss);
}

#[test]
fn r30_t2_a_failure_outlives_the_backup_that_caused_it() {
    let vetoing = ScriptedWriter::new("W0").on(
        E::PrepareForSnapshot,
        Reaction::veto(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
    );
    let vss = machine(vec![vetoing, ScriptedWriter::new("W1")]);
    let mut bc = prepared(&vss);
    let _ = bc.call_and_wait(Call::DoSnapshotSet);
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let rows = look(&vss);
    assert_eq!(
        rows[0],
        row(
            "W0",
            WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
            RETRYABLE
        )
    );
    assert_oracle_clean(&vss);
}

#[test]
fn t2_a_new_backup_takes_the_writer_over_and_last_error_says_whether_success_clears_it() {
    for (policy, after) in [
        (LastError::ClearedBySuccess, Hresult::S_OK),
        (LastError::KeptUntilNextFailure, RETRYABLE),
    ] {
        let vetoing = ScriptedWriter::new("W0").on(
            E::PrepareForSnapshot,
            Reaction::veto(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
        );
        let stuck = vetoing.stuck.clone();
        let vss = machine_with(
            Policies {
                last_error: policy,
                ..Policies::default()
            },
            vec![vetoing.persist_failures()],
        );
        let mut first = prepared(&vss);
        let _ = first.call_and_wait(Call::DoSnapshotSet);
        first.call_ok(Call::AbortBackup).unwrap();
        first.call_ok(Call::Release).unwrap();
        stuck.set(None);
        // The next backup's PrepareForBackup succeeds: the writer is Stable again.
        let mut second = prepared(&vss);
        assert_eq!(
            statuses(&mut second),
            vec![row("W0", WriterState::VSS_WS_STABLE, after)],
            "{policy:?}"
        );
        assert_eq!(
            look(&vss),
            vec![row("W0", WriterState::VSS_WS_STABLE, after)],
            "{policy:?}: what the machine shows"
        );
        second.call_ok(Call::AbortBackup).unwrap();
        second.call_ok(Call::Release).unwrap();
        assert_oracle_clean(&vss);
    }
}

#[test]
fn r30_a_requester_that_involved_the_writer_sees_its_own_backup_others_see_the_last() {
    let vss = machine(plain_writers(1));
    let mut a = prepared(&vss);
    a.call_and_wait(Call::DoSnapshotSet).unwrap();
    let waiting = row(
        "W0",
        WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
        Hresult::S_OK,
    );
    // B has involved nobody: it sees what A's backup left.
    let mut b = discovered(&vss);
    assert_eq!(statuses(&mut b), vec![waiting]);
    // A completes: A sees its backup, and so does every requester that did not involve W0.
    a.call_and_wait(Call::BackupComplete).unwrap();
    let stable = row("W0", WriterState::VSS_WS_STABLE, Hresult::S_OK);
    assert_eq!(statuses(&mut a), vec![stable.clone()]);
    assert_eq!(statuses(&mut b), vec![stable.clone()]);
    assert_eq!(look(&vss), vec![stable]);
    a.call_ok(Call::Release).unwrap();
    b.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn field_failure_17_a_writer_not_responding_stays_failed_until_its_service_restarts() {
    // OnPrepareSnapshot takes 200 s; VSS gives up at 180 s (`HandlerTimeout::ThreeMinutes`):
    // FAILED_AT_PREPARE_SNAPSHOT / not responding. The handler's late return changes nothing,
    // and every later requester sees the writer so until its service restarts.
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(200_000));
    let instance = WriterInstanceId::from_u128(0x17);
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(class_id(0), "W0").instance_id(instance),
            slow,
        )
        .policies(Policies {
            handler_timeout: HandlerTimeout::ThreeMinutes,
            ..Policies::default()
        })
        .build();
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let failed = row(
        "W0",
        WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
        Hresult::VSS_E_WRITER_NOT_RESPONDING,
    );
    assert_eq!(look(&vss), vec![failed.clone()]);
    vss.advance_ms(3_600_000);
    assert_eq!(look(&vss), vec![failed], "an hour later, still");
    assert_eq!(vss.restart_writer(instance), Ok(()));
    assert_eq!(
        look(&vss),
        vec![row("W0", WriterState::VSS_WS_STABLE, Hresult::S_OK)]
    );
    assert_eq!(
        vss.restart_writer(WriterInstanceId::from_u128(0x99)),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert_oracle_clean(&vss);
}

#[test]
fn a_writer_hung_in_a_handler_drops_out_of_the_list_until_it_restarts() {
    // Hung in OnFreeze for ever: a new requester's OnIdentify waits behind it and is given up
    // (R10: the writer is left out of the metadata and the status list); after a restart the
    // writer answers again.
    let hung = ScriptedWriter::new("W0").on(E::Freeze, Reaction::waiting(Wait::forever()));
    let instance = WriterInstanceId::from_u128(0x19);
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(class_id(0), "W0").instance_id(instance),
            hung,
        )
        .policies(Policies {
            handler_timeout: HandlerTimeout::ThreeMinutes,
            ..Policies::default()
        })
        .build();
    let mut bc = prepared(&vss);
    let _ = bc.call_and_wait(Call::DoSnapshotSet);
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(look(&vss), vec![]);
    vss.restart_writer(instance).unwrap();
    assert_eq!(
        look(&vss),
        vec![row("W0", WriterState::VSS_WS_STABLE, Hresult::S_OK)]
    );
    assert_oracle_clean(&vss);
}

#[test]
fn a_restart_ends_the_handler_the_writer_hung_in() {
    // The writer hangs in OnPrepareBackup; the backup tool waits. The service restarts: the
    // handler is gone, the operation sees the writer not responding and goes on.
    let hung =
        ScriptedWriter::new("W0").on(E::PrepareForBackup, Reaction::waiting(Wait::forever()));
    let instance = WriterInstanceId::from_u128(0x18);
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(class_id(0), "W0").instance_id(instance),
            hung,
        )
        .build();
    let mut bc = discovered(&vss);
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    let op = start(&mut bc, Call::PrepareForBackup);
    assert_eq!(wait_ms(&mut bc, op, 5_000), Hresult::VSS_S_ASYNC_PENDING);
    vss.restart_writer(instance).unwrap();
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(
        state(&vss, SessionNo(0), 0),
        (
            WriterState::VSS_WS_FAILED_AT_PREPARE_BACKUP,
            Hresult::VSS_E_WRITER_NOT_RESPONDING
        )
    );
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn writer_instance_ids_can_be_set_and_two_writers_may_share_a_class() {
    let (a, b) = (
        WriterInstanceId::from_u128(0xA),
        WriterInstanceId::from_u128(0xB),
    );
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(class_id(0), "Shared").instance_id(a),
            ScriptedWriter::new("A"),
        )
        .writer(
            WriterConfig::new(class_id(0), "Shared").instance_id(b),
            ScriptedWriter::new("B"),
        )
        .build();
    let mut bc = discovered(&vss);
    bc.call_and_wait(Call::GatherWriterStatus).unwrap();
    let ids: Vec<_> = (0..2)
        .map(|index| match bc.call(Call::WriterStatus { index }) {
            Ok(Reply::WriterStatus(status)) => (status.instance_id, status.writer_id),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(ids, vec![(a, class_id(0)), (b, class_id(0))]);
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn a_restart_does_not_hide_the_failure_from_the_backup_the_writer_was_in() {
    // W hangs in OnPrepareSnapshot; the service restarts: VSS gives up on it, so the backup it
    // was in sees it failed, not responding, even though the machine shows it Stable again.
    let hung =
        ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::waiting(Wait::forever()));
    let instance = WriterInstanceId::from_u128(0x1a);
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(class_id(0), "W0").instance_id(instance),
            hung,
        )
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc, op, 5_000), Hresult::VSS_S_ASYNC_PENDING);
    vss.restart_writer(instance).unwrap();
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(
        statuses(&mut bc),
        vec![row(
            "W0",
            WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
            Hresult::VSS_E_WRITER_NOT_RESPONDING
        )]
    );
    assert_eq!(
        look(&vss),
        vec![row("W0", WriterState::VSS_WS_STABLE, Hresult::S_OK)]
    );
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn a_writer_restarted_between_events_drops_out_of_the_backup_it_was_part_of() {
    // W0 is frozen and W1 is still in OnFreeze when W0's service restarts: the instance the
    // backup knew is gone, with its freeze window. The backup goes on without it: no Thaw, no
    // PostSnapshot, no BackupComplete, no BackupShutdown reach the new W0, and the backup's own
    // status shows the machine's view of W0 (R30).
    let held = ScriptedWriter::new("W1").on(E::Freeze, Reaction::waiting(Wait::signal("go")));
    let vss = machine(vec![ScriptedWriter::new("W0"), held]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc, op, 5_000), Hresult::VSS_S_ASYNC_PENDING);
    let w0 = vss.writer_instances("W0")[0];
    vss.restart_writer(w0).unwrap();
    vss.set_signal("go");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    bc.call_and_wait(Call::BackupComplete).unwrap();
    assert_eq!(
        statuses(&mut bc),
        vec![
            row("W0", WriterState::VSS_WS_STABLE, Hresult::S_OK),
            row("W1", WriterState::VSS_WS_STABLE, Hresult::S_OK),
        ]
    );
    bc.call_ok(Call::Release).unwrap();
    let trace = vss.trace();
    assert_eq!(
        events(&trace, SessionNo(0), WriterNo(0)),
        vec![
            E::Identify,
            E::PrepareForBackup,
            E::PrepareForSnapshot,
            E::Freeze
        ]
    );
    let stopped = trace.records().iter().any(|r| {
        matches!(
            r.event,
            TraceEvent::TimerStopped {
                timer: Timer::FreezeWindow {
                    writer: WriterNo(0),
                    ..
                }
            }
        )
    });
    assert!(stopped, "W0's freeze window must stop with its process");
    assert_oracle_clean(&vss);
}

#[test]
fn a_writer_whose_process_is_down_is_absent_until_it_starts_again() {
    // R30, issue 12 part 6: W1's process dies while a backup is prepared. The backup loses it (it
    // gets no PrepareForSnapshot, no BackupShutdown); a new requester does not find it; once its
    // process is back, the next requester finds it Stable.
    let vss = machine(plain_writers(2));
    let mut bc = prepared(&vss);
    let w1 = vss.writer_instances("W1")[0];
    assert_eq!(vss.stop_writer(w1), Ok(true));
    assert_eq!(
        vss.stop_writer(w1),
        Ok(false),
        "stopping a stopped writer changes nothing"
    );
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    let names = |rows: Vec<(String, WriterState, Hresult)>| -> Vec<String> {
        rows.into_iter().map(|(name, _, _)| name).collect()
    };
    assert_eq!(names(look(&vss)), vec!["W0".to_owned()]);
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(vss.start_writer(w1), Ok(true));
    assert_eq!(vss.start_writer(w1), Ok(false));
    assert_eq!(
        look(&vss),
        vec![
            row("W0", WriterState::VSS_WS_STABLE, Hresult::S_OK),
            row("W1", WriterState::VSS_WS_STABLE, Hresult::S_OK),
        ]
    );
    let trace = vss.trace();
    assert_eq!(
        events(&trace, SessionNo(0), WriterNo(1)),
        vec![E::Identify, E::PrepareForBackup]
    );
    assert_eq!(
        vss.stop_writer(WriterInstanceId::from_u128(0x99)),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert_oracle_clean(&vss);
}
