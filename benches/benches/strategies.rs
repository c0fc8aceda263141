//! Load strategies end to end (issue 7, item 5): each sample query run through
//! `relq::Database::fetch` with the `joined`, `split` and `auto` strategies, beside its
//! floor: the same compiled statements run with the bare driver (rusqlite, postgres,
//! mysql), every value read into plain vectors, no rebuild.
//!
//! Databases: SQLite (a file in the temporary directory), PostgreSQL and MariaDB (the
//! servers of `RELQ_POSTGRES_URL` and `RELQ_MYSQL_URL`; a missing URL fails the run). Each
//! sample is loaded (`relq_sample::generate(sample, scale, 1)`, `relq_sample::load`) into
//! a fresh SQLite file, PostgreSQL schema or MariaDB database, dropped after.
//!
//! Queries (criterion ids `strategies/DATABASE/QUERY/sSCALE` then `STRATEGY` or
//! `floor_STRATEGY`):
//! - `school`: the seed query, `SchoolClass` with `teachers__category` and
//!   `students__category`;
//! - `page`: the first 10 classes by name with their students;
//! - `blog`: `Post` with `author` and `categories` (many-to-many);
//! - `person`: `Person` with `supervisor` and `employees__employees` (the tree).
//!
//! Run: `bash scripts/bench.sh` (starts the servers when they are not running), or with
//! the servers' URLs set, `cargo bench -p relq-benches --bench strategies`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use relq::{Compiled, Database, OrderBy, Query, RelationGraph, Strategy, Value, compile};
use relq_sample::{Sample, generate, load};

/// The scales every query runs at (school at 10: 1 000 classes, 27 000 students).
const SCALES: [u32; 2] = [1, 10];
/// The generator's seed.
const SEED: u64 = 1;

/// One benchmarked query: its name in the criterion id, its sample and the query.
struct Case {
    name: &'static str,
    sample: Sample,
    query: fn() -> Query,
}

const CASES: [Case; 4] = [
    Case {
        name: "school",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("teachers__category")
                .select_related("students__category")
        },
    },
    Case {
        name: "page",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("students")
                .order_by(OrderBy::new("name"))
                .limit(10)
        },
    },
    Case {
        name: "blog",
        sample: Sample::Blog,
        query: || {
            Query::new("Post")
                .select_related("author")
                .select_related("categories")
        },
    },
    Case {
        name: "person",
        sample: Sample::Person,
        query: || {
            Query::new("Person")
                .select_related("supervisor")
                .select_related("employees__employees")
        },
    },
];

/// The three databases.
#[derive(Clone, Copy)]
enum Server {
    Sqlite,
    Postgres,
    MariaDb,
}

impl Server {
    const ALL: [Server; 3] = [Server::Sqlite, Server::Postgres, Server::MariaDb];

    fn name(self) -> &'static str {
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
struct Loaded {
    db: Database,
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
    fn new(server: Server, sample: Sample, scale: u32) -> Loaded {
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
        Loaded {
            db,
            bare,
            namespace,
            file,
        }
    }

    /// Runs `compiled`'s statements with the bare driver; every value of every row, in
    /// the driver's own value type (PostgreSQL: `Value`, as it has none).
    fn floor(&mut self, compiled: &Compiled<'_>) -> usize {
        let mut rows = 0;
        for statement in &compiled.statements {
            rows += match &mut self.bare {
                Bare::Sqlite(conn) => black_box(sqlite_rows(conn, statement)).len(),
                Bare::Postgres(client) => black_box(postgres_rows(client, statement)).len(),
                Bare::MariaDb(conn) => black_box(mariadb_rows(conn, statement)).len(),
            };
        }
        rows
    }
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

/// The one parameter type the benchmarked queries bind (the page's `LIMIT`).
fn int_param(value: &Value) -> i64 {
    match value {
        Value::Int(i) => *i,
        other => panic!("the benchmarked queries bind integers only, not {other:?}"),
    }
}

fn sqlite_rows(
    conn: &rusqlite::Connection,
    statement: &relq::Statement<'_>,
) -> Vec<Vec<rusqlite::types::Value>> {
    let mut prepared = conn.prepare(&statement.sql).expect("SQLite prepares");
    let width = prepared.column_count();
    let params = rusqlite::params_from_iter(statement.params.iter().map(int_param));
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

fn postgres_rows(
    client: &mut postgres::Client,
    statement: &relq::Statement<'_>,
) -> Vec<Vec<Value>> {
    use postgres::types::Type;
    let prepared = client.prepare(&statement.sql).expect("PostgreSQL prepares");
    let params: Vec<i64> = statement.params.iter().map(int_param).collect();
    let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| p as _).collect();
    let rows = client.query(&prepared, &refs).expect("PostgreSQL runs");
    rows.iter()
        .map(|row| {
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
                .collect()
        })
        .collect()
}

fn mariadb_rows(conn: &mut mysql::Conn, statement: &relq::Statement<'_>) -> Vec<Vec<mysql::Value>> {
    use mysql::prelude::Queryable;
    let prepared = conn.prep(&statement.sql).expect("MariaDB prepares");
    let params: Vec<mysql::Value> = statement
        .params
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

fn compiled<'g>(graph: &'g RelationGraph, query: Query, db: &Database) -> Compiled<'g> {
    compile(graph, &query, db.dialect()).expect("the benchmarked queries compile")
}

fn strategies(c: &mut Criterion, server: Server, scale: u32) {
    for sample in [Sample::School, Sample::Blog, Sample::Person] {
        let graph = sample.graph().expect("the shipped samples build");
        let mut loaded = Loaded::new(server, sample, scale);
        for case in CASES.iter().filter(|case| case.sample == sample) {
            let mut group = c.benchmark_group(format!(
                "strategies/{}/{}/s{scale}",
                server.name(),
                case.name
            ));
            group.sample_size(10);
            for (name, strategy) in [
                ("joined", Strategy::Joined),
                ("split", Strategy::Split),
                ("auto", Strategy::Auto),
            ] {
                let compiled = compiled(&graph, (case.query)().strategy(strategy), &loaded.db);
                let rows = loaded.floor(&compiled);
                let fetched = loaded.db.fetch(&compiled).expect("relq fetches");
                assert_eq!(fetched.rows, rows, "relq and the driver read the same rows");
                println!(
                    "{} {} s{scale} {name}: {rows} rows in {} statements",
                    server.name(),
                    case.name,
                    compiled.statements.len()
                );
                group.bench_function(name, |b| {
                    b.iter(|| loaded.db.fetch(black_box(&compiled)).expect("relq fetches"));
                });
                group.bench_function(format!("floor_{name}"), |b| {
                    b.iter(|| loaded.floor(black_box(&compiled)));
                });
            }
            group.finish();
        }
    }
}

// What `criterion_group!` / `criterion_main!` expand to, without their undocumented
// `pub fn` (the workspace denies missing docs).
fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    for scale in SCALES {
        for server in Server::ALL {
            strategies(&mut c, server, scale);
        }
    }
    c.final_summary();
}
