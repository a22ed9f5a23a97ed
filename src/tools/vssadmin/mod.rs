//! `vssadmin`: the commands that read the machine, printed as Windows prints them (T12, R124).
//!
//! `vssadmin list writers`, `list providers` and `list shadows` are requesters. `list writers`
//! initializes for backup, gathers writer metadata and writer status, prints one block per writer
//! and releases its object; it involves no writer in a backup, so what it prints is what the
//! last operation left on the machine (R30). `list providers` queries the providers, `list
//! shadows` the shadow copies of every context (R34). `list shadowstorage` reads the machine's
//! shadow storage associations.
//!
//! Text uses `\n` line ends; Windows' console writes `\r\n` (the command line converts).

mod command;
mod help;

pub use command::{run, run_with, Confirm, Outcome};

use std::fmt::Write as _;

use super::words::{
    vssadmin_attribute_words, vssadmin_error_words, vssadmin_size, vssadmin_time,
    vssadmin_type_word,
};
use crate::requester::{AsyncError, Vss};
use crate::vocab::{
    Call, OsProfile, ProviderProperties, Reply, ShadowStorage, SnapshotContext, SnapshotId,
    SnapshotProperties, SnapshotSetId, WriterStatus,
};

/// What vssadmin prints when a list is empty (observed for `list shadows` and `list
/// shadowstorage`).
pub const NO_ITEMS: &str = "No items found that satisfy the query.\n";

/// The banner every `vssadmin` command prints first on current Windows (Server 2012 and later;
/// Q23). Windows Server 2003 and 2008 print `(C) Copyright 2001-2005 Microsoft Corp.` (observed
/// in a Server 2008 capture); see [`banner`].
pub const BANNER: &str =
    "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
                          (C) Copyright 2001-2013 Microsoft Corp.\n";

/// The banner of `os`'s vssadmin.
pub fn banner(os: OsProfile) -> &'static str {
    match os {
        // Server 2003 RTM (a published capture); Vista, Server 2008, Windows 7 and Server 2008
        // R2 print 2001-2005 (published captures of each). Whether Windows 8 / Server 2012
        // already printed 2001-2013 is not known: the simulator says so from Server 2012 on.
        OsProfile::Server2003 => {
            "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
             (C) Copyright 2001 Microsoft Corp.\n"
        }
        OsProfile::Server2008 | OsProfile::Server2008R2 => {
            "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
             (C) Copyright 2001-2005 Microsoft Corp.\n"
        }
        OsProfile::Server2012AndLater | OsProfile::Client => BANNER,
    }
}

/// What vssadmin prints before the writers of `list writers` when their answers are slow
/// (observed in microsoft/CSS-Exchange #2093; the exact Windows 10/11 capture Microsoft's
/// Sean Wheeler published, a French client capture and a Server 2008 capture have none).
/// `list_writers` prints them when gathering took virtual time (a writer's OnIdentify spent
/// some): the trigger is inferred from the words.
pub const WAITING_FOR_RESPONSES: &str =
    "Waiting for responses.\nThese may be delayed if a shadow copy is being prepared.\n";

/// `vssadmin list writers`: the banner, a blank line, then per writer its name, class id, instance id, state and
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
    let started = vss.now_ms();
    let rows = super::writer_status(vss)?;
    let os = vss.os();
    let mut text = String::from(banner(os));
    text.push('\n');
    if vss.now_ms() > started {
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

/// The options of `vssadmin list shadows`: `/for=`, `/shadow=`, `/set=`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShadowFilter {
    /// `/for=<ForVolumeSpec>`: copies of this volume (`C:` or `C:\`, a mount folder or a volume
    /// GUID path).
    pub for_volume: Option<String>,
    /// `/shadow=<ShadowId>`: this copy.
    pub shadow: Option<SnapshotId>,
    /// `/set=<ShadowSetId>`: the copies of this set.
    pub set: Option<SnapshotSetId>,
}

