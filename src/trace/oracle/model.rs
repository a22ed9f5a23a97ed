//! The oracle's own bookkeeping, rebuilt by replaying trace records.
//!
//! The model records facts ("writer#1 received Freeze from requester#0 at 40 ms", "requester#0's
//! DoSnapshotSet finished with VSS_S_ASYNC_FINISHED") and never judges: the rule families read it
//! as it stood *before* the record they are looking at, then [`Model::apply`] folds that record in.
//! Unknown sessions, writers and providers are created on first mention, so a malformed trace is
//! still replayed to the end; the structure checks report them.

use std::collections::BTreeSet;

use super::label::Label;
use super::tables::{EventMap, VecMap};
use crate::trace::{DropReason, ProviderNo, SessionNo, SetOutcome, Timer, TraceEvent, WriterNo};
use crate::vocab::{
    ApplicationLevel, AsyncKind, BackupState, Call, Context, Hresult, OpNo, Policies,
    SnapshotSetId, WriterClassId, WriterEvent, WriterInstanceId,
};

/// Where a record sits: its index in the trace and its virtual time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Stamp {
    /// Index of the record in the trace.
    pub(super) index: usize,
    /// The record's virtual time.
    pub(super) at_ms: u64,
}

/// A registered writer instance.
#[derive(Clone, Debug)]
pub(super) struct WriterInfo {
    /// The registered name; [`Model::writer`] makes it a label only when a message needs it.
    pub(super) name: String,
    pub(super) class_id: WriterClassId,
    pub(super) instance_id: WriterInstanceId,
    pub(super) level: ApplicationLevel,
    pub(super) freeze_timeout_ms: u64,
    pub(super) registered: Stamp,
    /// When its process was down (`WriterStopped` to `WriterStarted`; open while down).
    pub(super) down: Vec<(Stamp, Option<Stamp>)>,
}

impl WriterInfo {
    /// Its process was down at some moment from `from` to `to` (record indices).
    pub(super) fn down_between(&self, from: Stamp, to: Stamp) -> bool {
        self.down.iter().any(|(stop, start)| {
            stop.index <= to.index && start.is_none_or(|s| s.index >= from.index)
        })
    }
}

/// One asynchronous method of a session: its successful call, its operation, its end.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct AsyncTrack {
    /// The first `Called` of the method that returned a success code.
    pub(super) called: Option<Stamp>,
    /// The operation `AsyncStarted` gave it.
    pub(super) op: Option<OpNo>,
    /// `AsyncCompleted`: final status and when.
    pub(super) completed: Option<(Hresult, Stamp)>,
}

impl AsyncTrack {
    /// Called successfully and not completed yet.
    pub(super) fn pending(&self) -> bool {
        self.called.is_some() && self.completed.is_none()
    }

    /// Completed with `VSS_S_ASYNC_FINISHED`.
    pub(super) fn succeeded(&self) -> bool {
        matches!(self.completed, Some((hr, _)) if hr == Hresult::VSS_S_ASYNC_FINISHED)
    }

    /// Completed with anything but `VSS_S_ASYNC_FINISHED` (an error or a cancel).
    pub(super) fn failed(&self) -> Option<(Hresult, Stamp)> {
        self.completed
            .filter(|(hr, _)| *hr != Hresult::VSS_S_ASYNC_FINISHED)
    }
}

/// How a session ended.
#[derive(Clone, Copy, Debug)]
pub(super) struct Gone {
    /// The `Release` or crash record.
    pub(super) stamp: Stamp,
    /// `DoSnapshotSet` was pending when the object went away.
    pub(super) dss_pending: bool,
    /// The VSS service restarted under the object (`ServiceRestarted`): calls that need the
    /// service fail, the rest still work, and nothing more is owed to its writers. A later
    /// `Release` makes it gone for good.
    pub(super) lost: bool,
}

/// A handler's result.
#[derive(Clone, Copy, Debug)]
pub(super) struct Outcome {
    pub(super) stamp: Stamp,
    pub(super) ok: bool,
    pub(super) failure: Option<Hresult>,
    pub(super) panicked: bool,
}

impl Outcome {
    /// What a handler VSS stopped waiting for counts as: failed, `VSS_E_WRITER_NOT_RESPONDING`
    /// (`Policies::handler_timeout`).
    pub(super) fn not_responding(stamp: Stamp) -> Self {
        Self {
            stamp,
            ok: false,
            failure: Some(Hresult::VSS_E_WRITER_NOT_RESPONDING),
            panicked: false,
        }
    }

