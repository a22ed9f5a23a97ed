//! Restore (issue 13 part 6; spec §9, R78–R84, R56): a requester in restore mode loads the
//! document a backup saved, selects components, raises PreRestore and PostRestore; writers
//! read what the document says and answer within their windows; the oracle judges it all.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::fixture;
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::oracle::{self, Party};
use vss_sim::trace::TraceEvent;
use vss_sim::vocab::{
    BackupState, Call, ComponentKey, ComponentType, FileDescriptor, FileRestoreStatus, Hresult,
    Reply, RestoreMethod, RestoreTarget, RestoreType, Rule, WriterClassId, WriterEvent,
    WriterFailure, WriterState,
};
use vss_sim::writer::{ComponentInfo, HandlerContext, Writer, WriterConfig, WriterMetadata};

type Log = Rc<RefCell<Vec<String>>>;

/// A database writer with two components, `Sales` and `Stock`, and a subcomponent `Sales\2024`
/// selectable for restore. In OnPreRestore it asks for an alternate target and leaves restore
/// metadata for every selected component; in OnPostRestore it reads the file restore status.
struct Shop {
    log: Log,
    fail_in: Option<WriterEvent>,
    /// Also tries a write OnPostRestore may not make (R49).
    misbehaves: bool,
}

const SHOP: WriterClassId = WriterClassId::from_u128(0x5e0);

impl Shop {
    fn new(log: &Log) -> Self {
        Self {
            log: Rc::clone(log),
            fail_in: None,
            misbehaves: false,
        }
    }

    fn note(&self, line: String) {
        self.log.borrow_mut().push(line);
    }

    fn fails(&self, ctx: &mut HandlerContext<'_>) -> bool {
        if self.fail_in == Some(ctx.event()) {
            ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE)
                .unwrap();
            return true;
        }
        false
    }
}

impl Writer for Shop {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "Sales");
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "Stock");
        let mut year = ComponentInfo::new(ComponentType::VSS_CT_FILEGROUP, Some("Sales"), "2024");
        year.selectable = false;
        year.selectable_for_restore = true;
        md.declare_component(year).unwrap();
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
        for key in ctx.components().unwrap_or_default().to_vec() {
            ctx.set_backup_metadata(&key, &format!("lsn-of-{}", key.name))
                .unwrap();
        }
        true
    }
    fn on_pre_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.note(format!("PreRestore type {:?}", ctx.restore_type()));
        for key in ctx.components().unwrap_or_default().to_vec() {
            let component = ctx.restore_component(&key).unwrap().clone();
            self.note(format!(
                "{} selected {:?} metadata {:?} options {:?} additional {:?} subs {}",
                key.name,
                component.selected_for_restore,
                component.backup_metadata,
                component.restore_options,
                component.additional_restores,
                component.restore_subcomponents.len()
            ));
            if component.selected_for_restore == Some(true) {
                ctx.set_restore_target(&key, RestoreTarget::VSS_RT_ALTERNATE)
                    .unwrap();
                ctx.set_restore_metadata(&key, "replay-from-lsn").unwrap();
                // Private metadata is written once (SetRestoreMetadata's documented error).
                let again = ctx.set_restore_metadata(&key, "twice");
                self.note(format!("second SetRestoreMetadata {again:?}"));
            }
        }
        let _ = self.fails(ctx);
        true
    }
    fn on_post_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        for key in ctx.components().unwrap_or_default().to_vec() {
            let status = ctx.restore_component(&key).unwrap().file_restore_status;
            self.note(format!("PostRestore {} status {status:?}", key.name));
            if self.misbehaves {
                // R49: the document is read-only here, but for the post-restore failure message.
                let target = ctx.set_restore_target(&key, RestoreTarget::VSS_RT_ORIGINAL);
                self.note(format!("SetRestoreTarget in PostRestore {target:?}"));
            }
            if status == Some(FileRestoreStatus::VSS_RS_FAILED) {
                ctx.set_post_restore_failure_msg(&key, "database left inconsistent")
                    .unwrap();
            }
        }
        let _ = self.fails(ctx);
        true
    }
}

