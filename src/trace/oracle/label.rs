//! How rule messages name writers and providers.

use std::cell::OnceCell;
use std::fmt;
use std::ops::Deref;

/// A writer or provider as messages name it: "writer#1 (SqlWriter)", "writer#7 (unregistered)".
///
/// Rules name parties in every message they might report, but report rarely: the label is a
/// borrowed number and name, formatted only if a message is actually written. It also derefs to
/// its text (formatted on first use) for code that wants a `&str`.
#[derive(Clone, Debug)]
pub(super) struct Label<'m, N> {
    number: N,
    /// The registered name; `None` when the number was never registered.
    name: Option<&'m str>,
    text: OnceCell<String>,
}

impl<'m, N> Label<'m, N> {
    pub(super) fn new(number: N, name: Option<&'m str>) -> Self {
        Self {
            number,
            name,
            text: OnceCell::new(),
        }
    }
}

impl<N: fmt::Display> Deref for Label<'_, N> {
    type Target = str;

    fn deref(&self) -> &str {
        self.text.get_or_init(|| self.to_string())
    }
}

impl<N: fmt::Display> fmt::Display for Label<'_, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name {
            Some(name) => write!(f, "{} ({name})", self.number),
            None => write!(f, "{} (unregistered)", self.number),
        }
    }
}
