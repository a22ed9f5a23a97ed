//! [`WriterConformance`]: drives a user's writer through the catalogue (and, on request, every
//! interleaving up to a bound) and reports every broken obligation.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::axes::SharedAxisLog;
use super::catalogue::{self, Case, Plan, STEP_MS};
use super::obligations::{self, Behaviour, Handling, RunFacts};
use super::probe::{NamedProbe, Probe, ProbeScope, ScopeKind};
use super::replay::{self, Selection};
use super::report::{ConformanceReport, Finding, Obligation};
use super::wrappers::{Observations, OneShotProvider, Peer, Shared, Subject};
use crate::guard;
use crate::provider::{Provider, SoftwareProvider};
use crate::sim::{
    canonical_backup, Bounds, Explorer, FaultCatalogue, Faults, ProgramStep, RecordingChooser,
    ReplayChooser, Scenario, SharedChooser, Step, Substitute, WriterSpec,
};
use crate::trace::Trace;
use crate::vocab::{ApplicationLevel, BackupType, Policies, Rule, WriterClassId, WriterEvent};
use crate::vocab::{ProviderStep, SessionNo, WriterNo};
use crate::writer::{Axes, Axis, Writer, WriterConfig};

/// Exhaustive mode: every execution of a backup with the writer under test among two peers,
/// under a fault catalogue, up to bounds.
#[derive(Clone, Debug)]
pub struct Exhaustive {
    /// The faults that may hit the peers, the provider and the requester (never the writer
    /// under test: its own failures are the catalogue's business).
    pub faults: FaultCatalogue,
    /// The explorer's bounds.
    pub bounds: Bounds,
}

impl Default for Exhaustive {
    /// The standard catalogue with up to two faults per run, the faults' placement explored
    /// but not the delivery order: a few hundred executions, well under a second for one
    /// writer. Set `bounds.branch_on_order` to also vary the order (far more executions).
    fn default() -> Self {
        Self {
            faults: FaultCatalogue::standard().with_max_faults(2),
            bounds: Bounds {
                max_executions: 200_000,
                ..Bounds::default()
            },
        }
    }
}

/// Which runs the kit also judges the simulated VSS itself in: the oracle's engine rules
/// ([`Obligation::EngineBug`](super::Obligation::EngineBug)). The writer's own rules (its API
/// use, R49, R66, R68–R70, R114, and `BOUND` for a handler that never returns) are judged in
/// every run either way.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum EngineCheck {
    /// In every run with a finding (the default): where an engine bug could have caused it, the
    /// report says so. A run without findings has nothing an engine bug could have pinned on
    /// the writer. The simulator's own test suite runs the catalogue under [`Self::EveryRun`].
    #[default]
    OnFindings,
    /// In every run: about six times the oracle's work, for a test that also wants the
    /// simulator's conduct checked everywhere.
    EveryRun,
}

/// Drives a writer through every documented backup path and checks its obligations.
///
/// ```
/// use vss_sim::testkit::WriterConformance;
/// use vss_sim::vocab::{ComponentType, RestoreMethod};
/// use vss_sim::writer::{HandlerContext, Writer, WriterMetadata};
///
/// #[derive(Default)]
/// struct Journal { frozen: bool }
///
/// impl Writer for Journal {
///     fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
///         md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
///         md.add_component(ComponentType::VSS_CT_FILEGROUP, None, "journal");
///         true
///     }
///     fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool { true }
///     fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool { self.frozen = true; true }
///     fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool { self.frozen = false; true }
///     fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool { self.frozen = false; true }
///     fn on_backup_shutdown(
///         &mut self, _: &mut HandlerContext<'_>, _: vss_sim::vocab::SnapshotSetId,
///     ) -> bool {
///         self.frozen = false;
///         true
///     }
/// }
///
/// WriterConformance::new(Journal::default)
///     .probe("accepts writes", |w: &Journal| !w.frozen)
///     .run()
///     .assert_ok();
/// ```
pub struct WriterConformance<W> {
    factory: Box<dyn FnMut() -> W>,
    config: WriterConfig,
    probes: Vec<NamedProbe<W>>,
    /// The volumes the kit's requesters put in every set; `None`: the volumes the writer's
    /// declared files live on (`C:\` when it declares none), found by the reference run.
    volumes: Option<Vec<String>>,
    /// The test named the volumes (`.volumes`): they are pinned.
    volumes_pinned: bool,
    /// The context the kit's requesters set (`lContext`); `None`: `VSS_CTX_BACKUP`, the
    /// default, without a `SetContext` call, and the catalogue's context cases.
    context: Option<u32>,
    /// The writer's components the kit's requesters include, as (logical path, name); `None`:
    /// all of them (`SelectAllComponents`), and the catalogue's subset case.
    components: Option<Vec<(Option<String>, String)>>,
    /// Backup-type chains the test adds to the catalogue's (`stamps/…` cases).
    sequences: Vec<Vec<BackupType>>,
    /// Which axes the writer's handlers read, and the values the runs gave them.
    axes: SharedAxisLog,
    policies: Vec<Policies>,
    budgets: BTreeMap<WriterEvent, u64>,
    exhaustive: Option<Exhaustive>,
    engine: EngineCheck,
    /// `only_case`: the one case to run, over `VSS_SIM_CASE`.
    only: Option<String>,
    /// Problems in the test's own code, by kind: the first one's message, and how many runs
    /// had it.
    test_errors: BTreeMap<&'static str, (String, usize)>,
}

