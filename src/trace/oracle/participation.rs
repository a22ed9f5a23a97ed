//! Who takes part (R7, R8, R10, R21, R26, R42, R47): Identify reaches every enabled writer,
//! PrepareForBackup every identified one, BackupComplete every writer still in the backup;
//! writers dropped for a failed Identify, a disabled class or nothing selected hear nothing more
//! from that session, and no writer hears anything of a no-writer context's operation.

use std::collections::BTreeSet;

use super::model::{Part, Stamp};
use super::tables::VecMap;
use super::{Cx, Party, Rules, Situation};
use crate::trace::{DropReason, SessionNo, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{AsyncKind, Hresult, WriterEvent};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[
    Rule::R7,
    Rule::R8,
    Rule::R10,
    Rule::R21,
    Rule::R26,
    Rule::R30,
    Rule::R42,
    Rule::R45,
    Rule::R47,
];

/// The participation rules.
#[derive(Debug, Default)]
pub(super) struct ParticipationRules {
    /// R10: failed Identify handlers waiting for their `WriterDropped`.
    identify_drops_due: VecMap<(SessionNo, WriterNo), Stamp>,
    /// R47: writers already reported as not dropped.
    r47_reported: BTreeSet<(SessionNo, WriterNo)>,
    /// A writer restarted: the backups under way that it was part of, waiting for their
    /// `WriterDropped` (right after the `WriterRestarted`).
    restart_drops_due: VecMap<(SessionNo, WriterNo), Stamp>,
}

/// The DoSnapshotSet events (R45).
fn is_snapshot_event(event: WriterEvent) -> bool {
    matches!(
        event,
        WriterEvent::PrepareForSnapshot
            | WriterEvent::Freeze
            | WriterEvent::Thaw
            | WriterEvent::PostSnapshot
    )
}

/// R10: `GetWriterMetadata` hands out only writers whose Identify succeeded for this session
/// and that were not left out since.
fn reported_metadata(cx: &mut Cx<'_>, session: SessionNo, writer: WriterNo) {
    let part = cx.model.part(session, writer);
    let identified = part.is_some_and(|p| p.identify_ok);
    let left_out = part.and_then(|p| {
        p.dropped.iter().copied().find(|(reason, _)| {
            matches!(
                reason,
                DropReason::IdentifyFailed | DropReason::ClassDisabled
            )
        })
    });
    if !identified || left_out.is_some() {
        let message = format!(
            "{session} was handed the metadata of {}, whose Identify did not succeed for it",
            cx.model.writer(writer)
        );
        cx.engine(Rule::R10, message);
    }
}

impl Rules for ParticipationRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        let restart_drop = matches!(
            event,
            TraceEvent::WriterDropped {
                reason: DropReason::Restarted,
                ..
            }
        );
        if !restart_drop && !self.restart_drops_due.is_empty() {
            self.missing_restart_drops(cx);
        }
        match event {
            TraceEvent::WriterRestarted { writer } => self.restarted(cx, *writer, false),
            TraceEvent::WriterStopped { writer } => self.restarted(cx, *writer, true),
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } => {
                let down = cx
                    .model
                    .writers
                    .get(writer)
                    .and_then(|info| info.down.last())
                    .is_some_and(|(_, started)| started.is_none());
                if down {
                    cx.engine(
                        Rule::R30,
                        format!(
                            "{} received {event} from {session} at {} ms while its process was \
                             down",
                            cx.model.writer(*writer),
                            cx.now.at_ms
                        ),
                    );
                }
                self.delivered(cx, *session, *writer, *event);
            }
            TraceEvent::Handled {
                session,
                writer,
                event: WriterEvent::Identify,
                ok,
                panicked,
                ..
            } if (!*ok || *panicked)
                && !cx.model.handler_abandoned(*writer)
                && cx
                    .model
                    .session(*session)
                    .is_some_and(|s| s.gone.is_none() && s.gwm.completed.is_none()) =>
            {
                // A gathering that ended (cancelled, released) before the writer's OnIdentify
                // returned drops nobody.
                self.identify_drops_due.insert((*session, *writer), cx.now);
            }
            TraceEvent::HandlerTimedOut {
                session,
                writer,
                event: WriterEvent::Identify,
            } => {
                self.identify_drops_due.insert((*session, *writer), cx.now);
            }
            TraceEvent::WriterDropped {
                session,
                writer,
                reason,
            } => self.dropped(cx, *session, *writer, *reason),
            TraceEvent::AsyncCompleted {
                session, kind, hr, ..
            } => self.completed(cx, *session, *kind, *hr),
            TraceEvent::MetadataReported { session, writer } => {
                reported_metadata(cx, *session, *writer);
            }
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        self.missing_restart_drops(cx);
        for ((session, writer), since) in std::mem::take(&mut self.identify_drops_due) {
            report_missing_identify_drop(cx, session, writer, since);
        }
        let model = cx.model;
        for (session, s) in &model.sessions {
            for (writer, part) in &s.writers {
                let Some(pfb) = part.got(WriterEvent::PrepareForBackup) else {
                    continue;
                };
                // The drop comes when OnPrepareBackup returns to its operation: one cancelled
                // (or released) before that has no rest to leave the writer out of.
                let returned_in_time = part
                    .handled
                    .get(&WriterEvent::PrepareForBackup)
                    .is_some_and(|o| {
                        s.pfb
                            .completed
                            .is_none_or(|(_, done)| done.index > o.stamp.index)
                    });
                if part.unselected == Some(true)
                    && returned_in_time
                    && !part.dropped_for(DropReason::NothingSelected)
                    && self.r47_reported.insert((*session, *writer))
                {
                    let message = format!(
                        "{} had none of its components selected in {session}'s component-mode \
                         backup but was never dropped after PrepareForBackup",
                        model.writer(*writer)
                    );
                    cx.report_at(pfb, Party::Engine, Rule::R47, message);
                }
            }
        }
    }
}

