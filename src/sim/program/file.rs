//! The file form of a program step: one flat table whose `call` names the step, with its
//! arguments, `requester` and `expect` beside it. A key the step does not take is an error, so a
//! misspelt argument (`requestor = 5`) cannot be skipped silently.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ComponentRef, OpRef, ProgramStep, SnapshotRef, StatusRows, Step};
use crate::vocab::{
    BackupState, BackupType, FileRestoreStatus, Hresult, ProviderId, RestoreType, SignalName,
    WriterClassId,
};

macro_rules! step_names {
    ($($name:ident),* $(,)?) => {
        /// The `call` of a step table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        enum StepName { $($name),* }

        impl StepName {
            const fn as_str(self) -> &'static str {
                match self { $(Self::$name => stringify!($name)),* }
            }
        }
    };
}

step_names!(
    InitializeForBackup,
    SetContext,
    SetBackupState,
    EnableWriterClasses,
    DisableWriterClasses,
    EnableWriters,
    DisableWriters,
    GatherWriterMetadata,
    GetWriterMetadataCount,
    GetWriterMetadata,
    GetWriterMetadataAt,
    FreeWriterMetadata,
    SelectAllComponents,
    SelectComponents,
    SelectComponentsInSet,
    AddComponent,
    StartSnapshotSet,
    AddToSnapshotSet,
    IsVolumeSupported,
    PrepareForBackup,
    DoSnapshotSet,
    GetSnapshotProperties,
    Query,
    DeleteSnapshots,
    ExposeSnapshot,
    UnexposeSnapshot,
    BreakSnapshotSet,
    RevertToSnapshot,
    QueryRevertStatus,
    SetBackupSucceeded,
    BackupComplete,
    AbortBackup,
    SaveAsXml,
    InitializeForRestore,
    InitializeForBackupFrom,
    ImportSnapshots,
    SelectAllForRestore,
    SelectForRestore,
    SetSelectedForRestore,
    SetRestoreState,
    SetAdditionalRestores,
    AddNewTargets,
    PreRestore,
    SetFileRestoreStatus,
    PostRestore,
    HandBackStamps,
    GatherWriterStatus,
    GetWriterStatusCount,
    GetWriterStatus,
    GetWriterStatusAt,
    FreeWriterStatus,
    Wait,
    QueryStatus,
    Cancel,
    Sleep,
    Release,
    Crash,
    RestartWriter,
    RestartService,
    StopWriter,
    StartWriter,
    WriteToVolume,
    SetSignal,
    ResetSignal,
    WaitSignal,
);

/// Every key any step table may hold.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    call: Option<StepName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requester: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect: Option<Hresult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    select_components: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bootable_system_state: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_type: Option<BackupType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partial_file_support: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classes: Option<Vec<WriterClassId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect_writers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    component: Option<ComponentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    volume: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<ProviderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    snapshot: Option<SnapshotRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    succeeded: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect_rows: Option<StatusRows>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    op: Option<OpRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signal: Option<SignalName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    remotely: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    force_dismount: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bcd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    selected: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restore_type: Option<RestoreType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<FileRestoreStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    additional: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl RawStep {
    /// The keys still set, by name: what the step did not take.
    fn leftovers(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut check = |set: bool, key: &'static str| {
            if set {
                keys.push(key);
            }
        };
        check(self.context.is_some(), "context");
        check(self.select_components.is_some(), "select_components");
        check(
            self.bootable_system_state.is_some(),
            "bootable_system_state",
        );
        check(self.backup_type.is_some(), "backup_type");
        check(self.partial_file_support.is_some(), "partial_file_support");
        check(self.classes.is_some(), "classes");
        check(self.writers.is_some(), "writers");
        check(self.expect_writers.is_some(), "expect_writers");
        check(self.index.is_some(), "index");
        check(self.component.is_some(), "component");
        check(self.volume.is_some(), "volume");
        check(self.provider.is_some(), "provider");
        check(self.snapshot.is_some(), "snapshot");
        check(self.succeeded.is_some(), "succeeded");
        check(self.expect_rows.is_some(), "expect_rows");
        check(self.op.is_some(), "op");
        check(self.timeout_ms.is_some(), "timeout_ms");
        check(self.ms.is_some(), "ms");
        check(self.writer.is_some(), "writer");
        check(self.signal.is_some(), "signal");
        check(self.expose.is_some(), "expose");
        check(self.remotely.is_some(), "remotely");
        check(self.force_dismount.is_some(), "force_dismount");
        check(self.bytes.is_some(), "bytes");
        check(self.bcd.is_some(), "bcd");
        check(self.selected.is_some(), "selected");
        check(self.restore_type.is_some(), "restore_type");
        check(self.status.is_some(), "status");
        check(self.additional.is_some(), "additional");
        check(self.path.is_some(), "path");
        keys
    }
}

