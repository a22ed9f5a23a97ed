//! Writer queries (R66, R68, R69, R70 and the Q9 `query_window` policy): a writer that queries
//! outside a query's window is at fault (party [`Party::Writer`](super::Party::Writer)), and the
//! engine must refuse it with `VSS_E_BAD_STATE`; inside the window the engine must answer.
//! `SetWriterFailure` in `OnIdentify` is the writer's fault and must not take effect.

use super::{Cx, Rules, Situation};
use crate::trace::{SessionNo, TraceEvent, WriterNo, WriterQuery};
use crate::vocab::Rule;
use crate::vocab::{Hresult, QueryWindow, WriterEvent};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R49, Rule::R66, Rule::R68, Rule::R69, Rule::R70];

/// The writer-query rules.
#[derive(Debug, Default)]
pub(super) struct QueryRules;

impl Rules for QueryRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Queried {
                session,
                writer,
                during,
                query,
                hr,
            } => queried(cx, *session, *writer, *during, *query, *hr),
            TraceEvent::Handled {
                session,
                writer,
                event: WriterEvent::Identify,
                failure: Some(code),
                ..
            } => cx.engine(
                Rule::R66,
                format!(
                    "{}'s OnIdentify for {session} recorded SetWriterFailure({code}); it must be \
                     refused in OnIdentify",
                    cx.model.writer(*writer)
                ),
            ),
            _ => {}
        }
    }
}

/// Q9: the handlers in which `GetCurrentSnapshotSetId` and the volume queries are answered.
fn in_window(window: QueryWindow, during: WriterEvent, has_set: bool) -> bool {
    use WriterEvent as E;
    match window {
        QueryWindow::PrepareBackupToPostSnapshot => {
            matches!(
                during,
                E::PrepareForBackup | E::PrepareForSnapshot | E::Freeze | E::Thaw | E::PostSnapshot
            ) || (during == E::Abort && has_set)
        }
        QueryWindow::PrepareSnapshotToPostSnapshot => matches!(
            during,
            E::PrepareForSnapshot | E::Freeze | E::Thaw | E::PostSnapshot
        ),
        QueryWindow::DocumentedOnly => matches!(during, E::Freeze | E::Thaw | E::PostSnapshot),
    }
}

/// One query a writer made during `during`, judged by its kind.
fn queried(
    cx: &mut Cx<'_>,
    s: SessionNo,
    w: WriterNo,
    during: WriterEvent,
    query: WriterQuery,
    hr: Hresult,
) {
    match query {
        WriterQuery::SetWriterFailure => set_writer_failure(cx, s, w, during, hr),
        WriterQuery::CurrentSnapshotSetId | WriterQuery::CurrentVolumes => {
            set_query(cx, s, w, during, query, hr);
        }
        WriterQuery::SnapshotDeviceName => device_name(cx, w, during, hr),
        write => document_write(cx, s, w, during, write, hr),
    }
}

/// R49, R114: a writer writes into its components only in the handlers that may: the backup's
/// in OnPrepareBackup and OnPostSnapshot, the restore's in OnPreRestore, the post-restore
/// failure message in OnPostRestore. Elsewhere the writer is at fault and the engine must
/// refuse the write with `VSS_E_BAD_STATE`.
fn document_write(
    cx: &mut Cx<'_>,
    s: SessionNo,
    w: WriterNo,
    during: WriterEvent,
    write: WriterQuery,
    hr: Hresult,
) {
    if write.writable_in(during) {
        return;
    }
    let name = cx.model.writer(w);
    let handler = during.handler_name();
    let at = cx.now.at_ms;
    cx.writer(
        Rule::R49,
        format!("{name} called {write:?} in {handler} ({s}) at {at} ms, where the document is not its to change"),
    );
    if hr != Hresult::VSS_E_BAD_STATE {
        cx.engine(
            Rule::R49,
            format!(
                "{name}'s {write:?} in {handler} at {at} ms returned {hr}; it must be refused \
                 with VSS_E_BAD_STATE"
            ),
        );
    }
}

