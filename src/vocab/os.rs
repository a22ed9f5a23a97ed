//! OS profiles (issue 12 part 5): the Windows versions and SKUs whose documented differences a
//! requester meets. The default is a current server.

use serde::{Deserialize, Serialize};

use super::{Attributes, Context, Hresult, SnapshotContext};

/// Which Windows the simulated machine runs, as far as VSS's documented behaviour differs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OsProfile {
    /// Windows Server 2003 (and XP): no `VSS_CTX_CLIENT_ACCESSIBLE_WRITERS` (T6); writers wait
    /// for a `GatherWriterStatus` after `BackupComplete` (R27, field failure 13).
    Server2003,
    /// Windows Server 2008 up to SP2 (and Vista): writers wait for a `GatherWriterStatus`
    /// after `BackupComplete` (R27, field failure 13).
    Server2008,
    /// Default: Windows Server 2008 R2 and later servers.
    #[default]
    Server2008R2AndLater,
    /// A client SKU (Windows 10, 11): no transportable shadow copies (field failure 16).
    Client,
}

impl OsProfile {
    /// Every profile, the default first.
    pub const ALL: [Self; 4] = [
        Self::Server2008R2AndLater,
        Self::Server2003,
        Self::Server2008,
        Self::Client,
    ];

    /// R27: after `BackupComplete` the requester must call `GatherWriterStatus` once more to
    /// finish the writers' session; until it does they stay waiting for completion. Documented
    /// as required on Windows Server 2008 SP2 and earlier.
    pub const fn needs_final_status_gather(self) -> bool {
        matches!(self, Self::Server2003 | Self::Server2008)
    }

    /// The code a requester sees for `hr` here: Windows Server 2008, Vista, Server 2003 and XP
    /// return `E_UNEXPECTED` where later versions return `VSS_E_UNEXPECTED` (documented on
    /// every `IVssBackupComponents` method page).
    pub const fn requester_code(self, hr: Hresult) -> Hresult {
        if matches!(self, Self::Server2003 | Self::Server2008)
            && hr.0 == Hresult::VSS_E_UNEXPECTED.0
        {
            Hresult::E_UNEXPECTED
        } else {
            hr
        }
    }

    /// Whether `SetContext(context)` is supported here: client SKUs reject transportable
    /// shadow copies (qemu-ga, field failure 16) and Server 2003 has no
    /// `VSS_CTX_CLIENT_ACCESSIBLE_WRITERS` (T6), both with `VSS_E_UNSUPPORTED_CONTEXT`.
    pub fn check_context(self, context: Context) -> Result<(), Hresult> {
        let unsupported = match self {
            Self::Client => context.modifiers.contains(Attributes::TRANSPORTABLE),
            Self::Server2003 => context.base == SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS,
            Self::Server2008 | Self::Server2008R2AndLater => false,
        };
        if unsupported {
            Err(Hresult::VSS_E_UNSUPPORTED_CONTEXT)
        } else {
            Ok(())
        }
    }
}

/// The machine's name when none is set (`Vss::builder().machine_name`): shadow copies report it
/// as their originating and service machine, as a machine outside a domain reports its NetBIOS
/// name.
pub const DEFAULT_MACHINE_NAME: &str = "WIN-VSSSIM";
