//! The Backup Components Document in Windows' own XML (issue 13 part 5; R113): documents a
//! Windows machine saved load, and save back byte for byte; a simulated backup's document is
//! what SaveAsXML gives.

mod common;

use common::fixture;
use vss_sim::vocab::{BackupType, ComponentType, Hresult, SnapshotSetId, WriterClassId};
use vss_sim::xml::bcd;

#[test]
fn r113_a_windows_bcd_saves_back_byte_for_byte() {
    let bytes = fixture("kgoode-no_sql-BCDocument.xml");
    let document = bcd::load_bytes(&bytes).unwrap();
    assert!(document.backup_state.select_components);
    assert!(document.backup_state.bootable_system_state);
    assert_eq!(document.backup_state.backup_type, BackupType::VSS_BT_FULL);
    assert_eq!(
        document.snapshot_set_id,
        Some(SnapshotSetId::from_u128(
            0xe109943b_232e_4b52_8dc4_62b7de94761b
        ))
    );
    // GetWriterComponentsCount counts writers, not components (R113).
    assert_eq!(document.writers.len(), 7);
    let system = &document.writers[3];
    assert_eq!(
        system.writer_id,
        WriterClassId::from_u128(0xe8132975_6f93_4464_a53e_1050253ae220)
    );
    assert_eq!(system.components.len(), 2);
    assert_eq!(system.components[1].name, "Win32 Services Files");
    assert_eq!(
        system.components[1].component_type,
        ComponentType::VSS_CT_FILEGROUP
    );
    assert_eq!(bcd::save(&document).as_bytes(), &bytes[..]);
}

