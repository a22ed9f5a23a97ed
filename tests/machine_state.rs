//! The machine's persistent state carried from one run to the next (issue 14 part 2; R30,
//! R32, R104): persistent shadow copies stay, auto-release ones do not; writers keep the
//! state and last error the last operation left (field failure 17); device numbers, ids and
//! the clock go on. Every run is judged by the oracle.

mod common;

use common::store::*;
use vss_sim::requester::Vss;
use vss_sim::trace::oracle;
use vss_sim::vocab::{
    Call, MachineState, ObjectType, SnapshotContext, WriterClassId, WriterEvent, WriterFailure,
    WriterState,
};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

/// A machine with `C:\` and a writer whose Freeze failure sticks until it restarts.
fn machine(state: Option<MachineState>) -> Vss {
    let writer = ScriptedWriter::new("Db")
        .on(
            WriterEvent::Freeze,
            Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE),
        )
        .persist_failures();
    let mut builder = Vss::builder().writer(
        WriterConfig::new(WriterClassId::from_u128(0x17), "DbWriter"),
        writer,
    );
    if let Some(state) = state {
        builder = builder.state(state);
    }
    builder.build()
}

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn persistent_copies_and_writer_status_outlive_the_machine_value() {
    // R104: an APP_ROLLBACK copy is persistent, a BACKUP copy is not.
    let first = machine(None);
    let kept = backup(&first, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    backup(&first, SnapshotContext::VSS_CTX_BACKUP, &["C:\\"]);
    assert_oracle_clean(&first);
    let state = first.machine_state();
    assert_eq!(state.shadow_copies.len(), 1);
    assert_eq!(state.shadow_copies[0].properties.snapshot_set_id, kept);
    let device = state.shadow_copies[0].properties.device_object.clone();
    // The state file round-trips.
    let state = MachineState::from_json(&state.to_json()).unwrap();

    let second = machine(Some(state));
    let copies = listed(&second, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].snapshot_set_id, kept);
    // R30, field failure 17: the writer's stuck failure is what a new requester sees.
    let mut bc = requester(&second, SnapshotContext::VSS_CTX_BACKUP);
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    let rows = bc.writer_status().unwrap();
    assert_ne!(rows[0].state, WriterState::VSS_WS_STABLE);
    assert_eq!(
        rows[0].failure,
        vss_sim::vocab::Hresult::VSS_E_WRITERERROR_NONRETRYABLE
    );
    bc.call_ok(Call::Release).unwrap();
    // A new copy is numbered after the earlier ones: HarddiskVolumeShadowCopy<n+1> and on.
    let newer = backup(&second, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    let copies = listed(&second, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(copies.len(), 2);
    assert_ne!(copies[1].device_object, device);
    assert!(copies[1].created_at_ms >= copies[0].created_at_ms);
    assert_ne!(newer, kept);
    // The carried copy can be deleted like any (R33).
    let mut bc = requester(&second, SnapshotContext::VSS_CTX_ALL);
    bc.call(Call::DeleteSnapshots {
        id: kept.0,
        object: ObjectType::VSS_OBJECT_SNAPSHOT_SET,
        force: true,
    })
    .unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(listed(&second, SnapshotContext::VSS_CTX_ALL).len(), 1);
    assert_oracle_clean(&second);
    assert!(second
        .trace()
        .render()
        .contains("on the machine from an earlier run"));
}

#[test]
fn a_state_file_of_another_version_or_shape_is_refused_with_its_place() {
    let wrong = MachineState::from_json(
        "{\"version\": 9, \"now_ms\": 0, \"minted\": 0, \"shadow_copies_made\": 0}",
    )
    .unwrap_err();
    assert!(
        wrong.to_string().contains("state file version 9"),
        "{wrong}"
    );
    let unknown = MachineState::from_json(
        "{\"version\": 1, \"now_ms\": 0, \"minted\": 0, \"shadow_copies_made\": 0,\n \"extra\": 1}",
    )
    .unwrap_err();
    assert!(
        unknown.to_string().contains("unknown field `extra`"),
        "{unknown}"
    );
    assert_eq!(unknown.line(), 2);
}
