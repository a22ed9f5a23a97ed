//! The writer layer: the [`Writer`] trait user code implements, modelled on `CVssWriter`, its
//! configuration ([`WriterConfig`], `CVssWriter::Initialize`), its metadata document
//! ([`WriterMetadata`]) and the [`HandlerContext`] each handler receives.
//!
//! | `CVssWriter` | here |
//! |---|---|
//! | `Initialize(WriterId, name, ut, st, nLevel, dwTimeoutFreeze, …)` | [`WriterConfig`] |
//! | `OnIdentify(IVssCreateWriterMetadata*)` | [`Writer::on_identify`] + [`WriterMetadata`] |
//! | `OnPrepareBackup(IVssWriterComponents*)` | [`Writer::on_prepare_backup`] + [`HandlerContext::components`] |
//! | `OnPrepareSnapshot()` (pure virtual) | [`Writer::on_prepare_snapshot`] (required) |
//! | `OnFreeze()` (pure virtual) | [`Writer::on_freeze`] (required) |
//! | `OnThaw()` (pure virtual) | [`Writer::on_thaw`] (required) |
//! | `OnPostSnapshot(IVssWriterComponents*)` | [`Writer::on_post_snapshot`] |
//! | `OnAbort()` (pure virtual) | [`Writer::on_abort`] (required) |
//! | `OnBackupComplete(IVssWriterComponents*)` | [`Writer::on_backup_complete`] |
//! | `OnBackupShutdown(SnapshotSetId)` | [`Writer::on_backup_shutdown`] |
//! | `OnPreRestore(IVssWriterComponents*)` | [`Writer::on_pre_restore`] + [`HandlerContext::restore_component`] |
//! | `OnPostRestore(IVssWriterComponents*)` | [`Writer::on_post_restore`] |
//! | `SetWriterFailure(hr)` | [`HandlerContext::set_writer_failure`] |
//! | `GetCurrentSnapshotSetId()` | [`HandlerContext::snapshot_set_id`] |
//! | `GetCurrentVolumeArray()` / `IsPathAffected()` | [`HandlerContext::volumes`] / [`HandlerContext::is_path_affected`] |
//! | `GetSnapshotDeviceName()` | [`HandlerContext::snapshot_device_name`] |
//! | `GetContext()`, `GetBackupType()`, `AreComponentsSelected()`, … | [`HandlerContext`] getters |
//! | `IVssComponent::SetBackupStamp` / `SetBackupMetadata` | [`HandlerContext::set_backup_stamp`] / [`HandlerContext::set_backup_metadata`] |
//! | `IVssComponent::GetPreviousBackupStamp` | [`HandlerContext::previous_backup_stamp`] |
//! | `IVssComponent::SetRestoreTarget` / `SetRestoreMetadata` / `AddDirectedTarget` | [`HandlerContext::set_restore_target`] / [`HandlerContext::set_restore_metadata`] / [`HandlerContext::add_directed_target`] |
//! | `IVssComponent::SetPreRestoreFailureMsg` / `SetPostRestoreFailureMsg` | [`HandlerContext::set_pre_restore_failure_msg`] / [`HandlerContext::set_post_restore_failure_msg`] |
//! | `IVssComponent::IsSelectedForRestore`, `GetRestoreOptions`, `GetFileRestoreStatus`, … | [`HandlerContext::restore_component`] |
//! | `CVssWriter::GetRestoreType()` | [`HandlerContext::restore_type`] |
//!
//! Each getter of the backup's inputs (context, backup type, selection, volumes, device names,
//! restore type) records the [`Axis`] it read, for the test kit's report of what a run varied.

