//! Asynchronous operations (`IVssAsync`, R35–R38) and the scheduler that runs them on the
//! virtual clock.

use std::collections::VecDeque;

use super::chooser::ChoicePoint;
use super::Coordinator;
use crate::trace::{Timer, TraceEvent};
use crate::vocab::{AsyncKind, Bound, Hresult, OpNo, WriterEvent};
use crate::vocab::{ProviderNo, ProviderStep, SessionNo, WriterNo};

/// One stage of an operation's script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StageSpec {
    /// Deliver `event` to every participating writer, one per step.
    Writers(WriterEvent),
    /// Call `step` on every provider of the set, one per step.
    Providers(ProviderStep),
    /// Arm the 10 s hold-writes timer (R89).
    HoldWritesStart,
    /// The last commit returned: disarm it, or fail if it expired (R89).
    HoldWritesEnd,
}

const GATHER_METADATA: &[StageSpec] = &[StageSpec::Writers(WriterEvent::Identify)];
const PREPARE_FOR_BACKUP: &[StageSpec] = &[StageSpec::Writers(WriterEvent::PrepareForBackup)];
const BACKUP_COMPLETE: &[StageSpec] = &[StageSpec::Writers(WriterEvent::BackupComplete)];
const GATHER_STATUS: &[StageSpec] = &[];
const PRE_RESTORE: &[StageSpec] = &[StageSpec::Writers(WriterEvent::PreRestore)];
const POST_RESTORE: &[StageSpec] = &[StageSpec::Writers(WriterEvent::PostRestore)];
/// R97: no writer and no provider call the simulator models; the import is done as it ends.
const IMPORT_SNAPSHOTS: &[StageSpec] = &[];

/// R45: `DoSnapshotSet`'s internal order.
pub(crate) const DO_SNAPSHOT_SET: &[StageSpec] = &[
    StageSpec::Writers(WriterEvent::PrepareForSnapshot),
    StageSpec::Providers(ProviderStep::EndPrepareSnapshots),
    StageSpec::Writers(WriterEvent::Freeze),
    StageSpec::Providers(ProviderStep::PreCommitSnapshots),
    StageSpec::HoldWritesStart,
    StageSpec::Providers(ProviderStep::CommitSnapshots),
    StageSpec::HoldWritesEnd,
    StageSpec::Providers(ProviderStep::PostCommitSnapshots),
    StageSpec::Writers(WriterEvent::Thaw),
    StageSpec::Providers(ProviderStep::PreFinalCommitSnapshots),
    StageSpec::Writers(WriterEvent::PostSnapshot),
    StageSpec::Providers(ProviderStep::PostFinalCommitSnapshots),
];

/// Who is left to serve in the current stage.
#[derive(Debug)]
pub(crate) enum Remaining {
    /// Not computed yet: the stage has not begun.
    NotBegun,
    /// The writers still to receive the stage's event, in order, and the session's departure
    /// count when the list was last pruned of writers that stopped receiving events.
    Writers {
        list: VecDeque<WriterNo>,
        pruned_at: u64,
        /// For Freeze and Thaw: how many writers at the front share the first one's level
        /// (0: to count again), so each pick costs O(1), not the level's size.
        leading: usize,
    },
    Providers(Vec<ProviderNo>),
    /// A single-step stage that has not run.
    Single,
}

