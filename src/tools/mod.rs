//! Windows' own requesters, as library functions over a machine: what `vssadmin` prints
//! (issue 12, part 7; the `vss-sim` command line puts them behind its subcommands).
//!
//! Each one is a requester like any other: it makes the calls the real tool makes, through
//! the same guarded, traced API, and formats what they return the way Windows prints it. Which
//! words are observed in published output and which are inferred is said where they are
//! defined ([`words`]).

pub mod vssadmin;
pub mod words;
