//! The oracle's sensitivity where mutation testing (cargo-mutants on `src/trace/oracle`) found it
//! unguarded: real engine traces with one record removed or the run cut short must be reported,
//! so a rule family that stops looking at a record kind, or at the end of a trace, fails here.

mod common;

use common::*;
use vss_sim::trace::oracle::{self, Party};
use vss_sim::trace::{DropReason, Trace, TraceEvent, TraceRecord, WriterNo};
use vss_sim::vocab::{AsyncKind, BackupState, Call, ProviderId, Rule, WriterEvent, WriterFailure};
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
    // W1 is in OnFreeze until 1 000 ms when the requester crashes; W0 is idle, so its Abort
    // comes at once (W1's comes when its handler returns).
    let vss = machine(vec![
        ScriptedWriter::new("W0"),
        ScriptedWriter::new("W1").on(WriterEvent::Freeze, Reaction::slow(1_000)),
    ]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 10);
    bc.call_ok(Call::Crash).unwrap();
    vss.settle();
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

/// Whether `report` holds an engine violation of `rule` whose message contains `text`.
fn reports(report: &oracle::Report, rule: Rule, text: &str) -> bool {
    report
        .engine_violations()
        .iter()
        .any(|v| v.rule == rule && v.party == Party::Engine && v.message.contains(text))
}

/// Whether `record` is the delivery of `event` to `writer`, or its handler's return.
fn is_event_of(record: &TraceRecord, writer: WriterNo, event: WriterEvent) -> bool {
    matches!(
        record.event,
        TraceEvent::Delivered { writer: w, event: e, .. }
        | TraceEvent::Handled { writer: w, event: e, .. } if w == writer && e == event
    )
}

/// `trace` with `extra` inserted right after the first record `after` selects, judged.
fn judged_with(
    trace: &Trace,
    after: impl Fn(&TraceRecord) -> bool,
    extra: TraceEvent,
) -> oracle::Report {
    let mut records = trace.records().to_vec();
    let at = records
        .iter()
        .position(after)
        .expect("the anchor record is in the trace");
    let mut inserted = records[at].clone();
    inserted.event = extra;
    records.insert(at + 1, inserted);
    oracle::check(&Trace::from_records(records))
}

/// A whole backup of W0 and W1 (R40) in `state`, selecting the components of the writers
/// `select` keeps (by index), with W1's `OnIdentify` reacting as `w1_identify` says.
fn backup(state: BackupState, select: &[usize], w1_identify: Option<Reaction>) -> Trace {
    let w1 = ScriptedWriter::new("W1");
    let w1 = match w1_identify {
        Some(reaction) => w1.on(WriterEvent::Identify, reaction),
        None => w1,
    };
    let vss = machine(vec![ScriptedWriter::new("W0"), w1]);
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetBackupState(state)).unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    if state.select_components {
        for key in all_components(&mut bc) {
            let index = if key.name == "W0" { 0 } else { 1 };
            if select.contains(&index) {
                bc.call_ok(Call::AddComponent(key)).unwrap();
            }
        }
    }
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: ProviderId::NULL,
    })
    .unwrap();
    for call in [
        Call::PrepareForBackup,
        Call::DoSnapshotSet,
        Call::BackupComplete,
    ] {
        bc.call_and_wait(call).unwrap();
    }
    drop(bc);
    vss.trace()
}

/// Both writers selected, component mode.
fn full_backup() -> Trace {
    backup(BackupState::default(), &[0, 1], None)
}

/// Whether `record` is the completion of an operation of `kind`.
fn completes(record: &TraceRecord, kind: AsyncKind) -> bool {
    matches!(record.event, TraceEvent::AsyncCompleted { kind: k, .. } if k == kind)
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
    assert_eq!(engine_rules(&full_backup()), []);
    let non_component = BackupState {
        select_components: false,
        ..BackupState::default()
    };
    assert_eq!(engine_rules(&backup(non_component, &[], None)), []);
}

