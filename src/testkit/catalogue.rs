//! The conformance catalogue: every documented backup path a writer must survive, as data. Each
//! [`Case`] names the rules it exercises; [`catalogue`] builds them for the writer under test's
//! application level, so the peers that fail around it freeze after it (R46).

use super::wrappers::Forced;
use crate::sim::{
    canonical_backup, canonical_restore, ComponentRef, OpRef, ProgramStep, ProviderFault, Step,
};
use crate::vocab::ProviderStep;
use crate::vocab::{
    BackupState, BackupType, Hresult, Policies, RestoreType, Rule, ShutdownSetIdAfterCrash,
    WriterAbortScope, WriterEvent, WriterFailure,
};
use crate::writer::{Axes, Axis, Reaction};

/// One scenario of the conformance catalogue.
#[derive(Clone, Debug)]
pub struct Case {
    /// A stable id, e.g. `abort-backup/after-do-snapshot-set`; `VSS_SIM_CASE=<id>` runs only it.
    pub id: String,
    /// What happens, in a sentence.
    pub title: String,
    /// The spec rules the case exercises.
    pub rules: &'static [Rule],
    pub(crate) plan: Plan,
}

/// How a case's machine and requesters are set up.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Policy changes on top of the kit's base policies.
    pub(crate) policies: fn(&mut Policies),
    /// A failure forced once on the writer under test.
    pub(crate) subject: Option<Forced>,
    /// A declaring call of the writer's first `OnIdentify` that fails.
    pub(crate) metadata_fault: Option<crate::writer::MetadataFault>,
    /// A failure forced once on the peer that freezes after the writer under test.
    pub(crate) peer: Option<Forced>,
    /// A provider step that fails once.
    pub(crate) provider: Option<(ProviderStep, ProviderFault)>,
    /// The requester programs (requesters 0, 1, …); the kit appends a follow-up backup.
    pub(crate) steps: Vec<ProgramStep>,
    /// Nothing goes wrong: every handler of the writer under test must succeed.
    pub(crate) happy: bool,
    /// The case makes the writer's own freeze window expire.
    pub(crate) freeze_window_expires: bool,
    /// The axes the case exists to vary ([`Axis`]): it is left out when the test pins one of
    /// them (`WriterConformance::context`, `::volumes`, `::components`).
    pub(crate) varies: Axes,
    /// The case's own backups (requester 0's) hold one more volume than the writer's.
    pub(crate) extra_volume: bool,
}

/// Virtual time each peer handler and provider step of a DoSnapshotSet takes, so that requester
/// cuts can land between its stages.
pub(crate) const STEP_MS: u64 = 10;

/// The backup types a happy path runs with (T6).
const BACKUP_TYPES: [BackupType; 5] = [
    BackupType::VSS_BT_FULL,
    BackupType::VSS_BT_INCREMENTAL,
    BackupType::VSS_BT_DIFFERENTIAL,
    BackupType::VSS_BT_LOG,
    BackupType::VSS_BT_COPY,
];

/// The events of a backup at which a writer can fail (R43).
const BACKUP_EVENTS: [WriterEvent; 6] = [
    WriterEvent::PrepareForBackup,
    WriterEvent::PrepareForSnapshot,
    WriterEvent::Freeze,
    WriterEvent::Thaw,
    WriterEvent::PostSnapshot,
    WriterEvent::BackupComplete,
];

/// The provider steps after PrepareForSnapshot whose failure aborts the creation (R50c, R95).
const PROVIDER_STEPS: [ProviderStep; 6] = [
    ProviderStep::EndPrepareSnapshots,
    ProviderStep::PreCommitSnapshots,
    ProviderStep::CommitSnapshots,
    ProviderStep::PostCommitSnapshots,
    ProviderStep::PreFinalCommitSnapshots,
    ProviderStep::PostFinalCommitSnapshots,
];

/// The catalogue for a writer with a `freeze_timeout_ms` window. Its peer freezes after it.
pub(crate) fn catalogue(freeze_timeout_ms: u64) -> Vec<Case> {
    let mut cases = Vec::new();
    happy_paths(&mut cases);
    axes(&mut cases);
    own_failures(&mut cases);
    metadata_failures(&mut cases);
    peer_failures(&mut cases);
    windows(&mut cases, freeze_timeout_ms);
    provider_failures(&mut cases);
    requester_cuts(&mut cases);
    repeats_and_concurrency(&mut cases);
    stamp_chains(&mut cases);
    restores(&mut cases);
    cases
}

