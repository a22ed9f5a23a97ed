//! Abort delivery (R50, R55, R92, R95): who must and who may receive each raised Abort, which
//! failures oblige the engine to abort writers, and that an aborted writer hears nothing more of
//! the operation. Whether a cause was legitimate is `causes.rs`.

use std::collections::BTreeSet;

use super::model::{Outcome, Stamp};
use super::tables::VecMap;
use super::{Cx, Party, Rules, Situation};
use crate::trace::{AbortCause, ProviderStep, SessionNo, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{
    AbortBackupReach, AsyncKind, Call, Hresult, VetoAtFreezeThaw, WriterAbortScope, WriterEvent,
};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R50, Rule::R55, Rule::R92, Rule::R95];

/// The abort rules.
#[derive(Debug, Default)]
pub(super) struct AbortRules {
    /// Open `AbortRaised` records per session, with whom they must and may still reach.
    reaches: VecMap<SessionNo, Vec<Reach>>,
    /// Writers the engine owes an Abort (R50, R95) though no `AbortRaised` named them yet.
    needs: VecMap<(SessionNo, WriterNo), Need>,
    /// Writers dropped as aborted before their Abort was delivered, while they were in no
    /// handler: the Abort may still come in the same instant (queued behind another event for
    /// the writer, SERIAL), but no later.
    dropped_unaborted: Vec<(SessionNo, WriterNo, Stamp)>,
}

#[derive(Debug)]
struct Reach {
    cause: AbortCause,
    raised: Stamp,
    required: BTreeSet<WriterNo>,
    allowed: BTreeSet<WriterNo>,
    /// Required writers inside a handler when it was raised: events VSS had sent them before
    /// wait in their queue ahead of the Abort (SERIAL).
    busy: BTreeSet<WriterNo>,
}

#[derive(Debug)]
struct Need {
    rule: Rule,
    why: String,
    since: Stamp,
    /// The obligation ends when DoSnapshotSet completes (false for a release: the operation
    /// may be reported over before its writers are told).
    by_completion: bool,
}

