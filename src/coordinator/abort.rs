//! Abort (R50–R56) and BackupShutdown (R57): who gets them, when, and what happens to the set.

use super::chooser::ChoicePoint;
use super::session::{Life, SetState};
use super::Coordinator;
use crate::trace::{AbortCause, SetOutcome, Timer, TraceEvent};
use crate::vocab::{
    AbortBackupReach, AsyncKind, CommitFailureResult, Hresult, OpNo, ShutdownFor,
    ShutdownSetIdAfterCrash, SnapshotSetId, WriterAbortScope, WriterEvent, WriterFailureResult,
};
use crate::vocab::{ProviderStep, SessionNo, WriterNo};

impl Coordinator {
    /// R50b: a writer failed Freeze/Thaw or its freeze window expired, during `op_no`.
    pub(crate) fn writer_abort(&mut self, op_no: OpNo, cause: AbortCause) {
        let session = self.op(op_no).session;
        match self.policies.writer_abort_scope {
            WriterAbortScope::FailingWriter => {
                let (AbortCause::WriterFailed { writer, .. }
                | AbortCause::FreezeTimeout { writer }) = cause
                else {
                    return;
                };
                self.record(TraceEvent::AbortRaised { session, cause });
                self.deliver_abort(session, writer);
            }
            WriterAbortScope::AllWriters => {
                let hr = match self.policies.writer_failure_result {
                    WriterFailureResult::FailWith(hr) => super::pipeline::failure_code(hr),
                    WriterFailureResult::WriterStatusOnly => Hresult::VSS_E_UNEXPECTED,
                };
                self.abort_creation(op_no, cause, hr, SetOutcome::Failed(hr));
            }
        }
    }

    /// R50c, R95: a provider step failed (or R89's hold window expired) during `op_no`.
    pub(crate) fn creation_failed(&mut self, op_no: OpNo, hr: Hresult) {
        self.abort_creation(
            op_no,
            AbortCause::CreationFailed { hr },
            hr,
            SetOutcome::Failed(hr),
        );
    }

    /// Abandons `DoSnapshotSet` `op_no`: Abort to every writer of the operation not past
    /// PostSnapshot (R55), timers disarmed, prepared copies discarded (R92), the R15 window
    /// closed, and the operation completed with `status`.
    pub(crate) fn abort_creation(
        &mut self,
        op_no: OpNo,
        cause: AbortCause,
        status: Hresult,
        outcome: SetOutcome,
    ) {
        let session = self.op(op_no).session;
        // R89: once the kernel's hold expired, the creation has failed with that, whatever
        // ends the operation now (a cancel, an abort, a release).
        let provider_error_wins = matches!(cause, AbortCause::CreationFailed { .. })
            && self.policies.commit_failure_result == CommitFailureResult::ProviderError;
        let (status, outcome) = if self.op(op_no).hold_expired && !provider_error_wins {
            let hr = Hresult::VSS_E_HOLD_WRITES_TIMEOUT;
            (
                hr,
                if outcome == SetOutcome::Abandoned {
                    outcome
                } else {
                    SetOutcome::Failed(hr)
                },
            )
        } else {
            (status, outcome)
        };
        self.record(TraceEvent::AbortRaised { session, cause });
        for writer in self.abort_recipients(session, cause) {
            self.deliver_abort(session, writer);
        }
        self.stop_session_timers(session);
        let committed = self.sessions[session.0 as usize]
            .set
            .data()
            .is_some_and(|d| d.committed);
        if committed {
            // R93: no partial result; the committed copies of a failed set are deleted.
            let s = &self.sessions[session.0 as usize];
            let (set, count) = (
                s.set.id(),
                s.set
                    .data()
                    .map_or(0, |d| super::index_u32(d.snapshots.len())),
            );
            self.record(TraceEvent::SnapshotsDeleted {
                session,
                set,
                count,
            });
        } else if self.op(op_no).end_prepared {
            // R92: AbortSnapshots only after EndPrepareSnapshots, for uncommitted copies; at
            // once, even to a provider still inside a step (R87: it must accept AbortSnapshots
            // at any moment meanwhile).
            for provider in self.set_providers(session) {
                self.call_provider(session, provider, ProviderStep::AbortSnapshots, None);
            }
        }
        self.end_set(session, outcome);
        self.complete_op(op_no, status);
    }

