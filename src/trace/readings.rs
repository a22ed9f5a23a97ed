//! Facts read back out of a trace after the fact: the writer states each requester would be
//! told and the set each requester started. Tests and reports use these instead of reading the
//! engine, so what they check is what was recorded (and what the oracle judged).

use std::collections::BTreeMap;

use super::{DropReason, SessionNo, Trace, TraceEvent, WriterNo};
use crate::vocab::{Hresult, SnapshotSetId, WriterEvent, WriterState};

impl Trace {
    /// Every writer's last recorded state and failure for every requester that identified it,
    /// as that requester's `GetWriterStatus` would report it (R29): writers whose Identify
    /// succeeded for the requester and were not left out for it (R10, R7), in their last
    /// recorded state (`VSS_WS_STABLE`, `S_OK` before any change).
    pub fn writer_states(&self) -> BTreeMap<(SessionNo, WriterNo), (WriterState, Hresult)> {
        let mut rows: BTreeMap<(SessionNo, WriterNo), Option<(WriterState, Hresult)>> =
            BTreeMap::new();
        for record in self.records() {
            match &record.event {
                TraceEvent::Handled {
                    session,
                    writer,
                    event: WriterEvent::Identify,
                    ..
                } => {
                    let stable = (WriterState::VSS_WS_STABLE, Hresult::S_OK);
                    rows.entry((*session, *writer)).or_insert(Some(stable));
                }
                TraceEvent::WriterDropped {
                    session,
                    writer,
                    reason: DropReason::IdentifyFailed | DropReason::ClassDisabled,
                } => {
                    rows.insert((*session, *writer), None);
                }
                TraceEvent::StateChanged {
                    session,
                    writer,
                    state,
                    failure,
                } => {
                    if let Some(Some(row)) = rows.get_mut(&(*session, *writer)) {
                        *row = (*state, *failure);
                    }
                }
                _ => {}
            }
        }
        rows.into_iter()
            .filter_map(|(key, row)| Some((key, row?)))
            .collect()
    }

    /// `writer`'s last recorded state and failure for `session` (see
    /// [`writer_states`](Self::writer_states)); `None` when that requester never identified it
    /// or left it out.
    pub fn writer_state(
        &self,
        session: SessionNo,
        writer: WriterNo,
    ) -> Option<(WriterState, Hresult)> {
        self.writer_states().get(&(session, writer)).copied()
    }

    /// The set `session` last started with `StartSnapshotSet` (R15), if any.
    pub fn snapshot_set(&self, session: SessionNo) -> Option<SnapshotSetId> {
        self.records()
            .iter()
            .rev()
            .find_map(|record| match record.event {
                TraceEvent::SetCreationStarted { session: s, set } if s == session => Some(set),
                _ => None,
            })
    }
}
