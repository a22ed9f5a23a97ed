//! The public strategies (`vss_sim::sim::strategies`, feature `proptest`), used exactly as a
//! user of the crate would: properties over generated scenarios, fault plans and programs.
//!
//! Seeds: `VSS_SIM_SEED=<u64>` replays one run of cases; `VSS_SIM_CASES=<n>` sets the number of
//! cases (default 64). A failure prints the property, the seed, the shrunk value (scenarios as
//! a TOML file for `vss-sim replay`) and the command that replays it.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt::Debug;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use vss_sim::sim::strategies::{self, StrategyConfig};
use vss_sim::sim::{
    check_determinism, quiet_writer_panics, Scenario, SeededChooser, SharedChooser, Step,
};
use vss_sim::trace::oracle::{self, Coverage};
use vss_sim::vocab::Rule;
use vss_sim::vocab::WriterState;

mod common;

use common::props::cases;

/// Runs property `name` of this file (see `common::props::check`).
fn check<S>(
    name: &str,
    strategy: S,
    show: impl Fn(&S::Value) -> String,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    common::props::check("strategies", name, strategy, show, property);
}

/// A scenario as a file `vss-sim replay` takes.
fn as_file(scenario: &Scenario) -> String {
    scenario.to_file_text().0
}

#[test]
fn generated_scenarios_keep_the_engine_rules() {
    let coverage = RefCell::new(Coverage::default());
    let requester_faults = RefCell::new(0u32);
    check(
        "generated_scenarios_keep_the_engine_rules",
        strategies::scenario(1..=3),
        as_file,
        |scenario| {
            // The scenario's own choices pick the faults: the run replays exactly.
            let outcome = scenario.run();
            let report = oracle::check(&outcome.trace);
            coverage.borrow_mut().merge(report.coverage());
            *requester_faults.borrow_mut() +=
                outcome.results.iter().filter(|r| r.fault.is_some()).count() as u32;
            prop_assert!(
                report.engine_violations().is_empty(),
                "{report}\n{}",
                outcome.trace.render()
            );
            Ok(())
        },
    );
    // Sometimes-coverage: the generated scenarios reach the interesting states, so passing is
    // not vacuous.
    let coverage = coverage.into_inner();
    let rules = coverage.rules_exercised();
    for rule in [
        Rule::R15,
        Rule::R50,
        Rule::R52,
        Rule::R57,
        Rule::R76,
        Rule::R89,
    ] {
        assert!(
            rules.contains(&rule),
            "no scenario exercised {rule}; exercised: {rules:?}"
        );
    }
    let states = coverage.states_reached();
    for state in [
        WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
        WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
        WriterState::VSS_WS_FAILED_AT_FREEZE,
    ] {
        assert!(
            states.contains(&state),
            "no scenario reached {state}; reached: {states:?}"
        );
    }
    assert!(
        requester_faults.into_inner() > 0,
        "no requester fault fired in any scenario"
    );
}

#[test]
fn generated_scenarios_round_trip_through_their_file_forms() {
    check(
        "generated_scenarios_round_trip_through_their_file_forms",
        strategies::scenario(0..=4),
        |scenario| format!("{scenario:#?}"),
        |scenario| {
            // What `Scenario::save` writes (TOML, or JSON where TOML cannot hold a value) reads
            // back as the same scenario and replays the same run; a scenario beyond the limits
            // is refused when read, naming the field the limit is about.
            let (text, format) = scenario.to_file_text();
            let back = Scenario::from_text(&text, "generated");
            match scenario.validate() {
                Ok(()) => {
                    prop_assert_eq!(back.as_ref(), Ok(&scenario), "{:?}:\n{}", format, text);
                    let replayed = back.unwrap_or_else(|_| scenario.clone()).run().trace;
                    prop_assert_eq!(replayed, scenario.run().trace);
                }
                Err(refused) => {
                    let back = back.err().map(|e| e.field);
                    prop_assert_eq!(back, Some(refused.field), "{:?}:\n{}", format, text);
                    return Ok(());
                }
            }
            let toml = scenario
                .to_toml()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = Scenario::from_toml(&toml, "generated.toml");
            prop_assert_eq!(back.as_ref(), Ok(&scenario), "TOML:\n{}", toml);
            let json =
                serde_json::to_string(&scenario).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back = Scenario::from_json(&json, "generated.json");
            prop_assert_eq!(back.as_ref(), Ok(&scenario), "JSON:\n{}", json);
            Ok(())
        },
    );
}

