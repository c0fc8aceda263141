//! One snapshot per read (relq-exec's `snapshot.rs`), on SQLite (a file, two
//! connections), PostgreSQL and MariaDB. Parents with their children and pets, each
//! with a category, read split (three statements). Between two statements a hook
//! commits a write on ANOTHER connection: a new pet for parent 1, pet 2 moved to parent
//! 2, category 1 renamed.
//! 1. `fetch` returns the records as they were before the write (equal to a read before
//!    it; category 1 has one name everywhere); the next read sees the write; so does
//!    `fetch_with` (its records handed to a visitor) with the same write. As a
//!    control, the same statements run step by step ([`Steps`]) on the same driver
//!    without a snapshot return a mix: category 1 named `c1` under the children and
//!    `renamed` under the pets.
//! 2. On SQLite with a rollback journal the reader's snapshot is a SHARED lock: the
//!    write cannot commit while it reads (`SQLITE_BUSY`), and the records are the same.
//! 3. A stream (statements side by side; on MariaDB on side connections) with the write
//!    after its first root returns the records before it; the next stream sees the
//!    write (the side connections' snapshots ended); a stream stopped by its visitor
//!    leaves no transaction open.
//! 4. Inside the caller's transaction no transaction is opened or ended: the read
//!    (`fetch` and `fetch_with`) sees the caller's uncommitted write, and the caller's
//!    rollback still undoes it.
//!
//! A missing server URL fails the test, never skips it.

mod common;

use std::ops::ControlFlow;

use common::servers::{Server, scratch, server_url};
use relq::plan::{ListRoots, PlanOptions};
use relq::rows::{RecordStream, Records};
use relq::{
    Answer, Compiled, Database, Query, RelationGraph, SchemaDef, Strategy, Value, compile_with,
};
use relq_exec::{Constraint, Driver, ExecError, Fetched, Steps, fetch, fetch_with, stream};
use relq_mysql::{MySqlDriver, SideConnections};
use relq_postgres::PostgresDriver;
use relq_sqlite::SqliteDriver;
use serde_json::Value as Json;

const SCHEMA: &str = r#"
[[models]]
name = "Category"
table = "categories"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
[[models]]
name = "Parent"
table = "parents"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
[[models]]
name = "Child"
table = "children"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
foreign_keys = [{ name = "parent", to = "Parent", related_name = "children" }, { name = "category", to = "Category" }]
[[models]]
name = "Pet"
table = "pets"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]
foreign_keys = [{ name = "parent", to = "Parent", related_name = "pets" }, { name = "category", to = "Category" }]
"#;

fn graph() -> RelationGraph {
    SchemaDef::from_toml(SCHEMA)
        .and_then(|d| d.build())
        .unwrap_or_else(|e| panic!("schema: {e}"))
}

