//! [`Vss`]: a shared handle to one simulated machine.

use std::cell::RefCell;
use std::rc::Rc;

use super::{BackupComponents, DynBackupComponents, Uninitialized};
use crate::coordinator::{Builder, Chooser, Coordinator, Limits};
use crate::guard::UserPanic;
use crate::provider::Provider;
use crate::trace::{Trace, TraceMode, UserCode};
use crate::vocab::SessionNo;
use crate::vocab::{
    Bound, Hresult, Policies, SignalName, WaitEnd, WriterInstanceId, WriterMetadataView,
};
use crate::writer::{Writer, WriterConfig};

/// A simulated machine running VSS: cheap to clone, every clone the same machine.
///
/// Create requester objects with [`Vss::backup_components`] (typestate API) or
/// [`Vss::dynamic`] (any call in any order); several may be alive at once, as on Windows.
/// Single-threaded by design: the simulation is deterministic and has no threads.
///
/// There is no back door into the engine. Requester-visible data (writer metadata and status,
/// set and snapshot ids) is read through calls on requester objects, which the guard table
/// checks and the trace records; everything else a test may want to know afterwards (a
/// writer's state for each requester, the set a requester started) is read from the trace
/// ([`Trace::writer_state`], [`Trace::snapshot_set`]), so what a test checks is what the oracle
/// judged.
#[derive(Clone)]
pub struct Vss {
    core: Rc<RefCell<Coordinator>>,
    /// Requester objects dropped while the coordinator was busy (inside a handler): released as
    /// soon as it returns, so a drop is always a release (R32, R57).
    deferred_releases: Rc<RefCell<Vec<SessionNo>>>,
}

impl Vss {
    /// A builder for a machine.
    pub fn builder() -> VssBuilder {
        VssBuilder(Builder::new())
    }

    /// Wraps a coordinator built with [`Coordinator::builder`].
    pub fn new(coordinator: Coordinator) -> Self {
        Self {
            core: Rc::new(RefCell::new(coordinator)),
            deferred_releases: Rc::default(),
        }
    }

    /// `CreateVssBackupComponents` (R1): a new requester object, typestate API.
    pub fn backup_components(&self) -> BackupComponents<Uninitialized> {
        BackupComponents::new(self.dynamic())
    }

    /// `CreateVssBackupComponents` (R1): a new requester object, dynamic API.
    pub fn dynamic(&self) -> DynBackupComponents {
        let session = self.with_mut(Coordinator::create_session);
        DynBackupComponents::new(self.clone(), session)
    }

    /// Lets `ms` of virtual time pass, running whatever falls due (the requester sleeps); the
    /// run bound that cut the sleep short, if one did (the trace records it, and the oracle
    /// reports it as non-termination).
    pub fn advance_ms(&self, ms: u64) -> Option<Bound> {
        self.with_mut(|core| core.advance_ms(ms))
    }

    /// The host sets `signal` (`SetEvent`): whoever waits for it — a writer's handler, a
    /// provider step, requester code — goes on. Signals are machine-wide named events (manual
    /// reset) and start reset.
    ///
    /// ```
    /// use vss_sim::requester::Vss;
    /// use vss_sim::vocab::WaitEnd;
    ///
    /// let vss = Vss::builder().build();
    /// assert_eq!(vss.wait_signal("go", Some(5_000)), Ok(WaitEnd::TimedOut));
    /// assert_eq!(vss.now_ms(), 5_000);
    /// vss.set_signal("go");
    /// assert_eq!(vss.wait_signal("go", None), Ok(WaitEnd::Signalled));
    /// ```
    pub fn set_signal(&self, signal: impl Into<SignalName>) {
        let signal = signal.into();
        self.with_mut(|core| core.set_signal(signal));
    }

    /// The host resets `signal` (`ResetEvent`).
    pub fn reset_signal(&self, signal: impl Into<SignalName>) {
        let signal = signal.into();
        self.with_mut(|core| core.reset_signal(signal));
    }

    /// The host (a test acting outside the machine, or requester code) waits up to
    /// `timeout_ms` (`None`: without limit) for `signal`, while the machine runs on the virtual
    /// clock (`WaitForSingleObject`). A run bound that cut the wait short is `Err`; the trace
    /// records it and the oracle reports it as non-termination.
    pub fn wait_signal(
        &self,
        signal: impl Into<SignalName>,
        timeout_ms: Option<u64>,
    ) -> Result<WaitEnd, Bound> {
        let signal = signal.into();
        self.with_mut(|core| core.wait_signal(signal, timeout_ms))
    }

