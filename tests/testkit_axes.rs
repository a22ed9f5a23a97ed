//! The writer test kit and the axes of a backup a writer depends on (issue 10, part 2): the
//! volumes its files live on, the context and its attributes, the components selected, the
//! backup types in a row. Each writer here has its work, or its bug, on one value of one axis;
//! the kit must run that value, or say that it did not.

use vss_sim::testkit::{Axis, Obligation, WriterConformance};
use vss_sim::vocab::{
    BackupType, ComponentType, FileSpecBackupType, RestoreMethod, SnapshotContext, SnapshotSetId,
    WriterFailure,
};
use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};

/// A database writer whose files are on `D:\`; it refuses to freeze when they are not in the
/// shadow copy set.
#[derive(Default)]
struct DataOnD {
    frozen: bool,
}

impl Writer for DataOnD {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "sales");
        let _ = md.add_database_files(
            None,
            "sales",
            "D:\\Data\\",
            "sales.mdf",
            FileSpecBackupType::default(),
        );
        true
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if ctx.is_path_affected("D:\\Data\\sales.mdf") != Ok(true) {
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE);
            return false;
        }
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
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = false;
        true
    }
    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.frozen = false;
        true
    }
}

#[test]
fn the_kit_backs_up_the_volumes_the_writers_files_live_on() {
    // By default the kit's requesters put the writer's own volumes in the set, so its logic
    // runs; held to C:\ alone, the same writer fails where nothing went wrong.
    let kit = || {
        WriterConformance::new(DataOnD::default).probe("accepts writes", |w: &DataOnD| !w.frozen)
    };
    let report = kit().run();
    report.assert_ok();
    let volumes = report
        .coverage_of(Axis::Volumes)
        .expect("every axis is covered");
    assert_eq!(volumes.values, ["D:\\", "D:\\, E:\\"], "{report}");
    assert_eq!(
        volumes.read_in,
        [vss_sim::vocab::WriterEvent::PrepareForSnapshot]
    );
    let held = kit().volumes(["C:\\"]).run();
    assert!(
        held.findings_of(Obligation::SucceedsWhenNothingFails)
            .iter()
            .any(|f| f.case.starts_with("happy/")),
        "{held}"
    );
}

/// A writer that freezes its application only for application-rollback copies (the others it
/// lets through untouched), and forgets to thaw it there: a bug only one context reaches.
#[derive(Default)]
struct RollbackOnly {
    frozen: bool,
}

impl Writer for RollbackOnly {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "state");
        true
    }
    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.frozen = ctx.context().base == SnapshotContext::VSS_CTX_APP_ROLLBACK;
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true // the bug: writes stay stopped until BackupShutdown
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        self.frozen = false;
        true
    }
    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.frozen = false;
        true
    }
}

fn rollback_only() -> WriterConformance<RollbackOnly> {
    WriterConformance::new(RollbackOnly::default)
        .probe("accepts writes", |w: &RollbackOnly| !w.frozen)
}

#[test]
fn r105_a_writer_whose_work_runs_in_one_context_is_run_in_it() {
    // The catalogue varies the context (R105: backup, application rollback and
    // client-accessible-with-writers involve writers): the bug is found in its context only.
    let report = rollback_only().run();
    let cases: Vec<&str> = report
        .findings_of(Obligation::ResumesAfterThaw)
        .iter()
        .map(|f| f.case.as_str())
        .collect();
    assert_eq!(cases, ["context/app-rollback"], "{report}");
    let context = report
        .coverage_of(Axis::Context)
        .expect("every axis is covered");
    assert_eq!(
        context.values,
        [
            "VSS_CTX_BACKUP",
            "VSS_CTX_APP_ROLLBACK",
            "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS"
        ],
        "{report}"
    );
    assert_eq!(context.read_in, [vss_sim::vocab::WriterEvent::Freeze]);
    assert!(report.warnings.is_empty(), "{report}");
    assert!(
        report
            .to_string()
            .contains("axes varied: context (3 values)"),
        "{report}"
    );
}

#[test]
fn r105_a_writer_reading_a_context_the_test_pins_is_warned_about() {
    // Pinned to VSS_CTX_BACKUP, the context cases are left out: the bug is not reached, and the
    // report says the writer read the context while the run held it constant.
    let kit = rollback_only().context(SnapshotContext::VSS_CTX_BACKUP.value());
    assert!(kit.cases().iter().all(|c| !c.id.starts_with("context/")));
    let report = kit.run();
    assert!(report.is_ok(), "{report}");
    let warnings = report.warnings.join("\n");
    assert!(
        warnings.contains(
            "OnFreeze read the context (GetContext), but every backup of the run had \
             `VSS_CTX_BACKUP` there: its code for other values never ran; the test pins it \
             with `.context(…)`"
        ),
        "{report}"
    );
    assert!(report
        .to_string()
        .contains("warning: OnFreeze read the context"));
    let json = report.to_json();
    assert_eq!(json["warnings"].as_array().map(Vec::len), Some(2), "{json}");
    assert_eq!(json["axes"][0]["axis"], "Context", "{json}");
    // A replay of one case holds every axis constant: no warning then.
    let one = rollback_only()
        .context(SnapshotContext::VSS_CTX_BACKUP.value())
        .only_case("happy/full")
        .run();
    assert!(one.warnings.is_empty(), "{one}");
}

