//! Structure checks (pseudo-rule `TRACE`): records the engine should never write, whatever the
//! protocol says: no `Policies` first, time running backwards, unregistered numbers, handlers
//! that return without being called, async operations that end twice.

use super::tables::VecSet;
use super::{Cx, Rules};
use crate::trace::{AbortCause, ProviderNo, SessionNo, Timer, TraceEvent, WriterNo};
use crate::vocab::Hresult;
use crate::vocab::Rule;

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R36, Rule::Trace, Rule::Serial];

const RULE: Rule = Rule::Trace;

/// The structure checks.
#[derive(Debug, Default)]
pub(super) struct StructureRules {
    last_at_ms: u64,
    reported_writers: VecSet<WriterNo>,
    reported_sessions: VecSet<SessionNo>,
    reported_providers: VecSet<ProviderNo>,
    completed_ops: VecSet<crate::vocab::OpNo>,
}

impl Rules for StructureRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        let now = cx.now;
        if now.index == 0 && !matches!(event, TraceEvent::Policies(_)) {
            cx.engine(
                RULE,
                "the first record is not Policies; judging by the default policies".into(),
            );
        }
        if now.at_ms < self.last_at_ms {
            cx.engine(
                RULE,
                format!(
                    "virtual time runs backwards: {} ms after {} ms",
                    now.at_ms, self.last_at_ms
                ),
            );
        }
        self.last_at_ms = self.last_at_ms.max(now.at_ms);
        self.registration(cx, event);
        self.mentions(cx, event);
        self.handlers(cx, event);
        self.operations(cx, event);
    }

    /// A handler still open when the trace ends is still running (a handler may take any
    /// time, or hang): the termination family judges hangs, at the bound that cut a wait.
    fn finish(&mut self, _cx: &mut Cx<'_>) {}
}

impl StructureRules {
    fn registration(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        let duplicate = match event {
            TraceEvent::Policies(_) if cx.now.index > 0 => Some(if cx.model.policies_seen {
                "a second Policies record (the first one stays in force)".to_string()
            } else {
                "the Policies record is not the first record".to_string()
            }),
            TraceEvent::WriterRegistered { writer, .. }
                if cx.model.writers.contains_key(writer) =>
            {
                Some(format!("{writer} registered twice"))
            }
            TraceEvent::ProviderRegistered { provider, .. }
                if cx.model.providers.contains_key(provider) =>
            {
                Some(format!("{provider} registered twice"))
            }
            TraceEvent::SessionCreated { session }
                if cx
                    .model
                    .session(*session)
                    .is_some_and(|s| s.created.is_some()) =>
            {
                Some(format!("{session} created twice"))
            }
            _ => None,
        };
        if let Some(message) = duplicate {
            cx.engine(RULE, message);
        }
    }

    fn mentions(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        let (session, writers, provider) = mentioned(event);
        if let Some(session) = session {
            let known = cx
                .model
                .session(session)
                .is_some_and(|s| s.created.is_some());
            if !known && self.reported_sessions.insert(session) {
                cx.engine(RULE, format!("{session} is used before SessionCreated"));
            }
        }
        for writer in writers.into_iter().flatten() {
            if !cx.model.writers.contains_key(&writer) && self.reported_writers.insert(writer) {
                cx.engine(RULE, format!("{writer} is used but was never registered"));
            }
        }
        if let Some(provider) = provider {
            if !cx.model.providers.contains_key(&provider)
                && self.reported_providers.insert(provider)
            {
                cx.engine(RULE, format!("{provider} is used but was never registered"));
            }
        }
    }

