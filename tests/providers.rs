//! The machine's providers (issue 12 part 3; R18, R85, R105, R127): the system provider stays
//! beside registered ones; for `GUID_NULL` VSS picks hardware, then software, then the system
//! provider; only the system provider makes client-accessible copies; a context asking for a
//! modifier no provider honours finds no provider. Every run is judged by the oracle.

mod common;

use common::store::*;
use vss_sim::provider::{ProviderInfo, SoftwareProvider};
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::{oracle, ProviderNo, ProviderStep, TraceEvent};
use vss_sim::vocab::{
    well_known, Attributes, Call, Context, Hresult, ProviderId, Reply, SnapshotContext,
};

const SAN: ProviderId = ProviderId::from_u128(0x5a4);
const AGENT: ProviderId = ProviderId::from_u128(0xa6e);

/// A hardware provider for D:\ only, and a software provider for every volume.
fn machine() -> Vss {
    Vss::builder()
        .volume("C:\\")
        .volume("D:\\")
        .provider(SoftwareProvider::new(AGENT, "Backup agent provider"))
        .provider(
            SoftwareProvider::new(SAN, "SAN provider")
                .with_info(ProviderInfo::hardware())
                .with_volumes(["D:\\"]),
        )
        .build()
}

fn assert_oracle_clean(vss: &Vss) {
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

fn add(bc: &mut DynBackupComponents, volume: &str, provider: ProviderId) -> Result<(), Hresult> {
    bc.call(Call::AddToSnapshotSet {
        volume: volume.into(),
        provider,
    })
    .map(|_| ())
}

/// The provider each BeginPrepareSnapshot went to, in order.
fn chosen(vss: &Vss) -> Vec<ProviderNo> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::ProviderCalled {
                provider,
                step: ProviderStep::BeginPrepareSnapshot,
                ..
            } => Some(provider),
            _ => None,
        })
        .collect()
}

fn started(vss: &Vss, context: u32) -> DynBackupComponents {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext { context }).unwrap();
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc
}

#[test]
fn r127_registering_a_provider_keeps_the_system_provider() {
    let vss = machine();
    let mut bc = requester(&vss, SnapshotContext::VSS_CTX_BACKUP);
    let Ok(Reply::Providers(providers)) = bc.call(Call::QueryProviders) else {
        panic!("QueryProviders");
    };
    let ids: Vec<_> = providers.iter().map(|p| p.provider_id).collect();
    assert_eq!(ids, vec![AGENT, SAN, well_known::SYSTEM_PROVIDER]);
    bc.call_ok(Call::Release).unwrap();
    let only = Vss::builder()
        .provider(SoftwareProvider::new(AGENT, "Backup agent provider"))
        .without_system_provider()
        .build();
    let mut bc = requester(&only, SnapshotContext::VSS_CTX_BACKUP);
    let Ok(Reply::Providers(providers)) = bc.call(Call::QueryProviders) else {
        panic!("QueryProviders");
    };
    assert_eq!(providers.len(), 1);
    bc.call_ok(Call::Release).unwrap();
}

#[test]
fn r85_guid_null_picks_hardware_then_software_then_the_system_provider() {
    let vss = machine();
    let mut bc = started(&vss, SnapshotContext::VSS_CTX_BACKUP.value());
    add(&mut bc, "D:\\", ProviderId::NULL).unwrap(); // the SAN takes D:\
    add(&mut bc, "C:\\", ProviderId::NULL).unwrap(); // no hardware provider: the agent
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(chosen(&vss), vec![ProviderNo(1), ProviderNo(0)]);
    // Without the agent, C:\ falls to the system provider.
    let vss = Vss::builder()
        .volume("C:\\")
        .provider(SoftwareProvider::new(AGENT, "Agent").with_volumes(["E:\\"]))
        .build();
    let mut bc = started(&vss, SnapshotContext::VSS_CTX_BACKUP.value());
    add(&mut bc, "C:\\", ProviderId::NULL).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(chosen(&vss), vec![ProviderNo(1)]);
    assert_oracle_clean(&vss);
}

#[test]
fn r105_only_the_system_provider_makes_client_accessible_copies() {
    let vss = machine();
    let mut bc = started(&vss, SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE.value());
    add(&mut bc, "D:\\", ProviderId::NULL).unwrap();
    assert_eq!(
        add(&mut bc, "C:\\", AGENT),
        Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER)
    );
    bc.call_ok(Call::Release).unwrap();
    assert_eq!(chosen(&vss), vec![ProviderNo(2)]);
    assert_oracle_clean(&vss);
}

#[test]
fn r18_a_modifier_no_provider_honours_finds_no_provider() {
    let plex = Context {
        base: SnapshotContext::VSS_CTX_BACKUP,
        modifiers: Attributes::PLEX,
    }
    .raw();
    let transportable = Context {
        base: SnapshotContext::VSS_CTX_BACKUP,
        modifiers: Attributes::TRANSPORTABLE,
    }
    .raw();
    // The system provider alone makes neither plex nor transportable copies.
    let system_only = Vss::builder().build();
    for context in [plex, transportable] {
        let mut bc = started(&system_only, context);
        assert_eq!(
            add(&mut bc, "C:\\", ProviderId::NULL),
            Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED)
        );
        bc.call_ok(Call::Release).unwrap();
    }
    // A hardware provider that takes the volume does.
    let vss = machine();
    let mut bc = started(&vss, transportable);
    add(&mut bc, "D:\\", ProviderId::NULL).unwrap();
    assert_eq!(
        add(&mut bc, "C:\\", ProviderId::NULL),
        Err(Hresult::VSS_E_VOLUME_NOT_SUPPORTED)
    );
    bc.call_ok(Call::Release).unwrap();
    assert_oracle_clean(&vss);
    assert_oracle_clean(&system_only);
}

#[test]
fn a_scenario_describes_providers_by_kind_and_the_machine_in_its_machine_table() {
    let text = r#"
name = "a SAN provider beside the system provider"
volumes = ['C:\', 'D:\']
providers = [
  { id = "00000000-0000-0000-0000-0000000005a4", name = "SAN provider", kind = "VSS_PROV_HARDWARE", volumes = ['D:\'] },
]
steps = [
  { call = "InitializeForBackup" },
  { call = "SetContext", context = 32, expect = "S_OK" },
  { call = "StartSnapshotSet" },
  { call = "AddToSnapshotSet", volume = 'D:\', expect = "S_OK" },
  { call = "AddToSnapshotSet", volume = 'C:\', expect = "VSS_E_VOLUME_NOT_SUPPORTED" },
  { call = "Release" },
]

[machine]
name = "SQL01.contoso.com"
system_provider = true
"#;
    let scenario = vss_sim::sim::Scenario::from_toml(text, "san.toml").unwrap();
    let outcome = scenario.runner().run();
    assert_eq!(scenario.check(&outcome), Ok(()));
    let bad = text.replace("system_provider = true", "max_client_accessible_copies = 0");
    let err = vss_sim::sim::Scenario::from_toml(&bad, "bad.toml").unwrap_err();
    assert!(err.message.contains("MaxShadowCopies"), "{err}");
}
