//! What the load-strategy benches share (`strategies.rs` times, `strategies_memory.rs`
//! measures peak heap): the databases, a sample loaded into a fresh namespace of one, and
//! the floor (the compiled statements run with the bare driver, every value read into
//! plain vectors), and the loads compared (each strategy; split in both of its forms).

use std::hint::black_box;
use std::path::PathBuf;

use relq::plan::{ListRoots, PlanOptions};
use relq::sql::compile_with;
use relq::{Compiled, Database, Query, RelationGraph, Strategy, Value};
use relq_benches::SEED;
use relq_sample::{Sample, generate, load};

/// The scales every query runs at (school at 10: 1 000 classes, 27 000 students).
pub(crate) const SCALES: [u32; 2] = [1, 10];

/// The loads compared, by their name in the criterion id: each strategy, and split in both
/// of its forms whatever its rule would pick (`split_semijoin`: each list statement
/// re-selects the roots; `split_keys`: it binds the root keys the root statement read).
pub(crate) const LOADS: [(&str, Strategy, Option<ListRoots>); 5] = [
    ("joined", Strategy::Joined, None),
    ("split_semijoin", Strategy::Split, Some(ListRoots::SemiJoin)),
    ("split_keys", Strategy::Split, Some(ListRoots::Keys)),
    ("json", Strategy::Json, None),
    ("auto", Strategy::Auto, None),
];

/// The three databases.
#[derive(Clone, Copy)]
pub(crate) enum Server {
    Sqlite,
    Postgres,
    MariaDb,
}

impl Server {
    pub(crate) const ALL: [Server; 3] = [Server::Sqlite, Server::Postgres, Server::MariaDb];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Server::Sqlite => "sqlite",
            Server::Postgres => "postgres",
            Server::MariaDb => "mariadb",
        }
    }
}

/// The bare driver's connection, beside relq's own to the same tables.
enum Bare {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
    MariaDb(Box<mysql::Conn>),
}

/// One sample loaded at one scale into a fresh namespace: relq's connection, the bare
/// driver's, and what removes the namespace on drop.
pub(crate) struct Loaded {
    /// relq's connection.
    pub(crate) db: Database,
    bare: Bare,
    namespace: String,
    file: Option<PathBuf>,
}

fn server_url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run `bash scripts/bench.sh`, which starts the servers")
    })
}

