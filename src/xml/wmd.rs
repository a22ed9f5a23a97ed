//! The Writer Metadata Document in Windows' XML (R112): `IVssExamineWriterMetadata::SaveAsXML`
//! ([`save`]) and `LoadFromXML` / `CreateVssExamineWriterMetadata` ([`load`], [`load_bytes`]).
//!
//! ```text
//! <WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2" [backupSchema]>
//!   <IDENTIFICATION writerId instanceId [instanceName] friendlyName usage dataSource
//!                   majorVersion minorVersion/>
//!   <RESTORE_METHOD method [service] [userProcedure] writerRestore rebootRequired>   (0..1)
//!     <ALTERNATE_LOCATION_MAPPING path filespec [recursive] alternatePath/>*
//!   <BACKUP_LOCATIONS>
//!     <FILE_GROUP | DATABASE [logicalPath] componentName [caption] [icon] restoreMetadata
//!                 notifyOnBackupComplete selectable selectableForRestore componentFlags>*
//!       <FILE_LIST path filespec [recursive] [alternatePath] filespecBackupType/>*
//!       <DATABASE_FILES | DATABASE_LOGFILES path filespec filespecBackupType/>*
//!       <DEPENDENCY onWriterId [onLogicalPath] onComponentName/>*
//!     <EXCLUDE_FILES | EXCLUDE_FILES_FROM_SNAPSHOT path filespec recursive/>*
//! ```
//!
//! Observed in documents saved by Windows Server 2012 (`tests/fixtures/windows/`): every element
//! and attribute above except `service`, `userProcedure`, `icon`, `alternatePath`,
//! `ALTERNATE_LOCATION_MAPPING` and `DEPENDENCY`, whose names are inferred (the VSS SDK's test
//! writer schema uses the same vocabulary); the words of `method` other than
//! `RESTORE_IF_CAN_BE_REPLACED`, `REPLACE_AT_REBOOT` and `REPLACE_AT_REBOOT_IF_CANNOT_REPLACE`
//! come from that schema too. `docs/documents.md` lists the evidence.

use super::read::{self, Element, XmlError};
use super::{guid, word_of, Emitter};
use crate::vocab::metadata::{Layout, Location};
use crate::vocab::{
    BackupSchema, ComponentDependency, ComponentFlags, ComponentInfo, ComponentType, ComponentView,
    FileDescriptor, FileSpecBackupType, RestoreMethod, RestoreMethodInfo, SourceType, UsageType,
    WriterClassId, WriterIdentity, WriterInstanceId, WriterMetadataView, WriterRestore,
};

/// The namespace of a WMD's root.
pub const NAMESPACE: &str = "x-schema:#VssWriterMetadataInfo";

/// The version Windows writes (Windows Server 2012 and later).
pub const VERSION: &str = "1.2";

const USAGE: [(&str, UsageType); 5] = [
    ("UNDEFINED", UsageType::VSS_UT_UNDEFINED),
    (
        "BOOTABLE_SYSTEM_STATE",
        UsageType::VSS_UT_BOOTABLESYSTEMSTATE,
    ),
    ("SYSTEM_SERVICE", UsageType::VSS_UT_SYSTEMSERVICE),
    ("USER_DATA", UsageType::VSS_UT_USERDATA),
    ("OTHER", UsageType::VSS_UT_OTHER),
];

const DATA_SOURCE: [(&str, SourceType); 4] = [
    ("UNDEFINED", SourceType::VSS_ST_UNDEFINED),
    ("TRANSACTION_DB", SourceType::VSS_ST_TRANSACTEDDB),
    ("NONTRANSACTION_DB", SourceType::VSS_ST_NONTRANSACTEDDB),
    ("OTHER", SourceType::VSS_ST_OTHER),
];

/// No `UNDEFINED`: a document without a restore method has no `RESTORE_METHOD` element.
const METHOD: [(&str, RestoreMethod); 8] = [
    (
        "RESTORE_IF_NONE_THERE",
        RestoreMethod::VSS_RME_RESTORE_IF_NOT_THERE,
    ),
    (
        "RESTORE_IF_CAN_BE_REPLACED",
        RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE,
    ),
    (
        "STOP_RESTART_SERVICE",
        RestoreMethod::VSS_RME_STOP_RESTORE_START,
    ),
    (
        "RESTORE_TO_ALTERNATE_LOCATION",
        RestoreMethod::VSS_RME_RESTORE_TO_ALTERNATE_LOCATION,
    ),
    (
        "REPLACE_AT_REBOOT",
        RestoreMethod::VSS_RME_RESTORE_AT_REBOOT,
    ),
    (
        "REPLACE_AT_REBOOT_IF_CANNOT_REPLACE",
        RestoreMethod::VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE,
    ),
    ("CUSTOM", RestoreMethod::VSS_RME_CUSTOM),
    (
        "RESTORE_STOP_START",
        RestoreMethod::VSS_RME_RESTORE_STOP_START,
    ),
];

