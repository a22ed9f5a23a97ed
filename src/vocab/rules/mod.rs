//! The rule catalogue: every protocol rule (R1–R128), table (T1–T14), open question
//! (Q1–Q30) and field failure (FF1–FF27) the crate cites, in our own words, with the Microsoft
//! page it comes from, its status in the engine and where the engine implements it.
//!
//! A finding that says "R55" names [`Rule::R55`]; [`Rule::entry`] explains it, and
//! `docs/rules.md` (generated from this module by `tests/rule_catalogue.rs`) lists them all.
//! Rule ids are a type, so a typo does not compile, and a test fails when code, tests or docs
//! cite an id the catalogue lacks.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod entries_protocol;
mod entries_rest;
mod entries_simulator;

macro_rules! rules {
    ($($variant:ident => $id:literal, $kind:ident;)*) => {
        /// One entry of the rule catalogue, displayed as its id (`R55`, `T14`, `Q3`, `FF23`,
        /// `TRACE`, `BOUND`); [`Rule::entry`] says what it means.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Rule {
            $(#[doc = concat!("Catalogue entry ", $id, ": see [`Rule::entry`].")] $variant,)*
        }

        impl Rule {
            /// Every entry, in catalogue order: R1–R128, T1–T14, Q1–Q30, FF1–FF27, then the
            /// simulator's own rules.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The id as the catalogue writes it: `"R55"`.
            pub const fn id(self) -> &'static str {
                match self { $(Self::$variant => $id,)* }
            }

            /// What kind of entry this is.
            pub const fn kind(self) -> Kind {
                match self { $(Self::$variant => Kind::$kind,)* }
            }

            /// The entry with id `id` (`"R55"`), if the catalogue has it.
            pub fn from_id(id: &str) -> Option<Self> {
                match id { $($id => Some(Self::$variant),)* _ => None }
            }
        }
    };
}

