//! A write batch is all or nothing, on SQLite, PostgreSQL and MariaDB, with the seeds'
//! models and rows (`common::writes::SEEDS`, `seed`):
//! 1. a later operation that breaks a unique key, a foreign key or a NOT NULL column leaves
//!    every table exactly as it was, and the error is `Violation` with that constraint, the
//!    operation's index and the model; so does a bulk insert chunked by a small parameter
//!    limit (10) whose last chunk fails;
//! 2. a connection killed before each statement of a batch in turn (PostgreSQL
//!    `pg_terminate_backend`, MariaDB `KILL` from a second connection; SQLite: the k-th
//!    call fails, then, for a lost connection, every call after it and the connection is
//!    dropped) leaves nothing of the batch, seen from a fresh connection;
//! 3. a failing batch inside the caller's transaction rolls back only its savepoint: the
//!    caller's earlier write is kept, the transaction stays open and commits; a batch that
//!    succeeds there is undone with the caller's rollback (it did not commit).
//!
//! SQLite runs on a file here, so that a fresh connection can look.
//!
//! A missing server URL fails the test, never skips it (`scripts/servers.sh start` and
//! `eval "$(scripts/servers.sh env)"`).

mod common;

use common::servers::{self, Scratch, Server, scratch};
use common::writes::{SEEDS, compiled, dump, graph, seed};
use mysql::prelude::Queryable;
use relq::{Database, RelationGraph, Value};
use relq_exec::{Constraint, Driver, ExecError, ExecErrorKind, SideBySide, apply};
use relq_sql::Caps;
use relq_write::{CompiledWrite, compile_write};
use serde_json::{Value as Json, json};

/// A namespace holding the seeds' tables and rows, which fresh connections can reach.
struct Place {
    server: Server,
    name: String,
    /// The SQLite file.
    path: std::path::PathBuf,
    /// The server namespace, dropped with the place.
    _scratch: Option<Scratch>,
}

impl Place {
    fn new(server: Server, purpose: &str, graph: &RelationGraph) -> Self {
        let name = format!("relq_{purpose}_{}", std::process::id());
        let path = std::env::temp_dir().join(format!("{name}.sqlite"));
        let _ = std::fs::remove_file(&path);
        let place = Place {
            server,
            name,
            path,
            _scratch: (server != Server::Sqlite).then(|| scratch(server, purpose)),
        };
        let mut db = place.database();
        db.create_tables(graph).expect("tables");
        seed(&mut db, graph);
        place
    }

    /// A fresh connection to the namespace.
    fn database(&self) -> Database {
        match self.server {
            Server::Sqlite => Database::sqlite(self.sqlite()),
            Server::Postgres => Database::postgres(self.postgres()),
            Server::MariaDb => Database::mysql(self.mariadb()),
        }
        .expect("fresh connection")
    }