/// Empties the tables and writes the rows before the write.
fn seed(db: &mut Database, graph: &RelationGraph) {
    for table in ["pets", "children", "parents", "categories"] {
        db.run(&format!("DELETE FROM {table}"), &[])
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    let text = |t: &str| Value::Text(t.to_owned());
    let int = Value::Int;
    let mut insert = |model: &str, rows: Vec<Vec<Value>>| {
        let model = graph.model_by_name(model).expect("declared");
        db.insert(model, &rows)
            .unwrap_or_else(|e| panic!("{}: {e}", model.name()));
    };
    insert(
        "Category",
        vec![vec![int(1), text("c1")], vec![int(2), text("c2")]],
    );
    insert(
        "Parent",
        vec![vec![int(1), text("p1")], vec![int(2), text("p2")]],
    );
    let row =
        |id, name: &str, parent, category| vec![int(id), text(name), int(parent), int(category)];
    insert(
        "Child",
        vec![row(1, "a", 1, 1), row(2, "b", 1, 2), row(3, "c", 2, 1)],
    );
    insert(
        "Pet",
        vec![row(1, "x", 1, 1), row(2, "y", 1, 1), row(3, "z", 2, 2)],
    );
}

/// The write the hook commits on its own connection, in one transaction.
fn write(db: &mut Database) -> Result<(), ExecError> {
    db.transaction(|db| {
        db.run(
            "INSERT INTO pets (id, name, parent_id, category_id) VALUES (4, 'new', 1, 1)",
            &[],
        )?;
        db.run("UPDATE pets SET parent_id = 2 WHERE id = 2", &[])?;
        db.run("UPDATE categories SET name = 'renamed' WHERE id = 1", &[])?;
        Ok(())
    })
}

/// Parents with children and pets and their categories, split; `list_roots` as given.
fn compiled<'g>(graph: &'g RelationGraph, db: &Database, semi_join: bool) -> Compiled<'g> {
    let query = Query::new("Parent")
        .select_related("children__category")
        .select_related("pets__category")
        .strategy(Strategy::Split);
    let options = PlanOptions {
        list_roots: semi_join.then_some(ListRoots::SemiJoin),
    };
    let compiled = compile_with(graph, &query, db.dialect(), &options)
        .unwrap_or_else(|e| panic!("compiles: {e}"));
    assert_eq!(compiled.statements.len(), 3);
    compiled
}

/// A driver that calls `hook` once, after its `after`-th statement's rows were read.
struct Hooked<'a, 'h, D> {
    inner: &'a mut D,
    queries: usize,
    after: usize,
    hook: Option<&'h mut dyn FnMut()>,
}

impl<'a, 'h, D> Hooked<'a, 'h, D> {
    /// `inner` with `hook` called once, after the `after`-th query.
    fn new(inner: &'a mut D, after: usize, hook: &'h mut dyn FnMut()) -> Self {
        Hooked {
            inner,
            queries: 0,
            after,
            hook: Some(hook),
        }
    }
}

impl<D: Driver> Driver for Hooked<'_, '_, D> {
    type Row<'r> = D::Row<'r>;

    fn query<F>(&mut self, sql: &str, params: &[Value], on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut Self::Row<'_>) -> Result<(), ExecError>,
    {
        self.inner.query(sql, params, on_row)?;
        self.queries += 1;
        if self.queries == self.after
            && let Some(hook) = self.hook.take()
        {
            hook();
        }
        Ok(())
    }

    fn run(&mut self, sql: &str, params: &[Value]) -> Result<u64, ExecError> {
        self.inner.run(sql, params)
    }

    fn begin_snapshot(&mut self, begin: &str) -> Result<(), ExecError> {
        self.inner.begin_snapshot(begin)
    }

    fn end_snapshot(&mut self, succeeded: bool) -> Result<(), ExecError> {
        self.inner.end_snapshot(succeeded)
    }

    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        self.inner.in_transaction()
    }

    fn violation(&self, error: &ExecError) -> Option<Constraint> {
        self.inner.violation(error)
    }
}

