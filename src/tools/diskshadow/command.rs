//! DiskShadow's command language (T10, R116–R120): one line, after alias expansion, read into
//! a [`Command`], or the usage block DiskShadow prints for a malformed one.
//!
//! Keywords ignore case (`SET CONTEXT PERSISTENT` is `set context persistent`); a line whose
//! first non-blank character is `#` is a comment; arguments may be quoted (`"System Writer"`).

use std::fmt;

use uuid::Uuid;

/// The context `set context` chooses (R119).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DsContext {
    /// `volatile`: deleted on exit or reset (the default when no context is set).
    #[default]
    Volatile,
    /// `persistent`: survives exit, reset and reboot.
    Persistent,
    /// `clientaccessible`: usable by client versions of Windows; persistent.
    ClientAccessible,
}

/// The options `set option` sets (R119).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DsOptions {
    /// `differential`.
    pub differential: bool,
    /// `plex`.
    pub plex: bool,
    /// `transportable`.
    pub transportable: bool,
    /// `rollbackrecover`.
    pub rollback_recover: bool,
    /// `txfrecover`.
    pub txf_recover: bool,
    /// `noautorecover`.
    pub no_auto_recover: bool,
}

/// What `list writers` shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterListing {
    /// Identity, status and metadata (the default).
    Metadata,
    /// The same with every component's files.
    Detailed,
    /// Identity and status only.
    Status,
}

/// Which shadow copies `list shadows` and `delete shadows` mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShadowSelection {
    /// `all`.
    All,
    /// `volume <volume>`: every copy of a volume.
    Volume(String),
    /// `oldest <volume>`: a volume's oldest copy (delete only).
    Oldest(String),
    /// `set <setID>`.
    Set(String),
    /// `id <shadowID>`.
    Id(String),
    /// `exposed <drive or mount point>` (delete only).
    Exposed(String),
}

/// One DiskShadow command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// An empty line or a comment.
    Nothing,
    /// `set`: list the settings.
    ShowSettings,
    /// `set context …`.
    SetContext {
        /// The context.
        context: DsContext,
        /// `nowriters`.
        no_writers: bool,
    },
    /// `set option …`.
    SetOption(DsOptions),
    /// `set verbose on|off`.
    SetVerbose(bool),
    /// `set metadata <file>`.
    SetMetadata(String),
    /// `load metadata <file>`.
    LoadMetadata(String),
    /// `writer verify <writer or component>`.
    WriterVerify(String),
    /// `writer exclude <writer or component>`.
    WriterExclude(String),
    /// `add`: list the volumes and aliases.
    ShowAdded,
    /// `add volume <volume> [alias <name>] [provider <id>]`.
    AddVolume {
        /// The volume as written.
        volume: String,
        /// Its alias.
        alias: Option<String>,
        /// The provider to use.
        provider: Option<Uuid>,
    },
    /// `add alias <name> <value>`.
    AddAlias {
        /// The alias.
        name: String,
        /// Its value.
        value: String,
    },
    /// `create`.
    Create,
    /// `exec <file> [args…]`.
    Exec {
        /// The script or program.
        file: String,
        /// Its arguments.
        args: Vec<String>,
    },
    /// `begin backup`.
    BeginBackup,
    /// `end backup`.
    EndBackup,
    /// `begin restore`.
    BeginRestore,
    /// `end restore`.
    EndRestore,
    /// `reset`.
    Reset,
    /// `list writers [metadata|detailed|status]`.
    ListWriters(WriterListing),
    /// `list shadows all|set|id`.
    ListShadows(ShadowSelection),
    /// `list providers`.
    ListProviders,
    /// `delete shadows …`.
    DeleteShadows(ShadowSelection),
    /// `import`.
    Import,
    /// `mask <setID>`.
    Mask(String),
    /// `expose <shadowID> <drive:|share|mount point>`.
    Expose {
        /// The shadow copy.
        shadow: String,
        /// Where.
        target: String,
    },
    /// `unexpose <shadowID|drive:|share|mount point>`.
    Unexpose(String),
    /// `break [writable] <setID>`.
    Break {
        /// `writable`.
        writable: bool,
        /// The set.
        set: String,
    },
    /// `revert <shadowID>`.
    Revert(String),
    /// `resync`.
    Resync,
    /// `simulate restore`.
    SimulateRestore,
    /// `exit`.
    Exit,
    /// `help` or `/?`.
    Help,
}

/// A line DiskShadow does not take: its usage block (the command's help), or, for a word it
/// does not know, a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Usage {
    /// What DiskShadow prints.
    pub text: String,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Usage {}

