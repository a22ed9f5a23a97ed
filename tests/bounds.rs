//! Bounded runs (design principle 7, rule BOUND): a wait or a sleep stopped by the run's bounds
//! is recorded and reported as non-termination against whoever held the clock, never returned
//! as a status that looks like an answer.

mod common;

use common::*;
use vss_sim::coordinator::Limits;
use vss_sim::provider::SoftwareProvider;
use vss_sim::trace::oracle::{self, Party};
use vss_sim::trace::{ProviderStep, TraceEvent};
use vss_sim::vocab::{Bound, Call, Reply, Rule, WriterEvent as E};
use vss_sim::writer::{Reaction, ScriptedWriter};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The BOUND violations of the machine's trace, with their parties.
fn bound_violations(vss: &vss_sim::requester::Vss) -> Vec<(Party, String)> {
    oracle::check(&vss.trace())
        .violations()
        .iter()
        .filter(|v| v.rule == Rule::Bound)
        .map(|v| (v.party, v.message.clone()))
        .collect()
}

#[test]
fn a_handler_that_never_returns_is_a_hang_of_the_writer() {
    // OnPrepareSnapshot: no freeze window bounds it, and by default VSS waits for it for
    // ever (`HandlerTimeout::Never`). A hung OnFreeze is bounded by the writer's freeze window
    // (tests/waiting.rs).
    let hung = ScriptedWriter::new("W0").on(E::PrepareForSnapshot, Reaction::slow(u64::MAX));
    let vss = machine(vec![hung]);
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    let reply = bc.call(Call::Wait {
        op,
        timeout_ms: None,
    });
    // BOUND: the wait ends at the run's 24 h bound with an answer that says so.
    assert_eq!(
        reply,
        Ok(Reply::BoundReached(Bound::VirtualTime {
            max_virtual_ms: DAY_MS
        }))
    );
    assert!(vss.trace().records().iter().any(
        |r| matches!(r.event, TraceEvent::BoundReached { waiting_for: Some(o), .. } if o == op)
    ));
    let found = bound_violations(&vss);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Party::Writer);
    assert!(found[0].1.contains("OnPrepareSnapshot"), "{}", found[0].1);
    drop(bc);
}

#[test]
fn a_provider_call_that_never_returns_is_a_hang_of_the_provider() {
    let vss = builder(plain_writers(1))
        .provider(SoftwareProvider::system().with_duration(ProviderStep::CommitSnapshots, u64::MAX))
        .build();
    let mut bc = prepared(&vss);
    let op = start(&mut bc, Call::DoSnapshotSet);
    let reply = bc.call(Call::Wait {
        op,
        timeout_ms: Some(u64::MAX),
    });
    assert!(matches!(reply, Ok(Reply::BoundReached(_))), "{reply:?}");
    let found = bound_violations(&vss);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Party::Provider);
    assert!(found[0].1.contains("CommitSnapshots"), "{}", found[0].1);
}

#[test]
fn a_requester_sleeping_past_the_end_of_the_run_is_reported() {
    let vss = machine(plain_writers(1));
    let bc = vss.dynamic();
    assert_eq!(
        vss.advance_ms(DAY_MS + 1),
        Some(Bound::VirtualTime {
            max_virtual_ms: DAY_MS
        })
    );
    assert_eq!(vss.now_ms(), DAY_MS, "the clock stops at the bound");
    assert_eq!(
        vss.advance_ms(0),
        None,
        "a sleep within the bound is no violation"
    );
    drop(bc);
    let found = bound_violations(&vss);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Party::Requester);
}

#[test]
fn a_wait_that_runs_out_of_steps_is_an_engine_livelock() {
    let vss = builder(plain_writers(3))
        .limits(Limits {
            max_steps: 2,
            ..Limits::default()
        })
        .build();
    let mut bc = vss.dynamic();
    bc.call_ok(Call::InitializeForBackup).unwrap();
    let op = start(&mut bc, Call::GatherWriterMetadata);
    let reply = bc.call(Call::Wait {
        op,
        timeout_ms: None,
    });
    // Three Identify deliveries and the operation's end take more than two steps.
    assert_eq!(
        reply,
        Ok(Reply::BoundReached(Bound::Steps { max_steps: 2 }))
    );
    let found = bound_violations(&vss);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Party::Engine);
    assert!(found[0].1.contains("livelock"), "{}", found[0].1);
}
