//! OS profiles (issue 12 part 5): the documented differences between Windows versions and SKUs
//! that a requester meets. Every run is judged by the oracle.

mod common;

use common::*;
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::oracle;
use vss_sim::vocab::{Attributes, Call, Hresult, OsProfile, Reply, SnapshotContext, WriterState};

fn machine(os: OsProfile) -> Vss {
    builder(plain_writers(1)).os(os).build()
}

fn set_context(vss: &Vss, raw: u32) -> Result<(), Hresult> {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    let result = bc.call_ok(Call::SetContext { context: raw });
    bc.call_ok(Call::Release).unwrap();
    result
}

#[test]
fn field_failure_16_client_skus_reject_transportable_shadow_copies() {
    // qemu-ga: SetContext(APP_ROLLBACK | TRANSPORTABLE | NO_AUTORECOVERY) fails with
    // VSS_E_UNSUPPORTED_CONTEXT on a non-server Windows, and succeeds without TRANSPORTABLE.
    let raw = SnapshotContext::VSS_CTX_APP_ROLLBACK.value()
        | Attributes::TRANSPORTABLE.0
        | Attributes::NO_AUTORECOVERY.0;
    let client = machine(OsProfile::Client);
    assert_eq!(
        set_context(&client, raw),
        Err(Hresult::VSS_E_UNSUPPORTED_CONTEXT)
    );
    assert_eq!(
        set_context(&client, raw & !Attributes::TRANSPORTABLE.0),
        Ok(())
    );
    assert_eq!(set_context(&machine(OsProfile::default()), raw), Ok(()));
}

#[test]
fn t6_client_accessible_writers_does_not_exist_on_server_2003() {
    let raw = SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS.value();
    assert_eq!(
        set_context(&machine(OsProfile::Server2003), raw),
        Err(Hresult::VSS_E_UNSUPPORTED_CONTEXT)
    );
    assert_eq!(set_context(&machine(OsProfile::Server2008), raw), Ok(()));
}

