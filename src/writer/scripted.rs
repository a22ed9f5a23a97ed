//! [`ScriptedWriter`]: a writer whose behaviour per event is data.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::{HandlerContext, Writer, WriterMetadata};
use crate::vocab::{
    ComponentType, RestoreMethod, SignalName, SnapshotSetId, Wait, WaitEnd, WriterEvent,
    WriterFailure,
};

/// How a handler ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Return `true`.
    #[default]
    Succeed,
    /// `SetWriterFailure(code)`, then `true`: a veto (R65).
    Veto(WriterFailure),
    /// `SetWriterFailure(code)` if given, then `false`: a fatal error (R64). Without a code it
    /// is written `{ Fatal = "NoCode" }` (TOML has no null).
    Fatal(#[serde(with = "codeless")] Option<WriterFailure>),
    /// Panic (a C++ writer throwing): recorded as a failure, never a crash of the run.
    Panic,
}

/// `Fatal`'s optional code in scenario files: a code, or `"NoCode"`.
mod codeless {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::vocab::WriterFailure;

    const NO_CODE: &str = "NoCode";

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Code {
        Failure(WriterFailure),
        Word(String),
    }

    pub(super) fn serialize<S: Serializer>(
        code: &Option<WriterFailure>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match code {
            Some(failure) => failure.serialize(serializer),
            None => serializer.serialize_str(NO_CODE),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<WriterFailure>, D::Error> {
        match Option::<Code>::deserialize(deserializer)? {
            Some(Code::Failure(failure)) => Ok(Some(failure)),
            None => Ok(None),
            Some(Code::Word(word)) if word == NO_CODE => Ok(None),
            Some(Code::Word(word)) => Err(serde::de::Error::custom(format!(
                "`{word}` is not a writer failure code (VSS_E_WRITERERROR_…) or `{NO_CODE}`"
            ))),
        }
    }
}

/// What a scripted handler does: spend virtual time, set a signal, maybe wait, then end with an
/// outcome.
///
/// In a scenario file: `Freeze = { spend_ms = 2000 }`, `Freeze = { wait = { signal =
/// "log-thawed", timeout_ms = 90000 }, on_timeout = { Veto = "VSS_E_WRITERERROR_TIMEOUT" } }`,
/// `Thaw = { set_signal = "log-thawed" }`, and `PrepareForSnapshot = { wait = {} }` for a
/// handler that never returns.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Reaction {
    /// Virtual time the handler takes.
    pub spend_ms: u64,
    /// How it ends (after the wait, if it waits and the wait did not time out).
    pub outcome: Outcome,
    /// A signal it sets once its time is spent (before it waits, if it does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_signal: Option<SignalName>,
    /// What it blocks on once its time is spent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait: Option<Wait>,
    /// How it ends when the wait timed out (default: `outcome`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<Outcome>,
}

impl Reaction {
    /// Succeed at once.
    pub const SUCCEED: Self = Self {
        spend_ms: 0,
        outcome: Outcome::Succeed,
        set_signal: None,
        wait: None,
        on_timeout: None,
    };

    /// Veto with `failure`.
    pub const fn veto(failure: WriterFailure) -> Self {
        Self {
            outcome: Outcome::Veto(failure),
            ..Self::SUCCEED
        }
    }

    /// Fail fatally with `failure`.
    pub const fn fatal(failure: WriterFailure) -> Self {
        Self {
            outcome: Outcome::Fatal(Some(failure)),
            ..Self::SUCCEED
        }
    }

    /// Panic.
    pub const PANIC: Self = Self {
        spend_ms: 0,
        outcome: Outcome::Panic,
        set_signal: None,
        wait: None,
        on_timeout: None,
    };

    /// Succeed after `ms`.
    pub const fn slow(ms: u64) -> Self {
        Self {
            spend_ms: ms,
            ..Self::SUCCEED
        }
    }

    /// Blocks on `wait` and then succeeds: [`Wait::forever`] is a handler that never returns.
    pub fn waiting(wait: Wait) -> Self {
        Self {
            wait: Some(wait),
            ..Self::SUCCEED
        }
    }

    /// Sets `signal` once its time is spent.
    #[must_use]
    pub fn setting(mut self, signal: impl Into<SignalName>) -> Self {
        self.set_signal = Some(signal.into());
        self
    }