/// The same statements run step by step on `driver`, with no snapshot.
fn step_by_step<D: Driver>(driver: &mut D, compiled: &Compiled<'_>) -> Fetched {
    let mut steps = Steps::new(compiled).unwrap_or_else(|e| panic!("{e}"));
    while let Some(run) = steps.next_run() {
        driver
            .query(&run.sql, &run.params, |row| steps.push(row))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    steps.finish().unwrap_or_else(|e| panic!("{e}"))
}

fn json(fetched: Fetched, compiled: &Compiled<'_>) -> Json {
    fetched
        .answer
        .to_json(&compiled.plan.extraction)
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Every name category 1 carries in `records`, sorted, each once.
fn category_1_names(records: &Json) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![records];
    while let Some(value) = stack.pop() {
        match value {
            Json::Array(items) => stack.extend(items),
            Json::Object(fields) => {
                if let Some(Json::Object(category)) = fields.get("category")
                    && category.get("id") == Some(&Json::from(1))
                    && let Some(Json::String(name)) = category.get("name")
                {
                    names.push(name.clone());
                }
                stack.extend(fields.values());
            }
            _ => {}
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Where a server's reader connects: the scratch namespace of `writer`.
enum Reader {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
    MariaDb(Box<mysql::Conn>, Box<SideConnections>),
}

impl Reader {
    /// A second connection to the namespace `scratch(server, purpose)` made.
    fn connect(server: Server, purpose: &str, sqlite: &std::path::Path) -> Self {
        let name = format!("relq_{purpose}_{}", std::process::id());
        match server {
            Server::Sqlite => Reader::Sqlite(
                rusqlite::Connection::open(sqlite).unwrap_or_else(|e| panic!("sqlite: {e}")),
            ),
            Server::Postgres => {
                let url = server_url("RELQ_POSTGRES_URL");
                let mut client = postgres::Client::connect(&url, postgres::NoTls)
                    .unwrap_or_else(|e| panic!("postgres: {e}"));
                client
                    .batch_execute(&format!("SET search_path TO \"{name}\""))
                    .unwrap_or_else(|e| panic!("postgres: {e}"));
                Reader::Postgres(Box::new(client))
            }
            Server::MariaDb => {
                let url = server_url("RELQ_MYSQL_URL");
                let opts = mysql::Opts::from_url(&url).unwrap_or_else(|e| panic!("{e}"));
                let opts: mysql::Opts = mysql::OptsBuilder::from_opts(opts)
                    .db_name(Some(name))
                    .into();
                let conn = mysql::Conn::new(opts.clone()).unwrap_or_else(|e| panic!("{e}"));
                Reader::MariaDb(Box::new(conn), Box::new(SideConnections::new(opts)))
            }
        }
    }

    /// `f` with this reader's driver (MariaDB's with its side connections).
    fn with<T>(&mut self, f: impl FnOnce(&mut dyn Reading) -> T) -> T {
        match self {
            Reader::Sqlite(conn) => f(&mut SqliteDriver(conn)),
            Reader::Postgres(client) => f(&mut PostgresDriver::new(client)),
            Reader::MariaDb(conn, side) => {
                f(&mut MySqlDriver::new(conn).with_side_connections(side))
            }
        }
    }

    /// The reader's session set to read committed rows: each statement of a transaction
    /// sees what is committed when it starts, unless the transaction says otherwise.
    fn read_committed(&mut self) {
        match self {
            Reader::Sqlite(_) => {}
            Reader::Postgres(client) => client
                .batch_execute(
                    "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
                )
                .unwrap_or_else(|e| panic!("postgres: {e}")),
            Reader::MariaDb(conn, _) => {
                use mysql::prelude::Queryable;
                conn.query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                    .unwrap_or_else(|e| panic!("mariadb: {e}"));
            }
        }
    }

    /// Whether a transaction is open on the reader's own connection.
    fn in_transaction(&mut self) -> bool {
        match self {
            Reader::Sqlite(conn) => !conn.is_autocommit(),
            Reader::Postgres(client) => {
                // SAVEPOINT "can only be used in transaction blocks" (sql-savepoint.html).
                let open = client.batch_execute("SAVEPOINT relq_probe").is_ok();
                if open {
                    let _ = client.batch_execute("RELEASE SAVEPOINT relq_probe");
                }
                open
            }
            Reader::MariaDb(conn, _) => {
                use mysql::prelude::Queryable;
                let open: Option<i64> = conn
                    .query_first("SELECT @@in_transaction")
                    .unwrap_or_else(|e| panic!("{e}"));
                open == Some(1)
            }
        }
    }
}

/// A driver's reads, boxed over the three: fetch and fetch_with with a hook, the control
/// step by step, and a stream with a hook after its first root.
trait Reading {
    fn fetch_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        after: usize,
        hook: &mut dyn FnMut(),
    ) -> Fetched;
    /// The records `fetch_with` hands a `Records` visitor, `hook` called after the
    /// `after`-th statement.
    fn fetch_with_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        after: usize,
        hook: &mut dyn FnMut(),
    ) -> Vec<relq::Record>;
    fn steps_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        after: usize,
        hook: &mut dyn FnMut(),
    ) -> Fetched;
    /// The streamed roots, `hook` called after the first; `stop_after`: a `Break` then.
    fn stream_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        hook: &mut dyn FnMut(),
        stop_after: Option<usize>,
    ) -> Vec<relq::Record>;
}

