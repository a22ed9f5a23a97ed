//! Seeds from the environment, replay commands, and the determinism self-check.

use super::{Scenario, SeededChooser, SharedChooser};

/// `VSS_SIM_SEED` if set and a number, else `default`.
pub fn seed_from_env(default: u64) -> u64 {
    std::env::var("VSS_SIM_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

/// The seeds a sweep runs: `VSS_SIM_SEED` alone if set, else `0..VSS_SIM_SEEDS` (default
/// `default_count`).
pub fn seeds_from_env(default_count: u64) -> Vec<u64> {
    if let Some(seed) = std::env::var("VSS_SIM_SEED")
        .ok()
        .and_then(|s| s.trim().parse().ok())
    {
        return vec![seed];
    }
    let count = std::env::var("VSS_SIM_SEEDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default_count);
    (0..count).collect()
}

/// The one command that replays `seed` in the test `test` of test file `target`.
pub fn replay_command(seed: u64, target: &str, test: &str) -> String {
    format!("VSS_SIM_SEED={seed} cargo test --test {target} {test}")
}

/// Runs `scenario` twice under `seed` and compares the traces' fingerprints: a run must be a
/// pure function of its scenario and seed. Returns the fingerprint.
pub fn check_determinism(scenario: &Scenario, seed: u64) -> Result<u64, String> {
    let run = || {
        let chooser = SharedChooser::new(SeededChooser::new(seed));
        scenario.runner().chooser(chooser).run().trace.fingerprint()
    };
    let (first, second) = (run(), run());
    if first == second {
        Ok(first)
    } else {
        Err(format!(
            "seed {seed}: two runs gave traces {first:016x} and {second:016x}"
        ))
    }
}
