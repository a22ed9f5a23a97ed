//! Running a scenario: build the machine with fault injectors around every writer and provider,
//! drive the requester programs, collect what happened.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::scenario::ShutdownSetId;
use super::{
    FaultInjector, FaultyProvider, FaultyWriter, ReplayChooser, RequesterFault, Scenario,
    SharedChooser, Step,
};
use crate::coordinator::PlantedBug;
use crate::provider::{Provider, SoftwareProvider};
use crate::requester::{DynBackupComponents, Vss};
use crate::trace::{oracle, Trace, TraceEvent, TraceMode};
use crate::vocab::{
    Call, ComponentKey, Hresult, OpNo, ProviderId, Reply, Rule, SnapshotSetId, WriterClassId,
    WriterEvent, WriterState,
};
use crate::vocab::{SessionNo, WriterNo};
use crate::writer::{Outcome, Writer, WriterConfig};

/// Writer states and `hrFailure` by writer name, as `GetWriterStatus` reports them.
type StatusRows = BTreeMap<String, (WriterState, Hresult)>;

/// A scripted writer's stuck failure ([`ScriptedWriter::stuck`](crate::writer::ScriptedWriter)).
type StuckFailure = Rc<Cell<Option<Outcome>>>;

/// A writer that replaces a scenario's own: its configuration, the writer, and whether the
/// scenario's fault catalogue applies to it.
pub(crate) type Substitute = (WriterConfig, Box<dyn Writer>, bool);

/// Writers and providers that replace a scenario's own, by index: each closure gets the
/// scenario's configuration (or provider) and returns the replacement, or `None` to keep it.
pub(crate) struct Substitutes<'a> {
    pub(crate) writer: &'a mut dyn FnMut(usize, &WriterConfig) -> Option<Substitute>,
    pub(crate) provider: &'a mut dyn FnMut(usize, SoftwareProvider) -> Option<Box<dyn Provider>>,
}

impl Substitutes<'_> {
    /// Runs `f` with substitutes that keep every writer and provider of the scenario.
    fn none<R>(f: impl FnOnce(&mut Substitutes<'_>) -> R) -> R {
        let mut keep_writer = |_: usize, _: &WriterConfig| None;
        let mut keep_provider = |_: usize, _: SoftwareProvider| None;
        f(&mut Substitutes {
            writer: &mut keep_writer,
            provider: &mut keep_provider,
        })
    }
}

/// How to run a scenario besides its chooser.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// A deliberate engine bug (tests of the checkers only).
    #[doc(hidden)]
    pub planted_bug: Option<PlantedBug>,
}

/// What one program step returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepResult {
    /// The step's index in the scenario.
    pub index: usize,
    /// The requester that ran it.
    pub requester: u32,
    /// What it returned (`Wait`: the operation's status; skipped steps: `None`).
    pub hr: Option<Hresult>,
    /// The requester fault injected instead of the step, if any.
    pub fault: Option<RequesterFault>,
    /// `GetWriterStatus`: the rows the requester read (none when the calls failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusRows>,
    /// `GetWriterMetadata`: the writers whose metadata the requester could read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Vec<String>>,
}

impl StepResult {
    fn new(index: usize, requester: u32) -> Self {
        Self {
            index,
            requester,
            hr: None,
            fault: None,
            status: None,
            metadata: None,
        }
    }
}

/// Everything a scenario run produced.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The trace.
    pub trace: Trace,
    /// Each step's result, in order.
    pub results: Vec<StepResult>,
    /// Each writer's final state and `hrFailure` in requester 0's session, by name: what a
    /// `GetWriterStatus` at the end would report, so writers the requester never identified
    /// (R10, R7) are absent.
    pub writer_states: StatusRows,
    /// The same for every requester, by requester number (requester 0 included).
    pub requester_states: BTreeMap<u32, StatusRows>,
}

impl RunOutcome {
    /// The events writer `name` received from requester 0.
    pub fn events(&self, name: &str) -> Vec<WriterEvent> {
        self.events_of(0, name)
    }

