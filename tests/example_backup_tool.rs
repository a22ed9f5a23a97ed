//! The `backup_tool` example: its three flows against a healthy machine, a writer vetoing
//! PrepareForBackup, a writer failing Freeze and a provider out of storage; what each flow sees
//! and tells its user, and what the oracle says of it.

#[allow(dead_code)]
#[path = "../examples/backup_tool/bareos.rs"]
mod bareos;
#[allow(dead_code)]
#[path = "../examples/backup_tool/report.rs"]
mod report;
#[allow(dead_code)]
#[path = "../examples/backup_tool/session.rs"]
mod session;
#[allow(dead_code)]
#[path = "../examples/backup_tool/tool.rs"]
mod tool;

#[path = "example_backup_tool/harness.rs"]
mod harness;

use vss_sim::requester::Vss;
use vss_sim::trace::oracle::{self, Party};
use vss_sim::vocab::Rule;
use vss_sim::vocab::{BackupState, Call, Hresult, WriterClassId, WriterEvent, WriterState};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

use harness::{failed_names, machine, position, run, Fault, FLOWS, RETRYABLE, SEARCH, SQL};
use report::ToolError;
use session::START_RETRY_MS;
use tool::{BackupTool, Flow, Options};

#[test]
fn the_correct_flow_is_clean_whatever_fails() {
    for fault in [
        Fault::None,
        Fault::PrepareVeto,
        Fault::FreezeFails,
        Fault::ProviderFull,
    ] {
        let vss = machine(fault);
        let report = run(Flow::Correct, &vss);
        let verdict = oracle::check(&vss.trace());
        assert_eq!(
            verdict.violations_by(Party::Requester),
            Vec::<&oracle::Violation>::new(),
            "{fault:?}"
        );
        verdict.assert_clean();
        assert_eq!(report.succeeded, fault == Fault::None, "{fault:?}");
        assert_eq!(report.vss_consistent, fault == Fault::None, "{fault:?}");
        assert!(!report.read_live_files);
        if fault != Fault::None {
            // R52/R54: abort after any failure past PrepareForBackup; R26: no BackupComplete.
            assert_eq!(
                report.hresult_of("AbortBackup"),
                Some(Hresult::S_OK),
                "{fault:?}"
            );
            assert!(!report.called("BackupComplete"), "{fault:?}");
        }
    }
}

#[test]
fn a_healthy_machine_every_flow_succeeds() {
    for flow in FLOWS {
        let vss = machine(Fault::None);
        let report = run(flow, &vss);
        assert!(report.succeeded && report.vss_consistent, "{flow:?}");
        assert_eq!(
            report.async_status_of("BackupComplete"),
            Some(Hresult::VSS_S_ASYNC_FINISHED)
        );
        assert!(!report.called("AbortBackup"), "{flow:?}");
        oracle::check(&vss.trace()).assert_clean();
    }
}

#[test]
fn prepare_veto_correct_aborts_bareos_completes_out_of_order_fallback_hides_it() {
    let vss = machine(Fault::PrepareVeto);
    let correct = run(Flow::Correct, &vss);
    assert_eq!(
        correct.error,
        Some(ToolError::WritersFailed {
            after: "PrepareForBackup"
        })
    );
    assert_eq!(failed_names(&correct), [SEARCH]);
    assert_eq!(
        correct.failed_writers[0].state,
        WriterState::VSS_WS_FAILED_AT_PREPARE_BACKUP
    );
    assert!(!correct.called("DoSnapshotSet"));

    // Field failure 9, call for call: no AbortBackup in CreateSnapshots, BackupComplete first.
    let vss = machine(Fault::PrepareVeto);
    let bareos = run(Flow::Bareos1923, &vss);
    assert!(!bareos.called("DoSnapshotSet"));
    assert_eq!(
        bareos.hresult_of("BackupComplete"),
        Some(Hresult::VSS_E_BAD_STATE)
    );
    assert_eq!(bareos.hresult_of("AbortBackup"), Some(Hresult::S_OK));
    assert!(position(&bareos, "BackupComplete") < position(&bareos, "AbortBackup"));
    assert!(!bareos.succeeded);
    assert_eq!(failed_names(&bareos), [SEARCH], "printed as warnings");
    // The late AbortBackup satisfies R52; the BackupComplete without a DoSnapshotSet is the
    // requester's mistake the oracle reports (R26).
    let report = oracle::check(&vss.trace());
    let broken: Vec<_> = report
        .violations()
        .iter()
        .map(|v| (v.rule, v.party))
        .collect();
    assert_eq!(broken, [(Rule::R26, Party::Requester)], "{report}");

    let vss = machine(Fault::PrepareVeto);
    let silent = run(Flow::SilentFallback, &vss);
    assert!(silent.succeeded && silent.vss_consistent && silent.read_live_files);
    assert!(failed_names(&silent).is_empty());
    assert_eq!(
        silent.summary(),
        "backup OK (from a VSS snapshot)",
        "field failure 23"
    );
    oracle::check(&vss.trace()).assert_clean(); // it lies to its user, not to VSS
}

