//! An in-memory software provider with configurable step durations and results.

use std::collections::BTreeMap;

use super::{Provider, ProviderContext};
use crate::vocab::ProviderStep;
use crate::vocab::{well_known, Hresult, ProviderId, SnapshotSetId};

/// The system provider's name (R127).
pub const SYSTEM_PROVIDER_NAME: &str = "Microsoft Software Shadow Copy provider 1.0";

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
#[derive(Clone, Debug)]
pub struct SoftwareProvider {
    id: ProviderId,
    name: String,
    volumes: Option<Vec<String>>,
    durations_ms: BTreeMap<ProviderStep, u64>,
    results: BTreeMap<ProviderStep, Hresult>,
}

impl SoftwareProvider {
    /// The system provider: id and name of R127, every volume supported.
    pub fn system() -> Self {
        Self::new(well_known::SYSTEM_PROVIDER, SYSTEM_PROVIDER_NAME)
    }

    /// A software provider with the given id and name, supporting every volume.
    pub fn new(id: ProviderId, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            volumes: None,
            durations_ms: BTreeMap::new(),
            results: BTreeMap::new(),
        }
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
        self.results.get(&step).copied().unwrap_or(Hresult::S_OK)
    }
}
