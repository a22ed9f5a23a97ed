//! The vocabulary layer: Windows' names and values for everything the protocol speaks about.
//!
//! Nothing here knows about writers, sessions or time. Every type carries the Windows symbol and
//! numeric value (spec T1, T3, T4, T6–T9) so a simulated outcome reads like a Windows log.

mod bcd;
mod call;
mod context;
mod event;
mod hresult;
mod ids;
pub mod limits;
mod machine_state;
pub(crate) mod metadata;
mod numbers;
mod object_type;
mod os;
mod policy;
mod provider_step;
mod restore;
pub mod rules;
mod snapshot_state;
mod transport;
mod volume;
mod wait;
mod writer_kind;
mod writer_state;

pub use bcd::{BackupComponent, BackupComponentsDocument, WriterComponents};
pub use call::{
    AsyncKind, BackupState, Bound, Call, ComponentKey, ComponentView, OpNo, ProviderProperties,
    Reply, SnapshotProperties, WriterIdentity, WriterMetadataView, WriterStatus,
};
pub use context::{Attributes, Context, SnapshotContext};
pub use event::{WriterEvent, WriterQuery};
pub use hresult::Hresult;
pub use ids::{
    minted_uuid, well_known, IdKind, ProviderId, SnapshotId, SnapshotSetId, WriterClassId,
    WriterInstanceId,
};
pub use machine_state::{
    MachineState, SavedCopy, SavedStorage, SavedWriterStatus, MACHINE_STATE_VERSION,
};
pub use metadata::full_path as component_full_path;
pub use metadata::{
    BackupSchema, ComponentDependency, ComponentFlags, ComponentInfo, FileDescriptor,
    FileSpecBackupType, RestoreMethodInfo, WriterMetadata, WriterRestore,
};
pub use numbers::{ProviderNo, SessionNo, WriterNo};
pub use object_type::{ObjectType, ProviderType};
pub use os::{OsProfile, DEFAULT_MACHINE_NAME};
pub use policy::{
    AbortBackupReach, CommitFailureResult, FreezeTimerRace, FreezeTimerStart, HandlerTimeout,
    LastError, LostService, Policies, QueryWindow, ShutdownFor, ShutdownSetIdAfterCrash,
    StateAfterAbort, StateAfterShutdown, VetoAtFreezeThaw, WriterAbortScope, WriterFailureResult,
};
pub use provider_step::ProviderStep;
pub use restore::{
    DifferencedFiles, DirectedTarget, FileRestoreStatus, PartialFile, RestoreSubcomponent,
    RestoreTarget, RestoreType,
};
pub use rules::Rule;
pub use snapshot_state::{civil_time, vss_timestamp, SnapshotState, DEFAULT_WALL_CLOCK_EPOCH_MS};
pub use transport::{LunMapping, SnapshotDescription, SnapshotSetDescription};
pub use volume::{
    expand_environment, path_is_under, same_path, volume_guid_path, FileSystem, ShadowStorage,
    Volume, DEFAULT_ENVIRONMENT, DEFAULT_MAX_CLIENT_ACCESSIBLE_COPIES, DEFAULT_VOLUME_BYTES,
    INITIAL_DIFF_AREA_BYTES, MAX_COPIES_PER_VOLUME, SMALL_VOLUME_DIFF_AREA_BYTES,
};
pub use wait::{SignalName, Wait, WaitEnd};
pub use writer_kind::{
    ApplicationLevel, BackupType, ComponentType, RestoreMethod, SourceType, UsageType,
};
pub use writer_state::{WriterFailure, WriterState};
