//! Judging one run of the writer under test: the oracle's verdict on its API use plus the
//! obligations only the kit can see (the probe, repeated aborts, metadata, leaks, budgets).

use std::collections::{BTreeMap, BTreeSet};

use super::conformance::EngineCheck;
use super::probe::ScopeKind;
use super::report::{Finding, Obligation};
use super::wrappers::Observation;
use crate::trace::oracle::{self, Party};
use crate::trace::{Timer, Trace, TraceEvent};
use crate::vocab::{Hresult, Rule, WriterEvent};
use crate::vocab::{SessionNo, WriterNo};

/// One handler call of the writer under test, as the trace and the kit saw it.
#[derive(Clone, Debug)]
pub(crate) struct Handling {
    pub(crate) session: SessionNo,
    pub(crate) event: WriterEvent,
    pub(crate) at_ms: u64,
    pub(crate) ok: bool,
    pub(crate) failure: Option<Hresult>,
    pub(crate) spent_ms: u64,
    pub(crate) panicked: bool,
    /// The panic's message and place (the trace's `UserCodePanicked` record for the handler).
    pub(crate) panic: Option<String>,
    pub(crate) observation: Observation,
}

impl Handling {
    fn failed(&self) -> bool {
        !self.ok || self.failure.is_some() || self.panicked
    }

    /// What a backup compares between runs: the handler, its result and the probes' answers.
    pub(crate) fn behaviour(&self) -> Behaviour {
        Behaviour {
            event: self.event,
            ok: self.ok,
            failure: self.failure,
            panicked: self.panicked,
            probes_saying_no: self
                .observation
                .answers
                .iter()
                .filter(|answer| **answer == Some(false))
                .count(),
        }
    }
}

/// One handler call as backups are compared: the event, its result, how many probes said no.
/// Displayed as `OnFreeze → false with VSS_E_WRITERERROR_RETRYABLE (…), a probe says no`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Behaviour {
    pub(crate) event: WriterEvent,
    pub(crate) ok: bool,
    failure: Option<Hresult>,
    panicked: bool,
    probes_saying_no: usize,
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} → ", self.event.handler_name())?;
        match (self.ok, self.failure, self.panicked) {
            (_, Some(hr), true) => write!(f, "panicked after SetWriterFailure({hr})")?,
            (_, None, true) => f.write_str("panicked")?,
            (ok, Some(hr), _) => write!(f, "{ok} with {hr}")?,
            (ok, None, _) => write!(f, "{ok}")?,
        }
        match self.probes_saying_no {
            0 => Ok(()),
            1 => f.write_str(", a probe says no"),
            n => write!(f, ", {n} probes say no"),
        }
    }
}

/// The writer under test's handler calls in `trace`, paired with the kit's observations.
pub(crate) fn handlings(
    trace: &Trace,
    subject: WriterNo,
    observations: Vec<Observation>,
) -> Vec<Handling> {
    let mut handlings: Vec<Handling> = Vec::with_capacity(observations.len());
    let mut observed = observations.into_iter();
    for record in trace.records() {
        match &record.event {
            TraceEvent::Delivered {
                session,
                writer,
                event,
                ..
            } if *writer == subject => handlings.push(Handling {
                session: *session,
                event: *event,
                at_ms: record.at_ms,
                ok: true,
                failure: None,
                spent_ms: 0,
                panicked: false,
                panic: None,
                observation: observed.next().unwrap_or_default(),
            }),
            TraceEvent::Handled {
                writer,
                ok,
                failure,
                spent_ms,
                panicked,
                ..
            } if *writer == subject => {
                if let Some(last) = handlings.last_mut() {
                    last.ok = *ok;
                    last.failure = *failure;
                    last.spent_ms = *spent_ms;
                    last.panicked = *panicked;
                }
            }
            TraceEvent::UserCodePanicked {
                code: crate::trace::UserCode::Handler { writer, .. },
                message,
            } if *writer == subject => {
                if let Some(last) = handlings.last_mut() {
                    last.panic = Some(message.clone());
                }
            }
            _ => {}
        }
    }
    handlings
}

