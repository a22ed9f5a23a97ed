//! `run` and `replay`: one execution of a scenario file, shown and judged.

use std::path::PathBuf;

use clap::Args;
use vss_sim::sim::{RunOutcome, Scenario, SeededChooser, SharedChooser};
use vss_sim::trace::oracle;

use crate::failure::Failure;
use crate::{emit, ReportFormat, Verdict};

/// `vss-sim run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The scenario file (TOML or JSON; see docs/simulation.md).
    scenario: PathBuf,
    /// Make the chooser's decisions from this seed instead of the file's recorded choices.
    #[arg(long)]
    seed: Option<u64>,
    /// Print only the verdict, not the trace.
    #[arg(long, short)]
    quiet: bool,
    /// Also write the run's trace as JSON Lines (for `check` and `render`).
    #[arg(long, value_name = "FILE")]
    trace_out: Option<PathBuf>,
    /// How to print the verdict: text, or JSON (the oracle's report, the mismatches and the
    /// step results).
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
}

/// `vss-sim replay`.
#[derive(Debug, Args)]
pub(crate) struct ReplayArgs {
    /// The scenario file, usually a counterexample `explore` wrote.
    scenario: PathBuf,
    /// The chooser seed a property test printed (otherwise the file's recorded choices).
    #[arg(long)]
    seed: Option<u64>,
}

pub(crate) fn run(args: &RunArgs) -> Result<Verdict, Failure> {
    let scenario = Scenario::load(&args.scenario)?;
    let outcome = execute(&scenario, args.seed);
    if let Some(path) = &args.trace_out {
        emit(Some(path), &outcome.trace.to_json_lines())?;
    }
    let report = oracle::check(&outcome.trace);
    let mismatches = scenario.check(&outcome).err().unwrap_or_default();
    let verdict = if mismatches.is_empty() {
        Verdict::Clean
    } else {
        Verdict::Failed
    };
    let text = match args.format {
        ReportFormat::Json => {
            let json = serde_json::json!({
                "scenario": scenario.name,
                "verdict": if verdict == Verdict::Clean { "as expected" } else { "unexpected" },
                "mismatches": mismatches.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "report": report.to_json(),
                "steps": outcome.results,
            });
            format!("{json:#}\n")
        }
        ReportFormat::Text => {
            let mut text = format!("=== {} ===\n", scenario.name);
            if !scenario.description.is_empty() && !args.quiet {
                text.push_str(scenario.description.trim_end());
                text.push_str("\n\n");
            }
            if !args.quiet {
                text.push_str(&outcome.trace.render());
                text.push('\n');
            }
            text.push_str(&format!("oracle: {report}"));
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&verdict_text(&mismatches));
            text
        }
    };
    emit(None, &text)?;
    Ok(verdict)
}

pub(crate) fn replay(args: &ReplayArgs) -> Result<Verdict, Failure> {
    run(&RunArgs {
        scenario: args.scenario.clone(),
        seed: args.seed,
        quiet: false,
        trace_out: None,
        format: ReportFormat::Text,
    })
}

/// Runs `scenario`: with the file's recorded choices, or a seeded chooser.
fn execute(scenario: &Scenario, seed: Option<u64>) -> RunOutcome {
    let mut runner = scenario.runner();
    if let Some(seed) = seed {
        runner = runner.chooser(SharedChooser::new(SeededChooser::new(seed)));
    }
    runner.run()
}

fn verdict_text(mismatches: &[impl ToString]) -> String {
    if mismatches.is_empty() {
        return "verdict: the outcome is what the scenario expects\n".to_owned();
    }
    let mut text = format!(
        "verdict: {} mismatch(es) with what the scenario expects\n",
        mismatches.len()
    );
    for mismatch in mismatches {
        text.push_str(&format!("  - {}\n", mismatch.to_string()));
    }
    text
}
