//! `BackupTool`: one backup job against VSS, in one of three flows.
//!
//! The job is bareos's `VSSClientGeneric` (Initialize → CreateSnapshots → CloseBackup) with
//! restic's deadline handling (retry `StartSnapshotSet` while another set is in creation, wait
//! with a timeout and cancel past it). [`Flow::Correct`] follows the abort rules; the other two
//! reproduce field failures 9 and 23.

use vss_sim::requester::Vss;
use vss_sim::vocab::{BackupState, BackupType, Call, ComponentKey, Hresult, Reply};

use crate::report::{ToolError, ToolReport};
use crate::session::VssSession;

/// How the tool handles failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// R52/R54: `AbortBackup` after any failure past `StartSnapshotSet`; never `BackupComplete`
    /// without a successful `DoSnapshotSet`; writer status checked after `PrepareForBackup` and
    /// `DoSnapshotSet`, failed writers reported and the snapshot not called consistent.
    Correct,
    /// bareos #1923 (field failure 9): see `bareos.rs`.
    Bareos1923,
    /// Field failure 23: when the snapshot fails, read the live files and report success as if
    /// the data came from a shadow copy. Follows the abort rules; lies only to its user.
    SilentFallback,
}

/// What to back up, how, and how long VSS may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Options {
    /// Volumes to shadow-copy, e.g. `C:\`.
    pub(crate) volumes: Vec<String>,
    /// `VSS_BT_FULL` truncates writers' logs; `VSS_BT_COPY` leaves them alone.
    pub(crate) backup_type: BackupType,
    /// Virtual time (ms since the machine started) by which the shadow copy must exist.
    pub(crate) deadline_ms: u64,
    /// With [`Flow::Correct`]: when the snapshot fails, copy the live files and say so.
    pub(crate) live_fallback: bool,
    /// The failure handling.
    pub(crate) flow: Flow,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            volumes: vec!["C:\\".to_owned()],
            backup_type: BackupType::VSS_BT_FULL,
            deadline_ms: 120_000,
            live_fallback: false,
            flow: Flow::Correct,
        }
    }
}

/// A backup tool.
#[derive(Clone, Debug, Default)]
pub(crate) struct BackupTool {
    options: Options,
}

/// What a successful snapshot leaves for the copy.
pub(crate) struct Snapshot {
    /// The components added, for `SetBackupSucceeded`.
    pub(crate) components: Vec<ComponentKey>,
    /// Each shadow copy's device object, to read the files through (R24).
    pub(crate) devices: Vec<String>,
}

impl BackupTool {
    /// A tool with `options`.
    pub(crate) fn new(options: Options) -> Self {
        Self { options }
    }

    /// The options.
    pub(crate) fn options(&self) -> &Options {
        &self.options
    }

    /// Runs one backup job on `vss`.
    pub(crate) fn run(&self, vss: &Vss) -> ToolReport {
        let mut session = VssSession::create(vss);
        let mut report = ToolReport::new(self.options.flow);
        match self.options.flow {
            Flow::Correct | Flow::SilentFallback => self.correct(&mut session, &mut report),
            Flow::Bareos1923 => crate::bareos::run(self, &mut session, &mut report),
        }
        report.calls = session.release();
        report
    }

    /// Initialize: `InitializeForBackup`, `SetBackupState`, `GatherWriterMetadata`, then
    /// `AddComponent` for every component the writers declared.
    pub(crate) fn initialize(&self, s: &mut VssSession) -> Result<Vec<ComponentKey>, ToolError> {
        s.call(Call::InitializeForBackup)
            .map_err(at("InitializeForBackup"))?;
        let state = BackupState {
            select_components: true,
            bootable_system_state: true,
            backup_type: self.options.backup_type,
            partial_file_support: false,
        };
        s.call(Call::SetBackupState(state))
            .map_err(at("SetBackupState"))?;
        let timeout = self.remaining_ms(s);
        s.run_async(Call::GatherWriterMetadata, timeout)
            .map_err(at("GatherWriterMetadata"))?;
        let components = s.declared_components().map_err(at("GetWriterMetadata"))?;
        for key in &components {
            s.call(Call::AddComponent(key.clone()))
                .map_err(at("AddComponent"))?;
        }
        Ok(components)
    }

    /// Virtual time left before the deadline.
    pub(crate) fn remaining_ms(&self, s: &VssSession) -> u64 {
        self.options.deadline_ms.saturating_sub(s.now_ms())
    }

