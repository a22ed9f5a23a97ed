//! One requester object's session: what it has done, its set, and each writer's view of it.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use crate::trace::Mix;

use crate::vocab::WriterNo;
use crate::vocab::{
    AsyncKind, BackupState, ComponentKey, Context, Hresult, OpNo, SnapshotId, SnapshotSetId,
    WriterClassId, WriterState, WriterStatus,
};
use crate::vocab::{ProviderNo, SessionNo};
use crate::writer::{SnapshotVolume, WriterMetadata};

/// Whether the object exists and in which mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Life {
    /// Created, not initialized (R3).
    Created,
    /// `InitializeForBackup` succeeded.
    Backup,
    /// `InitializeForRestore` succeeded (R79).
    Restore,
    /// Released or crashed; every later call fails.
    Gone,
    /// The VSS service restarted under it (`Coordinator::restart_service`): every call that
    /// needs the service returns `code` (`Policies::lost_service`); `initialized` tells whether
    /// `InitializeForBackup` had succeeded.
    Lost { code: Hresult, initialized: bool },
}

/// `GatherWriterMetadata`'s progress (R8, R11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Metadata {
    NotGathered,
    Gathering(OpNo),
    /// Gathered and readable.
    Gathered,
    /// Gathered, then freed by `FreeWriterMetadata`: it cannot be read again (R11).
    Freed,
    /// Failed or cancelled, with the final status.
    Failed(Hresult),
}

impl Metadata {
    pub(crate) fn started(self) -> bool {
        !matches!(self, Self::NotGathered)
    }

    /// The gather finished successfully (whether or not it was freed since).
    pub(crate) fn gathered(self) -> bool {
        matches!(self, Self::Gathered | Self::Freed)
    }
}

/// How far a backup's operations went, one phase at a time: PrepareForBackup, DoSnapshotSet,
/// BackupComplete (R21, R22, R26). `DoSnapshotSet` may follow `NotStarted` directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    NotStarted,
    Preparing(OpNo),
    Prepared,
    /// PrepareForBackup failed or was cancelled (R52).
    PrepareFailed(Hresult),
    Snapshotting(OpNo),
    SnapshotDone,
    /// DoSnapshotSet failed or was cancelled (R54).
    SnapshotFailed(Hresult),
    Completing(OpNo),
    Completed,
    CompleteFailed(Hresult),
}

impl Phase {
    /// `DoSnapshotSet` was called.
    pub(crate) fn snapshot_started(self) -> bool {
        matches!(
            self,
            Self::Snapshotting(_)
                | Self::SnapshotDone
                | Self::SnapshotFailed(_)
                | Self::Completing(_)
                | Self::Completed
                | Self::CompleteFailed(_)
        )
    }

    /// `DoSnapshotSet` succeeded.
    pub(crate) fn snapshot_done(self) -> bool {
        matches!(
            self,
            Self::SnapshotDone | Self::Completing(_) | Self::Completed | Self::CompleteFailed(_)
        )
    }

    /// `BackupComplete` was called.
    pub(crate) fn complete_started(self) -> bool {
        matches!(
            self,
            Self::Completing(_) | Self::Completed | Self::CompleteFailed(_)
        )
    }

    /// The phase after operation `kind` ended with `status`.
    pub(crate) fn after(self, kind: AsyncKind, status: Hresult) -> Self {
        let ok = status == Hresult::VSS_S_ASYNC_FINISHED;
        match kind {
            AsyncKind::PrepareForBackup if ok => Self::Prepared,
            AsyncKind::PrepareForBackup => Self::PrepareFailed(status),
            AsyncKind::DoSnapshotSet if ok => Self::SnapshotDone,
            AsyncKind::DoSnapshotSet => Self::SnapshotFailed(status),
            AsyncKind::BackupComplete if ok => Self::Completed,
            AsyncKind::BackupComplete => Self::CompleteFailed(status),
            AsyncKind::GatherWriterMetadata
            | AsyncKind::GatherWriterStatus
            | AsyncKind::PreRestore
            | AsyncKind::PostRestore
            | AsyncKind::ImportSnapshots
            | AsyncKind::QueryRevertStatus => self,
        }
    }
}