#[test]
fn runs_are_deterministic() {
    check(
        "runs_are_deterministic",
        (strategies::scenario(1..=3), any::<u64>()),
        |(scenario, seed)| format!("seed {seed}\n{}", as_file(scenario)),
        |(scenario, seed)| {
            // The same scenario gives the same trace, under its own choices and under a seed.
            let first = scenario.run().trace.fingerprint();
            prop_assert_eq!(first, scenario.run().trace.fingerprint());
            check_determinism(&scenario, seed).map_err(TestCaseError::fail)?;
            Ok(())
        },
    );
}

#[test]
fn fault_plans_under_a_seeded_chooser_keep_the_engine_rules() {
    // Writers that panic, more faults per run, three requesters racing: still no engine
    // violation, and never a panic out of the run.
    quiet_writer_panics();
    let sizes = StrategyConfig::default()
        .with_panics(true)
        .with_max_faults(1..=5);
    let machine = (
        sizes.writers(1..=3),
        sizes.fault_catalogue(),
        sizes.concurrent_programs(3),
        strategies::policies(),
        any::<u64>(),
    );
    check(
        "fault_plans_under_a_seeded_chooser_keep_the_engine_rules",
        machine.prop_map(|(writers, faults, steps, policies, seed)| {
            let scenario = Scenario {
                writers,
                faults,
                steps,
                policies,
                ..empty_scenario("fault plan")
            };
            (scenario, seed)
        }),
        |(scenario, seed)| format!("seed {seed}\n{}", as_file(scenario)),
        |(scenario, seed)| {
            let chooser = SharedChooser::new(SeededChooser::new(seed));
            let outcome = scenario.runner().chooser(chooser).run();
            let report = oracle::check(&outcome.trace);
            prop_assert!(report.engine_violations().is_empty(), "{report}");
            Ok(())
        },
    );
}