#[test]
fn r114_what_a_writer_recorded_reads_and_saves_as_windows_writes_it() {
    // Re-indented by a tool after capture; the SQL writer recorded a stamp and metadata.
    let document = bcd::load_bytes(&fixture("kgoode-with_sql-BCDocument.xml")).unwrap();
    let sql = document
        .writers
        .iter()
        .find(|w| w.instance_name.as_deref() == Some("Microsoft SQL Server 2017:SQLWriter"))
        .unwrap();
    assert_eq!(sql.backup_schema.0, 881);
    let local1 = &sql.components[0];
    assert_eq!(local1.logical_path.as_deref(), Some("WIN2012-SQL17-2"));
    assert_eq!(local1.backup_stamp.as_deref(), Some("CAAAAMQv3+t4udUB"));
    assert!(local1
        .backup_metadata
        .as_deref()
        .is_some_and(|m| m.starts_with("BCAAAFRBUEUA")));
    let saved = bcd::save(&document);
    assert!(
        saved.contains("<WRITER_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" instanceId=")
    );
    assert!(saved.contains("<BACKUP_METADATA xmlns=\"\" metadata=\"BCAAAFRBUEUA"));
    assert_eq!(bcd::load(&saved).unwrap(), document);
    assert_eq!(bcd::save(&bcd::load(&saved).unwrap()), saved);
}

#[test]
fn bad_bcds_are_refused_with_where_and_what() {
    let good = String::from_utf8(fixture("kgoode-no_sql-BCDocument.xml")).unwrap();
    for (text, expected) in [
        (
            good.replace("backupType=\"full\"", "backupType=\"FULL\""),
            "backupType=\"FULL\" is not one of",
        ),
        (
            good.replace("componentType=\"filegroup\"", "componentType=\"files\""),
            "componentType",
        ),
        (
            good.replace("<COMPONENT componentName=\"WMI\"", "<COMPONENT"),
            "lacks its required attribute componentName",
        ),
        (
            good.replace("VssComponentMetadata", "VssWriterMetadataInfo"),
            "namespace",
        ),
        (
            good.replace("WRITER_COMPONENTS", "WRITERS"),
            "expected <WRITER_COMPONENTS>",
        ),
        (
            good.replace(
                "<WRITER_COMPONENTS instanceId=\"1bddd48e",
                "<WRITER_COMPONENTS xmlns=\"urn:other\" instanceId=\"1bddd48e",
            ),
            "<WRITER_COMPONENTS> is in namespace \"urn:other\"",
        ),
    ] {
        let error = bcd::load(&text).expect_err(expected);
        assert_eq!(error.hr(), Hresult::VSS_E_INVALID_XML_DOCUMENT);
        assert!(
            error.to_string().contains(expected),
            "expected {expected:?}, got {error}"
        );
    }
}

/// R31, R113: SaveAsXML after a simulated backup gives the document Windows would write: the
/// backup state, the set, each writer the requester named with the components it added.
#[test]
fn r113_save_as_xml_writes_the_backup_as_windows_does() {
    use vss_sim::requester::Vss;
    use vss_sim::vocab::{BackupSchema, BackupState, Call, ProviderId};
    use vss_sim::writer::{ScriptedWriter, WriterConfig, WriterMetadata};
    use vss_sim::xml::wmd;

    let sql = wmd::load_bytes(&fixture("kgoode-no_sql-WM5.xml")).unwrap();
    let vss = Vss::builder()
        .writer(
            WriterConfig::from_identity(&sql.identity),
            ScriptedWriter::declaring(WriterMetadata::from_view(&sql)),
        )
        .build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    // Before anything: the backup state's defaults, no set, no writer.
    assert_eq!(
        bc.save_as_xml().unwrap(),
        "<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" bootableSystemStateBackup=\"no\" selectComponents=\"yes\" backupType=\"full\" partialFileSupport=\"no\"/>"
    );
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    let views = bc.writer_metadata().unwrap();
    let master = views[0].components[0].key.clone();
    let model = views[0].components[1].key.clone();
    bc.call_ok(Call::AddComponent(master.clone())).unwrap();
    bc.call_ok(Call::AddComponent(model)).unwrap();
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    let set = bc.snapshot_set_id().unwrap();
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: ProviderId::NULL,
    })
    .unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::SetBackupSucceeded {
        component: master,
        succeeded: true,
    })
    .unwrap();
    let xml = bc.save_as_xml().unwrap();
    let document = bcd::load(&xml).unwrap();
    assert_eq!(document.snapshot_set_id, Some(set));
    assert_eq!(document.writers.len(), 1);
    let writer = &document.writers[0];
    assert_eq!(writer.instance_id, sql.identity.instance_id);
    assert_eq!(writer.instance_name, sql.identity.instance_name);
    assert_eq!(writer.backup_schema, BackupSchema(881));
    let names: Vec<_> = writer.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["master", "model"]);
    assert_eq!(writer.components[0].backup_succeeded, Some(true));
    assert_eq!(writer.components[1].backup_succeeded, None);
    assert!(xml.contains("<WRITER_COMPONENTS instanceId=\"235435d9-34d6-41ea-8c08-5958a9982636\" writerId=\"a65faa63-5ea8-4ebc-9dbd-a0c4db26912a\" instanceName=\"Microsoft SQL Server 2017:SQLWriter\" backupSchema=\"881\"><COMPONENT logicalPath=\"WIN2012-SQL17-2\" componentName=\"master\" componentType=\"filegroup\" backupSucceeded=\"yes\"/>"), "{xml}");
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    vss_sim::trace::oracle::check(&vss.trace()).assert_clean();
}

