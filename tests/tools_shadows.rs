//! `vssadmin list shadows`, `vssadmin list shadowstorage` and DiskShadow's `list writers
//! status` over a simulated machine (issue 12, part 7; R121, R124, T12): the layouts published
//! output shows, from the machine's shadow copy store and volumes.

mod common;

use common::store::*;
use vss_sim::requester::Vss;
use vss_sim::tools::vssadmin::{self, ShadowFilter};
use vss_sim::tools::{diskshadow, words};
use vss_sim::trace::oracle;
use vss_sim::vocab::{well_known, SnapshotContext, Volume, WriterInstanceId};
use vss_sim::writer::{ScriptedWriter, WriterConfig};

const GIB: u64 = 1 << 30;

/// The machine of a published `vssadmin list shadows` (a Windows 10 machine, 2021): its name,
/// its C: volume GUID, and a wall clock at which virtual time 0 is 9/10/2021 5:49:26 PM UTC.
fn published_machine() -> Vss {
    let c = uuid::Uuid::from_u128(0x67a4_4989_8413_4a7c_a616_7938_5dae_8605);
    Vss::builder()
        .machine_name("ampersand.redmond.corp.microsoft.com")
        .wall_clock_epoch_ms(1_631_296_166_000)
        .volume(Volume::new("C:\\").guid(c).size(150 * GIB, 100 * GIB))
        .volume("D:\\")
        .build()
}

fn assert_clean_engine(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r124_list_shadows_prints_a_restore_point_as_windows_does() {
    let vss = published_machine();
    let set = backup(
        &vss,
        SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS,
        &["C:\\"],
    );
    let copy = listed(&vss, SnapshotContext::VSS_CTX_ALL)[0].snapshot_id;
    let text = vssadmin::list_shadows(&vss, &ShadowFilter::default()).unwrap();
    // The published listing, with this run's set and copy ids.
    let expected = format!(
        "\
vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Contents of shadow copy set ID: {set}
   Contained 1 shadow copies at creation time: 9/10/2021 5:49:26 PM
      Shadow Copy ID: {copy}
         Original Volume: (C:)\\\\?\\Volume{{67a44989-8413-4a7c-a616-79385dae8605}}\\
         Shadow Copy Volume: \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1
         Originating Machine: ampersand.redmond.corp.microsoft.com
         Service Machine: ampersand.redmond.corp.microsoft.com
         Provider: 'Microsoft Software Shadow Copy provider 1.0'
         Type: ClientAccessibleWriters
         Attributes: Persistent, Client-accessible, No auto release, Differential, Auto recovered

"
    );
    assert_eq!(text, expected);
    assert_clean_engine(&vss);
}

#[test]
fn r124_list_shadows_groups_by_set_and_filters_by_volume_copy_and_set() {
    let vss = published_machine();
    let both = backup(
        &vss,
        SnapshotContext::VSS_CTX_NAS_ROLLBACK,
        &["C:\\", "D:\\"],
    );
    let only_d = backup(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE, &["D:\\"]);
    let all = vssadmin::list_shadows(&vss, &ShadowFilter::default()).unwrap();
    assert_eq!(all.matches("Contents of shadow copy set ID").count(), 2);
    assert!(all.contains(&format!(
        "Contents of shadow copy set ID: {both}\n   Contained 2 shadow copies"
    )));
    assert!(all.contains(
        "         Type: DataVolumeRollback\n         Attributes: Persistent, No auto release, \
         No writers, Differential\n"
    ));
    assert!(all.contains(
        "         Type: ClientAccessible\n         Attributes: Persistent, Client-accessible, \
         No auto release, No writers, Differential\n"
    ));
    let for_c = vssadmin::list_shadows(
        &vss,
        &ShadowFilter {
            for_volume: Some("c:".into()),
            ..ShadowFilter::default()
        },
    )
    .unwrap();
    assert_eq!(for_c.matches("Shadow Copy ID").count(), 1);
    assert!(for_c.contains(&both.to_string()) && !for_c.contains(&only_d.to_string()));
    let by_set = vssadmin::list_shadows(
        &vss,
        &ShadowFilter {
            set: Some(only_d),
            ..ShadowFilter::default()
        },
    )
    .unwrap();
    assert_eq!(by_set.matches("Shadow Copy ID").count(), 1);
    let none = vssadmin::list_shadows(
        &vss,
        &ShadowFilter {
            for_volume: Some("Z:\\".into()),
            ..ShadowFilter::default()
        },
    )
    .unwrap();
    assert!(none.ends_with("\n\nNo items found that satisfy the query.\n"));
    assert_clean_engine(&vss);
}

#[test]
fn r103_list_shadowstorage_prints_each_association() {
    // R103: the shadow storage each volume's copies use, against its maximum.
    let vss = Vss::builder()
        .volume(
            Volume::new("C:\\")
                .size(100 * GIB, 50 * GIB)
                .max_storage(10 * GIB),
        )
        .volume(Volume::new("D:\\").size(100 * GIB, 50 * GIB))
        .build();
    let empty_d = vssadmin::list_shadowstorage(&vss);
    // Only C: has an association yet (its maximum was set).
    assert_eq!(
        empty_d.matches("Shadow Copy Storage association").count(),
        1
    );
    backup(&vss, SnapshotContext::VSS_CTX_APP_ROLLBACK, &["D:\\"]);
    let text = vssadmin::list_shadowstorage(&vss);
    let d = vss.volume_display("D:\\").unwrap();
    assert!(text.contains(&format!(
        "Shadow Copy Storage association\n   For volume: {d}\n   Shadow Copy Storage volume: \
         {d}\n   Used Shadow Copy Storage space: 320 MB (0%)\n   Allocated Shadow Copy Storage \
         space: 320 MB (0%)\n   Maximum Shadow Copy Storage space: UNBOUNDED (100%)\n\n"
    )));
    assert!(text.contains("   Maximum Shadow Copy Storage space: 10.0 GB (10%)\n"));
    let bare = vssadmin::list_shadowstorage(&Vss::builder().build());
    assert!(bare.ends_with("\n\nNo items found that satisfy the query.\n"));
}

#[test]
fn r121_diskshadow_list_writers_status_prints_the_documented_layout() {
    let system = WriterConfig::new(well_known::SYSTEM_WRITER, "System Writer").instance_id(
        WriterInstanceId::from_u128(0x7e63_1031_c695_4229_9da1_a7de_057e_64cb),
    );
    let vss = Vss::builder()
        .writer(system, ScriptedWriter::new("System Files"))
        .build();
    let text = diskshadow::list_writers_status(&vss).unwrap();
    assert_eq!(
        text,
        "\
Listing writer status ...
* WRITER System Writer
        - Status: 1 (VSS_WS_STABLE)
        - Writer Failure code: 0x00000000 (S_OK)
        - Writer ID: {e8132975-6f93-4464-a53e-1050253ae220}
        - Instance ID: {7e631031-c695-4229-9da1-a7de057e64cb}
1 writers listed.
"
    );
    assert_eq!(
        diskshadow::failure_words(vss_sim::vocab::Hresult::VSS_E_WRITERERROR_NONRETRYABLE),
        "<Unknown error code>"
    );
    assert_eq!(
        words::vssadmin_type_word(SnapshotContext::VSS_CTX_BACKUP),
        "Backup"
    );
    assert_clean_engine(&vss);
}
