//! HRESULTs with their Windows symbols and values (spec T3, T4).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Windows `HRESULT`: the 32-bit result code every VSS call returns.
///
/// Displays as its symbol and hex value, `VSS_E_BAD_STATE (0x80042301)`, so a simulated outcome can
/// be compared with a Windows log line by line. Codes the table does not know display as hex only.
/// Serializes as the symbol (or `0x…` hex for unknown codes) and deserializes from either form or
/// from a plain number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hresult(pub u32);

macro_rules! hresults {
    ($($(#[doc = $doc:literal])* $name:ident = $value:literal;)*) => {
        impl Hresult {
            $($(#[doc = $doc])* pub const $name: Self = Self($value);)*

            /// Every code this crate names, in table order (spec T3, T4).
            pub const ALL: &'static [Self] = &[$(Self::$name),*];

            /// The Windows symbol of this code, if the table knows it.
            pub const fn symbol(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// The code named `symbol` (exact Windows spelling), if the table knows it.
            pub fn from_symbol(symbol: &str) -> Option<Self> {
                match symbol {
                    $(stringify!($name) => Some(Self::$name),)*
                    _ => None,
                }
            }
        }
    };
}

hresults! {
    /// Success.
    S_OK = 0x0000_0000;
    /// Success with a caveat; from `CVssWriter::Initialize`: writer infrastructure inactive (R60).
    S_FALSE = 0x0000_0001;
    /// `IVssAsync::QueryStatus`: the operation is still running (R36).
    VSS_S_ASYNC_PENDING = 0x0004_2309;
    /// `IVssAsync::QueryStatus` / `Cancel`: the operation finished successfully (R36, R38).
    VSS_S_ASYNC_FINISHED = 0x0004_230A;
    /// `IVssAsync::QueryStatus` / `Cancel`: the operation was cancelled (R36, R38).
    VSS_S_ASYNC_CANCELLED = 0x0004_230B;
    /// `ImportSnapshots`: some shadow copies were not imported.
    VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED = 0x0004_2321;
    /// Not implemented.
    E_NOTIMPL = 0x8000_4001;
    /// Operation aborted: what a provider or a writer's application often returns when it gives
    /// up (not a valid provider result, R94: VSS turns it into
    /// `VSS_E_UNEXPECTED_PROVIDER_ERROR`).
    E_ABORT = 0x8000_4004;
    /// Unspecified failure: the generic error of Win32 and COM code (not a valid provider
    /// result, R94).
    E_FAIL = 0x8000_4005;
    /// Unexpected failure (pre-Windows 7 form of `VSS_E_UNEXPECTED`).
    E_UNEXPECTED = 0x8000_FFFF;
    /// The caller lacks the backup privilege or is not an administrator.
    E_ACCESSDENIED = 0x8007_0005;
    /// Out of memory or other resources.
    E_OUTOFMEMORY = 0x8007_000E;
    /// A parameter is not valid.
    E_INVALIDARG = 0x8007_0057;
    /// `RPC_S_SERVER_UNAVAILABLE` as an HRESULT: "The RPC server is unavailable." What COM
    /// returns for a call on a proxy whose server process is gone (the VSS service restarted:
    /// `Policies::lost_service`).
    RPC_S_SERVER_UNAVAILABLE = 0x8007_06BA;
    /// `RPC_S_CALL_FAILED` as an HRESULT: "The remote procedure call failed." What COM returns
    /// for a call whose server process died while it ran (`Policies::lost_service`).
    RPC_S_CALL_FAILED = 0x8007_06BE;
    /// "The object invoked has disconnected from its clients": a call on a proxy whose server
    /// disconnected its objects (`Policies::lost_service`).
    RPC_E_DISCONNECTED = 0x8001_0108;
    /// Object not initialized, wrong mode, or call out of sequence (R3).
    VSS_E_BAD_STATE = 0x8004_2301;
    /// Unexpected error; details are in the event log.
    VSS_E_UNEXPECTED = 0x8004_2302;
    /// The provider is already registered.
    VSS_E_PROVIDER_ALREADY_REGISTERED = 0x8004_2303;
    /// The provider id is not registered (R16).
    VSS_E_PROVIDER_NOT_REGISTERED = 0x8004_2304;
    /// The provider refused or failed (R87, R94).
    VSS_E_PROVIDER_VETO = 0x8004_2306;
    /// The provider is in use and cannot be unregistered.
    VSS_E_PROVIDER_IN_USE = 0x8004_2307;
    /// A volume, shadow copy, set, component or index was not found.
    VSS_E_OBJECT_NOT_FOUND = 0x8004_2308;
    /// No provider supports the volume (R16, R18).
    VSS_E_VOLUME_NOT_SUPPORTED = 0x8004_230C;
    /// The object already exists (duplicate component, R13).
    VSS_E_OBJECT_ALREADY_EXISTS = 0x8004_230D;
    /// The chosen provider does not support the volume.
    VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER = 0x8004_230E;
    /// A provider returned a code outside the documented list (R94).
    VSS_E_UNEXPECTED_PROVIDER_ERROR = 0x8004_230F;
    /// Malformed XML document.
    VSS_E_CORRUPT_XML_DOCUMENT = 0x8004_2310;
    /// XML document not valid, or it could not be loaded.
    VSS_E_INVALID_XML_DOCUMENT = 0x8004_2311;
    /// The set already holds the maximum number of volumes (R17).
    VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED = 0x8004_2312;
    /// Writes could not be flushed (R22).
    VSS_E_FLUSH_WRITES_TIMEOUT = 0x8004_2313;
    /// Writes could not be held: the 10 s flush-and-hold window passed (R89).
    VSS_E_HOLD_WRITES_TIMEOUT = 0x8004_2314;
    /// Failure talking to writers during `BackupComplete` (R26).
    VSS_E_UNEXPECTED_WRITER_ERROR = 0x8004_2315;
    /// Another shadow copy set is being created (R15).
    VSS_E_SNAPSHOT_SET_IN_PROGRESS = 0x8004_2316;
    /// The volume is already in the maximum number of shadow copy sets.
    VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED = 0x8004_2317;
    /// The event system or VSS is not working (R8, R28).
    VSS_E_WRITER_INFRASTRUCTURE = 0x8004_2318;
    /// A writer did not answer (T3; set by VSS as `hrFailure`).
    VSS_E_WRITER_NOT_RESPONDING = 0x8004_2319;
    /// `CVssWriter::Subscribe` called twice (R62).
    VSS_E_WRITER_ALREADY_SUBSCRIBED = 0x8004_231A;
    /// The provider does not support this context (R86).
    VSS_E_UNSUPPORTED_CONTEXT = 0x8004_231B;
    /// A shadow storage association is in use.
    VSS_E_VOLUME_IN_USE = 0x8004_231D;
    /// Too many shadow storage associations.
    VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED = 0x8004_231E;
    /// Not enough shadow storage space (R22, R87).
    VSS_E_INSUFFICIENT_STORAGE = 0x8004_231F;
    /// No shadow copies were imported.
    VSS_E_NO_SNAPSHOTS_IMPORTED = 0x8004_2320;
    /// Some shadow copies were not imported.
    VSS_E_SOME_SNAPSHOTS_NOT_IMPORTED = 0x8004_2321;
    /// The volume already has a revert in progress (`RevertToSnapshot`).
    VSS_E_REVERT_IN_PROGRESS = 0x8004_2325;
    /// The provider needs a reboot (R22).
    VSS_E_REBOOT_REQUIRED = 0x8004_2327;
    /// KTM or DTC could not be frozen (R22).
    VSS_E_TRANSACTION_FREEZE_TIMEOUT = 0x8004_2328;
    /// KTM or DTC could not be thawed (R22).
    VSS_E_TRANSACTION_THAW_TIMEOUT = 0x8004_2329;
    /// Virtual hard disks nested too deep (R16).
    VSS_E_NESTED_VOLUME_LIMIT = 0x8004_232C;
    /// Writer error: the set holds only part of the volumes a component needs (T3).
    VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT = 0x8004_23F0;
    /// Writer error: resource allocation failed (T3).
    VSS_E_WRITERERROR_OUTOFRESOURCES = 0x8004_23F1;
    /// Writer error: the Freeze→Thaw window was exceeded (T3, R76).
    VSS_E_WRITERERROR_TIMEOUT = 0x8004_23F2;
    /// Writer error: transient, a retry of the whole operation will likely succeed (T3).
    VSS_E_WRITERERROR_RETRYABLE = 0x8004_23F3;
    /// Writer error: would recur on another shadow copy (T3).
    VSS_E_WRITERERROR_NONRETRYABLE = 0x8004_23F4;
    /// Writer error: auto-recovery of the shadow copy volume failed (T3, Q14).
    VSS_E_WRITERERROR_RECOVERY_FAILED = 0x8004_23F5;
    /// Writer error: component-level failures, through `SetWriterFailureEx` only (T3).
    VSS_E_WRITERERROR_PARTIAL_FAILURE = 0x8004_2336;
    /// The Backup Components Document is for a non-transportable shadow copy set: only a
    /// transportable set's document can be imported (R97).
    VSS_E_NONTRANSPORTABLE_BCD = 0x8004_23FD;
    /// A disk id could not be reverted.
    VSS_E_CANNOT_REVERT_DISKID = 0x8004_23FE;
    /// No writer status is available (T3; set by VSS as `hrFailure`).
    VSS_E_WRITER_STATUS_NOT_AVAILABLE = 0x8004_2409;
}

impl Hresult {
    /// `HRESULT_FROM_WIN32(code)`: a Win32 error code as an HRESULT (`FACILITY_WIN32`, severity
    /// error; `ERROR_SUCCESS` stays `S_OK`). `from_win32(5)` is `E_ACCESSDENIED`, 0x80070005.
    pub const fn from_win32(code: u32) -> Self {
        if code as i32 <= 0 {
            Self(code)
        } else {
            Self(0x8007_0000 | (code & 0xFFFF))
        }
    }

    /// True for success codes (severity bit clear): `S_OK`, `S_FALSE`, `VSS_S_*`.
    pub const fn is_success(self) -> bool {
        self.0 & 0x8000_0000 == 0
    }

    /// True for failure codes (severity bit set).
    pub const fn is_failure(self) -> bool {
        !self.is_success()
    }

    /// `Ok(())` for a success code, `Err(self)` for a failure code.
    pub const fn ok(self) -> Result<(), Self> {
        if self.is_success() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl Default for Hresult {
    fn default() -> Self {
        Self::S_OK
    }
}

impl fmt::Display for Hresult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.symbol() {
            Some(symbol) => write!(f, "{symbol} (0x{:08X})", self.0),
            None => write!(f, "0x{:08X}", self.0),
        }
    }
}

impl fmt::Debug for Hresult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Hresult {}

impl From<Hresult> for u32 {
    fn from(hr: Hresult) -> Self {
        hr.0
    }
}

impl Serialize for Hresult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.symbol() {
            Some(symbol) => serializer.serialize_str(symbol),
            None => serializer.serialize_str(&format!("0x{:08X}", self.0)),
        }
    }
}

impl<'de> Deserialize<'de> for Hresult {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Number(u32),
            Text(String),
        }
        match Repr::deserialize(deserializer)? {
            Repr::Number(value) => Ok(Self(value)),
            Repr::Text(text) => Self::parse(&text).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "unknown HRESULT `{text}`: expected a symbol such as VSS_E_BAD_STATE or a hex \
                     value such as 0x80042301"
                ))
            }),
        }
    }
}

