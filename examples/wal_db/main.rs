//! A write-ahead-log database and its VSS writer, backed up next to a second application.
//!
//! `db.rs` is the database (`WalDb`), `writer.rs` its writer (`DbWriter`): checkpoint at
//! PrepareForSnapshot, suspend writes and flush the log at Freeze, resume at Thaw, Abort or an
//! abandoned BackupShutdown, truncate the log after a full backup's BackupComplete.
//! `buggy_writer.rs` is an earlier version whose `OnAbort` leaves the database suspended when
//! someone else aborts the backup after its Freeze.
//!
//! ```sh
//! cargo run --example wal_db              # a full backup with DbWriter: trace, database state
//! cargo run --example wal_db -- --buggy   # BuggyDbWriter, and the provider fails after Freeze
//! ```
//!
//! `tests/example_wal_db.rs` drives both writers through every failure path.

// The same files are compiled into tests/example_wal_db.rs, which uses the rest of their API.
#[allow(dead_code)]
mod buggy_writer;
#[allow(dead_code)]
mod db;
#[allow(dead_code)]
mod writer;

use vss_sim::provider::SoftwareProvider;
use vss_sim::requester::{AsyncError, Vss, WaitError};
use vss_sim::trace::ProviderStep;
use vss_sim::vocab::{ApplicationLevel, BackupState, Hresult, WriterClassId, WriterEvent};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

use buggy_writer::BuggyDbWriter;
use db::WalDb;
use writer::DbWriter;

fn main() {
    let buggy = std::env::args().any(|arg| arg == "--buggy");
    let db = WalDb::new();
    for order in 1..=10 {
        db.put(&format!("order:{order}"), "paid")
            .expect("no backup is running yet");
    }
    let vss = machine(&db, buggy);
    match backup(&vss) {
        Ok(()) => println!("backup finished"),
        Err(hr) => println!("backup failed: {hr}"),
    }
    print!("{}", vss.trace().render());
    println!(
        "database: accepts writes: {}, log records on disk: {}, log truncated up to LSN {}",
        db.accepts_writes(),
        db.log_len(),
        db.truncation_lsn(),
    );
}

/// The database's writer (front end: it freezes first, R46) and a media store (back end). With
/// `buggy`, the old writer, and a provider whose commit fails after Freeze (R95).
fn machine(db: &WalDb, buggy: bool) -> Vss {
    let db_config = WriterConfig::new(WriterClassId::from_u128(0xDB), "WalDbWriter")
        .level(ApplicationLevel::VSS_APP_FRONT_END);
    let media =
        ScriptedWriter::new("media").on(WriterEvent::PrepareForSnapshot, Reaction::slow(40));
    let media_config = WriterConfig::new(WriterClassId::from_u128(0x3D1A), "MediaStoreWriter")
        .level(ApplicationLevel::VSS_APP_BACK_END);
    let builder = Vss::builder().writer(media_config, media);
    if buggy {
        let provider = SoftwareProvider::system().with_result(
            ProviderStep::CommitSnapshots,
            Hresult::VSS_E_INSUFFICIENT_STORAGE,
        );
        builder
            .writer(db_config, BuggyDbWriter::new(db.clone()))
            .provider(provider)
            .build()
    } else {
        builder.writer(db_config, DbWriter::new(db.clone())).build()
    }
}

/// A full, component-mode backup of `C:\` with the typestate API, aborting on any failure after
/// PrepareForBackup (R52, R54).
fn backup(vss: &Vss) -> Result<(), AsyncError> {
    let mut bc = vss.backup_components().initialize_for_backup()?;
    bc.set_backup_state(BackupState::default())?;
    let mut discovered = bc.gather_writer_metadata()?.wait()?;
    discovered.select_all_components()?;
    let mut started = discovered.start_snapshot_set()?;
    started.add_to_snapshot_set("C:\\")?;
    // PrepareForBackup failed: releasing is allowed (R52), which `?` does.
    let prepared = started.prepare_for_backup()?.wait()?;
    let mut done = match prepared.do_snapshot_set()?.wait() {
        Ok(done) => done,
        Err(WaitError::Failed(failed)) => {
            drop(failed.components.abort_backup()); // R54
            return Err(failed.hr.into());
        }
        Err(WaitError::BoundReached(pending, bound)) => {
            drop(pending.abort_backup()); // R53: the backup never finished
            return Err(AsyncError::BoundReached(bound));
        }
    };
    if let Some(status) = done
        .writer_status()?
        .into_iter()
        .find(|s| s.state.is_failed())
    {
        drop(done.abort_backup()); // R54: a writer failed; its data is not consistent
        return Err(status.failure.into());
    }
    // ... copy the files from the shadow copy here ...
    drop(done.backup_complete()?.wait()?);
    Ok(())
}