    /// Lets the machine finish the handlers and provider steps still running (and deliver the
    /// events queued behind them), up to the run's time bound, without recording a bound: what
    /// a machine does after its requesters exit. A handler that never returns stays in flight.
    /// Scenario runs call it once their programs ended.
    pub fn settle(&self) {
        self.with_mut(Coordinator::settle);
    }

    /// The writer's service restarts, as an administrator does to a stuck writer (field
    /// failure 17): VSS gives up on the handler it is in and on the events queued for it (the
    /// operations waiting for them see the writer not responding and go on), that handler
    /// never returns, and every requester sees it `[1] Stable` with no error again (R30) —
    /// except a backup VSS reported it not responding to, which keeps that failure. The
    /// backups under way that it was part of lose it: none of their later events reaches the
    /// restarted writer (`DropReason::Restarted`). The writer object itself is not reset:
    /// that is its author's part (a [`ScriptedWriter`](crate::writer::ScriptedWriter) has
    /// `restart`). `VSS_E_OBJECT_NOT_FOUND` for an unknown instance id.
    pub fn restart_writer(&self, instance_id: WriterInstanceId) -> Result<(), Hresult> {
        self.with_mut(|core| core.restart_writer(instance_id))
    }

    /// The host writes `bytes` to the volume `volume` (any name it answers to): the diff area
    /// of the volume's newest shadow copy grows by as much (copy-on-write), and when the
    /// volume's shadow storage runs out its oldest copies are deleted, the newest last (R103,
    /// field failure 19). Returns how many copies went; `VSS_E_OBJECT_NOT_FOUND` for a volume
    /// the machine does not have.
    pub fn write_to_volume(&self, volume: &str, bytes: u64) -> Result<u32, Hresult> {
        self.with_mut(|core| core.write_to_volume(volume, bytes))
    }

    /// The `\\?\Volume{GUID}\` path of the volume `name` names (as
    /// `GetVolumeNameForVolumeMountPoint` gives it), or `None` if the machine has no such volume.
    /// Shadow copies report it as their original volume.
    pub fn volume_guid_path(&self, name: &str) -> Option<String> {
        self.core.borrow().volume_guid_path(name)
    }

    /// The volume `name` names as vssadmin prints it, `(C:)\\?\Volume{GUID}\` (a mount folder
    /// keeps its backslash), or `None` if the machine has no such volume.
    pub fn volume_display(&self, name: &str) -> Option<String> {
        self.core.borrow().volume_display(name)
    }

    /// The machine's volumes by name (drive letter or mount folder), in order.
    pub fn volume_names(&self) -> Vec<String> {
        self.core.borrow().volume_names()
    }

    /// The size in bytes of the volume `name` names.
    pub fn volume_size(&self, name: &str) -> Option<u64> {
        self.core.borrow().volume_size(name)
    }

    /// The name of the volume vssadmin displays as `display` (`(C:)\\?\Volume{…}\`).
    pub fn volume_name_of_display(&self, display: &str) -> Option<String> {
        self.core.borrow().volume_name_of_display(display)
    }

    /// The volume the file or folder `path` is on, by its drive letter or mount folder: the
    /// volume whose name or mount folder is the longest leading part of the path, after
    /// `%SystemRoot%` and the other [`crate::vocab::DEFAULT_ENVIRONMENT`] variables are
    /// expanded (`GetVolumePathName`). `None` when no volume of the machine holds it.
    ///
    /// ```
    /// use vss_sim::requester::Vss;
    /// use vss_sim::vocab::Volume;
    ///
    /// let vss = Vss::builder()
    ///     .volume("C:\\")
    ///     .volume(Volume::new("D:\\").mount_point("C:\\Mount\\"))
    ///     .build();
    /// assert_eq!(vss.volume_of_path("%SystemRoot%\\NTDS\\ntds.dit").as_deref(), Some("C:\\"));
    /// assert_eq!(vss.volume_of_path("c:\\mount\\db\\x.mdf").as_deref(), Some("D:\\"));
    /// assert_eq!(vss.volume_of_path("E:\\logs"), None);
    /// ```
    pub fn volume_of_path(&self, path: &str) -> Option<String> {
        self.core.borrow().volume_name_of_path(path)
    }