    /// The events writer `name` received from requester `requester`.
    pub fn events_of(&self, requester: u32, name: &str) -> Vec<WriterEvent> {
        let Some(writer) = self.writer_no(name) else {
            return Vec::new();
        };
        self.trace
            .records()
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Delivered {
                    session,
                    writer: w,
                    event,
                    ..
                } if *w == writer && *session == SessionNo(requester) => Some(*event),
                _ => None,
            })
            .collect()
    }

    /// What the set id of the first BackupShutdown writer `name` received from requester
    /// `requester` was (R57), or `None` if it received none.
    pub fn shutdown_set_id(&self, requester: u32, name: &str) -> Option<ShutdownSetId> {
        let writer = self.writer_no(name)?;
        let session = SessionNo(requester);
        let records = self.trace.records();
        let own = records.iter().find_map(|r| match &r.event {
            TraceEvent::SetCreationStarted { session: s, set } if *s == session => Some(*set),
            _ => None,
        });
        let set = records.iter().find_map(|r| match &r.event {
            TraceEvent::Delivered {
                session: s,
                writer: w,
                event: WriterEvent::BackupShutdown,
                set,
            } if *s == session && *w == writer => Some(*set),
            _ => None,
        })?;
        Some(if set == SnapshotSetId::NULL {
            ShutdownSetId::GUID_NULL
        } else if Some(set) == own {
            ShutdownSetId::Own
        } else {
            ShutdownSetId::Other
        })
    }

    fn writer_no(&self, name: &str) -> Option<WriterNo> {
        self.trace.records().iter().find_map(|r| match &r.event {
            TraceEvent::WriterRegistered {
                writer, name: n, ..
            } if n == name => Some(*writer),
            _ => None,
        })
    }
}

impl Scenario {
    /// Runs the scenario with its recorded `choices` (none: always the first option).
    pub fn run(&self) -> RunOutcome {
        self.run_with(
            SharedChooser::new(ReplayChooser::new(self.choices.clone())),
            RunOptions::default(),
        )
    }

    /// Runs the scenario with `chooser` making every decision.
    pub fn run_with(&self, chooser: SharedChooser, options: RunOptions) -> RunOutcome {
        self.run_traced(chooser, options, TraceMode::Record)
    }

    pub(crate) fn run_traced(
        &self,
        chooser: SharedChooser,
        options: RunOptions,
        mode: TraceMode,
    ) -> RunOutcome {
        Substitutes::none(|keep| self.run_substituted(chooser, options, mode, keep))
    }

    /// Runs the scenario with some of its writers and providers replaced by `substitutes` (the
    /// test kit's writer under test and its one-shot faults); fault injection still wraps them.
    pub(crate) fn run_substituted(
        &self,
        chooser: SharedChooser,
        options: RunOptions,
        mode: TraceMode,
        substitutes: &mut Substitutes<'_>,
    ) -> RunOutcome {
        let faults = FaultInjector::new(self.faults.clone(), chooser.clone());
        let (vss, results, requesters) = self.drive(&faults, chooser, options, mode, substitutes);
        let requester_states: BTreeMap<u32, StatusRows> = (0..requesters)
            .map(|n| {
                let n = u32::try_from(n).unwrap_or(u32::MAX);
                (n, final_states(&vss, SessionNo(n)))
            })
            .collect();
        RunOutcome {
            trace: vss.take_trace(),
            results,
            writer_states: requester_states.get(&0).cloned().unwrap_or_default(),
            requester_states,
        }
    }

    /// Runs like [`Scenario::run_with`] for an explorer, which runs one scenario many times and
    /// keeps only each run's trace: the fault catalogue is shared between runs instead of
    /// copied for each, and the writers' final states are not read back.
    pub(crate) fn trace_with(
        &self,
        catalogue: &Rc<super::FaultCatalogue>,
        chooser: SharedChooser,
        options: RunOptions,
    ) -> Trace {
        let faults = FaultInjector::shared(catalogue.clone(), chooser.clone());
        let (vss, _results, _requesters) = Substitutes::none(|keep| {
            self.drive(&faults, chooser, options, TraceMode::Record, keep)
        });
        vss.take_trace()
    }

