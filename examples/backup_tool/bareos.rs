//! [`Flow::Bareos1923`](crate::tool::Flow::Bareos1923): bareos's `VSSClientGeneric`
//! (`core/src/win32/filed/vss_generic.cc`) as it was when bareos #1923 was reported.
//!
//! `CreateSnapshots` returns `false` at the first failed step without `AbortBackup`. The job
//! then calls `CloseBackup` regardless, which calls `BackupComplete` unconditionally; when that
//! fails (`VSS_E_BAD_STATE`: "Object is not initialized; called during restore or not called in
//! correct sequence") it calls `AbortBackup`, gathers writer status (printing each failed writer
//! as a warning) and releases the object. After a veto at PrepareForBackup, the job log reads:
//!
//! ```text
//! Fatal error: CreateSGenerate VSS snapshots failed. ERR=... (0x00000000)
//! Error: VSS API failure calling "BackupComplete". ERR=Object is not initialized; ...
//! Warning: VSS Writer "MSSearch Service Writer" has invalid state. ERR=The writer vetoed ...
//! ```
//!
//! Two departures from the C++, both marked below: the tool adds every declared component
//! (bareos adds none), so that all three flows back up the same thing; and the simulator reports
//! a PrepareForBackup veto only through writer status (Q4), so the veto is treated as the
//! PrepareForBackup operation not finishing, which is what `WaitAndCheckForAsyncOperation` saw
//! on Windows (the job log shows no API error at that point).

use vss_sim::vocab::{Call, Hresult, WriterState};

use crate::report::{ToolError, ToolReport};
use crate::session::VssSession;
use crate::tool::{at, BackupTool, BACKUP_COMPLETE_TIMEOUT_MS};

/// bareos waits at most 10 minutes for each asynchronous operation.
const WAIT_MS: u64 = 600_000;

/// Initialize, CreateSnapshots, then CloseBackup whatever happened.
pub(crate) fn run(tool: &BackupTool, s: &mut VssSession, report: &mut ToolReport) {
    // Departure 1: `initialize` adds every declared component.
    if let Err(error) = tool.initialize(s) {
        report.error = Some(error);
        return; // the job ends before CreateSnapshots; nothing is under way (R52)
    }
    let created = create_snapshots(tool, s);
    if let Err(error) = &created {
        report.error = Some(error.clone()); // "CreateSGenerate VSS snapshots failed"
    }
    let closed = close_backup(s, report);
    report.vss_consistent = created.is_ok();
    report.succeeded = created.is_ok() && closed;
}

/// `VSSClientGeneric::CreateSnapshots`: no `AbortBackup` on any failure path.
fn create_snapshots(tool: &BackupTool, s: &mut VssSession) -> Result<(), ToolError> {
    // bareos retries every 5 s with no bound; here, until the deadline.
    s.start_snapshot_set(tool.options().deadline_ms)
        .map_err(at("StartSnapshotSet"))?;
    for volume in &tool.options().volumes {
        // AddVolumeSnapshots ignores a volume it cannot add: that volume is read live (FF 23).
        let _ = s.add_volume(volume);
    }
    s.run_async(Call::PrepareForBackup, WAIT_MS)
        .map_err(at("PrepareForBackup"))?;
    let status = check_writer_status(s)?;
    // Departure 2: a writer failed at PrepareForBackup = the async did not finish.
    if status
        .iter()
        .any(|w| w.state == WriterState::VSS_WS_FAILED_AT_PREPARE_BACKUP)
    {
        return Err(ToolError::WritersFailed {
            after: "PrepareForBackup",
        });
    }
    s.run_async(Call::DoSnapshotSet, WAIT_MS)
        .map_err(at("DoSnapshotSet"))?;
    // Failed writers are only warnings from here on.
    check_writer_status(s)?;
    Ok(())
}

/// `VSSClientGeneric::CloseBackup`: `BackupComplete` first, `AbortBackup` only if that failed.
fn close_backup(s: &mut VssSession, report: &mut ToolReport) -> bool {
    let completed = match s.run_async(Call::BackupComplete, BACKUP_COMPLETE_TIMEOUT_MS) {
        Ok(()) => true,
        // The call itself failed (not the operation): bareos aborts.
        Err(hr) if !s.async_started() => {
            report.error.get_or_insert(ToolError::Call {
                method: "BackupComplete",
                hr,
            });
            s.abort_backup();
            false
        }
        // WaitAndCheckForAsyncOperation's result is ignored here: bRet = true.
        Err(_) => true,
    };
    if let Ok(status) = check_writer_status(s) {
        report.failed_writers = status.into_iter().filter(|w| w.state.is_failed()).collect();
    }
    completed
}

/// `VSSClientGeneric::CheckWriterStatus`: fails only if the API does; failed writers are
/// warnings.
fn check_writer_status(s: &mut VssSession) -> Result<Vec<vss_sim::vocab::WriterStatus>, ToolError> {
    s.writer_status(WAIT_MS)
        .map_err(|hr: Hresult| ToolError::Call {
            method: "GatherWriterStatus",
            hr,
        })
}
