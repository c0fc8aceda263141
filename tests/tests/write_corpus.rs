//! The write corpus: every case of `tests/write_corpus/` compiled for SQLite,
//! PostgreSQL, MySQL (the `const` facts, no `RETURNING`) and MariaDB 10.11 (`INSERT ...
//! RETURNING`), one named snapshot per case (`snapshots/write_corpus__<case>.snap`)
//! holding the operations and, per operation, each dialect's statements with their
//! params, when they run and what their result means (or the error: an error is an
//! outcome). `relq_tests::write_corpus::report` also checks that a batch compiles as
//! its operations do one by one.

use relq_tests::write_corpus::{cases, report};

#[test]
fn every_write_case_snapshots_each_operation_on_every_dialect() {
    let cases = cases().expect("the write corpus loads");
    for case in &cases {
        let text = report(case).expect("the case compiles to a report");
        insta::with_settings!({
            description => case.description.as_str(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!(case.name.as_str(), text);
        });
    }
}

/// Operations with nothing to do send nothing, on every dialect: add and remove of no
/// targets (a reverse foreign key, both sides of a many-to-many, a self-reference), an
/// update of no values (with or without filters), an insert of no rows. (`clear` and
/// `set` always send: the current related set is only known to the database.)
#[test]
fn operations_with_nothing_to_do_send_nothing_on_any_dialect() {
    use relq_write::{Operation, Values, compile_write};
    let def =
        relq_graph::SchemaDef::from_toml(include_str!("../write_corpus/schemas/university.toml"))
            .expect("the write corpus's schema reads");
    let graph = def.build().expect("and builds");
    let filter =
        serde_json::from_value(serde_json::json!([["department__name", "S"]])).expect("a filter");
    let nothing = [
        Operation::add("Department", 1, "courses", []),
        Operation::remove("Department", 1, "courses", []),
        Operation::add("Student", 1, "courses", []),
        Operation::remove("Student", 1, "courses", []),
        Operation::add("Course", 1, "students", []),
        Operation::remove("Course", 1, "students", []),
        Operation::add("Person", 1, "friends", []),
        Operation::remove("Person", 1, "friend_of", []),
        Operation::add("Course", 1, "tags", []),
        Operation::Remove {
            model: "Department".into(),
            pk: 1.into(),
            relation: "courses".into(),
            targets: Vec::new(),
            keep_reversed: false,
        },
        Operation::Update {
            model: "Course".into(),
            filter,
            exclude: Vec::new(),
            values: Values::new(),
        },
        Operation::Update {
            model: "Course".into(),
            filter: Vec::new(),
            exclude: Vec::new(),
            values: Values::new(),
        },
        Operation::insert("Course", []),
    ];
    for (name, dialect) in relq_tests::write_corpus::dialects() {
        let write = compile_write(&graph, &nothing, dialect.as_ref())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(write.operations.len(), nothing.len());
        for (op, plan) in nothing.iter().zip(&write.operations) {
            assert!(
                plan.steps.is_empty(),
                "{name}: {op:?} sends {:?}",
                plan.steps
            );
        }
        assert_eq!(write.statement_count(), 0, "{name}");
    }
}
