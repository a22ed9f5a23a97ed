//! The engine's properties over random scenarios from the public strategies
//! (`vss_sim::sim::strategies`): requester programs × writer scripts × provider faults × fault
//! plans × policies, run by the one interpreter; the oracle must find no engine violation
//! (design principle 3), the runs must reach the situations the property declares, and the
//! planted bug must be found.
//!
//! Seeds: `VSS_SIM_SEED=<u64>` replays one run of cases; `VSS_SIM_CASES=<n>` sets the number of
//! cases (default 64, CI 256). A failure prints the seed, the shrunk scenario as a scenario file
//! and the command that replays it.

mod common;

use std::cell::RefCell;

use common::props::check;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{TestCaseError, TestRunner};
use vss_sim::coordinator::PlantedBug;
use vss_sim::sim::strategies::StrategyConfig;
use vss_sim::sim::{quiet_writer_panics, Scenario};
use vss_sim::trace::oracle::{self, Coverage, Situation};
use vss_sim::vocab::{Rule, WriterState};

/// The scenarios every property here draws from: up to three writers that may also panic, up to
/// three faults, programs of one to three requesters.
fn scenarios() -> impl Strategy<Value = Scenario> {
    StrategyConfig::default().with_panics(true).scenario(1..=3)
}

/// What the random runs must reach, so the property cannot pass by never getting there.
const REQUIRED: &[Situation] = &[
    Situation::BackupComplete,            // R43: whole backups run
    Situation::StartRefused,              // R15: two requesters race for the set
    Situation::AbortBackup,               // R50a
    Situation::AbortWriterFailed,         // R50b
    Situation::AbortCreationFailed,       // R50c
    Situation::AbortDelivered,            // R55
    Situation::ShutdownWithoutComplete,   // R57
    Situation::ShutdownAfterCrash,        // R57
    Situation::FreezeTimeout,             // R76
    Situation::HoldWritesTimeout,         // R89
    Situation::ProviderAborted,           // R92
    Situation::HandlerFailed,             // R75
    Situation::PostRestore,               // R83: whole restores run
    Situation::NothingSelectedForRestore, // R81
];

/// The writer states the random runs must show.
const REQUIRED_STATES: [WriterState; 3] = [
    WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
    WriterState::VSS_WS_FAILED_AT_FREEZE,
    WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
];

#[test]
fn oracle_finds_no_engine_violation_in_random_runs() {
    quiet_writer_panics();
    let coverage = RefCell::new(Coverage::default());
    check(
        "properties",
        "oracle_finds_no_engine_violation_in_random_runs",
        scenarios(),
        |s: &Scenario| s.to_file_text().0,
        |scenario| {
            let outcome = scenario.run();
            let report = oracle::check(&outcome.trace);
            coverage.borrow_mut().merge(report.coverage());
            prop_assert!(
                report.engine_violations().is_empty(),
                "{report}\n{}",
                outcome.trace.render()
            );
            // The writer-only check (the test kit's) finds exactly the writers' violations.
            let writers_only = oracle::check_writer_rules(&outcome.trace);
            prop_assert_eq!(
                writers_only.violations_by(oracle::Party::Writer),
                report.violations_by(oracle::Party::Writer)
            );
            Ok(())
        },
    );
    let coverage = coverage.into_inner();
    if let Err(missing) = coverage.require(REQUIRED) {
        panic!("the random runs never reached {missing:?}; reached:\n{coverage}");
    }
    let states = coverage.states_reached();
    for state in REQUIRED_STATES {
        assert!(
            states.contains(&state),
            "no run reached {state}: {states:?}"
        );
    }
}

#[test]
fn the_planted_bug_is_found_by_random_runs() {
    quiet_writer_panics();
    let found = RefCell::new(false);
    let mut runner = TestRunner::deterministic();
    for _ in 0..common::props::cases() * 4 {
        let scenario = scenarios().new_tree(&mut runner).unwrap().current();
        let outcome = scenario
            .runner()
            .planted_bug(Some(PlantedBug::AbortAfterPostSnapshot))
            .run();
        let report = oracle::check(&outcome.trace);
        if report
            .engine_violations()
            .iter()
            .any(|v| v.rule == Rule::R55)
        {
            *found.borrow_mut() = true;
            break;
        }
    }
    assert!(
        found.into_inner(),
        "random runs never exposed the planted bug"
    );
}

#[test]
fn runs_are_deterministic() {
    quiet_writer_panics();
    check(
        "properties",
        "runs_are_deterministic",
        scenarios(),
        |s: &Scenario| s.to_file_text().0,
        |scenario| {
            let (first, second) = (scenario.run(), scenario.run());
            if first.trace.fingerprint() == second.trace.fingerprint() {
                Ok(())
            } else {
                Err(TestCaseError::fail("two runs of one scenario differ"))
            }
        },
    );
}