    /// The volumes `component` of the writer `view` describes needs in the snapshot set, by
    /// name, each once, in the order its files name them: the volumes of its own file sets and
    /// of every component below it in the logical path tree (its component set, R109). This is
    /// what DiskShadow checks before it selects a component (field failure 24). Files on no
    /// volume of the machine are left out.
    pub fn component_volumes(
        &self,
        view: &WriterMetadataView,
        component: &crate::vocab::ComponentView,
    ) -> Vec<String> {
        let core = self.core.borrow();
        let mut volumes: Vec<String> = Vec::new();
        let members = view
            .components
            .iter()
            .filter(|c| c.key == component.key || component.info.is_ancestor_of(&c.info));
        for file in members.flat_map(|c| c.info.all_files()) {
            if let Some(name) = core.volume_name_of_path(&file.path) {
                if !volumes.contains(&name) {
                    volumes.push(name);
                }
            }
        }
        volumes
    }

    /// The machine's wall clock now, as a `VSS_TIMESTAMP` (100 ns since 1601): the epoch it was
    /// built with plus the virtual time.
    pub fn wall_clock_now(&self) -> i64 {
        self.core.borrow().wall_clock_now()
    }

    /// The machine's persistent state: its persistent shadow copies, each writer's state and
    /// last error, its shadow storage settings, and where its ids, device numbers and clock
    /// stopped. A machine built with it (`VssBuilder::state`, the command line's `--state`
    /// file) goes on from there, as one Windows machine does from one tool to the next.
    pub fn machine_state(&self) -> crate::vocab::MachineState {
        self.core.borrow().machine_state()
    }

    /// `IVssDifferentialSoftwareSnapshotMgmt::AddDiffArea` (`vssadmin add shadowstorage`):
    /// places `for_volume`'s shadow storage on `on_volume` with maximum `max`. See
    /// [`Coordinator::add_diff_area`](crate::coordinator::Coordinator::add_diff_area) for the
    /// documented errors.
    pub fn add_shadow_storage(
        &self,
        for_volume: &str,
        on_volume: &str,
        max: crate::coordinator::DiffAreaSize,
    ) -> Result<(), Hresult> {
        self.with_mut(|core| core.add_diff_area(for_volume, on_volume, max))
    }

    /// `ChangeDiffAreaMaximumSize` (`vssadmin resize|delete shadowstorage`): a new maximum for
    /// `for_volume`'s shadow storage on `on_volume` (`Bytes(0)` deletes the association); the
    /// number of copies deleted to fit (R103). See
    /// [`Coordinator::change_diff_area_max`](crate::coordinator::Coordinator::change_diff_area_max).
    pub fn resize_shadow_storage(
        &self,
        for_volume: &str,
        on_volume: &str,
        max: crate::coordinator::DiffAreaSize,
    ) -> Result<u32, Hresult> {
        self.with_mut(|core| core.change_diff_area_max(for_volume, on_volume, max))
    }

    /// The machine's shadow storage associations, in volume order: each volume with a maximum
    /// set or that has had a shadow copy (`IVssDifferentialSoftwareSnapshotMgmt`; what `vssadmin
    /// list shadowstorage` prints).
    pub fn shadow_storage(&self) -> Vec<crate::vocab::ShadowStorage> {
        self.core.borrow().shadow_storage()
    }

