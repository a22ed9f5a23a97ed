//! The field failures of `shared/spec/field-failures.md`, one scenario file each in `scenarios/`,
//! replayed and judged against what a user sees on Windows (HRESULTs, writer status, events,
//! BackupShutdown set ids) and by the oracle (the rules a misbehaving requester breaks). Each
//! file's `description` cites the failure, its source and the rules involved; the tests here only
//! replay the files.

use std::path::{Path, PathBuf};

use vss_sim::sim::{Scenario, ScenarioError};
use vss_sim::trace::oracle;
use vss_sim::trace::oracle::Situation;

/// The `scenarios/` folder of this crate.
fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

/// Every scenario file, sorted.
fn scenario_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenarios_dir())
        .unwrap_or_else(|err| panic!("cannot list {}: {err}", scenarios_dir().display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("toml" | "json")
            )
        })
        .collect();
    files.sort();
    files
}

/// Loads `path`, runs it, and returns every mismatch with what the file expects, followed by the
/// rendered trace.
fn mismatches(path: &Path) -> Result<(), String> {
    let scenario = Scenario::load(path).map_err(|err| err.to_string())?;
    let outcome = scenario.run();
    scenario.check(&outcome).map_err(|mismatches| {
        format!(
            "{}: {} mismatch(es) with what the scenario expects:\n- {}\n\ntrace:\n{}",
            path.display(),
            mismatches.len(),
            mismatches
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n- "),
            outcome.trace.render()
        )
    })
}

/// Replays `scenarios/<file>`; panics with the mismatches and the rendered trace. The run must
/// also reach every coverage label of `situations`, so a scenario cannot pass by no longer
/// reaching the failure it reproduces.
fn replay(file: &str, situations: &[Situation]) {
    let path = scenarios_dir().join(file);
    if let Err(report) = mismatches(&path) {
        panic!("{report}");
    }
    let scenario = Scenario::load(&path).unwrap_or_else(|err| panic!("{err}"));
    let outcome = scenario.run();
    let report = oracle::check(&outcome.trace);
    let missing = report
        .coverage()
        .require(situations)
        .err()
        .unwrap_or_default();
    assert!(
        missing.is_empty(),
        "{}: never reached {missing:?}\n\ntrace:\n{}",
        path.display(),
        outcome.trace.render()
    );
}

#[test]
fn ff01_cancel_after_the_commit_leaves_the_copy_behind() {
    // R36, R38, R45, R54, R57, R104
    replay(
        "ff01-cancel-after-commit-leaves-a-copy.toml",
        &[Situation::AbortBackup, Situation::ShutdownWithoutComplete],
    );
}

#[test]
fn ff03_a_host_deadline_shorter_than_the_writers_leaves_writes_held_too_long() {
    // R89, R50c, R92, R54, R55, R57: host 5 s over the kernel's 10 s over the provider's 60 s.
    replay(
        "ff03-host-deadline-over-guest-agent.toml",
        &[
            Situation::HoldWritesTimeout,
            Situation::AbortCreationFailed,
            Situation::ProviderAborted,
        ],
    );
}

#[test]
fn ff05_a_freeze_waiting_for_another_writers_thaw_ends_with_its_window() {
    // R46, R59, R76, R99, Q3, SERIAL
    replay(
        "ff05-cross-writer-wait-until-the-freeze-window.toml",
        &[
            Situation::FreezeTimeout,
            Situation::FreezeLevels,
            Situation::AbortWhileInHandler,
            Situation::BackupComplete,
        ],
    );
}

#[test]
fn ff07_the_hosts_deadline_fires_over_a_hung_guest() {
    // R57, SERIAL: the host's WaitSignal returns at its deadline; the crash's events never
    // reach the hung writer.
    replay(
        "ff07-host-deadline-fires-over-a-hung-agent.toml",
        &[Situation::AbortReleased],
    );
}

#[test]
fn ff08b_vss_gives_up_on_a_hung_writer_under_handler_timeout() {
    // R75, R27, T2, SERIAL, `Policies::handler_timeout`
    replay(
        "ff08b-hung-writer-vss-gives-up.toml",
        &[
            Situation::HandlerNotResponding,
            Situation::StatusReported,
            Situation::BackupComplete,
        ],
    );
}

#[test]
fn ff02_hold_writes_timeout_aborts_writers_and_discards_the_set() {
    // R89, R22, R50c, R95, R92, R54, R55, R57
    replay(
        "ff02-hold-writes-timeout.toml",
        &[
            Situation::HoldWritesTimeout,
            Situation::AbortCreationFailed,
            Situation::ProviderAborted,
            Situation::AbortRepeated,
            Situation::ShutdownNullSet,
        ],
    );
}