impl ParticipationRules {
    fn delivered(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, event: WriterEvent) {
        let model = cx.model;
        let name = model.writer(w);
        let at = cx.now.at_ms;
        let part = model.part_or_empty(s, w);
        if let Some((reason, dropped)) = part.excluded() {
            let rule = match reason {
                DropReason::IdentifyFailed => Rule::R10,
                DropReason::ClassDisabled => Rule::R7,
                _ => Rule::R47,
            };
            cx.engine(
                rule,
                format!(
                    "{name} received {event} from {s} at {at} ms although it was dropped \
                     ({reason:?}) at {} ms",
                    dropped.at_ms
                ),
            );
            return;
        }
        match event {
            WriterEvent::Identify => cx.cover(Situation::Identify),
            WriterEvent::BackupComplete => cx.cover(Situation::BackupComplete),
            _ => {}
        }
        self.raised_by_a_call(cx, s, &name, event);
        self.participates(cx, s, w, part, event);
    }

    /// R8, R21, R26: the event needs the requester call that raises it.
    fn raised_by_a_call(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        name: &dyn std::fmt::Display,
        event: WriterEvent,
    ) {
        let model = cx.model;
        let Some(session) = model.session(s) else {
            return;
        };
        let (rule, missing) = match event {
            WriterEvent::Identify => (Rule::R8, session.gwm.called.is_none()),
            WriterEvent::PrepareForBackup => (Rule::R21, session.pfb.called.is_none()),
            WriterEvent::BackupComplete => (Rule::R26, session.backup_complete.called.is_none()),
            _ => return,
        };
        if missing {
            let what = match rule {
                Rule::R8 => "GatherWriterMetadata was not called successfully",
                Rule::R21 => "PrepareForBackup was not called successfully",
                _ => "BackupComplete was not called successfully",
            };
            cx.engine(
                rule,
                format!(
                    "{name} received {event} from {s} at {} ms but {what}",
                    cx.now.at_ms
                ),
            );
        }
    }

    /// R21, R26, R45, R47: only writers in the operation receive its events.
    fn participates(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        w: WriterNo,
        part: &Part,
        event: WriterEvent,
    ) {
        let model = cx.model;
        let name = model.writer(w);
        let at = cx.now.at_ms;
        let rule = match event {
            WriterEvent::PrepareForBackup => Rule::R21,
            WriterEvent::BackupComplete => Rule::R26,
            e if is_snapshot_event(e) => Rule::R45,
            _ => return,
        };
        if model.session(s).is_some_and(|s| !s.writers_involved()) {
            cx.engine(
                Rule::R42,
                format!(
                    "{name} received {event} from {s} at {at} ms, but {s}'s context involves no \
                     writers"
                ),
            );
            return;
        }
        if !part.identify_ok {
            cx.engine(
                rule,
                format!("{name} received {event} from {s} at {at} ms but {s} never identified it"),
            );
            return;
        }
        let Some(session) = model.session(s) else {
            return;
        };
        if event == WriterEvent::PrepareForSnapshot
            && session.pfb.succeeded()
            && part.got(WriterEvent::PrepareForBackup).is_none()
        {
            cx.engine(
                Rule::R45,
                format!(
                    "{name} received PrepareForSnapshot from {s} at {at} ms but did not take \
                     part in its PrepareForBackup"
                ),
            );
        }
        // R47: a writer with nothing selected leaves after PrepareForBackup (or is left out of
        // a DoSnapshotSet without one).
        let should_be_out = match event {
            WriterEvent::Identify | WriterEvent::PrepareForBackup => false,
            WriterEvent::PrepareForSnapshot if part.unselected.is_none() => model
                .writers
                .get(&w)
                .is_some_and(|info| session.leaves_out(info)),
            _ => part.unselected == Some(true),
        };
        if should_be_out && self.r47_reported.insert((s, w)) {
            cx.engine(
                Rule::R47,
                format!(
                    "{name} received {event} from {s} at {at} ms although none of its \
                     components was selected (component mode): it should have been dropped"
                ),
            );
        }
    }

