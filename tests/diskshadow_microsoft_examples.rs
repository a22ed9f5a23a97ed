//! DiskShadow against the outputs Microsoft's own pages show (issue 14 part 5; R121, R127):
//! each test builds the machine the sample implies (the same writers, ids and provider), runs the
//! command through `tools::diskshadow::DiskShadow`, and compares the lines Microsoft prints,
//! character for character.

use vss_sim::requester::Vss;
use vss_sim::tools::diskshadow::DiskShadow;
use vss_sim::vocab::{well_known, WriterInstanceId};
use vss_sim::writer::{ScriptedWriter, WriterConfig};

/// Runs `lines` at the prompt; the output of the last one.
fn last_output(ds: &mut DiskShadow, lines: &[&str]) -> String {
    let mut out = String::new();
    for line in lines {
        ds.run_line(line);
        out = ds.take_output();
    }
    out
}

#[test]
fn list_providers_prints_microsofts_sample() {
    // learn.microsoft.com, windows-commands/list-providers (the same sample is on add-volume).
    let vss = Vss::builder().build();
    let mut ds = DiskShadow::new(&vss);
    let out = last_output(&mut ds, &["list providers"]);
    assert_eq!(
        out,
        "* ProviderID: {b5946137-7b9f-4925-af80-51abd60b20d5}
        Type: [1] VSS_PROV_SYSTEM
        Name: Microsoft Software Shadow Copy provider 1.0
        Version: 1.0.0.7
        CLSID: {65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}
1 provider registered.
"
    );
}

#[test]
fn list_writers_status_prints_microsofts_sample_for_its_writers() {
    // learn.microsoft.com, windows-commands/list-writers (current revision): the System Writer
    // waits for BackupComplete, the other two are stable. Here a full backup is under way
    // (begin backup, create) in which only the System Writer takes part.
    let writer = |class, name: &str, instance: u128| {
        (
            WriterConfig::new(class, name).instance_id(WriterInstanceId::from_u128(instance)),
            ScriptedWriter::new(name),
        )
    };
    let (system, system_writer) = writer(
        well_known::SYSTEM_WRITER,
        "System Writer",
        0x7e63_1031_c695_4229_9da1_a7de_057e_64cb,
    );
    let (sco, sco_writer) = writer(
        well_known::SHADOW_COPY_OPTIMIZATION_WRITER,
        "Shadow Copy Optimization Writer",
        0x9e36_2607_9794_4dd4_a7cd_b3d5_de0a_ad20,
    );
    let (registry, registry_writer) = writer(
        well_known::REGISTRY_WRITER,
        "Registry Writer",
        0xe87b_a7e3_f8d8_42d8_b2ee_c76a_e26b_98e8,
    );
    let vss = Vss::builder()
        .writer(system, system_writer)
        .writer(sco, sco_writer)
        .writer(registry, registry_writer)
        .build();
    let mut ds = DiskShadow::new(&vss);
    let out = last_output(
        &mut ds,
        &[
            "set context persistent",
            "writer exclude \"Shadow Copy Optimization Writer\"",
            "writer exclude \"Registry Writer\"",
            "begin backup",
            "add volume c:",
            "create",
            "list writers status",
        ],
    );
    let sample = "Listing writer status ...
* WRITER System Writer
        - Status: 5 (VSS_WS_WAITING_FOR_BACKUP_COMPLETE)
        - Writer Failure code: 0x00000000 (S_OK)
        - Writer ID: {e8132975-6f93-4464-a53e-1050253ae220}
        - Instance ID: {7e631031-c695-4229-9da1-a7de057e64cb}
* WRITER Shadow Copy Optimization Writer
        - Status: 1 (VSS_WS_STABLE)
        - Writer Failure code: 0x00000000 (S_OK)
        - Writer ID: {4dc3bdd4-ab48-4d07-adb0-3bee2926fd7f}
        - Instance ID: {9e362607-9794-4dd4-a7cd-b3d5de0aad20}
* WRITER Registry Writer
        - Status: 1 (VSS_WS_STABLE)
        - Writer Failure code: 0x00000000 (S_OK)
        - Writer ID: {afbab4a2-367d-4d15-a586-71dbb18f8485}
        - Instance ID: {e87ba7e3-f8d8-42d8-b2ee-c76ae26b98e8}
";
    // Microsoft's machine has eight writers; this one has the three it shows.
    assert_eq!(out, format!("{sample}3 writers listed.\n"));
    drop(ds);
    // The open full backup was aborted at the end (R52); after PostSnapshot that sends no Abort
    // (field failure 11), only BackupShutdown (R57).
    let trace = vss.trace().render();
    assert!(trace.contains("AbortBackup -> S_OK"), "{trace}");
    assert!(!trace.contains("System Writer: Abort"), "{trace}");
    assert!(trace.contains("System Writer: BackupShutdown"), "{trace}");
    assert!(!trace.contains("Registry Writer: Freeze"), "{trace}");
}

