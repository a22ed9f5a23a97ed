//! The oracle: an independent rule checker that judges a [`Trace`] against the protocol spec.
//!
//! It reads only trace records (never engine internals), replays them into its own bookkeeping,
//! and names the rule behind every [`Violation`] and the [`Party`] that broke it:
//!
//! ```text
//!  Trace ──► replay (model.rs: sessions × writers, ops, sets) ──► rule families ──► Report
//!                                                                  participation R7 R8 R10 R21 R26 R42 R47
//!                                                                  ordering   R19 R43 R45 R46
//!                                                                  abort      R50 R55 R92 R95
//!                                                                  causes     R50 R51 R53 R56 R65 R99
//!                                                                  obligations R25 R26 R52 R54 (requester)
//!                                                                  shutdown   R32 R57
//!                                                                  states     R75 R76 T2 (Q12 policies)
//!                                                                  timers     R89 R99
//!                                                                  serialization R15
//!                                                                  store      R33 R34 R104 (shadow copies)
//!                                                                  queries    R66 R68 R69 R70
//!                                                                  structure  TRACE (malformed records)
//!                                                                  termination BOUND (runs cut at a bound)
//! ```
//!
//! ```
//! use vss_sim::requester::Vss;
//! use vss_sim::trace::oracle;
//!
//! let vss = Vss::builder().build();
//! drop(vss.dynamic()); // a requester object created and released: nothing to break
//! assert!(oracle::check(&vss.trace()).is_clean());
//!
//! // Nothing recorded, nothing judged: never clean.
//! let report = oracle::check(&vss_sim::trace::Trace::default());
//! assert_eq!(report.violations()[0].rule, vss_sim::vocab::Rule::Trace);
//! ```
//!
//! The oracle never panics, whatever the trace: records that make no sense are reported under
//! the pseudo-rule `TRACE` (party [`Party::Engine`], since the engine wrote them) or ignored.
//!
//! # Where the spec leaves room, the reading the oracle takes
//!
//! * **Policies.** The first `Policies` record is in force for the whole trace; a trace without
//!   one is judged under `Policies::default()` and gets a `TRACE` violation.
//! * **Handler failure.** `ok == false`, a panic or a `SetWriterFailure` code. A *veto* is a code
//!   with `true`; a *fatal* failure is `false` or a panic. `OnIdentify` fails only fatally (its
//!   `SetWriterFailure` must be refused, R66).
//! * **hrFailure** after a failed handler: the `SetWriterFailure` code; without one,
//!   `VSS_E_WRITERERROR_NONRETRYABLE`, or `VSS_E_WRITER_NOT_RESPONDING` for a panic. A panic after
//!   a `SetWriterFailure` accepts either the code or `VSS_E_WRITER_NOT_RESPONDING`.
//! * **States (T2).** Every writer starts each session in `VSS_WS_STABLE` / `S_OK`. A failed
//!   handler always records its `FAILED_AT_*` state and code (a later failure replaces an earlier
//!   one, `OnBackupShutdown` included); a failed writer stays failed through later successful
//!   handlers (sticky), Abort applies `state_after_abort`, a successful BackupShutdown
//!   `state_after_shutdown`. Identify never changes the state (Q11: `FAILED_AT_IDENTIFY` is
//!   unreachable; the writer is dropped). A freeze-window expiry always moves the writer to
//!   `FAILED_AT_FREEZE` / `VSS_E_WRITERERROR_TIMEOUT` (R76). A missing `StateChanged` is noticed
//!   at the writer's next handler, its next `StatusReported`, or the end of the trace.
//!   `StatusReported` is judged against the states when the session's last `GatherWriterStatus`
//!   ran (between its start and its completion, R29, R30), or the current state if none ran.
//! * **Taking part.** A writer takes part in a session's backup once it received PrepareForBackup
//!   or PrepareForSnapshot there and was not dropped (IdentifyFailed, ClassDisabled,
//!   NothingSelected). A writer has nothing selected when, in component mode, no component
//!   added so far matches it (by instance id, or by class id when the component's instance id is
//!   `GUID_NULL`): judged when it receives PrepareForBackup (or PrepareForSnapshot, for a
//!   DoSnapshotSet without PrepareForBackup), and when a `NothingSelected` drop is recorded. In a
//!   no-writer context (R42) writers take no part at any time: a `NothingSelected` drop is fine,
//!   writer events are not, and no Abort or BackupShutdown is owed.
//! * **Abort reach.** Each `AbortRaised` defines who must and who may receive Abort: the writers
//!   that took part and have not returned from `OnPostSnapshot` (only the failing writer under
//!   `WriterAbortScope::FailingWriter`; plus the identified writers without PrepareForBackup under
//!   `AbortBackupReach::FromStartSnapshotSet` once a set exists). Writers already aborted *may* get
//!   it again (R55). A writer that must be aborted has to receive Abort before its next other
//!   event of the session, before `DoSnapshotSet` completes, or before the trace ends. An
//!   `AbortBackup` raises Abort at most once per session, and only while a backup
//!   (PrepareForBackup) or a set in creation is under way (R53). A writer whose freeze window
//!   fired is out of the operation's remaining events like an aborted one.
//! * **Abort obligations** (R50, R95, R99): a `false`/panicking `OnFreeze`/`OnThaw` (or a veto
//!   under `VetoAtFreezeThaw::Abort`), a failed provider step while `DoSnapshotSet` is pending, a
//!   release or crash while it is pending, and a fired freeze window, each oblige the engine to
//!   abort the writers concerned by those same deadlines.
//! * **BackupShutdown** (R57) is owed, after `Release`/crash, to every writer that received
//!   PrepareForBackup in a session that raised it; writers that only received PrepareForSnapshot
//!   (`DoSnapshotSet` without `PrepareForBackup`) may get it; under
//!   `ShutdownFor::EveryBackupInstance` identified writers of a session that gathered metadata are
//!   owed one with `GUID_NULL`. The set id is the session's own when its `DoSnapshotSet` created
//!   the set (finished, or `SetCreationEnded::Created`), else `GUID_NULL`; after a crash under
//!   `OtherBackupWhenPresent` also the set of another live session the writer takes part in.
//!   Missing shutdowns are reported at the end of the trace.
//! * **The VSS service restarting** (`ServiceRestarted`): every session not released by then is
//!   lost. Nothing is owed to its writers from then on (no Abort, no BackupShutdown, no abort
//!   deadline at its operation's end; an Abort a writer's own freeze timeout raises may still
//!   come), the operation it had in flight must end with `Policies::lost_service`'s in-flight
//!   code, and each of its later calls that needs the service (`Call::needs_service`) must
//!   return the policy's code for later calls (R32); after its `Release` it is gone as usual.
//! * **R52/R54** (requester): a `Release` (not a crash) after a successful `PrepareForBackup` call,
//!   unless PrepareForBackup failed, `AbortBackup` succeeded after it, or `BackupComplete`
//!   completed (any status, R39). R54 instead of R52 when `DoSnapshotSet` had failed or been
//!   cancelled.
//! * **Set creation** (R15) runs from a successful `StartSnapshotSet` (whose `SetCreationStarted`
//!   must follow before the session's next call) to `SetCreationEnded`, which may come at any
//!   time but at the latest before the next call once `DoSnapshotSet` completed or the session
//!   went away.
//! * **Timers.** A timer may fire at or after its deadline; a Thaw delivered exactly at the
//!   deadline is in time. A Thaw or an Abort delivered to a writer disarms its freeze window even
//!   without `TimerStopped`. Thaw order among application levels is not checked (Q7).
//! * **Restore** (R78–R83, `restore.rs`): `InitializeForRestore` succeeds exactly when its
//!   document loads; in component mode PreRestore and PostRestore reach only writers with a
//!   component selected for restore when PreRestore was called, each of them gets PreRestore
//!   and every writer that got PreRestore (and is still in) gets PostRestore; the requester sets
//!   a file restore status for every selected component before PostRestore and does not release
//!   its object between PreRestore and the end of PostRestore.
//! * **Writes into the document** (R49, R114): each `IVssComponent` write a writer makes is
//!   judged by the handler it made it in; elsewhere the writer is at fault and the engine must
//!   refuse it with `VSS_E_BAD_STATE`.
//! * **Query windows** (Q9, R68–R70): `GetCurrentSnapshotSetId` and the volume queries are judged
//!   by `query_window`; inside the window they must succeed, outside they must fail with
//!   `VSS_E_BAD_STATE` and the writer is at fault.