/// What the kit knows about a run besides its trace.
pub(crate) struct RunFacts<'a> {
    pub(crate) case: &'a str,
    pub(crate) replay: &'a str,
    pub(crate) subject: WriterNo,
    /// The probes' names and scopes, in declaration order.
    pub(crate) probes: &'a [(String, ScopeKind)],
    /// Nothing goes wrong in the case's own backups.
    pub(crate) happy: bool,
    /// The case makes the writer's freeze window expire on purpose.
    pub(crate) freeze_window_expires: bool,
    /// The follow-up backup's session and what a fresh writer did in its first backup.
    pub(crate) follow_up: Option<(SessionNo, &'a [Behaviour])>,
    /// The at-rest answers of the probes once the run ended (declaration order).
    pub(crate) final_probes: &'a [Option<bool>],
    pub(crate) budgets: &'a BTreeMap<WriterEvent, u64>,
    /// Which runs the engine's own rules are judged in.
    pub(crate) engine: EngineCheck,
}

/// Every finding of one run.
pub(crate) fn judge(trace: &Trace, handlings: &[Handling], facts: &RunFacts<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let finding = |obligation: Obligation, rule: Rule, message: String| Finding {
        case: facts.case.to_owned(),
        obligation,
        rule,
        message,
        trace: trace.clone(),
        replay: facts.replay.to_owned(),
    };
    let every_run = facts.engine == EngineCheck::EveryRun;
    let report = if every_run {
        oracle::check(trace)
    } else {
        oracle::check_writer_rules(trace)
    };
    let mut engine_suspect = false;
    let mut found = |obligation: Obligation, rule: Rule, message: String| {
        findings.push(finding(obligation, rule, message));
    };
    for violation in report.violations() {
        match violation.party {
            Party::Writer => found(Obligation::ApiUse, violation.rule, violation.to_string()),
            Party::Engine if every_run => {
                found(Obligation::EngineBug, violation.rule, violation.to_string());
            }
            // Judged with every engine rule below.
            Party::Engine => engine_suspect = true,
            // The kit's own requesters and providers misbehave on purpose.
            Party::Requester | Party::Provider => {}
        }
    }
    resumes(handlings, facts, &mut found);
    at_rest(handlings, facts, &mut found);
    declared(handlings, facts, &mut found);
    handler_results(handlings, facts, &mut found);
    metadata(handlings, &mut found);
    follow_up(handlings, facts, &mut found);
    windows(trace, handlings, facts, &mut found);
    if !every_run && (engine_suspect || !findings.is_empty()) {
        // Where a run has a finding, the simulated VSS itself is judged too: a finding that an
        // engine bug caused says so, so none is pinned on the writer unexplained.
        for violation in oracle::check(trace).violations_by(Party::Engine) {
            findings.push(finding(
                Obligation::EngineBug,
                violation.rule,
                violation.to_string(),
            ));
        }
    }
    findings
}

/// The names of the probes of kind `kind`(s) whose answer in `answers` is no, quoted.
fn failing(answers: &[Option<bool>], facts: &RunFacts<'_>, kinds: &[ScopeKind]) -> Vec<String> {
    answers
        .iter()
        .zip(facts.probes)
        .filter(|(answer, (_, kind))| **answer == Some(false) && kinds.contains(kind))
        .map(|(_, (name, _))| format!("`{name}`"))
        .collect()
}

/// "the probe `a` says" or "the probes `a`, `b` say".
fn probes_say(names: &[String]) -> String {
    match names {
        [one] => format!("the probe {one} says"),
        many => format!("the probes {} say", many.join(", ")),
    }
}

type Found<'f> = dyn FnMut(Obligation, Rule, String) + 'f;

