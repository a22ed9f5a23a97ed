//! The test kit's speed: one whole conformance run of a small writer (the catalogue, and the
//! catalogue plus exhaustive mode), and one requester check over the adversary catalogue.
//!
//! Run with `cargo bench --bench testkit`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vss_sim::requester::{Vss, WaitError};
use vss_sim::testkit::{Claim, Exhaustive, RequesterCheck};
use vss_sim::vocab::BackupState;

#[path = "common/journal.rs"]
mod journal;
use journal::kit;

/// A requester that claims nothing it did not check: enough to exercise every adversary.
fn requester(vss: &Vss) -> Claim {
    let Ok(mut bc) = vss.backup_components().initialize_for_backup() else {
        return Claim::Failed;
    };
    let _ = bc.set_backup_state(BackupState::default());
    let Ok(Ok(mut discovered)) = bc.gather_writer_metadata().map(|p| p.wait()) else {
        return Claim::Failed;
    };
    let _ = discovered.select_all_components();
    let Ok(mut started) = discovered.start_snapshot_set() else {
        return Claim::Failed;
    };
    let _ = started.add_to_snapshot_set("C:\\");
    match started.prepare_for_backup().map(|p| p.wait()) {
        Ok(Ok(prepared)) => match prepared.do_snapshot_set().map(|p| p.wait()) {
            Ok(Ok(done)) => {
                if let Ok(pending) = done.backup_complete() {
                    drop(pending.wait());
                }
                Claim::NotConsistent
            }
            Ok(Err(WaitError::Failed(failed))) => {
                drop(failed.components.abort_backup());
                Claim::Failed
            }
            Ok(Err(WaitError::BoundReached(pending, _))) => {
                drop(pending.abort_backup());
                Claim::Failed
            }
            Err(failed) => {
                drop(failed.components.abort_backup());
                Claim::Failed
            }
        },
        Ok(Err(WaitError::Failed(failed))) => {
            drop(failed.components.abort_backup());
            Claim::Failed
        }
        Ok(Err(WaitError::BoundReached(pending, _))) => {
            drop(pending.abort_backup());
            Claim::Failed
        }
        Err(failed) => {
            drop(failed.components.abort_backup());
            Claim::Failed
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("testkit");
    let runs = kit().run().runs;
    group.bench_function(format!("writer_catalogue_{runs}_runs"), |b| {
        b.iter(|| black_box(kit().run().runs));
    });
    let runs = kit().exhaustive(Exhaustive::default()).run().runs;
    group.bench_function(
        format!("writer_catalogue_and_exhaustive_{runs}_runs"),
        |b| {
            b.iter(|| black_box(kit().exhaustive(Exhaustive::default()).run().runs));
        },
    );
    group.bench_function("requester_adversary_catalogue", |b| {
        b.iter(|| black_box(RequesterCheck::new(requester).run().runs));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
