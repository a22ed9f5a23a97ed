//! The machine, the application's part and the requester for `tests/example_wal_db.rs`.

use std::cell::RefCell;
use std::rc::Rc;

use vss_sim::provider::{Provider, ProviderContext, SoftwareProvider};
use vss_sim::requester::Vss;
use vss_sim::trace::{ProviderStep, TraceEvent, WriterNo};
use vss_sim::vocab::WriterMetadataView;
use vss_sim::vocab::{
    ApplicationLevel, BackupState, Hresult, Policies, ProviderId, SnapshotSetId, WriterClassId,
    WriterEvent, WriterStatus,
};
use vss_sim::writer::{ScriptedWriter, Writer, WriterConfig};

use crate::buggy_writer::BuggyDbWriter;
use crate::db::{DiskImage, WalDb};
use crate::writer::DbWriter;

/// The DB writer's name.
pub(crate) const DB_WRITER: &str = "WalDbWriter";
/// The DB writer is registered first.
pub(crate) const DB_WRITER_NO: WriterNo = WriterNo(0);
/// Records written before the backup: the checkpoint's LSN.
pub(crate) const SEED_RECORDS: u64 = 6;
/// What the application writes after the checkpoint, before Freeze.
pub(crate) const LATE: &str = "after checkpoint";

/// Which version of the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `DbWriter`.
    Good,
    /// `BuggyDbWriter`.
    Buggy,
}

/// The machine around the database writer.
#[derive(Clone)]
pub(crate) struct Setup {
    /// A second writer, at `VSS_APP_BACK_END`: it freezes after the DB writer (R46).
    pub(crate) other: Option<ScriptedWriter>,
    pub(crate) policies: Policies,
    /// The log device fills up after the application's late write, so Freeze cannot flush.
    pub(crate) log_full_before_freeze: bool,
    /// What the provider's CommitSnapshots returns.
    pub(crate) commit: Hresult,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            other: None,
            policies: Policies::default(),
            log_full_before_freeze: false,
            commit: Hresult::S_OK,
        }
    }
}

/// What the application saw at the shadow copy instant.
pub(crate) struct Shot {
    pub(crate) write_refused: bool,
    pub(crate) consistent: bool,
    pub(crate) image: DiskImage,
}

/// The machine, the database on it, and what the application saw at each commit.
pub(crate) struct Machine {
    pub(crate) vss: Vss,
    pub(crate) db: WalDb,
    pub(crate) shots: Rc<RefCell<Vec<Shot>>>,
}

/// A database with `records` changes, all acknowledged.
pub(crate) fn filled(records: usize) -> WalDb {
    let db = WalDb::new();
    for i in 0..records {
        db.put(&format!("k{i}"), "v").unwrap();
    }
    db
}

/// The DB writer (front end), maybe a second writer (back end), and the application provider.
pub(crate) fn machine(kind: Kind, setup: Setup) -> Machine {
    let db = filled(SEED_RECORDS as usize);
    let shots = Rc::default();
    let provider = AppProvider {
        inner: SoftwareProvider::system().with_result(ProviderStep::CommitSnapshots, setup.commit),
        db: db.clone(),
        log_full_before_freeze: setup.log_full_before_freeze,
        shots: Rc::clone(&shots),
    };
    let writer: Box<dyn Writer> = match kind {
        Kind::Good => Box::new(DbWriter::new(db.clone())),
        Kind::Buggy => Box::new(BuggyDbWriter::new(db.clone())),
    };
    let config = WriterConfig::new(WriterClassId::from_u128(0xDB), DB_WRITER);
    let mut builder = Vss::builder()
        .boxed_writer(config.level(ApplicationLevel::VSS_APP_FRONT_END), writer)
        .provider(provider)
        .policies(setup.policies);
    if let Some(other) = setup.other {
        let config = WriterConfig::new(WriterClassId::from_u128(0x3D1A), "MediaStoreWriter");
        builder = builder.writer(config.level(ApplicationLevel::VSS_APP_BACK_END), other);
    }
    Machine {
        vss: builder.build(),
        db,
        shots,
    }
}

