//! The typestate requester API: `BackupComponents<State>`, where every ordering mistake the types
//! can express does not compile.

use std::marker::PhantomData;

use super::pending::{GatheringMetadata, GatheringStatus, Operation, Preparing, Snapshotting};
use super::{AsyncError, Completing, DynBackupComponents, Pending, Vss};
use crate::vocab::{
    BackupState, Call, ComponentKey, Context, Hresult, ProviderId, Reply, SessionNo, SnapshotId,
    SnapshotProperties, SnapshotSetId, WriterMetadataView, WriterStatus,
};

/// A requester object (`IVssBackupComponents`) in state `S`.
///
/// States are named for what comes next; each transition consumes the object and returns it in
/// the next state. Each asynchronous step ([`Pending`]) ends in its success state or in a failure
/// state of its own, which offers exactly the documented recoveries. Dropping the object is
/// `Release` (R32): VSS then sends BackupShutdown (R57). [`crash`](BackupComponents::crash)
/// simulates the requester process dying instead.
///
/// ```text
/// Uninitialized ─initialize_for_backup─► Initialized ─gather_writer_metadata─► Discovered
///   ─start_snapshot_set─► SetStarted ─prepare_for_backup─► Prepared ─do_snapshot_set─►
///   SnapshotDone ─backup_complete─► Completed
///
/// failed or cancelled:  gather → MetadataFailed (retry, release)
///                       PrepareForBackup → PrepareFailed (abort_backup, retry, release)
///                       DoSnapshotSet → SnapshotFailed (abort_backup, R54; or release)
///                       BackupComplete → CompleteFailed (writer status, release)
/// abort_backup: from every state after initialization up to SnapshotDone → Aborted
/// ```
///
/// Misuse does not compile. Each `compile_fail` example below has a twin that makes the same
/// calls in the documented order and compiles, so none fails for another reason.
///
/// `DoSnapshotSet` before `StartSnapshotSet` (R22):
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.do_snapshot_set(); // no such method: start a snapshot set first
/// ```
///
/// ```
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// let _ = discovered.start_snapshot_set().unwrap().do_snapshot_set();
/// ```
///
/// `BackupComplete` before `DoSnapshotSet` (R26; bareos #1923, field failure 9):
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// let started = discovered.start_snapshot_set().unwrap();
/// let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
/// prepared.backup_complete(); // no such method: the shadow copy does not exist yet
/// ```
///
/// ```
/// # use vss_sim::requester::Vss;
/// # use vss_sim::vocab::BackupState;
/// let vss = Vss::builder().build();
/// let mut bc = vss.backup_components().initialize_for_backup().unwrap();
/// bc.set_backup_state(BackupState::default()).unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// let started = discovered.start_snapshot_set().unwrap();
/// let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
/// let done = prepared.do_snapshot_set().unwrap().wait().unwrap();
/// let _ = done.backup_complete();
/// ```
///
/// `BackupComplete` after a failed `DoSnapshotSet` (R26, R54: abort instead):
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::{SnapshotFailed, StepError};
/// fn after(failed: StepError<SnapshotFailed>) {
///     failed.components.backup_complete(); // no such method
/// }
/// ```
///
/// ```
/// # use vss_sim::requester::{SnapshotFailed, StepError};
/// fn after(failed: StepError<SnapshotFailed>) {
///     let _aborted = failed.components.abort_backup();
/// }
/// ```
///
/// `AddToSnapshotSet` before `StartSnapshotSet` (R16):
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.add_to_snapshot_set("C:\\"); // no such method: no set yet
/// ```
///
/// ```
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// let mut started = discovered.start_snapshot_set().unwrap();
/// started.add_to_snapshot_set("C:\\").unwrap();
/// ```
///
/// `GatherWriterMetadata` twice (R8: once per object):
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.gather_writer_metadata(); // no such method
/// ```
///
/// ```
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.writer_metadata().unwrap();
/// ```
///
/// Any call while an operation is pending (T14: one operation at a time), here `SetBackupState`
/// during `PrepareForBackup`:
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::Vss;
/// # use vss_sim::vocab::BackupState;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let started = bc.gather_writer_metadata().unwrap().wait().unwrap().start_snapshot_set().unwrap();
/// let mut pending = started.prepare_for_backup().unwrap();
/// pending.set_backup_state(BackupState::default()); // no such method
/// ```
///
/// ```
/// # use vss_sim::requester::Vss;
/// # use vss_sim::vocab::BackupState;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let mut started = bc.gather_writer_metadata().unwrap().wait().unwrap().start_snapshot_set().unwrap();
/// started.set_backup_state(BackupState::default()).unwrap();
/// let _ = started.prepare_for_backup();
/// ```
///
/// `AbortBackup` while writer metadata is being gathered: nothing is under way yet (R53), so a
/// pending gather offers `cancel` and `wait`, not `abort_backup`:
///
/// ```compile_fail,E0599
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// bc.gather_writer_metadata().unwrap().abort_backup(); // no such method
/// ```
///
/// ```
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let mut pending = bc.gather_writer_metadata().unwrap();
/// pending.cancel();
/// let _ = pending.wait(); // the cancelled gather ends in MetadataFailed: retry or release
/// ```
///
/// The same calls in the right order compile and run:
///
/// ```
/// # use vss_sim::requester::Vss;
/// # use vss_sim::vocab::BackupState;
/// let vss = Vss::builder().build();
/// let mut bc = vss.backup_components().initialize_for_backup().unwrap();
/// bc.set_backup_state(BackupState::default()).unwrap();
/// let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.select_all_components().unwrap();
/// let mut started = discovered.start_snapshot_set().unwrap();
/// started.add_to_snapshot_set("C:\\").unwrap();
/// let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
/// let done = prepared.do_snapshot_set().unwrap().wait().unwrap();
/// let completed = done.backup_complete().unwrap().wait().unwrap();
/// drop(completed); // Release → BackupShutdown
/// ```
#[must_use = "dropping a requester object releases it (R32), which ends the backup"]
pub struct BackupComponents<S> {
    pub(super) inner: DynBackupComponents,
    _state: PhantomData<S>,
}

