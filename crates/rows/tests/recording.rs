//! A rebuild recorded ([`Recording`]) and replayed gives what the rebuild gives directly:
//! the same records (through rows of list children and of roots included) and the same
//! roots handed on at each `complete_roots`, for random plans and records; a `Break`
//! while replaying stops it there; a replay leaves the recording empty and reusable; and
//! [`Rebuilder::roots`] counts every root once, across `complete_roots`.
//!
//! Random plans and records are in `common/mod.rs`.

mod common;

use std::ops::ControlFlow;

use proptest::prelude::*;
use relq_plan::{ExtractionPlan, Value};
use relq_rows::{Rebuilder, Record, RecordStream, Recording, Records, flatten, rebuild};

/// `rows` rebuilt into a recording, `complete_roots` at each new root when `each_root`;
/// with the number of roots the rebuilder counted.
fn recorded(plan: &ExtractionPlan, rows: &[Vec<Value>], each_root: bool) -> (Recording, usize) {
    let mut rebuilder = Rebuilder::with_visitor(plan, Recording::new()).expect("a valid plan");
    let pk = plan.nodes[0].pk;
    let mut previous: Option<&Value> = None;
    for row in rows {
        let key = &row[pk];
        if each_root && previous.is_some_and(|p| p != key) {
            let answer = rebuilder.complete_roots().expect("well-formed rows");
            assert_eq!(answer, ControlFlow::Continue(()), "a recording never stops");
        }
        previous = Some(key);
        rebuilder.push(&mut row.clone()).expect("well-formed rows");
    }
    if each_root {
        let answer = rebuilder.complete_roots().expect("well-formed rows");
        assert_eq!(answer, ControlFlow::Continue(()), "a recording never stops");
    }
    let roots = rebuilder.roots();
    (rebuilder.finish().expect("well-formed rows"), roots)
}

/// The roots a stream of `recording` hands on, one `complete_roots` at a time.
fn streamed(plan: &ExtractionPlan, recording: &mut Recording) -> Vec<Record> {
    let mut roots = Vec::new();
    let stream = RecordStream::new(plan, |root| {
        roots.push(root);
        ControlFlow::Continue(())
    })
    .expect("a valid plan");
    recording.replay(stream);
    roots
}

fn check(plan: &ExtractionPlan, records: &[Record]) -> Result<(), TestCaseError> {
    let rows = flatten(plan, records).expect("records of the plan");
    let direct = rebuild(plan, &rows).expect("well-formed rows");
    // Compared as text: a NaN is not equal to itself.
    let text = |records: &[Record]| format!("{records:?}");
    for each_root in [false, true] {
        let (mut recording, roots) = recorded(plan, &rows, each_root);
        prop_assert_eq!(roots, direct.len());
        let replayed = recording.replay(Records::new(plan).expect("a valid plan"));
        prop_assert_eq!(text(&replayed), text(&direct), "each root: {}", each_root);
        prop_assert_eq!(recording.records(), 0);
        if each_root {
            let (mut recording, _) = recorded(plan, &rows, true);
            prop_assert_eq!(text(&streamed(plan, &mut recording)), text(&direct));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn a_replayed_recording_gives_the_direct_rebuilds_records(
        (plan, roots) in common::plan_and_roots()
    ) {
        check(&plan, &roots)?;
    }
}

/// A plan of one node, `Tag(id)`.
fn tags() -> ExtractionPlan {
    use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ValueKind};
    ExtractionPlan {
        width: 1,
        statements: vec![],
        nodes: vec![ExtractionNode {
            path: "".into(),
            model: "Tag".into(),
            relation: None,
            parent: None,
            cardinality: Cardinality::Root,
            pk: 0,
            columns: vec![ExtractionColumn {
                field: "id".into(),
                position: 0,
                kind: ValueKind::Int,
            }],
            through: None,
        }],
    }
}

#[test]
fn a_break_stops_the_replay_and_the_recording_is_reusable() {
    let plan = tags();
    let rows: Vec<Vec<Value>> = (1..=3).map(|i| vec![Value::Int(i)]).collect();
    let (mut recording, roots) = recorded(&plan, &rows, true);
    assert_eq!((roots, recording.records()), (3, 3));
    let mut seen = Vec::new();
    let stream = RecordStream::new(&plan, |root| {
        seen.push(root.fields);
        ControlFlow::Break(())
    })
    .expect("a valid plan");
    recording.replay(stream);
    assert_eq!(
        seen,
        [[Value::Int(1)]],
        "the first root's Break ends the replay"
    );
    assert_eq!(recording.records(), 0);

    // The emptied recording records again from where it was.
    let mut rebuilder = Rebuilder::with_visitor(&plan, recording).expect("a valid plan");
    rebuilder.push(&mut vec![Value::Int(9)]).expect("a row");
    let mut recording = rebuilder.finish().expect("well-formed rows");
    let records = recording.replay(Records::new(&plan).expect("a valid plan"));
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].fields, [Value::Int(9)]);
}

#[test]
fn roots_counts_each_root_once_across_completed_roots() {
    let plan = tags();
    let mut rebuilder = Rebuilder::new(&plan).expect("a valid plan");
    for (i, complete) in [(1, true), (1, false), (2, false), (2, false), (3, true)] {
        rebuilder.push(&mut vec![Value::Int(i)]).expect("a row");
        if complete {
            let answer = rebuilder.complete_roots().expect("no error");
            assert_eq!(answer, ControlFlow::Continue(()));
        }
    }
    // Root 1 came again after its completion: a new root to the rebuilder, counted.
    assert_eq!(rebuilder.roots(), 4);
    assert_eq!(rebuilder.records(), 0, "completed roots are forgotten");
}