    /// Builds the machine, with `substitutes` in place of some writers and providers and
    /// `faults` around them, and runs the requester programs: the machine, each step's result
    /// and the number of requesters.
    fn drive(
        &self,
        faults: &FaultInjector,
        chooser: SharedChooser,
        options: RunOptions,
        mode: TraceMode,
        substitutes: &mut Substitutes<'_>,
    ) -> (Vss, Vec<StepResult>, usize) {
        let mut builder = Vss::builder()
            .chooser(chooser)
            .policies(self.policies)
            .trace_mode(mode);
        let mut stuck = BTreeMap::new();
        for (index, (config, writer)) in self.writer_configs().into_iter().enumerate() {
            let (config, writer, faulty) = match (substitutes.writer)(index, &config) {
                Some(substitute) => substitute,
                None => {
                    // The writer is boxed into the machine; its stuck failure stays reachable.
                    stuck
                        .entry(config.name.clone())
                        .or_insert_with(Vec::new)
                        .push(writer.stuck.clone());
                    let writer: Box<dyn Writer> = Box::new(writer);
                    (config, writer, true)
                }
            };
            let writer: Box<dyn Writer> = if faulty {
                Box::new(FaultyWriter::new(writer, index as u32, faults.clone()))
            } else {
                writer
            };
            builder = builder.boxed_writer(config, writer);
        }
        for (index, provider) in self.provider_list().into_iter().enumerate() {
            let provider: Box<dyn Provider> = (substitutes.provider)(index, provider.clone())
                .unwrap_or_else(|| Box::new(provider));
            builder = builder.provider(FaultyProvider::new(provider, index as u32, faults.clone()));
        }
        for volume in &self.volumes {
            builder = builder.volume(volume.clone());
        }
        if let Some(bug) = options.planted_bug {
            builder = builder.planted_bug(bug);
        }
        let vss = builder.build();
        let driver = Driver::new(&vss, self, faults, stuck);
        let requesters = driver.requesters.len();
        let results = driver.run();
        (vss, results, requesters)
    }

    /// Compares `outcome` with the scenario's step expectations and [`Expectations`]; returns
    /// every mismatch, described for a person.
    ///
    /// [`Expectations`]: super::Expectations
    pub fn check(&self, outcome: &RunOutcome) -> Result<(), Vec<String>> {
        let mut mismatches = Vec::new();
        for (step, result) in self.steps.iter().zip(&outcome.results) {
            check_step(step, result, &mut mismatches);
        }
        let expect = &self.expect;
        let mut requesters = vec![(
            0,
            &expect.writer_states,
            &expect.events,
            &expect.shutdown_set_ids,
        )];
        requesters.extend(expect.requesters.iter().map(|r| {
            (
                r.requester,
                &r.writer_states,
                &r.events,
                &r.shutdown_set_ids,
            )
        }));
        for (requester, states, events, shutdowns) in requesters {
            let got_states = outcome.requester_states.get(&requester);
            for (name, expected) in states {
                match got_states.and_then(|rows| rows.get(name)) {
                    Some(got) if got == expected => {}
                    got => mismatches.push(format!(
                        "requester {requester}, writer {name}: expected state {expected:?}, got \
                         {got:?}"
                    )),
                }
            }
            for (name, expected) in events {
                let got = outcome.events_of(requester, name);
                if &got != expected {
                    mismatches.push(format!(
                        "requester {requester}, writer {name}: expected events {expected:?}, got \
                         {got:?}"
                    ));
                }
            }
            for (name, expected) in shutdowns {
                let got = outcome.shutdown_set_id(requester, name);
                if got != Some(*expected) {
                    mismatches.push(format!(
                        "requester {requester}, writer {name}: expected BackupShutdown with \
                         {expected:?}, got {got:?}"
                    ));
                }
            }
        }
        let report = oracle::check(&outcome.trace);
        let broken: Vec<Rule> = report.rules_broken().into_iter().collect();
        let mut wanted = self.expect.violations.clone();
        wanted.sort_unstable();
        wanted.dedup();
        if broken != wanted {
            mismatches.push(format!(
                "oracle: expected violations of {wanted:?}, got:\n{report}"
            ));
        }
        if mismatches.is_empty() {
            Ok(())
        } else {
            Err(mismatches)
        }
    }
}

/// Drives the requester programs of one run.
struct Driver<'a> {
    vss: &'a Vss,
    scenario: &'a Scenario,
    faults: &'a FaultInjector,
    requesters: BTreeMap<u32, Requester>,
    /// Each scripted writer's stuck failure, by writer name (every instance of that name), for
    /// `RestartWriter`.
    stuck: BTreeMap<String, Vec<StuckFailure>>,
}

