//! The dynamic requester API: any call in any order, answered with HRESULTs.

use std::fmt;

use super::Vss;
use crate::vocab::{
    Bound, Call, Hresult, OpNo, Reply, SessionNo, SnapshotSetId, WriterMetadataView, WriterStatus,
};

/// A requester object (`IVssBackupComponents`) driven by [`Call`]s: the runtime-checked escape
/// hatch of the typestate API, and what fuzzers and scenario files use.
///
/// Every call is checked against the guard table (T14) and answered as Windows would; misuse is
/// an `Err(HRESULT)`, never a panic or corrupted state. (Calls must not be made from inside a
/// writer handler, where the coordinator is busy: such a call panics, and the simulator records
/// that as the handler's failure.) Dropping it releases the object (R32),
/// which makes VSS send BackupShutdown (R57).
#[derive(Debug)]
pub struct DynBackupComponents {
    vss: Vss,
    session: SessionNo,
    gone: bool,
    /// What `StartSnapshotSet` returned: the requester remembers its set id.
    set_id: Option<SnapshotSetId>,
}

/// Why an asynchronous call did not finish successfully.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsyncError {
    /// The call was refused, or the operation failed or was cancelled, with this HRESULT.
    Failed(Hresult),
    /// The wait stopped at a run bound with the operation still pending (rule `BOUND`).
    BoundReached(Bound),
}

impl AsyncError {
    /// The HRESULT, unless the wait stopped at a bound.
    pub const fn hresult(self) -> Option<Hresult> {
        match self {
            Self::Failed(hr) => Some(hr),
            Self::BoundReached(_) => None,
        }
    }
}

impl fmt::Display for AsyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(hr) => write!(f, "failed with {hr}"),
            Self::BoundReached(bound) => write!(f, "still pending when the run reached {bound}"),
        }
    }
}

impl std::error::Error for AsyncError {}

impl From<Hresult> for AsyncError {
    fn from(hr: Hresult) -> Self {
        Self::Failed(hr)
    }
}

impl DynBackupComponents {
    pub(crate) fn new(vss: Vss, session: SessionNo) -> Self {
        Self {
            vss,
            session,
            gone: false,
            set_id: None,
        }
    }

    /// Makes one call.
    pub fn call(&mut self, call: Call) -> Result<Reply, Hresult> {
        let ends = matches!(call, Call::Release | Call::Crash);
        let result = self.vss.with_mut(|core| core.call(self.session, call));
        match &result {
            Ok(_) if ends => self.gone = true,
            Ok(Reply::SnapshotSet(id)) => self.set_id = Some(*id),
            _ => {}
        }
        result
    }

    /// Makes one call that returns nothing but its HRESULT.
    pub fn call_ok(&mut self, call: Call) -> Result<(), Hresult> {
        self.call(call).map(|_| ())
    }

    /// Starts an asynchronous call and waits for it: `Ok` only for `VSS_S_ASYNC_FINISHED`.
    pub fn call_and_wait(&mut self, call: Call) -> Result<OpNo, AsyncError> {
        let Reply::Async(op) = self.call(call)? else {
            return Err(AsyncError::Failed(Hresult::E_INVALIDARG));
        };
        match self.call(Call::Wait {
            op,
            timeout_ms: None,
        })? {
            Reply::Status(Hresult::VSS_S_ASYNC_FINISHED) => Ok(op),
            Reply::Status(status) => Err(AsyncError::Failed(status)),
            Reply::BoundReached(bound) => Err(AsyncError::BoundReached(bound)),
            _ => Err(AsyncError::Failed(Hresult::VSS_E_UNEXPECTED)),
        }
    }

    /// `ImportSnapshots` and wait (R97): `Ok` with `VSS_S_ASYNC_FINISHED` when every described
    /// copy came onto the machine, `VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED` when some did;
    /// `VSS_E_NO_SNAPSHOTS_IMPORTED` when none did, or the call's refusal.
    pub fn import_snapshots(&mut self) -> Result<Hresult, AsyncError> {
        let Reply::Async(op) = self.call(Call::ImportSnapshots)? else {
            return Err(AsyncError::Failed(Hresult::VSS_E_UNEXPECTED));
        };
        match self.call(Call::Wait {
            op,
            timeout_ms: None,
        })? {
            Reply::Status(status) if status.is_success() => Ok(status),
            Reply::Status(status) => Err(AsyncError::Failed(status)),
            Reply::BoundReached(bound) => Err(AsyncError::BoundReached(bound)),
            _ => Err(AsyncError::Failed(Hresult::VSS_E_UNEXPECTED)),
        }
    }

