//! The machine and small readers of the report for `tests/example_backup_tool.rs`.

use vss_sim::provider::SoftwareProvider;
use vss_sim::requester::Vss;
use vss_sim::trace::ProviderStep;
use vss_sim::vocab::{ApplicationLevel, Hresult, WriterClassId, WriterEvent, WriterFailure};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

use crate::report::ToolReport;
use crate::tool::{BackupTool, Flow, Options};

/// The SQL Server writer's name (back end).
pub(crate) const SQL: &str = "SqlServerWriter";
/// The search writer's name (front end).
pub(crate) const SEARCH: &str = "MSSearch Service Writer";
/// Every flow.
pub(crate) const FLOWS: [Flow; 3] = [Flow::Correct, Flow::Bareos1923, Flow::SilentFallback];
/// The failure the faulty writers report.
pub(crate) const RETRYABLE: WriterFailure = WriterFailure::VSS_E_WRITERERROR_RETRYABLE;

/// What goes wrong on the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Nothing.
    None,
    /// The search writer vetoes PrepareForBackup (bareos #1923's MSSearch Service Writer).
    PrepareVeto,
    /// The SQL writer fails Freeze fatally (R50b).
    FreezeFails,
    /// The provider runs out of diff-area storage at EndPrepareSnapshots (field failure 19).
    ProviderFull,
}

/// A SQL Server writer (back end) and a search writer (front end), with `fault`.
pub(crate) fn machine(fault: Fault) -> Vss {
    let mut sql = ScriptedWriter::new("SalesDb");
    let mut search = ScriptedWriter::new("SearchIndex");
    let mut provider = SoftwareProvider::system();
    match fault {
        Fault::None => {}
        Fault::PrepareVeto => {
            search = search.on(WriterEvent::PrepareForBackup, Reaction::veto(RETRYABLE))
        }
        Fault::FreezeFails => sql = sql.on(WriterEvent::Freeze, Reaction::fatal(RETRYABLE)),
        Fault::ProviderFull => {
            provider = provider.with_result(
                ProviderStep::EndPrepareSnapshots,
                Hresult::VSS_E_INSUFFICIENT_STORAGE,
            );
        }
    }
    let sql_config = WriterConfig::new(WriterClassId::from_u128(0x5A1E5), SQL)
        .level(ApplicationLevel::VSS_APP_BACK_END);
    let search_config = WriterConfig::new(WriterClassId::from_u128(0x5EA4C), SEARCH);
    Vss::builder()
        .writer(sql_config, sql)
        .writer(search_config, search)
        .provider(provider)
        .build()
}

/// Runs the tool in `flow` with default options.
pub(crate) fn run(flow: Flow, vss: &Vss) -> ToolReport {
    BackupTool::new(Options {
        flow,
        ..Options::default()
    })
    .run(vss)
}

/// The names of the writers the report calls failed.
pub(crate) fn failed_names(report: &ToolReport) -> Vec<&str> {
    report
        .failed_writers
        .iter()
        .map(|w| w.name.as_str())
        .collect()
}

/// The position of the last call of `method` in the log.
pub(crate) fn position(report: &ToolReport, method: &str) -> Option<usize> {
    report.calls.iter().rposition(|c| c.method == method)
}
