//! `RevertToSnapshot` and `QueryRevertStatus`: a volume goes back to one of its persistent
//! shadow copies (Microsoft's `RevertToSnapshot` page; DiskShadow's `revert`, vssadmin's
//! `revert shadow`).
//!
//! The simulated volumes hold no data, so a revert has nothing to copy back: it ends at once,
//! and `QueryRevertStatus` answers an operation that is already finished. The copies of the
//! volume made after the one reverted to are deleted (`ShadowCopyPurged`, `Reverted`): they
//! describe states the volume will no longer pass through (inferred; the pages do not say).
//! Imported copies stay: they live on their own LUNs.

use super::Coordinator;
use crate::trace::{PurgeReason, TraceEvent};
use crate::vocab::{Hresult, OsProfile, ProviderType, SessionNo, SnapshotId};

impl Coordinator {
    /// Whether `session` may revert to `snapshot` (the page's codes, in the order a requester
    /// meets them): the volume it is a copy of.
    pub(crate) fn check_revert(
        &self,
        session: SessionNo,
        snapshot: SnapshotId,
        force_dismount: bool,
    ) -> Result<u32, Hresult> {
        if self.os == OsProfile::Client {
            // "This method is only supported on Windows Server operating systems."
            return Err(Hresult::E_NOTIMPL);
        }
        let copy = self
            .stored_copy(session, snapshot)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
        let provider = self
            .providers
            .iter()
            .find(|p| p.id == copy.properties.provider_id)
            .ok_or(Hresult::VSS_E_PROVIDER_NOT_REGISTERED)?;
        if copy.context.base.is_auto_release() {
            return Err(Hresult::VSS_E_UNSUPPORTED_CONTEXT); // persistent copies only
        }
        // Reverting is a software provider's method (IVssSoftwareSnapshotProvider); the
        // hardware and file-share providers have none.
        if matches!(
            provider.properties.provider_type,
            ProviderType::VSS_PROV_HARDWARE | ProviderType::VSS_PROV_FILESHARE
        ) {
            return Err(Hresult::E_NOTIMPL);
        }
        // A copy of another machine's volume, or of the volume Windows runs from (its
        // `%SystemRoot%`), cannot be reverted here.
        let volume = copy.volume.ok_or(Hresult::VSS_E_VOLUME_NOT_SUPPORTED)?;
        if self.volume_of_path("C:\\Windows") == Some(volume) {
            return Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        if self.volumes[volume as usize].spec.in_use && !force_dismount {
            return Err(Hresult::VSS_E_VOLUME_IN_USE);
        }
        Ok(volume)
    }

    /// The revert: the volume is the copy again; the copies made after it go.
    pub(crate) fn revert(&mut self, session: SessionNo, snapshot: SnapshotId, volume: u32) {
        self.record(TraceEvent::VolumeReverted {
            session,
            snapshot,
            volume: self.volume_name(volume).to_owned(),
        });
        let Some(at) = self
            .store
            .iter()
            .position(|c| c.properties.snapshot_id == snapshot)
        else {
            return;
        };
        // Imported copies live on their own LUNs, made elsewhere or before: a revert of the
        // volume does not touch them.
        let newer: Vec<SnapshotId> = self.store[at + 1..]
            .iter()
            .filter(|c| {
                c.volume == Some(volume)
                    && !crate::vocab::Attributes(c.properties.attributes)
                        .contains(crate::vocab::Attributes::IMPORTED)
            })
            .map(|c| c.properties.snapshot_id)
            .collect();
        for snapshot in newer {
            self.store.retain(|c| c.properties.snapshot_id != snapshot);
            self.record(TraceEvent::ShadowCopyPurged {
                snapshot,
                reason: PurgeReason::Reverted,
            });
        }
    }

    /// Whether `QueryRevertStatus(volume)` may be asked: a server, a volume of this machine.
    pub(crate) fn check_revert_status(&self, volume: &str) -> Result<(), Hresult> {
        if self.os == OsProfile::Client {
            return Err(Hresult::E_NOTIMPL);
        }
        let volume = self.known_volume(volume)?;
        if self.volumes[volume as usize].spec.is_file_share() {
            return Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        Ok(())
    }
}