#[test]
fn r47_a_writer_with_nothing_selected_takes_part_in_prepare_for_backup_then_leaves() {
    let trace = backup(BackupState::default(), &[0], None);
    assert!(
        trace.records().iter().any(|r| matches!(
            r.event,
            TraceEvent::WriterDropped {
                writer: W1,
                reason: DropReason::NothingSelected,
                ..
            }
        )),
        "W1 leaves for having nothing selected"
    );
    assert!(
        trace
            .records()
            .iter()
            .any(|r| is_event_of(r, W1, WriterEvent::PrepareForBackup)),
        "W1 hears PrepareForBackup before it leaves"
    );
    assert_eq!(engine_rules(&trace), []);
}

#[test]
fn r47_a_writer_with_nothing_selected_that_hears_the_snapshot_without_prepare_for_backup() {
    // W1 never heard PrepareForBackup, so the oracle must judge its selection at
    // PrepareForSnapshot itself.
    let trace = backup(BackupState::default(), &[0], None);
    let mut records: Vec<_> = trace
        .records()
        .iter()
        .filter(|r| {
            !is_event_of(r, W1, WriterEvent::PrepareForBackup)
                && !matches!(r.event, TraceEvent::WriterDropped { writer: W1, .. })
        })
        .cloned()
        .collect();
    let at = records
        .iter()
        .position(|r| {
            matches!(
                r.event,
                TraceEvent::Delivered {
                    writer: W0,
                    event: WriterEvent::PrepareForSnapshot,
                    ..
                }
            )
        })
        .expect("W0 hears PrepareForSnapshot");
    let mut forged = records[at].clone();
    if let TraceEvent::Delivered { writer, .. } = &mut forged.event {
        *writer = W1;
    }
    records.insert(at + 1, forged);
    let report = oracle::check(&Trace::from_records(records));
    assert!(
        reports(&report, Rule::R47, "received PrepareForSnapshot"),
        "{report}"
    );
}

/// `trace` with W1 dropped for having nothing selected right after its PrepareForBackup
/// handler returned, judged.
fn with_nothing_selected_drop(trace: &Trace) -> oracle::Report {
    judged_with(
        trace,
        |r| handled(r, W1, WriterEvent::PrepareForBackup),
        TraceEvent::WriterDropped {
            session: S0,
            writer: W1,
            reason: DropReason::NothingSelected,
        },
    )
}

#[test]
fn r47_a_writer_dropped_for_nothing_selected_although_its_component_was() {
    let report = with_nothing_selected_drop(&full_backup());
    assert!(
        reports(&report, Rule::R47, "one of its components was selected"),
        "{report}"
    );
}

#[test]
fn r47_a_writer_dropped_for_nothing_selected_outside_component_mode() {
    let non_component = BackupState {
        select_components: false,
        ..BackupState::default()
    };
    let report = with_nothing_selected_drop(&backup(non_component, &[], None));
    assert!(
        reports(&report, Rule::R47, "not in component mode"),
        "{report}"
    );
}

#[test]
fn r45_a_writer_that_hears_prepare_for_snapshot_without_prepare_for_backup() {
    let report = judged_without(&full_backup(), |r| {
        is_event_of(r, W1, WriterEvent::PrepareForBackup)
    });
    assert!(
        reports(
            &report,
            Rule::R45,
            "did not take part in its PrepareForBackup"
        ),
        "{report}"
    );
    // Once, at PrepareForSnapshot: not again at every later event of the creation.
    let r45 = report
        .engine_violations()
        .iter()
        .filter(|v| v.rule == Rule::R45)
        .count();
    assert_eq!(r45, 1, "{report}");
}

