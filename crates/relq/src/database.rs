//! [`Database`]: one connection to SQLite, PostgreSQL or MySQL/MariaDB, opened from a URL,
//! with the dialect whose facts were read from that connection.
//!
//! It is the one place that asks which database it has: everything it does goes through
//! that database's [`Driver`] (relq-exec's one fetch loop, the dialect crate's
//! conversions and introspection). Use it when
//! the database is chosen at run time (the `relq` CLI, tests over all three); an embedder
//! that knows its database can call the dialect crate directly.
//!
//! URLs: `sqlite:PATH` (an existing file; `sqlite::memory:` for a new in-memory database),
//! `postgres://user:pass@host:port/db` (or `postgresql://`; no TLS),
//! `mysql://user:pass@host:port/db` (MySQL or MariaDB; pure-Rust driver, no TLS).
//!
//! ```
//! use relq::{Database, Query, SchemaDef, Value, compile};
//! let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
//! let mut db = Database::open("sqlite::memory:")?;
//! db.create_tables(&graph)?;
//! let departments = graph.model_by_name("Department").expect("declared");
//! db.insert(departments, &[vec![Value::Int(1), Value::Text("Science".into())]])?;
//! let compiled = compile(&graph, &Query::new("Department"), db.dialect())?;
//! let records = db.execute(&compiled)?;
//! assert_eq!(records[0].fields, [Value::Int(1), Value::Text("Science".into())]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod transaction;

use relq_exec::{
    Driver, ExecError, ExecErrorKind, Fetched, Outcome, Streamed, apply, fetch, fetch_with, stream,
};
use relq_graph::introspect::{TableInfo, schema_from_tables};
use relq_graph::{Model, RelationGraph, SchemaDef, SchemaError, over_catalog};
use relq_mysql::{MySql, MySqlDriver, SideConnections};
use relq_plan::Value;
use relq_postgres::{Postgres, PostgresDriver};
use relq_rows::{Record, Visitor};
use relq_sql::{Compiled, Dialect, create_tables, insert, reset_generated_key, rows_per_insert};
use relq_sqlite::{Sqlite, SqliteDriver};
use relq_write::CompiledWrite;

/// A connection to one of the three databases and its dialect.
pub struct Database {
    connection: Connection,
    /// How many transactions the caller opened and has not ended
    /// ([`begin`](Self::begin)): the outermost, then one savepoint each.
    depth: usize,
}

enum Connection {
    Sqlite(rusqlite::Connection, Sqlite),
    Postgres(Box<postgres::Client>, Postgres),
    /// The connection, its dialect, and the side connections a stream of several
    /// statements reads on (`None` for a connection given without its options).
    MySql(Box<mysql::Conn>, MySql, Option<Box<SideConnections>>),
}

/// A database URL that cannot be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The URL names no database relq knows.
    #[error(
        "`{url}` is not a database URL: expected sqlite:PATH, sqlite::memory:, \
         postgres://user:pass@host:port/db or mysql://user:pass@host:port/db"
    )]
    Scheme {
        /// The URL as given.
        url: String,
    },
    /// The SQLite file does not exist (relq opens, never creates, a file by URL).
    #[error("no SQLite database at `{path}`")]
    NoFile {
        /// The path after `sqlite:`.
        path: String,
    },
    /// The driver could not connect, or could not read the server's facts.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// The URL without its password.
        target: String,
        /// The driver's error.
        #[source]
        source: ExecError,
    },
}

/// `$body` run with `$driver` the connection's driver for a query or a batch of
/// `$db` (a [`Database`]): inside the caller's transaction when one is open
/// ([`Database::begin`]), MySQL's with the session set up for its engines and its side
/// connections, if any. A macro, not a function over `dyn Driver`: the drivers'
/// `side_by_side` is generic.
macro_rules! with_driver {
    ($db:expr, |$driver:ident| $body:expr) => {{
        let joined = $db.depth > 0;
        match &mut $db.connection {
            Connection::Sqlite(conn, _) => {
                let $driver = &mut SqliteDriver(conn);
                $body
            }
            Connection::Postgres(client, _) => {
                let $driver = &mut if joined {
                    PostgresDriver::in_transaction_of(client)
                } else {
                    PostgresDriver::new(client)
                };
                $body
            }
            Connection::MySql(conn, dialect, side) => {
                let mut driver = MySqlDriver::on_set_up_session(conn, dialect.engines());
                if joined {
                    driver = driver.in_callers_transaction();
                }
                if let Some(side) = side {
                    driver = driver.with_side_connections(side);
                }
                let $driver = &mut driver;
                $body
            }
        }
    }};
}