fn case(
    id: impl Into<String>,
    title: impl Into<String>,
    rules: &'static [Rule],
    plan: Plan,
) -> Case {
    Case {
        id: id.into(),
        title: title.into(),
        rules,
        plan,
    }
}

fn keep(_: &mut Policies) {}

fn plan(steps: Vec<ProgramStep>) -> Plan {
    Plan {
        policies: keep,
        subject: None,
        metadata_fault: None,
        peer: None,
        provider: None,
        steps,
        happy: false,
        freeze_window_expires: false,
        varies: Axes::NONE,
        extra_volume: false,
    }
}

/// A case id part from a variant name: `PrepareForSnapshot` → `prepare-for-snapshot`,
/// `VSS_BT_FULL` → `full`.
fn slug(name: &str) -> String {
    if name.contains('_') {
        let lower = name.to_ascii_lowercase();
        return lower
            .strip_prefix("vss_bt_")
            .unwrap_or(&lower)
            .replace('_', "-");
    }
    let mut slug = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            slug.push('-');
        }
        slug.push(c.to_ascii_lowercase());
    }
    slug
}

fn happy_paths(cases: &mut Vec<Case>) {
    for backup_type in BACKUP_TYPES {
        let mut steps = canonical_backup(0);
        steps[1].step = Step::SetBackupState(BackupState::components(backup_type));
        cases.push(case(
            format!("happy/{}", slug(&format!("{backup_type:?}"))),
            format!("a component-mode {backup_type:?} backup where nothing goes wrong"),
            &[Rule::R40, Rule::R43, Rule::R45, Rule::R57],
            Plan {
                happy: true,
                ..plan(steps)
            },
        ));
    }
    let mut steps = canonical_backup(0);
    for step in &mut steps {
        if step.step == Step::SelectAllComponents {
            step.step = Step::AddComponent {
                component: ComponentRef::Named {
                    writer: "Peer0".into(),
                    logical_path: None,
                    name: "Peer0".into(),
                },
            };
        }
    }
    cases.push(case(
        "happy/another-writer-selected",
        "a component-mode backup of another writer's component only: this writer leaves after \
         PrepareForBackup and hears no more of it (R47)",
        &[Rule::R47, Rule::R21, Rule::R110],
        Plan {
            happy: true,
            varies: Axes::NONE.with(Axis::SelectedComponents),
            ..plan(steps)
        },
    ));
    let mut steps = canonical_backup(0);
    steps[1].step = Step::SetBackupState(BackupState {
        select_components: false,
        ..BackupState::default()
    });
    cases.push(case(
        "happy/no-components",
        "a backup without component selection: handlers get no components (R48)",
        &[Rule::R43, Rule::R48],
        Plan {
            happy: true,
            varies: Axes::NONE.with(Axis::SelectedComponents),
            ..plan(steps)
        },
    ));
}

