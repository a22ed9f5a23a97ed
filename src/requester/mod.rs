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
//! | `AddComponent` | `add_component` | `Call::AddComponent` |
//! | `StartSnapshotSet` | `start_snapshot_set` | `Call::StartSnapshotSet` |
//! | `AddToSnapshotSet` | `add_to_snapshot_set` | `Call::AddToSnapshotSet` |
//! | `PrepareForBackup` | `prepare_for_backup` | `Call::PrepareForBackup` |
//! | `DoSnapshotSet` | `do_snapshot_set` | `Call::DoSnapshotSet` |
//! | `GetSnapshotProperties` | `snapshot_properties` | `Call::SnapshotProperties` |
//! | `SetBackupSucceeded` | `set_backup_succeeded` | `Call::SetBackupSucceeded` |
//! | `BackupComplete` | `backup_complete` | `Call::BackupComplete` |
//! | `AbortBackup` | `abort_backup` | `Call::AbortBackup` |
//! | `GatherWriterStatus` + `GetWriterStatus` | `writer_status` | `Call::GatherWriterStatus`, `Call::WriterStatus` |
//! | `IVssAsync::Wait` / `QueryStatus` / `Cancel` | [`Pending::wait`], [`Pending::query_status`], [`Pending::cancel`] | `Call::Wait`, `Call::QueryStatus`, `Call::Cancel` |
//! | `Release` | drop, `release` | drop, `Call::Release` |
//! | (process dies) | `crash` | `Call::Crash` |

mod dynamic;
mod pending;
mod typestate;
mod vss;

pub use dynamic::DynBackupComponents;
pub use pending::{Abortable, Pending, Waited};
pub use typestate::{
    Aborted, BackupComponents, Completed, Discovered, Failed, Initialized, Prepared, SetStarted,
    SnapshotDone, StepError, Uninitialized,
};
pub use vss::{Vss, VssBuilder};
