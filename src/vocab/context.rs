//! Snapshot contexts and volume snapshot attributes (spec T6, T7, R5, R104–R106).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Hresult;

/// `VSS_SNAPSHOT_CONTEXT`: the base context of a shadow copy set (spec T6).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum SnapshotContext {
    /// Non-persistent, auto-release, with writers: the default (R5).
    #[default]
    VSS_CTX_BACKUP = 0x00,
    /// Non-persistent, auto-release, no writers.
    VSS_CTX_FILE_SHARE_BACKUP = 0x10,
    /// Persistent, no auto-release, no writers.
    VSS_CTX_NAS_ROLLBACK = 0x19,
    /// Persistent, no auto-release, with writers.
    VSS_CTX_APP_ROLLBACK = 0x09,
    /// Persistent, client-accessible, no writers; system provider only.
    VSS_CTX_CLIENT_ACCESSIBLE = 0x1D,
    /// Persistent, client-accessible, with writers; system provider only.
    VSS_CTX_CLIENT_ACCESSIBLE_WRITERS = 0x0D,
    /// Every context: administrative calls only, never for creating a set (R6).
    VSS_CTX_ALL = 0xFFFF_FFFF,
}

impl SnapshotContext {
    /// Every context of T6, `VSS_CTX_ALL` last.
    pub const ALL: [Self; 7] = [
        Self::VSS_CTX_BACKUP,
        Self::VSS_CTX_FILE_SHARE_BACKUP,
        Self::VSS_CTX_NAS_ROLLBACK,
        Self::VSS_CTX_APP_ROLLBACK,
        Self::VSS_CTX_CLIENT_ACCESSIBLE,
        Self::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS,
        Self::VSS_CTX_ALL,
    ];

    /// The numeric value Windows uses.
    pub const fn value(self) -> u32 {
        self as u32
    }

    /// The attribute bits this context stands for (T6).
    pub const fn attributes(self) -> Attributes {
        Attributes(self.value())
    }

    /// True where writers take part (R105; Q17 is settled in favour of the longer list, which
    /// includes `VSS_CTX_CLIENT_ACCESSIBLE_WRITERS`).
    pub const fn involves_writers(self) -> bool {
        matches!(
            self,
            Self::VSS_CTX_BACKUP
                | Self::VSS_CTX_APP_ROLLBACK
                | Self::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS
        )
    }

    /// The context a shadow copy was made in, read from its `m_lSnapshotAttributes` (T6: each
    /// context is a combination of PERSISTENT, CLIENT_ACCESSIBLE, NO_AUTO_RELEASE and
    /// NO_WRITERS; every other bit is a modifier or set by VSS).
    pub fn of_attributes(attributes: u32) -> Self {
        const CONTEXT_BITS: u32 = Attributes::PERSISTENT.0
            | Attributes::CLIENT_ACCESSIBLE.0
            | Attributes::NO_AUTO_RELEASE.0
            | Attributes::NO_WRITERS.0;
        let bits = attributes & CONTEXT_BITS;
        Self::ALL
            .into_iter()
            .find(|ctx| ctx.value() == bits && *ctx != Self::VSS_CTX_ALL)
            .unwrap_or(Self::VSS_CTX_BACKUP)
    }

    /// Client-accessible copies (Shadow Copies for Shared Folders; R102, R105).
    pub const fn is_client_accessible(self) -> bool {
        matches!(
            self,
            Self::VSS_CTX_CLIENT_ACCESSIBLE | Self::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS
        )
    }

    /// True where shadow copies are deleted when the requester object is released (R104).
    pub const fn is_auto_release(self) -> bool {
        matches!(self, Self::VSS_CTX_BACKUP | Self::VSS_CTX_FILE_SHARE_BACKUP)
    }
}

/// `VSS_VOLUME_SNAPSHOT_ATTRIBUTES` bits (spec T7).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attributes(pub u32);

