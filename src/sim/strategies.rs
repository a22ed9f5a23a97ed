//! Proptest strategies over fault plans, requester programs and whole scenarios, so users of the
//! crate can write their own properties (feature `proptest`).
//!
//! Every value these strategies produce is one the engine accepts: a run of any generated
//! [`Scenario`] ends without a panic, whatever faults and misuse it contains. A scenario
//! round-trips through its TOML and JSON file forms (a fatal failure without a code is written
//! `{ Fatal = "NoCode" }`).
//! Sizes are bounded (see [`StrategyConfig`]) and the strategies are built from `prop_oneof!`,
//! `vec` and `Just`, so a failing case shrinks towards the canonical backup with no faults.
//!
//! | strategy | value |
//! |---|---|
//! | [`reaction`] | a writer [`Reaction`]: succeed (possibly slowly or past the freeze window), veto, fail fatally |
//! | [`writer_faults`], [`provider_fault`], [`provider_faults`], [`requester_faults`] | the parts of a fault plan |
//! | [`fault_catalogue`] | a [`FaultCatalogue`]: a whole fault plan |
//! | [`requester_program`] | the canonical backup of one requester, which may stop, abort, crash, cancel, skip or misuse at any point |
//! | [`any_program`] | any step sequence of several requesters, for misuse |
//! | [`concurrent_programs`] | several requesters' programs, interleaved |
//! | [`policies`] | [`Policies`] over every knob |
//! | [`writers`] | scripted [`WriterSpec`]s named `W0`, `W1`, … |
//! | [`scenario`] | a [`Scenario`]: writers, provider, policies, faults, a program and the chooser's picks |
//!
//! Writers are named `W0`, `W1`, …; steps that name writers (`DisableWriters`,
//! `SelectComponents`, `RestartWriter`) pick among `W0`–`W3`, so a step may name a writer the
//! machine lacks, which the engine answers as Windows does.
//!
//! A property over whole scenarios: the engine keeps its own rules (`Party::Engine`) whatever
//! the requester and writers do.
//!
//! ```
//! use proptest::prelude::*;
//! use vss_sim::sim::strategies;
//! use vss_sim::trace::oracle;
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig {
//!         cases: 16,
//!         failure_persistence: None,
//!         ..ProptestConfig::default()
//!     })]
//!     fn the_engine_keeps_its_rules(scenario in strategies::scenario(1..=3)) {
//!         let outcome = scenario.run(); // the scenario's own choices pick the faults
//!         let report = oracle::check(&outcome.trace);
//!         prop_assert!(report.engine_violations().is_empty(), "{report}");
//!     }
//! }
//! the_engine_keeps_its_rules();
//! ```

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use proptest::strategy::Union;

use super::{
    canonical_backup, canonical_restore, ComponentRef, Expectations, FaultCatalogue, MachineFault,
    Mangle, OpRef, ProgramStep, ProviderFault, ProviderSpec, RequesterFault, Scenario, SnapshotRef,
    Step, WriterSpec, MAX_REQUESTERS,
};
use crate::vocab::{
    AbortBackupReach, ApplicationLevel, BackupState, BackupType, CommitFailureResult,
    FileRestoreStatus, FreezeTimerRace, FreezeTimerStart, HandlerTimeout, Hresult, LastError,
    LostService, Policies, ProviderId, ProviderStep, QueryWindow, ShutdownFor,
    ShutdownSetIdAfterCrash, StateAfterAbort, StateAfterShutdown, VetoAtFreezeThaw,
    WriterAbortScope, WriterClassId, WriterEvent, WriterFailure, WriterFailureResult,
};
use crate::writer::{Outcome, Reaction};

/// Bounds and switches for the strategies; the free functions use [`StrategyConfig::default`].
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies::StrategyConfig;
///
/// // Up to five faults per run, writers that may panic, long misuse programs.
/// let config = StrategyConfig::default()
///     .with_max_faults(1..=5)
///     .with_panics(true)
///     .with_max_steps(64);
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&config.fault_catalogue(), |plan| {
///         prop_assert!(matches!(plan.max_faults, Some(1..=5)));
///         Ok(())
///     })
///     .unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrategyConfig {
    panics: bool,
    max_faults: RangeInclusive<u32>,
    max_deviations: usize,
    max_steps: usize,
    max_choices: usize,
}

impl Default for StrategyConfig {
    /// No panicking writers; one to three faults per run; up to three deviations from the
    /// canonical backup; random programs of up to 24 steps; up to 64 chooser picks.
    fn default() -> Self {
        Self {
            panics: false,
            max_faults: 1..=3,
            max_deviations: 3,
            max_steps: 24,
            max_choices: 64,
        }
    }
}

impl StrategyConfig {
    /// Whether writer reactions may panic (a C++ writer throwing). Off by default: the engine
    /// survives it, but the panic hook prints each one unless
    /// [`quiet_writer_panics`](super::quiet_writer_panics) is installed.
    #[must_use]
    pub fn with_panics(mut self, panics: bool) -> Self {
        self.panics = panics;
        self
    }

    /// The range a fault plan's `max_faults` is drawn from (default `1..=3`; an empty range
    /// counts as its start).
    #[must_use]
    pub fn with_max_faults(mut self, max_faults: RangeInclusive<u32>) -> Self {
        self.max_faults = non_empty(max_faults);
        self
    }

    /// At most this many deviations from the canonical backup per requester program
    /// (default 3).
    #[must_use]
    pub fn with_max_deviations(mut self, max_deviations: usize) -> Self {
        self.max_deviations = max_deviations;
        self
    }

    /// At most this many steps in an [`any_program`] (default 24).
    #[must_use]
    pub fn with_max_steps(mut self, max_steps: usize) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// At most this many chooser picks recorded in a [`scenario`] (default 64).
    #[must_use]
    pub fn with_max_choices(mut self, max_choices: usize) -> Self {
        self.max_choices = max_choices;
        self
    }

    /// [`reaction`] under this configuration.
    pub fn reaction(&self) -> impl Strategy<Value = Reaction> {
        let failure = || select(WriterFailure::ALL.to_vec());
        let mut outcomes = vec![
            (6, Just(Outcome::Succeed).boxed()),
            (2, failure().prop_map(Outcome::Veto).boxed()),
            (
                2,
                proptest::option::of(failure())
                    .prop_map(Outcome::Fatal)
                    .boxed(),
            ),
        ];
        if self.panics {
            outcomes.push((1, Just(Outcome::Panic).boxed()));
        }
        (select(SPENDS_MS.to_vec()), Union::new_weighted(outcomes)).prop_map(
            |(spend_ms, outcome)| Reaction {
                spend_ms,
                outcome,
                ..Reaction::SUCCEED
            },
        )
    }

    /// [`writer_faults`] under this configuration.
    pub fn writer_faults(&self) -> impl Strategy<Value = BTreeMap<WriterEvent, Vec<Reaction>>> {
        btree_map(
            select(WriterEvent::BACKUP.to_vec()),
            vec(self.reaction(), 1..=2),
            0..=3,
        )
    }

    /// [`fault_catalogue`] under this configuration.
    pub fn fault_catalogue(&self) -> impl Strategy<Value = FaultCatalogue> {
        (
            self.writer_faults(),
            provider_faults(),
            // Requester faults can fire before every step: listed in one plan in three, so that
            // most runs get as far as the writer and provider faults.
            prop_oneof![2 => Just(Vec::new()), 1 => requester_faults()],
            // Writer processes dying and coming back: in one plan in four.
            prop_oneof![3 => Just(Vec::new()), 1 => vec(machine_fault(), 1..=3)],
            self.max_faults.clone(),
        )
            .prop_map(|(writer, provider, requester, machine, max_faults)| {
                FaultCatalogue {
                    writer,
                    provider,
                    requester,
                    machine,
                    max_faults: Some(max_faults),
                }
            })
    }

    /// [`requester_program`] under this configuration.
    pub fn requester_program(&self, requester: u32) -> impl Strategy<Value = Vec<ProgramStep>> {
        let requester = requester.min(MAX_REQUESTERS - 1);
        let positions = canonical_backup(requester).len();
        vec((0..positions, deviation()), 0..=self.max_deviations)
            .prop_map(move |deviations| deviate(requester, deviations))
    }

    /// A whole backup by requester 0 that saves its document, then the canonical restore of it
    /// by requester 1 ([`canonical_restore`], R78) with up to `max_deviations` deviations.
    pub fn backup_then_restore(&self) -> impl Strategy<Value = Vec<ProgramStep>> {
        let positions = canonical_restore(1).len();
        let deviations = vec((0..positions, deviation()), 0..=self.max_deviations);
        // Every component selected, or only the first writer's (R81: the others hear nothing).
        (deviations, proptest::bool::weighted(0.3)).prop_map(|(deviations, only_w0)| {
            let mut program = canonical_backup(0);
            let complete = program
                .iter()
                .position(|s| s.step == Step::BackupComplete)
                .unwrap_or(program.len());
            program.insert(complete, ProgramStep::by(0, Step::SaveAsXml));
            let mut restore = canonical_restore(1);
            if only_w0 {
                for step in &mut restore {
                    if step.step == Step::SelectAllForRestore {
                        step.step = Step::SelectForRestore {
                            writers: vec!["W0".into()],
                        };
                    }
                }
            }
            program.extend(deviate_from(1, restore, deviations));
            program
        })
    }

    /// [`any_program`] under this configuration.
    pub fn any_program(&self, requesters: u32) -> impl Strategy<Value = Vec<ProgramStep>> {
        let requesters = requesters.clamp(1, MAX_REQUESTERS);
        vec((0..requesters, any_step()), 0..=self.max_steps).prop_map(|steps| {
            steps
                .into_iter()
                .map(|(requester, step)| ProgramStep {
                    requester,
                    step,
                    expect: None,
                })
                .collect()
        })
    }

    /// [`concurrent_programs`] under this configuration.
    pub fn concurrent_programs(&self, n: u32) -> impl Strategy<Value = Vec<ProgramStep>> {
        let n = n.clamp(1, MAX_REQUESTERS);
        let programs: Vec<_> = (0..n).map(|r| self.requester_program(r)).collect();
        let longest = canonical_backup(0).len() + 2 * self.max_deviations;
        let schedule = vec(0..n, 0..=longest * n as usize);
        (programs, schedule).prop_map(|(programs, schedule)| interleave(programs, &schedule))
    }

    /// [`writers`] under this configuration.
    pub fn writers(&self, count: RangeInclusive<usize>) -> impl Strategy<Value = Vec<WriterSpec>> {
        let script = btree_map(select(WriterEvent::BACKUP.to_vec()), self.reaction(), 0..=2);
        let writer = (
            select(LEVELS.to_vec()),
            select(FREEZE_TIMEOUTS_MS.to_vec()),
            script,
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.2),
        );
        vec(writer, non_empty(count)).prop_map(|writers| {
            writers
                .into_iter()
                .enumerate()
                .map(
                    |(index, (level, freeze_timeout_ms, script, persist, in_vss))| WriterSpec {
                        level,
                        freeze_timeout_ms,
                        script,
                        persist_failures: persist,
                        host: if in_vss {
                            crate::writer::WriterHost::VssService
                        } else {
                            crate::writer::WriterHost::OwnProcess
                        },
                        ..WriterSpec::new(format!("W{index}"))
                    },
                )
                .collect()
        })
    }

    /// [`scenario`] under this configuration.
    pub fn scenario(&self, writers: RangeInclusive<usize>) -> impl Strategy<Value = Scenario> {
        let program = prop_oneof![
            3 => self.requester_program(0).boxed(),
            2 => self.concurrent_programs(2).boxed(),
            2 => self.backup_then_restore().boxed(),
            1 => self.any_program(2).boxed(),
        ];
        let volumes = prop_oneof![
            Just(Vec::new()),
            Just(vec!["C:\\".to_owned(), "D:\\".to_owned()]),
        ];
        (
            self.writers(writers),
            prop_oneof![
                1 => Just(Vec::new()),
                2 => provider_spec().prop_map(|provider| vec![provider]),
            ],
            volumes,
            policies(),
            self.fault_catalogue(),
            program,
            vec(choice(), 0..=self.max_choices),
        )
            .prop_map(
                |(writers, providers, volumes, policies, mut faults, mut steps, choices)| {
                    name_only(&mut steps, &mut faults, writers.len());
                    Scenario {
                        name: "generated".into(),
                        description: String::new(),
                        policies,
                        writers,
                        providers,
                        volumes: volumes.into_iter().map(crate::vocab::Volume::new).collect(),
                        os: Default::default(),
                        machine: Default::default(),
                        faults,
                        steps,
                        choices,
                        expect: Expectations::default(),
                    }
                },
            )
    }
}

