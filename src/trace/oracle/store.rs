//! The shadow copy store (R32–R34, R104, R107): the oracle keeps the machine's copies from the
//! trace (`ShadowCopyCreated`, `ShadowCopyDeleted`, `SnapshotsDeleted`) and checks that a
//! release removes exactly the requester's auto-release copies, that `Query` lists exactly the
//! copies the caller's context sees, and that `DeleteSnapshots` deletes exactly the copies it
//! names (the copy, or every copy of the set) that the caller's context sees; and that an
//! `ImportSnapshots` that succeeded brought copies onto the machine, and one that failed none
//! (R97).

use super::{Cx, Rules};
use crate::trace::{PurgeReason, SessionNo, TraceEvent};
use crate::vocab::{
    AsyncKind, Call, Context, Hresult, ObjectType, Rule, SnapshotContext, SnapshotId, SnapshotSetId,
};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[
    Rule::R33,
    Rule::R97,
    Rule::R34,
    Rule::R102,
    Rule::R103,
    Rule::R104,
    Rule::R107,
];

/// One copy on the machine, as the trace made it.
#[derive(Debug)]
struct Copy {
    snapshot: SnapshotId,
    set: SnapshotSetId,
    session: SessionNo,
    context: SnapshotContext,
    volume: String,
    in_storage: bool,
    /// `ImportSnapshots` brought it: it was made elsewhere, or before the copies around it.
    imported: bool,
}

/// The store rules.
#[derive(Debug, Default)]
pub(super) struct StoreRules {
    copies: Vec<Copy>,
    /// Sets whose copies came onto the machine (a committed set whose creation then failed
    /// never does: its copies are deleted at once, R93, not by a release).
    created: Vec<SnapshotSetId>,
    /// The copies a successful `DeleteSnapshots` still has to delete (its `ShadowCopyDeleted`
    /// records follow the call's).
    deleting: Vec<SnapshotId>,
    /// Imports in flight: the importer and how many copies it brought so far.
    importing: Vec<(SessionNo, u32)>,
    /// The copies a revert still has to delete: the reverted volume's copies made after the
    /// one it went back to (their `ShadowCopyPurged` records follow the revert's).
    reverting: Vec<SnapshotId>,
}

impl StoreRules {
    /// A copy came onto the machine: made by `session`'s set, or carried from an earlier run.
    fn arrived(&mut self, copy: Copy) {
        if !self.created.contains(&copy.set) {
            self.created.push(copy.set);
        }
        self.copies.push(copy);
    }
}

/// The base context of a raw `lContext` (`VSS_CTX_BACKUP` for one that does not parse).
fn base_context(raw: u32) -> SnapshotContext {
    Context::from_raw(raw).map_or(SnapshotContext::VSS_CTX_BACKUP, |c| c.base)
}

