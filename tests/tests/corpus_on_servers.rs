//! Every corpus case on the real databases: for each case and each of SQLite (in memory),
//! PostgreSQL (`RELQ_POSTGRES_URL`) and MariaDB (`RELQ_MYSQL_URL`), a fresh schema (a
//! PostgreSQL schema on the `search_path`, a MariaDB database, a new SQLite connection)
//! gets the case's tables from `relq_sql::create_tables`; every statement the case
//! compiles to must prepare with exactly `compiled.statement_width(i)` columns, then the
//! database's executor (`relq_sqlite::fetch`, ...) runs them with their parameters bound
//! (the tables are empty: no records, a count of 0, or `get`'s NoMatch is the expected
//! answer).
//! This proves the server accepts every statement relq emits, and the DDL with it. One more
//! case, over a column of every field type, brings every column type to the servers.
//!
//! A case the dialect refuses at compile time (a name too long, too many tables, a lookup
//! it has no form for: `regex` on SQLite) is not run on that dialect, and the refusal must
//! be one of those kinds. A missing server
//! URL fails the test, never skips it (`bash scripts/test.sh` starts the servers; by hand
//! `scripts/servers.sh start` and `eval "$(scripts/servers.sh env)"`).

mod common;

use common::servers;
use relq_plan::Query;
use relq_sql::CompileErrorKind;
use relq_sql::{Compiled, Dialect, compile, create_tables};
use relq_tests::corpus::{Case, cases};
use relq_tests::samples;

/// One database under test: a fresh schema per case; statements run through relq's
/// executor for the database.
trait Db {
    /// Creates an empty schema for case `n` and makes it the current one.
    fn enter(&mut self, n: usize) -> Result<(), String>;
    /// Drops what [`enter`](Db::enter) created.
    fn leave(&mut self, n: usize) -> Result<(), String>;
    /// Runs a statement without parameters or results.
    fn exec(&mut self, sql: &str) -> Result<(), String>;
    /// How many columns the server says `sql` returns (prepared, not run).
    fn columns(&mut self, sql: &str) -> Result<usize, String>;
    /// Runs every statement of `compiled` with its params bound, through the executor.
    fn execute(&mut self, compiled: &Compiled<'_>) -> Result<(), String>;
}

// ---------------------------------------------------------------- SQLite

struct Sqlite(rusqlite::Connection);

impl Db for Sqlite {
    fn enter(&mut self, _: usize) -> Result<(), String> {
        self.0 = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
        Ok(())
    }
    fn leave(&mut self, _: usize) -> Result<(), String> {
        Ok(())
    }
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.0.execute_batch(sql).map_err(|e| e.to_string())
    }
    fn columns(&mut self, sql: &str) -> Result<usize, String> {
        let statement = self.0.prepare(sql).map_err(|e| e.to_string())?;
        Ok(statement.column_count())
    }
    fn execute(&mut self, compiled: &Compiled<'_>) -> Result<(), String> {
        empty_answer(relq_sqlite::fetch(&self.0, compiled))
    }
}

// ---------------------------------------------------------------- PostgreSQL

struct Postgres(::postgres::Client);

fn pg_error(e: ::postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl Db for Postgres {
    fn enter(&mut self, n: usize) -> Result<(), String> {
        let pid = std::process::id();
        self.exec(&format!(
            "DROP SCHEMA IF EXISTS relq_c{n}_{pid} CASCADE; CREATE SCHEMA relq_c{n}_{pid}; \
             SET search_path TO relq_c{n}_{pid}"
        ))
    }
    fn leave(&mut self, n: usize) -> Result<(), String> {
        let pid = std::process::id();
        self.exec(&format!(
            "SET search_path TO public; DROP SCHEMA relq_c{n}_{pid} CASCADE"
        ))
    }
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        self.0.batch_execute(sql).map_err(pg_error)
    }
    fn columns(&mut self, sql: &str) -> Result<usize, String> {
        let statement = self.0.prepare(sql).map_err(pg_error)?;
        Ok(statement.columns().len())
    }
    fn execute(&mut self, compiled: &Compiled<'_>) -> Result<(), String> {
        empty_answer(relq_postgres::fetch(&mut self.0, compiled))
    }
}

// ---------------------------------------------------------------- MariaDB

struct MariaDb(mysql::Conn);

impl Db for MariaDb {
    fn enter(&mut self, n: usize) -> Result<(), String> {
        let pid = std::process::id();
        self.exec(&format!("DROP DATABASE IF EXISTS relq_c{n}_{pid}"))?;
        self.exec(&format!("CREATE DATABASE relq_c{n}_{pid}"))?;
        self.exec(&format!("USE relq_c{n}_{pid}"))
    }
    fn leave(&mut self, n: usize) -> Result<(), String> {
        let pid = std::process::id();
        self.exec("USE relq")?;
        self.exec(&format!("DROP DATABASE relq_c{n}_{pid}"))?;
        // The driver caches prepared statements by their text, and a statement prepared
        // in the dropped database still names its tables: a later case with the same
        // SQL (the seed query's roots, under split and auto) would read them. A reset
        // clears the cache.
        self.0.reset().map_err(|e| e.to_string())
    }
    fn exec(&mut self, sql: &str) -> Result<(), String> {
        use mysql::prelude::Queryable;
        self.0.query_drop(sql).map_err(|e| e.to_string())
    }
    fn columns(&mut self, sql: &str) -> Result<usize, String> {
        use mysql::prelude::Queryable;
        let statement = self.0.prep(sql).map_err(|e| e.to_string())?;
        Ok(statement.columns().len())
    }
    fn execute(&mut self, compiled: &Compiled<'_>) -> Result<(), String> {
        empty_answer(relq_mysql::fetch(&mut self.0, compiled))
    }
}

