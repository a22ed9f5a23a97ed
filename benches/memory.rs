//! Memory per run: bytes allocated by one full backup sequence with 1, 10 and 100 writers,
//! trace on and off, next to the number of trace records, to show that memory grows with the
//! events a run records and nothing else.
//!
//! Run with `cargo bench --bench memory`. Allocation counts are exact and repeatable, unlike
//! times, so this is a plain program (no criterion) that prints a table.

mod common;

use vss_sim::trace::TraceMode;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// (bytes allocated so far, bytes live now).
fn heap() -> (u64, usize) {
    let stats = dhat::HeapStats::get();
    (stats.total_bytes, stats.curr_bytes)
}

fn run(writers: usize, mode: TraceMode) -> (u64, usize, usize) {
    let vss = common::machine(writers, mode);
    let (allocated_before, live_before) = heap();
    let records = common::full_backup(&vss);
    let (allocated_after, live_after) = heap();
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
