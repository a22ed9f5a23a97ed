//! Helpers for the tests of the machine's shadow copies: requesters in a context, complete
//! backups, `Query`.

use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::vocab::{Call, ProviderId, Reply, SnapshotContext, SnapshotProperties, SnapshotSetId};

/// A requester in `context`, initialized.
pub fn requester(vss: &Vss, context: SnapshotContext) -> DynBackupComponents {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext {
        context: context.value(),
    })
    .unwrap();
    bc
}

/// A complete backup of `volumes` in `context` by a requester that is then released; the set.
/// In a context without writers (R42) only the set is made: start, add, DoSnapshotSet.
pub fn backup(vss: &Vss, context: SnapshotContext, volumes: &[&str]) -> SnapshotSetId {
    let mut bc = requester(vss, context);
    let writers = context.involves_writers();
    if writers {
        bc.call_ok(Call::SetBackupState(Default::default()))
            .unwrap();
        bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
        bc.select_all_components().unwrap();
    }
    let set = match bc.call(Call::StartSnapshotSet) {
        Ok(Reply::SnapshotSet(set)) => set,
        other => panic!("{other:?}"),
    };
    for volume in volumes {
        bc.call_ok(Call::AddToSnapshotSet {
            volume: (*volume).into(),
            provider: ProviderId::NULL,
        })
        .unwrap();
    }
    if writers {
        bc.call_and_wait(Call::PrepareForBackup).unwrap();
    }
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    if writers {
        bc.call_and_wait(Call::BackupComplete).unwrap();
    }
    bc.call_ok(Call::Release).unwrap();
    set
}

pub fn query(bc: &mut DynBackupComponents) -> Vec<SnapshotProperties> {
    match bc.call(Call::Query) {
        Ok(Reply::Snapshots(copies)) => copies,
        other => panic!("Query: {other:?}"),
    }
}

/// What a new requester in `context` sees.
pub fn listed(vss: &Vss, context: SnapshotContext) -> Vec<SnapshotProperties> {
    let mut bc = requester(vss, context);
    let copies = query(&mut bc);
    bc.call_ok(Call::Release).unwrap();
    copies
}