impl Rules for AbortRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        if !self.dropped_unaborted.is_empty() {
            self.abort_overdue(cx, false);
        }
        match event {
            TraceEvent::Called { session, call, hr } => self.called(cx, *session, call, *hr),
            TraceEvent::Handled {
                session,
                writer,
                event,
                ok,
                failure,
                panicked,
                ..
            } if !cx.model.handler_abandoned(*writer) => {
                let outcome = Outcome {
                    stamp: cx.now,
                    ok: *ok,
                    failure: *failure,
                    panicked: *panicked,
                };
                self.handled(cx, *session, *writer, *event, outcome);
            }
            TraceEvent::HandlerTimedOut {
                session,
                writer,
                event,
            } => {
                let outcome = Outcome::not_responding(cx.now);
                self.handled(cx, *session, *writer, *event, outcome);
            }
            TraceEvent::ProviderCalled {
                session,
                provider,
                step,
                hr,
                ..
            } => {
                let name = cx.model.provider(*provider);
                self.provider(cx, *session, &name, *step, *hr);
            }
            TraceEvent::AbortRaised { session, cause } => self.raised(cx, *session, *cause),
            TraceEvent::Delivered {
                session,
                writer,
                event: WriterEvent::Abort,
                ..
            } => {
                self.dropped_unaborted
                    .retain(|(s, w, _)| (s, w) != (session, writer));
                self.abort_delivered(cx, *session, *writer);
            }
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } if *event != WriterEvent::Identify => {
                self.other_delivery(cx, *session, *writer, *event);
            }
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::DoSnapshotSet,
                ..
            } => self.expire_session(cx, *session),
            // A writer inside a handler gets its Abort when the handler returns.
            TraceEvent::WriterDropped {
                session,
                writer,
                reason: crate::trace::DropReason::Aborted,
            } if cx.model.aborted(*session, *writer).is_none()
                && cx.model.open_handler(*writer).is_none() =>
            {
                self.dropped_unaborted.push((*session, *writer, cx.now));
            }
            // A writer whose process died hears no Abort any more, from any backup.
            TraceEvent::WriterStopped { writer } => {
                self.needs.retain(|(_, w), _| w != writer);
                self.dropped_unaborted.retain(|(_, w, _)| w != writer);
                for (_, reaches) in self.reaches.iter_mut() {
                    for reach in reaches {
                        reach.required.remove(writer);
                    }
                }
            }
            // The service that would send them is gone: nothing is owed to the writers of the
            // backups it served (a writer's own freeze timeout still aborts it: `AbortRaised`).
            TraceEvent::ServiceRestarted => {
                let lost: Vec<SessionNo> = cx
                    .model
                    .sessions
                    .iter()
                    .filter(|(_, s)| s.gone.is_none())
                    .map(|(no, _)| *no)
                    .collect();
                self.needs.retain(|(s, _), _| !lost.contains(s));
                self.dropped_unaborted.retain(|(s, _, _)| !lost.contains(s));
                // The aborts raised stay known (an Abort a writer's own freeze timeout queued
                // still comes), but none is owed any more.
                for session in lost {
                    for reach in self.reaches.entry(session).or_default() {
                        reach.required.clear();
                    }
                }
            }
            // A restarted writer gets none of the backup's later events: no Abort is owed.
            TraceEvent::WriterDropped {
                session,
                writer,
                reason: crate::trace::DropReason::Restarted,
            } => {
                let key = (*session, *writer);
                self.needs.remove(&key);
                self.dropped_unaborted.retain(|(s, w, _)| (*s, *w) != key);
                for reach in self.reaches.entry(*session).or_default() {
                    reach.required.remove(writer);
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        self.abort_overdue(cx, true);
        for ((session, writer), need) in std::mem::take(&mut self.needs) {
            if cx.model.open_handler(writer).is_some() {
                // Still inside a handler when the trace ends: its Abort waits behind it.
                continue;
            }
            let message = format!(
                "{} never received Abort from {session} after {}",
                cx.model.writer(writer),
                need.why
            );
            cx.report_at(need.since, Party::Engine, need.rule, message);
        }
        for (session, reaches) in std::mem::take(&mut self.reaches) {
            for reach in reaches {
                for writer in reach.required {
                    if cx.model.open_handler(writer).is_some() {
                        continue;
                    }
                    let message = format!(
                        "AbortRaised by {session} ({}) never reached {}",
                        describe(cx, reach.cause),
                        cx.model.writer(writer)
                    );
                    cx.report_at(reach.raised, Party::Engine, Rule::R50, message);
                }
            }
        }
    }
}

impl AbortRules {
    /// R55: a writer dropped as aborted got its Abort in the same instant (or the trace has not
    /// moved on yet, unless it `ended`).
    fn abort_overdue(&mut self, cx: &mut Cx<'_>, ended: bool) {
        let now = cx.now.at_ms;
        let mut overdue = Vec::new();
        self.dropped_unaborted.retain(|&(s, w, stamp)| {
            let late = ended || stamp.at_ms < now;
            if late {
                overdue.push((s, w, stamp));
            }
            !late
        });
        for (session, writer, stamp) in overdue {
            let message = format!(
                "{} was dropped from {session} as aborted but never received Abort",
                cx.model.writer(writer)
            );
            cx.report_at(stamp, Party::Engine, Rule::R55, message);
        }
    }

    fn called(&mut self, cx: &mut Cx<'_>, s: SessionNo, call: &Call, hr: Hresult) {
        if hr.is_failure() {
            return;
        }
        match call {
            Call::Release | Call::Crash => {
                let Some(session) = cx.model.session(s) else {
                    return;
                };
                if session.gone.is_some() || !session.dss.pending() {
                    return;
                }
                let why = format!(
                    "{s} went away ({}) at {} ms while its DoSnapshotSet was under way",
                    call.method(),
                    cx.now.at_ms
                );
                for writer in session.abortable() {
                    if cx.model.aborted(s, writer).is_none() {
                        self.need(cx, s, writer, Rule::R50, why.clone(), false);
                    }
                }
            }
            _ => {}
        }
    }

