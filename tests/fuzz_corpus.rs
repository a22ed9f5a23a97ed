//! Replays the fuzz corpora (`fuzz/corpus/<target>/`) and every crash the fuzzers found
//! (`fuzz/regressions/<target>/`) through the matching `vss_sim::sim::fuzz_*` function, so they
//! run in ordinary `cargo test` on stable Rust, without libFuzzer.
//!
//! A regression whose file name starts with `open-` is a bug found but not fixed yet: it must
//! still fail, and this test says so when it stops failing (then drop the prefix, and the file
//! guards the fix). Every other file must pass.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use vss_sim::sim::{
    fuzz_bcd, fuzz_diskshadow, fuzz_dynamic_api, fuzz_scenario_parser, fuzz_sim, fuzz_wmd,
    quiet_writer_panics,
};

/// A fuzz entry point.
type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 6] = [
    ("dynamic_api", fuzz_dynamic_api),
    ("sim", fuzz_sim),
    ("scenario_parser", fuzz_scenario_parser),
    ("wmd", fuzz_wmd),
    ("bcd", fuzz_bcd),
    ("diskshadow", fuzz_diskshadow),
];

/// The files of `dir`, sorted, without hidden files (libFuzzer's scratch); none if it is missing.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .filter(|path| !file_name(path).starts_with('.'))
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Runs `target` on `path`'s bytes; the panic message if it panicked.
fn replay(target: Target, path: &Path) -> Result<(), String> {
    let data = fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    panic::catch_unwind(AssertUnwindSafe(|| target(&data))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "(a panic without a message)".to_owned())
    })
}

#[test]
fn seed_corpora_run_clean() {
    quiet_writer_panics();
    let mut failures = Vec::new();
    for (name, target) in TARGETS {
        let dir = fuzz_dir().join("corpus").join(name);
        let files = inputs(&dir);
        assert!(
            !files.is_empty(),
            "{}: the seed corpus is missing or empty",
            dir.display()
        );
        for path in files {
            if let Err(message) = replay(target, &path) {
                failures.push(format!("{}:\n{message}", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus input(s) failed; replay one with `cargo +nightly fuzz run <target> <file>` \
         from fuzz/:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn regressions_stay_fixed() {
    quiet_writer_panics();
    let mut failures = Vec::new();
    for (name, target) in TARGETS {
        for path in inputs(&fuzz_dir().join("regressions").join(name)) {
            let open = file_name(&path).starts_with("open-");
            match (replay(target, &path), open) {
                (Ok(()), false) | (Err(_), true) => {}
                (Err(message), false) => failures.push(format!(
                    "{}: fails again (a fixed bug is back):\n{message}",
                    path.display()
                )),
                (Ok(()), true) => failures.push(format!(
                    "{}: no longer fails: the bug is fixed; drop the `open-` prefix so this file \
                     guards the fix",
                    path.display()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
