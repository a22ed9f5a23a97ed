//! `fuzz_dynamic_api`: a machine and a program of dynamic-API calls decoded from bytes.

use crate::provider::SoftwareProvider;
use crate::requester::{DynBackupComponents, Vss};
use crate::trace::Trace;
use crate::vocab::{
    minted_uuid, well_known, ApplicationLevel, BackupState, BackupType, Call, ComponentKey,
    ComponentType, Hresult, IdKind, OpNo, Policies, ProviderId, Reply, SnapshotId,
};
use crate::vocab::{ProviderStep, SessionNo};
use crate::writer::{ScriptedWriter, WriterConfig};

use super::input::*;
use super::*;

/// The machine of a [`fuzz_dynamic_api`] run.
#[derive(Debug)]
pub(super) struct Machine {
    writers: Vec<(ApplicationLevel, u64, ScriptedWriter)>,
    /// The system provider's CommitSnapshots duration and failing steps.
    commit_ms: u64,
    failures: Vec<(ProviderStep, Hresult, u64)>,
    /// A second provider for `D:\` only, failing at one step.
    second_provider: Option<(ProviderStep, Hresult)>,
    volumes: Vec<&'static str>,
    policies: Policies,
    choices: Vec<u8>,
}

impl Machine {
    pub(super) fn decode(input: &mut Input<'_>) -> Self {
        let writers = (0..1 + input.below(3))
            .map(|index| {
                let level = input.pick(&LEVELS);
                let timeout_ms = input.pick(&FREEZE_TIMEOUTS_MS);
                let mut writer = ScriptedWriter::new(format!("W{index}"));
                for _ in 0..input.below(4) {
                    let event = input.pick(&BACKUP_EVENTS);
                    writer = writer.on(event, reaction(input));
                }
                (level, timeout_ms, writer)
            })
            .collect();
        let commit_ms = input.pick(&[0, 0, 500, 10_000, 10_001, 61_000]);
        let failures = (0..input.below(3))
            .map(|_| {
                (
                    input.pick(&PROVIDER_STEPS),
                    input.pick(&PROVIDER_RESULTS),
                    input.pick(&SPENDS_MS),
                )
            })
            .collect();
        let second = input.bit();
        let second_failure = (input.pick(&PROVIDER_STEPS), input.pick(&PROVIDER_RESULTS));
        let second_provider = second.then_some(second_failure);
        let volume_bits = input.byte();
        let mut volumes = vec!["C:\\"];
        if volume_bits & 1 != 0 {
            volumes.push("D:\\");
        }
        if volume_bits & 2 != 0 {
            volumes.push("E:\\");
        }
        let policies = policies(input);
        let choice_count = input.below(33);
        let choices = input.take(choice_count).to_vec();
        Self {
            writers,
            commit_ms,
            failures,
            second_provider,
            volumes,
            policies,
            choices,
        }
    }

    pub(super) fn build(&self) -> Vss {
        let mut system =
            SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, self.commit_ms);
        for &(step, hr, ms) in &self.failures {
            system = system.with_result(step, hr).with_duration(step, ms);
        }
        let mut builder = Vss::builder()
            .provider(system)
            .policies(self.policies)
            .chooser(crate::sim::BytesChooser::new(&self.choices));
        if let Some((step, hr)) = self.second_provider {
            let provider = SoftwareProvider::new(FUZZ_PROVIDER, "FuzzProvider")
                .with_volumes(["D:\\"])
                .with_result(step, hr);
            builder = builder.provider(provider);
        }
        for volume in &self.volumes {
            builder = builder.volume(*volume);
        }
        for (index, (level, timeout_ms, writer)) in self.writers.iter().enumerate() {
            let config = WriterConfig::new(class_id(index), writer.component.clone())
                .level(*level)
                .freeze_timeout_ms(*timeout_ms);
            builder = builder.writer(config, writer.clone());
        }
        builder.build()
    }

    /// Runs `program` on a fresh machine; every requester still alive at the end is released.
    pub(super) fn run(&self, program: &[Op]) -> Trace {
        let vss = self.build();
        let mut run = Run {
            vss: &vss,
            requesters: vec![Requester::new(&vss)],
            ops: Vec::new(),
        };
        for op in program {
            run.perform(op);
        }
        drop(run); // Release → BackupShutdown (R57) for every object still alive
        vss.trace()
    }
}

