//! The one interpreter of requester programs: it runs [`ProgramStep`]s on a machine through the
//! dynamic API, resolving each step's references (operations, components, shadow copies) when
//! the step runs, and records what each step returned and read.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::program::{ComponentRef, Mangle, OpRef, SnapshotRef, StatusRows, Step};
use super::{FaultInjector, MachineFault, ProgramStep, RequesterFault};
use crate::requester::{DynBackupComponents, Vss};
use crate::trace::UserCode;
use crate::vocab::{
    minted_uuid, Bound, Call, ComponentKey, ComponentType, FileRestoreStatus, Hresult, IdKind,
    OpNo, ProviderId, Reply, SnapshotId, WriterClassId, WriterInstanceId, WriterMetadataView,
};
use crate::writer::Outcome;

/// A scripted writer's stuck failure ([`ScriptedWriter::stuck`](crate::writer::ScriptedWriter)).
pub(crate) type StuckFailure = Rc<Cell<Option<Outcome>>>;

/// What one program step returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    /// The step's index in the program.
    pub index: usize,
    /// The requester that ran it.
    pub requester: u32,
    /// What it returned (`Wait`: the operation's status); `None` when it did not run (its
    /// requester was gone, a fault replaced it) or a bound stopped it.
    pub hr: Option<Hresult>,
    /// The run bound that stopped a `Wait` or `Sleep`, if one did (rule `BOUND`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<Bound>,
    /// The requester fault injected instead of the step, if any.
    pub fault: Option<RequesterFault>,
    /// `GetWriterStatus`: the rows the requester read (none when the calls failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusRows>,
    /// `GetWriterMetadata`: the writers whose metadata the requester read, by name, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<String>>,
    /// `SelectComponentsInSet`: DiskShadow's message for each component left out because a
    /// volume it needs is not in the set (field failure 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Vec<String>>,
}

impl StepResult {
    fn new(index: usize, requester: u32) -> Self {
        Self {
            index,
            requester,
            hr: None,
            bound: None,
            fault: None,
            status: None,
            metadata: None,
            excluded: None,
        }
    }
}

/// What the interpreter knows of the machine besides what requesters read: the writers' class
/// ids by name (for steps that name writers), their stuck failures (for `RestartWriter`), and
/// which of them the VSS service hosts (for `RestartService`).
#[derive(Default)]
pub(crate) struct Machine<'s> {
    pub(crate) classes: BTreeMap<&'s str, WriterClassId>,
    pub(crate) stuck: BTreeMap<&'s str, Vec<StuckFailure>>,
    pub(crate) hosted_by_vss: std::collections::BTreeSet<&'s str>,
}

/// Runs programs on one machine.
pub(crate) struct Interpreter<'a> {
    vss: &'a Vss,
    machine: Machine<'a>,
    faults: &'a FaultInjector,
    requesters: Vec<Requester>,
    /// Every operation any requester started, in order (for [`OpRef::Nth`]).
    ops: Vec<OpNo>,
    /// The document the run's last `SaveAsXml` step saved (for `InitializeForRestore`).
    saved_bcd: Option<String>,
}

/// One requester object and what it remembers.
struct Requester {
    bc: DynBackupComponents,
    last_op: Option<OpNo>,
    last_snapshot: Option<SnapshotId>,
    /// The set its last `StartSnapshotSet` started.
    last_set: Option<crate::vocab::SnapshotSetId>,
    /// The writer metadata it read last (`GetWriterMetadata`).
    metadata: Option<Vec<WriterMetadataView>>,
}

impl<'a> Interpreter<'a> {
    /// An interpreter with `requesters` requester objects, created now, in order: requester `n`
    /// is session `n`.
    pub(crate) fn new(
        vss: &'a Vss,
        machine: Machine<'a>,
        faults: &'a FaultInjector,
        requesters: u32,
    ) -> Self {
        let requesters = (0..requesters)
            .map(|_| Requester {
                bc: vss.dynamic(),
                last_op: None,
                last_snapshot: None,
                last_set: None,
                metadata: None,
            })
            .collect();
        Self {
            vss,
            machine,
            faults,
            requesters,
            ops: Vec::new(),
            saved_bcd: None,
        }
    }