/// A step failed: its HRESULT and the object, in a state to recover from.
#[derive(Debug)]
pub struct StepError<S> {
    /// What Windows returned.
    pub hr: Hresult,
    /// The object, in the state that offers the documented recoveries.
    pub components: BackupComponents<S>,
}

impl<S> std::fmt::Display for StepError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step failed with {}", self.hr)
    }
}

impl<S: std::fmt::Debug> std::error::Error for StepError<S> {}

impl<S> From<StepError<S>> for AsyncError {
    /// Keeps the HRESULT and releases the object: with `AsyncError` as its error type, code
    /// that gives up on any failure can `?` through every step.
    fn from(error: StepError<S>) -> Self {
        Self::Failed(error.hr)
    }
}

macro_rules! states {
    ($($(#[doc = $doc:literal])* $name:ident;)*) => {$(
        $(#[doc = $doc])*
        #[derive(Debug)]
        #[non_exhaustive]
        pub struct $name;
    )*};
}

states! {
    /// Created; next: `initialize_for_backup` (R3).
    Uninitialized;
    /// In backup mode; next: set context and backup state, `gather_writer_metadata` (R40).
    Initialized;
    /// Writer metadata gathered; next: examine it, select components, `start_snapshot_set`.
    Discovered;
    /// A snapshot set is in creation; next: add volumes, `prepare_for_backup` (or
    /// `do_snapshot_set` in no-writer contexts).
    SetStarted;
    /// Writers prepared; next: `do_snapshot_set`.
    Prepared;
    /// The shadow copy exists; next: copy data, `set_backup_succeeded`, `backup_complete`.
    SnapshotDone;
    /// BackupComplete delivered; next: writer status (R27), release.
    Completed;
    /// AbortBackup done; next: writer status, release or start over.
    Aborted;
    /// `GatherWriterMetadata` failed or was cancelled; next: release, or start over with a new
    /// object (R2). Nothing is under way, so releasing is enough (R52).
    MetadataFailed;
    /// `PrepareForBackup` failed or was cancelled; next: `abort_backup` (R54's advice), or
    /// release (R52 allows it when PrepareForBackup failed), or start over.
    PrepareFailed;
    /// `DoSnapshotSet` failed or was cancelled; next: `abort_backup` (R54), then release. The
    /// shadow copy may or may not exist (field failure 1): never `BackupComplete` (R26).
    SnapshotFailed;
    /// `BackupComplete` failed or was cancelled (R39: how a requester abandons a backup after
    /// the copy); next: writer status, release.
    CompleteFailed;
}

impl<S> BackupComponents<S> {
    pub(super) fn into_state<T>(self) -> BackupComponents<T> {
        BackupComponents {
            inner: self.inner,
            _state: PhantomData,
        }
    }

    pub(super) fn fail<T>(self, hr: Hresult) -> StepError<T> {
        StepError {
            hr,
            components: self.into_state(),
        }
    }

    pub(super) fn call(&mut self, call: Call) -> Result<Reply, Hresult> {
        self.inner.call(call)
    }

    pub(super) fn call_ok(&mut self, call: Call) -> Result<(), Hresult> {
        self.inner.call_ok(call)
    }

    pub(super) fn start<Op: Operation>(mut self, call: Call) -> Result<Pending<Op>, StepError<S>> {
        match self.call(call) {
            Ok(Reply::Async(op)) => Ok(Pending::new(self.inner, op)),
            Ok(_) => Err(self.fail(Hresult::VSS_E_UNEXPECTED)),
            Err(hr) => Err(self.fail(hr)),
        }
    }

    /// `AbortBackup` (R50a, R53): writers of the backup not past PostSnapshot get Abort; with
    /// nothing under way it is ignored.
    fn abort(mut self) -> BackupComponents<Aborted> {
        // AbortBackup on an initialized object cannot fail (R53, T14).
        let _ = self.call(Call::AbortBackup);
        self.into_state()
    }

    /// Releases this object and creates a fresh one on the same machine (R2: after a failure
    /// the requester starts over with a new object).
    fn restart(self) -> BackupComponents<Uninitialized> {
        let vss = self.vss().clone();
        drop(self);
        vss.backup_components()
    }

    /// The requester process dies here: the system releases the object and VSS sends
    /// BackupShutdown, without BackupComplete or Abort (R57, field failure 12).
    pub fn crash(mut self) {
        let _ = self.call(Call::Crash);
    }

    /// `Release` (R32): the same as dropping the object.
    pub fn release(self) {
        drop(self);
    }

    /// The runtime-checked escape hatch: the same object, dynamic API.
    pub fn into_dynamic(self) -> DynBackupComponents {
        self.inner
    }

    /// The requester's session number in the trace.
    pub fn session(&self) -> SessionNo {
        self.inner.session()
    }

    /// The machine.
    pub fn vss(&self) -> &Vss {
        self.inner.vss()
    }

    pub(crate) fn new_state(inner: DynBackupComponents) -> Self {
        Self {
            inner,
            _state: PhantomData,
        }
    }
}

impl BackupComponents<Uninitialized> {
    pub(crate) fn new(inner: DynBackupComponents) -> Self {
        Self::new_state(inner)
    }

    /// `InitializeForBackup(bstrXML)` (R4, R113): backup mode with a saved Backup Components
    /// Document, whose backup state and components become the object's (the document a
    /// transportable set's import starts from). A document that does not load is
    /// `VSS_E_INVALID_XML_DOCUMENT`.
    pub fn initialize_for_backup_from(
        mut self,
        bcd: &str,
    ) -> Result<BackupComponents<Initialized>, StepError<Uninitialized>> {
        match self.call_ok(Call::InitializeForBackupFrom {
            bcd: bcd.to_owned(),
        }) {
            Ok(()) => Ok(self.into_state()),
            Err(hr) => Err(self.fail(hr)),
        }
    }

    /// `InitializeForBackup` (R3, R4).
    pub fn initialize_for_backup(
        mut self,
    ) -> Result<BackupComponents<Initialized>, StepError<Uninitialized>> {
        match self.call_ok(Call::InitializeForBackup) {
            Ok(()) => Ok(self.into_state()),
            Err(hr) => Err(self.fail(hr)),
        }
    }
}

impl BackupComponents<Initialized> {
    /// `SetContext` (R5): once, before `StartSnapshotSet`. The dynamic API takes raw values,
    /// invalid ones included.
    pub fn set_context(&mut self, context: Context) -> Result<(), Hresult> {
        self.call_ok(Call::SetContext {
            context: context.raw(),
        })
    }

    /// `GatherWriterMetadata` (R8): raises Identify in every writer.
    pub fn gather_writer_metadata(
        self,
    ) -> Result<Pending<GatheringMetadata>, StepError<Initialized>> {
        self.start(Call::GatherWriterMetadata)
    }
}

/// The writer class filters (R7), before `GatherWriterMetadata`: backup and restore alike.
macro_rules! with_writer_filters {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `EnableWriterClasses` (R7): only these classes take part.
            pub fn enable_writer_classes(
                &mut self,
                classes: &[$crate::vocab::WriterClassId],
            ) -> Result<(), $crate::vocab::Hresult> {
                self.call_ok($crate::vocab::Call::EnableWriterClasses {
                    classes: classes.to_vec(),
                })
            }

            /// `DisableWriterClasses` (R7).
            pub fn disable_writer_classes(
                &mut self,
                classes: &[$crate::vocab::WriterClassId],
            ) -> Result<(), $crate::vocab::Hresult> {
                self.call_ok($crate::vocab::Call::DisableWriterClasses {
                    classes: classes.to_vec(),
                })
            }
        }
    )*};
}

