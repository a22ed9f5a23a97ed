//! DiskShadow over a simulated machine (issue 14 part 3; T10, R116–R121, field failure 24):
//! scripts run as `diskshadow /s` runs them, their output in DiskShadow's words and layout where
//! published transcripts show them (`docs/cli.md`), every run judged by the oracle. Outputs are
//! pinned in `tests/golden/` (regenerate with `VSS_SIM_BLESS=1` after a deliberate change).

use std::path::Path;

use vss_sim::requester::Vss;
use vss_sim::tools::diskshadow::{parse, Command, DiskShadow, DsContext, ExecPolicy};
use vss_sim::trace::oracle;
use vss_sim::vocab::{SnapshotContext, Volume};

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name);
    if std::env::var_os("VSS_SIM_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (bless with VSS_SIM_BLESS=1)", path.display()));
    assert!(
        expected == actual,
        "{} differs:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

fn clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.is_clean(), "{report}\n{}", vss.trace().render());
}

/// A script with Windows line endings, as DiskShadow wants them.
fn crlf(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

#[test]
fn a_persistent_nowriters_copy_is_created_exposed_and_outlives_the_session() {
    // R116, R117, R119: the script of the published transcripts (T-RAJ, T-BRAVO).
    let vss = Vss::builder().machine_name("DC01").build();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&[
        "set context persistent nowriters",
        "add volume c: alias raj",
        "create",
        "expose %raj% z:",
    ]));
    assert!(ok, "{out}");
    golden("diskshadow-persistent-nowriters.txt", &out);
    assert!(out.starts_with("Microsoft DiskShadow version 1.0\nCopyright (C) 2013 Microsoft Corporation\nOn computer:  DC01,  1/1/2026 12:00:00 AM\n\n-> set context persistent nowriters\n"));
    assert!(out.contains("\t\t- Attributes:  No_Auto_Release Persistent No_Writers Differential\n"));
    assert!(out.contains("Number of shadow copies listed: 1\n"));
    assert!(out.contains("\nThe shadow copy was successfully exposed as z:\\.\n"));
    assert!(out.ends_with("->\n"));
    drop(ds);
    // Persistent: still there after DiskShadow ended.
    let copies = vss_listed(&vss);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].exposed_name.as_deref(), Some("z:"));
    // A second session deletes it (T-BRAVO's cleanup).
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&["delete shadows volume c:", "exit"]));
    assert!(ok, "{out}");
    assert!(out.contains("Deleting shadow copy {"), "{out}");
    assert!(
        out.contains("[Attributes: 0x00120019]...\n\nNumber of shadow copies deleted: 1\n"),
        "{out}"
    );
    assert!(out.ends_with("-> exit\n"));
    assert!(vss_listed(&vss).is_empty());
    clean(&vss);
}

/// `C:` and one writer, `AppWriter`, that succeeds at every event.
fn app_writer_machine() -> Vss {
    Vss::builder()
        .writer(
            vss_sim::writer::WriterConfig::new(
                vss_sim::vocab::WriterClassId::from_u128(1),
                "AppWriter",
            ),
            vss_sim::writer::ScriptedWriter::new("App"),
        )
        .build()
}

fn vss_listed(vss: &Vss) -> Vec<vss_sim::vocab::SnapshotProperties> {
    let mut bc = vss.dynamic();
    bc.call_ok(vss_sim::vocab::Call::InitializeForBackup)
        .unwrap();
    bc.call_ok(vss_sim::vocab::Call::SetContext {
        context: SnapshotContext::VSS_CTX_ALL.value(),
    })
    .unwrap();
    let copies = match bc.call(vss_sim::vocab::Call::Query).unwrap() {
        vss_sim::vocab::Reply::Snapshots(copies) => copies,
        other => panic!("{other:?}"),
    };
    bc.call_ok(vss_sim::vocab::Call::Release).unwrap();
    copies
}

#[test]
fn volatile_copies_go_when_diskshadow_ends_and_writers_see_a_copy_backup() {
    // R119: volatile copies are deleted on exit; the default is a copy backup with writers.
    let vss = app_writer_machine();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&["add volume C:", "create", "exit"]));
    assert!(ok, "{out}");
    assert!(out.contains("Alias VSS_SHADOW_1 for shadow ID {"), "{out}");
    assert!(
        out.contains("\t\t- Attributes:  Auto_Release Differential\n"),
        "{out}"
    );
    drop(ds);
    assert!(vss_listed(&vss).is_empty());
    let trace = vss.trace().render();
    assert!(trace.contains("SetBackupState(VSS_BT_COPY)"), "{trace}");
    assert!(trace.contains("AppWriter: BackupComplete"), "{trace}");
    clean(&vss);
}