impl Rules for StoreRules {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        if !self.deleting.is_empty() && !matches!(event, TraceEvent::ShadowCopyDeleted { .. }) {
            let left = std::mem::take(&mut self.deleting);
            cx.engine(
                Rule::R33,
                format!(
                    "DeleteSnapshots at {} ms left {} of the copies it named on the machine \
                     ({})",
                    cx.now.at_ms,
                    left.len(),
                    left[0]
                ),
            );
        }
        let purging = matches!(
            event,
            TraceEvent::ShadowCopyPurged {
                reason: PurgeReason::Reverted,
                ..
            }
        );
        if !self.reverting.is_empty() && !purging {
            let left = std::mem::take(&mut self.reverting);
            cx.engine(
                Rule::R104,
                format!(
                    "a revert at {} ms left {} newer copies of its volume on the machine ({})",
                    cx.now.at_ms,
                    left.len(),
                    left[0]
                ),
            );
        }
        match event {
            TraceEvent::Called {
                session,
                call: Call::DeleteSnapshots { id, object, .. },
                hr,
            } => self.delete_called(cx, *session, (*id, *object), *hr),
            TraceEvent::VolumeReverted {
                snapshot, volume, ..
            } => self.reverted(cx, *snapshot, volume),
            TraceEvent::ShadowCopyCreated {
                session,
                snapshot,
                set,
                context,
                volume,
                in_storage,
            } => {
                // A copy that arrives while its requester imports is the import's.
                let importing = self.importing.iter_mut().find(|(s, _)| s == session);
                let imported = importing.is_some();
                if let Some((_, count)) = importing {
                    *count += 1;
                }
                self.arrived(Copy {
                    snapshot: *snapshot,
                    set: *set,
                    session: *session,
                    context: base_context(*context),
                    volume: volume.clone(),
                    in_storage: *in_storage,
                    imported,
                });
            }
            TraceEvent::AsyncStarted {
                session,
                kind: AsyncKind::ImportSnapshots,
                ..
            } => self.importing.push((*session, 0)),
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::ImportSnapshots,
                hr,
                ..
            } => self.import_ended(cx, *session, *hr),
            // No requester made a carried copy: no release removes it (it is persistent, R104).
            TraceEvent::ShadowCopyCarried {
                snapshot,
                set,
                context,
                volume,
                in_storage,
            } => self.arrived(Copy {
                snapshot: *snapshot,
                set: *set,
                session: SessionNo(u32::MAX),
                context: base_context(*context),
                volume: volume.clone(),
                in_storage: *in_storage,
                imported: false,
            }),
            TraceEvent::ShadowCopyPurged { snapshot, reason } => {
                self.purged(cx, *snapshot, *reason);
            }
            TraceEvent::ShadowCopyExposed { snapshot, .. }
                if !self.copies.iter().any(|c| c.snapshot == *snapshot) =>
            {
                cx.engine(
                    Rule::R107,
                    format!(
                        "ExposeSnapshot exposed shadow copy {snapshot} at {} ms, which is not on \
                         the machine",
                        cx.now.at_ms
                    ),
                );
            }
            TraceEvent::SnapshotSetBroken { set, .. } => {
                // VSS forgets the set: its copies are ordinary volumes now.
                self.copies.retain(|c| c.set != *set);
            }
            TraceEvent::ShadowCopyDeleted { snapshot, .. } => {
                let named = self.deleting.len();
                self.deleting.retain(|s| s != snapshot);
                if named == self.deleting.len() {
                    cx.engine(
                        Rule::R33,
                        format!(
                            "shadow copy {snapshot} was deleted at {} ms without a \
                             DeleteSnapshots that names it",
                            cx.now.at_ms
                        ),
                    );
                }
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

    fn finish(&mut self, cx: &mut Cx<'_>) {
        if let Some(first) = self.reverting.first() {
            cx.engine(
                Rule::R104,
                format!(
                    "the trace ends with {} newer copies of a reverted volume still on the \
                     machine ({first})",
                    self.reverting.len()
                ),
            );
        }
        if let Some(first) = self.deleting.first() {
            cx.engine(
                Rule::R33,
                format!(
                    "the trace ends with {} of the copies a DeleteSnapshots named still on the \
                     machine ({first})",
                    self.deleting.len()
                ),
            );
        }
    }
}

impl StoreRules {
    /// R97: an import that reports copies imported brought some; one that failed, none.
    fn import_ended(&mut self, cx: &mut Cx<'_>, session: SessionNo, hr: Hresult) {
        let Some(at) = self.importing.iter().position(|(s, _)| *s == session) else {
            return;
        };
        let (_, count) = self.importing.swap_remove(at);
        let claims_copies = matches!(
            hr,
            Hresult::VSS_S_ASYNC_FINISHED | Hresult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED
        );
        if claims_copies && count == 0 {
            cx.engine(
                Rule::R97,
                format!(
                    "{session}'s ImportSnapshots ended at {} ms with {hr}, but no shadow copy \
                     came onto the machine",
                    cx.now.at_ms
                ),
            );
        } else if !claims_copies && count > 0 {
            cx.engine(
                Rule::R97,
                format!(
                    "{session}'s ImportSnapshots ended at {} ms with {hr}, yet {count} shadow \
                     copies came onto the machine",
                    cx.now.at_ms
                ),
            );
        }
    }

