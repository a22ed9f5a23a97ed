//! Policies: one named knob per documented ambiguity that changes what a writer or requester
//! observes (spec Q2, Q3, Q4, Q8, Q9, Q12, Q15, Q20, R57's "other backup's id", and, for
//! handlers that take time, VSS's own limit on a handler (R75), the KB915331 freeze-timer race
//! (R99) and which error a late failing commit reports (R89, R93)), and whether a success clears
//! a writer's last error (T2, T13).
//!
//! Each knob has a documented default (the reading we think Windows most likely follows) and the
//! alternatives, so writer authors can test against every plausible Windows behaviour. The
//! policies in force are the first record of every trace, so the oracle judges a run by the
//! rules it ran under. `docs/protocol.md` lists them with their Q numbers.

use serde::{Deserialize, Serialize};

use super::Hresult;

/// Every policy knob, with defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Policies {
    /// Q2: which writers `AbortBackup` reaches.
    pub abort_backup_reach: AbortBackupReach,
    /// Q3: who receives Abort when one writer fails Freeze or Thaw or its freeze window expires.
    pub writer_abort_scope: WriterAbortScope,
    /// Q4: what `DoSnapshotSet` reports when writers failed during it.
    pub writer_failure_result: WriterFailureResult,
    /// Q8: when a writer's Freeze→Thaw timer starts.
    pub freeze_timer_start: FreezeTimerStart,
    /// Q9: when `GetCurrentSnapshotSetId` and the volume queries may be called.
    pub query_window: QueryWindow,
    /// Q12: a writer's state after `OnAbort`.
    pub state_after_abort: StateAfterAbort,
    /// Q12: a writer's state after `OnBackupShutdown`.
    pub state_after_shutdown: StateAfterShutdown,
    /// Q15: whether a veto (SetWriterFailure + true) in `OnFreeze`/`OnThaw` raises Abort.
    pub veto_at_freeze_thaw: VetoAtFreezeThaw,
    /// Q20: which released instances make VSS send BackupShutdown.
    pub shutdown_for: ShutdownFor,
    /// R57: the set id BackupShutdown carries after a requester crash.
    pub shutdown_set_id_after_crash: ShutdownSetIdAfterCrash,
    /// How long VSS waits for a writer's handler before it reports the writer not responding.
    pub handler_timeout: HandlerTimeout,
    /// KB915331: whether a Thaw can arrive before the writer's freeze timer started.
    pub freeze_timer_race: FreezeTimerRace,
    /// R89, R93: what `DoSnapshotSet` reports when the hold-writes window expired and the
    /// provider's step failed too.
    pub commit_failure_result: CommitFailureResult,
    /// T2, T13: whether a handler's success clears the writer's last error (`hrFailure`).
    pub last_error: LastError,
    /// What a requester's calls return once the VSS service restarted under it.
    pub lost_service: LostService,
}

impl Policies {
    /// How many alternatives each knob has, in field order: the `ALL` list of each knob.
    pub const ALTERNATIVES: [usize; 15] = [
        AbortBackupReach::ALL.len(),
        WriterAbortScope::ALL.len(),
        WriterFailureResult::ALL.len(),
        FreezeTimerStart::ALL.len(),
        QueryWindow::ALL.len(),
        StateAfterAbort::ALL.len(),
        StateAfterShutdown::ALL.len(),
        VetoAtFreezeThaw::ALL.len(),
        ShutdownFor::ALL.len(),
        ShutdownSetIdAfterCrash::ALL.len(),
        HandlerTimeout::ALL.len(),
        FreezeTimerRace::ALL.len(),
        CommitFailureResult::ALL.len(),
        LastError::ALL.len(),
        LostService::ALL.len(),
    ];