    /// The number of requester objects `steps` needs: one past the largest number a requester
    /// step names (`RestartWriter` is not a requester's).
    pub(crate) fn requesters_needed(steps: &[ProgramStep]) -> u32 {
        steps
            .iter()
            .filter(|s| !s.step.is_host_step())
            .map(|s| s.requester)
            .max()
            .map_or(0, |max| max.saturating_add(1))
    }

    /// Runs `steps` in order.
    pub(crate) fn run(&mut self, steps: &[ProgramStep]) -> Vec<StepResult> {
        steps
            .iter()
            .enumerate()
            .map(|(index, step)| {
                let result = self.step(index, step);
                for panic in self.faults.take_panics() {
                    self.vss.record_user_panic(UserCode::Decider, &panic);
                }
                result
            })
            .collect()
    }

    fn step(&mut self, index: usize, program_step: &ProgramStep) -> StepResult {
        let requester = program_step.requester;
        let mut result = StepResult::new(index, requester);
        let step_no = u32::try_from(index).unwrap_or(u32::MAX);
        if let Some(fault) = self.faults.machine_fault(step_no) {
            self.machine_fault(&fault);
        }
        match &program_step.step {
            Step::RestartWriter { writer } => {
                result.hr = Some(self.restart(writer));
                return result;
            }
            Step::RestartService => {
                self.restart_service();
                result.hr = Some(Hresult::S_OK);
                return result;
            }
            Step::StopWriter { writer } => {
                result.hr = Some(self.stop_or_start(writer, true));
                return result;
            }
            Step::StartWriter { writer } => {
                result.hr = Some(self.stop_or_start(writer, false));
                return result;
            }
            Step::WriteToVolume { volume, bytes } => {
                result.hr = Some(match self.vss.write_to_volume(volume, *bytes) {
                    Ok(_) => Hresult::S_OK,
                    Err(hr) => hr,
                });
                return result;
            }
            Step::SetSignal { signal } => {
                self.vss.set_signal(signal.clone());
                result.hr = Some(Hresult::S_OK);
                return result;
            }
            Step::ResetSignal { signal } => {
                self.vss.reset_signal(signal.clone());
                result.hr = Some(Hresult::S_OK);
                return result;
            }
            Step::WaitSignal { signal, timeout_ms } => {
                match self.vss.wait_signal(signal.clone(), *timeout_ms) {
                    Ok(crate::vocab::WaitEnd::Signalled) => result.hr = Some(Hresult::S_OK),
                    Ok(crate::vocab::WaitEnd::TimedOut) => result.hr = Some(Hresult::S_FALSE),
                    Err(bound) => result.bound = Some(bound),
                }
                return result;
            }
            _ => {}
        }
        let slot = requester as usize;
        if self.requesters.get(slot).is_none_or(|r| r.bc.is_released()) {
            return result;
        }
        if let Some(fault) = self.faults.requester_fault(requester, step_no) {
            self.inject(slot, fault);
            result.fault = Some(fault);
            return result;
        }
        self.perform(slot, &program_step.step, &mut result);
        result
    }

    /// An administrator restarts writer `name`'s service (field failure 17).
    /// An administrator restarts the service of every writer named `name`: VSS's view of it
    /// (`Vss::restart_writer`) and the failure stuck to the scripted writer itself.
    fn restart(&self, name: &str) -> Hresult {
        match self.machine.stuck.get(name) {
            Some(instances) => {
                instances.iter().for_each(|stuck| stuck.set(None));
                for instance in self.vss.writer_instances(name) {
                    let _ = self.vss.restart_writer(instance);
                }
                Hresult::S_OK
            }
            None => Hresult::E_INVALIDARG,
        }
    }

