//! Event order: R43 (each writer's backup sequence), R45 (the DoSnapshotSet pipeline, writers
//! and providers, forward only and complete), R46 (Freeze by application level), R19 (the volume
//! list is fixed once DoSnapshotSet is called). Who receives events at all is `participation.rs`.

use super::model::Stamp;
use super::tables::{VecMap, VecSet};
use super::{Cx, Rules};
use crate::trace::{Actor, ProviderNo, ProviderStep, SessionNo, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{AsyncKind, Hresult, WriterEvent};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R19, Rule::R43, Rule::R45, Rule::R46];

/// The ordering rules.
#[derive(Debug, Default)]
pub(super) struct OrderRules {
    /// R45: the furthest pipeline step each session reached, when, and what it was.
    phases: VecMap<SessionNo, (u8, Stamp, Reached)>,
    /// R46: the highest freeze rank each session froze so far, and who.
    freeze_max: VecMap<SessionNo, (u8, WriterNo, Stamp)>,
    freeze_ranks: VecMap<SessionNo, VecSet<u8>>,
    /// Providers holding a volume of each session's set.
    volumes: VecMap<SessionNo, VecSet<ProviderNo>>,
    steps: VecMap<(SessionNo, ProviderNo, ProviderStep), Stamp>,
    /// Provider steps that take time, judged when they start (their `ProviderCalled` comes
    /// when they return, maybe after the operation ended).
    started: VecSet<(SessionNo, ProviderNo, ProviderStep)>,
}

/// R43: position of an operation event in a writer's backup sequence.
fn rank(event: WriterEvent) -> Option<u8> {
    Some(match event {
        WriterEvent::PrepareForBackup => 0,
        WriterEvent::PrepareForSnapshot => 1,
        WriterEvent::Freeze => 2,
        WriterEvent::Thaw => 3,
        WriterEvent::PostSnapshot => 4,
        WriterEvent::BackupComplete => 5,
        WriterEvent::BackupShutdown => 6,
        WriterEvent::PreRestore => 10,
        WriterEvent::PostRestore => 11,
        WriterEvent::Identify | WriterEvent::Abort => return None,
    })
}

/// R45: pipeline position of a writer event.
fn event_phase(event: WriterEvent) -> Option<u8> {
    Some(match event {
        WriterEvent::PrepareForSnapshot => 1,
        WriterEvent::Freeze => 3,
        WriterEvent::Thaw => 7,
        WriterEvent::PostSnapshot => 9,
        _ => return None,
    })
}

/// R45: pipeline position of a provider step.
fn step_phase(step: ProviderStep) -> Option<u8> {
    Some(match step {
        ProviderStep::EndPrepareSnapshots => 2,
        ProviderStep::PreCommitSnapshots => 4,
        ProviderStep::CommitSnapshots => 5,
        ProviderStep::PostCommitSnapshots => 6,
        ProviderStep::PreFinalCommitSnapshots => 8,
        ProviderStep::PostFinalCommitSnapshots => 10,
        ProviderStep::BeginPrepareSnapshot | ProviderStep::AbortSnapshots => return None,
    })
}

/// R45: the provider steps every provider of a set receives in a successful DoSnapshotSet.
const PIPELINE_STEPS: [ProviderStep; 6] = [
    ProviderStep::EndPrepareSnapshots,
    ProviderStep::PreCommitSnapshots,
    ProviderStep::CommitSnapshots,
    ProviderStep::PostCommitSnapshots,
    ProviderStep::PreFinalCommitSnapshots,
    ProviderStep::PostFinalCommitSnapshots,
];

impl Rules for OrderRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } => self.delivered(cx, *session, *writer, *event),
            TraceEvent::ProviderCalled {
                session,
                provider,
                step,
                hr,
                ..
            } if !self.started.remove(&(*session, *provider, *step)) => {
                self.provider_step(cx, *session, *provider, *step, *hr);
            }
            TraceEvent::Busy {
                actor:
                    Actor::Provider {
                        session,
                        provider,
                        step,
                    },
                ..
            }
            | TraceEvent::WaitStarted {
                actor:
                    Actor::Provider {
                        session,
                        provider,
                        step,
                    },
                ..
            } if *step != ProviderStep::BeginPrepareSnapshot
                && self.started.insert((*session, *provider, *step)) =>
            {
                self.provider_step(cx, *session, *provider, *step, Hresult::S_OK);
            }
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::DoSnapshotSet,
                hr,
                ..
            } if *hr == Hresult::VSS_S_ASYNC_FINISHED => self.finished(cx, *session),
            _ => {}
        }
    }
}

