//! Transportable shadow copy sets and `ImportSnapshots` (issue 12 part 2; R35, R97, R104,
//! R113): a transportable set is described in its Backup Components Document instead of
//! surfacing on the creating machine; a requester that loads that document imports it, on this
//! machine or another, and the imported copies live as their context says. Every run is judged
//! by the oracle.

mod common;

use common::store::*;
use common::*;
use vss_sim::provider::{ProviderInfo, SoftwareProvider};
use vss_sim::requester::{AsyncError, DynBackupComponents, Vss};
use vss_sim::trace::oracle;
use vss_sim::vocab::{
    Attributes, BackupState, Call, Hresult, ObjectType, OsProfile, ProviderId, Reply,
    SnapshotContext, SnapshotProperties,
};

const SAN: ProviderId = ProviderId::from_u128(0x5a4);

fn san() -> SoftwareProvider {
    SoftwareProvider::new(SAN, "SAN provider")
        .with_info(ProviderInfo::hardware())
        .with_volumes(["P:\\"])
}

/// The creating machine: C:\ and P:\, P:\ on the SAN.
fn system_one(os: OsProfile) -> Vss {
    builder(plain_writers(1))
        .machine_name("SYSTEMONE")
        .os(os)
        .volume("C:\\")
        .volume("P:\\")
        .provider(san())
        .build()
}

/// The importing machine: its own C:\ and the SAN's provider.
fn system_two() -> Vss {
    builder(plain_writers(1))
        .machine_name("SYSTEMTWO")
        .volume("C:\\")
        .provider(san())
        .build()
}

fn transportable(base: SnapshotContext) -> u32 {
    base.value() | Attributes::TRANSPORTABLE.0
}

/// A backup of P:\ in `context` up to DoSnapshotSet; the requester (still holding the set, as
/// the importing page asks) and the saved document.
fn create(vss: &Vss, context: u32) -> (DynBackupComponents, String) {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext { context }).unwrap();
    bc.call_ok(Call::SetBackupState(BackupState::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    bc.select_all_components().unwrap();
    bc.call(Call::StartSnapshotSet).unwrap();
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "P:\\".into(),
        provider: ProviderId::NULL,
    })
    .unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    let xml = bc.save_as_xml().unwrap();
    (bc, xml)
}

/// A requester that loads `xml` as VSHADOW's `-i` does: InitializeForBackup(bstrXML),
/// SetContext(VSS_CTX_ALL).
fn importer(vss: &Vss, xml: &str) -> DynBackupComponents {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackupFrom { bcd: xml.into() })
        .unwrap();
    bc.call_ok(Call::SetContext {
        context: SnapshotContext::VSS_CTX_ALL.value(),
    })
    .unwrap();
    bc
}

fn properties(bc: &mut DynBackupComponents, copy: &SnapshotProperties) -> Result<Reply, Hresult> {
    bc.call(Call::SnapshotProperties {
        snapshot: copy.snapshot_id,
    })
}

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r97_r113_a_transportable_set_is_described_in_its_document_not_surfaced_locally() {
    let one = system_one(OsProfile::default());
    let (mut creator, xml) = create(&one, transportable(SnapshotContext::VSS_CTX_BACKUP));
    // R113: the set's description, with the names Windows' documents use.
    for name in [
        "<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"",
        "<SNAPSHOT_DESCRIPTION snapshotId=\"",
        "<LUN_MAPPING>",
        "<DESTINATION_LUN><LUN_INFORMATION diskSignature=\"",
    ] {
        assert!(xml.contains(name), "{name} missing from {xml}");
    }
    let doc = vss_sim::xml::bcd::load(&xml).unwrap();
    let description = doc.snapshot_set_description.expect("a description");
    assert_eq!(Some(description.snapshot_set_id), doc.snapshot_set_id);
    assert_eq!(description.snapshots.len(), 1);
    assert!(description.is_transportable());
    // "should not be surfaced locally": the creating machine lists no copy.
    let mut admin = requester(&one, SnapshotContext::VSS_CTX_ALL);
    assert!(query(&mut admin).is_empty());
    assert_eq!(
        admin.call(Call::SnapshotProperties {
            snapshot: description.snapshots[0].snapshot_id
        }),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    admin.call_ok(Call::Release).unwrap();
    creator.call_and_wait(Call::BackupComplete).unwrap();
    creator.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&one);
}

