//! What the test kit found: [`Finding`]s, each naming the broken [`Obligation`], its rule, the
//! run's trace and the command that replays it, gathered in a [`ConformanceReport`].

use std::fmt;

use super::axes::AxisCoverage;
use crate::trace::Trace;
use crate::vocab::Rule;

/// A writer obligation the kit checks (spec R43–R72, R50–R57).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Obligation {
    /// After `OnAbort` the application runs normally again (R55).
    ResumesAfterAbort,
    /// After `OnThaw` the application runs normally again (R71).
    ResumesAfterThaw,
    /// After `OnBackupShutdown`, also without BackupComplete or Abort, the application runs
    /// normally again (R57).
    ResumesAfterShutdown,
    /// Whenever no backup is under way (after the last BackupShutdown, before a new backup,
    /// at the end), every probe that must hold at rest does (R58).
    RunningAfterBackups,
    /// A probe declared with a predicate over the writer's events holds wherever the predicate
    /// does: the writer's own statement of where its work belongs (R71).
    HoldsWhenDeclared,
    /// `OnAbort` tolerates being called more than once (R55).
    ToleratesRepeatedAbort,
    /// Handlers never panic (C++: never throw, R64).
    NoPanic,
    /// Where nothing went wrong, every handler succeeds (R64: `false` only on a fatal error).
    SucceedsWhenNothingFails,
    /// A handler that returns `false` calls `SetWriterFailure` first, describing the failure
    /// (R64; not `OnIdentify`, which must never call it). Without it, requesters read the
    /// writer as failed with no reason.
    ExplainsFailure,
    /// `OnIdentify` builds the same document every time and changes nothing (R44).
    IdenticalMetadata,
    /// No state from a finished backup leaks into the next: a backup after any ending behaves
    /// as the first backup of a fresh writer (R58, R55, R57).
    NoLeakBetweenBackups,
    /// The writer uses the `CVssWriter` API as documented: no `SetWriterFailure` in
    /// `OnIdentify`, queries only in their windows (R66, R68, R69, R70). Judged by the oracle.
    ApiUse,
    /// A handler stayed within its time budget (R71).
    HandlerBudget,
    /// The writer's own handlers did not outlast its Freeze→Thaw window (R59, R99).
    FreezeWindow,
    /// The writer declares a restore method and at least one component, so a backup includes
    /// it (R72); otherwise no case can exercise it and a clean report would mean nothing.
    TakesPart,
    /// The simulated VSS broke a rule: a bug in vss-sim, please report it.
    EngineBug,
}

impl Obligation {
    /// The rule the obligation comes from; `None` for [`Obligation::EngineBug`], whose findings
    /// carry the rule the engine broke.
    pub const fn rule(self) -> Option<Rule> {
        Some(match self {
            Self::ResumesAfterAbort | Self::ToleratesRepeatedAbort => Rule::R55,
            Self::ResumesAfterThaw | Self::HandlerBudget | Self::HoldsWhenDeclared => Rule::R71,
            Self::ResumesAfterShutdown => Rule::R57,
            Self::RunningAfterBackups | Self::NoLeakBetweenBackups => Rule::R58,
            Self::NoPanic | Self::SucceedsWhenNothingFails | Self::ExplainsFailure => Rule::R64,
            Self::IdenticalMetadata => Rule::R44,
            Self::ApiUse => Rule::R66,
            Self::FreezeWindow => Rule::R99,
            Self::TakesPart => Rule::R72,
            Self::EngineBug => return None,
        })
    }

    /// The obligation in a few words.
    pub const fn summary(self) -> &'static str {
        match self {
            Self::ResumesAfterAbort => "application running normally after OnAbort",
            Self::ResumesAfterThaw => "application running normally after OnThaw",
            Self::ResumesAfterShutdown => "application running normally after OnBackupShutdown",
            Self::RunningAfterBackups => "no backup's state left once no backup is under way",
            Self::HoldsWhenDeclared => "the test's own probes hold where declared",
            Self::ToleratesRepeatedAbort => "OnAbort tolerates repeats",
            Self::NoPanic => "handlers never panic",
            Self::SucceedsWhenNothingFails => "handlers succeed when nothing fails",
            Self::ExplainsFailure => "SetWriterFailure before returning false",
            Self::IdenticalMetadata => "the same metadata document on every Identify",
            Self::NoLeakBetweenBackups => "no state leaks from one backup into the next",
            Self::ApiUse => "CVssWriter API used as documented",
            Self::HandlerBudget => "handlers within their time budgets",
            Self::FreezeWindow => "Freeze→Thaw within dwTimeoutFreeze",
            Self::TakesPart => "the writer takes part in a backup",
            Self::EngineBug => "the simulated VSS keeps its rules",
        }
    }
}

