//! Rebuild throughput: 100 000 rows of ormar's school query (`SchoolClass` with
//! `teachers__category` and `students__category`), held in memory as `Vec<Value>` rows:
//! 1 000 classes × 4 teachers × 25 students, so each class's 4 teachers repeat over its
//! 25 students, as a joined statement returns them (`relq_benches::SchoolShape`).
//!
//! Four measurements, each over all 100 000 rows (throughput in rows per second):
//! - `records`: `rebuild` into `Record`s, dropping them included;
//! - `records_drop_excluded`: the same, the output dropped outside the timing;
//! - `visitor`: the pass alone (identity, checks, first-appearance order) driving a
//!   visitor that only counts, as an ORM's own visitor would before building its types;
//! - `json`: `to_json` over the rebuilt records.
//!
//! Run: `cargo bench -p relq-benches --bench rebuild`.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use relq_benches::{Count, SchoolShape, school_plan, school_records, school_rows};
use relq_rows::{rebuild, rebuild_with, to_json};

fn rebuild_school(c: &mut Criterion) {
    let plan = school_plan();
    let shape = SchoolShape::ROWS_100K;
    let rows = school_rows(&plan, &school_records(shape));
    let records = rebuild(&plan, &rows).expect("the school rows are well-formed");

    let mut group = c.benchmark_group("rebuild_school_100k_rows");
    group.throughput(Throughput::Elements(
        u64::try_from(rows.len()).unwrap_or(u64::MAX),
    ));
    group.sample_size(30);
    group.bench_function("records", |b| {
        b.iter(|| rebuild(&plan, black_box(&rows)).expect("well-formed"));
    });
    group.bench_function("records_drop_excluded", |b| {
        b.iter_with_large_drop(|| rebuild(&plan, black_box(&rows)).expect("well-formed"));
    });
    group.bench_function("visitor", |b| {
        b.iter(|| rebuild_with(&plan, black_box(&rows), Count::default()).expect("well-formed"));
    });
    group.bench_function("json", |b| {
        b.iter(|| to_json(&plan, black_box(&records)).expect("records fit"));
    });
    group.finish();
}

// What `criterion_group!` / `criterion_main!` expand to, without their undocumented
// `pub fn` (the workspace denies missing docs).
fn main() {
    let mut c = Criterion::default().configure_from_args();
    rebuild_school(&mut c);
    c.final_summary();
}
