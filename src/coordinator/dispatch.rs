//! Delivering events to writers: the handler call (panics caught), the trace records, and the
//! writer state machine of T2 (R73–R77).

use super::ops::AsyncOp;
use super::session::{Identity, Stage};
use super::Coordinator;
use crate::trace::{AbortCause, DropReason, Timer, TraceEvent};
use crate::vocab::{
    Hresult, OpNo, QueryWindow, SnapshotSetId, StateAfterAbort, StateAfterShutdown,
    VetoAtFreezeThaw, WriterEvent, WriterState,
};
use crate::vocab::{SessionNo, WriterNo};
use crate::writer::{EventView, HandlerContext, WriterMetadata};

/// What a handler did.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) ok: bool,
    pub(crate) failure: Option<Hresult>,
    pub(crate) spent_ms: u64,
    pub(crate) panicked: bool,
    pub(crate) metadata: Option<WriterMetadata>,
}

impl Delivery {
    /// The handler failed: `false`, a veto, or a panic (R64, R65).
    pub(crate) fn failed(&self) -> bool {
        !self.ok || self.failure.is_some()
    }

    /// The `hrFailure` a failure leaves: the `SetWriterFailure` code, else
    /// `VSS_E_WRITER_NOT_RESPONDING` for a panic, else `VSS_E_WRITERERROR_NONRETRYABLE`.
    pub(crate) fn failure_code(&self) -> Hresult {
        match self.failure {
            Some(hr) => hr,
            None if self.panicked => Hresult::VSS_E_WRITER_NOT_RESPONDING,
            None => Hresult::VSS_E_WRITERERROR_NONRETRYABLE,
        }
    }
}

impl Coordinator {
    /// Calls `writer`'s handler for `event` on behalf of `session` and records it. `set_arg` is
    /// the BackupShutdown argument (R57); other events carry the session's set id.
    pub(crate) fn deliver(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        set_arg: SnapshotSetId,
    ) -> Delivery {
        let set = if event == WriterEvent::BackupShutdown {
            set_arg
        } else {
            self.sessions[session.0 as usize].set.id()
        };
        self.record(TraceEvent::Delivered {
            session,
            writer,
            event,
            set,
        });
        let wide_queries = self.planted(super::PlantedBug::QueriesOutsideWindow);
        let Self {
            writers,
            sessions,
            policies,
            now_ms,
            ..
        } = self;
        let s = &sessions[session.0 as usize];
        let slot = &mut writers[writer.0 as usize];
        let mut view = event_view(s, writer, event, *policies, *now_ms, slot.config.level);
        view.set_queries_allowed |= wide_queries && s.set.data().is_some();
        let mut ctx = HandlerContext::new(event, view);
        let mut metadata = WriterMetadata::default();
        let result = slot.writer.call(|handler| match event {
            WriterEvent::Identify => handler.on_identify(&mut ctx, &mut metadata),
            WriterEvent::PrepareForBackup => handler.on_prepare_backup(&mut ctx),
            WriterEvent::PrepareForSnapshot => handler.on_prepare_snapshot(&mut ctx),
            WriterEvent::Freeze => handler.on_freeze(&mut ctx),
            WriterEvent::Thaw => handler.on_thaw(&mut ctx),
            WriterEvent::PostSnapshot => handler.on_post_snapshot(&mut ctx),
            WriterEvent::Abort => handler.on_abort(&mut ctx),
            WriterEvent::BackupComplete => handler.on_backup_complete(&mut ctx),
            WriterEvent::BackupShutdown => handler.on_backup_shutdown(&mut ctx, set_arg),
            // Restore events are not raised by this coordinator.
            WriterEvent::PreRestore | WriterEvent::PostRestore => true,
        });
        let effects = ctx.into_effects();
        let panicked = result.is_err();
        let delivery = Delivery {
            ok: result.unwrap_or(false),
            failure: effects.failure,
            spent_ms: effects.spent_ms,
            panicked,
            metadata: (event == WriterEvent::Identify).then_some(metadata),
        };
        for (query, hr) in effects.queries {
            self.record(TraceEvent::Queried {
                session,
                writer,
                during: event,
                query,
                hr,
            });
        }
        self.record(TraceEvent::Handled {
            session,
            writer,
            event,
            ok: delivery.ok,
            failure: delivery.failure,
            spent_ms: delivery.spent_ms,
            panicked,
        });
        self.apply_state(session, writer, event, &delivery);
        delivery
    }

