//! The caller's transactions on `relq::Database` (`begin`, `commit`, `rollback`,
//! `transaction`), on SQLite, PostgreSQL and MariaDB, with the seeds' models
//! (`common::writes::SEEDS`):
//! 1. writes inside a rolled-back transaction leave nothing; a committed one keeps them;
//! 2. an inner level (a savepoint) rolled back undoes only its own writes;
//! 3. a batch that breaks a unique key inside the caller's transaction is undone alone:
//!    the transaction stays usable (PostgreSQL's included) and commits the rest;
//! 4. `insert` and a streamed read run inside it, without ending it;
//! 5. `commit` / `rollback` with none open is `NoTransaction`; `transaction` commits on
//!    `Ok` and rolls back on `Err`.
//!
//! A missing server URL fails the test, never skips it (`scripts/servers.sh start` and
//! `eval "$(scripts/servers.sh env)"`).

mod common;

use std::ops::ControlFlow;

use common::servers::{Server, scratch};
use common::writes::{SEEDS, applied, apply, graph, table};
use relq::plan::{ListRoots, PlanOptions};
use relq::rows::RecordStream;
use relq::{Database, ExecError, Query, RelationGraph, Value, compile_with};
use relq_exec::ExecErrorKind;
use serde_json::{Value as Json, json};

/// `f` on a fresh namespace with the seeds' tables, on each database.
fn on_each(purpose: &str, f: impl Fn(&mut Database, &RelationGraph)) {
    let graph = graph(SEEDS);
    for server in Server::ALL {
        let mut db = scratch(server, purpose);
        db.create_tables(&graph)
            .unwrap_or_else(|e| panic!("{}: tables: {e}", server.name()));
        f(&mut db, &graph);
        assert_eq!(db.transaction_depth(), 0, "{}", server.name());
    }
}

/// The batch inserting departments named `names`.
fn departments(names: &[&str]) -> Json {
    let rows: Vec<Json> = names.iter().map(|n| json!({"name": n})).collect();
    json!([{"op": "insert", "model": "Department", "rows": rows}])
}

/// The departments' names, in key order.
fn names(db: &mut Database, graph: &RelationGraph) -> Json {
    let rows = table(db, graph, "Department");
    Json::Array(
        rows.as_array()
            .map(|rows| rows.iter().map(|r| r[1].clone()).collect())
            .unwrap_or_default(),
    )
}

fn name(db: &Database) -> &'static str {
    db.dialect().caps().name
}

#[test]
fn a_rolled_back_transaction_leaves_nothing_and_a_committed_one_keeps_its_writes() {
    on_each("tx_commit", |db, graph| {
        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        applied(db, graph, departments(&["Science", "Arts"]));
        assert_eq!(names(db, graph), json!(["Science", "Arts"]), "{}", name(db));
        db.rollback()
            .unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(names(db, graph), json!([]), "{}", name(db));

        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        applied(db, graph, departments(&["Math"]));
        db.commit().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(names(db, graph), json!(["Math"]), "{}", name(db));
    });
}

#[test]
fn an_inner_level_rolled_back_undoes_only_its_own_writes() {
    on_each("tx_nested", |db, graph| {
        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        applied(db, graph, departments(&["Outer"]));
        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(db.transaction_depth(), 2);
        applied(db, graph, departments(&["Inner"]));
        db.rollback()
            .unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        applied(db, graph, departments(&["Kept"]));
        db.commit().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(db.transaction_depth(), 1);
        db.commit().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(names(db, graph), json!(["Outer", "Kept"]), "{}", name(db));
    });
}

#[test]
fn a_failing_batch_inside_the_transaction_is_undone_alone_and_the_rest_commits() {
    on_each("tx_violation", |db, graph| {
        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        applied(db, graph, departments(&["Science"]));
        let sql = json!([{"op": "insert", "model": "Category", "rows": [{"name": "sql"}]}]);
        applied(db, graph, sql);
        // Category.name is unique: the batch's second insert breaks it in the database.
        let failing = json!([
            {"op": "insert", "model": "Department", "rows": [{"name": "Lost"}]},
            {"op": "insert", "model": "Category", "rows": [{"name": "sql"}]},
        ]);
        let e = apply(db, graph, failing).expect_err("a unique violation");
        assert!(
            matches!(e.kind(), ExecErrorKind::Violation { .. }),
            "{}: {e}",
            name(db)
        );
        assert_eq!(db.transaction_depth(), 1);
        // The transaction is still usable (on PostgreSQL, not aborted).
        applied(db, graph, departments(&["Arts"]));
        db.commit().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(names(db, graph), json!(["Science", "Arts"]), "{}", name(db));
    });
}

#[test]
fn insert_and_a_streamed_read_run_inside_the_transaction_without_ending_it() {
    on_each("tx_insert", |db, graph| {
        let model = graph.model_by_name("Department").expect("declared");
        let row = |id: i64, name: &str| vec![Value::Int(id), Value::Text(name.to_owned())];
        db.begin().unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        db.insert(model, &[row(1, "Science"), row(2, "Arts")])
            .unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(db.transaction_depth(), 1, "{}", name(db));
        let options = PlanOptions {
            list_roots: Some(ListRoots::SemiJoin),
        };
        let compiled = compile_with(graph, &Query::new("Department"), db.dialect(), &options)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut seen = Vec::new();
        let each = RecordStream::new(&compiled.plan.extraction, |r| {
            seen.push(r.fields[1].clone());
            ControlFlow::Continue(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
        db.stream(&compiled, each)
            .unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(
            seen,
            [Value::Text("Science".into()), Value::Text("Arts".into())],
            "{}",
            name(db)
        );
        assert_eq!(db.transaction_depth(), 1, "{}", name(db));
        db.rollback()
            .unwrap_or_else(|e| panic!("{}: {e}", name(db)));
        assert_eq!(names(db, graph), json!([]), "{}", name(db));
    });
}

#[test]
fn ending_no_transaction_is_an_error_and_a_closure_commits_or_rolls_back() {
    on_each("tx_closure", |db, graph| {
        for e in [db.commit(), db.rollback()].map(|r| r.expect_err("none open")) {
            assert!(
                matches!(e.kind(), ExecErrorKind::NoTransaction { .. }),
                "{e}"
            );
        }
        let e = db.commit().expect_err("none open");
        assert_eq!(e.to_string(), "commit with no transaction open");
        let kept = db.transaction(|db| apply(db, graph, departments(&["Kept"])));
        assert!(kept.is_ok(), "{}: {kept:?}", name(db));
        let undone: Result<(), ExecError> = db.transaction(|db| {
            apply(db, graph, departments(&["Undone"]))?;
            Err(ExecErrorKind::NoTransaction { action: "test" }.into())
        });
        assert!(undone.is_err());
        assert_eq!(names(db, graph), json!(["Kept"]), "{}", name(db));
    });
}