pub(super) use with_writer_filters;

with_writer_filters!(Initialized);

/// `AbortBackup` where the documentation allows it (T14: any time after initialization; R53).
macro_rules! abortable {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `AbortBackup` (R50a, R53): writers of the backup not past PostSnapshot get Abort;
            /// with nothing under way it is ignored.
            pub fn abort_backup(self) -> BackupComponents<Aborted> {
                self.abort()
            }

            /// `IsVolumeSupported` (R20): whether `provider` — any provider, for `None` — can
            /// shadow-copy `volume` at all (not whether it can right now).
            pub fn is_volume_supported(
                &mut self,
                provider: Option<ProviderId>,
                volume: &str,
            ) -> Result<bool, Hresult> {
                let call = Call::IsVolumeSupported {
                    provider: provider.unwrap_or(ProviderId::NULL),
                    volume: volume.to_owned(),
                };
                match self.call(call)? {
                    Reply::Supported(supported) => Ok(supported),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }

            /// `SaveAsXML` (R31, R113): the Backup Components Document as it stands, in
            /// Windows' XML (`xml::bcd`). Save it after DoSnapshotSet (R31): writers may still
            /// change it during PostSnapshot.
            pub fn save_as_xml(&mut self) -> Result<String, Hresult> {
                match self.call(Call::SaveAsXml)? {
                    Reply::Xml(xml) => Ok(xml),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }
        }
    )*};
}

