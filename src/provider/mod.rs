//! The provider layer: the [`Provider`] trait (`IVssProviderCreateSnapshotSet` plus
//! `BeginPrepareSnapshot`, R86–R98) and [`SoftwareProvider`], an in-memory software provider.
//!
//! Providers answer with HRESULTs; the coordinator maps codes outside R94's list to
//! `VSS_E_UNEXPECTED_PROVIDER_ERROR`, as VSS does, before a requester sees them.

mod software;

pub use software::{SoftwareProvider, StepWait, FILE_SHARE_PROVIDER_NAME, SYSTEM_PROVIDER_NAME};

use crate::vocab::ProviderStep;
use crate::vocab::{Attributes, Hresult, ProviderId, SignalName, SnapshotSetId, Wait, WaitEnd};

/// A shadow copy provider as VSS drives it during set creation (R86–R98).
///
/// Every call gets the set id and a [`ProviderContext`] through which it may spend virtual time:
/// a `CommitSnapshots` that spends more than 10 s makes the kernel's hold window expire and the
/// creation fail with `VSS_E_HOLD_WRITES_TIMEOUT` (R89). A step of `DoSnapshotSet` may also
/// block ([`ProviderContext::wait`]) and continue in [`Provider::on_wait_ended`]: a
/// pass-through provider that sets a signal from `CommitSnapshots` ("writes are held") and
/// blocks until the host says "go on" is written that way (`examples/guest_agent.rs`).
///
/// When the creation is aborted (AbortBackup, Cancel, a failure elsewhere) while one of its
/// steps still waits, VSS calls `AbortSnapshots` at once, without waiting for that step (R87:
/// a provider must accept AbortSnapshots at any moment while EndPrepareSnapshots waits). The
/// step goes on; its later return is recorded and changes nothing.
pub trait Provider {
    /// The provider id.
    fn id(&self) -> ProviderId;

    /// The provider name, as `vssadmin list providers` prints it.
    fn name(&self) -> &str;

    /// Whether this provider can shadow-copy `volume` (R20, R85).
    fn supports_volume(&self, volume: &str) -> bool;

    /// What `Query` of providers reports besides its id and name (`VSS_PROVIDER_PROP`, T9):
    /// read once, at registration. The default is a software provider, version `1.0.0.0`.
    fn info(&self) -> ProviderInfo {
        ProviderInfo::default()
    }

    /// What it answers when VSS asks it on behalf of `IsVolumeSupported` (R20): whether it can
    /// shadow-copy `volume` at all (not whether it can right now), or an error — a veto, or any
    /// other code, which VSS maps as R94 says. The default answers `supports_volume`.
    fn is_volume_supported(&mut self, volume: &str) -> Result<bool, Hresult> {
        Ok(self.supports_volume(volume))
    }

    /// One step of the creation pipeline for set `set`; `volume` is given for
    /// `BeginPrepareSnapshot` only. Return `S_OK` or one of R94's codes.
    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        volume: Option<&str>,
    ) -> Hresult;

    /// The wait `step` asked for with [`ProviderContext::wait`] ended: the step continues here,
    /// and its result (unless it waits again) is the step's result. The default returns `S_OK`.
    fn on_wait_ended(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        ended: WaitEnd,
    ) -> Hresult {
        let _ = (ctx, step, set, ended);
        Hresult::S_OK
    }
}

/// What a provider says of itself besides its id and name (`VSS_PROVIDER_PROP`, T9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// Its type.
    pub provider_type: crate::vocab::ProviderType,
    /// Its version string, as `vssadmin list providers` prints it.
    pub version: String,
    /// Its version id.
    pub version_id: uuid::Uuid,
    /// Its COM class id.
    pub class_id: uuid::Uuid,
    /// The context modifiers it can honour, of `TRANSPORTABLE`, `DIFFERENTIAL` and `PLEX`: a
    /// context asking for one it lacks makes VSS pass it over (R18).
    pub capabilities: Attributes,
    /// Its copies have a device VSS can open. A provider that makes none (QEMU's guest-agent
    /// provider, which only holds writes) cannot take the final commit's auto-recovery: VSS
    /// then fails the set with `VSS_E_OBJECT_NOT_FOUND` (field failure 16).
    pub surfaces_copies: bool,
}

impl ProviderInfo {
    /// Adds `TRANSPORTABLE` to its capabilities when `yes`.
    #[must_use]
    pub fn with_transportable(mut self, yes: bool) -> Self {
        if yes {
            self.capabilities = self.capabilities.union(Attributes::TRANSPORTABLE);
        }
        self
    }

