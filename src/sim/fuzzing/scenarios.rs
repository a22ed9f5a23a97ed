//! `fuzz_sim` and `fuzz_scenario_parser`: scenarios decoded from bytes or parsed from text.

use std::collections::BTreeMap;

use crate::sim::{
    canonical_backup, FaultCatalogue, ProgramStep, ProviderFault, RequesterFault, Scenario,
    WriterSpec,
};

use super::input::*;
use super::*;

pub(super) fn decode_sim_scenario(input: &mut Input<'_>) -> Scenario {
    let writers = (0..1 + input.below(3))
        .map(|index| WriterSpec {
            name: format!("W{index}"),
            class_id: None,
            instance_id: None,
            level: input.pick(&LEVELS),
            freeze_timeout_ms: input.pick(&FREEZE_TIMEOUTS_MS),
            component: None,
            script: BTreeMap::new(),
            persist_failures: false,
            host: crate::writer::WriterHost::OwnProcess,
            metadata: None,
            document: None,
        })
        .collect();
    let two_requesters = input.bit();
    let interleaving = input.byte();
    let steps = if two_requesters {
        interleave(canonical_backup(0), canonical_backup(1), interleaving)
    } else {
        canonical_backup(0)
    };
    let faults = decode_catalogue(input);
    let policies = policies(input);
    Scenario {
        name: "fuzz_sim".into(),
        description: String::new(),
        policies,
        writers,
        providers: Vec::new(),
        volumes: Vec::new(),
        os: Default::default(),
        machine: Default::default(),
        faults,
        steps,
        choices: Vec::new(),
        expect: crate::sim::Expectations::default(),
    }
}

/// Merges two programs: 0 one after the other, 1 alternating, else the second starts after
/// `mode % 16` steps of the first.
pub(super) fn interleave(
    first: Vec<ProgramStep>,
    second: Vec<ProgramStep>,
    mode: u8,
) -> Vec<ProgramStep> {
    let head = match mode {
        0 => first.len(),
        1 => 0,
        _ => usize::from(mode % 16).min(first.len()),
    };
    let alternate = mode != 0;
    let mut first = first.into_iter();
    let mut second = second.into_iter();
    let mut steps: Vec<ProgramStep> = first.by_ref().take(head).collect();
    loop {
        let a = first.next();
        let b = if alternate { second.next() } else { None };
        if a.is_none() && b.is_none() {
            break;
        }
        steps.extend(a.into_iter().chain(b));
    }
    steps.extend(second);
    steps
}

pub(super) fn decode_catalogue(input: &mut Input<'_>) -> FaultCatalogue {
    let mut catalogue = FaultCatalogue::none();
    let event_mask = u16::from_le_bytes([input.byte(), input.byte()]);
    for (bit, event) in crate::vocab::WriterEvent::BACKUP.iter().enumerate() {
        if event_mask & (1 << bit) != 0 {
            let reactions = (0..1 + input.below(2)).map(|_| reaction(input)).collect();
            catalogue.writer.insert(*event, reactions);
        }
    }
    let step_mask = input.byte();
    for (bit, step) in crate::vocab::ProviderStep::ALL.iter().enumerate() {
        if step_mask & (1 << bit) != 0 {
            let faults = (0..1 + input.below(2))
                .map(|_| ProviderFault {
                    spend_ms: input.pick(&SPENDS_MS),
                    result: input.pick(&PROVIDER_RESULTS),
                    ..ProviderFault::default()
                })
                .collect();
            catalogue.provider.insert(*step, faults);
        }
    }
    let requester_mask = input.byte();
    catalogue.requester = [
        RequesterFault::Crash,
        RequesterFault::Release,
        RequesterFault::AbortBackup,
        RequesterFault::Cancel,
    ]
    .into_iter()
    .enumerate()
    .filter(|(bit, _)| requester_mask & (1 << bit) != 0)
    .map(|(_, fault)| fault)
    .collect();
    catalogue.max_faults = input.pick(&[Some(1), Some(1), Some(2), Some(3), Some(0), None]);
    catalogue
}

/// `scenario` as TOML, or as JSON where TOML cannot hold a value (integers past `i64::MAX`).
pub(super) fn replayable(scenario: &Scenario) -> String {
    match toml::to_string(scenario) {
        Ok(text) => text,
        Err(_) => serde_json::to_string_pretty(scenario).unwrap_or_default(),
    }
}

/// Runs a parsed scenario, at most [`MAX_STEPS`] of its steps, and judges its trace. Times and
/// requester numbers are not clamped: the run bounds and the scenario reader's limits hold them.
pub(super) fn run_parsed(file: &str, mut scenario: Scenario) {
    scenario.steps.truncate(MAX_STEPS);
    let outcome = scenario.run();
    // The expectations are the file's business, not the engine's: compared, never judged.
    let _ = scenario.check(&outcome);
    judge("fuzz_scenario_parser", &outcome.trace, || {
        format!(
            "file: {file}\nscenario (bounded):\n{}",
            replayable(&scenario)
        )
    });
}