mod abort;
mod causes;
mod coverage;
mod label;
mod model;
mod obligations;
mod ordering;
mod participation;
mod queries;
mod restore;
#[cfg(test)]
mod scenarios;
mod serialization;
mod shutdown;
mod states;
mod store;
mod structure;
mod tables;
mod termination;
#[cfg(test)]
mod test_support;
mod timers;

use std::collections::BTreeSet;
use std::fmt;

pub use self::coverage::{Coverage, Situation};

use self::model::{Model, Stamp};
use super::{Trace, TraceEvent, TraceMode};
use crate::vocab::Rule;
use crate::vocab::WriterState;

/// Judges `trace` by every rule the oracle knows.
///
/// A trace with nothing to judge is not clean: one recorded with `TraceMode::Off`, or an empty
/// one, gets a `TRACE` violation, so a check cannot pass without judging.
pub fn check(trace: &Trace) -> Report {
    judge::<Families>(trace)
}

/// Judges `trace` by the rules only a writer can break: its queries and document writes in
/// their windows (R49, R66, R68–R70, R114) and handlers that never return (`BOUND`). Every
/// [`Party::Writer`] violation [`check`] finds, this finds too, in about a sixth of the time: for a
/// test of a writer on a simulator already judged by the full check elsewhere (the test kit
/// runs the full check wherever a run has a finding). Engine violations of those families are
/// reported too; those of the other families are not looked for, so a clean report says only
/// that no writer broke a rule, and its coverage is partial.
pub fn check_writer_rules(trace: &Trace) -> Report {
    judge::<WriterFamilies>(trace)
}