    fn need(
        &mut self,
        cx: &Cx<'_>,
        s: SessionNo,
        w: WriterNo,
        rule: Rule,
        why: String,
        by_completion: bool,
    ) {
        if cx.model.lost(s) {
            return; // the service that would send it is gone (`ServiceRestarted`)
        }
        self.needs.entry((s, w)).or_insert(Need {
            rule,
            why,
            since: cx.now,
            by_completion,
        });
    }

    fn handled(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        w: WriterNo,
        event: WriterEvent,
        o: Outcome,
    ) {
        if event == WriterEvent::PostSnapshot {
            // R55: once OnPostSnapshot returned, no Abort may reach the writer; an Abort raised
            // while it was inside the handler is owed no more.
            self.needs.remove(&(s, w));
            for reach in self.reaches.entry(s).or_default() {
                reach.required.remove(&w);
            }
        }
        if !o.failed() {
            return;
        }
        match event {
            WriterEvent::PrepareForSnapshot | WriterEvent::PostSnapshot => {
                cx.cover(Situation::PrepareOrPostFailed);
            }
            WriterEvent::Freeze | WriterEvent::Thaw => {
                let veto_aborts = cx.model.policies.veto_at_freeze_thaw == VetoAtFreezeThaw::Abort;
                if (o.fatal() || veto_aborts) && cx.model.aborted(s, w).is_none() {
                    let how = if o.panicked {
                        "panicked"
                    } else if !o.ok {
                        "returned false"
                    } else {
                        "vetoed (veto_at_freeze_thaw = Abort)"
                    };
                    let why = format!(
                        "its {} {how} at {} ms (R50b)",
                        event.handler_name(),
                        cx.now.at_ms
                    );
                    self.need(cx, s, w, Rule::R50, why, true);
                }
            }
            _ => {}
        }
    }

    fn provider(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        name: &dyn std::fmt::Display,
        step: ProviderStep,
        hr: Hresult,
    ) {
        let pending = cx.model.dss_pending(s);
        match step {
            ProviderStep::BeginPrepareSnapshot => {}
            ProviderStep::AbortSnapshots => {
                cx.cover(Situation::ProviderAborted);
                if !pending {
                    cx.engine(
                        Rule::R92,
                        format!(
                            "{name}: AbortSnapshots for {s} at {} ms while no DoSnapshotSet of \
                             {s} was under way; VSS calls it only for a DoSnapshotSet that fails",
                            cx.now.at_ms
                        ),
                    );
                }
            }
            _ if hr.is_failure() && pending => {
                cx.cover(Situation::ProviderFailed);
                let why = format!(
                    "{name} failed {step:?} with {hr} at {} ms (R95)",
                    cx.now.at_ms
                );
                let abortable = cx
                    .model
                    .session(s)
                    .map(super::model::Session::abortable)
                    .unwrap_or_default();
                for writer in abortable {
                    if cx.model.aborted(s, writer).is_none() {
                        self.need(cx, s, writer, Rule::R95, why.clone(), true);
                    }
                }
            }
            _ => {}
        }
    }