    fn sqlite(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).expect("SQLite file")
    }

    fn postgres(&self) -> postgres::Client {
        let mut client = servers::postgres();
        client
            .batch_execute(&format!("SET search_path TO \"{}\"", self.name))
            .expect("search_path");
        client
    }

    fn mariadb(&self) -> mysql::Conn {
        let mut conn = servers::mariadb();
        conn.query_drop(format!("USE `{}`", self.name))
            .expect("USE");
        conn
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Runs `test` on each database, in a fresh [`Place`].
fn on_each(purpose: &str, test: impl Fn(&Place, &RelationGraph)) {
    let graph = graph(SEEDS);
    for server in Server::ALL {
        eprintln!("-- on {}", server.name());
        let place = Place::new(server, purpose, &graph);
        test(&place, &graph);
    }
}

/// Asserts `e` is a `Violation` of `constraint` by operation `operation` on `model`.
fn assert_violation(e: &ExecError, constraint: Constraint, operation: usize, model: &str) {
    match e.kind() {
        ExecErrorKind::Violation {
            operation: o,
            model: m,
            constraint: c,
            ..
        } => assert_eq!((*c, *o, m.as_str()), (constraint, operation, model), "{e}"),
        other => panic!("expected a {constraint} violation, got {other:?}"),
    }
}

/// Batches whose last operation breaks a unique key, a foreign key or a NOT NULL column
/// (a column the database declares NOT NULL and the writing graph thinks nullable, as
/// after a migration): nothing of the batch is left, and the error names the constraint,
/// the operation and the model.
#[test]
fn a_violation_later_in_a_batch_leaves_every_table_as_it_was() {
    // The graph the writes are compiled with: Course.name nullable, the table's is not.
    let drifted = graph(&SEEDS.replace(
        r#"{ name = "name", type = "text", max_length = 100 },"#,
        r#"{ name = "name", type = "text", max_length = 100, nullable = true },"#,
    ));
    on_each("wf_violation", |place, graph| {
        let mut db = place.database();
        let before = dump(&mut db, graph);
        let opening = json!([
            {"op": "insert", "model": "Department", "rows": [{"name": "Law"}]},
            {"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [4, 5, {"name": "Tort"}]},
            {"op": "add", "model": "Post", "pk": 2, "relation": "categories", "targets": [1, 2], "through": {"weight": 3}},
            {"op": "clear", "model": "Department", "pk": 2, "relation": "staff", "keep_reversed": false}
        ]);
        let with = |last: Json| {
            let mut batch = opening.as_array().cloned().unwrap_or_default();
            batch.push(last);
            Json::Array(batch)
        };
        let cases = [
            (
                with(
                    json!({"op": "insert", "model": "Category", "rows": [{"name": "Law"}, {"name": "News"}]}),
                ),
                Constraint::Unique,
                "Category",
            ),
            (
                with(
                    json!({"op": "insert", "model": "Course", "rows": [{"name": "Y", "department": 99}]}),
                ),
                Constraint::ForeignKey,
                "Course",
            ),
            (
                with(
                    json!({"op": "delete", "model": "Department", "filter": [["name", "Science"]]}),
                ),
                Constraint::ForeignKey,
                "Department",
            ),
            (
                with(
                    json!({"op": "create", "model": "Department", "pk": 1, "relation": "courses", "values": {"name": null}}),
                ),
                Constraint::NotNull,
                "Course",
            ),
        ];
        for (batch, constraint, model) in cases {
            let write = compile_write(&drifted, &common::writes::ops(batch), db.dialect())
                .expect("compiles");
            let e = db.apply(&write).expect_err("violates");
            assert_violation(&e, constraint, 4, model);
            assert_eq!(dump(&mut db, graph), before, "{constraint}: nothing left");
            assert_eq!(dump(&mut place.database(), graph), before, "seen afresh");
        }
        // Without the last operation the batch goes through: the cases failed for it.
        let write = compiled(&db, graph, opening);
        db.apply(&write).expect("applies");
        assert_ne!(dump(&mut db, graph), before);
    });
}

/// A bulk insert cut into statements of at most 10 parameters (3 rows of Course, 5 of
/// Category) whose last statement fails leaves none of its rows.
#[test]
fn a_chunked_insert_whose_last_chunk_fails_leaves_nothing() {
    on_each("wf_chunks", |place, graph| {
        let mut db = place.database();
        let small = db.dialect().with_caps(Caps {
            max_params: 10,
            ..*db.dialect().caps()
        });
        let before = dump(&mut db, graph);
        let courses: Vec<Json> = (0..10)
            .map(|i| json!({"name": format!("C{i}"), "department": if i == 9 { 99 } else { 1 }}))
            .collect();
        let categories: Vec<Json> = (0..9)
            .map(|i| json!({"name": if i == 8 { "News".to_owned() } else { format!("K{i}") }}))
            .collect();
        for (model, rows, constraint) in [
            ("Course", courses, Constraint::ForeignKey),
            ("Category", categories, Constraint::Unique),
        ] {
            let batch = json!([{"op": "insert", "model": model, "rows": rows}]);
            let write =
                compile_write(graph, &common::writes::ops(batch), &*small).expect("compiles");
            let inserts = write.operations[0]
                .steps
                .iter()
                .filter(|s| s.sql.starts_with("INSERT"))
                .count();
            assert!(inserts >= 2, "{model}: chunked into {inserts} inserts");
            assert!(
                write.operations[0]
                    .steps
                    .iter()
                    .all(|s| s.params.len() <= 10),
                "{model}: at most 10 parameters a statement"
            );
            let e = db.apply(&write).expect_err("last chunk fails");
            assert_violation(&e, constraint, 0, model);
            assert_eq!(dump(&mut db, graph), before, "{model}: nothing left");
        }
    });
}

/// A driver that, at its `at`-th call (`run` or `query`), first calls `fault`: which
/// kills the connection from elsewhere (and returns `None`), or stands for a lost
/// connection by returning an error.
struct Faulty<'f, D> {
    inner: D,
    calls: usize,
    fault: &'f mut dyn FnMut(usize) -> Option<ExecError>,
}

impl<D: Driver> Faulty<'_, D> {
    fn tick(&mut self) -> Result<(), ExecError> {
        self.calls += 1;
        (self.fault)(self.calls).map_or(Ok(()), Err)
    }
}