/// R114, R48, R49: a writer writes its stamp and backup metadata into its components in
/// OnPrepareBackup and OnPostSnapshot, and nowhere else; the BCD carries them as the SQL
/// writer's entry shows on Windows.
#[test]
fn r114_writers_write_their_stamp_and_metadata_where_allowed() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use vss_sim::requester::Vss;
    use vss_sim::vocab::{Call, RestoreMethod};
    use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

    /// What each handler's attempts returned.
    type Log = Rc<RefCell<Vec<(&'static str, Result<(), Hresult>)>>>;

    struct Stamper(Log);
    impl Stamper {
        fn write(&self, ctx: &mut HandlerContext<'_>, handler: &'static str) {
            let component = ctx.components().and_then(|c| c.first().cloned());
            let result = match component {
                Some(component) => ctx.set_backup_stamp(&component, "CAAAAMQv3+t4udUB"),
                None => {
                    // No IVssWriterComponents here: use a made-up key.
                    let key = vss_sim::vocab::ComponentKey {
                        instance_id: vss_sim::vocab::WriterInstanceId::NULL,
                        writer_id: WriterClassId::from_u128(0x57a),
                        component_type: ComponentType::VSS_CT_DATABASE,
                        logical_path: None,
                        name: "Db".into(),
                    };
                    ctx.set_backup_stamp(&key, "x")
                }
            };
            self.0.borrow_mut().push((handler, result));
        }
    }
    impl Writer for Stamper {
        fn on_identify(
            &mut self,
            _: &mut HandlerContext<'_>,
            metadata: &mut WriterMetadata,
        ) -> bool {
            metadata
                .set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE)
                .add_component(ComponentType::VSS_CT_DATABASE, None, "Db");
            true
        }
        fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            let component = ctx.components().unwrap()[0].clone();
            let wrong = vss_sim::vocab::ComponentKey {
                name: "Other".into(),
                ..component.clone()
            };
            let missing = ctx.set_backup_metadata(&wrong, "m");
            self.0
                .borrow_mut()
                .push(("PrepareForBackup, unknown component", missing));
            let result = ctx.set_backup_metadata(&component, "BCAAAFRBUEUA");
            self.0.borrow_mut().push(("PrepareForBackup", result));
            true
        }
        fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            self.write(ctx, "Freeze");
            true
        }
        fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            self.write(ctx, "PostSnapshot");
            true
        }
        fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
        fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            self.write(ctx, "BackupComplete");
            true
        }
    }

    let log = Log::default();
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x57a), "Stamper"),
            Stamper(Rc::clone(&log)),
        )
        .build();
    let mut bc = common::prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    let xml = bc.save_as_xml().unwrap();
    assert!(
        xml.contains("<WRITER_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" instanceId="),
        "{xml}"
    );
    assert!(
        xml.contains("componentName=\"Db\" componentType=\"database\" backupStamp=\"CAAAAMQv3+t4udUB\"><BACKUP_METADATA xmlns=\"\" metadata=\"BCAAAFRBUEUA\"/></COMPONENT>"),
        "{xml}"
    );
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(
        *log.borrow(),
        [
            (
                "PrepareForBackup, unknown component",
                Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
            ),
            ("PrepareForBackup", Ok(())),
            ("Freeze", Err(Hresult::VSS_E_BAD_STATE)),
            ("PostSnapshot", Ok(())),
            ("BackupComplete", Err(Hresult::VSS_E_BAD_STATE)),
        ]
    );
    // The engine refused both writes; the oracle charges them to the writer (R49).
    let report = vss_sim::trace::oracle::check(&vss.trace());
    report.assert_engine_clean();
    let writer = report.violations_by(vss_sim::trace::oracle::Party::Writer);
    assert_eq!(writer.len(), 2, "{report:?}");
    assert!(writer.iter().all(|v| v.rule == vss_sim::vocab::Rule::R49));
    assert!(writer[0].message.contains("SetBackupStamp in OnFreeze"));
    assert!(writer[1]
        .message
        .contains("SetBackupStamp in OnBackupComplete"));
}

