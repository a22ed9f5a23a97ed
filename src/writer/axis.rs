//! What a handler can read about the operation it takes part in: the [`Axis`]es of its
//! [`HandlerContext`](super::HandlerContext), and the set of them a handler read ([`Axes`]).
//!
//! A writer whose work depends on one of these (a context, the backup type, the volumes in the
//! set) has a code path per value; the test kit records which a handler read, so a run that
//! held such an axis constant can say that a path was never taken.

use std::fmt;

/// One input of a backup a writer's handler can read from its context (R12, R68–R70).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[non_exhaustive]
pub enum Axis {
    /// The base context of the set (`GetContext`, R70, T6): backup, application rollback,
    /// client-accessible with writers.
    Context,
    /// The requester's attribute bits on the context (`GetContext`, R106, T7): no
    /// auto-recovery, transportable, rollback recovery, …
    Attributes,
    /// `GetBackupType` (R12, T6).
    BackupType,
    /// Component mode and the writer's components the requester included
    /// (`AreComponentsSelected`, `IVssWriterComponents`, R12, R47, R48).
    SelectedComponents,
    /// `IsPartialFileSupportEnabled` (R12).
    PartialFileSupport,
    /// `IsBootableSystemStateBackedUp` (R12).
    BootableSystemState,
    /// The volumes of the set (`GetCurrentVolumeArray`, `IsPathAffected`, R70).
    Volumes,
    /// The shadow copy device names of the set's volumes (`GetSnapshotDeviceName`, R69).
    DeviceNames,
    /// `GetRestoreType` in a restore (R70, R78).
    RestoreType,
}

impl Axis {
    /// Every axis, in the order reports list them.
    pub const ALL: &'static [Self] = &[
        Self::Context,
        Self::Attributes,
        Self::BackupType,
        Self::SelectedComponents,
        Self::PartialFileSupport,
        Self::BootableSystemState,
        Self::Volumes,
        Self::DeviceNames,
        Self::RestoreType,
    ];

    /// The axis in a few words.
    pub const fn summary(self) -> &'static str {
        match self {
            Self::Context => "context",
            Self::Attributes => "context attributes",
            Self::BackupType => "backup type",
            Self::SelectedComponents => "selected components",
            Self::PartialFileSupport => "partial file support",
            Self::BootableSystemState => "bootable system state",
            Self::Volumes => "volumes in the set",
            Self::DeviceNames => "shadow copy device names",
            Self::RestoreType => "restore type",
        }
    }

    /// The `CVssWriter` calls that read the axis.
    pub const fn calls(self) -> &'static str {
        match self {
            Self::Context | Self::Attributes => "GetContext",
            Self::BackupType => "GetBackupType",
            Self::SelectedComponents => "AreComponentsSelected / IVssWriterComponents",
            Self::PartialFileSupport => "IsPartialFileSupportEnabled",
            Self::BootableSystemState => "IsBootableSystemStateBackedUp",
            Self::Volumes => "GetCurrentVolumeArray / IsPathAffected",
            Self::DeviceNames => "GetSnapshotDeviceName",
            Self::RestoreType => "GetRestoreType",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for Axis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.summary())
    }
}

/// A set of [`Axis`]es: those a handler read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Axes(u16);

impl Axes {
    /// No axis.
    pub(crate) const NONE: Self = Self(0);

    /// The set with `axis` added.
    #[must_use]
    pub(crate) const fn with(self, axis: Axis) -> Self {
        Self(self.0 | axis.bit())
    }

    /// Whether `axis` is in the set.
    pub(crate) const fn contains(self, axis: Axis) -> bool {
        self.0 & axis.bit() != 0
    }

    /// Whether the two sets share an axis.
    pub(crate) const fn overlaps(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// The axes in the set, in [`Axis::ALL`]'s order.
    pub(crate) fn iter(self) -> impl Iterator<Item = Axis> {
        Axis::ALL.iter().copied().filter(move |a| self.contains(*a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_exactly_the_axes_added() {
        let set = Axes::NONE.with(Axis::Volumes).with(Axis::Context);
        assert!(set.contains(Axis::Volumes) && set.contains(Axis::Context));
        assert!(!set.contains(Axis::DeviceNames));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Axis::Context, Axis::Volumes]
        );
        assert_eq!(Axis::ALL.len(), Axis::RestoreType as usize + 1);
    }
}
