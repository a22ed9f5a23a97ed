//! The coordinator layer: the simulated VSS service, sans-IO, on a virtual clock.
//!
//! [`Coordinator`] holds the registered writers and providers, one session per requester object,
//! the asynchronous operations in flight, the timers, the policies and the [`Chooser`]. It is the
//! *dynamic core*: [`Coordinator::call`] accepts any [`Call`] in any order and answers with what
//! Windows would return (the guard table, T14, is in `guards.rs`). The typestate requester API
//! is a shell over it.
//!
//! # Time
//!
//! Nothing reads a wall clock. Virtual time moves only when the requester waits
//! ([`Call::Wait`]), calls [`Coordinator::advance_ms`] or waits for a signal
//! ([`Coordinator::wait_signal`]); then the coordinator runs due work in time order: operation
//! steps (one handler or provider call each), handlers and provider steps whose time or wait is
//! over (`inflight.rs`: a call that spends time or waits is in flight until it returns, and its
//! operation waits for it), and timer expiries. Requester calls themselves take no time.
//!
//! # Modelling choices
//!
//! - Events are delivered to one writer at a time, in an order the [`Chooser`] picks (Freeze and
//!   Thaw: by application level first, R46).
//! - A writer whose handler failed keeps receiving the operation's events unless it was aborted;
//!   its `FAILED_AT_*` state sticks for the session.
//! - A writer handles one event at a time (SERIAL): an event for a writer inside a handler is
//!   queued and delivered when the handler returns. Abort and BackupShutdown belong to no
//!   operation: nothing waits for them, but they queue like every other event.
//! - VSS stops waiting for a hung OnFreeze when the writer's freeze window expires (R99), and
//!   for any handler after `Policies::handler_timeout`, if that says so.
//! - The service itself can restart (`service.rs`): its requester objects are lost, the
//!   writers' own freeze windows run on (`Policies::lost_service`).

mod abort;
mod builder;
mod calls;
mod carry;
mod chooser;
mod diff_area;
mod dispatch;
mod document;
mod exposure;
mod guards;
mod inflight;
mod ops;
mod pipeline;
mod restore;
mod revert;
mod service;
mod session;
mod store;
mod timers;
mod transport;
mod volumes;

pub use builder::{Builder, Limits, PlantedBug};
pub use chooser::{ChoicePoint, Chooser, FirstChoice};
pub use diff_area::DiffAreaSize;

use std::collections::BTreeMap;

use crate::guard::{Guarded, UserPanic};
use crate::provider::Provider;
use crate::trace::{Actor, DropReason, Trace, TraceEvent, UserCode};
use crate::vocab::{
    minted_uuid, Bound, Call, Hresult, IdKind, Policies, ProviderId, Reply, SignalName, Wait,
    WaitEnd, WriterClassId, WriterInstanceId,
};
use crate::vocab::{ProviderNo, SessionNo, WriterNo};
use crate::writer::{Writer, WriterConfig};
use ops::AsyncOp;
use session::Session;
use timers::TimerTable;

/// The simulated VSS service of one machine.
pub struct Coordinator {
    now_ms: u64,
    policies: Policies,
    writers: Vec<WriterSlot>,
    /// Each writer by its instance id, and the writers of each class (for `AddComponent`).
    by_instance: BTreeMap<WriterInstanceId, WriterNo>,
    by_class: BTreeMap<WriterClassId, Vec<WriterNo>>,
    providers: Vec<ProviderSlot>,
    volumes: Vec<volumes::MachineVolume>,
    /// `MaxShadowCopies`: the most client-accessible copies a volume keeps (R102).
    max_client_accessible_copies: u32,
    sessions: Vec<Session>,
    ops: Vec<AsyncOp>,
    timers: TimerTable,
    /// Handlers and provider steps that have not returned yet (issue 11).
    in_flight: Vec<inflight::InFlight>,
    /// Events waiting for their writer to finish the handler it is in.
    queued: Vec<inflight::Queued>,
    /// The signals that are set (named events, manual reset).
    signals: std::collections::BTreeSet<crate::vocab::SignalName>,
    /// The session whose set is in creation (R15).
    set_in_creation: Option<SessionNo>,
    trace: Trace,
    chooser: Guarded<Box<dyn Chooser>>,
    limits: Limits,
    planted_bug: Option<PlantedBug>,
    minted: u64,
    shadow_copies: u64,
    /// The Windows version or SKU the machine runs.
    os: crate::vocab::OsProfile,
    machine_name: String,
    wall_clock_epoch_ms: i64,
    /// The shadow copies on the machine (R104), oldest first.
    store: Vec<store::StoredCopy>,
    /// The transportable sets created here (R97): what an import on this machine checks.
    transported: Vec<transport::TransportedSet>,
    /// Per writer: the state and last error the last operation that touched it left it in,
    /// machine-wide (R30): what a requester that has not involved the writer reports.
    writer_status: Vec<WriterStatusNow>,
}