struct Requester {
    bc: DynBackupComponents,
    last_op: Option<OpNo>,
}

impl<'a> Driver<'a> {
    fn new(
        vss: &'a Vss,
        scenario: &'a Scenario,
        faults: &'a FaultInjector,
        stuck: BTreeMap<String, Vec<StuckFailure>>,
    ) -> Self {
        // Requester n is session n: create them all, in order, up front. `RestartWriter` is
        // not a requester's step.
        let count = scenario
            .steps
            .iter()
            .filter(|s| !matches!(s.step, Step::RestartWriter { .. }))
            .map(|s| s.requester)
            .max()
            .map_or(0, |max| max.saturating_add(1));
        let requesters = (0..count)
            .map(|n| {
                (
                    n,
                    Requester {
                        bc: vss.dynamic(),
                        last_op: None,
                    },
                )
            })
            .collect();
        Self {
            vss,
            scenario,
            faults,
            requesters,
            stuck,
        }
    }

    fn run(mut self) -> Vec<StepResult> {
        let mut results = Vec::with_capacity(self.scenario.steps.len());
        for (index, program_step) in self.scenario.steps.iter().enumerate() {
            let requester = program_step.requester;
            if let Step::RestartWriter { writer } = &program_step.step {
                let hr = match self.stuck.get(writer) {
                    Some(instances) => {
                        instances.iter().for_each(|stuck| stuck.set(None));
                        Hresult::S_OK
                    }
                    None => Hresult::E_INVALIDARG,
                };
                results.push(StepResult {
                    hr: Some(hr),
                    ..StepResult::new(index, requester)
                });
                continue;
            }
            let vss = self.vss;
            let entry = self
                .requesters
                .entry(requester)
                .or_insert_with(|| Requester {
                    bc: vss.dynamic(),
                    last_op: None,
                });
            if entry.bc.is_released() {
                results.push(StepResult::new(index, requester));
                continue;
            }
            if let Some(fault) = self.faults.requester_fault(requester, index as u32) {
                inject(entry, fault);
                results.push(StepResult {
                    fault: Some(fault),
                    ..StepResult::new(index, requester)
                });
                continue;
            }
            let mut result = StepResult::new(index, requester);
            let hr = perform(
                self.vss,
                self.scenario,
                entry,
                &program_step.step,
                &mut result,
            );
            result.hr = Some(hr);
            results.push(result);
        }
        results
    }
}

fn inject(requester: &mut Requester, fault: RequesterFault) {
    let bc = &mut requester.bc;
    match fault {
        RequesterFault::Crash => drop(bc.call(Call::Crash)),
        RequesterFault::Release => drop(bc.call(Call::Release)),
        RequesterFault::AbortBackup => {
            let _ = bc.call(Call::AbortBackup);
            let _ = bc.call(Call::Release);
        }
        RequesterFault::Cancel => {
            if let Some(op) = requester.last_op {
                let _ = bc.call(Call::Cancel { op });
            }
        }
    }
}

