//! Scenario files: a machine (writers, providers, volumes, policies), faults, requester programs
//! and the expected outcome, in TOML or JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{FaultCatalogue, ProgramStep};
use crate::provider::{SoftwareProvider, StepWait};
use crate::vocab::ProviderStep;
use crate::vocab::{
    ApplicationLevel, Hresult, OsProfile, Policies, ProviderId, Rule, WriterClassId, WriterEvent,
    WriterInstanceId, WriterState,
};
use crate::writer::{
    Reaction, ScriptedWriter, WriterConfig, WriterHost, DEFAULT_FREEZE_TIMEOUT_MS,
};

/// A whole simulated situation, loadable from a file.
///
/// ```toml
/// name = "provider holds writes for more than 10 s"
/// [[writers]]
/// name = "SqlWriter"
/// [[providers]]
/// durations_ms = { CommitSnapshots = 10001 }
/// [[steps]]
/// call = "InitializeForBackup"
/// # …
/// ```
///
/// See `docs/simulation.md` for the complete format and `scenarios/` for examples.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// A short title (a machine file, which describes only the machine, may leave it out).
    #[serde(default)]
    pub name: String,
    /// What the scenario reproduces, and where it was reported.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Policies for the documented ambiguities (default: every default).
    #[serde(default)]
    pub policies: Policies,
    /// The writers, in registration order.
    #[serde(default)]
    pub writers: Vec<WriterSpec>,
    /// The providers (default: the system provider).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderSpec>,
    /// The machine's volumes (default: `C:\`): names (`"D:\\"`) or tables
    /// ([`Volume`](crate::vocab::Volume): `name`, `guid`, `mount_points`, `file_system`,
    /// `removable`, `size_bytes`, `free_bytes`, `max_storage_bytes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<crate::vocab::Volume>,
    /// The Windows version or SKU the machine runs (default: a current server).
    #[serde(default, skip_serializing_if = "is_default_os")]
    pub os: OsProfile,
    /// The rest of the machine's description (`[machine]`: its name, wall clock, shadow copy
    /// limit, system provider).
    #[serde(default, skip_serializing_if = "MachineSettings::is_default")]
    pub machine: MachineSettings,
    /// Faults the run's chooser may inject (default: none).
    #[serde(default)]
    pub faults: FaultCatalogue,
    /// The requester programs, interleaved in the order given (none in a machine file: the
    /// command line's vssadmin and DiskShadow drive the machine themselves).
    #[serde(default)]
    pub steps: Vec<ProgramStep>,
    /// The chooser's picks, for a replayable run (empty: always the first option).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<u32>,
    /// What a user would see on Windows.
    #[serde(default)]
    pub expect: Expectations,
}

/// One writer of a scenario: `CVssWriter::Initialize` arguments and a script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterSpec {
    /// Writer name, also its component's name unless `component` is given.
    pub name: String,
    /// Class id (default: derived from the writer's position). Two writers may share one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<WriterClassId>,
    /// Writer instance id, as `vssadmin list writers` shows it (default: minted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<WriterInstanceId>,
    /// Application level (R46).
    #[serde(default)]
    pub level: ApplicationLevel,
    /// `dwTimeoutFreeze` (R59).
    #[serde(default = "default_freeze_timeout_ms")]
    pub freeze_timeout_ms: u64,
    /// The component it declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Its reaction per event (default: succeed at once).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub script: BTreeMap<WriterEvent, Reaction>,
    /// A failure sticks to the writer across sessions until a `RestartWriter` step (field
    /// failure 17; see [`ScriptedWriter`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub persist_failures: bool,
    /// The process it runs in: `"OwnProcess"` (the default) or `"VssService"`, which restarts
    /// it with the service (`RestartService`).
    #[serde(default, skip_serializing_if = "is_own_process")]
    pub host: WriterHost,
    /// A Writer Metadata Document in Windows' XML (a file a Windows machine saved, e.g. with
    /// DiskShadow's `set metadata`), relative to the scenario file: the writer declares it in
    /// OnIdentify, with the identity and instance id it names (`class_id`, `instance_id` and
    /// `component` are then ignored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<String>,
    /// The document `metadata` names, read when the scenario was.
    #[serde(skip)]
    pub document: Option<crate::vocab::WriterMetadataView>,
}

fn is_own_process(host: &WriterHost) -> bool {
    *host == WriterHost::OwnProcess
}

