//! The one door to code vss-sim does not own.
//!
//! Writers, providers, choosers, deciders, probes, writer factories and requester closures are
//! user code: any of them may panic, and the value a panic carries (its payload) may itself
//! panic when it is dropped. The engine promises that user code cannot tear a run down, so every
//! call into it goes through this module:
//!
//! - `Guarded` holds a user object the engine keeps (a writer, a provider, a chooser): its only
//!   way in is `Guarded::call`, and dropping it drops the object under the guard too (a
//!   writer's own `Drop` is user code).
//! - `guard::call` runs a one-off closure (a probe, a factory, a requester's code).
//!
//! Both catch the panic, keep its message as a [`UserPanic`], and drop the payload inside a
//! second catch: a payload whose `Drop` panics again is leaked rather than dropped twice, so
//! nothing escapes. The test `tests/robustness.rs` enumerates every method of every user-facing
//! trait and panics from each with such a payload.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many guarded calls into user code this thread is inside.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Where the last panic inside user code happened, as the quiet hook saw it.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Keeps the panics of user code that the guard catches (writers, providers, probes,
/// factories) off the terminal: no message and no backtrace per run, however many runs a test
/// kit or an exploration makes. Where each happened goes into its [`UserPanic`]
/// ([`UserPanic::location`]) and so into the finding. Panics anywhere else reach the hook that
/// was installed before. Called once by the test kit, the command line and the fuzz targets;
/// later calls do nothing.
pub fn quiet_user_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DEPTH.with(Cell::get) > 0 {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LOCATION.with(|last| *last.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

/// A panic caught from user code: its message, the payload itself already disposed of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPanic {
    message: String,
    location: Option<String>,
}

impl UserPanic {
    /// The panic's message (`panic!`'s text), or a description when the payload held none.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where it panicked (`src/my_writer.rs:42:9`), when [`quiet_user_panics`] is installed.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// Takes the message from `payload`, then disposes of the payload under the guard.
    #[cold]
    fn from_payload(payload: Box<dyn Any + Send>) -> Self {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic whose payload is not a string".to_owned());
        dispose(payload);
        let location = LOCATION.with(|last| last.borrow_mut().take());
        Self { message, location }
    }

    /// The object was dropped already (only reachable from a `Drop` that re-enters).
    fn gone() -> Self {
        Self {
            message: "the user object was already dropped".to_owned(),
            location: None,
        }
    }
}

impl fmt::Display for UserPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "panicked at {location}: {}", self.message),
            None => write!(f, "panicked: {}", self.message),
        }
    }
}

/// Counts a guarded call for the quiet hook while it runs (and on unwinding).
struct Inside;

impl Inside {
    fn enter() -> Self {
        DEPTH.with(|depth| depth.set(depth.get() + 1));
        Self
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        DEPTH.with(|depth| depth.set(depth.get().saturating_sub(1)));
    }
}

impl std::error::Error for UserPanic {}

/// Runs user code `f`: its value, or the panic it raised.
#[inline]
pub(crate) fn call<R>(f: impl FnOnce() -> R) -> Result<R, UserPanic> {
    let result = {
        let _inside = Inside::enter();
        catch_unwind(AssertUnwindSafe(f))
    };
    result.map_err(UserPanic::from_payload)
}

/// Drops `value`, whose `Drop` may be user code: a panic there is caught, and its own payload
/// leaked (dropping it could panic once more).
pub(crate) fn dispose<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}

/// A user object the engine keeps, reachable only through the guard.
pub(crate) struct Guarded<T> {
    value: Option<T>,
}

impl<T> Guarded<T> {
    /// Puts `value` behind the guard.
    pub(crate) fn new(value: T) -> Self {
        Self { value: Some(value) }
    }

    /// Runs `f` on the object: its value, or the panic it raised.
    #[inline]
    pub(crate) fn call<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> Result<R, UserPanic> {
        match self.value.as_mut() {
            Some(value) => call(|| f(value)),
            None => Err(UserPanic::gone()),
        }
    }
}

impl<T> Drop for Guarded<T> {
    fn drop(&mut self) {
        if let Some(value) = self.value.take() {
            dispose(value);
        }
    }
}

impl<T> fmt::Debug for Guarded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Guarded(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload whose `Drop` panics again.
    struct Bomb;

    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("the payload's drop panicked");
        }
    }

    fn quietly<R>(f: impl FnOnce() -> R) -> R {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let value = f();
        std::panic::set_hook(hook);
        value
    }

    #[test]
    fn a_panic_is_its_message() {
        let caught = quietly(|| call(|| -> u32 { panic!("boom {}", 7) }));
        assert_eq!(caught.unwrap_err().message(), "boom 7");
        assert_eq!(call(|| 3), Ok(3));
    }

    #[test]
    fn a_payload_whose_drop_panics_is_contained() {
        let caught = quietly(|| call(|| std::panic::panic_any(Bomb)));
        assert!(caught.unwrap_err().message().contains("not a string"));
    }

    #[test]
    fn a_guarded_object_whose_drop_panics_is_contained() {
        quietly(|| {
            let mut guarded = Guarded::new(Bomb);
            assert!(guarded.call(|_| 1).is_ok());
            drop(guarded);
        });
    }
}
