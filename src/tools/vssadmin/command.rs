//! `vssadmin <command>` as a whole (T12, R123, R126): the command line read as Windows reads it
//! (verbs and switches ignore case, `/for=C:`), run against the machine through its APIs, and
//! printed with vssadmin's banner, words and exit status.
//!
//! Server and client SKUs differ (R123): `create shadow` and `add`/`delete shadowstorage`
//! exist on servers only; on a client they are invalid commands.

use std::fmt::Write as _;

use super::{banner, list_providers, list_shadows, list_writers, write_storage, ShadowFilter};
use crate::coordinator::DiffAreaSize;
use crate::requester::{DynBackupComponents, Vss};
use crate::tools::{administer, parse_id, volume_name};
use crate::vocab::{
    well_known, Call, Hresult, ObjectType, OsProfile, ProviderId, Reply, SnapshotContext,
    SnapshotId, SnapshotProperties,
};

/// What a vssadmin command printed and the status it exits with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything printed, banner first.
    pub text: String,
    /// 0 on success; 1 when the command failed or was invalid (vssadmin's `%ERRORLEVEL%`;
    /// inferred: Windows documents no values).
    pub exit_code: i32,
}

/// Answers vssadmin's `(Y/N)` question; the command line's reads the standard input.
pub type Confirm<'a> = &'a mut dyn FnMut(&str) -> bool;

/// Runs `vssadmin args…` on `vss`, answering every confirmation with no (as vssadmin does
/// when its input ends); see [`run_with`].
pub fn run(vss: &Vss, args: &[String]) -> Outcome {
    run_with(vss, args, &mut |_| false)
}

