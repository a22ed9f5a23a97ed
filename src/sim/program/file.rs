//! The file form of a program step: one flat table whose `call` names the step, with its
//! arguments, `requester` and `expect` beside it. A key the step does not take is an error, so a
//! misspelt argument (`requestor = 5`) cannot be skipped silently.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{ComponentRef, OpRef, ProgramStep, SnapshotRef, StatusRows, Step};
use crate::vocab::{BackupState, BackupType, Hresult, ProviderId, WriterClassId};

macro_rules! step_names {
    ($($name:ident),* $(,)?) => {
        /// The `call` of a step table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        enum StepName { $($name),* }

        impl StepName {
            const fn as_str(self) -> &'static str {
                match self { $(Self::$name => stringify!($name)),* }
            }
        }
    };
}

step_names!(
    InitializeForBackup,
    SetContext,
    SetBackupState,
    EnableWriterClasses,
    DisableWriterClasses,
    EnableWriters,
    DisableWriters,
    GatherWriterMetadata,
    GetWriterMetadataCount,
    GetWriterMetadata,
    GetWriterMetadataAt,
    FreeWriterMetadata,
    SelectAllComponents,
    SelectComponents,
    AddComponent,
    StartSnapshotSet,
    AddToSnapshotSet,
    PrepareForBackup,
    DoSnapshotSet,
    GetSnapshotProperties,
    SetBackupSucceeded,
    BackupComplete,
    AbortBackup,
    GatherWriterStatus,
    GetWriterStatusCount,
    GetWriterStatus,
    GetWriterStatusAt,
    FreeWriterStatus,
    Wait,
    QueryStatus,
    Cancel,
    Sleep,
    Release,
    Crash,
    RestartWriter,
);

/// Every key any step table may hold.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    call: Option<StepName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    requester: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect: Option<Hresult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    context: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    select_components: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bootable_system_state: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_type: Option<BackupType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partial_file_support: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    classes: Option<Vec<WriterClassId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect_writers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    component: Option<ComponentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    volume: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<ProviderId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    snapshot: Option<SnapshotRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    succeeded: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expect_rows: Option<StatusRows>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    op: Option<OpRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    writer: Option<String>,
}

impl RawStep {
    /// The keys still set, by name: what the step did not take.
    fn leftovers(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut check = |set: bool, key: &'static str| {
            if set {
                keys.push(key);
            }
        };
        check(self.context.is_some(), "context");
        check(self.select_components.is_some(), "select_components");
        check(
            self.bootable_system_state.is_some(),
            "bootable_system_state",
        );
        check(self.backup_type.is_some(), "backup_type");
        check(self.partial_file_support.is_some(), "partial_file_support");
        check(self.classes.is_some(), "classes");
        check(self.writers.is_some(), "writers");
        check(self.expect_writers.is_some(), "expect_writers");
        check(self.index.is_some(), "index");
        check(self.component.is_some(), "component");
        check(self.volume.is_some(), "volume");
        check(self.provider.is_some(), "provider");
        check(self.snapshot.is_some(), "snapshot");
        check(self.succeeded.is_some(), "succeeded");
        check(self.expect_rows.is_some(), "expect_rows");
        check(self.op.is_some(), "op");
        check(self.timeout_ms.is_some(), "timeout_ms");
        check(self.ms.is_some(), "ms");
        check(self.writer.is_some(), "writer");
        keys
    }
}

/// `raw.<key>.take()`, or an error naming the step and the missing key.
fn required<T>(value: Option<T>, call: StepName, key: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("`{}` needs `{key}`", call.as_str()))
}

impl TryFrom<RawStep> for ProgramStep {
    type Error = String;