    /// Sets whether its copies have a device VSS can open ([`ProviderInfo::surfaces_copies`]).
    #[must_use]
    pub fn surfacing(mut self, yes: bool) -> Self {
        self.surfaces_copies = yes;
        self
    }
}

impl Default for ProviderInfo {
    /// A software provider, version `1.0.0.0`, making differential (copy-on-write) copies.
    fn default() -> Self {
        Self {
            provider_type: crate::vocab::ProviderType::VSS_PROV_SOFTWARE,
            version: "1.0.0.0".into(),
            version_id: uuid::Uuid::nil(),
            class_id: uuid::Uuid::nil(),
            capabilities: Attributes::DIFFERENTIAL,
            surfaces_copies: true,
        }
    }
}

impl ProviderInfo {
    /// The system provider's (R127): type System, version `1.0.0.7`, CLSID
    /// `{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}`.
    /// Its copies are differential; it makes no transportable or plex copies (transport is
    /// documented for hardware providers only; inferred).
    pub fn system() -> Self {
        Self {
            provider_type: crate::vocab::ProviderType::VSS_PROV_SYSTEM,
            version: "1.0.0.7".into(),
            version_id: uuid::Uuid::nil(),
            class_id: uuid::Uuid::from_u128(0x65ee_1dba_8ff4_4a58_ac1c_3470_ee2f_376a),
            capabilities: Attributes::DIFFERENTIAL,
            surfaces_copies: true,
        }
    }

    /// A hardware provider, version `1.0.0.0`, making transportable and plex (full clone)
    /// copies: VSS prefers it for `GUID_NULL` (R85).
    pub fn hardware() -> Self {
        Self {
            provider_type: crate::vocab::ProviderType::VSS_PROV_HARDWARE,
            capabilities: Attributes::TRANSPORTABLE.union(Attributes::PLEX),
            ..Self::default()
        }
    }

    /// The rank of its kind when VSS picks a provider for `GUID_NULL` (R85): hardware first,
    /// then software, then the system provider.
    pub fn selection_rank(provider_type: crate::vocab::ProviderType) -> u8 {
        match provider_type {
            crate::vocab::ProviderType::VSS_PROV_HARDWARE => 0,
            crate::vocab::ProviderType::VSS_PROV_SOFTWARE => 1,
            crate::vocab::ProviderType::VSS_PROV_SYSTEM => 2,
            _ => 3,
        }
    }
}

/// What a provider may do during a call: spend virtual time, block, set and reset signals.
#[derive(Debug, Default)]
pub struct ProviderContext {
    spent_ms: u64,
    wait: Option<Wait>,
    signals: Vec<(SignalName, bool)>,
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

    /// Blocks this step on `wait` once its spent time is over; returns `S_OK`, so a step ends
    /// with `return ctx.wait(…)`. What the step returns now is ignored: it continues in
    /// [`Provider::on_wait_ended`]. Honoured for the steps of `DoSnapshotSet` (R45); the steps
    /// VSS calls inside a requester call (`BeginPrepareSnapshot` in `AddToSnapshotSet`,
    /// `AbortSnapshots` while an abort is processed) cannot block, and their wait ends at once
    /// as timed out.
    pub fn wait(&mut self, wait: Wait) -> Hresult {
        self.wait = Some(wait);
        Hresult::S_OK
    }

    /// Whether this step (segment) asked to wait.
    pub(crate) fn is_waiting(&self) -> bool {
        self.wait.is_some()
    }

    /// `SetEvent`: sets the named signal once the spent time is over (a pass-through provider
    /// telling the host that writes are held).
    pub fn set_signal(&mut self, signal: impl Into<SignalName>) {
        self.signals.push((signal.into(), true));
    }

    /// `ResetEvent`: resets the named signal once the spent time is over.
    pub fn reset_signal(&mut self, signal: impl Into<SignalName>) {
        self.signals.push((signal.into(), false));
    }

    /// What the step asked to wait for, and the signals it set or reset (for the coordinator).
    pub(crate) fn into_parts(self) -> (u64, Option<Wait>, Vec<(SignalName, bool)>) {
        (self.spent_ms, self.wait, self.signals)
    }
}

/// R94 for `IsVolumeSupported`: a provider's error that R94 allows passes (a veto stays a veto),
/// anything else — and a "success" code given as an error — is `VSS_E_UNEXPECTED_PROVIDER_ERROR`.
pub fn map_support_result(hr: Hresult) -> Hresult {
    match map_provider_result(ProviderStep::EndPrepareSnapshots, hr) {
        mapped if mapped.is_failure() => mapped,
        _ => Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
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
