//! The writer test kit on writers whose faults we know: a well-behaved writer keeps every
//! obligation; each broken writer is caught under the obligation and rule it breaks.

use vss_sim::testkit::{EngineCheck, Exhaustive, Obligation, WriterConformance};
use vss_sim::vocab::Rule;
use vss_sim::vocab::{
    ComponentType, RestoreMethod, SnapshotSetId, Wait, WaitEnd, WriterEvent, WriterFailure,
};
use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};

/// Which mistake a [`Journal`] makes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Bug {
    #[default]
    None,
    /// OnAbort leaves writes stopped (R55).
    AbortKeepsWritesStopped,
    /// OnIdentify adds a component per call (R44).
    GrowingMetadata,
    /// Remembers "backup in progress" until BackupComplete; vetoes the next PrepareForBackup
    /// if a backup ended any other way (R58).
    StaleBackupFlag,
    /// Calls SetWriterFailure in OnIdentify (R66).
    FailureInIdentify,
    /// Asks GetCurrentSnapshotSetId in OnBackupComplete (R68).
    SetIdInBackupComplete,
    /// OnFreeze takes 61 s (R99).
    SlowFreeze,
    /// A second OnAbort returns false (R55).
    AbortOnce,
    /// OnPostSnapshot panics (R64).
    PanicInPostSnapshot,
    /// Not a bug: OnThaw waits 50 ms for its flush and resumes writes in the continuation
    /// (WAITS).
    ThawWaitsForFlush,
}

/// A journaling application's writer: Freeze stops writes, Thaw and Abort resume them.
#[derive(Debug, Default)]
struct Journal {
    bug: Bug,
    writes_stopped: bool,
    identifies: u32,
    in_backup: bool,
    aborts: u32,
}

impl Journal {
    fn with(bug: Bug) -> Self {
        Self {
            bug,
            ..Self::default()
        }
    }

    fn accepts_writes(&self) -> bool {
        !self.writes_stopped
    }
}

impl Writer for Journal {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        self.identifies += 1;
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "journal");
        if self.bug == Bug::GrowingMetadata && self.identifies > 1 {
            md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "journal-2");
        }
        if self.bug == Bug::FailureInIdentify {
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_RETRYABLE);
        }
        true
    }

    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if self.bug == Bug::StaleBackupFlag && self.in_backup {
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_RETRYABLE);
            return true;
        }
        self.in_backup = true;
        true
    }

    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }

    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if self.bug == Bug::SlowFreeze {
            ctx.spend_ms(61_000);
        }
        self.writes_stopped = true;
        true
    }

    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if self.bug == Bug::ThawWaitsForFlush {
            return ctx.wait(Wait::ms(50));
        }
        self.writes_stopped = false;
        true
    }

    fn on_wait_ended(&mut self, _: &mut HandlerContext<'_>, _: WaitEnd) -> bool {
        self.writes_stopped = false;
        true
    }

    fn on_post_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        assert!(
            self.bug != Bug::PanicInPostSnapshot,
            "journal index corrupt"
        );
        true
    }

    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.aborts += 1;
        if self.bug == Bug::AbortOnce && self.aborts > 1 {
            return false;
        }
        if self.bug != Bug::AbortKeepsWritesStopped {
            self.writes_stopped = false;
        }
        if self.bug != Bug::StaleBackupFlag {
            self.in_backup = false;
        }
        true
    }

    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if self.bug == Bug::SetIdInBackupComplete {
            let _ = ctx.snapshot_set_id();
        }
        self.in_backup = false;
        true
    }

    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.writes_stopped = false;
        if self.bug != Bug::StaleBackupFlag {
            self.in_backup = false;
        }
        true
    }
}

/// The kit on a [`Journal`], judging the simulated VSS in every run too: the catalogue over
/// each of these writers is part of the simulator's own check.
fn kit(bug: Bug) -> WriterConformance<Journal> {
    WriterConformance::new(move || Journal::with(bug))
        .probe("accepts writes", |j: &Journal| j.accepts_writes())
        .engine_check(EngineCheck::EveryRun)
}

