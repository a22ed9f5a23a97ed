//! The Writer Metadata Document in Windows' own XML (issue 13 part 5; R112): documents saved by
//! a real Windows machine load, and save back byte for byte; our own documents round-trip; bad
//! and hostile input is refused with the line, the column and what was wrong, never a panic.

mod common;

use common::fixture;
use proptest::prelude::*;
use vss_sim::vocab::{
    BackupSchema, ComponentDependency, ComponentFlags, ComponentInfo, ComponentType,
    FileDescriptor, FileSpecBackupType, Hresult, RestoreMethod, RestoreMethodInfo, SourceType,
    UsageType, WriterClassId, WriterIdentity, WriterInstanceId, WriterRestore,
};
use vss_sim::writer::WriterMetadata;
use vss_sim::xml::wmd;

/// Documents Windows saved on one line: loading and saving gives back every byte.
#[test]
fn r112_windows_documents_save_back_byte_for_byte() {
    for name in [
        "kgoode-no_sql-WM5.xml",
        "kgoode-no_sql-WM6.xml",
        "kgoode-no_sql-WM7.xml",
        "kgoode-no_sql-WM8.xml",
        "kgoode-no_sql-WM9.xml",
        "kgoode-no_sql-WM10.xml",
        "kgoode-with_sql-WM4.xml",
    ] {
        let bytes = fixture(name);
        let view = wmd::load_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            wmd::save(&view).as_bytes(),
            &bytes[..],
            "{name} did not save back byte for byte"
        );
    }
}

#[test]
fn r112_the_sql_writers_document_reads_as_windows_reports_it() {
    let view = wmd::load_bytes(&fixture("kgoode-no_sql-WM5.xml")).unwrap();
    assert_eq!(view.identity.name, "SqlServerWriter");
    assert_eq!(
        view.identity.writer_id,
        WriterClassId::from_u128(0xa65faa63_5ea8_4ebc_9dbd_a0c4db26912a)
    );
    assert_eq!(
        view.identity.instance_name.as_deref(),
        Some("Microsoft SQL Server 2017:SQLWriter")
    );
    assert_eq!(view.identity.usage_type, UsageType::VSS_UT_USERDATA);
    assert_eq!(view.identity.source_type, SourceType::VSS_ST_TRANSACTEDDB);
    // 881: differential, copy, timestamped, last modify, new target, restore with move (R115).
    assert_eq!(
        view.backup_schema,
        BackupSchema::VSS_BS_DIFFERENTIAL
            | BackupSchema::VSS_BS_COPY
            | BackupSchema::VSS_BS_TIMESTAMPED
            | BackupSchema::VSS_BS_LAST_MODIFY
            | BackupSchema::VSS_BS_WRITER_SUPPORTS_NEW_TARGET
            | BackupSchema::VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE
    );
    assert_eq!(
        view.restore_method.method,
        RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE
    );
    assert_eq!(
        view.restore_method.writer_restore,
        WriterRestore::VSS_WRE_ALWAYS
    );
    assert_eq!(view.file_counts(), (0, 0, 6));
    let master = &view.components[0];
    assert_eq!(master.key.logical_path.as_deref(), Some("WIN2012-SQL17-2"));
    assert_eq!(master.key.name, "master");
    assert_eq!(master.key.component_type, ComponentType::VSS_CT_FILEGROUP);
    assert!(master.info.notify_on_backup_complete && master.selectable());
    assert_eq!(
        master.info.flags,
        ComponentFlags::VSS_CF_APP_ROLLBACK_RECOVERY
    );
    assert_eq!(master.info.files.len(), 2);
    assert_eq!(master.info.files[0].filespec, "master.mdf");
    assert_eq!(
        master.info.files[0].backup_type_mask,
        FileSpecBackupType::DEFAULT
    );
    assert_eq!(view.selectable_components().count(), 6);
}