/// A writer with a log and a database: backing up the database without its log is a backup it
/// cannot restore, so it vetoes one whose selection has the database alone; reads the
/// selection in OnPrepareBackup.
#[derive(Default)]
struct LogAndDatabase;

impl Writer for LogAndDatabase {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_DATABASE, Some("Instance"), "db");
        md.add_component(ComponentType::VSS_CT_FILEGROUP, Some("Instance"), "log");
        true
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let names: Vec<String> = ctx
            .components()
            .unwrap_or_default()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        if names == ["db"] {
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE);
            return false;
        }
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
fn r47_the_catalogue_selects_a_subset_of_the_writers_components() {
    // `components/first-only` selects the first selectable component alone: the writer's
    // refusal of a database without its log is reached there (and only there).
    let report = WriterConformance::new(|| LogAndDatabase).run();
    let cases: Vec<&str> = report
        .findings_of(Obligation::SucceedsWhenNothingFails)
        .iter()
        .map(|f| f.case.as_str())
        .collect();
    assert_eq!(cases, ["components/first-only"], "{report}");
    let selected = report
        .coverage_of(Axis::SelectedComponents)
        .expect("every axis is covered");
    assert!(
        selected.values.contains(&"Instance\\db".to_owned())
            && selected
                .values
                .contains(&"Instance\\db, Instance\\log".to_owned())
            && selected
                .values
                .contains(&"not in component mode".to_owned()),
        "{selected:?}"
    );
}

#[test]
fn r47_the_test_can_pin_the_components_the_kit_selects() {
    // Pinned to both components by path, every case backs up the two: the subset case is left
    // out, the writer passes, and the selection it reads is warned about as held constant.
    let kit =
        WriterConformance::new(|| LogAndDatabase).components(["Instance\\log", "Instance\\db"]);
    assert!(kit.cases().iter().all(|c| c.id != "components/first-only"));
    let report = kit.run();
    assert!(report.is_ok(), "{report}");
    let selected = report
        .coverage_of(Axis::SelectedComponents)
        .expect("every axis is covered");
    assert_eq!(
        selected.held_for,
        [(
            vss_sim::vocab::WriterEvent::PrepareForBackup,
            "Instance\\log, Instance\\db".to_owned()
        )],
        "{report}"
    );
    assert!(
        report.warnings.iter().any(|w| w.starts_with(
            "OnPrepareBackup read the selected components (AreComponentsSelected / \
             IVssWriterComponents), but every backup of the run had `Instance\\log, \
             Instance\\db` there"
        ) && w
            .ends_with("the test pins it with `.components([…])`")),
        "{report}"
    );
    // Pinned to the database alone, the writer refuses in every happy case.
    let alone = WriterConformance::new(|| LogAndDatabase)
        .components(["Instance\\db"])
        .run();
    assert!(
        alone
            .findings_of(Obligation::SucceedsWhenNothingFails)
            .iter()
            .any(|f| f.case == "happy/full"),
        "{alone}"
    );
    // A component the writer does not declare is the test's error, naming what it declares.
    let typo = WriterConformance::new(|| LogAndDatabase)
        .components(["Instance\\dbb"])
        .run();
    assert!(!typo.is_ok());
    assert_eq!(
        typo.test_errors,
        [
            "`.components` names `Instance\\dbb`, which the writer does not declare in OnIdentify \
          (it declares `Instance\\db`, `Instance\\log`)"
        ],
        "{typo}"
    );
}

/// A writer whose log backups read the stamp the backup before wrote, and that has a bug there:
/// it fails a log backup handed a stamp. Only a chain with a log backup after another reaches
/// it.
#[derive(Default)]
struct LogShipping;

impl Writer for LogShipping {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "db");
        true
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let Some(components) = ctx.components().map(<[_]>::to_vec) else {
            return true;
        };
        for component in &components {
            let _ = ctx.set_backup_stamp(component, "lsn-42");
        }
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
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if ctx.backup_type() != BackupType::VSS_BT_LOG {
            return true;
        }
        let Some(components) = ctx.components().map(<[_]>::to_vec) else {
            return true;
        };
        // The bug: a log backup handed the stamp of the backup before fails.
        let chained = components
            .iter()
            .any(|c| ctx.previous_backup_stamp(c).ok().flatten().is_some());
        if chained {
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_RETRYABLE);
            return false;
        }
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

