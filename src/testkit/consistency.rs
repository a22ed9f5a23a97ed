//! What a backup's shadow copy really was, read from the trace: the ground truth a requester's
//! claim is held to (field failure 23).

use std::collections::{BTreeMap, BTreeSet};

use crate::trace::{SetOutcome, Timer, Trace, TraceEvent};
use crate::vocab::{AsyncKind, Hresult, SnapshotSetId, WriterEvent};
use crate::vocab::{SessionNo, WriterNo};

/// Whether the last shadow copy set of a trace holds application-consistent data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// A set was created and every writer that took part in its backup came through
    /// PrepareForBackup to PostSnapshot without a failure, an Abort or an expired window.
    Consistent {
        /// The set.
        set: SnapshotSetId,
    },
    /// A set was created, but these writers' data in it is not consistent.
    Partial {
        /// The set.
        set: SnapshotSetId,
        /// The writers, by name, that failed, were aborted or timed out.
        inconsistent: Vec<String>,
    },
    /// No shadow copy was created.
    NoSnapshot,
}

/// Reads the [`Consistency`] of the last set a `DoSnapshotSet` created in `trace`.
pub fn consistency(trace: &Trace) -> Consistency {
    let Some((session, set)) = last_created_set(trace) else {
        return Consistency::NoSnapshot;
    };
    let names: BTreeMap<WriterNo, String> = trace
        .records()
        .iter()
        .filter_map(|record| match &record.event {
            TraceEvent::WriterRegistered { writer, name, .. } => Some((*writer, name.clone())),
            _ => None,
        })
        .collect();
    let (took_part, inconsistent) = participants(trace, session);
    let inconsistent: Vec<String> = inconsistent
        .intersection(&took_part)
        .map(|w| names.get(w).cloned().unwrap_or_else(|| w.to_string()))
        .collect();
    if inconsistent.is_empty() {
        Consistency::Consistent { set }
    } else {
        Consistency::Partial { set, inconsistent }
    }
}

/// The session and id of the last set a `DoSnapshotSet` created in `trace`.
fn last_created_set(trace: &Trace) -> Option<(SessionNo, SnapshotSetId)> {
    let mut last: Option<(SessionNo, SnapshotSetId)> = None;
    let mut sets: BTreeMap<SessionNo, SnapshotSetId> = BTreeMap::new();
    for record in trace.records() {
        match &record.event {
            TraceEvent::SetCreationStarted { session, set } => {
                sets.insert(*session, *set);
            }
            TraceEvent::SetCreationEnded {
                session,
                set,
                outcome: SetOutcome::Created,
            } => last = Some((*session, *set)),
            TraceEvent::AsyncCompleted {
                session,
                kind: AsyncKind::DoSnapshotSet,
                hr,
                ..
            } if *hr == Hresult::VSS_S_ASYNC_FINISHED => {
                if let Some(set) = sets.get(session) {
                    last = Some((*session, *set));
                }
            }
            _ => {}
        }
    }
    last
}

/// The writers that took part in `session`'s backup, and those of them left inconsistent (an
/// Abort, a failed or panicking handler from PrepareForBackup to PostSnapshot, or an expired
/// freeze window).
fn participants(trace: &Trace, session: SessionNo) -> (BTreeSet<WriterNo>, BTreeSet<WriterNo>) {
    let mut took_part = BTreeSet::new();
    let mut inconsistent = BTreeSet::new();
    for record in trace.records() {
        match &record.event {
            TraceEvent::Delivered {
                session: s,
                writer,
                event,
                ..
            } if *s == session => match event {
                WriterEvent::PrepareForBackup | WriterEvent::PrepareForSnapshot => {
                    took_part.insert(*writer);
                }
                WriterEvent::Abort => {
                    inconsistent.insert(*writer);
                }
                _ => {}
            },
            TraceEvent::Handled {
                session: s,
                writer,
                event,
                ok,
                failure,
                panicked,
                ..
            } if *s == session
                && matches!(
                    event,
                    WriterEvent::PrepareForBackup
                        | WriterEvent::PrepareForSnapshot
                        | WriterEvent::Freeze
                        | WriterEvent::Thaw
                        | WriterEvent::PostSnapshot
                )
                && (!ok || failure.is_some() || *panicked) =>
            {
                inconsistent.insert(*writer);
            }
            TraceEvent::TimerFired {
                timer: Timer::FreezeWindow { session: s, writer },
            } if *s == session => {
                inconsistent.insert(*writer);
            }
            _ => {}
        }
    }
    (took_part, inconsistent)
}