    /// Ends with `outcome` when its wait timed out.
    #[must_use]
    pub fn on_timeout(mut self, outcome: Outcome) -> Self {
        self.on_timeout = Some(outcome);
        self
    }
}

/// A writer whose reaction to each event is data: the test double for requester code, and the
/// building block of fault plans.
///
/// It declares one database component named after the writer (`name`) at the root, sets a restore
/// method, and otherwise does what its script says (default: succeed at once).
///
/// With `persist_failures`, a failure sticks to the writer itself, across requester sessions,
/// until it is restarted (field failure 17: a writer stuck in `[8] Failed` until its service
/// restarts). Once one of its handlers fails (veto, fatal or panic), every later handler of any
/// session fails the same way, with the same code, until [`ScriptedWriter::restart`]. `OnIdentify`
/// neither sets nor follows the stuck failure: it must build the same document every time and may
/// not call `SetWriterFailure` (R44, R66), and a stuck writer is still listed by
/// `vssadmin list writers`, so it still identifies.
///
/// ```
/// use vss_sim::vocab::{WriterEvent, WriterFailure};
/// use vss_sim::writer::{Reaction, ScriptedWriter};
///
/// let writer = ScriptedWriter::new("SqlWriter")
///     .on(WriterEvent::PrepareForSnapshot, Reaction::slow(2_000))
///     .on(WriterEvent::Freeze, Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE));
/// # let _ = writer;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedWriter {
    /// The component name it declares.
    pub component: String,
    /// Reactions by event; events not listed succeed at once.
    pub script: BTreeMap<WriterEvent, Reaction>,
    /// A failure sticks across sessions until the writer is restarted (field failure 17).
    #[serde(default)]
    pub persist_failures: bool,
    /// The whole document it declares in `OnIdentify`, instead of one database component
    /// named `component` (e.g. a document Windows saved, loaded with `xml::wmd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Box<WriterMetadata>>,
    /// The failure the writer is stuck in (with `persist_failures`). Clones of the writer share
    /// it, so whoever keeps a clone of this handle can restart the writer after it was boxed into
    /// a machine (`Rc`: the simulation is single-threaded). Not part of the writer's description.
    #[serde(skip)]
    pub stuck: Rc<Cell<Option<Outcome>>>,
}

impl ScriptedWriter {
    /// A writer declaring component `component` that succeeds at every event.
    pub fn new(component: impl Into<String>) -> Self {
        Self {
            component: component.into(),
            ..Self::default()
        }
    }

    /// A writer that declares `document` in `OnIdentify`, as the writer that saved it did
    /// (its identity goes into the writer's [`WriterConfig`](super::WriterConfig):
    /// [`WriterConfig::from_identity`](super::WriterConfig::from_identity)).
    ///
    /// ```
    /// use vss_sim::requester::Vss;
    /// use vss_sim::vocab::Call;
    /// use vss_sim::writer::{ScriptedWriter, WriterConfig, WriterMetadata};
    /// use vss_sim::xml::wmd;
    ///
    /// let saved = r#"<WRITER_METADATA xmlns="x-schema:#VssWriterMetadataInfo" version="1.2"><IDENTIFICATION writerId="542da469-d3e1-473c-9f4f-7847f01fc64f" instanceId="096a689b-077b-44e3-a7ba-5831d480c95b" friendlyName="COM+ REGDB Writer" usage="BOOTABLE_SYSTEM_STATE" dataSource="OTHER" majorVersion="0" minorVersion="0"/><RESTORE_METHOD method="REPLACE_AT_REBOOT_IF_CANNOT_REPLACE" writerRestore="never" rebootRequired="no"/><BACKUP_LOCATIONS><FILE_GROUP componentName="COM+ REGDB" caption="COM+ REGDB" restoreMetadata="no" notifyOnBackupComplete="no" selectable="yes" selectableForRestore="no" componentFlags="0"><FILE_LIST path="%SystemRoot%\Registration" filespec="*" recursive="yes" filespecBackupType="3855"/></FILE_GROUP></BACKUP_LOCATIONS></WRITER_METADATA>"#;
    /// let view = wmd::load(saved).unwrap();
    /// let vss = Vss::builder()
    ///     .writer(
    ///         WriterConfig::from_identity(&view.identity),
    ///         ScriptedWriter::declaring(WriterMetadata::from_view(&view)),
    ///     )
    ///     .build();
    /// let mut bc = vss.dynamic();
    /// bc.call_ok(Call::InitializeForBackup).unwrap();
    /// bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
    /// // The requester reads what Windows saved, and saves it back byte for byte.
    /// let seen = &bc.writer_metadata().unwrap()[0];
    /// assert_eq!(wmd::save(seen), saved);
    /// ```
    pub fn declaring(document: WriterMetadata) -> Self {
        let component = document
            .components
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default();
        Self {
            component,
            document: Some(Box::new(document)),
            ..Self::default()
        }
    }