/// `raw.<key>.take()`, or an error naming the step and the missing key.
fn required<T>(value: Option<T>, call: StepName, key: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("`{}` needs `{key}`", call.as_str()))
}

impl TryFrom<RawStep> for ProgramStep {
    type Error = String;

    fn try_from(mut raw: RawStep) -> Result<Self, String> {
        use StepName as N;
        let call = raw
            .call
            .ok_or_else(|| "a step needs `call`, the name of the step".to_owned())?;
        let step = match call {
            N::InitializeForBackup
            | N::SetContext
            | N::SetBackupState
            | N::EnableWriterClasses
            | N::DisableWriterClasses
            | N::EnableWriters
            | N::DisableWriters => setup_step(call, &mut raw)?,
            N::GatherWriterMetadata
            | N::GetWriterMetadataCount
            | N::GetWriterMetadata
            | N::GetWriterMetadataAt
            | N::FreeWriterMetadata
            | N::SelectAllComponents
            | N::SelectComponents
            | N::SelectComponentsInSet
            | N::AddComponent => metadata_step(call, &mut raw)?,
            N::StartSnapshotSet
            | N::AddToSnapshotSet
            | N::IsVolumeSupported
            | N::PrepareForBackup
            | N::DoSnapshotSet
            | N::GetSnapshotProperties
            | N::Query
            | N::DeleteSnapshots
            | N::ExposeSnapshot
            | N::UnexposeSnapshot
            | N::BreakSnapshotSet
            | N::RevertToSnapshot
            | N::QueryRevertStatus
            | N::SetBackupSucceeded
            | N::BackupComplete
            | N::AbortBackup => backup_step(call, &mut raw)?,
            N::SaveAsXml
            | N::InitializeForRestore
            | N::InitializeForBackupFrom
            | N::ImportSnapshots
            | N::SelectAllForRestore
            | N::SelectForRestore
            | N::SetSelectedForRestore
            | N::SetRestoreState
            | N::SetAdditionalRestores
            | N::AddNewTargets
            | N::PreRestore
            | N::SetFileRestoreStatus
            | N::PostRestore
            | N::HandBackStamps => restore_step(call, &mut raw)?,
            N::GatherWriterStatus
            | N::GetWriterStatusCount
            | N::GetWriterStatus
            | N::GetWriterStatusAt
            | N::FreeWriterStatus => status_step(call, &mut raw)?,
            N::Wait
            | N::QueryStatus
            | N::Cancel
            | N::Sleep
            | N::Release
            | N::Crash
            | N::RestartWriter
            | N::RestartService
            | N::StopWriter
            | N::StartWriter
            | N::WriteToVolume
            | N::SetSignal
            | N::ResetSignal
            | N::WaitSignal => other_step(call, &mut raw)?,
        };
        if let Some(key) = raw.leftovers().first() {
            return Err(format!("`{key}` is not an argument of `{}`", call.as_str()));
        }
        Ok(Self {
            requester: raw.requester.unwrap_or(0),
            step,
            expect: raw.expect,
        })
    }
}

/// Initialization, context, backup state and writer filters.
fn setup_step(call: StepName, raw: &mut RawStep) -> Result<Step, String> {
    use StepName as N;
    Ok(match call {
        N::InitializeForBackup => Step::InitializeForBackup,
        N::SetContext => Step::SetContext {
            context: required(raw.context.take(), call, "context")?,
        },
        N::SetBackupState => {
            let default = BackupState::default();
            Step::SetBackupState(BackupState {
                select_components: raw
                    .select_components
                    .take()
                    .unwrap_or(default.select_components),
                bootable_system_state: raw
                    .bootable_system_state
                    .take()
                    .unwrap_or(default.bootable_system_state),
                backup_type: raw.backup_type.take().unwrap_or(default.backup_type),
                partial_file_support: raw
                    .partial_file_support
                    .take()
                    .unwrap_or(default.partial_file_support),
            })
        }
        N::EnableWriterClasses => Step::EnableWriterClasses {
            classes: required(raw.classes.take(), call, "classes")?,
        },
        N::DisableWriterClasses => Step::DisableWriterClasses {
            classes: required(raw.classes.take(), call, "classes")?,
        },
        N::EnableWriters => Step::EnableWriters {
            writers: required(raw.writers.take(), call, "writers")?,
        },
        N::DisableWriters => Step::DisableWriters {
            writers: required(raw.writers.take(), call, "writers")?,
        },
        _ => return Err(format!("`{}` is not a setup step", call.as_str())),
    })
}