#[test]
fn a_well_behaved_writer_keeps_every_obligation() {
    let report = kit(Bug::None).run();
    report.assert_ok();
    assert!(
        report.cases > 80,
        "the catalogue ran {} cases",
        report.cases
    );
    // By default the engine is judged where a run has a finding only: the same verdict.
    let default = WriterConformance::new(|| Journal::with(Bug::None))
        .probe("accepts writes", |j: &Journal| j.accepts_writes())
        .run();
    default.assert_ok();
    assert_eq!(default.cases, report.cases);
}

#[test]
fn a_writer_whose_thaw_waits_is_judged_on_its_continuation() {
    // WAITS, SERIAL: the kit forwards the continuation to the writer under test and asks the
    // probe when the handler has really returned, so a Thaw that resumes writes after its
    // wait keeps ResumesAfterThaw (R55).
    let report = kit(Bug::ThawWaitsForFlush).run();
    report.assert_ok();
}

#[test]
fn a_well_behaved_writer_passes_exhaustive_mode() {
    let started = std::time::Instant::now();
    let report = kit(Bug::None).exhaustive(Exhaustive::default()).run();
    eprintln!(
        "exhaustive: {} runs in {:?}",
        report.runs,
        started.elapsed()
    );
    report.assert_ok();
    assert!(report.runs > 100, "only {} runs", report.runs);
}

/// `bug` is reported under `obligation` (and `rule`), with a replay command.
fn caught(bug: Bug, obligation: Obligation, rule: Rule) {
    let report = kit(bug).run();
    let findings = report.findings_of(obligation);
    assert!(
        !findings.is_empty(),
        "{bug:?} not reported under {obligation:?}:\n{report}"
    );
    assert!(findings.iter().all(|f| f.rule == rule), "{report}");
    assert!(
        findings[0].replay.contains("VSS_SIM_CASE="),
        "{}",
        findings[0].replay
    );
}

#[test]
fn an_abort_that_keeps_writes_stopped_is_caught() {
    caught(
        Bug::AbortKeepsWritesStopped,
        Obligation::ResumesAfterAbort,
        Rule::R55,
    );
}

#[test]
fn metadata_that_changes_between_identifies_is_caught() {
    caught(
        Bug::GrowingMetadata,
        Obligation::IdenticalMetadata,
        Rule::R44,
    );
}

#[test]
fn state_leaking_into_the_next_backup_is_caught() {
    caught(
        Bug::StaleBackupFlag,
        Obligation::NoLeakBetweenBackups,
        Rule::R58,
    );
}

#[test]
fn set_writer_failure_in_identify_is_caught() {
    caught(Bug::FailureInIdentify, Obligation::ApiUse, Rule::R66);
}

#[test]
fn the_set_id_asked_in_backup_complete_is_caught() {
    caught(Bug::SetIdInBackupComplete, Obligation::ApiUse, Rule::R68);
}

#[test]
fn a_freeze_that_outlasts_the_window_is_caught() {
    caught(Bug::SlowFreeze, Obligation::FreezeWindow, Rule::R99);
    caught(Bug::SlowFreeze, Obligation::HandlerBudget, Rule::R71);
}

#[test]
fn an_abort_that_fails_the_second_time_is_caught() {
    caught(
        Bug::AbortOnce,
        Obligation::ToleratesRepeatedAbort,
        Rule::R55,
    );
}

#[test]
fn a_panicking_handler_is_caught() {
    vss_sim::sim::quiet_writer_panics();
    caught(Bug::PanicInPostSnapshot, Obligation::NoPanic, Rule::R64);
}

#[test]
fn a_budget_the_author_sets_is_enforced() {
    let report = kit(Bug::None).budget(WriterEvent::Freeze, 0).run();
    assert!(
        report.findings_of(Obligation::HandlerBudget).is_empty(),
        "{report}"
    );
    let report = kit(Bug::SlowFreeze)
        .budget(WriterEvent::Freeze, 20_000)
        .run();
    let findings = report.findings_of(Obligation::HandlerBudget);
    assert!(
        findings[0].message.contains("budget is 20000 ms"),
        "{}",
        findings[0]
    );
}

