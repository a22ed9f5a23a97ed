//! Requester calls: each is checked (guard table and arguments), recorded with the HRESULT it
//! returns, and only then performed.

use super::guards;
use super::session::{Identity, Life, Metadata, Phase, SetData, SetState, SnapshotRecord};
use super::Coordinator;
use crate::trace::{DropReason, TraceEvent, UserCode};
use crate::vocab::{
    AsyncKind, Call, ComponentKey, Context, Hresult, IdKind, OpNo, ProviderId, Reply, SnapshotId,
    SnapshotProperties, SnapshotSetId, WriterClassId, WriterIdentity, WriterMetadataView,
    WriterStatus,
};
use crate::vocab::{ProviderNo, ProviderStep, SessionNo, WriterNo};
use crate::writer::{SnapshotVolume, WriterMetadata};

/// R17: the most volumes one set may hold.
pub(crate) const MAX_VOLUMES_PER_SET: usize = 64;

impl Coordinator {
    pub(crate) fn dispatch_call(
        &mut self,
        session: SessionNo,
        call: Call,
        examine: Examine<'_>,
    ) -> Result<Reply, Hresult> {
        let checked = match self.check_call(session, &call) {
            Ok(Checked::PickProvider { requested, volume }) => self
                .pick_provider(session, requested, volume)
                .and_then(|checked| match checked {
                    // R102: the system provider keeps at most 512 copies of a volume.
                    Checked::Volume { provider, volume }
                        if self.is_system_provider(provider) && self.volume_copies_full(volume) =>
                    {
                        Err(Hresult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED)
                    }
                    checked => Ok(checked),
                }),
            Ok(Checked::AskSupport { requested, volume }) => self
                .ask_support(session, requested, volume)
                .map(Checked::Supported),
            checked => checked,
        };
        let hr = match &checked {
            Ok(
                Checked::Plain
                | Checked::Volume { .. }
                | Checked::PickProvider { .. }
                | Checked::AskSupport { .. }
                | Checked::Supported(_)
                | Checked::Delete(_)
                | Checked::Expose(_)
                | Checked::Unexpose(_)
                | Checked::Break(_)
                | Checked::Revert(_)
                | Checked::Restore(_),
            ) => Hresult::S_OK,
            Ok(Checked::Cancel(hr)) => *hr,
            Err(hr) => *hr,
        };
        // A volume's BeginPrepareSnapshot decides AddToSnapshotSet's result (R86, Q5): call the
        // provider first, record the requester call, then the provider call.
        let prepared = match &checked {
            Ok(Checked::Volume { provider, volume }) => {
                let (provider, volume) = (*provider, *volume);
                let name = self.volume_name(volume).to_owned();
                let (begin_hr, spent_ms) = self.run_provider(
                    session,
                    provider,
                    ProviderStep::BeginPrepareSnapshot,
                    Some(&name),
                );
                Some((provider, volume, begin_hr, spent_ms))
            }
            _ => None,
        };
        let hr = match &prepared {
            Some((_, _, begin_hr, _)) if begin_hr.is_failure() => *begin_hr,
            _ => hr,
        };
        let hr = self.os.requester_code(hr);
        self.record(TraceEvent::Called {
            session,
            call: call.clone(),
            hr,
        });
        if let Some((provider, _, begin_hr, spent_ms)) = &prepared {
            let step = ProviderStep::BeginPrepareSnapshot;
            self.record(TraceEvent::ProviderCalled {
                session,
                provider: *provider,
                step,
                hr: *begin_hr,
                spent_ms: *spent_ms,
            });
        }
        if hr.is_failure() {
            return Err(hr);
        }
        match checked {
            Ok(Checked::Supported(supported)) => return Ok(Reply::Supported(supported)),
            Ok(Checked::Expose(exposure)) => {
                return Ok(Reply::Exposed(self.expose(session, exposure)));
            }
            Ok(Checked::Break(set)) => {
                self.break_set(session, set);
                return Ok(Reply::Done);
            }
            Ok(Checked::Revert(volume)) => {
                if let Call::RevertToSnapshot { snapshot, .. } = call {
                    self.revert(session, snapshot, volume);
                }
                return Ok(Reply::Done);
            }
            Ok(Checked::Unexpose(snapshot)) => {
                self.unexpose(session, snapshot);
                return Ok(Reply::Done);
            }
            Ok(Checked::Restore(loaded)) => {
                return Ok(self.perform_restore_call(session, call, loaded));
            }
            Ok(Checked::Delete(copies)) => {
                let deleted = self.delete_copies(session, &copies);
                return Ok(Reply::Deleted {
                    deleted,
                    non_deleted: SnapshotId::NULL,
                });
            }
            _ => {}
        }
        Ok(self.perform(
            session,
            call,
            prepared.map(|(provider, volume, _, _)| (provider, volume)),
            hr,
            examine,
        ))
    }

