//! The explorer: every execution of a scenario up to a bound, depth-first over the chooser's
//! decisions, each judged by the oracle.
//!
//! Execution `n` is a run whose first decisions follow a *prefix* of picks and whose later
//! decisions take the first option. After each run the explorer backtracks: it finds the
//! deepest decision (within `max_depth`) that has an untried option, and the next prefix takes
//! that option. A run is a pure function of its picks, so re-executing from the start needs no
//! snapshot of the machine and works with opaque user writers, given a factory that builds them.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::{Decider, Decision};
use super::{Scenario, SharedChooser};
use crate::coordinator::PlantedBug;
use crate::guard::{self, UserPanic};
use crate::trace::oracle::{self, Coverage, Report};
use crate::trace::Trace;

/// Bounds of an exploration (design principle 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bounds {
    /// Decisions past this depth always take their first option.
    pub max_depth: usize,
    /// Stop after this many executions.
    pub max_executions: u64,
    /// Stop at the first violation instead of looking for a shorter one.
    pub stop_at_first_violation: bool,
    /// Also branch on the order of delivery among writers and of simultaneous operations (the
    /// space grows by the factorial of the writer count per event); otherwise those decisions
    /// take the first option and only faults are explored.
    pub branch_on_order: bool,
}

impl Default for Bounds {
    /// Depth 64, one million executions, keep looking for the shortest counterexample.
    fn default() -> Self {
        Self {
            max_depth: 64,
            max_executions: 1_000_000,
            stop_at_first_violation: false,
            branch_on_order: false,
        }
    }
}

/// A run that broke a rule, with the picks that reproduce it.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// The chooser's picks: a [`ReplayChooser`](super::ReplayChooser) over them replays the run.
    pub choices: Vec<u32>,
    /// The run's trace.
    pub trace: Trace,
    /// The oracle's report.
    pub report: Report,
    /// Which execution it was (0-based).
    pub execution: u64,
}

/// What an exploration found.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Executions run.
    pub executions: u64,
    /// Distinct traces seen (by digest; counted up to 2^20, then a lower bound).
    pub distinct_traces: u64,
    /// True when every execution within `max_depth` was run.
    pub complete: bool,
    /// Rules exercised and writer states reached over all executions ("sometimes" coverage).
    pub coverage: Coverage,
    /// The shortest run (fewest trace records) that broke a rule, if any.
    pub counterexample: Option<Counterexample>,
    /// How many executions broke a rule.
    pub violating_executions: u64,
    /// The run factory panicked (a bug in the harness, not a finding): the exploration stopped
    /// at that execution.
    pub factory_panic: Option<UserPanic>,
}

/// Which parties' violations count as a counterexample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Judge {
    /// Only engine violations: hunting bugs in vss-sim (or in a planted bug).
    #[default]
    Engine,
    /// Every violation, writers' and requesters' included: checking user code.
    Everything,
}

/// Explores every execution of a run up to [`Bounds`].
pub struct Explorer<F> {
    factory: F,
    bounds: Bounds,
    judge: Judge,
}

impl<F: FnMut(SharedChooser) -> Trace> Explorer<F> {
    /// An explorer for the runs `factory` makes: it must build a fresh machine with the given
    /// chooser (and give the same chooser to any fault injector) and return the run's trace.
    pub fn new(factory: F) -> Self {
        Self {
            factory,
            bounds: Bounds::default(),
            judge: Judge::default(),
        }
    }

    /// Sets the bounds.
    #[must_use]
    pub fn bounds(mut self, bounds: Bounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// Sets which violations count.
    #[must_use]
    pub fn judge(mut self, judge: Judge) -> Self {
        self.judge = judge;
        self
    }

    /// Runs the exploration.
    pub fn run(mut self) -> Exploration {
        let state = Rc::new(RefCell::new(PrefixChooser {
            branch_on_order: self.bounds.branch_on_order,
            ..PrefixChooser::default()
        }));
        let mut tally = Tally::new(self.judge);
        let mut complete = false;
        while tally.executions < self.bounds.max_executions {
            state.borrow_mut().restart();
            let chooser = SharedChooser::from_rc(state.clone());
            let trace = match guard::call(|| (self.factory)(chooser)) {
                Ok(trace) => trace,
                Err(panic) => {
                    tally.factory_panic = Some(panic);
                    break;
                }
            };
            let broken = tally.record(trace, || state.borrow().picks());
            if broken && self.bounds.stop_at_first_violation {
                break;
            }
            if !state.borrow_mut().backtrack(self.bounds.max_depth) {
                complete = true;
                break;
            }
        }
        tally.finish(complete)
    }
}

/// Random (swarm) mode, for spaces too big to exhaust: one run per seed, each under a
/// [`SwarmChooser`](super::SwarmChooser), judged like an exploration; a counterexample's picks
/// replay with a [`ReplayChooser`](super::ReplayChooser).
pub fn swarm<F: FnMut(SharedChooser) -> Trace>(
    mut factory: F,
    seeds: std::ops::Range<u64>,
    judge: Judge,
) -> Exploration {
    let mut tally = Tally::new(judge);
    for seed in seeds {
        let swarm = super::RecordingChooser::new(super::SwarmChooser::new(seed));
        let recorder = Rc::new(RefCell::new(swarm));
        let chooser = SharedChooser::from_rc(recorder.clone());
        let trace = match guard::call(|| factory(chooser)) {
            Ok(trace) => trace,
            Err(panic) => {
                tally.factory_panic = Some(panic);
                break;
            }
        };
        tally.record(trace, || recorder.borrow().picks());
    }
    tally.finish(false)
}

/// Judges runs and keeps what an [`Exploration`] reports: shared by the explorer and the swarm.
struct Tally {
    judge: Judge,
    digests: HashSet<u64>,
    distinct: u64,
    executions: u64,
    violating: u64,
    coverage: Coverage,
    counterexample: Option<Counterexample>,
    factory_panic: Option<UserPanic>,
}

impl Tally {
    fn new(judge: Judge) -> Self {
        Self {
            judge,
            digests: HashSet::new(),
            distinct: 0,
            executions: 0,
            violating: 0,
            coverage: Coverage::default(),
            counterexample: None,
            factory_panic: None,
        }
    }