/// Implements [`Writer`] for a wrapper by sending every handler through one method of the
/// wrapper, `$through(&mut self, ctx, handler) -> bool`, which calls `handler` on the wrapped
/// writer and may change its result. The continuation of a waiting handler, `on_wait_ended`,
/// goes to `$resume(&mut self, ctx, ended) -> bool`, which continues the wrapped writer or the
/// wrapper's own wait: a handler is one fault point, not one per wait, and what the wrapper
/// decided in the first segment still decides after the waits.
/// Fault injection and the test kit's peers use it, so a handler added to `Writer` is forwarded
/// everywhere at once.
macro_rules! forward_writer {
    ($wrapper:ty, $through:ident, $resume:ident) => {
        impl $crate::writer::Writer for $wrapper {
            fn on_identify(
                &mut self,
                ctx: &mut $crate::writer::HandlerContext<'_>,
                metadata: &mut $crate::writer::WriterMetadata,
            ) -> bool {
                self.$through(ctx, |w, ctx| w.on_identify(ctx, metadata))
            }
            fn on_prepare_backup(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_prepare_backup(ctx))
            }
            fn on_prepare_snapshot(
                &mut self,
                ctx: &mut $crate::writer::HandlerContext<'_>,
            ) -> bool {
                self.$through(ctx, |w, ctx| w.on_prepare_snapshot(ctx))
            }
            fn on_freeze(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_freeze(ctx))
            }
            fn on_thaw(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_thaw(ctx))
            }
            fn on_post_snapshot(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_post_snapshot(ctx))
            }
            fn on_abort(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_abort(ctx))
            }
            fn on_backup_complete(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_backup_complete(ctx))
            }
            fn on_backup_shutdown(
                &mut self,
                ctx: &mut $crate::writer::HandlerContext<'_>,
                set: $crate::vocab::SnapshotSetId,
            ) -> bool {
                self.$through(ctx, |w, ctx| w.on_backup_shutdown(ctx, set))
            }
            fn on_pre_restore(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_pre_restore(ctx))
            }
            fn on_post_restore(&mut self, ctx: &mut $crate::writer::HandlerContext<'_>) -> bool {
                self.$through(ctx, |w, ctx| w.on_post_restore(ctx))
            }
            fn on_wait_ended(
                &mut self,
                ctx: &mut $crate::writer::HandlerContext<'_>,
                ended: $crate::vocab::WaitEnd,
            ) -> bool {
                self.$resume(ctx, ended)
            }
        }
    };
}
pub(crate) use forward_writer;

mod axis;
mod config;
mod context;
mod metadata;
pub(crate) use metadata::{with_metadata_fault, MetadataFault};
mod scripted;

pub use crate::vocab::{ComponentInfo, WriterMetadata};
pub(crate) use axis::Axes;
pub use axis::Axis;
pub use config::{WriterConfig, WriterHost, DEFAULT_FREEZE_TIMEOUT_MS};
pub use context::HandlerContext;
pub(crate) use context::{ComponentWrite, EventView, SnapshotVolume};
pub use scripted::{Outcome, Reaction, ScriptedWriter};

use crate::vocab::{SnapshotSetId, WaitEnd};