    /// A machine fault (issue 12 part 6), before a program step.
    fn machine_fault(&self, fault: &MachineFault) {
        let _ = match fault {
            MachineFault::StopWriter(name) => self.stop_or_start(name, true),
            MachineFault::StartWriter(name) => self.stop_or_start(name, false),
            MachineFault::RestartWriter(name) => self.restart(name),
            MachineFault::RestartService => {
                self.restart_service();
                Hresult::S_OK
            }
        };
    }

    /// The VSS service restarts (`Vss::restart_service`); the writers it hosts forget a failure
    /// stuck to them, as after a restart of their own service.
    fn restart_service(&self) {
        self.vss.restart_service();
        for name in &self.machine.hosted_by_vss {
            if let Some(instances) = self.machine.stuck.get(name) {
                instances.iter().for_each(|stuck| stuck.set(None));
            }
        }
    }

    /// Stops (or starts) every instance of the writer `name`; a process that starts again has
    /// forgotten a stuck failure. `E_INVALIDARG` for an unknown name.
    fn stop_or_start(&self, name: &str, stop: bool) -> Hresult {
        if !self.machine.classes.contains_key(name) {
            return Hresult::E_INVALIDARG;
        }
        let stuck = self.machine.stuck.get(name);
        // A process that starts again has forgotten its stuck failure; a running one keeps it.
        for (index, instance) in self.vss.writer_instances(name).into_iter().enumerate() {
            if stop {
                let _ = self.vss.stop_writer(instance);
            } else if self.vss.start_writer(instance) == Ok(true) {
                if let Some(failure) = stuck.and_then(|s| s.get(index)) {
                    failure.set(None);
                }
            }
        }
        Hresult::S_OK
    }

    fn inject(&mut self, slot: usize, fault: RequesterFault) {
        let requester = &mut self.requesters[slot];
        let bc = &mut requester.bc;
        match fault {
            RequesterFault::Crash => drop(bc.call(Call::Crash)),
            RequesterFault::Release => drop(bc.call(Call::Release)),
            RequesterFault::AbortBackup => {
                let _ = bc.call(Call::AbortBackup);
                let _ = bc.call(Call::Release);
            }
            RequesterFault::Cancel => {
                if let Some(op) = requester.last_op {
                    let _ = bc.call(Call::Cancel { op });
                }
            }
        }
    }

    /// Performs `step` for requester `slot`, putting what it returned and read into `result`.
    fn perform(&mut self, slot: usize, step: &Step, result: &mut StepResult) {
        let call = match step {
            Step::Sleep { ms } => {
                result.bound = self.vss.advance_ms(*ms);
                if result.bound.is_none() {
                    result.hr = Some(Hresult::S_OK);
                }
                return;
            }
            Step::GetWriterMetadata { .. } => {
                let hr = self.read_metadata(slot);
                let read = self.requesters[slot].metadata.iter().flatten();
                let names = read.map(|v| v.identity.name.clone());
                result.metadata = Some(if hr.is_failure() {
                    Vec::new()
                } else {
                    names.collect()
                });
                result.hr = Some(hr);
                return;
            }
            Step::GetWriterStatus { .. } => {
                let (hr, rows) = self.read_status(slot);
                result.hr = Some(hr);
                result.status = Some(rows);
                return;
            }
            Step::SelectAllComponents => {
                result.hr = Some(self.select(slot, None));
                return;
            }
            Step::SelectComponents { writers } => {
                result.hr = Some(self.select(slot, Some(writers)));
                return;
            }
            Step::SelectComponentsInSet => {
                let (hr, excluded) = self.select_in_set(slot);
                result.hr = Some(hr);
                result.excluded = excluded;
                return;
            }
            Step::SaveAsXml => {
                match self.requesters[slot].bc.save_as_xml() {
                    Ok(xml) => {
                        self.saved_bcd = Some(xml);
                        result.hr = Some(Hresult::S_OK);
                    }
                    Err(hr) => result.hr = Some(hr),
                }
                return;
            }
            Step::SelectAllForRestore => {
                result.hr = Some(self.select_for_restore(slot, None));
                return;
            }
            Step::HandBackStamps => {
                result.hr = Some(self.hand_back_stamps(slot));
                return;
            }
            Step::SetAdditionalRestores { additional } => {
                let additional = *additional;
                result.hr = Some(self.each_restored_component(
                    slot,
                    |key| Call::SetAdditionalRestores {
                        component: key,
                        additional,
                    },
                    |_| true,
                    |component| component.selected_for_restore == Some(true),
                ));
                return;
            }
            Step::AddNewTargets { path } => {
                let path = path.clone();
                result.hr = Some(self.each_restored_component(
                    slot,
                    |key| Call::AddNewTarget {
                        component: key,
                        target: crate::vocab::FileDescriptor::new(path.clone(), "*").recursive(),
                    },
                    |_| true,
                    |component| component.selected_for_restore == Some(true),
                ));
                return;
            }
            Step::SelectForRestore { writers } => {
                result.hr = Some(self.select_for_restore(slot, Some(writers)));
                return;
            }
            Step::SetFileRestoreStatus {
                component: None,
                status,
            } => {
                result.hr = Some(self.restore_status_of_all(slot, *status));
                return;
            }
            Step::RestartWriter { .. }
            | Step::StopWriter { .. }
            | Step::StartWriter { .. }
            | Step::WriteToVolume { .. }
            | Step::SetSignal { .. }
            | Step::ResetSignal { .. }
            | Step::WaitSignal { .. } => return,
            other => self.call_for(slot, other),
        };
        match self.requesters[slot].bc.call(call) {
            Ok(reply) => self.note_reply(slot, reply, result),
            Err(hr) => result.hr = Some(hr),
        }
    }

