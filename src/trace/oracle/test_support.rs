//! A tiny trace builder for the oracle's unit tests: hand-made traces that follow the engine's
//! emission conventions, and helpers to plant violations in them.

use std::collections::{BTreeMap, HashMap};

use super::{check, Party, Report};
use crate::trace::{
    ProviderNo, ProviderStep, SessionNo, SetOutcome, Timer, Trace, TraceEvent, TraceRecord,
    WriterNo,
};
use crate::vocab::Rule;
use crate::vocab::{
    ApplicationLevel, AsyncKind, BackupState, BackupType, Call, ComponentKey, ComponentType,
    Hresult, OpNo, Policies, ProviderId, SnapshotSetId, WriterClassId, WriterEvent,
    WriterInstanceId, WriterState,
};

pub(super) const S0: SessionNo = SessionNo(0);
pub(super) const S1: SessionNo = SessionNo(1);
pub(super) const W0: WriterNo = WriterNo(0);
pub(super) const W1: WriterNo = WriterNo(1);
pub(super) const W2: WriterNo = WriterNo(2);
pub(super) const P0: ProviderNo = ProviderNo(0);
pub(super) const FRONT: ApplicationLevel = ApplicationLevel::VSS_APP_FRONT_END;
pub(super) const BACK: ApplicationLevel = ApplicationLevel::VSS_APP_BACK_END;
pub(super) const SYSTEM: ApplicationLevel = ApplicationLevel::VSS_APP_SYSTEM;

/// The set id `StartSnapshotSet` gives session `s`.
pub(super) fn set_of(s: SessionNo) -> SnapshotSetId {
    SnapshotSetId::from_u128(0x5e70_0000 + u128::from(s.0))
}

fn instance(w: WriterNo) -> WriterInstanceId {
    WriterInstanceId::from_u128(0x1000 + u128::from(w.0))
}

fn class(w: WriterNo) -> WriterClassId {
    WriterClassId::from_u128(0x2000 + u128::from(w.0))
}

/// How a handler ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum H {
    /// `true`.
    Ok,
    /// `false` without a code.
    False,
    /// `SetWriterFailure(code)` then `true`.
    Veto(Hresult),
}

/// Builds traces record by record; the first record is `Policies`.
pub(super) struct Builder {
    records: Vec<TraceRecord>,
    now: u64,
    next_op: u32,
    timeouts: BTreeMap<WriterNo, u64>,
    states: BTreeMap<(SessionNo, WriterNo), (WriterState, Hresult)>,
    ops: HashMap<(SessionNo, AsyncKind), OpNo>,
    /// Sessions whose set is in creation (R15).
    creating: BTreeMap<SessionNo, SnapshotSetId>,
}

impl Builder {
    pub(super) fn new() -> Self {
        Self::with_policies(Policies::default())
    }

    pub(super) fn with_policies(policies: Policies) -> Self {
        let mut builder = Self {
            records: Vec::new(),
            now: 0,
            next_op: 0,
            timeouts: BTreeMap::new(),
            states: BTreeMap::new(),
            ops: HashMap::new(),
            creating: BTreeMap::new(),
        };
        builder.push(TraceEvent::Policies(policies));
        builder
    }

    pub(super) fn now(&self) -> u64 {
        self.now
    }

    pub(super) fn advance(&mut self, ms: u64) -> &mut Self {
        self.now += ms;
        self
    }

    pub(super) fn push(&mut self, event: TraceEvent) -> &mut Self {
        match &event {
            TraceEvent::SetCreationStarted { session, set } => {
                self.creating.insert(*session, *set);
            }
            TraceEvent::SetCreationEnded { session, .. } => {
                self.creating.remove(session);
            }
            _ => {}
        }
        self.records.push(TraceRecord {
            at_ms: self.now,
            event,
        });
        self
    }

