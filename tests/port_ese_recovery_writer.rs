//! A port of Microsoft's ESE recovery writer (`EseRecoveryWriter`) to vss-sim, tested with the
//! writer test kit the way `docs/testing-your-writer.md` teaches.
//!
//! Original (MIT): <https://github.com/microsoft/Extensible-Storage-Engine>,
//! `dev/ese/src/noncore/eseshadow/esewriter.cxx` (the writer), `esewriter.hxx` in the same
//! directory (its configuration, `EseRecoveryWriterConfig`), and `eseshadow.cxx` (the requester
//! that fills the configuration and drives it), read at commit 7030fe74.
//!
//! What the writer does: it freezes nothing. It declares one file group (`FilesComponent`)
//! holding the database directory and, when they differ, the log and system directories. In
//! `OnPostSnapshot`, if `GetContext()` has `VSS_VOLSNAP_ATTR_AUTORECOVER`, it maps each path to
//! the copy (`GetVolumePathNameW`, `GetSnapshotDeviceName`, `GetFinalPathNameByHandleW`) and
//! replays the ESE logs into the copy with `JetInit3W` (soft recovery), so the copy holds a
//! clean database. Every other handler returns `true`.
//!
//! The application is in memory: [`Machine`] counts the file handles the writer opens and the
//! ESE instances it starts, and a [`RecoveryLog`] shared by the test records each recovery
//! across all runs.
//!
//! Kept bugs, each with the test that expects the finding:
//! - `OnIdentify`'s cleanup calls `SetWriterFailure(hr)` when a declaring call fails (R66
//!   forbids `SetWriterFailure` in `OnIdentify`): the `identify/metadata-call-fails/…` cases
//!   find it ([`as_shipped_it_calls_set_writer_failure_in_on_identify`]).
//! - `OnPostSnapshot`'s loop sets `hfile` again in each pass without closing it first, and the
//!   cleanup closes only the last handle, so two of the three handles leak in every recovery.
//!   Every auto-recovered backup (`GetContext` carries `VSS_VOLSNAP_ATTR_AUTORECOVER` unless the
//!   requester asked for `NO_AUTORECOVERY`) runs that code, and the kit's at-rest probe finds the
//!   leak ([`r98_the_recovery_runs_where_vss_auto_recovers_and_leaks_two_handles`]).
//! - `SetWriterFailure` gets any `HRESULT` (`E_OUTOFMEMORY`, `HRESULT_FROM_WIN32(…)`, ESE errors),
//!   not one of the five `VSS_E_WRITERERROR_*` codes. The port keeps this through
//!   `set_writer_failure_hr`.
//!
//! Not kept as a test: `OnIdentify` passes `m_szLogDirectory` to `_wcsicmp` without a null
//! check when a system directory is set. `eseshadow.cxx` (`EseShadowCreateShadow`) always fills
//! the log directory before it fills the system directory, so the shipped host cannot reach
//! that crash. The port keeps the code path as an `expect`.

use std::cell::RefCell;
use std::rc::Rc;

use vss_sim::testkit::{Axis, Obligation, WriterConformance};
use vss_sim::vocab::{
    Attributes, BackupSchema, ComponentFlags, ComponentInfo, FileDescriptor, Hresult,
    RestoreMethod, RestoreMethodInfo, Rule, SnapshotContext, SnapshotSetId, SourceType, UsageType,
    WriterClassId, WriterEvent, WriterRestore,
};
use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

// ---------------------------------------------------------------------------------------------
// The configuration (esewriter.hxx: `EseRecoveryWriterConfig`, a process-wide global there).

