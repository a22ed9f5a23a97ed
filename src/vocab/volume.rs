//! The machine's volumes (issue 12 part 4; R16, R85, R102–R104): the names a requester may
//! give (`AddToSnapshotSet`, `IsVolumeSupported`), the volume GUID path shadow copies report as
//! their original volume, the file system and kind the system provider cares about, and the
//! shadow storage (diff area) that holds the volume's software shadow copies.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

/// A volume's file system.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FileSystem {
    /// NTFS: every context (R104: persistent shadow copies need NTFS).
    #[default]
    #[serde(rename = "NTFS")]
    Ntfs,
    /// ReFS: non-persistent shadow copies only.
    #[serde(rename = "ReFS")]
    Refs,
    /// FAT32: non-persistent shadow copies only.
    #[serde(rename = "FAT32")]
    Fat32,
    /// exFAT: non-persistent shadow copies only.
    #[serde(rename = "exFAT")]
    ExFat,
}

impl FileSystem {
    /// R104: persistent shadow copies can be made only of NTFS volumes.
    pub fn takes_persistent_copies(self) -> bool {
        self == Self::Ntfs
    }
}

/// The default size of a volume: 128 GiB.
pub const DEFAULT_VOLUME_BYTES: u64 = 128 << 30;

/// The least shadow storage a new shadow copy needs on a volume larger than 500 MB: 320 MB
/// (`MinDiffAreaFileSize`, the initial diff area file; 32 MB for smaller volumes).
pub const INITIAL_DIFF_AREA_BYTES: u64 = 320 << 20;

/// The initial diff area on a volume of 500 MB or less.
pub const SMALL_VOLUME_DIFF_AREA_BYTES: u64 = 32 << 20;

/// R102: the most software shadow copies a volume may have.
pub const MAX_COPIES_PER_VOLUME: usize = 512;

/// R102: the most client-accessible copies a volume keeps by default (`MaxShadowCopies`).
pub const DEFAULT_MAX_CLIENT_ACCESSIBLE_COPIES: u32 = 64;

/// One volume of the simulated machine.
///
/// In a scenario file a volume is either its name (`"D:\\"`) or a table with the fields below
/// (unknown fields are refused).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Volume {
    /// Its drive letter or mount folder, with the trailing backslash (R16): `C:\`, `D:\Data\`.
    pub name: String,
    /// Its volume GUID, the `{GUID}` of its `\\?\Volume{GUID}\` name (default: minted from its
    /// position on the machine, `{56535304-0000-8000-8000-00000000000n}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guid: Option<Uuid>,
    /// Further mount folders it is reachable by (`E:\Mount\`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mount_points: Vec<String>,
    /// Its file system (default NTFS).
    pub file_system: FileSystem,
    /// A removable volume: the system provider does not take it (R85).
    pub removable: bool,
    /// Its size in bytes (default [`DEFAULT_VOLUME_BYTES`]).
    pub size_bytes: u64,
    /// The free space its shadow storage may grow into (default: half its size).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_bytes: Option<u64>,
    /// The shadow storage maximum (`vssadmin resize shadowstorage /maxsize`); `None` is
    /// UNBOUNDED, the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_storage_bytes: Option<u64>,
    /// A volume on a virtual hard disk (VHD): the name of the volume its `.vhd(x)` file lives
    /// on. A VHD inside another VHD, or a VHD in one set with its host, is
    /// `VSS_E_NESTED_VOLUME_LIMIT` (Windows 7 / Server 2008 R2 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hosted_on: Option<String>,
    /// Files are open on it, so it cannot be locked: `RevertToSnapshot` without
    /// `bForceDismount` fails with `VSS_E_VOLUME_IN_USE`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub in_use: bool,
}