/// Splits a line into words: blanks separate them, double quotes group them (the quotes are
/// dropped).
pub fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    words.push(std::mem::take(&mut current));
                    any = false;
                }
            }
            c => {
                current.push(c);
                any = true;
            }
        }
    }
    if any {
        words.push(current);
    }
    words
}

/// Reads one line (already alias-expanded).
///
/// # Errors
///
/// The usage block of the command, as DiskShadow prints it for a malformed line.
///
/// ```
/// use vss_sim::tools::diskshadow::{parse, Command, DsContext};
/// assert_eq!(
///     parse("SET CONTEXT PERSISTENT NOWRITERS"),
///     Ok(Command::SetContext { context: DsContext::Persistent, no_writers: true })
/// );
/// assert_eq!(parse("# a comment"), Ok(Command::Nothing));
/// assert!(parse("set context persistent nowriter").unwrap_err().text.contains("SET CONTEXT {"));
/// ```
pub fn parse(line: &str) -> Result<Command, Usage> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(Command::Nothing);
    }
    let words = words(trimmed);
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let rest = |from: usize| words.get(from..).unwrap_or_default();
    match lower.as_slice() {
        [] => Ok(Command::Nothing),
        ["help"] | ["/?"] | ["-?"] | ["?"] => Ok(Command::Help),
        ["set"] => Ok(Command::ShowSettings),
        ["set", "context", args @ ..] => set_context(args),
        ["set", "option", args @ ..] => set_option(args),
        ["set", "verbose", "on"] => Ok(Command::SetVerbose(true)),
        ["set", "verbose", "off"] => Ok(Command::SetVerbose(false)),
        ["set", "verbose", ..] => Err(usage(SET_VERBOSE_USAGE)),
        ["set", "metadata", _] => Ok(Command::SetMetadata(words[2].clone())),
        ["set", "metadata", ..] => Err(usage(SET_METADATA_USAGE)),
        ["set", ..] => Err(usage(SET_USAGE)),
        ["load", "metadata", _] => Ok(Command::LoadMetadata(words[2].clone())),
        ["load", ..] => Err(usage(LOAD_METADATA_USAGE)),
        ["writer", "verify", _, ..] => Ok(Command::WriterVerify(rest(2).join(" "))),
        ["writer", "exclude", _, ..] => Ok(Command::WriterExclude(rest(2).join(" "))),
        ["writer", ..] => Err(usage(WRITER_USAGE)),
        ["add"] => Ok(Command::ShowAdded),
        ["add", "volume", _, args @ ..] => add_volume(&words[2], args, rest(3)),
        ["add", "alias", _, _] => Ok(Command::AddAlias {
            name: words[2].clone(),
            value: words[3].clone(),
        }),
        ["add", "alias", ..] => Err(usage(ADD_ALIAS_USAGE)),
        ["add", ..] => Err(usage(ADD_USAGE)),
        ["create"] => Ok(Command::Create),
        ["exec", _, ..] => Ok(Command::Exec {
            file: words[1].clone(),
            args: rest(2).to_vec(),
        }),
        ["exec"] => Err(usage(EXEC_USAGE)),
        ["begin", "backup"] => Ok(Command::BeginBackup),
        ["end", "backup"] => Ok(Command::EndBackup),
        ["begin", "restore"] => Ok(Command::BeginRestore),
        ["end", "restore"] => Ok(Command::EndRestore),
        ["begin", ..] | ["end", ..] => Err(usage(BEGIN_END_USAGE)),
        ["reset"] => Ok(Command::Reset),
        ["list", "writers"] | ["list", "writers", "metadata"] => {
            Ok(Command::ListWriters(WriterListing::Metadata))
        }
        ["list", "writers", "detailed"] => Ok(Command::ListWriters(WriterListing::Detailed)),
        ["list", "writers", "status"] => Ok(Command::ListWriters(WriterListing::Status)),
        ["list", "shadows", "all"] => Ok(Command::ListShadows(ShadowSelection::All)),
        ["list", "shadows", "set", _] => {
            Ok(Command::ListShadows(ShadowSelection::Set(words[3].clone())))
        }
        ["list", "shadows", "id", _] => {
            Ok(Command::ListShadows(ShadowSelection::Id(words[3].clone())))
        }
        ["list", "providers"] => Ok(Command::ListProviders),
        ["list", ..] => Err(usage(LIST_USAGE)),
        ["delete", "shadows", args @ ..] => delete_shadows(args, &words[2..]),
        ["delete", ..] => Err(usage(DELETE_SHADOWS_USAGE)),
        ["import"] => Ok(Command::Import),
        ["mask", _] => Ok(Command::Mask(words[1].clone())),
        ["mask", ..] => Err(usage(MASK_USAGE)),
        ["expose", _, _] => Ok(Command::Expose {
            shadow: words[1].clone(),
            target: words[2].clone(),
        }),
        ["expose", ..] => Err(usage(EXPOSE_USAGE)),
        ["unexpose", _] => Ok(Command::Unexpose(words[1].clone())),
        ["unexpose", ..] => Err(usage(UNEXPOSE_USAGE)),
        ["break", "writable", _] => Ok(Command::Break {
            writable: true,
            set: words[2].clone(),
        }),
        ["break", _] => Ok(Command::Break {
            writable: false,
            set: words[1].clone(),
        }),
        ["break", ..] => Err(usage(BREAK_USAGE)),
        ["revert", _] => Ok(Command::Revert(words[1].clone())),
        ["revert", ..] => Err(usage(REVERT_USAGE)),
        ["resync", ..] => Ok(Command::Resync),
        ["simulate", "restore"] => Ok(Command::SimulateRestore),
        ["exit"] => Ok(Command::Exit),
        [first, ..] => Err(Usage {
            text: format!("\nUnknown command: {first}.\n\n{COMMAND_LIST}"),
        }),
    }
}

