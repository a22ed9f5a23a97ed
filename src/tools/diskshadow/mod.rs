//! DiskShadow (T10, R116–R121) over a simulated machine: an interpreter for its scripts and
//! prompt ([`DiskShadow`]), its command language ([`parse`]), its metadata cabinet
//! ([`cabinet::Metadata`]) and what it prints ([`report`]).
//!
//! - `command.rs`: a line read into a [`Command`], or its usage block;
//! - `session.rs`: the interpreter (lines, aliases, dispatch, the requester object), with
//!   `session/create.rs` (`create`, the selection, the cabinet, `end backup`),
//!   `session/machine.rs` (`list`, `delete shadows`, `expose`, `unexpose`, `break`) and
//!   `session/restore.rs` (`load metadata`, the restore commands);
//! - `report.rs`: the shadow copy report, deletions, providers, failures;
//! - `cabinet.rs`: the `.cab` DiskShadow writes at `create` and reads at `load metadata`.
//!
//! `list writers status` is a requester like `vssadmin list writers`: it initializes for backup,
//! gathers writer metadata and writer status and releases its object, so it shows what the last
//! operation left on the machine (R30).

pub mod cabinet;
mod command;
pub mod report;
mod session;

pub use command::{
    parse, words, Command, DsContext, DsOptions, ShadowSelection, Usage, WriterListing,
};
pub use session::{script_lines, DiskShadow, ExecPolicy, FileReader, Flow};

use std::fmt::Write as _;

use crate::requester::{AsyncError, Vss};
use crate::vocab::{Hresult, WriterStatus};

/// `list writers status`: `Listing writer status ...`, then per writer its name, state (number
/// and symbol), failure code, class id and instance id, then `N writers listed.`.
///
/// The layout is the one Microsoft's `list writers` page shows today: the name unquoted, the
/// detail lines 8 spaces in. Older revisions of that page, and the VShadow sample DiskShadow's
/// output follows, quote the name (`* WRITER "System Writer"`); no console capture settles it.
///
/// ```
/// use vss_sim::requester::Vss;
/// use vss_sim::tools::diskshadow;
/// use vss_sim::vocab::WriterClassId;
/// use vss_sim::writer::{ScriptedWriter, WriterConfig};
///
/// let registry = WriterClassId::from_u128(0xafbab4a2_367d_4d15_a586_71dbb18f8485);
/// let vss = Vss::builder()
///     .writer(WriterConfig::new(registry, "Registry Writer"), ScriptedWriter::new("Registry"))
///     .build();
/// let text = diskshadow::list_writers_status(&vss)?;
/// assert!(text.starts_with("Listing writer status ...\n* WRITER Registry Writer\n"));
/// assert!(text.contains("        - Status: 1 (VSS_WS_STABLE)\n"));
/// assert!(text.ends_with("1 writers listed.\n"));
/// # Ok::<(), vss_sim::requester::AsyncError>(())
/// ```
pub fn list_writers_status(vss: &Vss) -> Result<String, AsyncError> {
    let rows = super::writer_status(vss)?;
    let mut text = String::from("Listing writer status ...\n");
    for row in &rows {
        write_writer_status(&mut text, row);
    }
    // Writing to a String cannot fail.
    let _ = writeln!(text, "{} writers listed.", rows.len());
    Ok(text)
}

/// One writer's lines of `list writers status`.
pub fn write_writer_status(text: &mut String, row: &WriterStatus) {
    let _ = write!(
        text,
        "* WRITER {}\n        - Status: {} ({:?})\n        - Writer Failure code: 0x{:08x} ({})\n        \
         - Writer ID: {}\n        - Instance ID: {}\n",
        row.name,
        row.state as u32,
        row.state,
        row.failure.0,
        failure_words(row.failure),
        row.writer_id,
        row.instance_id,
    );
}

/// The words after a failure code. `S_OK` is documented; so is `<Unknown error code>` for
/// `0x800423f4` (`VSS_E_WRITERERROR_NONRETRYABLE`, in the SQL Server article Microsoft
/// publishes), from which we infer that DiskShadow names no writer failure code.
pub fn failure_words(failure: Hresult) -> &'static str {
    if failure == Hresult::S_OK {
        "S_OK"
    } else {
        "<Unknown error code>"
    }
}
