//! The events VSS raises in writers (spec R43, R63).

use std::fmt;

use serde::{Deserialize, Serialize};

/// An event VSS delivers to a writer; each has one `CVssWriter` handler (spec R63).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum WriterEvent {
    /// `OnIdentify`: raised by any `GatherWriterMetadata`, never part of an operation (R44).
    Identify,
    /// `OnPrepareBackup`: raised by `PrepareForBackup` (R21).
    PrepareForBackup,
    /// `OnPrepareSnapshot`: first event of `DoSnapshotSet` (R45 step 1).
    PrepareForSnapshot,
    /// `OnFreeze`: in application-level order (R45 step 3, R46).
    Freeze,
    /// `OnThaw`: after the commit (R45 step 10).
    Thaw,
    /// `OnPostSnapshot`: auto-recovery window (R45 step 12).
    PostSnapshot,
    /// `OnAbort`: the operation is abandoned (R50).
    Abort,
    /// `OnBackupComplete`: raised by `BackupComplete` (R26).
    BackupComplete,
    /// `OnBackupShutdown`: raised by VSS when a backup's requester object goes away (R57).
    BackupShutdown,
    /// `OnPreRestore`: raised by `PreRestore` (R82).
    PreRestore,
    /// `OnPostRestore`: raised by `PostRestore` (R83).
    PostRestore,
}

impl WriterEvent {
    /// Every event, in the order a backup and a restore raise them (Abort where it may come).
    pub const ALL: [Self; 11] = [
        Self::Identify,
        Self::PrepareForBackup,
        Self::PrepareForSnapshot,
        Self::Freeze,
        Self::Thaw,
        Self::PostSnapshot,
        Self::Abort,
        Self::BackupComplete,
        Self::BackupShutdown,
        Self::PreRestore,
        Self::PostRestore,
    ];

    /// The events a backup requester makes VSS raise (R43): every event but the two of
    /// restore.
    pub const BACKUP: [Self; 9] = [
        Self::Identify,
        Self::PrepareForBackup,
        Self::PrepareForSnapshot,
        Self::Freeze,
        Self::Thaw,
        Self::PostSnapshot,
        Self::Abort,
        Self::BackupComplete,
        Self::BackupShutdown,
    ];

    /// The six events of a backup's own sequence, from PrepareForBackup to BackupComplete
    /// (R43, R45): the handlers in which a writer takes part in (and can fail) a backup.
    pub const BACKUP_SEQUENCE: [Self; 6] = [
        Self::PrepareForBackup,
        Self::PrepareForSnapshot,
        Self::Freeze,
        Self::Thaw,
        Self::PostSnapshot,
        Self::BackupComplete,
    ];

    /// Whether a requester's operation raises it (PrepareForBackup to BackupComplete, and the
    /// restore events), as opposed to Identify (any `GatherWriterMetadata`) and Abort and
    /// BackupShutdown (out of band). Delivering one involves the writer in the operation's
    /// backup: its status there is the backup's own (R30, T2).
    pub const fn belongs_to_an_operation(self) -> bool {
        !matches!(self, Self::Identify | Self::Abort | Self::BackupShutdown)
    }

    /// The `CVssWriter` handler that receives this event.
    pub const fn handler_name(self) -> &'static str {
        match self {
            Self::Identify => "OnIdentify",
            Self::PrepareForBackup => "OnPrepareBackup",
            Self::PrepareForSnapshot => "OnPrepareSnapshot",
            Self::Freeze => "OnFreeze",
            Self::Thaw => "OnThaw",
            Self::PostSnapshot => "OnPostSnapshot",
            Self::Abort => "OnAbort",
            Self::BackupComplete => "OnBackupComplete",
            Self::BackupShutdown => "OnBackupShutdown",
            Self::PreRestore => "OnPreRestore",
            Self::PostRestore => "OnPostRestore",
        }
    }
}

impl fmt::Display for WriterEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A writer-side query or report made from a handler (R66, R68, R69, R70), or a write into its
/// components of the Backup Components Document (R49, R114).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum WriterQuery {
    /// `GetCurrentSnapshotSetId` (R68).
    CurrentSnapshotSetId,
    /// `GetSnapshotDeviceName` (R69).
    SnapshotDeviceName,
    /// `GetCurrentVolumeArray` / `IsPathAffected` (R70, Q9).
    CurrentVolumes,
    /// `SetWriterFailure` (R66).
    SetWriterFailure,
    /// `IVssComponent::SetBackupStamp` (R114; OnPrepareBackup, OnPostSnapshot).
    SetBackupStamp,
    /// `IVssComponent::SetBackupMetadata` (R114; OnPrepareBackup, OnPostSnapshot).
    SetBackupMetadata,
    /// `IVssComponent::AddPartialFile` (R114; OnPrepareBackup, OnPostSnapshot).
    AddPartialFile,
    /// `IVssComponent::AddDifferencedFilesByLastModifyTime` (R114; OnPrepareBackup,
    /// OnPostSnapshot).
    AddDifferencedFiles,
    /// `IVssComponent::SetRestoreMetadata` (R114; OnPreRestore).
    SetRestoreMetadata,
    /// `IVssComponent::SetRestoreTarget` (R114; OnPreRestore).
    SetRestoreTarget,
    /// `IVssComponent::AddDirectedTarget` (R114; OnPreRestore).
    AddDirectedTarget,
    /// `IVssComponent::SetPreRestoreFailureMsg` (R67; OnPreRestore).
    SetPreRestoreFailureMsg,
    /// `IVssComponent::SetPostRestoreFailureMsg` (R67; OnPostRestore).
    SetPostRestoreFailureMsg,
}

impl WriterQuery {
    /// A write into the writer's components of the document, not a query (R49, R114).
    pub const fn writes_document(self) -> bool {
        !matches!(
            self,
            Self::CurrentSnapshotSetId
                | Self::SnapshotDeviceName
                | Self::CurrentVolumes
                | Self::SetWriterFailure
        )
    }

    /// Whether this write into the document is allowed during `event` (R49, R114; Q18: the
    /// post-restore failure message is the one write OnPostRestore may make). `false` for the
    /// queries.
    pub const fn writable_in(self, event: WriterEvent) -> bool {
        match self {
            Self::SetBackupStamp
            | Self::SetBackupMetadata
            | Self::AddPartialFile
            | Self::AddDifferencedFiles => matches!(
                event,
                WriterEvent::PrepareForBackup | WriterEvent::PostSnapshot
            ),
            Self::SetRestoreMetadata
            | Self::SetRestoreTarget
            | Self::AddDirectedTarget
            | Self::SetPreRestoreFailureMsg => matches!(event, WriterEvent::PreRestore),
            Self::SetPostRestoreFailureMsg => matches!(event, WriterEvent::PostRestore),
            Self::CurrentSnapshotSetId
            | Self::SnapshotDeviceName
            | Self::CurrentVolumes
            | Self::SetWriterFailure => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lists_nest() {
        assert_eq!(WriterEvent::BACKUP, WriterEvent::ALL[..9]);
        assert!(WriterEvent::BACKUP_SEQUENCE
            .iter()
            .all(|event| WriterEvent::BACKUP.contains(event)));
        let mut sorted = WriterEvent::ALL;
        sorted.sort();
        assert_eq!(
            sorted,
            WriterEvent::ALL,
            "declaration order is raising order"
        );
    }
}
