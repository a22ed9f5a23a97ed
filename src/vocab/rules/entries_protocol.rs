//! Catalogue entries R1–R77: the requester object, asynchronous calls, the backup sequence, events, abort and shutdown, the writer API and writer states.

use super::Entry;
use super::Rule::*;
use super::Status::*;

pub(super) const ENTRIES: &[Entry] = &[
    Entry {
        rule: R1,
        title: "CreateVssBackupComponents makes a fresh requester object",
        statement: "CreateVssBackupComponents returns a new IVssBackupComponents; the caller ends \
            it with Release. Errors: E_ACCESSDENIED without the backup privilege, E_INVALIDARG, \
            E_OUTOFMEMORY, VSS_E_UNEXPECTED.",
        sources: &["api/vsbackup/nf-vsbackup-createvssbackupcomponents"],
        status: Partly("the object is created by Vss::backup_components / Vss::dynamic, which \
            cannot fail, so E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY and VSS_E_UNEXPECTED are \
            never produced"),
        engine: &["requester/vss.rs", "coordinator/mod.rs"],
    },
    Entry {
        rule: R2,
        title: "One requester object serves a single backup or restore and cannot be reused",
        statement: "An IVssBackupComponents object carries exactly one backup or one restore; it \
            cannot be restarted or resumed. After a failure the requester releases it (calling \
            AbortBackup first where R50 applies) and starts again with a new object.",
        sources: &[
            "vss/aborting-vss-operations",
            "vss/overview-of-backup-initialization",
            "vss/overview-of-backup-termination",
        ],
        status: Implemented,
        engine: &["coordinator/guards.rs", "coordinator/session.rs"],
    },
    Entry {
        rule: R3,
        title: "The object must be initialized first; misplaced calls fail with VSS_E_BAD_STATE",
        statement: "Before anything else the object is put in backup mode (InitializeForBackup) or \
            restore mode (InitializeForRestore). A call on an uninitialized object, in the wrong \
            mode, or out of its place in the sequence fails with VSS_E_BAD_STATE (0x80042301).",
        sources: &["bc/initializeforbackup", "bc/initializeforrestore"],
        status: Partly("InitializeForBackup (with or without a saved document) and \
            InitializeForRestore come first and once; before them every call but Release is \
            VSS_E_BAD_STATE, and so are the backup calls on a restore object and the restore calls \
            on a backup object (coordinator/guards.rs); the administrative calls (Query, \
            DeleteSnapshots, IsVolumeSupported, GetSnapshotProperties, ExposeSnapshot and the \
            like) are answered in either mode, though R34 gives Query to backup mode only"),
        engine: &["coordinator/guards.rs", "coordinator/session.rs"],
    },
    Entry {
        rule: R4,
        title: "InitializeForBackup starts with an empty BCD; its XML argument only serves imports",
        statement: "InitializeForBackup is normally called with a NULL XML argument and gives an \
            empty Backup Components Document; a non-NULL XML reloads a saved BCD and is used only \
            when importing a transportable shadow copy. Errors: E_ACCESSDENIED, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_INVALID_XML_DOCUMENT (0x80042311), VSS_E_UNEXPECTED.",
        sources: &["bc/initializeforbackup", "vss/backup-components-document-life-cycle"],
        status: Partly("InitializeForBackup gives an empty document and \
            Call::InitializeForBackupFrom reloads a saved one (xml::bcd::load: its backup state \
            and components become the object's, a transportable set's description is kept for \
            ImportSnapshots); a document that does not load gives VSS_E_INVALID_XML_DOCUMENT, and \
            a reloaded document is accepted whether or not an import follows; E_ACCESSDENIED and \
            E_OUTOFMEMORY are never produced, and VSS_E_UNEXPECTED only on an object the VSS \
            service restarted under (LostService::Unexpected)"),
        engine: &["coordinator/guards.rs", "coordinator/calls.rs"],
    },
    Entry {
        rule: R5,
        title: "SetContext is optional, allowed once and early; the default is VSS_CTX_BACKUP",
        statement: "Without SetContext the context is VSS_CTX_BACKUP; the call may be made at most \
            once and before most other calls. Its argument is one VSS_CTX_* value, optionally ORed \
            with VSS_VOLSNAP_ATTR_TRANSPORTABLE and with at most one of DIFFERENTIAL / PLEX; \
            VSS_CTX_CLIENT_ACCESSIBLE takes no modifier. Results: S_OK, E_INVALIDARG, \
            VSS_E_BAD_STATE, VSS_E_UNEXPECTED; Windows XP always answers E_NOTIMPL (only \
            VSS_CTX_BACKUP exists there).",
        sources: &[
            "bc/setcontext",
            "api/vss/ne-vss-vss_snapshot_context",
            "api/vss/ne-vss-vss_volume_snapshot_attributes",
        ],
        status: Partly("the Windows XP E_NOTIMPL answer is not modelled (no OS profile is XP), \
            VSS_E_UNEXPECTED comes only on an object the VSS service restarted under \
            (LostService::Unexpected), and the Q16 reading also accepts the other \
            requester-settable attribute bits"),
        engine: &[
            "vocab/context.rs",
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/session.rs",
        ],
    },
    Entry {
        rule: R6,
        title: "VSS_CTX_ALL is for administrative calls only, never for creating a set",
        statement: "VSS_CTX_ALL may be used with the administrative calls (Query, DeleteSnapshots, \
            BreakSnapshotSet, ExposeSnapshot), but creating a shadow copy set under it \
            (StartSnapshotSet, DoSnapshotSet) is not supported.",
        sources: &["vss/shadow-copy-context-configurations", "api/vss/ne-vss-vss_snapshot_context"],
        status: Implemented,
        engine: &["vocab/context.rs", "coordinator/guards.rs"],
    },
    Entry {
        rule: R7,
        title: "Writer class and instance filters count only before GatherWriterMetadata",
        statement: "EnableWriterClasses, DisableWriterClasses and DisableWriterInstances take \
            effect only when called before GatherWriterMetadata; afterwards they do nothing. Every \
            writer class is enabled by default, and no call lists writers before \
            GatherWriterMetadata (a second, throw-away object can be used for that).",
        sources: &["vss/overview-of-backup-initialization"],
        status: Partly("DisableWriterInstances is not offered; the two class filters behave as \
            described"),
        engine: &["coordinator/calls.rs", "coordinator/session.rs", "coordinator/ops.rs"],
    },
    Entry {
        rule: R8,
        title: "GatherWriterMetadata is asynchronous, raises Identify, and is called once per object",
        statement: "GatherWriterMetadata returns an IVssAsync and raises Identify in each enabled \
            writer instance; an object should call it only once. Results: S_OK, E_ACCESSDENIED, \
            E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, VSS_E_WRITER_INFRASTRUCTURE (0x80042318: \
            the event system or VSS is not working), VSS_E_UNEXPECTED.",
        sources: &["bc/gatherwritermetadata"],
        status: Partly("a second call gives VSS_E_BAD_STATE; VSS_E_WRITER_INFRASTRUCTURE, \
            E_ACCESSDENIED, E_INVALIDARG and E_OUTOFMEMORY are never produced, and \
            VSS_E_UNEXPECTED only on an object the VSS service restarted under \
            (LostService::Unexpected)"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/ops.rs",
            "coordinator/dispatch.rs",
        ],
    },
    Entry {
        rule: R9,
        title: "Writer contexts need GatherWriterMetadata before DoSnapshotSet",
        statement: "Every backup or restore requester must gather writer metadata. In a context \
            that involves writers, DoSnapshotSet fails if GatherWriterMetadata was not called \
            first; in the no-writer contexts (VSS_CTX_FILE_SHARE_BACKUP, VSS_CTX_NAS_ROLLBACK) it \
            is optional.",
        sources: &["vss/overview-of-backup-initialization", "vss/shadow-copy-creation-details"],
        status: Implemented,
        engine: &["coordinator/guards.rs", "vocab/context.rs"],
    },
    Entry {
        rule: R10,
        title: "A writer whose OnIdentify fails vanishes from metadata and status lists",
        statement: "If OnIdentify fails, the writer is omitted everywhere: GetWriterMetadataCount \
            does not count it, GetWriterMetadata does not return it, and no status is kept for it. \
            Gathering writer status directly after GatherWriterMetadata is unnecessary.",
        sources: &["vss/overview-of-backup-initialization", "vss/determining-writer-status"],
        status: Implemented,
        engine: &[
            "coordinator/dispatch.rs",
            "coordinator/calls.rs",
            "coordinator/pipeline.rs",
            "coordinator/session.rs",
        ],
    },
    Entry {
        rule: R11,
        title: "FreeWriterMetadata only after GatherWriterMetadata completed; freed data is gone",
        statement: "FreeWriterMetadata may be called only once GatherWriterMetadata has completed \
            (earlier the outcome is undefined), and metadata it frees cannot be recovered in the \
            same object. Results: S_OK or VSS_E_BAD_STATE.",
        sources: &["bc/freewritermetadata"],
        status: Implemented,
        engine: &["coordinator/guards.rs", "coordinator/calls.rs"],
    },
    Entry {
        rule: R12,
        title: "SetBackupState comes before PrepareForBackup and chooses component mode",
        statement: "SetBackupState(bSelectComponents, bBackupBootableSystemState, backupType, \
            bPartialFileSupport = false) must precede PrepareForBackup; bSelectComponents = true \
            means component mode. Writers read the four values through GetBackupType, \
            AreComponentsSelected, IsBootableSystemStateBackedUp and IsPartialFileSupportEnabled; \
            since they are hard to recover from a saved BCD, the requester should keep them \
            itself. Results: S_OK, E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, \
            VSS_E_INVALID_XML_DOCUMENT, VSS_E_UNEXPECTED.",
        sources: &[
            "bc/setbackupstate",
            "vss/backup-components-document-contents",
            "vss/vss-backup-state",
        ],
        status: Partly("E_INVALIDARG, E_OUTOFMEMORY, VSS_E_INVALID_XML_DOCUMENT and \
            VSS_E_UNEXPECTED are never produced"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/dispatch.rs",
            "writer/context.rs",
        ],
    },
    Entry {
        rule: R13,
        title: "AddComponent: component mode, after metadata, before DoSnapshotSet, no duplicates",
        statement: "AddComponent(instanceId, writerId, type, logicalPath or NULL, name) only has \
            meaning in component mode; it needs InitializeForBackup and GatherWriterMetadata first \
            and must come before DoSnapshotSet. The pair (logical path, name) is unique per writer \
            instance, so adding it again gives VSS_E_OBJECT_ALREADY_EXISTS (0x8004230D); the name \
            may not be NULL, the logical path may. Other results: E_INVALIDARG, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_INVALID_XML_DOCUMENT, VSS_E_UNEXPECTED; adding a non-selectable \
            subcomponent (one below a selectable ancestor) has undefined results.",
        sources: &["bc/addcomponent"],
        status: Partly("subcomponents and selectability are not checked; E_OUTOFMEMORY comes only \
            past the simulator's own limit (limits::MAX_COMPONENTS components per object), and \
            VSS_E_INVALID_XML_DOCUMENT and VSS_E_UNEXPECTED are never produced"),
        engine: &["coordinator/guards.rs", "coordinator/calls.rs"],
    },
    Entry {
        rule: R14,
        title: "StartSnapshotSet creates the empty set; it precedes PrepareForBackup and DoSnapshotSet",
        statement: "StartSnapshotSet makes a new, empty shadow copy set and returns its fresh \
            GUID. Every shadow copy creation needs it before DoSnapshotSet, and in a backup it \
            must come before PrepareForBackup. Results: S_OK, E_INVALIDARG, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_SNAPSHOT_SET_IN_PROGRESS (0x80042316), VSS_E_UNEXPECTED.",
        sources: &[
            "bc/startsnapshotset",
            "vss/shadow-copy-creation-details",
            "vss/shadow-copy-creation-for-providers",
        ],
        status: Partly("E_OUTOFMEMORY is never produced, and VSS_E_UNEXPECTED only on an object \
            the VSS service restarted under (LostService::Unexpected)"),
        engine: &["coordinator/guards.rs", "coordinator/calls.rs", "coordinator/session.rs"],
    },
    Entry {
        rule: R15,
        title: "Only one shadow copy set may be in creation on the machine at a time",
        statement: "A set is in creation from StartSnapshotSet until DoSnapshotSet returns, and at \
            most one set may be in creation machine-wide. Another requester's StartSnapshotSet \
            inside that window fails with VSS_E_SNAPSHOT_SET_IN_PROGRESS and should be retried \
            later; finished shadow copies may coexist without a limit imposed by VSS.",
        sources: &[
            "vss/state-transitions-in-shadow-copy-providers",
            "vss/error-handling-in-shadow-copy-providers",
        ],
        status: Implemented,
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/abort.rs",
            "coordinator/pipeline.rs",
        ],
    },
    Entry {
        rule: R16,
        title: "AddToSnapshotSet adds one volume and returns the new shadow copy's id",
        statement: "AddToSnapshotSet(volume, providerId) adds one volume and returns the new \
            shadow copy's GUID (recorded in the BCD, not queryable later). Volume names end with a \
            backslash: mounted folder, drive letter, volume GUID path, or UNC share (Windows 8 / \
            Server 2012 and later). Failures: E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED (0x80042312, set full), \
            VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED (0x80042317, volume already in the maximum \
            number of sets), VSS_E_NESTED_VOLUME_LIMIT (0x8004232C, VHD in VHD or VHD with its \
            host, Windows 7 / 2008 R2 and later), VSS_E_OBJECT_NOT_FOUND (0x80042308, no such \
            volume or share), VSS_E_PROVIDER_NOT_REGISTERED (0x80042304), VSS_E_PROVIDER_VETO \
            (0x80042306), VSS_E_SNAPSHOT_SET_IN_PROGRESS (same CSV or scale-out share added from \
            several nodes), VSS_E_VOLUME_NOT_SUPPORTED (0x8004230C, GUID_NULL and no provider \
            takes the volume), VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER (0x8004230E), \
            VSS_E_UNEXPECTED, VSS_E_UNEXPECTED_PROVIDER_ERROR (0x8004230F).",
        sources: &["bc/addtosnapshotset"],
        status: Partly("a volume answers to its drive letter, mount folders and volume GUID \
            path (case-insensitive, trailing backslash required), and a remote file share to its \
            UNC path or a folder below it (OsProfile::Server2012AndLater and Client; the File \
            Share Shadow Copy provider copies it); a volume already in the set by any name gives \
            VSS_E_OBJECT_ALREADY_EXISTS, a volume with 512 copies \
            VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED, a VHD inside another VHD or together with \
            the volume holding it VSS_E_NESTED_VOLUME_LIMIT (profiles before Server 2008 R2 refuse \
            any VHD with VSS_E_VOLUME_NOT_SUPPORTED); there are no cluster shared volumes, so the \
            CSV case of VSS_E_SNAPSHOT_SET_IN_PROGRESS is never produced, and VSS_E_UNEXPECTED \
            only on an object the VSS service restarted under (LostService::Unexpected)"),
        engine: &[
            "coordinator/calls.rs",
            "coordinator/volumes.rs",
            "coordinator/guards.rs",
            "coordinator/pipeline.rs",
            "provider/mod.rs",
        ],
    },
    Entry {
        rule: R17,
        title: "A shadow copy set holds at most 64 volumes",
        statement: "One shadow copy set can contain no more than 64 volumes; a full set is what \
            VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED (R16) reports.",
        sources: &["bc/addtosnapshotset", "vss/shadow-copy-creation-for-providers", "ws-vss"],
        status: Implemented,
        engine: &["coordinator/calls.rs"],
    },
    Entry {
        rule: R18,
        title: "DIFFERENTIAL or PLEX without a capable provider makes AddToSnapshotSet fail",
        statement: "If the context asks for VSS_VOLSNAP_ATTR_DIFFERENTIAL or VSS_VOLSNAP_ATTR_PLEX \
            and no installed provider can make that kind of copy, AddToSnapshotSet fails with \
            VSS_E_VOLUME_NOT_SUPPORTED.",
        sources: &["api/vss/ne-vss-vss_volume_snapshot_attributes"],
        status: Implemented,
        engine: &["provider/mod.rs", "coordinator/volumes.rs", "coordinator/calls.rs"],
    },
    Entry {
        rule: R19,
        title: "Empty sets are legal with writers; the volume list is fixed once DoSnapshotSet runs",
        statement: "In a context that involves writers, a set with no volumes is allowed. From the \
            DoSnapshotSet call on, the set's volumes are fixed and nothing more can be added.",
        sources: &["vss/shadow-copy-creation-details", "vss/shadow-copy-creation-for-providers"],
        status: Implemented,
        engine: &["coordinator/guards.rs", "coordinator/ops.rs"],
    },
    Entry {
        rule: R20,
        title: "IsVolumeSupported says whether a volume can be shadow-copied at all",
        statement: "IsVolumeSupported(providerId or GUID_NULL, volume, &supported) tells whether \
            shadow copies of the volume are possible in principle, and answers TRUE even when a \
            limit (such as the maximum number of shadow copies on the volume) prevents one right \
            now. Errors: E_ACCESSDENIED, VSS_E_NESTED_VOLUME_LIMIT, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_OBJECT_NOT_FOUND, VSS_E_UNEXPECTED.",
        sources: &["bc/isvolumesupported"],
        status: Partly("answered from Provider::is_volume_supported (registered providers, the \
            machine's volumes), within the machine's rules: the system provider takes no \
            removable volume, persistent contexts need NTFS, and only the File Share Shadow Copy \
            provider takes a remote file share; unregistered providers get \
            VSS_E_PROVIDER_NOT_REGISTERED, as AddToSnapshotSet does, and a VHD inside another VHD \
            is answered with VSS_E_NESTED_VOLUME_LIMIT; there are no privileges, so \
            E_ACCESSDENIED and E_OUTOFMEMORY come only from a provider's answer (mapped as R94 \
            says), and VSS_E_UNEXPECTED only on an object the VSS service restarted under \
            (LostService::Unexpected)"),
        engine: &["coordinator/calls.rs", "coordinator/guards.rs", "provider/mod.rs"],
    },
    Entry {
        rule: R21,
        title: "PrepareForBackup is asynchronous, raises PrepareForBackup and needs SetBackupState",
        statement: "PrepareForBackup returns an IVssAsync, raises PrepareForBackup \
            (CVssWriter::OnPrepareBackup) in each participating writer instance and makes the BCD \
            visible to writers. SetBackupState must come first, and in writer contexts the call \
            should be made even when no component was selected. Results: S_OK, E_INVALIDARG, \
            E_OUTOFMEMORY, VSS_E_BAD_STATE, VSS_E_UNEXPECTED.",
        sources: &["bc/prepareforbackup", "vss/shadow-copy-creation-details"],
        status: Partly("writers see the document through HandlerContext: their explicitly \
            included components (components), the requester's previous backup stamps \
            (previous_backup_stamp) and what they write themselves (R114), but not the options \
            SetBackupOptions recorded; E_INVALIDARG and E_OUTOFMEMORY are never produced, and \
            VSS_E_UNEXPECTED only on an object the VSS service restarted under \
            (LostService::Unexpected)"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/ops.rs",
            "coordinator/dispatch.rs",
        ],
    },
    Entry {
        rule: R22,
        title: "DoSnapshotSet: its prerequisites, the writer events it raises, and its results",
        statement: "DoSnapshotSet returns an IVssAsync and commits all shadow copies of the set at \
            one instant; it needs InitializeForBackup and StartSnapshotSet, plus \
            GatherWriterMetadata in writer contexts (else VSS_E_BAD_STATE), and in writer contexts \
            it raises PrepareForSnapshot, Freeze, Thaw and PostSnapshot (R45). Results, returned \
            at once or through QueryStatus: S_OK, E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_INSUFFICIENT_STORAGE (0x8004231F, async only), \
            VSS_E_FLUSH_WRITES_TIMEOUT (0x80042313), VSS_E_HOLD_WRITES_TIMEOUT (0x80042314), \
            VSS_E_NESTED_VOLUME_LIMIT, VSS_E_PROVIDER_VETO (async only), VSS_E_REBOOT_REQUIRED \
            (0x80042327), VSS_E_TRANSACTION_FREEZE_TIMEOUT (0x80042328) and \
            VSS_E_TRANSACTION_THAW_TIMEOUT (0x80042329) when KTM/DTC cannot be frozen or thawed, \
            VSS_E_UNEXPECTED, VSS_E_UNEXPECTED_PROVIDER_ERROR (async only). After a flush or hold \
            timeout, a provider veto or an unexpected provider error, the advice is to wait ten \
            minutes and retry, at most three times.",
        sources: &["bc/dosnapshotset", "vss/working-with-file-system-and-security-features"],
        status: Partly("VSS_E_FLUSH_WRITES_TIMEOUT, VSS_E_NESTED_VOLUME_LIMIT, \
            VSS_E_REBOOT_REQUIRED and the KTM/DTC VSS_E_TRANSACTION_FREEZE/THAW_TIMEOUT results \
            are never produced"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/ops.rs",
            "coordinator/pipeline.rs",
            "coordinator/abort.rs",
            "provider/mod.rs",
        ],
    },
    Entry {
        rule: R23,
        title: "DoSnapshotSet may be skipped when no file set needs a shadow copy",
        statement: "When the VSS_FILE_SPEC_BACKUP_TYPE masks show that none of the file sets to be \
            backed up needs a shadow copy, the requester may leave out DoSnapshotSet.",
        sources: &["vss/overview-of-pre-backup-tasks"],
        status: NotYet("file sets carry their VSS_FILE_SPEC_BACKUP_TYPE masks \
            (FileDescriptor::backup_type_mask, FileSpecBackupType), but BackupComplete needs a \
            successful DoSnapshotSet, so a backup that leaves it out cannot complete"),
        engine: &[],
    },
    Entry {
        rule: R24,
        title: "GetSnapshotProperties describes one shadow copy, including its device object",
        statement: "GetSnapshotProperties(snapshotId, &VSS_SNAPSHOT_PROP) fills a structure the \
            caller zeroed, whose strings are released with VssFreeSnapshotProperties. Errors: \
            E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, VSS_E_OBJECT_NOT_FOUND, \
            VSS_E_PROVIDER_VETO, VSS_E_UNEXPECTED, VSS_E_UNEXPECTED_PROVIDER_ERROR. Backed-up \
            files are read through m_pwszSnapshotDeviceObject, one device object per shadow copy.",
        sources: &["bc/getsnapshotproperties", "vss/overview-of-actual-backup-of-files"],
        status: Partly("answered for any copy on the machine the caller's context sees (a \
            persistent copy from an earlier requester, the copy a cancelled creation left), \
            with every VSS_SNAPSHOT_PROP field (volume GUID path, device numbered machine-wide, \
            machines, exposure, attributes, VSS_TIMESTAMP on the virtual wall clock, \
            VSS_SS_CREATED); of its errors only VSS_E_BAD_STATE and VSS_E_OBJECT_NOT_FOUND occur, \
            and VSS_E_UNEXPECTED on an object the VSS service restarted under \
            (LostService::Unexpected); the device object is a name with no data behind it"),
        engine: &["coordinator/calls.rs", "coordinator/guards.rs", "coordinator/pipeline.rs", "coordinator/store.rs"],
    },
    Entry {
        rule: R25,
        title: "SetBackupSucceeded records each included component's outcome before BackupComplete",
        statement: "SetBackupSucceeded(instanceId, writerId, type, logicalPath, name, bSucceeded) \
            records how each explicitly included component fared; in component mode it must be \
            called for every processed component before BackupComplete, and never after a failed \
            DoSnapshotSet. A component not in the BCD gives VSS_E_OBJECT_NOT_FOUND; other results \
            are E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, VSS_E_INVALID_XML_DOCUMENT, \
            VSS_E_UNEXPECTED. A writer reads it with IVssComponent::GetBackupSucceeded, true only \
            if every explicitly and implicitly included file of the component (and of its set) was \
            saved.",
        sources: &["bc/setbackupsucceeded", "vss/overview-of-actual-backup-of-files"],
        status: Partly("the outcome goes into the document (BackupComponent::backup_succeeded), \
            which writers read back only in a restore (HandlerContext::restore_component), not in \
            OnBackupComplete; nothing checks that every processed component was reported before \
            BackupComplete"),
        engine: &["coordinator/guards.rs", "coordinator/calls.rs", "trace/oracle/obligations.rs"],
    },
    Entry {
        rule: R26,
        title: "BackupComplete is asynchronous, raises BackupComplete, and needs a good DoSnapshotSet",
        statement: "BackupComplete returns an IVssAsync and raises BackupComplete. It must not be \
            called when DoSnapshotSet failed and is not needed after AbortBackup. Results: S_OK, \
            E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, VSS_E_UNEXPECTED, \
            VSS_E_UNEXPECTED_WRITER_ERROR (0x80042315).",
        sources: &["bc/backupcomplete", "vss/aborting-vss-operations"],
        status: Partly("BackupComplete ends with VSS_S_ASYNC_FINISHED unless it is cancelled or \
            the VSS service restarts under it (Policies::lost_service's code); it never returns \
            VSS_E_UNEXPECTED_WRITER_ERROR, E_INVALIDARG or E_OUTOFMEMORY, and VSS_E_UNEXPECTED \
            only on an object the service restarted under (LostService::Unexpected)"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/ops.rs",
            "coordinator/pipeline.rs",
            "trace/oracle/obligations.rs",
        ],
    },
    Entry {
        rule: R27,
        title: "A final GatherWriterStatus ends the writer's session so its slot can be reused",
        statement: "After BackupComplete (and after PostRestore) the requester gathers writer \
            status once more; this marks the writer's session as finished so its slot can be \
            reused. The docs call this required only on Windows Server 2008 SP2 and earlier.",
        sources: &[
            "bc/backupcomplete",
            "vss/overview-of-actual-backup-of-files",
            "vss/determining-writer-status",
        ],
        status: Partly("under OsProfile::Server2003 and Server2008 a successful BackupComplete \
            leaves the writer waiting for completion until the requester's next \
            GatherWriterStatus, which makes it Stable (on the machine too, R30); later servers \
            finish at BackupComplete. After PostRestore the writer is Stable at once on every \
            profile, and session slots and their 64-session limit are not modelled"),
        engine: &["vocab/os.rs", "coordinator/dispatch.rs", "coordinator/pipeline.rs", "trace/oracle/states.rs"],
    },
    Entry {
        rule: R28,
        title: "GatherWriterStatus collects writer states; FreeWriterStatus releases them",
        statement: "GatherWriterStatus returns an IVssAsync and asks each writer for its state. \
            Results: S_OK, E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, \
            VSS_E_UNEXPECTED, VSS_E_WRITER_INFRASTRUCTURE. It pairs with FreeWriterStatus, which \
            returns S_OK, E_OUTOFMEMORY or VSS_E_BAD_STATE.",
        sources: &["bc/gatherwriterstatus", "bc/freewriterstatus"],
        status: Partly("status is read from the engine's books (the session's own view of a \
            writer, or what the machine last left it in, R30) without contacting writers; \
            VSS_E_WRITER_INFRASTRUCTURE, E_ACCESSDENIED, E_INVALIDARG and E_OUTOFMEMORY are never \
            produced, and VSS_E_UNEXPECTED only from GatherWriterStatus on an object the VSS \
            service restarted under (LostService::Unexpected)"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/ops.rs",
            "coordinator/pipeline.rs",
        ],
    },
    Entry {
        rule: R29,
        title: "GetWriterStatus reads one row after GatherWriterStatus; check hrFailure, not just S_OK",
        statement: "GetWriterStatus(i, ...), with i from 0 to GetWriterStatusCount() - 1, works \
            only after a completed GatherWriterStatus; results S_OK, E_INVALIDARG, E_OUTOFMEMORY, \
            VSS_E_BAD_STATE, VSS_E_OBJECT_NOT_FOUND (no such index), VSS_E_UNEXPECTED. S_OK does \
            not mean the writer succeeded: hrFailure is S_OK, one of the five writer-set \
            VSS_E_WRITERERROR_* codes, or one of the VSS-set VSS_E_WRITER_NOT_RESPONDING / \
            VSS_E_WRITER_STATUS_NOT_AVAILABLE. IVssBackupComponentsEx3::GetWriterStatusEx also \
            returns the writer's application HRESULT and message, and may report \
            VSS_E_WRITERERROR_PARTIAL_FAILURE with per-component failures read through \
            IVssComponentEx2::GetFailure.",
        sources: &[
            "bc/getwriterstatus",
            "api/vsbackup/nf-vsbackup-ivssbackupcomponentsex3-getwriterstatusex",
        ],
        status: Partly("GetWriterStatusEx and VSS_E_WRITER_STATUS_NOT_AVAILABLE are not modelled, \
            and E_INVALIDARG, E_OUTOFMEMORY and VSS_E_UNEXPECTED are never produced"),
        engine: &[
            "coordinator/guards.rs",
            "coordinator/calls.rs",
            "coordinator/pipeline.rs",
            "coordinator/dispatch.rs",
        ],
    },
    Entry {
        rule: R30,
        title: "Gather writer status right after each backup or restore step; otherwise it is stale",
        statement: "Writer status should be collected immediately after PrepareForBackup, \
            DoSnapshotSet and BackupComplete in a backup, and after PreRestore and PostRestore in \
            a restore. Status taken at other times may describe an earlier operation or a writer \
            busy with another event, and cannot be trusted. The simulator makes the first half \
            of that true machine-wide: each writer keeps the state and last error the last \
            operation that touched it left (any session's), a requester that has not involved \
            the writer in its own backup reports that, and one that has reports its backup's \
            view; a restart of the writer's service (Vss::restart_writer, the RestartWriter \
            step) shows it Stable again. A restart of the VSS service (Vss::restart_service, \
            the RestartService step) resets only the writers it hosts (WriterHost::VssService); \
            the others keep what the lost backups left them. Whether a success clears the last \
            error is the last_error policy.",
        sources: &["vss/determining-writer-status", "vss/writer-errors-and-vetoes"],
        status: Implemented,
        engine: &["coordinator/dispatch.rs", "coordinator/pipeline.rs", "coordinator/inflight.rs", "trace/oracle/states.rs"],
    },
    Entry {
        rule: R31,
        title: "Save the BCD and every WMD as XML after DoSnapshotSet; a restore needs both",
        statement: "The requester saves the BCD with IVssBackupComponents::SaveAsXML and each WMD \
            with IVssExamineWriterMetadata::SaveAsXML, but only after DoSnapshotSet has completed, \
            because writers may still change the BCD during PostSnapshot. Without both documents a \
            VSS restore is impossible.",
        sources: &["vss/overview-of-actual-backup-of-files"],
        status: Partly("SaveAsXML exists for the BCD (Call::SaveAsXml) and the WMD (xml::wmd::save), in Windows' format; it may be called any time after InitializeForBackup; nothing checks that a requester saved after DoSnapshotSet, though writers may change the BCD in PostSnapshot (HandlerContext::set_backup_stamp)"),
        engine: &["xml/bcd.rs", "xml/wmd.rs", "coordinator/document.rs"],
    },
    Entry {
        rule: R32,
        title: "Release drops the BCD, deletes auto-release copies and triggers BackupShutdown",
        statement: "Releasing the object discards the in-memory BCD (anything unsaved is lost), \
            deletes its auto-release shadow copies and makes VSS send BackupShutdown. That is why \
            DeleteSnapshots is seldom needed for auto-release copies.",
        sources: &[
            "vss/backup-components-document-life-cycle",
            "vss/overview-of-backup-termination",
            "bc/deletesnapshots",
        ],
        status: Implemented,
        engine: &[
            "coordinator/abort.rs",
            "requester/dynamic.rs",
            "requester/vss.rs",
            "vocab/context.rs",
        ],
    },
    Entry {
        rule: R33,
        title: "DeleteSnapshots deletes one copy at a time and stops at the first failure",
        statement: "DeleteSnapshots(id, VSS_OBJECT_SNAPSHOT or VSS_OBJECT_SNAPSHOT_SET, \
            bForceDelete, &nDeleted, &firstUndeleted) deletes copies one by one, stops at the \
            first failure and reports that copy's ID (GUID_NULL when all succeeded); the requester \
            must not run deletions concurrently. Results: S_OK, E_ACCESSDENIED, E_INVALIDARG, \
            E_OUTOFMEMORY, VSS_E_UNEXPECTED, VSS_E_OBJECT_NOT_FOUND, VSS_E_PROVIDER_VETO, \
            VSS_E_UNEXPECTED_PROVIDER_ERROR.",
        sources: &["bc/deletesnapshots"],
        status: Partly("deletes the copies the caller's context sees (VSS_CTX_ALL: all), by \
            copy or by set, and reports GUID_NULL as no copy can fail to delete; bForceDelete \
            changes nothing and providers are not asked (no provider veto or error yet)"),
        engine: &["coordinator/store.rs", "coordinator/calls.rs", "trace/oracle/store.rs"],
    },
    Entry {
        rule: R34,
        title: "Query lists providers, or completed shadow copies of the object's context",
        statement: "Query(GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_SNAPSHOT or VSS_OBJECT_PROVIDER, \
            &enum) works in backup mode only, after InitializeForBackup and SetContext; it lists \
            the providers, or only the completed shadow copies of the current context (a \
            VSS_CTX_BACKUP object does not see VSS_CTX_FILE_SHARE_BACKUP copies). Results: S_OK, \
            E_ACCESSDENIED, E_INVALIDARG, E_OUTOFMEMORY, VSS_E_BAD_STATE, VSS_E_OBJECT_NOT_FOUND, \
            VSS_E_PROVIDER_VETO, VSS_E_UNEXPECTED, VSS_E_UNEXPECTED_PROVIDER_ERROR.",
        sources: &["bc/query"],
        status: Partly("lists the machine's completed shadow copies the caller's context sees \
            (VSS_CTX_ALL: all) as SnapshotProperties, or every registered provider \
            (Call::QueryProviders, VSS_PROVIDER_PROP); SetContext is not required first, and \
            Query is answered in restore mode too"),
        engine: &["coordinator/store.rs", "coordinator/calls.rs", "trace/oracle/store.rs"],
    },
    Entry {
        rule: R35,
        title: "Exactly eight IVssBackupComponents methods are asynchronous (IVssAsync)",
        statement: "These methods, and only these, return an IVssAsync: BackupComplete, \
            DoSnapshotSet, GatherWriterMetadata, GatherWriterStatus, ImportSnapshots, PostRestore, \
            PrepareForBackup, PreRestore. The caller releases the IVssAsync it receives.",
        sources: &["api/vss/nn-vss-ivssasync"],
        status: Implemented,
        engine: &["vocab/call.rs", "coordinator/ops.rs", "requester/pending.rs"],
    },
    Entry {
        rule: R36,
        title: "QueryStatus reports PENDING, FINISHED, CANCELLED or the operation's error",
        statement: "IVssAsync::QueryStatus(&hr, NULL) itself returns S_OK (or E_ACCESSDENIED, \
            E_INVALIDARG, VSS_E_UNEXPECTED). The status in hr is VSS_S_ASYNC_PENDING (0x00042309) \
            while the operation runs, VSS_S_ASYNC_FINISHED (0x0004230A) on success, \
            VSS_S_ASYNC_CANCELLED (0x0004230B) after a cancel, or the operation's own error, from \
            the originating method's list.",
        sources: &["api/vss/nf-vss-ivssasync-querystatus"],
        status: Partly("E_ACCESSDENIED and VSS_E_UNEXPECTED are never returned by the method \
            itself"),
        engine: &["coordinator/calls.rs", "coordinator/ops.rs", "requester/pending.rs"],
    },
    Entry {
        rule: R37,
        title: "Wait returns S_OK when the wait ends; the result is then read with QueryStatus",
        statement: "IVssAsync::Wait(dwMilliseconds = INFINITE) returns S_OK once the wait is over, \
            after which QueryStatus gives the result; it may also return E_ACCESSDENIED or \
            VSS_E_UNEXPECTED, and if the operation fails during the wait, Wait returns that error. \
            Windows Server 2003 accepts only INFINITE (anything else is E_INVALIDARG), and on \
            Windows XP Wait takes no argument.",
        sources: &["api/vss/nf-vss-ivssasync-wait"],
        status: Partly("Wait always returns S_OK, never the operation's error (Q25), and the \
            Windows Server 2003 / XP variants are not modelled"),
        engine: &["coordinator/calls.rs", "coordinator/ops.rs", "requester/pending.rs"],
    },
    Entry {
        rule: R38,
        title: "Cancel returns S_OK if it cancelled, otherwise the operation's final status",
        statement: "IVssAsync::Cancel returns S_OK when it cancelled the operation, \
            VSS_S_ASYNC_CANCELLED if it was already cancelled, VSS_S_ASYNC_FINISHED if it had \
            already completed successfully, the operation's error if it had already failed, or \
            VSS_E_UNEXPECTED.",
        sources: &["api/vss/nf-vss-ivssasync-cancel"],
        status: Partly("VSS_E_UNEXPECTED is never returned"),
        engine: &[
            "coordinator/calls.rs",
            "coordinator/ops.rs",
            "coordinator/abort.rs",
            "requester/pending.rs",
        ],
    },
    Entry {
        rule: R39,
        title: "Cancelling a pending BackupComplete abandons a backup whose shadow copy exists",
        statement: "Once the shadow copy exists, a requester may give up the backup by cancelling \
            the IVssAsync of its pending BackupComplete.",
        sources: &["bc/backupcomplete"],
        status: Implemented,
        engine: &["coordinator/calls.rs", "coordinator/ops.rs", "trace/oracle/obligations.rs"],
    },
    Entry {
        rule: R40,
        title: "The canonical order of requester calls in a component-mode backup",
        statement: "A component-mode VSS_CTX_BACKUP backup runs: CreateVssBackupComponents; \
            InitializeForBackup; optional SetContext; SetBackupState; GatherWriterMetadata and \
            wait (Identify); examine the WMDs; AddComponent per component; StartSnapshotSet; \
            AddToSnapshotSet per volume; optional SetBackupOptions / SetPreviousBackupStamp; \
            PrepareForBackup and wait, then writer status (PrepareForBackup); DoSnapshotSet and \
            wait, then writer status (PrepareForSnapshot, Freeze, Thaw, PostSnapshot). It goes on \
            with GetSnapshotProperties and copying from the device object; SetBackupSucceeded per \
            component; BackupComplete and wait, then GatherWriterStatus (BackupComplete); \
            SaveAsXML of the BCD and WMDs; FreeWriterMetadata / FreeWriterStatus any time after \
            their gathers; and Release, after which VSS sends BackupShutdown.",
        sources: &[
            "vss/overview-of-backup-initialization",
            "vss/overview-of-the-backup-discovery-phase",
            "vss/overview-of-pre-backup-tasks",
            "vss/overview-of-actual-backup-of-files",
            "vss/overview-of-backup-termination",
            "vss/simple-shadow-copy-creation-for-backup",
            "vss/using-vss-automated-system-recovery-for-disaster-recovery",
        ],
        status: Partly("every step exists, and the typestate API offers them in this order \
            (set_previous_backup_stamp before PrepareForBackup), except that SetBackupOptions is \
            only in the dynamic API (Call::SetBackupOptions) and save_as_xml is offered up to \
            SnapshotDone, before BackupComplete rather than after it; the device object has no \
            data to copy (R24)"),
        engine: &["requester/typestate.rs", "requester/pending.rs", "coordinator/guards.rs"],
    },
    Entry {
        rule: R41,
        title: "The documented hard orderings; violations are answered with VSS_E_BAD_STATE",
        statement: "The fixed orderings the docs state are: Initialize* first; writer filters (R7) \
            before GatherWriterMetadata; GatherWriterMetadata before AddComponent; AddComponent \
            before DoSnapshotSet; SetBackupState before PrepareForBackup; StartSnapshotSet before \
            PrepareForBackup and before AddToSnapshotSet; a completed GatherWriterStatus before \
            GetWriterStatus; and R22's DoSnapshotSet prerequisites. A simulator should reject a \
            violation with VSS_E_BAD_STATE; otherwise the order of R40's steps 3–9 varies between \
            pages (Q1).",
        sources: &[
            "vss/overview-of-backup-initialization",
            "bc/setbackupstate",
            "bc/addcomponent",
            "bc/startsnapshotset",
            "bc/dosnapshotset",
            "bc/getwriterstatus",
        ],
        status: Partly("a writer filter called after GatherWriterMetadata is accepted and ignored \
            (R7, T14) rather than refused with VSS_E_BAD_STATE"),
        engine: &["coordinator/guards.rs", "requester/typestate.rs"],
    },
    Entry {
        rule: R42,
        title: "No-writer contexts: no writer events; AddComponent, PrepareForBackup, BackupComplete fail",
        statement: "In VSS_CTX_FILE_SHARE_BACKUP, VSS_CTX_NAS_ROLLBACK and \
            VSS_CTX_CLIENT_ACCESSIBLE, InitializeForBackup and StartSnapshotSet are still required \
            and GatherWriterMetadata is optional. AddComponent, PrepareForBackup and \
            BackupComplete return an error, and no PrepareForSnapshot, Freeze, Thaw or \
            PostSnapshot is sent.",
        sources: &["vss/shadow-copy-creation-details", "vss/shadow-copy-context-configurations"],
        status: Implemented,
        engine: &["vocab/context.rs", "coordinator/guards.rs", "coordinator/ops.rs"],
    },
    Entry {
        rule: R43,
        title: "The events a writer receives in a backup (after Identify) and in a restore",
        statement: "In a typical backup a writer receives, after Identify: PrepareForBackup, \
            PrepareForSnapshot, Freeze, Thaw, PostSnapshot, BackupComplete and BackupShutdown, two \
            to seven events per operation in all. In a restore it receives PreRestore and \
            PostRestore.",
        sources: &["vss/writers"],
        status: Implemented,
        engine: &["coordinator/ops.rs", "coordinator/dispatch.rs", "coordinator/abort.rs"],
    },
    Entry {
        rule: R44,
        title: "Identify may come any time from anyone, so OnIdentify must change nothing",
        statement: "Identify belongs to no operation: any application, management tools included, \
            may raise it at any moment, even during a backup or restore, and the writer cannot \
            tell who asked. OnIdentify therefore must not alter operation state and must build the \
            same WMD every time; once returned, the WMD is read-only.",
        sources: &["vss/writers", "cw/onidentify", "vss/overview-of-backup-initialization"],
        status: Implemented,
        engine: &[
            "coordinator/ops.rs",
            "coordinator/dispatch.rs",
            "writer/metadata.rs",
            "trace/oracle/states.rs",
            "testkit/obligations.rs",
        ],
    },
    Entry {
        rule: R45,
        title: "DoSnapshotSet's internal order of writer events, provider calls and the kernel hold",
        statement: "Inside DoSnapshotSet: (1) PrepareForSnapshot to every participating writer; \
            (2) EndPrepareSnapshots(setId) once per provider, each BeginPrepareSnapshot having \
            been made per added copy; (3) Freeze by application level, starting each writer's \
            Freeze→Thaw timer; (4) KTM and DTC frozen (failure: VSS_E_TRANSACTION_FREEZE_TIMEOUT); \
            (5) PreCommitSnapshots; (6) kernel flush-and-hold on all volumes of the set at once; \
            (7) CommitSnapshots, the instant of the copy. Then (8) the held writes are released \
            right after the last CommitSnapshots returns; (9) PostCommitSnapshots(setId, count); \
            (10) Thaw to writers and KTM/DTC thawed (failure: VSS_E_TRANSACTION_THAW_TIMEOUT); \
            (11) PreFinalCommitSnapshots; (12) PostSnapshot to writers, where auto-recovery \
            happens; (13) PostFinalCommitSnapshots, plus GetTargetLuns for hardware providers with \
            LUN data written to the BCD for transportable sets; (14) the async completes. The \
            order of steps 1–2, the Thaw level order and the KTM/DTC position are open (Q5–Q7).",
        sources: &[
            "vss/shadow-copy-creation-for-providers",
            "vss/the-shadow-copy-creation-process",
            "api/vsprov/nn-vsprov-ivssprovidercreatesnapshotset",
            "pc/precommitsnapshots",
            "pc/postcommitsnapshots",
            "pc/prefinalcommitsnapshots",
            "api/vss/ne-vss-vss_volume_snapshot_attributes",
            "vss/working-with-file-system-and-security-features",
            "ws-vss",
        ],
        status: Partly("KTM/DTC freeze and thaw (steps 4, 10) are not modelled, and hardware \
            providers get no GetTargetLuns call (step 13), though a transportable set's \
            description, with a LUN mapping per copy, goes into the BCD (R97)"),
        engine: &[
            "coordinator/ops.rs",
            "coordinator/pipeline.rs",
            "coordinator/dispatch.rs",
            "coordinator/calls.rs",
        ],
    },
    Entry {
        rule: R46,
        title: "Freeze goes to front-end, then back-end, then system-level writers",
        statement: "Freeze is delivered first to VSS_APP_FRONT_END writers, then to \
            VSS_APP_BACK_END writers, then to VSS_APP_SYSTEM writers, so that an application \
            writing through another one stops first.",
        sources: &["api/vss/ne-vss-vss_application_level", "vss/vssgloss-b", "vss/vssgloss-f"],
        status: Implemented,
        engine: &["coordinator/ops.rs", "vocab/writer_kind.rs"],
    },
    Entry {
        rule: R47,
        title: "In component mode a writer with nothing included gets no events after PrepareForBackup",
        statement: "In component mode, when none of a writer's components is explicitly included, \
            VSS drops the writer from the rest of the operation: it gets no events after \
            PrepareForBackup (backup) or after PreRestore (restore). A requester that includes any \
            component of a writer must include all of that writer's required components.",
        sources: &[
            "vss/overview-of-the-backup-discovery-phase",
            "vss/backup-components-document-contents",
        ],
        status: Partly("in a restore, writers none of whose components was selected for restore \
            leave when PreRestore starts, so they get neither PreRestore nor PostRestore (R81); \
            nothing checks that a writer's required (non-selectable) components are included with \
            it"),
        engine: &[
            "coordinator/dispatch.rs",
            "coordinator/pipeline.rs",
            "coordinator/calls.rs",
            "coordinator/session.rs",
        ],
    },
    Entry {
        rule: R48,
        title: "Five handlers receive IVssWriterComponents, which is NULL outside component mode",
        statement: "OnPrepareBackup, OnPostSnapshot, OnBackupComplete, OnPreRestore and \
            OnPostRestore are passed an IVssWriterComponents pointer. It may be NULL when the \
            requester is not in component mode (AreComponentsSelected() is false).",
        sources: &[
            "vss/backup-components-document-life-cycle",
            "cw/onpreparebackup",
            "cw/onpostsnapshot",
            "cw/onbackupcomplete",
            "cw/onpostrestore",
        ],
        status: Implemented,
        engine: &["coordinator/dispatch.rs", "writer/context.rs"],
    },
    Entry {
        rule: R49,
        title: "Writers may change the BCD from PrepareForBackup until BackupComplete, not after",
        statement: "From PrepareForBackup until BackupComplete, writers may change the BCD (backup \
            and restore metadata, stamps, restore target, failure messages); OnPrepareBackup is \
            their last chance before the snapshot. From BackupComplete on, and from PostRestore on \
            in a restore, the BCD is read-only, so calls such as IVssComponent::SetBackupMetadata \
            fail inside OnBackupComplete and OnPostRestore.",
        sources: &[
            "bc/prepareforbackup",
            "cw/onpreparebackup",
            "cw/onbackupcomplete",
            "cw/onpostrestore",
        ],
        status: Implemented,
        engine: &["writer/context.rs", "trace/oracle/queries.rs"]
    },
    Entry {
        rule: R50,
        title: "Three causes of Abort: AbortBackup, a Freeze/Thaw failure or timeout, creation failure",
        statement: "VSS raises Abort when (a) the requester calls AbortBackup; (b) a writer's \
            OnFreeze or OnThaw returns false, or its Freeze→Thaw window expires; or (c) the \
            provider or VSS fails while creating the shadow copy after PrepareForSnapshot was \
            sent.",
        sources: &["vss/aborting-vss-operations", "cw/onabort"],
        status: Implemented,
        engine: &["coordinator/abort.rs", "coordinator/dispatch.rs", "coordinator/ops.rs"],
    },
    Entry {
        rule: R51,
        title: "A failed OnPrepareSnapshot or OnPostSnapshot does not by itself raise Abort",
        statement: "When OnPrepareSnapshot or OnPostSnapshot fails, that failure alone does not \
            cause an Abort.",
        sources: &["vss/aborting-vss-operations"],
        status: Implemented,
        engine: &["coordinator/dispatch.rs"],
    },
    Entry {
        rule: R52,
        title: "After PrepareForBackup, stop a backup with AbortBackup (waited on) before Release",
        statement: "Once the requester has raised PrepareForBackup, the only way to stop the \
            backup is AbortBackup, waited on, before Release. Before PrepareForBackup, or when \
            PrepareForBackup failed, the object may simply be released (for example one used only \
            for Identify).",
        sources: &["vss/aborting-vss-operations"],
        status: Implemented,
        engine: &[
            "trace/oracle/obligations.rs",
            "testkit/requester.rs",
            "requester/typestate.rs",
            "coordinator/abort.rs",
        ],
    },
    Entry {
        rule: R53,
        title: "AbortBackup is due from StartSnapshotSet until DoSnapshotSet returns; else ignored",
        statement: "AbortBackup must be called when a backup ends after StartSnapshotSet and \
            before DoSnapshotSet returns; when no shadow copy or backup is in progress it is \
            ignored. It raises Abort, handled by OnAbort in every writer instance. Results: S_OK, \
            E_OUTOFMEMORY, VSS_E_BAD_STATE (object not initialized), VSS_E_UNEXPECTED.",
        sources: &["bc/abortbackup"],
        status: Partly("E_OUTOFMEMORY is never produced, VSS_E_UNEXPECTED only on an object the \
            VSS service restarted under (LostService::Unexpected), and Abort goes only to writers \
            that joined the backup and are not past PostSnapshot (Q2, R55)"),
        engine: &[
            "coordinator/abort.rs",
            "coordinator/guards.rs",
            "coordinator/session.rs",
            "vocab/policy.rs",
        ],
    },
    Entry {
        rule: R54,
        title: "After a failed DoSnapshotSet, call AbortBackup anyway; a veto may be ignored",
        statement: "When DoSnapshotSet reports failure the requester cannot know whether Abort was \
            already sent, so it calls AbortBackup regardless; after AbortBackup, BackupComplete is \
            not needed. A writer veto is normally followed by AbortBackup so the other writers \
            learn the backup will not finish, but the requester may instead ignore a veto from a \
            writer it does not need.",
        sources: &["vss/aborting-vss-operations", "vss/writer-errors-and-vetoes"],
        status: Implemented,
        engine: &[
            "coordinator/abort.rs",
            "coordinator/guards.rs",
            "trace/oracle/obligations.rs",
            "requester/typestate.rs",
        ],
    },
    Entry {
        rule: R55,
        title: "Abort may repeat; OnAbort tolerates it and ends the operation; none after PostSnapshot",
        statement: "A writer may get Abort more than once for one operation, so OnAbort must \
            tolerate repeats, bring the application back to normal running, and may reuse its \
            Thaw/PostSnapshot cleanup. After OnAbort the writer receives no further events of that \
            operation, and OnAbort is not called once OnPostSnapshot has run.",
        sources: &["vss/aborting-vss-operations", "cw/onabort"],
        status: Implemented,
        engine: &[
            "coordinator/abort.rs",
            "coordinator/dispatch.rs",
            "coordinator/ops.rs",
            "coordinator/session.rs",
            "testkit/obligations.rs",
        ],
    },
    Entry {
        rule: R56,
        title: "Restore operations cannot be aborted",
        statement: "Abort is not supported for restore operations.",
        sources: &["vss/aborting-vss-operations"],
        status: Implemented,
        engine: &["coordinator/guards.rs", "requester/restore.rs", "trace/oracle/causes.rs"]
    },
    Entry {
        rule: R57,
        title: "VSS sends BackupShutdown when a backup's requester object is released or dies",
        statement: "Whenever an IVssBackupComponents that took part in a backup is released, by \
            the requester or by the system after a crash or kill, VSS itself sends BackupShutdown; \
            normally it follows BackupComplete, but after an abort or a requester crash it may be \
            the writer's only event. OnBackupShutdown(SnapshotSetId) receives the set ID, \
            GUID_NULL when no shadow copy was created, and after an abrupt requester death \
            possibly the ID of another backup the writer is part of. The writer therefore tracks, \
            per set, whether BackupComplete arrived. When the VSS service itself restarts \
            (Vss::restart_service), nobody is left to send it: the writers of the lost backups \
            get no BackupShutdown (docs/protocol.md, \"The VSS service restarting\").",
        sources: &[
            "vss/handling-backupshutdown-events",
            "cw/onbackupshutdown",
            "cw/onbackupcomplete",
            "vss/vssgloss-b",
        ],
        status: Implemented,
        engine: &[
            "coordinator/abort.rs",
            "coordinator/dispatch.rs",
            "requester/dynamic.rs",
            "requester/vss.rs",
            "vocab/policy.rs",
        ],
    },
    Entry {
        rule: R58,
        title: "Writer session state is freed by completion or abort, or collected after two days",
        statement: "VSS normally cleans up a writer's session state after BackupComplete plus \
            GatherWriterStatus, after PostRestore plus GatherWriterStatus, or after OnAbort; \
            sessions left over for more than two days are garbage-collected and logged (a \
            Microsoft support article, not a learn page).",
        // Src is a [KB] support.microsoft.com article (see note 9).
        sources: &["https://support.microsoft.com/topic/9bb4dec9-5da9-624f-c260-a9b22e9cadfe"],
        status: NotYet("VSS-side writer session slots and their cleanup (after completion, \
            PostRestore or OnAbort, or after two days) are not modelled, and a requester session \
            never expires; only R27's part is modelled: under OsProfile::Server2003 and Server2008 \
            a writer waits for completion until the requester's final GatherWriterStatus"),
        engine: &[],
    },
    Entry {
        rule: R59,
        title: "CVssWriter::Initialize's parameters; dwTimeoutFreeze bounds Freeze→Thaw (60 s)",
        statement: "CVssWriter::Initialize takes WriterId, wszWriterName, usage type, source type, \
            nLevel (default VSS_APP_FRONT_END), dwTimeoutFreeze (default 60000), aws (default \
            VSS_AWS_NO_ALTERNATE_WRITER), bIOThrottlingOnly (default false) and \
            wszWriterInstanceName (default NULL). dwTimeoutFreeze is the longest time, in ms, from \
            the writer receiving Freeze to receiving Thaw; when it is exceeded the writer's \
            OnAbort is called automatically. aws and bIOThrottlingOnly are reserved and must keep \
            their defaults, and the writer name is not localized.",
        sources: &["cw/initialize"],
        status: Implemented,
        engine: &[
            "writer/config.rs",
            "coordinator/builder.rs",
            "coordinator/dispatch.rs",
            "coordinator/abort.rs",
            "coordinator/timers.rs",
        ],
    },
    Entry {
        rule: R60,
        title: "CVssWriter::Initialize's results, including S_FALSE when VSS is inactive",
        statement: "Initialize returns S_OK; S_FALSE when the writer infrastructure is not running \
            (safe mode, setup); E_ACCESSDENIED without administrator rights; E_INVALIDARG; \
            E_OUTOFMEMORY; or VSS_E_UNEXPECTED (E_UNEXPECTED before Windows 7 / Server 2008 R2).",
        sources: &["cw/initialize"],
        status: NotYet("writers are registered by the builder, which cannot fail, so none of \
            Initialize's results is modelled"),
        engine: &[],
    },
    Entry {
        rule: R61,
        title: "Each writer object gets a unique instance ID; a class may run several instances",
        statement: "VSS gives every writer object a unique instance ID, and a writer is identified \
            by (class ID, instance ID); several instances of one class may run at once. A \
            multi-instance writer that wants restore events must pass a non-NULL instance name \
            unique on the machine. On Windows Server 2003, with several instances only one may \
            have a writer-restore setting other than VSS_WRE_NEVER, and restore events go to one \
            arbitrary instance.",
        sources: &["cw/initialize", "vss/restrictions-in-the-current-release-of-vss"],
        status: Partly("instance names are not checked for uniqueness (a restore matches the \
            document's writers to running ones by class and instance name, \
            coordinator/restore.rs), and the Windows Server 2003 restrictions on multi-instance \
            writers in a restore are not modelled"),
        engine: &[
            "coordinator/mod.rs",
            "coordinator/builder.rs",
            "vocab/ids.rs",
            "writer/config.rs",
        ],
    },
    Entry {
        rule: R62,
        title: "Subscribe accepts only the default event mask and fails when called twice",
        statement: "Subscribe(dwEventFlags) supports only the default VSS_SM_BACKUP_EVENTS_FLAG | \
            VSS_SM_RESTORE_EVENTS_FLAG and returns S_OK, E_ACCESSDENIED, E_OUTOFMEMORY, \
            VSS_E_UNEXPECTED, or VSS_E_WRITER_ALREADY_SUBSCRIBED (0x8004231A) on a second call; \
            Unsubscribe returns S_OK, E_OUTOFMEMORY or VSS_E_UNEXPECTED. The backup flag covers \
            PrepareForBackup, PrepareForSnapshot, Freeze, Thaw, PostSnapshot and BackupComplete; \
            the restore flag covers PreRestore and PostRestore.",
        sources: &["cw/subscribe", "cw/unsubscribe", "api/vswriter/ne-vswriter-vss_subscribe_mask"],
        status: NotYet("writers are subscribed by the builder; Subscribe, Unsubscribe, event masks \
            and VSS_E_WRITER_ALREADY_SUBSCRIBED are not modelled"),
        engine: &[],
    },
    Entry {
        rule: R63,
        title: "The CVssWriter handlers: which are pure virtual and what the base defaults return",
        statement: "Every handler returns bool. OnIdentify, OnPrepareBackup, OnPostSnapshot, \
            OnBackupComplete, OnBackupShutdown, OnPreRestore and OnPostRestore are virtual with a \
            base default of true; OnPrepareSnapshot, OnFreeze, OnThaw and OnAbort are pure \
            virtual. OnBackOffIOOnVolume, OnContinueIOOnVolume, OnVSSShutdown and \
            OnVSSApplicationStartup are reserved, unsupported, and return nothing.",
        sources: &[
            "cw/onidentify",
            "cw/onpreparebackup",
            "cw/onpreparesnapshot",
            "cw/onfreeze",
            "cw/onthaw",
            "cw/onpostsnapshot",
            "cw/onabort",
            "cw/onbackupcomplete",
            "cw/onbackupshutdown",
            "cw/onprerestore",
            "cw/onpostrestore",
            "vss/overview-of-pre-backup-tasks",
        ],
        status: Partly("the Writer trait has every handler: on_prepare_snapshot, on_freeze, \
            on_thaw and on_abort without a default, the others (on_pre_restore and on_post_restore \
            included) returning true by default, and none of the reserved ones; no test cites R63 \
            yet"),
        engine: &["writer/mod.rs", "coordinator/dispatch.rs"],
    },
    Entry {
        rule: R64,
        title: "A handler returns true unless fatal; a fatal error is SetWriterFailure, then false",
        statement: "A handler returns true unless a fatal error occurs: on a fatal error it calls \
            SetWriterFailure and returns false, on a non-fatal one it calls SetWriterFailure but \
            still returns true. Transient problems are reported as VSS_E_WRITERERROR_RETRYABLE, \
            every failure should also go to the event log, and for OnAbort, OnBackupComplete and \
            OnBackupShutdown the docs say \"should\" rather than \"must\". OnIdentify differs: on a \
            fatal error it just returns false and it never calls SetWriterFailure; no handler may \
            throw.",
        sources: &["cw/onfreeze", "cw/onidentify"],
        status: Partly("the engine accepts a false return without SetWriterFailure (the writer \
            is reported with VSS_E_WRITERERROR_NONRETRYABLE) and only the test kit flags it \
            (Obligation::ExplainsFailure); event-log writing is not modelled"),
        engine: &["coordinator/dispatch.rs", "writer/context.rs", "testkit/obligations.rs"],
    },
    Entry {
        rule: R65,
        title: "A veto is SetWriterFailure in a handler; a false OnFreeze also raises Abort",
        statement: "A writer vetoes by calling SetWriterFailure inside a handler (the Writer \
            Errors page pairs this with a true return); OnFreeze returning false additionally \
            raises Abort. The requester may accept the veto or ignore it. Typical vetoes: the \
            writer could not hold its writes during Freeze, or the set lacks a volume the writer \
            needs (VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT).",
        sources: &["vss/writer-errors-and-vetoes", "cw/onfreeze"],
        status: Implemented,
        engine: &["coordinator/dispatch.rs", "writer/context.rs", "vocab/policy.rs"],
    },
    Entry {
        rule: R66,
        title: "SetWriterFailure takes five codes, never in OnIdentify, only on the handler's thread",
        statement: "SetWriterFailure(hr) accepts exactly VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT, \
            _NONRETRYABLE, _OUTOFRESOURCES, _RETRYABLE and _TIMEOUT (T3); it must not be called \
            from OnIdentify or OnIdentifyEx, and must be called on the thread that invoked the \
            handler (worker threads pass errors back). CVssWriterEx2::SetWriterFailureEx(hrWriter, \
            hrApplication, wszMessage), Windows 7 / Server 2008 R2 and later, also accepts S_OK \
            and VSS_E_WRITERERROR_PARTIAL_FAILURE (component errors through \
            IVssComponentEx2::SetFailure), with the same thread and OnIdentify limits. The \
            same-thread rule also applies to CVssWriterEx2::GetSessionId.",
        sources: &[
            "cw/setwriterfailure",
            "api/vswriter/nf-vswriter-cvsswriterex2-setwriterfailureex",
            "vss/writers",
        ],
        status: Partly("SetWriterFailureEx and GetSessionId do not exist, and the same-thread rule \
            is not enforced"),
        engine: &["writer/context.rs", "vocab/writer_state.rs", "trace/oracle/queries.rs"],
    },
    Entry {
        rule: R67,
        title: "Writers may attach optional failure messages that requesters read back",
        statement: "A writer may describe a failure with \
            IVssComponentEx::SetPrepareForBackupFailureMsg or SetPostSnapshotFailureMsg, or with \
            IVssComponent::SetPreRestoreFailureMsg or SetPostRestoreFailureMsg; the requester \
            reads them with the matching Get methods.",
        sources: &["vss/writer-errors-and-vetoes"],
        status: Partly("the restore failure messages exist (HandlerContext::set_pre_restore_failure_msg in \
            OnPreRestore, set_post_restore_failure_msg in OnPostRestore; the requester reads them in \
            GetWriterComponents and the BCD); IVssComponentEx's PrepareForBackup and PostSnapshot \
            failure messages do not"),
        engine: &["writer/context.rs", "coordinator/restore.rs", "xml/bcd.rs"]
    },
    Entry {
        rule: R68,
        title: "GetCurrentSnapshotSetId is reliable in the backup handlers, never after OnPostSnapshot",
        statement: "GetCurrentSnapshotSetId gives the set ID of the backup the writer is currently \
            in, guaranteed correct from the backup-sequence handlers (the docs name OnFreeze, \
            OnThaw and OnPostSnapshot). Outside a handler the answer is unpredictable, since a \
            writer may be in several backups, and inside OnBackupShutdown it must not be trusted \
            (it may be another backup's ID). It cannot be called at all once OnPostSnapshot has \
            returned, so not in OnBackupComplete: use a value saved earlier or OnBackupShutdown's \
            argument.",
        sources: &["cw/getcurrentsnapshotsetid", "vss/handling-backupshutdown-events"],
        status: Implemented,
        engine: &["writer/context.rs", "coordinator/dispatch.rs", "vocab/policy.rs"],
    },
    Entry {
        rule: R69,
        title: "GetSnapshotDeviceName works only during OnPostSnapshot",
        statement: "GetSnapshotDeviceName(originalVolume, &device) succeeds only inside \
            OnPostSnapshot, else VSS_E_BAD_STATE; a volume not in the set gives \
            VSS_E_OBJECT_NOT_FOUND, and a bad argument E_INVALIDARG. It is meant for \
            auto-recovery, with volume names obtained from GetCurrentVolumeCount and \
            GetCurrentVolumeArray.",
        sources: &["cw/getsnapshotdevicename", "cw/onpostsnapshot"],
        status: Implemented,
        engine: &["writer/context.rs", "coordinator/dispatch.rs", "coordinator/pipeline.rs"],
    },
    Entry {
        rule: R70,
        title: "The other CVssWriter queries: volumes, IsPathAffected, context, backup state, level",
        statement: "GetCurrentVolumeArray and GetCurrentVolumeCount give the original volume names \
            (and, from Windows 8, UNC shares) of the current set, in memory owned by the base \
            class; IsPathAffected(path) is true when the file or directory lies on a volume of the \
            set (environment variables are allowed in directory paths, wildcards are not). \
            GetContext gives the current set's context bits, not final before OnPrepareSnapshot; \
            GetBackupType, AreComponentsSelected, IsBootableSystemStateBackedUp and \
            IsPartialFileSupportEnabled echo SetBackupState (R12), GetRestoreType echoes \
            SetRestoreState, and GetCurrentLevel the application level. Beyond R68–R69 the docs \
            give these no calling window (Q9).",
        sources: &[
            "cw/getcurrentvolumearray",
            "cw/ispathaffected",
            "cw/getcontext",
            "cw/getbackuptype",
            "cw/arecomponentsselected",
            "cw/isbootablesystemstatebackedup",
            "cw/ispartialfilesupportenabled",
            "vss/backup-components-document-contents",
        ],
        status: Partly("HandlerContext answers every one of these queries, GetRestoreType \
            included (restore_type, from SetRestoreState), but IsPathAffected (is_path_affected) \
            does not expand environment variables"),
        engine: &["writer/context.rs", "coordinator/dispatch.rs", "vocab/policy.rs"],
    },
    Entry {
        rule: R71,
        title: "Where writer work belongs: long work in OnPrepareSnapshot, quick checks in OnFreeze",
        statement: "Lengthy preparation such as checkpoints or draining queues belongs in \
            OnPrepareSnapshot, which is allowed more time than Freeze; OnFreeze does only short \
            checks and is the writer's last chance to veto. Asynchronous work may be started in \
            OnPrepareBackup but must be done before the freeze (Q10); OnThaw resumes normal I/O, \
            and temporary files are removed in OnPostSnapshot.",
        sources: &[
            "vss/overview-of-pre-backup-tasks",
            "cw/onpreparesnapshot",
            "cw/onfreeze",
            "cw/onpreparebackup",
        ],
        status: Informational("advice to writer authors; the test kit can enforce per-handler time \
            budgets and resumption after OnThaw, but the engine has nothing to do"),
        engine: &[],
    },
    Entry {
        rule: R72,
        title: "Every writer sets a restore method and declares at least one component",
        statement: "In its WMD every writer must set a restore method (SetRestoreMethod) and add \
            at least one component.",
        sources: &["vss/overview-of-backup-initialization"],
        status: Partly("an incomplete document is accepted (WriterMetadataView::is_complete \
            tells): a writer without components is never selected, one without a restore method \
            takes part like any other; only the test kit's TakesPart check reports a writer that \
            never reaches OnFreeze, which covers the first case"),
        engine: &["writer/metadata.rs", "testkit/conformance.rs"],
    },
    Entry {
        rule: R73,
        title: "Writer states are the VSS_WRITER_STATE values 0–15, read through GetWriterStatus",
        statement: "A writer's state is one of T1's values, VSS_WS_UNKNOWN = 0 through \
            VSS_WS_FAILED_AT_BACKUPSHUTDOWN = 15, with VSS_WS_COUNT = 16 reserved. A requester \
            reads it only through GetWriterStatus or GetWriterStatusEx.",
        sources: &["api/vss/ne-vss-vss_writer_state"],
        status: Implemented,
        engine: &["vocab/writer_state.rs", "coordinator/calls.rs", "coordinator/pipeline.rs"],
    },
    Entry {
        rule: R74,
        title: "STABLE (1): done with the current events, or OnPrepareSnapshot not yet called",
        statement: "VSS_WS_STABLE (1) means the writer has finished handling the current events \
            and is ready, or that OnPrepareSnapshot has not been called yet. It is therefore the \
            state both before and after PrepareForBackup.",
        sources: &["api/vss/ne-vss-vss_writer_state"],
        status: Implemented,
        engine: &["coordinator/session.rs", "vocab/writer_state.rs", "coordinator/dispatch.rs"],
    },
    Entry {
        rule: R75,
        title: "A handler's success or failure moves the writer to the matching state (T2)",
        statement: "Inferred from the state names: after a successful handler the state becomes \
            PrepareForBackup → 1, PrepareForSnapshot → 2 (WAITING_FOR_FREEZE), Freeze → 3 \
            (WAITING_FOR_THAW), Thaw → 4 (WAITING_FOR_POST_SNAPSHOT), PostSnapshot → 5 \
            (WAITING_FOR_BACKUP_COMPLETE), BackupComplete → 1. A failed handler (a false return or \
            SetWriterFailure) moves it to the matching FAILED_AT_* value (6–15), with the code \
            given to SetWriterFailure as hrFailure.",
        sources: &["api/vss/ne-vss-vss_writer_state"],
        status: Implemented,
        engine: &["vocab/writer_state.rs", "coordinator/dispatch.rs"],
    },
    Entry {
        rule: R76,
        title: "A Freeze→Thaw timeout shows as FAILED_AT_FREEZE with VSS_E_WRITERERROR_TIMEOUT",
        statement: "When a writer's Freeze→Thaw window expires, the writer is reported in state \
            VSS_WS_FAILED_AT_FREEZE with hrFailure VSS_E_WRITERERROR_TIMEOUT (0x800423F2); this \
            comes from support article KB 915331.",
        sources: &["cw/setwriterfailure", "kb:915331"],
        status: Implemented,
        engine: &["coordinator/dispatch.rs", "coordinator/ops.rs", "coordinator/timers.rs"],
    },
    Entry {
        rule: R77,
        title: "A writer in STABLE or state 5 may be treated as ready for the next backup",
        statement: "A requester may treat a writer whose state is VSS_WS_STABLE (1) or the \
            waiting-for-completion state 5 as ready for another backup.",
        sources: &["vss/vshadow-tool-and-sample"],
        status: Informational("a requester's reading of writer status (vshadow's); every new \
            session starts its writers in STABLE, so the engine has nothing to enforce"),
        engine: &[],
    },
];
