//! The restore vocabulary (spec §9, T9): restore types, restore targets, file restore status,
//! and the per-component choices a requester writes into the Backup Components Document for a
//! restore (R78–R84, R113).

use serde::{Deserialize, Serialize};

/// `VSS_RESTORE_TYPE`: why the files are restored (`SetRestoreState`, `CVssWriter::GetRestoreType`).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum RestoreType {
    /// No type given: what `GetRestoreType` answers when the requester called no
    /// `SetRestoreState`; writers treat it as `VSS_RTYPE_BY_COPY`.
    #[default]
    VSS_RTYPE_UNDEFINED = 0,
    /// The files are copied back from a backup.
    VSS_RTYPE_BY_COPY = 1,
    /// A transportable shadow copy set is imported.
    VSS_RTYPE_IMPORT = 2,
    /// Another kind of restore.
    VSS_RTYPE_OTHER = 3,
}

impl RestoreType {
    /// Every value, in value order.
    pub const ALL: [Self; 4] = [
        Self::VSS_RTYPE_UNDEFINED,
        Self::VSS_RTYPE_BY_COPY,
        Self::VSS_RTYPE_IMPORT,
        Self::VSS_RTYPE_OTHER,
    ];
}

/// `VSS_RESTORE_TARGET`: where a writer wants a component restored
/// (`IVssComponent::SetRestoreTarget`, read by the requester after PreRestore).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum RestoreTarget {
    /// No target set.
    VSS_RT_UNDEFINED = 0,
    /// The default: restore as the writer's backup-time restore method says (which may itself
    /// name an alternate location).
    #[default]
    VSS_RT_ORIGINAL = 1,
    /// To the alternate locations the writer's metadata maps (`AddAlternateLocationMapping`).
    VSS_RT_ALTERNATE = 2,
    /// Partial restore to the byte ranges of the directed targets (`AddDirectedTarget`).
    VSS_RT_DIRECTED = 3,
    /// To the original location, but with the restore method's semantics overridden.
    VSS_RT_ORIGINAL_LOCATION = 4,
}

impl RestoreTarget {
    /// Every value, in value order.
    pub const ALL: [Self; 5] = [
        Self::VSS_RT_UNDEFINED,
        Self::VSS_RT_ORIGINAL,
        Self::VSS_RT_ALTERNATE,
        Self::VSS_RT_DIRECTED,
        Self::VSS_RT_ORIGINAL_LOCATION,
    ];
}

/// `VSS_FILE_RESTORE_STATUS`: how much of a component's files the requester restored
/// (`SetFileRestoreStatus`, read by the writer in OnPostRestore).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum FileRestoreStatus {
    /// Not reported.
    #[default]
    VSS_RS_UNDEFINED = 0,
    /// None of the files was restored.
    VSS_RS_NONE = 1,
    /// Every file was restored.
    VSS_RS_ALL = 2,
    /// The restore failed: some files may have been restored, the component is inconsistent.
    VSS_RS_FAILED = 3,
}

impl FileRestoreStatus {
    /// Every value, in value order.
    pub const ALL: [Self; 4] = [
        Self::VSS_RS_UNDEFINED,
        Self::VSS_RS_NONE,
        Self::VSS_RS_ALL,
        Self::VSS_RS_FAILED,
    ];
}

/// A subcomponent restored on its own (`AddRestoreSubcomponent`, R80): a component the writer
/// declared selectable for restore, below a component explicitly included at backup time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RestoreSubcomponent {
    /// Its logical path.
    pub logical_path: Option<String>,
    /// Its name.
    pub name: String,
    /// `bRepair`: reserved by Windows, always `false` in practice.
    pub repair: bool,
}

/// A directed target (`IVssComponent::AddDirectedTarget`): a writer's request, in OnPreRestore,
/// that byte ranges of a source file be restored into a target file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DirectedTarget {
    /// `wszSourcePath`.
    pub source_path: String,
    /// `wszSourceFileName`.
    pub source_filename: String,
    /// `wszSourceRangeList`: `offset:length` pairs, comma-separated.
    pub source_ranges: String,
    /// `wszDestinationPath`.
    pub destination_path: String,
    /// `wszDestinationFilename`.
    pub destination_filename: String,
    /// `wszDestinationRangeList`.
    pub destination_ranges: String,
}

/// A partial file (`IVssComponent::AddPartialFile`): a writer's request, during a backup, that
/// only byte ranges of a file be backed up.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PartialFile {
    /// `wszPath`.
    pub path: String,
    /// `wszFilename`.
    pub filename: String,
    /// `wszRanges`: `offset:length` pairs, comma-separated, or the path of a ranges file.
    pub ranges: String,
    /// `wszMetadata`: the writer's own data for the restore of the file.
    pub metadata: Option<String>,
}

/// Differenced files (`IVssComponent::AddDifferencedFilesByLastModifyTime`): files of a
/// component a writer says changed after a time, for an incremental or differential backup.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DifferencedFiles {
    /// `wszPath`.
    pub path: String,
    /// `wszFilespec`.
    pub filespec: String,
    /// `bRecursive`.
    pub recursive: bool,
    /// `ftLastModifyTime`: a `FILETIME` (100 ns since 1601, UTC); 0 lets the requester use its
    /// own records.
    pub last_modify_time: u64,
    /// `AddDifferencedFilesByLastModifyLSN`'s LSN (reserved by Windows), if any.
    pub last_modify_lsn: Option<String>,
}
