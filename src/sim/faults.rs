//! Faults as data: what may go wrong in a run, injected at fault points whose outcome the run's
//! chooser decides (design principle 1).
//!
//! A [`FaultCatalogue`] lists, per writer event, provider step and requester step, the faults
//! that *may* happen. At each fault point the chooser picks "no fault" (option 0) or one of the
//! listed faults, until `max_faults` have fired. A seeded chooser then samples faults, the
//! exhaustive explorer enumerates them, a replay chooser reproduces them.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::overlay::{ProviderOverlay, WriterOverlay};
use super::SharedChooser;
use super::{Decider, Decision};
use crate::provider::{Provider, ProviderContext};
use crate::vocab::ProviderStep;
use crate::vocab::{
    Hresult, ProviderId, SignalName, SnapshotSetId, Wait, WaitEnd, WriterEvent, WriterFailure,
};
use crate::writer::{HandlerContext, Outcome, Reaction, Writer};

/// A provider fault: the step takes `spend_ms`, sets `set_signal`, waits if `wait` says so, and
/// returns `result` (`on_timeout` instead, when given and the wait timed out).
///
/// The wrapped provider still runs the step, and its own waits come first; the fault's result
/// replaces the provider's. In a scenario file: `CommitSnapshots = [{ result =
/// "VSS_E_UNEXPECTED_PROVIDER_ERROR" }]`, `CommitSnapshots = [{ set_signal = "frozen", wait = {
/// signal = "thaw", timeout_ms = 11000 } }]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderFault {
    /// Virtual time the step takes.
    pub spend_ms: u64,
    /// What it returns (after its wait, if it waits and the wait did not time out).
    pub result: Hresult,
    /// A signal it sets once its time is spent (before it waits, if it does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_signal: Option<SignalName>,
    /// What it blocks on once its time is spent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<Wait>,
    /// What it returns when its wait timed out (default: `result`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<Hresult>,
}

impl Default for ProviderFault {
    fn default() -> Self {
        Self {
            spend_ms: 0,
            result: Hresult::S_OK,
            set_signal: None,
            wait: None,
            on_timeout: None,
        }
    }
}

impl ProviderFault {
    /// The step returns `result` at once.
    pub fn returning(result: Hresult) -> Self {
        Self {
            result,
            ..Self::default()
        }
    }

    /// The step takes `ms` and succeeds.
    pub fn slow(ms: u64) -> Self {
        Self {
            spend_ms: ms,
            ..Self::default()
        }
    }
}

/// What a requester may do instead of its next program step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RequesterFault {
    /// The process dies (R57: BackupShutdown only).
    Crash,
    /// It releases the object without AbortBackup (breaks R52 after PrepareForBackup).
    Release,
    /// It calls AbortBackup, then releases (R52, R53).
    AbortBackup,
    /// It cancels its pending operation (R38), then goes on.
    Cancel,
}

/// What may happen to the machine before a program step (issue 12 part 6): a writer's process
/// dies and stays down, comes back, or its service restarts; the VSS service restarts. In a scenario file:
/// `machine = [{ StopWriter = "SqlServerWriter" }, { StartWriter = "SqlServerWriter" }]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MachineFault {
    /// The writer's process dies (`Vss::stop_writer`, every instance of the name).
    StopWriter(String),
    /// The writer's process starts again (`Vss::start_writer`).
    StartWriter(String),
    /// The writer's service restarts (`Vss::restart_writer`; field failure 17).
    RestartWriter(String),
    /// The VSS service restarts (`Vss::restart_service`). In a scenario file:
    /// `machine = ["RestartService"]`.
    RestartService,
}

/// The faults that may happen in a run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultCatalogue {
    /// Per writer event: the reactions a writer may show instead of its own.
    pub writer: BTreeMap<WriterEvent, Vec<Reaction>>,
    /// Per provider step: the faults a provider may show.
    pub provider: BTreeMap<ProviderStep, Vec<ProviderFault>>,
    /// What a requester may do instead of any program step.
    pub requester: Vec<RequesterFault>,
    /// What may happen to the machine before any program step.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub machine: Vec<MachineFault>,
    /// At most this many faults fire in one run; `None` is unbounded.
    pub max_faults: Option<u32>,
}