rules! {
    R1 => "R1", Rule;
    R2 => "R2", Rule;
    R3 => "R3", Rule;
    R4 => "R4", Rule;
    R5 => "R5", Rule;
    R6 => "R6", Rule;
    R7 => "R7", Rule;
    R8 => "R8", Rule;
    R9 => "R9", Rule;
    R10 => "R10", Rule;
    R11 => "R11", Rule;
    R12 => "R12", Rule;
    R13 => "R13", Rule;
    R14 => "R14", Rule;
    R15 => "R15", Rule;
    R16 => "R16", Rule;
    R17 => "R17", Rule;
    R18 => "R18", Rule;
    R19 => "R19", Rule;
    R20 => "R20", Rule;
    R21 => "R21", Rule;
    R22 => "R22", Rule;
    R23 => "R23", Rule;
    R24 => "R24", Rule;
    R25 => "R25", Rule;
    R26 => "R26", Rule;
    R27 => "R27", Rule;
    R28 => "R28", Rule;
    R29 => "R29", Rule;
    R30 => "R30", Rule;
    R31 => "R31", Rule;
    R32 => "R32", Rule;
    R33 => "R33", Rule;
    R34 => "R34", Rule;
    R35 => "R35", Rule;
    R36 => "R36", Rule;
    R37 => "R37", Rule;
    R38 => "R38", Rule;
    R39 => "R39", Rule;
    R40 => "R40", Rule;
    R41 => "R41", Rule;
    R42 => "R42", Rule;
    R43 => "R43", Rule;
    R44 => "R44", Rule;
    R45 => "R45", Rule;
    R46 => "R46", Rule;
    R47 => "R47", Rule;
    R48 => "R48", Rule;
    R49 => "R49", Rule;
    R50 => "R50", Rule;
    R51 => "R51", Rule;
    R52 => "R52", Rule;
    R53 => "R53", Rule;
    R54 => "R54", Rule;
    R55 => "R55", Rule;
    R56 => "R56", Rule;
    R57 => "R57", Rule;
    R58 => "R58", Rule;
    R59 => "R59", Rule;
    R60 => "R60", Rule;
    R61 => "R61", Rule;
    R62 => "R62", Rule;
    R63 => "R63", Rule;
    R64 => "R64", Rule;
    R65 => "R65", Rule;
    R66 => "R66", Rule;
    R67 => "R67", Rule;
    R68 => "R68", Rule;
    R69 => "R69", Rule;
    R70 => "R70", Rule;
    R71 => "R71", Rule;
    R72 => "R72", Rule;
    R73 => "R73", Rule;
    R74 => "R74", Rule;
    R75 => "R75", Rule;
    R76 => "R76", Rule;
    R77 => "R77", Rule;
    R78 => "R78", Rule;
    R79 => "R79", Rule;
    R80 => "R80", Rule;
    R81 => "R81", Rule;
    R82 => "R82", Rule;
    R83 => "R83", Rule;
    R84 => "R84", Rule;
    R85 => "R85", Rule;
    R86 => "R86", Rule;
    R87 => "R87", Rule;
    R88 => "R88", Rule;
    R89 => "R89", Rule;
    R90 => "R90", Rule;
    R91 => "R91", Rule;
    R92 => "R92", Rule;
    R93 => "R93", Rule;
    R94 => "R94", Rule;
    R95 => "R95", Rule;
    R96 => "R96", Rule;
    R97 => "R97", Rule;
    R98 => "R98", Rule;
    R99 => "R99", Rule;
    R100 => "R100", Rule;
    R101 => "R101", Rule;
    R102 => "R102", Rule;
    R103 => "R103", Rule;
    R104 => "R104", Rule;
    R105 => "R105", Rule;
    R106 => "R106", Rule;
    R107 => "R107", Rule;
    R108 => "R108", Rule;
    R109 => "R109", Rule;
    R110 => "R110", Rule;
    R111 => "R111", Rule;
    R112 => "R112", Rule;
    R113 => "R113", Rule;
    R114 => "R114", Rule;
    R115 => "R115", Rule;
    R116 => "R116", Rule;
    R117 => "R117", Rule;
    R118 => "R118", Rule;
    R119 => "R119", Rule;
    R120 => "R120", Rule;
    R121 => "R121", Rule;
    R122 => "R122", Rule;
    R123 => "R123", Rule;
    R124 => "R124", Rule;
    R125 => "R125", Rule;
    R126 => "R126", Rule;
    R127 => "R127", Rule;
    R128 => "R128", Rule;
    T1 => "T1", Table;
    T2 => "T2", Table;
    T3 => "T3", Table;
    T4 => "T4", Table;
    T5 => "T5", Table;
    T6 => "T6", Table;
    T7 => "T7", Table;
    T8 => "T8", Table;
    T9 => "T9", Table;
    T10 => "T10", Table;
    T11 => "T11", Table;
    T12 => "T12", Table;
    T13 => "T13", Table;
    T14 => "T14", Table;
    Q1 => "Q1", Question;
    Q2 => "Q2", Question;
    Q3 => "Q3", Question;
    Q4 => "Q4", Question;
    Q5 => "Q5", Question;
    Q6 => "Q6", Question;
    Q7 => "Q7", Question;
    Q8 => "Q8", Question;
    Q9 => "Q9", Question;
    Q10 => "Q10", Question;
    Q11 => "Q11", Question;
    Q12 => "Q12", Question;
    Q13 => "Q13", Question;
    Q14 => "Q14", Question;
    Q15 => "Q15", Question;
    Q16 => "Q16", Question;
    Q17 => "Q17", Question;
    Q18 => "Q18", Question;
    Q19 => "Q19", Question;
    Q20 => "Q20", Question;
    Q21 => "Q21", Question;
    Q22 => "Q22", Question;
    Q23 => "Q23", Question;
    Q24 => "Q24", Question;
    Q25 => "Q25", Question;
    Q26 => "Q26", Question;
    Q27 => "Q27", Question;
    Q28 => "Q28", Question;
    Q29 => "Q29", Question;
    Q30 => "Q30", Question;
    FF1 => "FF1", FieldFailure;
    FF2 => "FF2", FieldFailure;
    FF3 => "FF3", FieldFailure;
    FF4 => "FF4", FieldFailure;
    FF5 => "FF5", FieldFailure;
    FF6 => "FF6", FieldFailure;
    FF7 => "FF7", FieldFailure;
    FF8 => "FF8", FieldFailure;
    FF9 => "FF9", FieldFailure;
    FF10 => "FF10", FieldFailure;
    FF11 => "FF11", FieldFailure;
    FF12 => "FF12", FieldFailure;
    FF13 => "FF13", FieldFailure;
    FF14 => "FF14", FieldFailure;
    FF15 => "FF15", FieldFailure;
    FF16 => "FF16", FieldFailure;
    FF17 => "FF17", FieldFailure;
    FF18 => "FF18", FieldFailure;
    FF19 => "FF19", FieldFailure;
    FF20 => "FF20", FieldFailure;
    FF21 => "FF21", FieldFailure;
    FF22 => "FF22", FieldFailure;
    FF23 => "FF23", FieldFailure;
    FF24 => "FF24", FieldFailure;
    FF25 => "FF25", FieldFailure;
    FF26 => "FF26", FieldFailure;
    FF27 => "FF27", FieldFailure;
    Trace => "TRACE", Simulator;
    Bound => "BOUND", Simulator;
    Serial => "SERIAL", Simulator;
    Waits => "WAITS", Simulator;
}