    /// The one dynamic-API call a plain step makes.
    fn call_for(&mut self, slot: usize, step: &Step) -> Call {
        match step {
            Step::InitializeForBackup => Call::InitializeForBackup,
            Step::SetContext { context } => Call::SetContext { context: *context },
            Step::SetBackupState(state) => Call::SetBackupState(*state),
            Step::EnableWriterClasses { classes } => Call::EnableWriterClasses {
                classes: classes.clone(),
            },
            Step::DisableWriterClasses { classes } => Call::DisableWriterClasses {
                classes: classes.clone(),
            },
            Step::EnableWriters { writers } => Call::EnableWriterClasses {
                classes: self.classes_of(writers),
            },
            Step::DisableWriters { writers } => Call::DisableWriterClasses {
                classes: self.classes_of(writers),
            },
            Step::GatherWriterMetadata => Call::GatherWriterMetadata,
            Step::GetWriterMetadataCount => Call::WriterMetadataCount,
            Step::GetWriterMetadataAt { index } => Call::WriterMetadata { index: *index },
            Step::FreeWriterMetadata => Call::FreeWriterMetadata,
            Step::AddComponent { component } => Call::AddComponent(self.component(slot, component)),
            Step::StartSnapshotSet => Call::StartSnapshotSet,
            Step::AddToSnapshotSet { volume, provider } => Call::AddToSnapshotSet {
                volume: volume.clone(),
                provider: provider.unwrap_or(ProviderId::NULL),
            },
            Step::PrepareForBackup => Call::PrepareForBackup,
            Step::DoSnapshotSet => Call::DoSnapshotSet,
            Step::IsVolumeSupported { volume, provider } => Call::IsVolumeSupported {
                provider: provider.unwrap_or(ProviderId::NULL),
                volume: volume.clone(),
            },
            Step::Query => Call::Query,
            Step::DeleteSnapshots { snapshot } => Call::DeleteSnapshots {
                id: self.snapshot(slot, *snapshot).0,
                object: crate::vocab::ObjectType::VSS_OBJECT_SNAPSHOT,
                force: false,
            },
            Step::GetSnapshotProperties { snapshot } => Call::SnapshotProperties {
                snapshot: self.snapshot(slot, *snapshot),
            },
            Step::ExposeSnapshot {
                snapshot,
                expose,
                remotely,
            } => Call::ExposeSnapshot {
                snapshot: self.snapshot(slot, *snapshot),
                path_from_root: None,
                attributes: if *remotely {
                    crate::vocab::Attributes::EXPOSED_REMOTELY.0
                } else {
                    crate::vocab::Attributes::EXPOSED_LOCALLY.0
                },
                expose: expose.clone(),
            },
            Step::UnexposeSnapshot { snapshot } => Call::UnexposeSnapshot {
                snapshot: self.snapshot(slot, *snapshot),
            },
            Step::RevertToSnapshot {
                snapshot,
                force_dismount,
            } => Call::RevertToSnapshot {
                snapshot: self.snapshot(slot, *snapshot),
                force_dismount: *force_dismount,
            },
            Step::QueryRevertStatus { volume } => Call::QueryRevertStatus {
                volume: volume.clone(),
            },
            Step::BreakSnapshotSet => Call::BreakSnapshotSet {
                set: self.requesters[slot]
                    .last_set
                    .unwrap_or(crate::vocab::SnapshotSetId::NULL),
            },
            Step::SetBackupSucceeded {
                component,
                succeeded,
            } => Call::SetBackupSucceeded {
                component: self.component(slot, component),
                succeeded: *succeeded,
            },
            Step::BackupComplete => Call::BackupComplete,
            Step::AbortBackup => Call::AbortBackup,
            Step::GatherWriterStatus => Call::GatherWriterStatus,
            Step::GetWriterStatusCount => Call::WriterStatusCount,
            Step::GetWriterStatusAt { index } => Call::WriterStatus { index: *index },
            Step::FreeWriterStatus => Call::FreeWriterStatus,
            Step::Wait { op, timeout_ms } => Call::Wait {
                op: self.op(slot, *op),
                timeout_ms: *timeout_ms,
            },
            Step::QueryStatus { op } => Call::QueryStatus {
                op: self.op(slot, *op),
            },
            Step::Cancel { op } => Call::Cancel {
                op: self.op(slot, *op),
            },
            Step::Release => Call::Release,
            Step::InitializeForRestore { bcd } => Call::InitializeForRestore {
                bcd: bcd
                    .clone()
                    .or_else(|| self.saved_bcd.clone())
                    .unwrap_or_default(),
            },
            Step::InitializeForBackupFrom { bcd } => Call::InitializeForBackupFrom {
                bcd: bcd
                    .clone()
                    .or_else(|| self.saved_bcd.clone())
                    .unwrap_or_default(),
            },
            Step::ImportSnapshots => Call::ImportSnapshots,
            Step::SetSelectedForRestore {
                component,
                selected,
            } => Call::SetSelectedForRestore {
                component: self.component(slot, component),
                selected: *selected,
            },
            Step::SetRestoreState { restore_type } => Call::SetRestoreState {
                restore_type: *restore_type,
            },
            Step::PreRestore => Call::PreRestore,
            Step::SetFileRestoreStatus {
                component: Some(component),
                status,
            } => Call::SetFileRestoreStatus {
                component: self.component(slot, component),
                status: *status,
            },
            Step::PostRestore => Call::PostRestore,
            // Handled in `perform`, and answered before any call is made.
            Step::Crash
            | Step::Sleep { .. }
            | Step::GetWriterMetadata { .. }
            | Step::GetWriterStatus { .. }
            | Step::SelectAllComponents
            | Step::SelectComponents { .. }
            | Step::SelectComponentsInSet
            | Step::SaveAsXml
            | Step::HandBackStamps
            | Step::SetAdditionalRestores { .. }
            | Step::AddNewTargets { .. }
            | Step::SelectAllForRestore
            | Step::SelectForRestore { .. }
            | Step::SetFileRestoreStatus {
                component: None, ..
            }
            | Step::RestartWriter { .. }
            | Step::RestartService
            | Step::StopWriter { .. }
            | Step::StartWriter { .. }
            | Step::WriteToVolume { .. }
            | Step::SetSignal { .. }
            | Step::ResetSignal { .. }
            | Step::WaitSignal { .. } => Call::Crash,
        }
    }

