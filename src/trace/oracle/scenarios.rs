//! Hand-made traces of the documented abort, timeout and veto paths, as the engine emits them.
//! Each must be judged clean; the rule families' tests plant violations in them.

use super::test_support::*;
use crate::trace::{AbortCause, ProviderStep, SetOutcome, Timer, TraceEvent, TraceRecord};
use crate::vocab::Rule;
use crate::vocab::{AsyncKind, Call, Hresult, Policies, SnapshotSetId, WriterEvent, WriterState};

/// Freeze→Thaw window of the timeout scenarios.
pub(super) const SHORT_TIMEOUT_MS: u64 = 5_000;

/// R76, R99: W0's 5 s freeze window expires; only W0 is aborted (FailingWriter), the set is
/// still created, BackupComplete reaches nobody, the status shows the timeout.
pub(super) fn freeze_timeout() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    b.writer(W0, FRONT, SHORT_TIMEOUT_MS).provider(P0);
    setup(&mut b, S0, &[W0], &[W0]);
    prepare(&mut b, S0, &[W0], &[W0]);
    dss_prepare(&mut b, S0, &[W0]);
    dss_freeze(&mut b, S0, &[W0]);
    b.advance(SHORT_TIMEOUT_MS - 1)
        .push(TraceEvent::TimerFired {
            timer: Timer::FreezeWindow {
                session: S0,
                writer: W0,
            },
        })
        .state(
            S0,
            W0,
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            Hresult::VSS_E_WRITERERROR_TIMEOUT,
        )
        .push(TraceEvent::AbortRaised {
            session: S0,
            cause: AbortCause::FreezeTimeout { writer: W0 },
        })
        .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok);
    dss_commit(&mut b, S0);
    dss_finish(&mut b, S0, &[]);
    backup_complete(&mut b, S0, &[]);
    b.status(S0, W0);
    release(&mut b, S0, Call::Release, &[W0], set_of(S0));
    b.build()
}

/// R89: CommitSnapshots takes 12 s; the hold-writes window fires, W0 is aborted, the copies
/// are discarded and DoSnapshotSet fails with VSS_E_HOLD_WRITES_TIMEOUT.
pub(super) fn hold_timeout() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    world(&mut b, &[W0]);
    setup(&mut b, S0, &[W0], &[W0]);
    prepare(&mut b, S0, &[W0], &[W0]);
    dss_prepare(&mut b, S0, &[W0]);
    dss_freeze(&mut b, S0, &[W0]);
    b.step(S0, ProviderStep::PreCommitSnapshots, Hresult::S_OK);
    let deadline_ms = b.now() + 10_000;
    b.push(TraceEvent::TimerSet {
        timer: Timer::HoldWrites { session: S0 },
        deadline_ms,
    })
    .push(TraceEvent::Busy {
        actor: crate::trace::Actor::Provider {
            session: S0,
            provider: P0,
            step: ProviderStep::CommitSnapshots,
        },
        until_ms: deadline_ms + 2_000,
    })
    .advance(10_000)
    .push(TraceEvent::TimerFired {
        timer: Timer::HoldWrites { session: S0 },
    })
    .advance(2_000)
    .push(TraceEvent::ProviderCalled {
        session: S0,
        provider: P0,
        step: ProviderStep::CommitSnapshots,
        hr: Hresult::S_OK,
        spent_ms: 12_000,
    });
    fail_creation(&mut b, &[W0], Hresult::VSS_E_HOLD_WRITES_TIMEOUT);
    b.ok(S0, Call::AbortBackup);
    release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
    b.build()
}