    fn try_from(mut raw: RawStep) -> Result<Self, String> {
        use StepName as N;
        let call = raw
            .call
            .ok_or_else(|| "a step needs `call`, the name of the step".to_owned())?;
        let step = match call {
            N::InitializeForBackup => Step::InitializeForBackup,
            N::SetContext => Step::SetContext {
                context: required(raw.context.take(), call, "context")?,
            },
            N::SetBackupState => {
                let default = BackupState::default();
                Step::SetBackupState(BackupState {
                    select_components: raw
                        .select_components
                        .take()
                        .unwrap_or(default.select_components),
                    bootable_system_state: raw
                        .bootable_system_state
                        .take()
                        .unwrap_or(default.bootable_system_state),
                    backup_type: raw.backup_type.take().unwrap_or(default.backup_type),
                    partial_file_support: raw
                        .partial_file_support
                        .take()
                        .unwrap_or(default.partial_file_support),
                })
            }
            N::EnableWriterClasses => Step::EnableWriterClasses {
                classes: required(raw.classes.take(), call, "classes")?,
            },
            N::DisableWriterClasses => Step::DisableWriterClasses {
                classes: required(raw.classes.take(), call, "classes")?,
            },
            N::EnableWriters => Step::EnableWriters {
                writers: required(raw.writers.take(), call, "writers")?,
            },
            N::DisableWriters => Step::DisableWriters {
                writers: required(raw.writers.take(), call, "writers")?,
            },
            N::GatherWriterMetadata => Step::GatherWriterMetadata,
            N::GetWriterMetadataCount => Step::GetWriterMetadataCount,
            N::GetWriterMetadata => Step::GetWriterMetadata {
                expect_writers: raw.expect_writers.take(),
            },
            N::GetWriterMetadataAt => Step::GetWriterMetadataAt {
                index: required(raw.index.take(), call, "index")?,
            },
            N::FreeWriterMetadata => Step::FreeWriterMetadata,
            N::SelectAllComponents => Step::SelectAllComponents,
            N::SelectComponents => Step::SelectComponents {
                writers: required(raw.writers.take(), call, "writers")?,
            },
            N::AddComponent => Step::AddComponent {
                component: required(raw.component.take(), call, "component")?,
            },
            N::StartSnapshotSet => Step::StartSnapshotSet,
            N::AddToSnapshotSet => Step::AddToSnapshotSet {
                volume: required(raw.volume.take(), call, "volume")?,
                provider: raw.provider.take(),
            },
            N::PrepareForBackup => Step::PrepareForBackup,
            N::DoSnapshotSet => Step::DoSnapshotSet,
            N::GetSnapshotProperties => Step::GetSnapshotProperties {
                snapshot: raw.snapshot.take().unwrap_or_default(),
            },
            N::SetBackupSucceeded => Step::SetBackupSucceeded {
                component: required(raw.component.take(), call, "component")?,
                succeeded: required(raw.succeeded.take(), call, "succeeded")?,
            },
            N::BackupComplete => Step::BackupComplete,
            N::AbortBackup => Step::AbortBackup,
            N::GatherWriterStatus => Step::GatherWriterStatus,
            N::GetWriterStatusCount => Step::GetWriterStatusCount,
            N::GetWriterStatus => Step::GetWriterStatus {
                expect_rows: raw.expect_rows.take(),
            },
            N::GetWriterStatusAt => Step::GetWriterStatusAt {
                index: required(raw.index.take(), call, "index")?,
            },
            N::FreeWriterStatus => Step::FreeWriterStatus,
            N::Wait => Step::Wait {
                op: raw.op.take().unwrap_or_default(),
                timeout_ms: raw.timeout_ms.take(),
            },
            N::QueryStatus => Step::QueryStatus {
                op: raw.op.take().unwrap_or_default(),
            },
            N::Cancel => Step::Cancel {
                op: raw.op.take().unwrap_or_default(),
            },
            N::Sleep => Step::Sleep {
                ms: required(raw.ms.take(), call, "ms")?,
            },
            N::Release => Step::Release,
            N::Crash => Step::Crash,
            N::RestartWriter => Step::RestartWriter {
                writer: required(raw.writer.take(), call, "writer")?,
            },
        };
        if let Some(key) = raw.leftovers().first() {
            return Err(format!("`{key}` is not an argument of `{}`", call.as_str()));
        }
        Ok(Self {
            requester: raw.requester.unwrap_or(0),
            step,
            expect: raw.expect,
        })
    }
}

