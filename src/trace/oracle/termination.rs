//! Termination (`BOUND`, design principle 7): a wait or a sleep that a run bound stopped is
//! non-termination, reported against whoever held the clock.

use super::{Cx, Party, Rules};
use crate::trace::TraceEvent;
use crate::vocab::{Bound, OpNo, ProviderNo, Rule, SessionNo, WriterEvent, WriterNo};

/// The rules this family judges.
pub(super) const RULES: &[Rule] = &[Rule::Bound];

/// The termination rule.
#[derive(Debug, Default)]
pub(super) struct TerminationRules {
    /// Per session, the handler or provider call that runs latest: (who, until when).
    last_step: Vec<(SessionNo, Holder, u64)>,
}

/// Who was running when the clock stopped.
#[derive(Clone, Copy, Debug)]
enum Holder {
    Writer(WriterNo, WriterEvent),
    Provider(ProviderNo, crate::vocab::ProviderStep),
}

impl Rules for TerminationRules {
    #[inline]
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        let at_ms = cx.now.at_ms;
        match event {
            TraceEvent::Handled {
                session,
                writer,
                event,
                spent_ms,
                ..
            } => self.ran(*session, Holder::Writer(*writer, *event), at_ms, *spent_ms),
            TraceEvent::ProviderCalled {
                session,
                provider,
                step,
                spent_ms,
                ..
            } => self.ran(
                *session,
                Holder::Provider(*provider, *step),
                at_ms,
                *spent_ms,
            ),
            TraceEvent::BoundReached { bound, waiting_for } => {
                self.bound_reached(cx, *bound, *waiting_for);
            }
            _ => {}
        }
    }
}

impl TerminationRules {
    fn ran(&mut self, session: SessionNo, holder: Holder, at_ms: u64, spent_ms: u64) {
        let until_ms = at_ms.saturating_add(spent_ms);
        match self.last_step.iter_mut().find(|(s, _, _)| *s == session) {
            Some(slot) if slot.2 <= until_ms => *slot = (session, holder, until_ms),
            Some(_) => {}
            None => self.last_step.push((session, holder, until_ms)),
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

    /// Who holds operation `op` past `max_virtual_ms`: its session's last handler or provider
    /// call if that runs past the bound, else the engine (nothing should have held it).
    fn holder(&self, cx: &Cx<'_>, op: OpNo, max_virtual_ms: u64, bound: Bound) -> (Party, String) {
        let session = cx.model.ops.get(&op).map(|(session, _)| *session);
        let last = self
            .last_step
            .iter()
            .find(|(s, _, until_ms)| Some(*s) == session && *until_ms > max_virtual_ms);
        match last {
            Some((_, Holder::Writer(writer, event), until_ms)) => (
                Party::Writer,
                format!(
                    "{op} never finished: {}'s {} runs until {until_ms} ms, past {bound}",
                    cx.model.writer(*writer),
                    event.handler_name()
                ),
            ),
            Some((_, Holder::Provider(provider, step), until_ms)) => (
                Party::Provider,
                format!(
                    "{op} never finished: {}'s {step:?} runs until {until_ms} ms, past {bound}",
                    cx.model.provider(*provider)
                ),
            ),
            None => (
                Party::Engine,
                format!("{op} never finished, though nothing held it: {bound}"),
            ),
        }
    }
}