    /// R102, R103: the machine deletes the oldest copy of the volume (the oldest
    /// client-accessible one for the copy limit).
    fn purged(&mut self, cx: &mut Cx<'_>, snapshot: SnapshotId, reason: PurgeReason) {
        if reason == PurgeReason::Reverted {
            let named = self.reverting.len();
            self.reverting.retain(|s| *s != snapshot);
            self.copies.retain(|c| c.snapshot != snapshot);
            if named == self.reverting.len() {
                cx.engine(
                    Rule::R104,
                    format!(
                        "a revert deleted shadow copy {snapshot} at {} ms, which is not a newer \
                         copy of the reverted volume",
                        cx.now.at_ms
                    ),
                );
            }
            return;
        }
        let Some(at) = self.copies.iter().position(|c| c.snapshot == snapshot) else {
            cx.engine(
                Rule::R103,
                format!(
                    "the machine deleted shadow copy {snapshot} at {} ms, which was not on it",
                    cx.now.at_ms
                ),
            );
            return;
        };
        let copy = self.copies.remove(at);
        let (rule, candidates) = match reason {
            PurgeReason::StorageLimit => (Rule::R103, "copy"),
            PurgeReason::CopyLimit => (Rule::R102, "client-accessible copy"),
            PurgeReason::Reverted => return, // judged above
        };
        let older = self.copies[..at].iter().find(|c| {
            c.volume == copy.volume
                && match reason {
                    PurgeReason::StorageLimit => c.in_storage,
                    PurgeReason::CopyLimit => c.context.is_client_accessible(),
                    PurgeReason::Reverted => false,
                }
        });
        if let Some(older) = older {
            cx.engine(
                rule,
                format!(
                    "the machine deleted shadow copy {snapshot} of {} at {} ms ({reason:?}) while \
                     an older {candidates} of the volume, {}, was still there: the oldest goes \
                     first",
                    copy.volume, cx.now.at_ms, older.snapshot
                ),
            );
        }
    }

    /// `RevertToSnapshot` put `volume` back to `snapshot`: that copy must be on the machine, and
    /// the volume's copies made after it go (R104's one exception besides DeleteSnapshots and
    /// the machine's limits).
    fn reverted(&mut self, cx: &mut Cx<'_>, snapshot: SnapshotId, volume: &str) {
        let Some(at) = self.copies.iter().position(|c| c.snapshot == snapshot) else {
            cx.engine(
                Rule::R104,
                format!(
                    "a volume was reverted at {} ms to shadow copy {snapshot}, which is not on \
                     the machine",
                    cx.now.at_ms
                ),
            );
            return;
        };
        self.reverting = self.copies[at + 1..]
            .iter()
            .filter(|c| c.volume == volume && !c.imported)
            .map(|c| c.snapshot)
            .collect();
    }

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

    /// The context `session` sees copies in (R34): its `SetContext`, `VSS_CTX_BACKUP` before.
    fn viewer(cx: &Cx<'_>, session: SessionNo) -> SnapshotContext {
        let raw = cx
            .model
            .session(session)
            .and_then(|s| s.context)
            .unwrap_or(SnapshotContext::VSS_CTX_BACKUP.value());
        Context::from_raw(raw).map_or(SnapshotContext::VSS_CTX_BACKUP, |c| c.base)
    }

    /// R33: `DeleteSnapshots(id, object)` by `session` returned `hr`: it succeeds exactly when
    /// it names copies the caller's context sees, which must then be deleted.
    fn delete_called(
        &mut self,
        cx: &mut Cx<'_>,
        session: SessionNo,
        (id, object): (uuid::Uuid, ObjectType),
        hr: Hresult,
    ) {
        let viewer = Self::viewer(cx, session);
        let named: Vec<SnapshotId> = self
            .copies
            .iter()
            .filter(|c| viewer == SnapshotContext::VSS_CTX_ALL || c.context == viewer)
            .filter(|c| match object {
                ObjectType::VSS_OBJECT_SNAPSHOT => c.snapshot == SnapshotId(id),
                ObjectType::VSS_OBJECT_SNAPSHOT_SET => c.set == SnapshotSetId(id),
                _ => false,
            })
            .map(|c| c.snapshot)
            .collect();
        let at = cx.now.at_ms;
        if hr.is_success() {
            if named.is_empty() {
                cx.engine(
                    Rule::R33,
                    format!(
                        "{session}'s DeleteSnapshots({object:?} {id}) at {at} ms succeeded, but \
                         its context ({viewer:?}) sees no such copy on the machine"
                    ),
                );
            }
            self.deleting = named;
        } else if hr == Hresult::VSS_E_OBJECT_NOT_FOUND && !named.is_empty() {
            cx.engine(
                Rule::R33,
                format!(
                    "{session}'s DeleteSnapshots({object:?} {id}) at {at} ms returned \
                     VSS_E_OBJECT_NOT_FOUND, but {} such copies are on the machine",
                    named.len()
                ),
            );
        }
    }

