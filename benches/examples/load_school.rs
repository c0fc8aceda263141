//! Loads the school sample into a namespace of its own on PostgreSQL or MariaDB, for
//! `benches/stream/run.sh`: `load_school URL SCALE NAMESPACE`, e.g. `load_school
//! "$RELQ_POSTGRES_URL" 10 relq_stream_s10`. URL is the server's (`postgres://...` or
//! `mysql://...`); NAMESPACE becomes a schema (PostgreSQL) or a database (MariaDB: the
//! test user may create `relq_*` ones). The rows are `relq demo`'s (seed 42), so the
//! servers hold what `relq demo --scale SCALE` writes to `school.db`.
//!
//! When the namespace already holds every table with the generated number of rows, it is
//! kept; otherwise it is dropped, created, loaded (`relq_sample::load`) and its tables
//! analyzed. Prints one line, the URL that reaches the namespace: PostgreSQL's with
//! `?options=-csearch_path%3DNAMESPACE` (read by the `postgres` crate's URL parser, so
//! `relq` and the bare driver both see the schema), MariaDB's with the database as path.

use relq::{Answer, Database, Query, Terminal, compile};
use relq_sample::{Dataset, Sample, generate, load};

/// `relq demo`'s seed (crates/cli/src/demo.rs): the same rows as its SQLite files.
const DEMO_SEED: u64 = 42;

/// The URL `url` with its path (the database) replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let path = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    format!("{}/{database}", &url[..path])
}

/// Whether `db` already holds every table of `data` with as many rows (a `count` query
/// per model of the sample's own schema, whose table names are the loaded ones).
fn holds(db: &mut Database, data: &Dataset) -> bool {
    let graph = data.sample.graph().expect("the shipped samples build");
    data.tables.iter().all(|table| {
        let query = Query::new(table.model.as_str()).terminal(Terminal::Count);
        let Ok(compiled) = compile(&graph, &query, db.dialect()) else {
            return false;
        };
        let expected = table.rows.len() as u64;
        matches!(db.fetch(&compiled), Ok(f) if matches!(f.answer, Answer::Count(n) if n == expected))
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, scale, namespace] = args.as_slice() else {
        panic!("usage: load_school URL SCALE NAMESPACE");
    };
    let scale: u32 = scale.parse().expect("a scale");
    assert!(
        namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "a namespace of letters, digits and `_`"
    );
    let data = generate(Sample::School, scale, DEMO_SEED).expect("the sample generates");
    let (target, quote) = if url.starts_with("postgres") {
        let separator = if url.contains('?') { '&' } else { '?' };
        (
            format!("{url}{separator}options=-csearch_path%3D{namespace}"),
            '"',
        )
    } else if url.starts_with("mysql://") {
        (with_database(url, namespace), '`')
    } else {
        panic!("a postgres:// or mysql:// URL, not {url}");
    };
    if let Ok(mut db) = Database::open(&target)
        && holds(&mut db, &data)
    {
        println!("{target}");
        return;
    }
    let mut admin = Database::open(url).expect("the server answers");
    let fresh: &[String] = if quote == '"' {
        &[
            format!("DROP SCHEMA IF EXISTS \"{namespace}\" CASCADE"),
            format!("CREATE SCHEMA \"{namespace}\""),
        ]
    } else {
        &[
            format!("DROP DATABASE IF EXISTS `{namespace}`"),
            format!("CREATE DATABASE `{namespace}`"),
        ]
    };
    for sql in fresh {
        admin.run(sql, &[]).expect("a fresh namespace");
    }
    drop(admin);
    let mut db = Database::open(&target).expect("the namespace opens");
    let started = std::time::Instant::now();
    let rows = load(&mut db, &data).expect("the sample loads");
    let graph = Sample::School.graph().expect("the shipped samples build");
    for model in graph.models() {
        let analyze = if quote == '"' {
            format!("ANALYZE \"{}\"", model.table())
        } else {
            format!("ANALYZE TABLE `{}`", model.table())
        };
        db.run(&analyze, &[]).expect("the table is analyzed");
    }
    eprintln!(
        "load_school: {rows} rows into {namespace} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    println!("{target}");
}