/// Makes every writer name `steps` use (`W0`–`W3`) one of the `writers` the machine has
/// (`W<k>` becomes `W<k % writers>`), so a generated scenario is one a scenario file may hold.
fn name_only(steps: &mut [ProgramStep], faults: &mut FaultCatalogue, writers: usize) {
    let rename = |name: &mut String| {
        let index: usize = name.get(1..).and_then(|n| n.parse().ok()).unwrap_or(0);
        *name = format!("W{}", index % writers.max(1));
    };
    for fault in &mut faults.machine {
        if let MachineFault::StopWriter(name)
        | MachineFault::StartWriter(name)
        | MachineFault::RestartWriter(name) = fault
        {
            rename(name);
        }
    }
    for program_step in steps {
        match &mut program_step.step {
            Step::EnableWriters { writers }
            | Step::DisableWriters { writers }
            | Step::SelectComponents { writers } => writers.iter_mut().for_each(rename),
            Step::RestartWriter { writer }
            | Step::StopWriter { writer }
            | Step::StartWriter { writer }
            | Step::AddComponent {
                component: ComponentRef::Named { writer, .. },
            }
            | Step::SetBackupSucceeded {
                component: ComponentRef::Named { writer, .. },
                ..
            } => rename(writer),
            _ => {}
        }
    }
}