    /// The VSS service restarts (an administrator's `net stop vss`, a crash of `vssvc.exe`;
    /// issue 12 part 6). Windows documents none of it; what the simulator does is
    /// `docs/protocol.md`, "The VSS service restarting":
    ///
    /// * every requester object alive loses the service: the operation it had in flight ends
    ///   with `Policies::lost_service`'s in-flight code (default `RPC_S_CALL_FAILED`), a set it
    ///   was creating is abandoned (committed copies of it deleted, R93), its auto-release
    ///   copies are deleted (R104), and every later call that needs the service returns the
    ///   policy's code (default `RPC_S_SERVER_UNAVAILABLE`); `Release` still works;
    /// * no writer hears anything more of those backups: no Abort, no BackupShutdown. A writer
    ///   left frozen aborts itself when its own freeze window expires (R99), and every writer
    ///   keeps the state the lost backup left it in (`[5] Waiting for completion`, a failure),
    ///   as `vssadmin list writers` shows on Windows after a restart of VSS;
    /// * writers hosted by the service (`WriterHost::VssService`) restart with it: Stable, no
    ///   error (as `restart_writer`);
    /// * persistent copies, exposures and the machine's volumes stay; a new requester object
    ///   works as on a fresh service.
    ///
    /// ```
    /// use vss_sim::requester::Vss;
    /// use vss_sim::vocab::Hresult;
    ///
    /// let vss = Vss::builder().build();
    /// let bc = vss.backup_components().initialize_for_backup().unwrap();
    /// vss.restart_service();
    /// let Err(error) = bc.gather_writer_metadata() else {
    ///     panic!("the service is gone");
    /// };
    /// assert_eq!(error.hr, Hresult::RPC_S_SERVER_UNAVAILABLE);
    /// ```
    pub fn restart_service(&self) {
        self.with_mut(|core| core.restart_service());
    }

    /// The process of the writer with instance id `instance_id` dies and stays down (issue 12
    /// part 6): as [`Vss::restart_writer`], VSS gives up on the handler it is in and its queued
    /// events, and every backup under way that identified it loses it; while it is down no
    /// requester finds it (it is absent from writer metadata and status) and it hears no event.
    /// Returns whether it was up (stopping a stopped writer changes nothing);
    /// `VSS_E_OBJECT_NOT_FOUND` for an unknown instance id. [`Vss::restart_writer`] of a
    /// stopped writer starts it.
    pub fn stop_writer(&self, instance_id: WriterInstanceId) -> Result<bool, Hresult> {
        self.with_mut(|core| core.stop_writer(instance_id))
    }

    /// The writer's process starts again: the next `GatherWriterMetadata` finds it, `[1]
    /// Stable` with no error. Returns whether it was down (starting a running writer changes
    /// nothing).
    pub fn start_writer(&self, instance_id: WriterInstanceId) -> Result<bool, Hresult> {
        self.with_mut(|core| core.start_writer(instance_id))
    }

    /// The Windows version or SKU the machine runs.
    pub fn os(&self) -> crate::vocab::OsProfile {
        self.core.borrow().os()
    }

    /// The machine's name (`VssBuilder::machine_name`).
    pub fn machine_name(&self) -> String {
        self.core.borrow().machine_name().to_owned()
    }

    /// The instance ids of the writers registered as `name`, in registration order.
    pub fn writer_instances(&self, name: &str) -> Vec<WriterInstanceId> {
        self.core.borrow().writer_instances(name)
    }

    /// Virtual time now, ms since the simulation started.
    pub fn now_ms(&self) -> u64 {
        self.core.borrow().now_ms()
    }

    /// A copy of the trace so far.
    pub fn trace(&self) -> Trace {
        self.core.borrow().trace().clone()
    }

    /// The trace so far, moved out of the machine instead of copied (the machine records on
    /// into an empty trace): for a finished run about to drop the machine.
    pub fn take_trace(&self) -> Trace {
        self.core.borrow_mut().take_trace()
    }

    /// Runs `f` on the coordinator, then the releases deferred meanwhile.
    ///
    /// # Panics
    ///
    /// When called from inside a writer handler (the coordinator is busy); the simulator
    /// records that as the handler's failure.
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(&mut Coordinator) -> R) -> R {
        let mut core = self.core.borrow_mut();
        let result = f(&mut core);
        loop {
            let next = self.deferred_releases.borrow_mut().pop();
            let Some(session) = next else {
                break;
            };
            // Releasing a live object cannot fail; a released one answers BAD_STATE, harmlessly.
            let _ = core.call(session, crate::vocab::Call::Release);
        }
        result
    }

    /// Releases `session` now, or as soon as the coordinator is free.
    /// Records that user code outside the engine's own calls panicked (a decider at a fault
    /// point).
    pub(crate) fn record_user_panic(&self, code: UserCode, panic: &UserPanic) {
        self.with_mut(|core| core.user_code_panicked(code, panic.clone()));
    }

    pub(crate) fn release_soon(&self, session: SessionNo) {
        if self.core.try_borrow_mut().is_ok() {
            self.with_mut(|core| drop(core.call(session, crate::vocab::Call::Release)));
        } else {
            self.deferred_releases.borrow_mut().push(session);
        }
    }
}

