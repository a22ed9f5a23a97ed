//! The dynamic requester API: any call in any order, answered with HRESULTs.

use super::Vss;
use crate::vocab::SessionNo;
use crate::vocab::{Call, Hresult, OpNo, Reply, WriterStatus};

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
}

impl DynBackupComponents {
    pub(crate) fn new(vss: Vss, session: SessionNo) -> Self {
        Self {
            vss,
            session,
            gone: false,
        }
    }

    /// Makes one call.
    pub fn call(&mut self, call: Call) -> Result<Reply, Hresult> {
        let ends = matches!(call, Call::Release | Call::Crash);
        let result = self.vss.with_mut(|core| core.call(self.session, call));
        if ends && result.is_ok() {
            self.gone = true;
        }
        result
    }

    /// Makes one call that returns nothing but its HRESULT.
    pub fn call_ok(&mut self, call: Call) -> Result<(), Hresult> {
        self.call(call).map(|_| ())
    }

    /// Starts an asynchronous call and waits for it: `Ok` only for `VSS_S_ASYNC_FINISHED`.
    pub fn call_and_wait(&mut self, call: Call) -> Result<OpNo, Hresult> {
        let Reply::Async(op) = self.call(call)? else {
            return Err(Hresult::E_INVALIDARG);
        };
        match self.call(Call::Wait {
            op,
            timeout_ms: None,
        })? {
            Reply::Status(Hresult::VSS_S_ASYNC_FINISHED) => Ok(op),
            Reply::Status(status) => Err(status),
            _ => Err(Hresult::VSS_E_UNEXPECTED),
        }
    }

    /// `GatherWriterStatus`, wait, then every `GetWriterStatus` row (R28–R30).
    pub fn writer_status(&mut self) -> Result<Vec<WriterStatus>, Hresult> {
        self.call_and_wait(Call::GatherWriterStatus)?;
        let count = match self.call(Call::WriterStatusCount)? {
            Reply::Count(count) => count,
            _ => 0,
        };
        let mut rows = Vec::with_capacity(count as usize);
        for index in 0..count {
            if let Reply::WriterStatus(status) = self.call(Call::WriterStatus { index })? {
                rows.push(status);
            }
        }
        Ok(rows)
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