/// `EseRecoveryWriterConfig`: `None` is a `NULL` pointer.
#[derive(Clone, Debug)]
struct EseRecoveryWriterConfig {
    /// `m_szDatabaseFileFullPath` (mandatory).
    database_file_full_path: Option<String>,
    /// `m_szDatabasePath`: the database file's directory.
    database_path: Option<String>,
    /// `m_szLogDirectory` (optional).
    log_directory: Option<String>,
    /// `m_szSystemDirectory` (optional).
    system_directory: Option<String>,
    /// `m_szEseBaseName`, e.g. `edb`; empty: soft recovery is skipped.
    ese_base_name: String,
    /// `m_fIgnoreMissingDb`.
    ignore_missing_db: bool,
    /// `m_fIgnoreLostLogs`.
    ignore_lost_logs: bool,
}

impl EseRecoveryWriterConfig {
    /// What `EseShadowCreateShadow` (eseshadow.cxx) stores before its backup: the database
    /// directory is the file's path up to its last `\`, the log directory defaults to it, and
    /// the system directory defaults to the log directory.
    fn as_eseshadow_sets_it(
        database_file: &str,
        log_directory: Option<&str>,
        system_directory: Option<&str>,
        ese_base_name: &str,
    ) -> Self {
        let database_path = match database_file.rfind('\\') {
            Some(at) => database_file[..at].to_owned(),
            None => database_file.to_owned(),
        };
        let log = log_directory.map_or_else(|| database_path.clone(), str::to_owned);
        let system = system_directory.map_or_else(|| log.clone(), str::to_owned);
        Self {
            database_file_full_path: Some(database_file.to_owned()),
            database_path: Some(database_path),
            log_directory: Some(log),
            system_directory: Some(system),
            ese_base_name: ese_base_name.to_owned(),
            ignore_missing_db: false,
            ignore_lost_logs: false,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The in-memory stand-in for what the writer touches: Win32 file handles and ESE instances.

/// A file handle from `CreateFileW`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Handle(u32);

/// The machine, as far as this writer touches it.
#[derive(Debug, Default)]
struct Machine {
    /// `CreateFileW` handles not yet closed with `CloseHandle`.
    open_handles: u32,
    next_handle: u32,
    /// ESE instances between `JetInit3W` and `JetTerm2`.
    jet_instances: u32,
    /// When set, `JetInit3W` fails with this JET error (the stand-in's one failure).
    jet_init_error: Option<i32>,
}

impl Machine {
    /// `CreateFileW(path, …, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS)`.
    fn create_file(&mut self, _path: &str) -> Result<Handle, Hresult> {
        self.next_handle += 1;
        self.open_handles += 1;
        Ok(Handle(self.next_handle))
    }

    /// `CloseHandle`.
    fn close_handle(&mut self, handle: Handle) {
        assert!(
            handle.0 <= self.next_handle,
            "{handle:?} is not a handle of this machine"
        );
        self.open_handles = self.open_handles.saturating_sub(1);
    }
}

/// One soft recovery `RecoverEseDatabase` ran (`JET_RSTMAP_W` and the paths it set).
#[derive(Clone, Debug)]
struct Recovery {
    /// `rstMap.szDatabaseName`: the live database's name.
    database: String,
    /// `rstMap.szNewDatabaseName`: the database on the copy.
    database_on_copy: String,
    /// `JET_paramLogFilePath`.
    log_path: String,
    /// `JET_paramSystemPath`.
    system_path: String,
    /// `JetInit3W`'s grbit.
    grbit: u32,
}

/// Every recovery of every run, shared by the test (the kit makes a fresh writer per run).
type RecoveryLog = Rc<RefCell<Vec<Recovery>>>;

// Values from esent.h.
const JET_BIT_NIL: u32 = 0;
const JET_BIT_REPLAY_IGNORE_MISSING_DB: u32 = 0x0000_0004;
const JET_BIT_REPLAY_MISSING_MAP_ENTRY_DB: u32 = 0x0000_0020;
const JET_BIT_REPLAY_IGNORE_LOST_LOGS: u32 = 0x0000_0080;
/// esewriter.hxx: `FACILITY_ESE`.
const FACILITY_ESE: u32 = 0xe5e;
/// winerror.h: `ERROR_INVALID_NAME`.
const ERROR_INVALID_NAME: u32 = 123;

/// `HRESULT_FROM_WIN32`.
fn hresult_from_win32(code: u32) -> Hresult {
    Hresult(0x8007_0000 | (code & 0xFFFF))
}

/// esewriter.hxx `CallEse`: `MAKE_HRESULT(SEVERITY_ERROR, FACILITY_ESE, err)`.
fn hresult_from_jet(err: i32) -> Hresult {
    Hresult(0x8000_0000 | (FACILITY_ESE << 16) | (err as u32 & 0xFFFF))
}

/// `GetVolumePathNameW` for drive-letter paths: `D:\EseData\app.edb` gives `D:\`.
fn volume_path_name(path: &str) -> Result<String, Hresult> {
    let bytes = path.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        Ok(format!("{}:\\", char::from(bytes[0].to_ascii_uppercase())))
    } else {
        Err(hresult_from_win32(ERROR_INVALID_NAME))
    }
}

/// `GetFinalPathNameByHandleW(…, VOLUME_NAME_NONE)`: the path without its volume,
/// `\EseData\app.edb`.
fn final_path_without_volume(path: &str) -> String {
    path.get(2..).unwrap_or_default().to_owned()
}

/// `_wcsicmp(a, b) == 0`.
fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

// ---------------------------------------------------------------------------------------------
// The writer.

struct EseRecoveryWriter {
    config: EseRecoveryWriterConfig,
    machine: Machine,
    recoveries: RecoveryLog,
}

const COMPONENT: &str = "FilesComponent";

impl EseRecoveryWriter {
    fn new(config: EseRecoveryWriterConfig, log: RecoveryLog) -> Self {
        Self {
            config,
            machine: Machine::default(),
            recoveries: log,
        }
    }

    /// `OnIdentify`'s body up to `Cleanup:`; each `CallHr` is a `?`.
    fn identify(&self, md: &mut WriterMetadata) -> Result<(), Hresult> {
        md.set_backup_schema(
            BackupSchema::VSS_BS_COPY
                | BackupSchema::VSS_BS_DIFFERENTIAL
                | BackupSchema::VSS_BS_INCREMENTAL
                | BackupSchema::VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL
                | BackupSchema::VSS_BS_WRITER_SUPPORTS_NEW_TARGET
                | BackupSchema::VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE
                | BackupSchema::VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES,
        )?;
        md.declare_restore_method(RestoreMethodInfo {
            method: RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE,
            writer_restore: WriterRestore::VSS_WRE_ALWAYS,
            ..RestoreMethodInfo::default()
        })?;
        // AddComponent(VSS_CT_FILEGROUP, NULL, L"FilesComponent", L"recovered_database", NULL, 0,
        //     false, true, true, true, VSS_CF_BACKUP_RECOVERY | VSS_CF_APP_ROLLBACK_RECOVERY)
        let mut component = ComponentInfo::file_group(COMPONENT)
            .caption("recovered_database")
            .selectable(true)
            .selectable_for_restore(true)
            .restore_metadata(false)
            .flags(
                ComponentFlags::VSS_CF_BACKUP_RECOVERY
                    | ComponentFlags::VSS_CF_APP_ROLLBACK_RECOVERY,
            );
        component.notify_on_backup_complete = true; // no builder method for this one
        md.declare_component(component)?;

        let config = &self.config;
        if config.database_file_full_path.is_none() {
            return Ok(()); // filesToAdd = false
        }
        // A NULL m_szDatabasePath reaches AddFilesToFileGroup as an empty path: E_INVALIDARG.
        let database_path = config.database_path.as_deref().unwrap_or_default();
        md.add_files_to_file_group(None, COMPONENT, FileDescriptor::new(database_path, "*"))?;
        if let Some(log) = config.log_directory.as_deref() {
            if !same_name(database_path, log) {
                md.add_files_to_file_group(None, COMPONENT, FileDescriptor::new(log, "*"))?;
            }
        }
        if let Some(system) = config.system_directory.as_deref() {
            if !same_name(database_path, system) {
                // `_wcsicmp(m_szLogDirectory, …)` without a null check: with a NULL log
                // directory the CRT's invalid-parameter handler ends the process.
                let log = config
                    .log_directory
                    .as_deref()
                    .expect("_wcsicmp(NULL, m_szSystemDirectory): invalid parameter");
                if !same_name(log, system) {
                    md.add_files_to_file_group(None, COMPONENT, FileDescriptor::new(system, "*"))?;
                }
            }
        }
        Ok(())
    }

    /// `GetContext() & VSS_VOLSNAP_ATTR_AUTORECOVER`.
    fn is_auto_recovery_snapshot(&self, ctx: &HandlerContext<'_>) -> bool {
        ctx.context().raw() & Attributes::AUTORECOVER.0 != 0
    }

    /// `OnPostSnapshot`'s body up to `Cleanup:`. `hfile` is the function-scope `HANDLE` the
    /// cleanup closes.
    fn post_snapshot(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        hfile: &mut Option<Handle>,
    ) -> Result<(), Hresult> {
        if !self.is_auto_recovery_snapshot(ctx) {
            return Ok(()); // "Not an auto-recovery snapshot. Doing nothing."
        }
        let Some(database_file) = self.config.database_file_full_path.clone() else {
            return Err(Hresult::E_INVALIDARG); // "The input database name was not set!"
        };
        let in_paths = [
            Some(database_file.clone()),
            self.config.log_directory.clone(),
            self.config.system_directory.clone(),
        ];
        let mut out_paths: [String; 3] = Default::default();
        for (i, in_path) in in_paths.iter().enumerate() {
            let Some(in_path) = in_path else {
                continue; // log and system directories are optional
            };
            let volume = volume_path_name(in_path)?;
            let device = ctx.snapshot_device_name(&volume)?;
            // The original's bug, kept: the handle of an earlier pass is overwritten without
            // CloseHandle; the cleanup closes only the last one.
            *hfile = Some(self.machine.create_file(in_path)?);
            out_paths[i] = format!("{device}{}", final_path_without_volume(in_path));
        }
        let log_path = match self.config.log_directory {
            None => {
                let mut path = out_paths[0].clone();
                if let Some(at) = path.rfind('\\') {
                    path.truncate(at);
                }
                path
            }
            Some(_) => out_paths[1].clone(),
        };
        let system_path = match self.config.system_directory {
            None => log_path.clone(),
            Some(_) => out_paths[2].clone(),
        };
        if !self.config.ese_base_name.is_empty() {
            // "error already logged": RecoverEseDatabase called SetWriterFailure itself.
            self.recover_ese_database(ctx, &database_file, &out_paths[0], &log_path, &system_path)?;
        }
        Ok(())
    }

    /// `RecoverEseDatabase`: soft recovery of the copy's database with the copy's logs.
    fn recover_ese_database(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        old_db_name: &str,
        new_db_name: &str,
        log_path: &str,
        system_path: &str,
    ) -> Result<(), Hresult> {
        // ErrOSFSCreate, ErrGetTempFolder, ErrGetTempFileName, JetGetDatabaseFileInfoW and the
        // JetSetSystemParameterW calls cannot fail in the stand-in.
        let mut grbit = JET_BIT_NIL;
        if self.config.ignore_missing_db {
            grbit |= JET_BIT_REPLAY_IGNORE_MISSING_DB | JET_BIT_REPLAY_MISSING_MAP_ENTRY_DB;
        }
        if self.config.ignore_lost_logs {
            grbit |= JET_BIT_REPLAY_IGNORE_LOST_LOGS;
        }
        // JetInit3W(&instance, &rstInfo, grbit): the instance exists from here on.
        self.machine.jet_instances += 1;
        ctx.spend_ms(1_500); // replaying the logs into the copy
        let result = match self.machine.jet_init_error {
            Some(err) => Err(hresult_from_jet(err)),
            None => {
                self.recoveries.borrow_mut().push(Recovery {
                    database: old_db_name.to_owned(),
                    database_on_copy: new_db_name.to_owned(),
                    log_path: log_path.to_owned(),
                    system_path: system_path.to_owned(),
                    grbit,
                });
                Ok(())
            }
        };
        // Cleanup: JetTerm2(instance, …).
        self.machine.jet_instances -= 1;
        if let Err(hr) = result {
            let _ = ctx.set_writer_failure_hr(hr);
        }
        result
    }
}

impl Writer for EseRecoveryWriter {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        let hr = self.identify(md);
        if let Err(hr) = hr {
            // Cleanup: `if (FAILED(hr)) __super::SetWriterFailure(hr);`, kept: R66 forbids
            // SetWriterFailure in OnIdentify (VSS refuses it with VSS_E_BAD_STATE).
            let _ = ctx.set_writer_failure_hr(hr);
        }
        hr.is_ok()
    }

    fn on_prepare_backup(&mut self, _: &mut HandlerContext<'_>) -> bool {
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
        let mut hfile = None;
        let hr = self.post_snapshot(ctx, &mut hfile);
        // Cleanup:
        if let Some(handle) = hfile.take() {
            self.machine.close_handle(handle);
        }
        if let Err(hr) = hr {
            let _ = ctx.set_writer_failure_hr(hr);
        }
        hr.is_ok()
    }

    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }

