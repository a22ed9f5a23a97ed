//! `VSS_WRITER_STATE` (spec T1) and the writer failure codes a writer may set (spec T3).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Hresult, WriterEvent};

/// `VSS_WRITER_STATE`: a writer's state as `GetWriterStatus` reports it (spec T1, R73).
///
/// Serializes as the Windows symbol (`"VSS_WS_STABLE"`). `VSS_WS_COUNT` (16) is reserved and not a
/// state, so it is not a variant.
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[repr(u32)]
pub enum WriterState {
    VSS_WS_UNKNOWN = 0,
    VSS_WS_STABLE = 1,
    VSS_WS_WAITING_FOR_FREEZE = 2,
    VSS_WS_WAITING_FOR_THAW = 3,
    VSS_WS_WAITING_FOR_POST_SNAPSHOT = 4,
    VSS_WS_WAITING_FOR_BACKUP_COMPLETE = 5,
    VSS_WS_FAILED_AT_IDENTIFY = 6,
    VSS_WS_FAILED_AT_PREPARE_BACKUP = 7,
    VSS_WS_FAILED_AT_PREPARE_SNAPSHOT = 8,
    VSS_WS_FAILED_AT_FREEZE = 9,
    VSS_WS_FAILED_AT_THAW = 10,
    VSS_WS_FAILED_AT_POST_SNAPSHOT = 11,
    VSS_WS_FAILED_AT_BACKUP_COMPLETE = 12,
    VSS_WS_FAILED_AT_PRE_RESTORE = 13,
    VSS_WS_FAILED_AT_POST_RESTORE = 14,
    VSS_WS_FAILED_AT_BACKUPSHUTDOWN = 15,
}

impl WriterState {
    /// All sixteen states in value order.
    pub const ALL: [Self; 16] = [
        Self::VSS_WS_UNKNOWN,
        Self::VSS_WS_STABLE,
        Self::VSS_WS_WAITING_FOR_FREEZE,
        Self::VSS_WS_WAITING_FOR_THAW,
        Self::VSS_WS_WAITING_FOR_POST_SNAPSHOT,
        Self::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
        Self::VSS_WS_FAILED_AT_IDENTIFY,
        Self::VSS_WS_FAILED_AT_PREPARE_BACKUP,
        Self::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
        Self::VSS_WS_FAILED_AT_FREEZE,
        Self::VSS_WS_FAILED_AT_THAW,
        Self::VSS_WS_FAILED_AT_POST_SNAPSHOT,
        Self::VSS_WS_FAILED_AT_BACKUP_COMPLETE,
        Self::VSS_WS_FAILED_AT_PRE_RESTORE,
        Self::VSS_WS_FAILED_AT_POST_RESTORE,
        Self::VSS_WS_FAILED_AT_BACKUPSHUTDOWN,
    ];

    /// The numeric value Windows uses.
    pub const fn value(self) -> u32 {
        self as u32
    }

    /// The state with numeric value `value`, if it is one of T1's sixteen states.
    pub fn from_value(value: u32) -> Option<Self> {
        Self::ALL.get(usize::try_from(value).ok()?).copied()
    }

    /// True for the `VSS_WS_FAILED_AT_*` states (6–15).
    pub const fn is_failed(self) -> bool {
        self.value() >= 6
    }

    /// The state a writer enters when its handler for `event` fails (spec T2, R75), if any.
    pub const fn failed_at(event: WriterEvent) -> Option<Self> {
        Some(match event {
            WriterEvent::Identify => Self::VSS_WS_FAILED_AT_IDENTIFY,
            WriterEvent::PrepareForBackup => Self::VSS_WS_FAILED_AT_PREPARE_BACKUP,
            WriterEvent::PrepareForSnapshot => Self::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
            WriterEvent::Freeze => Self::VSS_WS_FAILED_AT_FREEZE,
            WriterEvent::Thaw => Self::VSS_WS_FAILED_AT_THAW,
            WriterEvent::PostSnapshot => Self::VSS_WS_FAILED_AT_POST_SNAPSHOT,
            WriterEvent::BackupComplete => Self::VSS_WS_FAILED_AT_BACKUP_COMPLETE,
            WriterEvent::BackupShutdown => Self::VSS_WS_FAILED_AT_BACKUPSHUTDOWN,
            WriterEvent::PreRestore => Self::VSS_WS_FAILED_AT_PRE_RESTORE,
            WriterEvent::PostRestore => Self::VSS_WS_FAILED_AT_POST_RESTORE,
            WriterEvent::Abort => return None,
        })
    }

