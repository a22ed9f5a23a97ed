//! The Writer Metadata Document a writer builds in `OnIdentify` (R72, R112).

use serde::{Deserialize, Serialize};

use crate::vocab::{
    ComponentKey, ComponentType, ComponentView, RestoreMethod, WriterIdentity, WriterMetadataView,
};

/// One component a writer declares (R108–R110).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComponentInfo {
    /// Database or file group.
    pub component_type: ComponentType,
    /// Logical path; `None` is the root (R109).
    pub logical_path: Option<String>,
    /// Name, unique with the logical path (R109).
    pub name: String,
    /// Selectable for backup (R110).
    pub selectable: bool,
}

/// A writer's metadata document, as built through `IVssCreateWriterMetadata` in `OnIdentify`.
///
/// R44: a writer must build the same document on every Identify; the coordinator keeps each
/// session's copy so tests can compare them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WriterMetadata {
    /// `SetRestoreMethod` (required by R72).
    pub restore_method: RestoreMethod,
    /// Declared components (at least one, R72).
    pub components: Vec<ComponentInfo>,
}

impl WriterMetadata {
    /// `IVssCreateWriterMetadata::AddComponent`: declares a selectable component.
    pub fn add_component(
        &mut self,
        component_type: ComponentType,
        logical_path: Option<&str>,
        name: &str,
    ) -> &mut Self {
        self.components.push(ComponentInfo {
            component_type,
            logical_path: logical_path.map(str::to_owned),
            name: name.to_owned(),
            selectable: true,
        });
        self
    }

    /// `IVssCreateWriterMetadata::SetRestoreMethod`.
    pub fn set_restore_method(&mut self, method: RestoreMethod) -> &mut Self {
        self.restore_method = method;
        self
    }

    /// The document as a requester examines it (`IVssExamineWriterMetadata`), for the writer
    /// with `identity`.
    pub fn view(&self, identity: &WriterIdentity) -> WriterMetadataView {
        WriterMetadataView {
            identity: identity.clone(),
            restore_method: self.restore_method,
            components: self
                .components
                .iter()
                .map(|c| ComponentView {
                    key: ComponentKey {
                        instance_id: identity.instance_id,
                        writer_id: identity.writer_id,
                        component_type: c.component_type,
                        logical_path: c.logical_path.clone(),
                        name: c.name.clone(),
                    },
                    selectable: c.selectable,
                })
                .collect(),
        }
    }

    /// R72: a restore method is set and at least one component is declared.
    pub fn is_complete(&self) -> bool {
        self.restore_method != RestoreMethod::VSS_RME_UNDEFINED && !self.components.is_empty()
    }
}
