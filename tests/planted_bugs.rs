//! The checkers cannot pass vacuously: one deliberate engine bug per oracle rule family
//! (`PlantedBug::ALL`), each caught by the oracle as an engine violation of the rule it breaks,
//! found by the explorer within a small bound, and absent from the same exploration without
//! the bug. Design principle 7; `docs/testing.md` lists the bugs.

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use vss_sim::coordinator::PlantedBug;
use vss_sim::provider::{ProviderInfo, SoftwareProvider};
use vss_sim::requester::Vss;
use vss_sim::sim::{
    Bounds, Exploration, Explorer, FaultCatalogue, Judge, ProgramStep, Scenario, SharedChooser,
    Step,
};
use vss_sim::trace::oracle::{self, Party};
use vss_sim::vocab::{
    Attributes, BackupState, Call, ComponentType, ProviderId, RestoreMethod, SnapshotContext,
    WriterClassId,
};
use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

/// The most executions any planted bug may take to be found.
const FOUND_WITHIN: u64 = 2_000;

/// Three writers at three application levels, registered in an order Freeze must not follow
/// (R46), running the canonical backup under `faults`.
fn three_writers(faults: FaultCatalogue) -> Scenario {
    common::three_level_scenario("planted bug", faults)
}

/// The canonical backup, reading every status row after GatherWriterStatus (R29).
fn reading_status(faults: FaultCatalogue) -> Scenario {
    let mut scenario = three_writers(faults);
    let after_status_wait = scenario
        .steps
        .iter()
        .position(|s| s.step == Step::GatherWriterStatus)
        .expect("the canonical backup gathers status")
        + 2;
    let reads = (0..3).map(|index| ProgramStep::new(Step::GetWriterStatusAt { index }));
    scenario
        .steps
        .splice(after_status_wait..after_status_wait, reads);
    scenario
}

/// Requester `r` waits for its last operation.
fn wait(r: u32) -> ProgramStep {
    ProgramStep::by(
        r,
        Step::Wait {
            op: vss_sim::sim::OpRef::Last,
            timeout_ms: None,
        },
    )
}

/// Two requesters that both start a set while the first one's is in creation (R15).
fn two_requesters() -> Scenario {
    let mut scenario = three_writers(FaultCatalogue::none());
    let by = ProgramStep::by;
    let mut steps = Vec::new();
    for r in 0..2 {
        steps.extend([
            by(r, Step::InitializeForBackup),
            by(r, Step::SetBackupState(BackupState::default())),
            by(r, Step::GatherWriterMetadata),
            wait(r),
            by(r, Step::SelectAllComponents),
        ]);
    }
    steps.extend([
        by(0, Step::StartSnapshotSet),
        by(1, Step::StartSnapshotSet),
        by(1, Step::AbortBackup),
        by(1, Step::Release),
        by(0, Step::AbortBackup),
        by(0, Step::Release),
    ]);
    scenario.steps = steps;
    scenario
}

/// A backup that never sends BackupComplete, then a second requester that only looks at the
/// writers' status, as a backup tool's pre-flight check does (R30).
fn status_after_a_backup() -> Scenario {
    let mut scenario = three_writers(FaultCatalogue::none());
    let by = ProgramStep::by;
    let mut steps: Vec<ProgramStep> = scenario
        .steps
        .iter()
        .take_while(|s| s.step != Step::BackupComplete)
        .cloned()
        .collect();
    steps.push(by(0, Step::Release));
    steps.extend([
        by(1, Step::InitializeForBackup),
        by(1, Step::SetBackupState(BackupState::default())),
        by(1, Step::GatherWriterMetadata),
        wait(1),
        by(1, Step::GatherWriterStatus),
        wait(1),
    ]);
    steps.extend((0..3).map(|index| by(1, Step::GetWriterStatusAt { index })));
    steps.push(by(1, Step::Release));
    scenario.steps = steps;
    scenario
}

/// A persistent backup (`VSS_CTX_APP_ROLLBACK`), then a second requester in the default context
/// that lists the machine's shadow copies (R34: it must not see the persistent one).
fn query_after_a_persistent_backup() -> Scenario {
    let mut scenario = three_writers(FaultCatalogue::none());
    let by = ProgramStep::by;
    let mut steps = vec![
        by(0, Step::InitializeForBackup),
        by(
            0,
            Step::SetContext {
                context: vss_sim::vocab::SnapshotContext::VSS_CTX_APP_ROLLBACK.value(),
            },
        ),
    ];
    steps.extend(scenario.steps.iter().skip(1).cloned());
    steps.extend([
        by(1, Step::InitializeForBackup),
        by(1, Step::Query),
        by(1, Step::Release),
    ]);
    scenario.steps = steps;
    scenario
}

/// A requester queries the machine's copies after the VSS service restarted under it.
fn query_after_the_service_restarted() -> Scenario {
    let mut scenario = three_writers(FaultCatalogue::none());
    let by = ProgramStep::by;
    scenario.steps = vec![
        by(0, Step::InitializeForBackup),
        by(0, Step::RestartService),
        by(0, Step::Query),
        by(0, Step::Release),
    ];
    scenario
}

