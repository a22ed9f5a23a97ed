//! `BuggyDbWriter`: an earlier version of [`DbWriter`](crate::writer::DbWriter) with a bug that
//! passes every test its authors wrote.
//!
//! **The bug.** Its `OnAbort` undoes only a freeze that failed *in this writer*: it assumes that
//! after its own successful `OnFreeze`, Thaw always follows. That holds on the happy path, when
//! its own freeze fails, and when the requester aborts before `DoSnapshotSet`. It does not hold
//! when the writer froze successfully and the operation was then aborted by someone else: a
//! writer frozen after it fails (R46: front-end writers freeze first), under a policy where that
//! aborts every writer (Q3, `WriterAbortScope::AllWriters`); a provider step that fails after
//! Freeze (R95); a requester that dies while `DoSnapshotSet` runs. Then Abort arrives instead of
//! Thaw (R50) and the database stays suspended.
//!
//! Its `OnBackupShutdown` would rescue a requester crash after the shadow copy, but looks the
//! backup up by the set id it froze for, and an aborted creation shuts down with `GUID_NULL`
//! (R57): no match, no rescue. Writes stay refused until the service restarts.

use std::collections::BTreeSet;

use vss_sim::vocab::{BackupType, SnapshotSetId, WriterFailure};
use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};

use crate::db::{Lsn, WalDb};
use crate::writer::{checkpoint, declare, FLUSH_MS};

/// The writer of a [`WalDb`], with the abort bug described in the module docs.
#[derive(Debug)]
pub(crate) struct BuggyDbWriter {
    db: WalDb,
    /// Our own OnFreeze failed after suspending writes; OnAbort must resume them.
    freeze_failed: bool,
    /// The set we suspended writes for, until Thaw.
    frozen_for: Option<SnapshotSetId>,
    /// The set of the last successful Freeze and the checkpoint it captured, for
    /// OnBackupComplete (R68).
    last_set: Option<(SnapshotSetId, Lsn)>,
    /// Sets whose BackupComplete arrived (R57).
    completed: BTreeSet<SnapshotSetId>,
}

impl BuggyDbWriter {
    /// The writer of `db`.
    pub(crate) fn new(db: WalDb) -> Self {
        Self {
            db,
            freeze_failed: false,
            frozen_for: None,
            last_set: None,
            completed: BTreeSet::new(),
        }
    }

    /// The database this writer serves: what a test probes ("are writes accepted?").
    pub(crate) fn db(&self) -> &WalDb {
        &self.db
    }
}

impl Writer for BuggyDbWriter {
    fn on_identify(
        &mut self,
        _ctx: &mut HandlerContext<'_>,
        metadata: &mut WriterMetadata,
    ) -> bool {
        declare(metadata);
        true
    }

    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.freeze_failed = false;
        checkpoint(&self.db, ctx)
    }

    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let set = ctx.snapshot_set_id().unwrap_or(SnapshotSetId::NULL);
        self.db.suspend_writes();
        ctx.spend_ms(FLUSH_MS);
        if self.db.flush_log().is_err() {
            self.freeze_failed = true; // OnAbort resumes writes
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_OUTOFRESOURCES);
            return false;
        }
        self.frozen_for = Some(set);
        self.last_set = Some((set, self.db.checkpoint_lsn()));
        true
    }

    fn on_thaw(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        self.db.resume_writes();
        self.frozen_for = None;
        true
    }

    fn on_abort(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        // BUG: a successful freeze is "always" followed by Thaw, so only our own failed freeze
        // is undone here. An abort caused by anyone else after our freeze leaves writes held.
        if self.freeze_failed {
            self.db.resume_writes();
            self.freeze_failed = false;
        }
        true
    }

    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if let Some((set, checkpoint_lsn)) = self.last_set {
            self.completed.insert(set);
            if ctx.backup_type() == BackupType::VSS_BT_FULL {
                self.db.truncate_log(checkpoint_lsn);
            }
        }
        true
    }

    fn on_backup_shutdown(
        &mut self,
        _ctx: &mut HandlerContext<'_>,
        snapshot_set_id: SnapshotSetId,
    ) -> bool {
        // A requester that died between Freeze and Thaw: resume for that backup. (BUG, part two:
        // an aborted creation shuts down with GUID_NULL, which never matches.)
        if self.frozen_for == Some(snapshot_set_id) && !self.completed.contains(&snapshot_set_id) {
            self.db.resume_writes();
            self.frozen_for = None;
        }
        self.completed.remove(&snapshot_set_id);
        true
    }
}
