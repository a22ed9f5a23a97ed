//! Requester calls as data: every `IVssBackupComponents` / `IVssAsync` method the simulator
//! implements, with its arguments, and the values they return.
//!
//! The dynamic requester API takes a [`Call`] and answers with a [`Reply`] or an [`Hresult`]; the
//! trace records each call with its result; fuzzers and scenario files generate them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{
    BackupType, ComponentType, Hresult, ProviderId, RestoreMethod, SnapshotId, SnapshotSetId,
    SourceType, UsageType, WriterClassId, WriterInstanceId, WriterState,
};

/// Numbers one asynchronous operation (`IVssAsync`) within a simulation, in start order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpNo(pub u32);

impl fmt::Display for OpNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "op#{}", self.0)
    }
}

/// The four values of `SetBackupState` (R12).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct BackupState {
    /// `bSelectComponents`: component mode (R12, R47).
    pub select_components: bool,
    /// `bBackupBootableSystemState`.
    pub bootable_system_state: bool,
    /// The backup type (T8).
    pub backup_type: BackupType,
    /// `bPartialFileSupport`.
    pub partial_file_support: bool,
}

impl BackupState {
    /// Component mode, not bootable system state, the given type, no partial files.
    pub const fn components(backup_type: BackupType) -> Self {
        Self {
            select_components: true,
            bootable_system_state: false,
            backup_type,
            partial_file_support: false,
        }
    }
}

impl Default for BackupState {
    fn default() -> Self {
        Self::components(BackupType::VSS_BT_FULL)
    }
}

/// A component named in `AddComponent` or `SetBackupSucceeded` (R13, R25).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComponentKey {
    /// The writer instance that owns the component.
    pub instance_id: WriterInstanceId,
    /// The writer class.
    pub writer_id: WriterClassId,
    /// Database or file group.
    pub component_type: ComponentType,
    /// The logical path; `None` is the root (R109).
    pub logical_path: Option<String>,
    /// The component name (never empty, R13).
    pub name: String,
}

impl ComponentKey {
    /// Its full logical path (R109): `logical\path\name`, or `name` at the root.
    pub fn full_path(&self) -> String {
        super::component_full_path(self.logical_path.as_deref(), &self.name)
    }

    /// Whether `other` names the same component: same writer class, logical path and name,
    /// and the same instance unless either names none (`GUID_NULL`: every instance of the
    /// class, R13).
    pub fn names_same_component(&self, other: &Self) -> bool {
        self.writer_id == other.writer_id
            && self.logical_path == other.logical_path
            && self.name == other.name
            && (self.instance_id == other.instance_id
                || self.instance_id.is_null()
                || other.instance_id.is_null())
    }
}

/// The kinds of asynchronous operation (R35).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AsyncKind {
    /// `GatherWriterMetadata`.
    GatherWriterMetadata,
    /// `GatherWriterStatus`.
    GatherWriterStatus,
    /// `PrepareForBackup`.
    PrepareForBackup,
    /// `DoSnapshotSet`.
    DoSnapshotSet,
    /// `BackupComplete`.
    BackupComplete,
    /// `PreRestore` (R82).
    PreRestore,
    /// `PostRestore` (R83).
    PostRestore,
    /// `ImportSnapshots` (R97): a transportable set's copies come onto this machine.
    ImportSnapshots,
    /// `QueryRevertStatus`: the revert of a volume.
    QueryRevertStatus,
}

