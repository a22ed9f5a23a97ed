//! [`RequesterCheck`]: runs a backup tool's requester code against writers and providers that
//! misbehave, and reports broken requester rules and silent degradation.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use super::conformance::Exhaustive;
use super::consistency::{consistency, Consistency};
use super::replay::{self, Selection};
use super::report::{group, some_places, Group};
use crate::guard;
use crate::provider::SoftwareProvider;
use crate::requester::Vss;
use crate::sim::{
    FaultInjector, FaultyProvider, FaultyWriter, RecordingChooser, ReplayChooser, SharedChooser,
};
use crate::trace::oracle::{self, Party};
use crate::trace::Trace;
use crate::vocab::ProviderStep;
use crate::vocab::{
    ApplicationLevel, Call, Hresult, Policies, Rule, WriterClassId, WriterEvent, WriterFailure,
};
use crate::writer::{Reaction, ScriptedWriter, Writer, WriterConfig};

/// What the backup tool tells its user about the backup it just made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// "Backed up from an application-consistent shadow copy."
    Consistent,
    /// "Backed up from a shadow copy; these writers' data may not be consistent" (R54: a tool
    /// may go on without a writer it does not need, if it says so).
    ConsistentExcept(Vec<String>),
    /// "Backed up, but not application-consistent" (crash-consistent, or live files).
    NotConsistent,
    /// "The backup failed."
    Failed,
}

/// A machine the requester code runs against: writers and providers, one of them misbehaving.
#[derive(Clone, Debug)]
pub struct Adversary {
    /// A stable id; `VSS_SIM_CASE=<name>` runs only it.
    pub name: String,
    writers: Vec<(WriterConfig, ScriptedWriter)>,
    providers: Vec<SoftwareProvider>,
    policies: Policies,
    racing_backup: bool,
}

impl Adversary {
    /// A machine named `name` with two well-behaved writers (a front-end `AppWriter` and a
    /// back-end `DbWriter`) and the system provider.
    pub fn new(name: impl Into<String>) -> Self {
        let writer = |n: u128, name: &str, level| {
            (
                WriterConfig::new(WriterClassId::from_u128(0x5245_5100 + n), name).level(level),
                ScriptedWriter::new(name),
            )
        };
        Self {
            name: name.into(),
            writers: vec![
                writer(1, "AppWriter", ApplicationLevel::VSS_APP_FRONT_END),
                writer(2, "DbWriter", ApplicationLevel::VSS_APP_BACK_END),
            ],
            providers: vec![SoftwareProvider::system()],
            policies: Policies::default(),
            racing_backup: false,
        }
    }

    /// `DbWriter` reacts to `event` with `reaction`.
    #[must_use]
    pub fn db_writer(mut self, event: WriterEvent, reaction: Reaction) -> Self {
        let (_, writer) = &mut self.writers[1];
        *writer = std::mem::take(writer).on(event, reaction);
        self
    }

    /// The system provider's `step` returns `hr` after `spend_ms`.
    #[must_use]
    pub fn provider(mut self, step: ProviderStep, spend_ms: u64, hr: Hresult) -> Self {
        let provider = std::mem::replace(&mut self.providers[0], SoftwareProvider::system());
        self.providers[0] = provider.with_duration(step, spend_ms).with_result(step, hr);
        self
    }

    /// Another requester has a snapshot set in creation for as long as the code runs (R15):
    /// `StartSnapshotSet` gets `VSS_E_SNAPSHOT_SET_IN_PROGRESS` (field failure 14).
    #[must_use]
    pub fn racing_backup(mut self) -> Self {
        self.racing_backup = true;
        self
    }

    /// Runs under `policies`.
    #[must_use]
    pub fn policies(mut self, policies: Policies) -> Self {
        self.policies = policies;
        self
    }