impl fmt::Display for Obligation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.summary())
    }
}

/// One broken obligation in one run.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The case (`VSS_SIM_CASE` value) whose run broke it.
    pub case: String,
    /// The obligation.
    pub obligation: Obligation,
    /// The rule (for [`Obligation::ApiUse`] and [`Obligation::EngineBug`], the oracle's rule):
    /// [`Rule::entry`] explains it.
    pub rule: Rule,
    /// What happened, concretely.
    pub message: String,
    /// The run's trace.
    pub trace: Trace,
    /// The one command that replays the run.
    pub replay: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} [{}] in case `{}`: {}",
            self.rule, self.obligation, self.case, self.message
        )?;
        write!(f, "    replay: {}", self.replay)
    }
}

/// The outcome of a conformance run.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ConformanceReport {
    /// The writer's name.
    pub writer: String,
    /// Cases run (exhaustive mode counts as one).
    pub cases: usize,
    /// Runs (executions) in all.
    pub runs: u64,
    /// Every finding, in the order found.
    pub findings: Vec<Finding>,
    /// Of the runs, the executions of exhaustive mode.
    pub exhaustive_runs: u64,
    /// What the runs exercised along each [`Axis`](crate::writer::Axis) of a backup, and which
    /// handlers read it.
    pub axes: Vec<AxisCoverage>,
    /// Axes a handler read while every backup of the run had the same value for them: code of
    /// the writer no case ran. Not findings (the report can be clean with warnings), and only
    /// when every case ran.
    pub warnings: Vec<String>,
    /// Problems in the test itself, not in the writer: the writer factory or the probe
    /// panicked, or `VSS_SIM_CASE` named no case. The report is not clean while any is here.
    pub test_errors: Vec<String>,
}

impl ConformanceReport {
    /// True when no obligation was broken and the test itself ran as written.
    pub fn is_ok(&self) -> bool {
        self.findings.is_empty() && self.test_errors.is_empty()
    }

    /// What the run exercised along `axis`; `None` in a report of no run.
    pub fn coverage_of(&self, axis: crate::writer::Axis) -> Option<&AxisCoverage> {
        self.axes.iter().find(|coverage| coverage.axis == axis)
    }

    /// The findings of one obligation.
    pub fn findings_of(&self, obligation: Obligation) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| f.obligation == obligation)
            .collect()
    }

    /// Panics with the findings, the first one's trace and its replay command, unless clean.
    #[track_caller]
    pub fn assert_ok(&self) {
        if !self.is_ok() {
            panic!("{self}");
        }
    }

    /// As [`Self::assert_ok`], and also panics on a warning: for a test that must exercise
    /// every axis its writer reads.
    #[track_caller]
    pub fn assert_ok_without_warnings(&self) {
        if !self.is_ok() || !self.warnings.is_empty() {
            panic!("{self}");
        }
    }

    /// The axes the runs gave more than one value, in words: `backup type (5 values), …`.
    fn axes_line(&self) -> Option<String> {
        let varied: Vec<String> = self
            .axes
            .iter()
            .filter(|a| a.varied())
            .map(|a| format!("{} ({} values)", a.axis, a.values.len()))
            .collect();
        let constant: Vec<String> = self
            .axes
            .iter()
            .filter(|a| a.values.len() == 1)
            .map(|a| format!("{} ({})", a.axis, a.values[0]))
            .collect();
        if varied.is_empty() && constant.is_empty() {
            return None;
        }
        let mut line = String::from("axes");
        if !varied.is_empty() {
            line.push_str(&format!(" varied: {}", varied.join(", ")));
        }
        if !constant.is_empty() {
            line.push_str(if varied.is_empty() { " " } else { "; " });
            line.push_str(&format!("held constant: {}", constant.join(", ")));
        }
        Some(line)
    }

    /// What ran, in a line: cases, runs, exhaustive executions.
    fn ran_line(&self) -> String {
        let mut line = format!("{} cases, {} runs", self.cases, self.runs);
        if self.exhaustive_runs > 0 {
            line.push_str(&format!(
                " (of them {} exhaustive executions)",
                self.exhaustive_runs
            ));
        }
        line
    }
}

/// Findings of one kind (`key`), in the order the kind was first found: how many, the places
/// (case or adversary ids) they were found in, each once, and the first finding.
pub(crate) struct Group<'a, K, F> {
    pub(crate) key: K,
    pub(crate) findings: Vec<&'a F>,
    pub(crate) places: Vec<&'a str>,
}

