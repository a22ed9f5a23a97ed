//! The one interface for every nondeterministic decision (design principle 1).

use serde::{Deserialize, Serialize};

use crate::vocab::WriterEvent;

/// A decision the coordinator leaves open, with what it is about.
///
/// Only the engine's own decisions live here: orderings the documentation leaves open. Faults
/// are the simulation's business; `sim::Decision` wraps these points together with its fault
/// points, so one chooser can still make every decision of a simulated run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ChoicePoint {
    /// Which of the writers still waiting for `event` receives it next. For Freeze and Thaw the
    /// options are only the writers of the earliest application level (R46).
    DeliveryOrder {
        /// The event being fanned out.
        event: WriterEvent,
    },
    /// Which of several operations due at the same virtual time steps first.
    NextOperation,
    /// Which of several writers receives BackupShutdown next (R57).
    ShutdownOrder,
    /// A signal is set the instant a wait for it times out: option 0, the signal came first
    /// (`WAIT_OBJECT_0`); option 1, the timeout did (`WAIT_TIMEOUT`).
    WaitRace,
    /// KB915331 (`Policies::freeze_timer_race`): Thaw arrives the instant the writer's freeze
    /// timer is armed. Option 0: the timer thread started first and Thaw stops it; option 1:
    /// Thaw came first, the timer runs on and expires after a successful Thaw.
    FreezeTimerRace,
}

/// Makes every nondeterministic decision the engine leaves open.
///
/// A run is a pure function of the scenario and the chooser's answers, so property tests,
/// exhaustive exploration, fuzzing and replay share one mechanism. `choose` returns an index in
/// `0..options` (`options >= 2`; the coordinator never asks about a single option); an index out
/// of range is taken modulo `options`.
pub trait Chooser {
    /// Picks one of `options` alternatives at `point`.
    fn choose(&mut self, point: ChoicePoint, options: usize) -> usize;
}

/// The default chooser: always the first option, i.e. registration order for writers and start
/// order for operations. Deterministic and matches what most tests expect.
#[derive(Clone, Copy, Debug, Default)]
pub struct FirstChoice;

impl Chooser for FirstChoice {
    fn choose(&mut self, _point: ChoicePoint, _options: usize) -> usize {
        0
    }
}

impl<F: FnMut(ChoicePoint, usize) -> usize> Chooser for F {
    fn choose(&mut self, point: ChoicePoint, options: usize) -> usize {
        self(point, options)
    }
}