fn usage(text: &str) -> Usage {
    Usage {
        text: text.to_owned(),
    }
}

fn set_context(args: &[&str]) -> Result<Command, Usage> {
    let (context, no_writers) = match args {
        ["clientaccessible"] => (DsContext::ClientAccessible, false),
        ["persistent"] => (DsContext::Persistent, false),
        ["persistent", "nowriters"] => (DsContext::Persistent, true),
        ["volatile"] => (DsContext::Volatile, false),
        ["volatile", "nowriters"] => (DsContext::Volatile, true),
        _ => return Err(usage(SET_CONTEXT_USAGE)),
    };
    Ok(Command::SetContext {
        context,
        no_writers,
    })
}

fn set_option(args: &[&str]) -> Result<Command, Usage> {
    let mut options = DsOptions::default();
    if args.is_empty() {
        return Err(usage(SET_OPTION_USAGE));
    }
    for arg in args {
        match *arg {
            "differential" => options.differential = true,
            "plex" => options.plex = true,
            "transportable" => options.transportable = true,
            "rollbackrecover" => options.rollback_recover = true,
            "txfrecover" => options.txf_recover = true,
            "noautorecover" => options.no_auto_recover = true,
            _ => return Err(usage(SET_OPTION_USAGE)),
        }
    }
    // R119: noautorecover excludes the recoveries; differential and plex exclude each other.
    let recovers = options.rollback_recover || options.txf_recover;
    if options.no_auto_recover && recovers || options.differential && options.plex {
        return Err(usage(SET_OPTION_USAGE));
    }
    Ok(Command::SetOption(options))
}

fn add_volume(volume: &str, lower: &[&str], words: &[String]) -> Result<Command, Usage> {
    let mut alias = None;
    let mut provider = None;
    let mut at = 0;
    while at < lower.len() {
        match (lower[at], words.get(at + 1)) {
            ("alias", Some(name)) if alias.is_none() => alias = Some(name.clone()),
            ("provider", Some(id)) if provider.is_none() => {
                let id = id.trim_start_matches('{').trim_end_matches('}');
                provider = Some(Uuid::parse_str(id).map_err(|_| usage(ADD_VOLUME_USAGE))?);
            }
            _ => return Err(usage(ADD_VOLUME_USAGE)),
        }
        at += 2;
    }
    Ok(Command::AddVolume {
        volume: volume.to_owned(),
        alias,
        provider,
    })
}

fn delete_shadows(lower: &[&str], words: &[String]) -> Result<Command, Usage> {
    let arg = || words[1].clone();
    Ok(Command::DeleteShadows(match lower {
        ["all"] => ShadowSelection::All,
        ["volume", _] => ShadowSelection::Volume(arg()),
        ["oldest", _] => ShadowSelection::Oldest(arg()),
        ["set", _] => ShadowSelection::Set(arg()),
        ["id", _] => ShadowSelection::Id(arg()),
        ["exposed", _] => ShadowSelection::Exposed(arg()),
        _ => return Err(usage(DELETE_SHADOWS_USAGE)),
    }))
}