impl OrderRules {
    fn delivered(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, event: WriterEvent) {
        let model = cx.model;
        let name = model.writer(w);
        let at = cx.now.at_ms;
        let part = model.part_or_empty(s, w);
        if part.excluded().is_some() {
            return; // participation.rs: a dropped writer hears nothing more (R7, R10, R47).
        }
        if event_phase(event).is_some() && !model.dss_pending(s) {
            cx.engine(
                Rule::R45,
                format!("{name} received {event} from {s} at {at} ms but no DoSnapshotSet was under way"),
            );
        }
        if let Some(r) = rank(event) {
            if let Some((earlier, when)) = part
                .delivered
                .iter()
                .filter(|(e, _)| rank(**e).is_some_and(|x| x >= r && (x >= 10) == (r >= 10)))
                .max_by_key(|(_, when)| when.index)
            {
                let what = if *earlier == event {
                    "a second time".to_string()
                } else {
                    format!("after {earlier}")
                };
                cx.engine(
                    Rule::R43,
                    format!(
                        "{name} received {event} from {s} at {at} ms {what} (at {} ms); the \
                         backup sequence is PrepareForBackup, PrepareForSnapshot, Freeze, Thaw, \
                         PostSnapshot, BackupComplete, BackupShutdown, each at most once",
                        when.at_ms
                    ),
                );
                return;
            }
        }
        let before = match event {
            WriterEvent::Freeze => Some(WriterEvent::PrepareForSnapshot),
            WriterEvent::Thaw => Some(WriterEvent::Freeze),
            WriterEvent::PostSnapshot => Some(WriterEvent::Thaw),
            _ => None,
        };
        if let Some(before) = before {
            if part.got(before).is_none() {
                cx.engine(
                    Rule::R45,
                    format!("{name} received {event} from {s} at {at} ms without {before} first"),
                );
            }
        }
        if let Some(phase) = event_phase(event) {
            self.advance(cx, s, phase, Reached::Writer(event, w));
        }
        if event == WriterEvent::Freeze {
            self.freeze_order(cx, s, w);
        }
    }

    /// R45: the session's pipeline only moves forward.
    fn advance(&mut self, cx: &mut Cx<'_>, s: SessionNo, phase: u8, what: Reached) {
        match self.phases.get(&s) {
            Some((reached, when, last)) if phase < *reached => {
                let (what, last) = (what.describe(cx), last.describe(cx));
                cx.engine(
                    Rule::R45,
                    format!(
                        "{s}: {what} at {} ms after {last} at {} ms; DoSnapshotSet runs \
                         PrepareForSnapshot, EndPrepareSnapshots, Freeze, PreCommitSnapshots, \
                         CommitSnapshots, PostCommitSnapshots, Thaw, PreFinalCommitSnapshots, \
                         PostSnapshot, PostFinalCommitSnapshots in that order",
                        cx.now.at_ms, when.at_ms
                    ),
                );
            }
            _ => {
                self.phases.insert(s, (phase, cx.now, what));
            }
        }
    }

    /// R46: Freeze goes to front-end, then back-end, then system writers.
    fn freeze_order(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo) {
        let Some(info) = cx.model.writers.get(&w) else {
            return;
        };
        let rank = info.level.freeze_rank();
        let ranks = self.freeze_ranks.entry(s).or_default();
        ranks.insert(rank);
        if ranks.len() > 1 {
            cx.cover(super::Situation::FreezeLevels);
        }
        match self.freeze_max.get(&s) {
            Some((max, other, when)) if rank < *max => {
                let other_level = cx.model.writers.get(other).map(|i| i.level);
                cx.engine(
                    Rule::R46,
                    format!(
                        "{} ({:?}) was frozen at {} ms after {} ({other_level:?}) at {} ms; \
                         Freeze goes to front-end, then back-end, then system writers",
                        cx.model.writer(w),
                        info.level,
                        cx.now.at_ms,
                        cx.model.writer(*other),
                        when.at_ms
                    ),
                );
            }
            _ => {
                self.freeze_max.insert(s, (rank, w, cx.now));
            }
        }
    }

    fn provider_step(
        &mut self,
        cx: &mut Cx<'_>,
        s: SessionNo,
        p: ProviderNo,
        step: ProviderStep,
        hr: Hresult,
    ) {
        let name = cx.model.provider(p);
        let dss = cx.model.session(s).map(|s| s.dss).unwrap_or_default();
        if step == ProviderStep::BeginPrepareSnapshot {
            if let Some(called) = dss.called {
                cx.engine(
                    Rule::R19,
                    format!(
                        "{name}: BeginPrepareSnapshot for {s} at {} ms after DoSnapshotSet was \
                         called at {} ms; the volume list is fixed by then",
                        cx.now.at_ms, called.at_ms
                    ),
                );
            }
            if hr.is_success() {
                self.volumes.entry(s).or_default().insert(p);
            }
            return;
        }
        let Some(phase) = step_phase(step) else {
            return; // AbortSnapshots: abort.rs (R92).
        };
        if !dss.pending() {
            cx.engine(
                Rule::R45,
                format!(
                    "{name}: {step:?} for {s} at {} ms while no DoSnapshotSet was under way",
                    cx.now.at_ms
                ),
            );
            return;
        }
        if !self.volumes.get(&s).is_some_and(|v| v.contains(&p)) {
            cx.engine(
                Rule::R45,
                format!(
                    "{name}: {step:?} for {s} at {} ms, but it holds no volume of the set",
                    cx.now.at_ms
                ),
            );
        }
        if let Some(first) = self.steps.get(&(s, p, step)) {
            cx.engine(
                Rule::R45,
                format!(
                    "{name}: {step:?} for {s} at {} ms a second time (first at {} ms)",
                    cx.now.at_ms, first.at_ms
                ),
            );
            return;
        }
        self.steps.insert((s, p, step), cx.now);
        self.advance(cx, s, phase, Reached::Provider(step, p));
    }

