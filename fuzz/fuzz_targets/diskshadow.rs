//! Fuzz target `diskshadow`: the bytes as a DiskShadow script (in script mode and at the prompt)
//! and as vssadmin command lines, over a machine with writers and volumes.
//!
//! Crashes only on a panic or an engine violation; see `vss_sim::sim::fuzz_diskshadow`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vss_sim::sim::quiet_writer_panics();
    vss_sim::sim::fuzz_diskshadow(data);
});