impl Loaded {
    pub(crate) fn new(server: Server, sample: Sample, scale: u32) -> Loaded {
        let namespace = format!(
            "relq_bench_{}_{scale}_{}",
            sample.name(),
            std::process::id()
        );
        let (mut db, bare, file) = match server {
            Server::Sqlite => {
                let path = std::env::temp_dir().join(format!("{namespace}.db"));
                // A file left by an interrupted run: start empty.
                let _ = std::fs::remove_file(&path);
                let bare = rusqlite::Connection::open(&path).expect("SQLite creates the file");
                let db = Database::open(&format!("sqlite:{}", path.display()))
                    .expect("relq opens the SQLite file");
                (db, Bare::Sqlite(bare), Some(path))
            }
            Server::Postgres => {
                let url = server_url("RELQ_POSTGRES_URL");
                let mut bare =
                    postgres::Client::connect(&url, postgres::NoTls).expect("PostgreSQL connects");
                bare.batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS \"{namespace}\" CASCADE; CREATE SCHEMA \"{namespace}\"; \
                     SET search_path TO \"{namespace}\""
                ))
                .expect("a fresh schema");
                let mut db = Database::open(&url).expect("relq opens PostgreSQL");
                db.run(&format!("SET search_path TO \"{namespace}\""), &[])
                    .expect("the schema in use");
                (db, Bare::Postgres(Box::new(bare)), None)
            }
            Server::MariaDb => {
                let url = server_url("RELQ_MYSQL_URL");
                let opts = mysql::Opts::from_url(&url).expect("a MariaDB URL");
                let mut bare = mysql::Conn::new(opts).expect("MariaDB connects");
                use mysql::prelude::Queryable;
                for sql in [
                    format!("DROP DATABASE IF EXISTS `{namespace}`"),
                    format!("CREATE DATABASE `{namespace}`"),
                    format!("USE `{namespace}`"),
                ] {
                    bare.query_drop(&sql).expect("a fresh database");
                }
                let mut db = Database::open(&url).expect("relq opens MariaDB");
                db.run(&format!("USE `{namespace}`"), &[])
                    .expect("the database in use");
                (db, Bare::MariaDb(Box::new(bare)), None)
            }
        };
        let data = generate(sample, scale, SEED).expect("the sample generates");
        load(&mut db, &data).expect("the sample loads");
        let mut loaded = Loaded {
            db,
            bare,
            namespace,
            file,
        };
        loaded.analyze(sample);
        loaded
    }

    /// Gathers the planner's statistics on the loaded tables, as after any bulk load
    /// (PostgreSQL manual, "Populating a Database": run `ANALYZE` afterwards), so every
    /// benchmark runs on plans made for the data, not on whatever the server's
    /// background statistics (PostgreSQL's autovacuum) had reached when it started.
    fn analyze(&mut self, sample: Sample) {
        let graph = sample.graph().expect("the shipped samples build");
        for model in graph.models() {
            let table = model.table();
            let done = match &mut self.bare {
                Bare::Sqlite(conn) => conn
                    .execute_batch(&format!("ANALYZE \"{table}\""))
                    .map_err(|e| e.to_string()),
                Bare::Postgres(client) => client
                    .batch_execute(&format!("ANALYZE \"{table}\""))
                    .map_err(|e| e.to_string()),
                Bare::MariaDb(conn) => {
                    use mysql::prelude::Queryable;
                    conn.query_drop(format!("ANALYZE TABLE `{table}`"))
                        .map_err(|e| e.to_string())
                }
            };
            done.unwrap_or_else(|e| panic!("analyzing {table}: {e}"));
        }
    }

    /// Runs `compiled`'s statements with the bare driver (a statement binding the root
    /// keys once per chunk of the keys statement 0 read); every value of every row, in
    /// the driver's own value type (PostgreSQL: `Value`, as it has none).
    pub(crate) fn floor(&mut self, compiled: &Compiled<'_>) -> usize {
        let plan = &compiled.plan.extraction;
        let key_at = plan.statements.first().and_then(|s| {
            let pk = plan.nodes.first()?.pk;
            s.columns.iter().position(|&p| p == pk)
        });
        let mut rows = 0;
        let mut keys = Vec::new();
        for index in 0..compiled.statements.len() {
            let key_at = key_at.filter(|_| index == 0);
            for run in compiled.runs(index, &keys) {
                let (sql, params) = (&*run.sql, &*run.params);
                // The root keys as integers (the samples' keys are), when they are needed.
                let read: Vec<Option<i64>> = match &mut self.bare {
                    Bare::Sqlite(conn) => {
                        let read = black_box(sqlite_rows(conn, sql, params));
                        rows += read.len();
                        column(&read, key_at, |v| match v {
                            rusqlite::types::Value::Integer(i) => Some(*i),
                            _ => None,
                        })
                    }
                    Bare::Postgres(client) => {
                        let read = black_box(postgres_rows(client, sql, params));
                        rows += read.len();
                        column(&read, key_at, |v| match v {
                            Value::Int(i) => Some(*i),
                            _ => None,
                        })
                    }
                    Bare::MariaDb(conn) => {
                        let read = black_box(mariadb_rows(conn, sql, params));
                        rows += read.len();
                        column(&read, key_at, |v| match v {
                            mysql::Value::Int(i) => Some(*i),
                            _ => None,
                        })
                    }
                };
                let read: Option<Vec<i64>> = read.into_iter().collect();
                keys.extend(
                    read.expect("the samples' keys are integers")
                        .into_iter()
                        .map(Value::Int),
                );
            }
        }
        rows
    }
}

/// The integer at `at` of every row (nothing without `at`).
fn column<V>(
    rows: &[Vec<V>],
    at: Option<usize>,
    int: impl Fn(&V) -> Option<i64>,
) -> Vec<Option<i64>> {
    let Some(at) = at else {
        return Vec::new();
    };
    rows.iter().map(|r| r.get(at).and_then(&int)).collect()
}

