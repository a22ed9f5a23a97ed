//! The shadow copy store (issue 12 part 2; R32–R34, R104, R107): every shadow copy a created set
//! holds is an object on the machine, outliving its requester if its context is persistent.
//! `Query` lists the completed copies the caller's context sees; `DeleteSnapshots` removes
//! copies by id or by set; a requester's release removes its auto-release copies.

use super::Coordinator;
use crate::trace::TraceEvent;
use crate::vocab::{
    vss_timestamp, Attributes, Context, Hresult, ObjectType, ProviderId, ProviderNo, SessionNo,
    SnapshotContext, SnapshotId, SnapshotProperties, SnapshotSetId, SnapshotState,
};

/// One shadow copy on the machine.
#[derive(Clone, Debug)]
pub(crate) struct StoredCopy {
    pub(crate) properties: SnapshotProperties,
    /// The context it was made in.
    pub(crate) context: Context,
    /// The requester whose set it belongs to (its release removes an auto-release copy).
    pub(crate) session: SessionNo,
    /// The machine volume it copies (an imported copy of another machine's volume: none).
    pub(crate) volume: Option<u32>,
    /// The shadow storage its diff area takes (R103): the system provider's copies only;
    /// other providers keep their copies elsewhere (0).
    pub(crate) diff_bytes: u64,
}

impl StoredCopy {
    /// R34: a requester in `viewer`'s context sees it (`VSS_CTX_ALL` sees every copy).
    pub(crate) fn seen_from(&self, viewer: Context) -> bool {
        viewer.base == SnapshotContext::VSS_CTX_ALL || viewer.base == self.context.base
    }
}

impl Coordinator {
    /// `session`'s set was created: its shadow copies are now on the machine (R45, R104).
    pub(crate) fn store_created_set(&mut self, session: SessionNo) {
        let s = &self.sessions[session.0 as usize];
        let context = s.context();
        let Some(data) = s.set.data() else {
            return;
        };
        let count = super::index_u32(data.snapshots.len());
        let mut created = Vec::with_capacity(data.snapshots.len());
        for (record, volume) in data.snapshots.iter().zip(&data.volumes) {
            let provider_id = self
                .providers
                .get(record.provider.0 as usize)
                .map_or(ProviderId::NULL, |p| p.id);
            let machine_volume = &self.volumes[record.volume as usize];
            let created_ms = i64::try_from(data.created_at_ms).unwrap_or(i64::MAX);
            created.push(StoredCopy {
                properties: SnapshotProperties {
                    snapshot_id: record.id,
                    snapshot_set_id: data.id,
                    snapshots_count: count,
                    device_object: volume.device.clone().unwrap_or_default(),
                    original_volume: machine_volume.guid_path.clone(),
                    // A share's copy is made by its file server.
                    originating_machine: if machine_volume.spec.is_file_share() {
                        machine_volume
                            .spec
                            .name
                            .trim_start_matches('\\')
                            .split('\\')
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    } else {
                        self.machine_name.clone()
                    },
                    service_machine: self.machine_name.clone(),
                    exposed_name: None,
                    exposed_path: None,
                    provider_id,
                    attributes: self.copy_attributes(record.provider, context),
                    creation_timestamp: vss_timestamp(
                        self.wall_clock_epoch_ms.saturating_add(created_ms),
                    ),
                    status: SnapshotState::VSS_SS_CREATED,
                    created_at_ms: data.created_at_ms,
                },
                context,
                session,
                volume: Some(record.volume),
                diff_bytes: if self.is_system_provider(record.provider) {
                    machine_volume.spec.initial_diff_area()
                } else {
                    0
                },
            });
        }
        if context.modifiers.contains(Attributes::TRANSPORTABLE) {
            // Not surfaced here: described in the document, for ImportSnapshots (R97).
            self.describe_transported_set(session, created);
            return;
        }
        for copy in created {
            let volume = copy.volume.unwrap_or_default();
            // The new copy's diff area needs room: older copies of the volume may go (R103).
            if copy.diff_bytes > 0 {
                self.make_room(volume, copy.diff_bytes, context.base.is_client_accessible());
            }
            self.record(TraceEvent::ShadowCopyCreated {
                session,
                snapshot: copy.properties.snapshot_id,
                set: copy.properties.snapshot_set_id,
                context: context.raw(),
                volume: self.volume_name(volume).to_owned(),
                in_storage: copy.diff_bytes > 0,
            });
            self.store.push(copy);
        }
    }

