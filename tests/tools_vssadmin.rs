//! `vssadmin list writers` over a simulated machine (issue 12, part 7; R124, T13): the layout
//! Windows prints, and the status the machine keeps between requesters (R30).

mod common;

use common::*;
use vss_sim::requester::Vss;
use vss_sim::tools::vssadmin;
use vss_sim::vocab::well_known;
use vss_sim::vocab::{Call, WriterEvent as E, WriterFailure, WriterInstanceId};
use vss_sim::writer::{Reaction, ScriptedWriter, WriterConfig};

/// System Writer and Task Scheduler Writer with the ids of a real machine's listing; the Task
/// Scheduler Writer vetoes PrepareForSnapshot when `veto`.
fn machine(veto: bool) -> Vss {
    let system = WriterConfig::new(well_known::SYSTEM_WRITER, "System Writer").instance_id(
        WriterInstanceId::from_u128(0x7e63_1031_c695_4229_9da1_a7de_057e_64cb),
    );
    let tasks = WriterConfig::new(well_known::TASK_SCHEDULER_WRITER, "Task Scheduler Writer")
        .instance_id(WriterInstanceId::from_u128(
            0x1bdd_d48e_5052_49db_9b07_b96f_9672_7e6b,
        ));
    let mut scheduler = ScriptedWriter::new("Tasks Store");
    if veto {
        scheduler = scheduler.on(
            E::PrepareForSnapshot,
            Reaction::veto(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
        );
    }
    Vss::builder()
        .writer(system, ScriptedWriter::new("System Files"))
        .writer(tasks, scheduler)
        .build()
}

#[test]
fn r124_list_writers_prints_windows_layout() {
    let text = vssadmin::list_writers(&machine(false)).unwrap();
    let expected = "\
vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Writer name: 'System Writer'
   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}
   Writer Instance Id: {7e631031-c695-4229-9da1-a7de057e64cb}
   State: [1] Stable
   Last error: No error

Writer name: 'Task Scheduler Writer'
   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}
   Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}
   State: [1] Stable
   Last error: No error

";
    assert_eq!(text, expected);
}

#[test]
fn r30_t13_list_writers_after_a_failed_backup_shows_what_it_left() {
    let vss = machine(true);
    let mut bc = prepared(&vss);
    let _ = bc.call_and_wait(Call::DoSnapshotSet);
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let text = vssadmin::list_writers(&vss).unwrap();
    assert!(
        text.contains(
            "Writer name: 'Task Scheduler Writer'\n   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}\n   \
             Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}\n   State: [8] Failed\n   \
             Last error: Retryable error\n\n"
        ),
        "{text}"
    );
    // A veto at PrepareForSnapshot aborts nothing (R51): the System Writer went through the
    // creation, and AbortBackup after it reaches no writer past PostSnapshot (R55), so it is
    // left waiting for a BackupComplete that never comes.
    assert!(
        text.contains(
            "   Writer Instance Id: {7e631031-c695-4229-9da1-a7de057e64cb}\n   \
             State: [5] Waiting for completion\n   Last error: No error\n"
        ),
        "{text}"
    );
    assert_clean_engine(&vss);
}

#[test]
fn r30_list_writers_after_a_backup_without_backup_complete_shows_waiting_for_completion() {
    let vss = machine(false);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let text = vssadmin::list_writers(&vss).unwrap();
    assert_eq!(
        text.matches("   State: [5] Waiting for completion\n   Last error: No error\n")
            .count(),
        2,
        "{text}"
    );
}

