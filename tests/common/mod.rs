//! Shared helpers for the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod props;
pub mod store;

use vss_sim::requester::{DynBackupComponents, Vss, VssBuilder};
use vss_sim::trace::{oracle, SessionNo, Trace, TraceEvent, WriterNo};
use vss_sim::vocab::{
    ApplicationLevel, BackupState, Call, ComponentKey, Hresult, OpNo, Policies, ProviderId, Reply,
    WriterClassId, WriterEvent, WriterState,
};
use vss_sim::writer::{ScriptedWriter, WriterConfig};

/// Class id of the `index`-th test writer.
pub fn class_id(index: usize) -> WriterClassId {
    WriterClassId::from_u128(0x1000 + index as u128)
}

/// A writer config named `name`, class `index`, at `level`.
pub fn config(index: usize, name: &str, level: ApplicationLevel) -> WriterConfig {
    WriterConfig::new(class_id(index), name).level(level)
}

/// A builder with the scripted writers, all front-end, named after their components.
pub fn builder(writers: Vec<ScriptedWriter>) -> VssBuilder {
    writers
        .into_iter()
        .enumerate()
        .fold(Vss::builder(), |b, (i, w)| {
            let name = w.component.clone();
            b.writer(config(i, &name, ApplicationLevel::VSS_APP_FRONT_END), w)
        })
}

/// A machine with the scripted writers and default policies.
pub fn machine(writers: Vec<ScriptedWriter>) -> Vss {
    builder(writers).build()
}

/// A machine with the scripted writers and `policies`.
pub fn machine_with(policies: Policies, writers: Vec<ScriptedWriter>) -> Vss {
    builder(writers).policies(policies).build()
}

/// `n` writers that always succeed, named W0, W1, …
pub fn plain_writers(n: usize) -> Vec<ScriptedWriter> {
    (0..n)
        .map(|i| ScriptedWriter::new(format!("W{i}")))
        .collect()
}

/// Runs the canonical sequence (R40) with the dynamic API up to, not including, DoSnapshotSet:
/// initialize, backup state, gather metadata, select every writer's component, start a set,
/// add C:\, PrepareForBackup.
pub fn prepared(vss: &Vss) -> DynBackupComponents {
    let mut bc = discovered(vss);
    bc.call_ok(Call::StartSnapshotSet)
        .expect("StartSnapshotSet");
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: ProviderId::NULL,
    })
    .expect("AddToSnapshotSet");
    bc.call_and_wait(Call::PrepareForBackup)
        .expect("PrepareForBackup");
    bc
}

/// Initialize, backup state, gather metadata, select every identified writer's component.
pub fn discovered(vss: &Vss) -> DynBackupComponents {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup)
        .expect("InitializeForBackup");
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .expect("SetBackupState");
    bc.call_and_wait(Call::GatherWriterMetadata)
        .expect("GatherWriterMetadata");
    bc.select_all_components().expect("AddComponent");
    bc
}

/// Every component selectable for backup that `bc` can read in its writers' metadata.
pub fn all_components(bc: &mut DynBackupComponents) -> Vec<ComponentKey> {
    bc.writer_metadata()
        .unwrap_or_default()
        .iter()
        .flat_map(|view| view.selectable_components().cloned().collect::<Vec<_>>())
        .collect()
}

/// Starts an async call, returning its operation.
pub fn start(bc: &mut DynBackupComponents, call: Call) -> OpNo {
    match bc.call(call) {
        Ok(Reply::Async(op)) => op,
        other => panic!("expected an async operation, got {other:?}"),
    }
}

/// Waits for `op` and returns its final status.
pub fn wait(bc: &mut DynBackupComponents, op: OpNo) -> Hresult {
    match bc.call(Call::Wait {
        op,
        timeout_ms: None,
    }) {
        Ok(Reply::Status(status)) => status,
        other => panic!("Wait failed: {other:?}"),
    }
}

/// `IVssAsync::Wait(op, ms)`: lets `ms` of virtual time pass for `op`; returns its status
/// (`VSS_S_ASYNC_PENDING` while it is still running).
pub fn wait_ms(bc: &mut DynBackupComponents, op: OpNo, ms: u64) -> Hresult {
    match bc.call(Call::Wait {
        op,
        timeout_ms: Some(ms),
    }) {
        Ok(Reply::Status(status)) => status,
        other => panic!("Wait failed: {other:?}"),
    }
}

