//! Transportable shadow copy sets and `ImportSnapshots` (R97, R113).
//!
//! A transportable `DoSnapshotSet` does not bring its copies onto the creating machine ("the
//! shadow copy is to be transported and therefore should not be surfaced locally"): it appends
//! the set's description to the Backup Components Document instead. Another requester, on this
//! machine or another, loads that document with `InitializeForBackup(bstrXML)` and calls
//! `ImportSnapshots`; the copies then exist on the importing machine, `IMPORTED`, and live as
//! the context they were created in says: auto-release copies go with the importer's release,
//! persistent ones stay until deleted.

use super::store::StoredCopy;
use super::Coordinator;
use crate::trace::TraceEvent;
use crate::vocab::{
    Attributes, Context, Hresult, IdKind, LunMapping, OsProfile, ProviderType, SessionNo,
    SnapshotContext, SnapshotDescription, SnapshotProperties, SnapshotSetDescription,
    SnapshotSetId, SnapshotState,
};

/// A transportable set this machine created, as far as imports on this machine need it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TransportedSet {
    pub(crate) set: SnapshotSetId,
    /// The requester that created it.
    pub(crate) creator: SessionNo,
    /// Its context is persistent: its LUNs outlive the creator.
    pub(crate) persistent: bool,
    /// How many times it was imported here.
    pub(crate) imports: u32,
}

impl Coordinator {
    /// `session`'s transportable set was created: its copies, described, go into the session's
    /// document instead of onto the machine.
    pub(crate) fn describe_transported_set(&mut self, session: SessionNo, copies: Vec<StoredCopy>) {
        let context = self.sessions[session.0 as usize].context();
        let set = copies
            .first()
            .map_or(SnapshotSetId::NULL, |c| c.properties.snapshot_set_id);
        let mut description = SnapshotSetDescription::new(set, Some(context.raw()));
        for copy in copies {
            let properties = copy.properties;
            // The original LUN's signature: the volume's GUID stands for it.
            let source = volume_guid(&properties.original_volume);
            let destination = Some(self.mint(IdKind::Lun));
            description.snapshots.push(SnapshotDescription {
                snapshot_id: properties.snapshot_id,
                provider_id: Some(properties.provider_id),
                attributes: Some(properties.attributes),
                originating_machine: Some(properties.originating_machine),
                service_machine: Some(properties.service_machine),
                original_volume: Some(properties.original_volume),
                timestamp: Some(properties.creation_timestamp),
                luns: vec![LunMapping {
                    source,
                    destination,
                }],
            });
        }
        self.transported.push(TransportedSet {
            set,
            creator: session,
            persistent: !context.base.is_auto_release(),
            imports: 0,
        });
        self.sessions[session.0 as usize].transport = Some(Box::new(description));
    }

    /// Whether `session` may call `ImportSnapshots` now: in backup mode with a document that
    /// describes a transportable set (R97), nothing else in flight, not imported yet.
    pub(crate) fn check_import(&self, session: SessionNo) -> Result<(), Hresult> {
        let s = &self.sessions[session.0 as usize];
        if s.imported.is_some() {
            return Err(Hresult::VSS_E_BAD_STATE);
        }
        if !s.loaded_document {
            // "this method has not been called from within the correct sequence": the
            // document of the set to import comes with InitializeForBackup(bstrXML).
            return Err(Hresult::VSS_E_BAD_STATE);
        }
        if !s.transport.as_ref().is_some_and(|d| d.is_transportable()) {
            return Err(Hresult::VSS_E_NONTRANSPORTABLE_BCD);
        }
        if self.os == OsProfile::Client {
            // "Minimum supported client: None supported."
            return Err(Hresult::VSS_E_UNSUPPORTED_CONTEXT);
        }
        Ok(())
    }