#[test]
fn ff04_freeze_window_expiry_aborts_the_writer_with_timeout() {
    // R46, R59, R76, R99, R50b, Q3, Q4, R55
    replay(
        "ff04-freeze-window-expires.toml",
        &[
            Situation::FreezeTimeout,
            Situation::FreezeLevels,
            Situation::AbortRepeated,
        ],
    );
}

#[test]
fn ff04b_freeze_window_expiry_under_all_writers_fails_the_creation() {
    // Q3 AllWriters, Q4, R76, R50b, R92, R55, R57
    replay(
        "ff04b-freeze-timeout-aborts-all-writers.toml",
        &[
            Situation::FreezeTimeout,
            Situation::ProviderAborted,
            Situation::ShutdownNullSet,
        ],
    );
}

#[test]
fn ff08_hung_writer_is_cut_short_by_the_requesters_deadline() {
    // R36, R38, R92, R54, R55, R57
    replay(
        "ff08-hung-writer-requester-deadline.toml",
        &[Situation::AbortCancelled, Situation::ShutdownNullSet],
    );
}

#[test]
fn ff09_backup_complete_after_a_prepare_for_backup_veto_is_bad_state() {
    // R26, T14, R47, R52 (kept, thanks to the AbortBackup fallback)
    replay(
        "ff09-bareos-backup-complete-after-veto.toml",
        &[
            Situation::Veto,
            Situation::NothingSelected,
            Situation::ReleasedAfterPrepare,
        ],
    );
}

#[test]
fn ff09b_release_after_a_veto_without_abort_backup_breaks_r52() {
    replay(
        "ff09b-release-after-veto-without-abort.toml",
        &[Situation::Veto, Situation::ReleasedAfterPrepare],
    );
}

#[test]
fn ff11a_prepare_snapshot_and_post_snapshot_failures_raise_no_abort() {
    // R51, R64, Q4, R54
    replay(
        "ff11a-no-abort-for-prepare-snapshot-or-post-snapshot-failure.toml",
        &[Situation::PrepareOrPostFailed, Situation::BackupComplete],
    );
}

#[test]
fn ff11b_abort_backup_after_post_snapshot_reaches_no_writer() {
    // R55, R54, R57, R104
    replay(
        "ff11b-no-abort-after-post-snapshot.toml",
        &[Situation::AbortBackup, Situation::ShutdownWithoutComplete],
    );
}

#[test]
fn ff11c_abort_backup_with_nothing_under_way_is_ignored() {
    // R53, R52, R38, Q20
    replay(
        "ff11c-abort-backup-with-nothing-under-way.toml",
        &[Situation::ReleasedAfterPrepare],
    );
}

#[test]
fn ff12_requester_crash_gives_backup_shutdown_only() {
    // R57, R15, R104, Q12
    replay(
        "ff12-requester-crash.toml",
        &[
            Situation::ShutdownAfterCrash,
            Situation::ShutdownNullSet,
            Situation::ShutdownWithoutComplete,
        ],
    );
}

#[test]
fn ff12b_crash_shutdown_may_carry_another_backups_set_id() {
    // R57 (policy OtherBackupWhenPresent)
    replay(
        "ff12b-crash-shutdown-carries-another-backups-set.toml",
        &[Situation::ShutdownAfterCrash],
    );
}

#[test]
fn ff14_second_start_snapshot_set_is_refused_while_a_set_is_in_creation() {
    // R14, R15, R102
    replay(
        "ff14-concurrent-snapshot-sets.toml",
        &[Situation::StartRefused, Situation::ConcurrentCreation],
    );
}

#[test]
fn ff14b_a_set_leaked_by_a_failed_run_blocks_every_later_run() {
    // R15, R16, R57, R85
    replay(
        "ff14b-leaked-set-blocks-later-runs.toml",
        &[Situation::StartRefused],
    );
}

#[test]
fn ff16_a_client_sku_rejects_transportable_and_the_retry_without_it_goes_through() {
    // R3, R6, T6
    replay("ff16-client-sku-rejects-transportable.toml", &[]);
}

#[test]
fn ff17_writer_failure_persists_across_backups_until_restart() {
    // R75, R52, R57, T2
    replay(
        "ff17-writer-stuck-until-restart.toml",
        &[
            Situation::HandlerFailed,
            Situation::StatusReported,
            Situation::BackupComplete,
        ],
    );
}

