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
use std::ops::ControlFlow;
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
    /// The progress callback asked to stop (a user's Ctrl-C): what is here is what was found
    /// until then.
    pub interrupted: bool,
}

/// How far an exploration or a swarm has got, for a progress callback.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Executions judged so far.
    pub executions: u64,
    /// Of which broke a rule that counts.
    pub violating_executions: u64,
    /// Distinct traces seen so far.
    pub distinct_traces: u64,
}

/// One part of an exploration split `count` ways (`index` is 0-based), so several processes
/// (a CI matrix) share the work: every execution belongs to exactly one part, and the parts
/// together run every execution once.
///
/// An exhaustive exploration assigns an execution by its picks at the first
/// [`Partition::KEY_DECISIONS`] decisions that have a choice, and skips, without running them,
/// the subtrees that belong to other parts; runs above that depth are made by every part and
/// counted by one. A swarm assigns seed `s` to part `s % count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    /// This part, from 0.
    pub index: u32,
    /// How many parts.
    pub count: u32,
    /// Branching decisions that decide a part (tests shorten it).
    key_decisions: usize,
}

impl Partition {
    /// The whole space.
    pub const WHOLE: Self = Self {
        index: 0,
        count: 1,
        key_decisions: Self::KEY_DECISIONS,
    };

    /// How many branching decisions decide an execution's part.
    pub const KEY_DECISIONS: usize = 16;

    /// Part `index` of `count`; `None` unless `index < count`.
    pub fn new(index: u32, count: u32) -> Option<Self> {
        (index < count).then_some(Self {
            index,
            count,
            key_decisions: Self::KEY_DECISIONS,
        })
    }

    /// The same part, decided by the first `decisions` branching decisions instead of
    /// [`Partition::KEY_DECISIONS`] (tests of the splitting, on small spaces).
    #[doc(hidden)]
    #[must_use]
    pub fn with_key_decisions(mut self, decisions: usize) -> Self {
        self.key_decisions = decisions.max(1);
        self
    }

    /// Reads `K/N` (1-based, as CI matrices count: `1/4` … `4/4`).
    ///
    /// ```
    /// use vss_sim::sim::Partition;
    /// assert_eq!(Partition::parse("2/4"), Ok(Partition::new(1, 4).unwrap()));
    /// assert!(Partition::parse("0/4").is_err());
    /// assert!(Partition::parse("5/4").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        let wrong = || format!("a partition is K/N with 1 <= K <= N, such as 2/4, not {text:?}");
        let (k, n) = text.split_once('/').ok_or_else(wrong)?;
        let k: u32 = k.trim().parse().map_err(|_| wrong())?;
        let n: u32 = n.trim().parse().map_err(|_| wrong())?;
        if k == 0 {
            return Err(wrong());
        }
        Self::new(k - 1, n).ok_or_else(wrong)
    }

    /// Whether seed `seed` of a swarm is this part's.
    pub fn owns_seed(self, seed: u64) -> bool {
        seed % u64::from(self.count.max(1)) == u64::from(self.index)
    }

    /// Whether an execution whose branching picks begin with `key` is this part's.
    fn owns_key(self, key: impl Iterator<Item = u32>) -> bool {
        if self.count <= 1 {
            return true;
        }
        // FNV-1a over the first KEY_DECISIONS branching picks, zero-padded.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut padded = key.chain(std::iter::repeat(0)).take(self.key_decisions);
        for pick in padded.by_ref() {
            for byte in pick.to_le_bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        hash % u64::from(self.count) == u64::from(self.index)
    }
}

impl Default for Partition {
    fn default() -> Self {
        Self::WHOLE
    }
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

/// A progress callback: called every so many executions; `Break` stops the exploration.
type OnProgress = Box<dyn FnMut(&Progress) -> ControlFlow<()>>;

/// Explores every execution of a run up to [`Bounds`].
pub struct Explorer<F> {
    factory: F,
    bounds: Bounds,
    judge: Judge,
    partition: Partition,
    progress: Option<(u64, OnProgress)>,
}

impl<F: FnMut(SharedChooser) -> Trace> Explorer<F> {
    /// An explorer for the runs `factory` makes: it must build a fresh machine with the given
    /// chooser (and give the same chooser to any fault injector) and return the run's trace.
    pub fn new(factory: F) -> Self {
        Self {
            factory,
            bounds: Bounds::default(),
            judge: Judge::default(),
            partition: Partition::WHOLE,
            progress: None,
        }
    }