    /// A policy set that takes, for each knob in field order, the alternative
    /// `pick(alternatives)` of its `ALL` list (taken modulo the count): how fuzzers and
    /// explorers turn their decisions into policies.
    pub fn from_picks(mut pick: impl FnMut(usize) -> usize) -> Self {
        fn take<T: Copy>(all: &[T], pick: &mut impl FnMut(usize) -> usize) -> T {
            all[pick(all.len()) % all.len()]
        }
        Self {
            abort_backup_reach: take(&AbortBackupReach::ALL, &mut pick),
            writer_abort_scope: take(&WriterAbortScope::ALL, &mut pick),
            writer_failure_result: take(&WriterFailureResult::ALL, &mut pick),
            freeze_timer_start: take(&FreezeTimerStart::ALL, &mut pick),
            query_window: take(&QueryWindow::ALL, &mut pick),
            state_after_abort: take(&StateAfterAbort::ALL, &mut pick),
            state_after_shutdown: take(&StateAfterShutdown::ALL, &mut pick),
            veto_at_freeze_thaw: take(&VetoAtFreezeThaw::ALL, &mut pick),
            shutdown_for: take(&ShutdownFor::ALL, &mut pick),
            shutdown_set_id_after_crash: take(&ShutdownSetIdAfterCrash::ALL, &mut pick),
            handler_timeout: take(&HandlerTimeout::ALL, &mut pick),
            freeze_timer_race: take(&FreezeTimerRace::ALL, &mut pick),
            commit_failure_result: take(&CommitFailureResult::ALL, &mut pick),
            last_error: take(&LastError::ALL, &mut pick),
            lost_service: take(&LostService::ALL, &mut pick),
        }
    }
}

/// Q2: which writers `AbortBackup` reaches. Writers past `OnPostSnapshot` never get Abort (R55),
/// and `AbortBackup` with nothing under way is ignored (R53) under both readings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AbortBackupReach {
    /// Default (aborting-vss-operations): writers that received PrepareForBackup from this
    /// requester and have not finished PostSnapshot.
    #[default]
    FromPrepareForBackup,
    /// The AbortBackup page's window: once `StartSnapshotSet` was called, also the writers this
    /// requester identified that have not received PrepareForBackup yet.
    FromStartSnapshotSet,
}

impl AbortBackupReach {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::FromPrepareForBackup, Self::FromStartSnapshotSet];
}

/// Q3: scope of a writer-generated Abort (Freeze/Thaw failure, freeze window expiry).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WriterAbortScope {
    /// Default (CVssWriter::Initialize speaks of *that writer's* OnAbort): only the failing writer
    /// is aborted and drops out of the operation; the shadow copy is still created.
    #[default]
    FailingWriter,
    /// Every writer of the operation not past PostSnapshot is aborted, the providers discard the
    /// prepared copies, and `DoSnapshotSet` fails with the [`WriterFailureResult`] code
    /// (`VSS_E_UNEXPECTED` under [`WriterFailureResult::WriterStatusOnly`]).
    AllWriters,
}

impl WriterAbortScope {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::FailingWriter, Self::AllWriters];
}

/// Q4: what `DoSnapshotSet` reports after writer failures during it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WriterFailureResult {
    /// Default (writer-errors-and-vetoes): `DoSnapshotSet` succeeds unless a provider or kernel
    /// step fails; the requester sees vetoes only through writer status.
    #[default]
    WriterStatusOnly,
    /// `DoSnapshotSet` fails with this code when any writer failed PrepareForSnapshot, Freeze,
    /// Thaw or PostSnapshot.
    FailWith(Hresult),
}

impl WriterFailureResult {
    /// The default, then `FailWith` the codes a requester could plausibly see (`VSS_E_UNEXPECTED`,
    /// `VSS_E_UNEXPECTED_WRITER_ERROR`, a writer's own `VSS_E_WRITERERROR_RETRYABLE`): what
    /// explorers, fuzzers and strategies draw from.
    pub const ALL: [Self; 4] = [
        Self::WriterStatusOnly,
        Self::FailWith(Hresult::VSS_E_UNEXPECTED),
        Self::FailWith(Hresult::VSS_E_UNEXPECTED_WRITER_ERROR),
        Self::FailWith(Hresult::VSS_E_WRITERERROR_RETRYABLE),
    ];
}

