//! Release and BackupShutdown (R32, R57): VSS sends BackupShutdown when a requester object that
//! took part in a backup goes away, exactly once per writer of that backup, with the set id if
//! the shadow copy was created and `GUID_NULL` otherwise; a released object hears and does
//! nothing more.

use super::model::Stamp;
use super::tables::{VecMap, VecSet};
use super::{Cx, Party, Rules, Situation};
use crate::trace::{SessionNo, TraceEvent, WriterNo};
use crate::vocab::Rule;
use crate::vocab::{
    Call, Hresult, ShutdownFor, ShutdownSetIdAfterCrash, SnapshotSetId, WriterEvent,
};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R32, Rule::R57];

/// The release and shutdown rules.
#[derive(Debug, Default)]
pub(super) struct ShutdownRules {
    released: VecMap<SessionNo, Owed>,
    /// Operations started and not completed yet, with their session.
    running: VecMap<crate::vocab::OpNo, SessionNo>,
    /// Operations in flight when the VSS service restarted: they must end with
    /// `Policies::lost_service`'s in-flight code.
    lost_ops: VecSet<crate::vocab::OpNo>,
}

/// The BackupShutdowns a released session owes.
#[derive(Debug)]
struct Owed {
    stamp: Stamp,
    crash: bool,
    /// Writers owed a BackupShutdown, and whether theirs carries the backup's set (true) or
    /// `GUID_NULL` (false).
    required: VecMap<WriterNo, bool>,
    /// Writers that may get one (PrepareForSnapshot without PrepareForBackup).
    optional: VecSet<WriterNo>,
    received: VecSet<WriterNo>,
}