/// A machine with the shop writer and an idle second writer (`Idle`).
fn machine(shop: Shop) -> Vss {
    Vss::builder()
        .writer(WriterConfig::new(SHOP, "Shop Writer"), shop)
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x1d1e), "Idle"),
            vss_sim::writer::ScriptedWriter::new("Idle"),
        )
        .build()
}

/// A full component-mode backup of everything on `vss`; the BCD it saved.
fn backup(vss: &Vss) -> String {
    let mut bc = common::prepared(vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    let xml = bc.save_as_xml().unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    xml
}

/// `SetSelectedForRestore` of the shop's component `name`.
fn selecting(name: &str, selected: bool) -> Call {
    Call::SetSelectedForRestore {
        component: key(name),
        selected,
    }
}

fn key(name: &str) -> ComponentKey {
    ComponentKey {
        instance_id: vss_sim::vocab::WriterInstanceId::NULL,
        writer_id: SHOP,
        component_type: ComponentType::VSS_CT_DATABASE,
        logical_path: None,
        name: name.into(),
    }
}

/// A restore object loaded with `bcd`, its metadata gathered (R78's first steps).
fn restoring(vss: &Vss, bcd: &str) -> DynBackupComponents {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForRestore { bcd: bcd.into() })
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    bc
}

/// The writers (by registration number) `event` was delivered to, in order.
fn delivered(vss: &Vss, event: WriterEvent) -> Vec<u32> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::Delivered {
                writer, event: e, ..
            } if *e == event => Some(writer.0),
            _ => None,
        })
        .collect()
}

#[test]
fn r78_r83_a_restore_runs_pre_restore_copies_and_post_restore() {
    let log = Log::default();
    let vss = machine(Shop {
        misbehaves: true,
        ..Shop::new(&log)
    });
    let bcd = backup(&vss);
    let mut bc = restoring(&vss, &bcd);
    bc.call_ok(selecting("Sales", true)).unwrap();
    bc.call_ok(Call::SetRestoreOptions {
        component: key("Sales"),
        options: "NORECOVERY".into(),
    })
    .unwrap();
    bc.call_ok(Call::SetAdditionalRestores {
        component: key("Sales"),
        additional: true,
    })
    .unwrap();
    bc.call_ok(Call::AddNewTarget {
        component: key("Sales"),
        target: FileDescriptor::new("D:\\Sales\\", "*.mdf").alternate_location("E:\\Sales\\"),
    })
    .unwrap();
    bc.call_ok(Call::SetRestoreState {
        restore_type: RestoreType::VSS_RTYPE_BY_COPY,
    })
    .unwrap();
    bc.call_and_wait(Call::PreRestore).unwrap();
    // The writer's answers are in the document once PreRestore returned.
    let entries = bc.writer_components().unwrap();
    assert_eq!(entries.len(), 2, "both writers were backed up");
    let shop = entries.iter().find(|e| e.writer_id == SHOP).unwrap();
    let sales = &shop.components[0];
    assert_eq!(sales.restore_target, Some(RestoreTarget::VSS_RT_ALTERNATE));
    assert_eq!(sales.restore_metadata.as_deref(), Some("replay-from-lsn"));
    assert_eq!(sales.new_targets.len(), 1);
    // The requester copies the files (no event), then says how it went.
    bc.call_ok(Call::SetFileRestoreStatus {
        component: key("Sales"),
        status: FileRestoreStatus::VSS_RS_FAILED,
    })
    .unwrap();
    bc.call_and_wait(Call::PostRestore).unwrap();
    let status = bc.writer_status().unwrap();
    assert!(status
        .iter()
        .all(|s| s.state == WriterState::VSS_WS_STABLE && s.failure == Hresult::S_OK));
    let saved = bc.save_as_xml().unwrap();
    assert!(saved.contains("selectedForRestore=\"yes\""), "{saved}");
    assert!(saved.contains("postRestoreFailureMsg=\"database left inconsistent\""));
    bc.call_ok(Call::Release).unwrap();

    assert_eq!(
        *log.borrow(),
        [
            "PreRestore type VSS_RTYPE_BY_COPY",
            "Sales selected Some(true) metadata Some(\"lsn-of-Sales\") options Some(\"NORECOVERY\") additional Some(true) subs 0",
            "second SetRestoreMetadata Err(VSS_E_OBJECT_ALREADY_EXISTS (0x8004230D))",
            "Stock selected None metadata Some(\"lsn-of-Stock\") options None additional None subs 0",
            "PostRestore Sales status Some(VSS_RS_FAILED)",
            "SetRestoreTarget in PostRestore Err(VSS_E_BAD_STATE (0x80042301))",
            "PostRestore Stock status None",
            "SetRestoreTarget in PostRestore Err(VSS_E_BAD_STATE (0x80042301))",
        ]
    );
    // R81: the idle writer had nothing selected for restore: no restore event reached it.
    assert_eq!(delivered(&vss, WriterEvent::PreRestore), [0]);
    assert_eq!(delivered(&vss, WriterEvent::PostRestore), [0]);
    // Q20: releasing a restore object owes no BackupShutdown (only the backup's one is sent).
    assert_eq!(delivered(&vss, WriterEvent::BackupShutdown).len(), 2);
    // The engine refused the writes OnPostRestore may not make; the oracle charges them to the
    // writer (R49), and finds nothing else.
    let report = oracle::check(&vss.trace());
    report.assert_engine_clean();
    let rules: Vec<_> = report
        .violations()
        .iter()
        .map(|v| (v.rule, v.party))
        .collect();
    assert_eq!(rules, [(Rule::R49, Party::Writer); 2], "{report:?}");
}

