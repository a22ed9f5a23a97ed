//! The vocabulary layer: Windows' names and values for everything the protocol speaks about.
//!
//! Nothing here knows about writers, sessions or time. Every type carries the Windows symbol and
//! numeric value (spec T1, T3, T4, T6–T9) so a simulated outcome reads like a Windows log.

mod call;
mod context;
mod event;
mod hresult;
mod ids;
mod policy;
mod writer_kind;
mod writer_state;

pub use call::{
    AsyncKind, BackupState, Call, ComponentKey, OpNo, Reply, SnapshotProperties, WriterStatus,
};
pub use context::{Attributes, Context, SnapshotContext};
pub use event::{WriterEvent, WriterQuery};
pub use hresult::Hresult;
pub use ids::{
    minted_uuid, well_known, IdKind, ProviderId, SnapshotId, SnapshotSetId, WriterClassId,
    WriterInstanceId,
};
pub use policy::{
    AbortBackupReach, FreezeTimerStart, Policies, QueryWindow, ShutdownFor,
    ShutdownSetIdAfterCrash, StateAfterAbort, StateAfterShutdown, VetoAtFreezeThaw,
    WriterAbortScope, WriterFailureResult,
};
pub use writer_kind::{
    ApplicationLevel, BackupType, ComponentType, RestoreMethod, SourceType, UsageType,
};
pub use writer_state::{WriterFailure, WriterState};
