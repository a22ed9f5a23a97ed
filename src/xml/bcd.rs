//! The Backup Components Document in Windows' XML (R113): `IVssBackupComponents::SaveAsXML`
//! ([`save`]) and the documents a requester keeps ([`load`], [`load_bytes`]).
//!
//! ```text
//! <BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.2"
//!     bootableSystemStateBackup selectComponents backupType [restoreType] partialFileSupport
//!     [snapshotSetId]>
//!   <WRITER_COMPONENTS [xmlns] instanceId writerId [instanceName] backupSchema>*
//!     <COMPONENT [logicalPath] componentName componentType [backupStamp]
//!                [previousBackupStamp] [backupSucceeded] [backupOptions] [selectedForRestore]
//!                [restoreOptions] [additionalRestores] [restoreTarget] [filesRestored]
//!                [preRestoreFailureMsg] [postRestoreFailureMsg]>*
//!       <BACKUP_METADATA xmlns="" metadata/>?
//!       <RESTORE_METADATA xmlns="" metadata/>?
//!       <PARTIAL_FILE path filespec ranges [metadata]/>*
//!       <DIFFERENCED_FILE path filespec recursive lastModifyTimeLow lastModifyTimeHigh
//!                         [lastModifyLSN]/>*
//!       <RESTORE_SUBCOMPONENT logicalPath componentName repair/>*
//!       <RESTORE_TARGET path filespec recursive [alternatePath]/>*        (AddNewTarget)
//!       <DIRECTED_TARGET path filespec sourceRanges targetPath targetFilespec targetRanges/>*
//!   <SNAPSHOT_SET_DESCRIPTION snapshotSetId [context]>?            (transportable sets only)
//!     <SNAPSHOT_DESCRIPTION snapshotId [providerId] [snapshotAttributes] [originatingMachine]
//!                           [serviceMachine] [originalVolumeName] [timestamp]>*
//!       <LUN_MAPPING>*
//!         <SOURCE_LUN><LUN_INFORMATION diskSignature/></SOURCE_LUN>
//!         <DESTINATION_LUN><LUN_INFORMATION diskSignature/></DESTINATION_LUN>
//! ```
//!
//! **The transportable set's description** (R97) has no published schema. The names
//! `SNAPSHOT_SET_DESCRIPTION`/`snapshotSetId`, `SNAPSHOT_DESCRIPTION`/`snapshotId`,
//! `LUN_MAPPING`, `DESTINATION_LUN` and `LUN_INFORMATION`/`diskSignature` are observed (a public
//! tool that parses the documents `vshadow -t` saves on Windows reads them); the set
//! description's place as the root's last child, `SOURCE_LUN` and every other attribute name
//! are the simulator's own. Loading is therefore lenient inside it: the observed names are
//! required, the simulator's are read when present, anything else is kept — the element is
//! saved again exactly as it was loaded.
//!
//! Observed in the BCDs DiskShadow saved on a Windows Server 2012 machine
//! (`tests/fixtures/windows/`): the root's attributes but `restoreType`, `WRITER_COMPONENTS`,
//! and `COMPONENT` with `logicalPath`, `componentName`, `componentType`, `backupStamp` and
//! `BACKUP_METADATA`. Windows writes `instanceId` before `writerId` here (the WMD has the
//! opposite order), and a writer entry whose writer changed it (a stamp, backup metadata)
//! re-declares the namespace, with its `BACKUP_METADATA` in no namespace.
//!
//! Not observed in any document we can cite: everything a restore and the later steps of a
//! backup write (the other `COMPONENT` attributes, the restore elements, `restoreType`). Their
//! names follow the `IVssComponent` method names in Windows' own spelling; their value words
//! are the enums' names in the style of the observed `backupType`/`writerRestore` words
//! (`docs/documents.md` lists them). A document Windows saves with other words fails to load
//! with a message naming the attribute and the words expected, never silently.