/// The catalogue reaches what its cases claim: a writer that panics in `OnAbort` shows which
/// cases deliver Abort to the writer under test (R50, R55, R76, R89, R95, Q3).
#[test]
fn the_catalogue_delivers_abort_exactly_where_its_cases_say() {
    struct PanicsOnAbort;
    impl Writer for PanicsOnAbort {
        fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
            md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
            md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "data");
            true
        }
        fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
            panic!("OnAbort reached")
        }
    }
    vss_sim::sim::quiet_writer_panics();
    let report = WriterConformance::new(|| PanicsOnAbort).run();
    let aborted: std::collections::BTreeSet<&str> = report
        .findings_of(Obligation::NoPanic)
        .iter()
        .map(|f| f.case.as_str())
        .collect();
    // Issue 10: the finding carries the panic's message and where it happened, and nothing
    // reached the terminal (the quiet hook kept it).
    let first = &report.findings_of(Obligation::NoPanic)[0];
    assert!(
        first
            .message
            .contains("panicked: OnAbort reached (at tests/testkit_writer.rs:"),
        "{}",
        first.message
    );
    for case in [
        "fatal/freeze",
        "fatal/thaw",
        "peer-fails/freeze/all-writers",
        "peer-fails/thaw/all-writers",
        "freeze-window/expires",
        "hold-writes/over-10s",
        "provider-fails/end-prepare-snapshots",
        "provider-fails/commit-snapshots",
        "abort-backup/after-step-8-wait",
        "abort/delivered-twice",
    ] {
        assert!(aborted.contains(case), "no Abort in {case}: {aborted:?}");
    }
    for case in [
        "happy/full",
        // PrepareForBackup not run yet: no writer took part, AbortBackup reaches none (Q2).
        "abort-backup/after-step-7-prepare-for-backup",
        "veto/prepare-snapshot",
        "fatal/post-snapshot",
        "peer-fails/freeze/failing-writer",
        "abort-backup/after-step-13-backup-complete",
        "requester-crash/after-step-10-wait",
        "concurrent/two-backups",
    ] {
        assert!(!aborted.contains(case), "Abort in {case}");
    }
    // Some requester crash lands inside DoSnapshotSet, where the release aborts it (R50c).
    assert!(aborted
        .iter()
        .any(|c| c.starts_with("requester-crash/during-do-snapshot-set")));
}

#[test]
fn every_case_names_its_rules_and_has_a_unique_id() {
    let kit = kit(Bug::None);
    let cases = kit.cases();
    let ids: std::collections::BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), cases.len());
    assert!(cases
        .iter()
        .all(|c| !c.rules.is_empty() && !c.title.is_empty()));
}

/// Every case id, as a finding's replay command gives it (`VSS_SIM_CASE='<id>'`, here through
/// `only_case`, which selects the same way), runs exactly that case and nothing else.
#[test]
fn every_case_id_selects_exactly_its_case() {
    let ids: Vec<String> = kit(Bug::None).cases().into_iter().map(|c| c.id).collect();
    assert!(ids.len() >= 150, "{} cases", ids.len());
    for id in &ids {
        let report = kit(Bug::None).only_case(id.clone()).run();
        assert_eq!(report.cases, 1, "{id}");
        assert!(
            report.test_errors.is_empty(),
            "{id}: {:?}",
            report.test_errors
        );
    }
    let report = kit(Bug::None).only_case("happy/no-such-case").run();
    assert_eq!(report.cases, 0);
    assert_eq!(report.test_errors.len(), 1, "{:?}", report.test_errors);
}

/// A writer that declares nothing is never included (R47, R72): the kit says so instead of
/// passing it vacuously.
#[test]
fn a_writer_that_takes_no_part_is_reported_not_passed() {
    struct Silent;
    impl Writer for Silent {
        fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
    }
    let report = WriterConformance::new(|| Silent).run();
    assert_eq!(
        report.findings_of(Obligation::TakesPart).len(),
        1,
        "{report}"
    );
}

