//! The machine's volumes and their shadow storage (issue 12 part 4; R16, R85, R102–R104):
//! which volume a requester's name means, what the system provider takes, how many copies a
//! volume may have, and what happens when its shadow storage runs out (R103: oldest first).

use super::store::StoredCopy;
use super::Coordinator;
use crate::trace::{PurgeReason, TraceEvent};
use crate::vocab::{
    volume_guid_path, Attributes, Context, Hresult, IdKind, ProviderNo, ProviderStep, SessionNo,
    ShadowStorage, Volume, MAX_COPIES_PER_VOLUME,
};

/// One volume of the machine, its names resolved.
#[derive(Clone, Debug)]
pub(crate) struct MachineVolume {
    pub(crate) spec: Volume,
    /// `\\?\Volume{GUID}\`.
    pub(crate) guid_path: String,
    /// Its shadow storage association is explicit (a maximum was set: in the machine's
    /// description, `AddDiffArea` or `ChangeDiffAreaMaximumSize`), so it stays when its copies
    /// go; an implicit one exists only while the volume has copies in storage ("it is not
    /// deleted automatically when all shadow copies are deleted" holds for explicit ones only).
    pub(crate) explicit: bool,
    /// The volume its shadow storage (diff area) is on: itself unless an administrator placed
    /// it elsewhere (`AddDiffArea`, `vssadmin add shadowstorage /on=`).
    pub(crate) storage_on: u32,
}

impl MachineVolume {
    /// The `index`-th volume of the machine.
    pub(crate) fn new(index: usize, spec: Volume) -> Self {
        let guid = spec
            .guid
            .unwrap_or_else(|| crate::vocab::minted_uuid(IdKind::Volume, index as u64 + 1));
        // A file share has no volume GUID path: its UNC name stands for it.
        let guid_path = if spec.is_file_share() {
            spec.name.clone()
        } else {
            volume_guid_path(guid)
        };
        Self {
            guid_path,
            explicit: spec.max_storage_bytes.is_some(),
            storage_on: super::index_u32(index),
            spec,
        }
    }

    /// `(C:)\\?\Volume{…}\`, as vssadmin prints a volume: a drive letter without its
    /// backslash, a mount folder with it.
    pub(crate) fn display(&self) -> String {
        let name = &self.spec.name;
        let shown = if name.len() == 3 && name.ends_with(":\\") {
            &name[..2]
        } else {
            name.as_str()
        };
        format!("({shown}){}", self.guid_path)
    }
}

