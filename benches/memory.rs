//! Memory per run: bytes allocated by one full backup sequence with 1, 10 and 100 writers,
//! trace on and off, next to the number of trace records, to show that memory grows with the
//! events a run records and nothing else.
//!
//! Run with `cargo bench --bench memory`. Allocation counts are exact and repeatable, unlike
//! times, so this is a plain program (no criterion) that prints a table.

use vss_sim::requester::Vss;
use vss_sim::trace::TraceMode;
use vss_sim::vocab::{BackupState, WriterClassId};
use vss_sim::writer::{ScriptedWriter, WriterConfig};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// (bytes allocated so far, bytes live now).
fn heap() -> (u64, usize) {
    let stats = dhat::HeapStats::get();
    (stats.total_bytes, stats.curr_bytes)
}

fn run(writers: usize, mode: TraceMode) -> (u64, usize, usize) {
    let vss = (0..writers)
        .fold(Vss::builder().trace_mode(mode), |builder, i| {
            let config =
                WriterConfig::new(WriterClassId::from_u128(i as u128 + 1), format!("W{i}"));
            builder.writer(config, ScriptedWriter::new(format!("W{i}")))
        })
        .build();
    let (allocated_before, live_before) = heap();
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
        .expect("identify");
    discovered.select_all_components().expect("components");
    let mut started = discovered.start_snapshot_set().expect("start");
    started.add_to_snapshot_set("C:\\").expect("volume");
    let prepared = started
        .prepare_for_backup()
        .expect("prepare")
        .wait()
        .expect("prepared");
    let done = prepared
        .do_snapshot_set()
        .expect("snapshot")
        .wait()
        .expect("created");
    drop(
        done.backup_complete()
            .expect("complete")
            .wait()
            .expect("completed"),
    );
    let (allocated_after, live_after) = heap();
    let records = vss.inspect(|core| core.trace().records().len());
    (
        allocated_after - allocated_before,
        live_after.saturating_sub(live_before),
        records,
    )
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let record_size = std::mem::size_of::<vss_sim::trace::TraceRecord>();
    println!("size of one TraceRecord: {record_size} bytes (plus its strings, if any)");
    println!("writers  trace  records  allocated  retained  retained/record");
    for writers in [1usize, 10, 100] {
        for (label, mode) in [("on ", TraceMode::Record), ("off", TraceMode::Off)] {
            let (allocated, retained, records) = run(writers, mode);
            let per_record = retained.checked_div(records).unwrap_or(0);
            println!(
                "{writers:>7}  {label}    {records:>7}  {allocated:>9}  {retained:>8}  {per_record:>15}"
            );
        }
    }
}
