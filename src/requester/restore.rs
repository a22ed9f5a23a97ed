//! The typestate restore path (spec §9, R78–R84): `BackupComponents<State>` from
//! `initialize_for_restore` to `post_restore`, where restore-order mistakes do not compile.
//!
//! ```text
//! Uninitialized ─initialize_for_restore─► RestoreInitialized ─gather_writer_metadata─►
//!   RestoreDiscovered ─pre_restore─► PreRestored ─post_restore─► Restored
//!
//! failed or cancelled:  gather → RestoreMetadataFailed (retry, release)
//!                       PreRestore → PreRestoreFailed (writer status, release)
//!                       PostRestore → PostRestoreFailed (writer status, release)
//! ```
//!
//! No restore state has `abort_backup` (R56: aborts are not supported for restore), nor any
//! backup step. Each `compile_fail` example has a twin that makes the same calls in the
//! documented order and compiles.
//!
//! `PostRestore` before `PreRestore` (R83, T14):
//!
//! ```compile_fail,E0599
//! # use vss_sim::requester::Vss;
//! fn restore(vss: &Vss, bcd: &str) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     discovered.post_restore(); // no such method: PreRestore first
//! }
//! ```
//!
//! ```
//! # use vss_sim::requester::Vss;
//! fn restore(vss: &Vss, bcd: &str) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     let _ = discovered.pre_restore().unwrap().wait().unwrap().post_restore();
//! }
//! ```
//!
//! Selecting for restore after `PreRestore` (R80: "must be called before PreRestore"):
//!
//! ```compile_fail,E0599
//! # use vss_sim::requester::Vss;
//! # use vss_sim::vocab::ComponentKey;
//! fn restore(vss: &Vss, bcd: &str, key: ComponentKey) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     let mut prepared = discovered.pre_restore().unwrap().wait().unwrap();
//!     prepared.set_selected_for_restore(&key, true); // no such method
//! }
//! ```
//!
//! ```
//! # use vss_sim::requester::Vss;
//! # use vss_sim::vocab::ComponentKey;
//! fn restore(vss: &Vss, bcd: &str, key: ComponentKey) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     discovered.set_selected_for_restore(&key, true).unwrap();
//!     let _ = discovered.pre_restore();
//! }
//! ```
//!
//! `AbortBackup` in a restore (R56):
//!
//! ```compile_fail,E0599
//! # use vss_sim::requester::Vss;
//! fn restore(vss: &Vss, bcd: &str) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     discovered.abort_backup(); // no such method: no Abort in a restore
//! }
//! ```
//!
//! ```
//! # use vss_sim::requester::Vss;
//! fn restore(vss: &Vss, bcd: &str) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     discovered.release();
//! }
//! ```
//!
//! A backup step on a restore object (R2: one object serves one backup or one restore):
//!
//! ```compile_fail,E0599
//! # use vss_sim::requester::Vss;
//! fn restore(vss: &Vss, bcd: &str) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     discovered.start_snapshot_set(); // no such method
//! }
//! ```
//!
//! ```
//! # use vss_sim::requester::Vss;
//! fn backup(vss: &Vss) {
//!     let bc = vss.backup_components().initialize_for_backup().unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     let _ = discovered.start_snapshot_set();
//! }
//! ```
//!
//! `SetFileRestoreStatus` before `PreRestore` (R78: between PreRestore and PostRestore):
//!
//! ```compile_fail,E0599
//! # use vss_sim::requester::Vss;
//! # use vss_sim::vocab::{ComponentKey, FileRestoreStatus};
//! fn restore(vss: &Vss, bcd: &str, key: ComponentKey) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let mut discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     discovered.set_file_restore_status(&key, FileRestoreStatus::VSS_RS_ALL);
//! }
//! ```
//!
//! ```
//! # use vss_sim::requester::Vss;
//! # use vss_sim::vocab::{ComponentKey, FileRestoreStatus};
//! fn restore(vss: &Vss, bcd: &str, key: ComponentKey) {
//!     let bc = vss.backup_components().initialize_for_restore(bcd).unwrap();
//!     let discovered = bc.gather_writer_metadata().unwrap().wait().unwrap();
//!     let mut prepared = discovered.pre_restore().unwrap().wait().unwrap();
//!     let _ = prepared.set_file_restore_status(&key, FileRestoreStatus::VSS_RS_ALL);
//! }
//! ```

