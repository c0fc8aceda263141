//! `apply`'s control flow over a scripted driver: nothing sent for an empty batch, one
//! transaction (or a savepoint of the caller's) around a batch, a rollback before any
//! error is returned, the retry of an insert that met a concurrent one, and a `Require`
//! that names the missing keys. The same loop runs on the three real databases in
//! `tests/`; here each rule is seen alone.

use relq_exec::{Constraint, Driver, ExecError, ExecErrorKind, ReadFailure, ResultRow, apply};
use relq_graph::{RelationGraph, SchemaDef};
use relq_plan::{Value, ValueKind};
use relq_sql::{Ansi, Caps, WriteCaps};
use relq_write::{Operation, compile_write, parse_batch};

fn graph() -> RelationGraph {
    SchemaDef::from_toml(
        r#"
        [[models]]
        name = "Department"
        fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text", unique = true }]
        [[models]]
        name = "Course"
        fields = [{ name = "id", type = "integer", primary_key = true }]
        foreign_keys = [{ name = "department", to = "Department", related_name = "courses", nullable = true }]
        "#,
    )
    .and_then(|d| d.build())
    .expect("a valid schema")
}

/// A driver that answers by a script over the statement's text and keeps every statement
/// it was sent.
struct Scripted<F> {
    sent: Vec<String>,
    in_transaction: bool,
    answer: F,
}

impl<F: FnMut(&str, usize) -> Result<Vec<i64>, &'static str>> Scripted<F> {
    fn new(in_transaction: bool, answer: F) -> Self {
        Self {
            sent: Vec::new(),
            in_transaction,
            answer,
        }
    }

    fn reply(&mut self, sql: &str) -> Result<Vec<i64>, ExecError> {
        self.sent.push(sql.to_owned());
        let nth = self.sent.iter().filter(|s| *s == sql).count();
        (self.answer)(sql, nth).map_err(|m| ExecError::driver(None, m, m))
    }
}

struct Key(Value);

impl ResultRow for Key {
    fn width(&self) -> usize {
        1
    }

    fn read(&mut self, _: usize, _: Option<ValueKind>) -> Result<Value, ReadFailure> {
        Ok(std::mem::take(&mut self.0))
    }
}

impl<F: FnMut(&str, usize) -> Result<Vec<i64>, &'static str>> Driver for Scripted<F> {
    type Row<'r> = Key;

    fn query<G>(&mut self, sql: &str, _: &[Value], mut on_row: G) -> Result<(), ExecError>
    where
        G: FnMut(&mut Key) -> Result<(), ExecError>,
    {
        for key in self.reply(sql)? {
            on_row(&mut Key(Value::Int(key)))?;
        }
        Ok(())
    }

    fn run(&mut self, sql: &str, _: &[Value]) -> Result<u64, ExecError> {
        Ok(self.reply(sql)?.first().map_or(0, |n| *n as u64))
    }

    /// Scripted answers one statement at a time; nothing here streams.
    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        Ok(self.in_transaction)
    }

    fn violation(&self, error: &ExecError) -> Option<Constraint> {
        error
            .to_string()
            .contains("UNIQUE")
            .then_some(Constraint::Unique)
    }
}

#[test]
fn an_empty_batch_sends_nothing_not_even_begin() {
    let ops = [
        Operation::add("Department", 1, "courses", []),
        Operation::remove("Department", 1, "courses", []),
    ];
    let write = compile_write(&graph(), &ops, &Ansi::default()).expect("compiles");
    let mut driver = Scripted::new(false, |_, _| Ok(vec![]));
    let outcomes = apply(&mut driver, &write).expect("applies");
    assert_eq!(outcomes.len(), 2);
    assert!(driver.sent.is_empty(), "{:?}", driver.sent);
}