#[test]
fn r113_a_backup_sequence_the_test_adds_runs_as_a_stamp_chain() {
    // The catalogue's chains have no log backups in a row: the bug is not reached. The chain
    // full → log → log the test adds reaches it, under its own case id.
    WriterConformance::new(|| LogShipping).run().assert_ok();
    use BackupType::{VSS_BT_FULL as FULL, VSS_BT_LOG as LOG};
    let kit = WriterConformance::new(|| LogShipping).backup_sequence([FULL, LOG, LOG]);
    assert!(kit.cases().iter().any(|c| c.id == "stamps/full-log-log"));
    let report = kit.run();
    let mut cases: Vec<&str> = report
        .findings_of(Obligation::SucceedsWhenNothingFails)
        .iter()
        .map(|f| f.case.as_str())
        .collect();
    cases.dedup();
    assert_eq!(cases, ["stamps/full-log-log"], "{report}");
    // A chain the catalogue already runs is not run twice.
    let again = WriterConformance::new(|| LogShipping).backup_sequence([
        FULL,
        BackupType::VSS_BT_INCREMENTAL,
        BackupType::VSS_BT_INCREMENTAL,
    ]);
    assert_eq!(
        again.cases().len(),
        WriterConformance::new(|| LogShipping).cases().len()
    );
}

/// A database writer that, as Microsoft's OnPostSnapshot page says, recovers its data on the
/// copy when `GetContext` carries `VSS_VOLSNAP_ATTR_AUTORECOVER` (as the ESE writer does), and
/// leaks the log handle it opens for that: a bug only an auto-recovered backup reaches.
#[derive(Default)]
struct AutoRecovering {
    open_handles: u32,
}

impl Writer for AutoRecovering {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "db");
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
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let recover = ctx
            .context()
            .modifiers
            .contains(vss_sim::vocab::Attributes::AUTORECOVER);
        if recover {
            let Ok(volumes) = ctx.volumes() else {
                return true;
            };
            for volume in volumes {
                if ctx.snapshot_device_name(&volume).is_ok() {
                    self.open_handles += 1; // replays the log on the copy; never closed
                }
            }
        }
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

#[test]
fn r98_a_writer_recovering_auto_recovered_copies_has_that_code_run_and_the_opposite_too() {
    // Every default backup auto-recovers its copies: the leak is found after the first backup
    // of happy/full. The catalogue's context/no-autorecovery case gives OnPostSnapshot the other
    // value of the bit: its own backup leaks nothing (only its default follow-up does), and
    // no warning is given.
    let report = WriterConformance::new(AutoRecovering::default)
        .probe_at_rest("no open handles", |w: &AutoRecovering| w.open_handles == 0)
        .run();
    let leaks = report.findings_of(Obligation::RunningAfterBackups);
    let after = |case: &str, requester: &str| {
        leaks
            .iter()
            .any(|f| f.case == case && f.message.contains(&format!("for {requester} ")))
    };
    assert!(after("happy/full", "requester#0"), "{report}");
    assert!(!after("context/no-autorecovery", "requester#0"), "{report}");
    assert!(after("context/no-autorecovery", "requester#1"), "{report}");
    let attributes = report
        .coverage_of(Axis::Attributes)
        .expect("every axis is covered");
    assert_eq!(
        attributes.read_in,
        [vss_sim::vocab::WriterEvent::PostSnapshot],
        "{report}"
    );
    assert!(attributes.held_for.is_empty(), "{attributes:?}");
    assert!(report.warnings.is_empty(), "{report}");
    let devices = report
        .coverage_of(Axis::DeviceNames)
        .expect("every axis is covered");
    assert_eq!(devices.read_in, [vss_sim::vocab::WriterEvent::PostSnapshot]);
}

#[test]
fn r105_a_context_set_context_refuses_or_without_writers_is_a_test_error() {
    // AUTORECOVER is VSS's bit, not the requester's (R106): SetContext refuses it, and a run
    // in the default context instead would pass for the wrong reason.
    let refused = rollback_only()
        .context(vss_sim::vocab::Attributes::AUTORECOVER.0)
        .run();
    assert!(!refused.is_ok() && refused.cases == 0, "{refused}");
    assert!(
        refused.test_errors[0].contains("is not a context SetContext accepts (E_INVALIDARG"),
        "{refused}"
    );
    let no_writers = rollback_only()
        .context(SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP.value())
        .run();
    assert!(
        no_writers.test_errors[0].contains("VSS_CTX_FILE_SHARE_BACKUP, a context without writers"),
        "{no_writers}"
    );
}
