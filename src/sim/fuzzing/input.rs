//! The byte reader every fuzz target decodes with, and the tables it decodes into.

use crate::vocab::{ApplicationLevel, Hresult, Policies, ProviderId, WriterClassId, WriterFailure};
use crate::writer::{Outcome, Reaction};

pub(super) struct Input<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Input<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    pub(super) fn is_exhausted(&self) -> bool {
        self.at >= self.bytes.len()
    }

    pub(super) fn byte(&mut self) -> u8 {
        let byte = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at = self.at.saturating_add(1);
        byte
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    pub(super) fn bit(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// One of `options`, which are never empty at the call sites (constant arrays).
    pub(super) fn pick<T: Copy, const N: usize>(&mut self, options: &[T; N]) -> T {
        options[self.below(N)]
    }

    pub(super) fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    pub(super) fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }

    /// The next `n` bytes (fewer at the end of the input).
    pub(super) fn take(&mut self, n: usize) -> &'a [u8] {
        let start = self.at.min(self.bytes.len());
        let end = start.saturating_add(n).min(self.bytes.len());
        self.at = self.at.saturating_add(n);
        &self.bytes[start..end]
    }
}

/// Every level of `VSS_APPLICATION_LEVEL` (R46), the documented ones first.
pub(super) const LEVELS: [ApplicationLevel; 6] = ApplicationLevel::ALL;

pub(super) const FREEZE_TIMEOUTS_MS: [u64; 7] =
    [60_000, 60_000, 20_000, 10_000, 1_000, 0, u64::MAX];

pub(super) const PROVIDER_RESULTS: [Hresult; 6] = [
    Hresult::VSS_E_PROVIDER_VETO,
    Hresult::VSS_E_INSUFFICIENT_STORAGE,
    Hresult::E_UNEXPECTED,
    Hresult::VSS_E_UNEXPECTED,
    Hresult::S_OK,
    Hresult::VSS_E_BAD_STATE,
];

/// Durations that sit on and around the engine's windows: the 10 s hold-writes window (R89),
/// a 20 s and the default 60 s freeze window (R59).
#[rustfmt::skip]
pub(super) const SPENDS_MS: [u64; 10] = [0, 0, 0, 200, 9_999, 10_001, 11_000, 20_000, 61_000, u64::MAX];

pub(super) const SLEEPS_MS: [u64; 9] =
    [0, 10, 500, 5_000, 10_001, 20_000, 61_000, 600_000, u64::MAX];

pub(super) const WAIT_TIMEOUTS_MS: [Option<u64>; 9] = [
    None,
    None,
    Some(0),
    Some(100),
    Some(1_000),
    Some(10_000),
    Some(30_000),
    Some(70_000),
    Some(u64::MAX),
];

/// Raw `SetContext` values: the six contexts (T6), `VSS_CTX_ALL`, attribute bits alone, and an
/// unknown bit; the decoder also draws arbitrary values.
#[rustfmt::skip]
pub(super) const CONTEXTS: [u32; 10] = [
    0,
    0x10,
    0x19,
    0x09,
    0x1D,
    0x0D,
    0xFFFF_FFFF,
    0x0006_0000,
    0x08,
    0x20, // VSS_CTX_BACKUP | TRANSPORTABLE (R97)
];

pub(super) const VOLUMES: [&str; 6] = ["C:\\", "C:\\", "D:\\", "E:\\", "C:", ""];

/// A provider that supports `D:\` only, besides the system provider.
pub(super) const FUZZ_PROVIDER: ProviderId = ProviderId::from_u128(0x5653_5f50_0000_0001);

pub(super) fn class_id(index: usize) -> WriterClassId {
    WriterClassId::from_u128(0x5653_5f46_0000 + index as u128)
}

pub(super) fn reaction(input: &mut Input<'_>) -> Reaction {
    let spend_ms = input.pick(&SPENDS_MS);
    let outcome_byte = input.byte();
    let failure = input.pick(&WriterFailure::ALL);
    let outcome = match outcome_byte % 8 {
        0..=2 => Outcome::Succeed,
        3 | 4 => Outcome::Veto(failure),
        5 => Outcome::Fatal(Some(failure)),
        6 => Outcome::Fatal(None),
        _ => Outcome::Panic,
    };
    Reaction {
        spend_ms,
        outcome,
        ..Reaction::SUCCEED
    }
}

pub(super) fn policies(input: &mut Input<'_>) -> Policies {
    Policies::from_picks(|alternatives| input.below(alternatives))
}
