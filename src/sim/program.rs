//! Requester programs as data: the one language scenario files, fuzz targets, property tests
//! and the public strategies describe requesters in, run by one interpreter
//! (`interpreter.rs`).
//!
//! A [`Step`] is one requester call with its arguments, or an action around the requester
//! (sleeping, an administrator restarting a writer). Arguments that only exist while the run
//! goes (an operation handle, a component the requester read in a writer's metadata, a shadow
//! copy id) are references resolved when the step runs ([`OpRef`], [`ComponentRef`],
//! [`SnapshotRef`]), so a program can express any call, misuse included: a wait on another
//! requester's operation, a component that does not exist, a call out of order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::vocab::{
    BackupState, FileRestoreStatus, Hresult, ProviderId, RestoreType, SignalName, WriterClassId,
    WriterState,
};

/// Writer states and `hrFailure` by writer name, as `GetWriterStatus` reports them.
pub type StatusRows = BTreeMap<String, (WriterState, Hresult)>;

/// One requester action. Asynchronous methods only start their operation; a following
/// [`Step::Wait`] waits for it (as `IVssAsync::Wait` does) and its result is the operation's
/// final status. [`Step::Sleep`] and [`Step::RestartWriter`] are not calls of the requester.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// `InitializeForBackup` (R4).
    InitializeForBackup,
    /// `SetContext(context)` with the raw `lContext`, invalid values included (R5).
    SetContext {
        /// The raw `lContext`.
        context: u32,
    },
    /// `SetBackupState` (R12).
    SetBackupState(BackupState),
    /// `EnableWriterClasses` with these class ids (R7).
    EnableWriterClasses {
        /// Class ids.
        classes: Vec<WriterClassId>,
    },
    /// `DisableWriterClasses` with these class ids (R7).
    DisableWriterClasses {
        /// Class ids.
        classes: Vec<WriterClassId>,
    },
    /// `EnableWriterClasses` for the classes of these writers of the scenario, by name (R7).
    EnableWriters {
        /// Writer names.
        writers: Vec<String>,
    },
    /// `DisableWriterClasses` for the classes of these writers of the scenario, by name (R7).
    DisableWriters {
        /// Writer names.
        writers: Vec<String>,
    },
    /// `GatherWriterMetadata` (R8).
    GatherWriterMetadata,
    /// `GetWriterMetadataCount` (R10).
    GetWriterMetadataCount,
    /// `GetWriterMetadataCount`, then `GetWriterMetadata` for every writer (R10): what the
    /// requester can read. The result is the first failure.
    GetWriterMetadata {
        /// The writers, by name in the order read, whose metadata the requester must see.
        /// `None`: not checked.
        expect_writers: Option<Vec<String>>,
    },
    /// `GetWriterMetadata(index)`, one writer (R10).
    GetWriterMetadataAt {
        /// The index.
        index: u32,
    },
    /// `FreeWriterMetadata` (R11).
    FreeWriterMetadata,
    /// `AddComponent` for what backs up every writer whose metadata the requester reads: each
    /// writer's components with no selectable ancestor (R13, R110).
    SelectAllComponents,
    /// `AddComponent` for what backs up these writers, by name: their components with no
    /// selectable ancestor (R13, R47, R110).
    SelectComponents {
        /// Writer names.
        writers: Vec<String>,
    },
    /// DiskShadow's selection (field failure 24): `AddComponent` for each explicit component
    /// (R110) whose files all lie on volumes of the requester's snapshot set; the others are
    /// left out, each with DiskShadow's message (the step result's `excluded`). After
    /// `AddToSnapshotSet`.
    SelectComponentsInSet,
    /// `AddComponent` of one component (R13).
    AddComponent {
        /// Which component.
        component: ComponentRef,
    },
    /// `StartSnapshotSet` (R14).
    StartSnapshotSet,
    /// `AddToSnapshotSet(volume, provider)` (R16).
    AddToSnapshotSet {
        /// The volume, e.g. `C:\`.
        volume: String,
        /// The provider; `None` is `GUID_NULL`, which lets VSS choose (R85).
        provider: Option<ProviderId>,
    },
    /// `PrepareForBackup` (R21).
    PrepareForBackup,
    /// `DoSnapshotSet` (R22).
    DoSnapshotSet,
    /// `IsVolumeSupported` (R20); the answer is in the step's result.
    IsVolumeSupported {
        /// The volume, e.g. `C:\`.
        volume: String,
        /// The provider; `None` is `GUID_NULL`: any provider.
        provider: Option<ProviderId>,
    },
    /// `Query` (R34): the shadow copies the requester's context sees.
    Query,
    /// `DeleteSnapshots` of one shadow copy (R33).
    DeleteSnapshots {
        /// Which shadow copy.
        snapshot: SnapshotRef,
    },
    /// `ExposeSnapshot` of one shadow copy (R107): locally as `expose` (`X:` or a mount folder),
    /// or remotely as the share `expose` (`None`: VSS picks the name).
    ExposeSnapshot {
        /// Which shadow copy.
        snapshot: SnapshotRef,
        /// The drive letter, mount folder or share name.
        expose: Option<String>,
        /// `EXPOSED_REMOTELY` instead of `EXPOSED_LOCALLY`.
        remotely: bool,
    },
    /// `UnexposeSnapshot` of one shadow copy (`IVssBackupComponentsEx2`).
    UnexposeSnapshot {
        /// Which shadow copy.
        snapshot: SnapshotRef,
    },
    /// `BreakSnapshotSet` of this requester's set (the id its `StartSnapshotSet` returned).
    BreakSnapshotSet,
    /// `RevertToSnapshot`: the copy's volume goes back to the copy.
    RevertToSnapshot {
        /// Which shadow copy.
        snapshot: SnapshotRef,
        /// `bForceDismount`: even if the volume is in use.
        force_dismount: bool,
    },
    /// `QueryRevertStatus` of a volume (answers an `IVssAsync`).
    QueryRevertStatus {
        /// The volume, by any of its names.
        volume: String,
    },
    /// `GetSnapshotProperties` (R24).
    GetSnapshotProperties {
        /// Which shadow copy.
        snapshot: SnapshotRef,
    },
    /// `SetBackupSucceeded` (R25).
    SetBackupSucceeded {
        /// Which component.
        component: ComponentRef,
        /// `bSucceeded`.
        succeeded: bool,
    },
    /// `BackupComplete` (R26).
    BackupComplete,
    /// `AbortBackup` (R53).
    AbortBackup,
    /// `GatherWriterStatus` (R28).
    GatherWriterStatus,
    /// `GetWriterStatusCount` (R29).
    GetWriterStatusCount,
    /// `GetWriterStatusCount`, then `GetWriterStatus` for every row (R29), as `vssadmin list
    /// writers` and most requesters do after a completed `GatherWriterStatus`. The result is the
    /// first failure (`VSS_E_BAD_STATE` before any `GatherWriterStatus` completed).
    GetWriterStatus {
        /// The rows the requester must read: state and `hrFailure` by writer name; a writer not
        /// named must be absent (R10). `None`: not checked.
        expect_rows: Option<StatusRows>,
    },
    /// `GetWriterStatus(index)`, one row (R29).
    GetWriterStatusAt {
        /// The index.
        index: u32,
    },
    /// `FreeWriterStatus` (R28).
    FreeWriterStatus,
    /// `SaveAsXML` (R31, R113): the run keeps the document, for a later
    /// `InitializeForRestore` of any requester.
    SaveAsXml,
    /// `InitializeForRestore` (R79) with `bcd`, or with the document the run's last `SaveAsXml`
    /// kept (`None`; an empty document when none was saved, which does not load).
    InitializeForRestore {
        /// The Backup Components Document's XML.
        bcd: Option<String>,
    },
    /// `InitializeForBackup(bstrXML)` (R4, R113) with `bcd`, or with the document the run's
    /// last `SaveAsXml` kept: what an importer of a transportable set does first.
    InitializeForBackupFrom {
        /// The Backup Components Document's XML.
        bcd: Option<String>,
    },
    /// `ImportSnapshots` (R97): imports the set the loaded document describes.
    ImportSnapshots,
    /// `SetSelectedForRestore(…, true)` for every component of the restore document
    /// (`GetWriterComponents`, R80), each named by class; the first failure
    /// (`VSS_E_OBJECT_NOT_FOUND` for a component whose writer is not running, the others still
    /// selected).
    SelectAllForRestore,
    /// `SetSelectedForRestore(…, true)` for every component of these writers, by name, in the
    /// restore document (R80, R81); the first failure.
    SelectForRestore {
        /// Writer names.
        writers: Vec<String>,
    },
    /// `SetSelectedForRestore` of one component (R80).
    SetSelectedForRestore {
        /// Which component.
        component: ComponentRef,
        /// `bSelectedForRestore`.
        selected: bool,
    },
    /// `SetRestoreState` (R78).
    SetRestoreState {
        /// The restore type.
        restore_type: RestoreType,
    },
    /// `SetAdditionalRestores(additional)` (R78) for every component selected for restore in
    /// the document: more restores of them follow (incremental, differential, logs); the first
    /// failure.
    SetAdditionalRestores {
        /// `bAdditionalRestores`.
        additional: bool,
    },
    /// `AddNewTarget` (R78) for every component selected for restore in the document: its files
    /// (`*`, recursively) go to `path` instead of where they were; the first failure.
    AddNewTargets {
        /// The new location, e.g. `D:\Restored\`.
        path: String,
    },
    /// `PreRestore` (R82).
    PreRestore,
    /// `SetFileRestoreStatus` (R78) of one component, or (`None`) of every component selected
    /// for restore in the document; the first failure.
    SetFileRestoreStatus {
        /// Which component; `None`: every selected one.
        component: Option<ComponentRef>,
        /// The status.
        status: FileRestoreStatus,
    },
    /// `PostRestore` (R83).
    PostRestore,
    /// `SetPreviousBackupStamp` for every component of the run's last saved document that holds
    /// a writer's backup stamp (R113): how an incremental or differential backup hands each
    /// writer the stamp of the backup it builds on; the first failure.
    HandBackStamps,
    /// `IVssAsync::Wait`; `None` waits without limit (R37).
    Wait {
        /// Which operation.
        op: OpRef,
        /// The longest virtual time to wait.
        timeout_ms: Option<u64>,
    },
    /// `IVssAsync::QueryStatus` (R36).
    QueryStatus {
        /// Which operation.
        op: OpRef,
    },
    /// `IVssAsync::Cancel` (R38).
    Cancel {
        /// Which operation.
        op: OpRef,
    },
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
    /// and returns `E_INVALIDARG` for an unknown writer name.
    RestartWriter {
        /// The writer's name.
        writer: String,
    },
    /// The VSS service restarts (`Vss::restart_service`): every requester object loses it, and
    /// the writers the service hosts restart with it. Not a requester call: returns `S_OK`.
    RestartService,
    /// The writer's process dies and stays down (`Vss::stop_writer`, every instance of the
    /// name): backups under way that identified it lose it, and no requester finds it until
    /// `StartWriter`. Not a requester call: `S_OK`, or `E_INVALIDARG` for an unknown writer.
    StopWriter {
        /// The writer's name.
        writer: String,
    },
    /// The writer's process starts again (`Vss::start_writer`): Stable, no error, and a
    /// failure stuck with `persist_failures` is forgotten. `S_OK`, or `E_INVALIDARG`.
    StartWriter {
        /// The writer's name.
        writer: String,
    },
    /// The host writes `bytes` to a volume (`Vss::write_to_volume`): the volume's newest shadow
    /// copy grows, and when its shadow storage runs out its oldest copies go (R103). Not a
    /// requester call: returns `S_OK`, or `VSS_E_OBJECT_NOT_FOUND` for an unknown volume.
    WriteToVolume {
        /// The volume, e.g. `C:\`.
        volume: String,
        /// How many bytes.
        bytes: u64,
    },
    /// The host — test code outside the machine, or the requester's own code — sets a named
    /// signal (`SetEvent`): whoever waits for it goes on. Not a requester call: returns `S_OK`.
    SetSignal {
        /// The signal's name.
        signal: SignalName,
    },
    /// The host resets a named signal (`ResetEvent`). Returns `S_OK`.
    ResetSignal {
        /// The signal's name.
        signal: SignalName,
    },
    /// The host waits up to `timeout_ms` (`None`: without limit) for a named signal while the
    /// machine runs on (`WaitForSingleObject`): `S_OK` when it was set, `S_FALSE` when the
    /// timeout passed first (`WAIT_TIMEOUT`). A run bound that cut the wait short leaves the
    /// step without a result, as for `Wait`.
    WaitSignal {
        /// The signal's name.
        signal: SignalName,
        /// How long at most.
        timeout_ms: Option<u64>,
    },
}

