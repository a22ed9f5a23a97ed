//! Waiting on the virtual clock: named signals (modelled on Win32 named events) and what a
//! handler, a provider step, a requester or a host waits for (`WaitForSingleObject` with a
//! timeout).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The name of a signal: a manual-reset event shared by name across the machine, as a named
/// Win32 event is (`CreateEvent(NULL, TRUE, FALSE, L"name")`). Anyone may set or reset it: a
/// writer or provider from its handler, a requester program, or a test acting as the host
/// outside the machine. Every signal starts reset.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SignalName(pub String);

impl SignalName {
    /// A signal named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SignalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "signal `{}`", self.0)
    }
}

impl From<&str> for SignalName {
    fn from(name: &str) -> Self {
        Self(name.to_owned())
    }
}

impl From<String> for SignalName {
    fn from(name: String) -> Self {
        Self(name)
    }
}

/// What a wait waits for: a signal, a timeout, whichever comes first of the two, or nothing
/// at all (a hang). `WaitForSingleObject(event, ms)`, `WaitForSingleObject(event, INFINITE)`,
/// `Sleep(ms)` and a blocked thread, in virtual time.
///
/// ```
/// use vss_sim::vocab::Wait;
///
/// let sleep = Wait::ms(2_000);
/// let host = Wait::signal("host-thawed").or_ms(10_000);
/// let hang = Wait::forever();
/// # let _ = (sleep, host, hang);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wait {
    /// The signal that ends the wait; none: only the timeout does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<SignalName>,
    /// How long until the wait times out, from when it starts; none: never (`INFINITE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl Wait {
    /// `Sleep(ms)`: the wait times out after `ms`.
    pub fn ms(ms: u64) -> Self {
        Self {
            signal: None,
            timeout_ms: Some(ms),
        }
    }

    /// `WaitForSingleObject(signal, INFINITE)`: until `signal` is set.
    pub fn signal(signal: impl Into<SignalName>) -> Self {
        Self {
            signal: Some(signal.into()),
            timeout_ms: None,
        }
    }

    /// A wait that never ends: a hung thread.
    pub fn forever() -> Self {
        Self {
            signal: None,
            timeout_ms: None,
        }
    }

    /// The same wait, timing out after `ms` if nothing ended it first.
    #[must_use]
    pub fn or_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// Whether nothing can end this wait.
    pub fn is_forever(&self) -> bool {
        self.signal.is_none() && self.timeout_ms.is_none()
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.signal, self.timeout_ms) {
            (Some(signal), Some(ms)) => write!(f, "{signal} or {ms} ms"),
            (Some(signal), None) => write!(f, "{signal}"),
            (None, Some(ms)) => write!(f, "{ms} ms"),
            (None, None) => f.write_str("forever"),
        }
    }
}

/// How a wait ended: `WAIT_OBJECT_0` or `WAIT_TIMEOUT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WaitEnd {
    /// The signal was set (`WAIT_OBJECT_0`).
    Signalled,
    /// The timeout passed first (`WAIT_TIMEOUT`).
    TimedOut,
}

impl WaitEnd {
    /// Both ends.
    pub const ALL: [Self; 2] = [Self::Signalled, Self::TimedOut];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_what_they_wait_for() {
        assert_eq!(Wait::ms(5).to_string(), "5 ms");
        assert_eq!(
            Wait::signal("go").or_ms(10).to_string(),
            "signal `go` or 10 ms"
        );
        assert_eq!(Wait::forever().to_string(), "forever");
        assert!(Wait::forever().is_forever());
        assert!(!Wait::signal("go").is_forever());
    }
}