impl Database {
    /// Opens the database `url` names (see the module doc for the forms) and reads its
    /// dialect's runtime facts (server version, parameter limit).
    ///
    /// # Errors
    /// [`OpenError`]: an unknown scheme, a missing SQLite file, or the driver's failure
    /// (the message never repeats the password).
    pub fn open(url: &str) -> Result<Self, OpenError> {
        let target = without_password(url);
        let connect = |source: ExecError| OpenError::Connect {
            target: target.clone(),
            source,
        };
        let driver = |e: &dyn std::error::Error| {
            let message = with_sources(e);
            connect(ExecError::driver(None, message.clone(), message))
        };
        if let Some(path) = url.strip_prefix("sqlite:") {
            let conn = if path == ":memory:" {
                rusqlite::Connection::open_in_memory()
            } else if std::path::Path::new(path).is_file() {
                rusqlite::Connection::open(path)
            } else {
                return Err(OpenError::NoFile {
                    path: path.to_owned(),
                });
            };
            Self::sqlite(conn.map_err(|e| driver(&e))?).map_err(connect)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let client = postgres::Client::connect(url, postgres::NoTls).map_err(|e| driver(&e))?;
            Self::postgres(client).map_err(connect)
        } else if url.starts_with("mysql://") {
            let opts = mysql::Opts::from_url(url).map_err(|e| driver(&e))?;
            let conn = mysql::Conn::new(opts.clone()).map_err(|e| driver(&e))?;
            let mut database = Self::mysql(conn).map_err(connect)?;
            if let Connection::MySql(_, _, side) = &mut database.connection {
                *side = Some(Box::new(SideConnections::new(opts)));
            }
            Ok(database)
        } else {
            Err(OpenError::Scheme {
                url: target.clone(),
            })
        }
    }

    /// A SQLite connection, with its runtime facts ([`Sqlite::from_connection`]).
    ///
    /// # Errors
    /// The driver's error reading them.
    pub fn sqlite(conn: rusqlite::Connection) -> Result<Self, ExecError> {
        let dialect = Sqlite::from_connection(&conn)?;
        Ok(Self {
            connection: Connection::Sqlite(conn, dialect),
            depth: 0,
        })
    }

    /// A PostgreSQL client, with its server's facts ([`Postgres::from_client`]).
    ///
    /// # Errors
    /// The driver's error reading them.
    pub fn postgres(mut client: postgres::Client) -> Result<Self, ExecError> {
        let dialect = Postgres::from_client(&mut client)?;
        Ok(Self {
            connection: Connection::Postgres(Box::new(client), dialect),
            depth: 0,
        })
    }

    /// A MySQL or MariaDB connection, with its server's facts ([`MySql::from_conn`]),
    /// its session set up once for the server's engines ([`relq_mysql::set_up_session`]:
    /// Spider's join settings, Galera's `wsrep_sync_wait`), as its side connections'.
    ///
    /// # Errors
    /// The driver's error reading them.
    pub fn mysql(mut conn: mysql::Conn) -> Result<Self, ExecError> {
        let dialect = MySql::from_conn(&mut conn)?;
        relq_mysql::set_up_session(&mut conn, dialect.engines())?;
        Ok(Self {
            connection: Connection::MySql(Box::new(conn), dialect, None),
            depth: 0,
        })
    }

    /// The dialect, with the facts read from the connection.
    pub fn dialect(&self) -> &dyn Dialect {
        match &self.connection {
            Connection::Sqlite(_, d) => d,
            Connection::Postgres(_, d) => d,
            Connection::MySql(_, d, _) => d,
        }
    }