/// One run of the writer under test: the trace, what the kit saw of each of its handlers, and
/// the at-rest answers of the probes at the end (declaration order; `None`: not such a probe,
/// or it panicked).
struct Execution {
    trace: Trace,
    handlings: Vec<Handling>,
    final_probes: Vec<Option<bool>>,
}

impl<W: Writer + 'static> WriterConformance<W> {
    /// A conformance run for the writers `factory` makes (one fresh writer per run), registered
    /// as `WriterUnderTest`, front-end, with the default 60 s freeze window.
    pub fn new(factory: impl FnMut() -> W + 'static) -> Self {
        let config = WriterConfig::new(
            WriterClassId::from_u128(0x5654_5354_0000_0000_0000_0000_0000_0001),
            "WriterUnderTest",
        );
        Self {
            factory: Box::new(factory),
            budgets: BTreeMap::from([(WriterEvent::Freeze, config.freeze_timeout_ms)]),
            config,
            probes: Vec::new(),
            volumes: None,
            volumes_pinned: false,
            context: None,
            components: None,
            sequences: Vec::new(),
            axes: SharedAxisLog::default(),
            policies: vec![Policies::default()],
            exhaustive: None,
            engine: EngineCheck::default(),
            only: None,
            test_errors: BTreeMap::new(),
        }
    }

    /// The writer's `CVssWriter::Initialize` arguments (name, class, level, freeze window).
    #[must_use]
    pub fn config(mut self, config: WriterConfig) -> Self {
        self.budgets
            .insert(WriterEvent::Freeze, config.freeze_timeout_ms);
        self.config = config;
        self
    }

    /// How to tell the application is not frozen ([`ProbeScope::Resumed`]): checked after
    /// Abort, Thaw and BackupShutdown, and at rest. Without a probe the kit cannot check that
    /// the writer resumes its application. State a writer may keep during a backup belongs in
    /// a [`probe_at_rest`](Self::probe_at_rest) instead.
    #[must_use]
    pub fn probe(self, name: impl Into<String>, probe: impl Probe<W> + 'static) -> Self {
        self.probe_in(ProbeScope::Resumed, name, probe)
    }

    /// A probe that must hold whenever no backup of the writer is in flight
    /// ([`ProbeScope::AtRest`]): after the last BackupShutdown, before each new backup, at the
    /// end of every run. For state kept during a backup (temporary copies, open handles).
    #[must_use]
    pub fn probe_at_rest(self, name: impl Into<String>, probe: impl Probe<W> + 'static) -> Self {
        self.probe_in(ProbeScope::AtRest, name, probe)
    }

    /// A probe that must hold after every handler for which `when`, given the events handled
    /// so far, says yes ([`ProbeScope::When`]).
    #[must_use]
    pub fn probe_when(
        self,
        name: impl Into<String>,
        when: impl Fn(&[WriterEvent]) -> bool + 'static,
        probe: impl Probe<W> + 'static,
    ) -> Self {
        self.probe_in(ProbeScope::when(when), name, probe)
    }

    /// A probe of any scope. Each probe needs a name of its own: a second probe with a name
    /// already taken is a test error (the report says so).
    #[must_use]
    pub fn probe_in(
        mut self,
        scope: ProbeScope,
        name: impl Into<String>,
        probe: impl Probe<W> + 'static,
    ) -> Self {
        self.probes.push(NamedProbe {
            name: name.into(),
            scope,
            probe: Rc::new(probe),
        });
        self
    }

    /// Pins the volumes every set of the kit's requesters holds (`C:\`, `D:\Data\`); each is
    /// added to the simulated machine. The catalogue's `volumes/another-volume-too` case is then
    /// left out.
    ///
    /// By default the sets hold the volumes the writer's declared files live on, read from its
    /// first `OnIdentify` (environment variables such as `%SystemRoot%` expanded), and `C:\`
    /// when it declares no file: a writer whose files are on `D:\` is then backed up with `D:\`
    /// in the set, not vacuously without it.
    #[must_use]
    pub fn volumes<S: Into<String>>(mut self, volumes: impl IntoIterator<Item = S>) -> Self {
        let volumes: Vec<String> = volumes.into_iter().map(Into::into).collect();
        self.volumes = (!volumes.is_empty()).then_some(volumes);
        self.volumes_pinned = self.volumes.is_some();
        self
    }

    /// Pins the context the kit's requesters ask for (`SetContext(lContext)`: a writer
    /// context, `VSS_CTX_BACKUP`, `VSS_CTX_APP_ROLLBACK` or `VSS_CTX_CLIENT_ACCESSIBLE_WRITERS`,
    /// with requester attribute bits such as `VSS_VOLSNAP_ATTR_NO_AUTORECOVERY`), for a writer
    /// only ever backed up in that context.
    ///
    /// By default the cases call no `SetContext` (`VSS_CTX_BACKUP`) and the catalogue's
    /// `context/…` cases vary the context and its attributes; pinned, those cases are left out,
    /// and a writer that reads the context (`GetContext`) is warned that the run held it
    /// constant. A value `SetContext` refuses (`VSS_VOLSNAP_ATTR_AUTORECOVER` is VSS's bit, not
    /// the requester's), or a context without writers (R105), is a test error and no case
    /// runs.
    #[must_use]
    pub fn context(mut self, context: u32) -> Self {
        self.context = Some(context);
        self
    }

    /// Pins the writer's components the kit's requesters include, instead of all of them:
    /// each by its component path, `name` for a component at the root or
    /// `logical\path\name` (R109). The peers' components stay included. The catalogue's
    /// `components/first-only` case is then left out. A path the writer does not declare is a
    /// test error.
    #[must_use]
    pub fn components<S: Into<String>>(mut self, components: impl IntoIterator<Item = S>) -> Self {
        let components: Vec<(Option<String>, String)> = components
            .into_iter()
            .map(|path| {
                let path: String = path.into();
                match path.rsplit_once('\\') {
                    Some((logical, name)) => (Some(logical.to_owned()), name.to_owned()),
                    None => (None, path),
                }
            })
            .collect();
        self.components = (!components.is_empty()).then_some(components);
        self
    }

    /// Adds a chain of backups of these types to the catalogue, as the `stamps/…` cases run
    /// theirs (`stamps/full-log-log` for full, log, log): each backup saves its document, and
    /// the next hands the writer's backup stamps back (R113, R114). The catalogue already runs
    /// full → incremental → incremental and full → differential → differential.
    #[must_use]
    pub fn backup_sequence(mut self, types: impl IntoIterator<Item = BackupType>) -> Self {
        let types: Vec<BackupType> = types.into_iter().collect();
        if !types.is_empty() {
            self.sequences.push(types);
        }
        self
    }

    /// The axes the test pins, whose varying cases are left out of the catalogue.
    fn pinned(&self) -> Axes {
        Axis::ALL
            .iter()
            .filter(|axis| self.pinned_by(**axis).is_some())
            .fold(Axes::NONE, |pinned, axis| pinned.with(*axis))
    }

    /// The setting that pins `axis`, as the test wrote it (for a warning); `None` when the
    /// test leaves it to the catalogue.
    fn pinned_by(&self, axis: Axis) -> Option<&'static str> {
        match axis {
            Axis::Context | Axis::Attributes if self.context.is_some() => Some(".context(…)"),
            Axis::Volumes | Axis::DeviceNames if self.volumes_pinned => Some(".volumes([…])"),
            Axis::SelectedComponents if self.components.is_some() => Some(".components([…])"),
            _ => None,
        }
    }

    /// Runs the catalogue under each of these policy sets (spec Q1–Q30) instead of the
    /// defaults alone.
    #[must_use]
    pub fn policies(mut self, policies: impl IntoIterator<Item = Policies>) -> Self {
        self.policies = policies.into_iter().collect();
        if self.policies.is_empty() {
            self.policies.push(Policies::default());
        }
        self
    }

    /// The longest virtual time the writer's handler for `event` may take (R71). `OnFreeze`'s
    /// budget starts as the writer's freeze window.
    #[must_use]
    pub fn budget(mut self, event: WriterEvent, ms: u64) -> Self {
        self.budgets.insert(event, ms);
        self
    }

    /// Also explores every interleaving up to `exhaustive`'s bounds.
    #[must_use]
    pub fn exhaustive(mut self, exhaustive: Exhaustive) -> Self {
        self.exhaustive = Some(exhaustive);
        self
    }

    /// Which runs the simulated VSS itself is judged in ([`EngineCheck`]; default: those with
    /// a finding).
    #[must_use]
    pub fn engine_check(mut self, engine: EngineCheck) -> Self {
        self.engine = engine;
        self
    }

    /// Runs only the case `id` (as `VSS_SIM_CASE=<id>` does, without touching the
    /// environment): for a test of its own around one case. An id that names no case is a test
    /// error, as in `VSS_SIM_CASE`.
    #[must_use]
    pub fn only_case(mut self, id: impl Into<String>) -> Self {
        self.only = Some(id.into());
        self
    }

    /// The catalogue's cases for this writer: the standard ones, less those varying an axis
    /// the test pins, plus the backup sequences it adds.
    pub fn cases(&self) -> Vec<Case> {
        let pinned = self.pinned();
        let mut cases: Vec<Case> = catalogue::catalogue(self.config.freeze_timeout_ms)
            .into_iter()
            .filter(|case| !case.plan.varies.overlaps(pinned))
            .collect();
        for chain in &self.sequences {
            let case = catalogue::stamp_chain(chain);
            if !cases.iter().any(|c| c.id == case.id) {
                cases.push(case);
            }
        }
        cases
    }

    /// Runs every case (only the one `VSS_SIM_CASE` names, if set) and reports.
    pub fn run(mut self) -> ConformanceReport {
        // A panicking handler is a finding, not a backtrace per run on the terminal.
        crate::guard::quiet_user_panics();
        let mut selection = Selection::from_env();
        if let Some(id) = self.only.take() {
            selection.select_case(id);
        }
        let mut seen = std::collections::BTreeSet::new();
        let names: Vec<String> = self.probes.iter().map(|p| p.name.clone()).collect();
        for name in names {
            if !seen.insert(name.clone()) {
                let message = format!(
                    "two probes are named `{name}`: give each probe a name of its own, so findings \
                     say which one failed"
                );
                self.test_error("probe names", message);
            }
        }
        if let Some(problem) = self.context.and_then(context_problem) {
            // Every case would run in another context than the test says: none runs.
            return ConformanceReport {
                writer: self.config.name.clone(),
                test_errors: vec![problem],
                ..ConformanceReport::default()
            };
        }
        let mut ids = Vec::new();
        let mut report = ConformanceReport {
            writer: self.config.name.clone(),
            ..ConformanceReport::default()
        };
        let cases = self.cases();
        let many = self.policies.len() > 1;
        for (n, policies) in self.policies.clone().into_iter().enumerate() {
            let Some((reference, trace)) = self.reference(policies) else {
                continue;
            };
            if n == 0 && !reference.iter().any(|b| b.event == WriterEvent::Freeze) {
                report.findings.push(Finding {
                    case: "happy/full".to_owned(),
                    obligation: Obligation::TakesPart,
                    rule: Rule::R72,
                    message: no_freeze_message(&reference),
                    trace,
                    replay: replay::command("happy/full", None),
                });
            }
            for case in &cases {
                let id = if many {
                    format!("{}@policies{n}", case.id)
                } else {
                    case.id.clone()
                };
                ids.push(id.clone());
                if !selection.includes(&id) {
                    continue;
                }
                report.cases += 1;
                report.runs += 1;
                let findings = self.run_case(&id, &case.plan, policies, &reference);
                report.findings.extend(findings);
            }
        }
        if let Some(exhaustive) = self.exhaustive.take() {
            ids.push(replay::EXHAUSTIVE.to_owned());
            if selection.includes(replay::EXHAUSTIVE) {
                report.cases += 1;
                self.explore(&exhaustive, &selection, &mut report);
            }
        }
        selection.check_matched(&ids);
        report.axes = self.axes.borrow().coverage();
        if selection.is_everything() && self.test_errors.is_empty() && report.cases > 0 {
            // A replay of one case holds every axis constant: no warning for that.
            report.warnings = report
                .axes
                .iter()
                .filter_map(|axis| axis.warning(self.pinned_by(axis.axis)))
                .collect();
        }
        report.test_errors = std::mem::take(&mut selection.errors);
        for (message, runs) in std::mem::take(&mut self.test_errors).into_values() {
            report.test_errors.push(match runs {
                1 => message,
                _ => format!("{message} (and in {} more runs)", runs - 1),
            });
        }
        report
    }

    /// What a fresh writer does in its first backup when nothing goes wrong, and that run.
    fn reference(&mut self, policies: Policies) -> Option<(Vec<Behaviour>, Trace)> {
        let steps = canonical_backup(0);
        let scenario = self.scenario(policies, steps, 1);
        let Execution {
            trace, handlings, ..
        } = self.execute_fitted(
            "happy/full",
            &scenario,
            super::wrappers::SubjectFaults::default(),
            None,
            None,
            None,
            false,
        )?;
        let metadata = handlings
            .iter()
            .find_map(|h| h.observation.metadata.as_ref());
        if let (Some(metadata), Some(components)) = (metadata, &self.components) {
            if let Some(message) = undeclared_component(metadata, components) {
                self.test_error("components", message);
                self.components = None;
                return None;
            }
        }
        if self.volumes.is_none() {
            // The first Identify tells where the writer's files are: back those volumes up.
            let declared = metadata.map(declared_volumes).unwrap_or_default();
            if !declared.is_empty() && declared != ["C:\\"] {
                self.volumes = Some(declared);
                // That run was the kit finding its way, not one of the catalogue's backups.
                self.axes.take();
                return self.reference(policies);
            }
        }
        let behaviours = handlings
            .iter()
            .filter(|h| h.session == SessionNo(0))
            .map(Handling::behaviour)
            .collect();
        Some((behaviours, trace))
    }

    fn run_case(
        &mut self,
        id: &str,
        plan: &Plan,
        base: Policies,
        reference: &[Behaviour],
    ) -> Vec<Finding> {
        let mut policies = base;
        (plan.policies)(&mut policies);
        let mut steps = plan.steps.clone();
        let follow_up = steps.iter().map(|s| s.requester).max().unwrap_or(0) + 1;
        steps.extend(canonical_backup(follow_up));
        let scenario = self.scenario(policies, steps, 1);
        let Some(Execution {
            trace,
            handlings,
            final_probes,
        }) = self.execute_fitted(
            id,
            &scenario,
            super::wrappers::SubjectFaults {
                forced: plan.subject.clone(),
                metadata: plan.metadata_fault,
            },
            plan.peer.clone(),
            plan.provider.clone(),
            None,
            plan.extra_volume,
        )
        else {
            return Vec::new();
        };
        let replay = replay::command(id, None);
        let probes = self.probe_kinds();
        let facts = RunFacts {
            case: id,
            replay: &replay,
            subject: WriterNo(0),
            probes: &probes,
            happy: plan.happy,
            freeze_window_expires: plan.freeze_window_expires,
            follow_up: Some((SessionNo(follow_up), reference)),
            final_probes: &final_probes,
            budgets: &self.budgets,
            engine: self.engine,
        };
        obligations::judge(&trace, &handlings, &facts)
    }

    /// The machine: the writer under test first, then `peers` writers freezing after it.
    fn scenario(&self, policies: Policies, steps: Vec<ProgramStep>, peers: usize) -> Scenario {
        let mut writers = vec![WriterSpec {
            class_id: Some(self.config.class_id),
            level: self.config.level,
            freeze_timeout_ms: self.config.freeze_timeout_ms,
            ..WriterSpec::new(self.config.name.clone())
        }];
        for n in 0..peers {
            writers.push(WriterSpec {
                level: peer_level(self.config.level, n),
                ..WriterSpec::new(format!("Peer{n}"))
            });
        }
        Scenario {
            name: format!("conformance of {}", self.config.name),
            description: String::new(),
            policies,
            writers,
            providers: Vec::new(),
            volumes: Vec::new(),
            os: Default::default(),
            machine: Default::default(),
            faults: FaultCatalogue::none(),
            steps,
            choices: Vec::new(),
            expect: Default::default(),
        }
    }

    /// Runs `scenario` with the writer under test, its peers (the first one failing once as
    /// `peer` says) and a provider failing once as `provider` says.
    /// `None` when the factory panicked (a test error).
    fn execute(
        &mut self,
        case: &str,
        scenario: &Scenario,
        subject: super::wrappers::SubjectFaults,
        peer: Option<super::wrappers::Forced>,
        provider: Option<(ProviderStep, crate::sim::ProviderFault)>,
        chooser: Option<SharedChooser>,
    ) -> Option<Execution> {
        let made = match guard::call(&mut self.factory) {
            Ok(writer) => writer,
            Err(panic) => {
                let message = format!(
                    "the writer factory panicked in case `{case}`: {}",
                    panic.message()
                );
                self.test_error("factory", message);
                return None;
            }
        };
        let shared: Shared<W> = Rc::new(RefCell::new(made));
        let probes: Rc<[NamedProbe<W>]> = self.probes.clone().into();
        let subject = Subject::new(shared.clone(), probes.clone(), subject, self.axes.clone());
        let observations: Observations = subject.observations.clone();
        let mut subject = Some(subject);
        let exhaustive = chooser.is_some();
        let own_config = self.config.clone();
        let mut writer = |index: usize, config: &WriterConfig| -> Option<Substitute> {
            if index == 0 {
                // Exhaustive mode's faults hit the peers, the provider and the requester, never
                // the writer under test; the catalogue forces its failures itself.
                return Some(Substitute {
                    config: own_config.clone(),
                    writer: Box::new(subject.take()?),
                    faults: if exhaustive {
                        Faults::Spare
                    } else {
                        Faults::Inject
                    },
                });
            }
            let forced = if index == 1 { peer.clone() } else { None };
            Some(Substitute {
                config: config.clone(),
                writer: Box::new(Peer::new(&config.name, STEP_MS, forced)),
                faults: Faults::Inject,
            })
        };
        let mut fault = provider;
        let mut provider = |_: usize, inner: SoftwareProvider| -> Option<Box<dyn Provider>> {
            let inner = TIMED_STEPS
                .iter()
                .fold(inner, |p, step| p.with_duration(*step, STEP_MS));
            Some(Box::new(OneShotProvider::new(
                Box::new(inner),
                fault.take(),
            )))
        };
        let chooser = chooser.unwrap_or_else(|| SharedChooser::new(ReplayChooser::new(Vec::new())));
        let outcome = scenario
            .runner()
            .chooser(chooser)
            .substitute_writers(&mut writer)
            .substitute_providers(&mut provider)
            .run();
        let observations = std::mem::take(&mut *observations.borrow_mut());
        if let Some((name, event, panic)) = observations.iter().find_map(|o| o.probe_panic.clone())
        {
            let message = format!(
                "the probe `{name}` panicked around On{event} in case `{case}`: {}",
                panic.message()
            );
            self.test_error("probe", message);
        }
        let handlings = obligations::handlings(&outcome.trace, WriterNo(0), observations);
        let mut final_probes = Vec::with_capacity(probes.len());
        for named in probes.iter() {
            if !named.scope.holds_at_rest() {
                final_probes.push(None);
                continue;
            }
            match guard::call(|| named.probe.is_running_normally(&shared.borrow())) {
                Ok(answer) => final_probes.push(Some(answer)),
                Err(panic) => {
                    let message = format!(
                        "the probe `{}` panicked at the end of case `{case}`: {}",
                        named.name,
                        panic.message()
                    );
                    self.test_error("final probe", message);
                    final_probes.push(None);
                }
            }
        }
        // The writer's own `Drop` is user code too.
        guard::dispose(shared);
        Some(Execution {
            trace: outcome.trace,
            handlings,
            final_probes,
        })
    }

    /// The probes' names and scope kinds, for judging a run.
    fn probe_kinds(&self) -> Vec<(String, ScopeKind)> {
        self.probes
            .iter()
            .map(|named| (named.name.clone(), named.scope.kind()))
            .collect()
    }

    /// Runs `scenario` as [`Self::execute`] does, after fitting its requester programs to the
    /// kit's volumes, context and components ([`Self::fit`]); with `extra_volume`, requester
    /// 0's sets hold one more volume.
    #[allow(clippy::too_many_arguments)]
    fn execute_fitted(
        &mut self,
        case: &str,
        scenario: &Scenario,
        subject: super::wrappers::SubjectFaults,
        peer: Option<super::wrappers::Forced>,
        provider: Option<(ProviderStep, crate::sim::ProviderFault)>,
        chooser: Option<SharedChooser>,
        extra_volume: bool,
    ) -> Option<Execution> {
        if self.volumes.is_none()
            && self.context.is_none()
            && self.components.is_none()
            && !extra_volume
        {
            // The defaults: `C:\`, no SetContext and every component, as the catalogue's
            // programs are written.
            return self.execute(case, scenario, subject, peer, provider, chooser);
        }
        let fitted = self.fit(scenario.clone(), extra_volume);
        self.execute(case, &fitted, subject, peer, provider, chooser)
    }

    /// `scenario` with the kit's volumes on the machine and in every set (each
    /// `AddToSnapshotSet` of `C:\` becomes one per volume, and with `extra_volume` one more in
    /// requester 0's sets), its context set right after each `InitializeForBackup` of a program
    /// that sets none, and its components in place of each `SelectAllComponents`.
    fn fit(&self, mut scenario: Scenario, extra_volume: bool) -> Scenario {
        let volumes = self
            .volumes
            .clone()
            .unwrap_or_else(|| vec!["C:\\".to_owned()]);
        let mut machine: Vec<String> = vec!["C:\\".to_owned()];
        for volume in &volumes {
            if !machine.iter().any(|v| crate::vocab::same_path(v, volume)) {
                machine.push(volume.clone());
            }
        }
        // The extra volume: the first drive letter from E: on that is not the writer's.
        let extra = extra_volume
            .then(|| {
                (b'E'..=b'Z')
                    .map(|letter| format!("{}:\\", char::from(letter)))
                    .find(|v| !machine.iter().any(|m| crate::vocab::same_path(m, v)))
            })
            .flatten();
        machine.extend(extra.clone());
        if machine.len() > 1 {
            scenario.volumes = machine
                .iter()
                .map(|v| crate::vocab::Volume::new(v.clone()))
                .collect();
        }
        let sets_context: Vec<u32> = scenario
            .steps
            .iter()
            .filter(|s| matches!(s.step, Step::SetContext { .. }))
            .map(|s| s.requester)
            .collect();
        let peers: Vec<String> = scenario.writers[1..]
            .iter()
            .map(|w| w.name.clone())
            .collect();
        let mut steps = Vec::with_capacity(scenario.steps.len() + volumes.len());
        for program_step in scenario.steps {
            let requester = program_step.requester;
            let by = |step: Step| ProgramStep {
                step,
                ..program_step.clone()
            };
            match &program_step.step {
                Step::AddToSnapshotSet {
                    volume,
                    provider: None,
                } if volume == "C:\\" => {
                    let extra = extra.iter().filter(|_| requester == 0);
                    for volume in volumes.iter().chain(extra) {
                        steps.push(by(Step::AddToSnapshotSet {
                            volume: volume.clone(),
                            provider: None,
                        }));
                    }
                }
                Step::SelectAllComponents if self.components.is_some() => {
                    let own =
                        self.components.iter().flatten().map(|(path, name)| {
                            (self.config.name.clone(), path.clone(), name.clone())
                        });
                    let theirs = peers.iter().map(|peer| (peer.clone(), None, peer.clone()));
                    for (writer, logical_path, name) in own.chain(theirs) {
                        steps.push(by(Step::AddComponent {
                            component: crate::sim::ComponentRef::Named {
                                writer,
                                logical_path,
                                name,
                            },
                        }));
                    }
                }
                Step::InitializeForBackup => {
                    steps.push(program_step.clone());
                    if let Some(context) =
                        self.context.filter(|_| !sets_context.contains(&requester))
                    {
                        steps.push(ProgramStep::by(requester, Step::SetContext { context }));
                    }
                }
                _ => steps.push(program_step),
            }
        }
        scenario.steps = steps;
        scenario
    }

    /// Keeps a problem of the test's own code: the first of its kind, counted.
    fn test_error(&mut self, kind: &'static str, message: String) {
        self.test_errors.entry(kind).or_insert((message, 0)).1 += 1;
    }

    /// Exhaustive mode: the explorer over a canonical backup with two peers and the faults.
    fn explore(
        &mut self,
        exhaustive: &Exhaustive,
        selection: &Selection,
        report: &mut ConformanceReport,
    ) {
        let mut scenario = self.scenario(Policies::default(), canonical_backup(0), 2);
        scenario.faults = exhaustive.faults.clone();
        let findings: RefCell<BTreeMap<(super::Obligation, Rule), Finding>> = RefCell::default();
        let runs = RefCell::new(0u64);
        let one = |this: &mut Self, chooser: SharedChooser| -> Trace {
            let recorder = Rc::new(RefCell::new(RecordingChooser::new(chooser)));
            let execution = this.execute_fitted(
                replay::EXHAUSTIVE,
                &scenario,
                super::wrappers::SubjectFaults::default(),
                None,
                None,
                Some(SharedChooser::from_rc(recorder.clone())),
                false,
            );
            *runs.borrow_mut() += 1;
            let Some(Execution {
                trace,
                handlings,
                final_probes,
            }) = execution
            else {
                return Trace::default();
            };
            let replay = replay::command(replay::EXHAUSTIVE, Some(&recorder.borrow().picks()));
            let probes = this.probe_kinds();
            let facts = RunFacts {
                case: replay::EXHAUSTIVE,
                replay: &replay,
                subject: WriterNo(0),
                probes: &probes,
                happy: false,
                freeze_window_expires: true,
                follow_up: None,
                final_probes: &final_probes,
                budgets: &this.budgets,
                engine: this.engine,
            };
            let mut kept = findings.borrow_mut();
            for finding in obligations::judge(&trace, &handlings, &facts) {
                kept.entry((finding.obligation, finding.rule))
                    .or_insert(finding);
            }
            trace
        };
        if let Some(picks) = &selection.choices {
            one(self, SharedChooser::new(ReplayChooser::new(picks.clone())));
        } else {
            let this = RefCell::new(&mut *self);
            Explorer::new(|chooser| one(&mut this.borrow_mut(), chooser))
                .bounds(exhaustive.bounds)
                .run();
        }
        report.runs += *runs.borrow();
        report.exhaustive_runs += *runs.borrow();
        report.findings.extend(findings.into_inner().into_values());
    }
}