/// One requester call, with its arguments.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "call")]
#[non_exhaustive]
pub enum Call {
    /// `InitializeForBackup(NULL)` (R4).
    InitializeForBackup,
    /// `InitializeForBackup(bstrXML)` (R4, R113): backup mode with a saved Backup Components
    /// Document — its backup state and its components become the object's, as when a
    /// transportable set is imported.
    InitializeForBackupFrom {
        /// The saved document's XML.
        bcd: String,
    },
    /// `SetContext(lContext)` with the raw value (R5).
    SetContext {
        /// The raw `lContext`.
        context: u32,
    },
    /// `SetBackupState` (R12).
    SetBackupState(BackupState),
    /// `EnableWriterClasses` (R7).
    EnableWriterClasses {
        /// The classes to enable.
        classes: Vec<WriterClassId>,
    },
    /// `DisableWriterClasses` (R7).
    DisableWriterClasses {
        /// The classes to disable.
        classes: Vec<WriterClassId>,
    },
    /// `GatherWriterMetadata` (R8): raises Identify.
    GatherWriterMetadata,
    /// `GetWriterMetadataCount` (R10).
    WriterMetadataCount,
    /// `GetWriterMetadata(i)` (R10, R40 step 6): the `IVssExamineWriterMetadata` view of the
    /// `index`-th writer whose Identify succeeded.
    WriterMetadata {
        /// The index, `0..count`.
        index: u32,
    },
    /// `FreeWriterMetadata` (R11).
    FreeWriterMetadata,
    /// `AddComponent` (R13).
    AddComponent(ComponentKey),
    /// `StartSnapshotSet` (R14, R15).
    StartSnapshotSet,
    /// `AddToSnapshotSet(volume, providerId)` (R16).
    AddToSnapshotSet {
        /// Volume name with its trailing backslash, e.g. `C:\`.
        volume: String,
        /// The provider; `GUID_NULL` lets VSS choose (R85).
        provider: ProviderId,
    },
    /// `PrepareForBackup` (R21).
    PrepareForBackup,
    /// `DoSnapshotSet` (R22, R45).
    DoSnapshotSet,
    /// `IsVolumeSupported(providerId, volume)` (R20): can that provider (any provider, for
    /// `GUID_NULL`) shadow-copy the volume at all.
    IsVolumeSupported {
        /// The provider; `GUID_NULL` asks whether any provider does.
        provider: ProviderId,
        /// Volume name with its trailing backslash, e.g. `C:\`.
        volume: String,
    },
    /// `Query(GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_PROVIDER)` (R34): every registered provider.
    QueryProviders,
    /// `Query(GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_SNAPSHOT)` (R34, R107): the completed shadow
    /// copies on the machine that the object's context sees.
    Query,
    /// `DeleteSnapshots(id, type, bForceDelete)` (R33): one shadow copy, or every copy of a set.
    DeleteSnapshots {
        /// A shadow copy id (`VSS_OBJECT_SNAPSHOT`) or a set id (`VSS_OBJECT_SNAPSHOT_SET`).
        id: uuid::Uuid,
        /// Which of the two `id` is; any other type is `E_INVALIDARG`.
        object: super::ObjectType,
        /// `bForceDelete` (the simulator has no volume that could refuse).
        force: bool,
    },
    /// `ExposeSnapshot(id, wszPathFromRoot, lAttributes, wszExpose, &pwszExposed)` (R107): a
    /// persistent copy as a drive letter or mount folder (`EXPOSED_LOCALLY`), or a share
    /// (`EXPOSED_REMOTELY`).
    ExposeSnapshot {
        /// The shadow copy.
        snapshot: SnapshotId,
        /// `wszPathFromRoot`: the directory a share exposes; `None` locally.
        path_from_root: Option<String>,
        /// `lAttributes`: `VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY` or `_REMOTELY`.
        attributes: u32,
        /// `wszExpose`: `X:`, a mount folder, or a share name; `None` lets VSS pick a share
        /// name (remotely only).
        expose: Option<String>,
    },
    /// `IVssBackupComponentsEx2::UnexposeSnapshot(snapshotId)`: the copy's drive letter, mount
    /// folder or share goes (`VSS_E_OBJECT_NOT_FOUND` for a copy that does not exist or is not
    /// exposed).
    UnexposeSnapshot {
        /// The shadow copy.
        snapshot: SnapshotId,
    },
    /// `BreakSnapshotSet(setId)`: VSS forgets a hardware provider's set; its copies become
    /// ordinary volumes.
    BreakSnapshotSet {
        /// The set.
        set: SnapshotSetId,
    },
    /// `ImportSnapshots` (R97): imports the transportable set the document given to
    /// `InitializeForBackup(bstrXML)` describes; answers with an `IVssAsync` (R35).
    ImportSnapshots,
    /// `RevertToSnapshot(SnapshotId, bForceDismount)`: the copy's volume goes back to the copy
    /// (server profiles; persistent copies of providers that revert).
    RevertToSnapshot {
        /// The shadow copy to revert the volume to.
        snapshot: SnapshotId,
        /// Dismount the volume even if it is in use.
        force_dismount: bool,
    },
    /// `QueryRevertStatus(pwszVolume)`: an `IVssAsync` for the volume's revert.
    QueryRevertStatus {
        /// The volume, by any of its names.
        volume: String,
    },
    /// `GetSnapshotProperties` (R24).
    SnapshotProperties {
        /// The shadow copy.
        snapshot: SnapshotId,
    },
    /// `SetBackupSucceeded` (R25).
    SetBackupSucceeded {
        /// The component.
        component: ComponentKey,
        /// `bSucceeded`.
        succeeded: bool,
    },
    /// `SetPreviousBackupStamp` (R113): hands a component's stamp from the last backup back to
    /// its writer, for an incremental or differential backup.
    SetPreviousBackupStamp {
        /// The component.
        component: ComponentKey,
        /// The stamp the writer wrote in that backup.
        stamp: String,
    },
    /// `BackupComplete` (R26).
    BackupComplete,
    /// `AbortBackup` (R53).
    AbortBackup,
    /// `GatherWriterStatus` (R28).
    GatherWriterStatus,
    /// `GetWriterStatusCount` (R29).
    WriterStatusCount,
    /// `GetWriterStatus(i)` (R29).
    WriterStatus {
        /// The index, `0..count`.
        index: u32,
    },
    /// `FreeWriterStatus` (R28).
    FreeWriterStatus,
    /// `SaveAsXML`: the Backup Components Document as it stands (R31, R113), in Windows' XML.
    SaveAsXml,
    /// `GetWriterComponentsCount` (R113): how many writers the Backup Components Document
    /// holds components of.
    WriterComponentsCount,
    /// `GetWriterComponents(i)` (R113): the `index`-th writer's entry in the document, with
    /// what the backup and the restore recorded for each of its components.
    WriterComponents {
        /// The index, `0..count`.
        index: u32,
    },
    /// `SetBackupOptions` (R113): private options for a component's writer, before
    /// `PrepareForBackup`.
    SetBackupOptions {
        /// The component, added with `AddComponent`.
        component: ComponentKey,
        /// The options, any string the writer understands.
        options: String,
    },
    /// `InitializeForRestore(bstrXML)` (R79): restore mode, with the Backup Components
    /// Document the backup saved (`SaveAsXML`).
    InitializeForRestore {
        /// The saved document's XML.
        bcd: String,
    },
    /// `SetSelectedForRestore(Ex)` (R80): whether a component explicitly included at backup
    /// time is restored. A `GUID_NULL` instance names the class (`SetSelectedForRestore`), any
    /// other one instance (`SetSelectedForRestoreEx`).
    SetSelectedForRestore {
        /// The component, as the saved document names it.
        component: ComponentKey,
        /// `bSelectedForRestore`.
        selected: bool,
    },
    /// `AddRestoreSubcomponent` (R80): restores a component below `component` on its own,
    /// one its writer declared selectable for restore.
    AddRestoreSubcomponent {
        /// The explicitly included component it lies below.
        component: ComponentKey,
        /// The subcomponent's logical path.
        logical_path: Option<String>,
        /// The subcomponent's name.
        name: String,
        /// `bRepair` (reserved: must be `false`).
        repair: bool,
    },
    /// `SetRestoreOptions` (R78): private options for a component's writer at restore.
    SetRestoreOptions {
        /// The component.
        component: ComponentKey,
        /// The options, any string the writer understands.
        options: String,
    },
    /// `SetAdditionalRestores` (R78): more restores of the component will follow this one
    /// (incremental, differential or log backups): its writer must not recover the data yet.
    SetAdditionalRestores {
        /// The component.
        component: ComponentKey,
        /// `bAdditionalRestores`.
        additional: bool,
    },
    /// `AddNewTarget` (R78): restores files of a component to another place than where they
    /// were backed up from.
    AddNewTarget {
        /// The component.
        component: ComponentKey,
        /// `wszPath`, `wszFileName`, `bRecursive` and `wszAlternatePath` (`AddNewTarget` has no
        /// backup type mask: the descriptor's is ignored).
        target: super::FileDescriptor,
    },
    /// `SetRestoreState(restoreType)` (R78, R70: writers read it with `GetRestoreType`).
    SetRestoreState {
        /// The restore type.
        restore_type: super::RestoreType,
    },
    /// `PreRestore` (R82): raises PreRestore.
    PreRestore,
    /// `SetFileRestoreStatus` (R78): how much of a component's files the requester restored,
    /// between `PreRestore` and `PostRestore`.
    SetFileRestoreStatus {
        /// The component.
        component: ComponentKey,
        /// The status.
        status: super::FileRestoreStatus,
    },
    /// `PostRestore` (R83): raises PostRestore.
    PostRestore,
    /// `IVssAsync::Wait(dwMilliseconds)`; `None` is `INFINITE` (R37).
    Wait {
        /// The operation.
        op: OpNo,
        /// The longest virtual time to wait.
        timeout_ms: Option<u64>,
    },
    /// `IVssAsync::QueryStatus` (R36).
    QueryStatus {
        /// The operation.
        op: OpNo,
    },
    /// `IVssAsync::Cancel` (R38).
    Cancel {
        /// The operation.
        op: OpNo,
    },
    /// `Release` of the object (R32): VSS sends BackupShutdown (R57).
    Release,
    /// The requester process dies: the system releases the object (R57).
    Crash,
}

