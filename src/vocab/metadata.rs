//! The parts of a Writer Metadata Document both sides speak of (R108–R112): file descriptors,
//! component dependencies, the restore method, and the bit sets `VSS_COMPONENT_FLAGS`,
//! `VSS_BACKUP_SCHEMA` and `VSS_FILE_SPEC_BACKUP_TYPE`. Writers declare them
//! (`IVssCreateWriterMetadata`, `writer::WriterMetadata`); requesters read them
//! (`IVssExamineWriterMetadata`, [`super::WriterMetadataView`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ComponentType, RestoreMethod, WriterClassId};

/// A set of bits of a Windows flags type, as a transparent `u32` newtype.
macro_rules! bit_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$bit_doc:meta])* $bit:ident = $value:expr;)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// No bits.
            pub const NONE: Self = Self(0);
            $($(#[$bit_doc])* pub const $bit: Self = Self($value);)*
            /// Every named bit with its Windows name, in value order.
            pub const NAMED: &'static [(Self, &'static str)] = &[$((Self::$bit, stringify!($bit))),*];

            /// Whether every bit of `other` is set.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// The bits of `self` that no name covers.
            pub const fn unknown_bits(self) -> u32 {
                let mut known = 0;
                $(known |= $value;)*
                self.0 & !known
            }
        }

        impl std::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, other: Self) -> Self {
                Self(self.0 | other.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let names: Vec<&str> = Self::NAMED
                    .iter()
                    .filter(|(bit, _)| bit.0 != 0 && self.contains(*bit))
                    .map(|(_, name)| *name)
                    .collect();
                if names.is_empty() {
                    write!(f, "{}({:#x})", stringify!($name), self.0)
                } else {
                    write!(f, "{}", names.join(" | "))?;
                    match self.unknown_bits() {
                        0 => Ok(()),
                        rest => write!(f, " | {rest:#x}"),
                    }
                }
            }
        }
    };
}

bit_set! {
    /// `VSS_COMPONENT_FLAGS` (`AddComponent`'s `dwComponentFlags`): which kinds of shadow copy
    /// a component supports.
    ComponentFlags {
        /// `VSS_CF_BACKUP_RECOVERY`: the writer supports backup-and-restore recovery from a
        /// shadow copy of this component.
        VSS_CF_BACKUP_RECOVERY = 0x1;
        /// `VSS_CF_APP_ROLLBACK_RECOVERY`: it supports application rollback from a shadow copy.
        VSS_CF_APP_ROLLBACK_RECOVERY = 0x2;
        /// `VSS_CF_NOT_SYSTEM_STATE`: not part of system state, even from a system-state writer.
        VSS_CF_NOT_SYSTEM_STATE = 0x4;
    }
}

bit_set! {
    /// `VSS_BACKUP_SCHEMA` (`SetBackupSchema`): the backup types and restore features a writer
    /// supports beyond a full backup (R115).
    BackupSchema {
        /// `VSS_BS_DIFFERENTIAL`.
        VSS_BS_DIFFERENTIAL = 0x1;
        /// `VSS_BS_INCREMENTAL`.
        VSS_BS_INCREMENTAL = 0x2;
        /// `VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL`.
        VSS_BS_EXCLUSIVE_INCREMENTAL_DIFFERENTIAL = 0x4;
        /// `VSS_BS_LOG`.
        VSS_BS_LOG = 0x8;
        /// `VSS_BS_COPY`.
        VSS_BS_COPY = 0x10;
        /// `VSS_BS_TIMESTAMPED`.
        VSS_BS_TIMESTAMPED = 0x20;
        /// `VSS_BS_LAST_MODIFY`.
        VSS_BS_LAST_MODIFY = 0x40;
        /// `VSS_BS_LSN`.
        VSS_BS_LSN = 0x80;
        /// `VSS_BS_WRITER_SUPPORTS_NEW_TARGET`.
        VSS_BS_WRITER_SUPPORTS_NEW_TARGET = 0x100;
        /// `VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE`.
        VSS_BS_WRITER_SUPPORTS_RESTORE_WITH_MOVE = 0x200;
        /// `VSS_BS_INDEPENDENT_SYSTEM_STATE`.
        VSS_BS_INDEPENDENT_SYSTEM_STATE = 0x400;
        /// `VSS_BS_ROLLFORWARD_RESTORE`.
        VSS_BS_ROLLFORWARD_RESTORE = 0x1000;
        /// `VSS_BS_RESTORE_RENAME`.
        VSS_BS_RESTORE_RENAME = 0x2000;
        /// `VSS_BS_AUTHORITATIVE_RESTORE`.
        VSS_BS_AUTHORITATIVE_RESTORE = 0x4000;
        /// `VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES`.
        VSS_BS_WRITER_SUPPORTS_PARALLEL_RESTORES = 0x8000;
    }
}

