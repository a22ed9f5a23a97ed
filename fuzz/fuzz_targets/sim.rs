//! Fuzz target `sim`: a seed and a fault catalogue; canonical backups under a seeded chooser.
//!
//! Crashes only on an engine violation (a bug in vss-sim) or a panic; see
//! `vss_sim::sim::fuzz_sim` for how the input is read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libFuzzer's hook aborts on every panic, even one the engine catches: a writer scripted to
    // panic is a C++ writer throwing, recorded as its handler's failure (R64), not a crash.
    vss_sim::sim::quiet_writer_panics();
    vss_sim::sim::fuzz_sim(data);
});
