//! "Sometimes" coverage: which rules had a chance to fire in a trace, and which writer states
//! were seen, so a property test can prove it is not passing vacuously (stateright's
//! `Property::sometimes`).

use std::collections::BTreeSet;
use std::fmt;

use crate::vocab::WriterState;

/// What a trace exercised: situations (labels such as [`Coverage::FREEZE_TIMEOUT`], "R76 freeze
/// timeout"), the rules they belong to ("R76"), and the writer states seen in `StateChanged` and
/// `StatusReported` records.
///
/// Merge the coverage of many runs and check that the interesting situations were reached:
///
/// ```
/// use vss_sim::trace::oracle::Coverage;
///
/// let mut total = Coverage::default();
/// // for each run: total.merge(oracle::check(&trace).coverage());
/// assert!(!total.rules_exercised().contains("R76"));
/// assert_eq!(total.missing().len(), Coverage::ALL.len());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    situations: BTreeSet<&'static str>,
    states: BTreeSet<WriterState>,
}

impl Coverage {
    /// R8: a writer answered Identify.
    pub const IDENTIFY: &'static str = "R8 identify delivered";
    /// R10: a writer's `OnIdentify` failed and it was dropped.
    pub const IDENTIFY_FAILED: &'static str = "R10 identify failed";
    /// R15: another requester called VSS while a set was in creation.
    pub const CONCURRENT_CREATION: &'static str = "R15 another requester active during creation";
    /// R15: `StartSnapshotSet` was refused because another set was in creation.
    pub const START_REFUSED: &'static str = "R15 start refused while a set is in creation";
    /// R26: the requester called `BackupComplete` after a failed `DoSnapshotSet`.
    pub const COMPLETE_AFTER_FAILURE: &'static str =
        "R26 BackupComplete after failed DoSnapshotSet";
    /// R43: a writer received BackupComplete: the whole backup sequence ran.
    pub const BACKUP_COMPLETE: &'static str = "R43 backup complete delivered";
    /// R46: one `DoSnapshotSet` froze writers of different application levels.
    pub const FREEZE_LEVELS: &'static str = "R46 freeze across application levels";
    /// R47: a writer with nothing selected was dropped after PrepareForBackup.
    pub const NOTHING_SELECTED: &'static str = "R47 writer dropped, nothing selected";
    /// R50a: Abort raised by `AbortBackup`.
    pub const ABORT_BACKUP: &'static str = "R50 abort raised by AbortBackup";
    /// R50b: Abort raised by a failed `OnFreeze` / `OnThaw`.
    pub const ABORT_WRITER_FAILED: &'static str = "R50 abort raised by a Freeze/Thaw failure";
    /// R50c: Abort raised by a provider or kernel failure during creation.
    pub const ABORT_CREATION_FAILED: &'static str = "R50 abort raised by a creation failure";
    /// Abort raised by cancelling `DoSnapshotSet`.
    pub const ABORT_CANCELLED: &'static str = "R50 abort raised by Cancel";
    /// Abort raised because the requester went away during `DoSnapshotSet`.
    pub const ABORT_RELEASED: &'static str = "R50 abort raised by release during DoSnapshotSet";
    /// R51: OnPrepareSnapshot or OnPostSnapshot failed (and must not raise Abort).
    pub const PREPARE_OR_POST_FAILED: &'static str = "R51 PrepareForSnapshot/PostSnapshot failure";
    /// R52: a requester object was released after PrepareForBackup.
    pub const RELEASED_AFTER_PREPARE: &'static str = "R52 released after PrepareForBackup";
    /// R55: a writer received Abort.
    pub const ABORT_DELIVERED: &'static str = "R55 abort delivered";
    /// R55: a writer received Abort twice in one session.
    pub const ABORT_REPEATED: &'static str = "R55 abort delivered twice";
    /// R57: a writer received BackupShutdown without having received BackupComplete.
    pub const SHUTDOWN_WITHOUT_COMPLETE: &'static str = "R57 shutdown without BackupComplete";
    /// R57: BackupShutdown after the requester crashed.
    pub const SHUTDOWN_AFTER_CRASH: &'static str = "R57 shutdown after crash";
    /// R57: BackupShutdown carrying `GUID_NULL`.
    pub const SHUTDOWN_NULL_SET: &'static str = "R57 shutdown with GUID_NULL";
    /// R65: a handler vetoed (SetWriterFailure, then true).
    pub const VETO: &'static str = "R65 veto";
    /// R66: a writer called SetWriterFailure in OnIdentify.
    pub const SET_FAILURE_IN_IDENTIFY: &'static str = "R66 SetWriterFailure in OnIdentify";
    /// R68: a writer queried the snapshot set id outside its window.
    pub const QUERY_OUTSIDE_WINDOW: &'static str = "R68 query outside its window";
    /// R69: a writer asked for a snapshot device name in OnPostSnapshot.
    pub const DEVICE_NAME_QUERIED: &'static str = "R69 device name queried in PostSnapshot";
    /// R75: a handler failed.
    pub const HANDLER_FAILED: &'static str = "R75 handler failure";
    /// R76: a writer's freeze window expired.
    pub const FREEZE_TIMEOUT: &'static str = "R76 freeze timeout";
    /// R89: the 10 s flush-and-hold window expired.
    pub const HOLD_WRITES_TIMEOUT: &'static str = "R89 hold-writes timeout";
    /// R92: a provider was told to discard prepared shadow copies.
    pub const PROVIDER_ABORTED: &'static str = "R92 AbortSnapshots";
    /// R93: a provider step failed during `DoSnapshotSet`.
    pub const PROVIDER_FAILED: &'static str = "R93 provider step failed";
    /// T2: `GetWriterStatus` reported a writer.
    pub const STATUS_REPORTED: &'static str = "T2 status reported";