impl<D: Driver> Driver for Faulty<'_, D> {
    type Row<'r> = D::Row<'r>;

    fn query<F>(&mut self, sql: &str, params: &[Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut Self::Row<'_>) -> Result<(), ExecError>,
    {
        self.tick()?;
        self.inner.query(sql, params, on_row)
    }

    fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
        self.tick()?;
        self.inner.run(sql, params)
    }

    fn side_by_side<T, B>(
        &mut self,
        statements: &[(&str, &[Value])],
        body: B,
    ) -> Result<T, ExecError>
    where
        B: FnOnce(&mut dyn SideBySide<Self>) -> Result<T, ExecError>,
    {
        self.tick()?;
        self.inner
            .side_by_side(statements, |open| body(&mut Forward(open)))
    }

    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        self.inner.in_transaction()
    }

    fn violation(&self, error: &ExecError) -> Option<Constraint> {
        self.inner.violation(error)
    }
}

/// The statements a [`Faulty`] driver's inner driver opened side by side, read as they
/// are.
struct Forward<'o, D: Driver>(&'o mut dyn SideBySide<D>);

impl<'f, D: Driver> SideBySide<Faulty<'f, D>> for Forward<'_, D> {
    fn next<'a>(
        &mut self,
        index: usize,
        on_row: &'a mut (dyn FnMut(&mut D::Row<'_>) -> Result<(), ExecError> + 'a),
    ) -> Result<bool, ExecError>
    where
        Faulty<'f, D>: 'a,
    {
        self.0.next(index, on_row)
    }
}

/// A lost connection, as the SQLite stand-in reports it.
fn lost() -> ExecError {
    ExecError::driver(None, "connection lost (simulated)", "connection lost")
}

