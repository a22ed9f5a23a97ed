//! The shadow copy store (R32–R34, R104, R107): the oracle keeps the machine's copies from the
//! trace (`ShadowCopyCreated`, `ShadowCopyDeleted`, `SnapshotsDeleted`) and checks that a
//! release removes exactly the requester's auto-release copies, that `Query` lists exactly the
//! copies the caller's context sees, and that `DeleteSnapshots` deletes only copies that exist.

use super::{Cx, Rules};
use crate::trace::{SessionNo, TraceEvent};
use crate::vocab::{Context, Rule, SnapshotContext, SnapshotId, SnapshotSetId};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::R33, Rule::R34, Rule::R104];

/// One copy on the machine, as the trace made it.
#[derive(Debug)]
struct Copy {
    snapshot: SnapshotId,
    set: SnapshotSetId,
    session: SessionNo,
    context: SnapshotContext,
}

/// The store rules.
#[derive(Debug, Default)]
pub(super) struct StoreRules {
    copies: Vec<Copy>,
    /// Sets whose copies came onto the machine (a committed set whose creation then failed
    /// never does: its copies are deleted at once, R93, not by a release).
    created: Vec<SnapshotSetId>,
}

impl Rules for StoreRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::ShadowCopyCreated {
                session,
                snapshot,
                set,
                context,
            } => {
                let context =
                    Context::from_raw(*context).map_or(SnapshotContext::VSS_CTX_BACKUP, |c| c.base);
                if !self.created.contains(set) {
                    self.created.push(*set);
                }
                self.copies.push(Copy {
                    snapshot: *snapshot,
                    set: *set,
                    session: *session,
                    context,
                });
            }
            TraceEvent::ShadowCopyDeleted { snapshot, .. } => {
                let before = self.copies.len();
                self.copies.retain(|copy| copy.snapshot != *snapshot);
                if self.copies.len() == before {
                    cx.engine(
                        Rule::R33,
                        format!(
                            "DeleteSnapshots deleted shadow copy {snapshot} at {} ms, which was \
                             not on the machine",
                            cx.now.at_ms
                        ),
                    );
                }
            }
            TraceEvent::SnapshotsDeleted {
                session,
                set,
                count,
            } => {
                self.released(cx, *session, *set, *count);
            }
            TraceEvent::SnapshotsListed { session, snapshots } => {
                self.listed(cx, *session, snapshots);
            }
            _ => {}
        }
    }
}

impl StoreRules {
    /// R32, R104: `session`'s release deleted `count` copies of `set`: all of its copies still
    /// on the machine, and only auto-release ones.
    fn released(&mut self, cx: &mut Cx<'_>, session: SessionNo, set: SnapshotSetId, count: u32) {
        if !self.created.contains(&set) {
            return; // R93: the copies of a failed creation, never on the machine.
        }
        let owned = |copy: &Copy| copy.session == session && copy.set == set;
        let persistent = self
            .copies
            .iter()
            .filter(|copy| owned(copy) && !copy.context.is_auto_release())
            .count();
        if persistent > 0 {
            cx.engine(
                Rule::R104,
                format!(
                    "{session}'s release at {} ms deleted the copies of {set}, {persistent} of \
                     them persistent: only DeleteSnapshots removes persistent copies",
                    cx.now.at_ms
                ),
            );
        }
        let live = self.copies.iter().filter(|copy| owned(copy)).count();
        if live != count as usize {
            cx.engine(
                Rule::R104,
                format!(
                    "{session}'s release at {} ms deleted {count} auto-release copies of {set}; \
                     {live} were on the machine",
                    cx.now.at_ms
                ),
            );
        }
        self.copies.retain(|copy| !owned(copy));
    }

    /// R34, R107: `Query` lists the copies the caller's context sees, and no other.
    fn listed(&self, cx: &mut Cx<'_>, session: SessionNo, listed: &[SnapshotId]) {
        let raw = cx
            .model
            .session(session)
            .and_then(|s| s.context)
            .unwrap_or(SnapshotContext::VSS_CTX_BACKUP.value());
        let viewer = Context::from_raw(raw).map_or(SnapshotContext::VSS_CTX_BACKUP, |c| c.base);
        let sees = |copy: &&Copy| viewer == SnapshotContext::VSS_CTX_ALL || copy.context == viewer;
        let expected: Vec<SnapshotId> = self
            .copies
            .iter()
            .filter(sees)
            .map(|c| c.snapshot)
            .collect();
        let mut got = listed.to_vec();
        got.sort();
        let mut want = expected.clone();
        want.sort();
        if got != want {
            cx.engine(
                Rule::R34,
                format!(
                    "{session}'s Query at {} ms listed {} shadow copies; in its context \
                     ({viewer:?}) the machine holds {}",
                    cx.now.at_ms,
                    listed.len(),
                    expected.len()
                ),
            );
        }
    }
}