/// R50c, R95: the creation fails with `hr`: Abort to `writers`, AbortSnapshots, the set
/// discarded, DoSnapshotSet completes with `hr`.
pub(super) fn fail_creation(b: &mut Builder, writers: &[crate::trace::WriterNo], hr: Hresult) {
    b.push(TraceEvent::AbortRaised {
        session: S0,
        cause: AbortCause::CreationFailed { hr },
    });
    for w in writers {
        b.handle(S0, *w, WriterEvent::Abort, set_of(S0), H::Ok);
    }
    b.step(S0, ProviderStep::AbortSnapshots, Hresult::S_OK)
        .push(TraceEvent::SetCreationEnded {
            session: S0,
            set: set_of(S0),
            outcome: SetOutcome::Failed(hr),
        })
        .complete(S0, AsyncKind::DoSnapshotSet, hr)
        .advance(1);
}

/// R95: EndPrepareSnapshots fails; the requester aborts and releases.
pub(super) fn provider_failure() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    world(&mut b, &[W0]);
    setup(&mut b, S0, &[W0], &[W0]);
    prepare(&mut b, S0, &[W0], &[W0]);
    b.start(S0, Call::DoSnapshotSet, AsyncKind::DoSnapshotSet)
        .handle(S0, W0, WriterEvent::PrepareForSnapshot, set_of(S0), H::Ok)
        .step(
            S0,
            ProviderStep::EndPrepareSnapshots,
            Hresult::VSS_E_PROVIDER_VETO,
        );
    fail_creation(&mut b, &[W0], Hresult::VSS_E_PROVIDER_VETO);
    b.ok(S0, Call::AbortBackup);
    release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
    b.build()
}

/// Q3 AllWriters: W0's OnFreeze returns false; W0 and W1 are aborted, the creation fails.
pub(super) fn all_writers_abort() -> Vec<TraceRecord> {
    let mut b = Builder::with_policies(Policies {
        writer_abort_scope: crate::vocab::WriterAbortScope::AllWriters,
        ..Policies::default()
    });
    world(&mut b, &[W0, W1]);
    setup(&mut b, S0, &[W0, W1], &[W0, W1]);
    prepare(&mut b, S0, &[W0, W1], &[W0, W1]);
    dss_prepare(&mut b, S0, &[W0, W1]);
    b.handle(S0, W0, WriterEvent::Freeze, set_of(S0), H::False)
        .push(TraceEvent::AbortRaised {
            session: S0,
            cause: AbortCause::WriterFailed {
                writer: W0,
                event: WriterEvent::Freeze,
            },
        })
        .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok)
        .handle(S0, W1, WriterEvent::Abort, set_of(S0), H::Ok)
        .step(S0, ProviderStep::AbortSnapshots, Hresult::S_OK)
        .push(TraceEvent::SetCreationEnded {
            session: S0,
            set: set_of(S0),
            outcome: SetOutcome::Failed(Hresult::VSS_E_UNEXPECTED),
        })
        .complete(S0, AsyncKind::DoSnapshotSet, Hresult::VSS_E_UNEXPECTED)
        .ok(S0, Call::AbortBackup);
    release(&mut b, S0, Call::Release, &[W0, W1], SnapshotSetId::NULL);
    b.build()
}

/// R51: W0 vetoes PostSnapshot; no Abort, BackupComplete still reaches it, its state stays
/// FAILED_AT_POST_SNAPSHOT.
pub(super) fn post_snapshot_veto() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    world(&mut b, &[W0]);
    setup(&mut b, S0, &[W0], &[W0]);
    prepare(&mut b, S0, &[W0], &[W0]);
    dss_prepare(&mut b, S0, &[W0]);
    dss_freeze(&mut b, S0, &[W0]);
    dss_commit(&mut b, S0);
    b.push(TraceEvent::TimerStopped {
        timer: Timer::FreezeWindow {
            session: S0,
            writer: W0,
        },
    })
    .handle(S0, W0, WriterEvent::Thaw, set_of(S0), H::Ok)
    .step(S0, ProviderStep::PreFinalCommitSnapshots, Hresult::S_OK)
    .handle(
        S0,
        W0,
        WriterEvent::PostSnapshot,
        set_of(S0),
        H::Veto(Hresult::VSS_E_WRITERERROR_RETRYABLE),
    )
    .step(S0, ProviderStep::PostFinalCommitSnapshots, Hresult::S_OK)
    .push(TraceEvent::SetCreationEnded {
        session: S0,
        set: set_of(S0),
        outcome: SetOutcome::Created,
    })
    .complete(S0, AsyncKind::DoSnapshotSet, Hresult::VSS_S_ASYNC_FINISHED);
    backup_complete(&mut b, S0, &[W0]);
    release(&mut b, S0, Call::Release, &[W0], set_of(S0));
    b.build()
}