    fn dropped(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, reason: DropReason) {
        let model = cx.model;
        let name = model.writer(w);
        let part = model.part_or_empty(s, w);
        match reason {
            DropReason::IdentifyFailed => {
                cx.cover(Situation::IdentifyFailed);
                if self.identify_drops_due.remove(&(s, w)).is_none() {
                    cx.engine(
                        Rule::R10,
                        format!(
                            "{name} was dropped from {s} for a failed Identify, but its \
                             OnIdentify did not fail"
                        ),
                    );
                }
            }
            DropReason::ClassDisabled => {
                if let Some(identify) = part.got(WriterEvent::Identify) {
                    cx.engine(
                        Rule::R7,
                        format!(
                            "{name} was dropped from {s} as disabled after it received \
                             Identify at {} ms; disabled classes get no Identify",
                            identify.at_ms
                        ),
                    );
                }
            }
            DropReason::NothingSelected => {
                cx.cover(Situation::NothingSelected);
                let Some(session) = model.session(s) else {
                    return;
                };
                // Judged on the document PrepareForBackup (or PrepareForSnapshot) made visible
                // to it (R21): what the requester added while the handler ran comes too late.
                let judged = model.part(s, w).and_then(|part| part.unselected);
                let why_not = match model.writers.get(&w) {
                    _ if !session.writers_involved() => None,
                    _ if judged == Some(true) => None,
                    Some(info) if judged.is_none() && session.leaves_out(info) => None,
                    Some(_) if !session.backup_state.unwrap_or_default().select_components => {
                        Some("the backup is not in component mode")
                    }
                    Some(_) => Some("one of its components was selected"),
                    None => None,
                };
                if let Some(why_not) = why_not {
                    cx.engine(
                        Rule::R47,
                        format!(
                            "{name} was dropped from {s} as having nothing selected, but {why_not}"
                        ),
                    );
                }
            }
            DropReason::Aborted => {}
            DropReason::Restarted => {
                if self.restart_drops_due.remove(&(s, w)).is_none() {
                    cx.engine(
                        Rule::R30,
                        format!(
                            "{name} was dropped from {s} as restarted, but it was not restarted \
                             while that backup was under way"
                        ),
                    );
                }
            }
        }
    }

    /// `writer`'s service restarted: every backup under way that it was part of (it received
    /// one of the backup's events, and not BackupShutdown yet) must drop it; when its process
    /// died (`stopped`), every one that identified it.
    fn restarted(&mut self, cx: &Cx<'_>, writer: WriterNo, stopped: bool) {
        for (s, session) in &cx.model.sessions {
            let Some(part) = session.writers.get(&writer) else {
                continue;
            };
            let involved = part.not_responding.is_some()
                || stopped && part.identify_ok
                || part
                    .delivered
                    .iter()
                    .any(|(event, _)| event.belongs_to_an_operation());
            if session.gone.is_none()
                && involved
                && part.excluded().is_none()
                && part.got(WriterEvent::BackupShutdown).is_none()
            {
                self.restart_drops_due.insert((*s, writer), cx.now);
            }
        }
    }

    /// The drops a restart owed did not follow it.
    fn missing_restart_drops(&mut self, cx: &mut Cx<'_>) {
        for ((s, w), since) in std::mem::take(&mut self.restart_drops_due) {
            let message = format!(
                "{} restarted at {} ms while {s}'s backup was under way, but {s} did not drop \
                 it: the writer instance that backup knew is gone",
                cx.model.writer(w),
                since.at_ms
            );
            cx.report_at(since, Party::Engine, Rule::R30, message);
        }
    }

