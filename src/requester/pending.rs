//! [`Pending`]: an asynchronous step in flight (`IVssAsync`, R35–R38), and the operations it
//! can be.

use std::fmt;
use std::marker::PhantomData;

use super::typestate::{
    CompleteFailed, Completed, Discovered, MetadataFailed, PrepareFailed, Prepared, SnapshotDone,
    SnapshotFailed,
};
use super::{Aborted, BackupComponents, DynBackupComponents, StepError};
use crate::vocab::{Bound, Call, Hresult, OpNo, Reply};

/// An asynchronous operation the typestate API can have in flight: where the object goes when
/// it finishes ([`Operation::Done`]) and when it fails or is cancelled ([`Operation::Failed`]).
pub trait Operation: sealed::Sealed {
    /// The state after `VSS_S_ASYNC_FINISHED`.
    type Done;
    /// The state after a failure or a cancel: the documented recoveries of that operation.
    type Failed;
}

/// `GatherWriterMetadata` in flight.
#[derive(Debug)]
pub struct GatheringMetadata;
/// `PrepareForBackup` in flight.
#[derive(Debug)]
pub struct Preparing;
/// `DoSnapshotSet` in flight.
#[derive(Debug)]
pub struct Snapshotting;
/// `BackupComplete` in flight.
#[derive(Debug)]
pub struct Completing;
/// `GatherWriterMetadata` in flight for a restore.
#[derive(Debug)]
pub struct GatheringRestoreMetadata;
/// `PreRestore` in flight.
#[derive(Debug)]
pub struct PreRestoring;
/// `PostRestore` in flight.
#[derive(Debug)]
pub struct PostRestoring;
/// `GatherWriterStatus` in flight from state `S`, which it returns to either way: a failed
/// status gather changes nothing about the backup.
#[derive(Debug)]
pub struct GatheringStatus<S>(PhantomData<S>);

impl Operation for GatheringMetadata {
    type Done = Discovered;
    type Failed = MetadataFailed;
}
impl Operation for Preparing {
    type Done = Prepared;
    type Failed = PrepareFailed;
}
impl Operation for Snapshotting {
    type Done = SnapshotDone;
    type Failed = SnapshotFailed;
}
impl Operation for Completing {
    type Done = Completed;
    type Failed = CompleteFailed;
}
impl Operation for GatheringRestoreMetadata {
    type Done = super::RestoreDiscovered;
    type Failed = super::RestoreMetadataFailed;
}
impl Operation for PreRestoring {
    type Done = super::PreRestored;
    type Failed = super::PreRestoreFailed;
}
impl Operation for PostRestoring {
    type Done = super::Restored;
    type Failed = super::PostRestoreFailed;
}
impl<S> Operation for GatheringStatus<S> {
    type Done = S;
    type Failed = S;
}

/// The operations of a backup under way, during which `AbortBackup` is the documented way out
/// (R52, R53).
pub trait Abortable: Operation {}
impl Abortable for Preparing {}
impl Abortable for Snapshotting {}
impl Abortable for Completing {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::GatheringMetadata {}
    impl Sealed for super::Preparing {}
    impl Sealed for super::Snapshotting {}
    impl Sealed for super::Completing {}
    impl Sealed for super::GatheringRestoreMetadata {}
    impl Sealed for super::PreRestoring {}
    impl Sealed for super::PostRestoring {}
    impl<S> Sealed for super::GatheringStatus<S> {}
}

/// An asynchronous step in flight, holding the requester object until it ends.
///
/// [`wait`](Pending::wait) runs virtual time until the operation ends; the object comes back in
/// [`Operation::Done`], or in [`Operation::Failed`] with the operation's error. While it is
/// pending the requester can also wait a bounded time, poll, cancel, abort the backup, release
/// or crash, the way a real backup tool can (field failures 1, 7, 8).
#[must_use = "an operation in flight; wait for it, cancel it, or drop it to release the object"]
pub struct Pending<Op: Operation> {
    inner: DynBackupComponents,
    op: OpNo,
    _op: PhantomData<Op>,
}

/// The end of a bounded wait ([`Pending::wait_ms`]).
#[derive(Debug)]
pub enum Waited<Op: Operation> {
    /// The operation finished successfully.
    Finished(BackupComponents<Op::Done>),
    /// The operation failed or was cancelled.
    Failed(StepError<Op::Failed>),
    /// Still running when the wait's time was up.
    Pending(Pending<Op>),
    /// Still running when the run reached one of its bounds (rule `BOUND`).
    BoundReached(Pending<Op>, Bound),
}

/// Why [`Pending::wait`] did not finish successfully.
#[derive(Debug)]
pub enum WaitError<Op: Operation> {
    /// The operation failed or was cancelled; the object is in the operation's failure state.
    Failed(StepError<Op::Failed>),
    /// The run reached one of its bounds with the operation still pending (rule `BOUND`): a
    /// handler or provider that never returns, or an engine that does not settle. The
    /// operation is handed back, to cancel, abort or release.
    BoundReached(Pending<Op>, Bound),
}