/// Happy backups that vary what a handler can read (R70) beyond the backup type: the context
/// and its attributes (T6, T7: the other contexts writers take part in, R105), the volumes in
/// the set, the components selected, partial file support and the bootable system state (R12).
/// A writer whose work depends on one of them has that work run.
fn axes(cases: &mut Vec<Case>) {
    let context = Axes::NONE.with(Axis::Context).with(Axis::Attributes);
    for (id, raw, title) in [
        (
            "app-rollback",
            0x09,
            "VSS_CTX_APP_ROLLBACK: persistent copies for an application rollback",
        ),
        (
            "client-accessible-writers",
            0x0D,
            "VSS_CTX_CLIENT_ACCESSIBLE_WRITERS: persistent, client-accessible copies, with writers",
        ),
        (
            "no-autorecovery",
            0x02,
            "VSS_CTX_BACKUP with VSS_VOLSNAP_ATTR_NO_AUTORECOVERY: no auto-recovery of the copy",
        ),
    ] {
        let mut steps = canonical_backup(0);
        steps.insert(1, ProgramStep::by(0, Step::SetContext { context: raw }));
        cases.push(case(
            format!("context/{id}"),
            format!("a full backup in {title}"),
            &[Rule::R104, Rule::R105, Rule::R70],
            Plan {
                happy: true,
                varies: context,
                ..plan(steps)
            },
        ));
    }
    cases.push(case(
        "volumes/another-volume-too",
        "a full backup whose set holds another volume besides the writer's: GetCurrentVolumeArray \
         lists it, IsPathAffected says no for it",
        &[Rule::R70, Rule::R69],
        Plan {
            happy: true,
            varies: Axes::NONE.with(Axis::Volumes).with(Axis::DeviceNames),
            extra_volume: true,
            ..plan(canonical_backup(0))
        },
    ));
    let mut steps = canonical_backup(0);
    for step in &mut steps {
        if step.step == Step::SelectAllComponents {
            step.step = Step::AddComponent {
                component: ComponentRef::Declared {
                    declared: 0,
                    mangle: None,
                },
            };
        }
    }
    cases.push(case(
        "components/first-only",
        "a component-mode backup of the writer's first selectable component only (R47, R48)",
        &[Rule::R47, Rule::R48, Rule::R12],
        Plan {
            happy: true,
            varies: Axes::NONE.with(Axis::SelectedComponents),
            ..plan(steps)
        },
    ));
    for (id, title, state) in [
        (
            "happy/partial-file-support",
            "a full backup with partial file support enabled (IsPartialFileSupportEnabled)",
            BackupState {
                partial_file_support: true,
                ..BackupState::components(BackupType::VSS_BT_FULL)
            },
        ),
        (
            "happy/bootable-system-state",
            "a full backup of the bootable system state (IsBootableSystemStateBackedUp)",
            BackupState {
                bootable_system_state: true,
                ..BackupState::components(BackupType::VSS_BT_FULL)
            },
        ),
    ] {
        let mut steps = canonical_backup(0);
        steps[1].step = Step::SetBackupState(state);
        cases.push(case(
            id,
            title,
            &[Rule::R12, Rule::R70],
            Plan {
                happy: true,
                ..plan(steps)
            },
        ));
    }
}

fn own_failures(cases: &mut Vec<Case>) {
    for event in BACKUP_EVENTS {
        let failure = WriterFailure::VSS_E_WRITERERROR_RETRYABLE;
        for (kind, reaction, rules) in [
            (
                "veto",
                Reaction::veto(failure),
                &[Rule::R64, Rule::R65, Rule::R51, Rule::R75] as &[Rule],
            ),
            (
                "fatal",
                Reaction::fatal(failure),
                &[Rule::R64, Rule::R50, Rule::R51, Rule::R55, Rule::R75],
            ),
        ] {
            cases.push(case(
                format!("{kind}/{}", slug(&format!("{event:?}"))),
                format!(
                    "the writer under test fails {} ({kind}) once; the backup goes on or aborts",
                    event.handler_name()
                ),
                rules,
                Plan {
                    subject: Some(Forced { event, reaction }),
                    ..plan(canonical_backup(0))
                },
            ));
        }
    }
}

/// How many of a writer's first declaring calls in `OnIdentify` the catalogue fails, one per
/// case (a writer that makes fewer calls passes the extra cases untouched).
const METADATA_CALLS_FAILED: u32 = 4;

/// R64, R10: a declaring call of `IVssCreateWriterMetadata` fails in `OnIdentify`
/// (`E_OUTOFMEMORY`, which every one of them may return), so the writer's error path there
/// runs: it may leave the call out or fail `OnIdentify` (VSS then leaves it out, R10), but
/// must not panic, and must not call `SetWriterFailure` there (R66).
fn metadata_failures(cases: &mut Vec<Case>) {
    for call in 1..=METADATA_CALLS_FAILED {
        cases.push(case(
            format!("identify/metadata-call-fails/{call}"),
            format!(
                "declaring call #{call} of the writer's OnIdentify fails with E_OUTOFMEMORY once"
            ),
            &[Rule::R64, Rule::R10, Rule::R66],
            Plan {
                metadata_fault: Some(crate::writer::MetadataFault {
                    call,
                    hr: crate::vocab::Hresult::E_OUTOFMEMORY,
                }),
                ..plan(canonical_backup(0))
            },
        ));
    }
}

fn all_writers(policies: &mut Policies) {
    policies.writer_abort_scope = WriterAbortScope::AllWriters;
}