#[test]
fn a_full_backup_waits_for_end_backup() {
    // R120: begin backup makes it full; end backup sends BackupComplete.
    let vss = app_writer_machine();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&[
        "set context persistent",
        "begin backup",
        "add volume c:",
        "create",
        "end backup",
    ]));
    assert!(ok, "{out}");
    let trace = vss.trace().render();
    assert!(trace.contains("SetBackupState(VSS_BT_FULL)"), "{trace}");
    assert_eq!(
        trace.matches("AppWriter: BackupComplete").count(),
        1,
        "{trace}"
    );
    clean(&vss);
}

#[test]
fn a_script_with_unix_line_endings_loses_the_last_character_of_each_line() {
    // Published: `nowriters` read as `nowriter`, and the usage block ends the script (R118).
    let vss = Vss::builder().build();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script("set context persistent nowriters\nadd volume c:\ncreate\n");
    assert!(!ok);
    assert!(
        out.contains("-> set context persistent nowriter\n\nSET CONTEXT { CLIENTACCESSIBLE"),
        "{out}"
    );
    assert!(
        !out.contains("-> add volume"),
        "the script must stop at the usage error:\n{out}"
    );
    clean(&vss);
}

#[test]
fn verbose_create_reports_which_components_are_in_and_which_are_excluded() {
    // Field failure 24: the Registry Writer's files are on C:, the set holds only F:.
    let registry =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows/kgoode-no_sql-WM9.xml");
    let view = vss_sim::xml::wmd::load(&std::fs::read_to_string(registry).unwrap()).unwrap();
    let vss = Vss::builder()
        .volume("C:\\")
        .volume("F:\\")
        .writer(
            vss_sim::writer::WriterConfig::from_identity(&view.identity),
            vss_sim::writer::ScriptedWriter::declaring(vss_sim::writer::WriterMetadata::from_view(
                &view,
            )),
        )
        .build();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&["set verbose on", "add volume F:", "create"]));
    assert!(ok, "{out}");
    assert!(out.contains("-> create\nComponent \"\\Registry\" from writer \"Registry Writer\" is excluded from backup,\nbecause it requires volume C:\\ which is not in the shadow copy set.\n"), "{out}");
    assert!(
        out.contains("Inserted file Manifest.xml into .cab file "),
        "{out}"
    );
    // With C: too, the writer is included.
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&[
        "set verbose on",
        "add volume F:",
        "add volume C:",
        "create",
    ]));
    assert!(ok, "{out}");
    assert!(
        out.contains(
            "\n* Including writer \"Registry Writer\":\n\t+ Adding component: \\Registry\n"
        ),
        "{out}"
    );
    // writer verify makes a backup without it fail.
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&[
        "writer verify \"Registry Writer\"",
        "add volume F:",
        "create",
    ]));
    assert!(!ok, "{out}");
    assert!(out.contains("The last operation failed."), "{out}");
    drop(ds);
    clean(&vss);
}

#[test]
fn commands_read_as_diskshadow_reads_them() {
    assert_eq!(
        parse("Set Context ClientAccessible").unwrap(),
        Command::SetContext {
            context: DsContext::ClientAccessible,
            no_writers: false
        }
    );
    assert!(parse("set option noautorecover txfrecover").is_err());
    assert!(parse("frobnicate")
        .unwrap_err()
        .text
        .contains("Unknown command: frobnicate."));
    assert_eq!(
        parse("writer exclude \"System Writer\"").unwrap(),
        Command::WriterExclude("System Writer".into())
    );
    assert_eq!(parse("   # comment").unwrap(), Command::Nothing);
}

#[test]
fn a_failing_exec_ends_the_script() {
    // R118: "The command script returned failure exit code 1." and DiskShadow quits.
    let vss = Vss::builder().volume(Volume::new("C:\\")).build();
    let mut ds = DiskShadow::new(&vss);
    ds.exec_policy(ExecPolicy::SimulateExitCode(1));
    let (out, ok) = ds.run_script(&crlf(&["exec copy.cmd", "add volume c:"]));
    assert!(!ok);
    assert!(out.ends_with("-> exec copy.cmd\nThe command script returned failure exit code 1.\nThe command script failed.\n"), "{out}");
}

