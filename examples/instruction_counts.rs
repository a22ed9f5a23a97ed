//! A fixed workload for instruction counts, the figures to compare on a shared, noisy machine
//! (`docs/architecture.md`, "Performance"): 200 full backups of 10 writers with the trace on
//! (`trace`) or off (`off`), one exploration of 3 writers with one fault (`explore`), or one
//! test-kit catalogue of a small writer (`testkit`, the workload of `benches/testkit.rs`).
//!
//! ```text
//! cargo build --release --example instruction_counts
//! valgrind --tool=callgrind target/release/examples/instruction_counts trace
//! ```
//!
//! To compare with an older commit, copy this file into a worktree of it (`git worktree add`)
//! and run both side by side.

#[path = "../benches/common/mod.rs"]
mod common;

use vss_sim::sim::{canonical_backup, Explorer, FaultCatalogue, Scenario, WriterSpec};
use vss_sim::trace::TraceMode;
use vss_sim::vocab::ApplicationLevel;

#[path = "../benches/common/journal.rs"]
mod journal;

fn main() {
    let workload = std::env::args().nth(1).unwrap_or_else(|| "trace".into());
    match workload.as_str() {
        "trace" | "off" => {
            let mode = if workload == "trace" {
                TraceMode::Record
            } else {
                TraceMode::Off
            };
            let records: usize = (0..200)
                .map(|_| common::full_backup(&common::machine(10, mode)))
                .sum();
            println!("200 backups of 10 writers, {records} trace records");
        }
        "explore" => {
            let levels = [
                ApplicationLevel::VSS_APP_FRONT_END,
                ApplicationLevel::VSS_APP_BACK_END,
                ApplicationLevel::VSS_APP_SYSTEM,
            ];
            let scenario = Scenario {
                name: "3 writers, standard catalogue".into(),
                description: String::new(),
                policies: Default::default(),
                writers: (0..3)
                    .map(|i| WriterSpec {
                        level: levels[i % 3],
                        ..WriterSpec::new(format!("W{i}"))
                    })
                    .collect(),
                providers: Vec::new(),
                volumes: Vec::new(),
                os: Default::default(),
                machine: Default::default(),
                faults: FaultCatalogue::standard().with_max_faults(1),
                steps: canonical_backup(0),
                choices: Vec::new(),
                expect: Default::default(),
            };
            let executions = Explorer::scenario(scenario).run().executions;
            println!("{executions} executions");
        }
        "testkit" => {
            let report = journal::kit().run();
            println!("{} runs, clean: {}", report.runs, report.is_ok());
        }
        other => {
            eprintln!("unknown workload `{other}`: expected trace, off, explore or testkit");
            std::process::exit(2);
        }
    }
}
