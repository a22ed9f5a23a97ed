//! `DbWriter`: the VSS writer of [`WalDb`].
//!
//! | event | what the writer does |
//! |---|---|
//! | Identify | declares the database and its log; no state change (R44, R66) |
//! | PrepareForSnapshot | checkpoints the database: the lengthy part (R71) |
//! | Freeze | suspends writes, flushes the log, saves the set id (R68, R71) |
//! | Thaw | resumes writes |
//! | PostSnapshot | drops the snapshot's temporary state (the pending checkpoint) |
//! | Abort | resumes writes; may come more than once (R55) |
//! | BackupComplete | a full backup: truncates the log at the backed-up checkpoint |
//! | BackupShutdown | resumes writes if the backup was abandoned while frozen; forgets it (R57) |

use std::collections::BTreeMap;

use vss_sim::vocab::{BackupType, ComponentType, RestoreMethod, SnapshotSetId, WriterFailure};
use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};

use crate::db::{Lsn, WalDb};

/// The logical path both components live under.
pub(crate) const LOGICAL_PATH: &str = "WalDb";
/// The database component's name.
pub(crate) const DATABASE_COMPONENT: &str = "main";
/// The log component's name.
pub(crate) const LOG_COMPONENT: &str = "wal";

/// Virtual time a checkpoint takes per log record it writes into the data file.
pub(crate) const CHECKPOINT_MS_PER_RECORD: u64 = 5;
/// Virtual time flushing the log takes at Freeze.
pub(crate) const FLUSH_MS: u64 = 2;

/// The VSS writer of a [`WalDb`].
#[derive(Debug)]
pub(crate) struct DbWriter {
    db: WalDb,
    hold: Hold,
    /// The checkpoint OnPrepareSnapshot took for the shadow copy in creation, until
    /// OnPostSnapshot or OnAbort.
    pending_checkpoint: Option<Lsn>,
    /// Backups this writer froze for, by snapshot set (R57: tracked per set).
    backups: BTreeMap<SnapshotSetId, BackupRecord>,
    /// The set of the last successful Freeze: `GetCurrentSnapshotSetId` may not be called in
    /// `OnBackupComplete` (R68), so the writer remembers it.
    last_set: Option<SnapshotSetId>,
}

/// Whether this writer holds the database's writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hold {
    /// Writes flow normally.
    Running,
    /// Writes are suspended for the shadow copy of `set`: Freeze succeeded, Thaw has not come.
    Frozen {
        /// The snapshot set being created.
        set: SnapshotSetId,
    },
}

/// What the writer knows of one backup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BackupRecord {
    /// The data file's LSN in the shadow copy: the full backup's log truncation point.
    checkpoint_lsn: Lsn,
    /// BackupComplete arrived.
    completed: bool,
}

impl DbWriter {
    /// The writer of `db`.
    pub(crate) fn new(db: WalDb) -> Self {
        Self {
            db,
            hold: Hold::Running,
            pending_checkpoint: None,
            backups: BTreeMap::new(),
            last_set: None,
        }
    }

    /// The database this writer serves: what a test probes ("are writes accepted?").
    pub(crate) fn db(&self) -> &WalDb {
        &self.db
    }

    fn release_writes(&mut self) {
        self.db.resume_writes();
        self.hold = Hold::Running;
    }
}

impl Writer for DbWriter {
    fn on_identify(
        &mut self,
        _ctx: &mut HandlerContext<'_>,
        metadata: &mut WriterMetadata,
    ) -> bool {
        declare(metadata);
        true
    }

    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let ok = checkpoint(&self.db, ctx);
        self.pending_checkpoint = Some(self.db.checkpoint_lsn());
        ok
    }

    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        // Allowed in OnFreeze (R68); outside its window this is a bug worth a veto.
        let Ok(set) = ctx.snapshot_set_id() else {
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE);
            return false;
        };
        self.db.suspend_writes();
        ctx.spend_ms(FLUSH_MS);
        if self.db.flush_log().is_err() {
            // Without a flushed log the copy would miss acknowledged writes. Do not hold the
            // application hostage for a backup that will not happen.
            self.release_writes();
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_OUTOFRESOURCES);
            return false;
        }
        self.hold = Hold::Frozen { set };
        self.last_set = Some(set);
        let checkpoint_lsn = self
            .pending_checkpoint
            .unwrap_or_else(|| self.db.checkpoint_lsn());
        self.backups.insert(
            set,
            BackupRecord {
                checkpoint_lsn,
                completed: false,
            },
        );
        true
    }

    fn on_thaw(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        self.release_writes();
        true
    }

    fn on_post_snapshot(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        self.pending_checkpoint = None;
        true
    }

    fn on_abort(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        // Whoever caused it, and however often it comes (R55): back to normal running.
        self.release_writes();
        self.pending_checkpoint = None;
        true
    }

    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let Some(record) = self.last_set.and_then(|set| self.backups.get_mut(&set)) else {
            return true; // not a backup this writer froze for
        };
        record.completed = true;
        if ctx.backup_type() == BackupType::VSS_BT_FULL {
            self.db.truncate_log(record.checkpoint_lsn);
        }
        true
    }

    fn on_backup_shutdown(
        &mut self,
        _ctx: &mut HandlerContext<'_>,
        snapshot_set_id: SnapshotSetId,
    ) -> bool {
        // The requester went away. If it died while we held writes, nobody else will thaw us.
        // GUID_NULL means no shadow copy was created: whatever we froze for is dead too.
        if let Hold::Frozen { set } = self.hold {
            if snapshot_set_id.is_null() || set == snapshot_set_id {
                self.release_writes();
            }
        }
        if snapshot_set_id.is_null() {
            self.backups.retain(|_, record| record.completed);
        } else {
            self.backups.remove(&snapshot_set_id);
        }
        true
    }
}

/// The writer metadata document: the same every time (R44, R72).
pub(crate) fn declare(metadata: &mut WriterMetadata) {
    metadata.set_restore_method(RestoreMethod::VSS_RME_STOP_RESTORE_START);
    metadata.add_component(
        ComponentType::VSS_CT_DATABASE,
        Some(LOGICAL_PATH),
        DATABASE_COMPONENT,
    );
    metadata.add_component(
        ComponentType::VSS_CT_FILEGROUP,
        Some(LOGICAL_PATH),
        LOG_COMPONENT,
    );
}

/// OnPrepareSnapshot's work: a checkpoint, so the shadow copy needs little log replay (R71).
pub(crate) fn checkpoint(db: &WalDb, ctx: &mut HandlerContext<'_>) -> bool {
    match db.checkpoint() {
        Ok(records) => {
            ctx.spend_ms(records * CHECKPOINT_MS_PER_RECORD);
            true
        }
        Err(_) => {
            // A veto: the snapshot would still be consistent, but the requester should know.
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_OUTOFRESOURCES);
            true
        }
    }
}