    /// `m_lSnapshotAttributes` of a copy `provider` made in `context`: the context's bits and
    /// the requester's modifiers; the system provider's copies are differential (copy-on-write,
    /// as `vssadmin list shadows` shows them), and in a context with writers and without
    /// `NO_AUTORECOVERY` (where the OS honours it) they are auto-recovered (inferred from
    /// published `vssadmin` output).
    fn copy_attributes(&self, provider: ProviderNo, context: Context) -> u32 {
        let mut bits = context.base.attributes().union(context.modifiers);
        let file_share = self.providers.get(provider.0 as usize).is_some_and(|p| {
            p.properties.provider_type == crate::vocab::ProviderType::VSS_PROV_FILESHARE
        });
        if file_share {
            // `VSS_VOLSNAP_ATTR_FILE_SHARE` (0x04400009 in Microsoft's published example).
            bits = bits.union(Attributes::FILE_SHARE);
        }
        if self.is_system_provider(provider) {
            bits = bits.union(Attributes::DIFFERENTIAL);
        }
        let hardware = self.providers.get(provider.0 as usize).is_some_and(|p| {
            p.properties.provider_type == crate::vocab::ProviderType::VSS_PROV_HARDWARE
        });
        if hardware {
            // "This attribute is automatically set for hardware providers."
            bits = bits.union(Attributes::HARDWARE_ASSISTED);
        }
        if context.auto_recovered_on(self.os) {
            bits = bits.union(Attributes::AUTORECOVER);
        }
        bits.0
    }

    /// Whether `provider` is the system provider (by its kind).
    pub(crate) fn is_system_provider(&self, provider: ProviderNo) -> bool {
        self.providers.get(provider.0 as usize).is_some_and(|p| {
            p.properties.provider_type == crate::vocab::ProviderType::VSS_PROV_SYSTEM
        })
    }

    /// The copy `snapshot`, if it is on the machine and `session`'s context sees it.
    pub(crate) fn stored_copy(
        &self,
        session: SessionNo,
        snapshot: SnapshotId,
    ) -> Option<&StoredCopy> {
        let viewer = self.sessions[session.0 as usize].context();
        self.store
            .iter()
            .find(|copy| copy.properties.snapshot_id == snapshot && copy.seen_from(viewer))
    }

    /// `session` is released (or lost its service): the auto-release copies of the set it
    /// created, and of the set it imported, go (R32, R104); persistent ones stay. Each set's
    /// deletion is recorded with what was left of its copies (DeleteSnapshots may have taken
    /// some).
    pub(crate) fn release_auto_copies(&mut self, session: SessionNo) {
        let s = &self.sessions[session.0 as usize];
        let created = (matches!(s.set, super::session::SetState::Created(_))
            && s.context().base.is_auto_release())
        .then(|| s.set.id());
        let imported = s.imported.filter(|set| {
            Some(*set) != created
                && self.store.iter().any(|c| {
                    c.session == session
                        && c.properties.snapshot_set_id == *set
                        && c.context.base.is_auto_release()
                })
        });
        for set in [created, imported].into_iter().flatten() {
            let before = self.store.len();
            self.store.retain(|copy| {
                copy.session != session
                    || copy.properties.snapshot_set_id != set
                    || !copy.context.base.is_auto_release()
            });
            let count = super::index_u32(before - self.store.len());
            self.record(TraceEvent::SnapshotsDeleted {
                session,
                set,
                count,
            });
        }
    }

    /// `Query` by `session` (R34, R107): the completed copies its context sees, oldest first.
    pub(crate) fn query_copies(&mut self, session: SessionNo) -> Vec<SnapshotProperties> {
        let viewer = self.sessions[session.0 as usize].context();
        let copies: Vec<SnapshotProperties> = self
            .store
            .iter()
            .filter(|copy| {
                copy.seen_from(viewer) || self.planted(super::PlantedBug::QuerySeesEveryContext)
            })
            .map(|copy| copy.properties.clone())
            .collect();
        self.record(TraceEvent::SnapshotsListed {
            session,
            snapshots: copies.iter().map(|c| c.snapshot_id).collect(),
        });
        copies
    }

    /// The copies `DeleteSnapshots(id, object)` by `session` would delete, in store order
    /// (R33): the copy, or every copy of the set, that its context sees.
    pub(crate) fn copies_to_delete(
        &self,
        session: SessionNo,
        id: uuid::Uuid,
        object: ObjectType,
    ) -> Result<Vec<SnapshotId>, Hresult> {
        let viewer = self.sessions[session.0 as usize].context();
        let matches = |copy: &&StoredCopy| match object {
            ObjectType::VSS_OBJECT_SNAPSHOT => copy.properties.snapshot_id == SnapshotId(id),
            ObjectType::VSS_OBJECT_SNAPSHOT_SET => {
                copy.properties.snapshot_set_id == SnapshotSetId(id)
            }
            _ => false,
        };
        if !matches!(
            object,
            ObjectType::VSS_OBJECT_SNAPSHOT | ObjectType::VSS_OBJECT_SNAPSHOT_SET
        ) {
            return Err(Hresult::E_INVALIDARG);
        }
        let found: Vec<SnapshotId> = self
            .store
            .iter()
            .filter(|copy| copy.seen_from(viewer))
            .filter(matches)
            .map(|copy| copy.properties.snapshot_id)
            .collect();
        if found.is_empty() {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        Ok(found)
    }

    /// Deletes `copies` one by one for `session` (R33); returns how many.
    pub(crate) fn delete_copies(&mut self, session: SessionNo, copies: &[SnapshotId]) -> u32 {
        for snapshot in copies {
            self.store
                .retain(|copy| copy.properties.snapshot_id != *snapshot);
            self.record(TraceEvent::ShadowCopyDeleted {
                session,
                snapshot: *snapshot,
            });
        }
        super::index_u32(copies.len())
    }
}
