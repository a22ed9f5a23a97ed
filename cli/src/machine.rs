//! `vssadmin` and `diskshadow`: Microsoft's own requesters over a described machine.

use std::path::PathBuf;

use clap::Args;

use crate::failure::Failure;
use crate::Verdict;

/// `vss-sim vssadmin`.
#[derive(Debug, Args)]
pub(crate) struct VssadminArgs {
    /// The machine file (volumes, writers, providers, OS profile); default: a current server
    /// with `C:\` and no writers.
    #[arg(long, value_name = "FILE")]
    machine: Option<PathBuf>,
    /// The state file carrying persistent shadow copies and writer status between invocations
    /// (created if missing, updated after the command).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// The vssadmin command, as on Windows: `list writers`, `create shadow /for=C:`, ...
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

/// `vss-sim diskshadow`.
#[derive(Debug, Args)]
pub(crate) struct DiskshadowArgs {
    /// The script to run; without it, commands are read from the standard input.
    #[arg(short = 's', value_name = "SCRIPT")]
    script: Option<PathBuf>,
    /// The machine file; default: a current server with `C:\` and no writers.
    #[arg(long, value_name = "FILE")]
    machine: Option<PathBuf>,
    /// The state file carrying persistent shadow copies and writer status between invocations.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

pub(crate) fn vssadmin(_args: &VssadminArgs) -> Result<Verdict, Failure> {
    Err(Failure::new("vssadmin: not yet"))
}

pub(crate) fn diskshadow(_args: &DiskshadowArgs) -> Result<Verdict, Failure> {
    Err(Failure::new("diskshadow: not yet"))
}
