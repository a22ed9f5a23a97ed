//! The machine's volumes and their shadow storage (issue 12 part 4; R16, R85, R102–R104, field
//! failures 19 and 20): a volume answers to its drive letter, mount folders and volume GUID
//! path; the system provider takes fixed volumes only, persistent copies need NTFS; a volume
//! holds at most 512 copies and 64 client-accessible ones by default; when its shadow storage
//! runs out its oldest copies go. Every run is judged by the oracle.

mod common;

use common::store::*;
use common::*;
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::{oracle, PurgeReason, TraceEvent};
use vss_sim::vocab::{
    Call, FileSystem, Hresult, ProviderId, Reply, SnapshotContext, Volume, MAX_COPIES_PER_VOLUME,
};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

fn add(bc: &mut DynBackupComponents, volume: &str) -> Result<Reply, Hresult> {
    bc.call(Call::AddToSnapshotSet {
        volume: volume.into(),
        provider: ProviderId::NULL,
    })
}

fn supported(bc: &mut DynBackupComponents, volume: &str) -> Result<bool, Hresult> {
    match bc.call(Call::IsVolumeSupported {
        provider: ProviderId::NULL,
        volume: volume.into(),
    })? {
        Reply::Supported(yes) => Ok(yes),
        other => panic!("IsVolumeSupported: {other:?}"),
    }
}

/// A requester in `context` with a set started.
fn started(vss: &Vss, context: SnapshotContext) -> DynBackupComponents {
    let mut bc = requester(vss, context);
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc
}

/// The copies the machine deleted on its own, with why.
fn purges(vss: &Vss) -> Vec<PurgeReason> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::ShadowCopyPurged { reason, .. } => Some(reason),
            _ => None,
        })
        .collect()
}

#[test]
fn r16_a_volume_answers_to_its_letter_mount_folders_and_guid_path_and_only_once() {
    let vss = Vss::builder()
        .volume("C:\\")
        .volume(Volume::new("D:\\").mount_point("C:\\Data\\"))
        .build();
    let d = vss.volume_guid_path("D:\\").unwrap();
    assert_eq!(vss.volume_guid_path("c:\\data\\"), Some(d.clone()));
    let mut bc = started(&vss, SnapshotContext::VSS_CTX_BACKUP);
    // Without the trailing backslash the name is no volume's (R16).
    assert_eq!(add(&mut bc, "C:"), Err(Hresult::VSS_E_OBJECT_NOT_FOUND));
    assert!(add(&mut bc, &d.to_uppercase()).is_ok());
    // Field failure 20: the same volume again, by another of its names.
    assert_eq!(
        add(&mut bc, "C:\\Data\\"),
        Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS)
    );
    assert_eq!(
        add(&mut bc, "d:\\"),
        Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS)
    );
    assert!(add(&mut bc, "c:\\").is_ok());
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn r85_the_system_provider_takes_no_removable_volume() {
    let vss = Vss::builder()
        .volume("C:\\")
        .volume(
            Volume::new("E:\\")
                .removable()
                .file_system(FileSystem::ExFat),
        )
        .build();
    let mut bc = started(&vss, SnapshotContext::VSS_CTX_BACKUP);
    assert_eq!(supported(&mut bc, "E:\\"), Ok(false));
    assert_eq!(
        add(&mut bc, "E:\\"),
        Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED)
    );
    let system = vss_sim::vocab::well_known::SYSTEM_PROVIDER;
    assert_eq!(
        bc.call(Call::AddToSnapshotSet {
            volume: "E:\\".into(),
            provider: system,
        }),
        Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER)
    );
    assert_eq!(supported(&mut bc, "C:\\"), Ok(true));
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn r104_persistent_copies_need_ntfs_backups_do_not() {
    let vss = Vss::builder()
        .volume("C:\\")
        .volume(Volume::new("F:\\").file_system(FileSystem::Fat32))
        .build();
    let mut backup = started(&vss, SnapshotContext::VSS_CTX_BACKUP);
    assert_eq!(supported(&mut backup, "F:\\"), Ok(true));
    assert!(add(&mut backup, "F:\\").is_ok());
    backup.call_ok(Call::Release).unwrap();
    let mut rollback = started(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK);
    assert_eq!(supported(&mut rollback, "F:\\"), Ok(false));
    assert_eq!(
        add(&mut rollback, "F:\\"),
        Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED)
    );
    rollback.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn r102_a_volume_holds_at_most_512_shadow_copies() {
    // A large volume, so the shadow storage is not what runs out first.
    let vss = Vss::builder()
        .volume(Volume::new("C:\\").size(4096 * GIB, 2048 * GIB))
        .build();
    for _ in 0..MAX_COPIES_PER_VOLUME {
        backup(&vss, SnapshotContext::VSS_CTX_NAS_ROLLBACK, &["C:\\"]);
    }
    let mut bc = started(&vss, SnapshotContext::VSS_CTX_NAS_ROLLBACK);
    // R20: still "supported"; only the limit stops a copy now.
    assert_eq!(supported(&mut bc, "C:\\"), Ok(true));
    assert_eq!(
        add(&mut bc, "C:\\"),
        Err(Hresult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED)
    );
    bc.call_ok(Call::Release).unwrap();
    assert!(purges(&vss).is_empty());
    assert_oracle_clean(&vss);
}

