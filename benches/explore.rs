//! Explorer throughput: complete executions per second (each one built, run and judged by the
//! oracle) for 3 and 5 writers with the standard fault catalogue.
//!
//! Run with `cargo bench --bench explore`. Criterion reports the time of one whole exploration;
//! executions per second = executions / time (printed once per configuration).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use vss_sim::sim::{canonical_backup, Explorer, FaultCatalogue, Scenario, WriterSpec};
use vss_sim::vocab::ApplicationLevel;

fn scenario(writers: usize, faults: FaultCatalogue) -> Scenario {
    let levels = [
        ApplicationLevel::VSS_APP_FRONT_END,
        ApplicationLevel::VSS_APP_BACK_END,
        ApplicationLevel::VSS_APP_SYSTEM,
    ];
    Scenario {
        name: format!("{writers} writers, standard catalogue"),
        description: String::new(),
        policies: Default::default(),
        writers: (0..writers)
            .map(|i| WriterSpec {
                level: levels[i % 3],
                ..WriterSpec::new(format!("W{i}"))
            })
            .collect(),
        providers: Vec::new(),
        volumes: Vec::new(),
        os: Default::default(),
        machine: Default::default(),
        faults,
        steps: canonical_backup(0),
        choices: Vec::new(),
        expect: Default::default(),
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("explore");
    for writers in [3usize, 5] {
        for faults in [1u32, 2] {
            let scenario = scenario(writers, FaultCatalogue::standard().with_max_faults(faults));
            let executions = Explorer::scenario(scenario.clone()).run().executions;
            group.throughput(Throughput::Elements(executions));
            let id = BenchmarkId::new(
                format!("{writers}_writers"),
                format!("{faults}_faults_{executions}_executions"),
            );
            group.bench_with_input(id, &scenario, |b, scenario| {
                b.iter(|| black_box(Explorer::scenario(scenario.clone()).run().executions));
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