    fn completed(&mut self, cx: &mut Cx<'_>, s: SessionNo, kind: AsyncKind, hr: Hresult) {
        let due: Vec<_> = self
            .identify_drops_due
            .iter()
            .filter(|((session, _), _)| *session == s)
            .map(|(key, since)| (*key, *since))
            .collect();
        if kind == AsyncKind::GatherWriterMetadata {
            for (key, since) in due {
                self.identify_drops_due.remove(&key);
                report_missing_identify_drop(cx, key.0, key.1, since);
            }
        }
        if hr != Hresult::VSS_S_ASYNC_FINISHED {
            return;
        }
        let model = cx.model;
        let Some(session) = model.session(s) else {
            return;
        };
        let mut missing: Vec<(Rule, String)> = Vec::new();
        match kind {
            AsyncKind::GatherWriterMetadata => {
                let since = session.gwm.called.map_or(usize::MAX, |c| c.index);
                for (writer, info) in &model.writers {
                    let part = session.writers.get(writer);
                    let reached = part.is_some_and(|p| {
                        p.got(WriterEvent::Identify).is_some()
                            || p.dropped_for(DropReason::ClassDisabled)
                            || p.not_responding.is_some()
                    });
                    let down = session
                        .gwm
                        .called
                        .is_some_and(|called| info.down_between(called, cx.now));
                    if info.registered.index < since && !reached && !down {
                        missing.push((
                            Rule::R8,
                            format!("{} never received Identify", model.writer(*writer)),
                        ));
                    }
                }
            }
            AsyncKind::PrepareForBackup => {
                for (writer, part) in &session.writers {
                    let eligible = part.identify_ok
                        && !part.dropped_for(DropReason::IdentifyFailed)
                        && !part.dropped_for(DropReason::ClassDisabled)
                        && !part.dropped_for(DropReason::Restarted)
                        && part.aborted.is_none()
                        && part.not_responding.is_none();
                    if eligible && part.got(WriterEvent::PrepareForBackup).is_none() {
                        missing.push((
                            Rule::R21,
                            format!("{} never received PrepareForBackup", model.writer(*writer)),
                        ));
                    }
                }
            }
            AsyncKind::BackupComplete => {
                for (writer, part) in &session.writers {
                    if part.took_part()
                        && !part.out()
                        && part.got(WriterEvent::BackupComplete).is_none()
                    {
                        missing.push((
                            Rule::R26,
                            format!("{} never received BackupComplete", model.writer(*writer)),
                        ));
                    }
                }
            }
            AsyncKind::DoSnapshotSet
            | AsyncKind::GatherWriterStatus
            | AsyncKind::PreRestore
            | AsyncKind::PostRestore
            | AsyncKind::ImportSnapshots
            | AsyncKind::QueryRevertStatus => {}
        }
        for (rule, what) in missing {
            cx.engine(
                rule,
                format!("{s}'s {kind:?} finished at {} ms but {what}", cx.now.at_ms),
            );
        }
    }
}

