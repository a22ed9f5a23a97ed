//! Comparing a run with what its scenario expects: every difference is a typed [`Mismatch`].

use std::fmt;

use super::interpreter::StepResult;
use super::program::{ProgramStep, StatusRows, Step};
use super::scenario::ShutdownSetId;
use super::{RunOutcome, Scenario};
use crate::trace::oracle;
use crate::vocab::{Hresult, Rule, WriterEvent, WriterState};

/// One way a run differs from what its scenario expects.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mismatch {
    /// A step returned another HRESULT, or did not run.
    Result {
        /// The step's index in the program.
        index: usize,
        /// The step.
        step: ProgramStep,
        /// What it should have returned.
        expected: Hresult,
        /// What it returned (`None`: it did not run, or a bound stopped it).
        got: Option<Hresult>,
    },
    /// A `GetWriterStatus` step read other rows.
    StatusRows {
        /// The step's index in the program.
        index: usize,
        /// The step.
        step: ProgramStep,
        /// The rows it should have read.
        expected: StatusRows,
        /// The rows it read.
        got: Option<StatusRows>,
    },
    /// A `GetWriterMetadata` step read other writers' metadata.
    Metadata {
        /// The step's index in the program.
        index: usize,
        /// The step.
        step: ProgramStep,
        /// The writers it should have read.
        expected: Vec<String>,
        /// The writers it read.
        got: Option<Vec<String>>,
    },
    /// A writer ended in another state than expected for a requester.
    WriterState {
        /// The requester.
        requester: u32,
        /// The writer.
        writer: String,
        /// The state and `hrFailure` expected.
        expected: (WriterState, Hresult),
        /// What the run left (`None`: the requester does not list the writer, R10).
        got: Option<(WriterState, Hresult)>,
    },
    /// A writer received other events from a requester.
    Events {
        /// The requester.
        requester: u32,
        /// The writer.
        writer: String,
        /// The events expected, in order.
        expected: Vec<WriterEvent>,
        /// The events received.
        got: Vec<WriterEvent>,
    },
    /// A writer's BackupShutdown from a requester carried another set id (R57), or none came.
    ShutdownSetId {
        /// The requester.
        requester: u32,
        /// The writer.
        writer: String,
        /// The id expected.
        expected: ShutdownSetId,
        /// The id it carried (`None`: no BackupShutdown).
        got: Option<ShutdownSetId>,
    },
    /// The oracle found other rules broken than the scenario expects.
    Violations {
        /// The rules expected broken.
        expected: Vec<Rule>,
        /// The rules broken.
        got: Vec<Rule>,
        /// The oracle's report.
        report: String,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = |f: &mut fmt::Formatter<'_>, index: &usize, step: &ProgramStep| {
            write!(
                f,
                "step {index} ({:?} by requester {}): ",
                step.step, step.requester
            )
        };
        match self {
            Self::Result {
                index,
                step: s,
                expected,
                got,
            } => {
                step(f, index, s)?;
                match got {
                    Some(got) => write!(f, "expected {expected}, got {got}"),
                    None => write!(f, "expected {expected}, got nothing (step did not run)"),
                }
            }
            Self::StatusRows {
                index,
                step: s,
                expected,
                got,
            } => {
                step(f, index, s)?;
                write!(f, "expected writer status {expected:?}, got {got:?}")
            }
            Self::Metadata {
                index,
                step: s,
                expected,
                got,
            } => {
                step(f, index, s)?;
                write!(f, "expected metadata of {expected:?}, got {got:?}")
            }
            Self::WriterState {
                requester,
                writer,
                expected,
                got,
            } => write!(
                f,
                "requester {requester}, writer {writer}: expected state {expected:?}, got {got:?}"
            ),
            Self::Events {
                requester,
                writer,
                expected,
                got,
            } => write!(
                f,
                "requester {requester}, writer {writer}: expected events {expected:?}, got {got:?}"
            ),
            Self::ShutdownSetId {
                requester,
                writer,
                expected,
                got,
            } => write!(
                f,
                "requester {requester}, writer {writer}: expected BackupShutdown with \
                 {expected:?}, got {got:?}"
            ),
            Self::Violations {
                expected, report, ..
            } => write!(
                f,
                "oracle: expected violations of {expected:?}, got:\n{report}"
            ),
        }
    }
}

impl Scenario {
    /// Compares `outcome` with the scenario's step expectations and
    /// [`Expectations`](super::Expectations); returns every mismatch.
    pub fn check(&self, outcome: &RunOutcome) -> Result<(), Vec<Mismatch>> {
        let mut mismatches = Vec::new();
        for (index, (step, result)) in self.steps.iter().zip(&outcome.results).enumerate() {
            check_step(index, step, result, &mut mismatches);
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
                let got = got_states.and_then(|rows| rows.get(name)).copied();
                if got != Some(*expected) {
                    mismatches.push(Mismatch::WriterState {
                        requester,
                        writer: name.clone(),
                        expected: *expected,
                        got,
                    });
                }
            }
            for (name, expected) in events {
                let got = outcome.events_of(requester, name);
                if &got != expected {
                    mismatches.push(Mismatch::Events {
                        requester,
                        writer: name.clone(),
                        expected: expected.clone(),
                        got,
                    });
                }
            }
            for (name, expected) in shutdowns {
                let got = outcome.shutdown_set_id(requester, name);
                if got != Some(*expected) {
                    mismatches.push(Mismatch::ShutdownSetId {
                        requester,
                        writer: name.clone(),
                        expected: *expected,
                        got,
                    });
                }
            }
        }
        let report = oracle::check(&outcome.trace);
        let got: Vec<Rule> = report.rules_broken().into_iter().collect();
        let mut expected = self.expect.violations.clone();
        expected.sort_unstable();
        expected.dedup();
        if got != expected {
            mismatches.push(Mismatch::Violations {
                expected,
                got,
                report: report.to_string(),
            });
        }
        if mismatches.is_empty() {
            Ok(())
        } else {
            Err(mismatches)
        }
    }
}

/// The mismatches between `step`'s expectations and what it returned or read.
fn check_step(
    index: usize,
    step: &ProgramStep,
    result: &StepResult,
    mismatches: &mut Vec<Mismatch>,
) {
    if let Some(expected) = step.expect {
        if result.hr != Some(expected) {
            mismatches.push(Mismatch::Result {
                index,
                step: step.clone(),
                expected,
                got: result.hr,
            });
        }
    }
    match &step.step {
        Step::GetWriterStatus {
            expect_rows: Some(expected),
        } if result.status.as_ref() != Some(expected) => mismatches.push(Mismatch::StatusRows {
            index,
            step: step.clone(),
            expected: expected.clone(),
            got: result.status.clone(),
        }),
        Step::GetWriterMetadata {
            expect_writers: Some(expected),
        } if result.metadata.as_ref() != Some(expected) => mismatches.push(Mismatch::Metadata {
            index,
            step: step.clone(),
            expected: expected.clone(),
            got: result.metadata.clone(),
        }),
        _ => {}
    }
}