#[test]
fn r112_every_shape_of_in_box_document_loads() {
    // The WMI Writer declared its component before its restore method.
    let wmi = wmd::load_bytes(&fixture("kgoode-no_sql-WM8.xml")).unwrap();
    assert_eq!(
        wmi.restore_method.method,
        RestoreMethod::VSS_RME_RESTORE_AT_REBOOT
    );
    assert!(wmi.restore_method.reboot_required);
    assert!(wmi.components[0].info.files[0].recursive);
    // BITS and Shadow Copy Optimization: exclusions only, no restore method at all.
    let bits = wmd::load_bytes(&fixture("kgoode-no_sql-WM7.xml")).unwrap();
    assert_eq!(bits.restore_method, RestoreMethodInfo::default());
    assert_eq!(bits.file_counts(), (0, 3, 0));
    let sco = wmd::load_bytes(&fixture("kgoode-no_sql-WM6.xml")).unwrap();
    assert_eq!(sco.exclude_from_snapshot.len(), 17);
    // An express writer's stored document: indented, CRLF, upper-case GUIDs.
    let tasks = wmd::load_bytes(&fixture("kgoode-no_sql-WM0.xml")).unwrap();
    assert_eq!(tasks.identity.name, "Task Scheduler Writer");
    assert_eq!(
        tasks.identity.writer_id,
        WriterClassId::from_u128(0xd61d61c8_d73a_4eee_8cdd_f6f9786b7124)
    );
    assert!(!tasks.components[0].selectable());
    assert_eq!(wmd::load(&wmd::save(&tasks)).unwrap(), tasks);
    // The ASR Writer's captions hold raw line breaks, which XML reads as spaces.
    let asr = wmd::load_bytes(&fixture("kgoode-no_sql-WM4.xml")).unwrap();
    assert_eq!(asr.identity.name, "ASR Writer");
    let caption = asr.components[1].info.caption.as_deref().unwrap();
    assert!(caption.starts_with("Select this volume"), "{caption}");
    assert_eq!(wmd::load(&wmd::save(&asr)).unwrap(), asr);
}

#[test]
fn a_document_saved_as_utf16_loads_as_vshadow_writes_it() {
    let text = String::from_utf8(fixture("kgoode-no_sql-WM9.xml")).unwrap();
    // vshadow: the BSTR's UTF-16LE bytes and its terminating NUL, no byte-order mark.
    let bytes: Vec<u8> = text
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    let view = wmd::load_bytes(&bytes).unwrap();
    assert_eq!(view.identity.name, "Registry Writer");
    assert_eq!(wmd::save(&view), text);
}

/// Bad documents: each error names the place and the problem, and maps to
/// VSS_E_INVALID_XML_DOCUMENT.
#[test]
fn bad_documents_are_refused_with_where_and_what() {
    let good = String::from_utf8(fixture("kgoode-no_sql-WM10.xml")).unwrap();
    let cases: Vec<(String, &str)> = vec![
        (good.replace("VssWriterMetadataInfo", "Other"), "namespace"),
        (good.replace("friendlyName=", "name="), "lacks its required attribute friendlyName"),
        (good.replace("usage=\"BOOTABLE_SYSTEM_STATE\"", "usage=\"BOOT\""), "usage=\"BOOT\" is not one of"),
        (good.replace("<BACKUP_LOCATIONS>", "<BACKUP_LOCATIONS><SURPRISE/>"), "cannot hold <SURPRISE>"),
        (good.replace("<BACKUP_LOCATIONS>", "<BACKUP_LOCATIONS xmlns=\"\">"), "<BACKUP_LOCATIONS> is in namespace \"\""),
        (good.replace("componentFlags=\"0\"", "componentFlags=\"0\" extra=\"1\""), "attribute VSS does not write: extra"),
        (good.replace("componentFlags=\"0\"", "componentFlags=\"-1\""), "not a decimal number"),
        (good.replace("selectable=\"yes\"", "selectable=\"maybe\""), "not yes or no"),
        (good.replace("writerId=\"542da469", "writerId=\"zz2da469"), "is not a GUID"),
        (good.replace("</WRITER_METADATA>", ""), "not well-formed"),
        (format!("<!DOCTYPE x [<!ENTITY a \"b\">]>{good}"), "not well-formed"),
        (good.replace("<RESTORE_METHOD", "<IDENTIFICATION writerId=\"542da469-d3e1-473c-9f4f-7847f01fc64f\"/><RESTORE_METHOD"), "a second <IDENTIFICATION>"),
        ("<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" version=\"1.2\"/>".to_owned(), "lacks its <IDENTIFICATION>"),
        (String::new(), "not well-formed"),
    ];
    for (text, expected) in cases {
        let error = wmd::load(&text).expect_err(expected);
        assert_eq!(error.hr(), Hresult::VSS_E_INVALID_XML_DOCUMENT);
        assert!(
            error.to_string().contains(expected),
            "expected {expected:?}, got {error}"
        );
    }
    // The place: line and column of the element at fault.
    let multi_line = good.replace("<BACKUP_LOCATIONS>", "\n  <BACKUP_LOCATIONS><SURPRISE/>");
    let error = wmd::load(&multi_line).unwrap_err();
    assert_eq!((error.line, error.column), (2, 21), "{error}");
}