#[test]
fn r8_r21_r26_an_operation_that_finishes_without_reaching_a_writer() {
    for (event, rule, text) in [
        (WriterEvent::Identify, Rule::R8, "never received Identify"),
        (
            WriterEvent::PrepareForBackup,
            Rule::R21,
            "never received PrepareForBackup",
        ),
        (
            WriterEvent::BackupComplete,
            Rule::R26,
            "never received BackupComplete",
        ),
    ] {
        let report = judged_without(&full_backup(), |r| is_event_of(r, W1, event));
        assert!(reports(&report, rule, text), "{event}: {report}");
    }
}

#[test]
fn r10_a_failed_identify_without_its_drop_is_reported() {
    let failing = Some(Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
    let trace = backup(BackupState::default(), &[0], failing);
    assert_eq!(engine_rules(&trace), []);
    let report = judged_without(&trace, |r| {
        matches!(r.event, TraceEvent::WriterDropped { writer: W1, .. })
    });
    // Only R10: the writer, never identified, owes no PrepareForBackup (R21).
    let violations = report.engine_violations();
    assert!(!violations.is_empty(), "{report}");
    for v in violations {
        assert_eq!(v.rule, Rule::R10, "{report}");
    }
}

#[test]
fn r10_a_failed_identify_dropped_only_after_gathering_finished_is_reported() {
    let failing = Some(Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
    let trace = backup(BackupState::default(), &[0], failing);
    let is_drop = |r: &TraceRecord| matches!(r.event, TraceEvent::WriterDropped { writer: W1, .. });
    let dropped = trace
        .records()
        .iter()
        .find(|r| is_drop(r))
        .expect("W1 is dropped")
        .event
        .clone();
    let mut records: Vec<_> = trace
        .records()
        .iter()
        .filter(|r| !is_drop(r))
        .cloned()
        .collect();
    let gathered = records
        .iter()
        .position(|r| completes(r, AsyncKind::GatherWriterMetadata))
        .expect("gathering completes");
    let mut late = records[gathered].clone();
    late.event = dropped;
    records.insert(gathered + 1, late);
    let report = oracle::check(&Trace::from_records(records));
    assert!(reports(&report, Rule::R10, "not dropped"), "{report}");
}

#[test]
fn r50_a_writer_never_aborted_after_its_requester_crashed_mid_creation() {
    let trace = crash_during_do_snapshot_set();
    assert!(
        trace.records().iter().any(is_abort_of_w0),
        "the run aborts W0"
    );
    let report = judged_without(&trace, is_abort_of_w0);
    assert!(reports(&report, Rule::R50, ""), "{report}");
    // R55: the engine still dropped W0 as aborted.
    assert!(
        reports(&report, Rule::R55, "as aborted but never received Abort"),
        "{report}"
    );
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
    assert!(reports(&report, Rule::R50, "never"), "{report}");
}

#[test]
fn r50_a_crash_mid_creation_owes_abort_even_when_the_engine_raises_none() {
    // Without the AbortRaised record only the release itself shows what was owed.
    let trace = crash_during_do_snapshot_set();
    let report = judged_without(&trace, |r| {
        is_abort_of_w0(r) || matches!(r.event, TraceEvent::AbortRaised { .. })
    });
    assert!(reports(&report, Rule::R50, "went away"), "{report}");
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

#[test]
fn r10_metadata_handed_out_for_a_writer_whose_identify_failed() {
    let failing = Some(Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
    let trace = backup(BackupState::default(), &[0], failing);
    let is_drop = |r: &TraceRecord| matches!(r.event, TraceEvent::WriterDropped { writer: W1, .. });
    let forged = TraceEvent::MetadataReported {
        session: S0,
        writer: W1,
    };
    let gathered = |r: &TraceRecord| completes(r, AsyncKind::GatherWriterMetadata);
    let handed = "was handed the metadata of";
    // With its drop recorded, and without (the writer then neither identified nor left out).
    let report = judged_with(&trace, gathered, forged.clone());
    assert!(reports(&report, Rule::R10, handed), "{report}");
    let records = trace
        .records()
        .iter()
        .filter(|r| !is_drop(r))
        .cloned()
        .collect();
    let report = judged_with(&Trace::from_records(records), gathered, forged);
    assert!(reports(&report, Rule::R10, handed), "{report}");
}

/// `trace` up to and including the first record `last` selects (a run cut short), judged.
fn judged_until(trace: &Trace, last: impl Fn(&TraceRecord) -> bool) -> oracle::Report {
    let records = trace.records();
    let end = records
        .iter()
        .position(last)
        .expect("the cut record is in the trace");
    oracle::check(&Trace::from_records(records[..=end].to_vec()))
}

fn handled(record: &TraceRecord, writer: WriterNo, event: WriterEvent) -> bool {
    matches!(
        record.event,
        TraceEvent::Handled { writer: w, event: e, .. } if w == writer && e == event
    )
}

#[test]
fn r10_r47_drops_still_owed_when_the_trace_ends_are_reported() {
    // W1's Identify failed and the trace ends before its drop and the gathering's completion.
    let failing = Some(Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
    let trace = backup(BackupState::default(), &[0], failing);
    let report = judged_until(&trace, |r| handled(r, W1, WriterEvent::Identify));
    assert!(reports(&report, Rule::R10, "not dropped"), "{report}");
    // W1, with nothing selected, handled PrepareForBackup and the trace ends before its drop.
    let trace = backup(BackupState::default(), &[0], None);
    let report = judged_until(&trace, |r| handled(r, W1, WriterEvent::PrepareForBackup));
    assert!(reports(&report, Rule::R47, "never dropped"), "{report}");
}

#[test]
fn r7_a_writer_of_a_disabled_class_that_hears_an_event() {
    let vss = machine(vec![ScriptedWriter::new("W0"), ScriptedWriter::new("W1")]);
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::DisableWriterClasses {
        classes: vec![class_id(1)],
    })
    .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    let trace = vss.trace();
    assert_eq!(engine_rules(&trace), []);
    let report = judged_with(
        &trace,
        |r| completes(r, AsyncKind::GatherWriterMetadata),
        TraceEvent::Delivered {
            session: S0,
            writer: W1,
            event: WriterEvent::PrepareForBackup,
            set: vss_sim::vocab::SnapshotSetId::NULL,
        },
    );
    assert!(reports(&report, Rule::R7, "ClassDisabled"), "{report}");
}

#[test]
fn r8_r21_r26_an_event_delivered_without_its_call() {
    let trace = full_backup();
    assert!(oracle::check(&trace)
        .coverage()
        .reached(oracle::Situation::Identify));
    for (call, rule, text) in [
        (
            Call::GatherWriterMetadata,
            Rule::R8,
            "GatherWriterMetadata was not called",
        ),
        (
            Call::PrepareForBackup,
            Rule::R21,
            "PrepareForBackup was not called",
        ),
        (
            Call::BackupComplete,
            Rule::R26,
            "BackupComplete was not called",
        ),
    ] {
        let report = judged_without(&trace, |r| called(r, &call));
        assert!(reports(&report, rule, text), "{call:?}: {report}");
    }
}

#[test]
fn r21_r26_events_to_a_writer_that_was_never_identified() {
    // W1's Identify failed; without its drop record, it is neither identified nor left out.
    let failing = Some(Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
    let trace = backup(BackupState::default(), &[0], failing);
    let is_drop = |r: &TraceRecord| matches!(r.event, TraceEvent::WriterDropped { writer: W1, .. });
    let trace = Trace::from_records(
        trace
            .records()
            .iter()
            .filter(|r| !is_drop(r))
            .cloned()
            .collect(),
    );
    for (event, rule) in [
        (WriterEvent::PrepareForBackup, Rule::R21),
        (WriterEvent::BackupComplete, Rule::R26),
    ] {
        let report = judged_with(
            &trace,
            |r| is_event_of(r, W0, event),
            TraceEvent::Delivered {
                session: S0,
                writer: W1,
                event,
                set: vss_sim::vocab::SnapshotSetId::NULL,
            },
        );
        assert!(
            reports(&report, rule, "never identified it"),
            "{event}: {report}"
        );
    }
}

#[test]
fn bound_an_operation_nothing_held_past_the_bound_is_the_engines_livelock() {
    // Every handler of the whole backup returned at once (at 0 ms): a wait for DoSnapshotSet
    // stopping at a 0 ms bound was held by no handler or provider, so the engine is to blame.
    let trace = full_backup();
    let op = trace
        .records()
        .iter()
        .find_map(|r| match r.event {
            TraceEvent::AsyncStarted {
                op,
                kind: AsyncKind::DoSnapshotSet,
                ..
            } => Some(op),
            _ => None,
        })
        .expect("DoSnapshotSet started");
    let report = judged_with(
        &trace,
        |r| completes(r, AsyncKind::DoSnapshotSet),
        TraceEvent::BoundReached {
            bound: vss_sim::vocab::Bound::VirtualTime { max_virtual_ms: 0 },
            waiting_for: Some(op),
        },
    );
    let bound = report
        .violations()
        .iter()
        .find(|v| v.rule == Rule::Bound)
        .expect("the bound is reported")
        .clone();
    assert_eq!(bound.party, Party::Engine, "{report}");
    assert!(bound.message.contains("nothing held it"), "{report}");
}

/// The records of `trace` before the first one `stop` selects, then `extra` (one forged call).
fn cut_then(trace: &Trace, stop: impl Fn(&TraceRecord) -> bool, extra: TraceEvent) -> Trace {
    let records = trace.records();
    let end = records
        .iter()
        .position(stop)
        .expect("the cut record is in the trace");
    let mut kept = records[..end].to_vec();
    let mut forged = records[end].clone();
    forged.event = extra;
    kept.push(forged);
    Trace::from_records(kept)
}

fn called(record: &TraceRecord, call: &Call) -> bool {
    matches!(&record.event, TraceEvent::Called { call: c, .. } if c == call)
}

#[test]
fn r26_a_successful_backup_complete_says_whether_do_snapshot_set_ran() {
    let complete_ok = TraceEvent::Called {
        session: S0,
        call: Call::BackupComplete,
        hr: vss_sim::vocab::Hresult::S_OK,
    };
    let trace = full_backup();
    // Right after DoSnapshotSet started: the creation had not completed.
    let dss_at = trace
        .records()
        .iter()
        .position(|r| called(r, &Call::DoSnapshotSet))
        .expect("DoSnapshotSet is called");
    let mut records = trace.records()[..=dss_at].to_vec();
    let mut forged = records[dss_at].clone();
    forged.event = complete_ok.clone();
    records.push(forged);
    let report = oracle::check(&Trace::from_records(records));
    assert!(reports(&report, Rule::R26, "had not completed"), "{report}");
    // In place of DoSnapshotSet itself: it was never called.
    let report = oracle::check(&cut_then(
        &trace,
        |r| called(r, &Call::DoSnapshotSet),
        complete_ok,
    ));
    assert!(reports(&report, Rule::R26, "was never called"), "{report}");
}

#[test]
fn r52_a_release_that_failed_owes_nothing_yet() {
    // After PrepareForBackup, a Release that failed released nothing: no R52 for it.
    let trace = full_backup();
    let failed_release = TraceEvent::Called {
        session: S0,
        call: Call::Release,
        hr: vss_sim::vocab::Hresult::VSS_E_BAD_STATE,
    };
    let report = oracle::check(&cut_then(
        &trace,
        |r| called(r, &Call::DoSnapshotSet),
        failed_release,
    ));
    assert!(
        !report.violations().iter().any(|v| v.rule == Rule::R52),
        "{report}"
    );
}
