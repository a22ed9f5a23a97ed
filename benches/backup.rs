//! A full backup sequence (R40: metadata, PrepareForBackup, DoSnapshotSet, BackupComplete,
//! release) with 1, 10 and 100 writers, trace recording on and off.
//!
//! Run with `cargo bench --bench backup`. The machine is built outside the timed region; the
//! timed region is everything a requester does, including the BackupShutdown fan-out.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use vss_sim::requester::Vss;
use vss_sim::trace::TraceMode;
use vss_sim::vocab::{ApplicationLevel, BackupState, WriterClassId};
use vss_sim::writer::{ScriptedWriter, WriterConfig};

fn machine(writers: usize, mode: TraceMode) -> Vss {
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

fn full_backup(vss: &Vss) -> usize {
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
    let completed = done
        .backup_complete()
        .expect("complete")
        .wait()
        .expect("completed");
    drop(completed);
    vss.inspect(|core| core.trace().records().len())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_backup");
    for writers in [1usize, 10, 100] {
        for (label, mode) in [("trace", TraceMode::Record), ("no_trace", TraceMode::Off)] {
            group.bench_with_input(BenchmarkId::new(label, writers), &writers, |b, &writers| {
                b.iter_batched(
                    || machine(writers, mode),
                    |vss| black_box(full_backup(&vss)),
                    BatchSize::SmallInput,
                );
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