    /// `AbortBackup` (R53, R54, Q2): ignored when nothing is under way.
    pub(crate) fn abort_backup(&mut self, session: SessionNo) {
        if !self.sessions[session.0 as usize].backup_under_way() {
            return;
        }
        if let Some(op) = self.sessions[session.0 as usize].pending {
            if self.op(op).kind == AsyncKind::DoSnapshotSet {
                self.abort_session(session);
                self.abort_creation(
                    op,
                    AbortCause::AbortBackup,
                    Hresult::VSS_S_ASYNC_CANCELLED,
                    SetOutcome::Aborted,
                );
                return;
            }
            self.complete_op(op, Hresult::VSS_S_ASYNC_CANCELLED);
        }
        self.abort_session(session);
        self.record(TraceEvent::AbortRaised {
            session,
            cause: AbortCause::AbortBackup,
        });
        for writer in self.abort_recipients(session, AbortCause::AbortBackup) {
            self.deliver_abort(session, writer);
        }
        if matches!(
            self.sessions[session.0 as usize].set,
            SetState::InCreation(_)
        ) {
            // No AbortSnapshots: DoSnapshotSet was never called (R92).
            self.end_set(session, SetOutcome::Aborted);
        }
    }

    /// `Release` or a requester crash (R32, R57, R104).
    pub(crate) fn release(&mut self, session: SessionNo, crashed: bool) {
        if matches!(self.sessions[session.0 as usize].life, Life::Lost { .. }) {
            // The service it would tell is gone: nothing to send, nothing left to delete.
            let s = &mut self.sessions[session.0 as usize];
            s.life = Life::Gone;
            s.crashed = crashed;
            return;
        }
        if let Some(op) = self.sessions[session.0 as usize].pending {
            if self.op(op).kind == AsyncKind::DoSnapshotSet {
                self.abort_creation(
                    op,
                    AbortCause::Released,
                    Hresult::VSS_S_ASYNC_CANCELLED,
                    SetOutcome::Abandoned,
                );
            } else {
                self.complete_op(op, Hresult::VSS_S_ASYNC_CANCELLED);
            }
        }
        if matches!(
            self.sessions[session.0 as usize].set,
            SetState::InCreation(_)
        ) {
            self.end_set(session, SetOutcome::Abandoned);
        }
        self.stop_session_timers(session);
        let s = &self.sessions[session.0 as usize];
        let created = matches!(s.set, SetState::Created(_));
        let set_id = if created {
            s.set.id()
        } else {
            SnapshotSetId::NULL
        };
        self.release_auto_copies(session);
        let mut recipients = self.shutdown_recipients(session);
        while !recipients.is_empty() {
            let pick = if recipients.len() > 1 {
                self.choose(ChoicePoint::ShutdownOrder, recipients.len())
            } else {
                0
            };
            let writer = recipients.remove(pick);
            // A writer that never joined the backup (a recipient only under
            // `ShutdownFor::EveryBackupInstance`, or one whose PrepareForBackup VSS gave up on in
            // its queue) gets GUID_NULL: no set of its backup.
            let own = if self.sessions[session.0 as usize].writers[writer.0 as usize].joined() {
                set_id
            } else {
                SnapshotSetId::NULL
            };
            let arg = if crashed {
                self.set_id_after_crash(session, writer, own)
            } else if self.planted(super::PlantedBug::ShutdownWithoutSetId) {
                SnapshotSetId::NULL
            } else {
                own
            };
            self.sessions[session.0 as usize].writers[writer.0 as usize].shutdown_sent = true;
            self.deliver(session, writer, WriterEvent::BackupShutdown, arg, None);
        }
        let s = &mut self.sessions[session.0 as usize];
        s.life = Life::Gone;
        s.crashed = crashed;
    }

    /// The set id a BackupShutdown from crashed `session` carries when it is delivered late,
    /// behind a handler (SERIAL): another backup's set only if that backup is still live then.
    pub(crate) fn shutdown_arg_after_crash(
        &self,
        session: SessionNo,
        writer: WriterNo,
    ) -> SnapshotSetId {
        let s = &self.sessions[session.0 as usize];
        let own = if matches!(s.set, SetState::Created(_)) && s.writers[writer.0 as usize].joined()
        {
            s.set.id()
        } else {
            SnapshotSetId::NULL
        };
        self.set_id_after_crash(session, writer, own)
    }