impl WriterSpec {
    /// A front-end writer named `name` with the default freeze timeout that succeeds at every
    /// event.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            class_id: None,
            instance_id: None,
            level: ApplicationLevel::default(),
            freeze_timeout_ms: DEFAULT_FREEZE_TIMEOUT_MS,
            component: None,
            script: BTreeMap::new(),
            persist_failures: false,
            host: WriterHost::OwnProcess,
            metadata: None,
            document: None,
        }
    }
}

fn is_default_os(os: &OsProfile) -> bool {
    *os == OsProfile::default()
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn default_freeze_timeout_ms() -> u64 {
    DEFAULT_FREEZE_TIMEOUT_MS
}

/// The `[machine]` table of a scenario: what `Vss::builder()` takes besides writers, providers,
/// volumes and the OS profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MachineSettings {
    /// The machine's name (shadow copies' originating and service machine).
    pub name: String,
    /// The wall clock time of virtual time 0, in ms since 1970-01-01 UTC.
    pub wall_clock_epoch_ms: i64,
    /// `MaxShadowCopies`: the most client-accessible copies a volume keeps (R102).
    pub max_client_accessible_copies: u32,
    /// Whether the machine has the system provider besides the scenario's providers (R127).
    pub system_provider: bool,
}

impl Default for MachineSettings {
    fn default() -> Self {
        Self {
            name: crate::vocab::DEFAULT_MACHINE_NAME.to_owned(),
            wall_clock_epoch_ms: crate::vocab::DEFAULT_WALL_CLOCK_EPOCH_MS,
            max_client_accessible_copies: crate::vocab::DEFAULT_MAX_CLIENT_ACCESSIBLE_COPIES,
            system_provider: true,
        }
    }
}

impl MachineSettings {
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One provider of a scenario: a [`SoftwareProvider`] with step durations and results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    /// Provider id (default: the system provider's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ProviderId>,
    /// Name (default: the system provider's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its kind (`VSS_PROV_HARDWARE`, `VSS_PROV_SOFTWARE`, `VSS_PROV_SYSTEM`; default: system
    /// for the system provider's id, software otherwise), which ranks it for `GUID_NULL` (R85)
    /// and gives its capabilities (hardware: transportable and plex copies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<crate::vocab::ProviderType>,
    /// Volumes it supports (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<String>>,
    /// How long steps take.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub durations_ms: BTreeMap<ProviderStep, u64>,
    /// What steps return.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<ProviderStep, Hresult>,
    /// Steps that block once their duration is over (a pass-through provider holding writes
    /// until the host says "go on").
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub waits: BTreeMap<ProviderStep, StepWait>,
    /// What it answers `IsVolumeSupported` with instead of whether it supports the volume: an
    /// error code (a veto, or an unexpected error, field failure 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_query: Option<Hresult>,
    /// It honours `VSS_VOLSNAP_ATTR_TRANSPORTABLE` although it is not a hardware provider (as
    /// QEMU's guest-agent provider does).
    #[serde(default, skip_serializing_if = "is_false")]
    pub transportable: bool,
    /// Its copies have no device VSS can open (QEMU's guest-agent provider only holds writes):
    /// an auto-recovered set then fails at the final commit (field failure 16).
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_device: bool,
}

/// The outcome a scenario expects, as a user would see it on Windows.
///
/// The top-level tables are about requester 0; `[[expect.requesters]]` says the same about other
/// requesters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Expectations {
    /// Each writer's final state and `hrFailure` in requester 0's session, by writer name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub writer_states: BTreeMap<String, (WriterState, Hresult)>,
    /// The events each writer received from requester 0, in order, by writer name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub events: BTreeMap<String, Vec<WriterEvent>>,
    /// The set id each writer's BackupShutdown from requester 0 carried, by writer name (R57).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub shutdown_set_ids: BTreeMap<String, ShutdownSetId>,
    /// The same expectations about requesters other than 0.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requesters: Vec<RequesterExpectations>,
    /// The rules the oracle must report as broken (e.g. a requester breaking R52); any other
    /// violation fails the scenario.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Rule>,
}

impl Expectations {
    /// Drops every expectation about what users see (states, events, BackupShutdown ids), keeping
    /// the expected violations: for replays whose outcome is whatever the run produces.
    pub fn clear_observations(&mut self) {
        self.writer_states.clear();
        self.events.clear();
        self.shutdown_set_ids.clear();
        self.requesters.clear();
    }
}