impl BackupSchema {
    /// Whether a writer with this schema takes part in a backup of `backup_type` as such:
    /// `VSS_BT_FULL` always ("all writers support it"), `VSS_BT_INCREMENTAL`,
    /// `VSS_BT_DIFFERENTIAL`, `VSS_BT_LOG` and `VSS_BT_COPY` with their `VSS_BS_*` bit,
    /// `VSS_BT_OTHER` and `VSS_BT_UNDEFINED` never (R115, `VSS_BACKUP_TYPE`).
    pub const fn supports(self, backup_type: super::BackupType) -> bool {
        use super::BackupType as T;
        match backup_type {
            T::VSS_BT_FULL => true,
            T::VSS_BT_INCREMENTAL => self.contains(Self::VSS_BS_INCREMENTAL),
            T::VSS_BT_DIFFERENTIAL => self.contains(Self::VSS_BS_DIFFERENTIAL),
            T::VSS_BT_LOG => self.contains(Self::VSS_BS_LOG),
            T::VSS_BT_COPY => self.contains(Self::VSS_BS_COPY),
            T::VSS_BT_OTHER | T::VSS_BT_UNDEFINED => false,
        }
    }

    /// What a requester backing up with `requested` does with this writer's data (R115): "If a
    /// requester, when processing a given backup type, encounters a writer that does not
    /// support that backup type, the requester performs backup or restore operations for that
    /// particular writer's data as if the backup type was `VSS_BT_FULL`." VSS itself passes
    /// the requested type on unchanged (`CVssWriter::GetBackupType` echoes `SetBackupState`,
    /// R70); `VSS_BT_OTHER` is the requester's own business and stays as it is.
    pub const fn backup_type_for(self, requested: super::BackupType) -> super::BackupType {
        match requested {
            super::BackupType::VSS_BT_OTHER | super::BackupType::VSS_BT_UNDEFINED => requested,
            _ if self.supports(requested) => requested,
            _ => super::BackupType::VSS_BT_FULL,
        }
    }
}

bit_set! {
    /// `VSS_FILE_SPEC_BACKUP_TYPE` (`dwBackupTypeMask` of the file-declaring methods): the
    /// backup types for which a file set must be backed up and for which it needs a shadow copy.
    FileSpecBackupType {
        /// `VSS_FSBT_FULL_BACKUP_REQUIRED`.
        VSS_FSBT_FULL_BACKUP_REQUIRED = 0x1;
        /// `VSS_FSBT_DIFFERENTIAL_BACKUP_REQUIRED`.
        VSS_FSBT_DIFFERENTIAL_BACKUP_REQUIRED = 0x2;
        /// `VSS_FSBT_INCREMENTAL_BACKUP_REQUIRED`.
        VSS_FSBT_INCREMENTAL_BACKUP_REQUIRED = 0x4;
        /// `VSS_FSBT_LOG_BACKUP_REQUIRED`.
        VSS_FSBT_LOG_BACKUP_REQUIRED = 0x8;
        /// `VSS_FSBT_FULL_SNAPSHOT_REQUIRED`.
        VSS_FSBT_FULL_SNAPSHOT_REQUIRED = 0x100;
        /// `VSS_FSBT_DIFFERENTIAL_SNAPSHOT_REQUIRED`.
        VSS_FSBT_DIFFERENTIAL_SNAPSHOT_REQUIRED = 0x200;
        /// `VSS_FSBT_INCREMENTAL_SNAPSHOT_REQUIRED`.
        VSS_FSBT_INCREMENTAL_SNAPSHOT_REQUIRED = 0x400;
        /// `VSS_FSBT_LOG_SNAPSHOT_REQUIRED`.
        VSS_FSBT_LOG_SNAPSHOT_REQUIRED = 0x800;
        /// `VSS_FSBT_CREATED_DURING_BACKUP`.
        VSS_FSBT_CREATED_DURING_BACKUP = 0x10000;
    }
}