    /// Runs a compiled query and rebuilds its records: [`fetch`](Self::fetch)'s records.
    ///
    /// # Errors
    /// The executor's [`ExecError`]; for a query that returns no records (`count`,
    /// `values`...), [`NotRecords`](relq_exec::ExecErrorKind::NotRecords): use
    /// [`fetch`](Self::fetch).
    pub fn execute(&mut self, compiled: &Compiled<'_>) -> Result<Vec<Record>, ExecError> {
        self.fetch(compiled)?.answer.into_records()
    }

    /// Runs a compiled query and returns what its terminal asks for
    /// ([`relq_exec::fetch`] on the connection's driver): records, one record (`first`, `last`, `get`,
    /// `get_or_none`), a count, a yes or no, or flat rows (`values`, `aggregate`), with
    /// the number of rows the database returned. The statements of a query of several
    /// (split, auto) read one snapshot: a read-only transaction of their own
    /// ([`Caps::read_snapshot`](relq_sql::Caps::read_snapshot)), or inside a transaction
    /// of the caller's ([`begin`](Self::begin)) that transaction, left open.
    ///
    /// ```
    /// use relq::{Answer, Database, Query, SchemaDef, Terminal, Value, compile};
    /// let graph = SchemaDef::from_toml(include_str!("../../../schemas/person.toml"))?.build()?;
    /// let mut db = Database::open("sqlite::memory:")?;
    /// db.create_tables(&graph)?;
    /// let persons = graph.model_by_name("Person").expect("declared");
    /// let person = |id, supervisor| vec![Value::Int(id), Value::Text(format!("p{id}")), supervisor];
    /// db.insert(persons, &[person(1, Value::Null), person(2, Value::Int(1)), person(3, Value::Int(1))])?;
    /// let query = Query::new("Person").select_related("employees");
    /// let fetched = db.fetch(&compile(&graph, &query, db.dialect())?)?;
    /// // Person 1 comes once per employee, 2 and 3 once each: 4 rows, 3 records.
    /// assert_eq!(fetched.rows, 4);
    /// assert_eq!(fetched.answer.into_records()?.len(), 3);
    /// let count = Query::new("Person").terminal(Terminal::Count);
    /// assert_eq!(db.fetch(&compile(&graph, &count, db.dialect())?)?.answer, Answer::Count(3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The executor's [`ExecError`], `get`'s
    /// [`NoMatch`](relq_exec::ExecErrorKind::NoMatch) and
    /// [`MultipleMatches`](relq_exec::ExecErrorKind::MultipleMatches) among them.
    pub fn fetch(&mut self, compiled: &Compiled<'_>) -> Result<Fetched, ExecError> {
        with_driver!(self, |driver| fetch(driver, compiled))
    }

    /// Runs a compiled query as [`fetch`](Self::fetch) does and hands its records to
    /// `visitor` ([`relq_exec::fetch_with`]), so the caller builds its own types with no
    /// [`Record`] tree in between: the visitor's output and the rows read. For `all` every
    /// root, for `first` and `last` one at most, for `get` and `get_or_none` the one
    /// (none, for `get`, or several are errors). [`Recording`](relq_rows::Recording)
    /// keeps the calls to be replayed into another visitor later (one that cannot run
    /// while the database works).
    ///
    /// ```
    /// use relq::{Database, Query, SchemaDef, Terminal, Value, compile};
    /// use relq::rows::{Records, Recording};
    /// let graph = SchemaDef::from_toml(include_str!("../../../schemas/person.toml"))?.build()?;
    /// let mut db = Database::open("sqlite::memory:")?;
    /// db.create_tables(&graph)?;
    /// let persons = graph.model_by_name("Person").expect("declared");
    /// let person = |id, supervisor| vec![Value::Int(id), Value::Text(format!("p{id}")), supervisor];
    /// db.insert(persons, &[person(1, Value::Null), person(2, Value::Int(1))])?;
    /// let query = Query::new("Person").select_related("employees").terminal(Terminal::First);
    /// let compiled = compile(&graph, &query, db.dialect())?;
    /// let mut recording = db.fetch_with(&compiled, Recording::new())?.output;
    /// assert_eq!(recording.records(), 2, "the first person and its employee");
    /// let first = recording.replay(Records::new(&compiled.plan.extraction)?);
    /// assert_eq!(Some(&first[0]), db.fetch(&compiled)?.answer.into_records()?.first());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`fetch`](Self::fetch)'s, and [`NotRecords`](relq_exec::ExecErrorKind::NotRecords)
    /// for a query that returns no records (`count`, `values`...).
    pub fn fetch_with<V: Visitor>(
        &mut self,
        compiled: &Compiled<'_>,
        visitor: V,
    ) -> Result<Streamed<V::Output>, ExecError> {
        with_driver!(self, |driver| fetch_with(driver, compiled, visitor))
    }