#[test]
fn hostile_documents_are_refused_without_exhausting_anything() {
    // Deep nesting: refused at the first element out of place, whatever lies below.
    let depth = 200_000;
    let deep = format!(
        "<WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" version=\"1.2\">{}{}</WRITER_METADATA>",
        "<a>".repeat(depth),
        "</a>".repeat(depth)
    );
    assert!(wmd::load(&deep).is_err());
    // Entity expansion: no DTD is read at all.
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><WRITER_METADATA xmlns=\"x-schema:#VssWriterMetadataInfo\" version=\"1.2\">&b;</WRITER_METADATA>";
    assert!(wmd::load(bomb).is_err());
    // Too big: refused before parsing.
    let huge = vec![b' '; vss_sim::xml::MAX_DOCUMENT_BYTES + 1];
    let error = wmd::load_bytes(&huge).unwrap_err();
    assert!(error.message.contains("bytes"), "{error}");
    // Not text at all.
    assert!(wmd::load_bytes(&[0xFF, 0x00, 0xD8]).is_err());
}

fn identity() -> WriterIdentity {
    WriterIdentity {
        instance_id: WriterInstanceId::from_u128(0x1234),
        writer_id: WriterClassId::from_u128(0x5678),
        name: "Round Trip Writer".into(),
        instance_name: Some("Instance & <One>".into()),
        usage_type: UsageType::VSS_UT_USERDATA,
        source_type: SourceType::VSS_ST_NONTRANSACTEDDB,
    }
}

fn text() -> impl Strategy<Value = String> {
    // Any characters XML can carry, backslashes, quotes, ampersands, non-ASCII.
    proptest::string::string_regex("[a-zA-Z0-9 _.\\\\&<>\"'%*?éü€-]{1,12}").unwrap()
}

prop_compose! {
    fn files()(path in text(), spec in text(), recursive: bool, alt in proptest::option::of(text()), mask in 0u32..0x2_0000) -> FileDescriptor {
        let mut files = FileDescriptor::new(path, spec).backup_type_mask(FileSpecBackupType(mask));
        files.recursive = recursive;
        files.alternate_location = alt;
        files
    }
}

prop_compose! {
    fn metadata()(
        components in proptest::collection::vec((any::<bool>(), proptest::option::of(text()), text(), proptest::option::of(text()), proptest::collection::vec(any::<u8>(), 0..8), any::<[bool; 4]>(), 0u32..8, proptest::collection::vec(files(), 0..3)), 0..5),
        excludes in proptest::collection::vec((text(), text(), any::<bool>(), any::<bool>()), 0..4),
        schema in 0u32..0x800,
        restore in proptest::option::of((1usize..9, proptest::option::of(text()), 0usize..4, any::<bool>())),
    ) -> WriterMetadata {
        let mut metadata = WriterMetadata::default();
        for (database, path, name, caption, icon, flags, bits, file_sets) in components {
            let name = name.replace('\\', "/");
            let kind = if database { ComponentType::VSS_CT_DATABASE } else { ComponentType::VSS_CT_FILEGROUP };
            let mut info = ComponentInfo::new(kind, path.as_deref(), &name).flags(ComponentFlags(bits));
            info.caption = caption;
            info.icon = icon;
            [info.restore_metadata, info.notify_on_backup_complete, info.selectable, info.selectable_for_restore] = flags;
            if metadata.declare_component(info).is_err() {
                continue;
            }
            let path = path.as_deref().filter(|p| !p.is_empty());
            for files in file_sets {
                if database {
                    let _ = metadata.add_database_files(path, &name, &files.path, &files.filespec, files.backup_type_mask);
                    let _ = metadata.add_database_log_files(path, &name, &files.path, &files.filespec, files.backup_type_mask);
                } else {
                    let _ = metadata.add_files_to_file_group(path, &name, files);
                }
            }
            let _ = metadata.add_component_dependency(path, &name, ComponentDependency {
                writer_id: WriterClassId::from_u128(0x9999),
                logical_path: Some("Other".into()),
                component_name: "Db".into(),
            });
        }
        if let Some((method, service, writer_restore, reboot)) = restore {
            let _ = metadata.declare_restore_method(RestoreMethodInfo {
                method: RestoreMethod::ALL[method],
                service: service.or(Some("Svc".into())),
                user_procedure: None,
                writer_restore: WriterRestore::ALL[writer_restore],
                reboot_required: reboot,
            });
        }
        for (path, spec, recursive, from_snapshot) in excludes {
            if from_snapshot {
                let _ = metadata.add_exclude_files_from_snapshot(&path, &spec, recursive);
            } else {
                let _ = metadata.add_exclude_files(&path, &spec, recursive);
            }
        }
        let _ = metadata.set_backup_schema(BackupSchema(schema & !0x800));
        metadata
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("VSS_SIM_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
    ))]

    /// R112: what a writer declares survives SaveAsXML and LoadFromXML, and saving again
    /// gives the same bytes.
    #[test]
    fn r112_documents_round_trip(metadata in metadata()) {
        let view = metadata.view(&identity());
        let text = wmd::save(&view);
        let loaded = wmd::load(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&loaded, &view);
        prop_assert_eq!(wmd::save(&loaded), text);
    }

    /// Whatever the bytes, loading returns (never panics).
    #[test]
    fn any_bytes_load_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = wmd::load_bytes(&bytes);
    }
}