#[test]
fn a_batch_commits_once_and_a_failure_rolls_back_before_it_is_returned() {
    let ops = parse_batch(
        r#"[{"op": "clear", "model": "Department", "pk": 1, "relation": "courses"},
            {"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [7, 8]}]"#,
    )
    .expect("reads");
    let write = compile_write(&graph(), &ops, &Ansi::default()).expect("compiles");
    // The owner 1 and the courses 7 and 8 exist: committed.
    let found = |sql: &str, courses: Vec<i64>| match sql.split(' ').nth(3) {
        Some("\"departments\"") => vec![1],
        Some(_) if sql.starts_with("SELECT") => courses,
        _ => vec![2],
    };
    let mut driver = Scripted::new(false, |sql, _| Ok(found(sql, vec![7, 8])));
    let outcomes = apply(&mut driver, &write).expect("applies");
    assert_eq!(
        driver.sent.first().map(String::as_str),
        Some("START TRANSACTION")
    );
    assert_eq!(driver.sent.last().map(String::as_str), Some("COMMIT"));
    assert_eq!(outcomes[1].affected, 2);
    // 8 is missing: rolled back, and the error names the model and the key.
    let mut driver = Scripted::new(false, |sql, _| Ok(found(sql, vec![7])));
    let e = apply(&mut driver, &write).expect_err("8 is missing");
    assert_eq!(
        e.to_string(),
        "operation 1 (add): no `Course` with primary key 8"
    );
    assert_eq!(driver.sent.last().map(String::as_str), Some("ROLLBACK"));
    let linked = "UPDATE \"courses\" SET \"department_id\" = ? WHERE \"id\"";
    assert!(!driver.sent.iter().any(|s| s.starts_with(linked)));
    // Inside the caller's transaction: a savepoint, rolled back to and released.
    let mut driver = Scripted::new(true, |sql, _| Ok(found(sql, vec![7])));
    apply(&mut driver, &write).expect_err("8 is missing");
    assert_eq!(
        driver.sent.first().map(String::as_str),
        Some("SAVEPOINT relq_batch")
    );
    let tail: Vec<&str> = driver
        .sent
        .iter()
        .rev()
        .take(2)
        .map(String::as_str)
        .collect();
    assert_eq!(
        tail,
        [
            "RELEASE SAVEPOINT relq_batch",
            "ROLLBACK TO SAVEPOINT relq_batch"
        ]
    );
}

#[test]
fn an_insert_that_meets_a_concurrent_one_runs_the_operation_again_once() {
    // No unique key covers the lookup: select, then insert (returning its key).
    let ops =
        parse_batch(r#"[{"op": "get_or_create", "model": "Course", "lookup": {"department": 1}}]"#)
            .expect("reads");
    let returning = Ansi::new(Caps {
        writes: WriteCaps {
            insert_returning: true,
            ..WriteCaps::ANSI
        },
        ..Caps::ANSI
    });
    let write = compile_write(&graph(), &ops, &returning).expect("compiles");
    // First SELECT finds nothing, the INSERT meets a unique violation, the second SELECT
    // finds the concurrent record.
    let mut driver = Scripted::new(false, |sql, nth| match (sql.split(' ').next(), nth) {
        (Some("SELECT"), 1) => Ok(vec![]),
        (Some("SELECT"), _) => Ok(vec![42]),
        (Some("INSERT"), _) => Err("UNIQUE constraint failed"),
        _ => Ok(vec![]),
    });
    let outcomes = apply(&mut driver, &write).expect("applies");
    assert_eq!(outcomes[0].keys, [Value::Int(42)]);
    assert_eq!(outcomes[0].created, Some(false));
    assert!(
        driver
            .sent
            .contains(&"ROLLBACK TO SAVEPOINT relq_retry".to_owned())
    );
    // A second violation is the error, after the rollback.
    let mut driver = Scripted::new(false, |sql, _| match sql.split(' ').next() {
        Some("SELECT") => Ok(vec![]),
        Some("INSERT") => Err("UNIQUE constraint failed"),
        _ => Ok(vec![]),
    });
    let e = apply(&mut driver, &write).expect_err("violated twice");
    assert!(
        matches!(
            e.kind(),
            ExecErrorKind::Violation {
                constraint: Constraint::Unique,
                operation: 0,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(driver.sent.last().map(String::as_str), Some("ROLLBACK"));
}