/// How far a restore went: PreRestore, then PostRestore (R82, R83).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RestorePhase {
    NotStarted,
    PreRestoring(OpNo),
    /// PreRestore finished (whatever its writers reported, R84).
    PreRestored,
    /// PreRestore was cancelled or failed.
    PreRestoreFailed(Hresult),
    PostRestoring(OpNo),
    PostRestored,
    PostRestoreFailed(Hresult),
}

impl RestorePhase {
    /// The phase after operation `kind` ended with `status`.
    pub(crate) fn after(self, kind: AsyncKind, status: Hresult) -> Self {
        let ok = status == Hresult::VSS_S_ASYNC_FINISHED;
        match kind {
            AsyncKind::PreRestore if ok => Self::PreRestored,
            AsyncKind::PreRestore => Self::PreRestoreFailed(status),
            AsyncKind::PostRestore if ok => Self::PostRestored,
            AsyncKind::PostRestore => Self::PostRestoreFailed(status),
            _ => self,
        }
    }
}

/// A backup: its phase, and whether `AbortBackup` ended it there (R53).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backup {
    Running(Phase),
    /// `AbortBackup` took effect: the backup is over. The phase still records how far it got
    /// (an operation cancelled by the abort ends there).
    Aborted(Phase),
}

impl Backup {
    pub(crate) fn phase(self) -> Phase {
        match self {
            Self::Running(phase) | Self::Aborted(phase) => phase,
        }
    }

    pub(crate) fn aborted(self) -> bool {
        matches!(self, Self::Aborted(_))
    }

    /// The same backup, in phase `phase`.
    pub(crate) fn with_phase(self, phase: Phase) -> Self {
        match self {
            Self::Running(_) => Self::Running(phase),
            Self::Aborted(_) => Self::Aborted(phase),
        }
    }

    /// The backup, aborted.
    pub(crate) fn abort(self) -> Self {
        Self::Aborted(self.phase())
    }
}

/// One shadow copy of the set.
#[derive(Clone, Debug)]
pub(crate) struct SnapshotRecord {
    pub(crate) id: SnapshotId,
    pub(crate) provider: ProviderNo,
    /// The machine volume it copies.
    pub(crate) volume: u32,
}

/// The session's shadow copy set and its creation state (R14–R19).
#[derive(Debug)]
pub(crate) enum SetState {
    /// No `StartSnapshotSet` yet.
    None,
    /// In creation (R15 window open): volumes may be added until `DoSnapshotSet`.
    InCreation(SetData),
    /// `DoSnapshotSet` committed it.
    Created(SetData),
    /// Creation failed, was cancelled, aborted or abandoned; the R15 window is closed.
    Ended(SetData),
}

/// A set's id and shadow copies.
#[derive(Debug)]
pub(crate) struct SetData {
    pub(crate) id: SnapshotSetId,
    pub(crate) snapshots: Vec<SnapshotRecord>,
    /// Parallel to `snapshots`: each volume and, once committed, its device.
    pub(crate) volumes: Vec<SnapshotVolume>,
    /// `CommitSnapshots` returned for the whole set.
    pub(crate) committed: bool,
    pub(crate) created_at_ms: u64,
}

impl SetState {
    pub(crate) fn data(&self) -> Option<&SetData> {
        match self {
            Self::None => None,
            Self::InCreation(data) | Self::Created(data) | Self::Ended(data) => Some(data),
        }
    }

    pub(crate) fn data_mut(&mut self) -> Option<&mut SetData> {
        match self {
            Self::None => None,
            Self::InCreation(data) | Self::Created(data) | Self::Ended(data) => Some(data),
        }
    }

    pub(crate) fn id(&self) -> SnapshotSetId {
        self.data().map_or(SnapshotSetId::NULL, |data| data.id)
    }

    /// Moves the set to `Ended` (or `Created`), keeping its data.
    pub(crate) fn end(&mut self, created: bool) {
        let old = std::mem::replace(self, Self::None);
        *self = match old {
            Self::InCreation(data) | Self::Created(data) | Self::Ended(data) if created => {
                Self::Created(data)
            }
            Self::InCreation(data) | Self::Created(data) | Self::Ended(data) => Self::Ended(data),
            Self::None => Self::None,
        };
    }
}