impl FileSpecBackupType {
    /// `VSS_FSBT_ALL_BACKUP_REQUIRED`: backed up by every backup type.
    pub const VSS_FSBT_ALL_BACKUP_REQUIRED: Self = Self(0xF);
    /// `VSS_FSBT_ALL_SNAPSHOT_REQUIRED`: a shadow copy is needed by every backup type.
    pub const VSS_FSBT_ALL_SNAPSHOT_REQUIRED: Self = Self(0xF00);
    /// The mask the file-declaring methods take when the writer passes none:
    /// `VSS_FSBT_ALL_BACKUP_REQUIRED | VSS_FSBT_ALL_SNAPSHOT_REQUIRED`.
    pub const DEFAULT: Self = Self(0xF0F);
}

/// `VSS_WRITERRESTORE_ENUM` (`SetRestoreMethod`'s `writerRestore`): whether the writer takes
/// part in restores (receives PreRestore and PostRestore).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum WriterRestore {
    /// Undefined.
    #[default]
    VSS_WRE_UNDEFINED = 0,
    /// Never: the writer does not take part in restores.
    VSS_WRE_NEVER = 1,
    /// Only when a file cannot be replaced.
    VSS_WRE_IF_REPLACE_FAILS = 2,
    /// Always.
    VSS_WRE_ALWAYS = 3,
}

impl WriterRestore {
    /// Every value, in value order.
    pub const ALL: [Self; 4] = [
        Self::VSS_WRE_UNDEFINED,
        Self::VSS_WRE_NEVER,
        Self::VSS_WRE_IF_REPLACE_FAILS,
        Self::VSS_WRE_ALWAYS,
    ];
}

/// What `SetRestoreMethod` declares and `GetRestoreMethod` reads (R72, R112).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RestoreMethodInfo {
    /// `method`.
    pub method: RestoreMethod,
    /// `wszService`: the service to stop and start (`VSS_RME_STOP_RESTORE_START`,
    /// `VSS_RME_RESTORE_STOP_START`).
    pub service: Option<String>,
    /// `wszUserProcedure`: a URL or text telling the operator how to restore
    /// (`VSS_RME_CUSTOM`).
    pub user_procedure: Option<String>,
    /// `writerRestore`.
    pub writer_restore: WriterRestore,
    /// `bRebootRequired`.
    pub reboot_required: bool,
}

/// A file set as `IVssWMFiledesc` describes it: a directory, a file specification in it,
/// whether subdirectories count, an alternate location, the backup types it is needed for.
/// The same shape declares exclusions and alternate location mappings (whose `alternate_location`
/// is the destination).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileDescriptor {
    /// `GetPath`: the directory, e.g. `C:\Data\` or `%SystemRoot%\System32\config`.
    pub path: String,
    /// `GetFilespec`: the file names it matches, wildcards allowed (`*.mdf`).
    pub filespec: String,
    /// `GetRecursive`: subdirectories of `path` too.
    pub recursive: bool,
    /// `GetAlternateLocation`.
    pub alternate_location: Option<String>,
    /// `GetBackupTypeMask`.
    pub backup_type_mask: FileSpecBackupType,
}

impl FileDescriptor {
    /// `filespec` in `path`, not recursive, no alternate location, the default mask.
    pub fn new(path: impl Into<String>, filespec: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            filespec: filespec.into(),
            recursive: false,
            alternate_location: None,
            backup_type_mask: FileSpecBackupType::DEFAULT,
        }
    }

    /// Subdirectories too.
    #[must_use]
    pub fn recursive(mut self) -> Self {
        self.recursive = true;
        self
    }

    /// With an alternate location.
    #[must_use]
    pub fn alternate_location(mut self, location: impl Into<String>) -> Self {
        self.alternate_location = Some(location.into());
        self
    }

    /// With a backup type mask.
    #[must_use]
    pub fn backup_type_mask(mut self, mask: FileSpecBackupType) -> Self {
        self.backup_type_mask = mask;
        self
    }
}

/// A dependency of one component on another writer's component (`AddComponentDependency`,
/// `IVssWMDependency`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComponentDependency {
    /// `GetWriterId`: the class of the writer whose component it depends on.
    pub writer_id: WriterClassId,
    /// `GetLogicalPath`.
    pub logical_path: Option<String>,
    /// `GetComponentName`.
    pub component_name: String,
}