const WRITER_RESTORE: [(&str, WriterRestore); 4] = [
    ("undefined", WriterRestore::VSS_WRE_UNDEFINED),
    ("never", WriterRestore::VSS_WRE_NEVER),
    ("ifReplaceFails", WriterRestore::VSS_WRE_IF_REPLACE_FAILS),
    ("always", WriterRestore::VSS_WRE_ALWAYS),
];

/// `SaveAsXML`: the document as Windows writes it, on one line.
pub fn save(view: &WriterMetadataView) -> String {
    let mut out = Emitter::default();
    out.start("WRITER_METADATA");
    out.attr("xmlns", NAMESPACE);
    out.attr("version", VERSION);
    if view.backup_schema != BackupSchema::NONE {
        out.attr("backupSchema", &view.backup_schema.0.to_string());
    }
    let id = &view.identity;
    out.start("IDENTIFICATION");
    out.attr("writerId", &guid(id.writer_id.0));
    out.attr("instanceId", &guid(id.instance_id.0));
    out.attr_opt("instanceName", id.instance_name.as_deref());
    out.attr("friendlyName", &id.name);
    out.attr("usage", word_of(&USAGE, id.usage_type));
    out.attr("dataSource", word_of(&DATA_SOURCE, id.source_type));
    out.attr("majorVersion", &view.version.0.to_string());
    out.attr("minorVersion", &view.version.1.to_string());
    out.end("IDENTIFICATION");
    let has_method = view.restore_method.method != RestoreMethod::VSS_RME_UNDEFINED;
    if has_method && !view.layout.restore_method_last {
        restore_method(&mut out, view);
    }
    backup_locations(&mut out, view);
    if has_method && view.layout.restore_method_last {
        restore_method(&mut out, view);
    }
    out.end("WRITER_METADATA");
    out.finish()
}

fn restore_method(out: &mut Emitter, view: &WriterMetadataView) {
    let info = &view.restore_method;
    out.start("RESTORE_METHOD");
    out.attr("method", word_of(&METHOD, info.method));
    out.attr_opt("service", info.service.as_deref());
    out.attr_opt("userProcedure", info.user_procedure.as_deref());
    out.attr(
        "writerRestore",
        word_of(&WRITER_RESTORE, info.writer_restore),
    );
    out.attr_bool("rebootRequired", info.reboot_required);
    for mapping in &view.alternate_location_mappings {
        out.start("ALTERNATE_LOCATION_MAPPING");
        out.attr("path", &mapping.path);
        out.attr("filespec", &mapping.filespec);
        if mapping.recursive {
            out.attr_bool("recursive", true);
        }
        out.attr_opt("alternatePath", mapping.alternate_location.as_deref());
        out.end("ALTERNATE_LOCATION_MAPPING");
    }
    out.end("RESTORE_METHOD");
}

fn backup_locations(out: &mut Emitter, view: &WriterMetadataView) {
    out.start("BACKUP_LOCATIONS");
    let (mut c, mut e, mut s) = (0, 0, 0);
    let order = view.layout.locations(
        view.components.len(),
        view.exclude_files.len(),
        view.exclude_from_snapshot.len(),
    );
    for location in order {
        match location {
            Location::Component => {
                component(out, &view.components[c].info);
                c += 1;
            }
            Location::Exclude => {
                exclude(out, "EXCLUDE_FILES", &view.exclude_files[e]);
                e += 1;
            }
            Location::ExcludeFromSnapshot => {
                exclude(
                    out,
                    "EXCLUDE_FILES_FROM_SNAPSHOT",
                    &view.exclude_from_snapshot[s],
                );
                s += 1;
            }
        }
    }
    out.end("BACKUP_LOCATIONS");
}