impl Rules for ShutdownRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Called { session, call, hr } => self.called(cx, *session, call, *hr),
            TraceEvent::AsyncStarted { session, op, .. } => {
                self.running.insert(*op, *session);
            }
            TraceEvent::ServiceRestarted => {
                let live: Vec<crate::vocab::OpNo> = self
                    .running
                    .iter()
                    .filter(|(_, s)| cx.model.session(**s).is_none_or(|s| s.gone.is_none()))
                    .map(|(op, _)| *op)
                    .collect();
                for op in live {
                    self.lost_ops.insert(op);
                }
            }
            TraceEvent::AsyncCompleted {
                session, op, hr, ..
            } => {
                self.running.remove(op);
                if self.lost_ops.remove(op) {
                    let code = cx
                        .model
                        .os
                        .requester_code(cx.model.policies.lost_service.in_flight());
                    if *hr != code {
                        cx.engine(
                            Rule::R32,
                            format!(
                                "{session}'s {op} was in flight when the VSS service restarted \
                                 but completed with {hr}, not {code} (Policies::lost_service)"
                            ),
                        );
                    }
                }
            }
            // A writer whose process died hears no BackupShutdown any more.
            TraceEvent::WriterStopped { writer } => {
                for (_, owed) in self.released.iter_mut() {
                    owed.required.remove(writer);
                    owed.optional.remove(writer);
                }
            }
            TraceEvent::Delivered {
                session,
                writer,
                event: WriterEvent::BackupShutdown,
                set,
            } => self.shutdown(cx, *session, *writer, *set),
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } if *event != WriterEvent::Abort => {
                let Some(gone) = cx.model.session(*session).and_then(|s| s.gone) else {
                    return;
                };
                let quiet = cx
                    .model
                    .part(*session, *writer)
                    .is_some_and(|part| part.aborted.is_some() || part.excluded().is_some());
                if !quiet {
                    cx.engine(
                        Rule::R32,
                        format!(
                            "{} received {event} from {session} at {} ms after {session} was \
                             released at {} ms",
                            cx.model.writer(*writer),
                            cx.now.at_ms,
                            gone.stamp.at_ms
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        for (session, owed) in &self.released {
            for writer in owed.required.keys() {
                // A writer still inside a handler when the trace ends gets BackupShutdown when
                // it returns (a writer handles one event at a time).
                if !owed.received.contains(writer) && cx.model.open_handler(*writer).is_none() {
                    let message = format!(
                        "{session} was {} at {} ms but {} never received BackupShutdown",
                        if owed.crash {
                            "lost in a crash"
                        } else {
                            "released"
                        },
                        owed.stamp.at_ms,
                        cx.model.writer(*writer)
                    );
                    cx.report_at(owed.stamp, Party::Engine, Rule::R57, message);
                }
            }
        }
    }
}

impl ShutdownRules {
    fn called(&mut self, cx: &mut Cx<'_>, s: SessionNo, call: &Call, hr: Hresult) {
        let Some(session) = cx.model.session(s) else {
            return;
        };
        if let Some(gone) = session.gone.filter(|gone| gone.lost) {
            // The service restarted under the object: what needs it fails with the policy's
            // code, the rest still works; nothing is owed to its writers.
            let code = cx
                .model
                .os
                .requester_code(cx.model.policies.lost_service.later_calls());
            if call.needs_service() && hr != code {
                cx.engine(
                    Rule::R32,
                    format!(
                        "{s}'s {} at {} ms returned {hr}, not {code}: the VSS service restarted \
                         under it at {} ms (Policies::lost_service)",
                        call.method(),
                        cx.now.at_ms,
                        gone.stamp.at_ms
                    ),
                );
            }
            return;
        }
        if let Some(gone) = session.gone {
            if hr.is_success() {
                cx.engine(
                    Rule::R32,
                    format!(
                        "{s}'s {} at {} ms returned {hr} although {s} was released at {} ms",
                        call.method(),
                        cx.now.at_ms,
                        gone.stamp.at_ms
                    ),
                );
            }
            return;
        }
        if !matches!(call, Call::Release | Call::Crash) || hr.is_failure() {
            return;
        }
        // R42: writers take no part in a no-writer context, so nothing is owed.
        let involved = session.writers_involved();
        let raised_pfb = involved && session.pfb.called.is_some();
        // Q20: a restore object is no backup instance.
        let every_instance = involved
            && cx.model.policies.shutdown_for == ShutdownFor::EveryBackupInstance
            && session.gwm.called.is_some()
            && !session.restoring;
        let mut required = VecMap::default();
        let mut optional = VecSet::default();
        for (writer, part) in &session.writers {
            if part.excluded().is_some() {
                continue;
            }
            if raised_pfb && part.got(WriterEvent::PrepareForBackup).is_some() {
                required.insert(*writer, true);
            } else if part.got(WriterEvent::PrepareForSnapshot).is_some() {
                optional.insert(*writer);
            } else if every_instance && part.identify_ok {
                required.insert(*writer, false);
            }
        }
        self.released.insert(
            s,
            Owed {
                stamp: cx.now,
                crash: matches!(call, Call::Crash),
                required,
                optional,
                received: VecSet::default(),
            },
        );
    }

    fn shutdown(&mut self, cx: &mut Cx<'_>, s: SessionNo, w: WriterNo, set: SnapshotSetId) {
        let model = cx.model;
        let name = model.writer(w);
        let at = cx.now.at_ms;
        if model
            .part(s, w)
            .is_some_and(|part| part.excluded().is_some())
        {
            return; // ordering.rs reports events after a drop (R7, R10, R47).
        }
        let Some(owed) = self.released.get_mut(&s) else {
            cx.engine(
                Rule::R57,
                format!(
                    "{name} received BackupShutdown from {s} at {at} ms, but {s} was not \
                     released; VSS sends it when the requester object goes away"
                ),
            );
            return;
        };
        let own = match owed.required.get(&w) {
            Some(own) => *own,
            None if owed.optional.contains(&w) => true,
            None => {
                cx.engine(
                    Rule::R57,
                    format!(
                        "{name} received BackupShutdown from {s} at {at} ms but took no part \
                         in its backup"
                    ),
                );
                return;
            }
        };
        if !owed.received.insert(w) {
            return; // ordering.rs reports the repeat (R43).
        }
        if owed.crash {
            cx.cover(Situation::ShutdownAfterCrash);
        }
        if model
            .part(s, w)
            .is_some_and(|part| part.got(WriterEvent::BackupComplete).is_none())
        {
            cx.cover(Situation::ShutdownWithoutComplete);
        }
        if set.is_null() {
            cx.cover(Situation::ShutdownNullSet);
        }
        let Some(session) = model.session(s) else {
            return;
        };
        let accepted = accepted_set_ids(model, s, w, own, owed.crash);
        if !accepted.contains(&set) {
            let expected: Vec<String> = accepted.iter().map(ToString::to_string).collect();
            let reason = if session.created_set() {
                "its DoSnapshotSet created the set"
            } else {
                "no shadow copy was created"
            };
            cx.engine(
                Rule::R57,
                format!(
                    "{name} received BackupShutdown({set}) from {s} at {at} ms; expected {} \
                     because {reason}",
                    expected.join(" or ")
                ),
            );
        }
    }
}

/// The set ids writer `w`'s BackupShutdown from session `s` may carry (R57): the session's own
/// set if its DoSnapshotSet created one (`own`: the writer had to get it), else `GUID_NULL`; after
/// a crash under `OtherBackupWhenPresent`, also the set of another live session it takes part in.
fn accepted_set_ids(
    model: &super::model::Model,
    s: SessionNo,
    w: WriterNo,
    own: bool,
    crash: bool,
) -> Vec<SnapshotSetId> {
    let Some(session) = model.session(s) else {
        return Vec::new();
    };
    let mut accepted = vec![match session.set {
        Some(id) if own && session.created_set() => id,
        _ => SnapshotSetId::NULL,
    }];
    if crash
        && model.policies.shutdown_set_id_after_crash
            == ShutdownSetIdAfterCrash::OtherBackupWhenPresent
    {
        accepted.extend(
            model
                .sessions
                .iter()
                .filter(|(other, o)| {
                    **other != s
                        && o.gone.is_none()
                        && o.writers.get(&w).is_some_and(|part| part.took_part())
                })
                .filter_map(|(_, o)| o.set),
        );
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::oracle::Situation;
    use crate::trace::{AbortCause, SetOutcome, TraceEvent};
    use crate::vocab::Rule;
    use crate::vocab::{
        AsyncKind, Call, Hresult, Policies, ShutdownFor, SnapshotSetId, WriterEvent,
    };

    #[test]
    fn r57_missing_shutdown() {
        let mut records = happy_path();
        let at = delivery(&records, W0, WriterEvent::BackupShutdown);
        records.truncate(at);
        assert_only(&judge(records), Rule::R57, Party::Engine);
    }

    #[test]
    fn r57_wrong_set_id() {
        let mut records = happy_path();
        let at = delivery(&records, W0, WriterEvent::BackupShutdown);
        if let TraceEvent::Delivered { set, .. } = &mut records[at].event {
            *set = SnapshotSetId::NULL;
        }
        assert_only(&judge(records), Rule::R57, Party::Engine);
    }

    #[test]
    fn r57_shutdown_before_release() {
        let mut records = happy_path();
        let at = delivery(&records, W0, WriterEvent::BackupShutdown);
        let block: Vec<_> = records.drain(at..at + 2).collect();
        let release = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Called {
                    call: Call::Release,
                    ..
                }
            )
        });
        records.splice(release..release, block);
        let report = judge(records);
        // Before the release it is unexplained; after it, it is missing.
        assert_only(&report, Rule::R57, Party::Engine);
        assert_eq!(report.violations().len(), 2, "{report}");
    }

    #[test]
    fn r32_call_after_release_must_fail() {
        let mut records = happy_path();
        let end = records.len();
        insert(
            &mut records,
            end,
            vec![TraceEvent::Called {
                session: S0,
                call: Call::GatherWriterStatus,
                hr: Hresult::S_OK,
            }],
        );
        assert_only(&judge(records), Rule::R32, Party::Engine);
    }

    #[test]
    fn crash_during_snapshot_is_clean() {
        // R57: after a crash the writer may get only Abort and BackupShutdown(GUID_NULL).
        let mut b = Builder::new();
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        prepare(&mut b, S0, &[W0], &[W0]);
        dss_prepare(&mut b, S0, &[W0]);
        b.ok(S0, Call::Crash)
            .push(TraceEvent::AbortRaised {
                session: S0,
                cause: AbortCause::Released,
            })
            .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok)
            .push(TraceEvent::SetCreationEnded {
                session: S0,
                set: set_of(S0),
                outcome: SetOutcome::Abandoned,
            })
            .handle(
                S0,
                W0,
                WriterEvent::BackupShutdown,
                SnapshotSetId::NULL,
                H::Ok,
            );
        let records = b.build();
        let report = judge(records.clone());
        report.assert_clean();
        for label in [
            Situation::ShutdownAfterCrash,
            Situation::ShutdownWithoutComplete,
            Situation::ShutdownNullSet,
            Situation::AbortReleased,
        ] {
            assert!(report.coverage().reached(label), "{label}");
        }

        // A Freeze after the crash is an event of a released session.
        let mut records = records;
        let end = records.len();
        insert(
            &mut records,
            end,
            vec![TraceEvent::Delivered {
                session: S0,
                writer: W0,
                event: WriterEvent::Freeze,
                set: set_of(S0),
            }],
        );
        let report = judge(records);
        assert!(report.rules_broken().contains(&Rule::R55), "{report}");
    }

    #[test]
    fn every_backup_instance_shuts_down_metadata_only_sessions() {
        // Q20 / R57: under EveryBackupInstance a gather-only session owes GUID_NULL shutdowns.
        let policies = Policies {
            shutdown_for: ShutdownFor::EveryBackupInstance,
            ..Policies::default()
        };
        let mut b = Builder::with_policies(policies);
        world(&mut b, &[W0]);
        b.session(S0).ok(S0, Call::InitializeForBackup);
        b.start(
            S0,
            Call::GatherWriterMetadata,
            AsyncKind::GatherWriterMetadata,
        )
        .handle(S0, W0, WriterEvent::Identify, SnapshotSetId::NULL, H::Ok)
        .complete(
            S0,
            AsyncKind::GatherWriterMetadata,
            Hresult::VSS_S_ASYNC_FINISHED,
        )
        .ok(S0, Call::Release);
        let without = b.build();
        assert_only(&judge(without), Rule::R57, Party::Engine);
        b.handle(
            S0,
            W0,
            WriterEvent::BackupShutdown,
            SnapshotSetId::NULL,
            H::Ok,
        );
        judge(b.build()).assert_clean();
    }
}