impl Call {
    /// Whether the call needs the VSS service, so fails once the service restarted under the
    /// object (`Policies::lost_service`, `Vss::restart_service`). What the object answers from
    /// what it holds does not: the metadata and status it gathered, its own Backup Components
    /// Document (`SetBackupState`, `AddComponent`, `SetBackupSucceeded`, the writer class
    /// filters), its operations' `IVssAsync` objects, and `Release`.
    pub const fn needs_service(&self) -> bool {
        !matches!(
            self,
            Self::Release
                | Self::Crash
                | Self::WriterMetadataCount
                | Self::WriterMetadata { .. }
                | Self::FreeWriterMetadata
                | Self::WriterStatusCount
                | Self::WriterStatus { .. }
                | Self::FreeWriterStatus
                | Self::SaveAsXml
                | Self::SetBackupState(_)
                | Self::AddComponent(_)
                | Self::SetBackupSucceeded { .. }
                | Self::SetPreviousBackupStamp { .. }
                | Self::WriterComponentsCount
                | Self::WriterComponents { .. }
                | Self::SetBackupOptions { .. }
                | Self::SetSelectedForRestore { .. }
                | Self::AddRestoreSubcomponent { .. }
                | Self::SetRestoreOptions { .. }
                | Self::SetAdditionalRestores { .. }
                | Self::AddNewTarget { .. }
                | Self::SetRestoreState { .. }
                | Self::SetFileRestoreStatus { .. }
                | Self::EnableWriterClasses { .. }
                | Self::DisableWriterClasses { .. }
                | Self::Wait { .. }
                | Self::QueryStatus { .. }
                | Self::Cancel { .. }
        )
    }