/// A writer whose OnIdentify panics is told that, not to declare components (R10, R64, R72).
#[test]
fn a_writer_left_out_for_a_panicking_identify_is_told_why() {
    vss_sim::sim::quiet_writer_panics();
    let report = WriterConformance::new(|| {
        vss_sim::writer::ScriptedWriter::new("WriterUnderTest")
            .on(WriterEvent::Identify, vss_sim::writer::Reaction::PANIC)
    })
    .run();
    let takes_part = report.findings_of(Obligation::TakesPart);
    assert_eq!(takes_part.len(), 1, "{report}");
    let message = &takes_part[0].message;
    assert!(message.contains("OnIdentify → panicked"), "{message}");
    assert!(message.contains("R10"), "{message}");
    assert!(!message.contains("declare a restore method"), "{message}");
}

/// Issue 13 part 7: the restore cases raise PreRestore and PostRestore exactly where they say
/// (R78, R81, R83), and the stamp chains hand each backup's stamp to the next (R113, R114).
#[test]
fn the_catalogue_restores_and_chains_stamps_where_its_cases_say() {
    use std::cell::RefCell;
    use std::rc::Rc;

    /// Which restore handlers ran, per case, and the previous stamps read.
    #[derive(Default)]
    struct Seen {
        restore_events: Vec<WriterEvent>,
        previous: Vec<Option<String>>,
        stamps: u32,
    }

    /// Panics in OnPreRestore and OnPostRestore (so the kit names the cases that reach them)
    /// and stamps each backup, remembering the previous stamp it was handed.
    struct Stamper(Rc<RefCell<Seen>>);
    impl Writer for Stamper {
        fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
            md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
            md.add_component(ComponentType::VSS_CT_DATABASE, None, "db");
            true
        }
        fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            let Some(key) = ctx.components().and_then(|c| c.first().cloned()) else {
                return true;
            };
            let mut seen = self.0.borrow_mut();
            seen.previous.push(ctx.previous_backup_stamp(&key).unwrap());
            seen.stamps += 1;
            let stamp = format!("lsn-{}", seen.stamps);
            ctx.set_backup_stamp(&key, &stamp).is_ok()
        }
        fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_pre_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            self.0.borrow_mut().restore_events.push(ctx.event());
            true
        }
        fn on_post_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            self.0.borrow_mut().restore_events.push(ctx.event());
            true
        }
    }

    let run = |case: &str| {
        let seen = Rc::new(RefCell::new(Seen::default()));
        let shared = Rc::clone(&seen);
        let report = WriterConformance::new(move || Stamper(Rc::clone(&shared)))
            .only_case(case)
            .run();
        report.assert_ok();
        Rc::try_unwrap(seen).ok().unwrap().into_inner()
    };
    use WriterEvent::{PostRestore, PreRestore};
    for (case, expected) in [
        ("restore/happy", &[PreRestore, PostRestore][..]),
        (
            "restore/requester-releases-before-post-restore",
            &[PreRestore][..],
        ),
        (
            "restore/requester-crashes-before-post-restore",
            &[PreRestore][..],
        ),
        ("restore/other-writer-only", &[][..]),
        ("restore/new-targets", &[PreRestore, PostRestore][..]),
        (
            "restore/additional-restores",
            &[PreRestore, PostRestore, PreRestore, PostRestore][..],
        ),
        ("restore/type-import", &[PreRestore, PostRestore][..]),
        ("restore/type-other", &[PreRestore, PostRestore][..]),
    ] {
        assert_eq!(run(case).restore_events, expected, "{case}");
    }
    // The kit's reference backup of a fresh writer (stamps lsn-1), the chain's three backups
    // (FULL stamps lsn-2 and is handed nothing; each INCREMENTAL is handed the stamp before),
    // then the follow-up backup, which hands nothing back.
    let chain = run("stamps/full-incremental-incremental");
    assert_eq!(
        chain.previous,
        [None, None, Some("lsn-2".into()), Some("lsn-3".into()), None]
    );
}

