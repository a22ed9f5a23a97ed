//! The guard table (spec T14, R41): may this call be made now, and if not, which HRESULT does
//! Windows return? Guards only read; effects live in `calls.rs`.
//!
//! | Call | Allowed when | Else |
//! |---|---|---|
//! | every call | the object exists (not released) | `VSS_E_BAD_STATE` |
//! | every call that needs the service | the service did not restart under the object | `Policies::lost_service` |
//! | `InitializeForBackup` | once, first (R3, R4) | `VSS_E_BAD_STATE` |
//! | anything else but `Release`, `Crash` | after `InitializeForBackup` (R3) | `VSS_E_BAD_STATE` |
//! | `SetContext` | once, before `StartSnapshotSet` (R5) | `VSS_E_BAD_STATE` |
//! | `Enable/DisableWriterClasses` | any time; no effect after `GatherWriterMetadata` (R7) | – |
//! | `GatherWriterMetadata` | once (R8) | `VSS_E_BAD_STATE` |
//! | `GetWriterMetadataCount`, `GetWriterMetadata` | metadata gathered and not freed (R10, R11) | `VSS_E_BAD_STATE` |
//! | `FreeWriterMetadata` | metadata gathered (R11) | `VSS_E_BAD_STATE` |
//! | `SetBackupState` | before `PrepareForBackup` and `DoSnapshotSet` (R12) | `VSS_E_BAD_STATE` |
//! | `AddComponent` | writer context, component mode, metadata gathered, before `DoSnapshotSet` (R13, R42) | `VSS_E_BAD_STATE` |
//! | `StartSnapshotSet` | no set yet (R14); none in creation machine-wide (R15) | `VSS_E_BAD_STATE` / `VSS_E_SNAPSHOT_SET_IN_PROGRESS` |
//! | `AddToSnapshotSet` | set in creation, `DoSnapshotSet` not called (R16, R19) | `VSS_E_BAD_STATE` |
//! | `PrepareForBackup` | writer context, after `GatherWriterMetadata`, `SetBackupState` and `StartSnapshotSet`, once, not aborted (R9, R21, R40, R42) | `VSS_E_BAD_STATE` |
//! | `DoSnapshotSet` | set in creation; metadata gathered in writer contexts; once; not aborted; `PrepareForBackup` not failed (R22, R52) | `VSS_E_BAD_STATE` |
//! | `GetSnapshotProperties` | after `InitializeForBackup`; not a copy of the object's own set before it is created (R24) | `VSS_E_BAD_STATE`; `VSS_E_OBJECT_NOT_FOUND` for a copy not on the machine or not in the context |
//! | `SetBackupSucceeded` | after a successful `DoSnapshotSet`, before `BackupComplete` (R25) | `VSS_E_BAD_STATE` |
//! | `SetPreviousBackupStamp` | metadata gathered, before `PrepareForBackup` (its writers read it there) | `VSS_E_BAD_STATE`; `VSS_E_OBJECT_NOT_FOUND` for a component not added |
//! | `BackupComplete` | writer context, after a successful `DoSnapshotSet`, once, not aborted (R26) | `VSS_E_BAD_STATE` |
//! | `AbortBackup` | after `InitializeForBackup` (R53) | `VSS_E_BAD_STATE` |
//! | `IsVolumeSupported` | after `InitializeForBackup` (R20) | `VSS_E_BAD_STATE` |
//! | `Query`, `DeleteSnapshots` | after `InitializeForBackup` (R33, R34) | `VSS_E_BAD_STATE` |
//! | `GatherWriterStatus` | metadata gathered (R28) | `VSS_E_BAD_STATE` |
//! | `SaveAsXML` | after `InitializeForBackup` (R31 advises after `DoSnapshotSet`) | `VSS_E_BAD_STATE` |
//! | `GetWriterStatus(Count)` | `GatherWriterStatus` completed (R29) | `VSS_E_BAD_STATE` |
//! | `GetWriterComponents(Count)` | after `InitializeForBackup` or `InitializeForRestore` (R113) | `VSS_E_BAD_STATE`; `VSS_E_OBJECT_NOT_FOUND` past the count |
//! | `SetBackupOptions` | backup, component added, before `PrepareForBackup` | `VSS_E_BAD_STATE`; `VSS_E_OBJECT_NOT_FOUND` for a component not added |
//! | `InitializeForBackup(bstrXML)` | once, first (R3, R4) | `VSS_E_BAD_STATE`; `VSS_E_INVALID_XML_DOCUMENT` for a document that does not load |
//! | `InitializeForRestore` | once, first (R3, R79) | `VSS_E_BAD_STATE`; `VSS_E_INVALID_XML_DOCUMENT` for a document that does not load |
//! | backup-only calls (`SetContext`, `SetBackupState`, `AddComponent`, the set, `PrepareForBackup`, `DoSnapshotSet`, `SetBackupSucceeded`, `SetPreviousBackupStamp`, `SetBackupOptions`, `BackupComplete`, `AbortBackup`) | not in restore mode (R2, R56, Q19) | `VSS_E_BAD_STATE` |
//! | `SetSelectedForRestore(Ex)`, `AddRestoreSubcomponent`, `SetRestoreOptions`, `SetAdditionalRestores`, `AddNewTarget`, `SetRestoreState` | restore mode, before `PreRestore` (R80, T14) | `VSS_E_BAD_STATE`; `VSS_E_OBJECT_NOT_FOUND` for a component not in the document or whose writer is not running |
//! | `PreRestore` | restore mode, metadata gathered, once (R78, R82, T14) | `VSS_E_BAD_STATE` |
//! | `SetFileRestoreStatus` | restore mode, `PreRestore` finished, `PostRestore` not called (R78) | `VSS_E_BAD_STATE` |
//! | `PostRestore` | restore mode, after `PreRestore` finished, once (R83, T14) | `VSS_E_BAD_STATE` |
//! | `FreeWriterStatus` | `GatherWriterStatus` completed (R28) | `VSS_E_BAD_STATE` |
//! | `ImportSnapshots` | initialized from a saved document (`InitializeForBackup(bstrXML)`), not imported yet (R97; `transport.rs`) | `VSS_E_BAD_STATE`; `VSS_E_NONTRANSPORTABLE_BCD` for a document of a set that is not transportable; `VSS_E_UNSUPPORTED_CONTEXT` on a client |
//! | `RevertToSnapshot`, `QueryRevertStatus` | after `InitializeForBackup` (`revert.rs`) | `VSS_E_BAD_STATE`; the method page's codes (`E_NOTIMPL`, `VSS_E_OBJECT_NOT_FOUND`, `VSS_E_UNSUPPORTED_CONTEXT`, `VSS_E_VOLUME_NOT_SUPPORTED`, `VSS_E_VOLUME_IN_USE`) |
//! | any async method | no other operation of this object pending | `VSS_E_BAD_STATE` |