/// The VSS service restarts while a writer's 2 s OnIdentify keeps GatherWriterMetadata in
/// flight.
fn gathering_when_the_service_restarts() -> Scenario {
    let mut scenario = three_writers(FaultCatalogue::none());
    scenario.writers[0].script.insert(
        vss_sim::vocab::WriterEvent::Identify,
        vss_sim::writer::Reaction::slow(2_000),
    );
    let by = ProgramStep::by;
    scenario.steps = vec![
        by(0, Step::InitializeForBackup),
        by(0, Step::GatherWriterMetadata),
        by(0, Step::RestartService),
        by(
            0,
            Step::Wait {
                op: vss_sim::sim::OpRef::Last,
                timeout_ms: None,
            },
        ),
        by(0, Step::Release),
    ];
    scenario
}

/// A backup that saves its document, then a restore by a second requester of two of the three
/// writers (R78; R81: the third must hear nothing of it).
fn backup_then_restore() -> Scenario {
    let mut scenario = three_writers(FaultCatalogue::none());
    let at = scenario
        .steps
        .iter()
        .position(|s| s.step == Step::BackupComplete)
        .expect("the canonical backup completes");
    scenario.steps.insert(at, ProgramStep::new(Step::SaveAsXml));
    let mut restore = vss_sim::sim::canonical_restore(1);
    for step in &mut restore {
        if step.step == Step::SelectAllForRestore {
            step.step = Step::SelectForRestore {
                writers: vec!["SqlWriter".into(), "WebWriter".into()],
            };
        }
    }
    scenario.steps.extend(restore);
    scenario
}

/// A writer that stamps its component in every handler that gets `IVssWriterComponents`,
/// OnBackupComplete included, where the document is read-only (R49).
struct Scribbler;

impl Writer for Scribbler {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, metadata: &mut WriterMetadata) -> bool {
        metadata
            .set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_NOT_THERE)
            .add_component(ComponentType::VSS_CT_FILEGROUP, None, "Scribbles");
        true
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        stamp(ctx)
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
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        stamp(ctx)
    }
    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = stamp(ctx); // read-only here: VSS_E_BAD_STATE expected
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

/// `SetBackupStamp` on the writer's first component; whether it was accepted.
fn stamp(ctx: &mut HandlerContext<'_>) -> bool {
    let Some(key) = ctx.components().and_then(|c| c.first().cloned()) else {
        return true;
    };
    ctx.set_backup_stamp(&key, "lsn-42").is_ok()
}

/// A writer that asks for the current set in every handler (R68), as many real writers log it.
struct CuriousWriter;

impl Writer for CuriousWriter {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, metadata: &mut WriterMetadata) -> bool {
        let _ = ctx.snapshot_set_id();
        metadata
            .set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_NOT_THERE)
            .add_component(ComponentType::VSS_CT_FILEGROUP, None, "Curious");
        true
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.snapshot_set_id().is_ok()
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.snapshot_set_id().is_ok()
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.snapshot_set_id().is_ok()
    }
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.snapshot_set_id().is_ok()
    }
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.snapshot_set_id().is_ok()
    }
    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = ctx.snapshot_set_id(); // outside the window: VSS_E_BAD_STATE expected
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

/// Explores a backup by one [`CuriousWriter`] (or, with `scribbler`, one [`Scribbler`]).
fn curious_explorer(
    bug: Option<PlantedBug>,
    scribbler: bool,
) -> Explorer<impl FnMut(SharedChooser) -> vss_sim::trace::Trace> {
    Explorer::new(move |chooser: SharedChooser| {
        let config = WriterConfig::new(WriterClassId::from_u128(0xC0), "Curious");
        let mut builder = if scribbler {
            Vss::builder().chooser(chooser).writer(config, Scribbler)
        } else {
            Vss::builder()
                .chooser(chooser)
                .writer(config, CuriousWriter)
        };
        if let Some(bug) = bug {
            builder = builder.planted_bug(bug);
        }
        let vss = builder.build();
        let mut bc = vss.dynamic();
        let _ = bc.call_ok(Call::InitializeForBackup);
        let _ = bc.call_ok(Call::SetBackupState(BackupState::default()));
        let _ = bc.call_and_wait(Call::GatherWriterMetadata);
        let _ = bc.select_all_components();
        let _ = bc.call_ok(Call::StartSnapshotSet);
        let _ = bc.call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        });
        let _ = bc.call_and_wait(Call::PrepareForBackup);
        let _ = bc.call_and_wait(Call::DoSnapshotSet);
        let _ = bc.call_and_wait(Call::BackupComplete);
        drop(bc);
        vss.take_trace()
    })
}

