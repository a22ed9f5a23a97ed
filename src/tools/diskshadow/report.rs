//! What DiskShadow prints: the shadow copy report of `create` and `list shadows`, deletions,
//! providers, failures. Observed layouts (published transcripts, `docs/cli.md`) use TABs;
//! inferred ones follow them.

use std::fmt::Write as _;

use super::command::ShadowSelection;
use super::session::braced;
use crate::requester::{AsyncError, ExcludedComponent, Vss};
use crate::vocab::{
    Attributes, ComponentKey, Hresult, ProviderProperties, SnapshotProperties, SnapshotSetId,
};

/// `\logical path\name`, or `\name` at the root: how DiskShadow names a component.
pub fn component_path(key: &ComponentKey) -> String {
    match key.logical_path.as_deref() {
        Some(path) if !path.is_empty() => format!("\\{path}\\{}", key.name),
        _ => format!("\\{}", key.name),
    }
}

/// The two lines of a component left out for a volume outside the set (observed; a volume
/// without a drive letter or mount folder prints as nothing, leaving two spaces).
pub fn excluded_line(excluded: &ExcludedComponent) -> String {
    let volume = if excluded.volume.starts_with("\\\\?\\") {
        ""
    } else {
        excluded.volume.as_str()
    };
    format!(
        "Component \"{}\" from writer \"{}\" is excluded from backup,\nbecause it requires volume \
         {volume} which is not in the shadow copy set.",
        component_path(&excluded.component),
        excluded.writer
    )
}

/// A failure (observed): an empty line, `The last operation failed.`, the code in upper-case
/// hex and its symbol.
pub fn last_operation_failed(hr: Hresult) -> String {
    let symbol = hr
        .symbol()
        .map_or_else(|| format!("0x{:08X}", hr.0), str::to_owned);
    format!(
        "\nThe last operation failed.\n\t- Returned HRESULT: {:08X}\n\t- Error text: {symbol}\n",
        hr.0
    )
}

/// The heading of `create`'s report, which is `list shadows set`'s (observed).
pub fn querying_set(set: SnapshotSetId) -> String {
    format!(
        "\nQuerying all shadow copies with the shadow copy set ID {}\n\n",
        braced(set.0)
    )
}

/// The heading of `list shadows` (`set` observed through `create`; `all` and `id` inferred).
pub fn querying(selection: &ShadowSelection) -> String {
    match selection {
        ShadowSelection::Set(id) => format!(
            "\nQuerying all shadow copies with the shadow copy set ID {}\n\n",
            braced_text(id)
        ),
        ShadowSelection::Id(id) => format!(
            "\nQuerying shadow copy with the shadow copy ID {}\n\n",
            braced_text(id)
        ),
        _ => "\nQuerying all shadow copies on the computer ...\n\n".to_owned(),
    }
}

fn braced_text(id: &str) -> String {
    let bare = id.trim().trim_start_matches('{').trim_end_matches('}');
    format!("{{{}}}", bare.to_lowercase())
}

/// The attribute words DiskShadow prints (observed: `No_Auto_Release Persistent No_Writers
/// Differential`, `Auto_Release FileShare`; the order is VShadow's, whose code DiskShadow's
/// output follows).
pub fn attribute_words(attributes: u32) -> String {
    let bits = Attributes(attributes);
    let mut words = Vec::new();
    if bits.contains(Attributes::TRANSPORTABLE) {
        words.push("Transportable");
    }
    words.push(if bits.contains(Attributes::NO_AUTO_RELEASE) {
        "No_Auto_Release"
    } else {
        "Auto_Release"
    });
    for (bit, word) in [
        (Attributes::PERSISTENT, "Persistent"),
        (Attributes::CLIENT_ACCESSIBLE, "Client_accessible"),
        (Attributes::HARDWARE_ASSISTED, "Hardware"),
        (Attributes::NO_WRITERS, "No_Writers"),
        (Attributes::IMPORTED, "Imported"),
        (Attributes::PLEX, "Plex"),
        (Attributes::DIFFERENTIAL, "Differential"),
        (Attributes::FILE_SHARE, "FileShare"),
    ] {
        if bits.contains(bit) {
            words.push(word);
        }
    }
    words.join(" ")
}

