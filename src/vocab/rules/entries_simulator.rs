//! The simulator's own rules: what the oracle judges beyond the protocol.

use super::Entry;
use super::Rule::*;
use super::Status::*;

pub(super) const ENTRIES: &[Entry] = &[
    Entry {
        rule: Trace,
        title: "A trace is complete and well formed",
        statement:
            "The oracle judges only what the trace shows, so a trace must show everything: it \
            starts with the policies in force, was recorded (not TraceMode::Off), names only \
            registered writers, providers and requester objects, pairs every handler result with \
            its delivery, and never goes back in time. A trace that breaks this is reported under \
            TRACE against the engine, which wrote it.",
        sources: &[],
        status: Implemented,
        engine: &["trace/recorder.rs", "trace/oracle/structure.rs"],
    },
    Entry {
        rule: Bound,
        title: "Every run ends within its bounds; one that does not is reported as such",
        statement:
            "Each wait runs at most Limits::max_steps scheduler steps and virtual time never \
            passes Limits::max_virtual_ms (design principle 7). A wait or sleep stopped by either \
            bound is recorded (BoundReached) and reported as non-termination: against the engine \
            for the step bound (a livelock), against whoever holds the clock for the time bound \
            (a handler or provider that never returns, a requester sleeping past the end).",
        sources: &[],
        status: Implemented,
        engine: &["coordinator/ops.rs", "trace/oracle/structure.rs"],
    },
    Entry {
        rule: Serial,
        title: "A writer handles one event at a time",
        statement:
            "An event for a writer that is still inside a handler is delivered when that handler \
            returns, in the order it was raised: an Abort raised while OnFreeze runs comes after \
            OnFreeze returns, a BackupShutdown after a hung OnPrepareSnapshot never comes. The \
            documentation says so only indirectly (OnFreeze: \"either OnThaw or OnAbort will be \
            called after this method\"; determining writer status: \"an unresponsive writer \
            currently processing an event\"), and says nothing about delivering one event to \
            several writers of one level at once; the simulator delivers to one writer after \
            another (R46 orders levels). A handler's state change (T2) happens when it returns; \
            until then GatherWriterStatus shows the state before the event. Identify, which the \
            writers page says may come at any time, is serialized too.",
        sources: &[
            "cw/onfreeze",
            "vss/determining-writer-status",
            "vss/writers",
        ],
        status: Implemented,
        engine: &["coordinator/inflight.rs", "trace/oracle/structure.rs"],
    },
    Entry {
        rule: Waits,
        title: "A wait ends at its signal or its deadline; a tie is a choice",
        statement:
            "A handler, a provider step or the host may wait for a named signal (a manual-reset \
            event shared by name across the machine), for virtual time, or for whichever comes \
            first. The wait ends when the signal is set (WAIT_OBJECT_0) or the deadline passes \
            (WAIT_TIMEOUT). When a handler's or provider step's signal is set in the very \
            instant its deadline passes, the documentation does not say which wins; the engine \
            asks the chooser (ChoicePoint::WaitRace), so exploration covers both orders, and \
            coverage reports which were reached (SignalWonTie, TimeoutWonTie). The host's own \
            waits (Vss::wait_signal) are the test's code, not the machine's: a signal set at \
            their deadline counts as set.",
        sources: &["https://learn.microsoft.com/en-us/windows/win32/api/synchapi/nf-synchapi-waitforsingleobject"],
        status: Implemented,
        engine: &["coordinator/inflight.rs", "trace/oracle/termination.rs"],
    },
];
