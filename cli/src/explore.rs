//! `explore`: every execution of a scenario's faults up to bounds, or a swarm of seeded runs;
//! in parts (`--partition`, for a CI matrix) and on several threads (`--jobs`), with a
//! progress bar and Ctrl-C.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use vss_sim::sim::{swarm_seeds, Bounds, Exploration, Explorer, Judge, Partition, Scenario};

use crate::failure::Failure;
use crate::{emit, Verdict};

/// `vss-sim explore`.
#[derive(Debug, Args)]
pub(crate) struct ExploreArgs {
    /// The scenario file whose faults (`[faults]`) and decisions are explored.
    scenario: PathBuf,
    /// Sample N seeded runs instead of exhausting the space.
    #[arg(long, value_name = "N")]
    swarm: Option<u64>,
    /// Threads to explore on (each takes its share of the space or the seeds).
    #[arg(long, short, value_name = "N", default_value_t = 1)]
    jobs: u32,
    /// Explore only part K of N (1-based, e.g. 2/4), so N processes share the space; every
    /// execution belongs to exactly one part.
    #[arg(long, value_name = "K/N", value_parser = Partition::parse)]
    partition: Option<Partition>,
    /// Where to write the shortest counterexample, as a scenario file that replays it.
    #[arg(long, value_name = "FILE", default_value = "counterexample.toml")]
    out: PathBuf,
    /// Count every party's violations (a writer's or requester's own), not only the engine's.
    #[arg(long)]
    everything: bool,
    /// Stop at the first violation instead of looking for a shorter one.
    #[arg(long)]
    first: bool,
    /// Decisions past this depth take their first option.
    #[arg(long, value_name = "N", default_value_t = Bounds::default().max_depth)]
    max_depth: usize,
    /// Stop after this many executions (per part).
    #[arg(long, value_name = "N", default_value_t = Bounds::default().max_executions)]
    max_executions: u64,
    /// Also branch on the order of delivery among writers (the space grows factorially).
    #[arg(long)]
    branch_on_order: bool,
    /// No progress bar (it is hidden anyway when stderr is not a terminal).
    #[arg(long)]
    no_progress: bool,
}

/// Set by Ctrl-C: every job stops at its next progress report.
static STOP: AtomicBool = AtomicBool::new(false);

pub(crate) fn explore(args: &ExploreArgs) -> Result<Verdict, Failure> {
    let scenario = Scenario::load(&args.scenario)?;
    if args.jobs == 0 {
        return Err(Failure::new("--jobs takes at least 1"));
    }
    // A second Ctrl-C (or a failure to install the handler) falls back to the default: exit.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let judge = if args.everything {
        Judge::Everything
    } else {
        Judge::Engine
    };
    let part = args.partition.unwrap_or(Partition::WHOLE);
    let bounds = Bounds {
        max_depth: args.max_depth,
        max_executions: args.max_executions,
        stop_at_first_violation: args.first,
        branch_on_order: args.branch_on_order,
    };
    let done = Arc::new(AtomicU64::new(0));
    let bar = progress_bar(args, part);
    let jobs: Vec<std::thread::JoinHandle<(Exploration, Duration)>> = (0..args.jobs)
        .map(|job| {
            // Job j of part k/n explores part k*jobs + j of n*jobs.
            let sub = Partition::new(part.index * args.jobs + job, part.count * args.jobs)
                .unwrap_or(Partition::WHOLE);
            let scenario = scenario.clone();
            let done = done.clone();
            let swarm = args.swarm;
            std::thread::spawn(move || {
                let started = Instant::now();
                let found = explore_part(scenario, sub, swarm, bounds, judge, done);
                (found, started.elapsed())
            })
        })
        .collect();
    while !jobs.iter().all(std::thread::JoinHandle::is_finished) {
        bar.set_position(done.load(Ordering::Relaxed));
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut parts = Vec::new();
    let mut elapsed = Duration::ZERO;
    for job in jobs {
        let (found, took) = job
            .join()
            .map_err(|_| Failure::new("an exploration thread panicked"))?;
        parts.push(found);
        elapsed = elapsed.max(took);
    }
    bar.finish_and_clear();
    let exploration = Exploration::merge(parts);
    report(args, &scenario, &exploration, elapsed)
}