impl Volume {
    /// A fixed NTFS volume of the default size, with unbounded shadow storage.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            guid: None,
            mount_points: Vec::new(),
            file_system: FileSystem::Ntfs,
            removable: false,
            size_bytes: DEFAULT_VOLUME_BYTES,
            free_bytes: None,
            max_storage_bytes: None,
            hosted_on: None,
            in_use: false,
        }
    }

    /// Marks it in use: files are open on it, so it cannot be locked.
    #[must_use]
    pub fn in_use(mut self) -> Self {
        self.in_use = true;
        self
    }

    /// Makes it a volume on a virtual hard disk whose file lives on volume `host`.
    #[must_use]
    pub fn on_vhd_in(mut self, host: impl Into<String>) -> Self {
        self.hosted_on = Some(host.into());
        self
    }

    /// Sets its volume GUID.
    #[must_use]
    pub fn guid(mut self, guid: Uuid) -> Self {
        self.guid = Some(guid);
        self
    }

    /// Adds a mount folder it is reachable by.
    #[must_use]
    pub fn mount_point(mut self, path: impl Into<String>) -> Self {
        self.mount_points.push(path.into());
        self
    }

    /// Sets its file system.
    #[must_use]
    pub fn file_system(mut self, file_system: FileSystem) -> Self {
        self.file_system = file_system;
        self
    }

    /// Makes it removable.
    #[must_use]
    pub fn removable(mut self) -> Self {
        self.removable = true;
        self
    }

    /// Sets its size and free space, in bytes.
    #[must_use]
    pub fn size(mut self, size_bytes: u64, free_bytes: u64) -> Self {
        self.size_bytes = size_bytes;
        self.free_bytes = Some(free_bytes);
        self
    }

    /// Sets its shadow storage maximum, in bytes.
    #[must_use]
    pub fn max_storage(mut self, bytes: u64) -> Self {
        self.max_storage_bytes = Some(bytes);
        self
    }

    /// The shadow storage its copies may use: the maximum, within the free space.
    pub fn storage_capacity(&self) -> u64 {
        let free = self.free_bytes.unwrap_or(self.size_bytes / 2);
        self.max_storage_bytes.map_or(free, |max| max.min(free))
    }

    /// The diff area a new shadow copy of it starts with (`MinDiffAreaFileSize`).
    pub fn initial_diff_area(&self) -> u64 {
        if self.size_bytes <= 500 << 20 {
            SMALL_VOLUME_DIFF_AREA_BYTES
        } else {
            INITIAL_DIFF_AREA_BYTES
        }
    }

    /// Whether it is a remote SMB file share (`\\server\share\`) rather than a local volume:
    /// `AddToSnapshotSet` takes shares from Windows 8 / Server 2012 on, and the File Share
    /// Shadow Copy provider copies them.
    pub fn is_file_share(&self) -> bool {
        self.name.starts_with("\\\\") && !self.name.starts_with("\\\\?\\")
    }

    /// Whether `name` names it: its name, a mount folder or its GUID path `guid_path`
    /// (case-insensitive as Windows paths are, trailing backslash required, R16). A file share
    /// also answers to any folder below its root (`\\smbsofs\vm\vm1\` is the share
    /// `\\SMBSOFS\VM\`), as VSS normalizes such a path to the share.
    pub fn answers_to(&self, name: &str, guid_path: &str) -> bool {
        same_path(&self.name, name)
            || same_path(guid_path, name)
            || self.mount_points.iter().any(|m| same_path(m, name))
            || self.is_file_share() && name.ends_with('\\') && path_is_under(name, &self.name)
    }
}

/// One shadow storage association, as `vssadmin list shadowstorage` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowStorage {
    /// The volume whose copies it holds, as vssadmin prints it: `(C:)\\?\Volume{…}\`.
    pub for_volume: String,
    /// The volume it lives on (the volume itself unless `AddDiffArea` placed it elsewhere).
    pub storage_volume: String,
    /// Bytes its copies' diff areas use.
    pub used_bytes: u64,
    /// Bytes allocated (the simulator allocates what is used).
    pub allocated_bytes: u64,
    /// The maximum; `None` is UNBOUNDED.
    pub max_bytes: Option<u64>,
    /// The size of the volume it is for (vssadmin's percentages are of it).
    pub volume_bytes: u64,
}

/// Whether two paths name the same place, ignoring case as Windows does for every letter (not
/// only ASCII ones: `C:\Données\` is `C:\DONNÉES\`).
pub fn same_path(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_uppercase)
        .eq(b.chars().flat_map(char::to_uppercase))
}

/// The environment variables a writer's file paths may use, with the values they have on a
/// Windows machine whose system volume is `C:\` (the simulator's machine): `%SystemRoot%`,
/// `%windir%`, `%SystemDrive%`, `%ProgramFiles%`, `%ProgramFiles(x86)%`, `%ProgramData%`,
/// `%ALLUSERSPROFILE%`, `%CommonProgramFiles%`. In-box writers declare paths such as
/// `%SystemRoot%\System32\config`; a requester expands them to find the volume a file is on.
pub const DEFAULT_ENVIRONMENT: [(&str, &str); 8] = [
    ("SystemRoot", "C:\\Windows"),
    ("windir", "C:\\Windows"),
    ("SystemDrive", "C:"),
    ("ProgramFiles", "C:\\Program Files"),
    ("ProgramFiles(x86)", "C:\\Program Files (x86)"),
    ("ProgramData", "C:\\ProgramData"),
    ("ALLUSERSPROFILE", "C:\\ProgramData"),
    ("CommonProgramFiles", "C:\\Program Files\\Common Files"),
];