/// Any writer reaction: succeed at once or after a while (up to past the 60 s freeze window,
/// R59, and the 10 s hold-writes window, R89), veto with each `SetWriterFailure` code (R65), or
/// fail fatally with or without a code (R64). Panics only under [`StrategyConfig::with_panics`].
/// Shrinks towards [`Reaction::SUCCEED`].
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
/// use vss_sim::writer::Outcome;
///
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&strategies::reaction(), |reaction| {
///         prop_assert_ne!(reaction.outcome, Outcome::Panic);
///         prop_assert!(reaction.spend_ms <= 600_000);
///         Ok(())
///     })
///     .unwrap();
/// ```
pub fn reaction() -> impl Strategy<Value = Reaction> {
    StrategyConfig::default().reaction()
}

/// Writer faults by event, as [`FaultCatalogue::writer`] holds them: up to three events of a
/// backup, one or two [`reaction`]s each.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
/// use vss_sim::vocab::WriterEvent;
///
/// let mut runner = TestRunner::deterministic();
/// let faults = strategies::writer_faults().new_tree(&mut runner).unwrap().current();
/// assert!(faults.len() <= 3);
/// assert!(!faults.contains_key(&WriterEvent::PreRestore)); // a backup raises no restore events
/// ```
pub fn writer_faults() -> impl Strategy<Value = BTreeMap<WriterEvent, Vec<Reaction>>> {
    StrategyConfig::default().writer_faults()
}

/// One provider fault: a step that takes up to 30 s (a commit past the 10 s hold-writes window,
/// R89) and returns `S_OK`, `VSS_E_INSUFFICIENT_STORAGE`, `VSS_E_PROVIDER_VETO`,
/// `VSS_E_UNEXPECTED_PROVIDER_ERROR` or `E_UNEXPECTED`. Shrinks towards an instant `S_OK`.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
///
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&strategies::provider_fault(), |fault| {
///         prop_assert!(fault.spend_ms <= 30_000);
///         Ok(())
///     })
///     .unwrap();
/// ```
pub fn provider_fault() -> impl Strategy<Value = ProviderFault> {
    (
        select(PROVIDER_SPENDS_MS.to_vec()),
        select(PROVIDER_RESULTS.to_vec()),
    )
        .prop_map(|(spend_ms, result)| ProviderFault {
            spend_ms,
            result,
            ..ProviderFault::default()
        })
}

/// Provider faults by pipeline step, as [`FaultCatalogue::provider`] holds them: up to three
/// steps (any of the eight, `AbortSnapshots` included), one or two [`provider_fault`]s each.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
///
/// let mut runner = TestRunner::deterministic();
/// let faults = strategies::provider_faults().new_tree(&mut runner).unwrap().current();
/// assert!(faults.values().all(|options| (1..=2).contains(&options.len())));
/// ```
pub fn provider_faults() -> impl Strategy<Value = BTreeMap<ProviderStep, Vec<ProviderFault>>> {
    btree_map(
        select(ProviderStep::ALL.to_vec()),
        vec(provider_fault(), 1..=2),
        0..=3,
    )
}

/// What a requester may do instead of a program step, as [`FaultCatalogue::requester`] holds
/// it: any subset of crash, release, abort and cancel, in that order.
pub fn requester_faults() -> impl Strategy<Value = Vec<RequesterFault>> {
    subsequence(
        vec![
            RequesterFault::Crash,
            RequesterFault::Release,
            RequesterFault::AbortBackup,
            RequesterFault::Cancel,
        ],
        0..=4,
    )
}

/// A whole fault plan: [`writer_faults`], [`provider_faults`], [`requester_faults`] (in one
/// plan in three), and `max_faults` from `1..=3` ([`StrategyConfig::with_max_faults`] changes
/// it). Which listed faults fire is the run's chooser's decision: a [`Scenario`]'s `choices`, or
/// a seeded chooser.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::{canonical_backup, strategies, Scenario, SeededChooser};
/// use vss_sim::sim::SharedChooser;
/// use vss_sim::trace::oracle;
///
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&(strategies::fault_catalogue(), any::<u64>()), |(faults, seed)| {
///         let text = "name = \"plan\"\nsteps = []\n[[writers]]\nname = \"SqlWriter\"\n";
///         let mut scenario = Scenario::from_toml(text, "plan.toml").unwrap();
///         scenario.faults = faults;
///         scenario.steps = canonical_backup(0);
///         let chooser = SharedChooser::new(SeededChooser::new(seed));
///         let outcome = scenario.runner().chooser(chooser).run();
///         prop_assert!(oracle::check(&outcome.trace).engine_violations().is_empty());
///         Ok(())
///     })
///     .unwrap();
/// ```
pub fn fault_catalogue() -> impl Strategy<Value = FaultCatalogue> {
    StrategyConfig::default().fault_catalogue()
}

/// The canonical backup of requester `requester` ([`canonical_backup`], R40) with up to three
/// deviations at random points: the requester stops (its object is released when the run ends),
/// aborts and releases (R52, R53), crashes (R57), cancels its pending operation (R38), skips a
/// step, or slips in any other step (misuse the engine must refuse with the documented
/// HRESULT). Shrinks towards the canonical backup. `requester` is capped at
/// [`MAX_REQUESTERS`]` - 1`.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::{strategies, Step};
///
/// let mut runner = TestRunner::deterministic();
/// let program = strategies::requester_program(1).new_tree(&mut runner).unwrap().current();
/// assert!(program.iter().all(|step| step.requester == 1));
/// // Nothing follows a crash: the process is gone.
/// let crash = program.iter().position(|step| step.step == Step::Crash);
/// assert!(crash.map_or(true, |at| at + 1 == program.len()));
/// ```
pub fn requester_program(requester: u32) -> impl Strategy<Value = Vec<ProgramStep>> {
    StrategyConfig::default().requester_program(requester)
}

/// Any sequence of up to 24 steps by requesters `0..requesters`: every [`Step`] kind, in any
/// order, for misuse. `requesters` is clamped to `1..=`[`MAX_REQUESTERS`].
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::{strategies, Scenario, WriterSpec};
/// use vss_sim::trace::oracle;
///
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&strategies::any_program(3), |steps| {
///         let mut scenario = Scenario::from_toml("name = \"misuse\"\nsteps = []", "-").unwrap();
///         scenario.writers = vec![WriterSpec::new("W0")];
///         scenario.steps = steps;
///         let outcome = scenario.run(); // misuse is refused, never a panic
///         prop_assert!(oracle::check(&outcome.trace).engine_violations().is_empty());
///         Ok(())
///     })
///     .unwrap();
/// ```
pub fn any_program(requesters: u32) -> impl Strategy<Value = Vec<ProgramStep>> {
    StrategyConfig::default().any_program(requesters)
}

/// The [`requester_program`]s of requesters `0..n`, interleaved step by step in a random order
/// (R102: concurrent backups). Shrinks towards the programs one after the other. `n` is clamped
/// to `1..=`[`MAX_REQUESTERS`].
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
///
/// let mut runner = TestRunner::deterministic();
/// let steps = strategies::concurrent_programs(2).new_tree(&mut runner).unwrap().current();
/// assert!(steps.iter().all(|step| step.requester < 2));
/// ```
pub fn concurrent_programs(n: u32) -> impl Strategy<Value = Vec<ProgramStep>> {
    StrategyConfig::default().concurrent_programs(n)
}

/// Any [`Policies`]: every alternative of every knob (Q2, Q3, Q4, Q8, Q9, Q12, Q15, Q20, R57).
/// Shrinks towards the defaults.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
///
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&strategies::policies(), |policies| {
///         // Every policy set survives the scenario file form.
///         let text = toml::to_string(&policies).unwrap();
///         prop_assert_eq!(toml::from_str::<vss_sim::vocab::Policies>(&text).unwrap(), policies);
///         Ok(())
///     })
///     .unwrap();
/// ```
pub fn policies() -> impl Strategy<Value = Policies> {
    (
        select(AbortBackupReach::ALL.to_vec()),
        select(WriterAbortScope::ALL.to_vec()),
        select(WriterFailureResult::ALL.to_vec()),
        select(FreezeTimerStart::ALL.to_vec()),
        select(QueryWindow::ALL.to_vec()),
        select(StateAfterAbort::ALL.to_vec()),
        select(StateAfterShutdown::ALL.to_vec()),
        select(VetoAtFreezeThaw::ALL.to_vec()),
        select(ShutdownFor::ALL.to_vec()),
        select(ShutdownSetIdAfterCrash::ALL.to_vec()),
        (
            select(HandlerTimeout::ALL.to_vec()),
            select(FreezeTimerRace::ALL.to_vec()),
            select(CommitFailureResult::ALL.to_vec()),
            select(LastError::ALL.to_vec()),
            select(LostService::ALL.to_vec()),
        ),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i, j, (k, l, m, n, o))| Policies {
            abort_backup_reach: a,
            writer_abort_scope: b,
            writer_failure_result: c,
            freeze_timer_start: d,
            query_window: e,
            state_after_abort: f,
            state_after_shutdown: g,
            veto_at_freeze_thaw: h,
            shutdown_for: i,
            shutdown_set_id_after_crash: j,
            handler_timeout: k,
            freeze_timer_race: l,
            commit_failure_result: m,
            last_error: n,
            lost_service: o,
        })
}

/// `count` scripted writers (an empty range counts as its start) named `W0`, `W1`, …: any
/// application level (R46), a freeze window from 0 to 60 s (R59), a script of up to two
/// [`reaction`]s, now and then a failure that sticks across sessions (field failure 17), and
/// now and then hosted by the VSS service (restarted with it, `RestartService`).
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::strategies;
///
/// let mut runner = TestRunner::deterministic();
/// let writers = strategies::writers(2..=2).new_tree(&mut runner).unwrap().current();
/// assert_eq!(writers.iter().map(|w| w.name.as_str()).collect::<Vec<_>>(), ["W0", "W1"]);
/// ```
pub fn writers(count: RangeInclusive<usize>) -> impl Strategy<Value = Vec<WriterSpec>> {
    StrategyConfig::default().writers(count)
}

/// A whole [`Scenario`]: [`writers`] (their number from `writers`), the system provider or one
/// with its own step durations and results, one or two volumes, [`policies`], a
/// [`fault_catalogue`], a program ([`requester_program`], [`concurrent_programs`] of two
/// requesters, or [`any_program`]), and up to 64 chooser picks, so that [`Scenario::run`]
/// injects faults and replays exactly. No expectations: a property says what must hold.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
/// use vss_sim::sim::{strategies, Scenario};
///
/// let mut runner = TestRunner::deterministic();
/// runner
///     .run(&strategies::scenario(1..=3), |scenario| {
///         // A generated scenario is a file that replays exactly.
///         let json = serde_json::to_string(&scenario).unwrap();
///         let again = Scenario::from_json(&json, "generated.json").unwrap();
///         prop_assert_eq!(&again, &scenario);
///         prop_assert_eq!(again.run().trace.fingerprint(), scenario.run().trace.fingerprint());
///         Ok(())
///     })
///     .unwrap();
/// ```
pub fn scenario(writers: RangeInclusive<usize>) -> impl Strategy<Value = Scenario> {
    StrategyConfig::default().scenario(writers)
}

/// `range`, or its start alone if it is empty (proptest panics on an empty range).
fn non_empty<T: Copy + Ord>(range: RangeInclusive<T>) -> RangeInclusive<T> {
    let (start, end) = range.into_inner();
    start..=end.max(start)
}

/// A provider: the system provider with random step durations (the commit around the 10 s
/// hold-writes window, R89) and results.
fn provider_spec() -> impl Strategy<Value = ProviderSpec> {
    (
        select(COMMIT_MS.to_vec()),
        btree_map(
            select(ProviderStep::ALL.to_vec()),
            select(PROVIDER_SPENDS_MS.to_vec()),
            0..=1,
        ),
        btree_map(
            select(ProviderStep::ALL.to_vec()),
            select(PROVIDER_RESULTS.to_vec()),
            0..=1,
        ),
    )
        .prop_map(|(commit_ms, mut durations_ms, results)| {
            // The commit always gets a duration: holding writes past 10 s is the provider
            // failure users meet most (R89).
            durations_ms.insert(ProviderStep::CommitSnapshots, commit_ms);
            ProviderSpec {
                durations_ms,
                results,
                ..ProviderSpec::default()
            }
        })
}

/// The chooser's pick at one choice point: mostly the first option (no fault, the first
/// writer), so the faults a scenario's picks inject are spread over the whole run.
fn choice() -> impl Strategy<Value = u32> {
    prop_oneof![5 => Just(0u32), 1 => 1u32..4]
}

/// How a requester program departs from the canonical backup at one point.
#[derive(Clone, Debug)]
enum Deviation {
    /// The program ends here; the object is released when the run ends.
    Stop,
    /// `AbortBackup`, `Release`, end (R52, R53).
    Abort,
    /// The process dies (R57).
    Crash,
    /// `Cancel` on the pending operation (R38), then go on.
    Cancel,
    /// The canonical step here is left out.
    Skip,
    /// Another step first, then go on.
    Insert(Step),
}

fn deviation() -> impl Strategy<Value = Deviation> {
    prop_oneof![
        1 => Just(Deviation::Stop),
        2 => Just(Deviation::Abort),
        2 => Just(Deviation::Crash),
        1 => Just(Deviation::Cancel),
        1 => Just(Deviation::Skip),
        3 => any_step().prop_map(Deviation::Insert),
    ]
}

/// The canonical backup of `requester` with `deviations` (position, what) applied.
fn deviate(requester: u32, deviations: Vec<(usize, Deviation)>) -> Vec<ProgramStep> {
    deviate_from(requester, canonical_backup(requester), deviations)
}

/// The `canonical` program of `requester` with `deviations` (position, what) applied.
fn deviate_from(
    requester: u32,
    canonical: Vec<ProgramStep>,
    mut deviations: Vec<(usize, Deviation)>,
) -> Vec<ProgramStep> {
    deviations.sort_by_key(|(at, _)| *at);
    let step = |step| ProgramStep {
        requester,
        step,
        expect: None,
    };
    let mut program = Vec::new();
    let mut pending = deviations.into_iter().peekable();
    for (at, canonical) in canonical.into_iter().enumerate() {
        let mut skip = false;
        while let Some((_, deviation)) = pending.next_if(|(position, _)| *position == at) {
            match deviation {
                Deviation::Stop => return program,
                Deviation::Abort => {
                    program.extend([step(Step::AbortBackup), step(Step::Release)]);
                    return program;
                }
                Deviation::Crash => {
                    program.push(step(Step::Crash));
                    return program;
                }
                Deviation::Cancel => program.push(step(Step::Cancel { op: OpRef::Last })),
                Deviation::Skip => skip = true,
                Deviation::Insert(inserted) => program.push(step(inserted)),
            }
        }
        if !skip {
            program.push(canonical);
        }
    }
    program
}

/// Merges `programs`: each pick of `schedule` takes the next step of that program (picks of a
/// finished program are passed over); what is left follows, program by program.
fn interleave(programs: Vec<Vec<ProgramStep>>, schedule: &[u32]) -> Vec<ProgramStep> {
    let mut programs: Vec<_> = programs.into_iter().map(Vec::into_iter).collect();
    let mut steps = Vec::new();
    for pick in schedule {
        if let Some(next) = programs.get_mut(*pick as usize).and_then(Iterator::next) {
            steps.push(next);
        }
    }
    steps.extend(programs.into_iter().flatten());
    steps
}

/// Any single step, with no expectations: every call of the requester language, with
/// arguments that hit and miss (unknown volumes and providers, other requesters' operations,
/// damaged components, indexes past the end).
fn any_step() -> impl Strategy<Value = Step> {
    let writer = || select(WRITER_NAMES.to_vec()).prop_map(str::to_owned);
    let op = || {
        prop_oneof![
            6 => Just(OpRef::Last),
            1 => (0u32..8).prop_map(OpRef::Nth),
            1 => Just(OpRef::Raw(u32::MAX)),
        ]
    };
    let component = || {
        prop_oneof![
            4 => (0u32..4).prop_map(|declared| ComponentRef::Declared { declared, mangle: None }),
            1 => ((0u32..4), select(Mangle::ALL.to_vec())).prop_map(|(declared, mangle)| {
                ComponentRef::Declared { declared, mangle: Some(mangle) }
            }),
            1 => writer().prop_map(|writer| ComponentRef::Named {
                name: writer.clone(),
                writer,
                logical_path: None,
            }),
        ]
    };
    let class = (0u128..5).prop_map(|n| WriterClassId::from_u128(GENERATED_CLASS + n));
    let snapshot = prop_oneof![
        3 => Just(SnapshotRef::Last),
        1 => Just(SnapshotRef::Null),
        1 => (0u32..8).prop_map(SnapshotRef::Minted),
    ];
    prop_oneof![
        4 => Just(Step::InitializeForBackup),
        1 => select(CONTEXTS.to_vec()).prop_map(|context| Step::SetContext { context }),
        3 => backup_state().prop_map(Step::SetBackupState),
        1 => vec(writer(), 0..=2).prop_map(|writers| Step::DisableWriters { writers }),
        1 => vec(class, 0..=2).prop_map(|classes| Step::EnableWriterClasses { classes }),
        4 => Just(Step::GatherWriterMetadata),
        1 => Just(Step::GetWriterMetadataCount),
        1 => (0u32..4).prop_map(|index| Step::GetWriterMetadataAt { index }),
        1 => Just(Step::FreeWriterMetadata),
        3 => Just(Step::SelectAllComponents),
        1 => Just(Step::SelectComponentsInSet),
        1 => vec(writer(), 0..=2).prop_map(|writers| Step::SelectComponents { writers }),
        1 => component().prop_map(|component| Step::AddComponent { component }),
        4 => Just(Step::StartSnapshotSet),
        3 => (select(VOLUMES.to_vec()), select(PROVIDERS.to_vec())).prop_map(
            |(volume, provider)| Step::AddToSnapshotSet { volume: volume.to_owned(), provider }
        ),
        1 => (select(VOLUMES.to_vec()), select(PROVIDERS.to_vec())).prop_map(
            |(volume, provider)| Step::IsVolumeSupported { volume: volume.to_owned(), provider }
        ),
        4 => Just(Step::PrepareForBackup),
        4 => Just(Step::DoSnapshotSet),
        1 => snapshot.clone().prop_map(|snapshot| Step::GetSnapshotProperties { snapshot }),
        1 => Just(Step::Query),
        1 => snapshot.clone().prop_map(|snapshot| Step::DeleteSnapshots { snapshot }),
        1 => snapshot.clone().prop_map(|snapshot| Step::UnexposeSnapshot { snapshot }),
        1 => (snapshot.clone(), select(EXPOSE_AS.to_vec()), proptest::bool::ANY).prop_map(
            |(snapshot, expose, remotely)| Step::ExposeSnapshot {
                snapshot,
                expose: expose.map(str::to_owned),
                remotely,
            }
        ),
        1 => Just(Step::BreakSnapshotSet),
        1 => (snapshot, proptest::bool::ANY).prop_map(|(snapshot, force_dismount)| {
            Step::RevertToSnapshot { snapshot, force_dismount }
        }),
        1 => select(VOLUMES.to_vec())
            .prop_map(|volume| Step::QueryRevertStatus { volume: volume.to_owned() }),
        1 => (component(), proptest::bool::ANY).prop_map(|(component, succeeded)| {
            Step::SetBackupSucceeded { component, succeeded }
        }),
        2 => Just(Step::GatherWriterStatus),
        2 => Just(Step::GetWriterStatus { expect_rows: None }),
        1 => (0u32..4).prop_map(|index| Step::GetWriterStatusAt { index }),
        1 => Just(Step::FreeWriterStatus),
        1 => Just(Step::GetWriterMetadata { expect_writers: None }),
        3 => Just(Step::BackupComplete),
        2 => Just(Step::AbortBackup),
        1 => Just(Step::SaveAsXml),
        2 => Just(Step::InitializeForRestore { bcd: None }),
        1 => Just(Step::InitializeForBackupFrom { bcd: None }),
        1 => Just(Step::ImportSnapshots),
        2 => Just(Step::SelectAllForRestore),
        1 => vec(writer(), 0..=2).prop_map(|writers| Step::SelectForRestore { writers }),
        1 => (component(), proptest::bool::ANY).prop_map(|(component, selected)| {
            Step::SetSelectedForRestore { component, selected }
        }),
        2 => Just(Step::PreRestore),
        1 => select(FileRestoreStatus::ALL.to_vec())
            .prop_map(|status| Step::SetFileRestoreStatus { component: None, status }),
        2 => Just(Step::PostRestore),
        6 => (op(), select(WAIT_TIMEOUTS_MS.to_vec()))
            .prop_map(|(op, timeout_ms)| Step::Wait { op, timeout_ms }),
        1 => op().prop_map(|op| Step::QueryStatus { op }),
        1 => op().prop_map(|op| Step::Cancel { op }),
        1 => select(SLEEPS_MS.to_vec()).prop_map(|ms| Step::Sleep { ms }),
        1 => Just(Step::Release),
        1 => Just(Step::Crash),
        1 => writer().prop_map(|writer| Step::RestartWriter { writer }),
        1 => writer().prop_map(|writer| Step::StopWriter { writer }),
        1 => Just(Step::RestartService),
        1 => writer().prop_map(|writer| Step::StartWriter { writer }),
        1 => (select(VOLUMES.to_vec()), select(WRITES_BYTES.to_vec())).prop_map(
            |(volume, bytes)| Step::WriteToVolume { volume: volume.to_owned(), bytes }
        ),
    ]
}

/// What `ExposeSnapshot` steps ask for: a free letter, a volume's letter, a mount folder, a
/// share, or nothing (VSS picks a share name; locally, an error).
const EXPOSE_AS: [Option<&str>; 5] = [
    Some("X:"),
    Some("C:"),
    Some("C:\\Snap"),
    Some("Share"),
    None,
];

/// How much a `WriteToVolume` step writes: nothing, a little, enough to fill the default
/// shadow storage of a volume.
const WRITES_BYTES: [u64; 3] = [0, 64 << 20, 96 << 30];

/// A machine fault on one of the writers `W0`–`W3` (a name may match no writer).
fn machine_fault() -> impl Strategy<Value = MachineFault> {
    (
        0u8..4,
        select(WRITER_NAMES.to_vec()).prop_map(str::to_owned),
    )
        .prop_map(|(kind, writer)| match kind {
            0 => MachineFault::StopWriter(writer),
            1 => MachineFault::StartWriter(writer),
            2 => MachineFault::RestartWriter(writer),
            _ => MachineFault::RestartService,
        })
}

/// `SetBackupState` arguments: mostly component mode, any backup type.
fn backup_state() -> impl Strategy<Value = BackupState> {
    (
        proptest::bool::weighted(0.85),
        proptest::bool::weighted(0.1),
        select(BackupType::ALL.to_vec()),
        proptest::bool::weighted(0.1),
    )
        .prop_map(
            |(select_components, bootable_system_state, backup_type, partial_file_support)| {
                BackupState {
                    select_components,
                    bootable_system_state,
                    backup_type,
                    partial_file_support,
                }
            },
        )
}

/// The writer names program steps pick from (writers are named `W0`, `W1`, …).
const WRITER_NAMES: [&str; 4] = ["W0", "W1", "W2", "W3"];

/// `S_OK` first: a shrunk provider fault returns success.
const PROVIDER_RESULTS: [Hresult; 5] = [
    Hresult::S_OK,
    Hresult::VSS_E_INSUFFICIENT_STORAGE,
    Hresult::VSS_E_PROVIDER_VETO,
    Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
    Hresult::E_UNEXPECTED,
];

/// Provider step durations on and around the 10 s hold-writes window (R89).
const PROVIDER_SPENDS_MS: [u64; 6] = [0, 500, 9_999, 10_000, 10_001, 30_000];

/// `CommitSnapshots` durations: half of them hold writes past the 10 s window (R89).
const COMMIT_MS: [u64; 6] = [0, 500, 9_999, 10_001, 12_000, 30_000];

/// Handler durations: instant, slow, around the 10 s hold-writes window (R89), past a 20 s and
/// the default 60 s freeze window (R59), and a 10-minute hang.
const SPENDS_MS: [u64; 9] = [0, 0, 0, 200, 10_001, 20_000, 60_001, 61_000, 600_000];

const FREEZE_TIMEOUTS_MS: [u64; 5] = [60_000, 20_000, 10_000, 1_000, 0];

const LEVELS: [ApplicationLevel; 5] = [
    ApplicationLevel::VSS_APP_FRONT_END,
    ApplicationLevel::VSS_APP_BACK_END,
    ApplicationLevel::VSS_APP_SYSTEM,
    ApplicationLevel::VSS_APP_UNKNOWN,
    ApplicationLevel::VSS_APP_AUTO,
];

const SLEEPS_MS: [u64; 7] = [10, 500, 5_000, 10_001, 20_000, 61_000, 600_000];

/// `None` first: a shrunk wait waits for the operation to finish.
const WAIT_TIMEOUTS_MS: [Option<u64>; 6] = [
    None,
    Some(0),
    Some(100),
    Some(1_000),
    Some(30_000),
    Some(70_000),
];

/// Raw `SetContext` values: the backup context (0), the other contexts (T6), `VSS_CTX_ALL`,
/// attribute bits alone and an unknown bit.
const CONTEXTS: [u32; 8] = [0, 0x10, 0x19, 0x09, 0x1D, 0xFFFF_FFFF, 0x0006_0000, 0x08];

/// Providers `AddToSnapshotSet` names: `GUID_NULL` (VSS chooses) first, the system provider, one
/// no machine has.
const PROVIDERS: [Option<ProviderId>; 3] = [
    None,
    Some(crate::vocab::well_known::SYSTEM_PROVIDER),
    Some(ProviderId::from_u128(0xbad)),
];

/// The class ids scenario writers get when a scenario file names none (see
/// `Scenario::writer_configs`): `EnableWriterClasses` steps pick among the first five.
const GENERATED_CLASS: u128 = 0x5653_5f57_0000 + 1;

/// `C:\` first; `E:\` is unknown to every machine and `""` is no volume at all.
const VOLUMES: [&str; 4] = ["C:\\", "D:\\", "E:\\", ""];