impl Attributes {
    /// No bits.
    pub const NONE: Self = Self(0);
    /// `VSS_VOLSNAP_ATTR_PERSISTENT` (set by VSS from the context).
    pub const PERSISTENT: Self = Self(0x0000_0001);
    /// `VSS_VOLSNAP_ATTR_NO_AUTORECOVERY` (requester).
    pub const NO_AUTORECOVERY: Self = Self(0x0000_0002);
    /// `VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE` (set by VSS from the context).
    pub const CLIENT_ACCESSIBLE: Self = Self(0x0000_0004);
    /// `VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE` (set by VSS from the context).
    pub const NO_AUTO_RELEASE: Self = Self(0x0000_0008);
    /// `VSS_VOLSNAP_ATTR_NO_WRITERS` (set by VSS from the context).
    pub const NO_WRITERS: Self = Self(0x0000_0010);
    /// `VSS_VOLSNAP_ATTR_TRANSPORTABLE` (requester).
    pub const TRANSPORTABLE: Self = Self(0x0000_0020);
    /// `VSS_VOLSNAP_ATTR_NOT_SURFACED` (set by VSS).
    pub const NOT_SURFACED: Self = Self(0x0000_0040);
    /// `VSS_VOLSNAP_ATTR_NOT_TRANSACTED` (requester).
    pub const NOT_TRANSACTED: Self = Self(0x0000_0080);
    /// `VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED` (set by VSS).
    pub const HARDWARE_ASSISTED: Self = Self(0x0001_0000);
    /// `VSS_VOLSNAP_ATTR_DIFFERENTIAL` (requester; never with PLEX).
    pub const DIFFERENTIAL: Self = Self(0x0002_0000);
    /// `VSS_VOLSNAP_ATTR_PLEX` (requester; never with DIFFERENTIAL).
    pub const PLEX: Self = Self(0x0004_0000);
    /// `VSS_VOLSNAP_ATTR_IMPORTED` (set by VSS).
    pub const IMPORTED: Self = Self(0x0008_0000);
    /// `VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY` (set by VSS).
    pub const EXPOSED_LOCALLY: Self = Self(0x0010_0000);
    /// `VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY` (set by VSS).
    pub const EXPOSED_REMOTELY: Self = Self(0x0020_0000);
    /// `VSS_VOLSNAP_ATTR_AUTORECOVER` (set by VSS).
    pub const AUTORECOVER: Self = Self(0x0040_0000);
    /// `VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY` (requester).
    pub const ROLLBACK_RECOVERY: Self = Self(0x0080_0000);
    /// `VSS_VOLSNAP_ATTR_DELAYED_POSTSNAPSHOT` (reserved).
    pub const DELAYED_POSTSNAPSHOT: Self = Self(0x0100_0000);
    /// `VSS_VOLSNAP_ATTR_TXF_RECOVERY` (requester).
    pub const TXF_RECOVERY: Self = Self(0x0200_0000);
    /// `VSS_VOLSNAP_ATTR_FILE_SHARE`.
    pub const FILE_SHARE: Self = Self(0x0400_0000);

    /// The bits a requester may OR into `SetContext` (R106).
    pub const REQUESTER_SETTABLE: Self = Self(
        Self::TRANSPORTABLE.0
            | Self::DIFFERENTIAL.0
            | Self::PLEX.0
            | Self::NO_AUTORECOVERY.0
            | Self::NOT_TRANSACTED.0
            | Self::ROLLBACK_RECOVERY.0
            | Self::TXF_RECOVERY.0,
    );

    /// The modifiers a provider may or may not honour (`ProviderInfo::capabilities`, R18).
    pub const PROVIDER_CAPABILITIES: Self =
        Self(Self::TRANSPORTABLE.0 | Self::DIFFERENTIAL.0 | Self::PLEX.0);

    /// Every named bit with its `VSS_VOLSNAP_ATTR_` symbol (T7), lowest bit first.
    pub const NAMED: [(Self, &'static str); 19] = [
        (Self::PERSISTENT, "VSS_VOLSNAP_ATTR_PERSISTENT"),
        (Self::NO_AUTORECOVERY, "VSS_VOLSNAP_ATTR_NO_AUTORECOVERY"),
        (
            Self::CLIENT_ACCESSIBLE,
            "VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE",
        ),
        (Self::NO_AUTO_RELEASE, "VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE"),
        (Self::NO_WRITERS, "VSS_VOLSNAP_ATTR_NO_WRITERS"),
        (Self::TRANSPORTABLE, "VSS_VOLSNAP_ATTR_TRANSPORTABLE"),
        (Self::NOT_SURFACED, "VSS_VOLSNAP_ATTR_NOT_SURFACED"),
        (Self::NOT_TRANSACTED, "VSS_VOLSNAP_ATTR_NOT_TRANSACTED"),
        (
            Self::HARDWARE_ASSISTED,
            "VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED",
        ),
        (Self::DIFFERENTIAL, "VSS_VOLSNAP_ATTR_DIFFERENTIAL"),
        (Self::PLEX, "VSS_VOLSNAP_ATTR_PLEX"),
        (Self::IMPORTED, "VSS_VOLSNAP_ATTR_IMPORTED"),
        (Self::EXPOSED_LOCALLY, "VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY"),
        (Self::EXPOSED_REMOTELY, "VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY"),
        (Self::AUTORECOVER, "VSS_VOLSNAP_ATTR_AUTORECOVER"),
        (
            Self::ROLLBACK_RECOVERY,
            "VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY",
        ),
        (
            Self::DELAYED_POSTSNAPSHOT,
            "VSS_VOLSNAP_ATTR_DELAYED_POSTSNAPSHOT",
        ),
        (Self::TXF_RECOVERY, "VSS_VOLSNAP_ATTR_TXF_RECOVERY"),
        (Self::FILE_SHARE, "VSS_VOLSNAP_ATTR_FILE_SHARE"),
    ];

    /// True when every bit of `other` is set in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of both sets of bits.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl std::ops::BitOr for Attributes {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

/// The bits' symbols joined by ` | ` (`none` for no bit); an unnamed bit as hex.
impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("none");
        }
        let mut rest = self.0;
        let mut first = true;
        for (bits, name) in Self::NAMED {
            if self.contains(bits) {
                f.write_str(if first { "" } else { " | " })?;
                f.write_str(name)?;
                rest &= !bits.0;
                first = false;
            }
        }
        if rest != 0 {
            write!(f, "{}0x{rest:08X}", if first { "" } else { " | " })?;
        }
        Ok(())
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attributes(0x{:08X})", self.0)
    }
}

