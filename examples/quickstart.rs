//! Quick start: a three-writer backup, then the same backup where one writer fails at Freeze.
//!
//! Run with `cargo run --example quickstart`.

use vss_sim::requester::{AsyncError, Vss};
use vss_sim::vocab::WriterFailure;
use vss_sim::vocab::{ApplicationLevel, BackupState, ComponentType, RestoreMethod, WriterClassId};
use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

/// A small application writer: stops writes at Freeze, resumes at Thaw or Abort.
struct AppWriter {
    component: &'static str,
    fail_freeze: bool,
    writes_stopped: bool,
}

impl AppWriter {
    fn new(component: &'static str) -> Self {
        Self {
            component,
            fail_freeze: false,
            writes_stopped: false,
        }
    }
}

impl Writer for AppWriter {
    fn on_identify(
        &mut self,
        _ctx: &mut HandlerContext<'_>,
        metadata: &mut WriterMetadata,
    ) -> bool {
        metadata.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        metadata.add_component(ComponentType::VSS_CT_DATABASE, None, self.component);
        true
    }

    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.spend_ms(120); // checkpoint the database
        true
    }

    fn on_freeze(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.spend_ms(15);
        if self.fail_freeze {
            // A fatal error: describe it, then return false (R64). VSS raises Abort (R50b).
            let _ = ctx.set_writer_failure(WriterFailure::VSS_E_WRITERERROR_RETRYABLE);
            return false;
        }
        self.writes_stopped = true;
        true
    }

    fn on_thaw(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        self.writes_stopped = false;
        true
    }

    fn on_abort(&mut self, _ctx: &mut HandlerContext<'_>) -> bool {
        self.writes_stopped = false; // back to normal running (R55)
        true
    }
}

fn machine(failing_writer: Option<&str>) -> Vss {
    let writer = |name: &'static str, level: ApplicationLevel, id: u128| {
        let mut w = AppWriter::new(name);
        w.fail_freeze = failing_writer == Some(name);
        (
            WriterConfig::new(WriterClassId::from_u128(id), name).level(level),
            w,
        )
    };
    let (sql_config, sql) = writer("SqlWriter", ApplicationLevel::VSS_APP_BACK_END, 1);
    let (web_config, web) = writer("WebCacheWriter", ApplicationLevel::VSS_APP_FRONT_END, 2);
    let (sys_config, sys) = writer("RegistryWriter", ApplicationLevel::VSS_APP_SYSTEM, 3);
    Vss::builder()
        .writer(sql_config, sql)
        .writer(web_config, web)
        .writer(sys_config, sys)
        .build()
}

/// The canonical requester sequence of R40, with the documented abort rules (R52, R54).
fn backup(vss: &Vss) -> Result<(), AsyncError> {
    let mut bc = vss
        .backup_components()
        .initialize_for_backup()
        .expect("initialize");
    bc.set_backup_state(BackupState::default())
        .expect("set backup state");
    let mut discovered = bc.gather_writer_metadata().expect("gather").wait()?;
    discovered.select_all_components().expect("add components");
    let mut started = discovered.start_snapshot_set().expect("start set");
    started.add_to_snapshot_set("C:\\").expect("add volume");
    let prepared = started.prepare_for_backup().expect("prepare").wait()?;
    let mut done = prepared.do_snapshot_set().expect("snapshot").wait()?;
    let failed: Vec<_> = done
        .writer_status()
        .expect("status")
        .into_iter()
        .filter(|s| s.state.is_failed())
        .collect();
    if !failed.is_empty() {
        for status in &failed {
            println!(
                "  requester sees {} in {} with {}",
                status.name, status.state, status.failure
            );
        }
        // A writer vetoed: the backup is not consistent for it. Abort and release (R54).
        let aborted = done.abort_backup();
        drop(aborted);
        return Ok(());
    }
    let completed = done.backup_complete().expect("complete").wait()?;
    drop(completed); // Release → BackupShutdown (R57)
    Ok(())
}

fn run(title: &str, failing: Option<&str>) {
    println!("=== {title} ===");
    let vss = machine(failing);
    if let Err(error) = backup(&vss) {
        println!("  backup failed: {error}");
    }
    print!("{}", vss.trace().render());
    println!();
}

fn main() {
    run("three-writer backup", None);
    run(
        "the same backup, SqlWriter fails at Freeze",
        Some("SqlWriter"),
    );
}
