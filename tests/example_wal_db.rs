//! The `wal_db` example: the database on its own, then `DbWriter` and `BuggyDbWriter` driven
//! through the engine on every path, with a provider that plays the application's part.

#[allow(dead_code)]
#[path = "../examples/wal_db/buggy_writer.rs"]
mod buggy_writer;
#[allow(dead_code)]
#[path = "../examples/wal_db/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "../examples/wal_db/writer.rs"]
mod writer;

#[path = "example_wal_db/harness.rs"]
mod harness;

use vss_sim::trace::{oracle, WriterNo};
use vss_sim::vocab::Rule;
use vss_sim::vocab::{
    Hresult, Policies, WriterAbortScope, WriterEvent, WriterFailure, WriterState,
};
use vss_sim::writer::{Reaction, ScriptedWriter};

use db::{DbError, GROUP_COMMIT_RECORDS};
use harness::{
    backup, deliveries, filled, identify, machine, Kind, Setup, Stop, DB_WRITER, DB_WRITER_NO,
    LATE, SEED_RECORDS,
};

#[test]
fn changes_are_logged_then_applied_and_group_committed() {
    let db = filled(GROUP_COMMIT_RECORDS - 1);
    assert_eq!(db.get("k0").as_deref(), Some("v"));
    assert_eq!(db.log_len(), 0, "still in the log buffer");
    assert!(
        !db.is_consistent_on_disk(),
        "acknowledged writes not on disk yet"
    );
    db.delete("k0").unwrap(); // the group's last record flushes the buffer
    assert_eq!(db.log_len(), GROUP_COMMIT_RECORDS);
    assert_eq!(db.get("k0"), None);
    assert!(db.is_consistent_on_disk());
    assert_eq!(db.disk_image().recover().len(), GROUP_COMMIT_RECORDS - 2);
}

#[test]
fn checkpoint_writes_the_data_file_and_truncation_stops_at_it() {
    let db = filled(6);
    assert_eq!(db.checkpoint(), Ok(6));
    assert_eq!((db.checkpoint_lsn(), db.flushed_lsn()), (6, 6));
    db.put("k9", "late").unwrap();
    db.flush_log().unwrap();
    db.truncate_log(100);
    assert_eq!(db.truncation_lsn(), 6, "never past the data file");
    assert_eq!(db.log_len(), 1);
    assert!(db.is_consistent_on_disk());
}

#[test]
fn suspended_writes_are_refused_and_resume_is_idempotent() {
    let db = filled(1);
    db.suspend_writes();
    assert!(!db.accepts_writes());
    assert_eq!(db.put("k1", "v"), Err(DbError::WritesSuspended));
    assert_eq!(db.get("k1"), None);
    db.resume_writes();
    db.resume_writes();
    assert_eq!(db.put("k1", "v"), Ok(2));
}

#[test]
fn a_full_log_device_fails_the_flush_but_not_the_write() {
    let db = filled(1);
    db.set_log_device_full(true);
    assert_eq!(db.flush_log(), Err(DbError::LogDeviceFull));
    assert!(db.put("k1", "v").is_ok(), "acknowledged; flushed later");
    db.set_log_device_full(false);
    db.flush_log().unwrap();
    assert!(db.is_consistent_on_disk());
}

#[test]
fn happy_path_copy_is_consistent_writes_held_then_log_truncated() {
    for kind in [Kind::Good, Kind::Buggy] {
        let m = machine(kind, Setup::default());
        let run = backup(&m.vss, Stop::Complete);
        assert_eq!(run.error, None, "{kind:?}");
        let shots = m.shots.borrow();
        let shot = shots.first().expect("CommitSnapshots ran");
        assert!(
            shot.write_refused,
            "{kind:?}: R45 writes held at the commit"
        );
        assert!(shot.consistent, "{kind:?}: the log was flushed at Freeze");
        let recovered = shot.image.recover();
        assert_eq!(recovered.get("late").map(String::as_str), Some(LATE));
        assert!(m.db.accepts_writes(), "{kind:?}");
        assert_eq!(m.db.truncation_lsn(), SEED_RECORDS, "{kind:?}: full backup");
        oracle::check(&m.vss.trace()).assert_clean();
    }
}

#[test]
fn identify_builds_the_same_document_and_changes_nothing() {
    let m = machine(Kind::Good, Setup::default());
    let (first, second) = (identify(&m.vss), identify(&m.vss));
    assert_eq!(first, second, "R44: the same document every time");
    assert_eq!(first.components.len(), 2);
    assert!(first.is_complete(), "R72");
    assert!(m.db.accepts_writes());
    assert_eq!(m.db.checkpoint_lsn(), 0, "R44: no state change");
    oracle::check(&m.vss.trace()).assert_clean(); // R66: no SetWriterFailure
}

#[test]
fn own_freeze_failure_fails_fatally_and_resumes_writes() {
    for kind in [Kind::Good, Kind::Buggy] {
        let setup = Setup {
            log_full_before_freeze: true,
            ..Setup::default()
        };
        let m = machine(kind, setup);
        let run = backup(&m.vss, Stop::Complete);
        let own = run.status(DB_WRITER).expect("listed");
        assert_eq!(own.state, WriterState::VSS_WS_FAILED_AT_FREEZE, "{kind:?}");
        let code = WriterFailure::VSS_E_WRITERERROR_OUTOFRESOURCES.hresult();
        assert_eq!(own.failure, code);
        assert!(
            run.aborted,
            "R54: the requester aborts after a writer failure"
        );
        assert!(
            m.db.accepts_writes(),
            "{kind:?}: R55 normal running after Abort"
        );
        assert_eq!(m.db.truncation_lsn(), 0, "no BackupComplete, no truncation");
        oracle::check(&m.vss.trace()).assert_clean();
    }
}

