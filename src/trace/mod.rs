//! The trace layer: what happened, as data ([`TraceEvent`]), recorded with virtual times
//! ([`Trace`]), exported as JSON Lines, rendered for people ([`Trace::render`], and as diagrams:
//! [`Trace::render_mermaid`], [`Trace::render_html`]), and judged
//! against the spec's rules by the [`oracle`].
//!
//! This layer knows the vocabulary and nothing else: the oracle reads traces, never engine
//! internals, so a bug in the engine cannot hide itself from the judge.

mod diagram;
mod event;
pub mod oracle;
mod readings;
mod recorder;
mod render;

/// The vocabulary trace records speak in, re-exported for readers of traces.
pub use crate::vocab::{ProviderNo, ProviderStep, SessionNo, WriterNo, WriterQuery};
pub use event::{
    AbortCause, Actor, DropReason, PurgeReason, SetOutcome, Timer, TraceEvent, TraceRecord,
    UserCode,
};
pub(crate) use recorder::Mix;
pub use recorder::{Trace, TraceMode, TraceParseError};
