//! Heap allocations of a rebuild, counted with dhat: the same 100 000 school rows as
//! `rebuild.rs`, rebuilt once into `Record`s and once through a visitor that builds
//! nothing (the pass alone). Prints allocations and bytes per row and the peak heap of
//! each. Run: `cargo bench -p relq-benches --bench rebuild_allocations`.
//!
//! A separate binary because dhat replaces the global allocator, which would slow the
//! timed benchmarks.

use relq_benches::{Count, SchoolShape, school_plan, school_records, school_rows};
use relq_rows::{rebuild, rebuild_with};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

/// Prints what dhat counted since `_profiler` started, per row.
fn report(what: &str, rows: usize) {
    let stats = dhat::HeapStats::get();
    let n = rows as f64;
    println!("{what}:");
    println!(
        "  allocations per row: {:.3} ({} in all)",
        stats.total_blocks as f64 / n,
        stats.total_blocks
    );
    println!(
        "  bytes allocated per row: {:.1}",
        stats.total_bytes as f64 / n
    );
    println!(
        "  peak heap: {:.1} MiB",
        stats.max_bytes as f64 / (1024.0 * 1024.0)
    );
}

fn main() {
    let plan = school_plan();
    let rows = school_rows(&plan, &school_records(SchoolShape::ROWS_100K));
    println!("rebuild of {} school rows", rows.len());
    {
        // Counting starts here: building the rows is not measured.
        let _profiler = dhat::Profiler::builder().testing().build();
        let records = rebuild(&plan, &rows).expect("the school rows are well-formed");
        report("into records", rows.len());
        drop(records);
    }
    {
        let _profiler = dhat::Profiler::builder().testing().build();
        let counted = rebuild_with(&plan, &rows, Count::default()).expect("well-formed");
        report("through a visitor that builds nothing", rows.len());
        assert!(counted > 0);
    }
}