/// Explores a transportable backup of P:\ and its import on the same machine (R97).
fn importing_explorer(
    bug: Option<PlantedBug>,
) -> Explorer<impl FnMut(SharedChooser) -> vss_sim::trace::Trace> {
    Explorer::new(move |chooser: SharedChooser| {
        let san = ProviderId::from_u128(0x5a4);
        let mut builder = Vss::builder().chooser(chooser).volume("P:\\").provider(
            SoftwareProvider::new(san, "SAN provider").with_info(ProviderInfo::hardware()),
        );
        if let Some(bug) = bug {
            builder = builder.planted_bug(bug);
        }
        let vss = builder.build();
        let mut creator = vss.dynamic();
        let _ = creator.call_ok(Call::InitializeForBackup);
        let _ = creator.call_ok(Call::SetContext {
            context: SnapshotContext::VSS_CTX_NAS_ROLLBACK.value() | Attributes::TRANSPORTABLE.0,
        });
        let _ = creator.call_ok(Call::StartSnapshotSet);
        let _ = creator.call_ok(Call::AddToSnapshotSet {
            volume: "P:\\".into(),
            provider: ProviderId::NULL,
        });
        let _ = creator.call_and_wait(Call::DoSnapshotSet);
        let xml = creator.save_as_xml().unwrap_or_default();
        let mut importer = vss.dynamic();
        let _ = importer.call_ok(Call::InitializeForBackupFrom { bcd: xml });
        let _ = importer.import_snapshots();
        drop((creator, importer));
        vss.take_trace()
    })
}

/// Explores the run that exposes `bug`, with it planted or not.
fn explore(bug: PlantedBug, planted: bool) -> Exploration {
    let bounds = Bounds {
        stop_at_first_violation: true,
        max_executions: FOUND_WITHIN,
        ..Bounds::default()
    };
    let with = planted.then_some(bug);
    let scenario = match bug {
        PlantedBug::QueriesOutsideWindow | PlantedBug::DocumentWritableAnywhere => {
            let scribbler = bug == PlantedBug::DocumentWritableAnywhere;
            return curious_explorer(with, scribbler)
                .bounds(bounds)
                .judge(Judge::Engine)
                .run();
        }
        PlantedBug::RestoreEventsForUnselected | PlantedBug::PostRestoreSkipsLastWriter => {
            backup_then_restore()
        }
        PlantedBug::ImportLosesCopies => {
            return importing_explorer(with)
                .bounds(bounds)
                .judge(Judge::Engine)
                .run();
        }
        PlantedBug::SecondSetInCreation => two_requesters(),
        PlantedBug::StatusForgetsFailure => reading_status(FaultCatalogue::standard()),
        PlantedBug::StatusForgetsMachine => status_after_a_backup(),
        PlantedBug::QuerySeesEveryContext => query_after_a_persistent_backup(),
        PlantedBug::LostObjectStillServed => query_after_the_service_restarted(),
        PlantedBug::LostOperationFinishes => gathering_when_the_service_restarts(),
        PlantedBug::AbortAfterPostSnapshot
        | PlantedBug::AbortOnPrepareSnapshotVeto
        | PlantedBug::CompleteWithoutSnapshot
        | PlantedBug::AbortIgnoresBusyWriter => three_writers(FaultCatalogue::standard()),
        _ => three_writers(FaultCatalogue::none()),
    };
    Explorer::scenario_with_bug(scenario, with)
        .bounds(bounds)
        .judge(Judge::Engine)
        .run()
}

#[test]
fn every_oracle_family_has_a_planted_bug() {
    let planted: BTreeSet<&str> = PlantedBug::ALL.iter().map(|bug| bug.family()).collect();
    let families: BTreeSet<&str> = oracle::families().iter().map(|(name, _)| *name).collect();
    assert_eq!(planted, families);
    for bug in PlantedBug::ALL {
        let (_, rules) = oracle::families()
            .into_iter()
            .find(|(name, _)| *name == bug.family())
            .expect("a family");
        assert!(
            rules.contains(&bug.rule()),
            "{bug:?} breaks {}, which the {} family does not judge",
            bug.rule(),
            bug.family()
        );
    }
}

#[test]
fn every_planted_bug_is_caught_and_found_within_the_bound() {
    let mut missed = Vec::new();
    for bug in PlantedBug::ALL {
        let started = Instant::now();
        let exploration = explore(bug, true);
        let Some(counterexample) = exploration.counterexample.as_ref() else {
            missed.push(format!(
                "{bug:?}: not found in {} executions",
                exploration.executions
            ));
            continue;
        };
        let caught = counterexample
            .report
            .engine_violations()
            .iter()
            .any(|v| v.rule == bug.rule() && v.party == Party::Engine);
        if !caught {
            missed.push(format!(
                "{bug:?}: found, but not as an engine violation of {}:\n{}",
                bug.rule(),
                counterexample.report
            ));
        }
        eprintln!(
            "{bug:?} ({} family, {}): found at execution {} in {:?}",
            bug.family(),
            bug.rule(),
            counterexample.execution + 1,
            started.elapsed()
        );
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

#[test]
fn without_the_bugs_the_same_explorations_are_clean() {
    for bug in PlantedBug::ALL {
        let exploration = explore(bug, false);
        assert!(
            exploration.counterexample.is_none(),
            "{bug:?}'s run breaks a rule without the bug:\n{}",
            exploration.counterexample.unwrap().report
        );
    }
}