#[test]
fn r35_r97_r104_an_imported_auto_release_set_is_the_importers_and_goes_with_it() {
    let one = system_one(OsProfile::default());
    let (mut creator, xml) = create(&one, transportable(SnapshotContext::VSS_CTX_BACKUP));
    let two = system_two();
    let mut bc = importer(&two, &xml);
    assert_eq!(bc.import_snapshots(), Ok(Hresult::VSS_S_ASYNC_FINISHED));
    let copies = query(&mut bc);
    assert_eq!(copies.len(), 1, "{copies:?}");
    let copy = &copies[0];
    let doc = vss_sim::xml::bcd::load(&xml).unwrap();
    let described = &doc.snapshot_set_description.unwrap().snapshots[0];
    assert_eq!(copy.snapshot_id, described.snapshot_id);
    assert_eq!(Some(copy.snapshot_set_id), doc.snapshot_set_id);
    assert_eq!(copy.provider_id, SAN);
    assert_eq!(copy.originating_machine, "SYSTEMONE");
    assert_eq!(copy.service_machine, "SYSTEMTWO");
    assert_eq!(
        Some(&copy.original_volume),
        described.original_volume.as_ref()
    );
    let attributes = Attributes(copy.attributes);
    for bit in [
        Attributes::IMPORTED,
        Attributes::HARDWARE_ASSISTED,
        Attributes::TRANSPORTABLE,
    ] {
        assert!(attributes.contains(bit), "{bit:?} not in {attributes:?}");
    }
    assert!(matches!(
        properties(&mut bc, copy),
        Ok(Reply::Properties(_))
    ));
    // Importing page, step 8: an auto-release context's copy goes with the importer.
    bc.call_ok(Call::Release).unwrap();
    assert!(listed(&two, SnapshotContext::VSS_CTX_ALL).is_empty());
    creator.call_and_wait(Call::BackupComplete).unwrap();
    creator.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&one);
    assert_oracle_clean(&two);
}

#[test]
fn r97_r104_an_imported_persistent_set_stays_until_deleted() {
    let one = system_one(OsProfile::default());
    let context = transportable(SnapshotContext::VSS_CTX_APP_ROLLBACK);
    let (mut creator, xml) = create(&one, context);
    creator.call_ok(Call::Release).unwrap();
    let two = system_two();
    let mut bc = importer(&two, &xml);
    assert_eq!(bc.import_snapshots(), Ok(Hresult::VSS_S_ASYNC_FINISHED));
    bc.call_ok(Call::Release).unwrap();
    let left = listed(&two, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(left.len(), 1);
    let mut admin = requester(&two, SnapshotContext::VSS_CTX_ALL);
    assert!(matches!(
        admin.call(Call::DeleteSnapshots {
            id: left[0].snapshot_set_id.0,
            object: ObjectType::VSS_OBJECT_SNAPSHOT_SET,
            force: false,
        }),
        Ok(Reply::Deleted { deleted: 1, .. })
    ));
    admin.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&two);
}

#[test]
fn r97_an_importer_without_the_provider_imports_nothing() {
    let one = system_one(OsProfile::default());
    let (_creator, xml) = create(&one, transportable(SnapshotContext::VSS_CTX_BACKUP));
    let bare = builder(plain_writers(1)).volume("C:\\").build();
    let mut bc = importer(&bare, &xml);
    assert_eq!(
        bc.import_snapshots(),
        Err(AsyncError::Failed(Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED))
    );
    assert!(query(&mut bc).is_empty());
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&bare);
}