    /// T2 failure: `false`, a panic, or a `SetWriterFailure` code.
    pub(super) fn failed(&self) -> bool {
        !self.ok || self.panicked || self.failure.is_some()
    }

    /// A veto: `SetWriterFailure` then `true` (R65).
    pub(super) fn vetoed(&self) -> bool {
        self.ok && !self.panicked && self.failure.is_some()
    }

    /// A fatal failure: `false` or a panic (R64).
    pub(super) fn fatal(&self) -> bool {
        !self.ok || self.panicked
    }
}

/// One writer in one session.
#[derive(Clone, Debug, Default)]
pub(super) struct Part {
    /// First delivery of each event.
    pub(super) delivered: EventMap<Stamp>,
    /// Last result of each handler.
    pub(super) handled: EventMap<Outcome>,
    /// `OnIdentify` succeeded for this session.
    pub(super) identify_ok: bool,
    /// `OnIdentify` failed for this session.
    pub(super) identify_failed: Option<Stamp>,
    /// `WriterDropped` records.
    pub(super) dropped: Vec<(DropReason, Stamp)>,
    /// First Abort delivered by VSS's operation.
    pub(super) aborted: Option<Stamp>,
    /// The Abort of the writer's own freeze timeout after a Thaw that missed its window
    /// (KB915331): the first Abort after such a window fired, not VSS's.
    pub(super) own_timeout_abort: Option<Stamp>,
    /// R47: whether the writer had nothing selected when it received PrepareForBackup (or,
    /// without PrepareForBackup, PrepareForSnapshot).
    pub(super) unselected: Option<bool>,
    /// The writer's freeze window fired (R99): it is out of the operation.
    pub(super) timed_out: Option<Stamp>,
    /// VSS stopped waiting for one of its handlers (`Policies::handler_timeout`): it is out of
    /// the session's operations.
    pub(super) not_responding: Option<Stamp>,
}

impl Part {
    /// The drop that removes the writer from the rest of the session (R7, R10, R47, a restart),
    /// if any.
    pub(super) fn excluded(&self) -> Option<(DropReason, Stamp)> {
        self.dropped.iter().copied().find(|(reason, _)| {
            matches!(
                reason,
                DropReason::IdentifyFailed
                    | DropReason::ClassDisabled
                    | DropReason::NothingSelected
                    | DropReason::Restarted
            )
        })
    }

    /// True when the writer was dropped for `reason`.
    pub(super) fn dropped_for(&self, reason: DropReason) -> bool {
        self.dropped.iter().any(|(r, _)| *r == reason)
    }

    /// Took part in the session's backup: received PrepareForBackup or PrepareForSnapshot and
    /// was not excluded.
    pub(super) fn took_part(&self) -> bool {
        self.excluded().is_none()
            && (self.delivered.contains_key(&WriterEvent::PrepareForBackup)
                || self
                    .delivered
                    .contains_key(&WriterEvent::PrepareForSnapshot))
    }

    /// `OnPostSnapshot` has returned (R55: no Abort afterwards).
    pub(super) fn past_post_snapshot(&self) -> Option<Stamp> {
        self.handled
            .get(&WriterEvent::PostSnapshot)
            .map(|outcome| outcome.stamp)
    }

    /// Its freeze window fired after it got Thaw: a window the Thaw missed (KB915331).
    pub(super) fn window_fired_after_thaw(&self) -> bool {
        let thaw = self.got(WriterEvent::Thaw);
        self.timed_out
            .is_some_and(|fired| thaw.is_some_and(|thaw| fired.index > thaw.index))
    }

    /// Out of the operation's remaining events: aborted, timed out (R55, R99) or not
    /// responding (`Policies::handler_timeout`).
    pub(super) fn out(&self) -> bool {
        // An Abort the writer cannot take yet (it is inside another session's handler) waits
        // in its queue, but the writer left the operation when VSS raised it (`WriterDropped`
        // with `Aborted`): the operation goes on without it.
        self.aborted.is_some()
            || self.timed_out.is_some()
            || self.not_responding.is_some()
            || self
                .dropped
                .iter()
                .any(|(reason, _)| *reason == crate::trace::DropReason::Aborted)
    }