/// R66: `SetWriterFailure` never in `OnIdentify`, and only with T3's five codes.
fn set_writer_failure(
    cx: &mut Cx<'_>,
    s: SessionNo,
    w: WriterNo,
    during: WriterEvent,
    hr: Hresult,
) {
    let name = cx.model.writer(w);
    let at = cx.now.at_ms;
    if during == WriterEvent::Identify {
        cx.cover(Situation::SetFailureInIdentify);
        cx.writer(
            Rule::R66,
            format!("{name} called SetWriterFailure in OnIdentify ({s}) at {at} ms"),
        );
        if hr.is_success() {
            cx.engine(
                Rule::R66,
                format!(
                    "SetWriterFailure in {name}'s OnIdentify at {at} ms returned {hr}; \
                     it must be refused"
                ),
            );
        }
    } else if hr.is_failure() {
        let handler = during.handler_name();
        cx.writer(
            Rule::R66,
            format!(
                "{name}'s SetWriterFailure in {handler} at {at} ms was refused with \
                 {hr}: the code is not one of T3's five"
            ),
        );
    }
}

/// R68, R70 (Q9): the set id and volume queries, answered inside the policy's window only.
fn set_query(
    cx: &mut Cx<'_>,
    s: SessionNo,
    w: WriterNo,
    during: WriterEvent,
    query: WriterQuery,
    hr: Hresult,
) {
    let name = cx.model.writer(w);
    let handler = during.handler_name();
    let at = cx.now.at_ms;
    let rule = if query == WriterQuery::CurrentSnapshotSetId {
        Rule::R68
    } else {
        Rule::R70
    };
    let window = cx.model.policies.query_window;
    let has_set = cx.model.session(s).is_some_and(|s| s.set.is_some());
    if in_window(window, during, has_set) {
        if hr.is_failure() {
            cx.engine(
                rule,
                format!(
                    "{name}'s {query:?} in {handler} at {at} ms failed with {hr}, inside \
                     its window ({window:?})"
                ),
            );
        }
        return;
    }
    cx.cover(Situation::QueryOutsideWindow);
    cx.writer(
        rule,
        format!("{name} called {query:?} in {handler} at {at} ms, outside its window ({window:?})"),
    );
    refused(cx, rule, &name, query, handler, hr);
}

/// R69: `GetSnapshotDeviceName` only during `OnPostSnapshot`.
fn device_name(cx: &mut Cx<'_>, w: WriterNo, during: WriterEvent, hr: Hresult) {
    let name = cx.model.writer(w);
    let handler = during.handler_name();
    let at = cx.now.at_ms;
    if during == WriterEvent::PostSnapshot {
        cx.cover(Situation::DeviceNameQueried);
        if hr == Hresult::VSS_E_BAD_STATE {
            cx.engine(
                Rule::R69,
                format!(
                    "{name}'s GetSnapshotDeviceName in OnPostSnapshot at {at} ms was \
                     refused with {hr}"
                ),
            );
        }
        return;
    }
    cx.writer(
        Rule::R69,
        format!(
            "{name} called GetSnapshotDeviceName in {handler} at {at} ms; it works only \
             during OnPostSnapshot"
        ),
    );
    refused(
        cx,
        Rule::R69,
        &name,
        WriterQuery::SnapshotDeviceName,
        handler,
        hr,
    );
}