/// The commands, as DiskShadow's help lists them (inferred: the list Microsoft's DiskShadow
/// page gives, in its words).
pub(super) const COMMAND_LIST: &str = "\
SET\t\tSet context, options, verbose mode and metadata file.
SIMULATE RESTORE\tTest writer involvement in restore without issuing restore events.
LOAD METADATA\tLoad a metadata .cab file prior to importing or restoring.
WRITER\t\tVerify that a writer or component is included, or exclude it.
ADD\t\tAdd volumes to the set of volumes to shadow copy, or add aliases.
CREATE\t\tStart the shadow copy creation process.
EXEC\t\tExecute a file on the local computer.
BEGIN BACKUP\tStart a full backup session.
END BACKUP\tEnd a full backup session.
BEGIN RESTORE\tStart a restore session.
END RESTORE\tEnd a restore session.
RESET\t\tReset DiskShadow to the default state.
LIST\t\tList writers, shadow copies or providers.
DELETE SHADOWS\tDelete shadow copies.
IMPORT\t\tImport a transportable shadow copy from a loaded metadata file.
MASK\t\tRemove hardware shadow copies that were imported.
EXPOSE\t\tExpose a persistent shadow copy as a drive letter, share or mount point.
UNEXPOSE\tUnexpose a shadow copy exposed with EXPOSE.
BREAK\t\tDisassociate a shadow copy volume from VSS.
REVERT\t\tRevert a volume back to a shadow copy.
EXIT\t\tExit the command interpreter or script.
";

/// `set context` help, as published (T-ORIEL; "is persist" sic).
pub(super) const SET_CONTEXT_USAGE: &str = "
SET CONTEXT { CLIENTACCESSIBLE | PERSISTENT [ NOWRITERS ] | VOLATILE [ NOWRITERS ] }

        CLIENTACCESSIBLE        Specify to create shadow copies usable by client versions of Windows.
        PERSISTENT              Specify that shadow copy is persist across program exit, reset or reboot.
        PERSISTENT NOWRITERS    Specify that shadow copy is persistent and all writers are excluded.
        VOLATILE                Specify that shadow copy will be deleted on exit or reset.
        VOLATILE NOWRITERS      Specify that shadow copy is volatile and all writers are excluded.

        Example: SET CONTEXT CLIENTACCESSIBLE
";

/// `set verbose` help, as published (T-BABY).
pub(super) const SET_VERBOSE_USAGE: &str = "
SET VERBOSE { ON | OFF }

        ON                      Turn on verbose mode. This provides information about writer inclusion/exclusion.
        OFF                     Turn off verbose mode.

        Example: SET VERBOSE ON
";

// The usage blocks below are inferred: no capture shows them. They follow the two published
// ones' layout with the words of Microsoft's pages for each command.

/// `set option` help (inferred).
pub(super) const SET_OPTION_USAGE: &str = "
SET OPTION { [ DIFFERENTIAL | PLEX ] [ TRANSPORTABLE ] [ [ ROLLBACKRECOVER ] [ TXFRECOVER ] | [ NOAUTORECOVER ] ] }

        DIFFERENTIAL            Specify to create a point-in-time snapshot of specified volumes.
        PLEX                    Specify to create a point-in-time clone copy of the data on a specified volume.
        TRANSPORTABLE           Specify that the shadow copy is not to be imported yet.
        ROLLBACKRECOVER         Signal writers to use autorecover during the PostSnapshot event.
        TXFRECOVER              Request VSS to make the shadow copy transactionally consistent during creation.
        NOAUTORECOVER           Stop writers and the file system from performing any recovery changes.
                                NOAUTORECOVER cannot be used with TXFRECOVER or ROLLBACKRECOVER.

        Example: SET OPTION DIFFERENTIAL TRANSPORTABLE
";

/// `set metadata` help (inferred).
pub(super) const SET_METADATA_USAGE: &str = "
SET METADATA [<drive>:][<path>]<metadata.cab>

        Set the name and location of the shadow creation metadata file.

        Example: SET METADATA C:\\backup\\metadata.cab
";

/// `set` help (inferred).
pub(super) const SET_USAGE: &str = "
SET [ CONTEXT | OPTION | VERBOSE | METADATA ]

        CONTEXT                 Set the context for shadow copy creation.
        OPTION                  Set options for shadow copy creation.
        VERBOSE                 Turn the verbose output mode on or off.
        METADATA                Set the name and location of the shadow creation metadata file.

        Example: SET CONTEXT PERSISTENT
";

/// `load metadata` help (inferred).
pub(super) const LOAD_METADATA_USAGE: &str = "
LOAD METADATA [<drive>:][<path>]<metadata.cab>

        Load a metadata .cab file prior to importing a transportable shadow copy or restoring.

        Example: LOAD METADATA metafile.cab
