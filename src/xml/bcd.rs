//! The Backup Components Document in Windows' XML (R113): `IVssBackupComponents::SaveAsXML`
//! ([`save`]) and the documents a requester keeps ([`load`], [`load_bytes`]).
//!
//! ```text
//! <BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2"
//!     bootableSystemStateBackup selectComponents backupType partialFileSupport [snapshotSetId]>
//!   <WRITER_COMPONENTS [xmlns] instanceId writerId [instanceName] backupSchema>*
//!     <COMPONENT [logicalPath] componentName componentType [backupStamp]
//!                [previousBackupStamp] [backupSucceeded]>*
//!       <BACKUP_METADATA xmlns="" metadata/>?
//! ```
//!
//! Observed in the BCDs DiskShadow saved on a Windows Server 2012 machine
//! (`tests/fixtures/windows/`): everything above but `previousBackupStamp` and
//! `backupSucceeded`, whose names are inferred, and the `backupType` words other than `full`
//! (the enum's names in lower case). Windows writes `instanceId` before `writerId` here (the
//! WMD has the opposite order), and a writer entry whose writer changed it (a stamp, backup
//! metadata) re-declares the namespace, with its `BACKUP_METADATA` in no namespace.

use super::read::{self, Element, XmlError};
use super::{guid, word_of, Emitter};
use crate::vocab::{
    BackupComponent, BackupComponentsDocument, BackupSchema, BackupState, BackupType,
    ComponentType, SnapshotSetId, WriterClassId, WriterComponents, WriterInstanceId,
};

/// The namespace of a BCD's root.
pub const NAMESPACE: &str = "x-schema:#VssComponentMetadata";

const BACKUP_TYPE: [(&str, BackupType); 7] = [
    ("undefined", BackupType::VSS_BT_UNDEFINED),
    ("full", BackupType::VSS_BT_FULL),
    ("incremental", BackupType::VSS_BT_INCREMENTAL),
    ("differential", BackupType::VSS_BT_DIFFERENTIAL),
    ("log", BackupType::VSS_BT_LOG),
    ("copy", BackupType::VSS_BT_COPY),
    ("other", BackupType::VSS_BT_OTHER),
];

const COMPONENT_TYPE: [(&str, ComponentType); 3] = [
    ("undefined", ComponentType::VSS_CT_UNDEFINED),
    ("database", ComponentType::VSS_CT_DATABASE),
    ("filegroup", ComponentType::VSS_CT_FILEGROUP),
];

/// `SaveAsXML`: the document as Windows writes it, on one line.
pub fn save(document: &BackupComponentsDocument) -> String {
    let mut out = Emitter::default();
    out.start("BACKUP_COMPONENTS");
    out.attr("xmlns", NAMESPACE);
    out.attr("version", super::wmd::VERSION);
    let state = &document.backup_state;
    out.attr_bool("bootableSystemStateBackup", state.bootable_system_state);
    out.attr_bool("selectComponents", state.select_components);
    out.attr("backupType", word_of(&BACKUP_TYPE, state.backup_type));
    out.attr_bool("partialFileSupport", state.partial_file_support);
    if let Some(set) = document.snapshot_set_id {
        out.attr("snapshotSetId", &guid(set.0));
    }
    for writer in &document.writers {
        out.start("WRITER_COMPONENTS");
        if writer.writer_modified {
            out.attr("xmlns", NAMESPACE);
        }
        out.attr("instanceId", &guid(writer.instance_id.0));
        out.attr("writerId", &guid(writer.writer_id.0));
        out.attr_opt("instanceName", writer.instance_name.as_deref());
        out.attr("backupSchema", &writer.backup_schema.0.to_string());
        for component in &writer.components {
            out.start("COMPONENT");
            out.attr_opt("logicalPath", component.logical_path.as_deref());
            out.attr("componentName", &component.name);
            out.attr(
                "componentType",
                word_of(&COMPONENT_TYPE, component.component_type),
            );
            out.attr_opt("backupStamp", component.backup_stamp.as_deref());
            out.attr_opt(
                "previousBackupStamp",
                component.previous_backup_stamp.as_deref(),
            );
            if let Some(succeeded) = component.backup_succeeded {
                out.attr_bool("backupSucceeded", succeeded);
            }
            if let Some(metadata) = &component.backup_metadata {
                out.start("BACKUP_METADATA");
                out.attr("xmlns", "");
                out.attr("metadata", metadata);
                out.end("BACKUP_METADATA");
            }
            out.end("COMPONENT");
        }
        out.end("WRITER_COMPONENTS");
    }
    out.end("BACKUP_COMPONENTS");
    out.finish()
}

