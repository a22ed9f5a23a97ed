//! The ends of operations and the provider calls of set creation (R45, R86–R98).

use super::session::{Metadata, Phase, SetState, Stage};
use super::Coordinator;
use crate::trace::{DropReason, SetOutcome, TraceEvent};
use crate::vocab::{AsyncKind, Hresult, OpNo, WriterFailureResult, WriterStatus};
use crate::vocab::{ProviderNo, ProviderStep, SessionNo, WriterNo};

impl Coordinator {
    /// The script of `op_no` ran to its end.
    pub(crate) fn finish_op(&mut self, op_no: OpNo) {
        let (session, kind) = (self.op(op_no).session, self.op(op_no).kind);
        let status = match kind {
            AsyncKind::PrepareForBackup => Hresult::VSS_S_ASYNC_FINISHED,
            AsyncKind::GatherWriterStatus => {
                if self.os.needs_final_status_gather() {
                    // R27: this gather ends the sessions of writers done with BackupComplete.
                    self.finish_writer_sessions(session);
                }
                let list = self.status_list(session);
                self.sessions[session.0 as usize].status = Some(list);
                Hresult::VSS_S_ASYNC_FINISHED
            }
            AsyncKind::DoSnapshotSet => {
                self.end_set(session, SetOutcome::Created);
                let op = self.op(op_no);
                match self.policies.writer_failure_result {
                    _ if op.cancel_after_commit => Hresult::VSS_S_ASYNC_CANCELLED,
                    WriterFailureResult::FailWith(hr) if op.writer_failed => failure_code(hr),
                    _ => Hresult::VSS_S_ASYNC_FINISHED,
                }
            }
            AsyncKind::ImportSnapshots => self.import_set(session),
            AsyncKind::GatherWriterMetadata
            | AsyncKind::BackupComplete
            | AsyncKind::PreRestore
            | AsyncKind::PostRestore
            | AsyncKind::QueryRevertStatus => Hresult::VSS_S_ASYNC_FINISHED,
        };
        self.complete_op(op_no, status);
    }

    /// Records the end of an operation in its session's progress.
    pub(crate) fn note_progress(&mut self, session: SessionNo, kind: AsyncKind, status: Hresult) {
        let s = &mut self.sessions[session.0 as usize];
        match kind {
            AsyncKind::GatherWriterMetadata if status == Hresult::VSS_S_ASYNC_FINISHED => {
                s.metadata = Metadata::Gathered;
                s.metadata_rows = (0..s.writers.len())
                    .filter(|&i| s.writers[i].identified())
                    .map(|i| WriterNo(super::index_u32(i)))
                    .collect();
            }
            AsyncKind::GatherWriterMetadata => s.metadata = Metadata::Failed(status),
            // Its result is the status list itself (`Session::status`); an import's is the
            // copies on the machine.
            AsyncKind::GatherWriterStatus
            | AsyncKind::ImportSnapshots
            | AsyncKind::QueryRevertStatus => {}
            AsyncKind::PrepareForBackup | AsyncKind::DoSnapshotSet | AsyncKind::BackupComplete => {
                let phase = s.phase().after(kind, status);
                s.backup = s.backup.with_phase(phase);
            }
            AsyncKind::PreRestore | AsyncKind::PostRestore => {
                s.restore = s.restore.after(kind, status);
            }
        }
    }

    /// Moves `session`'s backup to `phase`.
    pub(crate) fn set_phase(&mut self, session: SessionNo, phase: Phase) {
        let s = &mut self.sessions[session.0 as usize];
        s.backup = s.backup.with_phase(phase);
    }

    /// R47: in component mode, writers none of whose components was added leave the operation.
    pub(crate) fn drop_unselected(&mut self, session: SessionNo) {
        let s = &mut self.sessions[session.0 as usize];
        if !s.backup_state().select_components {
            return;
        }
        let mut dropped = Vec::new();
        for (index, sw) in s.writers.iter_mut().enumerate() {
            if sw.takes_part() && sw.selected.is_empty() {
                sw.stage = Stage::Unselected;
                dropped.push(WriterNo(super::index_u32(index)));
            }
        }
        for writer in dropped {
            self.writer_dropped(session, writer, DropReason::NothingSelected);
        }
    }