/// One asynchronous operation.
#[derive(Debug)]
pub(crate) struct AsyncOp {
    pub(crate) no: OpNo,
    pub(crate) session: SessionNo,
    pub(crate) kind: AsyncKind,
    /// `VSS_S_ASYNC_PENDING` until it ends; then its final status (R36).
    pub(crate) status: Hresult,
    pub(crate) next_at_ms: u64,
    pub(crate) stage: usize,
    pub(crate) remaining: Remaining,
    /// `Cancel` arrived after the commit: finish the pipeline, then report cancelled (R38).
    pub(crate) cancel_after_commit: bool,
    /// The hold-writes timer expired (R89).
    pub(crate) hold_expired: bool,
    /// A provider call failed; the creation fails when that call returns (R93, R95).
    pub(crate) provider_failure: Option<Hresult>,
    /// `EndPrepareSnapshots` was called: from here a failure discards the prepared copies with
    /// `AbortSnapshots` (R92).
    pub(crate) end_prepared: bool,
    /// Some writer failed during the operation (Q4).
    pub(crate) writer_failed: bool,
    /// How many handlers and provider steps it waits for (delivered, queued behind another
    /// event of their writer, or running): not due until none.
    pub(crate) awaiting: u32,
}

impl AsyncOp {
    pub(crate) fn is_pending(&self) -> bool {
        self.status == Hresult::VSS_S_ASYNC_PENDING
    }

    /// Pending and not waiting for a call to return: its next step can run.
    fn is_runnable(&self) -> bool {
        self.is_pending() && self.awaiting == 0
    }

    pub(crate) fn script(&self) -> &'static [StageSpec] {
        match self.kind {
            AsyncKind::GatherWriterMetadata => GATHER_METADATA,
            AsyncKind::GatherWriterStatus => GATHER_STATUS,
            AsyncKind::PrepareForBackup => PREPARE_FOR_BACKUP,
            AsyncKind::DoSnapshotSet => DO_SNAPSHOT_SET,
            AsyncKind::BackupComplete => BACKUP_COMPLETE,
            AsyncKind::PreRestore => PRE_RESTORE,
            AsyncKind::PostRestore => POST_RESTORE,
            AsyncKind::ImportSnapshots => IMPORT_SNAPSHOTS,
            // A simulated revert ends at once: nothing is left to wait for.
            AsyncKind::QueryRevertStatus => &[],
        }
    }
}

/// What the scheduler does next.
enum Due {
    Timer(Timer),
    Op(OpNo),
    /// The in-flight call at this index of `Coordinator::in_flight`.
    InFlight(usize),
    /// VSS's deadline for the event at this index of `Coordinator::queued`.
    Queued(usize),
}

/// Where a wait stops besides its deadline.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'a> {
    /// A sleep: only the deadline.
    Nothing,
    /// `IVssAsync::Wait`: the operation ends.
    Op(OpNo),
    /// The host waits for a signal.
    Signal(&'a crate::vocab::SignalName),
}

impl Coordinator {
    /// Starts an operation of `kind` for `session`; it runs when virtual time advances.
    pub(crate) fn start_op(&mut self, session: SessionNo, kind: AsyncKind) -> OpNo {
        let no = OpNo(super::index_u32(self.ops.len()));
        self.ops.push(AsyncOp {
            no,
            session,
            kind,
            status: Hresult::VSS_S_ASYNC_PENDING,
            next_at_ms: self.now_ms,
            stage: 0,
            remaining: Remaining::NotBegun,
            cancel_after_commit: false,
            hold_expired: false,
            provider_failure: None,
            end_prepared: false,
            writer_failed: false,
            awaiting: 0,
        });
        self.sessions[session.0 as usize].pending = Some(no);
        self.record(TraceEvent::AsyncStarted {
            session,
            op: no,
            kind,
        });
        no
    }

    /// Runs due work in time order until `target` completes, virtual time reaches `until_ms`, or
    /// a bound is hit; with neither, until nothing is left to do. A bound that stops the run
    /// while `target` is pending (or while a sleep, `target` `None`, still had time to go) is
    /// recorded and returned.
    pub(crate) fn run_until(
        &mut self,
        target: Option<OpNo>,
        until_ms: Option<u64>,
    ) -> Option<Bound> {
        let target = target.map_or(Target::Nothing, Target::Op);
        self.run_to(target, until_ms)
    }