    /// The standard adversaries: all well; `DbWriter` vetoing each backup event; failing
    /// Freeze or Thaw; stalling past its freeze window; the provider out of storage, failing
    /// the commit, or holding writes past 10 s; and another backup racing.
    pub fn catalogue() -> Vec<Self> {
        let veto = Reaction::veto(WriterFailure::VSS_E_WRITERERROR_RETRYABLE);
        let fatal = Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE);
        let mut all = vec![Self::new("all-well")];
        for event in [
            WriterEvent::PrepareForBackup,
            WriterEvent::PrepareForSnapshot,
            WriterEvent::Freeze,
            WriterEvent::Thaw,
            WriterEvent::PostSnapshot,
            WriterEvent::BackupComplete,
        ] {
            all.push(Self::new(format!("writer-vetoes/{event:?}")).db_writer(event, veto.clone()));
        }
        for event in [WriterEvent::Freeze, WriterEvent::Thaw] {
            all.push(Self::new(format!("writer-fails/{event:?}")).db_writer(event, fatal.clone()));
        }
        all.push(
            Self::new("writer-stalls/Freeze")
                .db_writer(WriterEvent::Freeze, Reaction::slow(61_000)),
        );
        all.push(Self::new("provider/insufficient-storage").provider(
            ProviderStep::EndPrepareSnapshots,
            0,
            Hresult::VSS_E_INSUFFICIENT_STORAGE,
        ));
        all.push(Self::new("provider/commit-fails").provider(
            ProviderStep::CommitSnapshots,
            0,
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
        ));
        all.push(Self::new("provider/holds-writes-over-10s").provider(
            ProviderStep::CommitSnapshots,
            10_001,
            Hresult::S_OK,
        ));
        all.push(Self::new("another-backup-in-progress").racing_backup());
        all
    }

    fn build(&self, chooser: Option<(SharedChooser, &crate::sim::FaultCatalogue)>) -> Vss {
        let mut builder = Vss::builder().policies(self.policies);
        let faults = chooser
            .as_ref()
            .map(|(chooser, catalogue)| FaultInjector::new((*catalogue).clone(), chooser.clone()));
        if let Some((chooser, _)) = &chooser {
            builder = builder.chooser(chooser.clone());
        }
        for (index, (config, writer)) in self.writers.iter().enumerate() {
            let writer: Box<dyn Writer> = Box::new(writer.clone());
            let writer: Box<dyn Writer> = match &faults {
                Some(faults) => Box::new(FaultyWriter::new(writer, index as u32, faults.clone())),
                None => writer,
            };
            builder = builder.boxed_writer(config.clone(), writer);
        }
        for (index, provider) in self.providers.iter().enumerate() {
            builder = match &faults {
                Some(faults) => builder.provider(FaultyProvider::new(
                    Box::new(provider.clone()),
                    index as u32,
                    faults.clone(),
                )),
                None => builder.provider(provider.clone()),
            };
        }
        builder.build()
    }
}

/// What kind of problem a [`RequesterFinding`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Issue {
    /// The requester broke this rule (R25, R26, R52, R54, …).
    Broke(Rule),
    /// The requester claimed more consistency than the snapshot backs: silent degradation
    /// (field failure FF23).
    SilentDegradation,
    /// The requester code panicked.
    Panicked,
    /// The simulated VSS broke this rule: a bug in vss-sim, please report it.
    EngineBug(Rule),
}

impl Issue {
    /// The catalogue entry behind the issue, if there is one.
    pub const fn rule(self) -> Option<Rule> {
        match self {
            Self::Broke(rule) | Self::EngineBug(rule) => Some(rule),
            Self::SilentDegradation => Some(Rule::FF23),
            Self::Panicked => None,
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Broke(rule) => write!(f, "{rule}"),
            Self::SilentDegradation => f.write_str("FF23 (silent degradation)"),
            Self::Panicked => f.write_str("PANIC"),
            Self::EngineBug(rule) => write!(f, "ENGINE BUG {rule}"),
        }
    }
}

/// One broken requester rule, or a claim the snapshot does not back.
#[derive(Clone, Debug)]
pub struct RequesterFinding {
    /// The adversary (`VSS_SIM_CASE` value) of the run.
    pub adversary: String,
    /// What went wrong.
    pub issue: Issue,
    /// What happened.
    pub message: String,
    /// What the code claimed.
    pub claim: Option<Claim>,
    /// The run's trace.
    pub trace: Trace,
    /// The command that replays the run.
    pub replay: String,
}

impl fmt::Display for RequesterFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} against `{}`: {}",
            self.issue, self.adversary, self.message
        )?;
        write!(f, "    replay: {}", self.replay)
    }
}

