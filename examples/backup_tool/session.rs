//! `VssSession`: the tool's wrapper around one `IVssBackupComponents`, as backup tools write it:
//! every call logged with its HRESULT, asynchronous calls waited on with a deadline and cancelled
//! past it (restic's `WaitUntilAsyncFinished`), writer status gathered in one call (bareos's
//! `CheckWriterStatus`).

use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::vocab::{Call, ComponentKey, Hresult, Reply, SnapshotId, WriterStatus};

/// How long the tool sleeps between `StartSnapshotSet` attempts (bareos: 5 s).
pub(crate) const START_RETRY_MS: u64 = 5_000;

/// One requester call the tool made and what it returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CallRecord {
    /// The Windows method name, e.g. `"BackupComplete"`.
    pub(crate) method: &'static str,
    /// What the method returned.
    pub(crate) hr: Hresult,
    /// For an asynchronous method that started: the operation's final status.
    pub(crate) async_status: Option<Hresult>,
}

/// One requester object and the log of every call made on it.
#[derive(Debug)]
pub(crate) struct VssSession {
    bc: DynBackupComponents,
    /// Every call, in order.
    pub(crate) log: Vec<CallRecord>,
}

impl VssSession {
    /// `CreateVssBackupComponents`.
    pub(crate) fn create(vss: &Vss) -> Self {
        Self {
            bc: vss.dynamic(),
            log: Vec::new(),
        }
    }

    /// One synchronous call.
    pub(crate) fn call(&mut self, call: Call) -> Result<Reply, Hresult> {
        let method = call.method();
        let result = self.bc.call(call);
        self.log.push(CallRecord {
            method,
            hr: result.as_ref().err().copied().unwrap_or(Hresult::S_OK),
            async_status: None,
        });
        result
    }

    /// An asynchronous call, waited on for at most `timeout_ms`, cancelled past it. `Ok` only
    /// for `VSS_S_ASYNC_FINISHED`; a cancelled wait is `VSS_S_ASYNC_PENDING`, as restic reports
    /// it ("async operation pending").
    pub(crate) fn run_async(&mut self, call: Call, timeout_ms: u64) -> Result<(), Hresult> {
        let Reply::Async(op) = self.call(call)? else {
            return Err(Hresult::VSS_E_UNEXPECTED);
        };
        let waited = self.bc.call(Call::Wait {
            op,
            timeout_ms: Some(timeout_ms),
        });
        let mut status = status_of(waited);
        if status == Hresult::VSS_S_ASYNC_PENDING {
            // Past the deadline: cancel, and wait for the operation to wind down (R38). Unless
            // it finished meanwhile, the tool reports it as still pending.
            let _ = self.bc.call(Call::Cancel { op });
            let after = status_of(self.bc.call(Call::Wait {
                op,
                timeout_ms: None,
            }));
            if after != Hresult::VSS_S_ASYNC_FINISHED {
                status = Hresult::VSS_S_ASYNC_PENDING;
            } else {
                status = after;
            }
        }
        if let Some(record) = self.log.last_mut() {
            record.async_status = Some(status);
        }
        match status {
            Hresult::VSS_S_ASYNC_FINISHED => Ok(()),
            failure => Err(failure),
        }
    }

    /// `StartSnapshotSet`, retried while another set is in creation (R15) until `deadline_ms`
    /// of virtual time.
    pub(crate) fn start_snapshot_set(&mut self, deadline_ms: u64) -> Result<(), Hresult> {
        loop {
            match self.call(Call::StartSnapshotSet) {
                Err(Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS)
                    if self.bc.vss().now_ms() + START_RETRY_MS <= deadline_ms =>
                {
                    self.bc.vss().advance_ms(START_RETRY_MS);
                }
                result => return result.map(|_| ()),
            }
        }
    }

    /// `AddToSnapshotSet(volume, GUID_NULL)`.
    pub(crate) fn add_volume(&mut self, volume: &str) -> Result<SnapshotId, Hresult> {
        match self.call(Call::AddToSnapshotSet {
            volume: volume.to_owned(),
            provider: vss_sim::vocab::ProviderId::NULL,
        })? {
            Reply::Snapshot(id) => Ok(id),
            _ => Err(Hresult::VSS_E_UNEXPECTED),
        }
    }

    /// Every selectable component the identified writers declared, read as a real tool reads
    /// them: `GetWriterMetadataCount`, then `GetWriterMetadata(i)` and its components (R110).
    pub(crate) fn declared_components(&mut self) -> Result<Vec<ComponentKey>, Hresult> {
        let Reply::Count(count) = self.call(Call::WriterMetadataCount)? else {
            return Err(Hresult::VSS_E_UNEXPECTED);
        };
        let mut keys = Vec::new();
        for index in 0..count {
            if let Reply::WriterMetadata(metadata) = self.call(Call::WriterMetadata { index })? {
                keys.extend(metadata.selectable_components().cloned());
            }
        }
        Ok(keys)
    }

    /// `GatherWriterStatus`, wait, then every `GetWriterStatus` row (R28–R30).
    pub(crate) fn writer_status(&mut self, timeout_ms: u64) -> Result<Vec<WriterStatus>, Hresult> {
        self.run_async(Call::GatherWriterStatus, timeout_ms)?;
        let count = match self.call(Call::WriterStatusCount)? {
            Reply::Count(count) => count,
            _ => 0,
        };
        let mut rows = Vec::new();
        for index in 0..count {
            if let Reply::WriterStatus(status) = self.call(Call::WriterStatus { index })? {
                rows.push(status);
            }
        }
        Ok(rows)
    }

    /// `AbortBackup`; its result is logged, and there is nothing more to do if it fails.
    pub(crate) fn abort_backup(&mut self) {
        let _ = self.call(Call::AbortBackup);
    }

    /// `Release` (R32): VSS sends BackupShutdown (R57).
    pub(crate) fn release(mut self) -> Vec<CallRecord> {
        let _ = self.call(Call::Release);
        std::mem::take(&mut self.log)
    }

    /// Whether the last call started an asynchronous operation (its failure, if any, was the
    /// operation's, not the call's).
    pub(crate) fn async_started(&self) -> bool {
        self.log.last().is_some_and(|c| c.async_status.is_some())
    }

    /// Virtual time now.
    pub(crate) fn now_ms(&self) -> u64 {
        self.bc.vss().now_ms()
    }
}

fn status_of(result: Result<Reply, Hresult>) -> Hresult {
    match result {
        Ok(Reply::Status(status)) => status,
        Ok(_) => Hresult::VSS_E_UNEXPECTED,
        Err(hr) => hr,
    }
}