/// Replays `trace` into the model and judges each record by the families `F`.
fn judge<F: Rules + Default>(trace: &Trace) -> Report {
    let mut model = Model::default();
    let mut findings = Findings::default();
    let unjudged = if trace.mode() == TraceMode::Off {
        Some("the trace was not recorded (TraceMode::Off): there is nothing to judge")
    } else if trace.records().is_empty() {
        Some("the trace is empty: there is nothing to judge")
    } else {
        None
    };
    if let Some(message) = unjudged {
        findings.violations.push(Violation {
            rule: Rule::Trace,
            party: Party::Engine,
            at_ms: 0,
            record_index: 0,
            message: message.to_owned(),
        });
    }
    let mut families = F::default();
    let mut now = Stamp::default();
    for (index, record) in trace.records().iter().enumerate() {
        now = Stamp {
            index,
            at_ms: record.at_ms,
        };
        let mut cx = Cx {
            model: &model,
            now,
            findings: &mut findings,
        };
        families.observe(&mut cx, &record.event);
        model.apply(now, &record.event);
    }
    let mut cx = Cx {
        model: &model,
        now,
        findings: &mut findings,
    };
    families.finish(&mut cx);
    let Findings {
        mut violations,
        coverage,
    } = findings;
    violations.sort_by_key(|violation| violation.record_index);
    Report {
        violations,
        coverage,
    }
}

/// The oracle's rule families, by name, with the rules each judges: which part of the oracle
/// checks a rule (the rule catalogue lists it with each entry).
pub fn families() -> [(&'static str, &'static [Rule]); 14] {
    [
        ("structure", structure::RULES),
        ("participation", participation::RULES),
        ("ordering", ordering::RULES),
        ("abort", abort::RULES),
        ("causes", causes::RULES),
        ("obligations", obligations::RULES),
        ("shutdown", shutdown::RULES),
        ("states", states::RULES),
        ("timers", timers::RULES),
        ("serialization", serialization::RULES),
        ("queries", queries::RULES),
        ("store", store::RULES),
        ("restore", restore::RULES),
        ("termination", termination::RULES),
    ]
}

