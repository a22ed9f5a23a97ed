//! [`Probe`]: how the test kit asks the application whether it is running normally.

/// Tells whether the application behind a writer is running normally: accepting writes, not
/// frozen, not holding a backup's state. The test kit asks after every handler and at the end of
/// every run, and holds the writer to it after `OnAbort`, `OnThaw` and `OnBackupShutdown` (R55,
/// R57, R71): a writer that forgets to resume its application fails there.
///
/// Closures implement it, so a writer's test usually writes
/// `.probe("accepts writes", |w: &MyWriter| w.db().accepts_writes())`.
pub trait Probe<W: ?Sized> {
    /// True when the application is running normally.
    fn is_running_normally(&self, writer: &W) -> bool;
}

impl<W: ?Sized, F: Fn(&W) -> bool> Probe<W> for F {
    fn is_running_normally(&self, writer: &W) -> bool {
        self(writer)
    }
}
