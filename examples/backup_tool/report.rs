//! `ToolReport`: what the backup tool tells its user at the end of a job, and the call log
//! behind it.

use std::fmt;

use vss_sim::vocab::{Hresult, WriterStatus};

use crate::session::CallRecord;
use crate::tool::Flow;

/// Why the tool says the snapshot failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ToolError {
    /// A VSS call, or the asynchronous operation it started, failed.
    Call {
        /// The Windows method name.
        method: &'static str,
        /// What it returned, or the operation's final status.
        hr: Hresult,
    },
    /// Writers reported failure in their status after `after` (R29, R30).
    WritersFailed {
        /// The step after which the status was gathered.
        after: &'static str,
    },
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Call { method, hr } => write!(f, "VSS API failure calling \"{method}\": {hr}"),
            Self::WritersFailed { after } => write!(f, "writers failed after {after}"),
        }
    }
}

/// The end of one backup job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ToolReport {
    /// The flow that ran.
    pub(crate) flow: Flow,
    /// The job status the tool shows: finished without error.
    pub(crate) succeeded: bool,
    /// The tool says the data came from a VSS-consistent shadow copy.
    pub(crate) vss_consistent: bool,
    /// Writers the tool names as failed.
    pub(crate) failed_writers: Vec<WriterStatus>,
    /// The error the tool shows, if any.
    pub(crate) error: Option<ToolError>,
    /// The tool read the live volumes instead of a shadow copy (field failure 23). Whether the
    /// user learns this depends on the flow: see [`ToolReport::summary`].
    pub(crate) read_live_files: bool,
    /// Every VSS call the tool made, in order.
    pub(crate) calls: Vec<CallRecord>,
}

impl ToolReport {
    /// An empty report for `flow`: nothing done yet.
    pub(crate) fn new(flow: Flow) -> Self {
        Self {
            flow,
            succeeded: false,
            vss_consistent: false,
            failed_writers: Vec::new(),
            error: None,
            read_live_files: false,
            calls: Vec::new(),
        }
    }

    /// What the last call of `method` returned.
    pub(crate) fn hresult_of(&self, method: &str) -> Option<Hresult> {
        self.last(method).map(|c| c.hr)
    }

    /// The final status of the last asynchronous operation `method` started.
    pub(crate) fn async_status_of(&self, method: &str) -> Option<Hresult> {
        self.last(method).and_then(|c| c.async_status)
    }

    /// Whether the tool called `method` at all.
    pub(crate) fn called(&self, method: &str) -> bool {
        self.last(method).is_some()
    }

    /// The job summary as the user sees it. The silent fallback says nothing of live files.
    pub(crate) fn summary(&self) -> String {
        let mut lines = Vec::new();
        let status = if self.succeeded { "OK" } else { "FAILED" };
        let source = match (self.vss_consistent, self.read_live_files) {
            (true, _) => "from a VSS snapshot",
            (false, true) => "from LIVE files: not VSS-consistent",
            (false, false) => "no data copied",
        };
        lines.push(format!("backup {status} ({source})"));
        if let Some(error) = &self.error {
            lines.push(format!("  error: {error}"));
        }
        for writer in &self.failed_writers {
            lines.push(format!(
                "  writer \"{}\" failed: {} {}",
                writer.name, writer.state, writer.failure
            ));
        }
        lines.join("\n")
    }

    fn last(&self, method: &str) -> Option<&CallRecord> {
        self.calls.iter().rev().find(|c| c.method == method)
    }
}
