//! The Backup Components Document (BCD, R113): what a backup selected, the backup's global
//! state, and what its writers recorded per component. `IVssBackupComponents::SaveAsXML` saves
//! it (`xml::bcd`); a requester keeps it to restore from.

use serde::{Deserialize, Serialize};

use super::{
    BackupSchema, BackupState, ComponentType, DifferencedFiles, DirectedTarget, FileDescriptor,
    FileRestoreStatus, PartialFile, RestoreSubcomponent, RestoreTarget, RestoreType, SnapshotSetId,
    WriterClassId, WriterInstanceId,
};

/// A Backup Components Document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupComponentsDocument {
    /// `SetBackupState`: component mode, bootable system state, backup type, partial files.
    pub backup_state: BackupState,
    /// `StartSnapshotSet`'s set, once started.
    pub snapshot_set_id: Option<SnapshotSetId>,
    /// The writers with explicitly included components, in the order the requester first
    /// added one of each (`GetWriterComponentsCount` counts these, R113).
    pub writers: Vec<WriterComponents>,
    /// `SetRestoreState` (restore only; `None` until a requester set it).
    pub restore_type: Option<RestoreType>,
    /// A transportable set's description (R97): what `ImportSnapshots` imports. A
    /// non-transportable set's document has none.
    #[serde(default)]
    pub snapshot_set_description: Option<super::SnapshotSetDescription>,
}

/// One writer's entry in the BCD (`IVssWriterComponentsExt`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriterComponents {
    /// The writer instance the requester named (`GUID_NULL`: every instance of the class).
    pub instance_id: WriterInstanceId,
    /// The writer class.
    pub writer_id: WriterClassId,
    /// The writer's instance name, if it has one.
    pub instance_name: Option<String>,
    /// The writer's backup schema (R115), as its metadata declared it.
    pub backup_schema: BackupSchema,
    /// Its explicitly included components, in the order they were added (R110).
    pub components: Vec<BackupComponent>,
    /// The writer changed its components (a stamp, backup metadata) during the backup: Windows
    /// then writes the entry with its own namespace declaration.
    #[serde(skip)]
    pub(crate) writer_modified: bool,
}

impl WriterComponents {
    /// The key that names `component` of this entry: its writer class and instance (as the
    /// document recorded it), the component's type, logical path and name. Use
    /// `ComponentKey { instance_id, ..entry.key(c) }` to name another instance (`GUID_NULL`:
    /// the class).
    pub fn key(&self, component: &BackupComponent) -> super::ComponentKey {
        super::ComponentKey {
            instance_id: self.instance_id,
            writer_id: self.writer_id,
            component_type: component.component_type,
            logical_path: component.logical_path.clone(),
            name: component.name.clone(),
        }
    }

    /// Its component at `key`'s logical path and name.
    pub fn component(&self, key: &super::ComponentKey) -> Option<&BackupComponent> {
        let path = key.logical_path.as_deref().filter(|p| !p.is_empty());
        self.components
            .iter()
            .find(|c| c.logical_path.as_deref() == path && c.name == key.name)
    }

    /// An entry for the writer `instance_id` of class `writer_id`, with no components.
    pub fn new(instance_id: WriterInstanceId, writer_id: WriterClassId) -> Self {
        Self {
            instance_id,
            writer_id,
            instance_name: None,
            backup_schema: BackupSchema::NONE,
            components: Vec::new(),
            writer_modified: false,
        }
    }
}

/// One explicitly included component in the BCD (`IVssComponent`, R113, R114): what the
/// backup recorded, and what a restore chose and reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BackupComponent {
    /// Logical path (R109); `None` is the root.
    pub logical_path: Option<String>,
    /// Name.
    pub name: String,
    /// Database or file group.
    pub component_type: ComponentType,
    /// `SetBackupStamp` (a writer's, in PostSnapshot): any string, kept as written.
    pub backup_stamp: Option<String>,
    /// `SetPreviousBackupStamp` (the requester's, for incremental and differential backups).
    pub previous_backup_stamp: Option<String>,
    /// `SetBackupSucceeded` (the requester's, R25).
    pub backup_succeeded: Option<bool>,
    /// `SetBackupMetadata` (a writer's): any string, kept as written.
    pub backup_metadata: Option<String>,
    /// `SetBackupOptions` (the requester's, before PrepareForBackup): any string.
    pub backup_options: Option<String>,
    /// `AddPartialFile` (a writer's, in OnPrepareBackup or OnPostSnapshot), in order.
    pub partial_files: Vec<PartialFile>,
    /// `AddDifferencedFilesByLastModifyTime` (a writer's, in OnPrepareBackup or
    /// OnPostSnapshot), in order.
    pub differenced_files: Vec<DifferencedFiles>,
    /// `SetSelectedForRestore` (the requester's, R80).
    pub selected_for_restore: Option<bool>,
    /// `SetRestoreOptions` (the requester's): any string.
    pub restore_options: Option<String>,
    /// `SetAdditionalRestores` (the requester's): more restores (incremental, differential,
    /// logs) will follow this one, so the writer must not recover the data yet.
    pub additional_restores: Option<bool>,
    /// `AddRestoreSubcomponent` (the requester's, R80), in order.
    pub restore_subcomponents: Vec<RestoreSubcomponent>,
    /// `AddNewTarget` (the requester's): alternate locations for the component's files.
    pub new_targets: Vec<FileDescriptor>,
    /// `SetRestoreMetadata` (a writer's, in OnPreRestore): any string.
    pub restore_metadata: Option<String>,
    /// `SetRestoreTarget` (a writer's, in OnPreRestore); `None` means `VSS_RT_ORIGINAL`, what
    /// `GetRestoreTarget` answers when no writer set one.
    pub restore_target: Option<RestoreTarget>,
    /// `AddDirectedTarget` (a writer's, in OnPreRestore), in order.
    pub directed_targets: Vec<DirectedTarget>,
    /// `SetPreRestoreFailureMsg` (a writer's, in OnPreRestore, R67).
    pub pre_restore_failure_msg: Option<String>,
    /// `SetFileRestoreStatus` (the requester's, after copying the files).
    pub file_restore_status: Option<FileRestoreStatus>,
    /// `SetPostRestoreFailureMsg` (a writer's, in OnPostRestore, R67).
    pub post_restore_failure_msg: Option<String>,
}

impl BackupComponent {
    /// The component `name` under `logical_path`, nothing recorded yet.
    pub fn new(component_type: ComponentType, logical_path: Option<&str>, name: &str) -> Self {
        let logical_path = logical_path.filter(|p| !p.is_empty());
        Self {
            logical_path: logical_path.map(str::to_owned),
            name: name.to_owned(),
            component_type,
            backup_stamp: None,
            previous_backup_stamp: None,
            backup_succeeded: None,
            backup_metadata: None,
            backup_options: None,
            partial_files: Vec::new(),
            differenced_files: Vec::new(),
            selected_for_restore: None,
            restore_options: None,
            additional_restores: None,
            restore_subcomponents: Vec::new(),
            new_targets: Vec::new(),
            restore_metadata: None,
            restore_target: None,
            directed_targets: Vec::new(),
            pre_restore_failure_msg: None,
            file_restore_status: None,
            post_restore_failure_msg: None,
        }
    }
}