    /// Explores only `partition`'s part of the space (see [`Partition`]).
    #[must_use]
    pub fn partition(mut self, partition: Partition) -> Self {
        self.partition = partition;
        self
    }

    /// Calls `on_progress` after every `every` executions (and at the end); when it returns
    /// `ControlFlow::Break`, the exploration stops and reports what it found, `interrupted`.
    #[must_use]
    pub fn on_progress(
        mut self,
        every: u64,
        on_progress: impl FnMut(&Progress) -> ControlFlow<()> + 'static,
    ) -> Self {
        self.progress = Some((every.max(1), Box::new(on_progress)));
        self
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
        let partition = self.partition;
        'runs: while tally.executions < self.bounds.max_executions {
            state.borrow_mut().restart();
            let chooser = SharedChooser::from_rc(state.clone());
            let trace = match guard::call(|| (self.factory)(chooser)) {
                Ok(trace) => trace,
                Err(panic) => {
                    tally.factory_panic = Some(panic);
                    break;
                }
            };
            if partition.owns_key(state.borrow().branching_picks()) {
                let broken = tally.record(trace, || state.borrow().picks());
                if broken && self.bounds.stop_at_first_violation {
                    break;
                }
                if let Some((every, on_progress)) = &mut self.progress {
                    if tally.executions % *every == 0 && on_progress(&tally.progress()).is_break() {
                        tally.interrupted = true;
                        break;
                    }
                }
            }
            // The next prefix; subtrees decided past the key depth that are another part's are
            // skipped without being run.
            loop {
                if !state.borrow_mut().backtrack(self.bounds.max_depth) {
                    complete = true;
                    break 'runs;
                }
                let skip = {
                    let chooser = state.borrow();
                    chooser.prefix_key().count() >= partition.key_decisions
                        && !partition.owns_key(chooser.prefix_key())
                };
                if !skip {
                    break;
                }
                state.borrow_mut().skip_prefix();
            }
        }
        if let Some((_, on_progress)) = &mut self.progress {
            let _ = on_progress(&tally.progress());
        }
        tally.finish(complete)
    }
}

/// Random (swarm) mode, for spaces too big to exhaust: one run per seed, each under a
/// [`SwarmChooser`](super::SwarmChooser), judged like an exploration; a counterexample's picks
/// replay with a [`ReplayChooser`](super::ReplayChooser).
pub fn swarm<F: FnMut(SharedChooser) -> Trace>(
    factory: F,
    seeds: std::ops::Range<u64>,
    judge: Judge,
) -> Exploration {
    swarm_seeds(factory, seeds, judge, |_| ControlFlow::Continue(()))
}

/// [`swarm`] over any seeds (a [`Partition`]'s: `(0..n).filter(|s| part.owns_seed(*s))`),
/// calling `on_progress` after every 64 runs and at the end; `ControlFlow::Break` stops it,
/// `interrupted`.
pub fn swarm_seeds<F: FnMut(SharedChooser) -> Trace>(
    mut factory: F,
    seeds: impl IntoIterator<Item = u64>,
    judge: Judge,
    mut on_progress: impl FnMut(&Progress) -> ControlFlow<()>,
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
        if tally.executions % 64 == 0 && on_progress(&tally.progress()).is_break() {
            tally.interrupted = true;
            break;
        }
    }
    let _ = on_progress(&tally.progress());
    tally.finish(false)
}

