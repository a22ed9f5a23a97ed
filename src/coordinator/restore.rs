//! Restore (spec §9, R78–R84): the calls that choose what a restore brings back, the two
//! operations that tell the writers (PreRestore, PostRestore), and the Backup Components
//! Document both the requester and the writers read.
//!
//! A restore is a requester object in restore mode (`InitializeForRestore` with the document
//! the backup saved). Its writers are the running writers whose Identify succeeded in this
//! object's `GatherWriterMetadata`, matched to the document's entries by writer class and
//! instance name (instance ids change when a writer restarts; R61: a multi-instance writer that
//! wants restore events needs a unique instance name).
//!
//! Who receives what (R47, R81), in component mode: PreRestore and PostRestore go to the
//! identified writers with at least one component selected for restore (`SetSelectedForRestore`)
//! or a subcomponent added (`AddRestoreSubcomponent`) before PreRestore; "that writer will not
//! receive any VSS events for the remainder of the restore operation" otherwise.
//!
//! Outside component mode every identified writer receives both events. There is no Abort in
//! a restore (R56), and releasing a restore object sends no BackupShutdown (Q20: it took part
//! in no backup).

use super::session::{Life, RestorePhase, Stage};
use super::Coordinator;
use crate::trace::DropReason;
use crate::vocab::{
    AsyncKind, BackupComponent, BackupComponentsDocument, Call, ComponentKey, Hresult, OpNo, Reply,
    RestoreSubcomponent, SessionNo, WriterNo,
};

