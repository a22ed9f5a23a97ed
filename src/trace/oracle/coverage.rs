//! "Sometimes" coverage: which situations a trace reached and which writer states it showed, so
//! a property test can prove it is not passing vacuously (stateright's `Property::sometimes`).

use std::collections::BTreeSet;
use std::fmt;

use crate::vocab::{Rule, WriterState};

/// A situation worth reaching: a rule had a chance to fire. Displays as its rule and a phrase,
/// "R76 freeze timeout".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Situation {
    /// R8: a writer answered Identify.
    Identify,
    /// R10: a writer's `OnIdentify` failed and it was dropped.
    IdentifyFailed,
    /// R15: another requester called VSS while a set was in creation.
    ConcurrentCreation,
    /// R15: `StartSnapshotSet` was refused because another set was in creation.
    StartRefused,
    /// R26: the requester called `BackupComplete` after a failed `DoSnapshotSet`.
    CompleteAfterFailure,
    /// R43: a writer received BackupComplete: the whole backup sequence ran.
    BackupComplete,
    /// R46: one `DoSnapshotSet` froze writers of different application levels.
    FreezeLevels,
    /// R47: a writer with nothing selected was dropped after PrepareForBackup.
    NothingSelected,
    /// R50a: Abort raised by `AbortBackup`.
    AbortBackup,
    /// R50b: Abort raised by a failed `OnFreeze` / `OnThaw`.
    AbortWriterFailed,
    /// R50c: Abort raised by a provider or kernel failure during creation.
    AbortCreationFailed,
    /// Abort raised by cancelling `DoSnapshotSet`.
    AbortCancelled,
    /// Abort raised because the requester went away during `DoSnapshotSet`.
    AbortReleased,
    /// R51: OnPrepareSnapshot or OnPostSnapshot failed (and must not raise Abort).
    PrepareOrPostFailed,
    /// R52: a requester object was released after PrepareForBackup.
    ReleasedAfterPrepare,
    /// R55: a writer received Abort.
    AbortDelivered,
    /// R55: a writer received Abort twice in one session.
    AbortRepeated,
    /// R57: a writer received BackupShutdown without having received BackupComplete.
    ShutdownWithoutComplete,
    /// R57: BackupShutdown after the requester crashed.
    ShutdownAfterCrash,
    /// R57: BackupShutdown carrying `GUID_NULL`.
    ShutdownNullSet,
    /// R65: a handler vetoed (SetWriterFailure, then true).
    Veto,
    /// R66: a writer called SetWriterFailure in OnIdentify.
    SetFailureInIdentify,
    /// R68: a writer queried the snapshot set id outside its window.
    QueryOutsideWindow,
    /// R69: a writer asked for a snapshot device name in OnPostSnapshot.
    DeviceNameQueried,
    /// R75: a handler failed.
    HandlerFailed,
    /// R75: VSS stopped waiting for a handler (`Policies::handler_timeout`): not responding.
    HandlerNotResponding,
    /// R76: a writer's freeze window expired.
    FreezeTimeout,
    /// R89: the 10 s flush-and-hold window expired.
    HoldWritesTimeout,
    /// R87: AbortSnapshots came while a step of the same provider was still in flight.
    AbortSnapshotsDuringStep,
    /// R92: a provider was told to discard prepared shadow copies.
    ProviderAborted,
    /// R93: a provider step failed during `DoSnapshotSet`.
    ProviderFailed,
    /// R99: a freeze window a Thaw missed fired after the Thaw (KB915331).
    FreezeWindowMissed,
    /// T2: `GetWriterStatus` reported a writer.
    StatusReported,
    /// SERIAL: an Abort was raised for a writer still inside a handler; it waits for the
    /// handler to return.
    AbortWhileInHandler,
    /// WAITS: a wait's signal was set in the instant its deadline passed, and the signal won.
    SignalWonTie,
    /// WAITS: a wait's signal was set in the instant its deadline passed, and the timeout won.
    TimeoutWonTie,
    /// R83: a writer received PostRestore: the whole restore sequence ran.
    PostRestore,
    /// R81: a writer with nothing selected for restore was left out of a restore.
    NothingSelectedForRestore,
}