#[test]
fn freeze_failure_only_the_correct_flow_calls_the_copy_inconsistent() {
    let vss = machine(Fault::FreezeFails);
    let correct = run(Flow::Correct, &vss);
    // Q4 default: DoSnapshotSet succeeds; the failure shows only in writer status.
    assert_eq!(
        correct.async_status_of("DoSnapshotSet"),
        Some(Hresult::VSS_S_ASYNC_FINISHED)
    );
    assert_eq!(
        correct.error,
        Some(ToolError::WritersFailed {
            after: "DoSnapshotSet"
        })
    );
    assert_eq!(failed_names(&correct), [SQL]);
    assert_eq!(correct.failed_writers[0].failure, RETRYABLE.hresult());

    let vss = machine(Fault::FreezeFails);
    let bareos = run(Flow::Bareos1923, &vss);
    assert!(
        bareos.succeeded && bareos.vss_consistent,
        "failed writers are only warnings"
    );
    assert_eq!(failed_names(&bareos), [SQL]);
    assert_eq!(
        bareos.async_status_of("BackupComplete"),
        Some(Hresult::VSS_S_ASYNC_FINISHED)
    );
    oracle::check(&vss.trace()).assert_clean();

    let vss = machine(Fault::FreezeFails);
    let silent = run(Flow::SilentFallback, &vss);
    assert!(silent.succeeded && silent.vss_consistent && !silent.read_live_files);
    assert!(
        failed_names(&silent).is_empty(),
        "never looked at writer status"
    );
    oracle::check(&vss.trace()).assert_clean();
}

#[test]
fn provider_out_of_storage_bareos_breaks_r26() {
    let full = Hresult::VSS_E_INSUFFICIENT_STORAGE;
    let vss = machine(Fault::ProviderFull);
    let correct = run(Flow::Correct, &vss);
    let error = ToolError::Call {
        method: "DoSnapshotSet",
        hr: full,
    };
    assert_eq!(correct.error, Some(error.clone()));

    let vss = machine(Fault::ProviderFull);
    let bareos = run(Flow::Bareos1923, &vss);
    assert_eq!(bareos.error, Some(error));
    assert_eq!(bareos.async_status_of("DoSnapshotSet"), Some(full));
    assert_eq!(
        bareos.hresult_of("BackupComplete"),
        Some(Hresult::VSS_E_BAD_STATE)
    );
    assert!(position(&bareos, "BackupComplete") < position(&bareos, "AbortBackup"));
    let verdict = oracle::check(&vss.trace());
    let rules: Vec<_> = verdict
        .violations_by(Party::Requester)
        .iter()
        .map(|v| v.rule)
        .collect();
    assert_eq!(
        rules,
        [Rule::R26],
        "BackupComplete after a failed DoSnapshotSet"
    );
    verdict.assert_engine_clean();

    let vss = machine(Fault::ProviderFull);
    let silent = run(Flow::SilentFallback, &vss);
    assert!(silent.succeeded && silent.vss_consistent && silent.read_live_files);
    assert_eq!(silent.error, None);
}