    /// [`Coordinator::run_until`] for any [`Target`].
    pub(crate) fn run_to(&mut self, target: Target<'_>, until_ms: Option<u64>) -> Option<Bound> {
        let wanted_ms = until_ms.unwrap_or(u64::MAX);
        let until_ms = wanted_ms.min(self.limits.max_virtual_ms);
        let mut steps = 0u64;
        let mut bound = None;
        loop {
            if self.reached(target) {
                return None;
            }
            let Some((due, at_ms)) = self.next_due() else {
                break;
            };
            if at_ms > until_ms {
                break;
            }
            if steps >= self.limits.max_steps {
                bound = Some(Bound::Steps {
                    max_steps: self.limits.max_steps,
                });
                break;
            }
            steps += 1;
            self.run_due(due, at_ms);
        }
        let pending = !self.reached(target);
        if bound.is_none() && pending && wanted_ms > until_ms {
            bound = Some(Bound::VirtualTime {
                max_virtual_ms: self.limits.max_virtual_ms,
            });
        }
        if until_ms != u64::MAX
            && until_ms > self.now_ms
            && pending
            && bound.is_none_or(|b| !matches!(b, Bound::Steps { .. }))
        {
            // The requester waited this long in vain (or slept): its clock moves on.
            self.now_ms = until_ms;
        }
        if let Some(bound) = bound {
            let waiting_for = match target {
                Target::Op(op) => Some(op),
                Target::Nothing | Target::Signal(_) => None,
            };
            self.record(TraceEvent::BoundReached { bound, waiting_for });
        }
        bound
    }

    /// Runs due work while handlers or provider steps are in flight, up to the run's time bound
    /// and without recording one: the machine finishing what it was doing once every requester
    /// is gone. A handler that never returns stays in flight.
    pub(crate) fn settle_in_flight(&mut self) {
        let mut steps = 0u64;
        while !self.in_flight.is_empty() && steps < self.limits.max_steps {
            let Some((due, at_ms)) = self.next_due() else {
                return;
            };
            if at_ms > self.limits.max_virtual_ms {
                return;
            }
            steps += 1;
            self.run_due(due, at_ms);
        }
    }

    /// Runs one piece of due work at `at_ms`.
    fn run_due(&mut self, due: Due, at_ms: u64) {
        self.now_ms = self.now_ms.max(at_ms);
        match due {
            Due::Timer(timer) => self.fire_timer(timer),
            Due::Op(op) => self.step_op(op),
            Due::InFlight(index) => self.advance_in_flight(index),
            Due::Queued(index) => self.give_up_queued(index),
        }
    }

    /// Whether the wait for `target` is over (a sleep never is).
    fn reached(&self, target: Target<'_>) -> bool {
        match target {
            Target::Nothing => false,
            Target::Op(op) => !self.ops[op.0 as usize].is_pending(),
            Target::Signal(signal) => self.signal_is_set(signal),
        }
    }

