//! The oracle's sensitivity where mutation testing (cargo-mutants on `src/trace/oracle`) found it
//! unguarded: real engine traces with one record removed or the run cut short must be reported,
//! so a rule family that stops looking at a record kind, or at the end of a trace, fails here.

mod common;

use common::*;
use vss_sim::trace::oracle::{self, Party};
use vss_sim::trace::{Trace, TraceEvent, TraceRecord};
use vss_sim::vocab::{Call, Rule, WriterEvent};
use vss_sim::writer::{Reaction, ScriptedWriter};

/// Whether `record` is `writer`'s Abort delivery or its handler's return.
fn is_abort_of_w0(record: &TraceRecord) -> bool {
    matches!(
        record.event,
        TraceEvent::Delivered { writer, event: WriterEvent::Abort, .. }
        | TraceEvent::Handled { writer, event: WriterEvent::Abort, .. } if writer == W0
    )
}

/// A requester that crashes while its DoSnapshotSet holds W0 in a slow Freeze: VSS owes W0 an
/// Abort (R50c: the requester went away during the creation).
fn crash_during_do_snapshot_set() -> Trace {
    let vss = machine(vec![
        ScriptedWriter::new("W0").on(WriterEvent::Freeze, Reaction::slow(1_000))
    ]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 10);
    bc.call_ok(Call::Crash).unwrap();
    vss.trace()
}

/// `trace` without the records `drop` selects, judged.
fn judged_without(trace: &Trace, drop: impl Fn(&TraceRecord) -> bool) -> oracle::Report {
    let records = trace
        .records()
        .iter()
        .filter(|r| !drop(r))
        .cloned()
        .collect();
    oracle::check(&Trace::from_records(records))
}

/// Whether `report` holds an engine violation of R50 whose message contains `text`.
fn reports_r50(report: &oracle::Report, text: &str) -> bool {
    report
        .engine_violations()
        .iter()
        .any(|v| v.rule == Rule::R50 && v.party == Party::Engine && v.message.contains(text))
}

fn engine_rules(trace: &Trace) -> Vec<Rule> {
    oracle::check(trace)
        .engine_violations()
        .iter()
        .map(|v| v.rule)
        .collect()
}

#[test]
fn the_unmodified_runs_are_clean() {
    assert_eq!(engine_rules(&crash_during_do_snapshot_set()), []);
}

#[test]
fn r50_a_writer_never_aborted_after_its_requester_crashed_mid_creation() {
    let trace = crash_during_do_snapshot_set();
    assert!(
        trace.records().iter().any(is_abort_of_w0),
        "the run aborts W0"
    );
    let report = judged_without(&trace, is_abort_of_w0);
    assert!(reports_r50(&report, ""), "{report}");
}

#[test]
fn r50_an_abort_raised_at_the_end_of_the_trace_that_reached_no_one() {
    let trace = crash_during_do_snapshot_set();
    let cut = trace
        .records()
        .iter()
        .position(is_abort_of_w0)
        .expect("the run aborts W0");
    let report = oracle::check(&Trace::from_records(trace.records()[..cut].to_vec()));
    assert!(reports_r50(&report, "never"), "{report}");
}

#[test]
fn r50_a_crash_mid_creation_owes_abort_even_when_the_engine_raises_none() {
    // Without the AbortRaised record only the release itself shows what was owed.
    let trace = crash_during_do_snapshot_set();
    let report = judged_without(&trace, |r| {
        is_abort_of_w0(r) || matches!(r.event, TraceEvent::AbortRaised { .. })
    });
    assert!(reports_r50(&report, "went away"), "{report}");
}

#[test]
fn r50_an_abort_owed_for_a_failed_freeze_is_overdue_when_do_snapshot_set_completes() {
    let vss = machine(vec![ScriptedWriter::new("W0").on(
        WriterEvent::Freeze,
        Reaction::fatal(vss_sim::vocab::WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
    )]);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    let trace = vss.trace();
    assert!(
        trace.records().iter().any(is_abort_of_w0),
        "the run aborts W0"
    );
    let records: Vec<_> = trace
        .records()
        .iter()
        .filter(|r| !is_abort_of_w0(r))
        .cloned()
        .collect();
    let report = oracle::check(&Trace::from_records(records));
    assert!(
        report
            .engine_violations()
            .iter()
            .any(|v| v.rule == Rule::R50 && v.message.contains("before DoSnapshotSet completed")),
        "{report}"
    );
}
