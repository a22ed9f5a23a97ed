//! A machine at the documented scale: 10,000 writers declaring 100,000 components, one full
//! backup that selects every component (`AddComponent` 100,000 times) — the cost per call must
//! stay flat however many writers and components there are (issue 9, case 11).
//!
//! Run with `cargo bench --bench scale`. The machine is built outside the timed region.

#[allow(dead_code)] // the scale bench builds its own machine
mod common;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use vss_sim::requester::Vss;
use vss_sim::trace::TraceMode;
use vss_sim::vocab::{ComponentType, WriterClassId};
use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

/// A writer declaring `components` database components.
struct Many {
    components: usize,
}

impl Writer for Many {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        for n in 0..self.components {
            md.add_component(ComponentType::VSS_CT_DATABASE, None, &format!("db{n}"));
        }
        true
    }
    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

fn machine(writers: usize, components_each: usize) -> Vss {
    (0..writers)
        .fold(
            Vss::builder().trace_mode(TraceMode::Record),
            |builder, i| {
                let config =
                    WriterConfig::new(WriterClassId::from_u128(i as u128 + 1), format!("W{i}"));
                builder.writer(
                    config,
                    Many {
                        components: components_each,
                    },
                )
            },
        )
        .build()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    for (writers, each) in [(1_000usize, 10usize), (10_000, 10), (1, 100_000)] {
        let name = format!("{writers}_writers_{}_components", writers * each);
        group.bench_function(name, |b| {
            b.iter_batched(
                || machine(writers, each),
                |vss| black_box(common::full_backup(&vss)),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