#[test]
fn r102_the_oldest_client_accessible_copy_goes_beyond_max_shadow_copies() {
    let vss = Vss::builder()
        .volume("C:\\")
        .max_client_accessible_copies(3)
        .build();
    let sets: Vec<_> = (0..4)
        .map(|_| backup(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE, &["C:\\"]))
        .collect();
    // Copies of another kind do not count.
    backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]);
    let kept: Vec<_> = listed(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE)
        .into_iter()
        .map(|copy| copy.snapshot_set_id)
        .collect();
    assert_eq!(kept, sets[1..]);
    assert_eq!(purges(&vss), vec![PurgeReason::CopyLimit]);
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK).len(), 1);
    assert_oracle_clean(&vss);
}

#[test]
fn r103_when_shadow_storage_runs_out_the_oldest_copies_go_first() {
    // 1 GiB of shadow storage; each copy's diff area starts at 320 MiB.
    let vss = Vss::builder()
        .volume(Volume::new("C:\\").max_storage(GIB))
        .build();
    let sets: Vec<_> = (0..4)
        .map(|_| backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["C:\\"]))
        .collect();
    let kept = |vss: &Vss| -> Vec<_> {
        listed(vss, SnapshotContext::VSS_CTX_APP_ROLLBACK)
            .into_iter()
            .map(|copy| copy.snapshot_set_id)
            .collect()
    };
    assert_eq!(kept(&vss), sets[1..]);
    // The host writes: the newest copy's diff area grows, and the oldest copies make room.
    assert_eq!(vss.write_to_volume("C:\\", 300 * MIB), Ok(1));
    assert_eq!(kept(&vss), sets[2..]);
    // Writes the storage cannot hold at all cost the newest copy too.
    assert_eq!(vss.write_to_volume("C:\\", 2 * GIB), Ok(2));
    assert!(kept(&vss).is_empty());
    assert_eq!(
        vss.write_to_volume("Z:\\", 1),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert_eq!(purges(&vss), vec![PurgeReason::StorageLimit; 4]);
    assert_oracle_clean(&vss);
}

#[test]
fn field_failure_19_too_little_shadow_storage_fails_the_creation_with_insufficient_storage() {
    // The shadow storage maximum is below the initial diff area: the system provider's
    // EndPrepareSnapshots fails (R87), the set fails, the writer is aborted (R95).
    let vss = builder(plain_writers(1))
        .volume(Volume::new("C:\\").max_storage(100 * MIB))
        .build();
    let mut bc = prepared(&vss);
    assert_eq!(
        bc.call_and_wait(Call::DoSnapshotSet).unwrap_err().hresult(),
        Some(Hresult::VSS_E_INSUFFICIENT_STORAGE)
    );
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let trace = vss.trace();
    assert!(events(
        &trace,
        vss_sim::trace::SessionNo(0),
        vss_sim::trace::WriterNo(0)
    )
    .contains(&vss_sim::vocab::WriterEvent::Abort));
    assert!(listed(&vss, SnapshotContext::VSS_CTX_ALL).is_empty());
    assert_oracle_clean(&vss);
}