/// After Abort, a successful Thaw, or BackupShutdown the application runs normally, unless the
/// writer is frozen for another backup at that moment (R55, R57, R71).
fn resumes(handlings: &[Handling], facts: &RunFacts<'_>, found: &mut Found<'_>) {
    let mut frozen: BTreeSet<SessionNo> = BTreeSet::new();
    for h in handlings {
        match h.event {
            WriterEvent::Freeze => {
                frozen.insert(h.session);
                continue;
            }
            WriterEvent::Thaw | WriterEvent::Abort => {
                frozen.remove(&h.session);
            }
            _ => {}
        }
        let (obligation, rule) = match h.event {
            WriterEvent::Abort => (Obligation::ResumesAfterAbort, Rule::R55),
            WriterEvent::Thaw if !h.failed() || h.observation.forced => {
                (Obligation::ResumesAfterThaw, Rule::R71)
            }
            WriterEvent::BackupShutdown => (Obligation::ResumesAfterShutdown, Rule::R57),
            _ => continue,
        };
        let names = failing(&h.observation.answers, facts, &[ScopeKind::Resumed]);
        if !names.is_empty() && frozen.is_empty() {
            found(
                obligation,
                rule,
                format!(
                    "after {} for {} at {} ms {} the application is not running normally",
                    h.event.handler_name(),
                    h.session,
                    h.at_ms,
                    probes_say(&names)
                ),
            );
        }
    }
}

/// R58: whenever no backup of the writer is under way — after the BackupShutdown that ends the
/// last one, before a new backup's Identify, at the end of the run — every probe that must hold
/// at rest does. A failure is charged to the backup that ended last; one already reported is
/// not reported again until the probe says yes once more.
fn at_rest(handlings: &[Handling], facts: &RunFacts<'_>, found: &mut Found<'_>) {
    let mut under_way: BTreeSet<SessionNo> = BTreeSet::new();
    let mut last_ended: Option<(SessionNo, u64)> = None;
    let mut reported = vec![false; facts.probes.len()];
    let mut judge = |answers: &[Option<bool>], when: &dyn Fn() -> String, found: &mut Found<'_>| {
        let mut names = Vec::new();
        for (n, answer) in answers.iter().enumerate() {
            match answer {
                Some(false) if !reported[n] => {
                    reported[n] = true;
                    names.push(format!("`{}`", facts.probes[n].0));
                }
                Some(true) => reported[n] = false,
                _ => {}
            }
        }
        if !names.is_empty() {
            found(
                Obligation::RunningAfterBackups,
                Rule::R58,
                format!(
                    "{}, with no backup under way, {} the application still holds a backup's \
                     state",
                    when(),
                    probes_say(&names)
                ),
            );
        }
    };
    let ended = |last: Option<(SessionNo, u64)>| match last {
        Some((session, at_ms)) => {
            format!(" (the last backup to end was {session}'s, at {at_ms} ms)")
        }
        None => String::new(),
    };
    for h in handlings {
        match h.event {
            WriterEvent::Identify => {
                if under_way.is_empty() && !h.observation.before.is_empty() {
                    let when = || {
                        format!(
                            "before OnIdentify for {} at {} ms{}",
                            h.session,
                            h.at_ms,
                            ended(last_ended)
                        )
                    };
                    judge(&h.observation.before, &when, found);
                }
            }
            WriterEvent::BackupShutdown => {
                under_way.remove(&h.session);
                last_ended = Some((h.session, h.at_ms));
                if under_way.is_empty() {
                    // Resumed probes are judged by `resumes` here: only the at-rest ones.
                    let answers: Vec<Option<bool>> = h
                        .observation
                        .answers
                        .iter()
                        .zip(facts.probes)
                        .map(|(a, (_, kind))| a.filter(|_| *kind == ScopeKind::AtRest))
                        .collect();
                    let when =
                        || format!("after OnBackupShutdown for {} at {} ms", h.session, h.at_ms);
                    judge(&answers, &when, found);
                }
            }
            // A restore is no backup: nothing sends it BackupShutdown (Q20).
            WriterEvent::PreRestore | WriterEvent::PostRestore => {}
            _ => {
                under_way.insert(h.session);
            }
        }
    }
    let when = || format!("every backup has ended{}", ended(last_ended));
    judge(facts.final_probes, &when, found);
}

/// The writer's own statements of where its work belongs (`ProbeScope::When`, R71): after every
/// handler whose history the predicate accepts, the probe holds.
fn declared(handlings: &[Handling], facts: &RunFacts<'_>, found: &mut Found<'_>) {
    for h in handlings {
        let names = failing(&h.observation.answers, facts, &[ScopeKind::When]);
        if !names.is_empty() {
            found(
                Obligation::HoldsWhenDeclared,
                Rule::R71,
                format!(
                    "after {} for {} at {} ms {} no, where the test declared it must hold",
                    h.event.handler_name(),
                    h.session,
                    h.at_ms,
                    probes_say(&names)
                ),
            );
        }
    }
}

