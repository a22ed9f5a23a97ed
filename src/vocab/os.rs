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
    /// Windows Server 2008 R2 (and Windows 7): `VSS_E_UNEXPECTED`, virtual hard disks and the
    /// rest of the current behaviour, but no shadow copies of remote file shares (those came
    /// with Windows 8 / Server 2012).
    Server2008R2,
    /// Default: Windows Server 2012 and later servers (2016, 2019, 2022, 2025). Files written
    /// before Server 2008 R2 was a profile of its own name it `Server2008R2AndLater`.
    #[default]
    #[serde(alias = "Server2008R2AndLater")]
    Server2012AndLater,
    /// A client SKU (Windows 10, 11): no transportable shadow copies (field failure 16).
    Client,
}

impl OsProfile {
    /// Every profile, the default first.
    pub const ALL: [Self; 5] = [
        Self::Server2012AndLater,
        Self::Server2003,
        Self::Server2008,
        Self::Server2008R2,
        Self::Client,
    ];

    /// Before Windows 7 / Server 2008 R2: Server 2003 and Server 2008.
    const fn before_2008_r2(self) -> bool {
        matches!(self, Self::Server2003 | Self::Server2008)
    }

    /// Shadow copies of remote file shares (UNC paths) exist: "not supported until Windows 8
    /// and Windows Server 2012".
    pub const fn supports_file_shares(self) -> bool {
        matches!(self, Self::Server2012AndLater | Self::Client)
    }

    /// Volumes on virtual hard disks can be shadow-copied (Windows 7 / Server 2008 R2 on).
    pub const fn supports_virtual_disks(self) -> bool {
        !self.before_2008_r2()
    }

    /// `VSS_VOLSNAP_ATTR_NO_AUTORECOVERY` skips the final commit's auto-recovery ("On Windows
    /// earlier than 2008 SP2 which does not support VSS_VOLSNAP_ATTR_NO_AUTORECOVERY context,
    /// the final commit is not skipped"; the `Server2008` profile stands for 2008 before that).
    pub const fn honours_no_autorecovery(self) -> bool {
        !self.before_2008_r2()
    }

    /// `ChangeDiffAreaMaximumSize` creates a missing shadow storage association (Windows 7 /
    /// Server 2008 R2 on; before, it is `VSS_E_OBJECT_NOT_FOUND`).
    pub const fn creates_missing_diff_area(self) -> bool {
        !self.before_2008_r2()
    }

    /// R27: after `BackupComplete` the requester must call `GatherWriterStatus` once more to
    /// finish the writers' session; until it does they stay waiting for completion. Documented
    /// as required on Windows Server 2008 SP2 and earlier.
    pub const fn needs_final_status_gather(self) -> bool {
        self.before_2008_r2()
    }

    /// The code a requester sees for `hr` here: Windows Server 2008, Vista, Server 2003 and XP
    /// return `E_UNEXPECTED` where later versions return `VSS_E_UNEXPECTED` (documented on
    /// every `IVssBackupComponents` method page).
    pub const fn requester_code(self, hr: Hresult) -> Hresult {
        if self.before_2008_r2() && hr.0 == Hresult::VSS_E_UNEXPECTED.0 {
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
            Self::Server2008 | Self::Server2008R2 | Self::Server2012AndLater => false,
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