/// Every rule family, in the order they look at each record (the order of their findings for
/// one record). Plain fields rather than a list of boxed `dyn Rules`: `check` runs once per
/// explored execution, and static calls cost neither allocations nor indirect jumps per record.
#[derive(Default)]
struct Families {
    structure: structure::StructureRules,
    participation: participation::ParticipationRules,
    ordering: ordering::OrderRules,
    abort: abort::AbortRules,
    causes: causes::CauseRules,
    obligations: obligations::ObligationRules,
    shutdown: shutdown::ShutdownRules,
    states: states::StateRules,
    timers: timers::TimerRules,
    serialization: serialization::SerializationRules,
    queries: queries::QueryRules,
    store: store::StoreRules,
    restore: restore::RestoreRules,
    termination: termination::TerminationRules,
}

impl Rules for Families {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        self.structure.observe(cx, event);
        self.participation.observe(cx, event);
        self.ordering.observe(cx, event);
        self.abort.observe(cx, event);
        self.causes.observe(cx, event);
        self.obligations.observe(cx, event);
        self.shutdown.observe(cx, event);
        self.states.observe(cx, event);
        self.timers.observe(cx, event);
        self.serialization.observe(cx, event);
        self.queries.observe(cx, event);
        self.store.observe(cx, event);
        self.restore.observe(cx, event);
        self.termination.observe(cx, event);
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        self.structure.finish(cx);
        self.participation.finish(cx);
        self.ordering.finish(cx);
        self.abort.finish(cx);
        self.causes.finish(cx);
        self.obligations.finish(cx);
        self.shutdown.finish(cx);
        self.states.finish(cx);
        self.timers.finish(cx);
        self.serialization.finish(cx);
        self.queries.finish(cx);
        self.store.finish(cx);
        self.restore.finish(cx);
        self.termination.finish(cx);
    }
}

/// The families judging what a writer can break ([`check_writer_rules`]).
#[derive(Default)]
struct WriterFamilies {
    queries: queries::QueryRules,
    termination: termination::TerminationRules,
}

impl Rules for WriterFamilies {
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent) {
        self.queries.observe(cx, event);
        self.termination.observe(cx, event);
    }

    fn finish(&mut self, cx: &mut Cx<'_>) {
        self.queries.finish(cx);
        self.termination.finish(cx);
    }
}

/// Who broke a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// The simulated VSS broke a documented rule: a bug in vss-sim.
    Engine,
    /// The requester program broke an obligation (R25, R26, R52, R54).
    Requester,
    /// The writer misused the API (R66, R68, R69, R70) or never returned from a handler
    /// (`BOUND`).
    Writer,
    /// A provider never returned from a call (`BOUND`).
    Provider,
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Engine => "engine",
            Self::Requester => "requester",
            Self::Writer => "writer",
            Self::Provider => "provider",
        })
    }
}

/// One broken rule, where it was noticed, and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule, as the spec numbers it (`Rule::R55`), or `Rule::Trace` for a malformed trace.
    pub rule: Rule,
    /// Who broke it.
    pub party: Party,
    /// Virtual time of the record that shows the violation.
    pub at_ms: u64,
    /// Index of that record in the trace.
    pub record_index: usize,
    /// What happened, concretely.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} [{}] record #{} at {} ms: {}",
            self.rule, self.party, self.record_index, self.at_ms, self.message
        )
    }
}

/// The oracle's verdict on one trace: violations, in trace order, and coverage.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    violations: Vec<Violation>,
    coverage: Coverage,
}

impl Report {
    /// Every violation, in trace order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// True when no rule was broken by anyone.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }

    /// The violations `party` committed.
    pub fn violations_by(&self, party: Party) -> Vec<&Violation> {
        self.violations
            .iter()
            .filter(|violation| violation.party == party)
            .collect()
    }

    /// The engine's violations: bugs in vss-sim.
    pub fn engine_violations(&self) -> Vec<&Violation> {
        self.violations_by(Party::Engine)
    }

    /// The distinct rules broken, by anyone.
    pub fn rules_broken(&self) -> BTreeSet<Rule> {
        self.violations
            .iter()
            .map(|violation| violation.rule)
            .collect()
    }

    /// What the trace exercised.
    pub fn coverage(&self) -> &Coverage {
        &self.coverage
    }

