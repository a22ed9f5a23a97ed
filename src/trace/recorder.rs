//! The trace recorder: an append-only list of [`TraceRecord`]s, JSON Lines in and out.

use std::io;

use super::{TraceEvent, TraceRecord};

/// Whether the coordinator records a trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceMode {
    /// Record every event (the default: the oracle needs it).
    #[default]
    Record,
    /// Record nothing; `tracing` events are still emitted. For benchmarks and long sweeps.
    Off,
}

/// Everything the coordinator did, in order, with virtual times.
///
/// Every record is mirrored as a `tracing` event at `DEBUG` level, target `vss_sim::trace`, as it
/// is recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    records: Vec<TraceRecord>,
    mode: TraceMode,
}

/// A trace file line that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("trace line {line}: {message} (expected one JSON object per line, as written by Trace::to_json_lines)")]
pub struct TraceParseError {
    /// 1-based line number.
    pub line: usize,
    /// What was wrong.
    pub message: String,
}

impl Trace {
    /// An empty trace recording in `mode`.
    pub fn new(mode: TraceMode) -> Self {
        // A three-writer backup records about 150 events: start big enough to rarely grow.
        let capacity = if mode == TraceMode::Record { 256 } else { 0 };
        Self {
            records: Vec::with_capacity(capacity),
            mode,
        }
    }

    /// A trace holding `records`, e.g. one built by hand for a test.
    pub fn from_records(records: Vec<TraceRecord>) -> Self {
        Self {
            records,
            mode: TraceMode::Record,
        }
    }

    /// Reads a trace written by [`Trace::to_json_lines`]; blank lines are skipped.
    pub fn from_json_lines(text: &str) -> Result<Self, TraceParseError> {
        let mut records = Vec::new();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let record = serde_json::from_str(line).map_err(|err| TraceParseError {
                line: index + 1,
                message: err.to_string(),
            })?;
            records.push(record);
        }
        Ok(Self::from_records(records))
    }

    /// The records, oldest first.
    pub fn records(&self) -> &[TraceRecord] {
        &self.records
    }

    /// How the trace records.
    pub fn mode(&self) -> TraceMode {
        self.mode
    }

    /// The trace as JSON Lines: one record per line.
    pub fn to_json_lines(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail, and every record type serializes.
        self.write_json_lines(&mut out)
            .expect("writing JSON to memory cannot fail");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Writes the trace as JSON Lines to `out`.
    pub fn write_json_lines(&self, mut out: impl io::Write) -> io::Result<()> {
        for record in &self.records {
            serde_json::to_writer(&mut out, record)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }

    /// A stable 64-bit FNV-1a hash of the JSON Lines form, for determinism checks.
    pub fn fingerprint(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.to_json_lines().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    }

    /// A fast 64-bit digest of the records (FxHash-style mixing over their `Hash`), for counting
    /// distinct traces during exploration. Stable within one build; use [`Trace::fingerprint`]
    /// for a value stable across versions.
    ///
    /// Each record is hashed on its own and the record hashes are then mixed in order: one
    /// long chain of dependent multiplications made this as slow as judging several rules,
    /// while independent per-record chains run side by side.
    pub fn digest(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut digest = Mix(0);
        digest.add(self.records.len() as u64);
        for record in &self.records {
            let mut one = Mix(0);
            record.hash(&mut one);
            digest.add(one.finish());
        }
        digest.finish()
    }

    /// Moves the records out, leaving this trace empty (in the same mode, without allocating):
    /// for a finished run whose machine is about to be dropped, where a copy would be wasted.
    pub(crate) fn take(&mut self) -> Self {
        Self {
            records: std::mem::take(&mut self.records),
            mode: self.mode,
        }
    }

    /// Appends one record and mirrors it to `tracing`.
    pub(crate) fn push(&mut self, at_ms: u64, event: TraceEvent) {
        tracing::debug!(target: "vss_sim::trace", at_ms, event = ?event);
        if self.mode == TraceMode::Record {
            self.records.push(TraceRecord { at_ms, event });
        }
    }
}

/// FxHash-style mixing of whole words (the derived `Hash` of trace records writes integers, not
/// bytes): fast, not collision-resistant. Used for trace digests and the engine's hash indexes.
#[derive(Default)]
pub(crate) struct Mix(u64);

impl Mix {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 56);
    }
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::SessionNo;

    #[test]
    fn json_lines_round_trip() {
        let mut trace = Trace::new(TraceMode::Record);
        trace.push(
            0,
            TraceEvent::SessionCreated {
                session: SessionNo(0),
            },
        );
        trace.push(
            5,
            TraceEvent::Called {
                session: SessionNo(0),
                call: crate::vocab::Call::InitializeForBackup,
                hr: crate::vocab::Hresult::S_OK,
            },
        );
        let text = trace.to_json_lines();
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains("\"hr\":\"S_OK\""), "{text}");
        let back = Trace::from_json_lines(&text).unwrap();
        assert_eq!(back.records(), trace.records());
        assert_eq!(back.fingerprint(), trace.fingerprint());
    }

    #[test]
    fn bad_line_names_its_number() {
        let err = Trace::from_json_lines("\n{\"at_ms\":0}\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string()
                .starts_with("trace line 2: missing field `event`"),
            "{err}"
        );
    }

    #[test]
    fn off_mode_keeps_nothing() {
        let mut trace = Trace::new(TraceMode::Off);
        trace.push(
            0,
            TraceEvent::SessionCreated {
                session: SessionNo(0),
            },
        );
        assert!(trace.records().is_empty());
    }
}
