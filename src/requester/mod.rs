//! The requester layer: how a backup tool drives VSS.
//!
//! - [`Vss`]: one simulated machine (a shared handle); create requester objects from it.
//! - [`BackupComponents<S>`]: the typestate API, where call-order mistakes do not compile.
//! - [`Pending`]: an asynchronous step in flight (`IVssAsync`).
//! - [`DynBackupComponents`]: the dynamic API, any call in any order, answered with HRESULTs.
//!
//! | `IVssBackupComponents` | typestate | dynamic |
//! |---|---|---|
//! | `InitializeForBackup` | [`BackupComponents::initialize_for_backup`] | [`Call::InitializeForBackup`](crate::vocab::Call::InitializeForBackup) |
//! | `SetContext` | `set_context` | `Call::SetContext` |
//! | `SetBackupState` | `set_backup_state` | `Call::SetBackupState` |
//! | `GatherWriterMetadata` | `gather_writer_metadata` | `Call::GatherWriterMetadata` |
//! | `GetWriterMetadataCount` / `GetWriterMetadata` / `FreeWriterMetadata` | `writer_metadata_count`, `writer_metadata_at`, `writer_metadata`, `free_writer_metadata` | `Call::WriterMetadataCount`, `Call::WriterMetadata`, `Call::FreeWriterMetadata` |
//! | `AddComponent` | `add_component` | `Call::AddComponent`; `select_all_components`, `select_components_in_set` (DiskShadow's selection by the set's volumes) |
//! | `StartSnapshotSet` | `start_snapshot_set` | `Call::StartSnapshotSet` |
//! | `AddToSnapshotSet` | `add_to_snapshot_set` | `Call::AddToSnapshotSet` |
//! | `PrepareForBackup` | `prepare_for_backup` | `Call::PrepareForBackup` |
//! | `DoSnapshotSet` | `do_snapshot_set` | `Call::DoSnapshotSet` |
//! | `GetSnapshotProperties` | `snapshot_properties` | `Call::SnapshotProperties` |
//! | `IsVolumeSupported` | `is_volume_supported` | `Call::IsVolumeSupported` |
//! | `SetBackupSucceeded` | `set_backup_succeeded` | `Call::SetBackupSucceeded` |
//! | `BackupComplete` | `backup_complete` | `Call::BackupComplete` |
//! | `AbortBackup` | `abort_backup` | `Call::AbortBackup` |
//! | `SaveAsXML` | `save_as_xml` | `save_as_xml`, `Call::SaveAsXml` |
//! | `SetPreviousBackupStamp` | `set_previous_backup_stamp` | `Call::SetPreviousBackupStamp` |
//! | `GatherWriterStatus` + `GetWriterStatus` | `writer_status`; `gather_writer_status`, `writer_status_count`, `writer_status_at`, `free_writer_status` | `Call::GatherWriterStatus`, `Call::WriterStatusCount`, `Call::WriterStatus`, `Call::FreeWriterStatus` |
//! | `IVssAsync::Wait` / `QueryStatus` / `Cancel` | [`Pending::wait`], [`Pending::wait_ms`], [`Pending::query_status`], [`Pending::cancel`] | `Call::Wait`, `Call::QueryStatus`, `Call::Cancel` |
//! | `InitializeForRestore` | [`BackupComponents::initialize_for_restore`] | `Call::InitializeForRestore` |
//! | `GetWriterComponentsCount` / `GetWriterComponents` | `writer_components` | `writer_components`, `Call::WriterComponentsCount`, `Call::WriterComponents` |
//! | `SetSelectedForRestore(Ex)` | `set_selected_for_restore`, `select_all_for_restore` | `Call::SetSelectedForRestore` |
//! | `AddRestoreSubcomponent` | `add_restore_subcomponent` | `Call::AddRestoreSubcomponent` |
//! | `SetRestoreOptions` / `SetAdditionalRestores` / `AddNewTarget` / `SetRestoreState` | `set_restore_options`, `set_additional_restores`, `add_new_target`, `set_restore_state` | `Call::SetRestoreOptions`, `Call::SetAdditionalRestores`, `Call::AddNewTarget`, `Call::SetRestoreState` |
//! | `PreRestore` | `pre_restore` | `Call::PreRestore` |
//! | `SetFileRestoreStatus` | `set_file_restore_status` | `Call::SetFileRestoreStatus` |
//! | `PostRestore` | `post_restore` | `Call::PostRestore` |
//! | `SetBackupOptions` | – | `Call::SetBackupOptions` |
//! | `ExposeSnapshot`, `UnexposeSnapshot`, `BreakSnapshotSet` | – | `Call::ExposeSnapshot`, `Call::UnexposeSnapshot`, `Call::BreakSnapshotSet` |
//! | `ImportSnapshots` | – | `import_snapshots`, `Call::ImportSnapshots` |
//! | `Release` | drop, `release` | drop, `Call::Release` |
//! | (process dies) | `crash` | `Call::Crash` |

mod dynamic;
mod pending;
mod restore;
mod selection;
mod typestate;
mod vss;

pub use dynamic::{AsyncError, DynBackupComponents};
pub use pending::{
    Abortable, Completing, GatheringMetadata, GatheringRestoreMetadata, GatheringStatus, Operation,
    Pending, PostRestoring, PreRestoring, Preparing, Snapshotting, WaitError, Waited,
};
pub use restore::{
    PostRestoreFailed, PreRestoreFailed, PreRestored, RestoreDiscovered, RestoreInitialized,
    RestoreMetadataFailed, Restored,
};
pub use selection::{select_by_set_volumes, ExcludedComponent, Selection};
pub use typestate::{
    Aborted, BackupComponents, CompleteFailed, Completed, Discovered, Initialized, MetadataFailed,
    PrepareFailed, Prepared, SetStarted, SnapshotDone, SnapshotFailed, StepError, Uninitialized,
};
pub use vss::{Vss, VssBuilder};