impl FaultCatalogue {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// The standard catalogue, covering the abort and shutdown paths of R50–R57, R76, R89:
    /// a veto at PrepareForSnapshot; a fatal failure or a 61 s stall at Freeze; a fatal failure
    /// at Thaw; a 10 001 ms commit; insufficient storage at EndPrepareSnapshots; a requester that
    /// crashes or aborts at any step. At most one fault per run.
    pub fn standard() -> Self {
        let mut writer = BTreeMap::new();
        writer.insert(
            WriterEvent::PrepareForSnapshot,
            vec![Reaction::veto(WriterFailure::VSS_E_WRITERERROR_RETRYABLE)],
        );
        writer.insert(
            WriterEvent::Freeze,
            vec![
                Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
                Reaction::slow(61_000),
            ],
        );
        writer.insert(
            WriterEvent::Thaw,
            vec![Reaction::fatal(
                WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE,
            )],
        );
        let mut provider = BTreeMap::new();
        provider.insert(
            ProviderStep::CommitSnapshots,
            vec![ProviderFault::slow(10_001)],
        );
        provider.insert(
            ProviderStep::EndPrepareSnapshots,
            vec![ProviderFault::returning(
                Hresult::VSS_E_INSUFFICIENT_STORAGE,
            )],
        );
        Self {
            writer,
            provider,
            requester: vec![RequesterFault::Crash, RequesterFault::AbortBackup],
            machine: Vec::new(),
            max_faults: Some(1),
        }
    }

    /// The same catalogue allowing `max_faults` faults per run.
    #[must_use]
    pub fn with_max_faults(mut self, max_faults: u32) -> Self {
        self.max_faults = Some(max_faults);
        self
    }
}

/// Decides faults at fault points for one run, through the run's chooser.
#[derive(Clone, Debug)]
pub struct FaultInjector {
    catalogue: Rc<FaultCatalogue>,
    chooser: SharedChooser,
    fired: Rc<Cell<u32>>,
}

impl FaultInjector {
    /// An injector drawing from `catalogue` with `chooser`.
    pub fn new(catalogue: FaultCatalogue, chooser: SharedChooser) -> Self {
        Self {
            catalogue: Rc::new(catalogue),
            chooser,
            fired: Rc::new(Cell::new(0)),
        }
    }

    /// An injector drawing from a catalogue shared with other runs: an explorer runs one
    /// scenario many times and need not copy its catalogue for each.
    pub(crate) fn shared(catalogue: Rc<FaultCatalogue>, chooser: SharedChooser) -> Self {
        Self {
            catalogue,
            chooser,
            fired: Rc::new(Cell::new(0)),
        }
    }

    /// The panics the decider raised at fault points since the last call (each taken as "no
    /// fault").
    pub(crate) fn take_panics(&self) -> Vec<crate::guard::UserPanic> {
        self.chooser.take_panics()
    }

    /// How many faults fired so far.
    pub fn fired(&self) -> u32 {
        self.fired.get()
    }

    /// The fault (if any) writer `writer` shows at `event`.
    pub fn writer_fault(&self, writer: u32, event: WriterEvent) -> Option<Reaction> {
        let options = self.catalogue.writer.get(&event)?;
        self.pick(Decision::WriterFault { writer, event }, options)
            .cloned()
    }

    /// The fault (if any) provider `provider` shows at `step`.
    pub fn provider_fault(&self, provider: u32, step: ProviderStep) -> Option<ProviderFault> {
        let options = self.catalogue.provider.get(&step)?;
        self.pick(Decision::ProviderFault { provider, step }, options)
            .cloned()
    }

    /// What requester `requester` does instead of program step `step`, if anything.
    pub fn requester_fault(&self, requester: u32, step: u32) -> Option<RequesterFault> {
        let point = Decision::RequesterFault { requester, step };
        self.pick(point, &self.catalogue.requester).copied()
    }