    /// The report as JSON, for tools: `clean`, the `violations` (each with `rule`, `party`,
    /// `at_ms`, `record_index`, `message`), the `rules_exercised` and the `states_reached`.
    ///
    /// ```
    /// let vss = vss_sim::requester::Vss::builder().build();
    /// drop(vss.backup_components().initialize_for_backup());
    /// let json = vss_sim::trace::oracle::check(&vss.trace()).to_json();
    /// assert_eq!(json["clean"], true);
    /// assert!(json["violations"].as_array().unwrap().is_empty());
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        let violations: Vec<serde_json::Value> = self
            .violations
            .iter()
            .map(|v| {
                serde_json::json!({
                    "rule": v.rule.to_string(),
                    "party": v.party.to_string(),
                    "at_ms": v.at_ms,
                    "record_index": v.record_index,
                    "message": v.message,
                })
            })
            .collect();
        let rules: Vec<String> = self
            .coverage
            .rules_exercised()
            .iter()
            .map(ToString::to_string)
            .collect();
        let states: Vec<String> = self
            .coverage
            .states_reached()
            .iter()
            .map(|state| format!("{state:?}"))
            .collect();
        serde_json::json!({
            "clean": self.is_clean(),
            "violations": violations,
            "rules_exercised": rules,
            "states_reached": states,
        })
    }

    /// Panics with a readable listing unless the report is clean.
    #[track_caller]
    pub fn assert_clean(&self) {
        if !self.is_clean() {
            panic!("the oracle found violations:\n{self}");
        }
    }

    /// Panics with a readable listing if the engine broke a rule; requester and writer violations
    /// are allowed (a test driving a misbehaving requester or writer).
    #[track_caller]
    pub fn assert_engine_clean(&self) {
        if !self.engine_violations().is_empty() {
            panic!("the oracle found engine violations:\n{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.violations.is_empty() {
            writeln!(f, "no violations")?;
        } else {
            writeln!(f, "{} violation(s):", self.violations.len())?;
            for violation in &self.violations {
                writeln!(f, "  {violation}")?;
            }
        }
        write!(f, "{}", self.coverage)
    }
}

/// What the rule families found so far.
#[derive(Default)]
struct Findings {
    violations: Vec<Violation>,
    coverage: Coverage,
}

/// What a rule family sees of one record: the model before it, and where to report.
struct Cx<'a> {
    /// The model as it stood before this record.
    model: &'a Model,
    /// This record.
    now: Stamp,
    findings: &'a mut Findings,
}

impl Cx<'_> {
    /// Reports an engine violation at the current record.
    fn engine(&mut self, rule: Rule, message: String) {
        self.report_at(self.now, Party::Engine, rule, message);
    }

    /// Reports a requester violation at the current record.
    fn requester(&mut self, rule: Rule, message: String) {
        self.report_at(self.now, Party::Requester, rule, message);
    }

    /// Reports a writer violation at the current record.
    fn writer(&mut self, rule: Rule, message: String) {
        self.report_at(self.now, Party::Writer, rule, message);
    }

    /// Reports a violation attributed to an earlier record.
    fn report_at(&mut self, at: Stamp, party: Party, rule: Rule, message: String) {
        self.findings.violations.push(Violation {
            rule,
            party,
            at_ms: at.at_ms,
            record_index: at.index,
            message,
        });
    }

    /// Marks a situation as reached.
    fn cover(&mut self, situation: Situation) {
        self.findings.coverage.cover(situation);
    }

    /// Marks a writer state as seen.
    fn reach(&mut self, state: WriterState) {
        self.findings.coverage.reach(state);
    }
}

