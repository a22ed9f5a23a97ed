//! Replays a scenario file (a counterexample written by the explorer, or any scenario) and
//! checks it against its expectations.
//!
//! ```sh
//! cargo run --example replay -- scenarios/ff02-hold-writes-timeout.toml
//! ```
//!
//! Prints the readable trace and the oracle's report; exits 1 when the outcome differs from the
//! scenario's `[expect]`, 2 when the file cannot be read.

use std::process::ExitCode;

use vss_sim::sim::Scenario;
use vss_sim::trace::oracle;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: cargo run --example replay -- <scenario.toml|scenario.json>");
        return ExitCode::from(2);
    };
    // Writers scripted or injected to panic are caught and recorded; keep them off the terminal.
    vss_sim::sim::quiet_writer_panics();
    let scenario = match Scenario::load(&path) {
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
    let outcome = scenario.run();
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