use super::session::{Life, Metadata, Phase, RestorePhase, Session, SetState};
use crate::vocab::{Call, Hresult, SnapshotContext};

const BAD_STATE: Hresult = Hresult::VSS_E_BAD_STATE;

/// Checks `call` against the guard table for `session`. `set_elsewhere` is true when another
/// session's set is in creation (R15).
#[inline]
pub(crate) fn check(session: &Session, call: &Call, set_elsewhere: bool) -> Result<(), Hresult> {
    let initialized = match session.life {
        Life::Gone => return Err(BAD_STATE),
        Life::Lost { code, .. } if call.needs_service() => return Err(code),
        Life::Lost { initialized, .. } => initialized,
        Life::Backup | Life::Restore => true,
        Life::Created => false,
    };
    let phase = session.phase();
    match call {
        Call::InitializeForBackup
        | Call::InitializeForBackupFrom { .. }
        | Call::InitializeForRestore { .. } => require(!initialized),
        Call::Release | Call::Crash => Ok(()),
        _ if !initialized => Err(BAD_STATE),
        _ if session.restoring() && backup_only(call) => Err(BAD_STATE), // R2, R56, Q19
        Call::SetSelectedForRestore { .. }
        | Call::AddRestoreSubcomponent { .. }
        | Call::SetRestoreOptions { .. }
        | Call::SetAdditionalRestores { .. }
        | Call::AddNewTarget { .. }
        | Call::SetRestoreState { .. }
        | Call::PreRestore
        | Call::SetFileRestoreStatus { .. }
        | Call::PostRestore => check_restore(session, call),
        Call::WriterComponentsCount | Call::WriterComponents { .. } => Ok(()),
        Call::SetBackupOptions { .. } => require(phase == Phase::NotStarted),
        Call::SetContext { .. } => {
            require(session.context.is_none() && matches!(session.set, SetState::None))
        }
        Call::EnableWriterClasses { .. } | Call::DisableWriterClasses { .. } => Ok(()),
        Call::GatherWriterMetadata => {
            require(!session.metadata.started())?;
            no_pending(session)
        }
        Call::WriterMetadataCount | Call::WriterMetadata { .. } => {
            require(session.metadata == Metadata::Gathered)
        }
        Call::FreeWriterMetadata => require(session.metadata.gathered()),
        Call::SetBackupState(_) => require(phase == Phase::NotStarted),
        Call::SetPreviousBackupStamp { .. } => {
            require(session.metadata.gathered() && session.phase() == Phase::NotStarted)
        }
        Call::AddComponent(_) => require(
            session.involves_writers()
                && session
                    .backup_state
                    .is_none_or(|state| state.select_components)
                && session.metadata.gathered()
                && !phase.snapshot_started(),
        ),
        Call::StartSnapshotSet
        | Call::AddToSnapshotSet { .. }
        | Call::PrepareForBackup
        | Call::DoSnapshotSet
        | Call::SetBackupSucceeded { .. }
        | Call::BackupComplete => check_backup(session, call, set_elsewhere),
        Call::AbortBackup
        | Call::SnapshotProperties { .. }
        | Call::IsVolumeSupported { .. }
        | Call::Query
        | Call::QueryProviders
        | Call::DeleteSnapshots { .. }
        | Call::ExposeSnapshot { .. }
        | Call::UnexposeSnapshot { .. }
        | Call::BreakSnapshotSet { .. }
        | Call::SaveAsXml => Ok(()),
        // The rest of its state rules are the coordinator's (`check_import`).
        Call::ImportSnapshots | Call::QueryRevertStatus { .. } => no_pending(session),
        Call::RevertToSnapshot { .. } => Ok(()),
        Call::GatherWriterStatus => {
            require(session.metadata.gathered())?;
            no_pending(session)
        }
        Call::WriterStatusCount | Call::WriterStatus { .. } | Call::FreeWriterStatus => {
            require(session.status.is_some())
        }
        Call::Wait { .. } | Call::QueryStatus { .. } | Call::Cancel { .. } => Ok(()),
    }
}