#[test]
fn r97_r4_import_needs_a_transportable_document_on_a_server() {
    let one = system_one(OsProfile::default());
    // No document at all.
    let mut plain = requester(&one, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(
        plain.import_snapshots(),
        Err(AsyncError::Failed(Hresult::VSS_E_BAD_STATE))
    );
    // A document of a set that is not transportable.
    let (_creator, xml) = create(&one, SnapshotContext::VSS_CTX_BACKUP.value());
    assert!(!xml.contains("SNAPSHOT_SET_DESCRIPTION"));
    let mut bc = importer(&one, &xml);
    assert_eq!(
        bc.import_snapshots(),
        Err(AsyncError::Failed(Hresult::VSS_E_NONTRANSPORTABLE_BCD))
    );
    // "Minimum supported client: None supported."
    let server = system_one(OsProfile::default());
    let (_creator, xml) = create(&server, transportable(SnapshotContext::VSS_CTX_BACKUP));
    let client = builder(plain_writers(1))
        .os(OsProfile::Client)
        .volume("C:\\")
        .provider(san())
        .build();
    let mut bc = importer(&client, &xml);
    assert_eq!(
        bc.import_snapshots(),
        Err(AsyncError::Failed(Hresult::VSS_E_UNSUPPORTED_CONTEXT))
    );
    assert_oracle_clean(&one);
    assert_oracle_clean(&client);
}

#[test]
fn r97_a_set_is_imported_once_on_server_2003_and_again_from_server_2008() {
    for (os, again) in [
        (OsProfile::Server2003, false),
        (OsProfile::Server2008, true),
        (OsProfile::default(), true),
    ] {
        let vss = system_one(os);
        let context = transportable(SnapshotContext::VSS_CTX_APP_ROLLBACK);
        let (_creator, xml) = create(&vss, context);
        let mut first = importer(&vss, &xml);
        assert_eq!(first.import_snapshots(), Ok(Hresult::VSS_S_ASYNC_FINISHED));
        // A second import while the first's copy is on the machine imports nothing.
        let mut second = importer(&vss, &xml);
        assert_eq!(
            second.import_snapshots(),
            Err(AsyncError::Failed(Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED)),
            "{os:?}"
        );
        let copies = query(&mut first);
        for copy in &copies {
            first
                .call(Call::DeleteSnapshots {
                    id: copy.snapshot_id.0,
                    object: ObjectType::VSS_OBJECT_SNAPSHOT,
                    force: false,
                })
                .unwrap();
        }
        let mut third = importer(&vss, &xml);
        let expected = if again {
            Ok(Hresult::VSS_S_ASYNC_FINISHED)
        } else {
            Err(AsyncError::Failed(Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED))
        };
        assert_eq!(third.import_snapshots(), expected, "{os:?}");
        assert_oracle_clean(&vss);
    }
}

#[test]
fn r97_a_non_persistent_set_is_imported_only_while_its_creator_holds_it() {
    let vss = system_one(OsProfile::default());
    let (mut creator, xml) = create(&vss, transportable(SnapshotContext::VSS_CTX_BACKUP));
    creator.call_and_wait(Call::BackupComplete).unwrap();
    creator.call_ok(Call::Release).unwrap();
    let mut bc = importer(&vss, &xml);
    assert_eq!(
        bc.import_snapshots(),
        Err(AsyncError::Failed(Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED))
    );
    assert_oracle_clean(&vss);
}

#[test]
fn r97_an_imported_hardware_set_can_be_broken() {
    let one = system_one(OsProfile::default());
    let (_creator, xml) = create(&one, transportable(SnapshotContext::VSS_CTX_APP_ROLLBACK));
    let two = system_two();
    let mut bc = importer(&two, &xml);
    bc.import_snapshots().unwrap();
    let set = query(&mut bc)[0].snapshot_set_id;
    assert_eq!(bc.call(Call::BreakSnapshotSet { set }), Ok(Reply::Done));
    assert!(query(&mut bc).is_empty());
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&two);
}