/// A machine whose writers declare what four Windows writers declared: a requester examines
/// the same documents Windows saved (byte for byte, ids included) and backs their components
/// up (R112, R13, R21–R26).
#[test]
fn r112_windows_documents_drive_a_simulated_backup() {
    use vss_sim::requester::Vss;
    use vss_sim::trace::oracle;
    use vss_sim::vocab::{BackupState, Call, ProviderId};
    use vss_sim::writer::{ScriptedWriter, WriterConfig};

    let names = [
        "kgoode-no_sql-WM5.xml",
        "kgoode-no_sql-WM8.xml",
        "kgoode-no_sql-WM9.xml",
        "kgoode-no_sql-WM10.xml",
    ];
    let saved: Vec<Vec<u8>> = names.iter().map(|name| fixture(name)).collect();
    let mut builder = Vss::builder();
    for bytes in &saved {
        let view = wmd::load_bytes(bytes).unwrap();
        builder = builder.writer(
            WriterConfig::from_identity(&view.identity),
            ScriptedWriter::declaring(WriterMetadata::from_view(&view)),
        );
    }
    let vss = builder.build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    let views = bc.writer_metadata().unwrap();
    for (view, bytes) in views.iter().zip(&saved) {
        assert_eq!(
            wmd::save(view).as_bytes(),
            &bytes[..],
            "{}",
            view.identity.name
        );
    }
    // Every component, selectable or not (a top-level component is included explicitly, R110).
    let keys: Vec<_> = views
        .iter()
        .flat_map(|view| view.components.iter().map(|c| c.key.clone()))
        .collect();
    assert_eq!(keys.len(), 6 + 1 + 1 + 1);
    for key in keys {
        bc.call_ok(Call::AddComponent(key)).unwrap();
    }
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: ProviderId::NULL,
    })
    .unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    oracle::check(&vss.trace()).assert_clean();
}

/// R110: selecting a whole writer adds its components with no selectable ancestor — the
/// Task Scheduler Writer's non-selectable component (always included), a set's selectable root — and
/// leaves the members of a set implicit.
#[test]
fn r110_select_all_adds_what_has_no_selectable_ancestor() {
    use vss_sim::requester::Vss;
    use vss_sim::vocab::{BackupState, Call};
    use vss_sim::writer::{ScriptedWriter, WriterConfig};

    let tasks = wmd::load_bytes(&fixture("kgoode-no_sql-WM0.xml")).unwrap();
    assert!(!tasks.components[0].selectable());
    let mut sets = WriterMetadata::default();
    sets.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
    for (path, name, selectable) in [
        (None, "Instance", true),
        (Some("Instance"), "Db1", true),
        (Some("Instance\\Db1"), "Logs", false),
        (None, "Config", false),
        (Some("Config"), "Extra", true),
    ] {
        let mut info = ComponentInfo::new(ComponentType::VSS_CT_FILEGROUP, path, name);
        info.selectable = selectable;
        sets.declare_component(info).unwrap();
    }
    let vss = Vss::builder()
        .writer(
            WriterConfig::from_identity(&tasks.identity),
            ScriptedWriter::declaring(WriterMetadata::from_view(&tasks)),
        )
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x5e75), "Sets"),
            ScriptedWriter::declaring(sets),
        )
        .build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    assert_eq!(bc.select_all_components().unwrap(), 1 + 3);
    let xml = bc.save_as_xml().unwrap();
    let document = vss_sim::xml::bcd::load(&xml).unwrap();
    let names: Vec<Vec<&str>> = document
        .writers
        .iter()
        .map(|w| w.components.iter().map(|c| c.name.as_str()).collect())
        .collect();
    // Instance's set brings Db1 and Logs; Config is always included; Extra has no selectable
    // ancestor (Config is not selectable), so it is added too.
    assert_eq!(
        names,
        [vec!["TasksStore"], vec!["Instance", "Config", "Extra"]]
    );
}

