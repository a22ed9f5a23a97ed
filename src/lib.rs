//! # vss-sim
//!
//! A deterministic, in-memory simulator of Windows' Volume Shadow Copy Service (VSS): the
//! requester (`IVssBackupComponents`), the VSS coordinator, writers (`CVssWriter`) and providers,
//! on a virtual clock, so that VSS writers and backup tools can be tested in `cargo test` on any
//! OS, in milliseconds, through every documented event sequence and failure path.
//!
//! **Contract.** The engine performs no I/O, starts no threads, reads no wall clock and draws no
//! entropy. A run is a pure function of the machine (writers, providers, policies), the requester's
//! calls and the [`Chooser`](coordinator::Chooser)'s answers. Every requester call is answered with
//! the HRESULT Windows documents; every event, handler result, state change, timer and provider
//! step is recorded in a [`Trace`](trace::Trace), which an independent [oracle](trace::oracle)
//! judges against the protocol's numbered rules (R1–R128, tables T1–T14 and the open questions
//! Q1–Q30: the typed catalogue [`vocab::rules`], rendered in `docs/rules.md`).
//!
//! ```text
//!  requester API (typestate shell)                  writers (user code: impl Writer)
//!    BackupComponents<Prepared> ...                   on_freeze(), on_abort(), ...
//!         │ calls (dynamic core checks each one)            ▲ one handler call at a time
//!         ▼                                                 │
//!  ┌──────────────────────── Coordinator (sans-IO) ─────────┴──────────────────────┐
//!  │ sessions (one per BackupComponents) · writer registry & states · provider     │
//!  │ pipeline · timers on the virtual clock · policies for documented ambiguities  │
//!  │ every nondeterministic decision ──► Chooser                                   │
//!  └──────────────┬────────────────────────────────────────────────────────────────┘
//!                 │ records every call, event, response, state change, timer, provider step
//!                 ▼
//!              Trace (serde, JSON Lines) ──► Oracle: independent rule checker ──► [Violation]
//! ```
//!
//! ## Example
//!
//! A writer whose Freeze fails (it sets `VSS_E_WRITERERROR_RETRYABLE` and returns `false`), a
//! backup tool that reads the failure from writer status and follows the abort rules, and the
//! oracle's verdict:
//!
//! ```
//! use vss_sim::requester::Vss;
//! use vss_sim::trace::oracle;
//! use vss_sim::vocab::{BackupState, WriterClassId, WriterEvent, WriterFailure, WriterState};
//! use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};
//!
//! let sql = ScriptedWriter::new("SqlDb")
//!     .on(WriterEvent::Freeze, Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
//! let vss = Vss::builder()
//!     .writer(WriterConfig::new(WriterClassId::from_u128(1), "SqlWriter"), sql)
//!     .build();
//!
//! let mut bc = vss.backup_components().initialize_for_backup()?;
//! bc.set_backup_state(BackupState::default())?;
//! let mut discovered = bc.gather_writer_metadata()?.wait()?;
//! discovered.select_all_components()?;
//! let mut started = discovered.start_snapshot_set()?;
//! started.add_to_snapshot_set("C:\\")?;
//! let prepared = started.prepare_for_backup()?.wait()?;
//! // Q4: by default a writer's failure shows in writer status, not in DoSnapshotSet's result.
//! let mut done = prepared.do_snapshot_set()?.wait()?;
//!
//! let status = done.writer_status()?;
//! assert_eq!(status[0].state, WriterState::VSS_WS_FAILED_AT_FREEZE);
//! let aborted = done.abort_backup(); // R54: abort, then release
//! drop(aborted); // Release → BackupShutdown (R57)
//!
//! oracle::check(&vss.trace()).assert_clean();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Module map
//!
//! Layers, from the inside out; each uses only the layers above it in this list.
//!
//! | module | holds |
//! |---|---|
//! | [`vocab`] | Windows' names and values: HRESULTs, writer states, events, contexts, ids, requester calls, policies, run bounds, and the [rule catalogue](vocab::rules) every citation points into |
//! | [`writer`] | the [`Writer`](writer::Writer) trait, writer configuration, the metadata a writer declares (`IVssCreateWriterMetadata`), handler context, a scripted writer |
//! | [`xml`] | VSS's documents in Windows' own XML: the Writer Metadata Document ([`xml::wmd`]) and the Backup Components Document ([`xml::bcd`]), read from what tools save and written byte for byte as Windows writes it |
//! | [`provider`] | the [`Provider`](provider::Provider) trait and an in-memory software provider |
//! | [`trace`] | trace records, JSON Lines, rendering, readings of a finished run, and the [`oracle`](trace::oracle) in fourteen rule families |
//! | [`guard`] | the one door to user code: [`UserPanic`](guard::UserPanic), and the guard every call into writers, providers, choosers, deciders, probes, factories and requester closures goes through |
//! | [`coordinator`] | the simulated VSS service: sessions, guard table, async operations, pipeline, timers, aborts, restore and the Backup Components Document, the engine's choice points |
//! | [`requester`] | [`Vss`](requester::Vss), the typestate [`BackupComponents`](requester::BackupComponents) (a pending and a failure state per asynchronous step, a backup path and a restore path) and the dynamic API |
//! | [`sim`] | decisions and deciders, faults as data, the one requester language ([`Step`](sim::Step)) and its interpreter, scenario files and their [`Runner`](sim::Runner), the [`Explorer`](sim::Explorer), swarm mode, fuzz entry points, proptest strategies |
//! | [`tools`] | Windows' own requesters over a machine: `vssadmin` ([`tools::vssadmin::run`], the whole command line) and DiskShadow ([`tools::diskshadow::DiskShadow`], scripts and the prompt), printing what Windows prints; the `vss-sim` command line (`cli/`, `docs/cli.md`) puts them behind its subcommands |
//! | [`testkit`] | [`WriterConformance`](testkit::WriterConformance) for writer authors, [`RequesterCheck`](testkit::RequesterCheck) for backup tools |
//!
//! Design rationale: `docs/architecture.md`; every rule, table and open question with its status
//! and checks: `docs/rules.md`; state machine, guard table and policies: `docs/protocol.md`; seeds, faults, scenarios and exploration: `docs/simulation.md`;
//! how the engine is tested: `docs/testing.md`; testing your own code with the kit:
//! `docs/testing-your-writer.md`, `docs/testing-your-requester.md`.

pub mod coordinator;
pub mod guard;
pub mod provider;
pub mod requester;
pub mod sim;
pub mod testkit;
pub mod tools;
pub mod trace;
pub mod vocab;
pub mod writer;
pub mod xml;

/// The README's example is compiled and run as a doctest, so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// `docs/testing-your-writer.md`, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../docs/testing-your-writer.md")]
struct TestingYourWriter;

/// `docs/testing-your-requester.md`, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../docs/testing-your-requester.md")]
struct TestingYourRequester;
