//! Assembling a simulated machine: writers, providers, volumes, policies, chooser, bounds.

use super::chooser::{Chooser, FirstChoice};
use super::Coordinator;
use crate::guard::Guarded;
use crate::provider::Provider;
use crate::trace::TraceMode;
use crate::vocab::{Policies, Rule};
use crate::writer::{Writer, WriterConfig};

/// Run bounds (design principle 7): a run never loops forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most scheduler steps (handler calls, provider calls, timer expiries) one wait may run.
    pub max_steps: u64,
    /// Latest virtual time a run may reach, in ms.
    pub max_virtual_ms: u64,
}

impl Default for Limits {
    /// One million steps, 24 virtual hours.
    fn default() -> Self {
        Self {
            max_steps: 1_000_000,
            max_virtual_ms: 24 * 60 * 60 * 1000,
        }
    }
}

/// Builds a [`Coordinator`]: the simulated VSS service of one machine.
///
/// The machine always has the system provider (R127), after the registered ones, unless one of
/// them has its id (a customized system provider) or [`Builder::without_system_provider`] says
/// otherwise; without volumes it has `C:\`.
pub struct Builder {
    pub(crate) writers: Vec<(WriterConfig, Guarded<Box<dyn Writer>>)>,
    pub(crate) providers: Vec<Guarded<Box<dyn Provider>>>,
    pub(crate) volumes: Vec<crate::vocab::Volume>,
    pub(crate) max_client_accessible_copies: u32,
    pub(crate) policies: Policies,
    pub(crate) chooser: Guarded<Box<dyn Chooser>>,
    pub(crate) trace_mode: TraceMode,
    pub(crate) limits: Limits,
    pub(crate) os: crate::vocab::OsProfile,
    pub(crate) machine_name: String,
    pub(crate) system_provider: bool,
    pub(crate) wall_clock_epoch_ms: i64,
    pub(crate) planted_bug: Option<PlantedBug>,
    pub(crate) state: Option<crate::vocab::MachineState>,
}

/// A deliberate engine bug, for proving that the oracle (and the explorer, and fuzzers) catch
/// it: one per oracle rule family, each breaking one rule in one place. Never use outside tests
/// of the checkers themselves.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PlantedBug {
    /// An asynchronous operation records its completion twice (structure, `TRACE`).
    CompletionRecordedTwice,
    /// PrepareForBackup skips the last of several writers, which then hears PrepareForSnapshot
    /// without it (participation, R21).
    PrepareSkipsLastWriter,
    /// Freeze goes out in registration order, ignoring application levels (ordering, R46).
    FreezeIgnoresLevels,
    /// `AbortBackup` after a successful `DoSnapshotSet` delivers Abort to writers past
    /// PostSnapshot (abort, R55).
    AbortAfterPostSnapshot,
    /// A veto in OnPrepareSnapshot raises Abort, which only Freeze and Thaw failures may
    /// (causes, R51).
    AbortOnPrepareSnapshotVeto,
    /// `BackupComplete` is accepted without a successful `DoSnapshotSet` (obligations: the
    /// engine's side of R26, T14).
    CompleteWithoutSnapshot,
    /// BackupShutdown after a created set carries `GUID_NULL` instead of its id (shutdown, R57).
    ShutdownWithoutSetId,
    /// A requester object the VSS service restarted under is served as if nothing happened
    /// (shutdown, R32: `Policies::lost_service`).
    LostObjectStillServed,
    /// The operation in flight when the VSS service restarts finishes successfully instead of
    /// failing (shutdown, R32: `Policies::lost_service`).
    LostOperationFinishes,
    /// `GetWriterStatus` reports every writer's `hrFailure` as `S_OK` (states, T2).
    StatusForgetsFailure,
    /// A requester that has not involved a writer reports it `[1] Stable` / `S_OK` instead of
    /// what the last operation left it in (states, R30).
    StatusForgetsMachine,
    /// `Query` lists the shadow copies of every context, not only the caller's (store, R34).
    QuerySeesEveryContext,
    /// The freeze window's deadline is set 1 ms late (timers, R99).
    FreezeWindowLate,
    /// A second requester's `StartSnapshotSet` succeeds while a set is in creation
    /// (serialization, R15).
    SecondSetInCreation,
    /// Writers' set queries are answered outside the query window (queries, R68).
    QueriesOutsideWindow,
    /// `BackupComplete` never finishes: the scheduler steps it without progress (termination,
    /// `BOUND`).
    CompleteNeverEnds,
    /// An Abort raised while a writer is inside a handler is delivered at once instead of when
    /// the handler returns (structure, SERIAL).
    AbortIgnoresBusyWriter,
    /// A writer's writes into its components are accepted in any handler that gets
    /// `IVssWriterComponents`, OnBackupComplete and OnPostRestore included (queries, R49).
    DocumentWritableAnywhere,
    /// PreRestore and PostRestore reach every identified writer, selected for restore or not
    /// (restore, R81).
    RestoreEventsForUnselected,
    /// PostRestore skips the last writer that received PreRestore (restore, R83).
    PostRestoreSkipsLastWriter,
    /// `ImportSnapshots` reports success but brings no copy onto the machine (store, R97).
    ImportLosesCopies,
}

