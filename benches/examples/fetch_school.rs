//! The library's records path for `benches/stream/run.sh`: `fetch_school URL STRATEGY
//! [TIMES]` opens URL (`sqlite:PATH`, `postgres://...`, `mysql://...`) and introspects
//! it as `relq query` does, compiles the seeds' school query (`schoolclasses` with
//! `teachers__category` and `students__category`) with STRATEGY (`joined`, `split`,
//! `auto`, `json`), then runs `Database::fetch` TIMES times (default 5), each fetch's
//! `Record`s dropped before the next. Only the fetch is timed (statements run, rows read,
//! records rebuilt; not the drop). Prints one line: `rows ROWS records RECORDS median_ms
//! MEDIAN min_ms MIN`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use relq::rows::Record;
use relq::{Compiled, Database, Query, Strategy, compile};

#[inline(never)]
fn measured_fetch(db: &mut Database, compiled: &Compiled<'_>) -> (Duration, usize, Vec<Record>) {
    let start = Instant::now();
    let fetched = db.fetch(compiled).expect("relq fetches");
    let records = fetched.answer.into_records().expect("records");
    (start.elapsed(), fetched.rows, black_box(records))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(strategy)) = (args.get(1), args.get(2)) else {
        panic!("usage: fetch_school URL STRATEGY [TIMES]");
    };
    let times: usize = args.get(3).map_or(5, |t| t.parse().expect("a count"));
    let strategy = match strategy.as_str() {
        "joined" => Strategy::Joined,
        "split" => Strategy::Split,
        "auto" => Strategy::Auto,
        "json" => Strategy::Json,
        other => panic!("joined, split, auto or json, not {other}"),
    };
    let mut db = Database::open(url).expect("the database opens");
    let graph = db
        .introspect()
        .expect("introspects")
        .build()
        .expect("the schema builds");
    let query = Query::new("schoolclasses")
        .select_related("teachers__category")
        .select_related("students__category")
        .strategy(strategy);
    let compiled = compile(&graph, &query, db.dialect()).expect("the query compiles");
    let mut times_taken = Vec::with_capacity(times);
    let (mut rows, mut records) = (0, 0);
    for _ in 0..times.max(1) {
        let (took, read, fetched) = measured_fetch(&mut db, &compiled);
        times_taken.push(took);
        rows = read;
        records = Record::count(&fetched);
        drop(fetched);
    }
    times_taken.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "rows {rows} records {records} median_ms {:.2} min_ms {:.2}",
        ms(times_taken[times_taken.len() / 2]),
        ms(times_taken[0])
    );
}
