//! `fuzz_dynamic_api`: a machine and a program of requester steps decoded from bytes, as one
//! [`Scenario`].

use std::collections::BTreeMap;

use crate::sim::{
    canonical_backup, ComponentRef, Expectations, FaultCatalogue, Mangle, OpRef, ProgramStep,
    ProviderSpec, Scenario, SnapshotRef, Step, WriterSpec,
};
use crate::vocab::{well_known, BackupState, BackupType, ProviderId, ProviderStep, WriterClassId};

use super::input::*;

/// Decodes a whole scenario: the machine, then the program until the input ends.
pub(super) fn decode_scenario(input: &mut Input<'_>) -> Scenario {
    let writers = decode_writers(input);
    let providers = decode_providers(input);
    let volume_bits = input.byte();
    let mut volumes = vec!["C:\\".to_owned()];
    if volume_bits & 1 != 0 {
        volumes.push("D:\\".into());
    }
    if volume_bits & 2 != 0 {
        volumes.push("E:\\".into());
    }
    let policies = policies(input);
    let choice_count = input.below(33);
    let choices = input
        .take(choice_count)
        .iter()
        .map(|&b| u32::from(b))
        .collect();
    let steps = decode_program(input, writers.len());
    Scenario {
        name: "fuzz_dynamic_api".into(),
        description: String::new(),
        policies,
        writers,
        providers,
        volumes: volumes.into_iter().map(crate::vocab::Volume::new).collect(),
        os: Default::default(),
        machine: Default::default(),
        faults: FaultCatalogue::none(),
        steps,
        choices,
        expect: Expectations::default(),
    }
}

fn decode_writers(input: &mut Input<'_>) -> Vec<WriterSpec> {
    (0..1 + input.below(3))
        .map(|index| {
            let level = input.pick(&LEVELS);
            let freeze_timeout_ms = input.pick(&FREEZE_TIMEOUTS_MS);
            let mut script = BTreeMap::new();
            for _ in 0..input.below(4) {
                let event = input.pick(&crate::vocab::WriterEvent::ALL);
                script.insert(event, reaction(input));
            }
            WriterSpec {
                class_id: Some(class_id(index)),
                instance_id: None,
                level,
                freeze_timeout_ms,
                script,
                ..WriterSpec::new(format!("W{index}"))
            }
        })
        .collect()
}

/// The system provider with a commit duration and failing steps, and maybe a second provider
/// for `D:\` only that fails at one step.
fn decode_providers(input: &mut Input<'_>) -> Vec<ProviderSpec> {
    let mut system = ProviderSpec::default();
    let commit_ms = input.pick(&[0, 0, 500, 10_000, 10_001, 61_000, u64::MAX]);
    system
        .durations_ms
        .insert(ProviderStep::CommitSnapshots, commit_ms);
    for _ in 0..input.below(3) {
        let step = input.pick(&ProviderStep::ALL);
        system.results.insert(step, input.pick(&PROVIDER_RESULTS));
        system.durations_ms.insert(step, input.pick(&SPENDS_MS));
    }
    let mut providers = vec![system];
    let second = input.bit();
    let (step, result) = (
        input.pick(&ProviderStep::ALL),
        input.pick(&PROVIDER_RESULTS),
    );
    if second {
        providers.push(ProviderSpec {
            id: Some(FUZZ_PROVIDER),
            name: Some("FuzzProvider".into()),
            volumes: Some(vec!["D:\\".into()]),
            results: BTreeMap::from([(step, result)]),
            // It transports, so transportable sets and their import get run (R97).
            transportable: true,
            ..ProviderSpec::default()
        });
    }
    providers
}

/// Decodes steps for a machine of `writers` writers until the input ends (at most
/// [`super::MAX_STEPS`]).
pub(super) fn decode_program(input: &mut Input<'_>, writers: usize) -> Vec<ProgramStep> {
    let mut program = Vec::new();
    while !input.is_exhausted() && program.len() < super::MAX_STEPS {
        decode_op(input, &mut program, writers);
    }
    program.truncate(super::MAX_STEPS);
    program
}