impl PlantedBug {
    /// Every planted bug.
    pub const ALL: [Self; 21] = [
        Self::CompletionRecordedTwice,
        Self::PrepareSkipsLastWriter,
        Self::FreezeIgnoresLevels,
        Self::AbortAfterPostSnapshot,
        Self::AbortOnPrepareSnapshotVeto,
        Self::CompleteWithoutSnapshot,
        Self::ShutdownWithoutSetId,
        Self::LostObjectStillServed,
        Self::LostOperationFinishes,
        Self::StatusForgetsFailure,
        Self::StatusForgetsMachine,
        Self::QuerySeesEveryContext,
        Self::FreezeWindowLate,
        Self::SecondSetInCreation,
        Self::QueriesOutsideWindow,
        Self::CompleteNeverEnds,
        Self::AbortIgnoresBusyWriter,
        Self::DocumentWritableAnywhere,
        Self::RestoreEventsForUnselected,
        Self::PostRestoreSkipsLastWriter,
        Self::ImportLosesCopies,
    ];

    /// The oracle rule family that must catch it (as `trace::oracle::families` names them).
    pub fn family(self) -> &'static str {
        match self {
            Self::CompletionRecordedTwice | Self::AbortIgnoresBusyWriter => "structure",
            Self::PrepareSkipsLastWriter => "participation",
            Self::FreezeIgnoresLevels => "ordering",
            Self::AbortAfterPostSnapshot => "abort",
            Self::AbortOnPrepareSnapshotVeto => "causes",
            Self::CompleteWithoutSnapshot => "obligations",
            Self::ShutdownWithoutSetId
            | Self::LostObjectStillServed
            | Self::LostOperationFinishes => "shutdown",
            Self::StatusForgetsFailure | Self::StatusForgetsMachine => "states",
            Self::FreezeWindowLate => "timers",
            Self::QuerySeesEveryContext | Self::ImportLosesCopies => "store",
            Self::SecondSetInCreation => "serialization",
            Self::QueriesOutsideWindow | Self::DocumentWritableAnywhere => "queries",
            Self::RestoreEventsForUnselected | Self::PostRestoreSkipsLastWriter => "restore",
            Self::CompleteNeverEnds => "termination",
        }
    }

    /// The rule it breaks.
    pub fn rule(self) -> Rule {
        match self {
            Self::CompletionRecordedTwice => Rule::Trace,
            Self::DocumentWritableAnywhere => Rule::R49,
            Self::RestoreEventsForUnselected => Rule::R81,
            Self::PostRestoreSkipsLastWriter => Rule::R83,
            Self::AbortIgnoresBusyWriter => Rule::Serial,
            Self::PrepareSkipsLastWriter => Rule::R21,
            Self::FreezeIgnoresLevels => Rule::R46,
            Self::AbortAfterPostSnapshot => Rule::R55,
            Self::AbortOnPrepareSnapshotVeto => Rule::R51,
            Self::CompleteWithoutSnapshot => Rule::R26,
            Self::ShutdownWithoutSetId => Rule::R57,
            Self::LostObjectStillServed | Self::LostOperationFinishes => Rule::R32,
            Self::StatusForgetsFailure => Rule::T2,
            Self::StatusForgetsMachine => Rule::R30,
            Self::QuerySeesEveryContext => Rule::R34,
            Self::ImportLosesCopies => Rule::R97,
            Self::FreezeWindowLate => Rule::R99,
            Self::SecondSetInCreation => Rule::R15,
            Self::QueriesOutsideWindow => Rule::R68,
            Self::CompleteNeverEnds => Rule::Bound,
        }
    }
}

impl Builder {
    /// An empty machine with default policies, [`FirstChoice`] and trace recording on.
    pub fn new() -> Self {
        Self {
            writers: Vec::new(),
            providers: Vec::new(),
            volumes: Vec::new(),
            max_client_accessible_copies: crate::vocab::DEFAULT_MAX_CLIENT_ACCESSIBLE_COPIES,
            policies: Policies::default(),
            chooser: Guarded::new(Box::new(FirstChoice)),
            trace_mode: TraceMode::Record,
            limits: Limits::default(),
            planted_bug: None,
            state: None,
            os: crate::vocab::OsProfile::default(),
            machine_name: crate::vocab::DEFAULT_MACHINE_NAME.to_owned(),
            system_provider: true,
            wall_clock_epoch_ms: crate::vocab::DEFAULT_WALL_CLOCK_EPOCH_MS,
        }
    }

