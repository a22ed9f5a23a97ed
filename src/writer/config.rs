//! Writer configuration, as `CVssWriter::Initialize` takes it (R59).

use serde::{Deserialize, Serialize};

use crate::vocab::{ApplicationLevel, SourceType, UsageType, WriterClassId, WriterInstanceId};

/// The default Freeze→Thaw allowance, `dwTimeoutFreeze` (R59, R99).
pub const DEFAULT_FREEZE_TIMEOUT_MS: u64 = 60_000;

/// What a writer passes to `CVssWriter::Initialize` (R59).
///
/// ```
/// use vss_sim::vocab::{ApplicationLevel, WriterClassId};
/// use vss_sim::writer::WriterConfig;
///
/// let config = WriterConfig::new(WriterClassId::from_u128(7), "Exchange Writer")
///     .level(ApplicationLevel::VSS_APP_BACK_END)
///     .freeze_timeout_ms(20_000); // Exchange's 20 s (field failure 26)
/// assert_eq!(config.freeze_timeout_ms, 20_000);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WriterConfig {
    /// `WriterId`: the writer class.
    pub class_id: WriterClassId,
    /// `wszWriterName` (not localized).
    pub name: String,
    /// `ut`.
    pub usage_type: UsageType,
    /// `st`.
    pub source_type: SourceType,
    /// `nLevel`: decides Freeze order (R46). Default `VSS_APP_FRONT_END`.
    pub level: ApplicationLevel,
    /// `dwTimeoutFreeze` in ms. Default 60 000.
    pub freeze_timeout_ms: u64,
    /// `wszWriterInstanceName`; needed by multi-instance writers that want restore events (R61).
    pub instance_name: Option<String>,
    /// The writer instance id VSS reports for it (`GetWriterStatus`, `vssadmin list writers`).
    /// `None` (the default): minted, `{56535303-0000-8000-8000-…}`. Set it to compare output
    /// with a real machine's; ids must be unique on a machine (a duplicate is replaced by a
    /// minted one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<WriterInstanceId>,
    /// The process the writer runs in: its own application's (the default), or the VSS
    /// service's, which restarts it with the service (`Vss::restart_service`).
    #[serde(default, skip_serializing_if = "WriterHost::is_own_process")]
    pub host: WriterHost,
}

/// The process a writer runs in. Windows' in-box writers are hosted by many services:
/// the ASR Writer, COM+ REGDB Writer, Registry Writer and Shadow Copy Optimization Writer run
/// inside the VSS service itself, so restarting VSS restarts them (`[1] Stable`, no error);
/// every other writer (the System Writer in Cryptographic Services, SqlServerWriter in the SQL
/// Server VSS Writer service, …) keeps its state and last error through a restart of VSS and is
/// reset only by restarting its own service (`Vss::restart_writer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WriterHost {
    /// Its own application's process (the default).
    #[default]
    OwnProcess,
    /// The VSS service's process (`vssvc.exe`).
    VssService,
}

impl WriterHost {
    fn is_own_process(&self) -> bool {
        *self == Self::OwnProcess
    }
}

impl WriterConfig {
    /// A configuration with `Initialize`'s defaults: user data, source type other, front-end
    /// level, 60 s freeze timeout, no instance name.
    pub fn new(class_id: WriterClassId, name: impl Into<String>) -> Self {
        Self {
            class_id,
            name: name.into(),
            usage_type: UsageType::default(),
            source_type: SourceType::default(),
            level: ApplicationLevel::default(),
            freeze_timeout_ms: DEFAULT_FREEZE_TIMEOUT_MS,
            instance_name: None,
            instance_id: None,
            host: WriterHost::OwnProcess,
        }
    }

    /// Sets the application level (R46).
    #[must_use]
    pub fn level(mut self, level: ApplicationLevel) -> Self {
        self.level = level;
        self
    }

    /// Sets `dwTimeoutFreeze` (R59).
    #[must_use]
    pub fn freeze_timeout_ms(mut self, timeout_ms: u64) -> Self {
        self.freeze_timeout_ms = timeout_ms;
        self
    }

    /// Sets the usage type.
    #[must_use]
    pub fn usage_type(mut self, usage_type: UsageType) -> Self {
        self.usage_type = usage_type;
        self
    }

    /// Sets the source type.
    #[must_use]
    pub fn source_type(mut self, source_type: SourceType) -> Self {
        self.source_type = source_type;
        self
    }

    /// Sets the instance name (R61).
    #[must_use]
    pub fn instance_name(mut self, name: impl Into<String>) -> Self {
        self.instance_name = Some(name.into());
        self
    }

    /// Sets the writer instance id VSS reports (instead of a minted one), e.g. to compare
    /// output with a real machine's. `GUID_NULL`, or an id an earlier writer of the machine
    /// already has, is replaced by a minted one (instance ids are unique on a machine).
    #[must_use]
    pub fn instance_id(mut self, id: WriterInstanceId) -> Self {
        self.instance_id = Some(id);
        self
    }

    /// The configuration of the writer `identity` describes (a document's
    /// `IDENTIFICATION`): its class, name, usage and source types, instance name, and its
    /// instance id, so the machine reports the same ids Windows did.
    pub fn from_identity(identity: &crate::vocab::WriterIdentity) -> Self {
        let mut config = Self::new(identity.writer_id, identity.name.clone())
            .usage_type(identity.usage_type)
            .source_type(identity.source_type)
            .instance_id(identity.instance_id);
        config.instance_name.clone_from(&identity.instance_name);
        config
    }

    /// Sets the process the writer runs in (default: its own).
    #[must_use]
    pub fn host(mut self, host: WriterHost) -> Self {
        self.host = host;
        self
    }
}
