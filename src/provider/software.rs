//! An in-memory software provider with configurable step durations and results.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Provider, ProviderContext, ProviderInfo};
use crate::vocab::ProviderStep;
use crate::vocab::{well_known, Hresult, ProviderId, SignalName, SnapshotSetId, Wait, WaitEnd};

/// The system provider's name (R127).
pub const SYSTEM_PROVIDER_NAME: &str = "Microsoft Software Shadow Copy provider 1.0";

/// The File Share Shadow Copy provider's name (observed in diagnostic output).
pub const FILE_SHARE_PROVIDER_NAME: &str = "Microsoft File Share Shadow Copy provider";

/// An in-memory software provider.
///
/// By default it is the system provider (R127): it supports every volume, each step succeeds
/// instantly. Steps can be given a duration or a fixed result, for tests of R89 (a slow commit)
/// and R95 (a provider failing after PrepareForSnapshot):
///
/// ```
/// use vss_sim::provider::SoftwareProvider;
/// use vss_sim::trace::ProviderStep;
/// use vss_sim::vocab::Hresult;
///
/// let slow = SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, 12_000);
/// let vetoing = SoftwareProvider::system()
///     .with_result(ProviderStep::EndPrepareSnapshots, Hresult::VSS_E_INSUFFICIENT_STORAGE);
/// # let _ = (slow, vetoing);
/// ```
///
/// A step can also block ([`StepWait`]): a pass-through provider that tells the host writes
/// are held and waits for it to say "go on", or to give up after a deadline:
///
/// ```
/// use vss_sim::provider::{SoftwareProvider, StepWait};
/// use vss_sim::trace::ProviderStep;
/// use vss_sim::vocab::{Hresult, Wait};
///
/// let pass_through = SoftwareProvider::system().with_wait(
///     ProviderStep::CommitSnapshots,
///     StepWait::new(Wait::signal("host-done").or_ms(60_000))
///         .setting("writes-held")
///         .on_timeout(Hresult::VSS_E_PROVIDER_VETO),
/// );
/// # let _ = pass_through;
/// ```
#[derive(Clone, Debug)]
pub struct SoftwareProvider {
    id: ProviderId,
    name: String,
    volumes: Option<Vec<String>>,
    durations_ms: BTreeMap<ProviderStep, u64>,
    results: BTreeMap<ProviderStep, Hresult>,
    waits: BTreeMap<ProviderStep, StepWait>,
    volume_query: Option<Hresult>,
    info: ProviderInfo,
}

/// How a step of a [`SoftwareProvider`] blocks once its duration is over: it sets
/// `set_signal` (if any), waits for `wait`, then returns its result — or `on_timeout`, if
/// given, when the wait timed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepWait {
    /// Set before the wait starts (e.g. "writes are held").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_signal: Option<SignalName>,
    /// What the step waits for.
    pub wait: Wait,
    /// What the step returns when the wait timed out (default: its usual result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<Hresult>,
}

impl StepWait {
    /// Waits for `wait`.
    pub fn new(wait: Wait) -> Self {
        Self {
            set_signal: None,
            wait,
            on_timeout: None,
        }
    }

    /// Sets `signal` before waiting.
    #[must_use]
    pub fn setting(mut self, signal: impl Into<SignalName>) -> Self {
        self.set_signal = Some(signal.into());
        self
    }

    /// Returns `hr` when the wait timed out.
    #[must_use]
    pub fn on_timeout(mut self, hr: Hresult) -> Self {
        self.on_timeout = Some(hr);
        self
    }
}

impl SoftwareProvider {
    /// The system provider: id and name of R127, every volume supported.
    pub fn system() -> Self {
        Self::new(well_known::SYSTEM_PROVIDER, SYSTEM_PROVIDER_NAME)
            .with_info(ProviderInfo::system())
    }

    /// The File Share Shadow Copy provider, which the machine registers when it has file shares:
    /// type `VSS_PROV_FILESHARE`, version `1.0.0.1` (observed); it takes the file shares, and
    /// the machine gives it nothing else.
    pub fn file_share() -> Self {
        Self::new(well_known::FILE_SHARE_PROVIDER, FILE_SHARE_PROVIDER_NAME).with_info(
            ProviderInfo {
                provider_type: crate::vocab::ProviderType::VSS_PROV_FILESHARE,
                version: "1.0.0.1".into(),
                ..ProviderInfo::default()
            },
        )
    }

    /// A software provider with the given id and name, supporting every volume.
    pub fn new(id: ProviderId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            volumes: None,
            durations_ms: BTreeMap::new(),
            results: BTreeMap::new(),
            waits: BTreeMap::new(),
            volume_query: None,
            info: ProviderInfo::default(),
        }
    }

    /// Reports `info` (type, version, class) to `Query` of providers.
    #[must_use]
    pub fn with_info(mut self, info: ProviderInfo) -> Self {
        self.info = info;
        self
    }

    /// Supports only these volumes (case-insensitive).
    #[must_use]
    pub fn with_volumes<I, S>(mut self, volumes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.volumes = Some(volumes.into_iter().map(Into::into).collect());
        self
    }

    /// Makes `step` take `ms` of virtual time.
    #[must_use]
    pub fn with_duration(mut self, step: ProviderStep, ms: u64) -> Self {
        self.durations_ms.insert(step, ms);
        self
    }

    /// Makes `step` return `hr`.
    #[must_use]
    pub fn with_result(mut self, step: ProviderStep, hr: Hresult) -> Self {
        self.results.insert(step, hr);
        self
    }

    /// Makes `step` block as `wait` says once its duration is over.
    #[must_use]
    pub fn with_wait(mut self, step: ProviderStep, wait: StepWait) -> Self {
        self.waits.insert(step, wait);
        self
    }

    /// Answers `IsVolumeSupported` with `hr` instead of whether it supports the volume (field
    /// failure 18: a provider that vetoes or fails the question).
    #[must_use]
    pub fn volume_query_result(mut self, hr: Hresult) -> Self {
        self.volume_query = Some(hr);
        self
    }

    fn result(&self, step: ProviderStep) -> Hresult {
        self.results.get(&step).copied().unwrap_or(Hresult::S_OK)
    }
}

impl Provider for SoftwareProvider {
    fn id(&self) -> ProviderId {
        self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn supports_volume(&self, volume: &str) -> bool {
        self.volumes
            .as_ref()
            .is_none_or(|volumes| volumes.iter().any(|v| v.eq_ignore_ascii_case(volume)))
    }

    fn info(&self) -> ProviderInfo {
        self.info.clone()
    }

    fn is_volume_supported(&mut self, volume: &str) -> Result<bool, Hresult> {
        match self.volume_query {
            Some(hr) if hr.is_failure() => Err(hr),
            _ => Ok(self.supports_volume(volume)),
        }
    }

    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        _set: SnapshotSetId,
        _volume: Option<&str>,
    ) -> Hresult {
        if let Some(ms) = self.durations_ms.get(&step) {
            ctx.spend_ms(*ms);
        }
        if let Some(wait) = self.waits.get(&step) {
            if let Some(signal) = &wait.set_signal {
                ctx.set_signal(signal.clone());
            }
            return ctx.wait(wait.wait.clone());
        }
        self.result(step)
    }

    fn on_wait_ended(
        &mut self,
        _ctx: &mut ProviderContext,
        step: ProviderStep,
        _set: SnapshotSetId,
        ended: WaitEnd,
    ) -> Hresult {
        match (ended, self.waits.get(&step).and_then(|w| w.on_timeout)) {
            (WaitEnd::TimedOut, Some(hr)) => hr,
            _ => self.result(step),
        }
    }
}