fn peer_failures(cases: &mut Vec<Case>) {
    for event in [WriterEvent::Freeze, WriterEvent::Thaw] {
        let reaction = Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE);
        for (scope, policies) in [
            ("failing-writer", keep as fn(&mut Policies)),
            ("all-writers", all_writers),
        ] {
            cases.push(case(
                format!("peer-fails/{}/{scope}", slug(&format!("{event:?}"))),
                format!(
                    "another writer, frozen after this one, fails {} (Q3: abort scope {scope})",
                    event.handler_name()
                ),
                &[Rule::R50, Rule::R55, Rule::Q3],
                Plan {
                    policies,
                    peer: Some(Forced {
                        event,
                        reaction: reaction.clone(),
                    }),
                    ..plan(canonical_backup(0))
                },
            ));
        }
    }
}

fn windows(cases: &mut Vec<Case>, freeze_timeout_ms: u64) {
    // A window no handler time can outlast (u64::MAX ms) never expires: no such case.
    if let Some(over) = freeze_timeout_ms.checked_add(1) {
        cases.push(case(
            "freeze-window/expires",
            format!(
                "another writer's OnFreeze takes {over} ms, so this writer's \
                 {freeze_timeout_ms} ms Freeze→Thaw window expires: it gets Abort (R76, R99)"
            ),
            &[Rule::R59, Rule::R76, Rule::R99, Rule::R55],
            Plan {
                peer: Some(Forced {
                    event: WriterEvent::Freeze,
                    reaction: Reaction::slow(over),
                }),
                freeze_window_expires: true,
                ..plan(canonical_backup(0))
            },
        ));
    }
    cases.push(case(
        "hold-writes/over-10s",
        "the provider's CommitSnapshots takes 10 001 ms: VSS_E_HOLD_WRITES_TIMEOUT, writers aborted",
        &[Rule::R89, Rule::R50, Rule::R55],
        Plan {
            provider: Some((
                ProviderStep::CommitSnapshots,
                ProviderFault::slow(10_001),
            )),
            ..plan(canonical_backup(0))
        },
    ));
}

fn provider_failures(cases: &mut Vec<Case>) {
    for step in PROVIDER_STEPS {
        let result = if step == ProviderStep::EndPrepareSnapshots {
            Hresult::VSS_E_INSUFFICIENT_STORAGE
        } else {
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR
        };
        cases.push(case(
            format!("provider-fails/{}", slug(&format!("{step:?}"))),
            format!("the provider fails {step:?} with {result} after PrepareForSnapshot"),
            &[Rule::R50, Rule::R92, Rule::R93, Rule::R95, Rule::R55],
            Plan {
                provider: Some((step, ProviderFault::returning(result))),
                ..plan(canonical_backup(0))
            },
        ));
    }
}

/// Where a requester can stop after PrepareForBackup: after each canonical step, and inside
/// DoSnapshotSet after each of its stages (a `Wait` with a timeout that ends there).
fn cut_points() -> Vec<(String, Vec<ProgramStep>)> {
    let canonical = canonical_backup(0);
    let prepare = canonical
        .iter()
        .position(|s| s.step == Step::PrepareForBackup)
        .unwrap_or(0);
    let release = canonical.len() - 1;
    let mut cuts = Vec::new();
    for end in prepare..release {
        let name = format!(
            "after-step-{end}-{}",
            slug(&step_name(&canonical[end].step))
        );
        cuts.push((name, canonical[..=end].to_vec()));
    }
    let dss = canonical
        .iter()
        .position(|s| s.step == Step::DoSnapshotSet)
        .unwrap_or(0);
    // Peers and providers take STEP_MS per stage; a DoSnapshotSet has well under 40 stages.
    for stage in 0..40 {
        let mut steps = canonical[..=dss].to_vec();
        steps.push(ProgramStep::new(Step::Wait {
            op: OpRef::Last,
            timeout_ms: Some(stage * STEP_MS + STEP_MS / 2),
        }));
        cuts.push((
            format!(
                "during-do-snapshot-set-at-{}ms",
                stage * STEP_MS + STEP_MS / 2
            ),
            steps,
        ));
    }
    cuts
}