    /// Runs a compiled query and hands its records to `visitor` one root at a time, in
    /// the query's order, holding one root's subtree beside the driver's buffers
    /// ([`relq_exec::stream`]; [`RecordStream`](relq_rows::RecordStream) hands each
    /// root [`Record`] to a callback). Compile it with
    /// `PlanOptions { list_roots: Some(ListRoots::SemiJoin) }`
    /// ([`compile_with`](relq_sql::compile_with)), so that no statement binds the root
    /// keys of another. Several statements are read side by side, in one read-only
    /// snapshot transaction as [`fetch`](Self::fetch)'s: on SQLite each stepped in turn,
    /// on PostgreSQL as portals in that transaction, on MySQL each on a connection of
    /// its own (opened by [`open`](Self::open) on first use, from the URL), each in a
    /// snapshot of its own taken right after the first's (MySQL and MariaDB cannot share
    /// one between sessions: [`SideConnections`]). Inside a transaction of the
    /// caller's ([`begin`](Self::begin)) SQLite's statements and PostgreSQL's portals
    /// read in it, and the caller's writes are seen; MySQL's side connections are
    /// sessions of their own, which see only committed rows.
    ///
    /// ```
    /// use std::ops::ControlFlow;
    /// use relq::{Database, Query, SchemaDef, Value, compile_with};
    /// use relq::plan::{ListRoots, PlanOptions};
    /// use relq::rows::{RecordStream, Related};
    /// let graph = SchemaDef::from_toml(include_str!("../../../schemas/person.toml"))?.build()?;
    /// let mut db = Database::open("sqlite::memory:")?;
    /// db.create_tables(&graph)?;
    /// let persons = graph.model_by_name("Person").expect("declared");
    /// let person = |id, supervisor| vec![Value::Int(id), Value::Text(format!("p{id}")), supervisor];
    /// db.insert(persons, &[person(1, Value::Null), person(2, Value::Int(1)), person(3, Value::Int(1))])?;
    /// let query = Query::new("Person").select_related("employees");
    /// let options = PlanOptions { list_roots: Some(ListRoots::SemiJoin) };
    /// let compiled = compile_with(&graph, &query, db.dialect(), &options)?;
    /// let mut employees = Vec::new();
    /// let each = RecordStream::new(&compiled.plan.extraction, |person| {
    ///     if let [Related::Many(list)] = person.relations.as_slice() {
    ///         employees.push(list.len());
    ///     }
    ///     ControlFlow::Continue(())
    /// })?;
    /// db.stream(&compiled, each)?;
    /// assert_eq!(employees, [2, 0, 0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`relq_exec::stream`]'s; on a MySQL connection given without its options
    /// ([`mysql`](Self::mysql)), a query of several statements is a driver error.
    pub fn stream<V: Visitor>(
        &mut self,
        compiled: &Compiled<'_>,
        visitor: V,
    ) -> Result<Streamed<V::Output>, ExecError> {
        with_driver!(self, |driver| stream(driver, compiled, visitor))
    }

    /// Runs a compiled batch of writes ([`relq_write::compile_write`]) in one
    /// transaction, all or nothing ([`relq_exec::apply`]); what each operation did.
    /// Inside a transaction of the caller's ([`begin`](Self::begin)) the batch runs in a
    /// savepoint of it: a failed batch is undone and the caller's transaction stays open.
    ///
    /// # Errors
    /// [`relq_exec::apply`]'s, after rolling the batch back.
    pub fn apply(&mut self, write: &CompiledWrite) -> Result<Vec<Outcome>, ExecError> {
        with_driver!(self, |driver| apply(driver, write))
    }