fn assert_clean_engine(vss: &Vss) {
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r127_list_providers_prints_the_system_provider_as_windows_does() {
    let vss = Vss::builder().build();
    let text = vssadmin::list_providers(&vss).unwrap();
    let expected = "\
vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Provider name: 'Microsoft Software Shadow Copy provider 1.0'
   Provider type: System
   Provider Id: {b5946137-7b9f-4925-af80-51abd60b20d5}
   Version: 1.0.0.7

";
    assert_eq!(text, expected);
}

#[test]
fn r34_query_lists_every_registered_provider_with_its_properties() {
    use vss_sim::provider::{ProviderInfo, SoftwareProvider};
    use vss_sim::vocab::{ProviderId, ProviderType, Reply};
    let san = ProviderId::from_u128(0x5a11);
    let vss = Vss::builder()
        .provider(SoftwareProvider::system())
        .provider(
            SoftwareProvider::new(san, "SAN provider").with_info(ProviderInfo {
                provider_type: ProviderType::VSS_PROV_HARDWARE,
                version: "7.1".into(),
                ..ProviderInfo::default()
            }),
        )
        .build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    let Ok(Reply::Providers(providers)) = bc.call(Call::QueryProviders) else {
        panic!("QueryProviders");
    };
    let rows: Vec<_> = providers
        .iter()
        .map(|p| (p.provider_id, p.provider_type, p.version.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                well_known::SYSTEM_PROVIDER,
                ProviderType::VSS_PROV_SYSTEM,
                "1.0.0.7"
            ),
            (san, ProviderType::VSS_PROV_HARDWARE, "7.1"),
        ]
    );
    bc.call_ok(Call::Release).unwrap();
    let text = vssadmin::list_providers(&vss).unwrap();
    assert!(
        text.ends_with(
            "Provider name: 'SAN provider'\n   Provider type: Hardware\n   Provider Id: \
             {00000000-0000-0000-0000-000000005a11}\n   Version: 7.1\n\n"
        ),
        "{text}"
    );
}

#[test]
fn q23_server_2008_prints_its_own_banner_and_no_waiting_lines() {
    let vss = Vss::builder()
        .writer(
            WriterConfig::new(well_known::SYSTEM_WRITER, "System Writer"),
            ScriptedWriter::new("System Files"),
        )
        .os(vss_sim::vocab::OsProfile::Server2008)
        .build();
    let text = vssadmin::list_writers(&vss).unwrap();
    assert!(
        text.starts_with(
            "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n\
             (C) Copyright 2001-2005 Microsoft Corp.\n\nWriter name: 'System Writer'\n"
        ),
        "{text}"
    );
}

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_owned).collect()
}

#[test]
fn vssadmin_creates_and_deletes_only_client_accessible_copies_of_the_system_provider() {
    // R123: delete shadows touches client-accessible copies only; create shadow makes one.
    let vss = Vss::builder().build();
    let created = vssadmin::run(&vss, &args("create shadow /for=C:"));
    assert_eq!(created.exit_code, 0, "{}", created.text);
    assert!(created.text.contains(
        "    Shadow Copy Volume Name: \\\\?\\GLOBALROOT\\Device\\HarddiskVolumeShadowCopy1\n"
    ));
    // A persistent application-rollback copy made by another tool.
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext {
        context: vss_sim::vocab::SnapshotContext::VSS_CTX_NAS_ROLLBACK.value(),
    })
    .unwrap();
    bc.call(Call::StartSnapshotSet).unwrap();
    bc.call(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: vss_sim::vocab::ProviderId::NULL,
    })
    .unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let deleted = vssadmin::run(&vss, &args("delete shadows /all /quiet"));
    // /quiet prints nothing after the banner (a published capture).
    assert_eq!(deleted.exit_code, 0);
    assert!(
        deleted.text.ends_with("Microsoft Corp.\n\n"),
        "{}",
        deleted.text
    );
    let listed = vssadmin::run(&vss, &args("list shadows"));
    assert!(
        listed.text.contains("Type: DataVolumeRollback"),
        "{}",
        listed.text
    );
    assert!(!listed.text.contains("ClientAccessible"));
    // Without /quiet, vssadmin asks; a no keeps the copies.
    let kept = vssadmin::run_with(&vss, &args("delete shadows /for=C: /all"), &mut |q| {
        assert!(q.starts_with("Do you really want to delete"));
        false
    });
    assert_eq!(kept.exit_code, 0);
    assert_oracle_clean(&vss);
}