/// A writer's state and last error (`hrFailure`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WriterStatusNow {
    pub(crate) state: crate::vocab::WriterState,
    pub(crate) failure: Hresult,
}

impl WriterStatusNow {
    pub(crate) const STABLE: Self = Self {
        state: crate::vocab::WriterState::VSS_WS_STABLE,
        failure: Hresult::S_OK,
    };
}

struct WriterSlot {
    config: WriterConfig,
    instance_id: WriterInstanceId,
    writer: Guarded<Box<dyn Writer>>,
    /// Its process is down (`Vss::stop_writer`): it hears no event, and no new requester
    /// finds it, until `Vss::start_writer`.
    down: bool,
}

/// A registered provider: the id it gave at registration, and the provider itself.
struct ProviderSlot {
    id: ProviderId,
    provider: Guarded<Box<dyn Provider>>,
    /// What `Query` of providers reports (read at registration).
    properties: crate::vocab::ProviderProperties,
    /// The context modifiers it honours (R18).
    capabilities: crate::vocab::Attributes,
    /// Its copies have a device VSS can open (`ProviderInfo::surfaces_copies`).
    surfaces_copies: bool,
}

impl Coordinator {
    /// A builder for a machine.
    pub fn builder() -> Builder {
        Builder::new()
    }

    fn from_builder(builder: Builder) -> Self {
        let mut coordinator = Self {
            now_ms: 0,
            policies: builder.policies,
            writers: Vec::with_capacity(builder.writers.len()),
            by_instance: BTreeMap::new(),
            by_class: BTreeMap::new(),
            providers: Vec::with_capacity(builder.providers.len()),
            volumes: builder
                .volumes
                .into_iter()
                .enumerate()
                .map(|(index, spec)| volumes::MachineVolume::new(index, spec))
                .collect(),
            max_client_accessible_copies: builder.max_client_accessible_copies,
            sessions: Vec::new(),
            ops: Vec::new(),
            timers: TimerTable::default(),
            in_flight: Vec::new(),
            queued: Vec::new(),
            signals: std::collections::BTreeSet::new(),
            set_in_creation: None,
            trace: Trace::new(builder.trace_mode),
            chooser: builder.chooser,
            limits: builder.limits,
            planted_bug: builder.planted_bug,
            minted: 0,
            shadow_copies: 0,
            writer_status: Vec::with_capacity(builder.writers.len()),
            store: Vec::new(),
            transported: Vec::new(),
            os: builder.os,
            machine_name: builder.machine_name,
            wall_clock_epoch_ms: builder.wall_clock_epoch_ms,
        };
        coordinator.record(TraceEvent::Policies(coordinator.policies));
        if coordinator.os != crate::vocab::OsProfile::default() {
            coordinator.record(TraceEvent::Os(coordinator.os));
        }
        for (config, writer) in builder.writers {
            let instance_id = match config.instance_id {
                Some(id) if !id.is_null() && !coordinator.by_instance.contains_key(&id) => id,
                // A minted id never repeats one set by hand for an earlier writer.
                _ => loop {
                    let id = WriterInstanceId(coordinator.mint(IdKind::WriterInstance));
                    if !coordinator.by_instance.contains_key(&id) {
                        break id;
                    }
                },
            };
            let no = WriterNo(index_u32(coordinator.writers.len()));
            coordinator.record(TraceEvent::WriterRegistered {
                writer: no,
                class_id: config.class_id,
                instance_id,
                name: config.name.clone(),
                level: config.level,
                freeze_timeout_ms: config.freeze_timeout_ms,
            });
            coordinator.by_instance.insert(instance_id, no);
            coordinator
                .by_class
                .entry(config.class_id)
                .or_default()
                .push(no);
            coordinator.writers.push(WriterSlot {
                config,
                instance_id,
                writer,
                down: false,
            });
            coordinator.writer_status.push(WriterStatusNow::STABLE);
        }
        for provider in builder.providers {
            coordinator.register_provider(provider);
        }
        let system = crate::vocab::well_known::SYSTEM_PROVIDER;
        if builder.system_provider && !coordinator.providers.iter().any(|p| p.id == system) {
            coordinator.register_provider(Guarded::new(Box::new(
                crate::provider::SoftwareProvider::system(),
            )));
        }
        // File shares are copied by the File Share Shadow Copy provider (Windows 8 / 2012 on).
        let share = crate::vocab::well_known::FILE_SHARE_PROVIDER;
        if coordinator.volumes.iter().any(|v| v.spec.is_file_share())
            && !coordinator.providers.iter().any(|p| p.id == share)
        {
            coordinator.register_provider(Guarded::new(Box::new(
                crate::provider::SoftwareProvider::file_share(),
            )));
        }
        if let Some(state) = &builder.state {
            coordinator.carry(state);
        }
        coordinator
    }