    /// What happens to the machine before program step `step`, if anything.
    pub fn machine_fault(&self, step: u32) -> Option<MachineFault> {
        self.pick(Decision::MachineFault { step }, &self.catalogue.machine)
            .cloned()
    }

    fn pick<'a, T>(&self, point: Decision, options: &'a [T]) -> Option<&'a T> {
        if options.is_empty()
            || self
                .catalogue
                .max_faults
                .is_some_and(|max| self.fired.get() >= max)
        {
            return None;
        }
        let mut chooser = self.chooser.clone();
        let pick = chooser.decide(point, options.len() + 1) % (options.len() + 1);
        let fault = options.get(pick.checked_sub(1)?)?;
        self.fired.set(self.fired.get() + 1);
        Some(fault)
    }
}

/// Wraps a writer so the fault injector can override its reactions. The wrapped writer still
/// handles every event it is sent (so its own state stays consistent) and its own waits run
/// first; a fault then adds its time, signal and wait, and replaces the result.
pub struct FaultyWriter {
    inner: Box<dyn Writer>,
    index: u32,
    faults: FaultInjector,
    overlay: WriterOverlay,
}

impl FaultyWriter {
    /// Wraps `inner`, registered as writer number `index`.
    pub fn new(inner: Box<dyn Writer>, index: u32, faults: FaultInjector) -> Self {
        Self {
            inner,
            index,
            faults,
            overlay: WriterOverlay::default(),
        }
    }

    fn react(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        handle: impl FnOnce(&mut dyn Writer, &mut HandlerContext<'_>) -> bool,
    ) -> bool {
        let Some(fault) = self.faults.writer_fault(self.index, ctx.event()) else {
            return handle(self.inner.as_mut(), ctx);
        };
        if fault.outcome == Outcome::Panic && fault.wait.is_none() {
            panic!(
                "injected fault: writer panics in {}",
                ctx.event().handler_name()
            );
        }
        let own = handle(self.inner.as_mut(), ctx);
        self.overlay.begin(ctx, fault, own)
    }

    fn resume(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
        let inner = &mut self.inner;
        self.overlay
            .resume(ctx, ended, |ctx, ended| inner.on_wait_ended(ctx, ended))
    }
}

crate::writer::forward_writer!(FaultyWriter, react, resume);

/// Wraps a provider so the fault injector can override its steps. The wrapped provider still
/// runs every step and its own waits come first; a fault then adds its time, signal and wait,
/// and replaces the result.
pub struct FaultyProvider {
    inner: Box<dyn Provider>,
    index: u32,
    faults: FaultInjector,
    overlay: ProviderOverlay,
}

impl FaultyProvider {
    /// Wraps `inner`, registered as provider number `index`.
    pub fn new(inner: Box<dyn Provider>, index: u32, faults: FaultInjector) -> Self {
        Self {
            inner,
            index,
            faults,
            overlay: ProviderOverlay::default(),
        }
    }
}

impl Provider for FaultyProvider {
    fn id(&self) -> ProviderId {
        self.inner.id()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn supports_volume(&self, volume: &str) -> bool {
        self.inner.supports_volume(volume)
    }

    fn info(&self) -> crate::provider::ProviderInfo {
        self.inner.info()
    }

    fn is_volume_supported(&mut self, volume: &str) -> Result<bool, Hresult> {
        self.inner.is_volume_supported(volume)
    }

    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        volume: Option<&str>,
    ) -> Hresult {
        let own = self.inner.step(ctx, step, set, volume);
        match self.faults.provider_fault(self.index, step) {
            Some(fault) => self.overlay.begin(ctx, fault),
            None => own,
        }
    }

    fn on_wait_ended(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        ended: WaitEnd,
    ) -> Hresult {
        let inner = &mut self.inner;
        self.overlay.resume(ctx, ended, |ctx, ended| {
            inner.on_wait_ended(ctx, step, set, ended)
        })
    }
}

impl std::fmt::Debug for FaultyWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyWriter")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for FaultyProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultyProvider")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}
