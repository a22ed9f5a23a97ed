//! A human-readable rendering of a trace, one line per record.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use super::{AbortCause, ProviderNo, Trace, TraceEvent, UserCode, WriterNo};
use crate::vocab::Call;

impl Trace {
    /// Renders the trace for people: one line per record, with writer and provider names.
    ///
    /// ```text
    ///      0 ms  requester#0  DoSnapshotSet -> S_OK
    ///      0 ms  requester#0  → SqlWriter: Freeze
    ///     15 ms  SqlWriter    OnFreeze -> false, SetWriterFailure(VSS_E_WRITERERROR_RETRYABLE …)
    /// ```
    pub fn render(&self) -> String {
        let mut names = Names::default();
        let mut out = String::new();
        for record in self.records() {
            names.learn(&record.event);
            if let Some(line) = names.line(&record.event) {
                // Writing to a String cannot fail.
                let _ = writeln!(out, "{:>8} ms  {line}", record.at_ms);
            }
        }
        out
    }
}

impl Trace {
    /// Each rendered record as (time, record, line), for the diagrams.
    pub(super) fn rendered_lines(&self) -> Vec<(u64, &TraceEvent, String)> {
        let mut names = Names::default();
        let mut lines = Vec::new();
        for record in self.records() {
            names.learn(&record.event);
            if let Some(line) = names.line(&record.event) {
                lines.push((record.at_ms, &record.event, line));
            }
        }
        lines
    }
}

#[derive(Default)]
struct Names {
    writers: BTreeMap<WriterNo, String>,
    providers: BTreeMap<ProviderNo, String>,
}

impl Names {
    fn learn(&mut self, event: &TraceEvent) {
        match event {
            TraceEvent::WriterRegistered { writer, name, .. } => {
                self.writers.insert(*writer, name.clone());
            }
            TraceEvent::ProviderRegistered { provider, name, .. } => {
                self.providers.insert(*provider, name.clone());
            }
            _ => {}
        }
    }

