//! A fault laid over a writer's handler or a provider's step, across the handler's waits: the
//! wrapped party still handles the call (its own state stays consistent) and its own waits run
//! first; then the fault spends its time, sets its signal, waits if it says so, and its result
//! replaces the party's. Fault injection ([`super::FaultyWriter`], [`super::FaultyProvider`]) and
//! the test kit's one-shot failures share it, so a fault means one thing wherever it is laid.

use super::ProviderFault;
use crate::provider::ProviderContext;
use crate::vocab::{Hresult, WaitEnd};
use crate::writer::{HandlerContext, Reaction};

/// Where a laid fault is in the handler call it overrides.
#[derive(Debug)]
enum Stage<T> {
    /// The wrapped party is still waiting: its continuation runs next.
    PartyWaiting,
    /// The fault waits; the party's own result was `own`.
    FaultWaiting { own: T },
}

/// The fault laid over the handler call in progress, if any.
#[derive(Debug)]
pub(crate) struct Overlay<F, T> {
    active: Option<(F, Stage<T>)>,
}

impl<F, T> Default for Overlay<F, T> {
    fn default() -> Self {
        Self { active: None }
    }
}

/// A writer fault over a handler call.
pub(crate) type WriterOverlay = Overlay<Reaction, bool>;

impl WriterOverlay {
    /// Lays `fault` over the handler call whose first segment just returned `own`.
    pub(crate) fn begin(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        fault: Reaction,
        own: bool,
    ) -> bool {
        ctx.spend_ms(fault.spend_ms);
        if ctx.is_waiting() {
            self.active = Some((fault, Stage::PartyWaiting));
            return true;
        }
        self.finish(ctx, fault, own)
    }

    /// The call's wait ended: the writer's continuation (`resume`) if it was the one waiting,
    /// then the fault; the writer's alone when no fault is laid.
    pub(crate) fn resume(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        ended: WaitEnd,
        resume: impl FnOnce(&mut HandlerContext<'_>, WaitEnd) -> bool,
    ) -> bool {
        match self.active.take() {
            None => resume(ctx, ended),
            Some((fault, Stage::PartyWaiting)) => {
                let own = resume(ctx, ended);
                if ctx.is_waiting() {
                    self.active = Some((fault, Stage::PartyWaiting));
                    return true;
                }
                self.finish(ctx, fault, own)
            }
            Some((fault, Stage::FaultWaiting { own })) => {
                let outcome = match (ended, fault.on_timeout) {
                    (WaitEnd::TimedOut, Some(outcome)) => outcome,
                    _ => fault.outcome,
                };
                outcome.end_handler(ctx, own)
            }
        }
    }

    fn finish(&mut self, ctx: &mut HandlerContext<'_>, fault: Reaction, own: bool) -> bool {
        if let Some(signal) = &fault.set_signal {
            ctx.set_signal(signal.clone());
        }
        if let Some(wait) = &fault.wait {
            ctx.wait(wait.clone());
            self.active = Some((fault, Stage::FaultWaiting { own }));
            return true;
        }
        fault.outcome.end_handler(ctx, own)
    }
}

/// A provider fault over a step (the provider's own result is always replaced, so none is kept).
pub(crate) type ProviderOverlay = Overlay<ProviderFault, ()>;

impl ProviderOverlay {
    /// Lays `fault` over the step whose first segment just returned.
    pub(crate) fn begin(&mut self, ctx: &mut ProviderContext, fault: ProviderFault) -> Hresult {
        ctx.spend_ms(fault.spend_ms);
        if ctx.is_waiting() {
            self.active = Some((fault, Stage::PartyWaiting));
            return Hresult::S_OK;
        }
        self.finish(ctx, fault)
    }

    /// The step's wait ended: the provider's continuation (`resume`) if it was the one waiting,
    /// then the fault; the provider's alone when no fault is laid.
    pub(crate) fn resume(
        &mut self,
        ctx: &mut ProviderContext,
        ended: WaitEnd,
        resume: impl FnOnce(&mut ProviderContext, WaitEnd) -> Hresult,
    ) -> Hresult {
        match self.active.take() {
            None => resume(ctx, ended),
            Some((fault, Stage::PartyWaiting)) => {
                // The provider's own result is replaced; it runs for its state and its waits.
                let _ = resume(ctx, ended);
                if ctx.is_waiting() {
                    self.active = Some((fault, Stage::PartyWaiting));
                    return Hresult::S_OK;
                }
                self.finish(ctx, fault)
            }
            Some((fault, Stage::FaultWaiting { own: () })) => match (ended, fault.on_timeout) {
                (WaitEnd::TimedOut, Some(result)) => result,
                _ => fault.result,
            },
        }
    }

    fn finish(&mut self, ctx: &mut ProviderContext, fault: ProviderFault) -> Hresult {
        if let Some(signal) = &fault.set_signal {
            ctx.set_signal(signal.clone());
        }
        if let Some(wait) = &fault.wait {
            ctx.wait(wait.clone());
            self.active = Some((fault, Stage::FaultWaiting { own: () }));
            return Hresult::S_OK;
        }
        fault.result
    }
}