    /// The Windows method name.
    pub const fn method(&self) -> &'static str {
        match self {
            Self::InitializeForBackup | Self::InitializeForBackupFrom { .. } => {
                "InitializeForBackup"
            }
            Self::SetContext { .. } => "SetContext",
            Self::SetBackupState(_) => "SetBackupState",
            Self::EnableWriterClasses { .. } => "EnableWriterClasses",
            Self::DisableWriterClasses { .. } => "DisableWriterClasses",
            Self::GatherWriterMetadata => "GatherWriterMetadata",
            Self::WriterMetadataCount => "GetWriterMetadataCount",
            Self::WriterMetadata { .. } => "GetWriterMetadata",
            Self::FreeWriterMetadata => "FreeWriterMetadata",
            Self::AddComponent(_) => "AddComponent",
            Self::StartSnapshotSet => "StartSnapshotSet",
            Self::AddToSnapshotSet { .. } => "AddToSnapshotSet",
            Self::PrepareForBackup => "PrepareForBackup",
            Self::DoSnapshotSet => "DoSnapshotSet",
            Self::IsVolumeSupported { .. } => "IsVolumeSupported",
            Self::SnapshotProperties { .. } => "GetSnapshotProperties",
            Self::Query | Self::QueryProviders => "Query",
            Self::DeleteSnapshots { .. } => "DeleteSnapshots",
            Self::ExposeSnapshot { .. } => "ExposeSnapshot",
            Self::UnexposeSnapshot { .. } => "UnexposeSnapshot",
            Self::BreakSnapshotSet { .. } => "BreakSnapshotSet",
            Self::ImportSnapshots => "ImportSnapshots",
            Self::RevertToSnapshot { .. } => "RevertToSnapshot",
            Self::QueryRevertStatus { .. } => "QueryRevertStatus",
            Self::SetBackupSucceeded { .. } => "SetBackupSucceeded",
            Self::SetPreviousBackupStamp { .. } => "SetPreviousBackupStamp",
            Self::BackupComplete => "BackupComplete",
            Self::AbortBackup => "AbortBackup",
            Self::GatherWriterStatus => "GatherWriterStatus",
            Self::WriterStatusCount => "GetWriterStatusCount",
            Self::WriterStatus { .. } => "GetWriterStatus",
            Self::FreeWriterStatus => "FreeWriterStatus",
            Self::SaveAsXml => "SaveAsXML",
            Self::WriterComponentsCount => "GetWriterComponentsCount",
            Self::WriterComponents { .. } => "GetWriterComponents",
            Self::SetBackupOptions { .. } => "SetBackupOptions",
            Self::InitializeForRestore { .. } => "InitializeForRestore",
            Self::SetSelectedForRestore { component, .. } if !component.instance_id.is_null() => {
                "SetSelectedForRestoreEx"
            }
            Self::SetSelectedForRestore { .. } => "SetSelectedForRestore",
            Self::AddRestoreSubcomponent { .. } => "AddRestoreSubcomponent",
            Self::SetRestoreOptions { .. } => "SetRestoreOptions",
            Self::SetAdditionalRestores { .. } => "SetAdditionalRestores",
            Self::AddNewTarget { .. } => "AddNewTarget",
            Self::SetRestoreState { .. } => "SetRestoreState",
            Self::PreRestore => "PreRestore",
            Self::SetFileRestoreStatus { .. } => "SetFileRestoreStatus",
            Self::PostRestore => "PostRestore",
            Self::Wait { .. } => "IVssAsync::Wait",
            Self::QueryStatus { .. } => "IVssAsync::QueryStatus",
            Self::Cancel { .. } => "IVssAsync::Cancel",
            Self::Release => "Release",
            Self::Crash => "(requester crash)",
        }
    }
}

