//! Windows' own requesters, as library functions over a machine: what `vssadmin` and
//! DiskShadow print (issue 12, part 7; the `vss-sim` command line puts them behind its
//! subcommands).
//!
//! Each one is a requester like any other: it makes the calls the real tool makes, through
//! the same guarded, traced API, and formats what they return the way Windows prints it. Which
//! words are observed in published output and which are inferred is said where they are
//! defined ([`words`]).

pub mod diskshadow;
pub mod vssadmin;
pub mod words;

use crate::requester::{AsyncError, DynBackupComponents, Vss};
use crate::vocab::{Call, Hresult, SnapshotContext, WriterStatus};

/// What the tools' administrative commands (list, delete, expose, break) do: a requester of
/// their own, initialized for backup in `VSS_CTX_ALL` (every copy on the machine), `f` on it,
/// then released whatever `f` returned.
pub(crate) fn administer<R>(
    vss: &Vss,
    f: impl FnOnce(&mut DynBackupComponents) -> Result<R, Hresult>,
) -> Result<R, Hresult> {
    let mut bc = vss.dynamic();
    let result = bc
        .call_ok(Call::InitializeForBackup)
        .and_then(|()| {
            bc.call_ok(Call::SetContext {
                context: SnapshotContext::VSS_CTX_ALL.value(),
            })
        })
        .and_then(|()| f(&mut bc));
    let _ = bc.call(Call::Release);
    result
}

/// A volume as the tools take it: `C:` is `C:\`.
pub(crate) fn volume_name(volume: &str) -> String {
    if volume.ends_with('\\') {
        volume.to_owned()
    } else {
        format!("{volume}\\")
    }
}

/// A shadow copy or set id, braced or not.
pub(crate) fn parse_id(text: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(text.trim().trim_start_matches('{').trim_end_matches('}')).ok()
}

/// What a status-only requester sees (it sets no backup state, as vssadmin does not):
/// `InitializeForBackup`, `GatherWriterMetadata`, `GatherWriterStatus`, every row,
/// `FreeWriterStatus`, release.
pub(crate) fn writer_status(vss: &Vss) -> Result<Vec<WriterStatus>, AsyncError> {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup)
        .map_err(AsyncError::Failed)?;
    bc.call_and_wait(Call::GatherWriterMetadata)?;
    let rows = bc.writer_status()?;
    bc.call_ok(Call::FreeWriterStatus)
        .map_err(AsyncError::Failed)?;
    bc.call_ok(Call::Release).map_err(AsyncError::Failed)?;
    Ok(rows)
}