/// Whether a writer is known to a session: Identify succeeded, failed, or never came (R7,
/// R10).
#[derive(Debug)]
pub(crate) enum Identity {
    /// No Identify answered for this session (yet).
    Unknown,
    /// `OnIdentify` succeeded: the metadata document it built.
    Identified(Box<WriterMetadata>),
    /// Left out of the session: its Identify failed (R10) or its class was disabled (R7).
    LeftOut,
}

/// How far a writer went in a session's backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// No operation event yet.
    NotJoined,
    /// It received PrepareForBackup or PrepareForSnapshot: it takes part in the backup, so
    /// Abort and BackupShutdown may reach it.
    Joined,
    /// Component mode and none of its components was added: out of the operation (R47).
    Unselected,
    /// It received Abort; no further events of the operation (R55). `joined`: it had joined
    /// the backup before.
    Aborted { joined: bool },
    /// Its PostSnapshot ran: no Abort may reach it any more (R55).
    PastPostSnapshot,
}

/// One writer as seen by one session (VSS keeps writer state per session, R102).
#[derive(Debug)]
pub(crate) struct SessionWriter {
    pub(crate) identity: Identity,
    pub(crate) stage: Stage,
    /// BackupShutdown was delivered (once per session, R57).
    pub(crate) shutdown_sent: bool,
    pub(crate) state: WriterState,
    pub(crate) failure: Hresult,
    /// Explicitly included components of this writer (R48, R110).
    pub(crate) selected: Vec<ComponentKey>,
    /// VSS stopped waiting for one of its handlers (`Policies::handler_timeout`): it receives no
    /// further events of the operation.
    pub(crate) not_responding: bool,
    /// Its OnPostSnapshot returned: no Abort may reach it any more (R55), even one raised while
    /// it was inside the handler.
    pub(crate) post_snapshot_returned: bool,
    /// It received Thaw: a freeze window that fires now is one the Thaw missed (KB915331). A
    /// Thaw VSS sent that still waits behind another handler (SERIAL) has not been received.
    pub(crate) thaw_received: bool,
    /// This session's operation sent it an event (or gave up on one): it reports the writer's
    /// state in this backup from then on; before, the state the machine last left it in (R30).
    pub(crate) involved: bool,
    /// R27 on old Windows (`OsProfile::needs_final_status_gather`): its BackupComplete
    /// succeeded and it waits, still waiting for completion, for this requester's next
    /// `GatherWriterStatus`.
    pub(crate) awaiting_final_gather: bool,
    /// Its service restarted while this backup was under way: no further events of the
    /// backup reach it (`DropReason::Restarted`).
    pub(crate) restarted: bool,
    /// When PrepareForBackup reached it, none of its components was in the document it made
    /// visible (R21): it leaves the operation when the handler returns (R47), whatever the
    /// requester added meanwhile.
    pub(crate) unselected_at_prepare: bool,
    /// In a restore: its entry in the restore document (`Session::restore_doc`), found at
    /// PreRestore by writer class and instance name.
    pub(crate) restore_entry: Option<usize>,
}

impl SessionWriter {
    pub(crate) fn new() -> Self {
        Self {
            identity: Identity::Unknown,
            stage: Stage::NotJoined,
            shutdown_sent: false,
            state: WriterState::VSS_WS_STABLE,
            failure: Hresult::S_OK,
            selected: Vec::new(),
            not_responding: false,
            post_snapshot_returned: false,
            thaw_received: false,
            involved: false,
            awaiting_final_gather: false,
            restarted: false,
            unselected_at_prepare: false,
            restore_entry: None,
        }
    }

    /// Its Identify succeeded for this session (R10).
    pub(crate) fn identified(&self) -> bool {
        matches!(self.identity, Identity::Identified(_))
    }

    /// The metadata document it built for this session's Identify.
    pub(crate) fn metadata(&self) -> Option<&WriterMetadata> {
        match &self.identity {
            Identity::Identified(metadata) => Some(metadata),
            Identity::Unknown | Identity::LeftOut => None,
        }
    }

    /// Takes part in this session's operation: identified and not left out (R10, R47, R7).
    /// Aborted writers still count: they may receive Abort again and BackupShutdown (R55, R57).
    pub(crate) fn takes_part(&self) -> bool {
        self.identified() && self.stage != Stage::Unselected
    }