fn component(out: &mut Emitter, info: &ComponentInfo) {
    let element = match info.component_type {
        ComponentType::VSS_CT_DATABASE => "DATABASE",
        _ => "FILE_GROUP",
    };
    out.start(element);
    out.attr_opt("logicalPath", info.logical_path.as_deref());
    out.attr("componentName", &info.name);
    out.attr_opt("caption", info.caption.as_deref());
    if !info.icon.is_empty() {
        out.attr("icon", &super::base64::encode(&info.icon));
    }
    out.attr_bool("restoreMetadata", info.restore_metadata);
    out.attr_bool("notifyOnBackupComplete", info.notify_on_backup_complete);
    out.attr_bool("selectable", info.selectable);
    out.attr_bool("selectableForRestore", info.selectable_for_restore);
    out.attr("componentFlags", &info.flags.0.to_string());
    for files in &info.files {
        out.start("FILE_LIST");
        out.attr("path", &files.path);
        out.attr("filespec", &files.filespec);
        if files.recursive {
            out.attr_bool("recursive", true);
        }
        out.attr_opt("alternatePath", files.alternate_location.as_deref());
        out.attr("filespecBackupType", &files.backup_type_mask.0.to_string());
        out.end("FILE_LIST");
    }
    for (name, list) in [
        ("DATABASE_FILES", &info.database_files),
        ("DATABASE_LOGFILES", &info.database_log_files),
    ] {
        for files in list {
            out.start(name);
            out.attr("path", &files.path);
            out.attr("filespec", &files.filespec);
            out.attr("filespecBackupType", &files.backup_type_mask.0.to_string());
            out.end(name);
        }
    }
    for dependency in &info.dependencies {
        out.start("DEPENDENCY");
        out.attr("onWriterId", &guid(dependency.writer_id.0));
        out.attr_opt("onLogicalPath", dependency.logical_path.as_deref());
        out.attr("onComponentName", &dependency.component_name);
        out.end("DEPENDENCY");
    }
    out.end(element);
}

fn exclude(out: &mut Emitter, element: &str, files: &FileDescriptor) {
    out.start(element);
    out.attr("path", &files.path);
    out.attr("filespec", &files.filespec);
    out.attr_bool("recursive", files.recursive);
    out.end(element);
}

/// `CreateVssExamineWriterMetadata` / `LoadFromXML` on bytes as a tool saved them (UTF-8 or
/// UTF-16, see the module docs of `xml`).
///
/// # Errors
///
/// An [`XmlError`] (`VSS_E_INVALID_XML_DOCUMENT`) naming the line, column and problem.
pub fn load_bytes(bytes: &[u8]) -> Result<WriterMetadataView, XmlError> {
    load(&read::decode(bytes)?)
}

/// `CreateVssExamineWriterMetadata` / `LoadFromXML`.
///
/// ```
/// use vss_sim::xml::wmd;
///
/// let text = r#"<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2"><IDENTIFICATION writerId="4969d978-be47-48b0-b100-f328f07ac1e0" instanceId="b4b4c8c1-1d2a-4b5e-9f21-3a6c2e4d5f60" friendlyName="BITS Writer" usage="SYSTEM_SERVICE" dataSource="OTHER" majorVersion="0" minorVersion="0"/><BACKUP_LOCATIONS><EXCLUDE_FILES path="C:\ProgramData\Microsoft\Network\Downloader" filespec="qmgr*.dat" recursive="no"/></BACKUP_LOCATIONS></WRITER_METADATA>"#;
/// let view = wmd::load(text).unwrap();
/// assert_eq!(view.identity.name, "BITS Writer");
/// assert_eq!(view.file_counts(), (0, 1, 0));
/// assert_eq!(wmd::save(&view), text); // byte for byte
///
/// let error = wmd::load("<WRITER_METADATA/>").unwrap_err();
/// assert_eq!(error.to_string(), "1:1: <WRITER_METADATA> has no namespace; VSS writes xmlns=\"x-schema:#VssWriterMetadataInfo\"");
/// ```
///
/// # Errors
///
/// An [`XmlError`] (`VSS_E_INVALID_XML_DOCUMENT`) naming the line, column and problem.
pub fn load(text: &str) -> Result<WriterMetadataView, XmlError> {
    let document = read::parse(text)?;
    let mut root = read::root(&document, "WRITER_METADATA", NAMESPACE)?;
    read::check_namespaces(&document, NAMESPACE, &[])?;
    let _version = root.required("version")?;
    let backup_schema = BackupSchema(root.number("backupSchema", Some(0))?);
    let children = root.children()?;
    let root_node = root.node;
    root.done()?;
    let mut identity = None;
    let mut version = (0, 0);
    let mut restore = None;
    let mut locations = None;
    let mut restore_method_last = false;
    for child in children {
        match child.tag_name().name() {
            "IDENTIFICATION" if identity.is_none() => {
                let (id, v) = load_identity(child)?;
                identity = Some(id);
                version = v;
            }
            "RESTORE_METHOD" if restore.is_none() => {
                restore = Some(load_restore_method(child)?);
                restore_method_last = locations.is_some();
            }
            "BACKUP_LOCATIONS" if locations.is_none() => {
                locations = Some(load_locations(child)?);
            }
            "IDENTIFICATION" | "RESTORE_METHOD" | "BACKUP_LOCATIONS" => {
                return Err(XmlError::at(
                    child,
                    format!(
                        "a second <{}> in <WRITER_METADATA>",
                        child.tag_name().name()
                    ),
                ));
            }
            other => {
                return Err(XmlError::at(
                    child,
                    format!("<WRITER_METADATA> cannot hold <{other}>"),
                ));
            }
        }
    }
    let identity = identity
        .ok_or_else(|| XmlError::at(root_node, "<WRITER_METADATA> lacks its <IDENTIFICATION>"))?;
    let (restore_method, alternate_location_mappings) = restore.unwrap_or_default();
    let locations = locations.unwrap_or_default();
    let components = locations
        .components
        .into_iter()
        .map(|info| ComponentView::of(&identity, info))
        .collect();
    Ok(WriterMetadataView {
        identity,
        restore_method,
        components,
        exclude_files: locations.exclude_files,
        exclude_from_snapshot: locations.exclude_from_snapshot,
        alternate_location_mappings,
        backup_schema,
        version,
        layout: Layout {
            locations: locations.order,
            restore_method_last,
        },
    })
}