/// One component as a writer declares it and a requester examines it: `VSS_COMPONENTINFO` with
/// its files and dependencies (`IVssWMComponent`; R108–R111).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ComponentInfo {
    /// `type`: database or file group (R108).
    pub component_type: ComponentType,
    /// `bstrLogicalPath`; `None` is the root (R109).
    pub logical_path: Option<String>,
    /// `bstrComponentName`, unique with the logical path (R109).
    pub name: String,
    /// `bstrCaption`: a description for people.
    pub caption: Option<String>,
    /// `pbIcon`: the icon's bytes (empty: none).
    pub icon: Vec<u8>,
    /// `bRestoreMetadata`: the writer stores restore metadata with the component.
    pub restore_metadata: bool,
    /// `bNotifyOnBackupComplete` (reserved by Windows; kept as declared).
    pub notify_on_backup_complete: bool,
    /// `bSelectable`: selectable for backup (R110).
    pub selectable: bool,
    /// `bSelectableForRestore` (R111).
    pub selectable_for_restore: bool,
    /// `dwComponentFlags`.
    pub flags: ComponentFlags,
    /// The file group's files (`AddFilesToFileGroup`, `GetFile`).
    pub files: Vec<FileDescriptor>,
    /// The database's files (`AddDatabaseFiles`, `GetDatabaseFile`).
    pub database_files: Vec<FileDescriptor>,
    /// The database's log files (`AddDatabaseLogFiles`, `GetDatabaseLogFile`).
    pub database_log_files: Vec<FileDescriptor>,
    /// Its dependencies on other writers' components (`AddComponentDependency`,
    /// `GetDependency`).
    pub dependencies: Vec<ComponentDependency>,
}

impl ComponentInfo {
    /// A component with `AddComponent`'s common arguments: no caption or icon, no restore
    /// metadata, selectable for backup, not selectable for restore, no flags, no files.
    pub fn new(component_type: ComponentType, logical_path: Option<&str>, name: &str) -> Self {
        Self {
            component_type,
            logical_path: logical_path.map(str::to_owned),
            name: name.to_owned(),
            caption: None,
            icon: Vec::new(),
            restore_metadata: false,
            notify_on_backup_complete: false,
            selectable: true,
            selectable_for_restore: false,
            flags: ComponentFlags::NONE,
            files: Vec::new(),
            database_files: Vec::new(),
            database_log_files: Vec::new(),
            dependencies: Vec::new(),
        }
    }

    /// A file group component (`VSS_CT_FILEGROUP`) at the root.
    pub fn file_group(name: &str) -> Self {
        Self::new(ComponentType::VSS_CT_FILEGROUP, None, name)
    }

    /// A database component (`VSS_CT_DATABASE`) at the root.
    pub fn database(name: &str) -> Self {
        Self::new(ComponentType::VSS_CT_DATABASE, None, name)
    }

    /// Under `logical_path` (R109).
    #[must_use]
    pub fn logical_path(mut self, path: &str) -> Self {
        self.logical_path = Some(path.to_owned());
        self
    }

    /// With a caption.
    #[must_use]
    pub fn caption(mut self, caption: &str) -> Self {
        self.caption = Some(caption.to_owned());
        self
    }

    /// Selectable for backup or not (R110).
    #[must_use]
    pub fn selectable(mut self, selectable: bool) -> Self {
        self.selectable = selectable;
        self
    }

    /// Selectable for restore or not (R111).
    #[must_use]
    pub fn selectable_for_restore(mut self, selectable: bool) -> Self {
        self.selectable_for_restore = selectable;
        self
    }

    /// With restore metadata.
    #[must_use]
    pub fn restore_metadata(mut self, restore_metadata: bool) -> Self {
        self.restore_metadata = restore_metadata;
        self
    }

    /// With `dwComponentFlags`.
    #[must_use]
    pub fn flags(mut self, flags: ComponentFlags) -> Self {
        self.flags = flags;
        self
    }

    /// Its full logical path: its logical path and its name (R109), `\`-separated.
    pub fn full_path(&self) -> String {
        full_path(self.logical_path.as_deref(), &self.name)
    }

