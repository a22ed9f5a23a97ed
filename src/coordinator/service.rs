//! The VSS service restarting under its requesters (issue 12 part 6; `Policies::lost_service`).

use super::session::{Life, SetState};
use super::Coordinator;
use crate::trace::{Actor, SetOutcome, Timer, TraceEvent};
use crate::vocab::{AsyncKind, Hresult, SessionNo, WriterNo};
use crate::writer::WriterHost;

impl Coordinator {
    /// The VSS service restarts: see `Vss::restart_service`.
    pub fn restart_service(&mut self) {
        let policy = self.policies.lost_service;
        let live: Vec<SessionNo> = self
            .sessions
            .iter()
            .filter(|s| s.is_live())
            .map(|s| s.no)
            .collect();
        self.record(TraceEvent::ServiceRestarted);
        // What was in flight ends first: the service's half of each call is gone.
        for &session in &live {
            // The kernel releases a hold nobody will end.
            let hold = Timer::HoldWrites { session };
            if self.timers.stop(hold) {
                self.record(TraceEvent::TimerStopped { timer: hold });
            }
            let code = if self.planted(super::PlantedBug::LostOperationFinishes) {
                crate::vocab::Hresult::VSS_S_ASYNC_FINISHED
            } else {
                policy.in_flight()
            };
            self.end_lost_operation(session, code);
        }
        for &session in &live {
            self.lose_session(session, policy.later_calls());
        }
        // The writers the service hosts restart with it.
        let hosted: Vec<WriterNo> = (0..self.writers.len())
            .filter(|&i| {
                let slot = &self.writers[i];
                slot.config.host == WriterHost::VssService && !slot.down
            })
            .map(|i| WriterNo(super::index_u32(i)))
            .collect();
        for writer in hosted {
            self.restart_writer_no(writer);
        }
    }

    /// The operation `session` had pending ends with `code`; a set it was creating is
    /// abandoned. Nobody is told: the service that would tell them is gone. Copies already
    /// committed for an unfinished set go with it, as after any failed creation (R93).
    fn end_lost_operation(&mut self, session: SessionNo, code: Hresult) {
        let Some(op) = self.sessions[session.0 as usize].pending else {
            return;
        };
        if self.op(op).kind == AsyncKind::DoSnapshotSet {
            let s = &self.sessions[session.0 as usize];
            if let Some(data) = s.set.data().filter(|d| d.committed) {
                let (set, count) = (s.set.id(), super::index_u32(data.snapshots.len()));
                self.record(TraceEvent::SnapshotsDeleted {
                    session,
                    set,
                    count,
                });
            }
        }
        // No handler of it is waited for any more, whoever runs it.
        for flight in self
            .in_flight
            .iter_mut()
            .filter(|f| {
                matches!(f.actor, Actor::Writer { session: s, .. } | Actor::Provider { session: s, .. } if s == session)
            })
        {
            flight.give_up_ms = None;
        }
        self.complete_op(op, code);
    }

    /// `session` lost the service: its set in creation is abandoned, its auto-release copies
    /// deleted (R104: the object that held them is gone), the events the service had queued
    /// for it dropped; its later calls that need the
    /// service return `code`. The writers' own freeze windows run on (R99): they live in the
    /// writers' processes.
    fn lose_session(&mut self, session: SessionNo, code: Hresult) {
        if matches!(
            self.sessions[session.0 as usize].set,
            SetState::InCreation(_)
        ) {
            self.end_set(session, SetOutcome::Abandoned);
        }
        // Only a writer's own timeout Abort survives: it comes from the writer, not VSS.
        self.queued
            .retain(|q| q.session != session || q.own_timeout);
        self.release_auto_copies(session);
        let s = &mut self.sessions[session.0 as usize];
        s.life = Life::Lost {
            code,
            initialized: s.life == Life::Backup,
        };
    }
}
