//! A backup tool's VSS requester, modelled on bareos's `VSSClientGeneric` and restic's VSS code.
//!
//! `tool.rs` holds the job (`BackupTool::run`) and its correct flow, `bareos.rs` the flow of
//! bareos #1923 (BackupComplete after a PrepareForBackup veto), `session.rs` the call wrapper
//! (logging, deadlines, cancel), `report.rs` what the user is told. The tool drives VSS through
//! the dynamic API, since the flawed flows do not even compile against the typestate API.
//!
//! ```sh
//! cargo run --example backup_tool
//! ```
//!
//! `tests/example_backup_tool.rs` runs all three flows against vetoing writers, a failing
//! Freeze and a provider out of storage.

// The same files are compiled into tests/example_backup_tool.rs, which uses the rest of their
// API (the other flows, the call log).
#[allow(dead_code)]
mod bareos;
#[allow(dead_code)]
mod report;
#[allow(dead_code)]
mod session;
#[allow(dead_code)]
mod tool;

use vss_sim::requester::Vss;
use vss_sim::trace::oracle;
use vss_sim::vocab::{ApplicationLevel, WriterClassId, WriterEvent};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

use tool::{BackupTool, Options};

fn main() {
    let sql =
        ScriptedWriter::new("SalesDb").on(WriterEvent::PrepareForSnapshot, Reaction::slow(800));
    let search = ScriptedWriter::new("SearchIndex");
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x5A1E5), "SqlServerWriter")
                .level(ApplicationLevel::VSS_APP_BACK_END),
            sql,
        )
        .writer(
            WriterConfig::new(WriterClassId::from_u128(0x5EA4C), "MSSearch Service Writer"),
            search,
        )
        .build();
    let report = BackupTool::new(Options::default()).run(&vss);
    println!("{}\n", report.summary());
    print!("{}", vss.trace().render());
    println!("\noracle: {}", oracle::check(&vss.trace()));
}