impl Coordinator {
    /// The machine volume `name` means (R16: drive letter, mount folder or volume GUID path,
    /// with the trailing backslash; case-insensitive): `E_INVALIDARG` for an empty name,
    /// `VSS_E_OBJECT_NOT_FOUND` for a name no volume answers to.
    pub(crate) fn known_volume(&self, name: &str) -> Result<u32, Hresult> {
        if name.is_empty() {
            return Err(Hresult::E_INVALIDARG);
        }
        let found = self
            .volumes
            .iter()
            .position(|v| v.spec.answers_to(name, &v.guid_path))
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
        // Remote file shares are not supported until Windows 8 and Windows Server 2012: the old
        // profiles do not know the name (the code is a policy; the pages give none).
        if !self.os.supports_file_shares() && self.volumes[found].spec.is_file_share() {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        Ok(super::index_u32(found))
    }

    /// The volume holding `volume`'s virtual disk file, if `volume` is on a VHD.
    fn vhd_host(&self, volume: u32) -> Option<u32> {
        let host = self.volumes[volume as usize].spec.hosted_on.as_deref()?;
        self.known_volume(host).ok().filter(|&h| h != volume)
    }

    /// Why `volume` cannot join a set that holds `in_set`, as far as virtual disks go: a VHD
    /// inside another VHD, or a VHD together with the volume holding it, is
    /// `VSS_E_NESTED_VOLUME_LIMIT` (`AddToSnapshotSet`'s page; Windows 7 / Server 2008 R2 and
    /// later). The profiles before them do not support VHDs at all: `VSS_E_VOLUME_NOT_SUPPORTED`
    /// (inferred: their pages say only that VHDs are not supported).
    pub(crate) fn nesting_problem(&self, volume: u32, in_set: &[u32]) -> Option<Hresult> {
        let host = self.vhd_host(volume);
        if host.is_some() && !self.os.supports_virtual_disks() {
            return Some(Hresult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        let nested = host.is_some_and(|h| self.vhd_host(h).is_some());
        let with_host = host.is_some_and(|h| in_set.contains(&h));
        let with_guest = in_set.iter().any(|&v| self.vhd_host(v) == Some(volume));
        (nested || with_host || with_guest).then_some(Hresult::VSS_E_NESTED_VOLUME_LIMIT)
    }

    /// The `\\?\Volume{GUID}\` path of the volume `name` names: see `Vss::volume_guid_path`.
    pub fn volume_guid_path(&self, name: &str) -> Option<String> {
        let volume = self.known_volume(name).ok()?;
        Some(self.volumes[volume as usize].guid_path.clone())
    }

    /// `(C:)\\?\Volume{…}\` for the volume `name` names: see `Vss::volume_display`.
    pub fn volume_display(&self, name: &str) -> Option<String> {
        let volume = self.known_volume(name).ok()?;
        Some(self.volumes[volume as usize].display())
    }

    /// The volume the file or folder `path` is on: environment variables expanded
    /// ([`crate::vocab::expand_environment`]), then the volume whose name or mount folder is
    /// the longest leading part of the path (`C:\Mount\Data\x` is on the volume mounted at
    /// `C:\Mount\`, not on `C:\`); `None` when no volume of the machine holds it.
    pub(crate) fn volume_of_path(&self, path: &str) -> Option<u32> {
        let path = crate::vocab::expand_environment(path);
        let mut best: Option<(usize, usize)> = None;
        for (index, volume) in self.volumes.iter().enumerate() {
            let names = std::iter::once(&volume.spec.name)
                .chain(&volume.spec.mount_points)
                .chain(std::iter::once(&volume.guid_path));
            for name in names {
                if crate::vocab::path_is_under(&path, name)
                    && best.is_none_or(|(_, len)| name.len() > len)
                {
                    best = Some((index, name.len()));
                }
            }
        }
        best.map(|(index, _)| super::index_u32(index))
    }

    /// The machine's volumes by name (drive letter or mount folder), in order.
    pub fn volume_names(&self) -> Vec<String> {
        self.volumes.iter().map(|v| v.spec.name.clone()).collect()
    }

    /// The size in bytes of the volume `name` names.
    pub fn volume_size(&self, name: &str) -> Option<u64> {
        let volume = self.known_volume(name).ok()?;
        Some(self.volumes[volume as usize].spec.size_bytes)
    }

    /// The name of the volume vssadmin displays as `display` (`(C:)\\?\Volume{…}\`).
    pub fn volume_name_of_display(&self, display: &str) -> Option<String> {
        self.volumes
            .iter()
            .find(|v| v.display() == display)
            .map(|v| v.spec.name.clone())
    }

    /// The volume `path` is on, by its name: see `Vss::volume_of_path`.
    pub fn volume_name_of_path(&self, path: &str) -> Option<String> {
        self.volume_of_path(path)
            .map(|volume| self.volume_name(volume).to_owned())
    }

    /// The names of the volumes in `session`'s snapshot set, in the order they were added.
    pub fn set_volume_names(&self, session: SessionNo) -> Vec<String> {
        self.session(session)
            .and_then(|s| s.set.data())
            .map(|data| {
                data.snapshots
                    .iter()
                    .map(|r| self.volume_name(r.volume).to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The shadow storage associations: see `Vss::shadow_storage`.
    pub fn shadow_storage(&self) -> Vec<ShadowStorage> {
        (0..self.volumes.len())
            .filter(|&v| self.has_association(super::index_u32(v)))
            .map(|v| {
                let volume = &self.volumes[v];
                let used = self.storage_used(super::index_u32(v));
                ShadowStorage {
                    for_volume: volume.display(),
                    storage_volume: self.volumes[volume.storage_on as usize].display(),
                    used_bytes: used,
                    allocated_bytes: used,
                    max_bytes: volume.spec.max_storage_bytes,
                    volume_bytes: volume.spec.size_bytes,
                }
            })
            .collect()
    }

    /// The name providers and writers know volume `volume` by: its drive letter or mount folder.
    pub(crate) fn volume_name(&self, volume: u32) -> &str {
        &self.volumes[volume as usize].spec.name
    }

    /// Whether VSS lets `provider` copy `volume` in `context`, before asking the provider:
    /// the system provider takes every non-removable local volume (R85) and only it makes
    /// client-accessible copies (R105); a provider lacking a modifier the context asks for
    /// (`TRANSPORTABLE`, `DIFFERENTIAL`, `PLEX`) is passed over (R18); no provider makes a
    /// persistent copy of a volume that is not NTFS (R104).
    pub(crate) fn volume_rules_allow(
        &self,
        provider: ProviderNo,
        volume: u32,
        context: Context,
    ) -> bool {
        let spec = &self.volumes[volume as usize].spec;
        let system = self.is_system_provider(provider);
        let file_share_provider = self.providers[provider.0 as usize].properties.provider_type
            == crate::vocab::ProviderType::VSS_PROV_FILESHARE;
        if spec.is_file_share() {
            // Only the File Share Shadow Copy provider copies a share, and not client-accessible
            // or transportable copies ("unsupported VSS capabilities" of SMB shares).
            return file_share_provider
                && !context.base.is_client_accessible()
                && !context.modifiers.contains(Attributes::TRANSPORTABLE);
        }
        if file_share_provider
            || system && spec.removable
            || context.base.is_client_accessible() && !system
        {
            return false;
        }
        let asked = Attributes(context.modifiers.0 & Attributes::PROVIDER_CAPABILITIES.0);
        self.providers[provider.0 as usize]
            .capabilities
            .contains(asked)
            && (context.base.is_auto_release() || spec.file_system.takes_persistent_copies())
    }

    /// The providers VSS asks, in order, for `GUID_NULL` (R85): hardware, software, then the
    /// system provider, each kind in registration order.
    pub(crate) fn providers_by_rank(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.providers.len()).collect();
        order.sort_by_key(|&i| {
            crate::provider::ProviderInfo::selection_rank(
                self.providers[i].properties.provider_type,
            )
        });
        order
    }

    /// R102: `volume` already has the most software shadow copies the system provider keeps of
    /// a volume, counting those in sets being created (other providers' copies are theirs to
    /// limit).
    pub(crate) fn volume_copies_full(&self, volume: u32) -> bool {
        let stored = self
            .store
            .iter()
            .filter(|c| c.volume == Some(volume) && c.diff_bytes > 0)
            .count();
        let pending: usize = self
            .sessions
            .iter()
            .filter_map(|s| match &s.set {
                super::session::SetState::InCreation(data) => Some(data),
                _ => None,
            })
            .map(|data| {
                data.snapshots
                    .iter()
                    .filter(|r| r.volume == volume && self.is_system_provider(r.provider))
                    .count()
            })
            .sum();
        stored + pending >= MAX_COPIES_PER_VOLUME
    }

    /// The system provider's `EndPrepareSnapshots` for `session`'s set: a volume whose shadow
    /// storage cannot hold a new copy's initial diff area, even with every older copy deleted,
    /// fails the preparation with `VSS_E_INSUFFICIENT_STORAGE` (R87, field failure 19).
    pub(crate) fn storage_shortfall(
        &self,
        session: SessionNo,
        provider: ProviderNo,
        step: ProviderStep,
    ) -> Option<Hresult> {
        if step != ProviderStep::EndPrepareSnapshots || !self.is_system_provider(provider) {
            return None;
        }
        let data = self.sessions[session.0 as usize].set.data()?;
        data.snapshots
            .iter()
            .filter(|r| r.provider == provider)
            .any(|r| {
                let spec = &self.volumes[r.volume as usize].spec;
                spec.initial_diff_area() > self.storage_capacity(r.volume)
            })
            .then_some(Hresult::VSS_E_INSUFFICIENT_STORAGE)
    }

    /// The shadow storage `volume`'s copies may use: its association's maximum, within the free
    /// space of the volume the storage is on.
    pub(crate) fn storage_capacity(&self, volume: u32) -> u64 {
        let machine = &self.volumes[volume as usize];
        let on = &self.volumes[machine.storage_on as usize].spec;
        let free = on.free_bytes.unwrap_or(on.size_bytes / 2);
        machine
            .spec
            .max_storage_bytes
            .map_or(free, |max| max.min(free))
    }

    /// Whether `volume` has a shadow storage association: an explicit one, or copies in storage.
    pub(crate) fn has_association(&self, volume: u32) -> bool {
        self.volumes[volume as usize].explicit
            || self
                .store
                .iter()
                .any(|c| c.volume == Some(volume) && c.diff_bytes > 0)
    }

    /// Shadow storage `volume`'s copies use now (for `diff_area`).
    pub(crate) fn storage_used_by(&self, volume: u32) -> u64 {
        self.storage_used(volume)
    }

    /// Deletes `volume`'s oldest copy in shadow storage; false if it has none.
    pub(crate) fn purge_oldest_copy(&mut self, volume: u32, reason: PurgeReason) -> bool {
        self.purge_oldest(volume, reason, |c| c.diff_bytes > 0)
            .is_some()
    }

    /// The final commit (`PreFinalCommitSnapshots`) of a provider whose copies have no device
    /// (field failure 16): when the set is auto-recovered, VSS cannot open the copy and fails
    /// the set with `VSS_E_OBJECT_NOT_FOUND`, as QEMU's guest agent reports. A set is
    /// auto-recovered when writers take part and the requester did not ask for
    /// `NO_AUTORECOVERY`; on `Server2003` and `Server2008` always (QEMU: "On Windows earlier than
    /// 2008 SP2 which does not support VSS_VOLSNAP_ATTR_NO_AUTORECOVERY context, the final
    /// commit is not skipped"; the code on current Windows without the attribute is inferred).
    pub(crate) fn final_commit_failure(
        &self,
        session: SessionNo,
        provider: ProviderNo,
        step: ProviderStep,
    ) -> Option<Hresult> {
        if step != ProviderStep::PreFinalCommitSnapshots
            || self.providers[provider.0 as usize].surfaces_copies
        {
            return None;
        }
        let context = self.sessions[session.0 as usize].context();
        context
            .auto_recovered_on(self.os)
            .then_some(Hresult::VSS_E_OBJECT_NOT_FOUND)
    }

    /// Shadow storage `volume`'s copies use now.
    fn storage_used(&self, volume: u32) -> u64 {
        self.store
            .iter()
            .filter(|c| c.volume == Some(volume))
            .map(|c| c.diff_bytes)
            .fold(0, u64::saturating_add)
    }

    /// A new copy of `volume` needs `need` bytes of shadow storage: the oldest copies of the
    /// volume are deleted until it fits (R103); a client-accessible one beyond the
    /// `MaxShadowCopies` limit deletes the oldest client-accessible copy (R102).
    pub(crate) fn make_room(&mut self, volume: u32, need: u64, client_accessible: bool) {
        let capacity = self.storage_capacity(volume);
        let mut used = self.storage_used(volume);
        while used.saturating_add(need) > capacity {
            match self.purge_oldest(volume, PurgeReason::StorageLimit, |c| c.diff_bytes > 0) {
                Some(freed) => used = used.saturating_sub(freed),
                None => break,
            }
        }
        if client_accessible {
            let max = self.max_client_accessible_copies as usize;
            let is_client = |c: &StoredCopy| c.context.base.is_client_accessible();
            let mut count = self
                .store
                .iter()
                .filter(|c| c.volume == Some(volume) && is_client(c))
                .count();
            while count >= max
                && self
                    .purge_oldest(volume, PurgeReason::CopyLimit, is_client)
                    .is_some()
            {
                count -= 1;
            }
        }
    }

    /// Deletes the oldest copy of `volume` that `which` accepts; the shadow storage it freed,
    /// or `None` if there is no such copy.
    fn purge_oldest(
        &mut self,
        volume: u32,
        reason: PurgeReason,
        which: impl Fn(&StoredCopy) -> bool,
    ) -> Option<u64> {
        let at = self
            .store
            .iter()
            .position(|c| c.volume == Some(volume) && which(c))?;
        let copy = self.store.remove(at);
        self.record(TraceEvent::ShadowCopyPurged {
            snapshot: copy.properties.snapshot_id,
            reason,
        });
        Some(copy.diff_bytes)
    }

    /// The host writes `bytes` to a volume: see `Vss::write_to_volume`.
    pub fn write_to_volume(&mut self, name: &str, bytes: u64) -> Result<u32, Hresult> {
        let volume = self.known_volume(name)?;
        // The copy-on-write goes to the newest copy in the volume's shadow storage.
        let Some(newest) = self
            .store
            .iter_mut()
            .rev()
            .find(|c| c.volume == Some(volume) && c.diff_bytes > 0)
        else {
            return Ok(0);
        };
        newest.diff_bytes = newest.diff_bytes.saturating_add(bytes);
        let capacity = self.storage_capacity(volume);
        let mut used = self.storage_used(volume);
        let mut purged = 0;
        while used > capacity {
            match self.purge_oldest(volume, PurgeReason::StorageLimit, |c| c.diff_bytes > 0) {
                Some(freed) => used = used.saturating_sub(freed),
                None => break,
            }
            purged += 1;
        }
        Ok(purged)
    }
}