impl Situation {
    /// Every situation, in rule order.
    pub const ALL: [Self; 38] = [
        Self::Identify,
        Self::IdentifyFailed,
        Self::ConcurrentCreation,
        Self::StartRefused,
        Self::CompleteAfterFailure,
        Self::BackupComplete,
        Self::FreezeLevels,
        Self::NothingSelected,
        Self::AbortBackup,
        Self::AbortWriterFailed,
        Self::AbortCreationFailed,
        Self::AbortCancelled,
        Self::AbortReleased,
        Self::PrepareOrPostFailed,
        Self::ReleasedAfterPrepare,
        Self::AbortDelivered,
        Self::AbortRepeated,
        Self::ShutdownWithoutComplete,
        Self::ShutdownAfterCrash,
        Self::ShutdownNullSet,
        Self::Veto,
        Self::SetFailureInIdentify,
        Self::QueryOutsideWindow,
        Self::DeviceNameQueried,
        Self::HandlerFailed,
        Self::HandlerNotResponding,
        Self::FreezeTimeout,
        Self::HoldWritesTimeout,
        Self::AbortSnapshotsDuringStep,
        Self::ProviderAborted,
        Self::ProviderFailed,
        Self::FreezeWindowMissed,
        Self::StatusReported,
        Self::AbortWhileInHandler,
        Self::SignalWonTie,
        Self::TimeoutWonTie,
        Self::PostRestore,
        Self::NothingSelectedForRestore,
    ];

    /// The rule the situation exercises.
    pub const fn rule(self) -> Rule {
        match self {
            Self::Identify => Rule::R8,
            Self::IdentifyFailed => Rule::R10,
            Self::ConcurrentCreation => Rule::R15,
            Self::StartRefused => Rule::R15,
            Self::CompleteAfterFailure => Rule::R26,
            Self::BackupComplete => Rule::R43,
            Self::PostRestore => Rule::R83,
            Self::NothingSelectedForRestore => Rule::R81,
            Self::FreezeLevels => Rule::R46,
            Self::NothingSelected => Rule::R47,
            Self::AbortBackup => Rule::R50,
            Self::AbortWriterFailed => Rule::R50,
            Self::AbortCreationFailed => Rule::R50,
            Self::AbortCancelled => Rule::R50,
            Self::AbortReleased => Rule::R50,
            Self::PrepareOrPostFailed => Rule::R51,
            Self::ReleasedAfterPrepare => Rule::R52,
            Self::AbortDelivered => Rule::R55,
            Self::AbortRepeated => Rule::R55,
            Self::ShutdownWithoutComplete => Rule::R57,
            Self::ShutdownAfterCrash => Rule::R57,
            Self::ShutdownNullSet => Rule::R57,
            Self::Veto => Rule::R65,
            Self::SetFailureInIdentify => Rule::R66,
            Self::QueryOutsideWindow => Rule::R68,
            Self::DeviceNameQueried => Rule::R69,
            Self::HandlerFailed => Rule::R75,
            Self::HandlerNotResponding => Rule::R75,
            Self::FreezeTimeout => Rule::R76,
            Self::HoldWritesTimeout => Rule::R89,
            Self::AbortSnapshotsDuringStep => Rule::R87,
            Self::ProviderAborted => Rule::R92,
            Self::ProviderFailed => Rule::R93,
            Self::FreezeWindowMissed => Rule::R99,
            Self::StatusReported => Rule::T2,
            Self::AbortWhileInHandler => Rule::Serial,
            Self::SignalWonTie | Self::TimeoutWonTie => Rule::Waits,
        }
    }

    /// What happened, in a few words.
    pub const fn text(self) -> &'static str {
        match self {
            Self::Identify => "identify delivered",
            Self::IdentifyFailed => "identify failed",
            Self::ConcurrentCreation => "another requester active during creation",
            Self::StartRefused => "start refused while a set is in creation",
            Self::CompleteAfterFailure => "BackupComplete after failed DoSnapshotSet",
            Self::BackupComplete => "backup complete delivered",
            Self::FreezeLevels => "freeze across application levels",
            Self::NothingSelected => "writer dropped, nothing selected",
            Self::AbortBackup => "abort raised by AbortBackup",
            Self::AbortWriterFailed => "abort raised by a Freeze/Thaw failure",
            Self::AbortCreationFailed => "abort raised by a creation failure",
            Self::AbortCancelled => "abort raised by Cancel",
            Self::AbortReleased => "abort raised by release during DoSnapshotSet",
            Self::PrepareOrPostFailed => "PrepareForSnapshot/PostSnapshot failure",
            Self::ReleasedAfterPrepare => "released after PrepareForBackup",
            Self::AbortDelivered => "abort delivered",
            Self::AbortRepeated => "abort delivered twice",
            Self::ShutdownWithoutComplete => "shutdown without BackupComplete",
            Self::ShutdownAfterCrash => "shutdown after crash",
            Self::ShutdownNullSet => "shutdown with GUID_NULL",
            Self::Veto => "veto",
            Self::SetFailureInIdentify => "SetWriterFailure in OnIdentify",
            Self::QueryOutsideWindow => "query outside its window",
            Self::DeviceNameQueried => "device name queried in PostSnapshot",
            Self::HandlerFailed => "handler failure",
            Self::HandlerNotResponding => "handler not responding",
            Self::FreezeWindowMissed => "freeze window missed by Thaw",
            Self::AbortWhileInHandler => "abort raised during a handler",
            Self::SignalWonTie => "signal and deadline tied: signal first",
            Self::TimeoutWonTie => "signal and deadline tied: timeout first",
            Self::FreezeTimeout => "freeze timeout",
            Self::HoldWritesTimeout => "hold-writes timeout",
            Self::AbortSnapshotsDuringStep => "AbortSnapshots while a provider step runs",
            Self::ProviderAborted => "AbortSnapshots",
            Self::ProviderFailed => "provider step failed",
            Self::StatusReported => "status reported",
            Self::PostRestore => "post-restore delivered",
            Self::NothingSelectedForRestore => "writer left out of a restore, nothing selected",
        }
    }

    const fn bit(self) -> u64 {
        1 << self as u8
    }
}

