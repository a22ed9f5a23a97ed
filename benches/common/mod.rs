//! What the benches share: a machine of scripted writers and the canonical backup sequence.

use vss_sim::requester::Vss;
use vss_sim::trace::TraceMode;
use vss_sim::vocab::{ApplicationLevel, BackupState, WriterClassId};
use vss_sim::writer::{ScriptedWriter, WriterConfig};

/// `writers` scripted writers spread over the three application levels.
pub(crate) fn machine(writers: usize, mode: TraceMode) -> Vss {
    let levels = [
        ApplicationLevel::VSS_APP_FRONT_END,
        ApplicationLevel::VSS_APP_BACK_END,
        ApplicationLevel::VSS_APP_SYSTEM,
    ];
    (0..writers)
        .fold(Vss::builder().trace_mode(mode), |builder, i| {
            let config =
                WriterConfig::new(WriterClassId::from_u128(i as u128 + 1), format!("W{i}"))
                    .level(levels[i % 3]);
            builder.writer(config, ScriptedWriter::new(format!("W{i}")))
        })
        .build()
}

/// The canonical backup of R40 through the typed API, up to release; returns the number of
/// trace records.
pub(crate) fn full_backup(vss: &Vss) -> usize {
    let mut bc = vss
        .backup_components()
        .initialize_for_backup()
        .expect("initialize");
    bc.set_backup_state(BackupState::default())
        .expect("backup state");
    let mut discovered = bc
        .gather_writer_metadata()
        .expect("gather")
        .wait()
        .expect("identify");
    discovered.select_all_components().expect("components");
    let mut started = discovered.start_snapshot_set().expect("start");
    started.add_to_snapshot_set("C:\\").expect("volume");
    let prepared = started
        .prepare_for_backup()
        .expect("prepare")
        .wait()
        .expect("prepared");
    let done = prepared
        .do_snapshot_set()
        .expect("snapshot")
        .wait()
        .expect("created");
    drop(
        done.backup_complete()
            .expect("complete")
            .wait()
            .expect("completed"),
    );
    vss.take_trace().records().len()
}
