//! Selecting components the way DiskShadow does (field failure 24): a component whose files
//! are on a volume outside the snapshot set is left out of the backup, with a message naming
//! the volume, instead of being added.
//!
//! VSS itself does not check this: a requester that adds such a component gets a backup in
//! which the writer's files are only partly in the shadow copies, and a writer that checks
//! (`IsPathAffected`) may veto with `VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT`. DiskShadow checks
//! before it selects, and without `writer verify` it excludes the component silently: the
//! backup succeeds and the component is not in it.

use std::fmt;

use super::{DynBackupComponents, Vss};
use crate::vocab::{Call, ComponentKey, Hresult, WriterMetadataView};

/// A component left out because a volume it needs is not in the snapshot set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExcludedComponent {
    /// The writer's name.
    pub writer: String,
    /// The component.
    pub component: ComponentKey,
    /// The first volume it needs that the set lacks, by name (`C:\`).
    pub volume: String,
}

impl fmt::Display for ExcludedComponent {
    /// DiskShadow's words for it (restic/restic #340).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = match &self.component.logical_path {
            Some(logical) => format!("\\{logical}\\{}", self.component.name),
            None => format!("\\{}", self.component.name),
        };
        write!(
            f,
            "Component \"{path}\" from writer \"{}\" is excluded from backup, because it \
             requires volume {} which is not in the shadow copy set.",
            self.writer, self.volume
        )
    }
}

/// What a selection by the set's volumes decided.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// The components to add (`AddComponent`), writer by writer.
    pub added: Vec<ComponentKey>,
    /// The components left out.
    pub excluded: Vec<ExcludedComponent>,
}

/// Decides, without making any call, which explicit components (R110) of the writers `views`
/// describes can be backed up from a set holding the volumes `in_set` (by name, as
/// [`Vss::component_volumes`] names them): those whose every file is on a volume of the set
/// ([`Vss::component_volumes`]); the others are excluded, naming the first volume missing.
/// `wanted` chooses the writers considered.
pub fn select_by_set_volumes(
    vss: &Vss,
    views: &[WriterMetadataView],
    in_set: &[String],
    wanted: impl Fn(&WriterMetadataView) -> bool,
) -> Selection {
    let mut selection = Selection::default();
    for view in views.iter().filter(|v| wanted(v)) {
        for component in view.components.iter().filter(|c| view.is_explicit(c)) {
            let missing = vss
                .component_volumes(view, component)
                .into_iter()
                .find(|volume| !in_set.iter().any(|v| v == volume));
            match missing {
                None => selection.added.push(component.key.clone()),
                Some(volume) => selection.excluded.push(ExcludedComponent {
                    writer: view.identity.name.clone(),
                    component: component.key.clone(),
                    volume,
                }),
            }
        }
    }
    selection
}

impl DynBackupComponents {
    /// Reads every writer's metadata and adds (`AddComponent`) each explicit component (R110)
    /// whose files are all on volumes of this object's snapshot set; the others are left out
    /// and returned with the volume they lack, as DiskShadow does without `writer verify`
    /// (field failure 24). Call it after `AddToSnapshotSet`, before `PrepareForBackup`.
    pub fn select_components_in_set(&mut self) -> Result<Selection, Hresult> {
        let views = self.writer_metadata()?;
        let in_set = self.set_volumes();
        let selection = select_by_set_volumes(self.vss(), &views, &in_set, |_| true);
        for key in &selection.added {
            self.call_ok(Call::AddComponent(key.clone()))?;
        }
        Ok(selection)
    }

    /// The volumes in this object's snapshot set, by name (drive letter or mount folder), in
    /// the order they were added.
    pub fn set_volumes(&self) -> Vec<String> {
        let session = self.session();
        self.vss().with_mut(|core| core.set_volume_names(session))
    }
}