impl fmt::Display for Situation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.rule(), self.text())
    }
}

/// What a trace exercised: the [`Situation`]s reached and the writer states seen in
/// `StateChanged` and `StatusReported` records.
///
/// Merge the coverage of many runs and require the situations a property must reach:
///
/// ```
/// use vss_sim::trace::oracle::{Coverage, Situation};
///
/// let mut total = Coverage::default();
/// // for each run: total.merge(oracle::check(&trace).coverage());
/// assert!(!total.rule_exercised(vss_sim::vocab::Rule::R76));
/// assert_eq!(
///     total.require(&[Situation::FreezeTimeout]),
///     Err(vec![Situation::FreezeTimeout])
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    situations: u64,
    states: u32,
}

impl Coverage {
    /// True when `situation` was reached.
    pub fn reached(&self, situation: Situation) -> bool {
        self.situations & situation.bit() != 0
    }

    /// True when some situation of `rule` was reached.
    pub fn rule_exercised(&self, rule: Rule) -> bool {
        self.situations().any(|s| s.rule() == rule)
    }

    /// The situations reached, in rule order.
    pub fn situations(&self) -> impl Iterator<Item = Situation> + '_ {
        Situation::ALL.into_iter().filter(|s| self.reached(*s))
    }

    /// The rules some reached situation belongs to.
    pub fn rules_exercised(&self) -> BTreeSet<Rule> {
        self.situations().map(Situation::rule).collect()
    }

    /// The writer states seen in `StateChanged` or `StatusReported` records.
    pub fn states_reached(&self) -> BTreeSet<WriterState> {
        WriterState::ALL
            .into_iter()
            .filter(|state| self.states & 1 << state.value() != 0)
            .collect()
    }

    /// The situations of [`Situation::ALL`] not reached yet.
    pub fn missing(&self) -> Vec<Situation> {
        Situation::ALL
            .into_iter()
            .filter(|s| !self.reached(*s))
            .collect()
    }

    /// `Ok` when every situation of `required` was reached, else the ones that were not: what a
    /// property declares it must reach, checked once its runs are over.
    pub fn require(&self, required: &[Situation]) -> Result<(), Vec<Situation>> {
        let missing: Vec<Situation> = required
            .iter()
            .copied()
            .filter(|s| !self.reached(*s))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    /// Adds everything `other` reached.
    pub fn merge(&mut self, other: &Self) {
        self.situations |= other.situations;
        self.states |= other.states;
    }

    pub(super) fn cover(&mut self, situation: Situation) {
        self.situations |= situation.bit();
    }

    pub(super) fn reach(&mut self, state: WriterState) {
        self.states |= 1 << state.value();
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "situations exercised ({}):", self.situations().count())?;
        for situation in self.situations() {
            writeln!(f, "  {situation}")?;
        }
        write!(f, "states reached:")?;
        for state in self.states_reached() {
            write!(f, " {}", state.value())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_unions_rules_and_states() {
        let mut a = Coverage::default();
        a.cover(Situation::FreezeTimeout);
        a.reach(WriterState::VSS_WS_STABLE);
        let mut b = Coverage::default();
        b.cover(Situation::HoldWritesTimeout);
        b.reach(WriterState::VSS_WS_FAILED_AT_FREEZE);
        a.merge(&b);
        assert!(a.reached(Situation::FreezeTimeout)); // R76
        assert!(a.rule_exercised(Rule::R89));
        assert!(!a.rule_exercised(Rule::R8));
        assert_eq!(
            a.rules_exercised().into_iter().collect::<Vec<_>>(),
            [Rule::R76, Rule::R89]
        );
        assert_eq!(a.states_reached().len(), 2);
        assert_eq!(a.missing().len(), Situation::ALL.len() - 2);
        assert_eq!(a.require(&[Situation::FreezeTimeout]), Ok(()));
        assert_eq!(a.require(&[Situation::Veto]), Err(vec![Situation::Veto]));
    }

    #[test]
    fn situations_are_unique_and_fit_the_bitset() {
        let unique: BTreeSet<_> = Situation::ALL.iter().collect();
        assert_eq!(unique.len(), Situation::ALL.len());
        assert!(Situation::ALL.len() <= 64);
        assert_eq!(Situation::FreezeTimeout.to_string(), "R76 freeze timeout");
    }
}