    /// Reacts to `event` with `reaction`.
    #[must_use]
    pub fn on(mut self, event: WriterEvent, reaction: Reaction) -> Self {
        self.script.insert(event, reaction);
        self
    }

    /// Makes failures stick across sessions until restarted (field failure 17).
    #[must_use]
    pub fn persist_failures(mut self) -> Self {
        self.persist_failures = true;
        self
    }

    /// The writer (its service) restarts: a stuck failure is gone.
    pub fn restart(&self) {
        self.stuck.set(None);
    }

    /// The reaction to `event`: the script's, unless a stuck failure overrides its outcome (the
    /// script's time is still spent). With `persist_failures`, a failure becomes stuck.
    #[cfg(test)]
    fn reaction(&self, event: WriterEvent) -> Reaction {
        let mut reaction = self.script.get(&event).cloned().unwrap_or_default();
        reaction.outcome = self.outcome(event, reaction.outcome);
        reaction
    }

    /// How `event` ends: as scripted, or with the failure stuck to the writer
    /// (`persist_failures`; Identify neither follows nor sets it, R44, R66).
    fn outcome(&self, event: WriterEvent, scripted: Outcome) -> Outcome {
        if !self.persist_failures || event == WriterEvent::Identify {
            return scripted;
        }
        match self.stuck.get() {
            Some(stuck) => stuck,
            None => {
                if scripted != Outcome::Succeed {
                    self.stuck.set(Some(scripted));
                }
                scripted
            }
        }
    }

    /// Runs the script for the handler `ctx` is in, borrowing it: the hot path of every
    /// simulated backup clones nothing.
    fn react(&self, ctx: &mut HandlerContext<'_>) -> bool {
        let event = ctx.event();
        let Some(reaction) = self.script.get(&event) else {
            return self.outcome(event, Outcome::Succeed).end_handler(ctx, true);
        };
        ctx.spend_ms(reaction.spend_ms);
        if let Some(signal) = &reaction.set_signal {
            ctx.set_signal(signal.clone());
        }
        if let Some(wait) = &reaction.wait {
            return ctx.wait(wait.clone());
        }
        self.outcome(event, reaction.outcome).end_handler(ctx, true)
    }
}

impl Outcome {
    /// Ends a handler this way: `SetWriterFailure` as the outcome says, then its return value;
    /// `Succeed` returns `own`, what the handler itself returned. Shared by the scripted
    /// writer, fault injection and the test kit, so a scripted failure means one thing.
    pub(crate) fn end_handler(self, ctx: &mut HandlerContext<'_>, own: bool) -> bool {
        match self {
            Self::Succeed => own,
            Self::Veto(failure) => {
                let _ = ctx.set_writer_failure(failure);
                true
            }
            Self::Fatal(failure) => {
                if let Some(failure) = failure {
                    let _ = ctx.set_writer_failure(failure);
                }
                false
            }
            Self::Panic => panic!("scripted writer panics in {}", ctx.event().handler_name()),
        }
    }
}

