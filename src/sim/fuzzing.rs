//! Fuzzing entry points: bytes in, a run judged by the oracle, a panic only when the *engine*
//! broke a rule (a bug in vss-sim).
//!
//! The `fuzz/` package's libFuzzer targets call these; `tests/fuzz_corpus.rs` replays the seed
//! corpus and every crash found through them in ordinary `cargo test`.
//!
//! - [`fuzz_dynamic_api`]: a machine and a program of dynamic-API calls, both decoded from bytes.
//! - [`fuzz_sim`]: a seed and a fault catalogue; canonical backups under a seeded chooser.
//! - [`fuzz_scenario_parser`]: the bytes as a TOML and a JSON scenario file; what parses runs.
//!
//! None of them panics on any input except for an engine violation, which panics with the
//! oracle's report and the rendered trace (and, for the scenario reader, an error that does not
//! say what is wrong). Requester and writer violations are expected: the
//! decoded programs misuse the API on purpose. Decoding never fails: a read past the end of the
//! input is `0`, so every input, the empty one included, is a run.
//!
//! Writers that are scripted (or injected) to panic are part of the protocol (a C++ writer
//! throwing) and the engine catches them; a fuzzer whose panic hook aborts on every panic must
//! call [`quiet_writer_panics`] first.

use std::collections::BTreeMap;
use std::sync::Once;

use super::{
    canonical_backup, FaultCatalogue, ProgramStep, ProviderFault, RequesterFault, RunOptions,
    Scenario, SeededChooser, SharedChooser, Step, WriterSpec,
};
use crate::provider::SoftwareProvider;
use crate::requester::{DynBackupComponents, Vss};
use crate::trace::{oracle, ProviderStep, SessionNo, Trace};
use crate::vocab::{
    minted_uuid, well_known, AbortBackupReach, ApplicationLevel, BackupState, BackupType, Call,
    ComponentKey, ComponentType, FreezeTimerStart, Hresult, IdKind, OpNo, Policies, ProviderId,
    QueryWindow, Reply, ShutdownFor, ShutdownSetIdAfterCrash, SnapshotId, StateAfterAbort,
    StateAfterShutdown, VetoAtFreezeThaw, WriterAbortScope, WriterClassId, WriterEvent,
    WriterFailure, WriterFailureResult,
};
use crate::writer::{Outcome, Reaction, ScriptedWriter, WriterConfig};

/// Most operations one [`fuzz_dynamic_api`] program runs.
const MAX_OPS: usize = 256;
/// Most requester objects one [`fuzz_dynamic_api`] program creates.
const MAX_REQUESTERS: usize = 4;
/// Most steps a parsed scenario runs.
const MAX_SCENARIO_STEPS: usize = 200;
/// The longest `Sleep` or `Wait` timeout a parsed scenario runs with, in virtual ms.
const MAX_SCENARIO_WAIT_MS: u64 = 120_000;
/// Parsed scenarios naming a requester past this one are not run: the scenario driver creates
/// every requester up to the largest number before the first step, so `requester = 4294967295`
/// would make four billion objects (an out-of-memory, reported separately, not what this
/// target looks for).
const MAX_SCENARIO_REQUESTER: u32 = 15;

/// Decodes `data` into a machine and a program of dynamic-API calls, runs it, and panics if the
/// oracle finds an engine violation.
///
/// Layout (every field one byte unless said; reads past the end are `0`):
///
/// ```text
/// writers      count (1 + b % 3), then per writer: level, freeze timeout, script length
///              (b % 4), and per script entry: event, spend, outcome, failure code
/// providers    CommitSnapshots duration, failing steps (b % 3) × (step, HRESULT, duration),
///              second provider (odd: one for D:\ only) and its failing step, HRESULT
/// volumes      bit 0: D:\, bit 1: E:\ (C:\ always)
/// policies     ten bytes, one per knob
/// chooser      length n (b % 33), then n bytes for the machine's BytesChooser
/// program      operations until the input ends (at most 256): an opcode, a requester byte,
///              then the operation's arguments (see `decode_op`)
/// ```
pub fn fuzz_dynamic_api(data: &[u8]) {
    let mut input = Input::new(data);
    let machine = Machine::decode(&mut input);
    let program = decode_program(&mut input);
    let trace = machine.run(&program);
    judge("fuzz_dynamic_api", &trace, || {
        format!("machine: {machine:?}\nprogram: {program:?}")
    });
}