/// Writer metadata and component selection.
fn metadata_step(call: StepName, raw: &mut RawStep) -> Result<Step, String> {
    use StepName as N;
    Ok(match call {
        N::GatherWriterMetadata => Step::GatherWriterMetadata,
        N::GetWriterMetadataCount => Step::GetWriterMetadataCount,
        N::GetWriterMetadata => Step::GetWriterMetadata {
            expect_writers: raw.expect_writers.take(),
        },
        N::GetWriterMetadataAt => Step::GetWriterMetadataAt {
            index: required(raw.index.take(), call, "index")?,
        },
        N::FreeWriterMetadata => Step::FreeWriterMetadata,
        N::SelectAllComponents => Step::SelectAllComponents,
        N::SelectComponentsInSet => Step::SelectComponentsInSet,
        N::SelectComponents => Step::SelectComponents {
            writers: required(raw.writers.take(), call, "writers")?,
        },
        N::AddComponent => Step::AddComponent {
            component: required(raw.component.take(), call, "component")?,
        },
        _ => return Err(format!("`{}` is not a metadata step", call.as_str())),
    })
}

/// The set and the backup's operations.
fn backup_step(call: StepName, raw: &mut RawStep) -> Result<Step, String> {
    use StepName as N;
    Ok(match call {
        N::StartSnapshotSet => Step::StartSnapshotSet,
        N::AddToSnapshotSet => Step::AddToSnapshotSet {
            volume: required(raw.volume.take(), call, "volume")?,
            provider: raw.provider.take(),
        },
        N::IsVolumeSupported => Step::IsVolumeSupported {
            volume: required(raw.volume.take(), call, "volume")?,
            provider: raw.provider.take(),
        },
        N::PrepareForBackup => Step::PrepareForBackup,
        N::DoSnapshotSet => Step::DoSnapshotSet,
        N::GetSnapshotProperties => Step::GetSnapshotProperties {
            snapshot: raw.snapshot.take().unwrap_or_default(),
        },
        N::Query => Step::Query,
        N::DeleteSnapshots => Step::DeleteSnapshots {
            snapshot: raw.snapshot.take().unwrap_or_default(),
        },
        N::UnexposeSnapshot => Step::UnexposeSnapshot {
            snapshot: raw.snapshot.take().unwrap_or_default(),
        },
        N::ExposeSnapshot => Step::ExposeSnapshot {
            snapshot: raw.snapshot.take().unwrap_or_default(),
            expose: raw.expose.take(),
            remotely: raw.remotely.take().unwrap_or(false),
        },
        N::BreakSnapshotSet => Step::BreakSnapshotSet,
        N::RevertToSnapshot => Step::RevertToSnapshot {
            snapshot: raw.snapshot.take().unwrap_or_default(),
            force_dismount: raw.force_dismount.take().unwrap_or(false),
        },
        N::QueryRevertStatus => Step::QueryRevertStatus {
            volume: required(raw.volume.take(), call, "volume")?,
        },
        N::SetBackupSucceeded => Step::SetBackupSucceeded {
            component: required(raw.component.take(), call, "component")?,
            succeeded: required(raw.succeeded.take(), call, "succeeded")?,
        },
        N::BackupComplete => Step::BackupComplete,
        N::AbortBackup => Step::AbortBackup,
        _ => return Err(format!("`{}` is not a backup step", call.as_str())),
    })
}