// ---------------------------------------------------------------- the run

/// Runs one case on `db`: its tables, then its statements. `Ok(false)` when the dialect
/// refused the case at compile time for one of its limits or missing features.
fn run_case(db: &mut dyn Db, n: usize, case: &Case, dialect: &dyn Dialect) -> Result<bool, String> {
    let graph = case.graph()?;
    let compiled = match compile(&graph, &case.query, dialect) {
        Ok(compiled) => compiled,
        Err(e) => {
            return match e.kind() {
                CompileErrorKind::IdentifierTooLong { .. }
                | CompileErrorKind::TooManyTables { .. }
                | CompileErrorKind::UnsupportedLookup { .. }
                | CompileErrorKind::UnsupportedAggregate { .. } => Ok(false),
                _ => Err(format!(
                    "compile failed for another reason than a limit: {e}"
                )),
            };
        }
    };
    db.enter(n)
        .map_err(|e| format!("cannot make the schema: {e}"))?;
    let outcome = (|| {
        for create in create_tables(&graph, dialect) {
            db.exec(&create)
                .map_err(|e| format!("rejected DDL: {e}\n  {create}"))?;
        }
        for (index, statement) in compiled.statements.iter().enumerate() {
            let columns = db
                .columns(&statement.sql)
                .map_err(|e| format!("rejected statement: {e}\n  {}", statement.sql))?;
            let width = compiled.statement_width(index);
            if columns != width {
                return Err(format!(
                    "{columns} columns, the plan reads {width}\n  {}",
                    statement.sql
                ));
            }
        }
        db.execute(&compiled)
            .map_err(|e| format!("the executor failed: {e}"))?;
        Ok(true)
    })();
    let left = db
        .leave(n)
        .map_err(|e| format!("cannot drop the schema: {e}"));
    let ran = outcome?;
    left?;
    Ok(ran)
}

/// An answer over empty tables: `get`'s NoMatch is the expected one.
fn empty_answer(answer: Result<relq::Fetched, relq::ExecError>) -> Result<(), String> {
    match answer {
        Err(e) if !matches!(e.kind(), relq::exec::ExecErrorKind::NoMatch { .. }) => {
            Err(e.to_string())
        }
        _ => Ok(()),
    }
}

/// The corpus, plus one case over a column of every field type (`samples::every_field_type`),
/// so every column type of the dialect's DDL reaches the server, text keys included.
fn all_cases() -> Vec<Case> {
    let mut all = cases().expect("the corpus loads");
    all.push(Case {
        name: "every_field_type".to_owned(),
        description:
            "a column of every field type, a text key, a foreign key and a many-to-many to it"
                .to_owned(),
        sample: None,
        schema: samples::every_field_type(),
        query: Query::new("Item")
            .select_related("tag")
            .select_related("tags"),
    });
    all
}

/// Every case on `db`; fails listing every case the server rejected.
fn every_case(db: &mut dyn Db, dialect: &dyn Dialect) {
    let cases = all_cases();
    let mut failures = Vec::new();
    let mut ran = 0;
    for (n, case) in cases.iter().enumerate() {
        match run_case(db, n, case, dialect) {
            Ok(true) => ran += 1,
            Ok(false) => eprintln!(
                "{}: {} refused at compile time",
                dialect.caps().name,
                case.name
            ),
            Err(e) => failures.push(format!("case `{}`: {e}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed on {}:\n{}",
        failures.len(),
        cases.len(),
        dialect.caps().name,
        failures.join("\n")
    );
    assert!(ran > 0, "no case ran on {}", dialect.caps().name);
    eprintln!(
        "{}: {ran} of {} cases ran",
        dialect.caps().name,
        cases.len()
    );
}

#[test]
fn every_corpus_case_runs_on_sqlite() {
    let conn = rusqlite::Connection::open_in_memory().expect("an in-memory SQLite database opens");
    every_case(&mut Sqlite(conn), &relq_sqlite::Sqlite::default());
}

#[test]
fn every_corpus_case_runs_on_postgres() {
    let client = servers::postgres();
    every_case(&mut Postgres(client), &relq_postgres::Postgres::default());
}

#[test]
fn every_corpus_case_runs_on_mariadb() {
    let conn = servers::mariadb();
    every_case(&mut MariaDb(conn), &relq_mysql::MySql::default());
}

#[test]
fn sqlite_integer_primary_key_is_the_rowid() {
    // `"id" INTEGER PRIMARY KEY NOT NULL` keeps the rowid alias
    // (<https://sqlite.org/lang_createtable.html#rowid>): a NULL id takes the next rowid,
    // and a lookup by id is a rowid search.
    let graph = samples::every_field_type().build().expect("valid schema");
    let conn = rusqlite::Connection::open_in_memory().expect("an in-memory SQLite database opens");
    for create in create_tables(&graph, &relq_sqlite::Sqlite::default()) {
        conn.execute_batch(&create).expect("SQLite accepts the DDL");
    }
    // The row's keys point nowhere: foreign keys off (rusqlite's bundled SQLite turns them on).
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("foreign keys off");
    conn.execute(
        "INSERT INTO \"items_tags\" (\"item\", \"tag\") VALUES (7, 'a')",
        [],
    )
    .expect("insert without an id");
    let (id, rowid): (i64, i64) = conn
        .query_row("SELECT \"id\", rowid FROM \"items_tags\"", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("one row");
    assert_eq!((id, rowid), (1, 1));
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT * FROM \"items_tags\" WHERE \"id\" = 1",
            [],
            |r| r.get(3),
        )
        .expect("a plan");
    assert!(plan.contains("INTEGER PRIMARY KEY (rowid=?)"), "{plan}");
}