/// One thread's share.
fn explore_part(
    scenario: Scenario,
    part: Partition,
    swarm: Option<u64>,
    bounds: Bounds,
    judge: Judge,
    done: Arc<AtomicU64>,
) -> Exploration {
    // Adds each report's new executions to the shared count; stops on Ctrl-C.
    let mut last = 0;
    let on_progress = move |progress: &vss_sim::sim::Progress| {
        done.fetch_add(progress.executions - last, Ordering::Relaxed);
        last = progress.executions;
        if STOP.load(Ordering::Relaxed) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    match swarm {
        Some(runs) => {
            let replay = scenario.clone();
            swarm_seeds(
                move |chooser| replay.runner().chooser(chooser).run().trace,
                (0..runs).filter(move |seed| part.owns_seed(*seed)),
                judge,
                on_progress,
            )
        }
        None => Explorer::scenario(scenario)
            .bounds(bounds)
            .judge(judge)
            .partition(part)
            .on_progress(64, on_progress)
            .run(),
    }
}

fn progress_bar(args: &ExploreArgs, part: Partition) -> ProgressBar {
    let target = if args.no_progress {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    match args.swarm {
        Some(runs) => {
            let share = runs / u64::from(part.count) + u64::from(runs % u64::from(part.count) > 0);
            let bar = ProgressBar::with_draw_target(Some(share), target);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} runs  {per_sec}  ETA {eta}  (Ctrl-C: stop and report)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        }
        None => {
            let bar = ProgressBar::with_draw_target(None, target);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {pos} executions  {per_sec}  {elapsed}  (Ctrl-C: stop and report)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar
        }
    }
}

fn report(
    args: &ExploreArgs,
    scenario: &Scenario,
    exploration: &Exploration,
    elapsed: Duration,
) -> Result<Verdict, Failure> {
    let how = if exploration.interrupted {
        "interrupted: what was found so far"
    } else if args.swarm.is_some() {
        "swarm"
    } else if exploration.complete {
        "space exhausted"
    } else {
        "bounded"
    };
    let mut text = format!(
        "{} executions ({} distinct traces, {how}) in {elapsed:.2?}: {:.0} executions/s\n",
        exploration.executions,
        exploration.distinct_traces,
        exploration.executions as f64 / elapsed.as_secs_f64().max(1e-9),
    );
    if let Some(partition) = args.partition {
        text.push_str(&format!(
            "part {}/{} of the space\n",
            partition.index + 1,
            partition.count
        ));
    }
    let rules: Vec<String> = exploration
        .coverage
        .rules_exercised()
        .iter()
        .map(ToString::to_string)
        .collect();
    text.push_str(&format!("rules exercised: {}\n", rules.join(" ")));
    let states: Vec<String> = exploration
        .coverage
        .states_reached()
        .iter()
        .map(|s| format!("{s:?}"))
        .collect();
    text.push_str(&format!("writer states reached: {}\n", states.join(" ")));
    if let Some(panic) = &exploration.factory_panic {
        text.push_str(&format!("the run factory panicked: {panic}\n"));
    }
    let Some(replay) = exploration.counterexample_scenario(scenario) else {
        text.push_str("no violation found\n");
        emit(None, &text)?;
        return Ok(Verdict::Clean);
    };
    if let Some(counterexample) = &exploration.counterexample {
        text.push_str(&format!(
            "{} violating executions; the shortest:\n{}",
            exploration.violating_executions, counterexample.report
        ));
    }
    let written = replay
        .save(&args.out)
        .map_err(|err| Failure::write(&args.out, &err))?;
    text.push_str(&format!(
        "\nwritten to {}; replay with: vss-sim replay {}\n",
        written.display(),
        written.display()
    ));
    emit(None, &text)?;
    Ok(Verdict::Failed)
}