/// The document and the restore (R78–R84).
fn restore_step(call: StepName, raw: &mut RawStep) -> Result<Step, String> {
    use StepName as N;
    Ok(match call {
        N::SaveAsXml => Step::SaveAsXml,
        N::InitializeForRestore => Step::InitializeForRestore {
            bcd: raw.bcd.take(),
        },
        N::InitializeForBackupFrom => Step::InitializeForBackupFrom {
            bcd: raw.bcd.take(),
        },
        N::ImportSnapshots => Step::ImportSnapshots,
        N::SelectAllForRestore => Step::SelectAllForRestore,
        N::SelectForRestore => Step::SelectForRestore {
            writers: required(raw.writers.take(), call, "writers")?,
        },
        N::SetSelectedForRestore => Step::SetSelectedForRestore {
            component: required(raw.component.take(), call, "component")?,
            selected: raw.selected.take().unwrap_or(true),
        },
        N::SetRestoreState => Step::SetRestoreState {
            restore_type: required(raw.restore_type.take(), call, "restore_type")?,
        },
        N::SetAdditionalRestores => Step::SetAdditionalRestores {
            additional: raw.additional.take().unwrap_or(true),
        },
        N::AddNewTargets => Step::AddNewTargets {
            path: required(raw.path.take(), call, "path")?,
        },
        N::PreRestore => Step::PreRestore,
        N::SetFileRestoreStatus => Step::SetFileRestoreStatus {
            component: raw.component.take(),
            status: required(raw.status.take(), call, "status")?,
        },
        N::PostRestore => Step::PostRestore,
        N::HandBackStamps => Step::HandBackStamps,
        _ => return Err(format!("`{}` is not a restore step", call.as_str())),
    })
}

/// Writer status.
fn status_step(call: StepName, raw: &mut RawStep) -> Result<Step, String> {
    use StepName as N;
    Ok(match call {
        N::GatherWriterStatus => Step::GatherWriterStatus,
        N::GetWriterStatusCount => Step::GetWriterStatusCount,
        N::GetWriterStatus => Step::GetWriterStatus {
            expect_rows: raw.expect_rows.take(),
        },
        N::GetWriterStatusAt => Step::GetWriterStatusAt {
            index: required(raw.index.take(), call, "index")?,
        },
        N::FreeWriterStatus => Step::FreeWriterStatus,
        _ => return Err(format!("`{}` is not a status step", call.as_str())),
    })
}

/// Waits, sleeps, the end of the object and writer restarts.
fn other_step(call: StepName, raw: &mut RawStep) -> Result<Step, String> {
    use StepName as N;
    Ok(match call {
        N::Wait => Step::Wait {
            op: raw.op.take().unwrap_or_default(),
            timeout_ms: raw.timeout_ms.take(),
        },
        N::QueryStatus => Step::QueryStatus {
            op: raw.op.take().unwrap_or_default(),
        },
        N::Cancel => Step::Cancel {
            op: raw.op.take().unwrap_or_default(),
        },
        N::Sleep => Step::Sleep {
            ms: required(raw.ms.take(), call, "ms")?,
        },
        N::Release => Step::Release,
        N::Crash => Step::Crash,
        N::RestartWriter => Step::RestartWriter {
            writer: required(raw.writer.take(), call, "writer")?,
        },
        N::RestartService => Step::RestartService,
        N::StopWriter => Step::StopWriter {
            writer: required(raw.writer.take(), call, "writer")?,
        },
        N::StartWriter => Step::StartWriter {
            writer: required(raw.writer.take(), call, "writer")?,
        },
        N::WriteToVolume => Step::WriteToVolume {
            volume: required(raw.volume.take(), call, "volume")?,
            bytes: required(raw.bytes.take(), call, "bytes")?,
        },
        N::SetSignal => Step::SetSignal {
            signal: required(raw.signal.take(), call, "signal")?,
        },
        N::ResetSignal => Step::ResetSignal {
            signal: required(raw.signal.take(), call, "signal")?,
        },
        N::WaitSignal => Step::WaitSignal {
            signal: required(raw.signal.take(), call, "signal")?,
            timeout_ms: raw.timeout_ms.take(),
        },
        _ => return Err(format!("`{}` is not a other step", call.as_str())),
    })
}

impl From<&ProgramStep> for RawStep {
    fn from(program_step: &ProgramStep) -> Self {
        let mut raw = Self {
            call: Some(StepName::of(&program_step.step)),
            requester: (program_step.requester != 0).then_some(program_step.requester),
            expect: program_step.expect,
            ..Self::default()
        };
        raw.arguments(&program_step.step);
        raw
    }
}

