//! What a machine carries from one run to the next ([`MachineState`]; issue 14 part 2): its
//! persistent shadow copies, writer status, shadow storage settings, ids and clock.

use super::store::StoredCopy;
use super::{Coordinator, WriterStatusNow};
use crate::trace::TraceEvent;
use crate::vocab::{
    Context, MachineState, SavedCopy, SavedStorage, SavedWriterStatus, WriterNo,
    MACHINE_STATE_VERSION,
};

impl Coordinator {
    /// The machine's persistent state: see `Vss::machine_state`.
    pub fn machine_state(&self) -> MachineState {
        MachineState {
            version: MACHINE_STATE_VERSION,
            now_ms: self.now_ms,
            minted: self.minted,
            shadow_copies_made: self.shadow_copies,
            shadow_copies: self
                .store
                .iter()
                .filter(|copy| !copy.context.base.is_auto_release())
                .map(|copy| SavedCopy {
                    properties: copy.properties.clone(),
                    context: copy.context.raw(),
                    volume: copy.volume.map_or_else(
                        || copy.properties.original_volume.clone(),
                        |v| self.volume_name(v).to_owned(),
                    ),
                    diff_bytes: copy.diff_bytes,
                })
                .collect(),
            writers: self
                .writers
                .iter()
                .zip(&self.writer_status)
                .map(|(slot, status)| SavedWriterStatus {
                    instance_id: slot.instance_id,
                    state: status.state,
                    failure: status.failure,
                })
                .collect(),
            shadow_storage: self
                .volumes
                .iter()
                .enumerate()
                .map(|(index, volume)| SavedStorage {
                    volume: volume.spec.name.clone(),
                    associated: volume.explicit,
                    on: (volume.storage_on as usize != index)
                        .then(|| self.volume_name(volume.storage_on).to_owned()),
                    max_bytes: volume.spec.max_storage_bytes,
                })
                .collect(),
        }
    }

    /// Takes up `state` on a machine just built: the clock, ids and device numbers go on from
    /// it; its persistent copies of volumes this machine has come back (trace record
    /// `ShadowCopyCarried`), the others are dropped (the machine file no longer has their
    /// volume); writers it knows by instance id take their state back (`WriterStatusCarried`);
    /// shadow storage settings of known volumes replace the machine file's.
    pub(crate) fn carry(&mut self, state: &MachineState) {
        self.now_ms = self.now_ms.max(state.now_ms);
        self.minted = self.minted.max(state.minted);
        self.shadow_copies = self.shadow_copies.max(state.shadow_copies_made);
        for saved in &state.shadow_storage {
            if let Ok(volume) = self.known_volume(&saved.volume) {
                let on = match &saved.on {
                    Some(name) => self.known_volume(name).unwrap_or(volume),
                    None => volume,
                };
                let volume = &mut self.volumes[volume as usize];
                volume.explicit = saved.associated;
                volume.storage_on = on;
                volume.spec.max_storage_bytes = saved.max_bytes;
            }
        }
        for saved in &state.shadow_copies {
            let Ok(context) = Context::from_raw(saved.context) else {
                continue;
            };
            // A copy imported from another machine copies none of this one's volumes.
            let imported = crate::vocab::Attributes(saved.properties.attributes)
                .contains(crate::vocab::Attributes::IMPORTED);
            let volume = match self.known_volume(&saved.volume) {
                Ok(volume) => Some(volume),
                Err(_) if imported => None,
                Err(_) => continue,
            };
            self.record(TraceEvent::ShadowCopyCarried {
                snapshot: saved.properties.snapshot_id,
                set: saved.properties.snapshot_set_id,
                context: saved.context,
                volume: volume
                    .map_or_else(|| saved.volume.clone(), |v| self.volume_name(v).to_owned()),
                in_storage: saved.diff_bytes > 0,
            });
            self.store.push(StoredCopy {
                properties: saved.properties.clone(),
                context,
                // No session of this machine made it; no release takes it (R104).
                session: crate::vocab::SessionNo(u32::MAX),
                volume,
                diff_bytes: saved.diff_bytes,
            });
        }
        for saved in &state.writers {
            let Some(writer) = self.by_instance.get(&saved.instance_id).copied() else {
                continue;
            };
            let status = WriterStatusNow {
                state: saved.state,
                failure: saved.failure,
            };
            if status == WriterStatusNow::STABLE {
                continue;
            }
            self.writer_status[writer.0 as usize] = status;
            self.record(TraceEvent::WriterStatusCarried {
                writer: WriterNo(writer.0),
                state: saved.state,
                failure: saved.failure,
            });
        }
    }
}