impl Hresult {
    /// Parses a symbol (`VSS_E_BAD_STATE`) or a hex value (`0x80042301`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            return u32::from_str_radix(hex, 16).ok().map(Self);
        }
        Self::from_symbol(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_symbol_and_hex() {
        assert_eq!(
            Hresult::VSS_E_BAD_STATE.to_string(),
            "VSS_E_BAD_STATE (0x80042301)"
        );
        assert_eq!(Hresult::E_FAIL.to_string(), "E_FAIL (0x80004005)");
        assert_eq!(Hresult(0x8000_4002).to_string(), "0x80004002");
    }

    #[test]
    fn values_match_the_spec_tables() {
        // T4 and T3 values, spot-checked against the learn pages the spec cites.
        assert_eq!(Hresult::VSS_E_SNAPSHOT_SET_IN_PROGRESS.0, 0x8004_2316);
        assert_eq!(Hresult::VSS_E_HOLD_WRITES_TIMEOUT.0, 0x8004_2314);
        assert_eq!(Hresult::VSS_E_WRITERERROR_TIMEOUT.0, 0x8004_23F2);
        assert_eq!(Hresult::VSS_S_ASYNC_PENDING.0, 0x0004_2309);
        assert_eq!(Hresult::VSS_E_WRITER_STATUS_NOT_AVAILABLE.0, 0x8004_2409);
    }

    #[test]
    fn win32_codes_become_hresults_as_the_macro_makes_them() {
        assert_eq!(Hresult::from_win32(5), Hresult::E_ACCESSDENIED);
        assert_eq!(Hresult::from_win32(0), Hresult::S_OK);
        assert_eq!(Hresult::from_win32(123), Hresult(0x8007_007B));
        // An HRESULT already (negative as a LONG) is kept.
        assert_eq!(Hresult::from_win32(0x8004_2301), Hresult(0x8004_2301));
    }

    #[test]
    fn symbols_are_unique_and_round_trip() {
        for (i, hr) in Hresult::ALL.iter().enumerate() {
            let symbol = hr.symbol().unwrap();
            assert_eq!(Hresult::from_symbol(symbol), Some(*hr));
            assert!(
                Hresult::ALL[..i].iter().all(|other| other.0 != hr.0),
                "{symbol} twice"
            );
        }
    }

    #[test]
    fn serde_uses_symbols_and_accepts_hex_and_numbers() {
        let json = serde_json::to_string(&Hresult::VSS_E_BAD_STATE).unwrap();
        assert_eq!(json, "\"VSS_E_BAD_STATE\"");
        let back: Hresult = serde_json::from_str("\"0x80042301\"").unwrap();
        assert_eq!(back, Hresult::VSS_E_BAD_STATE);
        let number: Hresult = serde_json::from_str("2147754753").unwrap();
        assert_eq!(number, Hresult::VSS_E_BAD_STATE);
        let err = serde_json::from_str::<Hresult>("\"VSS_E_NOPE\"").unwrap_err();
        assert!(err.to_string().contains("unknown HRESULT `VSS_E_NOPE`"));
    }

    #[test]
    fn severity() {
        assert!(Hresult::VSS_S_ASYNC_FINISHED.is_success());
        assert!(Hresult::VSS_E_BAD_STATE.is_failure());
        assert_eq!(Hresult::S_FALSE.ok(), Ok(()));
    }
}