    /// `GatherWriterStatus`, wait, then every `GetWriterStatus` row (R28–R30).
    pub fn writer_status(&mut self) -> Result<Vec<WriterStatus>, AsyncError> {
        self.call_and_wait(Call::GatherWriterStatus)?;
        Ok(self.writer_status_rows()?)
    }

    /// `GetWriterStatusCount`, then every `GetWriterStatus` row of the last completed
    /// `GatherWriterStatus` (R29).
    pub fn writer_status_rows(&mut self) -> Result<Vec<WriterStatus>, Hresult> {
        let count = self.count(Call::WriterStatusCount)?;
        (0..count)
            .map(|index| match self.call(Call::WriterStatus { index })? {
                Reply::WriterStatus(status) => Ok(status),
                _ => Err(Hresult::VSS_E_UNEXPECTED),
            })
            .collect()
    }

    /// `GetWriterMetadataCount`, then `GetWriterMetadata` for every writer (R10, R40 step 6).
    pub fn writer_metadata(&mut self) -> Result<Vec<WriterMetadataView>, Hresult> {
        let count = self.count(Call::WriterMetadataCount)?;
        (0..count)
            .map(|index| match self.call(Call::WriterMetadata { index })? {
                Reply::WriterMetadata(view) => Ok(view),
                _ => Err(Hresult::VSS_E_UNEXPECTED),
            })
            .collect()
    }

    /// `SaveAsXML` (R31, R113): the Backup Components Document in Windows' XML.
    pub fn save_as_xml(&mut self) -> Result<String, Hresult> {
        match self.call(Call::SaveAsXml)? {
            Reply::Xml(xml) => Ok(xml),
            _ => Err(Hresult::VSS_E_UNEXPECTED),
        }
    }

    /// `AddComponent` for what backs up every writer whose metadata the requester reads
    /// (R13, R110): each writer's components with no selectable ancestor
    /// ([`WriterMetadataView::explicit_components`]); the number added.
    pub fn select_all_components(&mut self) -> Result<usize, Hresult> {
        let count = self.count(Call::WriterMetadataCount)?;
        let mut keys = Vec::new();
        for index in 0..count {
            let session = self.session;
            self.vss
                .with_mut(|core| core.explicit_components(session, index, &mut keys))?;
        }
        let count = keys.len();
        for key in keys {
            self.call_ok(Call::AddComponent(key))?;
        }
        Ok(count)
    }

    /// `GetWriterComponentsCount`, then every `GetWriterComponents` entry (R113): the Backup
    /// Components Document's writers with their components as the document stands — in a
    /// restore, with what the writers wrote during PreRestore.
    pub fn writer_components(&mut self) -> Result<Vec<crate::vocab::WriterComponents>, Hresult> {
        let count = self.count(Call::WriterComponentsCount)?;
        (0..count)
            .map(|index| match self.call(Call::WriterComponents { index })? {
                Reply::WriterComponents(entry) => Ok(entry),
                _ => Err(Hresult::VSS_E_UNEXPECTED),
            })
            .collect()
    }

    /// The set id `StartSnapshotSet` returned to this object, if it did.
    pub fn snapshot_set_id(&self) -> Option<SnapshotSetId> {
        self.set_id
    }

    /// The requester's session number in the trace.
    pub fn session(&self) -> SessionNo {
        self.session
    }

    /// The machine.
    pub fn vss(&self) -> &Vss {
        &self.vss
    }

    /// The object is released (or crashed): every later call fails.
    pub fn is_released(&self) -> bool {
        self.gone
    }

    fn count(&mut self, call: Call) -> Result<u32, Hresult> {
        match self.call(call)? {
            Reply::Count(count) => Ok(count),
            _ => Err(Hresult::VSS_E_UNEXPECTED),
        }
    }
}

impl Drop for DynBackupComponents {
    /// Dropping is releasing (R32): VSS sends BackupShutdown (R57). Dropped inside a handler,
    /// the object is released as soon as the handler returns.
    fn drop(&mut self) {
        if !self.gone {
            self.vss.release_soon(self.session);
        }
    }
}
