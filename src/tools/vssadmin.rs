//! `vssadmin`: the commands that read the machine, printed as Windows prints them (T12, R124).
//!
//! `vssadmin list writers` and `vssadmin list providers` are requesters. `list writers`
//! initializes for backup, gathers writer metadata and writer status, prints one block per writer
//! and releases its object; it involves no writer in a backup, so what it prints is what the
//! last operation left on the machine (R30). `list providers` queries the providers (R34).
//!
//! Text uses `\n` line ends; Windows' console writes `\r\n` (the command line converts).

use std::fmt::Write as _;

use super::words::vssadmin_error_words;
use crate::requester::{AsyncError, Vss};
use crate::vocab::{Call, OsProfile, ProviderProperties, Reply, WriterStatus};

/// The banner every `vssadmin` command prints first on current Windows (Server 2012 and later;
/// Q23). Windows Server 2003 and 2008 print `(C) Copyright 2001-2005 Microsoft Corp.` (observed
/// in a Server 2008 capture); see [`banner`].
pub const BANNER: &str =
    "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
                          (C) Copyright 2001-2013 Microsoft Corp.\n";

/// The banner of `os`'s vssadmin.
pub fn banner(os: OsProfile) -> &'static str {
    match os {
        OsProfile::Server2003 | OsProfile::Server2008 => {
            "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
             (C) Copyright 2001-2005 Microsoft Corp.\n"
        }
        OsProfile::Server2008R2AndLater | OsProfile::Client => BANNER,
    }
}

/// What current vssadmin prints before the writers of `list writers` (observed, e.g. in
/// microsoft/CSS-Exchange #2093; the Server 2008 capture has no such lines).
pub const WAITING_FOR_RESPONSES: &str =
    "Waiting for responses.\nThese may be delayed if a shadow copy is being prepared.\n";

/// `vssadmin list writers`: the banner, a blank line, on current Windows the "Waiting for
/// responses" lines and a blank line, then per writer its name, class id, instance id, state and
/// last error, each block followed by a blank line (R124).
///
/// Errs with the first requester call that failed (vssadmin then prints an error instead of the
/// list), or with the run bound a wait hit (a writer that never answers `OnIdentify` under
/// `HandlerTimeout::Never` hangs vssadmin too).
///
/// ```
/// use vss_sim::requester::Vss;
/// use vss_sim::tools::vssadmin;
/// use vss_sim::vocab::WriterClassId;
/// use vss_sim::writer::{ScriptedWriter, WriterConfig};
///
/// let system = WriterClassId::from_u128(0xe8132975_6f93_4464_a53e_1050253ae220);
/// let vss = Vss::builder()
///     .writer(WriterConfig::new(system, "System Writer"), ScriptedWriter::new("System Files"))
///     .build();
/// let text = vssadmin::list_writers(&vss)?;
/// assert!(text.contains("Writer name: 'System Writer'\n   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}\n"));
/// assert!(text.contains("   State: [1] Stable\n   Last error: No error\n"));
/// # Ok::<(), vss_sim::requester::AsyncError>(())
/// ```
pub fn list_writers(vss: &Vss) -> Result<String, AsyncError> {
    let rows = writer_status(vss)?;
    let os = vss.os();
    let mut text = String::from(banner(os));
    text.push('\n');
    if matches!(os, OsProfile::Server2008R2AndLater | OsProfile::Client) {
        text.push_str(WAITING_FOR_RESPONSES);
        text.push('\n');
    }
    for row in &rows {
        write_writer(&mut text, row);
    }
    Ok(text)
}

/// One writer's block of `vssadmin list writers` (R124), with its trailing blank line.
pub fn write_writer(text: &mut String, row: &WriterStatus) {
    // Writing to a String cannot fail.
    let _ = write!(
        text,
        "Writer name: '{}'\n   Writer Id: {}\n   Writer Instance Id: {}\n   State: [{}] {}\n   \
         Last error: {}\n\n",
        row.name,
        row.writer_id,
        row.instance_id,
        row.state as u32,
        row.state.vssadmin_word(),
        vssadmin_error_words(row.failure),
    );
}

/// `vssadmin list providers`: the banner, a blank line, then per provider its name, type, id
/// and version, each block followed by a blank line (the system provider's values are R127's).
///
/// It is a requester too: `InitializeForBackup`, `Query` of providers, release.
pub fn list_providers(vss: &Vss) -> Result<String, AsyncError> {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup)
        .map_err(AsyncError::Failed)?;
    let providers = match bc.call(Call::QueryProviders).map_err(AsyncError::Failed)? {
        Reply::Providers(providers) => providers,
        _ => Vec::new(),
    };
    bc.call_ok(Call::Release).map_err(AsyncError::Failed)?;
    let mut text = String::from(banner(vss.os()));
    text.push('\n');
    for provider in &providers {
        write_provider(&mut text, provider);
    }
    Ok(text)
}

/// One provider's block of `vssadmin list providers`, with its trailing blank line.
pub fn write_provider(text: &mut String, provider: &ProviderProperties) {
    // Writing to a String cannot fail.
    let _ = write!(
        text,
        "Provider name: '{}'\n   Provider type: {}\n   Provider Id: {}\n   Version: {}\n\n",
        provider.name,
        provider.provider_type.vssadmin_word(),
        provider.provider_id,
        provider.version,
    );
}

/// What a status-only requester sees (it sets no backup state, as vssadmin does not):
/// `InitializeForBackup`, `GatherWriterMetadata`, `GatherWriterStatus`, every row,
/// `FreeWriterStatus`, release.
fn writer_status(vss: &Vss) -> Result<Vec<WriterStatus>, AsyncError> {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup)
        .map_err(AsyncError::Failed)?;
    bc.call_and_wait(Call::GatherWriterMetadata)?;
    let rows = bc.writer_status()?;
    bc.call_ok(Call::FreeWriterStatus)
        .map_err(AsyncError::Failed)?;
    bc.call_ok(Call::Release).map_err(AsyncError::Failed)?;
    Ok(rows)
}
