//! [`ScriptedWriter`]: a writer whose behaviour per event is data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{HandlerContext, Writer, WriterMetadata};
use crate::vocab::{ComponentType, RestoreMethod, SnapshotSetId, WriterEvent, WriterFailure};

/// How a handler ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// Return `true`.
    #[default]
    Succeed,
    /// `SetWriterFailure(code)`, then `true`: a veto (R65).
    Veto(WriterFailure),
    /// `SetWriterFailure(code)` if given, then `false`: a fatal error (R64).
    Fatal(Option<WriterFailure>),
    /// Panic (a C++ writer throwing): recorded as a failure, never a crash of the run.
    Panic,
}

/// What a scripted handler does: spend virtual time, then end with an outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct Reaction {
    /// Virtual time the handler takes.
    pub spend_ms: u64,
    /// How it ends.
    pub outcome: Outcome,
}

impl Reaction {
    /// Succeed at once.
    pub const SUCCEED: Self = Self {
        spend_ms: 0,
        outcome: Outcome::Succeed,
    };

    /// Veto with `failure`.
    pub const fn veto(failure: WriterFailure) -> Self {
        Self {
            spend_ms: 0,
            outcome: Outcome::Veto(failure),
        }
    }

    /// Fail fatally with `failure`.
    pub const fn fatal(failure: WriterFailure) -> Self {
        Self {
            spend_ms: 0,
            outcome: Outcome::Fatal(Some(failure)),
        }
    }

    /// Panic.
    pub const PANIC: Self = Self {
        spend_ms: 0,
        outcome: Outcome::Panic,
    };

    /// Succeed after `ms`.
    pub const fn slow(ms: u64) -> Self {
        Self {
            spend_ms: ms,
            outcome: Outcome::Succeed,
        }
    }
}

/// A writer whose reaction to each event is data: the test double for requester code, and the
/// building block of fault plans.
///
/// It declares one database component named after the writer (`name`) at the root, sets a restore
/// method, and otherwise does what its script says (default: succeed at once).
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
}

impl ScriptedWriter {
    /// A writer declaring component `component` that succeeds at every event.
    pub fn new(component: impl Into<String>) -> Self {
        Self {
            component: component.into(),
            script: BTreeMap::new(),
        }
    }

    /// Reacts to `event` with `reaction`.
    #[must_use]
    pub fn on(mut self, event: WriterEvent, reaction: Reaction) -> Self {
        self.script.insert(event, reaction);
        self
    }

    fn react(&self, ctx: &mut HandlerContext<'_>) -> bool {
        let reaction = self.script.get(&ctx.event()).copied().unwrap_or_default();
        ctx.spend_ms(reaction.spend_ms);
        match reaction.outcome {
            Outcome::Succeed => true,
            Outcome::Veto(failure) => {
                let _ = ctx.set_writer_failure(failure);
                true
            }
            Outcome::Fatal(failure) => {
                if let Some(failure) = failure {
                    let _ = ctx.set_writer_failure(failure);
                }
                false
            }
            Outcome::Panic => panic!("scripted writer panics in {}", ctx.event().handler_name()),
        }
    }
}

impl Writer for ScriptedWriter {
    fn on_identify(&mut self, ctx: &mut HandlerContext<'_>, metadata: &mut WriterMetadata) -> bool {
        metadata.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        metadata.add_component(ComponentType::VSS_CT_DATABASE, None, &self.component);
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
}
