//! Termination (`BOUND`, design principle 7): a wait or a sleep that a run bound stopped is
//! non-termination, reported against whoever held the clock. It follows which handlers and
//! provider steps are in flight, so it also covers the ties of WAITS and AbortSnapshots during a
//! step (R87).

use super::{Cx, Party, Rules};
use crate::trace::{Actor, TraceEvent};
use crate::vocab::{Bound, OpNo, ProviderStep, Rule, SignalName, Wait, WaitEnd};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::Bound];

/// The termination rule.
#[derive(Debug, Default)]
pub(super) struct TerminationRules {
    /// The handlers and provider steps that have not returned: who, and until when it runs
    /// (`None`: it waits, maybe for ever).
    running: Vec<(Actor, Running)>,
    /// Handlers VSS stopped waiting for (`HandlerTimedOut`) that have not returned: they hold
    /// their own operation no more, but their writer's later events still wait behind them
    /// (SERIAL).
    abandoned: Vec<(Actor, Running)>,
    /// When each signal was last set (WAITS: ties with deadlines).
    last_set: Vec<(SignalName, u64)>,
    /// Waits that timed out at an instant, whose signal may still be set in that instant.
    timed_out: Vec<(SignalName, u64)>,
}

/// How long an unfinished call runs.
#[derive(Clone, Debug)]
enum Running {
    /// Spending its time until then.
    Until(u64),
    /// Blocked on this wait since that time.
    Waits(Wait, u64),
}

impl Rules for TerminationRules {
    #[inline]
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        match event {
            TraceEvent::Busy { actor, until_ms } => self.set(*actor, Running::Until(*until_ms)),
            TraceEvent::WaitStarted { actor, wait } if *actor != Actor::Host => {
                self.set(*actor, Running::Waits(wait.clone(), cx.now.at_ms));
            }
            TraceEvent::Handled {
                session,
                writer,
                event,
                ..
            } => self.returned(Actor::Writer {
                session: *session,
                writer: *writer,
                event: *event,
            }),
            TraceEvent::HandlerTimedOut {
                session,
                writer,
                event,
            } => {
                cx.cover(super::Situation::HandlerNotResponding);
                let actor = Actor::Writer {
                    session: *session,
                    writer: *writer,
                    event: *event,
                };
                if let Some(at) = self.running.iter().position(|(a, _)| *a == actor) {
                    let entry = self.running.remove(at);
                    self.abandoned.push(entry);
                }
            }
            TraceEvent::ProviderCalled {
                session,
                provider,
                step: ProviderStep::AbortSnapshots,
                ..
            } if !self.running.is_empty() => {
                let actor = Actor::Provider {
                    session: *session,
                    provider: *provider,
                    step: ProviderStep::AbortSnapshots,
                };
                self.returned(actor);
                // R87: VSS does not wait for the provider's step in flight.
                let in_step = self.running.iter().any(|(a, _)| {
                    matches!(a, Actor::Provider { session: s, provider: p, .. }
                        if s == session && p == provider)
                });
                if in_step {
                    cx.cover(super::Situation::AbortSnapshotsDuringStep);
                }
            }
            TraceEvent::ProviderCalled {
                session,
                provider,
                step,
                ..
            } if !self.running.is_empty() => self.returned(Actor::Provider {
                session: *session,
                provider: *provider,
                step: *step,
            }),
            TraceEvent::WriterRestarted { writer } | TraceEvent::WriterStopped { writer } => {
                // Its service restarted: the handler it was in never returns, and holds nothing.
                let other = |(actor, _): &(Actor, Running)| !matches!(actor, Actor::Writer { writer: w, .. } if w == writer);
                self.running.retain(other);
                self.abandoned.retain(other);
            }
            TraceEvent::BoundReached { bound, waiting_for } => {
                self.bound_reached(cx, *bound, *waiting_for);
            }
            TraceEvent::WaitEnded { actor, ended } => self.wait_ended(cx, *actor, *ended),
            TraceEvent::SignalSet { signal, .. } => self.signal_set(cx, signal),
            _ => {}
        }
    }
}

impl TerminationRules {
    /// WAITS: a wait that ended in the instant its deadline passed, with its signal set in that
    /// instant too, is one order of a tie; coverage says which.
    fn wait_ended(&mut self, cx: &mut Cx<'_>, actor: Actor, ended: WaitEnd) {
        let now = cx.now.at_ms;
        let Some((signal, deadline)) = self.running.iter().find_map(|(a, running)| match running {
            Running::Waits(wait, since) if *a == actor => {
                Some((wait.signal.clone()?, since.saturating_add(wait.timeout_ms?)))
            }
            _ => None,
        }) else {
            return;
        };
        if deadline != now {
            return;
        }
        match ended {
            WaitEnd::Signalled => cx.cover(super::Situation::SignalWonTie),
            WaitEnd::TimedOut if self.last_set.contains(&(signal.clone(), now)) => {
                cx.cover(super::Situation::TimeoutWonTie);
            }
            WaitEnd::TimedOut => {
                self.timed_out.retain(|(_, at)| *at == now);
                self.timed_out.push((signal, now));
            }
        }
    }

    fn signal_set(&mut self, cx: &mut Cx<'_>, signal: &SignalName) {
        let now = cx.now.at_ms;
        if self
            .timed_out
            .iter()
            .any(|(s, at)| s == signal && *at == now)
        {
            cx.cover(super::Situation::TimeoutWonTie);
        }
        match self.last_set.iter_mut().find(|(s, _)| s == signal) {
            Some(slot) => slot.1 = now,
            None => self.last_set.push((signal.clone(), now)),
        }
    }
}