impl<D: Driver> Reading for D {
    fn fetch_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        after: usize,
        hook: &mut dyn FnMut(),
    ) -> Fetched {
        let mut hooked = Hooked::new(self, after, hook);
        fetch(&mut hooked, compiled).unwrap_or_else(|e| panic!("{e}"))
    }

    fn fetch_with_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        after: usize,
        hook: &mut dyn FnMut(),
    ) -> Vec<relq::Record> {
        let mut hooked = Hooked::new(self, after, hook);
        let records = Records::new(&compiled.plan.extraction).unwrap_or_else(|e| panic!("{e}"));
        fetch_with(&mut hooked, compiled, records)
            .unwrap_or_else(|e| panic!("{e}"))
            .output
    }

    fn steps_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        after: usize,
        hook: &mut dyn FnMut(),
    ) -> Fetched {
        let mut hooked = Hooked::new(self, after, hook);
        step_by_step(&mut hooked, compiled)
    }

    fn stream_hooked(
        &mut self,
        compiled: &Compiled<'_>,
        hook: &mut dyn FnMut(),
        stop_after: Option<usize>,
    ) -> Vec<relq::Record> {
        let mut roots = Vec::new();
        let visitor = RecordStream::new(&compiled.plan.extraction, |root| {
            roots.push(root);
            if roots.len() == 1 {
                hook();
            }
            if Some(roots.len()) == stop_after {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
        stream(self, compiled, visitor).unwrap_or_else(|e| panic!("{e}"));
        roots
    }
}

/// The writer (the scratch namespace's own connection), the reader, and the SQLite
/// file to remove.
struct Setup {
    writer: Box<dyn std::ops::DerefMut<Target = Database>>,
    reader: Reader,
    file: Option<std::path::PathBuf>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        if let Some(file) = &self.file {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// The seeded tables on `server`, a writer and a reader connection; SQLite in a file
/// with `journal` (`WAL` or `DELETE`) and a writer that fails at once when locked.
fn setup(server: Server, purpose: &str, graph: &RelationGraph, journal: &str) -> Setup {
    let (mut writer, file): (Box<dyn std::ops::DerefMut<Target = Database>>, _) = match server {
        Server::Sqlite => {
            let file =
                std::env::temp_dir().join(format!("relq_{purpose}_{}.sqlite", std::process::id()));
            let _ = std::fs::remove_file(&file);
            let conn = rusqlite::Connection::open(&file).unwrap_or_else(|e| panic!("{e}"));
            conn.pragma_update(None, "journal_mode", journal)
                .unwrap_or_else(|e| panic!("{e}"));
            conn.busy_timeout(std::time::Duration::ZERO)
                .unwrap_or_else(|e| panic!("{e}"));
            let db = Database::sqlite(conn).unwrap_or_else(|e| panic!("{e}"));
            (Box::new(Box::new(db)), Some(file))
        }
        _ => (Box::new(scratch(server, purpose)), None),
    };
    writer
        .create_tables(graph)
        .unwrap_or_else(|e| panic!("{}: {e}", server.name()));
    seed(&mut writer, graph);
    let reader = Reader::connect(
        server,
        purpose,
        file.as_deref().unwrap_or(std::path::Path::new("")),
    );
    Setup {
        writer,
        reader,
        file,
    }
}

#[test]
fn a_split_read_sees_the_database_as_before_a_write_between_its_statements() {
    let graph = graph();
    for server in Server::ALL {
        let name = server.name();
        let mut s = setup(server, "snapshot_fetch", &graph, "WAL");
        let compiled = compiled(&graph, &s.writer, false);
        let before = json(
            s.reader.with(|r| r.fetch_hooked(&compiled, 0, &mut || {})),
            &compiled,
        );
        assert_eq!(category_1_names(&before), ["c1"], "{name}");
        // The write commits after the children's statement, before the pets'.
        let writer = &mut s.writer;
        let mut wrote = None;
        let mut hook = || wrote = Some(write(writer));
        let read = s.reader.with(|r| r.fetch_hooked(&compiled, 2, &mut hook));
        assert!(matches!(wrote, Some(Ok(()))), "{name}: {wrote:?}");
        assert_eq!(json(read, &compiled), before, "{name}");
        let after = json(
            s.reader.with(|r| r.fetch_hooked(&compiled, 0, &mut || {})),
            &compiled,
        );
        assert_ne!(after, before, "{name}");
        assert_eq!(category_1_names(&after), ["renamed"], "{name}");

        // fetch_with: the same write between its statements, the records before it.
        seed(&mut s.writer, &graph);
        let writer = &mut s.writer;
        let mut wrote = None;
        let mut hook = || wrote = Some(write(writer));
        let visited = s
            .reader
            .with(|r| r.fetch_with_hooked(&compiled, 2, &mut hook));
        assert!(matches!(wrote, Some(Ok(()))), "{name}: {wrote:?}");
        let visited = json(
            Fetched {
                answer: Answer::Records(visited),
                rows: 0,
            },
            &compiled,
        );
        assert_eq!(visited, before, "{name}");
        assert!(!s.reader.in_transaction(), "{name}");

        // The control: the same statements step by step, no snapshot, see a mix.
        seed(&mut s.writer, &graph);
        let writer = &mut s.writer;
        let mut wrote = None;
        let mut hook = || wrote = Some(write(writer));
        let mixed = json(
            s.reader.with(|r| r.steps_hooked(&compiled, 2, &mut hook)),
            &compiled,
        );
        assert!(matches!(wrote, Some(Ok(()))), "{name}: {wrote:?}");
        assert_eq!(category_1_names(&mixed), ["c1", "renamed"], "{name}");
        assert!(!s.reader.in_transaction(), "{name}");
    }
}

#[test]
fn a_split_read_keeps_its_snapshot_in_a_session_that_reads_committed_rows() {
    // MariaDB's `WITH CONSISTENT SNAPSHOT` holds only in REPEATABLE READ (MariaDB KB
    // "START TRANSACTION"); PostgreSQL's isolation is in relq's statement itself.
    let graph = graph();
    for server in [Server::Postgres, Server::MariaDb] {
        let name = server.name();
        let mut s = setup(server, "snapshot_committed", &graph, "WAL");
        let compiled = compiled(&graph, &s.writer, false);
        s.reader.read_committed();
        let before = json(
            s.reader.with(|r| r.fetch_hooked(&compiled, 0, &mut || {})),
            &compiled,
        );
        let writer = &mut s.writer;
        let mut wrote = None;
        let mut hook = || wrote = Some(write(writer));
        let read = s.reader.with(|r| r.fetch_hooked(&compiled, 2, &mut hook));
        assert!(matches!(wrote, Some(Ok(()))), "{name}: {wrote:?}");
        assert_eq!(json(read, &compiled), before, "{name}");
        assert!(!s.reader.in_transaction(), "{name}");
    }
}

#[test]
fn on_sqlite_with_a_rollback_journal_a_write_cannot_commit_while_a_read_runs() {
    let graph = graph();
    let mut s = setup(Server::Sqlite, "snapshot_journal", &graph, "DELETE");
    let compiled = compiled(&graph, &s.writer, false);
    let before = json(
        s.reader.with(|r| r.fetch_hooked(&compiled, 0, &mut || {})),
        &compiled,
    );
    let writer = &mut s.writer;
    let mut wrote = None;
    let mut hook = || wrote = Some(write(writer));
    let read = s.reader.with(|r| r.fetch_hooked(&compiled, 2, &mut hook));
    let refused = match wrote {
        Some(Err(e)) => e.to_string(),
        other => panic!("the write should wait for the read: {other:?}"),
    };
    assert!(refused.contains("locked"), "{refused}");
    assert_eq!(json(read, &compiled), before);
    // Without the read's snapshot the same write commits between the statements.
    let writer = &mut s.writer;
    let mut wrote = None;
    let mut hook = || wrote = Some(write(writer));
    let mixed = json(
        s.reader.with(|r| r.steps_hooked(&compiled, 2, &mut hook)),
        &compiled,
    );
    assert!(matches!(wrote, Some(Ok(()))), "{wrote:?}");
    assert_eq!(category_1_names(&mixed), ["c1", "renamed"]);
}

#[test]
fn a_stream_sees_the_database_as_before_a_write_made_while_it_reads() {
    let graph = graph();
    for server in Server::ALL {
        let name = server.name();
        let mut s = setup(server, "snapshot_stream", &graph, "WAL");
        let keyed = compiled(&graph, &s.writer, false);
        let semi_join = compiled(&graph, &s.writer, true);
        let records = |f: Fetched| f.answer.into_records().unwrap_or_else(|e| panic!("{e}"));
        let before = records(s.reader.with(|r| r.fetch_hooked(&keyed, 0, &mut || {})));
        let writer = &mut s.writer;
        let mut wrote = None;
        let mut hook = || wrote = Some(write(writer));
        let streamed = s
            .reader
            .with(|r| r.stream_hooked(&semi_join, &mut hook, None));
        assert!(matches!(wrote, Some(Ok(()))), "{name}: {wrote:?}");
        assert_eq!(streamed, before, "{name}");
        // The next stream (MariaDB: on the same side connections) sees the write.
        let after = records(s.reader.with(|r| r.fetch_hooked(&keyed, 0, &mut || {})));
        assert_ne!(after, before, "{name}");
        let streamed = s
            .reader
            .with(|r| r.stream_hooked(&semi_join, &mut || {}, None));
        assert_eq!(streamed, after, "{name}");
        // A visitor's Break ends the snapshot too.
        let first = s
            .reader
            .with(|r| r.stream_hooked(&semi_join, &mut || {}, Some(1)));
        assert_eq!(first.len(), 1, "{name}");
        assert!(!s.reader.in_transaction(), "{name}");
    }
}

#[test]
fn inside_the_callers_transaction_a_read_opens_and_ends_none() {
    let graph = graph();
    for server in Server::ALL {
        let name = server.name();
        let mut s = setup(server, "snapshot_callers", &graph, "WAL");
        let db = &mut s.writer;
        let compiled = compiled(&graph, db, false);
        // Whether `fetch` reads the pet named "new", and fetch_with the same records.
        let pets = |db: &mut Database| {
            let fetched = db
                .fetch(&compiled)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let records = Records::new(&compiled.plan.extraction).unwrap_or_else(|e| panic!("{e}"));
            let visited = db
                .fetch_with(&compiled, records)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(Answer::Records(visited.output), fetched.answer, "{name}");
            json(fetched, &compiled).to_string().contains("\"new\"")
        };
        db.begin().unwrap_or_else(|e| panic!("{name}: {e}"));
        db.run(
            "INSERT INTO pets (id, name, parent_id, category_id) VALUES (4, 'new', 1, 1)",
            &[],
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(pets(db), "{name}: the caller's own write is read");
        assert_eq!(db.transaction_depth(), 1, "{name}");
        db.rollback().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!pets(db), "{name}: the caller's rollback undid it");
    }
}
