//! What a handler may ask and report: the `CVssWriter` query methods with their documented
//! calling windows enforced (R66, R68–R70), and virtual time.

use std::cell::Cell;

use super::axis::{Axes, Axis};
use crate::vocab::{
    ApplicationLevel, BackupComponent, BackupState, BackupType, ComponentKey, Context,
    DirectedTarget, Hresult, RestoreTarget, RestoreType, SignalName, SnapshotSetId, Wait,
    WriterComponents, WriterEvent, WriterFailure, WriterQuery,
};

/// The handle a writer's handler gets for the duration of one event.
///
/// It answers what `CVssWriter` lets a writer query and takes what a writer may report. Queries
/// outside their documented window fail as on Windows (`VSS_E_BAD_STATE`) and the misuse is
/// recorded in the trace, where the oracle reports it against the writer (R66, R68, R69).
/// Handlers never perform effects directly: they answer, and the coordinator records.
///
/// Virtual time: [`HandlerContext::spend_ms`] makes the handler take that long, so freeze
/// windows (R99) and the hold-writes window (R89) can be exceeded without sleeping.
/// [`HandlerContext::wait`] makes it block — for a time, for a [signal](SignalName), for
/// whichever comes first, or forever — and continue in [`Writer::on_wait_ended`] when the wait
/// ends. Until the handler returns, the writer receives no other event (they queue, as on
/// Windows, where a writer handles one event at a time).
///
/// [`Writer::on_wait_ended`]: super::Writer::on_wait_ended
#[derive(Debug)]
pub struct HandlerContext<'a> {
    event: WriterEvent,
    view: EventView<'a>,
    effects: HandlerEffects,
    /// The axes the handler read (the getters take `&self`).
    read: Cell<Axes>,
}

/// What the coordinator shows a handler. Built by the coordinator for each delivery.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EventView<'a> {
    pub(crate) now_ms: u64,
    pub(crate) snapshot_set_id: SnapshotSetId,
    /// Whether `GetCurrentSnapshotSetId` and the volume queries are answered (R68, Q9).
    pub(crate) set_queries_allowed: bool,
    pub(crate) volumes: &'a [SnapshotVolume],
    pub(crate) context: Context,
    pub(crate) backup_state: BackupState,
    /// The writer's explicitly included components, for the handlers that get
    /// `IVssWriterComponents` in component mode (R48).
    pub(crate) components: Option<&'a [ComponentKey]>,
    /// The requester's `SetPreviousBackupStamp`s, the last for a component winning.
    pub(crate) previous_stamps: &'a [(ComponentKey, String)],
    pub(crate) level: ApplicationLevel,
    /// In a restore: the writer's entry in the restore document (R78–R83).
    pub(crate) restore_entry: Option<&'a WriterComponents>,
    /// In a restore: `SetRestoreState`'s type.
    pub(crate) restore_type: Option<RestoreType>,
    /// `PlantedBug::DocumentWritableAnywhere`: writes are accepted in any handler that gets
    /// `IVssWriterComponents`.
    pub(crate) writes_anywhere: bool,
}

/// One volume of the current set and, once committed, its shadow copy device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SnapshotVolume {
    pub(crate) volume: String,
    pub(crate) device: Option<String>,
}

/// What a handler reported, collected for the coordinator.
#[derive(Debug, Default)]
pub(crate) struct HandlerEffects {
    /// The accepted `SetWriterFailure` code (the last one wins, as on Windows).
    pub(crate) failure: Option<Hresult>,
    pub(crate) spent_ms: u64,
    pub(crate) queries: Vec<(WriterQuery, Hresult)>,
    /// What the handler blocks on once its spent time is over, if it does.
    pub(crate) wait: Option<Wait>,
    /// Signals set (`true`) or reset (`false`), in order; they take effect when the spent time
    /// is over.
    pub(crate) signals: Vec<(SignalName, bool)>,
    /// What the writer wrote into its components of the Backup Components Document (R114), in
    /// order.
    pub(crate) component_writes: Vec<(ComponentKey, ComponentWrite)>,
}

