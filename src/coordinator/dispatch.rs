//! Delivering events to writers: the handler call (panics caught), the trace records, and the
//! writer state machine of T2 (R73–R77).

use super::ops::AsyncOp;
use super::session::{Identity, Stage};
use super::Coordinator;
use crate::trace::{AbortCause, DropReason, Timer, TraceEvent};
use crate::vocab::{
    FreezeTimerRace, FreezeTimerStart, Hresult, OpNo, QueryWindow, SnapshotSetId, StateAfterAbort,
    StateAfterShutdown, VetoAtFreezeThaw, WriterEvent, WriterState,
};
use crate::vocab::{SessionNo, WriterNo};
use crate::writer::{EventView, WriterMetadata};

/// What a handler did.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) ok: bool,
    pub(crate) failure: Option<Hresult>,
    pub(crate) panicked: bool,
    pub(crate) metadata: Option<Box<WriterMetadata>>,
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
    /// T2: the writer's state in `session` after its handler for `event` returned.
    pub(crate) fn apply_state(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        delivery: &Delivery,
    ) {
        let policies = self.policies;
        let sw = &self.sessions[session.0 as usize].writers[writer.0 as usize];
        // R10: a failed Identify hides the writer; no status is kept for it. Abort and
        // BackupShutdown to a writer this session never involved change nothing it reports.
        if event == WriterEvent::Identify || !sw.involved {
            return;
        }
        let current = (sw.state, sw.failure);
        let kept = policies.last_error.after_success(current.1);
        if event == WriterEvent::BackupComplete
            && !delivery.failed()
            && !current.0.is_failed()
            && self.os.needs_final_status_gather()
        {
            // R27 (field failure 13): the writer's session ends only with this requester's
            // GatherWriterStatus after BackupComplete; until then it waits for completion.
            self.sessions[session.0 as usize].writers[writer.0 as usize].awaiting_final_gather =
                true;
            self.set_state(session, writer, Some(current));
            return;
        }
        let next = match event {
            WriterEvent::Abort => match policies.state_after_abort {
                StateAfterAbort::KeepFailureElseStable if current.0.is_failed() => None,
                StateAfterAbort::KeepFailureElseStable | StateAfterAbort::Stable => {
                    Some((WriterState::VSS_WS_STABLE, kept))
                }
                StateAfterAbort::Unchanged => None,
            },
            _ if delivery.failed() => {
                WriterState::failed_at(event).map(|state| (state, delivery.failure_code()))
            }
            WriterEvent::BackupShutdown => match policies.state_after_shutdown {
                StateAfterShutdown::StableUnlessFailed if !current.0.is_failed() => {
                    Some((WriterState::VSS_WS_STABLE, kept))
                }
                _ => None,
            },
            // A failure sticks for the rest of the session.
            _ if current.0.is_failed() => None,
            _ => WriterState::after_success(event).map(|state| (state, kept)),
        };
        // The writer just handled this session's event: what the machine shows is this
        // session's view, changed or not.
        self.set_state(session, writer, next.or(Some(current)));
    }

    /// R27 on old Windows: `session`'s `GatherWriterStatus` after BackupComplete ends the
    /// sessions of the writers waiting for it: they are Stable.
    pub(crate) fn finish_writer_sessions(&mut self, session: SessionNo) {
        for index in 0..self.writers.len() {
            let sw = &mut self.sessions[session.0 as usize].writers[index];
            if !sw.awaiting_final_gather || !sw.involved {
                continue;
            }
            sw.awaiting_final_gather = false;
            let failure = self.policies.last_error.after_success(sw.failure);
            let writer = WriterNo(super::index_u32(index));
            self.set_state(session, writer, Some((WriterState::VSS_WS_STABLE, failure)));
        }
    }

    /// `session`'s operation involves `writer` (an operation event is delivered, or VSS gave
    /// up on one): from now on the session reports its own view of the writer, which starts
    /// Stable (R74) with the last error `Policies::last_error` keeps, and so does the machine.
    pub(crate) fn involve(&mut self, session: SessionNo, writer: WriterNo) {
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        if sw.involved {
            return;
        }
        sw.involved = true;
        let machine = self.writer_status[writer.0 as usize];
        let failure = self.policies.last_error.after_success(machine.failure);
        self.set_state(session, writer, Some((WriterState::VSS_WS_STABLE, failure)));
    }

    /// The state and last error `session` reports for `writer` (R29, R30): its own backup's
    /// view once it involved the writer, else what the machine last left the writer in.
    pub(crate) fn reported_status(
        &self,
        session: SessionNo,
        writer: WriterNo,
    ) -> (WriterState, Hresult) {
        let sw = &self.sessions[session.0 as usize].writers[writer.0 as usize];
        if sw.involved {
            (sw.state, sw.failure)
        } else if self.planted(super::PlantedBug::StatusForgetsMachine) {
            (WriterState::VSS_WS_STABLE, Hresult::S_OK)
        } else {
            let machine = self.writer_status[writer.0 as usize];
            (machine.state, machine.failure)
        }
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
        let now = super::WriterStatusNow { state, failure };
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        if (sw.state, sw.failure) == (state, failure)
            && self.writer_status[writer.0 as usize] == now
        {
            return;
        }
        sw.state = state;
        sw.failure = failure;
        // The last operation to touch the writer decides what the machine shows (R30).
        self.writer_status[writer.0 as usize] = now;
        self.record(TraceEvent::StateChanged {
            session,
            writer,
            state,
            failure,
        });
    }

    /// Delivers an operation's event; its consequences are drawn when the handler returns
    /// ([`Coordinator::op_event_returned`]), at once or later (the operation waits).
    pub(crate) fn deliver_op_event(
        &mut self,
        op_no: OpNo,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
    ) {
        // A Thaw stops the freeze window when the writer receives it (R99), which may be later
        // when it waits behind another session's handler (SERIAL): see `start_delivery`.
        self.deliver(session, writer, event, SnapshotSetId::NULL, Some(op_no));
    }

    /// An operation's event was handled (or VSS gave up on the handler): what it means for the
    /// operation.
    pub(crate) fn op_event_returned(
        &mut self,
        op_no: OpNo,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        delivery: Delivery,
    ) {
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
                let unselected = sw.unselected_at_prepare;
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
            WriterEvent::Freeze
                if self.policies.freeze_timer_start == FreezeTimerStart::OnFreezeReturned =>
            {
                self.arm_freeze_window(session, writer);
            }
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
    }

    /// R99: arms `writer`'s Freeze→Thaw window in `session` (`dwTimeoutFreeze`, R59), now:
    /// when Freeze is delivered or when it returns (`freeze_timer_start`, Q8).
    pub(crate) fn arm_freeze_window(&mut self, session: SessionNo, writer: WriterNo) {
        let timeout_ms = self.writers[writer.0 as usize].config.freeze_timeout_ms;
        let timer = Timer::FreezeWindow { session, writer };
        let late = u64::from(self.planted(super::PlantedBug::FreezeWindowLate));
        let deadline_ms = self.now_ms.saturating_add(timeout_ms).saturating_add(late);
        self.timers.set(timer, deadline_ms);
        self.record(TraceEvent::TimerSet { timer, deadline_ms });
    }

    /// Thaw is delivered: the freeze window is disarmed (R99). Under the KB915331 race
    /// (`Policies::freeze_timer_race`), a Thaw that arrives the instant the window was armed may
    /// come before the writer's timeout thread started, which then runs on and expires after a
    /// successful Thaw (field failure 4): a choice.
    pub(crate) fn thaw_stops_freeze_timer(&mut self, session: SessionNo, writer: WriterNo) {
        let timer = Timer::FreezeWindow { session, writer };
        let timeout_ms = self.writers[writer.0 as usize].config.freeze_timeout_ms;
        let armed_now = self
            .timers
            .deadline(timer)
            .is_some_and(|deadline| deadline == self.now_ms.saturating_add(timeout_ms));
        if armed_now
            && self.policies.freeze_timer_race == FreezeTimerRace::Kb915331
            && self.choose(super::ChoicePoint::FreezeTimerRace, 2) == 1
        {
            return;
        }
        self.stop_freeze_timer(session, writer);
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
        // A writer still inside OnFreeze has failed: the operation stops waiting for it.
        self.detach_handler(session, writer);
        self.set_state(
            session,
            writer,
            Some((
                WriterState::VSS_WS_FAILED_AT_FREEZE,
                Hresult::VSS_E_WRITERERROR_TIMEOUT,
            )),
        );
        if self.sessions[session.0 as usize].writers[writer.0 as usize].thaw_received {
            // A window the Thaw missed (KB915331, field failure 4): the writer times out after
            // a successful thaw and aborts itself; VSS's operation goes on.
            self.record(TraceEvent::AbortRaised {
                session,
                cause: AbortCause::FreezeTimeout { writer },
            });
            self.deliver_own_timeout_abort(session, writer);
            return;
        }
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

    /// Delivers Abort to `writer` (R55: possibly again) and takes it out of the operation. Out
    /// of band: no operation waits for it; a writer inside a handler gets it when the handler
    /// returns (a writer handles one event at a time).
    pub(crate) fn deliver_abort(&mut self, session: SessionNo, writer: WriterNo) {
        self.stop_freeze_timer(session, writer);
        self.deliver(
            session,
            writer,
            WriterEvent::Abort,
            SnapshotSetId::NULL,
            None,
        );
        // A writer inside its OnPrepareBackup (or OnPrepareSnapshot) has joined the backup, even
        // if the handler returns only after the Abort: BackupShutdown is owed to it (R57).
        let joining = self.joining(session, writer);
        let sw = &mut self.sessions[session.0 as usize].writers[writer.0 as usize];
        // VSS never sends Abort past PostSnapshot (R55: `abort_recipients` leaves such writers
        // out, and the writer's own KB915331 timeout goes through `deliver_own_timeout_abort`);
        // only the planted bug `AbortAfterPostSnapshot` gets here with one, which must stay
        // counted past PostSnapshot so the oracle sees the R55 violation.
        if !matches!(sw.stage, Stage::Aborted { .. } | Stage::PastPostSnapshot) {
            sw.stage = Stage::Aborted {
                joined: sw.joined() || joining,
            };
            self.writer_dropped(session, writer, DropReason::Aborted);
        }
    }

    pub(crate) fn op(&self, op_no: OpNo) -> &AsyncOp {
        &self.ops[op_no.0 as usize]
    }
}