/// Q8: when a writer's Freeze→Thaw timer (`dwTimeoutFreeze`, R59, R99) starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FreezeTimerStart {
    /// Default (the Initialize page: "from the writer's receipt of Freeze"): time spent in the
    /// writer's own `OnFreeze` counts.
    #[default]
    OnFreezeDelivered,
    /// The timer starts when `OnFreeze` returns.
    OnFreezeReturned,
}

impl FreezeTimerStart {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::OnFreezeDelivered, Self::OnFreezeReturned];
}

/// Q9: the handlers in which `GetCurrentSnapshotSetId` (R68) and the current-volume queries
/// (R70) are answered; elsewhere they fail with `VSS_E_BAD_STATE` and the misuse is recorded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QueryWindow {
    /// Default (the spec's proposal): from `OnPrepareBackup` through `OnPostSnapshot`, plus
    /// `OnAbort` of an operation that has a set.
    #[default]
    PrepareBackupToPostSnapshot,
    /// From `OnPrepareSnapshot` through `OnPostSnapshot`.
    PrepareSnapshotToPostSnapshot,
    /// Only the handlers the docs name: `OnFreeze`, `OnThaw`, `OnPostSnapshot`.
    DocumentedOnly,
}

impl QueryWindow {
    /// Every alternative, the default first.
    pub const ALL: [Self; 3] = [
        Self::PrepareBackupToPostSnapshot,
        Self::PrepareSnapshotToPostSnapshot,
        Self::DocumentedOnly,
    ];
}

/// Q12: a writer's state after `OnAbort`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateAfterAbort {
    /// Default (what `vssadmin` shows after failed backups): a writer that failed keeps its
    /// `FAILED_AT_*` state and code; any other writer returns to `VSS_WS_STABLE`.
    #[default]
    KeepFailureElseStable,
    /// Always `VSS_WS_STABLE`, failure code cleared.
    Stable,
    /// Unchanged: the state before Abort stays.
    Unchanged,
}

impl StateAfterAbort {
    /// Every alternative, the default first.
    pub const ALL: [Self; 3] = [Self::KeepFailureElseStable, Self::Stable, Self::Unchanged];
}

/// Q12: a writer's state after `OnBackupShutdown`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateAfterShutdown {
    /// Default (diskshadow's sample shows writers in state 5 at rest): unchanged.
    #[default]
    Unchanged,
    /// `VSS_WS_STABLE` unless the writer failed.
    StableUnlessFailed,
}

impl StateAfterShutdown {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::Unchanged, Self::StableUnlessFailed];
}

/// Q15: whether a veto (`SetWriterFailure` then `true`) in `OnFreeze` or `OnThaw` raises Abort.
/// A `false` return always does (R50b); the veto sets the `FAILED_AT_*` state either way (R75).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum VetoAtFreezeThaw {
    /// Default (R65 reads "OnFreeze returning false *additionally* triggers Abort"): no Abort.
    #[default]
    NoAbort,
    /// A veto aborts like a `false` return.
    Abort,
}

impl VetoAtFreezeThaw {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::NoAbort, Self::Abort];
}

/// Q20: which released instances make VSS send BackupShutdown (R57).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShutdownFor {
    /// Default: instances that took part in a backup, i.e. raised PrepareForBackup; the
    /// writers of that backup get BackupShutdown.
    #[default]
    BackupParticipants,
    /// Every backup-mode instance that gathered writer metadata; writers it identified but never
    /// involved get BackupShutdown with `GUID_NULL`.
    EveryBackupInstance,
}

impl ShutdownFor {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::BackupParticipants, Self::EveryBackupInstance];
}

/// R57: the set id `OnBackupShutdown` carries after the requester crashed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShutdownSetIdAfterCrash {
    /// Default: the crashed backup's own set id (`GUID_NULL` if no shadow copy was created).
    #[default]
    Own,
    /// "The ID may belong to another backup the writer is part of": when the writer takes part in
    /// another live backup with a set, that backup's set id.
    OtherBackupWhenPresent,
}

