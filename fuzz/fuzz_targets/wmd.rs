//! Fuzz target `wmd`: bytes loaded as a Writer Metadata Document.
//!
//! Crashes on a panic, or when a document that loads does not save and load back to itself;
//! see `vss_sim::sim::fuzz_wmd`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vss_sim::sim::fuzz_wmd(data);
});