    /// The state a writer enters when its handler for `event` succeeds (spec T2, R74, R75), or
    /// `None` where the state does not change (Identify, BackupShutdown, Abort: see Q12).
    pub const fn after_success(event: WriterEvent) -> Option<Self> {
        Some(match event {
            WriterEvent::PrepareForBackup
            | WriterEvent::BackupComplete
            | WriterEvent::PreRestore
            | WriterEvent::PostRestore => Self::VSS_WS_STABLE,
            WriterEvent::PrepareForSnapshot => Self::VSS_WS_WAITING_FOR_FREEZE,
            WriterEvent::Freeze => Self::VSS_WS_WAITING_FOR_THAW,
            WriterEvent::Thaw => Self::VSS_WS_WAITING_FOR_POST_SNAPSHOT,
            WriterEvent::PostSnapshot => Self::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
            WriterEvent::Identify | WriterEvent::BackupShutdown | WriterEvent::Abort => {
                return None
            }
        })
    }

    /// The word `vssadmin list writers` prints after `[n]` (spec T13, R124). State 4 prints as
    /// `Waiting for completion` here; Windows' word is not documented (Q21).
    pub const fn vssadmin_word(self) -> &'static str {
        match self {
            Self::VSS_WS_UNKNOWN => "Unknown",
            Self::VSS_WS_STABLE => "Stable",
            Self::VSS_WS_WAITING_FOR_FREEZE => "Waiting for freeze",
            Self::VSS_WS_WAITING_FOR_THAW => "Frozen",
            Self::VSS_WS_WAITING_FOR_POST_SNAPSHOT | Self::VSS_WS_WAITING_FOR_BACKUP_COMPLETE => {
                "Waiting for completion"
            }
            _ => "Failed",
        }
    }
}

impl fmt::Display for WriterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {:?}", self.value(), self)
    }
}

/// The codes `CVssWriter::SetWriterFailure` accepts (spec R66, T3).
///
/// `SetWriterFailure` with any other code is refused with `E_INVALIDARG` (our answer to Q14).
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WriterFailure {
    VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT,
    VSS_E_WRITERERROR_OUTOFRESOURCES,
    VSS_E_WRITERERROR_TIMEOUT,
    VSS_E_WRITERERROR_RETRYABLE,
    VSS_E_WRITERERROR_NONRETRYABLE,
}

impl WriterFailure {
    /// All five codes, in T3 order.
    pub const ALL: [Self; 5] = [
        Self::VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT,
        Self::VSS_E_WRITERERROR_OUTOFRESOURCES,
        Self::VSS_E_WRITERERROR_TIMEOUT,
        Self::VSS_E_WRITERERROR_RETRYABLE,
        Self::VSS_E_WRITERERROR_NONRETRYABLE,
    ];

    /// The HRESULT of this failure code.
    pub const fn hresult(self) -> Hresult {
        match self {
            Self::VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT => {
                Hresult::VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT
            }
            Self::VSS_E_WRITERERROR_OUTOFRESOURCES => Hresult::VSS_E_WRITERERROR_OUTOFRESOURCES,
            Self::VSS_E_WRITERERROR_TIMEOUT => Hresult::VSS_E_WRITERERROR_TIMEOUT,
            Self::VSS_E_WRITERERROR_RETRYABLE => Hresult::VSS_E_WRITERERROR_RETRYABLE,
            Self::VSS_E_WRITERERROR_NONRETRYABLE => Hresult::VSS_E_WRITERERROR_NONRETRYABLE,
        }
    }

    /// The failure code for `hr`, if `SetWriterFailure` accepts it.
    pub fn from_hresult(hr: Hresult) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|failure| failure.hresult() == hr)
    }
}

impl From<WriterFailure> for Hresult {
    fn from(failure: WriterFailure) -> Self {
        failure.hresult()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_t1() {
        for (value, state) in WriterState::ALL.iter().enumerate() {
            assert_eq!(state.value() as usize, value);
            assert_eq!(WriterState::from_value(value as u32), Some(*state));
        }
        assert_eq!(WriterState::from_value(16), None); // VSS_WS_COUNT is reserved
        assert_eq!(WriterState::VSS_WS_FAILED_AT_BACKUPSHUTDOWN.value(), 15);
    }

    #[test]
    fn t2_transitions() {
        use WriterEvent as E;
        assert_eq!(
            WriterState::after_success(E::Freeze),
            Some(WriterState::VSS_WS_WAITING_FOR_THAW)
        );
        assert_eq!(
            WriterState::failed_at(E::Thaw),
            Some(WriterState::VSS_WS_FAILED_AT_THAW)
        );
        assert_eq!(WriterState::after_success(E::Identify), None);
        assert_eq!(WriterState::failed_at(E::Abort), None);
    }

    #[test]
    fn displays_like_vssadmin_numbers() {
        assert_eq!(WriterState::VSS_WS_STABLE.to_string(), "[1] VSS_WS_STABLE");
        assert_eq!(
            WriterState::VSS_WS_FAILED_AT_FREEZE.vssadmin_word(),
            "Failed"
        );
    }

    #[test]
    fn failure_codes_round_trip() {
        for failure in WriterFailure::ALL {
            assert_eq!(
                WriterFailure::from_hresult(failure.hresult()),
                Some(failure)
            );
        }
        assert_eq!(WriterFailure::from_hresult(Hresult::E_INVALIDARG), None);
    }
}
