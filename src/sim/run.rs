//! Running a scenario: [`Runner`] builds the machine with fault injectors around every writer and
//! provider, the interpreter drives the requester programs, and [`RunOutcome`] holds what
//! happened, read from the trace.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::interpreter::{Interpreter, Machine, StepResult};
use super::program::StatusRows;
use super::scenario::ShutdownSetId;
use super::{FaultCatalogue, FaultInjector, FaultyProvider, FaultyWriter, ReplayChooser};
use super::{Scenario, SharedChooser};
use crate::coordinator::PlantedBug;
use crate::provider::{Provider, SoftwareProvider};
use crate::requester::Vss;
use crate::trace::{Trace, TraceEvent, TraceMode};
use crate::vocab::{SessionNo, SnapshotSetId, WriterEvent, WriterNo};
use crate::writer::{Writer, WriterConfig};

/// Whether the scenario's fault catalogue applies to a substituted writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Faults {
    /// Wrapped in a fault injector like the scenario's own writers.
    Inject,
    /// Left alone: its failures are the caller's business.
    Spare,
}

/// A writer that replaces one of a scenario's own.
pub(crate) struct Substitute {
    pub(crate) config: WriterConfig,
    pub(crate) writer: Box<dyn Writer>,
    pub(crate) faults: Faults,
}

/// Replaces writer `index` (given its configuration), or keeps it (`None`).
type WriterSubstitution<'r> = &'r mut dyn FnMut(usize, &WriterConfig) -> Option<Substitute>;
/// Replaces provider `index` (given the scenario's), or keeps it (`None`).
type ProviderSubstitution<'r> =
    &'r mut dyn FnMut(usize, SoftwareProvider) -> Option<Box<dyn Provider>>;

/// How to run a [`Scenario`]: its chooser (default: a [`ReplayChooser`] over the scenario's
/// recorded `choices`), whether to record a trace, and, for the test kit, writers and providers
/// substituted for the scenario's own.
///
/// ```
/// use vss_sim::sim::{Scenario, SeededChooser, SharedChooser};
///
/// let scenario = Scenario::load("scenarios/ff12-requester-crash.toml")?;
/// let outcome = scenario
///     .runner()
///     .chooser(SharedChooser::new(SeededChooser::new(7)))
///     .run();
/// assert!(!outcome.trace.records().is_empty());
/// # Ok::<(), vss_sim::sim::ScenarioError>(())
/// ```
#[must_use = "a runner does nothing until `run`"]
pub struct Runner<'r> {
    scenario: &'r Scenario,
    chooser: Option<SharedChooser>,
    mode: TraceMode,
    planted_bug: Option<PlantedBug>,
    catalogue: Option<Rc<FaultCatalogue>>,
    writers: Option<WriterSubstitution<'r>>,
    providers: Option<ProviderSubstitution<'r>>,
}

impl<'r> Runner<'r> {
    fn new(scenario: &'r Scenario) -> Self {
        Self {
            scenario,
            chooser: None,
            mode: TraceMode::Record,
            planted_bug: None,
            catalogue: None,
            writers: None,
            providers: None,
        }
    }

    /// Makes every decision of the run with `chooser`: a seeded one samples, a replaying one
    /// reproduces, the explorer's enumerates.
    pub fn chooser(mut self, chooser: SharedChooser) -> Self {
        self.chooser = Some(chooser);
        self
    }

    /// Records a trace (the default) or not: without one the oracle has nothing to judge.
    pub fn trace_mode(mut self, mode: TraceMode) -> Self {
        self.mode = mode;
        self
    }

    /// Plants a deliberate engine bug (tests of the checkers only).
    #[doc(hidden)]
    pub fn planted_bug(mut self, bug: Option<PlantedBug>) -> Self {
        self.planted_bug = bug;
        self
    }

    /// Shares one fault catalogue between many runs (the explorer's), instead of copying the
    /// scenario's for each.
    pub(crate) fn shared_catalogue(mut self, catalogue: Rc<FaultCatalogue>) -> Self {
        self.catalogue = Some(catalogue);
        self
    }

    /// Replaces writers of the scenario (the test kit's writer under test and its peers).
    pub(crate) fn substitute_writers(mut self, writers: WriterSubstitution<'r>) -> Self {
        self.writers = Some(writers);
        self
    }

    /// Replaces providers of the scenario.
    pub(crate) fn substitute_providers(mut self, providers: ProviderSubstitution<'r>) -> Self {
        self.providers = Some(providers);
        self
    }

    /// Runs the scenario: the trace, each step's result, and the writers' final states.
    pub fn run(self) -> RunOutcome {
        let (vss, results, requesters) = self.drive();
        let trace = vss.take_trace();
        let requester_states = final_states(&trace, requesters);
        RunOutcome {
            writer_states: requester_states.get(&0).cloned().unwrap_or_default(),
            requester_states,
            results,
            trace,
        }
    }

    /// Runs the scenario for its trace alone, as an explorer does many times over.
    pub(crate) fn trace(self) -> Trace {
        self.drive().0.take_trace()
    }

