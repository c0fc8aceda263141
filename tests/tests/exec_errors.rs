//! The executors' errors, with their places: a statement the database refuses is
//! `ExecErrorKind::Driver` with the statement's index and the server's message; a value
//! that cannot be read as the plan's kind (SQLite keeps `'many'` in an INTEGER column) is
//! `Unreadable` with row, position and column name; rows that do not rebuild are
//! `Rebuild`. Each runs through `relq::Database` in a fresh namespace.

mod common;

use common::servers::{Server, scratch};
use relq::exec::ExecErrorKind;
use relq::{Query, RelationGraph, Value, compile};
use relq_sample::Sample;

fn school() -> RelationGraph {
    Sample::School.graph().expect("the school sample builds")
}

#[test]
fn a_missing_table_is_a_driver_error_at_its_statement() {
    let graph = school();
    let mut empty = scratch(Server::Sqlite, "exec_errors");
    let compiled = compile(&graph, &Query::new("SchoolClass"), empty.dialect()).expect("compiles");
    let e = empty.execute(&compiled).expect_err("no tables");
    assert!(
        matches!(
            e.kind(),
            ExecErrorKind::Driver {
                statement: Some(0),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "statement 0: no such table: schoolclasses");
    assert!(
        std::error::Error::source(&e).is_some(),
        "the driver's error"
    );
}

#[test]
fn text_in_an_integer_column_is_unreadable_with_its_place() {
    let graph = school();
    let mut db = scratch(Server::Sqlite, "exec_errors");
    db.create_tables(&graph).expect("SQLite accepts the DDL");
    // SQLite keeps text in an INTEGER column (foreign keys off: 'many' points nowhere).
    db.run("PRAGMA foreign_keys = OFF", &[])
        .expect("foreign keys off");
    let text = |s: &str| Value::Text(s.to_owned());
    let rows = [
        ("Department", vec![vec![Value::Int(1), text("Science")]]),
        (
            "SchoolClass",
            vec![vec![Value::Int(1), text("1A"), Value::Int(1)]],
        ),
        (
            "Student",
            vec![
                vec![Value::Int(1), text("Cid"), Value::Int(1), Value::Null],
                vec![Value::Int(2), text("Dee"), Value::Int(1), text("many")],
            ],
        ),
    ];
    for (model, rows) in rows {
        let model = graph.model_by_name(model).expect("a school model");
        db.insert(model, &rows).expect("inserts");
    }
    let query = Query::new("SchoolClass").select_related("students");
    let compiled = compile(&graph, &query, db.dialect()).expect("compiles");
    let e = db.execute(&compiled).expect_err("text is not an int");
    assert_eq!(
        e.to_string(),
        "row 1, position 6 (`students.category_id`): the database returned TEXT of 4 bytes, \
         which cannot be read as int"
    );
}

#[test]
fn a_server_refusal_carries_the_sqlstate() {
    let graph = school();
    let mut db = scratch(Server::Postgres, "exec_errors");
    let compiled = compile(&graph, &Query::new("SchoolClass"), db.dialect()).expect("compiles");
    let e = db.execute(&compiled).expect_err("no tables");
    assert_eq!(
        e.to_string(),
        "statement 0: 42P01: relation \"schoolclasses\" does not exist"
    );
}