/// The batch the kill tests break: inserts with generated keys, an owner check, linking,
/// a new target with its link, a delete.
fn kill_batch() -> Json {
    json!([
        {"op": "insert", "model": "Department", "rows": [{"name": "Law"}, {"name": "Med"}]},
        {"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [5, {"name": "Anatomy"}]},
        {"op": "create", "model": "Post", "pk": 1, "relation": "categories", "values": {"name": "Kill"}, "through": {"weight": 3}},
        {"op": "clear", "model": "Department", "pk": 2, "relation": "courses", "keep_reversed": false}
    ])
}

/// The operation each call of `apply` belongs to: `None` for `BEGIN` and `COMMIT`.
fn calls(write: &CompiledWrite) -> Vec<Option<usize>> {
    let mut calls = vec![None];
    for (i, plan) in write.operations.iter().enumerate() {
        calls.extend(plan.steps.iter().map(|_| Some(i)));
    }
    calls.push(None);
    calls
}

/// Runs `write` through a [`Faulty`] driver faulting at call `at` on a new connection
/// of `place`; the error.
fn broken(place: &Place, write: &CompiledWrite, at: usize) -> ExecError {
    let result = match place.server {
        Server::Sqlite => {
            // Even: the call fails and the rollback goes through. Odd: every call from
            // it fails, and the connection is dropped with its transaction open.
            let conn = place.sqlite();
            let mut fault = |n: usize| (n == at || (at % 2 == 1 && n > at)).then(lost);
            let mut driver = Faulty {
                inner: relq::sqlite::SqliteDriver(&conn),
                calls: 0,
                fault: &mut fault,
            };
            apply(&mut driver, write)
        }
        Server::Postgres => {
            let mut client = place.postgres();
            let pid: i32 = client
                .query_one("SELECT pg_backend_pid()", &[])
                .expect("pid")
                .get(0);
            let mut killer = servers::postgres();
            let mut fault = |n: usize| {
                if n == at {
                    let row = killer
                        .query_one("SELECT pg_terminate_backend($1, 10000)", &[&pid])
                        .expect("terminate");
                    assert!(row.get::<_, bool>(0), "backend {pid} terminated");
                }
                None
            };
            let mut driver = Faulty {
                inner: relq::postgres::PostgresDriver::new(&mut client),
                calls: 0,
                fault: &mut fault,
            };
            apply(&mut driver, write)
        }
        Server::MariaDb => {
            let mut conn = place.mariadb();
            let id: u64 = conn
                .query_first("SELECT CONNECTION_ID()")
                .expect("id")
                .expect("a row");
            let mut killer = servers::mariadb();
            let mut fault = |n: usize| {
                if n == at {
                    killer.query_drop(format!("KILL {id}")).expect("KILL");
                    let gone = format!(
                        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = {id}"
                    );
                    for _ in 0..100 {
                        let left: Option<u64> = killer.query_first(&gone).expect("processlist");
                        if left == Some(0) {
                            break;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                }
                None
            };
            let mut driver = Faulty {
                inner: relq::mysql::MySqlDriver::new(&mut conn),
                calls: 0,
                fault: &mut fault,
            };
            apply(&mut driver, write)
        }
    };
    result.expect_err("the connection was lost")
}

/// The connection lost before each call of a batch in turn (`BEGIN`, every statement,
/// `COMMIT`): a fresh connection sees none of it, and the error is the operation's
/// `Write` error. Then the same batch, undisturbed, goes through.
#[test]
fn a_connection_killed_mid_batch_leaves_nothing() {
    on_each("wf_kill", |place, graph| {
        let mut db = place.database();
        let before = dump(&mut db, graph);
        let write = compiled(&db, graph, kill_batch());
        let calls = calls(&write);
        assert!(calls.len() >= 10, "{} calls", calls.len());
        for (at, operation) in calls.iter().enumerate().map(|(i, o)| (i + 1, *o)) {
            let e = broken(place, &write, at);
            if let Some(operation) = operation {
                match e.kind() {
                    ExecErrorKind::Write { operation: o, .. } => {
                        assert_eq!(*o, operation, "call {at}: {e}");
                    }
                    other => panic!("call {at}: expected Write, got {other:?}"),
                }
            }
            assert_eq!(
                dump(&mut place.database(), graph),
                before,
                "killed at call {at} ({e}): nothing left"
            );
        }
        db.apply(&write).expect("undisturbed");
        assert_ne!(dump(&mut place.database(), graph), before);
    });
}

/// The caller's own write and transaction around a batch, on each database's driver:
/// `begin` opens it and writes a department, `apply` runs the batch, `finish` ends it
/// (`COMMIT` or `ROLLBACK`) and says whether it was still open before.
fn in_callers_transaction(
    place: &Place,
    write: &CompiledWrite,
    finish: &str,
) -> (Result<usize, ExecError>, bool) {
    let begin = "INSERT INTO departments (name) VALUES ('Caller')";
    match place.server {
        Server::Sqlite => {
            let conn = place.sqlite();
            conn.execute_batch(&format!("BEGIN; {begin}"))
                .expect("begin");
            let result = apply(&mut relq::sqlite::SqliteDriver(&conn), write).map(|o| o.len());
            let open = !conn.is_autocommit();
            conn.execute_batch(finish).expect("finish");
            (result, open)
        }
        Server::Postgres => {
            let mut client = place.postgres();
            client
                .batch_execute(&format!("BEGIN; {begin}"))
                .expect("begin");
            let result = apply(
                &mut relq::postgres::PostgresDriver::in_transaction_of(&mut client),
                write,
            )
            .map(|o| o.len());
            // The caller's transaction has a transaction id; a new one would not yet.
            let open: bool = client
                .query_one("SELECT txid_current_if_assigned() IS NOT NULL", &[])
                .expect("usable")
                .get(0);
            client.batch_execute(finish).expect("finish");
            (result, open)
        }
        Server::MariaDb => {
            let mut conn = place.mariadb();
            conn.query_drop("START TRANSACTION").expect("begin");
            conn.query_drop(begin).expect("caller's write");
            let result = apply(
                &mut relq::mysql::MySqlDriver::in_transaction_of(&mut conn),
                write,
            )
            .map(|o| o.len());
            let open: Option<u64> = conn.query_first("SELECT @@in_transaction").expect("usable");
            conn.query_drop(finish).expect("finish");
            (result, open == Some(1))
        }
    }
}

/// A batch that fails inside the caller's transaction rolls back its savepoint only:
/// the caller's department is committed, nothing of the batch is; a batch that succeeds
/// there is undone by the caller's rollback.
#[test]
fn a_failing_batch_in_the_callers_transaction_rolls_back_only_its_savepoint() {
    on_each("wf_caller", |place, graph| {
        let mut db = place.database();
        let before = dump(&mut db, graph);
        let failing = compiled(
            &db,
            graph,
            json!([
                {"op": "insert", "model": "Category", "rows": [{"name": "Batch"}]},
                {"op": "add", "model": "Department", "pk": 1, "relation": "courses", "targets": [5, {"name": "Tort"}]},
                {"op": "insert", "model": "Category", "rows": [{"name": "News"}]}
            ]),
        );
        let (result, open) = in_callers_transaction(place, &failing, "COMMIT");
        assert_violation(
            &result.expect_err("unique"),
            Constraint::Unique,
            2,
            "Category",
        );
        assert!(open, "the caller's transaction is still open");
        let mut expected = before.clone();
        assert_eq!(expected[0].0, "Department");
        if let Json::Array(rows) = &mut expected[0].1 {
            rows.push(json!([3, "Caller"]));
        }
        assert_eq!(
            dump(&mut place.database(), graph),
            expected,
            "the caller's write only"
        );

        let succeeding = compiled(
            &db,
            graph,
            json!([{"op": "insert", "model": "Category", "rows": [{"name": "Batch"}]}]),
        );
        let (result, open) = in_callers_transaction(place, &succeeding, "ROLLBACK");
        assert_eq!(result.expect("applies"), 1);
        assert!(open, "the batch did not end the caller's transaction");
        assert_eq!(
            dump(&mut place.database(), graph),
            expected,
            "rolled back with it"
        );
    });
}
