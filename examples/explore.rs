//! Explores every execution of a scenario file's faults (or samples them with `--swarm N`) and
//! writes the shortest counterexample as a scenario file that replays it.
//!
//! ```sh
//! cargo run --release --example explore -- scenarios/ff12-requester-crash.toml
//! cargo run --release --example explore -- my.toml --swarm 100000 --out counterexample.toml
//! cargo run --example replay -- counterexample.toml
//! ```

use std::process::ExitCode;

use vss_sim::sim::{swarm, Bounds, Explorer, Judge, Scenario};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: cargo run --release --example explore -- <scenario> [--swarm N] [--everything] [--out FILE]");
        return ExitCode::from(2);
    };
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let judge = if args.iter().any(|a| a == "--everything") {
        Judge::Everything
    } else {
        Judge::Engine
    };
    let out = flag("--out").unwrap_or_else(|| "counterexample.toml".to_owned());
    // Writers scripted or injected to panic are caught and recorded; keep them off the terminal.
    vss_sim::sim::quiet_writer_panics();
    let scenario = match Scenario::load(path) {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let exploration = match flag("--swarm").map(|n| n.parse::<u64>()) {
        Some(Ok(runs)) => {
            let scenario = scenario.clone();
            swarm(
                move |chooser| scenario.runner().chooser(chooser).run().trace,
                0..runs,
                judge,
            )
        }
        Some(Err(_)) => {
            eprintln!("--swarm takes a number of runs");
            return ExitCode::from(2);
        }
        None => Explorer::scenario(scenario.clone())
            .bounds(Bounds::default())
            .judge(judge)
            .run(),
    };
    let elapsed = started.elapsed();
    println!(
        "{} executions ({} distinct traces, {}) in {elapsed:.2?}: {:.0} executions/s",
        exploration.executions,
        exploration.distinct_traces,
        if exploration.complete {
            "space exhausted"
        } else {
            "bounded"
        },
        exploration.executions as f64 / elapsed.as_secs_f64().max(1e-9),
    );
    println!(
        "rules exercised: {:?}",
        exploration.coverage.rules_exercised()
    );
    println!(
        "writer states reached: {:?}",
        exploration.coverage.states_reached()
    );
    let Some(replay) = exploration.counterexample_scenario(&scenario) else {
        println!("no violation found");
        return ExitCode::SUCCESS;
    };
    if let Some(counterexample) = &exploration.counterexample {
        println!(
            "{} violating executions; the shortest:\n{}",
            exploration.violating_executions, counterexample.report
        );
    }
    let written = match replay.save(&out) {
        Ok(written) => written.display().to_string(),
        Err(error) => {
            eprintln!("cannot write {out}: {error}");
            return ExitCode::from(2);
        }
    };
    println!("written to {written}; replay with: cargo run --example replay -- {written}");
    ExitCode::FAILURE
}