#[test]
fn r113_a_description_windows_wrote_is_read_and_saved_back_unchanged() {
    // The observed names, plus content the simulator does not read.
    let description = "<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"3f1c9e55-2d6b-4a7e-9c1d-8b2f5e6a7c90\" \
        context=\"32\" extra=\"kept\"><SNAPSHOT_DESCRIPTION snapshotId=\"9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d\" \
        providerId=\"00000000-0000-0000-0000-0000000005a4\"><LUN_MAPPING><DISK_EXTENT startingOffset=\"1048576\" \
        extentLength=\"1073741824\"/><SOURCE_LUN><LUN_INFORMATION diskSignature=\"11111111-2222-4333-8444-555555555555\" \
        busType=\"9\"/></SOURCE_LUN><DESTINATION_LUN><LUN_INFORMATION \
        diskSignature=\"66666666-7777-4888-8999-aaaaaaaaaaaa\" vendorId=\"SIM\"/></DESTINATION_LUN>\
        </LUN_MAPPING></SNAPSHOT_DESCRIPTION></SNAPSHOT_SET_DESCRIPTION>";
    let xml = format!(
        "<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" \
         bootableSystemStateBackup=\"no\" selectComponents=\"no\" backupType=\"full\" \
         partialFileSupport=\"no\" snapshotSetId=\"3f1c9e55-2d6b-4a7e-9c1d-8b2f5e6a7c90\">\
         {description}</BACKUP_COMPONENTS>"
    );
    let doc = vss_sim::xml::bcd::load(&xml).unwrap();
    let loaded = doc.snapshot_set_description.as_ref().unwrap();
    assert_eq!(loaded.context, Some(32));
    assert_eq!(loaded.snapshots[0].provider_id, Some(SAN));
    assert_eq!(loaded.snapshots[0].luns.len(), 1);
    assert!(loaded.snapshots[0].luns[0].source.is_some());
    assert!(loaded.snapshots[0].luns[0].destination.is_some());
    assert_eq!(vss_sim::xml::bcd::save(&doc), xml);
    // A requester that loaded it saves it back as it was.
    let two = system_two();
    let mut bc = importer(&two, &xml);
    assert!(bc.save_as_xml().unwrap().contains(description));
    // Its context (32: VSS_CTX_BACKUP | TRANSPORTABLE) makes the imported copy auto-release.
    assert_eq!(bc.import_snapshots(), Ok(Hresult::VSS_S_ASYNC_FINISHED));
    // One import per requester object.
    assert_eq!(
        bc.import_snapshots(),
        Err(AsyncError::Failed(Hresult::VSS_E_BAD_STATE))
    );
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&two);
}

#[test]
fn r113_a_document_with_two_set_descriptions_is_refused_with_its_place() {
    let set = "<SNAPSHOT_SET_DESCRIPTION snapshotSetId=\"3f1c9e55-2d6b-4a7e-9c1d-8b2f5e6a7c90\"/>";
    let xml = format!(
        "<BACKUP_COMPONENTS xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.2\" \
         bootableSystemStateBackup=\"no\" selectComponents=\"no\" backupType=\"full\" \
         partialFileSupport=\"no\">{set}\n{set}</BACKUP_COMPONENTS>"
    );
    let error = vss_sim::xml::bcd::load(&xml).unwrap_err();
    assert_eq!(error.line, 2, "{error}");
    assert!(
        error.to_string().contains("SNAPSHOT_SET_DESCRIPTION"),
        "{error}"
    );
}

/// The scenario file form (`scenarios/transport/`): its expectations hold, the copy came onto
/// the machine by the import and went with the importer, and the oracle finds nothing.
#[test]
fn r97_r35_a_scenario_file_imports_a_transportable_set() {
    use vss_sim::sim::Scenario;
    use vss_sim::trace::TraceEvent;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join("transport")
        .join("import-on-the-creating-machine.toml");
    let scenario = Scenario::load(&path).unwrap_or_else(|err| panic!("{err}"));
    let outcome = scenario.run();
    if let Err(mismatches) = scenario.check(&outcome) {
        panic!("{mismatches:?}\n\ntrace:\n{}", outcome.trace.render());
    }
    let events: Vec<&TraceEvent> = outcome.trace.records().iter().map(|r| &r.event).collect();
    let created: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            TraceEvent::ShadowCopyCreated { session, .. } => Some(session.0),
            _ => None,
        })
        .collect();
    assert_eq!(created, vec![1], "only the import brings a copy");
    assert!(events.iter().any(|e| matches!(
        e,
        TraceEvent::SnapshotsDeleted { session, count: 1, .. } if session.0 == 1
    )));
    oracle::check(&outcome.trace).assert_clean();
}