#[test]
fn found_counterexamples_stay_fixed() {
    // Counterexamples the properties found: with the chooser seed the seeded property printed,
    // or (`None`) with the choices recorded in the file.
    let regressions: [(&str, Option<u64>); 12] = [
        ("a-restore-object-is-owed-no-backup-shutdown.toml", None),
        (
            "abort-queued-behind-busy-handler.toml",
            Some(2_130_503_417_624_744_472),
        ),
        (
            "shutdown-for-a-writer-inside-prepare-backup.toml",
            Some(7_406_908_610_929_407_544),
        ),
        (
            "identify-after-a-cancelled-gather-identifies-nothing.toml",
            Some(16_339_122_266_999_018_138),
        ),
        (
            "abort-backup-reaches-a-writer-inside-prepare-backup.toml",
            Some(4_919_398_594_430_952_077),
        ),
        ("no-give-up-after-a-cancelled-gather.toml", None),
        (
            "crash-shutdown-set-id-skips-a-backup-that-lost-the-writer.toml",
            None,
        ),
        (
            "prepare-backup-judges-the-document-the-writer-got.toml",
            Some(12_285_209_694_435_785_847),
        ),
        (
            "restart-after-a-cancelled-gather-gives-up-on-nothing.toml",
            None,
        ),
        (
            "a-veto-after-the-service-restarted-is-owed-no-abort.toml",
            Some(0),
        ),
        (
            "a-cancelled-prepare-backup-owes-no-nothing-selected-drop.toml",
            Some(1_003_755_593_739_018_211),
        ),
        (
            "an-own-timeout-abort-survives-a-service-restart.toml",
            Some(760_603_781_753_326_387),
        ),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    for (file, seed) in regressions {
        let scenario = Scenario::load(dir.join(file)).unwrap();
        let outcome = match seed {
            Some(seed) => {
                let chooser = SharedChooser::new(SeededChooser::new(seed));
                scenario.runner().chooser(chooser).run()
            }
            None => scenario.runner().run(),
        };
        let report = oracle::check(&outcome.trace);
        assert!(report.engine_violations().is_empty(), "{file}: {report}");
    }
}

#[test]
fn misuse_programs_keep_the_engine_rules() {
    // Any step of any of four requesters, in any order: refused with the documented HRESULT,
    // never an engine violation.
    quiet_writer_panics();
    let sizes = StrategyConfig::default()
        .with_panics(true)
        .with_max_steps(48);
    check(
        "misuse_programs_keep_the_engine_rules",
        (sizes.writers(1..=4), sizes.any_program(4)),
        |(writers, steps)| format!("writers: {writers:#?}\nsteps: {steps:#?}"),
        |(writers, steps)| {
            let scenario = Scenario {
                writers,
                steps,
                ..empty_scenario("misuse")
            };
            let report = oracle::check(&scenario.run().trace);
            prop_assert!(report.engine_violations().is_empty(), "{report}");
            Ok(())
        },
    );
}

#[test]
fn requester_programs_deviate_from_the_canonical_backup_in_every_documented_way() {
    let canonical = vss_sim::sim::canonical_backup(0);
    let seen = RefCell::new(BTreeSet::new());
    check(
        "requester_programs_deviate_from_the_canonical_backup_in_every_documented_way",
        (0u32..64).prop_flat_map(|r| (Just(r), strategies::requester_program(r))),
        |program| format!("{program:#?}"),
        |(requester, program)| {
            prop_assert!(program.iter().all(|step| step.requester == requester));
            // At most three deviations, each adding at most two steps (AbortBackup, Release).
            prop_assert!(program.len() <= canonical.len() + 2 * 3);
            let steps: Vec<&Step> = program.iter().map(|s| &s.step).collect();
            let mut seen = seen.borrow_mut();
            if program
                .iter()
                .map(|s| &s.step)
                .eq(canonical.iter().map(|s| &s.step))
            {
                seen.insert("canonical");
            }
            match steps.as_slice() {
                [.., Step::Crash] => seen.insert("crashes"),
                [.., Step::AbortBackup, Step::Release] => seen.insert("aborts"),
                [.., last] if **last != Step::Release => seen.insert("stops"),
                _ => false,
            };
            if steps.contains(&&Step::Cancel {
                op: vss_sim::sim::OpRef::Last,
            }) {
                seen.insert("cancels");
            }
            Ok(())
        },
    );
    let seen = seen.into_inner();
    for kind in ["canonical", "crashes", "aborts", "stops", "cancels"] {
        assert!(
            seen.contains(kind),
            "no generated program {kind} in {} cases; seen: {seen:?}",
            cases()
        );
    }
}

#[test]
fn failures_shrink_to_the_canonical_backup_without_faults() {
    // A property that fails for every value: proptest shrinks it to the strategy's simplest
    // value, which is the documented one.
    let mut runner = TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let result = runner.run(&strategies::scenario(1..=3), |_| {
        Err(TestCaseError::fail("always"))
    });
    let Err(TestError::Fail(_, minimal)) = result else {
        panic!("an always-failing property passed: {result:?}");
    };
    assert_eq!(minimal.steps, vss_sim::sim::canonical_backup(0));
    assert_eq!(minimal.writers.len(), 1);
    assert!(minimal.writers[0].script.is_empty());
    assert_eq!(minimal.policies, vss_sim::vocab::Policies::default());
    assert!(minimal.faults.writer.is_empty() && minimal.faults.provider.is_empty());
    assert!(minimal.faults.requester.is_empty());
    assert_eq!(minimal.faults.max_faults, Some(1));
    assert!(minimal.choices.is_empty() && minimal.providers.is_empty());
}

#[test]
#[allow(clippy::reversed_empty_ranges)] // on purpose: what a computed bound can produce
fn empty_ranges_count_as_their_start() {
    // proptest panics on an empty range; the strategies take its start instead.
    let mut runner = TestRunner::deterministic();
    let plan = StrategyConfig::default()
        .with_max_faults(3..=1)
        .fault_catalogue()
        .new_tree(&mut runner)
        .expect("a fault plan")
        .current();
    assert_eq!(plan.max_faults, Some(3));
    let writers = strategies::writers(2..=1)
        .new_tree(&mut runner)
        .expect("writers")
        .current();
    assert_eq!(writers.len(), 2);
}

/// A scenario with no writers, steps or faults, to fill in.
fn empty_scenario(name: &str) -> Scenario {
    Scenario {
        name: name.to_owned(),
        description: String::new(),
        policies: vss_sim::vocab::Policies::default(),
        writers: Vec::new(),
        providers: Vec::new(),
        volumes: Vec::new(),
        os: Default::default(),
        machine: Default::default(),
        faults: vss_sim::sim::FaultCatalogue::none(),
        steps: Vec::new(),
        choices: Vec::new(),
        expect: vss_sim::sim::Expectations::default(),
    }
}
