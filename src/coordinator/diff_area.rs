//! Shadow storage management (`IVssDifferentialSoftwareSnapshotMgmt`, what `vssadmin
//! add|resize|delete shadowstorage` call; R102, R103): where a volume's diff area lives and how
//! large it may grow. The interface manages the system provider's storage only.

use super::Coordinator;
use crate::trace::PurgeReason;
use crate::vocab::{Hresult, OsProfile, INITIAL_DIFF_AREA_BYTES};

/// A maximum for a diff area, as `llMaximumDiffSpace` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffAreaSize {
    /// `-1`: no limit (vssadmin's `UNBOUNDED`).
    Unbounded,
    /// At most this many bytes.
    Bytes(u64),
}

impl Coordinator {
    /// `AddDiffArea(for, on, max)`: places `for`'s shadow storage on `on` with maximum `max`.
    ///
    /// As documented: a maximum below 320 MB is `E_INVALIDARG`; a volume the machine lacks
    /// `VSS_E_OBJECT_NOT_FOUND`; an `on` volume that is not NTFS `VSS_E_VOLUME_NOT_SUPPORTED`;
    /// the same association again `VSS_E_OBJECT_ALREADY_EXISTS`; and, since "an association
    /// cannot be created if any shadow copies already exist for the volume or if there is
    /// already an association for that volume", another association (or existing copies)
    /// `VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED` (the code is inferred: the page gives the
    /// rule, not the code). Client SKUs do not have the method (`E_NOTIMPL`).
    pub fn add_diff_area(
        &mut self,
        for_volume: &str,
        on_volume: &str,
        max: DiffAreaSize,
    ) -> Result<(), Hresult> {
        if self.os == OsProfile::Client {
            return Err(Hresult::E_NOTIMPL);
        }
        if let DiffAreaSize::Bytes(bytes) = max {
            if bytes < INITIAL_DIFF_AREA_BYTES {
                return Err(Hresult::E_INVALIDARG);
            }
        }
        let volume = self.known_volume(for_volume)?;
        let on = self.known_volume(on_volume)?;
        if !self.volumes[on as usize]
            .spec
            .file_system
            .takes_persistent_copies()
        {
            return Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        let associated = self.has_association(volume);
        if associated && self.volumes[volume as usize].storage_on == on {
            return Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        if associated {
            return Err(Hresult::VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED);
        }
        let machine = &mut self.volumes[volume as usize];
        machine.explicit = true;
        machine.storage_on = on;
        machine.spec.max_storage_bytes = match max {
            DiffAreaSize::Unbounded => None,
            DiffAreaSize::Bytes(bytes) => Some(bytes),
        };
        Ok(())
    }

    /// `ChangeDiffAreaMaximumSize(for, on, max)`: a new maximum for `for`'s shadow storage on
    /// `on`; `Bytes(0)` deletes the association.
    ///
    /// On Windows 7 / Server 2008 R2 and later a missing association is created; before, it is
    /// `VSS_E_OBJECT_NOT_FOUND`, as is an association on another volume. A smaller maximum
    /// deletes the volume's oldest copies until the rest fit (R103; Windows says the change
    /// "may not have an immediate effect": the simulator applies it at once). Deleting the
    /// association while copies use it is `VSS_E_VOLUME_IN_USE` (inferred: the page lists the
    /// code without its condition). A maximum between 0 and 320 MB is `E_INVALIDARG`.
    pub fn change_diff_area_max(
        &mut self,
        for_volume: &str,
        on_volume: &str,
        max: DiffAreaSize,
    ) -> Result<u32, Hresult> {
        if let DiffAreaSize::Bytes(bytes) = max {
            if bytes != 0 && bytes < INITIAL_DIFF_AREA_BYTES {
                return Err(Hresult::E_INVALIDARG);
            }
        }
        let volume = self.known_volume(for_volume)?;
        let on = self.known_volume(on_volume)?;
        let old_os = !self.os.creates_missing_diff_area();
        let has_copies = self
            .store
            .iter()
            .any(|c| c.volume == Some(volume) && c.diff_bytes > 0);
        let associated = self.has_association(volume);
        if self.volumes[volume as usize].storage_on != on && associated {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        if !associated && (old_os || max == DiffAreaSize::Bytes(0)) {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        if max == DiffAreaSize::Bytes(0) {
            if has_copies {
                return Err(Hresult::VSS_E_VOLUME_IN_USE);
            }
            let machine = &mut self.volumes[volume as usize];
            machine.explicit = false;
            machine.storage_on = volume;
            machine.spec.max_storage_bytes = None;
            return Ok(0);
        }
        let machine = &mut self.volumes[volume as usize];
        machine.explicit = true;
        machine.storage_on = on;
        machine.spec.max_storage_bytes = match max {
            DiffAreaSize::Unbounded => None,
            DiffAreaSize::Bytes(bytes) => Some(bytes),
        };
        Ok(self.shrink_to_capacity(volume))
    }

    /// Deletes `volume`'s oldest copies until its shadow storage holds the rest (R103); how many
    /// went.
    fn shrink_to_capacity(&mut self, volume: u32) -> u32 {
        let capacity = self.storage_capacity(volume);
        let mut purged = 0;
        while self.storage_used_by(volume) > capacity
            && self.purge_oldest_copy(volume, PurgeReason::StorageLimit)
        {
            purged += 1;
        }
        purged
    }
}