abortable!(
    Initialized,
    Discovered,
    SetStarted,
    Prepared,
    SnapshotDone,
    MetadataFailed,
    PrepareFailed,
    SnapshotFailed
);

/// Starting over with a new object (R2), where nothing is left under way.
macro_rules! restartable {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// Releases this object and creates a fresh one on the same machine (R2: after a
            /// failure the requester starts over with a new object).
            pub fn retry(self) -> BackupComponents<Uninitialized> {
                self.restart()
            }
        }
    )*};
}

restartable!(
    MetadataFailed,
    PrepareFailed,
    Aborted,
    Completed,
    CompleteFailed
);

/// Writer status, once writer metadata was gathered (R28–R30).
macro_rules! with_status {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `GatherWriterStatus`, wait, then every `GetWriterStatus` row (R28–R30).
            pub fn writer_status(&mut self) -> Result<Vec<WriterStatus>, AsyncError> {
                self.inner.writer_status()
            }

            /// `GatherWriterStatus` alone (R27: after BackupComplete, to finish the writers'
            /// sessions); the object comes back in this state however it ends.
            pub fn gather_writer_status(
                self,
            ) -> Result<Pending<GatheringStatus<$state>>, StepError<$state>> {
                self.start(Call::GatherWriterStatus)
            }

            /// `GetWriterStatusCount` of the last completed `GatherWriterStatus` (R29).
            pub fn writer_status_count(&mut self) -> Result<u32, Hresult> {
                match self.call(Call::WriterStatusCount)? {
                    Reply::Count(count) => Ok(count),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }

            /// `GetWriterStatus(index)` of the last completed `GatherWriterStatus` (R29).
            pub fn writer_status_at(&mut self, index: u32) -> Result<WriterStatus, Hresult> {
                match self.call(Call::WriterStatus { index })? {
                    Reply::WriterStatus(status) => Ok(status),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }

            /// `FreeWriterStatus` (R28).
            pub fn free_writer_status(&mut self) -> Result<(), Hresult> {
                self.call_ok(Call::FreeWriterStatus)
            }

            /// `GetWriterMetadataCount` (R10).
            pub fn writer_metadata_count(&mut self) -> Result<u32, Hresult> {
                match self.call(Call::WriterMetadataCount)? {
                    Reply::Count(count) => Ok(count),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }

            /// `GetWriterMetadata(index)`: one writer's metadata as the requester examines it.
            pub fn writer_metadata_at(&mut self, index: u32) -> Result<WriterMetadataView, Hresult> {
                match self.call(Call::WriterMetadata { index })? {
                    Reply::WriterMetadata(view) => Ok(view),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }

            /// `GetWriterMetadataCount`, then `GetWriterMetadata` for every writer whose Identify
            /// succeeded (R10, R40 step 6).
            pub fn writer_metadata(&mut self) -> Result<Vec<WriterMetadataView>, Hresult> {
                self.inner.writer_metadata()
            }

            /// `FreeWriterMetadata` (R11): the metadata cannot be read again in this object.
            pub fn free_writer_metadata(&mut self) -> Result<(), Hresult> {
                self.call_ok(Call::FreeWriterMetadata)
            }
        }
    )*};
}

pub(super) use with_status;

with_status!(
    Discovered,
    SetStarted,
    Prepared,
    SnapshotDone,
    Completed,
    Aborted,
    PrepareFailed,
    SnapshotFailed,
    CompleteFailed
);

macro_rules! before_prepare {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `SetBackupState` (R12): before `PrepareForBackup`.
            pub fn set_backup_state(&mut self, state: BackupState) -> Result<(), Hresult> {
                self.call_ok(Call::SetBackupState(state))
            }
        }
    )*};
}