/// R113, R114: an incremental chain — FULL, then INCREMENTAL, then INCREMENTAL — where the
/// requester hands each backup's stamp (read from the BCD it saved) back to the next, and the
/// writer reads the previous stamp in OnPrepareBackup and writes its own in OnPostSnapshot.
#[test]
fn r113_incremental_chains_hand_the_stamp_back() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use vss_sim::requester::Vss;
    use vss_sim::vocab::{BackupState, Call, ProviderId, RestoreMethod};
    use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

    /// The previous stamps the writer saw, one per backup.
    type Seen = Rc<RefCell<Vec<Option<String>>>>;

    struct LogWriter {
        seen: Seen,
        backups: u32,
    }
    impl Writer for LogWriter {
        fn on_identify(
            &mut self,
            _: &mut HandlerContext<'_>,
            metadata: &mut WriterMetadata,
        ) -> bool {
            metadata
                .set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE)
                .add_component(ComponentType::VSS_CT_DATABASE, Some("Server"), "Db");
            true
        }
        fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            let db = ctx.components().unwrap()[0].clone();
            self.seen
                .borrow_mut()
                .push(ctx.previous_backup_stamp(&db).unwrap());
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
            self.backups += 1;
            let db = ctx.components().unwrap()[0].clone();
            ctx.set_backup_stamp(&db, &format!("lsn-{}", self.backups * 100))
                .is_ok()
        }
        fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
            true
        }
    }

    let seen = Seen::default();
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x106), "Log Writer"),
            LogWriter {
                seen: Rc::clone(&seen),
                backups: 0,
            },
        )
        .build();
    let mut previous: Option<String> = None;
    for backup_type in [
        BackupType::VSS_BT_FULL,
        BackupType::VSS_BT_INCREMENTAL,
        BackupType::VSS_BT_INCREMENTAL,
    ] {
        let mut bc = vss.dynamic();
        bc.call_ok(Call::InitializeForBackup).unwrap();
        bc.call_ok(Call::SetBackupState(BackupState::components(backup_type)))
            .unwrap();
        bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
        bc.select_all_components().unwrap();
        let db = bc.writer_metadata().unwrap()[0].components[0].key.clone();
        if let Some(stamp) = &previous {
            bc.call_ok(Call::SetPreviousBackupStamp {
                component: db.clone(),
                stamp: stamp.clone(),
            })
            .unwrap();
        }
        bc.call_ok(Call::StartSnapshotSet).unwrap();
        bc.call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        })
        .unwrap();
        bc.call_and_wait(Call::PrepareForBackup).unwrap();
        // Too late to hand a stamp back: the writer read it in OnPrepareBackup.
        assert_eq!(
            bc.call(Call::SetPreviousBackupStamp {
                component: db,
                stamp: "late".into()
            }),
            Err(Hresult::VSS_E_BAD_STATE)
        );
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        let document = bcd::load(&bc.save_as_xml().unwrap()).unwrap();
        let component = &document.writers[0].components[0];
        assert_eq!(component.previous_backup_stamp, previous);
        previous = component.backup_stamp.clone();
        bc.call_and_wait(Call::BackupComplete).unwrap();
        bc.call_ok(Call::Release).unwrap();
    }
    assert_eq!(
        *seen.borrow(),
        [None, Some("lsn-100".to_owned()), Some("lsn-200".to_owned())]
    );
    vss_sim::trace::oracle::check(&vss.trace()).assert_clean();
}

/// R113, R114: what a restore writes into the document — the requester's choices and the
/// writers' answers — saves and loads back unchanged, in Windows' vocabulary.
#[test]
fn r113_a_restore_documents_fields_round_trip() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/bcd/restore-fields.xml"),
    )
    .unwrap();
    let document = bcd::load(text.trim_end()).unwrap();
    assert_eq!(
        document.restore_type,
        Some(vss_sim::vocab::RestoreType::VSS_RTYPE_BY_COPY)
    );
    let sales = &document.writers[0].components[0];
    assert_eq!(sales.selected_for_restore, Some(true));
    assert_eq!(sales.additional_restores, Some(true));
    assert_eq!(
        sales.restore_target,
        Some(vss_sim::vocab::RestoreTarget::VSS_RT_ALTERNATE)
    );
    assert_eq!(
        sales.file_restore_status,
        Some(vss_sim::vocab::FileRestoreStatus::VSS_RS_FAILED)
    );
    assert_eq!(sales.restore_metadata.as_deref(), Some("replay-from-lsn"));
    assert_eq!(sales.restore_subcomponents[0].name, "2024");
    assert_eq!(
        sales.new_targets[0].alternate_location.as_deref(),
        Some("E:\\Sales\\")
    );
    assert_eq!(sales.directed_targets[0].source_ranges, "0:4096");
    assert_eq!(
        document.writers[0].components[1].backup_options.as_deref(),
        Some("fast")
    );
    assert_eq!(bcd::save(&document), text.trim_end());
    // A restore element out of place, or a word Windows' vocabulary lacks, says where.
    for (bad, expected) in [
        (
            text.replace("restoreTarget=\"alternate\"", "restoreTarget=\"elsewhere\""),
            "restoreTarget=\"elsewhere\" is not one of",
        ),
        (
            text.replace(
                "<RESTORE_SUBCOMPONENT logicalPath",
                "<RESTORE_SUBCOMPONENT x=\"1\" logicalPath",
            ),
            "attribute VSS does not write: x",
        ),
        (
            text.replace("<RESTORE_TARGET path=\"D:\\Sales\\\" ", "<RESTORE_TARGET "),
            "lacks its required attribute path",
        ),
    ] {
        let error = bcd::load(&bad).expect_err(expected);
        assert!(error.to_string().contains(expected), "{expected}: {error}");
    }
}