impl Exploration {
    /// Joins the explorations of several parts of one space (threads, processes): counts add up
    /// (distinct traces are summed, so an upper bound), coverage merges, the shortest
    /// counterexample wins (the earlier part on a tie), and the whole is complete when every
    /// part was.
    pub fn merge(parts: impl IntoIterator<Item = Self>) -> Self {
        let mut merged: Option<Self> = None;
        for part in parts {
            let Some(whole) = merged.as_mut() else {
                merged = Some(part);
                continue;
            };
            whole.executions += part.executions;
            whole.distinct_traces += part.distinct_traces;
            whole.complete &= part.complete;
            whole.coverage.merge(&part.coverage);
            whole.violating_executions += part.violating_executions;
            whole.interrupted |= part.interrupted;
            if whole.factory_panic.is_none() {
                whole.factory_panic = part.factory_panic;
            }
            let shorter = match (&whole.counterexample, &part.counterexample) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(a), Some(b)) => b.trace.records().len() < a.trace.records().len(),
            };
            if shorter {
                whole.counterexample = part.counterexample;
            }
        }
        merged.unwrap_or_else(|| Tally::new(Judge::Engine).finish(true))
    }
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
    interrupted: bool,
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
            interrupted: false,
        }
    }

    fn progress(&self) -> Progress {
        Progress {
            executions: self.executions,
            violating_executions: self.violating,
            distinct_traces: self.distinct,
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
            interrupted: self.interrupted,
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

    /// The picks of the run's decisions that had a choice (and are explored), in order: what
    /// decides its [`Partition`].
    fn branching_picks(&self) -> impl Iterator<Item = u32> + '_ {
        self.log
            .iter()
            .filter(|(_, options, explored)| *explored && *options > 1)
            .map(|(pick, _, _)| *pick)
    }

    /// The next prefix's branching picks, taken from the last run's log up to it. Once they
    /// number a partition's key decisions, every run below the prefix is in one part.
    fn prefix_key(&self) -> impl Iterator<Item = u32> + '_ {
        let len = self.prefix.len();
        self.log[..len]
            .iter()
            .zip(&self.prefix)
            .filter(|((_, options, explored), _)| *explored && *options > 1)
            .map(|(_, pick)| *pick)
    }

    /// Treats the next prefix's subtree as explored without running it: the log ends at the
    /// prefix's last decision, with its new pick, so the next backtrack moves past it.
    fn skip_prefix(&mut self) {
        let len = self.prefix.len();
        self.log.truncate(len);
        if let (Some(entry), Some(&pick)) = (self.log.last_mut(), self.prefix.last()) {
            entry.0 = pick;
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Decider;

    /// A space of `depth` decisions of `width` options each, nothing else: `width^depth` runs.
    fn tree(depth: usize, width: usize) -> impl FnMut(SharedChooser) -> Trace {
        move |mut chooser: SharedChooser| {
            for writer in 0..depth {
                let decision = Decision::WriterFault {
                    writer: u32::try_from(writer).unwrap_or(u32::MAX),
                    event: crate::vocab::WriterEvent::Freeze,
                };
                chooser.decide(decision, width);
            }
            Trace::default()
        }
    }

    #[test]
    fn parts_run_every_execution_exactly_once() {
        let whole = Explorer::new(tree(6, 3)).run();
        assert!(whole.complete);
        assert_eq!(whole.executions, 729);
        for (key_decisions, count) in [(2, 3), (3, 4), (16, 5)] {
            let parts: Vec<Exploration> = (0..count)
                .map(|index| {
                    let part = Partition::new(index, count)
                        .unwrap()
                        .with_key_decisions(key_decisions);
                    Explorer::new(tree(6, 3)).partition(part).run()
                })
                .collect();
            assert!(parts.iter().all(|p| p.complete && p.executions > 0));
            let merged = Exploration::merge(parts);
            assert_eq!(
                merged.executions, 729,
                "{key_decisions} decisions, {count} parts"
            );
            assert!(merged.complete);
        }
    }

    #[test]
    fn parts_skip_the_subtrees_of_others_without_running_them() {
        let runs = Rc::new(RefCell::new(0u64));
        let mut executions = 0;
        for index in 0..4 {
            let counted = runs.clone();
            let mut inner = tree(8, 2);
            let part = Partition::new(index, 4).unwrap().with_key_decisions(2);
            let exploration = Explorer::new(move |chooser| {
                *counted.borrow_mut() += 1;
                inner(chooser)
            })
            .partition(part)
            .run();
            assert!(exploration.complete);
            executions += exploration.executions;
        }
        // 256 executions split by their first 2 picks: together the parts run each once, plus
        // the runs above the key depth (the prefixes `[]` and `[1]`) that every part makes.
        assert_eq!(executions, 256);
        assert!(*runs.borrow() <= 256 + 4 * 2, "ran {}", runs.borrow());
    }

    #[test]
    fn a_progress_callback_sees_the_count_and_can_stop_the_exploration() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let exploration = Explorer::new(tree(6, 3))
            .on_progress(100, move |progress| {
                log.borrow_mut().push(progress.executions);
                if progress.executions >= 300 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .run();
        assert!(exploration.interrupted);
        assert!(!exploration.complete);
        assert_eq!(exploration.executions, 300);
        assert_eq!(*seen.borrow(), [100, 200, 300, 300]);
        let mut swarm_seen = 0;
        let swarm = swarm_seeds(tree(3, 2), 0..200, Judge::Engine, |p| {
            swarm_seen = p.executions;
            ControlFlow::Continue(())
        });
        assert_eq!((swarm.executions, swarm_seen), (200, 200));
        assert!(!swarm.interrupted);
    }
}
