//! `VSS_SNAPSHOT_STATE` (T9) and `VSS_TIMESTAMP`: the status and creation time a shadow copy
//! reports in `VSS_SNAPSHOT_PROP`.

use serde::{Deserialize, Serialize};

/// `VSS_SNAPSHOT_STATE`. A requester only ever sees [`Self::VSS_SS_CREATED`]:
/// `GetSnapshotProperties` fails while a copy is being created, and `Query` lists completed
/// copies only (R107).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum SnapshotState {
    /// `VSS_SS_UNKNOWN` (0).
    #[default]
    VSS_SS_UNKNOWN = 0,
    /// `VSS_SS_PREPARING` (1).
    VSS_SS_PREPARING = 1,
    /// `VSS_SS_PROCESSING_PREPARE` (2).
    VSS_SS_PROCESSING_PREPARE = 2,
    /// `VSS_SS_PREPARED` (3).
    VSS_SS_PREPARED = 3,
    /// `VSS_SS_PROCESSING_PRECOMMIT` (4).
    VSS_SS_PROCESSING_PRECOMMIT = 4,
    /// `VSS_SS_PRECOMMITTED` (5).
    VSS_SS_PRECOMMITTED = 5,
    /// `VSS_SS_PROCESSING_COMMIT` (6).
    VSS_SS_PROCESSING_COMMIT = 6,
    /// `VSS_SS_COMMITTED` (7).
    VSS_SS_COMMITTED = 7,
    /// `VSS_SS_PROCESSING_POSTCOMMIT` (8).
    VSS_SS_PROCESSING_POSTCOMMIT = 8,
    /// `VSS_SS_PROCESSING_PREFINALCOMMIT` (9).
    VSS_SS_PROCESSING_PREFINALCOMMIT = 9,
    /// `VSS_SS_PREFINALCOMMITTED` (10).
    VSS_SS_PREFINALCOMMITTED = 10,
    /// `VSS_SS_PROCESSING_POSTFINALCOMMIT` (11).
    VSS_SS_PROCESSING_POSTFINALCOMMIT = 11,
    /// `VSS_SS_CREATED` (12): the copy is complete.
    VSS_SS_CREATED = 12,
    /// `VSS_SS_ABORTED` (13).
    VSS_SS_ABORTED = 13,
    /// `VSS_SS_DELETED` (14).
    VSS_SS_DELETED = 14,
    /// `VSS_SS_POSTCOMMITTED` (15).
    VSS_SS_POSTCOMMITTED = 15,
}

/// The Unix epoch as a `VSS_TIMESTAMP` (100 ns intervals since 1 January 1601 UTC, as
/// `FILETIME`).
const UNIX_EPOCH_AS_VSS_TIMESTAMP: i64 = 116_444_736_000_000_000;

/// The default start of the virtual wall clock: 2026-01-01 00:00:00 UTC, in ms since the Unix
/// epoch. Virtual time 0 is this instant (`Vss::builder().wall_clock_epoch_ms`).
pub const DEFAULT_WALL_CLOCK_EPOCH_MS: i64 = 1_767_225_600_000;

/// `unix_ms` (ms since 1970-01-01 UTC) as a `VSS_TIMESTAMP`.
pub const fn vss_timestamp(unix_ms: i64) -> i64 {
    UNIX_EPOCH_AS_VSS_TIMESTAMP.saturating_add(unix_ms.saturating_mul(10_000))
}

/// A `VSS_TIMESTAMP` as a UTC civil time: (year, month 1–12, day, hour, minute, second).
pub fn civil_time(timestamp: i64) -> (i64, u32, u32, u32, u32, u32) {
    let unix_s = timestamp
        .saturating_sub(UNIX_EPOCH_AS_VSS_TIMESTAMP)
        .div_euclid(10_000_000);
    let (days, secs) = (unix_s.div_euclid(86_400), unix_s.rem_euclid(86_400));
    // Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    let secs = secs as u32;
    (year, month, day, secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_filetimes_and_read_as_civil_time() {
        assert_eq!(vss_timestamp(0), 116_444_736_000_000_000);
        assert_eq!(
            civil_time(vss_timestamp(DEFAULT_WALL_CLOCK_EPOCH_MS)),
            (2026, 1, 1, 0, 0, 0)
        );
        // 2021-09-10 17:49:26 UTC, the creation time of a published `vssadmin list shadows`.
        assert_eq!(
            civil_time(vss_timestamp(1_631_296_166_000)),
            (2021, 9, 10, 17, 49, 26)
        );
        assert_eq!(
            civil_time(vss_timestamp(951_782_400_000)),
            (2000, 2, 29, 0, 0, 0)
        );
    }
}
