//! `vss-sim`: the simulator on the command line.
//!
//! - `run`, `replay`, `explore`: scenario files (`scenarios.rs`);
//! - `check`, `render`: recorded traces (`traces.rs`);
//! - `vssadmin`, `diskshadow`: Microsoft's own requesters over a described machine
//!   (`machine.rs`);
//! - `completions`: shell completions.
//!
//! Exit status: 0 when the verdict is clean (or the command did what it was asked), 1 when the
//! oracle, a scenario's expectations or the simulated tool report a failure, 2 when the input
//! cannot be used (a file that does not read or parse, a bad argument).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

mod explore;
mod failure;
mod machine;
mod scenarios;
mod traces;

use failure::Failure;

/// A simulator of Windows' Volume Shadow Copy Service: requester, VSS, writers and providers on
/// a virtual clock, judged against the protocol's numbered rules.
#[derive(Debug, Parser)]
#[command(name = "vss-sim", version, about, long_about = None)]
#[command(after_help = "Examples:\n  \
    vss-sim run scenarios/quickstart.toml\n  \
    vss-sim explore scenarios/ff12-requester-crash.toml --swarm 100000 --jobs 2\n  \
    vss-sim run scenarios/ff02-hold-writes-timeout.toml --trace-out run.jsonl\n  \
    vss-sim render run.jsonl --format mermaid")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs a scenario file: its readable trace, the oracle's verdict, and whether the outcome
    /// is what the file expects. Exits 1 when it is not.
    #[command(after_help = "Example:\n  vss-sim run scenarios/quickstart.toml\n  \
        vss-sim run scenarios/ff12-requester-crash.toml --trace-out crash.jsonl --quiet")]
    Run(scenarios::RunArgs),
    /// Replays a scenario file, typically a counterexample `explore` wrote (its recorded
    /// choices), or any scenario under a chooser seed a property test printed.
    #[command(after_help = "Example:\n  vss-sim replay counterexample.toml\n  \
        vss-sim replay tests/regressions/an-own-timeout-abort-survives-a-service-restart.toml \
        --seed 760603781753326387")]
    Replay(scenarios::ReplayArgs),
    /// Explores every execution of a scenario's faults and decisions up to bounds, or samples
    /// them (`--swarm N`); writes the shortest counterexample as a scenario file that replays
    /// it. Ctrl-C stops and prints what was found so far.
    #[command(
        after_help = "Examples:\n  vss-sim explore scenarios/ff12-requester-crash.toml\n  \
        vss-sim explore my.toml --swarm 1000000 --jobs 2 --out found.toml\n  \
        # a CI matrix of 4 machines, this one the 2nd:\n  \
        vss-sim explore my.toml --partition 2/4"
    )]
    Explore(explore::ExploreArgs),
    /// Judges a recorded trace (JSON Lines, as `run --trace-out` or `Trace::to_json_lines`
    /// writes it) with the oracle. Exits 1 when a rule was broken.
    #[command(after_help = "Example:\n  vss-sim check run.jsonl --format json")]
    Check(traces::CheckArgs),
    /// Draws a recorded trace: readable text, JSON, a Mermaid sequence diagram (GitHub renders
    /// it) or a self-contained HTML timeline.
    #[command(
        after_help = "Examples:\n  vss-sim render run.jsonl --format mermaid > run.md\n  \
        vss-sim render run.jsonl --format html --out run.html"
    )]
    Render(traces::RenderArgs),
    /// `vssadmin` over a described machine: list writers, shadows, providers and shadow storage;
    /// create and delete shadow copies; add, resize and delete shadow storage.
    #[command(after_help = "Examples:\n  vss-sim vssadmin list writers\n  \
        vss-sim vssadmin --machine my-server.toml --state state.json create shadow /for=C:\n  \
        vss-sim vssadmin --state state.json list shadows")]
    Vssadmin(machine::VssadminArgs),
    /// DiskShadow over a described machine: a script (`-s file`) or the interactive prompt.
    #[command(
        after_help = "Examples:\n  vss-sim diskshadow -s backup.dsh --machine my-server.toml\n  \
        echo \"list writers status\" | vss-sim diskshadow"
    )]
    Diskshadow(machine::DiskshadowArgs),
    /// Prints a shell completion script.
    #[command(
        after_help = "Example:\n  vss-sim completions bash > ~/.local/share/bash-completion/completions/vss-sim"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// How a verdict or a report is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// For people.
    #[default]
    Text,
    /// For tools.
    Json,
}

fn main() -> ExitCode {
    // Writers scripted or injected to panic are caught and recorded in the trace; their
    // messages stay off the terminal.
    vss_sim::sim::quiet_writer_panics();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => scenarios::run(&args),
        Command::Replay(args) => scenarios::replay(&args),
        Command::Explore(args) => explore::explore(&args),
        Command::Check(args) => traces::check(&args),
        Command::Render(args) => traces::render(&args),
        Command::Vssadmin(args) => machine::vssadmin(&args),
        Command::Diskshadow(args) => machine::diskshadow(&args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "vss-sim",
                &mut std::io::stdout(),
            );
            Ok(Verdict::Clean)
        }
    };
    match result {
        Ok(Verdict::Clean) => ExitCode::SUCCESS,
        Ok(Verdict::Failed) => ExitCode::from(1),
        Err(failure) => {
            eprintln!("vss-sim: {failure}");
            ExitCode::from(2)
        }
    }
}

/// What a command concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Clean, as expected, done.
    Clean,
    /// A rule was broken, an expectation missed, the simulated tool failed.
    Failed,
}

/// Writes `text` to `out`, or to stdout when `out` is `None`.
pub(crate) fn emit(out: Option<&PathBuf>, text: &str) -> Result<(), Failure> {
    match out {
        Some(path) => std::fs::write(path, text).map_err(|err| Failure::write(path, &err)),
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = stdout.write_all(text.as_bytes());
            Ok(())
        }
    }
}
