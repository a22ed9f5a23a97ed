//! The test kit: vss-sim as a drop-in test double for writer and requester authors.
//!
//! **Writer authors** hand a factory to [`WriterConformance`] and get their writer driven
//! through every documented backup path (the [`Case`]s of the catalogue: happy paths for each
//! backup type, vetoes and fatal failures at each event, another writer failing, windows
//! expiring, providers failing, the requester aborting or crashing at every point, repeated
//! aborts, concurrent backups, Identify mid-backup), and on request every interleaving up to a
//! bound ([`Exhaustive`]). Each broken [`Obligation`] comes back as a [`Finding`] with its rule,
//! the run's trace and the command that replays it.
//!
//! **Requester authors** hand their backup code to [`RequesterCheck`], which runs it against
//! writers and providers that veto, fail, hang and time out, and reports broken requester rules
//! (R25, R26, R52–R54) and silent degradation: a backup reported consistent that was not
//! (field failure 23).
//!
//! Tutorials: `docs/testing-your-writer.md` and `docs/testing-your-requester.md`.
//!
//! | file | holds |
//! |---|---|
//! | `conformance.rs` | [`WriterConformance`], [`Exhaustive`] |
//! | `axes.rs` | which [`Axis`]es the writer read, what the run varied: [`AxisCoverage`] |
//! | `catalogue.rs` | the [`Case`]s, as data |
//! | `wrappers.rs` | the watched writer under test, its peers, a provider failing once |
//! | `obligations.rs` | judging one run: oracle verdict plus the kit's own obligations |
//! | `probe.rs` | [`Probe`]: "is the application running normally?" |
//! | `report.rs` | [`Obligation`], [`Finding`], [`ConformanceReport`] |
//! | `replay.rs` | `VSS_SIM_CASE` / `VSS_SIM_CHOICES` and the replay command |
//! | `requester.rs` | [`RequesterCheck`], [`Claim`], [`Adversary`] |
//! | `consistency.rs` | what a snapshot really was: [`Consistency`] from a trace |

mod axes;
mod catalogue;
mod conformance;
mod consistency;
mod obligations;
mod probe;
mod replay;
mod report;
mod requester;
mod wrappers;

/// Public proptest strategies for fault plans, requester programs, policies and scenarios
/// (feature `proptest`), for writing your own properties.
#[cfg(feature = "proptest")]
pub use crate::sim::strategies;

pub use crate::writer::Axis;
pub use axes::AxisCoverage;
pub use catalogue::Case;
pub use conformance::{EngineCheck, Exhaustive, WriterConformance};
pub use consistency::{consistency, Consistency};
pub use probe::{HistoryPredicate, Probe, ProbeScope};
pub use report::{ConformanceReport, Finding, Obligation};
pub use requester::{Adversary, Claim, Issue, RequesterCheck, RequesterFinding, RequesterReport};
