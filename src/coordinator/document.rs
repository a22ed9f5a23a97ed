//! The session's Backup Components Document (R113), as `SaveAsXML` writes it.

use super::session::SetState;
use super::Coordinator;
use crate::vocab::{
    BackupComponent, BackupComponentsDocument, BackupSchema, SessionNo, WriterComponents,
};

impl Coordinator {
    /// The BCD of `session` as it stands: its backup state, its set once started, and the
    /// components it added explicitly, grouped by the writer the requester named (in the order
    /// it first named each), with what `SetBackupSucceeded` recorded.
    pub(crate) fn backup_components(&self, session: SessionNo) -> BackupComponentsDocument {
        let s = &self.sessions[session.0 as usize];
        if let Some(doc) = &s.restore_doc {
            return (**doc).clone(); // a restore's document is the one it loaded
        }
        let mut writers: Vec<WriterComponents> = Vec::new();
        for key in s.components.in_order() {
            let at = writers
                .iter()
                .position(|w| w.instance_id == key.instance_id && w.writer_id == key.writer_id);
            let at = match at {
                Some(at) => at,
                None => {
                    let mut entry = WriterComponents::new(key.instance_id, key.writer_id);
                    // What the writer named (or, for GUID_NULL, the first of its class) declared.
                    let registered = self.writer_no(key.instance_id).or_else(|| {
                        self.by_class
                            .get(&key.writer_id)
                            .and_then(|all| all.first().copied())
                    });
                    if let Some(no) = registered {
                        entry
                            .instance_name
                            .clone_from(&self.writers[no.0 as usize].config.instance_name);
                        entry.backup_schema = s.writers[no.0 as usize]
                            .metadata()
                            .map_or(BackupSchema::NONE, |m| m.backup_schema);
                    }
                    writers.push(entry);
                    writers.len() - 1
                }
            };
            let writer = &mut writers[at];
            let mut component =
                BackupComponent::new(key.component_type, key.logical_path.as_deref(), &key.name);
            component.backup_succeeded = s
                .succeeded
                .iter()
                .rev()
                .find(|(k, _)| k.names_same_component(key))
                .map(|(_, succeeded)| *succeeded);
            component.previous_backup_stamp = s
                .previous_stamps
                .iter()
                .rev()
                .find(|(k, _)| k.names_same_component(key))
                .map(|(_, stamp)| stamp.clone());
            // What the writers of this entry wrote into it (R114), the last write winning.
            component.backup_options = s
                .backup_options
                .iter()
                .rev()
                .find(|(k, _)| k.names_same_component(key))
                .map(|(_, options)| options.clone());
            for (_, _, write) in s
                .component_writes
                .iter()
                .filter(|(_, k, _)| k.names_same_component(key))
            {
                write.clone().apply(&mut component);
                writer.writer_modified = true;
            }
            writer.components.push(component);
        }
        let description = s.transport.as_deref().cloned();
        BackupComponentsDocument {
            backup_state: s.backup_state(),
            snapshot_set_id: if matches!(s.set, SetState::None) {
                description.as_ref().map(|d| d.snapshot_set_id)
            } else {
                Some(s.set.id())
            },
            writers,
            restore_type: None,
            snapshot_set_description: description,
        }
    }
}