#[test]
fn ff13_old_windows_writers_wait_for_a_final_status_gather() {
    // R27, R30
    replay(
        "ff13-writers-wait-for-a-final-status-gather.toml",
        &[Situation::BackupComplete, Situation::StatusReported],
    );
}

#[test]
fn ff18_a_provider_error_at_is_volume_supported_reaches_the_tool() {
    // R20, R94
    replay("ff18-provider-error-at-is-volume-supported.toml", &[]);
}

#[test]
fn ff19_too_little_shadow_storage_fails_the_set_with_insufficient_storage() {
    // R87, R93, R95, R103
    replay("ff19-insufficient-shadow-storage.toml", &[]);
}

#[test]
fn ff20_a_volume_added_again_by_another_name_already_exists() {
    // R16
    replay("ff20-duplicate-volume-by-another-name.toml", &[]);
}

#[test]
fn ff21_writer_failing_identify_is_absent_and_the_backup_goes_on() {
    // R10, R57, R66
    replay(
        "ff21-identify-fails.toml",
        &[Situation::IdentifyFailed, Situation::BackupComplete],
    );
}

#[test]
fn ff24_a_component_whose_volume_is_not_in_the_set_is_excluded_with_diskshadows_words() {
    // R13, R47, R109, R110
    replay(
        "ff24-component-excluded-for-a-volume-outside-the-set.toml",
        &[Situation::NothingSelected],
    );
    let scenario = Scenario::load(
        scenarios_dir().join("ff24-component-excluded-for-a-volume-outside-the-set.toml"),
    )
    .unwrap();
    let outcome = scenario.run();
    let excluded: Vec<&String> = outcome
        .results
        .iter()
        .filter_map(|r| r.excluded.as_ref())
        .flatten()
        .collect();
    assert_eq!(
        excluded,
        [
            &"Component \"\\Registry\" from writer \"Registry Writer\" is excluded from backup, \
           because it requires volume C:\\ which is not in the shadow copy set."
                .to_owned()
        ],
    );
}

#[test]
fn ff16b_the_final_commit_fails_before_2008_sp2_and_is_skipped_after() {
    // R50, R55, R93; field failure 16's second half.
    replay(
        "ff16b-final-commit-on-old-windows.toml",
        &[Situation::ProviderFailed, Situation::AbortCreationFailed],
    );
    // The same run on the current server profile: NO_AUTORECOVERY skips the final commit.
    let mut scenario =
        Scenario::load(scenarios_dir().join("ff16b-final-commit-on-old-windows.toml")).unwrap();
    scenario.os = vss_sim::vocab::OsProfile::Server2012AndLater;
    let outcome = scenario.run();
    let wait = &outcome.results[11];
    assert_eq!(
        wait.hr,
        Some(vss_sim::vocab::Hresult::VSS_S_ASYNC_FINISHED),
        "{}",
        outcome.trace.render()
    );
    assert!(oracle::check(&outcome.trace).engine_violations().is_empty());
}