/// What kind of catalogue entry a [`Rule`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A numbered protocol rule, R1–R128.
    Rule,
    /// A table of names and values, T1–T14.
    Table,
    /// An open question where the documentation is silent or contradicts itself, Q1–Q30.
    Question,
    /// A failure reported from the field that the simulator must reproduce, FF1–FF27.
    FieldFailure,
    /// A rule of the simulator itself (`TRACE`: traces are well formed; `BOUND`: runs end
    /// within their bounds).
    Simulator,
}

/// How far the engine implements a catalogue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The engine behaves as the entry says.
    Implemented,
    /// Part of it; the text says what is missing.
    Partly(&'static str),
    /// Not modelled yet; the text says what.
    NotYet(&'static str),
    /// Nothing for a simulator to do (advice to people, event logs); the text says why.
    Informational(&'static str),
    /// An open question answered by a [`Policies`](crate::vocab::Policies) knob: its name,
    /// default and alternatives.
    Policy(&'static str),
    /// An open question the engine answers one fixed way: which.
    Decided(&'static str),
}

impl Status {
    /// One word for tables: `implemented`, `partly`, `not yet`, `informational`, `policy`,
    /// `decided`.
    pub const fn word(self) -> &'static str {
        match self {
            Self::Implemented => "implemented",
            Self::Partly(_) => "partly",
            Self::NotYet(_) => "not yet",
            Self::Informational(_) => "informational",
            Self::Policy(_) => "policy",
            Self::Decided(_) => "decided",
        }
    }

    /// The explanation, if the status has one.
    pub const fn note(self) -> Option<&'static str> {
        match self {
            Self::Implemented => None,
            Self::Partly(note)
            | Self::NotYet(note)
            | Self::Informational(note)
            | Self::Policy(note)
            | Self::Decided(note) => Some(note),
        }
    }
}

/// One entry of the catalogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its id.
    pub rule: Rule,
    /// What it says, in a line.
    pub title: &'static str,
    /// What it says, in full, in our own words.
    pub statement: &'static str,
    /// Where it comes from: Microsoft Learn pages in the short forms of [`source_url`], KB
    /// articles (`kb:915331`), or public reports (`github:owner/repo#123`).
    pub sources: &'static [&'static str],
    /// How far the engine implements it.
    pub status: Status,
    /// The source files (under `src/`) that implement it.
    pub engine: &'static [&'static str],
}

impl Rule {
    /// The catalogue entry: title, statement, sources, status.
    pub fn entry(self) -> &'static Entry {
        let mut index = self as usize;
        for part in PARTS {
            match part.get(index) {
                Some(entry) => return entry,
                None => index -= part.len(),
            }
        }
        // Every rule has an entry at its own position: `catalogue_is_complete_and_in_order`.
        unreachable!("the catalogue has an entry for every rule")
    }

    /// The title of the entry: `"OnAbort tolerates repeats; no Abort after PostSnapshot"`.
    pub fn title(self) -> &'static str {
        self.entry().title
    }
}

/// The catalogue's parts, in [`Rule::ALL`] order.
const PARTS: [&[Entry]; 3] = [
    entries_protocol::ENTRIES,
    entries_rest::ENTRIES,
    entries_simulator::ENTRIES,
];

/// Every entry, in [`Rule::ALL`] order.
pub fn catalogue() -> impl Iterator<Item = &'static Entry> {
    PARTS.into_iter().flatten()
}

