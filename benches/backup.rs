//! A full backup sequence (R40: metadata, PrepareForBackup, DoSnapshotSet, BackupComplete,
//! release) with 1, 10 and 100 writers, trace recording on and off.
//!
//! Run with `cargo bench --bench backup`. The machine is built outside the timed region; the
//! timed region is everything a requester does, including the BackupShutdown fan-out.

mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use vss_sim::trace::TraceMode;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_backup");
    for writers in [1usize, 10, 100] {
        for (label, mode) in [("trace", TraceMode::Record), ("no_trace", TraceMode::Off)] {
            group.bench_with_input(BenchmarkId::new(label, writers), &writers, |b, &writers| {
                b.iter_batched(
                    || common::machine(writers, mode),
                    |vss| black_box(common::full_backup(&vss)),
                    BatchSize::SmallInput,
                );
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
