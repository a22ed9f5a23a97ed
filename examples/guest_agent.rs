//! A hypervisor snapshots a Windows guest through its guest agent (QEMU's qga-vss, Hyper-V's
//! integration services): the agent is the requester, its pass-through provider holds writes in
//! `CommitSnapshots`, tells the host "frozen", and waits for the host's "thaw". The host
//! snapshots the disks meanwhile. The kernel holds writes for 10 s at most (R89).
//!
//! Three hosts: one that thaws in time, one that takes 12 s, and one whose 5 s deadline passes
//! before the guest's writers are even frozen (field failures 2 and 3).
//!
//! Run with `cargo run --example guest_agent`.

use vss_sim::provider::{SoftwareProvider, StepWait};
use vss_sim::requester::Vss;
use vss_sim::vocab::{
    ApplicationLevel, BackupState, ComponentType, ProviderStep, RestoreMethod, Wait, WaitEnd,
    WriterClassId,
};
use vss_sim::writer::{HandlerContext, Writer, WriterConfig, WriterMetadata};

/// A database writer that checkpoints for `checkpoint_ms` in OnPrepareSnapshot.
struct Database {
    checkpoint_ms: u64,
}

impl Writer for Database {
    fn on_identify(&mut self, _: &mut HandlerContext<'_>, md: &mut WriterMetadata) -> bool {
        md.set_restore_method(RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE);
        md.add_component(ComponentType::VSS_CT_DATABASE, None, "db");
        true
    }
    fn on_prepare_snapshot(&mut self, ctx: &mut HandlerContext<'_>) -> bool {
        ctx.spend_ms(self.checkpoint_ms);
        true
    }
    fn on_freeze(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_thaw(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
    fn on_abort(&mut self, _: &mut HandlerContext<'_>) -> bool {
        true
    }
}

/// The guest: one database writer and the agent's provider, which reports the hold and waits up
/// to 60 s for the host's thaw.
fn guest(checkpoint_ms: u64) -> Vss {
    let provider = SoftwareProvider::system().with_wait(
        ProviderStep::CommitSnapshots,
        StepWait::new(Wait::signal("thaw").or_ms(60_000)).setting("frozen"),
    );
    let config = WriterConfig::new(WriterClassId::from_u128(1), "Database")
        .level(ApplicationLevel::VSS_APP_BACK_END);
    Vss::builder()
        .writer(config, Database { checkpoint_ms })
        .provider(provider)
        .build()
}

/// The host, once it asked the agent to freeze: waits up to `deadline_ms` for "frozen", then
/// snapshots the disks in `snapshot_ms` and thaws.
#[derive(Clone, Copy)]
struct Host {
    deadline_ms: u64,
    snapshot_ms: u64,
}

fn run(title: &str, checkpoint_ms: u64, host: Host) {
    println!("=== {title} ===");
    let vss = guest(checkpoint_ms);
    // The agent: the canonical sequence up to DoSnapshotSet (R40).
    let mut bc = vss
        .backup_components()
        .initialize_for_backup()
        .expect("initialize");
    bc.set_backup_state(BackupState::default())
        .expect("backup state");
    let mut discovered = bc
        .gather_writer_metadata()
        .expect("gather")
        .wait()
        .expect("metadata");
    discovered.select_all_components().expect("components");
    let mut started = discovered.start_snapshot_set().expect("start");
    started.add_to_snapshot_set("C:\\").expect("volume");
    let prepared = started
        .prepare_for_backup()
        .expect("prepare")
        .wait()
        .expect("prepared");
    let pending = prepared.do_snapshot_set().expect("snapshot");

    // The host, outside the machine, on the same virtual clock.
    let Host {
        deadline_ms,
        snapshot_ms,
    } = host;
    match vss.wait_signal("frozen", Some(deadline_ms)) {
        Ok(WaitEnd::Signalled) => {
            println!(
                "  host: guest frozen at {} ms; snapshotting disks",
                vss.now_ms()
            );
            let _ = vss.advance_ms(snapshot_ms);
            println!("  host: thaw at {} ms", vss.now_ms());
            vss.set_signal("thaw");
        }
        Ok(WaitEnd::TimedOut) => {
            println!("  host: no freeze after {deadline_ms} ms; giving up (no thaw is ever sent)");
        }
        Err(bound) => println!("  host: the run ended first ({bound})"),
    }

    // The agent collects the result: a copy, or the documented failure and AbortBackup (R54).
    match pending.wait() {
        Ok(done) => {
            println!("  agent: shadow copy created at {} ms", vss.now_ms());
            let completed = done.backup_complete().expect("complete").wait();
            drop(completed);
        }
        Err(error) => {
            println!("  agent: DoSnapshotSet failed: {error}");
            if let Some(failed) = error.failed() {
                drop(failed.components.abort_backup());
            }
        }
    }
    print!("{}", vss.trace().render());
    let report = vss_sim::trace::oracle::check(&vss.trace());
    println!("  oracle: {} violation(s)\n", report.violations().len());
}

fn main() {
    run(
        "the host thaws within the 10 s hold",
        200,
        Host {
            deadline_ms: 5_000,
            snapshot_ms: 3_000,
        },
    );
    run(
        "the host takes 12 s: the kernel's hold expired (VSS_E_HOLD_WRITES_TIMEOUT)",
        200,
        Host {
            deadline_ms: 5_000,
            snapshot_ms: 12_000,
        },
    );
    run(
        "the guest's writers need 8 s; the host's 5 s deadline passes first",
        8_000,
        Host {
            deadline_ms: 5_000,
            snapshot_ms: 3_000,
        },
    );
}