    /// What a successful call's reply means for the requester and the step's result.
    fn note_reply(&mut self, slot: usize, reply: Reply, result: &mut StepResult) {
        let requester = &mut self.requesters[slot];
        result.hr = Some(match reply {
            Reply::Async(op) => {
                requester.last_op = Some(op);
                self.ops.push(op);
                Hresult::S_OK
            }
            Reply::Snapshot(id) => {
                requester.last_snapshot = Some(id);
                Hresult::S_OK
            }
            Reply::SnapshotSet(id) => {
                requester.last_set = Some(id);
                Hresult::S_OK
            }
            // Wait, QueryStatus and Cancel: the operation's status is what a requester acts on.
            Reply::Status(status) => status,
            Reply::BoundReached(bound) => {
                result.bound = Some(bound);
                return;
            }
            _ => Hresult::S_OK,
        });
    }

    fn op(&self, slot: usize, op: OpRef) -> OpNo {
        const UNKNOWN: OpNo = OpNo(u32::MAX);
        match op {
            OpRef::Last => self.requesters[slot].last_op.unwrap_or(UNKNOWN),
            OpRef::Nth(n) => self.ops.get(n as usize).copied().unwrap_or(UNKNOWN),
            OpRef::Raw(raw) => OpNo(raw),
        }
    }

