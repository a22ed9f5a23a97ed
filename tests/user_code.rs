//! Every entry point into user code goes through the guard (`vss_sim::guard`): writers,
//! providers, choosers, deciders, probes, writer factories, requester code and run factories
//! panic here with a payload whose own `Drop` panics again, and nothing escapes.
//!
//! `every_user_trait_method_is_exercised_here` reads the user-facing traits from the sources, so
//! a method added to one of them fails this file until a test here panics from it.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Once;

use common::*;
use vss_sim::coordinator::{ChoicePoint, Chooser};
use vss_sim::provider::{Provider, ProviderContext, SoftwareProvider};
use vss_sim::requester::Vss;
use vss_sim::sim::{
    canonical_backup, Decision, Explorer, FaultCatalogue, Scenario, SharedChooser, WriterSpec,
};
use vss_sim::testkit::{Claim, Issue, RequesterCheck, WriterConformance};
use vss_sim::trace::{Trace, TraceEvent, UserCode};
use vss_sim::vocab::{
    Call, ComponentType, Hresult, ProviderId, ProviderStep, SnapshotSetId, Wait, WaitEnd,
    WriterEvent,
};
use vss_sim::writer::{HandlerContext, ScriptedWriter, Writer, WriterConfig, WriterMetadata};

/// A panic payload whose `Drop` panics again: what escapes a naive `catch_unwind`.
struct Bomb;

impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("the payload's drop panicked too");
    }
}

fn explode() -> ! {
    std::panic::panic_any(Bomb)
}

/// The intended panics (bombs and their drops) would flood the output; the others still print.
fn quiet() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let intended = payload.is::<Bomb>()
                || payload
                    .downcast_ref::<&str>()
                    .is_some_and(|m| m.contains("drop panicked"));
            if !intended {
                previous(info);
            }
        }));
    });
}

/// A writer that panics in the handler for `at` (and in its own `Drop`), and behaves otherwise.
struct BombWriter {
    at: WriterEvent,
}

impl BombWriter {
    fn handle(&self, ctx: &mut HandlerContext<'_>) -> bool {
        if ctx.event() == self.at {
            explode();
        }
        true
    }
}

/// A writer whose `at` handler waits 10 ms and whose continuation panics.
struct BombAfterWait {
    at: WriterEvent,
}

impl Writer for BombAfterWait {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "db");
        self.on_prepare_backup(ctx)
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        if ctx.event() == self.at {
            return ctx.wait(Wait::ms(10));
        }
        true
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.on_prepare_backup(ctx)
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.on_prepare_backup(ctx)
    }
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.on_prepare_backup(ctx)
    }
    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.on_prepare_backup(ctx)
    }
    fn on_wait_ended(&mut self, _: &mut HandlerContext<'_>, _: WaitEnd) -> bool {
        explode()
    }
}

impl Drop for BombWriter {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("the writer's drop panicked");
        }
    }
}

impl Writer for BombWriter {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "db");
        self.handle(ctx)
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_backup_shutdown(&mut self, ctx: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.handle(ctx)
    }
    fn on_pre_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
    fn on_post_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.handle(ctx)
    }
}

/// Which of a provider's methods panic.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ProviderBomb {
    Id,
    Name,
    SupportsVolume,
    Info,
    VolumeQuery,
    Step,
    WaitEnded,
}

/// A provider that panics in one method (and in its own `Drop`).
struct BombProvider {
    at: ProviderBomb,
    inner: SoftwareProvider,
}

impl Drop for BombProvider {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("the provider's drop panicked");
        }
    }
}

impl Provider for BombProvider {
    fn id(&self) -> ProviderId {
        if self.at == ProviderBomb::Id {
            explode();
        }
        self.inner.id()
    }
    fn name(&self) -> &str {
        if self.at == ProviderBomb::Name {
            explode();
        }
        self.inner.name()
    }
    fn supports_volume(&self, volume: &str) -> bool {
        if self.at == ProviderBomb::SupportsVolume {
            explode();
        }
        self.inner.supports_volume(volume)
    }
    fn info(&self) -> vss_sim::provider::ProviderInfo {
        if self.at == ProviderBomb::Info {
            explode();
        }
        self.inner.info()
    }
    fn is_volume_supported(&mut self, volume: &str) -> Result<bool, Hresult> {
        if self.at == ProviderBomb::VolumeQuery {
            explode();
        }
        self.inner.is_volume_supported(volume)
    }
    fn step(
        &mut self,
        ctx: &mut ProviderContext,
        step: ProviderStep,
        set: SnapshotSetId,
        volume: Option<&str>,
    ) -> Hresult {
        if self.at == ProviderBomb::Step && step == ProviderStep::CommitSnapshots {
            explode();
        }
        if self.at == ProviderBomb::WaitEnded && step == ProviderStep::CommitSnapshots {
            return ctx.wait(Wait::ms(10));
        }
        self.inner.step(ctx, step, set, volume)
    }
    fn on_wait_ended(
        &mut self,
        _: &mut ProviderContext,
        _: ProviderStep,
        _: SnapshotSetId,
        _: WaitEnd,
    ) -> Hresult {
        explode()
    }
}

