//! Trace records: everything the coordinator did, as data.
//!
//! This is the contract between the engine and the [oracle](super::oracle): the engine writes
//! these records, the oracle reads nothing else. Writers, sessions and providers are numbered in
//! creation order ([`WriterNo`], [`SessionNo`], [`ProviderNo`]); their names and ids are given
//! once, by the `*Registered` / [`TraceEvent::SessionCreated`] records.

use serde::{Deserialize, Serialize};

use crate::vocab::{
    ApplicationLevel, AsyncKind, Bound, Call, Hresult, OpNo, Policies, ProviderId, ProviderNo,
    ProviderStep, SessionNo, SignalName, SnapshotId, SnapshotSetId, Wait, WaitEnd, WriterClassId,
    WriterEvent, WriterInstanceId, WriterNo, WriterQuery, WriterState,
};

/// One trace record: an event and the virtual time it happened at.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TraceRecord {
    /// Virtual milliseconds since the simulation started.
    pub at_ms: u64,
    /// What happened.
    pub event: TraceEvent,
}

/// Timers on the virtual clock (timers are data: R89, R99).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Timer {
    /// A writer's Freeze→Thaw window, `dwTimeoutFreeze` long (R59, R99).
    FreezeWindow {
        /// The operation's requester.
        session: SessionNo,
        /// The frozen writer.
        writer: WriterNo,
    },
    /// The kernel's 10 s flush-and-hold window around `CommitSnapshots` (R89).
    HoldWrites {
        /// The operation's requester.
        session: SessionNo,
    },
}

/// Who waits or sets a signal: a writer's handler, a provider's step, or the host (requester
/// code or a test, outside the coordinator).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// A writer's handler for `event`, delivered on behalf of `session`.
    Writer {
        /// The requester whose event it handles.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The handler's event.
        event: WriterEvent,
    },
    /// A provider's `step` for `session`'s set.
    Provider {
        /// The requester whose set it is.
        session: SessionNo,
        /// The provider.
        provider: ProviderNo,
        /// The step.
        step: ProviderStep,
    },
    /// Requester code or a test acting outside the machine (a host, an orchestrator).
    Host,
}

/// Why the coordinator raised Abort (R50).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AbortCause {
    /// R50a: the requester called `AbortBackup`.
    AbortBackup,
    /// R50b: a writer's `OnFreeze` or `OnThaw` failed.
    WriterFailed {
        /// The failing writer.
        writer: WriterNo,
        /// Freeze or Thaw.
        event: WriterEvent,
    },
    /// R50b, R76, R99: a writer's Freeze→Thaw window expired.
    FreezeTimeout {
        /// The writer whose window expired.
        writer: WriterNo,
    },
    /// R50c, R95: a provider or VSS failed after PrepareForSnapshot (R89's hold-writes timeout
    /// included).
    CreationFailed {
        /// The failure `DoSnapshotSet` reports.
        hr: Hresult,
    },
    /// The requester cancelled `DoSnapshotSet` before the commit (R38).
    Cancelled,
    /// The requester object went away while `DoSnapshotSet` was under way (R57).
    Released,
}

/// Why a writer stops taking part in one requester's operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DropReason {
    /// R10: its `OnIdentify` failed.
    IdentifyFailed,
    /// R7: its class was disabled before `GatherWriterMetadata`.
    ClassDisabled,
    /// R47: component mode and none of its components was added.
    NothingSelected,
    /// R55: it received Abort; no further events of this operation.
    Aborted,
    /// Its service restarted while the backup was under way (`Vss::restart_writer`): the
    /// writer instance the backup knew is gone, and none of the backup's later events —
    /// Abort and BackupShutdown included — reach the new one.
    Restarted,
}

/// Why the machine deleted a shadow copy on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PurgeReason {
    /// R103: the volume's shadow storage ran out; the oldest copy goes first (volsnap event 33).
    StorageLimit,
    /// R102: the volume reached its client-accessible copy limit (`MaxShadowCopies`, volsnap
    /// event 58).
    CopyLimit,
    /// `RevertToSnapshot` put the volume back to an older copy: the copies made after it no
    /// longer match any state the volume will pass through.
    Reverted,
}

/// How a shadow copy set's creation window (R15) closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SetOutcome {
    /// `DoSnapshotSet` committed the set.
    Created,
    /// `DoSnapshotSet` failed.
    Failed(Hresult),
    /// `AbortBackup` or `Cancel` ended it before the commit.
    Aborted,
    /// The requester went away (release, crash) before `DoSnapshotSet` returned.
    Abandoned,
}

