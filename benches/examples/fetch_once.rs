//! Fetches of one load-strategy query on SQLite, for `valgrind --tool=callgrind
//! --toggle-collect='*measured*'` (or `perf record`): `fetch_once QUERY STRATEGY SCALE
//! [TIMES]`, e.g. `fetch_once blog split 10`. QUERY is one of the strategies bench's
//! (`school`, `page`, `blog`, `person`), STRATEGY `joined`, `split`, `floor_joined` or
//! `floor_split` (the bare driver reading that strategy's rows into plain vectors); the
//! sample is first loaded into a SQLite file in the temporary directory (not measured).
//! Prints the rows, the mean time of a fetch and the statements.

use std::hint::black_box;

use relq::{Compiled, Database, Strategy, compile};
use relq_benches::{CASES, SEED};
use relq_sample::{generate, load};

#[inline(never)]
fn measured_fetch(db: &mut Database, compiled: &Compiled<'_>) -> usize {
    db.fetch(compiled).expect("relq fetches").rows
}

#[inline(never)]
fn measured_floor(conn: &rusqlite::Connection, compiled: &Compiled<'_>) -> usize {
    let mut rows = 0;
    for statement in &compiled.statements {
        let mut prepared = conn.prepare(&statement.sql).expect("SQLite prepares");
        let width = prepared.column_count();
        let mut read = prepared.query([]).expect("SQLite runs");
        let mut out: Vec<Vec<rusqlite::types::Value>> = Vec::new();
        while let Some(row) = read.next().expect("SQLite reads") {
            out.push((0..width).map(|i| row.get(i).expect("a value")).collect());
        }
        rows += black_box(out).len();
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    let (name, strategy) = (arg(1, "blog"), arg(2, "split"));
    let scale: u32 = arg(3, "10").parse().expect("a scale");
    let times: usize = arg(4, "1").parse().expect("a count");
    let case = CASES
        .iter()
        .find(|c| c.name == name)
        .expect("school, page, blog or person");
    let path = std::env::temp_dir().join(format!("relq_fetch_once_{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    // rusqlite creates the file; relq opens an existing one.
    let conn = rusqlite::Connection::open(&path).expect("SQLite creates the file");
    let url = format!("sqlite:{}", path.display());
    let mut db = Database::open(&url).expect("SQLite opens");
    let data = generate(case.sample, scale, SEED).expect("the sample generates");
    load(&mut db, &data).expect("the sample loads");
    let graph = case.sample.graph().expect("the shipped samples build");
    let (floor, chosen) = match strategy.as_str() {
        "joined" => (false, Strategy::Joined),
        "split" => (false, Strategy::Split),
        "floor_joined" => (true, Strategy::Joined),
        "floor_split" => (true, Strategy::Split),
        other => panic!("joined, split, floor_joined or floor_split, not {other}"),
    };
    let query = (case.query)().strategy(chosen);
    let compiled = compile(&graph, &query, db.dialect()).expect("the query compiles");
    let mut rows = 0;
    let start = std::time::Instant::now();
    for _ in 0..times {
        rows = if floor {
            measured_floor(&conn, &compiled)
        } else {
            measured_fetch(&mut db, &compiled)
        };
    }
    let each = start.elapsed() / u32::try_from(times.max(1)).unwrap_or(u32::MAX);
    println!("{name} {strategy} s{scale}: {rows} rows, {each:?} a fetch");
    for statement in &compiled.statements {
        println!("  {}", statement.sql);
    }
    drop(db);
    let _ = std::fs::remove_file(&path);
}