fn no_children(element: &Element<'_, '_>) -> Result<(), XmlError> {
    match element.children()?.first() {
        Some(child) => Err(XmlError::at(
            *child,
            format!(
                "<{}> cannot hold <{}>",
                element.name(),
                child.tag_name().name()
            ),
        )),
        None => Ok(()),
    }
}

fn load_identity(node: roxmltree::Node<'_, '_>) -> Result<(WriterIdentity, (u32, u32)), XmlError> {
    let mut e = Element::expect(node, "IDENTIFICATION")?;
    let writer_id = WriterClassId(e.guid("writerId")?);
    let instance_id = WriterInstanceId(e.guid("instanceId")?);
    let instance_name = e.optional("instanceName").map(str::to_owned);
    let name = e.required("friendlyName")?.to_owned();
    let usage_type = e.word("usage", &USAGE, None)?;
    let source_type = e.word("dataSource", &DATA_SOURCE, None)?;
    let major = e.number("majorVersion", Some(0))?;
    let minor = e.number("minorVersion", Some(0))?;
    no_children(&e)?;
    e.done()?;
    let identity = WriterIdentity {
        instance_id,
        writer_id,
        name,
        instance_name,
        usage_type,
        source_type,
    };
    Ok((identity, (major, minor)))
}

fn load_restore_method(
    node: roxmltree::Node<'_, '_>,
) -> Result<(RestoreMethodInfo, Vec<FileDescriptor>), XmlError> {
    let mut e = Element::expect(node, "RESTORE_METHOD")?;
    let info = RestoreMethodInfo {
        method: e.word("method", &METHOD, None)?,
        service: e.optional("service").map(str::to_owned),
        user_procedure: e.optional("userProcedure").map(str::to_owned),
        writer_restore: e.word("writerRestore", &WRITER_RESTORE, None)?,
        reboot_required: e.yes_no("rebootRequired", None)?,
    };
    let mut mappings = Vec::new();
    for child in e.children()? {
        let mut m = Element::expect(child, "ALTERNATE_LOCATION_MAPPING")?;
        let mut mapping = FileDescriptor::new(m.required("path")?, m.required("filespec")?);
        mapping.recursive = m.yes_no("recursive", Some(false))?;
        mapping.alternate_location = Some(m.required("alternatePath")?.to_owned());
        no_children(&m)?;
        m.done()?;
        mappings.push(mapping);
    }
    e.done()?;
    Ok((info, mappings))
}

#[derive(Default)]
struct Locations {
    components: Vec<ComponentInfo>,
    exclude_files: Vec<FileDescriptor>,
    exclude_from_snapshot: Vec<FileDescriptor>,
    order: Vec<Location>,
}

