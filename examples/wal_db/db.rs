//! `WalDb`: a small in-memory key-value database with a write-ahead log.
//!
//! Every change is first appended to the log buffer, then applied to the in-memory table that
//! readers see. The log buffer is flushed to the log file by group commit (every
//! [`GROUP_COMMIT_RECORDS`] records) or on demand; a checkpoint writes the table into the data
//! file and remembers the last log sequence number (LSN) it covers. What is "on disk" is the data
//! file plus the log file: recovery replays the log records newer than the data file's LSN.
//!
//! While a backup holds writes (`suspend_writes`), `put` and `delete` are **refused** with
//! [`DbError::WritesSuspended`] rather than queued: the client library already retries busy
//! errors, and a queue would hide from the operator how long the freeze lasted.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// A log sequence number: the position of one change in the log, from 1.
pub(crate) type Lsn = u64;

/// The log buffer is flushed after this many records (group commit).
pub(crate) const GROUP_COMMIT_RECORDS: usize = 4;

/// Why the database refused an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DbError {
    /// Writes are suspended for a backup; retry later.
    WritesSuspended,
    /// The log device is full: the log buffer cannot be flushed.
    LogDeviceFull,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WritesSuspended => "writes are suspended for a backup",
            Self::LogDeviceFull => "the log device is full",
        })
    }
}

/// One change, as the log records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LogRecord {
    /// Its sequence number.
    pub(crate) lsn: Lsn,
    /// The key changed.
    pub(crate) key: String,
    /// The new value; `None` deletes the key.
    pub(crate) value: Option<String>,
}

/// What is on disk: the data file and the log file, as a shadow copy would capture them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DiskImage {
    /// The data file's table, as of the last checkpoint.
    pub(crate) data: BTreeMap<String, String>,
    /// The last LSN the data file contains.
    pub(crate) data_lsn: Lsn,
    /// The log file: flushed records not yet truncated, in LSN order.
    pub(crate) log: Vec<LogRecord>,
}

impl DiskImage {
    /// Crash recovery: the data file with every newer log record replayed.
    pub(crate) fn recover(&self) -> BTreeMap<String, String> {
        let mut table = self.data.clone();
        for record in self.log.iter().filter(|r| r.lsn > self.data_lsn) {
            apply(&mut table, record);
        }
        table
    }
}

/// A handle to one database: cheap to clone, every clone the same database.
#[derive(Clone, Debug, Default)]
pub(crate) struct WalDb(Rc<RefCell<Inner>>);

#[derive(Debug, Default)]
struct Inner {
    /// What readers see: every acknowledged change applied.
    table: BTreeMap<String, String>,
    /// Records appended but not yet flushed to the log file.
    log_buffer: Vec<LogRecord>,
    disk: DiskImage,
    last_lsn: Lsn,
    writes_suspended: bool,
    log_device_full: bool,
    /// Log records up to here were captured by a full backup and may be dropped.
    truncation_lsn: Lsn,
}

impl WalDb {
    /// An empty database.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Sets `key` to `value`: logged, then applied.
    pub(crate) fn put(&self, key: &str, value: &str) -> Result<Lsn, DbError> {
        self.change(key, Some(value))
    }

    /// Deletes `key`: logged, then applied.
    pub(crate) fn delete(&self, key: &str) -> Result<Lsn, DbError> {
        self.change(key, None)
    }

    /// The value of `key`, as readers see it.
    pub(crate) fn get(&self, key: &str) -> Option<String> {
        self.0.borrow().table.get(key).cloned()
    }

    /// Writes the log buffer to the log file.
    pub(crate) fn flush_log(&self) -> Result<(), DbError> {
        self.0.borrow_mut().flush()
    }

