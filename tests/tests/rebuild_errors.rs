//! Every rule of a plan, a row and a record gives its own typed `RowError`; the messages
//! are reviewed in one snapshot.

mod common;

use common::rows::{school_row, t};
use relq_plan::{
    Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, MAX_SEGMENTS, Value, ValueKind,
};
use relq_rows::{
    NodeProblem as N, PlanProblem as P, Rebuilder, Record, Related, RowError, RowErrorKind as K,
    ShapeMismatch as S, flatten, rebuild, to_json,
};
use relq_tests::plans::SamplePlan;

const MATH: (i64, &str) = (1, "Math");

/// Three good rows of class 1 (teacher Ann × students Cid, Dee, Eve), then `last`.
fn after_three_rows(last: Vec<Value>) -> Result<Vec<Record>, RowError> {
    let ann = Some((1, "Ann", Some(MATH)));
    let mut rows = vec![
        school_row((1, "1A"), ann, Some((1, "Cid", Some(MATH)))),
        school_row((1, "1A"), ann, Some((2, "Dee", None))),
        school_row((1, "1A"), ann, Some((3, "Eve", Some(MATH)))),
    ];
    rows.push(last);
    rebuild(&SamplePlan::School.plan(), &rows)
}

/// The school row of class 1, Ann, and a student, with `edit` applied.
fn edited(
    student: (i64, &str, Option<(i64, &str)>),
    edit: impl FnOnce(&mut Vec<Value>),
) -> Vec<Value> {
    let mut row = school_row((1, "1A"), Some((1, "Ann", Some(MATH))), Some(student));
    edit(&mut row);
    row
}

/// The school plan with `edit` applied.
fn plan_with(edit: impl FnOnce(&mut ExtractionPlan)) -> ExtractionPlan {
    let mut plan = SamplePlan::School.plan();
    edit(&mut plan);
    plan
}

/// A chain of `depth` to-one relations under a root, one `id` column each.
fn chain(depth: usize) -> ExtractionPlan {
    let node = |i: usize| ExtractionNode {
        path: vec!["next"; i].join("__"),
        model: "Link".into(),
        relation: (i > 0).then(|| "next".into()),
        parent: i.checked_sub(1),
        cardinality: if i == 0 {
            Cardinality::Root
        } else {
            Cardinality::One
        },
        pk: i,
        columns: vec![ExtractionColumn {
            field: "id".into(),
            position: i,
            kind: ValueKind::Int,
        }],
        through: None,
    };
    ExtractionPlan {
        nodes: (0..=depth).map(node).collect(),
        width: depth + 1,
        statements: Vec::new(),
    }
}

/// A rebuilt school class, for records made wrong by hand.
fn class() -> Record {
    let rows = [school_row((1, "1A"), Some((1, "Ann", Some(MATH))), None)];
    rebuild(&SamplePlan::School.plan(), &rows)
        .expect("well-formed")
        .remove(0)
}

/// Which kind a case must give.
type Expect = fn(&K) -> bool;