    pub(super) fn writer(
        &mut self,
        w: WriterNo,
        level: ApplicationLevel,
        freeze_timeout_ms: u64,
    ) -> &mut Self {
        self.timeouts.insert(w, freeze_timeout_ms);
        self.push(TraceEvent::WriterRegistered {
            writer: w,
            class_id: class(w),
            instance_id: instance(w),
            name: format!("Writer{}", w.0),
            level,
            freeze_timeout_ms,
        })
    }

    pub(super) fn provider(&mut self, p: ProviderNo) -> &mut Self {
        self.push(TraceEvent::ProviderRegistered {
            provider: p,
            id: ProviderId::from_u128(0x3000 + u128::from(p.0)),
            name: "TestProvider".into(),
        })
    }

    pub(super) fn session(&mut self, s: SessionNo) -> &mut Self {
        self.push(TraceEvent::SessionCreated { session: s })
    }

    pub(super) fn call(&mut self, s: SessionNo, call: Call, hr: Hresult) -> &mut Self {
        self.push(TraceEvent::Called {
            session: s,
            call,
            hr,
        })
    }

    pub(super) fn ok(&mut self, s: SessionNo, call: Call) -> &mut Self {
        self.call(s, call, Hresult::S_OK)
    }

    /// A successful call of an async method and its `AsyncStarted`.
    pub(super) fn start(&mut self, s: SessionNo, call: Call, kind: AsyncKind) -> &mut Self {
        let op = OpNo(self.next_op);
        self.next_op += 1;
        self.ops.insert((s, kind), op);
        self.ok(s, call);
        self.push(TraceEvent::AsyncStarted {
            session: s,
            op,
            kind,
        })
    }

    pub(super) fn op(&self, s: SessionNo, kind: AsyncKind) -> OpNo {
        self.ops.get(&(s, kind)).copied().unwrap_or(OpNo(999))
    }

    pub(super) fn complete(&mut self, s: SessionNo, kind: AsyncKind, hr: Hresult) -> &mut Self {
        let op = self.op(s, kind);
        self.push(TraceEvent::AsyncCompleted {
            session: s,
            op,
            kind,
            hr,
        })
    }

    pub(super) fn deliver(
        &mut self,
        s: SessionNo,
        w: WriterNo,
        event: WriterEvent,
        set: SnapshotSetId,
    ) -> &mut Self {
        self.push(TraceEvent::Delivered {
            session: s,
            writer: w,
            event,
            set,
        })
    }

    pub(super) fn handled(
        &mut self,
        s: SessionNo,
        w: WriterNo,
        event: WriterEvent,
        how: H,
    ) -> &mut Self {
        let (ok, failure) = match how {
            H::Ok => (true, None),
            H::False => (false, None),
            H::Veto(hr) => (true, Some(hr)),
        };
        self.push(TraceEvent::Handled {
            session: s,
            writer: w,
            event,
            ok,
            failure,
            spent_ms: 0,
            panicked: false,
        })
    }

    /// Delivered + Handled + the T2 `StateChanged` (default policies).
    pub(super) fn handle(
        &mut self,
        s: SessionNo,
        w: WriterNo,
        event: WriterEvent,
        set: SnapshotSetId,
        how: H,
    ) -> &mut Self {
        self.deliver(s, w, event, set).handled(s, w, event, how);
        let current = self
            .states
            .get(&(s, w))
            .copied()
            .unwrap_or((WriterState::VSS_WS_STABLE, Hresult::S_OK));
        let failed = current.0.is_failed();
        let next = match (event, how) {
            (WriterEvent::Identify | WriterEvent::BackupShutdown, _) => current,
            (WriterEvent::Abort, _) if failed => current,
            (WriterEvent::Abort, _) => (WriterState::VSS_WS_STABLE, Hresult::S_OK),
            (_, H::Ok) if failed => current,
            (_, H::Ok) => {
                WriterState::after_success(event).map_or(current, |state| (state, Hresult::S_OK))
            }
            (_, H::False) => WriterState::failed_at(event).map_or(current, |state| {
                (state, Hresult::VSS_E_WRITERERROR_NONRETRYABLE)
            }),
            (_, H::Veto(hr)) => WriterState::failed_at(event).map_or(current, |state| (state, hr)),
        };
        if next != current {
            self.state(s, w, next.0, next.1);
        }
        self
    }

