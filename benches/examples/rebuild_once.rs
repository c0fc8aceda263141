//! One rebuild of the 100 000 school rows, for `valgrind --tool=callgrind
//! --toggle-collect='*measured*'`: `records`, `keep` (records, dropped outside) or `visitor`.

use std::hint::black_box;

use relq_benches::{Count, SchoolShape, school_plan, school_records, school_rows};
use relq_rows::{Record, rebuild, rebuild_with};

#[inline(never)]
fn measured_records(plan: &relq_plan::ExtractionPlan, rows: &[Vec<relq_plan::Value>]) {
    drop(black_box(rebuild(plan, rows).expect("well-formed")));
}

#[inline(never)]
fn measured_keep(plan: &relq_plan::ExtractionPlan, rows: &[Vec<relq_plan::Value>]) -> Vec<Record> {
    rebuild(plan, rows).expect("well-formed")
}

#[inline(never)]
fn measured_visitor(plan: &relq_plan::ExtractionPlan, rows: &[Vec<relq_plan::Value>]) -> usize {
    rebuild_with(plan, rows, Count::default()).expect("well-formed")
}

fn main() {
    let plan = school_plan();
    let rows = school_rows(&plan, &school_records(SchoolShape::ROWS_100K));
    match std::env::args().nth(1).as_deref() {
        Some("visitor") => {
            black_box(measured_visitor(&plan, &rows));
        }
        Some("keep") => {
            black_box(measured_keep(&plan, &rows));
        }
        _ => measured_records(&plan, &rows),
    }
}
