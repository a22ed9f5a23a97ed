//! `RevertToSnapshot` and `QueryRevertStatus` (issue 14 part 3's `revert`; Microsoft's
//! `RevertToSnapshot` page, R104): a volume goes back to one of its persistent copies, the copies
//! made after it go, and every refusal is the page's code. Every run is judged by the oracle.

mod common;

use common::store::*;
use vss_sim::provider::{ProviderInfo, SoftwareProvider};
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::oracle;
use vss_sim::vocab::{
    Call, Hresult, OsProfile, ProviderId, Reply, SnapshotContext, SnapshotId, Volume,
};

fn machine(os: OsProfile) -> Vss {
    Vss::builder()
        .os(os)
        .volume("C:\\")
        .volume("D:\\")
        .volume(Volume::new("E:\\").in_use())
        .provider(
            SoftwareProvider::new(ProviderId::from_u128(0x5a4), "SAN provider")
                .with_info(ProviderInfo::hardware())
                .with_volumes(["F:\\"]),
        )
        .volume("F:\\")
        .build()
}

/// The one copy of a persistent backup of `volume`.
fn copy_of(vss: &Vss, context: SnapshotContext, volume: &str) -> SnapshotId {
    let set = backup(vss, context, &[volume]);
    listed(vss, SnapshotContext::VSS_CTX_ALL)
        .into_iter()
        .find(|c| c.snapshot_set_id == set)
        .map(|c| c.snapshot_id)
        .expect("the copy is on the machine")
}

fn revert(bc: &mut DynBackupComponents, snapshot: SnapshotId, force: bool) -> Result<(), Hresult> {
    bc.call_ok(Call::RevertToSnapshot {
        snapshot,
        force_dismount: force,
    })
}

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r104_a_revert_deletes_the_volumes_copies_made_after_the_one_reverted_to() {
    let vss = machine(OsProfile::default());
    let context = SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE;
    let first = copy_of(&vss, context, "D:\\");
    let second = copy_of(&vss, context, "D:\\");
    let third = copy_of(&vss, context, "D:\\");
    let other = copy_of(&vss, context, "E:\\");
    let mut bc = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(revert(&mut bc, second, false), Ok(()));
    let left: Vec<SnapshotId> = query(&mut bc).iter().map(|c| c.snapshot_id).collect();
    assert_eq!(left, vec![first, second, other], "{third} goes");
    // The revert is over at once: its IVssAsync is finished.
    let Ok(Reply::Async(op)) = bc.call(Call::QueryRevertStatus {
        volume: "D:\\".into(),
    }) else {
        panic!("QueryRevertStatus answers an IVssAsync");
    };
    assert_eq!(
        bc.call(Call::Wait {
            op,
            timeout_ms: None
        }),
        Ok(Reply::Status(Hresult::VSS_S_ASYNC_FINISHED))
    );
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}

#[test]
fn revert_to_snapshot_refuses_with_the_pages_codes() {
    let vss = machine(OsProfile::default());
    let backup_copy = {
        // An auto-release copy: only while its requester holds it.
        let mut bc = requester(&vss, SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP);
        bc.call(Call::StartSnapshotSet).unwrap();
        bc.call_ok(Call::AddToSnapshotSet {
            volume: "D:\\".into(),
            provider: ProviderId::NULL,
        })
        .unwrap();
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        let id = query(&mut bc)[0].snapshot_id;
        (bc, id)
    };
    let persistent = SnapshotContext::VSS_CTX_APP_ROLLBACK;
    let system = copy_of(&vss, persistent, "C:\\");
    let busy = copy_of(&vss, persistent, "E:\\");
    let hardware = copy_of(&vss, persistent, "F:\\");
    let mut bc = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    let cases = [
        (
            SnapshotId::from_u128(0xbad),
            false,
            Hresult::VSS_E_OBJECT_NOT_FOUND,
        ),
        (backup_copy.1, false, Hresult::VSS_E_UNSUPPORTED_CONTEXT),
        (hardware, false, Hresult::E_NOTIMPL),
        (system, true, Hresult::VSS_E_VOLUME_NOT_SUPPORTED),
        (busy, false, Hresult::VSS_E_VOLUME_IN_USE),
    ];
    for (snapshot, force, expected) in cases {
        assert_eq!(
            revert(&mut bc, snapshot, force),
            Err(expected),
            "{snapshot}"
        );
    }
    // bForceDismount: "the volume will be dismounted and reverted even if the volume is in use".
    assert_eq!(revert(&mut bc, busy, true), Ok(()));
    assert_eq!(
        bc.call(Call::QueryRevertStatus {
            volume: "Q:\\".into()
        }),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    bc.call_ok(Call::Release).unwrap();
    // Not initialized.
    let mut fresh = vss.dynamic();
    assert_eq!(
        revert(&mut fresh, busy, true),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    drop(backup_copy);
    assert_oracle_clean(&vss);
}

#[test]
fn revert_is_a_server_method() {
    // "This method is only supported on Windows Server operating systems."
    let vss = machine(OsProfile::Client);
    let copy = copy_of(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE, "D:\\");
    let mut bc = requester(&vss, SnapshotContext::VSS_CTX_ALL);
    assert_eq!(revert(&mut bc, copy, true), Err(Hresult::E_NOTIMPL));
    assert_eq!(
        bc.call(Call::QueryRevertStatus {
            volume: "D:\\".into()
        }),
        Err(Hresult::E_NOTIMPL)
    );
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
}