/// A VSS writer: one handler per event, as `CVssWriter` has (R63).
///
/// Every handler returns `bool`: `true` unless a *fatal* error occurred. To veto, call
/// [`HandlerContext::set_writer_failure`] and still return `true`; for a fatal error, call it and
/// return `false` (R64, R65). The four handlers `CVssWriter` declares pure virtual have no
/// default here either; the others default to `true`, as in `CVssWriter`.
///
/// Handlers must restore normal running in `on_abort`, `on_thaw` and (after a crashed requester)
/// `on_backup_shutdown`, must tolerate `on_abort` more than once (R55), and must not change
/// operation state in `on_identify` (R44). A handler that panics is recorded as a failure with
/// `VSS_E_WRITER_NOT_RESPONDING`; the simulation goes on.
///
/// ```
/// use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};
/// use vss_sim::vocab::{ComponentType, RestoreMethod};
///
/// #[derive(Default)]
/// struct Journal { frozen: bool }
///
/// impl Writer for Journal {
///     fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
///         md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
///         md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "journal");
///         true
///     }
///     fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool { true }
///     fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool { self.frozen = true; true }
///     fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool { self.frozen = false; true }
///     fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool { self.frozen = false; true }
/// }
/// ```
pub trait Writer {
    /// `OnIdentify`: describe yourself in `metadata`. Must build the same document every time
    /// and must not call `SetWriterFailure` (R44, R66). `false` hides the writer (R10).
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, metadata: &mut WriterMetadata) -> bool {
        let _ = (ctx, metadata);
        true
    }

    /// `OnPrepareBackup`: the backup's components are known (R21, R48).
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = ctx;
        true
    }

    /// `OnPrepareSnapshot`: lengthy preparation goes here (R71).
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool;

    /// `OnFreeze`: stop writing; short checks only, last chance to veto (R71).
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool;

    /// `OnThaw`: resume normal I/O (R71).
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool;

    /// `OnPostSnapshot`: auto-recovery window; `GetSnapshotDeviceName` works here (R69).
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = ctx;
        true
    }

    /// `OnAbort`: the operation is abandoned; restore normal running. May come more than once
    /// (R55).
    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool;

    /// `OnBackupComplete`: the requester finished copying (R26).
    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = ctx;
        true
    }

    /// `OnBackupShutdown`: the requester object of the backup with `snapshot_set_id` is gone,
    /// maybe without BackupComplete or Abort; `GUID_NULL` when no shadow copy was created (R57).
    fn on_backup_shutdown(
        &mut self,
        ctx: &mut HandlerContext<'_>,
        snapshot_set_id: SnapshotSetId,
    ) -> bool {
        let _ = (ctx, snapshot_set_id);
        true
    }

    /// `OnPreRestore`: the requester is about to copy the selected components' files back
    /// (R82). The writer prepares (stops its service, for `VSS_RME_STOP_RESTORE_START`), reads
    /// what the saved document and the requester say of each component
    /// ([`HandlerContext::restore_component`]) and may answer with a restore target, directed
    /// targets, restore metadata and a failure message. A failure leaves the writer
    /// `FAILED_AT_PRE_RESTORE` (R84); there is no Abort in a restore (R56).
    fn on_pre_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = ctx;
        true
    }

    /// `OnPostRestore`: the files are back (R83); the writer reads each component's file
    /// restore status and recovers its data, unless additional restores follow. The document
    /// is read-only here but for the post-restore failure message (R49). A failure leaves the
    /// writer `FAILED_AT_POST_RESTORE` (R84).
    fn on_post_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let _ = ctx;
        true
    }

    /// The wait a handler asked for with [`HandlerContext::wait`] ended: the handler continues
    /// here ([`HandlerContext::event`] says which one). Its result is the handler's result,
    /// unless it waits again. A `SetWriterFailure` made in any segment counts (the last one
    /// wins); the writer metadata of an `OnIdentify` that waits is the one its first call built.
    /// The default returns `true`.
    ///
    /// ```
    /// use vss_sim::vocab::{Wait, WaitEnd, WriterEvent, WriterFailure};
    /// use vss_sim::writer::{HandlerContext, Writer};
    ///
    /// /// Freezes only once the log writer it depends on has thawed (field failure 5).
    /// struct Dependent;
    ///
    /// impl Writer for Dependent {
    ///     fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool { true }
    ///     fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
    ///         ctx.wait(Wait::signal("log-thawed").or_ms(90_000))
    ///     }
    ///     fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool { true }
    ///     fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool { true }
    ///     fn on_wait_ended(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
    ///         if ended == WaitEnd::TimedOut && ctx.event() == WriterEvent::Freeze {
    ///             let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_TIMEOUT);
    ///         }
    ///         true
    ///     }
    /// }
    /// ```
    fn on_wait_ended(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
        let _ = (ctx, ended);
        true
    }
}