/// `path` with every `%NAME%` of [`DEFAULT_ENVIRONMENT`] replaced by its value (names ignore
/// case, as Windows' do); an unknown `%NAME%` stays as written, as `ExpandEnvironmentStrings`
/// leaves it.
///
/// ```
/// use vss_sim::vocab::expand_environment;
/// assert_eq!(expand_environment("%systemroot%\\NTDS"), "C:\\Windows\\NTDS");
/// assert_eq!(expand_environment("%Unknown%\\x"), "%Unknown%\\x");
/// ```
pub fn expand_environment(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            rest = &rest[start..];
            break;
        };
        let name = &after[..end];
        match DEFAULT_ENVIRONMENT
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        {
            Some((_, value)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                // Keep the `%` and look for a variable from the closing one on.
                out.push('%');
                out.push_str(name);
                rest = &after[end..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether the Windows path `path` lies in the folder `folder` (which ends in a backslash,
/// like a volume name or mount folder), ignoring case: `C:\Data\x.mdf` is in `c:\` and in
/// `C:\DATA\`.
pub fn path_is_under(path: &str, folder: &str) -> bool {
    let Some(head) = path.get(..folder.len()) else {
        // `C:` is the root of `C:\` too.
        return folder
            .strip_suffix('\\')
            .is_some_and(|root| same_path(path, root));
    };
    same_path(head, folder)
}

/// `\\?\Volume{guid}\`, the volume GUID path.
pub fn volume_guid_path(guid: Uuid) -> String {
    format!("\\\\?\\Volume{{{guid}}}\\")
}

impl From<&str> for Volume {
    fn from(name: &str) -> Self {
        Self::new(name)
    }
}

impl From<String> for Volume {
    fn from(name: String) -> Self {
        Self::new(name)
    }
}

/// The table form of a volume in a scenario file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VolumeTable {
    name: String,
    #[serde(default)]
    guid: Option<Uuid>,
    #[serde(default)]
    mount_points: Vec<String>,
    #[serde(default)]
    file_system: FileSystem,
    #[serde(default)]
    removable: bool,
    #[serde(default = "default_size")]
    size_bytes: u64,
    #[serde(default)]
    free_bytes: Option<u64>,
    #[serde(default)]
    max_storage_bytes: Option<u64>,
    #[serde(default)]
    hosted_on: Option<String>,
    #[serde(default)]
    in_use: bool,
}

fn default_size() -> u64 {
    DEFAULT_VOLUME_BYTES
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;

        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = Volume;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a volume name such as \"D:\\\\\" or a table with `name`")
            }

            fn visit_str<E: de::Error>(self, name: &str) -> Result<Volume, E> {
                Ok(Volume::new(name))
            }

            fn visit_map<M: MapAccess<'de>>(self, map: M) -> Result<Volume, M::Error> {
                let t = VolumeTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Volume {
                    name: t.name,
                    guid: t.guid,
                    mount_points: t.mount_points,
                    file_system: t.file_system,
                    removable: t.removable,
                    size_bytes: t.size_bytes,
                    free_bytes: t.free_bytes,
                    max_storage_bytes: t.max_storage_bytes,
                    hosted_on: t.hosted_on,
                    in_use: t.in_use,
                })
            }
        }

        deserializer.deserialize_any(VolumeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_volume_is_a_name_or_a_table() {
        #[derive(Debug, Deserialize)]
        struct Machine {
            volumes: Vec<Volume>,
        }
        let machine: Machine = toml::from_str(
            "volumes = [\"C:\\\\\", { name = \"E:\\\\\", file_system = \"FAT32\", removable = true }]",
        )
        .unwrap();
        assert_eq!(machine.volumes[0], Volume::new("C:\\"));
        assert_eq!(
            machine.volumes[1],
            Volume::new("E:\\")
                .file_system(FileSystem::Fat32)
                .removable()
        );
        let wrong = toml::from_str::<Machine>("volumes = [{ name = \"C:\\\\\", size = 1 }]");
        assert!(wrong
            .unwrap_err()
            .to_string()
            .contains("unknown field `size`"));
    }

    #[test]
    fn storage_is_the_maximum_within_the_free_space() {
        let c = Volume::new("C:\\").size(100 << 30, 10 << 30);
        assert_eq!(c.storage_capacity(), 10 << 30);
        assert_eq!(c.clone().max_storage(1 << 30).storage_capacity(), 1 << 30);
        assert_eq!(c.initial_diff_area(), INITIAL_DIFF_AREA_BYTES);
        let small = Volume::new("S:\\").size(400 << 20, 100 << 20);
        assert_eq!(small.initial_diff_area(), SMALL_VOLUME_DIFF_AREA_BYTES);
    }

    #[test]
    fn a_volume_answers_to_its_names() {
        let guid = Uuid::from_u128(0x1234);
        let path = volume_guid_path(guid);
        assert_eq!(
            path,
            "\\\\?\\Volume{00000000-0000-0000-0000-000000001234}\\"
        );
        let d = Volume::new("D:\\").mount_point("C:\\Data\\");
        assert!(d.answers_to("d:\\", &path));
        assert!(d.answers_to("C:\\DATA\\", &path));
        assert!(d.answers_to(&path.to_uppercase(), &path));
        assert!(!d.answers_to("D:", &path));
        let accented = Volume::new("E:\\").mount_point("C:\\Données\\");
        assert!(accented.answers_to("c:\\DONNÉES\\", &path));
    }
}
