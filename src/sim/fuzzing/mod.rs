//! Fuzzing entry points: bytes in, a run judged by the oracle, a panic only when the *engine*
//! broke a rule (a bug in vss-sim).
//!
//! The `fuzz/` package's libFuzzer targets call these; `tests/fuzz_corpus.rs` replays the seed
//! corpus and every crash found through them in ordinary `cargo test`.
//!
//! - [`fuzz_dynamic_api`]: a machine and a program of dynamic-API calls, both decoded from bytes.
//! - [`fuzz_sim`]: a seed and a fault catalogue; canonical backups under a seeded chooser.
//! - [`fuzz_scenario_parser`]: the bytes as a TOML and a JSON scenario file; what parses runs.
//! - [`fuzz_diskshadow`]: the bytes as a DiskShadow script, then as vssadmin arguments, over a
//!   machine with writers, volumes and persistent copies.
//!
//! None of them panics on any input except for an engine violation, which panics with the
//! oracle's report and the rendered trace (and, for the scenario reader, an error that does not
//! say what is wrong). Requester and writer violations are expected: the
//! decoded programs misuse the API on purpose. Decoding never fails: a read past the end of the
//! input is `0`, so every input, the empty one included, is a run.
//!
//! Writers that are scripted (or injected) to panic are part of the protocol (a C++ writer
//! throwing) and the engine catches them; a fuzzer whose panic hook aborts on every panic must
//! call [`quiet_writer_panics`] first.

use std::sync::Once;

use super::{Scenario, SeededChooser, SharedChooser};
use crate::trace::{oracle, Trace};

mod dynamic;
mod input;
mod scenarios;

use dynamic::decode_scenario;
use input::Input;
use scenarios::{decode_sim_scenario, replayable, run_parsed};

/// Most steps one decoded or parsed program runs: long enough for several whole backups of
/// several requesters, short enough that one input stays fast.
const MAX_STEPS: usize = 1_024;

/// Decodes `data` into a scenario (a machine and a program of requester steps, any call in any
/// order), runs it, and panics if the oracle finds an engine violation.
///
/// Layout (every field one byte unless said; reads past the end are `0`):
///
/// ```text
/// writers      count (1 + b % 3), then per writer: level, freeze timeout, script length
///              (b % 4), and per script entry: event, spend, outcome, failure code
/// providers    CommitSnapshots duration, failing steps (b % 3) × (step, HRESULT, duration),
///              second provider (odd: one for D:\ only) and its failing step, HRESULT
/// volumes      bit 0: D:\, bit 1: E:\ (C:\ always)
/// policies     ten bytes, one per knob
/// choices      length n (b % 33), then n picks for the scenario's replayed choices
/// program      steps until the input ends (at most 1 024): an opcode, a requester byte
///              (0–3, or 0–63 with the high bit), then the step's arguments (`decode_op`)
/// ```
pub fn fuzz_dynamic_api(data: &[u8]) {
    let mut input = Input::new(data);
    let scenario = decode_scenario(&mut input);
    let trace = scenario.runner().trace();
    judge("fuzz_dynamic_api", &trace, || {
        format!("scenario:\n{}", replayable(&scenario))
    });
}

/// Runs canonical backups (one or two requesters) under a [`SeededChooser`] whose seed is the
/// first 8 bytes of `data` (little-endian), with a fault catalogue, writers and policies decoded
/// from the rest; panics if the oracle finds an engine violation.
///
/// Layout after the seed:
///
/// ```text
/// writers      count (1 + b % 3), then per writer: level, freeze timeout
/// requesters   odd: two; then the interleaving (0: one after the other, 1: alternating,
///              else the second starts after b % 16 steps of the first)
/// writer       a 16-bit mask of events (little-endian), per event set: 1 + b % 2 reactions
/// faults       (spend, outcome, failure code)
/// provider     a mask of the eight steps, per step set: 1 + b % 2 faults (spend, HRESULT)
/// faults
/// requester    a mask of the four faults; the fault budget (0–3 or unbounded)
/// faults
/// policies     ten bytes, one per knob
/// ```
pub fn fuzz_sim(data: &[u8]) {
    let mut input = Input::new(data);
    let seed = input.u64();
    let scenario = decode_sim_scenario(&mut input);
    let chooser = SharedChooser::new(SeededChooser::new(seed));
    let outcome = scenario.runner().chooser(chooser).run();
    judge("fuzz_sim", &outcome.trace, || {
        format!("seed: {seed}\nscenario:\n{}", replayable(&scenario))
    });
}

