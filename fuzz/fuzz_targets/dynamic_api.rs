//! Fuzz target `dynamic_api`: a machine and a program of dynamic-API calls decoded from bytes.
//!
//! Crashes only on an engine violation (a bug in vss-sim) or a panic; see
//! `vss_sim::sim::fuzz_dynamic_api` for how the input is read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // libFuzzer's hook aborts on every panic, even one the engine catches: a writer scripted to
    // panic is a C++ writer throwing, recorded as its handler's failure (R64), not a crash.
    vss_sim::sim::quiet_writer_panics();
    vss_sim::sim::fuzz_dynamic_api(data);
});