    pub(super) fn state(
        &mut self,
        s: SessionNo,
        w: WriterNo,
        state: WriterState,
        failure: Hresult,
    ) -> &mut Self {
        self.states.insert((s, w), (state, failure));
        self.push(TraceEvent::StateChanged {
            session: s,
            writer: w,
            state,
            failure,
        })
    }

    pub(super) fn status(&mut self, s: SessionNo, w: WriterNo) -> &mut Self {
        let (state, failure) = self
            .states
            .get(&(s, w))
            .copied()
            .unwrap_or((WriterState::VSS_WS_STABLE, Hresult::S_OK));
        self.push(TraceEvent::StatusReported {
            session: s,
            writer: w,
            state,
            failure,
        })
    }

    pub(super) fn step(&mut self, s: SessionNo, step: ProviderStep, hr: Hresult) -> &mut Self {
        self.push(TraceEvent::ProviderCalled {
            session: s,
            provider: P0,
            step,
            hr,
            spent_ms: 0,
        })
    }

    pub(super) fn timeout(&self, w: WriterNo) -> u64 {
        self.timeouts.get(&w).copied().unwrap_or(60_000)
    }

    pub(super) fn build(&self) -> Vec<TraceRecord> {
        self.records.clone()
    }
}

/// Registers `writers` (front end, 60 s) and provider#0, creates `s`.
pub(super) fn world(b: &mut Builder, writers: &[WriterNo]) {
    for w in writers {
        b.writer(*w, FRONT, 60_000);
    }
    b.provider(P0);
}

/// Initialize, SetBackupState (component mode), GatherWriterMetadata, AddComponent for
/// `selected`, StartSnapshotSet, AddToSnapshotSet.
pub(super) fn setup(b: &mut Builder, s: SessionNo, writers: &[WriterNo], selected: &[WriterNo]) {
    b.session(s).ok(s, Call::InitializeForBackup).ok(
        s,
        Call::SetBackupState(BackupState::components(BackupType::VSS_BT_FULL)),
    );
    b.start(
        s,
        Call::GatherWriterMetadata,
        AsyncKind::GatherWriterMetadata,
    )
    .advance(1);
    for w in writers {
        b.handle(s, *w, WriterEvent::Identify, SnapshotSetId::NULL, H::Ok);
    }
    b.complete(
        s,
        AsyncKind::GatherWriterMetadata,
        Hresult::VSS_S_ASYNC_FINISHED,
    )
    .advance(1);
    for w in selected {
        b.ok(
            s,
            Call::AddComponent(ComponentKey {
                instance_id: instance(*w),
                writer_id: class(*w),
                component_type: ComponentType::VSS_CT_DATABASE,
                logical_path: None,
                name: "db".into(),
            }),
        );
    }
    b.ok(s, Call::StartSnapshotSet)
        .push(TraceEvent::SetCreationStarted {
            session: s,
            set: set_of(s),
        });
    b.ok(
        s,
        Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        },
    )
    .step(s, ProviderStep::BeginPrepareSnapshot, Hresult::S_OK)
    .advance(1);
}

/// PrepareForBackup to `writers`; those not in `selected` are dropped (R47).
pub(super) fn prepare(b: &mut Builder, s: SessionNo, writers: &[WriterNo], selected: &[WriterNo]) {
    b.start(s, Call::PrepareForBackup, AsyncKind::PrepareForBackup)
        .advance(1);
    for w in writers {
        b.handle(s, *w, WriterEvent::PrepareForBackup, set_of(s), H::Ok);
    }
    for w in writers.iter().filter(|w| !selected.contains(w)) {
        b.push(TraceEvent::WriterDropped {
            session: s,
            writer: *w,
            reason: crate::trace::DropReason::NothingSelected,
        });
    }
    b.complete(
        s,
        AsyncKind::PrepareForBackup,
        Hresult::VSS_S_ASYNC_FINISHED,
    )
    .advance(1);
}

