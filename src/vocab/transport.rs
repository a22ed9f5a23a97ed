//! The description of a transportable shadow copy set (R97, R113): what a transportable
//! `DoSnapshotSet` appends to the Backup Components Document, and what `ImportSnapshots` reads
//! back on the machine that imports the set.
//!
//! Microsoft documents the content, not the XML: "the original LUN `VDS_LUN_INFORMATION`
//! array, the new shadow copy LUN `VDS_LUN_INFORMATION` array, the disk extents for each volume
//! in the shadow copy set" (*The shadow copy creation process*, step 9), plus the set's and the
//! copies' ids. `xml::bcd` documents which element names are observed and which are the
//! simulator's own.

use serde::{Deserialize, Serialize};

use super::{Context, ProviderId, SnapshotId, SnapshotSetId};

/// `SNAPSHOT_SET_DESCRIPTION`: one transportable set, as its BCD carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSetDescription {
    /// The set.
    pub snapshot_set_id: SnapshotSetId,
    /// The raw context the set was created in (`lContext`, with `TRANSPORTABLE`), if the
    /// document says: it decides the imported copies' lifetime (auto-release or persistent).
    pub context: Option<u32>,
    /// Its shadow copies, in the order they were added.
    pub snapshots: Vec<SnapshotDescription>,
    /// The description exactly as a loaded document held it (a document Windows wrote may
    /// carry more than the simulator reads): saved again unchanged, as `SaveAsXML` of a
    /// document must not be edited (R113).
    #[serde(skip)]
    pub(crate) verbatim: Option<String>,
}

impl SnapshotSetDescription {
    /// A description of set `snapshot_set_id` made in `context`, with no copies yet.
    pub fn new(snapshot_set_id: SnapshotSetId, context: Option<u32>) -> Self {
        Self {
            snapshot_set_id,
            context,
            snapshots: Vec::new(),
            verbatim: None,
        }
    }

    /// Whether the set is transportable: its context says so, or (a document that does not
    /// record the context) it carries LUN data, which only transportable sets do.
    pub fn is_transportable(&self) -> bool {
        match self.context.and_then(|raw| Context::from_raw(raw).ok()) {
            Some(context) => context.modifiers.contains(super::Attributes::TRANSPORTABLE),
            None => self.snapshots.iter().any(|s| !s.luns.is_empty()),
        }
    }
}

/// `SNAPSHOT_DESCRIPTION`: one shadow copy of a transportable set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotDescription {
    /// The copy.
    pub snapshot_id: SnapshotId,
    /// The provider that made it; its importer must have it registered.
    pub provider_id: Option<ProviderId>,
    /// `m_lSnapshotAttributes` on the creating machine.
    pub attributes: Option<u32>,
    /// The machine whose volume it copies.
    pub originating_machine: Option<String>,
    /// The machine that created it.
    pub service_machine: Option<String>,
    /// The original volume's name (`\\?\Volume{…}\`).
    pub original_volume: Option<String>,
    /// Its creation time (`VSS_TIMESTAMP`: 100 ns units since 1601).
    pub timestamp: Option<i64>,
    /// The volume's LUNs and their shadow copy LUNs.
    pub luns: Vec<LunMapping>,
}

impl SnapshotDescription {
    /// A description of copy `snapshot_id` with nothing else known.
    pub fn new(snapshot_id: SnapshotId) -> Self {
        Self {
            snapshot_id,
            provider_id: None,
            attributes: None,
            originating_machine: None,
            service_machine: None,
            original_volume: None,
            timestamp: None,
            luns: Vec::new(),
        }
    }
}

/// `LUN_MAPPING`: one LUN of the original volume and the LUN that holds its shadow copy, by
/// `VDS_LUN_INFORMATION.diskSignature`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LunMapping {
    /// The original LUN's disk signature.
    pub source: Option<uuid::Uuid>,
    /// The shadow copy LUN's disk signature.
    pub destination: Option<uuid::Uuid>,
}