/// A chooser that panics at every choice point.
struct BombChooser;

impl Chooser for BombChooser {
    fn choose(&mut self, _: ChoicePoint, _: usize) -> usize {
        explode()
    }
}

/// A whole backup (R40), then a second one whose DoSnapshotSet is aborted, then release, then a
/// restore of the first one (R78): every writer event the coordinator raises. The calls'
/// results do not matter here.
fn backup_then_abort(vss: &Vss) {
    let mut saved = String::new();
    for abort in [false, true] {
        let mut bc = vss.dynamic();
        let _ = bc.call(Call::InitializeForBackup);
        let _ = bc.call(Call::SetBackupState(Default::default()));
        let _ = bc.call_and_wait(Call::GatherWriterMetadata);
        let _ = bc.select_all_components();
        let _ = bc.call(Call::StartSnapshotSet);
        let _ = bc.call(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        });
        let _ = bc.call_and_wait(Call::PrepareForBackup);
        if abort {
            let _ = bc.call(Call::AbortBackup);
        } else {
            let _ = bc.call_and_wait(Call::DoSnapshotSet);
            saved = bc.save_as_xml().unwrap_or_default();
            let _ = bc.call_and_wait(Call::BackupComplete);
        }
        let _ = bc.call(Call::Release);
    }
    let mut bc = vss.dynamic();
    let _ = bc.call(Call::InitializeForRestore { bcd: saved });
    let _ = bc.call_and_wait(Call::GatherWriterMetadata);
    for entry in bc.writer_components().unwrap_or_default() {
        for component in &entry.components {
            let _ = bc.call(Call::SetSelectedForRestore {
                component: entry.key(component),
                selected: true,
            });
        }
    }
    let _ = bc.call_and_wait(Call::PreRestore);
    let _ = bc.call_and_wait(Call::PostRestore);
    let _ = bc.call(Call::Release);
}

fn panicked_handlers(trace: &Trace) -> BTreeSet<WriterEvent> {
    trace
        .records()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::Handled {
                event,
                panicked: true,
                ..
            } => Some(event),
            _ => None,
        })
        .collect()
}