use super::pending::{GatheringRestoreMetadata, PostRestoring, PreRestoring};
use super::typestate::{with_status, with_writer_filters, Uninitialized};
// `with_status!` expands here and names these.
use super::{AsyncError, BackupComponents, GatheringStatus, Pending, StepError};
use crate::vocab::{
    Call, ComponentKey, FileDescriptor, FileRestoreStatus, Hresult, Reply, RestoreType,
    WriterComponents, WriterMetadataView, WriterStatus,
};

macro_rules! states {
    ($($(#[doc = $doc:literal])* $name:ident;)*) => {$(
        $(#[doc = $doc])*
        #[derive(Debug)]
        #[non_exhaustive]
        pub struct $name;
    )*};
}

states! {
    /// In restore mode with the saved document (R79); next: writer filters,
    /// `gather_writer_metadata`.
    RestoreInitialized;
    /// Writer metadata gathered; next: examine the document and the metadata, select what to
    /// restore and how, `pre_restore` (R78, R80).
    RestoreDiscovered;
    /// PreRestore finished; next: read what the writers answered (`writer_components`: restore
    /// targets, directed targets, failure messages), copy the files, `set_file_restore_status`,
    /// `post_restore`.
    PreRestored;
    /// PostRestore finished; next: writer status (R27), release.
    Restored;
    /// `GatherWriterMetadata` failed or was cancelled in a restore; next: release or start over.
    RestoreMetadataFailed;
    /// `PreRestore` failed or was cancelled; next: writer status, release.
    PreRestoreFailed;
    /// `PostRestore` failed or was cancelled; next: writer status, release.
    PostRestoreFailed;
}

impl BackupComponents<Uninitialized> {
    /// `InitializeForRestore(bstrXML)` (R79): restore mode, with the Backup Components Document
    /// the backup saved (`SaveAsXML`). A document that does not load is
    /// `VSS_E_INVALID_XML_DOCUMENT`; `xml::bcd::load` says where and why.
    pub fn initialize_for_restore(
        mut self,
        bcd: &str,
    ) -> Result<BackupComponents<RestoreInitialized>, StepError<Uninitialized>> {
        match self.call_ok(Call::InitializeForRestore {
            bcd: bcd.to_owned(),
        }) {
            Ok(()) => Ok(self.into_state()),
            Err(hr) => Err(self.fail(hr)),
        }
    }
}

impl BackupComponents<RestoreInitialized> {
    /// `GatherWriterMetadata` (R9, R78): raises Identify; the running writers it finds are the
    /// ones the restore can reach (R80).
    pub fn gather_writer_metadata(
        self,
    ) -> Result<Pending<GatheringRestoreMetadata>, StepError<RestoreInitialized>> {
        self.start(Call::GatherWriterMetadata)
    }
}

/// Reading the document: every restore state.
macro_rules! reading_document {
    ($($state:ty),*) => {$(
        impl BackupComponents<$state> {
            /// `GetWriterComponentsCount` + `GetWriterComponents` (R113): the document's
            /// writers with their components as it stands — after PreRestore, with what the
            /// writers answered.
            pub fn writer_components(&mut self) -> Result<Vec<WriterComponents>, Hresult> {
                let Reply::Count(count) = self.call(Call::WriterComponentsCount)? else {
                    return Err(Hresult::VSS_E_UNEXPECTED);
                };
                (0..count)
                    .map(|index| match self.call(Call::WriterComponents { index })? {
                        Reply::WriterComponents(entry) => Ok(entry),
                        _ => Err(Hresult::VSS_E_UNEXPECTED),
                    })
                    .collect()
            }

            /// `SaveAsXML` (R113): the document as it stands, in Windows' XML.
            pub fn save_as_xml(&mut self) -> Result<String, Hresult> {
                match self.call(Call::SaveAsXml)? {
                    Reply::Xml(xml) => Ok(xml),
                    _ => Err(Hresult::VSS_E_UNEXPECTED),
                }
            }
        }
    )*};
}

with_writer_filters!(RestoreInitialized);

reading_document!(
    RestoreInitialized,
    RestoreDiscovered,
    PreRestored,
    Restored,
    RestoreMetadataFailed,
    PreRestoreFailed,
    PostRestoreFailed
);

with_status!(
    RestoreDiscovered,
    PreRestored,
    Restored,
    PreRestoreFailed,
    PostRestoreFailed
);

impl BackupComponents<RestoreDiscovered> {
    /// `SetSelectedForRestore(Ex)` (R80): restore `component`, one the backup included
    /// explicitly. A `GUID_NULL` instance names the class; another names the running instance.
    pub fn set_selected_for_restore(
        &mut self,
        component: &ComponentKey,
        selected: bool,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::SetSelectedForRestore {
            component: component.clone(),
            selected,
        })
    }

    /// `SetSelectedForRestore(…, true)` for every component of the document whose writer runs
    /// (each named by class, as `SetSelectedForRestore` does); components whose writer is not
    /// running (`VSS_E_OBJECT_NOT_FOUND`) are skipped. The number selected.
    ///
    /// # Errors
    ///
    /// The first other failure (reading the document, or a selection refused otherwise).
    pub fn select_all_for_restore(&mut self) -> Result<usize, Hresult> {
        let mut keys: Vec<ComponentKey> = Vec::new();
        for entry in self.writer_components()? {
            for c in &entry.components {
                let key = ComponentKey {
                    instance_id: crate::vocab::WriterInstanceId::NULL,
                    ..entry.key(c)
                };
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        let mut selected = 0;
        for key in &keys {
            match self.set_selected_for_restore(key, true) {
                Ok(()) => selected += 1,
                Err(Hresult::VSS_E_OBJECT_NOT_FOUND) => {}
                Err(hr) => return Err(hr),
            }
        }
        Ok(selected)
    }

    /// `AddRestoreSubcomponent` (R80): restore one subcomponent of `component` (which must be
    /// selected) on its own; the writer must have declared it selectable for restore.
    pub fn add_restore_subcomponent(
        &mut self,
        component: &ComponentKey,
        logical_path: &str,
        name: &str,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::AddRestoreSubcomponent {
            component: component.clone(),
            logical_path: Some(logical_path.to_owned()),
            name: name.to_owned(),
            repair: false,
        })
    }

    /// `SetRestoreOptions`: private options for the component's writer.
    pub fn set_restore_options(
        &mut self,
        component: &ComponentKey,
        options: &str,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::SetRestoreOptions {
            component: component.clone(),
            options: options.to_owned(),
        })
    }

    /// `SetAdditionalRestores`: more restores of the component follow (incremental,
    /// differential, logs); its writer must not recover the data yet.
    pub fn set_additional_restores(
        &mut self,
        component: &ComponentKey,
        additional: bool,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::SetAdditionalRestores {
            component: component.clone(),
            additional,
        })
    }

    /// `AddNewTarget`: restore files of the component somewhere else.
    pub fn add_new_target(
        &mut self,
        component: &ComponentKey,
        target: FileDescriptor,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::AddNewTarget {
            component: component.clone(),
            target,
        })
    }

    /// `SetRestoreState` (writers read it with `GetRestoreType`).
    pub fn set_restore_state(&mut self, restore_type: RestoreType) -> Result<(), Hresult> {
        self.call_ok(Call::SetRestoreState { restore_type })
    }

    /// `PreRestore` (R82): raises PreRestore in the writers with something selected (R81).
    pub fn pre_restore(self) -> Result<Pending<PreRestoring>, StepError<RestoreDiscovered>> {
        self.start(Call::PreRestore)
    }
}

impl BackupComponents<PreRestored> {
    /// `SetFileRestoreStatus` (R78): how much of the component's files were restored; due for
    /// every component selected for restore before PostRestore.
    pub fn set_file_restore_status(
        &mut self,
        component: &ComponentKey,
        status: FileRestoreStatus,
    ) -> Result<(), Hresult> {
        self.call_ok(Call::SetFileRestoreStatus {
            component: component.clone(),
            status,
        })
    }

    /// `PostRestore` (R83): raises PostRestore in the writers PreRestore reached. Release the
    /// object only once it finished.
    pub fn post_restore(self) -> Result<Pending<PostRestoring>, StepError<PreRestored>> {
        self.start(Call::PostRestore)
    }
}

/// Starting over with a new object (R2).
impl BackupComponents<RestoreMetadataFailed> {
    /// Releases this object and creates a fresh one on the same machine.
    pub fn retry(self) -> BackupComponents<Uninitialized> {
        let vss = self.vss().clone();
        drop(self);
        vss.backup_components()
    }
}