impl StepName {
    /// The `call` of `step`.
    fn of(step: &Step) -> Self {
        match step {
            Step::InitializeForBackup => Self::InitializeForBackup,
            Step::SetContext { .. } => Self::SetContext,
            Step::SetBackupState(_) => Self::SetBackupState,
            Step::EnableWriterClasses { .. } => Self::EnableWriterClasses,
            Step::DisableWriterClasses { .. } => Self::DisableWriterClasses,
            Step::EnableWriters { .. } => Self::EnableWriters,
            Step::DisableWriters { .. } => Self::DisableWriters,
            Step::GatherWriterMetadata => Self::GatherWriterMetadata,
            Step::GetWriterMetadataCount => Self::GetWriterMetadataCount,
            Step::GetWriterMetadata { .. } => Self::GetWriterMetadata,
            Step::GetWriterMetadataAt { .. } => Self::GetWriterMetadataAt,
            Step::FreeWriterMetadata => Self::FreeWriterMetadata,
            Step::SelectAllComponents => Self::SelectAllComponents,
            Step::SelectComponents { .. } => Self::SelectComponents,
            Step::SelectComponentsInSet => Self::SelectComponentsInSet,
            Step::AddComponent { .. } => Self::AddComponent,
            Step::StartSnapshotSet => Self::StartSnapshotSet,
            Step::AddToSnapshotSet { .. } => Self::AddToSnapshotSet,
            Step::IsVolumeSupported { .. } => Self::IsVolumeSupported,
            Step::PrepareForBackup => Self::PrepareForBackup,
            Step::DoSnapshotSet => Self::DoSnapshotSet,
            Step::GetSnapshotProperties { .. } => Self::GetSnapshotProperties,
            Step::Query => Self::Query,
            Step::DeleteSnapshots { .. } => Self::DeleteSnapshots,
            Step::UnexposeSnapshot { .. } => Self::UnexposeSnapshot,
            Step::ExposeSnapshot { .. } => Self::ExposeSnapshot,
            Step::BreakSnapshotSet => Self::BreakSnapshotSet,
            Step::RevertToSnapshot { .. } => Self::RevertToSnapshot,
            Step::QueryRevertStatus { .. } => Self::QueryRevertStatus,
            Step::SetBackupSucceeded { .. } => Self::SetBackupSucceeded,
            Step::BackupComplete => Self::BackupComplete,
            Step::AbortBackup => Self::AbortBackup,
            Step::SaveAsXml => Self::SaveAsXml,
            Step::InitializeForRestore { .. } => Self::InitializeForRestore,
            Step::InitializeForBackupFrom { .. } => Self::InitializeForBackupFrom,
            Step::ImportSnapshots => Self::ImportSnapshots,
            Step::SelectAllForRestore => Self::SelectAllForRestore,
            Step::SelectForRestore { .. } => Self::SelectForRestore,
            Step::SetSelectedForRestore { .. } => Self::SetSelectedForRestore,
            Step::SetRestoreState { .. } => Self::SetRestoreState,
            Step::SetAdditionalRestores { .. } => Self::SetAdditionalRestores,
            Step::AddNewTargets { .. } => Self::AddNewTargets,
            Step::PreRestore => Self::PreRestore,
            Step::SetFileRestoreStatus { .. } => Self::SetFileRestoreStatus,
            Step::PostRestore => Self::PostRestore,
            Step::HandBackStamps => Self::HandBackStamps,
            Step::GatherWriterStatus => Self::GatherWriterStatus,
            Step::GetWriterStatusCount => Self::GetWriterStatusCount,
            Step::GetWriterStatus { .. } => Self::GetWriterStatus,
            Step::GetWriterStatusAt { .. } => Self::GetWriterStatusAt,
            Step::FreeWriterStatus => Self::FreeWriterStatus,
            Step::Wait { .. } => Self::Wait,
            Step::QueryStatus { .. } => Self::QueryStatus,
            Step::Cancel { .. } => Self::Cancel,
            Step::Sleep { .. } => Self::Sleep,
            Step::Release => Self::Release,
            Step::Crash => Self::Crash,
            Step::RestartWriter { .. } => Self::RestartWriter,
            Step::RestartService => Self::RestartService,
            Step::StopWriter { .. } => Self::StopWriter,
            Step::StartWriter { .. } => Self::StartWriter,
            Step::WriteToVolume { .. } => Self::WriteToVolume,
            Step::SetSignal { .. } => Self::SetSignal,
            Step::ResetSignal { .. } => Self::ResetSignal,
            Step::WaitSignal { .. } => Self::WaitSignal,
        }
    }
}