fn completed(vss: &Vss) -> DynBackupComponents {
    let mut bc = prepared(vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc
}

fn status_of_w0(bc: &mut DynBackupComponents) -> WriterState {
    bc.call_and_wait(Call::GatherWriterStatus).unwrap();
    match bc.call(Call::WriterStatus { index: 0 }) {
        Ok(Reply::WriterStatus(status)) => status.state,
        other => panic!("{other:?}"),
    }
}

#[test]
fn field_failure_13_r27_up_to_server_2008_writers_wait_for_a_status_gather_after_backup_complete() {
    for (os, before, after) in [
        (
            OsProfile::Server2008,
            WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
            WriterState::VSS_WS_STABLE,
        ),
        (
            OsProfile::Server2008R2,
            WriterState::VSS_WS_STABLE,
            WriterState::VSS_WS_STABLE,
        ),
        (
            OsProfile::Server2012AndLater,
            WriterState::VSS_WS_STABLE,
            WriterState::VSS_WS_STABLE,
        ),
    ] {
        // Without the final GatherWriterStatus, the writer's session is left waiting for
        // completion: what the next requester sees.
        let vss = machine(os);
        let bc = completed(&vss);
        drop(bc);
        let mut onlooker = discovered(&vss);
        assert_eq!(status_of_w0(&mut onlooker), before, "{os:?}");
        onlooker.call_ok(Call::Release).unwrap();
        // With it (R27), the writer is done.
        let mut bc = completed(&vss);
        assert_eq!(status_of_w0(&mut bc), after, "{os:?}");
        bc.call_ok(Call::Release).unwrap();
        let report = oracle::check(&vss.trace());
        assert!(report.engine_violations().is_empty(), "{os:?}\n{report}");
    }
}

#[test]
fn before_windows_7_and_server_2008_r2_vss_e_unexpected_is_e_unexpected() {
    // Every IVssBackupComponents page: "Windows Server 2008, Windows Vista, Windows Server 2003
    // and Windows XP: E_UNEXPECTED is used instead" of VSS_E_UNEXPECTED. Under the AllWriters
    // abort scope, a writer failing Freeze fails the creation with VSS_E_UNEXPECTED.
    let policies = vss_sim::vocab::Policies {
        writer_abort_scope: vss_sim::vocab::WriterAbortScope::AllWriters,
        ..Default::default()
    };
    let failing = vss_sim::writer::ScriptedWriter::new("W0").on(
        vss_sim::vocab::WriterEvent::Freeze,
        vss_sim::writer::Reaction::fatal(
            vss_sim::vocab::WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE,
        ),
    );
    for (os, expected) in [
        (OsProfile::Server2012AndLater, Hresult::VSS_E_UNEXPECTED),
        (OsProfile::Server2008R2, Hresult::VSS_E_UNEXPECTED),
        (OsProfile::Client, Hresult::VSS_E_UNEXPECTED),
        (OsProfile::Server2008, Hresult::E_UNEXPECTED),
        (OsProfile::Server2003, Hresult::E_UNEXPECTED),
    ] {
        let vss = builder(vec![failing.clone()])
            .policies(policies)
            .os(os)
            .build();
        let mut bc = prepared(&vss);
        let result = bc.call_and_wait(Call::DoSnapshotSet);
        assert_eq!(result.unwrap_err().hresult(), Some(expected), "{os:?}");
        bc.call_ok(Call::AbortBackup).unwrap();
        bc.call_ok(Call::Release).unwrap();
        let report = oracle::check(&vss.trace());
        assert!(report.engine_violations().is_empty(), "{os:?}: {report}");
    }
}

#[test]
fn r16_server_2008_r2_copies_virtual_disks_but_not_remote_file_shares() {
    // Virtual hard disks: Windows 7 / Server 2008 R2 on (AddToSnapshotSet's page); remote file
    // shares: "not supported until Windows 8 and Windows Server 2012".
    use vss_sim::vocab::{ProviderId, Volume};
    let machine = |os| {
        Vss::builder()
            .volume("C:\\")
            .volume(Volume::new("V:\\").on_vhd_in("C:\\"))
            .volume(Volume::new("\\\\FS1\\Data\\"))
            .os(os)
            .build()
    };
    for (os, share) in [
        (
            OsProfile::Server2008R2,
            Err(Hresult::VSS_E_OBJECT_NOT_FOUND),
        ),
        (OsProfile::Server2012AndLater, Ok(())),
    ] {
        let vss = machine(os);
        let mut bc = vss.dynamic();
        bc.call_ok(Call::InitializeForBackup).unwrap();
        bc.call_ok(Call::SetContext {
            context: SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP.value(),
        })
        .unwrap();
        bc.call(Call::StartSnapshotSet).unwrap();
        let mut add = |volume: &str| {
            bc.call_ok(Call::AddToSnapshotSet {
                volume: volume.into(),
                provider: ProviderId::NULL,
            })
        };
        assert_eq!(add("V:\\"), Ok(()), "{os:?}");
        assert_eq!(add("\\\\FS1\\Data\\"), share, "{os:?}");
        bc.call_ok(Call::Release).unwrap();
        let report = oracle::check(&vss.trace());
        assert!(report.engine_violations().is_empty(), "{os:?}: {report}");
    }
}

#[test]
fn r124_vssadmin_prints_the_banner_of_each_windows_version() {
    let second_line = |os| {
        let vss = machine(os);
        let args = ["list".to_owned(), "providers".to_owned()];
        let out = vss_sim::tools::vssadmin::run(&vss, &args);
        out.text.lines().nth(1).unwrap_or_default().to_owned()
    };
    assert_eq!(
        second_line(OsProfile::Server2003),
        "(C) Copyright 2001 Microsoft Corp."
    );
    for os in [OsProfile::Server2008, OsProfile::Server2008R2] {
        assert_eq!(
            second_line(os),
            "(C) Copyright 2001-2005 Microsoft Corp.",
            "{os:?}"
        );
    }
    for os in [OsProfile::Server2012AndLater, OsProfile::Client] {
        assert_eq!(
            second_line(os),
            "(C) Copyright 2001-2013 Microsoft Corp.",
            "{os:?}"
        );
    }
}

#[test]
fn files_naming_the_old_default_profile_still_load() {
    let os: OsProfile = serde_json::from_str("\"Server2008R2AndLater\"").unwrap();
    assert_eq!(os, OsProfile::Server2012AndLater);
}
