//! Load strategies end to end (issue 7, item 5): each sample query run through
//! `relq::Database::fetch` with the `joined` strategy and the `split` strategy in both of
//! its forms (`split_semijoin`: each list statement re-selects the roots;
//! `split_keys`: it binds the root keys the root statement returned, in `IN` lists),
//! beside its floor: the same compiled statements run with the bare driver (rusqlite,
//! postgres, mysql), every value read into plain vectors, no rebuild.
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
//! - `filter`: the classes with a student of one of the first 3 categories (a filter
//!   across the to-many relation), with their students;
//! - `filter_page`: the first 10 of those by name;
//! - `blog`: `Post` with `author` and `categories` (many-to-many);
//! - `person`: `Person` with `supervisor` and `employees__employees` (the tree).
//!
//! Run: `bash scripts/bench.sh` (starts the servers when they are not running), or with
//! the servers' URLs set, `cargo bench -p relq-benches --bench strategies`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::Criterion;
use relq::plan::{SplitRoots, plan};
use relq::sql::compile_plan;
use relq::{Compiled, Database, Filter, OrderBy, Query, RelationGraph, Strategy, Value, compile};
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

const CASES: [Case; 6] = [
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
        name: "filter",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("students")
                .filter(Filter::new("students__category__id__lte", 3))
        },
    },
    Case {
        name: "filter_page",
        sample: Sample::School,
        query: || {
            Query::new("SchoolClass")
                .select_related("students")
                .filter(Filter::new("students__category__id__lte", 3))
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

    /// Runs `compiled`'s statements with the bare driver (a statement binding the root
    /// keys once per chunk of the keys statement 0 read); every value of every row, in
    /// the driver's own value type (PostgreSQL: `Value`, as it has none).
    fn floor(&mut self, compiled: &Compiled<'_>) -> usize {
        let plan = &compiled.plan.extraction;
        let key_at = plan.statements.first().and_then(|s| {
            let pk = plan.nodes.first()?.pk;
            s.columns.iter().position(|&p| p == pk)
        });
        let mut rows = 0;
        let mut keys = Vec::new();
        for (index, statement) in compiled.statements.iter().enumerate() {
            let key_at = key_at.filter(|_| index == 0);
            for run in statement.runs(&keys) {
                let (sql, params) = (&*run.sql, &*run.params);
                let read: Vec<Option<i64>> = match &mut self.bare {
                    Bare::Sqlite(conn) => {
                        let read = black_box(sqlite_rows(conn, sql, params));
                        rows += read.len();
                        key_at.map_or_else(Vec::new, |at| {
                            read.iter()
                                .map(|r| match r.get(at) {
                                    Some(rusqlite::types::Value::Integer(i)) => Some(*i),
                                    _ => None,
                                })
                                .collect()
                        })
                    }
                    Bare::Postgres(client) => {
                        let read = black_box(postgres_rows(client, sql, params));
                        rows += read.len();
                        key_at.map_or_else(Vec::new, |at| {
                            read.iter()
                                .map(|r| match r.get(at) {
                                    Some(Value::Int(i)) => Some(*i),
                                    _ => None,
                                })
                                .collect()
                        })
                    }
                    Bare::MariaDb(conn) => {
                        let read = black_box(mariadb_rows(conn, sql, params));
                        rows += read.len();
                        key_at.map_or_else(Vec::new, |at| {
                            read.iter()
                                .map(|r| match r.get(at) {
                                    Some(mysql::Value::Int(i)) => Some(*i),
                                    _ => None,
                                })
                                .collect()
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
fn compiled<'g>(
    graph: &'g RelationGraph,
    query: Query,
    db: &Database,
    roots: Option<SplitRoots>,
) -> Compiled<'g> {
    let compiled = match roots {
        None => compile(graph, &query, db.dialect()),
        Some(roots) => plan(graph, &query).and_then(|mut plan| {
            plan.split_roots = roots;
            compile_plan(graph, plan, db.dialect())
        }),
    };
    compiled.expect("the benchmarked queries compile")
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
            for (name, strategy, roots) in [
                ("joined", Strategy::Joined, None),
                (
                    "split_semijoin",
                    Strategy::Split,
                    Some(SplitRoots::SemiJoin),
                ),
                ("split_keys", Strategy::Split, Some(SplitRoots::Keys)),
            ] {
                let query = (case.query)().strategy(strategy);
                let compiled = compiled(&graph, query, &loaded.db, roots);
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
