//! Property tests for the rebuild over the sample plans: records flattened to the rows a
//! joined statement returns rebuild into the same records; repeating rows changes
//! nothing; the JSON has one object per root.
//!
//! The record strategies (small keys, so the same key often appears under different
//! parents, which must stay different records) are in `common/records.rs`.

mod common;

use common::records::roots;
use proptest::prelude::*;
use relq_plan::{ExtractionPlan, Value};
use relq_rows::{Record, Related, flatten, rebuild, to_json};
use relq_tests::plans::SamplePlan;

/// A sample plan and up to 3 roots with distinct keys.
fn plan_and_records() -> impl Strategy<Value = (ExtractionPlan, Vec<Record>)> {
    prop::sample::select(SamplePlan::ALL.to_vec()).prop_flat_map(|sample| {
        let plan = sample.plan();
        let roots = roots(&plan);
        (Just(plan), roots)
    })
}

proptest! {
    #[test]
    fn flattened_records_rebuild_into_themselves((plan, records) in plan_and_records()) {
        let rows = flatten(&plan, &records).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(rebuild(&plan, &rows), Ok(records.clone()));
        let json = to_json(&plan, &records).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(json.as_array().map(Vec::len), Some(records.len()));
    }

    #[test]
    fn rows_seen_again_change_nothing((plan, records) in plan_and_records()) {
        let rows = flatten(&plan, &records).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let doubled: Vec<&Vec<Value>> = rows.iter().chain(&rows).collect();
        prop_assert_eq!(rebuild(&plan, doubled), Ok(records.clone()));
        let each_twice: Vec<&Vec<Value>> = rows.iter().flat_map(|r| [r, r]).collect();
        prop_assert_eq!(rebuild(&plan, each_twice), Ok(records));
    }
}

#[test]
fn generated_records_reach_every_relation_shape() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let (mut empty_lists, mut full_lists, mut none, mut some) = (0, 0, 0, 0);
    fn walk(r: &Record, counts: &mut [&mut usize; 4]) {
        for related in &r.relations {
            match related {
                Related::Many(list) if list.is_empty() => *counts[0] += 1,
                Related::Many(list) => {
                    *counts[1] += 1;
                    list.iter().for_each(|r| walk(r, counts));
                }
                Related::One(None) => *counts[2] += 1,
                Related::One(Some(r)) => {
                    *counts[3] += 1;
                    walk(r, counts);
                }
            }
        }
    }
    for _ in 0..200 {
        let (_, records) = plan_and_records()
            .new_tree(&mut runner)
            .expect("value")
            .current();
        let mut counts = [&mut empty_lists, &mut full_lists, &mut none, &mut some];
        records.iter().for_each(|r| walk(r, &mut counts));
    }
    for (shape, count) in [
        ("empty list", empty_lists),
        ("non-empty list", full_lists),
        ("missing to-one", none),
        ("present to-one", some),
    ] {
        assert!(count >= 20, "only {count} {shape}s in 200 cases");
    }
}