/// Issue 10: a handler that returns `false` without `SetWriterFailure` is reported as that
/// (R64: on a fatal error a handler calls `SetWriterFailure`, then returns false).
#[test]
fn false_without_set_writer_failure_is_its_own_finding() {
    struct SilentFailure;
    impl Writer for SilentFailure {
        fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
            md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
            md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "data");
            true
        }
        fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
            false
        }
        fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
    }
    let report = WriterConformance::new(|| SilentFailure)
        .only_case("happy/full")
        .run();
    let findings = report.findings_of(Obligation::ExplainsFailure);
    assert!(!findings.is_empty(), "{report}");
    // Issue 10 part 5: the report opens with a summary, then one paragraph per obligation and
    // rule with its cases, an example and its replay command; the same as JSON for tools.
    let text = report.to_string();
    assert!(
        text.starts_with("writer `WriterUnderTest` broke 2 obligation(s): "),
        "{text}"
    );
    assert!(
        text.contains("  R64 SetWriterFailure before returning false — "),
        "{text}"
    );
    assert!(text.contains("\nR64 [SetWriterFailure before returning false] in happy/full\n  e.g. in `happy/full`: "), "{text}");
    let json = report.to_json();
    assert_eq!(json["ok"], false);
    let group = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["obligation"] == "ExplainsFailure")
        .unwrap();
    assert_eq!(group["rule"], "R64");
    assert_eq!(group["cases"][0], "happy/full");
    assert!(group["example"]["replay"]
        .as_str()
        .unwrap()
        .contains("happy/full"));
    assert_eq!(findings[0].rule, Rule::R64);
    assert!(
        findings[0]
            .message
            .starts_with("OnFreeze for requester#0 at ")
            && findings[0]
                .message
                .contains("returned false without calling SetWriterFailure"),
        "{}",
        findings[0].message
    );
}

/// How a [`Staging`] writer handles its temporary copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cleanup {
    /// Removed in OnPostSnapshot, OnAbort and OnBackupShutdown: correct.
    Everywhere,
    /// Removed in OnPostSnapshot only: a backup that ends any other way leaks them.
    PostSnapshotOnly,
    /// Never removed in OnPostSnapshot (only when the backup ends).
    AtShutdownOnly,
}

/// A writer that copies its files aside in OnPrepareSnapshot and removes the copies after the
/// snapshot (R71: "temporary files are removed in OnPostSnapshot"); Freeze stops writes.
#[derive(Debug)]
struct Staging {
    cleanup: Cleanup,
    frozen: bool,
    temp_copies: u32,
}

impl Staging {
    fn new(cleanup: Cleanup) -> Self {
        Self {
            cleanup,
            frozen: false,
            temp_copies: 0,
        }
    }
}

impl Writer for Staging {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "staged");
        true
    }
    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.temp_copies += 1;
        true
    }
    fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = true;
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = false;
        true
    }
    fn on_post_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        if self.cleanup != Cleanup::AtShutdownOnly {
            self.temp_copies = 0;
        }
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = false;
        if self.cleanup == Cleanup::Everywhere {
            self.temp_copies = 0;
        }
        true
    }
    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.frozen = false;
        if self.cleanup != Cleanup::PostSnapshotOnly {
            self.temp_copies = 0;
        }
        true
    }
}

fn staging(cleanup: Cleanup) -> WriterConformance<Staging> {
    WriterConformance::new(move || Staging::new(cleanup))
        .probe("accepts writes", |w: &Staging| !w.frozen)
        .probe_at_rest("no temporary copies", |w: &Staging| w.temp_copies == 0)
}

#[test]
fn state_a_writer_keeps_during_a_backup_is_no_finding_at_thaw() {
    // Issue 10 part 1: temporary copies from OnPrepareSnapshot to OnPostSnapshot are legitimate;
    // an at-rest probe is not asked at Thaw, a resumed one is.
    staging(Cleanup::Everywhere).run().assert_ok();
}

