//! Injected faults and handlers that take time (issue 11): a fault laid over a writer or a provider
//! that waits still decides the call's result when the wait ends, and a fault can itself wait
//! (for time, a signal, or whichever comes first) like a scripted reaction. Each run is also judged
//! by the oracle.

mod common;

use common::*;
use vss_sim::provider::{SoftwareProvider, StepWait};
use vss_sim::requester::Vss;
use vss_sim::sim::{
    FaultCatalogue, FaultInjector, FaultyProvider, FaultyWriter, ProviderFault, SharedChooser,
};
use vss_sim::trace::{SessionNo, TraceEvent, WriterNo};
use vss_sim::vocab::{
    ApplicationLevel, Call, Hresult, ProviderStep, Wait, WaitEnd, WriterEvent as E, WriterFailure,
    WriterState,
};
use vss_sim::writer::{Outcome, Reaction, ScriptedWriter};

const S0: SessionNo = SessionNo(0);
const W0: WriterNo = WriterNo(0);

/// An injector that fires every fault its catalogue lists (always option 1).
fn always(catalogue: FaultCatalogue) -> FaultInjector {
    FaultInjector::new(
        catalogue,
        SharedChooser::new(|_, options: usize| usize::from(options > 1)),
    )
}

/// A machine with `writer` wrapped so it shows `fault` at `event`.
fn faulty_writer(writer: ScriptedWriter, event: E, fault: Reaction) -> Vss {
    let mut catalogue = FaultCatalogue::none();
    catalogue.writer.insert(event, vec![fault]);
    let config = config(0, "W0", ApplicationLevel::VSS_APP_FRONT_END);
    Vss::builder()
        .writer(
            config,
            FaultyWriter::new(Box::new(writer), 0, always(catalogue)),
        )
        .build()
}

/// A machine with one plain writer and `provider` wrapped so it shows `fault` at `step`.
fn faulty_provider(provider: SoftwareProvider, step: ProviderStep, fault: ProviderFault) -> Vss {
    let mut catalogue = FaultCatalogue::none();
    catalogue.provider.insert(step, vec![fault]);
    builder(plain_writers(1))
        .provider(FaultyProvider::new(
            Box::new(provider),
            0,
            always(catalogue),
        ))
        .build()
}

/// The backup tool abandons the backup (R52, R54), and the oracle finds the run clean.
fn abort_and_release(vss: &Vss, mut bc: vss_sim::requester::DynBackupComponents) {
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_clean(vss);
}

/// When `writer`'s handler of `event` returned.
fn returned_at(vss: &Vss, event: E) -> Option<u64> {
    vss.trace()
        .records()
        .iter()
        .find_map(|record| match &record.event {
            TraceEvent::Handled {
                writer, event: e, ..
            } if *writer == W0 && *e == event => Some(record.at_ms),
            _ => None,
        })
}

#[test]
fn r65_a_fatal_fault_over_a_freeze_that_waits_is_the_freezes_result() {
    // The writer's own OnFreeze waits 2 s and would succeed; the injected fault makes it fail
    // fatally. The continuation decides the call, so the fault's result must come from it.
    let writer = ScriptedWriter::new("W0").on(E::Freeze, Reaction::waiting(Wait::ms(2_000)));
    let fault = Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_NONRETRYABLE);
    let vss = faulty_writer(writer, E::Freeze, fault);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait(&mut bc, op);
    assert_eq!(returned_at(&vss, E::Freeze), Some(2_000));
    assert_eq!(
        state(&vss, S0, 0),
        (
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_NONRETRYABLE
        )
    );
    abort_and_release(&vss, bc);
}

fn waiting_fault() -> Reaction {
    Reaction::waiting(Wait::signal("go").or_ms(5_000))
        .setting("busy")
        .on_timeout(Outcome::Veto(WriterFailure::VSS_E_WRITERERROR_TIMEOUT))
}