    fn raised(&mut self, cx: &mut Cx<'_>, s: SessionNo, cause: AbortCause) {
        let model = cx.model;
        let policies = model.policies;
        let empty = super::model::Session::default();
        let session = model.session(s).unwrap_or(&empty);
        let eligible = |w: &WriterNo| {
            session.writers.get(w).is_some_and(|part| {
                part.excluded().is_none() && part.past_post_snapshot().is_none()
            })
        };
        let mut set = session.abortable();
        match cause {
            AbortCause::AbortBackup
                if policies.abort_backup_reach == AbortBackupReach::FromStartSnapshotSet
                    && session.set_started.is_some()
                    && session.writers_involved() =>
            {
                set.extend(
                    session
                        .writers
                        .iter()
                        .filter(|(_, part)| part.identify_ok)
                        .map(|(w, _)| *w)
                        .filter(eligible),
                );
            }
            AbortCause::WriterFailed { writer, .. } | AbortCause::FreezeTimeout { writer } => {
                // KB915331: a window a Thaw missed fires late, even after OnPostSnapshot, and
                // the writer's own timeout aborts it alone; VSS's operation goes on.
                let late_window = matches!(cause, AbortCause::FreezeTimeout { .. })
                    && model.thaw_missed_window(s, writer)
                    && session
                        .writers
                        .get(&writer)
                        .is_some_and(|part| part.excluded().is_none());
                if policies.writer_abort_scope == WriterAbortScope::FailingWriter || late_window {
                    set.clear();
                }
                if eligible(&writer) || late_window {
                    set.insert(writer);
                }
            }
            _ => {}
        }
        let already: BTreeSet<WriterNo> = session
            .writers
            .iter()
            .filter(|(_, part)| part.aborted.is_some() && part.past_post_snapshot().is_none())
            .map(|(w, _)| *w)
            .collect();
        let owed: BTreeSet<WriterNo> = self
            .reaches
            .get(&s)
            .into_iter()
            .flatten()
            .flat_map(|reach| reach.required.iter().copied())
            .collect();
        let required: BTreeSet<WriterNo> = set
            .iter()
            .copied()
            .filter(|w| !already.contains(w) && !owed.contains(w))
            .collect();
        let mut busy = BTreeSet::new();
        for w in &required {
            self.needs.remove(&(s, *w));
            if cx.model.open_handler(*w).is_some() {
                cx.cover(Situation::AbortWhileInHandler);
                busy.insert(*w);
            }
        }
        let allowed = set.union(&already).copied().collect();
        self.reaches.entry(s).or_default().push(Reach {
            cause,
            raised: cx.now,
            required,
            allowed,
            busy,
        });
    }

    fn abort_delivered(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo) {
        let model = cx.model;
        let name = model.writer(w);
        let at = cx.now.at_ms;
        let part = model.part_or_empty(s, w);
        // KB915331 (`Policies::freeze_timer_race`): a freeze window a Thaw missed fires late,
        // and the writer's own timeout calls OnAbort even after OnPostSnapshot (field failure 4).
        let late_window = model.thaw_missed_window(s, w);
        if let Some(post) = part.past_post_snapshot().filter(|_| !late_window) {
            cx.engine(
                Rule::R55,
                format!(
                    "{name} received Abort from {s} at {at} ms after its PostSnapshot was \
                     handled at {} ms",
                    post.at_ms
                ),
            );
            return;
        }
        if part.excluded().is_some() {
            return; // ordering.rs reports events after a drop (R7, R10, R47).
        }
        cx.cover(Situation::AbortDelivered);
        if part.aborted.is_some() {
            cx.cover(Situation::AbortRepeated);
        }
        self.needs.remove(&(s, w));
        let reaches = self.reaches.entry(s).or_default();
        if let Some(reach) = reaches.iter_mut().find(|r| r.allowed.contains(&w)) {
            reach.required.remove(&w);
            reach.allowed.remove(&w);
            return;
        }
        let last = reaches.last().map(|r| (r.cause, r.raised.at_ms));
        let context = match last {
            Some((cause, when)) => format!(
                "; the last AbortRaised ({}, at {when} ms) does not reach it under \
                 writer_abort_scope = {:?} / abort_backup_reach = {:?}",
                describe(cx, cause),
                model.policies.writer_abort_scope,
                model.policies.abort_backup_reach
            ),
            None => "; no AbortRaised was recorded for it".to_string(),
        };
        cx.engine(
            Rule::R50,
            format!("{name} received Abort from {s} at {at} ms without a cause{context}"),
        );
    }