    /// Flushes the log, then writes the table into the data file. Returns how many log records
    /// the data file gained (what the checkpoint had to write).
    pub(crate) fn checkpoint(&self) -> Result<u64, DbError> {
        let mut inner = self.0.borrow_mut();
        inner.flush()?;
        let written = inner.last_lsn - inner.disk.data_lsn;
        inner.disk.data = inner.table.clone();
        inner.disk.data_lsn = inner.last_lsn;
        Ok(written)
    }

    /// Stops accepting writes (a backup's freeze).
    pub(crate) fn suspend_writes(&self) {
        self.0.borrow_mut().writes_suspended = true;
    }

    /// Accepts writes again. Harmless when they were not suspended.
    pub(crate) fn resume_writes(&self) {
        self.0.borrow_mut().writes_suspended = false;
    }

    /// Whether the application runs normally: writes are accepted.
    pub(crate) fn accepts_writes(&self) -> bool {
        !self.0.borrow().writes_suspended
    }

    /// Whether the data file and the log file recover to exactly the acknowledged changes: what
    /// a shadow copy taken now would need.
    pub(crate) fn is_consistent_on_disk(&self) -> bool {
        let inner = self.0.borrow();
        inner.log_buffer.is_empty() && inner.disk.recover() == inner.table
    }

    /// A copy of what is on disk now.
    pub(crate) fn disk_image(&self) -> DiskImage {
        self.0.borrow().disk.clone()
    }

    /// The last LSN the data file contains (the last checkpoint).
    pub(crate) fn checkpoint_lsn(&self) -> Lsn {
        self.0.borrow().disk.data_lsn
    }

    /// The last LSN on disk in the log file.
    pub(crate) fn flushed_lsn(&self) -> Lsn {
        let inner = self.0.borrow();
        inner.disk.log.last().map_or(inner.disk.data_lsn, |r| r.lsn)
    }

    /// A full backup captured everything up to `lsn`: log records up to there that the data
    /// file also contains are no longer needed and are dropped.
    pub(crate) fn truncate_log(&self, lsn: Lsn) {
        let mut inner = self.0.borrow_mut();
        let upto = lsn.min(inner.disk.data_lsn);
        inner.disk.log.retain(|r| r.lsn > upto);
        inner.truncation_lsn = inner.truncation_lsn.max(upto);
    }

    /// The log truncation point the last full backup set (0: never truncated).
    pub(crate) fn truncation_lsn(&self) -> Lsn {
        self.0.borrow().truncation_lsn
    }

    /// How many records the log file holds.
    pub(crate) fn log_len(&self) -> usize {
        self.0.borrow().disk.log.len()
    }

    /// Fault injection for tests and demos: the log device fills up (or frees again).
    pub(crate) fn set_log_device_full(&self, full: bool) {
        self.0.borrow_mut().log_device_full = full;
    }

    fn change(&self, key: &str, value: Option<&str>) -> Result<Lsn, DbError> {
        let mut inner = self.0.borrow_mut();
        if inner.writes_suspended {
            return Err(DbError::WritesSuspended);
        }
        inner.last_lsn += 1;
        let record = LogRecord {
            lsn: inner.last_lsn,
            key: key.to_owned(),
            value: value.map(str::to_owned),
        };
        apply(&mut inner.table, &record);
        inner.log_buffer.push(record);
        if inner.log_buffer.len() >= GROUP_COMMIT_RECORDS {
            // The change is applied and acknowledged; a failed group commit is retried by the
            // next flush.
            let _ = inner.flush();
        }
        Ok(inner.last_lsn)
    }
}

impl Inner {
    fn flush(&mut self) -> Result<(), DbError> {
        if self.log_buffer.is_empty() {
            return Ok(());
        }
        if self.log_device_full {
            return Err(DbError::LogDeviceFull);
        }
        self.disk.log.append(&mut self.log_buffer);
        Ok(())
    }
}

fn apply(table: &mut BTreeMap<String, String>, record: &LogRecord) {
    match &record.value {
        Some(value) => table.insert(record.key.clone(), value.clone()),
        None => table.remove(&record.key),
    };
}
