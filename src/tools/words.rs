//! The words Windows' tools print for writer errors (spec T13, R124), shadow copy types and
//! attributes, sizes and times; the state words are
//! [`WriterState::vssadmin_word`](crate::vocab::WriterState::vssadmin_word).
//!
//! Basis, per word: **observed** words appear in published `vssadmin` output; **inferred** ones
//! are our reading where no output shows the word (open question Q22 in `docs/rules.md`).

use crate::vocab::{civil_time, Attributes, Hresult, SnapshotContext};

/// The words `vssadmin list writers` prints after `Last error:` (T13).
///
/// `No error`, `Retryable error`, `Non-retryable error` and `Timed out` are observed, and so are
/// `Not responding` (field failure 17) and `Inconsistent shadow copy` (a Server 2008 capture of
/// the Hyper-V writer). The others are inferred (Q22): `Out of resources` after its code's
/// meaning, `Unexpected error` for anything else.
pub fn vssadmin_error_words(failure: Hresult) -> &'static str {
    match failure {
        Hresult::S_OK => "No error",
        Hresult::VSS_E_WRITERERROR_RETRYABLE => "Retryable error",
        Hresult::VSS_E_WRITERERROR_NONRETRYABLE => "Non-retryable error",
        Hresult::VSS_E_WRITERERROR_TIMEOUT => "Timed out",
        Hresult::VSS_E_WRITER_NOT_RESPONDING => "Not responding",
        Hresult::VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT => "Inconsistent shadow copy",
        Hresult::VSS_E_WRITERERROR_OUTOFRESOURCES => "Out of resources",
        _ => "Unexpected error",
    }
}

/// What `vssadmin list shadows` prints after `Type:` for a copy made in `context`.
///
/// `ClientAccessibleWriters`, `ClientAccessible` and `DataVolumeRollback` are observed;
/// `ApplicationRollback` is observed only as a string scripts search for; `Backup` and
/// `FileShareBackup` are inferred (non-persistent copies are rarely listed: they go with their
/// requester). `VSS_CTX_ALL` never names a copy's context.
pub fn vssadmin_type_word(context: SnapshotContext) -> &'static str {
    match context {
        SnapshotContext::VSS_CTX_BACKUP | SnapshotContext::VSS_CTX_ALL => "Backup",
        SnapshotContext::VSS_CTX_FILE_SHARE_BACKUP => "FileShareBackup",
        SnapshotContext::VSS_CTX_NAS_ROLLBACK => "DataVolumeRollback",
        SnapshotContext::VSS_CTX_APP_ROLLBACK => "ApplicationRollback",
        SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE => "ClientAccessible",
        SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS => "ClientAccessibleWriters",
    }
}