    /// Joined the backup (before an Abort, if any).
    pub(crate) fn joined(&self) -> bool {
        matches!(
            self.stage,
            Stage::Joined | Stage::PastPostSnapshot | Stage::Aborted { joined: true }
        )
    }

    /// Receives the operation's next event: takes part and was not aborted (R55).
    pub(crate) fn receives_events(&self) -> bool {
        self.takes_part()
            && !matches!(self.stage, Stage::Aborted { .. })
            && !self.not_responding
            && !self.restarted
    }

    /// Past PostSnapshot: no Abort for it (R55).
    pub(crate) fn past_post_snapshot(&self) -> bool {
        self.stage == Stage::PastPostSnapshot
    }
}

/// The class filters of R7.
#[derive(Debug, Default)]
pub(crate) struct ClassFilter {
    pub(crate) enabled: Option<Vec<WriterClassId>>,
    pub(crate) disabled: Vec<WriterClassId>,
}

impl ClassFilter {
    pub(crate) fn allows(&self, class: WriterClassId) -> bool {
        self.enabled
            .as_ref()
            .is_none_or(|enabled| enabled.contains(&class))
            && !self.disabled.contains(&class)
    }
}

/// One `IVssBackupComponents` object.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) no: SessionNo,
    pub(crate) life: Life,
    pub(crate) context: Option<Context>,
    pub(crate) backup_state: Option<BackupState>,
    pub(crate) filter: ClassFilter,
    pub(crate) metadata: Metadata,
    /// The writers `GetWriterMetadata(i)` reports, row `i` first: those identified when the
    /// gather completed (R10), in registration order.
    pub(crate) metadata_rows: Vec<WriterNo>,
    pub(crate) components: AddedComponents,
    pub(crate) succeeded: Vec<(ComponentKey, bool)>,
    /// `SetPreviousBackupStamp`s, in order (the last for a component wins).
    pub(crate) previous_stamps: Vec<(ComponentKey, String)>,
    /// What writers wrote into their components of the document (R114), in order.
    pub(crate) component_writes: Vec<(WriterNo, ComponentKey, crate::writer::ComponentWrite)>,
    pub(crate) set: SetState,
    pub(crate) backup: Backup,
    pub(crate) status: Option<Vec<WriterStatus>>,
    /// The one asynchronous operation in flight, if any.
    pub(crate) pending: Option<OpNo>,
    /// How many times one of its writers stopped receiving events (R10, R47, R55, R7).
    pub(crate) departures: u64,
    /// The requester crashed (rather than released): R57's set id may be another backup's.
    pub(crate) crashed: bool,
    pub(crate) writers: Vec<SessionWriter>,
    /// `SetBackupOptions`, in order (the last for a component wins).
    pub(crate) backup_options: Vec<(ComponentKey, String)>,
    /// In a restore: the document `InitializeForRestore` loaded, with what the requester and
    /// the writers wrote into it since (R78–R83).
    pub(crate) restore_doc: Option<Box<crate::vocab::BackupComponentsDocument>>,
    pub(crate) restore: RestorePhase,
    /// A transportable set's description (R97): the one its transportable `DoSnapshotSet`
    /// made, or the one `InitializeForBackup(bstrXML)` loaded for `ImportSnapshots`.
    pub(crate) transport: Option<Box<crate::vocab::SnapshotSetDescription>>,
    /// The set `ImportSnapshots` brought onto the machine: its copies are this requester's
    /// (its release removes the auto-release ones, R104).
    pub(crate) imported: Option<crate::vocab::SnapshotSetId>,
    /// `InitializeForBackup(bstrXML)` loaded a saved document.
    pub(crate) loaded_document: bool,
}

/// The components `AddComponent` added to a session, each once, in the order added: their
/// identities (instance, logical path, name; R13) found in O(1) however many there are.
#[derive(Debug, Default)]
pub(crate) struct AddedComponents {
    /// Positions in `order` by a 64-bit digest of the identity (collisions share a bucket).
    by_digest: HashMap<u64, Vec<usize>, BuildHasherDefault<Mix>>,
    /// The components in the order they were added (the BCD keeps it).
    order: Vec<ComponentKey>,
}