    /// Records that user code panicked outside a handler or a provider step.
    pub(crate) fn user_code_panicked(&mut self, code: UserCode, panic: UserPanic) {
        let message = match panic.location() {
            Some(location) => format!("{} (at {location})", panic.message()),
            None => panic.message().to_owned(),
        };
        self.record(TraceEvent::UserCodePanicked { code, message });
    }

    /// Asks the chooser at `point` (the first option if it panics); an index in `0..options`.
    fn choose(&mut self, point: ChoicePoint, options: usize) -> usize {
        match self.chooser.call(|c| c.choose(point, options)) {
            Ok(index) => index % options.max(1),
            Err(panic) => {
                self.user_code_panicked(UserCode::Chooser, panic);
                0
            }
        }
    }

    /// `CreateVssBackupComponents` (R1): a new requester object.
    pub fn create_session(&mut self) -> SessionNo {
        let no = SessionNo(index_u32(self.sessions.len()));
        self.sessions.push(Session::new(no, self.writers.len()));
        self.record(TraceEvent::SessionCreated { session: no });
        no
    }

    /// Makes requester call `call` on object `session`, as Windows would answer it.
    ///
    /// Any call in any order is accepted; misuse is answered with the HRESULT Windows returns
    /// (`VSS_E_BAD_STATE` for calls out of sequence, R3, T14). An unknown session is
    /// `E_INVALIDARG`.
    pub fn call(&mut self, session: SessionNo, call: Call) -> Result<Reply, Hresult> {
        if self.session(session).is_none() {
            return Err(Hresult::E_INVALIDARG);
        }
        self.dispatch_call(session, call, calls::Examine::View)
    }

    /// `GetWriterMetadata(index)`, answered with the keys of the writer's explicit components
    /// (R110) pushed onto `keys` instead of a view: checked and recorded like [`Self::call`].
    pub(crate) fn explicit_components(
        &mut self,
        session: SessionNo,
        index: u32,
        keys: &mut Vec<crate::vocab::ComponentKey>,
    ) -> Result<(), Hresult> {
        if self.session(session).is_none() {
            return Err(Hresult::E_INVALIDARG);
        }
        let call = Call::WriterMetadata { index };
        self.dispatch_call(session, call, calls::Examine::ExplicitKeys(keys))
            .map(|_| ())
    }