/// R53: AbortBackup after PrepareForBackup reaches W0; the requester releases.
pub(super) fn abort_after_prepare() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    world(&mut b, &[W0]);
    setup(&mut b, S0, &[W0], &[W0]);
    prepare(&mut b, S0, &[W0], &[W0]);
    b.ok(S0, Call::AbortBackup)
        .push(TraceEvent::AbortRaised {
            session: S0,
            cause: AbortCause::AbortBackup,
        })
        .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok);
    release(&mut b, S0, Call::Release, &[W0], SnapshotSetId::NULL);
    b.build()
}

/// Three writers on different levels, W1 (back end) selected, W0 (front end) selected, W2
/// (system) not selected.
pub(super) fn three_writers() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    b.writer(W0, FRONT, 60_000)
        .writer(W1, BACK, 60_000)
        .writer(W2, SYSTEM, 60_000)
        .provider(P0);
    setup(&mut b, S0, &[W0, W1, W2], &[W0, W1]);
    prepare(&mut b, S0, &[W0, W1, W2], &[W0, W1]);
    snapshot(&mut b, S0, &[W0, W1]);
    backup_complete(&mut b, S0, &[W0, W1]);
    release(&mut b, S0, Call::Release, &[W0, W1], set_of(S0));
    b.build()
}

#[cfg(test)]
mod tests {
    use super::super::{check, Coverage};
    use super::*;
    use crate::trace::oracle::Situation;
    use crate::trace::Trace;
    use crate::vocab::AbortBackupReach;

    #[test]
    fn documented_paths_are_clean() {
        let mut total = Coverage::default();
        for (name, records) in [
            ("happy path", happy_path()),
            ("freeze timeout", freeze_timeout()),
            ("hold-writes timeout", hold_timeout()),
            ("provider failure", provider_failure()),
            ("all-writers abort", all_writers_abort()),
            ("PostSnapshot veto", post_snapshot_veto()),
            ("abort after PrepareForBackup", abort_after_prepare()),
        ] {
            let report = check(&Trace::from_records(records));
            assert!(report.is_clean(), "{name}:\n{report}");
            total.merge(report.coverage());
        }
        for label in [
            Situation::FreezeTimeout,           // R76
            Situation::HoldWritesTimeout,       // R89
            Situation::AbortDelivered,          // R55
            Situation::AbortWriterFailed,       // R50b
            Situation::AbortCreationFailed,     // R50c
            Situation::AbortBackup,             // R50a
            Situation::PrepareOrPostFailed,     // R51
            Situation::ProviderAborted,         // R92
            Situation::ShutdownWithoutComplete, // R57
            Situation::Veto,                    // R65
        ] {
            assert!(total.reached(label), "{label} not reached:\n{total}");
        }
        for state in [
            WriterState::VSS_WS_FAILED_AT_FREEZE,
            WriterState::VSS_WS_FAILED_AT_POST_SNAPSHOT,
            WriterState::VSS_WS_WAITING_FOR_THAW,
        ] {
            assert!(total.states_reached().contains(&state), "{state}");
        }
    }

