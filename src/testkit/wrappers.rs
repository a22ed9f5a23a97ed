//! The writers and providers the test kit puts in the machine: the writer under test, watched
//! ([`Subject`]), and its neighbours ([`Peer`], [`OneShotProvider`]), each failing at most once
//! where a case says so, so the follow-up backup of a run sees a healthy machine.

use std::cell::RefCell;
use std::rc::Rc;

use super::axes::SharedAxisLog;
use super::probe::{NamedProbe, ProbeScope};
use crate::guard::{self, UserPanic};
use crate::provider::{Provider, ProviderContext};
use crate::sim::overlay::{ProviderOverlay, WriterOverlay};
use crate::sim::ProviderFault;
use crate::vocab::{Hresult, ProviderId, ProviderStep, SnapshotSetId, WaitEnd, WriterEvent};
use crate::writer::{HandlerContext, Reaction, Writer, WriterMetadata};

/// A failure a case forces once: at the first delivery of `event`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Forced {
    pub(crate) event: WriterEvent,
    pub(crate) reaction: Reaction,
}

/// What a case makes go wrong in the writer under test, once each: a handler's result, and a
/// declaring call of its first `OnIdentify`.
#[derive(Clone, Debug, Default)]
pub(crate) struct SubjectFaults {
    pub(crate) forced: Option<Forced>,
    pub(crate) metadata: Option<crate::writer::MetadataFault>,
}

/// A [`Forced`] failure, whether it fired yet, and the call it is laid over.
#[derive(Debug, Default)]
struct OneShot {
    forced: Option<Forced>,
    fired: bool,
    overlay: WriterOverlay,
}

impl OneShot {
    fn new(forced: Option<Forced>) -> Self {
        Self {
            forced,
            ..Self::default()
        }
    }

    /// After the handler's first segment returned `ok`: the forced failure laid over the call,
    /// the first time.
    fn apply(&mut self, ctx: &mut HandlerContext<'_>, ok: bool) -> bool {
        let Some(forced) = self
            .forced
            .as_ref()
            .filter(|f| f.event == ctx.event() && !self.fired)
        else {
            return ok;
        };
        self.fired = true;
        let reaction = forced.reaction.clone();
        self.overlay.begin(ctx, reaction, ok)
    }

    /// The call's wait ended: the writer's continuation (`resume`), then the forced failure if
    /// one is laid over the call.
    fn resume(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        ended: WaitEnd,
        resume: impl FnOnce(&mut HandlerContext<'_>, WaitEnd) -> bool,
    ) -> bool {
        self.overlay.resume(ctx, ended, resume)
    }
}

/// What the kit saw of one handler call of the writer under test.
#[derive(Clone, Debug, Default)]
pub(crate) struct Observation {
    /// Each probe's answer after the handler returned, in declaration order (`None`: not asked
    /// here, or it panicked). A probe is asked where its scope may be judged: a resumed one
    /// after Thaw, Abort and BackupShutdown, an at-rest one after BackupShutdown, a `When`
    /// one where its predicate holds.
    pub(crate) answers: Vec<Option<bool>>,
    /// Before an `OnIdentify` (a backup may be starting): the at-rest answers of every probe
    /// that must hold at rest (`None`: not such a probe, or it panicked).
    pub(crate) before: Vec<Option<bool>>,
    /// A probe panicked around this handler: its name, the event, and the panic (a test
    /// error).
    pub(crate) probe_panic: Option<ProbePanic>,
    /// The document `OnIdentify` built, when it is the run's first or differs from it.
    pub(crate) metadata: Option<WriterMetadata>,
    /// The failure was the kit's, not the writer's.
    pub(crate) forced: bool,
}

/// A probe that panicked: its name, the event it was asked around, and the panic.
pub(crate) type ProbePanic = (String, WriterEvent, UserPanic);

/// The writer under test, shared with the kit so it can probe it after the run.
pub(crate) type Shared<W> = Rc<RefCell<W>>;
/// What the kit saw, in delivery order.
pub(crate) type Observations = Rc<RefCell<Vec<Observation>>>;

/// Wraps the writer under test: forwards every event, applies the case's forced failure once,
/// and records what its probes say around each handler.
pub(crate) struct Subject<W> {
    pub(crate) writer: Shared<W>,
    pub(crate) probes: Rc<[NamedProbe<W>]>,
    pub(crate) observations: Observations,
    /// The axes its handlers read and the values they had, over the whole conformance run.
    axes: SharedAxisLog,
    /// The events the writer handled so far, for `When` probes.
    history: Vec<WriterEvent>,
    /// The declaring call of the first `OnIdentify` that fails (taken when it runs).
    metadata_fault: Option<crate::writer::MetadataFault>,
    forced: OneShot,
    /// The case's failure fired in the handler call in progress (a continuation re-applies it).
    forced_in_this_call: bool,
}

impl<W: Writer> Subject<W> {
    pub(crate) fn new(
        writer: Shared<W>,
        probes: Rc<[NamedProbe<W>]>,
        faults: SubjectFaults,
        axes: SharedAxisLog,
    ) -> Self {
        let forced = faults.forced;
        Self {
            writer,
            probes,
            observations: Rc::default(),
            axes,
            history: Vec::new(),
            metadata_fault: faults.metadata,
            forced: OneShot::new(forced),
            forced_in_this_call: false,
        }
    }