#[test]
fn add_without_arguments_prints_microsofts_sample() {
    // learn.microsoft.com, windows-commands/add: one volume with an alias, no aliases yet.
    let vss = Vss::builder().build();
    let mut ds = DiskShadow::new(&vss);
    let out = last_output(&mut ds, &["add volume c: alias System1", "add"]);
    let guid = vss.volume_guid_path("C:\\").unwrap();
    assert_eq!(
        out,
        format!(
            "Volume c: alias System1    GUID {guid}\n1 volume in Shadow Copy Set.\n\
             No Diskshadow aliases in the environment.\n"
        )
    );
}

#[test]
fn a_file_share_is_copied_by_the_file_share_provider_as_microsofts_smb_example_shows() {
    // R16, R105; learn.microsoft.com, "Volume Shadow Copy Service for SMB file shares": a Hyper-V writer
    // whose virtual machine lives on \\SMBSOFS\VM\, backed up with writer verify, a persistent
    // context and the share added by a path below its root.
    use vss_sim::vocab::{ComponentType, FileDescriptor, RestoreMethod, Volume, WriterClassId};
    use vss_sim::writer::WriterMetadata;
    let hyper_v = WriterClassId::from_u128(0x6684_1cd4_6ded_4f4b_8f17_fd23_f8dd_c3de);
    let mut document = WriterMetadata::default();
    document
        .set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE)
        .add_component(ComponentType::VSS_CT_FILEGROUP, None, "VM1");
    document
        .add_files_to_file_group(
            None,
            "VM1",
            FileDescriptor::new("\\\\smbsofs\\vm\\vm1", "*"),
        )
        .unwrap();
    let vss = Vss::builder()
        .volume("C:\\")
        .volume(Volume::new("\\\\SMBSOFS\\VM\\"))
        .writer(
            WriterConfig::new(hyper_v, "Microsoft Hyper-V VSS Writer"),
            ScriptedWriter::declaring(document),
        )
        .build();
    let mut ds = DiskShadow::new(&vss);
    let out = last_output(
        &mut ds,
        &[
            "Writer Verify {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}",
            "Set Context Persistent",
            "Set MetaData vm1backup.cab",
            "Begin Backup",
            "Add Volume \\\\smbsofs\\vm\\vm1",
            "Create",
        ],
    );
    assert!(
        out.contains(
            "\t\t- Original volume name: \\\\SMBSOFS\\VM\\ [volume not on this machine]\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("\t\t- Shadow copy device name: \\\\SMBSOFS\\VM@{"),
        "{out}"
    );
    assert!(
        out.contains("\t\t- Originating machine: SMBSOFS\n"),
        "{out}"
    );
    assert!(
        out.contains("\t\t- Provider ID: {89300202-3cec-4981-9171-19f59559e0f2}\n"),
        "{out}"
    );
    assert!(
        out.contains("\t\t- Attributes:  No_Auto_Release Persistent FileShare\n"),
        "{out}"
    );
    assert!(
        out.ends_with("Number of shadow copies listed: 1\n"),
        "{out}"
    );
    let out = last_output(
        &mut ds,
        &["End Backup", "Delete Shadows Volume \\\\smbsofs\\vm"],
    );
    // The attribute value Microsoft's example prints on deletion.
    assert!(out.contains(" on volume \\\\SMBSOFS\\VM\\ from provider {89300202-3cec-4981-9171-19f59559e0f2} [Attributes: 0x04400009]...\n"), "{out}");
    drop(ds);
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn file_shares_take_neither_client_accessible_copies_nor_old_windows() {
    // R16 (shares from Windows 8 / Server 2012), R105 (client-accessible: the system provider
    // only).
    use vss_sim::vocab::{Call, Hresult, OsProfile, ProviderId, SnapshotContext, Volume};
    let share = || Volume::new("\\\\FS1\\Data\\");
    let vss = Vss::builder().volume("C:\\").volume(share()).build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext {
        context: SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE.value(),
    })
    .unwrap();
    bc.call(Call::StartSnapshotSet).unwrap();
    let add = |bc: &mut vss_sim::requester::DynBackupComponents, volume: &str| {
        bc.call(Call::AddToSnapshotSet {
            volume: volume.into(),
            provider: ProviderId::NULL,
        })
    };
    assert_eq!(
        add(&mut bc, "\\\\FS1\\Data\\").unwrap_err(),
        Hresult::VSS_E_VOLUME_NOT_SUPPORTED
    );
    bc.call_ok(Call::Release).unwrap();
    let old = Vss::builder()
        .volume("C:\\")
        .volume(share())
        .os(OsProfile::Server2008)
        .build();
    let mut bc = old.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call(Call::StartSnapshotSet).unwrap();
    assert_eq!(
        add(&mut bc, "\\\\FS1\\Data\\").unwrap_err(),
        Hresult::VSS_E_OBJECT_NOT_FOUND
    );
    bc.call_ok(Call::Release).unwrap();
}