    fn status_list(&self, session: SessionNo) -> Vec<WriterStatus> {
        let s = &self.sessions[session.0 as usize];
        s.writers
            .iter()
            .zip(&self.writers)
            .enumerate()
            .filter(|(_, (sw, _))| sw.identified())
            .map(|(index, (_, slot))| {
                let (state, failure) =
                    self.reported_status(session, WriterNo(super::index_u32(index)));
                WriterStatus {
                    instance_id: slot.instance_id,
                    writer_id: slot.config.class_id,
                    name: slot.config.name.clone(),
                    state,
                    failure,
                }
            })
            .collect()
    }

    /// Calls `step` on `provider` for `session`'s set and records it; returns the mapped result
    /// (R94) and the time it took.
    pub(crate) fn call_provider(
        &mut self,
        session: SessionNo,
        provider: ProviderNo,
        step: ProviderStep,
        volume: Option<&str>,
    ) -> (Hresult, u64) {
        let (hr, spent_ms) = self.run_provider(session, provider, step, volume);
        self.record(TraceEvent::ProviderCalled {
            session,
            provider,
            step,
            hr,
            spent_ms,
        });
        (hr, spent_ms)
    }

    /// Calls the provider without recording (for calls whose record must follow the requester
    /// call's own record). Such a call runs inside a requester call or an abort and cannot
    /// block: a wait it asks for ends at once as timed out (at most a few times), and the
    /// signals it changes change now.
    pub(crate) fn run_provider(
        &mut self,
        session: SessionNo,
        provider: ProviderNo,
        step: ProviderStep,
        volume: Option<&str>,
    ) -> (Hresult, u64) {
        /// How many waits in a row an unblockable call may ask for before it is cut off.
        const MAX_WAITS: usize = 8;
        let mut spent_total = 0u64;
        let mut resumed = None;
        let actor = crate::trace::Actor::Provider {
            session,
            provider,
            step,
        };
        for _ in 0..=MAX_WAITS {
            let mut result = super::inflight::Partial::new();
            let segment =
                self.provider_segment(session, provider, step, volume, resumed, &mut result);
            spent_total = spent_total.saturating_add(segment.spent_ms);
            for (signal, set) in segment.signals {
                self.change_signal(signal, set, actor);
            }
            if segment.wait.is_none() {
                return (result.hr, spent_total);
            }
            resumed = Some(crate::vocab::WaitEnd::TimedOut);
        }
        (Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR, spent_total)
    }

    /// The providers of `session`'s set, each once, in registration order.
    pub(crate) fn set_providers(&self, session: SessionNo) -> Vec<ProviderNo> {
        let mut providers: Vec<ProviderNo> = self.sessions[session.0 as usize]
            .set
            .data()
            .map(|data| data.snapshots.iter().map(|s| s.provider).collect())
            .unwrap_or_default();
        providers.sort();
        providers.dedup();
        providers
    }

    /// Every provider committed: the shadow copies exist and get their device objects.
    pub(crate) fn mark_committed(&mut self, session: SessionNo) {
        let now_ms = self.now_ms;
        let mut next = self.shadow_copies;
        // A file share's copy is exposed by its file server as `\\server\share@{GUID}`, the
        // server's own id for it (Microsoft's "VSS for SMB File Shares" page).
        let shares: Vec<Option<String>> = self.sessions[session.0 as usize]
            .set
            .data()
            .map(|data| {
                data.snapshots
                    .iter()
                    .map(|r| {
                        let spec = &self.volumes[r.volume as usize].spec;
                        spec.is_file_share()
                            .then(|| spec.name.trim_end_matches('\\').to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut server_ids = Vec::new();
        for share in &shares {
            server_ids.push(
                share
                    .as_ref()
                    .map(|_| self.mint(crate::vocab::IdKind::Snapshot)),
            );
        }
        if let SetState::InCreation(data) = &mut self.sessions[session.0 as usize].set {
            data.committed = true;
            data.created_at_ms = now_ms;
            for (index, volume) in data.volumes.iter_mut().enumerate() {
                match (
                    shares.get(index).cloned().flatten(),
                    server_ids.get(index).copied().flatten(),
                ) {
                    (Some(share), Some(id)) => {
                        let id = id.to_string().to_uppercase();
                        volume.device = Some(format!("{share}@{{{id}}}"));
                    }
                    _ => {
                        next += 1;
                        volume.device = Some(format!(
                            "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy{next}"
                        ));
                    }
                }
            }
        }
        self.shadow_copies = next;
    }
}

/// A policy's failure code as a failure: a success or pending code given to
/// `WriterFailureResult::FailWith` would make a failed operation look finished or running.
pub(crate) fn failure_code(hr: Hresult) -> Hresult {
    if hr.is_failure() {
        hr
    } else {
        Hresult::VSS_E_UNEXPECTED
    }
}