/// The attribute words of `vssadmin list shadows`, in bit order, joined by `, `.
///
/// `Persistent`, `Client-accessible`, `No auto release`, `No writers`, `Differential` and
/// `Auto recovered` are observed, in that order; the others are inferred from the attribute
/// names (T7).
pub fn vssadmin_attribute_words(attributes: u32) -> String {
    const WORDS: [(Attributes, &str); 18] = [
        (Attributes::PERSISTENT, "Persistent"),
        (Attributes::NO_AUTORECOVERY, "No auto recovery"),
        (Attributes::CLIENT_ACCESSIBLE, "Client-accessible"),
        (Attributes::NO_AUTO_RELEASE, "No auto release"),
        (Attributes::NO_WRITERS, "No writers"),
        (Attributes::TRANSPORTABLE, "Transportable"),
        (Attributes::NOT_SURFACED, "Not surfaced"),
        (Attributes::NOT_TRANSACTED, "Not transacted"),
        (Attributes::HARDWARE_ASSISTED, "Hardware assisted"),
        (Attributes::DIFFERENTIAL, "Differential"),
        (Attributes::PLEX, "Plex"),
        (Attributes::IMPORTED, "Imported"),
        (Attributes::EXPOSED_LOCALLY, "Exposed locally"),
        (Attributes::EXPOSED_REMOTELY, "Exposed remotely"),
        (Attributes::AUTORECOVER, "Auto recovered"),
        (Attributes::ROLLBACK_RECOVERY, "Rollback recovery"),
        (Attributes::TXF_RECOVERY, "Txf recovery"),
        (Attributes::FILE_SHARE, "File share"),
    ];
    let bits = Attributes(attributes);
    WORDS
        .iter()
        .filter(|(bit, _)| bits.contains(*bit))
        .map(|(_, word)| *word)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `VSS_TIMESTAMP` as vssadmin prints it in the en-US locale, in UTC: `9/10/2021 5:49:26 PM`
/// (observed layout; Windows prints local time in the user's locale).
pub fn vssadmin_time(timestamp: i64) -> String {
    let (year, month, day, hour, minute, second) = civil_time(timestamp);
    let (hour12, half) = match hour {
        0 => (12, "AM"),
        1..=11 => (hour, "AM"),
        12 => (12, "PM"),
        _ => (hour - 12, "PM"),
    };
    format!("{month}/{day}/{year} {hour12}:{minute:02}:{second:02} {half}")
}

/// A size as `vssadmin list shadowstorage` prints it, with three significant digits and a
/// binary unit, and its share of `whole`: `2.06 GB (1%)` (observed on Windows 10; older builds
/// print three decimals). The percentage is rounded down (inferred).
pub fn vssadmin_size(bytes: u64, whole: u64) -> String {
    // Under a kilobyte Windows' size formatter says bytes (`0 bytes (0%)`, observed).
    if bytes < 1024 {
        let percent = if whole == 0 {
            0
        } else {
            u64::try_from(u128::from(bytes) * 100 / u128::from(whole)).unwrap_or(u64::MAX)
        };
        return format!("{bytes} bytes ({percent}%)");
    }
    const UNITS: [&str; 7] = ["B", "KB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    // Three significant digits, rounded before the precision is chosen (9.996 is "10.0").
    let (hundredths, tenths, whole_units) = (
        (value * 100.0).round() / 100.0,
        (value * 10.0).round() / 10.0,
        value.round(),
    );
    let number = if unit == 0 || tenths >= 100.0 {
        if whole_units >= 1024.0 && unit > 0 && unit + 1 < UNITS.len() {
            unit += 1;
            format!("{:.2}", whole_units / 1024.0)
        } else {
            format!("{whole_units:.0}")
        }
    } else if hundredths >= 10.0 {
        format!("{tenths:.1}")
    } else {
        format!("{hundredths:.2}")
    };
    let percent = if whole == 0 {
        0
    } else {
        u64::try_from(u128::from(bytes) * 100 / u128::from(whole)).unwrap_or(u64::MAX)
    };
    format!("{number} {} ({percent}%)", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_observed_shadow_words() {
        // Attributes of a System Restore point, as published (ClientAccessibleWriters).
        let restore_point = SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS
            .attributes()
            .0
            | Attributes::DIFFERENTIAL.0
            | Attributes::AUTORECOVER.0;
        assert_eq!(
            vssadmin_attribute_words(restore_point),
            "Persistent, Client-accessible, No auto release, Differential, Auto recovered"
        );
        assert_eq!(
            vssadmin_type_word(SnapshotContext::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS),
            "ClientAccessibleWriters"
        );
        let published = crate::vocab::vss_timestamp(1_631_296_166_000);
        assert_eq!(vssadmin_time(published), "9/10/2021 5:49:26 PM");
        assert_eq!(
            vssadmin_time(crate::vocab::vss_timestamp(0)),
            "1/1/1970 12:00:00 AM"
        );
        assert_eq!(vssadmin_size(2_212_000_000, 150 << 30), "2.06 GB (1%)");
        assert_eq!(vssadmin_size(12_670_000_000, 147 << 30), "11.8 GB (8%)");
        assert_eq!(vssadmin_size(0, 1), "0 bytes (0%)");
        // Rounding never shows four digits or a fourth significant one.
        assert_eq!(
            vssadmin_size((9.996 * 1024.0 * 1024.0) as u64, 1 << 40),
            "10.0 MB (0%)"
        );
        assert_eq!(
            vssadmin_size((99.97 * 1024.0) as u64, 1 << 40),
            "100 KB (0%)"
        );
        assert_eq!(vssadmin_size(1024 * 1024 - 1, 1 << 40), "1.00 MB (0%)");
        assert_eq!(
            vssadmin_size(u64::MAX, 1),
            format!("16.0 EB ({}%)", u64::MAX)
        );
    }

    #[test]
    fn the_observed_error_words() {
        assert_eq!(vssadmin_error_words(Hresult::S_OK), "No error");
        assert_eq!(
            vssadmin_error_words(Hresult::VSS_E_WRITERERROR_TIMEOUT),
            "Timed out"
        );
        assert_eq!(vssadmin_error_words(Hresult::E_FAIL), "Unexpected error");
    }
}
