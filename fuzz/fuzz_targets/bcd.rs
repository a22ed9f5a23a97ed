//! Fuzz target `bcd`: bytes loaded as a Backup Components Document.
//!
//! Crashes on a panic, or when a document that loads does not save and load back to itself;
//! see `vss_sim::sim::fuzz_bcd`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vss_sim::sim::fuzz_bcd(data);
});
