//! Handlers and provider steps that take time (issue 11): one in flight per writer, events to a
//! busy writer queued behind it, waits on signals and timeouts, and VSS giving up on a handler.
//!
//! A delivery or a provider step is a sequence of *segments*: the first call, then one
//! continuation (`on_wait_ended`) per wait it asked for. A segment spends its time, then its
//! signal changes take effect, then the handler returns or starts waiting. A segment that
//! spends nothing, sets nothing and does not wait finishes on the spot: the common case costs
//! no scheduler step. Everything else is an [`InFlight`] entry the scheduler advances on the
//! virtual clock like an operation step.

use super::Coordinator;
use crate::provider::ProviderContext;
use crate::trace::{Actor, DropReason, TraceEvent, UserCode};
use crate::vocab::{
    Hresult, OpNo, ProviderNo, ProviderStep, SessionNo, SignalName, SnapshotSetId, Wait, WaitEnd,
    WriterEvent, WriterNo,
};
use crate::writer::{HandlerContext, WriterMetadata};

/// A handler or provider step that has not returned yet.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) actor: Actor,
    /// The operation waiting for it to return (none for Abort and BackupShutdown, which run
    /// out of band, and for calls VSS stopped waiting for).
    pub(crate) op: Option<OpNo>,
    /// BackupShutdown's argument (R57).
    pub(crate) set_arg: SnapshotSetId,
    pub(crate) started_ms: u64,
    pub(crate) phase: Phase,
    pub(crate) result: Partial,
    /// When VSS stops waiting for it (`Policies::handler_timeout`), if it does.
    pub(crate) give_up_ms: Option<u64>,
    /// VSS stopped waiting for it: its return changes nothing.
    pub(crate) abandoned: bool,
}

/// Where an in-flight call is.
#[derive(Debug)]
pub(crate) enum Phase {
    /// A segment spends its time until `until_ms`; then `signals` change and the call returns,
    /// or waits for `wait`.
    Running {
        until_ms: u64,
        signals: Vec<(SignalName, bool)>,
        wait: Option<Wait>,
    },
    /// Blocked until `signal` is set or `until_ms` passes.
    Waiting {
        signal: Option<SignalName>,
        until_ms: Option<u64>,
    },
    /// Its wait ended at `at_ms`; the continuation runs when the scheduler reaches it.
    Woken { at_ms: u64, ended: WaitEnd },
}

/// What the segments so far said: the last segment's result wins, `SetWriterFailure` codes
/// accumulate (the last one wins, as on Windows), a panic ends the call.
#[derive(Debug)]
pub(crate) struct Partial {
    pub(crate) ok: bool,
    pub(crate) failure: Option<Hresult>,
    pub(crate) panicked: bool,
    pub(crate) metadata: Option<Box<WriterMetadata>>,
    /// A provider step's result.
    pub(crate) hr: Hresult,
}

impl Partial {
    pub(crate) fn new() -> Self {
        Self {
            ok: true,
            failure: None,
            panicked: false,
            metadata: None,
            hr: Hresult::S_OK,
        }
    }
}

/// An event waiting for its writer to finish the handler it is in (a writer handles one event
/// at a time).
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) session: SessionNo,
    pub(crate) writer: WriterNo,
    pub(crate) event: WriterEvent,
    pub(crate) set_arg: SnapshotSetId,
    pub(crate) op: Option<OpNo>,
    /// When VSS sent it: VSS's wait for the handler (`Policies::handler_timeout`) starts then,
    /// not when the writer gets to it.
    pub(crate) sent_ms: u64,
    /// An Abort from the writer's own freeze timeout (a window a Thaw missed, KB915331), not
    /// from VSS: R55 does not hold it back.
    pub(crate) own_timeout: bool,
}

/// What one segment of a call did.
pub(crate) struct Segment {
    pub(crate) spent_ms: u64,
    pub(crate) wait: Option<Wait>,
    pub(crate) signals: Vec<(SignalName, bool)>,
}

impl Segment {
    fn is_instant(&self) -> bool {
        self.spent_ms == 0 && self.wait.is_none() && self.signals.is_empty()
    }
}

