//! GUID-based identifiers (`VSS_ID`): snapshot sets, snapshots, writer classes and instances,
//! providers.
//!
//! Every id is a [`Uuid`] newtype, so an id of one kind cannot be passed where another is
//! expected. Ids the simulator mints itself (snapshot sets, snapshots, writer instances) come from
//! a counter, never from entropy, so a run is reproducible: see [`IdKind`].

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! guid_newtype {
    ($(#[doc = $doc:literal])* $name:ident) => {
        $(#[doc = $doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// `GUID_NULL`.
            pub const NULL: Self = Self(Uuid::nil());

            /// True for `GUID_NULL`.
            pub const fn is_null(self) -> bool {
                self.0.is_nil()
            }

            /// The id with the 128-bit value `value`.
            pub const fn from_u128(value: u128) -> Self {
                Self(Uuid::from_u128(value))
            }
        }

        impl fmt::Display for $name {
            /// Braced lowercase form, as `vssadmin` prints it: `{e8132975-6f93-…}`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{{{}}}", self.0.hyphenated())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl Default for $name {
            /// `GUID_NULL`.
            fn default() -> Self {
                Self::NULL
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

guid_newtype! {
    /// A shadow copy set's id, returned by `StartSnapshotSet` (R14).
    SnapshotSetId
}
guid_newtype! {
    /// One shadow copy's id, returned by `AddToSnapshotSet` (R16).
    SnapshotId
}
guid_newtype! {
    /// A writer class id, the `WriterId` passed to `CVssWriter::Initialize` (R59).
    WriterClassId
}
guid_newtype! {
    /// A writer instance id, minted by VSS for each writer object (R61).
    WriterInstanceId
}
guid_newtype! {
    /// A provider id (R85, R127).
    ProviderId
}

/// Which kind of id the simulator mints; the kind is part of the minted value, so ids of
/// different kinds never collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum IdKind {
    /// [`SnapshotSetId`].
    SnapshotSet = 1,
    /// [`SnapshotId`].
    Snapshot = 2,
    /// [`WriterInstanceId`].
    WriterInstance = 3,
    /// A volume GUID ([`Volume::guid`](crate::vocab::Volume::guid)).
    Volume = 4,
    /// A shadow copy LUN's disk signature (a transportable set's description, R97).
    Lun = 5,
}

/// Mints a deterministic, valid (version 8, RFC 4122 variant) UUID for the `counter`-th id of
/// `kind`: `{5653530k-0000-8000-8000-cccccccccccc}` in shape, with `k` the kind and `c` the counter.
pub const fn minted_uuid(kind: IdKind, counter: u64) -> Uuid {
    // "VSS" in ASCII, then the kind: recognisable in a trace, and never a Windows GUID.
    let high: u128 = (0x5653_5300 | kind as u128) << 96;
    let version: u128 = 0x8 << 76; // version 8: custom
    let variant: u128 = 0x8 << 60; // RFC 4122 variant
    Uuid::from_u128(high | version | variant | counter as u128)
}

/// Well-known ids from the spec (R127), for fixtures and examples.
pub mod well_known {
    use super::{ProviderId, WriterClassId};

    /// The Microsoft Software Shadow Copy provider 1.0 (the system provider).
    pub const SYSTEM_PROVIDER: ProviderId =
        ProviderId::from_u128(0xb594_6137_7b9f_4925_af80_51ab_d60b_20d5);
    /// The File Share Shadow Copy provider (`fssprov.dll`, Windows 8 / Server 2012 and later),
    /// which copies SMB 3 file shares (its id as Microsoft's "VSS for SMB File Shares" page
    /// shows it in DiskShadow's output).
    pub const FILE_SHARE_PROVIDER: ProviderId =
        ProviderId::from_u128(0x8930_0202_3cec_4981_9171_19f5_9559_e0f2);
    /// System Writer.
    pub const SYSTEM_WRITER: WriterClassId =
        WriterClassId::from_u128(0xe813_2975_6f93_4464_a53e_1050_253a_e220);
    /// Registry Writer.
    pub const REGISTRY_WRITER: WriterClassId =
        WriterClassId::from_u128(0xafba_b4a2_367d_4d15_a586_71db_b18f_8485);
    /// Shadow Copy Optimization Writer.
    pub const SHADOW_COPY_OPTIMIZATION_WRITER: WriterClassId =
        WriterClassId::from_u128(0x4dc3_bdd4_ab48_4d07_adb0_3bee_2926_fd7f);
    /// ASR Writer.
    pub const ASR_WRITER: WriterClassId =
        WriterClassId::from_u128(0xbe00_0cbe_11fe_4426_9c58_531a_a635_5fc4);
    /// COM+ REGDB Writer.
    pub const COM_PLUS_REGDB_WRITER: WriterClassId =
        WriterClassId::from_u128(0x542d_a469_d3e1_473c_9f4f_7847_f01f_c64f);
    /// Task Scheduler Writer.
    pub const TASK_SCHEDULER_WRITER: WriterClassId =
        WriterClassId::from_u128(0xd61d_61c8_d73a_4eee_8cdd_f6f9_786b_7124);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_ids_are_valid_distinct_and_stable() {
        let a = minted_uuid(IdKind::SnapshotSet, 1);
        let b = minted_uuid(IdKind::Snapshot, 1);
        assert_ne!(a, b);
        assert_eq!(a.get_version_num(), 8);
        assert_eq!(a.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(a.to_string(), "56535301-0000-8000-8000-000000000001");
    }

    #[test]
    fn displays_braced() {
        assert_eq!(
            well_known::SYSTEM_WRITER.to_string(),
            "{e8132975-6f93-4464-a53e-1050253ae220}"
        );
        assert!(SnapshotSetId::NULL.is_null());
    }
}