#[test]
fn r65_a_fault_that_waits_holds_the_handler_and_vetoes_when_it_times_out() {
    let vss = faulty_writer(
        ScriptedWriter::new("W0"),
        E::PrepareForSnapshot,
        waiting_fault(),
    );
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    // The fault's signal is set when the handler starts to wait.
    assert_eq!(vss.wait_signal("busy", Some(0)), Ok(WaitEnd::Signalled));
    wait(&mut bc, op);
    assert_eq!(returned_at(&vss, E::PrepareForSnapshot), Some(5_000));
    assert_eq!(
        state(&vss, S0, 0),
        (
            WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
            Hresult::VSS_E_WRITERERROR_TIMEOUT
        )
    );
    abort_and_release(&vss, bc);
}

#[test]
fn a_fault_that_waits_goes_on_as_the_writer_when_its_signal_comes() {
    let vss = faulty_writer(
        ScriptedWriter::new("W0"),
        E::PrepareForSnapshot,
        waiting_fault(),
    );
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    vss.advance_ms(1_000);
    vss.set_signal("go");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(returned_at(&vss, E::PrepareForSnapshot), Some(1_000));
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn a_fault_over_a_writer_that_waits_waits_after_the_writer() {
    // Both wait: the writer's own 2 s first (it still handles the event), then the fault's 3 s.
    let writer = ScriptedWriter::new("W0").on(E::Thaw, Reaction::waiting(Wait::ms(2_000)));
    let fault = Reaction::waiting(Wait::ms(3_000)).on_timeout(Outcome::Fatal(Some(
        WriterFailure::VSS_E_WRITERERROR_RETRYABLE,
    )));
    let vss = faulty_writer(writer, E::Thaw, fault);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait(&mut bc, op);
    assert_eq!(returned_at(&vss, E::Thaw), Some(5_000));
    assert_eq!(
        state(&vss, S0, 0),
        (
            WriterState::VSS_WS_FAILED_AT_THAW,
            Hresult::VSS_E_WRITERERROR_RETRYABLE
        )
    );
    abort_and_release(&vss, bc);
}

fn holding_provider() -> SoftwareProvider {
    SoftwareProvider::system().with_wait(
        ProviderStep::CommitSnapshots,
        StepWait::new(Wait::signal("thaw").or_ms(60_000)).setting("frozen"),
    )
}

#[test]
fn r94_a_failing_fault_over_a_commit_that_waits_is_the_commits_result() {
    let fault = ProviderFault {
        result: Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
        ..ProviderFault::default()
    };
    let vss = faulty_provider(holding_provider(), ProviderStep::CommitSnapshots, fault);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(vss.wait_signal("frozen", None), Ok(WaitEnd::Signalled));
    vss.advance_ms(1_000);
    vss.set_signal("thaw");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
    abort_and_release(&vss, bc);
}

#[test]
fn r89_a_provider_fault_that_waits_past_10_s_times_the_hold_out() {
    let fault = ProviderFault {
        wait: Some(Wait::signal("thaw").or_ms(11_000)),
        set_signal: Some("frozen".into()),
        ..ProviderFault::default()
    };
    let vss = faulty_provider(
        SoftwareProvider::system(),
        ProviderStep::CommitSnapshots,
        fault,
    );
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(vss.wait_signal("frozen", None), Ok(WaitEnd::Signalled));
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_HOLD_WRITES_TIMEOUT);
    abort_and_release(&vss, bc);
}

#[test]
fn a_provider_fault_that_waits_returns_its_on_timeout_result() {
    let fault = ProviderFault {
        wait: Some(Wait::signal("never").or_ms(2_000)),
        on_timeout: Some(Hresult::VSS_E_INSUFFICIENT_STORAGE),
        ..ProviderFault::default()
    };
    let vss = faulty_provider(
        SoftwareProvider::system(),
        ProviderStep::EndPrepareSnapshots,
        fault,
    );
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_INSUFFICIENT_STORAGE);
    assert_eq!(events(&vss.trace(), S0, W0).last(), Some(&E::Abort));
    abort_and_release(&vss, bc);
}