/// Runs canonical backups (one or two requesters) under a [`SeededChooser`] whose seed is the
/// first 8 bytes of `data` (little-endian), with a fault catalogue, writers and policies decoded
/// from the rest; panics if the oracle finds an engine violation.
///
/// Layout after the seed:
///
/// ```text
/// writers      count (1 + b % 3), then per writer: level, freeze timeout
/// requesters   odd: two; then the interleaving (0: one after the other, 1: alternating,
///              else the second starts after b % 16 steps of the first)
/// writer       a 16-bit mask of events (little-endian), per event set: 1 + b % 2 reactions
/// faults       (spend, outcome, failure code)
/// provider     a mask of the eight steps, per step set: 1 + b % 2 faults (spend, HRESULT)
/// faults
/// requester    a mask of the four faults; the fault budget (0–3 or unbounded)
/// faults
/// policies     ten bytes, one per knob
/// ```
pub fn fuzz_sim(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.u64();
    let scenario = decode_sim_scenario(&mut input);
    let chooser = SharedChooser::new(SeededChooser::new(seed));
    let outcome = scenario.run_with(chooser, RunOptions::default());
    judge("fuzz_sim", &outcome.trace, || {
        format!("seed: {seed}\nscenario:\n{}", replayable(&scenario))
    });
}

/// Reads `data` (as lossy UTF-8) as a TOML and as a JSON scenario; runs whatever parses, with at
/// most 200 steps, `Sleep`/`Wait` timeouts of at most 120 s and requesters 0–15 (a scenario
/// naming a later one is parsed, not run), and panics if the oracle finds an engine violation. A file that does not parse must be refused with a [`ScenarioError`] that
/// says what is wrong: an empty message panics too.
///
/// [`ScenarioError`]: super::ScenarioError
pub fn fuzz_scenario_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for (file, parsed) in [
        ("fuzz.toml", Scenario::from_toml(&text, "fuzz.toml")),
        ("fuzz.json", Scenario::from_json(&text, "fuzz.json")),
    ] {
        match parsed {
            Ok(scenario) => run_parsed(file, scenario),
            Err(err) => assert!(
                !err.message.trim().is_empty() && err.file == file,
                "{file}: a scenario error must name the file and say what is wrong, got {err:?}"
            ),
        }
    }
}

/// Keeps the panics of writers scripted or injected to panic (which the engine catches and
/// records, R64) out of the panic hook, and passes every other panic to the hook installed
/// before. Call it once before fuzzing under a hook that aborts on any panic (libFuzzer's);
/// later calls do nothing.
pub fn quiet_writer_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            let simulated = message.starts_with("scripted writer panics in ")
                || message.starts_with("injected fault: writer panics in ");
            if !simulated {
                previous(info);
            }
        }));
    });
}

/// Panics with the oracle's report, `context` and the rendered trace if the engine broke a rule.
fn judge(target: &str, trace: &Trace, context: impl FnOnce() -> String) {
    let report = oracle::check(trace);
    if report.engine_violations().is_empty() {
        return;
    }
    panic!(
        "{target}: the oracle found an engine violation (a bug in vss-sim)\n{report}\n{}\n\
         trace:\n{}",
        context(),
        trace.render()
    );
}

/// A cursor over fuzzer bytes; past the end every read is `0`.
struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn is_exhausted(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at = self.at.saturating_add(1);
        byte
    }

    /// A number in `0..n` (`0` when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    fn bit(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// One of `options`, which are never empty at the call sites (constant arrays).
    fn pick<T: Copy, const N: usize>(&mut self, options: &[T; N]) -> T {
        options[self.below(N)]
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }

    /// The next `n` bytes (fewer at the end of the input).
    fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.at.min(self.bytes.len());
        let end = start.saturating_add(n).min(self.bytes.len());
        self.at = self.at.saturating_add(n);
        &self.bytes[start..end]
    }
}

const LEVELS: [ApplicationLevel; 5] = [
    ApplicationLevel::VSS_APP_FRONT_END,
    ApplicationLevel::VSS_APP_BACK_END,
    ApplicationLevel::VSS_APP_SYSTEM,
    ApplicationLevel::VSS_APP_UNKNOWN,
    ApplicationLevel::VSS_APP_AUTO,
];

const FREEZE_TIMEOUTS_MS: [u64; 6] = [60_000, 60_000, 20_000, 10_000, 1_000, 0];

