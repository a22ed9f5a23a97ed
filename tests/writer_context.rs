//! What a handler may query and report (R66, R68, R69, R70, Q9), virtual time, and panics.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use vss_sim::requester::Vss;
use vss_sim::vocab::Rule;
use vss_sim::vocab::{
    Call, Hresult, Policies, QueryWindow, SnapshotSetId, WriterEvent as E, WriterFailure,
    WriterState as St,
};
use vss_sim::writer::{HandlerContext, Reaction, ScriptedWriter, Writer, WriterMetadata};

type Log = Rc<RefCell<Vec<(E, Result<SnapshotSetId, Hresult>, Result<String, Hresult>)>>>;

/// Asks for the set id and the device name of C:\ in every handler.
struct Curious {
    log: Log,
    identify_failure: Rc<RefCell<Option<Result<(), Hresult>>>>,
}

impl Curious {
    fn ask(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let set = ctx.snapshot_set_id();
        let device = ctx.snapshot_device_name("C:\\");
        self.log.borrow_mut().push((ctx.event(), set, device));
        true
    }
}

impl Writer for Curious {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.add_component(vss_sim::vocab::ComponentType::VSS_CT_DATABASE, None, "db");
        *self.identify_failure.borrow_mut() =
            Some(ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
        true
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.ask(ctx)
    }
    fn on_backup_shutdown(&mut self, ctx: &mut HandlerContext<'_>, _: SnapshotSetId) -> bool {
        self.ask(ctx)
    }
}

fn run(window: QueryWindow) -> (Vss, Log, Option<Result<(), Hresult>>) {
    let log = Log::default();
    let identify = Rc::new(RefCell::new(None));
    let writer = Curious {
        log: log.clone(),
        identify_failure: identify.clone(),
    };
    let vss = Vss::builder()
        .writer(config(0, "Curious", Default::default()), writer)
        .policies(Policies {
            query_window: window,
            ..Policies::default()
        })
        .build();
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    let identify = *identify.borrow();
    (vss, log, identify)
}

#[test]
fn r68_snapshot_set_id_inside_the_window_only() {
    let (vss, log, _) = run(QueryWindow::default());
    let set = vss.trace().snapshot_set(S0).expect("a set was started");
    for (event, got, _) in log.borrow().iter() {
        let inside = matches!(
            event,
            E::PrepareForBackup | E::PrepareForSnapshot | E::Freeze | E::Thaw | E::PostSnapshot
        );
        if inside {
            assert_eq!(*got, Ok(set), "{event:?}");
        } else {
            // R68: not in OnBackupComplete, not to be relied on in OnBackupShutdown.
            assert_eq!(*got, Err(Hresult::VSS_E_BAD_STATE), "{event:?}");
        }
    }
    // The writer asked outside the window: a writer violation, not an engine one (R68).
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    assert!(
        report.violations().iter().any(|v| v.rule == Rule::R68),
        "{report}"
    );
}

#[test]
fn q9_documented_only_window_refuses_prepare_handlers() {
    let (_, log, _) = run(QueryWindow::DocumentedOnly);
    let answers: Vec<(E, bool)> = log
        .borrow()
        .iter()
        .map(|(e, got, _)| (*e, got.is_ok()))
        .collect();
    assert!(answers.contains(&(E::PrepareForSnapshot, false)));
    assert!(answers.contains(&(E::Freeze, true)));
}

#[test]
fn r69_device_name_only_in_post_snapshot() {
    let (_, log, _) = run(QueryWindow::default());
    for (event, _, device) in log.borrow().iter() {
        if *event == E::PostSnapshot {
            assert!(device
                .as_ref()
                .unwrap()
                .contains("HarddiskVolumeShadowCopy"));
        } else {
            assert_eq!(*device, Err(Hresult::VSS_E_BAD_STATE), "{event:?}");
        }
    }
}

#[test]
fn r66_set_writer_failure_is_refused_in_identify() {
    let (vss, _, identify) = run(QueryWindow::default());
    assert_eq!(identify, Some(Err(Hresult::VSS_E_BAD_STATE)));
    let report = vss_sim::trace::oracle::check(&vss.trace());
    assert!(
        report.violations().iter().any(|v| v.rule == Rule::R66),
        "{report}"
    );
}