use super::read::{self, Element, XmlError};
use super::{guid, word_of, Emitter};
use crate::vocab::{
    BackupComponent, BackupComponentsDocument, BackupSchema, BackupState, BackupType,
    ComponentType, DifferencedFiles, DirectedTarget, FileDescriptor, FileRestoreStatus, LunMapping,
    PartialFile, ProviderId, RestoreSubcomponent, RestoreTarget, RestoreType, SnapshotDescription,
    SnapshotId, SnapshotSetDescription, SnapshotSetId, WriterClassId, WriterComponents,
    WriterInstanceId,
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

const RESTORE_TYPE: [(&str, RestoreType); 4] = [
    ("undefined", RestoreType::VSS_RTYPE_UNDEFINED),
    ("byCopy", RestoreType::VSS_RTYPE_BY_COPY),
    ("import", RestoreType::VSS_RTYPE_IMPORT),
    ("other", RestoreType::VSS_RTYPE_OTHER),
];

const RESTORE_TARGET: [(&str, RestoreTarget); 5] = [
    ("undefined", RestoreTarget::VSS_RT_UNDEFINED),
    ("original", RestoreTarget::VSS_RT_ORIGINAL),
    ("alternate", RestoreTarget::VSS_RT_ALTERNATE),
    ("directed", RestoreTarget::VSS_RT_DIRECTED),
    ("originalLocation", RestoreTarget::VSS_RT_ORIGINAL_LOCATION),
];

const FILES_RESTORED: [(&str, FileRestoreStatus); 4] = [
    ("undefined", FileRestoreStatus::VSS_RS_UNDEFINED),
    ("none", FileRestoreStatus::VSS_RS_NONE),
    ("all", FileRestoreStatus::VSS_RS_ALL),
    ("failed", FileRestoreStatus::VSS_RS_FAILED),
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
    if let Some(restore_type) = document.restore_type {
        out.attr("restoreType", word_of(&RESTORE_TYPE, restore_type));
    }
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
            save_component(&mut out, component);
        }
        out.end("WRITER_COMPONENTS");
    }
    if let Some(description) = &document.snapshot_set_description {
        save_description(&mut out, description);
    }
    out.end("BACKUP_COMPONENTS");
    out.finish()
}

/// `SNAPSHOT_SET_DESCRIPTION`: as loaded, or as the simulator writes it.
fn save_description(out: &mut Emitter, description: &SnapshotSetDescription) {
    if let Some(markup) = &description.verbatim {
        out.raw(markup);
        return;
    }
    out.start("SNAPSHOT_SET_DESCRIPTION");
    out.attr("snapshotSetId", &guid(description.snapshot_set_id.0));
    out.attr_opt(
        "context",
        description.context.map(|c| c.to_string()).as_deref(),
    );
    for snapshot in &description.snapshots {
        out.start("SNAPSHOT_DESCRIPTION");
        out.attr("snapshotId", &guid(snapshot.snapshot_id.0));
        out.attr_opt(
            "providerId",
            snapshot.provider_id.map(|p| guid(p.0)).as_deref(),
        );
        out.attr_opt(
            "snapshotAttributes",
            snapshot.attributes.map(|a| a.to_string()).as_deref(),
        );
        out.attr_opt(
            "originatingMachine",
            snapshot.originating_machine.as_deref(),
        );
        out.attr_opt("serviceMachine", snapshot.service_machine.as_deref());
        out.attr_opt("originalVolumeName", snapshot.original_volume.as_deref());
        out.attr_opt(
            "timestamp",
            snapshot.timestamp.map(|t| t.to_string()).as_deref(),
        );
        for lun in &snapshot.luns {
            out.start("LUN_MAPPING");
            for (element, signature) in [
                ("SOURCE_LUN", lun.source),
                ("DESTINATION_LUN", lun.destination),
            ] {
                if let Some(signature) = signature {
                    out.start(element);
                    out.start("LUN_INFORMATION");
                    out.attr("diskSignature", &guid(signature));
                    out.end("LUN_INFORMATION");
                    out.end(element);
                }
            }
            out.end("LUN_MAPPING");
        }
        out.end("SNAPSHOT_DESCRIPTION");
    }
    out.end("SNAPSHOT_SET_DESCRIPTION");
}