/// R114: a writer's partial and differenced files (`AddPartialFile`,
/// `AddDifferencedFilesByLastModifyTime`) go into its component, in OnPrepareBackup and
/// OnPostSnapshot only, partial files only with partial file support; the BCD carries them.
#[test]
fn r114_partial_and_differenced_files_reach_the_document() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use vss_sim::requester::Vss;
    use vss_sim::vocab::{
        BackupState, Call, DifferencedFiles, PartialFile, ProviderId, RestoreMethod,
    };
    use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

    type Log = Rc<RefCell<Vec<(&'static str, Result<(), Hresult>)>>>;
    struct Pages(Log);
    impl Writer for Pages {
        fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
            md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE)
                .add_component(ComponentType::VSS_CT_DATABASE, None, "Pages");
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
        fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            let key = ctx.components().unwrap()[0].clone();
            let partial = ctx.add_partial_file(
                &key,
                PartialFile {
                    path: "C:\\Db\\".into(),
                    filename: "pages.db".into(),
                    ranges: "0:4096,65536:4096".into(),
                    metadata: Some("v2".into()),
                },
            );
            let differenced = ctx.add_differenced_files(
                &key,
                DifferencedFiles {
                    path: "C:\\Db\\logs\\".into(),
                    filespec: "*.log".into(),
                    recursive: true,
                    last_modify_time: 0x01d5_b9e3_1234_5678,
                    last_modify_lsn: None,
                },
            );
            let mut log = self.0.borrow_mut();
            log.push(("PostSnapshot partial", partial));
            log.push(("PostSnapshot differenced", differenced));
            true
        }
        fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            // Out of its window, even with empty arguments: VSS_E_BAD_STATE first (R49).
            let key = ctx.components().unwrap()[0].clone();
            let late = ctx.add_differenced_files(
                &key,
                DifferencedFiles {
                    path: String::new(),
                    filespec: String::new(),
                    recursive: false,
                    last_modify_time: 0,
                    last_modify_lsn: None,
                },
            );
            self.0
                .borrow_mut()
                .push(("BackupComplete differenced", late));
            true
        }
    }

    for partial_support in [true, false] {
        let log = Log::default();
        let vss = Vss::builder()
            .writer(
                WriterConfig::new(WriterClassId::from_u128(0x9a9e), "Pages"),
                Pages(Rc::clone(&log)),
            )
            .build();
        let mut bc = vss.dynamic();
        bc.call_ok(Call::InitializeForBackup).unwrap();
        bc.call_ok(Call::SetBackupState(BackupState {
            partial_file_support: partial_support,
            ..BackupState::default()
        }))
        .unwrap();
        bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
        bc.select_all_components().unwrap();
        bc.call_ok(Call::StartSnapshotSet).unwrap();
        bc.call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        })
        .unwrap();
        bc.call_and_wait(Call::PrepareForBackup).unwrap();
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        let xml = bc.save_as_xml().unwrap();
        bc.call_and_wait(Call::BackupComplete).unwrap();
        bc.call_ok(Call::Release).unwrap();
        let document = bcd::load(&xml).unwrap();
        let pages = &document.writers[0].components[0];
        assert_eq!(pages.differenced_files.len(), 1, "{xml}");
        assert_eq!(
            pages.differenced_files[0].last_modify_time,
            0x01d5_b9e3_1234_5678
        );
        assert_eq!(bcd::save(&document), xml);
        assert_eq!(
            log.borrow()[2],
            ("BackupComplete differenced", Err(Hresult::VSS_E_BAD_STATE))
        );
        let report = vss_sim::trace::oracle::check(&vss.trace());
        report.assert_engine_clean();
        let rules: Vec<_> = report.violations().iter().map(|v| v.rule).collect();
        assert_eq!(rules, [vss_sim::vocab::Rule::R49], "{report:?}");
        if partial_support {
            assert_eq!(pages.partial_files[0].ranges, "0:4096,65536:4096");
            assert!(log.borrow()[..2].iter().all(|(_, r)| r.is_ok()));
        } else {
            // Without IsPartialFileSupportEnabled the writer may not add partial files.
            assert!(pages.partial_files.is_empty());
            assert_eq!(log.borrow()[0].1, Err(Hresult::VSS_E_BAD_STATE));
        }
    }
}

