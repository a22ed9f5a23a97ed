//! Hostile and careless input: every malformed scenario is refused with file, line, column, the
//! field and what was expected; values beyond `vss_sim::vocab::limits` are refused naming the
//! limit; what `Scenario::save` writes reads back; the test kit survives extreme configurations.

use std::path::PathBuf;

use vss_sim::sim::{Format, Scenario, ScenarioError, WriterSpec};
use vss_sim::testkit::WriterConformance;
use vss_sim::vocab::limits::{MAX_DURATION_MS, MAX_REQUESTERS};
use vss_sim::vocab::WriterClassId;
use vss_sim::writer::{ScriptedWriter, WriterConfig};

/// A scratch directory of this test process.
fn scratch(file: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vss-sim-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(file)
}

/// `bytes` written to `file` and loaded: the error it must give.
fn load_refused(file: &str, bytes: &[u8]) -> ScenarioError {
    let path = scratch(file);
    std::fs::write(&path, bytes).unwrap();
    let err = Scenario::load(&path).expect_err("refused");
    let _ = std::fs::remove_file(&path);
    assert_eq!(err.file, path.display().to_string(), "{err}");
    err
}

/// A TOML scenario refused at `line`, about `field`, saying `mentions`.
fn toml_refused(text: &str, line: usize, field: &str, mentions: &str) -> ScenarioError {
    let err = Scenario::from_toml(text, "t.toml").expect_err("refused");
    assert_eq!((err.line, err.field.as_str()), (line, field), "{err}");
    assert!(err.column > 0, "{err}");
    assert!(err.message.contains(mentions), "{err}");
    assert!(err.to_string().contains(&format!("`{field}`")), "{err}");
    err
}

const TWO_WRITERS: &str = "name = \"x\"\n\
                           [[writers]]\n\
                           name = \"A\"\n\
                           [[writers]]\n\
                           name = \"B\"\n";

// Case 3: a misspelt step field is an error, not a skipped check.
#[test]
fn a_misspelt_step_field_is_refused_at_its_line() {
    let text = format!(
        "{TWO_WRITERS}[[steps]]\ncall = \"Wait\"\nexpected = \"VSS_E_BAD_STATE\"\nrequestor = 5\n"
    );
    let err = Scenario::from_toml(&text, "t.toml").expect_err("refused");
    assert!(
        err.message.contains("expected") || err.message.contains("requestor"),
        "{err}"
    );
    assert!(err.line >= 6, "{err}");
}

// Case 4: numbers TOML cannot hold are refused at load, naming the field and the limit, and
// what `save` writes always reads back.
#[test]
fn a_duration_beyond_the_limit_is_refused_in_json_and_toml() {
    let json = format!(
        "{{\"name\": \"x\", \"steps\": [],\n \"writers\": [{{\"name\": \"W\", \"freeze_timeout_ms\": {}}}]}}",
        u64::MAX
    );
    let err = load_refused("huge.json", json.as_bytes());
    assert_eq!(err.field, "writers[0].freeze_timeout_ms", "{err}");
    assert_eq!(err.line, 2, "{err}");
    assert!(err.message.contains(&MAX_DURATION_MS.to_string()), "{err}");

    let toml = format!(
        "name = \"x\"\nsteps = []\n[[writers]]\nname = \"A\"\n[[writers]]\nname = \"B\"\n\
         freeze_timeout_ms = {}\n",
        u64::MAX
    );
    let err = Scenario::from_toml(&toml, "t.toml").expect_err("refused");
    assert_eq!(
        (err.line, err.field.as_str()),
        (7, "writers[1].freeze_timeout_ms"),
        "{err}"
    );
    assert!(err.message.contains(&i64::MAX.to_string()), "{err}");

    let over = toml.replace(&u64::MAX.to_string(), &(MAX_DURATION_MS + 1).to_string());
    toml_refused(&over, 7, "writers[1].freeze_timeout_ms", "MAX_DURATION_MS");
}

// A host's WaitSignal holds a deadline like Wait and Sleep do (WAITS).
#[test]
fn a_wait_signal_deadline_beyond_the_limit_is_refused_at_its_line() {
    let text = format!(
        "{TWO_WRITERS}[[steps]]\ncall = \"WaitSignal\"\nsignal = \"go\"\ntimeout_ms = {}\n",
        MAX_DURATION_MS + 1
    );
    toml_refused(&text, 9, "steps[0].timeout_ms", "MAX_DURATION_MS");
}

// A fault's wait holds a deadline like a script's does (WAITS).
#[test]
fn a_fault_wait_deadline_beyond_the_limit_is_refused_at_its_line() {
    let over = MAX_DURATION_MS + 1;
    let machine = TWO_WRITERS.replace("name = \"x\"\n", "name = \"x\"\nsteps = []\n");
    let writer =
        format!("{machine}[faults.writer]\nFreeze = [{{ wait = {{ timeout_ms = {over} }} }}]\n");
    toml_refused(
        &writer,
        8,
        "faults.writer.Freeze[0].wait.timeout_ms",
        "MAX_DURATION_MS",
    );
    let provider = format!(
        "{machine}[faults.provider]\nCommitSnapshots = [{{ wait = {{ timeout_ms = {over} }} }}]\n"
    );
    toml_refused(
        &provider,
        8,
        "faults.provider.CommitSnapshots[0].wait.timeout_ms",
        "MAX_DURATION_MS",
    );
}

