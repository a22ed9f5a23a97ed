//! `VSS_OBJECT_TYPE` and `VSS_PROVIDER_TYPE` (spec T9): what `DeleteSnapshots` and `Query`
//! name, and what kind of provider a provider is.

use serde::{Deserialize, Serialize};

/// `VSS_OBJECT_TYPE`.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u32)]
pub enum ObjectType {
    /// Unknown.
    VSS_OBJECT_UNKNOWN = 0,
    /// No type: `Query`'s "everything".
    VSS_OBJECT_NONE = 1,
    /// A shadow copy set.
    VSS_OBJECT_SNAPSHOT_SET = 2,
    /// A shadow copy.
    VSS_OBJECT_SNAPSHOT = 3,
    /// A provider.
    VSS_OBJECT_PROVIDER = 4,
}

impl ObjectType {
    /// The numeric value Windows uses.
    pub const fn value(self) -> u32 {
        self as u32
    }
}

/// `VSS_PROVIDER_TYPE` (T9).
#[allow(non_camel_case_types)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[repr(u32)]
pub enum ProviderType {
    /// Unknown.
    VSS_PROV_UNKNOWN = 0,
    /// The system provider (R127).
    VSS_PROV_SYSTEM = 1,
    /// A software provider: the default for a provider that does not say.
    #[default]
    VSS_PROV_SOFTWARE = 2,
    /// A hardware provider.
    VSS_PROV_HARDWARE = 3,
    /// A file share provider (Windows 8 and later).
    VSS_PROV_FILESHARE = 4,
}

impl ProviderType {
    /// The numeric value Windows uses.
    pub const fn value(self) -> u32 {
        self as u32
    }

    /// The word `vssadmin list providers` prints after `Provider type:`.
    pub const fn vssadmin_word(self) -> &'static str {
        match self {
            Self::VSS_PROV_SYSTEM => "System",
            Self::VSS_PROV_SOFTWARE => "Software",
            Self::VSS_PROV_HARDWARE => "Hardware",
            Self::VSS_PROV_FILESHARE => "Fileshare",
            Self::VSS_PROV_UNKNOWN => "Unknown",
        }
    }
}