fn report_missing_identify_drop(cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, since: Stamp) {
    let message = format!(
        "{}'s OnIdentify failed for {s} at {} ms but it was not dropped (R10: a writer whose \
         Identify fails is left out everywhere)",
        cx.model.writer(w),
        since.at_ms
    );
    cx.report_at(since, Party::Engine, Rule::R10, message);
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::three_writers;
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{DropReason, TraceEvent};
    use crate::vocab::Rule;
    use crate::vocab::{Call, Hresult, SnapshotSetId, WriterEvent};

    #[test]
    fn levels_and_nothing_selected_are_clean() {
        // R46, R47: a correct multi-writer backup.
        let report = judge(three_writers());
        report.assert_clean();
        assert!(report
            .coverage()
            .reached(super::super::Situation::FreezeLevels));
        assert!(report
            .coverage()
            .reached(super::super::Situation::NothingSelected));
    }

    #[test]
    fn r47_unselected_writer_gets_prepare_for_snapshot() {
        let mut records = three_writers();
        let drop = find(&records, |e| {
            matches!(
                e,
                TraceEvent::WriterDropped {
                    reason: DropReason::NothingSelected,
                    ..
                }
            )
        });
        records.remove(drop);
        let pfs = delivery(&records, W0, WriterEvent::PrepareForSnapshot);
        insert(
            &mut records,
            pfs,
            [
                ok_handler(S0, W2, WriterEvent::PrepareForSnapshot, set_of(S0)),
                vec![TraceEvent::StateChanged {
                    session: S0,
                    writer: W2,
                    state: crate::vocab::WriterState::VSS_WS_WAITING_FOR_FREEZE,
                    failure: Hresult::S_OK,
                }],
            ]
            .concat(),
        );
        let report = judge(records);
        // R47 once; W2 then misses Freeze etc., which R45 notices at completion.
        assert_eq!(
            report
                .violations()
                .iter()
                .filter(|v| v.rule == Rule::R47)
                .count(),
            1,
            "{report}"
        );
    }

    #[test]
    fn r47_wrong_drop() {
        let mut records = happy_path();
        let pfb_done = find(&records, |e| {
            matches!(
                e,
                TraceEvent::AsyncCompleted {
                    kind: crate::vocab::AsyncKind::PrepareForBackup,
                    ..
                }
            )
        });
        insert(
            &mut records,
            pfb_done,
            vec![TraceEvent::WriterDropped {
                session: S0,
                writer: W0,
                reason: DropReason::NothingSelected,
            }],
        );
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R47), "{report}");
        assert!(report.violations().iter().all(|v| v.party == Party::Engine));
    }

    #[test]
    fn r10_failed_identify_is_dropped_and_hears_nothing_more() {
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        b.session(S0).ok(S0, Call::InitializeForBackup);
        b.start(
            S0,
            Call::GatherWriterMetadata,
            crate::vocab::AsyncKind::GatherWriterMetadata,
        );
        b.handle(S0, W0, WriterEvent::Identify, SnapshotSetId::NULL, H::False)
            .push(TraceEvent::WriterDropped {
                session: S0,
                writer: W0,
                reason: DropReason::IdentifyFailed,
            })
            .complete(
                S0,
                crate::vocab::AsyncKind::GatherWriterMetadata,
                Hresult::VSS_S_ASYNC_FINISHED,
            );
        let clean = b.build();
        let report = judge(clean.clone());
        report.assert_clean();
        assert!(report
            .coverage()
            .reached(super::super::Situation::IdentifyFailed));

        // Missing drop.
        let mut records = clean.clone();
        let drop = find(&records, |e| matches!(e, TraceEvent::WriterDropped { .. }));
        records.remove(drop);
        assert_only(&judge(records), Rule::R10, Party::Engine);

        // An event after the drop.
        let mut records = clean;
        let end = records.len();
        insert(
            &mut records,
            end,
            vec![TraceEvent::Delivered {
                session: S0,
                writer: W0,
                event: WriterEvent::Identify,
                set: SnapshotSetId::NULL,
            }],
        );
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R10), "{report}");
    }

    #[test]
    fn r42_no_writer_context() {
        // R42: VSS_CTX_FILE_SHARE_BACKUP sends no writer events; the engine may drop writers.
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        b.session(S0)
            .ok(S0, Call::InitializeForBackup)
            .ok(S0, Call::SetContext { context: 0x10 })
            .start(
                S0,
                Call::GatherWriterMetadata,
                crate::vocab::AsyncKind::GatherWriterMetadata,
            )
            .handle(S0, W0, WriterEvent::Identify, SnapshotSetId::NULL, H::Ok)
            .complete(
                S0,
                crate::vocab::AsyncKind::GatherWriterMetadata,
                Hresult::VSS_S_ASYNC_FINISHED,
            )
            .start(
                S0,
                Call::DoSnapshotSet,
                crate::vocab::AsyncKind::DoSnapshotSet,
            )
            .push(TraceEvent::WriterDropped {
                session: S0,
                writer: W0,
                reason: DropReason::NothingSelected,
            });
        let clean = b.build();
        judge(clean.clone()).assert_clean();
        let mut records = clean;
        let drop = find(&records, |e| matches!(e, TraceEvent::WriterDropped { .. }));
        records[drop].event = TraceEvent::Delivered {
            session: S0,
            writer: W0,
            event: WriterEvent::PrepareForSnapshot,
            set: SnapshotSetId::NULL,
        };
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R42), "{report}");
    }

    #[test]
    fn r8_and_r21_every_identified_writer_is_reached() {
        let mut records = happy_path();
        let identify = delivery(&records, W0, WriterEvent::Identify);
        records.drain(identify..identify + 2);
        let report = judge(records);
        // W0 was never identified: R8, and every later event is out of place (R21, R45...).
        assert!(report.rules_broken().contains(&Rule::R8), "{report}");

        let mut records = happy_path();
        let pfb = delivery(&records, W0, WriterEvent::PrepareForBackup);
        records.drain(pfb..pfb + 2);
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R21), "{report}");
    }
}