impl InFlight {
    /// When the scheduler must next look at it.
    pub(crate) fn due_ms(&self) -> Option<u64> {
        match (
            self.phase_due_ms(),
            self.give_up_ms.filter(|_| !self.abandoned),
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When its current phase ends by itself (its time spent, its wait timed out, its
    /// continuation due); `None`: it waits for a signal only, or for ever.
    fn phase_due_ms(&self) -> Option<u64> {
        match &self.phase {
            Phase::Running { until_ms, .. } => Some(*until_ms),
            Phase::Waiting { until_ms, .. } => *until_ms,
            Phase::Woken { at_ms, .. } => Some(*at_ms),
        }
    }

    fn writer(&self) -> Option<WriterNo> {
        match self.actor {
            Actor::Writer { writer, .. } => Some(writer),
            _ => None,
        }
    }
}

impl Coordinator {
    /// Whether `writer` is inside its `OnPrepareBackup` or `OnPrepareSnapshot` for `session`:
    /// it received the event, so it takes part in the backup (R57) though the handler has not
    /// returned yet.
    pub(crate) fn joining(&self, session: SessionNo, writer: WriterNo) -> bool {
        self.in_flight.iter().any(|f| {
            !f.abandoned
                && matches!(
                    f.actor,
                    Actor::Writer {
                        session: s,
                        writer: w,
                        event: WriterEvent::PrepareForBackup | WriterEvent::PrepareForSnapshot,
                    } if s == session && w == writer
                )
        })
    }

    /// Whether `writer` is inside a handler (or has events queued behind one).
    pub(crate) fn writer_busy(&self, writer: WriterNo) -> bool {
        self.in_flight.iter().any(|f| f.writer() == Some(writer))
            || self.queued.iter().any(|q| q.writer == writer)
    }

    /// Delivers `event` to `writer` for `session` now, or once the writer finished the handler
    /// it is in. `op`, if given, is blocked until the handler returns.
    pub(crate) fn deliver(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        set_arg: SnapshotSetId,
        op: Option<OpNo>,
    ) {
        if let Some(op) = op {
            self.op_awaits(op);
        }
        // A writer whose handler just returned may still have a backlog (its events are
        // delivered once the operation drew the handler's consequences): the backlog goes
        // first, in order, so an Abort raised now is not held behind events already due.
        if !self.queued.is_empty()
            && !self.in_flight.iter().any(|f| f.writer() == Some(writer))
            && self.queued.iter().any(|q| q.writer == writer)
        {
            self.deliver_queued(writer);
        }
        // The planted bug is looked up only for a busy writer: the common case stays one
        // scan of two (usually empty) lists.
        let must_queue = self.writer_busy(writer)
            && (event != WriterEvent::Abort
                || !self.planted(super::PlantedBug::AbortIgnoresBusyWriter));
        if must_queue {
            self.queued.push(Queued {
                session,
                writer,
                event,
                set_arg,
                op,
                sent_ms: self.now_ms,
                own_timeout: false,
            });
            return;
        }
        self.start_delivery(session, writer, event, set_arg, op, self.now_ms);
    }

    /// The writer gets `event` now; VSS sent it at `sent_ms`.
    fn start_delivery(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        set_arg: SnapshotSetId,
        op: Option<OpNo>,
        sent_ms: u64,
    ) {
        let set = if event == WriterEvent::BackupShutdown {
            set_arg
        } else {
            self.sessions[session.0 as usize].set.id()
        };
        if event == WriterEvent::Thaw && op.is_some() {
            // R99: the freeze window runs until the writer receives Thaw.
            self.sessions[session.0 as usize].writers[writer.0 as usize].thaw_received = true;
            self.thaw_stops_freeze_timer(session, writer);
        }
        self.record(TraceEvent::Delivered {
            session,
            writer,
            event,
            set,
        });
        if event.belongs_to_an_operation() {
            self.involve(session, writer);
        }
        if event == WriterEvent::PrepareForBackup {
            // R21, R47: the document it gets is the one the requester has built so far.
            let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
            sw.unselected_at_prepare = sw.selected.is_empty();
        }
        if event == WriterEvent::Freeze
            && op.is_some()
            && self.policies.freeze_timer_start == crate::vocab::FreezeTimerStart::OnFreezeDelivered
        {
            self.arm_freeze_window(session, writer);
        }
        let mut result = Partial::new();
        let segment = self.writer_segment(session, writer, event, set_arg, None, &mut result);
        let actor = Actor::Writer {
            session,
            writer,
            event,
        };
        if segment.is_instant() {
            self.writer_returned(actor, op, 0, result, false);
            return;
        }
        let give_up_ms = self
            .policies
            .handler_timeout
            .limit_ms(event)
            .map(|limit| sent_ms.saturating_add(limit));
        let phase = self.segment_phase(actor, segment);
        self.in_flight.push(InFlight {
            actor,
            op,
            set_arg,
            started_ms: self.now_ms,
            phase,
            result,
            give_up_ms,
            abandoned: false,
        });
    }

    /// Calls one segment of `writer`'s handler for `event`: the handler itself, or its
    /// continuation after a wait that ended with `resumed`. Records its queries.
    fn writer_segment(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        set_arg: SnapshotSetId,
        resumed: Option<WaitEnd>,
        result: &mut Partial,
    ) -> Segment {
        let wide_queries = self.planted(super::PlantedBug::QueriesOutsideWindow);
        let writes_anywhere = self.planted(super::PlantedBug::DocumentWritableAnywhere);
        let Self {
            writers,
            sessions,
            policies,
            now_ms,
            os,
            ..
        } = self;
        let s = &sessions[session.0 as usize];
        let slot = &mut writers[writer.0 as usize];
        let mut view = super::dispatch::event_view(
            s,
            writer,
            event,
            *policies,
            *now_ms,
            slot.config.level,
            *os,
        );
        view.set_queries_allowed |= wide_queries && s.set.data().is_some();
        view.writes_anywhere = writes_anywhere;
        let mut ctx = HandlerContext::new(event, view);
        // Only OnIdentify builds a document: no other event pays for one.
        let mut metadata: Option<Box<WriterMetadata>> = None;
        let call = slot.writer.call(|handler| match resumed {
            Some(ended) => handler.on_wait_ended(&mut ctx, ended),
            None => match event {
                WriterEvent::Identify => {
                    handler.on_identify(&mut ctx, metadata.insert(Box::default()))
                }
                WriterEvent::PrepareForBackup => handler.on_prepare_backup(&mut ctx),
                WriterEvent::PrepareForSnapshot => handler.on_prepare_snapshot(&mut ctx),
                WriterEvent::Freeze => handler.on_freeze(&mut ctx),
                WriterEvent::Thaw => handler.on_thaw(&mut ctx),
                WriterEvent::PostSnapshot => handler.on_post_snapshot(&mut ctx),
                WriterEvent::Abort => handler.on_abort(&mut ctx),
                WriterEvent::BackupComplete => handler.on_backup_complete(&mut ctx),
                WriterEvent::BackupShutdown => handler.on_backup_shutdown(&mut ctx, set_arg),
                WriterEvent::PreRestore => handler.on_pre_restore(&mut ctx),
                WriterEvent::PostRestore => handler.on_post_restore(&mut ctx),
            },
        });
        let effects = ctx.into_effects();
        if event == WriterEvent::Identify && resumed.is_none() {
            result.metadata = metadata;
        }
        if effects.failure.is_some() {
            result.failure = effects.failure;
        }
        match call {
            Ok(ok) => result.ok = ok,
            Err(panic) => {
                result.ok = false;
                result.panicked = true;
                self.user_code_panicked(UserCode::Handler { writer, event }, panic);
            }
        }
        if !effects.component_writes.is_empty() {
            let s = &mut self.sessions[session.0 as usize];
            let entry = s.writers[writer.0 as usize].restore_entry;
            match (s.restore_doc.as_deref_mut(), entry) {
                // A restore's document is the loaded one: the writes go straight into it.
                (Some(doc), Some(entry)) => {
                    if let Some(entry) = doc.writers.get_mut(entry) {
                        // Windows re-declares the namespace of an entry its writer changed.
                        entry.writer_modified = true;
                        for (key, write) in effects.component_writes {
                            let path = key.logical_path.as_deref();
                            if let Some(component) = entry
                                .components
                                .iter_mut()
                                .find(|c| c.logical_path.as_deref() == path && c.name == key.name)
                            {
                                write.apply(component);
                            }
                        }
                    }
                }
                _ => s.component_writes.extend(
                    effects
                        .component_writes
                        .into_iter()
                        .map(|(key, write)| (writer, key, write)),
                ),
            }
        }
        for (query, hr) in effects.queries {
            self.record(TraceEvent::Queried {
                session,
                writer,
                during: event,
                query,
                hr,
            });
        }
        Segment {
            spent_ms: effects.spent_ms,
            // A panicking handler has returned: it waits for nothing.
            wait: effects.wait.filter(|_| !result.panicked),
            signals: effects.signals,
        }
    }

    /// Calls one segment of `provider`'s `step` (`volume`: BeginPrepareSnapshot's): the step
    /// itself or its continuation. Its result, mapped by R94, goes to `result.hr`.
    pub(crate) fn provider_segment(
        &mut self,
        session: SessionNo,
        provider: ProviderNo,
        step: ProviderStep,
        volume: Option<&str>,
        resumed: Option<WaitEnd>,
        result: &mut Partial,
    ) -> Segment {
        let set = self.sessions[session.0 as usize].set.id();
        let mut ctx = ProviderContext::default();
        let Some(slot) = self.providers.get_mut(provider.0 as usize) else {
            result.hr = Hresult::VSS_E_PROVIDER_NOT_REGISTERED;
            return Segment {
                spent_ms: 0,
                wait: None,
                signals: Vec::new(),
            };
        };
        // A panicking provider is a provider error (R94), never a torn-down run.
        let call = slot.provider.call(|p| match resumed {
            Some(ended) => p.on_wait_ended(&mut ctx, step, set, ended),
            None => p.step(&mut ctx, step, set, volume),
        });
        let (spent_ms, wait, signals) = ctx.into_parts();
        // A panicking provider has returned: it waits for nothing, and no continuation can
        // turn its error into a success.
        let wait = wait.filter(|_| call.is_ok());
        result.hr = crate::provider::map_provider_result(
            step,
            call.unwrap_or(Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR),
        );
        if wait.is_none() && result.hr.is_success() {
            if let Some(hr) = self.storage_shortfall(session, provider, step) {
                result.hr = hr; // R87, field failure 19
            } else if let Some(hr) = self.final_commit_failure(session, provider, step) {
                result.hr = hr; // field failure 16
            }
        }
        Segment {
            spent_ms,
            wait,
            signals,
        }
    }

    /// Calls `provider`'s `step` of an operation: at once if it neither spends time nor waits,
    /// else in flight, blocking `op` until it returns. Its result takes effect when it returns
    /// (`provider_returned`).
    pub(crate) fn begin_provider_step(
        &mut self,
        op: OpNo,
        session: SessionNo,
        provider: ProviderNo,
        step: ProviderStep,
    ) {
        let mut result = Partial::new();
        let segment = self.provider_segment(session, provider, step, None, None, &mut result);
        let actor = Actor::Provider {
            session,
            provider,
            step,
        };
        self.op_awaits(op);
        if segment.is_instant() {
            self.provider_returned(actor, Some(op), 0, result.hr);
            return;
        }
        let phase = self.segment_phase(actor, segment);
        self.in_flight.push(InFlight {
            actor,
            op: Some(op),
            set_arg: SnapshotSetId::NULL,
            started_ms: self.now_ms,
            phase,
            result,
            give_up_ms: None,
            abandoned: false,
        });
    }

    /// Advances in-flight call `index`, due now.
    pub(crate) fn advance_in_flight(&mut self, index: usize) {
        let now = self.now_ms;
        let flight = &mut self.in_flight[index];
        // Ties go to the handler: one that returns exactly at VSS's limit is in time.
        if !flight.abandoned
            && flight.give_up_ms.is_some_and(|t| t <= now)
            && flight.phase_due_ms().is_none_or(|t| t > now)
        {
            self.give_up_on(index);
            return;
        }
        let phase = std::mem::replace(
            &mut flight.phase,
            Phase::Waiting {
                signal: None,
                until_ms: None,
            },
        );
        match phase {
            Phase::Running { signals, wait, .. } => {
                let actor = flight.actor;
                for (signal, set) in signals {
                    self.change_signal(signal, set, actor);
                }
                match wait {
                    Some(wait) => self.start_wait(index, wait),
                    None => self.finish_in_flight(index),
                }
            }
            Phase::Waiting { .. } => self.resume(index, WaitEnd::TimedOut),
            Phase::Woken { ended, .. } => self.resume(index, ended),
        }
    }

    fn start_wait(&mut self, index: usize, wait: Wait) {
        let now = self.now_ms;
        let actor = self.in_flight[index].actor;
        self.record(TraceEvent::WaitStarted {
            actor,
            wait: wait.clone(),
        });
        let signalled = wait
            .signal
            .as_ref()
            .is_some_and(|signal| self.signals.contains(signal));
        self.in_flight[index].phase = if signalled {
            // WaitForSingleObject on a set event returns at once.
            Phase::Woken {
                at_ms: now,
                ended: WaitEnd::Signalled,
            }
        } else {
            Phase::Waiting {
                signal: wait.signal,
                until_ms: wait.timeout_ms.map(|ms| now.saturating_add(ms)),
            }
        };
    }

    /// The wait of in-flight call `index` ended: its continuation runs now.
    fn resume(&mut self, index: usize, ended: WaitEnd) {
        let actor = self.in_flight[index].actor;
        self.record(TraceEvent::WaitEnded { actor, ended });
        let mut result = std::mem::replace(&mut self.in_flight[index].result, Partial::new());
        let segment = match actor {
            Actor::Writer {
                session,
                writer,
                event,
            } => {
                let set_arg = self.in_flight[index].set_arg;
                self.writer_segment(session, writer, event, set_arg, Some(ended), &mut result)
            }
            Actor::Provider {
                session,
                provider,
                step,
            } => self.provider_segment(session, provider, step, None, Some(ended), &mut result),
            // The host never runs in flight.
            Actor::Host => return,
        };
        let phase = self.segment_phase(actor, segment);
        let flight = &mut self.in_flight[index];
        flight.result = result;
        flight.phase = phase;
    }

    /// In-flight call `index` returned now.
    fn finish_in_flight(&mut self, index: usize) {
        let flight = self.in_flight.swap_remove(index);
        let spent_ms = self.now_ms.saturating_sub(flight.started_ms);
        match flight.actor {
            Actor::Writer { .. } => {
                let late = flight.abandoned;
                self.writer_returned(flight.actor, flight.op, spent_ms, flight.result, late);
            }
            Actor::Provider { .. } => {
                self.provider_returned(flight.actor, flight.op, spent_ms, flight.result.hr);
            }
            Actor::Host => {}
        }
    }

    /// A writer's handler returned: recorded, its state applied (T2), the operation's
    /// consequences drawn and the operation unblocked, then the writer's next queued event
    /// delivered. `late`: VSS had stopped waiting for it, so it changes nothing.
    fn writer_returned(
        &mut self,
        actor: Actor,
        op: Option<OpNo>,
        spent_ms: u64,
        result: Partial,
        late: bool,
    ) {
        let Actor::Writer {
            session,
            writer,
            event,
        } = actor
        else {
            return;
        };
        self.record(TraceEvent::Handled {
            session,
            writer,
            event,
            ok: result.ok,
            failure: result.failure,
            spent_ms,
            panicked: result.panicked,
        });
        if event == WriterEvent::PostSnapshot {
            self.sessions[session.0 as usize].writers[writer.0 as usize].post_snapshot_returned =
                true;
        }
        if !late {
            let delivery = super::dispatch::Delivery {
                ok: result.ok,
                failure: result.failure,
                panicked: result.panicked,
                metadata: result.metadata,
            };
            self.apply_state(session, writer, event, &delivery);
            if let Some(op) = op.filter(|op| self.ops[op.0 as usize].is_pending()) {
                self.op_event_returned(op, session, writer, event, delivery);
            }
        }
        if let Some(op) = op {
            self.op_resumes(op);
        }
        if !self.queued.is_empty() {
            self.deliver_queued(writer);
        }
    }

    /// A provider step of an operation returned: recorded; a failure takes effect now (R93,
    /// R95), and the operation goes on.
    fn provider_returned(&mut self, actor: Actor, op: Option<OpNo>, spent_ms: u64, hr: Hresult) {
        let Actor::Provider {
            session,
            provider,
            step,
        } = actor
        else {
            return;
        };
        self.record(TraceEvent::ProviderCalled {
            session,
            provider,
            step,
            hr,
            spent_ms,
        });
        if let Some(op) = op {
            if hr.is_failure() && self.ops[op.0 as usize].is_pending() {
                self.ops[op.0 as usize].provider_failure = Some(hr);
            }
            self.op_resumes(op);
        }
    }

    /// Delivers the events queued for `writer` while it is free.
    fn deliver_queued(&mut self, writer: WriterNo) {
        while !self.in_flight.iter().any(|f| f.writer() == Some(writer)) {
            let Some(at) = self.queued.iter().position(|q| q.writer == writer) else {
                return;
            };
            let next = self.queued.remove(at);
            // R55: an Abort raised while the writer was inside OnPostSnapshot never comes.
            let sw = &self.sessions[next.session.0 as usize].writers[writer.0 as usize];
            if next.event == WriterEvent::Abort && sw.post_snapshot_returned && !next.own_timeout {
                continue;
            }
            // An operation that ended meanwhile (cancelled, aborted) sends nothing more, nor does
            // one that aborted this writer meanwhile (R55: a Thaw its freeze window overtook).
            if let Some(op) = next.op {
                if !self.ops[op.0 as usize].is_pending()
                    || matches!(sw.stage, super::session::Stage::Aborted { .. })
                {
                    self.op_resumes(op);
                    continue;
                }
            }
            // After a crash, the other backup whose set BackupShutdown may carry must still be
            // there when the event is sent (R57, `Policies::shutdown_set_id_after_crash`).
            let set_arg = if next.event == WriterEvent::BackupShutdown
                && self.sessions[next.session.0 as usize].crashed
            {
                self.shutdown_arg_after_crash(next.session, writer)
            } else {
                next.set_arg
            };
            self.start_delivery(
                next.session,
                next.writer,
                next.event,
                set_arg,
                next.op,
                next.sent_ms,
            );
        }
    }

    /// The writer's own freeze timeout fired after it got Thaw (KB915331): `CVssWriter` calls
    /// OnAbort itself, now or once the handler it is in returns, whatever VSS's operation did.
    pub(crate) fn deliver_own_timeout_abort(&mut self, session: SessionNo, writer: WriterNo) {
        if self.writer_busy(writer) {
            self.queued.push(Queued {
                session,
                writer,
                event: WriterEvent::Abort,
                set_arg: SnapshotSetId::NULL,
                op: None,
                sent_ms: self.now_ms,
                own_timeout: true,
            });
        } else {
            self.start_delivery(
                session,
                writer,
                WriterEvent::Abort,
                SnapshotSetId::NULL,
                None,
                self.now_ms,
            );
        }
    }

    /// VSS stops waiting for in-flight handler `index` (`Policies::handler_timeout`): the writer
    /// is reported not responding and leaves the operation, which goes on without it. The
    /// handler stays in flight; when it returns, that is recorded and changes nothing.
    fn give_up_on(&mut self, index: usize) {
        let Actor::Writer {
            session,
            writer,
            event,
        } = self.in_flight[index].actor
        else {
            return;
        };
        let op = self.in_flight[index].op.take();
        self.in_flight[index].abandoned = true;
        self.record(TraceEvent::HandlerTimedOut {
            session,
            writer,
            event,
        });
        self.not_responding(session, writer, event, op);
        // The events queued behind the hung handler keep their own deadlines (`give_up_queued`).
    }

    /// When VSS gives up on queued event `q`, which an operation waits for, if it ever does:
    /// its limit counts from when VSS sent it.
    fn queued_give_up_ms(&self, q: &Queued) -> Option<u64> {
        let op = q.op?;
        if !self.ops.get(op.0 as usize).is_some_and(|o| o.is_pending()) {
            return None; // VSS no longer waits for it
        }
        let limit = self.policies.handler_timeout.limit_ms(q.event)?;
        Some(q.sent_ms.saturating_add(limit))
    }

    /// The earliest deadline VSS holds for an event still queued behind a handler, and the
    /// event's index in `queued`.
    pub(crate) fn next_queued_give_up(&self) -> Option<(usize, u64)> {
        self.queued
            .iter()
            .enumerate()
            .filter_map(|(index, q)| Some((index, self.queued_give_up_ms(q)?)))
            .min_by_key(|(_, at_ms)| *at_ms)
    }

    /// VSS stops waiting for queued event `index`: the writer never got to it, and is reported
    /// not responding to the operation that sent it (`Policies::handler_timeout`), which goes on
    /// without it.
    pub(crate) fn give_up_queued(&mut self, index: usize) {
        let q = self.queued.remove(index);
        let Some(op) = q.op else {
            return;
        };
        if !self.ops[op.0 as usize].is_pending() {
            self.op_resumes(op);
            return;
        }
        self.record(TraceEvent::HandlerTimedOut {
            session: q.session,
            writer: q.writer,
            event: q.event,
        });
        // It never received the event: a PrepareForBackup or PrepareForSnapshot it never got
        // does not make it take part in the backup (no BackupShutdown for it, R57).
        let sw = &self.sessions[q.session.0 as usize].writers[q.writer.0 as usize];
        let stage = sw.stage;
        self.not_responding(q.session, q.writer, q.event, Some(op));
        let sw = &mut self.sessions[q.session.0 as usize].writers[q.writer.0 as usize];
        if stage == super::session::Stage::NotJoined && sw.stage == super::session::Stage::Joined {
            sw.stage = stage;
        }
    }

    /// `writer` did not answer `session`'s `event` in time: it is reported not responding
    /// (`VSS_E_WRITER_NOT_RESPONDING`, the event's `FAILED_AT_*` state) and `op` goes on
    /// without it.
    fn not_responding(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        op: Option<OpNo>,
    ) {
        let machine = self.writer_status[writer.0 as usize];
        let last_error = self.policies.last_error;
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        sw.not_responding = true;
        if !sw.involved && event.belongs_to_an_operation() {
            // An event VSS gave up on in the writer's queue involves it too; its view starts
            // Stable (R74) and fails at once, so only the failure is recorded.
            sw.involved = true;
            sw.state = crate::vocab::WriterState::VSS_WS_STABLE;
            sw.failure = last_error.after_success(machine.failure);
        }
        let delivery = super::dispatch::Delivery {
            ok: false,
            failure: Some(Hresult::VSS_E_WRITER_NOT_RESPONDING),
            panicked: false,
            metadata: None,
        };
        self.apply_state(session, writer, event, &delivery);
        if let Some(op) = op {
            if self.ops[op.0 as usize].is_pending() {
                self.op_event_returned(op, session, writer, event, delivery);
            }
            self.op_resumes(op);
        }
    }

    /// The operation stops waiting for `writer`'s OnFreeze for `session`, if it is in flight
    /// (its freeze window expired): its return will change nothing. A window that expires
    /// later (a Thaw that missed it, KB915331) leaves the handler the writer is in alone.
    pub(crate) fn detach_handler(&mut self, session: SessionNo, writer: WriterNo) {
        let found = self.in_flight.iter().position(|f| {
            matches!(
                f.actor,
                Actor::Writer { session: s, writer: w, event: WriterEvent::Freeze }
                    if s == session && w == writer
            ) && f.op.is_some()
        });
        let Some(index) = found else {
            return;
        };
        self.in_flight[index].abandoned = true;
        if let Some(op) = self.in_flight[index].op.take() {
            self.op_resumes(op);
        }
        // Other operations' events queued behind it still wait for it: VSS has not given up on
        // the writer (`Policies::handler_timeout` decides whether it ever does).
    }

    /// `writer`'s service restarts (field failure 17): VSS gives up on the handler it is in and
    /// the events queued for its operations (not responding, as under
    /// `Policies::handler_timeout`), the handler is gone for good, and the machine shows the
    /// writer Stable with no error (R30). The backups under way that it was part of lose it
    /// (`DropReason::Restarted`): their queued Abort and BackupShutdown are discarded and none
    /// of their later events reaches the restarted writer.
    pub(crate) fn restart_writer_no(&mut self, writer: WriterNo) {
        self.take_writer_down(writer, false);
    }

    /// The writer's process dies and stays down (`Coordinator::stop_writer`): as a restart,
    /// except that every backup under way that identified it loses it, and no requester finds
    /// it until it starts again.
    pub(crate) fn stop_writer_no(&mut self, writer: WriterNo) {
        self.writers[writer.0 as usize].down = true;
        self.take_writer_down(writer, true);
    }

    /// What a restart (`stopping`: a stop) does: see `restart_writer_no`.
    fn take_writer_down(&mut self, writer: WriterNo, stopping: bool) {
        // A handler whose operation has ended (cancelled, released) is waited for by nobody:
        // it simply goes with the process.
        while let Some(index) = self.in_flight.iter().position(|f| {
            f.writer() == Some(writer)
                && !f.abandoned
                && f.op.is_none_or(|op| self.ops[op.0 as usize].is_pending())
        }) {
            self.give_up_on(index);
        }
        while let Some(index) = self
            .queued
            .iter()
            .position(|q| q.writer == writer && q.op.is_some())
        {
            self.give_up_queued(index);
        }
        self.in_flight.retain(|f| f.writer() != Some(writer));
        // The backups under way that it was part of lose it: the instance they knew is gone,
        // its freeze window with it, and none of their later events reaches the new one.
        let losing: Vec<SessionNo> = self
            .sessions
            .iter()
            .filter(|s| s.is_live())
            .filter(|s| {
                let sw = &s.writers[writer.0 as usize];
                (sw.involved || sw.not_responding || stopping)
                    && sw.takes_part()
                    && !sw.shutdown_sent
                    && !sw.restarted
            })
            .map(|s| s.no)
            .collect();
        self.writer_status[writer.0 as usize] = super::WriterStatusNow::STABLE;
        // The restarted writer knows none of the backups it was part of: they report the
        // machine's view from now on — except the backups VSS reported it not responding to,
        // which keep that failure (their operations went on without it).
        for session in &mut self.sessions {
            let sw = &mut session.writers[writer.0 as usize];
            sw.awaiting_final_gather = false;
            if !sw.not_responding {
                sw.involved = false;
            }
        }
        self.record(if stopping {
            TraceEvent::WriterStopped { writer }
        } else {
            TraceEvent::WriterRestarted { writer }
        });
        // A dead process hears nothing: everything queued for it goes; a restarted one still
        // gets what the backups it is no part of queued for it, unless the service that
        // queued them is gone.
        let sessions = &self.sessions;
        self.queued.retain(|q| {
            q.writer != writer
                || !stopping
                    && !losing.contains(&q.session)
                    && !matches!(
                        sessions[q.session.0 as usize].life,
                        super::session::Life::Lost { .. }
                    )
        });
        // Its freeze windows for backups the service lost were its own process's timers.
        let lost: Vec<SessionNo> = self
            .sessions
            .iter()
            .filter(|s| matches!(s.life, super::session::Life::Lost { .. }))
            .map(|s| s.no)
            .collect();
        for session in lost {
            self.stop_freeze_timer(session, writer);
        }
        for &session in &losing {
            self.sessions[session.0 as usize].writers[writer.0 as usize].restarted = true;
            self.writer_dropped(session, writer, DropReason::Restarted);
        }
        for session in losing {
            self.stop_freeze_timer(session, writer);
        }
        if !stopping && !self.queued.is_empty() {
            self.deliver_queued(writer);
        }
    }

    /// `SetEvent` / `ResetEvent` on `signal` by `by`; setting it ends every wait for it.
    pub(crate) fn change_signal(&mut self, signal: SignalName, set: bool, by: Actor) {
        if !set {
            self.signals.remove(&signal);
            self.record(TraceEvent::SignalReset { signal, by });
            return;
        }
        let now = self.now_ms;
        let mut woken = Vec::new();
        for (index, flight) in self.in_flight.iter().enumerate() {
            if let Phase::Waiting {
                signal: Some(awaited),
                until_ms,
            } = &flight.phase
            {
                if *awaited == signal {
                    woken.push((index, *until_ms == Some(now)));
                }
            }
        }
        self.record(TraceEvent::SignalSet {
            signal: signal.clone(),
            by,
        });
        self.signals.insert(signal);
        for (index, racing) in woken {
            // The signal and the timeout fall on the same instant: either may come first.
            let ended =
                if racing && self.choose(super::ChoicePoint::WaitRace, WaitEnd::ALL.len()) == 1 {
                    WaitEnd::TimedOut
                } else {
                    WaitEnd::Signalled
                };
            self.in_flight[index].phase = Phase::Woken { at_ms: now, ended };
        }
    }

    /// Whether `signal` is set.
    pub(crate) fn signal_is_set(&self, signal: &SignalName) -> bool {
        self.signals.contains(signal)
    }
}

impl Coordinator {
    /// The phase of a segment that takes time, recorded when it spends any.
    fn segment_phase(&mut self, actor: Actor, segment: Segment) -> Phase {
        if segment.spent_ms > 0 {
            self.record(TraceEvent::Busy {
                actor,
                until_ms: self.now_ms.saturating_add(segment.spent_ms),
            });
        }
        running(self.now_ms, segment)
    }
}

/// A segment's phase: running until its spent time is over.
fn running(now_ms: u64, segment: Segment) -> Phase {
    Phase::Running {
        until_ms: now_ms.saturating_add(segment.spent_ms),
        signals: segment.signals,
        wait: segment.wait,
    }
}