/// R4, R113: `InitializeForBackup(bstrXML)` loads a saved document: its backup state and
/// components become the object's, and SaveAsXML gives them back; a document that does not
/// load is `VSS_E_INVALID_XML_DOCUMENT`.
#[test]
fn r113_initialize_for_backup_loads_a_saved_document() {
    use vss_sim::requester::Vss;
    use vss_sim::vocab::Call;
    use vss_sim::writer::{ScriptedWriter, WriterConfig, WriterMetadata};
    use vss_sim::xml::wmd;

    let sql = wmd::load_bytes(&fixture("kgoode-with_sql-WM4.xml")).unwrap();
    let vss = Vss::builder()
        .writer(
            WriterConfig::from_identity(&sql.identity),
            ScriptedWriter::declaring(WriterMetadata::from_view(&sql)),
        )
        .build();
    let saved = String::from_utf8(fixture("kgoode-with_sql-BCDocument.xml")).unwrap();
    let mut refused = vss.dynamic();
    assert_eq!(
        refused.call_ok(Call::InitializeForBackupFrom {
            bcd: "<BACKUP_COMPONENTS/>".into()
        }),
        Err(Hresult::VSS_E_INVALID_XML_DOCUMENT)
    );
    drop(refused);
    let bc = vss
        .backup_components()
        .initialize_for_backup_from(&saved)
        .unwrap();
    let mut bc = bc.into_dynamic();
    let document = bcd::load(&bc.save_as_xml().unwrap()).unwrap();
    let original = bcd::load(&saved).unwrap();
    assert_eq!(document.backup_state, original.backup_state);
    let names = |d: &vss_sim::vocab::BackupComponentsDocument| -> Vec<String> {
        d.writers
            .iter()
            .flat_map(|w| w.components.iter().map(|c| c.name.clone()))
            .collect()
    };
    assert_eq!(names(&document), names(&original));
    assert_eq!(
        bc.writer_components().unwrap().len(),
        original.writers.len()
    );
    bc.call_ok(Call::Release).unwrap();
    vss_sim::trace::oracle::check(&vss.trace()).assert_clean();
}

mod round_trip {
    //! R113: any document survives SaveAsXML and InitializeForRestore's load, and saving
    //! again gives the same bytes.
    use proptest::prelude::*;
    use vss_sim::vocab::{
        BackupComponent, BackupComponentsDocument, BackupSchema, BackupState, BackupType,
        ComponentType, DifferencedFiles, DirectedTarget, FileDescriptor, FileRestoreStatus,
        PartialFile, RestoreSubcomponent, RestoreTarget, RestoreType, SnapshotSetId, WriterClassId,
        WriterComponents, WriterInstanceId,
    };
    use vss_sim::xml::bcd;