#[test]
fn create_shadow_autoretry_waits_out_another_creation_in_virtual_time() {
    // R126 over R15: another requester's set is in creation; /autoretry=1 retries for a minute.
    let vss = Vss::builder().build();
    let mut other = vss.dynamic();
    other.call_ok(Call::InitializeForBackup).unwrap();
    other.call(Call::StartSnapshotSet).unwrap();
    let refused = vssadmin::run(&vss, &args("create shadow /for=C:"));
    assert_eq!(refused.exit_code, 1);
    assert!(
        refused
            .text
            .contains("Error: Another shadow copy creation is already in progress."),
        "{}",
        refused.text
    );
    let before = vss.now_ms();
    let retried = vssadmin::run(&vss, &args("create shadow /for=C: /autoretry=1"));
    assert_eq!(retried.exit_code, 1);
    assert!(
        vss.now_ms() - before >= 60_000,
        "it retried for a minute of virtual time"
    );
    other.call_ok(Call::Release).unwrap();
    let created = vssadmin::run(&vss, &args("create shadow /for=C: /autoretry=1"));
    assert_eq!(created.exit_code, 0, "{}", created.text);
    assert_oracle_clean(&vss);
}

#[test]
fn server_only_commands_are_invalid_on_a_client() {
    // R123: create shadow and add/delete shadowstorage exist on servers only.
    let client = Vss::builder().os(vss_sim::vocab::OsProfile::Client).build();
    for command in [
        "create shadow /for=C:",
        "add shadowstorage /for=C: /on=C:",
        "delete shadowstorage /for=C:",
        "revert shadow /shadow={00000000-0000-0000-0000-000000000001}",
        "query reverts",
    ] {
        let outcome = vssadmin::run(&client, &args(command));
        assert_eq!(outcome.exit_code, 1, "{command}");
        assert!(
            outcome.text.contains("Error: Invalid command."),
            "{command}: {}",
            outcome.text
        );
        assert!(
            !outcome.text.contains("Create Shadow"),
            "the client's list has no server commands"
        );
    }
    let resized = vssadmin::run(
        &client,
        &args("resize shadowstorage /for=C: /on=C: /maxsize=1GB"),
    );
    assert_eq!(resized.exit_code, 0, "{}", resized.text);
}

