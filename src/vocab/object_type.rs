//! `VSS_OBJECT_TYPE` (spec T9): what `DeleteSnapshots` and `Query` name.

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
