//! `IVssCreateWriterMetadata`: how a writer declares its Writer Metadata Document in
//! `OnIdentify` (R72, R108–R112, R115). The document itself, [`WriterMetadata`], is shared
//! vocabulary (`vocab`), since requesters examine it too.
//!
//! | `IVssCreateWriterMetadata(Ex)` | here |
//! |---|---|
//! | `AddComponent(ct, logicalPath, name, caption, icon, restoreMetadata, notify, selectable, selectableForRestore, flags)` | [`WriterMetadata::declare_component`] ([`WriterMetadata::add_component`]: the common case) |
//! | `AddFilesToFileGroup(logicalPath, group, path, filespec, recursive, alternate, mask)` | [`WriterMetadata::add_files_to_file_group`] |
//! | `AddDatabaseFiles(logicalPath, database, path, filespec, mask)` | [`WriterMetadata::add_database_files`] |
//! | `AddDatabaseLogFiles(logicalPath, database, path, filespec, mask)` | [`WriterMetadata::add_database_log_files`] |
//! | `AddExcludeFiles(path, filespec, recursive)` | [`WriterMetadata::add_exclude_files`] |
//! | `AddExcludeFilesFromSnapshot(path, filespec, recursive)` | [`WriterMetadata::add_exclude_files_from_snapshot`] |
//! | `AddAlternateLocationMapping(path, filespec, recursive, destination)` | [`WriterMetadata::add_alternate_location_mapping`] |
//! | `AddComponentDependency(logicalPath, name, onWriterId, onLogicalPath, onName)` | [`WriterMetadata::add_component_dependency`] |
//! | `SetRestoreMethod(method, service, userProcedure, writerRestore, rebootRequired)` | [`WriterMetadata::declare_restore_method`] ([`WriterMetadata::set_restore_method`]: the method alone) |
//! | `SetBackupSchema(schema)` | [`WriterMetadata::set_backup_schema`] |
//! | `AddIncludeFiles` | not offered: Windows reserves it and does not support it |
//!
//! Every declaring method returns what Windows returns: `Ok(())` for `S_OK`, or the error,
//! and a failed call changes nothing. Where Microsoft's pages call a declaration invalid without
//! naming the code (a backslash in a component name, a missing service for a stop-and-start
//! restore method, a mapping that matches no file set, `VSS_RME_UNDEFINED`, a schema with bits
//! `VSS_BACKUP_SCHEMA` does not name) the code is `E_INVALIDARG`, the one they list for
//! "one of the parameter values is not valid" (`docs/protocol.md`, "Writer metadata").

use std::cell::Cell;

use crate::vocab::metadata::Location;
use crate::vocab::{
    BackupSchema, ComponentDependency, ComponentInfo, ComponentType, ComponentView, FileDescriptor,
    FileSpecBackupType, Hresult, RestoreMethod, RestoreMethodInfo, WriterClassId, WriterIdentity,
    WriterMetadata, WriterMetadataView,
};

impl WriterMetadata {
    /// `AddComponent` for the common case: a selectable component with no caption, icon,
    /// restore metadata or flags. A declaration Windows would refuse (an empty name, a
    /// duplicate) is ignored here; use [`WriterMetadata::declare_component`] to see the error.
    pub fn add_component(
        &mut self,
        component_type: ComponentType,
        logical_path: Option<&str>,
        name: &str,
    ) -> &mut Self {
        let _ = self.declare_component(ComponentInfo::new(component_type, logical_path, name));
        self
    }

