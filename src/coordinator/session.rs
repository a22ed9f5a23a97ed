//! One requester object's session: what it has done, its set, and each writer's view of it.

use crate::trace::DropReason;
use crate::vocab::{
    BackupState, ComponentKey, Context, Hresult, OpNo, SnapshotId, SnapshotSetId, WriterClassId,
    WriterState, WriterStatus,
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
    /// Released or crashed; every later call fails.
    Gone,
}

/// Progress of a one-shot asynchronous step (PrepareForBackup, DoSnapshotSet, BackupComplete,
/// GatherWriterMetadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    NotStarted,
    Running(OpNo),
    Succeeded,
    /// Failed or cancelled, with the final status.
    Failed(Hresult),
}

impl Progress {
    pub(crate) fn started(self) -> bool {
        !matches!(self, Self::NotStarted)
    }
}

/// One shadow copy of the set.
#[derive(Clone, Debug)]
pub(crate) struct SnapshotRecord {
    pub(crate) id: SnapshotId,
    pub(crate) provider: ProviderNo,
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

/// One writer as seen by one session (VSS keeps writer state per session, R102).
#[derive(Debug)]
pub(crate) struct SessionWriter {
    pub(crate) identified: bool,
    pub(crate) metadata: Option<WriterMetadata>,
    pub(crate) dropped: Option<DropReason>,
    pub(crate) aborted: bool,
    /// Received an operation event (PrepareForBackup or PrepareForSnapshot): the writer takes
    /// part in this session's backup, so Abort and BackupShutdown may reach it.
    pub(crate) joined: bool,
    pub(crate) post_snapshot_done: bool,
    pub(crate) shutdown_sent: bool,
    pub(crate) state: WriterState,
    pub(crate) failure: Hresult,
    /// Explicitly included components of this writer (R48, R110).
    pub(crate) selected: Vec<ComponentKey>,
}

impl SessionWriter {
    pub(crate) fn new() -> Self {
        Self {
            identified: false,
            metadata: None,
            dropped: None,
            aborted: false,
            joined: false,
            post_snapshot_done: false,
            shutdown_sent: false,
            state: WriterState::VSS_WS_STABLE,
            failure: Hresult::S_OK,
            selected: Vec::new(),
        }
    }

    /// Takes part in this session's operation: identified and not left out (R10, R47, R7).
    /// Aborted writers still count: they may receive Abort again and BackupShutdown (R55, R57).
    pub(crate) fn takes_part(&self) -> bool {
        self.identified
            && !matches!(
                self.dropped,
                Some(
                    DropReason::IdentifyFailed
                        | DropReason::NothingSelected
                        | DropReason::ClassDisabled
                )
            )
    }

    /// Receives the operation's next event: takes part and was not aborted (R55).
    pub(crate) fn receives_events(&self) -> bool {
        self.takes_part() && !self.aborted
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
    pub(crate) metadata: Progress,
    pub(crate) metadata_freed: bool,
    pub(crate) components: Vec<ComponentKey>,
    pub(crate) succeeded: Vec<(ComponentKey, bool)>,
    pub(crate) set: SetState,
    pub(crate) prepare: Progress,
    pub(crate) snapshot: Progress,
    pub(crate) complete: Progress,
    pub(crate) status: Option<Vec<WriterStatus>>,
    /// `AbortBackup` took effect: the backup is over.
    pub(crate) aborted: bool,
    /// The one asynchronous operation in flight, if any.
    pub(crate) pending: Option<OpNo>,
    pub(crate) writers: Vec<SessionWriter>,
}

impl Session {
    pub(crate) fn new(no: SessionNo, writer_count: usize) -> Self {
        Self {
            no,
            life: Life::Created,
            context: None,
            backup_state: None,
            filter: ClassFilter::default(),
            metadata: Progress::NotStarted,
            metadata_freed: false,
            components: Vec::new(),
            succeeded: Vec::new(),
            set: SetState::None,
            prepare: Progress::NotStarted,
            snapshot: Progress::NotStarted,
            complete: Progress::NotStarted,
            status: None,
            aborted: false,
            pending: None,
            writers: (0..writer_count).map(|_| SessionWriter::new()).collect(),
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
        self.life == Life::Backup
            && !self.aborted
            && !matches!(self.complete, Progress::Succeeded)
            && (self.prepare.started() || !matches!(self.set, SetState::None))
    }

    /// Took part in a backup, for BackupShutdown (R57, Q20).
    pub(crate) fn raised_prepare_for_backup(&self) -> bool {
        self.prepare.started()
    }
}