    /// Registers and subscribes a writer instance (`Initialize` + `Subscribe`, R59, R62).
    #[must_use]
    pub fn writer(mut self, config: WriterConfig, writer: impl Writer + 'static) -> Self {
        self.writers.push((config, Guarded::new(Box::new(writer))));
        self
    }

    /// Registers a boxed writer instance.
    #[must_use]
    pub fn boxed_writer(mut self, config: WriterConfig, writer: Box<dyn Writer>) -> Self {
        self.writers.push((config, Guarded::new(writer)));
        self
    }

    /// Registers a provider, beside the system provider (a provider with the system provider's
    /// id replaces it). For `GUID_NULL` requests VSS picks a hardware provider that takes the
    /// volume, else a software one, else the system provider (R85), each kind in registration
    /// order; the kind is what [`Provider::info`] says.
    #[must_use]
    pub fn provider(mut self, provider: impl Provider + 'static) -> Self {
        self.providers.push(Guarded::new(Box::new(provider)));
        self
    }

    /// Removes the system provider: the machine has only the registered providers (a machine
    /// whose system provider is missing or broken).
    #[must_use]
    pub fn without_system_provider(mut self) -> Self {
        self.system_provider = false;
        self
    }

    /// Adds a volume the machine has: a name such as `D:\` (with its trailing backslash,
    /// R16) for a fixed NTFS volume, or a [`Volume`](crate::vocab::Volume) described in full.
    /// The first volume added replaces the default `C:\`.
    #[must_use]
    pub fn volume(mut self, volume: impl Into<crate::vocab::Volume>) -> Self {
        self.volumes.push(volume.into());
        self
    }

    /// Sets `MaxShadowCopies`, the most client-accessible shadow copies a volume keeps before
    /// its oldest one is deleted (R102; default 64, Windows accepts 1–512).
    #[must_use]
    pub fn max_client_accessible_copies(mut self, max: u32) -> Self {
        self.max_client_accessible_copies =
            max.clamp(1, crate::vocab::MAX_COPIES_PER_VOLUME as u32);
        self
    }

    /// Sets the Windows version or SKU the machine runs (default: a current server).
    #[must_use]
    pub fn os(mut self, os: crate::vocab::OsProfile) -> Self {
        self.os = os;
        self
    }

    /// Sets the machine's name (default [`DEFAULT_MACHINE_NAME`](crate::vocab::DEFAULT_MACHINE_NAME)):
    /// shadow copies report it as their originating and service machine. A machine in a domain
    /// reports its fully qualified name (`host.contoso.com`).
    #[must_use]
    pub fn machine_name(mut self, name: impl Into<String>) -> Self {
        self.machine_name = name.into();
        self
    }

    /// Sets the wall clock time of virtual time 0, in ms since 1970-01-01 UTC (default
    /// [`DEFAULT_WALL_CLOCK_EPOCH_MS`](crate::vocab::DEFAULT_WALL_CLOCK_EPOCH_MS), 2026-01-01):
    /// shadow copies' creation timestamps read from it.
    #[must_use]
    pub fn wall_clock_epoch_ms(mut self, unix_ms: i64) -> Self {
        self.wall_clock_epoch_ms = unix_ms;
        self
    }

    /// Sets the policies for the documented ambiguities.
    #[must_use]
    pub fn policies(mut self, policies: Policies) -> Self {
        self.policies = policies;
        self
    }

    /// Sets the chooser that makes every nondeterministic decision.
    #[must_use]
    pub fn chooser(mut self, chooser: impl Chooser + 'static) -> Self {
        self.chooser = Guarded::new(Box::new(chooser));
        self
    }

    /// Sets whether a trace is recorded.
    #[must_use]
    pub fn trace_mode(mut self, mode: TraceMode) -> Self {
        self.trace_mode = mode;
        self
    }

    /// Sets the run bounds.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Plants a deliberate engine bug (tests of the checkers only).
    #[doc(hidden)]
    #[must_use]
    pub fn planted_bug(mut self, bug: PlantedBug) -> Self {
        self.planted_bug = Some(bug);
        self
    }

    /// Continues from what an earlier machine left (`Coordinator::machine_state`): its
    /// persistent shadow copies, writer status, shadow storage, ids and clock.
    #[must_use]
    pub fn state(mut self, state: crate::vocab::MachineState) -> Self {
        self.state = Some(state);
        self
    }

    /// Builds the machine.
    #[must_use]
    pub fn build(mut self) -> Coordinator {
        if self.volumes.is_empty() {
            self.volumes.push(crate::vocab::Volume::new("C:\\"));
        }
        Coordinator::from_builder(self)
    }
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field(
                "writers",
                &self
                    .writers
                    .iter()
                    .map(|(c, _)| &c.name)
                    .collect::<Vec<_>>(),
            )
            .field("providers", &self.providers.len())
            .field("volumes", &self.volumes)
            .field("policies", &self.policies)
            .field("trace_mode", &self.trace_mode)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}