/// A writer whose component set spans two volumes: `Db` (selectable) has its files on `D:\`
/// (mounted also at `C:\Mount\`), its subcomponent `Db\Logs` on `L:\`; `Config`, a separate
/// component, under `%SystemRoot%` (on `C:\`).
fn spanning_writer() -> Vss {
    use vss_sim::vocab::{ComponentType, FileDescriptor, WriterClassId, WriterMetadata};
    use vss_sim::writer::{ScriptedWriter, WriterConfig};
    let mut document = WriterMetadata::default();
    document
        .set_restore_method(vss_sim::vocab::RestoreMethod::VSS_RME_RESTORE_IF_NOT_THERE)
        .add_component(ComponentType::VSS_CT_FILEGROUP, None, "Db")
        .add_component(ComponentType::VSS_CT_FILEGROUP, Some("Db"), "Logs")
        .add_component(ComponentType::VSS_CT_FILEGROUP, None, "Config");
    let files = |document: &mut WriterMetadata, path: Option<&str>, name: &str, at: &str| {
        document
            .add_files_to_file_group(path, name, FileDescriptor::new(at, "*"))
            .unwrap();
    };
    files(&mut document, None, "Db", "C:\\Mount\\Db");
    files(&mut document, Some("Db"), "Logs", "L:\\Logs");
    files(&mut document, None, "Config", "%SystemRoot%\\App");
    Vss::builder()
        .volume("C:\\")
        .volume(Volume::new("D:\\").mount_point("C:\\Mount\\"))
        .volume("L:\\")
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x24), "Spanning Writer"),
            ScriptedWriter::declaring(document),
        )
        .build()
}

