//! Handlers that take time (issue 11): handlers and provider steps that wait for virtual time or
//! named signals, events serialized per writer (SERIAL), VSS's own limits on them, and requester
//! and host code on the same virtual clock. Each test cites the rules it checks; every run is
//! also judged by the oracle.

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use vss_sim::coordinator::{ChoicePoint, Chooser};
use vss_sim::provider::{SoftwareProvider, StepWait};
use vss_sim::requester::Vss;
use vss_sim::trace::{oracle, Trace, TraceEvent, WriterNo};
use vss_sim::vocab::{
    Call, CommitFailureResult, FreezeTimerRace, HandlerTimeout, Hresult, Policies, ProviderStep,
    ShutdownFor, Wait, WaitEnd, WriterEvent as E, WriterFailure, WriterState,
};
use vss_sim::writer::{Outcome, Reaction, ScriptedWriter};

const S0: vss_sim::trace::SessionNo = vss_sim::trace::SessionNo(0);
const W0: WriterNo = WriterNo(0);
const W1: WriterNo = WriterNo(1);

/// When (virtual ms) `writer` received `event` first, and when its handler returned.
fn span(trace: &Trace, writer: WriterNo, event: E) -> (u64, Option<u64>) {
    let mut delivered = None;
    let mut returned = None;
    for record in trace.records() {
        match &record.event {
            TraceEvent::Delivered {
                writer: w,
                event: e,
                ..
            } if *w == writer && *e == event && delivered.is_none() => {
                delivered = Some(record.at_ms);
            }
            TraceEvent::Handled {
                writer: w,
                event: e,
                ..
            } if *w == writer && *e == event && delivered.is_some() && returned.is_none() => {
                returned = Some(record.at_ms);
            }
            _ => {}
        }
    }
    (
        delivered.unwrap_or_else(|| panic!("{event} was never delivered")),
        returned,
    )
}

/// A chooser that answers `pick` at `point` and 0 elsewhere, and remembers where it was asked.
#[derive(Clone, Default)]
struct PickAt {
    point: Option<ChoicePoint>,
    pick: usize,
    asked: Rc<RefCell<Vec<ChoicePoint>>>,
}

impl Chooser for PickAt {
    fn choose(&mut self, point: ChoicePoint, _options: usize) -> usize {
        self.asked.borrow_mut().push(point);
        if Some(point) == self.point {
            self.pick
        } else {
            0
        }
    }
}

fn pick_at(point: ChoicePoint, pick: usize) -> PickAt {
    PickAt {
        point: Some(point),
        pick,
        ..PickAt::default()
    }
}