    /// T2: the writer's state in `session` after its handler for `event` returned.
    fn apply_state(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        delivery: &Delivery,
    ) {
        let policies = self.policies;
        let sw = &self.sessions[session.0 as usize].writers[writer.0 as usize];
        let current = (sw.state, sw.failure);
        let next = match event {
            // R10: a failed Identify hides the writer; no status is kept for it.
            WriterEvent::Identify => None,
            WriterEvent::Abort => match policies.state_after_abort {
                StateAfterAbort::KeepFailureElseStable if current.0.is_failed() => None,
                StateAfterAbort::KeepFailureElseStable | StateAfterAbort::Stable => {
                    Some((WriterState::VSS_WS_STABLE, Hresult::S_OK))
                }
                StateAfterAbort::Unchanged => None,
            },
            _ if delivery.failed() => {
                WriterState::failed_at(event).map(|state| (state, delivery.failure_code()))
            }
            WriterEvent::BackupShutdown => match policies.state_after_shutdown {
                StateAfterShutdown::StableUnlessFailed if !current.0.is_failed() => {
                    Some((WriterState::VSS_WS_STABLE, Hresult::S_OK))
                }
                _ => None,
            },
            // A failure sticks for the rest of the session.
            _ if current.0.is_failed() => None,
            _ => WriterState::after_success(event).map(|state| (state, Hresult::S_OK)),
        };
        self.set_state(session, writer, next);
    }

    pub(crate) fn set_state(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        next: Option<(WriterState, Hresult)>,
    ) {
        let Some((state, failure)) = next else {
            return;
        };
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        if (sw.state, sw.failure) == (state, failure) {
            return;
        }
        sw.state = state;
        sw.failure = failure;
        self.record(TraceEvent::StateChanged {
            session,
            writer,
            state,
            failure,
        });
    }

    /// Delivers an operation's event and applies its consequences; returns the time it took.
    pub(crate) fn deliver_op_event(
        &mut self,
        op_no: OpNo,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
    ) -> u64 {
        if event == WriterEvent::Thaw {
            self.stop_freeze_timer(session, writer);
        }
        let delivery = self.deliver(session, writer, event, SnapshotSetId::NULL);
        let failed = delivery.failed();
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        match event {
            WriterEvent::Identify if failed => {
                sw.identity = Identity::LeftOut;
                self.writer_dropped(session, writer, DropReason::IdentifyFailed);
            }
            WriterEvent::Identify => {
                sw.identity = Identity::Identified(delivery.metadata.unwrap_or_default());
            }
            WriterEvent::PrepareForBackup => {
                sw.stage = Stage::Joined;
                let unselected = sw.selected.is_empty();
                let component_mode = self.sessions[session.0 as usize]
                    .backup_state()
                    .select_components;
                if component_mode && unselected {
                    // R47: nothing of this writer was added; no events after PrepareForBackup.
                    self.sessions[session.0 as usize].writers[writer.0 as usize].stage =
                        Stage::Unselected;
                    self.writer_dropped(session, writer, DropReason::NothingSelected);
                }
            }
            WriterEvent::PrepareForSnapshot => sw.stage = Stage::Joined,
            WriterEvent::PostSnapshot => sw.stage = Stage::PastPostSnapshot,
            WriterEvent::Freeze => self.arm_freeze_window(session, writer, delivery.spent_ms),
            _ => {}
        }
        if failed
            && matches!(
                event,
                WriterEvent::PrepareForSnapshot
                    | WriterEvent::Freeze
                    | WriterEvent::Thaw
                    | WriterEvent::PostSnapshot
            )
        {
            self.ops[op_no.0 as usize].writer_failed = true;
        }
        let aborts = match self.policies.veto_at_freeze_thaw {
            VetoAtFreezeThaw::NoAbort => !delivery.ok,
            VetoAtFreezeThaw::Abort => failed,
        };
        let planted = failed
            && event == WriterEvent::PrepareForSnapshot
            && self.planted(super::PlantedBug::AbortOnPrepareSnapshotVeto);
        if aborts && matches!(event, WriterEvent::Freeze | WriterEvent::Thaw) || planted {
            // R50b: OnFreeze / OnThaw failed.
            self.writer_abort(op_no, AbortCause::WriterFailed { writer, event });
        }
        delivery.spent_ms
    }