/// A saved BCD from bytes as a tool wrote them (UTF-8 or UTF-16, see `xml`).
///
/// # Errors
///
/// An [`XmlError`] (`VSS_E_INVALID_XML_DOCUMENT`) naming the line, column and problem.
pub fn load_bytes(bytes: &[u8]) -> Result<BackupComponentsDocument, XmlError> {
    load(&read::decode(bytes)?)
}

/// A saved BCD, as `InitializeForBackup` and `InitializeForRestore` read it.
///
/// # Errors
///
/// An [`XmlError`] (`VSS_E_INVALID_XML_DOCUMENT`) naming the line, column and problem.
pub fn load(text: &str) -> Result<BackupComponentsDocument, XmlError> {
    let document = read::parse(text)?;
    let mut root = read::root(&document, "BACKUP_COMPONENTS", NAMESPACE)?;
    read::check_namespaces(&document, NAMESPACE, &["BACKUP_METADATA"])?;
    let _version = root.required("version")?;
    let backup_state = BackupState {
        bootable_system_state: root.yes_no("bootableSystemStateBackup", None)?,
        select_components: root.yes_no("selectComponents", None)?,
        backup_type: root.word("backupType", &BACKUP_TYPE, None)?,
        partial_file_support: root.yes_no("partialFileSupport", None)?,
    };
    let snapshot_set_id = match root.optional("snapshotSetId") {
        Some(_) => Some(SnapshotSetId(root.guid("snapshotSetId")?)),
        None => None,
    };
    let children = root.children()?;
    root.done()?;
    let mut writers = Vec::new();
    for child in children {
        writers.push(load_writer(text, child)?);
    }
    Ok(BackupComponentsDocument {
        backup_state,
        snapshot_set_id,
        writers,
    })
}

fn load_writer(text: &str, node: roxmltree::Node<'_, '_>) -> Result<WriterComponents, XmlError> {
    let mut e = Element::expect(node, "WRITER_COMPONENTS")?;
    let mut writer = WriterComponents::new(
        WriterInstanceId(e.guid("instanceId")?),
        WriterClassId(e.guid("writerId")?),
    );
    writer.instance_name = e.optional("instanceName").map(str::to_owned);
    writer.backup_schema = BackupSchema(e.number("backupSchema", Some(0))?);
    writer.writer_modified = declares_namespace(text, node);
    for child in e.children()? {
        writer.components.push(load_component(child)?);
    }
    e.done()?;
    Ok(writer)
}

fn load_component(node: roxmltree::Node<'_, '_>) -> Result<BackupComponent, XmlError> {
    let mut e = Element::expect(node, "COMPONENT")?;
    let logical_path = e.optional("logicalPath").filter(|p| !p.is_empty());
    let name = e.required("componentName")?;
    let component_type = e.word("componentType", &COMPONENT_TYPE, None)?;
    let mut component = BackupComponent::new(component_type, logical_path, name);
    component.backup_stamp = e.optional("backupStamp").map(str::to_owned);
    component.previous_backup_stamp = e.optional("previousBackupStamp").map(str::to_owned);
    if e.optional("backupSucceeded").is_some() {
        component.backup_succeeded = Some(e.yes_no("backupSucceeded", None)?);
    }
    for child in e.children()? {
        let mut m = Element::expect(child, "BACKUP_METADATA")?;
        if component.backup_metadata.is_some() {
            return Err(XmlError::at(
                child,
                "a second <BACKUP_METADATA> in <COMPONENT>",
            ));
        }
        component.backup_metadata = Some(m.required("metadata")?.to_owned());
        if let Some(inner) = m.children()?.first() {
            return Err(XmlError::at(
                *inner,
                format!(
                    "<BACKUP_METADATA> cannot hold <{}>",
                    inner.tag_name().name()
                ),
            ));
        }
        m.done()?;
    }
    e.done()?;
    Ok(component)
}

/// Whether `node`'s start tag declares a default namespace itself (`xmlns="…"` among its
/// attributes, outside quoted values).
fn declares_namespace(text: &str, node: roxmltree::Node<'_, '_>) -> bool {
    let tag = &text[node.range().start..];
    let mut quote = None;
    for (i, c) in tag.char_indices() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('>', None) => return false,
            (c, None)
                if c.is_ascii_whitespace() && tag[i + c.len_utf8()..].starts_with("xmlns=") =>
            {
                return true
            }
            _ => {}
        }
    }
    false
}