impl RawStep {
    /// Sets the keys that carry `step`'s arguments.
    fn arguments(&mut self, step: &Step) {
        let raw = self;
        // Steps without arguments set nothing.
        match step {
            Step::SetContext { context } => {
                raw.context = Some(*context);
            }
            Step::SetBackupState(state) => {
                raw.select_components = Some(state.select_components);
                raw.bootable_system_state = Some(state.bootable_system_state);
                raw.backup_type = Some(state.backup_type);
                raw.partial_file_support = Some(state.partial_file_support);
            }
            Step::EnableWriterClasses { classes } | Step::DisableWriterClasses { classes } => {
                raw.classes = Some(classes.clone());
            }
            Step::EnableWriters { writers }
            | Step::DisableWriters { writers }
            | Step::SelectComponents { writers }
            | Step::SelectForRestore { writers } => {
                raw.writers = Some(writers.clone());
            }
            Step::InitializeForRestore { bcd } | Step::InitializeForBackupFrom { bcd } => {
                raw.bcd.clone_from(bcd);
            }
            Step::SetSelectedForRestore {
                component,
                selected,
            } => {
                raw.component = Some(component.clone());
                raw.selected = (!selected).then_some(false);
            }
            Step::SetRestoreState { restore_type } => raw.restore_type = Some(*restore_type),
            Step::SetAdditionalRestores { additional } => {
                raw.additional = (!additional).then_some(false);
            }
            Step::AddNewTargets { path } => raw.path = Some(path.clone()),
            Step::SetFileRestoreStatus { component, status } => {
                raw.component.clone_from(component);
                raw.status = Some(*status);
            }
            Step::GetWriterMetadata { expect_writers } => {
                raw.expect_writers.clone_from(expect_writers);
            }
            Step::GetWriterMetadataAt { index } | Step::GetWriterStatusAt { index } => {
                raw.index = Some(*index);
            }
            Step::AddComponent { component } => {
                raw.component = Some(component.clone());
            }
            Step::AddToSnapshotSet { volume, provider }
            | Step::IsVolumeSupported { volume, provider } => {
                raw.volume = Some(volume.clone());
                raw.provider = *provider;
            }
            Step::GetSnapshotProperties { snapshot }
            | Step::DeleteSnapshots { snapshot }
            | Step::UnexposeSnapshot { snapshot } => {
                raw.snapshot = Some(*snapshot);
            }
            Step::RevertToSnapshot {
                snapshot,
                force_dismount,
            } => {
                raw.snapshot = Some(*snapshot);
                raw.force_dismount = force_dismount.then_some(true);
            }
            Step::QueryRevertStatus { volume } => raw.volume = Some(volume.clone()),
            Step::SetBackupSucceeded {
                component,
                succeeded,
            } => {
                raw.component = Some(component.clone());
                raw.succeeded = Some(*succeeded);
            }
            Step::GetWriterStatus { expect_rows } => {
                raw.expect_rows.clone_from(expect_rows);
            }
            Step::Wait { op, timeout_ms } => {
                raw.op = (*op != OpRef::Last).then_some(*op);
                raw.timeout_ms = *timeout_ms;
            }
            Step::QueryStatus { op } | Step::Cancel { op } => {
                raw.op = (*op != OpRef::Last).then_some(*op);
            }
            Step::Sleep { ms } => {
                raw.ms = Some(*ms);
            }
            Step::RestartWriter { writer }
            | Step::StopWriter { writer }
            | Step::StartWriter { writer } => {
                raw.writer = Some(writer.clone());
            }
            Step::ExposeSnapshot {
                snapshot,
                expose,
                remotely,
            } => {
                raw.snapshot = Some(*snapshot);
                raw.expose.clone_from(expose);
                raw.remotely = remotely.then_some(true);
            }
            Step::WriteToVolume { volume, bytes } => {
                raw.volume = Some(volume.clone());
                raw.bytes = Some(*bytes);
            }
            Step::SetSignal { signal } | Step::ResetSignal { signal } => {
                raw.signal = Some(signal.clone());
            }
            Step::WaitSignal { signal, timeout_ms } => {
                raw.signal = Some(signal.clone());
                raw.timeout_ms = *timeout_ms;
            }
            _ => {}
        }
    }
}