    fn other_delivery(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, event: WriterEvent) {
        let name = cx.model.writer(w);
        let at = cx.now.at_ms;
        if let Some(aborted) = cx.model.aborted(s, w) {
            if event != WriterEvent::BackupShutdown
                && cx.model.part(s, w).is_some_and(|p| p.excluded().is_none())
            {
                cx.engine(
                    Rule::R55,
                    format!(
                        "{name} received {event} from {s} at {at} ms after its Abort at {} ms; \
                         an aborted writer gets no further events of the operation",
                        aborted.at_ms
                    ),
                );
            }
        }
        if let Some(need) = self.needs.remove(&(s, w)) {
            cx.engine(
                need.rule,
                format!(
                    "{name} received {event} from {s} at {at} ms without the Abort it was owed \
                     after {}",
                    need.why
                ),
            );
        }
        // An event of an operation called before the Abort was raised, for a writer then inside
        // a handler, was queued ahead of the Abort (SERIAL): it may come first.
        let sent_at = cx.model.session(s).and_then(|session| match event {
            WriterEvent::PrepareForBackup => session.pfb.called,
            WriterEvent::BackupComplete => session.backup_complete.called,
            WriterEvent::PrepareForSnapshot
            | WriterEvent::Freeze
            | WriterEvent::Thaw
            | WriterEvent::PostSnapshot => session.dss.called,
            _ => None,
        });
        let mut missed = Vec::new();
        for reach in self.reaches.entry(s).or_default() {
            let queued_ahead = reach.busy.contains(&w)
                && sent_at.is_some_and(|sent| sent.index < reach.raised.index);
            if !queued_ahead && reach.required.remove(&w) {
                missed.push((reach.cause, reach.raised));
            }
        }
        for (cause, raised) in missed {
            let cause = describe(cx, cause);
            cx.engine(
                Rule::R50,
                format!(
                    "AbortRaised by {s} at {} ms ({cause}) did not reach {name} before its \
                     {event} at {at} ms",
                    raised.at_ms
                ),
            );
        }
    }

    /// DoSnapshotSet completed: every Abort owed by then is overdue.
    fn expire_session(&mut self, cx: &mut Cx<'_>, s: SessionNo) {
        if cx.model.lost(s) {
            return; // the operation ended because the service went: nobody was told
        }
        // A writer inside a handler gets its Abort when the handler returns (a writer handles
        // one event at a time): owed still, but not overdue.
        let busy = |w: WriterNo| cx.model.open_handler(w).is_some();
        let overdue: Vec<_> = self
            .needs
            .iter()
            .filter(|((session, w), need)| *session == s && need.by_completion && !busy(*w))
            .map(|(key, _)| *key)
            .collect();
        for key in overdue {
            if let Some(need) = self.needs.remove(&key) {
                let message = format!(
                    "{s}'s DoSnapshotSet completed at {} ms but {} never received the Abort it \
                     was owed after {}",
                    cx.now.at_ms,
                    cx.model.writer(key.1),
                    need.why
                );
                cx.engine(need.rule, message);
            }
        }
        let mut missed = Vec::new();
        for reach in self.reaches.entry(s).or_default() {
            if matches!(reach.cause, AbortCause::Released) {
                continue;
            }
            let required = std::mem::take(&mut reach.required);
            for w in required {
                if busy(w) {
                    reach.required.insert(w);
                } else {
                    missed.push((reach.cause, reach.raised, w));
                }
            }
        }
        for (cause, raised, w) in missed {
            let message = format!(
                "AbortRaised by {s} at {} ms ({}) did not reach {} before DoSnapshotSet \
                 completed at {} ms",
                raised.at_ms,
                describe(cx, cause),
                cx.model.writer(w),
                cx.now.at_ms
            );
            cx.engine(Rule::R50, message);
        }
    }
}