/// Why the writer got no Freeze in a plain full backup, from what its handlers did there: an
/// `OnIdentify` that panicked or failed left it out (R10); otherwise it declared nothing to back
/// up (R72).
fn no_freeze_message(reference: &[Behaviour]) -> String {
    let identify = reference.iter().find(|b| b.event == WriterEvent::Identify);
    let left_out = identify.filter(|b| !b.ok);
    match left_out {
        Some(behaviour) => format!(
            "the writer received no Freeze in a plain full backup: its OnIdentify ended as \
             `{behaviour}`, so VSS left it out of the backup (R10); OnIdentify must succeed \
             (R64), or no case exercises the writer"
        ),
        None => "the writer received no Freeze in a plain full backup: declare a restore method \
                 and at least one component in OnIdentify, or no case exercises it"
            .to_owned(),
    }
}

/// What is wrong with `.context(raw)`, if anything: a value `SetContext` refuses, or a
/// context without writers (R105), where the writer would hear of no backup at all.
fn context_problem(raw: u32) -> Option<String> {
    match crate::vocab::Context::from_raw(raw) {
        Err(hr) => Some(format!(
            "`.context(0x{raw:08X})` is not a context SetContext accepts ({hr}): one \
             VSS_CTX_* value, optionally with requester bits such as \
             VSS_VOLSNAP_ATTR_NO_AUTORECOVERY"
        )),
        Ok(context) if !context.base.involves_writers() => Some(format!(
            "`.context(0x{raw:08X})` is {:?}, a context without writers (R105): the writer would \
             take part in no backup",
            context.base
        )),
        Ok(_) => None,
    }
}

