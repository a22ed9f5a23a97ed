//! The `vss-sim` binary, run as users run it: exit statuses, error messages that name the place,
//! and outputs pinned as golden files (`tests/golden/`; after a deliberate change, regenerate
//! them with `VSS_SIM_BLESS=1 cargo test -p vss-sim-cli`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (scenario paths are relative to it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ is inside the repository")
        .to_path_buf()
}

/// Runs `vss-sim args…` from the repository root.
fn vss_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vss-sim-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Compares `actual` with `tests/golden/<name>`, or writes it there under `VSS_SIM_BLESS=1`.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name);
    if std::env::var_os("VSS_SIM_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (bless with VSS_SIM_BLESS=1)", path.display()));
    assert!(
        expected == actual,
        "{} differs (bless with VSS_SIM_BLESS=1 after a deliberate change):\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn run_prints_the_trace_and_the_verdict_of_the_bundled_quick_start() {
    // R50, R52, R55, R57: the abort and the shutdown of the README's quick start.
    let output = vss_sim(&["run", "scenarios/quickstart.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    golden("run-quickstart.txt", &text);
    assert!(text.contains("→ SqlWriter: Abort"));
    assert!(text.contains("BackupShutdown"));
    assert!(text.ends_with("verdict: the outcome is what the scenario expects\n"));
}

#[test]
fn run_as_json_carries_the_report_and_the_steps() {
    let output = vss_sim(&[
        "run",
        "scenarios/ff09-bareos-backup-complete-after-veto.toml",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["verdict"], "as expected");
    // R26: the requester's BackupComplete after a failed DoSnapshotSet is the file's expectation.
    assert_eq!(json["report"]["violations"][0]["rule"], "R26");
    assert_eq!(json["report"]["violations"][0]["party"], "requester");
    assert!(json["steps"].as_array().unwrap().len() > 10);
}

#[test]
fn a_scenario_that_does_not_parse_is_named_by_file_line_and_column() {
    let dir = scratch("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nsteps = [ { call = \"Nope\" } ]\n").unwrap();
    let output = vss_sim(&["run", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.starts_with("vss-sim: "), "{message}");
    assert!(
        message.contains("bad.toml:2:20: `steps[0].call`: unknown variant `Nope`"),
        "{message}"
    );
    let missing = vss_sim(&["run", "no/such/file.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("file.toml"));
}

#[test]
fn a_run_whose_outcome_differs_from_its_expectations_exits_1() {
    let dir = scratch("mismatch");
    let file = dir.join("mismatch.toml");
    std::fs::write(
        &file,
        "name = \"expects the wrong code\"\nwriters = [{ name = \"W\" }]\n\
         steps = [{ call = \"InitializeForBackup\", expect = \"E_FAIL\" }]\n",
    )
    .unwrap();
    let output = vss_sim(&["run", "--quiet", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("verdict: 1 mismatch(es)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn explore_exhausts_the_quick_start_and_its_parts_add_up() {
    let whole = vss_sim(&["explore", "scenarios/quickstart.toml", "--no-progress"]);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let count = |output: &Output| -> u64 {
        let text = stdout(output);
        text.split_whitespace().next().unwrap().parse().unwrap()
    };
    let total = count(&whole);
    assert!(
        stdout(&whole).contains("space exhausted"),
        "{}",
        stdout(&whole)
    );
    assert!(stdout(&whole).contains("no violation found"));
    let parts: u64 = ["1/3", "2/3", "3/3"]
        .iter()
        .map(|part| {
            let output = vss_sim(&["explore", "scenarios/quickstart.toml", "--partition", part]);
            assert_eq!(output.status.code(), Some(0));
            assert!(stdout(&output).contains(&format!("part {part} of the space")));
            count(&output)
        })
        .sum();
    assert_eq!(parts, total);
    let jobs = vss_sim(&["explore", "scenarios/quickstart.toml", "--jobs", "2"]);
    assert_eq!(count(&jobs), total);
    let swarm = vss_sim(&[
        "explore",
        "scenarios/quickstart.toml",
        "--swarm",
        "200",
        "--jobs",
        "2",
    ]);
    assert_eq!(count(&swarm), 200);
    let wrong = vss_sim(&["explore", "scenarios/quickstart.toml", "--partition", "4/3"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("K/N with 1 <= K <= N"),
        "{}",
        stderr(&wrong)
    );
}

#[test]
fn explore_writes_a_counterexample_that_replay_reproduces() {
    // The careless requester of ff09b releases without AbortBackup (R52): with --everything the
    // requester's violation counts, and the counterexample replays it.
    let dir = scratch("explore");
    let out = dir.join("found.toml");
    let output = vss_sim(&[
        "explore",
        "scenarios/ff09b-release-after-veto-without-abort.toml",
        "--everything",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    assert!(stdout(&output).contains("replay with: vss-sim replay"));
    let replay = vss_sim(&["replay", out.to_str().unwrap()]);
    assert_eq!(replay.status.code(), Some(0), "{}", stdout(&replay));
    assert!(stdout(&replay).contains("R52"));
}

#[test]
fn check_and_render_read_a_recorded_trace() {
    let dir = scratch("trace");
    let trace = dir.join("ff09.jsonl");
    let trace_arg = trace.to_str().unwrap();
    let run = vss_sim(&[
        "run",
        "--quiet",
        "scenarios/ff09-bareos-backup-complete-after-veto.toml",
        "--trace-out",
        trace_arg,
    ]);
    assert_eq!(run.status.code(), Some(0));
    // R26 is the requester's: check fails the trace, unless only the engine counts.
    let check = vss_sim(&["check", trace_arg]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        stdout(&check).contains("R26 [requester]"),
        "{}",
        stdout(&check)
    );
    assert_eq!(
        vss_sim(&["check", trace_arg, "--engine-only"])
            .status
            .code(),
        Some(0)
    );
    let json = vss_sim(&["check", trace_arg, "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(report["clean"], false);

    let mermaid = stdout(&vss_sim(&["render", trace_arg, "--format", "mermaid"]));
    assert!(
        mermaid.starts_with("```mermaid\nsequenceDiagram\n"),
        "{mermaid}"
    );
    assert!(mermaid.contains("participant W0 as MSSearch Service Writer"));
    assert!(mermaid.contains("R0->>VSS: [0 ms] BackupComplete -> VSS_E_BAD_STATE"));
    let html = dir.join("ff09.html");
    let render = vss_sim(&[
        "render",
        trace_arg,
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(render.status.code(), Some(0));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("<th>VSS</th>"));
    let text = stdout(&vss_sim(&["render", trace_arg]));
    assert!(text.contains("BackupComplete -> VSS_E_BAD_STATE"));
}

#[test]
fn a_trace_that_does_not_parse_is_named_by_file_and_line() {
    let dir = scratch("badtrace");
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"at_ms\":0,\"event\":{\"type\":\"ServiceRestarted\"}}\nnot json\n",
    )
    .unwrap();
    let output = vss_sim(&["check", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bad.jsonl:2:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn every_command_explains_itself_with_an_example() {
    for command in [
        "run",
        "replay",
        "explore",
        "check",
        "render",
        "vssadmin",
        "diskshadow",
        "completions",
    ] {
        let output = vss_sim(&[command, "--help"]);
        assert_eq!(output.status.code(), Some(0), "{command}");
        assert!(
            stdout(&output).contains("Example"),
            "{command} --help has no example"
        );
    }
    let completions = vss_sim(&["completions", "bash"]);
    assert!(stdout(&completions).contains("vss-sim"));
}

#[test]
fn an_exploration_with_panic_faults_keeps_them_off_the_terminal() {
    // Writers injected to panic are caught and recorded (design principle: user code cannot
    // break the run); their messages must not flood stderr.
    let dir = scratch("panics");
    let file = dir.join("panics.toml");
    std::fs::write(
        &file,
        "name = \"panicking writers\"\nwriters = [{ name = \"A\" }, { name = \"B\" }]\n\
         steps = [\n  { call = \"InitializeForBackup\" },\n  { call = \"SetBackupState\" },\n  \
         { call = \"GatherWriterMetadata\" },\n  { call = \"Wait\" },\n  { call = \"SelectAllComponents\" },\n  \
         { call = \"StartSnapshotSet\" },\n  { call = \"AddToSnapshotSet\", volume = 'C:\\' },\n  \
         { call = \"PrepareForBackup\" },\n  { call = \"Wait\" },\n  { call = \"DoSnapshotSet\" },\n  \
         { call = \"Wait\" },\n  { call = \"BackupComplete\" },\n  { call = \"Wait\" },\n]\n\
         [faults]\nmax_faults = 2\nwriter = { Freeze = [{ outcome = \"Panic\" }], Thaw = [{ outcome = \"Panic\" }] }\n",
    )
    .unwrap();
    let output = vss_sim(&["explore", file.to_str().unwrap(), "--no-progress"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("R75"), "{}", stdout(&output));
    assert_eq!(stderr(&output), "", "panic messages reached the terminal");
}

#[test]
fn vssadmin_and_diskshadow_share_one_machine_through_the_state_file() {
    // R119, R123: a persistent copy DiskShadow made is listed and deleted by vssadmin later.
    let dir = scratch("state");
    let state = dir.join("state.json");
    let script = dir.join("backup.dsh");
    std::fs::write(
        &script,
        "set context clientaccessible\r\nadd volume c: alias mine\r\ncreate\r\nexit\r\n",
    )
    .unwrap();
    let state_arg = state.to_str().unwrap();
    // DiskShadow writes its default metadata cabinet to the working directory.
    let ds = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args([
            "diskshadow",
            "-s",
            script.to_str().unwrap(),
            "--state",
            state_arg,
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(ds.status.code(), Some(0), "{}{}", stdout(&ds), stderr(&ds));
    let transcript = stdout(&ds);
    assert!(
        transcript.starts_with("Microsoft DiskShadow version 1.0\n"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Alias mine for shadow ID {"),
        "{transcript}"
    );
    assert!(transcript.ends_with("-> exit\n"), "{transcript}");
    // The default metadata cabinet lands in the working directory.
    let cabs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "cab"))
        .collect();
    assert_eq!(cabs.len(), 1);

    let list = vss_sim(&["vssadmin", "--state", state_arg, "list", "shadows"]);
    assert_eq!(list.status.code(), Some(0));
    golden("vssadmin-list-shadows.txt", &stdout(&list));
    assert!(stdout(&list).contains("Type: ClientAccessible"));
    // Without /quiet vssadmin asks; no answer is no.
    let asked = vss_sim(&[
        "vssadmin", "--state", state_arg, "delete", "shadows", "/all",
    ]);
    assert!(stdout(&asked).contains("Do you really want to delete 1 shadow copies (Y/N): [N]? "));
    let deleted = vss_sim(&[
        "vssadmin", "--state", state_arg, "delete", "shadows", "/all", "/quiet",
    ]);
    assert_eq!(deleted.status.code(), Some(0), "{}", stdout(&deleted));
    // /quiet prints nothing after the banner.
    assert!(
        stdout(&deleted).ends_with("Microsoft Corp.\n\n"),
        "{}",
        stdout(&deleted)
    );
    let empty = vss_sim(&["vssadmin", "--state", state_arg, "list", "shadows"]);
    assert!(stdout(&empty).ends_with("No items found that satisfy the query.\n"));
    // "No items found" exits 1, as a reported capture shows.
    assert_eq!(empty.status.code(), Some(1));
    let invalid = vss_sim(&["vssadmin", "frobnicate"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stdout(&invalid).contains("Error: Invalid command."));
}

#[test]
fn diskshadow_reads_commands_at_its_prompt() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args(["diskshadow"])
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"list providers\nset context nonsense\nexit\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = stdout(&output);
    assert!(
        text.contains("\n\nDISKSHADOW> * ProviderID: {b5946137-7b9f-4925-af80-51abd60b20d5}\n"),
        "{text}"
    );
    // An error at the prompt does not end the session.
    assert!(
        text.contains("Example: SET CONTEXT CLIENTACCESSIBLE\n\nDISKSHADOW> "),
        "{text}"
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn a_machine_file_describes_the_machine_vssadmin_sees() {
    let dir = scratch("machine");
    let machine = dir.join("server.toml");
    std::fs::write(
        &machine,
        "volumes = ['C:\\', 'D:\\']\n[[writers]]\nname = \"SqlServerWriter\"\ninstance_id = \"7e631031-c695-4229-9da1-a7de057e64cb\"\n",
    )
    .unwrap();
    let writers = vss_sim(&[
        "vssadmin",
        "--machine",
        machine.to_str().unwrap(),
        "list",
        "writers",
    ]);
    assert_eq!(writers.status.code(), Some(0), "{}", stderr(&writers));
    assert!(
        stdout(&writers).contains("Writer name: 'SqlServerWriter'\n   Writer Id: {"),
        "{}",
        stdout(&writers)
    );
    assert!(stdout(&writers).contains("   Writer Instance Id: {7e631031-c695-4229-9da1-a7de057e64cb}\n   State: [1] Stable\n   Last error: No error\n"));
    let volumes = vss_sim(&[
        "vssadmin",
        "--machine",
        machine.to_str().unwrap(),
        "list",
        "volumes",
    ]);
    assert!(stdout(&volumes).contains("Volume path: D:\\\n"));
    std::fs::write(&machine, "volumes = [{ name = 'C:\\', size = 1 }]\n").unwrap();
    let bad = vss_sim(&[
        "vssadmin",
        "--machine",
        machine.to_str().unwrap(),
        "list",
        "writers",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("server.toml:1:"), "{}", stderr(&bad));
}

#[test]
fn the_readme_diskshadow_script_runs() {
    // README: `cargo run -- diskshadow -s scenarios/diskshadow/backup.dsh --state target/state.json`.
    // Its folders are made as needed.
    let dir = scratch("readme");
    let script = root()
        .join("scenarios")
        .join("diskshadow")
        .join("backup.dsh");
    let output = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args([
            "diskshadow",
            "-s",
            script.to_str().unwrap(),
            "--state",
            "target/state.json",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("The shadow copy was successfully exposed as z:\\."));
    assert!(dir.join("target").join("backup.cab").exists());
    assert!(dir.join("target").join("state.json").exists());
}
