//! Running a property with a seeded proptest runner, so that every failure prints its seed, the
//! shrunk value and the one command that replays it.

use std::fmt::Debug;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use vss_sim::sim::seed_from_env;

/// The seed a property runs with unless `VSS_SIM_SEED` says otherwise.
pub const DEFAULT_SEED: u64 = 0x5354_5241_5445_4759;

/// The number of cases: `VSS_SIM_CASES`, default 96 (CI sets 256): enough for the sometimes-coverage checks of the random properties to hold on any seed stream we met.
pub fn cases() -> u32 {
    std::env::var("VSS_SIM_CASES")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(96)
}

/// Runs property `name` of test file `target` over `strategy` with the seeded runner; on
/// failure, panics with the seed, the shrunk value shown by `show`, and the command that
/// replays it.
pub fn check<S>(
    target: &str,
    name: &str,
    strategy: S,
    show: impl Fn(&S::Value) -> String,
    property: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: Debug,
{
    let seed = seed_from_env(DEFAULT_SEED);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner =
        TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
    if let Err(error) = runner.run(&strategy, property) {
        let shown = match &error {
            TestError::Fail(reason, value) => format!("{reason}\nminimal value:\n{}", show(value)),
            other => other.to_string(),
        };
        panic!(
            "property `{name}` failed with seed {seed}\n{shown}\n\
             replay: VSS_SIM_SEED={seed} VSS_SIM_CASES={} cargo test --test {target} {name}",
            cases()
        );
    }
}