/// Performs `step`; returns its HRESULT and puts what it read into `result`.
fn perform(
    vss: &Vss,
    scenario: &Scenario,
    requester: &mut Requester,
    step: &Step,
    result: &mut StepResult,
) -> Hresult {
    let bc = &mut requester.bc;
    let no_op = OpNo(u32::MAX);
    let call = match step {
        Step::InitializeForBackup => Call::InitializeForBackup,
        Step::SetContext { context } => Call::SetContext { context: *context },
        Step::SetBackupState(state) => Call::SetBackupState(*state),
        Step::DisableWriters { writers } => Call::DisableWriterClasses {
            classes: class_ids(scenario, writers),
        },
        Step::GatherWriterMetadata => Call::GatherWriterMetadata,
        Step::SelectAllComponents => return add_components(vss, bc, None),
        Step::SelectComponents { writers } => return add_components(vss, bc, Some(writers)),
        Step::StartSnapshotSet => Call::StartSnapshotSet,
        Step::AddToSnapshotSet { volume } => Call::AddToSnapshotSet {
            volume: volume.clone(),
            provider: ProviderId::NULL,
        },
        Step::PrepareForBackup => Call::PrepareForBackup,
        Step::DoSnapshotSet => Call::DoSnapshotSet,
        Step::GatherWriterStatus => Call::GatherWriterStatus,
        Step::GetWriterStatus { .. } => {
            let (hr, rows) = writer_status_rows(bc);
            result.status = Some(rows);
            return hr;
        }
        Step::GetWriterMetadata { .. } => {
            let (hr, names) = metadata_writers(vss, bc);
            result.metadata = Some(names);
            return hr;
        }
        Step::BackupComplete => Call::BackupComplete,
        Step::AbortBackup => Call::AbortBackup,
        Step::Wait { timeout_ms } => Call::Wait {
            op: requester.last_op.unwrap_or(no_op),
            timeout_ms: *timeout_ms,
        },
        Step::QueryStatus => Call::QueryStatus {
            op: requester.last_op.unwrap_or(no_op),
        },
        Step::Cancel => Call::Cancel {
            op: requester.last_op.unwrap_or(no_op),
        },
        Step::Sleep { ms } => {
            vss.advance_ms(*ms);
            return Hresult::S_OK;
        }
        Step::Release => Call::Release,
        Step::Crash => Call::Crash,
        // Carried out by the driver before any requester is involved.
        Step::RestartWriter { .. } => return Hresult::S_OK,
    };
    match bc.call(call) {
        Ok(Reply::Async(op)) => {
            requester.last_op = Some(op);
            Hresult::S_OK
        }
        // Wait, QueryStatus and Cancel: the operation's status is what a requester acts on.
        Ok(Reply::Status(status)) => status,
        Ok(_) => Hresult::S_OK,
        Err(hr) => hr,
    }
}

/// `GetWriterStatusCount` and `GetWriterStatus` for every row (R29): the first failure and the
/// rows read before it.
fn writer_status_rows(bc: &mut DynBackupComponents) -> (Hresult, StatusRows) {
    let mut rows = StatusRows::new();
    let count = match bc.call(Call::WriterStatusCount) {
        Ok(Reply::Count(count)) => count,
        Ok(_) => 0,
        Err(hr) => return (hr, rows),
    };
    for index in 0..count {
        match bc.call(Call::WriterStatus { index }) {
            Ok(Reply::WriterStatus(status)) => {
                rows.insert(status.name, (status.state, status.failure));
            }
            Ok(_) => {}
            Err(hr) => return (hr, rows),
        }
    }
    (Hresult::S_OK, rows)
}

/// `GetWriterMetadataCount` and the names of the writers whose metadata the requester holds, in
/// registration order (R10).
fn metadata_writers(vss: &Vss, bc: &mut DynBackupComponents) -> (Hresult, Vec<String>) {
    if let Err(hr) = bc.call(Call::WriterMetadataCount) {
        return (hr, Vec::new());
    }
    let session = bc.session();
    let names = vss.inspect(|core| {
        (0..core.writer_count())
            .filter_map(|i| {
                let writer = WriterNo(u32::try_from(i).ok()?);
                core.writer_metadata(session, writer)?;
                Some(core.writer_config(writer)?.name.to_owned())
            })
            .collect()
    });
    (Hresult::S_OK, names)
}

/// Each writer's state in `session`, for the writers that session identified (what a final
/// `GetWriterStatus` would list, R10).
fn final_states(vss: &Vss, session: SessionNo) -> StatusRows {
    vss.inspect(|core| {
        (0..core.writer_count())
            .filter_map(|i| {
                let writer = WriterNo(u32::try_from(i).ok()?);
                core.writer_metadata(session, writer)?;
                let state = core.writer_state(session, writer)?;
                Some((core.writer_config(writer)?.name.to_owned(), state))
            })
            .collect()
    })
}

/// The mismatches between `step`'s expectations and what it returned or read.
fn check_step(step: &super::ProgramStep, result: &StepResult, mismatches: &mut Vec<String>) {
    let what = |mismatches: &mut Vec<String>, text: String| {
        mismatches.push(format!(
            "step {} ({:?} by requester {}): {text}",
            result.index, step.step, step.requester
        ));
    };
    if let Some(expected) = step.expect {
        if result.hr != Some(expected) {
            let got = result
                .hr
                .map_or("nothing (step skipped)".to_owned(), |hr| hr.to_string());
            what(mismatches, format!("expected {expected}, got {got}"));
        }
    }
    match &step.step {
        Step::GetWriterStatus {
            expect_rows: Some(expected),
        } if result.status.as_ref() != Some(expected) => what(
            mismatches,
            format!(
                "expected writer status {expected:?}, got {:?}",
                result.status
            ),
        ),
        Step::GetWriterMetadata {
            expect_writers: Some(expected),
        } if result.metadata.as_ref() != Some(expected) => what(
            mismatches,
            format!(
                "expected metadata of {expected:?}, got {:?}",
                result.metadata
            ),
        ),
        _ => {}
    }
}