#[test]
fn every_scenario_file_parses_and_passes() {
    let files = scenario_files();
    // The field failures above, at least; new files are covered here automatically.
    assert!(files.len() >= 14, "only {} scenario files", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| mismatches(path).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenario files fail:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_scenario_file_describes_its_field_failure() {
    // "Field failure <n>", and at least one rule id such as R57.
    let cites_rule = |text: &str| {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word.len() > 1 && word.starts_with('R') && word[1..].parse::<u32>().is_ok())
    };
    for path in scenario_files() {
        let scenario = Scenario::load(&path).unwrap_or_else(|err| panic!("{err}"));
        let text = &scenario.description;
        assert!(
            text.contains("Field failure ") && cites_rule(text),
            "{}: the description must cite the field failure, its source and its rules",
            path.display()
        );
    }
}

/// A scenario with one mistake at line `line` (1-based) must be refused with an error naming
/// the file and that line, never a panic.
fn refused(text: &str, file: &str, line: usize, mentions: &str) -> ScenarioError {
    let dir = std::env::temp_dir().join(format!("vss-sim-field-failures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    let err = Scenario::load(&path).expect_err("a malformed scenario is refused");
    let _ = std::fs::remove_file(&path);
    assert_eq!(err.file, path.display().to_string(), "{err}");
    assert_eq!(err.line, line, "{err}");
    assert!(err.message.contains(mentions), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:{line}:", path.display())),
        "{err}"
    );
    err
}

#[test]
fn malformed_scenarios_are_refused_with_file_and_line() {
    let good = "name = \"ok\"\n\
                writers = [{ name = \"W\", level = \"VSS_APP_BACK_END\" }]\n\
                steps = [\n  { call = \"InitializeForBackup\" },\n  { call = \"Release\", expect = \"S_OK\" },\n]\n";
    assert!(Scenario::from_toml(good, "good.toml").is_ok());
    // A call that does not exist.
    refused(
        &good.replace("\"Release\"", "\"DoSnapshotSett\""),
        "bad-call.toml",
        5,
        "DoSnapshotSett",
    );
    // An HRESULT that does not exist.
    refused(
        &good.replace("\"S_OK\"", "\"VSS_E_NO_SUCH_THING\""),
        "bad-hresult.toml",
        5,
        "VSS_E_NO_SUCH_THING",
    );
    // A writer level that does not exist.
    refused(
        &good.replace("VSS_APP_BACK_END", "VSS_APP_MIDDLE"),
        "bad-level.toml",
        2,
        "VSS_APP_MIDDLE",
    );
    // A volume without its trailing backslash, and a file system that does not exist.
    refused(
        &good.replace("writers =", "volumes = ['C:']\nwriters ="),
        "bad-volume.toml",
        2,
        "must end with a backslash",
    );
    refused(
        &good.replace(
            "writers =",
            "volumes = [{ name = 'C:\\', file_system = \"HFS\" }]\nwriters =",
        ),
        "bad-file-system.toml",
        2,
        "HFS",
    );
    // Two volumes with one GUID (a given one equal to a minted one); a machine fault naming
    // no writer.
    refused(
        &good.replace(
            "writers =",
            "volumes = ['C:\\', { name = 'D:\\', guid = \"56535304-0000-8000-8000-000000000001\" }]\nwriters =",
        ),
        "same-guid.toml",
        2,
        "two volumes have the GUID",
    );
    refused(
        &format!("{good}[faults]\nmachine = [{{ StopWriter = \"Nobody\" }}]\n"),
        "machine-fault.toml",
        8,
        "not a writer",
    );
    // A file that is not there.
    let err = Scenario::load(scenarios_dir().join("no-such-scenario.toml")).unwrap_err();
    assert_eq!(err.line, 0, "{err}");
    assert!(err.message.contains("cannot read"), "{err}");
}

#[test]
fn wrong_expectations_are_reported() {
    // The checks are not vacuous: each kind of expectation, made wrong, is a mismatch.
    let path = scenarios_dir().join("ff14-concurrent-snapshot-sets.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let wrong = text
        // A step's HRESULT (R15).
        .replacen(
            "expect = \"VSS_E_SNAPSHOT_SET_IN_PROGRESS\"",
            "expect = \"S_OK\"",
            1,
        )
        // Requester 1's events and BackupShutdown set id.
        .replace(
            "requester = 1\nwriter_states = { SqlServerWriter = [\"VSS_WS_STABLE\"",
            "requester = 1\nwriter_states = { SqlServerWriter = [\"VSS_WS_UNKNOWN\"",
        )
        .replace(
            "shutdown_set_ids = { SqlServerWriter = \"Own\", \"System Writer\" = \"Own\" }\n\n[[",
            "shutdown_set_ids = { SqlServerWriter = \"GUID_NULL\", \"System Writer\" = \"Own\" }\n\n[[",
        );
    let scenario = Scenario::from_toml(&wrong, "wrong.toml").unwrap();
    let mismatches = scenario.check(&scenario.run()).unwrap_err();
    let text = mismatches
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(mismatches.len(), 3, "{text}");
    assert!(text.contains("VSS_E_SNAPSHOT_SET_IN_PROGRESS"), "{text}");
    assert!(
        text.contains("requester 1, writer SqlServerWriter: expected state"),
        "{text}"
    );
    assert!(
        text.contains("expected BackupShutdown with GUID_NULL"),
        "{text}"
    );
    // Status rows (R10) and expected oracle violations (R52).
    let path = scenarios_dir().join("ff09b-release-after-veto-without-abort.toml");
    let wrong = std::fs::read_to_string(&path)
        .unwrap()
        .replace("violations = [\"R52\"]", "violations = []")
        .replace(
            ", \"Shadow Copy Optimization Writer\" = [\"VSS_WS_FAILED_AT_PREPARE_BACKUP\", \"VSS_E_WRITERERROR_NONRETRYABLE\"] } }",
            " } }",
        );
    let scenario = Scenario::from_toml(&wrong, "wrong.toml").unwrap();
    let mismatches = scenario.check(&scenario.run()).unwrap_err();
    let text = mismatches
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(mismatches.len(), 2, "{text}");
    assert!(text.contains("expected writer status"), "{text}");
    assert!(text.contains("oracle: expected violations of []"), "{text}");
}
