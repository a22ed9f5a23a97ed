//! Scenario files: a machine (writers, providers, volumes, policies), faults, requester programs
//! and the expected outcome, in TOML or JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{FaultCatalogue, ProgramStep};
use crate::provider::SoftwareProvider;
use crate::trace::ProviderStep;
use crate::vocab::{
    ApplicationLevel, Hresult, Policies, ProviderId, WriterClassId, WriterEvent, WriterState,
};
use crate::writer::{Reaction, ScriptedWriter, WriterConfig, DEFAULT_FREEZE_TIMEOUT_MS};

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
    /// A short title.
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
    /// The machine's volumes (default: `C:\`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    /// Faults the run's chooser may inject (default: none).
    #[serde(default)]
    pub faults: FaultCatalogue,
    /// The requester programs, interleaved in the order given.
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
    /// Class id (default: derived from the writer's position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_id: Option<WriterClassId>,
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
}

fn default_freeze_timeout_ms() -> u64 {
    DEFAULT_FREEZE_TIMEOUT_MS
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
    /// Volumes it supports (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<String>>,
    /// How long steps take.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub durations_ms: BTreeMap<ProviderStep, u64>,
    /// What steps return.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub results: BTreeMap<ProviderStep, Hresult>,
}

/// The outcome a scenario expects, as a user would see it on Windows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Expectations {
    /// Each writer's final state and `hrFailure` in requester 0's session, by writer name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub writer_states: BTreeMap<String, (WriterState, Hresult)>,
    /// The events each writer received from requester 0, in order, by writer name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub events: BTreeMap<String, Vec<WriterEvent>>,
    /// The rules the oracle must report as broken (e.g. a requester breaking R52); any other
    /// violation fails the scenario.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
}

/// A scenario file that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{file}:{line}:{column}: {message}\n  expected: {expected}")]
pub struct ScenarioError {
    /// The file (or `<string>`).
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// What was wrong.
    pub message: String,
    /// The form the reader expected.
    pub expected: &'static str,
}

const EXPECTED_FORM: &str = "a scenario: `name`, `[[writers]]` (name, level, freeze_timeout_ms, \
     script), optional `[[providers]]`, `volumes`, `[policies]`, `[faults]`, `[[steps]]` each with \
     `call = \"<IVssBackupComponents method>\"` and its arguments, optional `[expect]`; see \
     docs/simulation.md";

impl Scenario {
    /// Reads a scenario from TOML text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<Self, ScenarioError> {
        toml::from_str(text).map_err(|err| {
            let (line, column) = err
                .span()
                .map_or((0, 0), |span| line_column(text, span.start));
            ScenarioError {
                file: file.to_owned(),
                line,
                column,
                message: err.message().to_owned(),
                expected: EXPECTED_FORM,
            }
        })
    }

    /// Reads a scenario from JSON text; `file` names it in errors.
    pub fn from_json(text: &str, file: &str) -> Result<Self, ScenarioError> {
        serde_json::from_str(text).map_err(|err| ScenarioError {
            file: file.to_owned(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
            expected: EXPECTED_FORM,
        })
    }

    /// Reads a `.toml` or `.json` scenario file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, ScenarioError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| ScenarioError {
            file: file.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read the file: {err}"),
            expected: EXPECTED_FORM,
        })?;
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Self::from_json(&text, &file),
            _ => Self::from_toml(&text, &file),
        }
    }

    /// The scenario as TOML.
    pub fn to_toml(&self) -> String {
        // Every field serializes to TOML: maps have string keys and values are finite.
        toml::to_string(self).unwrap_or_else(|err| format!("# cannot write as TOML: {err}\n"))
    }

    /// The writers as the builder takes them.
    pub(crate) fn writer_configs(&self) -> Vec<(WriterConfig, ScriptedWriter)> {
        self.writers
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                let class_id = spec.class_id.unwrap_or_else(|| {
                    WriterClassId::from_u128(0x5653_5f57_0000 + index as u128 + 1)
                });
                let config = WriterConfig::new(class_id, spec.name.clone())
                    .level(spec.level)
                    .freeze_timeout_ms(spec.freeze_timeout_ms);
                let component = spec.component.clone().unwrap_or_else(|| spec.name.clone());
                (
                    config,
                    ScriptedWriter {
                        component,
                        script: spec.script.clone(),
                    },
                )
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
                if let Some(volumes) = &spec.volumes {
                    provider = provider.with_volumes(volumes.clone());
                }
                for (step, ms) in &spec.durations_ms {
                    provider = provider.with_duration(*step, *ms);
                }
                for (step, hr) in &spec.results {
                    provider = provider.with_result(*step, *hr);
                }
                provider
            })
            .collect()
    }
}

/// 1-based line and column of byte `offset` in `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
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
    fn toml_round_trip() {
        let text = r#"
name = "round trip"
[[writers]]
name = "SqlWriter"
level = "VSS_APP_BACK_END"
script = { Freeze = { outcome = { Fatal = "VSS_E_WRITERERROR_RETRYABLE" } } }
[[providers]]
durations_ms = { CommitSnapshots = 10001 }
[[steps]]
call = "InitializeForBackup"
[[steps]]
call = "Wait"
timeout_ms = 500
requester = 1
expect = "VSS_S_ASYNC_PENDING"
[expect]
writer_states = { SqlWriter = ["VSS_WS_FAILED_AT_FREEZE", "VSS_E_WRITERERROR_RETRYABLE"] }
"#;
        let scenario = Scenario::from_toml(text, "t.toml").unwrap();
        assert_eq!(
            scenario.writers[0].level,
            ApplicationLevel::VSS_APP_BACK_END
        );
        assert_eq!(scenario.steps[1].requester, 1);
        let again = Scenario::from_toml(&scenario.to_toml(), "again.toml").unwrap();
        assert_eq!(again, scenario);
    }
}