impl Serialize for ProgramStep {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawStep::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ProgramStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawStep::deserialize(deserializer)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProgramStep, String> {
        toml::from_str::<ProgramStep>(text).map_err(|err| err.to_string())
    }

    #[test]
    fn steps_round_trip_through_their_table() {
        let steps = [
            ProgramStep::new(Step::Wait {
                op: OpRef::Nth(3),
                timeout_ms: Some(500),
            }),
            ProgramStep {
                requester: 2,
                step: Step::SetBackupState(BackupState::default()),
                expect: Some(Hresult::VSS_E_BAD_STATE),
            },
            ProgramStep::new(Step::AddComponent {
                component: ComponentRef::Declared {
                    declared: 1,
                    mangle: Some(super::super::Mangle::WrongType),
                },
            }),
            ProgramStep::new(Step::AddComponent {
                component: ComponentRef::Named {
                    writer: "W".into(),
                    logical_path: Some("a\\b".into()),
                    name: "db".into(),
                },
            }),
            ProgramStep::new(Step::GetSnapshotProperties {
                snapshot: SnapshotRef::Minted(2),
            }),
            ProgramStep::new(Step::ExposeSnapshot {
                snapshot: SnapshotRef::Last,
                expose: Some("X:".into()),
                remotely: true,
            }),
            ProgramStep::new(Step::BreakSnapshotSet),
            ProgramStep::new(Step::RevertToSnapshot {
                snapshot: SnapshotRef::Last,
                force_dismount: true,
            }),
            ProgramStep::new(Step::QueryRevertStatus {
                volume: "D:\\".into(),
            }),
            ProgramStep::new(Step::InitializeForRestore {
                bcd: Some("<BACKUP_COMPONENTS/>".into()),
            }),
            ProgramStep::new(Step::InitializeForBackupFrom { bcd: None }),
            ProgramStep::new(Step::ImportSnapshots),
            ProgramStep::new(Step::SetSelectedForRestore {
                component: ComponentRef::Named {
                    writer: "W".into(),
                    logical_path: None,
                    name: "db".into(),
                },
                selected: false,
            }),
            ProgramStep::new(Step::SetFileRestoreStatus {
                component: None,
                status: FileRestoreStatus::VSS_RS_ALL,
            }),
            ProgramStep::new(Step::SetRestoreState {
                restore_type: RestoreType::VSS_RTYPE_OTHER,
            }),
            ProgramStep::new(Step::WriteToVolume {
                volume: "C:\\".into(),
                bytes: 1 << 30,
            }),
        ];
        for step in steps {
            let text = toml::to_string(&step).unwrap();
            assert_eq!(parse(&text).as_ref(), Ok(&step), "{text}");
            let json = serde_json::to_string(&step).unwrap();
            assert_eq!(serde_json::from_str::<ProgramStep>(&json).unwrap(), step);
        }
    }

    #[test]
    fn a_misspelt_or_foreign_key_is_an_error() {
        // Issue: `requestor = 5` used to be skipped, running the step as requester 0.
        let err = parse("call = \"Wait\"\nrequestor = 5\n").unwrap_err();
        assert!(err.contains("unknown field `requestor`"), "{err}");
        let err = parse("call = \"Wait\"\nvolume = \"C:\\\\\"\n").unwrap_err();
        assert!(
            err.contains("`volume` is not an argument of `Wait`"),
            "{err}"
        );
        let err = parse("call = \"AddToSnapshotSet\"\n").unwrap_err();
        assert!(err.contains("`AddToSnapshotSet` needs `volume`"), "{err}");
        let err = parse("requester = 1\n").unwrap_err();
        assert!(err.contains("needs `call`"), "{err}");
    }

    #[test]
    fn defaults_keep_files_short() {
        let step = parse("call = \"Wait\"\n").unwrap();
        assert_eq!(
            step.step,
            Step::Wait {
                op: OpRef::Last,
                timeout_ms: None
            }
        );
        assert_eq!(toml::to_string(&step).unwrap(), "call = \"Wait\"\n");
    }
}