    /// Every label, in rule order.
    pub const ALL: &'static [&'static str] = &[
        Self::IDENTIFY,
        Self::IDENTIFY_FAILED,
        Self::CONCURRENT_CREATION,
        Self::START_REFUSED,
        Self::COMPLETE_AFTER_FAILURE,
        Self::BACKUP_COMPLETE,
        Self::FREEZE_LEVELS,
        Self::NOTHING_SELECTED,
        Self::ABORT_BACKUP,
        Self::ABORT_WRITER_FAILED,
        Self::ABORT_CREATION_FAILED,
        Self::ABORT_CANCELLED,
        Self::ABORT_RELEASED,
        Self::PREPARE_OR_POST_FAILED,
        Self::RELEASED_AFTER_PREPARE,
        Self::ABORT_DELIVERED,
        Self::ABORT_REPEATED,
        Self::SHUTDOWN_WITHOUT_COMPLETE,
        Self::SHUTDOWN_AFTER_CRASH,
        Self::SHUTDOWN_NULL_SET,
        Self::VETO,
        Self::SET_FAILURE_IN_IDENTIFY,
        Self::QUERY_OUTSIDE_WINDOW,
        Self::DEVICE_NAME_QUERIED,
        Self::HANDLER_FAILED,
        Self::FREEZE_TIMEOUT,
        Self::HOLD_WRITES_TIMEOUT,
        Self::PROVIDER_ABORTED,
        Self::PROVIDER_FAILED,
        Self::STATUS_REPORTED,
    ];

    /// The rules ("R55", "T2") some reached situation belongs to.
    pub fn rules_exercised(&self) -> BTreeSet<&'static str> {
        self.situations
            .iter()
            .filter_map(|label| label.split(' ').next())
            .collect()
    }

    /// The situations ("R55 abort delivered") the trace reached.
    pub fn situations(&self) -> BTreeSet<&'static str> {
        self.situations.clone()
    }

    /// The writer states seen in `StateChanged` or `StatusReported` records.
    pub fn states_reached(&self) -> BTreeSet<WriterState> {
        self.states.clone()
    }

    /// True when the situation `label` ("R55 abort delivered") or some situation of the rule
    /// `label` ("R55") was reached.
    pub fn exercised(&self, label: &str) -> bool {
        self.situations.contains(label) || self.rules_exercised().contains(label)
    }

    /// The labels of [`Coverage::ALL`] not reached yet.
    pub fn missing(&self) -> Vec<&'static str> {
        Self::ALL
            .iter()
            .copied()
            .filter(|label| !self.situations.contains(label))
            .collect()
    }

    /// Adds everything `other` reached.
    pub fn merge(&mut self, other: &Self) {
        self.situations.extend(other.situations.iter().copied());
        self.states.extend(other.states.iter().copied());
    }

    pub(super) fn cover(&mut self, label: &'static str) {
        self.situations.insert(label);
    }

    pub(super) fn reach(&mut self, state: WriterState) {
        self.states.insert(state);
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "situations exercised ({}):", self.situations.len())?;
        for label in &self.situations {
            writeln!(f, "  {label}")?;
        }
        write!(f, "states reached:")?;
        for state in &self.states {
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
        a.cover(Coverage::FREEZE_TIMEOUT);
        a.reach(WriterState::VSS_WS_STABLE);
        let mut b = Coverage::default();
        b.cover(Coverage::HOLD_WRITES_TIMEOUT);
        b.reach(WriterState::VSS_WS_FAILED_AT_FREEZE);
        a.merge(&b);
        assert!(a.exercised("R76 freeze timeout")); // R76
        assert!(a.exercised("R89 hold-writes timeout")); // R89
        assert!(a.exercised("R89"));
        assert!(!a.exercised("R8"));
        assert_eq!(
            a.rules_exercised().into_iter().collect::<Vec<_>>(),
            ["R76", "R89"]
        );
        assert_eq!(a.states_reached().len(), 2);
        assert_eq!(a.missing().len(), Coverage::ALL.len() - 2);
    }

    #[test]
    fn labels_are_unique_and_cite_a_rule() {
        let unique: BTreeSet<_> = Coverage::ALL.iter().collect();
        assert_eq!(unique.len(), Coverage::ALL.len());
        assert!(Coverage::ALL
            .iter()
            .all(|label| label.starts_with('R') || label.starts_with('T')));
    }
}