/// One operation of a [`fuzz_dynamic_api`] program.
#[derive(Clone, Debug)]
pub(super) enum Op {
    /// `CreateVssBackupComponents` (R1), up to four objects.
    NewRequester,
    /// The requester sleeps: virtual time passes.
    Sleep(u64),
    /// Requester object `requester` (modulo the objects created) acts.
    Act { requester: u8, act: Act },
}

/// One requester action; arguments that depend on the run (components, operations, shadow
/// copies) are resolved when it executes.
#[derive(Clone, Debug)]
pub(super) enum Act {
    /// A call whose arguments are known up front.
    Plain(Call),
    /// `AddComponent` of a declared component, possibly mangled.
    AddComponent(KeyPick),
    /// `AddComponent` for every declared component.
    AddAllComponents,
    /// `SetBackupSucceeded` of a declared component, possibly mangled.
    SetBackupSucceeded(KeyPick, bool),
    /// `GetSnapshotProperties`.
    SnapshotProperties(SnapshotPick),
    /// `IVssAsync::Wait`.
    Wait(OpPick, Option<u64>),
    /// `IVssAsync::QueryStatus`.
    QueryStatus(OpPick),
    /// `IVssAsync::Cancel`.
    Cancel(OpPick),
}

/// Which component a component call names: the `index`-th declared one, then `mangle` may
/// break it (null instance id, unknown name, wrong type, a logical path, unknown writer).
#[derive(Clone, Copy, Debug)]
pub(super) struct KeyPick {
    index: u8,
    mangle: u8,
}

/// Which operation an `IVssAsync` call names.
#[derive(Clone, Copy, Debug)]
pub(super) enum OpPick {
    /// The requester's last operation (an unknown one if it has none).
    Last,
    /// The n-th operation of the run, whoever started it.
    Any(u8),
    /// A raw operation number, likely unknown.
    Raw(u32),
}

/// Which shadow copy `GetSnapshotProperties` asks about.
#[derive(Clone, Copy, Debug)]
pub(super) enum SnapshotPick {
    /// The last one this requester added.
    Last,
    /// `GUID_NULL`.
    Null,
    /// The n-th id the simulator mints.
    Minted(u8),
}

pub(super) fn decode_program(input: &mut Input<'_>) -> Vec<Op> {
    let mut program = Vec::new();
    while !input.is_exhausted() && program.len() < MAX_OPS {
        decode_op(input, &mut program);
    }
    program.truncate(MAX_OPS);
    program
}

/// Decodes one opcode (and its arguments) onto `program`: 0 a new requester object, 1 a sleep,
/// 2 a prefix of the canonical backup (R40) by one requester, 3.. one action.
pub(super) fn decode_op(input: &mut Input<'_>, program: &mut Vec<Op>) {
    const ACTS: u8 = 28;
    let opcode = input.byte() % (3 + ACTS);
    match opcode {
        0 => program.push(Op::NewRequester),
        1 => program.push(Op::Sleep(input.pick(&SLEEPS_MS))),
        2 => {
            let requester = input.byte();
            let length = input.below(17);
            program.extend(
                canonical()
                    .into_iter()
                    .take(length)
                    .map(|act| Op::Act { requester, act }),
            );
        }
        _ => {
            let requester = input.byte();
            let act = decode_act(opcode - 3, input);
            program.push(Op::Act { requester, act });
        }
    }
}

/// The canonical component-mode backup of R40, one action per entry.
pub(super) fn canonical() -> [Act; 16] {
    let wait = || Act::Wait(OpPick::Last, None);
    [
        Act::Plain(Call::InitializeForBackup),
        Act::Plain(Call::SetBackupState(BackupState::default())),
        Act::Plain(Call::GatherWriterMetadata),
        wait(),
        Act::AddAllComponents,
        Act::Plain(Call::StartSnapshotSet),
        Act::Plain(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        }),
        Act::Plain(Call::PrepareForBackup),
        wait(),
        Act::Plain(Call::DoSnapshotSet),
        wait(),
        Act::Plain(Call::GatherWriterStatus),
        wait(),
        Act::Plain(Call::BackupComplete),
        wait(),
        Act::Plain(Call::Release),
    ]
}