/// DoSnapshotSet up to and including PrepareForSnapshot and EndPrepareSnapshots.
pub(super) fn dss_prepare(b: &mut Builder, s: SessionNo, writers: &[WriterNo]) {
    b.start(s, Call::DoSnapshotSet, AsyncKind::DoSnapshotSet)
        .advance(1);
    for w in writers {
        b.handle(s, *w, WriterEvent::PrepareForSnapshot, set_of(s), H::Ok);
    }
    b.step(s, ProviderStep::EndPrepareSnapshots, Hresult::S_OK)
        .advance(1);
}

/// Freeze to `writers` (in the order given), each with its freeze window.
pub(super) fn dss_freeze(b: &mut Builder, s: SessionNo, writers: &[WriterNo]) {
    for w in writers {
        b.handle(s, *w, WriterEvent::Freeze, set_of(s), H::Ok);
        let deadline_ms = b.now() + b.timeout(*w);
        b.push(TraceEvent::TimerSet {
            timer: Timer::FreezeWindow {
                session: s,
                writer: *w,
            },
            deadline_ms,
        });
    }
    b.advance(1);
}

/// PreCommit, hold-writes window, Commit, PostCommit.
pub(super) fn dss_commit(b: &mut Builder, s: SessionNo) {
    b.step(s, ProviderStep::PreCommitSnapshots, Hresult::S_OK);
    let deadline_ms = b.now() + 10_000;
    b.push(TraceEvent::TimerSet {
        timer: Timer::HoldWrites { session: s },
        deadline_ms,
    })
    .step(s, ProviderStep::CommitSnapshots, Hresult::S_OK)
    .push(TraceEvent::TimerStopped {
        timer: Timer::HoldWrites { session: s },
    })
    .step(s, ProviderStep::PostCommitSnapshots, Hresult::S_OK)
    .advance(1);
}

/// Thaw, PreFinalCommit, PostSnapshot, PostFinalCommit, the set created and the op finished.
pub(super) fn dss_finish(b: &mut Builder, s: SessionNo, writers: &[WriterNo]) {
    for w in writers {
        b.push(TraceEvent::TimerStopped {
            timer: Timer::FreezeWindow {
                session: s,
                writer: *w,
            },
        })
        .handle(s, *w, WriterEvent::Thaw, set_of(s), H::Ok);
    }
    b.step(s, ProviderStep::PreFinalCommitSnapshots, Hresult::S_OK);
    for w in writers {
        b.handle(s, *w, WriterEvent::PostSnapshot, set_of(s), H::Ok);
    }
    b.step(s, ProviderStep::PostFinalCommitSnapshots, Hresult::S_OK)
        .push(TraceEvent::SetCreationEnded {
            session: s,
            set: set_of(s),
            outcome: SetOutcome::Created,
        })
        .complete(s, AsyncKind::DoSnapshotSet, Hresult::VSS_S_ASYNC_FINISHED)
        .advance(1);
}

/// The whole DoSnapshotSet, every step succeeding.
pub(super) fn snapshot(b: &mut Builder, s: SessionNo, writers: &[WriterNo]) {
    dss_prepare(b, s, writers);
    dss_freeze(b, s, writers);
    dss_commit(b, s);
    dss_finish(b, s, writers);
}

/// BackupComplete to `writers`, then GatherWriterStatus reporting them.
pub(super) fn backup_complete(b: &mut Builder, s: SessionNo, writers: &[WriterNo]) {
    b.start(s, Call::BackupComplete, AsyncKind::BackupComplete)
        .advance(1);
    for w in writers {
        b.handle(s, *w, WriterEvent::BackupComplete, set_of(s), H::Ok);
    }
    b.complete(s, AsyncKind::BackupComplete, Hresult::VSS_S_ASYNC_FINISHED)
        .start(s, Call::GatherWriterStatus, AsyncKind::GatherWriterStatus)
        .complete(
            s,
            AsyncKind::GatherWriterStatus,
            Hresult::VSS_S_ASYNC_FINISHED,
        );
    for w in writers {
        b.ok(s, Call::WriterStatus { index: w.0 }).status(s, *w);
    }
    b.advance(1);
}