/// What a requester check found.
#[derive(Clone, Debug, Default)]
pub struct RequesterReport {
    /// Adversaries run (exhaustive mode counts as one).
    pub adversaries: usize,
    /// Runs in all.
    pub runs: u64,
    /// Every finding.
    pub findings: Vec<RequesterFinding>,
    /// Problems in the test itself: `VSS_SIM_CASE` named no adversary, `VSS_SIM_CHOICES` held
    /// something else than choice numbers. The report is not clean while any is here.
    pub test_errors: Vec<String>,
}

impl RequesterReport {
    /// True when nothing was found.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty() && self.test_errors.is_empty()
    }

    /// The findings under `rule` (`Rule::FF23` for silent degradation).
    pub fn findings_of(&self, rule: Rule) -> Vec<&RequesterFinding> {
        self.findings
            .iter()
            .filter(|f| f.issue.rule() == Some(rule))
            .collect()
    }

    /// Panics with the findings and the first one's trace unless clean.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!("{self}");
        }
    }
}

impl RequesterReport {
    /// The findings grouped by issue (rule), in the order each group was first found.
    fn groups(&self) -> Vec<Group<'_, Issue, RequesterFinding>> {
        group(&self.findings, |f| f.issue, |f| f.adversary.as_str())
    }

    /// The report as JSON, for tools: what ran, whether it is ok, the test errors, and the
    /// findings grouped by issue (each group with its count, its adversaries and its first
    /// finding's message, claim and replay command).
    pub fn to_json(&self) -> serde_json::Value {
        let groups: Vec<serde_json::Value> = self
            .groups()
            .iter()
            .map(|g| {
                let first = g.findings[0];
                serde_json::json!({
                    "issue": g.key.to_string(),
                    "rule": g.key.rule().map(|rule| rule.to_string()),
                    "findings": g.findings.len(),
                    "adversaries": g.places,
                    "example": {
                        "adversary": first.adversary,
                        "message": first.message,
                        "claim": first.claim.as_ref().map(|c| format!("{c:?}")),
                        "replay": first.replay,
                    },
                })
            })
            .collect();
        serde_json::json!({
            "ok": self.is_ok(),
            "adversaries": self.adversaries,
            "runs": self.runs,
            "test_errors": self.test_errors,
            "groups": groups,
        })
    }
}

impl fmt::Display for RequesterReport {
    /// A summary first (what ran, what broke), then one paragraph per issue (its adversaries,
    /// one example, the command that replays it), then the first finding's trace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.test_errors.is_empty() {
            writeln!(f, "the requester check did not run as written:")?;
            for error in &self.test_errors {
                writeln!(f, "  {error}")?;
            }
        }
        let Some(first) = self.findings.first() else {
            if !self.test_errors.is_empty() {
                return Ok(());
            }
            return writeln!(
                f,
                "the requester kept every rule: {} adversaries, {} runs",
                self.adversaries, self.runs
            );
        };
        let groups = self.groups();
        let mut failing: Vec<&str> = self.findings.iter().map(|x| x.adversary.as_str()).collect();
        failing.sort_unstable();
        failing.dedup();
        writeln!(
            f,
            "the requester broke {} rule(s): {} finding(s) against {} of {} adversaries ({} runs)",
            groups.len(),
            self.findings.len(),
            failing.len(),
            self.adversaries,
            self.runs
        )?;
        for group in &groups {
            writeln!(
                f,
                "  {} — {} finding(s) against {} adversary(ies)",
                group.key,
                group.findings.len(),
                group.places.len()
            )?;
        }
        for group in &groups {
            let example = group.findings[0];
            let against = some_places(&group.places);
            writeln!(f, "\n{} against {against}", group.key)?;
            writeln!(
                f,
                "  e.g. against `{}`: {}",
                example.adversary, example.message
            )?;
            if let Some(claim) = &example.claim {
                writeln!(f, "  the code claimed: {claim:?}")?;
            }
            writeln!(f, "  replay: {}", example.replay)?;
        }
        writeln!(f, "\ntrace of the first finding (`{}`):", first.adversary)?;
        for line in first.trace.render().lines() {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}