/// Panics, repeated aborts, and failures where nothing failed.
fn handler_results(handlings: &[Handling], facts: &RunFacts<'_>, found: &mut Found<'_>) {
    let mut aborts: BTreeMap<SessionNo, u32> = BTreeMap::new();
    let follow_up = facts.follow_up.map(|(session, _)| session);
    for h in handlings.iter().filter(|h| !h.observation.forced) {
        // Only a finding needs the words.
        let what = || {
            format!(
                "{} for {} at {} ms",
                h.event.handler_name(),
                h.session,
                h.at_ms
            )
        };
        if h.panicked {
            let detail = h
                .panic
                .as_deref()
                .map_or_else(String::new, |message| format!(": {message}"));
            found(
                Obligation::NoPanic,
                Rule::R64,
                format!("{} panicked{detail}", what()),
            );
            continue;
        }
        if !h.ok && h.failure.is_none() && h.event != WriterEvent::Identify {
            found(
                Obligation::ExplainsFailure,
                Rule::R64,
                format!(
                    "{} returned false without calling SetWriterFailure: requesters see a \
                     failed writer with no reason",
                    what()
                ),
            );
        }
        if h.event == WriterEvent::Abort {
            let count = aborts.entry(h.session).or_default();
            *count += 1;
            if *count > 1 && h.failed() {
                found(
                    Obligation::ToleratesRepeatedAbort,
                    Rule::R55,
                    format!(
                        "{}, Abort number {count} of that backup, failed ({})",
                        what(),
                        h.behaviour()
                    ),
                );
            }
        }
        let nothing_failed = facts.happy || Some(h.session) == follow_up;
        if nothing_failed && h.failed() {
            found(
                Obligation::SucceedsWhenNothingFails,
                Rule::R64,
                format!(
                    "{} failed although nothing went wrong: {}",
                    what(),
                    h.behaviour()
                ),
            );
        }
    }
}

/// R44: the same document on every Identify.
fn metadata(handlings: &[Handling], found: &mut Found<'_>) {
    let mut identifies = handlings
        .iter()
        .filter(|h| h.event == WriterEvent::Identify && h.ok && !h.panicked)
        .filter_map(|h| h.observation.metadata.as_ref().map(|md| (h, md)));
    let Some((first, expected)) = identifies.next() else {
        return;
    };
    for (h, document) in identifies {
        if document != expected {
            found(
                Obligation::IdenticalMetadata,
                Rule::R44,
                format!(
                    "OnIdentify for {} at {} ms built {document:?}, but for {} at {} ms it built \
                     {expected:?}",
                    h.session, h.at_ms, first.session, first.at_ms
                ),
            );
            return;
        }
    }
}

/// R58: the follow-up backup goes exactly as a fresh writer's first backup.
fn follow_up(handlings: &[Handling], facts: &RunFacts<'_>, found: &mut Found<'_>) {
    let Some((session, reference)) = facts.follow_up else {
        return;
    };
    let got: Vec<Behaviour> = handlings
        .iter()
        .filter(|h| h.session == session)
        .map(Handling::behaviour)
        .collect();
    if got.as_slice() == reference {
        return;
    }
    let at = got
        .iter()
        .zip(reference)
        .position(|(g, r)| g != r)
        .unwrap_or(got.len().min(reference.len()));
    let show = |list: &[Behaviour]| {
        list.get(at)
            .map_or_else(|| "nothing".to_owned(), ToString::to_string)
    };
    found(
        Obligation::NoLeakBetweenBackups,
        Rule::R58,
        format!(
            "the next backup ({session}) went differently from a fresh writer's first backup at \
             its handler #{at}: expected {}, got {}",
            show(reference),
            show(&got)
        ),
    );
}