fn save_component(out: &mut Emitter, component: &BackupComponent) {
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
    out.attr_opt("backupOptions", component.backup_options.as_deref());
    if let Some(selected) = component.selected_for_restore {
        out.attr_bool("selectedForRestore", selected);
    }
    out.attr_opt("restoreOptions", component.restore_options.as_deref());
    if let Some(additional) = component.additional_restores {
        out.attr_bool("additionalRestores", additional);
    }
    if let Some(target) = component.restore_target {
        out.attr("restoreTarget", word_of(&RESTORE_TARGET, target));
    }
    if let Some(status) = component.file_restore_status {
        out.attr("filesRestored", word_of(&FILES_RESTORED, status));
    }
    out.attr_opt(
        "preRestoreFailureMsg",
        component.pre_restore_failure_msg.as_deref(),
    );
    out.attr_opt(
        "postRestoreFailureMsg",
        component.post_restore_failure_msg.as_deref(),
    );
    for (element, metadata) in [
        ("BACKUP_METADATA", &component.backup_metadata),
        ("RESTORE_METADATA", &component.restore_metadata),
    ] {
        if let Some(metadata) = metadata {
            out.start(element);
            out.attr("xmlns", "");
            out.attr("metadata", metadata);
            out.end(element);
        }
    }
    for file in &component.partial_files {
        out.start("PARTIAL_FILE");
        out.attr("path", &file.path);
        out.attr("filespec", &file.filename);
        out.attr("ranges", &file.ranges);
        out.attr_opt("metadata", file.metadata.as_deref());
        out.end("PARTIAL_FILE");
    }
    for files in &component.differenced_files {
        out.start("DIFFERENCED_FILE");
        out.attr("path", &files.path);
        out.attr("filespec", &files.filespec);
        out.attr_bool("recursive", files.recursive);
        // FILETIME's two DWORDs, as decimal numbers.
        out.attr(
            "lastModifyTimeLow",
            &(files.last_modify_time & 0xFFFF_FFFF).to_string(),
        );
        out.attr(
            "lastModifyTimeHigh",
            &(files.last_modify_time >> 32).to_string(),
        );
        out.attr_opt("lastModifyLSN", files.last_modify_lsn.as_deref());
        out.end("DIFFERENCED_FILE");
    }
    for sub in &component.restore_subcomponents {
        out.start("RESTORE_SUBCOMPONENT");
        out.attr_opt("logicalPath", sub.logical_path.as_deref());
        out.attr("componentName", &sub.name);
        out.attr_bool("repair", sub.repair);
        out.end("RESTORE_SUBCOMPONENT");
    }
    for target in &component.new_targets {
        out.start("RESTORE_TARGET");
        out.attr("path", &target.path);
        out.attr("filespec", &target.filespec);
        out.attr_bool("recursive", target.recursive);
        out.attr_opt("alternatePath", target.alternate_location.as_deref());
        out.end("RESTORE_TARGET");
    }
    for target in &component.directed_targets {
        out.start("DIRECTED_TARGET");
        out.attr("path", &target.source_path);
        out.attr("filespec", &target.source_filename);
        out.attr("sourceRanges", &target.source_ranges);
        out.attr("targetPath", &target.destination_path);
        out.attr("targetFilespec", &target.destination_filename);
        out.attr("targetRanges", &target.destination_ranges);
        out.end("DIRECTED_TARGET");
    }
    out.end("COMPONENT");
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
    read::check_namespaces(
        &document,
        NAMESPACE,
        &["BACKUP_METADATA", "RESTORE_METADATA"],
    )?;
    let _version = root.required("version")?;
    let backup_state = BackupState {
        bootable_system_state: root.yes_no("bootableSystemStateBackup", None)?,
        select_components: root.yes_no("selectComponents", None)?,
        backup_type: root.word("backupType", &BACKUP_TYPE, None)?,
        partial_file_support: root.yes_no("partialFileSupport", None)?,
    };
    let restore_type = match root.optional("restoreType") {
        Some(_) => Some(root.word("restoreType", &RESTORE_TYPE, None)?),
        None => None,
    };
    let snapshot_set_id = match root.optional("snapshotSetId") {
        Some(_) => Some(SnapshotSetId(root.guid("snapshotSetId")?)),
        None => None,
    };
    let children = root.children()?;
    root.done()?;
    let mut writers = Vec::new();
    let mut snapshot_set_description = None;
    for child in children {
        if child.tag_name().name() == "SNAPSHOT_SET_DESCRIPTION" {
            if snapshot_set_description.is_some() {
                return Err(XmlError::at(
                    child,
                    "a second <SNAPSHOT_SET_DESCRIPTION>; a document describes one set",
                ));
            }
            snapshot_set_description = Some(load_description(text, child)?);
        } else {
            writers.push(load_writer(text, child)?);
        }
    }
    Ok(BackupComponentsDocument {
        backup_state,
        snapshot_set_id,
        writers,
        restore_type,
        snapshot_set_description,
    })
}