impl ShutdownSetIdAfterCrash {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::Own, Self::OtherBackupWhenPresent];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_starts_with_the_default() {
        let first = Policies::from_picks(|_| 0);
        assert_eq!(first, Policies::default());
        let last = Policies::from_picks(|n| n - 1);
        assert_eq!(
            last.shutdown_set_id_after_crash,
            ShutdownSetIdAfterCrash::OtherBackupWhenPresent
        );
        assert_eq!(
            last.writer_failure_result,
            WriterFailureResult::FailWith(Hresult::VSS_E_WRITERERROR_RETRYABLE)
        );
        let mut knobs = 0;
        let _ = Policies::from_picks(|n| {
            assert_eq!(n, Policies::ALTERNATIVES[knobs]);
            knobs += 1;
            0
        });
        assert_eq!(knobs, Policies::ALTERNATIVES.len());
    }
}

/// How long VSS waits for a writer's handler to return before it stops waiting, reports the
/// writer as not responding (`VSS_E_WRITER_NOT_RESPONDING`, the `FAILED_AT_*` state of the
/// event) and goes on without it. The wait counts from when VSS sends the event, so an event
/// queued behind another handler (SERIAL) times out without ever being delivered. The
/// handler's eventual return is recorded and changes nothing. Abort and BackupShutdown run out
/// of band: no operation waits for them.
///
/// Windows documents no such limit per event (`docs/protocol.md`, "Policies"): the only
/// documented limits are the writer's own Freeze→Thaw window (R99, modelled separately) and
/// the 10 s hold-writes window (R89); `VSS_E_WRITER_NOT_RESPONDING` is documented only as "the
/// writer is not responding".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HandlerTimeout {
    /// Default: VSS waits as long as a handler takes. A hung handler hangs its operation until
    /// the requester's own deadline (`Wait(ms)`, `Cancel`, `AbortBackup`, `Release`) or, for
    /// OnFreeze, the writer's freeze window; without either the run reports a hang.
    #[default]
    Never,
    /// VSS gives up on a handler after [`HandlerTimeout::LIMIT_MS`] (3 minutes): an assumed
    /// limit for testing how a requester and the other writers cope with a writer VSS reports
    /// not responding, not a documented Windows value.
    ThreeMinutes,
}

impl HandlerTimeout {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::Never, Self::ThreeMinutes];

    /// The limit of [`HandlerTimeout::ThreeMinutes`].
    pub const LIMIT_MS: u64 = 180_000;

    /// How long VSS waits for a handler of `event` on behalf of an operation; `None`: for ever.
    pub fn limit_ms(self, event: super::WriterEvent) -> Option<u64> {
        use super::WriterEvent as E;
        match (self, event) {
            (Self::Never, _) | (_, E::Abort | E::BackupShutdown) => None,
            (Self::ThreeMinutes, _) => Some(Self::LIMIT_MS),
        }
    }
}

/// KB915331 (field failure 4): on Windows Server 2003 before the hotfix, a Thaw could arrive
/// before the writer's freeze-timeout thread had started; the thread then ran its full
/// `dwTimeoutFreeze` and timed the writer out after a successful Thaw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FreezeTimerRace {
    /// Default (fixed systems): Thaw always stops the timer.
    #[default]
    Fixed,
    /// The race exists: a Thaw arriving the instant the timer is armed is a choice point
    /// (`ChoicePoint::FreezeTimerRace`); when Thaw wins, the timer is not stopped.
    Kb915331,
}

impl FreezeTimerRace {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::Fixed, Self::Kb915331];
}

/// R89 and R93 together: the kernel's 10 s hold expired while a provider step was running,
/// and that step failed too. Which error does `DoSnapshotSet` report?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CommitFailureResult {
    /// Default: `VSS_E_HOLD_WRITES_TIMEOUT`. The hold expired first (it is what ended the
    /// commit window, R89); the provider's failure came when its call returned, later.
    #[default]
    HoldWritesTimeout,
    /// The provider's own error.
    ProviderError,
}