/// One family of rules: it observes every record (before the model applies it) and may report
/// pending obligations at the end.
trait Rules {
    /// Looks at one record.
    fn observe(&mut self, cx: &mut Cx<'_>, event: &TraceEvent);

    /// The trace has ended.
    fn finish(&mut self, cx: &mut Cx<'_>) {
        let _ = cx;
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{delivery, happy_path, rules, W0};
    use super::*;
    use crate::vocab::WriterEvent;

    #[test]
    fn each_family_declares_the_rules_it_reports() {
        // Every `Rule::…` a family's code names (outside its tests) is in its RULES, and the
        // other way round, so the catalogue's "checked by" column cannot drift from the code.
        let sources = [
            include_str!("structure.rs"),
            include_str!("participation.rs"),
            include_str!("ordering.rs"),
            include_str!("abort.rs"),
            include_str!("causes.rs"),
            include_str!("obligations.rs"),
            include_str!("shutdown.rs"),
            include_str!("states.rs"),
            include_str!("timers.rs"),
            include_str!("serialization.rs"),
            include_str!("queries.rs"),
            include_str!("store.rs"),
            include_str!("restore.rs"),
            include_str!("termination.rs"),
        ];
        for ((name, declared), source) in families().into_iter().zip(sources) {
            let code = source.split("mod tests").next().unwrap_or(source);
            let code = code.split("pub(super) const RULES").collect::<Vec<_>>();
            let (before, after) = (
                code[0],
                code.get(1)
                    .map_or("", |rest| rest.split_once(';').map_or("", |(_, tail)| tail)),
            );
            let mut used: Vec<Rule> = [before, after]
                .iter()
                .flat_map(|part| part.split("Rule::").skip(1))
                .filter_map(|rest| {
                    let id: String = rest.chars().take_while(|c| c.is_alphanumeric()).collect();
                    // The simulator's own entries read in capitals (`Rule::Serial` is SERIAL).
                    let id = if matches!(id.as_str(), "Trace" | "Bound" | "Serial" | "Waits") {
                        id.to_uppercase()
                    } else {
                        id
                    };
                    Rule::from_id(&id)
                })
                .collect();
            used.sort_unstable();
            used.dedup();
            let mut declared = declared.to_vec();
            declared.sort_unstable();
            assert_eq!(used, declared, "family `{name}`");
        }
    }

    #[test]
    fn t5_happy_path_is_clean() {
        // T5: one writer, one volume, the canonical sequence (R40).
        let report = check(&Trace::from_records(happy_path()));
        report.assert_clean();
        let coverage = report.coverage();
        assert!(coverage.reached(Situation::BackupComplete)); // R43
        assert!(coverage.reached(Situation::StatusReported)); // T2
        assert!(coverage
            .states_reached()
            .contains(&WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE));
    }

    #[test]
    fn a_trace_with_nothing_to_judge_is_not_clean() {
        let empty = check(&Trace::default());
        assert_eq!(rules(&empty), [Rule::Trace]);
        let mut off = Trace::new(TraceMode::Off);
        off.push(0, TraceEvent::Policies(crate::vocab::Policies::default()));
        let report = check(&off);
        assert_eq!(rules(&report), [Rule::Trace]);
        assert!(report.to_string().contains("TraceMode::Off"), "{report}");
    }

    #[test]
    fn report_lists_violations_readably() {
        let mut records = happy_path();
        records.remove(0); // no Policies record
        let report = check(&Trace::from_records(records));
        assert_eq!(rules(&report), [Rule::Trace]);
        let text = report.to_string();
        assert!(text.contains("TRACE [engine] record #0 at 0 ms"), "{text}");
        let clean = report.clone();
        assert!(std::panic::catch_unwind(move || clean.assert_clean()).is_err());
        assert!(std::panic::catch_unwind(move || report.assert_engine_clean()).is_err());
    }

    #[test]
    fn violations_sort_by_record() {
        // R57's missing shutdown is found at the end but belongs to the Release record; the
        // TRACE violation is found when the (retimed) record after the DoSnapshotSet is read.
        let mut records = happy_path();
        let shutdown = delivery(&records, W0, WriterEvent::BackupShutdown);
        records.truncate(shutdown);
        let complete = delivery(&records, W0, WriterEvent::BackupComplete);
        records[complete].at_ms = 0;
        let report = check(&Trace::from_records(records));
        assert_eq!(rules(&report), [Rule::R57, Rule::Trace], "{report}");
        let indexes: Vec<_> = report.violations().iter().map(|v| v.record_index).collect();
        assert!(indexes.windows(2).all(|w| w[0] <= w[1]), "{report}");
        assert_eq!(report.violations()[0].rule, Rule::Trace);
        assert!(report.violations_by(Party::Writer).is_empty());
    }
}
