//! The requester check on backup flows whose mistakes we know: a flow that follows the abort
//! rules passes; bareos #1923's flow (field failure 9) and a silently degrading one (field
//! failure 23) are caught.

use vss_sim::requester::{AsyncError, Vss, WaitError};
use vss_sim::testkit::Issue;
use vss_sim::testkit::{Adversary, Claim, Exhaustive, RequesterCheck};
use vss_sim::vocab::Rule;
use vss_sim::vocab::{BackupState, Call, Hresult, Reply, WriterEvent, WriterFailure};
use vss_sim::writer::Reaction;

/// Stops after a failed step: AbortBackup once a backup is under way (R52–R54), then release.
macro_rules! give_up {
    ($error:expr) => {{
        match $error {
            WaitError::Failed(failed) => drop(failed.components.abort_backup()),
            WaitError::BoundReached(pending, _) => drop(pending.abort_backup()),
        }
        return Claim::Failed;
    }};
}

/// A requester that follows the documented flow and abort rules, and reports writers whose
/// status shows a failure.
fn by_the_book(vss: &Vss) -> Claim {
    let Ok(mut bc) = vss.backup_components().initialize_for_backup() else {
        return Claim::Failed;
    };
    if bc.set_backup_state(BackupState::default()).is_err() {
        return Claim::Failed;
    }
    let Ok(mut discovered) = bc
        .gather_writer_metadata()
        .map_err(AsyncError::from)
        .and_then(|p| p.wait().map_err(AsyncError::from))
    else {
        return Claim::Failed;
    };
    if discovered.select_all_components().is_err() {
        return Claim::Failed;
    }
    let Ok(mut started) = discovered.start_snapshot_set() else {
        return Claim::Failed; // e.g. another backup's set in creation (R15): nothing to abort
    };
    if started.add_to_snapshot_set("C:\\").is_err() {
        drop(started.abort_backup()); // R53: after StartSnapshotSet, abort
        return Claim::Failed;
    }
    let prepared = match started.prepare_for_backup() {
        Ok(pending) => match pending.wait() {
            Ok(prepared) => prepared,
            Err(failed) => give_up!(failed),
        },
        Err(failed) => {
            drop(failed.components.abort_backup());
            return Claim::Failed;
        }
    };
    let mut done = match prepared.do_snapshot_set() {
        Ok(pending) => match pending.wait() {
            Ok(done) => done,
            Err(failed) => give_up!(failed), // R54
        },
        Err(failed) => {
            drop(failed.components.abort_backup());
            return Claim::Failed;
        }
    };
    let failed_writers: Vec<String> = done
        .writer_status()
        .unwrap_or_default()
        .into_iter()
        .filter(|w| w.failure.is_failure() || w.state.is_failed())
        .map(|w| w.name)
        .collect();
    // ... copy the files from the shadow copy here ...
    match done.backup_complete() {
        Ok(pending) => drop(pending.wait()),
        Err(failed) => drop(failed.components.abort_backup()),
    }
    if failed_writers.is_empty() {
        Claim::Consistent
    } else {
        Claim::ConsistentExcept(failed_writers)
    }
}

#[test]
fn a_requester_that_follows_the_abort_rules_passes_every_adversary() {
    let report = RequesterCheck::new(by_the_book).run();
    report.assert_ok();
    assert_eq!(report.runs, Adversary::catalogue().len() as u64);
}

#[test]
fn a_requester_that_follows_the_abort_rules_passes_exhaustive_mode() {
    let report = RequesterCheck::new(by_the_book)
        .adversaries([])
        .exhaustive(Exhaustive::default())
        .run();
    report.assert_ok();
    assert!(report.runs > 10, "{} runs", report.runs);
}

/// Bareos's `VSSClientGeneric` (core/src/win32/filed/vss_generic.cc), as in bareos #1923:
/// CreateSnapshots bails out after a PrepareForBackup veto without AbortBackup; CloseBackup
/// calls BackupComplete unconditionally and AbortBackup only because that failed.
fn bareos_1923(vss: &Vss) -> Claim {
    let mut bc = vss.dynamic();
    let wait = |bc: &mut vss_sim::requester::DynBackupComponents, call: Call| -> Hresult {
        match bc.call(call) {
            Ok(Reply::Async(op)) => match bc.call(Call::Wait {
                op,
                timeout_ms: None,
            }) {
                Ok(Reply::Status(status)) => status,
                Ok(_) => Hresult::S_OK,
                Err(hr) => hr,
            },
            Ok(_) => Hresult::S_OK,
            Err(hr) => hr,
        }
    };
    let _ = bc.call(Call::InitializeForBackup);
    let _ = bc.call(Call::SetBackupState(BackupState::default()));
    let _ = wait(&mut bc, Call::GatherWriterMetadata);
    // CreateSnapshots
    let _ = bc.call(Call::StartSnapshotSet);
    let _ = bc.call(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: vss_sim::vocab::ProviderId::NULL,
    });
    let _ = wait(&mut bc, Call::PrepareForBackup);
    let _ = wait(&mut bc, Call::GatherWriterStatus);
    let vetoed = matches!(bc.call(Call::WriterStatusCount), Ok(Reply::Count(n)) if (0..n).any(|index| {
        matches!(bc.call(Call::WriterStatus { index }), Ok(Reply::WriterStatus(w)) if w.failure.is_failure())
    }));
    let snapshot = if vetoed {
        None // "CreateSnapshots returns false"
    } else {
        Some(wait(&mut bc, Call::DoSnapshotSet))
    };
    // CloseBackup
    let complete = wait(&mut bc, Call::BackupComplete);
    if complete.is_failure() {
        let _ = bc.call(Call::AbortBackup);
    }
    let _ = bc.call(Call::Release);
    match snapshot {
        Some(hr) if hr == Hresult::VSS_S_ASYNC_FINISHED => Claim::Consistent,
        _ => Claim::Failed,
    }
}