#[test]
fn r58_state_left_when_a_backup_ends_is_charged_to_that_backup() {
    // The copies of a backup that ended without OnPostSnapshot stay: found after its
    // BackupShutdown (or before the next backup), not as a failure to resume after Thaw.
    let report = staging(Cleanup::PostSnapshotOnly).run();
    let leaks: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.obligation == Obligation::RunningAfterBackups)
        .collect();
    assert!(!leaks.is_empty(), "{report}");
    assert!(report
        .findings
        .iter()
        .all(|f| f.obligation == Obligation::RunningAfterBackups
            || f.obligation == Obligation::NoLeakBetweenBackups));
    for finding in &leaks {
        assert_eq!(finding.rule, Rule::R58);
        assert!(
            finding.message.contains("`no temporary copies`"),
            "{}",
            finding.message
        );
        // Cases whose backup never reached OnPostSnapshot leak; happy ones do not.
        assert!(!finding.case.starts_with("happy/"), "{}", finding.case);
    }
    assert!(
        leaks.iter().any(|f| f
            .message
            .starts_with("after OnBackupShutdown for requester#0")),
        "the backup that leaked is named: {report}"
    );
}

#[test]
fn r71_a_probe_declared_for_after_post_snapshot_is_held_there() {
    let report = WriterConformance::new(|| Staging::new(Cleanup::AtShutdownOnly))
        .probe("accepts writes", |w: &Staging| !w.frozen)
        .probe_when(
            "temporary copies removed by OnPostSnapshot",
            |history: &[WriterEvent]| history.last() == Some(&WriterEvent::PostSnapshot),
            |w: &Staging| w.temp_copies == 0,
        )
        .run();
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.obligation == Obligation::HoldsWhenDeclared && f.rule == Rule::R71),
        "{report}"
    );
    // The same writer with a probe at rest only passes: it does clean up by the end.
    WriterConformance::new(|| Staging::new(Cleanup::AtShutdownOnly))
        .probe_at_rest("no temporary copies", |w: &Staging| w.temp_copies == 0)
        .run()
        .assert_ok();
}

#[test]
fn two_probes_with_one_name_are_a_test_error() {
    let report = staging(Cleanup::Everywhere)
        .probe_at_rest("accepts writes", |w: &Staging| !w.frozen)
        .run();
    assert!(
        report
            .test_errors
            .iter()
            .any(|e| e.contains("two probes are named `accepts writes`")),
        "{report}"
    );
}

#[test]
fn a_panicking_probe_predicate_is_a_test_error_not_the_writers_panic() {
    let report = WriterConformance::new(|| Staging::new(Cleanup::Everywhere))
        .probe_when(
            "never asked",
            |_: &[WriterEvent]| panic!("predicate bug"),
            |_: &Staging| true,
        )
        .run();
    assert!(report.findings.is_empty(), "{report}");
    assert!(
        report
            .test_errors
            .iter()
            .any(|e| e.contains("the probe `never asked` panicked")),
        "{report}"
    );
}

/// A writer that declares its restore method and component, and assumes every declaring call
/// succeeds (a C++ writer that throws on a failed HRESULT). It keeps no application state.
struct Trusting;

impl Writer for Trusting {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.declare_restore_method(vss_sim::vocab::RestoreMethodInfo {
            method: RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE,
            ..Default::default()
        })
        .expect("SetRestoreMethod");
        md.declare_component(vss_sim::vocab::ComponentInfo::new(
            ComponentType::VSS_CT_FILEGROUP,
            None,
            "data",
        ))
        .expect("AddComponent");
        true
    }
    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

#[test]
fn r64_a_failing_metadata_call_in_identify_runs_the_writers_error_path() {
    // Issue 10 part 3: the catalogue fails each of the first declaring calls of OnIdentify in
    // turn; a writer that panics there is caught in exactly those cases.
    let report = WriterConformance::new(|| Trusting).run();
    let panics = report.findings_of(Obligation::NoPanic);
    let cases: Vec<&str> = panics.iter().map(|f| f.case.as_str()).collect();
    assert_eq!(
        cases,
        [
            "identify/metadata-call-fails/1",
            "identify/metadata-call-fails/2"
        ],
        "{report}"
    );
    assert!(panics[0].message.contains("SetRestoreMethod"), "{report}");
    // A writer that checks its calls (the Journal ignores a failed AddComponent) passes.
    kit(Bug::None).run().assert_ok();
}
