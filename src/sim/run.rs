//! Running a scenario: build the machine with fault injectors around every writer and provider,
//! drive the requester programs, collect what happened.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    FaultInjector, FaultyProvider, FaultyWriter, ReplayChooser, RequesterFault, Scenario,
    SharedChooser, Step,
};
use crate::coordinator::PlantedBug;
use crate::provider::Provider;
use crate::requester::{DynBackupComponents, Vss};
use crate::trace::{oracle, SessionNo, Trace, TraceEvent, TraceMode, WriterNo};
use crate::vocab::{
    Call, ComponentKey, Hresult, OpNo, ProviderId, Reply, WriterClassId, WriterEvent, WriterState,
};
use crate::writer::Writer;

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
}

/// Everything a scenario run produced.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The trace.
    pub trace: Trace,
    /// Each step's result, in order.
    pub results: Vec<StepResult>,
    /// Each writer's final state and `hrFailure` in requester 0's session, by name.
    pub writer_states: BTreeMap<String, (WriterState, Hresult)>,
}

impl RunOutcome {
    /// The events writer `name` received from requester 0.
    pub fn events(&self, name: &str) -> Vec<WriterEvent> {
        let Some(writer) = self.writer_no(name) else {
            return Vec::new();
        };
        self.trace
            .records()
            .iter()
            .filter_map(|r| match &r.event {
                TraceEvent::Delivered {
                    session: SessionNo(0),
                    writer: w,
                    event,
                    ..
                } if *w == writer => Some(*event),
                _ => None,
            })
            .collect()
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
        let faults = FaultInjector::new(self.faults.clone(), chooser.clone());
        let mut builder = Vss::builder()
            .chooser(chooser)
            .policies(self.policies)
            .trace_mode(mode);
        for (index, (config, writer)) in self.writer_configs().into_iter().enumerate() {
            let writer: Box<dyn Writer> = Box::new(writer);
            builder = builder.boxed_writer(
                config,
                Box::new(FaultyWriter::new(writer, index as u32, faults.clone())),
            );
        }
        for (index, provider) in self.provider_list().into_iter().enumerate() {
            let provider: Box<dyn Provider> = Box::new(provider);
            builder = builder.provider(FaultyProvider::new(provider, index as u32, faults.clone()));
        }
        for volume in &self.volumes {
            builder = builder.volume(volume.clone());
        }
        if let Some(bug) = options.planted_bug {
            builder = builder.planted_bug(bug);
        }
        let vss = builder.build();
        let results = Driver::new(&vss, self, &faults).run();
        let writer_states = vss.inspect(|core| {
            self.writers
                .iter()
                .enumerate()
                .filter_map(|(i, spec)| {
                    let state = core.writer_state(SessionNo(0), WriterNo(i as u32))?;
                    Some((spec.name.clone(), state))
                })
                .collect()
        });
        RunOutcome {
            trace: vss.trace(),
            results,
            writer_states,
        }
    }

    /// Compares `outcome` with the scenario's step expectations and [`Expectations`]; returns
    /// every mismatch, described for a person.
    ///
    /// [`Expectations`]: super::Expectations
    pub fn check(&self, outcome: &RunOutcome) -> Result<(), Vec<String>> {
        let mut mismatches = Vec::new();
        for (step, result) in self.steps.iter().zip(&outcome.results) {
            if let Some(expected) = step.expect {
                if result.hr != Some(expected) {
                    let got = result
                        .hr
                        .map_or("nothing (step skipped)".to_owned(), |hr| hr.to_string());
                    mismatches.push(format!(
                        "step {} ({:?} by requester {}): expected {expected}, got {got}",
                        result.index, step.step, step.requester
                    ));
                }
            }
        }
        for (name, expected) in &self.expect.writer_states {
            match outcome.writer_states.get(name) {
                Some(got) if got == expected => {}
                got => mismatches.push(format!(
                    "writer {name}: expected state {expected:?}, got {got:?}"
                )),
            }
        }
        for (name, expected) in &self.expect.events {
            let got = outcome.events(name);
            if &got != expected {
                mismatches.push(format!(
                    "writer {name}: expected events {expected:?}, got {got:?}"
                ));
            }
        }
        let report = oracle::check(&outcome.trace);
        let mut broken: Vec<&str> = report.violations().iter().map(|v| v.rule).collect();
        broken.sort_unstable();
        broken.dedup();
        let mut wanted: Vec<&str> = self.expect.violations.iter().map(String::as_str).collect();
        wanted.sort_unstable();
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
}

struct Requester {
    bc: DynBackupComponents,
    last_op: Option<OpNo>,
}

impl<'a> Driver<'a> {
    fn new(vss: &'a Vss, scenario: &'a Scenario, faults: &'a FaultInjector) -> Self {
        // Requester n is session n: create them all, in order, up front.
        let count = scenario
            .steps
            .iter()
            .map(|s| s.requester)
            .max()
            .map_or(0, |max| max + 1);
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
        }
    }

    fn run(mut self) -> Vec<StepResult> {
        let mut results = Vec::with_capacity(self.scenario.steps.len());
        for (index, program_step) in self.scenario.steps.iter().enumerate() {
            let requester = program_step.requester;
            let vss = self.vss;
            let entry = self
                .requesters
                .entry(requester)
                .or_insert_with(|| Requester {
                    bc: vss.dynamic(),
                    last_op: None,
                });
            if entry.bc.is_released() {
                results.push(StepResult {
                    index,
                    requester,
                    hr: None,
                    fault: None,
                });
                continue;
            }
            if let Some(fault) = self.faults.requester_fault(requester, index as u32) {
                inject(entry, fault);
                results.push(StepResult {
                    index,
                    requester,
                    hr: None,
                    fault: Some(fault),
                });
                continue;
            }
            let hr = perform(self.vss, self.scenario, entry, &program_step.step);
            results.push(StepResult {
                index,
                requester,
                hr: Some(hr),
                fault: None,
            });
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

fn perform(vss: &Vss, scenario: &Scenario, requester: &mut Requester, step: &Step) -> Hresult {
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
        (0..core.writer_count())
            .filter_map(|i| {
                let writer = WriterNo(i as u32);
                let info = core.writer_config(writer)?;
                if writers.is_some_and(|names| !names.iter().any(|n| n == info.name)) {
                    return None;
                }
                let metadata = core.writer_metadata(session, writer)?;
                Some(
                    metadata
                        .components
                        .iter()
                        .map(|c| ComponentKey {
                            instance_id: info.instance_id,
                            writer_id: info.class_id,
                            component_type: c.component_type,
                            logical_path: c.logical_path.clone(),
                            name: c.name.clone(),
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .flatten()
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