/// A case: its name, what the rebuild (or conversion) gave, the kind it must be.
type Case = (&'static str, Result<Vec<Record>, RowError>, Expect);

#[test]
fn every_rule_gives_its_own_typed_error() {
    let plan_error = |plan: ExtractionPlan| rebuild(&plan, Vec::<Vec<Value>>::new());
    let cases: Vec<Case> = vec![
        // Rows.
        (
            "short_row",
            after_three_rows(edited((4, "Fay", None), |r| {
                r.pop();
            })),
            |k| {
                matches!(
                    k,
                    K::WrongWidth {
                        found: 14,
                        expected: 15
                    }
                )
            },
        ),
        (
            "null_root_key",
            after_three_rows(edited((4, "Fay", None), |r| r[0] = Value::Null)),
            |k| matches!(k, K::NullRootKey { position: 0, .. }),
        ),
        (
            "bytes_in_a_text_column",
            after_three_rows(edited((4, "Fay", Some((3, "PE"))), |r| {
                r[14] = Value::Bytes(vec![0xff])
            })),
            |k| {
                matches!(
                    k,
                    K::WrongKind {
                        position: 14,
                        found: ValueKind::Bytes,
                        expected: ValueKind::Text,
                        ..
                    }
                )
            },
        ),
        (
            "text_key_in_an_int_column",
            after_three_rows(edited((4, "Fay", None), |r| r[9] = t("4"))),
            |k| {
                matches!(
                    k,
                    K::WrongKind {
                        position: 9,
                        found: ValueKind::Text,
                        ..
                    }
                )
            },
        ),
        (
            "value_beside_a_null_key",
            after_three_rows(edited((4, "Fay", None), |r| {
                r[9] = Value::Null;
                r[11] = Value::Null;
                r[12] = Value::Null;
            })),
            |k| matches!(k, K::ValueWithoutRecord { position: 10, .. }),
        ),
        (
            "value_under_a_missing_parent",
            after_three_rows({
                let mut row = school_row((2, "2B"), None, None);
                row[14] = t("Math");
                row
            }),
            |k| matches!(k, K::ValueWithoutRecord { position: 14, .. }),
        ),
        (
            "same_key_different_value",
            after_three_rows(edited((2, "Dea", None), |_| {})),
            |k| matches!(k, K::Conflict { position: 10, .. }),
        ),
        (
            "same_text_key_different_value",
            rebuild(
                &SamplePlan::Tagged.plan(),
                [
                    vec![
                        Value::Int(1),
                        t("Notes"),
                        t("rust"),
                        t("Rust"),
                        Value::Int(3),
                    ],
                    vec![
                        Value::Int(1),
                        t("Notes"),
                        t("rust"),
                        t("Rust"),
                        Value::Int(4),
                    ],
                ],
            ),
            |k| matches!(k, K::Conflict { position: 4, .. }),
        ),
        (
            "to_one_names_another_record",
            after_three_rows(edited((1, "Cid", Some((2, "Art"))), |r| {
                r[12] = Value::Int(1)
            })),
            |k| {
                matches!(
                    k,
                    K::RelationChanged {
                        earlier: Some(_),
                        here: Some(_),
                        ..
                    }
                )
            },
        ),
        (
            "to_one_appears",
            after_three_rows(edited((2, "Dee", Some(MATH)), |r| r[12] = Value::Null)),
            |k| {
                matches!(
                    k,
                    K::RelationChanged {
                        earlier: None,
                        here: Some(_),
                        ..
                    }
                )
            },
        ),
        (
            "to_many_disappears",
            after_three_rows(school_row((1, "1A"), Some((1, "Ann", Some(MATH))), None)),
            |k| {
                matches!(
                    k,
                    K::RelationChanged {
                        earlier: Some(_),
                        here: None,
                        ..
                    }
                )
            },
        ),
        // Plans.
        (
            "no_nodes",
            plan_error(plan_with(|p| p.nodes.clear())),
            |k| matches!(k, K::InvalidPlan(P::NoNodes)),
        ),
        (
            "too_wide",
            plan_error(plan_with(|p| p.width = 40_000)),
            |k| matches!(k, K::InvalidPlan(P::TooWide { width: 40_000 })),
        ),
        (
            "root_with_a_parent",
            plan_error(plan_with(|p| p.nodes[0].parent = Some(0))),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        node: 0,
                        problem: N::NotRoot,
                        ..
                    })
                )
            },
        ),
        (
            "second_root",
            plan_error(plan_with(|p| p.nodes[2].cardinality = Cardinality::Root)),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        node: 2,
                        problem: N::ExtraRoot,
                        ..
                    })
                )
            },
        ),
        (
            "parent_after_child",
            plan_error(plan_with(|p| p.nodes[2].parent = Some(3))),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        problem: N::ParentNotBefore { parent: 3 },
                        ..
                    })
                )
            },
        ),
        (
            "no_relation_name",
            plan_error(plan_with(|p| p.nodes[3].relation = None)),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        node: 3,
                        problem: N::NoRelation,
                        ..
                    })
                )
            },
        ),
        ("too_deep", plan_error(chain(MAX_SEGMENTS + 1)), |k| {
            matches!(
                k,
                K::InvalidPlan(P::Node {
                    problem: N::TooDeep,
                    ..
                })
            )
        }),
        (
            "position_outside_row",
            plan_error(plan_with(|p| p.width = 14)),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        node: 4,
                        problem: N::PositionOutsideRow { position: 14, .. },
                        ..
                    })
                )
            },
        ),
        (
            "position_taken",
            plan_error(plan_with(|p| p.nodes[3].columns[1].position = 4)),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        problem: N::PositionTaken { position: 4, .. },
                        ..
                    })
                )
            },
        ),
        (
            "key_not_a_column",
            plan_error(plan_with(|p| p.nodes[1].pk = 4_000)),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        problem: N::KeyNotAColumn { position: 4_000 },
                        ..
                    })
                )
            },
        ),
        (
            "relation_named_like_a_field",
            plan_error(plan_with(|p| p.nodes[1].relation = Some("name".into()))),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        problem: N::DuplicateName { .. },
                        ..
                    })
                )
            },
        ),
        (
            "two_through_fields_alike",
            plan_error({
                let mut plan = SamplePlan::Tagged.plan();
                if let Some(through) = &mut plan.nodes[1].through {
                    let mut twin = through.columns[0].clone();
                    twin.position = plan.width;
                    through.columns.push(twin);
                }
                plan.width += 1;
                plan
            }),
            |k| {
                matches!(
                    k,
                    K::InvalidPlan(P::Node {
                        problem: N::DuplicateName { .. },
                        ..
                    })
                )
            },
        ),
        // Records made by hand.
        (
            "record_missing_a_field",
            to_json(
                &SamplePlan::School.plan(),
                &[Record {
                    fields: vec![Value::Int(1)],
                    ..class()
                }],
            )
            .map(|_| Vec::new()),
            |k| {
                matches!(
                    k,
                    K::RecordShape {
                        mismatch: S::Fields {
                            found: 1,
                            expected: 3
                        },
                        ..
                    }
                )
            },
        ),
        (
            "record_with_a_through_row",
            flatten(
                &SamplePlan::School.plan(),
                &[Record {
                    through: vec![Value::Int(1)],
                    ..class()
                }],
            )
            .map(|_| Vec::new()),
            |k| {
                matches!(
                    k,
                    K::RecordShape {
                        mismatch: S::Through {
                            found: 1,
                            expected: 0
                        },
                        ..
                    }
                )
            },
        ),
        (
            "record_missing_a_relation",
            to_json(
                &SamplePlan::School.plan(),
                &[Record {
                    relations: Vec::new(),
                    ..class()
                }],
            )
            .map(|_| Vec::new()),
            |k| {
                matches!(
                    k,
                    K::RecordShape {
                        mismatch: S::Relations {
                            found: 0,
                            expected: 2
                        },
                        ..
                    }
                )
            },
        ),
        (
            "to_one_given_as_a_list",
            {
                let mut c = class();
                if let Related::Many(teachers) = &mut c.relations[0] {
                    teachers[0].relations[0] = Related::Many(Vec::new());
                }
                flatten(&SamplePlan::School.plan(), &[class(), c]).map(|_| Vec::new())
            },
            |k| {
                matches!(
                    k,
                    K::RecordShape {
                        root: 1,
                        mismatch: S::Cardinality { many: false, .. },
                        ..
                    }
                )
            },
        ),
    ];
    let mut report = String::new();
    for (name, result, expect) in cases {
        let err = result.expect_err(name);
        assert!(expect(err.kind()), "{name}: wrong kind {:?}", err.kind());
        report.push_str(&format!("{name}: {err}\n"));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn the_limits_themselves_are_accepted() {
    assert!(
        rebuild(
            &chain(MAX_SEGMENTS),
            [vec![Value::Int(0); MAX_SEGMENTS + 1]]
        )
        .is_ok()
    );
    let mut wide = chain(0);
    wide.width = relq_rows::MAX_WIDTH;
    let mut row = vec![Value::Null; relq_rows::MAX_WIDTH];
    row[0] = Value::Int(1);
    assert_eq!(rebuild(&wide, [row]).map(|r| r.len()), Ok(1));
}

#[test]
fn errors_name_their_row_and_only_row_errors_have_one() {
    let err =
        after_three_rows(edited((4, "Fay", None), |r| r[0] = Value::Null)).expect_err("null root");
    assert_eq!(err.row(), Some(3));
    let err =
        rebuild(&plan_with(|p| p.nodes.clear()), [Vec::<Value>::new()]).expect_err("no nodes");
    assert_eq!(err.row(), None);
}

#[test]
fn after_an_error_the_rebuilder_repeats_it_and_never_finishes() {
    let plan = SamplePlan::School.plan();
    let mut rebuilder = Rebuilder::new(&plan).expect("valid plan");
    let good = school_row((1, "1A"), None, None);
    rebuilder.push(&mut &good).expect("well-formed");
    let first = rebuilder
        .push(&mut vec![Value::Int(1)])
        .expect_err("too short");
    assert_eq!(
        rebuilder.push(&mut &good),
        Err(first.clone()),
        "a good row after a bad one"
    );
    assert_eq!(rebuilder.finish(), Err(first));
}
