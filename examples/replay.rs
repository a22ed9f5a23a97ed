//! Replays a scenario file (a counterexample written by the explorer, or any scenario) and
//! checks it against its expectations.
//!
//! ```sh
//! cargo run --example replay -- scenarios/ff02-hold-writes-timeout.toml
//! # a counterexample a seeded property printed, under the chooser seed it printed:
//! cargo run --example replay -- tests/regressions/an-own-timeout-abort-survives-a-service-restart.toml --seed 760603781753326387
//! ```
//!
//! Prints the readable trace and the oracle's report; exits 1 when the outcome differs from the
//! scenario's `[expect]`, 2 when the file cannot be read.

use std::process::ExitCode;

use vss_sim::sim::{Scenario, SeededChooser, SharedChooser};
use vss_sim::trace::oracle;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: cargo run --example replay -- <scenario.toml|scenario.json> [--seed N]";
    let (path, seed) = match args.as_slice() {
        [path] => (path, None),
        [path, flag, seed] if flag == "--seed" => match seed.parse::<u64>() {
            Ok(seed) => (path, Some(seed)),
            Err(_) => {
                eprintln!("--seed takes a number, not {seed:?}\n{usage}");
                return ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    // Writers scripted or injected to panic are caught and recorded; keep them off the terminal.
    vss_sim::sim::quiet_writer_panics();
    let scenario = match Scenario::load(path) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    println!("=== {} ===", scenario.name);
    if !scenario.description.is_empty() {
        println!("{}\n", scenario.description);
    }
    // Without a seed, the choices recorded in the file; with one, a seeded chooser.
    let mut runner = scenario.runner();
    if let Some(seed) = seed {
        runner = runner.chooser(SharedChooser::new(SeededChooser::new(seed)));
    }
    let outcome = runner.run();
    print!("{}", outcome.trace.render());
    println!("\n{}", oracle::check(&outcome.trace));
    match scenario.check(&outcome) {
        Ok(()) => {
            println!("outcome as expected");
            ExitCode::SUCCESS
        }
        Err(mismatches) => {
            for mismatch in mismatches {
                println!("MISMATCH: {mismatch}");
            }
            ExitCode::FAILURE
        }
    }
}