/// The system provider, plus the application's part: a write after the checkpoint, maybe a full
/// log device, and at the commit one more write attempt and a copy of the disk.
struct AppProvider {
    inner: SoftwareProvider,
    db: WalDb,
    log_full_before_freeze: bool,
    shots: Rc<RefCell<Vec<Shot>>>,
}

impl Provider for AppProvider {
    fn id(&self) -> ProviderId {
        self.inner.id()
    }

    fn name(&self) -> &str {
        self.inner.name()
    }

    fn supports_volume(&self, volume: &str) -> bool {
        self.inner.supports_volume(volume)
    }

    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        volume: Option<&str>,
    ) -> Hresult {
        match step {
            // R45 step 2: writers are prepared, not yet frozen; the application still writes.
            ProviderStep::EndPrepareSnapshots => {
                self.db.put("late", LATE).expect("not frozen yet");
                self.db.set_log_device_full(self.log_full_before_freeze);
            }
            ProviderStep::CommitSnapshots => {
                let consistent = self.db.is_consistent_on_disk();
                let image = self.db.disk_image();
                let write_refused = self.db.put("during commit", "x").is_err();
                self.shots.borrow_mut().push(Shot {
                    write_refused,
                    consistent,
                    image,
                });
            }
            _ => {}
        }
        self.inner.step(ctx, step, set, volume)
    }
}

/// Where the requester stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The full sequence; abort instead of BackupComplete if a writer failed (R54).
    Complete,
    /// AbortBackup right after PrepareForBackup (R53).
    AbortAfterPrepare,
    /// The requester dies after DoSnapshotSet, before BackupComplete (R57).
    CrashAfterSnapshot,
}

/// What the requester saw.
#[derive(Default)]
pub(crate) struct Run {
    pub(crate) error: Option<Hresult>,
    pub(crate) statuses: Vec<WriterStatus>,
    pub(crate) aborted: bool,
}

impl Run {
    /// The status row of writer `name`.
    pub(crate) fn status(&self, name: &str) -> Option<&WriterStatus> {
        self.statuses.iter().find(|s| s.name == name)
    }
}

/// A full component-mode backup of `C:\` with the typestate API, stopped as `stop` says.
pub(crate) fn backup(vss: &Vss, stop: Stop) -> Run {
    let mut run = Run::default();
    let mut bc = vss.backup_components().initialize_for_backup().unwrap();
    bc.set_backup_state(BackupState::default()).unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.select_all_components().unwrap();
    let mut started = discovered.start_snapshot_set().unwrap();
    started.add_to_snapshot_set("C:\\").unwrap();
    let prepared = started.prepare_for_backup().unwrap().wait().unwrap();
    if stop == Stop::AbortAfterPrepare {
        drop(prepared.abort_backup());
        run.aborted = true;
        return run;
    }
    let mut done = match prepared.do_snapshot_set().unwrap().wait() {
        Ok(done) => done,
        Err(error) => {
            let failed = error.failed().expect("the run ends within its bounds");
            run.error = Some(failed.hr);
            drop(failed.components.abort_backup()); // R54
            run.aborted = true;
            return run;
        }
    };
    run.statuses = done.writer_status().unwrap();
    if stop == Stop::CrashAfterSnapshot {
        done.crash();
    } else if run.statuses.iter().any(|s| s.state.is_failed()) {
        drop(done.abort_backup()); // R54
        run.aborted = true;
    } else {
        drop(done.backup_complete().unwrap().wait().unwrap());
    }
    run
}

/// Gathers writer metadata in a fresh requester and returns the DB writer's document.
pub(crate) fn identify(vss: &Vss) -> WriterMetadataView {
    let bc = vss.backup_components().initialize_for_backup().unwrap();
    let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
    discovered.writer_metadata().unwrap().swap_remove(0)
}

/// The writers `event` was delivered to, in order.
pub(crate) fn deliveries(vss: &Vss, event: WriterEvent) -> Vec<WriterNo> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::Delivered {
                writer, event: e, ..
            } if e == event => Some(writer),
            _ => None,
        })
        .collect()
}