/// What a successful call returns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Reply {
    /// The call returned `S_OK` and nothing else.
    Done,
    /// The call started an asynchronous operation.
    Async(OpNo),
    /// `StartSnapshotSet`'s new set id.
    SnapshotSet(SnapshotSetId),
    /// `AddToSnapshotSet`'s new shadow copy id.
    Snapshot(SnapshotId),
    /// A count (`GetWriterMetadataCount`, `GetWriterStatusCount`).
    Count(u32),
    /// One `GetWriterStatus` row.
    WriterStatus(WriterStatus),
    /// `GetWriterMetadata`: what the requester may examine of one writer's metadata.
    WriterMetadata(WriterMetadataView),
    /// `GetSnapshotProperties`.
    Properties(SnapshotProperties),
    /// `IsVolumeSupported`'s answer (`pbSupportedByThisProvider`).
    Supported(bool),
    /// `Query`: the shadow copies listed, oldest first.
    Snapshots(Vec<SnapshotProperties>),
    /// `Query` of providers: every registered provider, in registration order.
    Providers(Vec<ProviderProperties>),
    /// `DeleteSnapshots`: how many copies it deleted, and the first it could not
    /// (`GUID_NULL` when none failed).
    Deleted {
        /// `plDeletedSnapshots`.
        deleted: u32,
        /// `pNondeletedSnapshotID`.
        non_deleted: SnapshotId,
    },
    /// `ExposeSnapshot`'s `pwszExposed`: the name the copy is exposed as.
    Exposed(String),
    /// `QueryStatus`, `Wait` and `Cancel`: the operation's status (R36–R38).
    Status(Hresult),
    /// `SaveAsXML`: the document's XML.
    Xml(String),
    /// `GetWriterComponents`: one writer's entry in the Backup Components Document.
    WriterComponents(super::WriterComponents),
    /// `Wait` stopped at one of the run's bounds with the operation still pending (design
    /// principle 7: a run that does not end is reported as such, never as a status).
    BoundReached(Bound),
}