impl Drop for Loaded {
    fn drop(&mut self) {
        let namespace = &self.namespace;
        let dropped = match &mut self.bare {
            Bare::Sqlite(_) => Ok(()),
            Bare::Postgres(client) => client
                .batch_execute(&format!("DROP SCHEMA \"{namespace}\" CASCADE"))
                .map_err(|e| e.to_string()),
            Bare::MariaDb(conn) => {
                use mysql::prelude::Queryable;
                conn.query_drop(format!("DROP DATABASE `{namespace}`"))
                    .map_err(|e| e.to_string())
            }
        };
        if let Err(e) = dropped {
            eprintln!("dropping {namespace}: {e}");
        }
        if let Some(path) = &self.file {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The one parameter type the benchmarked queries bind (the page's `LIMIT`, the filter's
/// value, the root keys).
fn int_param(value: &Value) -> i64 {
    match value {
        Value::Int(i) => *i,
        other => panic!("the benchmarked queries bind integers only, not {other:?}"),
    }
}

fn sqlite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Vec<Vec<rusqlite::types::Value>> {
    let mut prepared = conn.prepare(sql).expect("SQLite prepares");
    let width = prepared.column_count();
    let params = rusqlite::params_from_iter(params.iter().map(int_param));
    let mut rows = prepared.query(params).expect("SQLite runs");
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("SQLite reads") {
        out.push(
            (0..width)
                .map(|i| row.get(i).expect("a SQLite value"))
                .collect(),
        );
    }
    out
}

fn postgres_rows(client: &mut postgres::Client, sql: &str, params: &[Value]) -> Vec<Vec<Value>> {
    use postgres::fallible_iterator::FallibleIterator;
    use postgres::types::Type;
    let prepared = client.prepare(sql).expect("PostgreSQL prepares");
    // Each integer as the type the server reports for its placeholder (a key `INT4`).
    let params: Vec<Box<dyn postgres::types::ToSql + Sync>> = params
        .iter()
        .zip(prepared.params())
        .map(|(p, ty)| -> Box<dyn postgres::types::ToSql + Sync> {
            let value = int_param(p);
            if *ty == Type::INT4 {
                Box::new(i32::try_from(value).expect("an INT4 value"))
            } else {
                Box::new(value)
            }
        })
        .collect();
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
        params.iter().map(|p| &**p as _).collect();
    // Streamed as relq's executor reads them (`query_raw`), each row converted as it
    // arrives: collecting the driver's rows first would make the floor slower than relq.
    let mut rows = client
        .query_raw(&prepared, refs.iter().copied())
        .expect("PostgreSQL runs");
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("PostgreSQL reads") {
        out.push(
            row.columns()
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let ty = column.type_();
                    let value = if *ty == Type::INT8 {
                        row.get::<_, Option<i64>>(i).map(Value::Int)
                    } else if *ty == Type::INT4 {
                        row.get::<_, Option<i32>>(i).map(|v| Value::Int(v.into()))
                    } else {
                        row.get::<_, Option<String>>(i).map(Value::Text)
                    };
                    value.unwrap_or(Value::Null)
                })
                .collect(),
        );
    }
    out
}

fn mariadb_rows(conn: &mut mysql::Conn, sql: &str, params: &[Value]) -> Vec<Vec<mysql::Value>> {
    use mysql::prelude::Queryable;
    let prepared = conn.prep(sql).expect("MariaDB prepares");
    let params: Vec<mysql::Value> = params
        .iter()
        .map(|p| mysql::Value::Int(int_param(p)))
        .collect();
    let params = if params.is_empty() {
        mysql::Params::Empty
    } else {
        mysql::Params::Positional(params)
    };
    let result = conn.exec_iter(&prepared, params).expect("MariaDB runs");
    result
        .map(|row| row.expect("MariaDB reads").unwrap())
        .collect()
}

/// `query` compiled for `db`; with `roots`, the split strategy's statements after the
/// root's select their roots that way whatever the plan's rule says.
pub(crate) fn compiled<'g>(
    graph: &'g RelationGraph,
    query: Query,
    db: &Database,
    roots: Option<ListRoots>,
) -> Compiled<'g> {
    let options = PlanOptions { list_roots: roots };
    compile_with(graph, &query, db.dialect(), &options).expect("the benchmarked queries compile")
}