impl TerminationRules {
    fn set(&mut self, actor: Actor, running: Running) {
        if let Some(slot) = self.abandoned.iter_mut().find(|(a, _)| *a == actor) {
            slot.1 = running;
            return;
        }
        match self.running.iter_mut().find(|(a, _)| *a == actor) {
            Some(slot) => slot.1 = running,
            None => self.running.push((actor, running)),
        }
    }

    fn returned(&mut self, actor: Actor) {
        if !self.running.is_empty() {
            self.running.retain(|(a, _)| *a != actor);
        }
        if !self.abandoned.is_empty() {
            self.abandoned.retain(|(a, _)| *a != actor);
        }
    }

    fn bound_reached(&self, cx: &mut Cx<'_>, bound: Bound, waiting_for: Option<OpNo>) {
        let (party, message) = match (bound, waiting_for) {
            (Bound::Steps { .. }, _) => (
                Party::Engine,
                format!("the run did not settle: a wait stopped at {bound} (a livelock)"),
            ),
            (Bound::VirtualTime { .. }, None) => (
                Party::Requester,
                format!("the requester slept past the end of the run: {bound}"),
            ),
            (Bound::VirtualTime { max_virtual_ms }, Some(op)) => {
                self.holder(cx, op, max_virtual_ms, bound)
            }
        };
        cx.report_at(cx.now, party, Rule::Bound, message);
    }

    /// Who holds operation `op` past `max_virtual_ms`: a handler or provider step of its
    /// session that runs past the bound or waits for something that never came (a hang); else
    /// another session's handler its events wait behind (SERIAL: a writer handles one event at
    /// a time); else the engine (nothing should have held it).
    fn holder(&self, cx: &Cx<'_>, op: OpNo, max_virtual_ms: u64, bound: Bound) -> (Party, String) {
        let session = cx.model.ops.get(&op).map(|(session, _)| *session);
        let of_session = |actor: &Actor| match actor {
            Actor::Writer { session: s, .. } | Actor::Provider { session: s, .. } => {
                Some(*s) == session
            }
            Actor::Host => false,
        };
        let holds = |running: &Running| match running {
            Running::Until(until_ms) => *until_ms > max_virtual_ms,
            Running::Waits(..) => true,
        };
        let own = self
            .running
            .iter()
            .find(|(actor, running)| of_session(actor) && holds(running));
        // A handler VSS gave up on holds `op` only if `op`'s event for that writer still waits
        // behind it: the writer has not received it.
        let waiting_behind = |actor: &Actor| {
            let Actor::Writer { writer, .. } = actor else {
                return false;
            };
            let Some((s, kind)) = cx.model.ops.get(&op).copied() else {
                return false;
            };
            let Some(event) = first_event(kind) else {
                return false;
            };
            cx.model
                .session(s)
                .and_then(|session| session.writers.get(writer))
                .is_none_or(|part| part.got(event).is_none())
        };
        let behind = || {
            self.running
                .iter()
                .find(|(actor, running)| matches!(actor, Actor::Writer { .. }) && holds(running))
                .or_else(|| {
                    self.abandoned
                        .iter()
                        .find(|(actor, running)| holds(running) && waiting_behind(actor))
                })
        };
        let Some((actor, running)) = own.or_else(behind) else {
            return (
                Party::Engine,
                format!("{op} never finished, though nothing held it: {bound}"),
            );
        };
        let whose = match actor {
            Actor::Writer { session: s, .. } if !of_session(actor) => {
                format!(" (another backup's, {s}: its events wait behind it)")
            }
            _ => String::new(),
        };
        let how = match running {
            Running::Until(until_ms) => format!("runs until {until_ms} ms"),
            Running::Waits(wait, _) if wait.is_forever() => "never returns (a hung handler)".into(),
            Running::Waits(wait, _) => format!("never returned: it waits for {wait}"),
        };
        match actor {
            Actor::Writer { writer, event, .. } => (
                Party::Writer,
                format!(
                    "{op} never finished: {}'s {}{whose} {how}, past {bound}",
                    cx.model.writer(*writer),
                    event.handler_name()
                ),
            ),
            Actor::Provider { provider, step, .. } => (
                Party::Provider,
                format!(
                    "{op} never finished: {}'s {step:?} {how}, past {bound}",
                    cx.model.provider(*provider)
                ),
            ),
            Actor::Host => (Party::Engine, format!("{op} never finished: {bound}")),
        }
    }
}

/// The first writer event an operation of `kind` delivers (none for `GatherWriterStatus` and
/// `ImportSnapshots`).
fn first_event(kind: crate::vocab::AsyncKind) -> Option<crate::vocab::WriterEvent> {
    use crate::vocab::{AsyncKind as K, WriterEvent as E};
    Some(match kind {
        K::GatherWriterMetadata => E::Identify,
        K::PrepareForBackup => E::PrepareForBackup,
        K::DoSnapshotSet => E::PrepareForSnapshot,
        K::BackupComplete => E::BackupComplete,
        K::PreRestore => E::PreRestore,
        K::PostRestore => E::PostRestore,
        K::GatherWriterStatus | K::ImportSnapshots | K::QueryRevertStatus => return None,
    })
}