/// Decodes one opcode (and its arguments) onto `program`: 0 a sleep, 1 a prefix of the
/// canonical backup (R40) by one requester, 2.. one step.
pub(super) fn decode_op(input: &mut Input<'_>, program: &mut Vec<ProgramStep>, writers: usize) {
    const STEPS: u8 = 46;
    let opcode = input.byte() % (2 + STEPS);
    match opcode {
        0 => program.push(ProgramStep::new(Step::Sleep {
            ms: input.pick(&SLEEPS_MS),
        })),
        1 => {
            let requester = requester(input);
            let length = input.below(17);
            program.extend(canonical_backup(requester).into_iter().take(length));
        }
        _ => {
            let requester = requester(input);
            let step = decode_step(opcode - 2, input, writers);
            program.push(ProgramStep::by(requester, step));
        }
    }
}

/// Requesters 0–3 mostly; with the high bit set, any of the 64 a scenario may have (R102).
fn requester(input: &mut Input<'_>) -> u32 {
    let byte = input.byte();
    if byte & 0x80 == 0 {
        u32::from(byte % 4)
    } else {
        u32::from(byte % 64)
    }
}

/// A component reference: a declared component's number, sometimes mangled (R31, R35).
fn component(input: &mut Input<'_>) -> ComponentRef {
    ComponentRef::Declared {
        declared: u32::from(input.byte()),
        mangle: match input.byte() % 10 {
            n @ 5..=9 => Some(Mangle::ALL[usize::from(n - 5)]),
            _ => None,
        },
    }
}

/// An operation handle: mostly the last one, sometimes any number or a forged value.
fn op(input: &mut Input<'_>) -> OpRef {
    match input.byte() % 8 {
        0..=4 => OpRef::Last,
        5 => OpRef::Nth(u32::from(input.byte())),
        6 => OpRef::Raw(u32::MAX),
        _ => OpRef::Raw(u32::from(input.byte())),
    }
}

/// A subset of the four fuzzed writer classes.
fn classes(input: &mut Input<'_>) -> Vec<WriterClassId> {
    let mask = input.byte();
    (0..4)
        .filter(|bit| mask & (1 << bit) != 0)
        .map(class_id)
        .collect()
}

/// Decodes step number `step` (of 42) and its arguments, for a machine of `writers` writers.
pub(super) fn decode_step(step: u8, input: &mut Input<'_>, writers: usize) -> Step {
    match step {
        0..=11 => decode_setup_step(step, input),
        12..=32 => decode_backup_step(step, input, writers),
        41 => Step::SelectComponentsInSet,
        // A transportable set's import (R97): the document mostly the one the run saved.
        42 => Step::InitializeForBackupFrom {
            bcd: (input.byte() % 8 == 0).then(|| "<BACKUP_COMPONENTS/>".to_owned()),
        },
        43 => Step::ImportSnapshots,
        44 => Step::RevertToSnapshot {
            snapshot: snapshot_ref(input),
            force_dismount: input.bit(),
        },
        45 => Step::QueryRevertStatus {
            volume: input.pick(&VOLUMES).to_owned(),
        },
        _ => decode_restore_step(step, input, writers),
    }
}

/// Steps 33–40: the document and the restore (R78–R84), the document mostly the one the run
/// saved, sometimes a broken one.
fn decode_restore_step(step: u8, input: &mut Input<'_>, writers: usize) -> Step {
    match step {
        33 => Step::SaveAsXml,
        34 => Step::InitializeForRestore {
            bcd: match input.byte() % 8 {
                0 => Some(String::new()),
                1 => Some("<BACKUP_COMPONENTS/>".into()),
                _ => None,
            },
        },
        35 => Step::SelectAllForRestore,
        36 => Step::SelectForRestore {
            writers: vec![format!("W{}", input.below(writers))],
        },
        37 => Step::SetSelectedForRestore {
            component: component(input),
            selected: input.byte() % 4 != 0,
        },
        38 => Step::PreRestore,
        39 => Step::SetFileRestoreStatus {
            component: None,
            status: input.pick(&crate::vocab::FileRestoreStatus::ALL),
        },
        _ => Step::PostRestore,
    }
}