/// A run bound that stopped a wait or a sleep (`coordinator::Limits`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Bound {
    /// One wait ran this many scheduler steps (handler calls, provider calls, timer expiries)
    /// without its operation ending: the engine did not settle (a livelock).
    Steps {
        /// The limit.
        max_steps: u64,
    },
    /// Virtual time reached the run's limit with the operation pending, or a sleep was cut
    /// there: something holds the clock (a hung handler, a provider, a requester sleeping
    /// past the end of the run).
    VirtualTime {
        /// The limit, in virtual ms since the simulation started.
        max_virtual_ms: u64,
    },
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Steps { max_steps } => {
                write!(
                    f,
                    "the step bound ({max_steps} scheduler steps in one wait)"
                )
            }
            Self::VirtualTime { max_virtual_ms } => {
                write!(f, "the virtual-time bound ({max_virtual_ms} ms)")
            }
        }
    }
}

impl std::error::Error for Bound {}

/// A writer's identity as `IVssExamineWriterMetadata::GetIdentity` gives it (R61, R112).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriterIdentity {
    /// The instance id VSS gave the writer object (R61).
    pub instance_id: WriterInstanceId,
    /// The writer class (`WriterId` of `CVssWriter::Initialize`).
    pub writer_id: WriterClassId,
    /// The writer name.
    pub name: String,
    /// The instance name, for multi-instance writers (R61).
    pub instance_name: Option<String>,
    /// `VSS_USAGE_TYPE`.
    pub usage_type: UsageType,
    /// `VSS_SOURCE_TYPE`.
    pub source_type: SourceType,
}

/// One component as the requester examines it (`IVssWMComponent`, R108–R111).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComponentView {
    /// The component, as `AddComponent` names it.
    pub key: ComponentKey,
    /// `GetComponentInfo`, `GetFile`, `GetDatabaseFile`, `GetDatabaseLogFile`, `GetDependency`.
    pub info: super::ComponentInfo,
}

impl ComponentView {
    /// `info` as the requester examines it, for the writer with `identity`: its key names the
    /// writer instance and class.
    pub fn of(identity: &WriterIdentity, info: super::ComponentInfo) -> Self {
        Self {
            key: ComponentKey {
                instance_id: identity.instance_id,
                writer_id: identity.writer_id,
                component_type: info.component_type,
                logical_path: info.logical_path.clone(),
                name: info.name.clone(),
            },
            info,
        }
    }

    /// Selectable for backup (R110).
    pub fn selectable(&self) -> bool {
        self.info.selectable
    }
}

/// What `GetWriterMetadata(i)` returns: the requester's view of one writer's Writer Metadata
/// Document (`IVssExamineWriterMetadata`: `GetIdentity`, `GetRestoreMethod`,
/// `GetFileCounts`/`GetComponent`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriterMetadataView {
    /// `GetIdentity`.
    pub identity: WriterIdentity,
    /// `GetRestoreMethod`.
    pub restore_method: super::RestoreMethodInfo,
    /// `GetComponent`, for every component the writer declared, in declaration order.
    pub components: Vec<ComponentView>,
    /// `GetExcludeFile`.
    pub exclude_files: Vec<super::FileDescriptor>,
    /// `GetExcludeFromSnapshotFile`.
    pub exclude_from_snapshot: Vec<super::FileDescriptor>,
    /// `GetAlternateLocationMapping`.
    pub alternate_location_mappings: Vec<super::FileDescriptor>,
    /// `GetBackupSchema` (R115).
    pub backup_schema: super::BackupSchema,
    /// `IVssExamineWriterMetadataEx2::GetVersion`: the writer's (major, minor) version.
    pub version: (u32, u32),
    /// The order of the document's parts, which `SaveAsXML` keeps.
    #[serde(skip)]
    pub(crate) layout: super::metadata::Layout,
}

impl WriterMetadataView {
    /// R72: the writer set a restore method and declared at least one component.
    pub fn is_complete(&self) -> bool {
        self.restore_method.method != RestoreMethod::VSS_RME_UNDEFINED
            && !self.components.is_empty()
    }

    /// `GetFileCounts`: (include files, exclude files, components). Include files are
    /// reserved by Windows (`AddIncludeFiles` is not supported), so always 0.
    pub fn file_counts(&self) -> (u32, u32, u32) {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (
            0,
            count(self.exclude_files.len()),
            count(self.components.len()),
        )
    }