fn class_ids(scenario: &Scenario, names: &[String]) -> Vec<WriterClassId> {
    let configs = scenario.writer_configs();
    names
        .iter()
        .filter_map(|name| {
            configs
                .iter()
                .find(|(c, _)| &c.name == name)
                .map(|(c, _)| c.class_id)
        })
        .collect()
}

/// `AddComponent` for every component of the named writers (all when `None`); the first failure.
fn add_components(
    vss: &Vss,
    bc: &mut DynBackupComponents,
    writers: Option<&Vec<String>>,
) -> Hresult {
    let session = bc.session();
    let keys: Vec<ComponentKey> = vss.inspect(|core| {
        core.declared_components(session)
            .into_iter()
            .filter(|(writer, _)| {
                let name = core.writer_config(*writer).map(|info| info.name);
                writers.is_none_or(|names| names.iter().any(|n| Some(n.as_str()) == name))
            })
            .map(|(_, key)| key)
            .collect()
    });
    let mut first_error = Hresult::S_OK;
    for key in keys {
        if let Err(hr) = bc.call(Call::AddComponent(key)) {
            if first_error == Hresult::S_OK {
                first_error = hr;
            }
        }
    }
    first_error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        Scenario::from_toml(text, "t.toml").unwrap()
    }

    #[test]
    fn restart_writer_clears_a_stuck_failure_whatever_the_requester() {
        let scenario = scenario(
            r#"
name = "restart"
writers = [{ name = "W", persist_failures = true, script = { PrepareForBackup = { outcome = { Veto = "VSS_E_WRITERERROR_RETRYABLE" } } } }]
steps = [
  { call = "InitializeForBackup" },
  { call = "SetBackupState", select_components = false },
  { call = "GatherWriterMetadata" },
  { call = "Wait" },
  { call = "StartSnapshotSet" },
  { call = "PrepareForBackup" },
  { call = "Wait" },
  { call = "AbortBackup" },
  { call = "Release" },
  # Requester 0 is gone; the restart still happens.
  { call = "RestartWriter", writer = "W", expect = "S_OK" },
  { call = "RestartWriter", writer = "Nobody", expect = "E_INVALIDARG" },
  { call = "Release" },
]
"#,
        );
        let outcome = scenario.run();
        scenario.check(&outcome).unwrap();
        assert_eq!(outcome.results[9].hr, Some(Hresult::S_OK));
        assert_eq!(
            outcome.results[11].hr, None,
            "a released requester's step is skipped"
        );
        // No requester besides 0 was created for the restarts.
        assert_eq!(outcome.requester_states.len(), 1);
    }

    #[test]
    fn status_and_metadata_steps_read_what_the_requester_sees() {
        let scenario = scenario(
            r#"
name = "read"
writers = [{ name = "A" }, { name = "Hidden", script = { Identify = { outcome = "Panic" } } }]
steps = [
  { call = "InitializeForBackup" },
  # R29: no GatherWriterStatus yet.
  { call = "GetWriterStatus", expect = "VSS_E_BAD_STATE", expect_rows = {} },
  { call = "GatherWriterMetadata" },
  { call = "Wait" },
  { call = "GetWriterMetadata", expect = "S_OK", expect_writers = ["A"] },
  { call = "GatherWriterStatus" },
  { call = "Wait" },
  { call = "GetWriterStatus", expect = "S_OK", expect_rows = { A = ["VSS_WS_STABLE", "S_OK"] } },
  { call = "Release" },
]
"#,
        );
        let outcome = scenario.run();
        scenario.check(&outcome).unwrap();
        // R10: the writer whose Identify failed has no status, now or at the end.
        assert!(!outcome.writer_states.contains_key("Hidden"));
        assert_eq!(outcome.events("Hidden"), [WriterEvent::Identify]);
        assert_eq!(outcome.events_of(1, "A"), []);
    }
}