    /// Guards (T14) and argument checks, without effects.
    fn check_call(&self, session: SessionNo, call: &Call) -> Result<Checked, Hresult> {
        let set_elsewhere = self.set_in_creation.is_some_and(|other| other != session)
            && !self.planted(super::PlantedBug::SecondSetInCreation);
        let s = &self.sessions[session.0 as usize];
        let unguarded = matches!(call, Call::BackupComplete)
            && s.pending.is_none()
            && self.planted(super::PlantedBug::CompleteWithoutSnapshot)
            || matches!(s.life, super::session::Life::Lost { .. })
                && self.planted(super::PlantedBug::LostObjectStillServed);
        if !unguarded {
            guards::check(s, call, set_elsewhere)?;
        }
        match call {
            Call::InitializeForRestore { .. }
            | Call::InitializeForBackupFrom { .. }
            | Call::WriterComponents { .. }
            | Call::SetBackupOptions { .. }
            | Call::SetSelectedForRestore { .. }
            | Call::AddRestoreSubcomponent { .. }
            | Call::SetRestoreOptions { .. }
            | Call::SetAdditionalRestores { .. }
            | Call::AddNewTarget { .. }
            | Call::SetFileRestoreStatus { .. } => {
                self.check_restore_call(session, call).map(Checked::Restore)
            }
            Call::SetContext { context } => {
                let context = Context::from_raw(*context)?;
                self.os.check_context(context)?;
                Ok(Checked::Plain)
            }
            Call::AddComponent(key) => {
                if key.name.is_empty() {
                    return Err(Hresult::E_INVALIDARG); // R13: name may not be NULL
                }
                if s.components.contains(key) {
                    return Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS); // R13
                }
                if s.components.len() >= crate::vocab::limits::MAX_COMPONENTS {
                    return Err(Hresult::E_OUTOFMEMORY); // the documented limit, not Windows'
                }
                Ok(Checked::Plain)
            }
            Call::AddToSnapshotSet { volume, provider } => self.check_volume(s, volume, *provider),
            Call::DeleteSnapshots { id, object, .. } => self
                .copies_to_delete(session, *id, *object)
                .map(Checked::Delete),
            Call::ExposeSnapshot {
                snapshot,
                path_from_root,
                attributes,
                expose,
            } => self
                .check_expose(
                    session,
                    *snapshot,
                    path_from_root.as_deref(),
                    *attributes,
                    expose.as_deref(),
                )
                .map(Checked::Expose),
            Call::UnexposeSnapshot { snapshot } => self
                .check_unexpose(session, *snapshot)
                .map(Checked::Unexpose),
            Call::BreakSnapshotSet { set } => self.check_break(session, *set).map(Checked::Break),
            Call::ImportSnapshots => self.check_import(session).map(|()| Checked::Plain),
            Call::RevertToSnapshot {
                snapshot,
                force_dismount,
            } => self
                .check_revert(session, *snapshot, *force_dismount)
                .map(Checked::Revert),
            Call::QueryRevertStatus { volume } => {
                self.check_revert_status(volume).map(|()| Checked::Plain)
            }
            Call::IsVolumeSupported { provider, volume } => {
                let known = self.known_volume(volume)?;
                // A VHD inside a VHD is answered with the HRESULT (VShadow's `-isup` expects
                // it); a VHD on a profile without VHD support is simply not supported.
                match self.nesting_problem(known, &[]) {
                    Some(Hresult::VSS_E_NESTED_VOLUME_LIMIT) => {
                        return Err(Hresult::VSS_E_NESTED_VOLUME_LIMIT)
                    }
                    Some(_) => return Ok(Checked::Supported(false)),
                    None => {}
                }
                let requested = if provider.is_null() {
                    None
                } else {
                    let index = self
                        .providers
                        .iter()
                        .position(|p| p.id == *provider)
                        .ok_or(Hresult::VSS_E_PROVIDER_NOT_REGISTERED)?;
                    Some(ProviderNo(super::index_u32(index)))
                };
                Ok(Checked::AskSupport {
                    requested,
                    volume: known,
                })
            }
            Call::SnapshotProperties { snapshot } => {
                // A copy of the object's own set exists once the set is created (R24's
                // sequence); then, like any copy on the machine, if its context sees it.
                let pending = matches!(s.set, super::session::SetState::InCreation(_))
                    && s.set
                        .data()
                        .is_some_and(|d| d.snapshots.iter().any(|r| r.id == *snapshot));
                if pending {
                    return Err(Hresult::VSS_E_BAD_STATE);
                }
                self.stored_copy(session, *snapshot)
                    .map(|_| Checked::Plain)
                    .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)
            }
            Call::SetBackupSucceeded { component, .. }
            | Call::SetPreviousBackupStamp { component, .. } => {
                if s.components.contains(component) {
                    Ok(Checked::Plain)
                } else {
                    Err(Hresult::VSS_E_OBJECT_NOT_FOUND) // R25
                }
            }
            Call::WriterMetadata { index } => {
                if (*index as usize) < s.metadata_rows.len() {
                    Ok(Checked::Plain)
                } else {
                    // The page lists no code for an index past the count; GetWriterStatus gives
                    // VSS_E_OBJECT_NOT_FOUND for that (R29), and so does this.
                    Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
                }
            }
            Call::WriterStatus { index } => match &s.status {
                Some(list) if (*index as usize) < list.len() => Ok(Checked::Plain),
                _ => Err(Hresult::VSS_E_OBJECT_NOT_FOUND), // R29
            },
            Call::Wait { op, .. } | Call::QueryStatus { op } => {
                self.own_op(session, *op).map(|_| Checked::Plain)
            }
            Call::Cancel { op } => {
                let status = self.own_op(session, *op)?;
                let cancelled_already = self.ops[op.0 as usize].cancel_after_commit;
                Ok(Checked::Cancel(match status {
                    // R38: a second Cancel of a DoSnapshotSet finishing after its commit.
                    Hresult::VSS_S_ASYNC_PENDING if cancelled_already => {
                        Hresult::VSS_S_ASYNC_CANCELLED
                    }
                    Hresult::VSS_S_ASYNC_PENDING => Hresult::S_OK, // R38: it cancelled
                    done => done,
                }))
            }
            _ => Ok(Checked::Plain),
        }
    }

    /// R16–R18, R85: the volume exists, a provider takes it, it is not in the set yet.
    fn check_volume(
        &self,
        s: &super::session::Session,
        volume: &str,
        provider: ProviderId,
    ) -> Result<Checked, Hresult> {
        let known = self.known_volume(volume)?;
        let data = s.set.data().ok_or(Hresult::VSS_E_BAD_STATE)?;
        if data.snapshots.iter().any(|r| r.volume == known) {
            // By any of its names (field failure 20).
            return Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        if data.volumes.len() >= MAX_VOLUMES_PER_SET {
            return Err(Hresult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED); // R17
        }
        let in_set: Vec<u32> = data.snapshots.iter().map(|r| r.volume).collect();
        if let Some(hr) = self.nesting_problem(known, &in_set) {
            return Err(hr);
        }
        Ok(Checked::PickProvider {
            requested: provider,
            volume: known,
        })
    }

    /// R20: whether `requested` (for `None`, every provider, hardware first as R85 ranks them)
    /// can shadow-copy `volume` in the object's context; a provider the machine's rules pass
    /// over (`volume_rules_allow`) is not asked. A provider's error ends the question, mapped
    /// as R94 says; a panicking provider is an unexpected provider error.
    fn ask_support(
        &mut self,
        session: SessionNo,
        requested: Option<ProviderNo>,
        volume: u32,
    ) -> Result<bool, Hresult> {
        let candidates: Vec<usize> = match requested {
            Some(provider) => vec![provider.0 as usize],
            None => self.providers_by_rank(),
        };
        let context = self.sessions[session.0 as usize].context();
        let name = self.volume_name(volume).to_owned();
        for index in candidates {
            let no = ProviderNo(super::index_u32(index));
            if !self.volume_rules_allow(no, volume, context) {
                continue;
            }
            let asked = self.providers[index]
                .provider
                .call(|p| p.is_volume_supported(&name));
            let answer = asked.unwrap_or_else(|panic| {
                self.user_code_panicked(UserCode::SupportsVolume(no), panic);
                Err(Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR)
            });
            match answer {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(hr) => return Err(crate::provider::map_support_result(hr)),
            }
        }
        Ok(false)
    }

    /// R85: the provider that takes `volume`: `requested`, if it supports the volume, or for
    /// `GUID_NULL` the first that does, hardware, then software, then the system provider;
    /// the machine's rules (`volume_rules_allow`) come first. A `supports_volume` that panics
    /// answers "not supported".
    fn pick_provider(
        &mut self,
        session: SessionNo,
        requested: ProviderId,
        volume: u32,
    ) -> Result<Checked, Hresult> {
        let candidates: Vec<usize> = if requested.is_null() {
            self.providers_by_rank()
        } else {
            let index = self
                .providers
                .iter()
                .position(|p| p.id == requested)
                .ok_or(Hresult::VSS_E_PROVIDER_NOT_REGISTERED)?;
            vec![index]
        };
        let context = self.sessions[session.0 as usize].context();
        let name = self.volume_name(volume).to_owned();
        for index in candidates {
            let no = ProviderNo(super::index_u32(index));
            if !self.volume_rules_allow(no, volume, context) {
                continue;
            }
            let asked = self.providers[index]
                .provider
                .call(|p| p.supports_volume(&name));
            let supports = asked.unwrap_or_else(|panic| {
                self.user_code_panicked(UserCode::SupportsVolume(no), panic);
                false
            });
            if supports {
                return Ok(Checked::Volume {
                    provider: no,
                    volume,
                });
            }
        }
        Err(if requested.is_null() {
            Hresult::VSS_E_VOLUME_NOT_SUPPORTED
        } else {
            Hresult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER
        })
    }

    fn own_op(&self, session: SessionNo, op: OpNo) -> Result<Hresult, Hresult> {
        match self.ops.get(op.0 as usize) {
            Some(found) if found.session == session => Ok(found.status),
            _ => Err(Hresult::E_INVALIDARG),
        }
    }

    /// Performs a call that passed its checks; `hr` is what it returned.
    fn perform(
        &mut self,
        session: SessionNo,
        call: Call,
        volume: Option<(ProviderNo, u32)>,
        hr: Hresult,
        examine: Examine<'_>,
    ) -> Reply {
        let index = session.0 as usize;
        match call {
            Call::InitializeForBackup => self.sessions[index].life = Life::Backup,
            Call::SetContext { context } => {
                self.sessions[index].context = Context::from_raw(context).ok();
            }
            Call::SetBackupState(state) => self.sessions[index].backup_state = Some(state),
            Call::EnableWriterClasses { classes } => self.filter_classes(session, classes, true),
            Call::DisableWriterClasses { classes } => self.filter_classes(session, classes, false),
            Call::GatherWriterMetadata => return Reply::Async(self.start_gather_metadata(session)),
            Call::WriterMetadataCount => {
                let count = self.sessions[index].metadata_rows.len();
                return Reply::Count(super::index_u32(count));
            }
            Call::WriterMetadata { index: row } => {
                return match examine {
                    Examine::View => self
                        .metadata_view(session, row as usize)
                        .map_or(Reply::Done, Reply::WriterMetadata),
                    Examine::ExplicitKeys(keys) => {
                        self.explicit_keys(session, row as usize, keys);
                        Reply::Done
                    }
                };
            }
            Call::FreeWriterMetadata => self.sessions[index].metadata = Metadata::Freed,
            Call::AddComponent(key) => self.add_component(session, key),
            Call::StartSnapshotSet => return Reply::SnapshotSet(self.start_set(session)),
            Call::AddToSnapshotSet { .. } => {
                return Reply::Snapshot(self.add_volume(session, volume))
            }
            Call::PrepareForBackup => {
                return Reply::Async(self.start_phase(session, AsyncKind::PrepareForBackup));
            }
            Call::DoSnapshotSet => {
                if self.sessions[index].phase() == Phase::NotStarted {
                    self.drop_unselected(session); // R47 also holds without PrepareForBackup
                }
                return Reply::Async(self.start_phase(session, AsyncKind::DoSnapshotSet));
            }
            Call::SnapshotProperties { snapshot } => {
                return Reply::Properties(self.properties(session, snapshot));
            }
            Call::ImportSnapshots => {
                return Reply::Async(self.start_op(session, AsyncKind::ImportSnapshots));
            }
            // Answered in `dispatch_call`.
            Call::RevertToSnapshot { .. } => {}
            Call::QueryRevertStatus { .. } => {
                return Reply::Async(self.start_op(session, AsyncKind::QueryRevertStatus));
            }
            // Answered in `dispatch_call`, once the providers were asked or the copies found.
            Call::IsVolumeSupported { .. }
            | Call::DeleteSnapshots { .. }
            | Call::ExposeSnapshot { .. }
            | Call::UnexposeSnapshot { .. }
            | Call::BreakSnapshotSet { .. } => {}
            Call::Query => return Reply::Snapshots(self.query_copies(session)),
            Call::QueryProviders => {
                return Reply::Providers(
                    self.providers
                        .iter()
                        .map(|p| p.properties.clone())
                        .collect(),
                );
            }
            Call::SetBackupSucceeded {
                component,
                succeeded,
            } => self.sessions[index].succeeded.push((component, succeeded)),
            Call::SetPreviousBackupStamp { component, stamp } => {
                self.sessions[index]
                    .previous_stamps
                    .push((component, stamp));
            }
            Call::BackupComplete => {
                return Reply::Async(self.start_phase(session, AsyncKind::BackupComplete));
            }
            Call::AbortBackup => self.abort_backup(session),
            Call::GatherWriterStatus => {
                return Reply::Async(self.start_op(session, AsyncKind::GatherWriterStatus));
            }
            Call::WriterStatusCount => {
                let count = self.sessions[index].status.as_ref().map_or(0, Vec::len);
                return Reply::Count(super::index_u32(count));
            }
            Call::WriterStatus { index: row } => {
                if let Some(status) = self.status_row(session, row as usize) {
                    return Reply::WriterStatus(status);
                }
            }
            Call::FreeWriterStatus => self.sessions[index].status = None,
            Call::SaveAsXml => {
                return Reply::Xml(crate::xml::bcd::save(&self.backup_components(session)));
            }
            Call::Wait { op, timeout_ms } => {
                let until = timeout_ms.map(|ms| self.now_ms.saturating_add(ms));
                return match self.run_until(Some(op), until) {
                    Some(bound) => Reply::BoundReached(bound),
                    None => Reply::Status(self.op(op).status),
                };
            }
            Call::QueryStatus { op } => return Reply::Status(self.op(op).status),
            Call::Cancel { op } => {
                if self.op(op).is_pending() {
                    self.cancel_op(op);
                }
                return Reply::Status(hr);
            }
            Call::Release => self.release(session, false),
            Call::Crash => self.release(session, true),
            Call::InitializeForRestore { .. }
            | Call::InitializeForBackupFrom { .. }
            | Call::WriterComponentsCount
            | Call::WriterComponents { .. }
            | Call::SetBackupOptions { .. }
            | Call::SetSelectedForRestore { .. }
            | Call::AddRestoreSubcomponent { .. }
            | Call::SetRestoreOptions { .. }
            | Call::SetAdditionalRestores { .. }
            | Call::AddNewTarget { .. }
            | Call::SetRestoreState { .. }
            | Call::PreRestore
            | Call::SetFileRestoreStatus { .. }
            | Call::PostRestore => return self.perform_restore_call(session, call, None),
        }
        Reply::Done
    }

    /// `EnableWriterClasses` (`enable`) or `DisableWriterClasses`: only before
    /// `GatherWriterMetadata` do they count (R7).
    fn filter_classes(&mut self, session: SessionNo, classes: Vec<WriterClassId>, enable: bool) {
        let s = &mut self.sessions[session.0 as usize];
        if s.metadata.started() {
            return;
        }
        if enable {
            s.filter
                .enabled
                .get_or_insert_with(Vec::new)
                .extend(classes);
        } else {
            s.filter.disabled.extend(classes);
        }
    }

    /// `AddComponent`: the component selects its writer instance; `GUID_NULL` as the instance
    /// selects every instance of the class (R13, R47).
    pub(super) fn add_component(&mut self, session: SessionNo, key: ComponentKey) {
        let s = &mut self.sessions[session.0 as usize];
        s.components.insert(&key);
        // The writers it names: its instance, or every instance of its class for `GUID_NULL`.
        let writers = if key.instance_id.is_null() {
            self.by_class
                .get(&key.writer_id)
                .map_or(&[][..], Vec::as_slice)
        } else {
            self.by_instance
                .get(&key.instance_id)
                .map_or(&[][..], std::slice::from_ref)
        };
        for writer in writers {
            s.writers[writer.0 as usize].selected.push(key.clone());
        }
    }

    /// `StartSnapshotSet`: a new set in creation; the R15 window opens.
    fn start_set(&mut self, session: SessionNo) -> SnapshotSetId {
        let id = SnapshotSetId(self.mint(IdKind::SnapshotSet));
        self.sessions[session.0 as usize].set = SetState::InCreation(SetData {
            id,
            snapshots: Vec::new(),
            volumes: Vec::new(),
            committed: false,
            created_at_ms: 0,
        });
        self.set_in_creation = Some(session);
        self.record(TraceEvent::SetCreationStarted { session, set: id });
        id
    }

    /// `AddToSnapshotSet` of a volume checked to be known and taken by `provider`.
    fn add_volume(&mut self, session: SessionNo, volume: Option<(ProviderNo, u32)>) -> SnapshotId {
        let id = SnapshotId(self.mint(IdKind::Snapshot));
        let name = volume.map(|(_, v)| self.volume_name(v).to_owned());
        if let (Some((provider, volume)), Some(name), Some(data)) = (
            volume,
            name,
            self.sessions[session.0 as usize].set.data_mut(),
        ) {
            data.snapshots.push(SnapshotRecord {
                id,
                provider,
                volume,
            });
            data.volumes.push(SnapshotVolume {
                volume: name,
                device: None,
            });
        }
        id
    }

    /// Starts the backup operation `kind` and moves the backup into its phase.
    fn start_phase(&mut self, session: SessionNo, kind: AsyncKind) -> OpNo {
        let op = self.start_op(session, kind);
        let phase = match kind {
            AsyncKind::PrepareForBackup => Phase::Preparing(op),
            AsyncKind::DoSnapshotSet => Phase::Snapshotting(op),
            _ => Phase::Completing(op),
        };
        self.set_phase(session, phase);
        op
    }

    /// `GetWriterStatus(row)` of the last gathered list, recorded as reported (R29).
    fn status_row(&mut self, session: SessionNo, row: usize) -> Option<WriterStatus> {
        let status = self.sessions[session.0 as usize]
            .status
            .as_ref()
            .and_then(|list| list.get(row))
            .cloned()?;
        let mut status = status;
        if self.planted(super::PlantedBug::StatusForgetsFailure) {
            status.failure = Hresult::S_OK;
        }
        if let Some(writer) = self.writer_no(status.instance_id) {
            let (state, failure) = (status.state, status.failure);
            self.record(TraceEvent::StatusReported {
                session,
                writer,
                state,
                failure,
            });
        }
        Some(status)
    }

    fn start_gather_metadata(&mut self, session: SessionNo) -> OpNo {
        for writer in 0..self.writers.len() {
            let class = self.writers[writer].config.class_id;
            if !self.sessions[session.0 as usize].filter.allows(class) {
                self.sessions[session.0 as usize].writers[writer].identity = Identity::LeftOut;
                let writer = WriterNo(super::index_u32(writer));
                self.writer_dropped(session, writer, DropReason::ClassDisabled);
            }
        }
        let op = self.start_op(session, AsyncKind::GatherWriterMetadata);
        self.sessions[session.0 as usize].metadata = Metadata::Gathering(op);
        op
    }

    /// R38: cancel a pending operation. A `DoSnapshotSet` past its commit runs on (the frozen
    /// writers must thaw) and reports cancelled; the shadow copy stays (field failure 1).
    fn cancel_op(&mut self, op: OpNo) {
        if self.op(op).kind != AsyncKind::DoSnapshotSet {
            self.complete_op(op, Hresult::VSS_S_ASYNC_CANCELLED);
            return;
        }
        let session = self.op(op).session;
        let committed = self.sessions[session.0 as usize]
            .set
            .data()
            .is_some_and(|d| d.committed);
        if committed {
            self.ops[op.0 as usize].cancel_after_commit = true;
        } else {
            let cause = crate::trace::AbortCause::Cancelled;
            self.abort_creation(
                op,
                cause,
                Hresult::VSS_S_ASYNC_CANCELLED,
                crate::trace::SetOutcome::Aborted,
            );
        }
    }

    /// `GetWriterMetadata(row)`: the view of the `row`-th identified writer (checked to exist),
    /// recorded as reported (R10).
    fn metadata_view(&mut self, session: SessionNo, row: usize) -> Option<WriterMetadataView> {
        let s = &self.sessions[session.0 as usize];
        // The guard checked that row `row` exists.
        let writer = s.metadata_rows.get(row)?.0 as usize;
        let sw = &s.writers[writer];
        let slot = &self.writers[writer];
        let identity = WriterIdentity {
            instance_id: slot.instance_id,
            writer_id: slot.config.class_id,
            name: slot.config.name.clone(),
            instance_name: slot.config.instance_name.clone(),
            usage_type: slot.config.usage_type,
            source_type: slot.config.source_type,
        };
        let view = sw.metadata().map_or_else(
            || WriterMetadata::default().view(&identity),
            |metadata| metadata.view(&identity),
        );
        self.record(TraceEvent::MetadataReported {
            session,
            writer: WriterNo(super::index_u32(writer)),
        });
        Some(view)
    }

    /// `GetWriterMetadata(row)` as [`Examine::ExplicitKeys`] answers it: the keys of the
    /// writer's explicit components (R110) pushed onto `keys`, the rest of the view never built.
    fn explicit_keys(&mut self, session: SessionNo, row: usize, keys: &mut Vec<ComponentKey>) {
        let s = &self.sessions[session.0 as usize];
        // The guard checked that row `row` exists.
        let Some(writer) = s.metadata_rows.get(row) else {
            return;
        };
        let writer = writer.0 as usize;
        if let Some(metadata) = s.writers[writer].metadata() {
            let slot = &self.writers[writer];
            keys.extend(metadata.explicit_components().map(|info| ComponentKey {
                instance_id: slot.instance_id,
                writer_id: slot.config.class_id,
                component_type: info.component_type,
                logical_path: info.logical_path.clone(),
                name: info.name.clone(),
            }));
        }
        self.record(TraceEvent::MetadataReported {
            session,
            writer: WriterNo(super::index_u32(writer)),
        });
    }

    /// `GetSnapshotProperties` of a copy the checks found on the machine (R24).
    fn properties(&self, session: SessionNo, snapshot: SnapshotId) -> SnapshotProperties {
        self.stored_copy(session, snapshot)
            .map(|copy| copy.properties.clone())
            .unwrap_or_default()
    }
}