    /// The components a requester adds to back the whole writer up (R110): those with no
    /// selectable ancestor — the non-selectable ones, which are always included, and the
    /// selectable roots of component sets, which bring their sets with them. The others are
    /// included implicitly and get no entry in the Backup Components Document.
    pub fn explicit_components(&self) -> impl Iterator<Item = &ComponentKey> {
        self.components
            .iter()
            .filter(|c| self.is_explicit(c))
            .map(|c| &c.key)
    }

    /// [`WriterMetadataView::explicit_components`], taken out of the view.
    pub fn into_explicit_components(self) -> Vec<ComponentKey> {
        let explicit: Vec<bool> = self
            .components
            .iter()
            .map(|c| self.is_explicit(c))
            .collect();
        self.components
            .into_iter()
            .zip(explicit)
            .filter_map(|(component, explicit)| explicit.then_some(component.key))
            .collect()
    }

    /// `component` has no selectable ancestor (R110).
    /// Whether `component` is explicit (R110): it has no logical path, or no selectable
    /// component lies above it; what a requester adds to back it up.
    pub fn is_explicit(&self, component: &ComponentView) -> bool {
        component.info.logical_path.is_none()
            || !self
                .components
                .iter()
                .any(|a| a.info.selectable && a.info.is_ancestor_of(&component.info))
    }

    /// What a backup of `requested` type does with this writer's data (R115): the requested
    /// type if its backup schema supports it, else `VSS_BT_FULL`
    /// ([`BackupSchema::backup_type_for`](super::BackupSchema::backup_type_for)). The
    /// requester's duty: VSS tells the writer the requested type unchanged.
    pub fn backup_type_for(&self, requested: super::BackupType) -> super::BackupType {
        self.backup_schema.backup_type_for(requested)
    }

    /// The components selectable for backup, as `AddComponent` takes them (R110).
    pub fn selectable_components(&self) -> impl Iterator<Item = &ComponentKey> {
        self.components
            .iter()
            .filter(|c| c.selectable())
            .map(|c| &c.key)
    }
}

/// One row of `GetWriterStatus` (R29).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterStatus {
    /// The writer instance.
    pub instance_id: WriterInstanceId,
    /// The writer class.
    pub writer_id: WriterClassId,
    /// The writer name.
    pub name: String,
    /// The writer's state in this requester's session.
    pub state: WriterState,
    /// `hrFailure`: `S_OK`, a `VSS_E_WRITERERROR_*` code, or a VSS-set code (T3).
    pub failure: Hresult,
}

/// `VSS_PROVIDER_PROP` (T9).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderProperties {
    /// `m_ProviderId`.
    pub provider_id: ProviderId,
    /// `m_pwszProviderName`.
    pub name: String,
    /// `m_eProviderType`.
    pub provider_type: super::ProviderType,
    /// `m_pwszProviderVersion`.
    pub version: String,
    /// `m_ProviderVersionId`.
    pub version_id: uuid::Uuid,
    /// `m_ClassId`: the provider's COM class.
    pub class_id: uuid::Uuid,
}

/// `VSS_SNAPSHOT_PROP` (R24, T9).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotProperties {
    /// The shadow copy.
    pub snapshot_id: SnapshotId,
    /// Its set.
    pub snapshot_set_id: SnapshotSetId,
    /// How many shadow copies the set holds.
    pub snapshots_count: u32,
    /// The device object files are read through.
    pub device_object: String,
    /// The original volume, by its volume GUID path `\\?\Volume{GUID}\`.
    pub original_volume: String,
    /// `m_pwszOriginatingMachine`: the machine the original volume is on.
    pub originating_machine: String,
    /// `m_pwszServiceMachine`: the machine whose VSS made the copy.
    pub service_machine: String,
    /// `m_pwszExposedName`: the drive letter, mount folder or share it is exposed as.
    pub exposed_name: Option<String>,
    /// `m_pwszExposedPath`: the path from the root a share exposes.
    pub exposed_path: Option<String>,
    /// The provider that made it.
    pub provider_id: ProviderId,
    /// `m_lSnapshotAttributes`: context and attribute bits (T7).
    pub attributes: u32,
    /// `m_tsCreationTimestamp`: the virtual wall clock at creation, as a `VSS_TIMESTAMP`.
    pub creation_timestamp: i64,
    /// `m_eStatus`: always `VSS_SS_CREATED` for a requester.
    pub status: super::SnapshotState,
    /// Virtual creation time, ms since the simulation started.
    pub created_at_ms: u64,
}