pub(super) fn decode_act(act: u8, input: &mut Input<'_>) -> Act {
    let key = |input: &mut Input<'_>| KeyPick {
        index: input.byte(),
        mangle: input.byte(),
    };
    let op = |input: &mut Input<'_>| match input.byte() % 8 {
        0..=4 => OpPick::Last,
        5 => OpPick::Any(input.byte()),
        6 => OpPick::Raw(u32::MAX),
        _ => OpPick::Raw(u32::from(input.byte())),
    };
    let classes = |input: &mut Input<'_>| {
        let mask = input.byte();
        (0..4)
            .filter(|bit| mask & (1 << bit) != 0)
            .map(class_id)
            .collect::<Vec<_>>()
    };
    let call = match act {
        0 => Call::InitializeForBackup,
        1 => Call::SetContext {
            context: match input.below(CONTEXTS.len() + 1) {
                n if n < CONTEXTS.len() => CONTEXTS[n],
                _ => input.u32(),
            },
        },
        2 => {
            let bits = input.byte();
            Call::SetBackupState(BackupState {
                select_components: bits & 0b0110 != 0, // mostly component mode
                bootable_system_state: bits & 0b1000 != 0,
                backup_type: input.pick(&BackupType::ALL),
                partial_file_support: bits & 0b1_0000 != 0,
            })
        }
        3 => Call::EnableWriterClasses {
            classes: classes(input),
        },
        4 => Call::DisableWriterClasses {
            classes: classes(input),
        },
        5 => Call::GatherWriterMetadata,
        6 => Call::WriterMetadataCount,
        7 => Call::FreeWriterMetadata,
        8 => return Act::AddComponent(key(input)),
        9 => return Act::AddAllComponents,
        10 => Call::StartSnapshotSet,
        11 => Call::AddToSnapshotSet {
            volume: input.pick(&VOLUMES).to_owned(),
            provider: input.pick(&[
                ProviderId::NULL,
                ProviderId::NULL,
                well_known::SYSTEM_PROVIDER,
                FUZZ_PROVIDER,
                ProviderId::from_u128(0xbad),
            ]),
        },
        12 => Call::PrepareForBackup,
        13 => Call::DoSnapshotSet,
        14 => {
            return Act::SnapshotProperties(match input.byte() % 4 {
                0 | 1 => SnapshotPick::Last,
                2 => SnapshotPick::Null,
                _ => SnapshotPick::Minted(input.byte()),
            })
        }
        15 => return Act::SetBackupSucceeded(key(input), input.bit()),
        16 => Call::BackupComplete,
        17 => Call::AbortBackup,
        18 => Call::GatherWriterStatus,
        19 => Call::WriterStatusCount,
        20 => Call::WriterStatus {
            index: u32::from(input.byte() % 5),
        },
        21 => Call::FreeWriterStatus,
        22 | 23 => return Act::Wait(op(input), input.pick(&WAIT_TIMEOUTS_MS)),
        24 => return Act::QueryStatus(op(input)),
        25 => return Act::Cancel(op(input)),
        26 => Call::Release,
        _ => Call::Crash,
    };
    Act::Plain(call)
}

/// One requester object of a [`fuzz_dynamic_api`] run.
pub(super) struct Requester {
    bc: DynBackupComponents,
    last_op: Option<OpNo>,
    last_snapshot: Option<SnapshotId>,
}

impl Requester {
    pub(super) fn new(vss: &Vss) -> Self {
        Self {
            bc: vss.dynamic(),
            last_op: None,
            last_snapshot: None,
        }
    }
}

/// A [`fuzz_dynamic_api`] program being run.
pub(super) struct Run<'a> {
    vss: &'a Vss,
    requesters: Vec<Requester>,
    /// Every operation started, in order.
    ops: Vec<OpNo>,
}