/// A scenario file's writer declares a document Windows saved (`metadata = "…"`, relative to
/// the scenario file); a file that is missing, not a file, or not a document VSS would load is
/// an error at the field, naming the file and, inside it, the line and column.
#[test]
fn r112_scenario_files_load_writers_from_windows_documents() {
    use vss_sim::sim::Scenario;
    use vss_sim::trace::{oracle, TraceEvent};

    let dir = std::env::temp_dir().join(format!("vss-sim-wmd-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sql.xml"), fixture("kgoode-no_sql-WM5.xml")).unwrap();
    std::fs::write(dir.join("bad.xml"), "<WRITER_METADATA\n  xmlns=\"x\"/>").unwrap();
    let scenario_text = |metadata: &str| {
        format!(
            "name = \"a Windows writer\"\n[[writers]]\nname = \"SqlServerWriter\"\nmetadata = \"{metadata}\"\n\
             [[steps]]\ncall = \"InitializeForBackup\"\n[[steps]]\ncall = \"SetBackupState\"\n\
             [[steps]]\ncall = \"GatherWriterMetadata\"\n[[steps]]\ncall = \"Wait\"\n\
             [[steps]]\ncall = \"SelectAllComponents\"\n[[steps]]\ncall = \"StartSnapshotSet\"\n\
             [[steps]]\ncall = \"AddToSnapshotSet\"\nvolume = 'C:\\'\n[[steps]]\ncall = \"PrepareForBackup\"\n\
             [[steps]]\ncall = \"Wait\"\n[[steps]]\ncall = \"DoSnapshotSet\"\n[[steps]]\ncall = \"Wait\"\n\
             [[steps]]\ncall = \"BackupComplete\"\n[[steps]]\ncall = \"Wait\"\n[[steps]]\ncall = \"Release\"\n"
        )
    };
    let file = dir.join("backup.toml");
    std::fs::write(&file, scenario_text("sql.xml")).unwrap();
    let scenario = Scenario::load(&file).unwrap();
    let outcome = scenario.run();
    oracle::check(&outcome.trace).assert_clean();
    let registered = outcome.trace.records().iter().find_map(|r| match &r.event {
        TraceEvent::WriterRegistered { instance_id, .. } => Some(*instance_id),
        _ => None,
    });
    assert_eq!(
        registered,
        Some(WriterInstanceId::from_u128(
            0x235435d9_34d6_41ea_8c08_5958a9982636
        ))
    );
    // The six databases were backed up: each got PrepareForBackup through to BackupComplete.
    let completes = outcome
        .trace
        .records()
        .iter()
        .filter(|r| {
            matches!(
                r.event,
                TraceEvent::Delivered {
                    event: vss_sim::vocab::WriterEvent::BackupComplete,
                    ..
                }
            )
        })
        .count();
    assert_eq!(completes, 1);

    for (metadata, expected) in [
        ("missing.xml", "cannot read it"),
        (".", "not a regular file"),
        (
            "bad.xml",
            "bad.xml:1:1: <WRITER_METADATA> is in namespace \"x\"",
        ),
    ] {
        std::fs::write(&file, scenario_text(metadata)).unwrap();
        let error = Scenario::load(&file).unwrap_err();
        assert_eq!(error.field, "writers[0].metadata", "{error}");
        assert!(error.line > 0, "{error}");
        assert!(
            error.message.contains(expected),
            "expected {expected:?} in {error}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