/// One shadow copy's block (observed, TAB-indented), then an empty line.
pub fn copy_block(
    copy: &SnapshotProperties,
    alias: Option<&str>,
    set_alias: Option<&str>,
    display: Option<&str>,
) -> String {
    let mut text = String::new();
    let alias = alias.map(|a| format!("\t\t%{a}%")).unwrap_or_default();
    let set_alias = set_alias.map(|a| format!("\t%{a}%")).unwrap_or_default();
    let shown = match display {
        // `(C:)\\?\Volume{…}\` → `C:\`; a mount folder keeps its name.
        Some(display) => {
            let name = display
                .strip_prefix('(')
                .and_then(|d| d.split_once(')'))
                .map_or(display, |(name, _)| name);
            if name.len() == 2 && name.ends_with(':') {
                format!("{name}\\")
            } else {
                name.to_owned()
            }
        }
        None => "volume not on this machine".to_owned(),
    };
    let _ = write!(
        text,
        "\t* Shadow copy ID = {}{alias}\n\t\t- Shadow copy set: {}{set_alias}\n\
         \t\t- Original count of shadow copies = {}\n\t\t- Original volume name: {} [{shown}]\n\
         \t\t- Creation time: {}\n\t\t- Shadow copy device name: {}\n\
         \t\t- Originating machine: {}\n\t\t- Service machine: {}\n",
        braced(copy.snapshot_id.0),
        braced(copy.snapshot_set_id.0),
        copy.snapshots_count,
        copy.original_volume,
        crate::tools::words::vssadmin_time(copy.creation_timestamp),
        copy.device_object,
        copy.originating_machine,
        copy.service_machine,
    );
    match &copy.exposed_name {
        // Inferred: VShadow's words; no DiskShadow capture shows an exposed copy.
        Some(name) => {
            let _ = writeln!(text, "\t\t- Exposed locally as: {name}");
        }
        None => text.push_str("\t\t- Not exposed\n"),
    }
    let _ = write!(
        text,
        "\t\t- Provider ID: {}\n\t\t- Attributes:  {}\n\n",
        braced(copy.provider_id.0),
        attribute_words(copy.attributes)
    );
    text
}

/// One line of `delete shadows` (observed).
pub fn deleting(copy: &SnapshotProperties) -> String {
    format!(
        "Deleting shadow copy {} on volume {} from provider {} [Attributes: 0x{:08x}]...\n",
        braced(copy.snapshot_id.0),
        copy.original_volume,
        braced(copy.provider_id.0),
        copy.attributes
    )
}

/// `list providers` (Microsoft's sample; the plural trailer is inferred).
pub fn providers(providers: &[ProviderProperties]) -> String {
    let mut text = String::new();
    for p in providers {
        let _ = write!(
            text,
            "* ProviderID: {}\n        Type: [{}] {:?}\n        Name: {}\n        Version: {}\n        \
             CLSID: {}\n",
            braced(p.provider_id.0),
            p.provider_type.value(),
            p.provider_type,
            p.name,
            p.version,
            braced(p.class_id)
        );
    }
    let n = providers.len();
    let _ = writeln!(
        text,
        "{n} provider{} registered.",
        if n == 1 { "" } else { "s" }
    );
    text
}

/// `list writers metadata|detailed` (inferred: no capture shows them): each writer's status
/// lines as `list writers status` prints them, then its components, and with `detailed` their
/// files.
pub fn writers_metadata(vss: &Vss, detailed: bool) -> Result<String, AsyncError> {
    let mut bc = vss.dynamic();
    bc.call_ok(crate::vocab::Call::InitializeForBackup)
        .map_err(AsyncError::Failed)?;
    bc.call_and_wait(crate::vocab::Call::GatherWriterMetadata)?;
    let views = bc.writer_metadata().map_err(AsyncError::Failed)?;
    let rows = bc.writer_status()?;
    let _ = bc.call(crate::vocab::Call::Release);
    let mut text = String::from("Listing writer metadata ...\n");
    for (view, row) in views.iter().zip(&rows) {
        super::write_writer_status(&mut text, row);
        for component in &view.components {
            let _ = writeln!(
                text,
                "        + Component \"{}:{}\"\n                - Name: {}\n                - \
                 Logical path: {}\n                - Selectable: {}",
                view.identity.name,
                component_path(&component.key),
                component.info.name,
                component.info.logical_path.as_deref().unwrap_or(""),
                if component.info.selectable {
                    "TRUE"
                } else {
                    "FALSE"
                },
            );
            if detailed {
                for file in component.info.all_files() {
                    let _ = writeln!(
                        text,
                        "                - File List: Path = {}, Filespec = {}",
                        file.path, file.filespec
                    );
                }
            }
        }
    }
    let _ = writeln!(text, "{} writers listed.", views.len());
    Ok(text)
}
