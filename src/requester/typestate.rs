//! The typestate requester API: `BackupComponents<State>`, where every ordering mistake the types
//! can express does not compile.

use std::marker::PhantomData;

use super::{DynBackupComponents, Pending, Vss};
use crate::vocab::SessionNo;
use crate::vocab::{
    BackupState, Call, ComponentKey, Hresult, ProviderId, Reply, SnapshotId, SnapshotProperties,
    SnapshotSetId, WriterClassId, WriterStatus,
};
use crate::writer::WriterMetadata;

/// A requester object (`IVssBackupComponents`) in state `S`.
///
/// States are named for what comes next; each transition consumes the object and returns it in
/// the next state. A step that can fail returns a [`StepError`] holding the object in a state
/// from which the documented recovery is possible: retry, [`abort_backup`](BackupComponents::abort_backup)
/// or release. Dropping the object is `Release` (R32): VSS then sends BackupShutdown (R57).
/// [`crash`](BackupComponents::crash) simulates the requester process dying instead.
///
/// ```text
/// Uninitialized ─initialize_for_backup─► Initialized ─gather_writer_metadata─► Discovered
///   ─start_snapshot_set─► SetStarted ─prepare_for_backup─► Prepared ─do_snapshot_set─►
///   SnapshotDone ─backup_complete─► Completed
/// (SetStarted, Prepared, SnapshotDone, Failed) ─abort_backup─► Aborted
/// ```
///
/// Misuse does not compile. `DoSnapshotSet` before `StartSnapshotSet`:
///
/// ```compile_fail
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.do_snapshot_set(); // no such method: start a snapshot set first
/// ```
///
/// `BackupComplete` before `DoSnapshotSet` (bareos #1923, field failure 9):
///
/// ```compile_fail
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// let started = discovered.start_snapshot_set().unwrap();
/// let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
/// prepared.backup_complete(); // no such method: the shadow copy does not exist yet
/// ```
///
/// `AddToSnapshotSet` before `StartSnapshotSet`:
///
/// ```compile_fail
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
/// discovered.add_to_snapshot_set("C:\\"); // no such method: no set yet
/// ```
///
/// `AbortBackup` before `PrepareForBackup` — before a snapshot set exists nothing is under way,
/// so the typed API does not offer it (R52, R53):
///
/// ```compile_fail
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// bc.abort_backup(); // no such method
/// ```
///
/// Nor while its writer metadata is being gathered:
///
/// ```compile_fail
/// # use vss_sim::requester::Vss;
/// let vss = Vss::builder().build();
/// let bc = vss.backup_components().initialize_for_backup().unwrap();
/// bc.gather_writer_metadata().unwrap().abort_backup(); // no such method
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
    inner: DynBackupComponents,
    _state: PhantomData<S>,
}

/// A step failed: its HRESULT and the object, in a state to recover from.
#[derive(Debug)]
pub struct StepError<S> {
    /// What Windows returned.
    pub hr: Hresult,
    /// The object: retry from here, abort the backup, or release it.
    pub components: BackupComponents<S>,
}

impl<S> std::fmt::Display for StepError<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step failed with {}", self.hr)
    }
}

impl<S: std::fmt::Debug> std::error::Error for StepError<S> {}

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
    /// Writer metadata gathered; next: select components, `start_snapshot_set`.
    Discovered;
    /// A snapshot set is in creation; next: add volumes, `prepare_for_backup` (or
    /// `do_snapshot_set` in no-writer contexts).
    SetStarted;
    /// Writers prepared; next: `do_snapshot_set`.
    Prepared;
    /// The shadow copy exists; next: copy data, `set_backup_succeeded`, `backup_complete`.
    SnapshotDone;
    /// BackupComplete delivered; next: writer status, release.
    Completed;
    /// AbortBackup done; next: writer status, release.
    Aborted;
    /// An asynchronous step failed; next: `abort_backup` (R54) or release.
    Failed;
}

impl<S> BackupComponents<S> {
    fn into_state<T>(self) -> BackupComponents<T> {
        BackupComponents {
            inner: self.inner,
            _state: PhantomData,
        }
    }