/// One thing the coordinator did.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum TraceEvent {
    /// First record of every trace: the policies in force.
    Policies(Policies),
    /// A writer instance subscribed (R59, R61, R62).
    WriterRegistered {
        /// Its number.
        writer: WriterNo,
        /// Class id.
        class_id: WriterClassId,
        /// Instance id.
        instance_id: WriterInstanceId,
        /// Writer name.
        name: String,
        /// Application level (R46).
        level: ApplicationLevel,
        /// `dwTimeoutFreeze` (R59).
        freeze_timeout_ms: u64,
    },
    /// A provider was registered.
    ProviderRegistered {
        /// Its number.
        provider: ProviderNo,
        /// Provider id.
        id: ProviderId,
        /// Provider name.
        name: String,
    },
    /// The machine's OS profile (recorded after the policies when it is not the default).
    Os(crate::vocab::OsProfile),
    /// A requester object was created (`CreateVssBackupComponents`, R1).
    SessionCreated {
        /// Its number.
        session: SessionNo,
    },
    /// A requester call and the HRESULT it returned immediately.
    Called {
        /// The requester.
        session: SessionNo,
        /// The call and its arguments.
        call: Call,
        /// The method's own result (for async methods: whether the operation started).
        hr: Hresult,
    },
    /// An asynchronous operation started (R35).
    AsyncStarted {
        /// The requester.
        session: SessionNo,
        /// The operation.
        op: OpNo,
        /// Which method started it.
        kind: AsyncKind,
    },
    /// An asynchronous operation ended: `VSS_S_ASYNC_FINISHED`, `VSS_S_ASYNC_CANCELLED` or the
    /// operation's error (R36).
    AsyncCompleted {
        /// The requester.
        session: SessionNo,
        /// The operation.
        op: OpNo,
        /// Which method started it.
        kind: AsyncKind,
        /// The final status.
        hr: Hresult,
    },
    /// `StartSnapshotSet` opened a set's creation window (R15).
    SetCreationStarted {
        /// The requester.
        session: SessionNo,
        /// The new set.
        set: SnapshotSetId,
    },
    /// A set's creation window closed (R15).
    SetCreationEnded {
        /// The requester.
        session: SessionNo,
        /// The set.
        set: SnapshotSetId,
        /// How it ended.
        outcome: SetOutcome,
    },
    /// A shadow copy came into being on the machine: its set was created (R45, R104).
    ShadowCopyCreated {
        /// The requester whose set it belongs to.
        session: SessionNo,
        /// The shadow copy.
        snapshot: SnapshotId,
        /// Its set.
        set: SnapshotSetId,
        /// The raw context it was made in (`lContext`: base context and modifiers, T6).
        context: u32,
        /// The volume it copies, by the name the machine gives it (`C:\`).
        #[serde(default)]
        volume: String,
        /// Its diff area is in the volume's shadow storage (a system provider copy, R103).
        /// (A copy `ImportSnapshots` brought is recorded while its import is under way.)
        #[serde(default)]
        in_storage: bool,
    },
    /// `ExposeSnapshot` exposed a shadow copy (R107).
    ShadowCopyExposed {
        /// The requester.
        session: SessionNo,
        /// The shadow copy.
        snapshot: SnapshotId,
        /// The drive letter, mount folder or share it is exposed as.
        name: String,
    },
    /// `UnexposeSnapshot` took a shadow copy's drive letter, mount folder or share away.
    ShadowCopyUnexposed {
        /// The requester.
        session: SessionNo,
        /// The shadow copy.
        snapshot: SnapshotId,
    },
    /// `RevertToSnapshot`: the volume went back to the shadow copy.
    VolumeReverted {
        /// The requester.
        session: SessionNo,
        /// The shadow copy reverted to.
        snapshot: SnapshotId,
        /// The volume, by the name the machine gives it.
        volume: String,
    },
    /// `BreakSnapshotSet`: VSS forgot a hardware set; its copies are ordinary volumes now.
    SnapshotSetBroken {
        /// The requester.
        session: SessionNo,
        /// The set.
        set: SnapshotSetId,
    },
    /// The machine deleted a shadow copy on its own (R102, R103).
    ShadowCopyPurged {
        /// The shadow copy.
        snapshot: SnapshotId,
        /// Why.
        reason: PurgeReason,
    },
    /// `Query` listed these shadow copies (R34, R107).
    SnapshotsListed {
        /// The requester.
        session: SessionNo,
        /// The copies, in the order returned.
        snapshots: Vec<SnapshotId>,
    },
    /// `DeleteSnapshots` deleted a shadow copy (R33).
    ShadowCopyDeleted {
        /// The requester.
        session: SessionNo,
        /// The shadow copy.
        snapshot: SnapshotId,
    },
    /// Auto-release shadow copies were deleted when their requester went away (R32, R104).
    SnapshotsDeleted {
        /// The requester.
        session: SessionNo,
        /// The set.
        set: SnapshotSetId,
        /// How many shadow copies.
        count: u32,
    },
    /// A writer is dropped from one requester's operation.
    WriterDropped {
        /// The requester.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// Why.
        reason: DropReason,
    },
    /// The coordinator raised Abort for an operation (R50).
    AbortRaised {
        /// The operation's requester.
        session: SessionNo,
        /// Why.
        cause: AbortCause,
    },
    /// An event was delivered to a writer's handler.
    Delivered {
        /// The requester whose operation the event belongs to (for Identify: who gathered).
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The event.
        event: WriterEvent,
        /// The set id: the operation's set (`GUID_NULL` before `StartSnapshotSet`); for
        /// BackupShutdown, the handler's argument (R57).
        set: SnapshotSetId,
    },
    /// A handler returned (recorded when it returns: `spent_ms` after its `Delivered`).
    Handled {
        /// The requester.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The event.
        event: WriterEvent,
        /// The handler's `bool` result (`false` when it panicked).
        ok: bool,
        /// The code the handler passed to `SetWriterFailure`, if it did (R64, R65).
        failure: Option<Hresult>,
        /// Virtual time from delivery to return, waits included.
        spent_ms: u64,
        /// The handler panicked (C++: threw); recorded as a failure, never a crash of the run.
        panicked: bool,
    },
    /// A writer's state in one requester's session changed (T2, R73–R77).
    StateChanged {
        /// The requester.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The new state.
        state: WriterState,
        /// The new `hrFailure`.
        failure: Hresult,
    },
    /// A handler called a writer-side query (R66, R68–R70) and got `hr`.
    Queried {
        /// The requester whose event is being handled.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The handler's event.
        during: WriterEvent,
        /// Which query.
        query: WriterQuery,
        /// Its result.
        hr: Hresult,
    },
    /// A timer was armed.
    TimerSet {
        /// Which.
        timer: Timer,
        /// When it expires.
        deadline_ms: u64,
    },
    /// A timer was disarmed before it expired.
    TimerStopped {
        /// Which.
        timer: Timer,
    },
    /// A timer expired.
    TimerFired {
        /// Which.
        timer: Timer,
    },
    /// A provider method returned (recorded when it returns: it was called `spent_ms` earlier).
    ProviderCalled {
        /// The requester whose set it is.
        session: SessionNo,
        /// The provider.
        provider: ProviderNo,
        /// Which method.
        step: ProviderStep,
        /// What it returned (after R94's mapping of off-list codes).
        hr: Hresult,
        /// Virtual time from call to return, waits included.
        spent_ms: u64,
    },
    /// A wait or a sleep stopped at one of the run's bounds (design principle 7): the oracle
    /// reports it as non-termination.
    BoundReached {
        /// Which bound.
        bound: Bound,
        /// The operation the requester was waiting for; `None` for a sleep.
        waiting_for: Option<OpNo>,
    },
    /// `GetWriterMetadata` handed the requester a writer's metadata (R10, R40 step 6).
    MetadataReported {
        /// The requester.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
    },
    /// `GetWriterStatus` reported a writer to the requester (R29).
    StatusReported {
        /// The requester.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The reported state.
        state: WriterState,
        /// The reported `hrFailure`.
        failure: Hresult,
    },
    /// A handler or a provider step spends virtual time: it runs until `until_ms` (then it
    /// returns, or waits).
    Busy {
        /// Who runs.
        actor: Actor,
        /// Until when.
        until_ms: u64,
    },
    /// A handler, a provider step or the host started waiting (issue 11).
    WaitStarted {
        /// Who waits.
        actor: Actor,
        /// For what.
        wait: Wait,
    },
    /// A wait ended: the signal was set, or the timeout passed.
    WaitEnded {
        /// Who waited.
        actor: Actor,
        /// How.
        ended: WaitEnd,
    },
    /// A signal was set (`SetEvent`): every wait for it ends.
    SignalSet {
        /// Which.
        signal: SignalName,
        /// Who set it.
        by: Actor,
    },
    /// A signal was reset (`ResetEvent`).
    SignalReset {
        /// Which.
        signal: SignalName,
        /// Who reset it.
        by: Actor,
    },
    /// A writer's handler did not return within the time VSS allows for its event
    /// (`Policies::handler_timeout`): VSS stops waiting for it and reports the writer as not
    /// responding. The handler's eventual return is recorded but changes nothing.
    HandlerTimedOut {
        /// The requester whose event it handles.
        session: SessionNo,
        /// The writer.
        writer: WriterNo,
        /// The event.
        event: WriterEvent,
    },
    /// The writer's service restarted (`Vss::restart_writer`, field failure 17): a handler it
    /// was in is gone and never returns (VSS gave up on the events it was handling or had
    /// queued, `HandlerTimedOut` before this record), and the machine shows it Stable with no
    /// error again (R30). Requesters that involved it keep their own view.
    WriterRestarted {
        /// The writer.
        writer: WriterNo,
    },
    /// The writer's process died and stays down (`Vss::stop_writer`): as `WriterRestarted`,
    /// and every backup under way that identified it loses it; no requester finds it until
    /// `WriterStarted`.
    WriterStopped {
        /// The writer.
        writer: WriterNo,
    },
    /// The VSS service restarted (`Vss::restart_service`). Every requester object it served is
    /// lost: its operation in flight ends (`AsyncCompleted` right after this record) and its later
    /// calls that need the service fail (`Policies::lost_service`); no writer hears anything
    /// more of its backup, and no Abort or BackupShutdown is owed for it. Its auto-release copies
    /// are gone (`SnapshotsDeleted`, after this record). Writers hosted by the service restart
    /// with it (`WriterRestarted`, after this record); the others keep their state, and a
    /// writer left frozen aborts itself when its own freeze window expires (R99).
    ServiceRestarted,
    /// The writer's process is up again (`Vss::start_writer`): `[1] Stable`, no error.
    WriterStarted {
        /// The writer.
        writer: WriterNo,
    },
    /// A persistent shadow copy an earlier run left on the machine (a state file,
    /// [`MachineState`](crate::vocab::MachineState)): on the machine from the start.
    ShadowCopyCarried {
        /// The copy.
        snapshot: SnapshotId,
        /// Its set.
        set: SnapshotSetId,
        /// The context it was made in (raw `VSS_CTX_*` with attribute bits).
        context: u32,
        /// The volume it copies, by name.
        volume: String,
        /// Whether its diff area is in the volume's shadow storage.
        in_storage: bool,
    },
    /// The state and last error an earlier run left a writer in (a state file): what the
    /// machine shows of it until an operation changes it (R30).
    WriterStatusCarried {
        /// The writer.
        writer: WriterNo,
        /// Its state.
        state: WriterState,
        /// Its last error.
        failure: Hresult,
    },
    /// User code outside a writer handler or a provider step panicked (design principle: user
    /// code cannot break the run); the engine carried on as [`UserCode`] says.
    UserCodePanicked {
        /// Which code.
        code: UserCode,
        /// The panic's message.
        message: String,
    },
}

/// User code the engine calls outside writer handlers and provider steps (whose panics are
/// recorded with their own records), and what the engine does when it panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UserCode {
    /// `Provider::id` at registration: the provider is registered with `GUID_NULL`.
    ProviderId(ProviderNo),
    /// `Provider::name` at registration: the provider is registered with an empty name.
    ProviderName(ProviderNo),
    /// `Provider::supports_volume` in `AddToSnapshotSet`: taken as "not supported".
    SupportsVolume(ProviderNo),
    /// `Provider::info` at registration: the provider is reported as a software provider,
    /// version `1.0.0.0`.
    ProviderInfo(ProviderNo),
    /// The chooser, at a choice point: the first option is taken.
    Chooser,
    /// A simulation's decider, at a fault point: no fault is injected (recorded after the
    /// requester step during which it panicked).
    Decider,
    /// A writer's handler for `event`: it failed (its `Handled` record says so); this record
    /// keeps the panic's message and place.
    Handler {
        /// The writer.
        writer: WriterNo,
        /// The event it was handling.
        event: WriterEvent,
    },
}