    /// Runs a compiled batch of writes as [`apply`](Self::apply) does, inside a
    /// transaction it then rolls back (`relq apply --dry-run`): what each operation
    /// would do, with nothing changed.
    ///
    /// # Errors
    /// [`relq_exec::apply`]'s, and the driver's opening or rolling back.
    pub fn apply_rolled_back(&mut self, write: &CompiledWrite) -> Result<Vec<Outcome>, ExecError> {
        self.begin()?;
        let outcomes = self.apply(write);
        let rolled_back = self.rollback();
        let outcomes = outcomes?;
        rolled_back?;
        Ok(outcomes)
    }

    /// The database's tables as a schema (`relq_sqlite::introspect`, ...): the
    /// [`catalog`](Self::catalog) by relq-graph's naming rules.
    ///
    /// # Errors
    /// The introspection's [`ExecError`].
    pub fn introspect(&mut self) -> Result<SchemaDef, ExecError> {
        Ok(schema_from_tables(self.catalog()?))
    }

    /// The database's tables as its catalog describes them (`relq_sqlite::catalog`, ...):
    /// what [`over_catalog`] checks a declared schema against and takes the
    /// facts the declaration does not state from (a text column's collation). A schema
    /// built over the catalog, declared or [introspected](Self::introspect), lets the
    /// dialect leave out what those facts make needless; one declared alone does not.
    ///
    /// ```
    /// use relq::graph::{SchemaErrorKind, over_catalog};
    /// use relq::{Database, SchemaDef};
    /// let mut db = Database::open("sqlite::memory:")?;
    /// // The catalog states no relation: the declared schema does.
    /// db.run("CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT)", &[])?;
    /// db.run("CREATE TABLE schoolclasses (id INTEGER, name TEXT, department_id INTEGER)", &[])?;
    /// let declared = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?;
    /// let error = over_catalog(&declared, &db.catalog()?).unwrap_err();
    /// assert_eq!(error.to_string(), "model `Category`: no table `categories` in the database");
    /// let teachers = "CREATE TABLE {} (id INTEGER, name TEXT, schoolclass_id INTEGER, category_id INTEGER)";
    /// db.run("CREATE TABLE categories (id INTEGER, name TEXT)", &[])?;
    /// db.run(&teachers.replace("{}", "students"), &[])?;
    /// db.run(&teachers.replace("{}", "teachers"), &[])?;
    /// let graph = over_catalog(&declared, &db.catalog()?)?;
    /// assert!(graph.model_by_name("SchoolClass").unwrap().relation("teachers").is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// The catalog query's [`ExecError`], or a column type with no field type.
    pub fn catalog(&mut self) -> Result<Vec<TableInfo>, ExecError> {
        match &mut self.connection {
            Connection::Sqlite(conn, _) => relq_sqlite::catalog(conn),
            Connection::Postgres(client, _) => relq_postgres::catalog(client),
            Connection::MySql(conn, _, _) => relq_mysql::catalog(conn),
        }
    }

    /// This database's schema and its graph, built over its [`catalog`](Self::catalog)
    /// ([`over_catalog`]): `declared` (a schema file's models, keys and relations, each
    /// declared table and column checked against the catalog), or the
    /// [introspected](Self::introspect) one when `None`. What `relq --db URL [--schema
    /// FILE]` and the Python package's `relq.connect(url, schema=...)` read.
    ///
    /// # Errors
    /// The catalog query's [`ExecError`]; inside, the first rule the schema breaks over
    /// the catalog ([`SchemaError`]), for the caller to name the file or the database.
    pub fn schema_over_catalog(
        &mut self,
        declared: Option<SchemaDef>,
    ) -> Result<Result<(SchemaDef, RelationGraph), SchemaError>, ExecError> {
        let catalog = self.catalog()?;
        let def = declared.unwrap_or_else(|| schema_from_tables(catalog.clone()));
        Ok(over_catalog(&def, &catalog).map(|graph| (def, graph)))
    }