fn load_locations(node: roxmltree::Node<'_, '_>) -> Result<Locations, XmlError> {
    let e = Element::expect(node, "BACKUP_LOCATIONS")?;
    let mut locations = Locations::default();
    for child in e.children()? {
        match child.tag_name().name() {
            "FILE_GROUP" | "DATABASE" => {
                let component = load_component(child)?;
                let duplicate = locations
                    .components
                    .iter()
                    .any(|c| c.logical_path == component.logical_path && c.name == component.name);
                if duplicate {
                    return Err(XmlError::at(
                        child,
                        format!(
                            "a second component {:?} under logical path {:?} (R109: unique per writer)",
                            component.name,
                            component.logical_path.as_deref().unwrap_or("")
                        ),
                    ));
                }
                locations.components.push(component);
                locations.order.push(Location::Component);
            }
            "EXCLUDE_FILES" => {
                locations.exclude_files.push(load_exclude(child)?);
                locations.order.push(Location::Exclude);
            }
            "EXCLUDE_FILES_FROM_SNAPSHOT" => {
                locations.exclude_from_snapshot.push(load_exclude(child)?);
                locations.order.push(Location::ExcludeFromSnapshot);
            }
            other => {
                return Err(XmlError::at(
                    child,
                    format!("<BACKUP_LOCATIONS> cannot hold <{other}>"),
                ))
            }
        }
    }
    e.done()?;
    Ok(locations)
}

fn load_component(node: roxmltree::Node<'_, '_>) -> Result<ComponentInfo, XmlError> {
    let element_name = node.tag_name().name();
    let mut e = Element::expect(node, element_name)?;
    let component_type = if element_name == "DATABASE" {
        ComponentType::VSS_CT_DATABASE
    } else {
        ComponentType::VSS_CT_FILEGROUP
    };
    let logical_path = e.optional("logicalPath").filter(|p| !p.is_empty());
    let name = e.required("componentName")?;
    if name.is_empty() {
        return Err(XmlError::at(
            node,
            format!("<{element_name}> has an empty componentName"),
        ));
    }
    let mut info = ComponentInfo::new(component_type, logical_path, name);
    info.caption = e.optional("caption").map(str::to_owned);
    if let Some(icon) = e.optional("icon") {
        info.icon = super::base64::decode(icon)
            .ok_or_else(|| XmlError::at(node, format!("<{element_name}> icon is not base64")))?;
    }
    info.restore_metadata = e.yes_no("restoreMetadata", Some(false))?;
    info.notify_on_backup_complete = e.yes_no("notifyOnBackupComplete", Some(false))?;
    info.selectable = e.yes_no("selectable", Some(true))?;
    info.selectable_for_restore = e.yes_no("selectableForRestore", Some(false))?;
    info.flags = ComponentFlags(e.number("componentFlags", Some(0))?);
    for child in e.children()? {
        let kind = child.tag_name().name();
        match (kind, component_type) {
            ("FILE_LIST", ComponentType::VSS_CT_FILEGROUP) => {
                let mut f = Element::expect(child, kind)?;
                let mut files = FileDescriptor::new(f.required("path")?, f.required("filespec")?);
                files.recursive = f.yes_no("recursive", Some(false))?;
                files.alternate_location = f.optional("alternatePath").map(str::to_owned);
                files.backup_type_mask = FileSpecBackupType(
                    f.number("filespecBackupType", Some(FileSpecBackupType::DEFAULT.0))?,
                );
                no_children(&f)?;
                f.done()?;
                info.files.push(files);
            }
            ("DATABASE_FILES" | "DATABASE_LOGFILES", ComponentType::VSS_CT_DATABASE) => {
                let mut f = Element::expect(child, kind)?;
                let files = FileDescriptor::new(f.required("path")?, f.required("filespec")?)
                    .backup_type_mask(FileSpecBackupType(
                        f.number("filespecBackupType", Some(FileSpecBackupType::DEFAULT.0))?,
                    ));
                no_children(&f)?;
                f.done()?;
                if kind == "DATABASE_FILES" {
                    info.database_files.push(files);
                } else {
                    info.database_log_files.push(files);
                }
            }
            ("DEPENDENCY", _) => {
                let mut d = Element::expect(child, kind)?;
                let dependency = ComponentDependency {
                    writer_id: WriterClassId(d.guid("onWriterId")?),
                    logical_path: d.optional("onLogicalPath").map(str::to_owned),
                    component_name: d.required("onComponentName")?.to_owned(),
                };
                no_children(&d)?;
                d.done()?;
                info.dependencies.push(dependency);
            }
            (other, _) => {
                return Err(XmlError::at(
                    child,
                    format!("<{element_name}> cannot hold <{other}> (R108)"),
                ))
            }
        }
    }
    e.done()?;
    Ok(info)
}

fn load_exclude(node: roxmltree::Node<'_, '_>) -> Result<FileDescriptor, XmlError> {
    let kind = node.tag_name().name();
    let mut e = Element::expect(node, kind)?;
    let mut files = FileDescriptor::new(e.required("path")?, e.required("filespec")?);
    files.recursive = e.yes_no("recursive", Some(false))?;
    no_children(&e)?;
    e.done()?;
    Ok(files)
}