    fn writer(&self, writer: WriterNo) -> WriterName<'_> {
        WriterName(self.writers.get(&writer).map(String::as_str), writer)
    }

    /// One record's line: the machine's setup, requester calls and operations, writer
    /// deliveries and states, or the machine's timers and providers. The match is exhaustive so
    /// a new kind of record cannot go unrendered.
    fn line(&self, event: &TraceEvent) -> Option<String> {
        use TraceEvent as E;
        match event {
            E::Policies(_)
            | E::Os(_)
            | E::WriterRegistered { .. }
            | E::ProviderRegistered { .. }
            | E::SessionCreated { .. } => self.setup_line(event),
            E::Called { .. }
            | E::AsyncStarted { .. }
            | E::AsyncCompleted { .. }
            | E::SetCreationStarted { .. }
            | E::SetCreationEnded { .. }
            | E::SnapshotsDeleted { .. }
            | E::ShadowCopyCreated { .. }
            | E::SnapshotsListed { .. }
            | E::ShadowCopyDeleted { .. }
            | E::ShadowCopyExposed { .. }
            | E::ShadowCopyUnexposed { .. }
            | E::SnapshotSetBroken { .. }
            | E::VolumeReverted { .. }
            | E::BoundReached { .. }
            | E::MetadataReported { .. }
            | E::StatusReported { .. } => self.requester_line(event),
            E::WriterDropped { .. }
            | E::AbortRaised { .. }
            | E::Delivered { .. }
            | E::Handled { .. }
            | E::StateChanged { .. }
            | E::Queried { .. } => self.writer_line(event),
            E::TimerSet { .. }
            | E::TimerStopped { .. }
            | E::TimerFired { .. }
            | E::ProviderCalled { .. }
            | E::WriterRestarted { .. }
            | E::WriterStopped { .. }
            | E::WriterStarted { .. }
            | E::ShadowCopyCarried { .. }
            | E::WriterStatusCarried { .. }
            | E::ServiceRestarted
            | E::ShadowCopyPurged { .. }
            | E::UserCodePanicked { .. } => self.machine_line(event),
            E::Busy { .. }
            | E::WaitStarted { .. }
            | E::WaitEnded { .. }
            | E::SignalSet { .. }
            | E::SignalReset { .. }
            | E::HandlerTimedOut { .. } => self.wait_line(event),
        }
    }

    fn setup_line(&self, event: &TraceEvent) -> Option<String> {
        Some(match event {
            TraceEvent::Policies(policies) if *policies == crate::vocab::Policies::default() => {
                "policies: defaults (docs/protocol.md)".to_owned()
            }
            TraceEvent::Policies(policies) => format!("policies: {policies:?}"),
            TraceEvent::Os(os) => format!("machine runs {os:?}"),
            TraceEvent::WriterRegistered {
                writer,
                level,
                freeze_timeout_ms,
                instance_id,
                ..
            } => {
                format!(
                    "{} registered: {level:?}, freeze timeout {freeze_timeout_ms} ms, \
                     instance {instance_id}",
                    self.writer(*writer)
                )
            }
            TraceEvent::ProviderRegistered { provider, id, name } => {
                format!("provider#{} {name} {id} registered", provider.0)
            }
            TraceEvent::SessionCreated { session } => format!("{session}  created"),
            _ => return None,
        })
    }

    fn requester_line(&self, event: &TraceEvent) -> Option<String> {
        Some(match event {
            TraceEvent::Called { session, call, hr } => {
                format!("{session}  {} -> {}", CallText(call), Hr(*hr))
            }
            TraceEvent::AsyncStarted { session, op, kind } => {
                format!("{session}  {op} started ({kind:?})")
            }
            TraceEvent::AsyncCompleted {
                session,
                op,
                kind,
                hr,
            } => {
                format!("{session}  {op} ({kind:?}) completed: {}", Hr(*hr))
            }
            TraceEvent::SetCreationStarted { session, set } => {
                format!("{session}  snapshot set {set} in creation")
            }
            TraceEvent::SetCreationEnded {
                session,
                set,
                outcome,
            } => {
                format!("{session}  snapshot set {set} creation ended: {outcome:?}")
            }
            TraceEvent::SnapshotsDeleted {
                session,
                set,
                count,
            } => {
                format!("{session}  {count} auto-release shadow copies of {set} deleted")
            }
            TraceEvent::ShadowCopyCreated {
                session,
                snapshot,
                set,
                context,
                volume,
                ..
            } => format!(
                "{session}  shadow copy {snapshot} of {volume} in {set} on the machine (context \
                 0x{context:X})"
            ),
            TraceEvent::SnapshotsListed { session, snapshots } => {
                format!("{session}  Query lists {} shadow copies", snapshots.len())
            }
            TraceEvent::ShadowCopyDeleted { session, snapshot } => {
                format!("{session}  shadow copy {snapshot} deleted")
            }
            TraceEvent::ShadowCopyExposed {
                session,
                snapshot,
                name,
            } => format!("{session}  shadow copy {snapshot} exposed as {name}"),
            TraceEvent::ShadowCopyUnexposed { session, snapshot } => {
                format!("{session}  shadow copy {snapshot} unexposed")
            }
            TraceEvent::SnapshotSetBroken { session, set } => {
                format!("{session}  snapshot set {set} broken: its copies are ordinary volumes")
            }
            TraceEvent::VolumeReverted {
                session,
                snapshot,
                volume,
            } => format!("{session}  volume {volume} reverted to shadow copy {snapshot}"),
            TraceEvent::BoundReached { bound, waiting_for } => match waiting_for {
                Some(op) => format!("RUN BOUND REACHED waiting for {op}: {bound}"),
                None => format!("RUN BOUND REACHED while the requester slept: {bound}"),
            },
            TraceEvent::MetadataReported { session, writer } => {
                format!("{session}  metadata of {}", self.writer(*writer))
            }
            TraceEvent::StatusReported {
                session,
                writer,
                state,
                failure,
            } => {
                format!(
                    "{session}  status of {}: {state}, hrFailure {}",
                    self.writer(*writer),
                    Hr(*failure)
                )
            }
            _ => return None,
        })
    }

    fn writer_line(&self, event: &TraceEvent) -> Option<String> {
        Some(match event {
            TraceEvent::WriterDropped {
                session,
                writer,
                reason,
            } => {
                format!(
                    "{session}  {} leaves the operation: {reason:?}",
                    self.writer(*writer)
                )
            }
            TraceEvent::AbortRaised { session, cause } => {
                let cause = match cause {
                    AbortCause::WriterFailed { writer, event } => {
                        format!("{} failed {event}", self.writer(*writer))
                    }
                    AbortCause::FreezeTimeout { writer } => {
                        format!("freeze window of {} expired", self.writer(*writer))
                    }
                    other => format!("{other:?}"),
                };
                format!("{session}  ABORT raised: {cause}")
            }
            TraceEvent::Delivered {
                session,
                writer,
                event,
                set,
            } => {
                let arg = if matches!(event, crate::vocab::WriterEvent::BackupShutdown) {
                    format!("({set})")
                } else {
                    String::new()
                };
                format!("{session}  → {}: {event}{arg}", self.writer(*writer))
            }
            TraceEvent::Handled {
                writer,
                event,
                ok,
                failure,
                spent_ms,
                panicked,
                ..
            } => self.handled_line(*writer, *event, *ok, *failure, *spent_ms, *panicked),
            TraceEvent::StateChanged {
                session,
                writer,
                state,
                failure,
            } => {
                format!(
                    "{session}  {} is now {state}, hrFailure {}",
                    self.writer(*writer),
                    Hr(*failure)
                )
            }
            TraceEvent::Queried {
                writer,
                during,
                query,
                hr,
                ..
            } => {
                format!(
                    "{}  {query:?} in {} -> {}",
                    self.writer(*writer),
                    during.handler_name(),
                    Hr(*hr)
                )
            }
            _ => return None,
        })
    }

    /// A handler's return: its result, `SetWriterFailure` code, panic and time.
    fn handled_line(
        &self,
        writer: WriterNo,
        event: crate::vocab::WriterEvent,
        ok: bool,
        failure: Option<crate::vocab::Hresult>,
        spent_ms: u64,
        panicked: bool,
    ) -> String {
        let mut text = format!("{}  {} -> {ok}", self.writer(writer), event.handler_name());
        if let Some(hr) = failure {
            let _ = write!(text, ", SetWriterFailure({hr})");
        }
        if panicked {
            text.push_str(", PANICKED");
        }
        if spent_ms > 0 {
            let _ = write!(text, " (spent {spent_ms} ms)");
        }
        text
    }

    fn machine_line(&self, event: &TraceEvent) -> Option<String> {
        Some(match event {
            TraceEvent::TimerSet { timer, deadline_ms } => {
                format!(
                    "timer {} set, expires at {deadline_ms} ms",
                    self.timer(timer)
                )
            }
            TraceEvent::TimerStopped { timer } => format!("timer {} stopped", self.timer(timer)),
            TraceEvent::TimerFired { timer } => format!("TIMER {} EXPIRED", self.timer(timer)),
            TraceEvent::ShadowCopyPurged { snapshot, reason } => {
                let why = match reason {
                    crate::trace::PurgeReason::StorageLimit => {
                        "its volume's shadow storage ran out"
                    }
                    crate::trace::PurgeReason::CopyLimit => "its volume reached MaxShadowCopies",
                    crate::trace::PurgeReason::Reverted => {
                        "its volume was reverted to an older copy"
                    }
                };
                format!("shadow copy {snapshot} deleted by the machine: {why}")
            }
            TraceEvent::WriterStopped { writer } => {
                format!(
                    "{}  PROCESS DOWN: absent until it starts",
                    self.writer(*writer)
                )
            }
            TraceEvent::WriterStarted { writer } => {
                format!("{}  PROCESS UP: Stable, no error", self.writer(*writer))
            }
            TraceEvent::ShadowCopyCarried {
                snapshot,
                set,
                volume,
                context,
                ..
            } => format!(
                "shadow copy {snapshot} of {volume} in {set} on the machine from an earlier run \
                 (context 0x{context:x})"
            ),
            TraceEvent::WriterStatusCarried {
                writer,
                state,
                failure,
            } => format!(
                "{}  left [{}] {state:?}, hrFailure {failure} by an earlier run",
                self.writer(*writer),
                *state as u32
            ),
            TraceEvent::ServiceRestarted => {
                "VSS SERVICE RESTARTED: every requester object it served is lost".to_owned()
            }
            TraceEvent::WriterRestarted { writer } => format!(
                "{}  SERVICE RESTARTED: Stable, no error",
                self.writer(*writer)
            ),
            TraceEvent::ProviderCalled {
                provider,
                step,
                hr,
                spent_ms,
                ..
            } => {
                let name = self
                    .providers
                    .get(provider)
                    .map_or("provider", String::as_str);
                format!("{name}  {step:?} -> {} ({spent_ms} ms)", Hr(*hr))
            }
            TraceEvent::UserCodePanicked { code, message } => {
                let provider = |p: &ProviderNo| format!("provider#{}", p.0);
                let (what, then) = match code {
                    UserCode::ProviderId(p) => (format!("{}.id()", provider(p)), "GUID_NULL"),
                    UserCode::ProviderName(p) => (format!("{}.name()", provider(p)), "no name"),
                    UserCode::SupportsVolume(p) => (
                        format!("{}.supports_volume()", provider(p)),
                        "not supported",
                    ),
                    UserCode::ProviderInfo(p) => (
                        format!("{}.info()", provider(p)),
                        "a software provider, version 1.0.0.0",
                    ),
                    UserCode::Chooser => ("the chooser".to_owned(), "first option"),
                    UserCode::Decider => ("the decider".to_owned(), "no fault"),
                    UserCode::Handler { writer, event } => (
                        format!("{}'s On{event:?}", self.writer(*writer)),
                        "a failed handler",
                    ),
                };
                format!("USER CODE PANICKED: {what}: {message} (taken as {then})")
            }
            _ => return None,
        })
    }

    /// Waits, signals and VSS giving up on a handler (issue 11).
    fn wait_line(&self, event: &TraceEvent) -> Option<String> {
        Some(match event {
            TraceEvent::Busy { actor, until_ms } => {
                format!("{}  runs until {until_ms} ms", self.actor(actor))
            }
            TraceEvent::WaitStarted { actor, wait } if wait.is_forever() => {
                format!("{}  waits forever (never returns)", self.actor(actor))
            }
            TraceEvent::WaitStarted { actor, wait } => {
                format!("{}  waits for {wait}", self.actor(actor))
            }
            TraceEvent::WaitEnded { actor, ended } => {
                let how = match ended {
                    crate::vocab::WaitEnd::Signalled => "signalled",
                    crate::vocab::WaitEnd::TimedOut => "timed out",
                };
                format!("{}  wait ended: {how}", self.actor(actor))
            }
            TraceEvent::SignalSet { signal, by } => format!("{}  sets {signal}", self.actor(by)),
            TraceEvent::SignalReset { signal, by } => {
                format!("{}  resets {signal}", self.actor(by))
            }
            TraceEvent::HandlerTimedOut { writer, event, .. } => format!(
                "{}  {} NOT RESPONDING: VSS stopped waiting",
                self.writer(*writer),
                event.handler_name()
            ),
            _ => return None,
        })
    }

    fn actor(&self, actor: &super::Actor) -> String {
        match actor {
            super::Actor::Writer { writer, event, .. } => {
                format!("{} ({})", self.writer(*writer), event.handler_name())
            }
            super::Actor::Provider { provider, step, .. } => {
                let name = self
                    .providers
                    .get(provider)
                    .map_or("provider", String::as_str);
                format!("{name} ({step:?})")
            }
            super::Actor::Host => "host".to_owned(),
        }
    }

    fn timer(&self, timer: &super::Timer) -> String {
        match timer {
            super::Timer::FreezeWindow { writer, .. } => {
                format!("freeze window of {}", self.writer(*writer))
            }
            super::Timer::HoldWrites { session } => format!("hold-writes of {session}"),
        }
    }
}