    fn handle(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        metadata: Option<&mut WriterMetadata>,
        handler: impl FnOnce(&mut W, &mut HandlerContext<'_>, Option<&mut WriterMetadata>) -> bool,
    ) -> bool {
        // The slot exists before the handler runs, so a panic keeps deliveries and observations
        // aligned.
        let before = if ctx.event() == WriterEvent::Identify {
            self.ask(ctx.event(), |scope| scope.holds_at_rest())
        } else {
            (Vec::new(), None)
        };
        self.history.push(ctx.event());
        let slot = {
            let mut observations = self.observations.borrow_mut();
            observations.push(Observation {
                before: before.0,
                probe_panic: before.1,
                ..Observation::default()
            });
            observations.len() - 1
        };
        let mut metadata = metadata;
        let ok = handler(&mut self.writer.borrow_mut(), ctx, metadata.as_deref_mut());
        self.axes.borrow_mut().note(ctx);
        let fired_before = self.forced.fired;
        let ok = self.forced.apply(ctx, ok);
        self.forced_in_this_call = self.forced.fired && !fired_before;
        let metadata = metadata.filter(|m| !self.same_as_first_document(m));
        self.observe(ctx, slot, metadata.map(|m| m.clone()));
        ok
    }

    /// Whether `document` is the one the first `OnIdentify` of the run built: then it is not
    /// kept again (R44 compares each later document with the first; only a different one
    /// matters, and the reference run reads only the first).
    fn same_as_first_document(&self, document: &WriterMetadata) -> bool {
        self.observations
            .borrow()
            .iter()
            .find_map(|o| o.metadata.as_ref())
            .is_some_and(|first| first == document)
    }

    /// The continuation of a handler that waited: the call's result is decided now, so a
    /// failure the case forced in its first segment decides it, and the probe is asked again,
    /// into the call's slot (one observation per delivery).
    fn resume(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
        let writer = &self.writer;
        let ok = self.forced.resume(ctx, ended, |ctx, ended| {
            writer.borrow_mut().on_wait_ended(ctx, ended)
        });
        self.axes.borrow_mut().note(ctx);
        let slot = self.observations.borrow().len().saturating_sub(1);
        let metadata = self
            .observations
            .borrow_mut()
            .get_mut(slot)
            .and_then(|o| o.metadata.take());
        self.observe(ctx, slot, metadata);
        ok
    }

    /// Asks the probes after a handler (segment) returned and fills observation `slot`.
    fn observe(&mut self, ctx: &HandlerContext<'_>, slot: usize, metadata: Option<WriterMetadata>) {
        let event = ctx.event();
        let (answers, panic) = self.ask(event, |scope| match scope {
            ProbeScope::Resumed => matches!(
                event,
                WriterEvent::Thaw | WriterEvent::Abort | WriterEvent::BackupShutdown
            ),
            ProbeScope::AtRest => event == WriterEvent::BackupShutdown,
            ProbeScope::When(_) => true,
        });
        let mut observations = self.observations.borrow_mut();
        let observation = &mut observations[slot];
        observation.answers = answers;
        observation.probe_panic = observation.probe_panic.take().or(panic);
        observation.metadata = metadata;
        observation.forced = self.forced_in_this_call;
    }

    /// The answers of the probes `asked` selects, in declaration order (`None` for the others
    /// and for one that panicked), and the first panic. The probes are the test's code, not
    /// the writer's: a panic must not read as the handler's.
    fn ask(
        &self,
        event: WriterEvent,
        asked: impl Fn(&ProbeScope) -> bool,
    ) -> (Vec<Option<bool>>, Option<ProbePanic>) {
        let mut panic = None;
        let answers = self
            .probes
            .iter()
            .map(|named| {
                if !asked(&named.scope) {
                    return None;
                }
                let (writer, history) = (&self.writer, &self.history);
                // A `When` probe's predicate is the test's code too: inside the guard.
                let answered = guard::call(|| match &named.scope {
                    ProbeScope::When(predicate) if !predicate(history) => None,
                    _ => Some(named.probe.is_running_normally(&writer.borrow())),
                });
                match answered {
                    Ok(answer) => answer,
                    Err(caught) => {
                        panic.get_or_insert((named.name.clone(), event, caught));
                        None
                    }
                }
            })
            .collect();
        (answers, panic)
    }
}

impl<W: Writer> Writer for Subject<W> {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, metadata: &mut WriterMetadata) -> bool {
        let fault = self.metadata_fault.take();
        let mut made = 0;
        let ok = self.handle(ctx, Some(metadata), |w, ctx, md| {
            let (ok, calls) = crate::writer::with_metadata_fault(fault, || {
                md.is_some_and(|md| w.on_identify(ctx, md))
            });
            made = calls;
            ok
        });
        if fault.is_some_and(|f| f.call <= made) {
            // The document of a call the kit failed is not the writer's usual one (R44 holds
            // between the others).
            if let Some(last) = self.observations.borrow_mut().last_mut() {
                last.metadata = None;
            }
        }
        ok
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_prepare_backup(ctx))
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_prepare_snapshot(ctx))
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_freeze(ctx))
    }
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_thaw(ctx))
    }
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_post_snapshot(ctx))
    }
    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_abort(ctx))
    }
    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_backup_complete(ctx))
    }
    fn on_backup_shutdown(&mut self, ctx: &mut HandlerContext<'_>, set: SnapshotSetId) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_backup_shutdown(ctx, set))
    }
    fn on_pre_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_pre_restore(ctx))
    }
    fn on_post_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx, None, |w, ctx, _| w.on_post_restore(ctx))
    }
    fn on_wait_ended(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
        self.resume(ctx, ended)
    }
}