    fn snapshot(&self, slot: usize, snapshot: SnapshotRef) -> SnapshotId {
        match snapshot {
            SnapshotRef::Last => self.requesters[slot].last_snapshot.unwrap_or_default(),
            SnapshotRef::Null => SnapshotId::NULL,
            SnapshotRef::Minted(n) => SnapshotId(minted_uuid(IdKind::Snapshot, u64::from(n))),
        }
    }

    fn classes_of(&self, writers: &[String]) -> Vec<WriterClassId> {
        writers
            .iter()
            .filter_map(|name| self.machine.classes.get(name.as_str()).copied())
            .collect()
    }

    /// `GetWriterMetadataCount` and `GetWriterMetadata` for every writer; the requester keeps
    /// what it read (after a failure, what it read before). The first failure.
    fn read_metadata(&mut self, slot: usize) -> Hresult {
        let requester = &mut self.requesters[slot];
        match requester.bc.writer_metadata() {
            Ok(views) => {
                requester.metadata = Some(views);
                Hresult::S_OK
            }
            Err(hr) => hr,
        }
    }

    /// What the requester read of writer metadata, reading it now if it has not.
    fn metadata(&mut self, slot: usize) -> &[WriterMetadataView] {
        if self.requesters[slot].metadata.is_none() {
            let _ = self.read_metadata(slot);
        }
        self.requesters[slot]
            .metadata
            .as_deref()
            .unwrap_or_default()
    }

    /// `GetWriterStatusCount` and `GetWriterStatus` for every row (R29): the first failure and
    /// the rows read before it.
    fn read_status(&mut self, slot: usize) -> (Hresult, StatusRows) {
        let bc = &mut self.requesters[slot].bc;
        match bc.writer_status_rows() {
            Ok(rows) => {
                let rows = rows
                    .into_iter()
                    .map(|s| (s.name, (s.state, s.failure)))
                    .collect();
                (Hresult::S_OK, rows)
            }
            Err(hr) => (hr, StatusRows::new()),
        }
    }

    /// `AddComponent` for what backs up the named writers (all when `None`): their components
    /// with no selectable ancestor (R110),
    /// from the metadata the requester reads now; the first failure.
    fn select(&mut self, slot: usize, writers: Option<&Vec<String>>) -> Hresult {
        let hr = self.read_metadata(slot);
        if hr.is_failure() {
            return hr;
        }
        let keys: Vec<ComponentKey> = self
            .metadata(slot)
            .iter()
            .filter(|v| writers.is_none_or(|names| names.contains(&v.identity.name)))
            .flat_map(|v| v.explicit_components().cloned().collect::<Vec<_>>())
            .collect();
        self.add_components(slot, keys)
    }