    /// When the writer received `event` first.
    pub(super) fn got(&self, event: WriterEvent) -> Option<Stamp> {
        self.delivered.get(&event).copied()
    }
}

/// One requester object.
#[derive(Clone, Debug, Default)]
pub(super) struct Session {
    pub(super) created: Option<Stamp>,
    pub(super) gone: Option<Gone>,
    /// When the VSS service restarted under it (`ServiceRestarted`): from then on nothing is
    /// owed to its writers, even after its `Release`.
    pub(super) lost: Option<Stamp>,
    /// The raw `lContext` of the last successful `SetContext`.
    pub(super) context: Option<u32>,
    pub(super) backup_state: Option<BackupState>,
    /// The writer instances some added component names (R47).
    pub(super) selected_instances: BTreeSet<WriterInstanceId>,
    /// The writer classes some added component with a `GUID_NULL` instance names (R47).
    pub(super) selected_classes: BTreeSet<WriterClassId>,
    pub(super) gwm: AsyncTrack,
    pub(super) pfb: AsyncTrack,
    pub(super) dss: AsyncTrack,
    pub(super) backup_complete: AsyncTrack,
    pub(super) pre_restore: AsyncTrack,
    pub(super) post_restore: AsyncTrack,
    /// Successful `AbortBackup` calls.
    pub(super) abort_backup_calls: Vec<Stamp>,
    /// The set `SetCreationStarted` opened.
    pub(super) set: Option<SnapshotSetId>,
    pub(super) set_started: Option<Stamp>,
    pub(super) set_ended: Option<(SetOutcome, Stamp)>,
    /// Restore events were delivered in this session (R56).
    pub(super) restore_events: bool,
    /// `InitializeForRestore` succeeded: a restore object, which took part in no backup (Q20).
    pub(super) restoring: bool,
    pub(super) writers: VecMap<WriterNo, Part>,
}

impl Session {
    /// R47: component mode (the `BackupState` default when never set) and no component of
    /// `writer` added so far. A component matches by instance id, or by class id when its
    /// instance id is `GUID_NULL`.
    pub(super) fn leaves_out(&self, writer: &WriterInfo) -> bool {
        self.backup_state.unwrap_or_default().select_components
            && !self.selected_instances.contains(&writer.instance_id)
            && !self.selected_classes.contains(&writer.class_id)
    }

    /// R42, R105: the context involves writers (`VSS_CTX_BACKUP` unless `SetContext` said
    /// otherwise).
    pub(super) fn writers_involved(&self) -> bool {
        self.context.is_none_or(|raw| {
            Context::from_raw(raw).map_or(true, |context| context.base.involves_writers())
        })
    }

    /// `DoSnapshotSet` created the shadow copies (R57's non-null set id).
    pub(super) fn created_set(&self) -> bool {
        self.dss.succeeded() || matches!(self.set_ended, Some((SetOutcome::Created, _)))
    }

    fn track_mut(&mut self, kind: AsyncKind) -> Option<&mut AsyncTrack> {
        match kind {
            AsyncKind::GatherWriterMetadata => Some(&mut self.gwm),
            AsyncKind::PrepareForBackup => Some(&mut self.pfb),
            AsyncKind::DoSnapshotSet => Some(&mut self.dss),
            AsyncKind::BackupComplete => Some(&mut self.backup_complete),
            AsyncKind::PreRestore => Some(&mut self.pre_restore),
            AsyncKind::PostRestore => Some(&mut self.post_restore),
            AsyncKind::GatherWriterStatus
            | AsyncKind::ImportSnapshots
            | AsyncKind::QueryRevertStatus => None,
        }
    }

    /// Writers that took part and have not finished PostSnapshot: Abort's audience (R55).
    pub(super) fn abortable(&self) -> BTreeSet<WriterNo> {
        self.writers
            .iter()
            .filter(|(_, part)| part.took_part() && part.past_post_snapshot().is_none())
            .map(|(writer, _)| *writer)
            .collect()
    }
}

/// A delivered event whose handler has not returned yet.
#[derive(Clone, Copy, Debug)]
pub(super) struct OpenHandler {
    pub(super) session: SessionNo,
    pub(super) writer: WriterNo,
    pub(super) event: WriterEvent,
    pub(super) stamp: Stamp,
    /// VSS stopped waiting for it (`HandlerTimedOut`): it counts as failed, not responding,
    /// and its late return changes nothing.
    pub(super) abandoned: bool,
}

