//! `vssadmin <command> /?`: each command's help, after the banner. The client commands' texts
//! are those of the Windows 10/11 output files Microsoft's Sean Wheeler published (spacing and
//! all: `List Providers` has five spaces before its example); no capture of the server-only
//! commands' help exists, so theirs are inferred from Microsoft's command pages.

/// The help of the command `verb noun` (lower case), if vssadmin has one on this SKU.
pub(super) fn help(verb: &str, noun: &str, server: bool) -> Option<&'static str> {
    Some(match (verb, noun) {
        ("delete", "shadows") => DELETE_SHADOWS,
        ("list", "providers") => LIST_PROVIDERS,
        ("list", "shadows") => LIST_SHADOWS,
        ("list", "shadowstorage") => LIST_SHADOWSTORAGE,
        ("list", "volumes") => LIST_VOLUMES,
        ("list", "writers") => LIST_WRITERS,
        ("resize", "shadowstorage") => RESIZE_SHADOWSTORAGE,
        ("add", "shadowstorage") if server => ADD_SHADOWSTORAGE,
        ("create", "shadow") if server => CREATE_SHADOW,
        ("delete", "shadowstorage") if server => DELETE_SHADOWSTORAGE,
        _ => return None,
    })
}

const DELETE_SHADOWS: &str = "\
Delete Shadows /For=ForVolumeSpec [/Oldest] [/Quiet]
Delete Shadows /Shadow=ShadowId [/Quiet]
Delete Shadows /All
    - For the given ForVolumeSpec deletes all matching shadow copies.
    If /Oldest is given, the oldest shadow copy on the volume is deleted
    If /All is given, then all shadow copies on all volumes that can be
    deleted will be deleted.  If /Shadow=ShadowId is given, the shadow copy
    with that Shadow Copy ID will be deleted.  Only shadow copies that have
    the ClientAccessible type can be deleted.
    - The Shadow Copy ID can be obtained by using the List Shadows command.
    When entering a Shadow Copy ID, it must be in the following format:
       {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
    where the X's are hexadecimal characters.  This ID can be obtained
    through the List Shadows command.

    Example Usage:  vssadmin Delete Shadows /For=C: /Oldest
";

const LIST_PROVIDERS: &str = "\
List Providers
    - List registered volume shadow copy providers.

     Example Usage:  vssadmin List Providers
";

const LIST_SHADOWS: &str = "\
List Shadows [/For=ForVolumeSpec] [/Shadow=ShadowId|/Set=ShadowSetId]
    - Displays existing shadow copies on the system.  Without any options,
    all shadow copies on the system are displayed ordered by shadow copy set.
    Combinations of options can be used to refine the list operation.
    - The Shadow Copy ID can be obtained by using the List Shadows command.
    When entering a Shadow ID, it must be in
    the following format:
       {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
    where the X's are hexadecimal characters.

    Example Usage:  vssadmin List Shadows
                             /Shadow={c5946237-af12-3f23-af80-51aadb3b20d5}
";

const LIST_SHADOWSTORAGE: &str = "\
List ShadowStorage [/For=ForVolumeSpec|/On=OnVolumeSpec]
    - Displays all shadow copy storage associations on the system.
    To list all associations for a given volume, specify a
    ForVolumeSpec and no /On option.  To list all associations on a given
    volume, specify an OnVolumeSpec and no /For option.

    Example Usage: vssadmin List ShadowStorage /On=C:
";

const LIST_VOLUMES: &str = "\
List Volumes
    - Displays all volumes which may be shadow copied.

    Example Usage: vssadmin List Volumes
";

const LIST_WRITERS: &str = "\
List Writers
    - List subscribed volume shadow copy writers

    Example Usage:  vssadmin List Writers
";

const RESIZE_SHADOWSTORAGE: &str = "\
Resize ShadowStorage /For=ForVolumeSpec /On=OnVolumeSpec /MaxSize=MaxSizeSpec
    - Resizes the maximum size for a shadow copy storage association between
    ForVolumeSpec and OnVolumeSpec.  Resizing the storage association may cause shadow
    copies to disappear.  As certain shadow copies are deleted, the shadow copy storage
    space will then shrink.  If MaxSizeSpec is set to the value UNBOUNDED, the shadow copy
    storage space will be unlimited.  MaxSizeSpec can be specified in bytes or as a
    percentage of the ForVolumeSpec storage volume.  For byte level specification,
    MaxSizeSpec must be 320MB or greater and accepts the following suffixes: KB, MB, GB, TB,
    PB and EB.  Also, B, K, M, G, T, P, and E are acceptable suffixes.  To specify MaxSizeSpec
    as percentage, use the % character as the suffix to the numeric value.  If a suffix is not
    supplied, MaxSizeSpec is in bytes.

    Example Usage:  vssadmin Resize ShadowStorage /For=C: /On=D: /MaxSize=900MB
                    vssadmin Resize ShadowStorage /For=C: /On=D: /MaxSize=UNBOUNDED
                    vssadmin Resize ShadowStorage /For=C: /On=C: /MaxSize=20%
";

// Inferred: the syntax of Microsoft's command pages in the layout of the captured helps.

const ADD_SHADOWSTORAGE: &str = "\
Add ShadowStorage /For=ForVolumeSpec /On=OnVolumeSpec [/MaxSize=MaxSizeSpec]
    - Adds a shadow copy storage association for ForVolumeSpec on OnVolumeSpec.
    MaxSizeSpec is specified as for Resize ShadowStorage; without it the
    storage space is unlimited.

    Example Usage:  vssadmin Add ShadowStorage /For=C: /On=D: /MaxSize=900MB
";

const CREATE_SHADOW: &str = "\
Create Shadow /For=ForVolumeSpec [/AutoRetry=MaxRetryMinutes]
    - Creates a new shadow copy of the specified volume.  If /AutoRetry is
    given, the creation is retried for up to MaxRetryMinutes minutes while
    another process is creating a shadow copy.

    Example Usage:  vssadmin Create Shadow /For=C:
";

const DELETE_SHADOWSTORAGE: &str = "\
Delete ShadowStorage /For=ForVolumeSpec [/On=OnVolumeSpec] [/Quiet]
    - Deletes the shadow copy storage associations of ForVolumeSpec, or only
    the one on OnVolumeSpec.

    Example Usage:  vssadmin Delete ShadowStorage /For=C: /On=D:
";