#[test]
fn a_panicking_handler_is_a_recorded_failure_not_a_crash() {
    let panicking = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::PANIC);
    let vss = machine(vec![panicking, ScriptedWriter::new("W1")]);
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert_eq!(
        state(&vss, S0, 0),
        (
            St::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
            Hresult::VSS_E_WRITER_NOT_RESPONDING
        )
    );
    assert_eq!(state(&vss, S0, 1).0, St::VSS_WS_WAITING_FOR_BACKUP_COMPLETE);
    assert!(vss.trace().records().iter().any(|r| matches!(
        r.event,
        vss_sim::trace::TraceEvent::Handled { panicked: true, .. }
    )));
    bc.call_and_wait(Call::BackupComplete).unwrap();
    drop(bc);
    assert_engine_clean(&vss);
}

#[test]
fn handler_context_echoes_the_backup_state() {
    type Seen = Option<(vss_sim::vocab::BackupType, bool, Option<usize>)>;
    struct Echo(Rc<RefCell<Seen>>);
    impl Writer for Echo {
        fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
            md.add_component(
                vss_sim::vocab::ComponentType::VSS_CT_FILEGROUP,
                Some("logs"),
                "journal",
            );
            true
        }
        fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
            *self.0.borrow_mut() = Some((
                ctx.backup_type(),
                ctx.are_components_selected(),
                ctx.components().map(<[_]>::len),
            ));
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
    }
    let seen = Rc::new(RefCell::new(None));
    let vss = Vss::builder()
        .writer(config(0, "Echo", Default::default()), Echo(seen.clone()))
        .build();
    let mut bc = prepared(&vss);
    bc.call_ok(Call::AbortBackup).unwrap();
    // R12, R48, R70: the writer reads what SetBackupState and AddComponent said.
    assert_eq!(
        *seen.borrow(),
        Some((vss_sim::vocab::BackupType::VSS_BT_FULL, true, Some(1)))
    );
}

/// Records whether each handler's `GetContext` carries `VSS_VOLSNAP_ATTR_AUTORECOVER`.
struct Recovering(Rc<RefCell<Vec<(E, bool)>>>);

impl Recovering {
    fn look(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        let bits = ctx.context().modifiers;
        self.0.borrow_mut().push((
            ctx.event(),
            bits.contains(vss_sim::vocab::Attributes::AUTORECOVER),
        ));
        true
    }
}

impl Writer for Recovering {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.add_component(vss_sim::vocab::ComponentType::VSS_CT_DATABASE, None, "db");
        true
    }
    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.look(ctx)
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.look(ctx)
    }
    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.look(ctx)
    }
    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.look(ctx)
    }
    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.look(ctx)
    }
    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.look(ctx)
    }
}

/// The AUTORECOVER bit each handler of a backup in `context` saw, on `os`.
fn autorecover_seen(context: u32, os: vss_sim::vocab::OsProfile) -> Vec<(E, bool)> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let vss = Vss::builder()
        .os(os)
        .writer(
            config(0, "Recovering", Default::default()),
            Recovering(seen.clone()),
        )
        .build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetContext { context }).unwrap();
    bc.call_ok(Call::SetBackupState(vss_sim::vocab::BackupState::default()))
        .unwrap();
    bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    bc.select_all_components().unwrap();
    bc.call_ok(Call::StartSnapshotSet).unwrap();
    bc.call_ok(Call::AddToSnapshotSet {
        volume: "C:\\".into(),
        provider: vss_sim::vocab::ProviderId::NULL,
    })
    .unwrap();
    bc.call_and_wait(Call::PrepareForBackup).unwrap();
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    drop(bc);
    let seen = seen.borrow().clone();
    seen
}

#[test]
fn r70_get_context_shows_autorecover_once_the_set_is_auto_recovered() {
    use vss_sim::vocab::OsProfile;
    // VSS_CTX_BACKUP: the copies are auto-recovered (VSS_VOLSNAP_ATTR_AUTORECOVER, T7), and
    // OnPostSnapshot is where a writer tests the bit and recovers its data on the copy. The
    // context is definitive from OnPrepareSnapshot on (R70); OnPrepareBackup does not see it.
    let default = autorecover_seen(0, OsProfile::default());
    assert_eq!(
        default,
        [
            (E::PrepareForBackup, false),
            (E::PrepareForSnapshot, true),
            (E::Freeze, true),
            (E::Thaw, true),
            (E::PostSnapshot, true)
        ]
    );
    // NO_AUTORECOVERY: no recovery, no bit; the requester's own bit is what GetContext shows.
    let no_recovery = autorecover_seen(0x02, OsProfile::default());
    assert!(no_recovery.iter().all(|(_, bit)| !bit), "{no_recovery:?}");
    // Server 2008 before SP2 does not honour NO_AUTORECOVERY: the copies are recovered anyway.
    let old = autorecover_seen(0x02, OsProfile::Server2008);
    assert!(old.contains(&(E::PostSnapshot, true)), "{old:?}");
}