/// Every event a backup raises (restore events never come from a backup requester).
const BACKUP_EVENTS: [WriterEvent; 9] = [
    WriterEvent::Identify,
    WriterEvent::PrepareForBackup,
    WriterEvent::PrepareForSnapshot,
    WriterEvent::Freeze,
    WriterEvent::Thaw,
    WriterEvent::PostSnapshot,
    WriterEvent::Abort,
    WriterEvent::BackupComplete,
    WriterEvent::BackupShutdown,
];

const PROVIDER_STEPS: [ProviderStep; 8] = [
    ProviderStep::BeginPrepareSnapshot,
    ProviderStep::EndPrepareSnapshots,
    ProviderStep::PreCommitSnapshots,
    ProviderStep::CommitSnapshots,
    ProviderStep::PostCommitSnapshots,
    ProviderStep::PreFinalCommitSnapshots,
    ProviderStep::PostFinalCommitSnapshots,
    ProviderStep::AbortSnapshots,
];

const PROVIDER_RESULTS: [Hresult; 6] = [
    Hresult::VSS_E_PROVIDER_VETO,
    Hresult::VSS_E_INSUFFICIENT_STORAGE,
    Hresult::E_UNEXPECTED,
    Hresult::VSS_E_UNEXPECTED,
    Hresult::S_OK,
    Hresult::VSS_E_BAD_STATE,
];

/// Durations that sit on and around the engine's windows: the 10 s hold-writes window (R89),
/// a 20 s and the default 60 s freeze window (R59).
#[rustfmt::skip]
const SPENDS_MS: [u64; 10] = [0, 0, 0, 200, 9_999, 10_001, 11_000, 20_000, 61_000, u64::MAX];

const SLEEPS_MS: [u64; 8] = [0, 10, 500, 5_000, 10_001, 20_000, 61_000, 600_000];

const WAIT_TIMEOUTS_MS: [Option<u64>; 8] = [
    None,
    None,
    Some(0),
    Some(100),
    Some(1_000),
    Some(10_000),
    Some(30_000),
    Some(70_000),
];

/// Raw `SetContext` values: the six contexts (T6), `VSS_CTX_ALL`, attribute bits alone, and an
/// unknown bit; the decoder also draws arbitrary values.
#[rustfmt::skip]
const CONTEXTS: [u32; 9] = [0, 0x10, 0x19, 0x09, 0x1D, 0x0D, 0xFFFF_FFFF, 0x0006_0000, 0x08];

const VOLUMES: [&str; 6] = ["C:\\", "C:\\", "D:\\", "E:\\", "C:", ""];

/// A provider that supports `D:\` only, besides the system provider.
const FUZZ_PROVIDER: ProviderId = ProviderId::from_u128(0x5653_5f50_0000_0001);

fn class_id(index: usize) -> WriterClassId {
    WriterClassId::from_u128(0x5653_5f46_0000 + index as u128)
}

fn reaction(input: &mut Input<'_>) -> Reaction {
    let spend_ms = input.pick(&SPENDS_MS);
    let outcome_byte = input.byte();
    let failure = input.pick(&WriterFailure::ALL);
    let outcome = match outcome_byte % 8 {
        0..=2 => Outcome::Succeed,
        3 | 4 => Outcome::Veto(failure),
        5 => Outcome::Fatal(Some(failure)),
        6 => Outcome::Fatal(None),
        _ => Outcome::Panic,
    };
    Reaction { spend_ms, outcome }
}

