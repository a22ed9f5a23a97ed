//! `IsVolumeSupported` (issue 12 part 3, R20, field failure 18): whether a provider — or any
//! provider, for `GUID_NULL` — can shadow-copy a volume; a provider's veto or unexpected error
//! there reaches the requester as Windows reports it (R94).

mod common;

use vss_sim::provider::SoftwareProvider;
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::oracle;
use vss_sim::vocab::{well_known, Call, Hresult, ProviderId, Reply};

fn ask(bc: &mut DynBackupComponents, provider: ProviderId, volume: &str) -> Result<bool, Hresult> {
    match bc.call(Call::IsVolumeSupported {
        provider,
        volume: volume.into(),
    })? {
        Reply::Supported(supported) => Ok(supported),
        other => panic!("IsVolumeSupported replied {other:?}"),
    }
}

fn initialized(vss: &Vss) -> DynBackupComponents {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc
}

const OTHER: ProviderId = ProviderId::from_u128(0x0b5e_55ed);

/// C:\ and D:\; the system provider, and a hardware-like provider that only takes D:\.
fn machine() -> Vss {
    Vss::builder()
        .volume("C:\\")
        .volume("D:\\")
        .provider(SoftwareProvider::system())
        .provider(SoftwareProvider::new(OTHER, "SAN provider").with_volumes(["D:\\"]))
        .build()
}

#[test]
fn r20_any_provider_for_guid_null_the_named_one_otherwise() {
    let vss = machine();
    let mut bc = initialized(&vss);
    assert_eq!(ask(&mut bc, ProviderId::NULL, "C:\\"), Ok(true));
    assert_eq!(ask(&mut bc, OTHER, "C:\\"), Ok(false));
    assert_eq!(ask(&mut bc, OTHER, "D:\\"), Ok(true));
    assert_eq!(ask(&mut bc, well_known::SYSTEM_PROVIDER, "D:\\"), Ok(true));
    bc.call_ok(Call::Release).unwrap();
    oracle::check(&vss.trace()).assert_clean();
}

#[test]
fn r20_errors_an_unknown_volume_an_unknown_provider_and_an_uninitialized_object() {
    let vss = machine();
    let mut fresh = vss.dynamic();
    assert_eq!(
        ask(&mut fresh, ProviderId::NULL, "C:\\"),
        Err(Hresult::VSS_E_BAD_STATE)
    );
    let mut bc = initialized(&vss);
    assert_eq!(
        ask(&mut bc, ProviderId::NULL, "Q:\\"),
        Err(Hresult::VSS_E_OBJECT_NOT_FOUND)
    );
    assert_eq!(
        ask(&mut bc, ProviderId::from_u128(0xdead), "C:\\"),
        Err(Hresult::VSS_E_PROVIDER_NOT_REGISTERED)
    );
    bc.call_ok(Call::Release).unwrap();
}

#[test]
fn field_failure_18_a_provider_error_at_is_volume_supported_reaches_the_requester() {
    // duplicati #1248: VssUnexpectedProviderErrorException from IsVolumeSupported. A provider
    // code outside R94's list becomes VSS_E_UNEXPECTED_PROVIDER_ERROR; a veto stays a veto.
    for (answer, seen) in [
        (Hresult::E_FAIL, Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR),
        (Hresult::VSS_E_PROVIDER_VETO, Hresult::VSS_E_PROVIDER_VETO),
    ] {
        let vss = Vss::builder()
            .provider(SoftwareProvider::system().volume_query_result(answer))
            .build();
        let mut bc = initialized(&vss);
        assert_eq!(
            ask(&mut bc, ProviderId::NULL, "C:\\"),
            Err(seen),
            "{answer}"
        );
        bc.call_ok(Call::Release).unwrap();
        oracle::check(&vss.trace()).assert_clean();
    }
}