#[test]
fn what_save_writes_reads_back_and_save_refuses_what_would_not() {
    let mut scenario = Scenario::from_toml(
        &TWO_WRITERS.replace("name = \"x\"\n", "name = \"x\"\nsteps = []\n"),
        "t.toml",
    )
    .unwrap();
    let written = scenario.save(scratch("ok.toml")).unwrap();
    assert_eq!(Scenario::load(&written), Ok(scenario.clone()));
    scenario.writers[0].freeze_timeout_ms = u64::MAX;
    let (text, format) = scenario.to_file_text();
    assert_eq!(format, Format::Json, "TOML cannot hold u64::MAX");
    assert!(text.contains(&u64::MAX.to_string()));
    let err = scenario
        .save(scratch("huge.toml"))
        .expect_err("would not load");
    assert!(
        err.to_string().contains("writers[0].freeze_timeout_ms"),
        "{err}"
    );
}

// Case 7: duplicate and dangling names.
#[test]
fn duplicate_and_dangling_writer_names_are_refused_where_they_are() {
    let dup = "name = \"x\"\nsteps = []\n[[writers]]\nname = \"W\"\n[[writers]]\nname = \"W\"\n";
    toml_refused(dup, 6, "writers[1].name", "two writers are named `W`");

    let base = TWO_WRITERS;
    let select =
        format!("{base}[[steps]]\ncall = \"SelectComponents\"\nwriters = [\"A\", \"Ghost\"]\n");
    toml_refused(
        &select,
        8,
        "steps[0].writers[1]",
        "no writer is named `Ghost`",
    );

    let disable = format!("{base}[[steps]]\ncall = \"DisableWriters\"\nwriters = [\"Gohst\"]\n");
    toml_refused(&disable, 8, "steps[0].writers[0]", "A, B");

    let events = format!(
        "{base}[[steps]]\ncall = \"InitializeForBackup\"\n[expect]\nevents = {{ Ghost = [] }}\n"
    );
    toml_refused(&events, 9, "expect.events.Ghost", "`Ghost`");

    let requester = format!(
        "{base}[[steps]]\ncall = \"InitializeForBackup\"\nrequester = 1\n\
         [[expect.requesters]]\nrequester = 99\n"
    );
    toml_refused(
        &requester,
        10,
        "expect.requesters[0].requester",
        "runs no step",
    );
}

#[test]
fn a_requester_number_out_of_range_is_refused_at_its_line() {
    let text = format!(
        "{TWO_WRITERS}[[steps]]\ncall = \"InitializeForBackup\"\nrequester = {MAX_REQUESTERS}\n"
    );
    toml_refused(&text, 8, "steps[0].requester", "out of range");
}

// Case 9: every error has a place; the form is chosen by content or by any-case extension.
#[test]
fn errors_have_a_place_and_forms_are_chosen_by_content() {
    let bad_utf8 = b"name = \"x\"\nsteps = []\n# caf\xe9\n";
    let err = load_refused("latin1.toml", bad_utf8);
    assert_eq!((err.line, err.column), (3, 6), "{err}");
    assert!(err.message.contains("UTF-8"), "{err}");

    let json = "{\"name\": \"x\", \"steps\": [], \"writers\": [{\"name\": 3}]}";
    let err = load_refused("UPPER.JSON", json.as_bytes());
    assert_eq!(err.field, "writers[0].name", "{err}");
    let err = load_refused("no-extension", json.as_bytes());
    assert_eq!(err.field, "writers[0].name", "{err}");

    let wrong_type = format!("{TWO_WRITERS}[[steps]]\ncall = \"Sleep\"\nms = \"ten\"\n");
    let err = Scenario::from_toml(&wrong_type, "t.toml").expect_err("refused");
    assert_eq!(err.line, 8, "{err}");
    assert!(err.column > 0, "{err}");

    let missing = scratch("missing-dir").join("none.toml");
    let err = Scenario::load(&missing).expect_err("no such file");
    assert!(err.message.contains("cannot read"), "{err}");
    assert_eq!(err.file, missing.display().to_string());
}

// Case 5: the kit survives a freeze window no handler can outlast.
#[test]
fn the_test_kit_takes_a_freeze_window_of_u64_max() {
    let config = WriterConfig::new(WriterClassId::from_u128(0x77), "WriterUnderTest")
        .freeze_timeout_ms(u64::MAX);
    let report = WriterConformance::new(|| ScriptedWriter::new("WriterUnderTest"))
        .config(config)
        .run();
    assert!(report.test_errors.is_empty(), "{report}");
    assert!(report.cases > 0);
}

#[test]
fn a_scenario_built_in_code_is_checked_by_validate() {
    let mut scenario = Scenario::from_toml(
        &TWO_WRITERS.replace("name = \"x\"\n", "name = \"x\"\nsteps = []\n"),
        "t.toml",
    )
    .unwrap();
    assert_eq!(scenario.validate(), Ok(()));
    scenario.writers.push(WriterSpec::new("A"));
    let err = scenario.validate().expect_err("duplicate");
    assert_eq!(err.field, "writers[2].name", "{err}");
}

// Case 10: the command line keeps caught writer panics off the terminal (an exploration with a
// panic fault printed 27.6 MB of panic messages before): `cli/tests/cli.rs`,
// `an_exploration_with_panic_faults_keeps_them_off_the_terminal`.