/// Reads `data` (as lossy UTF-8) as a TOML and as a JSON scenario; runs whatever parses, with at
/// most 1 024 steps, and panics if the oracle finds an engine violation. A file that does not
/// parse must be refused with a [`ScenarioError`] that says what is wrong: an empty message
/// panics too.
///
/// [`ScenarioError`]: super::ScenarioError
pub fn fuzz_scenario_parser(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for (file, parsed) in [
        ("fuzz.toml", Scenario::from_toml(&text, "fuzz.toml")),
        ("fuzz.json", Scenario::from_json(&text, "fuzz.json")),
    ] {
        match parsed {
            Ok(scenario) => run_parsed(file, scenario),
            Err(err) => assert!(
                !err.message.trim().is_empty() && err.file == file,
                "{file}: a scenario error must name the file and say what is wrong, got {err:?}"
            ),
        }
    }
}

/// Runs `data` (lossy UTF-8) as a DiskShadow script, in script mode and line by line at the
/// prompt, and its lines as vssadmin command lines, on a machine with two writers and two
/// volumes; panics if anything panics or the oracle finds an engine violation. Requester
/// violations are expected: a script may well release a backup it never completed.
pub fn fuzz_diskshadow(data: &[u8]) {
    use crate::tools::diskshadow::DiskShadow;
    let text = String::from_utf8_lossy(data);
    let machine = || {
        crate::requester::Vss::builder()
            .volume("C:\\")
            .volume(crate::vocab::Volume::new("D:\\").mount_point("C:\\Mount\\"))
            .writer(
                crate::writer::WriterConfig::new(crate::vocab::WriterClassId::from_u128(1), "A"),
                crate::writer::ScriptedWriter::new("A"),
            )
            .writer(
                crate::writer::WriterConfig::new(crate::vocab::WriterClassId::from_u128(2), "B"),
                crate::writer::ScriptedWriter::new("B"),
            )
            .build()
    };
    let lines: Vec<&str> = text.lines().take(64).collect();
    let vss = machine();
    let mut session = DiskShadow::new(&vss);
    let (out, _) = session.run_script(&lines.join("\r\n"));
    assert!(
        out.starts_with("Microsoft DiskShadow version 1.0\n"),
        "{out}"
    );
    drop(session);
    judge("diskshadow", &vss.take_trace(), || out.clone());
    let vss = machine();
    let mut session = DiskShadow::new(&vss);
    for line in &lines {
        if session.run_line(line) == crate::tools::diskshadow::Flow::Exit {
            break;
        }
    }
    drop(session);
    for line in lines.iter().take(8) {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        let outcome = crate::tools::vssadmin::run(&vss, &args);
        assert!(outcome.text.starts_with("vssadmin 1.1"), "{}", outcome.text);
    }
    judge("diskshadow", &vss.take_trace(), || {
        text.clone().into_owned()
    });
}

/// Loads `data` as a Writer Metadata Document (`xml::wmd::load_bytes`). A document that loads
/// must save and load back to the same view, and saving that must give the same text; one that
/// does not must be refused with a message and a place (a line, or 0 for the input as a whole).
pub fn fuzz_wmd(data: &[u8]) {
    match crate::xml::wmd::load_bytes(data) {
        Ok(view) => {
            let text = crate::xml::wmd::save(&view);
            let again = crate::xml::wmd::load(&text)
                .unwrap_or_else(|e| panic!("a saved document does not load: {e}\n{text}"));
            assert_eq!(again, view, "save and load changed the document:\n{text}");
            assert_eq!(crate::xml::wmd::save(&again), text, "saving is not stable");
        }
        Err(error) => assert!(
            !error.message.trim().is_empty(),
            "an XML error must say what is wrong: {error:?}"
        ),
    }
}