impl From<&ProgramStep> for RawStep {
    fn from(program_step: &ProgramStep) -> Self {
        let mut raw = Self {
            requester: (program_step.requester != 0).then_some(program_step.requester),
            expect: program_step.expect,
            ..Self::default()
        };
        let call = match &program_step.step {
            Step::InitializeForBackup => StepName::InitializeForBackup,
            Step::SetContext { context } => {
                raw.context = Some(*context);
                StepName::SetContext
            }
            Step::SetBackupState(state) => {
                raw.select_components = Some(state.select_components);
                raw.bootable_system_state = Some(state.bootable_system_state);
                raw.backup_type = Some(state.backup_type);
                raw.partial_file_support = Some(state.partial_file_support);
                StepName::SetBackupState
            }
            Step::EnableWriterClasses { classes } => {
                raw.classes = Some(classes.clone());
                StepName::EnableWriterClasses
            }
            Step::DisableWriterClasses { classes } => {
                raw.classes = Some(classes.clone());
                StepName::DisableWriterClasses
            }
            Step::EnableWriters { writers } => {
                raw.writers = Some(writers.clone());
                StepName::EnableWriters
            }
            Step::DisableWriters { writers } => {
                raw.writers = Some(writers.clone());
                StepName::DisableWriters
            }
            Step::GatherWriterMetadata => StepName::GatherWriterMetadata,
            Step::GetWriterMetadataCount => StepName::GetWriterMetadataCount,
            Step::GetWriterMetadata { expect_writers } => {
                raw.expect_writers.clone_from(expect_writers);
                StepName::GetWriterMetadata
            }
            Step::GetWriterMetadataAt { index } => {
                raw.index = Some(*index);
                StepName::GetWriterMetadataAt
            }
            Step::FreeWriterMetadata => StepName::FreeWriterMetadata,
            Step::SelectAllComponents => StepName::SelectAllComponents,
            Step::SelectComponents { writers } => {
                raw.writers = Some(writers.clone());
                StepName::SelectComponents
            }
            Step::AddComponent { component } => {
                raw.component = Some(component.clone());
                StepName::AddComponent
            }
            Step::StartSnapshotSet => StepName::StartSnapshotSet,
            Step::AddToSnapshotSet { volume, provider } => {
                raw.volume = Some(volume.clone());
                raw.provider = *provider;
                StepName::AddToSnapshotSet
            }
            Step::PrepareForBackup => StepName::PrepareForBackup,
            Step::DoSnapshotSet => StepName::DoSnapshotSet,
            Step::GetSnapshotProperties { snapshot } => {
                raw.snapshot = Some(*snapshot);
                StepName::GetSnapshotProperties
            }
            Step::SetBackupSucceeded {
                component,
                succeeded,
            } => {
                raw.component = Some(component.clone());
                raw.succeeded = Some(*succeeded);
                StepName::SetBackupSucceeded
            }
            Step::BackupComplete => StepName::BackupComplete,
            Step::AbortBackup => StepName::AbortBackup,
            Step::GatherWriterStatus => StepName::GatherWriterStatus,
            Step::GetWriterStatusCount => StepName::GetWriterStatusCount,
            Step::GetWriterStatus { expect_rows } => {
                raw.expect_rows.clone_from(expect_rows);
                StepName::GetWriterStatus
            }
            Step::GetWriterStatusAt { index } => {
                raw.index = Some(*index);
                StepName::GetWriterStatusAt
            }
            Step::FreeWriterStatus => StepName::FreeWriterStatus,
            Step::Wait { op, timeout_ms } => {
                raw.op = (*op != OpRef::Last).then_some(*op);
                raw.timeout_ms = *timeout_ms;
                StepName::Wait
            }
            Step::QueryStatus { op } => {
                raw.op = (*op != OpRef::Last).then_some(*op);
                StepName::QueryStatus
            }
            Step::Cancel { op } => {
                raw.op = (*op != OpRef::Last).then_some(*op);
                StepName::Cancel
            }
            Step::Sleep { ms } => {
                raw.ms = Some(*ms);
                StepName::Sleep
            }
            Step::Release => StepName::Release,
            Step::Crash => StepName::Crash,
            Step::RestartWriter { writer } => {
                raw.writer = Some(writer.clone());
                StepName::RestartWriter
            }
        };
        raw.call = Some(call);
        raw
    }
}

impl Serialize for ProgramStep {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawStep::from(self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ProgramStep {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = RawStep::deserialize(deserializer)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProgramStep, String> {
        toml::from_str::<ProgramStep>(text).map_err(|err| err.to_string())
    }

    #[test]
    fn steps_round_trip_through_their_table() {
        let steps = [
            ProgramStep::new(Step::Wait {
                op: OpRef::Nth(3),
                timeout_ms: Some(500),
            }),
            ProgramStep {
                requester: 2,
                step: Step::SetBackupState(BackupState::default()),
                expect: Some(Hresult::VSS_E_BAD_STATE),
            },
            ProgramStep::new(Step::AddComponent {
                component: ComponentRef::Declared {
                    declared: 1,
                    mangle: Some(super::super::Mangle::WrongType),
                },
            }),
            ProgramStep::new(Step::AddComponent {
                component: ComponentRef::Named {
                    writer: "W".into(),
                    logical_path: Some("a\\b".into()),
                    name: "db".into(),
                },
            }),
            ProgramStep::new(Step::GetSnapshotProperties {
                snapshot: SnapshotRef::Minted(2),
            }),
        ];
        for step in steps {
            let text = toml::to_string(&step).unwrap();
            assert_eq!(parse(&text).as_ref(), Ok(&step), "{text}");
            let json = serde_json::to_string(&step).unwrap();
            assert_eq!(serde_json::from_str::<ProgramStep>(&json).unwrap(), step);
        }
    }

    #[test]
    fn a_misspelt_or_foreign_key_is_an_error() {
        // Issue: `requestor = 5` used to be skipped, running the step as requester 0.
        let err = parse("call = \"Wait\"\nrequestor = 5\n").unwrap_err();
        assert!(err.contains("unknown field `requestor`"), "{err}");
        let err = parse("call = \"Wait\"\nvolume = \"C:\\\\\"\n").unwrap_err();
        assert!(
            err.contains("`volume` is not an argument of `Wait`"),
            "{err}"
        );
        let err = parse("call = \"AddToSnapshotSet\"\n").unwrap_err();
        assert!(err.contains("`AddToSnapshotSet` needs `volume`"), "{err}");
        let err = parse("requester = 1\n").unwrap_err();
        assert!(err.contains("needs `call`"), "{err}");
    }

    #[test]
    fn defaults_keep_files_short() {
        let step = parse("call = \"Wait\"\n").unwrap();
        assert_eq!(
            step.step,
            Step::Wait {
                op: OpRef::Last,
                timeout_ms: None
            }
        );
        assert_eq!(toml::to_string(&step).unwrap(), "call = \"Wait\"\n");
    }
}