    /// `AddComponent` for each of `keys`: the first failure.
    fn add_components(&mut self, slot: usize, keys: Vec<ComponentKey>) -> Hresult {
        let mut first_error = Hresult::S_OK;
        for key in keys {
            if let Err(hr) = self.requesters[slot].bc.call(Call::AddComponent(key)) {
                if first_error == Hresult::S_OK {
                    first_error = hr;
                }
            }
        }
        first_error
    }

    /// DiskShadow's selection by the set's volumes (field failure 24): the first failure, and
    /// the message for each component left out.
    fn select_in_set(&mut self, slot: usize) -> (Hresult, Option<Vec<String>>) {
        let hr = self.read_metadata(slot);
        if hr.is_failure() {
            return (hr, None);
        }
        let vss = self.requesters[slot].bc.vss().clone();
        let in_set = self.requesters[slot].bc.set_volumes();
        let selection =
            crate::requester::select_by_set_volumes(&vss, self.metadata(slot), &in_set, |_| true);
        let excluded = selection.excluded.iter().map(ToString::to_string).collect();
        (self.add_components(slot, selection.added), Some(excluded))
    }

    /// `SetSelectedForRestore(…, true)` for every component of the named writers (all when
    /// `None`) in the restore document (`GetWriterComponents`); the first failure.
    fn select_for_restore(&mut self, slot: usize, writers: Option<&Vec<String>>) -> Hresult {
        let classes = writers.map(|names| self.classes_of(names));
        self.each_restored_component(
            slot,
            |key| Call::SetSelectedForRestore {
                component: key,
                selected: true,
            },
            |entry| {
                classes
                    .as_ref()
                    .is_none_or(|c| c.contains(&entry.writer_id))
            },
            |_| true,
        )
    }

    /// `SetPreviousBackupStamp` for every component of the run's last saved document with a
    /// backup stamp; the first failure (`VSS_E_OBJECT_NOT_FOUND` with no saved document).
    fn hand_back_stamps(&mut self, slot: usize) -> Hresult {
        let Some(saved) = self
            .saved_bcd
            .as_deref()
            .and_then(|xml| crate::xml::bcd::load(xml).ok())
        else {
            return Hresult::VSS_E_OBJECT_NOT_FOUND;
        };
        let mut first_error = Hresult::S_OK;
        for entry in &saved.writers {
            for component in &entry.components {
                let Some(stamp) = component.backup_stamp.clone() else {
                    continue;
                };
                let call = Call::SetPreviousBackupStamp {
                    component: entry.key(component),
                    stamp,
                };
                if let Err(hr) = self.requesters[slot].bc.call(call) {
                    if first_error == Hresult::S_OK {
                        first_error = hr;
                    }
                }
            }
        }
        first_error
    }

    /// `SetFileRestoreStatus(status)` for every component selected for restore in the
    /// document; the first failure.
    fn restore_status_of_all(&mut self, slot: usize, status: FileRestoreStatus) -> Hresult {
        self.each_restored_component(
            slot,
            |key| Call::SetFileRestoreStatus {
                component: key,
                status,
            },
            |_| true,
            |component| component.selected_for_restore == Some(true),
        )
    }

    /// `call(key)` for each component (`GUID_NULL` instance: the class) of the document's
    /// writer entries `entry_filter` takes that `component_filter` takes; the first failure.
    fn each_restored_component(
        &mut self,
        slot: usize,
        call: impl Fn(ComponentKey) -> Call,
        entry_filter: impl Fn(&crate::vocab::WriterComponents) -> bool,
        component_filter: impl Fn(&crate::vocab::BackupComponent) -> bool,
    ) -> Hresult {
        let bc = &mut self.requesters[slot].bc;
        let entries = match bc.writer_components() {
            Ok(entries) => entries,
            Err(hr) => return hr,
        };
        let keys: Vec<ComponentKey> = entries
            .iter()
            .filter(|entry| entry_filter(entry))
            .flat_map(|entry| {
                entry
                    .components
                    .iter()
                    .filter(|c| component_filter(c))
                    .map(|c| ComponentKey {
                        instance_id: WriterInstanceId::NULL,
                        ..entry.key(c)
                    })
            })
            .collect();
        let mut first_error = Hresult::S_OK;
        for key in keys {
            if let Err(hr) = bc.call(call(key)) {
                if first_error == Hresult::S_OK {
                    first_error = hr;
                }
            }
        }
        first_error
    }

