//! Shadow copies as objects on the machine (issue 12 part 2; R32–R34, R104, R107): persistent
//! copies outlive their requester, auto-release copies go with it, `Query` lists the completed
//! copies of the caller's context, `DeleteSnapshots` removes copies by id or by set. Every run
//! is judged by the oracle.

mod common;

use common::store::*;
use common::*;
use vss_sim::provider::{ProviderInfo, SoftwareProvider};
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::tools::vssadmin;
use vss_sim::trace::oracle;
use vss_sim::vocab::{
    Attributes, Call, Hresult, ObjectType, ProviderId, Reply, SnapshotContext, SnapshotId,
    SnapshotProperties,
};

fn machine() -> Vss {
    builder(plain_writers(1))
        .volume("C:\\")
        .volume("D:\\")
        .build()
}

fn delete(
    bc: &mut DynBackupComponents,
    id: uuid::Uuid,
    object: ObjectType,
) -> Result<(u32, SnapshotId), Hresult> {
    match bc.call(Call::DeleteSnapshots {
        id,
        object,
        force: false,
    })? {
        Reply::Deleted {
            deleted,
            non_deleted,
        } => Ok((deleted, non_deleted)),
        other => panic!("DeleteSnapshots: {other:?}"),
    }
}

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r104_r34_persistent_copies_outlive_their_requester_and_query_filters_by_context() {
    let vss = machine();
    let set = backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    let copies = listed(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK);
    assert_eq!(copies.len(), 1);
    assert_eq!(copies[0].snapshot_set_id, set);
    assert_eq!(
        Some(copies[0].original_volume.clone()),
        vss.volume_guid_path("C:\\")
    );
    assert_eq!(copies[0].snapshots_count, 1);
    assert!(copies[0]
        .device_object
        .starts_with("\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy"));
    // R34: a VSS_CTX_BACKUP requester does not see APP_ROLLBACK copies; VSS_CTX_ALL sees all.
    assert!(listed(&vss, SnapshotContext::VSS_CTX_BACKUP).is_empty());
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 1);
    assert_oracle_clean(&vss);
}

#[test]
fn r32_r104_auto_release_copies_go_with_their_requester() {
    let vss = machine();
    let mut holder = requester(&vss, SnapshotContext::VSS_CTX_BACKUP);
    holder
        .call_ok(Call::SetBackupState(Default::default()))
        .unwrap();
    holder.call_and_wait(Call::GatherWriterMetadata).unwrap();
    holder.select_all_components().unwrap();
    holder.call_ok(Call::StartSnapshotSet).unwrap();
    holder
        .call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        })
        .unwrap();
    holder.call_and_wait(Call::PrepareForBackup).unwrap();
    holder.call_and_wait(Call::DoSnapshotSet).unwrap();
    // While its requester lives, the copy is on the machine.
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_BACKUP).len(), 1);
    holder.call_and_wait(Call::BackupComplete).unwrap();
    holder.call_ok(Call::Release).unwrap();
    assert!(listed(&vss, SnapshotContext::VSS_CTX_ALL).is_empty());
    assert_oracle_clean(&vss);
}