/// A field of a component a writer may write (R114).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ComponentWrite {
    /// `IVssComponent::SetBackupStamp`.
    BackupStamp(String),
    /// `IVssComponent::SetBackupMetadata`.
    BackupMetadata(String),
    /// `IVssComponent::AddPartialFile` (OnPrepareBackup, OnPostSnapshot).
    PartialFile(crate::vocab::PartialFile),
    /// `IVssComponent::AddDifferencedFilesByLastModifyTime` (OnPrepareBackup, OnPostSnapshot).
    DifferencedFiles(crate::vocab::DifferencedFiles),
    /// `IVssComponent::SetRestoreMetadata` (OnPreRestore).
    RestoreMetadata(String),
    /// `IVssComponent::SetRestoreTarget` (OnPreRestore).
    RestoreTarget(RestoreTarget),
    /// `IVssComponent::AddDirectedTarget` (OnPreRestore).
    DirectedTarget(DirectedTarget),
    /// `IVssComponent::SetPreRestoreFailureMsg` (OnPreRestore, R67).
    PreRestoreFailureMsg(String),
    /// `IVssComponent::SetPostRestoreFailureMsg` (OnPostRestore, R67).
    PostRestoreFailureMsg(String),
}

impl ComponentWrite {
    /// The `IVssComponent` method that makes this write, as the trace names it.
    pub(crate) fn query(&self) -> WriterQuery {
        match self {
            Self::BackupStamp(_) => WriterQuery::SetBackupStamp,
            Self::BackupMetadata(_) => WriterQuery::SetBackupMetadata,
            Self::PartialFile(_) => WriterQuery::AddPartialFile,
            Self::DifferencedFiles(_) => WriterQuery::AddDifferencedFiles,
            Self::RestoreMetadata(_) => WriterQuery::SetRestoreMetadata,
            Self::RestoreTarget(_) => WriterQuery::SetRestoreTarget,
            Self::DirectedTarget(_) => WriterQuery::AddDirectedTarget,
            Self::PreRestoreFailureMsg(_) => WriterQuery::SetPreRestoreFailureMsg,
            Self::PostRestoreFailureMsg(_) => WriterQuery::SetPostRestoreFailureMsg,
        }
    }

    /// Whether the write may be made during `event` (R49, R114): the backup writes in
    /// OnPrepareBackup and OnPostSnapshot, the restore writes in OnPreRestore, the post-restore
    /// failure message in OnPostRestore.
    fn allowed_in(&self, event: WriterEvent) -> bool {
        self.query().writable_in(event)
    }

    /// Applies the write to `component`.
    pub(crate) fn apply(self, component: &mut BackupComponent) {
        match self {
            Self::BackupStamp(stamp) => component.backup_stamp = Some(stamp),
            Self::BackupMetadata(metadata) => component.backup_metadata = Some(metadata),
            Self::PartialFile(file) => component.partial_files.push(file),
            Self::DifferencedFiles(files) => component.differenced_files.push(files),
            Self::RestoreMetadata(metadata) => component.restore_metadata = Some(metadata),
            Self::RestoreTarget(target) => component.restore_target = Some(target),
            Self::DirectedTarget(target) => component.directed_targets.push(target),
            Self::PreRestoreFailureMsg(msg) => component.pre_restore_failure_msg = Some(msg),
            Self::PostRestoreFailureMsg(msg) => component.post_restore_failure_msg = Some(msg),
        }
    }
}

impl<'a> HandlerContext<'a> {
    pub(crate) fn new(event: WriterEvent, view: EventView<'a>) -> Self {
        Self {
            event,
            view,
            effects: HandlerEffects::default(),
            read: Cell::new(Axes::NONE),
        }
    }

    /// The axes this handler read so far ([`Axis`]): what its work may depend on.
    pub(crate) fn axes_read(&self) -> Axes {
        self.read.get()
    }