/// How `GetWriterMetadata` answers.
pub(crate) enum Examine<'a> {
    /// With the requester's view of the document (`Reply::WriterMetadata`).
    View,
    /// With `Reply::Done`, the keys of the writer's explicit components (R110) pushed onto the
    /// vector: what `select_all_components` needs, without building and dropping a whole view.
    /// The call is checked and recorded exactly as with [`Examine::View`].
    ExplicitKeys(&'a mut Vec<ComponentKey>),
}

/// What a checked call needs to be performed.
enum Checked {
    Plain,
    /// `AddToSnapshotSet` of a known volume, not in the set yet: the provider (`requested`, or
    /// the first supporting one for `GUID_NULL`) is still to be asked (R85).
    PickProvider {
        requested: ProviderId,
        volume: u32,
    },
    /// `AddToSnapshotSet` resolved to a known volume and a provider.
    Volume {
        provider: ProviderNo,
        volume: u32,
    },
    /// `Cancel`, with the HRESULT the method returns (R38).
    Cancel(Hresult),
    /// `IsVolumeSupported` of a known volume: the providers (`requested`, or every one for
    /// `GUID_NULL`) are still to be asked (R20).
    AskSupport {
        requested: Option<ProviderNo>,
        volume: u32,
    },
    /// `IsVolumeSupported`'s answer.
    Supported(bool),
    /// `DeleteSnapshots`: the copies to delete, in order (R33).
    Delete(Vec<SnapshotId>),
    /// `ExposeSnapshot`, checked (R107).
    Expose(super::exposure::Exposure),
    /// `UnexposeSnapshot` of an exposed copy.
    Unexpose(SnapshotId),
    /// `BreakSnapshotSet` of a hardware set.
    Break(SnapshotSetId),
    /// `RevertToSnapshot`, checked: the copy's volume.
    Revert(u32),
    /// A restore call, `GetWriterComponents` or `SetBackupOptions`, checked; with the
    /// document `InitializeForRestore` loaded.
    Restore(Option<Box<crate::vocab::BackupComponentsDocument>>),
}