/// Another writer of the machine: takes `step_ms` in each DoSnapshotSet handler (so requester
/// cuts land between stages) and fails once where its case says.
pub(crate) struct Peer {
    inner: crate::writer::ScriptedWriter,
    forced: OneShot,
}

impl Peer {
    pub(crate) fn new(component: &str, step_ms: u64, forced: Option<Forced>) -> Self {
        let slow = Reaction::slow(step_ms);
        let mut inner = crate::writer::ScriptedWriter::new(component);
        for event in [
            WriterEvent::PrepareForSnapshot,
            WriterEvent::Freeze,
            WriterEvent::Thaw,
            WriterEvent::PostSnapshot,
        ] {
            inner = inner.on(event, slow.clone());
        }
        Self {
            inner,
            forced: OneShot::new(forced),
        }
    }

    fn handle(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        handler: impl FnOnce(&mut crate::writer::ScriptedWriter, &mut HandlerContext<'_>) -> bool,
    ) -> bool {
        let ok = handler(&mut self.inner, ctx);
        self.forced.apply(ctx, ok)
    }

    fn resume(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
        let inner = &mut self.inner;
        self.forced
            .resume(ctx, ended, |ctx, ended| inner.on_wait_ended(ctx, ended))
    }
}

crate::writer::forward_writer!(Peer, handle, resume);

/// A provider that fails one step once: the machine's provider for cases with a provider fault.
pub(crate) struct OneShotProvider {
    inner: Box<dyn Provider>,
    fault: Option<(ProviderStep, ProviderFault)>,
    overlay: ProviderOverlay,
}

impl OneShotProvider {
    pub(crate) fn new(
        inner: Box<dyn Provider>,
        fault: Option<(ProviderStep, ProviderFault)>,
    ) -> Self {
        Self {
            inner,
            fault,
            overlay: ProviderOverlay::default(),
        }
    }
}

impl Provider for OneShotProvider {
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
    ) -> crate::vocab::Hresult {
        let own = self.inner.step(ctx, step, set, volume);
        match self.fault.take_if(|(at, _)| *at == step) {
            Some((_, fault)) => self.overlay.begin(ctx, fault),
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

impl std::fmt::Debug for OneShotProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OneShotProvider")
            .field("fault", &self.fault)
            .finish_non_exhaustive()
    }
}