/// `SNAPSHOT_SET_DESCRIPTION`, leniently (see the module's notes): the ids it must have, the
/// simulator's attributes where present, and the markup to save again.
fn load_description(
    text: &str,
    node: roxmltree::Node<'_, '_>,
) -> Result<SnapshotSetDescription, XmlError> {
    let mut set = Element::expect(node, "SNAPSHOT_SET_DESCRIPTION")?;
    let context = match set.optional("context") {
        Some(_) => Some(set.number("context", None)?),
        None => None,
    };
    let mut description =
        SnapshotSetDescription::new(SnapshotSetId(set.guid("snapshotSetId")?), context);
    for node in node
        .descendants()
        .filter(|n| n.has_tag_name("SNAPSHOT_DESCRIPTION"))
    {
        let mut e = Element::expect(node, "SNAPSHOT_DESCRIPTION")?;
        let mut snapshot = SnapshotDescription::new(SnapshotId(e.guid("snapshotId")?));
        snapshot.provider_id = match e.optional("providerId") {
            Some(_) => Some(ProviderId(e.guid("providerId")?)),
            None => None,
        };
        snapshot.attributes = match e.optional("snapshotAttributes") {
            Some(_) => Some(e.number("snapshotAttributes", None)?),
            None => None,
        };
        snapshot.originating_machine = e.optional("originatingMachine").map(str::to_owned);
        snapshot.service_machine = e.optional("serviceMachine").map(str::to_owned);
        snapshot.original_volume = e.optional("originalVolumeName").map(str::to_owned);
        snapshot.timestamp = match e.optional("timestamp") {
            Some(stamp) => Some(stamp.parse().map_err(|_| {
                XmlError::at(
                    node,
                    format!("<SNAPSHOT_DESCRIPTION> timestamp={stamp:?} is not a VSS_TIMESTAMP"),
                )
            })?),
            None => None,
        };
        for mapping in node.descendants().filter(|n| n.has_tag_name("LUN_MAPPING")) {
            snapshot.luns.push(LunMapping {
                source: lun_signature(mapping, "SOURCE_LUN")?,
                destination: lun_signature(mapping, "DESTINATION_LUN")?,
            });
        }
        description.snapshots.push(snapshot);
    }
    description.verbatim = Some(text[node.range()].to_owned());
    Ok(description)
}

