//! Every nondeterministic decision of a simulated run: the engine's orderings plus the
//! simulation's fault points, made by one [`Decider`] (design principle 1).

use serde::{Deserialize, Serialize};

use crate::coordinator::ChoicePoint;
use crate::vocab::{ProviderStep, WriterEvent};

/// A decision of a simulated run, with what it is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Decision {
    /// An ordering the engine leaves open (delivery, next operation, shutdown order).
    Engine(ChoicePoint),
    /// Whether writer number `writer` shows a fault at `event`, and which.
    WriterFault {
        /// The writer's registration number.
        writer: u32,
        /// The event it is handling.
        event: WriterEvent,
    },
    /// Whether provider number `provider` shows a fault at `step`, and which.
    ProviderFault {
        /// The provider's registration number.
        provider: u32,
        /// The pipeline step.
        step: ProviderStep,
    },
    /// Whether something happens to the machine (a writer's process) before program step
    /// `step`.
    MachineFault {
        /// The index of the program step about to run.
        step: u32,
    },
    /// Whether requester number `requester` deviates from its program before step `step`.
    RequesterFault {
        /// The requester.
        requester: u32,
        /// The index of the program step about to run.
        step: u32,
    },
}

impl Decision {
    /// Whether this decision is an ordering (the engine's) rather than a fault.
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Engine(_))
    }
}

/// Makes every decision of a simulated run.
///
/// A run is a pure function of the scenario and the decider's answers, so property tests,
/// exhaustive exploration, fuzzing and replay share one mechanism. `decide` returns an index in
/// `0..options` (`options >= 2` for orderings; fault points ask with "no fault" as option 0);
/// an index out of range is taken modulo `options`.
///
/// Wrap a decider in a [`SharedChooser`](super::SharedChooser) to hand it to the coordinator
/// (which asks it the [`Decision::Engine`] questions) and to the fault injectors of the run.
pub trait Decider {
    /// Picks one of `options` alternatives at `decision`.
    fn decide(&mut self, decision: Decision, options: usize) -> usize;
}

impl<F: FnMut(Decision, usize) -> usize> Decider for F {
    fn decide(&mut self, decision: Decision, options: usize) -> usize {
        self(decision, options)
    }
}
