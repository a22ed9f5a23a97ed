//! The provider calls of the shadow copy creation pipeline (R86–R98).

use serde::{Deserialize, Serialize};

/// Provider calls of the creation pipeline (R86–R98).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ProviderStep {
    /// `BeginPrepareSnapshot`, once per shadow copy added (R86; at `AddToSnapshotSet`, Q5).
    BeginPrepareSnapshot,
    /// `EndPrepareSnapshots` (R87).
    EndPrepareSnapshots,
    /// `PreCommitSnapshots` (R88).
    PreCommitSnapshots,
    /// `CommitSnapshots`, inside flush-and-hold (R89).
    CommitSnapshots,
    /// `PostCommitSnapshots` (R98).
    PostCommitSnapshots,
    /// `PreFinalCommitSnapshots` (R98).
    PreFinalCommitSnapshots,
    /// `PostFinalCommitSnapshots` (R98).
    PostFinalCommitSnapshots,
    /// `AbortSnapshots`: discard prepared, uncommitted copies (R92).
    AbortSnapshots,
}

impl ProviderStep {
    /// Every provider call, in pipeline order, `AbortSnapshots` last.
    pub const ALL: [Self; 8] = [
        Self::BeginPrepareSnapshot,
        Self::EndPrepareSnapshots,
        Self::PreCommitSnapshots,
        Self::CommitSnapshots,
        Self::PostCommitSnapshots,
        Self::PreFinalCommitSnapshots,
        Self::PostFinalCommitSnapshots,
        Self::AbortSnapshots,
    ];

    /// The calls `DoSnapshotSet` makes after `PrepareForSnapshot`, whose failure aborts the
    /// creation (R50c, R95), in pipeline order.
    pub const AFTER_PREPARE: [Self; 6] = [
        Self::EndPrepareSnapshots,
        Self::PreCommitSnapshots,
        Self::CommitSnapshots,
        Self::PostCommitSnapshots,
        Self::PreFinalCommitSnapshots,
        Self::PostFinalCommitSnapshots,
    ];

    /// The Windows method name.
    pub const fn method(self) -> &'static str {
        match self {
            Self::BeginPrepareSnapshot => "BeginPrepareSnapshot",
            Self::EndPrepareSnapshots => "EndPrepareSnapshots",
            Self::PreCommitSnapshots => "PreCommitSnapshots",
            Self::CommitSnapshots => "CommitSnapshots",
            Self::PostCommitSnapshots => "PostCommitSnapshots",
            Self::PreFinalCommitSnapshots => "PreFinalCommitSnapshots",
            Self::PostFinalCommitSnapshots => "PostFinalCommitSnapshots",
            Self::AbortSnapshots => "AbortSnapshots",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_is_every_step_once_in_pipeline_order() {
        let mut sorted = ProviderStep::ALL;
        sorted.sort();
        assert_eq!(
            sorted,
            ProviderStep::ALL,
            "declaration order is pipeline order"
        );
        assert_eq!(ProviderStep::AFTER_PREPARE, ProviderStep::ALL[1..7]);
    }
}