    fn on_backup_complete(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }

    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        true
    }

    fn on_pre_restore(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }

    fn on_post_restore(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// The database on `D:\`, logs on `E:\` (the system directory defaults to the log directory).
/// The kit backs up `D:\` and `E:\`, the volumes of the declared files.
fn ese_config() -> EseRecoveryWriterConfig {
    EseRecoveryWriterConfig::as_eseshadow_sets_it(
        "D:\\EseData\\app.edb",
        Some("E:\\EseLogs"),
        None,
        "edb",
    )
}

fn kit(log: &RecoveryLog) -> WriterConformance<EseRecoveryWriter> {
    let config = ese_config();
    let log = log.clone();
    WriterConformance::new(move || EseRecoveryWriter::new(config.clone(), log.clone()))
        .config(
            // EseRecoveryWriterId, EseRecoveryWriterName, VSS_UT_USERDATA, VSS_ST_OTHER.
            WriterConfig::new(
                WriterClassId::from_u128(0xbcedcf69_e5b4_49ed_9723_7be9f7cd0992),
                "EseRecoveryWriter",
            )
            .usage_type(UsageType::VSS_UT_USERDATA)
            .source_type(SourceType::VSS_ST_OTHER),
        )
        // The writer never holds the application. The one thing it starts, an ESE instance
        // for the recovery, must be gone whenever the application should run normally.
        .probe(
            "no ESE recovery instance running",
            |w: &EseRecoveryWriter| w.machine.jet_instances == 0,
        )
        // Handles opened for a backup must be closed once no backup is under way.
        .probe_at_rest("no file handles left open", |w: &EseRecoveryWriter| {
            w.machine.open_handles == 0
        })
}

#[test]
fn r66_as_shipped_it_calls_set_writer_failure_in_on_identify() {
    // OnIdentify makes five declaring calls (schema, restore method, component, two file
    // sets). The kit fails each of the first four in turn, and each time the cleanup calls
    // SetWriterFailure(E_OUTOFMEMORY) in OnIdentify. That breaks R66 and is a real bug of the
    // original.
    let report = kit(&RecoveryLog::default()).run();
    let api_use = report.findings_of(Obligation::ApiUse);
    let mut cases: Vec<&str> = api_use.iter().map(|f| f.case.as_str()).collect();
    cases.dedup();
    assert_eq!(
        cases,
        [
            "identify/metadata-call-fails/1",
            "identify/metadata-call-fails/2",
            "identify/metadata-call-fails/3",
            "identify/metadata-call-fails/4",
        ],
        "{report}"
    );
    assert!(api_use.iter().all(|f| f.rule == Rule::R66), "{report}");
}

#[test]
fn r98_the_recovery_runs_where_vss_auto_recovers_and_leaks_two_handles() {
    // VSS auto-recovers the copies of every backup with writers unless the requester asks for
    // NO_AUTORECOVERY (R98, T7), and OnPostSnapshot sees VSS_VOLSNAP_ATTR_AUTORECOVER then. The
    // recovery runs, and the original's handle leak shows: three handles opened (database file,
    // log directory, system directory), only the last one closed. The at-rest probe catches it
    // once the backup is over, in the backup that leaked.
    let log = RecoveryLog::default();
    let report = kit(&log).run();
    let leaks = report.findings_of(Obligation::RunningAfterBackups);
    let after = |case: &str, requester: &str| {
        leaks.iter().any(|f| {
            f.case == case
                && f.message.contains(&format!("for {requester} "))
                && f.message.contains("no file handles left open")
        })
    };
    assert!(after("happy/full", "requester#0"), "{report}");
    // context/no-autorecovery: its own backup recovers nothing (only its default follow-up
    // does, and leaks there).
    assert!(!after("context/no-autorecovery", "requester#0"), "{report}");
    assert!(after("context/no-autorecovery", "requester#1"), "{report}");
    // JetTerm2 always runs: the instance never outlives OnPostSnapshot.
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.message.contains("no ESE recovery instance running")),
        "{report}"
    );
    // OnPostSnapshot read the attributes and saw both values of the bit it tests: no warning.
    let attributes = report
        .coverage_of(Axis::Attributes)
        .expect("every axis is covered");
    assert_eq!(attributes.read_in, [WriterEvent::PostSnapshot], "{report}");
    assert!(attributes.held_for.is_empty(), "{report}");
    let devices = report
        .coverage_of(Axis::DeviceNames)
        .expect("every axis is covered");
    assert_eq!(devices.read_in, [WriterEvent::PostSnapshot], "{report}");
    assert!(report.warnings.is_empty(), "{report}");

    let recoveries = log.borrow();
    let first = recoveries.first().expect("no recovery ran");
    assert_eq!(first.database, "D:\\EseData\\app.edb");
    assert!(
        first
            .database_on_copy
            .starts_with("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy")
            && first.database_on_copy.ends_with("\\EseData\\app.edb"),
        "{first:?}"
    );
    assert!(first.log_path.ends_with("\\EseLogs"), "{first:?}");
    assert_eq!(first.system_path, first.log_path);
    assert_eq!(first.grbit, JET_BIT_NIL);
}