    /// A writer handles one event at a time: nothing is delivered to a writer inside a handler,
    /// and results and queries belong to the handler that is open.
    fn handlers(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } => {
                if let Some(open) = cx.model.open_handler(*writer) {
                    cx.engine(
                        Rule::Serial,
                        format!(
                            "{event} delivered to {} by {session} while it had not returned \
                             from {} (delivered by {} at {} ms): a writer handles one event at \
                             a time",
                            cx.model.writer(*writer),
                            open.event.handler_name(),
                            open.session,
                            open.stamp.at_ms
                        ),
                    );
                }
            }
            TraceEvent::Handled {
                session,
                writer,
                event,
                ..
            }
            | TraceEvent::Queried {
                session,
                writer,
                during: event,
                ..
            } => {
                let matches = cx
                    .model
                    .open_handler(*writer)
                    .is_some_and(|open| open.session == *session && open.event == *event);
                if !matches {
                    cx.engine(
                        RULE,
                        format!(
                            "a handler result or query for {} in {} of {session}, but that \
                             event is not being handled",
                            cx.model.writer(*writer),
                            event.handler_name()
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    fn operations(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::AsyncStarted { op, .. } if cx.model.ops.contains_key(op) => {
                cx.engine(RULE, format!("{op} started twice"));
            }
            TraceEvent::AsyncCompleted {
                session,
                op,
                kind,
                hr,
            } => {
                if cx.model.ops.get(op) != Some(&(*session, *kind)) {
                    cx.engine(
                        RULE,
                        format!("{op} ({kind:?} of {session}) completed but never started"),
                    );
                } else if !self.completed_ops.insert(*op) {
                    cx.engine(
                        RULE,
                        format!("{op} ({kind:?} of {session}) completed twice"),
                    );
                }
                // R36: the final status of an operation.
                let final_status = *hr == Hresult::VSS_S_ASYNC_FINISHED
                    || *hr == Hresult::VSS_S_ASYNC_CANCELLED
                    || hr.is_failure();
                if !final_status {
                    cx.engine(
                        Rule::R36,
                        format!(
                            "{op} ({kind:?} of {session}) completed with {hr}, which is not \
                             VSS_S_ASYNC_FINISHED, VSS_S_ASYNC_CANCELLED or an error"
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// The session, writers and provider a record names.
fn mentioned(event: &TraceEvent) -> (Option<SessionNo>, [Option<WriterNo>; 2], Option<ProviderNo>) {
    match event {
        TraceEvent::Called { session, .. }
        | TraceEvent::AsyncStarted { session, .. }
        | TraceEvent::AsyncCompleted { session, .. }
        | TraceEvent::SetCreationStarted { session, .. }
        | TraceEvent::SetCreationEnded { session, .. }
        | TraceEvent::SnapshotsDeleted { session, .. } => (Some(*session), [None, None], None),
        TraceEvent::WriterDropped {
            session, writer, ..
        }
        | TraceEvent::Delivered {
            session, writer, ..
        }
        | TraceEvent::Handled {
            session, writer, ..
        }
        | TraceEvent::StateChanged {
            session, writer, ..
        }
        | TraceEvent::Queried {
            session, writer, ..
        }
        | TraceEvent::StatusReported {
            session, writer, ..
        }
        | TraceEvent::MetadataReported { session, writer } => {
            (Some(*session), [Some(*writer), None], None)
        }
        TraceEvent::AbortRaised { session, cause } => {
            let writer = match cause {
                AbortCause::WriterFailed { writer, .. } | AbortCause::FreezeTimeout { writer } => {
                    Some(*writer)
                }
                _ => None,
            };
            (Some(*session), [writer, None], None)
        }
        TraceEvent::TimerSet { timer, .. }
        | TraceEvent::TimerStopped { timer }
        | TraceEvent::TimerFired { timer } => match timer {
            Timer::FreezeWindow { session, writer } => {
                (Some(*session), [Some(*writer), None], None)
            }
            Timer::HoldWrites { session } => (Some(*session), [None, None], None),
        },
        TraceEvent::ProviderCalled {
            session, provider, ..
        } => (Some(*session), [None, None], Some(*provider)),
        _ => (None, [None, None], None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{TraceEvent, TraceRecord, WriterNo};
    use crate::vocab::Rule;
    use crate::vocab::{Hresult, SnapshotSetId, WriterEvent};

    #[test]
    fn missing_policies_is_reported() {
        let mut records = happy_path();
        records.remove(0);
        assert_only(&judge(records), Rule::Trace, Party::Engine);
    }

    #[test]
    fn unregistered_writer_is_reported_once() {
        let mut records = happy_path();
        let at = records.len();
        insert(
            &mut records,
            at,
            ok_handler(S0, WriterNo(42), WriterEvent::Identify, SnapshotSetId::NULL),
        );
        let report = judge(records);
        let trace: Vec<_> = report
            .violations()
            .iter()
            .filter(|v| v.rule == Rule::Trace)
            .collect();
        assert_eq!(trace.len(), 1, "{report}");
        assert!(trace[0].message.contains("writer#42"), "{report}");
    }

    #[test]
    fn handled_without_delivery_and_backwards_time() {
        let mut records = happy_path();
        let at = delivery(&records, W0, WriterEvent::Thaw);
        records.remove(at); // Handled Thaw now has no delivery
        let last = records.len() - 1;
        records[last].at_ms = 0; // time runs backwards
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::Trace), "{report}");
        assert!(report.violations().len() >= 2, "{report}");
    }

    #[test]
    fn an_event_delivered_inside_another_handler_breaks_serial() {
        // W0's Thaw delivered before its OnFreeze returned: a writer handles one event at a
        // time.
        let mut records = happy_path();
        let handled = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Handled {
                    writer: W0,
                    event: WriterEvent::Freeze,
                    ..
                }
            )
        });
        let thaw = delivery(&records, W0, WriterEvent::Thaw);
        let moved = records.remove(thaw);
        records.insert(handled, moved);
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::Serial), "{report}");
    }

    #[test]
    fn async_completed_with_pending_status_breaks_r36() {
        let mut records = happy_path();
        let at = find(&records, |e| matches!(e, TraceEvent::AsyncCompleted { .. }));
        if let TraceEvent::AsyncCompleted { hr, .. } = &mut records[at].event {
            *hr = Hresult::VSS_S_ASYNC_PENDING;
        }
        assert_only(&judge(records), Rule::R36, Party::Engine);
    }

    #[test]
    fn garbage_never_panics() {
        use crate::trace::{AbortCause, SessionNo, Timer};
        use crate::vocab::OpNo;
        let garbage = vec![
            TraceEvent::TimerFired {
                timer: Timer::FreezeWindow {
                    session: SessionNo(7),
                    writer: WriterNo(9),
                },
            },
            TraceEvent::Handled {
                session: SessionNo(3),
                writer: WriterNo(1),
                event: WriterEvent::Freeze,
                ok: false,
                failure: Some(Hresult(0x1234)),
                spent_ms: u64::MAX,
                panicked: true,
            },
            TraceEvent::AbortRaised {
                session: SessionNo(u32::MAX),
                cause: AbortCause::FreezeTimeout {
                    writer: WriterNo(u32::MAX),
                },
            },
            TraceEvent::AsyncCompleted {
                session: SessionNo(0),
                op: OpNo(5),
                kind: crate::vocab::AsyncKind::DoSnapshotSet,
                hr: Hresult::S_OK,
            },
            TraceEvent::Delivered {
                session: SessionNo(0),
                writer: WriterNo(0),
                event: WriterEvent::Thaw,
                set: SnapshotSetId::NULL,
            },
            TraceEvent::StatusReported {
                session: SessionNo(0),
                writer: WriterNo(0),
                state: crate::vocab::WriterState::VSS_WS_FAILED_AT_THAW,
                failure: Hresult::S_OK,
            },
            TraceEvent::TimerStopped {
                timer: Timer::HoldWrites {
                    session: SessionNo(0),
                },
            },
        ];
        let mut records: Vec<TraceRecord> = garbage
            .into_iter()
            .enumerate()
            .map(|(i, event)| TraceRecord {
                at_ms: u64::MAX - i as u64,
                event,
            })
            .collect();
        let report = judge(records.clone());
        assert!(!report.is_clean());
        // Every suffix and prefix of a real trace, shuffled by reversal, must not panic either.
        let mut real = happy_path();
        real.reverse();
        records.extend(real);
        let _ = judge(records);
        let real = happy_path();
        for cut in 0..real.len() {
            let _ = judge(real[cut..].to_vec());
            let _ = judge(real[..cut].to_vec());
        }
    }
}
