//! What a machine keeps between requesters and between runs: the state file of the command
//! line (issue 14 part 2), so a DiskShadow script that creates persistent shadow copies and a
//! later `vssadmin delete shadows` behave as on one Windows machine.
//!
//! Auto-release copies die with their requester (R32, R104) and are never in it; persistent ones
//! stay until deleted. Writers keep the state and last error the last operation left them in
//! (R30). Ids, device numbers and the virtual clock go on where they stopped, so copies made
//! later are numbered and dated after the earlier ones.

use serde::{Deserialize, Serialize};

use super::{Hresult, SnapshotProperties, WriterInstanceId, WriterState};

/// The state file's format version.
pub const MACHINE_STATE_VERSION: u32 = 1;

/// A machine's persistent state (`Vss::machine_state`, `VssBuilder::state`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineState {
    /// [`MACHINE_STATE_VERSION`].
    pub version: u32,
    /// The virtual clock when the state was taken: the next machine starts there.
    pub now_ms: u64,
    /// Ids minted so far: new ids never repeat old ones.
    pub minted: u64,
    /// Shadow copies made so far: the next device is `HarddiskVolumeShadowCopy<n+1>`.
    pub shadow_copies_made: u64,
    /// The persistent shadow copies on the machine, oldest first.
    #[serde(default)]
    pub shadow_copies: Vec<SavedCopy>,
    /// Each writer instance's state and last error.
    #[serde(default)]
    pub writers: Vec<SavedWriterStatus>,
    /// Shadow storage associations as vssadmin left them (`add`, `resize`, `delete
    /// shadowstorage`), by volume.
    #[serde(default)]
    pub shadow_storage: Vec<SavedStorage>,
}

/// One persistent shadow copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedCopy {
    /// Its `VSS_SNAPSHOT_PROP`.
    pub properties: SnapshotProperties,
    /// The context it was made in (`VSS_CTX_*` with its attribute bits).
    pub context: u32,
    /// The volume it is a copy of, by name (`C:\`).
    pub volume: String,
    /// The shadow storage its diff area takes.
    pub diff_bytes: u64,
}

/// One writer instance's status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedWriterStatus {
    /// The instance.
    pub instance_id: WriterInstanceId,
    /// Its state.
    pub state: WriterState,
    /// Its last error (`hrFailure`).
    pub failure: Hresult,
}

/// One volume's shadow storage association.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedStorage {
    /// The volume whose copies it holds, by name.
    pub volume: String,
    /// Whether the association is explicit (a maximum was set), so it stays without copies.
    pub associated: bool,
    /// The volume the storage is on, by name, when not the volume itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on: Option<String>,
    /// Its maximum; `None` is UNBOUNDED.
    pub max_bytes: Option<u64>,
}

impl MachineState {
    /// Reads a state file's JSON.
    ///
    /// # Errors
    ///
    /// The JSON error, with its line and column, or a version this build does not read.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        let state: Self = serde_json::from_str(text)?;
        if state.version != MACHINE_STATE_VERSION {
            return Err(serde::de::Error::custom(format!(
                "state file version {} (this vss-sim reads version {MACHINE_STATE_VERSION})",
                state.version
            )));
        }
        Ok(state)
    }

    /// The state as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        // Plain data: serializing cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