/// Everything the oracle knows, rebuilt from the records so far.
#[derive(Clone, Debug, Default)]
pub(super) struct Model {
    /// The policies in force: the first `Policies` record, defaults until then.
    pub(super) policies: Policies,
    pub(super) policies_seen: bool,
    /// The machine's OS profile (the `Os` record; a current server without one).
    pub(super) os: crate::vocab::OsProfile,
    pub(super) writers: VecMap<WriterNo, WriterInfo>,
    /// Provider names, by number.
    pub(super) providers: VecMap<ProviderNo, String>,
    pub(super) sessions: VecMap<SessionNo, Session>,
    /// Operation number → (session, kind).
    pub(super) ops: VecMap<OpNo, (SessionNo, AsyncKind)>,
    /// The handlers delivered and not returned yet: at most one per writer (a writer handles
    /// one event at a time), several writers at once.
    pub(super) open: Vec<OpenHandler>,
    /// What [`Model::part_or_empty`] lends for a writer a session never mentioned: made once
    /// per trace rather than per question (a `Part` is a few hundred bytes of empty slots).
    empty_part: Part,
}

impl Model {
    /// `writer`'s handler that has not returned yet, if any.
    pub(super) fn open_handler(&self, writer: WriterNo) -> Option<OpenHandler> {
        self.open.iter().find(|open| open.writer == writer).copied()
    }

    /// Whether `writer` is in a handler VSS stopped waiting for: its return is late and changes
    /// nothing.
    pub(super) fn handler_abandoned(&self, writer: WriterNo) -> bool {
        self.open_handler(writer).is_some_and(|open| open.abandoned)
    }

    /// Under the KB915331 race (`Policies::freeze_timer_race`), `writer`'s freeze window in
    /// `session` fired after it got Thaw: the writer's own timeout, which VSS's operation
    /// does not see (field failure 4).
    pub(super) fn thaw_missed_window(&self, session: SessionNo, writer: WriterNo) -> bool {
        self.policies.freeze_timer_race == crate::vocab::FreezeTimerRace::Kb915331
            && self
                .part(session, writer)
                .is_some_and(Part::window_fired_after_thaw)
    }

    /// The session, if it was ever mentioned.
    pub(super) fn session(&self, session: SessionNo) -> Option<&Session> {
        self.sessions.get(&session)
    }

    /// One writer's participation in one session, if it was ever mentioned.
    pub(super) fn part(&self, session: SessionNo, writer: WriterNo) -> Option<&Part> {
        self.sessions.get(&session)?.writers.get(&writer)
    }

    /// One writer's participation in one session, empty if it was never mentioned.
    pub(super) fn part_or_empty(&self, session: SessionNo, writer: WriterNo) -> &Part {
        self.part(session, writer).unwrap_or(&self.empty_part)
    }

    /// True when the writer received Abort in the session.
    pub(super) fn aborted(&self, session: SessionNo, writer: WriterNo) -> Option<Stamp> {
        self.part(session, writer)?.aborted
    }

    /// `DoSnapshotSet` of the session is under way.
    pub(super) fn dss_pending(&self, session: SessionNo) -> bool {
        self.session(session).is_some_and(|s| s.dss.pending())
    }