    /// R99: arms `writer`'s Freeze→Thaw window in `session` (`dwTimeoutFreeze`, R59), from
    /// when Freeze was delivered or returned (`freeze_timer_start`, Q8); `spent_ms` is how long
    /// OnFreeze ran.
    fn arm_freeze_window(&mut self, session: SessionNo, writer: WriterNo, spent_ms: u64) {
        let timeout_ms = self.writers[writer.0 as usize].config.freeze_timeout_ms;
        let start_ms = match self.policies.freeze_timer_start {
            crate::vocab::FreezeTimerStart::OnFreezeDelivered => self.now_ms,
            crate::vocab::FreezeTimerStart::OnFreezeReturned => {
                self.now_ms.saturating_add(spent_ms)
            }
        };
        let timer = Timer::FreezeWindow { session, writer };
        let late = u64::from(self.planted(super::PlantedBug::FreezeWindowLate));
        let deadline_ms = start_ms.saturating_add(timeout_ms).saturating_add(late);
        self.timers.set(timer, deadline_ms);
        self.record(TraceEvent::TimerSet { timer, deadline_ms });
    }

    /// Disarms `writer`'s freeze window in `session`, if armed.
    pub(crate) fn stop_freeze_timer(&mut self, session: SessionNo, writer: WriterNo) {
        let timer = Timer::FreezeWindow { session, writer };
        if self.timers.stop(timer) {
            self.record(TraceEvent::TimerStopped { timer });
        }
    }

    /// R76, R99: `writer`'s Freeze→Thaw window expired.
    pub(crate) fn freeze_window_expired(&mut self, session: SessionNo, writer: WriterNo) {
        self.set_state(
            session,
            writer,
            Some((
                WriterState::VSS_WS_FAILED_AT_FREEZE,
                Hresult::VSS_E_WRITERERROR_TIMEOUT,
            )),
        );
        let Some(op) = self.sessions[session.0 as usize]
            .pending
            .filter(|op| self.ops[op.0 as usize].kind == crate::vocab::AsyncKind::DoSnapshotSet)
        else {
            // The operation is gone (released meanwhile): the writer aborts itself.
            self.record(TraceEvent::AbortRaised {
                session,
                cause: AbortCause::FreezeTimeout { writer },
            });
            self.deliver_abort(session, writer);
            return;
        };
        self.ops[op.0 as usize].writer_failed = true;
        self.writer_abort(op, AbortCause::FreezeTimeout { writer });
    }

    /// Delivers Abort to `writer` (R55: possibly again) and takes it out of the operation.
    pub(crate) fn deliver_abort(&mut self, session: SessionNo, writer: WriterNo) {
        self.stop_freeze_timer(session, writer);
        self.deliver(session, writer, WriterEvent::Abort, SnapshotSetId::NULL);
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        if !matches!(sw.stage, Stage::Aborted { .. }) {
            sw.stage = Stage::Aborted {
                joined: sw.joined(),
            };
            self.writer_dropped(session, writer, DropReason::Aborted);
        }
    }

    pub(crate) fn op(&self, op_no: OpNo) -> &AsyncOp {
        &self.ops[op_no.0 as usize]
    }
}

/// What `session` shows `writer`'s handler for `event`: its set, volumes, context, backup state
/// and, in component mode for the handlers that get `IVssWriterComponents`, its selected
/// components (R48, R68–R70). Inlined: it runs on every delivery.
#[inline]
fn event_view<'a>(
    s: &'a super::session::Session,
    writer: WriterNo,
    event: WriterEvent,
    policies: crate::vocab::Policies,
    now_ms: u64,
    level: crate::vocab::ApplicationLevel,
) -> EventView<'a> {
    let sw = &s.writers[writer.0 as usize];
    let has_set = s.set.data().is_some();
    let components = matches!(
        event,
        WriterEvent::PrepareForBackup | WriterEvent::PostSnapshot | WriterEvent::BackupComplete
    ) && s.backup_state().select_components;
    EventView {
        now_ms,
        snapshot_set_id: s.set.id(),
        set_queries_allowed: has_set && in_query_window(policies.query_window, event),
        volumes: s.set.data().map_or(&[], |data| data.volumes.as_slice()),
        context: s.context(),
        backup_state: s.backup_state(),
        components: components.then_some(sw.selected.as_slice()),
        level,
    }
}

/// Q9: whether `GetCurrentSnapshotSetId` and the volume queries are answered during `event`.
fn in_query_window(window: QueryWindow, event: WriterEvent) -> bool {
    use WriterEvent as E;
    match window {
        QueryWindow::PrepareBackupToPostSnapshot => matches!(
            event,
            E::PrepareForBackup
                | E::PrepareForSnapshot
                | E::Freeze
                | E::Thaw
                | E::PostSnapshot
                | E::Abort
        ),
        QueryWindow::PrepareSnapshotToPostSnapshot => {
            matches!(
                event,
                E::PrepareForSnapshot | E::Freeze | E::Thaw | E::PostSnapshot
            )
        }
        QueryWindow::DocumentedOnly => matches!(event, E::Freeze | E::Thaw | E::PostSnapshot),
    }
}