impl CommitFailureResult {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::HoldWritesTimeout, Self::ProviderError];
}

/// T2, T13: whether a successful handler clears the writer's last error. `hrFailure` is the
/// "Last error" `vssadmin list writers` prints; the documentation says what a failure sets it to
/// (R75) but not what a later success does, and published outputs show writers back in
/// `[1] Stable` whose last error is still a failure's (Microsoft's own support article for
/// KB 4037535 shows the Exchange writer `State: [1] Stable`, `Last error: Retryable error`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LastError {
    /// Default: every state a success leads to (T2) comes with `S_OK`, as does an Abort or a
    /// BackupShutdown that makes the writer Stable (`StateAfterAbort`, `StateAfterShutdown`).
    #[default]
    ClearedBySuccess,
    /// The last error stays until the next failure (or a restart of the writer's service): a
    /// writer that timed out shows `[1] Stable` / `Timed out` after its next good backup, and a
    /// new backup starts from the error the writer was left with.
    KeptUntilNextFailure,
}

impl LastError {
    /// Every alternative, the default first.
    pub const ALL: [Self; 2] = [Self::ClearedBySuccess, Self::KeptUntilNextFailure];

    /// The last error a writer shows after a success, when it showed `current` before.
    pub fn after_success(self, current: super::Hresult) -> super::Hresult {
        match self {
            Self::ClearedBySuccess => super::Hresult::S_OK,
            Self::KeptUntilNextFailure => current,
        }
    }
}

/// The VSS service restarts (`Vss::restart_service`) while requesters hold their
/// `IVssBackupComponents`: what do their calls return? Windows documents nothing. The object
/// lives in the requester's process and reaches the service over COM; the service process is
/// gone, so COM's own errors are the likely answer, but whether `vssapi` passes them on or maps
/// them is not known.
///
/// Under every alternative the same calls fail: those that need the service (`docs/protocol.md`,
/// "The VSS service restarting"). Reading what the object already holds (gathered metadata and
/// status), building and saving its own Backup Components Document (`SetBackupState`,
/// `AddComponent`, `SetBackupSucceeded`, `SetPreviousBackupStamp`, writer class filters,
/// `SaveAsXML`), `Wait`, `QueryStatus` and `Cancel` on its
/// operations, and `Release` still work.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LostService {
    /// Default: COM's errors for a server process that died. The operation in flight ends with
    /// `RPC_S_CALL_FAILED` (0x800706BE, "The remote procedure call failed"); later calls return
    /// `RPC_S_SERVER_UNAVAILABLE` (0x800706BA, "The RPC server is unavailable"), the code backup
    /// tools' logs show when the VSS service is not there.
    #[default]
    RpcErrors,
    /// `RPC_E_DISCONNECTED` (0x80010108) for both: what a proxy returns once its server
    /// disconnected the object (a clean stop of the service).
    Disconnected,
    /// `VSS_E_UNEXPECTED` for both: `vssapi` maps whatever COM said to its generic error.
    Unexpected,
}

impl LostService {
    /// Every alternative, the default first.
    pub const ALL: [Self; 3] = [Self::RpcErrors, Self::Disconnected, Self::Unexpected];

    /// What the operation in flight when the service went ends with.
    pub fn in_flight(self) -> Hresult {
        match self {
            Self::RpcErrors => Hresult::RPC_S_CALL_FAILED,
            Self::Disconnected => Hresult::RPC_E_DISCONNECTED,
            Self::Unexpected => Hresult::VSS_E_UNEXPECTED,
        }
    }

    /// What each later call that needs the service returns.
    pub fn later_calls(self) -> Hresult {
        match self {
            Self::RpcErrors => Hresult::RPC_S_SERVER_UNAVAILABLE,
            Self::Disconnected => Hresult::RPC_E_DISCONNECTED,
            Self::Unexpected => Hresult::VSS_E_UNEXPECTED,
        }
    }
}