/// The message for the first of `components` (logical path, name) that `metadata` does not
/// declare, naming those it does; `None` when it declares them all.
fn undeclared_component(
    metadata: &crate::vocab::WriterMetadata,
    components: &[(Option<String>, String)],
) -> Option<String> {
    let (logical, name) = components.iter().find(|(logical, name)| {
        !metadata
            .components
            .iter()
            .any(|c| c.logical_path == *logical && c.name == *name)
    })?;
    let declared: Vec<String> = metadata
        .components
        .iter()
        .map(|c| format!("`{}`", c.full_path()))
        .collect();
    Some(format!(
        "`.components` names `{}`, which the writer does not declare in OnIdentify (it declares {})",
        crate::vocab::component_full_path(logical.as_deref(), name),
        if declared.is_empty() {
            "none".to_owned()
        } else {
            declared.join(", ")
        }
    ))
}

/// The volumes (`D:\\`) the files `metadata` declares live on, by drive letter, once each and
/// in order of first mention; environment variables (`%SystemRoot%`) expanded. Files on a UNC
/// path or an unknown variable name no drive and are left out.
fn declared_volumes(metadata: &crate::vocab::WriterMetadata) -> Vec<String> {
    let mut volumes: Vec<String> = Vec::new();
    let files = metadata.components.iter().flat_map(|c| {
        c.files
            .iter()
            .chain(&c.database_files)
            .chain(&c.database_log_files)
    });
    for file in files {
        let path = crate::vocab::expand_environment(&file.path);
        let bytes = path.as_bytes();
        if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
            let volume = format!("{}:\\", char::from(bytes[0].to_ascii_uppercase()));
            if !volumes.contains(&volume) {
                volumes.push(volume);
            }
        }
    }
    volumes
}

/// The provider steps that take [`STEP_MS`] each, so requester cuts land between them.
const TIMED_STEPS: [ProviderStep; 7] = [
    ProviderStep::EndPrepareSnapshots,
    ProviderStep::PreCommitSnapshots,
    ProviderStep::CommitSnapshots,
    ProviderStep::PostCommitSnapshots,
    ProviderStep::PreFinalCommitSnapshots,
    ProviderStep::PostFinalCommitSnapshots,
    ProviderStep::AbortSnapshots,
];

/// The level of peer `n`: the first freezes after the writer under test (R46), the second
/// before it when there is a level before.
fn peer_level(level: ApplicationLevel, n: usize) -> ApplicationLevel {
    use ApplicationLevel as L;
    let after = match level {
        L::VSS_APP_FRONT_END => L::VSS_APP_BACK_END,
        _ => L::VSS_APP_SYSTEM,
    };
    let before = match level {
        L::VSS_APP_SYSTEM => L::VSS_APP_BACK_END,
        _ => L::VSS_APP_FRONT_END,
    };
    if n == 0 {
        after
    } else {
        before
    }
}