    /// `IVssCreateWriterMetadata::AddComponent` (R108–R111): declares `component` (its file
    /// and dependency lists are ignored: declare them with the methods below).
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for an empty name, a name with a backslash (the logical path holds
    /// those) or `VSS_CT_UNDEFINED`; `VSS_E_OBJECT_ALREADY_EXISTS` when a component with the
    /// same logical path and name exists (R109; `None` and `""` are both the root).
    pub fn declare_component(&mut self, mut component: ComponentInfo) -> Result<(), Hresult> {
        injected()?;
        if component.name.is_empty()
            || component.name.contains('\\')
            || component.component_type == ComponentType::VSS_CT_UNDEFINED
        {
            return Err(Hresult::E_INVALIDARG);
        }
        // R109: the root is NULL or "", never "\".
        if component.logical_path.as_deref() == Some("") {
            component.logical_path = None;
        }
        if self
            .component(component.logical_path.as_deref(), &component.name)
            .is_some()
        {
            return Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        component.files.clear();
        component.database_files.clear();
        component.database_log_files.clear();
        component.dependencies.clear();
        self.components.push(component);
        self.layout.locations.push(Location::Component);
        Ok(())
    }

    /// `IVssCreateWriterMetadata::AddFilesToFileGroup`: `files` belong to the file group
    /// component `name` under `logical_path` (R108: recursion and an alternate location are
    /// allowed).
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for an empty path or file specification, or when the component is a
    /// database; `VSS_E_OBJECT_NOT_FOUND` when no such component was declared.
    pub fn add_files_to_file_group(
        &mut self,
        logical_path: Option<&str>,
        name: &str,
        files: FileDescriptor,
    ) -> Result<(), Hresult> {
        injected()?;
        check_files(&files)?;
        let component = self.component_mut(logical_path, name)?;
        if component.component_type != ComponentType::VSS_CT_FILEGROUP {
            return Err(Hresult::E_INVALIDARG);
        }
        component.files.push(files);
        Ok(())
    }

    /// `IVssCreateWriterMetadata::AddDatabaseFiles`: `filespec` in `path` are files of the
    /// database component `name` (R108: not recursive, no alternate location).
    ///
    /// # Errors
    ///
    /// As [`WriterMetadata::add_database_log_files`].
    pub fn add_database_files(
        &mut self,
        logical_path: Option<&str>,
        name: &str,
        path: &str,
        filespec: &str,
        mask: FileSpecBackupType,
    ) -> Result<(), Hresult> {
        let files = FileDescriptor::new(path, filespec).backup_type_mask(mask);
        self.add_to_database(logical_path, name, files, |db| &mut db.database_files)
    }

    /// `IVssCreateWriterMetadata::AddDatabaseLogFiles`: `filespec` in `path` are log files of
    /// the database component `name` (R108).
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for an empty path or file specification, or when the component is a
    /// file group; `VSS_E_OBJECT_NOT_FOUND` when no such component was declared.
    pub fn add_database_log_files(
        &mut self,
        logical_path: Option<&str>,
        name: &str,
        path: &str,
        filespec: &str,
        mask: FileSpecBackupType,
    ) -> Result<(), Hresult> {
        let files = FileDescriptor::new(path, filespec).backup_type_mask(mask);
        self.add_to_database(logical_path, name, files, |db| &mut db.database_log_files)
    }

    /// `IVssCreateWriterMetadata::AddExcludeFiles`: files never to back up.
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for an empty path or file specification.
    pub fn add_exclude_files(
        &mut self,
        path: &str,
        filespec: &str,
        recursive: bool,
    ) -> Result<(), Hresult> {
        self.exclude(Location::Exclude, path, filespec, recursive)
    }

    /// `IVssCreateWriterMetadataEx::AddExcludeFilesFromSnapshot`: files VSS deletes from the
    /// shadow copy after it is created.
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for an empty path or file specification.
    pub fn add_exclude_files_from_snapshot(
        &mut self,
        path: &str,
        filespec: &str,
        recursive: bool,
    ) -> Result<(), Hresult> {
        self.exclude(Location::ExcludeFromSnapshot, path, filespec, recursive)
    }

    /// `IVssCreateWriterMetadata::AddAlternateLocationMapping`: where files matching
    /// `filespec` in `path` are restored when they cannot go back in place.
    ///
    /// # Errors
    ///
    /// `VSS_E_OBJECT_NOT_FOUND` before `SetRestoreMethod` (as documented); `E_INVALIDARG` for
    /// an empty path, file specification or destination, or when path, file specification and
    /// recursion match none of the components' file sets (R112: "must match that of one of
    /// the file sets").
    pub fn add_alternate_location_mapping(
        &mut self,
        path: &str,
        filespec: &str,
        recursive: bool,
        destination: &str,
    ) -> Result<(), Hresult> {
        injected()?;
        if self.restore_method.method == RestoreMethod::VSS_RME_UNDEFINED {
            return Err(Hresult::VSS_E_OBJECT_NOT_FOUND);
        }
        if destination.is_empty() {
            return Err(Hresult::E_INVALIDARG);
        }
        let mut files = FileDescriptor::new(path, filespec).alternate_location(destination);
        files.recursive = recursive;
        check_files(&files)?;
        let matches = self
            .components
            .iter()
            .flat_map(ComponentInfo::all_files)
            .any(|set| {
                same_directory(&set.path, &files.path)
                    && crate::vocab::same_path(&set.filespec, &files.filespec)
                    && set.recursive == files.recursive
            });
        if !matches {
            return Err(Hresult::E_INVALIDARG);
        }
        self.alternate_location_mappings.push(files);
        Ok(())
    }

    /// `IVssCreateWriterMetadataEx::AddComponentDependency`: the component `name` under
    /// `logical_path` depends on `on`, a component of another writer.
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for an empty name or a `GUID_NULL` writer class;
    /// `VSS_E_OBJECT_NOT_FOUND` when no such component of this writer was declared.
    pub fn add_component_dependency(
        &mut self,
        logical_path: Option<&str>,
        name: &str,
        on: ComponentDependency,
    ) -> Result<(), Hresult> {
        injected()?;
        if on.component_name.is_empty() || on.writer_id == WriterClassId::NULL {
            return Err(Hresult::E_INVALIDARG);
        }
        self.component_mut(logical_path, name)?
            .dependencies
            .push(on);
        Ok(())
    }

    /// `IVssCreateWriterMetadata::SetRestoreMethod` with only the method (no service, no user
    /// procedure, `VSS_WRE_UNDEFINED`, no reboot): the common case. Like
    /// [`WriterMetadata::add_component`] it ignores a failure (the test kit's injected
    /// `E_OUTOFMEMORY` then leaves the method undeclared); use
    /// [`WriterMetadata::declare_restore_method`] to see it.
    pub fn set_restore_method(&mut self, method: RestoreMethod) -> &mut Self {
        if injected().is_err() {
            return self;
        }
        self.restore_method_declared();
        self.restore_method = RestoreMethodInfo {
            method,
            ..RestoreMethodInfo::default()
        };
        self
    }

    /// Windows' document gets its `RESTORE_METHOD` element at the first `SetRestoreMethod`:
    /// after `BACKUP_LOCATIONS` when a location was declared first.
    fn restore_method_declared(&mut self) {
        if self.restore_method.method == RestoreMethod::VSS_RME_UNDEFINED {
            self.layout.restore_method_last = !self.layout.locations.is_empty();
        }
    }

    /// `IVssCreateWriterMetadata::SetRestoreMethod` with every argument (R72).
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` for `VSS_RME_UNDEFINED`, or a stop-and-start method without a
    /// service.
    pub fn declare_restore_method(&mut self, info: RestoreMethodInfo) -> Result<(), Hresult> {
        injected()?;
        let needs_service = matches!(
            info.method,
            RestoreMethod::VSS_RME_STOP_RESTORE_START | RestoreMethod::VSS_RME_RESTORE_STOP_START
        );
        let service = info.service.as_deref().is_some_and(|s| !s.is_empty());
        if info.method == RestoreMethod::VSS_RME_UNDEFINED || needs_service && !service {
            return Err(Hresult::E_INVALIDARG);
        }
        self.restore_method_declared();
        self.restore_method = info;
        Ok(())
    }

    /// `IVssCreateWriterMetadataEx::SetBackupSchema` (R115).
    ///
    /// # Errors
    ///
    /// `E_INVALIDARG` ("the backup schema argument is not valid") for bits `VSS_BACKUP_SCHEMA`
    /// does not name.
    pub fn set_backup_schema(&mut self, schema: BackupSchema) -> Result<(), Hresult> {
        injected()?;
        if schema.unknown_bits() != 0 {
            return Err(Hresult::E_INVALIDARG);
        }
        self.backup_schema = schema;
        Ok(())
    }

    /// The document a requester examined (or loaded from XML), as its writer declared it:
    /// everything but the identity, which is the writer's [`WriterConfig`](super::WriterConfig)
    /// ([`WriterConfig::from_identity`](super::WriterConfig::from_identity)), and the version.
    pub fn from_view(view: &WriterMetadataView) -> Self {
        Self {
            restore_method: view.restore_method.clone(),
            components: view.components.iter().map(|c| c.info.clone()).collect(),
            exclude_files: view.exclude_files.clone(),
            exclude_from_snapshot: view.exclude_from_snapshot.clone(),
            alternate_location_mappings: view.alternate_location_mappings.clone(),
            backup_schema: view.backup_schema,
            layout: view.layout.clone(),
        }
    }

    /// The document as a requester examines it (`IVssExamineWriterMetadata`), for the writer
    /// with `identity`.
    pub fn view(&self, identity: &WriterIdentity) -> WriterMetadataView {
        WriterMetadataView {
            identity: identity.clone(),
            restore_method: self.restore_method.clone(),
            components: self
                .components
                .iter()
                .map(|c| ComponentView::of(identity, c.clone()))
                .collect(),
            exclude_files: self.exclude_files.clone(),
            exclude_from_snapshot: self.exclude_from_snapshot.clone(),
            alternate_location_mappings: self.alternate_location_mappings.clone(),
            backup_schema: self.backup_schema,
            version: (0, 0),
            layout: self.layout.clone(),
        }
    }

    fn component_mut(
        &mut self,
        logical_path: Option<&str>,
        name: &str,
    ) -> Result<&mut ComponentInfo, Hresult> {
        let logical_path = logical_path.filter(|p| !p.is_empty());
        self.components
            .iter_mut()
            .find(|c| c.logical_path.as_deref() == logical_path && c.name == name)
            .ok_or(Hresult::VSS_E_OBJECT_NOT_FOUND)
    }

    /// `files` go to the list `list` picks of the database component `name` (R108).
    fn add_to_database(
        &mut self,
        logical_path: Option<&str>,
        name: &str,
        files: FileDescriptor,
        list: fn(&mut ComponentInfo) -> &mut Vec<FileDescriptor>,
    ) -> Result<(), Hresult> {
        injected()?;
        check_files(&files)?;
        let component = self.component_mut(logical_path, name)?;
        if component.component_type != ComponentType::VSS_CT_DATABASE {
            return Err(Hresult::E_INVALIDARG);
        }
        list(component).push(files);
        Ok(())
    }

    /// An exclusion (`AddExcludeFiles`, or from the snapshot), in declaration order.
    fn exclude(
        &mut self,
        location: Location,
        path: &str,
        filespec: &str,
        recursive: bool,
    ) -> Result<(), Hresult> {
        injected()?;
        let mut files = FileDescriptor::new(path, filespec);
        files.recursive = recursive;
        check_files(&files)?;
        match location {
            Location::ExcludeFromSnapshot => self.exclude_from_snapshot.push(files),
            _ => self.exclude_files.push(files),
        }
        self.layout.locations.push(location);
        Ok(())
    }
}

/// Whether two directories are the same, with or without the trailing backslash (optional in
/// every path argument of `IVssCreateWriterMetadata`).
fn same_directory(a: &str, b: &str) -> bool {
    crate::vocab::same_path(a.trim_end_matches('\\'), b.trim_end_matches('\\'))
}

/// A path and a file specification are required.
fn check_files(files: &FileDescriptor) -> Result<(), Hresult> {
    if files.path.is_empty() || files.filespec.is_empty() {
        return Err(Hresult::E_INVALIDARG);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> WriterMetadata {
        let mut metadata = WriterMetadata::default();
        metadata
            .declare_component(ComponentInfo::database("Db").logical_path("Instance"))
            .unwrap();
        metadata
            .declare_component(ComponentInfo::file_group("Logs"))
            .unwrap();
        metadata
    }

    #[test]
    fn r109_a_component_is_unique_by_logical_path_and_name() {
        let mut metadata = declared();
        assert_eq!(
            metadata.declare_component(ComponentInfo::database("Db").logical_path("Instance")),
            Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS)
        );
        // The same name under another path is another component; "" is the root.
        metadata
            .declare_component(ComponentInfo::database("Db"))
            .unwrap();
        assert_eq!(
            metadata.declare_component(ComponentInfo::database("Db").logical_path("")),
            Err(Hresult::VSS_E_OBJECT_ALREADY_EXISTS)
        );
        assert_eq!(
            metadata.declare_component(ComponentInfo::database("")),
            Err(Hresult::E_INVALIDARG)
        );
        assert_eq!(metadata.components.len(), 3);
    }

    #[test]
    fn r108_files_go_to_the_kind_of_component_they_belong_to() {
        let mut metadata = declared();
        let mask = FileSpecBackupType::DEFAULT;
        metadata
            .add_database_files(Some("Instance"), "Db", r"D:\Data\", "*.mdf", mask)
            .unwrap();
        metadata
            .add_database_log_files(Some("Instance"), "Db", r"L:\Logs\", "*.ldf", mask)
            .unwrap();
        metadata
            .add_files_to_file_group(
                None,
                "Logs",
                FileDescriptor::new(r"C:\App\Logs\", "*").recursive(),
            )
            .unwrap();
        assert_eq!(
            metadata.add_files_to_file_group(
                Some("Instance"),
                "Db",
                FileDescriptor::new(r"D:\", "*")
            ),
            Err(Hresult::E_INVALIDARG)
        );
        assert_eq!(
            metadata.add_database_files(None, "Logs", r"D:\", "*", mask),
            Err(Hresult::E_INVALIDARG)
        );
        assert_eq!(
            metadata.add_database_files(None, "Missing", r"D:\", "*", mask),
            Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
        );
        assert_eq!(
            metadata.add_exclude_files("", "*.tmp", false),
            Err(Hresult::E_INVALIDARG)
        );
        let db = metadata.component(Some("Instance"), "Db").unwrap();
        assert_eq!(db.all_files().count(), 2);
    }

    #[test]
    fn r112_a_mapping_needs_the_restore_method_and_a_matching_file_set() {
        let mut metadata = declared();
        metadata
            .add_files_to_file_group(None, "Logs", FileDescriptor::new(r"C:\App\Logs", "*.log"))
            .unwrap();
        assert_eq!(
            metadata.add_alternate_location_mapping(r"C:\App\Logs", "*.log", false, r"D:\Alt"),
            Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
        );
        metadata.set_restore_method(RestoreMethod::VSS_RME_RESTORE_TO_ALTERNATE_LOCATION);
        assert_eq!(
            metadata.add_alternate_location_mapping(r"C:\App\Other", "*.log", false, r"D:\Alt"),
            Err(Hresult::E_INVALIDARG)
        );
        metadata
            .add_alternate_location_mapping(r"c:\app\logs\", "*.LOG", false, r"D:\Alt")
            .unwrap();
        assert_eq!(
            metadata.set_backup_schema(BackupSchema(0x800)),
            Err(Hresult::E_INVALIDARG)
        );
        assert_eq!(
            metadata.declare_component(ComponentInfo::file_group(r"a\b")),
            Err(Hresult::E_INVALIDARG)
        );
    }

    #[test]
    fn r72_the_restore_method_and_its_service() {
        let mut metadata = declared();
        assert!(!metadata.is_complete());
        let stop_start = RestoreMethodInfo {
            method: RestoreMethod::VSS_RME_STOP_RESTORE_START,
            ..RestoreMethodInfo::default()
        };
        assert_eq!(
            metadata.declare_restore_method(stop_start.clone()),
            Err(Hresult::E_INVALIDARG)
        );
        metadata
            .declare_restore_method(RestoreMethodInfo {
                service: Some("MSSQLSERVER".into()),
                ..stop_start
            })
            .unwrap();
        assert!(metadata.is_complete());
    }
}

/// A failure the test kit lays over one declaring call of an `OnIdentify`: the `call`-th
/// (from 1) returns `hr` and changes nothing, so the writer's error path there runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MetadataFault {
    pub(crate) call: u32,
    pub(crate) hr: Hresult,
}

thread_local! {
    /// The fault laid over the `OnIdentify` running on this thread, if any.
    static FAULT: Cell<Option<MetadataFault>> = const { Cell::new(None) };
    /// The declaring calls that `OnIdentify` made so far.
    static CALLS: Cell<u32> = const { Cell::new(0) };
}

/// Runs `identify` (one `OnIdentify`) with `fault` laid over its declaring calls; returns its
/// result and how many declaring calls it made. The fault is gone afterwards, also when
/// `identify` panics.
pub(crate) fn with_metadata_fault<R>(
    fault: Option<MetadataFault>,
    identify: impl FnOnce() -> R,
) -> (R, u32) {
    struct Restore(Option<MetadataFault>, u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            FAULT.set(self.0);
            CALLS.set(self.1);
        }
    }
    let _restore = Restore(FAULT.replace(fault), CALLS.replace(0));
    let result = identify();
    (result, CALLS.get())
}

/// Counts one declaring call and fails it when it is the one the fault names.
fn injected() -> Result<(), Hresult> {
    let call = CALLS.get() + 1;
    CALLS.set(call);
    match FAULT.get() {
        Some(fault) if fault.call == call => Err(fault.hr),
        _ => Ok(()),
    }
}