#[test]
fn r84_failures_at_pre_and_post_restore_show_as_states_13_and_14() {
    for (event, state) in [
        (
            WriterEvent::PreRestore,
            WriterState::VSS_WS_FAILED_AT_PRE_RESTORE,
        ),
        (
            WriterEvent::PostRestore,
            WriterState::VSS_WS_FAILED_AT_POST_RESTORE,
        ),
    ] {
        let log = Log::default();
        let vss = machine(Shop {
            fail_in: Some(event),
            ..Shop::new(&log)
        });
        let bcd = backup(&vss);
        let mut bc = restoring(&vss, &bcd);
        bc.call_ok(selecting("Stock", true)).unwrap();
        // A writer's failure does not fail the operation (R84); the status says it.
        bc.call_and_wait(Call::PreRestore).unwrap();
        bc.call_ok(Call::SetFileRestoreStatus {
            component: key("Stock"),
            status: FileRestoreStatus::VSS_RS_ALL,
        })
        .unwrap();
        bc.call_and_wait(Call::PostRestore).unwrap();
        let shop = bc
            .writer_status()
            .unwrap()
            .into_iter()
            .find(|s| s.writer_id == SHOP)
            .unwrap();
        assert_eq!(shop.state, state, "{event:?}");
        assert_eq!(shop.failure, Hresult::VSS_E_WRITERERROR_NONRETRYABLE);
        // R56: no Abort in a restore.
        assert_eq!(bc.call_ok(Call::AbortBackup), Err(Hresult::VSS_E_BAD_STATE));
        bc.call_ok(Call::Release).unwrap();
        assert!(delivered(&vss, WriterEvent::Abort).is_empty());
        oracle::check(&vss.trace()).assert_clean();
    }
}

