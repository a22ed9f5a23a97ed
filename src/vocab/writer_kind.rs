//! Writer classification enums and backup types (spec T8, T9).

use serde::{Deserialize, Serialize};

/// `VSS_BACKUP_TYPE` (spec T8).
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum BackupType {
    VSS_BT_UNDEFINED = 0,
    #[default]
    VSS_BT_FULL = 1,
    VSS_BT_INCREMENTAL = 2,
    VSS_BT_DIFFERENTIAL = 3,
    VSS_BT_LOG = 4,
    VSS_BT_COPY = 5,
    VSS_BT_OTHER = 6,
}

impl BackupType {
    /// Every backup type in value order.
    pub const ALL: [Self; 7] = [
        Self::VSS_BT_UNDEFINED,
        Self::VSS_BT_FULL,
        Self::VSS_BT_INCREMENTAL,
        Self::VSS_BT_DIFFERENTIAL,
        Self::VSS_BT_LOG,
        Self::VSS_BT_COPY,
        Self::VSS_BT_OTHER,
    ];
}

/// `VSS_APPLICATION_LEVEL`: decides Freeze order (spec T9, R46).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(i32)]
pub enum ApplicationLevel {
    /// Unknown.
    VSS_APP_UNKNOWN = 0,
    /// System level: frozen last.
    VSS_APP_SYSTEM = 1,
    /// Back end: frozen after front-end writers.
    VSS_APP_BACK_END = 2,
    /// Front end: frozen first; the `Initialize` default (R59).
    #[default]
    VSS_APP_FRONT_END = 3,
    /// Undocumented system resource manager level.
    VSS_APP_SYSTEM_RM = 4,
    /// Reserved.
    VSS_APP_AUTO = -1,
}

impl ApplicationLevel {
    /// Every level, in value order (`VSS_APP_AUTO` last).
    pub const ALL: [Self; 6] = [
        Self::VSS_APP_UNKNOWN,
        Self::VSS_APP_SYSTEM,
        Self::VSS_APP_BACK_END,
        Self::VSS_APP_FRONT_END,
        Self::VSS_APP_SYSTEM_RM,
        Self::VSS_APP_AUTO,
    ];

    /// Position in Freeze order: front end, back end, system (R46); unknown, SYSTEM_RM and AUTO
    /// levels, whose order the docs do not give, come last.
    pub const fn freeze_rank(self) -> u8 {
        match self {
            Self::VSS_APP_FRONT_END => 0,
            Self::VSS_APP_BACK_END => 1,
            Self::VSS_APP_SYSTEM => 2,
            Self::VSS_APP_SYSTEM_RM | Self::VSS_APP_UNKNOWN | Self::VSS_APP_AUTO => 3,
        }
    }
}

/// `VSS_USAGE_TYPE` (spec T9).
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum UsageType {
    VSS_UT_UNDEFINED = 0,
    VSS_UT_BOOTABLESYSTEMSTATE = 1,
    VSS_UT_SYSTEMSERVICE = 2,
    #[default]
    VSS_UT_USERDATA = 3,
    VSS_UT_OTHER = 4,
}

impl UsageType {
    /// Every value, in value order.
    pub const ALL: [Self; 5] = [
        Self::VSS_UT_UNDEFINED,
        Self::VSS_UT_BOOTABLESYSTEMSTATE,
        Self::VSS_UT_SYSTEMSERVICE,
        Self::VSS_UT_USERDATA,
        Self::VSS_UT_OTHER,
    ];
}

/// `VSS_SOURCE_TYPE` (spec T9).
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum SourceType {
    VSS_ST_UNDEFINED = 0,
    VSS_ST_TRANSACTEDDB = 1,
    VSS_ST_NONTRANSACTEDDB = 2,
    #[default]
    VSS_ST_OTHER = 3,
}

impl SourceType {
    /// Every value, in value order.
    pub const ALL: [Self; 4] = [
        Self::VSS_ST_UNDEFINED,
        Self::VSS_ST_TRANSACTEDDB,
        Self::VSS_ST_NONTRANSACTEDDB,
        Self::VSS_ST_OTHER,
    ];
}

/// `VSS_COMPONENT_TYPE` (spec T9, R108).
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum ComponentType {
    VSS_CT_UNDEFINED = 0,
    #[default]
    VSS_CT_DATABASE = 1,
    VSS_CT_FILEGROUP = 2,
}

impl ComponentType {
    /// Every value, in value order.
    pub const ALL: [Self; 3] = [
        Self::VSS_CT_UNDEFINED,
        Self::VSS_CT_DATABASE,
        Self::VSS_CT_FILEGROUP,
    ];
}

/// `VSS_RESTOREMETHOD_ENUM` (spec T9, R72).
#[allow(non_camel_case_types, missing_docs)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum RestoreMethod {
    #[default]
    VSS_RME_UNDEFINED = 0,
    VSS_RME_RESTORE_IF_NOT_THERE = 1,
    VSS_RME_RESTORE_IF_CAN_REPLACE = 2,
    VSS_RME_STOP_RESTORE_START = 3,
    VSS_RME_RESTORE_TO_ALTERNATE_LOCATION = 4,
    VSS_RME_RESTORE_AT_REBOOT = 5,
    VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE = 6,
    VSS_RME_CUSTOM = 7,
    VSS_RME_RESTORE_STOP_START = 8,
}

impl RestoreMethod {
    /// Every value, in value order.
    pub const ALL: [Self; 9] = [
        Self::VSS_RME_UNDEFINED,
        Self::VSS_RME_RESTORE_IF_NOT_THERE,
        Self::VSS_RME_RESTORE_IF_CAN_REPLACE,
        Self::VSS_RME_STOP_RESTORE_START,
        Self::VSS_RME_RESTORE_TO_ALTERNATE_LOCATION,
        Self::VSS_RME_RESTORE_AT_REBOOT,
        Self::VSS_RME_RESTORE_AT_REBOOT_IF_CANNOT_REPLACE,
        Self::VSS_RME_CUSTOM,
        Self::VSS_RME_RESTORE_STOP_START,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t8_t9_values() {
        assert_eq!(BackupType::VSS_BT_COPY as u32, 5);
        assert_eq!(ApplicationLevel::VSS_APP_FRONT_END as i32, 3);
        assert_eq!(ApplicationLevel::VSS_APP_AUTO as i32, -1);
        assert_eq!(UsageType::VSS_UT_OTHER as u32, 4);
        assert_eq!(SourceType::VSS_ST_OTHER as u32, 3);
        assert_eq!(RestoreMethod::VSS_RME_RESTORE_STOP_START as u32, 8);
    }

    #[test]
    fn r46_freeze_rank() {
        assert!(
            ApplicationLevel::VSS_APP_FRONT_END.freeze_rank()
                < ApplicationLevel::VSS_APP_BACK_END.freeze_rank()
        );
        assert!(
            ApplicationLevel::VSS_APP_BACK_END.freeze_rank()
                < ApplicationLevel::VSS_APP_SYSTEM.freeze_rank()
        );
    }
}