/// The address of a source as the catalogue writes it: the Microsoft Learn short forms `vss/x`,
/// `bc/x` (`IVssBackupComponents::x`), `cw/x` (`CVssWriter::x`), `pc/x`
/// (`IVssProviderCreateSnapshotSet::x`), `api/<header>/x`, `cmd/x` (Windows commands),
/// `ws-vss`, a path starting with `/`, `kb:NNN`, `github:owner/repo#N`, or a full URL.
pub fn source_url(source: &str) -> String {
    const LEARN: &str = "https://learn.microsoft.com/en-us";
    let api = |header: &str, rest: &str| format!("{LEARN}/windows/win32/api/{header}/{rest}");
    if let Some(rest) = source.strip_prefix("vss/") {
        format!("{LEARN}/windows/win32/vss/{rest}")
    } else if let Some(rest) = source.strip_prefix("bc/") {
        api(
            "vsbackup",
            &format!("nf-vsbackup-ivssbackupcomponents-{rest}"),
        )
    } else if let Some(rest) = source.strip_prefix("cw/") {
        api("vswriter", &format!("nf-vswriter-cvsswriter-{rest}"))
    } else if let Some(rest) = source.strip_prefix("pc/") {
        api(
            "vsprov",
            &format!("nf-vsprov-ivssprovidercreatesnapshotset-{rest}"),
        )
    } else if let Some(rest) = source.strip_prefix("api/") {
        format!("{LEARN}/windows/win32/api/{rest}")
    } else if let Some(rest) = source.strip_prefix("cmd/") {
        format!("{LEARN}/windows-server/administration/windows-commands/{rest}")
    } else if source == "ws-vss" {
        format!("{LEARN}/windows-server/storage/file-server/volume-shadow-copy-service")
    } else if let Some(kb) = source.strip_prefix("kb:") {
        format!("https://support.microsoft.com/kb/{kb}")
    } else if let Some(rest) = source.strip_prefix("github:") {
        match rest.split_once('#') {
            Some((repo, number)) => format!("https://github.com/{repo}/issues/{number}"),
            None => match rest.split_once(':') {
                Some((repo, path)) => format!("https://github.com/{repo}/blob/HEAD/{path}"),
                None => format!("https://github.com/{rest}"),
            },
        }
    } else if source.starts_with('/') {
        format!("{LEARN}{source}")
    } else {
        source.to_owned()
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Rule {
    type Err = UnknownRule;

    fn from_str(id: &str) -> Result<Self, UnknownRule> {
        Self::from_id(id.trim()).ok_or_else(|| UnknownRule(id.to_owned()))
    }
}

/// An id the catalogue does not have.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown rule `{0}`: the catalogue has R1–R128, T1–T14, Q1–Q30, FF1–FF27, TRACE and BOUND      (docs/rules.md)"
)]
pub struct UnknownRule(pub String);

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        id.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_complete_and_in_order() {
        let ids: Vec<Rule> = catalogue().map(|entry| entry.rule).collect();
        assert_eq!(ids, Rule::ALL, "one entry per rule, in Rule::ALL order");
        for rule in Rule::ALL {
            assert_eq!(rule.entry().rule, *rule);
            assert!(!rule.title().is_empty(), "{rule} has no title");
            assert!(
                !rule.entry().statement.is_empty(),
                "{rule} has no statement"
            );
        }
    }

    #[test]
    fn ids_round_trip() {
        for rule in Rule::ALL {
            assert_eq!(rule.id().parse::<Rule>(), Ok(*rule));
            let json = serde_json::to_string(rule).unwrap();
            assert_eq!(serde_json::from_str::<Rule>(&json).unwrap(), *rule);
        }
        let err = format!("R{}", 555).parse::<Rule>().unwrap_err();
        assert!(err.to_string().starts_with("unknown rule `R5"), "{err}");
        assert_eq!(Rule::R55.to_string(), "R55");
        assert_eq!(Rule::Trace.to_string(), "TRACE");
        assert_eq!(Rule::FF23.kind(), Kind::FieldFailure);
    }

    #[test]
    fn sources_become_addresses() {
        assert_eq!(
            source_url("cw/onabort"),
            "https://learn.microsoft.com/en-us/windows/win32/api/vswriter/nf-vswriter-cvsswriter-onabort"
        );
        assert_eq!(
            source_url("github:restic/restic#3142"),
            "https://github.com/restic/restic/issues/3142"
        );
        assert_eq!(
            source_url("kb:915331"),
            "https://support.microsoft.com/kb/915331"
        );
    }
}