/// What one requester (other than 0) must have seen: `[[expect.requesters]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequesterExpectations {
    /// The requester (`requester = n` on its steps).
    pub requester: u32,
    /// Each writer's final state and `hrFailure` in this requester's session, by writer name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub writer_states: BTreeMap<String, (WriterState, Hresult)>,
    /// The events each writer received from this requester, in order, by writer name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub events: BTreeMap<String, Vec<WriterEvent>>,
    /// The set id each writer's BackupShutdown from this requester carried (R57).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub shutdown_set_ids: BTreeMap<String, ShutdownSetId>,
}

/// The set id a writer's `OnBackupShutdown` received (R57), as a scenario names it.
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ShutdownSetId {
    /// `GUID_NULL`: no shadow copy was created.
    GUID_NULL,
    /// The id of the set the same requester created.
    Own,
    /// The id of another requester's set (R57: after a crash it may belong to another backup).
    Other,
}

pub use crate::vocab::limits::MAX_REQUESTERS;

impl Scenario {
    /// The writers as the builder takes them.
    pub(crate) fn writer_configs(&self) -> Vec<(WriterConfig, ScriptedWriter)> {
        self.writers
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                let class_id = spec.class_id.unwrap_or_else(|| {
                    WriterClassId::from_u128(0x5653_5f57_0000 + index as u128 + 1)
                });
                // A writer declaring a saved document takes the document's identity, under the
                // scenario's name for it.
                let mut config = match &spec.document {
                    Some(view) => {
                        let mut identity = view.identity.clone();
                        identity.name.clone_from(&spec.name);
                        WriterConfig::from_identity(&identity)
                    }
                    None => {
                        let mut config = WriterConfig::new(class_id, spec.name.clone());
                        config.instance_id = spec.instance_id;
                        config
                    }
                }
                .level(spec.level)
                .freeze_timeout_ms(spec.freeze_timeout_ms);
                let component = spec.component.clone().unwrap_or_else(|| spec.name.clone());
                let writer = ScriptedWriter {
                    component,
                    script: spec.script.clone(),
                    persist_failures: spec.persist_failures,
                    document: spec
                        .document
                        .as_ref()
                        .map(|view| Box::new(crate::writer::WriterMetadata::from_view(view))),
                    ..ScriptedWriter::default()
                };
                config.host = spec.host;
                (config, writer)
            })
            .collect()
    }

    /// The providers as the builder takes them.
    pub(crate) fn provider_list(&self) -> Vec<SoftwareProvider> {
        if self.providers.is_empty() {
            return vec![SoftwareProvider::system()];
        }
        self.providers
            .iter()
            .map(|spec| {
                let system = SoftwareProvider::system();
                let mut provider = match (&spec.id, &spec.name) {
                    (None, None) => system,
                    (id, name) => SoftwareProvider::new(
                        id.unwrap_or(crate::vocab::well_known::SYSTEM_PROVIDER),
                        name.clone()
                            .unwrap_or_else(|| crate::provider::SYSTEM_PROVIDER_NAME.to_owned()),
                    ),
                };
                let id = spec.id.unwrap_or(crate::vocab::well_known::SYSTEM_PROVIDER);
                let kind =
                    spec.kind
                        .unwrap_or(if id == crate::vocab::well_known::SYSTEM_PROVIDER {
                            crate::vocab::ProviderType::VSS_PROV_SYSTEM
                        } else {
                            crate::vocab::ProviderType::VSS_PROV_SOFTWARE
                        });
                provider = provider.with_info(
                    match kind {
                        crate::vocab::ProviderType::VSS_PROV_SYSTEM => {
                            crate::provider::ProviderInfo::system()
                        }
                        crate::vocab::ProviderType::VSS_PROV_HARDWARE => {
                            crate::provider::ProviderInfo::hardware()
                        }
                        other => crate::provider::ProviderInfo {
                            provider_type: other,
                            ..Default::default()
                        },
                    }
                    .with_transportable(spec.transportable)
                    .surfacing(!spec.no_device),
                );
                if let Some(volumes) = &spec.volumes {
                    provider = provider.with_volumes(volumes.clone());
                }
                for (step, ms) in &spec.durations_ms {
                    provider = provider.with_duration(*step, *ms);
                }
                for (step, hr) in &spec.results {
                    provider = provider.with_result(*step, *hr);
                }
                for (step, wait) in &spec.waits {
                    provider = provider.with_wait(*step, wait.clone());
                }
                if let Some(hr) = spec.volume_query {
                    provider = provider.volume_query_result(hr);
                }
                provider
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_files_name_file_line_and_form() {
        let text =
            "name = \"x\"\n[[writers]]\nname = \"W\"\nlevel = \"VSS_APP_MIDDLE\"\nsteps = []\n";
        let err = Scenario::from_toml(text, "bad.toml").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("bad.toml", 4));
        assert!(err.message.contains("VSS_APP_MIDDLE"), "{err}");
        assert!(err.to_string().starts_with("bad.toml:4:"), "{err}");
        let err = Scenario::from_json("{\"name\": 3}", "bad.json").unwrap_err();
        assert_eq!((err.line, err.file.as_str()), (1, "bad.json"));
        let err = Scenario::from_toml(
            "name = \"x\"\nsteps = [{ call = \"DoSnapshotSett\" }]\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(err.message.contains("DoSnapshotSett"), "{err}");
    }

    #[test]
    fn writer_specs_default_to_plain_front_end_writers() {
        let scenario = Scenario::from_toml(
            "name = \"x\"\nsteps = []\n[[writers]]\nname = \"W\"\n",
            "t.toml",
        )
        .unwrap();
        assert_eq!(scenario.writers, [WriterSpec::new("W")]);
        // The file form stays as short as it was: defaults are not written back.
        assert!(!scenario.to_toml().unwrap().contains("persist_failures"));
        let (_, writer) = &scenario.writer_configs()[0];
        assert!(!writer.persist_failures);
    }

    #[test]
    fn toml_round_trip() {
        let text = r#"
name = "round trip"
[[writers]]
name = "SqlWriter"
level = "VSS_APP_BACK_END"
script = { Freeze = { outcome = { Fatal = "VSS_E_WRITERERROR_RETRYABLE" } } }
persist_failures = true
[[providers]]
durations_ms = { CommitSnapshots = 10001 }
[[steps]]
call = "InitializeForBackup"
[[steps]]
call = "Wait"
timeout_ms = 500
requester = 1
expect = "VSS_S_ASYNC_PENDING"
[[steps]]
call = "GetWriterStatus"
expect_rows = { SqlWriter = ["VSS_WS_STABLE", "S_OK"] }
[[steps]]
call = "GetWriterMetadata"
expect_writers = ["SqlWriter"]
[[steps]]
call = "RestartWriter"
writer = "SqlWriter"
[expect]
writer_states = { SqlWriter = ["VSS_WS_FAILED_AT_FREEZE", "VSS_E_WRITERERROR_RETRYABLE"] }
shutdown_set_ids = { SqlWriter = "GUID_NULL" }
[[expect.requesters]]
requester = 1
events = { SqlWriter = ["Identify", "BackupShutdown"] }
shutdown_set_ids = { SqlWriter = "Other" }
"#;
        let scenario = Scenario::from_toml(text, "t.toml").unwrap();
        assert_eq!(
            scenario.writers[0].level,
            ApplicationLevel::VSS_APP_BACK_END
        );
        assert_eq!(scenario.steps[1].requester, 1);
        assert!(scenario.writers[0].persist_failures);
        assert_eq!(
            scenario.steps[4].step,
            super::super::Step::RestartWriter {
                writer: "SqlWriter".into()
            }
        );
        assert_eq!(scenario.expect.requesters[0].requester, 1);
        assert_eq!(
            scenario.expect.requesters[0].shutdown_set_ids["SqlWriter"],
            ShutdownSetId::Other
        );
        let again = Scenario::from_toml(&scenario.to_toml().unwrap(), "again.toml").unwrap();
        assert_eq!(again, scenario);
        let mut cleared = scenario.expect.clone();
        cleared.violations.push(Rule::R52);
        cleared.clear_observations();
        assert_eq!(
            cleared,
            Expectations {
                violations: vec![Rule::R52],
                ..Expectations::default()
            }
        );
    }

    #[test]
    fn requester_numbers_are_bounded() {
        let text = "name = \"x\"\n[[steps]]\ncall = \"InitializeForBackup\"\nrequester = 2000000\n";
        let err = Scenario::from_toml(text, "many.toml").unwrap_err();
        assert!(err.message.contains("requester 2000000"), "{err}");
        let json = r#"{"name": "x", "steps": [{"call": "Release", "requester": 64}]}"#;
        assert!(Scenario::from_json(json, "many.json").is_err());
    }

    #[test]
    fn syntax_errors_always_say_something() {
        for text in ["name = \"x\"\r", "#\u{1}\nname = \"x\""] {
            let err = Scenario::from_toml(text, "odd.toml").unwrap_err();
            assert!(!err.message.is_empty(), "{err:?}");
        }
    }
}