/// Outside its window a query must fail with `VSS_E_BAD_STATE`.
fn refused(
    cx: &mut Cx<'_>,
    rule: Rule,
    name: &dyn std::fmt::Display,
    query: WriterQuery,
    handler: &str,
    hr: Hresult,
) {
    if hr != Hresult::VSS_E_BAD_STATE {
        cx.engine(
            rule,
            format!(
                "{name}'s {query:?} in {handler} at {} ms returned {hr}; outside its window it \
                 must fail with VSS_E_BAD_STATE",
                cx.now.at_ms
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use super::*;
    use crate::trace::TraceRecord;

    /// Inserts a query into the first handler of `event`.
    fn query_in(event: WriterEvent, query: WriterQuery, hr: Hresult) -> Vec<TraceRecord> {
        let mut records = happy_path();
        let at = delivery(&records, W0, event);
        insert(
            &mut records,
            at + 1,
            vec![TraceEvent::Queried {
                session: S0,
                writer: W0,
                during: event,
                query,
                hr,
            }],
        );
        records
    }

    #[test]
    fn queries_inside_their_windows_are_clean() {
        // R68 inside OnFreeze, R69 inside OnPostSnapshot.
        let set_id = query_in(
            WriterEvent::Freeze,
            WriterQuery::CurrentSnapshotSetId,
            Hresult::S_OK,
        );
        judge(set_id).assert_clean();
        let device = query_in(
            WriterEvent::PostSnapshot,
            WriterQuery::SnapshotDeviceName,
            Hresult::S_OK,
        );
        let report = judge(device);
        report.assert_clean();
        assert!(report.coverage().reached(Situation::DeviceNameQueried));
    }

    #[test]
    fn r68_set_id_in_backup_complete_is_the_writers_fault() {
        let records = query_in(
            WriterEvent::BackupComplete,
            WriterQuery::CurrentSnapshotSetId,
            Hresult::VSS_E_BAD_STATE,
        );
        let report = judge(records);
        assert_only(&report, Rule::R68, Party::Writer);
        assert!(report.coverage().reached(Situation::QueryOutsideWindow));
        report.assert_engine_clean();
    }

    #[test]
    fn r68_engine_answering_outside_the_window() {
        let records = query_in(
            WriterEvent::BackupComplete,
            WriterQuery::CurrentSnapshotSetId,
            Hresult::S_OK,
        );
        let report = judge(records);
        assert_eq!(rules(&report), [Rule::R68]);
        assert_eq!(report.engine_violations().len(), 1, "{report}");
        assert_eq!(report.violations_by(Party::Writer).len(), 1, "{report}");
    }

    #[test]
    fn q9_window_policy_is_honoured() {
        // R68 under DocumentedOnly: OnPrepareSnapshot is outside the window.
        let mut records = query_in(
            WriterEvent::PrepareForSnapshot,
            WriterQuery::CurrentSnapshotSetId,
            Hresult::S_OK,
        );
        judge(records.clone()).assert_clean();
        records[0].event = TraceEvent::Policies(crate::vocab::Policies {
            query_window: QueryWindow::DocumentedOnly,
            ..Default::default()
        });
        let report = judge(records);
        assert_eq!(report.engine_violations().len(), 1, "{report}");
        assert_eq!(report.violations_by(Party::Writer).len(), 1, "{report}");
    }

    #[test]
    fn r69_device_name_outside_post_snapshot() {
        let records = query_in(
            WriterEvent::Thaw,
            WriterQuery::SnapshotDeviceName,
            Hresult::VSS_E_BAD_STATE,
        );
        assert_only(&judge(records), Rule::R69, Party::Writer);
    }

    #[test]
    fn r66_set_writer_failure_in_identify() {
        let records = query_in(
            WriterEvent::Identify,
            WriterQuery::SetWriterFailure,
            Hresult::VSS_E_BAD_STATE,
        );
        let report = judge(records);
        assert_only(&report, Rule::R66, Party::Writer);
        assert!(report.coverage().reached(Situation::SetFailureInIdentify));

        // The engine accepting it, and the code sticking, are engine violations.
        let mut records = query_in(
            WriterEvent::Identify,
            WriterQuery::SetWriterFailure,
            Hresult::S_OK,
        );
        let handled = find(&records, |e| {
            matches!(
                e,
                TraceEvent::Handled {
                    event: WriterEvent::Identify,
                    ..
                }
            )
        });
        if let TraceEvent::Handled { failure, .. } = &mut records[handled].event {
            *failure = Some(Hresult::VSS_E_WRITERERROR_RETRYABLE);
        }
        let report = judge(records);
        assert_eq!(rules(&report), [Rule::R66], "{report}");
        assert_eq!(report.engine_violations().len(), 2, "{report}");
    }
}
