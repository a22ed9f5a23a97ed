//! [`Probe`]: how the test kit asks the application about its state, and [`ProbeScope`]: when
//! the answer must be yes.

use std::fmt;
use std::rc::Rc;

use crate::vocab::WriterEvent;

/// Tells whether the application behind a writer is in the state a [`ProbeScope`] asks for:
/// accepting writes, not frozen, holding no backup's state.
///
/// Closures implement it, so a writer's test usually writes
/// `.probe("accepts writes", |w: &MyWriter| w.db().accepts_writes())`.
pub trait Probe<W: ?Sized> {
    /// True when the application is in the state the probe checks.
    fn is_running_normally(&self, writer: &W) -> bool;
}

impl<W: ?Sized, F: Fn(&W) -> bool> Probe<W> for F {
    fn is_running_normally(&self, writer: &W) -> bool {
        self(writer)
    }
}

/// When a probe must hold. A writer may keep state during a backup that must be gone once the
/// backup is over (temporary copies made in `OnPrepareSnapshot` and removed in
/// `OnPostSnapshot`, a file handle held until `OnBackupComplete`); a probe for that state is
/// [`ProbeScope::AtRest`], while "not frozen" is [`ProbeScope::Resumed`].
#[derive(Clone)]
pub enum ProbeScope {
    /// The application is not frozen: after `OnThaw`, `OnAbort` and `OnBackupShutdown` (unless
    /// another backup has it frozen at that moment; R55, R57, R71), and whenever it is at rest.
    Resumed,
    /// No backup of this writer is in flight: after an `OnBackupShutdown` that ends the last
    /// backup under way, before each new backup's `OnIdentify` when none is under way, and at
    /// the end of every run (R58). A failure is charged to the backup that ended last.
    AtRest,
    /// After every handler for which the predicate, given the events the writer has handled
    /// so far (oldest first, the one just handled last), says yes.
    When(HistoryPredicate),
}

/// A predicate over the events a writer handled so far, oldest first.
pub type HistoryPredicate = Rc<dyn Fn(&[WriterEvent]) -> bool>;

impl ProbeScope {
    /// [`ProbeScope::When`] of `predicate`.
    pub fn when(predicate: impl Fn(&[WriterEvent]) -> bool + 'static) -> Self {
        Self::When(Rc::new(predicate))
    }

    /// The scope in a few words, as reports name it.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Resumed => "resumed",
            Self::AtRest => "at rest",
            Self::When(_) => "when its predicate holds",
        }
    }

    /// Whether the probe must also hold at rest (every scope but `When`).
    pub(crate) fn holds_at_rest(&self) -> bool {
        matches!(self, Self::Resumed | Self::AtRest)
    }

    /// Its kind, without the predicate.
    pub(crate) fn kind(&self) -> ScopeKind {
        match self {
            Self::Resumed => ScopeKind::Resumed,
            Self::AtRest => ScopeKind::AtRest,
            Self::When(_) => ScopeKind::When,
        }
    }
}

/// A [`ProbeScope`] without its predicate: what the judging of a run needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Resumed,
    AtRest,
    When,
}

impl fmt::Debug for ProbeScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resumed => f.write_str("Resumed"),
            Self::AtRest => f.write_str("AtRest"),
            Self::When(_) => f.write_str("When(..)"),
        }
    }
}

/// A probe with its name and scope, as the kit keeps it.
pub(crate) struct NamedProbe<W: ?Sized> {
    pub(crate) name: String,
    pub(crate) scope: ProbeScope,
    pub(crate) probe: Rc<dyn Probe<W>>,
}

impl<W: ?Sized> Clone for NamedProbe<W> {
    fn clone(&self) -> Self {
        Self {
            name: self.name.clone(),
            scope: self.scope.clone(),
            probe: self.probe.clone(),
        }
    }
}