/// `findings` grouped by `key`, in the order each key was first found, with the places
/// `place` names.
pub(crate) fn group<'a, K: PartialEq, F>(
    findings: &'a [F],
    key: impl Fn(&F) -> K,
    place: impl Fn(&'a F) -> &'a str,
) -> Vec<Group<'a, K, F>> {
    let mut groups: Vec<Group<'a, K, F>> = Vec::new();
    for finding in findings {
        let k = key(finding);
        let index = match groups.iter().position(|g| g.key == k) {
            Some(index) => index,
            None => {
                groups.push(Group {
                    key: k,
                    findings: Vec::new(),
                    places: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        group.findings.push(finding);
        let at = place(finding);
        if !group.places.contains(&at) {
            group.places.push(at);
        }
    }
    groups
}

/// Places listed per group before the rest are counted.
const PLACES_LISTED: usize = 6;

/// The first places of a group, joined, and how many more there are.
pub(crate) fn some_places(places: &[&str]) -> String {
    let shown = places.len().min(PLACES_LISTED);
    let mut listed = places[..shown].join(", ");
    if places.len() > shown {
        listed.push_str(&format!(" and {} more", places.len() - shown));
    }
    listed
}

impl ConformanceReport {
    /// The findings grouped by obligation and rule, in the order each group was first found.
    fn groups(&self) -> Vec<Group<'_, (Obligation, Rule), Finding>> {
        group(
            &self.findings,
            |f| (f.obligation, f.rule),
            |f| f.case.as_str(),
        )
    }

    /// The report as JSON, for tools: what ran (`cases`, `runs`, `exhaustive_runs`), whether
    /// it is ok, the `axes` (each with its values, the handlers that read it and those that saw
    /// one value), the `warnings`, the test errors, and the findings grouped by obligation and
    /// rule (each group with its count, its case ids and its first finding's message and replay
    /// command).
    pub fn to_json(&self) -> serde_json::Value {
        let groups: Vec<serde_json::Value> = self
            .groups()
            .iter()
            .map(|g| {
                let first = g.findings[0];
                serde_json::json!({
                    "obligation": format!("{:?}", g.key.0),
                    "summary": g.key.0.summary(),
                    "rule": g.key.1.to_string(),
                    "findings": g.findings.len(),
                    "cases": g.places,
                    "example": {
                        "case": first.case,
                        "message": first.message,
                        "replay": first.replay,
                    },
                })
            })
            .collect();
        serde_json::json!({
            "writer": self.writer,
            "ok": self.is_ok(),
            "cases": self.cases,
            "runs": self.runs,
            "exhaustive_runs": self.exhaustive_runs,
            "axes": self.axes,
            "warnings": self.warnings,
            "test_errors": self.test_errors,
            "groups": groups,
        })
    }
}

impl ConformanceReport {
    /// The axes line and the warnings, for the summary.
    fn write_axes(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.axes_line() {
            writeln!(f, "  {line}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "  warning: {warning}")?;
        }
        Ok(())
    }
}

impl fmt::Display for ConformanceReport {
    /// A summary first (what ran, what broke), then one paragraph per obligation and rule
    /// (its cases, one example, the command that replays it), then the first finding's trace.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.test_errors.is_empty() {
            writeln!(
                f,
                "the test of writer `{}` did not run as written:",
                self.writer
            )?;
            for error in &self.test_errors {
                writeln!(f, "  {error}")?;
            }
        }
        let Some(first) = self.findings.first() else {
            if !self.test_errors.is_empty() {
                return Ok(());
            }
            writeln!(
                f,
                "writer `{}` kept every obligation: {}",
                self.writer,
                self.ran_line()
            )?;
            return self.write_axes(f);
        };
        let groups = self.groups();
        let mut failing_cases: Vec<&str> = self.findings.iter().map(|x| x.case.as_str()).collect();
        failing_cases.sort_unstable();
        failing_cases.dedup();
        writeln!(
            f,
            "writer `{}` broke {} obligation(s): {} finding(s) in {} of {}",
            self.writer,
            groups.len(),
            self.findings.len(),
            failing_cases.len(),
            self.ran_line()
        )?;
        self.write_axes(f)?;
        for group in &groups {
            writeln!(
                f,
                "  {} {} — {} finding(s) in {} case(s)",
                group.key.1,
                group.key.0,
                group.findings.len(),
                group.places.len()
            )?;
        }
        for group in &groups {
            let example = group.findings[0];
            let cases = some_places(&group.places);
            writeln!(f, "\n{} [{}] in {cases}", group.key.1, group.key.0)?;
            writeln!(f, "  e.g. in `{}`: {}", example.case, example.message)?;
            writeln!(f, "  replay: {}", example.replay)?;
        }
        writeln!(f, "\ntrace of the first finding (case `{}`):", first.case)?;
        for line in first.trace.render().lines() {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}
