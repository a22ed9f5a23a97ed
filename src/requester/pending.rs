//! [`Pending`]: an asynchronous step in flight (`IVssAsync`, R35–R38).

use std::marker::PhantomData;

use super::{Aborted, BackupComponents, DynBackupComponents, Failed, StepError};
use crate::vocab::{Call, Hresult, OpNo, Reply};

/// An asynchronous step in flight, holding the requester object until it ends.
///
/// [`wait`](Pending::wait) runs virtual time until the operation ends; the object comes back in
/// state `T`, or in [`Failed`] with the operation's error. While it is pending, the requester can
/// also wait a bounded time, poll, cancel, abort, release or crash, the way a real backup tool
/// can (field failures 1, 7, 8).
#[must_use = "an operation in flight; wait for it, cancel it, or drop it to release the object"]
pub struct Pending<T> {
    inner: DynBackupComponents,
    op: OpNo,
    _to: PhantomData<T>,
}

/// The result of a bounded wait.
#[derive(Debug)]
pub enum Waited<T> {
    /// The operation finished successfully.
    Finished(BackupComponents<T>),
    /// The operation failed or was cancelled.
    Failed(StepError<Failed>),
    /// Still running when the wait ended.
    Pending(Pending<T>),
}

impl<T> Pending<T> {
    pub(crate) fn new(inner: DynBackupComponents, op: OpNo) -> Self {
        Self {
            inner,
            op,
            _to: PhantomData,
        }
    }

    /// The operation's number in the trace.
    pub fn op(&self) -> OpNo {
        self.op
    }

    /// `IVssAsync::Wait(INFINITE)` then `QueryStatus` (R36, R37). A run that reaches its bounds
    /// (a writer that never returns) fails with `VSS_S_ASYNC_PENDING`.
    pub fn wait(self) -> Result<BackupComponents<T>, StepError<Failed>> {
        match self.wait_for(None) {
            Waited::Finished(components) => Ok(components),
            Waited::Failed(error) => Err(error),
            Waited::Pending(pending) => Err(StepError {
                hr: Hresult::VSS_S_ASYNC_PENDING,
                components: BackupComponents::new_state(pending.inner),
            }),
        }
    }

    /// `IVssAsync::Wait(timeout_ms)`: waits at most `timeout_ms` of virtual time.
    pub fn wait_ms(self, timeout_ms: u64) -> Waited<T> {
        self.wait_for(Some(timeout_ms))
    }

    /// `IVssAsync::QueryStatus` (R36): `VSS_S_ASYNC_PENDING`, `VSS_S_ASYNC_FINISHED`,
    /// `VSS_S_ASYNC_CANCELLED` or the error.
    pub fn query_status(&mut self) -> Hresult {
        match self.inner.call(Call::QueryStatus { op: self.op }) {
            Ok(Reply::Status(status)) => status,
            Ok(_) => Hresult::VSS_E_UNEXPECTED,
            Err(hr) => hr,
        }
    }

    /// `IVssAsync::Cancel` (R38), then waits for the operation to end. A `DoSnapshotSet` past
    /// its commit still thaws its writers and ends cancelled with the shadow copy made (field
    /// failure 1); the requester then calls `abort_backup` (R54).
    pub fn cancel(mut self) -> Waited<T> {
        let _ = self.inner.call(Call::Cancel { op: self.op });
        self.wait_for(None)
    }

    /// The requester process dies while the operation runs (R57).
    pub fn crash(mut self) {
        let _ = self.inner.call(Call::Crash);
    }

    fn wait_for(mut self, timeout_ms: Option<u64>) -> Waited<T> {
        let status = match self.inner.call(Call::Wait {
            op: self.op,
            timeout_ms,
        }) {
            Ok(Reply::Status(status)) => status,
            Ok(_) => Hresult::VSS_E_UNEXPECTED,
            Err(hr) => hr,
        };
        match status {
            Hresult::VSS_S_ASYNC_FINISHED => {
                Waited::Finished(BackupComponents::new_state(self.inner))
            }
            Hresult::VSS_S_ASYNC_PENDING => Waited::Pending(self),
            hr => Waited::Failed(StepError {
                hr,
                components: BackupComponents::new_state(self.inner),
            }),
        }
    }
}

/// Operations during which a backup is under way, so `AbortBackup` is offered (R53).
pub trait Abortable: sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

impl sealed::Sealed for super::Prepared {}
impl sealed::Sealed for super::SnapshotDone {}
impl sealed::Sealed for super::Completed {}
impl Abortable for super::Prepared {}
impl Abortable for super::SnapshotDone {}
impl Abortable for super::Completed {}

impl<T: Abortable> Pending<T> {
    /// `AbortBackup` while the operation runs (R53). Offered only once a backup is under way,
    /// not while writer metadata is gathered.
    pub fn abort_backup(mut self) -> BackupComponents<Aborted> {
        let _ = self.inner.call(Call::AbortBackup);
        BackupComponents::new_state(self.inner)
    }
}

impl<T> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("op", &self.op)
            .field("session", &self.inner.session())
            .finish()
    }
}