impl std::fmt::Debug for Vss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.core.try_borrow() {
            Ok(core) => core.fmt(f),
            Err(_) => f.write_str("Vss { <busy> }"),
        }
    }
}

/// Builds a [`Vss`]: the same options as [`Builder`].
#[derive(Debug, Default)]
pub struct VssBuilder(Builder);

impl VssBuilder {
    /// Registers and subscribes a writer instance (R59, R62).
    #[must_use]
    pub fn writer(self, config: WriterConfig, writer: impl Writer + 'static) -> Self {
        Self(self.0.writer(config, writer))
    }

    /// Registers a boxed writer instance.
    #[must_use]
    pub fn boxed_writer(self, config: WriterConfig, writer: Box<dyn Writer>) -> Self {
        Self(self.0.boxed_writer(config, writer))
    }

    /// Registers a provider beside the system provider (R127), which one with the system
    /// provider's id replaces. `GUID_NULL` picks hardware, then software, then the system
    /// provider (R85).
    #[must_use]
    pub fn provider(self, provider: impl Provider + 'static) -> Self {
        Self(self.0.provider(provider))
    }

    /// Removes the system provider: the machine has only the registered providers.
    #[must_use]
    pub fn without_system_provider(self) -> Self {
        Self(self.0.without_system_provider())
    }

    /// Adds a volume: a name such as `D:\`, or a [`Volume`](crate::vocab::Volume) described
    /// in full (default: `C:\` only; the first volume added replaces it).
    #[must_use]
    pub fn volume(self, volume: impl Into<crate::vocab::Volume>) -> Self {
        Self(self.0.volume(volume))
    }

    /// Sets `MaxShadowCopies`, the most client-accessible copies a volume keeps (R102;
    /// default 64).
    #[must_use]
    pub fn max_client_accessible_copies(self, max: u32) -> Self {
        Self(self.0.max_client_accessible_copies(max))
    }

    /// Sets the policies for the documented ambiguities.
    #[must_use]
    pub fn policies(self, policies: Policies) -> Self {
        Self(self.0.policies(policies))
    }

    /// Sets the Windows version or SKU the machine runs (default: a current server; issue 12
    /// part 5, `OsProfile`).
    #[must_use]
    pub fn os(self, os: crate::vocab::OsProfile) -> Self {
        Self(self.0.os(os))
    }

    /// Sets the machine's name, which shadow copies report as their originating and service
    /// machine (default `WIN-VSSSIM`).
    #[must_use]
    pub fn machine_name(self, name: impl Into<String>) -> Self {
        Self(self.0.machine_name(name))
    }

    /// Sets the wall clock time of virtual time 0, in ms since 1970-01-01 UTC (default
    /// 2026-01-01 00:00:00): shadow copies' creation timestamps read from it.
    #[must_use]
    pub fn wall_clock_epoch_ms(self, unix_ms: i64) -> Self {
        Self(self.0.wall_clock_epoch_ms(unix_ms))
    }

    /// Sets the chooser for every nondeterministic decision.
    #[must_use]
    pub fn chooser(self, chooser: impl Chooser + 'static) -> Self {
        Self(self.0.chooser(chooser))
    }

    /// Sets whether a trace is recorded.
    #[must_use]
    pub fn trace_mode(self, mode: TraceMode) -> Self {
        Self(self.0.trace_mode(mode))
    }

    /// Sets the run bounds.
    #[must_use]
    pub fn limits(self, limits: Limits) -> Self {
        Self(self.0.limits(limits))
    }

    /// Plants a deliberate engine bug (tests of the checkers only).
    #[doc(hidden)]
    #[must_use]
    pub fn planted_bug(self, bug: crate::coordinator::PlantedBug) -> Self {
        Self(self.0.planted_bug(bug))
    }

    /// Goes on from what an earlier machine left ([`Vss::machine_state`]): its persistent
    /// shadow copies (of volumes this machine has), the state and last error of writers with
    /// the same instance ids, shadow storage settings, ids, device numbers and clock.
    #[must_use]
    pub fn state(self, state: crate::vocab::MachineState) -> Self {
        Self(self.0.state(state))
    }

    /// Builds the machine.
    pub fn build(self) -> Vss {
        Vss::new(self.0.build())
    }
}