/// The calls that build the set and run the backup's operations (R14–R26, R52).
fn check_backup(session: &Session, call: &Call, set_elsewhere: bool) -> Result<(), Hresult> {
    let (phase, aborted) = (session.phase(), session.backup.aborted());
    match call {
        Call::StartSnapshotSet => {
            require(matches!(session.set, SetState::None) && !aborted)?;
            if session.context().base == SnapshotContext::VSS_CTX_ALL {
                return Err(Hresult::E_INVALIDARG); // R6: no set creation under VSS_CTX_ALL
            }
            if set_elsewhere {
                return Err(Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS); // R15
            }
            Ok(())
        }
        Call::AddToSnapshotSet { .. } => {
            require(matches!(session.set, SetState::InCreation(_)) && !phase.snapshot_started())
        }
        Call::PrepareForBackup => {
            require(
                session.involves_writers()
                    && session.backup_state.is_some()
                    && session.metadata.gathered()
                    && matches!(session.set, SetState::InCreation(_))
                    && phase == Phase::NotStarted
                    && !aborted,
            )?;
            no_pending(session)
        }
        Call::DoSnapshotSet => {
            require(
                matches!(session.set, SetState::InCreation(_))
                    && matches!(phase, Phase::NotStarted | Phase::Prepared)
                    && !aborted
                    && (!session.involves_writers() || session.metadata.gathered()),
            )?;
            no_pending(session)
        }
        Call::SetBackupSucceeded { .. } => {
            require(phase.snapshot_done() && !phase.complete_started() && !aborted)
        }
        Call::BackupComplete => {
            require(
                session.involves_writers()
                    && phase.snapshot_done()
                    && !phase.complete_started()
                    && !aborted,
            )?;
            no_pending(session)
        }
        _ => Ok(()),
    }
}

/// The calls of a backup only: refused in restore mode.
fn backup_only(call: &Call) -> bool {
    matches!(
        call,
        Call::SetContext { .. }
            | Call::SetBackupState(_)
            | Call::AddComponent(_)
            | Call::StartSnapshotSet
            | Call::AddToSnapshotSet { .. }
            | Call::PrepareForBackup
            | Call::DoSnapshotSet
            | Call::SetBackupSucceeded { .. }
            | Call::SetPreviousBackupStamp { .. }
            | Call::SetBackupOptions { .. }
            | Call::BackupComplete
            | Call::AbortBackup
    )
}

/// The calls of a restore (R78–R83, T14).
fn check_restore(session: &Session, call: &Call) -> Result<(), Hresult> {
    require(session.restoring())?;
    let restore = session.restore;
    match call {
        Call::PreRestore => {
            require(session.metadata.gathered() && restore == RestorePhase::NotStarted)?;
            no_pending(session)
        }
        Call::SetFileRestoreStatus { .. } => require(restore == RestorePhase::PreRestored),
        Call::PostRestore => {
            require(restore == RestorePhase::PreRestored)?;
            no_pending(session)
        }
        _ => require(restore == RestorePhase::NotStarted),
    }
}

fn require(condition: bool) -> Result<(), Hresult> {
    if condition {
        Ok(())
    } else {
        Err(BAD_STATE)
    }
}

fn no_pending(session: &Session) -> Result<(), Hresult> {
    require(session.pending.is_none())
}