before_prepare!(Initialized, Discovered, SetStarted);

macro_rules! selecting {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `AddComponent` (R13): component mode, before `DoSnapshotSet`.
            pub fn add_component(&mut self, component: ComponentKey) -> Result<(), Hresult> {
                self.call_ok(Call::AddComponent(component))
            }

            /// `AddComponent` for what backs up every writer whose metadata `GetWriterMetadata`
            /// hands out: their components with no selectable ancestor (R10, R13, R110); the
            /// number added.
            pub fn select_all_components(&mut self) -> Result<usize, Hresult> {
                self.inner.select_all_components()
            }
        }
    )*};
}

selecting!(Discovered, SetStarted, Prepared);

macro_rules! stamping {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `SetPreviousBackupStamp` (R113): hands `component`'s stamp from the backup this
            /// one builds on back to its writer, which reads it in OnPrepareBackup; before
            /// `PrepareForBackup`.
            pub fn set_previous_backup_stamp(
                &mut self,
                component: ComponentKey,
                stamp: &str,
            ) -> Result<(), Hresult> {
                self.call_ok(Call::SetPreviousBackupStamp {
                    component,
                    stamp: stamp.to_owned(),
                })
            }
        }
    )*};
}

stamping!(Discovered, SetStarted);

impl BackupComponents<Discovered> {
    /// `StartSnapshotSet` (R14). Another requester's set in creation gives
    /// `VSS_E_SNAPSHOT_SET_IN_PROGRESS` (R15); retry later from the returned object.
    pub fn start_snapshot_set(
        mut self,
    ) -> Result<BackupComponents<SetStarted>, StepError<Discovered>> {
        match self.call(Call::StartSnapshotSet) {
            Ok(_) => Ok(self.into_state()),
            Err(hr) => Err(self.fail(hr)),
        }
    }
}