/// `vssadmin list shadows [/for=…] [/shadow=…] [/set=…]`: the banner, a blank line, then per
/// shadow copy set its id, how many copies it held at creation and when, and per copy its id,
/// original volume, device, machines, provider, type and attributes, each set followed by a
/// blank line; `No items found that satisfy the query.` when nothing matches.
///
/// It is a requester: `InitializeForBackup`, `SetContext(VSS_CTX_ALL)`, `Query` of the shadow
/// copies and of the providers (for their names), release. Copies are listed in creation order,
/// grouped by set. Errs with the first requester call that failed.
///
/// ```
/// use vss_sim::requester::Vss;
/// use vss_sim::tools::vssadmin::{self, ShadowFilter};
///
/// let vss = Vss::builder().build();
/// let text = vssadmin::list_shadows(&vss, &ShadowFilter::default())?;
/// assert!(text.ends_with("\nNo items found that satisfy the query.\n"));
/// # Ok::<(), vss_sim::requester::AsyncError>(())
/// ```
pub fn list_shadows(vss: &Vss, filter: &ShadowFilter) -> Result<String, AsyncError> {
    let (copies, providers) = super::administer(vss, |bc| {
        let copies = match bc.call(Call::Query)? {
            Reply::Snapshots(copies) => copies,
            _ => Vec::new(),
        };
        let providers = match bc.call(Call::QueryProviders)? {
            Reply::Providers(providers) => providers,
            _ => Vec::new(),
        };
        Ok((copies, providers))
    })
    .map_err(AsyncError::Failed)?;
    let for_volume = match &filter.for_volume {
        Some(name) => {
            let name = super::volume_name(name);
            Some(vss.volume_guid_path(&name).unwrap_or(name))
        }
        None => None,
    };
    let matching: Vec<&SnapshotProperties> = copies
        .iter()
        .filter(|c| {
            for_volume
                .as_ref()
                .is_none_or(|v| crate::vocab::same_path(&c.original_volume, v))
        })
        .filter(|c| filter.shadow.is_none_or(|id| c.snapshot_id == id))
        .filter(|c| filter.set.is_none_or(|id| c.snapshot_set_id == id))
        .collect();
    let mut text = String::from(banner(vss.os()));
    text.push('\n');
    if matching.is_empty() {
        text.push_str(NO_ITEMS);
        return Ok(text);
    }
    let mut sets: Vec<SnapshotSetId> = Vec::new();
    for copy in &matching {
        if !sets.contains(&copy.snapshot_set_id) {
            sets.push(copy.snapshot_set_id);
        }
    }
    for set in sets {
        let members: Vec<&&SnapshotProperties> = matching
            .iter()
            .filter(|c| c.snapshot_set_id == set)
            .collect();
        let first = members[0];
        // Writing to a String cannot fail.
        let _ = write!(
            text,
            "Contents of shadow copy set ID: {set}\n   Contained {} shadow copies at creation \
             time: {}\n",
            first.snapshots_count,
            vssadmin_time(first.creation_timestamp),
        );
        for copy in members {
            write_shadow(&mut text, vss, copy, &providers);
        }
        text.push('\n');
    }
    Ok(text)
}

/// One shadow copy's lines of `vssadmin list shadows` (6 and 9 spaces in, as published).
fn write_shadow(
    text: &mut String,
    vss: &Vss,
    copy: &SnapshotProperties,
    providers: &[ProviderProperties],
) {
    let original = vss
        .volume_display(&copy.original_volume)
        .unwrap_or_else(|| copy.original_volume.clone());
    let provider = providers
        .iter()
        .find(|p| p.provider_id == copy.provider_id)
        .map_or_else(|| copy.provider_id.to_string(), |p| p.name.clone());
    let base = SnapshotContext::of_attributes(copy.attributes);
    let _ = write!(
        text,
        "      Shadow Copy ID: {}\n         Original Volume: {original}\n         Shadow Copy \
         Volume: {}\n         Originating Machine: {}\n         Service Machine: {}\n",
        copy.snapshot_id, copy.device_object, copy.originating_machine, copy.service_machine,
    );
    let _ = write!(
        text,
        "         Provider: '{provider}'\n         Type: {}\n         Attributes: {}\n",
        vssadmin_type_word(base),
        vssadmin_attribute_words(copy.attributes),
    );
}

/// `vssadmin list shadowstorage`: the banner, a blank line, then per association the volume it
/// is for, the volume it is on, and the used, allocated and maximum space with their share of
/// the volume, each block followed by a blank line (observed layout); `No items found that
/// satisfy the query.` when there is none.
pub fn list_shadowstorage(vss: &Vss) -> String {
    let mut text = String::from(banner(vss.os()));
    text.push('\n');
    let associations = vss.shadow_storage();
    if associations.is_empty() {
        text.push_str(NO_ITEMS);
    }
    for association in &associations {
        write_storage(&mut text, association);
    }
    text
}

/// One association's block of `vssadmin list shadowstorage` (3 spaces in, as published).
pub fn write_storage(text: &mut String, storage: &ShadowStorage) {
    let whole = storage.volume_bytes;
    let max = storage.max_bytes.map_or_else(
        || "UNBOUNDED (100%)".to_owned(),
        |max| vssadmin_size(max, whole),
    );
    let _ = write!(
        text,
        "Shadow Copy Storage association\n   For volume: {}\n   Shadow Copy Storage volume: {}\n   \
         Used Shadow Copy Storage space: {}\n   Allocated Shadow Copy Storage space: {}\n   \
         Maximum Shadow Copy Storage space: {max}\n\n",
        storage.for_volume,
        storage.storage_volume,
        vssadmin_size(storage.used_bytes, whole),
        vssadmin_size(storage.allocated_bytes, whole),
    );
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