    /// Judges one run; keeps it if it is the shortest counterexample so far. True if it broke a
    /// rule that counts.
    fn record(&mut self, trace: Trace, choices: impl FnOnce() -> Vec<u32>) -> bool {
        self.executions += 1;
        if self.digests.len() < DISTINCT_CAP && self.digests.insert(trace.digest()) {
            self.distinct += 1;
        }
        let report = oracle::check(&trace);
        self.coverage.merge(report.coverage());
        let broken = match self.judge {
            Judge::Engine => !report.engine_violations().is_empty(),
            Judge::Everything => !report.is_clean(),
        };
        if broken {
            self.violating += 1;
            let shorter = self
                .counterexample
                .as_ref()
                .is_none_or(|c| trace.records().len() < c.trace.records().len());
            if shorter {
                let execution = self.executions - 1;
                self.counterexample = Some(Counterexample {
                    choices: choices(),
                    trace,
                    report,
                    execution,
                });
            }
        }
        broken
    }

    fn finish(self, complete: bool) -> Exploration {
        Exploration {
            executions: self.executions,
            distinct_traces: self.distinct,
            complete,
            coverage: self.coverage,
            counterexample: self.counterexample,
            violating_executions: self.violating,
            factory_panic: self.factory_panic,
        }
    }
}

/// Distinct traces are counted exactly up to this many, so memory stays flat however long a run.
const DISTINCT_CAP: usize = 1 << 20;

impl Explorer<Box<dyn FnMut(SharedChooser) -> Trace>> {
    /// An explorer over `scenario`'s faults and decisions.
    pub fn scenario(scenario: Scenario) -> Self {
        Self::scenario_with_bug(scenario, None)
    }

    /// An explorer over `scenario` run with a planted engine bug (tests of the checkers only).
    #[doc(hidden)]
    pub fn scenario_with_bug(scenario: Scenario, bug: Option<PlantedBug>) -> Self {
        // Each execution is `scenario.runner().chooser(chooser).run().trace`, without a copy of
        // the fault catalogue per run and without the final states only a `RunOutcome` needs.
        let catalogue = Rc::new(scenario.faults.clone());
        Explorer::new(Box::new(move |chooser: SharedChooser| {
            scenario
                .runner()
                .chooser(chooser)
                .planted_bug(bug)
                .shared_catalogue(catalogue.clone())
                .trace()
        }))
    }
}

impl Exploration {
    /// `scenario` with the counterexample's picks: a file that replays it (`Scenario::run`).
    pub fn counterexample_scenario(&self, scenario: &Scenario) -> Option<Scenario> {
        let counterexample = self.counterexample.as_ref()?;
        let mut replay = scenario.clone();
        replay.name = format!(
            "{} (counterexample, execution {})",
            scenario.name, counterexample.execution
        );
        replay.choices = counterexample.choices.clone();
        let rules = counterexample.report.rules_broken();
        replay.expect.violations = rules.into_iter().collect();
        replay.expect.clear_observations();
        for step in &mut replay.steps {
            step.clear_expectations();
        }
        Some(replay)
    }
}

/// Follows a prefix of picks, then the first option; logs every decision for backtracking.
#[derive(Debug, Default)]
struct PrefixChooser {
    branch_on_order: bool,
    prefix: Vec<u32>,
    /// (pick, options, explored) per decision of the current run; unexplored decisions (order,
    /// unless `branch_on_order`) are logged so the picks replay, but never varied.
    log: Vec<(u32, u32, bool)>,
}

impl PrefixChooser {
    fn restart(&mut self) {
        self.log.clear();
    }

    fn picks(&self) -> Vec<u32> {
        let mut picks: Vec<u32> = self.log.iter().map(|(pick, _, _)| *pick).collect();
        while picks.last() == Some(&0) {
            picks.pop();
        }
        picks
    }

    /// Moves to the next prefix; false when every prefix within `max_depth` was tried.
    fn backtrack(&mut self, max_depth: usize) -> bool {
        let depth = self.log.len().min(max_depth);
        let Some(at) = (0..depth)
            .rev()
            .find(|&i| self.log[i].2 && self.log[i].0 + 1 < self.log[i].1)
        else {
            return false;
        };
        self.prefix.clear();
        self.prefix
            .extend(self.log[..at].iter().map(|(pick, _, _)| *pick));
        self.prefix.push(self.log[at].0 + 1);
        true
    }
}

impl Decider for PrefixChooser {
    fn decide(&mut self, decision: Decision, options: usize) -> usize {
        let explored = !decision.is_ordering() || self.branch_on_order;
        let at = self.log.len();
        let options = u32::try_from(options.max(1)).unwrap_or(u32::MAX);
        let pick = if explored {
            self.prefix.get(at).copied().unwrap_or(0).min(options - 1)
        } else {
            0
        };
        self.log.push((pick, options, explored));
        pick as usize
    }
}