macro_rules! with_set {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// The set id `StartSnapshotSet` returned.
            pub fn snapshot_set_id(&self) -> SnapshotSetId {
                self.inner.snapshot_set_id().unwrap_or_default()
            }
        }
    )*};
}

with_set!(
    SetStarted,
    Prepared,
    SnapshotDone,
    SnapshotFailed,
    Completed
);

macro_rules! adding_volumes {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `AddToSnapshotSet(volume, GUID_NULL)` (R16, R85): returns the new shadow copy id.
            pub fn add_to_snapshot_set(&mut self, volume: &str) -> Result<SnapshotId, Hresult> {
                self.add_to_snapshot_set_with(volume, ProviderId::NULL)
            }

            /// `AddToSnapshotSet(volume, provider)` (R16).
            pub fn add_to_snapshot_set_with(&mut self, volume: &str, provider: ProviderId) -> Result<SnapshotId, Hresult> {
                match self.call(Call::AddToSnapshotSet { volume: volume.to_owned(), provider })? {
                    Reply::Snapshot(id) => Ok(id),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }

            /// `DoSnapshotSet` (R22, R45): PrepareForSnapshot, Freeze, commit, Thaw, PostSnapshot.
            pub fn do_snapshot_set(self) -> Result<Pending<Snapshotting>, StepError<$state>> {
                self.start(Call::DoSnapshotSet)
            }
        }
    )*};
}

adding_volumes!(SetStarted, Prepared);

impl BackupComponents<SetStarted> {
    /// `PrepareForBackup` (R21): raises PrepareForBackup in every writer.
    pub fn prepare_for_backup(self) -> Result<Pending<Preparing>, StepError<SetStarted>> {
        self.start(Call::PrepareForBackup)
    }
}

impl BackupComponents<SnapshotDone> {
    /// `GetSnapshotProperties` (R24).
    pub fn snapshot_properties(
        &mut self,
        snapshot: SnapshotId,
    ) -> Result<SnapshotProperties, Hresult> {
        match self.call(Call::SnapshotProperties { snapshot })? {
            Reply::Properties(properties) => Ok(properties),
            _ => Err(Hresult::VSS_E_UNEXPECTED),
        }
    }

    /// `SetBackupSucceeded` (R25).
    pub fn set_backup_succeeded(
        &mut self,
        component: ComponentKey,
        succeeded: bool,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::SetBackupSucceeded {
            component,
            succeeded,
        })
    }

    /// `BackupComplete` (R26): raises BackupComplete in every writer still in the backup.
    pub fn backup_complete(self) -> Result<Pending<Completing>, StepError<SnapshotDone>> {
        self.start(Call::BackupComplete)
    }
}

impl<S> std::fmt::Debug for BackupComponents<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupComponents")
            .field(
                "state",
                &std::any::type_name::<S>()
                    .rsplit("::")
                    .next()
                    .unwrap_or("?"),
            )
            .field("session", &self.session())
            .finish()
    }
}
