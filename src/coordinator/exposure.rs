//! `ExposeSnapshot` and `BreakSnapshotSet` (issue 12 part 2; R107): what a requester may do with
//! a shadow copy on the machine besides listing and deleting it.
//!
//! The documented errors are generic; where the documentation names no code for a refusal
//! (exposing a non-persistent or client-accessible copy, a drive letter or share in use), the
//! simulator answers `E_INVALIDARG`, the one "a parameter is not valid" code the method lists.

use super::Coordinator;
use crate::trace::TraceEvent;
use crate::vocab::{Attributes, Hresult, ProviderType, SessionNo, SnapshotId, SnapshotSetId};

/// A checked `ExposeSnapshot`: the copy and the name it will be exposed as.
#[derive(Debug)]
pub(crate) struct Exposure {
    snapshot: SnapshotId,
    name: String,
    path_from_root: Option<String>,
    attribute: Attributes,
}

impl Coordinator {
    /// R107: whether `session` may expose `snapshot` as asked, and as what name.
    pub(crate) fn check_expose(
        &self,
        session: SessionNo,
        snapshot: SnapshotId,
        path_from_root: Option<&str>,
        attributes: u32,
        expose: Option<&str>,
    ) -> Result<Exposure, Hresult> {
        let attribute = Attributes(attributes);
        let locally = attribute == Attributes::EXPOSED_LOCALLY;
        if !locally && attribute != Attributes::EXPOSED_REMOTELY {
            return Err(Hresult::E_INVALIDARG);
        }
        let copy = self
            .stored_copy(session, snapshot)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
        // Client-accessible copies serve Shadow Copies for Shared Folders and are never exposed;
        // only persistent copies are exposed locally (R107); a copy is exposed once.
        let persistent = !copy.context.base.is_auto_release();
        if copy.context.base.is_client_accessible()
            || locally && !persistent
            || copy.properties.exposed_name.is_some()
        {
            return Err(Hresult::E_INVALIDARG);
        }
        let name = match (locally, expose, path_from_root) {
            // `X:\` is `X:`, `C:\Dir\` is `C:\Dir`.
            (true, Some(name), None) => {
                let name = name.strip_suffix('\\').unwrap_or(name);
                if !self.free_local_name(name) {
                    return Err(Hresult::E_INVALIDARG);
                }
                name.to_owned()
            }
            (false, Some(share), _) if !share.is_empty() && self.free_share(share) => {
                share.to_owned()
            }
            // VSS picks the share name (inferred: the copy's device name, or its id).
            (false, None, _) => {
                let device = copy.properties.device_object.rsplit('\\').next();
                match device.filter(|d| !d.is_empty() && self.free_share(d)) {
                    Some(device) => device.to_owned(),
                    None => snapshot.to_string(),
                }
            }
            _ => return Err(Hresult::E_INVALIDARG),
        };
        Ok(Exposure {
            snapshot,
            name,
            path_from_root: path_from_root.filter(|_| !locally).map(str::to_owned),
            attribute,
        })
    }

    /// `X:` not used by a volume or an exposed copy, or a folder `Y:\Dir` on a volume of the
    /// machine, not used by an exposed copy.
    fn free_local_name(&self, name: &str) -> bool {
        let taken = |candidate: &str| {
            self.store.iter().any(|c| {
                c.properties
                    .exposed_name
                    .as_deref()
                    .is_some_and(|n| crate::vocab::same_path(n, candidate))
            })
        };
        let bytes = name.as_bytes();
        let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
        if !drive || taken(name) {
            return false;
        }
        let root = format!("{}\\", &name[..2]);
        let on_a_volume = self.known_volume(&root).is_ok();
        if bytes.len() == 2 {
            !on_a_volume // a drive letter must be free
        } else {
            // A folder on a volume, not already another volume's mount folder.
            on_a_volume
                && bytes[2] == b'\\'
                && bytes.len() > 3
                && self.known_volume(&format!("{name}\\")).is_err()
        }
    }

    /// No exposed copy is shared under `share`.
    fn free_share(&self, share: &str) -> bool {
        !self.store.iter().any(|c| {
            c.properties.attributes & Attributes::EXPOSED_REMOTELY.0 != 0
                && c.properties
                    .exposed_name
                    .as_deref()
                    .is_some_and(|n| crate::vocab::same_path(n, share))
        })
    }

    /// Exposes a checked copy; returns its name.
    pub(crate) fn expose(&mut self, session: SessionNo, exposure: Exposure) -> String {
        if let Some(copy) = self
            .store
            .iter_mut()
            .find(|c| c.properties.snapshot_id == exposure.snapshot)
        {
            copy.properties.exposed_name = Some(exposure.name.clone());
            copy.properties.exposed_path = exposure.path_from_root;
            copy.properties.attributes |= exposure.attribute.0;
        }
        self.record(TraceEvent::ShadowCopyExposed {
            session,
            snapshot: exposure.snapshot,
            name: exposure.name.clone(),
        });
        exposure.name
    }

    /// `UnexposeSnapshot(snapshot)`: the copy, if `session` sees it and it is exposed
    /// (`VSS_E_OBJECT_NOT_FOUND`: "The specified shadow copy does not exist or is not exposed.").
    pub(crate) fn check_unexpose(
        &self,
        session: SessionNo,
        snapshot: SnapshotId,
    ) -> Result<SnapshotId, Hresult> {
        self.stored_copy(session, snapshot)
            .filter(|copy| copy.properties.exposed_name.is_some())
            .map(|_| snapshot)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)
    }

    /// Unexposes a checked copy: its name and path go, and with them its `EXPOSED_*` bit.
    pub(crate) fn unexpose(&mut self, session: SessionNo, snapshot: SnapshotId) {
        if let Some(copy) = self
            .store
            .iter_mut()
            .find(|c| c.properties.snapshot_id == snapshot)
        {
            copy.properties.exposed_name = None;
            copy.properties.exposed_path = None;
            copy.properties.attributes &=
                !(Attributes::EXPOSED_LOCALLY.0 | Attributes::EXPOSED_REMOTELY.0);
        }
        self.record(TraceEvent::ShadowCopyUnexposed { session, snapshot });
    }

    /// `BreakSnapshotSet(set)`: the set's copies `session` sees, if a hardware provider made
    /// every one (a software provider's copies cannot be broken: `VSS_E_PROVIDER_VETO`).
    pub(crate) fn check_break(
        &self,
        session: SessionNo,
        set: SnapshotSetId,
    ) -> Result<SnapshotSetId, Hresult> {
        let viewer = self.sessions[session.0 as usize].context();
        let copies: Vec<_> = self
            .store
            .iter()
            .filter(|c| c.properties.snapshot_set_id == set && c.seen_from(viewer))
            .collect();
        if copies.is_empty() {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        let hardware = copies.iter().all(|c| {
            self.providers
                .iter()
                .find(|p| p.id == c.properties.provider_id)
                .is_some_and(|p| p.properties.provider_type == ProviderType::VSS_PROV_HARDWARE)
        });
        if hardware {
            Ok(set)
        } else {
            Err(Hresult::VSS_E_PROVIDER_VETO)
        }
    }

    /// VSS forgets `set`: its copies leave the store.
    pub(crate) fn break_set(&mut self, session: SessionNo, set: SnapshotSetId) {
        self.store.retain(|c| c.properties.snapshot_set_id != set);
        self.record(TraceEvent::SnapshotSetBroken { session, set });
    }
}