fn policies(input: &mut Input<'_>) -> Policies {
    Policies {
        abort_backup_reach: input.pick(&[
            AbortBackupReach::FromPrepareForBackup,
            AbortBackupReach::FromStartSnapshotSet,
        ]),
        writer_abort_scope: input.pick(&[
            WriterAbortScope::FailingWriter,
            WriterAbortScope::AllWriters,
        ]),
        writer_failure_result: input.pick(&[
            WriterFailureResult::WriterStatusOnly,
            WriterFailureResult::FailWith(Hresult::VSS_E_UNEXPECTED),
            WriterFailureResult::FailWith(Hresult::VSS_E_WRITERERROR_RETRYABLE),
        ]),
        freeze_timer_start: input.pick(&[
            FreezeTimerStart::OnFreezeDelivered,
            FreezeTimerStart::OnFreezeReturned,
        ]),
        query_window: input.pick(&[
            QueryWindow::PrepareBackupToPostSnapshot,
            QueryWindow::PrepareSnapshotToPostSnapshot,
            QueryWindow::DocumentedOnly,
        ]),
        state_after_abort: input.pick(&[
            StateAfterAbort::KeepFailureElseStable,
            StateAfterAbort::Stable,
            StateAfterAbort::Unchanged,
        ]),
        state_after_shutdown: input.pick(&[
            StateAfterShutdown::Unchanged,
            StateAfterShutdown::StableUnlessFailed,
        ]),
        veto_at_freeze_thaw: input.pick(&[VetoAtFreezeThaw::NoAbort, VetoAtFreezeThaw::Abort]),
        shutdown_for: input.pick(&[
            ShutdownFor::BackupParticipants,
            ShutdownFor::EveryBackupInstance,
        ]),
        shutdown_set_id_after_crash: input.pick(&[
            ShutdownSetIdAfterCrash::Own,
            ShutdownSetIdAfterCrash::OtherBackupWhenPresent,
        ]),
    }
}