impl Step {
    /// Steps of the host, not of a requester: they run whatever the state of the step's
    /// `requester` (which is ignored).
    pub fn is_host_step(&self) -> bool {
        matches!(
            self,
            Self::RestartWriter { .. }
                | Self::RestartService
                | Self::StopWriter { .. }
                | Self::StartWriter { .. }
                | Self::WriteToVolume { .. }
                | Self::SetSignal { .. }
                | Self::ResetSignal { .. }
                | Self::WaitSignal { .. }
        )
    }
}

/// Which operation an `IVssAsync` step names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OpRef {
    /// The requester's own last operation (an unknown one if it started none).
    #[default]
    Last,
    /// The `n`-th operation any requester of the run started (an unknown one if there are
    /// fewer).
    Nth(u32),
    /// A raw operation number, likely unknown: for misuse.
    Raw(u32),
}

/// Which shadow copy `GetSnapshotProperties` or `DeleteSnapshots` names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SnapshotRef {
    /// The last one this requester's `AddToSnapshotSet` returned (`GUID_NULL` if none).
    #[default]
    Last,
    /// `GUID_NULL`.
    Null,
    /// The `n`-th shadow copy id the simulator mints, whoever added it.
    Minted(u32),
}

/// Which component a component step names.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ComponentRef {
    /// By name: `{ writer = "SqlWriter", name = "db", logical_path = "…" }`. The writer's ids are
    /// the ones the requester read in its metadata (`GUID_NULL` as the instance when it read
    /// none), the type the declared one's.
    Named {
        /// The writer, by name.
        writer: String,
        /// The component's logical path; none is the root (R109).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logical_path: Option<String>,
        /// The component's name.
        name: String,
    },
    /// The `declared`-th component selectable for backup among those the requester read in
    /// writer metadata (the requester reads the metadata first if it has not), then maybe
    /// damaged: `{ declared = 0, mangle = "WrongType" }`. With nothing to read, a made-up
    /// component of the `declared`-th writer class.
    Declared {
        /// The position among the components read.
        declared: u32,
        /// How the key is damaged, if at all.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mangle: Option<Mangle>,
    },
}

