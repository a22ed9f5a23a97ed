//! The explorer, fault plans and scenario replay (issue 3; R50–R57, R76, R89, R99).

mod common;

use std::time::Instant;

use vss_sim::coordinator::PlantedBug;
use vss_sim::sim::{check_determinism, Bounds, Explorer, FaultCatalogue, Judge, Scenario};
use vss_sim::vocab::Rule;

fn three_writers(faults: FaultCatalogue) -> Scenario {
    common::three_level_scenario("standard 3-writer fault catalogue", faults)
}

#[test]
fn standard_catalogue_three_writers_is_clean_and_covers_the_abort_paths() {
    let exploration = Explorer::scenario(three_writers(FaultCatalogue::standard())).run();
    assert!(exploration.complete);
    assert!(
        exploration.counterexample.is_none(),
        "{}",
        exploration
            .counterexample
            .map(|c| c.report.to_string())
            .unwrap_or_default()
    );
    // Golden count: the space of the standard catalogue at one fault per run. A change here is a
    // change of the engine's behaviour or of the catalogue: look before updating it.
    assert_eq!(exploration.executions, 47, "executions");
    let rules = exploration.coverage.rules_exercised();
    for rule in [
        Rule::R50,
        Rule::R51,
        Rule::R55,
        Rule::R57,
        Rule::R76,
        Rule::R89,
        Rule::R93,
    ] {
        assert!(rules.contains(&rule), "{rule} never exercised: {rules:?}");
    }
}

#[test]
fn two_faults_per_run() {
    let exploration =
        Explorer::scenario(three_writers(FaultCatalogue::standard().with_max_faults(2))).run();
    assert!(exploration.complete);
    assert!(exploration.counterexample.is_none());
    assert_eq!(exploration.executions, 253, "executions");
}

#[test]
fn the_planted_bug_is_found_and_its_counterexample_replays() {
    let scenario = three_writers(FaultCatalogue::standard());
    let bug = Some(PlantedBug::AbortAfterPostSnapshot);
    let started = Instant::now();
    let exploration = Explorer::scenario_with_bug(scenario.clone(), bug)
        .bounds(Bounds {
            stop_at_first_violation: true,
            ..Bounds::default()
        })
        .judge(Judge::Engine)
        .run();
    let elapsed = started.elapsed();
    let counterexample = exploration
        .counterexample
        .as_ref()
        .expect("the explorer finds the planted bug");
    assert!(counterexample
        .report
        .engine_violations()
        .iter()
        .any(|v| v.rule == Rule::R55));
    eprintln!(
        "planted bug found after {} executions in {elapsed:?}",
        exploration.executions
    );
    // The counterexample is a scenario file that replays the same violation.
    let replay = exploration.counterexample_scenario(&scenario).unwrap();
    let text = replay.to_toml().unwrap();
    let parsed = Scenario::from_toml(&text, "counterexample.toml").unwrap();
    let outcome = parsed.runner().planted_bug(bug).run();
    assert!(
        outcome.trace.records() == counterexample.trace.records(),
        "the replay differs from the counterexample"
    );
    assert!(
        parsed.check(&outcome).is_ok(),
        "{:?}",
        parsed.check(&outcome)
    );
}

#[test]
fn runs_are_deterministic_per_seed() {
    let scenario = three_writers(FaultCatalogue::standard().with_max_faults(3));
    for seed in vss_sim::sim::seeds_from_env(20) {
        check_determinism(&scenario, seed).unwrap_or_else(|e| {
            panic!(
                "{e}\nreplay: {}",
                vss_sim::sim::replay_command(
                    seed,
                    "exploration",
                    "runs_are_deterministic_per_seed"
                )
            )
        });
    }
}

#[test]
fn swarm_mode_finds_nothing_in_the_engine_and_its_counterexamples_replay() {
    let mut faults = FaultCatalogue::standard().with_max_faults(4);
    faults.requester.push(vss_sim::sim::RequesterFault::Release);
    let scenario = three_writers(faults);
    let run = {
        let scenario = scenario.clone();
        move |chooser| scenario.runner().chooser(chooser).run().trace
    };
    let seeds = 0..vss_sim::sim::seeds_from_env(500).len() as u64;
    let clean = vss_sim::sim::swarm(run.clone(), seeds.clone(), Judge::Engine);
    if let Some(c) = &clean.counterexample {
        panic!(
            "engine violation in swarm mode:\n{}\nreplay choices: {:?}",
            c.report, c.choices
        );
    }
    assert!(
        clean.distinct_traces > 10,
        "swarm runs should differ: {}",
        clean.distinct_traces
    );
    // A requester released after PrepareForBackup without AbortBackup breaks R52: swarm mode
    // finds such runs, and the recorded picks replay them exactly.
    let careless = vss_sim::sim::swarm(run, seeds, Judge::Everything);
    let counterexample = careless
        .counterexample
        .expect("swarm mode finds a requester violation");
    let replay = scenario
        .runner()
        .chooser(vss_sim::sim::SharedChooser::new(
            vss_sim::sim::ReplayChooser::new(counterexample.choices.clone()),
        ))
        .run();
    assert!(
        replay.trace.records() == counterexample.trace.records(),
        "swarm counterexample does not replay"
    );
}