    /// Lets `ms` of virtual time pass (the requester sleeps), running whatever falls due; the
    /// bound that cut the sleep short, if one did (it is in the trace too).
    pub fn advance_ms(&mut self, ms: u64) -> Option<Bound> {
        let until = self.now_ms.saturating_add(ms);
        self.run_until(None, Some(until))
    }

    /// The host sets `signal` (`SetEvent`): every handler, provider step or host waiting for it
    /// goes on. Signals are machine-wide and start reset.
    pub fn set_signal(&mut self, signal: impl Into<SignalName>) {
        self.change_signal(signal.into(), true, Actor::Host);
    }

    /// The host resets `signal` (`ResetEvent`).
    pub fn reset_signal(&mut self, signal: impl Into<SignalName>) {
        self.change_signal(signal.into(), false, Actor::Host);
    }

    /// The host waits up to `timeout_ms` (`None`: without limit) for `signal`, running whatever
    /// falls due meanwhile (`WaitForSingleObject`). `Ok` says how the wait ended; a bound that
    /// cut it short is `Err` (and in the trace).
    pub fn wait_signal(
        &mut self,
        signal: impl Into<SignalName>,
        timeout_ms: Option<u64>,
    ) -> Result<WaitEnd, Bound> {
        let signal = signal.into();
        let wait = Wait {
            signal: Some(signal.clone()),
            timeout_ms,
        };
        self.record(TraceEvent::WaitStarted {
            actor: Actor::Host,
            wait,
        });
        let until_ms = timeout_ms.map(|ms| self.now_ms.saturating_add(ms));
        if let Some(bound) = self.run_to(ops::Target::Signal(&signal), until_ms) {
            return Err(bound);
        }
        let ended = if self.signal_is_set(&signal) {
            WaitEnd::Signalled
        } else {
            WaitEnd::TimedOut
        };
        self.record(TraceEvent::WaitEnded {
            actor: Actor::Host,
            ended,
        });
        Ok(ended)
    }

    /// Lets the machine finish the handlers and provider steps still running, up to the run's
    /// time bound, without recording a bound (see `Vss::settle`).
    pub fn settle(&mut self) {
        self.settle_in_flight();
    }

    /// Virtual time now, ms since the simulation started.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// Registers `provider`, reading its id, name and info once (R127).
    fn register_provider(&mut self, mut provider: Guarded<Box<dyn Provider>>) {
        let coordinator = self;
        let no = ProviderNo(index_u32(coordinator.providers.len()));
        let id = provider.call(|p| p.id()).unwrap_or_else(|panic| {
            coordinator.user_code_panicked(UserCode::ProviderId(no), panic);
            ProviderId::NULL
        });
        let name = provider
            .call(|p| p.name().to_owned())
            .unwrap_or_else(|panic| {
                coordinator.user_code_panicked(UserCode::ProviderName(no), panic);
                String::new()
            });
        let info = provider.call(|p| p.info()).unwrap_or_else(|panic| {
            coordinator.user_code_panicked(UserCode::ProviderInfo(no), panic);
            crate::provider::ProviderInfo::default()
        });
        coordinator.record(TraceEvent::ProviderRegistered {
            provider: no,
            id,
            name: name.clone(),
        });
        coordinator.providers.push(ProviderSlot {
            id,
            provider,
            properties: crate::vocab::ProviderProperties {
                provider_id: id,
                name,
                provider_type: info.provider_type,
                version: info.version,
                version_id: info.version_id,
                class_id: info.class_id,
            },
            capabilities: info.capabilities,
            surfaces_copies: info.surfaces_copies,
        });
    }

    /// The Windows version or SKU the machine runs.
    pub fn os(&self) -> crate::vocab::OsProfile {
        self.os
    }

    /// The machine's name.
    pub fn wall_clock_now(&self) -> i64 {
        let ms = i64::try_from(self.now_ms).unwrap_or(i64::MAX);
        crate::vocab::vss_timestamp(self.wall_clock_epoch_ms.saturating_add(ms))
    }

