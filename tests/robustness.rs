//! User code and odd configurations cannot break a run (design principles 5 and 7).

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use vss_sim::coordinator::Limits;
use vss_sim::provider::{Provider, ProviderContext, SoftwareProvider};
use vss_sim::requester::{DynBackupComponents, Vss};
use vss_sim::trace::{ProviderStep, TraceEvent};
use vss_sim::vocab::{
    Call, Hresult, Policies, ProviderId, SnapshotSetId, WriterEvent as E, WriterFailureResult,
};
use vss_sim::writer::{HandlerContext, Reaction, ScriptedWriter, Writer, WriterMetadata};

#[test]
fn q4_fail_with_a_success_code_is_still_a_failure() {
    for code in [Hresult::VSS_S_ASYNC_PENDING, Hresult::S_OK] {
        let policies = Policies {
            writer_failure_result: WriterFailureResult::FailWith(code),
            ..Policies::default()
        };
        let vetoing = ScriptedWriter::new("W0").on(
            E::PrepareForSnapshot,
            Reaction::veto(vss_sim::vocab::WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
        );
        let vss = builder(vec![vetoing])
            .policies(policies)
            .limits(Limits {
                max_steps: 10_000,
                ..Limits::default()
            })
            .build();
        let mut bc = prepared(&vss);
        let op = start(&mut bc, Call::DoSnapshotSet);
        assert_eq!(wait(&mut bc, op), Hresult::VSS_E_UNEXPECTED, "{code}");
        let completions = vss
            .trace()
            .records()
            .iter()
            .filter(|r| matches!(r.event, TraceEvent::AsyncCompleted { .. }))
            .count();
        assert_eq!(completions, 3, "each operation completes once");
        bc.call_ok(Call::AbortBackup).unwrap();
    }
}

/// Drops the requester object it was handed while handling Identify.
struct Dropper(Rc<RefCell<Option<DynBackupComponents>>>);

impl Writer for Dropper {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.add_component(vss_sim::vocab::ComponentType::VSS_CT_DATABASE, None, "db");
        drop(self.0.borrow_mut().take());
        true
    }
    fn on_prepare_snapshot(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_backup_shutdown(&mut self, _: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        true
    }
}

#[test]
fn r32_a_requester_object_dropped_inside_a_handler_is_still_released() {
    let slot = Rc::new(RefCell::new(None));
    let vss = Vss::builder()
        .writer(
            config(0, "Dropper", Default::default()),
            Dropper(slot.clone()),
        )
        .build();
    let mut b = vss.dynamic();
    b.call_ok(Call::InitializeForBackup).unwrap();
    b.call_ok(Call::StartSnapshotSet).unwrap();
    *slot.borrow_mut() = Some(b);
    let mut a = vss.dynamic();
    a.call_ok(Call::InitializeForBackup).unwrap();
    a.call_and_wait(Call::GatherWriterMetadata).unwrap(); // the writer drops B meanwhile
                                                          // B was released when the handler returned: its set no longer blocks A (R15).
    a.call_ok(Call::StartSnapshotSet).unwrap();
    assert!(vss.trace().records().iter().any(|r| matches!(
        &r.event,
        TraceEvent::Called {
            session: S0,
            call: Call::Release,
            ..
        }
    )));
}

#[test]
fn deadlines_saturate_instead_of_overflowing() {
    let vss = builder(plain_writers(1))
        .limits(Limits {
            max_virtual_ms: u64::MAX,
            ..Limits::default()
        })
        .build();
    let mut bc = prepared(&vss);
    vss.advance_ms(u64::MAX - 5);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
}

/// A provider that panics at one step.
struct Panicky(SoftwareProvider);

impl Provider for Panicky {
    fn id(&self) -> ProviderId {
        self.0.id()
    }
    fn name(&self) -> &str {
        self.0.name()
    }
    fn supports_volume(&self, volume: &str) -> bool {
        self.0.supports_volume(volume)
    }
    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        volume: Option<&str>,
    ) -> Hresult {
        assert_ne!(step, ProviderStep::PreCommitSnapshots, "provider bug");
        self.0.step(ctx, step, set, volume)
    }
}

#[test]
fn a_panicking_provider_is_a_provider_error_not_a_crash() {
    let vss = builder(plain_writers(1))
        .provider(Panicky(SoftwareProvider::system()))
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR); // R94
    bc.call_ok(Call::AbortBackup).unwrap();
    drop(bc);
    assert_clean(&vss);
}

#[test]
fn the_dynamic_core_answers_an_unknown_session_with_e_invalidarg() {
    let mut core = vss_sim::coordinator::Coordinator::builder().build();
    let ghost = vss_sim::trace::SessionNo(7);
    assert_eq!(
        core.call(ghost, Call::InitializeForBackup),
        Err(Hresult::E_INVALIDARG)
    );
    assert_eq!(core.call(ghost, Call::Release), Err(Hresult::E_INVALIDARG));
    assert!(core
        .trace()
        .records()
        .iter()
        .all(|r| !matches!(r.event, TraceEvent::Called { .. })));
}