#[test]
fn bareos_1923_backup_complete_after_a_veto_is_caught() {
    // Field failure 9: the check reports R26 against the veto adversary (and wherever else
    // CloseBackup's unconditional BackupComplete follows a failed or missing DoSnapshotSet),
    // but not when all goes well.
    let report = RequesterCheck::new(bareos_1923).run();
    let r26 = report.findings_of(Rule::R26);
    assert!(r26.iter().all(|f| f.adversary != "all-well"), "{report}");
    let Some(veto) = r26
        .iter()
        .find(|f| f.adversary == "writer-vetoes/PrepareForBackup")
    else {
        panic!("bareos #1923 not caught:\n{report}");
    };
    assert!(veto.message.contains("without a DoSnapshotSet"), "{veto}");
    assert!(veto
        .replay
        .contains("VSS_SIM_CASE='writer-vetoes/PrepareForBackup'"));
    let r26 = [*veto];
    // Windows' answer, in the trace: BackupComplete → VSS_E_BAD_STATE.
    let refused = r26[0].trace.records().iter().any(|r| {
        matches!(&r.event, vss_sim::trace::TraceEvent::Called { call: Call::BackupComplete, hr, .. }
            if *hr == Hresult::VSS_E_BAD_STATE)
    });
    assert!(refused, "{}", r26[0].trace.render());
}

/// A tool that, when the shadow copy fails, reads the live files and still reports success
/// (field failure 23), and that never looks at writer status.
fn silent_fallback(vss: &Vss) -> Claim {
    let claim = by_the_book(vss);
    match claim {
        Claim::Failed | Claim::ConsistentExcept(_) => Claim::Consistent,
        other => other,
    }
}

#[test]
fn silent_degradation_is_caught() {
    let report = RequesterCheck::new(silent_fallback).run();
    let degraded: Vec<&str> = report
        .findings_of(Rule::FF23)
        .iter()
        .map(|f| f.adversary.as_str())
        .collect();
    assert!(
        degraded.contains(&"provider/insufficient-storage"),
        "{report}"
    );
    assert!(degraded.contains(&"writer-fails/Freeze"), "{report}");
    assert!(
        degraded.contains(&"writer-vetoes/PrepareForSnapshot"),
        "{report}"
    );
    assert!(!degraded.contains(&"all-well"), "{report}");
}

/// Releases after a failed DoSnapshotSet without AbortBackup (breaks R54).
fn forgets_abort(vss: &Vss) -> Claim {
    let run = || -> Result<Claim, AsyncError> {
        let mut bc = vss.backup_components().initialize_for_backup()?;
        bc.set_backup_state(BackupState::default())?;
        let mut discovered = bc.gather_writer_metadata()?.wait()?;
        discovered.select_all_components()?;
        let mut started = discovered.start_snapshot_set()?;
        started.add_to_snapshot_set("C:\\")?;
        let prepared = started.prepare_for_backup()?.wait()?;
        let done = prepared.do_snapshot_set()?.wait()?;
        let completed = done.backup_complete()?.wait()?;
        drop(completed);
        Ok(Claim::NotConsistent)
    };
    run().unwrap_or(Claim::Failed)
}

#[test]
fn releasing_after_a_failed_snapshot_without_abort_is_caught() {
    let report = RequesterCheck::new(forgets_abort)
        .adversaries([Adversary::new("commit fails").provider(
            vss_sim::trace::ProviderStep::CommitSnapshots,
            0,
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
        )])
        .run();
    assert_eq!(report.findings_of(Rule::R54).len(), 1, "{report}");
}

#[test]
fn a_panicking_requester_is_a_finding_not_a_crash() {
    let report = RequesterCheck::new(|_: &Vss| panic!("out of disk"))
        .adversaries([Adversary::new("one")])
        .run();
    assert_eq!(
        report
            .findings
            .iter()
            .filter(|f| f.issue == Issue::Panicked)
            .count(),
        1,
        "{report}"
    );
}