    /// R45: a successful DoSnapshotSet ran the whole pipeline for every writer still in it and
    /// every provider of the set.
    fn finished(&mut self, cx: &mut Cx<'_>, s: SessionNo) {
        let model = cx.model;
        let Some(session) = model.session(s) else {
            return;
        };
        let mut missing = Vec::new();
        for (writer, part) in &session.writers {
            if !part.took_part() || part.out() {
                continue;
            }
            let absent: Vec<_> = [
                WriterEvent::PrepareForSnapshot,
                WriterEvent::Freeze,
                WriterEvent::Thaw,
                WriterEvent::PostSnapshot,
            ]
            .into_iter()
            .filter(|e| part.got(*e).is_none())
            .map(|e| e.to_string())
            .collect();
            if !absent.is_empty() {
                missing.push(format!(
                    "{} never received {}",
                    model.writer(*writer),
                    absent.join(", ")
                ));
            }
        }
        for p in self.volumes.get(&s).into_iter().flatten() {
            let absent: Vec<_> = PIPELINE_STEPS
                .into_iter()
                .filter(|step| !self.steps.contains_key(&(s, *p, *step)))
                .map(|step| format!("{step:?}"))
                .collect();
            if !absent.is_empty() {
                missing.push(format!(
                    "{} was never called {}",
                    model.provider(*p),
                    absent.join(", ")
                ));
            }
        }
        for what in missing {
            cx.engine(
                Rule::R45,
                format!(
                    "{s}'s DoSnapshotSet finished at {} ms but {what}",
                    cx.now.at_ms
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::scenarios::three_writers;
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{ProviderStep, TraceEvent};
    use crate::vocab::Rule;
    use crate::vocab::{Hresult, WriterEvent};

    #[test]
    fn r43_backup_complete_twice() {
        let mut records = happy_path();
        let at = delivery(&records, W0, WriterEvent::BackupComplete);
        let copy = records[at..at + 2].to_vec();
        records.splice(at + 3..at + 3, copy); // after Delivered, Handled, StateChanged
        assert_only(&judge(records), Rule::R43, Party::Engine);
    }

    #[test]
    fn r45_end_prepare_after_freeze() {
        // R45: EndPrepareSnapshots must come before Freeze.
        let mut records = happy_path();
        let end = find(&records, |e| {
            matches!(
                e,
                TraceEvent::ProviderCalled {
                    step: ProviderStep::EndPrepareSnapshots,
                    ..
                }
            )
        });
        let mut record = records.remove(end);
        let freeze = delivery(&records, W0, WriterEvent::Freeze);
        record.at_ms = records[freeze].at_ms;
        records.insert(freeze + 3, record);
        assert_only(&judge(records), Rule::R45, Party::Engine);
    }

    #[test]
    fn r45_thaw_missing() {
        // R45: a participating writer that was not aborted must be thawed.
        let mut records = happy_path();
        let thaw = delivery(&records, W0, WriterEvent::Thaw);
        records.drain(thaw..thaw + 3); // Delivered, Handled, StateChanged
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R45), "{report}");
        assert!(report
            .engine_violations()
            .iter()
            .any(|v| v.message.contains("Thaw")));
    }

    #[test]
    fn r46_system_writer_frozen_before_front_end() {
        let mut records = three_writers();
        let front = delivery(&records, W0, WriterEvent::Freeze);
        let back = delivery(&records, W1, WriterEvent::Freeze);
        // Move W1's Freeze block (Delivered, Handled, StateChanged, TimerSet) before W0's.
        let block: Vec<_> = records.drain(back..back + 4).collect();
        records.splice(front..front, block);
        assert_only(&judge(records), Rule::R46, Party::Engine);
    }

    #[test]
    fn r19_volume_added_after_do_snapshot_set() {
        let mut records = happy_path();
        let pfs = delivery(&records, W0, WriterEvent::PrepareForSnapshot);
        insert(
            &mut records,
            pfs,
            vec![TraceEvent::ProviderCalled {
                session: S0,
                provider: P0,
                step: ProviderStep::BeginPrepareSnapshot,
                hr: Hresult::S_OK,
                spent_ms: 0,
            }],
        );
        assert_only(&judge(records), Rule::R19, Party::Engine);
    }
}

/// The step of a DoSnapshotSet pipeline last seen, kept as data and described only in messages.
#[derive(Clone, Copy, Debug)]
enum Reached {
    Writer(WriterEvent, WriterNo),
    Provider(ProviderStep, ProviderNo),
}

impl Reached {
    fn describe(self, cx: &Cx<'_>) -> String {
        match self {
            Self::Writer(event, writer) => format!("{event} to {}", cx.model.writer(writer)),
            Self::Provider(step, provider) => {
                format!("{step:?} on {}", cx.model.provider(provider))
            }
        }
    }
}