/// A validated `SetContext` argument: a base context plus requester-settable modifiers (R5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Context {
    /// The base context.
    pub base: SnapshotContext,
    /// Requester modifiers ORed in (a subset of [`Attributes::REQUESTER_SETTABLE`]); in what a
    /// writer's `GetContext` returns, also `VSS_VOLSNAP_ATTR_AUTORECOVER` where VSS sets it
    /// ([`Context::auto_recovered_on`]).
    pub modifiers: Attributes,
}

impl Context {
    /// The default context, `VSS_CTX_BACKUP` without modifiers.
    pub const BACKUP: Self = Self {
        base: SnapshotContext::VSS_CTX_BACKUP,
        modifiers: Attributes::NONE,
    };

    /// Parses a raw `lContext` as `SetContext` does (R5, R6, R106): one context value, optionally
    /// ORed with requester-settable bits, never DIFFERENTIAL with PLEX, no modifier at all on
    /// `VSS_CTX_CLIENT_ACCESSIBLE`. Anything else is `E_INVALIDARG`.
    pub fn from_raw(raw: u32) -> Result<Self, Hresult> {
        if raw == SnapshotContext::VSS_CTX_ALL.value() {
            return Ok(Self {
                base: SnapshotContext::VSS_CTX_ALL,
                modifiers: Attributes::NONE,
            });
        }
        let modifiers = Attributes(raw & Attributes::REQUESTER_SETTABLE.0);
        let base_bits = raw & !Attributes::REQUESTER_SETTABLE.0;
        let base = SnapshotContext::ALL
            .into_iter()
            .find(|ctx| ctx.value() == base_bits && *ctx != SnapshotContext::VSS_CTX_ALL)
            .ok_or(Hresult::E_INVALIDARG)?;
        if modifiers.contains(Attributes::DIFFERENTIAL | Attributes::PLEX) {
            return Err(Hresult::E_INVALIDARG);
        }
        if base == SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE && modifiers != Attributes::NONE {
            return Err(Hresult::E_INVALIDARG);
        }
        Ok(Self { base, modifiers })
    }

    /// The raw `lContext` value.
    pub const fn raw(self) -> u32 {
        self.base.value() | self.modifiers.0
    }

    /// Whether VSS auto-recovers the copies of a set made in this context on `os`: in a
    /// context with writers, unless the requester asked for `VSS_VOLSNAP_ATTR_NO_AUTORECOVERY`
    /// and `os` honours it (R98, T7). The copies then carry `VSS_VOLSNAP_ATTR_AUTORECOVER`, and
    /// a writer's `GetContext` shows it from OnPrepareSnapshot on, where `OnPostSnapshot` is told
    /// to test it and recover its data on the copy.
    pub const fn auto_recovered_on(self, os: super::OsProfile) -> bool {
        self.base.involves_writers()
            && (!os.honours_no_autorecovery()
                || !self.modifiers.contains(Attributes::NO_AUTORECOVERY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t6_values() {
        assert_eq!(SnapshotContext::VSS_CTX_NAS_ROLLBACK.value(), 25);
        assert!(SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE
            .attributes()
            .contains(Attributes::PERSISTENT | Attributes::NO_WRITERS));
        assert!(!SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP.involves_writers());
        assert!(SnapshotContext::VSS_CTX_BACKUP.is_auto_release());
    }

    #[test]
    fn r5_set_context_arguments() {
        assert_eq!(Context::from_raw(0), Ok(Context::BACKUP));
        let transportable = Context::from_raw(0x20).unwrap();
        assert_eq!(transportable.modifiers, Attributes::TRANSPORTABLE);
        assert_eq!(Context::from_raw(0x0006_0000), Err(Hresult::E_INVALIDARG)); // DIFF | PLEX
        assert_eq!(Context::from_raw(0x1D | 0x20), Err(Hresult::E_INVALIDARG));
        assert_eq!(Context::from_raw(0x1), Err(Hresult::E_INVALIDARG)); // PERSISTENT alone
        assert_eq!(Context::from_raw(0x09).unwrap().raw(), 0x09);
    }

    #[test]
    fn t7_attributes_display_their_symbols() {
        assert_eq!(Attributes::NONE.to_string(), "none");
        assert_eq!(
            (Attributes::NO_AUTORECOVERY | Attributes::TRANSPORTABLE).to_string(),
            "VSS_VOLSNAP_ATTR_NO_AUTORECOVERY | VSS_VOLSNAP_ATTR_TRANSPORTABLE"
        );
        assert_eq!(
            Attributes(0x8000_0002).to_string(),
            "VSS_VOLSNAP_ATTR_NO_AUTORECOVERY | 0x80000000"
        );
        let all = Attributes::NAMED
            .iter()
            .fold(0, |acc, (bits, _)| acc | bits.0);
        assert_eq!(all.count_ones() as usize, Attributes::NAMED.len());
    }
}