fn user_code_panics(trace: &Trace) -> Vec<UserCode> {
    trace
        .records()
        .iter()
        .filter_map(|r| match &r.event {
            TraceEvent::UserCodePanicked { code, message } => {
                assert!(!message.is_empty());
                Some(*code)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_writer_panicking_in_any_handler_with_a_bomb_payload_breaks_nothing() {
    quiet();
    let raised = [
        WriterEvent::Identify,
        WriterEvent::PrepareForBackup,
        WriterEvent::PrepareForSnapshot,
        WriterEvent::Freeze,
        WriterEvent::Thaw,
        WriterEvent::PostSnapshot,
        WriterEvent::Abort,
        WriterEvent::BackupComplete,
        WriterEvent::BackupShutdown,
        WriterEvent::PreRestore,
        WriterEvent::PostRestore,
    ];
    for at in raised {
        let vss = Vss::builder()
            .writer(config(0, "Bomb", Default::default()), BombWriter { at })
            .writer(
                config(1, "Plain", Default::default()),
                ScriptedWriter::new("Plain"),
            )
            .build();
        backup_then_abort(&vss);
        let trace = vss.trace();
        assert_eq!(panicked_handlers(&trace), BTreeSet::from([at]), "{at}");
        drop(vss); // the writer's own Drop panics: contained too
    }
}

#[test]
fn a_writer_panicking_after_its_wait_breaks_nothing() {
    quiet();
    for at in [
        WriterEvent::Identify,
        WriterEvent::PrepareForBackup,
        WriterEvent::PrepareForSnapshot,
        WriterEvent::Freeze,
        WriterEvent::Thaw,
        WriterEvent::Abort,
    ] {
        let vss = Vss::builder()
            .writer(config(0, "Bomb", Default::default()), BombAfterWait { at })
            .writer(
                config(1, "Plain", Default::default()),
                ScriptedWriter::new("Plain"),
            )
            .build();
        backup_then_abort(&vss);
        vss.settle();
        let trace = vss.trace();
        assert_eq!(panicked_handlers(&trace), BTreeSet::from([at]), "{at}");
        let report = vss_sim::trace::oracle::check(&trace);
        assert!(report.engine_violations().is_empty(), "{at}: {report}");
    }
}

#[test]
fn a_provider_panicking_in_any_method_with_a_bomb_payload_breaks_nothing() {
    quiet();
    for (at, expected) in [
        (
            ProviderBomb::Id,
            Some(UserCode::ProviderId(vss_sim::trace::ProviderNo(0))),
        ),
        (
            ProviderBomb::Name,
            Some(UserCode::ProviderName(vss_sim::trace::ProviderNo(0))),
        ),
        (
            ProviderBomb::SupportsVolume,
            Some(UserCode::SupportsVolume(vss_sim::trace::ProviderNo(0))),
        ),
        (
            ProviderBomb::Info,
            Some(UserCode::ProviderInfo(vss_sim::trace::ProviderNo(0))),
        ),
        (ProviderBomb::Step, None),
        (ProviderBomb::WaitEnded, None),
    ] {
        let vss = Vss::builder()
            .writer(
                config(0, "Plain", Default::default()),
                ScriptedWriter::new("Plain"),
            )
            .provider(BombProvider {
                at,
                inner: SoftwareProvider::system(),
            })
            // A software provider is asked first (R85); it declines C:\, so the bomb is asked.
            .provider(
                SoftwareProvider::new(ProviderId::from_u128(7), "Second").with_volumes(["D:\\"]),
            )
            .build();
        backup_then_abort(&vss);
        let trace = vss.trace();
        let codes = user_code_panics(&trace);
        match expected {
            Some(code) => assert!(codes.contains(&code), "{codes:?}"),
            // A step's panic is the provider's error (R94).
            None => assert!(trace.records().iter().any(|r| matches!(
                r.event,
                TraceEvent::ProviderCalled {
                    hr: Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
                    ..
                }
            ))),
        }
        drop(vss);
    }
}

#[test]
fn a_panicking_chooser_takes_the_first_option_and_is_recorded() {
    quiet();
    let vss = builder(plain_writers(3)).chooser(BombChooser).build();
    backup_then_abort(&vss);
    let codes = user_code_panics(&vss.trace());
    assert!(codes.contains(&UserCode::Chooser), "{codes:?}");
}

/// A three-writer scenario with the standard faults.
fn faulty_scenario() -> Scenario {
    Scenario {
        name: "user code".into(),
        description: String::new(),
        policies: Default::default(),
        writers: (0..3).map(|i| WriterSpec::new(format!("W{i}"))).collect(),
        providers: Vec::new(),
        volumes: Vec::new(),
        os: Default::default(),
        machine: Default::default(),
        faults: FaultCatalogue::standard(),
        steps: canonical_backup(0),
        choices: Vec::new(),
        expect: Default::default(),
    }
}

#[test]
fn a_panicking_decider_injects_no_fault_and_is_recorded() {
    quiet();
    let decider = |_: Decision, _: usize| -> usize { explode() };
    let outcome = faulty_scenario()
        .runner()
        .chooser(SharedChooser::new(decider))
        .run();
    let codes = user_code_panics(&outcome.trace);
    assert!(codes.contains(&UserCode::Decider), "{codes:?}");
}

#[test]
fn a_panicking_run_factory_stops_the_exploration_and_says_why() {
    quiet();
    let exploration = Explorer::new(|_: SharedChooser| -> Trace { explode() }).run();
    let panic = exploration.factory_panic.expect("the panic is reported");
    assert!(panic.message().contains("not a string"), "{panic}");
    let swarm = vss_sim::sim::swarm(
        |_: SharedChooser| -> Trace { explode() },
        0..3,
        Default::default(),
    );
    assert!(swarm.factory_panic.is_some());
}

/// A writer for the test kit: the plain scripted writer.
fn kit_writer() -> ScriptedWriter {
    ScriptedWriter::new("WriterUnderTest")
}

#[test]
fn a_panicking_probe_is_a_test_error_not_the_writers_fault() {
    quiet();
    let report = WriterConformance::new(kit_writer)
        .probe("bomb", |_: &ScriptedWriter| -> bool { explode() })
        .run();
    assert!(report.findings.is_empty(), "{report}");
    assert!(
        report
            .test_errors
            .iter()
            .any(|e| e.contains("probe `bomb`")),
        "{report}"
    );
    assert!(!report.is_ok());
}

#[test]
fn a_panicking_writer_factory_is_a_test_error() {
    quiet();
    let report = WriterConformance::new(|| -> ScriptedWriter { explode() }).run();
    assert!(report.findings.is_empty(), "{report}");
    assert!(
        report.test_errors.iter().any(|e| e.contains("factory")),
        "{report}"
    );
}

#[test]
fn a_writer_dropping_a_bomb_in_the_test_kit_breaks_nothing() {
    quiet();
    let report = WriterConformance::new(|| BombWriter {
        at: WriterEvent::PostRestore,
    })
    .config(WriterConfig::new(class_id(0), "WriterUnderTest"))
    .run();
    assert!(report.test_errors.is_empty(), "{report}");
}

#[test]
fn requester_code_panicking_with_a_bomb_is_a_finding() {
    quiet();
    let report = RequesterCheck::new(|_: &Vss| -> Claim { explode() }).run();
    assert!(
        report.findings.iter().any(|f| f.issue == Issue::Panicked),
        "{report}"
    );
}

/// The method names of `pub trait <name>` in `file` (relative to the crate root).
fn trait_methods(file: &str, name: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).expect("the source is readable");
    let start = text
        .find(&format!("pub trait {name}"))
        .unwrap_or_else(|| panic!("{file} defines trait {name}"));
    let body = &text[start..];
    let end = body.find("\n}").expect("the trait ends");
    body[..end]
        .split("fn ")
        .skip(1)
        .filter_map(|rest| rest.split(['(', '<']).next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_provider_panicking_in_is_volume_supported_is_an_unexpected_provider_error() {
    // R94: a provider's panic is its error, never a torn-down run.
    let vss = Vss::builder()
        .provider(BombProvider {
            at: ProviderBomb::VolumeQuery,
            inner: SoftwareProvider::system(),
        })
        .build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    let asked = bc.call(Call::IsVolumeSupported {
        provider: ProviderId::NULL,
        volume: "C:\\".into(),
    });
    assert_eq!(asked, Err(Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR));
    bc.call_ok(Call::Release).unwrap();
    let codes = user_code_panics(&vss.trace());
    assert!(
        codes.contains(&UserCode::SupportsVolume(vss_sim::trace::ProviderNo(0))),
        "{codes:?}"
    );
}

#[test]
fn every_user_trait_method_is_exercised_here() {
    let exercised: [(&str, &str, &[&str]); 5] = [
        (
            "src/writer/mod.rs",
            "Writer",
            &[
                // Each raised by `backup_then_abort`.
                "on_identify",
                "on_prepare_backup",
                "on_prepare_snapshot",
                "on_freeze",
                "on_thaw",
                "on_post_snapshot",
                "on_abort",
                "on_backup_complete",
                "on_backup_shutdown",
                "on_pre_restore",
                "on_post_restore",
                // `a_writer_panicking_after_its_wait_breaks_nothing`.
                "on_wait_ended",
            ],
        ),
        (
            "src/provider/mod.rs",
            "Provider",
            // `on_wait_ended`: `ProviderBomb::WaitEnded`.
            // `is_volume_supported`: `a_provider_panicking_in_is_volume_supported_…`.
            &[
                "id",
                "name",
                "supports_volume",
                "info",
                "is_volume_supported",
                "step",
                "on_wait_ended",
            ],
        ),
        ("src/coordinator/chooser.rs", "Chooser", &["choose"]),
        ("src/sim/decision.rs", "Decider", &["decide"]),
        ("src/testkit/probe.rs", "Probe", &["is_running_normally"]),
    ];
    for (file, name, methods) in exercised {
        let declared = trait_methods(file, name);
        let covered: BTreeSet<String> = methods.iter().map(|m| (*m).to_owned()).collect();
        assert_eq!(
            declared, covered,
            "trait {name} ({file}) changed: guard the new method's calls and panic from it in \
             tests/user_code.rs"
        );
    }
}