/// The disk signature of `mapping`'s `side` LUN, if it has one.
fn lun_signature(
    mapping: roxmltree::Node<'_, '_>,
    side: &str,
) -> Result<Option<uuid::Uuid>, XmlError> {
    let Some(info) = mapping
        .children()
        .filter(|n| n.has_tag_name(side))
        .flat_map(|n| n.descendants())
        .find(|n| n.has_tag_name("LUN_INFORMATION"))
    else {
        return Ok(None);
    };
    let mut e = Element::expect(info, "LUN_INFORMATION")?;
    match e.optional("diskSignature") {
        Some(_) => e.guid("diskSignature").map(Some),
        None => Ok(None),
    }
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
    component.backup_succeeded = optional_yes_no(&mut e, "backupSucceeded")?;
    component.backup_options = e.optional("backupOptions").map(str::to_owned);
    component.selected_for_restore = optional_yes_no(&mut e, "selectedForRestore")?;
    component.restore_options = e.optional("restoreOptions").map(str::to_owned);
    component.additional_restores = optional_yes_no(&mut e, "additionalRestores")?;
    if e.optional("restoreTarget").is_some() {
        component.restore_target = Some(e.word("restoreTarget", &RESTORE_TARGET, None)?);
    }
    if e.optional("filesRestored").is_some() {
        component.file_restore_status = Some(e.word("filesRestored", &FILES_RESTORED, None)?);
    }
    component.pre_restore_failure_msg = e.optional("preRestoreFailureMsg").map(str::to_owned);
    component.post_restore_failure_msg = e.optional("postRestoreFailureMsg").map(str::to_owned);
    for child in e.children()? {
        let mut c = Element::expect(child, child.tag_name().name())?;
        match c.name() {
            "BACKUP_METADATA" | "RESTORE_METADATA" => {
                let backup = c.name() == "BACKUP_METADATA";
                let slot = if backup {
                    &mut component.backup_metadata
                } else {
                    &mut component.restore_metadata
                };
                if slot.is_some() {
                    return Err(XmlError::at(
                        child,
                        format!("a second <{}> in <COMPONENT>", c.name()),
                    ));
                }
                *slot = Some(c.required("metadata")?.to_owned());
            }
            "PARTIAL_FILE" => component.partial_files.push(PartialFile {
                path: c.required("path")?.to_owned(),
                filename: c.required("filespec")?.to_owned(),
                ranges: c.required("ranges")?.to_owned(),
                metadata: c.optional("metadata").map(str::to_owned),
            }),
            "DIFFERENCED_FILE" => {
                let path = c.required("path")?.to_owned();
                let filespec = c.required("filespec")?.to_owned();
                let recursive = c.yes_no("recursive", Some(false))?;
                let low = u64::from(c.number("lastModifyTimeLow", None)?);
                let high = u64::from(c.number("lastModifyTimeHigh", None)?);
                component.differenced_files.push(DifferencedFiles {
                    path,
                    filespec,
                    recursive,
                    last_modify_time: high << 32 | low,
                    last_modify_lsn: c.optional("lastModifyLSN").map(str::to_owned),
                });
            }
            "RESTORE_SUBCOMPONENT" => {
                let logical_path = c
                    .optional("logicalPath")
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned);
                let name = c.required("componentName")?.to_owned();
                let repair = c.yes_no("repair", Some(false))?;
                component.restore_subcomponents.push(RestoreSubcomponent {
                    logical_path,
                    name,
                    repair,
                });
            }
            "RESTORE_TARGET" => {
                let mut target = FileDescriptor::new(c.required("path")?, c.required("filespec")?);
                target.recursive = c.yes_no("recursive", Some(false))?;
                target.alternate_location = c.optional("alternatePath").map(str::to_owned);
                component.new_targets.push(target);
            }
            "DIRECTED_TARGET" => component.directed_targets.push(DirectedTarget {
                source_path: c.required("path")?.to_owned(),
                source_filename: c.required("filespec")?.to_owned(),
                source_ranges: c.required("sourceRanges")?.to_owned(),
                destination_path: c.required("targetPath")?.to_owned(),
                destination_filename: c.required("targetFilespec")?.to_owned(),
                destination_ranges: c.required("targetRanges")?.to_owned(),
            }),
            other => {
                return Err(XmlError::at(
                    child,
                    format!("<COMPONENT> cannot hold <{other}>"),
                ))
            }
        }
        if let Some(inner) = c.children()?.first() {
            return Err(XmlError::at(
                *inner,
                format!("<{}> cannot hold <{}>", c.name(), inner.tag_name().name()),
            ));
        }
        c.done()?;
    }
    e.done()?;
    Ok(component)
}

/// A `yes`/`no` attribute that may be absent.
fn optional_yes_no<'a>(e: &mut Element<'a, '_>, name: &'a str) -> Result<Option<bool>, XmlError> {
    match e.optional(name) {
        Some(_) => e.yes_no(name, None).map(Some),
        None => Ok(None),
    }
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
