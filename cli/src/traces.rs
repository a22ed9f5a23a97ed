//! `check` and `render`: a recorded trace (JSON Lines), judged or drawn.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use vss_sim::trace::{oracle, Trace};

use crate::failure::Failure;
use crate::{emit, ReportFormat, Verdict};

/// `vss-sim check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The trace, as JSON Lines.
    trace: PathBuf,
    /// Text for people, JSON for tools.
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
    /// Fail only on the engine's violations (bugs in vss-sim), not on the requester's or the
    /// writers' (bugs in the code under test).
    #[arg(long)]
    engine_only: bool,
}

/// `vss-sim render`.
#[derive(Debug, Args)]
pub(crate) struct RenderArgs {
    /// The trace, as JSON Lines.
    trace: PathBuf,
    /// What to draw.
    #[arg(long, value_enum, default_value_t)]
    format: RenderFormat,
    /// Write here instead of to stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The forms `render` draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum RenderFormat {
    /// One line per record, as `run` prints it.
    #[default]
    Text,
    /// The records as JSON Lines again (normalized).
    Json,
    /// A Mermaid sequence diagram in a Markdown fence (GitHub renders it).
    Mermaid,
    /// A self-contained HTML timeline, one lane per party.
    Html,
}

pub(crate) fn check(args: &CheckArgs) -> Result<Verdict, Failure> {
    let trace = load(&args.trace)?;
    let report = oracle::check(&trace);
    let failed = if args.engine_only {
        !report.engine_violations().is_empty()
    } else {
        !report.is_clean()
    };
    let text = match args.format {
        ReportFormat::Text => report.to_string(),
        ReportFormat::Json => format!("{:#}\n", report.to_json()),
    };
    emit(None, &text)?;
    Ok(if failed {
        Verdict::Failed
    } else {
        Verdict::Clean
    })
}

pub(crate) fn render(args: &RenderArgs) -> Result<Verdict, Failure> {
    let trace = load(&args.trace)?;
    let text = match args.format {
        RenderFormat::Text => trace.render(),
        RenderFormat::Json => trace.to_json_lines(),
        RenderFormat::Mermaid => format!("```mermaid\n{}```\n", trace.render_mermaid()),
        RenderFormat::Html => {
            let title = args
                .trace
                .file_name()
                .map_or_else(|| "trace".to_owned(), |n| n.to_string_lossy().into_owned());
            trace.render_html(&title)
        }
    };
    emit(args.out.as_ref(), &text)?;
    Ok(Verdict::Clean)
}

/// Reads a JSON Lines trace; a bad line is named by file and line.
fn load(path: &Path) -> Result<Trace, Failure> {
    let text = std::fs::read_to_string(path).map_err(|err| Failure::read(path, &err))?;
    Trace::from_json_lines(&text).map_err(|err| Failure::at(path, err.line, 0, &err.message))
}