/// Whether two keys name the same component (R13): instance, logical path, name.
fn same_identity(a: &ComponentKey, b: &ComponentKey) -> bool {
    a.instance_id == b.instance_id && a.logical_path == b.logical_path && a.name == b.name
}

impl AddedComponents {
    /// A digest of `key`'s identity (the trace digest's mixing).
    fn digest(key: &ComponentKey) -> u64 {
        let mut mix = Mix::default();
        key.instance_id.hash(&mut mix);
        key.logical_path.hash(&mut mix);
        key.name.hash(&mut mix);
        mix.finish()
    }

    /// The components added, in order.
    pub(crate) fn in_order(&self) -> &[ComponentKey] {
        &self.order
    }

    /// Whether a component with `key`'s identity was added (R13, R25).
    pub(crate) fn contains(&self, key: &ComponentKey) -> bool {
        self.by_digest
            .get(&Self::digest(key))
            .is_some_and(|bucket| bucket.iter().any(|&at| same_identity(&self.order[at], key)))
    }

    /// Adds `key`'s identity (once).
    pub(crate) fn insert(&mut self, key: &ComponentKey) {
        if self.contains(key) {
            return;
        }
        self.by_digest
            .entry(Self::digest(key))
            .or_default()
            .push(self.order.len());
        self.order.push(key.clone());
    }

    /// How many were added.
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }
}

impl Session {
    pub(crate) fn new(no: SessionNo, writer_count: usize) -> Self {
        Self {
            no,
            life: Life::Created,
            context: None,
            backup_state: None,
            filter: ClassFilter::default(),
            metadata: Metadata::NotGathered,
            metadata_rows: Vec::new(),
            components: AddedComponents::default(),
            succeeded: Vec::new(),
            component_writes: Vec::new(),
            previous_stamps: Vec::new(),
            set: SetState::None,
            backup: Backup::Running(Phase::NotStarted),
            status: None,
            pending: None,
            departures: 0,
            crashed: false,
            writers: (0..writer_count).map(|_| SessionWriter::new()).collect(),
            backup_options: Vec::new(),
            restore_doc: None,
            restore: RestorePhase::NotStarted,
            transport: None,
            imported: None,
            loaded_document: false,
        }
    }

    /// Neither released nor lost to a restart of the service: VSS still serves it.
    pub(crate) fn is_live(&self) -> bool {
        matches!(self.life, Life::Created | Life::Backup | Life::Restore)
    }

    /// In restore mode (R79).
    pub(crate) fn restoring(&self) -> bool {
        self.life == Life::Restore
            || matches!(self.life, Life::Lost { .. }) && self.restore_doc.is_some()
    }

    /// Component mode: the backup's `SetBackupState`, or in a restore the saved document's
    /// (R12, R80).
    pub(crate) fn component_mode(&self) -> bool {
        match &self.restore_doc {
            Some(doc) => doc.backup_state.select_components,
            None => self.backup_state().select_components,
        }
    }

    /// The context in force: `VSS_CTX_BACKUP` unless `SetContext` said otherwise (R5).
    pub(crate) fn context(&self) -> Context {
        self.context.unwrap_or(Context::BACKUP)
    }

    pub(crate) fn involves_writers(&self) -> bool {
        self.context().base.involves_writers()
    }

    pub(crate) fn backup_state(&self) -> BackupState {
        self.backup_state.unwrap_or_default()
    }

    /// A backup is under way: a set was started or PrepareForBackup raised, and neither
    /// BackupComplete nor AbortBackup ended it (R53).
    pub(crate) fn backup_under_way(&self) -> bool {
        let Backup::Running(phase) = self.backup else {
            return false;
        };
        self.life == Life::Backup
            && phase != Phase::Completed
            && (phase != Phase::NotStarted || !matches!(self.set, SetState::None))
    }

    /// Took part in a backup, for BackupShutdown: raised PrepareForBackup or DoSnapshotSet
    /// (R57, Q20).
    pub(crate) fn took_part_in_a_backup(&self) -> bool {
        self.backup.phase() != Phase::NotStarted
    }

    /// The backup's phase.
    pub(crate) fn phase(&self) -> Phase {
        self.backup.phase()
    }
}