    /// "writer#1 (SqlWriter)" or "writer#7 (unregistered)", written when displayed.
    pub(super) fn writer(&self, writer: WriterNo) -> Label<'_, WriterNo> {
        Label::new(
            writer,
            self.writers.get(&writer).map(|info| info.name.as_str()),
        )
    }

    /// "provider#0 (Microsoft Software Shadow Copy provider 1.0)", written when displayed.
    pub(super) fn provider(&self, provider: ProviderNo) -> Label<'_, ProviderNo> {
        Label::new(provider, self.providers.get(&provider).map(String::as_str))
    }

    /// Folds one record into the model.
    #[inline]
    pub(super) fn apply(&mut self, stamp: Stamp, event: &TraceEvent) {
        match event {
            TraceEvent::Policies(policies) if !self.policies_seen => {
                self.policies = *policies;
                self.policies_seen = true;
            }
            TraceEvent::Os(os) => self.os = *os,
            TraceEvent::WriterRegistered { .. }
            | TraceEvent::ProviderRegistered { .. }
            | TraceEvent::SessionCreated { .. } => self.registered(stamp, event),
            TraceEvent::Called { session, call, hr } => self.called(stamp, *session, call, *hr),
            TraceEvent::AsyncStarted { session, op, kind } => {
                self.ops.entry(*op).or_insert((*session, *kind));
                if let Some(track) = self.session_mut(*session).track_mut(*kind) {
                    track.op.get_or_insert(*op);
                }
            }
            TraceEvent::AsyncCompleted {
                session, kind, hr, ..
            } => {
                if let Some(track) = self.session_mut(*session).track_mut(*kind) {
                    track.completed.get_or_insert((*hr, stamp));
                }
            }
            TraceEvent::SetCreationStarted { session, set } => {
                let s = self.session_mut(*session);
                s.set.get_or_insert(*set);
                s.set_started.get_or_insert(stamp);
            }
            TraceEvent::SetCreationEnded {
                session, outcome, ..
            } => {
                self.session_mut(*session)
                    .set_ended
                    .get_or_insert((*outcome, stamp));
            }
            TraceEvent::WriterDropped {
                session,
                writer,
                reason,
            } => self
                .part_mut(*session, *writer)
                .dropped
                .push((*reason, stamp)),
            TraceEvent::TimerFired {
                timer: Timer::FreezeWindow { session, writer },
            } => {
                self.part_mut(*session, *writer)
                    .timed_out
                    .get_or_insert(stamp);
                // The operation stops waiting for an OnFreeze the writer is still in: its
                // return changes nothing.
                if let Some(open) = self.open.iter_mut().find(|open| {
                    open.writer == *writer
                        && open.session == *session
                        && open.event == WriterEvent::Freeze
                }) {
                    open.abandoned = true;
                }
            }
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } => self.delivered(stamp, *session, *writer, *event),
            TraceEvent::Handled {
                session,
                writer,
                event,
                ok,
                failure,
                panicked,
                ..
            } => {
                let outcome = Outcome {
                    stamp,
                    ok: *ok,
                    failure: *failure,
                    panicked: *panicked,
                };
                self.handled(*session, *writer, *event, outcome);
            }
            TraceEvent::WriterRestarted { writer } | TraceEvent::WriterStopped { writer } => {
                // Its service restarted (or its process died): the handler it was in is gone.
                self.open.retain(|open| open.writer != *writer);
                if matches!(event, TraceEvent::WriterStopped { .. }) {
                    if let Some(info) = self.writers.get_mut(writer) {
                        info.down.push((stamp, None));
                    }
                }
            }
            TraceEvent::ServiceRestarted => {
                for (_, s) in self.sessions.iter_mut().filter(|(_, s)| s.gone.is_none()) {
                    s.lost = Some(stamp);
                    s.gone = Some(Gone {
                        stamp,
                        dss_pending: s.dss.pending(),
                        lost: true,
                    });
                }
            }
            TraceEvent::WriterStarted { writer } => {
                if let Some((_, start)) = self
                    .writers
                    .get_mut(writer)
                    .and_then(|info| info.down.last_mut())
                {
                    start.get_or_insert(stamp);
                }
            }
            TraceEvent::HandlerTimedOut {
                session,
                writer,
                event,
            } => {
                // VSS gave up on the handler: it failed, not responding, and the writer stays
                // busy until the handler returns.
                self.record_outcome(*session, *writer, *event, Outcome::not_responding(stamp));
                self.part_mut(*session, *writer)
                    .not_responding
                    .get_or_insert(stamp);
                // An event queued behind the hung handler was never delivered: nothing opens.
                if let Some(open) = self.open.iter_mut().find(|open| {
                    open.writer == *writer && open.session == *session && open.event == *event
                }) {
                    open.abandoned = true;
                }
            }
            _ => {}
        }
    }

    /// A writer, provider or requester object came into being.
    fn registered(&mut self, stamp: Stamp, event: &TraceEvent) {
        match event {
            TraceEvent::WriterRegistered {
                writer,
                class_id,
                instance_id,
                name,
                level,
                freeze_timeout_ms,
            } => {
                self.writers.entry(*writer).or_insert_with(|| WriterInfo {
                    name: name.clone(),
                    class_id: *class_id,
                    instance_id: *instance_id,
                    level: *level,
                    freeze_timeout_ms: *freeze_timeout_ms,
                    registered: stamp,
                    down: Vec::new(),
                });
            }
            TraceEvent::ProviderRegistered { provider, name, .. } => {
                self.providers
                    .entry(*provider)
                    .or_insert_with(|| name.clone());
            }
            TraceEvent::SessionCreated { session } => {
                let entry = self.sessions.entry(*session).or_default();
                entry.created.get_or_insert(stamp);
            }
            _ => {}
        }
    }

    /// An event was delivered to a writer: its handler is open until it returns.
    fn delivered(
        &mut self,
        stamp: Stamp,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
    ) {
        self.open.retain(|open| open.writer != writer);
        self.open.push(OpenHandler {
            session,
            writer,
            event,
            stamp,
            abandoned: false,
        });
        if matches!(event, WriterEvent::PreRestore | WriterEvent::PostRestore) {
            self.session_mut(session).restore_events = true;
        }
        // R47's selection is judged at the first PrepareForBackup or PrepareForSnapshot.
        let judge_selection = matches!(
            event,
            WriterEvent::PrepareForBackup | WriterEvent::PrepareForSnapshot
        ) && self
            .part(session, writer)
            .is_none_or(|part| part.unselected.is_none());
        let unselected = if judge_selection {
            self.writers
                .get(&writer)
                .zip(self.sessions.get(&session))
                .map(|(info, s)| s.leaves_out(info))
        } else {
            None
        };
        let kb915331 = self.policies.freeze_timer_race == crate::vocab::FreezeTimerRace::Kb915331;
        let part = self.part_mut(session, writer);
        if judge_selection {
            part.unselected = unselected;
        }
        part.delivered.insert_first(event, stamp);
        // The Abort of a freeze window a Thaw missed (KB915331) is the writer's own timeout:
        // VSS's operation goes on with it. Any later Abort (its Thaw failing too, say) is VSS's.
        if event == WriterEvent::Abort {
            if kb915331 && part.window_fired_after_thaw() && part.own_timeout_abort.is_none() {
                part.own_timeout_abort = Some(stamp);
            } else {
                part.aborted.get_or_insert(stamp);
            }
        }
    }

    /// A handler returned with `outcome`.
    fn handled(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        outcome: Outcome,
    ) {
        let abandoned = self.handler_abandoned(writer);
        self.open.retain(|open| open.writer != writer);
        if !abandoned {
            // An abandoned handler was judged when VSS gave up on it.
            self.record_outcome(session, writer, event, outcome);
        }
    }

    /// What a handler's result (or VSS giving up on it) tells about the writer.
    fn record_outcome(
        &mut self,
        session: SessionNo,
        writer: WriterNo,
        event: WriterEvent,
        outcome: Outcome,
    ) {
        // An Identify that returns after its GatherWriterMetadata ended (cancelled) identifies
        // nothing: VSS no longer collects for that operation.
        let collecting = self
            .sessions
            .get(&session)
            .is_none_or(|s| s.gwm.completed.is_none());
        let part = self.part_mut(session, writer);
        part.handled.insert(event, outcome);
        if event == WriterEvent::Identify {
            if outcome.fatal() {
                part.identify_failed.get_or_insert(outcome.stamp);
            } else if part.identify_failed.is_none() && collecting {
                part.identify_ok = true;
            }
        }
    }

    fn called(&mut self, stamp: Stamp, session: SessionNo, call: &Call, hr: Hresult) {
        let s = self.session_mut(session);
        if hr.is_failure() {
            return; // R3: a failed call has no effects.
        }
        match call {
            Call::GatherWriterMetadata => {
                s.gwm.called.get_or_insert(stamp);
            }
            Call::InitializeForRestore { .. } => s.restoring = true,
            Call::InitializeForBackupFrom { bcd } => {
                // The document's state and components become the object's (R113).
                if let Ok(doc) = crate::xml::bcd::load(bcd) {
                    s.backup_state = Some(doc.backup_state);
                    for entry in &doc.writers {
                        if entry.instance_id.is_null() {
                            s.selected_classes.insert(entry.writer_id);
                        } else {
                            s.selected_instances.insert(entry.instance_id);
                        }
                    }
                }
            }
            Call::PreRestore => {
                s.pre_restore.called.get_or_insert(stamp);
            }
            Call::PostRestore => {
                s.post_restore.called.get_or_insert(stamp);
            }
            Call::SetContext { context } => s.context = Some(*context),
            Call::SetBackupState(state) => s.backup_state = Some(*state),
            Call::AddComponent(key) if key.instance_id.is_null() => {
                s.selected_classes.insert(key.writer_id);
            }
            Call::AddComponent(key) => {
                s.selected_instances.insert(key.instance_id);
            }
            Call::PrepareForBackup => {
                s.pfb.called.get_or_insert(stamp);
            }
            Call::DoSnapshotSet => {
                s.dss.called.get_or_insert(stamp);
            }
            Call::BackupComplete => {
                s.backup_complete.called.get_or_insert(stamp);
            }
            Call::AbortBackup => s.abort_backup_calls.push(stamp),
            Call::Release | Call::Crash if s.gone.is_none_or(|gone| gone.lost) => {
                s.gone = Some(Gone {
                    stamp,
                    dss_pending: s.dss.pending(),
                    lost: false,
                });
            }
            _ => {}
        }
    }

    /// The VSS service restarted under `session`.
    pub(super) fn lost(&self, session: SessionNo) -> bool {
        self.session(session).is_some_and(|s| s.lost.is_some())
    }

    fn session_mut(&mut self, session: SessionNo) -> &mut Session {
        self.sessions.entry(session).or_default()
    }

    fn part_mut(&mut self, session: SessionNo, writer: WriterNo) -> &mut Part {
        self.session_mut(session).writers.entry(writer).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::TraceRecord;
    use crate::vocab::{BackupType, ComponentKey, ComponentType};

    fn replay(events: Vec<TraceEvent>) -> Model {
        let mut model = Model::default();
        for (index, event) in events.into_iter().enumerate() {
            let record = TraceRecord { at_ms: 0, event };
            model.apply(
                Stamp {
                    index,
                    at_ms: record.at_ms,
                },
                &record.event,
            );
        }
        model
    }

    #[test]
    fn failed_calls_have_no_effect() {
        // R3: a call that fails changes nothing.
        let model = replay(vec![TraceEvent::Called {
            session: SessionNo(0),
            call: Call::PrepareForBackup,
            hr: Hresult::VSS_E_BAD_STATE,
        }]);
        assert!(model.session(SessionNo(0)).unwrap().pfb.called.is_none());
    }

    #[test]
    fn selection_is_judged_when_prepare_for_backup_is_delivered() {
        // R47: a component added after the PrepareForBackup call, before its delivery, counts.
        let instance = WriterInstanceId::from_u128(7);
        let key = ComponentKey {
            instance_id: instance,
            writer_id: WriterClassId::from_u128(1),
            component_type: ComponentType::VSS_CT_DATABASE,
            logical_path: None,
            name: "db".into(),
        };
        let s = SessionNo(0);
        let w = WriterNo(0);
        let model = replay(vec![
            TraceEvent::WriterRegistered {
                writer: w,
                class_id: WriterClassId::from_u128(1),
                instance_id: instance,
                name: "w".into(),
                level: ApplicationLevel::VSS_APP_FRONT_END,
                freeze_timeout_ms: 60_000,
            },
            TraceEvent::Called {
                session: s,
                call: Call::SetBackupState(BackupState::components(BackupType::VSS_BT_FULL)),
                hr: Hresult::S_OK,
            },
            TraceEvent::Called {
                session: s,
                call: Call::PrepareForBackup,
                hr: Hresult::S_OK,
            },
            TraceEvent::Called {
                session: s,
                call: Call::AddComponent(key),
                hr: Hresult::S_OK,
            },
            TraceEvent::Delivered {
                session: s,
                writer: w,
                event: WriterEvent::PrepareForBackup,
                set: SnapshotSetId::NULL,
            },
        ]);
        assert_eq!(model.part(s, w).unwrap().unselected, Some(false));
    }

    #[test]
    fn unknown_numbers_are_created_on_first_mention() {
        let model = replay(vec![TraceEvent::Handled {
            session: SessionNo(9),
            writer: WriterNo(4),
            event: WriterEvent::Identify,
            ok: false,
            failure: None,
            spent_ms: 0,
            panicked: false,
        }]);
        let part = model.part(SessionNo(9), WriterNo(4)).unwrap();
        assert!(part.identify_failed.is_some());
        assert_eq!(&*model.writer(WriterNo(4)), "writer#4 (unregistered)");
    }
}
