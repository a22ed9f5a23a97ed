//! The simulation layer: deterministic runs under a chosen [`Decider`],
//! faults as data, requester programs and scenario files, and the exhaustive explorer.
//!
//! - [`Decision`], [`Decider`]: every nondeterministic decision of a run, the engine's
//!   orderings and the simulation's fault points. [`SeededChooser`], [`ReplayChooser`],
//!   [`BytesChooser`], [`RecordingChooser`], [`SwarmChooser`] make them; [`SharedChooser`]
//!   hands one decider to the coordinator and the fault injectors of a run.
//! - [`FaultCatalogue`], [`FaultInjector`], [`FaultyWriter`], [`FaultyProvider`]: what may go
//!   wrong, decided at fault points by the chooser.
//! - [`Step`], [`ProgramStep`]: requester programs as data, the one language of scenario files,
//!   fuzz targets, property tests and strategies, run by one interpreter.
//! - [`Scenario`]: a machine, faults, programs and the expected outcome, in TOML or JSON;
//!   [`Runner`] runs it, [`Mismatch`] says how a run differs from what it expects.
//! - [`Explorer`]: every execution up to a bound, judged by the oracle; the shortest
//!   counterexample comes back as a replayable scenario.
//! - [`seed_from_env`], [`replay_command`]: seeds from `VSS_SIM_SEED`, and the command that
//!   replays a failing one.
//! - `strategies` (feature `proptest`): proptest strategies over fault plans, requester programs,
//!   policies and whole scenarios, for properties of your own.

mod check;
mod choosers;
mod decision;
mod env;
mod explore;
mod faults;
mod file;
mod fuzzing;
mod interpreter;
pub(crate) mod overlay;
mod program;
mod run;
mod scenario;
#[cfg(feature = "proptest")]
pub mod strategies;

pub use check::Mismatch;
pub use choosers::{
    BytesChooser, ChoiceRecord, RecordingChooser, ReplayChooser, SeededChooser, SharedChooser,
    SwarmChooser,
};
pub use decision::{Decider, Decision};
pub use env::{check_determinism, replay_command, seed_from_env, seeds_from_env};
pub use explore::{
    swarm, swarm_seeds, Bounds, Counterexample, Exploration, Explorer, Judge, Partition, Progress,
};
pub use faults::{
    FaultCatalogue, FaultInjector, FaultyProvider, FaultyWriter, MachineFault, ProviderFault,
    RequesterFault,
};
pub use file::{Format, ScenarioError};
pub use fuzzing::{
    fuzz_bcd, fuzz_diskshadow, fuzz_dynamic_api, fuzz_scenario_parser, fuzz_sim, fuzz_wmd,
    quiet_writer_panics,
};
pub use interpreter::StepResult;
pub use program::{
    canonical_backup, canonical_restore, ComponentRef, Mangle, OpRef, ProgramStep, SnapshotRef,
    StatusRows, Step,
};
pub(crate) use run::{Faults, Substitute};
pub use run::{RunOutcome, Runner};
pub use scenario::{
    Expectations, MachineSettings, ProviderSpec, RequesterExpectations, Scenario, ShutdownSetId,
    WriterSpec, MAX_REQUESTERS,
};