struct WriterName<'a>(Option<&'a str>, WriterNo);

impl fmt::Display for WriterName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => f.write_str(name),
            None => write!(f, "{}", self.1),
        }
    }
}

struct CallText<'a>(&'a Call);

impl fmt::Display for CallText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let method = self.0.method();
        match self.0 {
            Call::AddToSnapshotSet { volume, .. } => write!(f, "{method}({volume})"),
            Call::AddComponent(key) => write!(f, "{method}({})", key.name),
            Call::SetBackupSucceeded {
                component,
                succeeded,
            } => write!(f, "{method}({}, {succeeded})", component.name),
            Call::SetSelectedForRestore {
                component,
                selected,
            } => write!(f, "{method}({}, {selected})", component.name),
            Call::AddRestoreSubcomponent {
                component, name, ..
            } => write!(f, "{method}({}, {name})", component.name),
            Call::SetAdditionalRestores {
                component,
                additional,
            } => write!(f, "{method}({}, {additional})", component.name),
            Call::SetFileRestoreStatus { component, status } => {
                write!(f, "{method}({}, {status:?})", component.name)
            }
            Call::SetRestoreOptions { component, .. }
            | Call::AddNewTarget { component, .. }
            | Call::SetPreviousBackupStamp { component, .. }
            | Call::SetBackupOptions { component, .. } => {
                write!(f, "{method}({})", component.name)
            }
            Call::SetRestoreState { restore_type } => write!(f, "{method}({restore_type:?})"),
            Call::WriterComponents { index } => write!(f, "{method}({index})"),
            Call::Wait {
                op,
                timeout_ms: Some(ms),
            } => write!(f, "{method}({op}, {ms} ms)"),
            Call::Wait { op, .. } | Call::QueryStatus { op } | Call::Cancel { op } => {
                write!(f, "{method}({op})")
            }
            Call::SetBackupState(state) => write!(f, "{method}({:?})", state.backup_type),
            Call::WriterStatus { index } | Call::WriterMetadata { index } => {
                write!(f, "{method}({index})")
            }
            _ => f.write_str(method),
        }
    }
}

/// Successes as their bare symbol (`S_OK`), failures with their hex value too.
struct Hr(crate::vocab::Hresult);

impl fmt::Display for Hr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.symbol() {
            Some(symbol) if self.0.is_success() => f.write_str(symbol),
            _ => write!(f, "{}", self.0),
        }
    }
}