/// Every path, and whether each writer ends with the database accepting writes. The bug hides
/// in the two rows where the writer froze and someone else then aborted the operation.
#[test]
fn only_the_buggy_writer_stays_suspended_and_only_after_someone_elses_abort() {
    let freeze_fails = || {
        Some(ScriptedWriter::new("media").on(
            WriterEvent::Freeze,
            Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
        ))
    };
    let all_writers = Policies {
        writer_abort_scope: WriterAbortScope::AllWriters,
        ..Policies::default()
    };
    let plain = Setup::default;
    let cases = [
        ("happy path", plain(), Stop::Complete, true),
        (
            "AbortBackup before Freeze",
            plain(),
            Stop::AbortAfterPrepare,
            true,
        ),
        (
            "crash after the shadow copy",
            plain(),
            Stop::CrashAfterSnapshot,
            true,
        ),
        (
            "back-end writer fails Freeze, Q3 default: the DB writer is thawed",
            Setup {
                other: freeze_fails(),
                ..plain()
            },
            Stop::Complete,
            true,
        ),
        (
            "back-end writer fails Freeze, Q3 AllWriters: Abort instead of Thaw",
            Setup {
                other: freeze_fails(),
                policies: all_writers,
                ..plain()
            },
            Stop::Complete,
            false,
        ),
        (
            "provider fails CommitSnapshots after Freeze (R95)",
            Setup {
                commit: Hresult::VSS_E_INSUFFICIENT_STORAGE,
                ..plain()
            },
            Stop::Complete,
            false,
        ),
    ];
    for (name, setup, stop, buggy_survives) in cases {
        for kind in [Kind::Good, Kind::Buggy] {
            let m = machine(kind, setup.clone());
            backup(&m.vss, stop);
            let expected = kind == Kind::Good || buggy_survives;
            assert_eq!(m.db.accepts_writes(), expected, "{name}, {kind:?}");
            // The oracle judges the protocol, not the application: the bug is invisible to it.
            oracle::check(&m.vss.trace()).assert_clean();
        }
    }
}

#[test]
fn abort_twice_is_tolerated() {
    let setup = Setup {
        commit: Hresult::VSS_E_INSUFFICIENT_STORAGE,
        ..Setup::default()
    };
    let m = machine(Kind::Good, setup);
    let run = backup(&m.vss, Stop::Complete);
    assert_eq!(run.error, Some(Hresult::VSS_E_INSUFFICIENT_STORAGE));
    let aborts = deliveries(&m.vss, WriterEvent::Abort);
    assert_eq!(
        aborts, [DB_WRITER_NO; 2],
        "R50c, then the requester's AbortBackup (R54)"
    );
    assert!(m.db.accepts_writes(), "R55");
    oracle::check(&m.vss.trace()).assert_clean();
}

#[test]
fn crash_before_backup_complete_keeps_the_log() {
    let m = machine(Kind::Good, Setup::default());
    backup(&m.vss, Stop::CrashAfterSnapshot);
    assert_eq!(deliveries(&m.vss, WriterEvent::BackupComplete), []);
    assert_eq!(
        deliveries(&m.vss, WriterEvent::BackupShutdown),
        [DB_WRITER_NO],
        "R57"
    );
    assert_eq!(m.db.truncation_lsn(), 0, "not backed up: the log must stay");
    assert!(m.db.accepts_writes());
    oracle::check(&m.vss.trace()).assert_clean();
}

#[test]
fn the_db_writer_freezes_before_a_back_end_writer() {
    let setup = Setup {
        other: Some(ScriptedWriter::new("media")),
        ..Setup::default()
    };
    let m = machine(Kind::Good, setup);
    backup(&m.vss, Stop::Complete);
    let freezes = deliveries(&m.vss, WriterEvent::Freeze);
    assert_eq!(freezes, [DB_WRITER_NO, WriterNo(1)], "R46: front end first");
}

/// The test kit on the example's writers, with the database's own probe.
fn conformance<W: vss_sim::writer::Writer + 'static>(
    make: fn(db::WalDb) -> W,
    db_of: fn(&W) -> &db::WalDb,
) -> vss_sim::testkit::ConformanceReport {
    vss_sim::testkit::WriterConformance::new(move || {
        let db = db::WalDb::new();
        db.put("seed", "1")
            .expect("a fresh database accepts writes");
        make(db)
    })
    .probe("accepts writes", move |w: &W| db_of(w).accepts_writes())
    .exhaustive(vss_sim::testkit::Exhaustive::default())
    .run()
}

#[test]
fn the_test_kit_passes_db_writer() {
    conformance(writer::DbWriter::new, writer::DbWriter::db).assert_ok();
}

#[test]
fn the_test_kit_catches_buggy_db_writer_where_another_writer_fails_freeze() {
    let report = conformance(
        buggy_writer::BuggyDbWriter::new,
        buggy_writer::BuggyDbWriter::db,
    );
    let after_abort = report.findings_of(vss_sim::testkit::Obligation::ResumesAfterAbort);
    let cases: Vec<&str> = after_abort.iter().map(|f| f.case.as_str()).collect();
    assert!(cases.contains(&"peer-fails/freeze/all-writers"), "{report}");
    // The kit's `fatal/freeze` lets the writer's OnFreeze succeed and then fails it: to the
    // writer that is the same path (frozen, then Abort), and it is caught there too.
    assert!(cases.contains(&"fatal/freeze"), "{report}");
    // An abort before Freeze is handled: not reported.
    assert!(
        !cases
            .iter()
            .any(|c| c.starts_with("abort-backup/after-step-7")),
        "{report}"
    );
    assert!(after_abort.iter().all(|f| f.rule == Rule::R55));
}
