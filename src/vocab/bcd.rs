//! The Backup Components Document (BCD, R113): what a backup selected, the backup's global
//! state, and what its writers recorded per component. `IVssBackupComponents::SaveAsXML` saves
//! it (`xml::bcd`); a requester keeps it to restore from.

use serde::{Deserialize, Serialize};

use super::{
    BackupSchema, BackupState, ComponentType, SnapshotSetId, WriterClassId, WriterInstanceId,
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

/// One explicitly included component in the BCD (`IVssComponent`, R113, R114).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl BackupComponent {
    /// The component `name` under `logical_path`, nothing recorded yet.
    pub fn new(component_type: ComponentType, logical_path: Option<&str>, name: &str) -> Self {
        Self {
            logical_path: logical_path.map(str::to_owned),
            name: name.to_owned(),
            component_type,
            backup_stamp: None,
            previous_backup_stamp: None,
            backup_succeeded: None,
            backup_metadata: None,
        }
    }
}
