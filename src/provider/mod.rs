//! The provider layer: the [`Provider`] trait (`IVssProviderCreateSnapshotSet` plus
//! `BeginPrepareSnapshot`, R86–R98) and [`SoftwareProvider`], an in-memory software provider.
//!
//! Providers answer with HRESULTs; the coordinator maps codes outside R94's list to
//! `VSS_E_UNEXPECTED_PROVIDER_ERROR`, as VSS does, before a requester sees them.

mod software;

pub use software::{SoftwareProvider, SYSTEM_PROVIDER_NAME};

use crate::vocab::ProviderStep;
use crate::vocab::{Hresult, ProviderId, SnapshotSetId};

/// A shadow copy provider as VSS drives it during set creation (R86–R98).
///
/// Every call gets the set id and a [`ProviderContext`] through which it may spend virtual time:
/// a `CommitSnapshots` that spends more than 10 s makes the kernel's hold window expire and the
/// creation fail with `VSS_E_HOLD_WRITES_TIMEOUT` (R89).
pub trait Provider {
    /// The provider id.
    fn id(&self) -> ProviderId;

    /// The provider name, as `vssadmin list providers` prints it.
    fn name(&self) -> &str;

    /// Whether this provider can shadow-copy `volume` (R20, R85).
    fn supports_volume(&self, volume: &str) -> bool;

    /// One step of the creation pipeline for set `set`; `volume` is given for
    /// `BeginPrepareSnapshot` only. Return `S_OK` or one of R94's codes.
    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        volume: Option<&str>,
    ) -> Hresult;
}

/// What a provider may do during a call: spend virtual time.
#[derive(Debug, Default)]
pub struct ProviderContext {
    spent_ms: u64,
}

impl ProviderContext {
    /// Spends `ms` of virtual time in this call.
    pub fn spend_ms(&mut self, ms: u64) {
        self.spent_ms = self.spent_ms.saturating_add(ms);
    }

    /// Virtual time spent so far in this call.
    pub fn spent_ms(&self) -> u64 {
        self.spent_ms
    }
}

/// R94: the codes a provider may return; anything else reaches the requester as
/// `VSS_E_UNEXPECTED_PROVIDER_ERROR`, except from `AbortSnapshots`, whose result is ignored.
pub fn map_provider_result(step: ProviderStep, hr: Hresult) -> Hresult {
    const VALID: [Hresult; 12] = [
        Hresult::S_OK,
        Hresult::E_OUTOFMEMORY,
        Hresult::E_INVALIDARG,
        Hresult::E_ACCESSDENIED,
        Hresult::VSS_E_BAD_STATE,
        Hresult::VSS_E_OBJECT_NOT_FOUND,
        Hresult::VSS_E_INSUFFICIENT_STORAGE,
        Hresult::VSS_E_VOLUME_NOT_SUPPORTED,
        Hresult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER,
        Hresult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED,
        Hresult::VSS_E_PROVIDER_VETO,
        Hresult::VSS_E_CANNOT_REVERT_DISKID,
    ];
    if step == ProviderStep::AbortSnapshots || VALID.contains(&hr) {
        hr
    } else {
        Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r94_off_list_codes_become_unexpected_provider_error() {
        let step = ProviderStep::CommitSnapshots;
        assert_eq!(
            map_provider_result(step, Hresult::E_UNEXPECTED),
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR
        );
        assert_eq!(
            map_provider_result(step, Hresult::S_FALSE),
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR
        );
        assert_eq!(
            map_provider_result(step, Hresult::VSS_E_PROVIDER_VETO),
            Hresult::VSS_E_PROVIDER_VETO
        );
        assert_eq!(
            map_provider_result(ProviderStep::AbortSnapshots, Hresult::E_UNEXPECTED),
            Hresult::E_UNEXPECTED
        );
    }
}