    fn text() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 _.\\\\&<>\"'%*?éü€-]{1,12}").unwrap()
    }

    fn component() -> impl Strategy<Value = BackupComponent> {
        (
            (any::<bool>(), proptest::option::of(text()), text()),
            (
                proptest::option::of(text()),
                proptest::option::of(any::<bool>()),
                proptest::option::of(text()),
                proptest::option::of(any::<bool>()),
            ),
            (
                proptest::option::of(0usize..5),
                proptest::option::of(0usize..4),
                proptest::option::of(text()),
                proptest::option::of(text()),
            ),
            (
                proptest::collection::vec((text(), text(), any::<bool>()), 0..2),
                proptest::collection::vec((text(), text(), any::<bool>(), any::<u64>()), 0..2),
                proptest::option::of(text()),
            ),
        )
            .prop_map(|(head, backup, restore, lists)| {
                let (database, path, name) = head;
                let kind = if database {
                    ComponentType::VSS_CT_DATABASE
                } else {
                    ComponentType::VSS_CT_FILEGROUP
                };
                let mut c = BackupComponent::new(kind, path.as_deref(), &name);
                (
                    c.backup_stamp,
                    c.backup_succeeded,
                    c.backup_options,
                    c.selected_for_restore,
                ) = backup;
                let (target, status, options, message) = restore;
                c.restore_target = target.map(|i| RestoreTarget::ALL[i]);
                c.file_restore_status = status.map(|i| FileRestoreStatus::ALL[i]);
                c.restore_options = options;
                c.pre_restore_failure_msg = message.clone();
                c.post_restore_failure_msg = message;
                let (subs, files, metadata) = lists;
                for (path, name, recursive) in &subs {
                    c.restore_subcomponents.push(RestoreSubcomponent {
                        logical_path: Some(path.clone()),
                        name: name.clone(),
                        repair: false,
                    });
                    let mut target = FileDescriptor::new(path.clone(), name.clone());
                    target.recursive = *recursive;
                    c.new_targets.push(target);
                }
                for (path, spec, recursive, time) in files {
                    c.differenced_files.push(DifferencedFiles {
                        path: path.clone(),
                        filespec: spec.clone(),
                        recursive,
                        last_modify_time: time,
                        last_modify_lsn: None,
                    });
                    c.partial_files.push(PartialFile {
                        path: path.clone(),
                        filename: spec.clone(),
                        ranges: "0:512".into(),
                        metadata: metadata.clone(),
                    });
                    c.directed_targets.push(DirectedTarget {
                        source_path: path.clone(),
                        source_filename: spec.clone(),
                        source_ranges: "0:512".into(),
                        destination_path: path,
                        destination_filename: spec,
                        destination_ranges: "512:512".into(),
                    });
                }
                c.backup_metadata = metadata.clone();
                c.restore_metadata = metadata;
                c
            })
    }

    fn document() -> impl Strategy<Value = BackupComponentsDocument> {
        (
            any::<[bool; 3]>(),
            0usize..7,
            proptest::option::of(0usize..4),
            proptest::option::of(any::<u128>()),
            proptest::collection::vec(
                (
                    any::<u128>(),
                    proptest::option::of(text()),
                    0u32..0x1_0000,
                    proptest::collection::vec(component(), 0..3),
                ),
                0..3,
            ),
        )
            .prop_map(|(flags, backup_type, restore_type, set, writers)| {
                let mut doc = BackupComponentsDocument {
                    backup_state: BackupState {
                        select_components: flags[0],
                        bootable_system_state: flags[1],
                        backup_type: BackupType::ALL[backup_type],
                        partial_file_support: flags[2],
                    },
                    restore_type: restore_type.map(|i| RestoreType::ALL[i]),
                    snapshot_set_id: set.map(SnapshotSetId::from_u128),
                    ..BackupComponentsDocument::default()
                };
                for (id, instance_name, schema, components) in writers {
                    let mut entry = WriterComponents::new(
                        WriterInstanceId::from_u128(id),
                        WriterClassId::from_u128(id.rotate_left(7)),
                    );
                    entry.instance_name = instance_name;
                    entry.backup_schema = BackupSchema(schema);
                    entry.components = components;
                    doc.writers.push(entry);
                }
                doc
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("VSS_SIM_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
        ))]

        #[test]
        fn r113_documents_round_trip(doc in document()) {
            let text = bcd::save(&doc);
            let loaded = bcd::load(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&loaded, &doc);
            prop_assert_eq!(bcd::save(&loaded), text);
        }

        /// Whatever the bytes, loading returns (never panics).
        #[test]
        fn any_bytes_load_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = bcd::load_bytes(&bytes);
        }
    }
}