#[test]
fn the_metadata_cabinet_carries_the_documents_and_loads_for_a_restore() {
    // R117, R120: set metadata, create, end backup; then load metadata, begin/end restore.
    let vss = app_writer_machine();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&[
        "set context persistent",
        "set metadata backup.cab",
        "begin backup",
        "add volume c:",
        "create",
        "end backup",
    ]));
    assert!(ok, "{out}");
    let cab = ds
        .written_files()
        .iter()
        .find(|(n, _)| n == "backup.cab")
        .unwrap()
        .1
        .clone();
    let metadata = vss_sim::tools::diskshadow::cabinet::Metadata::from_cab(&cab).unwrap();
    assert!(metadata.bcd.contains("BACKUP_COMPONENTS"));
    assert_eq!(metadata.writers.len(), 1);
    drop(ds);
    let mut ds = DiskShadow::new(&vss);
    ds.provide_file("backup.cab", cab);
    let (out, ok) = ds.run_script(&crlf(&[
        "load metadata backup.cab",
        "begin restore",
        "end restore",
    ]));
    assert!(ok, "{out}");
    let trace = vss.trace().render();
    assert!(trace.contains("AppWriter: PreRestore"), "{trace}");
    assert!(trace.contains("AppWriter: PostRestore"), "{trace}");
    drop(ds);
    clean(&vss);
}

#[test]
fn simulate_restore_selects_without_restore_events() {
    // Microsoft's simulate-restore page: writer involvement tested, no PreRestore/PostRestore.
    let vss = app_writer_machine();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&["set metadata b.cab", "add volume c:", "create"]));
    assert!(ok, "{out}");
    let cab = ds.written_files()[0].1.clone();
    drop(ds);
    let mut ds = DiskShadow::new(&vss);
    ds.provide_file("b.cab", cab);
    let (out, ok) = ds.run_script(&crlf(&["simulate restore"]));
    assert!(!ok, "no metadata loaded yet: {out}");
    let mut ds = DiskShadow::new(&vss);
    ds.provide_file("b.cab", ds_cab(&vss));
    let (out, ok) = ds.run_script(&crlf(&["load metadata b.cab", "simulate restore", "exit"]));
    assert!(ok, "{out}");
    drop(ds);
    let trace = vss.trace().render();
    assert!(trace.contains("InitializeForRestore"), "{trace}");
    assert!(!trace.contains("AppWriter: PreRestore"), "{trace}");
    clean(&vss);
}

/// A metadata cabinet of a copy backup of `C:` on `vss`.
fn ds_cab(vss: &Vss) -> Vec<u8> {
    let mut ds = DiskShadow::new(vss);
    let (out, ok) = ds.run_script(&crlf(&["set metadata x.cab", "add volume c:", "create"]));
    assert!(ok, "{out}");
    ds.written_files()[0].1.clone()
}

#[test]
fn unexpose_takes_the_drive_letter_back() {
    // R107: IVssBackupComponentsEx2::UnexposeSnapshot through DiskShadow's unexpose (by letter).
    let vss = Vss::builder().build();
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&[
        "set context persistent nowriters",
        "add volume c: alias p",
        "create",
        "expose %p% p:",
        "unexpose p:",
        "unexpose p:",
    ]));
    assert!(!ok, "the second unexpose finds nothing: {out}");
    assert!(out.contains("was successfully unexposed.\n-> unexpose p:\n\nThe last operation failed.\n\t- Returned HRESULT: 80042308\n\t- Error text: VSS_E_OBJECT_NOT_FOUND\n"), "{out}");
    assert!(vss_listed(&vss)[0].exposed_name.is_none());
    // The letter is free again.
    let mut ds = DiskShadow::new(&vss);
    let copy = vss_listed(&vss)[0].snapshot_id.0;
    let (out, ok) = ds.run_script(&crlf(&[&format!("expose {{{copy}}} p:")]));
    assert!(ok, "{out}");
    drop(ds);
    clean(&vss);
}

/// Microsoft's `import` sample (its `SET CONTEXT TRANSPORTABLE` line is `SET OPTION
/// TRANSPORTABLE`: transportable is an option keyword in every syntax the pages give).
const IMPORT_SAMPLE: &[&str] = &[
    "#Sample DiskShadow script demonstrating IMPORT",
    "SET CONTEXT PERSISTENT",
    "SET OPTION TRANSPORTABLE",
    "SET METADATA transHWshadow_p.cab",
    "#P: is the volume supported by the Hardware Shadow Copy provider",
    "ADD VOLUME P:",
    "CREATE",
    "END BACKUP",
    "#The (transportable) shadow copy is not in the system yet.",
    "#You can reset or exit now if you wish.",
    "",
    "LOAD METADATA transHWshadow_p.cab",
    "IMPORT",
    "#The shadow copy will now be loaded into the system.",
];

fn san_machine(name: &str) -> Vss {
    use vss_sim::provider::{ProviderInfo, SoftwareProvider};
    Vss::builder()
        .machine_name(name)
        .volume("C:\\")
        .volume("P:\\")
        .provider(
            SoftwareProvider::new(vss_sim::vocab::ProviderId::from_u128(0x5a4), "SAN provider")
                .with_info(ProviderInfo::hardware())
                .with_volumes(["P:\\"]),
        )
        .build()
}

