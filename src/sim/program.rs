//! Requester programs as data: the steps a backup tool takes, by name, so scenario files,
//! explorers and fuzzers can describe requesters without code.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::vocab::{BackupState, Hresult, WriterState};

/// One requester action. Asynchronous methods only start their operation; a following
/// [`Step::Wait`] waits for it (as `IVssAsync::Wait` does) and its result is the operation's
/// final status. [`Step::RestartWriter`] is the one step that is not the requester's: an
/// administrator restarts a writer's service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call")]
#[non_exhaustive]
pub enum Step {
    /// `InitializeForBackup` (R4).
    InitializeForBackup,
    /// `SetContext(context)` (R5).
    SetContext {
        /// The raw `lContext`.
        context: u32,
    },
    /// `SetBackupState` (R12); fields default to component mode, `VSS_BT_FULL`.
    SetBackupState(BackupState),
    /// `DisableWriterClasses` for the classes of these writers, by name (R7).
    DisableWriters {
        /// Writer names.
        writers: Vec<String>,
    },
    /// `GatherWriterMetadata` (R8).
    GatherWriterMetadata,
    /// `AddComponent` for every component every identified writer declared (R13).
    SelectAllComponents,
    /// `AddComponent` for every component of these writers, by name (R13, R47).
    SelectComponents {
        /// Writer names.
        writers: Vec<String>,
    },
    /// `StartSnapshotSet` (R14).
    StartSnapshotSet,
    /// `AddToSnapshotSet(volume, GUID_NULL)` (R16).
    AddToSnapshotSet {
        /// The volume, e.g. `C:\`.
        volume: String,
    },
    /// `PrepareForBackup` (R21).
    PrepareForBackup,
    /// `DoSnapshotSet` (R22).
    DoSnapshotSet,
    /// `GatherWriterStatus` (R28).
    GatherWriterStatus,
    /// `GetWriterStatusCount`, then `GetWriterStatus` for every row (R29), as `vssadmin list
    /// writers` and most requesters do after a completed `GatherWriterStatus`. The result is the
    /// first failure (`VSS_E_BAD_STATE` before any `GatherWriterStatus` completed).
    GetWriterStatus {
        /// The rows the requester must read: state and `hrFailure` by writer name; a writer not
        /// named must be absent (R10). `None`: not checked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_rows: Option<BTreeMap<String, (WriterState, Hresult)>>,
    },
    /// `GetWriterMetadataCount` and the writers whose metadata the requester can read (R10).
    GetWriterMetadata {
        /// The writers, by name in registration order, whose metadata the requester must see.
        /// `None`: not checked.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expect_writers: Option<Vec<String>>,
    },
    /// `BackupComplete` (R26).
    BackupComplete,
    /// `AbortBackup` (R53).
    AbortBackup,
    /// `IVssAsync::Wait` on this requester's last operation; `None` waits without limit.
    Wait {
        /// The longest virtual time to wait.
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    /// `IVssAsync::QueryStatus` on the last operation.
    QueryStatus,
    /// `IVssAsync::Cancel` on the last operation (R38).
    Cancel,
    /// The requester sleeps: virtual time passes.
    Sleep {
        /// How long.
        ms: u64,
    },
    /// `Release` (R32).
    Release,
    /// The requester process dies (R57).
    Crash,
    /// An administrator restarts the writer's service: a failure stuck to a writer with
    /// `persist_failures` is cleared (field failure 17), for every instance of that name. Not a
    /// requester call: it runs whatever the state of the step's `requester` (which is ignored),
    /// is not in the trace, and returns `E_INVALIDARG` for an unknown writer name.
    RestartWriter {
        /// The writer's name.
        writer: String,
    },
}

/// A step of a program, run by requester number `requester`, with the result a test expects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgramStep {
    /// Which requester object runs it (created on first use).
    #[serde(default)]
    pub requester: u32,
    /// What it does.
    #[serde(flatten)]
    pub step: Step,
    /// The HRESULT the step must return (for `Wait`: the operation's final status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Hresult>,
}

impl ProgramStep {
    /// `step`, run by requester 0, with no expectation.
    pub fn new(step: Step) -> Self {
        Self {
            requester: 0,
            step,
            expect: None,
        }
    }

    /// Drops what the step expects to return or read (`expect`, `expect_rows`,
    /// `expect_writers`), keeping what it does.
    pub fn clear_expectations(&mut self) {
        self.expect = None;
        match &mut self.step {
            Step::GetWriterStatus { expect_rows } => *expect_rows = None,
            Step::GetWriterMetadata { expect_writers } => *expect_writers = None,
            _ => {}
        }
    }
}

/// The canonical component-mode backup of R40, by requester `requester`: initialize, state,
/// metadata, components, set, `C:\`, PrepareForBackup, DoSnapshotSet, status, BackupComplete,
/// status, release.
pub fn canonical_backup(requester: u32) -> Vec<ProgramStep> {
    let wait = || Step::Wait { timeout_ms: None };
    [
        Step::InitializeForBackup,
        Step::SetBackupState(BackupState::default()),
        Step::GatherWriterMetadata,
        wait(),
        Step::SelectAllComponents,
        Step::StartSnapshotSet,
        Step::AddToSnapshotSet {
            volume: "C:\\".into(),
        },
        Step::PrepareForBackup,
        wait(),
        Step::DoSnapshotSet,
        wait(),
        Step::GatherWriterStatus,
        wait(),
        Step::BackupComplete,
        wait(),
        Step::Release,
    ]
    .into_iter()
    .map(|step| ProgramStep {
        requester,
        step,
        expect: None,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clearing_expectations_keeps_the_action() {
        let mut step = ProgramStep {
            requester: 2,
            step: Step::GetWriterStatus {
                expect_rows: Some(BTreeMap::new()),
            },
            expect: Some(Hresult::S_OK),
        };
        step.clear_expectations();
        assert_eq!(step.expect, None);
        assert_eq!(step.step, Step::GetWriterStatus { expect_rows: None });
        assert_eq!(step.requester, 2);
        let mut step = ProgramStep::new(Step::GetWriterMetadata {
            expect_writers: Some(vec!["W".into()]),
        });
        step.clear_expectations();
        assert_eq!(
            step.step,
            Step::GetWriterMetadata {
                expect_writers: None
            }
        );
    }
}