/// How a [`ComponentRef::Declared`] key is damaged, for misuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Mangle {
    /// `GUID_NULL` as the instance: every instance of the class (R13).
    NullInstance,
    /// A name no writer declared.
    UnknownName,
    /// The other component type.
    WrongType,
    /// A logical path the writer never used.
    LogicalPath,
    /// A class id no writer has.
    UnknownWriter,
}

impl Mangle {
    /// Every way of damaging a key.
    pub const ALL: [Self; 5] = [
        Self::NullInstance,
        Self::UnknownName,
        Self::WrongType,
        Self::LogicalPath,
        Self::UnknownWriter,
    ];
}

/// A step of a program, run by requester number `requester`, with the result a test expects.
///
/// In a scenario file a step is one table: `call` names the step, the other keys are its
/// arguments plus `requester` and `expect`. A key the step does not take is an error, as is a
/// misspelt one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramStep {
    /// Which requester object runs it (all are created, in order, before the first step).
    pub requester: u32,
    /// What it does.
    pub step: Step,
    /// The HRESULT the step must return (for `Wait`: the operation's final status).
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

    /// `step`, run by requester `requester`, with no expectation.
    pub fn by(requester: u32, step: Step) -> Self {
        Self {
            requester,
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

    /// The writer names the step mentions (for checks that every name is a writer of the
    /// scenario).
    pub fn writer_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = match &self.step {
            Step::EnableWriters { writers }
            | Step::DisableWriters { writers }
            | Step::SelectComponents { writers }
            | Step::SelectForRestore { writers } => writers.iter().map(String::as_str).collect(),
            Step::RestartWriter { writer }
            | Step::StopWriter { writer }
            | Step::StartWriter { writer } => vec![writer.as_str()],
            Step::AddComponent {
                component: ComponentRef::Named { writer, .. },
            }
            | Step::SetBackupSucceeded {
                component: ComponentRef::Named { writer, .. },
                ..
            }
            | Step::SetSelectedForRestore {
                component: ComponentRef::Named { writer, .. },
                ..
            }
            | Step::SetFileRestoreStatus {
                component: Some(ComponentRef::Named { writer, .. }),
                ..
            } => vec![writer.as_str()],
            Step::GetWriterMetadata {
                expect_writers: Some(writers),
            } => writers.iter().map(String::as_str).collect(),
            Step::GetWriterStatus {
                expect_rows: Some(rows),
            } => rows.keys().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        names.dedup();
        names
    }
}

/// The canonical component-mode backup of R40, by requester `requester`: initialize, state,
/// metadata, components, set, `C:\`, PrepareForBackup, DoSnapshotSet, status, BackupComplete,
/// release.
pub fn canonical_backup(requester: u32) -> Vec<ProgramStep> {
    let wait = || Step::Wait {
        op: OpRef::Last,
        timeout_ms: None,
    };
    [
        Step::InitializeForBackup,
        Step::SetBackupState(BackupState::default()),
        Step::GatherWriterMetadata,
        wait(),
        Step::SelectAllComponents,
        Step::StartSnapshotSet,
        Step::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: None,
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
    .map(|step| ProgramStep::by(requester, step))
    .collect()
}

/// The canonical restore of R78, by requester `requester`, of the document the run's last
/// `SaveAsXml` kept: initialize for restore, metadata, every component selected, PreRestore,
/// every file restored (`VSS_RS_ALL`), PostRestore, status, release.
pub fn canonical_restore(requester: u32) -> Vec<ProgramStep> {
    let wait = || Step::Wait {
        op: OpRef::Last,
        timeout_ms: None,
    };
    [
        Step::InitializeForRestore { bcd: None },
        Step::GatherWriterMetadata,
        wait(),
        Step::SelectAllForRestore,
        Step::PreRestore,
        wait(),
        Step::SetFileRestoreStatus {
            component: None,
            status: FileRestoreStatus::VSS_RS_ALL,
        },
        Step::PostRestore,
        wait(),
        Step::GatherWriterStatus,
        wait(),
        Step::Release,
    ]
    .into_iter()
    .map(|step| ProgramStep::by(requester, step))
    .collect()
}

mod file;

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

    #[test]
    fn steps_name_their_writers() {
        let step = ProgramStep::new(Step::AddComponent {
            component: ComponentRef::Named {
                writer: "SqlWriter".into(),
                logical_path: None,
                name: "db".into(),
            },
        });
        assert_eq!(step.writer_names(), ["SqlWriter"]);
        assert!(ProgramStep::new(Step::Release).writer_names().is_empty());
    }
}