    fn correct(&self, s: &mut VssSession, report: &mut ToolReport) {
        match self.create_snapshot(s, report) {
            Ok(snapshot) => {
                for device in &snapshot.devices {
                    let _ = device; // ... copy the selected files from under `device` ...
                }
                report.vss_consistent = true;
                report.succeeded = self.close(s, report, &snapshot);
            }
            // "VSS is best effort": the error goes to a debug log nobody reads.
            Err(_) if self.options.flow == Flow::SilentFallback => {
                report.failed_writers.clear();
                report.read_live_files = true;
                report.vss_consistent = true;
                report.succeeded = true;
            }
            Err(error) => {
                report.error = Some(error);
                report.read_live_files = self.options.live_fallback;
                report.succeeded = self.options.live_fallback;
            }
        }
    }

    /// Everything up to a usable shadow copy; on failure past `StartSnapshotSet`, aborts (R53,
    /// R52, R54) before returning.
    fn create_snapshot(
        &self,
        s: &mut VssSession,
        report: &mut ToolReport,
    ) -> Result<Snapshot, ToolError> {
        let components = self.initialize(s)?;
        let deadline_ms = self.options.deadline_ms;
        s.start_snapshot_set(deadline_ms)
            .map_err(at("StartSnapshotSet"))?;
        let result = self.snapshot_set(s, report, components);
        if result.is_err() {
            s.abort_backup();
        }
        result
    }

    fn snapshot_set(
        &self,
        s: &mut VssSession,
        report: &mut ToolReport,
        components: Vec<ComponentKey>,
    ) -> Result<Snapshot, ToolError> {
        let mut shadow_copies = Vec::new();
        for volume in &self.options.volumes {
            shadow_copies.push(s.add_volume(volume).map_err(at("AddToSnapshotSet"))?);
        }
        let timeout = self.remaining_ms(s);
        s.run_async(Call::PrepareForBackup, timeout)
            .map_err(at("PrepareForBackup"))?;
        self.check_writers(s, report, "PrepareForBackup")?;
        let timeout = self.remaining_ms(s);
        s.run_async(Call::DoSnapshotSet, timeout)
            .map_err(at("DoSnapshotSet"))?;
        if self.options.flow == Flow::Correct {
            self.check_writers(s, report, "DoSnapshotSet")?;
        }
        let mut devices = Vec::new();
        for snapshot in shadow_copies {
            let reply = s.call(Call::SnapshotProperties { snapshot });
            if let Reply::Properties(properties) = reply.map_err(at("GetSnapshotProperties"))? {
                devices.push(properties.device_object);
            }
        }
        Ok(Snapshot {
            components,
            devices,
        })
    }

    /// Gathers writer status; any failed writer fails the step (R29, R30).
    fn check_writers(
        &self,
        s: &mut VssSession,
        report: &mut ToolReport,
        after: &'static str,
    ) -> Result<(), ToolError> {
        let status = s
            .writer_status(STATUS_TIMEOUT_MS)
            .map_err(at("GatherWriterStatus"))?;
        report.failed_writers = status.into_iter().filter(|w| w.state.is_failed()).collect();
        if report.failed_writers.is_empty() {
            Ok(())
        } else {
            Err(ToolError::WritersFailed { after })
        }
    }

    /// `SetBackupSucceeded` per component (R25), `BackupComplete` (R26), writer status (R27).
    fn close(&self, s: &mut VssSession, report: &mut ToolReport, snapshot: &Snapshot) -> bool {
        for component in &snapshot.components {
            let call = Call::SetBackupSucceeded {
                component: component.clone(),
                succeeded: true,
            };
            let _ = s.call(call); // a component VSS dropped is not in the BCD: not ours to fail
        }
        if let Err(hr) = s.run_async(Call::BackupComplete, BACKUP_COMPLETE_TIMEOUT_MS) {
            report.error = Some(ToolError::Call {
                method: "BackupComplete",
                hr,
            });
            return false;
        }
        if self.options.flow == Flow::Correct {
            let _ = self.check_writers(s, report, "BackupComplete");
        }
        report.failed_writers.is_empty()
    }
}

/// Gathering writer status gets its own timeout: it also runs after the copy.
pub(crate) const STATUS_TIMEOUT_MS: u64 = 60_000;

/// `BackupComplete` runs after the copy, past the snapshot deadline: its own timeout.
pub(crate) const BACKUP_COMPLETE_TIMEOUT_MS: u64 = 600_000;

/// Maps a failed call's HRESULT to the tool's error for `method`.
pub(crate) fn at(method: &'static str) -> impl Fn(Hresult) -> ToolError {
    move |hr| ToolError::Call { method, hr }
}