impl<Op: Operation> WaitError<Op> {
    /// The failed step, unless the wait stopped at a bound.
    pub fn failed(self) -> Option<StepError<Op::Failed>> {
        match self {
            Self::Failed(error) => Some(error),
            Self::BoundReached(..) => None,
        }
    }

    /// The operation's HRESULT, unless the wait stopped at a bound.
    pub fn hresult(&self) -> Option<Hresult> {
        match self {
            Self::Failed(error) => Some(error.hr),
            Self::BoundReached(..) => None,
        }
    }
}

impl<Op: Operation> fmt::Display for WaitError<Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(error) => write!(f, "{error}"),
            Self::BoundReached(pending, bound) => {
                write!(
                    f,
                    "{} still pending when the run reached {bound}",
                    pending.op
                )
            }
        }
    }
}

impl<Op: Operation> From<WaitError<Op>> for super::AsyncError {
    /// Keeps the HRESULT (or the bound) and releases the object.
    fn from(error: WaitError<Op>) -> Self {
        match error {
            WaitError::Failed(error) => Self::Failed(error.hr),
            WaitError::BoundReached(_, bound) => Self::BoundReached(bound),
        }
    }
}

impl<Op> std::error::Error for WaitError<Op>
where
    Op: Operation + fmt::Debug,
    Op::Failed: fmt::Debug,
{
}

impl<Op: Operation> Pending<Op> {
    pub(crate) fn new(inner: DynBackupComponents, op: OpNo) -> Self {
        Self {
            inner,
            op,
            _op: PhantomData,
        }
    }

    /// The operation's number in the trace.
    pub fn op(&self) -> OpNo {
        self.op
    }

    /// `IVssAsync::Wait(INFINITE)` then `QueryStatus` (R36, R37).
    pub fn wait(self) -> Result<BackupComponents<Op::Done>, WaitError<Op>> {
        match self.wait_for(None) {
            Waited::Finished(components) => Ok(components),
            Waited::Failed(error) => Err(WaitError::Failed(error)),
            // An infinite wait only ends pending at a bound.
            Waited::Pending(pending) => Err(WaitError::BoundReached(
                pending,
                Bound::VirtualTime {
                    max_virtual_ms: u64::MAX,
                },
            )),
            Waited::BoundReached(pending, bound) => Err(WaitError::BoundReached(pending, bound)),
        }
    }

    /// `IVssAsync::Wait(timeout_ms)`: waits at most `timeout_ms` of virtual time.
    pub fn wait_ms(self, timeout_ms: u64) -> Waited<Op> {
        self.wait_for(Some(timeout_ms))
    }

    /// `IVssAsync::QueryStatus` (R36): `VSS_S_ASYNC_PENDING`, `VSS_S_ASYNC_FINISHED`,
    /// `VSS_S_ASYNC_CANCELLED` or the error.
    pub fn query_status(&mut self) -> Hresult {
        self.status_of(Call::QueryStatus { op: self.op })
    }

    /// `IVssAsync::Cancel` (R38), without waiting: `S_OK` when it cancelled,
    /// `VSS_S_ASYNC_CANCELLED` if already cancelled, `VSS_S_ASYNC_FINISHED` if it had finished,
    /// or the operation's error. The operation stays in hand: wait for it to end. A
    /// `DoSnapshotSet` past its commit still thaws its writers and ends cancelled with the shadow
    /// copy made (field failure 1); the requester then calls `abort_backup` (R54).
    pub fn cancel(&mut self) -> Hresult {
        self.status_of(Call::Cancel { op: self.op })
    }

    /// The requester process dies while the operation runs (R57).
    pub fn crash(mut self) {
        let _ = self.inner.call(Call::Crash);
    }

    /// `Release` while the operation runs (R32): the same as dropping it.
    pub fn release(self) {
        drop(self);
    }

    /// The runtime-checked escape hatch: the same object, dynamic API.
    pub fn into_dynamic(self) -> DynBackupComponents {
        self.inner
    }

    fn status_of(&mut self, call: Call) -> Hresult {
        match self.inner.call(call) {
            Ok(Reply::Status(status)) => status,
            Ok(_) => Hresult::VSS_E_UNEXPECTED,
            Err(hr) => hr,
        }
    }

    fn wait_for(mut self, timeout_ms: Option<u64>) -> Waited<Op> {
        let status = match self.inner.call(Call::Wait {
            op: self.op,
            timeout_ms,
        }) {
            Ok(Reply::Status(status)) => status,
            Ok(Reply::BoundReached(bound)) => return Waited::BoundReached(self, bound),
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

impl<Op: Abortable> Pending<Op> {
    /// `AbortBackup` while the operation runs (R53): the backup is over. Offered only for the
    /// operations of a backup under way, not while metadata or status is gathered.
    pub fn abort_backup(mut self) -> BackupComponents<Aborted> {
        let _ = self.inner.call(Call::AbortBackup);
        BackupComponents::new_state(self.inner)
    }
}

impl<Op: Operation> fmt::Debug for Pending<Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("op", &self.op)
            .field("session", &self.inner.session())
            .finish()
    }
}
