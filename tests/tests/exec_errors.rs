//! The executors' errors, with their places: a statement the database refuses is
//! `ExecErrorKind::Driver` with the statement's index and the server's message; a value
//! that cannot be read as the plan's kind (SQLite keeps `'many'` in an INTEGER column) is
//! `Unreadable` with row, position and column name; rows that do not rebuild are
//! `Rebuild`.

mod common;

use common::servers;
use relq_plan::Query;
use relq_rows::ExecErrorKind;
use relq_sample::Sample;
use relq_sql::{compile, create_tables};

fn school_on_sqlite() -> (relq_graph::RelationGraph, rusqlite::Connection) {
    let graph = Sample::School.graph().expect("the school sample builds");
    let conn = rusqlite::Connection::open_in_memory().expect("SQLite in memory");
    for create in create_tables(&graph, &relq_sqlite::Sqlite::default()) {
        conn.execute_batch(&create).expect("SQLite accepts the DDL");
    }
    (graph, conn)
}

#[test]
fn a_missing_table_is_a_driver_error_at_its_statement() {
    let (graph, _) = school_on_sqlite();
    let empty = rusqlite::Connection::open_in_memory().expect("SQLite in memory");
    let compiled = compile(
        &graph,
        &Query::new("SchoolClass"),
        &relq_sqlite::Sqlite::default(),
    )
    .expect("compiles");
    let e = relq_sqlite::execute(&empty, &compiled).expect_err("no tables");
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
    let (graph, conn) = school_on_sqlite();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; \
         INSERT INTO departments (id, name) VALUES (1, 'Science'); \
         INSERT INTO schoolclasses (id, name, department_id) VALUES (1, '1A', 1); \
         INSERT INTO students (id, name, schoolclass_id, category_id) VALUES (1, 'Cid', 1, NULL); \
         INSERT INTO students (id, name, schoolclass_id, category_id) VALUES (2, 'Dee', 1, 'many')",
    )
    .expect("SQLite keeps text in an INTEGER column (foreign keys off)");
    let compiled = compile(
        &graph,
        &Query::new("SchoolClass").select_related("students"),
        &relq_sqlite::Sqlite::default(),
    )
    .expect("compiles");
    let e = relq_sqlite::execute(&conn, &compiled).expect_err("text is not an int");
    assert_eq!(
        e.to_string(),
        "row 1, position 6 (`students.category_id`): the database returned TEXT of 4 bytes, \
         which cannot be read as int"
    );
}

#[test]
fn a_server_refusal_carries_the_sqlstate() {
    let mut client = servers::postgres();
    let schema = format!("relq_exec_errors_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; \
             SET search_path TO {schema}"
        ))
        .expect("an empty schema");
    let graph = Sample::School.graph().expect("the school sample builds");
    let dialect = relq_postgres::Postgres::default();
    let compiled = compile(&graph, &Query::new("SchoolClass"), &dialect).expect("compiles");
    let e = relq_postgres::execute(&mut client, &compiled).expect_err("no tables");
    client
        .batch_execute(&format!(
            "SET search_path TO public; DROP SCHEMA {schema} CASCADE"
        ))
        .expect("the schema drops");
    assert_eq!(
        e.to_string(),
        "statement 0: 42P01: relation \"schoolclasses\" does not exist"
    );
}