impl Coordinator {
    /// Argument checks of the restore calls and `GetWriterComponents`, after the guards
    /// passed: the component must be in the document, its writer running (R80).
    pub(super) fn check_restore_call(
        &self,
        session: SessionNo,
        call: &Call,
    ) -> Result<Option<Box<BackupComponentsDocument>>, Hresult> {
        let s = &self.sessions[session.0 as usize];
        match call {
            Call::InitializeForRestore { bcd } | Call::InitializeForBackupFrom { bcd } => {
                crate::xml::bcd::load(bcd)
                    .map(|doc| Some(Box::new(doc)))
                    .map_err(|_| Hresult::VSS_E_INVALID_XML_DOCUMENT)
            }
            Call::WriterComponents { index } => {
                if (*index as usize) < self.document_writer_count(session) {
                    Ok(None)
                } else {
                    Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
                }
            }
            Call::SetBackupOptions { component, .. } => {
                if s.components.contains(component) {
                    Ok(None)
                } else {
                    Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
                }
            }
            Call::SetSelectedForRestore { component, .. }
            | Call::SetRestoreOptions { component, .. }
            | Call::SetAdditionalRestores { component, .. }
            | Call::AddNewTarget { component, .. }
            | Call::SetFileRestoreStatus { component, .. } => {
                self.restored_component(session, component)?;
                Ok(None)
            }
            Call::AddRestoreSubcomponent {
                component,
                logical_path,
                name,
                repair,
            } => {
                let path = logical_path.as_deref().filter(|p| !p.is_empty());
                if name.is_empty() || path.is_none() || *repair {
                    // Neither the subcomponent's logical path nor its name may be NULL;
                    // bRepair is reserved and must be false.
                    return Err(Hresult::E_INVALIDARG);
                }
                let (writer, parent) = self.restored_component(session, component)?;
                if parent.selected_for_restore != Some(true) {
                    // "The component must first be selected for restore."
                    return Err(Hresult::VSS_E_BAD_STATE);
                }
                let metadata = s.writers[writer.0 as usize]
                    .metadata()
                    .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
                let sub = metadata
                    .component(path, name)
                    .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)?;
                let parent = crate::vocab::ComponentInfo::new(
                    parent.component_type,
                    parent.logical_path.as_deref(),
                    &parent.name,
                );
                // R80: a subcomponent of the explicitly included component, declared
                // selectable for restore (R111).
                if !parent.is_ancestor_of(sub) {
                    Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
                } else if !sub.selectable_for_restore {
                    Err(Hresult::E_INVALIDARG)
                } else {
                    Ok(None)
                }
            }
            _ => Ok(None),
        }
    }

    /// The component `key` names in `session`'s restore document, and the running writer it
    /// belongs to; `VSS_E_OBJECT_NOT_FOUND` when the document lacks it or its writer is not
    /// running (identified in this object's gather, R80). A `GUID_NULL` instance names the
    /// class (`SetSelectedForRestore`); any other names the running instance
    /// (`SetSelectedForRestoreEx`), whatever instance id the document recorded.
    fn restored_component(
        &self,
        session: SessionNo,
        key: &ComponentKey,
    ) -> Result<(WriterNo, &BackupComponent), Hresult> {
        let (writer, at, component) = self.find_restored(session, key)?;
        let doc = self.sessions[session.0 as usize]
            .restore_doc
            .as_deref()
            .ok_or(Hresult::VSS_E_BAD_STATE)?;
        Ok((writer, &doc.writers[at].components[component]))
    }

    /// [`Self::restored_component`]'s writer, entry index and component index.
    fn find_restored(
        &self,
        session: SessionNo,
        key: &ComponentKey,
    ) -> Result<(WriterNo, usize, usize), Hresult> {
        let s = &self.sessions[session.0 as usize];
        let doc = s.restore_doc.as_deref().ok_or(Hresult::VSS_E_BAD_STATE)?;
        let path = key.logical_path.as_deref().filter(|p| !p.is_empty());
        for (at, entry) in doc.writers.iter().enumerate() {
            if entry.writer_id != key.writer_id {
                continue;
            }
            let Some(component) = entry
                .components
                .iter()
                .position(|c| c.logical_path.as_deref() == path && c.name == key.name)
            else {
                continue;
            };
            let Some(writer) = self.running_writer_for(session, at) else {
                continue;
            };
            if key.instance_id.is_null()
                || self.writers[writer.0 as usize].instance_id == key.instance_id
            {
                return Ok((writer, at, component));
            }
        }
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    }

    /// The writer identified in `session` that the document's entry `at` belongs to: same
    /// class and instance name; the entry's own instance first, if it still runs.
    fn running_writer_for(&self, session: SessionNo, at: usize) -> Option<WriterNo> {
        let s = &self.sessions[session.0 as usize];
        let entry = s.restore_doc.as_deref()?.writers.get(at)?;
        let identified = |no: &WriterNo| s.writers[no.0 as usize].identified();
        if let Some(no) = self.writer_no(entry.instance_id).filter(identified) {
            return Some(no);
        }
        self.by_class
            .get(&entry.writer_id)?
            .iter()
            .copied()
            .filter(identified)
            .find(|no| self.writers[no.0 as usize].config.instance_name == entry.instance_name)
    }

    /// How many writer entries `GetWriterComponentsCount` reports.
    fn document_writer_count(&self, session: SessionNo) -> usize {
        let s = &self.sessions[session.0 as usize];
        match &s.restore_doc {
            Some(doc) => doc.writers.len(),
            None => self.backup_components(session).writers.len(),
        }
    }

    /// Performs a restore call (or `GetWriterComponents`, `SetBackupOptions`) that passed its
    /// checks; `loaded` is the document `InitializeForRestore` parsed.
    pub(super) fn perform_restore_call(
        &mut self,
        session: SessionNo,
        call: Call,
        loaded: Option<Box<BackupComponentsDocument>>,
    ) -> Reply {
        let index = session.0 as usize;
        match call {
            Call::InitializeForRestore { .. } => {
                let s = &mut self.sessions[index];
                s.life = Life::Restore;
                s.restore_doc = loaded;
            }
            Call::InitializeForBackupFrom { .. } => {
                self.sessions[index].life = Life::Backup;
                if let Some(doc) = loaded {
                    self.load_backup_document(session, &doc);
                }
            }
            Call::WriterComponentsCount => {
                let count = self.document_writer_count(session);
                return Reply::Count(super::index_u32(count));
            }
            Call::WriterComponents { index: row } => {
                let mut doc = self.backup_components(session);
                if (row as usize) < doc.writers.len() {
                    return Reply::WriterComponents(doc.writers.swap_remove(row as usize));
                }
            }
            Call::SetBackupOptions { component, options } => {
                self.sessions[index]
                    .backup_options
                    .push((component, options));
            }
            Call::SetSelectedForRestore {
                component,
                selected,
            } => self.edit_restored(session, &component, |c| {
                c.selected_for_restore = Some(selected);
            }),
            Call::AddRestoreSubcomponent {
                component,
                logical_path,
                name,
                repair,
            } => self.edit_restored(session, &component, |c| {
                c.restore_subcomponents.push(RestoreSubcomponent {
                    logical_path: logical_path.filter(|p| !p.is_empty()),
                    name,
                    repair,
                });
            }),
            Call::SetRestoreOptions { component, options } => {
                self.edit_restored(session, &component, |c| c.restore_options = Some(options));
            }
            Call::SetAdditionalRestores {
                component,
                additional,
            } => self.edit_restored(session, &component, |c| {
                c.additional_restores = Some(additional);
            }),
            Call::AddNewTarget {
                component,
                mut target,
            } => {
                // AddNewTarget has no backup type mask.
                target.backup_type_mask = crate::vocab::FileSpecBackupType::DEFAULT;
                self.edit_restored(session, &component, |c| c.new_targets.push(target));
            }
            Call::SetFileRestoreStatus { component, status } => {
                self.edit_restored(session, &component, |c| {
                    c.file_restore_status = Some(status);
                });
            }
            Call::SetRestoreState { restore_type } => {
                if let Some(doc) = self.sessions[index].restore_doc.as_deref_mut() {
                    doc.restore_type = Some(restore_type);
                }
            }
            Call::PreRestore => return Reply::Async(self.start_pre_restore(session)),
            Call::PostRestore => return Reply::Async(self.start_post_restore(session)),
            _ => {}
        }
        Reply::Done
    }

    /// `InitializeForBackup(bstrXML)`: the document's backup state and explicitly included
    /// components become the object's, as if it had called `SetBackupState` and `AddComponent`.
    fn load_backup_document(&mut self, session: SessionNo, doc: &BackupComponentsDocument) {
        self.sessions[session.0 as usize].backup_state = Some(doc.backup_state);
        self.sessions[session.0 as usize].loaded_document = true;
        self.sessions[session.0 as usize].transport =
            doc.snapshot_set_description.clone().map(Box::new);
        for entry in &doc.writers {
            for component in &entry.components {
                let key = entry.key(component);
                if !self.sessions[session.0 as usize].components.contains(&key) {
                    self.add_component(session, key);
                }
            }
        }
    }

    /// Applies `edit` to the document's component `key` names (checked to exist).
    fn edit_restored(
        &mut self,
        session: SessionNo,
        key: &ComponentKey,
        edit: impl FnOnce(&mut BackupComponent),
    ) {
        let Ok((_, at, component)) = self.find_restored(session, key) else {
            return;
        };
        if let Some(doc) = self.sessions[session.0 as usize].restore_doc.as_deref_mut() {
            edit(&mut doc.writers[at].components[component]);
        }
    }

    /// `PreRestore`: finds each identified writer's entry in the document; in component mode
    /// writers with nothing selected for restore leave the restore (R47, R81); raises
    /// PreRestore (R82).
    fn start_pre_restore(&mut self, session: SessionNo) -> OpNo {
        let index = session.0 as usize;
        let entries: Vec<Option<usize>> = (0..self.writers.len())
            .map(|w| {
                let no = WriterNo(super::index_u32(w));
                let doc = self.sessions[index].restore_doc.as_deref()?;
                (0..doc.writers.len()).find(|&at| self.running_writer_for(session, at) == Some(no))
            })
            .collect();
        let component_mode = self.sessions[index].component_mode();
        let self_planted_unselected = self.planted(super::PlantedBug::RestoreEventsForUnselected);
        let mut dropped = Vec::new();
        for (w, entry) in entries.into_iter().enumerate() {
            let instance_id = self.writers[w].instance_id;
            let s = &mut self.sessions[index];
            let keys: Vec<ComponentKey> = match (entry, s.restore_doc.as_deref()) {
                (Some(at), Some(doc)) => {
                    let entry = &doc.writers[at];
                    entry
                        .components
                        .iter()
                        .map(|c| ComponentKey {
                            instance_id,
                            ..entry.key(c)
                        })
                        .collect()
                }
                _ => Vec::new(),
            };
            let restores_something = entry
                .and_then(|at| s.restore_doc.as_deref()?.writers.get(at))
                .is_some_and(|entry| entry.components.iter().any(restored));
            let sw = &mut s.writers[w];
            sw.restore_entry = entry;
            sw.selected = keys;
            let planted = self_planted_unselected;
            if component_mode && sw.takes_part() && !restores_something && !planted {
                sw.stage = Stage::Unselected;
                dropped.push(WriterNo(super::index_u32(w)));
            }
        }
        for writer in dropped {
            self.writer_dropped(session, writer, DropReason::NothingSelected);
        }
        let op = self.start_op(session, AsyncKind::PreRestore);
        self.sessions[index].restore = RestorePhase::PreRestoring(op);
        op
    }

    /// `PostRestore` (R83): raised for the writers PreRestore reached.
    fn start_post_restore(&mut self, session: SessionNo) -> OpNo {
        let index = session.0 as usize;
        let op = self.start_op(session, AsyncKind::PostRestore);
        self.sessions[index].restore = RestorePhase::PostRestoring(op);
        op
    }
}

/// Selected for restore, or a subcomponent of it added (R80, R81).
fn restored(component: &BackupComponent) -> bool {
    component.selected_for_restore == Some(true) || !component.restore_subcomponents.is_empty()
}