    #[test]
    fn abort_backup_reach_from_start_snapshot_set() {
        // Q2: under FromStartSnapshotSet, AbortBackup before PrepareForBackup reaches the
        // identified writers once a set exists.
        let policies = Policies {
            abort_backup_reach: AbortBackupReach::FromStartSnapshotSet,
            ..Policies::default()
        };
        let mut b = Builder::with_policies(policies);
        world(&mut b, &[W0]);
        setup(&mut b, S0, &[W0], &[W0]);
        b.ok(S0, Call::AbortBackup)
            .push(TraceEvent::AbortRaised {
                session: S0,
                cause: AbortCause::AbortBackup,
            })
            .handle(S0, W0, WriterEvent::Abort, set_of(S0), H::Ok)
            .ok(S0, Call::Release)
            .push(TraceEvent::SetCreationEnded {
                session: S0,
                set: set_of(S0),
                outcome: SetOutcome::Abandoned,
            });
        let records = b.build();
        check(&Trace::from_records(records.clone())).assert_clean();

        // Under the default reach the set in creation is under way (R53: Abort is raised and
        // the creation ends), but W0, which never received PrepareForBackup, is not reached.
        let mut records = records;
        records[0].event = TraceEvent::Policies(Policies::default());
        let report = check(&Trace::from_records(records));
        assert_eq!(rules(&report), [Rule::R50], "{report}");
    }

    /// A small deterministic xorshift generator for the mutation test.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Replaces one number somewhere in `value` with `number`.
    fn replace_a_number(value: &mut serde_json::Value, pick: &mut usize, number: u64) -> bool {
        match value {
            serde_json::Value::Number(_) => {
                if *pick == 0 {
                    *value = serde_json::Value::from(number);
                    return true;
                }
                *pick -= 1;
                false
            }
            serde_json::Value::Array(items) => items
                .iter_mut()
                .any(|item| replace_a_number(item, pick, number)),
            serde_json::Value::Object(fields) => fields
                .values_mut()
                .any(|item| replace_a_number(item, pick, number)),
            _ => false,
        }
    }

    #[test]
    fn mutated_traces_never_panic() {
        // The oracle judges any trace without panicking: records removed, duplicated, swapped,
        // retimed, and numbers (writers, sessions, ops, times) replaced by arbitrary ones.
        let mut rng = Rng(0x5eed_f0dd_ba11);
        let scenarios = [
            happy_path(),
            freeze_timeout(),
            hold_timeout(),
            provider_failure(),
            all_writers_abort(),
            post_snapshot_veto(),
            abort_after_prepare(),
        ];
        let (mut judged, mut flagged) = (0_u32, 0_u32);
        for base in &scenarios {
            for _ in 0..150 {
                let mut records = base.clone();
                for _ in 0..=rng.below(4) {
                    let len = records.len();
                    let i = rng.below(len);
                    let j = rng.below(len);
                    match rng.below(5) {
                        0 if len > 0 => {
                            records.remove(i);
                        }
                        1 if len > 0 => {
                            let copy = records[i].clone();
                            records.insert(j, copy);
                        }
                        2 if len > 0 => records.swap(i, j),
                        3 if len > 0 => {
                            records[i].at_ms = if rng.below(2) == 0 {
                                u64::MAX
                            } else {
                                rng.next() % 100_000
                            };
                        }
                        4 if len > 0 => {
                            let Ok(mut value) = serde_json::to_value(&records[i]) else {
                                continue;
                            };
                            let number = match rng.below(3) {
                                0 => u64::from(u32::MAX),
                                1 => rng.next() % 8,
                                _ => rng.next() % 200_000,
                            };
                            let mut pick = rng.below(6);
                            replace_a_number(&mut value, &mut pick, number);
                            if let Ok(record) = serde_json::from_value(value) {
                                records[i] = record;
                            }
                        }
                        _ => {}
                    }
                }
                let report = check(&Trace::from_records(records));
                let _ = report.to_string();
                judged += 1;
                flagged += u32::from(!report.is_clean());
            }
        }
        // Most mutations break some rule: the oracle is not blind.
        assert!(
            flagged * 10 > judged * 9,
            "{flagged} of {judged} mutated traces flagged"
        );
    }
}