    /// The import runs: each described copy whose provider is registered here and can
    /// transport, that is not on the machine already and (for a set made here) can still be
    /// imported, comes onto the machine. Returns the operation's status: all copies, some, or
    /// none imported.
    pub(crate) fn import_set(&mut self, session: SessionNo) -> Hresult {
        let Some(description) = self.sessions[session.0 as usize].transport.clone() else {
            return Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED;
        };
        let context = description
            .context
            .and_then(|raw| Context::from_raw(raw).ok())
            .unwrap_or(Context {
                base: SnapshotContext::VSS_CTX_BACKUP,
                modifiers: Attributes::TRANSPORTABLE,
            });
        if !self.set_importable_here(description.snapshot_set_id) {
            return Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED;
        }
        let count = crate::coordinator::index_u32(description.snapshots.len());
        let mut imported = 0usize;
        for snapshot in &description.snapshots {
            let Some(copy) = self.imported_copy(session, &description, snapshot, context, count)
            else {
                continue;
            };
            imported += 1;
            if !self.planted(super::PlantedBug::ImportLosesCopies) {
                // Named as every copy of the volume is, when the volume is this machine's.
                let volume = copy.volume.map_or_else(
                    || copy.properties.original_volume.clone(),
                    |v| self.volume_name(v).to_owned(),
                );
                self.record(TraceEvent::ShadowCopyCreated {
                    session,
                    snapshot: copy.properties.snapshot_id,
                    set: copy.properties.snapshot_set_id,
                    context: context.raw(),
                    volume,
                    in_storage: false,
                });
                self.store.push(copy);
            }
        }
        if imported == 0 {
            return Hresult::VSS_E_NO_SNAPSHOTS_IMPORTED;
        }
        self.sessions[session.0 as usize].imported = Some(description.snapshot_set_id);
        if let Some(t) = self
            .transported
            .iter_mut()
            .find(|t| t.set == description.snapshot_set_id)
        {
            t.imports += 1;
        }
        if imported < description.snapshots.len() {
            Hresult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED
        } else {
            Hresult::VSS_S_ASYNC_FINISHED
        }
    }

    /// A set this machine transported can be imported here unless it was imported before on
    /// a Server 2003 (once only; several imports from Server 2008 on), or it is not persistent
    /// and its creator is gone ("nonpersistent shadow copies can be imported only during
    /// shadow copy creation"). A set from elsewhere: as far as this machine knows, yes.
    fn set_importable_here(&self, set: SnapshotSetId) -> bool {
        let Some(t) = self.transported.iter().find(|t| t.set == set) else {
            return true;
        };
        let once_only = self.os == OsProfile::Server2003 && t.imports > 0;
        let creator_gone = !t.persistent && !self.sessions[t.creator.0 as usize].is_live();
        !once_only && !creator_gone
    }

    /// The copy `snapshot` becomes on this machine, if it can be imported.
    fn imported_copy(
        &mut self,
        session: SessionNo,
        description: &SnapshotSetDescription,
        snapshot: &SnapshotDescription,
        context: Context,
        count: u32,
    ) -> Option<StoredCopy> {
        let provider = self.providers.iter().position(|p| {
            Some(p.id) == snapshot.provider_id && p.capabilities.contains(Attributes::TRANSPORTABLE)
        })?;
        if self
            .store
            .iter()
            .any(|c| c.properties.snapshot_id == snapshot.snapshot_id)
        {
            return None; // imported already, and not deleted since
        }
        let hardware =
            self.providers[provider].properties.provider_type == ProviderType::VSS_PROV_HARDWARE;
        let mut attributes =
            Attributes(snapshot.attributes.unwrap_or(context.raw())).union(Attributes::IMPORTED);
        if hardware {
            attributes = attributes.union(Attributes::HARDWARE_ASSISTED);
        }
        let original_volume = snapshot.original_volume.clone().unwrap_or_default();
        self.shadow_copies += 1;
        let device = format!(
            "\\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy{}",
            self.shadow_copies
        );
        // Only a set this machine made copies one of its volumes: another machine's volume may
        // have the same name, but it is not this one.
        let local = snapshot.originating_machine.as_deref() == Some(self.machine_name.as_str())
            && self
                .transported
                .iter()
                .any(|t| t.set == description.snapshot_set_id);
        let volume = local
            .then(|| self.known_volume(&original_volume).ok())
            .flatten();
        Some(StoredCopy {
            properties: SnapshotProperties {
                snapshot_id: snapshot.snapshot_id,
                snapshot_set_id: description.snapshot_set_id,
                snapshots_count: count,
                device_object: device,
                original_volume,
                originating_machine: snapshot.originating_machine.clone().unwrap_or_default(),
                service_machine: self.machine_name.clone(),
                exposed_name: None,
                exposed_path: None,
                provider_id: self.providers[provider].id,
                attributes: attributes.0,
                creation_timestamp: snapshot.timestamp.unwrap_or_default(),
                status: SnapshotState::VSS_SS_CREATED,
                created_at_ms: self.now_ms,
            },
            context,
            session,
            volume,
            diff_bytes: 0,
        })
    }
}

/// The GUID of a `\\?\Volume{GUID}\` name.
fn volume_guid(name: &str) -> Option<uuid::Uuid> {
    let inner = name.split_once('{')?.1.split_once('}')?.0;
    uuid::Uuid::try_parse(inner).ok()
}