fn step_name(step: &Step) -> String {
    let debug = format!("{step:?}");
    debug
        .split(|c: char| !c.is_ascii_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn requester_cuts(cases: &mut Vec<Case>) {
    for (at, steps) in cut_points() {
        let mut abort = steps.clone();
        abort.push(ProgramStep::new(Step::AbortBackup));
        abort.push(ProgramStep::new(Step::Release));
        cases.push(case(
            format!("abort-backup/{at}"),
            format!(
                "the requester calls AbortBackup {}, then releases",
                at.replace('-', " ")
            ),
            &[Rule::R52, Rule::R53, Rule::R54, Rule::R55, Rule::R57],
            plan(abort),
        ));
        let mut crash = steps;
        crash.push(ProgramStep::new(Step::Crash));
        cases.push(case(
            format!("requester-crash/{at}"),
            format!(
                "the requester process dies {}: the writer gets BackupShutdown only",
                at.replace('-', " ")
            ),
            &[Rule::R57, Rule::R32, Rule::R104],
            plan(crash),
        ));
    }
}

fn on(requester: u32, steps: Vec<ProgramStep>) -> Vec<ProgramStep> {
    steps
        .into_iter()
        .map(|mut s| {
            s.requester = requester;
            s
        })
        .collect()
}

fn other_backups_set(policies: &mut Policies) {
    policies.shutdown_set_id_after_crash = ShutdownSetIdAfterCrash::OtherBackupWhenPresent;
}

/// The canonical backup of requester 0 and the index of the wait on its DoSnapshotSet.
fn canonical_with_snapshot_wait() -> (Vec<ProgramStep>, usize) {
    let canonical = canonical_backup(0);
    let dss_wait = canonical
        .iter()
        .rposition(|s| s.step == Step::DoSnapshotSet)
        .map_or(0, |i| i + 1);
    (canonical, dss_wait)
}

/// The canonical backup of `requester` of type `backup_type`, saving its document before
/// BackupComplete (R31); with `hand_back`, it first hands each writer the stamp the last saved
/// document holds (R113: what an incremental or differential backup builds on).
fn saving_backup(requester: u32, backup_type: BackupType, hand_back: bool) -> Vec<ProgramStep> {
    let mut steps = Vec::new();
    for step in canonical_backup(requester) {
        match step.step {
            Step::SetBackupState(_) => {
                steps.push(ProgramStep::by(
                    requester,
                    Step::SetBackupState(BackupState::components(backup_type)),
                ));
                continue;
            }
            Step::BackupComplete => steps.push(ProgramStep::by(requester, Step::SaveAsXml)),
            Step::StartSnapshotSet if hand_back => {
                steps.push(ProgramStep::by(requester, Step::HandBackStamps));
            }
            _ => {}
        }
        steps.push(step);
    }
    steps
}

/// Backup-stamp chains (R113, R114): each backup saves its document and the next hands the
/// writer's stamp back, so an incremental or differential writer reads the stamp it wrote.
fn stamp_chains(cases: &mut Vec<Case>) {
    use BackupType::{VSS_BT_DIFFERENTIAL as DIFF, VSS_BT_FULL as FULL, VSS_BT_INCREMENTAL as INC};
    cases.push(stamp_chain(&[FULL, INC, INC]));
    cases.push(stamp_chain(&[FULL, DIFF, DIFF]));
}

/// The case of a chain of backups of these types, `stamps/full-incremental-incremental`: each
/// backup saves its document and the next hands the stamps back.
pub(crate) fn stamp_chain(chain: &[BackupType]) -> Case {
    let names: Vec<String> = chain.iter().map(|t| slug(&format!("{t:?}"))).collect();
    let steps = chain
        .iter()
        .zip(0u32..)
        .flat_map(|(backup_type, requester)| saving_backup(requester, *backup_type, requester > 0))
        .collect();
    case(
        format!("stamps/{}", names.join("-")),
        format!(
            "a {} chain: each backup hands back the stamps the one before saved \
             (GetPreviousBackupStamp)",
            names.join(" → ")
        ),
        &[Rule::R113, Rule::R114, Rule::R43],
        Plan {
            happy: true,
            ..plan(steps)
        },
    )
}

/// Restores of a full backup (R78–R84): the whole sequence, the writer failing in each
/// restore handler, a requester that releases or dies between PreRestore and PostRestore, and
/// a restore of another writer only (R81).
fn restores(cases: &mut Vec<Case>) {
    let backup = saving_backup(0, BackupType::VSS_BT_FULL, false);
    let restore = canonical_restore(1);
    let mut steps = backup.clone();
    steps.extend(restore.clone());
    cases.push(case(
        "restore/happy",
        "a full backup, then a restore of every component it holds: PreRestore, the files \
         copied, PostRestore",
        &[Rule::R78, Rule::R80, Rule::R82, Rule::R83],
        Plan {
            happy: true,
            ..plan(steps.clone())
        },
    ));
    // New targets: the files go elsewhere (AddNewTarget).
    let mut new_targets = backup.clone();
    for step in &restore {
        new_targets.push(step.clone());
        if step.step == Step::SelectAllForRestore {
            new_targets.push(ProgramStep::by(
                1,
                Step::AddNewTargets {
                    path: "D:\\Restored\\".into(),
                },
            ));
        }
    }
    cases.push(case(
        "restore/new-targets",
        "a restore whose requester sends every component's files to a new target",
        &[Rule::R78, Rule::R113],
        Plan {
            happy: true,
            ..plan(new_targets)
        },
    ));
    // A restore with more to come (SetAdditionalRestores: no recovery yet), then the last one.
    let mut chained = backup.clone();
    for step in &restore {
        chained.push(step.clone());
        if step.step == Step::SelectAllForRestore {
            chained.push(ProgramStep::by(
                1,
                Step::SetAdditionalRestores { additional: true },
            ));
        }
    }
    chained.extend(on(2, restore.clone()));
    cases.push(case(
        "restore/additional-restores",
        "a restore with additional restores to follow (the writer must not recover yet), then \
         the final one",
        &[Rule::R78, Rule::R82, Rule::R83],
        Plan {
            happy: true,
            ..plan(chained)
        },
    ));
    // Each restore type the requester can announce (GetRestoreType).
    for restore_type in [RestoreType::VSS_RTYPE_IMPORT, RestoreType::VSS_RTYPE_OTHER] {
        let mut typed = backup.clone();
        for step in &restore {
            if step.step == Step::PreRestore {
                typed.push(ProgramStep::by(1, Step::SetRestoreState { restore_type }));
            }
            typed.push(step.clone());
        }
        let name = format!("{restore_type:?}");
        cases.push(case(
            format!(
                "restore/type-{}",
                name.trim_start_matches("VSS_RTYPE_").to_ascii_lowercase()
            ),
            format!("a restore announced as {restore_type:?} (GetRestoreType)"),
            &[Rule::R78, Rule::R70],
            Plan {
                happy: true,
                ..plan(typed)
            },
        ));
    }
    for event in [WriterEvent::PreRestore, WriterEvent::PostRestore] {
        let failure = WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE;
        for (kind, reaction) in [
            ("veto", Reaction::veto(failure)),
            ("fatal", Reaction::fatal(failure)),
        ] {
            cases.push(case(
                format!("restore/{kind}/{}", slug(&format!("{event:?}"))),
                format!(
                    "the writer under test fails {} ({kind}): FAILED_AT state, no Abort",
                    event.handler_name()
                ),
                &[Rule::R84, Rule::R56, Rule::R64],
                Plan {
                    subject: Some(Forced { event, reaction }),
                    ..plan(steps.clone())
                },
            ));
        }
    }
    let pre_restore_wait = restore
        .iter()
        .position(|s| s.step == Step::PreRestore)
        .map_or(0, |i| i + 1);
    for (ending, step, rules) in [
        (
            "releases",
            Step::Release,
            &[Rule::R83, Rule::R32] as &[Rule],
        ),
        ("crashes", Step::Crash, &[Rule::R83, Rule::R57]),
    ] {
        let mut cut = backup.clone();
        cut.extend(restore[..=pre_restore_wait].iter().cloned());
        cut.push(ProgramStep::by(1, step));
        cases.push(case(
            format!("restore/requester-{ending}-before-post-restore"),
            format!(
                "the restoring requester {ending} after PreRestore: the writer never gets \
                 PostRestore, nor BackupShutdown"
            ),
            rules,
            plan(cut),
        ));
    }
    let mut other_writer = backup;
    other_writer.extend(restore.into_iter().map(|mut s| {
        if s.step == Step::SelectAllForRestore {
            s.step = Step::SelectForRestore {
                writers: vec!["Peer0".to_owned()],
            };
        }
        s
    }));
    cases.push(case(
        "restore/other-writer-only",
        "a restore of another writer's component only: this writer hears nothing of it",
        &[Rule::R81, Rule::R47],
        Plan {
            happy: true,
            ..plan(other_writer)
        },
    ));
}

fn repeats_and_concurrency(cases: &mut Vec<Case>) {
    abort_delivered_twice(cases);
    concurrent_backups(cases);
    identify_mid_backup(cases);
}

fn abort_delivered_twice(cases: &mut Vec<Case>) {
    // Own Freeze failure aborts this writer (R50b); the requester's AbortBackup after the
    // finished DoSnapshotSet reaches it again: it was aborted, not past PostSnapshot (R55).
    let (canonical, dss_wait) = canonical_with_snapshot_wait();
    let mut twice = canonical[..=dss_wait].to_vec();
    twice.push(ProgramStep::new(Step::AbortBackup));
    twice.push(ProgramStep::new(Step::Release));
    cases.push(case(
        "abort/delivered-twice",
        "the writer fails OnFreeze (Abort), then the requester's AbortBackup sends Abort again",
        &[Rule::R55, Rule::R50, Rule::R53],
        Plan {
            subject: Some(Forced {
                event: WriterEvent::Freeze,
                reaction: Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
            }),
            ..plan(twice)
        },
    ));
}

fn concurrent_backups(cases: &mut Vec<Case>) {
    let (canonical, dss_wait) = canonical_with_snapshot_wait();
    // R57: requester 0 makes a shadow copy and keeps its object; requester 1 starts a backup
    // and crashes after PrepareForBackup, before a copy of its own exists. Under the policy that
    // says so, its BackupShutdown carries requester 0's set id, while that backup goes on.
    let mut steps = canonical[..=dss_wait].to_vec();
    steps.extend(on(1, canonical[..=dss_wait - 2].to_vec()));
    steps.push(ProgramStep {
        requester: 1,
        ..ProgramStep::new(Step::Crash)
    });
    steps.extend(canonical[dss_wait + 1..].to_vec());
    cases.push(case(
        "shutdown/carries-another-backups-set",
        "a second backup's requester crashes after PrepareForBackup; its BackupShutdown carries \
         the first backup's set id, and the first backup still runs",
        &[Rule::R57, Rule::R68],
        Plan {
            policies: other_backups_set,
            ..plan(steps)
        },
    ));

    // Two backups the writer takes part in: requester 1 runs a whole backup while requester 0
    // sits between DoSnapshotSet and BackupComplete.
    let mut steps = canonical[..=dss_wait].to_vec();
    steps.extend(on(1, canonical_backup(0)));
    steps.extend(canonical[dss_wait + 1..].to_vec());
    cases.push(case(
        "concurrent/two-backups",
        "a second backup runs from start to end inside the first one's copy phase",
        &[Rule::R15, Rule::R57, Rule::R68],
        Plan {
            happy: true,
            ..plan(steps)
        },
    ));
}

fn identify_mid_backup(cases: &mut Vec<Case>) {
    let canonical = canonical_backup(0);
    // R44: a management instance gathers metadata at every point of a backup.
    for at in [2usize, 5, 8, 11, 13, 15] {
        let mut steps = canonical[..at].to_vec();
        steps.extend(on(
            1,
            vec![
                ProgramStep::new(Step::InitializeForBackup),
                ProgramStep::new(Step::GatherWriterMetadata),
                ProgramStep::new(Step::Wait {
                    op: OpRef::Last,
                    timeout_ms: None,
                }),
                ProgramStep::new(Step::Release),
            ],
        ));
        steps.extend(canonical[at..].to_vec());
        cases.push(case(
            format!("identify/mid-backup-before-step-{at}"),
            format!(
                "a management tool gathers writer metadata before step {at} ({}) of a backup",
                step_name(&canonical[at.min(canonical.len() - 1)].step)
            ),
            &[Rule::R44, Rule::R66],
            Plan {
                happy: true,
                ..plan(steps)
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_ids_are_lowercase_words_unique_and_name_the_happy_full_backup() {
        let cases = catalogue(crate::writer::DEFAULT_FREEZE_TIMEOUT_MS);
        let mut seen = std::collections::BTreeSet::new();
        for case in &cases {
            // Words, not spelt-out letters (`v-s-s--b-t-…` was an id once).
            let words_ok = case.id.split(['/', '-']).all(|word| {
                !word.is_empty()
                    && word
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    && !(word.len() == 1 && word.chars().all(|c| c.is_ascii_alphabetic()))
            });
            assert!(
                words_ok,
                "case id `{}` is not made of lowercase words",
                case.id
            );
            assert!(seen.insert(case.id.clone()), "two cases are `{}`", case.id);
        }
        // The id a finding about the reference run names must select a case.
        assert!(seen.contains("happy/full"), "{seen:?}");
        assert_eq!(slug("PrepareForSnapshot"), "prepare-for-snapshot");
        assert_eq!(slug("VSS_BT_DIFFERENTIAL"), "differential");
    }
}