    /// The machine's name.
    pub fn machine_name(&self) -> &str {
        &self.machine_name
    }

    /// The policies in force.
    pub fn policies(&self) -> Policies {
        self.policies
    }

    /// The trace so far.
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Moves the trace so far out of the coordinator, which records on into an empty one.
    pub(crate) fn take_trace(&mut self) -> Trace {
        self.trace.take()
    }

    /// The service of the writer with instance id `instance_id` restarts (field failure 17):
    /// see `Vss::restart_writer`. `VSS_E_OBJECT_NOT_FOUND` for an unknown instance.
    pub fn restart_writer(&mut self, instance_id: WriterInstanceId) -> Result<(), Hresult> {
        let writer = self
            .writer_no(instance_id)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
        if self.writers[writer.0 as usize].down {
            // Restarting a service whose process is down starts it.
            self.start_writer_no(writer);
        } else {
            self.restart_writer_no(writer);
        }
        Ok(())
    }

    /// The process of the writer with instance id `instance_id` dies: see `Vss::stop_writer`.
    /// Whether it was up.
    pub fn stop_writer(&mut self, instance_id: WriterInstanceId) -> Result<bool, Hresult> {
        let writer = self
            .writer_no(instance_id)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
        let up = !self.writers[writer.0 as usize].down;
        if up {
            self.stop_writer_no(writer);
        }
        Ok(up)
    }

    /// The writer's process starts again: see `Vss::start_writer`. Whether it was down.
    pub fn start_writer(&mut self, instance_id: WriterInstanceId) -> Result<bool, Hresult> {
        let writer = self
            .writer_no(instance_id)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
        let down = self.writers[writer.0 as usize].down;
        if down {
            self.start_writer_no(writer);
        }
        Ok(down)
    }

    /// The writer's process is up again: Stable, no error.
    fn start_writer_no(&mut self, writer: WriterNo) {
        self.writers[writer.0 as usize].down = false;
        self.writer_status[writer.0 as usize] = WriterStatusNow::STABLE;
        self.record(TraceEvent::WriterStarted { writer });
    }

    /// The instance ids of the writers registered as `name`, in registration order.
    pub fn writer_instances(&self, name: &str) -> Vec<WriterInstanceId> {
        self.writers
            .iter()
            .filter(|slot| slot.config.name == name)
            .map(|slot| slot.instance_id)
            .collect()
    }

    /// The writer with instance id `instance_id`.
    pub(crate) fn writer_no(&self, instance_id: WriterInstanceId) -> Option<WriterNo> {
        self.by_instance.get(&instance_id).copied()
    }

    /// Whether `bug` is planted (tests of the checkers only).
    fn planted(&self, bug: PlantedBug) -> bool {
        self.planted_bug == Some(bug)
    }

    fn session(&self, no: SessionNo) -> Option<&Session> {
        self.sessions.get(no.0 as usize)
    }

    fn record(&mut self, event: TraceEvent) {
        self.trace.push(self.now_ms, event);
    }

    /// `writer` stopped receiving `session`'s events (R10, R47, R55, R7): recorded, and counted
    /// so an operation's recipient list is pruned only when someone left.
    fn writer_dropped(&mut self, session: SessionNo, writer: WriterNo, reason: DropReason) {
        self.sessions[session.0 as usize].departures += 1;
        self.record(TraceEvent::WriterDropped {
            session,
            writer,
            reason,
        });
    }

    fn mint(&mut self, kind: IdKind) -> uuid::Uuid {
        self.minted += 1;
        minted_uuid(kind, self.minted)
    }
}

impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator")
            .field("now_ms", &self.now_ms)
            .field("writers", &self.writers.len())
            .field("sessions", &self.sessions.len())
            .field("ops", &self.ops.len())
            .field("set_in_creation", &self.set_in_creation)
            .finish_non_exhaustive()
    }
}

/// Index to a `u32` number; the simulator never holds 2^32 writers, sessions or operations.
fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