    /// Builds the machine and runs the programs: the machine, each step's result and the number
    /// of requesters.
    fn drive(self) -> (Vss, Vec<StepResult>, u32) {
        let scenario = self.scenario;
        let (vss, machine, faults) = self.assemble(None);
        let requesters = Interpreter::requesters_needed(&scenario.steps);
        let results = {
            let mut interpreter = Interpreter::new(&vss, machine, &faults, requesters);
            let results = interpreter.run(&scenario.steps);
            // Release every requester still alive (R32, R57).
            drop(interpreter);
            // The requesters are gone; the machine finishes the handlers still running, so
            // events queued behind them are delivered (a hung one stays hung).
            vss.settle();
            results
        };
        (vss, results, requesters)
    }

    /// Builds the scenario's machine without running its steps, continuing from `state` (what
    /// an earlier machine left, [`Vss::machine_state`]) if given: for front ends that drive it
    /// themselves (the command line's vssadmin and DiskShadow). Its faults are not injected.
    pub fn machine(self, state: Option<&crate::vocab::MachineState>) -> Vss {
        self.assemble(state).0
    }

    /// The machine, what the interpreter knows of it, and the fault injector.
    fn assemble(
        mut self,
        state: Option<&crate::vocab::MachineState>,
    ) -> (Vss, Machine<'r>, FaultInjector) {
        let scenario = self.scenario;
        let chooser = self
            .chooser
            .take()
            .unwrap_or_else(|| SharedChooser::new(ReplayChooser::new(scenario.choices.clone())));
        let catalogue = self
            .catalogue
            .take()
            .unwrap_or_else(|| Rc::new(scenario.faults.clone()));
        let faults = FaultInjector::shared(catalogue, chooser.clone());
        let mut builder = Vss::builder()
            .chooser(chooser)
            .policies(scenario.policies)
            .trace_mode(self.mode);
        let mut machine = Machine::default();
        for (index, ((config, writer), spec)) in scenario
            .writer_configs()
            .into_iter()
            .zip(&scenario.writers)
            .enumerate()
        {
            machine.classes.insert(spec.name.as_str(), config.class_id);
            if spec.host == crate::writer::WriterHost::VssService {
                machine.hosted_by_vss.insert(spec.name.as_str());
            }
            let substitute = self.writers.as_mut().and_then(|f| f(index, &config));
            let Substitute {
                config,
                writer,
                faults: inject,
            } = substitute.unwrap_or_else(|| {
                // The writer is boxed into the machine; its stuck failure stays reachable.
                let stuck = machine.stuck.entry(spec.name.as_str()).or_default();
                stuck.push(writer.stuck.clone());
                Substitute {
                    config,
                    writer: Box::new(writer),
                    faults: Faults::Inject,
                }
            });
            let writer: Box<dyn Writer> = match inject {
                Faults::Inject => Box::new(FaultyWriter::new(writer, index as u32, faults.clone())),
                Faults::Spare => writer,
            };
            builder = builder.boxed_writer(config, writer);
        }
        for (index, provider) in scenario.provider_list().into_iter().enumerate() {
            let provider: Box<dyn Provider> = match self.providers.as_mut() {
                Some(f) => f(index, provider.clone()).unwrap_or_else(|| Box::new(provider)),
                None => Box::new(provider),
            };
            builder = builder.provider(FaultyProvider::new(provider, index as u32, faults.clone()));
        }
        for volume in &scenario.volumes {
            builder = builder.volume(volume.clone());
        }
        builder = builder
            .os(scenario.os)
            .machine_name(scenario.machine.name.clone())
            .wall_clock_epoch_ms(scenario.machine.wall_clock_epoch_ms)
            .max_client_accessible_copies(scenario.machine.max_client_accessible_copies);
        if !scenario.machine.system_provider {
            builder = builder.without_system_provider();
        }
        if let Some(bug) = self.planted_bug {
            builder = builder.planted_bug(bug);
        }
        if let Some(state) = state {
            builder = builder.state(state.clone());
        }
        (builder.build(), machine, faults)
    }
}

/// Everything a scenario run produced.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The trace.
    pub trace: Trace,
    /// Each step's result, in order.
    pub results: Vec<StepResult>,
    /// Each writer's final state and `hrFailure` in requester 0's session, by name, as the
    /// trace shows them: what a `GetWriterStatus` at the end would report, so writers the
    /// requester never identified (R10, R7) are absent.
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
    /// A [`Runner`] for the scenario: set its chooser or trace mode, then `run`.
    pub fn runner(&self) -> Runner<'_> {
        Runner::new(self)
    }

    /// Runs the scenario with its recorded `choices` (none: always the first option): the same
    /// as `self.runner().run()`.
    pub fn run(&self) -> RunOutcome {
        self.runner().run()
    }
}

/// Each requester's writers' final states by name, from the trace (see
/// [`Trace::writer_states`]).
fn final_states(trace: &Trace, requesters: u32) -> BTreeMap<u32, StatusRows> {
    let names: BTreeMap<WriterNo, &str> = trace
        .records()
        .iter()
        .filter_map(|record| match &record.event {
            TraceEvent::WriterRegistered { writer, name, .. } => Some((*writer, name.as_str())),
            _ => None,
        })
        .collect();
    let mut states: BTreeMap<u32, StatusRows> =
        (0..requesters).map(|n| (n, StatusRows::new())).collect();
    for ((session, writer), row) in trace.writer_states() {
        if let Some(name) = names.get(&writer) {
            states
                .entry(session.0)
                .or_default()
                .insert((*name).to_owned(), row);
        }
    }
    states
}