/// Steps 0–11: initialization, context, state, filters, metadata, components and the set.
fn decode_setup_step(step: u8, input: &mut Input<'_>) -> Step {
    match step {
        0 => Step::InitializeForBackup,
        1 => Step::SetContext {
            context: match input.below(CONTEXTS.len() + 1) {
                n if n < CONTEXTS.len() => CONTEXTS[n],
                _ => input.u32(),
            },
        },
        2 => {
            let bits = input.byte();
            Step::SetBackupState(BackupState {
                select_components: bits & 0b0110 != 0, // mostly component mode
                bootable_system_state: bits & 0b1000 != 0,
                backup_type: input.pick(&BackupType::ALL),
                partial_file_support: bits & 0b1_0000 != 0,
            })
        }
        3 => Step::EnableWriterClasses {
            classes: classes(input),
        },
        4 => Step::DisableWriterClasses {
            classes: classes(input),
        },
        5 => Step::GatherWriterMetadata,
        6 => Step::GetWriterMetadataCount,
        7 => Step::FreeWriterMetadata,
        8 => Step::AddComponent {
            component: component(input),
        },
        9 => Step::SelectAllComponents,
        10 => Step::StartSnapshotSet,
        11 => Step::AddToSnapshotSet {
            volume: input.pick(&VOLUMES).to_owned(),
            provider: input.pick(&[
                None,
                None,
                Some(well_known::SYSTEM_PROVIDER),
                Some(FUZZ_PROVIDER),
                Some(ProviderId::from_u128(0xbad)),
            ]),
        },
        _ => Step::StartSnapshotSet,
    }
}

/// Steps 12–32: the backup's operations, status, waits, sleeps and the end of the object.
fn decode_backup_step(step: u8, input: &mut Input<'_>, writers: usize) -> Step {
    match step {
        12 => Step::PrepareForBackup,
        13 => Step::DoSnapshotSet,
        14 => Step::GetSnapshotProperties {
            snapshot: snapshot_ref(input),
        },
        15 => Step::SetBackupSucceeded {
            component: component(input),
            succeeded: input.bit(),
        },
        16 => Step::BackupComplete,
        17 => Step::AbortBackup,
        18 => Step::GatherWriterStatus,
        19 => Step::GetWriterStatusCount,
        20 => Step::GetWriterStatusAt {
            index: u32::from(input.byte() % 5),
        },
        21 => Step::FreeWriterStatus,
        22 | 23 => Step::Wait {
            op: op(input),
            timeout_ms: input.pick(&WAIT_TIMEOUTS_MS),
        },
        24 => Step::QueryStatus { op: op(input) },
        25 => Step::Cancel { op: op(input) },
        26 => Step::Release,
        27 => Step::GetWriterMetadataAt {
            index: u32::from(input.byte() % 5),
        },
        28 => Step::GetWriterMetadata {
            expect_writers: None,
        },
        29 => Step::GetWriterStatus { expect_rows: None },
        30 => Step::SelectComponents {
            writers: vec![format!("W{}", input.below(writers))],
        },
        31 => Step::Sleep {
            ms: input.pick(&SLEEPS_MS),
        },
        _ => Step::Crash,
    }
}

/// A shadow copy: mostly the requester's last one, sometimes none, sometimes any minted id.
fn snapshot_ref(input: &mut Input<'_>) -> SnapshotRef {
    match input.byte() % 4 {
        0 | 1 => SnapshotRef::Last,
        2 => SnapshotRef::Null,
        _ => SnapshotRef::Minted(u32::from(input.byte())),
    }
}