    /// R34, R107: `Query` lists the copies the caller's context sees, and no other.
    fn listed(&self, cx: &mut Cx<'_>, session: SessionNo, listed: &[SnapshotId]) {
        let viewer = Self::viewer(cx, session);
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

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::Party;
    use crate::trace::{PurgeReason, TraceEvent};
    use crate::vocab::{Call, Hresult, ObjectType, Rule, SnapshotContext, SnapshotId};

    /// Two persistent copies of `C:\`, made by S0 (oldest first), and the builder.
    fn two_copies() -> (Builder, [SnapshotId; 2]) {
        let mut b = Builder::new();
        b.session(S0);
        let ids = [SnapshotId::from_u128(0xA1), SnapshotId::from_u128(0xA2)];
        for id in ids {
            b.push(TraceEvent::ShadowCopyCreated {
                session: S0,
                snapshot: id,
                set: set_of(S0),
                context: SnapshotContext::VSS_CTX_APP_ROLLBACK.value(),
                volume: "C:\\".into(),
                in_storage: true,
            });
        }
        (b, ids)
    }

    #[test]
    fn r103_the_oldest_copy_is_purged_first() {
        let (mut b, [oldest, newest]) = two_copies();
        b.push(TraceEvent::ShadowCopyPurged {
            snapshot: oldest,
            reason: PurgeReason::StorageLimit,
        });
        judge(b.build()).assert_clean();
        let (mut b, _) = two_copies();
        b.push(TraceEvent::ShadowCopyPurged {
            snapshot: newest,
            reason: PurgeReason::StorageLimit,
        });
        assert_only(&judge(b.build()), Rule::R103, Party::Engine);
    }

    #[test]
    fn r104_a_revert_deletes_exactly_the_newer_copies_of_its_volume() {
        let reverted = |b: &mut Builder, to: SnapshotId| {
            b.push(TraceEvent::VolumeReverted {
                session: S0,
                snapshot: to,
                volume: "C:\\".into(),
            });
        };
        // Back to the oldest: the newer one goes.
        let (mut b, [oldest, newest]) = two_copies();
        reverted(&mut b, oldest);
        b.push(TraceEvent::ShadowCopyPurged {
            snapshot: newest,
            reason: PurgeReason::Reverted,
        });
        judge(b.build()).assert_clean();
        // The newer copy left behind, at the end of the trace.
        let (mut b, [oldest, _]) = two_copies();
        reverted(&mut b, oldest);
        assert_only(&judge(b.build()), Rule::R104, Party::Engine);
        // The copy reverted to deleted instead.
        let (mut b, [oldest, newest]) = two_copies();
        reverted(&mut b, newest);
        b.push(TraceEvent::ShadowCopyPurged {
            snapshot: oldest,
            reason: PurgeReason::Reverted,
        });
        assert_only(&judge(b.build()), Rule::R104, Party::Engine);
    }

    #[test]
    fn r33_delete_snapshots_deletes_exactly_what_it_names() {
        let (mut b, [first, second]) = two_copies();
        // S0 is in VSS_CTX_BACKUP: it sees neither persistent copy, yet "deletes" one.
        b.call(
            S0,
            Call::DeleteSnapshots {
                id: first.0,
                object: ObjectType::VSS_OBJECT_SNAPSHOT,
                force: false,
            },
            Hresult::S_OK,
        );
        b.push(TraceEvent::ShadowCopyDeleted {
            session: S0,
            snapshot: second,
        });
        let report = judge(b.build());
        assert!(rules(&report).contains(&Rule::R33), "{report}");
    }
}