/// R71 budgets per handler, and R99: the writer's own window expiring when no case made it.
fn windows(trace: &Trace, handlings: &[Handling], facts: &RunFacts<'_>, found: &mut Found<'_>) {
    for h in handlings.iter().filter(|h| !h.observation.forced) {
        if let Some(&budget) = facts.budgets.get(&h.event) {
            if h.spent_ms > budget {
                found(
                    Obligation::HandlerBudget,
                    Rule::R71,
                    format!(
                        "{} for {} at {} ms took {} ms; its budget is {budget} ms",
                        h.event.handler_name(),
                        h.session,
                        h.at_ms,
                        h.spent_ms
                    ),
                );
            }
        }
    }
    if facts.freeze_window_expires {
        return;
    }
    for record in trace.records() {
        if let TraceEvent::TimerFired {
            timer: Timer::FreezeWindow { session, writer },
        } = &record.event
        {
            if *writer != facts.subject {
                continue;
            }
            let own: u64 = handlings
                .iter()
                .filter(|h| h.session == *session && matches!(h.event, WriterEvent::Freeze))
                .map(|h| h.spent_ms)
                .sum();
            found(
                Obligation::FreezeWindow,
                Rule::R99,
                format!(
                    "the Freeze→Thaw window for {session} expired at {} ms; OnFreeze itself took \
                     {own} ms",
                    record.at_ms
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{canonical_backup, Scenario, WriterSpec};
    use crate::trace::TraceRecord;

    /// A backup of one writer whose trace lost its BackupShutdown deliveries: the engine broke
    /// R57 there.
    fn engine_broke_r57() -> Trace {
        let scenario = Scenario {
            name: "engine broke R57".to_owned(),
            description: String::new(),
            policies: crate::vocab::Policies::default(),
            writers: vec![WriterSpec::new("W")],
            providers: Vec::new(),
            volumes: Vec::new(),
            os: Default::default(),
            machine: Default::default(),
            faults: crate::sim::FaultCatalogue::none(),
            steps: canonical_backup(0),
            choices: Vec::new(),
            expect: Default::default(),
        };
        let records: Vec<TraceRecord> = scenario
            .run()
            .trace
            .records()
            .iter()
            .filter(|r| {
                !matches!(
                    r.event,
                    TraceEvent::Delivered {
                        event: WriterEvent::BackupShutdown,
                        ..
                    } | TraceEvent::Handled {
                        event: WriterEvent::BackupShutdown,
                        ..
                    }
                )
            })
            .cloned()
            .collect();
        Trace::from_records(records)
    }

    fn facts<'a>(
        engine: EngineCheck,
        final_probes: &'a [Option<bool>],
        probes: &'a [(String, ScopeKind)],
        budgets: &'a BTreeMap<WriterEvent, u64>,
    ) -> RunFacts<'a> {
        RunFacts {
            case: "happy/full",
            replay: "VSS_SIM_CASE='happy/full' cargo test",
            subject: WriterNo(0),
            probes,
            happy: false,
            freeze_window_expires: false,
            follow_up: None,
            final_probes,
            budgets,
            engine,
        }
    }

    #[test]
    fn the_engine_is_judged_in_every_run_with_a_finding_and_on_request_in_every_run() {
        let trace = engine_broke_r57();
        let budgets = BTreeMap::new();
        let probes = [("accepts writes".to_owned(), ScopeKind::AtRest)];
        let engine_bugs = |engine, final_probes: &[Option<bool>]| -> Vec<Rule> {
            judge(&trace, &[], &facts(engine, final_probes, &probes, &budgets))
                .iter()
                .filter(|f| f.obligation == Obligation::EngineBug)
                .map(|f| f.rule)
                .collect()
        };
        // A finding (a probe says no at the end): the engine's R57 is reported beside it.
        assert_eq!(
            engine_bugs(EngineCheck::OnFindings, &[Some(false)]),
            [Rule::R57]
        );
        // No finding: by default the engine's rules are not looked at.
        assert!(engine_bugs(EngineCheck::OnFindings, &[Some(true)]).is_empty());
        // EveryRun judges them anyway.
        assert_eq!(
            engine_bugs(EngineCheck::EveryRun, &[Some(true)]),
            [Rule::R57]
        );
    }
}