#[test]
fn pinned_to_eseshadows_context_the_kit_warns_that_the_context_never_varied() {
    // eseshadow.cxx, the only requester that drives this writer, calls
    // SetContext(VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY). If the test pins that
    // context, the catalogue's context cases are left out, every backup is auto-recovered, and
    // the report warns that OnPostSnapshot read a context that never varied: its "not an
    // auto-recovery snapshot" path never ran.
    let raw = SnapshotContext::VSS_CTX_BACKUP.value() | Attributes::ROLLBACK_RECOVERY.0;
    let kit = kit(&RecoveryLog::default()).context(raw);
    assert!(kit.cases().iter().all(|c| !c.id.starts_with("context/")));
    let report = kit.run();
    let warnings = report.warnings.join("\n");
    assert!(
        warnings.contains(
            "OnPostSnapshot read the context (GetContext), but every backup of the run had \
             `VSS_CTX_BACKUP` there: its code for other values never ran; the test pins it \
             with `.context(…)`"
        ),
        "{report}"
    );
    assert!(
        warnings.contains(
            "OnPostSnapshot read the context attributes (GetContext), but every backup of the \
             run had `VSS_VOLSNAP_ATTR_AUTORECOVER | VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY` there"
        ),
        "{report}"
    );
    // The R66 bug does not depend on the context.
    assert!(
        report
            .findings_of(Obligation::ApiUse)
            .iter()
            .any(|f| f.case == "identify/metadata-call-fails/1"),
        "{report}"
    );
}