#[test]
fn r97_microsofts_import_sample_creates_a_transportable_copy_then_imports_it() {
    // R97, R117: the copy is not on the machine after CREATE; IMPORT brings it, Imported and
    // hardware-assisted; MASK takes it away again.
    let vss = san_machine("SYSTEMONE");
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(IMPORT_SAMPLE));
    assert!(ok, "{out}");
    golden("diskshadow-import-sample.txt", &out);
    let (created, imported) = out.split_once("-> IMPORT\n").unwrap();
    assert!(created.contains("Alias VSS_SHADOW_1 for shadow ID {"));
    assert!(
        created.contains("Number of shadow copies listed: 0\n"),
        "{created}"
    );
    assert!(
        imported.contains("Alias Import_1 for shadow set ID {"),
        "{imported}"
    );
    assert!(imported.contains("Imported"), "{imported}");
    assert!(imported.contains("Hardware"), "{imported}");
    assert!(
        imported.contains("Number of shadow copies listed: 1\n"),
        "{imported}"
    );
    drop(ds);
    // Persistent: the imported copy stays after DiskShadow ended, until MASK.
    let mut ds = DiskShadow::new(&vss);
    let set = vss_sim::tools::vssadmin::run(&vss, &["list".into(), "shadows".into()]).text;
    let set_id = set
        .split("Contents of shadow copy set ID: ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("the imported copy is listed")
        .to_owned();
    let (out, ok) = ds.run_script(&crlf(&[&format!("mask {set_id}"), "list shadows all"]));
    assert!(ok, "{out}");
    assert!(out.contains("Number of shadow copies listed: 0\n"), "{out}");
    clean(&vss);
}

#[test]
fn r97_a_transportable_copy_is_imported_on_another_machine_from_the_cabinet() {
    let one = san_machine("SYSTEMONE");
    let mut ds = DiskShadow::new(&one);
    let (out, ok) = ds.run_script(&crlf(&IMPORT_SAMPLE[..8]));
    assert!(ok, "{out}");
    let cab = ds.written_files()[0].1.clone();
    drop(ds);
    let two = san_machine("SYSTEMTWO");
    let mut ds = DiskShadow::new(&two);
    ds.provide_file("transHWshadow_p.cab", cab);
    let (out, ok) = ds.run_script(&crlf(&IMPORT_SAMPLE[11..]));
    assert!(ok, "{out}");
    assert!(out.contains("Originating machine: SYSTEMONE"), "{out}");
    assert!(out.contains("Service machine: SYSTEMTWO"), "{out}");
    // Without the metadata, or on a machine without the provider, IMPORT fails.
    let mut ds = DiskShadow::new(&two);
    let (out, ok) = ds.run_script(&crlf(&["import"]));
    assert!(!ok);
    assert!(
        out.contains("LOAD METADATA must be used before IMPORT."),
        "{out}"
    );
    clean(&one);
    clean(&two);
}

#[test]
fn revert_puts_a_volume_back_to_a_client_accessible_copy() {
    // Microsoft's `revert` page: a volume back to a CLIENTACCESSIBLE copy; the copy made after
    // it goes (RevertToSnapshot). RESYNC says plainly that it is not simulated.
    let vss = Vss::builder().volume("C:\\").volume("D:\\").build();
    let create = crlf(&["set context clientaccessible", "add volume d:", "create"]);
    let (out, ok) = DiskShadow::new(&vss).run_script(&create);
    assert!(ok, "{out}");
    let first = vss.machine_state().shadow_copies[0]
        .properties
        .snapshot_id
        .0;
    let mut ds = DiskShadow::new(&vss);
    let mut script = create.clone();
    script.push_str(&crlf(&[&format!("revert {{{first}}}"), "list shadows all"]));
    let (out, ok) = ds.run_script(&script);
    assert!(ok, "{out}");
    let listing = out.rsplit("-> list shadows all\n").next().unwrap();
    assert!(
        listing.contains("Number of shadow copies listed: 1\n"),
        "{listing}"
    );
    assert!(
        listing.contains(&format!("Shadow copy ID = {{{first}}}")),
        "{listing}"
    );
    let mut ds = DiskShadow::new(&vss);
    let (out, ok) = ds.run_script(&crlf(&["resync"]));
    assert!(!ok);
    assert!(
        out.contains("RESYNC (IVssBackupComponentsEx3::RecoverSet) is not simulated"),
        "{out}"
    );
    clean(&vss);
}