/// The code under test: a backup run on a machine, returning what it tells its user.
type Code = Box<dyn FnMut(&Vss) -> Claim>;

/// Runs requester code against the [`Adversary`] catalogue (and, on request, every fault
/// interleaving up to a bound) and checks R25, R26, R52–R54 and its claim.
///
/// ```
/// use vss_sim::requester::Vss;
/// use vss_sim::testkit::{Claim, RequesterCheck};
/// use vss_sim::vocab::BackupState;
///
/// fn backup(vss: &Vss) -> Claim {
///     let run = || -> Result<Claim, Box<dyn std::error::Error>> {
///         let mut bc = vss.backup_components().initialize_for_backup()?;
///         bc.set_backup_state(BackupState::default())?;
///         let mut discovered = bc.gather_writer_metadata()?.wait()?;
///         discovered.select_all_components()?;
///         let mut started = discovered.start_snapshot_set()?;
///         started.add_to_snapshot_set("C:\\")?;
///         let prepared = started.prepare_for_backup()?.wait()?;
///         let mut done = prepared.do_snapshot_set()?.wait()?;
///         let failed: Vec<String> = done
///             .writer_status()?
///             .into_iter()
///             .filter(|w| w.failure.is_failure())
///             .map(|w| w.name)
///             .collect();
///         done.backup_complete()?.wait()?;
///         Ok(if failed.is_empty() { Claim::Consistent } else { Claim::ConsistentExcept(failed) })
///     };
///     run().unwrap_or(Claim::Failed)
/// }
///
/// // `?` drops the object on a failed step: a release without AbortBackup, which the check
/// // reports (R54), like the silent degradation it would be to claim more than the snapshot
/// // holds. `tests/testkit_requester.rs` has a flow that passes.
/// let report = RequesterCheck::new(backup).run();
/// assert!(!report.findings_of(vss_sim::vocab::Rule::R54).is_empty());
/// ```
pub struct RequesterCheck {
    code: Code,
    adversaries: Vec<Adversary>,
    exhaustive: Option<Exhaustive>,
}

impl RequesterCheck {
    /// A check of `code`, run once per adversary on a fresh machine.
    pub fn new(code: impl FnMut(&Vss) -> Claim + 'static) -> Self {
        Self {
            code: Box::new(code),
            adversaries: Adversary::catalogue(),
            exhaustive: None,
        }
    }

    /// Runs against these adversaries instead of the catalogue.
    #[must_use]
    pub fn adversaries(mut self, adversaries: impl IntoIterator<Item = Adversary>) -> Self {
        self.adversaries = adversaries.into_iter().collect();
        self
    }

    /// Also explores every combination of `exhaustive.faults` (requester faults are ignored:
    /// the requester is the code under test) on the well-behaved machine.
    #[must_use]
    pub fn exhaustive(mut self, exhaustive: Exhaustive) -> Self {
        self.exhaustive = Some(exhaustive);
        self
    }

    /// Runs the check.
    pub fn run(mut self) -> RequesterReport {
        // A panic in the requester code or a misbehaving writer is a finding, not a backtrace
        // per run on the terminal.
        crate::guard::quiet_user_panics();
        let mut selection = Selection::from_env();
        let mut report = RequesterReport::default();
        let mut ids = Vec::new();
        for adversary in std::mem::take(&mut self.adversaries) {
            ids.push(adversary.name.clone());
            if !selection.includes(&adversary.name) {
                continue;
            }
            let vss = adversary.build(None);
            let replay = replay::command(&adversary.name, None);
            report.adversaries += 1;
            report.runs += 1;
            report
                .findings
                .extend(self.judge_run(&adversary, &vss, &replay));
        }
        if let Some(exhaustive) = self.exhaustive.take() {
            ids.push(replay::EXHAUSTIVE.to_owned());
            if selection.includes(replay::EXHAUSTIVE) {
                report.adversaries += 1;
                self.explore(&exhaustive, &selection, &mut report);
            }
        }
        selection.check_matched(&ids);
        report.test_errors = selection.errors;
        report
    }