impl Run<'_> {
    pub(super) fn perform(&mut self, op: &Op) {
        match op {
            Op::NewRequester => {
                if self.requesters.len() < MAX_REQUESTERS {
                    self.requesters.push(Requester::new(self.vss));
                }
            }
            Op::Sleep(ms) => drop(self.vss.advance_ms(*ms)),
            Op::Act { requester, act } => {
                let slot = usize::from(*requester) % self.requesters.len().max(1);
                let components = match self.requesters.get(slot) {
                    Some(requester) => all_components(self.vss, requester.bc.session()),
                    None => return,
                };
                let call = match self.resolve(slot, act, &components) {
                    Some(call) => call,
                    None if matches!(act, Act::AddAllComponents) => {
                        for key in components {
                            self.call(slot, Call::AddComponent(key));
                        }
                        return;
                    }
                    None => return,
                };
                self.call(slot, call);
            }
        }
    }

    /// The call `act` makes now (`None` for `AddAllComponents`, which makes several).
    pub(super) fn resolve(
        &self,
        slot: usize,
        act: &Act,
        components: &[ComponentKey],
    ) -> Option<Call> {
        let requester = self.requesters.get(slot)?;
        let op = |pick: &OpPick| match *pick {
            OpPick::Last => requester.last_op.unwrap_or(OpNo(u32::MAX)),
            OpPick::Any(n) => match self.ops.len() {
                0 => OpNo(u32::from(n)),
                len => self.ops[usize::from(n) % len],
            },
            OpPick::Raw(raw) => OpNo(raw),
        };
        Some(match act {
            Act::Plain(call) => call.clone(),
            Act::AddComponent(pick) => Call::AddComponent(component(components, *pick)),
            Act::AddAllComponents => return None,
            Act::SetBackupSucceeded(pick, succeeded) => Call::SetBackupSucceeded {
                component: component(components, *pick),
                succeeded: *succeeded,
            },
            Act::SnapshotProperties(pick) => Call::SnapshotProperties {
                snapshot: match pick {
                    SnapshotPick::Last => requester.last_snapshot.unwrap_or(SnapshotId::NULL),
                    SnapshotPick::Null => SnapshotId::NULL,
                    SnapshotPick::Minted(n) => {
                        SnapshotId(minted_uuid(IdKind::Snapshot, u64::from(*n)))
                    }
                },
            },
            Act::Wait(pick, timeout_ms) => Call::Wait {
                op: op(pick),
                timeout_ms: *timeout_ms,
            },
            Act::QueryStatus(pick) => Call::QueryStatus { op: op(pick) },
            Act::Cancel(pick) => Call::Cancel { op: op(pick) },
        })
    }

    pub(super) fn call(&mut self, slot: usize, call: Call) {
        let Some(requester) = self.requesters.get_mut(slot) else {
            return;
        };
        match requester.bc.call(call) {
            Ok(Reply::Async(op)) => {
                requester.last_op = Some(op);
                self.ops.push(op);
            }
            Ok(Reply::Snapshot(snapshot)) => requester.last_snapshot = Some(snapshot),
            _ => {}
        }
    }
}

/// Every component the writers identified for `session` declared.
pub(super) fn all_components(vss: &Vss, session: SessionNo) -> Vec<ComponentKey> {
    vss.inspect(|core| core.declared_components(session))
        .into_iter()
        .map(|(_, key)| key)
        .collect()
}

/// The component `pick` names among `components` (a made-up one when there are none).
pub(super) fn component(components: &[ComponentKey], pick: KeyPick) -> ComponentKey {
    let mut key = match components.len() {
        0 => ComponentKey {
            instance_id: crate::vocab::WriterInstanceId::NULL,
            writer_id: class_id(usize::from(pick.index) % 4),
            component_type: ComponentType::VSS_CT_DATABASE,
            logical_path: None,
            name: format!("W{}", pick.index % 4),
        },
        len => components[usize::from(pick.index) % len].clone(),
    };
    match pick.mangle % 10 {
        5 => key.instance_id = crate::vocab::WriterInstanceId::NULL,
        6 => key.name = "NoSuchComponent".into(),
        7 => key.component_type = ComponentType::VSS_CT_FILEGROUP,
        8 => key.logical_path = Some("Fuzz\\Path".into()),
        9 => key.writer_id = class_id(99),
        _ => {}
    }
    key
}
