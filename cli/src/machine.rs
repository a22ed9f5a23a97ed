//! `vssadmin` and `diskshadow`: Microsoft's own requesters over a described machine (a machine
//! file: a scenario file without steps) whose persistent state (shadow copies, exposures,
//! writer status, shadow storage) a state file carries from one invocation to the next.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use vss_sim::requester::Vss;
use vss_sim::sim::Scenario;
use vss_sim::tools::diskshadow::{DiskShadow, ExecPolicy, Flow};
use vss_sim::vocab::MachineState;

use crate::failure::Failure;
use crate::Verdict;

/// Where the machine comes from and where its state goes.
#[derive(Debug, Args)]
pub(crate) struct MachineArgs {
    /// The machine file (a scenario file without steps: volumes, writers, providers, OS
    /// profile, policies); default: a current server with `C:\`, the system provider and no
    /// writers.
    #[arg(long, value_name = "FILE")]
    machine: Option<PathBuf>,
    /// The state file carrying persistent shadow copies, exposures and writer status between
    /// invocations (read if it exists, written after the command).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

/// `vss-sim vssadmin`.
#[derive(Debug, Args)]
pub(crate) struct VssadminArgs {
    #[command(flatten)]
    machine: MachineArgs,
    /// The vssadmin command, as on Windows: `list writers`, `create shadow /for=C:`, ...
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<String>,
}

/// `vss-sim diskshadow`.
#[derive(Debug, Args)]
pub(crate) struct DiskshadowArgs {
    #[command(flatten)]
    machine: MachineArgs,
    /// Run this script (`diskshadow /s script`); without it, commands are read from the
    /// standard input at the `DISKSHADOW>` prompt.
    #[arg(short = 's', value_name = "SCRIPT")]
    script: Option<PathBuf>,
    /// Also write the output to this log file (`/l`).
    #[arg(short = 'l', value_name = "LOGFILE")]
    log: Option<PathBuf>,
    /// Really run the files `exec` names on this host (by default they are taken to succeed
    /// without running).
    #[arg(long)]
    exec: bool,
    /// Write the run's trace (JSON Lines) for `check` and `render`.
    #[arg(long, value_name = "FILE")]
    trace_out: Option<PathBuf>,
    /// The script's parameters, `%DISKSH_PARAM_1%` and on.
    #[arg(trailing_var_arg = true, value_name = "PARAM")]
    params: Vec<String>,
}

impl MachineArgs {
    /// The machine, continuing from the state file if there is one.
    fn build(&self) -> Result<Vss, Failure> {
        let scenario = match &self.machine {
            Some(path) => Scenario::load(path)?,
            None => Scenario::from_toml("", "<default machine>")?,
        };
        let state = match &self.state {
            Some(path) if path.exists() => {
                let text =
                    std::fs::read_to_string(path).map_err(|err| Failure::read(path, &err))?;
                Some(
                    MachineState::from_json(&text)
                        .map_err(|err| Failure::at(path, err.line(), err.column(), &err))?,
                )
            }
            _ => None,
        };
        Ok(scenario.runner().machine(state.as_ref()))
    }

    /// Saves the machine's persistent state to the state file, if one was named.
    fn save(&self, vss: &Vss) -> Result<(), Failure> {
        if let Some(path) = &self.state {
            write_file(path, vss.machine_state().to_json().as_bytes())?;
        }
        Ok(())
    }
}

pub(crate) fn vssadmin(args: &VssadminArgs) -> Result<Verdict, Failure> {
    let vss = args.machine.build()?;
    // vssadmin's `(Y/N)` question is answered from the standard input; no answer is no.
    let mut confirm = |_: &str| {
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        answer.trim().eq_ignore_ascii_case("y")
    };
    let outcome = vss_sim::tools::vssadmin::run_with(&vss, &args.command, &mut confirm);
    crate::emit(None, &outcome.text)?;
    args.machine.save(&vss)?;
    Ok(if outcome.exit_code == 0 {
        Verdict::Clean
    } else {
        Verdict::Failed
    })
}

pub(crate) fn diskshadow(args: &DiskshadowArgs) -> Result<Verdict, Failure> {
    let vss = args.machine.build()?;
    let mut session = DiskShadow::new(&vss);
    session.params(&args.params);
    if args.exec {
        session.exec_policy(ExecPolicy::Run);
    }
    // DiskShadow reads and writes the files a script names (metadata cabinets) relative to the
    // working directory, as Windows' does.
    session.file_reader(Box::new(move |name: &str| {
        std::fs::read(resolve(Path::new(""), name)).ok()
    }));
    let mut log = String::new();
    let ok = match &args.script {
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|err| Failure::read(path, &err))?;
            let text = String::from_utf8_lossy(&bytes);
            let (out, ok) = session.run_script(&text);
            crate::emit(None, &out)?;
            log.push_str(&out);
            ok
        }
        None => interactive(&mut session, &mut log)?,
    };
    for (name, bytes) in session.written_files() {
        let path = resolve(Path::new(""), name);
        write_file(&path, bytes)?;
    }
    drop(session);
    if let Some(path) = &args.log {
        std::fs::write(path, &log).map_err(|err| Failure::write(path, &err))?;
    }
    if let Some(path) = &args.trace_out {
        std::fs::write(path, vss.trace().to_json_lines())
            .map_err(|err| Failure::write(path, &err))?;
    }
    args.machine.save(&vss)?;
    Ok(if ok { Verdict::Clean } else { Verdict::Failed })
}

/// The `DISKSHADOW>` prompt over the standard input: an empty line after the banner and after
/// each command's output, as DiskShadow prints them; errors do not end the session.
fn interactive(session: &mut DiskShadow, log: &mut String) -> Result<bool, Failure> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    let mut say = |text: &str, log: &mut String| {
        let _ = stdout.write_all(text.as_bytes());
        let _ = stdout.flush();
        log.push_str(text);
    };
    say(&format!("{}\n", session.banner()), log);
    let mut lines = stdin.lock().lines();
    loop {
        say("DISKSHADOW> ", log);
        let Some(line) = lines.next() else {
            say("\n", log);
            break;
        };
        let line = line.map_err(|err| Failure::new(format!("standard input: {err}")))?;
        let flow = session.run_line(&line);
        let out = session.take_output();
        say(&out, log);
        if flow == Flow::Exit {
            break;
        }
        say("\n", log);
    }
    session.finish();
    Ok(true)
}

/// `name` as the script names it: relative to `base` (the working directory), Windows
/// separators taken.
fn resolve(base: &Path, name: &str) -> PathBuf {
    let name = name.replace('\\', "/");
    let path = Path::new(&name);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

/// Writes `bytes` to `path`, creating its folder first if it is missing.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|err| Failure::write(parent, &err))?;
    }
    std::fs::write(path, bytes).map_err(|err| Failure::write(path, &err))
}