    /// What the coordinator shows this handler, read without counting as the handler's query.
    pub(crate) fn view(&self) -> &EventView<'a> {
        &self.view
    }

    fn reads(&self, axis: Axis) {
        self.read.set(self.read.get().with(axis));
    }

    pub(crate) fn into_effects(self) -> HandlerEffects {
        self.effects
    }

    /// Spends `ms` of virtual time in this handler (a checkpoint, a flush).
    pub fn spend_ms(&mut self, ms: u64) {
        self.effects.spent_ms = self.effects.spent_ms.saturating_add(ms);
    }

    /// Blocks this handler on `wait` once its spent time is over; returns `true`, so a handler
    /// ends with `return ctx.wait(…)`.
    ///
    /// The handler has not returned yet: the value it returns now is ignored, and it continues
    /// in [`Writer::on_wait_ended`](super::Writer::on_wait_ended) when the wait ends, whose
    /// result (or a further wait) decides. A `SetWriterFailure` made before the wait still
    /// counts, unless a later segment sets another code. Meanwhile the requester's calls go on and the writer's other
    /// events queue. A later call replaces an earlier one. [`Wait::forever`] is a hung handler:
    /// VSS's own timeout for the event (`Policies::handler_timeout`) decides what the requester
    /// sees.
    pub fn wait(&mut self, wait: Wait) -> bool {
        self.effects.wait = Some(wait);
        true
    }

    /// Whether this handler (segment) asked to wait.
    pub(crate) fn is_waiting(&self) -> bool {
        self.effects.wait.is_some()
    }

    /// `SetEvent`: sets the named signal once this handler's spent time is over, releasing
    /// whoever waits for it (another writer, a provider, the requester, the host).
    pub fn set_signal(&mut self, signal: impl Into<SignalName>) {
        self.effects.signals.push((signal.into(), true));
    }

    /// `ResetEvent`: resets the named signal once this handler's spent time is over.
    pub fn reset_signal(&mut self, signal: impl Into<SignalName>) {
        self.effects.signals.push((signal.into(), false));
    }

    /// `CVssWriter::SetWriterFailure` with one of the five accepted codes (R64–R66).
    ///
    /// Return `true` afterwards for a veto, `false` for a fatal error (R64, R65). From
    /// `OnIdentify` the call is refused with `VSS_E_BAD_STATE` (R66).
    pub fn set_writer_failure(&mut self, failure: WriterFailure) -> Result<(), Hresult> {
        self.set_writer_failure_hr(failure.hresult())
    }

    /// `CVssWriter::SetWriterFailure` with any HRESULT: codes outside the five of R66 are
    /// refused with `E_INVALIDARG` (Q14), and any call from `OnIdentify` with `VSS_E_BAD_STATE`.
    pub fn set_writer_failure_hr(&mut self, hr: Hresult) -> Result<(), Hresult> {
        let result = if self.event == WriterEvent::Identify {
            Err(Hresult::VSS_E_BAD_STATE)
        } else if WriterFailure::from_hresult(hr).is_none() {
            Err(Hresult::E_INVALIDARG)
        } else {
            self.effects.failure = Some(hr);
            Ok(())
        };
        self.record(
            WriterQuery::SetWriterFailure,
            result.err().unwrap_or(Hresult::S_OK),
        );
        result
    }

    /// `CVssWriter::GetCurrentSnapshotSetId` (R68): the set of the backup this event belongs to.
    ///
    /// Answered only inside the policy's window (`Policies::query_window`, Q9); elsewhere —
    /// `OnBackupComplete`, `OnBackupShutdown`, `OnIdentify` — it fails with `VSS_E_BAD_STATE`.
    pub fn snapshot_set_id(&mut self) -> Result<SnapshotSetId, Hresult> {
        let result = if self.view.set_queries_allowed {
            Ok(self.view.snapshot_set_id)
        } else {
            Err(Hresult::VSS_E_BAD_STATE)
        };
        self.record(
            WriterQuery::CurrentSnapshotSetId,
            result.err().unwrap_or(Hresult::S_OK),
        );
        result
    }

    /// `CVssWriter::GetCurrentVolumeArray` (R70): the original volume names of the current set,
    /// in the same window as [`HandlerContext::snapshot_set_id`].
    pub fn volumes(&mut self) -> Result<Vec<String>, Hresult> {
        self.reads(Axis::Volumes);
        let result = if self.view.set_queries_allowed {
            Ok(self.view.volumes.iter().map(|v| v.volume.clone()).collect())
        } else {
            Err(Hresult::VSS_E_BAD_STATE)
        };
        self.record(
            WriterQuery::CurrentVolumes,
            result.as_ref().err().copied().unwrap_or_default(),
        );
        result
    }

    /// `CVssWriter::IsPathAffected` (R70): whether `path` lies on a volume of the current set.
    /// Volume names compare case-insensitively, as Windows paths do.
    pub fn is_path_affected(&mut self, path: &str) -> Result<bool, Hresult> {
        self.reads(Axis::Volumes);
        let result = if self.view.set_queries_allowed {
            let path = path.to_ascii_lowercase();
            Ok(self
                .view
                .volumes
                .iter()
                .any(|v| path.starts_with(&v.volume.to_ascii_lowercase())))
        } else {
            Err(Hresult::VSS_E_BAD_STATE)
        };
        self.record(
            WriterQuery::CurrentVolumes,
            result.err().unwrap_or(Hresult::S_OK),
        );
        result
    }

    /// `CVssWriter::GetSnapshotDeviceName` (R69): only during `OnPostSnapshot`, else
    /// `VSS_E_BAD_STATE`; a volume not in the set is `VSS_E_OBJECT_NOT_FOUND`; an empty name is
    /// `E_INVALIDARG`.
    pub fn snapshot_device_name(&mut self, volume: &str) -> Result<String, Hresult> {
        self.reads(Axis::DeviceNames);
        let result = if self.event != WriterEvent::PostSnapshot {
            Err(Hresult::VSS_E_BAD_STATE)
        } else if volume.is_empty() {
            Err(Hresult::E_INVALIDARG)
        } else {
            self.view
                .volumes
                .iter()
                .find(|v| v.volume.eq_ignore_ascii_case(volume))
                .and_then(|v| v.device.clone())
                .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)
        };
        self.record(
            WriterQuery::SnapshotDeviceName,
            result.as_ref().err().copied().unwrap_or_default(),
        );
        result
    }

    /// The event being handled.
    pub fn event(&self) -> WriterEvent {
        self.event
    }

    /// Virtual time at delivery, ms since the simulation started.
    pub fn now_ms(&self) -> u64 {
        self.view.now_ms
    }

    /// `CVssWriter::GetContext` (R70): context and attribute bits of the current set: the
    /// requester's, and from OnPrepareSnapshot on `VSS_VOLSNAP_ATTR_AUTORECOVER` where VSS
    /// auto-recovers the copies ([`Context::auto_recovered_on`]): the bit OnPostSnapshot tests
    /// to recover its data on the copy.
    pub fn context(&self) -> Context {
        self.reads(Axis::Context);
        self.reads(Axis::Attributes);
        self.view.context
    }

    /// `CVssWriter::GetBackupType` (R12, R70).
    pub fn backup_type(&self) -> BackupType {
        self.reads(Axis::BackupType);
        self.view.backup_state.backup_type
    }

    /// `CVssWriter::AreComponentsSelected` (R12, R70).
    pub fn are_components_selected(&self) -> bool {
        self.reads(Axis::SelectedComponents);
        self.view.backup_state.select_components
    }

    /// `CVssWriter::IsBootableSystemStateBackedUp` (R12, R70).
    pub fn is_bootable_system_state_backed_up(&self) -> bool {
        self.reads(Axis::BootableSystemState);
        self.view.backup_state.bootable_system_state
    }

    /// `CVssWriter::IsPartialFileSupportEnabled` (R12, R70).
    pub fn is_partial_file_support_enabled(&self) -> bool {
        self.reads(Axis::PartialFileSupport);
        self.view.backup_state.partial_file_support
    }

    /// `CVssWriter::GetCurrentLevel` (R70).
    pub fn level(&self) -> ApplicationLevel {
        self.view.level
    }

    /// `IVssWriterComponents`: this writer's explicitly included components, in the handlers
    /// that receive it (`OnPrepareBackup`, `OnPostSnapshot`, `OnBackupComplete`); `None` in the
    /// other handlers and when the requester is not in component mode (R48).
    pub fn components(&self) -> Option<&[ComponentKey]> {
        self.reads(Axis::SelectedComponents);
        self.view.components
    }

    /// `IVssComponent::SetBackupStamp`: the stamp of this backup of `component`, for the next
    /// incremental or differential backup to hand back (R114), e.g. a time or a log sequence
    /// number; kept exactly as written.
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` outside the handlers that may change the document (`OnPrepareBackup`,
    /// `OnPostSnapshot`: R48, R49 — not from `OnBackupComplete` on) or when the requester is not
    /// in component mode; `VSS_E_OBJECT_NOT_FOUND` for a component the requester did not add.
    pub fn set_backup_stamp(
        &mut self,
        component: &ComponentKey,
        stamp: &str,
    ) -> Result<(), Hresult> {
        self.write_component(component, ComponentWrite::BackupStamp(stamp.to_owned()))
    }

    /// `IVssComponent::GetPreviousBackupStamp`: the stamp the requester handed back for
    /// `component` (`SetPreviousBackupStamp`), from the backup an incremental or differential
    /// one builds on; `None` when it handed none (a full backup).
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` in handlers without `IVssWriterComponents` (R48) or when the requester
    /// is not in component mode; `VSS_E_OBJECT_NOT_FOUND` for a component the requester did not
    /// add.
    pub fn previous_backup_stamp(
        &self,
        component: &ComponentKey,
    ) -> Result<Option<String>, Hresult> {
        let Some(components) = self.view.components else {
            return Err(Hresult::VSS_E_BAD_STATE);
        };
        if !components.iter().any(|c| c.names_same_component(component)) {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        Ok(self
            .view
            .previous_stamps
            .iter()
            .rev()
            .find(|(key, _)| key.names_same_component(component))
            .map(|(_, stamp)| stamp.clone()))
    }

    /// `IVssComponent::SetBackupMetadata`: private data the writer keeps with `component` in the
    /// document, to read back at restore (R114); kept exactly as written.
    ///
    /// # Errors
    ///
    /// As [`HandlerContext::set_backup_stamp`].
    pub fn set_backup_metadata(
        &mut self,
        component: &ComponentKey,
        metadata: &str,
    ) -> Result<(), Hresult> {
        self.write_component(
            component,
            ComponentWrite::BackupMetadata(metadata.to_owned()),
        )
    }

    /// `IVssComponent::AddPartialFile` (R114): back up only `file.ranges` of a file of
    /// `component`; in OnPrepareBackup or OnPostSnapshot, with partial file support enabled
    /// by the requester (`IsPartialFileSupportEnabled`).
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` outside those handlers, outside component mode, or without partial
    /// file support; `E_INVALIDARG` for an empty path, file name or range list;
    /// `VSS_E_OBJECT_NOT_FOUND` for a component the requester did not add.
    pub fn add_partial_file(
        &mut self,
        component: &ComponentKey,
        file: crate::vocab::PartialFile,
    ) -> Result<(), Hresult> {
        let write = ComponentWrite::PartialFile(file);
        if !self.writable(&write) {
            return self.write_component(component, write); // refused, and recorded so
        }
        let ComponentWrite::PartialFile(file) = write else {
            unreachable!("built above")
        };
        if !self.view.backup_state.partial_file_support {
            self.record(WriterQuery::AddPartialFile, Hresult::VSS_E_BAD_STATE);
            return Err(Hresult::VSS_E_BAD_STATE);
        }
        if file.path.is_empty() || file.filename.is_empty() || file.ranges.is_empty() {
            self.record(WriterQuery::AddPartialFile, Hresult::E_INVALIDARG);
            return Err(Hresult::E_INVALIDARG);
        }
        self.write_component(component, ComponentWrite::PartialFile(file))
    }

    /// `IVssComponent::AddDifferencedFilesByLastModifyTime` (R114): the files of `component`
    /// changed after `files.last_modify_time`, for an incremental or differential backup;
    /// in OnPrepareBackup or OnPostSnapshot ("typically while handling the PostSnapshot
    /// event").
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` outside those handlers or outside component mode; `E_INVALIDARG` for
    /// an empty path or file specification; `VSS_E_OBJECT_NOT_FOUND` for a component the
    /// requester did not add.
    pub fn add_differenced_files(
        &mut self,
        component: &ComponentKey,
        files: crate::vocab::DifferencedFiles,
    ) -> Result<(), Hresult> {
        let empty = files.path.is_empty() || files.filespec.is_empty();
        let write = ComponentWrite::DifferencedFiles(files);
        if empty && self.writable(&write) {
            self.record(WriterQuery::AddDifferencedFiles, Hresult::E_INVALIDARG);
            return Err(Hresult::E_INVALIDARG);
        }
        self.write_component(component, write)
    }

    /// `CVssWriter::GetRestoreType` (R70): what the requester's `SetRestoreState` said, in a
    /// restore; `VSS_RTYPE_UNDEFINED` when it said nothing (treat that as
    /// `VSS_RTYPE_BY_COPY`) and in a backup.
    pub fn restore_type(&self) -> RestoreType {
        self.reads(Axis::RestoreType);
        self.view.restore_type.unwrap_or_default()
    }

    /// `IVssComponent`'s getters in a restore: what the saved document and the restoring
    /// requester say of `component` — backup stamp and metadata, backup and restore options,
    /// `IsSelectedForRestore`, `GetAdditionalRestores`, restore subcomponents, new targets,
    /// and in OnPostRestore `GetFileRestoreStatus` (R78–R83).
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` outside OnPreRestore and OnPostRestore (the restore handlers that get
    /// `IVssWriterComponents`, R48) or when the requester is not in component mode;
    /// `VSS_E_OBJECT_NOT_FOUND` for a component the document does not hold for this writer.
    pub fn restore_component(&self, component: &ComponentKey) -> Result<&BackupComponent, Hresult> {
        if !matches!(
            self.event,
            WriterEvent::PreRestore | WriterEvent::PostRestore
        ) || self.view.components.is_none()
        {
            return Err(Hresult::VSS_E_BAD_STATE);
        }
        self.restore_component_now(component)
    }

    fn restore_component_now(&self, component: &ComponentKey) -> Result<&BackupComponent, Hresult> {
        let entry = self.view.restore_entry.ok_or(Hresult::VSS_E_BAD_STATE)?;
        if entry.writer_id != component.writer_id {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        entry
            .component(&ComponentKey {
                instance_id: entry.instance_id,
                ..component.clone()
            })
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)
    }

    /// `IVssComponent::SetRestoreTarget`: where `component` must be restored (R114); only in
    /// OnPreRestore. The requester reads it after PreRestore.
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` outside OnPreRestore or when the requester is not in component mode;
    /// `VSS_E_OBJECT_NOT_FOUND` for a component not in the restore.
    pub fn set_restore_target(
        &mut self,
        component: &ComponentKey,
        target: RestoreTarget,
    ) -> Result<(), Hresult> {
        self.write_component(component, ComponentWrite::RestoreTarget(target))
    }

    /// `IVssComponent::SetRestoreMetadata`: private data for the restore of `component`; only
    /// in OnPreRestore, once.
    ///
    /// # Errors
    ///
    /// As [`HandlerContext::set_restore_target`], and `VSS_E_OBJECT_ALREADY_EXISTS` when
    /// restore metadata was already written for the component.
    pub fn set_restore_metadata(
        &mut self,
        component: &ComponentKey,
        metadata: &str,
    ) -> Result<(), Hresult> {
        self.write_component(
            component,
            ComponentWrite::RestoreMetadata(metadata.to_owned()),
        )
    }

    /// `IVssComponent::AddDirectedTarget`: asks the requester to restore byte ranges of a
    /// backed-up file into a target file (a partial restore); only in OnPreRestore.
    ///
    /// # Errors
    ///
    /// As [`HandlerContext::set_restore_target`].
    pub fn add_directed_target(
        &mut self,
        component: &ComponentKey,
        target: DirectedTarget,
    ) -> Result<(), Hresult> {
        self.write_component(component, ComponentWrite::DirectedTarget(target))
    }

    /// `IVssComponent::SetPreRestoreFailureMsg` (R67): why the restore of `component` cannot
    /// go on, for the requester to show; only in OnPreRestore.
    ///
    /// # Errors
    ///
    /// As [`HandlerContext::set_restore_target`].
    pub fn set_pre_restore_failure_msg(
        &mut self,
        component: &ComponentKey,
        message: &str,
    ) -> Result<(), Hresult> {
        self.write_component(
            component,
            ComponentWrite::PreRestoreFailureMsg(message.to_owned()),
        )
    }

    /// `IVssComponent::SetPostRestoreFailureMsg` (R67): why the restored data of `component`
    /// could not be recovered; only in OnPostRestore, where the rest of the document is
    /// read-only (R49, Q18).
    ///
    /// # Errors
    ///
    /// `VSS_E_BAD_STATE` outside OnPostRestore or when the requester is not in component mode;
    /// `VSS_E_OBJECT_NOT_FOUND` for a component not in the restore.
    pub fn set_post_restore_failure_msg(
        &mut self,
        component: &ComponentKey,
        message: &str,
    ) -> Result<(), Hresult> {
        self.write_component(
            component,
            ComponentWrite::PostRestoreFailureMsg(message.to_owned()),
        )
    }

    /// Makes `write`, recording it with its result (R49, R114).
    fn write_component(
        &mut self,
        component: &ComponentKey,
        write: ComponentWrite,
    ) -> Result<(), Hresult> {
        let query = write.query();
        let result = self.try_write_component(component, write);
        self.record(query, result.err().unwrap_or(Hresult::S_OK));
        result
    }

    /// Whether `write` may be made in this handler (R49, R114).
    fn writable(&self, write: &ComponentWrite) -> bool {
        write.allowed_in(self.event) || self.view.writes_anywhere
    }

    fn try_write_component(
        &mut self,
        component: &ComponentKey,
        write: ComponentWrite,
    ) -> Result<(), Hresult> {
        if !self.writable(&write) {
            return Err(Hresult::VSS_E_BAD_STATE);
        }
        if matches!(write, ComponentWrite::RestoreMetadata(_))
            && (self
                .restore_component_now(component)?
                .restore_metadata
                .is_some()
                || self.effects.component_writes.iter().any(|(key, w)| {
                    matches!(w, ComponentWrite::RestoreMetadata(_))
                        && key.names_same_component(component)
                }))
        {
            // "Private metadata has already been written for this component."
            return Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        let Some(components) = self.view.components else {
            return Err(Hresult::VSS_E_BAD_STATE);
        };
        let named = components.iter().any(|c| c.names_same_component(component));
        if !named {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        self.effects
            .component_writes
            .push((component.clone(), write));
        Ok(())
    }

    fn record(&mut self, query: WriterQuery, hr: Hresult) {
        self.effects.queries.push((query, hr));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(allowed: bool) -> EventView<'static> {
        static VOLUMES: std::sync::OnceLock<Vec<SnapshotVolume>> = std::sync::OnceLock::new();
        let volumes = VOLUMES.get_or_init(|| {
            vec![SnapshotVolume {
                volume: "C:\\".into(),
                device: Some("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1".into()),
            }]
        });
        EventView {
            now_ms: 0,
            snapshot_set_id: SnapshotSetId::from_u128(9),
            set_queries_allowed: allowed,
            volumes,
            context: Context::BACKUP,
            backup_state: BackupState::default(),
            components: None,
            previous_stamps: &[],
            level: ApplicationLevel::VSS_APP_FRONT_END,
            restore_entry: None,
            restore_type: None,
            writes_anywhere: false,
        }
    }

    #[test]
    fn r66_set_writer_failure_refused_in_identify_and_for_unlisted_codes() {
        let mut identify = HandlerContext::new(WriterEvent::Identify, view(false));
        assert_eq!(
            identify.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
            Err(Hresult::VSS_E_BAD_STATE)
        );
        let mut freeze = HandlerContext::new(WriterEvent::Freeze, view(true));
        assert_eq!(
            freeze.set_writer_failure_hr(Hresult::E_INVALIDARG),
            Err(Hresult::E_INVALIDARG)
        );
        freeze
            .set_writer_failure(WriterFailure::VSS_E_WRITERERROR_TIMEOUT)
            .unwrap();
        let effects = freeze.into_effects();
        assert_eq!(effects.failure, Some(Hresult::VSS_E_WRITERERROR_TIMEOUT));
        assert_eq!(effects.queries.len(), 2);
    }

    #[test]
    fn r68_set_id_only_inside_the_window() {
        let mut inside = HandlerContext::new(WriterEvent::Freeze, view(true));
        assert_eq!(inside.snapshot_set_id(), Ok(SnapshotSetId::from_u128(9)));
        let mut outside = HandlerContext::new(WriterEvent::BackupComplete, view(false));
        assert_eq!(outside.snapshot_set_id(), Err(Hresult::VSS_E_BAD_STATE));
        assert_eq!(outside.volumes(), Err(Hresult::VSS_E_BAD_STATE));
    }

    #[test]
    fn r69_device_name_only_in_post_snapshot() {
        let mut thaw = HandlerContext::new(WriterEvent::Thaw, view(true));
        assert_eq!(
            thaw.snapshot_device_name("C:\\"),
            Err(Hresult::VSS_E_BAD_STATE)
        );
        let mut post = HandlerContext::new(WriterEvent::PostSnapshot, view(true));
        assert!(post
            .snapshot_device_name("c:\\")
            .unwrap()
            .contains("ShadowCopy1"));
        assert_eq!(
            post.snapshot_device_name("D:\\"),
            Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
        );
        assert_eq!(post.snapshot_device_name(""), Err(Hresult::E_INVALIDARG));
        assert_eq!(post.is_path_affected("C:\\db\\log.ldf"), Ok(true));
    }

    #[test]
    fn spent_time_accumulates() {
        let mut ctx = HandlerContext::new(WriterEvent::PrepareForSnapshot, view(true));
        ctx.spend_ms(10);
        ctx.spend_ms(u64::MAX);
        assert_eq!(ctx.into_effects().spent_ms, u64::MAX);
    }
}