    fn fail<T>(self, hr: Hresult) -> StepError<T> {
        StepError {
            hr,
            components: self.into_state(),
        }
    }

    fn call(&mut self, call: Call) -> Result<Reply, Hresult> {
        self.inner.call(call)
    }

    fn call_ok(&mut self, call: Call) -> Result<(), Hresult> {
        self.inner.call_ok(call)
    }

    fn start<T>(mut self, call: Call) -> Result<Pending<T>, StepError<S>> {
        match self.call(call) {
            Ok(Reply::Async(op)) => Ok(Pending::new(self.inner, op)),
            Ok(_) => Err(self.fail(Hresult::VSS_E_UNEXPECTED)),
            Err(hr) => Err(self.fail(hr)),
        }
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
    /// `SetContext` with a raw `lContext` (R5): once, before `StartSnapshotSet`.
    pub fn set_context(&mut self, context: u32) -> Result<(), Hresult> {
        self.call_ok(Call::SetContext { context })
    }

    /// `EnableWriterClasses` (R7): only these classes take part.
    pub fn enable_writer_classes(&mut self, classes: &[WriterClassId]) -> Result<(), Hresult> {
        self.call_ok(Call::EnableWriterClasses {
            classes: classes.to_vec(),
        })
    }

    /// `DisableWriterClasses` (R7).
    pub fn disable_writer_classes(&mut self, classes: &[WriterClassId]) -> Result<(), Hresult> {
        self.call_ok(Call::DisableWriterClasses {
            classes: classes.to_vec(),
        })
    }

    /// `GatherWriterMetadata` (R8): raises Identify in every writer.
    pub fn gather_writer_metadata(self) -> Result<Pending<Discovered>, StepError<Initialized>> {
        self.start(Call::GatherWriterMetadata)
    }
}

macro_rules! common {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `GatherWriterStatus`, wait, then every `GetWriterStatus` row (R28–R30).
            pub fn writer_status(&mut self) -> Result<Vec<WriterStatus>, Hresult> {
                self.inner.writer_status()
            }
        }
    )*};
}

common!(
    Discovered,
    SetStarted,
    Prepared,
    SnapshotDone,
    Completed,
    Aborted,
    Failed
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

            /// `AddComponent` for every selectable component every identified writer declared.
            pub fn select_all_components(&mut self) -> Result<usize, Hresult> {
                let session = self.session();
                let keys = self.vss().inspect(|core| core.declared_components(session));
                let count = keys.len();
                for (_, key) in keys {
                    self.add_component(key)?;
                }
                Ok(count)
            }

            /// The metadata documents of the writers identified for this object (R10).
            pub fn writer_metadata(&self) -> Vec<WriterMetadata> {
                self.vss().inspect(|core| {
                    (0..core.writer_count())
                        .filter_map(|i| core.writer_metadata(self.session(), crate::trace::WriterNo(i as u32)).cloned())
                        .collect()
                })
            }
        }
    )*};
}

selecting!(Discovered, SetStarted, Prepared);

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
                self.vss().inspect(|core| core.snapshot_set_id(self.session()))
            }

            /// `AbortBackup` (R50a, R53): writers of the backup not past PostSnapshot get Abort.
            pub fn abort_backup(mut self) -> BackupComponents<Aborted> {
                // AbortBackup on an initialized object cannot fail (R53).
                let _ = self.call(Call::AbortBackup);
                self.into_state()
            }
        }
    )*};
}

with_set!(SetStarted, Prepared, SnapshotDone, Failed);

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
            pub fn do_snapshot_set(self) -> Result<Pending<SnapshotDone>, StepError<$state>> {
                self.start(Call::DoSnapshotSet)
            }
        }
    )*};
}

adding_volumes!(SetStarted, Prepared);

impl BackupComponents<SetStarted> {
    /// `PrepareForBackup` (R21): raises PrepareForBackup in every writer.
    pub fn prepare_for_backup(self) -> Result<Pending<Prepared>, StepError<SetStarted>> {
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
    pub fn backup_complete(self) -> Result<Pending<Completed>, StepError<SnapshotDone>> {
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