#[test]
fn a_custom_adversary_runs_under_its_own_name() {
    let adversary = Adversary::new("db writer vetoes freeze").db_writer(
        WriterEvent::Freeze,
        Reaction::veto(WriterFailure::VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT),
    );
    let report = RequesterCheck::new(silent_fallback)
        .adversaries([adversary])
        .run();
    assert_eq!(
        report.findings[0].adversary, "db writer vetoes freeze",
        "{report}"
    );
    assert_eq!(report.findings[0].issue, Issue::SilentDegradation);
}

/// A backup tool's restore code (issue 13 part 7): a backup that saves its document, then a
/// restore of every component from it, ending with `PostRestore` — or releasing right after
/// `PreRestore` when `early` (R83).
fn backup_and_restore(vss: &Vss, early: bool) -> Claim {
    let mut bc = vss.dynamic();
    let backed_up = (|| {
        bc.call_ok(Call::InitializeForBackup)?;
        bc.call_ok(Call::SetBackupState(BackupState::default()))?;
        bc.call_and_wait(Call::GatherWriterMetadata)?;
        bc.select_all_components()?;
        bc.call_ok(Call::StartSnapshotSet)?;
        bc.call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: vss_sim::vocab::ProviderId::NULL,
        })?;
        bc.call_and_wait(Call::PrepareForBackup)?;
        bc.call_and_wait(Call::DoSnapshotSet)?;
        let bcd = bc.save_as_xml()?;
        bc.call_and_wait(Call::BackupComplete)?;
        Ok::<_, AsyncError>(bcd)
    })();
    let Ok(bcd) = backed_up else {
        let _ = bc.call(Call::AbortBackup);
        return Claim::Failed;
    };
    drop(bc);
    let mut bc = vss.dynamic();
    let prepared = (|| {
        bc.call_ok(Call::InitializeForRestore { bcd })?;
        bc.call_and_wait(Call::GatherWriterMetadata)?;
        let entries = bc.writer_components()?;
        let keys: Vec<_> = entries
            .into_iter()
            .flat_map(|entry| {
                let keys: Vec<_> = entry.components.iter().map(|c| entry.key(c)).collect();
                keys.into_iter().map(|key| vss_sim::vocab::ComponentKey {
                    instance_id: vss_sim::vocab::WriterInstanceId::NULL,
                    ..key
                })
            })
            .collect();
        for key in &keys {
            bc.call_ok(Call::SetSelectedForRestore {
                component: key.clone(),
                selected: true,
            })?;
        }
        bc.call_and_wait(Call::PreRestore)?;
        Ok::<_, AsyncError>(keys)
    })();
    let Ok(keys) = prepared else {
        return Claim::Failed;
    };
    if early {
        drop(bc); // released before PostRestore: the writers stay prepared for a restore
        return Claim::Consistent;
    }
    for key in keys {
        let _ = bc.call_ok(Call::SetFileRestoreStatus {
            component: key,
            status: vss_sim::vocab::FileRestoreStatus::VSS_RS_ALL,
        });
    }
    if bc.call_and_wait(Call::PostRestore).is_err() {
        return Claim::Failed;
    }
    Claim::Consistent
}

#[test]
fn a_restore_that_releases_before_post_restore_is_caught() {
    let adversaries = || [Adversary::new("all-well")];
    RequesterCheck::new(|vss| backup_and_restore(vss, false))
        .adversaries(adversaries())
        .run()
        .assert_ok();
    let report = RequesterCheck::new(|vss| backup_and_restore(vss, true))
        .adversaries(adversaries())
        .run();
    assert_eq!(report.findings_of(Rule::R83).len(), 1, "{report}");
}

#[test]
fn a_requester_report_is_grouped_by_rule_summary_first_and_as_json() {
    // Issue 10 part 6: the same shape as a writer's report — a one-screen summary, one
    // paragraph per rule with its adversaries, one example and its replay; and JSON for tools.
    let report = RequesterCheck::new(bareos_1923).run();
    let text = report.to_string();
    let summary = text.lines().next().unwrap();
    assert!(summary.starts_with("the requester broke "), "{text}");
    assert!(
        summary.contains(&format!("of {} adversaries", report.adversaries)),
        "{text}"
    );
    assert!(text.contains("\nR26 against "), "{text}");
    assert!(text.contains("  replay: VSS_SIM_CASE="), "{text}");
    let json = report.to_json();
    assert_eq!(json["ok"], false);
    let groups = json["groups"].as_array().unwrap();
    let r26 = groups
        .iter()
        .find(|g| g["rule"] == "R26")
        .expect("R26 is a group");
    assert!(r26["adversaries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "writer-vetoes/PrepareForBackup"));
    assert_eq!(
        groups
            .iter()
            .map(|g| g["findings"].as_u64().unwrap())
            .sum::<u64>(),
        report.findings.len() as u64
    );
}