#[test]
fn t14_restore_calls_keep_their_order_and_mode() {
    let log = Log::default();
    let vss = machine(Shop::new(&log));
    let bcd = backup(&vss);
    let mut bc = vss.dynamic();
    // Not initialized; then a document that does not load (R79).
    assert_eq!(bc.call_ok(Call::PreRestore), Err(Hresult::VSS_E_BAD_STATE));
    assert_eq!(
        bc.call_ok(Call::InitializeForRestore {
            bcd: "<BACKUP_COMPONENTS/>".into()
        }),
        Err(Hresult::VSS_E_INVALID_XML_DOCUMENT)
    );
    bc.call_ok(Call::InitializeForRestore { bcd: bcd.clone() })
        .unwrap();
    assert_eq!(
        bc.call_ok(Call::InitializeForBackup),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    // PreRestore needs the metadata gathered (R78).
    assert_eq!(bc.call_ok(Call::PreRestore), Err(Hresult::VSS_E_BAD_STATE));
    // The component's writer is not running yet in this object's eyes (R80).
    assert_eq!(
        bc.call_ok(selecting("Sales", true)),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    // Backup-only calls in restore mode (R2, Q19).
    for call in [
        Call::StartSnapshotSet,
        Call::SetBackupState(BackupState::default()),
        Call::AddComponent(key("Sales")),
        Call::PrepareForBackup,
        Call::DoSnapshotSet,
        Call::BackupComplete,
        Call::AbortBackup,
    ] {
        assert_eq!(
            bc.call_ok(call.clone()),
            Err(Hresult::VSS_E_BAD_STATE),
            "{call:?}"
        );
    }
    // Not in the document.
    assert_eq!(
        bc.call_ok(selecting("Returns", true)),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    // A subcomponent needs its parent selected first, a logical path, and restore selectability.
    let sub = |name: &str, path: Option<&str>| Call::AddRestoreSubcomponent {
        component: key("Sales"),
        logical_path: path.map(str::to_owned),
        name: name.into(),
        repair: false,
    };
    assert_eq!(
        bc.call_ok(sub("2024", Some("Sales"))),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    bc.call_ok(selecting("Sales", true)).unwrap();
    assert_eq!(bc.call_ok(sub("2024", None)), Err(Hresult::E_INVALIDARG));
    assert_eq!(
        bc.call_ok(sub("2023", Some("Sales"))),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    bc.call_ok(sub("2024", Some("Sales"))).unwrap();
    // The file restore status is for between PreRestore and PostRestore; PostRestore follows
    // a finished PreRestore.
    let status = Call::SetFileRestoreStatus {
        component: key("Sales"),
        status: FileRestoreStatus::VSS_RS_ALL,
    };
    assert_eq!(bc.call_ok(status.clone()), Err(Hresult::VSS_E_BAD_STATE));
    assert_eq!(bc.call_ok(Call::PostRestore), Err(Hresult::VSS_E_BAD_STATE));
    bc.call_and_wait(Call::PreRestore).unwrap();
    // Selection ends with PreRestore.
    assert_eq!(
        bc.call_ok(selecting("Stock", true)),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    assert_eq!(bc.call_ok(Call::PreRestore), Err(Hresult::VSS_E_BAD_STATE));
    bc.call_ok(status.clone()).unwrap();
    bc.call_and_wait(Call::PostRestore).unwrap();
    assert_eq!(bc.call_ok(status), Err(Hresult::VSS_E_BAD_STATE));
    assert_eq!(bc.call_ok(Call::PostRestore), Err(Hresult::VSS_E_BAD_STATE));
    bc.call_ok(Call::Release).unwrap();
    // The engine kept every rule; the misuse is the requester's, and the oracle says so.
    let report = oracle::check(&vss.trace());
    report.assert_engine_clean();
    assert!(report.rules_broken().contains(&vss_sim::vocab::Rule::R26));
}

/// Issue 13's "done when": a document a Windows machine saved loads in InitializeForRestore,
/// and its components drive a restore of writers built from the WMDs the same machine saved.
#[test]
fn r79_a_windows_bcd_drives_a_simulated_restore() {
    use vss_sim::writer::ScriptedWriter;
    use vss_sim::xml::wmd;

    let sql = wmd::load_bytes(&fixture("kgoode-with_sql-WM4.xml")).unwrap();
    let registry = wmd::load_bytes(&fixture("kgoode-no_sql-WM9.xml")).unwrap();
    let vss = [&sql, &registry]
        .into_iter()
        .fold(Vss::builder(), |b, view| {
            b.writer(
                WriterConfig::from_identity(&view.identity),
                ScriptedWriter::declaring(WriterMetadata::from_view(view)),
            )
        })
        .build();
    let bcd = String::from_utf8(fixture("kgoode-with_sql-BCDocument.xml")).unwrap();
    let mut bc = restoring(&vss, &bcd);
    let entries = bc.writer_components().unwrap();
    let sql_entry = entries
        .iter()
        .find(|e| e.writer_id == sql.identity.writer_id)
        .unwrap();
    let database = &sql_entry.components[0];
    let component = ComponentKey {
        instance_id: vss_sim::vocab::WriterInstanceId::NULL,
        ..sql_entry.key(database)
    };
    bc.call_ok(Call::SetSelectedForRestore {
        component: component.clone(),
        selected: true,
    })
    .unwrap();
    bc.call_and_wait(Call::PreRestore).unwrap();
    bc.call_ok(Call::SetFileRestoreStatus {
        component,
        status: FileRestoreStatus::VSS_RS_ALL,
    })
    .unwrap();
    bc.call_and_wait(Call::PostRestore).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(delivered(&vss, WriterEvent::PreRestore), [0]);
    assert_eq!(delivered(&vss, WriterEvent::PostRestore), [0]);
    oracle::check(&vss.trace()).assert_clean();
}

/// The scenario file form of a backup and a restore (`scenarios/restore/`): its expectations
/// hold and the oracle finds nothing.
#[test]
fn r78_a_scenario_file_backs_up_and_restores() {
    use vss_sim::sim::Scenario;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("restore")
        .join("backup-then-restore.toml");
    let scenario = Scenario::load(&path).unwrap_or_else(|err| panic!("{err}"));
    let outcome = scenario.run();
    if let Err(mismatches) = scenario.check(&outcome) {
        panic!("{mismatches:?}\n\ntrace:\n{}", outcome.trace.render());
    }
    oracle::check(&outcome.trace).assert_clean();
}

/// R83, R78: what the oracle says of a restoring requester that releases between PreRestore and
/// the end of PostRestore, or calls PostRestore without reporting the files it restored; a crash
/// is not the requester's decision.
#[test]
fn r83_r78_a_restoring_requester_finishes_what_it_started() {
    for ending in ["release", "crash", "no status", "cancelled"] {
        let log = Log::default();
        let vss = machine(Shop::new(&log));
        let bcd = backup(&vss);
        let mut bc = restoring(&vss, &bcd);
        bc.call_ok(selecting("Sales", true)).unwrap();
        if ending == "cancelled" {
            // PreRestore cancelled before it reached anyone: nothing to finish (no R83).
            let Reply::Async(op) = bc.call(Call::PreRestore).unwrap() else {
                panic!("PreRestore is asynchronous");
            };
            bc.call_ok(Call::Cancel { op }).unwrap();
            assert_eq!(
                bc.call(Call::QueryStatus { op }),
                Ok(Reply::Status(Hresult::VSS_S_ASYNC_CANCELLED))
            );
            assert_eq!(bc.call_ok(Call::PostRestore), Err(Hresult::VSS_E_BAD_STATE));
        } else {
            bc.call_and_wait(Call::PreRestore).unwrap();
        }
        match ending {
            "release" | "cancelled" => bc.call_ok(Call::Release).unwrap(),
            "crash" => bc.call_ok(Call::Crash).unwrap(),
            _ => {
                bc.call_and_wait(Call::PostRestore).unwrap();
                bc.call_ok(Call::Release).unwrap();
            }
        }
        let report = oracle::check(&vss.trace());
        report.assert_engine_clean();
        let broken: Vec<_> = report
            .violations()
            .iter()
            .map(|v| (v.rule, v.party))
            .collect();
        let expected: &[(Rule, Party)] = match ending {
            "release" => &[(Rule::R83, Party::Requester)],
            "crash" | "cancelled" => &[],
            _ => &[(Rule::R78, Party::Requester)],
        };
        assert_eq!(broken, expected, "{ending}: {report:?}");
    }
}

/// The typestate shell's restore path (R78–R83): the same restore as the dynamic one, where the
/// order is the types' business.
#[test]
fn r78_the_typestate_restore_path_runs_a_restore() {
    let log = Log::default();
    let vss = machine(Shop::new(&log));
    let bcd = backup(&vss);
    let bc = vss
        .backup_components()
        .initialize_for_restore(&bcd)
        .unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered
        .set_selected_for_restore(&key("Sales"), true)
        .unwrap();
    discovered
        .add_restore_subcomponent(&key("Sales"), "Sales", "2024")
        .unwrap();
    discovered
        .set_restore_state(RestoreType::VSS_RTYPE_BY_COPY)
        .unwrap();
    let mut prepared = discovered.pre_restore().unwrap().wait().unwrap();
    let entries = prepared.writer_components().unwrap();
    let sales = &entries
        .iter()
        .find(|e| e.writer_id == SHOP)
        .unwrap()
        .components[0];
    assert_eq!(sales.restore_subcomponents.len(), 1);
    assert_eq!(sales.restore_target, Some(RestoreTarget::VSS_RT_ALTERNATE));
    prepared
        .set_file_restore_status(&key("Sales"), FileRestoreStatus::VSS_RS_ALL)
        .unwrap();
    let mut restored = prepared.post_restore().unwrap().wait().unwrap();
    assert!(restored
        .writer_status()
        .unwrap()
        .iter()
        .all(|s| s.state == WriterState::VSS_WS_STABLE));
    restored.release();
    assert!(log.borrow().iter().any(|l| l.contains("subs 1")));
    oracle::check(&vss.trace()).assert_clean();
}

/// R80, R113: a document saved during a restore carries its selection (and subcomponents); a
/// restore loaded from it restores the same components without selecting them again, and a
/// deselected parent keeps its added subcomponent (the writer still takes part).
#[test]
fn r80_a_saved_restore_document_keeps_its_selection() {
    let log = Log::default();
    let vss = machine(Shop::new(&log));
    let bcd = backup(&vss);
    let mut first = restoring(&vss, &bcd);
    first.call_ok(selecting("Sales", true)).unwrap();
    first
        .call_ok(Call::AddRestoreSubcomponent {
            component: key("Sales"),
            logical_path: Some("Sales".into()),
            name: "2024".into(),
            repair: false,
        })
        .unwrap();
    // Deselected again: its subcomponent still goes back, so the writer still takes part.
    first.call_ok(selecting("Sales", false)).unwrap();
    let saved = first.save_as_xml().unwrap();
    first.call_ok(Call::Release).unwrap();
    let mut second = restoring(&vss, &saved);
    second.call_and_wait(Call::PreRestore).unwrap();
    second
        .call_ok(Call::SetFileRestoreStatus {
            component: key("Sales"),
            status: FileRestoreStatus::VSS_RS_ALL,
        })
        .unwrap();
    second.call_and_wait(Call::PostRestore).unwrap();
    second.call_ok(Call::Release).unwrap();
    assert_eq!(delivered(&vss, WriterEvent::PreRestore), [0]);
    assert_eq!(delivered(&vss, WriterEvent::PostRestore), [0]);
    assert!(log.borrow().iter().any(|l| l.contains("subs 1")), "{log:?}");
    oracle::check(&vss.trace()).assert_clean();
}