fn assert_oracle_clean(vss: &Vss) {
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn the_command_list_is_windows_11s() {
    // `vssadmin /?` on a Windows 11 client, as published: names padded to 22 columns.
    let client = Vss::builder().os(vss_sim::vocab::OsProfile::Client).build();
    let help = vssadmin::run(&client, &args("/?"));
    assert_eq!(help.exit_code, 0);
    assert_eq!(
        help.text,
        "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

---- Commands Supported ----

Delete Shadows        - Delete volume shadow copies
List Providers        - List registered volume shadow copy providers
List Shadows          - List existing volume shadow copies
List ShadowStorage    - List volume shadow copy storage associations
List Volumes          - List volumes eligible for shadow copies
List Writers          - List subscribed volume shadow copy writers
Resize ShadowStorage  - Resize a volume shadow copy storage association
"
    );
    // An unknown command: the error, a line holding one space, the list, an empty line.
    let invalid = vssadmin::run(&client, &args("frobnicate"));
    assert_eq!(invalid.exit_code, 1);
    assert!(invalid.text.contains(
        "\n\nError: Invalid command.\n \n---- Commands Supported ----\n\nDelete Shadows        - "
    ));
    assert!(invalid.text.ends_with("association\n\n"));
    // A server lists its own commands too, Revert Shadow and Query Reverts last.
    let server = vssadmin::run(&Vss::builder().build(), &args("/?"));
    assert!(server.text.ends_with(
        "Revert Shadow         - Revert a volume to a shadow copy\n\
         Query Reverts         - Query the progress of in-progress revert operations.\n"
    ));
}

#[test]
fn a_commands_help_is_the_published_one() {
    // `vssadmin List Providers /?` on Windows 10/11, as captured (five spaces before Example).
    let client = Vss::builder().os(vss_sim::vocab::OsProfile::Client).build();
    let help = vssadmin::run(&client, &args("List Providers /?"));
    assert_eq!(help.exit_code, 0);
    assert!(help.text.ends_with(
        "Microsoft Corp.\n\nList Providers\n    - List registered volume shadow copy providers.\n\n     Example Usage:  vssadmin List Providers\n"
    ), "{}", help.text);
    let resize = vssadmin::run(&client, &args("resize shadowstorage /?"));
    assert!(resize.text.contains("MaxSizeSpec must be 320MB or greater"));
    // A client has no Create Shadow: its help is the invalid command's output.
    let create = vssadmin::run(&client, &args("create shadow /?"));
    assert_eq!(create.exit_code, 1);
}

#[test]
fn waiting_for_responses_appears_only_when_writers_are_slow() {
    // The lines a 2024 Exchange server capture shows, and exact Windows 10/11 captures lack.
    let quick = vssadmin::list_writers(&machine(false)).unwrap();
    assert!(!quick.contains("Waiting for responses."));
    let slow = Vss::builder()
        .writer(
            WriterConfig::new(well_known::SYSTEM_WRITER, "System Writer"),
            ScriptedWriter::new("System Files").on(E::Identify, Reaction::slow(1_500)),
        )
        .build();
    let text = vssadmin::list_writers(&slow).unwrap();
    assert!(
        text.contains("Microsoft Corp.\n\nWaiting for responses.\nThese may be delayed if a shadow copy is being prepared.\n\nWriter name: 'System Writer'\n"),
        "{text}"
    );
}

#[test]
fn revert_shadow_puts_a_volume_back_and_query_reverts_finds_nothing_in_progress() {
    // RevertToSnapshot through vssadmin (servers): the newer copy of D: goes; a copy of the
    // system volume is refused; /ForceDismount dismounts a volume in use.
    let vss = Vss::builder()
        .volume("C:\\")
        .volume("D:\\")
        .volume(vss_sim::vocab::Volume::new("E:\\").in_use())
        .build();
    for volume in ["C:", "D:", "D:", "E:"] {
        let created = vssadmin::run(&vss, &args(&format!("create shadow /for={volume}")));
        assert_eq!(created.exit_code, 0, "{}", created.text);
    }
    let ids = |vss: &Vss| -> Vec<String> {
        vss.machine_state()
            .shadow_copies
            .iter()
            .map(|c| format!("{{{}}}", c.properties.snapshot_id))
            .collect()
    };
    let copies = ids(&vss);
    let reverted = vssadmin::run(&vss, &args(&format!("revert shadow /shadow={}", copies[1])));
    assert_eq!(reverted.exit_code, 0, "{}", reverted.text);
    assert!(
        reverted.text.ends_with("Microsoft Corp.\n\n"),
        "{}",
        reverted.text
    );
    assert_eq!(
        ids(&vss),
        vec![copies[0].clone(), copies[1].clone(), copies[3].clone()]
    );
    let system = vssadmin::run(&vss, &args(&format!("revert shadow /shadow={}", copies[0])));
    assert_eq!(system.exit_code, 1);
    assert!(
        system
            .text
            .contains("Error: Unexpected failure, error code: 0x8004230c."),
        "{}",
        system.text
    );
    let busy = vssadmin::run(&vss, &args(&format!("revert shadow /shadow={}", copies[3])));
    assert!(busy.text.contains("0x8004231d"), "{}", busy.text);
    let forced = vssadmin::run(
        &vss,
        &args(&format!(
            "revert shadow /shadow={} /ForceDismount",
            copies[3]
        )),
    );
    assert_eq!(forced.exit_code, 0, "{}", forced.text);
    let query = vssadmin::run(&vss, &args("query reverts /for=D:"));
    assert_eq!(query.exit_code, 1);
    assert!(query
        .text
        .ends_with("No items found that satisfy the query.\n"));
    assert_oracle_clean(&vss);
}