    /// The earliest due work: operation steps and returning calls win ties with timers (a Thaw
    /// exactly at the freeze deadline is in time, R99) and with VSS's deadlines for queued
    /// events (a handler that returns at the limit is in time); simultaneous steps and returns
    /// are ordered by the chooser.
    fn next_due(&mut self) -> Option<(Due, u64)> {
        // One pass each over the operations and the calls in flight: the earliest instant, and
        // how many of each are due then (it runs before every step).
        let mut earliest: Option<u64> = None;
        let (mut ops, mut flights) = (0usize, 0usize);
        for op in self.ops.iter().filter(|op| op.is_runnable()) {
            match earliest {
                Some(t) if op.next_at_ms > t => {}
                Some(t) if op.next_at_ms == t => ops += 1,
                _ => {
                    earliest = Some(op.next_at_ms);
                    ops = 1;
                }
            }
        }
        for due in self
            .in_flight
            .iter()
            .filter_map(super::inflight::InFlight::due_ms)
        {
            match earliest {
                Some(t) if due > t => {}
                Some(t) if due == t => flights += 1,
                _ => {
                    earliest = Some(due);
                    ops = 0;
                    flights = 1;
                }
            }
        }
        let timer = self
            .timers
            .next()
            .map(|(timer, at)| (Due::Timer(timer), at));
        let queued = if self.queued.is_empty() {
            None
        } else {
            self.next_queued_give_up()
                .map(|(index, at)| (Due::Queued(index), at))
        };
        // Timers first when both fall on one instant.
        let deadline = match (timer, queued) {
            (Some(timer), Some(queued)) if queued.1 < timer.1 => Some(queued),
            (Some(timer), _) => Some(timer),
            (None, queued) => queued,
        };
        match (earliest, deadline) {
            (None, None) => None,
            (Some(t), Some((due, at))) if at < t => Some((due, at)),
            (None, Some(deadline)) => Some(deadline),
            (Some(t), _) => {
                let is_due = |op: &&AsyncOp| op.is_runnable() && op.next_at_ms == t;
                let count = ops + flights;
                let pick = if count > 1 {
                    self.choose(ChoicePoint::NextOperation, count)
                } else {
                    0
                };
                if pick < ops {
                    let op = self.ops.iter().filter(is_due).nth(pick).map(|op| op.no)?;
                    return Some((Due::Op(op), t));
                }
                let index = self
                    .in_flight
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.due_ms() == Some(t))
                    .nth(pick - ops)
                    .map(|(index, _)| index)?;
                Some((Due::InFlight(index), t))
            }
        }
    }

    /// Runs one step of `op`: one writer delivery, one provider call, a timer stage, or the end.
    fn step_op(&mut self, op_no: OpNo) {
        let index = op_no.0 as usize;
        // The creation fails when the call in flight returns: the kernel's hold expired (R89:
        // no further commits) or a provider failed (R93, R95); when both, the policy says which
        // error the requester sees.
        let op = &self.ops[index];
        let failure = match (op.hold_expired, op.provider_failure) {
            (true, Some(hr))
                if self.policies.commit_failure_result
                    == crate::vocab::CommitFailureResult::ProviderError =>
            {
                Some(hr)
            }
            (true, _) => Some(Hresult::VSS_E_HOLD_WRITES_TIMEOUT),
            (false, failure) => failure,
        };
        if let Some(hr) = failure {
            self.creation_failed(op_no, hr);
            return;
        }
        let (stage, script) = (self.ops[index].stage, self.ops[index].script());
        let Some(spec) = script.get(stage).copied() else {
            let livelock = self.ops[index].kind == AsyncKind::BackupComplete
                && self.planted(super::PlantedBug::CompleteNeverEnds);
            if !livelock {
                self.finish_op(op_no);
            }
            return;
        };
        if matches!(self.ops[index].remaining, Remaining::NotBegun) {
            self.ops[index].remaining = self.stage_recipients(op_no, spec);
        }
        let session = self.ops[index].session;
        match spec {
            StageSpec::Writers(event) => match self.next_writer(op_no, event) {
                // A writer whose process went down meanwhile is not found (its Identify).
                Some(writer) if self.writers[writer.0 as usize].down => {}
                Some(writer) => self.deliver_op_event(op_no, session, writer, event),
                None => {
                    self.advance_stage(op_no);
                    return;
                }
            },
            StageSpec::Providers(step) => match self.next_provider(op_no) {
                Some(provider) => {
                    if step == ProviderStep::EndPrepareSnapshots {
                        self.ops[index].end_prepared = true;
                    }
                    // A failure takes effect when the call returns (now, or later if it takes
                    // time); a hold-writes window that expires meanwhile is judged with it
                    // (R89, `Policies::commit_failure_result`).
                    self.begin_provider_step(op_no, session, provider, step);
                }
                None => {
                    if step == ProviderStep::CommitSnapshots {
                        self.mark_committed(session);
                    }
                    self.advance_stage(op_no);
                    return;
                }
            },
            StageSpec::HoldWritesStart => {
                let timer = Timer::HoldWrites { session };
                let deadline_ms = self.now_ms.saturating_add(HOLD_WRITES_MS);
                self.timers.set(timer, deadline_ms);
                self.record(TraceEvent::TimerSet { timer, deadline_ms });
                self.advance_stage(op_no);
                return;
            }
            StageSpec::HoldWritesEnd => {
                let timer = Timer::HoldWrites { session };
                if self.timers.stop(timer) {
                    self.record(TraceEvent::TimerStopped { timer });
                }
                self.advance_stage(op_no);
                return;
            }
        }
        if let Some(op) = self.ops.get_mut(index).filter(|op| op.is_runnable()) {
            op.next_at_ms = self.now_ms;
        }
    }

    /// `op` waits for one more handler or provider step.
    pub(crate) fn op_awaits(&mut self, op: OpNo) {
        self.ops[op.0 as usize].awaiting += 1;
    }

    /// A handler or provider step `op` waited for returned (or `op` stopped waiting for it):
    /// `op` may go on now.
    pub(crate) fn op_resumes(&mut self, op: OpNo) {
        let now = self.now_ms;
        let op = &mut self.ops[op.0 as usize];
        op.awaiting = op.awaiting.saturating_sub(1);
        op.next_at_ms = op.next_at_ms.max(now);
    }

    pub(crate) fn advance_stage(&mut self, op_no: OpNo) {
        let op = &mut self.ops[op_no.0 as usize];
        op.stage += 1;
        op.remaining = Remaining::NotBegun;
    }

    /// Picks the next writer of the current writer stage; Freeze and Thaw go by level (R46).
    fn next_writer(&mut self, op_no: OpNo, event: WriterEvent) -> Option<WriterNo> {
        let options = {
            let Self {
                ops,
                sessions,
                writers,
                ..
            } = &mut *self;
            let op = &mut ops[op_no.0 as usize];
            let Remaining::Writers {
                list,
                pruned_at,
                leading,
            } = &mut op.remaining
            else {
                return None;
            };
            // Writers aborted meanwhile no longer receive the operation's events (R55); the
            // list is pruned only when one left, so a stage costs O(writers), not O(writers²).
            let session = &sessions[op.session.0 as usize];
            if event != WriterEvent::Identify && *pruned_at != session.departures {
                list.retain(|w| session.writers[w.0 as usize].receives_events());
                *pruned_at = session.departures;
                *leading = 0;
            }
            let first = *list.front()?;
            // Freeze and Thaw lists are sorted by level (R46): the options are the leading run
            // of writers at the first writer's level. Any other event: every writer left.
            if matches!(event, WriterEvent::Freeze | WriterEvent::Thaw) {
                if *leading == 0 {
                    let rank = |w: &WriterNo| writers[w.0 as usize].config.level.freeze_rank();
                    let best = rank(&first);
                    *leading = list.iter().take_while(|w| rank(w) == best).count();
                }
                *leading
            } else {
                list.len()
            }
        };
        let pick = if options > 1 {
            self.choose(ChoicePoint::DeliveryOrder { event }, options)
        } else {
            0
        };
        match &mut self.ops[op_no.0 as usize].remaining {
            Remaining::Writers { list, leading, .. } => {
                *leading = leading.saturating_sub(1);
                list.remove(pick)
            }
            _ => None,
        }
    }

    fn next_provider(&mut self, op_no: OpNo) -> Option<ProviderNo> {
        match &mut self.ops[op_no.0 as usize].remaining {
            Remaining::Providers(list) if !list.is_empty() => Some(list.remove(0)),
            _ => None,
        }
    }

    /// Who the stage `spec` of `op_no` serves, computed when the stage begins.
    fn stage_recipients(&self, op_no: OpNo, spec: StageSpec) -> Remaining {
        let session = &self.sessions[self.ops[op_no.0 as usize].session.0 as usize];
        match spec {
            StageSpec::Writers(WriterEvent::Identify) => Remaining::Writers {
                list: (0..self.writers.len())
                    .filter(|&i| {
                        session.filter.allows(self.writers[i].config.class_id)
                            && !self.writers[i].down
                    })
                    .map(|i| WriterNo(super::index_u32(i)))
                    .collect(),
                pruned_at: session.departures,
                leading: 0,
            },
            StageSpec::Writers(_) if !session.involves_writers() => Remaining::Writers {
                list: VecDeque::new(),
                pruned_at: session.departures,
                leading: 0,
            },
            StageSpec::Writers(event) => {
                let mut list: Vec<WriterNo> = (0..self.writers.len())
                    .filter(|&i| session.writers[i].receives_events())
                    .map(|i| WriterNo(super::index_u32(i)))
                    .collect();
                let ignore_levels = event == WriterEvent::Freeze
                    && self.planted(super::PlantedBug::FreezeIgnoresLevels);
                if matches!(event, WriterEvent::Freeze | WriterEvent::Thaw) && !ignore_levels {
                    // R46 (and Q7 for Thaw): by level; a stable sort keeps registration order.
                    list.sort_by_key(|w| self.writers[w.0 as usize].config.level.freeze_rank());
                }
                if event == WriterEvent::PrepareForBackup
                    && list.len() > 1
                    && self.planted(super::PlantedBug::PrepareSkipsLastWriter)
                {
                    list.pop();
                }
                if event == WriterEvent::PostRestore
                    && self.planted(super::PlantedBug::PostRestoreSkipsLastWriter)
                {
                    list.pop();
                }
                Remaining::Writers {
                    list: list.into(),
                    pruned_at: session.departures,
                    leading: 0,
                }
            }
            StageSpec::Providers(_) => {
                let mut providers: Vec<ProviderNo> = session
                    .set
                    .data()
                    .map(|data| data.snapshots.iter().map(|s| s.provider).collect())
                    .unwrap_or_default();
                providers.sort();
                providers.dedup();
                Remaining::Providers(providers)
            }
            StageSpec::HoldWritesStart | StageSpec::HoldWritesEnd => Remaining::Single,
        }
    }

    /// A timer expired.
    fn fire_timer(&mut self, timer: Timer) {
        self.timers.stop(timer);
        self.record(TraceEvent::TimerFired { timer });
        match timer {
            Timer::HoldWrites { session } => {
                if let Some(op) = self.sessions[session.0 as usize].pending {
                    self.ops[op.0 as usize].hold_expired = true;
                }
            }
            Timer::FreezeWindow { session, writer } => self.freeze_window_expired(session, writer),
        }
    }

    /// Ends `op_no` with `status`, closing the session's pending slot.
    pub(crate) fn complete_op(&mut self, op_no: OpNo, status: Hresult) {
        let op = &mut self.ops[op_no.0 as usize];
        if !op.is_pending() {
            return;
        }
        let status = self.os.requester_code(status);
        // VSS no longer waits for the operation's handlers: it gives up on none of them now.
        for flight in self.in_flight.iter_mut().filter(|f| f.op == Some(op_no)) {
            flight.give_up_ms = None;
        }
        let op = &mut self.ops[op_no.0 as usize];
        op.status = status;
        let (session, kind) = (op.session, op.kind);
        let s = &mut self.sessions[session.0 as usize];
        if s.pending == Some(op_no) {
            s.pending = None;
        }
        self.note_progress(session, kind, status);
        let completed = TraceEvent::AsyncCompleted {
            session,
            op: op_no,
            kind,
            hr: status,
        };
        if self.planted(super::PlantedBug::CompletionRecordedTwice) {
            self.record(completed.clone());
        }
        self.record(completed);
    }
}

/// The kernel's flush-and-hold window (R89, R100).
pub(crate) const HOLD_WRITES_MS: u64 = 10_000;