    /// Whether `other` lies below this component in the logical path tree (R109): its
    /// logical path is this component's full path or goes on from it.
    pub fn is_ancestor_of(&self, other: &Self) -> bool {
        let Some(path) = other.logical_path.as_deref() else {
            return false;
        };
        // `path` is `full_path()` or goes on from it after a `\`; compared without building it.
        let rest = match self.logical_path.as_deref() {
            Some(own) => match path.strip_prefix(own).and_then(|r| r.strip_prefix('\\')) {
                Some(rest) => rest,
                None => return false,
            },
            None => path,
        };
        rest.strip_prefix(self.name.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('\\'))
    }

    /// Every file set it declares: file group files, database files, log files.
    pub fn all_files(&self) -> impl Iterator<Item = &FileDescriptor> {
        self.files
            .iter()
            .chain(&self.database_files)
            .chain(&self.database_log_files)
    }
}

/// A writer's metadata document (WMD, R112) as built through `IVssCreateWriterMetadata` in
/// `OnIdentify` (`writer::WriterMetadata`'s declaring methods) and read through
/// `IVssExamineWriterMetadata` ([`super::WriterMetadataView`]).
///
/// R44: a writer must build the same document on every Identify; the coordinator keeps each
/// session's copy so tests can compare them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WriterMetadata {
    /// `SetRestoreMethod` (required by R72).
    pub restore_method: RestoreMethodInfo,
    /// Declared components (at least one, R72), in declaration order.
    pub components: Vec<ComponentInfo>,
    /// `AddExcludeFiles`: files never to back up.
    pub exclude_files: Vec<FileDescriptor>,
    /// `AddExcludeFilesFromSnapshot`: files to delete from the shadow copy.
    pub exclude_from_snapshot: Vec<FileDescriptor>,
    /// `AddAlternateLocationMapping` (`alternate_location` is the destination).
    pub alternate_location_mappings: Vec<FileDescriptor>,
    /// `SetBackupSchema` (R115); none: full backups only.
    pub backup_schema: BackupSchema,
    /// The order the writer declared things in, which its XML keeps.
    #[serde(skip)]
    pub(crate) layout: Layout,
}

/// The order of a document's parts as the writer declared them, which `SaveAsXML` keeps: the
/// entries of `BACKUP_LOCATIONS` in declaration order, and whether `RESTORE_METHOD` came after
/// them (the writer declared a location before `SetRestoreMethod`, as the WMI Writer does). A
/// layout that does not match the document's contents (a document built field by field) is
/// ignored: components, then exclusions, then exclusions from the snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Layout {
    pub(crate) locations: Vec<Location>,
    pub(crate) restore_method_last: bool,
}

/// One entry of `BACKUP_LOCATIONS`: the next of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Location {
    Component,
    Exclude,
    ExcludeFromSnapshot,
}

impl Layout {
    /// The entries in order for a document with these counts: the recorded order when it fits,
    /// else the canonical one.
    pub(crate) fn locations(
        &self,
        components: usize,
        excludes: usize,
        from_snapshot: usize,
    ) -> Vec<Location> {
        let count = |kind| self.locations.iter().filter(|l| **l == kind).count();
        if count(Location::Component) == components
            && count(Location::Exclude) == excludes
            && count(Location::ExcludeFromSnapshot) == from_snapshot
        {
            return self.locations.clone();
        }
        std::iter::repeat_n(Location::Component, components)
            .chain(std::iter::repeat_n(Location::Exclude, excludes))
            .chain(std::iter::repeat_n(
                Location::ExcludeFromSnapshot,
                from_snapshot,
            ))
            .collect()
    }
}

impl WriterMetadata {
    /// R72: a restore method is set and at least one component is declared.
    pub fn is_complete(&self) -> bool {
        self.restore_method.method != RestoreMethod::VSS_RME_UNDEFINED
            && !self.components.is_empty()
    }

    /// The component named `name` under `logical_path`, if declared.
    pub fn component(&self, logical_path: Option<&str>, name: &str) -> Option<&ComponentInfo> {
        self.components
            .iter()
            .find(|c| c.logical_path.as_deref() == logical_path && c.name == name)
    }
    /// The components a requester adds to back the whole writer up (R110): those with no
    /// selectable ancestor ([`super::WriterMetadataView::explicit_components`]).
    pub fn explicit_components(&self) -> impl Iterator<Item = &ComponentInfo> {
        self.components
            .iter()
            .filter(|c| is_explicit(&self.components, c))
    }
}