#[test]
fn r36_r37_a_waiting_handler_leaves_the_operation_pending_and_wait_ms_returns() {
    let writer = ScriptedWriter::new("W0").on(
        E::PrepareForSnapshot,
        Reaction::waiting(Wait::signal("ready")),
    );
    let vss = machine(vec![writer]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    // R36: pending while the handler waits; R37: Wait(ms) returns after ms with it pending.
    assert_eq!(wait_ms(&mut bc, op, 30_000), Hresult::VSS_S_ASYNC_PENDING);
    assert_eq!(vss.now_ms(), 30_000);
    // The requester's code acts as the signal's owner: the handler goes on.
    vss.set_signal("ready");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    let (delivered, returned) = span(&vss.trace(), W0, E::PrepareForSnapshot);
    assert_eq!((delivered, returned), (0, Some(30_000)));
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn serial_an_abort_raised_during_on_freeze_comes_after_it_returns() {
    // SERIAL: the writer handles one event at a time. AbortBackup at 1 000 ms, 4 s into a 5 s
    // OnFreeze: Abort is delivered at 5 000 ms, when OnFreeze returns.
    let writer = ScriptedWriter::new("W0").on(E::Freeze, Reaction::slow(5_000));
    let vss = machine(vec![writer]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc, op, 1_000), Hresult::VSS_S_ASYNC_PENDING);
    bc.call_ok(Call::AbortBackup).unwrap();
    assert!(!events(&vss.trace(), S0, W0).contains(&E::Abort));
    vss.advance_ms(4_000);
    let trace = vss.trace();
    let (_, freeze_returned) = span(&trace, W0, E::Freeze);
    let (abort_delivered, _) = span(&trace, W0, E::Abort);
    assert_eq!(freeze_returned, Some(5_000));
    assert_eq!(abort_delivered, 5_000);
    bc.call_ok(Call::Release).unwrap();
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    assert!(
        report
            .coverage()
            .reached(oracle::Situation::AbortWhileInHandler),
        "{report}"
    );
}

#[test]
fn serial_timestamps_never_overlap_for_one_writer() {
    // SERIAL over a busy backup: two writers with slow handlers and a requester that aborts
    // mid-way. For each writer, each delivery comes after the previous handler returned.
    let slow = |name: &str| {
        ScriptedWriter::new(name)
            .on(E::PrepareForSnapshot, Reaction::slow(700))
            .on(E::Freeze, Reaction::slow(900))
            .on(E::Abort, Reaction::slow(300))
    };
    let vss = machine(vec![slow("W0"), slow("W1")]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait_ms(&mut bc, op, 1_000);
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    vss.settle();
    let trace = vss.trace();
    for writer in [W0, W1] {
        let mut free_at = 0;
        for record in trace.records() {
            match &record.event {
                TraceEvent::Delivered { writer: w, .. } if *w == writer => {
                    assert!(record.at_ms >= free_at, "{writer}: {}", trace.render());
                    free_at = u64::MAX;
                }
                TraceEvent::Handled { writer: w, .. } if *w == writer => free_at = record.at_ms,
                _ => {}
            }
        }
    }
    let report = oracle::check(&trace);
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r76_r99_a_hung_on_freeze_is_ended_by_its_freeze_window() {
    // R99: the window runs from the Freeze; a writer that never returns from OnFreeze is
    // reported FAILED_AT_FREEZE / VSS_E_WRITERERROR_TIMEOUT at 60 s (R76) and the creation goes
    // on without it (Q3 FailingWriter, the default).
    let hung = ScriptedWriter::new("W0").on(E::Freeze, Reaction::waiting(Wait::forever()));
    let vss = machine(vec![hung, ScriptedWriter::new("W1")]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(vss.now_ms(), 60_000);
    assert_eq!(
        state(&vss, S0, 0),
        (
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_TIMEOUT
        )
    );
    assert!(events(&vss.trace(), S0, W1).contains(&E::PostSnapshot));
    // The hung writer's Abort waits behind its handler (SERIAL).
    assert!(!events(&vss.trace(), S0, W0).contains(&E::Abort));
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn a_freeze_that_waits_for_a_signal_with_a_timeout_vetoes_on_timeout() {
    // Writer::on_wait_ended / Reaction::on_timeout: the writer gives up after 2 s and vetoes
    // (R65); a veto at Freeze raises no Abort by default (VetoAtFreezeThaw::NoAbort).
    let writer = ScriptedWriter::new("W0").on(
        E::Freeze,
        Reaction::waiting(Wait::signal("log-thawed").or_ms(2_000))
            .on_timeout(Outcome::Veto(WriterFailure::VSS_E_WRITERERROR_TIMEOUT)),
    );
    let vss = machine(vec![writer]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    wait(&mut bc, op);
    assert_eq!(
        state(&vss, S0, 0),
        (
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_TIMEOUT
        )
    );
    assert_eq!(span(&vss.trace(), W0, E::Freeze).1, Some(2_000));
}

fn holding_provider() -> SoftwareProvider {
    // A pass-through provider: CommitSnapshots reports the hold and waits for the host's thaw,
    // 60 s at most.
    SoftwareProvider::system().with_wait(
        ProviderStep::CommitSnapshots,
        StepWait::new(Wait::signal("thaw").or_ms(60_000)).setting("frozen"),
    )
}

#[test]
fn r89_a_host_that_thaws_in_time_gets_a_shadow_copy() {
    let vss = builder(plain_writers(1))
        .provider(holding_provider())
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    // The host: waits for the hold, snapshots the disks in 3 s, thaws.
    assert_eq!(
        vss.wait_signal("frozen", Some(5_000)),
        Ok(WaitEnd::Signalled)
    );
    vss.advance_ms(3_000);
    vss.set_signal("thaw");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn r89_a_host_that_thaws_after_10_s_fails_the_creation_with_hold_writes_timeout() {
    let vss = builder(plain_writers(1))
        .provider(holding_provider())
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(vss.wait_signal("frozen", None), Ok(WaitEnd::Signalled));
    vss.advance_ms(12_000);
    vss.set_signal("thaw");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_E_HOLD_WRITES_TIMEOUT);
    assert!(events(&vss.trace(), S0, W0).contains(&E::Abort));
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn commit_failure_result_picks_which_error_a_late_failing_commit_reports() {
    // R89 with a provider that also fails when its wait times out: the documentation does not
    // say which error wins (`Policies::commit_failure_result`).
    for (policy, expected) in [
        (
            CommitFailureResult::HoldWritesTimeout,
            Hresult::VSS_E_HOLD_WRITES_TIMEOUT,
        ),
        (
            CommitFailureResult::ProviderError,
            Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
        ),
    ] {
        let provider = SoftwareProvider::system().with_wait(
            ProviderStep::CommitSnapshots,
            StepWait::new(Wait::signal("thaw").or_ms(15_000))
                .on_timeout(Hresult::VSS_E_UNEXPECTED_PROVIDER_ERROR),
        );
        let vss = builder(plain_writers(1))
            .provider(provider)
            .policies(Policies {
                commit_failure_result: policy,
                ..Policies::default()
            })
            .build();
        let mut bc = prepared(&vss);
        let op = start(&mut bc, Call::DoSnapshotSet);
        assert_eq!(wait(&mut bc, op), expected, "{policy:?}");
        bc.call_ok(Call::AbortBackup).unwrap();
        bc.call_ok(Call::Release).unwrap();
        assert_clean(&vss);
    }
}

#[test]
fn handler_timeout_reports_a_hung_writer_not_responding_and_ignores_its_late_return() {
    // `Policies::handler_timeout = ThreeMinutes`: VSS gives up on OnPrepareSnapshot at 180 s;
    // the writer is FAILED_AT_PREPARE_SNAPSHOT / VSS_E_WRITER_NOT_RESPONDING (R75) and the
    // creation goes on without it. Its return at 200 s changes nothing.
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(200_000));
    let vss = machine_with(
        Policies {
            handler_timeout: HandlerTimeout::ThreeMinutes,
            ..Policies::default()
        },
        vec![slow, ScriptedWriter::new("W1")],
    );
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(vss.now_ms(), HandlerTimeout::LIMIT_MS);
    let not_responding = (
        WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
        Hresult::VSS_E_WRITER_NOT_RESPONDING,
    );
    assert_eq!(state(&vss, S0, 0), not_responding);
    vss.advance_ms(30_000);
    assert_eq!(
        span(&vss.trace(), W0, E::PrepareForSnapshot).1,
        Some(200_000)
    );
    assert_eq!(state(&vss, S0, 0), not_responding);
    assert!(!events(&vss.trace(), S0, W0).contains(&E::Freeze));
    bc.call_and_wait(Call::BackupComplete).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    assert!(report
        .coverage()
        .reached(oracle::Situation::HandlerNotResponding));
}

#[test]
fn handler_timeout_never_is_the_default_and_waits_as_long_as_the_writer() {
    assert_eq!(Policies::default().handler_timeout, HandlerTimeout::Never);
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(200_000));
    let vss = machine(vec![slow]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(vss.now_ms(), 200_000);
}

/// A chooser for the wait race: the second option at the `flip`-th `NextOperation` question
/// (the first option at the others), `race` at `WaitRace`.
#[derive(Clone, Default)]
struct RaceChooser {
    flip: usize,
    race: usize,
    asked: Rc<RefCell<Vec<ChoicePoint>>>,
}

impl Chooser for RaceChooser {
    fn choose(&mut self, point: ChoicePoint, _options: usize) -> usize {
        let mut asked = self.asked.borrow_mut();
        let nth = asked
            .iter()
            .filter(|p| **p == ChoicePoint::NextOperation)
            .count();
        asked.push(point);
        match point {
            ChoicePoint::NextOperation => usize::from(nth == self.flip),
            ChoicePoint::WaitRace => self.race,
            _ => 0,
        }
    }
}

/// W0's OnFreeze waits for `go` or 5 s; meanwhile another requester's Identify of W1 takes
/// exactly 5 s and sets `go` when it returns: the signal and the timeout fall on one instant.
/// Whether W0 vetoed (its wait timed out), whether the race was offered, and which order of
/// the tie coverage saw (WAITS).
fn wait_race(flip: usize, race: usize) -> (bool, bool, Option<oracle::Situation>) {
    let w0 = ScriptedWriter::new("W0").on(
        E::Freeze,
        Reaction::waiting(Wait::signal("go").or_ms(5_000))
            .on_timeout(Outcome::Veto(WriterFailure::VSS_E_WRITERERROR_TIMEOUT)),
    );
    let w1 = ScriptedWriter::new("W1").on(E::Identify, Reaction::slow(5_000).setting("go"));
    let chooser = RaceChooser {
        flip,
        race,
        ..RaceChooser::default()
    };
    let asked = chooser.asked.clone();
    let vss = builder(vec![w0, w1]).chooser(chooser).build();
    let mut a = prepared(&vss);
    vss.reset_signal("go"); // set by W1's Identify for `a`
    let op = start(&mut a, Call::DoSnapshotSet);
    let mut b = vss.dynamic();
    b.call_ok(Call::InitializeForBackup).unwrap();
    b.call_ok(Call::DisableWriterClasses {
        classes: vec![class_id(0)],
    })
    .unwrap();
    let gather = start(&mut b, Call::GatherWriterMetadata);
    wait(&mut a, op);
    wait(&mut b, gather);
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    let vetoed = state(&vss, S0, 0).1 == Hresult::VSS_E_WRITERERROR_TIMEOUT;
    let offered = asked.borrow().contains(&ChoicePoint::WaitRace);
    let tie = [
        oracle::Situation::SignalWonTie,
        oracle::Situation::TimeoutWonTie,
    ]
    .into_iter()
    .find(|s| report.coverage().reached(*s));
    (vetoed, offered, tie)
}

#[test]
fn wait_race_a_signal_set_the_instant_a_wait_times_out_is_a_choice_point() {
    // The two due items run in either order (NextOperation). When W1's return comes first, the
    // race itself is a choice point: option 0, the signal won (WAIT_OBJECT_0); option 1, the
    // timeout did (WAIT_TIMEOUT). When W0's timeout comes first, it timed out.
    let flip = (0..40)
        .find(|flip| wait_race(*flip, 0).1)
        .expect("some order offers the race");
    use oracle::Situation::{SignalWonTie, TimeoutWonTie};
    assert_eq!(wait_race(flip, 0), (false, true, Some(SignalWonTie)));
    assert_eq!(wait_race(flip, 1), (true, true, Some(TimeoutWonTie)));
    assert_eq!(wait_race(usize::MAX, 0), (true, false, Some(TimeoutWonTie)));
}

#[test]
fn freeze_timer_race_kb915331_a_thaw_may_miss_the_window_which_fires_later() {
    // Field failure 4, KB915331: Thaw arrives the instant the freeze timer is armed. Under
    // `FreezeTimerRace::Kb915331` the chooser decides whether the timer thread started first;
    // if not, the window fires 60 s later, after a successful backup, and the writer aborts
    // itself and shows FAILED_AT_FREEZE / VSS_E_WRITERERROR_TIMEOUT.
    let policies = Policies {
        freeze_timer_race: FreezeTimerRace::Kb915331,
        ..Policies::default()
    };
    for (pick, missed) in [(0, false), (1, true)] {
        let chooser = pick_at(ChoicePoint::FreezeTimerRace, pick);
        let asked = chooser.asked.clone();
        let vss = builder(plain_writers(1))
            .policies(policies)
            .chooser(chooser)
            .build();
        let mut bc = prepared(&vss);
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        bc.call_and_wait(Call::BackupComplete).unwrap();
        vss.advance_ms(61_000);
        assert!(asked.borrow().contains(&ChoicePoint::FreezeTimerRace));
        let expected = if missed {
            (
                WriterState::VSS_WS_FAILED_AT_FREEZE,
                Hresult::VSS_E_WRITERERROR_TIMEOUT,
            )
        } else {
            (WriterState::VSS_WS_STABLE, Hresult::S_OK)
        };
        assert_eq!(state(&vss, S0, 0), expected, "pick {pick}");
        assert_eq!(
            events(&vss.trace(), S0, W0).contains(&E::Abort),
            missed,
            "pick {pick}"
        );
        bc.call_ok(Call::Release).unwrap();
        let report = oracle::check(&vss.trace());
        assert!(report.engine_violations().is_empty(), "{report}");
        assert_eq!(
            report
                .coverage()
                .reached(oracle::Situation::FreezeWindowMissed),
            missed
        );
    }
}

#[test]
fn freeze_timer_race_fixed_never_asks() {
    let chooser = PickAt::default();
    let asked = chooser.asked.clone();
    let vss = builder(plain_writers(1)).chooser(chooser).build();
    let mut bc = prepared(&vss);
    bc.call_and_wait(Call::DoSnapshotSet).unwrap();
    assert!(!asked.borrow().contains(&ChoicePoint::FreezeTimerRace));
}

#[test]
fn nested_deadlines_host_over_requester_over_vss_each_fire_on_time() {
    // Field failures 3 and 7: the host waits 5 s for "frozen", the requester's own Wait has
    // 20 s, the writer takes 30 s. Each deadline fires at its own virtual time.
    let slow = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(30_000));
    let vss = builder(vec![slow]).provider(holding_provider()).build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(
        vss.wait_signal("frozen", Some(5_000)),
        Ok(WaitEnd::TimedOut)
    );
    assert_eq!(vss.now_ms(), 5_000);
    assert_eq!(wait_ms(&mut bc, op, 15_000), Hresult::VSS_S_ASYNC_PENDING);
    assert_eq!(vss.now_ms(), 20_000);
    assert_eq!(vss.wait_signal("frozen", None), Ok(WaitEnd::Signalled));
    assert_eq!(vss.now_ms(), 30_000);
    vss.set_signal("thaw");
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_FINISHED);
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn signals_are_manual_reset_and_shared_by_name() {
    // Like a named manual-reset Win32 event: set stays set until reset; a second waiter sees it.
    let vss = Vss::builder().build();
    vss.set_signal("go");
    assert_eq!(vss.wait_signal("go", Some(0)), Ok(WaitEnd::Signalled));
    assert_eq!(vss.wait_signal("go", None), Ok(WaitEnd::Signalled));
    vss.reset_signal("go");
    assert_eq!(vss.wait_signal("go", Some(1_000)), Ok(WaitEnd::TimedOut));
    assert_eq!(vss.now_ms(), 1_000);
}

#[test]
fn a_host_wait_for_a_signal_nobody_sets_reports_the_bound_not_a_hang() {
    // BOUND: without a timeout the host's wait ends at the run's time bound, reported.
    let vss = Vss::builder()
        .limits(vss_sim::coordinator::Limits {
            max_virtual_ms: 10_000,
            ..Default::default()
        })
        .build();
    assert!(vss.wait_signal("never", None).is_err());
    assert_eq!(vss.now_ms(), 10_000);
}

/// A second requester on `vss`, initialized, its GatherWriterMetadata started.
fn second_gather(
    vss: &Vss,
) -> (
    vss_sim::requester::DynBackupComponents,
    vss_sim::vocab::OpNo,
) {
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    bc.call_ok(Call::SetBackupState(Default::default()))
        .unwrap();
    let op = start(&mut bc, Call::GatherWriterMetadata);
    (bc, op)
}

const S1: vss_sim::trace::SessionNo = vss_sim::trace::SessionNo(1);

#[test]
fn serial_a_second_backups_identify_waits_behind_the_first_backups_handler() {
    // SERIAL across sessions: W0 is inside the first backup's OnPrepareSnapshot; the second
    // requester's OnIdentify waits for it to return.
    let writer =
        ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::waiting(Wait::signal("go")));
    let vss = machine(vec![writer]);
    let mut bc0 = prepared(&vss);
    let op0 = start(&mut bc0, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc0, op0, 1_000), Hresult::VSS_S_ASYNC_PENDING);
    let (mut bc1, op1) = second_gather(&vss);
    assert_eq!(wait_ms(&mut bc1, op1, 5_000), Hresult::VSS_S_ASYNC_PENDING);
    vss.set_signal("go");
    assert_eq!(wait(&mut bc1, op1), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(
        events(&vss.trace(), S1, W0),
        vec![E::Identify],
        "delivered once the first backup's handler returned"
    );
    assert_eq!(wait(&mut bc0, op0), Hresult::VSS_S_ASYNC_FINISHED);
    bc0.call_and_wait(Call::BackupComplete).unwrap();
    bc0.call_ok(Call::Release).unwrap();
    bc1.call_ok(Call::Release).unwrap();
    assert_clean(&vss);
}

#[test]
fn bound_an_operation_queued_behind_another_backups_hung_handler_blames_the_writer() {
    // BOUND with `HandlerTimeout::Never`: the second requester's GatherWriterMetadata waits for
    // ever behind the first backup's hung OnPrepareSnapshot. The hang is the writer's, whichever
    // session's handler holds it.
    let writer =
        ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::waiting(Wait::forever()));
    let vss = builder(vec![writer])
        .limits(vss_sim::coordinator::Limits {
            max_virtual_ms: 60_000,
            ..Default::default()
        })
        .build();
    let mut bc0 = prepared(&vss);
    let op0 = start(&mut bc0, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc0, op0, 1_000), Hresult::VSS_S_ASYNC_PENDING);
    let (mut bc1, op1) = second_gather(&vss);
    let _ = bc1.call(Call::Wait {
        op: op1,
        timeout_ms: None,
    });
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    assert!(
        report.to_string().contains("W0") && report.to_string().contains("never returns"),
        "{report}"
    );
}

#[test]
fn handler_timeout_an_event_queued_behind_a_hung_handler_gets_its_own_deadline() {
    // `HandlerTimeout::ThreeMinutes` counts from when VSS sends each event: OnIdentify sent at
    // 10 s behind a hung OnPrepareSnapshot (sent at 0) is given up at 190 s; one sent at 200 s,
    // after VSS gave up on the hung handler (which still holds the writer), at 380 s.
    let writer =
        ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::waiting(Wait::forever()));
    let vss = machine_with(
        Policies {
            handler_timeout: HandlerTimeout::ThreeMinutes,
            ..Policies::default()
        },
        vec![writer],
    );
    let mut bc0 = prepared(&vss);
    let op0 = start(&mut bc0, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc0, op0, 10_000), Hresult::VSS_S_ASYNC_PENDING);
    let (mut bc1, op1) = second_gather(&vss);
    assert_eq!(wait(&mut bc0, op0), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(vss.now_ms(), 180_000);
    assert_eq!(wait(&mut bc1, op1), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(vss.now_ms(), 190_000);
    let gave_up_identify = |session| {
        vss.trace().records().iter().any(|record| {
            record.event
                == TraceEvent::HandlerTimedOut {
                    session,
                    writer: W0,
                    event: E::Identify,
                }
        })
    };
    assert!(gave_up_identify(S1));
    vss.advance_ms(10_000);
    let (mut bc2, op2) = second_gather(&vss);
    assert_eq!(wait(&mut bc2, op2), Hresult::VSS_S_ASYNC_FINISHED);
    assert_eq!(vss.now_ms(), 380_000);
    assert!(gave_up_identify(vss_sim::trace::SessionNo(2)));
    bc0.call_and_wait(Call::BackupComplete).unwrap();
    for mut bc in [bc0, bc1, bc2] {
        bc.call_ok(Call::Release).unwrap();
    }
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r99_the_freeze_window_runs_until_the_writer_receives_thaw_not_until_vss_sends_it() {
    // The first backup's Thaw is sent 1 s after Freeze, but W0 is inside a second requester's
    // 70 s OnIdentify: Thaw waits behind it, and the writer's 60 s window expires first (R99:
    // the window runs from Freeze until the writer gets Thaw).
    let writer = ScriptedWriter::new("W0").on(E::Identify, Reaction::slow(70_000));
    let vss = builder(vec![writer]).provider(holding_provider()).build();
    let mut bc0 = prepared(&vss);
    let op0 = start(&mut bc0, Call::DoSnapshotSet);
    assert_eq!(vss.wait_signal("frozen", None), Ok(WaitEnd::Signalled));
    let frozen_at = vss.now_ms();
    let (mut bc1, op1) = second_gather(&vss);
    vss.advance_ms(1_000);
    vss.set_signal("thaw");
    let hr = wait(&mut bc0, op0);
    assert_eq!(
        state(&vss, S0, 0),
        (
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_TIMEOUT
        ),
        "DoSnapshotSet: {hr}"
    );
    // The Thaw it never received is not sent after the Abort (R55).
    let received = events(&vss.trace(), S0, W0);
    assert_eq!(
        &received[received.len() - 2..],
        [E::Freeze, E::Abort],
        "{received:?}"
    );
    let aborted_at = span(&vss.trace(), W0, E::Abort).0;
    assert_eq!(aborted_at, frozen_at + 70_000, "when OnIdentify returned");
    assert_eq!(
        hr,
        Hresult::VSS_S_ASYNC_FINISHED,
        "the creation goes on without it (Q3)"
    );
    assert_eq!(wait(&mut bc1, op1), Hresult::VSS_S_ASYNC_FINISHED);
    bc0.call_ok(Call::AbortBackup).unwrap();
    bc0.call_ok(Call::Release).unwrap();
    bc1.call_ok(Call::Release).unwrap();
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

/// The provider calls of session 0, in order, with when they returned.
fn provider_calls(vss: &Vss) -> Vec<(ProviderStep, u64)> {
    vss.trace()
        .records()
        .iter()
        .filter_map(|record| match &record.event {
            TraceEvent::ProviderCalled { session, step, .. } if *session == S0 => {
                Some((*step, record.at_ms))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn r87_abort_snapshots_comes_while_end_prepare_snapshots_still_waits() {
    // R87: the provider "must accept AbortSnapshots while it waits" in EndPrepareSnapshots:
    // VSS does not wait for the step to return before it discards the prepared copies.
    let provider = SoftwareProvider::system().with_wait(
        ProviderStep::EndPrepareSnapshots,
        StepWait::new(Wait::signal("prepared")),
    );
    let vss = builder(plain_writers(1)).provider(provider).build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(wait_ms(&mut bc, op, 2_000), Hresult::VSS_S_ASYNC_PENDING);
    bc.call_ok(Call::AbortBackup).unwrap();
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_CANCELLED);
    assert_eq!(
        provider_calls(&vss).last(),
        Some(&(ProviderStep::AbortSnapshots, 2_000))
    );
    // The step returns later; nothing follows it (the creation is over).
    vss.advance_ms(1_000);
    vss.set_signal("prepared");
    vss.settle();
    bc.call_ok(Call::Release).unwrap();
    let calls = provider_calls(&vss);
    assert_eq!(
        &calls[calls.len() - 2..],
        [
            (ProviderStep::AbortSnapshots, 2_000),
            (ProviderStep::EndPrepareSnapshots, 3_000)
        ]
    );
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
    assert!(report
        .coverage()
        .reached(oracle::Situation::AbortSnapshotsDuringStep));
}

#[test]
fn r87_r89_a_cancelled_commit_that_still_holds_is_told_to_abort_and_returns_later() {
    let vss = builder(plain_writers(1))
        .provider(holding_provider())
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    assert_eq!(vss.wait_signal("frozen", None), Ok(WaitEnd::Signalled));
    let frozen_at = vss.now_ms();
    vss.advance_ms(1_000);
    bc.call_ok(Call::Cancel { op }).unwrap();
    assert_eq!(wait(&mut bc, op), Hresult::VSS_S_ASYNC_CANCELLED);
    vss.set_signal("thaw");
    vss.settle();
    bc.call_ok(Call::AbortBackup).unwrap();
    bc.call_ok(Call::Release).unwrap();
    let calls = provider_calls(&vss);
    assert_eq!(
        &calls[calls.len() - 2..],
        [
            (ProviderStep::AbortSnapshots, frozen_at + 1_000),
            (ProviderStep::CommitSnapshots, frozen_at + 1_000)
        ]
    );
    let report = oracle::check(&vss.trace());
    assert!(report.engine_violations().is_empty(), "{report}");
}

#[test]
fn r57_an_event_given_up_in_the_queue_never_makes_the_writer_a_participant() {
    // The second backup's PrepareForBackup waits behind the first's 600 s OnPrepareBackup and
    // is given up at 360 s (sent at 180 s, `HandlerTimeout::ThreeMinutes`): W0 never received
    // it, so it took no part in that backup, whose set is created without it. It gets no
    // BackupShutdown from it, or (Q20, `ShutdownFor::EveryBackupInstance`) one with GUID_NULL.
    for shutdown_for in ShutdownFor::ALL {
        let slow = ScriptedWriter::new("W0").on(E::PrepareForBackup, Reaction::slow(600_000));
        let vss = machine_with(
            Policies {
                handler_timeout: HandlerTimeout::ThreeMinutes,
                shutdown_for,
                ..Policies::default()
            },
            vec![slow],
        );
        let mut bc1 = discovered(&vss);
        let mut bc0 = prepared(&vss);
        assert_eq!(vss.now_ms(), 180_000);
        bc0.call_ok(Call::AbortBackup).unwrap();
        bc0.call_ok(Call::Release).unwrap();
        bc1.call_ok(Call::StartSnapshotSet).unwrap();
        bc1.call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: vss_sim::vocab::ProviderId::NULL,
        })
        .unwrap();
        let op = start(&mut bc1, Call::PrepareForBackup);
        assert_eq!(wait(&mut bc1, op), Hresult::VSS_S_ASYNC_FINISHED);
        assert_eq!(vss.now_ms(), 360_000);
        let op = start(&mut bc1, Call::DoSnapshotSet);
        assert_eq!(wait(&mut bc1, op), Hresult::VSS_S_ASYNC_FINISHED);
        bc1.call_and_wait(Call::BackupComplete).unwrap();
        bc1.call_ok(Call::Release).unwrap();
        vss.settle();
        // Sessions are numbered by creation: `bc1` is S0.
        let shutdowns: Vec<_> = vss
            .trace()
            .records()
            .iter()
            .filter_map(|record| match &record.event {
                TraceEvent::Delivered {
                    session,
                    event: E::BackupShutdown,
                    set,
                    ..
                } if *session == S0 => Some(*set),
                _ => None,
            })
            .collect();
        let expected = match shutdown_for {
            ShutdownFor::BackupParticipants => vec![],
            ShutdownFor::EveryBackupInstance => vec![vss_sim::vocab::SnapshotSetId::NULL],
        };
        assert_eq!(shutdowns, expected, "{shutdown_for:?}");
        assert!(events(&vss.trace(), S1, W0).contains(&E::BackupShutdown));
        let report = oracle::check(&vss.trace());
        assert!(report.engine_violations().is_empty(), "{report}");
    }
}