#[test]
fn a_disclosed_live_fallback_says_so() {
    let vss = machine(Fault::ProviderFull);
    let options = Options {
        live_fallback: true,
        ..Options::default()
    };
    let report = BackupTool::new(options).run(&vss);
    assert!(report.succeeded && report.read_live_files && !report.vss_consistent);
    assert!(report.summary().contains("LIVE files: not VSS-consistent"));
    oracle::check(&vss.trace()).assert_clean();
}

#[test]
fn start_snapshot_set_is_retried_until_the_deadline() {
    let vss = machine(Fault::None);
    // Another requester holds a set in creation for the whole run (R15, field failure 14).
    let mut other = vss.dynamic();
    other.call_ok(Call::InitializeForBackup).unwrap();
    other
        .call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    other.call_and_wait(Call::GatherWriterMetadata).unwrap();
    other.call_ok(Call::StartSnapshotSet).unwrap();
    let options = Options {
        deadline_ms: 30_000,
        ..Options::default()
    };
    let report = BackupTool::new(options).run(&vss);
    let error = ToolError::Call {
        method: "StartSnapshotSet",
        hr: Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS,
    };
    assert_eq!(report.error, Some(error));
    let attempts = report
        .calls
        .iter()
        .filter(|c| c.method == "StartSnapshotSet")
        .count();
    assert_eq!(attempts as u64, 30_000 / START_RETRY_MS + 1);
    assert!(
        !report.called("AbortBackup"),
        "nothing under way yet: release only (R52)"
    );
    other.call_ok(Call::AbortBackup).unwrap();
    drop(other);
    oracle::check(&vss.trace()).assert_clean();
}

#[test]
fn a_snapshot_past_the_deadline_is_cancelled_and_aborted() {
    let slow =
        ScriptedWriter::new("Archive").on(WriterEvent::PrepareForSnapshot, Reaction::slow(300_000));
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0xA4C), "ArchiveWriter"),
            slow,
        )
        .build();
    let report = run(Flow::Correct, &vss);
    let error = ToolError::Call {
        method: "DoSnapshotSet",
        hr: Hresult::VSS_S_ASYNC_PENDING,
    };
    assert_eq!(
        report.error,
        Some(error),
        "restic: \"async operation pending\""
    );
    assert_eq!(report.hresult_of("AbortBackup"), Some(Hresult::S_OK), "R54");
    oracle::check(&vss.trace()).assert_clean();
}

/// What the tool tells its user, as the test kit's claim.
fn claim(report: &report::ToolReport) -> vss_sim::testkit::Claim {
    use vss_sim::testkit::Claim;
    if !report.succeeded {
        Claim::Failed
    } else if !report.vss_consistent {
        Claim::NotConsistent
    } else if report.failed_writers.is_empty() {
        Claim::Consistent
    } else {
        Claim::ConsistentExcept(
            report
                .failed_writers
                .iter()
                .map(|w| w.name.clone())
                .collect(),
        )
    }
}

fn check(flow: Flow) -> vss_sim::testkit::RequesterReport {
    let tool = BackupTool::new(Options {
        flow,
        ..Options::default()
    });
    vss_sim::testkit::RequesterCheck::new(move |vss: &Vss| claim(&tool.run(vss))).run()
}

#[test]
fn the_test_kit_passes_the_correct_flow_against_every_adversary() {
    check(Flow::Correct).assert_ok();
}

#[test]
fn the_test_kit_catches_bareos_1923() {
    let report = check(Flow::Bareos1923);
    assert!(
        report
            .findings_of(Rule::R26)
            .iter()
            .any(|f| f.adversary == "writer-vetoes/PrepareForBackup"),
        "{report}"
    );
}

#[test]
fn the_test_kit_catches_the_silent_fallback() {
    let report = check(Flow::SilentFallback);
    let degraded: Vec<&str> = report
        .findings_of(Rule::FF23)
        .iter()
        .map(|f| f.adversary.as_str())
        .collect();
    assert!(
        degraded.contains(&"provider/insufficient-storage"),
        "{report}"
    );
}
