//! The limits vss-sim accepts, so every run stays bounded and every number a scenario holds
//! round-trips through TOML and JSON.
//!
//! Scenario files beyond them are refused with an error naming the field and the limit
//! ([`Scenario::load`](crate::sim::Scenario::load)); through the dynamic API, `AddComponent`
//! beyond [`MAX_COMPONENTS`] answers `E_OUTOFMEMORY`, as Windows does when it runs out of room.
//! Windows itself has far lower practical limits (a machine has tens of writers); these are
//! there for generated and hostile input.

/// The longest duration or deadline, in virtual milliseconds, a scenario may hold (freeze
/// windows, handler and provider times, waits, sleeps): 2^53 ms, about 285,000 years. Every such
/// number is exact in a JSON double and fits a TOML integer, and sums of a few never overflow.
pub const MAX_DURATION_MS: u64 = 1 << 53;

/// The most writers a scenario may register.
pub const MAX_WRITERS: usize = 16_384;

/// The most components one requester object may add (`AddComponent`), and the most selectable
/// components a scenario may name.
pub const MAX_COMPONENTS: usize = 1 << 20;

/// The most providers a scenario may register.
pub const MAX_PROVIDERS: usize = 256;

/// The most volumes a scenario's machine may have.
pub const MAX_VOLUMES: usize = 4_096;

/// The most requester steps a scenario may hold.
pub const MAX_STEPS: usize = 100_000;

/// Requester numbers in a scenario are `0..MAX_REQUESTERS` (R102: 64 concurrent backup
/// sessions).
pub const MAX_REQUESTERS: u32 = 64;