impl Writer for ScriptedWriter {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, metadata: &mut WriterMetadata) -> bool {
        match &self.document {
            Some(document) => metadata.clone_from(document),
            None => {
                metadata.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
                metadata.add_component(ComponentType::VSS_CT_DATABASE, None, &self.component);
            }
        }
        self.react(ctx)
    }

    fn on_prepare_backup(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_thaw(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_post_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_abort(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_backup_complete(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_backup_shutdown(&mut self, ctx: &mut HandlerContext<'_>, _set: SnapshotSetId) -> bool {
        self.react(ctx)
    }

    fn on_pre_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_post_restore(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        self.react(ctx)
    }

    fn on_wait_ended(&mut self, ctx: &mut HandlerContext<'_>, ended: WaitEnd) -> bool {
        let event = ctx.event();
        let reaction = self.script.get(&event);
        let scripted = match (ended, reaction.and_then(|r| r.on_timeout)) {
            (WaitEnd::TimedOut, Some(outcome)) => outcome,
            _ => reaction.map_or(Outcome::Succeed, |r| r.outcome),
        };
        self.outcome(event, scripted).end_handler(ctx, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requester::{DynBackupComponents, Vss};
    use crate::vocab::{
        BackupState, BackupType, Call, Hresult, ProviderId, WriterClassId, WriterFailure,
        WriterState,
    };
    use crate::writer::WriterConfig;

    const RETRYABLE: Hresult = Hresult::VSS_E_WRITERERROR_RETRYABLE;

    fn machine(writer: ScriptedWriter) -> Vss {
        let config = WriterConfig::new(WriterClassId::from_u128(17), "Stuck");
        Vss::builder().writer(config, writer).build()
    }

    /// A non-component-mode backup (every identified writer takes part, Q13) through
    /// PrepareForBackup.
    fn prepared(vss: &Vss) -> DynBackupComponents {
        let mut bc = vss.dynamic();
        bc.call_ok(Call::InitializeForBackup).unwrap();
        let state = BackupState {
            select_components: false,
            ..BackupState::components(BackupType::VSS_BT_FULL)
        };
        bc.call_ok(Call::SetBackupState(state)).unwrap();
        bc.call_and_wait(Call::GatherWriterMetadata).unwrap();
        bc.call_ok(Call::StartSnapshotSet).unwrap();
        bc.call_ok(Call::AddToSnapshotSet {
            volume: "C:\\".into(),
            provider: ProviderId::NULL,
        })
        .unwrap();
        bc.call_and_wait(Call::PrepareForBackup).unwrap();
        bc
    }

    /// The one writer's row of `GetWriterStatus`.
    fn status(bc: &mut DynBackupComponents) -> (WriterState, Hresult) {
        let rows = bc.writer_status().unwrap();
        assert_eq!(rows.len(), 1, "R10: an identified writer has a status row");
        (rows[0].state, rows[0].failure)
    }

    /// A writer whose `OnAbort` fails: a backup cancelled by its requester leaves it broken.
    fn abort_fails() -> ScriptedWriter {
        ScriptedWriter::new("Stuck").on(
            WriterEvent::Abort,
            Reaction::fatal(WriterFailure::VSS_E_WRITERERROR_RETRYABLE),
        )
    }

    /// Backup 1: prepared, then abandoned with AbortBackup (R52), so the writer's OnAbort runs.
    fn aborted_backup(vss: &Vss) {
        let mut bc = prepared(vss);
        bc.call_ok(Call::AbortBackup).unwrap();
        bc.call_ok(Call::Release).unwrap();
    }

    #[test]
    fn without_persistence_the_next_session_starts_afresh() {
        let vss = machine(abort_fails());
        aborted_backup(&vss);
        let mut bc = prepared(&vss);
        // R74, T2: a new session's writer is stable after PrepareForBackup.
        assert_eq!(status(&mut bc), (WriterState::VSS_WS_STABLE, Hresult::S_OK));
    }

    #[test]
    fn a_persistent_failure_sticks_across_sessions_until_restart() {
        // Field failure 17: the failed OnAbort of backup 1...
        let writer = abort_fails().persist_failures();
        let handle = writer.clone();
        let vss = machine(writer);
        aborted_backup(&vss);
        assert_eq!(
            handle.stuck.get(),
            Some(Outcome::Fatal(Some(
                WriterFailure::VSS_E_WRITERERROR_RETRYABLE
            )))
        );
        // ...makes backup 2 fail at its first operation event, PrepareForBackup (R75), with the
        // same code; Identify still succeeds (R44, R66), so the writer keeps its status row (R10).
        let mut bc = prepared(&vss);
        assert_eq!(
            status(&mut bc),
            (WriterState::VSS_WS_FAILED_AT_PREPARE_BACKUP, RETRYABLE)
        );
        bc.call_ok(Call::AbortBackup).unwrap();
        bc.call_ok(Call::Release).unwrap();
        // A restart clears it: backup 3 goes through (its OnAbort is never called).
        handle.restart();
        assert_eq!(handle.stuck.get(), None);
        let mut bc = prepared(&vss);
        bc.call_and_wait(Call::DoSnapshotSet).unwrap();
        assert_eq!(
            status(&mut bc),
            (
                WriterState::VSS_WS_WAITING_FOR_BACKUP_COMPLETE,
                Hresult::S_OK
            )
        );
    }

    #[test]
    fn the_stuck_failure_keeps_its_flavour_and_the_scripts_time() {
        // A fatal failure without a code stays fatal (a false return: NONRETRYABLE, R64), and a
        // later handler still spends its scripted time.
        let writer = ScriptedWriter::new("Stuck")
            .on(
                WriterEvent::PrepareForBackup,
                Reaction {
                    outcome: Outcome::Fatal(None),
                    ..Reaction::SUCCEED
                },
            )
            .on(WriterEvent::PostSnapshot, Reaction::slow(250))
            .persist_failures();
        assert_eq!(
            writer.reaction(WriterEvent::PostSnapshot),
            Reaction::slow(250)
        );
        assert_eq!(
            writer.reaction(WriterEvent::PrepareForBackup).outcome,
            Outcome::Fatal(None)
        );
        let stuck = Reaction {
            outcome: Outcome::Fatal(None),
            ..Reaction::slow(250)
        };
        assert_eq!(writer.reaction(WriterEvent::PostSnapshot), stuck);
        // Identify neither follows nor sets the stuck failure (R44, R66).
        assert_eq!(writer.reaction(WriterEvent::Identify), Reaction::SUCCEED);
        // A later, different failure does not replace the first.
        let other = writer.clone().on(WriterEvent::Thaw, Reaction::PANIC);
        assert_eq!(
            other.reaction(WriterEvent::Thaw).outcome,
            Outcome::Fatal(None)
        );
        writer.restart();
        assert_eq!(
            writer.reaction(WriterEvent::PostSnapshot),
            Reaction::slow(250)
        );
    }

    #[test]
    fn an_identify_failure_does_not_stick() {
        let writer = ScriptedWriter::new("Hidden")
            .on(WriterEvent::Identify, Reaction::PANIC)
            .persist_failures();
        assert_eq!(writer.reaction(WriterEvent::Identify), Reaction::PANIC);
        assert_eq!(writer.stuck.get(), None);
        assert_eq!(writer.reaction(WriterEvent::Freeze), Reaction::SUCCEED);
    }

    #[test]
    fn clones_share_the_stuck_failure_and_serde_skips_it() {
        let writer = ScriptedWriter::new("Stuck").persist_failures();
        let handle = writer.clone();
        writer.stuck.set(Some(Outcome::Panic));
        assert_eq!(handle.stuck.get(), Some(Outcome::Panic));
        let json = serde_json::to_string(&writer).unwrap();
        assert!(!json.contains("stuck"), "{json}");
        let back: ScriptedWriter = serde_json::from_str(&json).unwrap();
        assert!(back.persist_failures);
        assert_eq!(back.stuck.get(), None);
        // Opt-in: files written before the field existed read as not persistent.
        let old: ScriptedWriter =
            serde_json::from_str(r#"{"component": "W", "script": {}}"#).unwrap();
        assert!(!old.persist_failures);
    }

    #[test]
    fn a_fatal_failure_without_a_code_has_a_file_form() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct File {
            reaction: Reaction,
        }
        for outcome in [
            Outcome::Fatal(None),
            Outcome::Fatal(Some(WriterFailure::VSS_E_WRITERERROR_TIMEOUT)),
        ] {
            let file = File {
                reaction: Reaction {
                    outcome,
                    ..Reaction::SUCCEED
                },
            };
            let text = toml::to_string(&file).unwrap();
            assert_eq!(toml::from_str::<File>(&text).unwrap(), file, "{text}");
        }
        let text = "reaction = { outcome = { Fatal = \"NoCode\" } }";
        let file: File = toml::from_str(text).unwrap();
        assert_eq!(file.reaction.outcome, Outcome::Fatal(None));
        let err = toml::from_str::<File>("reaction = { outcome = { Fatal = \"Oops\" } }")
            .unwrap_err()
            .to_string();
        assert!(err.contains("`Oops` is not a writer failure code"), "{err}");
    }
}