/// The events `writer` received from `session`, in order.
pub fn events(trace: &Trace, session: SessionNo, writer: WriterNo) -> Vec<WriterEvent> {
    trace
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Delivered {
                session: s,
                writer: w,
                event,
                ..
            } if *s == session && *w == writer => Some(*event),
            _ => None,
        })
        .collect()
}

/// Every event delivered, as (session, writer, event), in order.
pub fn deliveries(trace: &Trace) -> Vec<(SessionNo, WriterNo, WriterEvent)> {
    trace
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } => Some((*session, *writer, *event)),
            _ => None,
        })
        .collect()
}

/// `writer`'s state and failure in `session` now, as recorded in the trace.
pub fn state(vss: &Vss, session: SessionNo, writer: usize) -> (WriterState, Hresult) {
    vss.trace()
        .writer_state(session, WriterNo(writer as u32))
        .expect("the requester identified the writer")
}

/// The oracle finds no engine violation in `vss`'s trace (requester/writer obligations may be
/// broken on purpose by a test).
pub fn assert_engine_clean(vss: &Vss) {
    let trace = vss.trace();
    let report = oracle::check(&trace);
    let engine = report.engine_violations();
    assert!(
        engine.is_empty(),
        "engine violations:\n{report}\ntrace:\n{}",
        trace.render()
    );
}

/// The oracle finds nothing at all.
pub fn assert_clean(vss: &Vss) {
    let trace = vss.trace();
    let report = oracle::check(&trace);
    assert!(
        report.is_clean(),
        "violations:\n{report}\ntrace:\n{}",
        trace.render()
    );
}

/// What a `GatherWriterStatus` of `bc` reports, row by row: (name, state, last error).
pub fn statuses(bc: &mut DynBackupComponents) -> Vec<(String, WriterState, Hresult)> {
    bc.call_and_wait(Call::GatherWriterStatus)
        .expect("GatherWriterStatus");
    let Ok(Reply::Count(count)) = bc.call(Call::WriterStatusCount) else {
        panic!("GetWriterStatusCount");
    };
    let rows = (0..count)
        .map(|index| match bc.call(Call::WriterStatus { index }) {
            Ok(Reply::WriterStatus(status)) => (status.name, status.state, status.failure),
            other => panic!("GetWriterStatus({index}): {other:?}"),
        })
        .collect();
    bc.call_ok(Call::FreeWriterStatus).unwrap();
    rows
}

/// A new requester that only looks (as `vssadmin list writers` does): its status rows.
pub fn look(vss: &Vss) -> Vec<(String, WriterState, Hresult)> {
    let mut bc = discovered(vss);
    let rows = statuses(&mut bc);
    bc.call_ok(Call::Release).unwrap();
    rows
}

/// One expected status row.
pub fn row(name: &str, state: WriterState, failure: Hresult) -> (String, WriterState, Hresult) {
    (name.to_owned(), state, failure)
}

/// The bytes of `tests/fixtures/windows/<name>`, a document a Windows machine saved.
pub fn fixture(name: &str) -> Vec<u8> {
    let path: std::path::PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "tests",
        "fixtures",
        "windows",
        name,
    ]
    .iter()
    .collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Shorthands.
pub const W0: WriterNo = WriterNo(0);
pub const W1: WriterNo = WriterNo(1);
pub const W2: WriterNo = WriterNo(2);
pub const S0: SessionNo = SessionNo(0);
pub const S1: SessionNo = SessionNo(1);

/// A scenario of three writers at three application levels, registered in an order Freeze must
/// not follow (back-end, front-end, system; R46), running requester 0's canonical backup (R40)
/// under `faults`.
pub fn three_level_scenario(
    name: &str,
    faults: vss_sim::sim::FaultCatalogue,
) -> vss_sim::sim::Scenario {
    let writer = |name: &str, level| vss_sim::sim::WriterSpec {
        level,
        ..vss_sim::sim::WriterSpec::new(name)
    };
    vss_sim::sim::Scenario {
        name: name.into(),
        description: String::new(),
        policies: Default::default(),
        writers: vec![
            writer("SqlWriter", ApplicationLevel::VSS_APP_BACK_END),
            writer("WebWriter", ApplicationLevel::VSS_APP_FRONT_END),
            writer("RegistryWriter", ApplicationLevel::VSS_APP_SYSTEM),
        ],
        providers: Vec::new(),
        volumes: Vec::new(),
        os: Default::default(),
        machine: Default::default(),
        faults,
        steps: vss_sim::sim::canonical_backup(0),
        choices: Vec::new(),
        expect: Default::default(),
    }
}