    fn explore(
        &mut self,
        exhaustive: &Exhaustive,
        selection: &Selection,
        report: &mut RequesterReport,
    ) {
        let mut catalogue = exhaustive.faults.clone();
        catalogue.requester.clear();
        let machine = Adversary::new(replay::EXHAUSTIVE);
        let kept: RefCell<BTreeMap<Issue, RequesterFinding>> = RefCell::default();
        let runs = RefCell::new(0u64);
        let one = |this: &mut Self, chooser: SharedChooser| -> Trace {
            let recorder = Rc::new(RefCell::new(RecordingChooser::new(chooser)));
            let vss = machine.build(Some((SharedChooser::from_rc(recorder.clone()), &catalogue)));
            let findings = this.judge_run(&machine, &vss, "");
            *runs.borrow_mut() += 1;
            let replay = replay::command(replay::EXHAUSTIVE, Some(&recorder.borrow().picks()));
            for mut finding in findings {
                finding.replay.clone_from(&replay);
                kept.borrow_mut().entry(finding.issue).or_insert(finding);
            }
            vss.trace()
        };
        if let Some(picks) = &selection.choices {
            one(self, SharedChooser::new(ReplayChooser::new(picks.clone())));
        } else {
            let this = RefCell::new(&mut *self);
            crate::sim::Explorer::new(|chooser| one(&mut this.borrow_mut(), chooser))
                .bounds(exhaustive.bounds)
                .run();
        }
        report.runs += *runs.borrow();
        report.findings.extend(kept.into_inner().into_values());
    }

    /// Runs the code once on `vss` and judges the run.
    fn judge_run(
        &mut self,
        adversary: &Adversary,
        vss: &Vss,
        replay: &str,
    ) -> Vec<RequesterFinding> {
        let racer = adversary.racing_backup.then(|| {
            let mut racer = vss.dynamic();
            let _ = racer.call(Call::InitializeForBackup);
            let _ = racer.call(Call::StartSnapshotSet);
            racer
        });
        let code = &mut self.code;
        let claim = guard::call(|| code(vss));
        if let Some(mut racer) = racer {
            let _ = racer.call(Call::Release);
        }
        let trace = vss.trace();
        let mut findings = Vec::new();
        let mut found = |issue: Issue, message: String, claim: Option<Claim>| {
            findings.push(RequesterFinding {
                adversary: adversary.name.clone(),
                issue,
                message,
                claim,
                trace: trace.clone(),
                replay: replay.to_owned(),
            });
        };
        let claim = match claim {
            Ok(claim) => claim,
            Err(panic) => {
                found(Issue::Panicked, format!("the requester code {panic}"), None);
                return findings;
            }
        };
        for violation in oracle::check(&trace).violations() {
            match violation.party {
                Party::Requester => found(
                    Issue::Broke(violation.rule),
                    violation.to_string(),
                    Some(claim.clone()),
                ),
                Party::Engine => found(
                    Issue::EngineBug(violation.rule),
                    violation.to_string(),
                    Some(claim.clone()),
                ),
                // The adversary's writers and providers misbehave on purpose.
                Party::Writer | Party::Provider => {}
            }
        }
        if let Some(message) = overstated(&claim, &consistency(&trace)) {
            found(Issue::SilentDegradation, message, Some(claim));
        }
        findings
    }
}

/// Why `claim` says more than `truth` backs (silent degradation, field failure 23).
fn overstated(claim: &Claim, truth: &Consistency) -> Option<String> {
    let listed: &[String] = match claim {
        Claim::NotConsistent | Claim::Failed => return None,
        Claim::Consistent => &[],
        Claim::ConsistentExcept(writers) => writers,
    };
    match truth {
        Consistency::Consistent { .. } => None,
        Consistency::NoSnapshot => Some(format!(
            "the requester claimed {claim:?}, but no shadow copy was created: the data was read \
             live (silent degradation, field failure 23)"
        )),
        Consistency::Partial { inconsistent, .. } => {
            let missing: Vec<&String> = inconsistent
                .iter()
                .filter(|w| !listed.contains(w))
                .collect();
            (!missing.is_empty()).then(|| {
                format!(
                    "the requester claimed {claim:?}, but the data of {missing:?} in the shadow \
                     copy is not consistent (they failed, were aborted or timed out) and it did \
                     not say so (silent degradation, field failure 23)"
                )
            })
        }
    }
}