    /// Writers Abort reaches: those that take part and have not finished PostSnapshot (R55);
    /// that joined the backup, and for `AbortBackup` under Q2's `FromStartSnapshotSet` also the
    /// identified writers that have not, once a set was started.
    fn abort_recipients(&self, session: SessionNo, cause: AbortCause) -> Vec<WriterNo> {
        let s = &self.sessions[session.0 as usize];
        let reach_unprepared = cause == AbortCause::AbortBackup
            && self.policies.abort_backup_reach == AbortBackupReach::FromStartSnapshotSet;
        if !s.involves_writers() {
            return Vec::new();
        }
        let set_started = !matches!(s.set, SetState::None);
        let bug = self.planted(super::PlantedBug::AbortAfterPostSnapshot);
        s.writers
            .iter()
            .enumerate()
            .filter(|&(i, sw)| {
                // A writer still inside its PrepareForBackup received it: it gets the Abort
                // once that handler returns (SERIAL).
                let joining = self.joining(session, WriterNo(super::index_u32(i)));
                sw.takes_part()
                    && !sw.restarted
                    && (!sw.past_post_snapshot() || bug)
                    && (sw.joined() || joining || (reach_unprepared && set_started))
            })
            .map(|(i, _)| WriterNo(super::index_u32(i)))
            .collect()
    }

    /// Writers that get BackupShutdown when `session` goes away (R57, Q20).
    fn shutdown_recipients(&self, session: SessionNo) -> Vec<WriterNo> {
        let s = &self.sessions[session.0 as usize];
        let every_instance = self.policies.shutdown_for == ShutdownFor::EveryBackupInstance;
        let took_part = s.took_part_in_a_backup();
        if s.life != Life::Backup
            || !s.involves_writers()
            || !(took_part || every_instance && s.metadata.started())
        {
            return Vec::new();
        }
        s.writers
            .iter()
            .enumerate()
            .filter(|&(i, sw)| {
                let writer = WriterNo(super::index_u32(i));
                sw.takes_part()
                    && !sw.restarted
                    && !sw.shutdown_sent
                    && (sw.joined() || every_instance || self.joining(session, writer))
            })
            .map(|(i, _)| WriterNo(super::index_u32(i)))
            .collect()
    }

    /// R57: after a crash, the id may belong to another backup the writer is part of.
    fn set_id_after_crash(
        &self,
        session: SessionNo,
        writer: WriterNo,
        own: SnapshotSetId,
    ) -> SnapshotSetId {
        if self.policies.shutdown_set_id_after_crash == ShutdownSetIdAfterCrash::Own {
            return own;
        }
        self.sessions
            .iter()
            .filter(|s| s.no != session && s.life == super::session::Life::Backup)
            .filter(|s| {
                let sw = &s.writers[writer.0 as usize];
                sw.takes_part() && sw.joined() && !sw.restarted
            })
            .map(|s| s.set.id())
            .find(|id| !id.is_null())
            .unwrap_or(own)
    }

    /// `AbortBackup` took effect: the backup is over (R53).
    fn abort_session(&mut self, session: SessionNo) {
        let s = &mut self.sessions[session.0 as usize];
        s.backup = s.backup.abort();
    }

    fn stop_session_timers(&mut self, session: SessionNo) {
        let timers = self.timers.matching(|timer| match timer {
            Timer::FreezeWindow { session: s, .. } | Timer::HoldWrites { session: s } => {
                *s == session
            }
        });
        for timer in timers {
            self.timers.stop(timer);
            self.record(TraceEvent::TimerStopped { timer });
        }
    }

    /// Closes `session`'s set creation window (R15) with `outcome`.
    pub(crate) fn end_set(&mut self, session: SessionNo, outcome: SetOutcome) {
        let s = &mut self.sessions[session.0 as usize];
        let created = outcome == SetOutcome::Created;
        let was_open = matches!(s.set, SetState::InCreation(_));
        s.set.end(created);
        let set = s.set.id();
        if was_open {
            if self.set_in_creation == Some(session) {
                self.set_in_creation = None;
            }
            self.record(TraceEvent::SetCreationEnded {
                session,
                set,
                outcome,
            });
            if created {
                self.store_created_set(session);
            }
        }
    }
}