/// `call` (Release or Crash), the set abandoned if still in creation, then BackupShutdown with
/// `set` to `writers`.
pub(super) fn release(
    b: &mut Builder,
    s: SessionNo,
    call: Call,
    writers: &[WriterNo],
    set: SnapshotSetId,
) {
    b.ok(s, call);
    if let Some(open) = b.creating.get(&s).copied() {
        b.push(TraceEvent::SetCreationEnded {
            session: s,
            set: open,
            outcome: SetOutcome::Abandoned,
        });
    }
    for w in writers {
        b.handle(s, *w, WriterEvent::BackupShutdown, set, H::Ok);
    }
}

/// T5: one writer, one volume, the canonical backup, released at the end.
pub(super) fn happy_path() -> Vec<TraceRecord> {
    let mut b = Builder::new();
    world(&mut b, &[W0]);
    setup(&mut b, S0, &[W0], &[W0]);
    prepare(&mut b, S0, &[W0], &[W0]);
    snapshot(&mut b, S0, &[W0]);
    b.ok(
        S0,
        Call::SetBackupSucceeded {
            component: ComponentKey {
                instance_id: instance(W0),
                writer_id: class(W0),
                component_type: ComponentType::VSS_CT_DATABASE,
                logical_path: None,
                name: "db".into(),
            },
            succeeded: true,
        },
    );
    backup_complete(&mut b, S0, &[W0]);
    release(&mut b, S0, Call::Release, &[W0], set_of(S0));
    b.build()
}

/// `Delivered` then `Handled` returning true: one successful handler call.
pub(super) fn ok_handler(
    s: SessionNo,
    w: WriterNo,
    event: WriterEvent,
    set: SnapshotSetId,
) -> Vec<TraceEvent> {
    vec![
        TraceEvent::Delivered {
            session: s,
            writer: w,
            event,
            set,
        },
        TraceEvent::Handled {
            session: s,
            writer: w,
            event,
            ok: true,
            failure: None,
            spent_ms: 0,
            panicked: false,
        },
    ]
}

/// Index of the first record matching `pred`.
#[track_caller]
pub(super) fn find(records: &[TraceRecord], pred: impl Fn(&TraceEvent) -> bool) -> usize {
    records
        .iter()
        .position(|record| pred(&record.event))
        .expect("the trace has such a record")
}

/// Index of the first delivery of `event` to `w`.
#[track_caller]
pub(super) fn delivery(records: &[TraceRecord], w: WriterNo, event: WriterEvent) -> usize {
    find(
        records,
        |e| matches!(e, TraceEvent::Delivered { writer, event: ev, .. } if *writer == w && *ev == event),
    )
}

/// Inserts `events` at `index`, at the time of the record they displace.
pub(super) fn insert(records: &mut Vec<TraceRecord>, index: usize, events: Vec<TraceEvent>) {
    let at_ms = records
        .get(index)
        .or_else(|| records.last())
        .map_or(0, |record| record.at_ms);
    for (offset, event) in events.into_iter().enumerate() {
        records.insert(index + offset, TraceRecord { at_ms, event });
    }
}

/// Checks `records`.
pub(super) fn judge(records: Vec<TraceRecord>) -> Report {
    check(&Trace::from_records(records))
}

/// The distinct rules broken, sorted.
pub(super) fn rules(report: &Report) -> Vec<Rule> {
    report.rules_broken().into_iter().collect()
}

/// Asserts that exactly `rule` was broken, only by `party`.
#[track_caller]
pub(super) fn assert_only(report: &Report, rule: Rule, party: Party) {
    assert_eq!(rules(report), [rule], "{report}");
    assert!(
        report.violations().iter().all(|v| v.party == party),
        "expected only {party} violations:\n{report}"
    );
}