/// The machine of a [`fuzz_dynamic_api`] run.
#[derive(Debug)]
struct Machine {
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
    fn decode(input: &mut Input<'_>) -> Self {
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

    fn build(&self) -> Vss {
        let mut system =
            SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, self.commit_ms);
        for &(step, hr, ms) in &self.failures {
            system = system.with_result(step, hr).with_duration(step, ms);
        }
        let mut builder = Vss::builder()
            .provider(system)
            .policies(self.policies)
            .chooser(super::BytesChooser::new(&self.choices));
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
    fn run(&self, program: &[Op]) -> Trace {
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
enum Op {
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
enum Act {
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
struct KeyPick {
    index: u8,
    mangle: u8,
}

/// Which operation an `IVssAsync` call names.
#[derive(Clone, Copy, Debug)]
enum OpPick {
    /// The requester's last operation (an unknown one if it has none).
    Last,
    /// The n-th operation of the run, whoever started it.
    Any(u8),
    /// A raw operation number, likely unknown.
    Raw(u32),
}

/// Which shadow copy `GetSnapshotProperties` asks about.
#[derive(Clone, Copy, Debug)]
enum SnapshotPick {
    /// The last one this requester added.
    Last,
    /// `GUID_NULL`.
    Null,
    /// The n-th id the simulator mints.
    Minted(u8),
}

fn decode_program(input: &mut Input<'_>) -> Vec<Op> {
    let mut program = Vec::new();
    while !input.is_exhausted() && program.len() < MAX_OPS {
        decode_op(input, &mut program);
    }
    program.truncate(MAX_OPS);
    program
}

/// Decodes one opcode (and its arguments) onto `program`: 0 a new requester object, 1 a sleep,
/// 2 a prefix of the canonical backup (R40) by one requester, 3.. one action.
fn decode_op(input: &mut Input<'_>, program: &mut Vec<Op>) {
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
fn canonical() -> [Act; 16] {
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

fn decode_act(act: u8, input: &mut Input<'_>) -> Act {
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
struct Requester {
    bc: DynBackupComponents,
    last_op: Option<OpNo>,
    last_snapshot: Option<SnapshotId>,
}

impl Requester {
    fn new(vss: &Vss) -> Self {
        Self {
            bc: vss.dynamic(),
            last_op: None,
            last_snapshot: None,
        }
    }
}

/// A [`fuzz_dynamic_api`] program being run.
struct Run<'a> {
    vss: &'a Vss,
    requesters: Vec<Requester>,
    /// Every operation started, in order.
    ops: Vec<OpNo>,
}

impl Run<'_> {
    fn perform(&mut self, op: &Op) {
        match op {
            Op::NewRequester => {
                if self.requesters.len() < MAX_REQUESTERS {
                    self.requesters.push(Requester::new(self.vss));
                }
            }
            Op::Sleep(ms) => self.vss.advance_ms(*ms),
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
    fn resolve(&self, slot: usize, act: &Act, components: &[ComponentKey]) -> Option<Call> {
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

    fn call(&mut self, slot: usize, call: Call) {
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
fn all_components(vss: &Vss, session: SessionNo) -> Vec<ComponentKey> {
    vss.inspect(|core| core.declared_components(session))
        .into_iter()
        .map(|(_, key)| key)
        .collect()
}

/// The component `pick` names among `components` (a made-up one when there are none).
fn component(components: &[ComponentKey], pick: KeyPick) -> ComponentKey {
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

fn decode_sim_scenario(input: &mut Input<'_>) -> Scenario {
    let writers = (0..1 + input.below(3))
        .map(|index| WriterSpec {
            name: format!("W{index}"),
            class_id: None,
            level: input.pick(&LEVELS),
            freeze_timeout_ms: input.pick(&FREEZE_TIMEOUTS_MS),
            component: None,
            script: BTreeMap::new(),
            persist_failures: false,
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
        faults,
        steps,
        choices: Vec::new(),
        expect: super::Expectations::default(),
    }
}

/// Merges two programs: 0 one after the other, 1 alternating, else the second starts after
/// `mode % 16` steps of the first.
fn interleave(first: Vec<ProgramStep>, second: Vec<ProgramStep>, mode: u8) -> Vec<ProgramStep> {
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

fn decode_catalogue(input: &mut Input<'_>) -> FaultCatalogue {
    let mut catalogue = FaultCatalogue::none();
    let event_mask = u16::from_le_bytes([input.byte(), input.byte()]);
    for (bit, event) in BACKUP_EVENTS.iter().enumerate() {
        if event_mask & (1 << bit) != 0 {
            let reactions = (0..1 + input.below(2)).map(|_| reaction(input)).collect();
            catalogue.writer.insert(*event, reactions);
        }
    }
    let step_mask = input.byte();
    for (bit, step) in PROVIDER_STEPS.iter().enumerate() {
        if step_mask & (1 << bit) != 0 {
            let faults = (0..1 + input.below(2))
                .map(|_| ProviderFault {
                    spend_ms: input.pick(&SPENDS_MS),
                    result: input.pick(&PROVIDER_RESULTS),
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
fn replayable(scenario: &Scenario) -> String {
    match toml::to_string(scenario) {
        Ok(text) => text,
        Err(_) => serde_json::to_string_pretty(scenario).unwrap_or_default(),
    }
}

/// Runs a parsed scenario, bounded so one run stays fast, and judges its trace.
fn run_parsed(file: &str, mut scenario: Scenario) {
    if scenario
        .steps
        .iter()
        .any(|step| step.requester > MAX_SCENARIO_REQUESTER)
    {
        return;
    }
    scenario.steps.truncate(MAX_SCENARIO_STEPS);
    for program_step in &mut scenario.steps {
        match &mut program_step.step {
            Step::Sleep { ms } => *ms = (*ms).min(MAX_SCENARIO_WAIT_MS),
            Step::Wait {
                timeout_ms: Some(timeout_ms),
            } => *timeout_ms = (*timeout_ms).min(MAX_SCENARIO_WAIT_MS),
            _ => {}
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_short_input_decodes_and_runs() {
        // The scenario reader's inputs are text: the corpus in `fuzz/corpus/scenario_parser`
        // covers it (tests/fuzz_corpus.rs).
        quiet_writer_panics();
        for len in 0..48u8 {
            let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ len).collect();
            fuzz_dynamic_api(&data);
            fuzz_sim(&data);
        }
    }

    #[test]
    fn input_reads_zero_past_the_end() {
        let mut input = Input::new(&[7, 1, 2]);
        assert_eq!(input.byte(), 7);
        assert_eq!(input.take(5), &[1, 2]);
        assert!(input.is_exhausted());
        assert_eq!((input.byte(), input.u64()), (0, 0));
    }

    #[test]
    fn interleavings_keep_every_step_once() {
        for mode in [0, 1, 5, 200] {
            let steps = interleave(canonical_backup(0), canonical_backup(1), mode);
            assert_eq!(steps.len(), 32, "mode {mode}");
            let firsts: Vec<_> = steps.iter().filter(|s| s.requester == 0).collect();
            assert_eq!(firsts.len(), 16, "mode {mode}");
        }
    }

    #[test]
    fn the_canonical_opcode_runs_a_clean_backup() {
        // Opcode 2, requester 0, the whole canonical backup: no violation of any party.
        // The machine takes 21 bytes: one plain writer, the system provider, default policies.
        let mut data = vec![0; 21];
        data.extend([2, 0, 16]);
        let mut input = Input::new(&data);
        let machine = Machine::decode(&mut input);
        let program = decode_program(&mut input);
        assert_eq!(program.len(), 16);
        oracle::check(&machine.run(&program)).assert_clean();
    }
}