/// Runs `vssadmin args…` on `vss`; `confirm` answers `Do you really want to delete …`.
///
/// ```
/// use vss_sim::requester::Vss;
/// use vss_sim::tools::vssadmin;
///
/// let vss = Vss::builder().build();
/// let args: Vec<String> = ["create", "shadow", "/for=C:"].map(String::from).to_vec();
/// let created = vssadmin::run(&vss, &args);
/// assert_eq!(created.exit_code, 0);
/// assert!(created.text.contains("Successfully created shadow copy for 'C:\\'"));
/// let listed = vssadmin::run(&vss, &["list".into(), "shadows".into()]);
/// assert!(listed.text.contains("Type: ClientAccessible"));
/// ```
pub fn run_with(vss: &Vss, args: &[String], confirm: Confirm<'_>) -> Outcome {
    let mut text = String::from(banner(vss.os()));
    text.push('\n');
    let server = vss.os() != OsProfile::Client;
    let words: Vec<String> = args.iter().map(|a| a.to_lowercase()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let switches = match Switches::read(args.get(2..).unwrap_or_default()) {
        Ok(switches) => switches,
        Err(bad) => return invalid(text, &format!("Error: Invalid option value.\n{bad}\n")),
    };
    // `vssadmin /?`: the command list, without an error.
    if matches!(words.as_slice(), ["/?"] | ["-?"]) {
        text.push_str(&commands(server));
        return Outcome { text, exit_code: 0 };
    }
    // `vssadmin <command> /?`: the command's help.
    if let [verb, noun, "/?" | "-?", ..] = words.as_slice() {
        if let Some(help) = super::help::help(verb, noun, server) {
            text.push_str(help);
            return Outcome { text, exit_code: 0 };
        }
    }
    let result = match words.get(..2.min(words.len())).unwrap_or_default() {
        ["list", "writers"] => listed(list_writers(vss)),
        ["list", "providers"] => listed(list_providers(vss)),
        ["list", "shadows"] => listed(list_shadows(
            vss,
            &ShadowFilter {
                for_volume: switches.value("for"),
                shadow: switches
                    .value("shadow")
                    .and_then(|s| parse_id(&s))
                    .map(SnapshotId),
                set: switches
                    .value("set")
                    .and_then(|s| parse_id(&s))
                    .map(crate::vocab::SnapshotSetId),
            },
        )),
        ["list", "shadowstorage"] => Ok(shadow_storage(vss, &switches)),
        ["list", "volumes"] => Ok(volumes(vss)),
        ["create", "shadow"] if server => create_shadow(vss, &switches),
        ["delete", "shadows"] => delete_shadows(vss, &switches, confirm),
        ["add", "shadowstorage"] if server => add_storage(vss, &switches),
        ["resize", "shadowstorage"] => resize_storage(vss, &switches),
        ["delete", "shadowstorage"] if server => delete_storage(vss, &switches),
        ["revert", "shadow"] if server => revert_shadow(vss, &switches),
        ["query", "reverts"] if server => query_reverts(vss, &switches),
        _ => {
            // A line holding one space follows the error, and an empty line ends the list
            // (automated captures of Windows 10 and Server 2016).
            return invalid(
                text,
                &format!("Error: Invalid command.\n \n{}\n", commands(server)),
            );
        }
    };
    match result {
        // The listings print their own banner; "No items found" exits 1 (a reported capture).
        Ok(body) if body.starts_with("vssadmin 1.1") => Outcome {
            exit_code: i32::from(body.ends_with(super::NO_ITEMS)),
            text: body,
        },
        Ok(body) => {
            text.push_str(&body);
            Outcome { text, exit_code: 0 }
        }
        Err(message) => {
            text.push_str(&message);
            Outcome { text, exit_code: 1 }
        }
    }
}

fn listed(result: Result<String, crate::requester::AsyncError>) -> Result<String, String> {
    result.map_err(|err| error_text(err.hresult().unwrap_or(Hresult::VSS_E_UNEXPECTED)))
}

fn invalid(mut text: String, message: &str) -> Outcome {
    text.push_str(message);
    Outcome { text, exit_code: 1 }
}

/// The switches after the command (`/for=C:`, `/oldest`, `/quiet`), names without case.
struct Switches(Vec<(String, Option<String>)>);

impl Switches {
    fn read(args: &[String]) -> Result<Self, String> {
        let mut switches = Vec::new();
        for arg in args {
            let Some(body) = arg.strip_prefix('/').or_else(|| arg.strip_prefix('-')) else {
                return Err(format!("Unexpected argument: {arg}"));
            };
            match body.split_once('=') {
                Some((name, value)) => {
                    switches.push((
                        name.to_lowercase(),
                        Some(value.trim_matches('"').to_owned()),
                    ));
                }
                None => switches.push((body.to_lowercase(), None)),
            }
        }
        Ok(Self(switches))
    }

    fn value(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    }

    fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// vssadmin's error line for a failure (the words of its message table where known; inferred
/// for the rest).
fn error_text(hr: Hresult) -> String {
    let words = match hr {
        Hresult::VSS_E_OBJECT_NOT_FOUND => "The specified volume was not found.".to_owned(),
        Hresult::VSS_E_VOLUME_NOT_SUPPORTED => "The specified volume is not supported.".to_owned(),
        Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS => {
            "Another shadow copy creation is already in progress. Please wait a few moments and \
             try again."
                .to_owned()
        }
        Hresult::VSS_E_INSUFFICIENT_STORAGE => {
            "Insufficient storage available to create either the shadow copy storage file or \
             other shadow copy data."
                .to_owned()
        }
        Hresult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED => {
            "The maximum number of shadow copies for this volume has been reached.".to_owned()
        }
        Hresult::VSS_E_OBJECT_ALREADY_EXISTS => {
            "The specified shadow copy storage association already exists.".to_owned()
        }
        Hresult::VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED => {
            "The maximum number of shadow copy storage associations has been reached.".to_owned()
        }
        Hresult::VSS_E_VOLUME_IN_USE => {
            "The shadow copy storage association is in use and so can't be deleted.".to_owned()
        }
        Hresult::E_INVALIDARG => "Invalid option value.".to_owned(),
        // Observed, with its line break.
        Hresult::E_ACCESSDENIED => {
            "You don't have the correct permissions to run this command.  Please run this \
             utility from a command\nwindow that has elevated administrator privileges."
                .to_owned()
        }
        // Observed, with its line break.
        Hresult::VSS_E_PROVIDER_VETO => "The shadow copy provider had an error. Please see the \
             system and\napplication event logs for more information."
            .to_owned(),
        other => format!("Unexpected failure, error code: 0x{:08x}.", other.0),
    };
    format!("Error: {words}\n")
}

/// The command list of `vssadmin /?` and of `Error: Invalid command.`, as Windows 11 and
/// Server 2022 print it: each name padded to 22 columns, then `- ` and the description; a
/// server adds its own commands, `Revert Shadow` and `Query Reverts` last.
fn commands(server: bool) -> String {
    let mut text = String::from("---- Commands Supported ----\n\n");
    let rows: &[(&str, &str, bool)] = &[
        (
            "Add ShadowStorage",
            "Add a new volume shadow copy storage association",
            true,
        ),
        ("Create Shadow", "Create a new volume shadow copy", true),
        ("Delete Shadows", "Delete volume shadow copies", false),
        (
            "Delete ShadowStorage",
            "Delete volume shadow copy storage associations",
            true,
        ),
        (
            "List Providers",
            "List registered volume shadow copy providers",
            false,
        ),
        ("List Shadows", "List existing volume shadow copies", false),
        (
            "List ShadowStorage",
            "List volume shadow copy storage associations",
            false,
        ),
        (
            "List Volumes",
            "List volumes eligible for shadow copies",
            false,
        ),
        (
            "List Writers",
            "List subscribed volume shadow copy writers",
            false,
        ),
        (
            "Resize ShadowStorage",
            "Resize a volume shadow copy storage association",
            false,
        ),
        ("Revert Shadow", "Revert a volume to a shadow copy", true),
        (
            "Query Reverts",
            "Query the progress of in-progress revert operations.",
            true,
        ),
    ];
    for (command, what, server_only) in rows {
        if server || !server_only {
            let _ = writeln!(text, "{command:<22}- {what}");
        }
    }
    text
}

/// `list shadowstorage [/for=X] [/on=Y]`.
fn shadow_storage(vss: &Vss, switches: &Switches) -> String {
    let for_volume = switches
        .value("for")
        .and_then(|v| vss.volume_display(&volume_name(&v)));
    let on = switches
        .value("on")
        .and_then(|v| vss.volume_display(&volume_name(&v)));
    let rows: Vec<_> = vss
        .shadow_storage()
        .into_iter()
        .filter(|s| for_volume.as_ref().is_none_or(|v| &s.for_volume == v))
        .filter(|s| on.as_ref().is_none_or(|v| &s.storage_volume == v))
        .collect();
    if rows.is_empty() {
        return super::NO_ITEMS.to_owned();
    }
    let mut text = String::new();
    for row in &rows {
        write_storage(&mut text, row);
    }
    text
}

/// `list volumes` (inferred layout: `Volume path:` and `Volume name:` per volume).
fn volumes(vss: &Vss) -> String {
    let mut text = String::new();
    for name in vss.volume_names() {
        let guid = vss.volume_guid_path(&name).unwrap_or_default();
        let _ = write!(text, "Volume path: {name}\n    Volume name: {guid}\n");
    }
    text
}

/// `create shadow /for=X [/autoretry=minutes]` (R126): a client-accessible shadow copy of one
/// volume, by the system provider; `/autoretry` retries while another creation is under way.
fn create_shadow(vss: &Vss, switches: &Switches) -> Result<String, String> {
    let Some(volume) = switches.value("for") else {
        return Err("Error: Invalid command.\n".to_owned());
    };
    let name = volume_name(&volume);
    let retry_ms = switches
        .value("autoretry")
        .and_then(|m| m.parse::<u64>().ok())
        .map_or(0, |minutes| minutes.saturating_mul(60_000));
    let started = vss.now_ms();
    loop {
        match create_once(vss, &name) {
            Ok(copy) => {
                return Ok(format!(
                    "Successfully created shadow copy for '{name}'\n    Shadow Copy ID: {{{}}}\n    \
                     Shadow Copy Volume Name: {}\n",
                    copy.snapshot_id.0, copy.device_object
                ));
            }
            Err(Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS)
                if vss.now_ms().saturating_sub(started) < retry_ms =>
            {
                vss.advance_ms(5_000);
            }
            Err(hr) => return Err(error_text(hr)),
        }
    }
}

fn create_once(vss: &Vss, volume: &str) -> Result<SnapshotProperties, Hresult> {
    let mut bc = vss.dynamic();
    let result = (|| {
        bc.call_ok(Call::InitializeForBackup)?;
        bc.call_ok(Call::SetContext {
            context: SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE.value(),
        })?;
        let Reply::SnapshotSet(_) = bc.call(Call::StartSnapshotSet)? else {
            return Err(Hresult::VSS_E_UNEXPECTED);
        };
        let Reply::Snapshot(snapshot) = bc.call(Call::AddToSnapshotSet {
            volume: volume.to_owned(),
            provider: ProviderId::NULL,
        })?
        else {
            return Err(Hresult::VSS_E_UNEXPECTED);
        };
        bc.call_and_wait(Call::DoSnapshotSet)
            .map_err(|e| e.hresult().unwrap_or(Hresult::VSS_E_UNEXPECTED))?;
        match bc.call(Call::SnapshotProperties { snapshot })? {
            Reply::Properties(properties) => Ok(properties),
            _ => Err(Hresult::VSS_E_UNEXPECTED),
        }
    })();
    let _ = bc.call(Call::Release);
    result
}

/// `delete shadows /for=X [/oldest | /all | /shadow=ID] [/quiet]`: vssadmin deletes only
/// client-accessible copies of the system provider (R123).
fn delete_shadows(vss: &Vss, switches: &Switches, confirm: Confirm<'_>) -> Result<String, String> {
    administer(vss, |bc| Ok(delete_matching(vss, bc, switches, confirm)))
        .unwrap_or_else(|hr| Err(error_text(hr)))
}

/// `delete shadows` on its requester, once that is ready.
fn delete_matching(
    vss: &Vss,
    bc: &mut DynBackupComponents,
    switches: &Switches,
    confirm: Confirm<'_>,
) -> Result<String, String> {
    let mut copies = match bc.call(Call::Query) {
        Ok(Reply::Snapshots(copies)) => copies,
        Ok(_) => Vec::new(),
        Err(hr) => return Err(error_text(hr)),
    };
    copies.retain(|c| {
        c.provider_id == well_known::SYSTEM_PROVIDER
            && SnapshotContext::of_attributes(c.attributes).is_client_accessible()
    });
    if let Some(volume) = switches.value("for") {
        let guid = vss.volume_guid_path(&volume_name(&volume));
        copies.retain(|c| Some(&c.original_volume) == guid.as_ref());
    }
    if let Some(id) = switches.value("shadow") {
        let id = parse_id(&id);
        copies.retain(|c| Some(c.snapshot_id.0) == id);
    } else if switches.flag("oldest") {
        copies.sort_by_key(|c| c.created_at_ms);
        copies.truncate(1);
    } else if !switches.flag("all") && switches.value("for").is_none() {
        return Err("Error: Invalid command.\n".to_owned());
    }
    if copies.is_empty() {
        return Ok(super::NO_ITEMS.to_owned());
    }
    let mut text = String::new();
    if !switches.flag("quiet") {
        let question = format!(
            "Do you really want to delete {} shadow copies (Y/N): [N]? ",
            copies.len()
        );
        text.push_str(&question);
        text.push('\n');
        if !confirm(&question) {
            return Ok(text);
        }
    }
    let mut deleted = 0;
    for copy in &copies {
        if let Ok(Reply::Deleted { deleted: n, .. }) = bc.call(Call::DeleteSnapshots {
            id: copy.snapshot_id.0,
            object: ObjectType::VSS_OBJECT_SNAPSHOT,
            force: true,
        }) {
            deleted += n;
        }
    }
    // `/quiet` prints nothing after the banner (a published capture).
    if !switches.flag("quiet") {
        let _ = writeln!(text, "\nSuccessfully deleted {deleted} shadow copies.");
    }
    Ok(text)
}

/// `/maxsize=`: `UNBOUNDED`, a byte count with an optional `KB`/`MB`/`GB`/`TB`/`PB`/`EB`
/// suffix (binary units), or a percentage of the volume (`20%`).
fn max_size(vss: &Vss, switches: &Switches, for_volume: &str) -> Result<DiffAreaSize, String> {
    let Some(text) = switches.value("maxsize") else {
        return Ok(DiffAreaSize::Unbounded);
    };
    let text = text.trim().to_uppercase();
    if text == "UNBOUNDED" {
        return Ok(DiffAreaSize::Unbounded);
    }
    if let Some(percent) = text.strip_suffix('%') {
        let percent: u64 = percent.trim().parse().map_err(|_| invalid_value())?;
        let size = vss
            .volume_size(for_volume)
            .ok_or_else(|| error_text(Hresult::VSS_E_OBJECT_NOT_FOUND))?;
        return Ok(DiffAreaSize::Bytes(size / 100 * percent.min(100)));
    }
    let units = [
        ("EB", 60),
        ("PB", 50),
        ("TB", 40),
        ("GB", 30),
        ("MB", 20),
        ("KB", 10),
        // The single letters the tool's help also accepts.
        ("E", 60),
        ("P", 50),
        ("T", 40),
        ("G", 30),
        ("M", 20),
        ("K", 10),
        ("B", 0),
    ];
    let (number, shift) = units
        .iter()
        .find_map(|(suffix, shift)| text.strip_suffix(suffix).map(|n| (n.trim(), *shift)))
        .unwrap_or((text.as_str(), 0));
    let number: f64 = number.parse().map_err(|_| invalid_value())?;
    if !number.is_finite() || number < 0.0 {
        return Err(invalid_value());
    }
    Ok(DiffAreaSize::Bytes(
        (number * (1u64 << shift) as f64) as u64,
    ))
}

fn invalid_value() -> String {
    "Error: Invalid option value.\n".to_owned()
}

fn for_and_on(switches: &Switches) -> Result<(String, String), String> {
    let for_volume = switches
        .value("for")
        .map(|v| volume_name(&v))
        .ok_or_else(|| "Error: Invalid command.\n".to_owned())?;
    let on = switches
        .value("on")
        .map_or_else(|| for_volume.clone(), |v| volume_name(&v));
    Ok((for_volume, on))
}

/// `add shadowstorage /for=X /on=Y [/maxsize=…]` (servers).
fn add_storage(vss: &Vss, switches: &Switches) -> Result<String, String> {
    let (for_volume, on) = for_and_on(switches)?;
    if switches.value("on").is_none() {
        return Err("Error: Invalid command.\n".to_owned());
    }
    let max = max_size(vss, switches, &for_volume)?;
    vss.add_shadow_storage(&for_volume, &on, max)
        .map_err(error_text)?;
    Ok("Successfully added the shadow copy storage association\n".to_owned())
}

/// `resize shadowstorage /for=X /on=Y [/maxsize=…]`: a smaller maximum may delete shadow
/// copies (R103).
fn resize_storage(vss: &Vss, switches: &Switches) -> Result<String, String> {
    let (for_volume, on) = for_and_on(switches)?;
    if switches.value("on").is_none() {
        return Err("Error: Invalid command.\n".to_owned());
    }
    let max = max_size(vss, switches, &for_volume)?;
    if max == DiffAreaSize::Bytes(0) {
        return Err(invalid_value());
    }
    vss.resize_shadow_storage(&for_volume, &on, max)
        .map_err(error_text)?;
    Ok("Successfully resized the shadow copy storage association\n".to_owned())
}

/// `delete shadowstorage /for=X [/on=Y] [/quiet]` (servers).
fn delete_storage(vss: &Vss, switches: &Switches) -> Result<String, String> {
    let (for_volume, on) = for_and_on(switches)?;
    let on = match switches.value("on") {
        Some(_) => on,
        None => vss
            .shadow_storage()
            .into_iter()
            .find(|s| Some(&s.for_volume) == vss.volume_display(&for_volume).as_ref())
            .and_then(|s| vss.volume_name_of_display(&s.storage_volume))
            .unwrap_or(on),
    };
    vss.resize_shadow_storage(&for_volume, &on, DiffAreaSize::Bytes(0))
        .map_err(error_text)?;
    Ok("Successfully deleted the shadow copy storage association(s)\n".to_owned())
}

/// `revert shadow /shadow={id} [/forcedismount] [/quiet]` (servers): `RevertToSnapshot`.
/// What vssadmin prints on success is not published: nothing is printed (inferred).
fn revert_shadow(vss: &Vss, switches: &Switches) -> Result<String, String> {
    let snapshot = switches
        .value("shadow")
        .ok_or_else(|| "Error: Invalid command.\n".to_owned())?;
    let snapshot = parse_id(&snapshot).ok_or_else(invalid_value)?;
    let force_dismount = switches.flag("forcedismount");
    crate::tools::administer(vss, |bc| {
        bc.call_ok(Call::RevertToSnapshot {
            snapshot: SnapshotId(snapshot),
            force_dismount,
        })
    })
    .map_err(revert_error)?;
    Ok(String::new())
}

/// `query reverts [/for=X]` (servers): `QueryRevertStatus` of each volume asked about. A
/// simulated revert ends at once, so none is ever in progress: vssadmin's empty-query line
/// (inferred: no output of this command is published).
fn query_reverts(vss: &Vss, switches: &Switches) -> Result<String, String> {
    if let Some(volume) = switches.value("for") {
        let volume = volume_name(&volume);
        crate::tools::administer(vss, |bc| {
            let Reply::Async(op) = bc.call(Call::QueryRevertStatus { volume })? else {
                return Err(Hresult::VSS_E_UNEXPECTED);
            };
            bc.call(Call::Wait {
                op,
                timeout_ms: None,
            })
            .map(|_| ())
        })
        .map_err(error_text)?;
    }
    let mut text = String::from(banner(vss.os()));
    text.push('\n');
    text.push_str(super::NO_ITEMS);
    Ok(text)
}

/// A refused revert: vssadmin's observed words for access and provider errors; for the codes
/// only a revert meets, whose words are not published, its generic line with the code.
fn revert_error(hr: Hresult) -> String {
    match hr {
        Hresult::E_ACCESSDENIED | Hresult::VSS_E_PROVIDER_VETO | Hresult::E_INVALIDARG => {
            error_text(hr)
        }
        other => format!(
            "Error: Unexpected failure, error code: 0x{:08x}.\n",
            other.0
        ),
    }
}