/// A cause in words, with writer names.
fn describe(cx: &Cx<'_>, cause: AbortCause) -> String {
    match cause {
        AbortCause::WriterFailed { writer, event } => {
            format!("{} failed {event}", cx.model.writer(writer))
        }
        AbortCause::FreezeTimeout { writer } => {
            format!("freeze window of {} expired", cx.model.writer(writer))
        }
        AbortCause::CreationFailed { hr } => format!("creation failed with {hr}"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::{
        abort_after_prepare, all_writers_abort, freeze_timeout, provider_failure,
    };
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{AbortCause, ProviderStep, TraceEvent};
    use crate::vocab::Rule;
    use crate::vocab::{Call, Hresult, Policies, WriterEvent};

    fn abort_block(cause: AbortCause) -> Vec<TraceEvent> {
        let mut events = vec![
            TraceEvent::Called {
                session: S0,
                call: Call::AbortBackup,
                hr: Hresult::S_OK,
            },
            TraceEvent::AbortRaised { session: S0, cause },
        ];
        events.extend(ok_handler(S0, W0, WriterEvent::Abort, set_of(S0)));
        events
    }

    #[test]
    fn r55_abort_after_post_snapshot() {
        // R55: OnAbort is not called once OnPostSnapshot has run.
        let mut records = happy_path();
        let release = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::Release,
                    ..
                }
            )
        });
        insert(&mut records, release, abort_block(AbortCause::AbortBackup));
        let report = judge(records);
        assert_only(&report, Rule::R55, Party::Engine);
        assert!(report.violations()[0]
            .message
            .contains("after its PostSnapshot was handled"));
    }

    #[test]
    fn r55_thaw_after_abort() {
        // R55: no further events of the operation after Abort.
        let mut records = freeze_timeout();
        let post_commit = find(&records, |e| {
            matches!(
                e,
                TraceEvent::ProviderCalled {
                    step: ProviderStep::PostCommitSnapshots,
                    ..
                }
            )
        });
        insert(
            &mut records,
            post_commit + 1,
            ok_handler(S0, W0, WriterEvent::Thaw, set_of(S0)),
        );
        assert_only(&judge(records), Rule::R55, Party::Engine);
    }

    #[test]
    fn r50_abort_without_abort_raised() {
        let mut records = abort_after_prepare();
        let raised = find(&records, |e| matches!(e, TraceEvent::AbortRaised { .. }));
        records.remove(raised);
        assert_only(&judge(records), Rule::R50, Party::Engine);
    }

    #[test]
    fn r50_abort_beyond_the_failing_writer() {
        // Q3 default (FailingWriter): W0's Freeze failure must not abort W1.
        let mut records = all_writers_abort();
        records[0].event = TraceEvent::Policies(Policies::default());
        let report = judge(records);
        assert_only(&report, Rule::R50, Party::Engine);
        assert!(
            report.violations()[0].message.contains("writer#1"),
            "{report}"
        );
    }

    #[test]
    fn r50_abort_raised_but_not_delivered() {
        let mut records = abort_after_prepare();
        let abort = delivery(&records, W0, WriterEvent::Abort);
        records.drain(abort..abort + 2);
        let report = judge(records);
        assert_only(&report, Rule::R50, Party::Engine);
        assert!(
            report.violations()[0].message.contains("did not reach"),
            "{report}"
        );
    }

    #[test]
    fn r95_provider_failure_without_abort() {
        // R95: a provider failure after PrepareForSnapshot aborts the writers.
        let mut records = provider_failure();
        let raised = find(&records, |e| matches!(e, TraceEvent::AbortRaised { .. }));
        records.drain(raised..raised + 4); // AbortRaised, Delivered, Handled, StateChanged
        let report = judge(records);
        assert_only(&report, Rule::R95, Party::Engine);
    }

    #[test]
    fn r92_abort_snapshots_outside_do_snapshot_set() {
        let mut records = happy_path();
        let done = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::SetBackupSucceeded { .. },
                    ..
                }
            )
        });
        insert(
            &mut records,
            done,
            vec![TraceEvent::ProviderCalled {
                session: S0,
                provider: P0,
                step: ProviderStep::AbortSnapshots,
                hr: Hresult::S_OK,
                spent_ms: 0,
            }],
        );
        assert_only(&judge(records), Rule::R92, Party::Engine);
    }
}