/// What `session` shows `writer`'s handler for `event`: its set, volumes, context (with
/// `AUTORECOVER` where VSS auto-recovers the set on `os`), backup state and, in component mode
/// for the handlers that get `IVssWriterComponents`, its selected components (R48, R68–R70).
/// Inlined: it runs on every delivery.
#[inline]
pub(super) fn event_view<'a>(
    s: &'a super::session::Session,
    writer: WriterNo,
    event: WriterEvent,
    policies: crate::vocab::Policies,
    now_ms: u64,
    level: crate::vocab::ApplicationLevel,
    os: crate::vocab::OsProfile,
) -> EventView<'a> {
    let sw = &s.writers[writer.0 as usize];
    let has_set = s.set.data().is_some();
    let components = matches!(
        event,
        WriterEvent::PrepareForBackup
            | WriterEvent::PostSnapshot
            | WriterEvent::BackupComplete
            | WriterEvent::PreRestore
            | WriterEvent::PostRestore
    ) && s.component_mode();
    let restore = s.restore_doc.as_deref();
    let mut context = s.context();
    if has_set && shows_auto_recovery(event) && context.auto_recovered_on(os) {
        context.modifiers = context
            .modifiers
            .union(crate::vocab::Attributes::AUTORECOVER);
    }
    EventView {
        now_ms,
        snapshot_set_id: s.set.id(),
        set_queries_allowed: has_set && in_query_window(policies.query_window, event),
        volumes: s.set.data().map_or(&[], |data| data.volumes.as_slice()),
        context,
        backup_state: restore.map_or_else(|| s.backup_state(), |doc| doc.backup_state),
        components: components.then_some(sw.selected.as_slice()),
        previous_stamps: &s.previous_stamps,
        level,
        restore_entry: restore.and_then(|doc| doc.writers.get(sw.restore_entry?)),
        restore_type: restore.and_then(|doc| doc.restore_type),
        writes_anywhere: false,
    }
}

/// Whether a handler of `event` sees `VSS_VOLSNAP_ATTR_AUTORECOVER` in `GetContext` when its
/// set is auto-recovered: from OnPrepareSnapshot, where the context becomes definitive (R70),
/// to the end of the backup. The OnPostSnapshot page tells writers to test the bit there; that
/// the earlier handlers see it too is inferred.
fn shows_auto_recovery(event: WriterEvent) -> bool {
    matches!(
        event,
        WriterEvent::PrepareForSnapshot
            | WriterEvent::Freeze
            | WriterEvent::Thaw
            | WriterEvent::PostSnapshot
            | WriterEvent::Abort
            | WriterEvent::BackupComplete
            | WriterEvent::BackupShutdown
    )
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