    /// Runs one statement that returns no rows with `params` bound; the rows it changed.
    ///
    /// # Errors
    /// The driver's error.
    pub fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
        match &mut self.connection {
            Connection::Sqlite(conn, _) => SqliteDriver(conn).run(sql, params),
            Connection::Postgres(client, _) => PostgresDriver::new(client).run(sql, params),
            Connection::MySql(conn, d, _) => {
                MySqlDriver::on_set_up_session(conn, d.engines()).run(sql, params)
            }
        }
    }

    /// Creates the tables of every model of `graph` ([`create_tables`]).
    ///
    /// # Errors
    /// The driver's error for the first statement the database refuses.
    pub fn create_tables(&mut self, graph: &RelationGraph) -> Result<(), ExecError> {
        for statement in create_tables(graph, self.dialect()) {
            self.run(&statement, &[])?;
        }
        Ok(())
    }

    /// Inserts `rows` into `model`'s table, each one value per field in definition order,
    /// in one transaction (a savepoint inside the caller's, [`begin`](Self::begin)) and
    /// as few statements as the parameter limit allows ([`rows_per_insert`]); the number
    /// of rows inserted. Nothing is inserted when any row fails. Where the model's key is generated and the database's generator does not
    /// move past keys given to it (PostgreSQL's identity sequence), the same transaction
    /// then moves it past the largest key ([`reset_generated_key`]), so a later INSERT
    /// without the key gets a fresh one.
    ///
    /// # Errors
    /// [`ExecErrorKind::InsertWidth`] for a row without one value per column (before any
    /// statement runs), or the driver's error.
    pub fn insert(&mut self, model: Model<'_>, rows: &[Vec<Value>]) -> Result<u64, ExecError> {
        let columns = model.fields().count();
        if let Some((row, values)) = rows.iter().enumerate().find(|(_, r)| r.len() != columns) {
            return Err(ExecErrorKind::InsertWidth {
                table: model.table().to_owned(),
                row,
                values: values.len(),
                columns,
            }
            .into());
        }
        let chunk = rows_per_insert(model, self.dialect());
        self.transaction(|db| {
            let mut inserted = 0;
            for rows in rows.chunks(chunk) {
                let sql = insert(model, rows.len(), db.dialect());
                let params: Vec<Value> = rows.iter().flatten().cloned().collect();
                inserted += db.run(&sql, &params)?;
            }
            if !rows.is_empty()
                && let Some(reset) = reset_generated_key(model, db.dialect())
            {
                db.run(&reset.sql, &reset.params)?;
            }
            Ok(inserted)
        })
    }
}

/// An error's message followed by each of its sources' that it does not already contain
/// (PostgreSQL's `db error` alone does not say which database is missing).
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    for source in std::iter::successors(e.source(), |s| s.source()) {
        let text = source.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
    }
    message
}

/// `url` with the password between `:` and `@` replaced by `***`, for messages.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            without_password("postgres://relq:s3cret@127.0.0.1:5/relq"),
            "postgres://relq:***@127.0.0.1:5/relq"
        );
        assert_eq!(without_password("sqlite:a@b:c"), "sqlite:a@b:c");
        let e = Database::open("mysql://relq:s3cret@127.0.0.1:1/relq")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.starts_with("cannot connect to mysql://relq:***@127.0.0.1:1/relq: "),
            "{e}"
        );
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn bad_urls_and_missing_files_are_typed_errors() {
        let e = Database::open("oracle://x").err();
        assert!(matches!(e, Some(OpenError::Scheme { .. })), "{e:?}");
        let e = Database::open("sqlite:/no/such/relq.db").err();
        assert!(matches!(e, Some(OpenError::NoFile { .. })), "{e:?}");
    }

    #[test]
    fn insert_checks_every_row_width_first() -> Result<(), Box<dyn std::error::Error>> {
        let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
        let mut db = Database::open("sqlite::memory:")?;
        db.create_tables(&graph)?;
        let departments = graph.model_by_name("Department").ok_or("declared")?;
        let good = vec![Value::Int(1), Value::Text("Science".into())];
        let e = db
            .insert(departments, &[good.clone(), vec![Value::Int(2)]])
            .err();
        assert_eq!(
            e.map(|e| e.to_string()).unwrap_or_default(),
            "row 1 for table `departments` has 1 values; the table has 2 columns"
        );
        // The 1500 rows cross a statement boundary (1000 rows each) and all arrive.
        let rows: Vec<Vec<Value>> = (0..1500)
            .map(|i| vec![Value::Int(i), Value::Text(format!("d{i}"))])
            .collect();
        assert_eq!(db.insert(departments, &rows)?, 1500);
        Ok(())
    }
}