/// Loads `data` as a Backup Components Document (`xml::bcd::load_bytes`), with the same checks
/// as [`fuzz_wmd`].
pub fn fuzz_bcd(data: &[u8]) {
    match crate::xml::bcd::load_bytes(data) {
        Ok(document) => {
            let text = crate::xml::bcd::save(&document);
            let again = crate::xml::bcd::load(&text)
                .unwrap_or_else(|e| panic!("a saved document does not load: {e}\n{text}"));
            assert_eq!(
                again, document,
                "save and load changed the document:\n{text}"
            );
            assert_eq!(crate::xml::bcd::save(&again), text, "saving is not stable");
        }
        Err(error) => assert!(
            !error.message.trim().is_empty(),
            "an XML error must say what is wrong: {error:?}"
        ),
    }
}

/// Keeps the panics of writers scripted or injected to panic (which the engine catches and
/// records, R64) out of the panic hook, and passes every other panic to the hook installed
/// before. Call it once before fuzzing under a hook that aborts on any panic (libFuzzer's);
/// later calls do nothing.
pub fn quiet_writer_panics() {
    // Every panic the guard catches stays quiet too (its place goes into the record).
    crate::guard::quiet_user_panics();
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or_default();
            let simulated = message.starts_with("scripted writer panics in ")
                || message.starts_with("injected fault: writer panics in ");
            if !simulated {
                previous(info);
            }
        }));
    });
}

/// Panics with the oracle's report, `context` and the rendered trace if the engine broke a rule.
fn judge(target: &str, trace: &Trace, context: impl FnOnce() -> String) {
    let report = oracle::check(trace);
    if report.engine_violations().is_empty() {
        return;
    }
    panic!(
        "{target}: the oracle found an engine violation (a bug in vss-sim)\n{report}\n{}\n\
         trace:\n{}",
        context(),
        trace.render()
    );
}

/// A cursor over fuzzer bytes; past the end every read is `0`.
#[cfg(test)]
mod tests {
    use super::scenarios::interleave;
    use super::*;
    use crate::sim::canonical_backup;

    #[test]
    fn every_short_input_decodes_and_runs() {
        // The scenario reader's inputs are text: the corpus in `fuzz/corpus/scenario_parser`
        // covers it (tests/fuzz_corpus.rs).
        quiet_writer_panics();
        for len in 0..48u8 {
            let data: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37) ^ len).collect();
            fuzz_dynamic_api(&data);
            fuzz_sim(&data);
        }
    }

    #[test]
    fn input_reads_zero_past_the_end() {
        let mut input = Input::new(&[7, 1, 2]);
        assert_eq!(input.byte(), 7);
        assert_eq!(input.take(5), &[1, 2]);
        assert!(input.is_exhausted());
        assert_eq!((input.byte(), input.u64()), (0, 0));
    }

    #[test]
    fn interleavings_keep_every_step_once() {
        for mode in [0, 1, 5, 200] {
            let steps = interleave(canonical_backup(0), canonical_backup(1), mode);
            assert_eq!(steps.len(), 32, "mode {mode}");
            let firsts: Vec<_> = steps.iter().filter(|s| s.requester == 0).collect();
            assert_eq!(firsts.len(), 16, "mode {mode}");
        }
    }

    #[test]
    fn the_canonical_opcode_runs_a_clean_backup() {
        // Opcode 1, requester 0, the whole canonical backup: no violation of any party.
        // The machine takes 26 bytes: one plain writer, the system provider, default policies.
        let mut data = vec![0; 26];
        data.extend([1, 0, 16]);
        let mut input = Input::new(&data);
        let scenario = decode_scenario(&mut input);
        assert_eq!(scenario.steps.len(), 16);
        oracle::check(&scenario.run().trace).assert_clean();
    }
}