    /// The key a component reference names for requester `slot`.
    fn component(&mut self, slot: usize, component: &ComponentRef) -> ComponentKey {
        match component {
            ComponentRef::Named {
                writer,
                logical_path,
                name,
            } => self.named_component(slot, writer, logical_path.clone(), name),
            ComponentRef::Declared { declared, mangle } => {
                let mut key = self.declared_component(slot, *declared);
                if let Some(mangle) = mangle {
                    damage(&mut key, *mangle);
                }
                key
            }
        }
    }

    fn named_component(
        &mut self,
        slot: usize,
        writer: &str,
        logical_path: Option<String>,
        name: &str,
    ) -> ComponentKey {
        let class = self
            .machine
            .classes
            .get(writer)
            .copied()
            .unwrap_or_default();
        let read = self
            .metadata(slot)
            .iter()
            .find(|v| v.identity.name == writer);
        let declared = read.and_then(|v| {
            v.components
                .iter()
                .find(|c| c.key.name == name && c.key.logical_path == logical_path)
        });
        match (read, declared) {
            (_, Some(component)) => component.key.clone(),
            (Some(view), None) => ComponentKey {
                instance_id: view.identity.instance_id,
                writer_id: view.identity.writer_id,
                component_type: ComponentType::VSS_CT_DATABASE,
                logical_path,
                name: name.to_owned(),
            },
            (None, None) => ComponentKey {
                instance_id: WriterInstanceId::NULL,
                writer_id: class,
                component_type: ComponentType::VSS_CT_DATABASE,
                logical_path,
                name: name.to_owned(),
            },
        }
    }

    /// The `index`-th selectable component the requester read (modulo their number), or, with
    /// none to read, a made-up component of the `index`-th writer class.
    fn declared_component(&mut self, slot: usize, index: u32) -> ComponentKey {
        let keys: Vec<&ComponentKey> = self
            .metadata(slot)
            .iter()
            .flat_map(WriterMetadataView::selectable_components)
            .collect();
        if let Some(key) = keys.get(index as usize % keys.len().max(1)) {
            return (*key).clone();
        }
        let classes: Vec<(&&str, &WriterClassId)> = self.machine.classes.iter().collect();
        let (name, class) = classes
            .get(index as usize % classes.len().max(1))
            .map_or((String::from("W0"), WriterClassId::NULL), |(n, c)| {
                ((**n).to_owned(), **c)
            });
        ComponentKey {
            instance_id: WriterInstanceId::NULL,
            writer_id: class,
            component_type: ComponentType::VSS_CT_DATABASE,
            logical_path: None,
            name,
        }
    }
}

/// Damages `key` as `mangle` says.
fn damage(key: &mut ComponentKey, mangle: Mangle) {
    match mangle {
        Mangle::NullInstance => key.instance_id = WriterInstanceId::NULL,
        Mangle::UnknownName => key.name = "NoSuchComponent".into(),
        Mangle::WrongType => {
            key.component_type = match key.component_type {
                ComponentType::VSS_CT_FILEGROUP => ComponentType::VSS_CT_DATABASE,
                _ => ComponentType::VSS_CT_FILEGROUP,
            }
        }
        Mangle::LogicalPath => key.logical_path = Some("NoSuch\\Path".into()),
        Mangle::UnknownWriter => key.writer_id = WriterClassId::from_u128(0x0056_535f_4e4f_4e45),
    }
}
