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

use crate::requester::{AsyncError, Vss};
use crate::vocab::{Call, WriterStatus};

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
