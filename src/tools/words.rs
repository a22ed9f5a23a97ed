//! The words Windows' tools print for writer errors (spec T13, R124); the state words are
//! [`WriterState::vssadmin_word`](crate::vocab::WriterState::vssadmin_word).
//!
//! Basis, per word: **observed** words appear in published `vssadmin list writers` output;
//! **inferred** ones are our reading where no output shows the word (open question Q22 in
//! `docs/rules.md`).

use crate::vocab::Hresult;

/// The words `vssadmin list writers` prints after `Last error:` (T13).
///
/// `No error`, `Retryable error`, `Non-retryable error` and `Timed out` are observed, and so is
/// `Not responding` (field failure 17). The others are inferred (Q22): `Inconsistent shadow copy`
/// and `Out of resources` after their codes' meanings, `Unexpected error` for anything else.
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

#[cfg(test)]
mod tests {
    use super::*;

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