#[test]
fn diskshadows_selection_leaves_out_components_needing_a_volume_outside_the_set() {
    // Field failure 24; R109 (a component set's files count), R110 (explicit components)
    let vss = spanning_writer();
    assert_eq!(
        vss.volume_of_path("c:\\mount\\db\\x").as_deref(),
        Some("D:\\")
    );
    assert_eq!(
        vss.volume_of_path("%systemroot%\\App").as_deref(),
        Some("C:\\")
    );
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetBackupState(Default::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    bc.call(Call::StartSnapshotSet).unwrap();
    add(&mut bc, "C:\\Mount\\").unwrap();
    add(&mut bc, "C:\\").unwrap();
    assert_eq!(bc.set_volumes(), ["D:\\", "C:\\"]);
    let selection = bc.select_components_in_set().unwrap();
    // Db needs L:\ through its subcomponent; Config is on C:\.
    let names: Vec<&str> = selection.added.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(names, ["Config"]);
    assert_eq!(selection.excluded.len(), 1);
    assert_eq!(
        selection.excluded[0].to_string(),
        "Component \"\\Db\" from writer \"Spanning Writer\" is excluded from backup, because it \
         requires volume L:\\ which is not in the shadow copy set."
    );
    // With L:\ in the set too, nothing is left out.
    add(&mut bc, "L:\\").unwrap();
    let views = bc.writer_metadata().unwrap();
    let selection =
        vss_sim::requester::select_by_set_volumes(&vss, &views, &bc.set_volumes(), |_| true);
    assert!(selection.excluded.is_empty());
    assert_eq!(selection.added.len(), 2);
    assert_oracle_clean(&vss);
}

#[test]
fn shadow_storage_can_live_on_another_volume_and_shrinking_it_deletes_the_oldest_copies() {
    // R102, R103; AddDiffArea and ChangeDiffAreaMaximumSize as documented.
    use vss_sim::coordinator::DiffAreaSize;
    let vss = Vss::builder()
        .volume(Volume::new("C:\\").size(100 * GIB, 50 * GIB))
        .volume(Volume::new("D:\\").size(100 * GIB, 2 * GIB))
        .volume(Volume::new("E:\\").file_system(FileSystem::Fat32))
        .build();
    let at_least = DiffAreaSize::Bytes(320 * MIB);
    assert_eq!(
        vss.add_shadow_storage("C:\\", "D:\\", DiffAreaSize::Bytes(MIB)),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(
        vss.add_shadow_storage("C:\\", "E:\\", at_least),
        Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED)
    );
    assert_eq!(
        vss.add_shadow_storage("C:\\", "X:\\", at_least),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    vss.add_shadow_storage("C:\\", "D:\\", DiffAreaSize::Unbounded)
        .unwrap();
    assert_eq!(
        vss.add_shadow_storage("C:\\", "D:\\", at_least),
        Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS)
    );
    assert_eq!(
        vss.add_shadow_storage("C:\\", "C:\\", at_least),
        Err(Hresult::VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED)
    );
    let storage = vss.shadow_storage();
    assert_eq!(storage.len(), 1);
    assert!(storage[0].for_volume.starts_with("(C:)"));
    assert!(storage[0].storage_volume.starts_with("(D:)"));
    // C:'s copies now live in D:'s 2 GiB of free space: six 320 MB diff areas fit, the
    // seventh deletes the oldest (R103).
    for _ in 0..7 {
        backup(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE, &["C:\\"]);
    }
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 6);
    // A smaller maximum deletes the oldest copies until the rest fit.
    assert_eq!(
        vss.resize_shadow_storage("C:\\", "D:\\", DiffAreaSize::Bytes(700 * MIB)),
        Ok(4)
    );
    assert_eq!(listed(&vss, SnapshotContext::VSS_CTX_ALL).len(), 2);
    assert_eq!(
        vss.resize_shadow_storage("C:\\", "C:\\", at_least),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert_eq!(
        vss.resize_shadow_storage("C:\\", "D:\\", DiffAreaSize::Bytes(0)),
        Err(Hresult::VSS_E_VOLUME_IN_USE)
    );
    assert_oracle_clean(&vss);
    // On a client SKU there is no AddDiffArea.
    let client = Vss::builder().os(vss_sim::vocab::OsProfile::Client).build();
    assert_eq!(
        client.add_shadow_storage("C:\\", "C:\\", at_least),
        Err(Hresult::E_NOTIMPL)
    );
    // Resize creates a missing association (Windows 7 / 2008 R2 and later).
    let fresh = Vss::builder().build();
    assert_eq!(fresh.resize_shadow_storage("C:\\", "C:\\", at_least), Ok(0));
    assert_eq!(fresh.shadow_storage().len(), 1);
    assert_eq!(
        fresh.resize_shadow_storage("C:\\", "C:\\", DiffAreaSize::Bytes(0)),
        Ok(0)
    );
    assert!(fresh.shadow_storage().is_empty());
}

#[test]
fn a_vhd_inside_a_vhd_or_with_its_host_in_the_set_is_nested_too_deeply() {
    // R16, R20: AddToSnapshotSet and IsVolumeSupported give VSS_E_NESTED_VOLUME_LIMIT
    // (Windows 7 / 2008 R2 on).
    let machine = |os| {
        Vss::builder()
            .volume("C:\\")
            .volume(Volume::new("V:\\").on_vhd_in("C:\\"))
            .volume(Volume::new("W:\\").on_vhd_in("V:\\"))
            .os(os)
            .build()
    };
    let vss = machine(vss_sim::vocab::OsProfile::Server2012AndLater);
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    assert_eq!(supported(&mut bc, "V:\\"), Ok(true));
    assert_eq!(
        supported(&mut bc, "W:\\"),
        Err(Hresult::VSS_E_NESTED_VOLUME_LIMIT)
    );
    bc.call(Call::StartSnapshotSet).unwrap();
    add(&mut bc, "V:\\").unwrap();
    assert_eq!(
        add(&mut bc, "C:\\").unwrap_err(),
        Hresult::VSS_E_NESTED_VOLUME_LIMIT,
        "a VHD and its host in one set"
    );
    assert_eq!(
        add(&mut bc, "W:\\").unwrap_err(),
        Hresult::VSS_E_NESTED_VOLUME_LIMIT,
        "a VHD inside a VHD"
    );
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
    // Server 2008 and earlier do not support VHDs at all.
    let old = machine(vss_sim::vocab::OsProfile::Server2008);
    let mut bc = old.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    assert_eq!(supported(&mut bc, "V:\\"), Ok(false));
    bc.call(Call::StartSnapshotSet).unwrap();
    assert_eq!(
        add(&mut bc, "V:\\").unwrap_err(),
        Hresult::VSS_E_VOLUME_NOT_SUPPORTED
    );
    bc.call_ok(Call::Release).unwrap();
}