";

/// `writer` help (inferred).
pub(super) const WRITER_USAGE: &str = "
WRITER { VERIFY | EXCLUDE } { <writer> | <component> }

        VERIFY                  Verify that the writer or component is included; the backup or restore fails if not.
        EXCLUDE                 Exclude the writer or component from the backup or restore.

        Writers are given by writer GUID or name, components as \"<writer name>:<logical path>\".

        Example: WRITER EXCLUDE \"System Writer\"
";

/// `add` help (inferred).
pub(super) const ADD_USAGE: &str = "
ADD [ VOLUME <volume> [ ALIAS <name> ] [ PROVIDER <providerid> ] | ALIAS <name> <value> ]

        VOLUME                  Add a volume to the Shadow Copy Set.
        ALIAS                   Add an alias to the alias environment.

        Example: ADD VOLUME C: ALIAS System1
";

/// `add volume` help (inferred).
pub(super) const ADD_VOLUME_USAGE: &str = "
ADD VOLUME <volume> [ ALIAS <name> ] [ PROVIDER <providerid> ]

        Add a volume to the Shadow Copy Set, the set of volumes to be shadow copied.

        Example: ADD VOLUME C: ALIAS System1
";

/// `add alias` help (inferred).
pub(super) const ADD_ALIAS_USAGE: &str = "
ADD ALIAS <name> <value>

        Add an alias to the alias environment.

        Example: ADD ALIAS System1 %VSS_SHADOW_1%
";

/// `exec` help (inferred).
pub(super) const EXEC_USAGE: &str = "
EXEC <script.cmd>

        Execute a file on the local computer.

        Example: EXEC C:\\scripts\\copy.cmd
";

/// `begin`/`end` help (inferred).
pub(super) const BEGIN_END_USAGE: &str = "
BEGIN { BACKUP | RESTORE }
END { BACKUP | RESTORE }

        BACKUP                  Start or end a full backup session.
        RESTORE                 Start or end a restore session.

        Example: BEGIN BACKUP
";

/// `list` help (inferred).
pub(super) const LIST_USAGE: &str = "
LIST { WRITERS [ METADATA | DETAILED | STATUS ] | SHADOWS { ALL | SET <setID> | ID <shadowID> } | PROVIDERS }

        WRITERS                 List writers.
        SHADOWS                 List persistent and existing non-persistent shadow copies.
        PROVIDERS               List currently registered shadow copy providers.

        Example: LIST SHADOWS ALL
";

/// `delete shadows` help (inferred).
pub(super) const DELETE_SHADOWS_USAGE: &str = "
DELETE SHADOWS { ALL | VOLUME <volume> | OLDEST <volume> | SET <setID> | ID <shadowID> | EXPOSED { <drive> | <mountpoint> } }

        ALL                     Delete all shadow copies.
        VOLUME                  Delete all shadow copies of the given volume.
        OLDEST                  Delete the oldest shadow copy of the given volume.
        SET                     Delete the shadow copies in the Shadow Copy Set of the given ID.
        ID                      Delete the shadow copy of the given ID.
        EXPOSED                 Delete the shadow copies exposed at the given drive or mount point.

        Example: DELETE SHADOWS ALL
";

/// `mask` help (inferred).
pub(super) const MASK_USAGE: &str = "
MASK <shadowsetID>

        Remove hardware shadow copies that were imported by using IMPORT.

        Example: MASK %Import_1%
";

/// `expose` help (inferred).
pub(super) const EXPOSE_USAGE: &str = "
EXPOSE <shadowID> { <drive:> | <share> | <mountpoint> }

        Expose a persistent shadow copy as a drive letter, share or mount point.

        Example: EXPOSE %VSS_SHADOW_1% X:
";

/// `unexpose` help (inferred).
pub(super) const UNEXPOSE_USAGE: &str = "
UNEXPOSE { <shadowID> | <drive:> | <share> | <mountpoint> }

        Unexpose a shadow copy exposed by using EXPOSE.

        Example: UNEXPOSE P:
";

/// `break` help (inferred).
pub(super) const BREAK_USAGE: &str = "
BREAK [ WRITABLE ] <setID>

        Disassociate a shadow copy volume from VSS and make it accessible as a regular volume.

        Example: BREAK WRITABLE %Alias1%
";

/// `revert` help (inferred).
pub(super) const REVERT_USAGE: &str = "
REVERT <shadowID>

        Revert a volume back to a specified shadow copy (CLIENTACCESSIBLE copies only).

        Example: REVERT %VSS_SHADOW_1%
";