#[test]
fn r33_delete_snapshots_by_copy_and_by_set() {
    let vss = machine();
    let set = backup(
        &vss,
        SnapshotContext::VSS_CTX_APP_ROLLBACK,
        &["C:\\", "D:\\"],
    );
    let mut admin = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    let copies = query(&mut admin);
    assert_eq!(copies.len(), 2);
    let first = copies[0].snapshot_id;
    assert_eq!(
        delete(&mut admin, first.0, ObjectType::VSS_OBJECT_SNAPSHOT),
        Ok((1, SnapshotId::NULL))
    );
    assert_eq!(
        delete(&mut admin, first.0, ObjectType::VSS_OBJECT_SNAPSHOT),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert_eq!(
        delete(&mut admin, set.0, ObjectType::VSS_OBJECT_SNAPSHOT_SET),
        Ok((1, SnapshotId::NULL))
    );
    assert!(query(&mut admin).is_empty());
    assert_eq!(
        delete(&mut admin, set.0, ObjectType::VSS_OBJECT_PROVIDER),
        Err(Hresult::E_INVALIDARG)
    );
    admin.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn r34_query_and_delete_need_an_initialized_object_and_delete_sees_only_its_context() {
    let vss = machine();
    let set = backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    let mut fresh = vss.dynamic();
    assert_eq!(fresh.call(Call::Query), Err(Hresult::VSS_E_BAD_STATE));
    let mut other = requester(&vss, SnapshotContext::VSS_CTX_BACKUP);
    assert_eq!(
        delete(&mut other, set.0, ObjectType::VSS_OBJECT_SNAPSHOT_SET),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    other.call_ok(Call::Release).unwrap();
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 1);
    assert_oracle_clean(&vss);
}

fn properties(
    bc: &mut DynBackupComponents,
    snapshot: SnapshotId,
) -> Result<SnapshotProperties, Hresult> {
    match bc.call(Call::SnapshotProperties { snapshot })? {
        Reply::Properties(properties) => Ok(properties),
        other => panic!("GetSnapshotProperties: {other:?}"),
    }
}

#[test]
fn r24_get_snapshot_properties_of_any_copy_the_context_sees() {
    // vshadow -s={id}: a new requester in VSS_CTX_ALL asks for a persistent copy by id.
    let vss = machine();
    let set = backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    let id = listed(&vss, SnapshotContext::VSS_CTX_ALL)[0].snapshot_id;
    let mut admin = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    let found = properties(&mut admin, id).unwrap();
    assert_eq!((found.snapshot_id, found.snapshot_set_id), (id, set));
    assert_eq!(Some(found.original_volume), vss.volume_guid_path("c:\\"));
    assert_eq!(
        properties(&mut admin, SnapshotId::from_u128(0x5eed)),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    admin.call_ok(Call::Release).unwrap();
    // A requester in another context does not see it.
    let mut other = requester(&vss, SnapshotContext::VSS_CTX_BACKUP);
    assert_eq!(
        properties(&mut other, id),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    other.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn field_failure_1_a_cancelled_creation_past_its_commit_leaves_a_copy_one_can_read() {
    // Cancel after the commit: DoSnapshotSet runs on and reports cancelled, the copy exists
    // (field failure 1), and its properties can be read like any other copy's.
    let vss = builder(vec![vss_sim::writer::ScriptedWriter::new("W0").on(
        vss_sim::vocab::WriterEvent::PostSnapshot,
        vss_sim::writer::Reaction::slow(5_000),
    )])
    .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc, op, 1_000), Hresult::VSS_S_ASYNC_PENDING);
    bc.call_ok(Call::Cancel { op }).unwrap();
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_CANCELLED);
    let copies = query(&mut bc);
    assert_eq!(copies.len(), 1);
    assert_eq!(
        properties(&mut bc, copies[0].snapshot_id).map(|p| p.snapshot_id),
        Ok(copies[0].snapshot_id)
    );
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert!(
        listed(&vss, SnapshotContext::VSS_CTX_ALL).is_empty(),
        "auto-release"
    );
    assert_oracle_clean(&vss);
}

fn expose(
    bc: &mut DynBackupComponents,
    snapshot: SnapshotId,
    attribute: Attributes,
    expose: Option<&str>,
) -> Result<String, Hresult> {
    match bc.call(Call::ExposeSnapshot {
        snapshot,
        path_from_root: None,
        attributes: attribute.0,
        expose: expose.map(str::to_owned),
    })? {
        Reply::Exposed(name) => Ok(name),
        other => panic!("ExposeSnapshot: {other:?}"),
    }
}

#[test]
fn r107_only_persistent_copies_are_exposed_locally_each_once_under_a_free_name() {
    let vss = machine();
    backup(
        &vss,
        SnapshotContext::VSS_CTX_APP_ROLLBACK,
        &["C:\\", "D:\\"],
    );
    backup(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE, &["C:\\"]);
    let copies = listed(&vss, SnapshotContext::VSS_CTX_ALL);
    let (first, second, client) = (
        copies[0].snapshot_id,
        copies[1].snapshot_id,
        copies[2].snapshot_id,
    );
    let mut admin = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    let locally = Attributes::EXPOSED_LOCALLY;
    assert_eq!(
        expose(&mut admin, first, locally, Some("X:")),
        Ok("X:".into())
    );
    // Once; a letter in use (by a volume or another copy); not a letter at all.
    assert_eq!(
        expose(&mut admin, first, locally, Some("Y:")),
        Err(Hresult::E_INVALIDARG)
    );
    for taken in ["X:", "c:", "Snap", ""] {
        assert_eq!(
            expose(&mut admin, second, locally, Some(taken)),
            Err(Hresult::E_INVALIDARG),
            "{taken}"
        );
    }
    // A mount folder must be on a volume of the machine.
    assert_eq!(
        expose(&mut admin, second, locally, Some("Q:\\Snap")),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(
        expose(&mut admin, second, locally, Some("C:\\Snap")),
        Ok("C:\\Snap".into())
    );
    // Client-accessible copies are never exposed; a name is needed locally.
    assert_eq!(
        expose(&mut admin, client, Attributes::EXPOSED_REMOTELY, None),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(
        expose(&mut admin, client, locally, None),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(
        expose(&mut admin, first, Attributes::NONE, Some("Z:")),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(
        expose(
            &mut admin,
            SnapshotId::from_u128(0x5eed),
            locally,
            Some("Z:")
        ),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    let found = properties(&mut admin, first).unwrap();
    assert_eq!(found.exposed_name.as_deref(), Some("X:"));
    assert_ne!(found.attributes & Attributes::EXPOSED_LOCALLY.0, 0);
    admin.call_ok(Call::Release).unwrap();
    let text = vssadmin::list_shadows(&vss, &Default::default()).unwrap();
    // No published output shows an exposed name; the attribute words say it.
    assert!(text.contains("Exposed locally"), "{text}");
    assert!(!text.contains("Exposed Name"), "{text}");
    assert_oracle_clean(&vss);
}

#[test]
fn r107_a_backup_copy_is_shared_remotely_under_a_name_vss_picks() {
    let vss = machine();
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    let copy = query(&mut bc)[0].clone();
    assert_eq!(
        expose(
            &mut bc,
            copy.snapshot_id,
            Attributes::EXPOSED_LOCALLY,
            Some("X:")
        ),
        Err(Hresult::E_INVALIDARG)
    );
    let share = expose(
        &mut bc,
        copy.snapshot_id,
        Attributes::EXPOSED_REMOTELY,
        None,
    )
    .unwrap();
    assert!(copy.device_object.ends_with(&share), "{share}");
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn break_snapshot_set_forgets_a_hardware_set_and_refuses_a_software_one() {
    let san = ProviderId::from_u128(0x5a4);
    let vss = builder(plain_writers(1))
        .volume("C:\\")
        .volume("D:\\")
        .provider(
            SoftwareProvider::new(san, "SAN provider")
                .with_info(ProviderInfo::hardware())
                .with_volumes(["D:\\"]),
        )
        .build();
    let hardware = backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["D:\\"]);
    let software = backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    let mut admin = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    let broken = |bc: &mut DynBackupComponents, set| bc.call(Call::BreakSnapshotSet { set });
    assert_eq!(
        broken(&mut admin, software),
        Err(Hresult::VSS_E_PROVIDER_VETO)
    );
    assert_eq!(broken(&mut admin, hardware), Ok(Reply::Done));
    assert_eq!(
        broken(&mut admin, hardware),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    let left: Vec<_> = query(&mut admin)
        .into_iter()
        .map(|c| c.snapshot_set_id)
        .collect();
    assert_eq!(left, vec![software]);
    admin.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn r107_a_trailing_backslash_names_the_same_place_and_a_mount_folder_is_taken() {
    let vss = builder(plain_writers(1))
        .volume("C:\\")
        .volume(vss_sim::vocab::Volume::new("D:\\").mount_point("C:\\Data\\"))
        .build();
    backup(
        &vss,
        SnapshotContext::VSS_CTX_APP_ROLLBACK,
        &["C:\\", "D:\\"],
    );
    let copies = listed(&vss, SnapshotContext::VSS_CTX_ALL);
    let mut admin = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    let locally = Attributes::EXPOSED_LOCALLY;
    assert_eq!(
        expose(&mut admin, copies[0].snapshot_id, locally, Some("X:\\")),
        Ok("X:".into())
    );
    // C:\Data is D:'s mount folder; C:\Snap\ and C:\Snap are one folder.
    assert_eq!(
        expose(&mut admin, copies[1].snapshot_id, locally, Some("C:\\Data")),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(
        expose(
            &mut admin,
            copies[1].snapshot_id,
            locally,
            Some("C:\\Snap\\")
        ),
        Ok("C:\\Snap".into())
    );
    admin.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn a_hardware_copy_takes_no_shadow_storage() {
    // R103 is about the system provider's diff area: a SAN copy neither fills it nor purges.
    let san = ProviderId::from_u128(0x5a4);
    let vss = builder(plain_writers(1))
        .volume(vss_sim::vocab::Volume::new("C:\\").max_storage(1 << 30))
        .provider(SoftwareProvider::new(san, "SAN").with_info(ProviderInfo::hardware()))
        .build();
    for _ in 0..5 {
        backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    }
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 5);
    assert_eq!(vss.write_to_volume("C:\\", 10 << 30), Ok(0));
    assert_eq!(vss.shadow_storage()[0].used_bytes, 0);
    assert_oracle_clean(&vss);
}

#[test]
fn r6_vss_ctx_all_sees_every_copy_and_creates_no_set() {
    // R6: VSS_CTX_ALL serves the administrative calls (Query, DeleteSnapshots, ...) over every
    // context's copies, and no shadow copy set can be created in it (E_INVALIDARG).
    let vss = machine();
    backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    backup(&vss, SnapshotContext::VSS_CTX_NAS_ROLLBACK, &["D:\\"]);
    let mut admin = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(query(&mut admin).len(), 2);
    assert_eq!(
        admin.call(Call::StartSnapshotSet),
        Err(Hresult::E_INVALIDARG)
    );
    admin.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}