/// `component` has no selectable ancestor among `components` (R110).
pub(crate) fn is_explicit(components: &[ComponentInfo], component: &ComponentInfo) -> bool {
    // A component without a logical path has no ancestor: skip the scan.
    component.logical_path.is_none()
        || !components
            .iter()
            .any(|a| a.selectable && a.is_ancestor_of(component))
}

/// A component's full logical path (R109): `logical\path\name`, or `name` at the root.
pub fn full_path(logical_path: Option<&str>, name: &str) -> String {
    match logical_path {
        Some(path) => format!("{path}\\{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mask_is_every_backup_and_snapshot_type() {
        assert_eq!(
            FileSpecBackupType::VSS_FSBT_ALL_BACKUP_REQUIRED
                | FileSpecBackupType::VSS_FSBT_ALL_SNAPSHOT_REQUIRED,
            FileSpecBackupType::DEFAULT
        );
        assert_eq!(FileSpecBackupType::DEFAULT.unknown_bits(), 0);
    }

    #[test]
    fn r115_a_writer_without_the_schema_is_backed_up_full() {
        use super::super::BackupType as T;
        let sql = BackupSchema(881); // DIFFERENTIAL | COPY | TIMESTAMPED | LAST_MODIFY | …
        assert_eq!(
            sql.backup_type_for(T::VSS_BT_DIFFERENTIAL),
            T::VSS_BT_DIFFERENTIAL
        );
        assert_eq!(sql.backup_type_for(T::VSS_BT_COPY), T::VSS_BT_COPY);
        assert_eq!(sql.backup_type_for(T::VSS_BT_INCREMENTAL), T::VSS_BT_FULL);
        assert_eq!(sql.backup_type_for(T::VSS_BT_LOG), T::VSS_BT_FULL);
        let plain = BackupSchema::NONE;
        for t in [
            T::VSS_BT_INCREMENTAL,
            T::VSS_BT_DIFFERENTIAL,
            T::VSS_BT_LOG,
            T::VSS_BT_COPY,
        ] {
            assert_eq!(plain.backup_type_for(t), T::VSS_BT_FULL, "{t:?}");
        }
        assert_eq!(plain.backup_type_for(T::VSS_BT_FULL), T::VSS_BT_FULL);
        assert_eq!(plain.backup_type_for(T::VSS_BT_OTHER), T::VSS_BT_OTHER);
    }

    #[test]
    fn r109_ancestors_are_found_by_whole_path_segments() {
        let at = |path: Option<&str>, name: &str| {
            ComponentInfo::new(ComponentType::VSS_CT_FILEGROUP, path, name)
        };
        let root = at(None, "Db");
        let nested = at(Some("Sql"), "Db");
        assert!(root.is_ancestor_of(&at(Some("Db"), "Log")));
        assert!(root.is_ancestor_of(&at(Some("Db\\2024"), "Log")));
        assert!(!root.is_ancestor_of(&at(Some("Dbx"), "Log")));
        assert!(!root.is_ancestor_of(&at(None, "Log")));
        assert!(!root.is_ancestor_of(&root));
        assert!(nested.is_ancestor_of(&at(Some("Sql\\Db"), "Log")));
        assert!(nested.is_ancestor_of(&at(Some("Sql\\Db\\x"), "Log")));
        assert!(!nested.is_ancestor_of(&at(Some("Sql\\Dbx"), "Log")));
        assert!(!nested.is_ancestor_of(&at(Some("Sql"), "Log")));
        assert!(!nested.is_ancestor_of(&at(Some("Db"), "Log")));
        for (a, b) in [(&root, "Db"), (&nested, "Sql\\Db")] {
            assert_eq!(a.full_path(), b);
        }
    }

    #[test]
    fn bit_sets_print_their_windows_names() {
        let flags =
            ComponentFlags::VSS_CF_BACKUP_RECOVERY | ComponentFlags::VSS_CF_NOT_SYSTEM_STATE;
        assert_eq!(
            format!("{flags:?}"),
            "VSS_CF_BACKUP_RECOVERY | VSS_CF_NOT_SYSTEM_STATE"
        );
        assert_eq!(
            format!("{:?}", BackupSchema(0x10_0000)),
            "BackupSchema(0x100000)"
        );
        assert_eq!(
            format!("{:?}", BackupSchema(0x3 | 0x10_0000)),
            "VSS_BS_DIFFERENTIAL | VSS_BS_INCREMENTAL | 0x100000"
        );
    }
}
